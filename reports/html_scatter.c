/* html_scatter.c -- latency as Jepsen users read it: one point per
 * operation at its invocation time, its latency (invocation to completion)
 * on a log scale, coloured by outcome (ok, fail, info), with the faults in
 * force shaded. Operations that never completed have no latency and no
 * point.
 *
 * Past SCATTER_ALL points the plot is down-sampled, deterministically:
 * every fail and info operation is kept (up to SCATTER_BAD_CAP, then every
 * k-th of them and their extremes), and of the ok ones the fastest and
 * slowest in every column of time plus every k-th in history order; the
 * note under the plot says how many points are drawn of how many. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define SCATTER_ALL 12000      /* up to this many points: every one */
#define SCATTER_OK_SAMPLE 8000 /* ok points kept by stride beyond that */
#define SCATTER_BAD_CAP 12000  /* fail and info points kept at most */
#define SCATTER_H 150
#define SCATTER_FLOOR_NS 1000 /* 1 us: the bottom of the scale */

static double y_of(int64_t ns, double lo, double hi, double y0)
{
    double l = log10((double)(ns < SCATTER_FLOOR_NS ? SCATTER_FLOOR_NS : ns) / 1e6);
    return y0 + SCATTER_H - (l - lo) / (hi - lo) * SCATTER_H;
}

/* Which points to draw (keep[i] = 1); returns how many. */
static size_t choose(const html_run *x, const html_pt *p, size_t n, unsigned char *keep,
                     size_t *ok_every, size_t *bad_every)
{
    *ok_every = *bad_every = 1;
    if (n <= SCATTER_ALL) {
        memset(keep, 1, n);
        return n;
    }
    size_t n_bad = 0, n_ok = 0;
    for (size_t i = 0; i < n; i++)
        *(p[i].outcome ? &n_bad : &n_ok) += 1;
    size_t bad_stride =
        n_bad > SCATTER_BAD_CAP ? (n_bad + SCATTER_BAD_CAP - 1) / SCATTER_BAD_CAP : 1;
    size_t ok_stride =
        n_ok > SCATTER_OK_SAMPLE ? (n_ok + SCATTER_OK_SAMPLE - 1) / SCATTER_OK_SAMPLE : 1;
    *ok_every = ok_stride;
    *bad_every = bad_stride;
    /* the extremes of each column, per outcome class (ok, not ok) */
    size_t *lo = sb_xmalloc(2 * COLS * sizeof(size_t)), *hi = sb_xmalloc(2 * COLS * sizeof(size_t));
    for (size_t c = 0; c < 2 * COLS; c++)
        lo[c] = hi[c] = (size_t)-1;
    size_t seen_ok = 0, seen_bad = 0;
    for (size_t i = 0; i < n; i++) {
        int bad = p[i].outcome != 0;
        size_t c = (size_t)html_tcol(x, p[i].t_ns) * 2 + (size_t)bad;
        if (lo[c] == (size_t)-1 || p[i].lat_ns < p[lo[c]].lat_ns)
            lo[c] = i;
        if (hi[c] == (size_t)-1 || p[i].lat_ns > p[hi[c]].lat_ns)
            hi[c] = i;
        keep[i] = bad ? (seen_bad++ % bad_stride == 0) : (seen_ok++ % ok_stride == 0);
    }
    for (size_t c = 0; c < 2 * COLS; c++) {
        if (lo[c] != (size_t)-1)
            keep[lo[c]] = 1;
        if (hi[c] != (size_t)-1)
            keep[hi[c]] = 1;
    }
    free(lo);
    free(hi);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += keep[i];
    return k;
}

/* 2 -> "2nd", 3 -> "3rd", 11 -> "11th" */
static void ordinal(char *out, size_t len, size_t k)
{
    const char *suf = "th";
    if (k % 100 < 11 || k % 100 > 13)
        suf = k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
    snprintf(out, len, "%zu%s", k, suf);
}

void html_plot_scatter(sb_buf *b, const html_run *x, const char *f, const html_pt *p, size_t n)
{
    if (!n)
        return;
    int64_t mn = INT64_MAX, mx = 0;
    for (size_t i = 0; i < n; i++) {
        mn = p[i].lat_ns < mn ? p[i].lat_ns : mn;
        mx = p[i].lat_ns > mx ? p[i].lat_ns : mx;
    }
    double lo = floor(log10((double)(mn < SCATTER_FLOOR_NS ? SCATTER_FLOOR_NS : mn) / 1e6));
    double hi = ceil(log10((double)(mx < SCATTER_FLOOR_NS ? SCATTER_FLOOR_NS : mx) / 1e6));
    if (hi <= lo)
        hi = lo + 1;
    unsigned char *keep = sb_xmalloc(n);
    size_t ok_every, bad_every;
    size_t drawn = choose(x, p, n, keep, &ok_every, &bad_every);
    const double y0 = 24, y_axis = y0 + SCATTER_H;
    html_svg_open(b, (int)y_axis + 22, "latency of each operation");
    html_draw_axis(b, x, y0, y_axis);
    sb_buf_printf(b, "<text class=\"pt\" x=\"%d\" y=\"15\">", PL);
    html_escape_max(b, f, 40);
    sb_buf_printf(b,
                  ": latency of each operation</text><g class=\"lg\" transform=\"translate(%d,6)\">"
                  "<rect class=\"o-ok\" x=\"0\" y=\"2\" width=\"8\" height=\"8\"/><text x=\"12\" "
                  "y=\"10\">ok</text><rect class=\"o-fail\" x=\"40\" y=\"2\" width=\"8\" "
                  "height=\"8\"/><text x=\"52\" y=\"10\">fail</text><rect class=\"o-info\" "
                  "x=\"86\" y=\"2\" width=\"8\" height=\"8\"/><text x=\"98\" y=\"10\">info "
                  "(timed out)</text></g>\n",
                  PL + PW - 190);
    for (double d = lo; d <= hi; d++) {
        double y = y0 + SCATTER_H - (d - lo) / (hi - lo) * SCATTER_H, ms = pow(10, d);
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                      "<text class=\"yl\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                      PL, y, PL + PW, y, PL - 6, y + 3.5);
        sb_buf_printf(b, ms >= 1000 ? "%gs</text>\n" : "%gms</text>\n",
                      ms >= 1000 ? ms / 1000 : ms);
    }
    /* one path per outcome, ok first so fail and info stay on top */
    static const char *const cls[3] = {"o-ok", "o-fail", "o-info"};
    sb_buf d;
    sb_buf_init(&d);
    for (int o = 0; o < 3; o++) {
        sb_buf_reset(&d);
        for (size_t i = 0; i < n; i++) {
            if (!keep[i] || p[i].outcome != o)
                continue;
            sb_buf_printf(&d, "M%.0f %.0fh2v2h-2z", html_tx(x, p[i].t_ns) - 1,
                          y_of(p[i].lat_ns, lo, hi, y0) - 1);
        }
        if (d.len)
            sb_buf_printf(b, "<path class=\"%s sc\" d=\"%s\"/>\n", cls[o], d.data);
    }
    sb_buf_free(&d);
    html_draw_shading(b, x, y0, y_axis);
    sb_buf_puts(b, "</svg>\n");
    if (drawn < n) {
        char bad[80] = "", okn[32], badn[32];
        ordinal(okn, sizeof(okn), ok_every);
        ordinal(badn, sizeof(badn), bad_every);
        if (bad_every > 1)
            snprintf(bad, sizeof(bad), " (every %s of them, past %d)", badn, SCATTER_BAD_CAP);
        sb_buf_printf(b,
                      "<p class=\"note scatter-note\">%zu of %zu completed operations drawn: "
                      "every fail and info one%s, the fastest and slowest of each outcome in "
                      "each of %d columns of time, and every %s ok one.</p>\n",
                      drawn, n, bad, COLS, okn);
    } else {
        sb_buf_printf(b, "<p class=\"note scatter-note\">All %zu completed operations drawn.</p>\n",
                      n);
    }
    free(keep);
}
