/* deploy_independent.c -- the independent deployment kind: N masters that
 * know nothing of each other (Redlock's servers, the cache strategies'
 * lock servers). Ready and converged when every one answers as a master;
 * the "current master" is the scenario's primary. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "deploy_internal.h"

/* Ready: every node says it is a master. */
static int independent_ready_once(sb_deploy *d, char *why)
{
    const sb_deployment *dep = &d->s->deployment;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        node_role nr;
        if (deploy_read_role(d, h, &nr, why) == -1)
            return 0;
        if (strcmp(nr.role, "master") != 0) {
            sb_err_set(why, "%s is a %s, not a master", lab_host_name(d->lab, h), nr.role);
            return 0;
        }
    }
    return 1;
}

/* Independent masters: converged when every one answers as a master. */
static int independent_converged(sb_deploy *d, deploy_converge *cs, sb_topology *topo, char *why)
{
    (void)cs;
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

/* The primary: every node is a master. */
static int independent_current_master(sb_deploy *d, char *err)
{
    (void)err;
    return d->s->deployment.master;
}

const deploy_kind_impl deploy_independent_kind = {
    .ready_once = independent_ready_once,
    .converged_once = independent_converged,
    .current_master = independent_current_master,
};
