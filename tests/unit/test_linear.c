/* test_linear.c -- the linearizability checker on the classic small cases,
 * with info operations at the tricky places, and its budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "linear.h"
#include "util.h"

#include "hist_fixture.h"

/* A history from lines "process type f value", value as JSON. */
static sb_history *hist(const char *const *lines)
{
    return fx_lines(lines, 1);
}

static sb_linear_verdict verdict_of(const char *const *lines)
{
    sb_history *h = hist(lines);
    sb_linear_result r;
    char err[SB_ERR_LEN];
    assert_int_equal(linear_check(h, NULL, &r, err), 0);
    sb_linear_verdict v = r.verdict;
    if (v == SB_LINEAR_VIOLATION)
        assert_non_null(r.violation);
    linear_result_free(&r);
    history_free(h);
    return v;
}

static void sequential_history_is_linearizable(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke read null",
                       "0 ok read null",
                       "0 invoke write 1",
                       "0 ok write 1",
                       "1 invoke read null",
                       "1 ok read 1",
                       "1 invoke cas [1,2]",
                       "1 ok cas [1,2]",
                       "0 invoke read null",
                       "0 ok read 2",
                       NULL};
    assert_int_equal(verdict_of(l), SB_LINEAR_OK);
}

static void stale_read_after_a_completed_write_is_caught(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write 1",
                       "0 ok write 1",
                       "0 invoke write 2",
                       "0 ok write 2",
                       "1 invoke read null",
                       "1 ok read 1",
                       NULL};
    sb_history *h = hist(l);
    sb_linear_result r;
    char err[SB_ERR_LEN];
    assert_int_equal(linear_check(h, NULL, &r, err), 0);
    assert_int_equal(r.verdict, SB_LINEAR_VIOLATION);
    json_t *op = json_object_get(r.violation, "op");
    assert_string_equal(json_string_value(json_object_get(op, "f")), "read");
    assert_int_equal(json_integer_value(json_object_get(op, "process")), 1);
    json_t *vals = json_object_get(r.violation, "values_before");
    assert_int_equal(json_array_size(vals), 1);
    assert_int_equal(json_integer_value(json_array_get(vals, 0)), 2);
    linear_result_free(&r);
    history_free(h);
}

static void concurrent_writes_may_be_read_in_either_order(void **state)
{
    (void)state;
    const char *a[] = {"0 invoke write 1",
                       "1 invoke write 2",
                       "0 ok write 1",
                       "1 ok write 2",
                       "2 invoke read null",
                       "2 ok read 1",
                       NULL};
    const char *b[] = {"0 invoke write 1",
                       "1 invoke write 2",
                       "0 ok write 1",
                       "1 ok write 2",
                       "2 invoke read null",
                       "2 ok read 2",
                       NULL};
    assert_int_equal(verdict_of(a), SB_LINEAR_OK);
    assert_int_equal(verdict_of(b), SB_LINEAR_OK);
    /* ... but not both orders one after the other. */
    const char *c[] = {"0 invoke write 1",
                       "1 invoke write 2",
                       "0 ok write 1",
                       "1 ok write 2",
                       "2 invoke read null",
                       "2 ok read 1",
                       "2 invoke read null",
                       "2 ok read 2",
                       "2 invoke read null",
                       "2 ok read 1",
                       NULL};
    assert_int_equal(verdict_of(c), SB_LINEAR_VIOLATION);
}

static void read_concurrent_with_a_write_sees_either_value(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write 1",   "0 ok write 1", "0 invoke write 2",
                       "1 invoke read null", "1 ok read 1",  "2 invoke read null",
                       "2 ok read 2",        "0 ok write 2", NULL};
    assert_int_equal(verdict_of(l), SB_LINEAR_OK);
    /* Once a read saw 2, a later read cannot see 1. */
    const char *m[] = {"0 invoke write 1",   "0 ok write 1", "0 invoke write 2",
                       "2 invoke read null", "2 ok read 2",  "1 invoke read null",
                       "1 ok read 1",        "0 ok write 2", NULL};
    assert_int_equal(verdict_of(m), SB_LINEAR_VIOLATION);
}

static void cas_that_needs_an_info_write(void **state)
{
    (void)state;
    /* The cas can only succeed if the write whose outcome is unknown happened. */
    const char *l[] = {"0 invoke write 1",
                       "0 info write 1",
                       "1 invoke cas [1,2]",
                       "1 ok cas [1,2]",
                       "1 invoke read null",
                       "1 ok read 2",
                       NULL};
    assert_int_equal(verdict_of(l), SB_LINEAR_OK);
    /* Without it, the register was never 1. */
    const char *m[] = {"1 invoke cas [1,2]", "1 ok cas [1,2]", NULL};
    assert_int_equal(verdict_of(m), SB_LINEAR_VIOLATION);
    /* An info write may also never happen. */
    const char *n[] = {"0 invoke write 1",
                       "0 ok write 1",
                       "1 invoke write 2",
                       "1 info write 2",
                       "2 invoke read null",
                       "2 ok read 1",
                       NULL};
    assert_int_equal(verdict_of(n), SB_LINEAR_OK);
    /* ... and may happen late, but not before its invocation. */
    const char *o[] = {"2 invoke read null", "2 ok read 2", "1 invoke write 2", "1 info write 2",
                       NULL};
    assert_int_equal(verdict_of(o), SB_LINEAR_VIOLATION);
    /* A process that never completed its write counts as info. */
    const char *p[] = {"0 invoke write 5", "1 invoke read null", "1 ok read 5", NULL};
    assert_int_equal(verdict_of(p), SB_LINEAR_OK);
}

static void failed_operations_are_left_out(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write 2", "0 fail write 2", "1 invoke read null", "1 ok read 2",
                       NULL};
    assert_int_equal(verdict_of(l), SB_LINEAR_VIOLATION);
    /* A failed cas says nothing about the value (it may have been refused). */
    const char *m[] = {"0 invoke write 1",
                       "0 ok write 1",
                       "1 invoke cas [1,3]",
                       "1 fail cas [1,3]",
                       "1 invoke read null",
                       "1 ok read 1",
                       NULL};
    assert_int_equal(verdict_of(m), SB_LINEAR_OK);
    /* An info read constrains nothing. */
    const char *n[] = {"0 invoke write 1", "0 ok write 1", "1 invoke read null", "1 info read 7",
                       NULL};
    assert_int_equal(verdict_of(n), SB_LINEAR_OK);
}

static void keys_are_checked_independently(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write {\"k\":\"a\",\"v\":1}",
                       "0 ok write {\"k\":\"a\",\"v\":1}",
                       "1 invoke read {\"k\":\"b\",\"v\":null}",
                       "1 ok read {\"k\":\"b\",\"v\":null}",
                       "1 invoke read {\"k\":\"a\",\"v\":null}",
                       "1 ok read {\"k\":\"a\",\"v\":1}",
                       NULL};
    assert_int_equal(verdict_of(l), SB_LINEAR_OK);
    const char *m[] = {"0 invoke write {\"k\":\"a\",\"v\":1}", "0 ok write {\"k\":\"a\",\"v\":1}",
                       "1 invoke read {\"k\":\"b\",\"v\":null}", "1 ok read {\"k\":\"b\",\"v\":1}",
                       NULL};
    assert_int_equal(verdict_of(m), SB_LINEAR_VIOLATION);
}

static void out_of_budget_is_unknown_never_a_verdict(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write 1", "0 ok write 1", "1 invoke read null", "1 ok read 1",
                       NULL};
    sb_history *h = hist(l);
    sb_linear_budget b = {.mem_bytes = 1};
    sb_linear_result r;
    char err[SB_ERR_LEN];
    assert_int_equal(linear_check(h, &b, &r, err), 0);
    assert_int_equal(r.verdict, SB_LINEAR_UNKNOWN);
    assert_non_null(strstr(r.why, "memory"));
    linear_result_free(&r);
    history_free(h);
}

static void unreadable_values_are_an_error(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke write \"x\"", "0 ok write \"x\"", NULL};
    sb_history *h = hist(l);
    sb_linear_result r;
    char err[SB_ERR_LEN] = "";
    assert_int_equal(linear_check(h, NULL, &r, err), -1);
    assert_non_null(strstr(err, "needs an integer"));
    history_free(h);
}

/* The checker's verdict (as check and a run report it) and its summary. */
static sb_verdict checker_verdict(const char *const *lines, char *summary, size_t len)
{
    sb_history *h = hist(lines);
    const sb_checker *c = checker_find("linearizable");
    assert_non_null(c);
    sb_check_result r;
    memset(&r, 0, sizeof(r));
    char err[SB_ERR_LEN];
    assert_int_equal(c->check(h, &r, err), 0);
    snprintf(summary, len, "%s", r.summary);
    sb_verdict v = r.verdict;
    check_result_free(&r);
    history_free(h);
    return v;
}

/* Knossos's data/cas-register/good holds histories whose every operation
 * failed: nothing took effect, so every order is a linearization. */
static void only_failed_operations_are_valid_not_unknown(void **state)
{
    (void)state;
    char summary[512];
    const char *l[] = {"12 invoke read null", "12 fail read null", "19 invoke write 1",
                       "14 invoke read null", "14 fail read null", "19 fail write 1",
                       "7 invoke cas [4,0]",  "7 fail cas [4,0]",  NULL};
    assert_int_equal(checker_verdict(l, summary, sizeof(summary)), SB_VERDICT_VALID);
    assert_non_null(strstr(summary, "none of the 4 register operations took effect"));
    /* The same with an indeterminate write nobody read: it may never have happened. */
    const char *m[] = {"12 invoke read null", "12 fail read null", "19 invoke write 1",
                       "19 info write 1", NULL};
    assert_int_equal(checker_verdict(m, summary, sizeof(summary)), SB_VERDICT_VALID);
    /* Nemesis operations only (Knossos: good) are valid too. */
    const char *n[] = {"-1 info isolate null", "-1 info kill null", NULL};
    assert_int_equal(checker_verdict(n, summary, sizeof(summary)), SB_VERDICT_VALID);
    assert_non_null(strstr(summary, "only nemesis operations"));
    /* But client operations the checker does not read are no register
     * history at all: unknown, not a verdict. */
    const char *o[] = {"0 invoke add 1", "0 ok add 1", NULL};
    assert_int_equal(checker_verdict(o, summary, sizeof(summary)), SB_VERDICT_UNKNOWN);
    assert_non_null(strstr(summary, "no register operations"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sequential_history_is_linearizable),
        cmocka_unit_test(stale_read_after_a_completed_write_is_caught),
        cmocka_unit_test(concurrent_writes_may_be_read_in_either_order),
        cmocka_unit_test(read_concurrent_with_a_write_sees_either_value),
        cmocka_unit_test(cas_that_needs_an_info_write),
        cmocka_unit_test(failed_operations_are_left_out),
        cmocka_unit_test(keys_are_checked_independently),
        cmocka_unit_test(out_of_budget_is_unknown_never_a_verdict),
        cmocka_unit_test(unreadable_values_are_an_error),
        cmocka_unit_test(only_failed_operations_are_valid_not_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
