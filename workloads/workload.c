/* workload.c -- the workload table and the set workload (SADD of unique
 * integers; final read with SMEMBERS). */
#include "workload.h"
#include "workload_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ====== Final read ====== */

#include <stdarg.h>

#include "deploy.h"

redisReply *fread_command(sb_fread *fr, const char *key, const char *fmt, ...)
{
    redisContext *rc = fr->rc;
    if (fr->deploy) {
        char err[SB_ERR_LEN] = "";
        int h = key ? deploy_cluster_owner(fr->deploy, key, err) : 0;
        if (!key) {
            /* No key: the first node (KEYS-style reads see only its keys). */
            h = deploy_current_master(fr->deploy, err);
        }
        if (h < 0 || h >= 64) {
            sb_err_copy(fr->errstr, sizeof(fr->errstr), err);
            return NULL;
        }
        if (!fr->conn[h])
            fr->conn[h] =
                deploy_connect_oob(fr->deploy, h, SB_PROC_REDIS, SB_OOB_CONNECT_TIMEOUT_NS, err);
        if (!fr->conn[h]) {
            sb_err_copy(fr->errstr, sizeof(fr->errstr), err);
            return NULL;
        }
        rc = fr->conn[h];
    }
    if (!rc) {
        snprintf(fr->errstr, sizeof(fr->errstr), "no connection");
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(rc, fmt, ap);
    va_end(ap);
    if (!r)
        snprintf(fr->errstr, sizeof(fr->errstr), "%s", rc->errstr);
    return r;
}

/* The connection to host (cluster) or the final read's one (host < 0). */
static redisContext *fread_conn(sb_fread *fr, int host)
{
    if (host < 0)
        return fr->rc;
    char err[SB_ERR_LEN] = "";
    if (!fr->conn[host] && !(fr->conn[host] = deploy_connect_oob(fr->deploy, host, SB_PROC_REDIS,
                                                                 SB_OOB_CONNECT_TIMEOUT_NS, err)))
        sb_err_copy(fr->errstr, sizeof(fr->errstr), err);
    return fr->conn[host];
}

int fread_keys(sb_fread *fr, const char *pattern, int (*each)(const char *key, void *arg),
               void *arg)
{
    int hosts[64], n = 1;
    hosts[0] = -1;
    if (fr->deploy) {
        char err[SB_ERR_LEN] = "";
        if ((n = deploy_cluster_masters(fr->deploy, hosts, 64, err)) < 0) {
            sb_err_copy(fr->errstr, sizeof(fr->errstr), err);
            return -1;
        }
    }
    for (int i = 0; i < n; i++) {
        redisContext *rc = fread_conn(fr, hosts[i]);
        redisReply *r = rc ? redisCommand(rc, "KEYS %s", pattern) : NULL;
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            if (rc)
                snprintf(fr->errstr, sizeof(fr->errstr), "KEYS %s: %s", pattern,
                         !r                             ? rc->errstr
                         : r->type == REDIS_REPLY_ERROR ? r->str
                                                        : "not an array");
            if (r)
                freeReplyObject(r);
            return -1;
        }
        int rc2 = 0;
        for (size_t k = 0; k < r->elements && rc2 == 0; k++)
            if (r->element[k]->type == REDIS_REPLY_STRING)
                rc2 = each(r->element[k]->str, arg);
        freeReplyObject(r);
        if (rc2 == -1)
            return -1;
    }
    return 0;
}

const char *fread_errstr(const sb_fread *fr)
{
    return fr->errstr;
}

void fread_close(sb_fread *fr)
{
    for (int h = 0; h < 64; h++)
        if (fr->conn[h])
            redisFree(fr->conn[h]);
    memset(fr->conn, 0, sizeof(fr->conn));
}

/* ====== WAIT ====== */

/* After a write the master applied: WAIT n timeout. The write counts as
 * acknowledged only when n replicas confirmed it; otherwise it happened on
 * the master but may or may not survive a failover, so it is info, never
 * fail (the master already has it). */
static sb_outcome wait_replicas(const sb_workload *w, sb_sentinel_client *c, char *why,
                                size_t whylen)
{
    char n[16], ms[24];
    snprintf(n, sizeof(n), "%d", w->wait_replicas);
    snprintf(ms, sizeof(ms), "%lld", (long long)(w->wait_timeout_ns / SB_NS_PER_MS));
    const char *argv[3] = {"WAIT", n, ms};
    size_t lens[3] = {4, strlen(n), strlen(ms)};
    redisReply *r = NULL;
    char e[256];
    sb_outcome o = client_call(c, 3, argv, lens, &r, e, sizeof(e));
    if (o != SB_OUTCOME_OK) {
        snprintf(why, whylen, "applied, then WAIT failed: %s", e);
        return SB_OUTCOME_INFO;
    }
    if (r->type != REDIS_REPLY_INTEGER) {
        snprintf(why, whylen, "applied, then WAIT answered type %d", r->type);
        o = SB_OUTCOME_INFO;
    } else if (r->integer < w->wait_replicas) {
        snprintf(why, whylen, "applied, WAIT: %lld of %d replicas acknowledged", r->integer,
                 w->wait_replicas);
        o = SB_OUTCOME_INFO;
    }
    freeReplyObject(r);
    return o;
}

/* ====== set ====== */

/* Values are unique across workers without shared state: worker p of n
 * writes p, p+n, p+2n, ... */
static void set_generate(const sb_workload *w, int process, int n_processes, uint64_t seq,
                         sb_wop *op)
{
    (void)w;
    int64_t v = (int64_t)(seq * (uint64_t)n_processes + (uint64_t)process);
    snprintf(op->f, sizeof(op->f), "add");
    snprintf(op->value, sizeof(op->value), "%" PRId64, v);
    op->arg = v;
}

/* The key of value v: in a cluster one of SB_SET_CLUSTER_KEYS. */
static void set_key(const sb_workload *w, const sb_scenario *s, int64_t v, char *key, size_t len)
{
    if (s->deployment.kind == SB_DEPLOY_CLUSTER)
        snprintf(key, len, "%s:%lld", w->key, (long long)(v % SB_SET_CLUSTER_KEYS));
    else
        snprintf(key, len, "%s", w->key);
}

static sb_outcome set_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                            char *why, size_t whylen)
{
    sb_sentinel_client *c = x->c;
    (void)out_value;
    /* In a cluster the set is spread over SB_SET_CLUSTER_KEYS keys (so over
     * every shard, and over enough slots that moving some moves keys): value v goes to "<key>:<v
     * mod SB_SET_CLUSTER_KEYS>". */
    char key[160];
    set_key(w, x->s, op->arg, key, sizeof(key));
    const char *argv[3] = {"SADD", key, op->value};
    size_t lens[3] = {4, strlen(key), strlen(op->value)};
    redisReply *r = NULL;
    sb_outcome o = client_call(c, 3, argv, lens, &r, why, whylen);
    if (o != SB_OUTCOME_OK)
        return o;
    if (r->type != REDIS_REPLY_INTEGER) {
        /* The server answered something SADD never answers: we cannot tell
         * what happened. */
        snprintf(why, whylen, "unexpected reply type %d to SADD", r->type);
        o = SB_OUTCOME_INFO;
    }
    freeReplyObject(r);
    if (o == SB_OUTCOME_OK && w->wait_replicas > 0)
        o = wait_replicas(w, c, why, whylen);
    return o;
}

/* External clients: SADD key value (then WAIT when the workload asks). */
static void set_ext_request(const sb_workload *w, const sb_scenario *s, int process,
                            const sb_wop *op, sb_buf *req, int64_t *extra_ns)
{
    (void)process, (void)extra_ns;
    char key[160];
    set_key(w, s, op->arg, key, sizeof(key));
    sb_buf_puts(req, "\"f\":\"add\",\"key\":");
    sb_buf_json_string(req, key);
    sb_buf_printf(req, ",\"value\":%s", op->value);
}

/* Values are unique, so a SADD that answered 0 found its own value: the
 * request reached Redis twice. The write happened (ok), and the note says
 * so for the set checker's duplicates. */
static sb_outcome set_ext_reply(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                                const json_t *value, sb_buf *out_value, char *why, size_t whylen)
{
    (void)reported, (void)w, (void)out_value;
    if (json_is_integer(value) && json_integer_value(value) == 0)
        snprintf(why, whylen,
                 SB_APPLIED_TWICE ": SADD found %s already in the set (the client sent it again)",
                 op->value);
    return SB_OUTCOME_OK;
}

static int set_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    int nkeys = fr->deploy ? SB_SET_CLUSTER_KEYS : 1, n = 0;
    sb_buf_puts(value, "[");
    for (int ki = 0; ki < nkeys; ki++) {
        char key[160];
        if (fr->deploy)
            snprintf(key, sizeof(key), "%s:%d", w->key, ki);
        else
            snprintf(key, sizeof(key), "%s", w->key);
        redisReply *r = fread_command(fr, key, "SMEMBERS %s", key);
        if (!r) {
            sb_err_set(err, "SMEMBERS %s: %s", key, fread_errstr(fr));
            return -1;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            sb_err_set(err, "SMEMBERS %s: %s", key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "not an array");
            freeReplyObject(r);
            return -1;
        }
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *e = r->element[i];
            if (n++)
                sb_buf_puts(value, ",");
            /* Members are written by us as integers; anything else is quoted so
             * the checker can count it as unexpected rather than us guessing. */
            int numeric = e->type == REDIS_REPLY_STRING && e->len > 0 && e->len < 20;
            for (size_t k = 0; numeric && k < e->len; k++)
                numeric = (e->str[k] >= '0' && e->str[k] <= '9') || (k == 0 && e->str[k] == '-');
            if (numeric)
                sb_buf_append(value, e->str, e->len);
            else
                sb_buf_json_string(value, e->type == REDIS_REPLY_STRING ? e->str : "?");
        }
        freeReplyObject(r);
    }
    sb_buf_puts(value, "]");
    return 0;
}

/* ====== register ======
 * GET, SET and compare-and-set (a Lua script) on REGISTER_KEYS keys
 * "<key>:0" .. ; every written value is unique (p + k*n + 1). The history
 * values are {"k": "<i>", "v": ...}, as the linearizability checker reads
 * them: read v = what GET returned (null: no key), write v = the value,
 * cas v = [expected, new]. A cas whose compare failed is fail: the script
 * changed nothing. The final read is {"<i>": value, ...} of every key. */

#define REGISTER_KEYS 5

static const char *const cas_script =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

enum { REG_READ = 0, REG_WRITE, REG_CAS };

static void register_generate(const sb_workload *w, int process, int n_processes, uint64_t seq,
                              sb_wop *op)
{
    (void)w;
    uint64_t h = wl_mix(((uint64_t)process << 40) ^ seq);
    int key = (int)(h % REGISTER_KEYS);
    int kind = (int)((h >> 8) % 4); /* read twice as often as write or cas */
    kind = kind == 3 ? REG_READ : kind;
    int64_t v = (int64_t)(seq * (uint64_t)n_processes + (uint64_t)process) + 1;
    op->arg = ((int64_t)kind << 8) | key;
    switch (kind) {
    case REG_READ:
        snprintf(op->f, sizeof(op->f), "read");
        snprintf(op->value, sizeof(op->value), "{\"k\":\"%d\",\"v\":null}", key);
        break;
    case REG_WRITE:
        snprintf(op->f, sizeof(op->f), "write");
        snprintf(op->value, sizeof(op->value), "{\"k\":\"%d\",\"v\":%" PRId64 "}", key, v);
        break;
    default: {
        /* Expect a value written recently by some worker: the compare
         * succeeds often enough to matter, and fails often too. */
        uint64_t back = 1 + (h >> 16) % 3;
        int64_t old = seq >= back ? (int64_t)((seq - back) * (uint64_t)n_processes +
                                              (h >> 24) % (uint64_t)n_processes) +
                                        1
                                  : 1;
        snprintf(op->f, sizeof(op->f), "cas");
        snprintf(op->value, sizeof(op->value), "{\"k\":\"%d\",\"v\":[%" PRId64 ",%" PRId64 "]}",
                 key, old, v);
    }
    }
}

static void register_key(const sb_workload *w, int key, char *out, size_t len)
{
    snprintf(out, len, "%s:%d", w->key, key);
}

static sb_outcome register_apply(const sb_workload *w, sb_wctx *ctx, const sb_wop *op,
                                 sb_buf *out_value, char *why, size_t whylen)
{
    sb_sentinel_client *c = ctx->c;
    int kind = (int)(op->arg >> 8), key = (int)(op->arg & 0xff);
    char k[160], a[32], b[32];
    register_key(w, key, k, sizeof(k));
    const char *argv[6];
    size_t lens[6];
    int argc = 0;
    long long x = 0, y = 0;
    if (kind == REG_WRITE) {
        sscanf(strstr(op->value, "\"v\":") + 4, "%lld", &x);
        snprintf(a, sizeof(a), "%lld", x);
        argv[0] = "SET", argv[1] = k, argv[2] = a, argc = 3;
    } else if (kind == REG_CAS) {
        sscanf(strstr(op->value, "\"v\":[") + 5, "%lld,%lld", &x, &y);
        snprintf(a, sizeof(a), "%lld", x);
        snprintf(b, sizeof(b), "%lld", y);
        argv[0] = "EVAL", argv[1] = cas_script, argv[2] = "1", argv[3] = k, argv[4] = a,
        argv[5] = b, argc = 6;
    } else {
        argv[0] = "GET", argv[1] = k, argc = 2;
    }
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = NULL;
    sb_outcome o = client_call(c, argc, argv, lens, &r, why, whylen);
    if (o != SB_OUTCOME_OK)
        return o;
    if (kind == REG_READ) {
        if (r->type == REDIS_REPLY_NIL)
            sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":null}", key);
        else if (r->type == REDIS_REPLY_STRING)
            sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":%lld}", key, atoll(r->str));
        else {
            snprintf(why, whylen, "unexpected reply type %d to GET", r->type);
            o = SB_OUTCOME_INFO;
        }
    } else if (kind == REG_CAS) {
        if (r->type != REDIS_REPLY_INTEGER) {
            snprintf(why, whylen, "unexpected reply type %d to the cas script", r->type);
            o = SB_OUTCOME_INFO;
        } else if (r->integer == 0) {
            snprintf(why, whylen, "compare failed");
            o = SB_OUTCOME_FAIL;
        }
    } else if (r->type != REDIS_REPLY_STATUS) {
        snprintf(why, whylen, "unexpected reply type %d to SET", r->type);
        o = SB_OUTCOME_INFO;
    }
    freeReplyObject(r);
    if (o == SB_OUTCOME_OK && kind != REG_READ && w->wait_replicas > 0)
        o = wait_replicas(w, c, why, whylen);
    return o;
}

/* The raw JSON of an op value's "v" ({"k":"3","v":[1,2]} -> [1,2]). */
static void value_v(const sb_wop *op, sb_buf *out)
{
    const char *v = strstr(op->value, "\"v\":");
    const char *end = strrchr(op->value, '}');
    if (v && end && end > v + 4)
        sb_buf_append(out, v + 4, (size_t)(end - v - 4));
    else
        sb_buf_puts(out, "null");
}

/* An ok reply's value as an integer or null (*is_null); -1 otherwise. */
static int reply_int(const json_t *value, long long *v, int *is_null, char *why, size_t whylen)
{
    *is_null = !value || json_is_null(value);
    if (*is_null || json_is_integer(value)) {
        *v = *is_null ? 0 : json_integer_value(value);
        return 0;
    }
    snprintf(why, whylen, "the client's reply value is not an integer or null");
    return -1;
}

/* External clients: read GET key, write SET key v, cas [old, new] as the
 * script above (fail when the compare fails). */
static void register_ext_request(const sb_workload *w, const sb_scenario *s, int process,
                                 const sb_wop *op, sb_buf *req, int64_t *extra_ns)
{
    (void)process, (void)extra_ns;
    (void)s;
    int kind = (int)(op->arg >> 8), key = (int)(op->arg & 0xff);
    char k[160];
    register_key(w, key, k, sizeof(k));
    sb_buf_printf(req, "\"f\":\"%s\",\"key\":", op->f);
    sb_buf_json_string(req, k);
    if (kind != REG_READ) {
        sb_buf_puts(req, ",\"value\":");
        value_v(op, req);
    }
}

static sb_outcome register_ext_reply(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                                     const json_t *value, sb_buf *out_value, char *why,
                                     size_t whylen)
{
    (void)reported;
    (void)w;
    int kind = (int)(op->arg >> 8), key = (int)(op->arg & 0xff), is_null;
    long long v;
    if (kind != REG_READ)
        return SB_OUTCOME_OK;
    if (reply_int(value, &v, &is_null, why, whylen) == -1)
        return SB_OUTCOME_INFO;
    if (is_null)
        sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":null}", key);
    else
        sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":%lld}", key, v);
    return SB_OUTCOME_OK;
}

static int register_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    sb_buf_puts(value, "{");
    for (int i = 0; i < REGISTER_KEYS; i++) {
        char k[160];
        register_key(w, i, k, sizeof(k));
        redisReply *r = fread_command(fr, k, "GET %s", k);
        if (!r || (r->type != REDIS_REPLY_NIL && r->type != REDIS_REPLY_STRING)) {
            sb_err_set(err, "GET %s: %s", k, r ? "unexpected reply" : fread_errstr(fr));
            if (r)
                freeReplyObject(r);
            return -1;
        }
        sb_buf_printf(value, "%s\"%d\":", i ? "," : "", i);
        if (r->type == REDIS_REPLY_NIL)
            sb_buf_puts(value, "null");
        else
            sb_buf_printf(value, "%lld", atoll(r->str));
        freeReplyObject(r);
    }
    sb_buf_puts(value, "}");
    return 0;
}

/* ====== counter ======
 * INCR (f "incr", three of four operations) and GET (f "read"). The
 * completion of an incr carries the value INCR returned. One key, or in a
 * cluster counter_keys keys "<key>:i" over every shard: the values are
 * then {"k":"i","v":...} and the final read {"0":n,...}, and the counter
 * checker judges each key on its own. */

static void counter_key(const sb_workload *w, int i, char *out, size_t len)
{
    if (w->counter_keys > 1)
        snprintf(out, len, "%s:%d", w->key, i);
    else
        snprintf(out, len, "%s", w->key);
}

static void counter_generate(const sb_workload *w, int process, int n_processes, uint64_t seq,
                             sb_wop *op)
{
    (void)n_processes;
    uint64_t h = wl_mix(((uint64_t)process << 40) ^ seq);
    int read = (h % 4) == 0,
        key = w->counter_keys > 1 ? (int)((h >> 8) % (uint64_t)w->counter_keys) : 0;
    op->arg = ((int64_t)key << 1) | read;
    snprintf(op->f, sizeof(op->f), "%s", read ? "read" : "incr");
    if (w->counter_keys > 1)
        snprintf(op->value, sizeof(op->value), "{\"k\":\"%d\",\"v\":%s}", key, read ? "null" : "1");
    else
        snprintf(op->value, sizeof(op->value), "%s", read ? "null" : "1");
}

static sb_outcome counter_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op,
                                sb_buf *out_value, char *why, size_t whylen)
{
    sb_sentinel_client *c = x->c;
    int read = (int)(op->arg & 1), key = (int)(op->arg >> 1);
    char k[160];
    counter_key(w, key, k, sizeof(k));
    const char *argv[2] = {read ? "GET" : "INCR", k};
    size_t lens[2] = {strlen(argv[0]), strlen(k)};
    redisReply *r = NULL;
    sb_outcome o = client_call(c, 2, argv, lens, &r, why, whylen);
    if (o != SB_OUTCOME_OK)
        return o;
    long long v = 0;
    if (r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    else if (r->type == REDIS_REPLY_STRING)
        v = atoll(r->str);
    else if (r->type != REDIS_REPLY_NIL) {
        snprintf(why, whylen, "unexpected reply type %d to %s", r->type, argv[0]);
        o = SB_OUTCOME_INFO;
    }
    if (o == SB_OUTCOME_OK) {
        if (w->counter_keys > 1)
            sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":%lld}", key, v);
        else
            sb_buf_printf(out_value, "%lld", v);
    }
    freeReplyObject(r);
    if (o == SB_OUTCOME_OK && !read && w->wait_replicas > 0)
        o = wait_replicas(w, c, why, whylen);
    return o;
}

/* External clients: incr INCR key (the reply's value: what INCR
 * returned), read GET key (null: 0). */
static void counter_ext_request(const sb_workload *w, const sb_scenario *s, int process,
                                const sb_wop *op, sb_buf *req, int64_t *extra_ns)
{
    (void)process, (void)extra_ns;
    (void)s;
    char k[160];
    counter_key(w, (int)(op->arg >> 1), k, sizeof(k));
    sb_buf_printf(req, "\"f\":\"%s\",\"key\":", op->f);
    sb_buf_json_string(req, k);
}

static sb_outcome counter_ext_reply(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                                    const json_t *value, sb_buf *out_value, char *why,
                                    size_t whylen)
{
    (void)reported;
    int read = (int)(op->arg & 1), key = (int)(op->arg >> 1), is_null;
    long long v;
    if (reply_int(value, &v, &is_null, why, whylen) == -1)
        return SB_OUTCOME_INFO;
    if (is_null && !read) {
        snprintf(why, whylen, "the client's reply to incr has no value (INCR's result)");
        return SB_OUTCOME_INFO;
    }
    if (w->counter_keys > 1)
        sb_buf_printf(out_value, "{\"k\":\"%d\",\"v\":%lld}", key, v);
    else
        sb_buf_printf(out_value, "%lld", v);
    return SB_OUTCOME_OK;
}

static int counter_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    if (w->counter_keys > 1)
        sb_buf_puts(value, "{");
    for (int i = 0; i < w->counter_keys; i++) {
        char k[160];
        counter_key(w, i, k, sizeof(k));
        redisReply *r = fread_command(fr, k, "GET %s", k);
        if (!r || (r->type != REDIS_REPLY_NIL && r->type != REDIS_REPLY_STRING)) {
            sb_err_set(err, "GET %s: %s", k, r ? "unexpected reply" : fread_errstr(fr));
            if (r)
                freeReplyObject(r);
            return -1;
        }
        long long v = r->type == REDIS_REPLY_NIL ? 0LL : atoll(r->str);
        freeReplyObject(r);
        if (w->counter_keys > 1)
            sb_buf_printf(value, "%s\"%d\":%lld", i ? "," : "", i, v);
        else
            sb_buf_printf(value, "%lld", v);
    }
    if (w->counter_keys > 1)
        sb_buf_puts(value, "}");
    return 0;
}

/* ====== Table ====== */

static const sb_workload_kind workloads[] = {
    {"set", set_generate, set_apply, set_final_read, NULL, NULL, NULL, set_ext_request,
     set_ext_reply},
    {"register", register_generate, register_apply, register_final_read, NULL, NULL, NULL,
     register_ext_request, register_ext_reply},
    {"counter", counter_generate, counter_apply, counter_final_read, NULL, NULL, NULL,
     counter_ext_request, counter_ext_reply},
    {"lock", lock_generate, lock_apply, lock_final_read, lock_worker_new, lock_worker_free, NULL,
     lock_ext_request, lock_ext_reply},
    {"list-append", listappend_generate, listappend_apply, listappend_final_read, NULL, NULL, NULL,
     NULL, NULL},
    {"stale-read", stale_generate, stale_apply, stale_final_read, stale_worker_new,
     stale_worker_free, stale_node, NULL, NULL},
    {"cache", cache_generate, cache_apply, cache_final_read, cache_worker_new, cache_worker_free,
     NULL, NULL, NULL},
};

const sb_workload_kind *workload_find(const char *name)
{
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

const char *workload_names(void)
{
    return "set, register, counter, lock, list-append, stale-read, cache";
}

const char *workload_ext_names(void)
{
    return "set, register, counter, lock";
}
