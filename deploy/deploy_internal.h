/* deploy_internal.h -- what deploy.c and deploy_cluster.c share: the
 * deployment's state and out-of-band commands to its nodes. */
#ifndef SB_DEPLOY_INTERNAL_H
#define SB_DEPLOY_INTERNAL_H

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
    char shim[4096]; /* libsbclock.so when the scenario has clock faults */
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

/* Cluster parts of start-up, convergence and deploy_current_master. */
int deploy_cluster_bootstrap(sb_deploy *d, char *err);
int deploy_cluster_ok_once(sb_deploy *d, sb_topology *topo, char *why);
int deploy_cluster_slot0_master(sb_deploy *d, char *err);

#endif
