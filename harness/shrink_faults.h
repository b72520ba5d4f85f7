/* shrink_faults.h -- the faults of a run as `splitbrain shrink` searches
 * over them: each fault the history records as applied, with the undo,
 * heal, resume or restart that ended it, as one unit (shrink.h) and the
 * scenario entry it is written back as; a schedule of units as a scenario
 * (the run's, with fixed-time faults) and in words ("1 partition + 1
 * heal"). */
#ifndef SB_SHRINK_FAULTS_H
#define SB_SHRINK_FAULTS_H

#include <jansson.h>

#include "history.h"
#include "scenario.h"
#include "shrink.h"
#include "util.h"

#define SHRINK_MAX_UNITS 256
#define SHRINK_SIZE_CLOCK_US 1 /* a clock fault's delta, microseconds */
#define SHRINK_SIZE_LOSS_PPM 2 /* a loss fault's probability, parts per million */

/* One fault of the run as a scenario entry without its times ("at",
 * "for"), and how it is made smaller: hosts (shrink.h) are, for a partition
 * of two sides, the side cut off (the other side is every other host of the
 * two); for a process or clock fault, the hosts whose processes it acts on. */
typedef struct fault_unit {
    json_t *spec;     /* {"fault": ..., ...} without "at" and "for"; owned */
    char kind[48];    /* "partition", "pause", ... */
    int two_sides;    /* partition: groups [[hosts], [side - hosts]] */
    uint64_t side;    /* partition: the hosts of both sides */
    int random_shape; /* partition: its shape is drawn again when it fires */
    int size_kind;    /* what the unit's size is: 0 nothing, SHRINK_SIZE_* */
    int negative;     /* a clock delta below zero */
    int hosts_only;   /* written as "target": hosts, without "process" (disk faults) */
    char restart[16]; /* power-loss, torn-write: the processes its restart started
                         ("redis" or "both"); its end is written as that restart */
} fault_unit;

typedef struct shrink_faults {
    const sb_scenario *s; /* the run's scenario, its seed set */
    json_t *root;         /* the run's scenario.json; the caller's */
    fault_unit units[SHRINK_MAX_UNITS];
    size_t n;
    char err[SB_ERR_LEN];
} shrink_faults;

/* The faults h records as applied into c->units and sched (unit i of sched
 * has id i; the run's duration); -1 with c->err for a fault kind shrink
 * cannot write yet, or too many faults. */
int shrink_faults_load(shrink_faults *c, const sb_history *h, shrink_sched *sched);
/* The schedule as a scenario: the run's, with these faults at fixed times,
 * this duration, the run's seed, and name and description as given. A new
 * reference. */
json_t *shrink_faults_scenario(const shrink_faults *c, const shrink_sched *sc, const char *name,
                               const char *description);
/* "2 partition + 1 pause + 2 heal + 1 resume": the faults by kind, then
 * their undos within the run. */
void shrink_faults_words(const shrink_faults *c, const shrink_sched *sc, char *buf, size_t len);
/* Frees the units' entries (not root). */
void shrink_faults_free(shrink_faults *c);

#endif
