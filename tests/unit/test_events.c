/* test_events.c -- the events checker: counts per event and per host, and
 * its verdict when nothing was logged: valid when the controller read the
 * logs (the "logs-tailed" mark), unknown when it did not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

static void add(sb_history *h, int process, const char *f, const char *node, const char *value,
                double time_s)
{
    fx_add(h, process, process == SB_PROC_NODE ? SB_OP_INFO : SB_OP_OK, f, value, node,
           (int64_t)(time_s * 1e9));
}

static sb_verdict run(sb_history *h, sb_check_result *r)
{
    char err[SB_ERR_LEN];
    assert_int_equal(checker_find("events")->check(h, r, err), 0);
    return r->verdict;
}

static void counts_per_event_and_host(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, SB_PROC_CONTROLLER, "logs-tailed", NULL, NULL, 0.0);
    add(h, SB_PROC_NODE, "+tilt", "n2",
        "{\"process\":\"sentinel\",\"detail\":\"#tilt mode entered\"}", 1.0);
    add(h, SB_PROC_NODE, "+tilt", "n3",
        "{\"process\":\"sentinel\",\"detail\":\"#tilt mode entered\"}", 1.5);
    add(h, SB_PROC_NODE, "+switch-master", "n3",
        "{\"process\":\"sentinel\",\"detail\":\"mymaster 10.77.0.10 6379 10.77.0.12 6379\"}", 2.0);
    sb_check_result r = {0};
    assert_int_equal(run(h, &r), SB_VERDICT_VALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "events")), 3);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "+tilt")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "+tilt@n2")), 1);
    json_t *n3 = json_object_get(json_object_get(r.figures, "by_host"), "n3");
    assert_string_equal(json_string_value(json_object_get(n3, "switched_to")), "10.77.0.12:6379");
    assert_int_equal(json_integer_value(json_object_get(n3, "tilts")), 1);
    check_result_free(&r);
    history_free(h);
}

/* A quiet run: the logs were read and said nothing that matters. A bound
 * such as {"+switch-master": {"max": 0}} must hold, not come out unknown. */
static void quiet_run_that_read_the_logs_is_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, SB_PROC_CONTROLLER, "logs-tailed", NULL, NULL, 0.0);
    add(h, SB_PROC_CONTROLLER, "sentinel-views", NULL, "{\"n4\":{\"master\":\"n1\",\"epoch\":0}}",
        1.0);
    sb_check_result r = {0};
    assert_true(checker_find("events")->applies(h));
    assert_int_equal(run(h, &r), SB_VERDICT_VALID);
    assert_int_equal(json_integer_value(json_object_get(r.figures, "events")), 0);
    assert_non_null(strstr(r.summary, "0 node log events"));
    check_result_free(&r);
    history_free(h);
}

/* A history whose logs were never read (an older or a foreign one). */
static void no_mark_no_events_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    add(h, SB_PROC_CONTROLLER, "sentinel-views", NULL, "{\"n4\":{\"master\":\"n1\",\"epoch\":0}}",
        1.0);
    sb_check_result r = {0};
    assert_int_equal(run(h, &r), SB_VERDICT_UNKNOWN);
    check_result_free(&r);
    history_free(h);
    h = history_new();
    add(h, 0, "add", NULL, "1", 0.5);
    assert_false(checker_find("events")->applies(h));
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_per_event_and_host),
        cmocka_unit_test(quiet_run_that_read_the_logs_is_valid),
        cmocka_unit_test(no_mark_no_events_is_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
