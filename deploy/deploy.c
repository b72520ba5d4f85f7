/* deploy.c -- start a deployment in a lab, wait for it to be ready, and
 * wait for it to converge after faults: what every kind shares (configs,
 * node processes, out-of-band commands), with each kind's own steps in
 * its table (deploy_sentinel.c, deploy_independent.c, deploy_cluster.c). */

#define _GNU_SOURCE
#include "deploy.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "clockctl.h"
#include "cluster_slots.h"
#include "sbdisk_ctl.h"

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

/* Does any fault of the scenario need redis under the file-system layer? */
static int disk_fault(sb_fault_kind k)
{
    return k == SB_FAULT_POWER_LOSS || k == SB_FAULT_TORN_WRITE || k == SB_FAULT_DISK_FULL ||
           k == SB_FAULT_CORRUPT;
}

static int scenario_has_disk_faults(const sb_scenario *s)
{
    for (size_t i = 0; i < s->n_fixed; i++)
        if (disk_fault(s->fixed[i].kind))
            return 1;
    for (size_t g = 0; g < s->n_generators; g++)
        for (size_t i = 0; i < s->generators[g].n_templates; i++)
            if (disk_fault(s->generators[g].templates[i].kind))
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

void deploy_node_dir(const char *run_dir, const char *host, const char *kind, char *out, size_t len)
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
void deploy_conf_header(sb_buf *b, const sb_deploy *d, int host, int port, const char *dir)
{
    sb_buf_printf(b,
                  "# written by splitbrain for host %s\n"
                  "port %d\nbind %s 127.0.0.1\nprotected-mode no\ndaemonize no\n"
                  "dir ",
                  lab_host_name(d->lab, host), port, lab_host_addr(d->lab, host));
    sb_buf_conf_value(b, dir); /* the run folder may hold spaces */
    sb_buf_puts(b, "\nlogfile \"\"\n");
}

/* The table of deployment kinds. */
static const deploy_kind_impl *const deploy_kinds[] = {
    [SB_DEPLOY_SENTINEL] = &deploy_sentinel_kind,
    [SB_DEPLOY_INDEPENDENT] = &deploy_independent_kind,
    [SB_DEPLOY_CLUSTER] = &deploy_cluster_kind,
};

static const deploy_kind_impl *kind_of(const sb_deploy *d)
{
    return deploy_kinds[d->s->deployment.kind];
}

int deploy_write_redis_conf(sb_deploy *d, int host, const char *dir, char *path, size_t pathlen,
                            int startup, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    deploy_conf_header(&b, d, host, dep->redis_port, dir);
    if (kind_of(d)->redis_conf)
        kind_of(d)->redis_conf(d, host, startup, &b);
    deploy_conf_directives(&b, &dep->redis_config, NULL);
    snprintf(path, pathlen, "%s/redis.conf", dir);
    int rc = sb_write_file(path, b.data, b.len, err);
    sb_buf_free(&b);
    return rc;
}

int deploy_start_node(sb_deploy *d, int host, sb_proc_kind kind, const char *run_dir,
                      const char *redis_server, char *err)
{
    const char *kname = kind == SB_PROC_REDIS ? "redis" : "sentinel";
    char dir[4096], conf[4200], log[4200];
    deploy_node_dir(run_dir, lab_host_name(d->lab, host), kname, dir, sizeof(dir));
    if (sb_mkdir_p(dir, err) == -1)
        return -1;
    int rc = kind == SB_PROC_REDIS
                 ? deploy_write_redis_conf(d, host, dir, conf, sizeof(conf), 1, err)
                 : deploy_write_sentinel_conf(d, host, dir, conf, sizeof(conf), err);
    if (rc == -1)
        return -1;
    snprintf(log, sizeof(log), "%s/%s.log", dir, kname);
    char *argv[] = {(char *)redis_server, conf, kind == SB_PROC_SENTINEL ? "--sentinel" : NULL,
                    NULL};
    char *env[4] = {NULL, NULL, NULL, NULL};
    char preload[8400], ctl[4200], disk[4200];
    if (d->disk_shim[0] && kind == SB_PROC_REDIS) {
        /* A run with disk faults: every redis-server journals what it
         * makes durable in its folder (libsbdisk.so), from a clean start. */
        char *init[] = {"init", NULL};
        sb_buf none;
        sb_buf_init(&none);
        rc = lab_disk(d->lab, host, dir, init, &none, err);
        sb_buf_free(&none);
        if (rc == -1)
            return -1;
        snprintf(disk, sizeof(disk), SB_DISK_ENV "=%s", dir);
        snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", d->disk_shim);
        env[0] = preload;
        env[1] = disk;
    }
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
        if (env[0])
            snprintf(preload, sizeof(preload), "LD_PRELOAD=%s %s", d->shim, d->disk_shim);
        else
            snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", d->shim);
        snprintf(ctl, sizeof(ctl), "SB_CLOCK_CTL=%s", path);
        env[0] = preload;
        env[env[1] ? 2 : 1] = ctl;
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
const char *deploy_flat_field(const redisReply *r, const char *name)
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
int deploy_start_failure(const sb_deploy *d, int host, sb_proc_kind kind, char *why)
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
    for (size_t i = 0; i < dep->redis.n; i++)
        if (!lab_proc_running(d->redis[dep->redis.idx[i]]))
            return deploy_start_failure(d, dep->redis.idx[i], SB_PROC_REDIS, why);
    return kind_of(d)->ready_once(d, why);
}

sb_deploy *deploy_start(sb_lab *lab, const sb_scenario *s, const char *run_dir,
                        const char *redis_server, char *err)
{
    sb_deploy *d = sb_xcalloc(1, sizeof(*d));
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
    if (scenario_has_disk_faults(s) &&
        clockctl_disk_shim_path(d->disk_shim, sizeof(d->disk_shim), err) == -1)
        goto fail;
    /* The master first, so replicas find it; sentinels last. */
    if (deploy_start_node(d, dep->master, SB_PROC_REDIS, run_dir, redis_server, err) == -1)
        goto fail;
    for (size_t i = 0; i < dep->redis.n; i++)
        if (dep->redis.idx[i] != dep->master &&
            deploy_start_node(d, dep->redis.idx[i], SB_PROC_REDIS, run_dir, redis_server, err) ==
                -1)
            goto fail;
    for (size_t i = 0; i < dep->sentinels.n; i++)
        if (deploy_start_node(d, dep->sentinels.idx[i], SB_PROC_SENTINEL, run_dir, redis_server,
                              err) == -1)
            goto fail;

    if (kind_of(d)->bootstrap && kind_of(d)->bootstrap(d, err) == -1)
        goto fail;
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
    if (kind_of(d)->settle && kind_of(d)->settle(d, deadline, err) == -1)
        goto fail;
    if (s->origin.host >= 0 && deploy_start_origin(d, run_dir, err) == -1)
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

int deploy_await_converged(sb_deploy *d, int64_t timeout_ns, sb_topology *topo, char *err)
{
    return deploy_await_converged_watch(d, timeout_ns, topo, NULL, NULL, err);
}

int deploy_await_converged_watch(sb_deploy *d, int64_t timeout_ns, sb_topology *topo,
                                 void (*progress)(void *arg, const char *why), void *arg, char *err)
{
    deploy_converge cs = {.master = -1, .target = 0};
    int64_t deadline = sb_now_ns() + timeout_ns;
    char why[SB_ERR_LEN] = "";
    for (;;) {
        if (kind_of(d)->converged_once(d, &cs, topo, why) == 1)
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

/* ====== Current master and roles ====== */

int deploy_current_master(sb_deploy *d, char *err)
{
    return kind_of(d)->current_master(d, err);
}

void deploy_redis_roles(sb_deploy *d, int64_t timeout_ns, sb_buf *out)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf_puts(out, "{");
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        sb_buf_puts(out, i ? "," : "");
        sb_buf_json_string(out, lab_host_name(d->lab, h));
        if (kind_of(d)->member && !kind_of(d)->member(d, h)) {
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

void deploy_redis_dir(const sb_deploy *d, int host, char *out, size_t len)
{
    deploy_node_dir(d->run_dir, lab_host_name(d->lab, host), "redis", out, len);
}

int deploy_disk_layer(const sb_deploy *d)
{
    return d->disk_shim[0] != 0;
}
