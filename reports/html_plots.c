/* html_plots.c -- the SVG plots of report.html: fault windows, the timeline
 * of client operations and node events, who was master, and throughput and
 * latency per operation kind.
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

#include "html.h"

/* Geometry, in px of the SVG's viewBox. */
#define PL 128  /* left margin: lane labels */
#define PW 1000 /* time: one column per px */
#define PR 16
#define SVG_W (PL + PW + PR)
#define COLS PW
#define BAND_ROW_H 15 /* one row of fault bars above the lanes */
#define BAND_ROWS 4
#define CHAR_W 6.2 /* width of a character of 11px text, roughly */

#define LANE_CAP 64         /* client lanes; the rest share the last one */
#define DETAIL_OPS 2500     /* up to this many operations: one rect (and tooltip) each */
#define HOST_LANE_CAP 24    /* node-event lanes */
#define EVENT_MARK_CAP 1500 /* node events drawn one by one (with tooltips) */
#define NODE_CAP 64         /* nodes with a colour of their own */
#define ROLE_LANE_CAP 32
#define ROLE_RUN_CAP 1200 /* role runs drawn one by one (with tooltips) */
#define MULTI_CAP 1000
#define DETAIL_SPANS 150 /* fault bars and two-master windows with label and tooltip */
#define KIND_CAP 6       /* operation kinds with a throughput/latency plot */
#define PERF_BUCKETS 500 /* at most this many buckets (of >= 1 s) */

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22",
                                      "#393b79", "#637939", "#8c6d31", "#7b4173"};
#define N_PALETTE (sizeof(palette) / sizeof(palette[0]))

/* ====== Fault windows ====== */

static int fault_class(const sb_op *op)
{
    const char *f = op->f;
    if (!strcmp(f, "partition") || !strcmp(f, "loss") || !strcmp(f, "bandwidth") ||
        !strcmp(f, "netem"))
        return HTML_FAULT_NET;
    if (!strcmp(f, "kill"))
        return HTML_FAULT_KILL;
    if (!strcmp(f, "pause"))
        return HTML_FAULT_PAUSE;
    if (!strcmp(f, "clock")) {
        const char *o = json_string_value(json_object_get(op->value, "op"));
        return o && !strcmp(o, "reset") ? 0 : HTML_FAULT_CLOCK;
    }
    if (!strcmp(f, "heal") || !strcmp(f, "restart") || !strcmp(f, "resume") || !strcmp(f, "undo"))
        return 0;
    return HTML_FAULT_OTHER;
}

/* Operations on a cluster run for a while and are in force while they
 * run, from their invocation to their completion (as perf counts them). */
static int is_operation(const char *f)
{
    return !strcmp(f, "cluster-failover") || !strcmp(f, "migrate-slots") ||
           !strcmp(f, "add-shard") || !strcmp(f, "remove-shard");
}

static void str_list(sb_buf *b, const json_t *a)
{
    for (size_t k = 0; k < json_array_size(a); k++) {
        const char *s = json_string_value(json_array_get(a, k));
        sb_buf_printf(b, "%s%s", k ? "," : "", s ? s : "?");
    }
}

static void add_str(sb_buf *b, const json_t *v, const char *key, const char *fmt)
{
    const char *s = json_string_value(json_object_get(v, key));
    if (s)
        sb_buf_printf(b, fmt, s);
}

/* "partition {n1} | {n2,n3}", "clock bump +10.0s redis@r3", "undo #3 (pause)" */
static void fault_label(const sb_op *op, char *out, size_t len)
{
    const json_t *v = op->value;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, op->f);
    const json_t *groups = json_object_get(v, "groups");
    if (json_is_array(groups)) {
        for (size_t g = 0; g < json_array_size(groups); g++) {
            sb_buf_puts(&b, g ? " | {" : " {");
            str_list(&b, json_array_get(groups, g));
            sb_buf_puts(&b, "}");
        }
    } else {
        add_str(&b, v, "shape", " %s");
    }
    if (!strcmp(op->f, "undo") && json_object_get(v, "of"))
        sb_buf_printf(&b, " #%lld", (long long)json_integer_value(json_object_get(v, "of")));
    add_str(&b, v, "undoes", " (%s)");
    add_str(&b, v, "op", " %s");
    if (json_is_number(json_object_get(v, "delta_ms")))
        sb_buf_printf(&b, " %+.1fs", json_number_value(json_object_get(v, "delta_ms")) / 1000.0);
    if (json_is_number(json_object_get(v, "probability")))
        sb_buf_printf(&b, " %.0f%%", json_number_value(json_object_get(v, "probability")) * 100);
    const json_t *targets = json_object_get(v, "targets");
    for (size_t k = 0; k < json_array_size(targets); k++) {
        const json_t *t = json_array_get(targets, k);
        const char *p = json_string_value(json_object_get(t, "process"));
        const char *host = json_string_value(json_object_get(t, "host"));
        sb_buf_printf(&b, "%s%s@%s", k ? "," : " ", p ? p : "?", host ? host : "?");
    }
    if (!json_is_array(targets)) {
        add_str(&b, v, "target", " %s");
        add_str(&b, v, "host", " %s");
    }
    if (json_is_array(json_object_get(v, "hosts")) && !json_is_array(groups)) {
        sb_buf_puts(&b, " on ");
        str_list(&b, json_object_get(v, "hosts"));
    }
    add_str(&b, v, "from", " from %s");
    add_str(&b, v, "to", " to %s");
    add_str(&b, v, "mode", " (%s)");
    if (json_is_number(json_object_get(v, "for_ms")))
        sb_buf_printf(&b, " for %.1fs", json_number_value(json_object_get(v, "for_ms")) / 1000.0);
    snprintf(out, len, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
}

/* Does the ok undoing action u end the fault w? */
static int undoes(const sb_op *u, const html_fault *w)
{
    if (!strcmp(u->f, "undo"))
        return json_is_integer(json_object_get(u->value, "of")) &&
               json_integer_value(json_object_get(u->value, "of")) == w->id;
    return (!strcmp(u->f, "heal") && w->cls == HTML_FAULT_NET) ||
           (!strcmp(u->f, "restart") && w->cls == HTML_FAULT_KILL) ||
           (!strcmp(u->f, "resume") && w->cls == HTML_FAULT_PAUSE) ||
           (!strcmp(u->f, "clock") && w->cls == HTML_FAULT_CLOCK);
}

typedef struct pending_fault {
    long long id;
    int64_t at;
} pending_fault;

html_fault *html_fault_windows(const sb_history *h, int64_t end_ns, size_t *n)
{
    size_t k = 0, cap = 8, np = 0, pcap = 8;
    html_fault *w = malloc(cap * sizeof(*w));
    pending_fault *pend = malloc(pcap * sizeof(*pend));
    for (size_t i = 0; h && w && pend && i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_NEMESIS)
            continue;
        const json_t *idv = json_object_get(op->value, "id");
        long long id = json_is_integer(idv) ? (long long)json_integer_value(idv) : -1;
        if (op->type == SB_OP_INVOKE) {
            if (np == pcap) {
                pending_fault *more = realloc(pend, (pcap *= 2) * sizeof(*pend));
                if (!more)
                    break;
                pend = more;
            }
            pend[np++] = (pending_fault){id, op->time_ns};
            continue;
        }
        if (k == cap) {
            html_fault *more = realloc(w, (cap *= 2) * sizeof(*w));
            if (!more) {
                free(w);
                w = NULL;
                break;
            }
            w = more;
        }
        html_fault *f = &w[k++];
        memset(f, 0, sizeof(*f));
        f->id = id;
        f->invoked_ns = -1;
        for (size_t j = np; j-- > 0;)
            if (pend[j].id == id) {
                f->invoked_ns = pend[j].at;
                pend[j] = pend[--np];
                break;
            }
        f->start_ns = f->end_ns = op->time_ns;
        f->cls = fault_class(op);
        f->failed = op->type != SB_OP_OK;
        f->skipped = json_is_true(json_object_get(op->value, "skipped"));
        snprintf(f->f, sizeof(f->f), "%s", op->f);
        fault_label(op, f->label, sizeof(f->label));
        f->instant = f->failed || !f->cls;
        f->open = !f->instant; /* in force until undone */
        if (is_operation(op->f) && f->invoked_ns >= 0 && !f->skipped) {
            f->start_ns = f->invoked_ns;
            f->instant = f->open = 0;
            continue;
        }
        if (f->failed || f->cls)
            continue;
        for (size_t j = 0; j + 1 < k; j++)
            if (w[j].open && undoes(op, &w[j])) {
                w[j].open = 0;
                w[j].end_ns = op->time_ns;
            }
    }
    free(pend);
    if (!w) {
        *n = 0;
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        if (!w[j].open)
            continue;
        if (w[j].cls == HTML_FAULT_OTHER) /* an action nobody undid */
            w[j].instant = 1, w[j].open = 0;
        else
            w[j].end_ns = end_ns > w[j].start_ns ? end_ns : w[j].start_ns;
    }
    *n = k;
    return w;
}

/* ====== Shared state: time range, node colours, two-master windows ====== */

static int node_index(const html_run *x, const char *name)
{
    for (size_t i = 0; i < x->n_nodes; i++)
        if (!strcmp(x->nodes[i], name))
            return (int)i;
    return -1;
}

static void add_node(html_run *x, const char *name)
{
    if (!name || !name[0] || x->n_nodes >= NODE_CAP || node_index(x, name) >= 0)
        return;
    snprintf(x->nodes[x->n_nodes++], sizeof(x->nodes[0]), "%s", name);
}

const char *html_node_colour(const html_run *x, const char *node)
{
    int i = node ? node_index(x, node) : -1;
    return i < 0 ? "#888888" : palette[(size_t)i % N_PALETTE];
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

static double tx(const html_run *x, int64_t t)
{
    if (t < 0)
        t = 0;
    if (t > x->end_ns)
        t = x->end_ns;
    return PL + (double)t * PW / (double)x->end_ns;
}

static int tcol(const html_run *x, int64_t t)
{
    if (t <= 0)
        return 0;
    if (t >= x->end_ns)
        return COLS - 1;
    int c = (int)((double)t * COLS / (double)x->end_ns);
    return c < COLS ? c : COLS - 1;
}

static void svg_open(sb_buf *b, int height, const char *label)
{
    sb_buf_printf(b, "<svg class=\"plot\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
                  SVG_W, height, label);
}

/* A step of 1, 2 or 5 times a power of ten near raw. */
static double nice_step(double raw)
{
    if (raw <= 0)
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double m = raw / mag;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

/* Vertical grid lines from y0 to y1 and seconds under y1. */
static void draw_axis(sb_buf *b, const html_run *x, double y0, double y1)
{
    double dur = (double)x->end_ns / 1e9;
    double step = nice_step(dur / 10);
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
static void draw_col_runs(sb_buf *b, const unsigned char *cols, unsigned bit, double y, double h,
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
static void draw_shading(sb_buf *b, const html_run *x, double y0, double y1)
{
    unsigned char cols[COLS];
    memset(cols, 0, sizeof(cols));
    for (size_t i = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        if (!f->cls || f->failed)
            continue;
        if (f->instant) {
            double x0 = tx(x, f->start_ns);
            sb_buf_printf(b,
                          "<line class=\"fl\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                          x0, y0, x0, y1);
            continue;
        }
        for (int c = tcol(x, f->start_ns), e = tcol(x, f->end_ns); c <= e; c++)
            cols[c] |= (unsigned char)(1u << f->cls);
    }
    static const char *const cls[] = {"", "fs1", "fs2", "fs3", "fs4", "fs5"};
    for (int k = HTML_FAULT_NET; k <= HTML_FAULT_OTHER; k++)
        draw_col_runs(b, cols, 1u << k, y0, y1 - y0, cls[k], NULL);
    sb_buf_puts(b, "\n");
}

/* Rows of the fault band: each shaded fault gets the first row where its
 * bar and its label fit, else the first where its bar fits (unlabelled:
 * row + BAND_ROWS; the tooltip and the list of faults still name it).
 * row[i] = -1 for faults not drawn. Returns the rows used. */
static int band_layout(const html_run *x, int *row)
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
        double x0 = tx(x, f->start_ns), x1 = tx(x, f->end_ns);
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

static void draw_band(sb_buf *b, const html_run *x, const int *row, double y0)
{
    for (size_t i = 0, drawn = 0; i < x->n_faults; i++) {
        const html_fault *f = &x->faults[i];
        if (row[i] < 0)
            continue;
        double x0 = tx(x, f->start_ns), x1 = tx(x, f->end_ns);
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
        sb_buf_printf(b, ": %.3fs to %.3fs%s</title>", f->start_ns / 1e9, f->end_ns / 1e9,
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

static void lane_label(sb_buf *b, double y, double h, const char *text, const char *title)
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

typedef struct pslot {
    int used, proc, lane;
    int64_t inv_ns; /* -1: nothing in flight */
    const sb_op *inv;
} pslot;

typedef struct pmap {
    pslot *s;
    size_t cap, n;
} pmap;

static size_t phash(int p, size_t cap)
{
    return (size_t)((uint32_t)p * 2654435761u) & (cap - 1);
}

static pslot *pmap_get(pmap *m, int proc, int add)
{
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        pslot *s = calloc(cap, sizeof(*s));
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
    m->s[i] = (pslot){.used = 1, .proc = proc, .lane = -1, .inv_ns = -1};
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
static int pmap_lanes(pmap *m, const sb_history *h, int **procs_out)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process >= 0 && !pmap_get(m, h->ops[i].process, 1))
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
        pmap_get(m, procs[i], 0)->lane = (int)(i < LANE_CAP ? i : LANE_CAP - 1);
    *procs_out = procs;
    return (int)(k < LANE_CAP ? k : LANE_CAP);
}

/* ====== Timeline of operations ====== */

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
    sb_buf_printf(b, "; %.3fs to %.3fs (%.1f ms), op %lld</title>", s / 1e9, e / 1e9, (e - s) / 1e6,
                  (long long)o->index);
}

static const char *outcome_class(sb_op_type t)
{
    return t == SB_OP_OK ? "o-ok" : t == SB_OP_FAIL ? "o-fail" : "o-info";
}

typedef struct tl_layout {
    int lanes, band_rows;
    double lh, y_band, y_lanes, y_hosts, y_axis;
    hosts hs;
} tl_layout;

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
        for (int c = tcol(x, s), ce = tcol(x, e); c <= ce; c++)
            cols[(size_t)lane * COLS + c] |= (unsigned char)bit;
        return;
    }
    double x0 = tx(x, s), x1 = tx(x, e);
    sb_buf_printf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">",
                  outcome_class(t), x0, lane_y(L, lane), x1 - x0 > 0.8 ? x1 - x0 : 0.8, L->lh);
    op_title(b, inv, done, x->end_ns);
    sb_buf_puts(b, "</rect>\n");
}

/* Client lanes; returns the number of operations drawn. */
static size_t tl_ops(sb_buf *b, const html_run *x, const tl_layout *L, pmap *m, int detail,
                     long long *counts)
{
    const sb_history *h = x->h;
    unsigned char *cols = detail ? NULL : calloc((size_t)L->lanes * COLS, 1);
    if (!detail && !cols)
        return 0;
    size_t drawn = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0)
            continue;
        pslot *p = pmap_get(m, op->process, 0);
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
            draw_col_runs(b, c, 1, y, lh, "o-ok", NULL);
            draw_col_runs(b, c, 4, y + lh * 0.2, lh * 0.6, "o-info", NULL);
            draw_col_runs(b, c, 2, y + lh * 0.2, lh * 0.6, "o-fail", NULL);
            sb_buf_puts(b, "\n");
        }
    }
    free(cols);
    return drawn;
}

static void tl_events(sb_buf *b, const html_run *x, tl_layout *L, size_t n_ev)
{
    const sb_history *h = x->h;
    size_t nl = L->hs.n + (size_t)L->hs.other;
    int marks = n_ev <= EVENT_MARK_CAP;
    unsigned char *cols = marks ? NULL : calloc(nl * COLS, 1);
    double *label_end = calloc(nl + 1, sizeof(double));
    if ((!marks && !cols) || !label_end) {
        free(cols);
        free(label_end);
        return;
    }
    const double lh = 14;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_NODE)
            continue;
        int lane = host_lane(&L->hs, op->node);
        int cls = html_event_class(op->f);
        double y = L->y_hosts + lane * (lh + 2), X = tx(x, op->time_ns);
        if (!marks) {
            cols[(size_t)lane * COLS + tcol(x, op->time_ns)] |= (unsigned char)(1u << cls);
            continue;
        }
        sb_buf_printf(b,
                      "<rect class=\"ev%d\" x=\"%.1f\" y=\"%.1f\" width=\"1.6\" "
                      "height=\"%.0f\"><title>%.3fs ",
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
            html_escape_max(b, detail, 200);
        }
        sb_buf_puts(b, "</title></rect>\n");
        if (ev_labelled(op->f) && X + 2 > label_end[lane]) {
            sb_buf_printf(b, "<text class=\"evt\" x=\"%.1f\" y=\"%.1f\">", X + 2, y + 10.5);
            html_escape_max(b, op->f, 24);
            sb_buf_puts(b, "</text>");
            label_end[lane] = X + 2 + (double)(strlen(op->f) < 24 ? strlen(op->f) : 24) * 5.4 + 4;
        }
    }
    for (size_t l = 0; cols && l < nl; l++) {
        double y = L->y_hosts + (double)l * (lh + 2);
        const unsigned char *c = cols + l * COLS;
        static const char *const cls_name[] = {"ev0", "ev3", "ev2", "ev1"};
        static const unsigned bits[] = {1, 8, 4, 2}; /* most telling drawn last */
        for (int k = 0; k < 4; k++)
            draw_col_runs(b, c, bits[k], y, lh, cls_name[k], NULL);
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
    pmap m = {0};
    int *procs = NULL;
    tl_layout L = {0};
    L.hs.name = calloc(HOST_LANE_CAP, sizeof(*L.hs.name));
    int *row = calloc(x->n_faults + 1, sizeof(int));
    L.lanes = L.hs.name && row ? pmap_lanes(&m, h, &procs) : -1;
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
    L.band_rows = band_layout(x, row);
    L.lh = L.lanes > 24 ? 9 : 14;
    L.y_band = 6;
    L.y_lanes = L.y_band + L.band_rows * BAND_ROW_H + (L.band_rows ? 6 : 0);
    L.y_hosts = lane_y(&L, L.lanes) + (host_lanes ? (L.lanes ? 20 : 4) : 0);
    L.y_axis = L.y_hosts + (double)host_lanes * 16 + 4;
    int detail = n_ops <= DETAIL_OPS;
    svg_open(b, (int)L.y_axis + 22, "timeline of operations, faults and node events");
    draw_axis(b, x, L.y_lanes - 2, L.y_axis);
    draw_band(b, x, row, L.y_band);
    long long *counts = calloc((size_t)L.lanes * 3 + 3, sizeof(long long));
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
        lane_label(b, lane_y(&L, l), L.lh, text, title);
    }
    free(counts);
    if (host_lanes) {
        sb_buf_printf(
            b, "<text class=\"lh\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">node events</text>\n",
            PL - 6, L.y_hosts - 5);
        tl_events(b, x, &L, n_ev);
    }
    draw_shading(b, x, L.y_lanes - 2, L.y_axis); /* over the bars: they stay readable */
    for (size_t l = 0; l < host_lanes; l++)
        lane_label(b, L.y_hosts + (double)l * 16, 14, l < L.hs.n ? L.hs.name[l] : "other hosts",
                   NULL);
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
out:
    free(row);
    free(procs);
    free(m.s);
    free(L.hs.name);
}

/* ====== Who was master ====== */

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
            double top, hf, x0 = tx(x, r->s), x1 = tx(x, r->e);
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
            sb_buf_printf(b, ", %.2fs to %.2fs</title></rect>\n", r->s / 1e9, r->e / 1e9);
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
            int ni = strcmp(r->state, "none") ? node_index(x, r->state) : -1;
            v = ni >= 0 && ni < 6 ? (unsigned)(1u << (ni + 2)) : 2u;
        } else {
            v = !strcmp(r->state, "master") ? 4u : is_replica(r->state) ? 1u : 2u;
        }
        for (int c = tcol(x, r->s), e = tcol(x, r->e); c <= e; c++)
            cols[c] |= (unsigned char)v;
    }
    if (views) {
        draw_col_runs(b, cols, 2, y, lh, NULL, "#555555");
        for (int k = 0; k < 6; k++)
            draw_col_runs(b, cols, 1u << (k + 2), y, lh, NULL, palette[k]);
    } else {
        draw_col_runs(b, cols, 1, y + 0.35 * lh, 0.3 * lh, NULL, "#c3c8d0");
        draw_col_runs(b, cols, 2, y + 0.2 * lh, 0.6 * lh, NULL, "#555555");
        draw_col_runs(b, cols, 4, y, lh, NULL, own);
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
            for (int c = tcol(x, x->multi[i].start_ns), e = tcol(x, x->multi[i].end_ns); c <= e;
                 c++)
                cols[c] = 1;
        draw_col_runs(b, cols, 1, y, h, "multi", NULL);
        draw_col_runs(b, cols, 1, y_bar, 12, "multi-b", NULL);
        sb_buf_printf(b,
                      "<text class=\"multi-t\" x=\"%.1f\" y=\"%.1f\">%zu%s windows with too "
                      "many masters</text>\n",
                      tx(x, x->multi[0].start_ns) + 3, y_bar + 9.5, x->n_multi,
                      x->n_multi == MULTI_CAP ? "+" : "");
        free(cols);
        return;
    }
    double label_end = -1;
    for (size_t i = 0; i < x->n_multi; i++) {
        const html_span *s = &x->multi[i];
        double x0 = tx(x, s->start_ns), x1 = tx(x, s->end_ns), w = x1 - x0 > 1.5 ? x1 - x0 : 1.5;
        sb_buf_puts(b, "<g><title>");
        html_escape(b, s->what);
        sb_buf_printf(
            b,
            " said master from %.2fs to %.2fs%s</title>"
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
        sb_buf_printf(b, "<span><i style=\"background:%s\"></i>", palette[i % N_PALETTE]);
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
    slanes roles = {calloc(ROLE_LANE_CAP, sizeof(slane)), 0, 0};
    slanes views = {calloc(ROLE_LANE_CAP, sizeof(slane)), 0, 0};
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
    int rows = band_layout(x, row);
    const double lh = 14;
    double y_band = 6, y_multi = y_band + rows * BAND_ROW_H + (rows ? 4 : 0);
    double y_roles = y_multi + (x->n_multi ? 16 : 0);
    double y_views = y_roles + (double)roles.n * (lh + 2) + (views.n && roles.n ? 10 : 0);
    double y_axis = y_views + (double)views.n * (lh + 2) + 4;
    svg_open(b, (int)y_axis + 22, "who was master");
    draw_axis(b, x, y_roles - 2, y_axis);
    draw_band(b, x, row, y_band);
    for (size_t i = 0; i < roles.n; i++) {
        double y = y_roles + (double)i * (lh + 2);
        draw_slane(b, x, &roles.l[i], y, lh, 0, titles);
        lane_label(b, y, lh, roles.l[i].name, NULL);
    }
    for (size_t i = 0; i < views.n; i++) {
        double y = y_views + (double)i * (lh + 2);
        char name[80];
        snprintf(name, sizeof(name), "sentinel %s", views.l[i].name);
        draw_slane(b, x, &views.l[i], y, lh, 1, titles);
        lane_label(b, y, lh, name, NULL);
    }
    if (roles.n)
        draw_multi(b, x, y_roles - 2, (double)roles.n * (lh + 2) + 2, y_multi);
    draw_shading(b, x, y_roles - 2, y_axis);
    sb_buf_puts(b, "</svg>\n");
    masters_legend(b, x, &roles, &views);
out:
    free(row);
    slanes_free(&roles);
    slanes_free(&views);
}

/* ====== Throughput and latency per operation kind ====== */

typedef struct lat_s {
    uint32_t bucket;
    int64_t ns;
} lat_s;

typedef struct kind_st {
    char f[48];
    uint32_t *cnt; /* per bucket: ok, fail, info */
    lat_s *lat;    /* latencies of ok operations */
    size_t nlat, cap;
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
    double step = nice_step(max > 0 ? max / 4 : 1);
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
            double x0 = tx(x, (int64_t)i * bucket), x1 = tx(x, e < x->end_ns ? e : x->end_ns);
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
                          tx(x, mid < x->end_ns ? mid : x->end_ns), y);
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
    svg_open(b, (int)y_axis + 22, "throughput and latency");
    draw_axis(b, x, y_tp, y_axis);
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
    draw_shading(b, x, y_tp, y_axis);
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
    pmap m = {0};
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0)
            continue;
        pslot *p = pmap_get(&m, op->process, 1);
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
        free(k[i].cnt);
        free(k[i].lat);
    }
}
