/* controller.h -- one run of one scenario, from an empty machine to results
 * and back to an empty machine.
 *
 * lab -> deployment -> recorder -> workers + nemesis schedule (+ progress)
 * -> workload end -> heal everything -> await convergence -> final read ->
 * close history -> remove lab. Teardown runs on every path: normal end, a
 * signal, and a start-up that failed half way. The controller judges
 * nothing: the run command then judges the saved history and writes the
 * reports through judge.h, as check and report do offline. */
#ifndef SB_CONTROLLER_H
#define SB_CONTROLLER_H

#include <signal.h>

#include "lab.h"
#include "results.h"
#include "scenario.h"

/* The quiet phases after the workload (healing, convergence, the final
 * read, then the caller's: checking, writing reports), one line each with
 * its elapsed time, live on a terminal. */
typedef struct sb_phases {
    const char *name;  /* the scenario's, on every line */
    int64_t start_ns;  /* the run's start (monotonic): the first figure of a line */
    int tty;           /* one live line */
    const char *phase; /* the phase in progress, NULL before the first */
    int64_t phase_ns, shown_ns;
    char why[512]; /* what convergence still waits for, last shown */
} sb_phases;
/* A new phase (the one in progress ends with its line). */
void phases_start(sb_phases *p, const char *phase);
/* The phase in progress ends: one line with how long it took. */
void phases_end(sb_phases *p);

typedef struct sb_run_opts {
    const char *out_dir;      /* parent of run folders, absolute (the caller
                                 resolves it once, sb_path_absolute): node
                                 processes start in their own folders */
    const char *redis_server; /* default "/usr/bin/redis-server" */
    int has_seed;
    uint64_t seed;
    int progress_tty;                  /* one live line (1) or plain lines (0) */
    const char *rerun_prefix;          /* e.g. "splitbrain run" for the rerun command */
    const volatile sig_atomic_t *stop; /* set asynchronously by SIGINT/SIGTERM */
    sb_phases *phases;                 /* the caller's, to go on with after the run (NULL: none) */
} sb_run_opts;

/* Runs s. Returns 0 when the run completed (meta->run_dir holds
 * scenario.json, history.jsonl and the node logs), or -1 with err when the
 * harness could not run it (whatever was created has been removed;
 * meta->run_dir is "" when no run folder was made). meta says which run it
 * was either way (id, seed, start, the rerun command). */
int controller_run(const sb_scenario *s, const sb_run_opts *o, sb_run_meta *meta, char *err);

/* Only the workload phase: s's workers against an already started
 * deployment for s->duration_ns, recording into rec, no faults and no
 * progress output. For the benchmark, which measures exactly the code the
 * runs use. External clients' logs go to dir/clients/. Returns 0 or -1
 * with err. */
struct sb_deploy;
struct sb_recorder;
int controller_run_workload(const sb_scenario *s, sb_lab *lab, struct sb_deploy *d,
                            struct sb_recorder *rec, int64_t start_ns, const char *dir, char *err);

#endif
