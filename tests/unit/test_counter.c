/* test_counter.c -- the counter checker on hand-written histories: reads
 * within bounds, stale and impossible reads, lost increments in the final
 * read, info increments never counted lost, failed ones never counted, and
 * every out-of-bounds read (the final one too) counted in bad_reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

/* Lines "process type f value"; process -2 is the controller. */
static sb_history *hist(const char *const *lines)
{
    return fx_lines(lines, 1);
}

static sb_check_result check(const char *const *lines)
{
    sb_history *h = hist(lines);
    sb_check_result r = fx_check("counter", h);
    history_free(h);
    return r;
}

static void reads_within_bounds_are_valid(void **state)
{
    (void)state;
    const char *l[] = {
        "0 invoke incr 1",     "0 ok incr 1",        "1 invoke incr 1",
        "2 invoke read null",  "2 ok read 2", /* the concurrent incr may have happened */
        "1 ok incr 2",         "2 invoke read null", "2 ok read 2",
        "-2 invoke read null", "-2 ok read 2",       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "bad_reads"), 0);
    assert_int_equal(fx_fig(&r, "lost"), 0);
    check_result_free(&r);
}

static void stale_and_impossible_reads_are_caught(void **state)
{
    (void)state;
    const char *stale[] = {"0 invoke incr 1",     "0 ok incr 1",        "0 invoke incr 1",
                           "0 ok incr 2",         "2 invoke read null", "2 ok read 1",
                           "-2 invoke read null", "-2 ok read 2",       NULL};
    sb_check_result r = check(stale);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    check_result_free(&r);
    const char *too_high[] = {"0 invoke incr 1",
                              "0 ok incr 1",
                              "2 invoke read null",
                              "2 ok read 3",
                              "-2 invoke read null",
                              "-2 ok read 1",
                              NULL};
    r = check(too_high);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    check_result_free(&r);
}

static void lost_increments_show_in_the_final_read(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr 1",     "0 ok incr 1",     "0 invoke incr 1",
                       "0 ok incr 2",         "0 invoke incr 1", "0 ok incr 3",
                       "-2 invoke read null", "-2 ok read 1",    NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "lost"), 2);
    check_result_free(&r);
}

static void info_and_fail_increments(void **state)
{
    (void)state;
    /* An info increment may or may not be applied: 1 or 2 are both fine. */
    const char *a[] = {
        "0 invoke incr 1", "0 ok incr 1", "1 invoke incr 1", "1 info incr 1", "-2 invoke read null",
        "-2 ok read 2",    NULL};
    sb_check_result r = check(a);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "unacknowledged_applied"), 1);
    check_result_free(&r);
    const char *b[] = {
        "0 invoke incr 1", "0 ok incr 1", "1 invoke incr 1", "1 info incr 1", "-2 invoke read null",
        "-2 ok read 1",    NULL};
    r = check(b);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    check_result_free(&r);
    /* A failed increment cannot explain a higher value. */
    const char *c[] = {
        "0 invoke incr 1", "0 ok incr 1", "1 invoke incr 1", "1 fail incr 1", "-2 invoke read null",
        "-2 ok read 2",    NULL};
    r = check(c);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    check_result_free(&r);
}

static void no_final_read_is_unknown(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr 1", "0 ok incr 1", NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    check_result_free(&r);
}

/* Keyed counters (a cluster): each key is judged alone. Key "a" is fine;
 * key "b" lost an acknowledged increment. Taken together the totals would
 * hide it (final 3 = acknowledged 3), which is why keys are not pooled. */
static void keyed_counters_are_judged_per_key(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr {\"k\":\"a\",\"v\":1}",
                       "0 ok incr {\"k\":\"a\",\"v\":1}",
                       "1 invoke incr {\"k\":\"b\",\"v\":1}",
                       "1 ok incr {\"k\":\"b\",\"v\":1}",
                       "1 invoke incr {\"k\":\"b\",\"v\":1}",
                       "1 ok incr {\"k\":\"b\",\"v\":2}",
                       "0 invoke incr {\"k\":\"a\",\"v\":1}",
                       "0 info incr {\"k\":\"a\",\"v\":1}",
                       "2 invoke read {\"k\":\"a\",\"v\":null}",
                       "2 ok read {\"k\":\"a\",\"v\":2}",
                       "-2 invoke read null",
                       "-2 ok read {\"a\":2,\"b\":1}",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "acknowledged"), 3);
    assert_int_equal(fx_fig(&r, "lost"), 1);
    assert_int_equal(fx_fig(&r, "unacknowledged_applied"), 1);
    /* One worker read and the final read of each key; b's is short. */
    assert_int_equal(fx_fig(&r, "reads"), 3);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    json_t *keys = json_object_get(r.figures, "keys");
    assert_string_equal(json_string_value(json_object_get(json_object_get(keys, "a"), "verdict")),
                        "valid");
    assert_string_equal(json_string_value(json_object_get(json_object_get(keys, "b"), "verdict")),
                        "invalid");
    check_result_free(&r);
    /* A key missing from the final read was not read: unknown, not lost. */
    const char *m[] = {"0 invoke incr {\"k\":\"a\",\"v\":1}", "0 ok incr {\"k\":\"a\",\"v\":1}",
                       "-2 invoke read null", "-2 ok read {}", NULL};
    r = check(m);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(fx_fig(&r, "lost"), 0);
    check_result_free(&r);
}

/* The final read is a read: one above every attempted increment (info ones
 * included) is a bad read, and the summary counts it among the reads. */
static void final_read_above_every_attempt_is_a_bad_read(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr 1",     "0 ok incr 1",        "1 invoke incr 1",
                       "1 info incr 1",       "2 invoke read null", "2 ok read 2",
                       "-2 invoke read null", "-2 ok read 3",       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "attempted"), 2);
    assert_int_equal(fx_fig(&r, "indeterminate"), 1);
    assert_int_equal(fx_fig(&r, "reads"), 2);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    assert_int_equal(fx_fig(&r, "lost"), 0);
    json_t *bad = json_array_get(json_object_get(r.figures, "bad"), 0);
    assert_true(json_is_true(json_object_get(bad, "final")));
    assert_int_equal(json_integer_value(json_object_get(bad, "max")), 2);
    assert_non_null(strstr(r.summary, "1 of 2 reads out of bounds"));
    check_result_free(&r);
}

/* A worker read above the attempted total, with an info increment still
 * in flight: the info one counts in the bound, the read is still too high. */
static void read_above_attempts_with_an_info_increment_is_a_bad_read(void **state)
{
    (void)state;
    /* The first read (2) may see the info increment; nothing explains the
     * second (3). */
    const char *l[] = {"0 invoke incr 1",
                       "0 ok incr 1",
                       "1 invoke incr 1",
                       "2 invoke read null",
                       "2 ok read 2",
                       "2 invoke read null",
                       "2 ok read 3",
                       "1 info incr 1",
                       "-2 invoke read null",
                       "-2 ok read 2",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "reads"), 3);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    assert_int_equal(fx_fig(&r, "unacknowledged_applied"), 1);
    json_t *bad = json_array_get(json_object_get(r.figures, "bad"), 0);
    assert_int_equal(json_integer_value(json_object_get(bad, "value")), 3);
    assert_null(json_object_get(bad, "final"));
    assert_non_null(strstr(r.summary, "1 of 3 reads out of bounds"));
    check_result_free(&r);
}

/* A final read below the acknowledged total is out of bounds too; its
 * shortfall is what was lost. */
static void final_read_below_acknowledged_is_a_bad_read_and_lost(void **state)
{
    (void)state;
    const char *l[] = {
        "0 invoke incr 1", "0 ok incr 1", "0 invoke incr 1", "0 ok incr 2", "-2 invoke read null",
        "-2 ok read 1",    NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "lost"), 1);
    assert_int_equal(fx_fig(&r, "reads"), 1);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    assert_non_null(strstr(r.summary, "1 of 1 reads out of bounds"));
    check_result_free(&r);
}

/* Keyed: a key whose final read is above its own attempts is a bad read of
 * that key, even when the totals over all keys would hide it (a's 2 fits
 * under the 3 attempted in all). */
static void keyed_read_above_its_keys_attempts_is_a_bad_read(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr {\"k\":\"a\",\"v\":1}",
                       "0 ok incr {\"k\":\"a\",\"v\":1}",
                       "1 invoke incr {\"k\":\"b\",\"v\":1}",
                       "1 ok incr {\"k\":\"b\",\"v\":1}",
                       "1 invoke incr {\"k\":\"b\",\"v\":1}",
                       "1 info incr {\"k\":\"b\",\"v\":1}",
                       "2 invoke read {\"k\":\"b\",\"v\":null}",
                       "2 ok read {\"k\":\"b\",\"v\":2}",
                       "-2 invoke read null",
                       "-2 ok read {\"a\":2,\"b\":2}",
                       NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "attempted"), 3);
    assert_int_equal(fx_fig(&r, "reads"), 3);
    assert_int_equal(fx_fig(&r, "bad_reads"), 1);
    json_t *keys = json_object_get(r.figures, "keys");
    json_t *a = json_object_get(keys, "a"), *b = json_object_get(keys, "b");
    assert_int_equal(json_integer_value(json_object_get(a, "bad_reads")), 1);
    assert_string_equal(json_string_value(json_object_get(a, "verdict")), "invalid");
    assert_int_equal(json_integer_value(json_object_get(b, "bad_reads")), 0);
    assert_string_equal(json_string_value(json_object_get(b, "verdict")), "valid");
    json_t *bad = json_array_get(json_object_get(r.figures, "bad"), 0);
    assert_string_equal(json_string_value(json_object_get(bad, "key")), "a");
    assert_non_null(strstr(r.summary, "1 of 3 reads out of bounds"));
    check_result_free(&r);
}

/* A final value above every increment attempted: a client re-sent an
 * INCR that had been applied. The excess is reported as duplicates (a lower
 * bound), and a final value within bounds reports none. */
static void increments_applied_twice_are_duplicates(void **state)
{
    (void)state;
    const char *l[] = {"0 invoke incr 1",     "0 ok incr 1",     "1 invoke incr 1",
                       "1 info incr null",    "0 invoke incr 1", "0 ok incr 4",
                       "-2 invoke read null", "-2 ok read 5",    NULL};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "duplicates"), 2);
    assert_non_null(strstr(r.summary, "at least 2 increments applied twice"));
    check_result_free(&r);
    const char *fine[] = {"0 invoke incr 1",
                          "0 ok incr 1",
                          "1 invoke incr 1",
                          "1 info incr null",
                          "-2 invoke read null",
                          "-2 ok read 2",
                          NULL};
    r = check(fine);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "duplicates"), 0);
    assert_null(strstr(r.summary, "twice"));
    check_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(increments_applied_twice_are_duplicates),
        cmocka_unit_test(reads_within_bounds_are_valid),
        cmocka_unit_test(stale_and_impossible_reads_are_caught),
        cmocka_unit_test(lost_increments_show_in_the_final_read),
        cmocka_unit_test(info_and_fail_increments),
        cmocka_unit_test(no_final_read_is_unknown),
        cmocka_unit_test(keyed_counters_are_judged_per_key),
        cmocka_unit_test(final_read_above_every_attempt_is_a_bad_read),
        cmocka_unit_test(read_above_attempts_with_an_info_increment_is_a_bad_read),
        cmocka_unit_test(final_read_below_acknowledged_is_a_bad_read_and_lost),
        cmocka_unit_test(keyed_read_above_its_keys_attempts_is_a_bad_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
