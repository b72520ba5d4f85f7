/* test_util.c -- durations and text escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_parse_with_units),
        cmocka_unit_test(bad_durations_say_what_is_allowed),
        cmocka_unit_test(durations_format_compactly),
        cmocka_unit_test(json_and_xml_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
