/* scenario.c -- a scenario file turned once into typed structs, with every
 * error reported as "file:line:col: what is wrong; what is allowed". */
#define _GNU_SOURCE
#include "scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "listappend.h"
#include "jpos.h"
#include "scenario_internal.h"
#include "util.h"
#include "workload.h"

/* ====== Errors ====== */

/* "/clients/0/host" -> "clients[0].host" */
void sc_human_path(const char *path, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (const char *p = path; *p && k + 4 < len;) {
        if (*p == '/') {
            p++;
            if (isdigit((unsigned char)*p)) {
                out[k++] = '[';
                while (isdigit((unsigned char)*p) && k + 2 < len)
                    out[k++] = *p++;
                out[k++] = ']';
            } else if (k) {
                out[k++] = '.';
            }
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    if (!k)
        snprintf(out, len, "the top level");
}

int sc_perr(pctx *c, const char *path, int key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sc_perr(pctx *c, const char *path, int key, const char *fmt, ...)
{
    int line, col;
    jpos_find(&c->pos, path, key, &line, &col);
    char msg[SB_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* "file:line:col: msg", cut at SB_ERR_LEN as a whole (the file name
     * never takes more than a third) */
    size_t used = (size_t)snprintf(c->err, SB_ERR_LEN, "%.170s:%d:%d: ", c->file, line, col);
    size_t n = strlen(msg);
    if (n > SB_ERR_LEN - 1 - used)
        n = SB_ERR_LEN - 1 - used;
    memcpy(c->err + used, msg, n);
    c->err[used + n] = '\0';
    return -1;
}

const char *sc_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

void sc_join_names(const char *const *names, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; names[i]; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", names[i]);
}

/* A JSON pointer one level down. Paths only locate errors; one too deep
 * for out (no scenario file has one) is kept cut, as sb_path_join leaves it. */
void sc_child(char *out, size_t len, const char *path, const char *key)
{
    sb_path_join(out, len, path, key, NULL);
}

/* ====== Generic readers ====== */

int sc_check_keys(pctx *c, json_t *obj, const char *path, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char p[512], where[256], list[512];
            sc_child(p, sizeof(p), path, key);
            sc_human_path(path, where, sizeof(where));
            sc_join_names(allowed, list, sizeof(list));
            return sc_perr(c, p, 1, "unknown key \"%s\" in %s; allowed: %s", key, where, list);
        }
    }
    return 0;
}

int sc_want_type(pctx *c, json_t *v, const char *path, int ok, const char *what)
{
    if (ok)
        return 0;
    char where[256];
    sc_human_path(path, where, sizeof(where));
    return sc_perr(c, path, 0, "%s must be %s; got %s", where, what, sc_type_name(v));
}

/* Gets obj[key]; -1 with an error when required and missing. */
int sc_member(pctx *c, json_t *obj, const char *path, const char *key, int required, json_t **out)
{
    *out = json_object_get(obj, key);
    if (!*out && required) {
        char where[256];
        sc_human_path(path, where, sizeof(where));
        return sc_perr(c, path, 0, "missing \"%s\" in %s", key, where);
    }
    return 0;
}

int sc_get_string(pctx *c, json_t *obj, const char *path, const char *key, int required,
                  const char **out)
{
    json_t *v;
    char p[512];
    sc_child(p, sizeof(p), path, key);
    if (sc_member(c, obj, path, key, required, &v) == -1)
        return -1;
    if (!v)
        return 0;
    if (sc_want_type(c, v, p, json_is_string(v), "a string") == -1)
        return -1;
    *out = json_string_value(v);
    return 0;
}

int sc_get_int(pctx *c, json_t *obj, const char *path, const char *key, int required, long long min,
               long long max, long long *out)
{
    json_t *v;
    char p[512], where[256];
    sc_child(p, sizeof(p), path, key);
    if (sc_member(c, obj, path, key, required, &v) == -1)
        return -1;
    if (!v)
        return 0;
    if (sc_want_type(c, v, p, json_is_integer(v), "an integer") == -1)
        return -1;
    long long x = json_integer_value(v);
    if (x < min || x > max) {
        sc_human_path(p, where, sizeof(where));
        return sc_perr(c, p, 0, "%s is %lld; allowed: %lld..%lld", where, x, min, max);
    }
    *out = x;
    return 0;
}

int sc_get_duration(pctx *c, json_t *obj, const char *path, const char *key, int required,
                    int positive, int64_t *out)
{
    json_t *v;
    char p[512], where[256], e[SB_ERR_LEN];
    sc_child(p, sizeof(p), path, key);
    if (sc_member(c, obj, path, key, required, &v) == -1)
        return -1;
    if (!v)
        return 0;
    sc_human_path(p, where, sizeof(where));
    if (!json_is_string(v))
        return sc_perr(c, p, 0, "%s must be a duration string like \"10s\" or \"500ms\"; got %s",
                       where, sc_type_name(v));
    if (sb_parse_duration(json_string_value(v), out, e) == -1)
        return sc_perr(c, p, 0, "%s: %s", where, e);
    if (positive && *out <= 0)
        return sc_perr(c, p, 0, "%s must be longer than 0", where);
    return 0;
}

int sc_valid_name(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
            return 0;
    return 1;
}

/* ====== Hosts ====== */

void sc_host_list(const sb_scenario *s, const sb_hostset *within, char *out, size_t len)
{
    out[0] = '\0';
    size_t n = within ? within->n : s->n_hosts;
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "",
                 s->hosts[within ? within->idx[i] : (int)i].name);
}

/* Resolves a host name at path; within (optional) restricts which hosts
 * qualify, described by what ("runs a sentinel"). */
int sc_resolve_host(pctx *c, const sb_scenario *s, json_t *v, const char *path,
                    const sb_hostset *within, const char *what, int *out)
{
    char where[256], list[1024];
    sc_human_path(path, where, sizeof(where));
    if (sc_want_type(c, v, path, json_is_string(v), "a host name") == -1)
        return -1;
    int h = scenario_host_index(s, json_string_value(v));
    if (h < 0) {
        sc_host_list(s, NULL, list, sizeof(list));
        return sc_perr(c, path, 0, "%s: host \"%s\" does not exist; allowed: %s", where,
                       json_string_value(v), list);
    }
    if (within && !scenario_hostset_has(within, h)) {
        sc_host_list(s, within, list, sizeof(list));
        return sc_perr(c, path, 0, "%s: host \"%s\" %s; allowed: %s", where, json_string_value(v),
                       what, list);
    }
    *out = h;
    return 0;
}

/* Reads an array of host names at path into out. */
int sc_hostset_from(pctx *c, const sb_scenario *s, json_t *v, const char *p,
                    const sb_hostset *within, const char *what, sb_hostset *out)
{
    char ep[600], where[256];
    if (sc_want_type(c, v, p, json_is_array(v), "an array of host names") == -1)
        return -1;
    sc_human_path(p, where, sizeof(where));
    if (json_array_size(v) == 0)
        return sc_perr(c, p, 0, "%s is empty; name at least one host", where);
    out->idx = sb_xcalloc(json_array_size(v), sizeof(int));
    out->n = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        snprintf(ep, sizeof(ep), "%s/%zu", p, i);
        int h;
        if (sc_resolve_host(c, s, json_array_get(v, i), ep, within, what, &h) == -1)
            return -1;
        if (scenario_hostset_has(out, h))
            return sc_perr(c, ep, 0, "%s names host \"%s\" twice", where, s->hosts[h].name);
        out->idx[out->n++] = h;
    }
    return 0;
}

int sc_get_hostset(pctx *c, const sb_scenario *s, json_t *obj, const char *path, const char *key,
                   int required, const sb_hostset *within, const char *what, sb_hostset *out)
{
    json_t *v;
    char p[512];
    sc_child(p, sizeof(p), path, key);
    if (sc_member(c, obj, path, key, required, &v) == -1)
        return -1;
    return v ? sc_hostset_from(c, s, v, p, within, what, out) : 0;
}

/* ====== Config directives ====== */

static int directive_value(pctx *c, json_t *v, const char *path, char *out, size_t len)
{
    if (json_is_string(v))
        snprintf(out, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, len, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(out, len, "%s", json_is_true(v) ? "yes" : "no");
    else
        return sc_want_type(c, v, path, 0, "a string, number or boolean");
    if (strchr(out, '\n'))
        return sc_perr(c, path, 0, "a directive value cannot contain a newline");
    return 0;
}

/* path: the directive's key (key = 1), or an element of its array of values */
static void config_add(pctx *c, const char *path, int key, sb_config *cfg, const char *name,
                       const char *value)
{
    cfg->items = sb_xrealloc(cfg->items, (cfg->n + 1) * sizeof(sb_directive));
    sb_directive *d = &cfg->items[cfg->n++];
    d->name = sb_xstrdup(name);
    d->value = sb_xstrdup(value);
    jpos_find(&c->pos, path, key, &d->line, &d->col);
}

static int get_config(pctx *c, json_t *obj, const char *path, sb_config *cfg)
{
    json_t *v;
    char p[512];
    sc_child(p, sizeof(p), path, "config");
    if (sc_member(c, obj, path, "config", 0, &v) == -1 || !v)
        return 0;
    if (sc_want_type(c, v, p, json_is_object(v), "an object of directives") == -1)
        return -1;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val)
    {
        char kp[600], value[1024];
        sc_child(kp, sizeof(kp), p, key);
        if (!sc_valid_name(key, 64, "-_"))
            return sc_perr(c, kp, 1, "bad directive name \"%s\"; allowed: letters, digits, - and _",
                           key);
        if (json_is_array(val)) {
            for (size_t i = 0; i < json_array_size(val); i++) {
                char ep[700];
                snprintf(ep, sizeof(ep), "%s/%zu", kp, i);
                if (directive_value(c, json_array_get(val, i), ep, value, sizeof(value)) == -1)
                    return -1;
                config_add(c, ep, 0, cfg, key, value);
            }
            continue;
        }
        if (directive_value(c, val, kp, value, sizeof(value)) == -1)
            return -1;
        config_add(c, kp, 1, cfg, key, value);
    }
    return 0;
}

/* ====== Deployment ====== */

int sc_get_object(pctx *c, json_t *obj, const char *path, const char *key, int required,
                  json_t **out)
{
    char p[512];
    sc_child(p, sizeof(p), path, key);
    if (sc_member(c, obj, path, key, required, out) == -1)
        return -1;
    if (*out && sc_want_type(c, *out, p, json_is_object(*out), "an object") == -1)
        return -1;
    return 0;
}

static int parse_cluster(pctx *c, json_t *dep, sb_scenario *s)
{
    static const char *const keys[] = {"masters", "replicas", "node_timeout", "spares", NULL};
    sb_deployment *d = &s->deployment;
    long long m = 3, r = 1, sp = 0;
    d->cluster_node_timeout_ns = 2 * SB_NS_PER_S;
    json_t *o = json_object_get(dep, "cluster");
    if (o && (sc_want_type(
                  c, o, "/deployment/cluster", json_is_object(o),
                  "an object {\"masters\": 3, \"replicas\": 1, \"node_timeout\": \"2s\"}") == -1 ||
              sc_check_keys(c, o, "/deployment/cluster", keys) == -1 ||
              sc_get_int(c, o, "/deployment/cluster", "masters", 0, 1, 64, &m) == -1 ||
              sc_get_int(c, o, "/deployment/cluster", "replicas", 0, 0, 8, &r) == -1 ||
              sc_get_int(c, o, "/deployment/cluster", "spares", 0, 0, 16, &sp) == -1 ||
              sc_get_duration(c, o, "/deployment/cluster", "node_timeout", 0, 1,
                              &d->cluster_node_timeout_ns) == -1))
        return -1;
    if ((size_t)(m * (1 + r) + sp) != d->redis.n)
        return sc_perr(c, o ? "/deployment/cluster" : "/deployment/redis/hosts", 0,
                       "%lld masters with %lld replicas each and %lld spares need %lld redis "
                       "hosts, not %zu",
                       m, r, sp, m * (1 + r) + sp, d->redis.n);
    d->cluster_masters = (int)m;
    d->cluster_replicas = (int)r;
    d->cluster_spares = (int)sp;
    return 0;
}

static int parse_deployment(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const keys[] = {
        "kind", "redis", "sentinels", "cluster", "ready_timeout", "converge_timeout", NULL};
    static const char *const rkeys[] = {"hosts", "master", "config", "port", NULL};
    static const char *const skeys[] = {"hosts",  "standby", "quorum", "master_name",
                                        "config", "port",    NULL};
    sb_deployment *d = &s->deployment;
    json_t *dep, *redis, *sent;
    const char *kind = "sentinel";
    if (sc_get_object(c, root, "", "deployment", 1, &dep) == -1 ||
        sc_check_keys(c, dep, "/deployment", keys) == -1 ||
        sc_get_string(c, dep, "/deployment", "kind", 0, &kind) == -1)
        return -1;
    if (strcmp(kind, "sentinel") != 0 && strcmp(kind, "independent") != 0 &&
        strcmp(kind, "cluster") != 0)
        return sc_perr(c, "/deployment/kind", 0,
                       "unknown deployment kind \"%s\"; allowed: sentinel, independent, cluster",
                       kind);
    d->kind = strcmp(kind, "independent") == 0 ? SB_DEPLOY_INDEPENDENT
              : strcmp(kind, "cluster") == 0   ? SB_DEPLOY_CLUSTER
                                               : SB_DEPLOY_SENTINEL;
    if (d->kind != SB_DEPLOY_CLUSTER && json_object_get(dep, "cluster"))
        return sc_perr(c, "/deployment/cluster", 0,
                       "\"cluster\" is for deployment kind \"cluster\"");
    d->ready_timeout_ns = 30 * SB_NS_PER_S;
    d->converge_timeout_ns = 60 * SB_NS_PER_S;
    if (sc_get_duration(c, dep, "/deployment", "ready_timeout", 0, 1, &d->ready_timeout_ns) == -1 ||
        sc_get_duration(c, dep, "/deployment", "converge_timeout", 0, 1, &d->converge_timeout_ns) ==
            -1)
        return -1;

    if (sc_get_object(c, dep, "/deployment", "redis", 1, &redis) == -1 ||
        sc_check_keys(c, redis, "/deployment/redis", rkeys) == -1 ||
        sc_get_hostset(c, s, redis, "/deployment/redis", "hosts", 1, NULL, NULL, &d->redis) == -1)
        return -1;
    json_t *m;
    int indep = d->kind != SB_DEPLOY_SENTINEL;
    if (sc_member(c, redis, "/deployment/redis", "master", !indep, &m) == -1)
        return -1;
    if (!m)
        d->master = d->redis.idx[0];
    else if (sc_resolve_host(c, s, m, "/deployment/redis/master", &d->redis, "runs no redis",
                             &d->master) == -1)
        return -1;
    long long port = 6379;
    if (sc_get_int(c, redis, "/deployment/redis", "port", 0, 1, 65535, &port) == -1 ||
        get_config(c, redis, "/deployment/redis", &d->redis_config) == -1)
        return -1;
    d->redis_port = (int)port;
    snprintf(d->master_name, sizeof(d->master_name), "mymaster");
    d->sentinel_port = 26379;
    if (indep) {
        if (json_object_get(dep, "sentinels"))
            return sc_perr(c, "/deployment/sentinels", 0,
                           "a%s deployment runs no sentinels; remove \"sentinels\" or use kind "
                           "\"sentinel\"",
                           d->kind == SB_DEPLOY_CLUSTER ? " cluster" : "n independent");
        return d->kind == SB_DEPLOY_CLUSTER ? parse_cluster(c, dep, s) : 0;
    }

    if (sc_get_object(c, dep, "/deployment", "sentinels", 1, &sent) == -1 ||
        sc_check_keys(c, sent, "/deployment/sentinels", skeys) == -1 ||
        sc_get_hostset(c, s, sent, "/deployment/sentinels", "hosts", 1, NULL, NULL,
                       &d->sentinels) == -1)
        return -1;
    if (sc_get_hostset(c, s, sent, "/deployment/sentinels", "standby", 0, NULL, NULL,
                       &d->standby) == -1)
        return -1;
    for (size_t i = 0; i < d->standby.n; i++)
        if (scenario_hostset_has(&d->sentinels, d->standby.idx[i])) {
            char sp[96];
            snprintf(sp, sizeof(sp), "/deployment/sentinels/standby/%zu", i);
            return sc_perr(c, sp, 0, "host \"%s\" already runs a sentinel from the start",
                           s->hosts[d->standby.idx[i]].name);
        }
    long long q = 0;
    json_t *qv = json_object_get(sent, "quorum");
    if (qv && json_is_integer(qv) && json_integer_value(qv) > (long long)d->sentinels.n)
        return sc_perr(c, "/deployment/sentinels/quorum", 0,
                       "quorum %lld is larger than the %zu sentinels; allowed: 1..%zu",
                       (long long)json_integer_value(qv), d->sentinels.n, d->sentinels.n);
    if (sc_get_int(c, sent, "/deployment/sentinels", "quorum", 1, 1, (long long)d->sentinels.n,
                   &q) == -1)
        return -1;
    d->quorum = (int)q;
    const char *mname = "mymaster";
    if (sc_get_string(c, sent, "/deployment/sentinels", "master_name", 0, &mname) == -1)
        return -1;
    if (!sc_valid_name(mname, SB_NAME_LEN - 1, "._-"))
        return sc_perr(c, "/deployment/sentinels/master_name", 0,
                       "bad master name \"%s\"; allowed: letters, digits, '.', '_' and '-'", mname);
    snprintf(d->master_name, sizeof(d->master_name), "%s", mname);
    port = 26379;
    if (sc_get_int(c, sent, "/deployment/sentinels", "port", 0, 1, 65535, &port) == -1 ||
        get_config(c, sent, "/deployment/sentinels", &d->sentinel_config) == -1)
        return -1;
    if (port == d->redis_port)
        return sc_perr(c, "/deployment/sentinels/port", 0,
                       "sentinel port %lld is the redis port; use another one", port);
    d->sentinel_port = (int)port;
    return 0;
}

/* ====== Clients and workload ====== */

static int parse_clients(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const keys[] = {
        "host", "workers", "sentinels", "timeout", "connect_timeout", "discovery", "client", NULL};
    json_t *v;
    if (sc_member(c, root, "", "clients", 1, &v) == -1 ||
        sc_want_type(c, v, "/clients", json_is_array(v), "an array of clients") == -1)
        return -1;
    if (json_array_size(v) == 0)
        return sc_perr(c, "/clients", 0, "clients is empty; give at least one client");
    s->clients = sb_xcalloc(json_array_size(v), sizeof(sb_client));
    for (size_t i = 0; i < json_array_size(v); i++) {
        char p[64];
        snprintf(p, sizeof(p), "/clients/%zu", i);
        json_t *o = json_array_get(v, i);
        sb_client *cl = &s->clients[s->n_clients++];
        if (sc_want_type(c, o, p, json_is_object(o), "an object") == -1 ||
            sc_check_keys(c, o, p, keys) == -1)
            return -1;
        json_t *h;
        char hp[96];
        sc_child(hp, sizeof(hp), p, "host");
        if (sc_member(c, o, p, "host", 1, &h) == -1 ||
            sc_resolve_host(c, s, h, hp, NULL, NULL, &cl->host) == -1)
            return -1;
        long long w = 1;
        if (sc_get_int(c, o, p, "workers", 0, 1, 256, &w) == -1)
            return -1;
        cl->workers = (int)w;
        if (sc_get_hostset(c, s, o, p, "sentinels", 0, &s->deployment.sentinels, "runs no sentinel",
                           &cl->sentinels) == -1)
            return -1;
        if (!cl->sentinels.idx) {
            cl->sentinels.n = s->deployment.sentinels.n;
            cl->sentinels.idx = sb_xcalloc(cl->sentinels.n + 1, sizeof(int));
            if (cl->sentinels.n) /* none in an independent deployment */
                memcpy(cl->sentinels.idx, s->deployment.sentinels.idx,
                       cl->sentinels.n * sizeof(int));
        }
        cl->timeout_ns = SB_NS_PER_S;
        if (sc_get_duration(c, o, p, "timeout", 0, 1, &cl->timeout_ns) == -1)
            return -1;
        cl->connect_timeout_ns = cl->timeout_ns;
        if (sc_get_duration(c, o, p, "connect_timeout", 0, 1, &cl->connect_timeout_ns) == -1)
            return -1;
        const char *disc = NULL;
        if (sc_get_string(c, o, p, "discovery", 0, &disc) == -1)
            return -1;
        char dp[96];
        sc_child(dp, sizeof(dp), p, "discovery");
        if (disc && strcmp(disc, "query") && strcmp(disc, "subscribe"))
            return sc_perr(c, dp, 0, "unknown discovery \"%s\"; allowed: query, subscribe", disc);
        if (disc && !strcmp(disc, "subscribe") && !cl->sentinels.n)
            return sc_perr(c, dp, 0,
                           "discovery \"subscribe\" follows the sentinels' +switch-master, and "
                           "this deployment runs no sentinel; allowed: query");
        cl->discovery_subscribe = disc && !strcmp(disc, "subscribe");
        if (sc_parse_client_ext(c, o, p, cl) == -1)
            return -1;
    }
    return 0;
}

static int parse_lock(pctx *c, json_t *l, sb_scenario *s)
{
    static const char *const keys[] = {"mode",  "nodes", "ttl",   "hold",
                                       "drift", "retry", "pause", NULL};
    static const char *const pkeys[] = {"process", "every", "duration", NULL};
    sb_lock_cfg *k = &s->workload.lock;
    const sb_deployment *d = &s->deployment;
    k->ttl_ns = 2 * SB_NS_PER_S;
    k->hold_ns = 100 * SB_NS_PER_MS;
    k->drift_ns = -1;
    k->retry_ns = 10 * SB_NS_PER_MS;
    const char *mode = "single";
    if (l &&
        (sc_want_type(c, l, "/workload/lock", json_is_object(l),
                      "an object {\"mode\": \"single\"|\"redlock\", \"ttl\": \"2s\", ...}") == -1 ||
         sc_check_keys(c, l, "/workload/lock", keys) == -1 ||
         sc_get_string(c, l, "/workload/lock", "mode", 0, &mode) == -1 ||
         sc_get_duration(c, l, "/workload/lock", "ttl", 0, 1, &k->ttl_ns) == -1 ||
         sc_get_duration(c, l, "/workload/lock", "hold", 0, 0, &k->hold_ns) == -1 ||
         sc_get_duration(c, l, "/workload/lock", "drift", 0, 0, &k->drift_ns) == -1 ||
         sc_get_duration(c, l, "/workload/lock", "retry", 0, 0, &k->retry_ns) == -1))
        return -1;
    if (strcmp(mode, "single") != 0 && strcmp(mode, "redlock") != 0)
        return sc_perr(c, "/workload/lock/mode", 0,
                       "unknown lock mode \"%s\"; allowed: single, redlock", mode);
    k->redlock = strcmp(mode, "redlock") == 0;
    if (k->drift_ns < 0)
        k->drift_ns = k->ttl_ns / 100 + 2 * SB_NS_PER_MS;
    if (k->hold_ns >= k->ttl_ns)
        return sc_perr(c, "/workload/lock/hold", 0,
                       "hold must be shorter than ttl, or every hold outlives its lock");
    if (k->redlock) {
        if (d->kind != SB_DEPLOY_INDEPENDENT)
            return sc_perr(
                c, "/workload/lock/mode", 0,
                "redlock needs independent masters: use deployment kind \"independent\"");
        if (l && json_object_get(l, "nodes")) {
            if (sc_get_hostset(c, s, l, "/workload/lock", "nodes", 1, &d->redis, "runs no redis",
                               &k->nodes) == -1)
                return -1;
        } else {
            k->nodes.idx = sb_xcalloc(d->redis.n, sizeof(int));
            for (size_t i = 0; i < d->redis.n; i++)
                if (d->redis.idx[i] != d->master || d->redis.n == 1)
                    k->nodes.idx[k->nodes.n++] = d->redis.idx[i];
        }
    } else if (l && json_object_get(l, "nodes")) {
        return sc_perr(
            c, "/workload/lock/nodes", 0,
            "nodes are for mode \"redlock\"; a single-instance lock lives on the master");
    }
    json_t *p = l ? json_object_get(l, "pause") : NULL;
    if (p) {
        long long proc = 0, every = 1;
        if (sc_want_type(c, p, "/workload/lock/pause", json_is_object(p),
                         "an object {\"process\": 0, \"every\": 5, \"duration\": \"3s\"}") == -1 ||
            sc_check_keys(c, p, "/workload/lock/pause", pkeys) == -1 ||
            sc_get_int(c, p, "/workload/lock/pause", "process", 1, 0, 1 << 20, &proc) == -1 ||
            sc_get_int(c, p, "/workload/lock/pause", "every", 0, 1, 1 << 20, &every) == -1 ||
            sc_get_duration(c, p, "/workload/lock/pause", "duration", 1, 1, &k->pause_ns) == -1)
            return -1;
        k->pause_process = (int)proc;
        k->pause_every = (int)every;
    }
    return 0;
}

static int parse_workload(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const keys[] = {"kind", "rate",  "key",   "wait",
                                       "lock", "cache", "model", NULL};
    static const char *const wkeys[] = {"replicas", "timeout", NULL};
    json_t *o;
    if (sc_get_object(c, root, "", "workload", 1, &o) == -1 ||
        sc_check_keys(c, o, "/workload", keys) == -1)
        return -1;
    const char *kind = NULL, *key = "splitbrain:set";
    if (sc_get_string(c, o, "/workload", "kind", 1, &kind) == -1)
        return -1;
    if (!workload_find(kind))
        return sc_perr(c, "/workload/kind", 0, "unknown workload \"%s\"; allowed: %s", kind,
                       workload_names());
    snprintf(s->workload.kind, sizeof(s->workload.kind), "%s", kind);
    json_t *r = json_object_get(o, "rate");
    if (r) {
        if (sc_want_type(c, r, "/workload/rate", json_is_number(r), "a number (operations/s)") ==
            -1)
            return -1;
        s->workload.rate = json_number_value(r);
        if (s->workload.rate < 0 || !isfinite(s->workload.rate))
            return sc_perr(c, "/workload/rate", 0, "workload.rate must be >= 0 (0 = unlimited)");
    }
    char default_key[SB_NAME_LEN + 16];
    snprintf(default_key, sizeof(default_key), "splitbrain:%s", kind);
    key = default_key;
    if (sc_get_string(c, o, "/workload", "key", 0, &key) == -1)
        return -1;
    if (!*key || strlen(key) > 127)
        return sc_perr(c, "/workload/key", 0, "workload.key must have 1..127 characters");
    snprintf(s->workload.key, sizeof(s->workload.key), "%s", key);
    json_t *w = json_object_get(o, "wait");
    if (w) {
        long long n = 0;
        s->workload.wait_timeout_ns = 100 * SB_NS_PER_MS;
        if (sc_want_type(c, w, "/workload/wait", json_is_object(w),
                         "an object {\"replicas\": n, \"timeout\": \"100ms\"}") == -1 ||
            sc_check_keys(c, w, "/workload/wait", wkeys) == -1 ||
            sc_get_int(c, w, "/workload/wait", "replicas", 1, 1,
                       (long long)s->deployment.redis.n - 1, &n) == -1 ||
            sc_get_duration(c, w, "/workload/wait", "timeout", 0, 1,
                            &s->workload.wait_timeout_ns) == -1)
            return -1;
        s->workload.wait_replicas = (int)n;
    }
    s->workload.counter_keys = s->deployment.kind == SB_DEPLOY_CLUSTER ? 16 : 1;
    if (s->deployment.kind == SB_DEPLOY_CLUSTER && strcmp(kind, "stale-read") == 0)
        return sc_perr(c, "/workload/kind", 0,
                       "workload \"%s\" does not run on a cluster yet; allowed there: set, "
                       "register, counter, lock, list-append",
                       kind);
    if (s->deployment.kind == SB_DEPLOY_CLUSTER && w &&
        s->workload.wait_replicas > s->deployment.cluster_replicas)
        return sc_perr(c, "/workload/wait/replicas", 0,
                       "a cluster master has %d replicas; WAIT cannot wait for more",
                       s->deployment.cluster_replicas);
    s->workload.lock.pause_process = -1;
    json_t *l = json_object_get(o, "lock");
    if (l && strcmp(kind, "lock") != 0)
        return sc_perr(c, "/workload/lock", 0, "\"lock\" is for the lock workload, not \"%s\"",
                       kind);
    if (json_object_get(o, "cache") && strcmp(kind, "cache") != 0)
        return sc_perr(c, "/workload/cache", 0, "\"cache\" is for the cache workload, not \"%s\"",
                       kind);
    const char *model = NULL;
    if (sc_get_string(c, o, "/workload", "model", 0, &model) == -1)
        return -1;
    if (model && strcmp(kind, "list-append") != 0)
        return sc_perr(c, "/workload/model", 0,
                       "\"model\" is for the list-append workload, not \"%s\"", kind);
    if (model) {
        char why[SB_ERR_LEN];
        if (listappend_model_check(model, why) == -1)
            return sc_perr(c, "/workload/model", 0, "%s", why);
        snprintf(s->workload.model, sizeof(s->workload.model), "%s", model);
    }
    if (strcmp(kind, "cache") == 0)
        return sc_parse_cache(c, o, s);
    if (strcmp(kind, "lock") == 0)
        return parse_lock(c, l, s);
    return 0;
}

/* ====== Top level ====== */

static int parse_root(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const keys[] = {
        "name",    "description", "seed",    "duration", "hosts",  "ssh",    "deployment", "origin",
        "clients", "workload",    "nemesis", "checkers", "expect", "family", "setting",    NULL};
    if (sc_want_type(c, root, "", json_is_object(root), "an object") == -1 ||
        sc_check_keys(c, root, "", keys) == -1)
        return -1;
    const char *name = NULL, *desc = NULL;
    if (sc_get_string(c, root, "", "name", 1, &name) == -1)
        return -1;
    if (!sc_valid_name(name, SB_NAME_LEN - 1, "._-"))
        return sc_perr(
            c, "/name", 0,
            "bad name \"%s\"; allowed: 1..63 characters of letters, digits, '.', '_', '-'", name);
    snprintf(s->name, sizeof(s->name), "%s", name);
    if (sc_get_string(c, root, "", "description", 0, &desc) == -1)
        return -1;
    s->description = desc ? sb_xstrdup(desc) : NULL;
    const char *family = NULL, *setting = NULL;
    if (sc_get_string(c, root, "", "family", 0, &family) == -1 ||
        sc_get_string(c, root, "", "setting", 0, &setting) == -1)
        return -1;
    if (family && !sc_valid_name(family, SB_NAME_LEN - 1, "._-"))
        return sc_perr(c, "/family", 0,
                       "bad family \"%s\"; allowed: 1..63 characters of letters, digits, '.', "
                       "'_', '-'",
                       family);
    if (setting && (!setting[0] || strlen(setting) >= sizeof(s->setting)))
        return sc_perr(c, "/setting", 0, "bad setting; allowed: 1..%zu characters",
                       sizeof(s->setting) - 1);
    snprintf(s->family, sizeof(s->family), "%s", family ? family : "");
    snprintf(s->setting, sizeof(s->setting), "%s", setting ? setting : name);
    long long seed = 1;
    if (sc_get_int(c, root, "", "seed", 0, 0, INT64_MAX, &seed) == -1)
        return -1;
    s->seed = (uint64_t)seed;
    if (sc_get_duration(c, root, "", "duration", 1, 1, &s->duration_ns) == -1)
        return -1;
    return sc_parse_hosts(c, root, s) == -1 || parse_deployment(c, root, s) == -1 ||
                   sc_parse_origin(c, root, s) == -1 || parse_clients(c, root, s) == -1 ||
                   parse_workload(c, root, s) == -1 || sc_parse_nemesis(c, root, s) == -1 ||
                   sc_parse_checkers(c, root, s) == -1 || sc_parse_expect(c, root, s) == -1 ||
                   sc_check_remote(c, s) == -1 || sc_check_clients_ext(c, s) == -1
               ? -1
               : 0;
}

static sb_scenario *parse(const char *path, const char *text, int saved, char *err)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sb_err_set(err, "%s:%d:%d: %s; the file must be one JSON object", path, je.line, je.column,
                   je.text);
        return NULL;
    }
    sb_scenario *s = sb_xcalloc(1, sizeof(*s));
    s->path = sb_xstrdup(path);
    s->text = sb_xstrdup(text);
    pctx c = {.file = path, .err = err, .saved = saved};
    jpos_build(&c.pos, text);
    int rc = parse_root(&c, root, s);
    jpos_free(&c.pos);
    json_decref(root);
    if (rc == -1) {
        scenario_free(s);
        return NULL;
    }
    scenario_set_seed(s, s->seed);
    return s;
}

sb_scenario *scenario_parse(const char *path, const char *text, char *err)
{
    return parse(path, text, 0, err);
}

static sb_scenario *load(const char *path, int saved, char *err)
{
    char e[SB_ERR_LEN];
    char *text = sb_read_file(path, NULL, e);
    if (!text) {
        sb_err_set(err, "%s:1:1: %s", path, e);
        return NULL;
    }
    sb_scenario *s = parse(path, text, saved, err);
    free(text);
    return s;
}

sb_scenario *scenario_load(const char *path, char *err)
{
    return load(path, 0, err);
}

sb_scenario *scenario_load_saved(const char *path, char *err)
{
    return load(path, 1, err);
}

static void config_free(sb_config *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        free(cfg->items[i].name);
        free(cfg->items[i].value);
    }
    free(cfg->items);
}

void scenario_free(sb_scenario *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->text);
    free(s->description);
    free(s->hosts);
    free(s->deployment.redis.idx);
    free(s->deployment.sentinels.idx);
    free(s->workload.lock.nodes.idx);
    config_free(&s->deployment.redis_config);
    config_free(&s->deployment.sentinel_config);
    for (size_t i = 0; i < s->n_clients; i++) {
        free(s->clients[i].sentinels.idx);
        sc_free_client_ext(&s->clients[i]);
    }
    free(s->clients);
    free(s->deployment.standby.idx);
    sc_free_nemesis(s);
    free(s->checkers);
    for (size_t i = 0; i < s->n_expects; i++)
        free(s->expects[i].bounds);
    free(s->expects);
    free(s);
}
