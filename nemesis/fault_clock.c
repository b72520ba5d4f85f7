/* fault_clock.c -- the clock family: bump, strobe and reset of a
 * process's clock through the shim's control file (and, on the ssh
 * backend, the same change on the host's copy). Undoing a clock fault
 * resets the clocks it moved. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clockctl.h"
#include "nemesis_internal.h"

static int clock_act(sb_nemesis *n, const sb_fault *f, int h, sb_proc_kind k, char *err)
{
    sb_clockctl *c = deploy_clock(n->deploy, h, k);
    if (!c) {
        sb_err_set(err, "the %s on %s runs without the clock shim", scenario_proc_name(k),
                   host_name(n, h));
        return -1;
    }
    clockctl_set_monotonic(c, f->monotonic);
    static const char *const ops[] = {"bump", "strobe", "reset"};
    switch (f->clock_op) {
    case SB_CLOCK_BUMP:
        clockctl_bump(c, f->delta_ns);
        break;
    case SB_CLOCK_STROBE:
        clockctl_strobe(c, f->delta_ns, f->period_ns, f->duration_ns);
        break;
    case SB_CLOCK_RESET:
        clockctl_reset(c);
        break;
    }
    /* the ssh backend: the same change on the host's copy */
    if (lab_clock_apply(n->lab, h, clockctl_path(c), f->monotonic, ops[f->clock_op], f->delta_ns,
                        f->period_ns, f->duration_ns, err) == -1)
        return -1;
    pthread_mutex_lock(&n->lock);
    n->clock[h][k] = clockctl_offset_now(c);
    n->clock_on[h][k] = f->clock_op != SB_CLOCK_RESET;
    pthread_mutex_unlock(&n->lock);
    return 0;
}

int nemesis_clock_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    static const char *const ops[] = {"bump", "strobe", "reset"};
    sb_buf_printf(v, ",\"op\":\"%s\"", ops[f->clock_op]);
    if (f->clock_op != SB_CLOCK_RESET)
        sb_buf_printf(v, ",\"delta_ms\":%.3f", f->delta_ns / 1e6);
    if (f->clock_op == SB_CLOCK_STROBE)
        sb_buf_printf(v, ",\"period_ms\":%.3f,\"duration_ms\":%.3f", f->period_ns / 1e6,
                      f->duration_ns / 1e6);
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (clock_act(n, f, r->host[i], r->kind[i], err) == -1)
            return -1;
    return 0;
}

int nemesis_clock_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    int rc = 0;
    nemesis_targets_json(n, r, v);
    sb_fault reset = *f;
    reset.clock_op = SB_CLOCK_RESET;
    for (size_t i = 0; i < r->n && rc == 0; i++)
        rc = clock_act(n, &reset, r->host[i], r->kind[i], err);
    return rc;
}
