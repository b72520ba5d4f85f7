/* history.c -- the history as JSONL: loading it for checkers, and the
 * thread-safe recorder that writes it while a run goes. */
#define _GNU_SOURCE
#include "history.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "util.h"

/* The flusher writes what is buffered at least this often, and a recording
 * thread writes it itself past this size. */
#define RECORDER_FLUSH_NS (100 * SB_NS_PER_MS)
#define RECORDER_HIGH_WATER (256 * 1024)

static const char *const type_names[] = {"invoke", "ok", "fail", "info"};

const char *history_type_name(sb_op_type t)
{
    return (unsigned)t < 4 ? type_names[t] : "?";
}

int history_type_parse(const char *s, sb_op_type *t)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, type_names[i]) == 0) {
            *t = (sb_op_type)i;
            return 0;
        }
    return -1;
}

/* ====== In memory ====== */

sb_history *history_new(void)
{
    return sb_xcalloc(1, sizeof(sb_history));
}

static sb_op *history_push(sb_history *h)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        sb_op *ops = realloc(h->ops, h->cap * sizeof(sb_op));
        if (!ops)
            abort();
        h->ops = ops;
    }
    sb_op *op = &h->ops[h->n++];
    memset(op, 0, sizeof(*op));
    return op;
}

void history_add(sb_history *h, const sb_op *op)
{
    sb_op *dst = history_push(h);
    *dst = *op;
    dst->index = (int64_t)h->n - 1;
    dst->value = op->value ? json_incref(op->value) : NULL;
    dst->error = op->error ? sb_xstrdup(op->error) : NULL;
}

void history_free(sb_history *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++) {
        json_decref(h->ops[i].value);
        free(h->ops[i].error);
    }
    free(h->ops);
    free(h);
}

/* ====== Loading ====== */

static int parse_op(json_t *j, sb_op *op, char *why, size_t whylen)
{
    if (!json_is_object(j)) {
        snprintf(why, whylen, "not a JSON object");
        return -1;
    }
    json_t *v;
    if (!json_is_integer(v = json_object_get(j, "index"))) {
        snprintf(why, whylen, "\"index\" must be an integer");
        return -1;
    }
    op->index = json_integer_value(v);
    v = json_object_get(j, "process");
    if (json_is_integer(v)) {
        op->process = (int)json_integer_value(v);
    } else if (json_is_string(v) && strcmp(json_string_value(v), "nemesis") == 0) {
        op->process = SB_PROC_NEMESIS;
    } else if (json_is_string(v) && strcmp(json_string_value(v), "controller") == 0) {
        op->process = SB_PROC_CONTROLLER;
    } else if (json_is_string(v) && strcmp(json_string_value(v), "node") == 0) {
        op->process = SB_PROC_NODE;
    } else {
        snprintf(why, whylen,
                 "\"process\" must be an integer, \"nemesis\", \"controller\" or \"node\"");
        return -1;
    }
    v = json_object_get(j, "type");
    if (!json_is_string(v) || history_type_parse(json_string_value(v), &op->type) == -1) {
        snprintf(why, whylen, "\"type\" must be invoke, ok, fail or info");
        return -1;
    }
    v = json_object_get(j, "f");
    if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(op->f)) {
        snprintf(why, whylen, "\"f\" must be a short string");
        return -1;
    }
    snprintf(op->f, sizeof(op->f), "%s", json_string_value(v));
    if (!json_is_integer(v = json_object_get(j, "time"))) {
        snprintf(why, whylen, "\"time\" must be an integer (ns)");
        return -1;
    }
    op->time_ns = json_integer_value(v);
    if ((v = json_object_get(j, "node"))) {
        if (!json_is_string(v)) {
            snprintf(why, whylen, "\"node\" must be a string");
            return -1;
        }
        snprintf(op->node, sizeof(op->node), "%s", json_string_value(v));
    }
    if ((v = json_object_get(j, "error")) && json_is_string(v))
        op->error = sb_xstrdup(json_string_value(v));
    if ((v = json_object_get(j, "value")) && !json_is_null(v))
        op->value = json_incref(v);
    return 0;
}

sb_history *history_parse(const char *name, const char *text, size_t len, char *err)
{
    sb_history *h = history_new();
    size_t lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        int last_unterminated = nl == NULL;
        const char *eol = nl ? nl : end;
        lineno++;
        size_t n = (size_t)(eol - p);
        if (n == 0 || (n == 1 && *p == '\r')) {
            p = eol + 1;
            continue;
        }
        json_error_t je;
        json_t *j = json_loadb(p, n, 0, &je);
        if (!j) {
            if (last_unterminated)
                break; /* a run that died mid-line: keep the prefix */
            sb_err_set(err, "%s:%zu: not JSON: %s", name, lineno, je.text);
            goto fail;
        }
        sb_op *op = history_push(h);
        char why[256];
        int rc = parse_op(j, op, why, sizeof(why));
        json_decref(j);
        if (rc == -1) {
            h->n--;
            json_decref(op->value);
            free(op->error);
            sb_err_set(err, "%s:%zu: %s", name, lineno, why);
            goto fail;
        }
        p = eol + 1;
    }
    return h;
fail:
    history_free(h);
    return NULL;
}

sb_history *history_load(const char *path, char *err)
{
    size_t len;
    char *text = sb_read_file(path, &len, err);
    if (!text)
        return NULL;
    sb_history *h = history_parse(path, text, len, err);
    free(text);
    return h;
}

/* ====== Recording ====== */

struct sb_recorder {
    int fd;
    int64_t t0_ns;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    sb_buf buf; /* whole lines not yet written */
    int64_t next_index;
    uint64_t n_ok, n_fail, n_info;
    int closing;
    int write_error; /* errno of the first failed write */
    pthread_t flusher;
    pthread_mutex_t write_lock; /* one writer of the file at a time, in order */
};

/* Writes out the buffer; called with r->lock held, releases it around the
 * write so recording threads are not held up by the disk. */
static void recorder_flush_locked(sb_recorder *r)
{
    if (r->buf.len == 0)
        return;
    sb_buf out = r->buf;
    sb_buf_init(&r->buf);
    pthread_mutex_lock(&r->write_lock);
    pthread_mutex_unlock(&r->lock);
    size_t off = 0;
    while (off < out.len) {
        ssize_t n = write(r->fd, out.data + off, out.len - off);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            if (!r->write_error)
                r->write_error = errno;
            break;
        }
        off += (size_t)n;
    }
    pthread_mutex_unlock(&r->write_lock);
    sb_buf_free(&out);
    pthread_mutex_lock(&r->lock);
}

static void *recorder_flusher(void *arg)
{
    sb_recorder *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->closing) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += RECORDER_FLUSH_NS;
        if (ts.tv_nsec >= SB_NS_PER_S) {
            ts.tv_sec++;
            ts.tv_nsec -= SB_NS_PER_S;
        }
        pthread_cond_timedwait(&r->cond, &r->lock, &ts);
        recorder_flush_locked(r);
    }
    recorder_flush_locked(r);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

sb_recorder *recorder_open(const char *path, int64_t t0_ns, char *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", path, strerror(errno));
        return NULL;
    }
    sb_recorder *r = sb_xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->t0_ns = t0_ns;
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->write_lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    sb_buf_init(&r->buf);
    int e = pthread_create(&r->flusher, NULL, recorder_flusher, r);
    if (e) {
        sb_err_set(err, "pthread_create(history flusher): %s", strerror(e));
        close(fd);
        free(r);
        return NULL;
    }
    return r;
}

int64_t recorder_record(sb_recorder *r, int process, sb_op_type type, const char *f,
                        const char *value_json, const char *node, const char *error)
{
    /* Everything but the index and time is formatted outside the lock. */
    char head[64];
    if (process >= 0)
        snprintf(head, sizeof(head), "%d", process);
    else
        snprintf(head, sizeof(head), "\"%s\"",
                 process == SB_PROC_NEMESIS ? "nemesis"
                 : process == SB_PROC_NODE  ? "node"
                                            : "controller");
    sb_buf tail;
    sb_buf_init(&tail);
    sb_buf_printf(&tail, ",\"type\":\"%s\",\"f\":", history_type_name(type));
    sb_buf_json_string(&tail, f);
    if (value_json) {
        sb_buf_puts(&tail, ",\"value\":");
        sb_buf_puts(&tail, value_json);
    }
    if (node) {
        sb_buf_puts(&tail, ",\"node\":");
        sb_buf_json_string(&tail, node);
    }
    if (error) {
        sb_buf_puts(&tail, ",\"error\":");
        sb_buf_json_string(&tail, error);
    }

    pthread_mutex_lock(&r->lock);
    int64_t t = sb_now_ns() - r->t0_ns;
    int64_t idx = r->next_index++;
    sb_buf_printf(&r->buf, "{\"index\":%" PRId64 ",\"process\":%s,\"time\":%" PRId64 "%s}\n", idx,
                  head, t, tail.data);
    if (process >= 0) {
        if (type == SB_OP_OK)
            r->n_ok++;
        else if (type == SB_OP_FAIL)
            r->n_fail++;
        else if (type == SB_OP_INFO)
            r->n_info++;
    }
    if (r->buf.len > RECORDER_HIGH_WATER)
        recorder_flush_locked(r);
    pthread_mutex_unlock(&r->lock);
    sb_buf_free(&tail);
    return t;
}

void recorder_counts(sb_recorder *r, uint64_t *ok, uint64_t *fail, uint64_t *info)
{
    pthread_mutex_lock(&r->lock);
    *ok = r->n_ok;
    *fail = r->n_fail;
    *info = r->n_info;
    pthread_mutex_unlock(&r->lock);
}

int64_t recorder_elapsed_ns(const sb_recorder *r)
{
    return sb_now_ns() - r->t0_ns;
}

int recorder_close(sb_recorder *r, char *err)
{
    pthread_mutex_lock(&r->lock);
    r->closing = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->flusher, NULL);
    int rc = 0;
    if (r->write_error) {
        sb_err_set(err, "write(history): %s", strerror(r->write_error));
        rc = -1;
    }
    if (close(r->fd) == -1 && rc == 0) {
        sb_err_set(err, "close(history): %s", strerror(errno));
        rc = -1;
    }
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->write_lock);
    pthread_cond_destroy(&r->cond);
    sb_buf_free(&r->buf);
    free(r);
    return rc;
}

int history_has_op(const sb_history *h, int process, const char *f)
{
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        int who = process == SB_PROC_CLIENTS ? op->process >= 0 : op->process == process;
        if (who && (!f || !strcmp(op->f, f)))
            return 1;
    }
    return 0;
}
