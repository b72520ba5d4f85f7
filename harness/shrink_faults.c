/* shrink_faults.c -- the faults of a run as shrink units and schedules of
 * them as scenarios; see shrink_faults.h. */
#define _GNU_SOURCE
#include "shrink_faults.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ====== The faults as they were applied ====== */

static int host_bit(const sb_scenario *s, const char *name, uint64_t *mask)
{
    int h = name ? scenario_host_index(s, name) : -1;
    if (h < 0)
        return -1;
    *mask |= (uint64_t)1 << h;
    return 0;
}

static json_t *hosts_json(const sb_scenario *s, uint64_t mask)
{
    json_t *a = json_array();
    for (size_t h = 0; h < s->n_hosts; h++)
        if (mask & ((uint64_t)1 << h))
            json_array_append_new(a, json_string(s->hosts[h].name));
    return a;
}

/* The sides of a partition from its recorded grudge, when it is one that
 * "groups" can say (two hosts either see each other both ways or neither);
 * else 0 with nothing set. */
static int partition_sides(const sb_scenario *s, json_t *grudge, uint64_t *comp, size_t *n_comp)
{
    unsigned char g[SB_MAX_HOSTS][SB_MAX_HOSTS] = {{0}};
    const char *name;
    json_t *peers;
    json_object_foreach(grudge, name, peers)
    {
        int a = scenario_host_index(s, name);
        size_t i;
        json_t *p;
        if (a < 0)
            return 0;
        json_array_foreach(peers, i, p)
        {
            int b = scenario_host_index(s, json_string_value(p));
            if (b < 0)
                return 0;
            g[a][b] = 1;
        }
    }
    int group[SB_MAX_HOSTS];
    *n_comp = 0;
    for (size_t a = 0; a < s->n_hosts; a++) {
        group[a] = -1;
        for (size_t k = 0; k < *n_comp && group[a] < 0; k++) {
            int b = __builtin_ctzll(comp[k]);
            if (!g[a][b] && !g[b][a])
                group[a] = (int)k;
        }
        if (group[a] < 0) {
            group[a] = (int)(*n_comp)++;
            comp[group[a]] = 0;
        }
        comp[group[a]] |= (uint64_t)1 << a;
    }
    for (size_t a = 0; a < s->n_hosts; a++)
        for (size_t b = 0; b < s->n_hosts; b++)
            if (a != b && (group[a] == group[b]) != (!g[a][b] && !g[b][a]))
                return 0;
    return *n_comp >= 2;
}

static int unit_partition(shrink_faults *c, json_t *v, fault_unit *u, shrink_unit *su)
{
    uint64_t comp[SB_MAX_HOSTS];
    size_t n = 0;
    json_t *grudge = json_object_get(v, "grudge");
    if (grudge && partition_sides(c->s, grudge, comp, &n)) {
        if (n == 2) {
            u->two_sides = 1;
            u->side = comp[0] | comp[1];
            su->hosts =
                __builtin_popcountll(comp[0]) <= __builtin_popcountll(comp[1]) ? comp[0] : comp[1];
            return 0;
        }
        json_t *groups = json_array();
        for (size_t k = 0; k < n; k++)
            json_array_append_new(groups, hosts_json(c->s, comp[k]));
        json_object_set_new(u->spec, "groups", groups);
        return 0;
    }
    /* a ring or a bridge: "groups" cannot say it; drawn again when it fires */
    const char *shape = json_string_value(json_object_get(v, "shape"));
    json_object_set_new(u->spec, "shape", json_string(shape ? shape : "halves"));
    u->random_shape = 1;
    return 0;
}

/* "targets": [{"host": ..., "process": ...}] as "target" and "process". */
static int unit_targets(shrink_faults *c, json_t *v, fault_unit *u, shrink_unit *su)
{
    json_t *targets = json_object_get(v, "targets"), *t;
    size_t i;
    uint64_t per[SB_PROC_KINDS] = {0};
    json_array_foreach(targets, i, t)
    {
        const char *proc = json_string_value(json_object_get(t, "process"));
        for (int k = 0; k < SB_PROC_KINDS; k++)
            if (proc && !strcmp(proc, scenario_proc_name((sb_proc_kind)k)) &&
                host_bit(c->s, json_string_value(json_object_get(t, "host")), &per[k]) == -1)
                return -1;
    }
    const char *proc = NULL;
    if (per[SB_PROC_REDIS] && per[SB_PROC_REDIS] == per[SB_PROC_SENTINEL]) {
        proc = "both";
        su->hosts = per[SB_PROC_REDIS];
    } else {
        for (int k = 0; k < SB_PROC_KINDS && !proc; k++)
            if (per[k]) {
                proc = scenario_proc_name((sb_proc_kind)k);
                su->hosts = per[k];
            }
    }
    if (!proc)
        return -1;
    json_object_set_new(u->spec, "process", json_string(proc));
    return 0;
}

/* The hosts of "targets", whatever their processes: a disk fault acts on a
 * host's redis and, for a power loss, on everything of it. */
static int unit_hosts(shrink_faults *c, json_t *v, fault_unit *u, shrink_unit *su)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(v, "targets"), i, t)
    {
        if (host_bit(c->s, json_string_value(json_object_get(t, "host")), &su->hosts) == -1)
            return -1;
    }
    u->hosts_only = 1;
    return su->hosts ? 0 : -1;
}

static void set_ms(json_t *o, const char *key, double ms, int sign)
{
    char buf[48];
    long long us = llround(ms * 1000);
    snprintf(buf, sizeof(buf), "%s%lldus", sign && us < 0 ? "-" : "", us < 0 ? -us : us);
    json_object_set_new(o, key, json_string(buf));
}

/* The keys of v (those it has) into o. */
static void copy_keys(json_t *o, json_t *v, const char *const *keys)
{
    for (size_t i = 0; keys[i]; i++)
        if (json_object_get(v, keys[i]))
            json_object_set(o, keys[i], json_object_get(v, keys[i]));
}

/* The scenario entry of an applied fault f with value v; -1 with c->err
 * when it is a kind shrink cannot write yet. */
static int unit_from(shrink_faults *c, const char *f, json_t *v, fault_unit *u, shrink_unit *su)
{
    memset(u, 0, sizeof(*u));
    snprintf(u->kind, sizeof(u->kind), "%s", f);
    u->spec = json_pack("{s:s}", "fault", f);
    int rc = 0;
    if (!strcmp(f, "partition")) {
        rc = unit_partition(c, v, u, su);
    } else if (!strcmp(f, "pause") || !strcmp(f, "kill")) {
        rc = unit_targets(c, v, u, su);
    } else if (!strcmp(f, "clock")) {
        const char *op = json_string_value(json_object_get(v, "op"));
        json_object_set_new(u->spec, "op", json_string(op ? op : "bump"));
        if (json_is_number(json_object_get(v, "delta_ms"))) {
            long long us = llround(json_number_value(json_object_get(v, "delta_ms")) * 1000);
            u->size_kind = SHRINK_SIZE_CLOCK_US;
            u->negative = us < 0;
            su->size = us < 0 ? -us : us;
        }
        if (json_is_number(json_object_get(v, "period_ms"))) {
            set_ms(u->spec, "period", json_number_value(json_object_get(v, "period_ms")), 0);
            set_ms(u->spec, "duration", json_number_value(json_object_get(v, "duration_ms")), 0);
        }
        rc = unit_targets(c, v, u, su);
    } else if (!strcmp(f, "loss")) {
        u->size_kind = SHRINK_SIZE_LOSS_PPM;
        su->size = llround(json_number_value(json_object_get(v, "probability")) * 1e6);
        copy_keys(u->spec, v, (const char *const[]){"hosts", "peers", NULL});
    } else if (!strcmp(f, "bandwidth")) {
        char rate[48];
        snprintf(rate, sizeof(rate), "%lldB",
                 (long long)json_integer_value(json_object_get(v, "rate_bytes_per_s")));
        json_object_set_new(u->spec, "rate", json_string(rate));
        copy_keys(u->spec, v, (const char *const[]){"burst", "hosts", NULL});
        set_ms(u->spec, "latency", json_number_value(json_object_get(v, "latency_ms")), 0);
    } else if (!strcmp(f, "netem")) {
        static const char *const probs[] = {"loss", "duplicate", "reorder", "corrupt"};
        for (size_t k = 0; k < 4; k++)
            if (json_number_value(json_object_get(v, probs[k])) > 0)
                json_object_set(u->spec, probs[k], json_object_get(v, probs[k]));
        if (json_number_value(json_object_get(v, "delay_ms")) > 0)
            set_ms(u->spec, "delay", json_number_value(json_object_get(v, "delay_ms")), 0);
        if (json_number_value(json_object_get(v, "jitter_ms")) > 0)
            set_ms(u->spec, "jitter", json_number_value(json_object_get(v, "jitter_ms")), 0);
        copy_keys(u->spec, v, (const char *const[]){"hosts", NULL});
    } else if (!strcmp(f, "sentinel-add") || !strcmp(f, "sentinel-remove") ||
               !strcmp(f, "cluster-failover") || !strcmp(f, "remove-shard")) {
        /* hosts and mode as recorded ("mode" of a failover: default, force,
         * takeover; of sentinel-add: together, one-by-one) */
        copy_keys(u->spec, v, (const char *const[]){"hosts", "host", "mode", NULL});
    } else if (!strcmp(f, "add-shard")) {
        copy_keys(u->spec, v, (const char *const[]){"host", "replica", "slots", NULL});
    } else if (!strcmp(f, "power-loss") || !strcmp(f, "torn-write") || !strcmp(f, "disk-full") ||
               !strcmp(f, "corrupt")) {
        /* as given ("torn", "file" and "flip" or "truncate"), "after" from
         * what disk-full recorded */
        copy_keys(u->spec, v, (const char *const[]){"torn", "file", "flip", "truncate", NULL});
        if (json_integer_value(json_object_get(v, "after_bytes")) > 0)
            json_object_set(u->spec, "after", json_object_get(v, "after_bytes"));
        rc = unit_hosts(c, v, u, su);
    } else {
        sb_err_set(c->err,
                   "the run applied a %s fault, which shrink cannot write as a fixed fault yet "
                   "(it can: partition, pause, kill, clock, loss, bandwidth, netem, "
                   "sentinel-add, sentinel-remove, cluster-failover, add-shard, remove-shard, "
                   "power-loss, torn-write, disk-full, corrupt, with their undos and heals)",
                   f);
        rc = -1;
    }
    if (rc == -1 && !c->err[0])
        sb_err_set(c->err, "the %s fault recorded in the history names no host of the scenario", f);
    return rc;
}

/* Whether a record's "targets" name a sentinel. */
static int names_sentinel(json_t *v)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(v, "targets"), i, t)
    {
        const char *p = json_string_value(json_object_get(t, "process"));
        if (p && !strcmp(p, "sentinel"))
            return 1;
    }
    return 0;
}

/* A fault whose processes stay down until a restart. */
static int ends_by_restart(const char *kind)
{
    return !strcmp(kind, "kill") || !strcmp(kind, "power-loss") || !strcmp(kind, "torn-write");
}

static int is_network(const char *kind)
{
    return !strcmp(kind, "partition") || !strcmp(kind, "loss") || !strcmp(kind, "bandwidth") ||
           !strcmp(kind, "netem");
}

/* The units of the run: every fault the history records as applied (an
 * ok completion, not skipped), starting at its invoke, and ending with its
 * undo, a heal (network faults), a restart (kill) or a resume (pause). */
int shrink_faults_load(shrink_faults *c, const sb_history *h, shrink_sched *sched)
{
    int64_t invoked[4096];
    int hist_id[SHRINK_MAX_UNITS];
    for (size_t i = 0; i < 4096; i++)
        invoked[i] = -1;
    sched->units = sb_xcalloc(SHRINK_MAX_UNITS, sizeof(shrink_unit));
    sched->n = 0;
    sched->duration_ns = c->s->duration_ns;
    sched->rate = c->s->workload.rate;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_NEMESIS || !json_is_object(op->value))
            continue;
        json_int_t id = json_integer_value(json_object_get(op->value, "id"));
        if (!json_is_integer(json_object_get(op->value, "id")) || id < 0 || id >= 4096)
            continue; /* the final heal (id -1) */
        if (op->type == SB_OP_INVOKE) {
            invoked[id] = op->time_ns;
            continue;
        }
        if (op->type != SB_OP_OK || json_is_true(json_object_get(op->value, "skipped")))
            continue;
        int64_t at = invoked[id] >= 0 ? invoked[id] : op->time_ns;
        const char *f = op->f;
        int undo = !strcmp(f, "undo"), heal = !strcmp(f, "heal");
        int restart = !strcmp(f, "restart"), resume = !strcmp(f, "resume");
        if (undo || heal || restart || resume) {
            json_int_t of = json_integer_value(json_object_get(op->value, "of"));
            for (size_t k = 0; k < sched->n; k++) {
                shrink_unit *su = &sched->units[k];
                const char *kind = c->units[k].kind;
                int ends = undo
                               ? hist_id[k] == of
                               : (heal && is_network(kind)) || (restart && ends_by_restart(kind)) ||
                                     (resume && !strcmp(kind, "pause"));
                if (ends && su->for_ns == 0) {
                    su->for_ns = at - su->at_ns > 0 ? at - su->at_ns : 1;
                    /* A power loss ends with a restart fault of its own:
                     * of the sentinels too when this one started them. */
                    if (restart && strcmp(kind, "kill"))
                        snprintf(c->units[k].restart, sizeof(c->units[k].restart), "%s",
                                 names_sentinel(op->value) ? "both" : "redis");
                }
            }
            continue;
        }
        if (sched->n >= SHRINK_MAX_UNITS) {
            sb_err_set(c->err, "the run applied more than %d faults", SHRINK_MAX_UNITS);
            return -1;
        }
        shrink_unit *su = &sched->units[sched->n];
        memset(su, 0, sizeof(*su));
        su->id = (int)sched->n;
        su->at_ns = at;
        hist_id[sched->n] = (int)id;
        if (unit_from(c, f, op->value, &c->units[sched->n], su) == -1) {
            json_decref(c->units[sched->n].spec); /* not counted in c->n */
            c->units[sched->n].spec = NULL;
            return -1;
        }
        sched->n++;
        c->n = sched->n;
    }
    return 0;
}

/* ====== Candidates as scenario files ====== */

static void put_ms(json_t *o, const char *key, int64_t ns)
{
    char buf[48];
    snprintf(buf, sizeof(buf), "%lldms", (long long)((ns + SB_NS_PER_MS / 2) / SB_NS_PER_MS));
    json_object_set_new(o, key, json_string(buf));
}

/* The schedule as a scenario: the run's, with these faults at fixed times,
 * this duration, the run's seed, name and description as given. */
json_t *shrink_faults_scenario(const shrink_faults *c, const shrink_sched *sc, const char *name,
                               const char *description)
{
    json_t *root = json_deep_copy(c->root);
    json_t *nem = json_array();
    for (size_t i = 0; i < sc->n; i++) {
        const shrink_unit *su = &sc->units[i];
        const fault_unit *u = &c->units[su->id];
        json_t *e = json_object();
        put_ms(e, "at", su->at_ns);
        json_object_update(e, u->spec);
        if (u->size_kind == SHRINK_SIZE_CLOCK_US)
            set_ms(e, "delta", (double)(u->negative ? -su->size : su->size) / 1000, 1);
        else if (u->size_kind == SHRINK_SIZE_LOSS_PPM)
            json_object_set_new(e, "probability", json_real((double)su->size / 1e6));
        if (u->two_sides) {
            json_t *groups = json_array();
            json_array_append_new(groups, hosts_json(c->s, su->hosts));
            json_array_append_new(groups, hosts_json(c->s, u->side & ~su->hosts));
            json_object_set_new(e, "groups", groups);
        } else if (su->hosts && (json_object_get(u->spec, "process") || u->hosts_only)) {
            json_object_set_new(e, "target", hosts_json(c->s, su->hosts));
        }
        int64_t end = su->at_ns + su->for_ns;
        int ends = su->for_ns > 0 && (end + SB_NS_PER_MS / 2) / SB_NS_PER_MS <
                                         (sc->duration_ns + SB_NS_PER_MS / 2) / SB_NS_PER_MS;
        if (ends && u->restart[0]) {
            /* a power loss takes no "for": its end is a restart fault, of
             * the sentinels too when the run's restart started them */
            int64_t at = su->at_ns + (su->for_ns < SB_NS_PER_MS ? SB_NS_PER_MS : su->for_ns);
            for (int both = 0; both <= !strcmp(u->restart, "both"); both++) {
                json_array_append_new(nem, e);
                e = json_pack("{s:s,s:o,s:s}", "fault", "restart", "target",
                              hosts_json(c->s, su->hosts), "process", both ? "sentinel" : "redis");
                put_ms(e, "at", at);
            }
        } else if (ends) {
            put_ms(e, "for", su->for_ns < SB_NS_PER_MS ? SB_NS_PER_MS : su->for_ns);
        }
        json_array_append_new(nem, e);
    }
    json_object_set_new(root, "name", json_string(name));
    json_object_set_new(root, "description", json_string(description));
    json_object_set_new(root, "seed", json_integer((json_int_t)c->s->seed));
    put_ms(root, "duration", sc->duration_ns);
    json_t *workload = json_object_get(root, "workload");
    if (sc->rate > 0 && json_is_object(workload))
        json_object_set_new(workload, "rate", json_integer((json_int_t)sc->rate));
    json_object_set_new(root, "nemesis", nem);
    /* a family would draw the shrunk run beside the run it came from */
    json_object_del(root, "family");
    json_object_del(root, "setting");
    return root;
}

/* "1 partition + 1 heal": the faults of a schedule by kind, each with its
 * undo ("heal" for a network fault, "restart" for a kill or a power loss,
 * "resume" for a pause, "undo" otherwise) when it has one within the run. */
void shrink_faults_words(const shrink_faults *c, const shrink_sched *sc, char *buf, size_t len)
{
    static const char *const order[] = {"partition",
                                        "loss",
                                        "bandwidth",
                                        "netem",
                                        "pause",
                                        "kill",
                                        "clock",
                                        "sentinel-add",
                                        "sentinel-remove",
                                        "cluster-failover",
                                        "add-shard",
                                        "remove-shard",
                                        "power-loss",
                                        "torn-write",
                                        "disk-full",
                                        "corrupt",
                                        NULL};
    sb_buf b;
    sb_buf_init(&b);
    int undos[4] = {0};
    static const char *const undo_names[] = {"heal", "resume", "restart", "undo"};
    for (size_t k = 0; order[k]; k++) {
        int n = 0;
        for (size_t i = 0; i < sc->n; i++) {
            const fault_unit *u = &c->units[sc->units[i].id];
            if (strcmp(u->kind, order[k]) != 0)
                continue;
            n++;
            if (sc->units[i].for_ns > 0 &&
                sc->units[i].at_ns + sc->units[i].for_ns < sc->duration_ns)
                undos[is_network(u->kind)         ? 0
                      : !strcmp(u->kind, "pause") ? 1
                      : ends_by_restart(u->kind)  ? 2
                                                  : 3]++;
        }
        if (n)
            sb_buf_printf(&b, "%s%d %s", b.len ? " + " : "", n, order[k]);
    }
    for (int k = 0; k < 4; k++)
        if (undos[k])
            sb_buf_printf(&b, "%s%d %s", b.len ? " + " : "", undos[k], undo_names[k]);
    snprintf(buf, len, "%s", b.len ? b.data : "no faults");
    sb_buf_free(&b);
}

void shrink_faults_free(shrink_faults *c)
{
    for (size_t i = 0; i < c->n; i++)
        json_decref(c->units[i].spec);
    c->n = 0;
}
