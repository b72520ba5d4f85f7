/* nemesis.h -- fault injection behind one interface.
 *
 * A nemesis applies the faults of a scenario's schedule to a running lab
 * and deployment, records each as operations of process "nemesis" in the
 * history (an invoke, then ok, or fail when the fault could not be applied
 * or was skipped), remembers what is in force, and undoes all of it on
 * demand: the controller always heals everything before the final reads.
 *
 * Targets ("the current master", "a random replica", random partition
 * halves) are resolved when the fault fires; random choices come from one
 * generator seeded with the run's seed, so a seed gives the same choices
 * as long as the deployment answers the same way. The resolved hosts are
 * part of the recorded value. */
#ifndef SB_NEMESIS_H
#define SB_NEMESIS_H

#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "scenario_model.h"

typedef struct sb_nemesis sb_nemesis;

sb_nemesis *nemesis_new(sb_lab *lab, sb_deploy *deploy, const sb_scenario *s, sb_recorder *rec);
void nemesis_free(sb_nemesis *n);

/* Checks, before the workload starts, that every fault can be carried out
 * here (today: netem needs the kernel's sch_netem). -1 with err when a
 * fault that is not optional cannot; optional ones are noted and skipped
 * when they fire. */
int nemesis_preflight(sb_nemesis *n, char *err);

/* Applies one schedule entry now. -1 with err when it could not be applied
 * (the run cannot mean what the scenario says, so the controller aborts
 * it); 0 when applied or skipped (optional faults). */
int nemesis_apply(sb_nemesis *n, const sb_fault *f, char *err);

/* The nemesis's own upkeep between faults, called by the thread that
 * applies them (never at the same time as nemesis_apply) while it waits;
 * next_fault_ns: when the next fault is due (INT64_MAX: none), so that no
 * upkeep delays it. Now: every 30 s, when the file-system layer runs, the
 * kept inodes no power loss can need go (sbdiskctl compact on each redis
 * host; the result in lab.log). Never fails the run. */
void nemesis_upkeep(sb_nemesis *n, int64_t next_fault_ns);

/* Undoes every fault in force: network faults (rules and qdiscs), paused
 * and killed processes, clock offsets. Sentinel membership changes stay:
 * they are the deployment's new shape. Records what it did. */
int nemesis_heal_all(sb_nemesis *n, char *err);

/* One line describing the faults in force ("" when none); thread-safe. */
void nemesis_describe(sb_nemesis *n, char *buf, size_t len);

/* Number of faults skipped (optional faults this machine cannot do). */
int nemesis_skipped(sb_nemesis *n);

/* ====== Pure parts, unit-tested ====== */

/* grudge[a][b] = 1: host a drops packets from host b. */
typedef unsigned char sb_grudge[SB_MAX_HOSTS][SB_MAX_HOSTS];

/* The grudge of a partition fault. target: the resolved host for
 * isolate (ignored otherwise); rng: for random shapes. Hosts outside the
 * shape's universe are cut from no one. */
void nemesis_grudge(const sb_scenario *s, const sb_fault *f, int target, sb_rng *rng, sb_grudge g);

/* A packet-loss rule in force: packets arriving at a host in hosts from a
 * host in peers (or from anyone on eth0 when all_peers) are dropped with
 * probability p. */
typedef struct sb_loss_rule {
    int id;
    unsigned char hosts[SB_MAX_HOSTS];
    unsigned char peers[SB_MAX_HOSTS];
    int all_peers;
    double p;
} sb_loss_rule;

/* The nftables ruleset of host h for the grudge and loss rules in force;
 * empty when nothing applies to h. addrs[i] is host i's address. */
void nemesis_host_rules(size_t n_hosts, const sb_grudge g, const sb_loss_rule *loss, size_t n_loss,
                        int h, const char *const *addrs, sb_buf *out);

/* The ssh backend: clients run on the control machine (ctl[h], the address
 * host h sees it at), each placement in its own local port range
 * [lo[o], hi[o]]; remote[o] says whether o is a remote machine (else only a
 * placement, which gets no rules of its own). */
typedef struct sb_remote_rules {
    const char *ctl[SB_MAX_HOSTS];
    int lo[SB_MAX_HOSTS], hi[SB_MAX_HOSTS];
    unsigned char remote[SB_MAX_HOSTS];
} sb_remote_rules;

/* nemesis_host_rules for remote host h: what h drops from a peer o it has
 * a grudge against is o's address and o's placement port range at the
 * control machine (input); what a peer o drops from h is kept from o's
 * placement range by h's output rules (o's own input rules do the rest). */
void nemesis_host_rules_remote(size_t n_hosts, const sb_grudge g, const sb_loss_rule *loss,
                               size_t n_loss, int h, const char *const *addrs,
                               const sb_remote_rules *rr, sb_buf *out);

/* {"n1":["n2","n3"],...}: whom each host drops (hosts that drop no one
 * are left out). */
void nemesis_grudge_json(const sb_scenario *s, const sb_grudge g, sb_buf *out);

#endif
