/* linear.c -- Wing-Gong-Lowe linearizability search for registers.
 *
 * Per key, the invocations and completions form one doubly linked list in
 * history order. The search walks it from the head: at a call it tries to
 * linearise that operation next (apply it to the register; if the pair
 * (set of linearised operations, value) is new, lift the operation's call
 * and return out of the list and start again from the head); at the
 * return of an operation not yet linearised it backtracks. Reaching the end
 * of the list means every completed operation is placed. Operations with
 * unknown outcome have no return entry, so they may be placed anywhere
 * after their call or never.
 *
 * Failed operations are left out, as Knossos does: the client was told the
 * operation did not happen. For a cas whose compare failed, Porcupine's
 * etcd model instead treats "fail" as evidence that the register held
 * another value; we do not, because our clients (and Jepsen's) also record
 * fail when the operation was refused before reaching the register (e.g.
 * READONLY, NOREPLICAS), where it says nothing about the value. Leaving
 * them out can only hide anomalies, never invent one.
 *
 * The memo is a hash set of (bitset, value) with Zobrist hashing of the
 * bitset, so each step costs O(1) besides the comparison on a hit.
 * Operations of unknown outcome that are alike (same kind and values) are
 * placed in the order they were invoked only (see info_twins): that cuts
 * the 2^k subsets of k pending lost writes to their counts per value.
 *
 * The search of one history stops at its time budget (60 s, or `check
 * --time-limit`) with verdict unknown and the key it was on.
 *
 * One file (about 900 lines) for one algorithm: the reader, the memo and
 * the search share the per-key operation list and are read together. */
#define _GNU_SOURCE
#include "linear.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

#define NIL INT64_MIN
enum { L_READ = 0, L_WRITE, L_CAS };
static const char *const kind_names[] = {"read", "write", "cas"};

typedef struct lop {
    int kind;
    int has_ret;
    int64_t a, b; /* read: value read; write: value; cas: old, new */
    size_t call_pos, ret_pos;
    int process;
    int key;
} lop;

/* ====== Reading the history ====== */

static int json_reg(const json_t *v, int64_t *out)
{
    if (!v || json_is_null(v)) {
        *out = NIL;
        return 0;
    }
    if (json_is_integer(v) && json_integer_value(v) != NIL) {
        *out = json_integer_value(v);
        return 0;
    }
    return -1;
}

/* Splits {"k": key, "v": value} or a plain value. */
static const json_t *split_key(const json_t *v, char *key, size_t len)
{
    if (json_is_object(v) && json_object_get(v, "k")) {
        const json_t *k = json_object_get(v, "k");
        if (json_is_string(k))
            snprintf(key, len, "%s", json_string_value(k));
        else if (json_is_integer(k))
            snprintf(key, len, "%lld", (long long)json_integer_value(k));
        else
            snprintf(key, len, "?");
        return json_object_get(v, "v");
    }
    key[0] = '\0';
    return v;
}

typedef struct pend {
    int process;
    long lop; /* index into ops, -1 none */
} pend;

/* Process -> pending operation (open addressing; processes are few). */
typedef struct pmap {
    pend *t;
    size_t cap, n;
} pmap;

static pend *pmap_get(pmap *m, int process)
{
    if (m->n * 2 >= m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64;
        pend *nt = sb_xmalloc(nc * sizeof(pend));
        for (size_t i = 0; i < nc; i++)
            nt[i] = (pend){.process = -1, .lop = -1};
        for (size_t i = 0; i < m->cap; i++)
            if (m->t[i].process >= 0) {
                size_t j = (size_t)m->t[i].process * 2654435761u % nc;
                while (nt[j].process >= 0)
                    j = (j + 1) % nc;
                nt[j] = m->t[i];
            }
        free(m->t);
        m->t = nt;
        m->cap = nc;
    }
    size_t j = (size_t)process * 2654435761u % m->cap;
    while (m->t[j].process >= 0 && m->t[j].process != process)
        j = (j + 1) % m->cap;
    if (m->t[j].process < 0) {
        m->t[j].process = process;
        m->t[j].lop = -1;
        m->n++;
    }
    return &m->t[j];
}

typedef struct collected {
    lop *ops;
    size_t n, cap;
    json_t *keys; /* key -> index */
    char **key_names;
    size_t n_keys;
} collected;

static int key_id(collected *c, const char *key)
{
    json_t *v = json_object_get(c->keys, key);
    if (v)
        return (int)json_integer_value(v);
    json_object_set_new(c->keys, key, json_integer((json_int_t)c->n_keys));
    c->key_names = sb_xrealloc(c->key_names, (c->n_keys + 1) * sizeof(char *));
    c->key_names[c->n_keys] = sb_xstrdup(key);
    return (int)c->n_keys++;
}

static int collect(const sb_history *h, collected *c, char *err)
{
    pmap pm = {0};
    c->keys = json_object();
    int rc = 0;
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK && !strcmp(op->f, "read") &&
            json_is_object(op->value)) {
            /* The final read of every register ({"key": value, ...}),
             * after everything else: a read by "process -1". */
            const char *k;
            json_t *v;
            json_object_foreach(op->value, k, v)
            {
                int64_t x;
                if (json_reg(v, &x) == -1)
                    continue;
                if (c->n == c->cap) {
                    c->cap = c->cap ? c->cap * 2 : 1024;
                    c->ops = sb_xrealloc(c->ops, c->cap * sizeof(lop));
                }
                c->ops[c->n++] = (lop){.kind = L_READ,
                                       .has_ret = 1,
                                       .a = x,
                                       .call_pos = i,
                                       .ret_pos = i,
                                       .process = -1,
                                       .key = key_id(c, k)};
            }
            continue;
        }
        if (op->process < 0)
            continue;
        int kind = !strcmp(op->f, "read")    ? L_READ
                   : !strcmp(op->f, "write") ? L_WRITE
                   : !strcmp(op->f, "cas")   ? L_CAS
                                             : -1;
        if (kind < 0)
            continue;
        pend *p = pmap_get(&pm, op->process);
        char key[128];
        if (op->type == SB_OP_INVOKE) {
            if (c->n == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 1024;
                c->ops = sb_xrealloc(c->ops, c->cap * sizeof(lop));
            }
            lop *l = &c->ops[c->n];
            memset(l, 0, sizeof(*l));
            l->kind = kind;
            l->process = op->process;
            l->call_pos = i;
            const json_t *v = split_key(op->value, key, sizeof(key));
            int bad = 0;
            if (kind == L_WRITE)
                bad = json_reg(v, &l->a) == -1 || l->a == NIL;
            else if (kind == L_CAS)
                bad = !json_is_array(v) || json_array_size(v) != 2 ||
                      json_reg(json_array_get(v, 0), &l->a) == -1 ||
                      json_reg(json_array_get(v, 1), &l->b) == -1;
            if (bad) {
                sb_err_set(err, "operation %lld: a register %s needs %s; got %s",
                           (long long)op->index, kind_names[kind],
                           kind == L_CAS ? "[old, new] integers" : "an integer", "something else");
                rc = -1;
                break;
            }
            l->key = key_id(c, key);
            p->lop = (long)c->n++;
            continue;
        }
        if (p->lop < 0)
            continue; /* a completion without an invocation: ignore it */
        lop *l = &c->ops[p->lop];
        p->lop = -1;
        if (op->type == SB_OP_OK) {
            l->has_ret = 1;
            l->ret_pos = i;
            if (kind == L_READ) {
                const json_t *v = split_key(op->value, key, sizeof(key));
                if (json_reg(v, &l->a) == -1) {
                    sb_err_set(err, "operation %lld: a read must return an integer or null",
                               (long long)op->index);
                    rc = -1;
                }
            }
        } else if (op->type == SB_OP_FAIL || (op->type == SB_OP_INFO && kind == L_READ)) {
            l->kind = -1; /* left out */
        }
        /* info write / cas: no return, may happen any time after the call */
    }
    /* Still pending at the end: info (reads among them say nothing). */
    for (size_t i = 0; i < pm.cap; i++)
        if (pm.t[i].process >= 0 && pm.t[i].lop >= 0 && c->ops[pm.t[i].lop].kind == L_READ)
            c->ops[pm.t[i].lop].kind = -1;
    free(pm.t);
    return rc;
}

/* ====== The memo: (bitset, value) ======
 * Bitsets are stored compactly: the linearised set of a configuration is
 * "every operation up to some point, and a few after it", so an entry keeps
 * only the words between the first word that is not all ones (lo) and the
 * last word that is not zero (hi). */

typedef struct memo {
    uint64_t *arena; /* entries: hash, value, lo, len, words[len] */
    size_t used, cap;
    uint64_t *slots; /* 0 empty, else offset + 1 */
    size_t n, n_slots;
    uint64_t bytes;
} memo;

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* 1 if added (new), 0 if present, -1 out of memory budget. */
static int memo_add(memo *m, const uint64_t *bits, size_t lo, size_t hi, uint64_t hash,
                    int64_t value, uint64_t budget)
{
    size_t len = hi >= lo && hi != (size_t)-1 ? hi - lo + 1 : 0;
    if ((m->n + 1) * 2 > m->n_slots) {
        size_t ns = m->n_slots ? m->n_slots * 2 : 1024;
        if (m->bytes + ns * sizeof(uint64_t) > budget)
            return -1;
        uint64_t *t = calloc(ns, sizeof(uint64_t));
        if (!t)
            return -1;
        for (size_t i = 0; i < m->n_slots; i++)
            if (m->slots[i]) {
                size_t j = m->arena[m->slots[i] - 1] & (ns - 1);
                while (t[j])
                    j = (j + 1) & (ns - 1);
                t[j] = m->slots[i];
            }
        m->bytes += (ns - m->n_slots) * sizeof(uint64_t);
        free(m->slots);
        m->slots = t;
        m->n_slots = ns;
    }
    uint64_t hh = mix(hash ^ mix((uint64_t)value));
    size_t j = hh & (m->n_slots - 1);
    while (m->slots[j]) {
        const uint64_t *e = &m->arena[m->slots[j] - 1];
        if (e[0] == hh && (int64_t)e[1] == value && e[2] == lo && e[3] == len &&
            !memcmp(e + 4, bits + lo, len * 8))
            return 0;
        j = (j + 1) & (m->n_slots - 1);
    }
    if (m->used + 4 + len > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 4096;
        while (nc < m->used + 4 + len)
            nc *= 2;
        uint64_t add = (uint64_t)(nc - m->cap) * 8;
        if (m->bytes + add > budget)
            return -1;
        uint64_t *na = realloc(m->arena, nc * 8);
        if (!na)
            return -1;
        m->arena = na;
        m->cap = nc;
        m->bytes += add;
    }
    uint64_t *e = &m->arena[m->used];
    e[0] = hh;
    e[1] = (uint64_t)value;
    e[2] = lo;
    e[3] = len;
    memcpy(e + 4, bits + lo, len * 8);
    m->slots[j] = m->used + 1;
    m->used += 4 + len;
    m->n++;
    return 1;
}

static void memo_free(memo *m)
{
    free(m->arena);
    free(m->slots);
}

/* ====== The search, one key ====== */

typedef struct ent {
    int op; /* index into the key's ops */
    int is_call;
    int prev, next;
} ent;

static int step(const lop *o, int64_t state, int64_t *next)
{
    switch (o->kind) {
    case L_READ:
        *next = state;
        return o->a == state;
    case L_WRITE:
        *next = o->a;
        return 1;
    default:
        *next = o->b;
        return o->a == state;
    }
}

static void set_bit(uint64_t *bits, size_t words, int o, size_t *lo, size_t *hi)
{
    size_t w = (size_t)o / 64;
    bits[w] |= 1ULL << (o % 64);
    if (*hi == (size_t)-1 || w > *hi)
        *hi = w;
    while (*lo < words && bits[*lo] == ~0ULL)
        (*lo)++;
}

static void clear_bit(uint64_t *bits, int o, size_t *lo, size_t *hi)
{
    size_t w = (size_t)o / 64;
    bits[w] &= ~(1ULL << (o % 64));
    if (w < *lo)
        *lo = w;
    while (*hi != (size_t)-1 && bits[*hi] == 0)
        *hi = *hi ? *hi - 1 : (size_t)-1;
}

static void unlink_ent(ent *e, int i)
{
    e[e[i].prev].next = e[i].next;
    if (e[i].next >= 0)
        e[e[i].next].prev = e[i].prev;
}

static void relink_ent(ent *e, int i)
{
    e[e[i].prev].next = i;
    if (e[i].next >= 0)
        e[e[i].next].prev = i;
}

/* Events by position; at one position (the final read, invoked and
 * completed at once) the call comes first. */
static int cmp_pos(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (int)y[2] - (int)x[2];
}

static json_t *op_json(const sb_history *h, const lop *o, const char *key)
{
    json_t *j = json_pack("{s:i,s:s,s:s,s:I}", "process", o->process, "f", kind_names[o->kind],
                          "key", key, "invoke_index", (json_int_t)h->ops[o->call_pos].index);
    json_t *v = o->kind == L_CAS ? json_pack("[oo]", o->a == NIL ? json_null() : json_integer(o->a),
                                             o->b == NIL ? json_null() : json_integer(o->b))
                                 : (o->a == NIL ? json_null() : json_integer(o->a));
    json_object_set_new(j, "value", v);
    if (o->has_ret)
        json_object_set_new(j, "complete_index",
                            json_integer((json_int_t)h->ops[o->ret_pos].index));
    else
        json_object_set_new(j, "outcome", json_string("unknown"));
    return j;
}

/* Twins: operations of unknown outcome with the same kind and values
 * (two info writes of 3, two info cas [1 2]). Either can stand for the
 * other: in a linearization that places the later-invoked one but not the
 * earlier (or the earlier after it), swapping them gives a linearization
 * too, because neither has a return that bounds it and the earlier was
 * invoked first. So the search places twins in the order they were invoked
 * only: twin[i] is the twin invoked just before i (ops are in call order),
 * or -1, and i may be placed only once twin[i] is. Without this, k pending
 * info writes of a few values make the search try 2^k subsets of them
 * (Jepsen's registers use five values: every history with lost writes). */
static int *info_twins(const lop *ops, size_t n)
{
    int *twin = sb_xmalloc((n ? n : 1) * sizeof(int));
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    struct slot {
        int kind, last;
        int64_t a, b;
    } *t = sb_xcalloc(cap, sizeof(*t)); /* last 0: empty, else index + 1 */
    for (size_t i = 0; i < n; i++) {
        twin[i] = -1;
        if (ops[i].has_ret)
            continue;
        int64_t b = ops[i].kind == L_CAS ? ops[i].b : 0;
        uint64_t h = mix(mix((uint64_t)ops[i].a) ^ ((uint64_t)b * 31 + (uint64_t)ops[i].kind));
        size_t j = h & (cap - 1);
        while (t[j].last && !(t[j].kind == ops[i].kind && t[j].a == ops[i].a && t[j].b == b))
            j = (j + 1) & (cap - 1);
        if (t[j].last)
            twin[i] = t[j].last - 1;
        t[j] = (struct slot){.kind = ops[i].kind, .last = (int)i + 1, .a = ops[i].a, .b = b};
    }
    free(t);
    return twin;
}

/* 0 linearizable, 1 violation (*viol set), 2 out of budget. */
static int check_key(const sb_history *h, lop *ops, size_t n, const char *key, int64_t deadline,
                     uint64_t mem_budget, size_t *configs, json_t **viol)
{
    if (n == 0 || n > ((size_t)1 << 31))
        return n == 0 ? 0 : 2; /* nothing to do / beyond any budget */
    size_t m = 0;
    size_t(*ev)[3] = sb_xcalloc(2 * n + 1, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        ev[m][0] = ops[i].call_pos, ev[m][1] = i, ev[m][2] = 1, m++;
        if (ops[i].has_ret)
            ev[m][0] = ops[i].ret_pos, ev[m][1] = i, ev[m][2] = 0, m++;
    }
    qsort(ev, m, sizeof(*ev), cmp_pos);
    ent *e = sb_xmalloc((m + 1) * sizeof(ent));
    int *call = sb_xmalloc(n * sizeof(int)), *ret = sb_xmalloc(n * sizeof(int));
    int head = (int)m;
    e[head] = (ent){.op = -1, .is_call = 0, .prev = -1, .next = m ? 0 : -1};
    for (size_t i = 0; i < m; i++) {
        e[i] = (ent){.op = (int)ev[i][1],
                     .is_call = (int)ev[i][2],
                     .prev = i ? (int)i - 1 : head,
                     .next = i + 1 < m ? (int)i + 1 : -1};
        (ev[i][2] ? call : ret)[ev[i][1]] = (int)i;
    }
    for (size_t i = 0; i < n; i++)
        if (!ops[i].has_ret)
            ret[i] = -1;
    free(ev);
    int *twin = info_twins(ops, n);

    memo mm = {0};
    size_t words = (n + 63) / 64;
    uint64_t *bits = sb_xcalloc(words ? words : 1, 8);
    size_t lo = 0, hi = (size_t)-1; /* first word not all ones; last word not zero */
    uint64_t *zob = sb_xcalloc(n + 1, sizeof(uint64_t));
    for (size_t i = 0; i < n; i++)
        zob[i] = mix(i * 0x2545F4914F6CDD1DULL + 1);
    struct frame {
        int op;
        int64_t state;
    } *stack = sb_xcalloc(n + 1, sizeof(*stack));
    size_t depth = 0, best_depth = 0;
    int best_op = -1;
    int64_t best_states[8];
    size_t n_best = 0;
    int64_t state = NIL;
    uint64_t hash = 0;
    int rc = 0;
    unsigned long iter = 0;
    int cur = e[head].next;
    for (;;) {
        if ((++iter & 0xFFFF) == 0 && sb_now_ns() > deadline) {
            rc = 2;
            break;
        }
        if (cur < 0)
            break; /* every completed operation is placed */
        if (e[cur].is_call) {
            int o = e[cur].op;
            int64_t ns;
            if (twin[o] >= 0 && !(bits[twin[o] / 64] >> (twin[o] % 64) & 1)) {
                cur = e[cur].next; /* its earlier twin goes first */
                continue;
            }
            if (step(&ops[o], state, &ns)) {
                size_t save_lo = lo, save_hi = hi;
                set_bit(bits, words, o, &lo, &hi);
                hash ^= zob[o];
                int added = memo_add(&mm, bits, lo, hi, hash, ns, mem_budget);
                if (added == -1) {
                    rc = 2;
                    break;
                }
                if (added) {
                    stack[depth].op = o;
                    stack[depth].state = state;
                    depth++;
                    state = ns;
                    unlink_ent(e, call[o]);
                    if (ret[o] >= 0)
                        unlink_ent(e, ret[o]);
                    cur = e[head].next;
                    continue;
                }
                bits[o / 64] &= ~(1ULL << (o % 64));
                lo = save_lo;
                hi = save_hi;
                hash ^= zob[o];
            }
            cur = e[cur].next;
            continue;
        }
        /* The return of an operation not placed yet: back up. */
        if (depth > best_depth || best_op < 0) {
            best_depth = depth;
            best_op = e[cur].op;
            n_best = 0;
        }
        if (depth == best_depth && e[cur].op == best_op && n_best < 8) {
            int seen = 0;
            for (size_t k = 0; k < n_best; k++)
                seen |= best_states[k] == state;
            if (!seen)
                best_states[n_best++] = state;
        }
        if (depth == 0) {
            rc = 1;
            break;
        }
        depth--;
        int o = stack[depth].op;
        state = stack[depth].state;
        clear_bit(bits, o, &lo, &hi);
        hash ^= zob[o];
        if (ret[o] >= 0)
            relink_ent(e, ret[o]);
        relink_ent(e, call[o]);
        cur = e[call[o]].next;
    }
    *configs += mm.n;
    if (rc == 1) {
        const lop *b = &ops[best_op];
        json_t *v = json_object();
        json_object_set_new(v, "key", json_string(key));
        json_object_set_new(v, "op", op_json(h, b, key));
        json_t *conc = json_array();
        for (size_t i = 0; i < n && json_array_size(conc) < 10; i++) {
            const lop *o = &ops[i];
            if ((int)i == best_op)
                continue;
            int overlaps = o->call_pos < b->ret_pos && (!o->has_ret || o->ret_pos > b->call_pos);
            if (overlaps)
                json_array_append_new(conc, op_json(h, o, key));
        }
        json_object_set_new(v, "concurrent", conc);
        json_t *st = json_array();
        for (size_t k = 0; k < n_best; k++)
            json_array_append_new(st, best_states[k] == NIL ? json_null()
                                                            : json_integer(best_states[k]));
        json_object_set_new(v, "values_before", st);
        json_object_set_new(v, "placed_before", json_integer((json_int_t)best_depth));
        *viol = v;
    }
    memo_free(&mm);
    free(bits);
    free(zob);
    free(stack);
    free(e);
    free(call);
    free(ret);
    free(twin);
    return rc;
}

/* An info write (or cas) whose value no operation ever observed (no read
 * returned it, no successful cas expected it) can be left out: in any
 * linearization that places it, the next operation on the register must
 * overwrite it, so dropping it leaves a linearization too. Values are
 * unique per write in our workloads and Jepsen's, so this removes almost
 * every info write, which would otherwise multiply the search. */
typedef struct vset {
    uint64_t *t;
    size_t cap;
} vset;

static uint64_t vkey(int key, int64_t v)
{
    return mix(((uint64_t)(uint32_t)key << 32) ^ mix((uint64_t)v)) | 1; /* never 0 */
}

static void vset_add(vset *s, uint64_t k)
{
    size_t j = k & (s->cap - 1);
    while (s->t[j] && s->t[j] != k)
        j = (j + 1) & (s->cap - 1);
    s->t[j] = k;
}

static int vset_has(const vset *s, uint64_t k)
{
    size_t j = k & (s->cap - 1);
    while (s->t[j]) {
        if (s->t[j] == k)
            return 1;
        j = (j + 1) & (s->cap - 1);
    }
    return 0;
}

/* Info cas ops by the key of the value they would write. */
typedef struct writer {
    uint64_t b; /* vkey(key, new value) */
    size_t op;
} writer;

static int cmp_writer(const void *x, const void *y)
{
    const writer *p = x, *q = y;
    return p->b < q->b ? -1 : p->b > q->b;
}

/* Adds k to s; when it is new, queues it too. */
static void observe(vset *s, uint64_t k, uint64_t *queue, size_t *nq)
{
    if (!vset_has(s, k)) {
        vset_add(s, k);
        queue[(*nq)++] = k;
    }
}

static void drop_unobserved_info(lop *ops, size_t n)
{
    vset s = {.cap = 16};
    while (s.cap < 2 * n + 16)
        s.cap *= 2;
    s.t = sb_xcalloc(s.cap, sizeof(uint64_t));
    uint64_t *queue = sb_xmalloc((n + 1) * sizeof(uint64_t)); /* at most one value per op */
    writer *pr = sb_xmalloc((n + 1) * sizeof(writer));
    size_t nq = 0, npr = 0;
    for (size_t i = 0; i < n; i++) {
        if ((ops[i].kind == L_READ || ops[i].kind == L_CAS) && ops[i].has_ret)
            observe(&s, vkey(ops[i].key, ops[i].a), queue, &nq);
        if (ops[i].kind == L_CAS && !ops[i].has_ret)
            pr[npr++] = (writer){.b = vkey(ops[i].key, ops[i].b), .op = i};
    }
    /* A kept info cas needs its expected value; an observed value makes
     * the ops that wrote it necessary. Each observed value is followed
     * once, to the info cas ops that write it (a worklist: a chain of them
     * costs n log n, not n^2). */
    if (npr)
        qsort(pr, npr, sizeof(writer), cmp_writer);
    for (size_t qi = 0; qi < nq; qi++) {
        size_t lo = 0, hi = npr;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (pr[mid].b < queue[qi])
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < npr && pr[lo].b == queue[qi]; lo++)
            observe(&s, vkey(ops[pr[lo].op].key, ops[pr[lo].op].a), queue, &nq);
    }
    for (size_t i = 0; i < n; i++) {
        if (ops[i].has_ret)
            continue;
        int64_t produced = ops[i].kind == L_WRITE ? ops[i].a
                           : ops[i].kind == L_CAS ? ops[i].b
                                                  : NIL;
        if (ops[i].kind >= 0 && !vset_has(&s, vkey(ops[i].key, produced)))
            ops[i].kind = -1;
    }
    free(queue);
    free(pr);
    free(s.t);
}

static int cmp_key(const void *a, const void *b)
{
    const lop *x = a, *y = b;
    if (x->key != y->key)
        return x->key - y->key;
    return x->call_pos < y->call_pos ? -1 : x->call_pos > y->call_pos;
}

/* The time budget without one given: `splitbrain check --time-limit`. */
static int64_t default_time_ns = 60 * SB_NS_PER_S;

void linear_set_time_limit(int64_t ns)
{
    default_time_ns = ns > 0 ? ns : 60 * SB_NS_PER_S;
}

int linear_check(const sb_history *h, const sb_linear_budget *budget, sb_linear_result *out,
                 char *err)
{
    memset(out, 0, sizeof(*out));
    int64_t tb = budget && budget->time_ns ? budget->time_ns : default_time_ns;
    uint64_t mb = budget && budget->mem_bytes ? budget->mem_bytes : (2ULL << 30);
    collected c = {0};
    int rc = collect(h, &c, err);
    if (rc == 0) {
        /* Drop left-out operations, group by key. */
        drop_unobserved_info(c.ops, c.n);
        size_t k = 0;
        for (size_t i = 0; i < c.n; i++)
            if (c.ops[i].kind >= 0)
                c.ops[k++] = c.ops[i];
        c.n = k;
        if (c.n) /* qsort(NULL, 0) is undefined (found by fuzz_jepsen) */
            qsort(c.ops, c.n, sizeof(lop), cmp_key);
        out->ops = c.n;
        out->keys = c.n_keys;
        int64_t deadline = sb_now_ns() + tb;
        for (size_t i = 0; i < c.n && out->verdict != SB_LINEAR_VIOLATION;) {
            size_t j = i;
            while (j < c.n && c.ops[j].key == c.ops[i].key)
                j++;
            json_t *viol = NULL;
            int r = check_key(h, c.ops + i, j - i, c.key_names[c.ops[i].key], deadline, mb,
                              &out->configurations, &viol);
            if (r == 1) {
                out->verdict = SB_LINEAR_VIOLATION;
                out->violation = viol;
            } else if (r == 2 && out->verdict == SB_LINEAR_OK) {
                out->verdict = SB_LINEAR_UNKNOWN;
                const char *kn = c.key_names[c.ops[i].key];
                char where[160], lim[32];
                if (kn[0])
                    snprintf(where, sizeof(where), "key \"%.120s\"", kn);
                else
                    snprintf(where, sizeof(where), "the register");
                if (sb_now_ns() > deadline) {
                    sb_format_duration(tb, lim, sizeof(lim));
                    snprintf(out->why, sizeof(out->why),
                             "time limit %s reached on %s (%zu configurations searched)", lim,
                             where, out->configurations);
                } else {
                    snprintf(out->why, sizeof(out->why),
                             "memory budget (%llu MiB) reached on %s (%zu configurations)",
                             (unsigned long long)(mb >> 20), where, out->configurations);
                }
                /* The time is spent: later keys are not searched (a memory
                 * budget is per key, so there they still are). */
                if (sb_now_ns() > deadline)
                    break;
            }
            i = j;
        }
    }
    free(c.ops);
    json_decref(c.keys);
    for (size_t i = 0; i < c.n_keys; i++)
        free(c.key_names[i]);
    free(c.key_names);
    return rc;
}

void linear_result_free(sb_linear_result *r)
{
    json_decref(r->violation);
    r->violation = NULL;
}

/* ====== As a checker ====== */

static int linear_checker(const sb_history *h, sb_check_result *out, char *err)
{
    sb_linear_result r;
    if (linear_check(h, NULL, &r, err) == -1)
        return -1;
    json_t *f = json_pack("{s:I,s:I,s:I}", "operations", (json_int_t)r.ops, "keys",
                          (json_int_t)r.keys, "configurations", (json_int_t)r.configurations);
    json_object_set_new(f, "violations", json_integer(r.verdict == SB_LINEAR_VIOLATION));
    if (r.violation)
        json_object_set(f, "violation", r.violation);
    out->figures = f;
    switch (r.verdict) {
    case SB_LINEAR_OK:
        out->verdict = SB_VERDICT_VALID;
        snprintf(out->summary, sizeof(out->summary),
                 "%zu register operations on %zu keys are linearizable (%zu configurations)", r.ops,
                 r.keys, r.configurations);
        break;
    case SB_LINEAR_VIOLATION: {
        json_t *op = json_object_get(r.violation, "op");
        out->verdict = SB_VERDICT_INVALID;
        char who[64];
        long long p = (long long)json_integer_value(json_object_get(op, "process"));
        if (p < 0)
            snprintf(who, sizeof(who), "the final read");
        else
            snprintf(who, sizeof(who), "%s by process %lld",
                     json_string_value(json_object_get(op, "f")), p);
        snprintf(out->summary, sizeof(out->summary),
                 "not linearizable: key \"%s\": %s (operation %lld) cannot be "
                 "placed after %lld others",
                 json_string_value(json_object_get(r.violation, "key")), who,
                 (long long)json_integer_value(json_object_get(op, "invoke_index")),
                 (long long)json_integer_value(json_object_get(r.violation, "placed_before")));
        break;
    }
    default:
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary), "unknown: %s", r.why);
    }
    /* Nothing left to place. When register operations were invoked (keys
     * were seen) they all failed, or are indeterminate and never observed:
     * no order can contradict them, so the history is valid, as Knossos
     * says. A history of nemesis operations only is valid the same way.
     * Any other history without register operations is one this checker
     * cannot judge: unknown. */
    if (r.ops == 0 && r.verdict == SB_LINEAR_OK) {
        size_t invoked = 0, nemesis = 0;
        for (size_t i = 0; i < h->n; i++) {
            const sb_op *op = &h->ops[i];
            nemesis += op->process == SB_PROC_NEMESIS;
            invoked += op->process >= 0 && op->type == SB_OP_INVOKE &&
                       (!strcmp(op->f, "read") || !strcmp(op->f, "write") || !strcmp(op->f, "cas"));
        }
        if (r.keys > 0) {
            snprintf(out->summary, sizeof(out->summary),
                     "none of the %zu register operations took effect or was observed "
                     "(failed, or indeterminate and never read): nothing to linearize",
                     invoked);
        } else if (h->n > 0 && nemesis == h->n) {
            snprintf(out->summary, sizeof(out->summary),
                     "only nemesis operations: nothing to linearize");
        } else {
            out->verdict = SB_VERDICT_UNKNOWN;
            snprintf(out->summary, sizeof(out->summary), "no register operations in the history");
        }
    }
    linear_result_free(&r);
    return 0;
}

static const char *const linear_figures[] = {"operations", "keys", "configurations", "violations",
                                             NULL};

extern const sb_checker sb_checker_stale;

static int linear_applies(const sb_history *h)
{
    return (history_has_op(h, SB_PROC_CLIENTS, "write") ||
            history_has_op(h, SB_PROC_CLIENTS, "cas")) &&
           !sb_checker_stale.applies(h);
}

const sb_checker sb_checker_linear = {
    .name = "linearizable",
    .description = "register reads, writes and cas are linearizable (Wing-Gong-Lowe, per key)",
    .figures = linear_figures,
    .check = linear_checker,
    .applies = linear_applies,
    .what_it_reads = "register reads, writes and cas",
};
