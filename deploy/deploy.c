/* deploy.c -- start a Sentinel deployment in a lab, wait for it to be
 * ready, and wait for it to converge after faults. */
#define _GNU_SOURCE
#include "deploy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "clockctl.h"
#include "cluster_slots.h"

#include "deploy_internal.h"

/* Does any fault of the scenario (fixed or drawn at random) change clocks? */
static int scenario_has_clock_faults(const sb_scenario *s)
{
    for (size_t i = 0; i < s->n_fixed; i++)
        if (s->fixed[i].kind == SB_FAULT_CLOCK)
            return 1;
    for (size_t g = 0; g < s->n_generators; g++)
        for (size_t i = 0; i < s->generators[g].n_templates; i++)
            if (s->generators[g].templates[i].kind == SB_FAULT_CLOCK)
                return 1;
    return 0;
}

/* Sentinel directives that belong to one monitored master and so take the
 * form "sentinel <directive> <master-name> <value>". */
static const char *const per_master_directives[] = {
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
    "auth-pass",
    "auth-user",
    "notification-script",
    "client-reconfig-script",
    "rename-command",
    "master-reboot-down-after-period",
};

static int is_per_master(const char *name)
{
    for (size_t i = 0; i < sizeof(per_master_directives) / sizeof(per_master_directives[0]); i++)
        if (strcmp(per_master_directives[i], name) == 0)
            return 1;
    return 0;
}

static void node_dir(const char *run_dir, const char *host, const char *kind, char *out, size_t len)
{
    snprintf(out, len, "%s/nodes/%s/%s", run_dir, host, kind);
}

void deploy_conf_directives(sb_buf *b, const sb_config *cfg, const char *master_name)
{
    for (size_t i = 0; i < cfg->n; i++) {
        const sb_directive *d = &cfg->items[i];
        /* An empty value ("save": "") must reach Redis as "" to mean empty. */
        const char *v = d->value[0] ? d->value : "\"\"";
        if (master_name && is_per_master(d->name))
            sb_buf_printf(b, "sentinel %s %s %s\n", d->name, master_name, v);
        else
            sb_buf_printf(b, "%s %s\n", d->name, v);
    }
}

/* What every node's config starts with: its port and addresses (the host
 * address for peers, loopback for the controller), no daemon, logs to
 * stdout (the lab sends it to the node's log file). */
static void conf_header(sb_buf *b, const sb_deploy *d, int host, int port, const char *dir)
{
    sb_buf_printf(b,
                  "# written by splitbrain for host %s\n"
                  "port %d\nbind %s 127.0.0.1\nprotected-mode no\ndaemonize no\n"
                  "dir ",
                  lab_host_name(d->lab, host), port, lab_host_addr(d->lab, host));
    sb_buf_conf_value(b, dir); /* the run folder may hold spaces */
    sb_buf_puts(b, "\nlogfile \"\"\n");
}

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

static int write_redis_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                            int startup, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    conf_header(&b, d, host, dep->redis_port, dir);
    if (startup && fast_first_sync(d, host))
        sb_buf_printf(&b, "repl-diskless-sync-delay 0\n");
    if (dep->kind == SB_DEPLOY_CLUSTER)
        sb_buf_printf(&b,
                      "cluster-enabled yes\ncluster-config-file nodes.conf\n"
                      "cluster-node-timeout %lld\n",
                      (long long)(dep->cluster_node_timeout_ns / SB_NS_PER_MS));
    if (host != dep->master && dep->kind == SB_DEPLOY_SENTINEL)
        sb_buf_printf(&b, "replicaof %s %d\n", lab_host_addr(d->lab, dep->master), dep->redis_port);
    deploy_conf_directives(&b, &dep->redis_config, NULL);
    snprintf(path, pathlen, "%s/redis.conf", dir);
    int rc = sb_write_file(path, b.data, b.len, err);
    sb_buf_free(&b);
    return rc;
}

/* A first sentinel's run id (40 hex digits): unique to the run and host. */
static void sentinel_id(const sb_deploy *d, int host, char id[41])
{
    unsigned long long h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)lab_run_id(d->lab); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    snprintf(id, 41, "%016llx%016llx%08x", h, h * 0x9e3779b97f4a7c15ULL, (unsigned)host + 1);
}

static int write_sentinel_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                               char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    conf_header(&b, d, host, dep->sentinel_port, dir);
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
    node_dir(run_dir, lab_host_name(d->lab, dep->master), "redis", dir, sizeof(dir));
    return write_redis_conf(d, dep->master, dir, conf, sizeof(conf), 0, err);
}

static int start_node(sb_deploy *d, int host, sb_proc_kind kind, const char *run_dir,
                      const char *redis_server, char *err)
{
    const char *kname = kind == SB_PROC_REDIS ? "redis" : "sentinel";
    char dir[4096], conf[4200], log[4200];
    node_dir(run_dir, lab_host_name(d->lab, host), kname, dir, sizeof(dir));
    if (sb_mkdir_p(dir, err) == -1)
        return -1;
    int rc = kind == SB_PROC_REDIS ? write_redis_conf(d, host, dir, conf, sizeof(conf), 1, err)
                                   : write_sentinel_conf(d, host, dir, conf, sizeof(conf), err);
    if (rc == -1)
        return -1;
    snprintf(log, sizeof(log), "%s/%s.log", dir, kname);
    char *argv[] = {(char *)redis_server, conf, kind == SB_PROC_SENTINEL ? "--sentinel" : NULL,
                    NULL};
    char *env[3] = {NULL, NULL, NULL};
    char preload[4200], ctl[4200];
    if (d->shim[0]) {
        /* Every node of a run with clock faults runs under the shim, with
         * its own control file (offset 0 until a fault changes it). */
        char path[4096];
        snprintf(path, sizeof(path), "%s/clock-%s-%s", lab_runtime_dir(d->lab),
                 lab_host_name(d->lab, host), kname);
        sb_clockctl *c = clockctl_create(path, err);
        if (!c)
            return -1;
        d->clock[host][kind] = c;
        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", d->shim);
        snprintf(ctl, sizeof(ctl), "SB_CLOCK_CTL=%s", path);
        env[0] = preload;
        env[1] = ctl;
    }
    sb_proc *p = lab_spawn_env(d->lab, host, argv, env, dir, log, err);
    if (!p)
        return -1;
    if (kind == SB_PROC_REDIS)
        d->redis[host] = p;
    else
        d->sentinel[host] = p;
    return 0;
}

/* ====== The origin service (cache workload) ====== */

/* 1 when something accepts on 127.0.0.1:port in host's namespace. */
static int port_open(const sb_deploy *d, int host, int port)
{
    char err[SB_ERR_LEN];
    redisContext *c = NULL;
    const char *addr;
    if (lab_oob_enter(d->lab, host, &addr, err) == -1)
        return 0;
    c = client_connect(addr, port, 200 * SB_NS_PER_MS, 200 * SB_NS_PER_MS, err, SB_ERR_LEN);
    lab_oob_leave(d->lab, err);
    if (c)
        redisFree(c);
    return c != NULL;
}

/* `splitbrain origin` (this very binary) on the origin host, and with the
 * mediator strategy `splitbrain mediator` in front of it; both answer
 * before this returns. Their logs go to nodes/<host>/origin/. */
static int start_origin(sb_deploy *d, const char *run_dir, char *err)
{
    const sb_origin_spec *o = &d->s->origin;
    char self[4096], dir[4096], log[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        sb_err_set(err, "cannot find the splitbrain binary to start the origin: %s",
                   strerror(errno));
        return -1;
    }
    self[n] = '\0';
    node_dir(run_dir, lab_host_name(d->lab, o->host), "origin", dir, sizeof(dir));
    if (sb_mkdir_p(dir, err) == -1)
        return -1;
    char listen[64], lat[32], jit[32], cap[16], seed[32], mlisten[64], upstream[96];
    snprintf(listen, sizeof(listen), "0.0.0.0:%d", o->port);
    snprintf(lat, sizeof(lat), "%lldus", (long long)(o->latency_ns / 1000));
    snprintf(jit, sizeof(jit), "%lldus", (long long)(o->jitter_ns / 1000));
    snprintf(cap, sizeof(cap), "%d", o->capacity);
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)d->s->seed);
    char *argv[] = {self,         "origin", "--listen",   listen,
                    "--latency",  lat,      "--jitter",   jit,
                    "--capacity", cap,      "--overload", o->overload_503 ? "503" : "slow",
                    "--seed",     seed,     NULL};
    snprintf(log, sizeof(log), "%s/origin.log", dir);
    if (!(d->origin = lab_spawn(d->lab, o->host, argv, dir, log, err)))
        return -1;
    int mediator =
        d->s->workload.cache.strategy == SB_CACHE_MEDIATOR && !strcmp(d->s->workload.kind, "cache");
    if (mediator) {
        snprintf(mlisten, sizeof(mlisten), "0.0.0.0:%d", o->port + 1);
        snprintf(upstream, sizeof(upstream), "http://127.0.0.1:%d", o->port);
        char *margv[] = {self, "mediator", "--listen", mlisten, "--origin", upstream, NULL};
        snprintf(log, sizeof(log), "%s/mediator.log", dir);
        if (!(d->mediator = lab_spawn(d->lab, o->host, margv, dir, log, err)))
            return -1;
    }
    int64_t deadline = sb_now_ns() + SB_SERVICE_START_TIMEOUT_NS;
    while (!port_open(d, o->host, o->port) || (mediator && !port_open(d, o->host, o->port + 1))) {
        if (!lab_proc_running(d->origin) || (d->mediator && !lab_proc_running(d->mediator)) ||
            sb_now_ns() > deadline) {
            sb_err_set(err, "the origin service on %s did not start; see %s/origin.log",
                       lab_host_name(d->lab, o->host), dir);
            return -1;
        }
        sb_sleep_ns(DEPLOY_POLL_NS);
    }
    return 0;
}

redisContext *deploy_connect_oob(const sb_deploy *d, int host, sb_proc_kind kind,
                                 int64_t timeout_ns, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    int port = kind == SB_PROC_REDIS ? dep->redis_port : dep->sentinel_port;
    const char *addr;
    if (lab_oob_enter(d->lab, host, &addr, err) == -1)
        return NULL;
    redisContext *rc = client_connect(addr, port, timeout_ns, timeout_ns, err, SB_ERR_LEN);
    char lerr[SB_ERR_LEN];
    if (lab_oob_leave(d->lab, lerr) == -1) {
        /* A thread stuck in a host namespace would open later sockets in the
         * wrong place: treat it as fatal for this call. */
        if (rc)
            redisFree(rc);
        sb_err_set(err, "%s", lerr);
        return NULL;
    }
    return rc;
}

/* ====== Reading replies ====== */

/* Finds a field in a flat [name, value, name, value ...] array reply. */
static const char *flat_field(const redisReply *r, const char *name)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, name) == 0 &&
            r->element[i + 1]->type == REDIS_REPLY_STRING)
            return r->element[i + 1]->str;
    return NULL;
}

redisReply *deploy_oob_command(const sb_deploy *d, int host, sb_proc_kind kind, char *err,
                               const char *fmt, ...)
{
    redisContext *rc = deploy_connect_oob(d, host, kind, DEPLOY_OOB_TIMEOUT_NS, err);
    if (!rc)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(rc, fmt, ap);
    va_end(ap);
    if (!r)
        sb_err_set(err, "%s %s on %s: %s", kind == SB_PROC_REDIS ? "redis" : "sentinel", fmt,
                   lab_host_name(d->lab, host), rc->errstr);
    else if (r->type == REDIS_REPLY_ERROR) {
        sb_err_set(err, "%s on %s: %s", fmt, lab_host_name(d->lab, host), r->str);
        freeReplyObject(r);
        r = NULL;
    }
    redisFree(rc);
    return r;
}

int deploy_read_role(const sb_deploy *d, int host, node_role *nr, char *err)
{
    memset(nr, 0, sizeof(*nr));
    redisReply *r = deploy_oob_command(d, host, SB_PROC_REDIS, err, "ROLE");
    if (!r)
        return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
        r->element[0]->type == REDIS_REPLY_STRING) {
        snprintf(nr->role, sizeof(nr->role), "%s", r->element[0]->str);
        if (strcmp(nr->role, "master") == 0) {
            nr->offset = r->element[1]->integer;
            const redisReply *reps = r->element[2];
            nr->n_replicas = (int)reps->elements;
            nr->min_replica_offset = -1;
            for (size_t i = 0; i < reps->elements; i++) {
                const redisReply *e = reps->element[i];
                if (e->type != REDIS_REPLY_ARRAY || e->elements < 3)
                    continue;
                long long off = atoll(e->element[2]->str);
                if (nr->min_replica_offset < 0 || off < nr->min_replica_offset)
                    nr->min_replica_offset = off;
            }
            rc = 0;
        } else if (strcmp(nr->role, "slave") == 0 && r->elements >= 5) {
            snprintf(nr->master_addr, sizeof(nr->master_addr), "%s", r->element[1]->str);
            snprintf(nr->state, sizeof(nr->state), "%s", r->element[3]->str);
            nr->offset = r->element[4]->integer;
            rc = 0;
        } else {
            rc = 0; /* sentinel or unknown role: caller decides */
        }
    }
    if (rc == -1)
        sb_err_set(err, "ROLE on %s: unexpected reply", lab_host_name(d->lab, host));
    freeReplyObject(r);
    return rc;
}

/* ====== Readiness ====== */

/* A node exited while the deployment started: the error quotes the
 * server's own reason from its log and gives the log's path as the user
 * would type it. Returns -1. */
static int start_failure(const sb_deploy *d, int host, sb_proc_kind kind, char *why)
{
    const char *kn = kind == SB_PROC_REDIS ? "redis" : "sentinel";
    char path[4400], shown[4400], reason[400] = "", rerr[SB_ERR_LEN];
    snprintf(path, sizeof(path), "%s/nodes/%s/%s/%s.log", d->run_dir, lab_host_name(d->lab, host),
             kn, kn);
    sb_path_shown(path, shown, sizeof(shown));
    char *log = sb_read_file(path, NULL, rerr);
    if (log)
        deploy_exit_reason(log, reason, sizeof(reason));
    free(log);
    sb_err_set(why, "%s on %s exited during start-up%s%s; log: %s",
               kind == SB_PROC_REDIS ? "redis-server" : "sentinel", lab_host_name(d->lab, host),
               reason[0] ? ": " : "", reason, shown);
    return -1;
}

/* One check of every start-up condition; 1 when all hold, 0 when not yet
 * (why says what is missing), -1 on a hard error (a process died). */
static int ready_once(sb_deploy *d, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    if (dep->kind == SB_DEPLOY_CLUSTER) {
        for (size_t i = 0; i < dep->redis.n; i++)
            if (!lab_proc_running(d->redis[dep->redis.idx[i]])) {
                return start_failure(d, dep->redis.idx[i], SB_PROC_REDIS, why);
            }
        sb_topology topo;
        return deploy_cluster_ok_once(d, &topo, why);
    }
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        if (!lab_proc_running(d->redis[h])) {
            return start_failure(d, h, SB_PROC_REDIS, why);
        }
        node_role nr;
        if (deploy_read_role(d, h, &nr, why) == -1)
            return 0;
        if (dep->kind == SB_DEPLOY_INDEPENDENT) {
            if (strcmp(nr.role, "master") != 0) {
                sb_err_set(why, "%s is a %s, not a master", lab_host_name(d->lab, h), nr.role);
                return 0;
            }
            continue;
        }
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
            return start_failure(d, h, SB_PROC_SENTINEL, why);
        }
        redisReply *r =
            deploy_oob_command(d, h, SB_PROC_SENTINEL, why, "SENTINEL master %s", dep->master_name);
        if (!r)
            return 0;
        const char *slaves = flat_field(r, "num-slaves");
        const char *others = flat_field(r, "num-other-sentinels");
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

sb_deploy *deploy_start(sb_lab *lab, const sb_scenario *s, const char *run_dir,
                        const char *redis_server, char *err)
{
    sb_deploy *d = calloc(1, sizeof(*d));
    d->lab = lab;
    d->s = s;
    snprintf(d->run_dir, sizeof(d->run_dir), "%s", run_dir);
    snprintf(d->redis_server, sizeof(d->redis_server), "%s", redis_server);
    const sb_deployment *dep = &s->deployment;
    d->monitor = dep->master;
    for (size_t i = 0; i < dep->sentinels.n; i++)
        d->active[dep->sentinels.idx[i]] = 1;
    if (scenario_has_clock_faults(s) && clockctl_shim_path(d->shim, sizeof(d->shim), err) == -1)
        goto fail;
    /* The master first, so replicas find it; sentinels last. */
    if (start_node(d, dep->master, SB_PROC_REDIS, run_dir, redis_server, err) == -1)
        goto fail;
    for (size_t i = 0; i < dep->redis.n; i++)
        if (dep->redis.idx[i] != dep->master &&
            start_node(d, dep->redis.idx[i], SB_PROC_REDIS, run_dir, redis_server, err) == -1)
            goto fail;
    for (size_t i = 0; i < dep->sentinels.n; i++)
        if (start_node(d, dep->sentinels.idx[i], SB_PROC_SENTINEL, run_dir, redis_server, err) ==
            -1)
            goto fail;

    if (dep->kind == SB_DEPLOY_CLUSTER) {
        /* Every node must answer before the MEETs. */
        int64_t until = sb_now_ns() + dep->ready_timeout_ns;
        for (size_t i = 0; i < dep->redis.n; i++) {
            node_role nr;
            char e[SB_ERR_LEN];
            while (deploy_read_role(d, dep->redis.idx[i], &nr, e) == -1) {
                if (sb_now_ns() > until || !lab_proc_running(d->redis[dep->redis.idx[i]])) {
                    sb_err_set(err, "deployment failed to start: %s", e);
                    goto fail;
                }
                sb_sleep_ns(DEPLOY_POLL_NS);
            }
        }
        if (deploy_cluster_bootstrap(d, err) == -1)
            goto fail;
    }
    int64_t deadline = sb_now_ns() + dep->ready_timeout_ns;
    char why[SB_ERR_LEN] = "";
    for (;;) {
        int r = ready_once(d, why);
        if (r == 1)
            break;
        if (r == -1) {
            sb_err_set(err, "deployment failed to start: %s", why);
            goto fail;
        }
        if (sb_now_ns() > deadline) {
            char t[32];
            sb_format_duration(dep->ready_timeout_ns, t, sizeof(t));
            sb_err_set(err, "deployment not ready after %s: %s", t, why);
            goto fail;
        }
        sb_sleep_ns(DEPLOY_POLL_NS);
    }
    if (dep->kind == SB_DEPLOY_SENTINEL && replication_flows(d, deadline, err) == -1)
        goto fail;
    if (fast_first_sync(d, dep->master) && restore_sync_delay(d, run_dir, err) == -1)
        goto fail;
    if (s->origin.host >= 0 && start_origin(d, run_dir, err) == -1)
        goto fail;
    return d;
fail:
    if (d->origin) {
        char ignored[SB_ERR_LEN];
        lab_proc_kill(d->origin, ignored);
        if (d->mediator)
            lab_proc_kill(d->mediator, ignored);
    }
    for (int h = 0; h < SB_MAX_HOSTS; h++) {
        char ignored[SB_ERR_LEN];
        if (d->redis[h])
            lab_proc_kill(d->redis[h], ignored);
        if (d->sentinel[h])
            lab_proc_kill(d->sentinel[h], ignored);
    }
    deploy_free(d);
    return NULL;
}

void deploy_free(sb_deploy *d)
{
    if (!d)
        return;
    for (int h = 0; h < SB_MAX_HOSTS; h++)
        for (int k = 0; k < 2; k++)
            clockctl_close(d->clock[h][k], 1);
    free(d);
}

sb_clockctl *deploy_clock(sb_deploy *d, int host, sb_proc_kind kind)
{
    if (host < 0 || host >= SB_MAX_HOSTS || kind > SB_PROC_SENTINEL)
        return NULL;
    return d->clock[host][kind];
}

sb_proc *deploy_proc(sb_deploy *d, int host, sb_proc_kind kind)
{
    if (host < 0 || host >= SB_MAX_HOSTS)
        return NULL;
    if (kind == SB_PROC_ORIGIN)
        return d->origin && host == d->s->origin.host ? d->origin : NULL;
    return kind == SB_PROC_REDIS ? d->redis[host] : d->sentinel[host];
}

/* ====== Convergence ====== */

typedef struct converge_state {
    int master;       /* the master of the previous check, -1 none */
    long long target; /* the master's offset when it was first seen */
} converge_state;

/* Independent masters: converged when every one answers as a master. */
static int independent_converged(sb_deploy *d, sb_topology *topo, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "{\"master\":");
    sb_buf_json_string(&b, lab_host_name(d->lab, dep->master));
    sb_buf_puts(&b, ",\"masters\":[");
    int ok = 1;
    for (size_t i = 0; i < dep->redis.n && ok; i++) {
        int h = dep->redis.idx[i];
        node_role nr;
        if (deploy_read_role(d, h, &nr, why) == -1) {
            ok = 0;
        } else if (strcmp(nr.role, "master") != 0) {
            sb_err_set(why, "%s is a %s, not a master", lab_host_name(d->lab, h), nr.role);
            ok = 0;
        } else {
            sb_buf_puts(&b, i ? "," : "");
            sb_buf_json_string(&b, lab_host_name(d->lab, h));
        }
    }
    sb_buf_puts(&b, "]}");
    if (ok) {
        topo->master = dep->master;
        snprintf(topo->json, sizeof(topo->json), "%s", b.data);
    }
    sb_buf_free(&b);
    return ok;
}

static int converged_once(sb_deploy *d, converge_state *cs, sb_topology *topo, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    if (dep->kind == SB_DEPLOY_INDEPENDENT)
        return independent_converged(d, topo, why);
    if (dep->kind == SB_DEPLOY_CLUSTER)
        return deploy_cluster_ok_once(d, topo, why);
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

int deploy_await_converged(sb_deploy *d, int64_t timeout_ns, sb_topology *topo, char *err)
{
    return deploy_await_converged_watch(d, timeout_ns, topo, NULL, NULL, err);
}

int deploy_await_converged_watch(sb_deploy *d, int64_t timeout_ns, sb_topology *topo,
                                 void (*progress)(void *arg, const char *why), void *arg, char *err)
{
    converge_state cs = {.master = -1, .target = 0};
    int64_t deadline = sb_now_ns() + timeout_ns;
    char why[SB_ERR_LEN] = "";
    for (;;) {
        if (converged_once(d, &cs, topo, why) == 1)
            return 0;
        if (progress)
            progress(arg, why);
        if (sb_now_ns() > deadline) {
            char t[32];
            sb_format_duration(timeout_ns, t, sizeof(t));
            sb_err_set(err, "not converged after %s: %s", t, why);
            return -1;
        }
        sb_sleep_ns(DEPLOY_POLL_NS * 5);
    }
}

/* ====== Current master and sentinel membership ====== */

int deploy_current_master(sb_deploy *d, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    if (dep->kind == SB_DEPLOY_INDEPENDENT)
        return dep->master; /* the primary: every node is a master */
    if (dep->kind == SB_DEPLOY_CLUSTER)
        return deploy_cluster_slot0_master(d, err);
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
    if (start_node(d, host, SB_PROC_SENTINEL, d->run_dir, d->redis_server, err) == -1)
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
            const char *ip = flat_field(r, "ip");
            const char *others = flat_field(r, "num-other-sentinels");
            const char *epoch = flat_field(r, "config-epoch");
            const char *flags = flat_field(r, "flags");
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

void deploy_redis_roles(sb_deploy *d, int64_t timeout_ns, sb_buf *out)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf_puts(out, "{");
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        sb_buf_puts(out, i ? "," : "");
        sb_buf_json_string(out, lab_host_name(d->lab, h));
        if (dep->kind == SB_DEPLOY_CLUSTER && !deploy_cluster_member(d, h)) {
            sb_buf_puts(out, ":\"spare\""); /* outside the cluster */
            continue;
        }
        char e[SB_ERR_LEN];
        /* No lab_proc_running() here: it reaps, and this runs beside the
         * nemesis thread that kills and restarts. A dead node refuses. */
        redisContext *c = deploy_connect_oob(d, h, SB_PROC_REDIS, timeout_ns, e);
        redisReply *r = c ? redisCommand(c, "ROLE") : NULL;
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
            r->element[0]->type == REDIS_REPLY_STRING) {
            sb_buf_puts(out, ":");
            sb_buf_json_string(out, r->element[0]->str);
        } else {
            sb_buf_puts(out, ":null");
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
        const char *others = flat_field(r, "num-other-sentinels");
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
