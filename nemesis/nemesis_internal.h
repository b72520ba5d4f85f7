/* nemesis_internal.h -- what the fault families share: the nemesis's state
 * (what is in force), the resolved targets of each fault, and the table
 * through which nemesis.c reaches each fault kind.
 *
 * A fault kind is one line of fault_impls[] in nemesis.c: its family and
 * its apply and undo functions, which live in the family's own file
 * (fault_network.c, fault_process.c, fault_clock.c, fault_membership.c,
 * fault_cluster.c). Not for use outside nemesis/. */
#ifndef SB_NEMESIS_INTERNAL_H
#define SB_NEMESIS_INTERNAL_H

#include <pthread.h>

#include "nemesis.h"

#define MAX_LOSS 64

/* What one fault resolved to when it fired: (host, process) pairs. */
typedef struct resolved {
    int applied;
    size_t n;
    int host[SB_MAX_HOSTS * 2];
    sb_proc_kind kind[SB_MAX_HOSTS * 2];
} resolved;

struct sb_nemesis {
    sb_lab *lab;
    sb_deploy *deploy;
    const sb_scenario *s;
    sb_recorder *rec;
    sb_rng rng;
    pthread_mutex_t lock; /* guards the state below for describe() */
    /* network */
    sb_grudge grudge;
    int part_id; /* the partition in force, -1 none */
    char part_desc[256];
    sb_loss_rule loss[MAX_LOSS];
    size_t n_loss;
    int firewalled[SB_MAX_HOSTS];
    int qdisc_id[SB_MAX_HOSTS];        /* fault id of the qdisc on the host, -1 none */
    char qdisc_desc[SB_MAX_HOSTS][96]; /* "netem@<host>", "<rate>kB/s@<host>" */
    /* processes */
    int killed[SB_MAX_HOSTS][SB_PROC_KINDS];
    int paused[SB_MAX_HOSTS][SB_PROC_KINDS];
    int64_t clock[SB_MAX_HOSTS][SB_PROC_KINDS]; /* last offset set (for describe), 0 none */
    int clock_on[SB_MAX_HOSTS][SB_PROC_KINDS];
    /* disks */
    int disk_full[SB_MAX_HOSTS];
    int64_t disk_compacted_ns; /* last compaction of the layer's journals */
    /* per fault id */
    resolved *res;
    size_t n_res;
    int netem_ok; /* 1 available, 0 not, -1 not probed */
    char netem_why[SB_ERR_LEN];
    int skipped;
    int unresolved; /* the fault being applied names a role nobody holds now */
};

static inline const char *host_name(const sb_nemesis *n, int h)
{
    return n->s->hosts[h].name;
}

/* One fault kind. apply: 0 applied, 1 skipped (err says why), -1 failed
 * (err); it appends what it did to the history value v (",\"key\":...")
 * and the (host, process) pairs it acted on to r. undo: takes back fault
 * f, applied earlier with targets r; NULL when there is nothing to take
 * back (an undo itself, a heal, or a change that stays, such as
 * sentinel-remove or a cluster failover). */
typedef struct sb_fault_impl {
    sb_fault_kind kind;
    const char *family; /* network, process, clock, membership, cluster */
    int (*apply)(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
    int (*undo)(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
} sb_fault_impl;

/* ====== Shared by the families (nemesis.c) ====== */

void nemesis_add_pair(resolved *r, int h, sb_proc_kind k);
/* A role target nobody holds now: marks the fault skipped; returns -1. */
int nemesis_unresolved(sb_nemesis *n);
/* The processes a process or clock fault acts on. */
int nemesis_resolve_procs(sb_nemesis *n, const sb_fault *f, resolved *r, char *err);
void nemesis_hosts_json(const sb_nemesis *n, const sb_hostset *hs, sb_buf *out);
void nemesis_targets_json(const sb_nemesis *n, const resolved *r, sb_buf *out);

/* ====== The families ====== */

/* fault_network.c: partitions, packet loss, bandwidth, netem, heal. */
int nemesis_partition_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_partition_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_heal_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_loss_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_loss_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_qdisc_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_qdisc_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* Whether this lab's hosts can run netem: 1 yes, 0 no (n->netem_why
 * says why), -1 the probe failed (err). */
int nemesis_probe_netem(sb_nemesis *n, char *err);
/* fault_process.c: kill, restart, pause, resume. */
int nemesis_process_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_process_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* fault_clock.c: clock bump, strobe, reset. */
int nemesis_clock_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_clock_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* fault_membership.c: sentinel-add, sentinel-remove. */
int nemesis_membership_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_sentinel_add_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* fault_cluster.c: cluster-failover, migrate-slots, add-shard, remove-shard. */
int nemesis_cluster_failover_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v,
                                   char *err);
int nemesis_migrate_slots_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v,
                                char *err);
int nemesis_add_shard_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_remove_shard_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* fault_disk.c: power-loss and torn-write, disk-full, corrupt. */
int nemesis_disk_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_disk_full_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
int nemesis_disk_full_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* Lifts a disk-full on host h (the final heal). */
int nemesis_disk_heal(sb_nemesis *n, int h, char *err);
int nemesis_corrupt_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err);
/* After a restart in a run with the disk layer: waits for each redis to
 * answer or exit, and appends ",\"refused_start\":[{host, fatal}]" for
 * those that exited (their own last warning lines). */
void nemesis_disk_restart_outcome(sb_nemesis *n, const resolved *r, sb_buf *v);

#endif
