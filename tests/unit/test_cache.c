/* test_cache.c -- the cache checker on hand-written histories: herds
 * grouped into episodes per expiry and judged against the strategy's bound,
 * stale gets (never through a write of unknown outcome), starvation by wait
 * and by giving up, counts of hits, waits and fetches, errors by first word,
 * latency percentiles, the clients' fetches standing in for a missing
 * origin record, the figures over time (each in its column, 200 columns
 * at most), malformed histories, and staleness against a naive reference
 * on random histories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

/* ====== Building histories ====== */

#define MS(x) ((int64_t)((x) * (double)SB_NS_PER_MS))

static void add(sb_history *h, double t_ms, int process, sb_op_type type, const char *f,
                const char *json, const char *error)
{
    sb_op op = {.process = process, .type = type, .time_ns = MS(t_ms)};
    snprintf(op.f, sizeof(op.f), "%s", f);
    json_error_t je;
    op.value = json ? json_loads(json, JSON_DECODE_ANY, &je) : NULL;
    if (json && !op.value)
        fail_msg("bad JSON in test: %s", json);
    op.error = (char *)error; /* history_add copies it */
    history_add(h, &op);
    json_decref(op.value);
}

static void config(sb_history *h, const char *json)
{
    add(h, 0, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config", json, NULL);
}

#define LOCK_CONFIG                                                                                \
    "{\"strategy\":\"lock\",\"ttl_ms\":2000,\"starve_bound_ms\":2000,\"herd_bound\":1,"            \
    "\"keys\":10}"

/* One get, invocation and completion; the history is put in time order
 * before the check. */
typedef struct get_spec {
    double at, done; /* ms */
    int p;
    const char *k;
    sb_op_type type; /* 0 (invoke) stands for ok */
    const char *v;   /* JSON; NULL: null */
    const char *src; /* NULL: "cache" for ok, absent otherwise */
    double wait_ms;
    int fetch; /* with a fetch from fs to fe (ms), HTTP status */
    double fs, fe;
    int status;
    const char *error;
} get_spec;

static void get(sb_history *h, get_spec g)
{
    char inv[64], done[512], fetch[128] = "";
    sb_op_type type = g.type == SB_OP_INVOKE ? SB_OP_OK : g.type;
    const char *src = g.src ? g.src : type == SB_OP_OK ? "cache" : NULL;
    snprintf(inv, sizeof(inv), "{\"k\":\"%s\"}", g.k);
    if (g.fetch)
        snprintf(fetch, sizeof(fetch), ",\"fetch\":{\"start\":%lld,\"end\":%lld,\"status\":%d}",
                 (long long)MS(g.fs), (long long)MS(g.fe), g.status ? g.status : 200);
    char srcs[32] = "";
    if (src)
        snprintf(srcs, sizeof(srcs), ",\"src\":\"%s\"", src);
    snprintf(done, sizeof(done), "{\"k\":\"%s\",\"v\":%s%s,\"wait_ms\":%g%s}", g.k,
             g.v ? g.v : "null", srcs, g.wait_ms, fetch);
    add(h, g.at, g.p, SB_OP_INVOKE, "get", inv, NULL);
    add(h, g.done, g.p, type, "get", done, g.error);
}

static void put(sb_history *h, double at, double done, int p, const char *k, sb_op_type type, int v)
{
    char inv[64], out[64];
    snprintf(inv, sizeof(inv), "{\"k\":\"%s\"}", k);
    snprintf(out, sizeof(out), "{\"k\":\"%s\",\"v\":%d}", k, v);
    add(h, at, p, SB_OP_INVOKE, "write", inv, NULL);
    add(h, done, p, type, "write", type == SB_OP_OK ? out : inv, NULL);
}

/* The origin's record; arrivals is a JSON object of ms lists, e.g.
 * {"a":[1000,5000]}, turned into ns. */
static void origin(sb_history *h, double at, const char *stats, const char *arrivals_ms)
{
    json_error_t je;
    json_t *v = json_object(), *arr_ms = json_loads(arrivals_ms, 0, &je);
    assert_non_null(arr_ms);
    json_t *arr = json_object();
    const char *k;
    json_t *list;
    json_object_foreach(arr_ms, k, list)
    {
        json_t *ns = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(list, i, t)
            json_array_append_new(ns, json_integer(MS(json_number_value(t))));
        json_object_set_new(arr, k, ns);
    }
    json_decref(arr_ms);
    json_object_set_new(v, "stats", json_loads(stats, 0, &je));
    json_object_set_new(v, "arrivals", arr);
    json_object_set_new(v, "truncated", json_false());
    char *text = json_dumps(v, JSON_COMPACT);
    add(h, at, SB_PROC_CONTROLLER, SB_OP_OK, "origin", text, NULL);
    free(text);
    json_decref(v);
}

static int cmp_op(const void *a, const void *b)
{
    const sb_op *x = a, *y = b;
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static sb_check_result check(sb_history *h)
{
    qsort(h->ops, h->n, sizeof(sb_op), cmp_op);
    for (size_t i = 0; i < h->n; i++)
        h->ops[i].index = (int64_t)i;
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    if (checker_find("cache")->check(h, &r, err))
        fail_msg("check failed: %s", err);
    history_free(h);
    return r;
}

static long long fig(const sb_check_result *r, const char *name)
{
    const json_t *v = json_object_get(r->figures, name);
    if (!v)
        fail_msg("no figure %s", name);
    return (long long)json_number_value(v);
}

static double figf(const sb_check_result *r, const char *name)
{
    const json_t *v = json_object_get(r->figures, name);
    if (!v)
        fail_msg("no figure %s", name);
    return json_number_value(v);
}

static void assert_near(double got, double want)
{
    if (got < want - 1e-9 || got > want + 1e-9)
        fail_msg("got %.12g, want %.12g", got, want);
}

/* ====== Herds ====== */

/* ttl 2 s: G = 1 s. Key a expires twice, 4 s apart: two episodes of one.
 * Key b: a burst of five arrivals within 40 ms, one herd of 5, over the
 * lock's bound of 1. */
static void a_burst_is_one_herd_and_breaks_the_bound(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){.at = 100, .done = 101, .p = 0, .k = "a", .v = "1"});
    origin(h, 9000,
           "{\"requests\":7,\"rejected\":0,\"peak_concurrency\":5,"
           "\"keys\":{\"a\":{\"peak_concurrency\":1},\"b\":{\"peak_concurrency\":5}}}",
           "{\"a\":[5000,1000],\"b\":[3000,3010,3020,3030,3040]}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fig(&r, "episodes"), 3);
    assert_int_equal(fig(&r, "herd_max"), 5);
    assert_int_equal(fig(&r, "herds_over_bound"), 1);
    assert_int_equal(fig(&r, "herd_p99"), 5);
    assert_near(figf(&r, "herd_mean"), 7.0 / 3.0);
    assert_int_equal(fig(&r, "origin_requests"), 7);
    assert_int_equal(fig(&r, "peak_origin_concurrency"), 5);
    assert_int_equal(fig(&r, "peak_key_concurrency"), 5);
    const json_t *worst = json_object_get(r.figures, "worst_herds");
    assert_int_equal(json_array_size(worst), 3);
    const json_t *w0 = json_array_get(worst, 0), *w1 = json_array_get(worst, 1);
    assert_string_equal(json_string_value(json_object_get(w0, "key")), "b");
    assert_int_equal(json_integer_value(json_object_get(w0, "size")), 5);
    assert_near(json_number_value(json_object_get(w0, "start_s")), 3.0);
    assert_near(json_number_value(json_object_get(w0, "end_s")), 3.04);
    assert_string_equal(json_string_value(json_object_get(w1, "key")), "a");
    assert_near(json_number_value(json_object_get(w1, "start_s")), 1.0); /* sorted */
    assert_non_null(strstr(r.summary, "lock: 1 gets"));
    assert_non_null(strstr(r.summary, "3 expiries, herd max 5 (bound 1, 1 over)"));
    check_result_free(&r);
}

/* A gap of exactly G stays in the episode (a new one starts only past it);
 * consecutive gaps chain, so a slow trickle is one long episode. */
static void episodes_split_only_past_the_gap(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){.at = 1, .done = 2, .p = 0, .k = "a", .v = "1"});
    origin(h, 9000, "{}", "{\"a\":[0,1000,2000,3000.001]}");
    sb_check_result r = check(h);
    assert_int_equal(fig(&r, "episodes"), 2);
    assert_int_equal(fig(&r, "herd_max"), 3);
    assert_int_equal(fig(&r, "herds_over_bound"), 1);
    check_result_free(&r);
    /* A short TTL: G is at least 50 ms, so arrivals 40 ms apart are one. */
    h = history_new();
    config(h, "{\"strategy\":\"lock\",\"ttl_ms\":20,\"herd_bound\":1}");
    get(h, (get_spec){.at = 1, .done = 2, .p = 0, .k = "a", .v = "1"});
    origin(h, 9000, "{}", "{\"a\":[0,40,200]}");
    r = check(h);
    assert_int_equal(fig(&r, "episodes"), 2);
    assert_near(figf(&r, "herd_gap_ms"), 50);
    check_result_free(&r);
    /* No config: G is 500 ms, and nothing is bounded. */
    h = history_new();
    get(h, (get_spec){.at = 1, .done = 2, .p = 0, .k = "a", .v = "1"});
    origin(h, 9000, "{}", "{\"a\":[0,400,1000]}");
    r = check(h);
    assert_int_equal(fig(&r, "episodes"), 2);
    assert_int_equal(fig(&r, "herd_max"), 2);
    assert_int_equal(fig(&r, "herds_over_bound"), 0);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_non_null(strstr(r.summary, "no config"));
    check_result_free(&r);
}

/* Strategy "none" promises nothing: the same herd of 5 is measured only. */
static void a_herd_without_a_bound_is_measured_not_judged(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, "{\"strategy\":\"none\",\"ttl_ms\":2000,\"starve_bound_ms\":2000,"
              "\"herd_bound\":null,\"keys\":10}");
    get(h, (get_spec){.at = 100, .done = 101, .p = 0, .k = "a", .v = "1"});
    origin(h, 9000, "{\"requests\":5}", "{\"b\":[3000,3010,3020,3030,3040]}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fig(&r, "herd_max"), 5);
    assert_int_equal(fig(&r, "herds_over_bound"), 0);
    assert_true(json_is_null(json_object_get(r.figures, "herd_bound")));
    assert_non_null(strstr(r.summary, "herd max 5 (no bound)"));
    check_result_free(&r);
}

/* ====== Staleness ====== */

static void a_get_older_than_an_acknowledged_write_is_stale(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    put(h, 5, 8, 9, "a", SB_OP_OK, 2);
    put(h, 9, 10, 9, "a", SB_OP_OK, 3);
    /* Invoked at 20 ms: version 1 is 2 behind, stale since 8 ms. */
    get(h, (get_spec){.at = 20, .done = 21, .p = 0, .k = "a", .v = "1"});
    /* Up to date, another key, and null: none stale. */
    get(h, (get_spec){.at = 22, .done = 23, .p = 0, .k = "a", .v = "3"});
    get(h, (get_spec){.at = 24, .done = 25, .p = 0, .k = "b", .v = "1"});
    get(h, (get_spec){.at = 26,
                      .done = 27,
                      .p = 1,
                      .k = "a",
                      .v = NULL,
                      .type = SB_OP_FAIL,
                      .error = "origin: HTTP 503"});
    /* A write acknowledged after the get's invocation is concurrent. */
    put(h, 29, 31, 9, "a", SB_OP_OK, 4);
    get(h, (get_spec){.at = 30, .done = 32, .p = 0, .k = "a", .v = "3"});
    sb_check_result r = check(h);
    assert_int_equal(fig(&r, "stale_reads"), 1);
    assert_near(figf(&r, "stale_max_ms"), 12);
    assert_int_equal(fig(&r, "stale_max_versions"), 2);
    assert_int_equal(fig(&r, "writes"), 3);
    assert_int_equal(r.verdict, SB_VERDICT_VALID); /* measured, not judged */
    assert_non_null(strstr(r.summary, "; 1 stale;"));
    check_result_free(&r);
}

/* A write of unknown outcome may or may not have bumped the version (and
 * its new version is unknown): it never makes a read stale; neither does a
 * failed one. */
static void a_write_of_unknown_outcome_makes_nothing_stale(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    put(h, 5, 8, 9, "a", SB_OP_INFO, 2);
    put(h, 9, 10, 9, "a", SB_OP_FAIL, 3);
    get(h, (get_spec){.at = 20, .done = 21, .p = 0, .k = "a", .v = "1"});
    sb_check_result r = check(h);
    assert_int_equal(fig(&r, "stale_reads"), 0);
    assert_int_equal(fig(&r, "writes"), 0);
    check_result_free(&r);
}

/* ====== Starvation ====== */

static void a_long_wait_or_giving_up_is_starvation(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){
               .at = 0, .done = 1999, .p = 0, .k = "a", .v = "1", .src = "wait", .wait_ms = 1999});
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fig(&r, "starved"), 0);
    assert_near(figf(&r, "longest_wait_ms"), 1999);
    check_result_free(&r);

    h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){
               .at = 0, .done = 2500, .p = 0, .k = "a", .v = "1", .src = "wait", .wait_ms = 2500});
    get(h, (get_spec){.at = 100,
                      .done = 10100,
                      .p = 1,
                      .k = "b",
                      .type = SB_OP_FAIL,
                      .src = "wait",
                      .error = "starved: no value after 10000 ms"});
    get(h, (get_spec){.at = 200, .done = 201, .p = 2, .k = "c", .v = "1"});
    r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fig(&r, "starved"), 2);
    assert_near(figf(&r, "longest_wait_ms"), 10000);
    const json_t *list = json_object_get(r.figures, "starved_list");
    assert_int_equal(json_array_size(list), 2);
    const json_t *s0 = json_array_get(list, 0);
    assert_int_equal(json_integer_value(json_object_get(s0, "process")), 1);
    assert_string_equal(json_string_value(json_object_get(s0, "key")), "b");
    assert_near(json_number_value(json_object_get(s0, "wait_ms")), 10000);
    assert_near(json_number_value(json_object_get(s0, "time_s")), 0.1);
    assert_non_null(strstr(r.summary, "2 starved (longest wait 10000 ms)"));
    check_result_free(&r);

    /* Without a bound only giving up is starvation. */
    h = history_new();
    config(h, "{\"strategy\":\"lock\",\"ttl_ms\":2000,\"herd_bound\":1}");
    get(h, (get_spec){
               .at = 0, .done = 2500, .p = 0, .k = "a", .v = "1", .src = "wait", .wait_ms = 2500});
    r = check(h);
    assert_int_equal(fig(&r, "starved"), 0);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_true(json_is_null(json_object_get(r.figures, "starve_bound_ms")));
    check_result_free(&r);
}

/* ====== Counts, errors, latency ====== */

static void hits_waits_and_fetches_are_counted(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){.at = 0,
                      .done = 55,
                      .p = 0,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 1,
                      .fe = 54});
    get(h,
        (get_spec){.at = 2, .done = 56, .p = 1, .k = "a", .v = "1", .src = "wait", .wait_ms = 53});
    get(h, (get_spec){.at = 60, .done = 61, .p = 0, .k = "a", .v = "1"});
    get(h, (get_spec){.at = 62, .done = 63, .p = 1, .k = "a", .v = "1"});
    /* A failed fetch still reached the origin. */
    get(h, (get_spec){.at = 70,
                      .done = 80,
                      .p = 2,
                      .k = "b",
                      .type = SB_OP_FAIL,
                      .fetch = 1,
                      .fs = 71,
                      .fe = 79,
                      .status = 503,
                      .error = "origin: HTTP 503"});
    get(h,
        (get_spec){.at = 90, .done = 95, .p = 3, .k = "c", .type = SB_OP_INFO, .error = "timeout"});
    /* A completion whose invocation is missing, and a nemesis op: ignored. */
    add(h, 96, 4, SB_OP_OK, "get", "{\"k\":\"a\",\"v\":1,\"src\":\"cache\"}", NULL);
    add(h, 97, SB_PROC_NEMESIS, SB_OP_OK, "partition", "{\"k\":\"zz\"}", NULL);
    origin(h, 100, "{\"requests\":2,\"rejected\":0,\"peak_concurrency\":1}",
           "{\"a\":[1],\"b\":[71]}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fig(&r, "gets"), 6);
    assert_int_equal(fig(&r, "hits"), 2);
    assert_int_equal(fig(&r, "waits"), 1);
    assert_int_equal(fig(&r, "origin_fetches"), 2);
    assert_int_equal(fig(&r, "get_fail"), 1);
    assert_int_equal(fig(&r, "get_info"), 1);
    assert_int_equal(fig(&r, "origin_requests"), 2);
    assert_near(figf(&r, "hit_ratio"), 2.0 / 6.0);
    assert_near(figf(&r, "longest_wait_ms"), 53);
    assert_string_equal(json_string_value(json_object_get(r.figures, "strategy")), "lock");
    assert_string_equal(json_string_value(json_object_get(r.figures, "origin_source")), "origin");
    assert_non_null(strstr(r.summary, "lock: 6 gets, 33% hits"));
    assert_null(strstr(r.summary, "client fetches"));
    check_result_free(&r);
}

static void errors_are_counted_by_first_word(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    const char *errors[] = {"origin: HTTP 503",
                            "origin: timeout",
                            "origin: HTTP 503",
                            "timeout",
                            "timeout",
                            "starved: no value after 10000 ms",
                            "READONLY You can't write against a read only replica.",
                            NULL};
    for (int i = 0; errors[i]; i++)
        get(h, (get_spec){.at = 10.0 * i,
                          .done = 10.0 * i + 5,
                          .p = 0,
                          .k = "a",
                          .type = i % 2 ? SB_OP_INFO : SB_OP_FAIL,
                          .error = errors[i]});
    /* Without an error string, the error in the value counts. */
    add(h, 100, 1, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL);
    add(h, 101, 1, SB_OP_FAIL, "get", "{\"k\":\"a\",\"v\":null,\"error\":\"origin: down\"}", NULL);
    add(h, 102, 1, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL);
    add(h, 103, 1, SB_OP_FAIL, "get", "{\"k\":\"a\",\"v\":null}", NULL);
    sb_check_result r = check(h);
    const json_t *e = json_object_get(r.figures, "errors");
    assert_int_equal(json_object_size(e), 5);
    assert_int_equal(json_integer_value(json_object_get(e, "origin")), 4);
    assert_int_equal(json_integer_value(json_object_get(e, "timeout")), 2);
    assert_int_equal(json_integer_value(json_object_get(e, "starved")), 1);
    assert_int_equal(json_integer_value(json_object_get(e, "READONLY")), 1);
    assert_int_equal(json_integer_value(json_object_get(e, "(none)")), 1);
    assert_int_equal(fig(&r, "get_fail") + fig(&r, "get_info"), 9);
    assert_int_equal(fig(&r, "starved"), 1);
    check_result_free(&r);
}

/* Gets of 1, 2, ..., 100 ms (hits the odd ones, waits the even): p50 is
 * 50 ms, p99 99 ms, the most 100 ms; failed gets have no latency. */
static void latency_percentiles_overall_and_by_source(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    for (int i = 1; i <= 100; i++)
        get(h, (get_spec){.at = 1000.0 * i,
                          .done = 1000.0 * i + i,
                          .p = 0,
                          .k = "a",
                          .v = "1",
                          .src = i % 2 ? "cache" : "wait"});
    get(h, (get_spec){.at = 200000,
                      .done = 205000,
                      .p = 0,
                      .k = "a",
                      .type = SB_OP_FAIL,
                      .error = "timeout"});
    sb_check_result r = check(h);
    assert_near(figf(&r, "get_p50_ms"), 50);
    assert_near(figf(&r, "get_p99_ms"), 99);
    assert_near(figf(&r, "get_max_ms"), 100);
    const json_t *by = json_object_get(r.figures, "latency_by_src");
    const json_t *hit = json_object_get(by, "cache"), *wait = json_object_get(by, "wait");
    assert_int_equal(json_integer_value(json_object_get(hit, "count")), 50);
    assert_near(json_number_value(json_object_get(hit, "p50_ms")), 49); /* 25th of 1, 3, .. */
    assert_near(json_number_value(json_object_get(hit, "p99_ms")), 99);
    assert_near(json_number_value(json_object_get(wait, "p50_ms")), 50);
    assert_near(json_number_value(json_object_get(wait, "p99_ms")), 100);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(by, "origin"), "count")),
                     0);
    assert_non_null(strstr(r.summary, "p99 99.0 ms"));
    check_result_free(&r);
}

/* A thousand gets of 1..1000 ms in shuffled order (the sort of many
 * values, in several passes): p50 500 ms, p99 990 ms, the most 1000 ms. */
static void latency_percentiles_of_many_gets(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    for (int i = 0; i < 1000; i++) {
        double lat = (double)((i * 7919) % 1000 + 1) + 0.000123 * i;
        get(h, (get_spec){.at = 2000.0 * i, .done = 2000.0 * i + lat, .p = 0, .k = "a", .v = "1"});
    }
    sb_check_result r = check(h);
    assert_true(figf(&r, "get_p50_ms") >= 500 && figf(&r, "get_p50_ms") < 500.2);
    assert_true(figf(&r, "get_p99_ms") >= 990 && figf(&r, "get_p99_ms") < 990.2);
    assert_true(figf(&r, "get_max_ms") >= 1000 && figf(&r, "get_max_ms") < 1000.2);
    const json_t *hit = json_object_get(json_object_get(r.figures, "latency_by_src"), "cache");
    assert_true(json_number_value(json_object_get(hit, "p50_ms")) == figf(&r, "get_p50_ms"));
    check_result_free(&r);
}

static void no_gets_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    put(h, 5, 8, 9, "a", SB_OP_OK, 2);
    add(h, 10, 0, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL); /* never completed */
    origin(h, 100, "{\"requests\":5}", "{\"b\":[3000,3010,3020,3030,3040]}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(fig(&r, "gets"), 0);
    assert_non_null(strstr(r.summary, "lock: no gets"));
    check_result_free(&r);
}

/* Without the origin's record, the clients' fetches are its requests, their
 * starts its arrivals, their overlaps its concurrency and their 503s its
 * rejections; the summary says so. */
static void without_an_origin_record_client_fetches_stand_in(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){.at = 0,
                      .done = 60,
                      .p = 0,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 1,
                      .fe = 55});
    get(h, (get_spec){.at = 5,
                      .done = 62,
                      .p = 1,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 6,
                      .fe = 60});
    get(h, (get_spec){.at = 5,
                      .done = 70,
                      .p = 2,
                      .k = "b",
                      .type = SB_OP_FAIL,
                      .fetch = 1,
                      .fs = 7,
                      .fe = 8,
                      .status = 503,
                      .error = "origin: HTTP 503"});
    /* The next expiry of a, 4 s later: an episode of its own. */
    get(h, (get_spec){.at = 4000,
                      .done = 4100,
                      .p = 0,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 4000,
                      .fe = 4050});
    get(h, (get_spec){.at = 4050,
                      .done = 4101,
                      .p = 1,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 4050,
                      .fe = 4090});
    get(h, (get_spec){.at = 4200, .done = 4201, .p = 1, .k = "a", .v = "1"});
    sb_check_result r = check(h);
    assert_int_equal(fig(&r, "origin_fetches"), 5);
    assert_int_equal(fig(&r, "origin_requests"), 5);
    assert_int_equal(fig(&r, "origin_rejected"), 1);
    assert_int_equal(fig(&r, "peak_origin_concurrency"), 3);
    assert_int_equal(fig(&r, "peak_key_concurrency"), 2);
    assert_int_equal(fig(&r, "episodes"), 3);
    assert_int_equal(fig(&r, "herd_max"), 2);
    assert_int_equal(fig(&r, "herds_over_bound"), 2);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_string_equal(json_string_value(json_object_get(r.figures, "origin_source")), "clients");
    assert_non_null(strstr(r.summary, "no origin record: origin figures from client fetches"));
    check_result_free(&r);
    /* Back to back: a fetch that starts as another ends is not concurrent. */
    h = history_new();
    config(h, LOCK_CONFIG);
    get(h, (get_spec){.at = 0,
                      .done = 60,
                      .p = 0,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 10,
                      .fe = 50});
    get(h, (get_spec){.at = 50,
                      .done = 90,
                      .p = 1,
                      .k = "b",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 50,
                      .fe = 80});
    get(h, (get_spec){.at = 4000,
                      .done = 4100,
                      .p = 0,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 4000,
                      .fe = 4050});
    get(h, (get_spec){.at = 4040,
                      .done = 4101,
                      .p = 1,
                      .k = "a",
                      .v = "1",
                      .src = "origin",
                      .fetch = 1,
                      .fs = 4050,
                      .fe = 4090});
    r = check(h);
    assert_int_equal(fig(&r, "peak_origin_concurrency"), 1);
    assert_int_equal(fig(&r, "peak_key_concurrency"), 1);
    check_result_free(&r);
}

/* ====== Over time ====== */

static const json_t *series_of(const sb_check_result *r, const char *name)
{
    const json_t *a = json_object_get(json_object_get(r->figures, "series"), name);
    if (!json_is_array(a))
        fail_msg("no series %s", name);
    return a;
}

static double at(const sb_check_result *r, const char *name, size_t col)
{
    return json_number_value(json_array_get(series_of(r, name), col));
}

static double series_sum(const sb_check_result *r, const char *name)
{
    double sum = 0;
    for (size_t i = 0; i < json_array_size(series_of(r, name)); i++)
        sum += at(r, name, i);
    return sum;
}

/* 0 to 10 s in 200 columns of 50 ms: the herd of 3 at 3 s is in column
 * 60, the stale get done at 2.03 s (stale for 1992 ms) in column 40, the
 * wait of 120 ms ending at 6.12 s in column 122, the starved get ending at
 * 9.6 s in column 192; the origin record at 10 s falls in the last. */
static void the_series_puts_herds_staleness_and_waits_in_their_columns(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    put(h, 5, 8, 9, "a", SB_OP_OK, 2);
    get(h, (get_spec){.at = 2000, .done = 2030, .p = 0, .k = "a", .v = "1"});
    get(h,
        (get_spec){
            .at = 6000, .done = 6120, .p = 1, .k = "a", .v = "2", .src = "wait", .wait_ms = 120});
    get(h, (get_spec){.at = 7000,
                      .done = 9600,
                      .p = 2,
                      .k = "c",
                      .type = SB_OP_FAIL,
                      .error = "starved: no value after 2600 ms"});
    origin(h, 10000, "{\"requests\":4}", "{\"a\":[1000],\"b\":[3000,3010,3020]}");
    sb_check_result r = check(h);
    const json_t *s = json_object_get(r.figures, "series");
    assert_int_equal(json_integer_value(json_object_get(s, "columns")), 200);
    assert_near(json_number_value(json_object_get(s, "col_s")), 0.05);
    assert_near(json_number_value(json_object_get(s, "t0_s")), 0);
    static const char *const names[] = {"origin_requests", "herd_max",    "stale_reads",
                                        "stale_max_ms",    "wait_max_ms", "starved"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_int_equal(json_array_size(series_of(&r, names[i])), 200);
    assert_near(at(&r, "herd_max", 60), 3);
    assert_near(at(&r, "origin_requests", 60), 3);
    assert_near(at(&r, "herd_max", 20), 1);
    assert_near(at(&r, "origin_requests", 20), 1);
    assert_near(series_sum(&r, "origin_requests"), 4);
    assert_near(series_sum(&r, "herd_max"), 4);
    assert_near(at(&r, "stale_reads", 40), 1);
    assert_near(at(&r, "stale_max_ms", 40), 1992);
    assert_near(series_sum(&r, "stale_reads"), 1);
    assert_near(figf(&r, "stale_max_ms"), 1992); /* the same measure */
    assert_near(at(&r, "wait_max_ms", 122), 120);
    assert_near(at(&r, "starved", 122), 0);
    assert_near(at(&r, "wait_max_ms", 192), 2600);
    assert_near(at(&r, "starved", 192), 1);
    assert_near(series_sum(&r, "starved"), 1);
    assert_near(series_sum(&r, "wait_max_ms"), 2720);
    assert_near(figf(&r, "starve_bound_ms"), 2000);
    check_result_free(&r);
}

/* However long the run, 200 columns; a run shorter than 200 ns has fewer
 * (one a ns), and a lone operation one. */
static void the_series_is_bounded(void **state)
{
    (void)state;
    sb_history *h = history_new();
    config(h, LOCK_CONFIG);
    for (int i = 0; i < 1000; i++)
        get(h, (get_spec){.at = i * 3600.0, .done = i * 3600.0 + 1, .p = 0, .k = "a", .v = "1"});
    sb_check_result r = check(h);
    const json_t *s = json_object_get(r.figures, "series");
    assert_int_equal(json_integer_value(json_object_get(s, "columns")), 200);
    assert_int_equal(json_array_size(series_of(&r, "wait_max_ms")), 200);
    check_result_free(&r);

    h = history_new();
    add(h, 0, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config", LOCK_CONFIG, NULL);
    add(h, 0.0001, 0, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL); /* 100 ns */
    add(h, 0.0001, 0, SB_OP_OK, "get", "{\"k\":\"a\",\"v\":1,\"src\":\"cache\"}", NULL);
    r = check(h);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.figures, "series"), "columns")), 101);
    check_result_free(&r);

    h = history_new();
    config(h, LOCK_CONFIG);
    r = check(h);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.figures, "series"), "columns")), 1);
    check_result_free(&r);
}

static void expect_error(sb_history *h, const char *needle)
{
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    for (size_t i = 0; i < h->n; i++)
        h->ops[i].index = (int64_t)i;
    assert_int_equal(checker_find("cache")->check(h, &r, err), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_null(r.figures);
    history_free(h);
}

static void malformed_histories_are_errors(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL);
    add(h, 1, 0, SB_OP_OK, "get", "{\"k\":\"a\",\"v\":1}", NULL); /* no src */
    expect_error(h, "operation 1");
    h = history_new();
    add(h, 0, 0, SB_OP_INVOKE, "get", "{\"k\":\"a\"}", NULL);
    add(h, 1, 0, SB_OP_OK, "get", "{\"k\":\"b\",\"v\":1,\"src\":\"cache\"}", NULL);
    expect_error(h, "operation 1");
    h = history_new();
    add(h, 0, 0, SB_OP_INVOKE, "get", "{\"key\":\"a\"}", NULL);
    expect_error(h, "operation 0");
    h = history_new();
    add(h, 0, 0, SB_OP_INVOKE, "write", "{\"k\":\"a\"}", NULL);
    add(h, 1, 0, SB_OP_OK, "write", "{\"k\":\"a\",\"v\":\"x\"}", NULL);
    expect_error(h, "operation 1");
    h = history_new();
    add(h, 0, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config", "{\"ttl_ms\":\"2s\"}", NULL);
    expect_error(h, "cache-config");
    h = history_new();
    add(h, 0, SB_PROC_CONTROLLER, SB_OP_OK, "origin", "{\"arrivals\":{\"a\":[1,\"x\"]}}", NULL);
    expect_error(h, "arrivals of a");
}

/* ====== Staleness against a naive reference on random histories ====== */

#define RND_PROCS 4
#define RND_KEYS 3
#define RND_STEPS 300

typedef struct rop {
    int write, key, type;
    int64_t v, t_inv, t_done;
} rop;

/* Straight from the definition, O(n^2). */
static void naive_stale(const rop *ops, size_t n, long long *stale, int64_t *max_ns,
                        int64_t *max_versions)
{
    *stale = 0, *max_ns = 0, *max_versions = 0;
    for (size_t a = 0; a < n; a++) {
        const rop *g = &ops[a];
        if (g->write || g->type != SB_OP_OK || g->v < 0)
            continue;
        int64_t first = -1, top = 0;
        for (size_t b = 0; b < n; b++) {
            const rop *w = &ops[b];
            if (!w->write || w->type != SB_OP_OK || w->key != g->key || w->t_done >= g->t_inv)
                continue;
            if (w->v > top)
                top = w->v;
            if (w->v > g->v && (first < 0 || w->t_done < first))
                first = w->t_done;
        }
        if (first < 0)
            continue;
        ++*stale;
        if (g->t_inv - first > *max_ns)
            *max_ns = g->t_inv - first;
        if (top - g->v > *max_versions)
            *max_versions = top - g->v;
    }
}

static void random_histories_agree_with_a_naive_reference(void **state)
{
    (void)state;
    static rop ops[RND_STEPS];
    long long total = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        sb_rng rng;
        sb_rng_seed(&rng, seed);
        sb_history *h = history_new();
        int busy[RND_PROCS] = {0}, cur[RND_PROCS] = {0};
        int64_t version[RND_KEYS] = {1, 1, 1};
        size_t n = 0;
        for (int step = 0; step < RND_STEPS; step++) {
            /* Processes 0 and 1 write, 2 and 3 get. */
            int p = (int)(sb_rng_next(&rng) % RND_PROCS);
            double t = step;
            char json[96];
            if (!busy[p]) {
                rop *o = &ops[n];
                *o = (rop){.write = p < 2,
                           .key = (int)(sb_rng_next(&rng) % RND_KEYS),
                           .t_inv = MS(t),
                           .v = -1};
                if (o->write) /* the origin bumps it now; acks may come out of order */
                    o->v = ++version[o->key];
                snprintf(json, sizeof(json), "{\"k\":\"k%d\"}", o->key);
                add(h, t, p, SB_OP_INVOKE, o->write ? "write" : "get", json, NULL);
                busy[p] = 1, cur[p] = (int)n++;
                continue;
            }
            rop *o = &ops[cur[p]];
            uint64_t u = sb_rng_next(&rng) % 10;
            o->type = u == 0 ? SB_OP_FAIL : u == 1 ? SB_OP_INFO : SB_OP_OK;
            o->t_done = MS(t);
            busy[p] = 0;
            if (o->write) {
                snprintf(json, sizeof(json), "{\"k\":\"k%d\",\"v\":%lld}", o->key, (long long)o->v);
            } else {
                int null = sb_rng_next(&rng) % 8 == 0;
                o->v = null ? -1 : (int64_t)(sb_rng_next(&rng) % (uint64_t)(version[o->key] + 1));
                char v[24];
                snprintf(v, sizeof(v), "%lld", (long long)o->v);
                snprintf(json, sizeof(json), "{\"k\":\"k%d\",\"v\":%s,\"src\":\"cache\"}", o->key,
                         null ? "null" : v);
            }
            add(h, t, p, (sb_op_type)o->type, o->write ? "write" : "get", json, NULL);
        }
        long long want;
        int64_t want_ns, want_versions;
        naive_stale(ops, n, &want, &want_ns, &want_versions);
        total += want;
        sb_check_result r = check(h);
        assert_int_equal(fig(&r, "stale_reads"), want);
        assert_int_equal(fig(&r, "stale_max_versions"), want_versions);
        assert_near(figf(&r, "stale_max_ms"), (double)want_ns / 1e6);
        check_result_free(&r);
    }
    assert_true(total > 100); /* the histories do exercise it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_burst_is_one_herd_and_breaks_the_bound),
        cmocka_unit_test(episodes_split_only_past_the_gap),
        cmocka_unit_test(a_herd_without_a_bound_is_measured_not_judged),
        cmocka_unit_test(a_get_older_than_an_acknowledged_write_is_stale),
        cmocka_unit_test(a_write_of_unknown_outcome_makes_nothing_stale),
        cmocka_unit_test(a_long_wait_or_giving_up_is_starvation),
        cmocka_unit_test(hits_waits_and_fetches_are_counted),
        cmocka_unit_test(errors_are_counted_by_first_word),
        cmocka_unit_test(latency_percentiles_overall_and_by_source),
        cmocka_unit_test(latency_percentiles_of_many_gets),
        cmocka_unit_test(no_gets_is_unknown),
        cmocka_unit_test(without_an_origin_record_client_fetches_stand_in),
        cmocka_unit_test(the_series_puts_herds_staleness_and_waits_in_their_columns),
        cmocka_unit_test(the_series_is_bounded),
        cmocka_unit_test(malformed_histories_are_errors),
        cmocka_unit_test(random_histories_agree_with_a_naive_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
