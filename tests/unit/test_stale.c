/* test_stale.c -- the stale-read checker on hand-written histories: fresh
 * and stale replica reads (staleness, versions behind, per node),
 * read-your-writes, monotonic reads and future reads, info and in-flight
 * writes never taken as applied or lost, and malformed histories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

/* Lines "process type f value [node]"; op i happens at i ms. value is
 * KEY=V (V an integer or null), short for {"k":"KEY","v":V}, or raw JSON. */
static sb_history *hist(const char *const *lines)
{
    sb_history *h = history_new();
    for (size_t i = 0; lines[i]; i++) {
        char type[16], f[16], value[128], node[64] = "";
        int process;
        assert_true(sscanf(lines[i], "%d %15s %15s %127s %63s", &process, type, f, value, node) >=
                    4);
        sb_op op = {.process = process, .time_ns = (int64_t)i * SB_NS_PER_MS, .index = (int64_t)i};
        assert_int_equal(history_type_parse(type, &op.type), 0);
        snprintf(op.f, sizeof(op.f), "%s", f);
        snprintf(op.node, sizeof(op.node), "%s", node);
        char json[256];
        char *eq = strchr(value, '=');
        if (eq) {
            *eq = '\0';
            snprintf(json, sizeof(json), "{\"k\":\"%s\",\"v\":%s}", value, eq + 1);
        } else
            snprintf(json, sizeof(json), "%s", value);
        json_error_t je;
        op.value = json_loads(json, JSON_DECODE_ANY, &je);
        assert_non_null(op.value);
        history_add(h, &op);
        json_decref(op.value);
    }
    return h;
}

static sb_check_result check(const char *const *lines)
{
    sb_history *h = hist(lines);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    int rc = checker_find("stale-read")->check(h, &r, err);
    if (rc)
        fail_msg("check failed: %s", err);
    history_free(h);
    return r;
}

static const json_t *first_example(const sb_check_result *r, const char *kind)
{
    const json_t *list = json_object_get(json_object_get(r->figures, "examples"), kind);
    assert_true(json_array_size(list) >= 1);
    return json_array_get(list, 0);
}

static long long ex_int(const json_t *e, const char *name)
{
    return (long long)json_integer_value(json_object_get(e, name));
}

static void fresh_reads_are_valid(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",   "0 ok write k0=1",       "1 invoke read k0=null",
                       "1 ok read k0=1 n2",     "0 invoke read k0=null", "0 ok read k0=1 n3",
                       "1 invoke read k1=null", "1 ok read k1=null n2",  NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "reads"), 3);
    assert_int_equal(fx_fig(&r, "fresh"), 3);
    assert_int_equal(fx_fig(&r, "stale"), 0);
    assert_true(fx_figf(&r, "stale_share") == 0.0);
    assert_true(fx_figf(&r, "stale_ms_max") == 0.0);
    assert_int_equal(fx_fig(&r, "ryw_violations") + fx_fig(&r, "monotonic_violations") +
                         fx_fig(&r, "future_reads"),
                     0);
    check_result_free(&r);
}

/* Write 2 acked at 3 ms, 3 info, 4 acked at 7 ms; another client's read
 * invoked at 8 ms returns 1: stale for 8 - 3 = 5 ms, 3 versions behind (the
 * info write counts), and still valid: replicas are asynchronous. */
static void a_stale_replica_read_is_measured_not_judged(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 ok write k0=2",
                       "0 invoke write k0=3",
                       "0 info write k0=3",
                       "0 invoke write k0=4",
                       "0 ok write k0=4",
                       "1 invoke read k0=null",
                       "1 ok read k0=1 n2",
                       "2 invoke read k0=null",
                       "2 ok read k0=4 n3",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "reads"), 2);
    assert_int_equal(fx_fig(&r, "stale"), 1);
    assert_int_equal(fx_fig(&r, "fresh"), 1);
    assert_true(fx_figf(&r, "stale_share") == 0.5);
    assert_true(fx_figf(&r, "stale_ms_max") == 5.0);
    assert_true(fx_figf(&r, "stale_ms_p50") == 5.0);
    assert_int_equal(fx_fig(&r, "versions_behind_max"), 3);
    assert_int_equal(fx_fig(&r, "versions_behind_p50"), 3);
    const json_t *n2 = json_object_get(json_object_get(r.figures, "by_node"), "n2");
    const json_t *n3 = json_object_get(json_object_get(r.figures, "by_node"), "n3");
    assert_int_equal(ex_int(n2, "reads"), 1);
    assert_int_equal(ex_int(n2, "stale"), 1);
    assert_true(json_number_value(json_object_get(n2, "staleness_ms_max")) == 5.0);
    assert_int_equal(ex_int(n3, "stale"), 0);
    assert_non_null(strstr(r.summary, "1 of 2 reads stale"));
    check_result_free(&r);
}

/* Versions behind counts writes, so a value skipped by a failed write is
 * not a version: 1, 2 acked, 3 failed, 4 acked; a read of 2 is 1 version
 * behind (not 4 - 2). */
static void failed_writes_are_not_versions(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 ok write k0=2",
                       "0 invoke write k0=3",
                       "0 fail write k0=3",
                       "0 invoke write k0=4",
                       "0 ok write k0=4",
                       "1 invoke read k0=null",
                       "1 ok read k0=2 n2",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "stale"), 1);
    assert_int_equal(fx_fig(&r, "versions_behind_max"), 1);
    assert_true(fx_figf(&r, "stale_ms_max") == 1.0); /* read at 8 ms, 4 acked at 7 ms */
    check_result_free(&r);
}

static void reading_an_older_own_write_violates_ryw(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 ok write k0=2",
                       "0 invoke read k0=null",
                       "0 ok read k0=1 n2",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "ryw_violations"), 1);
    assert_int_equal(fx_fig(&r, "stale"), 1);
    const json_t *e = first_example(&r, "ryw");
    assert_int_equal(ex_int(e, "process"), 0);
    assert_int_equal(ex_int(e, "expected_min"), 2);
    assert_int_equal(ex_int(e, "got"), 1);
    assert_string_equal(json_string_value(json_object_get(e, "node")), "n2");
    assert_string_equal(json_string_value(json_object_get(e, "key")), "k0");
    assert_true(json_number_value(json_object_get(e, "after_ack_ms")) == 1.0);
    assert_non_null(strstr(r.summary, "read-your-writes violated 1 times"));
    check_result_free(&r);
}

static void a_null_read_of_own_acked_key_violates_ryw(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1", "0 ok write k0=1", "0 invoke read k0=null",
                       "0 ok read k0=null n3", NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "ryw_violations"), 1);
    assert_int_equal(fx_fig(&r, "future_reads"), 0);
    const json_t *e = first_example(&r, "ryw");
    assert_true(json_is_null(json_object_get(e, "got")));
    check_result_free(&r);
}

/* An info write may not have happened, so reading the value before it is
 * no violation; a write still in flight (no completion yet) neither makes
 * a read stale nor a read of its value a future read. */
static void info_and_in_flight_writes_are_not_required(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",   "0 ok write k0=1",
                       "0 invoke write k0=2",   "0 info write k0=2",
                       "0 invoke read k0=null", "0 ok read k0=1 n2",
                       "0 invoke read k0=null", "0 ok read k0=2 n2", /* info write applied */
                       "0 invoke write k0=3",   "1 invoke read k0=null",
                       "1 ok read k0=2 n3",     "1 invoke read k0=null",
                       "1 ok read k0=3 n3", /* in flight, yet maybe applied */
                       "0 ok write k0=3",       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "ryw_violations"), 0);
    assert_int_equal(fx_fig(&r, "future_reads"), 0);
    assert_int_equal(fx_fig(&r, "stale"), 0);
    assert_int_equal(fx_fig(&r, "reads"), 4);
    check_result_free(&r);
}

/* A write whose outcome is unknown may reach the master after newer ones:
 * reading its value after a newer acknowledged one is no violation. */
static void a_late_unacknowledged_write_is_not_a_violation(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",   "0 info write k0=1",     "0 invoke write k0=2",
                       "0 ok write k0=2",       "0 invoke read k0=null", "0 ok read k0=2 n1",
                       "0 invoke read k0=null", "0 ok read k0=1 n1",     NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "ryw_violations"), 0);
    assert_int_equal(fx_fig(&r, "monotonic_violations"), 0);
    assert_int_equal(fx_fig(&r, "back_to_unacknowledged"), 1);
    check_result_free(&r);
}

static void going_back_in_time_violates_monotonic_reads(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 ok write k0=2",
                       "1 invoke read k0=null",
                       "1 ok read k0=2 n1",
                       "1 invoke read k0=null",
                       "1 ok read k0=1 n2",
                       "1 invoke read k0=null",
                       "1 ok read k0=2 n2",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "monotonic_violations"), 1);
    assert_int_equal(fx_fig(&r, "ryw_violations"), 0); /* process 1 does not own k0 */
    const json_t *e = first_example(&r, "monotonic");
    assert_int_equal(ex_int(e, "earlier"), 2);
    assert_int_equal(ex_int(e, "got"), 1);
    assert_int_equal(ex_int(e, "earlier_index"), 5);
    assert_string_equal(json_string_value(json_object_get(e, "earlier_node")), "n1");
    assert_non_null(strstr(r.summary, "monotonic reads violated 1 times"));
    check_result_free(&r);
}

/* Monotonic reads bind one client's successive reads of one key: reads
 * of other clients (here concurrent with it) and of other keys do not. */
static void other_clients_and_keys_do_not_bind_monotonic_reads(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 ok write k0=2",
                       "1 invoke read k0=null",
                       "2 invoke read k0=null",
                       "1 ok read k0=2 n1",
                       "2 ok read k0=1 n2",
                       "1 invoke read k1=null",
                       "1 ok read k1=null n2",
                       "3 invoke read k0=null",
                       "3 ok read k0=1 n3",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "monotonic_violations"), 0);
    assert_int_equal(fx_fig(&r, "stale"), 2);
    check_result_free(&r);
}

static void a_value_never_written_is_a_future_read(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "1 invoke read k0=null",
                       "1 ok read k0=5 n2",
                       "0 invoke write k0=5",
                       "0 ok write k0=5",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "future_reads"), 1);
    const json_t *e = first_example(&r, "future");
    assert_int_equal(ex_int(e, "got"), 5);
    assert_int_equal(ex_int(e, "latest_written"), 1);
    check_result_free(&r);
    /* A failed write certainly did not happen: its value is impossible. */
    const char *f[] = {"0 invoke write k0=1",
                       "0 ok write k0=1",
                       "0 invoke write k0=2",
                       "0 fail write k0=2",
                       "1 invoke read k0=null",
                       "1 ok read k0=2 n2",
                       NULL};
    r = check(f);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "future_reads"), 1);
    check_result_free(&r);
}

static void no_ok_read_is_unknown(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write k0=1", "0 ok write k0=1",       "1 invoke read k0=null",
                       "1 info read k0=null", "2 invoke read k0=null", "2 fail read k0=null",
                       "-2 invoke read null", "-2 ok read {\"k0\":1}", NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(fx_fig(&r, "reads"), 0);
    check_result_free(&r);
}

static void expect_error(const char *const *lines, const char *needle)
{
    sb_history *h = hist(lines);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("stale-read")->check(h, &r, err), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    assert_null(r.figures);
    history_free(h);
}

static void malformed_histories_are_errors(void **state)
{
    (void)state;
    const char *bad_write[] = {"0 invoke write k0=1", "0 ok write k0=1",
                               "0 invoke write {\"k\":\"k0\",\"v\":\"x\"}", NULL};
    expect_error(bad_write, "operation 2");
    const char *bad_read[] = {"0 invoke write k0=1", "0 ok write k0=1", "1 invoke read k0=null",
                              "1 ok read [1,2] n2", NULL};
    expect_error(bad_read, "operation 3");
    const char *no_value[] = {"1 invoke read k0=null", "1 ok read {\"k\":\"k0\"} n2", NULL};
    expect_error(no_value, "operation 1");
    const char *wrong_key[] = {"1 invoke read k0=null", "1 ok read k1=3 n2", NULL};
    expect_error(wrong_key, "operation 1");
    const char *two_writers[] = {"0 invoke write k0=1", "0 ok write k0=1", "1 invoke write k0=2",
                                 NULL};
    expect_error(two_writers, "operation 2");
    const char *decreasing[] = {"0 invoke write k0=2", "0 ok write k0=2", "0 invoke write k0=1",
                                NULL};
    expect_error(decreasing, "operation 2");
}

/* ====== Against a naive reference on random histories ====== */

#define RND_PROCS 4
#define RND_STEPS 400

typedef struct rop {
    int process, write, key, has_v, failed, ok;
    int64_t v;
    size_t inv, done; /* history positions */
} rop;

static sb_history *random_history(sb_rng *rng, rop *ops, size_t *n_ops)
{
    sb_history *h = history_new();
    int busy[RND_PROCS] = {0}, cur[RND_PROCS];
    int64_t next[RND_PROCS] = {0};
    size_t n = 0;
    for (int step = 0; step < RND_STEPS; step++) {
        int p = (int)(sb_rng_next(rng) % RND_PROCS);
        sb_op op = {.process = p, .time_ns = (int64_t)h->n * SB_NS_PER_MS};
        char k[8];
        if (!busy[p]) {
            rop *o = &ops[n];
            *o = (rop){.process = p, .write = sb_rng_next(rng) % 2 == 0, .inv = h->n};
            o->key = o->write ? p : (int)(sb_rng_next(rng) % RND_PROCS);
            o->v = o->write ? ++next[p] : 0;
            o->has_v = o->write;
            snprintf(op.f, sizeof(op.f), "%s", o->write ? "write" : "read");
            cur[p] = (int)n++, busy[p] = 1;
        } else {
            rop *o = &ops[cur[p]];
            uint64_t u = sb_rng_next(rng) % 10;
            op.type = u == 0 ? SB_OP_FAIL : u == 1 ? SB_OP_INFO : SB_OP_OK;
            o->failed = op.type == SB_OP_FAIL, o->ok = op.type == SB_OP_OK, o->done = h->n;
            if (!o->write && o->ok) {
                /* Any value near the key's latest, to hit every case. */
                o->v = (int64_t)(sb_rng_next(rng) % (uint64_t)(next[o->key] + 3));
                o->has_v = o->v != 0;
            }
            snprintf(op.f, sizeof(op.f), "%s", o->write ? "write" : "read");
            snprintf(op.node, sizeof(op.node), "n%d", (int)(sb_rng_next(rng) % 3) + 1);
            busy[p] = 0;
        }
        rop *o = &ops[cur[p]];
        snprintf(k, sizeof(k), "k%d", o->key);
        op.value = json_object();
        json_object_set_new(op.value, "k", json_string(k));
        json_object_set_new(op.value, "v", o->has_v ? json_integer(o->v) : json_null());
        history_add(h, &op);
        json_decref(op.value);
    }
    *n_ops = n;
    return h;
}

typedef struct naive {
    long long reads, stale, ryw, mono, future;
    int64_t stale_max_ns, behind_max;
} naive;

/* Straight from the definitions, O(n^2). */
static naive naive_check(const sb_history *h, const rop *ops, size_t n)
{
    naive r = {0};
    for (size_t a = 0; a < n; a++) {
        const rop *rd = &ops[a];
        if (rd->write || !rd->ok)
            continue;
        r.reads++;
        int64_t top = 0, first_ns = -1, own = 0;
        int found = 0;
        for (size_t b = 0; b < n; b++) {
            const rop *w = &ops[b];
            if (!w->write || w->key != rd->key)
                continue;
            if (w->ok && w->done < rd->inv) {
                if (w->v > top)
                    top = w->v;
                if (w->process == rd->process && w->v > own)
                    own = w->v;
                int64_t t = h->ops[w->done].time_ns;
                if (w->v > rd->v && (first_ns < 0 || t < first_ns))
                    first_ns = t;
            }
            if (!w->failed && w->inv < rd->done && w->v == rd->v)
                found = 1;
        }
        if (rd->v && !found)
            r.future++;
        /* Only null, or a value an acknowledged write wrote, can break a
         * session guarantee: an unacknowledged write may land late. */
        int certain = rd->v == 0;
        for (size_t b = 0; b < n && !certain; b++)
            certain = ops[b].write && ops[b].ok && ops[b].key == rd->key && ops[b].v == rd->v &&
                      ops[b].done < rd->done;
        if (own > rd->v && certain)
            r.ryw++;
        for (size_t b = 0; b < n && certain; b++)
            if (!ops[b].write && ops[b].ok && ops[b].process == rd->process &&
                ops[b].key == rd->key && ops[b].done < rd->inv && ops[b].v > rd->v) {
                r.mono++;
                break;
            }
        if (first_ns < 0)
            continue;
        r.stale++;
        int64_t age = h->ops[rd->inv].time_ns - first_ns, behind = 0;
        for (size_t b = 0; b < n; b++)
            if (ops[b].write && ops[b].key == rd->key && !ops[b].failed && ops[b].v > rd->v &&
                ops[b].v <= top)
                behind++;
        if (age > r.stale_max_ns)
            r.stale_max_ns = age;
        if (behind > r.behind_max)
            r.behind_max = behind;
    }
    return r;
}

static void random_histories_agree_with_a_naive_reference(void **state)
{
    (void)state;
    static rop ops[RND_STEPS];
    naive total = {0};
    for (uint64_t seed = 1; seed <= 200; seed++) {
        sb_rng rng;
        sb_rng_seed(&rng, seed);
        size_t n;
        sb_history *h = random_history(&rng, ops, &n);
        naive want = naive_check(h, ops, n);
        total.stale += want.stale, total.ryw += want.ryw, total.mono += want.mono;
        total.future += want.future;
        sb_check_result r = {0};
        char err[SB_ERR_LEN] = "";
        if (checker_find("stale-read")->check(h, &r, err))
            fail_msg("seed %llu: %s", (unsigned long long)seed, err);
        assert_int_equal(fx_fig(&r, "reads"), want.reads);
        assert_int_equal(fx_fig(&r, "stale"), want.stale);
        assert_int_equal(fx_fig(&r, "ryw_violations"), want.ryw);
        assert_int_equal(fx_fig(&r, "monotonic_violations"), want.mono);
        assert_int_equal(fx_fig(&r, "future_reads"), want.future);
        assert_int_equal(fx_fig(&r, "versions_behind_max"), want.behind_max);
        assert_true(fx_figf(&r, "stale_ms_max") == (double)want.stale_max_ns / 1e6);
        check_result_free(&r);
        history_free(h);
    }
    /* The histories do exercise every check. */
    assert_true(total.stale && total.ryw && total.mono && total.future);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_reads_are_valid),
        cmocka_unit_test(a_stale_replica_read_is_measured_not_judged),
        cmocka_unit_test(failed_writes_are_not_versions),
        cmocka_unit_test(reading_an_older_own_write_violates_ryw),
        cmocka_unit_test(a_null_read_of_own_acked_key_violates_ryw),
        cmocka_unit_test(info_and_in_flight_writes_are_not_required),
        cmocka_unit_test(a_late_unacknowledged_write_is_not_a_violation),
        cmocka_unit_test(going_back_in_time_violates_monotonic_reads),
        cmocka_unit_test(other_clients_and_keys_do_not_bind_monotonic_reads),
        cmocka_unit_test(a_value_never_written_is_a_future_read),
        cmocka_unit_test(no_ok_read_is_unknown),
        cmocka_unit_test(malformed_histories_are_errors),
        cmocka_unit_test(random_histories_agree_with_a_naive_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
