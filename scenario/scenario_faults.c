/* scenario_faults.c -- one fault of the "nemesis" section, kind by kind:
 * its keys, its targets (hosts, roles, processes), its parameters and
 * their ranges. A fixed fault and a random schedule's template are read
 * alike (sc_parse_fault); the schedule built from them is
 * scenario_schedule.c. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "util.h"

#define ALLOWED_FAULTS                                                                             \
    "partition, heal, kill, restart, pause, resume, loss, bandwidth, netem, clock, "               \
    "sentinel-add, sentinel-remove, cluster-failover, migrate-slots, add-shard, remove-shard, "    \
    "power-loss, torn-write, disk-full, corrupt"

/* Faults that stay in force until undone, so "for" means something. */
static int undoable(sb_fault_kind k)
{
    switch (k) {
    case SB_FAULT_PARTITION:
    case SB_FAULT_KILL:
    case SB_FAULT_PAUSE:
    case SB_FAULT_LOSS:
    case SB_FAULT_BANDWIDTH:
    case SB_FAULT_NETEM:
    case SB_FAULT_CLOCK:
    case SB_FAULT_SENTINEL_ADD:
    case SB_FAULT_DISK_FULL:
        return 1;
    default:
        return 0;
    }
}

/* ====== Readers ====== */

static int get_prob(pctx *c, json_t *o, const char *p, const char *key, int required, double *out)
{
    json_t *v;
    char kp[256], where[256];
    sc_child(kp, sizeof(kp), p, key);
    if (sc_member(c, o, p, key, required, &v) == -1)
        return -1;
    if (!v)
        return 0;
    sc_human_path(kp, where, sizeof(where));
    if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
        return sc_perr(c, kp, 0, "%s must be a probability; allowed: a number from 0 to 1", where);
    *out = json_number_value(v);
    return 0;
}

/* "2mbit", "512kbit", "1gbit", "100kB", "1MB", "8000bps" -> bytes/s. */
int sb_parse_rate(const char *s, uint64_t *bytes_per_s)
{
    char *end;
    double x = strtod(s, &end);
    if (end == s || !isfinite(x) || x <= 0)
        return -1;
    static const struct {
        const char *unit;
        double bytes;
    } units[] = {{"bit", 1.0 / 8},  {"kbit", 1e3 / 8}, {"mbit", 1e6 / 8},
                 {"gbit", 1e9 / 8}, {"bps", 1},        {"B", 1},
                 {"kB", 1e3},       {"MB", 1e6},       {"GB", 1e9}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].unit) == 0) {
            double b = x * units[i].bytes;
            if (b < 1 || b > 1e12)
                return -1;
            *bytes_per_s = (uint64_t)b;
            return 0;
        }
    return -1;
}

/* "target": "master" | "replica" | "random" | "all" | "<host>" | ["h1", ...].
 * within/what restrict named hosts (e.g. to hosts running a sentinel). */
static int get_target(pctx *c, const sb_scenario *s, json_t *o, const char *p, const char *key,
                      int required, const sb_hostset *within, const char *what, int allow_roles,
                      sb_target *t)
{
    json_t *v;
    char kp[256], where[256];
    sc_child(kp, sizeof(kp), p, key);
    if (sc_member(c, o, p, key, required, &v) == -1)
        return -1;
    if (!v)
        return 0;
    sc_human_path(kp, where, sizeof(where));
    if (json_is_array(v)) {
        t->kind = SB_TARGET_HOSTS;
        return sc_hostset_from(c, s, v, kp, within, what, &t->hosts);
    }
    if (!json_is_string(v))
        return sc_perr(c, kp, 0,
                       "%s must be a host name, an array of host names, or one of master, "
                       "replica, random, all; got %s",
                       where, sc_type_name(v));
    const char *name = json_string_value(v);
    static const struct {
        const char *name;
        sb_target_kind kind;
        int role; /* needs the redis role */
    } roles[] = {{"master", SB_TARGET_MASTER, 1},
                 {"replica", SB_TARGET_REPLICA, 1},
                 {"random", SB_TARGET_RANDOM, 0},
                 {"all", SB_TARGET_ALL, 0}};
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(name, roles[i].name) == 0) {
            if (roles[i].role && !allow_roles)
                return sc_perr(c, kp, 0,
                               "%s: \"%s\" applies to redis processes only; allowed here: a "
                               "host name, random, all",
                               where, name);
            t->kind = roles[i].kind;
            return 0;
        }
    if (scenario_host_index(s, name) < 0) {
        char list[1024];
        sc_host_list(s, NULL, list, sizeof(list));
        return sc_perr(c, kp, 0,
                       "%s: \"%s\" is neither a host nor a role; allowed: master, replica, "
                       "random, all, %s",
                       where, name, list);
    }
    t->kind = SB_TARGET_HOSTS;
    t->hosts.idx = sb_xcalloc(1, sizeof(int));
    t->hosts.n = 1;
    return sc_resolve_host(c, s, v, kp, within, what, &t->hosts.idx[0]);
}

/* Hosts that can run the process kind (sentinels include standby ones). */
static void proc_hosts(const sb_scenario *s, sb_proc_kind k, sb_hostset *out)
{
    const sb_deployment *d = &s->deployment;
    out->n = 0;
    out->idx = sb_xcalloc(s->n_hosts, sizeof(int));
    for (size_t h = 0; h < s->n_hosts; h++) {
        int r = scenario_hostset_has(&d->redis, (int)h);
        int sn = scenario_hostset_has(&d->sentinels, (int)h) ||
                 scenario_hostset_has(&d->standby, (int)h);
        if ((k == SB_PROC_REDIS && r) || (k == SB_PROC_SENTINEL && sn) ||
            (k == SB_PROC_BOTH && (r || sn)) || (k == SB_PROC_ORIGIN && s->origin.host == (int)h))
            out->idx[out->n++] = (int)h;
    }
}

static int get_process(pctx *c, const sb_scenario *s, json_t *o, const char *p, int allow_both,
                       sb_proc_kind *out)
{
    const char *proc = NULL;
    if (sc_get_string(c, o, p, "process", 0, &proc) == -1)
        return -1;
    if (!proc)
        return 0;
    char pp[256];
    sc_child(pp, sizeof(pp), p, "process");
    if (!strcmp(proc, "redis"))
        *out = SB_PROC_REDIS;
    else if (!strcmp(proc, "sentinel"))
        *out = SB_PROC_SENTINEL;
    else if (allow_both && !strcmp(proc, "both"))
        *out = SB_PROC_BOTH;
    else if (!allow_both && !strcmp(proc, "origin") && s->origin.host >= 0)
        *out = SB_PROC_ORIGIN;
    else
        return sc_perr(c, pp, 0, "unknown process \"%s\"; allowed: redis, sentinel%s", proc,
                       allow_both            ? ", both"
                       : s->origin.host >= 0 ? ", origin"
                                             : "");
    return 0;
}

/* "hosts": array of host names or "all" (default all). */
static int get_hosts_or_all(pctx *c, const sb_scenario *s, json_t *o, const char *p,
                            const char *key, sb_hostset *out)
{
    json_t *v = json_object_get(o, key);
    if (!v || (json_is_string(v) && !strcmp(json_string_value(v), "all")))
        return 0;
    char kp[256];
    sc_child(kp, sizeof(kp), p, key);
    return sc_hostset_from(c, s, v, kp, NULL, NULL, out);
}

/* ====== Faults ====== */

static int parse_groups(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    json_t *g = json_object_get(o, "groups");
    char gp[256];
    sc_child(gp, sizeof(gp), p, "groups");
    if (!g) /* "shape": "groups" named without them */
        return sc_perr(c, p, 0,
                       "a groups partition needs \"groups\": an array of arrays of "
                       "host names");
    if (sc_want_type(c, g, gp, json_is_array(g), "an array of arrays of host names") == -1)
        return -1;
    if (json_array_size(g) == 0)
        return sc_perr(c, gp, 0, "groups is empty; give at least one group of hosts");
    f->groups = sb_xcalloc(json_array_size(g), sizeof(sb_hostset));
    for (size_t i = 0; i < json_array_size(g); i++) {
        char ip[300];
        snprintf(ip, sizeof(ip), "%s/%zu", gp, i);
        sb_hostset *hs = &f->groups[f->n_groups++];
        if (sc_hostset_from(c, s, json_array_get(g, i), ip, NULL, NULL, hs) == -1)
            return -1;
    }
    /* Two hosts see each other when they share a group (a host named in
     * several groups bridges them, as in Kleppmann's Redlock case); hosts
     * named in none form one more group. */
    int cuts = 0;
    for (size_t a = 0; a < s->n_hosts && !cuts; a++)
        for (size_t b = a + 1; b < s->n_hosts && !cuts; b++)
            cuts = !scenario_groups_connect(f, (int)a, (int)b);
    if (!cuts)
        return sc_perr(c, gp, 0,
                       "this partition cuts nothing: every host is in one group; name at least "
                       "two groups or leave some hosts out");
    return 0;
}

static int parse_partition(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    static const char *const shapes[] = {"groups", "halves",  "isolate", "ring",
                                         "bridge", "one-way", NULL};
    const char *shape = NULL;
    char sp[256];
    sc_child(sp, sizeof(sp), p, "shape");
    if (sc_get_string(c, o, p, "shape", 0, &shape) == -1)
        return -1;
    if (!shape)
        shape = json_object_get(o, "groups") ? "groups" : NULL;
    if (!shape)
        return sc_perr(c, p, 0,
                       "a partition needs \"groups\" or \"shape\"; allowed shapes: groups, "
                       "halves, isolate, ring, bridge, one-way");
    size_t k = 0;
    while (shapes[k] && strcmp(shapes[k], shape))
        k++;
    if (!shapes[k])
        return sc_perr(c, sp, 0,
                       "unknown partition shape \"%s\"; allowed: groups, halves, isolate, ring, "
                       "bridge, one-way",
                       shape);
    f->shape = (sb_shape)k;
    /* Keys that belong to other shapes are errors, not silently ignored. */
    const char *own[] = {"groups", NULL, "target", NULL, NULL, "from"};
    const char *stray[] = {"groups", "target", "from", "to"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(o, stray[i]);
        int mine = own[f->shape] && (!strcmp(stray[i], own[f->shape]) ||
                                     (f->shape == SB_SHAPE_ONE_WAY && !strcmp(stray[i], "to")));
        if (v && !mine) {
            char kp[256];
            sc_child(kp, sizeof(kp), p, stray[i]);
            return sc_perr(c, kp, 1, "\"%s\" does not apply to the partition shape \"%s\"",
                           stray[i], shape);
        }
    }
    if (json_object_get(o, "hosts") &&
        (f->shape == SB_SHAPE_GROUPS || f->shape == SB_SHAPE_ONE_WAY)) {
        char kp[256];
        sc_child(kp, sizeof(kp), p, "hosts");
        return sc_perr(c, kp, 1, "\"hosts\" does not apply to the partition shape \"%s\"", shape);
    }
    if (get_hosts_or_all(c, s, o, p, "hosts", &f->universe) == -1)
        return -1;
    size_t n = f->universe.n ? f->universe.n : s->n_hosts;
    switch (f->shape) {
    case SB_SHAPE_GROUPS:
        return parse_groups(c, s, o, p, f);
    case SB_SHAPE_HALVES:
    case SB_SHAPE_RING:
        if (n < (f->shape == SB_SHAPE_RING ? 4u : 2u))
            return sc_perr(c, sp, 0, "shape \"%s\" needs at least %d hosts; it has %zu", shape,
                           f->shape == SB_SHAPE_RING ? 4 : 2, n);
        return 0;
    case SB_SHAPE_BRIDGE:
        if (n < 3)
            return sc_perr(c, sp, 0, "shape \"bridge\" needs at least 3 hosts; it has %zu", n);
        return 0;
    case SB_SHAPE_ISOLATE:
        f->target.kind = SB_TARGET_RANDOM;
        if (get_target(c, s, o, p, "target", 0, NULL, NULL, 1, &f->target) == -1)
            return -1;
        if (f->target.kind == SB_TARGET_ALL || f->target.hosts.n > 1) {
            char tp[256];
            sc_child(tp, sizeof(tp), p, "target");
            return sc_perr(c, tp, 0,
                           "isolate takes one host; allowed: master, replica, random, or a host "
                           "name");
        }
        return 0;
    case SB_SHAPE_ONE_WAY:
        if (sc_get_hostset(c, s, o, p, "from", 1, NULL, NULL, &f->from) == -1 ||
            sc_get_hostset(c, s, o, p, "to", 1, NULL, NULL, &f->to) == -1)
            return -1;
        for (size_t i = 0; i < f->to.n; i++)
            if (scenario_hostset_has(&f->from, f->to.idx[i])) {
                char tp[256];
                sc_child(tp, sizeof(tp), p, "to");
                return sc_perr(c, tp, 0, "host \"%s\" is in both from and to",
                               s->hosts[f->to.idx[i]].name);
            }
        return 0;
    }
    return 0;
}

static int parse_process_fault(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    f->process = SB_PROC_REDIS;
    if (get_process(c, s, o, p, 0, &f->process) == -1)
        return -1;
    sb_hostset runs;
    proc_hosts(s, f->process, &runs);
    const char *what = f->process == SB_PROC_REDIS    ? "runs no redis"
                       : f->process == SB_PROC_ORIGIN ? "runs no origin"
                                                      : "runs no sentinel";
    int rc = 0;
    json_t *h = json_object_get(o, "host");
    if (f->process == SB_PROC_ORIGIN && !h && !json_object_get(o, "target")) {
        /* one origin: its host is the target */
        f->target.kind = SB_TARGET_HOSTS;
        f->target.hosts.idx = sb_xcalloc(1, sizeof(int));
        f->target.hosts.n = 1;
        f->target.hosts.idx[0] = s->origin.host;
    } else if (h && json_object_get(o, "target")) {
        char hp[256];
        sc_child(hp, sizeof(hp), p, "host");
        rc = sc_perr(c, hp, 1, "give \"host\" or \"target\", not both");
    } else if (h) {
        char hp[256];
        sc_child(hp, sizeof(hp), p, "host");
        f->target.kind = SB_TARGET_HOSTS;
        f->target.hosts.idx = sb_xcalloc(1, sizeof(int));
        f->target.hosts.n = 1;
        rc = sc_resolve_host(c, s, h, hp, &runs, what, &f->target.hosts.idx[0]);
    } else {
        if (!json_object_get(o, "target"))
            rc = sc_perr(c, p, 0,
                         "missing \"target\" (or \"host\"); allowed: master, replica, random, "
                         "all, a host name or an array of them");
        else
            rc = get_target(c, s, o, p, "target", 1, &runs, what, f->process == SB_PROC_REDIS,
                            &f->target);
    }
    free(runs.idx);
    return rc;
}

static int parse_clock(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    const char *op = NULL;
    char opp[256];
    sc_child(opp, sizeof(opp), p, "op");
    if (sc_get_string(c, o, p, "op", 1, &op) == -1)
        return -1;
    if (!strcmp(op, "bump"))
        f->clock_op = SB_CLOCK_BUMP;
    else if (!strcmp(op, "strobe"))
        f->clock_op = SB_CLOCK_STROBE;
    else if (!strcmp(op, "reset"))
        f->clock_op = SB_CLOCK_RESET;
    else
        return sc_perr(c, opp, 0, "unknown clock op \"%s\"; allowed: bump, strobe, reset", op);
    f->process = SB_PROC_BOTH;
    if (get_process(c, s, o, p, 1, &f->process) == -1)
        return -1;
    sb_hostset runs;
    proc_hosts(s, f->process, &runs);
    f->target.kind = SB_TARGET_ALL;
    int rc = get_target(c, s, o, p, "target", 0, &runs, "runs no such process",
                        f->process == SB_PROC_REDIS, &f->target);
    free(runs.idx);
    if (rc == -1)
        return -1;
    const char *delta = NULL;
    if (f->clock_op != SB_CLOCK_RESET) {
        char dp[256], e[SB_ERR_LEN];
        sc_child(dp, sizeof(dp), p, "delta");
        if (sc_get_string(c, o, p, "delta", 1, &delta) == -1)
            return -1;
        int neg = delta[0] == '-';
        const char *d = delta + (delta[0] == '-' || delta[0] == '+');
        if (sb_parse_duration(d, &f->delta_ns, e) == -1 || f->delta_ns == 0)
            return sc_perr(c, dp, 0,
                           "delta \"%s\" is not a non-zero duration; allowed: e.g. \"3s\", "
                           "\"-500ms\", \"+1m\"",
                           delta);
        if (neg)
            f->delta_ns = -f->delta_ns;
    } else if (json_object_get(o, "delta")) {
        char dp[256];
        sc_child(dp, sizeof(dp), p, "delta");
        return sc_perr(c, dp, 1, "\"delta\" does not apply to clock op reset");
    }
    if (f->clock_op == SB_CLOCK_STROBE) {
        if (sc_get_duration(c, o, p, "period", 1, 1, &f->period_ns) == -1 ||
            sc_get_duration(c, o, p, "duration", 1, 1, &f->duration_ns) == -1)
            return -1;
    } else {
        for (const char *k = "period"; k; k = strcmp(k, "period") ? NULL : "duration")
            if (json_object_get(o, k)) {
                char kp[256];
                sc_child(kp, sizeof(kp), p, k);
                return sc_perr(c, kp, 1, "\"%s\" applies only to clock op strobe", k);
            }
    }
    json_t *m = json_object_get(o, "monotonic");
    if (m) {
        char mp[256];
        sc_child(mp, sizeof(mp), p, "monotonic");
        if (sc_want_type(c, m, mp, json_is_boolean(m), "true or false") == -1)
            return -1;
        f->monotonic = json_is_true(m);
    }
    return 0;
}

static int parse_netem(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    if (get_hosts_or_all(c, s, o, p, "hosts", &f->hosts) == -1 ||
        sc_get_duration(c, o, p, "delay", 0, 0, &f->delay_ns) == -1 ||
        sc_get_duration(c, o, p, "jitter", 0, 0, &f->jitter_ns) == -1 ||
        get_prob(c, o, p, "loss", 0, &f->loss) == -1 ||
        get_prob(c, o, p, "duplicate", 0, &f->duplicate) == -1 ||
        get_prob(c, o, p, "reorder", 0, &f->reorder) == -1 ||
        get_prob(c, o, p, "corrupt", 0, &f->corrupt) == -1)
        return -1;
    if (!f->delay_ns && !f->loss && !f->duplicate && !f->reorder && !f->corrupt)
        return sc_perr(c, p, 0,
                       "this netem fault does nothing; give at least one of delay, loss, "
                       "duplicate, reorder, corrupt");
    if (f->jitter_ns && !f->delay_ns) {
        char jp[256];
        sc_child(jp, sizeof(jp), p, "jitter");
        return sc_perr(c, jp, 0, "jitter needs a delay");
    }
    if (f->reorder && !f->delay_ns) {
        char rp[256];
        sc_child(rp, sizeof(rp), p, "reorder");
        return sc_perr(c, rp, 0,
                       "reorder needs a delay (netem reorders by not delaying some packets)");
    }
    json_t *opt = json_object_get(o, "optional");
    if (opt) {
        char op[256];
        sc_child(op, sizeof(op), p, "optional");
        if (sc_want_type(c, opt, op, json_is_boolean(opt), "true or false") == -1)
            return -1;
        f->optional = json_is_true(opt);
    }
    return 0;
}

static int parse_bandwidth(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    const char *rate = NULL;
    char rp[256];
    sc_child(rp, sizeof(rp), p, "rate");
    if (get_hosts_or_all(c, s, o, p, "hosts", &f->hosts) == -1 ||
        sc_get_string(c, o, p, "rate", 1, &rate) == -1)
        return -1;
    if (sb_parse_rate(rate, &f->rate_bytes) == -1)
        return sc_perr(c, rp, 0,
                       "bad rate \"%s\"; allowed: a number with a unit bit, kbit, mbit, gbit, "
                       "bps, kB, MB, GB (e.g. \"2mbit\")",
                       rate);
    long long burst = 32768;
    f->latency_ns = 50 * SB_NS_PER_MS;
    if (sc_get_int(c, o, p, "burst", 0, 1600, 1 << 26, &burst) == -1 ||
        sc_get_duration(c, o, p, "latency", 0, 1, &f->latency_ns) == -1)
        return -1;
    f->burst_bytes = (uint32_t)burst;
    return 0;
}

static int parse_loss(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    if (get_hosts_or_all(c, s, o, p, "hosts", &f->hosts) == -1 ||
        get_hosts_or_all(c, s, o, p, "peers", &f->peers) == -1 ||
        get_prob(c, o, p, "probability", 1, &f->probability) == -1)
        return -1;
    if (f->probability <= 0) {
        char pp[256];
        sc_child(pp, sizeof(pp), p, "probability");
        return sc_perr(c, pp, 0, "probability 0 drops nothing; allowed: more than 0, up to 1");
    }
    return 0;
}

static int parse_membership(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    const sb_deployment *d = &s->deployment;
    if (f->kind == SB_FAULT_SENTINEL_ADD) {
        if (!d->standby.n)
            return sc_perr(c, p, 0,
                           "sentinel-add needs standby sentinels; list them in "
                           "deployment.sentinels.standby");
        if (sc_get_hostset(c, s, o, p, "hosts", 1, &d->standby, "has no standby sentinel",
                           &f->hosts) == -1)
            return -1;
        const char *mode = "together";
        if (sc_get_string(c, o, p, "mode", 0, &mode) == -1)
            return -1;
        if (strcmp(mode, "together") && strcmp(mode, "one-by-one")) {
            char mp[256];
            sc_child(mp, sizeof(mp), p, "mode");
            return sc_perr(c, mp, 0, "unknown mode \"%s\"; allowed: together, one-by-one", mode);
        }
        f->one_by_one = !strcmp(mode, "one-by-one");
        return 0;
    }
    sb_hostset runs;
    proc_hosts(s, SB_PROC_SENTINEL, &runs);
    int rc = sc_get_hostset(c, s, o, p, "hosts", 1, &runs, "runs no sentinel", &f->hosts);
    free(runs.idx);
    if (rc == -1)
        return -1;
    f->reset_interval_ns = SB_NS_PER_S;
    return sc_get_duration(c, o, p, "reset_interval", 0, 0, &f->reset_interval_ns);
}

/* Index of host h in the deployment's redis hosts, or -1. */
static int redis_pos(const sb_deployment *d, int h)
{
    for (size_t i = 0; i < d->redis.n; i++)
        if (d->redis.idx[i] == h)
            return (int)i;
    return -1;
}

/* add-shard {"host", "replica", "slots"}: host (and replica) must be spares;
 * remove-shard {"host"}: a redis host (whether it is a master with slots
 * when the fault fires is checked then). */
static int parse_shard_fault(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    const sb_deployment *d = &s->deployment;
    int first_spare = d->cluster_masters * (1 + d->cluster_replicas);
    static const char *const keys[2] = {"host", "replica"};
    int hosts[2] = {-1, -1};
    for (int i = 0; i < (f->kind == SB_FAULT_ADD_SHARD ? 2 : 1); i++) {
        json_t *h;
        char hp[256];
        sc_child(hp, sizeof(hp), p, keys[i]);
        if (sc_member(c, o, p, keys[i], i == 0, &h) == -1)
            return -1;
        if (!h)
            continue;
        if (sc_resolve_host(c, s, h, hp, &d->redis, "runs no redis", &hosts[i]) == -1)
            return -1;
        if (f->kind == SB_FAULT_ADD_SHARD && redis_pos(d, hosts[i]) < first_spare)
            return sc_perr(c, hp, 0,
                           "%s is already in the cluster; add-shard takes spares (the last %d "
                           "redis hosts, \"spares\" in deployment.cluster)",
                           s->hosts[hosts[i]].name, d->cluster_spares);
    }
    if (hosts[1] >= 0 && hosts[1] == hosts[0])
        return sc_perr(c, p, 0, "add-shard: host and replica are the same host");
    long long n = 0;
    if (f->kind == SB_FAULT_ADD_SHARD && sc_get_int(c, o, p, "slots", 0, 1, 16384, &n) == -1)
        return -1;
    f->n_slots = (int)n;
    f->hosts.idx = sb_xcalloc(1, sizeof(int));
    f->hosts.idx[0] = hosts[0];
    f->hosts.n = 1;
    if (hosts[1] >= 0) {
        f->to.idx = sb_xcalloc(1, sizeof(int));
        f->to.idx[0] = hosts[1];
        f->to.n = 1;
    }
    return 0;
}

/* cluster-failover {"host", "mode"}; migrate-slots {"from", "to", "slots", "hold"}. */
static int parse_cluster_fault(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    const sb_deployment *d = &s->deployment;
    if (d->kind != SB_DEPLOY_CLUSTER)
        return sc_perr(c, p, 0, "%s needs deployment kind \"cluster\"",
                       scenario_fault_name(f->kind));
    if (f->kind == SB_FAULT_CLUSTER_FAILOVER) {
        json_t *h;
        char hp[256];
        sc_child(hp, sizeof(hp), p, "host");
        int host;
        if (sc_member(c, o, p, "host", 1, &h) == -1 ||
            sc_resolve_host(c, s, h, hp, &d->redis, "runs no redis", &host) == -1)
            return -1;
        f->hosts.idx = sb_xcalloc(1, sizeof(int));
        f->hosts.idx[0] = host;
        f->hosts.n = 1;
        const char *mode = "default";
        if (sc_get_string(c, o, p, "mode", 0, &mode) == -1)
            return -1;
        f->failover_mode = !strcmp(mode, "force") ? 1 : !strcmp(mode, "takeover") ? 2 : 0;
        if (f->failover_mode == 0 && strcmp(mode, "default")) {
            char mp[256];
            sc_child(mp, sizeof(mp), p, "mode");
            return sc_perr(c, mp, 0, "unknown mode \"%s\"; allowed: default, force, takeover",
                           mode);
        }
        return 0;
    }
    if (f->kind == SB_FAULT_ADD_SHARD || f->kind == SB_FAULT_REMOVE_SHARD)
        return parse_shard_fault(c, s, o, p, f);
    long long n = 100;
    int hosts[2];
    static const char *const ends[2] = {"from", "to"};
    for (int i = 0; i < 2; i++) {
        json_t *h;
        char hp[256];
        sc_child(hp, sizeof(hp), p, ends[i]);
        if (sc_member(c, o, p, ends[i], 1, &h) == -1 ||
            sc_resolve_host(c, s, h, hp, &d->redis, "runs no redis", &hosts[i]) == -1)
            return -1;
    }
    if (hosts[0] == hosts[1])
        return sc_perr(c, p, 0,
                       "migrate-slots moves slots between two masters; from and to are "
                       "the same host");
    if (sc_get_int(c, o, p, "slots", 0, 1, 16384, &n) == -1 ||
        sc_get_duration(c, o, p, "hold", 0, 0, &f->hold_ns) == -1)
        return -1;
    f->from.idx = sb_xcalloc(1, sizeof(int));
    f->to.idx = sb_xcalloc(1, sizeof(int));
    f->from.idx[0] = hosts[0], f->to.idx[0] = hosts[1];
    f->from.n = f->to.n = 1;
    f->n_slots = (int)n;
    return 0;
}

/* power-loss: the hosts whose redis loses power (as kill), and "torn":
 * bytes of the last unsynced append to keep, or "random" (drawn from the
 * run's seed). */
static int parse_power_loss(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    if (parse_process_fault(c, s, o, p, f) == -1)
        return -1;
    json_t *t;
    if (sc_member(c, o, p, "torn", 0, &t) == -1)
        return -1;
    if (!t && f->kind == SB_FAULT_TORN_WRITE) {
        f->torn = 1; /* torn-write is power-loss with "torn": "random" */
        f->torn_bytes = -1;
        return 0;
    }
    if (!t)
        return 0;
    char tp[256];
    sc_child(tp, sizeof(tp), p, "torn");
    f->torn = 1;
    if (json_is_string(t) && !strcmp(json_string_value(t), "random")) {
        f->torn_bytes = -1;
        return 0;
    }
    if (!json_is_integer(t) || json_integer_value(t) < 0)
        return sc_perr(c, tp, 0,
                       "torn must be a number of bytes or \"random\"; allowed: an integer >= 0, "
                       "\"random\"");
    f->torn_bytes = json_integer_value(t);
    return 0;
}

/* disk-full: the hosts whose redis data folder fills up, and "after": bytes
 * that may still be written before every write fails with ENOSPC. */
static int parse_disk_full(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    if (parse_process_fault(c, s, o, p, f) == -1)
        return -1;
    long long after = -1;
    if (sc_get_int(c, o, p, "after", 0, 0, (long long)1 << 40, &after) == -1)
        return -1;
    f->full_after = after;
    return 0;
}

/* corrupt: the stopped redis whose "file" (aof, rdb) gets "flip" bytes
 * flipped at seeded positions, or "truncate" bytes cut off its end. */
static int parse_corrupt(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_fault *f)
{
    if (parse_process_fault(c, s, o, p, f) == -1)
        return -1;
    const char *file = NULL;
    char fp[256];
    sc_child(fp, sizeof(fp), p, "file");
    if (sc_get_string(c, o, p, "file", 1, &file) == -1)
        return -1;
    if (strcmp(file, "aof") && strcmp(file, "rdb"))
        return sc_perr(c, fp, 0,
                       "unknown file \"%s\"; allowed: aof (the AOF's last incr file), rdb "
                       "(dump.rdb)",
                       file);
    f->corrupt_rdb = !strcmp(file, "rdb");
    long long flip = 0, cut = -1;
    if (sc_get_int(c, o, p, "flip", 0, 1, 4096, &flip) == -1 ||
        sc_get_int(c, o, p, "truncate", 0, 0, (long long)1 << 40, &cut) == -1)
        return -1;
    if (flip && cut >= 0)
        return sc_perr(c, p, 0, "corrupt takes \"flip\" or \"truncate\", not both");
    if (!flip && cut < 0)
        return sc_perr(c, p, 0,
                       "corrupt needs \"flip\" (bytes to flip, 1..4096) or \"truncate\" (bytes "
                       "to cut off the end)");
    f->corrupt_flip = (int)flip;
    f->corrupt_truncate = cut;
    return 0;
}

/* Keys each fault kind takes (besides "at", "fault", "for"). */
static const char *const *fault_keys(sb_fault_kind k)
{
    static const char *const partition[] = {"groups", "shape", "target", "from",
                                            "to",     "hosts", NULL};
    static const char *const none[] = {NULL};
    static const char *const process[] = {"host", "target", "process", NULL};
    static const char *const loss[] = {"hosts", "peers", "probability", NULL};
    static const char *const bandwidth[] = {"hosts", "rate", "burst", "latency", NULL};
    static const char *const netem[] = {"hosts",   "delay",   "jitter",   "loss", "duplicate",
                                        "reorder", "corrupt", "optional", NULL};
    static const char *const clock[] = {"op",     "target",   "process",   "delta",
                                        "period", "duration", "monotonic", NULL};
    static const char *const add[] = {"hosts", "mode", NULL};
    static const char *const rem[] = {"hosts", "reset_interval", NULL};
    static const char *const cfail[] = {"host", "mode", NULL};
    static const char *const migrate[] = {"from", "to", "slots", "hold", NULL};
    static const char *const addshard[] = {"host", "replica", "slots", NULL};
    static const char *const remshard[] = {"host", NULL};
    static const char *const power[] = {"host", "target", "torn", NULL};
    static const char *const full[] = {"host", "target", "after", NULL};
    static const char *const corrupt[] = {"host", "target", "file", "flip", "truncate", NULL};
    switch (k) {
    case SB_FAULT_POWER_LOSS:
    case SB_FAULT_TORN_WRITE:
        return power;
    case SB_FAULT_DISK_FULL:
        return full;
    case SB_FAULT_CORRUPT:
        return corrupt;
    case SB_FAULT_ADD_SHARD:
        return addshard;
    case SB_FAULT_REMOVE_SHARD:
        return remshard;
    case SB_FAULT_CLUSTER_FAILOVER:
        return cfail;
    case SB_FAULT_MIGRATE_SLOTS:
        return migrate;
    case SB_FAULT_PARTITION:
        return partition;
    case SB_FAULT_KILL:
    case SB_FAULT_RESTART:
    case SB_FAULT_PAUSE:
    case SB_FAULT_RESUME:
        return process;
    case SB_FAULT_LOSS:
        return loss;
    case SB_FAULT_BANDWIDTH:
        return bandwidth;
    case SB_FAULT_NETEM:
        return netem;
    case SB_FAULT_CLOCK:
        return clock;
    case SB_FAULT_SENTINEL_ADD:
        return add;
    case SB_FAULT_SENTINEL_REMOVE:
        return rem;
    default:
        return none;
    }
}

/* One fault object. templ: inside a random schedule (no "at"; "for" comes
 * from the schedule). */
int sc_parse_fault(pctx *c, const sb_scenario *s, json_t *o, const char *p, int templ, sb_fault *f)
{
    if (sc_want_type(c, o, p, json_is_object(o), "an object") == -1)
        return -1;
    int line, col;
    jpos_find(&c->pos, p, 0, &line, &col);
    f->line = line;
    f->generator = -1;
    const char *kind = NULL;
    if (sc_get_string(c, o, p, "fault", 1, &kind) == -1)
        return -1;
    char fp[256];
    sc_child(fp, sizeof(fp), p, "fault");
    sb_fault_kind k = scenario_fault_find(kind);
    if (k == (sb_fault_kind)-1)
        return sc_perr(c, fp, 0, "unknown fault \"%s\"; allowed: " ALLOWED_FAULTS, kind);
    f->kind = k;

    const char *const *own = fault_keys(f->kind);
    const char *keys[16];
    size_t nk = 0;
    keys[nk++] = "fault";
    if (!templ) {
        keys[nk++] = "at";
        keys[nk++] = "for";
    }
    for (size_t i = 0; own[i]; i++)
        keys[nk++] = own[i];
    keys[nk] = NULL;
    if (sc_check_keys(c, o, p, keys) == -1)
        return -1;
    if (templ && !undoable(f->kind))
        return sc_perr(c, fp, 0,
                       "a random schedule needs faults it can undo; \"%s\" is not one; allowed: "
                       "partition, kill, pause, loss, bandwidth, netem, clock, disk-full",
                       kind);
    if (templ && f->kind == SB_FAULT_SENTINEL_ADD)
        return sc_perr(c, fp, 0, "sentinel-add cannot be drawn at random; schedule it with \"at\"");
    if (!templ) {
        if (sc_get_duration(c, o, p, "at", 1, 0, &f->at_ns) == -1 ||
            sc_get_duration(c, o, p, "for", 0, 1, &f->for_ns) == -1)
            return -1;
        if (f->at_ns > s->duration_ns) {
            char ap[256], dur[32];
            sc_child(ap, sizeof(ap), p, "at");
            sb_format_duration(s->duration_ns, dur, sizeof(dur));
            return sc_perr(c, ap, 0, "fault at %s is after the end of the run; allowed: 0..%s",
                           json_string_value(json_object_get(o, "at")), dur);
        }
        if (f->for_ns && !undoable(f->kind)) {
            char ap[256];
            sc_child(ap, sizeof(ap), p, "for");
            return sc_perr(c, ap, 1,
                           "\"for\" needs a fault that stays in force; \"%s\" does not; allowed "
                           "with: partition, kill, pause, loss, bandwidth, netem, clock, "
                           "sentinel-add, disk-full",
                           kind);
        }
    }
    switch (f->kind) {
    case SB_FAULT_PARTITION:
        return parse_partition(c, s, o, p, f);
    case SB_FAULT_KILL:
    case SB_FAULT_RESTART:
    case SB_FAULT_PAUSE:
    case SB_FAULT_RESUME:
        return parse_process_fault(c, s, o, p, f);
    case SB_FAULT_LOSS:
        return parse_loss(c, s, o, p, f);
    case SB_FAULT_BANDWIDTH:
        return parse_bandwidth(c, s, o, p, f);
    case SB_FAULT_NETEM:
        return parse_netem(c, s, o, p, f);
    case SB_FAULT_CLOCK:
        return parse_clock(c, s, o, p, f);
    case SB_FAULT_SENTINEL_ADD:
    case SB_FAULT_SENTINEL_REMOVE:
        return parse_membership(c, s, o, p, f);
    case SB_FAULT_CLUSTER_FAILOVER:
    case SB_FAULT_MIGRATE_SLOTS:
    case SB_FAULT_ADD_SHARD:
    case SB_FAULT_REMOVE_SHARD:
        return parse_cluster_fault(c, s, o, p, f);
    case SB_FAULT_POWER_LOSS:
    case SB_FAULT_TORN_WRITE:
        return parse_power_loss(c, s, o, p, f);
    case SB_FAULT_DISK_FULL:
        return parse_disk_full(c, s, o, p, f);
    case SB_FAULT_CORRUPT:
        return parse_corrupt(c, s, o, p, f);
    default:
        return 0;
    }
}
