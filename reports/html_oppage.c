/* html_oppage.c -- timeline.html, written next to report.html: a lane per
 * client process and a bar per operation from invocation to completion,
 * coloured by outcome, its value on hover, fault windows shaded behind the
 * lanes, zoomable without script (radio inputs whose :checked state widens
 * the lanes inside a scrolling box). Up to TP_FULL_OPS operations the whole
 * run is drawn; past that only windows around the operations the checkers
 * name (by op index) in their results, with those operations outlined. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define TP_FULL_OPS 10000      /* operations drawn one by one over the whole run */
#define TP_WIN_NS 1000000000LL /* drawn either side of an anomaly's operations */
#define TP_WIN_OPS 3000        /* operations drawn in one window at most */
#define TP_WIN_CAP 20          /* anomaly windows */
#define TP_MARK_CAP 256        /* op indexes taken from the results */
#define TP_VALUE_MAX 60        /* bytes of a value in a tooltip */

static const char tp_css[] =
    ".zm{margin:8px 0}.zm input{margin:0 2px 0 10px}.zm input:first-child{margin-left:0}\n"
    ".tb{overflow-x:auto;border:1px solid #e2e8f0;background:#fff}\n"
    ".tc{position:relative;width:100%}\n"
    ".zm input:nth-of-type(2):checked~.tb .tc{width:400%}"
    ".zm input:nth-of-type(3):checked~.tb .tc{width:1600%}"
    ".zm input:nth-of-type(4):checked~.tb .tc{width:6400%}\n"
    ".l{position:relative;height:14px;border-bottom:1px solid #f1f5f9}\n"
    ".l i{position:sticky;left:0;z-index:2;font:10px sans-serif;color:#475569;"
    "background:rgba(255,255,255,.8);padding:0 3px}\n"
    ".l b{position:absolute;top:2px;height:10px;min-width:1px;box-sizing:border-box}\n"
    ".k{background:#2f9e44}.f{background:#e03131}.n{background:#f59f00}\n"
    ".l b.a{outline:2px solid #111;z-index:1}\n"
    ".fw{position:absolute;top:0;bottom:0;background:rgba(250,176,5,.16)}\n"
    ".ax{position:relative;height:16px;font:10px sans-serif;color:#64748b}"
    ".ax span{position:absolute;border-left:1px solid #cbd5e1;padding-left:2px}\n";

typedef struct tp_op {
    const sb_op *inv, *done; /* either may be NULL, not both */
    int64_t s_ns, e_ns;
    int lane, mark;
} tp_op;

/* ====== Operations: invocations paired with their completions ====== */

static tp_op *tp_pair(const sb_history *h, html_pmap *m, int64_t end_ns, size_t *n_out)
{
    size_t n = 0, cap = 64;
    tp_op *v = sb_xmalloc(cap * sizeof(*v));
    for (size_t i = 0; i <= h->n; i++) {
        const sb_op *o = i < h->n ? &h->ops[i] : NULL;
        if (o && o->process < 0)
            continue;
        html_pslot *p = o ? html_pmap_get(m, o->process, 0) : NULL;
        if (o && !p)
            continue;
        if (o && o->type == SB_OP_INVOKE && !p->inv) {
            p->inv = o;
            continue;
        }
        if (!o) /* the end: invocations never completed */
            break;
        if (n + 1 >= cap)
            v = sb_xrealloc(v, (cap *= 2) * sizeof(*v));
        tp_op *t = &v[n++];
        t->inv = p->inv;
        t->done = o->type == SB_OP_INVOKE ? NULL : o;
        if (o->type == SB_OP_INVOKE) /* a second invocation: the first never completed */
            p->inv = o;
        else
            p->inv = NULL;
        t->s_ns = t->inv ? t->inv->time_ns : o->time_ns;
        t->e_ns = t->done ? t->done->time_ns : end_ns;
        t->lane = p->lane;
        t->mark = 0;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->s[i].used || !m->s[i].inv)
            continue;
        if (n + 1 >= cap)
            v = sb_xrealloc(v, (cap *= 2) * sizeof(*v));
        v[n++] = (tp_op){
            .inv = m->s[i].inv, .s_ns = m->s[i].inv->time_ns, .e_ns = end_ns, .lane = m->s[i].lane};
        m->s[i].inv = NULL;
    }
    *n_out = n;
    return v;
}

/* ====== Anomalies: op indexes named in the checkers' results ====== */

static void tp_collect(const json_t *j, long long *idx, size_t *n)
{
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, k, v)
        {
            if (json_is_integer(v) && *n < TP_MARK_CAP &&
                (!strcmp(k, "index") || !strcmp(k, "invoke_index") || !strcmp(k, "complete_index")))
                idx[(*n)++] = json_integer_value(v);
            else
                tp_collect(v, idx, n);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) tp_collect(v, idx, n);
    }
}

/* Marks the operations whose invocation or completion has one of the
 * indexes the results name; returns how many were marked. */
static size_t tp_mark(const sb_run_result *r, tp_op *ops, size_t n)
{
    long long idx[TP_MARK_CAP];
    size_t k = 0, marked = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        tp_collect(r->checks[i].figures, idx, &k);
    for (size_t i = 0; i < n && k; i++) {
        for (size_t j = 0; j < k; j++) {
            if ((ops[i].inv && ops[i].inv->index == idx[j]) ||
                (ops[i].done && ops[i].done->index == idx[j])) {
                ops[i].mark = 1;
                marked++;
                break;
            }
        }
    }
    return marked;
}

/* ====== Drawing ====== */

static double tp_pct(int64_t t, int64_t t0, int64_t t1)
{
    if (t < t0)
        t = t0;
    if (t > t1)
        t = t1;
    return t1 > t0 ? 100.0 * (double)(t - t0) / (double)(t1 - t0) : 0;
}

static void tp_bar(sb_buf *b, const tp_op *o, int64_t t0, int64_t t1)
{
    const sb_op *d = o->done ? o->done : o->inv;
    const char *cls = !o->done                      ? "n"
                      : o->done->type == SB_OP_OK   ? "k"
                      : o->done->type == SB_OP_FAIL ? "f"
                                                    : "n";
    double l = tp_pct(o->s_ns, t0, t1), w = tp_pct(o->e_ns, t0, t1) - l;
    sb_buf_printf(b, "<b class=\"%s%s\" style=\"left:%.2f%%;width:%.2f%%\" title=\"process %d, ",
                  cls, o->mark ? " a" : "", l, w, d->process);
    html_escape(b, d->f);
    sb_buf_puts(b, ", ");
    html_json(b, d->value ? d->value : o->inv ? o->inv->value : NULL, TP_VALUE_MAX);
    sb_buf_printf(b, ", %s, invoked at %.3f s, took %.1f ms",
                  o->done ? history_type_name(o->done->type) : "no completion", o->s_ns / 1e9,
                  (o->e_ns - o->s_ns) / 1e6);
    if (o->done && o->done->error) {
        sb_buf_puts(b, ": ");
        html_escape_max(b, o->done->error, TP_VALUE_MAX);
    }
    sb_buf_printf(b, ", op %lld\"></b>", (long long)d->index);
}

static void tp_axis(sb_buf *b, int64_t t0, int64_t t1)
{
    double span = (t1 - t0) / 1e9, step = html_nice_step(span / 10);
    sb_buf_puts(b, "<div class=\"ax\">");
    for (double s = step * (long long)(t0 / 1e9 / step); s <= t1 / 1e9 && step > 0; s += step)
        if (s * 1e9 >= t0)
            sb_buf_printf(b, "<span style=\"left:%.2f%%\">%g s</span>",
                          tp_pct((int64_t)(s * 1e9), t0, t1), s);
    sb_buf_puts(b, "</div>\n");
}

/* The lanes of ops[lo..hi) between t0 and t1, with zoom controls named
 * by id (radio groups must differ between windows). */
static void tp_window(sb_buf *b, const html_run *x, const tp_op *ops, size_t lo, size_t hi,
                      const int *procs, int lanes, int64_t t0, int64_t t1, int id)
{
    static const char *const zoom[] = {"1x", "4x", "16x", "64x"};
    sb_buf_puts(b, "<div class=\"zm\">zoom ");
    for (int z = 0; z < 4; z++)
        sb_buf_printf(b,
                      "<input type=\"radio\" name=\"z%d\" id=\"z%d-%d\"%s><label for=\"z%d-%d\">"
                      "%s</label>",
                      id, id, z, z ? "" : " checked", id, z, zoom[z]);
    sb_buf_puts(b, "\n<div class=\"tb\"><div class=\"tc\">\n");
    for (size_t i = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        if (!f->cls || f->failed || f->instant || f->end_ns < t0 || f->start_ns > t1)
            continue;
        double l = tp_pct(f->start_ns, t0, t1);
        sb_buf_printf(b, "<div class=\"fw\" style=\"left:%.2f%%;width:%.2f%%\" title=\"", l,
                      tp_pct(f->end_ns, t0, t1) - l);
        html_escape(b, f->label);
        sb_buf_puts(b, "\"></div>");
    }
    tp_axis(b, t0, t1);
    for (int lane = 0; lane < lanes; lane++) {
        sb_buf_printf(b, "<div class=\"l\"><i>p %d%s</i>", procs[lane],
                      lane == LANE_CAP - 1 ? "+" : "");
        for (size_t i = lo; i < hi; i++)
            if (ops[i].lane == lane && ops[i].e_ns >= t0 && ops[i].s_ns <= t1)
                tp_bar(b, &ops[i], t0, t1);
        sb_buf_puts(b, "</div>\n");
    }
    sb_buf_puts(b, "</div></div></div>\n");
}

static int tp_cmp_start(const void *a, const void *b)
{
    const tp_op *x = a, *y = b;
    return (x->s_ns > y->s_ns) - (x->s_ns < y->s_ns);
}

/* Past TP_FULL_OPS: a window of TP_WIN_NS either side of each marked
 * operation (overlapping ones merged), at most TP_WIN_OPS operations. */
static void tp_anomaly_windows(sb_buf *b, const html_run *x, const tp_op *ops, size_t n,
                               const int *procs, int lanes)
{
    int w = 0;
    for (size_t i = 0; i < n && w < TP_WIN_CAP; i++) {
        if (!ops[i].mark)
            continue;
        int64_t t0 = ops[i].s_ns - TP_WIN_NS, t1 = ops[i].e_ns + TP_WIN_NS;
        size_t j = i + 1;
        for (; j < n && ops[j].s_ns <= t1; j++)
            if (ops[j].mark && ops[j].e_ns + TP_WIN_NS > t1)
                t1 = ops[j].e_ns + TP_WIN_NS;
        size_t lo = i;
        while (lo > 0 && ops[lo - 1].s_ns >= t0 && i - lo < TP_WIN_OPS / 2)
            lo--;
        size_t hi = j;
        if (hi - lo > TP_WIN_OPS)
            hi = lo + TP_WIN_OPS;
        t0 = t0 < 0 ? 0 : t0;
        sb_buf_printf(b,
                      "<section id=\"w%d\"><h2>Around %.3f s</h2>\n<p class=\"note\">%zu "
                      "operations from %.3f s to %.3f s; the ones a checker names are outlined."
                      "</p>\n",
                      w, ops[i].s_ns / 1e9, hi - lo, t0 / 1e9, t1 / 1e9);
        tp_window(b, x, ops, lo, hi, procs, lanes, t0, t1, w + 1);
        sb_buf_puts(b, "</section>\n");
        w++;
        i = j - 1;
    }
    if (!w)
        sb_buf_puts(b, "<p class=\"note\">No checker named an operation, so no window is "
                       "drawn.</p>\n");
}

static void tp_body(sb_buf *b, const html_run *x)
{
    html_pmap m = {0};
    int *procs = NULL;
    int lanes = html_pmap_lanes(&m, x->h, &procs);
    if (lanes <= 0) {
        sb_buf_puts(b, lanes < 0 ? "<p class=\"note\">Out of memory.</p>\n"
                                 : "<p class=\"note\">No client operations in this history.</p>\n");
        free(procs);
        free(m.s);
        return;
    }
    size_t n = 0;
    tp_op *ops = tp_pair(x->h, &m, x->end_ns, &n);
    qsort(ops, n, sizeof(*ops), tp_cmp_start);
    tp_mark(x->r, ops, n);
    sb_buf_printf(b, "<p class=\"note\">Green: ok, red: fail, amber: info (may or may not have "
                     "happened). Hover a bar for its process, function, value, outcome and "
                     "times; shaded: faults in force.</p>\n");
    if (n <= TP_FULL_OPS) {
        sb_buf_printf(b, "<section id=\"all\"><h2>All %zu operations</h2>\n", n);
        tp_window(b, x, ops, 0, n, procs, lanes, 0, x->end_ns, 0);
        sb_buf_puts(b, "</section>\n");
    } else {
        sb_buf_printf(b,
                      "<p class=\"note\">This run had %zu operations; past %d only the windows "
                      "around anomalies are drawn.</p>\n",
                      n, TP_FULL_OPS);
        tp_anomaly_windows(b, x, ops, n, procs, lanes);
    }
    free(ops);
    free(procs);
    free(m.s);
}

int report_timeline_html(const sb_run_result *r, const sb_history *h, const char *path, char *err)
{
    html_run x;
    if (html_run_prepare(&x, r, h) == -1) {
        html_run_free(&x);
        sb_err_set(err, "report %s: out of memory", path);
        return -1;
    }
    sb_buf b;
    sb_buf_init(&b);
    char title[160];
    snprintf(title, sizeof(title), "Timeline %s", r->name);
    html_page_open(&b, title);
    sb_buf_printf(&b, "<style>\n%s</style>\n<h1>", tp_css);
    html_escape(&b, r->name);
    sb_buf_puts(&b, ": every operation, per process</h1>\n<p><a href=\"report.html\">"
                    "back to the report</a></p>\n");
    if (h)
        tp_body(&b, &x);
    else
        sb_buf_puts(&b, "<p class=\"note\">No history.</p>\n");
    html_page_close(&b);
    int rc = html_write_atomic(path, &b, err);
    sb_buf_free(&b);
    html_run_free(&x);
    return rc;
}
