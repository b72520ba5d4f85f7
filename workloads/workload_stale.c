/* workload_stale.c -- the stale-read workload: reads served by replicas.
 *
 * Worker P owns key "kP" and writes it on the master with increasing values
 * (seq + 1: one write in flight per worker, so values increase in time).
 * Half its operations are reads of some worker's key (its own one time in
 * four) from a node chosen in turn among all redis hosts other than the
 * master it writes to (when there is no other, the master): a replica
 * serves them as it is, behind the master by its replication lag. The
 * history's read completions name the node that answered. Values:
 *   write: {"k":"kP","v":N}    read: {"k":"kQ","v":N or null}
 * which the stale-read checker turns into read-your-writes, monotonic
 * reads and the staleness distribution. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "workload_internal.h"

typedef struct stale_worker {
    const sb_scenario *s;
    redisContext *conn[SB_MAX_HOSTS]; /* by host index, NULL until used */
    int last_node;                    /* host that answered the last read */
    size_t turn;
} stale_worker;

void *stale_worker_new(const sb_scenario *s, int process)
{
    stale_worker *sw = sb_xcalloc(1, sizeof(*sw));
    sw->s = s;
    sw->last_node = -1;
    sw->turn = (size_t)process;
    return sw;
}

void stale_worker_free(void *state)
{
    stale_worker *sw = state;
    if (!sw)
        return;
    for (int h = 0; h < SB_MAX_HOSTS; h++)
        if (sw->conn[h])
            redisFree(sw->conn[h]);
    free(sw);
}

void stale_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op)
{
    (void)w;
    uint64_t h = wl_mix(((uint64_t)process << 40) ^ seq);
    if (h % 2 == 0) {
        snprintf(op->f, sizeof(op->f), "write");
        snprintf(op->value, sizeof(op->value), "{\"k\":\"k%d\",\"v\":%" PRIu64 "}", process,
                 seq + 1);
        op->arg = -1;
        return;
    }
    int key = (h >> 8) % 4 == 0 ? process : (int)((h >> 16) % (uint64_t)n_processes);
    snprintf(op->f, sizeof(op->f), "read");
    snprintf(op->value, sizeof(op->value), "{\"k\":\"k%d\",\"v\":null}", key);
    op->arg = key;
}

sb_outcome stale_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                       char *why, size_t whylen)
{
    stale_worker *sw = x->state;
    char key[160];
    if (op->arg < 0) {
        sw->last_node = -1;
        const char *v = strstr(op->value, "\"v\":") + 4;
        char val[24];
        snprintf(val, sizeof(val), "%lld", atoll(v));
        snprintf(key, sizeof(key), "%s:k%d", w->key, x->process);
        const char *argv[3] = {"SET", key, val};
        size_t lens[3] = {3, strlen(key), strlen(val)};
        redisReply *r = NULL;
        sb_outcome o = client_call(x->c, 3, argv, lens, &r, why, whylen);
        if (o != SB_OUTCOME_OK)
            return o;
        if (r->type != REDIS_REPLY_STATUS) {
            snprintf(why, whylen, "unexpected reply type %d to SET", r->type);
            o = SB_OUTCOME_INFO;
        }
        freeReplyObject(r);
        return o;
    }
    /* A read, from the next host that is not the master we write to. */
    const sb_deployment *d = &sw->s->deployment;
    int master = x->c->master_host >= 0 ? x->c->master_host : d->master;
    int host = -1;
    for (size_t k = 0; k < d->redis.n && host < 0; k++) {
        int h = d->redis.idx[(sw->turn + k) % d->redis.n];
        if (h != master || d->redis.n == 1)
            host = h;
    }
    sw->turn++;
    sw->last_node = host;
    if (!sw->conn[host]) {
        sw->conn[host] =
            client_connect(lab_host_addr(x->lab, host), d->redis_port, x->c->cfg.connect_timeout_ns,
                           x->c->cfg.timeout_ns, why, whylen);
        if (!sw->conn[host])
            return SB_OUTCOME_FAIL;
    }
    snprintf(key, sizeof(key), "%s:k%lld", w->key, (long long)op->arg);
    redisReply *r = redisCommand(sw->conn[host], "GET %s", key);
    if (!r) {
        snprintf(why, whylen, "%s: %s", lab_host_name(x->lab, host), sw->conn[host]->errstr);
        redisFree(sw->conn[host]);
        sw->conn[host] = NULL;
        return SB_OUTCOME_INFO; /* a read changes nothing: info only says "no answer" */
    }
    sb_outcome o = SB_OUTCOME_OK;
    if (r->type == REDIS_REPLY_NIL)
        sb_buf_printf(out_value, "{\"k\":\"k%lld\",\"v\":null}", (long long)op->arg);
    else if (r->type == REDIS_REPLY_STRING)
        sb_buf_printf(out_value, "{\"k\":\"k%lld\",\"v\":%lld}", (long long)op->arg, atoll(r->str));
    else if (r->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "%s: %s", lab_host_name(x->lab, host), r->str);
        o = client_classify_error(r->str);
    } else {
        snprintf(why, whylen, "unexpected reply type %d to GET", r->type);
        o = SB_OUTCOME_INFO;
    }
    freeReplyObject(r);
    return o;
}

/* The node that answered the last operation: the replica for a read. */
const char *stale_node(void *state, const sb_lab *lab)
{
    stale_worker *sw = state;
    return sw && sw->last_node >= 0 ? lab_host_name(lab, sw->last_node) : NULL;
}

int stale_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    char pattern[170];
    snprintf(pattern, sizeof(pattern), "%s:k*", w->key);
    redisReply *r = fread_command(fr, NULL, "KEYS %s", pattern);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        sb_err_set(err, "KEYS %s: %s", pattern, r ? "unexpected reply" : fread_errstr(fr));
        if (r)
            freeReplyObject(r);
        return -1;
    }
    sb_buf_puts(value, "{");
    for (size_t i = 0; i < r->elements; i++) {
        const char *k = r->element[i]->str;
        redisReply *g = fread_command(fr, k, "GET %s", k);
        sb_buf_puts(value, i ? "," : "");
        sb_buf_json_string(value, k + strlen(w->key) + 1);
        sb_buf_printf(value, ":%lld", g && g->type == REDIS_REPLY_STRING ? atoll(g->str) : 0LL);
        if (g)
            freeReplyObject(g);
    }
    sb_buf_puts(value, "}");
    freeReplyObject(r);
    return 0;
}
