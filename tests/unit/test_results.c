/* test_results.c -- expects are held against checker results, and the JUnit
 * and JSON reports carry verdicts readably and well-formed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "results.h"
#include "util.h"

static sb_check_result result(sb_verdict v, double lost)
{
    sb_check_result r = {.verdict = v};
    snprintf(r.checker, sizeof(r.checker), "set");
    snprintf(r.summary, sizeof(r.summary), "lost <%g> & \"more\"", lost);
    r.figures = json_pack("{s:f,s:i}", "lost_count", lost, "acknowledged", 10);
    return r;
}

static void expects_match_verdicts_and_bounds(void **state)
{
    (void)state;
    char why[512];
    sb_check_result invalid = result(SB_VERDICT_INVALID, 3);
    sb_expect want_valid = {.valid = SB_VALID_TRUE};
    assert_false(results_expect_met(&want_valid, &invalid, why, sizeof(why)));
    assert_non_null(strstr(why, "verdict invalid, expected valid"));
    assert_true(results_expect_met(NULL, &(sb_check_result){.verdict = SB_VERDICT_VALID}, why,
                                   sizeof(why)));

    sb_bound lost_min = {.figure = "lost_count", .has_min = 1, .min = 1};
    sb_expect want_loss = {.valid = SB_VALID_FALSE, .bounds = &lost_min, .n_bounds = 1};
    assert_true(results_expect_met(&want_loss, &invalid, why, sizeof(why)));
    sb_bound lost_max = {.figure = "lost_count", .has_max = 1, .max = 2};
    sb_expect any_small = {.valid = SB_VALID_ANY, .bounds = &lost_max, .n_bounds = 1};
    assert_false(results_expect_met(&any_small, &invalid, why, sizeof(why)));
    assert_string_equal(why, "lost_count = 3, expected <= 2");
    sb_bound missing = {.figure = "nope", .has_min = 1};
    sb_expect want_missing = {.valid = SB_VALID_ANY, .bounds = &missing, .n_bounds = 1};
    assert_false(results_expect_met(&want_missing, &invalid, why, sizeof(why)));
    assert_non_null(strstr(why, "figure nope was not reported"));
    check_result_free(&invalid);
}

static void reports_are_well_formed(void **state)
{
    (void)state;
    sb_run_result r;
    memset(&r, 0, sizeof(r));
    snprintf(r.name, sizeof(r.name), "case<2>");
    r.checks = calloc(1, sizeof(sb_check_result));
    r.outcomes = calloc(1, sizeof(sb_expect_outcome));
    r.checks[0] = result(SB_VERDICT_INVALID, 3);
    r.n_checks = 1;
    snprintf(r.outcomes[0].reason, sizeof(r.outcomes[0].reason), "verdict invalid & \"bad\"");
    r.faults = json_array();
    char xml[128], js[128], err[SB_ERR_LEN];
    snprintf(xml, sizeof(xml), "/tmp/sb-junit-%d.xml", (int)getpid());
    snprintf(js, sizeof(js), "/tmp/sb-results-%d.json", (int)getpid());
    assert_int_equal(report_junit(&r, 1, xml, err), 0);
    char *text = sb_read_file(xml, NULL, err);
    assert_non_null(strstr(text, "<testsuite name=\"case&lt;2&gt;\" tests=\"1\" failures=\"1\""));
    assert_non_null(strstr(text, "<failure type=\"expect\" message=\"verdict invalid &amp; "
                                 "&quot;bad&quot;\">"));
    assert_null(strstr(text, "lost <3>"));
    free(text);
    /* python3 is part of the test set-up: let a real XML parser judge it */
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' %s", xml);
    assert_int_equal(system(cmd), 0);

    assert_int_equal(report_results_json(&r, js, err), 0);
    json_t *j = json_load_file(js, 0, NULL);
    assert_non_null(j);
    assert_false(json_is_true(json_object_get(j, "passed")));
    json_t *set = json_object_get(json_object_get(j, "checkers"), "set");
    assert_string_equal(json_string_value(json_object_get(set, "verdict")), "invalid");
    assert_false(json_is_true(json_object_get(json_object_get(set, "expect"), "met")));
    json_decref(j);
    unlink(xml);
    unlink(js);
    results_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expects_match_verdicts_and_bounds),
        cmocka_unit_test(reports_are_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
