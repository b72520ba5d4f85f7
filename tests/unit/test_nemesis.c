/* test_nemesis.c -- partition shapes turned into firewall rules: every
 * host drops exactly the peers outside its group. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "nemesis.h"

static sb_host hosts5[] = {{"n1"}, {"n2"}, {"n3"}, {"n4"}, {"n5"}};
static const char *addrs5[] = {"10.77.0.10", "10.77.0.11", "10.77.0.12", "10.77.0.13",
                               "10.77.0.14"};

static void rules_for(const sb_fault *f, int h, sb_buf *out)
{
    sb_scenario s = {.hosts = hosts5, .n_hosts = 5};
    sb_buf_reset(out);
    nemesis_partition_rules(&s, f, h, addrs5, out);
}

static void explicit_groups_cut_both_ways(void **state)
{
    (void)state;
    int g1[] = {0, 1}, g2[] = {2, 3, 4};
    sb_hostset groups[] = {{g1, 2}, {g2, 3}};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .groups = groups, .n_groups = 2};
    sb_buf b;
    sb_buf_init(&b);
    rules_for(&f, 0, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.12, 10.77.0.13, 10.77.0.14 } drop"));
    assert_null(strstr(b.data, "10.77.0.11"));
    rules_for(&f, 3, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.10, 10.77.0.11 } drop"));
    sb_buf_free(&b);
}

static void unnamed_hosts_form_their_own_group(void **state)
{
    (void)state;
    int g1[] = {0};
    sb_hostset groups[] = {{g1, 1}};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .groups = groups, .n_groups = 1};
    sb_buf b;
    sb_buf_init(&b);
    rules_for(&f, 0, &b);
    assert_non_null(
        strstr(b.data, "ip saddr { 10.77.0.11, 10.77.0.12, 10.77.0.13, 10.77.0.14 } drop"));
    rules_for(&f, 2, &b); /* n3 is with n2, n4, n5: only n1 is dropped */
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.10 } drop"));

    sb_scenario s = {.hosts = hosts5, .n_hosts = 5};
    sb_buf_reset(&b);
    nemesis_partition_json(&s, &f, &b);
    assert_string_equal(b.data, "{\"groups\":[[\"n1\"],[\"n2\",\"n3\",\"n4\",\"n5\"]]}");
    sb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explicit_groups_cut_both_ways),
        cmocka_unit_test(unnamed_hosts_form_their_own_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
