/* deploy_origin.c -- the cache workload's services on their host:
 * `splitbrain origin` and, with the mediator strategy, `splitbrain
 * mediator` in front of it, started like any other node process. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "deploy_internal.h"

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
int deploy_start_origin(sb_deploy *d, const char *run_dir, char *err)
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
    deploy_node_dir(run_dir, lab_host_name(d->lab, o->host), "origin", dir, sizeof(dir));
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
