/* nemesis.h -- fault injection behind one interface.
 *
 * A nemesis applies the faults of a scenario's schedule to a running lab
 * and deployment, records each as operations of process "nemesis" in the
 * history (an invoke, then ok, or fail when the fault could not be applied),
 * remembers what is in force, and undoes all of it on demand: the
 * controller always heals everything before the final reads. */
#ifndef SB_NEMESIS_H
#define SB_NEMESIS_H

#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "scenario.h"

typedef struct sb_nemesis sb_nemesis;

sb_nemesis *nemesis_new(sb_lab *lab, sb_deploy *deploy, const sb_scenario *s, sb_recorder *rec);
void nemesis_free(sb_nemesis *n);

/* Applies one fault now. -1 with err when it could not be applied (the run
 * cannot mean what the scenario says, so the controller aborts it). */
int nemesis_apply(sb_nemesis *n, const sb_fault *f, char *err);

/* Undoes every fault in force: removes all firewall rules and restarts
 * every process a fault killed. Records what it did. */
int nemesis_heal_all(sb_nemesis *n, char *err);

/* One line describing the faults in force ("" when none); thread-safe. */
void nemesis_describe(sb_nemesis *n, char *buf, size_t len);

/* ====== Fault kinds (one table; scenario.c parses their parameters) ====== */

typedef struct sb_fault_impl {
    sb_fault_kind kind;
    const char *name;
    /* The fault's value in the history (JSON text); NULL when it has none. */
    void (*value)(const sb_scenario *s, const sb_fault *f, sb_buf *out);
    int (*apply)(sb_nemesis *n, const sb_fault *f, char *err);
} sb_fault_impl;

const sb_fault_impl *nemesis_impl(sb_fault_kind kind);

/* Writes the value of a partition as JSON {"groups":[["n1"],["n2","n3"]]},
 * the implicit group of unnamed hosts included. */
void nemesis_partition_json(const sb_scenario *s, const sb_fault *f, sb_buf *out);

/* The nftables ruleset that cuts host h off from every host not in its
 * group (input drops on h; the peers' rules cut the other direction).
 * Pure; unit-tested. Returns 0 rules (empty string) when h is alone in
 * the lab. addrs[i] is host i's address. */
void nemesis_partition_rules(const sb_scenario *s, const sb_fault *f, int h,
                             const char *const *addrs, sb_buf *out);

#endif
