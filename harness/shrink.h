/* shrink.h -- the search of `splitbrain shrink`, without a lab: delta
 * debugging (ddmin) over a schedule's faults, then each remaining fault made
 * smaller (fewer hosts, shorter, later), then the run made shorter. Whether a
 * candidate still fails is the caller's test function (cmd_shrink.c replays
 * it on the lab; the unit test asks a hand-written oracle), so the search is
 * pure and deterministic: the same schedule and the same answers give the
 * same candidates in the same order. */
#ifndef SB_SHRINK_H
#define SB_SHRINK_H

#include <stddef.h>
#include <stdint.h>

/* One fault and its undo, kept together: it starts at at_ns (from the start
 * of the workload) and is undone for_ns later (0: it stays until the end of
 * the run). hosts is a set of hosts the caller lets the search make smaller
 * (bit i: host i; 0 when the fault has none): the hosts cut off by a
 * partition, the processes a pause or kill acts on. The search never empties
 * a non-empty set. size is a magnitude the caller lets the search halve
 * (a clock skew, a loss probability; 0: none), down to an eighth of what
 * it was. id is the caller's, carried along. */
typedef struct shrink_unit {
    int id;
    int64_t at_ns;
    int64_t for_ns;
    uint64_t hosts;
    int64_t size;
} shrink_unit;

/* A schedule: its faults, sorted by at_ns, the run's duration, and the
 * workload's rate (operations per second; 0: unlimited, left alone). */
typedef struct shrink_sched {
    shrink_unit *units;
    size_t n;
    int64_t duration_ns;
    double rate;
} shrink_sched;

/* The caller's verdict on a candidate. */
enum { SHRINK_PASSES = 0, SHRINK_FAILS = 1, SHRINK_STOP = -1 };
/* SHRINK_FAILS when the candidate reproduces the failure, SHRINK_PASSES when
 * it does not, SHRINK_STOP to end the search now (an error, Ctrl-C). */
typedef int (*shrink_test_fn)(void *ctx, const shrink_sched *candidate);

typedef struct shrink_opts {
    int64_t budget_ns;            /* no candidate is started after this long (0: none) */
    int64_t (*now_ns)(void *ctx); /* the clock the budget is held to (NULL: monotonic) */
    int64_t min_for_ns;           /* the shortest fault tried (default 500 ms) */
    int64_t min_lead_ns;          /* time kept before the first fault (default 1 s) */
    int64_t min_tail_ns;          /* time kept after the last undo (default 500 ms) */
    int64_t step_ns;              /* times are rounded to this (default 100 ms) */
} shrink_opts;

typedef enum { SHRINK_DONE = 0, SHRINK_BUDGET, SHRINK_STOPPED } shrink_end;

typedef struct shrink_stats {
    int tried;      /* candidates handed to the test function */
    int failing;    /* of them, the ones that reproduced */
    shrink_end end; /* why the search ended */
} shrink_stats;

/* Searches from orig (which is known to fail) for a smaller schedule that
 * still fails; best receives the smallest failing one found (orig itself
 * when nothing smaller fails), which the caller frees with
 * shrink_sched_free. The stages: ddmin over the units; per unit, fewer
 * hosts, a shorter for_ns, a later at_ns with the same end, a smaller size; then the run:
 * faults moved earlier down to min_lead_ns, the tail after the last undo
 * cut down to min_tail_ns; then the rate halved while it fails, down to an
 * eighth. Returns 0 (st says why it ended). */
int shrink_search(const shrink_sched *orig, const shrink_opts *o, shrink_test_fn test, void *ctx,
                  shrink_sched *best, shrink_stats *st);

/* A copy of src into dst (dst's own array). */
void shrink_sched_copy(shrink_sched *dst, const shrink_sched *src);
void shrink_sched_free(shrink_sched *s);
/* When the last fault's undo happens (at_ns + for_ns, or at_ns for one
 * that stays); 0 for an empty schedule. */
int64_t shrink_sched_end(const shrink_sched *s);

#endif
