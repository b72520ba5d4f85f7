/* test_results.c -- expects are held against checker results and name what
 * missed, and the JUnit and JSON reports carry verdicts readably and
 * well-formed: JUnit as CI shows it (one testcase per checker with its own
 * time, a one-line failure message, a short body, the run's properties). */
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

#include "hist_fixture.h"

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
    assert_string_equal(why, "expected valid, got invalid (lost <3> & \"more\")");
    assert_true(results_expect_met(NULL, &(sb_check_result){.verdict = SB_VERDICT_VALID}, why,
                                   sizeof(why)));

    sb_bound lost_min = {.figure = "lost_count", .has_min = 1, .min = 1};
    sb_expect want_loss = {.valid = SB_VALID_FALSE, .bounds = &lost_min, .n_bounds = 1};
    assert_true(results_expect_met(&want_loss, &invalid, why, sizeof(why)));
    sb_bound lost_max = {.figure = "lost_count", .has_max = 1, .max = 2};
    sb_expect any_small = {.valid = SB_VALID_ANY, .bounds = &lost_max, .n_bounds = 1};
    assert_false(results_expect_met(&any_small, &invalid, why, sizeof(why)));
    assert_string_equal(why, "lost_count 3 > max 2");
    sb_bound missing = {.figure = "nope", .has_min = 1};
    sb_expect want_missing = {.valid = SB_VALID_ANY, .bounds = &missing, .n_bounds = 1};
    assert_false(results_expect_met(&want_missing, &invalid, why, sizeof(why)));
    assert_string_equal(why, "nope not reported");
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
    assert_non_null(strstr(text, "<failure type=\"expectation\" message=\"set: verdict invalid "
                                 "&amp; &quot;bad&quot;\">"));
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

static void several_missed_bounds_are_named_with_value_bound_and_direction(void **state)
{
    (void)state;
    char why[512];
    sb_check_result r = {.verdict = SB_VERDICT_INVALID};
    snprintf(r.checker, sizeof(r.checker), "set");
    snprintf(r.summary, sizeof(r.summary), "lost 14953 of 20000 acknowledged writes; 3 more");
    r.figures = json_pack("{s:i,s:f}", "lost_count", 14953, "lost_fraction", 0.747651);
    sb_bound b[3] = {{.figure = "lost_fraction", .has_max = 1, .max = 0.01},
                     {.figure = "lost_count", .has_min = 1, .min = 20000},
                     {.figure = "unexpected_count", .has_max = 1, .max = 0}};
    sb_expect e = {.valid = SB_VALID_TRUE, .bounds = b, .n_bounds = 3};
    assert_false(results_expect_met(&e, &r, why, sizeof(why)));
    assert_string_equal(why, "expected valid, got invalid (lost 14953 of 20000 acknowledged "
                             "writes); lost_fraction 0.7477 > max 0.01; lost_count 14953 < min "
                             "20000; unexpected_count not reported");
    /* a value that four digits would show equal to its bound gets more */
    json_object_set_new(r.figures, "lost_fraction", json_real(0.0100001));
    sb_expect one = {.valid = SB_VALID_ANY, .bounds = b, .n_bounds = 1};
    assert_false(results_expect_met(&one, &r, why, sizeof(why)));
    assert_string_equal(why, "lost_fraction 0.0100001 > max 0.01");
    check_result_free(&r);
}

/* ====== JUnit for CI ====== */

/* A checker's result of the given time, with an outcome from expect e. */
static void add_check(sb_run_result *r, const char *checker, sb_verdict v, const char *summary,
                      json_t *figures, int64_t check_ms, const sb_expect *e)
{
    size_t i = r->n_checks++;
    r->checks = realloc(r->checks, r->n_checks * sizeof(*r->checks));
    r->outcomes = realloc(r->outcomes, r->n_checks * sizeof(*r->outcomes));
    sb_check_result *c = &r->checks[i];
    memset(c, 0, sizeof(*c));
    snprintf(c->checker, sizeof(c->checker), "%s", checker);
    snprintf(c->summary, sizeof(c->summary), "%s", summary);
    c->verdict = v;
    c->figures = figures;
    c->check_ns = check_ms * SB_NS_PER_MS;
    r->outcomes[i].met =
        results_expect_met(e, c, r->outcomes[i].reason, sizeof(r->outcomes[i].reason));
    if (!r->outcomes[i].met)
        r->passed = 0;
}

static void run_init(sb_run_result *r, const char *name, uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->meta.seed = seed;
    r->meta.started_wall_ns = 1700000000LL * SB_NS_PER_S;
    snprintf(r->meta.run_id, sizeof(r->meta.run_id), "id%llu", (unsigned long long)seed);
    snprintf(r->meta.run_dir, sizeof(r->meta.run_dir), "/tmp/runs/%s-%llu", name,
             (unsigned long long)seed);
    snprintf(r->meta.scenario, sizeof(r->meta.scenario), "scenarios/ci/%s.json", name);
    snprintf(r->meta.command, sizeof(r->meta.command),
             "splitbrain run scenarios/ci/%s.json --seed %llu", name, (unsigned long long)seed);
    r->duration_ns = 8 * SB_NS_PER_S;
    r->faults = json_array();
    r->passed = 1;
}

/* Set figures as a Case II run has them: 1000 listed lost writes and 40
 * windows, far more than a failure body may show. */
static json_t *big_set_figures(void)
{
    json_t *lost = json_array(), *windows = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(lost, json_integer(5000 + i));
    for (int i = 0; i < 40; i++)
        json_array_append_new(windows, json_pack("{s:I,s:I,s:s,s:i}", "start",
                                                 (json_int_t)(5 + i) * SB_NS_PER_S, "end",
                                                 (json_int_t)(5 + i) * SB_NS_PER_S + 900000000,
                                                 "node", "n1", "count", 370));
    return json_pack("{s:i,s:i,s:f,s:o,s:o,s:o,s:i}", "acknowledged", 20000, "lost_count", 14953,
                     "lost_fraction", 0.747651, "lost", lost, "lost_windows", windows, "unexpected",
                     json_array(), "unexpected_count", 0);
}

/* The text of the n-th element named tag (0-based), up to its end tag;
 * NULL when there is none. Caller frees. */
static char *element_text(const char *xml, const char *tag, int n)
{
    char open[64], close[64];
    snprintf(open, sizeof(open), "<%s ", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    const char *p = xml;
    for (int i = 0; p && i <= n; i++)
        if ((p = strstr(p, open)))
            p += strlen(open);
    if (!p || !(p = strchr(p, '>')))
        return NULL;
    const char *end = strstr(++p, close);
    return end ? strndup(p, (size_t)(end - p)) : NULL;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void junit_names_the_missed_bound_and_times_each_checker(void **state)
{
    (void)state;
    sb_run_result runs[4];
    char err[SB_ERR_LEN];

    /* 1: passes, two checkers of different times */
    run_init(&runs[0], "sentinel-healthy", 1);
    add_check(&runs[0], "set", SB_VERDICT_VALID, "lost 0 of 4000 acknowledged writes (0.0%)",
              json_pack("{s:i,s:f}", "lost_count", 0, "lost_fraction", 0.0), 12, NULL);
    add_check(&runs[0], "convergence", SB_VERDICT_VALID, "n1 -> n1, converged 0.1s after start",
              json_pack("{s:i}", "master_changed", 0), 250, NULL);

    /* 2: the verdict is as wanted, a bound is missed */
    run_init(&runs[1], "case2", 2);
    sb_bound frac = {.figure = "lost_fraction", .has_max = 1, .max = 0.01};
    sb_expect few = {.valid = SB_VALID_ANY, .bounds = &frac, .n_bounds = 1};
    add_check(&runs[1], "set", SB_VERDICT_INVALID,
              "lost 14953 of 20000 acknowledged writes (74.8%), first acknowledged by n1 at 5.0s",
              big_set_figures(), 1234, &few);

    /* 3: the verdict is wrong */
    run_init(&runs[2], "case2-valid", 3);
    add_check(&runs[2], "set", SB_VERDICT_INVALID,
              "lost 14953 of 20000 acknowledged writes (74.8%); 3 indeterminate", big_set_figures(),
              77, NULL);

    /* 4: could not run */
    run_init(&runs[3], "broken", 4);
    snprintf(runs[3].error, sizeof(runs[3].error),
             "deploy: redis-server on n1 exited <1>\nat start");
    runs[3].passed = 0;
    runs[3].duration_ns = 0;

    char xml[128];
    snprintf(xml, sizeof(xml), "/tmp/sb-junit-ci-%d.xml", (int)getpid());
    assert_int_equal(report_junit(runs, 4, xml, err), 0);
    char *text = sb_read_file(xml, NULL, err);
    assert_non_null(text);

    /* totals, one suite per run */
    assert_non_null(strstr(text, "<testsuites name=\"splitbrain\" tests=\"5\" failures=\"2\" "
                                 "errors=\"1\" skipped=\"0\" time=\""));
    assert_non_null(strstr(text, "<testsuite name=\"sentinel-healthy\" tests=\"2\" failures=\"0\" "
                                 "errors=\"0\" skipped=\"0\" time=\"8.262\" "
                                 "timestamp=\"2023-11-14T22:13:20\""));
    /* each checker its own time */
    assert_non_null(strstr(text, "<testcase name=\"set\" classname=\"splitbrain.sentinel-healthy\" "
                                 "time=\"0.012\">"));
    assert_non_null(strstr(text, "<testcase name=\"convergence\" "
                                 "classname=\"splitbrain.sentinel-healthy\" time=\"0.250\">"));
    assert_non_null(strstr(text, "classname=\"splitbrain.case2\" time=\"1.234\">"));
    /* properties */
    assert_non_null(
        strstr(text, "<property name=\"scenario\" value=\"scenarios/ci/case2.json\"/>"));
    assert_non_null(strstr(text, "<property name=\"seed\" value=\"2\"/>"));
    assert_non_null(strstr(text, "<property name=\"run_id\" value=\"id2\"/>"));
    assert_non_null(strstr(text, "<property name=\"run_dir\" value=\"/tmp/runs/case2-2\"/>"));
    assert_non_null(strstr(text, "<property name=\"rerun\" "
                                 "value=\"splitbrain run scenarios/ci/case2.json --seed 2\"/>"));

    /* the missed bound: its name, value, bound and direction, one line */
    assert_non_null(strstr(text, "<failure type=\"expectation\" "
                                 "message=\"set: lost_fraction 0.7477 &gt; max 0.01\">"));
    /* the wrong verdict */
    assert_non_null(strstr(text, "<failure type=\"expectation\" message=\"set: expected valid, got "
                                 "invalid (lost 14953 of 20000 acknowledged writes (74.8%))\">"));
    /* bodies: the verdict line, the first anomalies, at most 20 lines,
     * then where the report is; never the figures dump */
    for (int k = 0; k < 2; k++) {
        char *body = element_text(text, "failure", k);
        assert_non_null(body);
        int lines = count_lines(body);
        assert_true(lines >= 3);
        assert_true(lines <= SB_JUNIT_BODY_LINES + 1);
        const char *last = body + strlen(body) - 1;
        while (last > body && last[-1] != '\n')
            last--;
        assert_string_equal(last, k ? "report: /tmp/runs/case2-valid-3/report.html\n"
                                    : "report: /tmp/runs/case2-2/report.html\n");
        const char *verdict_line = "  set          invalid  lost 14953 of 20000";
        assert_true(strncmp(body, verdict_line, strlen(verdict_line)) == 0);
        assert_non_null(strstr(body, "lost_windows (40 listed):"));
        assert_non_null(strstr(body, "lost (1000 listed): 5000, 5001, 5002"));
        assert_null(strstr(body, "5999"));
        assert_null(strstr(body, "unexpected")); /* empty lists are not anomalies */
        assert_true(strlen(body) < 2000);
        free(body);
    }

    /* the run that could not run: one <error> testcase, message on one line */
    assert_non_null(
        strstr(text, "<testsuite name=\"broken\" tests=\"1\" failures=\"0\" errors=\"1\""));
    assert_non_null(strstr(text,
                           "<error type=\"harness\" "
                           "message=\"deploy: redis-server on n1 exited &lt;1&gt; at start\">"));
    /* the suite's summary, as summary.txt has it */
    assert_non_null(
        strstr(text, "<system-out>case2  run id2  seed 2  8.0s  FAIL (expectations missed)"));
    free(text);

    /* well-formed for a real parser, and valid for the schema CI is held to */
    char cmd[4600];
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys,xml.etree.ElementTree as E; E.parse(sys.argv[1])' %s", xml);
    assert_int_equal(system(cmd), 0);
    const char *src = getenv("SB_SOURCE_DIR");
    if (src && system("command -v xmllint >/dev/null") == 0) {
        snprintf(cmd, sizeof(cmd), "xmllint --noout --schema %s/tests/data/junit.xsd %s 2>&1", src,
                 xml);
        assert_int_equal(system(cmd), 0);
    }
    unlink(xml);
    for (int i = 0; i < 4; i++)
        results_free(&runs[i]);
}

static void junit_body_is_bounded_however_many_kinds_of_anomaly(void **state)
{
    (void)state;
    /* list-append and stale report anomalies per kind, lock as examples */
    json_t *anomalies = json_object(), *examples = json_object();
    const char *kinds[] = {"G0", "G1a", "G1b", "G1c", "G-single", "G2", "lost-append", "dup"};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        json_t *list = json_array();
        for (int i = 0; i < 5; i++)
            json_array_append_new(list, json_pack("{s:s,s:i}", "key", "k1", "index", i));
        json_object_set_new(anomalies, kinds[k], list);
    }
    json_object_set_new(examples, "stalest", json_pack("{s:s,s:i}", "key", "x", "got", 3));
    sb_run_result r;
    run_init(&r, "txn", 9);
    add_check(&r, "list-append", SB_VERDICT_INVALID, "5 G0, 5 G1a; 3 txns",
              json_pack("{s:o,s:o}", "anomalies", anomalies, "examples", examples), 5, NULL);
    char xml[128], err[SB_ERR_LEN];
    snprintf(xml, sizeof(xml), "/tmp/sb-junit-kinds-%d.xml", (int)getpid());
    assert_int_equal(report_junit(&r, 1, xml, err), 0);
    char *text = sb_read_file(xml, NULL, err);
    char *body = element_text(text, "failure", 0);
    assert_non_null(body);
    assert_int_equal(count_lines(body), SB_JUNIT_BODY_LINES + 1);
    assert_non_null(strstr(body, "anomalies.G0 (5 listed):\n    {&quot;key&quot;:&quot;k1&quot;,"
                                 "&quot;index&quot;:0}\n"));
    assert_non_null(strstr(body, "  ... more in results.json and report.html\nreport: "));
    free(body);
    free(text);
    unlink(xml);
    results_free(&r);
}

/* ====== Families side by side ====== */

/* A write family's row: the lost share, duplicates, where the writes moved
 * and how long after the failover; a lock family's row: its own columns;
 * the text table prints each family with its kind's header. Then the
 * failover as results_compute dates it from the node events: the first
 * +switch-master, else the first promotion. */
static void family_rows_give_each_kind_its_columns(void **state)
{
    (void)state;
    static const sb_expect any = {.valid = SB_VALID_ANY};
    sb_run_result runs[3];
    run_init(&runs[0], "case2-a", 1);
    snprintf(runs[0].family, sizeof(runs[0].family), "f");
    snprintf(runs[0].setting, sizeof(runs[0].setting), "ioredis");
    add_check(&runs[0], "set", SB_VERDICT_INVALID, "",
              json_pack("{s:i,s:i,s:i,s:i,s:s,s:f}", "acknowledged", 200, "lost_count", 50,
                        "indeterminate", 3, "duplicates", 2, "moved_to", "n3", "moved_at_s", 13.25),
              1, &any);
    runs[0].failover_ns = 8500 * SB_NS_PER_MS;
    run_init(&runs[1], "case2-b", 1);
    snprintf(runs[1].family, sizeof(runs[1].family), "f");
    add_check(&runs[1], "set", SB_VERDICT_VALID, "",
              json_pack("{s:i,s:i,s:n}", "acknowledged", 10, "lost_count", 0, "moved_to"), 1, &any);
    run_init(&runs[2], "lock-a", 1);
    snprintf(runs[2].family, sizeof(runs[2].family), "g");
    add_check(&runs[2], "lock", SB_VERDICT_INVALID, "",
              json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "attempts", 9, "acquired", 6, "overlaps", 2,
                        "fence_violations", 1, "info", 0, "expired_while_held", 3),
              1, &any);

    sb_family_row w;
    results_family_row(&runs[0], &w);
    assert_false(w.lock);
    assert_string_equal(w.setting, "ioredis");
    const char *want0[] = {"200", "50", "25.0%", "3", "2", "n3 (13.2 s)", "+4.8 s", "-"};
    for (size_t k = 0; k < SB_FAMILY_CELLS; k++)
        assert_string_equal(w.cell[k], want0[k]);
    results_family_row(&runs[1], &w);
    assert_string_equal(w.setting, "case2-b"); /* no setting: the name */
    assert_string_equal(w.cell[5], "never");
    assert_string_equal(w.cell[6], "-");
    results_family_row(&runs[2], &w);
    assert_true(w.lock);
    const char *want2[] = {"9", "6", "2", "1", "0", "3"};
    for (size_t k = 0; k < 6; k++)
        assert_string_equal(w.cell[k], want2[k]);
    assert_null(results_family_column(1, 0, 6));
    assert_string_equal(results_family_column(1, 1, 2), "overlapping holds");

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    /* g has one member: no table for it */
    assert_int_equal(report_family_table(runs, 3, out), 1);
    fclose(out);
    assert_non_null(strstr(text, "family f: what each setting loses\n"));
    assert_non_null(strstr(text, " dups "));
    assert_non_null(strstr(text, " follows "));
    assert_non_null(strstr(text, "+4.8 s"));
    assert_null(strstr(text, "family g"));
    free(text);
    text = NULL;
    out = open_memstream(&text, &len);
    results_free(&runs[1]);
    runs[1] = runs[2]; /* two lock runs in g (runs[2] is freed once, below) */
    snprintf(runs[1].family, sizeof(runs[1].family), "g");
    assert_int_equal(report_family_table(runs + 1, 2, out), 1);
    fclose(out);
    assert_non_null(strstr(text, "family g: what each setting does\n"));
    assert_non_null(strstr(text, "overlaps"));
    free(text);
    results_free(&runs[0]);
    results_free(&runs[2]);

    const char *const names[] = {"set"};
    char err[SB_ERR_LEN];
    for (int with_switch = 0; with_switch < 2; with_switch++) {
        sb_history *h = history_new();
        fx_add(h, SB_PROC_NODE, SB_OP_INFO, "+odown", NULL, "n2", 7 * SB_NS_PER_S);
        fx_add(h, SB_PROC_NODE, SB_OP_INFO, "role-master", NULL, "n3", 8 * SB_NS_PER_S);
        if (with_switch)
            fx_add(h, SB_PROC_NODE, SB_OP_INFO, "+switch-master", NULL, "n2", 9 * SB_NS_PER_S);
        fx_add(h, 0, SB_OP_INVOKE, "add", "1", NULL, 10 * SB_NS_PER_S);
        fx_add(h, 0, SB_OP_OK, "add", "1", "n3", 10 * SB_NS_PER_S);
        sb_run_meta meta = {0};
        sb_run_result r;
        assert_int_equal(results_compute(NULL, names, 1, h, &meta, &r, err), 0);
        assert_true(r.failover_ns == (with_switch ? 9 : 8) * SB_NS_PER_S);
        results_free(&r);
        history_free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expects_match_verdicts_and_bounds),
        cmocka_unit_test(reports_are_well_formed),
        cmocka_unit_test(several_missed_bounds_are_named_with_value_bound_and_direction),
        cmocka_unit_test(junit_names_the_missed_bound_and_times_each_checker),
        cmocka_unit_test(junit_body_is_bounded_however_many_kinds_of_anomaly),
        cmocka_unit_test(family_rows_give_each_kind_its_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
