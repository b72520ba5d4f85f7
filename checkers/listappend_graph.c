/* listappend_graph.c -- list-append: the dependency graph of committed
 * transactions (ok ones, info ones whose appends were read, the final read).
 *
 * From each key's version order, as Elle infers them:
 * - ww: the writer of an element precedes the writer of the next one; an
 *   append no read shows follows the last element of the order (every read
 *   is a prefix of the order and misses it, so it came later);
 * - wr: the writer of a read's last element precedes the reader;
 * - rw: a reader precedes the writer of the element after its last one; a
 *   read of the empty list precedes the writer of the first; a read ending
 *   with the order's last element (or empty when no read shows anything)
 *   precedes every append no read shows.
 * When the model asks: process order (a process's consecutive ok txns) and
 * real-time order (txn A completed before B was invoked), the latter
 * reduced as Elle does: an invocation is linked only to the completions
 * not already implied by another completion before it.
 * An ordered pair keeps one edge, the first of ww, wr, rw, process,
 * real-time: the reason Elle's explainer would give. */
#include <stdlib.h>
#include <string.h>

#include "listappend_internal.h"

static uint32_t writer_node(const la *a, uint32_t el)
{
    if (el == LA_NONE || a->elems[el].writer >= LA_WRITER_MANY)
        return LA_NONE;
    return a->txns[a->elems[el].writer].node;
}

static int add_edge(la *a, uint32_t from, uint32_t to, uint32_t key, int kind, uint32_t ea,
                    uint32_t eb)
{
    if (from == LA_NONE || to == LA_NONE || from == to)
        return 0;
    if (LA_GROW(a, a->edges, a->capedges, a->nedges + 1))
        return -1;
    a->edges[a->nedges++] = (la_edge){
        .from = from, .to = to, .key = key, .a = ea, .b = eb, .kind = (unsigned char)kind};
    return 0;
}

/* ====== Data dependencies ====== */

static int key_ww(la *a, uint32_t k)
{
    const la_key *ki = &a->keys[k];
    const uint32_t *o = a->order + ki->order0;
    for (uint32_t i = 1; i < ki->norder; i++)
        if (add_edge(a, writer_node(a, o[i - 1]), writer_node(a, o[i]), k, LA_WW, o[i - 1], o[i]))
            return -1;
    if (!ki->norder)
        return 0;
    uint32_t last = o[ki->norder - 1];
    for (uint32_t i = 0; i < ki->napp; i++) {
        const la_mop *m = &a->mops[a->unseen[ki->app0 + i]];
        if (add_edge(a, writer_node(a, last), a->txns[m->txn].node, k, LA_WW, last, m->el))
            return -1;
    }
    return 0;
}

/* The edges of one known read. */
static int read_edges(la *a, const la_mop *m)
{
    const la_key *ki = &a->keys[m->key];
    uint32_t me = a->txns[m->txn].node, after;
    if (json_array_size(m->read)) {
        if (m->last == LA_NONE)
            return 0; /* ends with garbage: nothing known */
        if (add_edge(a, writer_node(a, m->last), me, m->key, LA_WR, m->last, LA_NONE))
            return -1;
        uint32_t pos = a->elems[m->last].pos;
        if (pos == LA_NONE)
            return 0;
        after = pos + 1;
    } else {
        after = 0;
    }
    const uint32_t *o = a->order + ki->order0;
    if (after < ki->norder)
        return add_edge(a, me, writer_node(a, o[after]), m->key, LA_RW, m->last, o[after]);
    for (uint32_t i = 0; i < ki->napp; i++) {
        const la_mop *w = &a->mops[a->unseen[ki->app0 + i]];
        if (add_edge(a, me, a->txns[w->txn].node, m->key, LA_RW, m->last, w->el))
            return -1;
    }
    return 0;
}

static int data_edges(la *a)
{
    for (uint32_t k = 0; k < a->nkeys; k++)
        if (key_ww(a, k))
            return -1;
    for (size_t i = 0; i < a->nmops; i++) {
        const la_mop *m = &a->mops[i];
        if (m->kind == LA_READ && m->read && a->txns[m->txn].node != LA_NONE && read_edges(a, m))
            return -1;
    }
    return 0;
}

/* ====== Process and real-time order ====== */

static int process_edges(la *a)
{
    int maxp = -1;
    for (size_t t = 0; t < a->ntxns; t++)
        if (a->txns[t].process > maxp)
            maxp = a->txns[t].process;
    uint32_t *last = malloc(((size_t)maxp + 2) * sizeof(uint32_t));
    if (!last)
        return a->oom = 1, -1;
    for (int p = 0; p <= maxp; p++)
        last[p] = LA_NONE;
    for (size_t t = 0; t < a->ntxns; t++) {
        const la_txn *x = &a->txns[t];
        if (x->process < 0 || x->outcome != LA_OK)
            continue;
        if (add_edge(a, last[x->process], x->node, LA_NONE, LA_PROCESS, LA_NONE, LA_NONE)) {
            free(last);
            return -1;
        }
        last[x->process] = x->node;
    }
    free(last);
    return 0;
}

typedef struct event {
    int64_t at;
    uint32_t node;
    int done; /* 0 invocation, 1 completion */
} event;

static int event_cmp(const void *pa, const void *pb)
{
    const event *x = pa, *y = pb;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->done - y->done;
}

/* Elle's reduction: a buffer of completions not yet implied by a later
 * one; each invocation is linked from all of them, and a completion
 * removes from the buffer those linked to its own invocation. */
static int realtime_edges(la *a, uint32_t n)
{
    event *ev = sb_xmalloc((2 * a->ntxns + 1) * sizeof(event));
    uint32_t *lo = sb_xmalloc(((size_t)n + 1) * sizeof(uint32_t)),
             *hi = malloc(((size_t)n + 1) * sizeof(uint32_t));
    uint32_t *buf = malloc(((size_t)n + 1) * sizeof(uint32_t)),
             *mark = calloc((size_t)n + 1, sizeof(uint32_t));
    int rc = -1;
    if (!ev || !lo || !hi || !buf || !mark) {
        a->oom = 1;
        goto out;
    }
    size_t ne = 0, nb = 0;
    for (size_t t = 0; t < a->ntxns; t++) {
        const la_txn *x = &a->txns[t];
        if (x->node == LA_NONE)
            continue;
        ev[ne++] = (event){.at = x->invoke_at, .node = x->node, .done = 0};
        if (x->outcome == LA_OK && x->complete_at >= 0)
            ev[ne++] = (event){.at = x->complete_at, .node = x->node, .done = 1};
    }
    qsort(ev, ne, sizeof(event), event_cmp);
    for (size_t i = 0; i < ne; i++) {
        uint32_t d = ev[i].node;
        if (!ev[i].done) {
            lo[d] = (uint32_t)a->nedges;
            for (size_t j = 0; j < nb; j++)
                if (add_edge(a, buf[j], d, LA_NONE, LA_REALTIME, LA_NONE, LA_NONE))
                    goto out;
            hi[d] = (uint32_t)a->nedges;
            continue;
        }
        for (uint32_t e = lo[d]; e < hi[d]; e++)
            mark[a->edges[e].from] = d + 1;
        size_t keep = 0;
        for (size_t j = 0; j < nb; j++)
            if (mark[buf[j]] != d + 1)
                buf[keep++] = buf[j];
        nb = keep;
        buf[nb++] = d;
    }
    rc = 0;
out:
    free(ev), free(lo), free(hi), free(buf), free(mark);
    return rc;
}

/* ====== The graph ====== */

void la_graph_free(la_graph *g)
{
    free(g->off), free(g->e), free(g->txn);
    memset(g, 0, sizeof(*g));
}

/* Edges grouped by their from node, one per ordered pair (the least kind). */
static int graph_compact(la *a, la_graph *g)
{
    uint32_t n = g->n;
    size_t m = a->nedges;
    g->off = calloc((size_t)n + 2, sizeof(uint32_t));
    g->e = malloc((m + 1) * sizeof(la_edge));
    uint32_t *best = malloc(((size_t)n + 1) * sizeof(uint32_t)),
             *stamp = calloc((size_t)n + 1, sizeof(uint32_t));
    if (!g->off || !g->e || !best || !stamp || m >= LA_NONE) {
        free(best), free(stamp);
        return a->oom = 1, -1;
    }
    for (size_t i = 0; i < m; i++)
        g->off[a->edges[i].from + 2]++;
    for (uint32_t v = 0; v < n; v++)
        g->off[v + 2] += g->off[v + 1];
    for (size_t i = 0; i < m; i++)
        g->e[g->off[a->edges[i].from + 1]++] = a->edges[i];
    /* off[v]..off[v+1] now holds v's edges; keep the least kind per target. */
    uint32_t w = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t from = g->off[v], to = g->off[v + 1];
        g->off[v] = w;
        for (uint32_t i = from; i < to; i++) {
            uint32_t t = g->e[i].to;
            if (stamp[t] == v + 1) {
                if (g->e[i].kind < g->e[best[t]].kind)
                    g->e[best[t]] = g->e[i];
                continue;
            }
            stamp[t] = v + 1;
            best[t] = w;
            g->e[w++] = g->e[i];
        }
    }
    g->off[n] = w;
    g->m = w;
    for (uint32_t i = 0; i < w; i++)
        g->kinds |= LA_K(g->e[i].kind);
    free(best), free(stamp);
    free(a->edges);
    a->edges = NULL;
    a->nedges = a->capedges = 0;
    return 0;
}

int la_graph_build(la *a, la_graph *g, int process, int realtime)
{
    uint32_t n = 0;
    for (size_t t = 0; t < a->ntxns; t++) {
        la_txn *x = &a->txns[t];
        if (x->outcome == LA_OK || (x->outcome == LA_INFO && x->observed))
            x->node = n++;
    }
    g->n = n;
    g->txn = malloc(((size_t)n + 1) * sizeof(uint32_t));
    if (!g->txn)
        return a->oom = 1, -1;
    for (size_t t = 0; t < a->ntxns; t++)
        if (a->txns[t].node != LA_NONE)
            g->txn[a->txns[t].node] = (uint32_t)t;
    if (data_edges(a) || (process && process_edges(a)) || (realtime && realtime_edges(a, n)))
        return -1;
    return graph_compact(a, g);
}

/* Iterative Tarjan over the edges in mask. */
uint32_t la_tarjan(const la_graph *g, unsigned mask, uint32_t *comp)
{
    uint32_t n = g->n, next = 0, sp = 0, cp = 0, nc = 0;
    size_t bytes = ((size_t)n + 1) * sizeof(uint32_t);
    uint32_t *idx = malloc(bytes), *low = malloc(bytes), *stk = malloc(bytes), *cs = malloc(bytes),
             *ce = malloc(bytes);
    if (!idx || !low || !stk || !cs || !ce) {
        free(idx), free(low), free(stk), free(cs), free(ce);
        return LA_NONE;
    }
    for (uint32_t v = 0; v < n; v++)
        idx[v] = LA_NONE, comp[v] = LA_NONE;
    for (uint32_t root = 0; root < n; root++) {
        if (idx[root] != LA_NONE)
            continue;
        idx[root] = low[root] = next++;
        stk[sp++] = root;
        cs[cp] = root, ce[cp++] = g->off[root];
        while (cp) {
            uint32_t v = cs[cp - 1], e = ce[cp - 1];
            if (e < g->off[v + 1]) {
                ce[cp - 1]++;
                if (!(mask & LA_K(g->e[e].kind)))
                    continue;
                uint32_t w = g->e[e].to;
                if (idx[w] == LA_NONE) {
                    idx[w] = low[w] = next++;
                    stk[sp++] = w;
                    cs[cp] = w, ce[cp++] = g->off[w];
                } else if (comp[w] == LA_NONE && idx[w] < low[v]) {
                    low[v] = idx[w]; /* w still on the stack */
                }
                continue;
            }
            if (low[v] == idx[v]) {
                uint32_t w;
                do {
                    w = stk[--sp];
                    comp[w] = nc;
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
