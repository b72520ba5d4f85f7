/* scenario_cache.c -- the scenario's "origin" section and the cache
 * workload's options ("workload": {"kind": "cache", "cache": {...}}).
 *
 *   "origin": {"host": "o1", "port": 8080, "latency": "50ms", "jitter": "10ms",
 *              "capacity": 20, "overload": "503"|"slow"}
 *   "cache": {"strategy": "lock", "keys": 100, "zipf": 1.0, "ttl": "2s",
 *             "sync_expiry": true, "lock_ttl": "1s", "retry": "10ms",
 *             "listen_timeout": "500ms", "give_up": "10s", "starve_bound": "2s",
 *             "fetch_timeout": "2s", "writes": 0.01, "subscribe_delay": "0ms"} */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "util.h"

#define ALLOWED_STRATEGIES                                                                         \
    "none, never-invalidate, mediator, redlock, update-on-write, lock, memolock, memolock-fixed"

int sc_parse_origin(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const keys[] = {"host",     "port",     "latency", "jitter",
                                       "capacity", "overload", NULL};
    sb_origin_spec *o = &s->origin;
    o->host = -1;
    o->port = 8080;
    o->latency_ns = 50 * SB_NS_PER_MS;
    o->overload_503 = 1;
    json_t *v = json_object_get(root, "origin");
    if (!v)
        return 0;
    long long port = 8080, cap = 0;
    const char *overload = "503";
    json_t *h;
    if (sc_want_type(c, v, "/origin", json_is_object(v),
                     "an object {\"host\": \"o1\", \"latency\": \"50ms\", ...}") == -1 ||
        sc_check_keys(c, v, "/origin", keys) == -1 ||
        sc_member(c, v, "/origin", "host", 1, &h) == -1 ||
        sc_resolve_host(c, s, h, "/origin/host", NULL, "", &o->host) == -1 ||
        sc_get_int(c, v, "/origin", "port", 0, 1, 65534, &port) == -1 ||
        sc_get_duration(c, v, "/origin", "latency", 0, 0, &o->latency_ns) == -1 ||
        sc_get_duration(c, v, "/origin", "jitter", 0, 0, &o->jitter_ns) == -1 ||
        sc_get_int(c, v, "/origin", "capacity", 0, 0, 100000, &cap) == -1 ||
        sc_get_string(c, v, "/origin", "overload", 0, &overload) == -1)
        return -1;
    if (strcmp(overload, "503") != 0 && strcmp(overload, "slow") != 0)
        return sc_perr(c, "/origin/overload", 0, "unknown overload \"%s\"; allowed: 503, slow",
                       overload);
    if (scenario_hostset_has(&s->deployment.redis, o->host) &&
        (port == s->deployment.redis_port || port + 1 == s->deployment.redis_port))
        return sc_perr(c, "/origin/port", 0,
                       "port %lld (and %lld for the mediator) would clash "
                       "with redis on %s",
                       port, port + 1, s->hosts[o->host].name);
    o->port = (int)port;
    o->capacity = (int)cap;
    o->overload_503 = strcmp(overload, "503") == 0;
    return 0;
}

int sc_parse_cache(pctx *c, json_t *w, sb_scenario *s)
{
    static const char *const keys[] = {"strategy",
                                       "keys",
                                       "zipf",
                                       "ttl",
                                       "sync_expiry",
                                       "lock_ttl",
                                       "retry",
                                       "listen_timeout",
                                       "give_up",
                                       "starve_bound",
                                       "fetch_timeout",
                                       "writes",
                                       "subscribe_delay",
                                       NULL};
    sb_cache_cfg *k = &s->workload.cache;
    k->keys = 100;
    k->zipf = 1.0;
    k->ttl_ns = 2 * SB_NS_PER_S;
    k->sync_expiry = 1;
    k->lock_ttl_ns = SB_NS_PER_S;
    k->retry_ns = 10 * SB_NS_PER_MS;
    k->listen_timeout_ns = 500 * SB_NS_PER_MS;
    k->give_up_ns = 10 * SB_NS_PER_S;
    k->starve_bound_ns = 2 * SB_NS_PER_S;
    k->fetch_timeout_ns = 2 * SB_NS_PER_S;
    k->writes = 0.01;
    json_t *o = json_object_get(w, "cache");
    if (s->origin.host < 0)
        return sc_perr(c, "/workload/kind", 0,
                       "the cache workload needs an origin service: add \"origin\": {\"host\": "
                       "...} at the top of the scenario");
    const char *strategy = "none";
    long long nkeys = 100;
    if (o && (sc_want_type(c, o, "/workload/cache", json_is_object(o),
                           "an object {\"strategy\": \"lock\", \"ttl\": \"2s\", ...}") == -1 ||
              sc_check_keys(c, o, "/workload/cache", keys) == -1 ||
              sc_get_string(c, o, "/workload/cache", "strategy", 0, &strategy) == -1 ||
              sc_get_int(c, o, "/workload/cache", "keys", 0, 1, 100000, &nkeys) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "ttl", 0, 1, &k->ttl_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "lock_ttl", 0, 1, &k->lock_ttl_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "retry", 0, 1, &k->retry_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "listen_timeout", 0, 1,
                              &k->listen_timeout_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "give_up", 0, 1, &k->give_up_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "starve_bound", 0, 1, &k->starve_bound_ns) ==
                  -1 ||
              sc_get_duration(c, o, "/workload/cache", "fetch_timeout", 0, 1,
                              &k->fetch_timeout_ns) == -1 ||
              sc_get_duration(c, o, "/workload/cache", "subscribe_delay", 0, 0,
                              &k->subscribe_delay_ns) == -1))
        return -1;
    k->keys = (int)nkeys;
    if (scenario_cache_strategy_find(strategy, &k->strategy, &k->herd_bound) == -1)
        return sc_perr(c, "/workload/cache/strategy", 0, "unknown strategy \"%s\"; allowed: %s",
                       strategy, ALLOWED_STRATEGIES);
    static const char *const nums[] = {"zipf", "writes"};
    double *dst[] = {&k->zipf, &k->writes};
    for (int i = 0; i < 2; i++) {
        json_t *v = o ? json_object_get(o, nums[i]) : NULL;
        if (!v)
            continue;
        char p[64];
        snprintf(p, sizeof(p), "/workload/cache/%s", nums[i]);
        if (sc_want_type(c, v, p, json_is_number(v), "a number") == -1)
            return -1;
        *dst[i] = json_number_value(v);
        if (!isfinite(*dst[i]) || *dst[i] < 0 || (i == 1 && *dst[i] > 1))
            return sc_perr(c, p, 0, "%s must be %s", nums[i],
                           i ? "a share of operations, 0..1" : ">= 0 (0: every key as hot)");
    }
    json_t *se = o ? json_object_get(o, "sync_expiry") : NULL;
    if (se) {
        if (sc_want_type(c, se, "/workload/cache/sync_expiry", json_is_boolean(se),
                         "true or false") == -1)
            return -1;
        k->sync_expiry = json_is_true(se);
    }
    if (k->subscribe_delay_ns && k->strategy != SB_CACHE_MEMOLOCK &&
        k->strategy != SB_CACHE_MEMOLOCK_FIXED)
        return sc_perr(c, "/workload/cache/subscribe_delay", 0,
                       "subscribe_delay is a test hook of the memolock strategies");
    if (k->strategy == SB_CACHE_REDLOCK) {
        const sb_deployment *d = &s->deployment;
        if (d->kind != SB_DEPLOY_INDEPENDENT)
            return sc_perr(c, "/workload/cache/strategy", 0,
                           "redlock needs independent masters: use deployment kind "
                           "\"independent\" (the cache lives on the primary)");
        /* The lock workload's Redlock, over every master. */
        sb_lock_cfg *l = &s->workload.lock;
        l->redlock = 1;
        l->ttl_ns = k->lock_ttl_ns;
        l->drift_ns = l->ttl_ns / 100 + 2 * SB_NS_PER_MS;
        l->retry_ns = k->retry_ns;
        l->nodes.idx = sb_xcalloc(d->redis.n, sizeof(int));
        for (size_t i = 0; i < d->redis.n; i++)
            l->nodes.idx[l->nodes.n++] = d->redis.idx[i];
    }
    if (s->deployment.kind == SB_DEPLOY_CLUSTER)
        return sc_perr(c, "/workload/kind", 0,
                       "the cache workload does not run on a cluster yet; use a sentinel or "
                       "independent deployment");
    return 0;
}
