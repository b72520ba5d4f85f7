/* nemesis.c -- the fault-kind table, targets, what is in force, and the
 * life cycle: each scheduled fault is recorded (invoke, then ok / fail /
 * skipped), dispatched through fault_impls[] to its family's file
 * (fault_network.c, fault_process.c, fault_clock.c, fault_membership.c,
 * fault_cluster.c, fault_disk.c), and taken back by its undo entry or by heal_all.
 * Adding a fault kind: its entry in the scenario model (enum and name),
 * its parsing (scenario/scenario_faults.c), its functions in its family's
 * file, and one line below. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nemesis_internal.h"

/* ====== The fault kinds ====== */

static const sb_fault_impl fault_impls[] = {
    {SB_FAULT_PARTITION, "network", nemesis_partition_apply, nemesis_partition_undo},
    {SB_FAULT_HEAL, "network", nemesis_heal_apply, NULL},
    {SB_FAULT_LOSS, "network", nemesis_loss_apply, nemesis_loss_undo},
    {SB_FAULT_BANDWIDTH, "network", nemesis_qdisc_apply, nemesis_qdisc_undo},
    {SB_FAULT_NETEM, "network", nemesis_qdisc_apply, nemesis_qdisc_undo},
    {SB_FAULT_KILL, "process", nemesis_process_apply, nemesis_process_undo},
    {SB_FAULT_RESTART, "process", nemesis_process_apply, NULL},
    {SB_FAULT_PAUSE, "process", nemesis_process_apply, nemesis_process_undo},
    {SB_FAULT_RESUME, "process", nemesis_process_apply, NULL},
    {SB_FAULT_CLOCK, "clock", nemesis_clock_apply, nemesis_clock_undo},
    {SB_FAULT_SENTINEL_ADD, "membership", nemesis_membership_apply, nemesis_sentinel_add_undo},
    {SB_FAULT_SENTINEL_REMOVE, "membership", nemesis_membership_apply, NULL},
    {SB_FAULT_CLUSTER_FAILOVER, "cluster", nemesis_cluster_failover_apply, NULL},
    {SB_FAULT_MIGRATE_SLOTS, "cluster", nemesis_migrate_slots_apply, NULL},
    {SB_FAULT_ADD_SHARD, "cluster", nemesis_add_shard_apply, NULL},
    {SB_FAULT_REMOVE_SHARD, "cluster", nemesis_remove_shard_apply, NULL},
    {SB_FAULT_POWER_LOSS, "disk", nemesis_disk_apply, NULL},
    {SB_FAULT_TORN_WRITE, "disk", nemesis_disk_apply, NULL},
    {SB_FAULT_DISK_FULL, "disk", nemesis_disk_full_apply, nemesis_disk_full_undo},
    {SB_FAULT_CORRUPT, "disk", nemesis_corrupt_apply, NULL},
};

static const sb_fault_impl *fault_impl(sb_fault_kind k)
{
    for (size_t i = 0; i < sizeof(fault_impls) / sizeof(fault_impls[0]); i++)
        if (fault_impls[i].kind == k)
            return &fault_impls[i];
    return NULL;
}

/* ====== Targets ====== */

void nemesis_add_pair(resolved *r, int h, sb_proc_kind k)
{
    r->host[r->n] = h;
    r->kind[r->n] = k;
    r->n++;
}

/* Whether the process (h, k) qualifies for fault kind fk right now. */
static int eligible(sb_nemesis *n, sb_fault_kind fk, int h, sb_proc_kind k)
{
    sb_proc *p = deploy_proc(n->deploy, h, k);
    if (!p)
        return 0;
    if (k == SB_PROC_SENTINEL && !deploy_sentinel_active(n->deploy, h))
        return 0;
    switch (fk) {
    case SB_FAULT_RESTART:
        return n->killed[h][k];
    case SB_FAULT_RESUME:
        return n->paused[h][k];
    case SB_FAULT_KILL:
    case SB_FAULT_PAUSE:
        return !n->killed[h][k] && !n->paused[h][k];
    default:
        return !n->killed[h][k];
    }
}

/* A role target (master, replica, random) that nobody holds when the fault
 * fires, e.g. no master in the middle of a failover: the fault is recorded
 * as skipped with the reason, as a random schedule's draw can always meet
 * it, and the run goes on. Returns -1 for the resolver's caller. */
int nemesis_unresolved(sb_nemesis *n)
{
    n->unresolved = 1;
    return -1;
}

/* Resolves the processes a process or clock fault acts on. */
int nemesis_resolve_procs(sb_nemesis *n, const sb_fault *f, resolved *r, char *err)
{
    const sb_scenario *s = n->s;
    sb_proc_kind kinds[2];
    size_t nk = 0;
    if (f->process == SB_PROC_BOTH) {
        kinds[nk++] = SB_PROC_REDIS;
        kinds[nk++] = SB_PROC_SENTINEL;
    } else {
        kinds[nk++] = f->process;
    }
    r->n = 0;
    switch (f->target.kind) {
    case SB_TARGET_HOSTS:
        for (size_t i = 0; i < f->target.hosts.n; i++)
            for (size_t k = 0; k < nk; k++)
                if (deploy_proc(n->deploy, f->target.hosts.idx[i], kinds[k]))
                    nemesis_add_pair(r, f->target.hosts.idx[i], kinds[k]);
        break;
    case SB_TARGET_MASTER:
    case SB_TARGET_REPLICA: {
        int m = deploy_current_master(n->deploy, err);
        if (m < 0)
            return nemesis_unresolved(n);
        if (f->target.kind == SB_TARGET_MASTER) {
            for (size_t k = 0; k < nk; k++)
                if (deploy_proc(n->deploy, m, kinds[k]))
                    nemesis_add_pair(r, m, kinds[k]);
            break;
        }
        int pool[SB_MAX_HOSTS], np = 0;
        for (size_t i = 0; i < s->deployment.redis.n; i++) {
            int h = s->deployment.redis.idx[i];
            if (h != m && eligible(n, f->kind, h, SB_PROC_REDIS))
                pool[np++] = h;
        }
        if (!np) {
            sb_err_set(err, "no replica qualifies (master is %s)", host_name(n, m));
            return nemesis_unresolved(n);
        }
        int h = pool[sb_rng_next(&n->rng) % (uint64_t)np];
        for (size_t k = 0; k < nk; k++)
            if (deploy_proc(n->deploy, h, kinds[k]))
                nemesis_add_pair(r, h, kinds[k]);
        break;
    }
    case SB_TARGET_RANDOM:
    case SB_TARGET_ALL: {
        resolved pool = {0};
        for (size_t h = 0; h < s->n_hosts; h++)
            for (size_t k = 0; k < nk; k++)
                if (eligible(n, f->kind, (int)h, kinds[k]))
                    nemesis_add_pair(&pool, (int)h, kinds[k]);
        if (f->target.kind == SB_TARGET_ALL) {
            *r = pool;
            break;
        }
        if (!pool.n) {
            sb_err_set(err, "no %s process qualifies", scenario_proc_name(f->process));
            return nemesis_unresolved(n);
        }
        size_t i = (size_t)(sb_rng_next(&n->rng) % pool.n);
        nemesis_add_pair(r, pool.host[i], pool.kind[i]);
        break;
    }
    }
    if (!r->n) {
        sb_err_set(err, "no process to act on");
        return -1;
    }
    return 0;
}

/* ====== Values in the history ====== */

void nemesis_hosts_json(const sb_nemesis *n, const sb_hostset *hs, sb_buf *out)
{
    sb_buf_puts(out, "[");
    size_t cnt = hs->n ? hs->n : n->s->n_hosts;
    for (size_t i = 0; i < cnt; i++) {
        sb_buf_puts(out, i ? "," : "");
        sb_buf_json_string(out, host_name(n, hs->n ? hs->idx[i] : (int)i));
    }
    sb_buf_puts(out, "]");
}

void nemesis_targets_json(const sb_nemesis *n, const resolved *r, sb_buf *out)
{
    sb_buf_puts(out, ",\"targets\":[");
    for (size_t i = 0; i < r->n; i++) {
        sb_buf_puts(out, i ? "," : "");
        sb_buf_puts(out, "{\"host\":");
        sb_buf_json_string(out, host_name(n, r->host[i]));
        sb_buf_printf(out, ",\"process\":\"%s\"}", scenario_proc_name(r->kind[i]));
    }
    sb_buf_puts(out, "]");
}

static const sb_fault *fault_by_id(const sb_nemesis *n, int id)
{
    for (size_t i = 0; i < n->s->n_faults; i++)
        if (n->s->faults[i].id == id)
            return &n->s->faults[i];
    return NULL;
}

static int apply_undo(sb_nemesis *n, const sb_fault *u, sb_buf *v, char *err)
{
    const sb_fault *f = fault_by_id(n, u->undo_id);
    resolved *r = (size_t)u->undo_id < n->n_res ? &n->res[u->undo_id] : NULL;
    if (!f || !r) {
        sb_err_set(err, "undo of unknown fault %d", u->undo_id);
        return -1;
    }
    sb_buf_printf(v, ",\"of\":%d,\"undoes\":\"%s\"", f->id, scenario_fault_name(f->kind));
    if (!r->applied)
        return 0; /* it was skipped: nothing to undo */
    const sb_fault_impl *impl = fault_impl(f->kind);
    return impl && impl->undo ? impl->undo(n, f, r, v, err) : 0;
}

/* ====== Life cycle ====== */

sb_nemesis *nemesis_new(sb_lab *lab, sb_deploy *deploy, const sb_scenario *s, sb_recorder *rec)
{
    sb_nemesis *n = sb_xcalloc(1, sizeof(*n));
    n->lab = lab;
    n->deploy = deploy;
    n->s = s;
    n->rec = rec;
    n->part_id = -1;
    n->netem_ok = -1;
    for (size_t h = 0; h < SB_MAX_HOSTS; h++)
        n->qdisc_id[h] = -1;
    sb_rng_seed(&n->rng, s->seed ^ 0x6e656d65736973ULL); /* "nemesis" */
    n->n_res = 1;
    for (size_t i = 0; i < s->n_faults; i++)
        if ((size_t)s->faults[i].id + 1 > n->n_res)
            n->n_res = (size_t)s->faults[i].id + 1;
    n->res = sb_xcalloc(n->n_res, sizeof(resolved));
    pthread_mutex_init(&n->lock, NULL);
    return n;
}

void nemesis_free(sb_nemesis *n)
{
    if (!n)
        return;
    pthread_mutex_destroy(&n->lock);
    free(n->res);
    free(n);
}

static int schedule_has(const sb_scenario *s, sb_fault_kind k, int *all_optional)
{
    int any = 0;
    *all_optional = 1;
    for (size_t i = 0; i < s->n_faults; i++)
        if (s->faults[i].kind == k) {
            any = 1;
            *all_optional &= s->faults[i].optional;
        }
    return any;
}

int nemesis_preflight(sb_nemesis *n, char *err)
{
    int all_optional;
    if (!schedule_has(n->s, SB_FAULT_NETEM, &all_optional))
        return 0;
    char e[SB_ERR_LEN];
    int r = nemesis_probe_netem(n, e);
    if (r == -1) {
        sb_err_set(err, "cannot probe for netem: %s", e);
        return -1;
    }
    n->netem_ok = r;
    if (r == 0 && !all_optional) {
        for (size_t i = 0; i < n->s->n_faults; i++)
            if (n->s->faults[i].kind == SB_FAULT_NETEM && !n->s->faults[i].optional) {
                sb_err_set(err,
                           "%s:%d: the netem fault cannot run here: %s; mark it \"optional\": "
                           "true to skip it, or use \"loss\" (nftables) or \"bandwidth\" (TBF)",
                           n->s->path, n->s->faults[i].line, n->netem_why);
                return -1;
            }
    }
    return 0;
}

int nemesis_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    const char *name = scenario_fault_name(f->kind);
    resolved *r = (size_t)f->id < n->n_res ? &n->res[f->id] : NULL;
    resolved scratch = {0};
    if (!r)
        r = &scratch;
    memset(r, 0, sizeof(*r));
    sb_buf v;
    sb_buf_init(&v);
    sb_buf_printf(&v, "{\"id\":%d", f->id);
    if (f->generator >= 0)
        sb_buf_printf(&v, ",\"schedule\":%d", f->generator);
    /* The invoke is written before anything is applied, so its time is when
     * the fault began (applying rules to many hosts takes a while); the
     * completion carries the resolved targets and what was done. */
    {
        sb_buf iv;
        sb_buf_init(&iv);
        sb_buf_printf(&iv, "%s}", v.data);
        recorder_record(n->rec, SB_PROC_NEMESIS, SB_OP_INVOKE, name, iv.data, NULL, NULL);
        sb_buf_free(&iv);
    }
    int rc;
    n->unresolved = 0;
    const sb_fault_impl *impl = fault_impl(f->kind);
    if (f->kind == SB_FAULT_UNDO) {
        rc = apply_undo(n, f, &v, err);
    } else if (impl) {
        rc = impl->apply(n, f, r, &v, err);
    } else {
        sb_err_set(err, "fault kind %d has no implementation", (int)f->kind);
        rc = -1;
    }
    if (rc == -1 && n->unresolved)
        rc = 1; /* skipped: its target role was nobody's when it fired */
    if (f->for_ns)
        sb_buf_printf(&v, ",\"for_ms\":%.3f", f->for_ns / 1e6);
    if (rc == 1)
        sb_buf_puts(&v, ",\"skipped\":true");
    sb_buf_puts(&v, "}");
    recorder_record(n->rec, SB_PROC_NEMESIS, rc == 0 ? SB_OP_OK : SB_OP_FAIL, name, v.data, NULL,
                    rc == 0 ? NULL : err);
    sb_buf_free(&v);
    if (rc == 1) {
        n->skipped++;
        return 0;
    }
    r->applied = rc == 0;
    return rc;
}

int nemesis_heal_all(sb_nemesis *n, char *err)
{
    int any_net = 0;
    pthread_mutex_lock(&n->lock);
    for (size_t h = 0; h < n->s->n_hosts; h++)
        any_net |= n->firewalled[h] || n->qdisc_id[h] >= 0;
    pthread_mutex_unlock(&n->lock);
    if (any_net) {
        sb_fault heal = {.kind = SB_FAULT_HEAL, .id = -1, .generator = -1};
        if (nemesis_apply(n, &heal, err) == -1)
            return -1;
    }
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        pthread_mutex_lock(&n->lock);
        int full = n->disk_full[h];
        pthread_mutex_unlock(&n->lock);
        if (full && nemesis_disk_heal(n, (int)h, err) == -1)
            return -1;
        for (int k = 0; k < SB_PROC_KINDS; k++) {
            pthread_mutex_lock(&n->lock);
            int paused = n->paused[h][k], killed = n->killed[h][k], clock = n->clock_on[h][k];
            pthread_mutex_unlock(&n->lock);
            int hs[1] = {(int)h};
            sb_fault f = {.id = -1,
                          .generator = -1,
                          .process = (sb_proc_kind)k,
                          .target = {.kind = SB_TARGET_HOSTS, .hosts = {hs, 1}}};
            if (paused) {
                f.kind = SB_FAULT_RESUME;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
            if (killed) {
                f.kind = SB_FAULT_RESTART;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
            if (clock) {
                f.kind = SB_FAULT_CLOCK;
                f.clock_op = SB_CLOCK_RESET;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
        }
    }
    return 0;
}

int nemesis_skipped(sb_nemesis *n)
{
    return n->skipped;
}

void nemesis_describe(sb_nemesis *n, char *buf, size_t len)
{
    sb_buf b;
    sb_buf_init(&b);
    pthread_mutex_lock(&n->lock);
    sb_buf_puts(&b, n->part_desc);
    for (size_t i = 0; i < n->n_loss; i++) {
        sb_buf_puts(&b, b.len ? "; " : "");
        sb_buf_printf(&b, "loss %.0f%%", n->loss[i].p * 100);
    }
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (n->qdisc_id[h] >= 0) {
            sb_buf_puts(&b, b.len ? "; " : "");
            sb_buf_puts(&b, n->qdisc_desc[h]);
        }
        if (n->disk_full[h]) {
            sb_buf_puts(&b, b.len ? "; " : "");
            sb_buf_printf(&b, "disk full@%s", host_name(n, (int)h));
        }
        for (int k = 0; k < SB_PROC_KINDS; k++) {
            const char *pn = scenario_proc_name((sb_proc_kind)k);
            if (n->killed[h][k] || n->paused[h][k]) {
                sb_buf_puts(&b, b.len ? "; " : "");
                sb_buf_printf(&b, "%s@%s %s", pn, host_name(n, (int)h),
                              n->killed[h][k] ? "down" : "paused");
            }
            if (n->clock_on[h][k]) {
                sb_buf_puts(&b, b.len ? "; " : "");
                sb_buf_printf(&b, "clock %s@%s %+.1fs", pn, host_name(n, (int)h),
                              n->clock[h][k] / 1e9);
            }
        }
    }
    pthread_mutex_unlock(&n->lock);
    snprintf(buf, len, "%s", b.len ? b.data : "");
    sb_buf_free(&b);
}
