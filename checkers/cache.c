/* cache.c -- checker "cache": what a cache-aside strategy costs the origin
 * and its clients (the thundering herd of the background document).
 *
 * The cache workload's history:
 *  - controller "cache-config" (ok) at the start: {"strategy":"lock",
 *    "ttl_ms":2000,"starve_bound_ms":2000,"herd_bound":1,"keys":100};
 *    herd_bound is null or absent when the strategy promises nothing;
 *  - worker "get": invoke {"k":"17"}; completion {"k":"17","v":5|null,
 *    "src":"cache"|"origin"|"wait","wait_ms":12.5,"fetch":{"start":ns,
 *    "end":ns,"status":200}}, fetch only when this client asked the origin
 *    (fail and info completions may carry it too), and maybe an error;
 *  - worker "write": invoke {"k":"17"}, ok {"k":"17","v":6}: the version the
 *    origin holds now; fail and info: unknown;
 *  - controller "origin" (ok) near the end: the origin's own counters
 *    ("stats") and every GET it served, per key ("arrivals", ns on the
 *    history clock): the ground truth of what reached it.
 *
 * Herds: a key's arrivals, sorted, fall into episodes (one expiry each)
 * wherever two arrivals are more than G = ttl/2 apart (at least 50 ms;
 * 500 ms without a config). A strategy with a herd bound (one fetch per
 * expiry for the lock strategies) fails when an episode is larger. Without
 * the origin's arrivals, the clients' own fetches stand in for them.
 *
 * Starvation: a get that waited longer than starve_bound_ms for another
 * client's fetch, or gave up ("starved: ..."), fails the check.
 *
 * Staleness is measured, not judged (a TTL cache is stale by design): an
 * ok get of version v is stale when a write of its key with a higher
 * version was acknowledged before the get was invoked. A write of unknown
 * outcome never makes a read stale: no false anomaly.
 *
 * Over time ("series", cache_series.c): the run cut into at most 200
 * columns, per column the arrivals at the origin (by the same source as
 * the herds), the largest episode starting in it, and the stale reads,
 * waits and starved gets completed in it, each with its largest age or
 * wait.
 *
 * One sweep in history order (which is time order), then sorts: O(n log n).
 *
 * One file (about 900 lines): the sweep, the origin's record, the herds
 * and the figures all read and write the one state the sweep builds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_series.h"
#include "checker.h"
#include "strtab.h"
#include "util.h"

#define CACHE_LIST_MAX 20 /* worst_herds, starved_list */
#define CACHE_ERROR_WORDS_MAX 32
/* Note: the episode gap G is in ns. */
#define CACHE_GAP_MIN_NS (50 * SB_NS_PER_MS)
#define CACHE_GAP_DEFAULT_NS (500 * SB_NS_PER_MS)

enum { SRC_CACHE = 0, SRC_ORIGIN, SRC_WAIT, N_SRC };
static const char *const src_names[N_SRC] = {"cache", "origin", "wait"};

enum { PEND_NONE = 0, PEND_GET, PEND_WRITE };

/* ====== Small containers: growth, int64 vectors, key interning ====== */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

typedef struct i64vec {
    int64_t *v;
    size_t n, cap;
} i64vec;

static int i64vec_push(i64vec *a, int64_t x)
{
    if (grow((void **)&a->v, &a->cap, a->n + 1, sizeof(int64_t)))
        return -1;
    a->v[a->n++] = x;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* LSD radix sort on the offsets from the minimum, RADIX_BITS a pass,
 * as many passes as the range needs: a million latencies sort in a few
 * ms, where qsort takes a tenth of a second. */
#define RADIX_BITS 11
#define RADIX_SMALL 256 /* below that, qsort */

static void i64vec_sort(i64vec *a)
{
    size_t n = a->n;
    uint64_t *tmp = n >= RADIX_SMALL ? sb_xmalloc(n * sizeof(uint64_t)) : NULL;
    if (!tmp) {
        if (n) /* qsort wants an array, even of none */
            qsort(a->v, n, sizeof(int64_t), cmp_i64);
        return;
    }
    int64_t min = a->v[0], max = a->v[0];
    for (size_t i = 1; i < n; i++) {
        min = a->v[i] < min ? a->v[i] : min;
        max = a->v[i] > max ? a->v[i] : max;
    }
    uint64_t range = (uint64_t)max - (uint64_t)min, *src = (uint64_t *)a->v, *dst = tmp;
    for (size_t i = 0; i < n; i++)
        src[i] -= (uint64_t)min;
    for (unsigned shift = 0; shift < 64 && (range >> shift); shift += RADIX_BITS) {
        size_t count[1u << RADIX_BITS] = {0}, sum = 0;
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & ((1u << RADIX_BITS) - 1)]++;
        for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & ((1u << RADIX_BITS) - 1)]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != (uint64_t *)a->v)
        memcpy(a->v, src, n * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++)
        a->v[i] = (int64_t)((uint64_t)a->v[i] + (uint64_t)min);
    free(tmp);
}

/* Nearest-rank percentile of a sorted vector; 0 when empty. */
static int64_t pct(const i64vec *a, double p)
{
    if (!a->n)
        return 0;
    size_t k = (size_t)(p * (double)a->n + 0.999999);
    return a->v[k ? (k > a->n ? a->n : k) - 1 : 0];
}

/* Keys to dense ids 0, 1, 2, ... */

/* ====== State ====== */

/* An acknowledged write: when, and the highest version acknowledged for
 * its key up to then (so the list is sorted on both). */
typedef struct ack {
    int64_t ns, top;
} ack;

typedef struct key_state {
    ack *acks;
    size_t n_ack, cap_ack;
    i64vec arr; /* arrivals at the origin (or the clients' fetch starts) */
} key_state;

typedef struct pending {
    int kind;
    long key;
    int64_t t_ns;
    size_t n_ack; /* the key's acknowledged writes at the get's invocation */
} pending;

/* A client's fetch as two events: +1 at its start, -1 at its end. */
typedef struct fetch_ev {
    long key;
    int64_t t;
    int d;
} fetch_ev;

typedef struct starved_get {
    int process;
    long key;
    double wait_ms;
    int64_t t_ns; /* invocation */
} starved_get;

typedef struct episode {
    long key;
    int64_t start_ns, end_ns;
    size_t size;
} episode;

typedef struct cache_cfg {
    int present;
    char strategy[64];
    int64_t ttl_ns;          /* -1: unknown */
    int64_t starve_bound_ns; /* -1: no bound */
    long long herd_bound;    /* 0: no bound */
} cache_cfg;

/* What the origin said, or the clients' view of it without its record. */
typedef struct origin_figs {
    long long requests, rejected, peak, peak_key;
    int from_origin;   /* an origin record was found */
    int herd_arrivals; /* herds from its arrivals (else client fetches) */
    int truncated;
} origin_figs;

typedef struct cache_ctx {
    const sb_history *h;
    cache_cfg cfg;
    const sb_op *origin; /* the last origin record, or NULL */
    sb_strtab keys;
    key_state *ks;
    size_t cap_ks;
    pending *pend;
    long long gets, src[N_SRC], fetches, fetch_503, get_fail, get_info, writes;
    long long stale, stale_versions_max;
    int64_t stale_max_ns;
    i64vec lat_all, lat[N_SRC];
    fetch_ev *fev;
    size_t n_fev, cap_fev;
    starved_get *starved;
    size_t n_starved, cap_starved;
    double longest_wait_ms;
    json_t *errors;
    episode *ep;
    size_t n_ep, cap_ep;
    i64vec herd_sizes;
    long long arrivals;
    origin_figs o;
    cache_series series;
} cache_ctx;

static void ctx_free(cache_ctx *c)
{
    for (size_t i = 0; i < c->keys.n; i++) {
        free(c->ks[i].acks);
        free(c->ks[i].arr.v);
        free(c->keys.s[i]);
    }
    free(c->keys.s);
    free(c->keys.slot);
    free(c->ks);
    free(c->pend);
    free(c->lat_all.v);
    for (int s = 0; s < N_SRC; s++)
        free(c->lat[s].v);
    free(c->fev);
    free(c->starved);
    json_decref(c->errors);
    free(c->ep);
    free(c->herd_sizes.v);
}

static long key_id(cache_ctx *c, const char *k)
{
    /* Room first, so every interned key has its state (ctx_free frees it). */
    size_t before = c->keys.n;
    if (grow((void **)&c->ks, &c->cap_ks, before + 1, sizeof(key_state)))
        return -1;
    long id = sb_strtab_id(&c->keys, k);
    if (id >= 0 && c->keys.n > before)
        memset(&c->ks[id], 0, sizeof(key_state));
    return id;
}

/* ====== The sweep ====== */

/* A member that must be a number when present: 1 and *out when it is,
 * 0 when absent or null, -1 when it is something else. */
static int num_value(const json_t *v, double *out)
{
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 1;
}

static int opt_number(const json_t *obj, const char *name, double *out)
{
    return num_value(json_object_get(obj, name), out);
}

static int parse_config(cache_ctx *c, const sb_op *op, char *err)
{
    const json_t *v = op->value;
    cache_cfg *cfg = &c->cfg;
    double ttl = 0, starve = 0, bound = 0;
    int has_ttl, has_starve, has_bound;
    const json_t *strategy = json_object_get(v, "strategy");
    if (!json_is_object(v) || (strategy && !json_is_string(strategy)) ||
        (has_ttl = opt_number(v, "ttl_ms", &ttl)) < 0 || ttl < 0 ||
        (has_starve = opt_number(v, "starve_bound_ms", &starve)) < 0 || starve < 0 ||
        (has_bound = opt_number(v, "herd_bound", &bound)) < 0 || bound < 0) {
        sb_err_set(err,
                   "cache: operation %lld: cache-config must be {\"strategy\": name, \"ttl_ms\", "
                   "\"starve_bound_ms\", \"herd_bound\": numbers >= 0 or null}",
                   (long long)op->index);
        return -1;
    }
    cfg->present = 1;
    snprintf(cfg->strategy, sizeof(cfg->strategy), "%s",
             strategy ? json_string_value(strategy) : "?");
    cfg->ttl_ns = has_ttl ? (int64_t)(ttl * SB_NS_PER_MS) : -1;
    cfg->starve_bound_ns = has_starve ? (int64_t)(starve * SB_NS_PER_MS) : -1;
    cfg->herd_bound = has_bound ? (long long)bound : 0;
    return 0;
}

static const char *op_key(const sb_op *op)
{
    return json_is_object(op->value) ? json_string_value(json_object_get(op->value, "k")) : NULL;
}

static int invoke(cache_ctx *c, const sb_op *op, int kind, char *err)
{
    const char *k = op_key(op);
    if (!k) {
        sb_err_set(err, "cache: operation %lld: a %s invocation needs {\"k\": key}",
                   (long long)op->index, op->f);
        return -1;
    }
    long id = key_id(c, k);
    if (id < 0) {
        sb_err_set(err, "cache: out of memory at operation %lld", (long long)op->index);
        return -1;
    }
    c->pend[op->process] =
        (pending){.kind = kind, .key = id, .t_ns = op->time_ns, .n_ack = c->ks[id].n_ack};
    return 0;
}

static int write_ok(cache_ctx *c, const pending *p, const sb_op *op, char *err)
{
    const char *k = op_key(op);
    const json_t *v = json_is_object(op->value) ? json_object_get(op->value, "v") : NULL;
    if (!json_is_integer(v) || (k && strcmp(k, c->keys.s[p->key]))) {
        sb_err_set(err,
                   "cache: operation %lld: an ok write of %s must say {\"k\": \"%s\", "
                   "\"v\": the new version}",
                   (long long)op->index, c->keys.s[p->key], c->keys.s[p->key]);
        return -1;
    }
    key_state *ks = &c->ks[p->key];
    int64_t ver = json_integer_value(v);
    if (ks->n_ack && ks->acks[ks->n_ack - 1].top > ver)
        ver = ks->acks[ks->n_ack - 1].top;
    if (grow((void **)&ks->acks, &ks->cap_ack, ks->n_ack + 1, sizeof(ack))) {
        sb_err_set(err, "cache: out of memory at operation %lld", (long long)op->index);
        return -1;
    }
    ks->acks[ks->n_ack++] = (ack){.ns = op->time_ns, .top = ver};
    c->writes++;
    return 0;
}

/* An ok get of version v, judged against the writes of its key
 * acknowledged before its invocation. */
static void staleness(cache_ctx *c, const pending *p, int64_t v, int64_t done_ns)
{
    const key_state *ks = &c->ks[p->key];
    size_t n = p->n_ack;
    if (!n || ks->acks[n - 1].top <= v)
        return;
    /* The earliest acknowledged write above v: the first whose running
     * top exceeds v. */
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ks->acks[mid].top > v)
            hi = mid;
        else
            lo = mid + 1;
    }
    int64_t age = p->t_ns - ks->acks[lo].ns;
    long long behind = (long long)(ks->acks[n - 1].top - v);
    c->stale++;
    if (age > c->stale_max_ns)
        c->stale_max_ns = age;
    cache_col *col = cache_series_at(&c->series, done_ns);
    col->stale++;
    if (age > col->stale_max_ns)
        col->stale_max_ns = age;
    if (behind > c->stale_versions_max)
        c->stale_versions_max = behind;
}

/* Failed and unknown gets by the first word of their error ("origin",
 * "starved", "timeout"), as the perf checker counts them. */
static void count_error(cache_ctx *c, const char *error)
{
    char word[32];
    snprintf(word, sizeof(word), "%s", error ? error : "(none)");
    word[strcspn(word, " :")] = '\0';
    json_t *n = json_object_get(c->errors, word);
    if (n)
        json_integer_set(n, json_integer_value(n) + 1);
    else if (json_object_size(c->errors) < CACHE_ERROR_WORDS_MAX)
        json_object_set_new(c->errors, word, json_integer(1));
}

/* Waited too long, or gave up waiting ("starved: no value after N ms",
 * whose N is its wait). */
static int starvation(cache_ctx *c, const pending *p, const sb_op *op, double wait_ms,
                      const char *error)
{
    int gave_up = error && !strncmp(error, "starved", 7);
    if (gave_up) {
        const char *after = strstr(error, "after ");
        double n = after ? strtod(after + 6, NULL) : 0;
        if (n > wait_ms)
            wait_ms = n;
    }
    if (wait_ms > c->longest_wait_ms)
        c->longest_wait_ms = wait_ms;
    int over = c->cfg.starve_bound_ns >= 0 && wait_ms * SB_NS_PER_MS > c->cfg.starve_bound_ns;
    cache_col *col = cache_series_at(&c->series, op->time_ns);
    if (wait_ms > col->wait_max_ms)
        col->wait_max_ms = wait_ms;
    if (!gave_up && !over)
        return 0;
    col->starved++;
    if (grow((void **)&c->starved, &c->cap_starved, c->n_starved + 1, sizeof(starved_get)))
        return -1;
    c->starved[c->n_starved++] =
        (starved_get){.process = op->process, .key = p->key, .wait_ms = wait_ms, .t_ns = p->t_ns};
    return 0;
}

/* 0, or -1 when out of memory. */
static int record_fetch(cache_ctx *c, const pending *p, const json_t *fetch, double start)
{
    double end, status = 0;
    if (opt_number(fetch, "end", &end) != 1 || end < start)
        end = start;
    c->fetches++;
    if (opt_number(fetch, "status", &status) == 1 && status == 503)
        c->fetch_503++;
    if (grow((void **)&c->fev, &c->cap_fev, c->n_fev + 2, sizeof(fetch_ev)))
        return -1;
    c->fev[c->n_fev++] = (fetch_ev){.key = p->key, .t = (int64_t)start, .d = 1};
    c->fev[c->n_fev++] = (fetch_ev){.key = p->key, .t = (int64_t)end, .d = -1};
    return 0;
}

/* The members of a get's completion, read in one pass: as fast as one
 * lookup, on millions of objects scattered in memory. */
typedef struct get_fields {
    const json_t *k, *v, *src, *wait_ms, *fetch, *error;
} get_fields;

static void get_fields_read(const json_t *val, get_fields *g)
{
    const char *name;
    json_t *m;
    memset(g, 0, sizeof(*g));
    json_object_foreach((json_t *)val, name, m)
    {
        if (!strcmp(name, "k"))
            g->k = m;
        else if (!strcmp(name, "v"))
            g->v = m;
        else if (!strcmp(name, "src"))
            g->src = m;
        else if (!strcmp(name, "wait_ms"))
            g->wait_ms = m;
        else if (!strcmp(name, "fetch"))
            g->fetch = m;
        else if (!strcmp(name, "error"))
            g->error = m;
    }
}

static int get_done(cache_ctx *c, const pending *p, const sb_op *op, char *err)
{
    get_fields g;
    get_fields_read(op->value, &g);
    const json_t *val = op->value, *fetch = g.fetch, *v = g.v;
    const char *k = json_string_value(g.k), *src = json_string_value(g.src);
    const char *error = op->error ? op->error : json_string_value(g.error);
    double wait_ms = 0, start = 0;
    int ok = op->type == SB_OP_OK, s = 0;
    while (s < N_SRC && (!src || strcmp(src, src_names[s])))
        s++;
    if ((val && !json_is_object(val) && !json_is_null(val)) ||
        (k && strcmp(k, c->keys.s[p->key])) || num_value(g.wait_ms, &wait_ms) < 0 || wait_ms < 0 ||
        (fetch && !json_is_null(fetch) && !json_is_object(fetch)) ||
        (json_is_object(fetch) && opt_number(fetch, "start", &start) != 1) ||
        (ok && (!v || !(json_is_integer(v) || json_is_null(v)) || s == N_SRC))) {
        sb_err_set(err,
                   "cache: operation %lld: a get of %s must end with {\"k\": \"%s\", \"v\": "
                   "version or null, \"src\": cache|origin|wait, \"wait_ms\": number >= 0, "
                   "\"fetch\": {\"start\", \"end\", \"status\"}}",
                   (long long)op->index, c->keys.s[p->key], c->keys.s[p->key]);
        return -1;
    }
    c->gets++;
    if ((json_is_object(fetch) && record_fetch(c, p, fetch, start)) ||
        starvation(c, p, op, wait_ms, ok ? NULL : error))
        goto oom;
    if (!ok) {
        if (op->type == SB_OP_FAIL)
            c->get_fail++;
        else
            c->get_info++;
        count_error(c, error);
        return 0;
    }
    c->src[s]++;
    int64_t lat = op->time_ns - p->t_ns;
    if (i64vec_push(&c->lat_all, lat) || i64vec_push(&c->lat[s], lat))
        goto oom;
    if (json_is_integer(v))
        staleness(c, p, json_integer_value(v), op->time_ns);
    return 0;
oom:
    sb_err_set(err, "cache: out of memory at operation %lld", (long long)op->index);
    return -1;
}

static int worker_op(cache_ctx *c, const sb_op *op, char *err)
{
    int kind = !strcmp(op->f, "get") ? PEND_GET : !strcmp(op->f, "write") ? PEND_WRITE : 0;
    if (!kind)
        return 0;
    if (op->type == SB_OP_INVOKE)
        return invoke(c, op, kind, err);
    pending *p = &c->pend[op->process];
    if (p->kind != kind)
        return 0; /* a completion without its invocation says nothing */
    pending done = *p;
    p->kind = PEND_NONE;
    if (kind == PEND_GET)
        return get_done(c, &done, op, err);
    return op->type == SB_OP_OK ? write_ok(c, &done, op, err) : 0;
}

static int sweep(cache_ctx *c, char *err)
{
    for (size_t i = 0; i < c->h->n; i++) {
        const sb_op *op = &c->h->ops[i];
        if (op->process >= 0) {
            if (worker_op(c, op, err))
                return -1;
        } else if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK) {
            if (!strcmp(op->f, "cache-config") && !c->cfg.present && parse_config(c, op, err))
                return -1;
            if (!strcmp(op->f, "origin"))
                c->origin = op;
        }
    }
    return 0;
}

/* ====== The origin: its record, or the clients' fetches ====== */

static long long stat_int(const json_t *stats, const char *name)
{
    return (long long)json_number_value(json_object_get(stats, name));
}

static int read_arrivals(cache_ctx *c, const json_t *arrivals, char *err)
{
    const char *k;
    const json_t *list;
    json_object_foreach((json_t *)arrivals, k, list)
    {
        long id = key_id(c, k);
        if (id < 0)
            goto oom;
        if (!json_is_array(list))
            goto bad;
        size_t i;
        const json_t *t;
        json_array_foreach(list, i, t)
        {
            if (!json_is_number(t))
                goto bad;
            if (i64vec_push(&c->ks[id].arr, (int64_t)json_number_value(t)))
                goto oom;
        }
        c->arrivals += (long long)json_array_size(list);
    }
    return 0;
bad:
    sb_err_set(err, "cache: operation %lld: origin arrivals of %s must be a list of times (ns)",
               (long long)c->origin->index, k);
    return -1;
oom:
    sb_err_set(err, "cache: out of memory reading the origin's arrivals");
    return -1;
}

static int cmp_ev_time(const void *a, const void *b)
{
    const fetch_ev *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->d - y->d; /* an end before a start at the same time */
}

static int cmp_ev_key(const void *a, const void *b)
{
    const fetch_ev *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return cmp_ev_time(a, b);
}

/* The most client fetches in flight at once, over all keys and per key. */
static void fetch_peaks(cache_ctx *c)
{
    if (!c->n_fev)
        return;
    qsort(c->fev, c->n_fev, sizeof(fetch_ev), cmp_ev_time);
    long long cur = 0;
    for (size_t i = 0; i < c->n_fev; i++)
        if ((cur += c->fev[i].d) > c->o.peak)
            c->o.peak = cur;
    qsort(c->fev, c->n_fev, sizeof(fetch_ev), cmp_ev_key);
    cur = 0;
    for (size_t i = 0; i < c->n_fev; i++)
        if ((cur += c->fev[i].d) > c->o.peak_key)
            c->o.peak_key = cur; /* per key: each key's events sum to 0 */
}

static int origin_figures(cache_ctx *c, char *err)
{
    const json_t *v = c->origin ? c->origin->value : NULL;
    const json_t *stats = json_object_get(v, "stats");
    const json_t *arrivals = json_object_get(v, "arrivals");
    if (c->origin && (!json_is_object(v) || (stats && !json_is_object(stats)) ||
                      (arrivals && !json_is_object(arrivals)))) {
        sb_err_set(err,
                   "cache: operation %lld: the origin record must be {\"stats\": {...}, "
                   "\"arrivals\": {key: [ns, ...]}}",
                   (long long)c->origin->index);
        return -1;
    }
    origin_figs *o = &c->o;
    o->from_origin = c->origin != NULL;
    o->truncated = json_is_true(json_object_get(v, "truncated")) ||
                   json_is_true(json_object_get(stats, "log_truncated"));
    if (arrivals) {
        o->herd_arrivals = 1;
        if (read_arrivals(c, arrivals, err))
            return -1;
    } else {
        for (size_t i = 0; i < c->n_fev; i++)
            if (c->fev[i].d > 0 && i64vec_push(&c->ks[c->fev[i].key].arr, c->fev[i].t)) {
                sb_err_set(err, "cache: out of memory gathering the clients' fetches");
                return -1;
            }
        c->arrivals = c->fetches;
    }
    if (!stats) {
        /* The clients' view: every fetch a request; 503s the rejections. */
        o->requests = c->arrivals;
        o->rejected = c->fetch_503;
        fetch_peaks(c);
        return 0;
    }
    o->requests = arrivals ? c->arrivals : stat_int(stats, "requests");
    o->rejected = stat_int(stats, "rejected");
    o->peak = stat_int(stats, "peak_concurrency");
    const char *k;
    const json_t *ks;
    json_object_foreach((json_t *)json_object_get(stats, "keys"), k, ks)
    {
        if (stat_int(ks, "peak_concurrency") > o->peak_key)
            o->peak_key = stat_int(ks, "peak_concurrency");
    }
    return 0;
}

/* ====== Herds ====== */

static int64_t herd_gap_ns(const cache_cfg *cfg)
{
    if (cfg->ttl_ns < 0)
        return CACHE_GAP_DEFAULT_NS;
    return cfg->ttl_ns / 2 > CACHE_GAP_MIN_NS ? cfg->ttl_ns / 2 : CACHE_GAP_MIN_NS;
}

static int add_episode(cache_ctx *c, long key, int64_t start, int64_t end, size_t size)
{
    if (grow((void **)&c->ep, &c->cap_ep, c->n_ep + 1, sizeof(episode)) ||
        i64vec_push(&c->herd_sizes, (int64_t)size))
        return -1;
    c->ep[c->n_ep++] = (episode){.key = key, .start_ns = start, .end_ns = end, .size = size};
    return 0;
}

static int herds(cache_ctx *c, char *err)
{
    int64_t gap = herd_gap_ns(&c->cfg);
    for (size_t k = 0; k < c->keys.n; k++) {
        i64vec *a = &c->ks[k].arr;
        i64vec_sort(a);
        size_t first = 0;
        for (size_t i = 1; i <= a->n && a->n; i++) {
            if (i < a->n && a->v[i] - a->v[i - 1] <= gap)
                continue;
            if (add_episode(c, (long)k, a->v[first], a->v[i - 1], i - first)) {
                sb_err_set(err, "cache: out of memory grouping arrivals into episodes");
                return -1;
            }
            first = i;
        }
    }
    i64vec_sort(&c->herd_sizes);
    return 0;
}

/* The origin's arrivals and the episodes by column of time (before
 * lists() sorts the episodes by size). */
static void series_fill(cache_ctx *c)
{
    for (size_t k = 0; k < c->keys.n; k++)
        for (size_t i = 0; i < c->ks[k].arr.n; i++)
            cache_series_at(&c->series, c->ks[k].arr.v[i])->origin++;
    for (size_t i = 0; i < c->n_ep; i++) {
        cache_col *col = cache_series_at(&c->series, c->ep[i].start_ns);
        if ((long long)c->ep[i].size > col->herd_max)
            col->herd_max = (long long)c->ep[i].size;
    }
}

static int cmp_episode(const void *a, const void *b)
{
    const episode *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

static int cmp_starved(const void *a, const void *b)
{
    const starved_get *x = a, *y = b;
    if (x->wait_ms != y->wait_ms)
        return x->wait_ms > y->wait_ms ? -1 : 1;
    return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

/* ====== Figures and verdict ====== */

static long long over_bound(const cache_ctx *c)
{
    long long n = 0;
    for (size_t i = 0; c->cfg.herd_bound > 0 && i < c->n_ep; i++)
        n += (long long)c->ep[i].size > c->cfg.herd_bound;
    return n;
}

static json_t *lists(cache_ctx *c, json_t *fig)
{
    if (c->n_ep)
        qsort(c->ep, c->n_ep, sizeof(episode), cmp_episode);
    json_t *worst = json_array();
    for (size_t i = 0; i < c->n_ep && i < CACHE_LIST_MAX; i++)
        json_array_append_new(worst,
                              json_pack("{s:s,s:f,s:I,s:f}", "key", c->keys.s[c->ep[i].key],
                                        "start_s", c->ep[i].start_ns / 1e9, "size",
                                        (json_int_t)c->ep[i].size, "end_s", c->ep[i].end_ns / 1e9));
    json_object_set_new(fig, "worst_herds", worst);
    if (c->n_starved)
        qsort(c->starved, c->n_starved, sizeof(starved_get), cmp_starved);
    json_t *starved = json_array();
    for (size_t i = 0; i < c->n_starved && i < CACHE_LIST_MAX; i++)
        json_array_append_new(starved,
                              json_pack("{s:i,s:s,s:f,s:f}", "process", c->starved[i].process,
                                        "key", c->keys.s[c->starved[i].key], "wait_ms",
                                        c->starved[i].wait_ms, "time_s", c->starved[i].t_ns / 1e9));
    json_object_set_new(fig, "starved_list", starved);
    return fig;
}

static json_t *latency_figures(cache_ctx *c, json_t *fig)
{
    i64vec_sort(&c->lat_all);
    json_object_set_new(fig, "get_p50_ms", json_real(pct(&c->lat_all, 0.50) / 1e6));
    json_object_set_new(fig, "get_p99_ms", json_real(pct(&c->lat_all, 0.99) / 1e6));
    json_object_set_new(fig, "get_max_ms",
                        json_real(c->lat_all.n ? c->lat_all.v[c->lat_all.n - 1] / 1e6 : 0));
    json_t *by = json_object();
    for (int s = 0; s < N_SRC; s++) {
        i64vec_sort(&c->lat[s]);
        json_object_set_new(by, src_names[s],
                            json_pack("{s:I,s:f,s:f}", "count", (json_int_t)c->lat[s].n, "p50_ms",
                                      pct(&c->lat[s], 0.50) / 1e6, "p99_ms",
                                      pct(&c->lat[s], 0.99) / 1e6));
    }
    json_object_set_new(fig, "latency_by_src", by);
    return fig;
}

static json_t *figures(cache_ctx *c)
{
    json_t *fig = json_object();
    const origin_figs *o = &c->o;
    json_object_set_new(fig, "strategy", json_string(c->cfg.present ? c->cfg.strategy : "?"));
    json_object_set_new(fig, "gets", json_integer(c->gets));
    json_object_set_new(fig, "hits", json_integer(c->src[SRC_CACHE]));
    json_object_set_new(fig, "hit_ratio",
                        json_real(c->gets ? (double)c->src[SRC_CACHE] / (double)c->gets : 0));
    json_object_set_new(fig, "origin_fetches", json_integer(c->fetches));
    json_object_set_new(fig, "waits", json_integer(c->src[SRC_WAIT]));
    json_object_set_new(fig, "get_fail", json_integer(c->get_fail));
    json_object_set_new(fig, "get_info", json_integer(c->get_info));
    json_object_set_new(fig, "writes", json_integer(c->writes));
    json_object_set_new(fig, "origin_requests", json_integer(o->requests));
    json_object_set_new(fig, "origin_rejected", json_integer(o->rejected));
    json_object_set_new(fig, "peak_origin_concurrency", json_integer(o->peak));
    json_object_set_new(fig, "peak_key_concurrency", json_integer(o->peak_key));
    json_object_set_new(fig, "origin_source", json_string(o->from_origin ? "origin" : "clients"));
    json_object_set_new(fig, "herd_source", json_string(o->herd_arrivals ? "origin" : "clients"));
    json_object_set_new(fig, "arrivals_truncated", json_boolean(o->truncated));
    json_object_set_new(fig, "herd_gap_ms", json_real(herd_gap_ns(&c->cfg) / 1e6));
    json_object_set_new(fig, "herd_bound",
                        c->cfg.herd_bound ? json_integer(c->cfg.herd_bound) : json_null());
    json_object_set_new(fig, "starve_bound_ms",
                        c->cfg.starve_bound_ns >= 0 ? json_real(c->cfg.starve_bound_ns / 1e6)
                                                    : json_null());
    json_object_set_new(fig, "episodes", json_integer((json_int_t)c->n_ep));
    json_object_set_new(fig, "herd_max", json_integer(pct(&c->herd_sizes, 1.0)));
    json_object_set_new(fig, "herd_mean",
                        json_real(c->n_ep ? (double)c->arrivals / (double)c->n_ep : 0));
    json_object_set_new(fig, "herd_p99", json_integer(pct(&c->herd_sizes, 0.99)));
    json_object_set_new(fig, "herds_over_bound", json_integer(over_bound(c)));
    json_object_set_new(fig, "stale_reads", json_integer(c->stale));
    json_object_set_new(fig, "stale_max_ms", json_real(c->stale_max_ns / 1e6));
    json_object_set_new(fig, "stale_max_versions", json_integer(c->stale_versions_max));
    json_object_set_new(fig, "starved", json_integer((json_int_t)c->n_starved));
    json_object_set_new(fig, "longest_wait_ms", json_real(c->longest_wait_ms));
    json_object_set_new(fig, "errors", c->errors);
    c->errors = NULL;
    json_object_set_new(fig, "series", cache_series_json(&c->series));
    return lists(c, latency_figures(c, fig));
}

static void summarize(const cache_ctx *c, sb_check_result *out)
{
    const char *strategy = c->cfg.present ? c->cfg.strategy : "cache (no config)";
    size_t len = sizeof(out->summary);
    char *s = out->summary, bound[48] = "no bound";
    if (!c->gets) {
        snprintf(s, len, "%s: no gets", strategy);
        return;
    }
    long long over = over_bound(c);
    if (c->cfg.herd_bound > 0)
        snprintf(bound, sizeof(bound), over ? "bound %lld, %lld over" : "bound %lld",
                 c->cfg.herd_bound, over);
    int w = snprintf(
        s, len,
        "%s: %lld gets, %.0f%% hits; %zu expiries, herd max %lld (%s), mean %.1f; origin peak "
        "concurrency %lld; %lld stale; %zu starved (longest wait %.0f ms); p99 %.1f ms",
        strategy, c->gets, 100.0 * (double)c->src[SRC_CACHE] / (double)c->gets, c->n_ep,
        (long long)pct(&c->herd_sizes, 1.0), bound,
        c->n_ep ? (double)c->arrivals / (double)c->n_ep : 0.0, c->o.peak, c->stale, c->n_starved,
        c->longest_wait_ms, pct(&c->lat_all, 0.99) / 1e6);
    size_t off = (size_t)w < len ? (size_t)w : len - 1;
    if (!c->o.from_origin)
        off += (size_t)snprintf(s + off, len - off,
                                "; no origin record: origin figures from client fetches");
    else if (!c->o.herd_arrivals)
        off += (size_t)snprintf(s + off, len - off,
                                "; no origin arrivals: herds from client "
                                "fetches");
    if (off < len && c->o.truncated)
        snprintf(s + off, len - off, "; origin log truncated: herds undercounted");
}

static int cache_check(const sb_history *h, sb_check_result *out, char *err)
{
    cache_ctx c = {.h = h, .cfg = {.ttl_ns = -1, .starve_bound_ns = -1}};
    int max_proc = -1;
    int64_t t0 = h->n ? h->ops[0].time_ns : 0, t1 = t0;
    for (size_t i = 0; i < h->n; i++) {
        if (h->ops[i].process > max_proc)
            max_proc = h->ops[i].process;
        t0 = h->ops[i].time_ns < t0 ? h->ops[i].time_ns : t0;
        t1 = h->ops[i].time_ns > t1 ? h->ops[i].time_ns : t1;
    }
    cache_series_init(&c.series, t0, t1);
    c.pend = calloc((size_t)max_proc + 2, sizeof(pending));
    c.errors = json_object();
    if (!c.pend || !c.errors) {
        sb_err_set(err, "cache: out of memory (%zu operations)", h->n);
        ctx_free(&c);
        return -1;
    }
    if (sweep(&c, err) || origin_figures(&c, err) || herds(&c, err)) {
        ctx_free(&c);
        return -1;
    }
    series_fill(&c);
    out->figures = figures(&c);
    summarize(&c, out);
    if (!c.gets)
        out->verdict = SB_VERDICT_UNKNOWN;
    else if (over_bound(&c) || c.n_starved)
        out->verdict = SB_VERDICT_INVALID;
    else
        out->verdict = SB_VERDICT_VALID;
    ctx_free(&c);
    return 0;
}

static const char *const cache_figures[] = {"gets",
                                            "hits",
                                            "hit_ratio",
                                            "origin_fetches",
                                            "waits",
                                            "get_fail",
                                            "get_info",
                                            "writes",
                                            "origin_requests",
                                            "origin_rejected",
                                            "peak_origin_concurrency",
                                            "peak_key_concurrency",
                                            "episodes",
                                            "herd_max",
                                            "herd_mean",
                                            "herd_p99",
                                            "herds_over_bound",
                                            "stale_reads",
                                            "stale_max_ms",
                                            "stale_max_versions",
                                            "starved",
                                            "longest_wait_ms",
                                            "get_p50_ms",
                                            "get_p99_ms",
                                            "get_max_ms",
                                            NULL};

static int cache_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CONTROLLER, "cache-config");
}

const sb_checker sb_checker_cache = {
    .name = "cache",
    .description = "cache-aside strategies: origin requests per expiry (herds), origin "
                   "concurrency, starvation, staleness and latency of gets",
    .figures = cache_figures,
    .check = cache_check,
    .applies = cache_applies,
    .what_it_reads = "cache-workload records (f \"cache-config\")",
};
