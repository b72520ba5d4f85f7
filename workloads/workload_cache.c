/* workload_cache.c -- the cache workload: cache-aside clients over Redis in
 * front of a real HTTP origin service (`splitbrain origin`), with the
 * strategies of the background document against the thundering herd.
 *
 * Keys "<key>:<i>" are drawn from a Zipf distribution (hot keys). A get
 * reads the cache; on a miss, by strategy:
 *   none, never-invalidate, update-on-write: fetch from the origin, store;
 *   mediator: the same through the coalescing mediator (`splitbrain
 *     mediator`, one upstream request per key at a time);
 *   lock (V): SET lock::<key> token NX PX lock_ttl; the winner fetches,
 *     stores and releases (compare-and-delete); the others retry the cache
 *     (and the lock) every `retry`;
 *   redlock (III): the same lock by Redlock over every independent master;
 *   memolock: as MemoLock was first published: the winner publishes on
 *     notif:<key> after storing; a loser subscribes after losing the lock,
 *     so a notification sent in between is missed and it waits until
 *     give_up (starved);
 *   memolock-fixed: subscribe first, then check the cache and the lock, and
 *     listen at most listen_timeout before starting over.
 * Stored values expire after ttl, or with sync_expiry at the next multiple
 * of ttl since the run's start (PXAT), so hot keys expire together at
 * known times; never-invalidate stores without a
 * TTL (maxmemory and an LRU policy bound the memory). A share `writes` of
 * the operations bump a key's version at the origin (POST); with
 * update-on-write the writer also stores the new version in the cache.
 *
 * History values, for the cache checker: get invoke {"k":"17"}, completion
 * {"k":"17","v":5,"src":"cache|origin|wait","wait_ms":12.5,
 * "fetch":{"start":ns,"end":ns,"status":200}} (fetch only when this client
 * asked the origin); write ok {"k":"17","v":6}. A get that found no value
 * fails ("starved: no value after N ms", "origin: HTTP 503", ...); a
 * write whose answer was lost is info (the origin may have bumped). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workload.h"
#include "workload_internal.h"

static const char *const release_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

typedef struct cache_worker {
    const sb_scenario *s;
    CURL *curl;        /* one connection to the origin, kept alive */
    redisContext *sub; /* memolock: pub/sub connection to the master */
    int sub_host;
    void *redlock; /* redlock: the lock workload's state */
    sb_buf body;   /* the last HTTP answer */
    uint64_t gets; /* for unique lock tokens */
} cache_worker;

typedef struct fetch_info {
    int done;
    int64_t start, end; /* history clock */
    long status;        /* HTTP status; 0 transport error */
    long long version;
    char err[160];
} fetch_info;

void *cache_worker_new(const sb_scenario *s, int process)
{
    (void)process;
    cache_worker *cw = sb_xcalloc(1, sizeof(*cw));
    cw->s = s;
    cw->sub_host = -1;
    sb_buf_init(&cw->body);
    if (s->workload.cache.strategy == SB_CACHE_REDLOCK)
        cw->redlock = lock_worker_new(s, process);
    return cw;
}

void cache_worker_free(void *state)
{
    cache_worker *cw = state;
    if (!cw)
        return;
    if (cw->curl)
        curl_easy_cleanup(cw->curl);
    if (cw->sub)
        redisFree(cw->sub);
    if (cw->redlock)
        lock_worker_free(cw->redlock);
    sb_buf_free(&cw->body);
    free(cw);
}

/* ====== Keys ====== */

/* Key rank from u in [0,1): the inverse of the continuous power law with
 * exponent zipf over [1, n+1), so rank 0 is the hottest (zipf 0: uniform). */
static int zipf_key(double u, int n, double zipf)
{
    double x;
    if (fabs(zipf - 1.0) < 1e-9)
        x = pow(n + 1.0, u);
    else
        x = pow((pow(n + 1.0, 1.0 - zipf) - 1.0) * u + 1.0, 1.0 / (1.0 - zipf));
    int k = (int)x - 1;
    return k < 0 ? 0 : k >= n ? n - 1 : k;
}

void cache_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op)
{
    (void)n_processes;
    uint64_t h = wl_mix(((uint64_t)process << 40) ^ seq);
    int write = (double)(h % 1000000) < w->cache.writes * 1e6;
    double u = (double)(wl_mix(h) >> 11) / (double)(1ULL << 53);
    int k = zipf_key(u, w->cache.keys, w->cache.zipf);
    op->arg = ((int64_t)write << 32) | k;
    snprintf(op->f, sizeof(op->f), "%s", write ? "write" : "get");
    snprintf(op->value, sizeof(op->value), "{\"k\":\"%d\"}", k);
}

/* ====== The origin, over HTTP ====== */

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    sb_buf_append(arg, data, size * n);
    return size * n;
}

static long long version_of(const char *body)
{
    const char *v = strstr(body, "\"version\":");
    return v ? atoll(v + 10) : -1;
}

/* GET (post 0) or POST (post 1) /v/<k> on the origin; with the mediator
 * strategy gets go through the mediator (the origin's port + 1). */
static void origin_call(cache_worker *cw, const sb_wctx *x, int k, int post, fetch_info *fi)
{
    const sb_cache_cfg *cc = &cw->s->workload.cache;
    const sb_origin_spec *o = &cw->s->origin;
    if (!cw->curl)
        cw->curl = curl_easy_init();
    char url[128];
    snprintf(url, sizeof(url), "http://%s:%d/v/%d", lab_host_addr(x->lab, o->host),
             o->port + (cc->strategy == SB_CACHE_MEDIATOR && !post ? 1 : 0), k);
    sb_buf_reset(&cw->body);
    curl_easy_setopt(cw->curl, CURLOPT_URL, url);
    curl_easy_setopt(cw->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(cw->curl, CURLOPT_WRITEDATA, &cw->body);
    curl_easy_setopt(cw->curl, CURLOPT_TIMEOUT_MS, (long)(cc->fetch_timeout_ns / SB_NS_PER_MS));
    curl_easy_setopt(cw->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(cc->fetch_timeout_ns / SB_NS_PER_MS));
    curl_easy_setopt(cw->curl, CURLOPT_NOSIGNAL, 1L);
    if (post)
        curl_easy_setopt(cw->curl, CURLOPT_POSTFIELDS, "");
    else
        curl_easy_setopt(cw->curl, CURLOPT_HTTPGET, 1L);
    fi->done = 1;
    fi->start = recorder_elapsed_ns(x->rec);
    CURLcode rc = curl_easy_perform(cw->curl);
    fi->end = recorder_elapsed_ns(x->rec);
    fi->status = 0;
    fi->version = -1;
    if (rc != CURLE_OK) {
        snprintf(fi->err, sizeof(fi->err), "origin: %s",
                 rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : curl_easy_strerror(rc));
        /* A connection in an unknown state is not reused. */
        curl_easy_cleanup(cw->curl);
        cw->curl = NULL;
        return;
    }
    curl_easy_getinfo(cw->curl, CURLINFO_RESPONSE_CODE, &fi->status);
    if (fi->status != 200) {
        snprintf(fi->err, sizeof(fi->err), "origin: HTTP %ld", fi->status);
        return;
    }
    sb_buf_puts(&cw->body, "");
    fi->version = version_of(cw->body.data ? cw->body.data : "");
    if (fi->version < 0)
        snprintf(fi->err, sizeof(fi->err), "origin: no version in the answer");
}

/* ====== Redis ====== */

static sb_outcome call(sb_wctx *x, int argc, const char **argv, redisReply **r, char *why,
                       size_t whylen)
{
    size_t lens[8];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return client_call(x->c, argc, argv, lens, r, why, whylen);
}

/* GET of the cache: 1 hit (version), 0 miss, -1 error (outcome in o). */
static int cache_get(sb_wctx *x, const char *key, long long *version, sb_outcome *o, char *why,
                     size_t whylen)
{
    const char *argv[2] = {"GET", key};
    redisReply *r;
    *o = call(x, 2, argv, &r, why, whylen);
    if (*o != SB_OUTCOME_OK)
        return -1;
    int hit = r->type == REDIS_REPLY_STRING;
    if (hit)
        *version = atoll(r->str);
    freeReplyObject(r);
    return hit;
}

/* SET with the strategy's expiry: none (never-invalidate), PXAT on the next
 * multiple of ttl (sync_expiry), or PX ttl. */
static void cache_store(sb_wctx *x, const char *key, long long version)
{
    const sb_cache_cfg *cc = &x->s->workload.cache;
    char v[24], t[32], why[128];
    snprintf(v, sizeof(v), "%lld", version);
    const char *argv[5] = {"SET", key, v, NULL, NULL};
    int argc = 3;
    long long ttl_ms = cc->ttl_ns / SB_NS_PER_MS;
    if (cc->strategy != SB_CACHE_NEVER_INVALIDATE) {
        if (cc->sync_expiry) {
            /* Expire at the next multiple of ttl on the history's clock
             * (the run's start is 0), so expiries fall at known times. */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            long long now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
            long long run_ms = recorder_elapsed_ns(x->rec) / SB_NS_PER_MS;
            snprintf(t, sizeof(t), "%lld", now_ms + ttl_ms - run_ms % ttl_ms);
            argv[3] = "PXAT";
        } else {
            snprintf(t, sizeof(t), "%lld", ttl_ms);
            argv[3] = "PX";
        }
        argv[4] = t;
        argc = 5;
    }
    redisReply *r;
    if (call(x, argc, argv, &r, why, sizeof(why)) == SB_OUTCOME_OK)
        freeReplyObject(r);
}

/* The single-master lock (strategy V and MemoLock): 1 won, 0 lost, -1 error. */
static int lock_take(sb_wctx *x, const char *lockkey, const char *token, char *why, size_t whylen)
{
    char px[24];
    snprintf(px, sizeof(px), "%lld", (long long)(x->s->workload.cache.lock_ttl_ns / SB_NS_PER_MS));
    const char *argv[6] = {"SET", lockkey, token, "NX", "PX", px};
    redisReply *r;
    if (call(x, 6, argv, &r, why, whylen) != SB_OUTCOME_OK)
        return -1;
    int won = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return won;
}

static void lock_give(sb_wctx *x, const char *lockkey, const char *token)
{
    const char *argv[5] = {"EVAL", release_script, "1", lockkey, token};
    redisReply *r;
    char why[128];
    if (call(x, 5, argv, &r, why, sizeof(why)) == SB_OUTCOME_OK)
        freeReplyObject(r);
}

static void publish(sb_wctx *x, const char *chan, long long version)
{
    char v[24], why[128];
    snprintf(v, sizeof(v), "%lld", version);
    const char *argv[3] = {"PUBLISH", chan, v};
    redisReply *r;
    if (call(x, 3, argv, &r, why, sizeof(why)) == SB_OUTCOME_OK)
        freeReplyObject(r);
}

/* ====== Pub/sub (MemoLock) ====== */

static void sub_drop(cache_worker *cw)
{
    if (cw->sub)
        redisFree(cw->sub);
    cw->sub = NULL;
    cw->sub_host = -1;
}

/* The next pub/sub reply within timeout: 1 got one, 0 timed out, -1 error. */
static int sub_read(cache_worker *cw, int64_t timeout_ns, redisReply **out)
{
    void *r = NULL;
    if (redisGetReplyFromReader(cw->sub, &r) != REDIS_OK)
        return -1;
    int64_t until = sb_now_ns() + timeout_ns;
    while (!r) {
        int64_t left = until - sb_now_ns();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = cw->sub->fd, .events = POLLIN};
        int n = poll(&p, 1, (int)((left + SB_NS_PER_MS - 1) / SB_NS_PER_MS));
        if (n < 0)
            return -1;
        if (n == 0)
            continue;
        if (redisBufferRead(cw->sub) != REDIS_OK ||
            redisGetReplyFromReader(cw->sub, &r) != REDIS_OK)
            return -1;
    }
    *out = r;
    return 1;
}

/* SUBSCRIBE chan on a connection to the master the client uses now. */
static int sub_open(cache_worker *cw, sb_wctx *x, const char *chan, char *why, size_t whylen)
{
    int master = x->c->master_host;
    if (master < 0) {
        snprintf(why, whylen, "pubsub: no master known");
        return -1;
    }
    if (cw->sub && cw->sub_host != master)
        sub_drop(cw);
    if (!cw->sub) {
        const sb_client_cfg *cfg = &x->c->cfg;
        cw->sub = client_connect(lab_host_addr(x->lab, master), cw->s->deployment.redis_port,
                                 cfg->connect_timeout_ns, cfg->timeout_ns, why, whylen);
        if (!cw->sub)
            return -1;
        cw->sub_host = master;
    }
    redisAppendCommand(cw->sub, "SUBSCRIBE %s", chan);
    int done = 0;
    if (redisBufferWrite(cw->sub, &done) != REDIS_OK) {
        snprintf(why, whylen, "pubsub: %s", cw->sub->errstr);
        sub_drop(cw);
        return -1;
    }
    redisReply *r = NULL;
    int got = sub_read(cw, x->c->cfg.timeout_ns, &r);
    int ok = got == 1 && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
             !strcmp(r->element[0]->str, "subscribe");
    if (r)
        freeReplyObject(r);
    if (!ok) {
        snprintf(why, whylen, "pubsub: SUBSCRIBE %s not confirmed", chan);
        sub_drop(cw);
        return -1;
    }
    return 0;
}

/* Waits for a message on the subscribed channel: 1 got one, 0 timeout. */
static int sub_wait(cache_worker *cw, int64_t timeout_ns)
{
    int64_t until = sb_now_ns() + timeout_ns;
    for (;;) {
        redisReply *r = NULL;
        int got = sub_read(cw, until - sb_now_ns(), &r);
        if (got <= 0) {
            if (got < 0)
                sub_drop(cw);
            return 0;
        }
        int msg = r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                  !strcmp(r->element[0]->str, "message");
        freeReplyObject(r);
        if (msg)
            return 1;
    }
}

static void sub_close(cache_worker *cw, const char *chan)
{
    if (!cw->sub)
        return;
    redisAppendCommand(cw->sub, "UNSUBSCRIBE %s", chan);
    int done = 0;
    if (redisBufferWrite(cw->sub, &done) != REDIS_OK) {
        sub_drop(cw);
        return;
    }
    /* Until the confirmation: messages that raced it are dropped. */
    for (;;) {
        redisReply *r = NULL;
        if (sub_read(cw, 500 * SB_NS_PER_MS, &r) != 1) {
            sub_drop(cw);
            return;
        }
        int confirmed = r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                        !strcmp(r->element[0]->str, "unsubscribe");
        freeReplyObject(r);
        if (confirmed)
            return;
    }
}

/* ====== Gets ====== */

typedef struct get_state {
    const char *key;
    char lockkey[200], chan[200], token[48];
    int64_t missed_at; /* sb_now_ns() of the first miss */
    int64_t fetch_at;  /* sb_now_ns() when this client went to the origin */
    fetch_info fetch;
    long long version;
    const char *src;
} get_state;

/* This client fetches and stores: 1 done (version), 0 the origin failed. */
static int fetch_store(cache_worker *cw, sb_wctx *x, int k, get_state *g)
{
    g->fetch_at = sb_now_ns();
    origin_call(cw, x, k, 0, &g->fetch);
    if (g->fetch.version < 0)
        return 0;
    cache_store(x, g->key, g->fetch.version);
    g->version = g->fetch.version;
    g->src = "origin";
    return 1;
}

/* Waits `retry`, then reads the cache: 1 hit, 0 still missing, -1 error. */
static int retry_read(sb_wctx *x, get_state *g, sb_outcome *o, char *why, size_t whylen)
{
    sb_sleep_ns(x->s->workload.cache.retry_ns);
    int hit = cache_get(x, g->key, &g->version, o, why, whylen);
    if (hit == 1)
        g->src = "wait";
    return hit;
}

static int64_t waited(const get_state *g)
{
    return sb_now_ns() - g->missed_at;
}

/* Strategy V (lock) and III (redlock): 1 value, 0 gave up (why), -1 error. */
static int get_locked(cache_worker *cw, sb_wctx *x, int k, get_state *g, sb_outcome *o, char *why,
                      size_t whylen)
{
    const sb_cache_cfg *cc = &x->s->workload.cache;
    while (waited(g) < cc->give_up_ns) {
        unsigned char maybe[SB_MAX_HOSTS] = {0};
        int64_t validity;
        int won = cw->redlock ? lock_acquire(cw->redlock, x, g->lockkey, g->token, &validity, maybe,
                                             why, whylen)
                              : lock_take(x, g->lockkey, g->token, why, whylen);
        if (won == 1) {
            /* The value may have arrived while we asked for the lock. */
            int hit = cache_get(x, g->key, &g->version, o, why, whylen);
            if (hit == 1)
                g->src = "wait";
            int got = hit == 1 || (hit == 0 && fetch_store(cw, x, k, g));
            if (cw->redlock)
                lock_release_all(cw->redlock, x, g->lockkey, g->token, maybe);
            else
                lock_give(x, g->lockkey, g->token);
            if (hit == -1)
                return -1;
            if (!got) {
                snprintf(why, whylen, "%s", g->fetch.err);
                return 0;
            }
            return 1;
        }
        int hit = retry_read(x, g, o, why, whylen);
        if (hit != 0)
            return hit;
    }
    snprintf(why, whylen, "starved: no value after %lld ms", (long long)(waited(g) / SB_NS_PER_MS));
    return 0;
}

/* MemoLock, first version and fixed: 1 value, 0 gave up, -1 error. */
static int get_memolock(cache_worker *cw, sb_wctx *x, int k, get_state *g, int fixed, sb_outcome *o,
                        char *why, size_t whylen)
{
    const sb_cache_cfg *cc = &x->s->workload.cache;
    while (waited(g) < cc->give_up_ns) {
        if (fixed) {
            /* Subscribe, then check: a notification can no longer slip
             * between the check and the subscription. */
            if (sub_open(cw, x, g->chan, why, whylen) == -1)
                return 0;
            int hit = cache_get(x, g->key, &g->version, o, why, whylen);
            if (hit != 0) {
                sub_close(cw, g->chan);
                if (hit == 1)
                    g->src = "wait";
                return hit;
            }
        }
        int won = lock_take(x, g->lockkey, g->token, why, whylen);
        if (won == -1) {
            if (fixed)
                sub_close(cw, g->chan);
            *o = SB_OUTCOME_FAIL;
            return 0;
        }
        if (won) {
            if (fixed)
                sub_close(cw, g->chan);
            int got = fetch_store(cw, x, k, g);
            if (got)
                publish(x, g->chan, g->version);
            lock_give(x, g->lockkey, g->token);
            if (!got)
                snprintf(why, whylen, "%s", g->fetch.err);
            return got;
        }
        /* Lost the lock: wait for the winner's notification. */
        if (cc->subscribe_delay_ns)
            sb_sleep_ns(cc->subscribe_delay_ns); /* test hook: widen the race */
        if (!fixed && sub_open(cw, x, g->chan, why, whylen) == -1)
            return 0;
        int64_t left = cc->give_up_ns - waited(g);
        int64_t listen = fixed && cc->listen_timeout_ns < left ? cc->listen_timeout_ns : left;
        int msg = sub_wait(cw, listen > 0 ? listen : 0);
        sub_close(cw, g->chan);
        if (msg) {
            int hit = cache_get(x, g->key, &g->version, o, why, whylen);
            if (hit == 1)
                g->src = "wait";
            if (hit != 0)
                return hit;
        }
        if (!fixed)
            break; /* the first MemoLock listens once, for as long as it takes */
    }
    snprintf(why, whylen, "starved: no value after %lld ms", (long long)(waited(g) / SB_NS_PER_MS));
    return 0;
}

static void get_value(const get_state *g, int k, sb_buf *out)
{
    sb_buf_printf(out, "{\"k\":\"%d\",\"v\":", k);
    if (g->version >= 0)
        sb_buf_printf(out, "%lld", g->version);
    else
        sb_buf_puts(out, "null");
    if (g->src)
        sb_buf_printf(out, ",\"src\":\"%s\"", g->src);
    /* Time spent waiting for other clients: until the value came (wait),
     * until this client got its turn at the origin, or until it gave up. */
    double wait_ms = 0;
    if (g->missed_at && g->fetch_at)
        wait_ms = (g->fetch_at - g->missed_at) / 1e6;
    else if (g->missed_at && (!g->src || !strcmp(g->src, "wait")))
        wait_ms = waited(g) / 1e6;
    sb_buf_printf(out, ",\"wait_ms\":%.3f", wait_ms);
    if (g->fetch.done)
        sb_buf_printf(out, ",\"fetch\":{\"start\":%" PRId64 ",\"end\":%" PRId64 ",\"status\":%ld}",
                      g->fetch.start, g->fetch.end, g->fetch.status);
    sb_buf_puts(out, "}");
}

static sb_outcome do_get(cache_worker *cw, sb_wctx *x, int k, sb_buf *out, char *why, size_t whylen)
{
    const sb_cache_cfg *cc = &x->s->workload.cache;
    char key[160];
    snprintf(key, sizeof(key), "%s:%d", x->s->workload.key, k);
    get_state g = {.key = key, .version = -1};
    snprintf(g.lockkey, sizeof(g.lockkey), "lock::%s", key);
    snprintf(g.chan, sizeof(g.chan), "notif:%s", key);
    snprintf(g.token, sizeof(g.token), "%d:%" PRIu64, x->process, cw->gets++);
    sb_outcome o = SB_OUTCOME_OK;
    int hit = cache_get(x, key, &g.version, &o, why, whylen);
    if (hit == -1)
        return o;
    int got = 1;
    if (hit == 1) {
        g.src = "cache";
    } else {
        g.missed_at = sb_now_ns();
        switch (cc->strategy) {
        case SB_CACHE_LOCK:
        case SB_CACHE_REDLOCK:
            got = get_locked(cw, x, k, &g, &o, why, whylen);
            break;
        case SB_CACHE_MEMOLOCK:
        case SB_CACHE_MEMOLOCK_FIXED:
            got = get_memolock(cw, x, k, &g, cc->strategy == SB_CACHE_MEMOLOCK_FIXED, &o, why,
                               whylen);
            break;
        default:
            got = fetch_store(cw, x, k, &g);
            if (!got)
                snprintf(why, whylen, "%s", g.fetch.err);
        }
    }
    get_value(&g, k, out);
    if (got == 1)
        return SB_OUTCOME_OK;
    /* No value. A Redis call whose answer was lost is info, as everywhere;
     * otherwise the get certainly read nothing. */
    return got == -1 && o == SB_OUTCOME_INFO ? SB_OUTCOME_INFO : SB_OUTCOME_FAIL;
}

/* ====== Writes ====== */

static sb_outcome do_write(cache_worker *cw, sb_wctx *x, int k, sb_buf *out, char *why,
                           size_t whylen)
{
    fetch_info fi = {0};
    origin_call(cw, x, k, 1, &fi);
    if (fi.version < 0) {
        snprintf(why, whylen, "%s", fi.err);
        /* No answer: the origin may have bumped the version. */
        return fi.status == 0 ? SB_OUTCOME_INFO : SB_OUTCOME_FAIL;
    }
    if (x->s->workload.cache.strategy == SB_CACHE_UPDATE_ON_WRITE) {
        char key[160];
        snprintf(key, sizeof(key), "%s:%d", x->s->workload.key, k);
        cache_store(x, key, fi.version);
    }
    sb_buf_printf(out, "{\"k\":\"%d\",\"v\":%lld}", k, fi.version);
    return SB_OUTCOME_OK;
}

sb_outcome cache_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                       char *why, size_t whylen)
{
    (void)w;
    cache_worker *cw = x->state;
    int k = (int)(op->arg & 0xffffffff), write = (int)(op->arg >> 32);
    return write ? do_write(cw, x, k, out_value, why, whylen)
                 : do_get(cw, x, k, out_value, why, whylen);
}

/* The final read: how many keys the cache holds (the checker reads the
 * origin's own record, which the controller adds). */
int cache_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    char pattern[170];
    snprintf(pattern, sizeof(pattern), "%s:*", w->key);
    redisReply *r = fread_command(fr, NULL, "KEYS %s", pattern);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        sb_err_set(err, "KEYS %s: %s", pattern, r ? "unexpected reply" : fread_errstr(fr));
        if (r)
            freeReplyObject(r);
        return -1;
    }
    sb_buf_printf(value, "{\"cached_keys\":%zu}", r->elements);
    freeReplyObject(r);
    return 0;
}

/* ====== What the controller records ====== */

void cache_record_config(const sb_scenario *s, sb_recorder *rec)
{
    const sb_cache_cfg *cc = &s->workload.cache;
    char v[512];
    char bound[16] = "null";
    if (cc->herd_bound > 0)
        snprintf(bound, sizeof(bound), "%d", cc->herd_bound);
    snprintf(v, sizeof(v),
             "{\"strategy\":\"%s\",\"ttl_ms\":%lld,\"starve_bound_ms\":%lld,\"herd_bound\":%s,"
             "\"keys\":%d,\"sync_expiry\":%s,\"origin_latency_ms\":%.3f}",
             scenario_cache_strategy_name(cc->strategy), (long long)(cc->ttl_ns / SB_NS_PER_MS),
             (long long)(cc->starve_bound_ns / SB_NS_PER_MS), bound, cc->keys,
             cc->sync_expiry ? "true" : "false", s->origin.latency_ns / 1e6);
    recorder_record(rec, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config", v, NULL, NULL);
}

/* GET path from the origin, over its host's loopback; the body is parsed. */
static json_t *origin_json(CURL *curl, int port, const char *path, sb_buf *body, char *err)
{
    char url[1800];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    sb_buf_reset(body);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        sb_err_set(err, "origin %s: %s", path,
                   rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(body->data, body->len, 0, &je);
    if (!j)
        sb_err_set(err, "origin %s: %s", path, je.text);
    return j;
}

int cache_record_origin(const sb_scenario *s, const sb_lab *lab, sb_recorder *rec, char *err)
{
    if (lab_enter(lab, s->origin.host, err) == -1)
        return -1;
    CURL *curl = curl_easy_init();
    sb_buf body;
    sb_buf_init(&body);
    json_t *out = json_object(), *arrivals = json_object();
    int truncated = 0, rc = 0;
    json_t *stats = origin_json(curl, s->origin.port, "/stats", &body, err);
    /* Arrivals are ms since the origin started on CLOCK_MONOTONIC, which
     * every namespace shares: onto the history's clock. */
    int64_t t0 = sb_now_ns() - recorder_elapsed_ns(rec);
    const char *key;
    json_t *unused;
    if (!stats)
        rc = -1;
    json_object_foreach(json_object_get(stats, "keys"), key, unused)
    {
        char path[1700];
        char *esc = curl_easy_escape(curl, key, 0);
        snprintf(path, sizeof(path), "/log/%s", esc ? esc : key);
        curl_free(esc);
        json_t *log = origin_json(curl, s->origin.port, path, &body, err);
        if (!log) {
            rc = -1;
            break;
        }
        int64_t start = json_integer_value(json_object_get(log, "monotonic_start_ns"));
        json_t *times = json_array(), *ms;
        size_t i;
        json_array_foreach(json_object_get(log, "arrivals_ms"), i, ms)
        {
            json_array_append_new(
                times, json_integer(start + (int64_t)(json_number_value(ms) * 1e6) - t0));
        }
        truncated |= json_is_true(json_object_get(log, "truncated"));
        json_object_set_new(arrivals, key, times);
        json_decref(log);
    }
    char lerr[SB_ERR_LEN];
    if (lab_leave(lab, lerr) == -1 && rc == 0) {
        sb_err_set(err, "%s", lerr);
        rc = -1;
    }
    if (rc == 0) {
        json_object_set(out, "stats", stats);
        json_object_set(out, "arrivals", arrivals);
        json_object_set_new(out, "truncated", json_boolean(truncated));
        char *text = json_dumps(out, JSON_COMPACT);
        recorder_record(rec, SB_PROC_CONTROLLER, SB_OP_OK, "origin", text, NULL, NULL);
        free(text);
    }
    json_decref(stats);
    json_decref(arrivals);
    json_decref(out);
    sb_buf_free(&body);
    curl_easy_cleanup(curl);
    return rc;
}
