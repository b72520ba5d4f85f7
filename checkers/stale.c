/* stale.c -- checker "stale-read": reads served by asynchronous replicas.
 *
 * The stale-read workload: worker P owns key "kP" and writes it on the
 * master with increasing integers (one write in flight at a time), and
 * reads any key from a replica (or the master):
 *   write: {"k":"kP","v":N}   read ok: {"k":"kQ","v":N or null}
 * A read's completion names in "node" the server that answered. Null
 * counts as 0 (values are >= 1).
 *
 * Anomalies (each is real whatever the timing of info writes):
 *  - read-your-writes: a read by P of its own key, invoked after P's write
 *    of N was acknowledged, returned less than N;
 *  - monotonic reads: P's read of k returned less than a read of k by P that
 *    had completed before it was invoked;
 *  - future reads: a read returned a value that no write of the key had been
 *    invoked with before the read completed (or only a failed one).
 * The first two count only when the value read is null or was written by an
 * acknowledged write: a write with unknown outcome may reach the master after
 * newer ones (its request was still queued when the client gave up), so the
 * key really went back; such reads are counted apart
 * (back_to_unacknowledged), never as violations.
 * Staleness is measured, not judged (replication is asynchronous by
 * design; scenarios bound the figures): a read invoked at t that returned v
 * is stale when a write of its key with a value above v had been
 * acknowledged before t; its staleness is how long the first such value
 * had been acknowledged at t.
 *
 * "Before" is history order, which is time order (the recorder stamps each
 * operation under its lock). One sweep with binary searches: O(n log n). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "strtab.h"
#include "util.h"
#include "windows.h"

#define STALE_EXAMPLES_MAX 10 /* per kind of anomaly */
#define STALE_NODE_UNKNOWN "unknown"

/* ====== Small containers: growth, interning, a (process, key) map ====== */

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

static uint64_t hash_u64(uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    return v;
}

/* What process P has seen of key k: the highest value among its completed
 * reads of k (monotonic reads). */
typedef struct seen {
    uint64_t pk; /* process << 32 | key id */
    int64_t v;
    int64_t index; /* the read's completion op */
    long node;
} seen;

typedef struct seenmap {
    seen *e;
    size_t n, cap;
    size_t *slot; /* entry + 1, 0 = empty */
    size_t nslot;
} seenmap;

static int seenmap_rehash(seenmap *m)
{
    size_t ns = m->nslot ? m->nslot * 2 : 64;
    size_t *slot = calloc(ns, sizeof(size_t));
    if (!slot)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = hash_u64(m->e[i].pk) & (ns - 1);
        while (slot[j])
            j = (j + 1) & (ns - 1);
        slot[j] = i + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->nslot = ns;
    return 0;
}

/* The entry of (process, key), or NULL when there is none and !add (or
 * when out of memory). */
static seen *seenmap_get(seenmap *m, int process, long key, int add)
{
    uint64_t pk = (uint64_t)(unsigned)process << 32 | (uint64_t)key;
    if (m->nslot) {
        size_t j = hash_u64(pk) & (m->nslot - 1);
        for (; m->slot[j]; j = (j + 1) & (m->nslot - 1))
            if (m->e[m->slot[j] - 1].pk == pk)
                return &m->e[m->slot[j] - 1];
    }
    if (!add)
        return NULL;
    if ((m->n + 1) * 2 > m->nslot && seenmap_rehash(m))
        return NULL;
    if (grow((void **)&m->e, &m->cap, m->n + 1, sizeof(seen)))
        return NULL;
    size_t j = hash_u64(pk) & (m->nslot - 1);
    while (m->slot[j])
        j = (j + 1) & (m->nslot - 1);
    m->e[m->n] = (seen){.pk = pk, .v = 0, .index = -1, .node = -1};
    m->slot[j] = ++m->n;
    return &m->e[m->n - 1];
}

/* Index of the first of v[0..n) greater than x; v is increasing. */
static size_t upper_bound(const int64_t *v, size_t n, int64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ====== State of the sweep ====== */

/* One key, written by one process with increasing values, so invocation
 * order, acknowledgement order and value order agree. */
typedef struct key_state {
    int owner; /* the process that writes it; -1 before its first write */
    /* Values of the writes invoked so far that did not fail (ok, info or
     * never completed): those a read may return. Increasing. */
    int64_t *written;
    size_t n_written, cap_written;
    /* Acknowledged writes in acknowledgement order: values increasing. */
    int64_t *acked_v, *acked_ns;
    size_t n_acked, cap_acked_v, cap_acked_ns;
} key_state;

enum { PEND_NONE = 0, PEND_WRITE, PEND_READ };

/* A process's operation in flight. */
typedef struct pending {
    int kind;
    long key;
    int64_t v;      /* writes: the value */
    int64_t t_ns;   /* invocation time */
    size_t n_acked; /* reads: acknowledged writes of the key at invocation */
    int has_ryw;    /* reads of its own key: what it must at least return */
    int64_t ryw_min, ryw_ack_ns;
    seen mono; /* reads: P's highest earlier read of the key */
    int has_mono;
} pending;

typedef struct node_stats {
    long long reads, stale;
    int64_t stale_max_ns;
} node_stats;

typedef struct stale_ctx {
    const sb_history *h;
    sb_strtab keys, nodes;
    key_state *ks;
    size_t cap_ks;
    node_stats *ns;
    size_t cap_ns;
    seenmap seen;
    pending *pend;              /* by process */
    unsigned char *failed;      /* by history position: a write invocation that failed */
    int64_t *stale_ns, *behind; /* per stale read */
    size_t n_stale, cap_stale_ns, cap_behind;
    sb_tmarks stale_marks; /* when each stale read completed, and where */
    long long reads, ryw, mono, future;
    long long late_info; /* reads that went back to an unacknowledged value: not counted */
    json_t *ex_ryw, *ex_mono, *ex_future, *stalest;
    int64_t stalest_ns;
} stale_ctx;

static void ctx_free(stale_ctx *c)
{
    for (size_t k = 0; k < c->keys.n; k++) {
        free(c->ks[k].written);
        free(c->ks[k].acked_v);
        free(c->ks[k].acked_ns);
    }
    free(c->ks);
    free(c->ns);
    sb_tmarks_free(&c->stale_marks);
    sb_strtab_free(&c->keys);
    sb_strtab_free(&c->nodes);
    free(c->seen.e);
    free(c->seen.slot);
    free(c->pend);
    free(c->failed);
    free(c->stale_ns);
    free(c->behind);
    json_decref(c->ex_ryw);
    json_decref(c->ex_mono);
    json_decref(c->ex_future);
    json_decref(c->stalest);
}

static long key_id(stale_ctx *c, const char *key)
{
    size_t before = c->keys.n;
    long id = sb_strtab_id(&c->keys, key);
    if (id < 0 || c->keys.n == before)
        return id;
    if (grow((void **)&c->ks, &c->cap_ks, c->keys.n, sizeof(key_state)))
        return -1;
    c->ks[id] = (key_state){.owner = -1};
    return id;
}

static long node_id(stale_ctx *c, const char *node)
{
    size_t before = c->nodes.n;
    long id = sb_strtab_id(&c->nodes, node[0] ? node : STALE_NODE_UNKNOWN);
    if (id < 0 || c->nodes.n == before)
        return id;
    if (grow((void **)&c->ns, &c->cap_ns, c->nodes.n, sizeof(node_stats)))
        return -1;
    c->ns[id] = (node_stats){0};
    return id;
}

/* {"k": KEY, "v": V}: key a string; *has_v = 0 when v is null or absent.
 * Returns -1 when it is not of that shape. */
static int parse_kv(const json_t *value, const char **key, int *has_v, int64_t *v)
{
    if (!json_is_object(value))
        return -1;
    const json_t *k = json_object_get(value, "k"), *jv = json_object_get(value, "v");
    if (!json_is_string(k))
        return -1;
    *key = json_string_value(k);
    *has_v = json_is_integer(jv);
    *v = *has_v ? (int64_t)json_integer_value(jv) : 0;
    return jv && !json_is_null(jv) && !json_is_integer(jv) ? -1 : 0;
}

static void example(json_t *list, json_t *e)
{
    if (json_array_size(list) < STALE_EXAMPLES_MAX)
        json_array_append_new(list, e);
    else
        json_decref(e);
}

/* ====== The sweep ====== */

/* Marks the write invocations whose completion is fail: certainly not
 * applied, so no read may return their value. */
static int mark_failed(stale_ctx *c, int max_proc)
{
    long *open = malloc(((size_t)max_proc + 2) * sizeof(long));
    if (!open)
        return -1;
    for (int p = 0; p <= max_proc; p++)
        open[p] = -1;
    for (size_t i = 0; i < c->h->n; i++) {
        const sb_op *op = &c->h->ops[i];
        if (op->process < 0 || strcmp(op->f, "write"))
            continue;
        if (op->type == SB_OP_INVOKE)
            open[op->process] = (long)i;
        else if (open[op->process] >= 0) {
            if (op->type == SB_OP_FAIL)
                c->failed[open[op->process]] = 1;
            open[op->process] = -1;
        }
    }
    free(open);
    return 0;
}

static int write_invoke(stale_ctx *c, const sb_op *op, size_t i, char *err)
{
    const char *key;
    int has_v;
    int64_t v;
    if (parse_kv(op->value, &key, &has_v, &v) || !has_v || v < 1) {
        sb_err_set(err,
                   "stale-read: operation %lld: a write needs {\"k\": key, \"v\": integer >= 1}",
                   (long long)op->index);
        return -1;
    }
    long k = key_id(c, key);
    if (k < 0)
        goto oom;
    key_state *ks = &c->ks[k];
    /* One writer with increasing values is what lets value order stand for
     * time order; without it the figures would not be sound. */
    if (ks->owner >= 0 && ks->owner != op->process) {
        sb_err_set(err,
                   "stale-read: operation %lld: key %s written by processes %d and %d; "
                   "each key needs one writer",
                   (long long)op->index, key, ks->owner, op->process);
        return -1;
    }
    ks->owner = op->process;
    if (!c->failed[i]) {
        if (ks->n_written && v <= ks->written[ks->n_written - 1]) {
            sb_err_set(err,
                       "stale-read: operation %lld: write of %s = %lld after %lld; values "
                       "must increase",
                       (long long)op->index, key, (long long)v,
                       (long long)ks->written[ks->n_written - 1]);
            return -1;
        }
        if (grow((void **)&ks->written, &ks->cap_written, ks->n_written + 1, sizeof(int64_t)))
            goto oom;
        ks->written[ks->n_written++] = v;
    }
    c->pend[op->process] = (pending){.kind = PEND_WRITE, .key = k, .v = v, .t_ns = op->time_ns};
    return 0;
oom:
    sb_err_set(err, "stale-read: out of memory at operation %lld", (long long)op->index);
    return -1;
}

static int write_ok(stale_ctx *c, const pending *p, const sb_op *op)
{
    key_state *ks = &c->ks[p->key];
    if (grow((void **)&ks->acked_v, &ks->cap_acked_v, ks->n_acked + 1, sizeof(int64_t)) ||
        grow((void **)&ks->acked_ns, &ks->cap_acked_ns, ks->n_acked + 1, sizeof(int64_t)))
        return -1;
    ks->acked_v[ks->n_acked] = p->v;
    ks->acked_ns[ks->n_acked++] = op->time_ns;
    return 0;
}

static int read_invoke(stale_ctx *c, const sb_op *op, char *err)
{
    const char *key;
    int has_v;
    int64_t v;
    if (parse_kv(op->value, &key, &has_v, &v)) {
        sb_err_set(err, "stale-read: operation %lld: a read needs {\"k\": key, \"v\": null}",
                   (long long)op->index);
        return -1;
    }
    long k = key_id(c, key);
    if (k < 0) {
        sb_err_set(err, "stale-read: out of memory at operation %lld", (long long)op->index);
        return -1;
    }
    const key_state *ks = &c->ks[k];
    pending *p = &c->pend[op->process];
    *p = (pending){.kind = PEND_READ, .key = k, .t_ns = op->time_ns, .n_acked = ks->n_acked};
    /* The owner's acknowledged writes are all the key's acknowledged
     * writes (one writer); the last is the highest. */
    if (ks->owner == op->process && ks->n_acked) {
        p->has_ryw = 1;
        p->ryw_min = ks->acked_v[ks->n_acked - 1];
        p->ryw_ack_ns = ks->acked_ns[ks->n_acked - 1];
    }
    const seen *s = seenmap_get(&c->seen, op->process, k, 0);
    if (s) {
        p->has_mono = 1;
        p->mono = *s;
    }
    return 0;
}

static json_t *read_json(const stale_ctx *c, const sb_op *op, const pending *p, int has_v,
                         int64_t v)
{
    /* Built by hand: this jansson's json_pack returned NULL when "o" took
     * json_null() on a first call. */
    json_t *e = json_object();
    json_object_set_new(e, "index", json_integer(op->index));
    json_object_set_new(e, "process", json_integer(op->process));
    json_object_set_new(e, "key", json_string(c->keys.s[p->key]));
    json_object_set_new(e, "got", has_v ? json_integer(v) : json_null());
    json_object_set_new(e, "node", json_string(op->node[0] ? op->node : STALE_NODE_UNKNOWN));
    json_object_set_new(e, "time_s", json_real(p->t_ns / 1e9));
    return e;
}

/* Staleness of a read that returned v (0 for null), judged against the
 * acknowledged writes of its key before its invocation. */
static int read_staleness(stale_ctx *c, const pending *p, int64_t v, long node, const sb_op *op)
{
    const key_state *ks = &c->ks[p->key];
    size_t n = p->n_acked;
    if (!n || ks->acked_v[n - 1] <= v)
        return 0; /* fresh */
    /* The first acknowledged value above v; acknowledgements come in value
     * order, so it is also the earliest: a newer value had existed since. */
    size_t j = upper_bound(ks->acked_v, n, v);
    int64_t age = p->t_ns - ks->acked_ns[j];
    /* Versions behind: the writes, not failed, with a value in
     * (v, highest acknowledged before t]. That is (highest - v) when values
     * are 1, 2, 3, ...; counting writes instead is right also when values
     * skip (the workload's do). Intermediate info writes count: they may be
     * among the versions the read missed. */
    int64_t top = ks->acked_v[n - 1];
    int64_t behind = (int64_t)(upper_bound(ks->written, ks->n_written, top) -
                               upper_bound(ks->written, ks->n_written, v));
    if (grow((void **)&c->stale_ns, &c->cap_stale_ns, c->n_stale + 1, sizeof(int64_t)) ||
        grow((void **)&c->behind, &c->cap_behind, c->n_stale + 1, sizeof(int64_t)))
        return -1;
    if (sb_tmarks_add(&c->stale_marks, op->time_ns, c->nodes.s[node]) == -1)
        return -1;
    c->stale_ns[c->n_stale] = age;
    c->behind[c->n_stale++] = behind;
    node_stats *s = &c->ns[node];
    s->stale++;
    if (age > s->stale_max_ns)
        s->stale_max_ns = age;
    if (!c->stalest || age > c->stalest_ns) {
        json_decref(c->stalest);
        c->stalest = read_json(c, op, p, v != 0, v);
        json_object_set_new(c->stalest, "newer", json_integer(ks->acked_v[j]));
        json_object_set_new(c->stalest, "stale_ms", json_real(age / 1e6));
        json_object_set_new(c->stalest, "versions_behind", json_integer(behind));
        c->stalest_ns = age;
    }
    return 0;
}

static int read_ok(stale_ctx *c, const pending *p, const sb_op *op, char *err)
{
    const char *key;
    int has_v;
    int64_t v;
    if (parse_kv(op->value, &key, &has_v, &v) || strcmp(key, c->keys.s[p->key]) ||
        !json_object_get(op->value, "v") || (has_v && v < 1)) {
        sb_err_set(err,
                   "stale-read: operation %lld: a read of %s must return {\"k\": \"%s\", "
                   "\"v\": integer >= 1 or null}",
                   (long long)op->index, c->keys.s[p->key], c->keys.s[p->key]);
        return -1;
    }
    long node = node_id(c, op->node);
    if (node < 0)
        goto oom;
    c->reads++;
    c->ns[node].reads++;
    const key_state *ks = &c->ks[p->key];
    if (has_v) {
        size_t w = upper_bound(ks->written, ks->n_written, v);
        if (!w || ks->written[w - 1] != v) {
            c->future++;
            json_t *e = read_json(c, op, p, has_v, v);
            json_object_set_new(e, "latest_written",
                                ks->n_written ? json_integer(ks->written[ks->n_written - 1])
                                              : json_null());
            example(c->ex_future, e);
        }
    }
    /* A value whose write was never acknowledged (info, or still in
     * flight) may have been applied after the newer ones: the register
     * really went back, and reading it breaks no session guarantee. Only
     * null (no write deletes) and acknowledged values count. */
    size_t a = upper_bound(ks->acked_v, ks->n_acked, v);
    int certain = !has_v || (a > 0 && ks->acked_v[a - 1] == v);
    if (!certain && ((p->has_ryw && v < p->ryw_min) || (p->has_mono && v < p->mono.v)))
        c->late_info++;
    if (certain && p->has_ryw && v < p->ryw_min) {
        c->ryw++;
        json_t *e = read_json(c, op, p, has_v, v);
        json_object_set_new(e, "expected_min", json_integer(p->ryw_min));
        json_object_set_new(e, "after_ack_ms", json_real((p->t_ns - p->ryw_ack_ns) / 1e6));
        example(c->ex_ryw, e);
    }
    if (certain && p->has_mono && v < p->mono.v) {
        c->mono++;
        json_t *e = read_json(c, op, p, has_v, v);
        json_object_set_new(e, "earlier", json_integer(p->mono.v));
        json_object_set_new(e, "earlier_index", json_integer(p->mono.index));
        json_object_set_new(e, "earlier_node", json_string(c->nodes.s[p->mono.node]));
        example(c->ex_mono, e);
    }
    seen *s = seenmap_get(&c->seen, op->process, p->key, 1);
    if (!s)
        goto oom;
    if (s->index < 0 || v > s->v)
        *s = (seen){.pk = s->pk, .v = v, .index = op->index, .node = node};
    if (read_staleness(c, p, v, node, op))
        goto oom;
    return 0;
oom:
    sb_err_set(err, "stale-read: out of memory at operation %lld", (long long)op->index);
    return -1;
}

static int sweep(stale_ctx *c, char *err)
{
    for (size_t i = 0; i < c->h->n; i++) {
        const sb_op *op = &c->h->ops[i];
        int is_write = !strcmp(op->f, "write"), is_read = !strcmp(op->f, "read");
        if (op->process < 0 || (!is_write && !is_read))
            continue;
        pending *p = &c->pend[op->process];
        if (op->type == SB_OP_INVOKE) {
            if (is_write ? write_invoke(c, op, i, err) : read_invoke(c, op, err))
                return -1;
            continue;
        }
        /* A completion without its invocation says nothing. */
        if (p->kind != (is_write ? PEND_WRITE : PEND_READ))
            continue;
        pending done = *p;
        p->kind = PEND_NONE;
        if (op->type != SB_OP_OK)
            continue; /* fail and info: nothing read; info writes stay in "written" */
        if (is_write ? write_ok(c, &done, op) : read_ok(c, &done, op, err)) {
            if (is_write)
                sb_err_set(err, "stale-read: out of memory at operation %lld",
                           (long long)op->index);
            return -1;
        }
    }
    return 0;
}

/* ====== Figures ====== */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v; 0 when empty. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t k = (size_t)(p * (double)n + 0.999999);
    return v[k ? (k > n ? n : k) - 1 : 0];
}

static json_t *figures(stale_ctx *c)
{
    size_t n = c->n_stale;
    if (n) { /* qsort wants an array, even of none */
        qsort(c->stale_ns, n, sizeof(int64_t), cmp_i64);
        qsort(c->behind, n, sizeof(int64_t), cmp_i64);
    }
    json_t *fig = json_object();
    json_object_set_new(fig, "reads", json_integer(c->reads));
    json_object_set_new(fig, "fresh", json_integer(c->reads - (long long)n));
    json_object_set_new(fig, "stale", json_integer((json_int_t)n));
    json_object_set_new(fig, "stale_share", json_real(c->reads ? (double)n / (double)c->reads : 0));
    json_object_set_new(fig, "stale_ms_p50", json_real(pct(c->stale_ns, n, 0.50) / 1e6));
    json_object_set_new(fig, "stale_ms_p90", json_real(pct(c->stale_ns, n, 0.90) / 1e6));
    json_object_set_new(fig, "stale_ms_p99", json_real(pct(c->stale_ns, n, 0.99) / 1e6));
    json_object_set_new(fig, "stale_ms_max", json_real(n ? c->stale_ns[n - 1] / 1e6 : 0));
    json_object_set_new(fig, "versions_behind_p50", json_integer(pct(c->behind, n, 0.50)));
    json_object_set_new(fig, "versions_behind_max", json_integer(n ? c->behind[n - 1] : 0));
    json_object_set_new(fig, "ryw_violations", json_integer(c->ryw));
    json_object_set_new(fig, "monotonic_violations", json_integer(c->mono));
    json_object_set_new(fig, "back_to_unacknowledged", json_integer(c->late_info));
    json_object_set_new(fig, "future_reads", json_integer(c->future));
    json_t *by_node = json_object();
    for (size_t i = 0; i < c->nodes.n; i++)
        json_object_set_new(by_node, c->nodes.s[i],
                            json_pack("{s:I,s:I,s:f}", "reads", (json_int_t)c->ns[i].reads, "stale",
                                      (json_int_t)c->ns[i].stale, "staleness_ms_max",
                                      c->ns[i].stale_max_ns / 1e6));
    json_object_set_new(fig, "by_node", by_node);
    json_t *ex = json_object();
    json_object_set_new(ex, "ryw", c->ex_ryw);
    json_object_set_new(ex, "monotonic", c->ex_mono);
    json_object_set_new(ex, "future", c->ex_future);
    json_object_set_new(ex, "stalest", c->stalest ? c->stalest : json_null());
    c->ex_ryw = c->ex_mono = c->ex_future = c->stalest = NULL;
    json_object_set_new(fig, "examples", ex);
    json_object_set_new(
        fig, "stale_windows",
        checker_time_windows(c->stale_marks.m, c->stale_marks.n, SB_WINDOW_GAP_NS, SB_WINDOW_CAP));
    return fig;
}

static void summarize(const stale_ctx *c, sb_check_result *out)
{
    size_t len = sizeof(out->summary);
    char *s = out->summary;
    if (!c->reads) {
        snprintf(s, len, "no ok read");
        return;
    }
    int w = snprintf(s, len, "%zu of %lld reads stale (%.1f%%), up to %.0f ms", c->n_stale,
                     c->reads, 100.0 * (double)c->n_stale / (double)c->reads,
                     c->n_stale ? c->stale_ns[c->n_stale - 1] / 1e6 : 0.0);
    size_t off = (size_t)w < len ? (size_t)w : len - 1;
    if (c->ryw)
        off +=
            (size_t)snprintf(s + off, len - off, "; read-your-writes violated %lld times", c->ryw);
    if (off < len && c->mono)
        off +=
            (size_t)snprintf(s + off, len - off, "; monotonic reads violated %lld times", c->mono);
    if (off < len && c->future)
        off +=
            (size_t)snprintf(s + off, len - off, "; %lld reads of values never written", c->future);
    if (off < len && !c->ryw && !c->mono && !c->future)
        snprintf(s + off, len - off, "; read-your-writes and monotonic reads hold");
}

static int stale_check(const sb_history *h, sb_check_result *out, char *err)
{
    stale_ctx c = {.h = h};
    int max_proc = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process > max_proc)
            max_proc = h->ops[i].process;
    c.pend = sb_xcalloc((size_t)max_proc + 2, sizeof(pending));
    c.failed = calloc(h->n + 1, 1);
    c.ex_ryw = json_array();
    c.ex_mono = json_array();
    c.ex_future = json_array();
    if (!c.pend || !c.failed || !c.ex_ryw || !c.ex_mono || !c.ex_future ||
        mark_failed(&c, max_proc)) {
        sb_err_set(err, "stale-read: out of memory (%zu operations)", h->n);
        ctx_free(&c);
        return -1;
    }
    if (sweep(&c, err)) {
        ctx_free(&c);
        return -1;
    }
    out->figures = figures(&c);
    summarize(&c, out);
    if (c.ryw || c.mono || c.future)
        out->verdict = SB_VERDICT_INVALID;
    else
        out->verdict = c.reads ? SB_VERDICT_VALID : SB_VERDICT_UNKNOWN;
    ctx_free(&c);
    return 0;
}

static const char *const stale_figures[] = {"reads",
                                            "fresh",
                                            "stale",
                                            "stale_share",
                                            "stale_ms_p50",
                                            "stale_ms_p90",
                                            "stale_ms_p99",
                                            "stale_ms_max",
                                            "versions_behind_p50",
                                            "versions_behind_max",
                                            "ryw_violations",
                                            "monotonic_violations",
                                            "back_to_unacknowledged",
                                            "future_reads",
                                            NULL};

/* The stale-read workload's shape: every worker writes only its own key
 * "k<process>" ({"k":"k3","v":7}); register histories write shared keys. */
static int stale_applies(const sb_history *h)
{
    int writes = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0 || strcmp(op->f, "write"))
            continue;
        const char *k = json_string_value(json_object_get(op->value, "k"));
        char own[32];
        snprintf(own, sizeof(own), "k%d", op->process);
        if (!k || strcmp(k, own))
            return 0;
        writes = 1;
    }
    return writes;
}

const sb_checker sb_checker_stale = {
    .name = "stale-read",
    .description = "reads from replicas: read-your-writes, monotonic reads, no value from the "
                   "future; staleness measured",
    .figures = stale_figures,
    .check = stale_check,
    .applies = stale_applies,
    .what_it_reads = "replica reads and own-key writes ({\"k\":\"k<process>\"})",
};
