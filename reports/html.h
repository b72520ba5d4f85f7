/* html.h -- the self-contained HTML report of a run (report.html) and the
 * index of several runs (index.html).
 *
 * A report is one file: inline CSS and SVG drawn here, no script, no font,
 * image or link outside the page, so it reads the same from a CI artifact
 * store as from the run folder. Every string that comes from a history or
 * from results goes through html_escape(). Sizes are bounded whatever the
 * history: plots bucket time into columns past a number of operations,
 * lanes and tables are capped, and the page says what it left out.
 *
 * The writer is cut along the page: html.c (escaping, the page frame, the
 * header and the order of the sections), html_tables.c (verdicts, anomaly
 * and figure tables, the lists of faults and node events), html_faults.c
 * (fault windows), html_plots.c (what the plots share), html_timeline.c,
 * html_masters.c and html_perf.c (a plot each), html_anomaly.c (a
 * register's window and overlapping lock holds, drawn), html_cache.c (the
 * cache checker's charts over time), html_oppage.c (timeline.html) and
 * html_index.c (index.html). What they share with each other only is in
 * html_internal.h. */
#ifndef SB_HTML_H
#define SB_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "results.h"
#include "util.h"

/* Writes a self-contained report.html for one run (h may be NULL: then the
 * page has no plots). Written to path.tmp, then renamed. */
int report_html(const sb_run_result *r, const sb_history *h, const char *path, char *err);
/* timeline.html (html_oppage.c): a bar per client operation, a lane per
 * process, zoomable; lost writes in their own colour and the windows of
 * lost writes and stale reads shaded; the whole run up to 10^4
 * operations, past that the windows around the operations the checkers
 * name and around the start and end of each window of lost writes or
 * stale reads. report_html() writes it next to report.html. */
int report_timeline_html(const sb_run_result *r, const sb_history *h, const char *path, char *err);
/* index.html for several runs of one invocation: links are relative paths
 * from dirname(path) to each r.meta.run_dir/report.html. */
int report_index_html(const sb_run_result *runs, size_t n, const char *path, char *err);

/* ====== Escaping (every string of the history or results) ====== */

/* Appends s with & < > " ' escaped as entities, "://" broken as ":&#47;/"
 * (text never reads as a link), and bytes below 0x20, DEL and bytes of
 * invalid UTF-8 shown as \xNN. Valid UTF-8 passes unchanged. */
void html_escape(sb_buf *b, const char *s);
/* The same for at most max bytes of s (cut on a character boundary); a cut
 * string ends with an ellipsis. */
void html_escape_max(sb_buf *b, const char *s, size_t max);
/* v as compact JSON, escaped, cut to max bytes ("null" for NULL). */
void html_json(sb_buf *b, const json_t *v, size_t max);

/* ====== Fault windows (html_faults.c) ======
 * When each fault was in force, as the perf checker counts it: from the
 * completion (ok) of the fault until the completion of what undid it: heal
 * ends network faults (partition, loss, bandwidth, netem), restart ends
 * kills, resume ends pauses, a clock reset ends clock faults, and undo ends
 * the fault whose id it names. A fault never undone lasts to the end of
 * the run (open). Operations on a cluster (cluster-failover, migrate-slots,
 * add-shard, remove-shard) are in force from their invocation to their
 * completion, failed or not; other actions (sentinel membership) without
 * an undo are instants. Other failed or skipped faults are listed but were
 * never in force. */
enum { HTML_FAULT_NET = 1, HTML_FAULT_KILL, HTML_FAULT_PAUSE, HTML_FAULT_CLOCK, HTML_FAULT_OTHER };

typedef struct html_fault {
    int64_t invoked_ns; /* the invocation (-1 unknown) */
    int64_t start_ns;   /* the completion: in force from here */
    int64_t end_ns;     /* the completion of its undo; the run's end if open */
    long long id;       /* the nemesis's id (-1 none) */
    int cls;            /* HTML_FAULT_*; 0 for the undoing actions */
    int open, instant, failed, skipped;
    char f[48];
    char label[200]; /* "partition {n1} | {n2,n3}", "kill redis@n1" */
} html_fault;

/* Every completed nemesis operation of h in time order (undos included,
 * cls 0), with its window; end_ns closes the open ones. Caller frees. */
html_fault *html_fault_windows(const sb_history *h, int64_t end_ns, size_t *n);

/* ====== Plots (html_plots.c, then a file per plot) ====== */

typedef struct html_span {
    int64_t start_ns, end_ns;
    int open; /* still there at the last poll */
    char what[160];
} html_span;

/* What the plots share: the time range, the faults, the colour of each
 * node, and the windows in which more nodes said master than the
 * deployment has masters (one, or as many as "ready" named). */
typedef struct html_run {
    const sb_run_result *r;
    const sb_history *h;
    int64_t end_ns;
    html_fault *faults;
    size_t n_faults;
    html_span *multi; /* the two-master windows */
    size_t n_multi;
    char (*nodes)[64]; /* node names in order of appearance: colour index */
    size_t n_nodes;
    const json_t *hosts; /* the controller's "hosts" op: {"n1":"10.77.0.11"}, or NULL */
} html_run;

int html_run_prepare(html_run *x, const sb_run_result *r, const sb_history *h);
/* Appends s escaped as html_escape_max does, with every host address the
 * run recorded ("10.77.0.12 6379", "10.77.0.12:6379") given as its host
 * name ("n3"). */
void html_escape_named(sb_buf *b, const html_run *x, const char *s, size_t max);
void html_run_free(html_run *x);
/* The colour of a node name ("#888" for one never seen). */
const char *html_node_colour(const html_run *x, const char *node);

/* Node log events by what they tell: 1 failover, 2 tilt, 3 replication,
 * 0 anything else. */
int html_event_class(const char *f);

void html_plot_timeline(sb_buf *b, const html_run *x);
void html_plot_masters(sb_buf *b, const html_run *x);
void html_plot_perf(sb_buf *b, const html_run *x);

#endif
