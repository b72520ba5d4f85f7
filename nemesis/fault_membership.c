/* fault_membership.c -- the sentinel membership family: sentinel-add
 * (all together, or one by one, each waiting until every sentinel knows
 * the others) and sentinel-remove (stop, then SENTINEL RESET on every
 * other sentinel, one after the other, as Redis's procedure says).
 * Undoing an add removes the sentinels it started; a removal stays. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "nemesis_internal.h"

static int wait_sentinels_agree(sb_nemesis *n, char *err)
{
    int64_t deadline = sb_now_ns() + n->s->deployment.ready_timeout_ns;
    char why[SB_ERR_LEN] = "";
    while (!deploy_sentinels_agree(n->deploy, why)) {
        if (sb_now_ns() > deadline) {
            sb_err_set(err, "sentinels did not all learn of each other: %s", why);
            return -1;
        }
        sb_sleep_ns(50 * SB_NS_PER_MS);
    }
    return 0;
}

static int remove_sentinels(sb_nemesis *n, const sb_hostset *hs, int64_t interval, char *err)
{
    for (size_t i = 0; i < hs->n; i++)
        if (deploy_sentinel_stop(n->deploy, hs->idx[i], err) == -1)
            return -1;
    /* Redis's procedure: SENTINEL RESET * on every other sentinel, one
     * after the other, so they forget the removed ones. */
    int first = 1;
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (!deploy_sentinel_active(n->deploy, (int)h))
            continue;
        if (!first)
            sb_sleep_ns(interval);
        first = 0;
        if (deploy_sentinel_reset(n->deploy, (int)h, err) == -1)
            return -1;
    }
    return 0;
}

int nemesis_membership_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    sb_buf_puts(v, ",\"hosts\":");
    nemesis_hosts_json(n, &f->hosts, v);
    for (size_t i = 0; i < f->hosts.n; i++)
        nemesis_add_pair(r, f->hosts.idx[i], SB_PROC_SENTINEL);
    if (f->kind == SB_FAULT_SENTINEL_REMOVE)
        return remove_sentinels(n, &f->hosts, f->reset_interval_ns, err);
    sb_buf_printf(v, ",\"mode\":\"%s\"", f->one_by_one ? "one-by-one" : "together");
    for (size_t i = 0; i < f->hosts.n; i++) {
        if (deploy_sentinel_start(n->deploy, f->hosts.idx[i], err) == -1)
            return -1;
        if (f->one_by_one && wait_sentinels_agree(n, err) == -1)
            return -1;
    }
    return 0;
}

int nemesis_sentinel_add_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)f;
    (void)v;
    int idx[SB_MAX_HOSTS];
    sb_hostset hs = {.idx = idx, .n = 0};
    for (size_t i = 0; i < r->n; i++)
        if (deploy_sentinel_active(n->deploy, r->host[i]))
            idx[hs.n++] = r->host[i];
    return hs.n ? remove_sentinels(n, &hs, SB_NS_PER_S, err) : 0;
}
