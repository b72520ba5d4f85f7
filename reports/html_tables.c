/* html_tables.c -- the tables of report.html: the verdicts, the anomalies
 * and figures of each checker (tables of their own for set, split-brain,
 * lock, linearizable, stale-read and list-append; any other figure in a
 * generic form), and the lists of faults and node events. Every table is
 * capped and says what it left out. */
#define _GNU_SOURCE
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define TABLE_CAP 200 /* rows of any anomaly table */
#define COLUMN_CAP 12 /* columns of a generic table */
#define FAULT_LIST_CAP 200
#define EVENT_LIST_CAP 300
#define HISTORY_WINDOW_CAP 80 /* history ops shown around a linearizability violation */
#define LIST_MAX 600          /* bytes of a long list shown as JSON */

/* ====== Verdicts ====== */

static void verdict_badge(sb_buf *b, sb_verdict v)
{
    sb_buf_printf(b, "<span class=\"badge v-%s\">%s</span>", checker_verdict_name(v),
                  checker_verdict_name(v));
}

void html_verdicts(sb_buf *b, const sb_run_result *r)
{
    sb_buf_puts(b, "<section id=\"verdicts\"><h2>Verdicts</h2>\n");
    if (!r->n_checks) {
        sb_buf_puts(b, "<p class=\"note\">No checker ran.</p></section>\n");
        return;
    }
    sb_buf_puts(b, "<table class=\"verdicts\"><tr><th>checker</th><th>verdict</th>"
                   "<th>summary</th><th>expectation</th></tr>\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        const sb_expect_outcome *o = &r->outcomes[i];
        sb_buf_printf(b, "<tr class=\"verdict%s\"><td><a href=\"#ck-%zu\">",
                      o->met ? "" : " missed", i);
        html_escape(b, c->checker);
        sb_buf_puts(b, "</a></td><td>");
        verdict_badge(b, c->verdict);
        sb_buf_puts(b, "</td><td>");
        html_escape(b, c->summary);
        if (o->met) {
            sb_buf_puts(b, "</td><td class=\"met\">\xe2\x9c\x93 met</td></tr>\n");
            continue;
        }
        sb_buf_puts(b, "</td><td class=\"missed\">\xe2\x9c\x97 missed: ");
        html_escape(b, o->reason);
        sb_buf_puts(b, "</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n</section>\n");
}

/* ====== Cells and generic tables ====== */

static void cell_value(sb_buf *b, const json_t *v)
{
    if (json_is_integer(v))
        sb_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        sb_buf_printf(b, "%.6g", json_real_value(v));
    else if (json_is_string(v))
        html_escape_max(b, json_string_value(v), CELL_MAX);
    else
        html_json(b, v, CELL_MAX);
}

static void td_value(sb_buf *b, const json_t *v)
{
    sb_buf_puts(b, json_is_number(v) ? "<td class=\"num\">" : "<td>");
    cell_value(b, v);
    sb_buf_puts(b, "</td>");
}

/* A column whose name ends in "_s" holds seconds (start_s of a cache
 * herd, at_s...): shown as "0.003 s", not the raw 0.00261291. */
static void td_column(sb_buf *b, const char *col, const json_t *v)
{
    size_t n = strlen(col);
    if (json_is_number(v) && n > 2 && !strcmp(col + n - 2, "_s"))
        sb_buf_printf(b, "<td class=\"num\">%.3f s</td>", json_number_value(v));
    else
        td_value(b, v);
}

static int is_scalar(const json_t *v)
{
    return !json_is_array(v) && !json_is_object(v);
}

static int is_empty(const json_t *v)
{
    return (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v));
}

static int listed(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

static void cap_note(sb_buf *b, size_t shown, size_t total, const char *what)
{
    if (shown < total)
        sb_buf_printf(b, "<p class=\"note\">First %zu of %zu %s shown.</p>\n", shown, total, what);
}

/* Rows of the scalar (and empty) members of o: key, value. */
static void kv_table(sb_buf *b, const json_t *o, const char *const *skip)
{
    const char *key;
    json_t *v;
    size_t rows = 0, total = 0;
    json_object_foreach((json_t *)o, key, v)
    {
        if (listed(skip, key) || !(is_scalar(v) || is_empty(v)))
            continue;
        if (total++ >= TABLE_CAP)
            continue;
        if (!rows++)
            sb_buf_puts(b, "<div class=\"tw\"><table class=\"kv\">\n");
        sb_buf_puts(b, "<tr><th>");
        html_escape_max(b, key, CELL_MAX);
        sb_buf_puts(b, "</th>");
        td_value(b, v);
        sb_buf_puts(b, "</tr>\n");
    }
    if (rows)
        sb_buf_puts(b, "</table></div>\n");
    cap_note(b, rows, total, "figures");
}

/* The element at row i of an array, or the member at position i of an
 * object of objects (with its key). */
static const json_t *row_at(const json_t *rows, size_t i, void **iter, const char **key)
{
    if (json_is_array(rows))
        return json_array_get(rows, i);
    if (!*iter)
        return NULL;
    const json_t *v = json_object_iter_value(*iter);
    *key = json_object_iter_key(*iter);
    *iter = json_object_iter_next((json_t *)rows, *iter);
    return v;
}

/* An array of objects, or an object of objects (its keys in the first
 * column): columns are the members of the first rows. */
static void object_table(sb_buf *b, const json_t *rows, size_t total)
{
    const char *cols[COLUMN_CAP];
    size_t nc = 0, n = json_is_array(rows) ? json_array_size(rows) : json_object_size(rows);
    void *iter = json_is_object(rows) ? json_object_iter((json_t *)rows) : NULL;
    for (size_t i = 0; i < n && i < 50; i++) {
        const char *rk = NULL, *key;
        json_t *v;
        /* json_object_foreach evaluates its object more than once */
        json_t *row = (json_t *)row_at(rows, i, &iter, &rk);
        json_object_foreach(row, key, v)
        {
            size_t k = 0;
            while (k < nc && strcmp(cols[k], key))
                k++;
            if (k == nc && nc < COLUMN_CAP)
                cols[nc++] = key;
        }
    }
    sb_buf_puts(b, "<div class=\"tw\"><table>\n<tr>");
    if (json_is_object(rows))
        sb_buf_puts(b, "<th></th>");
    for (size_t k = 0; k < nc; k++) {
        sb_buf_puts(b, "<th>");
        html_escape_max(b, cols[k], 40);
        sb_buf_puts(b, "</th>");
    }
    sb_buf_puts(b, "</tr>\n");
    iter = json_is_object(rows) ? json_object_iter((json_t *)rows) : NULL;
    size_t shown = 0;
    for (; shown < n && shown < TABLE_CAP; shown++) {
        const char *rk = NULL;
        const json_t *row = row_at(rows, shown, &iter, &rk);
        sb_buf_puts(b, "<tr>");
        if (rk) {
            sb_buf_puts(b, "<th>");
            html_escape_max(b, rk, 60);
            sb_buf_puts(b, "</th>");
        }
        for (size_t k = 0; k < nc; k++) {
            const json_t *v = json_object_get(row, cols[k]);
            if (v)
                td_column(b, cols[k], v);
            else
                sb_buf_puts(b, "<td></td>");
        }
        sb_buf_puts(b, "</tr>\n");
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, shown, total > n ? total : n, "rows");
}

static int all_objects(const json_t *v)
{
    size_t i, n = 0;
    const char *k;
    json_t *e;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) if (!json_is_object(e)) return 0;
        n = json_array_size(v);
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, e) if (!json_is_object(e)) return 0;
        n = json_object_size(v);
    }
    return n > 0;
}

static int all_scalars(const json_t *v)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v) || !json_object_size(v))
        return 0;
    json_object_foreach((json_t *)v, k, e) if (!is_scalar(e)) return 0;
    return 1;
}

/* Any figure: scalars in one table, then each list or object as a table
 * when it has the shape of one, else as compact JSON cut short. */
static void figures_generic(sb_buf *b, const json_t *fig, const char *const *skip)
{
    kv_table(b, fig, skip);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)fig, key, v)
    {
        if (listed(skip, key) || is_scalar(v) || is_empty(v))
            continue;
        sb_buf_puts(b, "<h4>");
        html_escape_max(b, key, CELL_MAX);
        if (json_is_array(v))
            sb_buf_printf(b, " <span class=\"note\">(%zu)</span>", json_array_size(v));
        sb_buf_puts(b, "</h4>\n");
        if (all_objects(v)) {
            object_table(b, v, 0);
        } else if (all_scalars(v)) {
            kv_table(b, v, NULL);
        } else {
            sb_buf_puts(b, "<p class=\"mono\">");
            html_json(b, v, LIST_MAX);
            sb_buf_puts(b, "</p>\n");
        }
    }
}

/* ====== Anomalies: checkers with tables of their own ====== */

static const json_t *fig(const sb_check_result *c, const char *name)
{
    return json_object_get(c->figures, name);
}

static void td_secs(sb_buf *b, double s)
{
    sb_buf_printf(b, "<td class=\"num\">%.3f s</td>", s);
}

static void td_text(sb_buf *b, const char *s)
{
    sb_buf_puts(b, "<td>");
    html_escape_max(b, s ? s : DASH, CELL_MAX);
    sb_buf_puts(b, "</td>");
}

typedef struct ack {
    int64_t value;
    const sb_op *op;
} ack;

static int cmp_ack(const void *a, const void *b)
{
    int64_t x = ((const ack *)a)->value, y = ((const ack *)b)->value;
    return x < y ? -1 : x > y;
}

/* The acknowledged adds of h, sorted by value. */
static ack *ok_adds(const sb_history *h, size_t *n)
{
    size_t k = 0;
    ack *a = sb_xmalloc((h->n + 1) * sizeof(ack));
    for (size_t i = 0; a && i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process >= 0 && op->type == SB_OP_OK && !strcmp(op->f, "add") &&
            json_is_integer(op->value))
            a[k++] = (ack){json_integer_value(op->value), op};
    }
    if (a)
        qsort(a, k, sizeof(ack), cmp_ack);
    *n = k;
    return a;
}

static void render_set(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    const json_t *lost = fig(c, "lost");
    size_t listed_n = json_array_size(lost),
           total = (size_t)json_integer_value(fig(c, "lost_count"));
    if (total < listed_n)
        total = listed_n;
    if (listed_n) {
        size_t shown = listed_n < TABLE_CAP ? listed_n : TABLE_CAP, na = 0;
        sb_buf_puts(b, "<h4>Lost writes</h4>\n<p class=\"note\">Acknowledged adds missing from "
                       "the final read");
        if (shown < total)
            sb_buf_printf(b, ": first %zu of %zu (by value; results.json lists up to 10000)", shown,
                          total);
        sb_buf_puts(b, ".</p>\n<div class=\"tw\"><table "
                       "class=\"lost\"><tr><th>value</th><th>acknowledged at</th>"
                       "<th>by node</th><th>process</th><th>op index</th></tr>\n");
        ack *a = x->h ? ok_adds(x->h, &na) : NULL;
        for (size_t i = 0; i < shown; i++) {
            const json_t *v = json_array_get(lost, i);
            ack key = {json_integer_value(v), NULL}, *hit = NULL;
            if (a && json_is_integer(v))
                hit = bsearch(&key, a, na, sizeof(ack), cmp_ack);
            sb_buf_puts(b, "<tr>");
            td_value(b, v);
            if (hit) {
                td_secs(b, hit->op->time_ns / 1e9);
                td_text(b, hit->op->node[0] ? hit->op->node : "?");
                sb_buf_printf(b, "<td class=\"num\">%d</td><td class=\"num\">%lld</td></tr>\n",
                              hit->op->process, (long long)hit->op->index);
            } else {
                sb_buf_puts(b, "<td colspan=\"4\" class=\"note\">not in the history</td></tr>\n");
            }
        }
        sb_buf_puts(b, "</table></div>\n");
        free(a);
    }
    const json_t *windows = fig(c, "lost_windows");
    if (json_array_size(windows)) {
        sb_buf_puts(b, "<h4>When and where they were acknowledged</h4>\n<table><tr><th>from</th>"
                       "<th>to</th><th>node</th><th>lost</th></tr>\n");
        size_t i;
        json_t *w;
        json_array_foreach(windows, i, w)
        {
            if (i >= TABLE_CAP)
                break;
            sb_buf_puts(b, "<tr>");
            td_secs(b, json_integer_value(json_object_get(w, "start")) / 1e9);
            td_secs(b, json_integer_value(json_object_get(w, "end")) / 1e9);
            td_text(b, json_string_value(json_object_get(w, "node")));
            td_value(b, json_object_get(w, "count"));
            sb_buf_puts(b, "</tr>\n");
        }
        sb_buf_puts(b, "</table>\n");
        cap_note(b, i, json_array_size(windows), "windows");
    }
    if (json_object_size(fig(c, "lost_by_node"))) {
        sb_buf_puts(b, "<h4>Lost by acknowledging node</h4>\n");
        kv_table(b, fig(c, "lost_by_node"), NULL);
    }
}

static void names_joined(sb_buf *b, const json_t *a)
{
    for (size_t k = 0; k < json_array_size(a) && k < 32; k++) {
        if (k)
            sb_buf_puts(b, ", ");
        cell_value(b, json_array_get(a, k));
    }
}

static void render_splitbrain(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    const json_t *d = fig(c, "detail");
    if (!json_array_size(d))
        return;
    sb_buf_puts(b,
                "<h4>Windows with two or more masters</h4>\n<table class=\"split\"><tr><th>#</th>"
                "<th>from</th><th>to</th><th>lasted</th><th>masters</th>"
                "<th>writes acknowledged</th></tr>\n");
    size_t i;
    json_t *w;
    json_array_foreach(d, i, w)
    {
        if (i >= TABLE_CAP)
            break;
        sb_buf_printf(b, "<tr><td class=\"num\">%zu</td>", i + 1);
        td_secs(b, json_number_value(json_object_get(w, "start_s")));
        if (json_is_number(json_object_get(w, "end_s")))
            td_secs(b, json_number_value(json_object_get(w, "end_s")));
        else
            sb_buf_puts(b, "<td>open at the last poll</td>");
        td_secs(b, json_number_value(json_object_get(w, "duration_s")));
        sb_buf_puts(b, "<td>");
        names_joined(b, json_object_get(w, "masters"));
        sb_buf_puts(b, "</td><td>");
        const char *node;
        json_t *n;
        size_t k = 0;
        json_object_foreach(json_object_get(w, "acknowledged"), node, n)
        {
            sb_buf_puts(b, k++ ? ", " : "");
            html_escape_max(b, node, 64);
            sb_buf_printf(b, ": %lld", (long long)json_integer_value(n));
        }
        sb_buf_puts(b, k ? "</td></tr>\n" : "none</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n");
    cap_note(b, i, json_array_size(d), "windows");
}

static void holder_cell(sb_buf *b, const json_t *h)
{
    sb_buf_printf(b, "<td>process %lld, fence %lld, %.3f s to %.3f s (",
                  (long long)json_integer_value(json_object_get(h, "process")),
                  (long long)json_integer_value(json_object_get(h, "fence")),
                  json_integer_value(json_object_get(h, "start_ns")) / 1e9,
                  json_integer_value(json_object_get(h, "end_ns")) / 1e9);
    html_escape_max(b, json_string_value(json_object_get(h, "outcome")), 32);
    sb_buf_puts(b, ")</td>");
}

static void render_lock(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    const json_t *ex = fig(c, "examples"), *ov = json_object_get(ex, "overlaps");
    if (json_array_size(ov)) {
        sb_buf_puts(b, "<h4>Overlapping holds</h4>\n<table class=\"overlaps\"><tr><th>lock</th>"
                       "<th>overlap</th><th>holder A</th><th>holder B</th></tr>\n");
        size_t i;
        json_t *o;
        json_array_foreach(ov, i, o)
        {
            if (i >= TABLE_CAP)
                break;
            sb_buf_puts(b, "<tr>");
            td_text(b, json_string_value(json_object_get(o, "lock")));
            sb_buf_printf(b, "<td class=\"num\">%.1f ms</td>",
                          json_number_value(json_object_get(o, "overlap_ms")));
            holder_cell(b, json_object_get(o, "a"));
            holder_cell(b, json_object_get(o, "b"));
            sb_buf_puts(b, "</tr>\n");
        }
        sb_buf_puts(b, "</table>\n");
        cap_note(b, i, (size_t)json_integer_value(fig(c, "overlaps")), "overlaps");
        html_lock_overlaps(b, x, ov);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ex, key, v)
    {
        if (!strcmp(key, "overlaps") || is_empty(v))
            continue;
        sb_buf_puts(b, "<h4>");
        html_escape(b, key);
        sb_buf_puts(b, "</h4>\n");
        if (all_objects(v))
            object_table(b, v, 0);
        else
            html_json(b, v, LIST_MAX);
    }
}

static void history_row(sb_buf *b, const sb_op *op, int hi)
{
    sb_buf_printf(b, "<tr%s><td class=\"num\">%lld</td>", hi ? " class=\"hi\"" : "",
                  (long long)op->index);
    td_secs(b, op->time_ns / 1e9);
    if (op->process >= 0)
        sb_buf_printf(b, "<td class=\"num\">%d</td>", op->process);
    else
        td_text(b, op->process == SB_PROC_NEMESIS ? "nemesis"
                   : op->process == SB_PROC_NODE  ? "node"
                                                  : "controller");
    td_text(b, history_type_name(op->type));
    td_text(b, op->f);
    sb_buf_puts(b, "<td class=\"mono\">");
    html_json(b, op->value, CELL_MAX);
    sb_buf_puts(b, "</td>");
    td_text(b, op->node[0] ? op->node : "");
    td_text(b, op->error ? op->error : "");
    sb_buf_puts(b, "</tr>\n");
}

/* The ops of the history between the first invocation and the last
 * completion of the operations the violation names. */
static void history_window(sb_buf *b, const sb_history *h, const json_t *viol)
{
    const json_t *op = json_object_get(viol, "op");
    long long lo = LLONG_MAX, hi = -1;
    long long mark[2] = {json_integer_value(json_object_get(op, "invoke_index")),
                         json_is_integer(json_object_get(op, "complete_index"))
                             ? json_integer_value(json_object_get(op, "complete_index"))
                             : -1};
    const json_t *all[11] = {op};
    size_t na = 1;
    for (size_t i = 0; i < json_array_size(json_object_get(viol, "concurrent")) && na < 11; i++)
        all[na++] = json_array_get(json_object_get(viol, "concurrent"), i);
    for (size_t i = 0; i < na; i++) {
        long long a = json_integer_value(json_object_get(all[i], "invoke_index"));
        const json_t *c = json_object_get(all[i], "complete_index");
        long long z = json_is_integer(c) ? json_integer_value(c) : a;
        lo = a < lo ? a : lo;
        hi = z > hi ? z : hi;
    }
    if (hi < 0)
        return;
    sb_buf_puts(
        b,
        "<h4>The history around it</h4>\n<div class=\"tw\"><table><tr><th>index</th><th>time</th>"
        "<th>process</th><th>type</th><th>f</th><th>value</th><th>node</th>"
        "<th>error</th></tr>\n");
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *o = &h->ops[i];
        if (o->index < lo || o->index > hi || o->process == SB_PROC_NODE)
            continue;
        if (total++ < HISTORY_WINDOW_CAP && ++shown)
            history_row(b, o, o->index == mark[0] || o->index == mark[1]);
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, shown, total, "operations of the window");
}

static void render_linear(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    const json_t *v = fig(c, "violation");
    if (!json_is_object(v))
        return;
    sb_buf_puts(b, "<h4>The operation that cannot be placed</h4>\n");
    html_register_window(b, x, v);
    kv_table(b, v, NULL);
    json_t *one = json_array();
    json_array_append(one, json_object_get(v, "op"));
    object_table(b, one, 0);
    json_decref(one);
    sb_buf_printf(b, "<p class=\"note\">Values the register could hold before it: ");
    html_json(b, json_object_get(v, "values_before"), CELL_MAX);
    sb_buf_puts(b, "</p>\n");
    if (json_array_size(json_object_get(v, "concurrent"))) {
        sb_buf_puts(b, "<h4>Concurrent operations</h4>\n");
        object_table(b, json_object_get(v, "concurrent"), 0);
    }
    if (x->h)
        history_window(b, x->h, v);
}

static void render_stale(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    static const char *const kinds[][3] = {
        {"ryw", "Read-your-writes violations", "ryw_violations"},
        {"monotonic", "Monotonic-read violations", "monotonic_violations"},
        {"future", "Reads of values never written", "future_reads"}};
    const json_t *ex = fig(c, "examples");
    for (size_t k = 0; k < 3; k++) {
        const json_t *a = json_object_get(ex, kinds[k][0]);
        if (!json_array_size(a))
            continue;
        size_t total = (size_t)json_integer_value(fig(c, kinds[k][2]));
        sb_buf_printf(b, "<h4>%s <span class=\"note\">(%zu of %zu)</span></h4>\n", kinds[k][1],
                      json_array_size(a), total > json_array_size(a) ? total : json_array_size(a));
        object_table(b, a, 0);
    }
    if (json_is_object(json_object_get(ex, "stalest"))) {
        sb_buf_puts(b, "<h4>The stalest read</h4>\n");
        kv_table(b, json_object_get(ex, "stalest"), NULL);
    }
}

/* A cycle as a picture: its transactions on a circle, each edge an arrow
 * to the next labelled with its kind and key (ww x, wr x, rw x, rt), then
 * the sentence that justifies each edge. */
#define CYCLE_PICTURES 3 /* cycles of one class drawn as a picture */

static void cycle_svg(sb_buf *b, const json_t *steps)
{
    size_t n = json_array_size(steps);
    if (n < 2 || n > 24)
        return;
    const double W = 420, H = 300, cx = W / 2, cy = H / 2 + 4, R = n == 2 ? 80 : 105, nr = 17;
    double px[24], py[24];
    for (size_t i = 0; i < n; i++) {
        double a = -M_PI / 2 + 2 * M_PI * (double)i / (double)n;
        px[i] = cx + R * cos(a);
        py[i] = cy + R * sin(a);
    }
    sb_buf_printf(b,
                  "<svg class=\"plot cycle\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                  "aria-label=\"dependency cycle\" style=\"max-width:%.0fpx\">\n",
                  W, H, W * 1.2);
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        const json_t *s = json_array_get(steps, i);
        double dx = px[j] - px[i], dy = py[j] - py[i], len = sqrt(dx * dx + dy * dy);
        /* bend each edge to its left, so T1->T2 and T2->T1 stay apart */
        double qx = (px[i] + px[j]) / 2 - dy / len * len * 0.22;
        double qy = (py[i] + py[j]) / 2 + dx / len * len * 0.22;
        /* start and end on the nodes' rims, along the curve's tangents */
        double sx = qx - px[i], sy = qy - py[i], sl = sqrt(sx * sx + sy * sy);
        double ex = px[j] - qx, ey = py[j] - qy, el = sqrt(ex * ex + ey * ey);
        double x0 = px[i] + sx / sl * nr, y0 = py[i] + sy / sl * nr;
        double x1 = px[j] - ex / el * (nr + 2), y1 = py[j] - ey / el * (nr + 2);
        const char *edge = json_string_value(json_object_get(s, "edge"));
        const char *key = json_string_value(json_object_get(s, "key"));
        sb_buf_printf(b, "<path class=\"cy-e\" d=\"M%.1f %.1fQ%.1f %.1f %.1f %.1f\"><title>", x0,
                      y0, qx, qy, x1, y1);
        html_escape_max(b, json_string_value(json_object_get(s, "because")), 400);
        sb_buf_puts(b, "</title></path>");
        /* the arrowhead at the end */
        double ux = ex / el, uy = ey / el;
        sb_buf_printf(b, "<path class=\"cy-a\" d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fz\"/>",
                      x1 + ux * 2, y1 + uy * 2, x1 - ux * 8 - uy * 4.5, y1 - uy * 8 + ux * 4.5,
                      x1 - ux * 8 + uy * 4.5, y1 - uy * 8 - ux * 4.5);
        double lx = 0.25 * px[i] + 0.5 * qx + 0.25 * px[j],
               ly = 0.25 * py[i] + 0.5 * qy + 0.25 * py[j];
        sb_buf_printf(b, "<text class=\"cy-l\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", lx,
                      ly + 4);
        html_escape_max(b, edge ? edge : "?", 16);
        if (key) {
            sb_buf_puts(b, " ");
            html_escape_max(b, key, 24);
        }
        sb_buf_puts(b, "</text>\n");
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(steps, i);
        sb_buf_printf(b, "<g class=\"cy-n\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.0f\"/>", px[i],
                      py[i], nr);
        sb_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", px[i], py[i] + 4);
        html_escape_max(b, json_string_value(json_object_get(s, "name")), 8);
        sb_buf_puts(b, "</text><title>op ");
        html_json(b, json_object_get(s, "index"), 24);
        sb_buf_puts(b, ", process ");
        html_json(b, json_object_get(s, "process"), 24);
        sb_buf_puts(b, ": ");
        html_json(b, json_object_get(s, "ops"), 200);
        sb_buf_puts(b, "</title></g>\n");
    }
    sb_buf_puts(b, "</svg>\n<ol class=\"cy-why\">");
    size_t i;
    json_t *s;
    json_array_foreach((json_t *)steps, i, s)
    {
        sb_buf_puts(b, "<li>");
        html_escape_max(b, json_string_value(json_object_get(s, "because")), 400);
        sb_buf_puts(b, "</li>");
    }
    sb_buf_puts(b, "</ol>\n");
}

static void render_cycle(sb_buf *b, const json_t *e, size_t n)
{
    const json_t *steps = json_object_get(e, "cycle");
    sb_buf_printf(b,
                  "<p class=\"note\">Cycle %zu: %lld transactions; each one's edge leads to "
                  "the next, the last to the first.</p>\n<table><tr><th>txn (op index)</th>"
                  "<th>process</th><th>type</th><th>ops</th><th>key</th><th>edge</th></tr>\n",
                  n, (long long)json_integer_value(json_object_get(e, "length")));
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        sb_buf_puts(b, "<tr>");
        td_value(b, json_object_get(s, "index"));
        td_value(b, json_object_get(s, "process"));
        td_text(b, json_string_value(json_object_get(s, "type")));
        sb_buf_puts(b, "<td class=\"mono\">");
        html_json(b, json_object_get(s, "ops"), 300);
        sb_buf_puts(b, "</td>");
        td_text(b, json_string_value(json_object_get(s, "key")));
        sb_buf_puts(b, "<td>");
        html_escape_max(b, json_string_value(json_object_get(s, "edge")), 16);
        sb_buf_puts(b, " \xe2\x86\x92</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n");
    if (n <= CYCLE_PICTURES)
        cycle_svg(b, steps);
}

static void render_listappend(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    const char *cls;
    json_t *ex;
    json_object_foreach((json_t *)fig(c, "anomalies"), cls, ex)
    {
        sb_buf_puts(b, "<h4>");
        html_escape_max(b, cls, 64);
        sb_buf_printf(b, " <span class=\"note\">(%zu examples)</span></h4>\n", json_array_size(ex));
        size_t i;
        json_t *e;
        int cycles = 0;
        json_array_foreach(ex, i, e)
        {
            if (json_is_array(json_object_get(e, "cycle")))
                render_cycle(b, e, ++cycles);
        }
        if (!cycles && all_objects(ex))
            object_table(b, ex, 0);
        else if (!cycles)
            html_json(b, ex, LIST_MAX);
    }
}

typedef void (*render_fn)(sb_buf *b, const html_run *x, const sb_check_result *c);

/* Checkers whose figures get tables of their own; the figures they name
 * are left out of the generic rendering that follows. */
static const struct special {
    const char *checker;
    render_fn render;
    const char *const handled[4];
} specials[] = {
    {"set", render_set, {"lost", "lost_windows", "lost_by_node", NULL}},
    {"split-brain", render_splitbrain, {"detail", NULL}},
    {"lock", render_lock, {"examples", NULL}},
    {"linearizable", render_linear, {"violation", NULL}},
    {"stale-read", render_stale, {"examples", NULL}},
    {"list-append", render_listappend, {"anomalies", NULL}},
    {"cache", html_cache_charts, {"series", NULL}}, /* plotted; its tables stay generic */
    {"perf", NULL, {"throughput_per_s", NULL}},     /* plotted */
};

void html_anomalies(sb_buf *b, const html_run *x)
{
    const sb_run_result *r = x->r;
    sb_buf_puts(b, "<section id=\"anomalies\"><h2>Anomalies and figures</h2>\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        const struct special *sp = NULL;
        for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
            if (!strcmp(specials[k].checker, c->checker))
                sp = &specials[k];
        sb_buf_printf(b, "<div class=\"checker\" id=\"ck-%zu\"><h3>", i);
        verdict_badge(b, c->verdict);
        html_escape(b, c->checker);
        sb_buf_puts(b, "</h3>\n<p>");
        html_escape(b, c->summary);
        sb_buf_puts(b, "</p>\n");
        if (sp && sp->render && c->figures)
            sp->render(b, x, c);
        if (json_is_object(c->figures)) {
            sb_buf_puts(b, "<h4>Figures</h4>\n");
            figures_generic(b, c->figures, sp ? sp->handled : NULL);
        }
        sb_buf_puts(b, "</div>\n");
    }
    if (!r->n_checks)
        sb_buf_puts(b, "<p class=\"note\">No checker ran.</p>\n");
    sb_buf_puts(b, "</section>\n");
}

/* ====== Lists: faults and node events ====== */

void html_fault_list(sb_buf *b, const html_run *x)
{
    sb_buf_puts(b, "<section id=\"faults\"><h2>Faults</h2>\n");
    if (!x->n_faults) {
        sb_buf_puts(b, "<p class=\"note\">No fault was injected.</p></section>\n");
        return;
    }
    sb_buf_puts(b, "<div class=\"tw\"><table class=\"faults\"><tr><th>at</th><th>fault</th><th>in "
                   "force until</th>"
                   "<th>lasted</th><th>outcome</th></tr>\n");
    size_t i;
    for (i = 0; i < x->n_faults && i < FAULT_LIST_CAP; i++) {
        const html_fault *f = &x->faults[i];
        sb_buf_printf(b, "<tr%s>", f->failed ? " class=\"missed\"" : "");
        td_secs(b, f->start_ns / 1e9);
        td_text(b, f->label);
        if (f->instant) {
            sb_buf_puts(b, "<td></td><td></td>");
        } else {
            if (f->open)
                sb_buf_puts(b, "<td>the end of the run (never undone)</td>");
            else
                td_secs(b, f->end_ns / 1e9);
            td_secs(b, (f->end_ns - f->start_ns) / 1e9);
        }
        td_text(b, f->skipped   ? "skipped"
                   : f->failed  ? "FAILED"
                   : !f->cls    ? "undoes"
                   : f->instant ? "done"
                                : "in force");
        sb_buf_puts(b, "</tr>\n");
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, i, x->n_faults, "faults");
    sb_buf_puts(b, "</section>\n");
}

void html_event_list(sb_buf *b, const html_run *x)
{
    sb_buf_puts(b, "<section id=\"events\"><h2>Node events</h2>\n");
    size_t total = 0, shown = 0;
    for (size_t i = 0; x->h && i < x->h->n; i++) {
        const sb_op *op = &x->h->ops[i];
        if (op->process != SB_PROC_NODE)
            continue;
        if (total++ >= EVENT_LIST_CAP)
            continue;
        if (!shown++)
            sb_buf_puts(b, "<div class=\"tw\"><table "
                           "class=\"events\"><tr><th>at</th><th>host</th><th>process</th>"
                           "<th>event</th><th>detail</th></tr>\n");
        sb_buf_printf(b, "<tr%s>", html_event_class(op->f) == 1 ? " class=\"hi\"" : "");
        td_secs(b, op->time_ns / 1e9);
        td_text(b, op->node);
        td_text(b, json_string_value(json_object_get(op->value, "process")));
        td_text(b, op->f);
        sb_buf_puts(b, "<td>");
        html_escape_named(b, x, json_string_value(json_object_get(op->value, "detail")), CELL_MAX);
        sb_buf_puts(b, "</td></tr>\n");
    }
    if (shown)
        sb_buf_puts(b, "</table></div>\n");
    else
        sb_buf_puts(b, "<p class=\"note\">No node log events in this history.</p>\n");
    cap_note(b, shown, total, "node events");
    sb_buf_puts(b, "</section>\n");
}
