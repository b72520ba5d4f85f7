/* test_perf.c -- the perf checker: latency percentiles per kind, and
 * availability split by whether a fault was in force (from its ok to its
 * heal / undo). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

static void add(sb_history *h, int process, sb_op_type t, const char *f, const char *value,
                double time_s)
{
    fx_add(h, process, t, f, value, NULL, (int64_t)(time_s * 1e9));
}

static double fig(const sb_check_result *r, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(r->figures, a);
    if (b)
        v = json_object_get(json_object_get(v, b), c);
    return json_number_value(v);
}

static void availability_in_and_outside_faults(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, 0, SB_OP_INVOKE, "add", "1", 0.0);
    add(h, 0, SB_OP_OK, "add", "1", 0.010); /* 10 ms, outside */
    add(h, SB_PROC_NEMESIS, SB_OP_OK, "partition", "{\"id\":0}", 1.0);
    add(h, 0, SB_OP_INVOKE, "add", "2", 1.1);
    add(h, 0, SB_OP_FAIL, "add", "2", 1.2); /* in */
    add(h, 0, SB_OP_INVOKE, "add", "3", 1.3);
    add(h, 0, SB_OP_OK, "add", "3", 1.330); /* in, 30 ms */
    add(h, SB_PROC_NEMESIS, SB_OP_OK, "pause", "{\"id\":1}", 1.4);
    add(h, SB_PROC_NEMESIS, SB_OP_OK, "heal", "{\"id\":-1}", 2.0); /* pause still in force */
    add(h, 0, SB_OP_INVOKE, "add", "4", 2.1);
    add(h, 0, SB_OP_INFO, "add", "4", 2.2); /* in */
    add(h, SB_PROC_NEMESIS, SB_OP_OK, "undo", "{\"id\":2,\"of\":1}", 3.0);
    add(h, 0, SB_OP_INVOKE, "add", "5", 3.1);
    add(h, 0, SB_OP_OK, "add", "5", 3.120); /* outside, 20 ms */
    sb_check_result r = {0};
    char err[SB_ERR_LEN];
    assert_int_equal(checker_find("perf")->check(h, &r, err), 0);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_true(fig(&r, "availability_outside_faults", NULL, NULL) == 1.0);
    assert_true(fabs(fig(&r, "availability_in_faults", NULL, NULL) - 1.0 / 3) < 1e-9);
    assert_true(fig(&r, "completions_in_faults", NULL, NULL) == 3);
    assert_true(fabs(fig(&r, "latency", "add", "max_ms") - 30.0) < 0.01);
    assert_true(fabs(fig(&r, "latency", "add", "p50_ms") - 20.0) < 0.01);
    check_result_free(&r);
    history_free(h);
}

/* A cluster operation is in force from its invocation to its completion,
 * whether it succeeded or failed. */
static void cluster_operations_in_force_while_they_run(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "add-shard", "{\"id\":0}", 1.0);
    add(h, 0, SB_OP_INVOKE, "add", "1", 1.1);
    add(h, 0, SB_OP_FAIL, "add", "1", 1.2); /* in */
    add(h, SB_PROC_NEMESIS, SB_OP_OK, "add-shard", "{\"id\":0,\"host\":\"n7\"}", 2.0);
    add(h, 0, SB_OP_INVOKE, "add", "2", 2.1);
    add(h, 0, SB_OP_OK, "add", "2", 2.2); /* outside */
    add(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "migrate-slots", "{\"id\":1}", 3.0);
    add(h, 0, SB_OP_INVOKE, "add", "3", 3.1);
    add(h, 0, SB_OP_OK, "add", "3", 3.2); /* in */
    add(h, SB_PROC_NEMESIS, SB_OP_FAIL, "migrate-slots", "{\"id\":1}", 4.0);
    add(h, 0, SB_OP_INVOKE, "add", "4", 4.1);
    add(h, 0, SB_OP_FAIL, "add", "4", 4.2); /* outside */
    sb_check_result r = {0};
    char err[SB_ERR_LEN];
    assert_int_equal(checker_find("perf")->check(h, &r, err), 0);
    assert_true(fig(&r, "completions_in_faults", NULL, NULL) == 2);
    assert_true(fig(&r, "availability_in_faults", NULL, NULL) == 0.5);
    assert_true(fig(&r, "availability_outside_faults", NULL, NULL) == 0.5);
    check_result_free(&r);
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(availability_in_and_outside_faults),
        cmocka_unit_test(cluster_operations_in_force_while_they_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
