/* scenario_model.c -- what every layer asks of a parsed scenario: hosts
 * by name, the expectation of a checker, who a "groups" partition
 * connects, and the names of the model's enums as scenario files write
 * them (the parser, scenario/, looks names up here too, so each table is
 * written once). */
#include <stdio.h>
#include <string.h>

#include "scenario_model.h"

int scenario_host_index(const sb_scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_hosts; i++)
        if (strcmp(s->hosts[i].name, name) == 0)
            return (int)i;
    return -1;
}

const sb_expect *scenario_expect(const sb_scenario *s, const char *checker)
{
    for (size_t i = 0; i < s->n_expects; i++)
        if (strcmp(s->expects[i].checker, checker) == 0)
            return &s->expects[i];
    return NULL;
}

int scenario_hostset_has(const sb_hostset *hs, int h)
{
    for (size_t i = 0; i < hs->n; i++)
        if (hs->idx[i] == h)
            return 1;
    return 0;
}

int scenario_groups_connect(const sb_fault *f, int a, int b)
{
    int listed_a = 0, listed_b = 0;
    for (size_t g = 0; g < f->n_groups; g++) {
        int in_a = scenario_hostset_has(&f->groups[g], a),
            in_b = scenario_hostset_has(&f->groups[g], b);
        if (in_a && in_b)
            return 1;
        listed_a |= in_a;
        listed_b |= in_b;
    }
    return !listed_a && !listed_b;
}

/* ====== Names ====== */

static const char *const fault_names[] = {
    [SB_FAULT_PARTITION] = "partition",
    [SB_FAULT_HEAL] = "heal",
    [SB_FAULT_KILL] = "kill",
    [SB_FAULT_RESTART] = "restart",
    [SB_FAULT_PAUSE] = "pause",
    [SB_FAULT_RESUME] = "resume",
    [SB_FAULT_LOSS] = "loss",
    [SB_FAULT_BANDWIDTH] = "bandwidth",
    [SB_FAULT_NETEM] = "netem",
    [SB_FAULT_CLOCK] = "clock",
    [SB_FAULT_SENTINEL_ADD] = "sentinel-add",
    [SB_FAULT_SENTINEL_REMOVE] = "sentinel-remove",
    [SB_FAULT_UNDO] = "undo",
    [SB_FAULT_CLUSTER_FAILOVER] = "cluster-failover",
    [SB_FAULT_MIGRATE_SLOTS] = "migrate-slots",
    [SB_FAULT_ADD_SHARD] = "add-shard",
    [SB_FAULT_REMOVE_SHARD] = "remove-shard",
    [SB_FAULT_POWER_LOSS] = "power-loss",
    [SB_FAULT_TORN_WRITE] = "torn-write",
    [SB_FAULT_DISK_FULL] = "disk-full",
    [SB_FAULT_CORRUPT] = "corrupt",
};
#define N_FAULT_NAMES (sizeof(fault_names) / sizeof(fault_names[0]))

const char *scenario_fault_name(sb_fault_kind k)
{
    return (size_t)k < N_FAULT_NAMES ? fault_names[k] : "?";
}

sb_fault_kind scenario_fault_find(const char *name)
{
    for (size_t k = 0; k < N_FAULT_NAMES; k++)
        if (k != SB_FAULT_UNDO && fault_names[k] && !strcmp(fault_names[k], name))
            return (sb_fault_kind)k;
    return (sb_fault_kind)-1;
}

const char *scenario_proc_name(sb_proc_kind k)
{
    return k == SB_PROC_REDIS      ? "redis"
           : k == SB_PROC_SENTINEL ? "sentinel"
           : k == SB_PROC_ORIGIN   ? "origin"
                                   : "both";
}

static const struct {
    const char *name;
    sb_cache_strategy s;
    int herd_bound; /* what the strategy promises: one fetch per expiry */
} strategies[] = {
    {"none", SB_CACHE_NONE, 0},
    {"never-invalidate", SB_CACHE_NEVER_INVALIDATE, 0},
    {"mediator", SB_CACHE_MEDIATOR, 0}, /* coalesces concurrent misses only */
    {"redlock", SB_CACHE_REDLOCK, 1},
    {"update-on-write", SB_CACHE_UPDATE_ON_WRITE, 0},
    {"lock", SB_CACHE_LOCK, 1},
    {"memolock", SB_CACHE_MEMOLOCK, 1},
    {"memolock-fixed", SB_CACHE_MEMOLOCK_FIXED, 1},
};
#define N_STRATEGIES (sizeof(strategies) / sizeof(strategies[0]))

const char *scenario_cache_strategy_name(sb_cache_strategy s)
{
    for (size_t i = 0; i < N_STRATEGIES; i++)
        if (strategies[i].s == s)
            return strategies[i].name;
    return "?";
}

int scenario_cache_strategy_find(const char *name, sb_cache_strategy *s, int *herd_bound)
{
    for (size_t i = 0; i < N_STRATEGIES; i++)
        if (!strcmp(strategies[i].name, name)) {
            *s = strategies[i].s;
            *herd_bound = strategies[i].herd_bound;
            return 0;
        }
    return -1;
}
