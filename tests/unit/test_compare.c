/* test_compare.c -- `splitbrain compare` lines two results up and holds B to
 * the bounds (each direction, absolute, verdicts, figures B lacks, noise of
 * doubles), refuses bounds on figures neither run has, reads run folders;
 * and the colour decision follows --color and NO_COLOR. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compare.h"
#include "results.h"
#include "util.h"

/* A: the baseline; B: more lost, less available, split-brain now invalid,
 * convergence gone, perf new. */
static const char *run_a =
    "{\"name\": \"case2\", \"run_id\": \"aaaaaa\", \"seed\": 7, \"passed\": true, \"error\": null,"
    " \"checkers\": {"
    "  \"set\": {\"verdict\": \"invalid\", \"figures\": {\"acknowledged\": 1000,"
    "     \"lost_count\": 10, \"lost_fraction\": 0.75, \"lost\": [1, 2]}},"
    "  \"split-brain\": {\"verdict\": \"valid\", \"figures\": {\"windows\": 0}},"
    "  \"convergence\": {\"verdict\": \"valid\", \"figures\": {\"converge_seconds\": 2.5}},"
    "  \"events\": {\"verdict\": \"valid\", \"figures\": {\"+sdown\": 3, \"+sdown@n1\": 1}}}}";
static const char *run_b =
    "{\"name\": \"case2\", \"run_id\": \"bbbbbb\", \"seed\": 8, \"passed\": false, \"error\": null,"
    " \"checkers\": {"
    "  \"set\": {\"verdict\": \"invalid\", \"figures\": {\"acknowledged\": 900,"
    "     \"lost_count\": 30, \"lost_fraction\": 0.76}},"
    "  \"split-brain\": {\"verdict\": \"invalid\", \"figures\": {\"windows\": 1}},"
    "  \"events\": {\"verdict\": \"valid\", \"figures\": {\"+sdown\": 4}},"
    "  \"perf\": {\"verdict\": \"valid\", \"figures\": {\"availability_in_faults\": 0.4}}}}";

static json_t *doc(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    assert_non_null(j);
    return j;
}

static sb_gate gate(sb_gate_kind kind, const char *value)
{
    sb_gate g;
    char err[SB_ERR_LEN];
    assert_int_equal(compare_gate_parse(kind, value, &g, err), 0);
    return g;
}

/* Compares run_a with run_b under gates; returns the comparison. */
static sb_compare *compare(const sb_gate *gates, size_t n, int verdicts, char *err)
{
    json_t *a = doc(run_a), *b = doc(run_b);
    sb_compare_opts o = {.gates = gates, .n_gates = n, .verdicts = verdicts};
    sb_compare *c = compare_new(a, "a.json", b, "b.json", &o, err);
    json_decref(a); /* the comparison holds its own references */
    json_decref(b);
    return c;
}

static char *text_of(const sb_compare *c, int color)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    compare_write_text(c, f, color);
    fclose(f);
    return text;
}

static int has_reason(const sb_compare *c, const char *part)
{
    for (size_t i = 0; i < compare_n_worse(c); i++)
        if (strstr(compare_reason(c, i), part))
            return 1;
    return 0;
}

static void a_run_against_itself_is_never_worse(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    json_t *a = doc(run_a);
    sb_gate g[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_fraction=0"),
                   gate(SB_GATE_MAX_DECREASE, "convergence.converge_seconds=0")};
    sb_compare_opts o = {.gates = g, .n_gates = 2, .verdicts = 1};
    sb_compare *c = compare_new(a, "a.json", a, "a.json", &o, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 0);
    char *text = text_of(c, 0);
    assert_non_null(strstr(text, "B is not worse than A beyond the bounds (3 held)"));
    assert_non_null(strstr(text, "set.lost_fraction"));
    free(text);
    compare_free(c);
    json_decref(a);
}

static void increase_and_decrease_bounds_say_which_way_is_worse(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    /* lost_count rose by 20: allowed 20 is fine, 19 is not */
    sb_gate ok[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_count=20"),
                    gate(SB_GATE_MAX_DECREASE, "set.acknowledged=100")};
    sb_compare *c = compare(ok, 2, 0, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 0);
    compare_free(c);

    sb_gate bad[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_count=19"),
                     gate(SB_GATE_MAX_DECREASE, "set.acknowledged=99"),
                     /* a decrease bound does not mind an increase, and back */
                     gate(SB_GATE_MAX_DECREASE, "set.lost_count=0"),
                     gate(SB_GATE_MAX_INCREASE, "set.acknowledged=0")};
    c = compare(bad, 4, 0, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 2);
    assert_true(has_reason(c, "set.lost_count rose by 20 (10 -> 30); allowed at most 19"));
    assert_true(has_reason(c, "set.acknowledged fell by 100 (1000 -> 900); allowed at most 99"));
    char *text = text_of(c, 0);
    assert_non_null(strstr(text, "WORSE (increase <= 19)"));
    assert_non_null(strstr(text, "ok (decrease <= 0)"));
    assert_non_null(strstr(text, "+20 (+200.0%)"));
    assert_non_null(strstr(text, "B is worse than A beyond the bounds (2 reasons)"));
    free(text);
    compare_free(c);
}

static void rounding_noise_does_not_break_a_bound(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    /* 0.76 - 0.75 is 0.010000000000000009 in doubles */
    sb_gate g[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_fraction=0.01")};
    sb_compare *c = compare(g, 1, 0, err);
    assert_int_equal(compare_n_worse(c), 0);
    compare_free(c);
    sb_gate tight[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_fraction=0.0099")};
    c = compare(tight, 1, 0, err);
    assert_int_equal(compare_n_worse(c), 1);
    compare_free(c);
}

static void absolute_bounds_hold_b_alone(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_gate g[] = {gate(SB_GATE_MAX, "set.lost_count=29"), gate(SB_GATE_MIN, "set.lost_count=30"),
                   gate(SB_GATE_MIN, "perf.availability_in_faults=0.5")};
    sb_compare *c = compare(g, 3, 0, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 2);
    assert_true(has_reason(c, "set.lost_count is 30 in B; allowed at most 29"));
    assert_true(has_reason(c, "perf.availability_in_faults is 0.4 in B; allowed at least 0.5"));
    compare_free(c);
}

static void a_bound_on_a_figure_b_lacks_makes_b_worse(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_gate g[] = {gate(SB_GATE_MAX, "convergence.converge_seconds=10"),
                   gate(SB_GATE_MAX_DECREASE, "perf.availability_in_faults=0.1")};
    sb_compare *c = compare(g, 2, 0, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 2);
    assert_true(has_reason(c, "convergence.converge_seconds is not reported in B"));
    assert_true(has_reason(c, "perf.availability_in_faults is not reported in A"));
    compare_free(c);
}

static void verdicts_bound_only_checkers_valid_in_a(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_compare *c = compare(NULL, 0, 1, err);
    assert_non_null(c);
    /* split-brain valid -> invalid, convergence valid -> missing; set was
     * invalid already, events stayed valid, perf is new */
    assert_int_equal(compare_n_worse(c), 2);
    assert_true(has_reason(c, "split-brain is invalid in B, valid in A (--verdicts)"));
    assert_true(has_reason(c, "convergence did not run in B, valid in A (--verdicts)"));
    compare_free(c);
}

static void bounds_on_unknown_figures_are_refused_with_what_exists(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_gate typo[] = {gate(SB_GATE_MAX, "set.lost_fractoin=0.1")};
    assert_null(compare(typo, 1, 0, err));
    assert_non_null(strstr(err, "--max set.lost_fractoin=0.1: neither run reports"));
    assert_non_null(strstr(err, "allowed: acknowledged, lost_count, lost_fraction"));
    sb_gate list[] = {gate(SB_GATE_MAX, "set.lost=1")};
    assert_null(compare(list, 1, 0, err));
    assert_non_null(strstr(err, "set.lost is not a number"));
    sb_gate checker[] = {gate(SB_GATE_MIN, "lock.overlaps=0")};
    assert_null(compare(checker, 1, 0, err));
    assert_non_null(strstr(err, "allowed: set, split-brain, convergence, events, perf"));
    /* events names figures by pattern: one neither run saw counts as 0 */
    sb_gate tilt[] = {gate(SB_GATE_MAX, "events.+tilt@n2=0"),
                      gate(SB_GATE_MAX_DECREASE, "events.+sdown@n1=0")};
    sb_compare *c = compare(tilt, 2, 0, err);
    assert_non_null(c);
    assert_int_equal(compare_n_worse(c), 1); /* +sdown@n1: 1 -> 0 */
    assert_true(has_reason(c, "events.+sdown@n1 fell by 1 (1 -> 0)"));
    compare_free(c);
}

static void malformed_bounds_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"set",    "set.lost_count", "lost_count=1", ".x=1",
                                      "set.=1", "set.x=",         "set.x=1o",     "set.x=nan"};
    char err[SB_ERR_LEN];
    sb_gate g;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(compare_gate_parse(SB_GATE_MAX, bad[i], &g, err), -1);
        assert_non_null(strstr(err, "allowed: CHECKER.FIGURE=NUMBER"));
    }
    assert_int_equal(compare_gate_parse(SB_GATE_MIN, "perf.p99_ms=-1.5e1", &g, err), 0);
    assert_string_equal(g.checker, "perf");
    assert_string_equal(g.figure, "p99_ms");
    assert_true(g.limit == -15.0);
    assert_string_equal(g.arg, "--min perf.p99_ms=-1.5e1");
}

static void text_lists_verdicts_first_and_colours_only_when_asked(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_gate g[] = {gate(SB_GATE_MAX, "set.lost_count=0")};
    sb_compare *c = compare(g, 1, 0, err);
    char *plain = text_of(c, 0), *coloured = text_of(c, 1);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(coloured, "\033[31minvalid"));
    const char *verdict = strstr(plain, "perf (verdict)"),
               *figure = strstr(plain, "set.lost_count");
    assert_non_null(verdict);
    assert_non_null(figure);
    assert_true(verdict < figure);
    assert_non_null(strstr(plain, "run id    aaaaaa  bbbbbb"));
    assert_non_null(strstr(plain, "passed    PASS    FAIL"));
    assert_non_null(strstr(plain, "only in A"));
    assert_non_null(strstr(plain, "0.76"));
    free(plain);
    free(coloured);
    compare_free(c);
}

static void json_output_carries_rows_bounds_and_reasons(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_gate g[] = {gate(SB_GATE_MAX_INCREASE, "set.lost_count=5")};
    sb_compare *c = compare(g, 1, 1, err);
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    compare_write_json(c, f);
    fclose(f);
    json_t *j = doc(text);
    assert_true(json_is_true(json_object_get(j, "worse")));
    assert_int_equal(json_array_size(json_object_get(j, "reasons")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "b"), "run_id")),
                        "bbbbbb");
    json_t *rows = json_object_get(j, "rows");
    json_t *first = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(first, "kind")), "verdict");
    int found = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        const char *fig = json_string_value(json_object_get(r, "figure"));
        if (fig && !strcmp(fig, "lost_count")) {
            found = 1;
            assert_int_equal(json_integer_value(json_object_get(r, "change")), 20);
            assert_true(json_real_value(json_object_get(r, "relative")) == 2.0);
            assert_true(json_is_true(json_object_get(r, "worse")));
        }
    }
    assert_true(found);
    json_decref(j);
    free(text);
    compare_free(c);
}

static void runs_load_from_folders_latest_links_and_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/sb-test-compare.XXXXXX", path[512], resolved[600], err[SB_ERR_LEN];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/run-1", dir);
    assert_int_equal(sb_mkdir_p(path, err), 0);
    snprintf(path, sizeof(path), "%s/run-1/results.json", dir);
    assert_int_equal(sb_write_file(path, run_a, strlen(run_a), err), 0);
    snprintf(path, sizeof(path), "%s/latest", dir);
    assert_int_equal(symlink("run-1", path), 0);

    json_t *j = compare_load(dir, resolved, sizeof(resolved), err); /* via latest */
    assert_non_null(j);
    assert_non_null(strstr(resolved, "/latest/results.json"));
    json_decref(j);
    snprintf(path, sizeof(path), "%s/run-1", dir);
    assert_non_null(j = compare_load(path, resolved, sizeof(resolved), err));
    json_decref(j);
    snprintf(path, sizeof(path), "%s/run-1/results.json", dir);
    assert_non_null(j = compare_load(path, resolved, sizeof(resolved), err));
    json_decref(j);

    snprintf(path, sizeof(path), "%s/nope", dir);
    assert_null(compare_load(path, resolved, sizeof(resolved), err));
    assert_non_null(strstr(err, "No such file or directory; allowed: a run folder"));
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    assert_int_equal(sb_write_file(path, "{\"checkers\": [}", 15, err), 0);
    assert_null(compare_load(path, resolved, sizeof(resolved), err));
    assert_non_null(strstr(err, "bad.json:1:"));
    assert_int_equal(sb_write_file(path, "{\"name\": \"x\"}", 13, err), 0);
    assert_null(compare_load(path, resolved, sizeof(resolved), err));
    assert_non_null(strstr(err, "not a results.json"));
    assert_int_equal(sb_rm_rf(dir, err), 0);
}

/* The colour decision, on a real terminal (a pseudo-terminal) and off one. */
static void colour_follows_the_mode_the_terminal_and_no_color(void **state)
{
    (void)state;
    FILE *file = tmpfile();
    assert_int_equal(report_color_wanted(file, "always"), 1);
    assert_int_equal(report_color_wanted(file, "never"), 0);
    assert_int_equal(report_color_wanted(file, "sometimes"), -1);
    unsetenv("NO_COLOR");
    assert_int_equal(report_color_wanted(file, "auto"), 0); /* not a terminal */
    fclose(file);

    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master == -1 || grantpt(master) || unlockpt(master)) {
        if (master != -1)
            close(master);
        skip(); /* no pseudo-terminals here */
    }
    FILE *tty = fopen(ptsname(master), "w");
    assert_non_null(tty);
    assert_int_equal(report_color_wanted(tty, "auto"), 1);
    assert_int_equal(report_color_wanted(tty, NULL), 1);
    setenv("NO_COLOR", "", 1); /* empty: as if unset */
    assert_int_equal(report_color_wanted(tty, "auto"), 1);
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(report_color_wanted(tty, "auto"), 0);
    assert_int_equal(report_color_wanted(tty, "always"), 1); /* the flag wins */
    unsetenv("NO_COLOR");
    fclose(tty);
    close(master);
}

static void summary_colours_verdicts_and_stays_plain_without(void **state)
{
    (void)state;
    sb_run_result r;
    memset(&r, 0, sizeof(r));
    snprintf(r.name, sizeof(r.name), "case2");
    r.checks = calloc(2, sizeof(sb_check_result));
    r.outcomes = calloc(2, sizeof(sb_expect_outcome));
    r.n_checks = 2;
    snprintf(r.checks[0].checker, sizeof(r.checks[0].checker), "set");
    r.checks[0].verdict = SB_VERDICT_INVALID;
    snprintf(r.checks[1].checker, sizeof(r.checks[1].checker), "convergence");
    r.checks[1].verdict = SB_VERDICT_UNKNOWN;
    r.outcomes[0].met = 1;
    snprintf(r.outcomes[1].reason, sizeof(r.outcomes[1].reason), "verdict unknown");
    r.passed = 0;
    char *plain, *coloured;
    size_t len;
    FILE *f = open_memstream(&plain, &len);
    report_text(&r, f, 0);
    fclose(f);
    f = open_memstream(&coloured, &len);
    report_text(&r, f, 1);
    fclose(f);
    assert_null(strchr(plain, '\033'));
    assert_non_null(strstr(plain, "  set          invalid  \n"));
    assert_non_null(strstr(coloured, "\033[1m\033[31mFAIL\033[0m"));
    assert_non_null(strstr(coloured, "\033[1mset\033[0m"));
    assert_non_null(strstr(coloured, "\033[31minvalid\033[0m"));
    assert_non_null(strstr(coloured, "\033[33munknown\033[0m"));
    assert_non_null(strstr(coloured, "\033[31mEXPECT MISSED:\033[0m verdict unknown"));
    free(plain);
    free(coloured);
    results_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_run_against_itself_is_never_worse),
        cmocka_unit_test(increase_and_decrease_bounds_say_which_way_is_worse),
        cmocka_unit_test(rounding_noise_does_not_break_a_bound),
        cmocka_unit_test(absolute_bounds_hold_b_alone),
        cmocka_unit_test(a_bound_on_a_figure_b_lacks_makes_b_worse),
        cmocka_unit_test(verdicts_bound_only_checkers_valid_in_a),
        cmocka_unit_test(bounds_on_unknown_figures_are_refused_with_what_exists),
        cmocka_unit_test(malformed_bounds_are_refused),
        cmocka_unit_test(text_lists_verdicts_first_and_colours_only_when_asked),
        cmocka_unit_test(json_output_carries_rows_bounds_and_reasons),
        cmocka_unit_test(runs_load_from_folders_latest_links_and_files),
        cmocka_unit_test(colour_follows_the_mode_the_terminal_and_no_color),
        cmocka_unit_test(summary_colours_verdicts_and_stays_plain_without),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
