/* lock.c -- checker "lock": a distributed lock with fencing tokens.
 *
 * The lock workload takes a lock (single-instance SET key token NX PX ttl,
 * or Redlock over N masters), takes a fencing token with INCR, appends
 * "P:F" (process P, fence F) to a resource list, holds a while, and
 * releases by compare-and-delete. Worker ops, f "lock":
 *   invoke: {"lock": NAME, "ttl_ms": T}
 *   ok:     {"lock", "ttl_ms", "acquired": A_ns, "validity_ms": V, "fence": F,
 *            "appended": bool, "released": R_ns, "release_ok": bool}, where
 *           "released" is absent when no release was sent;
 *   fail:   not acquired;  info: unknown, with "acquired" when the client
 *           knew it held the lock before it lost track.
 * The controller's final read (f "read", ok): {"resource": ["P:F", ...]}.
 *
 * A hold is what a client believed, on the controller's clock: from the
 * moment it learned it had the lock (A, stamped after the reply) to the
 * moment it sent its release (R, stamped before the send), for ok and info
 * ops alike (an info op with "acquired" failed later, in INCR or RPUSH: its
 * acquisition is known). Without "released" the client never let go before
 * its attempt ended, so the hold ends at the completion: the workload
 * watches neither its validity nor the key's TTL (a paused client acts for
 * as long as it stalls), and after the completion it can no longer act.
 * Every hold is capped by its completion.
 *
 * An info op without "acquired" is an indeterminate acquisition: its SET may
 * have taken effect from the invocation on, or never (Jepsen's :info). It
 * may hold [invocation, min(R, completion)); an overlap with it is counted
 * as possible, never as a violation, since the history stays valid in the
 * run where it did not take effect.
 *
 * Anomalies, each real whatever the timing of unknown ops:
 *  - holds of different processes on one lock that overlap (mutual
 *    exclusion as the clients lived it), found by one sweep per lock over
 *    the holds sorted by start, with a heap of the active ones: O(n log n);
 *  - in the final resource, an entry whose fence is lower than one already
 *    there (a fencing resource would have refused it), or equal to it but
 *    from another process (one token issued twice: the resource cannot tell
 *    the two holders apart); the same process writing its token again is
 *    what fencing allows;
 *  - an acknowledged append ("appended": true on an ok op) missing from
 *    the final resource.
 * Holds that outlived their key (end > A + ttl) or their believed validity
 * (end > A + V) are measured, not judged; so are possible overlaps. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

#define LOCK_EXAMPLES_MAX 10 /* per kind of anomaly */

/* A client's belief that it held a lock, or (indet) an indeterminate
 * acquisition's window: it may have held the lock then, or never. */
typedef struct hold {
    const char *name;           /* borrowed from the history's JSON */
    int64_t start, end;         /* [start, end) on the controller's clock */
    int64_t ttl_end, valid_end; /* A + ttl, A + validity; unset when indet */
    int64_t fence;
    int64_t index; /* history index of the completion */
    int process;
    unsigned char has_fence, info, appended, indet;
} hold;

/* A resource entry "P:F" or an appended pair, for sorted look-ups. */
typedef struct pf {
    int64_t p, f;
} pf;

typedef struct lock_ctx {
    const sb_history *h;
    hold *holds;
    size_t nholds, cap;
    size_t nknown; /* holds whose acquisition is known (not indet) */
    int max_proc;
    long long attempts, acquired, refused, info;
    long long overlaps, possible_overlaps, max_holders, expired, past_validity;
    long long fence_violations, lost_appends, unknown_entries;
    const json_t *resource; /* the last final read's list; NULL when absent */
    json_t *ex_overlaps, *ex_possible, *ex_fences, *ex_lost, *ex_unknown;
} lock_ctx;

static void ctx_free(lock_ctx *c)
{
    free(c->holds);
    json_decref(c->ex_overlaps);
    json_decref(c->ex_possible);
    json_decref(c->ex_fences);
    json_decref(c->ex_lost);
    json_decref(c->ex_unknown);
}

/* ====== Reading the history ====== */

static const json_t *field(const sb_op *op, const char *key)
{
    return op && json_is_object(op->value) ? json_object_get(op->value, key) : NULL;
}

/* ms (a JSON number) to ns; 0 when absent or not a finite number. */
static int get_ms(const json_t *v, int64_t *ns)
{
    if (!json_is_number(v))
        return 0;
    double ms = json_number_value(v);
    if (!isfinite(ms) || fabs(ms) > 9e12) /* beyond int64 ns */
        return 0;
    *ns = (int64_t)llround(ms * 1e6);
    return 1;
}

static int get_int(const json_t *v, int64_t *out)
{
    if (!json_is_integer(v))
        return 0;
    *out = (int64_t)json_integer_value(v);
    return 1;
}

static int is_opt_bool(const json_t *v)
{
    return !v || json_is_boolean(v);
}

static int lock_invoke(lock_ctx *c, const sb_op *op, char *err)
{
    int64_t ttl = 0;
    if (!json_is_string(field(op, "lock")) || !get_ms(field(op, "ttl_ms"), &ttl) || ttl < 0) {
        sb_err_set(err,
                   "lock: history index %lld: a lock invocation needs {\"lock\": name, "
                   "\"ttl_ms\": number >= 0}",
                   (long long)op->index);
        return -1;
    }
    c->attempts++;
    return 0;
}

static hold *hold_add(lock_ctx *c, const sb_op *op, char *err)
{
    if (c->nholds == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        hold *p = realloc(c->holds, cap * sizeof(hold));
        if (!p) {
            sb_err_set(err, "lock: out of memory at history index %lld", (long long)op->index);
            return NULL;
        }
        c->holds = p;
        c->cap = cap;
    }
    return &c->holds[c->nholds++];
}

/* "released", when the client recorded one: 1 with *r set, 0 when absent
 * or null (no release was sent), -1 when it is not an integer. */
static int get_released(const sb_op *op, int64_t *r)
{
    const json_t *v = field(op, "released");
    if (!v || json_is_null(v))
        return 0;
    return get_int(v, r) ? 1 : -1;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The hold of an ok op, or of an info op with "acquired"; inv is its
 * invocation (for the name and ttl when the completion leaves them out).
 * It ends at the recorded release, else at the completion (see the top of
 * the file): never at the validity, which the client does not watch. */
static int lock_hold(lock_ctx *c, const sb_op *op, const sb_op *inv, char *err)
{
    int info = op->type == SB_OP_INFO;
    const json_t *name = field(op, "lock");
    if (!json_is_string(name))
        name = field(inv, "lock");
    int64_t ttl = 0, a = 0, v = 0, r = 0, fence = 0;
    int ok_ttl = get_ms(field(op, "ttl_ms"), &ttl) || get_ms(field(inv, "ttl_ms"), &ttl);
    int has_fence = get_int(field(op, "fence"), &fence);
    int has_r = get_released(op, &r);
    const json_t *appended = field(op, "appended");
    if (!json_is_string(name) || !ok_ttl || !get_int(field(op, "acquired"), &a) ||
        !get_ms(field(op, "validity_ms"), &v) ||
        (!has_fence && !json_is_null(field(op, "fence")) && field(op, "fence")) ||
        !is_opt_bool(appended) || !is_opt_bool(field(op, "release_ok"))) {
        sb_err_set(err,
                   "lock: history index %lld: a lock completion with \"acquired\" needs "
                   "\"lock\" (string), \"ttl_ms\" and \"validity_ms\" (numbers), "
                   "\"acquired\" and \"fence\" (integers), \"appended\" and \"release_ok\" "
                   "(booleans)",
                   (long long)op->index);
        return -1;
    }
    if ((!info && !has_fence) || has_r < 0 || (has_r && r < a)) {
        sb_err_set(err,
                   "lock: history index %lld: a lock completion with \"acquired\" needs %s"
                   "\"released\" (>= \"acquired\") when a release was sent",
                   (long long)op->index, info ? "" : "an integer \"fence\", and an integer ");
        return -1;
    }
    hold *hd = hold_add(c, op, err);
    if (!hd)
        return -1;
    *hd = (hold){.name = json_string_value(name),
                 .start = a,
                 .end = min64(has_r ? r : op->time_ns, op->time_ns),
                 .ttl_end = a + ttl,
                 .valid_end = a + v,
                 .fence = fence,
                 .index = op->index,
                 .process = op->process,
                 .has_fence = (unsigned char)has_fence,
                 .info = (unsigned char)info,
                 .appended = (unsigned char)json_is_true(appended)};
    if (hd->end < hd->start)
        hd->end = hd->start; /* empty: overlaps nothing */
    c->nknown++;
    return 0;
}

/* An info op without "acquired": it may have held the lock from its
 * invocation (or, with none in the history, from the history's first
 * operation) to its recorded release, capped by its completion. Without a
 * lock name (neither the op nor its invocation says) it is no lock's. */
static int lock_maybe_hold(lock_ctx *c, const sb_op *op, const sb_op *inv, char *err)
{
    const json_t *name = field(op, "lock");
    if (!json_is_string(name))
        name = field(inv, "lock");
    if (!json_is_string(name))
        return 0;
    int64_t r = 0;
    int has_r = get_released(op, &r);
    if (has_r < 0) {
        sb_err_set(err, "lock: history index %lld: \"released\" must be an integer (ns)",
                   (long long)op->index);
        return -1;
    }
    hold *hd = hold_add(c, op, err);
    if (!hd)
        return -1;
    *hd = (hold){.name = json_string_value(name),
                 .start = inv ? inv->time_ns : c->h->ops[0].time_ns,
                 .end = min64(has_r ? r : op->time_ns, op->time_ns),
                 .index = op->index,
                 .process = op->process,
                 .info = 1,
                 .indet = 1};
    if (hd->end < hd->start)
        hd->end = hd->start;
    return 0;
}

static int final_read(lock_ctx *c, const sb_op *op, char *err)
{
    if (!json_is_object(op->value) || !json_object_get(op->value, "resource"))
        return 0; /* some other workload's read */
    const json_t *res = json_object_get(op->value, "resource");
    if (!json_is_array(res)) {
        sb_err_set(err,
                   "lock: history index %lld: the final read needs {\"resource\": [\"P:F\", "
                   "...]}",
                   (long long)op->index);
        return -1;
    }
    c->resource = res;
    return 0;
}

static int collect(lock_ctx *c, char *err)
{
    const sb_history *h = c->h;
    long *pend = malloc(((size_t)c->max_proc + 1) * sizeof(long));
    if (!pend) {
        sb_err_set(err, "lock: out of memory (%zu operations)", h->n);
        return -1;
    }
    for (int p = 0; p <= c->max_proc; p++)
        pend[p] = -1;
    int rc = 0;
    for (size_t i = 0; i < h->n && !rc; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK && !strcmp(op->f, "read")) {
            rc = final_read(c, op, err);
            continue;
        }
        if (op->process < 0 || strcmp(op->f, "lock"))
            continue;
        if (op->type == SB_OP_INVOKE) {
            rc = lock_invoke(c, op, err);
            pend[op->process] = (long)i;
            continue;
        }
        const sb_op *inv = pend[op->process] >= 0 ? &h->ops[pend[op->process]] : NULL;
        if (!inv)
            c->attempts++; /* its invocation is not in the history */
        pend[op->process] = -1;
        if (op->type == SB_OP_FAIL) {
            c->refused++;
        } else if (op->type == SB_OP_OK) {
            c->acquired++;
            rc = lock_hold(c, op, inv, err);
        } else {
            c->info++;
            const json_t *acq = field(op, "acquired");
            rc = acq && !json_is_null(acq) ? lock_hold(c, op, inv, err)
                                           : lock_maybe_hold(c, op, inv, err);
        }
    }
    free(pend);
    return rc;
}

/* ====== Mutual exclusion: one sweep per lock ====== */

static int same_name(const char *a, const char *b)
{
    return a == b || !strcmp(a, b);
}

static int cmp_hold(const void *x, const void *y)
{
    const hold *a = x, *b = y;
    if (!same_name(a->name, b->name))
        return strcmp(a->name, b->name);
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->end < b->end ? -1 : a->end > b->end;
}

/* Min-heap of active holds (indexes into holds) by end. */
typedef struct heap {
    size_t *v;
    size_t n;
    const hold *holds;
} heap;

static int64_t hend(const heap *q, size_t k)
{
    return q->holds[q->v[k]].end;
}

static void heap_push(heap *q, size_t idx)
{
    size_t k = q->n++;
    q->v[k] = idx;
    while (k && hend(q, (k - 1) / 2) > hend(q, k)) {
        size_t p = (k - 1) / 2, t = q->v[p];
        q->v[p] = q->v[k];
        q->v[k] = t;
        k = p;
    }
}

static size_t heap_pop(heap *q)
{
    size_t top = q->v[0], k = 0;
    q->v[0] = q->v[--q->n];
    for (;;) {
        size_t l = 2 * k + 1, r = l + 1, m = k;
        if (l < q->n && hend(q, l) < hend(q, m))
            m = l;
        if (r < q->n && hend(q, r) < hend(q, m))
            m = r;
        if (m == k)
            return top;
        size_t t = q->v[m];
        q->v[m] = q->v[k];
        q->v[k] = t;
        k = m;
    }
}

static json_t *hold_json(const hold *h)
{
    json_t *e = json_object();
    json_object_set_new(e, "process", json_integer(h->process));
    json_object_set_new(e, "fence", h->has_fence ? json_integer(h->fence) : json_null());
    json_object_set_new(e, "start_ns", json_integer(h->start));
    json_object_set_new(e, "end_ns", json_integer(h->end));
    json_object_set_new(e, "outcome", json_string(h->info ? "info" : "ok"));
    json_object_set_new(e, "index", json_integer(h->index));
    json_object_set_new(e, "indeterminate", json_boolean(h->indet));
    if (!h->indet)
        json_object_set_new(e, "past_validity", json_boolean(h->end > h->valid_end));
    return e;
}

/* Pairs of b with the active holds of other processes, into the overlaps
 * (both acquisitions known) or the possible overlaps (one indeterminate),
 * LOCK_EXAMPLES_MAX of each at most. */
static void overlap_examples(lock_ctx *c, const heap *q, const hold *b)
{
    for (size_t k = 0; k < q->n; k++) {
        const hold *a = &c->holds[q->v[k]];
        json_t *ex = a->indet || b->indet ? c->ex_possible : c->ex_overlaps;
        if (a->process == b->process || json_array_size(ex) >= LOCK_EXAMPLES_MAX)
            continue;
        json_t *e = json_object();
        json_object_set_new(e, "lock", json_string(b->name));
        json_object_set_new(e, "overlap_ms", json_real((min64(a->end, b->end) - b->start) / 1e6));
        json_object_set_new(e, "a", hold_json(a));
        json_object_set_new(e, "b", hold_json(b));
        json_array_append_new(ex, e);
    }
}

/* The active holds: all of them, and those whose acquisition is known; per
 * process too, so pairs of one process (impossible from a sequential
 * client, but not assumed) never count. */
typedef struct active {
    long *all, *known; /* per process */
    long nknown;       /* known holds in the heap */
    long distinct;     /* processes with a known hold in the heap */
} active;

static void active_add(active *ac, const hold *h, int d)
{
    ac->all[h->process] += d;
    if (h->indet)
        return;
    ac->nknown += d;
    ac->known[h->process] += d;
    if (ac->known[h->process] == (d > 0))
        ac->distinct += d;
}

static void active_clear(heap *q, active *ac, const hold *holds, int64_t before)
{
    while (q->n && hend(q, 0) <= before)
        active_add(ac, &holds[heap_pop(q)], -1);
}

/* Holds sorted by (lock, start): every active hold (end > b's start) of
 * another process overlaps b, since it started no later. A pair of known
 * acquisitions is an overlap; a pair with an indeterminate one possible. */
static int sweep(lock_ctx *c)
{
    heap q = {.v = sb_xmalloc((c->nholds + 1) * sizeof(size_t)), .holds = c->holds};
    active ac = {.all = sb_xcalloc((size_t)c->max_proc + 1, sizeof(long)),
                 .known = sb_xcalloc((size_t)c->max_proc + 1, sizeof(long))};
    int rc = -1;
    if (!q.v || !ac.all || !ac.known)
        goto out;
    for (size_t i = 0; i < c->nholds; i++) {
        const hold *b = &c->holds[i];
        if (i && !same_name(b->name, c->holds[i - 1].name))
            active_clear(&q, &ac, c->holds, INT64_MAX);
        if (!b->indet && b->end > b->ttl_end)
            c->expired++;
        if (!b->indet && b->end > b->valid_end)
            c->past_validity++;
        if (b->end <= b->start)
            continue; /* empty: overlaps nothing */
        active_clear(&q, &ac, c->holds, b->start);
        long others = (long)q.n - ac.all[b->process];
        long known = b->indet ? 0 : ac.nknown - ac.known[b->process];
        c->overlaps += known;
        c->possible_overlaps += others - known;
        if ((known > 0 && json_array_size(c->ex_overlaps) < LOCK_EXAMPLES_MAX) ||
            (others > known && json_array_size(c->ex_possible) < LOCK_EXAMPLES_MAX))
            overlap_examples(c, &q, b);
        heap_push(&q, i);
        active_add(&ac, b, 1);
        if (ac.distinct > c->max_holders)
            c->max_holders = ac.distinct;
    }
    rc = 0;
out:
    free(q.v);
    free(ac.all);
    free(ac.known);
    return rc;
}

/* ====== Fencing order and lost appends at the resource ====== */

static int cmp_pf(const void *x, const void *y)
{
    const pf *a = x, *b = y;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return a->f < b->f ? -1 : a->f > b->f;
}

static int pf_find(const pf *v, size_t n, pf key)
{
    return n && bsearch(&key, v, n, sizeof(pf), cmp_pf) != NULL;
}

/* "P:F" with P >= 0; 0 when the entry is not of that form. */
static int parse_entry(const json_t *v, pf *out)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    char *end;
    if (!isdigit((unsigned char)s[0]))
        return 0;
    long long p = strtoll(s, &end, 10);
    if (*end != ':')
        return 0;
    const char *f = end + 1;
    if (!isdigit((unsigned char)f[f[0] == '-']))
        return 0;
    long long fence = strtoll(f, &end, 10);
    if (*end)
        return 0;
    out->p = p;
    out->f = fence;
    return 1;
}

/* Produced entries: the fences of all holds, plus any fence of a process
 * whose info hold has none (it may have taken one and appended it). An
 * indeterminate acquisition's client never learned it held the lock, so
 * it took no fence: it explains no entry. */
static int known_entries(lock_ctx *c, pf **known, size_t *nknown, unsigned char **wild)
{
    *known = malloc((c->nholds + 1) * sizeof(pf));
    *wild = calloc((size_t)c->max_proc + 1, 1);
    if (!*known || !*wild)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < c->nholds; i++) {
        const hold *h = &c->holds[i];
        if (h->has_fence)
            (*known)[n++] = (pf){h->process, h->fence};
        else if (!h->indet)
            (*wild)[h->process] = 1;
    }
    if (n)
        qsort(*known, n, sizeof(pf), cmp_pf);
    *nknown = n;
    return 0;
}

static void fence_example(lock_ctx *c, size_t pos, const json_t *entry, int64_t top, size_t top_pos)
{
    if (json_array_size(c->ex_fences) >= LOCK_EXAMPLES_MAX)
        return;
    json_t *e = json_object();
    json_object_set_new(e, "position", json_integer((json_int_t)pos));
    json_object_set_new(e, "entry", json_copy((json_t *)entry));
    json_object_set_new(e, "earlier_fence", json_integer(top));
    json_object_set_new(e, "earlier_position", json_integer((json_int_t)top_pos));
    json_array_append_new(c->ex_fences, e);
}

/* Fences in the order of the resource list, counting only entries some
 * acquisition produced (a stray entry proves nothing about this run): an
 * entry is out of order when its fence is lower than the highest already
 * there, or equal to it from another process (see the top of the file). */
static void fence_order(lock_ctx *c, pf *present, size_t *npresent, const pf *known, size_t nknown,
                        const unsigned char *wild)
{
    size_t n = json_array_size(c->resource), np = 0, top_pos = 0;
    int64_t top = 0, top_p = 0;
    int seen = 0;
    for (size_t k = 0; k < n; k++) {
        const json_t *v = json_array_get(c->resource, k);
        pf e;
        if (!parse_entry(v, &e) ||
            !(pf_find(known, nknown, e) || (e.p <= c->max_proc && wild[e.p]))) {
            c->unknown_entries++;
            if (json_array_size(c->ex_unknown) < LOCK_EXAMPLES_MAX)
                json_array_append_new(c->ex_unknown, json_copy((json_t *)v));
            continue;
        }
        present[np++] = e;
        if (seen && (e.f < top || (e.f == top && e.p != top_p))) {
            c->fence_violations++;
            fence_example(c, k, v, top, top_pos);
            continue;
        }
        if (!seen || e.f > top)
            top_pos = k;
        seen = 1;
        top = e.f;
        top_p = e.p;
    }
    *npresent = np;
}

static void lost_appends(lock_ctx *c, pf *present, size_t np)
{
    if (np)
        qsort(present, np, sizeof(pf), cmp_pf);
    for (size_t i = 0; i < c->nholds; i++) {
        const hold *h = &c->holds[i];
        if (h->info || !h->appended || pf_find(present, np, (pf){h->process, h->fence}))
            continue;
        c->lost_appends++;
        if (json_array_size(c->ex_lost) < LOCK_EXAMPLES_MAX) {
            char entry[64];
            snprintf(entry, sizeof(entry), "%d:%lld", h->process, (long long)h->fence);
            json_t *e = hold_json(h);
            json_object_set_new(e, "entry", json_string(entry));
            json_array_append_new(c->ex_lost, e);
        }
    }
}

static int resource_check(lock_ctx *c)
{
    if (!c->resource)
        return 0;
    pf *known = NULL, *present = sb_xmalloc((json_array_size(c->resource) + 1) * sizeof(pf));
    unsigned char *wild = NULL;
    size_t nknown = 0, np = 0;
    int rc = -1;
    if (present && !known_entries(c, &known, &nknown, &wild)) {
        fence_order(c, present, &np, known, nknown, wild);
        lost_appends(c, present, np);
        rc = 0;
    }
    free(known);
    free(wild);
    free(present);
    return rc;
}

/* ====== Figures and verdict ====== */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int hold_times(const lock_ctx *c, json_t *fig)
{
    size_t n = 0;
    int64_t *d = malloc((c->nknown + 1) * sizeof(int64_t));
    if (!d)
        return -1;
    for (size_t i = 0; i < c->nholds; i++)
        if (!c->holds[i].indet)
            d[n++] = c->holds[i].end - c->holds[i].start;
    if (n)
        qsort(d, n, sizeof(int64_t), cmp_i64);
    size_t k = (n + 1) / 2; /* nearest rank of the median */
    json_object_set_new(fig, "hold_ms_p50", json_real(n ? d[k - 1] / 1e6 : 0));
    json_object_set_new(fig, "hold_ms_max", json_real(n ? d[n - 1] / 1e6 : 0));
    free(d);
    return 0;
}

static json_t *figures(lock_ctx *c)
{
    json_t *fig = json_object();
    json_object_set_new(fig, "attempts", json_integer(c->attempts));
    json_object_set_new(fig, "acquired", json_integer(c->acquired));
    json_object_set_new(fig, "refused", json_integer(c->refused));
    json_object_set_new(fig, "info", json_integer(c->info));
    json_object_set_new(fig, "overlaps", json_integer(c->overlaps));
    json_object_set_new(fig, "possible_overlaps", json_integer(c->possible_overlaps));
    json_object_set_new(fig, "max_holders", json_integer(c->max_holders));
    json_object_set_new(fig, "expired_while_held", json_integer(c->expired));
    json_object_set_new(fig, "past_validity", json_integer(c->past_validity));
    json_object_set_new(fig, "fence_violations", json_integer(c->fence_violations));
    json_object_set_new(fig, "lost_appends", json_integer(c->lost_appends));
    json_object_set_new(fig, "unknown_entries", json_integer(c->unknown_entries));
    json_t *ex = json_object();
    json_object_set_new(ex, "overlaps", c->ex_overlaps);
    json_object_set_new(ex, "possible_overlaps", c->ex_possible);
    json_object_set_new(ex, "fence_violations", c->ex_fences);
    json_object_set_new(ex, "lost_appends", c->ex_lost);
    json_object_set_new(ex, "unknown_entries", c->ex_unknown);
    c->ex_overlaps = c->ex_possible = c->ex_fences = c->ex_lost = c->ex_unknown = NULL;
    json_object_set_new(fig, "examples", ex);
    return fig;
}

static void summarize(const lock_ctx *c, sb_check_result *out)
{
    char *s = out->summary;
    size_t len = sizeof(out->summary);
    int off;
    if (c->overlaps)
        off = snprintf(s, len,
                       "mutual exclusion violated: %lld overlapping pairs of holds "
                       "(max %lld holders); %lld of %lld attempts acquired",
                       c->overlaps, c->max_holders, c->acquired, c->attempts);
    else
        off = snprintf(s, len, "no overlap in %zu holds (%lld of %lld attempts acquired)",
                       c->nknown, c->acquired, c->attempts);
    if (off >= 0 && (size_t)off < len && c->possible_overlaps)
        off += snprintf(s + off, len - off,
                        "; %lld possible overlaps with indeterminate acquisitions (not "
                        "violations: they may not have taken effect)",
                        c->possible_overlaps);
    if (off < 0 || (size_t)off >= len)
        return;
    if (!c->resource)
        snprintf(s + off, len - off, "; no final read of the resource");
    else if (c->fence_violations || c->lost_appends)
        snprintf(s + off, len - off, "; %lld fences out of order, %lld acknowledged appends lost",
                 c->fence_violations, c->lost_appends);
    else
        snprintf(s + off, len - off, "; fences in order");
}

static int lock_check(const sb_history *h, sb_check_result *out, char *err)
{
    lock_ctx c = {.h = h, .max_proc = 0};
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process > c.max_proc)
            c.max_proc = h->ops[i].process;
    c.ex_overlaps = json_array();
    c.ex_possible = json_array();
    c.ex_fences = json_array();
    c.ex_lost = json_array();
    c.ex_unknown = json_array();
    if (!c.ex_overlaps || !c.ex_possible || !c.ex_fences || !c.ex_lost || !c.ex_unknown) {
        sb_err_set(err, "lock: out of memory");
        ctx_free(&c);
        return -1;
    }
    if (collect(&c, err)) {
        ctx_free(&c);
        return -1;
    }
    if (c.nholds)
        qsort(c.holds, c.nholds, sizeof(hold), cmp_hold);
    if (sweep(&c) || resource_check(&c)) {
        sb_err_set(err, "lock: out of memory (%zu holds)", c.nholds);
        ctx_free(&c);
        return -1;
    }
    json_t *fig = figures(&c);
    if (hold_times(&c, fig)) {
        sb_err_set(err, "lock: out of memory (%zu holds)", c.nholds);
        json_decref(fig);
        ctx_free(&c);
        return -1;
    }
    out->figures = fig;
    summarize(&c, out);
    if (c.overlaps || c.fence_violations || c.lost_appends)
        out->verdict = SB_VERDICT_INVALID;
    else
        out->verdict = c.acquired ? SB_VERDICT_VALID : SB_VERDICT_UNKNOWN;
    ctx_free(&c);
    return 0;
}

static const char *const lock_figures[] = {"attempts",
                                           "acquired",
                                           "refused",
                                           "info",
                                           "overlaps",
                                           "possible_overlaps",
                                           "max_holders",
                                           "expired_while_held",
                                           "past_validity",
                                           "fence_violations",
                                           "lost_appends",
                                           "unknown_entries",
                                           "hold_ms_p50",
                                           "hold_ms_max",
                                           NULL};

static int lock_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, "lock");
}

const sb_checker sb_checker_lock = {
    .name = "lock",
    .description = "a distributed lock with fencing tokens: no overlapping holds of different "
                   "clients, no fence at the resource lower than one before it, no "
                   "acknowledged append lost",
    .figures = lock_figures,
    .check = lock_check,
    .applies = lock_applies,
    .what_it_reads = "lock attempts (f \"lock\")",
};
