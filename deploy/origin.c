/* origin.c -- the origin service of the cache workload: versioned values
 * over HTTP (libmicrohttpd, a thread per connection), with a configurable
 * service time, a capacity past which it rejects or slows down, and the
 * counters and arrival logs that show how hard a thundering herd hit it.
 * The HTTP interface is documented in origin.h. */
#define _GNU_SOURCE
#include "origin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Connections served at once (each one a thread); a herd of thousands of
 * cache clients is the load this exists to take. */
#define ORIGIN_CONNECTION_LIMIT 8192
/* An idle keep-alive connection is closed after this many seconds; curl
 * reconnects on its next request. */
#define ORIGIN_IDLE_TIMEOUT_S 60
#define ORIGIN_BUCKETS_MIN 1024 /* a power of two */
/* The slow overload rule never stretches a service time past this. */
#define ORIGIN_SERVICE_MAX_NS (1000.0 * 3600 * SB_NS_PER_S)
#define ORIGIN_LOG_CAP_MIN 16

/* One key that was read or written. Entries are never freed before
 * origin_stop, so a handler may keep a pointer after unlocking. */
typedef struct origin_key {
    struct origin_key *next; /* hash chain */
    uint64_t hash;
    /* under sb_origin.mu */
    int64_t version, requests, rejected, writes;
    int64_t *log; /* arrivals, ns since start */
    size_t log_len, log_cap;
    int log_truncated;
    /* lock-free */
    atomic_int in_flight, peak;
    char name[]; /* NUL-terminated, valid UTF-8 */
} origin_key;

struct sb_origin {
    sb_origin_cfg cfg;
    struct MHD_Daemon *mhd;
    int fd, port;
    int64_t start_ns;

    pthread_mutex_t mu; /* guards the table, counters, logs and rng */
    origin_key **buckets;
    size_t n_buckets;
    origin_key **keys; /* in the order they were first seen */
    size_t n_keys, cap_keys;
    int64_t requests, rejected, writes;
    size_t log_total;
    int log_truncated;
    sb_rng rng;

    atomic_int in_flight, peak; /* GETs being served */

    pthread_mutex_t stop_mu; /* stopping cuts service-time sleeps short */
    pthread_cond_t stop_cv;
    int stopping;
};

/* ====== Key table ====== */

static uint64_t key_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

static int table_grow(sb_origin *o)
{
    size_t n = o->n_buckets * 2;
    origin_key **b = calloc(n, sizeof(*b));
    if (!b)
        return -1;
    for (size_t i = 0; i < o->n_keys; i++) {
        origin_key *e = o->keys[i];
        e->next = b[e->hash & (n - 1)];
        b[e->hash & (n - 1)] = e;
    }
    free(o->buckets);
    o->buckets = b;
    o->n_buckets = n;
    return 0;
}

static origin_key *key_add(sb_origin *o, const char *name, size_t len, uint64_t h)
{
    if (o->n_keys == o->cap_keys) {
        size_t cap = o->cap_keys ? o->cap_keys * 2 : ORIGIN_BUCKETS_MIN;
        origin_key **k = realloc(o->keys, cap * sizeof(*k));
        if (!k)
            return NULL;
        o->keys = k;
        o->cap_keys = cap;
    }
    if (o->n_keys >= o->n_buckets && table_grow(o) == -1)
        return NULL;
    origin_key *e = calloc(1, sizeof(*e) + len + 1);
    if (!e)
        return NULL;
    memcpy(e->name, name, len);
    e->hash = h;
    e->version = 1;
    atomic_init(&e->in_flight, 0);
    atomic_init(&e->peak, 0);
    e->next = o->buckets[h & (o->n_buckets - 1)];
    o->buckets[h & (o->n_buckets - 1)] = e;
    o->keys[o->n_keys++] = e;
    return e;
}

/* The entry of name, added at version 1 when create; NULL when it is
 * absent and !create, or when memory ran out. Caller holds o->mu. */
static origin_key *key_get(sb_origin *o, const char *name, int create)
{
    size_t len = strlen(name);
    uint64_t h = key_hash(name, len);
    for (origin_key *e = o->buckets[h & (o->n_buckets - 1)]; e; e = e->next)
        if (e->hash == h && !strcmp(e->name, name))
            return e;
    return create ? key_add(o, name, len, h) : NULL;
}

/* Keeps the first arrivals: the checker counts fetches per expiry from the
 * start, and a log that stops is easier to reason about than one with a
 * hole. Caller holds o->mu. */
static void log_add(sb_origin *o, origin_key *e, int64_t t_ns)
{
    if (e->log_len >= ORIGIN_LOG_PER_KEY || o->log_total >= ORIGIN_LOG_TOTAL) {
        e->log_truncated = o->log_truncated = 1;
        return;
    }
    if (e->log_len == e->log_cap) {
        size_t cap = e->log_cap ? e->log_cap * 2 : ORIGIN_LOG_CAP_MIN;
        if (cap > ORIGIN_LOG_PER_KEY)
            cap = ORIGIN_LOG_PER_KEY;
        int64_t *l = realloc(e->log, cap * sizeof(*l));
        if (!l) {
            e->log_truncated = o->log_truncated = 1;
            return;
        }
        e->log = l;
        e->log_cap = cap;
    }
    e->log[e->log_len++] = t_ns;
    o->log_total++;
}

static void peak_raise(atomic_int *peak, int v)
{
    int p = atomic_load(peak);
    while (v > p && !atomic_compare_exchange_weak(peak, &p, v))
        ;
}

/* ====== Keys in paths ====== */

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Well-formed UTF-8: no overlong forms, surrogates or code points past
 * U+10FFFF, so every key can be written into JSON as it is. */
static int utf8_valid(const unsigned char *s, size_t n)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* %-decodes the raw path segment seg into key (ORIGIN_KEY_MAX + 1 bytes).
 * Returns 0, or -1 with why set to what a 400 says. */
static int key_decode(const char *seg, char *key, const char **why)
{
    size_t n = 0;
    for (const char *p = seg; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hex_digit((unsigned char)p[1]),
                lo = hi < 0 ? -1 : hex_digit((unsigned char)p[2]);
            if (lo < 0) {
                *why = "bad %-escape in key; allowed: % followed by two hex digits";
                return -1;
            }
            c = hi * 16 + lo;
            p += 2;
        }
        if (c == 0) {
            *why = "key contains %00";
            return -1;
        }
        if (n == ORIGIN_KEY_MAX) {
            *why = "key longer than 512 bytes";
            return -1;
        }
        key[n++] = (char)c;
    }
    key[n] = '\0';
    if (n == 0)
        *why = "empty key";
    else if (!utf8_valid((const unsigned char *)key, n))
        *why = "key is not UTF-8";
    else
        return 0;
    return -1;
}

/* ====== Replies ====== */

typedef struct origin_reply {
    unsigned status;
    sb_buf body;
    int64_t version;   /* > 0: also sent as X-Version */
    const char *allow; /* 405: the methods the path takes */
} origin_reply;

static void reply_error(origin_reply *r, unsigned status, const char *msg)
{
    r->status = status;
    sb_buf_reset(&r->body);
    sb_buf_puts(&r->body, "{\"error\":");
    sb_buf_json_string(&r->body, msg);
    sb_buf_puts(&r->body, "}");
}

/* Hands r's body to MHD (which frees it) and queues the answer. */
static enum MHD_Result reply_send(struct MHD_Connection *c, origin_reply *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        sb_buf_free(&r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->version > 0) {
        char v[32];
        snprintf(v, sizeof(v), "%lld", (long long)r->version);
        MHD_add_response_header(resp, "X-Version", v);
    }
    enum MHD_Result ret = MHD_queue_response(c, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* t_ns as milliseconds with three decimals, exactly. */
static void put_ms(sb_buf *b, int64_t t_ns)
{
    sb_buf_printf(b, "%lld.%03lld", (long long)(t_ns / SB_NS_PER_MS),
                  (long long)(t_ns % SB_NS_PER_MS / SB_NS_PER_US));
}

/* ====== Handlers ====== */

/* Sleeps ns unless the origin stops first; returns -1 when it did. */
static int origin_sleep(sb_origin *o, int64_t ns)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t t = (int64_t)until.tv_nsec + (ns > 0 ? ns : 0);
    until.tv_sec += t / SB_NS_PER_S;
    until.tv_nsec = t % SB_NS_PER_S;
    pthread_mutex_lock(&o->stop_mu);
    while (!o->stopping && ns > 0 &&
           pthread_cond_timedwait(&o->stop_cv, &o->stop_mu, &until) != ETIMEDOUT)
        ;
    int stopped = o->stopping;
    pthread_mutex_unlock(&o->stop_mu);
    return stopped ? -1 : 0;
}

/* latency + jitter, stretched by the slow overload rule when in_flight GETs
 * (this one included) exceed the capacity. Caller holds o->mu (the rng). */
static int64_t service_time(sb_origin *o, int in_flight)
{
    const sb_origin_cfg *c = &o->cfg;
    int64_t t = c->latency_ns;
    if (c->jitter_ns > 0)
        t += (int64_t)(sb_rng_unit(&o->rng) * (double)c->jitter_ns);
    if (c->capacity > 0 && in_flight > c->capacity) {
        double stretched = (double)t * (1.0 + (double)(in_flight - c->capacity) / c->capacity);
        t = stretched < ORIGIN_SERVICE_MAX_NS ? (int64_t)stretched : (int64_t)ORIGIN_SERVICE_MAX_NS;
    }
    return t;
}

static int reject_overloaded(sb_origin *o, const char *key, origin_reply *r)
{
    pthread_mutex_lock(&o->mu);
    origin_key *e = key_get(o, key, 1);
    if (e)
        e->rejected++;
    o->rejected++;
    pthread_mutex_unlock(&o->mu);
    r->status = MHD_HTTP_SERVICE_UNAVAILABLE;
    sb_buf_printf(&r->body, "{\"error\":\"overloaded\",\"capacity\":%d}", o->cfg.capacity);
    return 0;
}

static int value_get(sb_origin *o, const char *key, origin_reply *r)
{
    int64_t arrival_ns = sb_now_ns() - o->start_ns;
    int in_flight = atomic_fetch_add(&o->in_flight, 1) + 1;
    if (o->cfg.capacity > 0 && in_flight > o->cfg.capacity && o->cfg.overload_503) {
        atomic_fetch_sub(&o->in_flight, 1);
        return reject_overloaded(o, key, r);
    }
    pthread_mutex_lock(&o->mu);
    origin_key *e = key_get(o, key, 1);
    int64_t version = 0, service_ns = 0;
    if (e) {
        version = e->version; /* the linearization point of the read */
        e->requests++;
        o->requests++;
        log_add(o, e, arrival_ns);
        service_ns = service_time(o, in_flight);
    }
    pthread_mutex_unlock(&o->mu);
    if (!e) {
        atomic_fetch_sub(&o->in_flight, 1);
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return 0;
    }
    peak_raise(&e->peak, atomic_fetch_add(&e->in_flight, 1) + 1);
    peak_raise(&o->peak, in_flight);
    int stopped = origin_sleep(o, service_ns);
    atomic_fetch_sub(&e->in_flight, 1);
    atomic_fetch_sub(&o->in_flight, 1);
    if (stopped)
        return -1;
    char value[ORIGIN_KEY_MAX + 32];
    snprintf(value, sizeof(value), "%s@%lld", key, (long long)version);
    sb_buf_puts(&r->body, "{\"key\":");
    sb_buf_json_string(&r->body, key);
    sb_buf_printf(&r->body, ",\"version\":%lld,\"value\":", (long long)version);
    sb_buf_json_string(&r->body, value);
    sb_buf_puts(&r->body, "}");
    r->version = version;
    return 0;
}

static int value_post(sb_origin *o, const char *key, origin_reply *r)
{
    pthread_mutex_lock(&o->mu);
    origin_key *e = key_get(o, key, 1);
    int64_t version = 0;
    if (e) {
        version = ++e->version;
        e->writes++;
        o->writes++;
    }
    pthread_mutex_unlock(&o->mu);
    if (!e) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return 0;
    }
    sb_buf_puts(&r->body, "{\"key\":");
    sb_buf_json_string(&r->body, key);
    sb_buf_printf(&r->body, ",\"version\":%lld}", (long long)version);
    r->version = version;
    return 0;
}

typedef struct key_snap {
    const char *name;
    int64_t requests, rejected, writes, version;
    int peak;
} key_snap;

/* The counters are copied under the lock and written out after it, so a
 * /stats over 10^5 keys does not hold up the GETs it is measuring. */
static int stats_get(sb_origin *o, const char *key, origin_reply *r)
{
    (void)key;
    pthread_mutex_lock(&o->mu);
    size_t n = o->n_keys;
    key_snap *s = sb_xmalloc((n ? n : 1) * sizeof(*s));
    int64_t requests = o->requests, rejected = o->rejected, writes = o->writes;
    int truncated = o->log_truncated;
    for (size_t i = 0; s && i < n; i++) {
        const origin_key *e = o->keys[i];
        s[i] = (key_snap){e->name,   e->requests, e->rejected,
                          e->writes, e->version,  atomic_load(&e->peak)};
    }
    pthread_mutex_unlock(&o->mu);
    if (!s) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return 0;
    }
    sb_buf *b = &r->body;
    sb_buf_printf(b,
                  "{\"requests\":%lld,\"rejected\":%lld,\"writes\":%lld,"
                  "\"peak_concurrency\":%d,\"in_flight\":%d,\"keys\":{",
                  (long long)requests, (long long)rejected, (long long)writes,
                  atomic_load(&o->peak), atomic_load(&o->in_flight));
    for (size_t i = 0; i < n; i++) {
        sb_buf_puts(b, i ? "," : "");
        sb_buf_json_string(b, s[i].name);
        sb_buf_printf(b,
                      ":{\"requests\":%lld,\"rejected\":%lld,\"writes\":%lld,"
                      "\"peak_concurrency\":%d,\"version\":%lld}",
                      (long long)s[i].requests, (long long)s[i].rejected, (long long)s[i].writes,
                      s[i].peak, (long long)s[i].version);
    }
    int64_t up_ns = sb_now_ns() - o->start_ns;
    sb_buf_printf(b,
                  "},\"uptime_s\":%lld.%03lld,\"monotonic_start_ns\":%lld,"
                  "\"log_truncated\":%s}",
                  (long long)(up_ns / SB_NS_PER_S), (long long)(up_ns % SB_NS_PER_S / SB_NS_PER_MS),
                  (long long)o->start_ns, truncated ? "true" : "false");
    free(s);
    return 0;
}

static int log_get(sb_origin *o, const char *key, origin_reply *r)
{
    pthread_mutex_lock(&o->mu);
    const origin_key *e = key_get(o, key, 0);
    size_t n = e ? e->log_len : 0;
    int truncated = e ? e->log_truncated : 0;
    int64_t *log = malloc((n ? n : 1) * sizeof(*log));
    if (log && n)
        memcpy(log, e->log, n * sizeof(*log));
    pthread_mutex_unlock(&o->mu);
    if (!log) {
        reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return 0;
    }
    sb_buf *b = &r->body;
    sb_buf_puts(b, "{\"key\":");
    sb_buf_json_string(b, key);
    sb_buf_puts(b, ",\"arrivals_ms\":[");
    for (size_t i = 0; i < n; i++) {
        sb_buf_puts(b, i ? "," : "");
        put_ms(b, log[i]);
    }
    sb_buf_printf(b, "],\"truncated\":%s,\"monotonic_start_ns\":%lld}",
                  truncated ? "true" : "false", (long long)o->start_ns);
    free(log);
    return 0;
}

static int reset_post(sb_origin *o, const char *key, origin_reply *r)
{
    (void)key;
    pthread_mutex_lock(&o->mu);
    o->requests = o->rejected = o->writes = 0;
    o->log_total = 0;
    o->log_truncated = 0;
    atomic_store(&o->peak, atomic_load(&o->in_flight));
    for (size_t i = 0; i < o->n_keys; i++) {
        origin_key *e = o->keys[i];
        e->requests = e->rejected = e->writes = 0;
        e->log_len = 0;
        e->log_truncated = 0;
        atomic_store(&e->peak, atomic_load(&e->in_flight));
    }
    pthread_mutex_unlock(&o->mu);
    sb_buf_puts(&r->body, "{\"reset\":true}");
    return 0;
}

/* ====== Routing ====== */

/* Returns 0 with r filled, or -1 to close the connection unanswered. */
typedef int (*origin_handler)(sb_origin *o, const char *key, origin_reply *r);

static const struct origin_route {
    const char *path; /* exact, or with_key: a prefix followed by one key segment */
    int with_key;
    const char *allow;
    origin_handler get, post;
} origin_routes[] = {
    {"/v/", 1, "GET, POST", value_get, value_post},
    {"/log/", 1, "GET", log_get, NULL},
    {"/stats", 0, "GET", stats_get, NULL},
    {"/reset", 0, "POST", NULL, reset_post},
};

static const struct origin_route *route_find(const char *url, const char **seg)
{
    for (size_t i = 0; i < sizeof(origin_routes) / sizeof(origin_routes[0]); i++) {
        const struct origin_route *rt = &origin_routes[i];
        size_t n = strlen(rt->path);
        if (!rt->with_key && !strcmp(url, rt->path))
            return rt;
        if (rt->with_key && !strncmp(url, rt->path, n) && !strchr(url + n, '/')) {
            *seg = url + n;
            return rt;
        }
    }
    return NULL;
}

/* Fills r for one request; returns -1 to close the connection instead. */
static int origin_serve(sb_origin *o, const char *url, const char *method, origin_reply *r)
{
    const char *seg = "";
    const struct origin_route *rt = route_find(url, &seg);
    if (!rt) {
        reply_error(r, MHD_HTTP_NOT_FOUND,
                    "no such path; allowed: /v/<key>, /log/<key>, "
                    "/stats, /reset");
        return 0;
    }
    origin_handler h = !strcmp(method, MHD_HTTP_METHOD_GET)    ? rt->get
                       : !strcmp(method, MHD_HTTP_METHOD_POST) ? rt->post
                                                               : NULL;
    if (!h) {
        reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        r->allow = rt->allow;
        return 0;
    }
    char key[ORIGIN_KEY_MAX + 1] = "";
    const char *why;
    if (rt->with_key && key_decode(seg, key, &why) == -1) {
        reply_error(r, MHD_HTTP_BAD_REQUEST, why);
        return 0;
    }
    return h(o, key, r);
}

/* MHD calls this once with the headers, then with each piece of the body,
 * then once more with none: the answer is given on that last call. */
static enum MHD_Result origin_access(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    (void)version;
    (void)upload_data;
    sb_origin *o = cls;
    if (!*con_cls) {
        *con_cls = o; /* marks the headers as seen */
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    origin_reply r = {.status = MHD_HTTP_OK};
    sb_buf_init(&r.body);
    if (origin_serve(o, url, method, &r) == -1) {
        sb_buf_free(&r.body);
        return MHD_NO;
    }
    return reply_send(c, &r);
}

/* Keys are decoded by key_decode, which tells "a%2Fb" from "a/b"; MHD's
 * own unescaping would not. */
static size_t origin_unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* ====== Start and stop ====== */

/* A listening socket of our own, so a failure names its reason (MHD only
 * says that it failed). Returns the fd, or -1 with err filled. */
static int origin_listen(sb_origin_cfg *cfg, int *port, int *ipv6, char *err)
{
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    const char *addr = cfg->addr[0] ? cfg->addr : "0.0.0.0";
    socklen_t len;
    if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)cfg->port);
        len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)cfg->port);
        len = sizeof(*in6);
    } else {
        sb_err_set(err, "origin: bad address \"%s\"; allowed: an IPv4 or IPv6 literal", addr);
        return -1;
    }
    *ipv6 = ss.ss_family == AF_INET6;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd == -1) {
        sb_err_set(err, "origin: socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    const char *call = bind(fd, (struct sockaddr *)&ss, len) == -1           ? "bind"
                       : listen(fd, SOMAXCONN) == -1                         ? "listen"
                       : getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ? "getsockname"
                                                                             : NULL;
    if (call) {
        sb_err_set(err, "origin: %s(%s port %d): %s", call, addr, cfg->port, strerror(errno));
        close(fd);
        return -1;
    }
    *port = ntohs(*ipv6 ? in6->sin6_port : in4->sin_port);
    return fd;
}

static int origin_cfg_check(const sb_origin_cfg *cfg, char *err)
{
    if (cfg->port < 0 || cfg->port > 65535)
        sb_err_set(err, "origin: port %d; allowed: 0 to 65535", cfg->port);
    else if (cfg->latency_ns < 0 || cfg->jitter_ns < 0)
        sb_err_set(err, "origin: latency and jitter must not be negative");
    else if (cfg->capacity < 0)
        sb_err_set(err, "origin: capacity %d; allowed: 0 (unlimited) or more", cfg->capacity);
    else if (!memchr(cfg->addr, '\0', sizeof(cfg->addr)))
        sb_err_set(err, "origin: address is not NUL-terminated");
    else
        return 0;
    return -1;
}

static void origin_free(sb_origin *o)
{
    for (size_t i = 0; i < o->n_keys; i++) {
        free(o->keys[i]->log);
        free(o->keys[i]);
    }
    free(o->keys);
    free(o->buckets);
    pthread_mutex_destroy(&o->mu);
    pthread_mutex_destroy(&o->stop_mu);
    pthread_cond_destroy(&o->stop_cv);
    free(o);
}

sb_origin *origin_start(const sb_origin_cfg *cfg, char *err)
{
    if (origin_cfg_check(cfg, err) == -1)
        return NULL;
    sb_origin *o = calloc(1, sizeof(*o));
    if (!o || !(o->buckets = calloc(ORIGIN_BUCKETS_MIN, sizeof(*o->buckets)))) {
        free(o);
        sb_err_set(err, "origin: out of memory");
        return NULL;
    }
    o->cfg = *cfg;
    o->n_buckets = ORIGIN_BUCKETS_MIN;
    sb_rng_seed(&o->rng, cfg->seed);
    atomic_init(&o->in_flight, 0);
    atomic_init(&o->peak, 0);
    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->stop_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* origin_sleep's deadlines */
    pthread_cond_init(&o->stop_cv, &ca);
    pthread_condattr_destroy(&ca);
    int ipv6 = 0;
    o->fd = origin_listen(&o->cfg, &o->port, &ipv6, err);
    if (o->fd == -1) {
        origin_free(o);
        return NULL;
    }
    o->start_ns = sb_now_ns();
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | (ipv6 ? MHD_USE_IPv6 : 0);
    /* one option and its values per line */
    /* clang-format off */
    o->mhd = MHD_start_daemon(flags, 0, NULL, NULL, origin_access, o,
                              MHD_OPTION_LISTEN_SOCKET, (MHD_socket)o->fd,
                              MHD_OPTION_UNESCAPE_CALLBACK, origin_unescape_none, NULL,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)ORIGIN_CONNECTION_LIMIT,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)ORIGIN_IDLE_TIMEOUT_S,
                              MHD_OPTION_END);
    /* clang-format on */
    if (!o->mhd) {
        sb_err_set(err, "origin: MHD_start_daemon failed on port %d", o->port);
        close(o->fd);
        origin_free(o);
        return NULL;
    }
    return o;
}

int origin_port(const sb_origin *o)
{
    return o->port;
}

void origin_stop(sb_origin *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->stop_mu);
    o->stopping = 1;
    pthread_cond_broadcast(&o->stop_cv);
    pthread_mutex_unlock(&o->stop_mu);
    MHD_stop_daemon(o->mhd); /* joins every connection thread; closes o->fd */
    origin_free(o);
}

void origin_totals(sb_origin *o, sb_origin_totals *t)
{
    pthread_mutex_lock(&o->mu);
    t->requests = (long long)o->requests;
    t->rejected = (long long)o->rejected;
    t->writes = (long long)o->writes;
    t->peak_concurrency = atomic_load(&o->peak);
    t->keys = o->n_keys;
    pthread_mutex_unlock(&o->mu);
}
