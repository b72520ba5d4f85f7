/* test_util.c -- durations, text escaping, paths, config values, child
 * processes, and the start-up reason read from a node's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "deploy_internal.h"
#include "util.h"

static void durations_parse_with_units(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    int64_t ns;
    assert_int_equal(sb_parse_duration("500ms", &ns, err), 0);
    assert_int_equal(ns, 500 * SB_NS_PER_MS);
    assert_int_equal(sb_parse_duration("1.5s", &ns, err), 0);
    assert_int_equal(ns, 1500 * SB_NS_PER_MS);
    assert_int_equal(sb_parse_duration("2m", &ns, err), 0);
    assert_int_equal(ns, 120 * SB_NS_PER_S);
    assert_int_equal(sb_parse_duration("250us", &ns, err), 0);
    assert_int_equal(ns, 250 * SB_NS_PER_US);
    assert_int_equal(sb_parse_duration("0s", &ns, err), 0);
    assert_int_equal(ns, 0);
}

static void bad_durations_say_what_is_allowed(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    int64_t ns;
    const char *bad[] = {"", "10", "10 s", "-1s", "+1s", "1sec", "ms", " 1s", "1e400s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(sb_parse_duration(bad[i], &ns, err), -1);
        assert_non_null(strstr(err, "expected") ? err : strstr(err, "too long"));
    }
}

static void durations_format_compactly(void **state)
{
    (void)state;
    char b[32];
    sb_format_duration(5 * SB_NS_PER_S, b, sizeof(b));
    assert_string_equal(b, "5s");
    sb_format_duration(500 * SB_NS_PER_MS, b, sizeof(b));
    assert_string_equal(b, "500ms");
    sb_format_duration(1500 * SB_NS_PER_MS, b, sizeof(b));
    assert_string_equal(b, "1.5s");
}

static void json_and_xml_escaping(void **state)
{
    (void)state;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_json_string(&b, "a\"b\\c\nd\x01");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\nd\\u0001\"");
    sb_buf_reset(&b);
    sb_buf_xml_escape(&b, "<a & 'b'>\"");
    assert_string_equal(b.data, "&lt;a &amp; &apos;b&apos;&gt;&quot;");
    sb_buf_free(&b);
}

static void relative_paths_become_absolute_once(void **state)
{
    (void)state;
    char cwd[4096], out[4096], want[4200], err[SB_ERR_LEN];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(sb_path_absolute("runs", out, sizeof(out), err), 0);
    snprintf(want, sizeof(want), "%s/runs", strcmp(cwd, "/") ? cwd : "");
    assert_string_equal(out, want);
    assert_int_equal(sb_path_absolute("/a/./b//c/../d/", out, sizeof(out), err), 0);
    assert_string_equal(out, "/a/b/d");
    assert_int_equal(sb_path_absolute("/tmp/with space/runs", out, sizeof(out), err), 0);
    assert_string_equal(out, "/tmp/with space/runs");
    assert_int_equal(sb_path_absolute("/..", out, sizeof(out), err), 0);
    assert_string_equal(out, "/");
    char tiny[8];
    assert_int_equal(sb_path_absolute("/a/very/long/path", tiny, sizeof(tiny), err), -1);
    assert_non_null(strstr(err, "too long"));
}

static void paths_are_shown_relative_to_where_the_user_stands(void **state)
{
    (void)state;
    char cwd[4096], in[4300], out[4300];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(in, sizeof(in), "%s/runs/x/nodes/n1/redis/redis.log", cwd);
    sb_path_shown(in, out, sizeof(out));
    assert_string_equal(out, strcmp(cwd, "/") ? "runs/x/nodes/n1/redis/redis.log" : in);
    sb_path_shown("/elsewhere-not-below/x", out, sizeof(out));
    assert_string_equal(out, "/elsewhere-not-below/x");
}

static void config_values_are_quoted_only_when_needed(void **state)
{
    (void)state;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_conf_value(&b, "/tmp/runs/x");
    assert_string_equal(b.data, "/tmp/runs/x");
    sb_buf_reset(&b);
    sb_buf_conf_value(&b, "/tmp/with space/\"q\"\\");
    assert_string_equal(b.data, "\"/tmp/with space/\\\"q\\\"\\\\\"");
    sb_buf_reset(&b);
    sb_buf_conf_value(&b, "");
    assert_string_equal(b.data, "\"\"");
    sb_buf_free(&b);
}

static void a_child_runs_with_input_and_its_output_is_collected(void **state)
{
    (void)state;
    sb_buf out, errout;
    sb_buf_init(&out);
    sb_buf_init(&errout);
    char err[SB_ERR_LEN];
    char *cat[] = {"cat", NULL}; /* found in PATH */
    int st = sb_run_io(cat, "/", "hello\n", 6, &out, NULL, 5 * SB_NS_PER_S, err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_string_equal(out.data, "hello\n");
    sb_buf_reset(&out);
    char *sh[] = {"/bin/sh", "-c", "pwd; echo oops >&2; exit 3", NULL};
    st = sb_run_io(sh, "/tmp", NULL, 0, &out, &errout, 5 * SB_NS_PER_S, err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    assert_string_equal(out.data, "/tmp\n");
    assert_string_equal(errout.data, "oops\n");
    char *slow[] = {"/bin/sleep", "10", NULL};
    assert_int_equal(sb_run_io(slow, NULL, NULL, 0, NULL, NULL, SB_NS_PER_S / 5, err), -1);
    assert_non_null(strstr(err, "timed out"));
    char *missing[] = {"/nonexistent/redis-server", NULL};
    st = sb_run_io(missing, NULL, NULL, 0, NULL, NULL, SB_NS_PER_S, err);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
    sb_buf_free(&out);
    sb_buf_free(&errout);
}

/* Redis 7.0's own words, as redis-server writes them. */
static void a_config_error_is_quoted_from_the_log(void **state)
{
    (void)state;
    const char *log = "1:C 05 Dec 2026 07:17:08.358 # oO0OoO0OoO0Oo Redis is starting\n"
                      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                      "Reading the configuration file, at line 9\n"
                      ">>> 'appendonlyy no'\n"
                      "Bad directive or wrong number of arguments\n";
    char reason[400];
    deploy_exit_reason(log, reason, sizeof(reason));
    assert_string_equal(reason,
                        "Bad directive or wrong number of arguments (line 9: \"appendonlyy no\")");
    const char *cant = "3221:C 05 Dec 2026 07:17:08.358 # Fatal error, can't open config file "
                       "'/x/redis.conf': No such file or directory\n";
    deploy_exit_reason(cant, reason, sizeof(reason));
    assert_string_equal(reason,
                        "Fatal error, can't open config file '/x/redis.conf': No such file or "
                        "directory");
    deploy_exit_reason("just one line\n\n", reason, sizeof(reason));
    assert_string_equal(reason, "just one line");
    deploy_exit_reason("", reason, sizeof(reason));
    assert_string_equal(reason, "");
}

static void error_copies_are_cut_with_an_ellipsis(void **state)
{
    (void)state;
    char small[8];
    sb_err_copy(small, sizeof(small), "short");
    assert_string_equal(small, "short");
    sb_err_copy(small, sizeof(small), "1234567");
    assert_string_equal(small, "1234567");
    sb_err_copy(small, sizeof(small), "connection refused");
    assert_string_equal(small, "conn...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_copies_are_cut_with_an_ellipsis),
        cmocka_unit_test(durations_parse_with_units),
        cmocka_unit_test(bad_durations_say_what_is_allowed),
        cmocka_unit_test(durations_format_compactly),
        cmocka_unit_test(json_and_xml_escaping),
        cmocka_unit_test(relative_paths_become_absolute_once),
        cmocka_unit_test(paths_are_shown_relative_to_where_the_user_stands),
        cmocka_unit_test(config_values_are_quoted_only_when_needed),
        cmocka_unit_test(a_child_runs_with_input_and_its_output_is_collected),
        cmocka_unit_test(a_config_error_is_quoted_from_the_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
