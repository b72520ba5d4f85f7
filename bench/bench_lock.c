/* bench_lock.c -- time of the lock checker on generated histories.
 *
 * The history comes from a simulation of the lock workload against one
 * lock server (SET NX PX, INCR for the fence, RPUSH to the resource,
 * compare-and-delete): CLIENTS clients loop acquire, INCR, append, hold
 * (exponential, mean --hold-ms), release, rest (mean REST_MS); a refused
 * client retries after RETRY_MS (mean); each message takes 50-150 us one
 * way. The server grants the lock when it is free or its key has expired
 * (--ttl-ms). One acquisition in --pause-rate stalls 1.2 x ttl between
 * INCR and RPUSH (a GC pause): its key expires, another client takes the
 * lock, and both believe they hold it -- real overlaps and fence
 * inversions, as Kleppmann describes for Redlock. About 1% of attempts
 * end info: half before the client learned it held the lock, half after
 * (the connection broke in the critical section; the append happened or
 * not at random). The controller's final read closes the history.
 *
 * usage: bench_lock [--ops N] [--ttl-ms T] [--hold-ms H] [--pause-rate P] [--seed S]
 * Without --ops it runs 10^5 and 10^6 operations (invocations and
 * completions). */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "checker.h"
#include "history.h"
#include "util.h"

#include "bench_common.h"

#define CLIENTS 10
#define INFO_RATE 0.01
#define LOCK_NAME "L"
#define RETRY_MS 10.0 /* mean wait after a refusal */
#define REST_MS 1.0   /* mean wait after a release */

typedef enum { ST_IDLE, ST_SET, ST_INCR, ST_APPEND, ST_RELEASE, ST_DONE } client_state;

typedef enum { REC_INVOKE, REC_FAIL, REC_INFO, REC_INFO_HELD, REC_OK } rec_kind;

/* One history line to be, sorted by time before it becomes an sb_op. */
typedef struct rec {
    int64_t t;
    uint64_t seq;
    int process;
    rec_kind kind;
    int64_t acquired, released, fence;
    double validity_ms;
    int appended, release_ok;
} rec;

typedef struct client {
    client_state st;
    int64_t next, invoked, acquired, fence, token;
    double validity_ms;
    int broken; /* this acquisition ends info */
} client;

typedef struct sim {
    sb_rng rng;
    rec *recs;
    size_t n, cap;
    uint64_t seq;
    json_t *resource;
    int holder;
    int64_t expires, token, counter;
    double ttl_ms, hold_ms, pause_rate;
} sim;

static rec *emit(sim *s, int64_t t, int process, rec_kind kind)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->recs = realloc(s->recs, s->cap * sizeof(rec));
        if (!s->recs)
            bench_die("bench_lock", "out of memory");
    }
    rec *r = &s->recs[s->n++];
    *r = (rec){.t = t, .seq = s->seq++, .process = process, .kind = kind};
    return r;
}

static int64_t hop(sim *s) /* one-way message delay */
{
    return 50 * SB_NS_PER_US + (int64_t)(sb_rng_next(&s->rng) % (100 * SB_NS_PER_US));
}

static int64_t expo(sim *s, double mean_ns)
{
    return (int64_t)(-mean_ns * log(1.0 - sb_rng_unit(&s->rng)));
}

static void append(sim *s, int c, int64_t fence)
{
    char e[48];
    snprintf(e, sizeof(e), "%d:%lld", c, (long long)fence);
    json_array_append_new(s->resource, json_string(e));
}

/* The server receives c's SET NX PX at t. */
static void on_set(sim *s, client *cl, int c, int64_t t)
{
    int64_t ttl = (int64_t)(s->ttl_ms * SB_NS_PER_MS);
    if (s->holder < 0 || s->expires <= t) {
        s->holder = c;
        s->expires = t + ttl;
        cl->token = ++s->token;
        cl->acquired = t + hop(s);
        /* What the client believes: ttl minus the round trip, minus drift. */
        cl->validity_ms =
            s->ttl_ms - (double)(cl->acquired - cl->invoked) / 1e6 - (s->ttl_ms * 0.01 + 2);
        cl->broken = sb_rng_unit(&s->rng) < INFO_RATE / 2;
        cl->st = ST_INCR;
        cl->next = cl->acquired + hop(s);
        return;
    }
    int64_t done = t + hop(s);
    emit(s, done, c, sb_rng_unit(&s->rng) < INFO_RATE / 2 ? REC_INFO : REC_FAIL);
    cl->st = ST_IDLE;
    cl->next = done + expo(s, RETRY_MS * SB_NS_PER_MS);
}

static void on_incr(sim *s, client *cl, int64_t t)
{
    cl->fence = ++s->counter;
    int64_t pause =
        sb_rng_unit(&s->rng) < s->pause_rate ? (int64_t)(1.2 * s->ttl_ms * SB_NS_PER_MS) : 0;
    cl->st = ST_APPEND;
    cl->next = t + hop(s) + pause + hop(s);
}

static void on_append(sim *s, client *cl, int c, int64_t t)
{
    if (cl->broken) { /* the connection broke around the RPUSH */
        if (sb_rng_next(&s->rng) % 2)
            append(s, c, cl->fence);
        rec *r = emit(s, t + hop(s), c, REC_INFO_HELD);
        r->acquired = cl->acquired;
        r->validity_ms = cl->validity_ms;
        r->fence = cl->fence;
        cl->st = ST_IDLE;
        cl->next = r->t + expo(s, RETRY_MS * SB_NS_PER_MS);
        return;
    }
    append(s, c, cl->fence);
    cl->st = ST_RELEASE;
    cl->next = t + hop(s) + expo(s, s->hold_ms * SB_NS_PER_MS);
}

/* The client sends its release at t; the server compares and deletes. */
static void on_release(sim *s, client *cl, int c, int64_t t)
{
    int64_t at = t + hop(s);
    int ok = s->holder == c && s->token == cl->token && s->expires > at;
    if (ok)
        s->holder = -1;
    rec *r = emit(s, at + hop(s), c, REC_OK);
    r->acquired = cl->acquired;
    r->validity_ms = cl->validity_ms;
    r->fence = cl->fence;
    r->appended = 1;
    r->released = t;
    r->release_ok = ok;
    cl->st = ST_IDLE;
    cl->next = r->t + expo(s, REST_MS * SB_NS_PER_MS);
}

static int cmp_rec(const void *x, const void *y)
{
    const rec *a = x, *b = y;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static json_t *rec_value(const sim *s, const rec *r)
{
    json_t *v = json_object();
    json_object_set_new(v, "lock", json_string(LOCK_NAME));
    json_object_set_new(v, "ttl_ms", json_real(s->ttl_ms));
    if (r->kind != REC_OK && r->kind != REC_INFO_HELD)
        return v;
    json_object_set_new(v, "acquired", json_integer(r->acquired));
    json_object_set_new(v, "validity_ms", json_real(r->validity_ms));
    json_object_set_new(v, "fence", json_integer(r->fence));
    if (r->kind == REC_OK) {
        json_object_set_new(v, "appended", json_boolean(r->appended));
        json_object_set_new(v, "released", json_integer(r->released));
        json_object_set_new(v, "release_ok", json_boolean(r->release_ok));
    }
    return v;
}

static sb_history *generate(size_t n_ops, uint64_t seed, double ttl_ms, double hold_ms,
                            double pause_rate)
{
    sim s = {.holder = -1, .ttl_ms = ttl_ms, .hold_ms = hold_ms, .pause_rate = pause_rate};
    sb_rng_seed(&s.rng, seed);
    s.resource = json_array();
    client cl[CLIENTS] = {{0}};
    size_t started = 0;
    for (int c = 0; c < CLIENTS; c++)
        cl[c].next = (int64_t)c * 10 * SB_NS_PER_US;
    for (;;) {
        int c = -1;
        for (int k = 0; k < CLIENTS; k++)
            if (cl[k].st != ST_DONE && (c < 0 || cl[k].next < cl[c].next))
                c = k;
        if (c < 0)
            break;
        client *p = &cl[c];
        int64_t t = p->next;
        switch (p->st) {
        case ST_IDLE:
            if (started * 2 >= n_ops) {
                p->st = ST_DONE;
                break;
            }
            started++;
            emit(&s, t, c, REC_INVOKE);
            p->invoked = t;
            p->st = ST_SET;
            p->next = t + hop(&s);
            break;
        case ST_SET:
            on_set(&s, p, c, t);
            break;
        case ST_INCR:
            on_incr(&s, p, t);
            break;
        case ST_APPEND:
            on_append(&s, p, c, t);
            break;
        case ST_RELEASE:
            on_release(&s, p, c, t);
            break;
        case ST_DONE:
            break;
        }
    }
    qsort(s.recs, s.n, sizeof(rec), cmp_rec);
    static const sb_op_type types[] = {SB_OP_INVOKE, SB_OP_FAIL, SB_OP_INFO, SB_OP_INFO, SB_OP_OK};
    sb_history *h = history_new();
    for (size_t i = 0; i < s.n; i++) {
        const rec *r = &s.recs[i];
        sb_op op = {.process = r->process, .type = types[r->kind], .time_ns = r->t};
        snprintf(op.f, sizeof(op.f), "lock");
        op.value = rec_value(&s, r);
        history_add(h, &op);
        json_decref(op.value);
    }
    int64_t end = s.n ? s.recs[s.n - 1].t + SB_NS_PER_MS : 0;
    sb_op rd = {.process = SB_PROC_CONTROLLER, .type = SB_OP_INVOKE, .time_ns = end};
    snprintf(rd.f, sizeof(rd.f), "read");
    history_add(h, &rd);
    rd.type = SB_OP_OK;
    rd.value = json_object();
    json_object_set_new(rd.value, "resource", s.resource);
    history_add(h, &rd);
    json_decref(rd.value);
    free(s.recs);
    return h;
}

static void run(size_t n_ops, uint64_t seed, double ttl_ms, double hold_ms, double pause_rate)
{
    int64_t t0 = sb_now_ns();
    sb_history *h = generate(n_ops, seed, ttl_ms, hold_ms, pause_rate);
    int64_t t1 = sb_now_ns();
    sb_check_result r = {0};
    double check_s = bench_check("bench_lock", "lock", h, &r);
    printf("history: %zu ops (%d clients, ttl %.0f ms, hold mean %.1f ms, pause rate %g), "
           "generated in %.2f s\n",
           h->n, CLIENTS, ttl_ms, hold_ms, pause_rate, (t1 - t0) / 1e9);
    bench_print_check(h, &r, check_s);
    bench_print_figures(r.figures, 20, 1);
    check_result_free(&r);
    history_free(h);
}

int main(int argc, char **argv)
{
    size_t n = 0;
    double ttl_ms = 100, hold_ms = 2, pause_rate = 0.001;
    uint64_t seed = 1;
    static const struct option opts[] = {
        {"ops", required_argument, 0, 'n'},     {"ttl-ms", required_argument, 0, 't'},
        {"hold-ms", required_argument, 0, 'h'}, {"pause-rate", required_argument, 0, 'p'},
        {"seed", required_argument, 0, 's'},    {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = (size_t)atoll(optarg);
            break;
        case 't':
            ttl_ms = atof(optarg);
            break;
        case 'h':
            hold_ms = atof(optarg);
            break;
        case 'p':
            pause_rate = atof(optarg);
            break;
        case 's':
            seed = (uint64_t)atoll(optarg);
            break;
        default:
            fprintf(stderr, "usage: bench_lock [--ops N] [--ttl-ms T] [--hold-ms H] "
                            "[--pause-rate P] [--seed S]\n");
            return 2;
        }
    }
    if (ttl_ms <= 0 || hold_ms < 0 || pause_rate < 0 || pause_rate > 1)
        bench_die("bench_lock",
                  "--ttl-ms must be positive, --hold-ms not negative, --pause-rate in [0, 1]");
    if (n) {
        run(n, seed, ttl_ms, hold_ms, pause_rate);
        return 0;
    }
    run(100000, seed, ttl_ms, hold_ms, pause_rate);
    run(1000000, seed, ttl_ms, hold_ms, pause_rate);
    return 0;
}
