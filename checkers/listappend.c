/* listappend.c -- checker "list-append": Elle's analysis of transactions
 * over append-only lists (see listappend.h for the history it reads).
 *
 * The model: every ok transaction ran atomically at one instant between its
 * invocation and its completion, every fail never ran, every info ran at
 * most once, atomically, after its invocation; a list only grows by
 * appends. Everything reported follows from that model and the history:
 *
 * - Each read of a key is the list at one point of its single history, so
 *   all reads must be prefixes of the longest one, which then is the
 *   version order (the order of the appends). Diverging reads, duplicated
 *   elements, elements nobody appended (garbage), elements only a failed
 *   transaction appended (G1a) and a transaction whose reads disagree with
 *   its own appends (internal) break this.
 * - An acknowledged append absent from the final read is lost (the final
 *   read names every key that exists: one it does not name is empty). Without a
 *   final read of the key, one absent from every read although an ok read
 *   of the key began after the append was acknowledged is lost too.
 * - Keys with a clean version order give dependencies between committed
 *   transactions (ok ones, and info ones whose appends were read): ww (the
 *   next append), wr (read up to the other's append), rw (read a prefix the
 *   other's append extended). A cycle means no serial order explains the
 *   reads; it is named by its edges as Elle does: G0 (ww only), G1c (ww and
 *   wr), G-single (one rw), G2 (several rw).
 * Keys with an inconsistent order give no edges: that can hide cycles but
 * never invent one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listappend.h"
#include "util.h"

#define LA_EXAMPLES 5        /* examples kept per anomaly class */
#define LA_LOST_EXAMPLES 10  /* lost appends listed */
#define LA_SHOW 8            /* list elements shown in examples */
#define LA_CYCLE_SHOW 24     /* transactions shown of a long cycle */
#define LA_MAX_PROCESS (1 << 24)
#define LA_G_SINGLE_TRIES 8  /* searches for a one-rw cycle per component */

#define NONE UINT32_MAX
#define WRITER_NONE (-1)
#define WRITER_MANY (-2) /* the same element appended twice: no edges */

enum { OUT_OK = 1, OUT_FAIL, OUT_INFO };
enum { MOP_APPEND, MOP_READ };
enum { EDGE_WW, EDGE_WR, EDGE_RW };
#define M_WW (1u << EDGE_WW)
#define M_WR (1u << EDGE_WR)
#define M_RW (1u << EDGE_RW)
#define M_ALL (M_WW | M_WR | M_RW)

enum { EL_OBSERVED = 1, EL_IN_FINAL = 2, EL_DUP = 4, EL_BAD = 8 };

/* Anomaly classes, in report order. */
enum { A_LOST, A_DUP, A_INCOMPAT, A_G1A, A_INTERNAL, A_GARBAGE, A_G0, A_G1C, A_GSINGLE, A_G2, A_N };
static const char *const class_names[A_N] = {
    "lost", "duplicate-elements", "incompatible-order", "G1a", "internal", "garbage",
    "G0",   "G1c",                "G-single",           "G2"};
static const char *const count_names[A_N] = {
    "lost_count",    "duplicate_count", "incompatible_order_count", "g1a_count",
    "internal_count", "garbage_count",  "g0_count",                 "g1c_count",
    "g_single_count", "g2_count"};
static const char *const summary_names[A_N] = {
    "lost appends",  "duplicated elements", "incompatible orders", "aborted reads (G1a)",
    "internal inconsistencies", "garbage elements", "G0 cycles", "G1c cycles",
    "G-single cycles", "G2 cycles"};
static const char *const edge_names[] = {"ww", "wr", "rw"};

typedef struct txn {
    int64_t index, invoke_ns, complete_ns;
    const json_t *inv;  /* the invocation's micro-ops */
    const json_t *ops;  /* shown in reports: the completion's for ok */
    int process, outcome;
    uint32_t mop0, nmops, node;
    unsigned char observed; /* one of its appends was read */
} txn;

typedef struct mop {
    uint32_t txn, key, el; /* el: the appended element */
    int kind;
    const json_t *read;    /* reads: the list, NULL when unknown */
} mop;

typedef struct elem {
    int64_t value;
    uint32_t key, seen; /* seen: serial of the last read scanned */
    int32_t writer;     /* a txn, WRITER_NONE or WRITER_MANY */
    unsigned flags;
} elem;

typedef struct ref {     /* one read of a key */
    uint32_t key, txn;   /* txn NONE: the final read */
    const json_t *list;
    uint32_t prefix;     /* its length if a prefix of the longest, else NONE */
} ref;

typedef struct keyinfo {
    const char *name;   /* borrowed from the history */
    uint32_t lel0, nlel; /* the longest read's elements, in la.lel */
    uint32_t ref0, nref; /* its reads, in la.refs once sorted */
    int consistent, has_final;
    int64_t last_read_ns; /* latest invocation of an ok txn that read it */
} keyinfo;

typedef struct edge {
    uint32_t from, to, key;
    unsigned char kind;
} edge;

typedef struct la {
    const sb_history *h;
    const sb_op *final;
    txn *txns;
    size_t ntxns, captxns;
    mop *mops;
    size_t nmops, capmops;
    elem *elems;
    size_t nelems, capelems;
    uint32_t *eslots; /* hash of elems: index + 1, 0 empty */
    size_t ecap;
    keyinfo *keys;
    size_t nkeys, capkeys;
    uint32_t *kslots;
    size_t kcap;
    ref *refs;
    size_t nrefs, caprefs;
    uint32_t *lel;
    size_t nlel, caplel;
    edge *edges;
    size_t nedges, capedges;
    uint32_t serial;
    int oom;
    long long count[A_N];
    json_t *examples[A_N];
} la;

/* ====== Small helpers ====== */

static void *la_realloc(void *p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

/* Ensures room for need items in arr; sets a->oom and yields -1 if not. */
#define GROW(a, arr, cap, need)                                                   \
    __extension__({                                                               \
        int rc_ = 0;                                                              \
        if ((need) > (cap)) {                                                     \
            void *q_ = la_realloc((arr), &(cap), (need), sizeof(*(arr)));         \
            if (q_)                                                               \
                (arr) = q_;                                                       \
            else                                                                  \
                rc_ = -1, (a)->oom = 1;                                           \
        }                                                                         \
        rc_;                                                                      \
    })

static uint64_t mix64(uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    v *= 0xc4ceb9fe1a85ec53ULL;
    return v ^ (v >> 33);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t elem_hash(uint32_t key, int64_t value)
{
    return mix64((uint64_t)value * 0x9E3779B97F4A7C15ULL + key);
}

/* Open-addressing table of indices (+1) into some array; rebuilt at half load. */
static int slots_rehash(la *a, uint32_t **slots, size_t *cap, size_t n, int elems_table)
{
    size_t c = *cap ? *cap * 2 : 256;
    uint32_t *s = calloc(c, sizeof(uint32_t));
    if (!s)
        return a->oom = 1, -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = elems_table ? elem_hash(a->elems[i].key, a->elems[i].value)
                                 : hash_str(a->keys[i].name);
        size_t j = h & (c - 1);
        while (s[j])
            j = (j + 1) & (c - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(*slots);
    *slots = s;
    *cap = c;
    return 0;
}

static uint32_t key_id(la *a, const char *name)
{
    if ((a->nkeys + 1) * 2 > a->kcap && slots_rehash(a, &a->kslots, &a->kcap, a->nkeys, 0))
        return NONE;
    size_t j = hash_str(name) & (a->kcap - 1);
    for (; a->kslots[j]; j = (j + 1) & (a->kcap - 1))
        if (!strcmp(a->keys[a->kslots[j] - 1].name, name))
            return a->kslots[j] - 1;
    if (GROW(a, a->keys, a->capkeys, a->nkeys + 1))
        return NONE;
    a->keys[a->nkeys] = (keyinfo){.name = name, .last_read_ns = INT64_MIN};
    a->kslots[j] = (uint32_t)++a->nkeys;
    return (uint32_t)a->nkeys - 1;
}

/* The element (key, value), created writerless when new. */
static uint32_t elem_id(la *a, uint32_t key, int64_t value)
{
    if ((a->nelems + 1) * 2 > a->ecap && slots_rehash(a, &a->eslots, &a->ecap, a->nelems, 1))
        return NONE;
    size_t j = elem_hash(key, value) & (a->ecap - 1);
    for (; a->eslots[j]; j = (j + 1) & (a->ecap - 1)) {
        const elem *e = &a->elems[a->eslots[j] - 1];
        if (e->key == key && e->value == value)
            return a->eslots[j] - 1;
    }
    if (a->nelems >= NONE - 1 || GROW(a, a->elems, a->capelems, a->nelems + 1))
        return a->oom = 1, NONE;
    a->elems[a->nelems] = (elem){.value = value, .key = key, .writer = WRITER_NONE, .seen = 0};
    a->eslots[j] = (uint32_t)++a->nelems;
    return (uint32_t)a->nelems - 1;
}

static int64_t reader_index(const la *a, uint32_t t)
{
    return t == NONE ? a->final->index : a->txns[t].index;
}

static void example(la *a, int cls, json_t *ex)
{
    a->count[cls]++;
    if (json_array_size(a->examples[cls]) < (cls == A_LOST ? LA_LOST_EXAMPLES : LA_EXAMPLES))
        json_array_append_new(a->examples[cls], ex);
    else
        json_decref(ex);
}

static int wants_example(const la *a, int cls)
{
    return json_array_size(a->examples[cls]) < (cls == A_LOST ? LA_LOST_EXAMPLES : LA_EXAMPLES);
}

/* list[from, to) (clamped) as a new array. */
static json_t *slice(const json_t *list, size_t from, size_t to)
{
    json_t *out = json_array();
    size_t n = json_array_size(list);
    for (size_t i = from; i < to && i < n; i++)
        json_array_append(out, json_array_get(list, i));
    return out;
}

/* A transaction's micro-ops with long reads cut to their last elements. */
static json_t *ops_json(const json_t *ops)
{
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(ops, i, m)
    {
        json_t *list = json_array_get(m, 2);
        size_t n = json_array_size(list);
        if (!json_is_array(list) || n <= LA_SHOW) {
            json_array_append(out, m);
            continue;
        }
        json_t *cut = slice(list, n - LA_SHOW, n);
        char note[48];
        snprintf(note, sizeof(note), "(%zu earlier)", n - LA_SHOW);
        json_array_insert_new(cut, 0, json_string(note));
        json_array_append_new(out, json_pack("[OOo]", json_array_get(m, 0), json_array_get(m, 1), cut));
    }
    return out;
}

static json_t *txn_json(const la *a, uint32_t t)
{
    const txn *x = &a->txns[t];
    return json_pack("{s:I,s:i,s:s,s:o}", "index", (json_int_t)x->index, "process", x->process,
                     "type", history_type_name((sb_op_type)x->outcome), "ops", ops_json(x->ops));
}

/* ====== Collecting transactions and micro-ops ====== */

/* ["append", key, int] or ["r", key, list|null]: the kind, or -1. */
static int mop_parse(const json_t *m, const char **key, const json_t **arg)
{
    if (!json_is_array(m) || json_array_size(m) != 3)
        return -1;
    const char *f = json_string_value(json_array_get(m, 0));
    *key = json_string_value(json_array_get(m, 1));
    *arg = json_array_get(m, 2);
    if (!f || !*key)
        return -1;
    if (!strcmp(f, "append"))
        return json_is_integer(*arg) ? MOP_APPEND : -1;
    return !strcmp(f, "r") ? MOP_READ : -1;
}

/* Pairs each txn invocation with its process's next completion; one never
 * completed stays info. Remembers the last ok final read. */
static int collect_txns(la *a, char *err)
{
    const sb_history *h = a->h;
    int maxp = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process > maxp && !strcmp(h->ops[i].f, "txn"))
            maxp = h->ops[i].process;
    if (maxp >= LA_MAX_PROCESS) {
        sb_err_set(err, "list-append: process %d: at most %d processes", maxp, LA_MAX_PROCESS);
        return -1;
    }
    uint32_t *pend = malloc(((size_t)maxp + 1) * sizeof(uint32_t));
    if (!pend)
        return a->oom = 1, -1;
    for (int p = 0; p <= maxp; p++)
        pend[p] = NONE;
    for (size_t i = 0; i < h->n && !a->oom; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK && !strcmp(op->f, "read") &&
            json_is_object(op->value))
            a->final = op;
        if (op->process < 0 || strcmp(op->f, "txn"))
            continue;
        if (op->type == SB_OP_INVOKE) {
            if (!json_is_array(op->value)) {
                sb_err_set(err, "list-append: history index %lld: a txn invocation needs an array "
                                "of micro-ops",
                           (long long)op->index);
                free(pend);
                return -1;
            }
            if (GROW(a, a->txns, a->captxns, a->ntxns + 1))
                break;
            a->txns[a->ntxns] =
                (txn){.index = op->index, .invoke_ns = op->time_ns, .complete_ns = INT64_MAX,
                      .inv = op->value, .ops = op->value, .process = op->process,
                      .outcome = OUT_INFO, .node = NONE};
            pend[op->process] = (uint32_t)a->ntxns++;
        } else if (pend[op->process] != NONE) {
            txn *t = &a->txns[pend[op->process]];
            t->outcome = op->type == SB_OP_OK ? OUT_OK : op->type == SB_OP_FAIL ? OUT_FAIL : OUT_INFO;
            t->complete_ns = op->time_ns;
            if (op->type == SB_OP_OK && json_is_array(op->value))
                t->ops = op->value;
            pend[op->process] = NONE;
        }
    }
    free(pend);
    return a->oom ? -1 : 0;
}

/* The completion is used for reads only when it has the invocation's shape. */
static int same_shape(const json_t *inv, const json_t *done)
{
    if (json_array_size(inv) != json_array_size(done))
        return 0;
    for (size_t i = 0; i < json_array_size(inv); i++) {
        const char *k1, *k2;
        const json_t *a1, *a2;
        int f1 = mop_parse(json_array_get(inv, i), &k1, &a1);
        int f2 = mop_parse(json_array_get(done, i), &k2, &a2);
        if (f1 != f2 || strcmp(k1, k2) || (f1 == MOP_APPEND && !json_equal(a1, a2)))
            return 0;
    }
    return 1;
}

static int collect_mops(la *a, char *err)
{
    for (size_t t = 0; t < a->ntxns; t++) {
        txn *x = &a->txns[t];
        if (x->outcome == OUT_OK && x->ops != x->inv && !same_shape(x->inv, x->ops))
            x->ops = x->inv;
        int reads_known = x->outcome == OUT_OK && x->ops != x->inv;
        x->mop0 = (uint32_t)a->nmops;
        for (size_t i = 0; i < json_array_size(x->inv); i++) {
            const char *key;
            const json_t *arg;
            int kind = mop_parse(json_array_get(x->inv, i), &key, &arg);
            if (kind < 0) {
                sb_err_set(err, "list-append: history index %lld: micro-op %zu is not "
                                "[\"append\", KEY, INT] or [\"r\", KEY, null]",
                           (long long)x->index, i);
                return -1;
            }
            uint32_t k = key_id(a, key);
            if (k == NONE || GROW(a, a->mops, a->capmops, a->nmops + 1))
                return -1;
            mop *m = &a->mops[a->nmops++];
            *m = (mop){.txn = (uint32_t)t, .key = k, .kind = kind, .el = NONE};
            if (kind == MOP_APPEND) {
                if ((m->el = elem_id(a, k, json_integer_value(arg))) == NONE)
                    return -1;
                elem *e = &a->elems[m->el];
                e->writer = e->writer == WRITER_NONE || e->writer == (int32_t)t ? (int32_t)t
                                                                                : WRITER_MANY;
            } else if (reads_known) {
                const json_t *list = json_array_get(json_array_get(x->ops, i), 2);
                m->read = json_is_array(list) ? list : NULL;
            }
        }
        x->nmops = (uint32_t)(a->nmops - x->mop0);
    }
    return 0;
}

/* ====== Internal consistency ====== */

/* A read must equal the txn's previous read of the key plus its appends
 * since, or without a previous read end with all its appends so far. */
static int read_is_internal(const la *a, const txn *x, uint32_t j)
{
    const mop *m = a->mops + x->mop0;
    uint32_t key = m[j].key;
    int64_t prev = -1;
    for (int64_t i = (int64_t)j - 1; i >= 0 && prev < 0; i--)
        if (m[i].kind == MOP_READ && m[i].key == key && m[i].read)
            prev = i;
    size_t na = 0;
    for (uint32_t i = (uint32_t)(prev + 1); i < j; i++)
        na += m[i].kind == MOP_APPEND && m[i].key == key;
    const json_t *list = m[j].read;
    size_t n = json_array_size(list);
    if (prev >= 0) {
        const json_t *pl = m[prev].read;
        if (n != json_array_size(pl) + na)
            return 0;
        for (size_t i = 0; i < json_array_size(pl); i++)
            if (!json_equal(json_array_get(pl, i), json_array_get(list, i)))
                return 0;
    } else if (n < na) {
        return 0;
    }
    size_t at = n - na;
    for (uint32_t i = (uint32_t)(prev + 1); i < j; i++) {
        if (m[i].kind != MOP_APPEND || m[i].key != key)
            continue;
        const json_t *e = json_array_get(list, at++);
        if (!json_is_integer(e) || json_integer_value(e) != a->elems[m[i].el].value)
            return 0;
    }
    return 1;
}

static void check_internal(la *a)
{
    for (size_t t = 0; t < a->ntxns; t++) {
        const txn *x = &a->txns[t];
        if (x->outcome != OUT_OK)
            continue;
        for (uint32_t j = 0; j < x->nmops; j++) {
            const mop *m = &a->mops[x->mop0 + j];
            if (m->kind != MOP_READ || !m->read || read_is_internal(a, x, j))
                continue;
            json_t *ex = txn_json(a, (uint32_t)t);
            json_object_set_new(ex, "key", json_string(a->keys[m->key].name));
            example(a, A_INTERNAL, ex);
            break;
        }
    }
}

/* ====== Version orders ====== */

static int collect_refs(la *a)
{
    for (size_t i = 0; i < a->nmops; i++) {
        const mop *m = &a->mops[i];
        if (m->kind != MOP_READ || !m->read)
            continue;
        if (GROW(a, a->refs, a->caprefs, a->nrefs + 1))
            return -1;
        a->refs[a->nrefs++] = (ref){.key = m->key, .txn = m->txn, .list = m->read};
        int64_t at = a->txns[m->txn].invoke_ns;
        if (at > a->keys[m->key].last_read_ns)
            a->keys[m->key].last_read_ns = at;
    }
    if (a->final) {
        const char *name;
        json_t *list;
        json_object_foreach((json_t *)a->final->value, name, list)
        {
            if (!json_is_array(list))
                continue;
            uint32_t k = key_id(a, name);
            if (k == NONE || GROW(a, a->refs, a->caprefs, a->nrefs + 1))
                return -1;
            a->refs[a->nrefs++] = (ref){.key = k, .txn = NONE, .list = list};
        }
        /* The final read is complete: a key it does not name is empty (the
         * workload reads every key that exists), so an acknowledged append
         * to it is lost too. */
        for (size_t k = 0; k < a->nkeys; k++)
            a->keys[k].has_final = 1;
    }
    /* Group by key (counting sort, stable). */
    ref *sorted = malloc((a->nrefs ? a->nrefs : 1) * sizeof(ref));
    if (!sorted)
        return a->oom = 1, -1;
    for (size_t i = 0; i < a->nrefs; i++)
        a->keys[a->refs[i].key].nref++;
    uint32_t at = 0;
    for (size_t k = 0; k < a->nkeys; k++) {
        a->keys[k].ref0 = at;
        at += a->keys[k].nref;
        a->keys[k].nref = 0;
    }
    for (size_t i = 0; i < a->nrefs; i++) {
        keyinfo *k = &a->keys[a->refs[i].key];
        sorted[k->ref0 + k->nref++] = a->refs[i];
    }
    free(a->refs);
    a->refs = sorted;
    a->caprefs = a->nrefs ? a->nrefs : 1;
    return 0;
}

/* Looks at one element of a read by reader (NONE: the final read):
 * garbage, G1a, duplicates within the read (serial), observation. */
static uint32_t scan_elem(la *a, uint32_t key, const json_t *v, uint32_t reader, int *dup)
{
    if (!json_is_integer(v)) {
        example(a, A_GARBAGE, json_pack("{s:s,s:O,s:I}", "key", a->keys[key].name, "element", v,
                                        "read_by", (json_int_t)reader_index(a, reader)));
        return NONE;
    }
    uint32_t id = elem_id(a, key, json_integer_value(v));
    if (id == NONE)
        return NONE;
    elem *e = &a->elems[id];
    if (e->seen == a->serial) {
        *dup = 1;
        if (!(e->flags & EL_DUP)) {
            e->flags |= EL_DUP;
            example(a, A_DUP, json_pack("{s:s,s:I,s:I}", "key", a->keys[key].name, "element",
                                        (json_int_t)e->value, "read_by",
                                        (json_int_t)reader_index(a, reader)));
        }
    }
    e->seen = a->serial;
    e->flags |= EL_OBSERVED | (reader == NONE ? EL_IN_FINAL : 0);
    if (e->writer == WRITER_NONE && !(e->flags & EL_BAD)) {
        e->flags |= EL_BAD;
        example(a, A_GARBAGE, json_pack("{s:s,s:I,s:I}", "key", a->keys[key].name, "element",
                                        (json_int_t)e->value, "read_by",
                                        (json_int_t)reader_index(a, reader)));
    } else if (e->writer >= 0) {
        txn *w = &a->txns[e->writer];
        if (w->outcome == OUT_INFO)
            w->observed = 1;
        if (w->outcome == OUT_FAIL && !(e->flags & EL_BAD)) {
            e->flags |= EL_BAD;
            example(a, A_G1A,
                    json_pack("{s:s,s:I,s:I,s:I}", "key", a->keys[key].name, "element",
                              (json_int_t)e->value, "writer", (json_int_t)w->index, "read_by",
                              (json_int_t)reader_index(a, reader)));
        }
    }
    return id;
}

/* Length of the common prefix of r and the longest read (lj, elements lel). */
static size_t common_prefix(const la *a, const json_t *lj, const uint32_t *lel, const json_t *r)
{
    size_t n = json_array_size(r), i = 0;
    for (; i < n; i++) {
        const json_t *v = json_array_get(r, i);
        if (lel[i] != NONE ? !json_is_integer(v) || json_integer_value(v) != a->elems[lel[i]].value
                           : !json_equal(v, json_array_get(lj, i)))
            break;
    }
    return i;
}

static json_t *read_json(const la *a, const ref *r, size_t at)
{
    size_t from = at > 3 ? at - 3 : 0;
    return json_pack("{s:I,s:I,s:I,s:o}", "read_by", (json_int_t)reader_index(a, r->txn), "length",
                     (json_int_t)json_array_size(r->list), "from", (json_int_t)from, "elements",
                     slice(r->list, from, at + LA_SHOW));
}

static int analyse_key(la *a, uint32_t k)
{
    keyinfo *ki = &a->keys[k];
    ref *r = a->refs + ki->ref0;
    size_t longest = 0;
    for (size_t i = 1; i < ki->nref; i++)
        if (json_array_size(r[i].list) > json_array_size(r[longest].list))
            longest = i;
    const json_t *lj = r[longest].list;
    size_t ln = json_array_size(lj);
    if (GROW(a, a->lel, a->caplel, a->nlel + ln))
        return -1;
    ki->lel0 = (uint32_t)a->nlel;
    ki->nlel = (uint32_t)ln;
    uint32_t *lel = a->lel + a->nlel;
    a->nlel += ln;
    int dup = 0, incompatible = 0;
    a->serial++;
    for (size_t i = 0; i < ln; i++)
        lel[i] = scan_elem(a, k, json_array_get(lj, i), r[longest].txn, &dup);
    r[longest].prefix = (uint32_t)ln;
    for (size_t i = 0; i < ki->nref && !a->oom; i++) {
        if (i == longest)
            continue;
        size_t n = json_array_size(r[i].list), c = common_prefix(a, lj, lel, r[i].list);
        if (c == n) {
            r[i].prefix = (uint32_t)n;
            for (size_t j = 0; r[i].txn == NONE && j < n; j++)
                if (lel[j] != NONE)
                    a->elems[lel[j]].flags |= EL_IN_FINAL;
            continue;
        }
        r[i].prefix = NONE;
        if (!incompatible++)
            example(a, A_INCOMPAT,
                    json_pack("{s:s,s:I,s:o,s:o}", "key", ki->name, "at", (json_int_t)c, "longest",
                              read_json(a, &r[longest], c), "other", read_json(a, &r[i], c)));
        a->serial++;
        int other_dup = 0;
        for (size_t j = 0; j < n; j++)
            scan_elem(a, k, json_array_get(r[i].list, j), r[i].txn, &other_dup);
    }
    ki->consistent = !dup && !incompatible;
    return a->oom ? -1 : 0;
}

/* Acknowledged appends (and those of info txns known to have run) missing
 * from the final read; without one, never read although a read of the key
 * began after the acknowledgement. */
static void find_lost(la *a)
{
    for (size_t t = 0; t < a->ntxns; t++) {
        const txn *x = &a->txns[t];
        if (x->outcome != OUT_OK && !(x->outcome == OUT_INFO && x->observed))
            continue;
        for (uint32_t j = 0; j < x->nmops; j++) {
            const mop *m = &a->mops[x->mop0 + j];
            if (m->kind != MOP_APPEND)
                continue;
            const elem *e = &a->elems[m->el];
            const keyinfo *ki = &a->keys[m->key];
            int lost = ki->has_final ? !(e->flags & EL_IN_FINAL)
                                     : x->outcome == OUT_OK && !(e->flags & EL_OBSERVED) &&
                                           x->complete_ns < ki->last_read_ns;
            if (!lost)
                continue;
            example(a, A_LOST,
                    json_pack("{s:s,s:I,s:I,s:i,s:s,s:f,s:s}", "key", ki->name, "element",
                              (json_int_t)e->value, "index", (json_int_t)x->index, "process",
                              x->process, "type", history_type_name((sb_op_type)x->outcome), "time_s",
                              (x->outcome == OUT_OK ? x->complete_ns : x->invoke_ns) / 1e9,
                              "missing_from", ki->has_final ? "final read" : "later reads"));
        }
    }
}

/* ====== Dependency graph ====== */

typedef struct graph {
    uint32_t n;
    size_t m;
    uint32_t *off, *from, *to, *key, *node_txn;
    unsigned char *kind;
    /* search scratch */
    uint32_t *stamp, *pedge, *queue, *cyc, gen;
} graph;

static void graph_free(graph *g)
{
    free(g->off), free(g->from), free(g->to), free(g->key), free(g->node_txn), free(g->kind);
    free(g->stamp), free(g->pedge), free(g->queue), free(g->cyc);
}

static uint32_t writer_node(const la *a, uint32_t el)
{
    if (el == NONE || a->elems[el].writer < 0)
        return NONE;
    return a->txns[a->elems[el].writer].node;
}

static int add_edge(la *a, uint32_t from, uint32_t to, uint32_t key, int kind)
{
    if (from == NONE || to == NONE || from == to)
        return 0;
    if (GROW(a, a->edges, a->capedges, a->nedges + 1))
        return -1;
    a->edges[a->nedges++] = (edge){.from = from, .to = to, .key = key, .kind = (unsigned char)kind};
    return 0;
}

static int collect_edges(la *a)
{
    for (uint32_t k = 0; k < a->nkeys; k++) {
        const keyinfo *ki = &a->keys[k];
        if (!ki->consistent)
            continue;
        const uint32_t *lel = a->lel + ki->lel0;
        for (uint32_t i = 0; i + 1 < ki->nlel; i++)
            if (add_edge(a, writer_node(a, lel[i]), writer_node(a, lel[i + 1]), k, EDGE_WW))
                return -1;
        for (uint32_t i = 0; i < ki->nref; i++) {
            const ref *r = &a->refs[ki->ref0 + i];
            if (r->txn == NONE)
                continue; /* the final read is last: in no cycle */
            uint32_t me = a->txns[r->txn].node, p = r->prefix;
            if (p > 0 && add_edge(a, writer_node(a, lel[p - 1]), me, k, EDGE_WR))
                return -1;
            if (p < ki->nlel && add_edge(a, me, writer_node(a, lel[p]), k, EDGE_RW))
                return -1;
        }
    }
    return 0;
}

static int graph_build(la *a, graph *g)
{
    uint32_t n = 0;
    for (size_t t = 0; t < a->ntxns; t++) {
        txn *x = &a->txns[t];
        if (x->outcome == OUT_OK || (x->outcome == OUT_INFO && x->observed))
            x->node = n++;
    }
    g->n = n;
    if (collect_edges(a))
        return -1;
    size_t m = g->m = a->nedges;
    g->off = calloc((size_t)n + 1, sizeof(uint32_t));
    g->node_txn = malloc(((size_t)n + 1) * sizeof(uint32_t));
    g->from = malloc((m + 1) * sizeof(uint32_t));
    g->to = malloc((m + 1) * sizeof(uint32_t));
    g->key = malloc((m + 1) * sizeof(uint32_t));
    g->kind = malloc(m + 1);
    g->stamp = calloc((size_t)n + 1, sizeof(uint32_t));
    g->pedge = malloc(((size_t)n + 1) * sizeof(uint32_t));
    g->queue = malloc(((size_t)n + 1) * sizeof(uint32_t));
    g->cyc = malloc(((size_t)n + 2) * sizeof(uint32_t));
    if (!g->off || !g->node_txn || !g->from || !g->to || !g->key || !g->kind || !g->stamp ||
        !g->pedge || !g->queue || !g->cyc || m >= NONE)
        return a->oom = 1, -1;
    for (size_t t = 0; t < a->ntxns; t++)
        if (a->txns[t].node != NONE)
            g->node_txn[a->txns[t].node] = (uint32_t)t;
    for (size_t i = 0; i < m; i++)
        g->off[a->edges[i].from + 1]++;
    for (uint32_t v = 0; v < n; v++)
        g->off[v + 1] += g->off[v];
    uint32_t *fill = g->pedge; /* scratch: next slot per node */
    memcpy(fill, g->off, (size_t)n * sizeof(uint32_t));
    for (size_t i = 0; i < m; i++) {
        const edge *e = &a->edges[i];
        uint32_t at = fill[e->from]++;
        g->from[at] = e->from, g->to[at] = e->to, g->key[at] = e->key, g->kind[at] = e->kind;
    }
    free(a->edges);
    a->edges = NULL;
    a->nedges = a->capedges = 0;
    return 0;
}

/* Iterative Tarjan over the edges in mask: comp[v], size[c]; returns the
 * number of components, or NONE when out of memory. */
static uint32_t tarjan(const graph *g, unsigned mask, uint32_t *comp, uint32_t *size)
{
    uint32_t n = g->n, next = 0, sp = 0, cp = 0, nc = 0;
    size_t bytes = ((size_t)n + 1) * sizeof(uint32_t);
    uint32_t *idx = malloc(bytes), *low = malloc(bytes), *stk = malloc(bytes),
             *cs = malloc(bytes), *ce = malloc(bytes);
    if (!idx || !low || !stk || !cs || !ce) {
        free(idx), free(low), free(stk), free(cs), free(ce);
        return NONE;
    }
    for (uint32_t v = 0; v < n; v++)
        idx[v] = NONE, comp[v] = NONE;
    for (uint32_t root = 0; root < n; root++) {
        if (idx[root] != NONE)
            continue;
        idx[root] = low[root] = next++;
        stk[sp++] = root;
        cs[cp] = root, ce[cp++] = g->off[root];
        while (cp) {
            uint32_t v = cs[cp - 1], e = ce[cp - 1];
            if (e < g->off[v + 1]) {
                ce[cp - 1]++;
                if (!(mask & (1u << g->kind[e])))
                    continue;
                uint32_t w = g->to[e];
                if (idx[w] == NONE) {
                    idx[w] = low[w] = next++;
                    stk[sp++] = w;
                    cs[cp] = w, ce[cp++] = g->off[w];
                } else if (comp[w] == NONE && idx[w] < low[v]) {
                    low[v] = idx[w]; /* w still on the stack */
                }
                continue;
            }
            if (low[v] == idx[v]) {
                size[nc] = 0;
                uint32_t w;
                do {
                    w = stk[--sp];
                    comp[w] = nc;
                    size[nc]++;
                } while (w != v);
                nc++;
            }
            if (--cp && low[v] < low[cs[cp - 1]])
                low[cs[cp - 1]] = low[v];
        }
    }
    free(idx), free(low), free(stk), free(cs), free(ce);
    return nc;
}

/* Shortest path src -> dst over edges in mask inside src's component,
 * written as edge ids to g->cyc + 1; returns its length, 0 when none. */
static size_t bfs(graph *g, unsigned mask, const uint32_t *comp, uint32_t src, uint32_t dst)
{
    if (++g->gen == 0) {
        memset(g->stamp, 0, (size_t)g->n * sizeof(uint32_t));
        g->gen = 1;
    }
    size_t head = 0, tail = 0;
    g->stamp[src] = g->gen;
    g->queue[tail++] = src;
    while (head < tail) {
        uint32_t v = g->queue[head++];
        for (uint32_t e = g->off[v]; e < g->off[v + 1]; e++) {
            uint32_t w = g->to[e];
            if (!(mask & (1u << g->kind[e])) || comp[w] != comp[src] || g->stamp[w] == g->gen)
                continue;
            g->stamp[w] = g->gen;
            g->pedge[w] = e;
            if (w == dst) {
                size_t len = 0;
                for (uint32_t x = dst; x != src; x = g->from[g->pedge[x]])
                    len++;
                size_t at = len;
                for (uint32_t x = dst; x != src; x = g->from[g->pedge[x]])
                    g->cyc[at--] = g->pedge[x];
                return len;
            }
            g->queue[tail++] = w;
        }
    }
    return 0;
}

/* The least kind among the edges parallel to e. */
static uint32_t best_parallel(const graph *g, uint32_t e)
{
    uint32_t best = e, v = g->from[e];
    for (uint32_t f = g->off[v]; f < g->off[v + 1]; f++)
        if (g->to[f] == g->to[e] && g->kind[f] < g->kind[best])
            best = f;
    return best;
}

/* Names the cycle g->cyc[0..len) by its edges, each taken as the least
 * kind among its parallel edges. */
static int classify(graph *g, size_t len)
{
    int rw = 0, wr = 0;
    for (size_t i = 0; i < len; i++) {
        g->cyc[i] = best_parallel(g, g->cyc[i]);
        rw += g->kind[g->cyc[i]] == EDGE_RW;
        wr += g->kind[g->cyc[i]] == EDGE_WR;
    }
    return rw > 1 ? A_G2 : rw ? A_GSINGLE : wr ? A_G1C : A_G0;
}

static void record_cycle(la *a, graph *g, size_t len, int cls)
{
    if (!wants_example(a, cls)) {
        a->count[cls]++;
        return;
    }
    json_t *steps = json_array();
    for (size_t i = 0; i < len && i < LA_CYCLE_SHOW; i++) {
        uint32_t e = g->cyc[i];
        json_t *s = txn_json(a, g->node_txn[g->from[e]]);
        json_object_set_new(s, "edge", json_string(edge_names[g->kind[e]]));
        json_object_set_new(s, "key", json_string(a->keys[g->key[e]].name));
        json_array_append_new(steps, s);
    }
    /* Each step's edge leads to the next step's txn (the last to the first). */
    example(a, cls, json_pack("{s:I,s:o}", "length", (json_int_t)len, "cycle", steps));
}

/* Looks for the shortest cycle through edge e inside comp over mask and
 * records it when its class is one of want (bits). Returns 1 if recorded. */
static int cycle_through(la *a, graph *g, uint32_t e, unsigned mask, const uint32_t *comp,
                         unsigned want)
{
    size_t len = bfs(g, mask, comp, g->to[e], g->from[e]);
    if (!len)
        return 0;
    g->cyc[0] = e; /* cyc[1..len] holds the way back */
    int cls = classify(g, len + 1);
    if (!(want & (1u << cls)))
        return 0;
    record_cycle(a, g, len + 1, cls);
    return 1;
}

/* Per component: G0 in the ww graph, G1c in the ww+wr graph, and through
 * rw edges a cycle with one rw if one is found, else one with several. */
static int find_cycles(la *a, graph *g)
{
    uint32_t n = g->n;
    size_t bytes = ((size_t)n + 1) * sizeof(uint32_t);
    uint32_t *c_all = malloc(bytes), *s_all = malloc(bytes), *c_ww = malloc(bytes),
             *s_ww = malloc(bytes), *c_wr = malloc(bytes), *s_wr = malloc(bytes),
             *tries = calloc((size_t)n + 1, sizeof(uint32_t));
    unsigned char *done = calloc((size_t)n + 1, 1);
    int rc = -1;
    if (!c_all || !s_all || !c_ww || !s_ww || !c_wr || !s_wr || !tries || !done)
        goto out;
    uint32_t nc = tarjan(g, M_ALL, c_all, s_all);
    if (nc == NONE)
        goto out;
    if (nc == n) { /* acyclic: nothing more to look for */
        rc = 0;
        goto out;
    }
    if (tarjan(g, M_WW, c_ww, s_ww) == NONE || tarjan(g, M_WW | M_WR, c_wr, s_wr) == NONE)
        goto out;
    for (uint32_t e = 0; e < g->m; e++) { /* G0 */
        uint32_t c = c_ww[g->from[e]];
        if (g->kind[e] == EDGE_WW && c == c_ww[g->to[e]] && !done[c]) {
            done[c] = 1;
            cycle_through(a, g, e, M_WW, c_ww, 1u << A_G0);
        }
    }
    memset(done, 0, (size_t)n + 1);
    for (uint32_t e = 0; e < g->m; e++) { /* G1c */
        uint32_t c = c_wr[g->from[e]];
        if (g->kind[e] == EDGE_WR && c == c_wr[g->to[e]] && !done[c])
            done[c] = (unsigned char)cycle_through(a, g, e, M_WW | M_WR, c_wr, 1u << A_G1C);
    }
    memset(done, 0, (size_t)n + 1);
    for (int pass = 0; pass < 3; pass++)
        for (uint32_t e = 0; e < g->m; e++) {
            uint32_t u = g->from[e], v = g->to[e], c = c_all[u];
            if (g->kind[e] != EDGE_RW || c != c_all[v] || done[c])
                continue;
            if (pass == 0 && c_wr[u] == c_wr[v]) /* the way back needs no rw */
                done[c] = (unsigned char)cycle_through(a, g, e, M_WW | M_WR, c_wr, 1u << A_GSINGLE);
            else if (pass == 1 && tries[c] < LA_G_SINGLE_TRIES && ++tries[c])
                done[c] = (unsigned char)cycle_through(a, g, e, M_WW | M_WR, c_all, 1u << A_GSINGLE);
            else if (pass == 2)
                done[c] = 1 | cycle_through(a, g, e, M_ALL, c_all, 1u << A_GSINGLE | 1u << A_G2);
        }
    rc = 0;
out:
    if (rc)
        a->oom = 1;
    free(c_all), free(s_all), free(c_ww), free(s_ww), free(c_wr), free(s_wr), free(tries);
    free(done);
    return rc;
}

/* ====== The checker ====== */

static void la_free(la *a)
{
    free(a->txns), free(a->mops), free(a->elems), free(a->eslots), free(a->keys);
    free(a->kslots), free(a->refs), free(a->lel), free(a->edges);
    for (int c = 0; c < A_N; c++)
        json_decref(a->examples[c]);
}

static int la_run(la *a, char *err)
{
    if (collect_txns(a, err) || collect_mops(a, err))
        return -1;
    check_internal(a);
    if (collect_refs(a))
        return -1;
    for (uint32_t k = 0; k < a->nkeys; k++)
        if (a->keys[k].nref && analyse_key(a, k))
            return -1;
    find_lost(a);
    graph g = {0};
    int rc = graph_build(a, &g) || find_cycles(a, &g) ? -1 : 0;
    graph_free(&g);
    return rc;
}

static void la_report(la *a, sb_check_result *out)
{
    long long n[4] = {0};
    for (size_t t = 0; t < a->ntxns; t++)
        n[a->txns[t].outcome]++;
    json_t *fig = json_object(), *anomalies = json_object();
    json_object_set_new(fig, "txns", json_integer((json_int_t)a->ntxns));
    json_object_set_new(fig, "ok", json_integer(n[OUT_OK]));
    json_object_set_new(fig, "fail", json_integer(n[OUT_FAIL]));
    json_object_set_new(fig, "info", json_integer(n[OUT_INFO]));
    json_object_set_new(fig, "keys", json_integer((json_int_t)a->nkeys));
    sb_buf s;
    sb_buf_init(&s);
    long long total = 0;
    for (int c = 0; c < A_N; c++) {
        json_object_set_new(fig, count_names[c], json_integer(a->count[c]));
        if (!a->count[c])
            continue;
        json_object_set(anomalies, class_names[c], a->examples[c]);
        sb_buf_printf(&s, "%s%lld %s", total ? ", " : "", a->count[c], summary_names[c]);
        total += a->count[c];
    }
    json_object_set_new(fig, "anomalies", anomalies);
    out->figures = fig;
    out->verdict = total ? SB_VERDICT_INVALID : n[OUT_OK] ? SB_VERDICT_VALID : SB_VERDICT_UNKNOWN;
    snprintf(out->summary, sizeof(out->summary), "%s%s %zu txns (%lld ok) over %zu keys%s",
             total ? s.data : "no anomaly", total ? ";" : " in", a->ntxns, n[OUT_OK], a->nkeys,
             a->final ? "" : ", no final read");
    sb_buf_free(&s);
}

static int listappend_check(const sb_history *h, sb_check_result *out, char *err)
{
    la a = {.h = h};
    for (int c = 0; c < A_N; c++)
        a.examples[c] = json_array();
    int rc = la_run(&a, err);
    if (rc == 0 && !a.oom)
        la_report(&a, out);
    else if (a.oom)
        sb_err_set(err, "list-append: out of memory (%zu txns)", a.ntxns);
    la_free(&a);
    return rc || a.oom ? -1 : 0;
}

static const char *const listappend_figures[] = {
    "txns",          "ok",             "fail",          "info",
    "keys",          "lost_count",     "duplicate_count", "incompatible_order_count",
    "g1a_count",     "internal_count", "garbage_count", "g0_count",
    "g1c_count",     "g_single_count", "g2_count",      NULL};

static int listappend_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, "txn");
}

const sb_checker sb_checker_listappend = {
    .name = "list-append",
    .description = "Elle's list-append: transactions over lists are serializable, nothing lost",
    .figures = listappend_figures,
    .check = listappend_check,
    .applies = listappend_applies,
    .what_it_reads = "list-append transactions (f \"txn\")",
};
