/* listappend.c -- checker "list-append": Elle's inference over transactions
 * on append-only lists (see listappend.h for what it reads and reports).
 *
 * The model of a run: every ok transaction ran atomically at one point,
 * every fail never ran, every info ran at most once; a list only grows by
 * appends of values unique per key. From the reads alone the checker infers
 * each key's version order, checks every transaction and read against it
 * (listappend_reads.c), links committed transactions by the dependencies
 * the orders imply (listappend_graph.c) and names every cycle
 * (listappend_cycles.c). Which of those findings rule out the consistency
 * model the history is judged by (serializable unless the history's
 * LA_CONFIG_F op names another) comes from Elle's tables of models and
 * anomalies (listappend_models.c): the verdict is invalid exactly when a
 * finding rules the model out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listappend.h"
#include "listappend_internal.h"

#define LA_SUMMARY_CYCLE 1 /* cycles explained in the summary line */

/* Figures by which scenarios bound the findings; each sums some classes. */
static const struct {
    const char *figure;
    uint64_t classes;
} count_figures[] = {
    {"duplicate_count", LA_BIT(LA_DUP)},
    {"incompatible_order_count", LA_BIT(LA_INCOMPAT)},
    {"g1a_count", LA_BIT(LA_G1A)},
    {"internal_count", LA_BIT(LA_INTERNAL)},
    {"garbage_count", LA_BIT(LA_GARBAGE)},
    {"g0_count", LA_BIT(LA_G0) | LA_BIT(LA_G0_P) | LA_BIT(LA_G0_RT)},
    {"g1c_count", LA_BIT(LA_G1C) | LA_BIT(LA_G1C_P) | LA_BIT(LA_G1C_RT)},
    {"g_single_count", LA_BIT(LA_GSINGLE) | LA_BIT(LA_GSINGLE_P) | LA_BIT(LA_GSINGLE_RT)},
    {"g2_count", LA_BIT(LA_G2) | LA_BIT(LA_G2_P) | LA_BIT(LA_G2_RT) | LA_BIT(LA_GNONADJ) |
                     LA_BIT(LA_GNONADJ_P) | LA_BIT(LA_GNONADJ_RT)},
    {"g_nonadjacent_count", LA_BIT(LA_GNONADJ) | LA_BIT(LA_GNONADJ_P) | LA_BIT(LA_GNONADJ_RT)},
    {"g1b_count", LA_BIT(LA_G1B)},
    {"future_read_count", LA_BIT(LA_FUTURE)},
    {"dirty_update_count", LA_BIT(LA_DIRTY)},
    {"lost_update_count", LA_BIT(LA_LOST_UPDATE)},
};
#define NCOUNTS (sizeof(count_figures) / sizeof(count_figures[0]))

/* ====== Running ====== */

static void la_free(la *a)
{
    free(a->txns), free(a->mops), free(a->elems), free(a->eslots), free(a->keys);
    free(a->kslots), free(a->order), free(a->unseen), free(a->edges);
    json_decref(a->empty);
    json_decref(a->lost_examples);
    sb_tmarks_free(&a->lost_marks);
    for (int c = 0; c < LA_REPORTED; c++)
        json_decref(a->examples[c]);
}

#define LA_PROCESS_CLASSES                                                                         \
    (LA_BIT(LA_G0_P) | LA_BIT(LA_G1C_P) | LA_BIT(LA_GSINGLE_P) | LA_BIT(LA_GNONADJ_P) |            \
     LA_BIT(LA_G2_P))
#define LA_REALTIME_CLASSES                                                                        \
    (LA_BIT(LA_G0_RT) | LA_BIT(LA_G1C_RT) | LA_BIT(LA_GSINGLE_RT) | LA_BIT(LA_GNONADJ_RT) |        \
     LA_BIT(LA_G2_RT))

/* The graph has process edges when the model forbids a process anomaly,
 * real-time ones (which cover process order) when it forbids a real-time
 * one, as Elle builds them. */
static int forced_model = -1; /* check --model; -1: the history's own */

int listappend_set_model(const char *name)
{
    int m = name ? la_model_find(name) : -1;
    if (name && m < 0)
        return -1;
    forced_model = m;
    return 0;
}

int listappend_model_check(const char *name, char *err)
{
    if (la_model_find(name) >= 0)
        return 0;
    char names[600];
    la_model_names(names, sizeof(names));
    sb_err_set(err, "model \"%s\" unknown; allowed: %s", name, names);
    return -1;
}

static int la_run(la *a, la_graph *g, char *err)
{
    if (la_collect(a, err))
        return -1;
    if (forced_model >= 0)
        a->model = forced_model;
    la_check_txns(a);
    if (la_version_orders(a))
        return -1;
    uint64_t forbids = a->lat.forbids[a->model];
    a->realtime = !!(forbids & LA_REALTIME_CLASSES);
    a->process = !a->realtime && (forbids & LA_PROCESS_CLASSES);
    if (la_graph_build(a, g, a->process, a->realtime) || la_find_cycles(a, g) || la_find_lost(a, g))
        return -1;
    return a->oom ? -1 : 0;
}

/* ====== Reporting ====== */

static json_t *model_list(const la *a, uint32_t set)
{
    (void)a;
    json_t *out = json_array();
    for (int m = 0; m < LA_M_N; m++)
        if (set & LA_MBIT(m))
            json_array_append_new(out, json_string(la_model_name(m)));
    return out;
}

static void model_text(sb_buf *b, uint32_t set)
{
    int n = 0;
    for (int m = 0; m < LA_M_N; m++)
        if (set & LA_MBIT(m))
            sb_buf_printf(b, "%s%s", n++ ? ", " : "", la_model_name(m));
    if (!n)
        sb_buf_puts(b, "none of those checked");
}

/* The judged models the findings rule out, each with the findings. */
static json_t *ruled_out(const la *a, uint32_t judged, uint32_t impossible)
{
    json_t *out = json_object();
    for (int m = 0; m < LA_M_N; m++) {
        if (!(judged & impossible & LA_MBIT(m)))
            continue;
        json_t *why = json_array();
        for (int c = 0; c < LA_REPORTED; c++)
            if ((a->found & LA_BIT(c)) && (a->lat.forbids[m] & LA_BIT(c)))
                json_array_append_new(why, json_string(la_anomaly_name(c)));
        if (a->lost && (a->lat.implies[m] & LA_MBIT(a->model)))
            json_array_append_new(why, json_string("lost appends"));
        json_object_set_new(out, la_model_name(m), why);
    }
    return out;
}

static void anomaly_figures(const la *a, json_t *fig, uint64_t bad)
{
    json_t *counts = json_object(), *anomalies = json_object(), *types = json_array(),
           *allowed = json_array();
    json_object_set_new(fig, "lost_count", json_integer(a->lost));
    json_object_set_new(
        fig, "lost_windows",
        checker_time_windows(a->lost_marks.m, a->lost_marks.n, SB_WINDOW_GAP_NS, SB_WINDOW_CAP));
    for (size_t i = 0; i < NCOUNTS; i++) {
        long long n = 0;
        for (int c = 0; c < LA_REPORTED; c++)
            if (count_figures[i].classes & LA_BIT(c))
                n += a->count[c];
        json_object_set_new(fig, count_figures[i].figure, json_integer(n));
    }
    for (int c = 0; c < LA_REPORTED; c++) {
        if (!a->count[c])
            continue;
        json_object_set_new(counts, la_anomaly_name(c), json_integer(a->count[c]));
        json_object_set(anomalies, la_anomaly_name(c), a->examples[c]);
        json_array_append_new(bad & LA_BIT(c) ? types : allowed, json_string(la_anomaly_name(c)));
    }
    if (a->lost) {
        json_object_set(anomalies, "lost", a->lost_examples);
        json_array_append_new(types, json_string("lost"));
    }
    json_object_set_new(fig, "anomaly_types", types);
    json_object_set_new(fig, "allowed_anomaly_types", allowed);
    json_object_set_new(fig, "counts", counts);
    json_object_set_new(fig, "anomalies", anomalies);
}

/* "1 G0, 2 G1a" for the classes in set. */
static int class_text(const la *a, sb_buf *b, uint64_t set)
{
    int n = 0;
    for (int c = 0; c < LA_REPORTED; c++)
        if (set & LA_BIT(c) & a->found)
            sb_buf_printf(b, "%s%lld %s", n++ ? ", " : "", a->count[c], la_anomaly_name(c));
    return n;
}

/* The first cycle explained among the classes in set. */
static void cycle_text(const la *a, sb_buf *b, uint64_t set)
{
    for (int c = 0; c < LA_REPORTED; c++) {
        if (!(set & LA_BIT(c) & a->found))
            continue;
        const char *why =
            json_string_value(json_object_get(json_array_get(a->examples[c], 0), "explanation"));
        if (why) {
            sb_buf_printf(b, "; %s: %s", la_anomaly_name(c), why);
            return;
        }
    }
}

static void summary(const la *a, sb_check_result *out, uint64_t bad, uint32_t valid_under,
                    long long n_ok, size_t ntxns)
{
    sb_buf s;
    sb_buf_init(&s);
    const char *model = la_model_name(a->model);
    if (out->verdict == SB_VERDICT_INVALID) {
        sb_buf_printf(&s, "not %s: ", model);
        int n = class_text(a, &s, bad);
        if (a->lost)
            sb_buf_printf(&s, "%s%lld lost appends", n ? ", " : "", a->lost);
        sb_buf_puts(&s, "; valid under ");
        model_text(&s, valid_under);
    } else if (out->verdict == SB_VERDICT_VALID) {
        sb_buf_puts(&s, "valid under ");
        model_text(&s, valid_under);
        if (a->found) {
            sb_buf_printf(&s, "; %s allows ", model);
            class_text(a, &s, a->found);
        }
    } else {
        sb_buf_puts(&s, "no dependency between transactions to judge");
    }
    sb_buf_printf(&s, "; %zu txns (%lld ok) over %zu keys%s", ntxns, n_ok, a->nkeys,
                  a->final ? "" : ", no final read");
    cycle_text(a, &s, bad);
    size_t len = strlen(s.data), room = sizeof(out->summary);
    if (len >= room)
        memcpy(s.data + room - 4, "...", 4);
    snprintf(out->summary, room, "%s", s.data);
    sb_buf_free(&s);
}

static void la_report(la *a, const la_graph *g, sb_check_result *out)
{
    long long n[4] = {0};
    size_t ntxns = a->ntxns - (a->final ? 1 : 0);
    for (size_t t = 0; t < ntxns; t++)
        n[a->txns[t].outcome]++;
    uint64_t bad = a->found & a->lat.forbids[a->model];
    uint32_t impossible = la_impossible(&a->lat, a->found);
    if (a->lost)
        for (int m = 0; m < LA_M_N; m++)
            if (a->lat.implies[m] & LA_MBIT(a->model))
                impossible |= LA_MBIT(m);
    uint32_t judged = la_judged_models(a->process, a->realtime);
    uint32_t valid_under = la_strongest(&a->lat, judged & ~impossible);
    uint32_t weakest_not = la_weakest(&a->lat, impossible);
    json_t *fig = json_object();
    json_object_set_new(fig, "txns", json_integer((json_int_t)ntxns));
    json_object_set_new(fig, "ok", json_integer(n[LA_OK]));
    json_object_set_new(fig, "fail", json_integer(n[LA_FAIL]));
    json_object_set_new(fig, "info", json_integer(n[LA_INFO]));
    json_object_set_new(fig, "keys", json_integer((json_int_t)a->nkeys));
    json_object_set_new(fig, "dependencies", json_integer(g->m));
    json_object_set_new(fig, "model", json_string(la_model_name(a->model)));
    json_object_set_new(fig, "valid_under", model_list(a, valid_under));
    json_object_set_new(fig, "not", model_list(a, weakest_not));
    json_object_set_new(fig, "also_not", model_list(a, impossible & ~weakest_not));
    json_object_set_new(fig, "ruled_out", ruled_out(a, judged | LA_MBIT(a->model), impossible));
    anomaly_figures(a, fig, bad);
    out->figures = fig;
    out->verdict = bad || a->lost ? SB_VERDICT_INVALID
                   : g->m         ? SB_VERDICT_VALID
                                  : SB_VERDICT_UNKNOWN;
    summary(a, out, bad, valid_under, n[LA_OK], ntxns);
}

static int listappend_check(const sb_history *h, sb_check_result *out, char *err)
{
    la a = {.h = h, .model = LA_M_SERIALIZABLE, .lost_examples = json_array()};
    la_lattice_init(&a.lat);
    for (int c = 0; c < LA_REPORTED; c++)
        a.examples[c] = json_array();
    la_graph g = {0};
    int rc = la_run(&a, &g, err);
    if (rc == 0 && !a.oom)
        la_report(&a, &g, out);
    else if (a.oom)
        sb_err_set(err, "list-append: out of memory (%zu txns)", a.ntxns);
    la_graph_free(&g);
    la_free(&a);
    return rc || a.oom ? -1 : 0;
}

static const char *const listappend_figures[] = {"txns",
                                                 "ok",
                                                 "fail",
                                                 "info",
                                                 "keys",
                                                 "lost_count",
                                                 "duplicate_count",
                                                 "incompatible_order_count",
                                                 "g1a_count",
                                                 "internal_count",
                                                 "garbage_count",
                                                 "g0_count",
                                                 "g1c_count",
                                                 "g_single_count",
                                                 "g2_count",
                                                 NULL};

static int listappend_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, "txn");
}

const sb_checker sb_checker_listappend = {
    .name = "list-append",
    .description = "Elle's list-append: transactions over lists satisfy the consistency model "
                   "(serializable unless the history names another)",
    .figures = listappend_figures,
    .check = listappend_check,
    .applies = listappend_applies,
    .what_it_reads = "list-append transactions (f \"txn\")",
};
