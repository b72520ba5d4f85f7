/* fault_process.c -- the process family: kill, restart, pause (SIGSTOP)
 * and resume (SIGCONT) of redis-server and sentinel processes, resolved
 * to (host, process) pairs when the fault fires. Undoing a kill restarts
 * the process; undoing a pause resumes it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "nemesis_internal.h"

static int proc_act(sb_nemesis *n, sb_fault_kind k, int h, sb_proc_kind pk, char *err)
{
    sb_proc *p = deploy_proc(n->deploy, h, pk);
    if (!p) {
        sb_err_set(err, "no %s process on %s", scenario_proc_name(pk), host_name(n, h));
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&n->lock);
    switch (k) {
    case SB_FAULT_KILL:
        rc = lab_proc_kill(p, err);
        if (rc == 0) {
            n->killed[h][pk] = 1;
            n->paused[h][pk] = 0;
        }
        break;
    case SB_FAULT_RESTART:
        if (!lab_proc_running(p))
            rc = lab_proc_restart(p, err);
        if (rc == 0)
            n->killed[h][pk] = 0;
        break;
    case SB_FAULT_PAUSE:
        rc = lab_proc_signal(p, SIGSTOP, err);
        if (rc == 0)
            n->paused[h][pk] = 1;
        break;
    case SB_FAULT_RESUME:
        if (lab_proc_running(p))
            rc = lab_proc_signal(p, SIGCONT, err);
        if (rc == 0)
            n->paused[h][pk] = 0;
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&n->lock);
    return rc;
}

int nemesis_process_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (proc_act(n, f->kind, r->host[i], r->kind[i], err) == -1)
            return -1;
    if (f->kind == SB_FAULT_RESTART && deploy_disk_layer(n->deploy))
        nemesis_disk_restart_outcome(n, r, v);
    return 0;
}

int nemesis_process_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    int rc = 0;
    nemesis_targets_json(n, r, v);
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        int h = r->host[i];
        sb_proc_kind k = r->kind[i];
        if (f->kind == SB_FAULT_KILL && n->killed[h][k])
            rc = proc_act(n, SB_FAULT_RESTART, h, k, err);
        if (f->kind == SB_FAULT_PAUSE && n->paused[h][k])
            rc = proc_act(n, SB_FAULT_RESUME, h, k, err);
    }
    return rc;
}
