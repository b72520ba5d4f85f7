/* deploy_internal.h -- what the deployment's files share: its state, the
 * table of deployment kinds (sentinel, independent, cluster), node
 * configs and processes, and out-of-band commands to the nodes. */
#ifndef SB_DEPLOY_INTERNAL_H
#define SB_DEPLOY_INTERNAL_H

#include "cluster_slots.h"
#include "deploy.h"

/* How often readiness and convergence conditions are polled. */
#define DEPLOY_POLL_NS (20 * SB_NS_PER_MS)
#define DEPLOY_OOB_TIMEOUT_NS (1000 * SB_NS_PER_MS)

struct sb_deploy {
    sb_lab *lab;
    const sb_scenario *s;
    sb_proc *redis[SB_MAX_HOSTS];
    sb_proc *sentinel[SB_MAX_HOSTS];
    int active[SB_MAX_HOSTS]; /* the sentinel on the host is part of the deployment now */
    int monitor;              /* the master new sentinels are told to monitor */
    /* cluster: the node is in the cluster (spares join with add-shard and
     * leave with remove-shard); written by the nemesis thread, read by the
     * controller's observers, hence atomic loads and stores */
    int member[SB_MAX_HOSTS];
    sb_proc *origin;   /* the cache workload's origin service, or NULL */
    sb_proc *mediator; /* strategy mediator: the coalescing proxy beside it */
    char run_dir[4096];
    char redis_server[1024];
    char shim[4096];      /* libsbclock.so when the scenario has clock faults */
    char disk_shim[4096]; /* libsbdisk.so when it has disk faults (power-loss) */
    sb_clockctl *clock[SB_MAX_HOSTS][2];
};

/* The scenario's directives, one line each, in config-file form; per-master
 * sentinel directives become "sentinel <name> <master_name> <value>" when
 * master_name is given. */
void deploy_conf_directives(sb_buf *b, const sb_config *cfg, const char *master_name);

/* Why a redis-server or sentinel stopped, from its log: for a config error
 * "<Redis's reason> (line N: \"<the line>\")", else the last warning line
 * without its pid and time, else the last line; "" for an empty log. */
void deploy_exit_reason(const char *log, char *reason, size_t len);

/* ROLE of a redis node: "master", "slave" (with the master's address and
 * link state) or NULL on error. */
typedef struct node_role {
    char role[16];
    char master_addr[64];         /* replicas */
    char state[32];               /* replicas: "connected" when the link is up */
    long long offset;             /* master: its offset; replica: processed offset */
    int n_replicas;               /* master */
    long long min_replica_offset; /* master: lowest acknowledged offset */
} node_role;

/* One command to a node over its loopback; NULL with err on a connection
 * error or an error reply. */
redisReply *deploy_oob_command(const sb_deploy *d, int host, sb_proc_kind kind, char *err,
                               const char *fmt, ...);
int deploy_read_role(const sb_deploy *d, int host, node_role *nr, char *err);

/* A field of a flat [name, value, name, value ...] array reply, or NULL. */
const char *deploy_flat_field(const redisReply *r, const char *name);

/* run_dir/nodes/<host>/<kind> into out. */
void deploy_node_dir(const char *run_dir, const char *host, const char *kind, char *out,
                     size_t len);
/* What every node's config starts with: port, addresses, dir, logging. */
void deploy_conf_header(sb_buf *b, const sb_deploy *d, int host, int port, const char *dir);
/* A node's config file in dir (path receives its name): redis.conf with
 * the kind's lines (startup: for its first start), or sentinel.conf. */
int deploy_write_redis_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                            int startup, char *err);
int deploy_write_sentinel_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                               char *err);
/* Writes the node's config and starts its process (under the clock shim
 * when the run has clock faults). */
int deploy_start_node(sb_deploy *d, int host, sb_proc_kind kind, const char *run_dir,
                      const char *redis_server, char *err);
/* A node exited while the deployment started: why quotes the server's
 * reason from its log and the log's path as the user would type it.
 * Returns -1. */
int deploy_start_failure(const sb_deploy *d, int host, sb_proc_kind kind, char *why);
/* The origin (and mediator) of the cache workload, answering on return. */
int deploy_start_origin(sb_deploy *d, const char *run_dir, char *err);

/* What a convergence check remembers between polls. */
typedef struct deploy_converge {
    int master;       /* the master of the previous check, -1 none */
    long long target; /* the master's offset when it was first seen */
} deploy_converge;

/* ====== Deployment kinds ======
 * One table entry per sb_deploy_kind; deploy.c calls these in order:
 * redis_conf while writing each redis.conf; after every process started,
 * bootstrap; ready_once until it returns 1 (every redis process is known
 * to run by then); settle; later, converged_once after faults and
 * current_master whenever a fault targets "the master". NULL hooks are
 * skipped (member: every node is a member). */
typedef struct deploy_kind_impl {
    void (*redis_conf)(const sb_deploy *d, int host, int startup, sb_buf *b);
    int (*bootstrap)(sb_deploy *d, char *err);
    /* 1 ready, 0 not yet (why), -1 a node exited (why). */
    int (*ready_once)(sb_deploy *d, char *why);
    int (*settle)(sb_deploy *d, int64_t deadline, char *err);
    /* 1 converged (topo filled), 0 not yet (why). */
    int (*converged_once)(sb_deploy *d, deploy_converge *cs, sb_topology *topo, char *why);
    int (*current_master)(sb_deploy *d, char *err);
    int (*member)(const sb_deploy *d, int host);
} deploy_kind_impl;

extern const deploy_kind_impl deploy_sentinel_kind;    /* deploy_sentinel.c */
extern const deploy_kind_impl deploy_independent_kind; /* deploy_independent.c */
extern const deploy_kind_impl deploy_cluster_kind;     /* deploy_cluster.c */

/* ====== What deploy_cluster.c lends deploy_cluster_reshard.c ====== */
void deploy_cluster_set_member(sb_deploy *d, int host, int v);
size_t deploy_cluster_count_members(const sb_deploy *d);
/* A field of CLUSTER INFO ("cluster_state" -> "ok"), into out. */
int deploy_cluster_info_field(const sb_deploy *d, int host, const char *name, char *out, size_t len,
                              char *err);
/* The slot map as host sees it (owners by address). */
int deploy_cluster_view(const sb_deploy *d, int host, sb_slot_map *map, char *err);
int deploy_cluster_myid(sb_deploy *d, int host, char *id, size_t len, char *err);
/* The masters with slots, and how many each owns, as host sees them. */
int deploy_cluster_masters_and_slots(sb_deploy *d, int host, int *masters, int *owned, int *n,
                                     char *err);

#endif
