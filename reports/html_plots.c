/* html_plots.c -- what the SVG plots of report.html share: the run's time
 * range, node colours and two-master windows (html_run), the time axis,
 * the fault band and the shading of faults in force, lane labels, and the
 * map of client processes to lanes. The plots are drawn in html_timeline.c,
 * html_masters.c and html_perf.c.
 *
 * Every plot shares one time axis: PW px for the run's length after a label
 * margin. Element counts are bounded whatever the history: past a number of
 * operations (or events, or role changes) time is cut into one column per
 * px and each run of columns of one colour is one rectangle; lanes are
 * capped and the rest aggregated, and the page says so under the plot. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html_internal.h"

#define NODE_CAP 64 /* nodes with a colour of their own */

const char *const html_palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                    "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                                    "#393b79", "#637939", "#8c6d31", "#7b4173"};

/* ====== Shared state: time range, node colours, two-master windows ====== */

int html_node_index(const html_run *x, const char *name)
{
    for (size_t i = 0; i < x->n_nodes; i++)
        if (!strcmp(x->nodes[i], name))
            return (int)i;
    return -1;
}

static void add_node(html_run *x, const char *name)
{
    if (!name || !name[0] || x->n_nodes >= NODE_CAP || html_node_index(x, name) >= 0)
        return;
    snprintf(x->nodes[x->n_nodes++], sizeof(x->nodes[0]), "%s", name);
}

const char *html_node_colour(const html_run *x, const char *node)
{
    int i = node ? html_node_index(x, node) : -1;
    return i < 0 ? "#888888" : html_palette[(size_t)i % HTML_PALETTE_N];
}

/* Appends name to a window's ", "-separated list unless it is there. */
static void span_add_name(html_span *s, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = s->what; *p;) {
        const char *e = strstr(p, ", ");
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == nl && !strncmp(p, name, nl))
            return;
        p = e ? e + 2 : p + l;
    }
    size_t have = strlen(s->what);
    snprintf(s->what + have, sizeof(s->what) - have, "%s%s", have ? ", " : "", name);
}

static void scan_roles(html_run *x)
{
    const sb_history *h = x->h;
    size_t baseline = 1, cap = 0;
    html_span *cur = NULL;
    int64_t last_poll = 0;
    for (size_t i = 0; h && i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_CONTROLLER || op->type != SB_OP_OK)
            continue;
        if (!strcmp(op->f, "ready")) {
            add_node(x, json_string_value(json_object_get(op->value, "master")));
            size_t m = json_array_size(json_object_get(op->value, "masters"));
            baseline = m > 1 ? m : 1;
            continue;
        }
        const char *key;
        json_t *v;
        if (!strcmp(op->f, "sentinel-views") && json_is_object(op->value)) {
            json_object_foreach(op->value, key, v)
            {
                add_node(x, key);
                add_node(x, json_string_value(json_object_get(v, "master")));
            }
            continue;
        }
        if (strcmp(op->f, "roles") || !json_is_object(op->value))
            continue;
        size_t masters = 0;
        json_object_foreach(op->value, key, v)
        {
            add_node(x, key);
            masters += json_is_string(v) && !strcmp(json_string_value(v), "master");
        }
        last_poll = op->time_ns;
        if (masters > baseline && !cur && x->n_multi < MULTI_CAP) {
            if (x->n_multi == cap) {
                cap = cap ? cap * 2 : 8;
                html_span *m = realloc(x->multi, cap * sizeof(*m));
                if (!m)
                    return;
                x->multi = m;
            }
            cur = &x->multi[x->n_multi++];
            memset(cur, 0, sizeof(*cur));
            cur->start_ns = op->time_ns;
        }
        if (cur && masters > baseline) {
            json_object_foreach(op->value, key, v)
            {
                if (json_is_string(v) && !strcmp(json_string_value(v), "master"))
                    span_add_name(cur, key);
            }
        } else if (cur) {
            cur->end_ns = op->time_ns;
            cur = NULL;
        }
    }
    if (cur) {
        cur->end_ns = last_poll;
        cur->open = 1;
    }
}

int html_run_prepare(html_run *x, const sb_run_result *r, const sb_history *h)
{
    memset(x, 0, sizeof(*x));
    x->r = r;
    x->h = h;
    int64_t end = r->duration_ns;
    for (size_t i = 0; h && i < h->n; i++)
        if (h->ops[i].time_ns > end)
            end = h->ops[i].time_ns;
    x->end_ns = end > 0 ? end : 1;
    for (size_t i = 0; h && i < h->n; i++)
        if (h->ops[i].process == SB_PROC_CONTROLLER && !strcmp(h->ops[i].f, "hosts") &&
            json_is_object(h->ops[i].value))
            x->hosts = h->ops[i].value;
    x->nodes = calloc(NODE_CAP, sizeof(*x->nodes));
    x->faults = html_fault_windows(h, x->end_ns, &x->n_faults);
    if (!x->nodes || !x->faults)
        return -1;
    scan_roles(x);
    return 0;
}

void html_run_free(html_run *x)
{
    free(x->faults);
    free(x->multi);
    free(x->nodes);
    memset(x, 0, sizeof(*x));
}

/* ====== Drawing helpers ====== */

double html_tx(const html_run *x, int64_t t)
{
    if (t < 0)
        t = 0;
    if (t > x->end_ns)
        t = x->end_ns;
    return PL + (double)t * PW / (double)x->end_ns;
}

int html_tcol(const html_run *x, int64_t t)
{
    if (t <= 0)
        return 0;
    if (t >= x->end_ns)
        return COLS - 1;
    int c = (int)((double)t * COLS / (double)x->end_ns);
    return c < COLS ? c : COLS - 1;
}

void html_svg_open(sb_buf *b, int height, const char *label)
{
    sb_buf_printf(b, "<svg class=\"plot\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
                  SVG_W, height, label);
}

/* A step of 1, 2 or 5 times a power of ten near raw. */
double html_nice_step(double raw)
{
    if (raw <= 0)
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/* Vertical grid lines from y0 to y1 and seconds under y1. */
void html_draw_axis(sb_buf *b, const html_run *x, double y0, double y1)
{
    double dur = (double)x->end_ns / 1e9;
    double step = html_nice_step(dur / 10);
    int dec = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
    sb_buf_printf(
        b, "<g class=\"axis\"><line class=\"ax-l\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
        PL, y1, PL + PW, y1);
    for (int k = 0; k * step <= dur * (1 + 1e-9) && k <= 200; k++) {
        double X = PL + k * step / dur * PW;
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*fs</text>",
                      X, y0, X, y1 + 3, X, y1 + 14, dec, k * step);
    }
    sb_buf_puts(b, "</g>\n");
}

/* Runs of set bit `bit` in cols[0..COLS) as one path of rectangles at
 * (y, h): about 20 bytes a run, so even a flapping lane stays small. */
void html_draw_col_runs(sb_buf *b, const unsigned char *cols, unsigned bit, double y, double h,
                        const char *cls, const char *fill)
{
    int any = 0;
    for (int c = 0; c < COLS;) {
        if (!(cols[c] & bit)) {
            c++;
            continue;
        }
        int e = c;
        while (e < COLS && (cols[e] & bit))
            e++;
        if (!any++)
            sb_buf_printf(b, "<path %s=\"%s\" d=\"", cls ? "class" : "fill", cls ? cls : fill);
        sb_buf_printf(b, "M%d %.1fh%dv%.1fh%dz", PL + c, y, e - c, h, c - e);
        c = e;
    }
    if (any)
        sb_buf_puts(b, "\"/>");
}

/* Fault windows shaded from y0 to y1, the union per kind of fault (so
 * overlapping windows do not darken), instants as lines. */
void html_draw_shading(sb_buf *b, const html_run *x, double y0, double y1)
{
    unsigned char cols[COLS];
    memset(cols, 0, sizeof(cols));
    for (size_t i = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        if (!f->cls || f->failed)
            continue;
        if (f->instant) {
            double x0 = html_tx(x, f->start_ns);
            sb_buf_printf(b,
                          "<line class=\"fl\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                          x0, y0, x0, y1);
            continue;
        }
        for (int c = html_tcol(x, f->start_ns), e = html_tcol(x, f->end_ns); c <= e; c++)
            cols[c] |= (unsigned char)(1u << f->cls);
    }
    static const char *const cls[] = {"", "fs1", "fs2", "fs3", "fs4", "fs5"};
    for (int k = HTML_FAULT_NET; k <= HTML_FAULT_OTHER; k++)
        html_draw_col_runs(b, cols, 1u << k, y0, y1 - y0, cls[k], NULL);
    sb_buf_puts(b, "\n");
}

/* Rows of the fault band: each shaded fault gets the first row where its
 * bar and its label fit, else the first where its bar fits (unlabelled:
 * row + BAND_ROWS; the tooltip and the list of faults still name it).
 * row[i] = -1 for faults not drawn. Returns the rows used. */
int html_band_layout(const html_run *x, int *row)
{
    double bar_end[BAND_ROWS], text_end[BAND_ROWS];
    int used = 0;
    for (int r = 0; r < BAND_ROWS; r++)
        bar_end[r] = text_end[r] = -1e9;
    for (size_t i = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        row[i] = -1;
        if (!f->cls || f->failed)
            continue;
        double x0 = html_tx(x, f->start_ns), x1 = html_tx(x, f->end_ns);
        size_t chars = strlen(f->label) < 48 ? strlen(f->label) : 48;
        double text = x0 + 4 + (double)chars * CHAR_W;
        int labelled = -1, bare = -1, least = 0;
        for (int r = 0; r < BAND_ROWS; r++) {
            int bar_fits = bar_end[r] + 1 <= x0;
            if (bar_fits && text_end[r] + 6 <= x0 && labelled < 0)
                labelled = r;
            if (bar_fits && bare < 0)
                bare = r;
            if (bar_end[r] < bar_end[least])
                least = r;
        }
        int r = labelled >= 0 ? labelled : bare >= 0 ? bare : least;
        row[i] = labelled >= 0 ? r : r + BAND_ROWS;
        bar_end[r] = x1 > bar_end[r] ? x1 : bar_end[r];
        if (labelled >= 0)
            text_end[r] = text > x1 ? text : x1;
        if (r + 1 > used)
            used = r + 1;
    }
    return used;
}

void html_draw_band(sb_buf *b, const html_run *x, const int *row, double y0)
{
    for (size_t i = 0, drawn = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        if (row[i] < 0)
            continue;
        double x0 = html_tx(x, f->start_ns), x1 = html_tx(x, f->end_ns);
        double y = y0 + row[i] % BAND_ROWS * BAND_ROW_H;
        int labelled = row[i] < BAND_ROWS;
        if (drawn++ >= DETAIL_SPANS) { /* the list under "Faults" has them all */
            sb_buf_printf(
                b, "<rect class=\"fb%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\"/>\n",
                f->cls, x0, y, x1 - x0 > 2 ? x1 - x0 : 2);
            continue;
        }
        sb_buf_puts(b, "<g><title>");
        html_escape(b, f->label);
        sb_buf_printf(b, ": %.3f s to %.3f s%s</title>", f->start_ns / 1e9, f->end_ns / 1e9,
                      f->open      ? " (never undone)"
                      : f->instant ? " (an instant)"
                                   : "");
        sb_buf_printf(b,
                      "<rect class=\"fb%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\"/>",
                      f->cls, x0, y, x1 - x0 > 2 ? x1 - x0 : 2);
        if (labelled) {
            sb_buf_printf(b, "<text class=\"fbt\" x=\"%.1f\" y=\"%.1f\">", x0 + 3, y + 9.5);
            html_escape_max(b, f->label, 48);
            sb_buf_puts(b, "</text>");
        }
        sb_buf_puts(b, "</g>\n");
    }
}

void html_lane_label(sb_buf *b, double y, double h, const char *text, const char *title)
{
    sb_buf_printf(b, "<text class=\"ll\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", PL - 6,
                  y + h / 2 + 4);
    if (title) {
        sb_buf_puts(b, "<title>");
        html_escape(b, title);
        sb_buf_puts(b, "</title>");
    }
    html_escape_max(b, text, 20);
    sb_buf_puts(b, "</text>\n");
}

/* ====== Processes: lanes and in-flight invocations ====== */

static size_t phash(int p, size_t cap)
{
    return (size_t)((uint32_t)p * 2654435761u) & (cap - 1);
}

html_pslot *html_pmap_get(html_pmap *m, int proc, int add)
{
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        html_pslot *s = calloc(cap, sizeof(*s));
        if (!s)
            return NULL;
        for (size_t i = 0; i < m->cap; i++)
            if (m->s[i].used) {
                size_t j = phash(m->s[i].proc, cap);
                while (s[j].used)
                    j = (j + 1) & (cap - 1);
                s[j] = m->s[i];
            }
        free(m->s);
        m->s = s;
        m->cap = cap;
    }
    if (!m->cap)
        return NULL;
    size_t i = phash(proc, m->cap);
    while (m->s[i].used) {
        if (m->s[i].proc == proc)
            return &m->s[i];
        i = (i + 1) & (m->cap - 1);
    }
    if (!add)
        return NULL;
    m->s[i] = (html_pslot){.used = 1, .proc = proc, .lane = -1, .inv_ns = -1};
    m->n++;
    return &m->s[i];
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

/* Collects the client processes of h into m and gives each a lane (sorted
 * by process, the ones past the cap in the last). Returns the lanes. */
int html_pmap_lanes(html_pmap *m, const sb_history *h, int **procs_out)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process >= 0 && !html_pmap_get(m, h->ops[i].process, 1))
            return -1;
    int *procs = malloc((m->n + 1) * sizeof(int));
    if (!procs)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->s[i].used)
            procs[k++] = m->s[i].proc;
    qsort(procs, k, sizeof(int), cmp_int);
    for (size_t i = 0; i < k; i++)
        html_pmap_get(m, procs[i], 0)->lane = (int)(i < LANE_CAP ? i : LANE_CAP - 1);
    *procs_out = procs;
    return (int)(k < LANE_CAP ? k : LANE_CAP);
}

/* The host whose address starts s (followed by a space, ':' or the end);
 * *used receives the bytes of the address and of a port after it. */
static const char *named_host(const html_run *x, const char *s, size_t *used)
{
    const char *name;
    json_t *addr;
    json_object_foreach((json_t *)x->hosts, name, addr)
    {
        const char *a = json_string_value(addr);
        size_t n = a ? strlen(a) : 0;
        if (!n || strncmp(s, a, n) != 0 || (s[n] && s[n] != ' ' && s[n] != ':'))
            continue;
        size_t k = n;
        if (s[k] == ':' || s[k] == ' ') { /* a port after it */
            size_t d = strspn(s + k + 1, "0123456789");
            if (d && (!s[k + 1 + d] || s[k + 1 + d] == ' '))
                k += 1 + d;
        }
        *used = k;
        return name;
    }
    return NULL;
}

void html_escape_named(sb_buf *b, const html_run *x, const char *s, size_t max)
{
    if (!s || !x->hosts) {
        html_escape_max(b, s ? s : DASH, max);
        return;
    }
    sb_buf named;
    sb_buf_init(&named);
    for (const char *p = s; *p;) {
        size_t used = 0;
        const char *host = (p == s || p[-1] == ' ') ? named_host(x, p, &used) : NULL;
        if (host) {
            sb_buf_puts(&named, host);
            p += used;
        } else {
            sb_buf_append(&named, p, 1);
            p++;
        }
    }
    html_escape_max(b, named.data ? named.data : "", max);
    sb_buf_free(&named);
}

/* ====== Anomaly windows: lost writes, stale reads ====== */

size_t html_an_lanes(const html_run *x, html_an_lane *out)
{
    size_t n = 0;
    for (size_t i = 0; i < x->r->n_checks && n < HTML_AN_LANE_CAP; i++) {
        const sb_check_result *c = &x->r->checks[i];
        const json_t *lost = json_object_get(c->figures, "lost_windows");
        const json_t *stale = json_object_get(c->figures, "stale_windows");
        int la = !strcmp(c->checker, "list-append");
        if (json_array_size(lost) && n < HTML_AN_LANE_CAP)
            out[n++] = (html_an_lane){c->checker,
                                      lost,
                                      la ? "lost appends" : "lost writes",
                                      la ? "appends" : "writes",
                                      "acknowledged by",
                                      "were lost",
                                      "an-lost"};
        if (json_array_size(stale) && n < HTML_AN_LANE_CAP)
            out[n++] = (html_an_lane){c->checker,  stale,     "stale reads", "stale reads",
                                      "served by", "(stale)", "an-stale"};
    }
    return n;
}

/* 14953 as "14,953". */
void html_thousands(char *out, size_t len, long long v)
{
    char raw[32];
    snprintf(raw, sizeof(raw), "%lld", v < 0 ? -v : v);
    size_t n = strlen(raw), k = 0;
    if (v < 0 && k + 1 < len)
        out[k++] = '-';
    for (size_t i = 0; i < n && k + 1 < len; i++) {
        out[k++] = raw[i];
        if ((n - i - 1) % 3 == 0 && i + 1 < n && k + 1 < len)
            out[k++] = ',';
    }
    out[k] = '\0';
}

/* "14,953 writes acknowledged by n1 between 5.05 s and 19.99 s were lost" */
void html_an_sentence(sb_buf *b, const html_an_lane *a, const json_t *w)
{
    char count[40];
    html_thousands(count, sizeof(count),
                   (long long)json_integer_value(json_object_get(w, "count")));
    double s = (double)json_integer_value(json_object_get(w, "start")) / 1e9;
    double e = (double)json_integer_value(json_object_get(w, "end")) / 1e9;
    sb_buf_printf(b, "%s %s %s ", count, a->what, a->how);
    html_escape(b, json_string_value(json_object_get(w, "node")));
    if (e - s < 0.005)
        sb_buf_printf(b, " at %.2f s %s", s, a->end);
    else
        sb_buf_printf(b, " between %.2f s and %.2f s %s", s, e, a->end);
    if (json_is_true(json_object_get(w, "more_windows")))
        sb_buf_puts(b, " (with later windows, not listed one by one)");
}
