/* html_perf.c -- throughput and latency in report.html: per kind of
 * operation, a table of counts and latency quantiles, then a plot of
 * completions per second (ok, fail and info stacked) over the p50, p95 and
 * p99 latency of ok operations per bucket, with the faults in force shaded.
 * Latencies and quantiles are computed as the perf checker computes them. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define KIND_CAP 6       /* operation kinds with a throughput/latency plot */
#define PERF_BUCKETS 500 /* at most this many buckets (of >= 1 s) */

typedef struct lat_s {
    uint32_t bucket;
    int64_t ns;
} lat_s;

typedef struct kind_st {
    char f[48];
    uint32_t *cnt; /* per bucket: ok, fail, info */
    lat_s *lat;    /* latencies of ok operations */
    size_t nlat, cap;
    html_pt *pts; /* every completed operation, for the scatter plot */
    size_t npts, cap_pts;
    long long tot[3];
} kind_st;

static int cmp_lat(const void *a, const void *b)
{
    const lat_s *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank, as the perf checker computes it. */
static size_t rank(size_t n, double q)
{
    size_t k = (size_t)ceil(q * (double)n);
    return k ? k - 1 : 0;
}

static const double quantiles[3] = {0.50, 0.95, 0.99};
static const char *const q_class[3] = {"p50", "p95", "p99"};

static void perf_summary(sb_buf *b, kind_st *k, size_t nk)
{
    sb_buf_puts(b,
                "<table class=\"perf\"><tr><th>operation</th><th>ok</th><th>fail</th>"
                "<th>info</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
    for (size_t i = 0; i < nk; i++) {
        int64_t *v = malloc((k[i].nlat + 1) * sizeof(int64_t));
        if (!v)
            continue;
        for (size_t j = 0; j < k[i].nlat; j++)
            v[j] = k[i].lat[j].ns;
        qsort(v, k[i].nlat, sizeof(int64_t), cmp_i64);
        sb_buf_puts(b, "<tr><td>");
        html_escape(b, k[i].f);
        sb_buf_printf(b,
                      "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
                      "<td class=\"num\">%lld</td>",
                      k[i].tot[0], k[i].tot[1], k[i].tot[2]);
        for (int q = 0; q < 3; q++)
            sb_buf_printf(b, "<td class=\"num\">%.3f</td>",
                          k[i].nlat ? v[rank(k[i].nlat, quantiles[q])] / 1e6 : 0.0);
        sb_buf_printf(b, "<td class=\"num\">%.3f</td></tr>\n",
                      k[i].nlat ? v[k[i].nlat - 1] / 1e6 : 0.0);
        free(v);
    }
    sb_buf_puts(b, "</table>\n");
}

/* Stacked bars of ok, fail and info completions per second. */
static void perf_throughput(sb_buf *b, const html_run *x, const kind_st *k, size_t nb,
                            int64_t bucket, double y0, double ph)
{
    double bs = (double)bucket / 1e9, max = 0;
    for (size_t i = 0; i < nb; i++) {
        double t = (k->cnt[3 * i] + k->cnt[3 * i + 1] + k->cnt[3 * i + 2]) / bs;
        max = t > max ? t : max;
    }
    double step = html_nice_step(max > 0 ? max / 4 : 1);
    double ymax = ceil((max > 0 ? max * 1.08 : 1) / step) * step; /* headroom over the top bar */
    for (int t = 0; t * step <= ymax * (1 + 1e-9); t++) {
        double y = y0 + ph - t * step / ymax * ph;
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                      "<text class=\"yl\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                      PL, y, PL + PW, y, PL - 6, y + 3.5, t * step);
    }
    sb_buf_printf(b, "<text class=\"yt\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">ops/s</text>\n",
                  PL - 40, y0 + ph / 2 + 4);
    static const char *const cls[3] = {"o-ok", "o-fail", "o-info"};
    sb_buf d;
    sb_buf_init(&d);
    for (int c = 0; c < 3; c++) {
        sb_buf_reset(&d);
        for (size_t i = 0; i < nb; i++) {
            double v = k->cnt[3 * i + c] / bs, base = 0;
            for (int j = 0; j < c; j++)
                base += k->cnt[3 * i + j] / bs;
            if (v <= 0)
                continue;
            int64_t e = (int64_t)(i + 1) * bucket;
            double x0 = html_tx(x, (int64_t)i * bucket),
                   x1 = html_tx(x, e < x->end_ns ? e : x->end_ns);
            double w = x1 - x0 > 2 ? x1 - x0 - 0.3 : x1 - x0 > 0.5 ? x1 - x0 : 0.5;
            double hh = v / ymax * ph, y = y0 + ph - (base + v) / ymax * ph;
            sb_buf_printf(&d, "M%.1f %.1fh%.1fv%.1fh%.1fz", x0, y, w, hh, -w);
        }
        if (d.len)
            sb_buf_printf(b, "<path class=\"%s\" d=\"%s\"/>\n", cls[c], d.data);
    }
    sb_buf_free(&d);
}

/* p50, p95 and p99 of ok latencies per bucket, log scale in ms. */
static void perf_latency(sb_buf *b, const html_run *x, const kind_st *k, size_t nb, int64_t bucket,
                         double y0, double ph)
{
    double *p = malloc((3 * nb + 1) * sizeof(double));
    if (!p)
        return;
    double mn = INFINITY, mx = 0;
    for (size_t i = 0, j = 0; i < nb; i++) {
        size_t s = j;
        while (j < k->nlat && k->lat[j].bucket == i)
            j++;
        for (int q = 0; q < 3; q++) {
            double ms = j > s ? k->lat[s + rank(j - s, quantiles[q])].ns / 1e6 : NAN;
            if (ms < 1e-4)
                ms = 1e-4; /* 100 ns: the floor of the scale */
            p[3 * i + q] = ms;
            if (j > s) {
                mn = ms < mn ? ms : mn;
                mx = ms > mx ? ms : mx;
            }
        }
    }
    if (mx <= 0) {
        free(p);
        return;
    }
    double lo = floor(log10(mn)), hi = ceil(log10(mx));
    if (hi <= lo)
        hi = lo + 1;
    for (double d = lo; d <= hi; d++) {
        double y = y0 + ph - (d - lo) / (hi - lo) * ph;
        double ms = pow(10, d);
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                      "<text class=\"yl\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                      PL, y, PL + PW, y, PL - 6, y + 3.5);
        if (ms >= 1000)
            sb_buf_printf(b, "%gs</text>\n", ms / 1000);
        else
            sb_buf_printf(b, "%gms</text>\n", ms);
    }
    sb_buf_printf(b, "<text class=\"yt\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">latency</text>\n",
                  PL - 48, y0 + ph / 2 + 4);
    sb_buf d;
    sb_buf_init(&d);
    for (int q = 0; q < 3; q++) {
        sb_buf_reset(&d);
        int pts = 0;
        for (size_t i = 0; i <= nb; i++) {
            double ms = i < nb ? p[3 * i + q] : NAN;
            if (isnan(ms)) {
                if (pts == 1) /* a lone bucket: a small ring */
                    sb_buf_puts(&d, "m-2 0a2 2 0 1 0 4 0a2 2 0 1 0 -4 0");
                pts = 0;
                continue;
            }
            int64_t mid = (int64_t)i * bucket + bucket / 2;
            double y = y0 + ph - (log10(ms) - lo) / (hi - lo) * ph;
            sb_buf_printf(&d, "%c%.1f %.1f", pts ? 'L' : 'M',
                          html_tx(x, mid < x->end_ns ? mid : x->end_ns), y);
            pts++;
        }
        if (d.len)
            sb_buf_printf(b, "<path class=\"%s\" d=\"%s\"/>\n", q_class[q], d.data);
    }
    sb_buf_free(&d);
    free(p);
}

static void perf_svg(sb_buf *b, const html_run *x, kind_st *k, size_t nb, int64_t bucket)
{
    const double y_tp = 24, tp_h = 100, y_lat = y_tp + tp_h + 22, lat_h = 120;
    const double y_axis = y_lat + lat_h;
    if (k->nlat)
        qsort(k->lat, k->nlat, sizeof(lat_s), cmp_lat);
    html_svg_open(b, (int)y_axis + 22, "throughput and latency");
    html_draw_axis(b, x, y_tp, y_axis);
    sb_buf_printf(b, "<text class=\"pt\" x=\"%d\" y=\"15\">", PL);
    html_escape_max(b, k->f, 40);
    sb_buf_printf(b,
                  "</text><g class=\"lg\" transform=\"translate(%d,6)\">"
                  "<rect class=\"o-ok\" x=\"0\" y=\"2\" width=\"10\" height=\"8\"/><text x=\"14\" "
                  "y=\"10\">ok/s</text>"
                  "<rect class=\"o-fail\" x=\"60\" y=\"2\" width=\"10\" height=\"8\"/><text "
                  "x=\"74\" y=\"10\">fail/s</text>"
                  "<rect class=\"o-info\" x=\"124\" y=\"2\" width=\"10\" height=\"8\"/><text "
                  "x=\"138\" y=\"10\">info/s</text>"
                  "<line class=\"p50\" x1=\"196\" y1=\"6\" x2=\"212\" y2=\"6\"/><text x=\"216\" "
                  "y=\"10\">p50</text>"
                  "<line class=\"p95\" x1=\"250\" y1=\"6\" x2=\"266\" y2=\"6\"/><text x=\"270\" "
                  "y=\"10\">p95</text>"
                  "<line class=\"p99\" x1=\"304\" y1=\"6\" x2=\"320\" y2=\"6\"/><text x=\"324\" "
                  "y=\"10\">p99 (ok ops)</text></g>\n",
                  PL + PW - 410);
    perf_throughput(b, x, k, nb, bucket, y_tp, tp_h);
    perf_latency(b, x, k, nb, bucket, y_lat, lat_h);
    html_draw_shading(b, x, y_tp, y_axis);
    sb_buf_puts(b, "</svg>\n");
}

/* Adds a completion of kind f; returns -1 when f is past the cap. */
static int perf_add(kind_st *k, size_t *nk, size_t nb, const sb_op *op, size_t bk, int64_t inv)
{
    size_t i = 0;
    while (i < *nk && strcmp(k[i].f, op->f))
        i++;
    if (i == *nk) {
        if (*nk == KIND_CAP)
            return -1;
        memset(&k[i], 0, sizeof(k[i]));
        snprintf(k[i].f, sizeof(k[i].f), "%s", op->f);
        if (!(k[i].cnt = calloc(3 * nb, sizeof(uint32_t))))
            return -1;
        (*nk)++;
    }
    int c = op->type == SB_OP_OK ? 0 : op->type == SB_OP_FAIL ? 1 : 2;
    k[i].cnt[3 * bk + (size_t)c]++;
    k[i].tot[c]++;
    if (inv >= 0 && op->time_ns >= inv) {
        if (k[i].npts == k[i].cap_pts) {
            k[i].cap_pts = k[i].cap_pts ? k[i].cap_pts * 2 : 1024;
            k[i].pts = sb_xrealloc(k[i].pts, k[i].cap_pts * sizeof(html_pt));
        }
        k[i].pts[k[i].npts++] = (html_pt){inv, op->time_ns - inv, c};
    }
    if (c || inv < 0 || op->time_ns < inv)
        return 0;
    if (k[i].nlat == k[i].cap) {
        size_t cap = k[i].cap ? k[i].cap * 2 : 1024;
        lat_s *l = realloc(k[i].lat, cap * sizeof(*l));
        if (!l)
            return 0;
        k[i].lat = l;
        k[i].cap = cap;
    }
    k[i].lat[k[i].nlat++] = (lat_s){(uint32_t)bk, op->time_ns - inv};
    return 0;
}

void html_plot_perf(sb_buf *b, const html_run *x)
{
    const sb_history *h = x->h;
    if (!h) {
        sb_buf_puts(b, "<p class=\"note\">No history: nothing to draw.</p>\n");
        return;
    }
    double dur_s = (double)x->end_ns / 1e9;
    int64_t bucket = SB_NS_PER_S;
    if (dur_s > PERF_BUCKETS)
        bucket = (int64_t)ceil(dur_s / PERF_BUCKETS) * SB_NS_PER_S;
    size_t nb = (size_t)(x->end_ns / bucket) + 1, nk = 0;
    long long skipped = 0;
    kind_st k[KIND_CAP];
    html_pmap m = {0};
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0)
            continue;
        html_pslot *p = html_pmap_get(&m, op->process, 1);
        if (!p)
            break;
        if (op->type == SB_OP_INVOKE) {
            p->inv_ns = op->time_ns;
            continue;
        }
        size_t bk = op->time_ns < 0 ? 0 : (size_t)(op->time_ns / bucket);
        if (perf_add(k, &nk, nb, op, bk < nb ? bk : nb - 1, p->inv_ns) == -1)
            skipped++;
        p->inv_ns = -1;
    }
    free(m.s);
    if (!nk) {
        sb_buf_puts(b, "<p class=\"note\">No client operations in this history.</p>\n");
        return;
    }
    perf_summary(b, k, nk);
    sb_buf_printf(b,
                  "<p class=\"note\">Throughput: completions per second in buckets of %llds "
                  "(ok, fail and info stacked). Latency: invocation to completion of ok "
                  "operations, p50/p95/p99 per bucket, log scale. Shaded: faults in force.",
                  (long long)(bucket / SB_NS_PER_S));
    if (skipped)
        sb_buf_printf(b,
                      " Only the first %d kinds of operation are plotted (%lld completions of "
                      "other kinds left out).",
                      KIND_CAP, skipped);
    sb_buf_puts(b, "</p>\n");
    for (size_t i = 0; i < nk; i++) {
        perf_svg(b, x, &k[i], nb, bucket);
        html_plot_scatter(b, x, k[i].f, k[i].pts, k[i].npts);
        free(k[i].cnt);
        free(k[i].lat);
        free(k[i].pts);
    }
}
