/* bench_cache.c -- time of the cache checker on a generated history, and a
 * check that it finds exactly the anomalies put into it.
 *
 * The history comes from a simulation of the cache workload's "lock"
 * strategy: WORKERS clients get uniformly chosen keys out of KEYS. A hit
 * takes 100-300 us; a miss fetches from the origin (arrival 150 us after
 * the get began, 5-7 ms of service) and stores the value for TTL; a get
 * that misses while its key is being fetched waits for that fetch. A
 * writer bumps a key's version at the origin every WRITE_EVERY and
 * invalidates the cache at once, choosing only keys not fetched for more
 * than the herd gap (so every fetch is an expiry of its own). Such a run
 * has no herd over 1, no stale get and no starved get. Then, by hand:
 *  - a herd of 7: six more arrivals of one key 1-6 ms after a fetch of it;
 *  - STALE_INJECTED stale gets: hits reporting the version before the
 *    cached one, once a write of the cached one was acknowledged;
 *  - one starved get: it gives up after STARVED_MS.
 * Exit 1 when the checker's figures differ from what was put in.
 *
 * usage: bench_cache [--gets N] [--seed S]   (default 10^6 gets) */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "checker.h"
#include "history.h"
#include "util.h"

#include "bench_common.h"

#define WORKERS 10
#define WRITER WORKERS /* its process number */
#define KEYS 1000
#define TTL_NS (2000 * SB_NS_PER_MS)
#define GAP_NS (TTL_NS / 2) /* the checker's episode gap for this TTL */
#define FETCH_NS (5 * SB_NS_PER_MS)
#define FETCH_JITTER_NS (2 * SB_NS_PER_MS)
#define ARRIVAL_NS (150 * SB_NS_PER_US)
#define WRITE_EVERY_NS (100 * SB_NS_PER_MS)
#define WRITE_NS SB_NS_PER_MS
#define HERD_EXTRA 6
#define STALE_INJECTED 3
#define STARVED_MS 3000
#define INF_NS INT64_MAX

typedef struct key_sim {
    int64_t version;   /* at the origin */
    int64_t cached;    /* version in the cache */
    int64_t fetch_end; /* the latest fetch ends (value cached) then */
    int64_t expires;   /* cached value gone at (TTL, or a write) */
    int64_t last_arrival;
    int64_t acked_version, acked_ns; /* the latest acknowledged write */
    int64_t *arr;
    size_t n_arr, cap_arr;
} key_sim;

/* A process's next event: its invocation when idle, else its completion. */
typedef struct proc {
    int64_t next_ns;
    int busy;
    sb_op_type type;
    json_t *value;
    const char *error;
} proc;

typedef struct expected {
    long long gets, hits, waits, fetches, fails, writes, arrivals, episodes, stale;
    int64_t stale_max_ns, peak;
} expected;

typedef struct sim {
    key_sim k[KEYS];
    proc p[WORKERS + 1];
    sb_rng rng;
    expected want;
    long long n_gets, started, herd_at, starve_at, stale_at[STALE_INJECTED];
    int herd_done, starve_done;
    int64_t *active; /* ends of the fetches in flight, for the origin's peak */
    size_t n_active, cap_active;
} sim;

static void record(sb_history *h, int process, sb_op_type type, const char *f, json_t *value,
                   const char *error, int64_t t)
{
    sb_op op = {.process = process, .type = type, .time_ns = t, .value = value};
    snprintf(op.f, sizeof(op.f), "%s", f);
    op.error = (char *)error; /* history_add copies it */
    history_add(h, &op);
    json_decref(value);
}

static json_t *key_value(int k)
{
    char name[16];
    snprintf(name, sizeof(name), "%d", k);
    return json_pack("{s:s}", "k", name);
}

static int64_t uniform(sim *s, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(sb_rng_next(&s->rng) % (uint64_t)(hi - lo));
}

static void arrive(sim *s, key_sim *ks, int64_t t)
{
    if (ks->n_arr == ks->cap_arr) {
        ks->cap_arr = ks->cap_arr ? ks->cap_arr * 2 : 16;
        ks->arr = realloc(ks->arr, ks->cap_arr * sizeof(int64_t));
        if (!ks->arr)
            bench_die("bench_cache", "out of memory");
    }
    ks->arr[ks->n_arr++] = t;
    s->want.arrivals++;
}

/* The origin's peak: count the fetches in flight when one starts. */
static void fetch_starts(sim *s, int64_t t, int64_t end, int n)
{
    size_t j = 0;
    for (size_t i = 0; i < s->n_active; i++)
        if (s->active[i] > t)
            s->active[j++] = s->active[i];
    s->n_active = j;
    if (s->n_active + (size_t)n > s->cap_active) {
        s->cap_active = (s->n_active + (size_t)n) * 2;
        s->active = realloc(s->active, s->cap_active * sizeof(int64_t));
        if (!s->active)
            bench_die("bench_cache", "out of memory");
    }
    for (int i = 0; i < n; i++)
        s->active[s->n_active++] = end;
    if ((int64_t)s->n_active > s->want.peak)
        s->want.peak = (int64_t)s->n_active;
}

/* A get begins at t: decide its whole course now (state is lazy: a fetch's
 * value is cached from its end, until expiry or a write). */
static void get_begins(sim *s, sb_history *h, int w, int64_t t)
{
    proc *p = &s->p[w];
    int k = (int)(sb_rng_next(&s->rng) % KEYS);
    key_sim *ks = &s->k[k];
    long long n = s->started++;
    char name[16];
    snprintf(name, sizeof(name), "%d", k);
    record(h, w, SB_OP_INVOKE, "get", key_value(k), NULL, t);
    p->busy = 1, p->type = SB_OP_OK, p->error = NULL;
    if (!s->starve_done && n >= s->starve_at) {
        s->starve_done = 1, s->want.fails++;
        p->type = SB_OP_FAIL;
        p->error = "starved: no value after 3000 ms";
        p->value = json_pack("{s:s,s:n,s:s,s:f}", "k", name, "v", "src", "wait", "wait_ms",
                             (double)STARVED_MS);
        p->next_ns = t + STARVED_MS * SB_NS_PER_MS;
        return;
    }
    if (t >= ks->fetch_end && t < ks->expires) {
        int64_t v = ks->cached;
        for (int i = 0; i < STALE_INJECTED; i++) {
            if (s->stale_at[i] < 0 || n < s->stale_at[i] || v < 2 || ks->acked_version != v ||
                ks->acked_ns >= t)
                continue;
            s->stale_at[i] = -1, s->want.stale++, v--;
            if (t - ks->acked_ns > s->want.stale_max_ns)
                s->want.stale_max_ns = t - ks->acked_ns;
            break;
        }
        s->want.hits++;
        p->value = json_pack("{s:s,s:I,s:s,s:f}", "k", name, "v", (json_int_t)v, "src", "cache",
                             "wait_ms", 0.0);
        p->next_ns = t + uniform(s, 100 * SB_NS_PER_US, 300 * SB_NS_PER_US);
        return;
    }
    if (t < ks->fetch_end) {
        s->want.waits++;
        p->value = json_pack("{s:s,s:I,s:s,s:f}", "k", name, "v", (json_int_t)ks->cached, "src",
                             "wait", "wait_ms", (ks->fetch_end - t) / 1e6);
        p->next_ns = ks->fetch_end + uniform(s, 50 * SB_NS_PER_US, 150 * SB_NS_PER_US);
        return;
    }
    int64_t start = t + 50 * SB_NS_PER_US, arrival = t + ARRIVAL_NS;
    int64_t end = arrival + FETCH_NS + uniform(s, 0, FETCH_JITTER_NS);
    s->want.fetches++, s->want.episodes++;
    ks->cached = ks->version, ks->fetch_end = end, ks->expires = end + TTL_NS;
    ks->last_arrival = arrival;
    arrive(s, ks, arrival);
    int herd = !s->herd_done && n >= s->herd_at;
    fetch_starts(s, arrival, end, herd ? 1 + HERD_EXTRA : 1);
    if (herd) {
        s->herd_done = 1;
        for (int i = 1; i <= HERD_EXTRA; i++)
            arrive(s, ks, arrival + i * SB_NS_PER_MS);
    }
    p->value = json_pack("{s:s,s:I,s:s,s:f,s:{s:I,s:I,s:i}}", "k", name, "v",
                         (json_int_t)ks->version, "src", "origin", "wait_ms", 0.0, "fetch", "start",
                         (json_int_t)start, "end", (json_int_t)end, "status", 200);
    p->next_ns = end + 100 * SB_NS_PER_US;
}

/* The writer bumps a key not fetched lately (nor now) and empties its
 * cache entry at once: no get invoked after the acknowledgement can read
 * the older version, and the refetch is an expiry of its own. */
static void write_begins(sim *s, sb_history *h, int64_t t)
{
    proc *p = &s->p[WRITER];
    int k = (int)(sb_rng_next(&s->rng) % KEYS);
    for (int tries = 0; tries < 10; tries++, k = (k + 1) % KEYS) {
        key_sim *ks = &s->k[k];
        if (ks->fetch_end > t || (ks->n_arr && t - ks->last_arrival <= GAP_NS + 10 * SB_NS_PER_MS))
            continue;
        record(h, WRITER, SB_OP_INVOKE, "write", key_value(k), NULL, t);
        ks->version++;
        ks->expires = t;
        char name[16];
        snprintf(name, sizeof(name), "%d", k);
        p->busy = 1, p->type = SB_OP_OK, p->error = NULL;
        p->value = json_pack("{s:s,s:I}", "k", name, "v", (json_int_t)ks->version);
        p->next_ns = t + WRITE_NS;
        ks->acked_version = ks->version, ks->acked_ns = p->next_ns;
        s->want.writes++;
        return;
    }
    p->next_ns = t + WRITE_EVERY_NS;
}

static void origin_record(sim *s, sb_history *h, int64_t t)
{
    json_t *arrivals = json_object(), *keys = json_object();
    for (int k = 0; k < KEYS; k++) {
        key_sim *ks = &s->k[k];
        char name[16];
        snprintf(name, sizeof(name), "%d", k);
        json_t *list = json_array();
        for (size_t i = 0; i < ks->n_arr; i++)
            json_array_append_new(list, json_integer(ks->arr[i]));
        json_object_set_new(arrivals, name, list);
        json_object_set_new(keys, name,
                            json_pack("{s:I,s:i,s:I}", "requests", (json_int_t)ks->n_arr,
                                      "peak_concurrency", 1, "version", (json_int_t)ks->version));
    }
    json_t *v = json_pack("{s:{s:I,s:i,s:I,s:I,s:o},s:o,s:b}", "stats", "requests",
                          (json_int_t)s->want.arrivals, "rejected", 0, "writes",
                          (json_int_t)s->want.writes, "peak_concurrency", (json_int_t)s->want.peak,
                          "keys", keys, "arrivals", arrivals, "truncated", 0);
    record(h, SB_PROC_CONTROLLER, SB_OP_OK, "origin", v, NULL, t);
}

static sb_history *generate(sim *s, long long n_gets, uint64_t seed)
{
    sb_history *h = history_new();
    sb_rng_seed(&s->rng, seed);
    s->n_gets = n_gets;
    s->herd_at = n_gets / 3, s->starve_at = n_gets / 2;
    for (int i = 0; i < STALE_INJECTED; i++)
        s->stale_at[i] = n_gets * (i + 1) / (STALE_INJECTED + 2);
    record(h, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config",
           json_pack("{s:s,s:I,s:I,s:i,s:i}", "strategy", "lock", "ttl_ms",
                     (json_int_t)(TTL_NS / SB_NS_PER_MS), "starve_bound_ms", (json_int_t)2000,
                     "herd_bound", 1, "keys", KEYS),
           NULL, 0);
    for (int k = 0; k < KEYS; k++)
        s->k[k].version = 1; /* as the origin's keys */
    for (int w = 0; w <= WRITER; w++)
        s->p[w].next_ns = (w + 1) * SB_NS_PER_US;
    int64_t t = 0;
    for (;;) {
        int w = 0;
        for (int i = 1; i <= WRITER; i++)
            if (s->p[i].next_ns < s->p[w].next_ns)
                w = i;
        proc *p = &s->p[w];
        if (p->next_ns == INF_NS)
            break;
        t = p->next_ns;
        if (p->busy) {
            record(h, w, p->type, w == WRITER ? "write" : "get", p->value, p->error, t);
            p->busy = 0, p->value = NULL;
            p->next_ns = w == WRITER ? t + WRITE_EVERY_NS : t + SB_NS_PER_US;
            if (w != WRITER)
                s->want.gets++;
            continue;
        }
        if (w == WRITER && s->started >= n_gets)
            p->next_ns = INF_NS;
        else if (w == WRITER)
            write_begins(s, h, t);
        else if (s->started >= n_gets)
            p->next_ns = INF_NS;
        else
            get_begins(s, h, w, t);
    }
    origin_record(s, h, t + SB_NS_PER_MS);
    return h;
}

/* ====== The check and its figures against what was put in ====== */

static int same(const sb_check_result *r, const char *name, double want)
{
    double got = json_number_value(json_object_get(r->figures, name));
    int ok =
        json_is_number(json_object_get(r->figures, name)) && got > want - 1e-6 && got < want + 1e-6;
    printf("  %-24s %14.3f  %s (want %.3f)\n", name, got, ok ? "ok" : "MISMATCH", want);
    return ok;
}

static int verify(const sb_check_result *r, const expected *e)
{
    int ok = r->verdict == SB_VERDICT_INVALID;
    ok &= same(r, "gets", (double)e->gets);
    ok &= same(r, "hits", (double)e->hits);
    ok &= same(r, "waits", (double)e->waits);
    ok &= same(r, "origin_fetches", (double)e->fetches);
    ok &= same(r, "get_fail", (double)e->fails);
    ok &= same(r, "get_info", 0);
    ok &= same(r, "writes", (double)e->writes);
    ok &= same(r, "origin_requests", (double)e->arrivals);
    ok &= same(r, "peak_origin_concurrency", (double)e->peak);
    ok &= same(r, "episodes", (double)e->episodes);
    ok &= same(r, "herd_max", 1 + HERD_EXTRA);
    ok &= same(r, "herd_p99", 1);
    ok &= same(r, "herds_over_bound", 1);
    ok &= same(r, "stale_reads", (double)e->stale);
    ok &= same(r, "stale_max_versions", e->stale ? 1 : 0);
    ok &= same(r, "stale_max_ms", (double)e->stale_max_ns / 1e6);
    ok &= same(r, "starved", 1);
    ok &= same(r, "longest_wait_ms", STARVED_MS);
    const json_t *worst = json_array_get(json_object_get(r->figures, "worst_herds"), 0);
    if (json_integer_value(json_object_get(worst, "size")) != 1 + HERD_EXTRA) {
        printf("  worst_herds[0] is not the herd of %d\n", 1 + HERD_EXTRA);
        ok = 0;
    }
    if (e->stale != STALE_INJECTED) {
        printf("  the simulation placed %lld stale gets of %d\n", e->stale, STALE_INJECTED);
        ok = 0;
    }
    return ok;
}

static int run(long long n_gets, uint64_t seed)
{
    static sim s;
    memset(&s, 0, sizeof(s));
    int64_t t0 = sb_now_ns();
    sb_history *h = generate(&s, n_gets, seed);
    int64_t t1 = sb_now_ns();
    sb_check_result r = {0};
    double check_s = bench_check("bench_cache", "cache", h, &r);
    printf("history: %zu ops (%lld gets, %d workers, %d keys, %lld writes), generated in %.2f s\n",
           h->n, s.want.gets, WORKERS, KEYS, s.want.writes, (t1 - t0) / 1e9);
    bench_print_check(h, &r, check_s);
    int ok = verify(&r, &s.want);
    printf("%s\n", ok ? "figures match the injected anomalies" : "FIGURES DIFFER");
    check_result_free(&r);
    history_free(h);
    for (int k = 0; k < KEYS; k++)
        free(s.k[k].arr);
    free(s.active);
    return ok;
}

int main(int argc, char **argv)
{
    long long n_gets = 1000000;
    uint64_t seed = 1;
    static const struct option opts[] = {
        {"gets", required_argument, NULL, 'g'}, {"seed", required_argument, NULL, 's'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'g')
            n_gets = atoll(optarg);
        else if (c == 's')
            seed = strtoull(optarg, NULL, 10);
        else {
            fprintf(stderr, "usage: bench_cache [--gets N] [--seed S]\n");
            return 2;
        }
    }
    if (n_gets < 1000) {
        fprintf(stderr, "bench_cache: --gets must be at least 1000\n");
        return 2;
    }
    return run(n_gets, seed) ? 0 : 1;
}
