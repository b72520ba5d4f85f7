/* splitbrain.c -- checker "split-brain": windows in which two or more
 * redis nodes said they were master of the same data at once.
 *
 * The controller polls every node out of band, about every 100 ms, so
 * partitions hide nothing. Polls see states, not transitions: a window
 * shorter than the polling period can be missed, never invented. Polling
 * goes on through heal, convergence and the final read (until the
 * controller's "observer-stopped"), so a window closes at the demotion the
 * polls saw even after the workload; such a window is marked
 * "closed_after_workload". One still open at the last poll is counted up
 * to it and marked "open_at_last_poll". For each window the checker reports its
 * duration, the masters, and the writes clients had acknowledged on each
 * of them during it (worker ops that completed ok with that node).
 *
 * Replication (Sentinel, independent masters): controller ops f "roles",
 * value {"n1": "master", "n2": "slave", "n3": null} (each node's ROLE). A
 * window starts at the first poll with two or more masters and ends at the
 * first poll with fewer.
 *
 * Redis Cluster: one master per shard is the design, so counting masters
 * proves nothing. The controller also records f "slot-claims", value
 * {"n1": [[0,5460]], "n4": [[0,5460]], "n5": [], "n6": null}: the slot
 * ranges each node's own CLUSTER NODES line ("myself,master") claims ([]
 * none: a replica; null: it did not answer). A window is a time in which
 * some slot range had two or more claimants: it starts at the first poll
 * that shows one, takes in the contested ranges that share a slot or a
 * claimant with it, and ends at the first poll in which none of them is
 * contested. Writes count for a window when a claimant acknowledged them.
 * A cluster history without slot claims (recorded before they were) is
 * unknown: its master counts cannot tell. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

#define WINDOW_CAP 100
#define CLAIM_SLOTS 16384
#define CLAIM_WORDS (CLAIM_SLOTS / 64)
#define CLAIM_NODE_CAP 64 /* nodes one cluster history may name (a bit each) */
#define CLAIM_OPEN_CAP 16 /* windows open at once; more join the last one */

static int is_write(const char *f)
{
    return strcmp(f, "read") != 0; /* add, write, cas, incr, ... */
}

/* ====== Windows, either kind ====== */

typedef struct sb_windows {
    json_t *done; /* closed windows (the first WINDOW_CAP) */
    size_t n_done;
    int64_t total_ns, last_poll_ns;
    int64_t workload_end_ns; /* f "workload-end", -1 when absent */
    int64_t last_end_ns;     /* the latest end of a closed window */
    json_int_t max_masters, polls;
} sb_windows;

static json_t *window_new(int64_t start_ns, json_t *masters)
{
    return json_pack("{s:f,s:o,s:o}", "start_s", start_ns / 1e9, "masters", masters, "acknowledged",
                     json_object());
}

/* Ends w at end_ns, or, with open set, at the last poll; takes w. */
static void window_close(sb_windows *ws, json_t *w, int64_t start_ns, int64_t end_ns, int open)
{
    if (open) {
        end_ns = ws->last_poll_ns;
        json_object_set_new(w, "end_s", json_null());
        json_object_set_new(w, "open_at_last_poll", json_true());
    } else {
        json_object_set_new(w, "end_s", json_real(end_ns / 1e9));
        if (ws->workload_end_ns >= 0 && end_ns > ws->workload_end_ns)
            json_object_set_new(w, "closed_after_workload", json_true());
        if (end_ns > ws->last_end_ns)
            ws->last_end_ns = end_ns;
    }
    json_object_set_new(w, "duration_s", json_real((end_ns - start_ns) / 1e9));
    ws->total_ns += end_ns - start_ns;
    if (ws->n_done++ < WINDOW_CAP)
        json_array_append(ws->done, w);
    json_decref(w);
}

static void window_ack(json_t *w, const char *node)
{
    json_t *ack = json_object_get(w, "acknowledged");
    json_t *c = json_object_get(ack, node);
    json_object_set_new(ack, node, json_integer(c ? json_integer_value(c) + 1 : 1));
}

static int is_ack_write(const sb_op *op)
{
    return op->process >= 0 && op->type == SB_OP_OK && op->node[0] && is_write(op->f);
}

static int is_poll(const sb_op *op, const char *f)
{
    return op->process == SB_PROC_CONTROLLER && !strcmp(op->f, f) && json_is_object(op->value);
}

/* ====== Replication: masters per poll ====== */

static void roles_walk(const sb_history *h, sb_windows *ws)
{
    json_t *cur = NULL; /* the open window */
    int64_t cur_start = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (!is_poll(op, "roles")) {
            if (cur && is_ack_write(op))
                window_ack(cur, op->node);
            continue;
        }
        ws->polls++;
        ws->last_poll_ns = op->time_ns;
        json_t *masters = json_array();
        const char *node;
        json_t *role;
        json_object_foreach(op->value, node, role)
        {
            if (json_is_string(role) && !strcmp(json_string_value(role), "master"))
                json_array_append_new(masters, json_string(node));
        }
        json_int_t m = (json_int_t)json_array_size(masters);
        if (m > ws->max_masters)
            ws->max_masters = m;
        if (m >= 2 && !cur) {
            cur = window_new(op->time_ns, masters);
            cur_start = op->time_ns;
            continue;
        }
        if (m >= 2) { /* masters that join the window while it is open */
            json_t *have = json_object_get(cur, "masters");
            for (size_t k = 0; k < json_array_size(masters); k++) {
                const char *n = json_string_value(json_array_get(masters, k));
                int seen = 0;
                for (size_t j = 0; j < json_array_size(have) && !seen; j++)
                    seen = !strcmp(json_string_value(json_array_get(have, j)), n);
                if (!seen)
                    json_array_append_new(have, json_string(n));
            }
        } else if (cur) {
            window_close(ws, cur, cur_start, op->time_ns, 0);
            cur = NULL;
        }
        json_decref(masters);
    }
    if (cur)
        window_close(ws, cur, cur_start, 0, 1);
}

/* ====== Cluster: claimants per slot range ====== */

typedef struct claim_window {
    json_t *w;
    int64_t start_ns;
    uint64_t masters;            /* claimants seen in it, a bit per node */
    uint64_t slots[CLAIM_WORDS]; /* slots contested in it so far */
    int live;                    /* contested in the poll being read */
} claim_window;

/* A maximal run of slots with the same two or more claimants. */
typedef struct claim_seg {
    int first, last;
    uint64_t who;
} claim_seg;

typedef struct claim_edge {
    int slot, node, delta;
} claim_edge;

typedef struct claims_state {
    const char *names[CLAIM_NODE_CAP]; /* keys of the history's values */
    size_t n_names;
    claim_window open[CLAIM_OPEN_CAP];
    size_t n_open;
    claim_edge *edges;
    size_t n_edges, cap_edges;
    claim_seg *segs;
    size_t n_segs, cap_segs;
} claims_state;

static int claims_node(claims_state *cs, const char *name, int add)
{
    for (size_t i = 0; i < cs->n_names; i++)
        if (!strcmp(cs->names[i], name))
            return (int)i;
    if (!add || cs->n_names == CLAIM_NODE_CAP)
        return -1;
    cs->names[cs->n_names] = name;
    return (int)cs->n_names++;
}

static void claims_edge(claims_state *cs, int slot, int node, int delta)
{
    if (cs->n_edges == cs->cap_edges) {
        cs->cap_edges = cs->cap_edges ? 2 * cs->cap_edges : 64;
        cs->edges = sb_xrealloc(cs->edges, cs->cap_edges * sizeof(*cs->edges));
    }
    cs->edges[cs->n_edges++] = (claim_edge){slot, node, delta};
}

static int edge_cmp(const void *a, const void *b)
{
    const claim_edge *x = a, *y = b;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

/* One poll's claims as edges (a claimant starts or stops at a slot). -1
 * with err when the value is not the shape the controller records. */
static int claims_parse(claims_state *cs, const sb_op *op, char *err)
{
    cs->n_edges = 0;
    const char *node;
    json_t *ranges;
    json_object_foreach(op->value, node, ranges)
    {
        if (json_is_null(ranges))
            continue; /* did not answer: claims nothing we know of */
        int idx = claims_node(cs, node, 1);
        if (idx < 0) {
            sb_err_set(err, "history index %lld: slot claims of more than %d nodes",
                       (long long)op->index, CLAIM_NODE_CAP);
            return -1;
        }
        if (!json_is_array(ranges))
            goto bad;
        size_t k;
        json_t *r;
        json_array_foreach(ranges, k, r)
        {
            json_t *a = json_array_get(r, 0), *b = json_array_get(r, 1);
            if (json_array_size(r) != 2 || !json_is_integer(a) || !json_is_integer(b))
                goto bad;
            json_int_t first = json_integer_value(a), last = json_integer_value(b);
            if (first < 0 || first > last || last >= CLAIM_SLOTS)
                goto bad;
            claims_edge(cs, (int)first, idx, 1);
            claims_edge(cs, (int)last + 1, idx, -1);
        }
        continue;
    bad:
        sb_err_set(err,
                   "history index %lld: slot claims of %s: expected null or [[first,last],...] "
                   "with 0 <= first <= last <= %d",
                   (long long)op->index, node, CLAIM_SLOTS - 1);
        return -1;
    }
    return 0;
}

/* Sweeps the poll's edges into the runs of slots claimed twice or more;
 * returns the most claimants of one slot. */
static int claims_contested(claims_state *cs)
{
    qsort(cs->edges, cs->n_edges, sizeof(*cs->edges), edge_cmp);
    int count[CLAIM_NODE_CAP] = {0}, most = 0;
    uint64_t who = 0;
    cs->n_segs = 0;
    for (size_t i = 0; i < cs->n_edges;) {
        int slot = cs->edges[i].slot;
        for (; i < cs->n_edges && cs->edges[i].slot == slot; i++) {
            int n = cs->edges[i].node;
            count[n] += cs->edges[i].delta;
            who = count[n] > 0 ? who | (UINT64_C(1) << n) : who & ~(UINT64_C(1) << n);
        }
        int next = i < cs->n_edges ? cs->edges[i].slot : CLAIM_SLOTS;
        int c = __builtin_popcountll(who);
        most = c > most ? c : most;
        if (c < 2 || next <= slot)
            continue;
        claim_seg *prev = cs->n_segs ? &cs->segs[cs->n_segs - 1] : NULL;
        if (prev && prev->last + 1 == slot && prev->who == who) {
            prev->last = next - 1;
            continue;
        }
        if (cs->n_segs == cs->cap_segs) {
            cs->cap_segs = cs->cap_segs ? 2 * cs->cap_segs : 16;
            cs->segs = sb_xrealloc(cs->segs, cs->cap_segs * sizeof(*cs->segs));
        }
        cs->segs[cs->n_segs++] = (claim_seg){slot, next - 1, who};
    }
    return most;
}

static int bits_any(const uint64_t *bits, int first, int last)
{
    for (int s = first; s <= last; s++)
        if (bits[s / 64] >> (s % 64) & 1)
            return 1;
    return 0;
}

static void bits_set(uint64_t *bits, int first, int last)
{
    for (int s = first; s <= last; s++)
        bits[s / 64] |= UINT64_C(1) << (s % 64);
}

/* The window a contested run belongs to: one sharing a slot or a claimant
 * with it, else a new one starting now. */
static claim_window *claims_window_for(claims_state *cs, const claim_seg *g, int64_t now_ns)
{
    for (size_t i = 0; i < cs->n_open; i++)
        if ((cs->open[i].masters & g->who) || bits_any(cs->open[i].slots, g->first, g->last))
            return &cs->open[i];
    if (cs->n_open == CLAIM_OPEN_CAP)
        return &cs->open[cs->n_open - 1];
    claim_window *w = &cs->open[cs->n_open++];
    memset(w, 0, sizeof(*w));
    w->start_ns = now_ns;
    w->w = window_new(now_ns, json_array());
    return w;
}

/* Names its claimants and slot ranges, then closes it. */
static void claims_close(sb_windows *ws, claims_state *cs, claim_window *w, int64_t end_ns,
                         int open)
{
    json_t *masters = json_object_get(w->w, "masters");
    for (size_t n = 0; n < cs->n_names; n++)
        if (w->masters >> n & 1)
            json_array_append_new(masters, json_string(cs->names[n]));
    json_t *slots = json_array();
    for (int s = 0; s < CLAIM_SLOTS; s++) {
        if (!(w->slots[s / 64] >> (s % 64) & 1))
            continue;
        int first = s;
        while (s + 1 < CLAIM_SLOTS && w->slots[(s + 1) / 64] >> ((s + 1) % 64) & 1)
            s++;
        json_array_append_new(slots, json_pack("[i,i]", first, s));
    }
    json_object_set_new(w->w, "slots", slots);
    window_close(ws, w->w, w->start_ns, end_ns, open);
    w->w = NULL;
}

static void claims_poll(sb_windows *ws, claims_state *cs, const sb_op *op)
{
    ws->polls++;
    ws->last_poll_ns = op->time_ns;
    int most = claims_contested(cs);
    if (most > ws->max_masters)
        ws->max_masters = most;
    for (size_t i = 0; i < cs->n_open; i++)
        cs->open[i].live = 0;
    for (size_t i = 0; i < cs->n_segs; i++) {
        const claim_seg *g = &cs->segs[i];
        claim_window *w = claims_window_for(cs, g, op->time_ns);
        w->masters |= g->who;
        bits_set(w->slots, g->first, g->last);
        w->live = 1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < cs->n_open; i++) {
        if (cs->open[i].live)
            cs->open[kept++] = cs->open[i];
        else
            claims_close(ws, cs, &cs->open[i], op->time_ns, 0);
    }
    cs->n_open = kept;
}

static void claims_ack(claims_state *cs, const sb_op *op)
{
    int n = claims_node(cs, op->node, 0);
    for (size_t i = 0; n >= 0 && i < cs->n_open; i++)
        if (cs->open[i].masters >> n & 1)
            window_ack(cs->open[i].w, op->node);
}

static int window_start_cmp(const void *a, const void *b)
{
    double x = json_real_value(json_object_get(*(json_t *const *)a, "start_s"));
    double y = json_real_value(json_object_get(*(json_t *const *)b, "start_s"));
    return (x > y) - (x < y);
}

/* Windows close in any order when several shards are contested at once;
 * they are reported by start. */
static void windows_by_start(json_t *done)
{
    size_t n = json_array_size(done);
    json_t **w = sb_xmalloc((n ? n : 1) * sizeof(*w));
    for (size_t i = 0; i < n; i++)
        w[i] = json_incref(json_array_get(done, i));
    qsort(w, n, sizeof(*w), window_start_cmp);
    json_array_clear(done);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(done, w[i]);
    free(w);
}

static int claims_walk(const sb_history *h, sb_windows *ws, char *err)
{
    claims_state *cs = sb_xcalloc(1, sizeof(*cs));
    int rc = 0;
    for (size_t i = 0; i < h->n && rc == 0; i++) {
        const sb_op *op = &h->ops[i];
        if (!is_poll(op, "slot-claims")) {
            if (is_ack_write(op))
                claims_ack(cs, op);
            continue;
        }
        rc = claims_parse(cs, op, err);
        if (rc == 0)
            claims_poll(ws, cs, op);
    }
    for (size_t i = 0; i < cs->n_open; i++) {
        if (rc == 0)
            claims_close(ws, cs, &cs->open[i], 0, 1);
        else
            json_decref(cs->open[i].w);
    }
    windows_by_start(ws->done);
    free(cs->edges);
    free(cs->segs);
    free(cs);
    return rc;
}

/* A cluster's "ready" topology names its masters and replicas; an
 * independent deployment's names no replicas, a Sentinel one no masters. */
static int history_is_cluster(const sb_history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (is_poll(op, "ready") && json_is_array(json_object_get(op->value, "masters")) &&
            json_is_array(json_object_get(op->value, "replicas")))
            return 1;
    }
    return 0;
}

/* ====== Verdict ====== */

static void splitbrain_summary(const sb_windows *ws, int cluster, sb_check_result *out)
{
    json_t *w0 = json_array_get(ws->done, 0);
    char acks[200] = "", slots[120] = "";
    const char *node;
    json_t *c;
    json_object_foreach(json_object_get(w0, "acknowledged"), node, c)
    {
        snprintf(acks + strlen(acks), sizeof(acks) - strlen(acks), "%s%s %lld", acks[0] ? ", " : "",
                 node, (long long)json_integer_value(c));
    }
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(w0, "slots"), k, r)
    {
        long long a = json_integer_value(json_array_get(r, 0));
        long long b = json_integer_value(json_array_get(r, 1));
        size_t len = strlen(slots);
        if (a == b)
            snprintf(slots + len, sizeof(slots) - len, "%s%lld", k ? "," : "", a);
        else
            snprintf(slots + len, sizeof(slots) - len, "%s%lld-%lld", k ? "," : "", a, b);
    }
    char where[256] = "";
    if (cluster) {
        char names[80] = "";
        json_array_foreach(json_object_get(w0, "masters"), k, r)
        {
            snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", k ? ", " : "",
                     json_string_value(r));
        }
        snprintf(where, sizeof(where), ": slots %s claimed by %s", slots, names);
    }
    size_t nw = ws->n_done;
    int cut = snprintf(
        out->summary, sizeof(out->summary),
        "%zu window%s with up to %lld masters%s, %.1fs in all; first at %.1fs for %.1fs%s, "
        "writes acknowledged: %s",
        nw, nw == 1 ? "" : "s", (long long)ws->max_masters, cluster ? " of one slot range" : "",
        ws->total_ns / 1e9, json_real_value(json_object_get(w0, "start_s")),
        json_real_value(json_object_get(w0, "duration_s")), where, acks[0] ? acks : "none");
    if (cut >= (int)sizeof(out->summary))
        return; /* a long line cut short: the figures hold every window */
    /* How the story ended: a demotion seen after the workload, or none. */
    size_t len = strlen(out->summary), i;
    json_t *w;
    int after = 0, open = 0;
    json_array_foreach(ws->done, i, w)
    {
        after |= json_is_true(json_object_get(w, "closed_after_workload"));
        open |= json_is_true(json_object_get(w, "open_at_last_poll"));
    }
    if (open)
        snprintf(out->summary + len, sizeof(out->summary) - len,
                 "; still open at the last poll (%.1fs)", ws->last_poll_ns / 1e9);
    else if (after)
        snprintf(out->summary + len, sizeof(out->summary) - len,
                 "; the last closed at %.1fs, after the workload, when the polls saw the demotion",
                 ws->last_end_ns / 1e9);
}

static int splitbrain_check(const sb_history *h, sb_check_result *out, char *err)
{
    sb_windows ws = {.done = json_array(), .workload_end_ns = -1};
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process == SB_PROC_CONTROLLER && !strcmp(h->ops[i].f, "workload-end"))
            ws.workload_end_ns = h->ops[i].time_ns;
    int cluster = history_has_op(h, SB_PROC_CONTROLLER, "slot-claims");
    if (cluster && claims_walk(h, &ws, err) == -1) {
        json_decref(ws.done);
        return -1;
    }
    int unclaimed_cluster = !cluster && history_is_cluster(h);
    if (!cluster && !unclaimed_cluster)
        roles_walk(h, &ws);
    json_t *fig = json_object();
    json_object_set_new(fig, "windows", json_integer((json_int_t)ws.n_done));
    json_object_set_new(fig, "max_masters", json_integer(ws.max_masters));
    json_object_set_new(fig, "two_master_seconds", json_real(ws.total_ns / 1e9));
    json_object_set_new(fig, "polls", json_integer(ws.polls));
    json_object_set_new(fig, "observed_until_s", json_real(ws.last_poll_ns / 1e9));
    json_object_set_new(fig, "detail", ws.done);
    out->figures = fig;
    if (unclaimed_cluster) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary),
                 "a cluster history without slot-claims polls: one master per shard is the "
                 "design, so master counts cannot show a split brain");
    } else if (!ws.polls) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary), "no role polls in the history");
    } else if (!ws.n_done) {
        out->verdict = SB_VERDICT_VALID;
        snprintf(out->summary, sizeof(out->summary),
                 cluster ? "no slot ever had two masters (%lld polls)"
                         : "never two masters (%lld polls)",
                 (long long)ws.polls);
    } else {
        out->verdict = SB_VERDICT_INVALID;
        splitbrain_summary(&ws, cluster, out);
    }
    return 0;
}

static const char *const splitbrain_figures[] = {"windows", "max_masters", "two_master_seconds",
                                                 NULL};

static int splitbrain_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CONTROLLER, "roles") ||
           history_has_op(h, SB_PROC_CONTROLLER, "slot-claims");
}

const sb_checker sb_checker_splitbrain = {
    .name = "split-brain",
    .description = "windows with two or more nodes acting as master of the same data (per slot "
                   "range on a cluster), and the writes each acknowledged",
    .figures = splitbrain_figures,
    .check = splitbrain_check,
    .applies = splitbrain_applies,
    .what_it_reads = "ROLE polls of the nodes (f \"roles\"), slot claims on a cluster (f "
                     "\"slot-claims\")",
};
