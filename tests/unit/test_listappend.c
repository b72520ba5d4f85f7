/* test_listappend.c -- the list-append checker on hand-written histories:
 * valid serial and concurrent runs, lost appends, duplicated, garbage and
 * aborted (G1a) elements, diverging orders, internal inconsistency, and the
 * dependency cycles G0, G1c, G-single and G2; info transactions count as
 * committed only once one of their appends is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

typedef struct line {
    int process; /* -2: the controller */
    const char *type, *f;
    const char *value; /* JSON with ' for ", or NULL */
} line;

#define TX(p, t, v) {p, t, "txn", v}
#define FINAL(v) {-2, "invoke", "read", NULL}, {-2, "ok", "read", v}
#define END {0, NULL, NULL, NULL}

static sb_history *hist(const line *l)
{
    sb_history *h = history_new();
    for (size_t i = 0; l[i].type; i++) {
        sb_op op = {.process = l[i].process, .time_ns = (int64_t)i * 10, .index = (int64_t)i};
        assert_int_equal(history_type_parse(l[i].type, &op.type), 0);
        snprintf(op.f, sizeof(op.f), "%s", l[i].f);
        if (l[i].value) {
            char *v = strdup(l[i].value);
            for (char *c = v; *c; c++)
                if (*c == '\'')
                    *c = '"';
            json_error_t je;
            op.value = json_loads(v, JSON_DECODE_ANY, &je);
            assert_non_null(op.value);
            free(v);
        }
        history_add(h, &op);
        json_decref(op.value);
    }
    return h;
}

static sb_check_result check(const line *l)
{
    sb_history *h = hist(l);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    const sb_checker *c = checker_find("list-append");
    assert_non_null(c);
    int rc = c->check(h, &r, err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    history_free(h);
    return r;
}

static long long fig(const sb_check_result *r, const char *name)
{
    json_t *v = json_object_get(r->figures, name);
    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

static const char *const count_names[] = {
    "lost_count", "duplicate_count", "incompatible_order_count", "g1a_count", "internal_count",
    "garbage_count", "g0_count", "g1c_count", "g_single_count", "g2_count", NULL};

/* Asserts the named count and that every other anomaly count is 0. */
static void only(const sb_check_result *r, const char *name, long long n)
{
    for (size_t i = 0; count_names[i]; i++) {
        long long got = fig(r, count_names[i]);
        if (got != (name && !strcmp(name, count_names[i]) ? n : 0)) {
            char *dump = json_dumps(r->figures, JSON_INDENT(1));
            fprintf(stderr, "%s = %lld; %s\n%s\n", count_names[i], got, r->summary, dump);
            free(dump);
            fail();
        }
    }
    if (name)
        assert_true(n == 0 || r->verdict == SB_VERDICT_INVALID);
}

static void serial_history_is_valid(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"),
        TX(0, "ok", "[['append','x',1]]"),
        TX(0, "invoke", "[['r','x',null],['append','x',2],['r','x',null]]"),
        TX(0, "ok", "[['r','x',[1]],['append','x',2],['r','x',[1,2]]]"),
        TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
        TX(1, "ok", "[['r','x',[1,2]],['r','y',[]]]"),
        FINAL("{'x':[1,2],'y':[]}"),
        END};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    only(&r, NULL, 0);
    assert_int_equal(fig(&r, "txns"), 3);
    assert_int_equal(fig(&r, "ok"), 3);
    assert_int_equal(fig(&r, "keys"), 2);
    check_result_free(&r);
}

static void concurrent_txns_are_valid(void **state)
{
    (void)state;
    /* The read overlaps both appends and saw only the second: fine. */
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"),
        TX(1, "invoke", "[['append','x',2]]"),
        TX(2, "invoke", "[['r','x',null]]"),
        TX(1, "ok", "[['append','x',2]]"),
        TX(2, "ok", "[['r','x',[2]]]"),
        TX(0, "ok", "[['append','x',1]]"),
        TX(3, "invoke", "[['append','y',7]]"),
        TX(3, "info", "[['append','y',7]]"), /* never seen: may not have run */
        TX(2, "invoke", "[['r','x',null],['append','y',8]]"),
        TX(2, "ok", "[['r','x',[2,1]],['append','y',8]]"),
        FINAL("{'x':[2,1],'y':[8]}"),
        END};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    only(&r, NULL, 0);
    assert_int_equal(fig(&r, "info"), 1);
    check_result_free(&r);
}

static void ok_append_missing_from_final_read_is_lost(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['append','x',2]]"), TX(1, "ok", "[['append','x',2]]"),
        TX(1, "invoke", "[['append','x',3]]"), TX(1, "ok", "[['append','x',3]]"),
        FINAL("{'x':[1]}"),                    END};
    sb_check_result r = check(l);
    only(&r, "lost_count", 2);
    json_t *lost = json_object_get(json_object_get(r.figures, "anomalies"), "lost");
    assert_int_equal(json_array_size(lost), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lost, 0), "element")), 2);
    check_result_free(&r);
}

/* The final read names every key that exists: an acknowledged append to a
 * key it does not name is lost (the key is empty in the final state). */
static void key_missing_from_final_read_is_empty(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['append','y',2]]"), TX(1, "ok", "[['append','y',2]]"),
        FINAL("{'x':[1]}"),                    END};
    sb_check_result r = check(l);
    only(&r, "lost_count", 1);
    check_result_free(&r);
}

static void without_final_read_later_reads_show_lost_appends(void **state)
{
    (void)state;
    /* The second read began after the append was acknowledged. */
    const line lost[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(1, "invoke", "[['r','x',null]]"),
        TX(1, "ok", "[['r','x',[]]]"),         TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null]]"),   TX(1, "ok", "[['r','x',[]]]"),
        END};
    sb_check_result r = check(lost);
    only(&r, "lost_count", 1);
    check_result_free(&r);
    /* Only a concurrent read missed it: not lost. */
    const line fine[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(1, "invoke", "[['r','x',null]]"),
        TX(1, "ok", "[['r','x',[]]]"),         TX(0, "ok", "[['append','x',1]]"),
        END};
    r = check(fine);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    only(&r, NULL, 0);
    check_result_free(&r);
}

static void duplicated_element_is_reported(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null]]"),   TX(1, "ok", "[['r','x',[1,1]]]"),
        FINAL("{'x':[1,1]}"),                  END};
    sb_check_result r = check(l);
    only(&r, "duplicate_count", 1);
    check_result_free(&r);
}

static void diverging_reads_are_incompatible(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(1, "invoke", "[['append','x',2]]"),
        TX(0, "ok", "[['append','x',1]]"),     TX(1, "ok", "[['append','x',2]]"),
        TX(2, "invoke", "[['r','x',null]]"),   TX(2, "ok", "[['r','x',[1,2]]]"),
        TX(3, "invoke", "[['r','x',null]]"),   TX(3, "ok", "[['r','x',[2,1]]]"),
        FINAL("{'x':[1,2]}"),                  END};
    sb_check_result r = check(l);
    only(&r, "incompatible_order_count", 1);
    check_result_free(&r);
}

static void read_of_failed_append_is_g1a(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "fail", "[['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null]]"),   TX(1, "ok", "[['r','x',[1]]]"),
        FINAL("{'x':[1]}"),                    END};
    sb_check_result r = check(l);
    only(&r, "g1a_count", 1);
    check_result_free(&r);
}

static void element_nobody_appended_is_garbage(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null]]"),   TX(1, "ok", "[['r','x',[1,99]]]"),
        FINAL("{'x':[1,99]}"),                 END};
    sb_check_result r = check(l);
    only(&r, "garbage_count", 1);
    check_result_free(&r);
}

static void read_not_ending_with_own_append_is_internal(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"),
        TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['append','x',2],['r','x',null]]"),
        TX(1, "ok", "[['append','x',2],['r','x',[1]]]"),
        FINAL("{'x':[1,2]}"),
        END};
    sb_check_result r = check(l);
    only(&r, "internal_count", 1);
    check_result_free(&r);
}

static void appends_in_opposite_orders_are_g0(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
        TX(1, "invoke", "[['append','x',2],['append','y',2]]"),
        TX(0, "ok", "[['append','x',1],['append','y',1]]"),
        TX(1, "ok", "[['append','x',2],['append','y',2]]"),
        TX(2, "invoke", "[['r','x',null],['r','y',null]]"),
        TX(2, "ok", "[['r','x',[1,2]],['r','y',[2,1]]]"),
        FINAL("{'x':[1,2],'y':[2,1]}"),
        END};
    sb_check_result r = check(l);
    only(&r, "g0_count", 1);
    json_t *g0 = json_object_get(json_object_get(r.figures, "anomalies"), "G0");
    json_t *cycle = json_object_get(json_array_get(g0, 0), "cycle");
    assert_int_equal(json_array_size(cycle), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cycle, 0), "edge")), "ww");
    check_result_free(&r);
}

static void reading_each_others_appends_is_g1c(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1],['r','y',null]]"),
        TX(1, "invoke", "[['append','y',1],['r','x',null]]"),
        TX(0, "ok", "[['append','x',1],['r','y',[1]]]"),
        TX(1, "ok", "[['append','y',1],['r','x',[1]]]"),
        FINAL("{'x':[1],'y':[1]}"),
        END};
    sb_check_result r = check(l);
    only(&r, "g1c_count", 1);
    check_result_free(&r);
}

static void read_skew_is_g_single(void **state)
{
    (void)state;
    /* T1 appends to x and y at once; T2 sees its y but not its x. */
    const line l[] = {
        TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
        TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
        TX(0, "ok", "[['append','x',1],['append','y',1]]"),
        TX(1, "ok", "[['r','x',[]],['r','y',[1]]]"),
        FINAL("{'x':[1],'y':[1]}"),
        END};
    sb_check_result r = check(l);
    only(&r, "g_single_count", 1);
    check_result_free(&r);
}

static void write_skew_is_g2(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['r','x',null],['r','y',null],['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null],['r','y',null],['append','y',2]]"),
        TX(0, "ok", "[['r','x',[]],['r','y',[]],['append','x',1]]"),
        TX(1, "ok", "[['r','x',[]],['r','y',[]],['append','y',2]]"),
        FINAL("{'x':[1],'y':[2]}"),
        END};
    sb_check_result r = check(l);
    only(&r, "g2_count", 1);
    check_result_free(&r);
}

static void observed_info_append_counts_as_committed(void **state)
{
    (void)state;
    /* The info txn's y was read, so it ran: no garbage, and with its x
     * missed by the same read it closes a read-skew cycle. */
    const line skew[] = {
        TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
        TX(0, "info", "[['append','x',1],['append','y',1]]"),
        TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
        TX(1, "ok", "[['r','x',[]],['r','y',[1]]]"),
        FINAL("{'x':[1],'y':[1]}"),
        END};
    sb_check_result r = check(skew);
    only(&r, "g_single_count", 1);
    check_result_free(&r);
    /* Once known to have run, all its appends must survive. */
    const line half[] = {
        TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
        TX(0, "info", "[['append','x',1],['append','y',1]]"),
        FINAL("{'x':[1],'y':[]}"),
        END};
    r = check(half);
    only(&r, "lost_count", 1);
    check_result_free(&r);
}

static void unobserved_info_append_is_not_lost(void **state)
{
    (void)state;
    const line l[] = {
        TX(0, "invoke", "[['append','x',1]]"), TX(0, "ok", "[['append','x',1]]"),
        TX(1, "invoke", "[['append','x',2]]"), TX(1, "info", "[['append','x',2]]"),
        TX(2, "invoke", "[['append','x',3]]"), /* never completed: info */
        FINAL("{'x':[1]}"),                    END};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    only(&r, NULL, 0);
    assert_int_equal(fig(&r, "info"), 2);
    check_result_free(&r);
}

static void history_without_txns_is_unknown(void **state)
{
    (void)state;
    const line l[] = {{0, "invoke", "add", "1"}, {0, "ok", "add", "1"},
                      {-1, "info", "partition", NULL}, FINAL("[1]"), END};
    sb_check_result r = check(l);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(fig(&r, "txns"), 0);
    only(&r, NULL, 0);
    check_result_free(&r);
}

static void malformed_micro_op_is_an_error(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['push','x',1]]"), TX(0, "ok", "[['push','x',1]]"), END};
    sb_history *h = hist(l);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("list-append")->check(h, &r, err), -1);
    assert_non_null(strstr(err, "micro-op"));
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serial_history_is_valid),
        cmocka_unit_test(concurrent_txns_are_valid),
        cmocka_unit_test(ok_append_missing_from_final_read_is_lost),
        cmocka_unit_test(key_missing_from_final_read_is_empty),
        cmocka_unit_test(without_final_read_later_reads_show_lost_appends),
        cmocka_unit_test(duplicated_element_is_reported),
        cmocka_unit_test(diverging_reads_are_incompatible),
        cmocka_unit_test(read_of_failed_append_is_g1a),
        cmocka_unit_test(element_nobody_appended_is_garbage),
        cmocka_unit_test(read_not_ending_with_own_append_is_internal),
        cmocka_unit_test(appends_in_opposite_orders_are_g0),
        cmocka_unit_test(reading_each_others_appends_is_g1c),
        cmocka_unit_test(read_skew_is_g_single),
        cmocka_unit_test(write_skew_is_g2),
        cmocka_unit_test(observed_info_append_counts_as_committed),
        cmocka_unit_test(unobserved_info_append_is_not_lost),
        cmocka_unit_test(history_without_txns_is_unknown),
        cmocka_unit_test(malformed_micro_op_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
