/* controller.h -- one run of one scenario, from an empty machine to results
 * and back to an empty machine.
 *
 * lab -> deployment -> recorder -> workers + nemesis schedule (+ progress)
 * -> workload end -> heal everything -> await convergence -> final read ->
 * close history -> remove lab -> checkers over the saved history -> reports.
 * Teardown runs on every path: normal end, a signal, and a start-up that
 * failed half way. */
#ifndef SB_CONTROLLER_H
#define SB_CONTROLLER_H

#include <signal.h>

#include "lab.h"
#include "results.h"
#include "scenario.h"

typedef struct sb_run_opts {
    const char *out_dir;      /* parent of run folders, absolute (the caller
                                 resolves it once, sb_path_absolute): node
                                 processes start in their own folders */
    const char *redis_server; /* default "/usr/bin/redis-server" */
    int has_seed;
    uint64_t seed;
    int progress_tty;         /* one live line (1) or plain lines (0) */
    const char *rerun_prefix; /* e.g. "splitbrain run" for the rerun command */
    const volatile sig_atomic_t *stop; /* set asynchronously by SIGINT/SIGTERM */
} sb_run_opts;

/* Runs s. Returns 0 when the run completed (out holds the results, the run
 * folder holds history.jsonl, results.json, summary.txt and node logs), or
 * -1 with err when the harness could not run it (out->error says the same,
 * and whatever was created has been removed). */
int controller_run(const sb_scenario *s, const sb_run_opts *o, sb_run_result *out, char *err);

/* Only the workload phase: s's workers against an already started
 * deployment for s->duration_ns, recording into rec, no faults and no
 * progress output. For the benchmark, which measures exactly the code the
 * runs use. Returns 0 or -1 with err. */
struct sb_deploy;
struct sb_recorder;
int controller_run_workload(const sb_scenario *s, sb_lab *lab, struct sb_deploy *d,
                            struct sb_recorder *rec, int64_t start_ns, char *err);

#endif
