/* test_splitbrain.c -- the split-brain checker on hand-written role polls:
 * windows with two masters, their duration, the writes each master
 * acknowledged in them, and a window still open at the last poll; on a
 * cluster, the same per slot range from the nodes' slot claims. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

static void add(sb_history *h, int process, sb_op_type t, const char *f, const char *value,
                const char *node, double time_s)
{
    fx_add(h, process, t, f, value, node, (int64_t)(time_s * 1e9));
}

static void roles(sb_history *h, double t, const char *r1, const char *r2)
{
    char v[128];
    snprintf(v, sizeof(v), "{\"n1\":%s,\"n2\":%s}", r1, r2);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "roles", v, NULL, t);
}

static sb_check_result run(sb_history *h)
{
    return fx_check("split-brain", h);
}

static void one_master_is_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    roles(h, 0.1, "\"master\"", "\"slave\"");
    roles(h, 0.2, "\"master\"", "null");
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    check_result_free(&r);
    history_free(h);
}

static void two_masters_make_a_window_with_their_writes(void **state)
{
    (void)state;
    sb_history *h = history_new();
    roles(h, 1.0, "\"master\"", "\"slave\"");
    add(h, 0, SB_OP_OK, "add", "1", "n1", 1.5); /* before: not counted */
    roles(h, 2.0, "\"master\"", "\"master\"");
    add(h, 0, SB_OP_OK, "add", "2", "n1", 2.5);
    add(h, 1, SB_OP_OK, "add", "3", "n2", 2.6);
    add(h, 1, SB_OP_OK, "read", "3", "n2", 2.7);  /* a read is no write */
    add(h, 0, SB_OP_INFO, "add", "4", "n1", 2.8); /* not acknowledged */
    roles(h, 3.5, "\"slave\"", "\"master\"");
    add(h, 1, SB_OP_OK, "add", "5", "n2", 4.0);
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "windows")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "max_masters")), 2);
    json_t *w = json_array_get(json_object_get(r.figures, "detail"), 0);
    assert_true(json_real_value(json_object_get(w, "duration_s")) == 1.5);
    json_t *ack = json_object_get(w, "acknowledged");
    assert_int_equal(json_integer_value(json_object_get(ack, "n1")), 1);
    assert_int_equal(json_integer_value(json_object_get(ack, "n2")), 1);
    check_result_free(&r);
    history_free(h);
}

static void window_open_at_the_last_poll_counts_up_to_it(void **state)
{
    (void)state;
    sb_history *h = history_new();
    roles(h, 1.0, "\"master\"", "\"master\"");
    roles(h, 3.0, "\"master\"", "\"master\"");
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "read", "[]", "n2", 9.0);
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_true(json_real_value(json_object_get(r.figures, "two_master_seconds")) == 2.0);
    check_result_free(&r);
    history_free(h);
}

/* Polls go on through heal and convergence: the window ends at the
 * demotion they saw, after the workload, and says so. */
static void window_closed_after_the_workload_says_so(void **state)
{
    (void)state;
    sb_history *h = history_new();
    roles(h, 5.0, "\"master\"", "\"master\"");
    add(h, 0, SB_OP_OK, "add", "1", "n1", 6.0);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "workload-end", NULL, NULL, 20.0);
    roles(h, 24.0, "\"master\"", "\"master\"");
    roles(h, 28.0, "\"slave\"", "\"master\"");
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "observer-stopped", "{\"roles_polls\":3}", NULL, 30.0);
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    json_t *w = json_array_get(json_object_get(r.figures, "detail"), 0);
    assert_true(json_real_value(json_object_get(w, "end_s")) == 28.0);
    assert_true(json_real_value(json_object_get(w, "duration_s")) == 23.0);
    assert_true(json_is_true(json_object_get(w, "closed_after_workload")));
    assert_null(json_object_get(w, "open_at_last_poll"));
    assert_non_null(strstr(r.summary, "the last closed at 28.0s, after the workload"));
    check_result_free(&r);
    history_free(h);
}

static void a_window_closed_during_the_workload_is_not_marked(void **state)
{
    (void)state;
    sb_history *h = history_new();
    roles(h, 5.0, "\"master\"", "\"master\"");
    roles(h, 8.0, "\"slave\"", "\"master\"");
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "workload-end", NULL, NULL, 20.0);
    roles(h, 24.0, "\"slave\"", "\"master\"");
    sb_check_result r = run(h);
    json_t *w = json_array_get(json_object_get(r.figures, "detail"), 0);
    assert_null(json_object_get(w, "closed_after_workload"));
    assert_null(strstr(r.summary, "after the workload"));
    check_result_free(&r);
    history_free(h);
}

static void no_polls_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, SB_OP_OK, "add", "1", "n1", 1.0);
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    check_result_free(&r);
    history_free(h);
}

/* ====== Cluster: slot claims ====== */

#define SHARD1 "[[0,5460]]"
#define SHARD2 "[[5461,10922]]"
#define SHARD3 "[[10923,16383]]"

/* A cluster poll: roles as ROLE says, then the slots each node claims. */
static void cluster_poll(sb_history *h, double t, const char *roles_json, const char *claims_json)
{
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "roles", roles_json, NULL, t);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "slot-claims", claims_json, NULL, t);
}

static void cluster_ready(sb_history *h)
{
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "ready",
        "{\"masters\":[\"n1\",\"n2\",\"n3\"],\"replicas\":[\"n4\",\"n5\",\"n6\"],"
        "\"master\":\"n1\"}",
        NULL, 0.0);
}

#define ROLES_3M                                                                                   \
    "{\"n1\":\"master\",\"n2\":\"master\",\"n3\":\"master\",\"n4\":\"slave\",\"n5\":"              \
    "\"slave\",\"n6\":\"slave\"}"
#define ROLES_4M                                                                                   \
    "{\"n1\":\"master\",\"n2\":\"master\",\"n3\":\"master\",\"n4\":\"master\",\"n5\":"             \
    "\"slave\",\"n6\":\"slave\"}"

static void three_masters_with_disjoint_slots_are_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    cluster_ready(h);
    for (int i = 1; i <= 3; i++) {
        cluster_poll(h, i * 0.1, ROLES_3M,
                     "{\"n1\":" SHARD1 ",\"n2\":" SHARD2 ",\"n3\":" SHARD3
                     ",\"n4\":[],\"n5\":[],\"n6\":null}");
        add(h, 0, SB_OP_OK, "add", "1", "n1", i * 0.1 + 0.05);
    }
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "windows")), 0);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "max_masters")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "polls")), 3);
    check_result_free(&r);
    history_free(h);
}

/* n1 is cut off with its clients and keeps claiming 0-5460 while the
 * majority promotes its replica n4, which claims them too, until n1 hears
 * of the failover. The window lasts from the first poll showing both
 * claims to the first showing one; writes count on the claimants only. */
static void partitioned_master_and_promoted_replica_make_a_window(void **state)
{
    (void)state;
    sb_history *h = history_new();
    cluster_ready(h);
    const char *normal =
        "{\"n1\":" SHARD1 ",\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":[],\"n5\":[],\"n6\":[]}";
    const char *both = "{\"n1\":" SHARD1 ",\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1
                       ",\"n5\":[],\"n6\":[]}";
    const char *after =
        "{\"n1\":[],\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1 ",\"n5\":[],\"n6\":[]}";
    cluster_poll(h, 4.9, ROLES_3M, normal);
    add(h, 0, SB_OP_OK, "add", "1", "n1", 4.95); /* before: not counted */
    cluster_poll(h, 7.0, ROLES_4M, both);
    add(h, 0, SB_OP_OK, "add", "2", "n1", 7.1);
    add(h, 0, SB_OP_OK, "add", "3", "n1", 7.2);
    add(h, 1, SB_OP_OK, "add", "4", "n4", 7.3);
    add(h, 2, SB_OP_OK, "add", "5", "n2", 7.4);   /* another shard: no claimant */
    add(h, 0, SB_OP_INFO, "add", "6", "n1", 7.5); /* not acknowledged */
    add(h, 1, SB_OP_OK, "read", "[]", "n4", 7.6); /* a read is no write */
    cluster_poll(h, 9.0, ROLES_4M, both);
    cluster_poll(h, 12.5, ROLES_3M, after);
    add(h, 0, SB_OP_OK, "add", "7", "n4", 13.0); /* after: not counted */
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "windows")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "max_masters")), 2);
    assert_true(json_real_value(json_object_get(r.figures, "two_master_seconds")) == 5.5);
    json_t *w = json_array_get(json_object_get(r.figures, "detail"), 0);
    assert_true(json_real_value(json_object_get(w, "start_s")) == 7.0);
    assert_true(json_real_value(json_object_get(w, "end_s")) == 12.5);
    assert_true(json_real_value(json_object_get(w, "duration_s")) == 5.5);
    json_t *m = json_object_get(w, "masters");
    assert_int_equal(json_array_size(m), 2);
    assert_string_equal(json_string_value(json_array_get(m, 0)), "n1");
    assert_string_equal(json_string_value(json_array_get(m, 1)), "n4");
    json_t *slots = json_object_get(w, "slots");
    assert_int_equal(json_array_size(slots), 1);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(slots, 0), 0)), 0);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(slots, 0), 1)), 5460);
    json_t *ack = json_object_get(w, "acknowledged");
    assert_int_equal(json_object_size(ack), 2);
    assert_int_equal(json_integer_value(json_object_get(ack, "n1")), 2);
    assert_int_equal(json_integer_value(json_object_get(ack, "n4")), 1);
    assert_non_null(strstr(r.summary, "slots 0-5460 claimed by n1, n4"));
    check_result_free(&r);
    history_free(h);
}

/* Two shards split at once are two windows, each with its own writes; the
 * one still open at the last poll is counted up to it. */
static void two_contested_shards_are_two_windows(void **state)
{
    (void)state;
    sb_history *h = history_new();
    cluster_ready(h);
    cluster_poll(h, 1.0, ROLES_4M,
                 "{\"n1\":" SHARD1 ",\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1
                 ",\"n5\":[],\"n6\":[]}");
    cluster_poll(h, 2.0, ROLES_4M,
                 "{\"n1\":" SHARD1 ",\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1
                 ",\"n5\":" SHARD2 ",\"n6\":[]}");
    add(h, 0, SB_OP_OK, "add", "1", "n5", 2.5);
    add(h, 0, SB_OP_OK, "add", "2", "n4", 2.6);
    cluster_poll(h, 3.0, ROLES_4M,
                 "{\"n1\":[],\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1 ",\"n5\":" SHARD2
                 ",\"n6\":[]}");
    cluster_poll(h, 4.0, ROLES_4M,
                 "{\"n1\":[],\"n2\":" SHARD2 ",\"n3\":" SHARD3 ",\"n4\":" SHARD1 ",\"n5\":" SHARD2
                 ",\"n6\":[]}");
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "windows")), 2);
    json_t *d = json_object_get(r.figures, "detail");
    json_t *w1 = json_array_get(d, 0), *w2 = json_array_get(d, 1);
    assert_true(json_real_value(json_object_get(w1, "duration_s")) == 2.0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(w1, "acknowledged"), "n4")),
                     1);
    assert_null(json_object_get(json_object_get(w1, "acknowledged"), "n5"));
    assert_true(json_is_true(json_object_get(w2, "open_at_last_poll")));
    assert_true(json_real_value(json_object_get(w2, "duration_s")) == 2.0);
    assert_int_equal(
        json_integer_value(json_array_get(json_array_get(json_object_get(w2, "slots"), 0), 0)),
        5461);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(w2, "acknowledged"), "n5")),
                     1);
    check_result_free(&r);
    history_free(h);
}

/* A cluster history recorded without slot claims: three masters by design
 * are no split brain, and nothing else can tell, so unknown. */
static void cluster_without_slot_claims_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    cluster_ready(h);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "roles", ROLES_3M, NULL, 0.1);
    sb_check_result r = run(h);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "windows")), 0);
    check_result_free(&r);
    history_free(h);
}

static void malformed_slot_claims_are_an_error(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "slot-claims", "{\"n1\":[[5,2]]}", NULL, 0.1);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("split-brain")->check(h, &r, err), -1);
    assert_non_null(strstr(err, "slot claims of n1"));
    check_result_free(&r);
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_master_is_valid),
        cmocka_unit_test(two_masters_make_a_window_with_their_writes),
        cmocka_unit_test(window_open_at_the_last_poll_counts_up_to_it),
        cmocka_unit_test(window_closed_after_the_workload_says_so),
        cmocka_unit_test(a_window_closed_during_the_workload_is_not_marked),
        cmocka_unit_test(no_polls_is_unknown),
        cmocka_unit_test(three_masters_with_disjoint_slots_are_valid),
        cmocka_unit_test(partitioned_master_and_promoted_replica_make_a_window),
        cmocka_unit_test(two_contested_shards_are_two_windows),
        cmocka_unit_test(cluster_without_slot_claims_is_unknown),
        cmocka_unit_test(malformed_slot_claims_are_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
