/* deploy_cluster.c -- Redis Cluster on a lab: bootstrap (MEET, slots,
 * REPLICATE), readiness and convergence, and the operations the nemesis
 * drives: failover, slot migration, adding and removing shards. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_slots.h"
#include "deploy_internal.h"

/* ====== Membership ====== */

int deploy_cluster_member(const sb_deploy *d, int host)
{
    return __atomic_load_n(&d->member[host], __ATOMIC_ACQUIRE);
}

void deploy_cluster_set_member(sb_deploy *d, int host, int v)
{
    __atomic_store_n(&d->member[host], v, __ATOMIC_RELEASE);
}

size_t deploy_cluster_count_members(const sb_deploy *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->s->deployment.redis.n; i++)
        n += deploy_cluster_member(d, d->s->deployment.redis.idx[i]) != 0;
    return n;
}

/* A field of CLUSTER INFO ("cluster_state" -> "ok"), into out. */
int deploy_cluster_info_field(const sb_deploy *d, int host, const char *name, char *out, size_t len,
                              char *err)
{
    redisReply *r = deploy_oob_command(d, host, SB_PROC_REDIS, err, "CLUSTER INFO");
    if (!r)
        return -1;
    int rc = -1;
    const char *p = r->type == REDIS_REPLY_STRING ? strstr(r->str, name) : NULL;
    if (p && p[strlen(name)] == ':') {
        p += strlen(name) + 1;
        size_t n = strcspn(p, "\r\n");
        snprintf(out, len, "%.*s", (int)n, p);
        rc = 0;
    } else {
        sb_err_set(err, "CLUSTER INFO on %s has no %s", lab_host_name(d->lab, host), name);
    }
    freeReplyObject(r);
    return rc;
}

/* The hosts of a cluster: masters first, then replicas (i follows i mod M). */
static int cluster_master_of(const sb_deployment *dep, size_t i)
{
    return dep->redis.idx[i % (size_t)dep->cluster_masters];
}

/* Every node answers (before the MEETs); then MEET, slots, REPLICATE: the
 * shape the scenario gives, bootstrapped by hand as redis-cli --cluster
 * create would. */
static int cluster_bootstrap(sb_deploy *d, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    int64_t until = sb_now_ns() + dep->ready_timeout_ns;
    for (size_t i = 0; i < dep->redis.n; i++) {
        node_role nr;
        char e[SB_ERR_LEN];
        while (deploy_read_role(d, dep->redis.idx[i], &nr, e) == -1) {
            if (sb_now_ns() > until || !lab_proc_running(d->redis[dep->redis.idx[i]])) {
                sb_err_set(err, "deployment failed to start: %s", e);
                return -1;
            }
            sb_sleep_ns(DEPLOY_POLL_NS);
        }
    }
    size_t n = dep->redis.n - (size_t)dep->cluster_spares, m = (size_t)dep->cluster_masters;
    int first = dep->redis.idx[0];
    for (size_t i = 0; i < n; i++)
        deploy_cluster_set_member(d, dep->redis.idx[i], 1);
    for (size_t i = 1; i < n; i++) {
        redisReply *r =
            deploy_oob_command(d, dep->redis.idx[i], SB_PROC_REDIS, err, "CLUSTER MEET %s %d",
                               lab_host_addr(d->lab, first), dep->redis_port);
        if (!r)
            return -1;
        freeReplyObject(r);
    }
    for (size_t i = 0; i < m; i++) {
        long lo = (long)(i * SB_CLUSTER_SLOTS / m), hi = (long)((i + 1) * SB_CLUSTER_SLOTS / m) - 1;
        redisReply *r = deploy_oob_command(d, dep->redis.idx[i], SB_PROC_REDIS, err,
                                           "CLUSTER ADDSLOTSRANGE %ld %ld", lo, hi);
        if (!r)
            return -1;
        freeReplyObject(r);
    }
    /* Replicas can follow a master once they know it. */
    int64_t deadline = sb_now_ns() + dep->ready_timeout_ns;
    for (size_t i = m; i < n; i++) {
        int h = dep->redis.idx[i], master = cluster_master_of(dep, i);
        redisReply *id = deploy_oob_command(d, master, SB_PROC_REDIS, err, "CLUSTER MYID");
        if (!id)
            return -1;
        char mid[64];
        snprintf(mid, sizeof(mid), "%s", id->str ? id->str : "");
        freeReplyObject(id);
        for (;;) {
            char e[SB_ERR_LEN];
            redisReply *r = deploy_oob_command(d, h, SB_PROC_REDIS, e, "CLUSTER REPLICATE %s", mid);
            if (r) {
                freeReplyObject(r);
                break;
            }
            if (sb_now_ns() > deadline) {
                sb_err_set(err, "cluster: %s cannot follow %s: %s", lab_host_name(d->lab, h),
                           lab_host_name(d->lab, master), e);
                return -1;
            }
            sb_sleep_ns(DEPLOY_POLL_NS * 5);
        }
    }
    return 0;
}

/* The slot map as one node sees it (owners by address). */
int deploy_cluster_view(const sb_deploy *d, int host, sb_slot_map *map, char *err)
{
    redisReply *r = deploy_oob_command(d, host, SB_PROC_REDIS, err, "CLUSTER SLOTS");
    if (!r)
        return -1;
    char e[256];
    int rc = sb_slot_map_from_cluster_slots(r, map, e, sizeof(e));
    if (rc == -1)
        sb_err_set(err, "%s: %s", lab_host_name(d->lab, host), e);
    freeReplyObject(r);
    return rc;
}

/* 1 when every node says cluster_state:ok, knows every node, sees every
 * slot served by the same masters as the others, and every replica's link
 * is up; the shape goes into topo. 0 (why) when not yet. */
static int cluster_ok_once(sb_deploy *d, sb_topology *topo, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_slot_map *ref = sb_xcalloc(1, sizeof(*ref)), *map = sb_xcalloc(1, sizeof(*map));
    size_t members = deploy_cluster_count_members(d);
    int ok = 1, seen = 0, first = -1;
    for (size_t i = 0; i < dep->redis.n && ok; i++) {
        int h = dep->redis.idx[i];
        if (!deploy_cluster_member(d, h))
            continue;
        char v[64];
        if (first < 0)
            first = h;
        if (d->redis[h] && !lab_proc_running(d->redis[h])) {
            sb_err_set(why, "redis-server on %s is not running", lab_host_name(d->lab, h));
            ok = 0;
        } else if (deploy_cluster_info_field(d, h, "cluster_state", v, sizeof(v), why) == -1) {
            ok = 0;
        } else if (strcmp(v, "ok") != 0) {
            sb_err_set(why, "%s: cluster_state:%s", lab_host_name(d->lab, h), v);
            ok = 0;
        } else if (deploy_cluster_info_field(d, h, "cluster_known_nodes", v, sizeof(v), why) ==
                       -1 ||
                   (size_t)atoi(v) != members) {
            sb_err_set(why, "%s knows %s of %zu nodes", lab_host_name(d->lab, h), v, members);
            ok = 0;
        } else if (deploy_cluster_view(d, h, seen ? map : ref, why) == -1) {
            ok = 0;
        } else if (!sb_slot_map_covered(seen ? map : ref)) {
            sb_err_set(why, "%s: not every slot is served", lab_host_name(d->lab, h));
            ok = 0;
        } else if (seen++) {
            for (int sl = 0; sl < SB_CLUSTER_SLOTS && ok; sl++) {
                const sb_slot_node *a = sb_slot_map_owner(ref, sl), *b = sb_slot_map_owner(map, sl);
                if (strcmp(a->addr, b->addr) != 0 || a->port != b->port) {
                    sb_err_set(why, "%s and %s disagree on the owner of slot %d",
                               lab_host_name(d->lab, first), lab_host_name(d->lab, h), sl);
                    ok = 0;
                }
            }
        }
    }
    /* Masters and replicas, from the agreed map and each node's ROLE. */
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "{\"masters\":[");
    int first_master = -1;
    for (int i = 0; ok && i < ref->n_masters; i++) {
        int h = lab_host_by_addr(d->lab, ref->masters[i].addr);
        if (first_master < 0 || sb_slot_map_owner(ref, 0) == &ref->masters[i])
            first_master = h;
        sb_buf_puts(&b, i ? "," : "");
        sb_buf_json_string(&b, h >= 0 ? lab_host_name(d->lab, h) : ref->masters[i].addr);
    }
    sb_buf_puts(&b, "],\"replicas\":[");
    int nr = 0;
    for (size_t i = 0; i < dep->redis.n && ok; i++) {
        int h = dep->redis.idx[i];
        if (!deploy_cluster_member(d, h))
            continue;
        node_role role;
        if (deploy_read_role(d, h, &role, why) == -1) {
            ok = 0;
            break;
        }
        if (strcmp(role.role, "slave") != 0)
            continue;
        if (strcmp(role.state, "connected") != 0) {
            sb_err_set(why, "replica %s link is %s", lab_host_name(d->lab, h), role.state);
            ok = 0;
            break;
        }
        sb_buf_puts(&b, nr++ ? "," : "");
        sb_buf_json_string(&b, lab_host_name(d->lab, h));
    }
    sb_buf_puts(&b, "]");
    if (ok) {
        sb_buf_puts(&b, ",\"master\":");
        sb_buf_json_string(&b, lab_host_name(d->lab, first_master));
        sb_buf_puts(&b, "}");
        topo->master = first_master;
        snprintf(topo->json, sizeof(topo->json), "%s", b.data);
    }
    sb_buf_free(&b);
    free(ref);
    free(map);
    return ok;
}

/* The master of slot 0, as the first node that answers sees it. */
static int cluster_slot0_master(sb_deploy *d, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_slot_map *map = sb_xcalloc(1, sizeof(*map));
    int m = -1;
    for (size_t i = 0; i < dep->redis.n && m < 0; i++) {
        char e[SB_ERR_LEN];
        if (deploy_cluster_member(d, dep->redis.idx[i]) &&
            deploy_cluster_view(d, dep->redis.idx[i], map, e) == 0 && sb_slot_map_owner(map, 0))
            m = lab_host_by_addr(d->lab, sb_slot_map_owner(map, 0)->addr);
    }
    free(map);
    if (m < 0)
        sb_err_set(err, "no cluster node names the master of slot 0");
    return m;
}

/* Cluster's redis.conf lines. */
static void cluster_redis_conf(const sb_deploy *d, int host, int startup, sb_buf *b)
{
    (void)host;
    (void)startup;
    sb_buf_printf(b,
                  "cluster-enabled yes\ncluster-config-file nodes.conf\n"
                  "cluster-node-timeout %lld\n",
                  (long long)(d->s->deployment.cluster_node_timeout_ns / SB_NS_PER_MS));
}

static int cluster_ready_once(sb_deploy *d, char *why)
{
    sb_topology topo;
    return cluster_ok_once(d, &topo, why);
}

static int cluster_converged_once(sb_deploy *d, deploy_converge *cs, sb_topology *topo, char *why)
{
    (void)cs;
    return cluster_ok_once(d, topo, why);
}

const deploy_kind_impl deploy_cluster_kind = {
    .redis_conf = cluster_redis_conf,
    .bootstrap = cluster_bootstrap,
    .ready_once = cluster_ready_once,
    .converged_once = cluster_converged_once,
    .current_master = cluster_slot0_master,
    .member = deploy_cluster_member,
};

int deploy_cluster_owner(sb_deploy *d, const char *key, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_slot_map *map = sb_xcalloc(1, sizeof(*map));
    int slot = sb_keyslot(key, strlen(key)), h = -1;
    for (size_t i = 0; i < dep->redis.n && h < 0; i++) {
        char e[SB_ERR_LEN] = "";
        const sb_slot_node *o;
        if (!deploy_cluster_member(d, dep->redis.idx[i]))
            continue;
        if (deploy_cluster_view(d, dep->redis.idx[i], map, e) == 0 &&
            (o = sb_slot_map_owner(map, slot)))
            h = lab_host_by_addr(d->lab, o->addr);
        else if (e[0])
            sb_err_set(err, "%s", e);
    }
    free(map);
    if (h < 0 && !err[0])
        sb_err_set(err, "no node names the owner of slot %d", slot);
    return h;
}

int deploy_cluster_myid(sb_deploy *d, int host, char *id, size_t len, char *err)
{
    redisReply *r = deploy_oob_command(d, host, SB_PROC_REDIS, err, "CLUSTER MYID");
    if (!r)
        return -1;
    int ok = r->type == REDIS_REPLY_STRING;
    if (ok)
        snprintf(id, len, "%s", r->str);
    else
        sb_err_set(err, "CLUSTER MYID on %s: not a string", lab_host_name(d->lab, host));
    freeReplyObject(r);
    return ok ? 0 : -1;
}

int deploy_cluster_failover(sb_deploy *d, int host, int mode, char *err)
{
    static const char *const modes[] = {"", " FORCE", " TAKEOVER"};
    char cmd[48];
    snprintf(cmd, sizeof(cmd), "CLUSTER FAILOVER%s", modes[mode]);
    redisReply *r = mode == 0
                        ? deploy_oob_command(d, host, SB_PROC_REDIS, err, "CLUSTER FAILOVER")
                        : deploy_oob_command(d, host, SB_PROC_REDIS, err, "CLUSTER FAILOVER %s",
                                             mode == 1 ? "FORCE" : "TAKEOVER");
    if (!r)
        return -1;
    freeReplyObject(r);
    int64_t deadline = sb_now_ns() + 10 * SB_NS_PER_S;
    for (;;) {
        node_role nr;
        char e[SB_ERR_LEN];
        if (deploy_read_role(d, host, &nr, e) == 0 && strcmp(nr.role, "master") == 0)
            return 0;
        if (sb_now_ns() > deadline) {
            sb_err_set(err, "%s on %s: still not master after 10 s", cmd,
                       lab_host_name(d->lab, host));
            return -1;
        }
        sb_sleep_ns(DEPLOY_POLL_NS * 5);
    }
}

/* The masters with slots, and how many each owns, as host sees them. */
int deploy_cluster_masters_and_slots(sb_deploy *d, int host, int *masters, int *owned, int *n,
                                     char *err)
{
    sb_slot_map *map = sb_xcalloc(1, sizeof(*map));
    if (deploy_cluster_view(d, host, map, err) == -1) {
        free(map);
        return -1;
    }
    *n = 0;
    for (int i = 0; i < map->n_masters && *n < SB_MAX_HOSTS; i++) {
        int h = lab_host_by_addr(d->lab, map->masters[i].addr);
        if (h < 0)
            continue;
        masters[*n] = h;
        owned[*n] = 0;
        for (int sl = 0; sl < SB_CLUSTER_SLOTS; sl++)
            owned[*n] += sb_slot_map_owner(map, sl) == &map->masters[i];
        (*n)++;
    }
    free(map);
    return 0;
}

int deploy_cluster_masters(sb_deploy *d, int *hosts, int max, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int owned[SB_MAX_HOSTS], n, all[SB_MAX_HOSTS];
        char e[SB_ERR_LEN];
        if (!deploy_cluster_member(d, dep->redis.idx[i]) ||
            deploy_cluster_masters_and_slots(d, dep->redis.idx[i], all, owned, &n, e) == -1)
            continue;
        for (int k = 0; k < n && k < max; k++)
            hosts[k] = all[k];
        return n < max ? n : max;
    }
    sb_err_set(err, "no cluster node answered CLUSTER SLOTS");
    return -1;
}
