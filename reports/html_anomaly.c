/* html_anomaly.c -- anomalies drawn so they can be followed (report.html's
 * anomaly section): a register key that cannot be linearized, as the
 * operation that cannot be placed and the operations concurrent with it,
 * a lane per process with each value written on its bar; and two lock
 * holds that overlapped, against the writes to the resource the lock
 * guards. Each picture has its own time axis (the anomaly's few
 * milliseconds, not the run's), and a sentence under it says what it
 * shows. The data are the checkers' own: the linearizable checker's
 * "violation" and the lock checker's "examples.overlaps"; the times come
 * from the history. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define AW_W 1000     /* viewBox width */
#define AW_L 110      /* left margin: lane labels */
#define AW_R 20       /* right margin */
#define AW_LANE_H 30  /* a lane */
#define AW_OPS 11     /* the operation and up to 10 concurrent ones */
#define AW_HOLDS 3    /* overlaps drawn (the table lists them all) */
#define AW_RES_MAX 12 /* resource entries quoted around a pair */

typedef struct aw_axis {
    int64_t t0, t1;
} aw_axis;

static double aw_x(const aw_axis *a, int64_t t)
{
    double w = AW_W - AW_L - AW_R;
    if (t < a->t0)
        t = a->t0;
    if (t > a->t1)
        t = a->t1;
    return AW_L + (a->t1 > a->t0 ? w * (double)(t - a->t0) / (double)(a->t1 - a->t0) : 0);
}

/* Widens [lo, hi] by a tenth either side (1 ms at least). */
static aw_axis aw_axis_of(int64_t lo, int64_t hi)
{
    int64_t pad = (hi - lo) / 10;
    if (pad < 1000000)
        pad = 1000000;
    return (aw_axis){lo - pad < 0 ? 0 : lo - pad, hi + pad};
}

/* Vertical grid lines from y0 to y1, times under them, at round times. */
static void aw_ticks(sb_buf *b, const aw_axis *a, double y0, double y1)
{
    double step = html_nice_step((double)(a->t1 - a->t0) / 8e9);
    sb_buf_puts(b, "<g class=\"axis\">");
    for (double s = step * ceil((double)a->t0 / 1e9 / step); step > 0 && s * 1e9 <= a->t1;
         s += step) {
        double x = aw_x(a, (int64_t)(s * 1e9));
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
                      "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.6g s</text>",
                      x, y0, x, y1, x, y1 + 12, s);
    }
    sb_buf_puts(b, "</g>\n");
}

static void aw_svg_open(sb_buf *b, const char *cls, double h, const char *label)
{
    sb_buf_printf(b, "<svg class=\"plot %s\" viewBox=\"0 0 %d %.0f\" role=\"img\" aria-label=\"",
                  cls, AW_W, h);
    html_escape(b, label);
    sb_buf_puts(b, "\">\n");
}

/* ====== A register key that cannot be linearized ====== */

typedef struct rg_op {
    const json_t *j; /* the checker's description of it */
    int process;
    long long inv_idx, done_idx; /* done_idx -1: outcome unknown */
    int64_t s_ns, e_ns;          /* -1 until found in the history */
    int lane, bad;
} rg_op;

/* "write 3", "read 2", "cas 1→4", with "?" for an unknown outcome. */
static void rg_label(sb_buf *b, const rg_op *o)
{
    const json_t *v = json_object_get(o->j, "value");
    const char *f = json_string_value(json_object_get(o->j, "f"));
    html_escape_max(b, f ? f : "?", 16);
    sb_buf_puts(b, " ");
    if (json_is_array(v) && json_array_size(v) == 2) {
        html_json(b, json_array_get(v, 0), 24);
        sb_buf_puts(b, "\xe2\x86\x92");
        html_json(b, json_array_get(v, 1), 24);
    } else {
        html_json(b, v, 40);
    }
    if (o->done_idx < 0)
        sb_buf_puts(b, " ?");
}

static int rg_cmp_proc(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

void html_register_window(sb_buf *b, const html_run *x, const json_t *viol)
{
    rg_op ops[AW_OPS];
    size_t n = 0;
    const json_t *conc = json_object_get(viol, "concurrent");
    for (size_t i = 0; i <= json_array_size(conc) && n < AW_OPS; i++) {
        const json_t *j = i ? json_array_get(conc, i - 1) : json_object_get(viol, "op");
        if (!json_is_object(j))
            continue;
        const json_t *ci = json_object_get(j, "complete_index");
        ops[n] = (rg_op){j,
                         (int)json_integer_value(json_object_get(j, "process")),
                         json_integer_value(json_object_get(j, "invoke_index")),
                         json_is_integer(ci) ? json_integer_value(ci) : -1,
                         -1,
                         -1,
                         0,
                         i == 0};
        n++;
    }
    if (!n || !x->h)
        return;
    /* Times from the history, one pass. */
    for (size_t i = 0; i < x->h->n; i++) {
        const sb_op *o = &x->h->ops[i];
        for (size_t k = 0; k < n; k++) {
            if (o->index == ops[k].inv_idx)
                ops[k].s_ns = o->time_ns;
            if (o->index == ops[k].done_idx)
                ops[k].e_ns = o->time_ns;
        }
    }
    int64_t lo = INT64_MAX, hi = 0;
    for (size_t k = 0; k < n; k++) {
        if (ops[k].s_ns < 0)
            return; /* not this history's operations */
        lo = ops[k].s_ns < lo ? ops[k].s_ns : lo;
        int64_t e = ops[k].e_ns >= 0 ? ops[k].e_ns : ops[k].s_ns;
        hi = e > hi ? e : hi;
    }
    aw_axis a = aw_axis_of(lo, hi);
    int procs[AW_OPS], np = 0;
    for (size_t k = 0; k < n; k++) {
        int seen = 0;
        for (int p = 0; p < np; p++)
            seen |= procs[p] == ops[k].process;
        if (!seen)
            procs[np++] = ops[k].process;
    }
    qsort(procs, (size_t)np, sizeof(int), rg_cmp_proc);
    for (size_t k = 0; k < n; k++)
        for (int p = 0; p < np; p++)
            if (procs[p] == ops[k].process)
                ops[k].lane = p;
    const double top = 8, h = top + np * AW_LANE_H + 24;
    aw_svg_open(b, "register-window", h,
                "the operation that cannot be placed, and the operations "
                "concurrent with it");
    aw_ticks(b, &a, top, top + np * AW_LANE_H);
    for (int p = 0; p < np; p++) {
        char label[32];
        snprintf(label, sizeof(label), "process %d", procs[p]);
        html_lane_label(b, top + p * AW_LANE_H + 4, AW_LANE_H - 8, label, label);
    }
    for (size_t k = 0; k < n; k++) {
        const rg_op *o = &ops[k];
        double y = top + o->lane * AW_LANE_H + 4, x0 = aw_x(&a, o->s_ns);
        double x1 = o->e_ns >= 0 ? aw_x(&a, o->e_ns) : AW_W - AW_R;
        const char *cls = o->done_idx < 0 ? "o-info" : "o-ok";
        sb_buf_printf(b,
                      "<g class=\"rg-op%s\"><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
                      "width=\"%.1f\" height=\"%d\"><title>",
                      o->bad ? " rg-bad" : "", cls, x0, y, x1 - x0 < 2 ? 2 : x1 - x0,
                      AW_LANE_H - 8);
        sb_buf_printf(b, "process %d: ", o->process);
        rg_label(b, o);
        sb_buf_printf(b, ", invoked at %.6f s, ", o->s_ns / 1e9);
        if (o->e_ns >= 0)
            sb_buf_printf(b, "completed at %.6f s (op %lld)", o->e_ns / 1e9, o->done_idx);
        else
            sb_buf_puts(b, "outcome unknown: may take effect any time after its invocation");
        sb_buf_printf(b, "</title></rect><text class=\"rg-l\" x=\"%.1f\" y=\"%.1f\">", x0 + 3,
                      y + AW_LANE_H / 2.0);
        rg_label(b, o);
        sb_buf_puts(b, "</text></g>\n");
    }
    sb_buf_puts(b, "</svg>\n<p class=\"rg-why\">");
    sb_buf_printf(b, "Process %d's ", ops[0].process);
    rg_label(b, &ops[0]);
    sb_buf_puts(b, " (outlined) cannot be placed. The longest order the checker found that "
                   "respects real time and the register's rules places ");
    long long placed = json_integer_value(json_object_get(viol, "placed_before"));
    sb_buf_printf(b, "%lld operation%s", placed, placed == 1 ? "" : "s");
    const char *key = json_string_value(json_object_get(viol, "key"));
    if (key && key[0]) {
        sb_buf_puts(b, " of key ");
        html_escape_max(b, key, 64);
    }
    sb_buf_puts(b, "; after them the register could hold only ");
    const json_t *vb = json_object_get(viol, "values_before");
    for (size_t i = 0; i < json_array_size(vb); i++) {
        sb_buf_puts(b, i == 0 ? "" : i + 1 == json_array_size(vb) ? " or " : ", ");
        html_json(b, json_array_get(vb, i), 24);
    }
    if (!json_array_size(vb))
        sb_buf_puts(b, "no value");
    if (n == 1)
        sb_buf_puts(b, ", and no other operation overlaps it in time.");
    else
        sb_buf_printf(b,
                      ", and no order of it and the %zu operation%s concurrent with it (the "
                      "other bars) makes it valid.",
                      n - 1, n == 2 ? "" : "s");
    sb_buf_puts(b, " Green: completed; amber: outcome unknown, so it may take effect at any time "
                   "after its invocation. The same operations are outlined on <a "
                   "href=\"timeline.html\">timeline.html</a>.</p>\n");
}

/* ====== Two lock holds that overlapped ====== */

typedef struct lk_hold {
    int process;
    long long fence;
    int64_t s, e;
    int appended;
} lk_hold;

static lk_hold lk_of(const json_t *h)
{
    const json_t *f = json_object_get(h, "fence");
    return (lk_hold){(int)json_integer_value(json_object_get(h, "process")),
                     json_is_integer(f) ? json_integer_value(f) : -1,
                     json_integer_value(json_object_get(h, "start_ns")),
                     json_integer_value(json_object_get(h, "end_ns")), 0};
}

/* The final resource read: {"resource": ["P:F", ...]}, or NULL. */
static const json_t *lk_resource(const sb_history *h)
{
    for (size_t i = h ? h->n : 0; i-- > 0;) {
        const sb_op *o = &h->ops[i];
        if (o->process == SB_PROC_CONTROLLER && o->type == SB_OP_OK && !strcmp(o->f, "read") &&
            json_is_array(json_object_get(o->value, "resource")))
            return json_object_get(o->value, "resource");
    }
    return NULL;
}

static long lk_position(const json_t *res, const lk_hold *h)
{
    char want[48];
    snprintf(want, sizeof(want), "%d:%lld", h->process, h->fence);
    for (size_t i = 0; i < json_array_size(res); i++)
        if (json_is_string(json_array_get(res, i)) &&
            !strcmp(json_string_value(json_array_get(res, i)), want))
            return (long)i;
    return -1;
}

static void lk_bar(sb_buf *b, const aw_axis *a, const lk_hold *h, double y, const char *who)
{
    double x0 = aw_x(a, h->s), x1 = aw_x(a, h->e);
    sb_buf_printf(b,
                  "<rect class=\"lk-hold\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\">"
                  "<title>holder %s: process %d, fence %lld, from %.6f s to %.6f s</title></rect>"
                  "<text class=\"rg-l\" x=\"%.1f\" y=\"%.1f\">fence %lld</text>\n",
                  x0, y, x1 - x0 < 2 ? 2 : x1 - x0, AW_LANE_H - 8, who, h->process, h->fence,
                  h->s / 1e9, h->e / 1e9, x0 + 3, y + AW_LANE_H / 2.0, h->fence);
}

/* The holds of one lock in [a->t0, a->t1] that appended to the resource,
 * each in the first of LK_ROWS rows where it overlaps nothing (the last
 * row otherwise): when each append happened is known only to lie within
 * its hold. */
#define LK_ROWS 4
#define LK_ROW_H 15
#define LK_WRITES 200

typedef struct lk_w {
    int64_t s, e;
    int process, row;
    long long fence;
} lk_w;

/* Fills w (LK_WRITES at most); returns how many, *rows the rows used. */
static size_t lk_collect(const html_run *x, const aw_axis *a, const char *lock, lk_w *w, int *rows)
{
    size_t n = 0;
    double row_end[LK_ROWS] = {0};
    *rows = 1;
    for (size_t i = 0; x->h && i < x->h->n && n < LK_WRITES; i++) {
        const sb_op *o = &x->h->ops[i];
        if (o->process < 0 || strcmp(o->f, "lock") || o->type == SB_OP_INVOKE ||
            !json_is_true(json_object_get(o->value, "appended")))
            continue;
        const char *name = json_string_value(json_object_get(o->value, "lock"));
        if (lock && name && strcmp(lock, name))
            continue;
        const json_t *rel = json_object_get(o->value, "released");
        lk_w v = {json_integer_value(json_object_get(o->value, "acquired")),
                  json_is_integer(rel) ? json_integer_value(rel) : o->time_ns, o->process, 0,
                  json_integer_value(json_object_get(o->value, "fence"))};
        if (v.e < a->t0 || v.s > a->t1)
            continue;
        while (v.row < LK_ROWS - 1 && row_end[v.row] > aw_x(a, v.s))
            v.row++;
        row_end[v.row] = aw_x(a, v.e) + 30; /* room for the label */
        *rows = v.row + 1 > *rows ? v.row + 1 : *rows;
        w[n++] = v;
    }
    return n;
}

static void lk_writes(sb_buf *b, const aw_axis *a, const lk_w *w, size_t n, double y)
{
    for (size_t i = 0; i < n; i++) {
        double x0 = aw_x(a, w[i].s), x1 = aw_x(a, w[i].e), ry = y + 2 + w[i].row * LK_ROW_H;
        sb_buf_printf(b,
                      "<rect class=\"lk-w\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\">"
                      "<title>process %d appended %d:%lld to the resource between %.6f s and "
                      "%.6f s</title></rect><text class=\"lk-t\" x=\"%.1f\" y=\"%.1f\">%d:%lld"
                      "</text>\n",
                      x0, ry, x1 - x0 < 2 ? 2 : x1 - x0, LK_ROW_H - 3, w[i].process, w[i].process,
                      w[i].fence, w[i].s / 1e9, w[i].e / 1e9, x0 + 3, ry + (LK_ROW_H - 3) / 2.0,
                      w[i].process, w[i].fence);
    }
}

static void lk_resource_words(sb_buf *b, const json_t *res, const lk_hold *ha, const lk_hold *hb)
{
    long pa = lk_position(res, ha), pb = lk_position(res, hb);
    if (!res || (pa < 0 && pb < 0)) {
        sb_buf_puts(b, " Neither hold's entry is in the final resource.");
        return;
    }
    long first = pa < 0 ? pb : pb < 0 ? pa : pa < pb ? pa : pb;
    long last = pa > pb ? pa : pb;
    long from = first - 2 < 0 ? 0 : first - 2;
    long to = last + 2 < (long)json_array_size(res) ? last + 2 : (long)json_array_size(res) - 1;
    if (to - from + 1 > AW_RES_MAX)
        to = from + AW_RES_MAX - 1;
    sb_buf_printf(b, " The final resource, entries %ld to %ld (process:fence): ", from + 1, to + 1);
    for (long i = from; i <= to; i++) {
        int mark = i == pa || i == pb;
        sb_buf_puts(b, i > from ? ", " : "");
        sb_buf_puts(b, mark ? "<b>" : "");
        html_escape_max(b, json_string_value(json_array_get(res, (size_t)i)), 32);
        sb_buf_puts(b, mark ? "</b>" : "");
    }
    sb_buf_puts(b, ".");
    if (pa >= 0 && pb >= 0 && ha->fence >= 0 && hb->fence >= 0) {
        const lk_hold *later = pa > pb ? ha : hb, *earlier = pa > pb ? hb : ha;
        if (later->fence < earlier->fence)
            sb_buf_printf(b,
                          " Fence %lld was written after fence %lld: a resource that checks "
                          "fencing tokens would have refused it.",
                          later->fence, earlier->fence);
        else
            sb_buf_puts(b, " The fences reached the resource in increasing order: a resource "
                           "that checks fencing tokens would have accepted both, so only the "
                           "holders' own actions overlapped.");
    }
}

void html_lock_overlaps(sb_buf *b, const html_run *x, const json_t *overlaps)
{
    const json_t *res = lk_resource(x->h);
    for (size_t i = 0; i < json_array_size(overlaps) && i < AW_HOLDS; i++) {
        const json_t *o = json_array_get(overlaps, i);
        const char *lock = json_string_value(json_object_get(o, "lock"));
        lk_hold ha = lk_of(json_object_get(o, "a")), hb = lk_of(json_object_get(o, "b"));
        aw_axis a = aw_axis_of(ha.s < hb.s ? ha.s : hb.s, ha.e > hb.e ? ha.e : hb.e);
        lk_w *w = sb_xmalloc(LK_WRITES * sizeof(*w));
        int rows;
        size_t nw = lk_collect(x, &a, lock, w, &rows);
        const double top = 8, lanes_h = 2 * AW_LANE_H + rows * LK_ROW_H + 4, h = top + lanes_h + 24;
        aw_svg_open(b, "lock-overlap", h, "two holds of one lock that overlapped");
        aw_ticks(b, &a, top, top + lanes_h);
        int64_t os = ha.s > hb.s ? ha.s : hb.s, oe = ha.e < hb.e ? ha.e : hb.e;
        double ox0 = aw_x(&a, os), ox1 = aw_x(&a, oe);
        sb_buf_printf(b,
                      "<rect class=\"lk-both\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                      "height=\"%d\"><title>both held the lock for %.1f ms</title></rect>\n",
                      ox0, top, ox1 - ox0 < 2 ? 2 : ox1 - ox0, 2 * AW_LANE_H, (oe - os) / 1e6);
        char label[32];
        snprintf(label, sizeof(label), "process %d", ha.process);
        html_lane_label(b, top + 4, AW_LANE_H - 8, label, "holder A");
        snprintf(label, sizeof(label), "process %d", hb.process);
        html_lane_label(b, top + AW_LANE_H + 4, AW_LANE_H - 8, label, "holder B");
        html_lane_label(b, top + 2 * AW_LANE_H + 2, LK_ROW_H - 3, "resource writes",
                        "holds that appended to the resource");
        lk_bar(b, &a, &ha, top + 4, "A");
        lk_bar(b, &a, &hb, top + AW_LANE_H + 4, "B");
        lk_writes(b, &a, w, nw, top + 2 * AW_LANE_H);
        free(w);
        sb_buf_puts(b, "</svg>\n<p class=\"rg-why\">");
        sb_buf_printf(b,
                      "Process %d (fence %lld) and process %d (fence %lld) both believed they "
                      "held lock ",
                      ha.process, ha.fence, hb.process, hb.fence);
        html_escape_max(b, lock ? lock : "?", 64);
        sb_buf_printf(b,
                      " from %.3f s to %.3f s (%.1f ms, shaded). The lowest lane shows the %zu "
                      "hold%s in this window that appended to the resource: each append lies "
                      "somewhere within its bar.",
                      os / 1e9, oe / 1e9, (oe - os) / 1e6, nw, nw == 1 ? "" : "s");
        lk_resource_words(b, res, &ha, &hb);
        sb_buf_puts(b, "</p>\n");
    }
    if (json_array_size(overlaps) > AW_HOLDS)
        sb_buf_printf(b,
                      "<p class=\"note\">The first %d overlaps are drawn; the table lists "
                      "them all.</p>\n",
                      AW_HOLDS);
}
