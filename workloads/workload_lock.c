/* workload_lock.c -- the lock workload: a single-instance Redis lock or
 * Redlock over independent masters, each hold fenced and appended to a
 * resource, as Kleppmann's analysis of Redlock describes.
 *
 * One operation ("lock") is one whole attempt:
 *   acquire   single: SET <key>:lock token NX PX ttl on the master;
 *             redlock: the same on every node in turn, each with the
 *             client's short timeout; acquired with a majority and time
 *             left (validity = ttl - elapsed - drift), else released
 *             everywhere it may have been set;
 *   fence     INCR <key>:fence on the primary (the resource's server);
 *   [pause]   the configured worker stalls here (a GC pause: the lock may
 *             expire while it believes it holds it);
 *   append    RPUSH <key>:resource "process:fence";
 *   hold      sleep `hold`;
 *   release   compare-and-delete by Lua on every node that may hold it.
 * A refused attempt waits `retry` (default 10 ms) before it returns.
 * The completion carries the times of the steps on the history's clock, for
 * the lock checker: {"lock", "ttl_ms", "acquired", "validity_ms", "fence",
 * "appended", "released", "release_ok"}. Not acquired: fail when every
 * node certainly refused, info when a SET's outcome is unknown. A failure
 * after the lock was acquired: info, with the fields known so far. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "workload_internal.h"

static const char *const release_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

typedef struct lock_worker {
    const sb_scenario *s;
    size_t n;
    redisContext *conn[SB_MAX_HOSTS]; /* redlock: one per node, NULL until used */
    uint64_t holds;                   /* holds so far, for the pause */
} lock_worker;

void *lock_worker_new(const sb_scenario *s, int process)
{
    (void)process;
    lock_worker *lw = sb_xcalloc(1, sizeof(*lw));
    lw->s = s;
    lw->n = s->workload.lock.redlock ? s->workload.lock.nodes.n : 0;
    return lw;
}

void lock_worker_free(void *state)
{
    lock_worker *lw = state;
    if (!lw)
        return;
    for (size_t i = 0; i < lw->n; i++)
        if (lw->conn[i])
            redisFree(lw->conn[i]);
    free(lw);
}

void lock_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op)
{
    (void)n_processes;
    snprintf(op->f, sizeof(op->f), "lock");
    snprintf(op->value, sizeof(op->value), "{\"lock\":\"%s\",\"ttl_ms\":%lld}", w->key,
             (long long)(w->lock.ttl_ns / SB_NS_PER_MS));
    op->arg = (int64_t)(((uint64_t)process << 40) | seq);
}

static int64_t now_rel(const sb_wctx *x)
{
    return recorder_elapsed_ns(x->rec);
}

static void key_of(const sb_workload *w, const char *suffix, char *out, size_t len)
{
    snprintf(out, len, "%s:%s", w->key, suffix);
}

/* One command on a redlock node over the worker's own connection. */
static sb_outcome node_call(lock_worker *lw, const sb_wctx *x, size_t i, int argc,
                            const char **argv, redisReply **reply, char *why, size_t whylen)
{
    const sb_client_cfg *cfg = &x->c->cfg;
    int host = lw->s->workload.lock.nodes.idx[i];
    *reply = NULL;
    if (!lw->conn[i]) {
        lw->conn[i] = client_connect(lab_host_addr(x->lab, host), lw->s->deployment.redis_port,
                                     cfg->connect_timeout_ns, cfg->timeout_ns, why, whylen);
        if (!lw->conn[i])
            return SB_OUTCOME_FAIL;
    }
    size_t lens[8];
    for (int k = 0; k < argc; k++)
        lens[k] = strlen(argv[k]);
    redisReply *r = redisCommandArgv(lw->conn[i], argc, argv, lens);
    if (!r) {
        snprintf(why, whylen, "%s: %s", lab_host_name(x->lab, host), lw->conn[i]->errstr);
        redisFree(lw->conn[i]);
        lw->conn[i] = NULL;
        return SB_OUTCOME_INFO;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "%s: %s", lab_host_name(x->lab, host), r->str);
        sb_outcome o = client_classify_error(r->str);
        freeReplyObject(r);
        return o;
    }
    *reply = r;
    return SB_OUTCOME_OK;
}

/* The lock's key and token on every node that may hold it, or on the master. */
int lock_release_all(void *state, sb_wctx *x, const char *lockkey, const char *token,
                     const unsigned char *maybe)
{
    lock_worker *lw = state;
    const char *argv[5] = {"EVAL", release_script, "1", lockkey, token};
    int deleted = 0;
    char why[256];
    redisReply *r;
    if (!lw->n) {
        size_t lens[5];
        for (int k = 0; k < 5; k++)
            lens[k] = strlen(argv[k]);
        if (client_call(x->c, 5, argv, lens, &r, why, sizeof(why)) == SB_OUTCOME_OK) {
            deleted = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
            freeReplyObject(r);
        }
        return deleted;
    }
    for (size_t i = 0; i < lw->n; i++) {
        if (!maybe[i])
            continue;
        if (node_call(lw, x, i, 5, argv, &r, why, sizeof(why)) == SB_OUTCOME_OK) {
            deleted += r->type == REDIS_REPLY_INTEGER && r->integer == 1;
            freeReplyObject(r);
        }
    }
    return deleted;
}

/* Acquires: 1 held (validity set), 0 certainly not, -1 unknown (why set). */
int lock_acquire(void *state, sb_wctx *x, const char *lockkey, const char *token,
                 int64_t *validity_ns, unsigned char *maybe, char *why, size_t whylen)
{
    lock_worker *lw = state;
    const sb_lock_cfg *k = &x->s->workload.lock;
    char px[24];
    snprintf(px, sizeof(px), "%lld", (long long)(k->ttl_ns / SB_NS_PER_MS));
    const char *argv[6] = {"SET", lockkey, token, "NX", "PX", px};
    int64_t t0 = sb_now_ns();
    redisReply *r;
    if (!lw->n) {
        size_t lens[6];
        for (int i = 0; i < 6; i++)
            lens[i] = strlen(argv[i]);
        sb_outcome o = client_call(x->c, 6, argv, lens, &r, why, whylen);
        if (o != SB_OUTCOME_OK)
            return o == SB_OUTCOME_FAIL ? 0 : -1;
        int got = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (!got) {
            snprintf(why, whylen, "held by another client");
            return 0;
        }
        *validity_ns = k->ttl_ns - (sb_now_ns() - t0) - k->drift_ns;
        return 1;
    }
    int got = 0, unknown = 0;
    char e[256] = "";
    for (size_t i = 0; i < lw->n; i++) {
        sb_outcome o = node_call(lw, x, i, 6, argv, &r, e, sizeof(e));
        if (o == SB_OUTCOME_OK) {
            if (r->type == REDIS_REPLY_STATUS) {
                got++;
                maybe[i] = 1;
            }
            freeReplyObject(r);
        } else if (o == SB_OUTCOME_INFO) {
            unknown++;
            maybe[i] = 1;
        }
    }
    size_t quorum = lw->n / 2 + 1;
    *validity_ns = k->ttl_ns - (sb_now_ns() - t0) - k->drift_ns;
    if ((size_t)got >= quorum && *validity_ns > 0)
        return 1;
    lock_release_all(lw, x, lockkey, token, maybe);
    snprintf(why, whylen, "%d of %zu nodes granted the lock (quorum %zu), validity %lld ms%s%s",
             got, lw->n, quorum, (long long)(*validity_ns / SB_NS_PER_MS),
             e[0] ? "; last error: " : "", e);
    return unknown ? -1 : 0;
}

sb_outcome lock_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                      char *why, size_t whylen)
{
    lock_worker *lw = x->state;
    const sb_lock_cfg *k = &w->lock;
    char lockkey[160], fencekey[160], reskey[160], token[64];
    key_of(w, "lock", lockkey, sizeof(lockkey));
    key_of(w, "fence", fencekey, sizeof(fencekey));
    key_of(w, "resource", reskey, sizeof(reskey));
    snprintf(token, sizeof(token), "%d-%" PRIu64, x->process, (uint64_t)(op->arg & 0xffffffffffLL));
    unsigned char maybe[SB_MAX_HOSTS] = {0};
    int64_t validity = 0;
    int a = lock_acquire(lw, x, lockkey, token, &validity, maybe, why, whylen);
    if (a != 1) {
        /* Back off before the next attempt, as Redlock's clients do. */
        sb_sleep_ns(k->retry_ns);
        return a == 0 ? SB_OUTCOME_FAIL : SB_OUTCOME_INFO;
    }
    int64_t acquired = now_rel(x);
    sb_buf_printf(out_value,
                  "{\"lock\":\"%s\",\"ttl_ms\":%lld,\"acquired\":%lld,\"validity_ms\":%lld", w->key,
                  (long long)(k->ttl_ns / SB_NS_PER_MS), (long long)acquired,
                  (long long)(validity / SB_NS_PER_MS));
    sb_outcome o = SB_OUTCOME_OK;
    redisReply *r;
    const char *fargv[2] = {"INCR", fencekey};
    size_t flens[2] = {4, strlen(fencekey)};
    long long fence = -1;
    if ((o = client_call(x->c, 2, fargv, flens, &r, why, whylen)) == SB_OUTCOME_OK) {
        if (r->type == REDIS_REPLY_INTEGER)
            fence = r->integer;
        else
            snprintf(why, whylen, "INCR answered type %d", r->type), o = SB_OUTCOME_INFO;
        freeReplyObject(r);
    }
    int appended = 0;
    if (fence >= 0) {
        sb_buf_printf(out_value, ",\"fence\":%lld", fence);
        lw->holds++;
        if (x->process == k->pause_process && k->pause_every > 0 &&
            lw->holds % (uint64_t)k->pause_every == 0)
            sb_sleep_ns(k->pause_ns);
        char entry[48];
        snprintf(entry, sizeof(entry), "%d:%lld", x->process, fence);
        const char *rargv[3] = {"RPUSH", reskey, entry};
        size_t rlens[3] = {5, strlen(reskey), strlen(entry)};
        if ((o = client_call(x->c, 3, rargv, rlens, &r, why, whylen)) == SB_OUTCOME_OK) {
            appended = r->type == REDIS_REPLY_INTEGER;
            if (!appended)
                snprintf(why, whylen, "RPUSH answered type %d", r->type), o = SB_OUTCOME_INFO;
            freeReplyObject(r);
        }
        if (o == SB_OUTCOME_OK)
            sb_sleep_ns(k->hold_ns);
    }
    if (o != SB_OUTCOME_OK)
        o = SB_OUTCOME_INFO; /* the lock was held: the attempt did not simply fail */
    int64_t released = now_rel(x);
    if (!lw->n)
        maybe[0] = 1;
    else
        for (size_t i = 0; i < lw->n; i++)
            maybe[i] = 1; /* release everywhere: a timed-out SET may have landed */
    int deleted = lock_release_all(lw, x, lockkey, token, maybe);
    int release_ok = lw->n ? (size_t)deleted >= lw->n / 2 + 1 : deleted == 1;
    sb_buf_printf(out_value, ",\"appended\":%s,\"released\":%lld,\"release_ok\":%s}",
                  appended ? "true" : "false", (long long)released, release_ok ? "true" : "false");
    return o;
}

/* ====== External clients (clients/PROTOCOL.md, "The lock workload") ======
 * The program takes the lock, tells the harness ("acquired", stamped when
 * read: after the fact), takes the fence, appends, holds, asks to release
 * ("releasing", stamped before the harness answers "go": before the
 * release), releases and replies. Holds so stamped are never longer than
 * the program's: no false overlap. */

void lock_ext_request(const sb_workload *w, const sb_scenario *s, int process, const sb_wop *op,
                      sb_buf *req, int64_t *extra_ns)
{
    (void)s;
    const sb_lock_cfg *k = &w->lock;
    char lockkey[160], fencekey[160], reskey[160];
    key_of(w, "lock", lockkey, sizeof(lockkey));
    key_of(w, "fence", fencekey, sizeof(fencekey));
    key_of(w, "resource", reskey, sizeof(reskey));
    int slot = (int)(op->arg >> 40);
    uint64_t seq = (uint64_t)(op->arg & 0xffffffffffLL);
    int64_t pause =
        slot == k->pause_process && k->pause_every > 0 && (seq + 1) % (uint64_t)k->pause_every == 0
            ? k->pause_ns
            : 0;
    sb_buf_puts(req, "\"f\":\"lock\",\"keys\":{\"lock\":");
    sb_buf_json_string(req, lockkey);
    sb_buf_puts(req, ",\"fence\":");
    sb_buf_json_string(req, fencekey);
    sb_buf_puts(req, ",\"resource\":");
    sb_buf_json_string(req, reskey);
    sb_buf_printf(req,
                  "},\"token\":\"%d-%" PRIu64 "\",\"process\":%d,\"ttl_ms\":%lld,\"hold_ms\":%lld,"
                  "\"pause_ms\":%lld,\"retry_ms\":%lld",
                  process, seq, process, (long long)(k->ttl_ns / SB_NS_PER_MS),
                  (long long)(k->hold_ns / SB_NS_PER_MS), (long long)(pause / SB_NS_PER_MS),
                  (long long)(k->retry_ns / SB_NS_PER_MS));
    *extra_ns = k->ttl_ns + k->hold_ns + pause + k->retry_ns;
}

sb_outcome lock_ext_reply(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                          const json_t *value, sb_buf *out_value, char *why, size_t whylen)
{
    (void)op;
    const json_t *acq = json_object_get(value, "acquired");
    if (!json_is_integer(acq)) {
        if (reported == SB_OUTCOME_OK) {
            snprintf(why, whylen, "the client replied ok without an \"acquired\" event");
            return SB_OUTCOME_INFO;
        }
        return reported; /* not acquired: the invocation's value */
    }
    const json_t *fence = json_object_get(value, "fence");
    const json_t *validity = json_object_get(value, "validity_ms");
    const json_t *released = json_object_get(value, "released");
    sb_buf_puts(out_value, "{\"lock\":");
    sb_buf_json_string(out_value, w->key);
    sb_buf_printf(out_value, ",\"ttl_ms\":%lld,\"acquired\":%lld,\"validity_ms\":%lld",
                  (long long)(w->lock.ttl_ns / SB_NS_PER_MS), (long long)json_integer_value(acq),
                  json_is_number(validity) ? (long long)json_number_value(validity)
                                           : (long long)(w->lock.ttl_ns / SB_NS_PER_MS));
    if (json_is_integer(fence))
        sb_buf_printf(out_value, ",\"fence\":%lld", (long long)json_integer_value(fence));
    sb_buf_printf(out_value, ",\"appended\":%s",
                  json_is_true(json_object_get(value, "appended")) ? "true" : "false");
    if (json_is_integer(released))
        sb_buf_printf(out_value, ",\"released\":%lld", (long long)json_integer_value(released));
    sb_buf_printf(out_value, ",\"release_ok\":%s}",
                  json_is_true(json_object_get(value, "release_ok")) ? "true" : "false");
    if (reported == SB_OUTCOME_OK && !json_is_integer(fence)) {
        snprintf(why, whylen, "the client replied ok without a fence");
        return SB_OUTCOME_INFO;
    }
    /* The lock was held: an attempt that went wrong after that is info. */
    return reported == SB_OUTCOME_OK ? SB_OUTCOME_OK : SB_OUTCOME_INFO;
}

int lock_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    char reskey[160];
    key_of(w, "resource", reskey, sizeof(reskey));
    redisReply *r = fread_command(fr, reskey, "LRANGE %s 0 -1", reskey);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        sb_err_set(err, "LRANGE %s: %s", reskey,
                   !r                             ? fread_errstr(fr)
                   : r->type == REDIS_REPLY_ERROR ? r->str
                                                  : "not an array");
        if (r)
            freeReplyObject(r);
        return -1;
    }
    sb_buf_puts(value, "{\"resource\":[");
    for (size_t i = 0; i < r->elements; i++) {
        sb_buf_puts(value, i ? "," : "");
        sb_buf_json_string(value,
                           r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : "?");
    }
    sb_buf_puts(value, "]}");
    freeReplyObject(r);
    return 0;
}
