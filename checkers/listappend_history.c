/* listappend_history.c -- list-append: from the history to transactions,
 * micro-ops and elements.
 *
 * Each worker's txn invocation is paired with its process's next
 * completion (one never completed stays info). The final read (process
 * controller, f "read", ok, {"k": [...], ...}) becomes one more committed
 * transaction: a read of every key, and of the empty list for every key it
 * does not name (the workload reads every key that exists). A controller op
 * LA_CONFIG_F ({"model": "strict-serializable"}) names the consistency
 * model the history is judged by; without one it is serializable. The
 * list-append workload records strict-serializable (a Redis master promises
 * its clients real-time order; Elle's default too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listappend_internal.h"

#define LA_MAX_PROCESS (1 << 24)
#define LA_SHOW 8 /* list elements shown in examples */

/* ====== Small helpers ====== */

void *la_realloc(void *p, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = sb_xrealloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

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

/* Open-addressing table of indices (+1) into keys or elems; rebuilt at
 * half load. */
static int slots_rehash(la *a, uint32_t **slots, size_t *cap, size_t n, int elems_table)
{
    size_t c = *cap ? *cap * 2 : 256;
    uint32_t *s = calloc(c, sizeof(uint32_t));
    if (!s)
        return a->oom = 1, -1;
    for (size_t i = 0; i < n; i++) {
        uint64_t h =
            elems_table ? elem_hash(a->elems[i].key, a->elems[i].value) : hash_str(a->keys[i].name);
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

uint32_t la_key_id(la *a, const char *name)
{
    if ((a->nkeys + 1) * 2 > a->kcap && slots_rehash(a, &a->kslots, &a->kcap, a->nkeys, 0))
        return LA_NONE;
    size_t j = hash_str(name) & (a->kcap - 1);
    for (; a->kslots[j]; j = (j + 1) & (a->kcap - 1))
        if (!strcmp(a->keys[a->kslots[j] - 1].name, name))
            return a->kslots[j] - 1;
    if (LA_GROW(a, a->keys, a->capkeys, a->nkeys + 1))
        return LA_NONE;
    a->keys[a->nkeys] = (la_key){.name = name};
    a->kslots[j] = (uint32_t)++a->nkeys;
    return (uint32_t)a->nkeys - 1;
}

/* The element (key, value), created writerless when new. */
uint32_t la_elem_id(la *a, uint32_t key, int64_t value)
{
    if ((a->nelems + 1) * 2 > a->ecap && slots_rehash(a, &a->eslots, &a->ecap, a->nelems, 1))
        return LA_NONE;
    size_t j = elem_hash(key, value) & (a->ecap - 1);
    for (; a->eslots[j]; j = (j + 1) & (a->ecap - 1)) {
        const la_elem *e = &a->elems[a->eslots[j] - 1];
        if (e->key == key && e->value == value)
            return a->eslots[j] - 1;
    }
    if (a->nelems >= LA_WRITER_MANY - 1 || LA_GROW(a, a->elems, a->capelems, a->nelems + 1))
        return a->oom = 1, LA_NONE;
    a->elems[a->nelems] = (la_elem){.value = value, .key = key, .writer = LA_NONE, .pos = LA_NONE};
    a->eslots[j] = (uint32_t)++a->nelems;
    return (uint32_t)a->nelems - 1;
}

int la_wants_example(const la *a, int cls)
{
    return json_array_size(a->examples[cls]) < LA_EXAMPLES;
}

void la_example(la *a, int cls, json_t *ex)
{
    a->count[cls]++;
    a->found |= LA_BIT(cls);
    if (ex && la_wants_example(a, cls))
        json_array_append_new(a->examples[cls], ex);
    else
        json_decref(ex);
}

int64_t la_reader_index(const la *a, uint32_t t)
{
    return a->txns[t].index;
}

/* list[from, to) (clamped) as a new array. */
json_t *la_slice(const json_t *list, size_t from, size_t to)
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
        json_t *cut = la_slice(list, n - LA_SHOW, n);
        char note[48];
        snprintf(note, sizeof(note), "(%zu earlier)", n - LA_SHOW);
        json_array_insert_new(cut, 0, json_string(note));
        json_array_append_new(out,
                              json_pack("[OOo]", json_array_get(m, 0), json_array_get(m, 1), cut));
    }
    return out;
}

json_t *la_txn_json(const la *a, uint32_t t)
{
    const la_txn *x = &a->txns[t];
    if (x->final)
        return json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)x->index, "process",
                         "controller", "type", "ok", "ops", "final read");
    return json_pack("{s:I,s:i,s:s,s:o}", "index", (json_int_t)x->index, "process", x->process,
                     "type", history_type_name((sb_op_type)x->outcome), "ops", ops_json(x->ops));
}

/* ====== Transactions ====== */

/* ["append", key, int] or ["r", key, list|null]: the kind, or -1. */
static int mop_parse(const json_t *m, const char **key, const json_t **arg)
{
    *key = NULL;
    *arg = NULL;
    if (!json_is_array(m) || json_array_size(m) != 3)
        return -1;
    const char *f = json_string_value(json_array_get(m, 0));
    *key = json_string_value(json_array_get(m, 1));
    *arg = json_array_get(m, 2);
    if (!f || !*key)
        return -1;
    if (!strcmp(f, "append"))
        return json_is_integer(*arg) ? LA_APPEND : -1;
    return !strcmp(f, "r") ? LA_READ : -1;
}

/* The model named by a config op: 0, or -1 with err set. */
static int parse_config(la *a, const sb_op *op, char *err)
{
    const char *name = json_string_value(json_object_get(op->value, "model"));
    int m = name ? la_model_find(name) : -1;
    if (m < 0) {
        char names[1024];
        la_model_names(names, sizeof(names));
        sb_err_set(err,
                   "list-append: history index %lld: %s needs {\"model\": NAME}, NAME one of: %s",
                   (long long)op->index, LA_CONFIG_F, names);
        return -1;
    }
    a->model = m;
    return 0;
}

/* The controller's read: the last ok one with an object of lists. */
static void note_final(la *a, size_t i)
{
    const sb_op *op = &a->h->ops[i];
    if (op->process != SB_PROC_CONTROLLER || strcmp(op->f, "read"))
        return;
    if (op->type == SB_OP_OK && json_is_object(op->value))
        a->final = op;
}

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
        pend[p] = LA_NONE;
    for (size_t i = 0; i < h->n && !a->oom; i++) {
        const sb_op *op = &h->ops[i];
        note_final(a, i);
        if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK &&
            !strcmp(op->f, LA_CONFIG_F) && parse_config(a, op, err)) {
            free(pend);
            return -1;
        }
        if (op->process < 0 || strcmp(op->f, "txn"))
            continue;
        if (op->type == SB_OP_INVOKE) {
            if (!json_is_array(op->value)) {
                sb_err_set(err,
                           "list-append: history index %lld: a txn invocation needs an array "
                           "of micro-ops",
                           (long long)op->index);
                free(pend);
                return -1;
            }
            if (LA_GROW(a, a->txns, a->captxns, a->ntxns + 1))
                break;
            a->txns[a->ntxns] = (la_txn){.index = op->index,
                                         .invoke_at = (int64_t)i,
                                         .complete_at = -1,
                                         .invoke_ns = op->time_ns,
                                         .complete_ns = INT64_MAX,
                                         .inv = op->value,
                                         .ops = op->value,
                                         .process = op->process,
                                         .outcome = LA_INFO,
                                         .node = LA_NONE};
            pend[op->process] = (uint32_t)a->ntxns++;
        } else if (pend[op->process] != LA_NONE) {
            la_txn *t = &a->txns[pend[op->process]];
            t->outcome = op->type == SB_OP_OK ? LA_OK : op->type == SB_OP_FAIL ? LA_FAIL : LA_INFO;
            t->complete_ns = op->time_ns;
            t->complete_at = (int64_t)i;
            if (op->type == SB_OP_OK && json_is_array(op->value))
                t->ops = op->value;
            pend[op->process] = LA_NONE;
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
        if (f1 < 0 || f1 != f2 || strcmp(k1, k2) || (f1 == LA_APPEND && !json_equal(a1, a2)))
            return 0;
    }
    return 1;
}

static int add_mop(la *a, uint32_t t, uint32_t key, int kind, const json_t *read)
{
    if (key == LA_NONE || LA_GROW(a, a->mops, a->capmops, a->nmops + 1))
        return -1;
    a->mops[a->nmops++] =
        (la_mop){.txn = t, .key = key, .kind = kind, .el = LA_NONE, .last = LA_NONE, .read = read};
    return 0;
}

static int collect_mops(la *a, char *err)
{
    for (size_t t = 0; t < a->ntxns; t++) {
        la_txn *x = &a->txns[t];
        if (x->outcome == LA_OK && x->ops != x->inv && !same_shape(x->inv, x->ops))
            x->ops = x->inv;
        int reads_known = x->outcome == LA_OK && x->ops != x->inv;
        x->mop0 = (uint32_t)a->nmops;
        for (size_t i = 0; i < json_array_size(x->inv); i++) {
            const char *key;
            const json_t *arg;
            int kind = mop_parse(json_array_get(x->inv, i), &key, &arg);
            if (kind < 0) {
                sb_err_set(err,
                           "list-append: history index %lld: micro-op %zu is not "
                           "[\"append\", KEY, INT] or [\"r\", KEY, null]",
                           (long long)x->index, i);
                return -1;
            }
            const json_t *list = NULL;
            if (kind == LA_READ && reads_known) {
                list = json_array_get(json_array_get(x->ops, i), 2);
                list = json_is_array(list) ? list : NULL;
            }
            if (add_mop(a, (uint32_t)t, la_key_id(a, key), kind, list))
                return -1;
            if (kind != LA_APPEND)
                continue;
            la_mop *m = &a->mops[a->nmops - 1];
            if ((m->el = la_elem_id(a, m->key, json_integer_value(arg))) == LA_NONE)
                return -1;
            la_elem *e = &a->elems[m->el];
            e->writer =
                e->writer == LA_NONE || e->writer == (uint32_t)t ? (uint32_t)t : LA_WRITER_MANY;
        }
        x->nmops = (uint32_t)(a->nmops - x->mop0);
    }
    return 0;
}

/* ====== The final read ====== */

/* Where the final read was invoked: its controller invocation just before. */
static int64_t final_invoked_at(const la *a)
{
    int64_t at = a->final - a->h->ops;
    for (int64_t i = at - 1; i >= 0; i--) {
        const sb_op *op = &a->h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "read"))
            return op->type == SB_OP_INVOKE ? i : at;
    }
    return at;
}

static int collect_final(la *a)
{
    if (!a->final)
        return 0;
    if (LA_GROW(a, a->txns, a->captxns, a->ntxns + 1) || !(a->empty = json_array()))
        return a->oom = 1, -1;
    int64_t at = a->final - a->h->ops, inv = final_invoked_at(a);
    uint32_t t = (uint32_t)a->ntxns++;
    a->txns[t] = (la_txn){.index = a->final->index,
                          .invoke_at = inv,
                          .complete_at = at,
                          .invoke_ns = a->h->ops[inv].time_ns,
                          .complete_ns = a->final->time_ns,
                          .inv = a->final->value,
                          .ops = a->final->value,
                          .process = SB_PROC_CONTROLLER,
                          .outcome = LA_OK,
                          .node = LA_NONE,
                          .final = 1,
                          .mop0 = (uint32_t)a->nmops};
    size_t named = a->nkeys;
    unsigned char *seen = calloc(named + 1, 1);
    if (!seen)
        return a->oom = 1, -1;
    const char *name;
    json_t *list;
    json_object_foreach((json_t *)a->final->value, name, list)
    {
        if (!json_is_array(list))
            continue;
        uint32_t k = la_key_id(a, name);
        if (add_mop(a, t, k, LA_READ, list)) {
            free(seen);
            return -1;
        }
        if (k < named)
            seen[k] = 1;
    }
    /* A key the final read does not name is empty. */
    for (uint32_t k = 0; k < named; k++)
        if (!seen[k] && add_mop(a, t, k, LA_READ, a->empty)) {
            free(seen);
            return -1;
        }
    free(seen);
    a->txns[t].nmops = (uint32_t)(a->nmops - a->txns[t].mop0);
    return 0;
}

int la_collect(la *a, char *err)
{
    if (collect_txns(a, err) || collect_mops(a, err) || collect_final(a))
        return -1;
    return a->oom ? -1 : 0;
}
