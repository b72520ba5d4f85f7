/* test_windows.c -- anomalies grouped into windows by node and time: one
 * node's marks within the gap form one window, another node's marks or a
 * longer gap start a new one, past the cap the rest count into the last. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "windows.h"

#define S 1000000000LL

static long long wi(const json_t *w, const char *k)
{
    return (long long)json_integer_value(json_object_get(w, k));
}

static void marks_group_by_node_and_gap(void **state)
{
    (void)state;
    sb_tmark m[] = {{6 * S, "n1"},  {5 * S, "n1"},         {7 * S, "n2"},
                    {20 * S, "n1"}, {5 * S + S / 2, "n1"}, {8 * S, ""}};
    json_t *w = checker_time_windows(m, 6, S, 10);
    assert_int_equal(json_array_size(w), 4);
    /* n1 5 s - 6 s (3 marks), n1 20 s, n2 7 s, ? 8 s: by node, then time */
    json_t *a = json_array_get(w, 1);
    assert_string_equal(json_string_value(json_object_get(a, "node")), "n1");
    assert_int_equal(wi(a, "start"), 5 * S);
    assert_int_equal(wi(a, "end"), 6 * S);
    assert_int_equal(wi(a, "count"), 3);
    assert_int_equal(wi(json_array_get(w, 2), "start"), 20 * S);
    assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "node")), "?");
    json_decref(w);
}

static void past_the_cap_the_rest_count_into_the_last(void **state)
{
    (void)state;
    sb_tmark m[5];
    for (int i = 0; i < 5; i++)
        m[i] = (sb_tmark){(int64_t)i * 10 * S, "n1"};
    json_t *w = checker_time_windows(m, 5, S, 2);
    assert_int_equal(json_array_size(w), 2);
    assert_int_equal(wi(json_array_get(w, 1), "count"), 4);
    assert_true(json_is_true(json_object_get(json_array_get(w, 1), "more_windows")));
    json_decref(w);
}

static void no_marks_no_windows(void **state)
{
    (void)state;
    sb_tmarks v = {0};
    json_t *w = checker_time_windows(v.m, v.n, S, 10);
    assert_int_equal(json_array_size(w), 0);
    json_decref(w);
    assert_int_equal(sb_tmarks_add(&v, 1, "n1"), 0);
    assert_int_equal(v.n, 1);
    sb_tmarks_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marks_group_by_node_and_gap),
        cmocka_unit_test(past_the_cap_the_rest_count_into_the_last),
        cmocka_unit_test(no_marks_no_windows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
