/* judge.h -- one path from a run's saved history to its verdicts and its
 * reports, for run (after the controller), check and report alike, so the
 * three give the same verdicts and the same pages. */
#ifndef SB_JUDGE_H
#define SB_JUDGE_H

#include "history.h"
#include "results.h"
#include "scenario.h"

/* The checkers names[0..n) (s's when names is NULL) over the history in
 * meta->run_dir, with s's expectations, into r; *h keeps the history (for
 * the page; the caller frees it). 0, or -1 with err. */
int judge_run(const sb_scenario *s, const sb_run_meta *meta, const char *const *names, size_t n,
              sb_run_result *r, sb_history **h, char *err);

/* A run folder as a user names it (a run, or a folder of runs with a
 * latest run): its scenario, history and recorded meta, judged as above
 * (the scenario's checkers when names is NULL). */
int judge_run_dir(const char *dir_in, char *dir, size_t dirlen, const char *const *names, size_t n,
                  sb_run_result *r, sb_history **h, char *err);

/* results.json, summary.txt and report.html of r into r->meta.run_dir; h
 * NULL for a run that failed before it had a history (the page then says
 * its error). A page that cannot be written is said on stderr. */
void judge_write_reports(const sb_run_result *r, const sb_history *h);

#endif
