/* deploy.h -- a Redis Sentinel deployment on a lab: N redis-servers (one
 * master, the rest its replicas) and M sentinels with quorum q.
 *
 * The controller talks to every node out of band, through the loopback of
 * the node's own namespace (each node binds its host address and
 * 127.0.0.1), which partitions never cut. */
#ifndef SB_DEPLOY_H
#define SB_DEPLOY_H

#include <hiredis/hiredis.h>

#include "clockctl.h"
#include "lab.h"
#include "scenario_model.h"
#include "util.h"

typedef struct sb_deploy sb_deploy;

/* Writes configs under run_dir/nodes/<host>/{redis,sentinel}/, starts every
 * process and waits (deadline: deployment.ready_timeout) until the master
 * answers, every replica's link is up and every sentinel knows the master,
 * all replicas and all other sentinels. On failure stops what it started
 * and returns NULL with err. */
sb_deploy *deploy_start(sb_lab *lab, const sb_scenario *s, const char *run_dir,
                        const char *redis_server, char *err);
void deploy_free(sb_deploy *d); /* processes belong to the lab */

/* Asks redis_server, before any lab exists, whether s's redis.conf and
 * sentinel.conf directives are valid: each set is fed to the binary as the
 * run would write it (on standard input, in an empty scratch folder), and
 * the binary stops at the first line it rejects. Returns 0 when it accepted
 * every directive; -1 with err "file:line:col: <directive>: <the binary's
 * reason>" for the first rejected one, or naming why it gave no verdict. */
int deploy_check_directives(const sb_scenario *s, const char *redis_server, char *err);

/* The process of that kind on that host, or NULL. */
sb_proc *deploy_proc(sb_deploy *d, int host, sb_proc_kind kind);

/* Out-of-band connection from the controller to a node's loopback. */
redisContext *deploy_connect_oob(const sb_deploy *d, int host, sb_proc_kind kind,
                                 int64_t timeout_ns, char *err);

/* The deployment's current shape as JSON text
 * {"master":"n2","replicas":["n1","n3"]}, and the master's host index. */
typedef struct sb_topology {
    int master;
    char json[1024];
} sb_topology;

/* Waits until the deployment converged: every sentinel names the same
 * master, that node says it is master, every other redis node is its
 * replica with the link up, and every replica has acknowledged the
 * master's replication offset. -1 with err (what was still wrong) when
 * the deadline passes first. */
int deploy_await_converged(sb_deploy *d, int64_t timeout_ns, sb_topology *topo, char *err);
/* The same, telling progress (when not NULL) what is still missing each
 * time it looks, e.g. "sentinel on n2 names n1", so a person can watch. */
int deploy_await_converged_watch(sb_deploy *d, int64_t timeout_ns, sb_topology *topo,
                                 void (*progress)(void *arg, const char *why), void *arg,
                                 char *err);

/* The host of the current master: the one redis node that says it is
 * master, or, when several do, the one most sentinels name. -1 with err. */
int deploy_current_master(sb_deploy *d, char *err);

/* Sentinel membership. A sentinel started later monitors the current
 * master. Stopping one does not reset the others: that is the caller's
 * next step (SENTINEL RESET * one by one, as Redis documents). */
int deploy_sentinel_count(const sb_deploy *d);
int deploy_sentinel_active(const sb_deploy *d, int host);
int deploy_sentinel_start(sb_deploy *d, int host, char *err);
int deploy_sentinel_stop(sb_deploy *d, int host, char *err);
int deploy_sentinel_reset(sb_deploy *d, int host, char *err);
/* What every active sentinel believes now, as JSON
 * {"s1":{"master":"s1","known_sentinels":7,"epoch":0,"flags":"master"},
 *  "s2":null, ...} (null: it did not answer within timeout_ns). */
void deploy_sentinel_views(sb_deploy *d, int64_t timeout_ns, sb_buf *out);
/* Every redis node's ROLE now: {"n1":"master","n2":"slave","n3":null}
 * (null: down, paused or not answering within timeout_ns; "spare": a
 * cluster node outside the cluster). */
void deploy_redis_roles(sb_deploy *d, int64_t timeout_ns, sb_buf *out);
/* 1 when every active sentinel knows every other one; 0 (why) if not yet. */
int deploy_sentinels_agree(sb_deploy *d, char *why);

/* Cluster: the host owning key's hash slot, as the first node that answers
 * sees it (-1 with err). */
int deploy_cluster_owner(sb_deploy *d, const char *key, char *err);
/* Cluster faults, out of band. CLUSTER FAILOVER [FORCE|TAKEOVER] (mode 0, 1,
 * 2) on replica host, then waits (up to 10 s) until it says it is master. */
int deploy_cluster_failover(sb_deploy *d, int host, int mode, char *err);
/* Moves the first n of from's slots to to as redis-cli --cluster reshard
 * does: SETSLOT IMPORTING / MIGRATING, MIGRATE the keys in batches,
 * SETSLOT NODE on both and the other masters, slot by slot. With hold_ns
 * > 0 every slot is opened first, the keys move, and the slots stay open
 * for hold_ns before their owner changes (clients meet ASK meanwhile).
 * Appends ,"from","to","slots":[first,last],"moved":n,"keys":k to v. */
int deploy_cluster_migrate(sb_deploy *d, int from, int to, int n, int64_t hold_ns, sb_buf *v,
                           char *err);
/* The masters that own slots now, as the first member that answers sees
 * them: their hosts into hosts (at most max); the count, or -1 with err. */
int deploy_cluster_masters(sb_deploy *d, int *hosts, int max, char *err);
/* 1 when the node is in the cluster now (spares are not, until added). */
int deploy_cluster_member(const sb_deploy *d, int host);
/* A spare meets the cluster as a master (and replica, if >= 0, as its
 * replica), then takes n_slots (0: an equal share) from the masters in
 * proportion to what each owns. Appends ,"host",...,"moves":[...] to v. */
int deploy_cluster_add_shard(sb_deploy *d, int host, int replica, int n_slots, sb_buf *v,
                             char *err);
/* host's slots move to the other masters in equal parts; then every other
 * node forgets host and its replicas (CLUSTER FORGET) and they are reset
 * (CLUSTER RESET HARD): they are spares again. */
int deploy_cluster_remove_shard(sb_deploy *d, int host, sb_buf *v, char *err);
/* The clock control of a node when the scenario has clock faults (every
 * node then runs under the shim), else NULL. */
sb_clockctl *deploy_clock(sb_deploy *d, int host, sb_proc_kind kind);
/* The data folder of host's redis-server, and whether it runs under the
 * file-system layer (libsbdisk.so: the scenario has disk faults). */
void deploy_redis_dir(const sb_deploy *d, int host, char *out, size_t len);
int deploy_disk_layer(const sb_deploy *d);

#endif
