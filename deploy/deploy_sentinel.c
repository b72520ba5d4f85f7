/* deploy_sentinel.c -- the Sentinel deployment kind: one master, its
 * replicas and the sentinels that watch them. Its sentinel.conf files,
 * readiness (every replica acknowledges the master's writes, every
 * sentinel knows the others), convergence after faults, the current
 * master, and the sentinel membership the nemesis changes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy_internal.h"

/* The master's first full syncs start at once instead of after Redis's
 * default 5 s repl-diskless-sync-delay (which waits for more replicas);
 * once the deployment is ready the default is back, in the running master
 * and in its config file, so faults meet Redis's own behaviour. */
static int fast_first_sync(const sb_deploy *d, int host)
{
    const sb_deployment *dep = &d->s->deployment;
    if (dep->kind != SB_DEPLOY_SENTINEL || host != dep->master)
        return 0;
    for (size_t i = 0; i < dep->redis_config.n; i++)
        if (!strcmp(dep->redis_config.items[i].name, "repl-diskless-sync-delay"))
            return 0;
    return 1;
}

/* Sentinel's redis.conf lines: a fast first sync on the master, and
 * replicaof on the others. */
static void sentinel_redis_conf(const sb_deploy *d, int host, int startup, sb_buf *b)
{
    const sb_deployment *dep = &d->s->deployment;
    if (startup && fast_first_sync(d, host))
        sb_buf_printf(b, "repl-diskless-sync-delay 0\n");
    if (host != dep->master)
        sb_buf_printf(b, "replicaof %s %d\n", lab_host_addr(d->lab, dep->master), dep->redis_port);
}

/* A first sentinel's run id (40 hex digits): unique to the run and host. */
static void sentinel_id(const sb_deploy *d, int host, char id[41])
{
    unsigned long long h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)lab_run_id(d->lab); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    snprintf(id, 41, "%016llx%016llx%08x", h, h * 0x9e3779b97f4a7c15ULL, (unsigned)host + 1);
}

int deploy_write_sentinel_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                               char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    deploy_conf_header(&b, d, host, dep->sentinel_port, dir);
    sb_buf_printf(&b, "sentinel monitor %s %s %d %d\n", dep->master_name,
                  lab_host_addr(d->lab, d->monitor), dep->redis_port, dep->quorum);
    int first = 0;
    for (size_t i = 0; i < dep->sentinels.n; i++)
        first |= dep->sentinels.idx[i] == host;
    if (d->monitor == dep->master && first) {
        /* The first sentinels know the replicas the deployment starts with
         * and each other, as they would after their first INFO of the master
         * (up to 10 s later) and hello messages (2 s): ready sooner, same
         * state. Standby sentinels find all of it out themselves. */
        char id[41];
        sentinel_id(d, host, id);
        sb_buf_printf(&b, "sentinel myid %s\n", id);
        for (size_t i = 0; i < dep->redis.n; i++)
            if (dep->redis.idx[i] != dep->master)
                sb_buf_printf(&b, "sentinel known-replica %s %s %d\n", dep->master_name,
                              lab_host_addr(d->lab, dep->redis.idx[i]), dep->redis_port);
        for (size_t i = 0; i < dep->sentinels.n; i++)
            if (dep->sentinels.idx[i] != host) {
                sentinel_id(d, dep->sentinels.idx[i], id);
                sb_buf_printf(&b, "sentinel known-sentinel %s %s %d %s\n", dep->master_name,
                              lab_host_addr(d->lab, dep->sentinels.idx[i]), dep->sentinel_port, id);
            }
    }
    deploy_conf_directives(&b, &dep->sentinel_config, dep->master_name);
    snprintf(path, pathlen, "%s/sentinel.conf", dir);
    int rc = sb_write_file(path, b.data, b.len, err);
    sb_buf_free(&b);
    return rc;
}

/* A replica whose link is up after a diskless full sync gets the master's
 * stream only after its first REPLCONF ACK (up to a second later): until
 * then its reads are stale however healthy the network. Ready means every
 * replica acknowledged a write: PUBLISH (propagated, no key) and WAIT. */
static int replication_flows(sb_deploy *d, int64_t deadline, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    long long want = (long long)dep->redis.n - 1;
    if (want <= 0)
        return 0;
    char e[SB_ERR_LEN] = "";
    long long got = -1;
    for (;;) {
        redisReply *r =
            deploy_oob_command(d, dep->master, SB_PROC_REDIS, e, "PUBLISH splitbrain:ready 1");
        if (r)
            freeReplyObject(r);
        r = deploy_oob_command(d, dep->master, SB_PROC_REDIS, e, "WAIT %lld 500", want);
        if (r && r->type == REDIS_REPLY_INTEGER)
            got = r->integer;
        else if (r && r->type == REDIS_REPLY_ERROR)
            snprintf(e, sizeof(e), "%s", r->str);
        if (r)
            freeReplyObject(r);
        if (got >= want)
            return 0;
        if (sb_now_ns() > deadline) {
            sb_err_set(err,
                       "deployment not ready: %lld of %lld replicas acknowledge the "
                       "master's writes%s%s",
                       got < 0 ? 0 : got, want, e[0] ? ": " : "", e);
            return -1;
        }
    }
}

/* Ready: the master's repl-diskless-sync-delay back to Redis's default. */
static int restore_sync_delay(sb_deploy *d, const char *run_dir, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    char e[SB_ERR_LEN];
    redisReply *r = deploy_oob_command(d, dep->master, SB_PROC_REDIS, e,
                                       "CONFIG SET repl-diskless-sync-delay 5");
    if (!r || r->type == REDIS_REPLY_ERROR) {
        sb_err_set(err, "deployment failed to start: CONFIG SET repl-diskless-sync-delay on %s: %s",
                   lab_host_name(d->lab, dep->master), r ? r->str : e);
        if (r)
            freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    char dir[4096], conf[4200];
    deploy_node_dir(run_dir, lab_host_name(d->lab, dep->master), "redis", dir, sizeof(dir));
    return deploy_write_redis_conf(d, dep->master, dir, conf, sizeof(conf), 0, err);
}

/* Readiness: the master has every replica, every replica's link is up,
 * and every sentinel knows every replica and every other sentinel. */
static int sentinel_ready_once(sb_deploy *d, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        node_role nr;
        if (deploy_read_role(d, h, &nr, why) == -1)
            return 0;
        if (h == dep->master && nr.n_replicas != (int)dep->redis.n - 1) {
            sb_err_set(why, "master %s has %d of %zu replicas", lab_host_name(d->lab, h),
                       nr.n_replicas, dep->redis.n - 1);
            return 0;
        }
        if (h != dep->master && strcmp(nr.state, "connected") != 0) {
            sb_err_set(why, "replica %s link is %s", lab_host_name(d->lab, h),
                       nr.state[0] ? nr.state : nr.role);
            return 0;
        }
    }
    int n_active = deploy_sentinel_count(d);
    for (size_t i = 0; i < dep->sentinels.n; i++) {
        int h = dep->sentinels.idx[i];
        if (!lab_proc_running(d->sentinel[h])) {
            return deploy_start_failure(d, h, SB_PROC_SENTINEL, why);
        }
        redisReply *r =
            deploy_oob_command(d, h, SB_PROC_SENTINEL, why, "SENTINEL master %s", dep->master_name);
        if (!r)
            return 0;
        const char *slaves = deploy_flat_field(r, "num-slaves");
        const char *others = deploy_flat_field(r, "num-other-sentinels");
        int ok = slaves && others && atoi(slaves) == (int)dep->redis.n - 1 &&
                 atoi(others) == n_active - 1;
        if (!ok)
            sb_err_set(why, "sentinel on %s knows %s replicas and %s other sentinels",
                       lab_host_name(d->lab, h), slaves ? slaves : "?", others ? others : "?");
        freeReplyObject(r);
        if (!ok)
            return 0;
    }
    return 1;
}

/* Once ready: every replica acknowledges the master's writes, and the
 * master's first-sync delay is back to Redis's default. */
static int sentinel_settle(sb_deploy *d, int64_t deadline, char *err)
{
    if (replication_flows(d, deadline, err) == -1)
        return -1;
    if (fast_first_sync(d, d->s->deployment.master) && restore_sync_delay(d, d->run_dir, err) == -1)
        return -1;
    return 0;
}

/* Converged: every sentinel names the same master, that node says it is
 * master, and every other node is its replica, link up, at the offset the
 * master had when first seen. */
static int sentinel_converged_once(sb_deploy *d, deploy_converge *cs, sb_topology *topo, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    int master = -1;
    for (int h = 0; h < (int)d->s->n_hosts; h++) {
        if (!d->active[h])
            continue;
        redisReply *r = deploy_oob_command(d, h, SB_PROC_SENTINEL, why,
                                           "SENTINEL get-master-addr-by-name %s", dep->master_name);
        if (!r)
            return 0;
        int m = -1;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2)
            m = lab_host_by_addr(d->lab, r->element[0]->str);
        freeReplyObject(r);
        if (m < 0 || (master >= 0 && m != master)) {
            sb_err_set(why, "sentinels disagree on the master");
            return 0;
        }
        master = m;
    }
    node_role mr;
    if (deploy_read_role(d, master, &mr, why) == -1)
        return 0;
    if (strcmp(mr.role, "master") != 0) {
        sb_err_set(why, "sentinels name %s as master but it is a %s", lab_host_name(d->lab, master),
                   mr.role);
        return 0;
    }
    if (cs->master != master) {
        cs->master = master;
        cs->target = mr.offset;
    }
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "{\"master\":");
    sb_buf_json_string(&b, lab_host_name(d->lab, master));
    sb_buf_puts(&b, ",\"replicas\":[");
    int n = 0, ok = 1;
    for (size_t i = 0; i < dep->redis.n && ok; i++) {
        int h = dep->redis.idx[i];
        if (h == master)
            continue;
        node_role nr;
        if (deploy_read_role(d, h, &nr, why) == -1) {
            ok = 0;
            break;
        }
        if (strcmp(nr.role, "slave") != 0 ||
            strcmp(nr.master_addr, lab_host_addr(d->lab, master)) != 0 ||
            strcmp(nr.state, "connected") != 0 || nr.offset < cs->target) {
            sb_err_set(why, "%s is %s of %s, link %s, offset %lld of %lld",
                       lab_host_name(d->lab, h), nr.role, nr.master_addr[0] ? nr.master_addr : "-",
                       nr.state[0] ? nr.state : "-", nr.offset, cs->target);
            ok = 0;
            break;
        }
        sb_buf_puts(&b, n++ ? "," : "");
        sb_buf_json_string(&b, lab_host_name(d->lab, h));
    }
    sb_buf_puts(&b, "]}");
    if (ok) {
        topo->master = master;
        snprintf(topo->json, sizeof(topo->json), "%s", b.data);
    }
    sb_buf_free(&b);
    return ok;
}

/* The one node that says it is master; with several, the one most
 * sentinels name. */
static int sentinel_current_master(sb_deploy *d, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    int masters[SB_MAX_HOSTS], n = 0;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        if (!d->redis[h] || !lab_proc_running(d->redis[h]))
            continue;
        node_role nr;
        char e[SB_ERR_LEN];
        if (deploy_read_role(d, h, &nr, e) == 0 && strcmp(nr.role, "master") == 0)
            masters[n++] = h;
    }
    if (n == 1)
        return masters[0];
    if (n == 0) {
        sb_err_set(err, "no redis node says it is master");
        return -1;
    }
    /* Two masters (a split brain): the one most sentinels name. */
    int votes[SB_MAX_HOSTS] = {0}, best = masters[0];
    for (int h = 0; h < (int)d->s->n_hosts; h++) {
        if (!d->active[h])
            continue;
        char e[SB_ERR_LEN];
        redisReply *r = deploy_oob_command(d, h, SB_PROC_SENTINEL, e,
                                           "SENTINEL get-master-addr-by-name %s", dep->master_name);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            int m = lab_host_by_addr(d->lab, r->element[0]->str);
            if (m >= 0)
                votes[m]++;
        }
        if (r)
            freeReplyObject(r);
    }
    for (int i = 0; i < n; i++)
        if (votes[masters[i]] > votes[best])
            best = masters[i];
    return best;
}

const deploy_kind_impl deploy_sentinel_kind = {
    .redis_conf = sentinel_redis_conf,
    .ready_once = sentinel_ready_once,
    .settle = sentinel_settle,
    .converged_once = sentinel_converged_once,
    .current_master = sentinel_current_master,
};

/* ====== Sentinel membership ====== */

int deploy_sentinel_count(const sb_deploy *d)
{
    int n = 0;
    for (int h = 0; h < SB_MAX_HOSTS; h++)
        n += d->active[h];
    return n;
}

int deploy_sentinel_active(const sb_deploy *d, int host)
{
    return host >= 0 && host < SB_MAX_HOSTS && d->active[host];
}

int deploy_sentinel_start(sb_deploy *d, int host, char *err)
{
    if (d->active[host]) {
        sb_err_set(err, "a sentinel already runs on %s", lab_host_name(d->lab, host));
        return -1;
    }
    char e[SB_ERR_LEN];
    int m = deploy_current_master(d, e);
    d->monitor = m >= 0 ? m : d->s->deployment.master;
    if (deploy_start_node(d, host, SB_PROC_SENTINEL, d->run_dir, d->redis_server, err) == -1)
        return -1;
    d->active[host] = 1;
    return 0;
}

int deploy_sentinel_stop(sb_deploy *d, int host, char *err)
{
    if (!d->active[host] || !d->sentinel[host]) {
        sb_err_set(err, "no sentinel runs on %s", lab_host_name(d->lab, host));
        return -1;
    }
    if (lab_proc_stop(d->sentinel[host], SB_NS_PER_S, err) == -1)
        return -1;
    d->active[host] = 0;
    return 0;
}

int deploy_sentinel_reset(sb_deploy *d, int host, char *err)
{
    redisReply *r = deploy_oob_command(d, host, SB_PROC_SENTINEL, err, "SENTINEL RESET *");
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

void deploy_sentinel_views(sb_deploy *d, int64_t timeout_ns, sb_buf *out)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf_puts(out, "{");
    int first = 1;
    for (int h = 0; h < (int)d->s->n_hosts; h++) {
        if (!d->active[h])
            continue;
        sb_buf_puts(out, first ? "" : ",");
        first = 0;
        sb_buf_json_string(out, lab_host_name(d->lab, h));
        char e[SB_ERR_LEN];
        redisContext *c = deploy_connect_oob(d, h, SB_PROC_SENTINEL, timeout_ns, e);
        redisReply *r = c ? redisCommand(c, "SENTINEL master %s", dep->master_name) : NULL;
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            sb_buf_puts(out, ":null"); /* paused, killed or not answering */
        } else {
            const char *ip = deploy_flat_field(r, "ip");
            const char *others = deploy_flat_field(r, "num-other-sentinels");
            const char *epoch = deploy_flat_field(r, "config-epoch");
            const char *flags = deploy_flat_field(r, "flags");
            int m = ip ? lab_host_by_addr(d->lab, ip) : -1;
            sb_buf_puts(out, ":{\"master\":");
            sb_buf_json_string(out, m >= 0 ? lab_host_name(d->lab, m) : (ip ? ip : "?"));
            sb_buf_printf(out, ",\"known_sentinels\":%d,\"epoch\":%lld,\"flags\":",
                          others ? atoi(others) + 1 : 0, epoch ? atoll(epoch) : 0LL);
            sb_buf_json_string(out, flags ? flags : "");
            sb_buf_puts(out, "}");
        }
        if (r)
            freeReplyObject(r);
        if (c)
            redisFree(c);
    }
    sb_buf_puts(out, "}");
}

int deploy_sentinels_agree(sb_deploy *d, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    int n = deploy_sentinel_count(d);
    for (int h = 0; h < (int)d->s->n_hosts; h++) {
        if (!d->active[h])
            continue;
        redisReply *r =
            deploy_oob_command(d, h, SB_PROC_SENTINEL, why, "SENTINEL master %s", dep->master_name);
        if (!r)
            return 0;
        const char *others = deploy_flat_field(r, "num-other-sentinels");
        int ok = others && atoi(others) == n - 1;
        if (!ok)
            sb_err_set(why, "sentinel on %s knows %s of %d other sentinels",
                       lab_host_name(d->lab, h), others ? others : "?", n - 1);
        freeReplyObject(r);
        if (!ok)
            return 0;
    }
    return 1;
}
