/* workload.c -- the workload table and the set workload (SADD of unique
 * integers; final read with SMEMBERS). */
#include "workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

static sb_outcome set_apply(const sb_workload *w, sb_sentinel_client *c, const sb_wop *op,
                            sb_buf *out_value, char *why, size_t whylen)
{
    (void)out_value;
    const char *argv[3] = {"SADD", w->key, op->value};
    size_t lens[3] = {4, strlen(w->key), strlen(op->value)};
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

static int set_final_read(const sb_workload *w, redisContext *rc, sb_buf *value, char *err)
{
    redisReply *r = redisCommand(rc, "SMEMBERS %s", w->key);
    if (!r) {
        sb_err_set(err, "SMEMBERS %s: %s", w->key, rc->errstr);
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY) {
        sb_err_set(err, "SMEMBERS %s: %s", w->key,
                   r->type == REDIS_REPLY_ERROR ? r->str : "not an array");
        freeReplyObject(r);
        return -1;
    }
    sb_buf_puts(value, "[");
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (i)
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
    sb_buf_puts(value, "]");
    freeReplyObject(r);
    return 0;
}

/* ====== Table ====== */

static const sb_workload_kind workloads[] = {
    {"set", set_generate, set_apply, set_final_read},
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
    return "set";
}
