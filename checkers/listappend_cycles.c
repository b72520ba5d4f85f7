/* listappend_cycles.c -- list-append: cycles in the dependency graph, named
 * and explained as Elle does.
 *
 * A cycle means no order of the transactions explains what they saw. Its
 * edges name it: ww only is G0; with wr, G1c; with exactly one rw,
 * G-single-item; with several, G-nonadjacent-item when no two rw edges
 * follow each other (around the cycle), else G2-item; a cycle that needs a
 * process (real-time) edge gets "-process" ("-realtime") appended.
 *
 * The search stays linear per kind of cycle: Tarjan's components of the
 * whole graph first (a cycle lies within one), then, for each component
 * and each kind in Elle's order (worst first; a kind implied by one found
 * is skipped), the shortest cycle through one suitable edge by BFS inside
 * the component of the edges that kind may use. Searching in that order
 * makes each search exact: a G1c search that runs found no G0 before, so any
 * ww/wr cycle holds a wr; a G2-item search found no one-rw cycle, so any
 * cycle through an rw edge holds two. Only G-nonadjacent (no two rw edges
 * in a row) needs a search over (node, state) pairs, tried from a few rw
 * edges per component. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listappend_internal.h"

#define LA_NONADJ_TRIES 8  /* rw edges tried per component for G-nonadjacent */
#define LA_CYCLE_SHOW 24   /* transactions shown of a long cycle */
#define LA_EXPLAIN_SHOW 64 /* edges explained of a long cycle */

enum { MODE_ANY, MODE_SINGLE, MODE_MULTI, MODE_NONADJ };

typedef struct ctype {
    int cls;
    unsigned mask; /* kinds the rest of the cycle may use */
    int mode;      /* ANY: through any edge of mask; else through an rw edge */
    int need;      /* a kind the cycle must hold, or -1 */
} ctype;

#define WW LA_K(LA_WW)
#define WR LA_K(LA_WR)
#define RW LA_K(LA_RW)
#define PR LA_K(LA_PROCESS)
#define RT LA_K(LA_REALTIME)
static const ctype ctypes[] = {
    {LA_G0, WW, MODE_ANY, -1},
    {LA_G1C, WW | WR, MODE_ANY, -1},
    {LA_GSINGLE, WW | WR, MODE_SINGLE, -1},
    {LA_GNONADJ, WW | WR | RW, MODE_NONADJ, -1},
    {LA_G2, WW | WR | RW, MODE_MULTI, -1},
    {LA_G0_P, WW | PR, MODE_ANY, LA_PROCESS},
    {LA_G1C_P, WW | WR | PR, MODE_ANY, LA_PROCESS},
    {LA_GSINGLE_P, WW | WR | PR, MODE_SINGLE, LA_PROCESS},
    {LA_GNONADJ_P, WW | WR | RW | PR, MODE_NONADJ, LA_PROCESS},
    {LA_G2_P, WW | WR | RW | PR, MODE_MULTI, LA_PROCESS},
    {LA_G0_RT, WW | RT, MODE_ANY, LA_REALTIME},
    {LA_G1C_RT, WW | WR | RT, MODE_ANY, LA_REALTIME},
    {LA_GSINGLE_RT, WW | WR | RT, MODE_SINGLE, LA_REALTIME},
    {LA_GNONADJ_RT, WW | WR | RW | RT, MODE_NONADJ, LA_REALTIME},
    {LA_G2_RT, WW | WR | RW | RT, MODE_MULTI, LA_REALTIME},
};
#define NTYPES (sizeof(ctypes) / sizeof(ctypes[0]))

static const char *const kind_names[LA_KINDS] = {"ww", "wr", "rw", "process", "realtime"};

typedef struct search {
    la *a;
    const la_graph *g;
    uint32_t *comp_all; /* component in the whole graph */
    uint64_t *implied;  /* per component: anomalies implied by those found */
    unsigned char *tries;
    uint32_t *comp[32]; /* per mask (lazily): Tarjan components */
    uint32_t *stamp, *pedge, *queue, gen;
    uint32_t *sstamp, *sedge, *sprev, *squeue, sgen; /* (node, state) search */
    uint32_t *cyc;                                   /* the cycle found: edge indices */
    size_t len;
} search;

/* ====== Explanations ====== */

static const char *key_name(const la *a, uint32_t k)
{
    return k < a->nkeys ? a->keys[k].name : "?";
}

static long long val(const la *a, uint32_t el)
{
    return el == LA_NONE ? 0 : (long long)a->elems[el].value;
}

/* One sentence for an edge: "T1 < T2: T2 read 3 in key 7, which T1 appended". */
static void explain_edge(const la *a, const la_graph *g, const la_edge *e, const char *from,
                         const char *to, sb_buf *out)
{
    const char *k = key_name(a, e->key);
    sb_buf_printf(out, "%s < %s: ", from, to);
    switch (e->kind) {
    case LA_WW:
        if (a->elems[e->b].pos == LA_NONE)
            sb_buf_printf(out,
                          "%s appended %lld to key %s, which no read shows, so after %s's %lld, "
                          "the last element read",
                          to, val(a, e->b), k, from, val(a, e->a));
        else
            sb_buf_printf(out, "%s appended %lld right after %s appended %lld to key %s", to,
                          val(a, e->b), from, val(a, e->a), k);
        break;
    case LA_WR:
        sb_buf_printf(out, "%s read %lld in key %s, which %s appended", to, val(a, e->a), k, from);
        break;
    case LA_RW:
        if (e->a == LA_NONE)
            sb_buf_printf(out, "%s read key %s empty, and %s appended %lld to it", from, k, to,
                          val(a, e->b));
        else if (a->elems[e->b].pos == LA_NONE)
            sb_buf_printf(out,
                          "%s read key %s up to %lld and missed %s's append of %lld, which no "
                          "read shows, so after it",
                          from, k, val(a, e->a), to, val(a, e->b));
        else
            sb_buf_printf(out, "%s read key %s up to %lld, missing %lld, which %s appended next",
                          from, k, val(a, e->a), val(a, e->b), to);
        break;
    case LA_PROCESS:
        sb_buf_printf(out, "process %d ran %s before %s", a->txns[g->txn[e->from]].process, from,
                      to);
        break;
    default: {
        const la_txn *x = &a->txns[g->txn[e->from]], *y = &a->txns[g->txn[e->to]];
        sb_buf_printf(out, "%s completed (op %lld, %.3f s) before %s began (op %lld, %.3f s)", from,
                      (long long)a->h->ops[x->complete_at].index, x->complete_ns / 1e9, to,
                      (long long)a->h->ops[y->invoke_at].index, y->invoke_ns / 1e9);
    }
    }
}

/* Names cyc[0..len): counts of each kind, and whether two rw edges follow
 * each other around the cycle. */
static int classify(const search *s)
{
    int n[LA_KINDS] = {0}, adjacent = 0;
    for (size_t i = 0; i < s->len; i++) {
        const la_edge *e = &s->g->e[s->cyc[i]], *next = &s->g->e[s->cyc[(i + 1) % s->len]];
        n[e->kind]++;
        adjacent |= e->kind == LA_RW && next->kind == LA_RW;
    }
    int base = n[LA_RW] == 1 ? 2 : n[LA_RW] > 1 ? (adjacent ? 4 : 3) : n[LA_WR] ? 1 : 0;
    return ctypes[base + (n[LA_REALTIME] ? 10 : n[LA_PROCESS] ? 5 : 0)].cls;
}

static json_t *cycle_json(const search *s, int cls)
{
    const la *a = s->a;
    json_t *steps = json_array();
    sb_buf text, one;
    sb_buf_init(&text);
    sb_buf_init(&one);
    /* "Let T1 = op 7 (process 2), T2 = the final read. T1 < T2: ..." */
    for (size_t i = 0; i < s->len; i++) {
        const la_txn *x = &a->txns[s->g->txn[s->g->e[s->cyc[i]].from]];
        if (i >= LA_EXPLAIN_SHOW && i + 1 < s->len)
            continue;
        sb_buf_printf(&text, "%sT%zu = ",
                      !i                    ? "Let "
                      : i > LA_EXPLAIN_SHOW ? ", ..., "
                                            : ", ",
                      i + 1);
        if (x->final)
            sb_buf_puts(&text, "the final read");
        else
            sb_buf_printf(&text, "op %lld (process %d)", (long long)x->index, x->process);
    }
    sb_buf_puts(&text, ". ");
    for (size_t i = 0; i < s->len; i++) {
        const la_edge *e = &s->g->e[s->cyc[i]];
        char from[24], to[24];
        snprintf(from, sizeof(from), "T%zu", i + 1);
        snprintf(to, sizeof(to), "T%zu", (i + 1) % s->len + 1);
        if (i >= LA_EXPLAIN_SHOW && i + 1 < s->len)
            continue;
        sb_buf_reset(&one);
        explain_edge(a, s->g, e, from, to, &one);
        if (i > LA_EXPLAIN_SHOW)
            sb_buf_printf(&text, "; ... (%zu more)", s->len - 1 - LA_EXPLAIN_SHOW);
        sb_buf_printf(&text, "%s%s", i ? "; " : "", one.data);
        if (i >= LA_CYCLE_SHOW)
            continue;
        json_t *st = la_txn_json(a, s->g->txn[e->from]);
        json_object_set_new(st, "name", json_string(from));
        json_object_set_new(st, "edge", json_string(kind_names[e->kind]));
        if (e->kind <= LA_RW)
            json_object_set_new(st, "key", json_string(key_name(a, e->key)));
        json_object_set_new(st, "because", json_string(one.data));
        json_array_append_new(steps, st);
    }
    sb_buf_puts(&text, ": a contradiction");
    /* Each step's edge leads to the next step's txn (the last to the first). */
    json_t *ex = json_pack("{s:s,s:I,s:o,s:s}", "type", la_anomaly_name(cls), "length",
                           (json_int_t)s->len, "cycle", steps, "explanation", text.data);
    sb_buf_free(&text);
    sb_buf_free(&one);
    return ex;
}

/* Records the cycle in s->cyc under its name unless one found in the same
 * component already implies it. */
static void record(search *s, uint32_t c)
{
    int cls = classify(s);
    if (s->implied[c] & LA_BIT(cls))
        return;
    s->implied[c] |= s->a->lat.closure[cls];
    la_example(s->a, cls, la_wants_example(s->a, cls) ? cycle_json(s, cls) : NULL);
}

/* ====== Searches ====== */

static uint32_t *comp_for(search *s, unsigned mask)
{
    if (!s->comp[mask]) {
        s->comp[mask] = sb_xmalloc(((size_t)s->g->n + 1) * sizeof(uint32_t));
        if (!s->comp[mask] || la_tarjan(s->g, mask, s->comp[mask]) == LA_NONE) {
            s->a->oom = 1;
            return NULL;
        }
    }
    return s->comp[mask];
}

/* Shortest path src -> dst over mask inside src's component of comp; with
 * the edge first, stores the cycle in s->cyc. Returns 0 when none. */
static int bfs_cycle(search *s, uint32_t first, unsigned mask, const uint32_t *comp)
{
    const la_graph *g = s->g;
    uint32_t src = g->e[first].to, dst = g->e[first].from;
    if (++s->gen == 0) {
        memset(s->stamp, 0, (size_t)g->n * sizeof(uint32_t));
        s->gen = 1;
    }
    size_t head = 0, tail = 0;
    s->stamp[src] = s->gen;
    s->queue[tail++] = src;
    while (head < tail) {
        uint32_t v = s->queue[head++];
        for (uint32_t i = g->off[v]; i < g->off[v + 1]; i++) {
            uint32_t w = g->e[i].to;
            if (!(mask & LA_K(g->e[i].kind)) || comp[w] != comp[src] || s->stamp[w] == s->gen)
                continue;
            s->stamp[w] = s->gen;
            s->pedge[w] = i;
            if (w == dst) {
                size_t len = 1;
                for (uint32_t x = dst; x != src; x = g->e[s->pedge[x]].from)
                    len++;
                s->len = len;
                s->cyc[0] = first;
                for (uint32_t x = dst; x != src; x = g->e[s->pedge[x]].from)
                    s->cyc[--len] = s->pedge[x];
                return 1;
            }
            s->queue[tail++] = w;
        }
    }
    return 0;
}

/* A cycle through the rw edge first with no two rw edges in a row (nor the
 * last and first), at least two rw, and the kind need when not -1: BFS
 * over (node, last edge rw, two rw seen, need seen). Only simple cycles. */
static int nonadj_cycle(search *s, uint32_t first, unsigned mask, int need, const uint32_t *comp)
{
    const la_graph *g = s->g;
    uint32_t u = g->e[first].from, v = g->e[first].to;
    if (++s->sgen == 0) {
        memset(s->sstamp, 0, (size_t)g->n * 8 * sizeof(uint32_t));
        s->sgen = 1;
    }
    size_t head = 0, tail = 0;
    uint32_t start = v * 8 + 1; /* last rw */
    s->sstamp[start] = s->sgen;
    s->squeue[tail++] = start;
    while (head < tail) {
        uint32_t st = s->squeue[head++], x = st / 8, bits = st % 8;
        for (uint32_t i = g->off[x]; i < g->off[x + 1]; i++) {
            const la_edge *e = &g->e[i];
            if (!(mask & LA_K(e->kind)) || comp[e->to] != comp[u])
                continue;
            int rw = e->kind == LA_RW;
            if (rw && (bits & 1))
                continue;
            uint32_t nb = (uint32_t)rw | (bits & 2) | (rw ? 2u : 0) | (bits & 4) |
                          (need >= 0 && e->kind == need ? 4u : 0);
            if (e->to == u) {
                if (rw || !(nb & 2) || (need >= 0 && !(nb & 4)))
                    continue;
                size_t len = 1;
                for (uint32_t y = st; y != start; y = s->sprev[y])
                    len++;
                if (len + 1 > g->n)
                    return 0; /* some node twice: not simple */
                s->len = len + 1;
                s->cyc[0] = first;
                s->cyc[len] = i;
                for (uint32_t y = st; y != start; y = s->sprev[y])
                    s->cyc[--len] = s->sedge[y];
                /* Simple only: no node twice. */
                for (size_t p = 0; p < s->len; p++)
                    for (size_t q = p + 1; q < s->len; q++)
                        if (g->e[s->cyc[p]].from == g->e[s->cyc[q]].from)
                            return 0;
                return 1;
            }
            uint32_t ns = e->to * 8 + nb;
            if (s->sstamp[ns] == s->sgen)
                continue;
            s->sstamp[ns] = s->sgen;
            s->sedge[ns] = i;
            s->sprev[ns] = st;
            s->squeue[tail++] = ns;
        }
    }
    return 0;
}

/* One kind of cycle over every component: through the first suitable edge
 * of each component that has not found (or been implied) this kind. */
static int search_type(search *s, const ctype *t)
{
    const la_graph *g = s->g;
    unsigned path = t->mode == MODE_SINGLE ? t->mask : t->mask | (t->mode == MODE_ANY ? 0 : RW);
    uint32_t *comp = comp_for(s, path);
    if (!comp)
        return -1;
    for (uint32_t i = 0; i < g->m; i++) {
        const la_edge *e = &g->e[i];
        uint32_t c = s->comp_all[e->from];
        if (c != s->comp_all[e->to] || (s->implied[c] & LA_BIT(t->cls)))
            continue;
        if (t->mode == MODE_ANY ? !(t->mask & LA_K(e->kind)) : e->kind != LA_RW)
            continue;
        if (comp[e->from] != comp[e->to])
            continue;
        if (t->mode == MODE_NONADJ) {
            if (s->tries[c] >= LA_NONADJ_TRIES)
                continue;
            s->tries[c]++;
            if (!nonadj_cycle(s, i, path, t->need, comp))
                continue;
        } else if (!bfs_cycle(s, i, path, comp)) {
            continue;
        }
        record(s, c);
        s->implied[c] |= LA_BIT(t->cls); /* searched: done here */
    }
    return 0;
}

static void search_free(search *s)
{
    free(s->comp_all), free(s->implied), free(s->tries), free(s->stamp), free(s->pedge);
    free(s->queue), free(s->sstamp), free(s->sedge), free(s->sprev), free(s->squeue), free(s->cyc);
    for (size_t i = 0; i < 32; i++)
        free(s->comp[i]);
}

int la_find_cycles(la *a, const la_graph *g)
{
    search s = {.a = a, .g = g};
    size_t n = (size_t)g->n + 1;
    s.comp_all = sb_xmalloc(n * sizeof(uint32_t));
    s.stamp = sb_xcalloc(n, sizeof(uint32_t));
    s.pedge = sb_xmalloc(n * sizeof(uint32_t));
    s.queue = malloc(n * sizeof(uint32_t));
    s.cyc = malloc((n + 1) * sizeof(uint32_t));
    int rc = -1;
    uint32_t nc;
    if (!s.comp_all || !s.stamp || !s.pedge || !s.queue || !s.cyc ||
        (nc = la_tarjan(g, g->kinds, s.comp_all)) == LA_NONE)
        goto out;
    if (nc == g->n) { /* acyclic */
        rc = 0;
        goto out;
    }
    s.implied = sb_xcalloc((size_t)nc + 1, sizeof(uint64_t));
    s.tries = sb_xcalloc((size_t)nc + 1, 1);
    s.sstamp = calloc(n * 8, sizeof(uint32_t));
    s.sedge = malloc(n * 8 * sizeof(uint32_t));
    s.sprev = malloc(n * 8 * sizeof(uint32_t));
    s.squeue = malloc(n * 8 * sizeof(uint32_t));
    if (!s.implied || !s.tries || !s.sstamp || !s.sedge || !s.sprev || !s.squeue)
        goto out;
    for (size_t i = 0; i < NTYPES; i++) {
        const ctype *t = &ctypes[i];
        if (t->need >= 0 && !(g->kinds & LA_K(t->need)))
            continue;
        if (search_type(&s, t))
            goto out;
    }
    rc = 0;
out:
    if (rc)
        a->oom = 1;
    search_free(&s);
    return rc;
}

/* ====== Lost appends ====== */

enum { LOST_NONE, LOST_ANY, LOST_NONADJ, LOST_NORW };

/* What path from an append's txn back to the final read makes the final
 * read's missing it a cycle the model rules out: the final read's rw edge
 * to the txn, then the path. */
static int lost_mode(const la *a)
{
    uint64_t f = a->lat.forbids[a->model];
    if (f & (LA_BIT(LA_G2) | LA_BIT(LA_G2_P) | LA_BIT(LA_G2_RT)))
        return LOST_ANY;
    if (f & (LA_BIT(LA_GNONADJ) | LA_BIT(LA_GNONADJ_P) | LA_BIT(LA_GNONADJ_RT)))
        return LOST_NONADJ;
    if (f & (LA_BIT(LA_GSINGLE) | LA_BIT(LA_GSINGLE_P) | LA_BIT(LA_GSINGLE_RT)))
        return LOST_NORW;
    return LOST_NONE;
}

/* Backwards from the final read: reach[v] bit 1 when a path v -> final
 * whose first edge is not rw (nor two rw in a row) exists, bit 2 when one
 * starting with rw does. */
static unsigned char *reach_final(la *a, const la_graph *g, uint32_t fin, int mode)
{
    uint32_t n = g->n;
    uint32_t *in = calloc((size_t)n + 2, sizeof(uint32_t)),
             *src = malloc(((size_t)g->m + 1) * sizeof(uint32_t));
    uint32_t *queue = malloc(((size_t)n * 2 + 1) * sizeof(uint32_t));
    unsigned char *reach = calloc((size_t)n + 1, 1);
    if (!in || !src || !queue || !reach) {
        free(in), free(src), free(queue), free(reach);
        a->oom = 1;
        return NULL;
    }
    for (uint32_t i = 0; i < g->m; i++)
        in[g->e[i].to + 2]++;
    for (uint32_t v = 0; v < n; v++)
        in[v + 2] += in[v + 1];
    for (uint32_t i = 0; i < g->m; i++)
        src[in[g->e[i].to + 1]++] = i;
    size_t head = 0, tail = 0;
    reach[fin] = 1;
    queue[tail++] = fin * 2;
    while (head < tail) {
        uint32_t v = queue[head] / 2, first_rw = queue[head] % 2;
        head++;
        for (uint32_t j = in[v]; j < in[v + 1]; j++) {
            const la_edge *e = &g->e[src[j]];
            int rw = e->kind == LA_RW;
            if (rw && (mode == LOST_NORW || (mode == LOST_NONADJ && first_rw)))
                continue;
            unsigned bit = rw && mode == LOST_NONADJ ? 2 : 1;
            if (reach[e->from] & bit)
                continue;
            reach[e->from] |= (unsigned char)bit;
            queue[tail++] = e->from * 2 + (bit == 2);
        }
    }
    free(in), free(src), free(queue);
    return reach;
}

int la_find_lost(la *a, const la_graph *g)
{
    int mode = lost_mode(a);
    if (!a->final || mode == LOST_NONE)
        return 0;
    uint32_t fin = a->txns[a->ntxns - 1].node;
    unsigned char *reach = reach_final(a, g, fin, mode);
    if (!reach)
        return -1;
    for (size_t i = 0; i < a->nmops; i++) {
        const la_mop *m = &a->mops[i];
        const la_txn *x = &a->txns[m->txn];
        if (m->kind != LA_APPEND || x->node == LA_NONE ||
            (a->elems[m->el].flags & LA_EL_IN_FINAL) || !(reach[x->node] & 1))
            continue;
        a->lost++;
        int ok = x->outcome == LA_OK && x->complete_at >= 0;
        if (sb_tmarks_add(&a->lost_marks, ok ? x->complete_ns : x->invoke_ns,
                          ok ? a->h->ops[x->complete_at].node : "") == -1) {
            free(reach);
            return -1;
        }
        if (json_array_size(a->lost_examples) < LA_LOST_EXAMPLES)
            json_array_append_new(
                a->lost_examples,
                json_pack("{s:s,s:I,s:I,s:i,s:s,s:f,s:s}", "key", a->keys[m->key].name, "element",
                          (json_int_t)a->elems[m->el].value, "index", (json_int_t)x->index,
                          "process", x->process, "type", history_type_name((sb_op_type)x->outcome),
                          "time_s", (x->outcome == LA_OK ? x->complete_ns : x->invoke_ns) / 1e9,
                          "missing_from", "final read"));
    }
    free(reach);
    return 0;
}
