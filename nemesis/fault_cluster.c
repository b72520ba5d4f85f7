/* fault_cluster.c -- the Redis Cluster family: a replica's CLUSTER
 * FAILOVER (default, force, takeover), slot migration, adding and
 * removing a shard. The deployment does the work (deploy_cluster.c);
 * these record what was asked. Their effects stay: nothing to undo. */
#define _GNU_SOURCE
#include <stdio.h>

#include "nemesis_internal.h"

int nemesis_cluster_failover_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v,
                                   char *err)
{
    (void)r;
    static const char *const modes[] = {"default", "force", "takeover"};
    sb_buf_printf(v, ",\"host\":\"%s\",\"mode\":\"%s\"", host_name(n, f->hosts.idx[0]),
                  modes[f->failover_mode]);
    return deploy_cluster_failover(n->deploy, f->hosts.idx[0], f->failover_mode, err);
}

int nemesis_migrate_slots_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    return deploy_cluster_migrate(n->deploy, f->from.idx[0], f->to.idx[0], f->n_slots, f->hold_ns,
                                  v, err);
}

int nemesis_add_shard_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    return deploy_cluster_add_shard(n->deploy, f->hosts.idx[0], f->to.n ? f->to.idx[0] : -1,
                                    f->n_slots, v, err);
}

int nemesis_remove_shard_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    return deploy_cluster_remove_shard(n->deploy, f->hosts.idx[0], v, err);
}
