/* html_timeline.c -- the timeline of report.html: a lane per client process
 * with a bar per operation from invocation to completion (columns past
 * DETAIL_OPS operations), the fault band above the lanes, a lane per host
 * of node log events below them, and the faults in force shaded over all. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define DETAIL_OPS 2500     /* up to this many operations: one rect (and tooltip) each */
#define HOST_LANE_CAP 24    /* node-event lanes */
#define EVENT_MARK_CAP 1500 /* node events drawn one by one (with tooltips) */

int html_event_class(const char *f)
{
    static const char *const failover[] = {"+switch-master",
                                           "+odown",
                                           "+promoted-slave",
                                           "+elected-leader",
                                           "+try-failover",
                                           "role-master",
                                           "+failover-end",
                                           "+convert-to-slave",
                                           NULL};
    for (size_t i = 0; failover[i]; i++)
        if (!strcmp(f, failover[i]))
            return 1;
    if (!strcmp(f, "+tilt") || !strcmp(f, "-tilt"))
        return 2;
    if (strstr(f, "sync") || strstr(f, "master-link") || !strcmp(f, "role-replica"))
        return 3;
    return 0;
}

static int ev_labelled(const char *f)
{
    return !strcmp(f, "+switch-master") || !strcmp(f, "+tilt") || !strcmp(f, "role-master") ||
           !strcmp(f, "+odown") || !strcmp(f, "+promoted-slave");
}

typedef struct hosts {
    char (*name)[64];
    size_t n;
    int other; /* events of hosts past the cap (or without a host) exist */
} hosts;

static int host_lane(hosts *hs, const char *node)
{
    const char *n = node[0] ? node : "?";
    for (size_t i = 0; i < hs->n; i++)
        if (!strcmp(hs->name[i], n))
            return (int)i;
    if (hs->n < HOST_LANE_CAP) {
        snprintf(hs->name[hs->n], sizeof(hs->name[0]), "%s", n);
        return (int)hs->n++;
    }
    hs->other = 1;
    return HOST_LANE_CAP;
}

static void op_title(sb_buf *b, const sb_op *inv, const sb_op *done, int64_t end_ns)
{
    const sb_op *o = done ? done : inv;
    sb_buf_printf(b, "<title>process %d ", o->process);
    html_escape(b, o->f);
    sb_buf_puts(b, " ");
    html_json(b, o->value ? o->value : inv ? inv->value : NULL, 80);
    if (done) {
        sb_buf_printf(b, " \xe2\x86\x92 %s", history_type_name(done->type));
        if (done->node[0]) {
            sb_buf_puts(b, " on ");
            html_escape(b, done->node);
        }
        if (done->error) {
            sb_buf_puts(b, ": ");
            html_escape_max(b, done->error, 160);
        }
    } else {
        sb_buf_puts(b, " \xe2\x86\x92 no completion");
    }
    int64_t s = inv ? inv->time_ns : o->time_ns, e = done ? done->time_ns : end_ns;
    sb_buf_printf(b, "; %.3f s to %.3f s (%.1f ms), op %lld</title>", s / 1e9, e / 1e9,
                  (e - s) / 1e6, (long long)o->index);
}

static const char *outcome_class(sb_op_type t)
{
    return t == SB_OP_OK ? "o-ok" : t == SB_OP_FAIL ? "o-fail" : "o-info";
}

typedef struct tl_layout {
    int lanes, band_rows;
    double lh, y_band, y_lanes, y_anoms, y_hosts, y_axis;
    hosts hs;
} tl_layout;

/* ====== Anomaly lanes: when lost writes were acknowledged, stale reads
 * served (the checkers' "lost_windows" and "stale_windows") ====== */

#define AN_SENTENCES 8 /* windows said in words under the plot */
#define AN_LANE_H 14

static void an_draw(sb_buf *b, const html_run *x, const tl_layout *L, const html_an_lane *a,
                    size_t n)
{
    for (size_t l = 0; l < n; l++) {
        double y = L->y_anoms + (double)l * (AN_LANE_H + 2);
        size_t k;
        json_t *w;
        long long total = 0;
        json_array_foreach(a[l].windows, k, w)
        {
            total += json_integer_value(json_object_get(w, "count"));
            int64_t s = json_integer_value(json_object_get(w, "start"));
            int64_t e = json_integer_value(json_object_get(w, "end"));
            double x0 = html_tx(x, s), x1 = html_tx(x, e);
            sb_buf_printf(b,
                          "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%d\"><title>",
                          a[l].cls, x1 - x0 < 2 ? x0 - 1 : x0, y, x1 - x0 < 2 ? 2 : x1 - x0,
                          AN_LANE_H);
            html_an_sentence(b, &a[l], w);
            sb_buf_puts(b, "</title></rect>\n");
        }
        char label[64], title[160], count[40];
        html_thousands(count, sizeof(count), total);
        snprintf(label, sizeof(label), "%s", a[l].label);
        snprintf(title, sizeof(title), "%s %s %s (checker %s), by when and where", count, a[l].what,
                 a[l].end, a[l].checker);
        html_lane_label(b, y, AN_LANE_H, label, title);
    }
}

/* The windows in words, the largest first. */
static void an_words(sb_buf *b, const html_an_lane *a, size_t n)
{
    for (size_t l = 0; l < n; l++) {
        size_t nw = json_array_size(a[l].windows), said = 0;
        unsigned char *done = sb_xcalloc(nw ? nw : 1, 1);
        sb_buf_printf(b, "<p class=\"note an-words\" data-lane=\"%s\">", a[l].cls);
        while (said < nw && said < AN_SENTENCES) {
            size_t best = nw;
            long long bc = -1;
            for (size_t k = 0; k < nw; k++) {
                long long c =
                    json_integer_value(json_object_get(json_array_get(a[l].windows, k), "count"));
                if (!done[k] && c > bc)
                    best = k, bc = c;
            }
            done[best] = 1;
            sb_buf_puts(b, said ? "; " : "");
            html_an_sentence(b, &a[l], json_array_get(a[l].windows, best));
            said++;
        }
        if (nw > said)
            sb_buf_printf(b, "; and %zu smaller windows", nw - said);
        sb_buf_puts(b, ".</p>\n");
        free(done);
    }
}

static double lane_y(const tl_layout *L, int lane)
{
    return L->y_lanes + lane * (L->lh + 2);
}

/* One op span: a rect of its own (detail) or its columns (buckets). */
static void tl_span(sb_buf *b, const html_run *x, const tl_layout *L, unsigned char *cols, int lane,
                    const sb_op *inv, const sb_op *done)
{
    int64_t s = inv ? inv->time_ns : done->time_ns, e = done ? done->time_ns : x->end_ns;
    sb_op_type t = done ? done->type : SB_OP_INFO;
    if (cols) {
        unsigned bit = t == SB_OP_OK ? 1 : t == SB_OP_FAIL ? 2 : 4;
        for (int c = html_tcol(x, s), ce = html_tcol(x, e); c <= ce; c++)
            cols[(size_t)lane * COLS + c] |= (unsigned char)bit;
        return;
    }
    double x0 = html_tx(x, s), x1 = html_tx(x, e);
    sb_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
                  outcome_class(t), x0, lane_y(L, lane), x1 - x0 > 0.8 ? x1 - x0 : 0.8, L->lh);
    op_title(b, inv, done, x->end_ns);
    sb_buf_puts(b, "</rect>\n");
}

/* Client lanes; returns the number of operations drawn. */
static size_t tl_ops(sb_buf *b, const html_run *x, const tl_layout *L, html_pmap *m, int detail,
                     long long *counts)
{
    const sb_history *h = x->h;
    unsigned char *cols = detail ? NULL : sb_xcalloc((size_t)L->lanes * COLS, 1);
    if (!detail && !cols)
        return 0;
    size_t drawn = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0)
            continue;
        html_pslot *p = html_pmap_get(m, op->process, 0);
        if (op->type == SB_OP_INVOKE) {
            if (p->inv) /* a second invocation: the first never completed */
                tl_span(b, x, L, cols, p->lane, p->inv, NULL), drawn++;
            p->inv = op;
            continue;
        }
        counts[p->lane * 3 + (op->type == SB_OP_OK ? 0 : op->type == SB_OP_FAIL ? 1 : 2)]++;
        tl_span(b, x, L, cols, p->lane, p->inv, op);
        p->inv = NULL;
        drawn++;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].used && m->s[i].inv) {
            tl_span(b, x, L, cols, m->s[i].lane, m->s[i].inv, NULL), drawn++;
            m->s[i].inv = NULL;
        }
    if (cols) {
        for (int l = 0; l < L->lanes; l++) {
            double y = lane_y(L, l), lh = L->lh;
            const unsigned char *c = cols + (size_t)l * COLS;
            html_draw_col_runs(b, c, 1, y, lh, "o-ok", NULL);
            html_draw_col_runs(b, c, 4, y + lh * 0.2, lh * 0.6, "o-info", NULL);
            html_draw_col_runs(b, c, 2, y + lh * 0.2, lh * 0.6, "o-fail", NULL);
            sb_buf_puts(b, "\n");
        }
    }
    free(cols);
    return drawn;
}

/* A lane's last event label, written once the labels it hides (the
 * labelled events that came too close after it) are counted: "+odown +2",
 * the hidden ones named in its tooltip. */
typedef struct ev_label {
    int used;
    double x, y;
    const sb_op *op;
    int hidden;
    sb_buf more; /* "+switch-master at 6.62 s, ..." */
} ev_label;

#define EV_HIDDEN_NAMED 8

static void ev_label_flush(sb_buf *b, ev_label *p)
{
    if (!p->used)
        return;
    sb_buf_printf(b, "<text class=\"evt\" x=\"%.1f\" y=\"%.1f\">", p->x, p->y);
    html_escape_max(b, p->op->f, 24);
    if (p->hidden) {
        sb_buf_printf(b, "<tspan class=\"evc\"> +%d</tspan><title>%d more here: ", p->hidden,
                      p->hidden);
        sb_buf_append(b, p->more.data ? p->more.data : "", p->more.len);
        sb_buf_puts(b, p->hidden > EV_HIDDEN_NAMED ? ", ...</title>" : "</title>");
    }
    sb_buf_puts(b, "</text>\n");
    p->used = 0;
    p->hidden = 0;
    p->more.len = 0;
}

static void tl_events(sb_buf *b, const html_run *x, tl_layout *L, size_t n_ev)
{
    const sb_history *h = x->h;
    size_t nl = L->hs.n + (size_t)L->hs.other;
    int marks = n_ev <= EVENT_MARK_CAP;
    unsigned char *cols = marks ? NULL : sb_xcalloc(nl * COLS, 1);
    double *label_end = calloc(nl + 1, sizeof(double));
    ev_label *pend = calloc(nl + 1, sizeof(ev_label));
    if ((!marks && !cols) || !label_end || !pend) {
        free(cols);
        free(label_end);
        free(pend);
        return;
    }
    const double lh = 14;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_NODE)
            continue;
        int lane = host_lane(&L->hs, op->node);
        int cls = html_event_class(op->f);
        double y = L->y_hosts + lane * (lh + 2), X = html_tx(x, op->time_ns);
        if (!marks) {
            cols[(size_t)lane * COLS + html_tcol(x, op->time_ns)] |= (unsigned char)(1u << cls);
            continue;
        }
        sb_buf_printf(b,
                      "<rect class=\"ev%d\" x=\"%.1f\" y=\"%.1f\" width=\"1.6\" "
                      "height=\"%.0f\"><title>%.3f s ",
                      cls, X - 0.8, y, lh, op->time_ns / 1e9);
        html_escape(b, op->f);
        sb_buf_puts(b, " @");
        html_escape(b, op->node);
        const char *proc = json_string_value(json_object_get(op->value, "process"));
        const char *detail = json_string_value(json_object_get(op->value, "detail"));
        if (proc) {
            sb_buf_puts(b, " (");
            html_escape(b, proc);
            sb_buf_puts(b, ")");
        }
        if (detail && detail[0]) {
            sb_buf_puts(b, ": ");
            html_escape_named(b, x, detail, 200);
        }
        sb_buf_puts(b, "</title></rect>\n");
        if (!ev_labelled(op->f))
            continue;
        ev_label *p = &pend[lane];
        if (X + 2 > label_end[lane]) {
            ev_label_flush(b, p);
            *p = (ev_label){1, X + 2, y + 10.5, op, 0, p->more};
            /* room for the name and a count after it (" +99") */
            label_end[lane] = X + 2 + (double)((strlen(op->f) < 24 ? strlen(op->f) : 24) + 4) * 6.2;
        } else if (p->used) {
            if (p->hidden++ < EV_HIDDEN_NAMED) {
                sb_buf_puts(&p->more, p->hidden > 1 ? ", " : "");
                html_escape_max(&p->more, op->f, 24);
                sb_buf_printf(&p->more, " at %.2f s", op->time_ns / 1e9);
            }
        }
    }
    for (size_t l = 0; l <= nl; l++) {
        ev_label_flush(b, &pend[l]);
        sb_buf_free(&pend[l].more);
    }
    free(pend);
    for (size_t l = 0; cols && l < nl; l++) {
        double y = L->y_hosts + (double)l * (lh + 2);
        const unsigned char *c = cols + l * COLS;
        static const char *const cls_name[] = {"ev0", "ev3", "ev2", "ev1"};
        static const unsigned bits[] = {1, 8, 4, 2}; /* most telling drawn last */
        for (int k = 0; k < 4; k++)
            html_draw_col_runs(b, c, bits[k], y, lh, cls_name[k], NULL);
        sb_buf_puts(b, "\n");
    }
    free(cols);
    free(label_end);
}

void html_plot_timeline(sb_buf *b, const html_run *x)
{
    const sb_history *h = x->h;
    if (!h) {
        sb_buf_puts(b, "<p class=\"note\">No history: nothing to draw.</p>\n");
        return;
    }
    html_pmap m = {0};
    int *procs = NULL;
    tl_layout L = {0};
    L.hs.name = sb_xcalloc(HOST_LANE_CAP, sizeof(*L.hs.name));
    int *row = sb_xcalloc(x->n_faults + 1, sizeof(int));
    L.lanes = L.hs.name && row ? html_pmap_lanes(&m, h, &procs) : -1;
    if (L.lanes < 0) {
        sb_buf_puts(b, "<p class=\"note\">Out of memory drawing the timeline.</p>\n");
        goto out;
    }
    size_t n_ops = 0, n_ev = 0;
    for (size_t i = 0; i < h->n; i++) {
        n_ops += h->ops[i].process >= 0 && h->ops[i].type != SB_OP_INVOKE;
        if (h->ops[i].process == SB_PROC_NODE && (n_ev++, 1))
            host_lane(&L.hs, h->ops[i].node);
    }
    if (!L.lanes && !n_ev) {
        sb_buf_puts(b,
                    "<p class=\"note\">No client operations or node events in this history.</p>\n");
        goto out;
    }
    size_t host_lanes = L.hs.n + (size_t)L.hs.other;
    html_an_lane an[HTML_AN_LANE_CAP];
    size_t n_an = html_an_lanes(x, an);
    L.band_rows = html_band_layout(x, row);
    L.lh = L.lanes > 24 ? 9 : 14;
    L.y_band = 6;
    L.y_lanes = L.y_band + L.band_rows * BAND_ROW_H + (L.band_rows ? 6 : 0);
    L.y_anoms = lane_y(&L, L.lanes) + (n_an ? 20 : 0);
    L.y_hosts =
        L.y_anoms + (double)n_an * (AN_LANE_H + 2) + (host_lanes ? (L.lanes || n_an ? 20 : 4) : 0);
    L.y_axis = L.y_hosts + (double)host_lanes * 16 + 4;
    int detail = n_ops <= DETAIL_OPS;
    html_svg_open(b, (int)L.y_axis + 22, "timeline of operations, faults and node events");
    html_draw_axis(b, x, L.y_lanes - 2, L.y_axis);
    html_draw_band(b, x, row, L.y_band);
    long long *counts = sb_xcalloc((size_t)L.lanes * 3 + 3, sizeof(long long));
    if (counts)
        tl_ops(b, x, &L, &m, detail, counts);
    for (int l = 0; l < L.lanes && counts; l++) {
        char text[64], title[160];
        int last_other = l == LANE_CAP - 1 && m.n > LANE_CAP;
        if (last_other)
            snprintf(text, sizeof(text), "other clients (%zu)", m.n - (LANE_CAP - 1));
        else
            snprintf(text, sizeof(text), "process %d", procs[l]);
        snprintf(title, sizeof(title), "%s: %lld ok, %lld fail, %lld info", text, counts[l * 3],
                 counts[l * 3 + 1], counts[l * 3 + 2]);
        html_lane_label(b, lane_y(&L, l), L.lh, text, title);
    }
    free(counts);
    if (n_an) {
        sb_buf_printf(b,
                      "<text class=\"lh\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">anomalies"
                      "</text>\n",
                      PL - 6, L.y_anoms - 5);
        an_draw(b, x, &L, an, n_an);
    }
    if (host_lanes) {
        sb_buf_printf(
            b, "<text class=\"lh\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">node events</text>\n",
            PL - 6, L.y_hosts - 5);
        tl_events(b, x, &L, n_ev);
    }
    html_draw_shading(b, x, L.y_lanes - 2, L.y_axis); /* over the bars: they stay readable */
    for (size_t l = 0; l < host_lanes; l++)
        html_lane_label(b, L.y_hosts + (double)l * 16, 14,
                        l < L.hs.n ? L.hs.name[l] : "other hosts", NULL);
    sb_buf_puts(b, "</svg>\n");
    sb_buf_puts(b, "<p class=\"note\">");
    if (detail)
        sb_buf_printf(b,
                      "%zu operations, one bar each from invocation to completion (hover for "
                      "details). ",
                      n_ops);
    else
        sb_buf_printf(b,
                      "%zu operations, too many to draw one by one: time is cut into %d "
                      "columns per lane, and a column is green, amber (info) or red (fail) "
                      "when an operation with that outcome was in flight in it. ",
                      n_ops, COLS);
    if (m.n > LANE_CAP)
        sb_buf_printf(b,
                      "<strong>%zu client processes: the first %d have a lane each; the other "
                      "%zu are aggregated into one lane \"other clients\".</strong> ",
                      m.n, LANE_CAP - 1, m.n - (LANE_CAP - 1));
    if (n_ev > EVENT_MARK_CAP)
        sb_buf_printf(b, "%zu node events, drawn as %d columns per host. ", n_ev, COLS);
    if (L.hs.other)
        sb_buf_printf(b, "Events of hosts past the first %d share the lane \"other hosts\". ",
                      HOST_LANE_CAP);
    sb_buf_puts(b, "Shaded: faults in force, labelled above the lanes.</p>\n");
    if (n_an) {
        int lost = 0, stale = 0;
        for (size_t l = 0; l < n_an; l++)
            *(strcmp(an[l].cls, "an-stale") ? &lost : &stale) = 1;
        sb_buf_puts(b, "<p class=\"legend\">");
        if (lost)
            sb_buf_puts(b, "<span><i class=\"sw-lost\"></i>acknowledged, later lost (drawn when "
                           "acknowledged)</span>");
        if (stale)
            sb_buf_puts(b,
                        "<span><i class=\"sw-stale\"></i>stale reads (drawn when served)</span>");
        sb_buf_puts(b, "</p>\n");
        an_words(b, an, n_an);
    }
out:
    free(row);
    free(procs);
    free(m.s);
    free(L.hs.name);
}
