/* html_internal.h -- what the files of the HTML writer share with each other
 * and with nothing else (the rest of the program includes html.h): the page
 * frame of html.c, the tables of html_tables.c, and the geometry and drawing
 * helpers of html_plots.c that every SVG plot uses. */
#ifndef SB_HTML_INTERNAL_H
#define SB_HTML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "html.h"

#define DASH "\xe2\x80\x93" /* "–": a figure that is missing */
#define CELL_MAX 160        /* bytes of a value shown in a cell */

/* ====== Page frame (html.c) ====== */

/* The page up to <main>: doctype, the title (escaped) and the inline CSS. */
void html_page_open(sb_buf *b, const char *title);
/* The same with css, the page's own rules, after the shared ones. */
void html_page_open_css(sb_buf *b, const char *title, const char *css);
/* The footer, then the end of the page. */
void html_page_close(sb_buf *b);
/* Writes b to path.tmp, then renames it to path. */
int html_write_atomic(const char *path, const sb_buf *b, char *err);
/* "PASS", "FAIL" or "ERROR", and the CSS class of each. */
const char *html_result_word(const sb_run_result *r);
const char *html_result_class(const sb_run_result *r);

/* ====== Sections of report.html drawn as tables (html_tables.c) ====== */

void html_verdicts(sb_buf *b, const sb_run_result *r);
void html_anomalies(sb_buf *b, const html_run *x);
void html_fault_list(sb_buf *b, const html_run *x);
void html_event_list(sb_buf *b, const html_run *x);

/* ====== Anomalies drawn to be followed (html_anomaly.c) ====== */

/* The linearizable checker's violation: the operation that cannot be
 * placed and the operations concurrent with it, a lane per process, the
 * values on the bars, and the sentence saying why. */
void html_register_window(sb_buf *b, const html_run *x, const json_t *viol);
/* The lock checker's overlapping holds (examples.overlaps): the two holds
 * against the holds that wrote to the resource, and the final resource
 * around their entries. */
void html_lock_overlaps(sb_buf *b, const html_run *x, const json_t *overlaps);

/* ====== Plots: geometry and drawing helpers (html_plots.c) ====== */

/* Geometry, in px of the SVG's viewBox. */
#define PL 128  /* left margin: lane labels */
#define PW 1000 /* time: one column per px */
#define PR 16
#define SVG_W (PL + PW + PR)
#define COLS PW
#define BAND_ROW_H 15 /* one row of fault bars above the lanes */
#define BAND_ROWS 4
#define CHAR_W 6.2 /* width of a character of 11px text, roughly */

#define LANE_CAP 64 /* client lanes; the rest share the last one */
#define MULTI_CAP 1000
#define DETAIL_SPANS 150 /* fault bars and two-master windows with label and tooltip */

/* The colour of the i-th node seen (html_run.nodes), modulo the palette. */
#define HTML_PALETTE_N 12
extern const char *const html_palette[HTML_PALETTE_N];

/* The index of a node in html_run.nodes, -1 for one never seen. */
int html_node_index(const html_run *x, const char *name);

/* The x (px) of time t, clamped to the run; the column (0..COLS-1) of t. */
double html_tx(const html_run *x, int64_t t);
int html_tcol(const html_run *x, int64_t t);
void html_svg_open(sb_buf *b, int height, const char *label);
/* A step of 1, 2 or 5 times a power of ten near raw. */
double html_nice_step(double raw);
/* Vertical grid lines from y0 to y1 and seconds under y1. */
void html_draw_axis(sb_buf *b, const html_run *x, double y0, double y1);
/* Runs of set bit `bit` in cols[0..COLS) as one path of rectangles at
 * (y, h), with CSS class cls or, when cls is NULL, fill colour fill. */
void html_draw_col_runs(sb_buf *b, const unsigned char *cols, unsigned bit, double y, double h,
                        const char *cls, const char *fill);
/* Fault windows shaded from y0 to y1, instants as lines. */
void html_draw_shading(sb_buf *b, const html_run *x, double y0, double y1);
/* The rows of the fault band (row[i] for x->faults[i]); returns the rows
 * used. html_draw_band() then draws the band from y0. */
int html_band_layout(const html_run *x, int *row);
void html_draw_band(sb_buf *b, const html_run *x, const int *row, double y0);
/* A lane's label right-aligned in the left margin, title as its tooltip. */
void html_lane_label(sb_buf *b, double y, double h, const char *text, const char *title);

/* ====== Anomaly windows (html_plots.c): when lost writes were
 * acknowledged, stale reads served (the checkers' "lost_windows" and
 * "stale_windows": {"start","end" (ns),"node","count"}) ====== */

#define HTML_AN_LANE_CAP 8

typedef struct html_an_lane {
    const char *checker;
    const json_t *windows;
    const char *label; /* "lost writes (set)" */
    const char *what;  /* "writes" */
    const char *how;   /* "acknowledged by" */
    const char *end;   /* "were lost" */
    const char *cls;   /* CSS class of its bands */
} html_an_lane;

/* The anomaly lanes of the run's results, HTML_AN_LANE_CAP at most. */
size_t html_an_lanes(const html_run *x, html_an_lane *out);
/* "14953" as "14,953". */
void html_thousands(char *out, size_t len, long long v);
/* "14,953 writes acknowledged by n1 between 5.05 s and 19.99 s were lost" */
void html_an_sentence(sb_buf *b, const html_an_lane *a, const json_t *w);

/* ====== The cache checker over time (html_cache.c) ====== */

/* Three charts from the checker's "series" figure: origin requests with
 * the largest herds and the herd bound, the staleness age of stale reads,
 * and the waits with the starvation bound and the starved gets. */
void html_cache_charts(sb_buf *b, const html_run *x, const sb_check_result *c);

/* ====== Latency of each operation (html_scatter.c) ====== */

typedef struct html_pt {
    int64_t t_ns;   /* invocation */
    int64_t lat_ns; /* invocation to completion */
    int outcome;    /* 0 ok, 1 fail, 2 info */
} html_pt;

/* The scatter plot of one kind of operation f, and the note saying how
 * many points it draws. */
void html_plot_scatter(sb_buf *b, const html_run *x, const char *f, const html_pt *p, size_t n);

/* ====== Client processes: lanes and in-flight invocations ====== */

typedef struct html_pslot {
    int used, proc, lane;
    int64_t inv_ns; /* -1: nothing in flight */
    const sb_op *inv;
} html_pslot;

typedef struct html_pmap {
    html_pslot *s;
    size_t cap, n;
} html_pmap;

/* The slot of process proc (added when add; NULL when absent or out of
 * memory). */
html_pslot *html_pmap_get(html_pmap *m, int proc, int add);
/* Collects the client processes of h into m and gives each a lane (sorted
 * by process, the ones past LANE_CAP in the last). Returns the lanes, -1
 * when out of memory; *procs_out (caller frees) lists the processes. */
int html_pmap_lanes(html_pmap *m, const sb_history *h, int **procs_out);

#endif
