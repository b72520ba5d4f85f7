/* results.h -- a run's outcome: checker verdicts held against the scenario's
 * expect, and the writers that present it (results.json, text, JUnit XML).
 *
 * results_compute() is shared by `run` (after the history is complete) and
 * `check` (offline, on a saved run folder): both give identical results. */
#ifndef SB_RESULTS_H
#define SB_RESULTS_H

#include <stdio.h>

#include "checker.h"
#include "history.h"
#include "scenario.h"

typedef struct sb_expect_outcome {
    int met;          /* 1 if the checker's result satisfies its expect */
    char reason[512]; /* why not (empty when met) */
} sb_expect_outcome;

typedef struct sb_run_meta {
    char run_id[32];    /* "" offline */
    char run_dir[4096]; /* "" when checking a bare history file */
    uint64_t seed;
    int64_t started_wall_ns; /* 0 when unknown */
    char command[1024];      /* the command line that reruns it ("" unknown) */
    char scenario[4096];     /* the scenario file ("" for a bare history);
                                results_compute fills it from the scenario */
} sb_run_meta;

typedef struct sb_run_result {
    char name[64];                /* scenario name, or the history file's name */
    char family[64], setting[96]; /* the scenario's family ("" none) and setting */
    sb_run_meta meta;
    int64_t duration_ns;           /* time of the last operation */
    int64_t failover_ns;           /* the node events' failover: the first +switch-master, else
                                      the first node promoted to master; -1 or 0: none */
    uint64_t n_ok, n_fail, n_info; /* completions of worker operations */
    json_t *faults;                /* the fault timeline from the nemesis ops:
                                      [{"time":ns,"type":"info|ok..","f":"partition","value":...}] */
    sb_check_result *checks;
    sb_expect_outcome *outcomes;
    size_t n_checks;
    int passed;      /* every outcome met */
    char error[512]; /* non-empty: the harness could not run it */
} sb_run_result;

/* Runs the checkers named by checker_names over h and evaluates each against
 * its expect from s (s may be NULL offline: then every checker is expected
 * valid). Each check's own time goes into its check_ns. Returns 0, or -1
 * with err (unknown checker). */
int results_compute(const sb_scenario *s, const char *const *checker_names, size_t n_checkers,
                    const sb_history *h, const sb_run_meta *meta, sb_run_result *out, char *err);
void results_free(sb_run_result *r);
/* Adds checker name to r as skipped: not run because the history holds
 * nothing it reads (see sb_checker.applies); no expectation to miss. */
void results_add_skipped(sb_run_result *r, const char *name);

/* Evaluates one expect against one result. When it is not met, reason says
 * what missed in one line, every miss joined with "; ": "expected valid, got
 * invalid (lost 3 of 10 acknowledged writes (30.0%))", "lost_fraction 0.3 >
 * max 0.01", "lost_count 0 < min 1", "lost_count not reported". */
int results_expect_met(const sb_expect *e, const sb_check_result *r, char *reason, size_t len);

int report_results_json(const sb_run_result *r, const char *path, char *err);
/* The document results.json holds (a new reference), for writers that send
 * or embed it rather than write the file. */
json_t *report_results_doc(const sb_run_result *r);
/* The short text summary (also written to summary.txt, always with color 0).
 * color 1 adds ANSI colours: PASS and valid green, FAIL, ERROR and invalid
 * red, unknown yellow, checker names bold. */
void report_text(const sb_run_result *r, FILE *out, int color);
/* Whether text for out gets colour under --color=MODE: "always" yes,
 * "never" no, "auto" (or NULL) only when out is a terminal and NO_COLOR is
 * unset or empty (no-color.org). Returns 1, 0, or -1 for an unknown mode. */
int report_color_wanted(FILE *out, const char *mode);
/* JUnit XML as GitLab and Jenkins read it (tests/data/junit.xsd): one
 * testsuite per run with its properties (scenario, seed, run_id, run_dir,
 * rerun) and the text summary as system-out; one testcase per checker timed
 * by its own check_ns. A missed expect is a <failure type="expectation">
 * whose message is "checker: reason" and whose body is the verdict line, the
 * first anomalies (at most SB_JUNIT_BODY_LINES lines) and "report: PATH". A
 * run that could not run is one <error> testcase. The full figures are in
 * results.json and report.html, never in the XML. */
#define SB_JUNIT_BODY_LINES 20
int report_junit(const sb_run_result *runs, size_t n, const char *path, char *err);

/* A figure of a checker of r (NULL when the checker did not run or has no
 * such figure). */
const json_t *results_figure(const sb_run_result *r, const char *checker, const char *name);
/* The first number among (checker, figure) pairs, NULL-terminated. */
const json_t *results_first_figure(const sb_run_result *r, const char *const (*pairs)[2]);
/* The share of acknowledged writes a run lost (set), of increments
 * (counter) or transactions (list-append); -1 when it reports none. */
double results_lost_share(const sb_run_result *r, long long *lost, long long *acked);

/* One run's line in its family's table, as text cells ("-" when the run
 * has no such figure): what `run` prints and index.html shows. A family of
 * writes (set, counter, list-append) gives acknowledged, lost, lost %,
 * unknown, duplicates, where the writes moved and when, how long after the
 * failover (the first +switch-master, else the first node promoted to
 * master) that was, and availability in faults. A lock family gives
 * attempts, holds, overlapping holds, fencing order broken, unknown,
 * expired while held. */
#define SB_FAMILY_CELLS 8
typedef struct sb_family_row {
    int lock; /* 1: the lock columns */
    char setting[96];
    char cell[SB_FAMILY_CELLS][40];
} sb_family_row;
void results_family_row(const sb_run_result *r, sb_family_row *row);
/* The column names after "setting" for a row of that kind: short ones for
 * text, long ones (wide = 1) for HTML. NULL past the last column. */
const char *results_family_column(int lock, int wide, size_t k);

/* With two runs or more that ran the cache checker: one line per strategy
 * (herd, origin load, latency, staleness, starvation) on out. Returns the
 * number of lines (0: nothing printed). */
int report_cache_table(const sb_run_result *runs, size_t n, FILE *out);
/* For each family with two runs or more: a line per setting (acknowledged,
 * lost and its share, unknown outcomes, when the clients' writes first went
 * to another node, availability in faults) on out. Returns the families
 * printed. */
int report_family_table(const sb_run_result *runs, size_t n, FILE *out);

#endif
