/* fault_disk.c -- the disk family: power-loss on hosts. Every redis-server
 * and sentinel of a target host is SIGKILLed at once, then each redis
 * data folder is set back to exactly what the process had made durable
 * (the file-system layer's journal, base/diskloss.c; a torn write keeps a
 * prefix of the last unsynced append). The history gets, per host, the
 * files touched and the bytes dropped. There is no undo of the files: the
 * processes stay down until a restart fault or the final heal starts them
 * on what is left. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "diskloss.h"
#include "nemesis_internal.h"

/* Kills the processes of host h (all of them: the host lost power). */
static int disk_kill_host(sb_nemesis *n, int h, char *err)
{
    for (int k = SB_PROC_REDIS; k <= SB_PROC_SENTINEL; k++) {
        sb_proc *p = deploy_proc(n->deploy, h, (sb_proc_kind)k);
        if (!p || !lab_proc_running(p))
            continue;
        pthread_mutex_lock(&n->lock);
        int rc = lab_proc_kill(p, err);
        if (rc == 0) {
            n->killed[h][k] = 1;
            n->paused[h][k] = 0;
        }
        pthread_mutex_unlock(&n->lock);
        if (rc == -1)
            return -1;
    }
    return 0;
}

int nemesis_disk_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (!deploy_disk_layer(n->deploy)) {
        sb_err_set(err, "redis runs without the file-system layer");
        return -1;
    }
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (disk_kill_host(n, r->host[i], err) == -1)
            return -1;
    sb_buf_puts(v, ",\"losses\":[");
    for (size_t i = 0; i < r->n; i++) {
        char dir[4096];
        deploy_redis_dir(n->deploy, r->host[i], dir, sizeof(dir));
        struct diskloss_opts o = {.torn = f->torn, .torn_bytes = f->torn_bytes};
        o.seed = sb_rng_next(&n->rng);
        sb_buf rep;
        sb_buf_init(&rep);
        int rc = diskloss_power_loss(dir, &o, &rep, err);
        if (rc == 0) {
            while (rep.len && rep.data[rep.len - 1] == '\n')
                rep.data[--rep.len] = '\0';
            sb_buf_puts(v, i ? ",{\"host\":" : "{\"host\":");
            sb_buf_json_string(v, host_name(n, r->host[i]));
            sb_buf_printf(v, ",\"disk\":%s}", rep.data);
        }
        sb_buf_free(&rep);
        if (rc == -1)
            return -1;
    }
    sb_buf_puts(v, "]");
    return 0;
}
