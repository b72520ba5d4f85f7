/* test_set_checker.c -- the set checker on hand-written histories: lost
 * means acknowledged and absent; an operation of unknown outcome is never
 * counted lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

static void op(sb_history *h, int process, sb_op_type t, const char *f, json_t *value,
               int64_t time_ms, const char *node)
{
    fx_op(h, process, t, f, value, node, time_ms * SB_NS_PER_MS);
}

/* An add of v by process p completing with t at time ms, acknowledged by node. */
static void add(sb_history *h, int p, int64_t v, sb_op_type t, int64_t ms, const char *node)
{
    op(h, p, SB_OP_INVOKE, "add", json_integer(v), ms, NULL);
    if (t != SB_OP_INVOKE)
        op(h, p, t, "add", json_integer(v), ms + 1, node);
}

static void final_read(sb_history *h, const char *values_json)
{
    op(h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, 100000, "n2");
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "read", json_loads(values_json, 0, NULL), 100001, "n2");
}

static sb_check_result check(sb_history *h)
{
    return fx_check("set", h);
}

static void all_acknowledged_present_is_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    add(h, 1, 1, SB_OP_OK, 11, "n1");
    add(h, 0, 2, SB_OP_FAIL, 12, NULL);
    final_read(h, "[1, 0]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "acknowledged"), 2);
    assert_int_equal(fx_fig(&r, "failed"), 1);
    assert_int_equal(fx_fig(&r, "lost_count"), 0);
    assert_true(json_real_value(json_object_get(r.figures, "lost_fraction")) == 0.0);
    check_result_free(&r);
    history_free(h);
}

static void lost_acknowledged_write_is_reported_with_node_and_window(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 1000, "n1");
    add(h, 1, 1, SB_OP_OK, 5000, "n1"); /* lost */
    add(h, 0, 2, SB_OP_OK, 5500, "n1"); /* lost, same window */
    add(h, 1, 3, SB_OP_OK, 9000, "n1"); /* lost, a new window (> 1 s gap) */
    add(h, 0, 4, SB_OP_OK, 9100, "n3"); /* lost on another node */
    add(h, 1, 5, SB_OP_OK, 12000, "n3");
    final_read(h, "[0, 5]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "lost_count"), 4);
    json_t *lost = json_object_get(r.figures, "lost");
    assert_int_equal(json_array_size(lost), 4);
    assert_int_equal(json_integer_value(json_array_get(lost, 0)), 1);
    assert_int_equal(json_integer_value(json_array_get(lost, 3)), 4);
    json_t *by = json_object_get(r.figures, "lost_by_node");
    assert_int_equal(json_integer_value(json_object_get(by, "n1")), 3);
    assert_int_equal(json_integer_value(json_object_get(by, "n3")), 1);
    json_t *w = json_object_get(r.figures, "lost_windows");
    assert_int_equal(json_array_size(w), 3);
    json_t *w0 = json_array_get(w, 0);
    assert_string_equal(json_string_value(json_object_get(w0, "node")), "n1");
    assert_int_equal(json_integer_value(json_object_get(w0, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(w0, "start")), 5001 * SB_NS_PER_MS);
    assert_int_equal(json_integer_value(json_object_get(w0, "end")), 5501 * SB_NS_PER_MS);
    assert_true(json_real_value(json_object_get(r.figures, "lost_fraction")) == 4.0 / 6.0);
    assert_non_null(strstr(r.summary, "lost 4 of 6"));
    check_result_free(&r);
    history_free(h);
}

static void indeterminate_writes_are_never_lost(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    add(h, 1, 1, SB_OP_INFO, 20, "n1");   /* timed out, absent: fine */
    add(h, 2, 2, SB_OP_INFO, 30, "n1");   /* timed out, present: recovered */
    add(h, 3, 3, SB_OP_INVOKE, 40, NULL); /* never completed, present */
    add(h, 4, 4, SB_OP_INVOKE, 50, NULL); /* never completed, absent */
    final_read(h, "[0, 2, 3]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "lost_count"), 0);
    assert_int_equal(fx_fig(&r, "indeterminate"), 4);
    assert_int_equal(fx_fig(&r, "recovered_count"), 2);
    check_result_free(&r);
    history_free(h);
}

static void unexpected_and_failed_present_are_anomalies(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    add(h, 1, 1, SB_OP_FAIL, 20, "n1");
    final_read(h, "[0, 1, 99, \"junk\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "lost_count"), 0);
    assert_int_equal(fx_fig(&r, "unexpected_count"), 2);
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(r.figures, "unexpected"), 0)), 99);
    assert_int_equal(fx_fig(&r, "failed_present_count"), 1);
    check_result_free(&r);
    history_free(h);
}

static void no_final_read_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    op(h, SB_PROC_CONTROLLER, SB_OP_FAIL, "read", NULL, 50, "n1"); /* a failed read counts not */
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_non_null(strstr(r.summary, "no final read"));
    check_result_free(&r);
    history_free(h);
}

static void convergence_reports_the_master_change(void **state)
{
    (void)state;
    sb_history *h = history_new();
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "ready", json_loads("{\"master\":\"n1\"}", 0, NULL), 0,
       NULL);
    op(h, SB_PROC_NEMESIS, SB_OP_OK, "heal", NULL, 6000, NULL);
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "workload-end", NULL, 9000, NULL);
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "converged",
       json_loads("{\"master\":\"n3\",\"replicas\":[\"n1\",\"n2\"]}", 0, NULL), 8500, NULL);
    sb_check_result r;
    memset(&r, 0, sizeof(r));
    char err[SB_ERR_LEN];
    assert_int_equal(checker_find("convergence")->check(h, &r, err), 0);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "master_changed"), 1);
    assert_true(json_real_value(json_object_get(r.figures, "converge_seconds")) == 2.5);
    check_result_free(&r);
    /* a convergence that failed is invalid */
    op(h, SB_PROC_CONTROLLER, SB_OP_FAIL, "converged", NULL, 70000, NULL);
    assert_int_equal(checker_find("convergence")->check(h, &r, err), 0);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    check_result_free(&r);
    history_free(h);
}

/* Two clients: writes counted per client, a restarted program's new
 * process id counted with its client; when the clients' writes moved to
 * another node. */
static void writes_are_counted_per_client_and_the_move_is_dated(void **state)
{
    (void)state;
    sb_history *h = history_new();
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "clients",
       json_loads("{\"workers\":2,\"groups\":[{\"client\":\"built-in\",\"processes\":[0]},"
                  "{\"client\":\"redis-py\",\"processes\":[1]}]}",
                  0, NULL),
       0, NULL);
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    add(h, 1, 1, SB_OP_OK, 11, "n1");
    add(h, 1, 3, SB_OP_INFO, 12, NULL);
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "client-restart",
       json_pack("{s:i,s:s,s:i,s:i,s:s}", "worker", 1, "client", "redis-py", "process", 1,
                 "new_process", 3, "why", "no reply"),
       13, NULL);
    add(h, 3, 5, SB_OP_OK, 2000, "n3");
    add(h, 0, 2, SB_OP_OK, 2500, "n3");
    final_read(h, "[0, 2]"); /* 1 and 5 (redis-py's) lost */
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    json_t *by = json_object_get(r.figures, "by_client");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(by, "built-in"), "lost")),
                     0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(by, "built-in"), "acknowledged")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(by, "redis-py"), "lost")),
                     2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(by, "redis-py"), "acknowledged")), 2);
    assert_non_null(strstr(r.summary, "; built-in lost 0 of 2; redis-py lost 2 of 2"));
    assert_string_equal(json_string_value(json_object_get(r.figures, "first_node")), "n1");
    assert_string_equal(json_string_value(json_object_get(r.figures, "moved_to")), "n3");
    assert_true(json_real_value(json_object_get(r.figures, "moved_at_s")) == 2.001);
    check_result_free(&r);
    history_free(h);
    /* one client: no split, and writes that never moved */
    h = history_new();
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    final_read(h, "[0]");
    r = check(h);
    assert_null(json_object_get(r.figures, "by_client"));
    assert_true(json_is_null(json_object_get(r.figures, "moved_to")));
    check_result_free(&r);
    history_free(h);
}

/* A write the client sent twice (SADD found its value: "applied
 * twice") is acknowledged, not lost, and counted as a duplicate, per client
 * too; an ok add with no note is not. */
static void writes_applied_twice_are_counted_as_duplicates(void **state)
{
    (void)state;
    sb_history *h = history_new();
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "clients",
       json_loads("{\"workers\":2,\"groups\":[{\"client\":\"built-in\",\"processes\":[0]},"
                  "{\"client\":\"ioredis\",\"processes\":[1]}]}",
                  0, NULL),
       0, NULL);
    add(h, 0, 0, SB_OP_OK, 10, "n1");
    add(h, 1, 1, SB_OP_INVOKE, 11, NULL);
    sb_op dup = {.process = 1, .type = SB_OP_OK, .time_ns = 12 * SB_NS_PER_MS};
    snprintf(dup.f, sizeof(dup.f), "add");
    dup.value = json_integer(1);
    dup.error = (char *)SB_APPLIED_TWICE ": SADD found 1 already in the set";
    history_add(h, &dup);
    json_decref(dup.value);
    add(h, 1, 3, SB_OP_OK, 13, "n1");
    final_read(h, "[0, 1, 3]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "duplicates"), 1);
    assert_int_equal(fx_fig(&r, "lost_count"), 0);
    json_t *by = json_object_get(r.figures, "by_client");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(by, "ioredis"), "duplicates")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(by, "built-in"), "duplicates")), 0);
    check_result_free(&r);
    history_free(h);
}

/* A power loss at 5 s: the oldest lost write was acknowledged 0.8 s before
 * it; a write acknowledged after the restart and lost counts too. */
static void lost_writes_are_dated_from_the_power_loss(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, 0, SB_OP_OK, 1000, "n1");
    add(h, 1, 1, SB_OP_OK, 4199, "n1"); /* lost: acknowledged at 4.2 s */
    add(h, 0, 2, SB_OP_OK, 4800, "n1"); /* lost */
    op(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "power-loss", json_object(), 5000, NULL);
    op(h, SB_PROC_NEMESIS, SB_OP_OK, "power-loss", json_object(), 5010, NULL);
    add(h, 1, 3, SB_OP_OK, 7000, "n1");
    final_read(h, "[0, 3]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    double s = json_real_value(json_object_get(r.figures, "lost_before_fault_s"));
    assert_true(s > 0.799 && s < 0.801);
    check_result_free(&r);
    history_free(h);

    h = history_new(); /* nothing lost: 0; no power loss: absent */
    add(h, 0, 0, SB_OP_OK, 1000, "n1");
    op(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "torn-write", json_object(), 5000, NULL);
    final_read(h, "[0]");
    r = check(h);
    assert_true(json_real_value(json_object_get(r.figures, "lost_before_fault_s")) == 0.0);
    check_result_free(&r);
    history_free(h);
    h = history_new();
    add(h, 0, 0, SB_OP_OK, 1000, "n1");
    final_read(h, "[]");
    r = check(h);
    assert_null(json_object_get(r.figures, "lost_before_fault_s"));
    check_result_free(&r);
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_applied_twice_are_counted_as_duplicates),
        cmocka_unit_test(writes_are_counted_per_client_and_the_move_is_dated),
        cmocka_unit_test(all_acknowledged_present_is_valid),
        cmocka_unit_test(lost_acknowledged_write_is_reported_with_node_and_window),
        cmocka_unit_test(indeterminate_writes_are_never_lost),
        cmocka_unit_test(unexpected_and_failed_present_are_anomalies),
        cmocka_unit_test(no_final_read_is_unknown),
        cmocka_unit_test(convergence_reports_the_master_change),
        cmocka_unit_test(lost_writes_are_dated_from_the_power_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
