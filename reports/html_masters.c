/* html_masters.c -- "Who was master" in report.html: a lane per node with
 * the role it reported, a lane per sentinel with the master it named, and
 * the windows in which more nodes said master than the deployment has
 * masters, under the fault band. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define ROLE_LANE_CAP 32
#define ROLE_RUN_CAP 1200 /* role runs drawn one by one (with tooltips) */

typedef struct srun {
    int64_t s, e;
    const char *state;
    const json_t *v; /* the sentinel's view at the run's start */
} srun;

typedef struct slane {
    char name[64];
    srun *r;
    size_t n, cap;
} slane;

typedef struct slanes {
    slane *l;
    size_t n;
    int capped;
} slanes;

static slane *slane_get(slanes *ls, const char *name)
{
    for (size_t i = 0; i < ls->n; i++)
        if (!strcmp(ls->l[i].name, name))
            return &ls->l[i];
    if (ls->n == ROLE_LANE_CAP) {
        ls->capped = 1;
        return NULL;
    }
    slane *l = &ls->l[ls->n++];
    memset(l, 0, sizeof(*l));
    snprintf(l->name, sizeof(l->name), "%s", name);
    return l;
}

/* At time t the lane says state: extends its last run or starts one. */
static void slane_say(slane *l, int64_t t, const char *state, const json_t *v)
{
    if (l->n && !strcmp(l->r[l->n - 1].state, state)) {
        l->r[l->n - 1].e = t;
        return;
    }
    if (l->n)
        l->r[l->n - 1].e = t;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        srun *r = realloc(l->r, cap * sizeof(*r));
        if (!r)
            return;
        l->r = r;
        l->cap = cap;
    }
    l->r[l->n++] = (srun){t, t, state, v};
}

static const char *state_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : json_is_null(v) || !v ? "none" : "?";
}

/* Walks the polls of f ("roles" or "sentinel-views") into lanes; the last
 * state of each lane lasts one polling period past the last poll. */
static void collect_polls(const html_run *x, const char *f, slanes *ls)
{
    const sb_history *h = x->h;
    int views = !strcmp(f, "sentinel-views");
    int64_t prev = -1, last = -1;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_CONTROLLER || op->type != SB_OP_OK || strcmp(op->f, f) ||
            !json_is_object(op->value))
            continue;
        const char *key;
        json_t *v;
        for (size_t k = 0; k < ls->n; k++) /* lanes not in this poll say nothing new */
            if (ls->l[k].n)
                ls->l[k].r[ls->l[k].n - 1].e = op->time_ns;
        json_object_foreach(op->value, key, v)
        {
            slane *l = slane_get(ls, key);
            if (l)
                slane_say(l, op->time_ns,
                          views ? state_of(json_object_get(v, "master")) : state_of(v), v);
        }
        prev = last;
        last = op->time_ns;
    }
    int64_t tail = prev >= 0 ? last - prev : 0;
    for (size_t k = 0; k < ls->n; k++)
        if (ls->l[k].n) {
            int64_t e = ls->l[k].r[ls->l[k].n - 1].e + tail;
            ls->l[k].r[ls->l[k].n - 1].e = e < x->end_ns ? e : x->end_ns;
        }
}

static int is_replica(const char *s)
{
    return !strcmp(s, "slave") || !strcmp(s, "replica");
}

/* What a run looks like: fill colour and vertical extent within the lane. */
static const char *run_look(const html_run *x, const srun *r, int views, double *top, double *hf)
{
    *top = 0, *hf = 1;
    if (views)
        return strcmp(r->state, "none") && strcmp(r->state, "?") ? html_node_colour(x, r->state)
                                                                 : "#555555";
    if (!strcmp(r->state, "master"))
        return NULL; /* the lane's node colour */
    if (is_replica(r->state)) {
        *top = 0.35, *hf = 0.3;
        return "#c3c8d0";
    }
    *top = 0.2, *hf = 0.6;
    return "#555555";
}

static void draw_slane(sb_buf *b, const html_run *x, const slane *l, double y, double lh, int views,
                       int titles)
{
    const char *own = html_node_colour(x, l->name);
    if (titles) {
        for (size_t i = 0; i < l->n; i++) {
            const srun *r = &l->r[i];
            double top, hf, x0 = html_tx(x, r->s), x1 = html_tx(x, r->e);
            const char *fill = run_look(x, r, views, &top, &hf);
            sb_buf_printf(
                b, "<rect fill=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>",
                fill ? fill : own, x0, y + top * lh, x1 - x0 > 0.6 ? x1 - x0 : 0.6, hf * lh);
            html_escape(b, l->name);
            sb_buf_puts(b, views ? ": sentinel names " : ": ");
            html_escape(b, r->state);
            if (views) {
                sb_buf_puts(b, " (");
                html_json(b, r->v, 160);
                sb_buf_puts(b, ")");
            }
            sb_buf_printf(b, ", %.2f s to %.2f s</title></rect>\n", r->s / 1e9, r->e / 1e9);
        }
        return;
    }
    /* Too many runs: per column, the most telling state (master first). */
    unsigned char *cols = calloc(COLS, 1);
    if (!cols)
        return;
    for (size_t i = 0; i < l->n; i++) {
        const srun *r = &l->r[i];
        unsigned v;
        if (views) {
            int ni = strcmp(r->state, "none") ? html_node_index(x, r->state) : -1;
            v = ni >= 0 && ni < 6 ? (unsigned)(1u << (ni + 2)) : 2u;
        } else {
            v = !strcmp(r->state, "master") ? 4u : is_replica(r->state) ? 1u : 2u;
        }
        for (int c = html_tcol(x, r->s), e = html_tcol(x, r->e); c <= e; c++)
            cols[c] |= (unsigned char)v;
    }
    if (views) {
        html_draw_col_runs(b, cols, 2, y, lh, NULL, "#555555");
        for (int k = 0; k < 6; k++)
            html_draw_col_runs(b, cols, 1u << (k + 2), y, lh, NULL, html_palette[k]);
    } else {
        html_draw_col_runs(b, cols, 1, y + 0.35 * lh, 0.3 * lh, NULL, "#c3c8d0");
        html_draw_col_runs(b, cols, 2, y + 0.2 * lh, 0.6 * lh, NULL, "#555555");
        html_draw_col_runs(b, cols, 4, y, lh, NULL, own);
    }
    free(cols);
}

/* The windows with more masters than the deployment has: shaded over the
 * role lanes (y, h) and named in a bar at y_bar; past DETAIL_SPANS
 * windows, as columns. */
static void draw_multi(sb_buf *b, const html_run *x, double y, double h, double y_bar)
{
    if (x->n_multi > DETAIL_SPANS) {
        unsigned char *cols = calloc(COLS, 1);
        if (!cols)
            return;
        for (size_t i = 0; i < x->n_multi; i++)
            for (int c = html_tcol(x, x->multi[i].start_ns), e = html_tcol(x, x->multi[i].end_ns);
                 c <= e; c++)
                cols[c] = 1;
        html_draw_col_runs(b, cols, 1, y, h, "multi", NULL);
        html_draw_col_runs(b, cols, 1, y_bar, 12, "multi-b", NULL);
        sb_buf_printf(b,
                      "<text class=\"multi-t\" x=\"%.1f\" y=\"%.1f\">%zu%s windows with too "
                      "many masters</text>\n",
                      html_tx(x, x->multi[0].start_ns) + 3, y_bar + 9.5, x->n_multi,
                      x->n_multi == MULTI_CAP ? "+" : "");
        free(cols);
        return;
    }
    double label_end = -1;
    for (size_t i = 0; i < x->n_multi; i++) {
        const html_span *s = &x->multi[i];
        double x0 = html_tx(x, s->start_ns), x1 = html_tx(x, s->end_ns),
               w = x1 - x0 > 1.5 ? x1 - x0 : 1.5;
        sb_buf_puts(b, "<g><title>");
        html_escape(b, s->what);
        sb_buf_printf(
            b,
            " said master from %.2f s to %.2f s%s</title>"
            "<rect class=\"multi\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
            "<rect class=\"multi-b\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\"/>",
            s->start_ns / 1e9, s->end_ns / 1e9, s->open ? " (still at the last poll)" : "", x0, y,
            w, h, x0, y_bar, w);
        if (x0 > label_end) { /* names where they fit */
            sb_buf_printf(b, "<text class=\"multi-t\" x=\"%.1f\" y=\"%.1f\">", x0 + 3, y_bar + 9.5);
            html_escape_max(b, s->what, 40);
            sb_buf_puts(b, " master</text>");
            label_end = x0 + 3 + (double)(strlen(s->what) < 40 ? strlen(s->what) + 7 : 47) * CHAR_W;
        }
        sb_buf_puts(b, "</g>\n");
    }
}

static void slanes_free(slanes *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->l[i].r);
    free(ls->l);
}

static void masters_legend(sb_buf *b, const html_run *x, const slanes *roles, const slanes *views)
{
    sb_buf_puts(b, "<div class=\"legend\">");
    for (size_t i = 0; i < x->n_nodes && i < 24; i++) {
        sb_buf_printf(b, "<span><i style=\"background:%s\"></i>", html_palette[i % HTML_PALETTE_N]);
        html_escape(b, x->nodes[i]);
        sb_buf_puts(b, "</span>");
    }
    sb_buf_puts(b, "<span><i style=\"background:#c3c8d0\"></i>replica</span>"
                   "<span><i style=\"background:#555555\"></i>other role, down or none</span>");
    if (roles->n)
        sb_buf_puts(b,
                    "<span><i class=\"sw-multi\"></i>more masters than the deployment has</span>");
    sb_buf_puts(b, "</div>\n<p class=\"note\">");
    if (roles->n)
        sb_buf_puts(b, "Upper lanes: the role each node reported (polled out of band, every "
                       "100 ms), full bar = master. ");
    if (views->n)
        sb_buf_puts(b, "\"sentinel\" lanes: the master each sentinel named (polled every "
                       "second), coloured by the node named. ");
    if (roles->capped || views->capped)
        sb_buf_printf(b, "Only the first %d nodes are drawn. ", ROLE_LANE_CAP);
    sb_buf_puts(b, "</p>\n");
}

void html_plot_masters(sb_buf *b, const html_run *x)
{
    slanes roles = {sb_xcalloc(ROLE_LANE_CAP, sizeof(slane)), 0, 0};
    slanes views = {sb_xcalloc(ROLE_LANE_CAP, sizeof(slane)), 0, 0};
    int *row = calloc(x->n_faults + 1, sizeof(int));
    if (!x->h || !roles.l || !views.l || !row)
        goto out;
    collect_polls(x, "roles", &roles);
    collect_polls(x, "sentinel-views", &views);
    if (!roles.n && !views.n) {
        sb_buf_puts(b, "<p class=\"note\">No role polls or sentinel views in this history.</p>\n");
        goto out;
    }
    size_t runs = 0;
    for (size_t i = 0; i < roles.n; i++)
        runs += roles.l[i].n;
    for (size_t i = 0; i < views.n; i++)
        runs += views.l[i].n;
    int titles = runs <= ROLE_RUN_CAP;
    int rows = html_band_layout(x, row);
    const double lh = 14;
    double y_band = 6, y_multi = y_band + rows * BAND_ROW_H + (rows ? 4 : 0);
    double y_roles = y_multi + (x->n_multi ? 16 : 0);
    double y_views = y_roles + (double)roles.n * (lh + 2) + (views.n && roles.n ? 10 : 0);
    double y_axis = y_views + (double)views.n * (lh + 2) + 4;
    html_svg_open(b, (int)y_axis + 22, "who was master");
    html_draw_axis(b, x, y_roles - 2, y_axis);
    html_draw_band(b, x, row, y_band);
    for (size_t i = 0; i < roles.n; i++) {
        double y = y_roles + (double)i * (lh + 2);
        draw_slane(b, x, &roles.l[i], y, lh, 0, titles);
        html_lane_label(b, y, lh, roles.l[i].name, NULL);
    }
    for (size_t i = 0; i < views.n; i++) {
        double y = y_views + (double)i * (lh + 2);
        char name[80];
        snprintf(name, sizeof(name), "sentinel %s", views.l[i].name);
        draw_slane(b, x, &views.l[i], y, lh, 1, titles);
        html_lane_label(b, y, lh, name, NULL);
    }
    if (roles.n)
        draw_multi(b, x, y_roles - 2, (double)roles.n * (lh + 2) + 2, y_multi);
    html_draw_shading(b, x, y_roles - 2, y_axis);
    sb_buf_puts(b, "</svg>\n");
    masters_legend(b, x, &roles, &views);
out:
    free(row);
    slanes_free(&roles);
    slanes_free(&views);
}
