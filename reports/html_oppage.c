/* html_oppage.c -- timeline.html, written next to report.html: a lane per
 * client process and a bar per operation from invocation to completion,
 * coloured by outcome, its value on hover, fault windows shaded behind the
 * lanes, zoomable without script (radio inputs whose :checked state widens
 * the lanes inside a scrolling box). Up to TP_FULL_OPS operations the whole
 * run is drawn; past that only windows around the operations the checkers
 * name (by op index) in their results, with those operations outlined, and
 * around the start and end of each window of lost writes or stale reads.
 * Those windows are shaded over the lanes, whatever the length of the run. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define TP_FULL_OPS 10000      /* operations drawn one by one over the whole run */
#define TP_WIN_NS 1000000000LL /* drawn either side of an anomaly's operations */
#define TP_WIN_OPS 2000        /* operations drawn in one window at most */
#define TP_WIN_TOTAL 12000     /* operations drawn in all windows (about 1.5 MB) */
#define TP_WIN_CAP 20          /* anomaly windows */
#define TP_MARK_CAP 256        /* op indexes taken from the results */
#define TP_VALUE_MAX 60        /* bytes of a value in a tooltip */

static const char tp_css[] =
    ".zm{margin:8px 0}.zm input{margin:0 2px 0 10px}.zm input:first-child{margin-left:0}\n"
    ".tb{overflow-x:auto;overflow-y:hidden;border:1px solid #e2e8f0;background:#fff}\n"
    ".tc{position:relative;width:100%}\n"
    ".zm input:nth-of-type(2):checked~.tb .tc{width:400%}"
    ".zm input:nth-of-type(3):checked~.tb .tc{width:1600%}"
    ".zm input:nth-of-type(4):checked~.tb .tc{width:6400%}\n"
    ".l{position:relative;height:14px;border-bottom:1px solid #f1f5f9}\n"
    ".l i{position:sticky;left:0;z-index:2;font:10px/14px sans-serif;color:#475569;"
    "background:rgba(255,255,255,.8);padding:0 3px}\n"
    ".l b{position:absolute;top:2px;height:10px;min-width:1px;box-sizing:border-box}\n"
    ".k{background:#2f9e44}.f{background:#e03131}.n{background:#f59f00}.x{background:#862e9c}\n"
    ".l b.a{outline:2px solid #111;z-index:1}\n"
    ".fw{position:absolute;top:0;bottom:0;background:rgba(250,176,5,.16)}\n"
    ".lw,.sw{position:absolute;top:16px;bottom:0;border-top:3px solid}"
    ".lw{background:rgba(201,42,42,.10);border-color:#c92a2a}"
    ".sw{background:rgba(232,89,12,.10);border-color:#e8590c}\n"
    ".lg i{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px}\n"
    ".ax{position:relative;height:16px;font:10px sans-serif;color:#64748b}"
    ".ax span{position:absolute;border-left:1px solid #cbd5e1;padding-left:2px}\n";

typedef struct tp_op {
    const sb_op *inv, *done; /* either may be NULL, not both */
    int64_t s_ns, e_ns;
    int lane, mark;
    int lost; /* an acknowledged add the set checker found lost */
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
        t->lost = 0;
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

static int tp_cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Flags the acknowledged adds whose value the set checker lists as lost
 * (its "lost" list, complete up to its cap); returns how many. */
static size_t tp_lost(const sb_run_result *r, tp_op *ops, size_t n)
{
    const json_t *lost = NULL;
    for (size_t i = 0; i < r->n_checks && !lost; i++)
        if (!strcmp(r->checks[i].checker, "set"))
            lost = json_object_get(r->checks[i].figures, "lost");
    size_t nl = json_array_size(lost), flagged = 0;
    if (!nl)
        return 0;
    long long *v = sb_xmalloc(nl * sizeof(*v));
    for (size_t i = 0; i < nl; i++)
        v[i] = json_integer_value(json_array_get(lost, i));
    qsort(v, nl, sizeof(*v), tp_cmp_ll);
    for (size_t i = 0; i < n; i++) {
        const sb_op *d = ops[i].done;
        if (!d || d->type != SB_OP_OK || strcmp(d->f, "add") || !json_is_integer(d->value))
            continue;
        long long k = json_integer_value(d->value);
        if (bsearch(&k, v, nl, sizeof(*v), tp_cmp_ll)) {
            ops[i].lost = 1;
            flagged++;
        }
    }
    free(v);
    return flagged;
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
                      : o->lost                     ? "x"
                      : o->done->type == SB_OP_OK   ? "k"
                      : o->done->type == SB_OP_FAIL ? "f"
                                                    : "n";
    double l = tp_pct(o->s_ns, t0, t1), w = tp_pct(o->e_ns, t0, t1) - l;
    sb_buf_printf(b, "<b class=\"%s%s\" style=\"left:%.2f%%;width:%.2f%%\" title=\"process %d, ",
                  cls, o->mark ? " a" : "", l, w, d->process);
    html_escape(b, d->f);
    sb_buf_puts(b, ", ");
    html_json(b, d->value ? d->value : o->inv ? o->inv->value : NULL, TP_VALUE_MAX);
    sb_buf_printf(b, ", %s%s, invoked at %.3f s, took %.1f ms",
                  o->done ? history_type_name(o->done->type) : "no completion",
                  o->lost ? " (later lost)" : "", o->s_ns / 1e9, (o->e_ns - o->s_ns) / 1e6);
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
    html_an_lane an[HTML_AN_LANE_CAP];
    size_t n_an = html_an_lanes(x, an);
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
    for (size_t l = 0; l < n_an; l++) {
        size_t k;
        json_t *w;
        json_array_foreach(an[l].windows, k, w)
        {
            int64_t s = json_integer_value(json_object_get(w, "start"));
            int64_t e = json_integer_value(json_object_get(w, "end"));
            if (e < t0 || s > t1)
                continue;
            double l0 = tp_pct(s, t0, t1);
            sb_buf_printf(b, "<div class=\"%s\" style=\"left:%.2f%%;width:%.2f%%\" title=\"",
                          strcmp(an[l].cls, "an-stale") ? "lw" : "sw", l0,
                          tp_pct(e, t0, t1) - l0 < 0.1 ? 0.1 : tp_pct(e, t0, t1) - l0);
            html_an_sentence(b, &an[l], w);
            sb_buf_puts(b, "\"></div>");
        }
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

/* A stretch of time to draw, around anchor (an operation a checker names,
 * or the start or end of a window of lost writes or stale reads). */
typedef struct tp_iv {
    int64_t t0, t1, anchor;
} tp_iv;

static int tp_cmp_iv(const void *a, const void *b)
{
    const tp_iv *x = a, *y = b;
    return (x->t0 > y->t0) - (x->t0 < y->t0);
}

/* The first of ops[0..n) (sorted by start) that starts at t or later. */
static size_t tp_first_from(const tp_op *ops, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ops[mid].s_ns < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The stretches to draw past TP_FULL_OPS: TP_WIN_NS either side of each
 * marked operation and of each end of a lost-write or stale-read window,
 * sorted and merged. Returns how many (caller frees *out). */
static size_t tp_intervals(const html_run *x, const tp_op *ops, size_t n, tp_iv **out)
{
    size_t k = 0, cap = 16;
    tp_iv *v = sb_xmalloc(cap * sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        if (!ops[i].mark)
            continue;
        if (k + 1 >= cap)
            v = sb_xrealloc(v, (cap *= 2) * sizeof(*v));
        v[k++] = (tp_iv){ops[i].s_ns - TP_WIN_NS, ops[i].e_ns + TP_WIN_NS, ops[i].s_ns};
    }
    html_an_lane an[HTML_AN_LANE_CAP];
    size_t n_an = html_an_lanes(x, an);
    for (size_t j = 0; j < n_an; j++) {
        size_t w;
        json_t *wj;
        json_array_foreach(an[j].windows, w, wj)
        {
            int64_t s = json_integer_value(json_object_get(wj, "start"));
            int64_t e = json_integer_value(json_object_get(wj, "end"));
            for (int end = 0; end < 2 && (!end || e - s > 2 * TP_WIN_NS); end++) {
                if (k + 1 >= cap)
                    v = sb_xrealloc(v, (cap *= 2) * sizeof(*v));
                int64_t a = end ? e : s;
                v[k++] = (tp_iv){a - TP_WIN_NS, a + TP_WIN_NS, a};
            }
        }
    }
    if (k)
        qsort(v, k, sizeof(*v), tp_cmp_iv);
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (v[i].t0 < 0)
            v[i].t0 = 0;
        if (w && v[i].t0 <= v[w - 1].t1) {
            if (v[i].t1 > v[w - 1].t1)
                v[w - 1].t1 = v[i].t1;
        } else {
            v[w++] = v[i];
        }
    }
    *out = v;
    return w;
}

/* Past TP_FULL_OPS: the stretches of tp_intervals(), each narrowed around
 * its anchor to TP_WIN_OPS operations, TP_WIN_TOTAL in all. */
static void tp_anomaly_windows(sb_buf *b, const html_run *x, const tp_op *ops, size_t n,
                               const int *procs, int lanes)
{
    tp_iv *iv = NULL;
    size_t n_iv = tp_intervals(x, ops, n, &iv), drawn = 0;
    int w = 0;
    for (size_t i = 0; i < n_iv && w < TP_WIN_CAP && drawn < TP_WIN_TOTAL; i++) {
        int64_t t0 = iv[i].t0, t1 = iv[i].t1;
        size_t lo = tp_first_from(ops, n, t0), hi = tp_first_from(ops, n, t1 + 1);
        size_t room = TP_WIN_TOTAL - drawn < TP_WIN_OPS ? TP_WIN_TOTAL - drawn : TP_WIN_OPS;
        int narrowed = hi - lo > room;
        if (narrowed) {
            size_t c = tp_first_from(ops, n, iv[i].anchor);
            lo = c > lo + room / 2 ? c - room / 2 : lo;
            hi = lo + room < hi ? lo + room : hi;
            t0 = ops[lo].s_ns;
            t1 = ops[hi - 1].s_ns;
        }
        if (hi <= lo)
            continue;
        sb_buf_printf(b,
                      "<section id=\"w%d\"><h2>Around %.3f s</h2>\n<p class=\"note\">%zu "
                      "operations from %.3f s to %.3f s%s; the ones a checker names are outlined."
                      "</p>\n",
                      w, iv[i].anchor / 1e9, hi - lo, t0 / 1e9, t1 / 1e9,
                      narrowed ? " (narrowed to the operations nearest the anomaly)" : "");
        tp_window(b, x, ops, lo, hi, procs, lanes, t0, t1, w + 1);
        sb_buf_puts(b, "</section>\n");
        drawn += hi - lo;
        w++;
    }
    if (!w)
        sb_buf_puts(b, "<p class=\"note\">No checker named an operation or a window of lost "
                       "writes or stale reads, so no window is drawn.</p>\n");
    else if ((size_t)w < n_iv)
        sb_buf_printf(b,
                      "<p class=\"note\">%zu more windows not drawn (at most %d windows and "
                      "%d operations in all).</p>\n",
                      n_iv - (size_t)w, TP_WIN_CAP, TP_WIN_TOTAL);
    free(iv);
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
    size_t lost = tp_lost(x->r, ops, n);
    sb_buf_printf(b,
                  "<p class=\"note\">Green: ok, red: fail, amber: info (may or may not have "
                  "happened)%s. Hover a bar for its process, function, value, outcome and "
                  "times; shaded: faults in force.</p>\n",
                  lost ? ", purple: acknowledged but lost (absent from the final read)" : "");
    html_an_lane an[HTML_AN_LANE_CAP];
    size_t n_an = html_an_lanes(x, an);
    int has[2] = {0, 0};
    for (size_t i = 0; i < n_an; i++)
        has[!strcmp(an[i].cls, "an-stale")] = 1;
    if (n_an) {
        sb_buf_puts(b, "<p class=\"note lg\">");
        if (has[0])
            sb_buf_puts(b, "<i class=\"lw\" style=\"position:static\"></i>when writes later "
                           "lost were acknowledged");
        if (has[1])
            sb_buf_puts(b, "<i class=\"sw\" style=\"position:static\"></i>when stale reads "
                           "were served");
        sb_buf_puts(b, " (hover the shading for the node and the count):");
        for (size_t i = 0; i < n_an; i++) {
            size_t k;
            json_t *w;
            json_array_foreach(an[i].windows, k, w)
            {
                if (k >= 4)
                    break;
                sb_buf_puts(b, k || i ? "; " : " ");
                html_an_sentence(b, &an[i], w);
            }
            if (json_array_size(an[i].windows) > 4)
                sb_buf_printf(b, "; %zu more windows", json_array_size(an[i].windows) - 4);
        }
        sb_buf_puts(b, ".</p>\n");
    }
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
    html_page_open_css(&b, title, tp_css);
    sb_buf_puts(&b, "<h1>");
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
