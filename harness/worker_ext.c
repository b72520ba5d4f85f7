/* worker_ext.c -- a worker's operations through an external client program
 * (worker_ext.h, clients/PROTOCOL.md). */
#define _GNU_SOURCE
#include "worker_ext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_STDERR_QUOTE 600 /* bytes of a client's stderr in an error */
#define EXT_GARBAGE_QUOTE 80 /* bytes of a bad reply in its info */

/* {"host":"n1","addr":"10.77.0.11","port":26379} */
static void host_json(sb_buf *b, const sb_ext_worker *x, int h, int port)
{
    sb_buf_puts(b, "{\"host\":");
    sb_buf_json_string(b, x->s->hosts[h].name);
    sb_buf_puts(b, ",\"addr\":");
    sb_buf_json_string(b, lab_host_addr(x->lab, h));
    sb_buf_printf(b, ",\"port\":%d}", port);
}

static void hosts_json(sb_buf *b, const sb_ext_worker *x, const int *idx, size_t n, int port)
{
    sb_buf_puts(b, "[");
    for (size_t i = 0; i < n; i++) {
        sb_buf_puts(b, i ? "," : "");
        host_json(b, x, idx[i], port);
    }
    sb_buf_puts(b, "]");
}

static void init_message(const sb_ext_worker *x, sb_buf *b)
{
    const sb_deployment *d = &x->s->deployment;
    const sb_workload *w = &x->s->workload;
    sb_buf_printf(b, "{\"type\":\"init\",\"worker\":%d,\"process\":%d,\"client\":", x->slot,
                  x->process);
    sb_buf_json_string(b, x->spec->ext_name);
    sb_buf_puts(b, ",\"workload\":");
    sb_buf_json_string(b, w->kind);
    sb_buf_printf(b, ",\"timeout_ms\":%lld,\"connect_timeout_ms\":%lld,\"wait\":",
                  (long long)(x->spec->timeout_ns / SB_NS_PER_MS),
                  (long long)(x->spec->connect_timeout_ns / SB_NS_PER_MS));
    if (w->wait_replicas > 0)
        sb_buf_printf(b, "{\"replicas\":%d,\"timeout_ms\":%lld}", w->wait_replicas,
                      (long long)(w->wait_timeout_ns / SB_NS_PER_MS));
    else
        sb_buf_puts(b, "null");
    sb_buf_puts(b, ",\"deployment\":{\"kind\":");
    if (d->kind == SB_DEPLOY_SENTINEL) {
        sb_buf_puts(b, "\"sentinel\",\"master_name\":");
        sb_buf_json_string(b, d->master_name);
        sb_buf_puts(b, ",\"sentinels\":");
        hosts_json(b, x, x->spec->sentinels.idx, x->spec->sentinels.n, d->sentinel_port);
    } else if (d->kind == SB_DEPLOY_CLUSTER) {
        size_t n = d->redis.n - (size_t)d->cluster_spares;
        sb_buf_puts(b, "\"cluster\",\"nodes\":");
        hosts_json(b, x, d->redis.idx, n, d->redis_port);
    } else {
        sb_buf_puts(b, "\"independent\",\"master\":");
        host_json(b, x, d->master, d->redis_port);
        sb_buf_puts(b, ",\"masters\":");
        hosts_json(b, x, d->redis.idx, d->redis.n, d->redis_port);
    }
    sb_buf_puts(b, "}");
    if (!strcmp(w->kind, "lock")) {
        const sb_lock_cfg *k = &w->lock;
        sb_buf_printf(b, ",\"lock\":{\"mode\":\"%s\",\"drift_ms\":%lld",
                      k->redlock ? "redlock" : "single", (long long)(k->drift_ns / SB_NS_PER_MS));
        if (k->redlock) {
            sb_buf_puts(b, ",\"nodes\":");
            hosts_json(b, x, k->nodes.idx, k->nodes.n, d->redis_port);
        }
        sb_buf_puts(b, "}");
    }
    sb_buf_printf(b, ",\"options\":%s}", x->spec->ext_options ? x->spec->ext_options : "{}");
}

/* "client redis-py (worker 3)" */
static void who(const sb_ext_worker *x, char *out, size_t len)
{
    snprintf(out, len, "client %s (worker %d, process %d)", x->spec->ext_name, x->slot, x->process);
}

/* err: what went wrong, then the program's stderr. */
static void fail_with_stderr(const sb_ext_worker *x, char *err, const char *what)
{
    char tail[EXT_STDERR_QUOTE + 64], w[160];
    who(x, w, sizeof(w));
    ext_tail(x->log_path, EXT_STDERR_QUOTE, tail, sizeof(tail));
    sb_err_set(err, "%s %s; its stderr (%s): %s", w, what, x->log_path, tail[0] ? tail : "empty");
}

int ext_worker_start(sb_ext_worker *x, char *err)
{
    char e[SB_ERR_LEN];
    memmove(x->starts, x->starts + (x->n_starts > EXT_RESTARTS_PER_MIN),
            (size_t)(x->n_starts > EXT_RESTARTS_PER_MIN ? EXT_RESTARTS_PER_MIN : x->n_starts) *
                sizeof(int64_t));
    if (x->n_starts > EXT_RESTARTS_PER_MIN)
        x->n_starts = EXT_RESTARTS_PER_MIN;
    x->starts[x->n_starts++] = sb_now_ns();
    if (ext_start(&x->proc, x->spec->ext_argv, x->spec->ext_env, x->log_path, e) == -1) {
        char w[160];
        who(x, w, sizeof(w));
        sb_err_set(err, "%s: %s", w, e);
        return -1;
    }
    sb_buf b, line;
    sb_buf_init(&b);
    sb_buf_init(&line);
    init_message(x, &b);
    int rc = -1;
    if (ext_send(&x->proc, b.data, b.len, e) == -1) {
        ext_stop(&x->proc, 200 * SB_NS_PER_MS);
        char st[64], what[SB_ERR_LEN];
        ext_describe_exit(&x->proc, st, sizeof(st));
        snprintf(what, sizeof(what), "%s before reading its init message", st);
        fail_with_stderr(x, err, what);
        goto out;
    }
    int64_t deadline = sb_now_ns() + EXT_INIT_NS + x->spec->connect_timeout_ns;
    int got = ext_recv(&x->proc, deadline, &line, e);
    if (got <= 0) {
        char what[SB_ERR_LEN], st[64];
        if (got == 0) {
            ext_stop(&x->proc, 0);
            snprintf(what, sizeof(what), "did not answer its init message within %lld s",
                     (long long)((EXT_INIT_NS + x->spec->connect_timeout_ns) / SB_NS_PER_S));
        } else {
            ext_stop(&x->proc, 200 * SB_NS_PER_MS);
            ext_describe_exit(&x->proc, st, sizeof(st));
            snprintf(what, sizeof(what), "%s before answering its init message", st);
        }
        fail_with_stderr(x, err, what);
        goto out;
    }
    json_t *j = json_loadb(line.data ? line.data : "", line.len, 0, NULL);
    const char *type = json_string_value(json_object_get(j, "type"));
    if (type && !strcmp(type, "init_ok")) {
        rc = 0;
    } else {
        char w[160];
        who(x, w, sizeof(w));
        const char *msg = json_string_value(json_object_get(j, "error"));
        if (type && !strcmp(type, "error"))
            sb_err_set(err, "%s refused to start: %s", w, msg ? msg : "(no message)");
        else
            sb_err_set(err,
                       "%s answered its init message with %.*s; expected {\"type\":\"init_ok\"} "
                       "or {\"type\":\"error\",\"error\":...}",
                       w, (int)(line.len < 200 ? line.len : 200), line.data ? line.data : "");
        ext_stop(&x->proc, 200 * SB_NS_PER_MS);
    }
    json_decref(j);
out:
    sb_buf_free(&b);
    sb_buf_free(&line);
    return rc;
}

/* The host a reply's "node" names: a host name, or "addr" or "addr:port". */
static void reply_node(sb_ext_worker *x, const char *node)
{
    x->node[0] = '\0';
    if (!node || !node[0])
        return;
    for (size_t h = 0; h < x->s->n_hosts; h++) {
        const char *a = lab_host_addr(x->lab, (int)h);
        size_t al = a ? strlen(a) : 0;
        if (!strcmp(node, x->s->hosts[h].name) ||
            (al && !strncmp(node, a, al) && (node[al] == '\0' || node[al] == ':'))) {
            snprintf(x->node, sizeof(x->node), "%s", x->s->hosts[h].name);
            return;
        }
    }
}

/* An event of the request in flight (the lock workload's): its time
 * stamped into stamps; "releasing" is answered with "go". 0, or -1 with
 * why when the program is gone. */
static int on_event(sb_ext_worker *x, long long id, const json_t *j, json_t **stampsp, char *why,
                    size_t whylen)
{
    const char *ev = json_string_value(json_object_get(j, "event"));
    int64_t now = recorder_elapsed_ns(x->rec);
    if (!*stampsp)
        *stampsp = json_object();
    json_t *stamps = *stampsp;
    if (ev && !strcmp(ev, "acquired")) {
        json_object_set_new(stamps, "acquired", json_integer(now));
        const json_t *v = json_object_get(j, "validity_ms");
        if (json_is_number(v))
            json_object_set_new(stamps, "validity_ms",
                                json_integer((json_int_t)json_number_value(v)));
    } else if (ev && !strcmp(ev, "releasing")) {
        json_object_set_new(stamps, "released", json_integer(now));
        char go[64], e[SB_ERR_LEN];
        int n = snprintf(go, sizeof(go), "{\"id\":%lld,\"go\":true}", id);
        if (ext_send(&x->proc, go, (size_t)n, e) == -1) {
            snprintf(why, whylen, "the client is gone (%s) while releasing", e);
            return -1;
        }
    }
    return 0;
}

sb_outcome ext_worker_apply(sb_ext_worker *x, const sb_wop *op, sb_buf *out, char *why,
                            size_t whylen, int *broken)
{
    char e[SB_ERR_LEN];
    long long id = x->next_id++;
    int64_t extra = 0;
    sb_buf req, line;
    sb_buf_init(&req);
    sb_buf_init(&line);
    sb_buf_printf(&req, "{\"id\":%lld,", id);
    x->wk->ext_request(&x->s->workload, x->s, x->process, op, &req, &extra);
    sb_buf_puts(&req, "}");
    *broken = 0;
    x->node[0] = '\0';
    json_t *stamps = NULL; /* made at the first event: most requests have none */
    sb_outcome o = SB_OUTCOME_INFO;
    if (ext_send(&x->proc, req.data, req.len, e) == -1) {
        /* Not written: the operation never reached the program. */
        snprintf(why, whylen, "the client is gone (%s); request not sent", e);
        *broken = 1;
        o = SB_OUTCOME_FAIL;
        goto out;
    }
    for (;;) {
        int64_t budget = x->spec->timeout_ns + EXT_GRACE_NS + extra;
        int got = ext_recv(&x->proc, sb_now_ns() + budget, &line, e);
        if (got == 0) {
            snprintf(why, whylen, "no reply from the client within %lld ms",
                     (long long)(budget / SB_NS_PER_MS));
            *broken = 1;
            break;
        }
        if (got == -1) {
            char st[64];
            ext_stop(&x->proc, 200 * SB_NS_PER_MS);
            ext_describe_exit(&x->proc, st, sizeof(st));
            snprintf(why, whylen, "the client %s before replying (%s)", st, e);
            *broken = 1;
            break;
        }
        json_t *j = json_loadb(line.data ? line.data : "", line.len, 0, NULL);
        json_t *jid = json_object_get(j, "id");
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *error = json_string_value(json_object_get(j, "error"));
        int ours = json_is_object(j) && json_is_integer(jid) && json_integer_value(jid) == id;
        if (ours && !type && json_is_string(json_object_get(j, "event"))) {
            int rc = on_event(x, id, j, &stamps, why, whylen);
            json_decref(j);
            if (rc == -1) {
                *broken = 1;
                break;
            }
            continue;
        }
        int known = type && (!strcmp(type, "ok") || !strcmp(type, "fail") || !strcmp(type, "info"));
        if (!ours || !known) {
            snprintf(why, whylen,
                     "the client's reply is not a reply to request %lld of the protocol: %.*s", id,
                     (int)(line.len < EXT_GARBAGE_QUOTE ? line.len : EXT_GARBAGE_QUOTE),
                     line.data ? line.data : "");
            *broken = 1;
            json_decref(j);
            break;
        }
        reply_node(x, json_string_value(json_object_get(j, "node")));
        sb_outcome reported = !strcmp(type, "ok")     ? SB_OUTCOME_OK
                              : !strcmp(type, "fail") ? SB_OUTCOME_FAIL
                                                      : SB_OUTCOME_INFO;
        if (reported != SB_OUTCOME_OK)
            snprintf(why, whylen, "%s", error && error[0] ? error : "(the client gave no reason)");
        if (reported == SB_OUTCOME_OK || json_object_size(stamps)) {
            /* Times are the harness's own: a program's "acquired" or
             * "released" (its clock) never reaches the history. */
            json_t *v = json_object_get(j, "value");
            json_t *merged = json_is_object(v) ? json_deep_copy(v) : NULL;
            if (merged || json_object_size(stamps)) {
                if (!merged)
                    merged = json_object();
                json_object_del(merged, "acquired");
                json_object_del(merged, "released");
                if (stamps)
                    json_object_update(merged, stamps);
            }
            o = x->wk->ext_reply(&x->s->workload, op, reported, merged ? merged : v, out, why,
                                 whylen);
            json_decref(merged);
        } else {
            o = reported;
        }
        json_decref(j);
        break;
    }
    /* A program that broke after taking a lock: what it told us so far. */
    if (*broken && json_object_size(stamps))
        x->wk->ext_reply(&x->s->workload, op, SB_OUTCOME_INFO, stamps, out, e, sizeof(e));
out:
    json_decref(stamps);
    sb_buf_free(&req);
    sb_buf_free(&line);
    return o;
}

int ext_worker_restart(sb_ext_worker *x, const char *why, char *err)
{
    ext_stop(&x->proc, 0);
    int64_t now = sb_now_ns();
    int recent = 0;
    for (int i = 0; i < x->n_starts; i++)
        recent += now - x->starts[i] < 60 * SB_NS_PER_S;
    if (recent > EXT_RESTARTS_PER_MIN) {
        char what[SB_ERR_LEN];
        snprintf(what, sizeof(what), "was restarted %d times within a minute (the last: %s)",
                 recent - 1, why);
        fail_with_stderr(x, err, what);
        return -1;
    }
    int old = x->process;
    x->process += x->n_workers;
    sb_buf v;
    sb_buf_init(&v);
    sb_buf_printf(&v, "{\"worker\":%d,\"client\":", x->slot);
    sb_buf_json_string(&v, x->spec->ext_name);
    sb_buf_printf(&v, ",\"process\":%d,\"new_process\":%d,\"why\":", old, x->process);
    sb_buf_json_string(&v, why);
    sb_buf_puts(&v, "}");
    recorder_record(x->rec, SB_PROC_CONTROLLER, SB_OP_OK, "client-restart", v.data, NULL, NULL);
    sb_buf_free(&v);
    return ext_worker_start(x, err);
}

void ext_worker_stop(sb_ext_worker *x)
{
    ext_stop(&x->proc, 500 * SB_NS_PER_MS);
}
