/* test_nemesis.c -- partition shapes turned into grudges, and grudges and
 * loss rules turned into firewall rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "nemesis.h"

static sb_host hosts5[] = {
    {.name = "n1"}, {.name = "n2"}, {.name = "n3"}, {.name = "n4"}, {.name = "n5"}};
static const char *addrs5[] = {"10.77.0.10", "10.77.0.11", "10.77.0.12", "10.77.0.13",
                               "10.77.0.14"};
static sb_scenario s5 = {.hosts = hosts5, .n_hosts = 5};

static void rules_for(const sb_grudge g, const sb_loss_rule *loss, size_t n_loss, int h,
                      sb_buf *out)
{
    sb_buf_reset(out);
    nemesis_host_rules(5, g, loss, n_loss, h, addrs5, out);
}

/* How many hosts a host still hears from (itself included). */
static int sees(const sb_grudge g, int a)
{
    int n = 0;
    for (int b = 0; b < 5; b++)
        n += !g[a][b];
    return n;
}

static int symmetric(const sb_grudge g)
{
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++)
            if (g[a][b] != g[b][a])
                return 0;
    return 1;
}

static void explicit_groups_cut_both_ways(void **state)
{
    (void)state;
    int g1[] = {0, 1}, g2[] = {2, 3, 4};
    sb_hostset groups[] = {{g1, 2}, {g2, 3}};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .groups = groups, .n_groups = 2};
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, NULL, g);
    sb_buf b;
    sb_buf_init(&b);
    rules_for(g, NULL, 0, 0, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.12, 10.77.0.13, 10.77.0.14 } drop"));
    assert_null(strstr(b.data, "10.77.0.11"));
    rules_for(g, NULL, 0, 3, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.10, 10.77.0.11 } drop"));
    assert_true(symmetric(g));
    sb_buf_free(&b);
}

/* Kleppmann's Redlock picture: n1 and n5 each see the middle host n3, and
 * n2 / n4 on their own side; a host in two groups bridges them. */
static void a_host_in_two_groups_bridges_them(void **state)
{
    (void)state;
    int g1[] = {0, 1, 2}, g2[] = {2, 3, 4};
    sb_hostset groups[] = {{g1, 3}, {g2, 3}};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .groups = groups, .n_groups = 2};
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, NULL, g);
    assert_true(symmetric(g));
    assert_int_equal(sees(g, 2), 5);
    assert_int_equal(sees(g, 0), 3);
    assert_int_equal(sees(g, 4), 3);
    assert_int_equal(g[0][3], 1);
    assert_int_equal(g[1][4], 1);
    assert_int_equal(g[0][1], 0);
    assert_int_equal(g[3][4], 0);
}

static void unnamed_hosts_form_their_own_group(void **state)
{
    (void)state;
    int g1[] = {0};
    sb_hostset groups[] = {{g1, 1}};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .groups = groups, .n_groups = 1};
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, NULL, g);
    sb_buf b;
    sb_buf_init(&b);
    rules_for(g, NULL, 0, 0, &b);
    assert_non_null(
        strstr(b.data, "ip saddr { 10.77.0.11, 10.77.0.12, 10.77.0.13, 10.77.0.14 } drop"));
    rules_for(g, NULL, 0, 2, &b); /* n3 is with n2, n4, n5: only n1 is dropped */
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.10 } drop"));
    sb_buf_reset(&b);
    nemesis_grudge_json(&s5, g, &b);
    assert_string_equal(b.data, "{\"n1\":[\"n2\",\"n3\",\"n4\",\"n5\"],\"n2\":[\"n1\"],"
                                "\"n3\":[\"n1\"],\"n4\":[\"n1\"],\"n5\":[\"n1\"]}");
    sb_buf_free(&b);
}

static void halves_split_three_two_and_follow_the_seed(void **state)
{
    (void)state;
    sb_fault f = {.kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_HALVES};
    sb_grudge g, g2;
    sb_rng r1, r2;
    sb_rng_seed(&r1, 42);
    sb_rng_seed(&r2, 42);
    nemesis_grudge(&s5, &f, -1, &r1, g);
    nemesis_grudge(&s5, &f, -1, &r2, g2);
    assert_memory_equal(g, g2, sizeof(g));
    assert_true(symmetric(g));
    int three = 0, two = 0;
    for (int a = 0; a < 5; a++) {
        three += sees(g, a) == 3;
        two += sees(g, a) == 2;
    }
    assert_int_equal(three, 3);
    assert_int_equal(two, 2);
    /* Another seed gives (for this pair of seeds) another split. */
    int differ = 0;
    for (uint64_t seed = 1; seed < 20 && !differ; seed++) {
        sb_rng_seed(&r2, seed);
        nemesis_grudge(&s5, &f, -1, &r2, g2);
        differ = memcmp(g, g2, sizeof(g)) != 0;
    }
    assert_true(differ);
}

static void isolate_cuts_one_host_from_all(void **state)
{
    (void)state;
    sb_fault f = {.kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_ISOLATE};
    sb_grudge g;
    nemesis_grudge(&s5, &f, 2, NULL, g);
    assert_int_equal(sees(g, 2), 1);
    for (int a = 0; a < 5; a++)
        if (a != 2)
            assert_int_equal(sees(g, a), 4);
    assert_true(symmetric(g));
}

static void ring_gives_every_host_a_different_majority(void **state)
{
    (void)state;
    sb_fault f = {.kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_RING};
    sb_rng r;
    sb_rng_seed(&r, 7);
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, &r, g);
    assert_true(symmetric(g));
    for (int a = 0; a < 5; a++) {
        assert_int_equal(sees(g, a), 3);
        for (int b = a + 1; b < 5; b++)
            assert_memory_not_equal(g[a], g[b], 5);
    }
}

static void bridge_has_one_host_that_sees_everyone(void **state)
{
    (void)state;
    sb_fault f = {.kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_BRIDGE};
    sb_rng r;
    sb_rng_seed(&r, 3);
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, &r, g);
    assert_true(symmetric(g));
    int all = 0, three = 0;
    for (int a = 0; a < 5; a++) {
        all += sees(g, a) == 5;
        three += sees(g, a) == 3;
    }
    assert_int_equal(all, 1);
    assert_int_equal(three, 4);
}

static void one_way_drops_only_one_direction(void **state)
{
    (void)state;
    int from[] = {0}, to[] = {1, 2};
    sb_fault f = {
        .kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_ONE_WAY, .from = {from, 1}, .to = {to, 2}};
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, NULL, g);
    assert_int_equal(g[1][0], 1); /* n2 drops what n1 sends */
    assert_int_equal(g[2][0], 1);
    assert_int_equal(g[0][1], 0); /* n1 still hears n2 */
    assert_int_equal(g[0][2], 0);
    sb_buf b;
    sb_buf_init(&b);
    rules_for(g, NULL, 0, 0, &b);
    assert_int_equal(b.len, 0); /* n1 drops nothing */
    rules_for(g, NULL, 0, 1, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.10 } drop"));
    sb_buf_free(&b);
}

static void shapes_respect_their_universe(void **state)
{
    (void)state;
    int u[] = {0, 1, 2};
    sb_fault f = {.kind = SB_FAULT_PARTITION, .shape = SB_SHAPE_HALVES, .universe = {u, 3}};
    sb_rng r;
    sb_rng_seed(&r, 5);
    sb_grudge g;
    nemesis_grudge(&s5, &f, -1, &r, g);
    assert_int_equal(sees(g, 3), 5); /* n4 and n5 are outside: cut from no one */
    assert_int_equal(sees(g, 4), 5);
}

static void loss_rules_combine_with_partitions(void **state)
{
    (void)state;
    sb_grudge g;
    memset(g, 0, sizeof(g));
    g[0][4] = g[4][0] = 1;
    sb_loss_rule loss[2];
    memset(loss, 0, sizeof(loss));
    loss[0].hosts[0] = 1;
    loss[0].all_peers = 1;
    loss[0].p = 0.3;
    loss[1].hosts[0] = loss[1].hosts[1] = 1;
    loss[1].peers[2] = 1;
    loss[1].p = 0.05;
    sb_buf b;
    sb_buf_init(&b);
    rules_for(g, loss, 2, 0, &b);
    assert_non_null(strstr(b.data, "ip saddr { 10.77.0.14 } drop"));
    assert_non_null(strstr(b.data, "iifname \"eth0\" numgen random mod 1000000 < 300000 drop"));
    assert_non_null(
        strstr(b.data, "ip saddr { 10.77.0.12 } numgen random mod 1000000 < 50000 drop"));
    rules_for(g, loss, 2, 1, &b);
    assert_null(strstr(b.data, "300000"));
    assert_non_null(strstr(b.data, "< 50000 drop"));
    rules_for(g, loss, 2, 3, &b);
    assert_int_equal(b.len, 0);
    sb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(explicit_groups_cut_both_ways),
        cmocka_unit_test(unnamed_hosts_form_their_own_group),
        cmocka_unit_test(a_host_in_two_groups_bridges_them),
        cmocka_unit_test(halves_split_three_two_and_follow_the_seed),
        cmocka_unit_test(isolate_cuts_one_host_from_all),
        cmocka_unit_test(ring_gives_every_host_a_different_majority),
        cmocka_unit_test(bridge_has_one_host_that_sees_everyone),
        cmocka_unit_test(one_way_drops_only_one_direction),
        cmocka_unit_test(shapes_respect_their_universe),
        cmocka_unit_test(loss_rules_combine_with_partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
