/* listappend_reads.c -- list-append: what each transaction and each read
 * shows on its own, and every key's version order.
 *
 * Per committed transaction (Elle's internal-cases and lost-update-cases):
 * - internal: a read must equal the txn's previous read of the key plus
 *   its appends since, or end with all its appends so far;
 * - future-read: a read must not hold an element the txn appends later;
 * - lost-update: two transactions read the same state of a key and both
 *   appended to it.
 * Per key: every read is the list at one point of the key's single history,
 * so all reads must be prefixes of the longest, whose distinct elements are
 * the version order. Reads that diverge (incompatible-order, both reads
 * reported), hold an element twice (duplicate-elements) or one nobody
 * appended (garbage) or only a failed txn appended (G1a), or end with an
 * append its writer followed with another to the key (G1b), break that.
 * Along the order, a committed append right after failed ones (only info
 * ones between) is a dirty-update. Committed appends no read shows are
 * kept per key: they follow the whole order (Elle's inference). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listappend_internal.h"

static int committed(const la_txn *x)
{
    return x->outcome == LA_OK || (x->outcome == LA_INFO && x->observed);
}

static int64_t elem_value_at(const json_t *list, size_t i, int *is_int)
{
    const json_t *v = json_array_get(list, i);
    *is_int = json_is_integer(v);
    return *is_int ? json_integer_value(v) : 0;
}

/* ====== Inside one transaction ====== */

/* The state expected of read j: the previous read plus the appends since,
 * or, without a previous read, a list ending with the appends so far.
 * Returns 1 when read j matches; fills *expected (new) when it does not. */
static int read_is_internal(const la *a, const la_txn *x, uint32_t j, json_t **expected)
{
    const la_mop *m = a->mops + x->mop0;
    uint32_t key = m[j].key;
    int64_t prev = -1;
    for (int64_t i = (int64_t)j - 1; i >= 0 && prev < 0; i--)
        if (m[i].kind == LA_READ && m[i].key == key && m[i].read)
            prev = i;
    json_t *want = prev >= 0 ? json_copy((json_t *)m[prev].read) : json_pack("[s]", "...");
    for (uint32_t i = (uint32_t)(prev + 1); i < j; i++)
        if (m[i].kind == LA_APPEND && m[i].key == key)
            json_array_append_new(want, json_integer(a->elems[m[i].el].value));
    const json_t *list = m[j].read;
    size_t n = json_array_size(list), w = json_array_size(want);
    int ok;
    if (prev >= 0)
        ok = json_equal(want, (json_t *)list);
    else if (w == 1)
        ok = 1; /* nothing known yet */
    else {
        ok = n + 1 >= w;
        for (size_t i = 1; ok && i < w; i++)
            ok = json_equal(json_array_get(want, i), json_array_get(list, n - (w - i)));
    }
    if (ok)
        json_decref(want);
    else
        *expected = want;
    return ok;
}

static void check_internal(la *a, uint32_t t)
{
    const la_txn *x = &a->txns[t];
    for (uint32_t j = 0; j < x->nmops; j++) {
        const la_mop *m = &a->mops[x->mop0 + j];
        json_t *want = NULL;
        if (m->kind != LA_READ || !m->read || read_is_internal(a, x, j, &want))
            continue;
        json_t *ex = NULL;
        if (la_wants_example(a, LA_INTERNAL)) {
            ex = la_txn_json(a, t);
            json_object_set_new(ex, "key", json_string(a->keys[m->key].name));
            json_object_set_new(ex, "read", json_deep_copy(m->read));
            json_object_set(ex, "expected", want);
        }
        json_decref(want);
        la_example(a, LA_INTERNAL, ex);
        return;
    }
}

/* A read holding an element the txn appends to the key later. */
static void check_future_read(la *a, uint32_t t)
{
    const la_txn *x = &a->txns[t];
    const la_mop *m = a->mops + x->mop0;
    for (uint32_t j = 0; j < x->nmops; j++) {
        if (m[j].kind != LA_READ || !m[j].read)
            continue;
        for (uint32_t i = j + 1; i < x->nmops; i++) {
            if (m[i].kind != LA_APPEND || m[i].key != m[j].key)
                continue;
            int64_t v = a->elems[m[i].el].value;
            for (size_t k = 0; k < json_array_size(m[j].read); k++) {
                int is_int;
                if (elem_value_at(m[j].read, k, &is_int) != v || !is_int)
                    continue;
                json_t *ex = NULL;
                if (la_wants_example(a, LA_FUTURE)) {
                    ex = la_txn_json(a, t);
                    json_object_set_new(ex, "key", json_string(a->keys[m[j].key].name));
                    json_object_set_new(ex, "element", json_integer(v));
                }
                la_example(a, LA_FUTURE, ex);
                return;
            }
        }
    }
}

/* ====== Lost updates ====== */

typedef struct lu {
    uint32_t key, txn;
    const json_t *read;
} lu;

static int lu_cmp(const void *pa, const void *pb)
{
    const lu *x = pa, *y = pb;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    size_t nx = json_array_size(x->read), ny = json_array_size(y->read);
    if (nx != ny)
        return nx < ny ? -1 : 1;
    for (size_t i = nx; i-- > 0;) {
        int ix, iy;
        int64_t vx = elem_value_at(x->read, i, &ix), vy = elem_value_at(y->read, i, &iy);
        if (vx != vy || ix != iy)
            return vx < vy || (vx == vy && ix < iy) ? -1 : 1;
    }
    return x->txn < y->txn ? -1 : x->txn > y->txn;
}

/* Each txn's first read of a key followed by an append to it. */
static int collect_lost_update(la *a, uint32_t t, lu **v, size_t *n, size_t *cap)
{
    const la_txn *x = &a->txns[t];
    const la_mop *m = a->mops + x->mop0;
    for (uint32_t j = 0; j < x->nmops; j++) {
        if (m[j].kind != LA_READ || !m[j].read)
            continue;
        int first = 1, appended = 0;
        for (uint32_t i = 0; i < x->nmops && first; i++)
            first = i >= j || m[i].key != m[j].key || m[i].kind != LA_READ || !m[i].read;
        for (uint32_t i = j + 1; i < x->nmops && !appended; i++)
            appended = m[i].kind == LA_APPEND && m[i].key == m[j].key;
        if (!first || !appended)
            continue;
        if (LA_GROW(a, *v, *cap, *n + 1))
            return -1;
        (*v)[(*n)++] = (lu){.key = m[j].key, .txn = t, .read = m[j].read};
    }
    return 0;
}

static void report_lost_updates(la *a, lu *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(lu), lu_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].key == v[i].key &&
               json_equal((json_t *)v[j].read, (json_t *)v[i].read))
            j++;
        if (j - i >= 2) {
            json_t *ex = NULL;
            if (la_wants_example(a, LA_LOST_UPDATE)) {
                json_t *txns = json_array();
                for (size_t k = i; k < j && k < i + 8; k++)
                    json_array_append_new(txns, la_txn_json(a, v[k].txn));
                ex = json_pack("{s:s,s:O,s:o}", "key", a->keys[v[i].key].name, "value", v[i].read,
                               "txns", txns);
            }
            la_example(a, LA_LOST_UPDATE, ex);
        }
        i = j;
    }
}

void la_check_txns(la *a)
{
    lu *v = NULL;
    size_t n = 0, cap = 0;
    for (uint32_t t = 0; t < a->ntxns && !a->oom; t++) {
        const la_txn *x = &a->txns[t];
        if (x->outcome != LA_OK || x->final)
            continue;
        check_internal(a, t);
        check_future_read(a, t);
        collect_lost_update(a, t, &v, &n, &cap);
    }
    if (!a->oom)
        report_lost_updates(a, v, n);
    free(v);
}

/* ====== Reading the elements of a read ====== */

/* Marks the appends each txn follows with another to the same key. */
static void mark_intermediate(la *a)
{
    for (size_t t = 0; t < a->ntxns; t++) {
        const la_txn *x = &a->txns[t];
        const la_mop *m = a->mops + x->mop0;
        for (uint32_t i = 0; i < x->nmops; i++)
            for (uint32_t j = i + 1; j < x->nmops && m[i].kind == LA_APPEND; j++)
                if (m[j].kind == LA_APPEND && m[j].key == m[i].key) {
                    a->elems[m[i].el].flags |= LA_EL_INTERMEDIATE;
                    break;
                }
    }
}

static int aborted(const la *a, uint32_t id)
{
    const la_elem *e = &a->elems[id];
    return e->writer < LA_WRITER_MANY && a->txns[e->writer].outcome == LA_FAIL;
}

static void report_g1a(la *a, uint32_t mop, uint32_t id)
{
    const la_elem *e = &a->elems[id];
    json_t *ex = NULL;
    if (la_wants_example(a, LA_G1A))
        ex = json_pack("{s:s,s:I,s:I,s:I}", "key", a->keys[e->key].name, "element",
                       (json_int_t)e->value, "writer", (json_int_t)a->txns[e->writer].index,
                       "read_by", (json_int_t)la_reader_index(a, a->mops[mop].txn));
    la_example(a, LA_G1A, ex);
}

static void report_garbage(la *a, uint32_t mop, const json_t *v)
{
    json_t *ex = NULL;
    if (la_wants_example(a, LA_GARBAGE))
        ex = json_pack("{s:s,s:O,s:I}", "key", a->keys[a->mops[mop].key].name, "element", v,
                       "read_by", (json_int_t)la_reader_index(a, a->mops[mop].txn));
    la_example(a, LA_GARBAGE, ex);
}

/* One element of a read scanned on its own: its id (LA_NONE if not an
 * integer), garbage, observation, duplicates within the read (serial). */
static uint32_t scan_elem(la *a, uint32_t mop, size_t i, int *dup)
{
    const la_mop *m = &a->mops[mop];
    const json_t *v = json_array_get(m->read, i);
    if (!json_is_integer(v)) {
        report_garbage(a, mop, v);
        return LA_NONE;
    }
    uint32_t id = la_elem_id(a, m->key, json_integer_value(v));
    if (id == LA_NONE)
        return LA_NONE;
    la_elem *e = &a->elems[id];
    *dup |= e->seen == a->serial;
    e->seen = a->serial;
    if (e->writer == LA_NONE && !(e->flags & LA_EL_BAD)) {
        e->flags |= LA_EL_BAD;
        report_garbage(a, mop, v);
    } else if (e->writer < LA_WRITER_MANY && a->txns[e->writer].outcome == LA_INFO) {
        a->txns[e->writer].observed = 1;
    }
    return id;
}

static void report_dup(la *a, uint32_t mop)
{
    json_t *ex = NULL;
    if (la_wants_example(a, LA_DUP)) {
        const la_mop *m = &a->mops[mop];
        size_t n = json_array_size(m->read);
        ex = json_pack("{s:s,s:I,s:I,s:o}", "key", a->keys[m->key].name, "read_by",
                       (json_int_t)la_reader_index(a, m->txn), "length", (json_int_t)n, "elements",
                       la_slice(m->read, n > 16 ? n - 16 : 0, n));
    }
    la_example(a, LA_DUP, ex);
}

/* ====== Version orders ====== */

static json_t *read_json(const la *a, uint32_t mop, size_t at)
{
    const la_mop *m = &a->mops[mop];
    size_t from = at > 3 ? at - 3 : 0;
    return json_pack("{s:I,s:I,s:I,s:o}", "read_by", (json_int_t)la_reader_index(a, m->txn),
                     "length", (json_int_t)json_array_size(m->read), "from", (json_int_t)from,
                     "elements", la_slice(m->read, from, at + 8));
}

/* Length of the common prefix of read r and the longest read L (ids lid). */
static size_t common_prefix(const la *a, const json_t *L, const uint32_t *lid, const json_t *r)
{
    size_t n = json_array_size(r), i = 0;
    for (; i < n; i++) {
        const json_t *v = json_array_get(r, i);
        if (lid[i] != LA_NONE
                ? !json_is_integer(v) || json_integer_value(v) != a->elems[lid[i]].value
                : !json_equal(v, json_array_get(L, i)))
            break;
    }
    return i;
}

/* A read that is not a prefix of the longest: each element on its own. */
static void scan_other(la *a, uint32_t mop)
{
    la_mop *m = &a->mops[mop];
    size_t n = json_array_size(m->read);
    int dup = 0;
    a->serial++;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = scan_elem(a, mop, i, &dup);
        if (id != LA_NONE && aborted(a, id))
            report_g1a(a, mop, id);
        if (i + 1 == n)
            m->last = id;
    }
    if (dup)
        report_dup(a, mop);
}

/* The reads of key k (mops r[0..nr)): the longest gives the order. */
static int key_order(la *a, uint32_t k, const uint32_t *r, size_t nr, uint32_t *lid)
{
    la_key *ki = &a->keys[k];
    size_t longest = 0;
    for (size_t i = 1; i < nr; i++)
        if (json_array_size(a->mops[r[i]].read) > json_array_size(a->mops[r[longest]].read))
            longest = i;
    const json_t *L = a->mops[r[longest]].read;
    size_t ln = json_array_size(L), first_dup = ln;
    if (LA_GROW(a, a->order, a->caporder, a->norder + ln))
        return -1;
    ki->order0 = (uint32_t)a->norder;
    a->serial++;
    for (size_t i = 0; i < ln; i++) {
        int dup = 0;
        lid[i] = scan_elem(a, r[longest], i, &dup);
        if (dup && first_dup == ln)
            first_dup = i;
        if (lid[i] != LA_NONE && !dup) {
            a->elems[lid[i]].pos = (uint32_t)(a->norder - ki->order0);
            a->order[a->norder++] = lid[i];
        }
    }
    ki->norder = (uint32_t)(a->norder - ki->order0);
    int incompatible = 0;
    for (size_t i = 0; i < nr && !a->oom; i++) {
        la_mop *m = &a->mops[r[i]];
        size_t n = json_array_size(m->read), c = common_prefix(a, L, lid, m->read);
        if (c < n) {
            if (!incompatible++) {
                json_t *ex = NULL;
                if (la_wants_example(a, LA_INCOMPAT))
                    ex = json_pack("{s:s,s:I,s:[oo]}", "key", ki->name, "at", (json_int_t)c,
                                   "reads", read_json(a, r[i], c), read_json(a, r[longest], c));
                la_example(a, LA_INCOMPAT, ex);
            }
            scan_other(a, r[i]);
            continue;
        }
        m->last = n ? lid[n - 1] : LA_NONE;
        if (n > first_dup)
            report_dup(a, r[i]);
        for (size_t j = 0; j < n; j++)
            if (lid[j] != LA_NONE && aborted(a, lid[j]))
                report_g1a(a, r[i], lid[j]);
    }
    return a->oom ? -1 : 0;
}

/* A read ending with an append its writer followed by another to the key. */
static void check_g1b(la *a, uint32_t mop)
{
    const la_mop *m = &a->mops[mop];
    if (m->last == LA_NONE)
        return;
    const la_elem *e = &a->elems[m->last];
    if (!(e->flags & LA_EL_INTERMEDIATE) || e->writer >= LA_WRITER_MANY || e->writer == m->txn)
        return;
    json_t *ex = NULL;
    if (la_wants_example(a, LA_G1B))
        ex = json_pack("{s:s,s:I,s:I,s:I}", "key", a->keys[m->key].name, "element",
                       (json_int_t)e->value, "writer", (json_int_t)a->txns[e->writer].index,
                       "read_by", (json_int_t)la_reader_index(a, m->txn));
    la_example(a, LA_G1B, ex);
}

/* Along key k's order, a committed append following failed ones with only
 * info ones between (Elle's dirty-update). */
static void check_dirty(la *a, uint32_t k)
{
    const la_key *ki = &a->keys[k];
    int anchor = LA_OK;
    size_t from = 0;
    for (size_t i = 0; i < ki->norder; i++) {
        const la_elem *e = &a->elems[a->order[ki->order0 + i]];
        int o = e->writer < LA_WRITER_MANY ? a->txns[e->writer].outcome : LA_INFO;
        if (o == LA_INFO)
            continue;
        if (o == LA_OK && anchor == LA_FAIL) {
            json_t *ex = NULL;
            if (la_wants_example(a, LA_DIRTY)) {
                json_t *values = json_array();
                for (size_t j = from; j <= i; j++)
                    json_array_append_new(values,
                                          json_integer(a->elems[a->order[ki->order0 + j]].value));
                const la_elem *f = &a->elems[a->order[ki->order0 + from]];
                ex = json_pack("{s:s,s:o,s:[I,s,I]}", "key", ki->name, "values", values, "txns",
                               (json_int_t)a->txns[f->writer].index, "...",
                               (json_int_t)a->txns[e->writer].index);
            }
            la_example(a, LA_DIRTY, ex);
        }
        if (o == LA_OK || anchor != LA_FAIL)
            anchor = o, from = i;
    }
}

/* Per key, committed appends whose element no order holds. */
static int collect_unseen(la *a)
{
    uint32_t *count = calloc(a->nkeys + 1, sizeof(uint32_t));
    if (!count)
        return a->oom = 1, -1;
    size_t n = 0;
    for (size_t i = 0; i < a->nmops; i++) {
        const la_mop *m = &a->mops[i];
        if (m->kind == LA_APPEND && a->elems[m->el].pos == LA_NONE &&
            a->elems[m->el].writer == m->txn && committed(&a->txns[m->txn]))
            count[m->key]++, n++;
    }
    free(a->unseen);
    a->unseen = malloc((n + 1) * sizeof(uint32_t));
    if (!a->unseen) {
        free(count);
        return a->oom = 1, -1;
    }
    uint32_t at = 0;
    for (size_t k = 0; k < a->nkeys; k++) {
        a->keys[k].app0 = at;
        at += count[k];
        a->keys[k].napp = 0;
    }
    for (size_t i = 0; i < a->nmops; i++) {
        const la_mop *m = &a->mops[i];
        if (m->kind == LA_APPEND && a->elems[m->el].pos == LA_NONE &&
            a->elems[m->el].writer == m->txn && committed(&a->txns[m->txn])) {
            la_key *ki = &a->keys[m->key];
            a->unseen[ki->app0 + ki->napp++] = (uint32_t)i;
        }
    }
    free(count);
    return 0;
}

static void mark_final(la *a)
{
    for (size_t i = 0; i < a->nmops; i++) {
        const la_mop *m = &a->mops[i];
        if (m->kind != LA_READ || !m->read || !a->txns[m->txn].final)
            continue;
        for (size_t j = 0; j < json_array_size(m->read); j++) {
            const json_t *v = json_array_get(m->read, j);
            uint32_t id =
                json_is_integer(v) ? la_elem_id(a, m->key, json_integer_value(v)) : LA_NONE;
            if (id != LA_NONE)
                a->elems[id].flags |= LA_EL_IN_FINAL;
        }
    }
}

/* Known reads grouped by key (counting sort): r, with key k's at
 * r[off[k]..off[k+1]). */
static int reads_by_key(la *a, uint32_t **r, uint32_t **off)
{
    *off = calloc(a->nkeys + 2, sizeof(uint32_t));
    size_t n = 0;
    for (size_t i = 0; i < a->nmops; i++)
        n += a->mops[i].kind == LA_READ && a->mops[i].read;
    *r = malloc((n + 1) * sizeof(uint32_t));
    if (!*off || !*r)
        return a->oom = 1, -1;
    for (size_t i = 0; i < a->nmops; i++)
        if (a->mops[i].kind == LA_READ && a->mops[i].read)
            (*off)[a->mops[i].key + 2]++;
    for (size_t k = 0; k < a->nkeys; k++)
        (*off)[k + 2] += (*off)[k + 1];
    for (size_t i = 0; i < a->nmops; i++)
        if (a->mops[i].kind == LA_READ && a->mops[i].read)
            (*r)[(*off)[a->mops[i].key + 1]++] = (uint32_t)i;
    return 0;
}

int la_version_orders(la *a)
{
    uint32_t *r = NULL, *off = NULL, *lid = NULL;
    size_t caplid = 0;
    int rc = -1;
    mark_intermediate(a);
    if (reads_by_key(a, &r, &off))
        goto out;
    for (uint32_t k = 0; k < a->nkeys; k++) {
        size_t nr = off[k + 1] - off[k], longest = 0;
        if (!nr)
            continue;
        for (size_t i = 0; i < nr; i++)
            if (json_array_size(a->mops[r[off[k] + i]].read) > longest)
                longest = json_array_size(a->mops[r[off[k] + i]].read);
        if (LA_GROW(a, lid, caplid, longest + 1) || key_order(a, k, r + off[k], nr, lid))
            goto out;
    }
    for (size_t i = 0; i < a->nmops; i++)
        if (a->mops[i].kind == LA_READ && a->mops[i].read)
            check_g1b(a, (uint32_t)i);
    for (uint32_t k = 0; k < a->nkeys; k++)
        check_dirty(a, k);
    mark_final(a);
    rc = collect_unseen(a);
out:
    free(r), free(off), free(lid);
    return rc || a->oom ? -1 : 0;
}
