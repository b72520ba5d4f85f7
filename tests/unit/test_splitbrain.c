/* test_splitbrain.c -- the split-brain checker on hand-written role polls:
 * windows with two masters, their duration, the writes each master
 * acknowledged in them, and a window still open at the last poll. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

static void add(sb_history *h, int process, sb_op_type t, const char *f, const char *value,
                const char *node, double time_s)
{
    sb_op op = {.process = process, .type = t, .time_ns = (int64_t)(time_s * 1e9)};
    snprintf(op.f, sizeof(op.f), "%s", f);
    if (node)
        snprintf(op.node, sizeof(op.node), "%s", node);
    json_error_t je;
    op.value = value ? json_loads(value, JSON_DECODE_ANY, &je) : NULL;
    history_add(h, &op);
    json_decref(op.value);
}

static void roles(sb_history *h, double t, const char *r1, const char *r2)
{
    char v[128];
    snprintf(v, sizeof(v), "{\"n1\":%s,\"n2\":%s}", r1, r2);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "roles", v, NULL, t);
}

static sb_check_result run(sb_history *h)
{
    sb_check_result r = {0};
    char err[SB_ERR_LEN];
    assert_int_equal(checker_find("split-brain")->check(h, &r, err), 0);
    return r;
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
    add(h, 1, SB_OP_OK, "read", "3", "n2", 2.7); /* a read is no write */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_master_is_valid),
        cmocka_unit_test(two_masters_make_a_window_with_their_writes),
        cmocka_unit_test(window_open_at_the_last_poll_counts_up_to_it),
        cmocka_unit_test(no_polls_is_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
