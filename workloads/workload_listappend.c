/* workload_listappend.c -- the list-append workload (Elle's): transactions
 * of 1..4 micro-ops over LISTAPPEND_KEYS lists, each an append (RPUSH of a
 * value unique in the whole run) or a read (LRANGE k 0 -1), run atomically
 * as MULTI ... EXEC on the master. As in Elle, keys rotate so lists stay
 * short: a worker's transaction seq uses generation seq / TXNS_PER_GEN of
 * each of the LISTAPPEND_KEYS slots, key "slot.generation" (workers run at
 * about the same pace, so they mostly share a generation; when one lags it
 * just uses an older key, which is as valid).
 *
 * History values are Elle's: the invocation is
 *   [["append","3",17],["r","1",null]]
 * and an ok completion fills the reads: [["append","3",17],["r","1",[4,9]]].
 * Outcomes: the transaction exists only once EXEC is sent. Any failure
 * before that drops the connection (the server discards a MULTI whose
 * connection closes), so it is fail; an EXEC without a reply is info; an
 * EXEC answered nil or with an error refusing it is fail. The final read is
 * {"0.0": [...], "1.0": [...], ...} of every list the run wrote. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "workload_internal.h"

#define LISTAPPEND_KEYS 8
#define MAX_MOPS 4
#define TXNS_PER_GEN 64

/* The micro-ops of (process, seq): n, and per op its kind, key and value. */
typedef struct mops {
    int n;
    unsigned long long gen;
    int append[MAX_MOPS], key[MAX_MOPS];
    int64_t value[MAX_MOPS];
} mops;

static void plan(int process, int n_processes, uint64_t seq, mops *m)
{
    uint64_t h = wl_mix(((uint64_t)process << 40) ^ seq);
    m->n = 1 + (int)(h % MAX_MOPS);
    m->gen = (unsigned long long)(seq / TXNS_PER_GEN);
    h = wl_mix(h);
    for (int i = 0; i < m->n; i++) {
        m->key[i] = (int)(h % LISTAPPEND_KEYS);
        m->append[i] = (h >> 8) % 2 == 0;
        /* Unique over the run: worker p of n owns p, p+n, ...; each
         * transaction has MAX_MOPS slots. */
        m->value[i] =
            (int64_t)((seq * (uint64_t)n_processes + (uint64_t)process) * MAX_MOPS + (uint64_t)i) +
            1;
        h = wl_mix(h);
    }
}

void listappend_generate(const sb_workload *w, int process, int n_processes, uint64_t seq,
                         sb_wop *op)
{
    (void)w;
    mops m;
    plan(process, n_processes, seq, &m);
    snprintf(op->f, sizeof(op->f), "txn");
    size_t off = 0;
    off += (size_t)snprintf(op->value + off, sizeof(op->value) - off, "[");
    for (int i = 0; i < m.n; i++) {
        if (m.append[i])
            off += (size_t)snprintf(op->value + off, sizeof(op->value) - off,
                                    "%s[\"append\",\"%d.%llu\",%" PRId64 "]", i ? "," : "",
                                    m.key[i], m.gen, m.value[i]);
        else
            off += (size_t)snprintf(op->value + off, sizeof(op->value) - off,
                                    "%s[\"r\",\"%d.%llu\",null]", i ? "," : "", m.key[i], m.gen);
    }
    snprintf(op->value + off, sizeof(op->value) - off, "]");
    op->arg = (int64_t)seq; /* apply re-plans from (process, seq) */
}

/* The Redis key of list slot.gen: "<key>:3.5", or in a cluster
 * "<key>:{5}3.5", whose hash tag puts a generation's lists in one slot
 * (MULTI/EXEC needs its keys in one slot; generations still spread over
 * the shards). The history names it "3.5" either way. */
static void lkey(const sb_workload *w, int cluster, int slot, unsigned long long gen, char *out,
                 size_t len)
{
    if (cluster)
        snprintf(out, len, "%s:{%llu}%d.%llu", w->key, gen, slot, gen);
    else
        snprintf(out, len, "%s:%d.%llu", w->key, slot, gen);
}

static void list_json(const redisReply *r, sb_buf *out)
{
    sb_buf_puts(out, "[");
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        sb_buf_puts(out, i ? "," : "");
        int numeric = e->type == REDIS_REPLY_STRING && e->len > 0 && e->len < 20;
        for (size_t k = 0; numeric && k < e->len; k++)
            numeric = (e->str[k] >= '0' && e->str[k] <= '9') || (k == 0 && e->str[k] == '-');
        if (numeric)
            sb_buf_append(out, e->str, e->len);
        else
            sb_buf_json_string(out, e->type == REDIS_REPLY_STRING ? e->str : "?");
    }
    sb_buf_puts(out, "]");
}

static sb_outcome call(sb_wctx *x, int argc, const char **argv, redisReply **r, char *why,
                       size_t whylen)
{
    size_t lens[4];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return client_call(x->c, argc, argv, lens, r, why, whylen);
}

sb_outcome listappend_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                            char *why, size_t whylen)
{
    int n_workers = 0;
    for (size_t i = 0; i < x->s->n_clients; i++)
        n_workers += x->s->clients[i].workers;
    mops m;
    plan(x->process, n_workers, (uint64_t)op->arg, &m);
    int cluster = x->s->deployment.kind == SB_DEPLOY_CLUSTER;
    char key[MAX_MOPS][160];
    for (int i = 0; i < m.n; i++)
        lkey(w, cluster, m.key[i], m.gen, key[i], sizeof(key[i]));
    /* In a cluster the keys of a generation share a hash tag, so one slot:
     * the transaction opens on its owner. */
    if (cluster && cluster_route(x->c, key[0], strlen(key[0]), why, whylen) == -1)
        return SB_OUTCOME_FAIL;
    redisReply *r = NULL;
    const char *multi[1] = {"MULTI"};
    sb_outcome o = call(x, 1, multi, &r, why, whylen);
    if (o != SB_OUTCOME_OK)
        return SB_OUTCOME_FAIL; /* no EXEC was sent: nothing can have run */
    freeReplyObject(r);
    for (int i = 0; i < m.n; i++) {
        char val[24];
        snprintf(val, sizeof(val), "%" PRId64, m.value[i]);
        const char *rpush[3] = {"RPUSH", key[i], val};
        const char *lrange[4] = {"LRANGE", key[i], "0", "-1"};
        o = m.append[i] ? call(x, 3, rpush, &r, why, whylen) : call(x, 4, lrange, &r, why, whylen);
        if (o != SB_OUTCOME_OK || r->type != REDIS_REPLY_STATUS) {
            if (o == SB_OUTCOME_OK) {
                snprintf(why, whylen, "%s not queued (reply type %d)",
                         m.append[i] ? "RPUSH" : "LRANGE", r->type);
                freeReplyObject(r);
            }
            /* Not queued, or the connection is gone: the server discards
             * the transaction (DISCARD for good measure on a live one). */
            if (o == SB_OUTCOME_OK) {
                const char *discard[1] = {"DISCARD"};
                char e[128];
                if (call(x, 1, discard, &r, e, sizeof(e)) == SB_OUTCOME_OK)
                    freeReplyObject(r);
            }
            return SB_OUTCOME_FAIL;
        }
        freeReplyObject(r);
    }
    const char *exec[1] = {"EXEC"};
    o = call(x, 1, exec, &r, why, whylen);
    if (o != SB_OUTCOME_OK)
        return o; /* info when EXEC was sent and no answer came */
    if (r->type == REDIS_REPLY_NIL) {
        snprintf(why, whylen, "EXEC aborted");
        freeReplyObject(r);
        return SB_OUTCOME_FAIL;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)m.n) {
        snprintf(why, whylen, "EXEC answered type %d with %zu replies", r->type,
                 r->type == REDIS_REPLY_ARRAY ? r->elements : 0);
        freeReplyObject(r);
        return SB_OUTCOME_INFO;
    }
    sb_buf_puts(out_value, "[");
    for (int i = 0; i < m.n; i++) {
        const redisReply *e = r->element[i];
        sb_buf_puts(out_value, i ? "," : "");
        if (m.append[i]) {
            sb_buf_printf(out_value, "[\"append\",\"%d.%llu\",%" PRId64 "]", m.key[i], m.gen,
                          m.value[i]);
        } else {
            sb_buf_printf(out_value, "[\"r\",\"%d.%llu\",", m.key[i], m.gen);
            if (e->type == REDIS_REPLY_ARRAY)
                list_json(e, out_value);
            else
                sb_buf_puts(out_value, "null");
            sb_buf_puts(out_value, "]");
        }
    }
    sb_buf_puts(out_value, "]");
    freeReplyObject(r);
    return SB_OUTCOME_OK;
}

typedef struct fread_lists {
    const sb_workload *w;
    sb_fread *fr;
    sb_buf *value;
    int n;
    char *err;
} fread_lists;

static int read_list(const char *key, void *arg)
{
    fread_lists *fl = arg;
    redisReply *r = fread_command(fl->fr, key, "LRANGE %s 0 -1", key);
    int rc = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        sb_err_set(fl->err, "LRANGE %s: %s", key,
                   !r                             ? fread_errstr(fl->fr)
                   : r->type == REDIS_REPLY_ERROR ? r->str
                                                  : "not an array");
        rc = -1;
    } else {
        const char *name = key + strlen(fl->w->key) + 1, *tag_end;
        if (*name == '{' && (tag_end = strchr(name, '}')))
            name = tag_end + 1; /* "{5}3.5" -> "3.5" */
        sb_buf_puts(fl->value, fl->n++ ? "," : "");
        sb_buf_json_string(fl->value, name);
        sb_buf_puts(fl->value, ":");
        list_json(r, fl->value);
    }
    if (r)
        freeReplyObject(r);
    return rc;
}

int listappend_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err)
{
    char pattern[170];
    snprintf(pattern, sizeof(pattern), "%s:*", w->key);
    fread_lists fl = {.w = w, .fr = fr, .value = value, .err = err};
    err[0] = 0;
    sb_buf_puts(value, "{");
    if (fread_keys(fr, pattern, read_list, &fl) == -1) {
        if (!err[0])
            sb_err_set(err, "%s", fread_errstr(fr));
        return -1;
    }
    sb_buf_puts(value, "}");
    return 0;
}
