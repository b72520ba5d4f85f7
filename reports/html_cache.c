/* html_cache.c -- the cache checker's section of report.html drawn over
 * time, from its "series" figure (at most 200 columns): the requests that
 * reached the origin per column with the largest herd starting in each
 * and the strategy's herd bound; the staleness age of the stale reads; the
 * waits, with the starvation bound and the starved gets. Each chart shares
 * the time axis and fault shading of the other plots; every bar and point
 * says its column and values on hover (<title>), no script. The tables
 * (worst_herds, starved_list) stay with the generic figures. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html_internal.h"

/* Geometry of a chart, in px of the viewBox (the time axis is PL..PL+PW). */
#define CC_TOP 26  /* title and legend above the plot */
#define CC_H 110   /* the plot */
#define CC_FOOT 22 /* seconds under it */
#define CC_BAR_MIN 0.6

/* The series figure, read once and checked: every array as long as
 * "columns". */
typedef struct cc_series {
    size_t n;
    double t0_s, col_s;
    const json_t *origin, *herd, *stale, *stale_ms, *wait, *starved;
} cc_series;

static int series_read(const json_t *s, cc_series *out)
{
    memset(out, 0, sizeof(*out));
    const json_t *n = json_object_get(s, "columns");
    if (!json_is_integer(n) || json_integer_value(n) <= 0 ||
        !json_is_number(json_object_get(s, "t0_s")) || !json_is_number(json_object_get(s, "col_s")))
        return -1;
    out->n = (size_t)json_integer_value(n);
    out->t0_s = json_number_value(json_object_get(s, "t0_s"));
    out->col_s = json_number_value(json_object_get(s, "col_s"));
    const json_t **arr[] = {&out->origin,   &out->herd, &out->stale,
                            &out->stale_ms, &out->wait, &out->starved};
    static const char *const names[] = {"origin_requests", "herd_max",    "stale_reads",
                                        "stale_max_ms",    "wait_max_ms", "starved"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        *arr[i] = json_object_get(s, names[i]);
        if (json_array_size(*arr[i]) != out->n)
            return -1;
    }
    return 0;
}

static double at(const json_t *a, size_t i)
{
    return json_number_value(json_array_get(a, i));
}

static double max_of(const json_t *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = at(a, i) > m ? at(a, i) : m;
    return m;
}

/* The x and width of column i. */
static void col_x(const html_run *x, const cc_series *s, size_t i, double *x0, double *w)
{
    double t = s->t0_s + (double)i * s->col_s;
    *x0 = html_tx(x, (int64_t)(t * 1e9));
    double x1 = html_tx(x, (int64_t)((t + s->col_s) * 1e9));
    *w = x1 - *x0 > 2 ? x1 - *x0 - 0.3 : x1 - *x0 > CC_BAR_MIN ? x1 - *x0 : CC_BAR_MIN;
}

/* "1.250 s to 1.300 s" for column i. */
static void col_when(sb_buf *b, const cc_series *s, size_t i)
{
    double t = s->t0_s + (double)i * s->col_s;
    sb_buf_printf(b, "%.3f s to %.3f s", t, t + s->col_s);
}

/* A scale from 0 with about four steps over max (headroom above it);
 * steps of whole units for counts. */
static double scale_top(double max, double *step, int counts)
{
    *step = html_nice_step(max > 0 ? max / 4 : 1);
    if (counts && *step < 1)
        *step = 1;
    double s = *step;
    return ceil((max > 0 ? max * 1.08 : 1) / s) * s;
}

/* A millisecond value as the axis and tooltips write it: ms below 1 s,
 * seconds above. */
static void put_ms(sb_buf *b, double ms)
{
    if (ms >= 1000)
        sb_buf_printf(b, "%.3f s", ms / 1000);
    else
        sb_buf_printf(b, "%g ms", ms < 0.001 ? 0 : round(ms * 1000) / 1000);
}

/* Grid and labels of a left scale (right: labels inside the right edge,
 * in class cls). */
static void y_scale(sb_buf *b, double top, double step, int right, const char *cls, int ms)
{
    for (int k = 0; k * step <= top * (1 + 1e-9) && k <= 20; k++) {
        double y = CC_TOP + CC_H - k * step / top * CC_H;
        if (!right)
            sb_buf_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
                          PL, y, PL + PW, y);
        sb_buf_printf(b, "<text class=\"%s\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", cls,
                      right ? PL + PW - 3 : PL - 6, y + 3.5);
        if (ms && !k)
            sb_buf_puts(b, "0");
        else if (ms && top >= 1000) /* one unit along the scale */
            sb_buf_printf(b, "%.3f s", k * step / 1000);
        else if (ms)
            sb_buf_printf(b, "%g ms", k * step);
        else
            sb_buf_printf(b, "%g", k * step);
        sb_buf_puts(b, "</text>\n");
    }
}

/* A dashed horizontal line at value v of a scale topping at top, labelled
 * at its left end. */
static void bound_line(sb_buf *b, double v, double top, const char *label)
{
    double y = CC_TOP + CC_H - (v < top ? v : top) / top * CC_H;
    sb_buf_printf(b,
                  "<line class=\"cc-bound\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                  "<text class=\"cc-bl\" x=\"%d\" y=\"%.1f\">",
                  PL, y, PL + PW, y, PL + 4, y - 3);
    html_escape(b, label);
    sb_buf_puts(b, "</text>\n");
}

/* The frame every chart shares: its svg, title, y title, time axis and
 * the faults in force shaded (first, so the bars' tooltips stay on top). */
static void chart_open(sb_buf *b, const html_run *x, const char *cls, const char *label,
                       const char *title, const char *y_title)
{
    sb_buf_printf(b,
                  "<svg class=\"plot cache-chart %s\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"%s\">\n",
                  cls, SVG_W, CC_TOP + CC_H + CC_FOOT, label);
    sb_buf_printf(b, "<text class=\"pt\" x=\"%d\" y=\"15\">%s</text>\n", PL, title);
    sb_buf_printf(b,
                  "<text class=\"yt\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 %d %d)\">%s</text>\n",
                  PL - 56, CC_TOP + CC_H / 2, PL - 56, CC_TOP + CC_H / 2, y_title);
    html_draw_shading(b, x, CC_TOP, CC_TOP + CC_H);
    html_draw_axis(b, x, CC_TOP, CC_TOP + CC_H);
}

/* A legend entry at x: a swatch of class cls (rect, dot or dashed line),
 * marked "lgs" so that it is never counted as data. */
static double legend_item(sb_buf *b, double at_x, const char *shape, const char *cls,
                          const char *text)
{
    if (!strcmp(shape, "dot"))
        sb_buf_printf(b, "<circle class=\"%s lgs\" cx=\"%.0f\" cy=\"6\" r=\"3.5\"/>", cls,
                      at_x + 5);
    else if (!strcmp(shape, "line"))
        sb_buf_printf(b, "<line class=\"%s lgs\" x1=\"%.0f\" y1=\"6\" x2=\"%.0f\" y2=\"6\"/>", cls,
                      at_x, at_x + 14);
    else
        sb_buf_printf(b, "<rect class=\"%s lgs\" x=\"%.0f\" y=\"2\" width=\"10\" height=\"8\"/>",
                      cls, at_x);
    sb_buf_printf(b, "<text x=\"%.0f\" y=\"10\">%s</text>", at_x + 18, text);
    return at_x + 18 + (double)strlen(text) * CHAR_W + 16;
}

static void legend(sb_buf *b, const char *const (*items)[3], size_t n)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        w += 18 + (double)strlen(items[i][2]) * CHAR_W + 16;
    sb_buf_printf(b, "<g class=\"lg\" transform=\"translate(%.0f,6)\">", PL + PW - w);
    double at_x = 0;
    for (size_t i = 0; i < n; i++)
        at_x = legend_item(b, at_x, items[i][0], items[i][1], items[i][2]);
    sb_buf_puts(b, "</g>\n");
}

/* A bar of value v on a scale topping at top, with its tooltip's text
 * (already escaped) in tip. */
static void bar(sb_buf *b, const html_run *x, const cc_series *s, size_t i, double v, double top,
                const char *cls, const char *tip)
{
    double x0, w, hh = (v < top ? v : top) / top * CC_H;
    col_x(x, s, i, &x0, &w);
    sb_buf_printf(b,
                  "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                  "<title>",
                  cls, x0, CC_TOP + CC_H - hh, w, hh < 0.8 ? 0.8 : hh);
    col_when(b, s, i);
    sb_buf_printf(b, ": %s</title></rect>\n", tip);
}

/* ====== The three charts ====== */

static void chart_origin(sb_buf *b, const html_run *x, const cc_series *s, const json_t *bound_j)
{
    double step, hstep, top = scale_top(max_of(s->origin, s->n), &step, 1);
    double herd_max = max_of(s->herd, s->n),
           bound = json_is_number(bound_j) ? json_number_value(bound_j) : 0;
    double htop = scale_top(herd_max > bound ? herd_max : bound, &hstep, 1);
    char title[160];
    snprintf(title, sizeof(title), "Origin requests per %.3f s, and herd size", s->col_s);
    chart_open(b, x, "cache-herds", "origin requests and herd size over time", title, "requests");
    y_scale(b, top, step, 0, "yl", 0);
    y_scale(b, htop, hstep, 1, "yl cc-hl", 0);
    const char *const items[][3] = {{"rect", "cc-req", "origin requests"},
                                    {"dot", "cc-herd", "largest herd (right scale)"},
                                    {"line", "cc-bound", "herd bound"}};
    legend(b, items, bound > 0 ? 3 : 2);
    char tip[160];
    for (size_t i = 0; i < s->n; i++) {
        double v = at(s->origin, i), h = at(s->herd, i);
        if (v <= 0)
            continue;
        snprintf(tip, sizeof(tip), "%.0f origin request%s; largest herd starting here %.0f", v,
                 v == 1 ? "" : "s", h);
        bar(b, x, s, i, v, top, "cc-req", tip);
    }
    for (size_t i = 0; i < s->n; i++) {
        double h = at(s->herd, i), x0, w;
        if (h <= 0)
            continue;
        col_x(x, s, i, &x0, &w);
        sb_buf_printf(b,
                      "<circle class=\"cc-herd%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>herd "
                      "of %.0f starting ",
                      bound > 0 && h > bound ? " cc-over" : "", x0 + w / 2,
                      CC_TOP + CC_H - h / htop * CC_H, h);
        col_when(b, s, i);
        sb_buf_puts(b, bound > 0 && h > bound ? " (over the bound)</title></circle>\n"
                                              : "</title></circle>\n");
    }
    if (bound > 0) {
        char label[64];
        snprintf(label, sizeof(label), "herd bound %.0f", bound);
        bound_line(b, bound, htop, label);
    }
    sb_buf_puts(b, "</svg>\n");
}

static void chart_stale(sb_buf *b, const html_run *x, const cc_series *s)
{
    double step, top = scale_top(max_of(s->stale_ms, s->n), &step, 0);
    chart_open(b, x, "cache-stale", "staleness age over time", "Staleness: the oldest stale read",
               "stale for");
    y_scale(b, top, step, 0, "yl", 1);
    const char *const items[][3] = {{"rect", "cc-stale", "how long the value had been stale"}};
    legend(b, items, 1);
    sb_buf tip;
    sb_buf_init(&tip);
    size_t bars = 0;
    for (size_t i = 0; i < s->n; i++) {
        double n = at(s->stale, i), ms = at(s->stale_ms, i);
        if (n <= 0)
            continue;
        sb_buf_reset(&tip);
        sb_buf_printf(&tip, "%.0f stale read%s, the oldest stale for ", n, n == 1 ? "" : "s");
        put_ms(&tip, ms);
        bar(b, x, s, i, ms, top, "cc-stale", tip.data);
        bars++;
    }
    sb_buf_free(&tip);
    if (!bars)
        sb_buf_printf(b, "<text class=\"yl\" x=\"%d\" y=\"%d\">no stale read</text>\n", PL + 8,
                      CC_TOP + CC_H - 8);
    sb_buf_puts(b, "</svg>\n");
}

static void chart_waits(sb_buf *b, const html_run *x, const cc_series *s, const json_t *bound_j)
{
    double bound = json_is_number(bound_j) ? json_number_value(bound_j) : -1;
    double max = max_of(s->wait, s->n), step;
    double top = scale_top(max > bound ? max : bound, &step, 0);
    chart_open(b, x, "cache-waits", "waits and starvation over time",
               "Waits: the longest wait for another client's fetch", "waited");
    y_scale(b, top, step, 0, "yl", 1);
    const char *const items[][3] = {{"rect", "cc-wait", "longest wait"},
                                    {"rect", "cc-starved", "with a starved get"},
                                    {"line", "cc-bound", "starvation bound"}};
    legend(b, items, bound >= 0 ? 3 : 2);
    sb_buf tip;
    sb_buf_init(&tip);
    size_t bars = 0;
    for (size_t i = 0; i < s->n; i++) {
        double ms = at(s->wait, i), starved = at(s->starved, i);
        if (ms <= 0 && starved <= 0)
            continue;
        sb_buf_reset(&tip);
        sb_buf_puts(&tip, "longest wait ");
        put_ms(&tip, ms);
        if (starved > 0)
            sb_buf_printf(&tip, "; %.0f starved get%s", starved, starved == 1 ? "" : "s");
        bar(b, x, s, i, ms, top, starved > 0 ? "cc-starved" : "cc-wait", tip.data);
        if (starved > 0) {
            double x0, w;
            col_x(x, s, i, &x0, &w);
            sb_buf_printf(b, "<path class=\"cc-sm\" d=\"M%.1f %dl-4 -7h8z\"/>\n", x0 + w / 2,
                          CC_TOP - 1);
        }
        bars++;
    }
    sb_buf_free(&tip);
    if (bound >= 0) {
        sb_buf tl;
        sb_buf_init(&tl);
        sb_buf_puts(&tl, "starvation bound ");
        put_ms(&tl, bound);
        bound_line(b, bound, top, tl.data);
        sb_buf_free(&tl);
    }
    if (!bars)
        sb_buf_printf(b, "<text class=\"yl\" x=\"%d\" y=\"%d\">no get waited</text>\n", PL + 8,
                      CC_TOP + CC_H - 8);
    sb_buf_puts(b, "</svg>\n");
}

/* The starvation bound: the checker's figure, else the run's cache-config. */
static const json_t *starve_bound(const html_run *x, const json_t *fig)
{
    const json_t *v = json_object_get(fig, "starve_bound_ms");
    if (v || !x->h)
        return v;
    for (size_t i = 0; i < x->h->n; i++) {
        const sb_op *op = &x->h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && op->type == SB_OP_OK &&
            !strcmp(op->f, "cache-config"))
            return json_object_get(op->value, "starve_bound_ms");
    }
    return NULL;
}

void html_cache_charts(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    cc_series s;
    if (series_read(json_object_get(c->figures, "series"), &s)) {
        sb_buf_puts(b, "<p class=\"note\">No series over time in this result (an older "
                       "checker): the cache charts are not drawn.</p>\n");
        return;
    }
    const char *src = json_string_value(json_object_get(c->figures, "herd_source"));
    sb_buf_puts(b, "<div class=\"cache-charts\"><h4>Over time</h4>\n");
    chart_origin(b, x, &s, json_object_get(c->figures, "herd_bound"));
    chart_stale(b, x, &s);
    chart_waits(b, x, &s, starve_bound(x, c->figures));
    sb_buf_printf(
        b,
        "<p class=\"note\">Time is cut into %zu columns of %.3f s. Origin requests: what "
        "reached the origin in each (%s); dots: the largest herd (requests for one expiry of "
        "one key) that started in it, on the right scale, against the strategy's bound "
        "(dashed) when it has one. Staleness: of the stale reads that completed in a column, "
        "how long a newer acknowledged write had been there when the oldest began. Waits: the "
        "longest wait for another client's fetch that ended in a column; red, and marked "
        "above, where a get starved (waited past the bound, dashed, or gave up). Shaded: "
        "faults in force. Hover a bar for its values.</p></div>\n",
        s.n, s.col_s,
        src && !strcmp(src, "clients") ? "the clients' fetches: no arrival log from the origin"
                                       : "the origin's own arrival log");
}
