/* test_lock.c -- the lock checker on hand-written histories: serial holds,
 * overlapping holds of two clients, one client back to back, info
 * acquisitions with and without "acquired" (held until the recorded release
 * or the completion, never cut at the validity; without "acquired" only a
 * possible overlap), a GC pause and a lost release reply, an ok hold
 * without a release, fences out of order at the resource, lost appends,
 * holds that outlived their key, no acquisition at all, and malformed
 * values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "util.h"

#include "hist_fixture.h"

#define MS SB_NS_PER_MS

static void add(sb_history *h, int process, sb_op_type type, const char *f, int64_t t_ms,
                const char *value)
{
    fx_add(h, process, type, f, value, NULL, t_ms * MS);
}

static void invoke(sb_history *h, int p, int64_t t_ms)
{
    add(h, p, SB_OP_INVOKE, "lock", t_ms, "{\"lock\":\"L\",\"ttl_ms\":100}");
}

/* An ok acquisition by p held [a_ms, r_ms), with fence f (ttl 100 ms). */
static void ok(sb_history *h, int p, int64_t a_ms, int64_t r_ms, int64_t validity_ms, int64_t f,
               int appended)
{
    char v[512];
    snprintf(v, sizeof(v),
             "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":%lld,\"validity_ms\":%lld,"
             "\"fence\":%lld,\"appended\":%s,\"released\":%lld,\"release_ok\":true}",
             (long long)(a_ms * MS), (long long)validity_ms, (long long)f,
             appended ? "true" : "false", (long long)(r_ms * MS));
    invoke(h, p, a_ms - 1);
    add(h, p, SB_OP_OK, "lock", r_ms + 1, v);
}

static void final_read(sb_history *h, int64_t t_ms, const char *resource)
{
    char v[512];
    snprintf(v, sizeof(v), "{\"resource\":%s}", resource);
    add(h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", t_ms, NULL);
    add(h, SB_PROC_CONTROLLER, SB_OP_OK, "read", t_ms, v);
}

static sb_check_result check(sb_history *h)
{
    sb_check_result r = fx_check("lock", h);
    history_free(h);
    return r;
}

static const json_t *examples(const sb_check_result *r, const char *kind)
{
    return json_object_get(json_object_get(r->figures, "examples"), kind);
}

static void serial_holds_are_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 20, 90, 1, 1);
    ok(h, 1, 30, 45, 90, 2, 1);
    invoke(h, 2, 31);
    add(h, 2, SB_OP_FAIL, "lock", 32, "{\"lock\":\"L\",\"ttl_ms\":100}");
    ok(h, 2, 50, 60, 90, 3, 1);
    final_read(h, 100, "[\"0:1\",\"1:2\",\"2:3\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "attempts"), 4);
    assert_int_equal(fx_fig(&r, "acquired"), 3);
    assert_int_equal(fx_fig(&r, "refused"), 1);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    assert_int_equal(fx_fig(&r, "max_holders"), 1);
    assert_int_equal(fx_fig(&r, "fence_violations"), 0);
    assert_int_equal(fx_fig(&r, "lost_appends"), 0);
    assert_int_equal(fx_fig(&r, "unknown_entries"), 0);
    assert_int_equal(fx_fig(&r, "hold_ms_p50"), 10);
    assert_int_equal(fx_fig(&r, "hold_ms_max"), 15);
    assert_non_null(strstr(r.summary, "no overlap in 3 holds"));
    assert_non_null(strstr(r.summary, "fences in order"));
    check_result_free(&r);
}

static void overlapping_holds_of_two_clients_are_invalid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 40, 90, 1, 1);
    ok(h, 1, 30, 50, 90, 2, 1);
    ok(h, 2, 35, 38, 90, 3, 1); /* inside both: 2 more pairs, 3 holders */
    ok(h, 3, 40, 45, 90, 4, 1); /* starts as 0 releases: overlaps 1 only */
    final_read(h, 100, "[\"0:1\",\"1:2\",\"2:3\",\"3:4\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 4);
    assert_int_equal(fx_fig(&r, "max_holders"), 3);
    const json_t *ex = examples(&r, "overlaps");
    assert_int_equal(json_array_size(ex), 4);
    const json_t *first = json_array_get(ex, 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "a"), "process")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "b"), "process")),
                     1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "b"), "fence")), 2);
    assert_non_null(strstr(r.summary, "mutual exclusion violated: 4 overlapping"));
    check_result_free(&r);
}

static void one_client_back_to_back_is_valid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 20, 90, 1, 1);
    ok(h, 0, 20, 30, 90, 2, 1); /* [10,20) then [20,30): touching, not overlapping */
    ok(h, 1, 30, 31, 90, 3, 1);
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    assert_int_equal(fx_fig(&r, "max_holders"), 1);
    assert_non_null(strstr(r.summary, "no final read"));
    check_result_free(&r);
}

static void info_without_acquired_holds_nothing(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 40, 90, 1, 1);
    invoke(h, 1, 15);
    add(h, 1, SB_OP_INFO, "lock", 35, "{\"lock\":\"L\",\"ttl_ms\":100}");
    invoke(h, 2, 16);
    add(h, 2, SB_OP_INFO, "lock", 36, NULL);
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "info"), 2);
    assert_int_equal(fx_fig(&r, "refused"), 0);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    check_result_free(&r);
}

static void info_with_acquired_holds_until_it_gave_up(void **state)
{
    (void)state;
    /* Held from 30 until its completion at 38: overlaps [10, 40). */
    sb_history *h = history_new();
    ok(h, 0, 10, 40, 90, 1, 1);
    invoke(h, 1, 29);
    add(h, 1, SB_OP_INFO, "lock", 38,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":30000000,\"validity_ms\":90}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 1);
    const json_t *b = json_object_get(json_array_get(examples(&r, "overlaps"), 0), "b");
    assert_string_equal(json_string_value(json_object_get(b, "outcome")), "info");
    assert_true(json_is_null(json_object_get(b, "fence")));
    assert_int_equal(json_integer_value(json_object_get(b, "end_ns")), 38 * MS);
    check_result_free(&r);

    /* Acquired at 1 with 5 ms of validity, completed (timed out) at 50 with
     * no release recorded. The workload does not give up at its validity:
     * the client believed it held the lock until it completed, across 0's
     * hold (issue 14: the validity no longer ends an info hold). */
    h = history_new();
    invoke(h, 1, 0);
    add(h, 1, SB_OP_INFO, "lock", 50,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":1000000,\"validity_ms\":5,\"fence\":7}");
    ok(h, 0, 10, 40, 90, 8, 1);
    final_read(h, 100, "[\"1:7\",\"0:8\"]");
    r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 1);
    assert_int_equal(fx_fig(&r, "unknown_entries"), 0);
    assert_int_equal(fx_fig(&r, "past_validity"), 1);
    const json_t *a = json_object_get(json_array_get(examples(&r, "overlaps"), 0), "a");
    assert_int_equal(json_integer_value(json_object_get(a, "end_ns")), 50 * MS);
    check_result_free(&r);
}

static void holds_on_different_locks_do_not_conflict(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 40, 90, 1, 0);
    add(h, 1, SB_OP_INVOKE, "lock", 11, "{\"lock\":\"M\",\"ttl_ms\":100}");
    add(h, 1, SB_OP_OK, "lock", 31,
        "{\"lock\":\"M\",\"ttl_ms\":100,\"acquired\":12000000,\"validity_ms\":90,\"fence\":2,"
        "\"appended\":false,\"released\":30000000,\"release_ok\":true}");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    check_result_free(&r);
}

static void fence_inversion_at_the_resource_is_invalid(void **state)
{
    (void)state;
    /* 0 took fence 5, paused past its ttl; 1 took 6 and appended first. The
     * holds overlap too; the resource shows what a fencing server refuses. */
    sb_history *h = history_new();
    ok(h, 0, 0, 150, 90, 5, 1);
    ok(h, 1, 101, 110, 90, 6, 1);
    ok(h, 1, 160, 170, 90, 7, 1);
    final_read(h, 200, "[\"1:6\",\"0:5\",\"1:7\",\"9:99\",\"junk\",7]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "fence_violations"), 1);
    assert_int_equal(fx_fig(&r, "unknown_entries"), 3);
    assert_int_equal(fx_fig(&r, "expired_while_held"), 1);
    assert_int_equal(fx_fig(&r, "past_validity"), 1);
    const json_t *e = json_array_get(examples(&r, "fence_violations"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "position")), 1);
    assert_string_equal(json_string_value(json_object_get(e, "entry")), "0:5");
    assert_int_equal(json_integer_value(json_object_get(e, "earlier_fence")), 6);
    check_result_free(&r);

    /* The same fence twice from one process is the holder writing again,
     * which a fencing resource accepts (issue 14: only a token lower than
     * one already seen is refused); from two processes it is one token
     * issued twice, and the resource cannot fence them apart. */
    h = history_new();
    ok(h, 0, 0, 10, 90, 5, 1);
    final_read(h, 200, "[\"0:5\",\"0:5\"]");
    r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "fence_violations"), 0);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    check_result_free(&r);

    h = history_new();
    ok(h, 0, 0, 10, 90, 5, 1);
    ok(h, 1, 20, 30, 90, 5, 1);
    final_read(h, 200, "[\"0:5\",\"1:5\"]");
    r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "fence_violations"), 1);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    check_result_free(&r);
}

static void lost_append_is_invalid(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 20, 90, 1, 1);
    ok(h, 1, 30, 40, 90, 2, 1);
    ok(h, 2, 50, 60, 90, 3, 0); /* did not append: not lost */
    invoke(h, 3, 61);
    add(h, 3, SB_OP_INFO, "lock", 70,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":62000000,\"validity_ms\":90,\"fence\":4,"
        "\"appended\":true}"); /* unknown outcome: never counted lost */
    final_read(h, 100, "[\"0:1\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "lost_appends"), 1);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    const json_t *e = json_array_get(examples(&r, "lost_appends"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "entry")), "1:2");
    check_result_free(&r);
}

static void holds_past_ttl_and_validity_are_counted(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 0, 250, 90, 1, 1);   /* past ttl (100) and validity (90) */
    ok(h, 0, 300, 395, 90, 2, 1); /* past validity only */
    ok(h, 0, 400, 410, 90, 3, 1);
    final_read(h, 500, "[\"0:1\",\"0:2\",\"0:3\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID); /* figures, not anomalies */
    assert_int_equal(fx_fig(&r, "expired_while_held"), 1);
    assert_int_equal(fx_fig(&r, "past_validity"), 2);
    assert_int_equal(fx_fig(&r, "hold_ms_max"), 250);
    assert_int_equal(fx_fig(&r, "hold_ms_p50"), 95);
    check_result_free(&r);
}

static void gc_pause_overlap_of_an_info_hold_is_found(void **state)
{
    (void)state;
    /* 0 acquired at 1 (ttl 100, validity 90) and took fence 1, then
     * stalled 2 s before its RPUSH; the RPUSH failed (info), and 0 sent its
     * release at 2001. Its key expired at 101: 1 and 2 took the lock while
     * 0 still believed it held it. Ending 0's hold at its validity (91)
     * would miss both overlaps. */
    sb_history *h = history_new();
    invoke(h, 0, 0);
    ok(h, 1, 110, 120, 90, 2, 1);
    ok(h, 2, 500, 510, 90, 3, 1);
    add(h, 0, SB_OP_INFO, "lock", 2002,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":1000000,\"validity_ms\":90,\"fence\":1,"
        "\"appended\":false,\"released\":2001000000,\"release_ok\":false}");
    final_read(h, 2100, "[\"1:2\",\"2:3\",\"0:1\"]"); /* the stalled RPUSH landed */
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 2);
    assert_int_equal(fx_fig(&r, "possible_overlaps"), 0);
    assert_int_equal(fx_fig(&r, "max_holders"), 2);
    assert_int_equal(fx_fig(&r, "expired_while_held"), 1);
    assert_int_equal(fx_fig(&r, "past_validity"), 1);
    assert_int_equal(fx_fig(&r, "fence_violations"), 1);
    assert_int_equal(fx_fig(&r, "hold_ms_max"), 2000);
    const json_t *e = json_array_get(examples(&r, "overlaps"), 0);
    const json_t *a = json_object_get(e, "a"), *b = json_object_get(e, "b");
    assert_int_equal(json_integer_value(json_object_get(a, "process")), 0);
    assert_string_equal(json_string_value(json_object_get(a, "outcome")), "info");
    assert_int_equal(json_integer_value(json_object_get(a, "end_ns")), 2001 * MS);
    assert_true(json_is_false(json_object_get(a, "indeterminate")));
    assert_int_equal(json_integer_value(json_object_get(b, "process")), 1);
    assert_non_null(strstr(r.summary, "mutual exclusion violated: 2 overlapping"));
    check_result_free(&r);
}

static void lost_release_reply_does_not_overlap_a_later_holder(void **state)
{
    (void)state;
    /* 0's RPUSH reply was lost (info), it sent its release at 20 and lost
     * that reply too, then completed at 80 after its timeout, within its
     * validity (91). The release took effect: 1 acquired at 30. 0 stopped
     * believing when it sent the release, so there is no overlap. */
    sb_history *h = history_new();
    invoke(h, 0, 0);
    ok(h, 1, 30, 40, 90, 2, 1);
    add(h, 0, SB_OP_INFO, "lock", 80,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":1000000,\"validity_ms\":90,\"fence\":1,"
        "\"appended\":false,\"released\":20000000,\"release_ok\":false}");
    final_read(h, 100, "[\"0:1\",\"1:2\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    assert_int_equal(fx_fig(&r, "possible_overlaps"), 0);
    assert_int_equal(fx_fig(&r, "max_holders"), 1);
    assert_int_equal(fx_fig(&r, "past_validity"), 0);
    assert_int_equal(fx_fig(&r, "fence_violations"), 0);
    assert_int_equal(fx_fig(&r, "unknown_entries"), 0);
    assert_int_equal(fx_fig(&r, "hold_ms_max"), 19);
    check_result_free(&r);
}

static void info_without_acquire_time_is_only_a_possible_overlap(void **state)
{
    (void)state;
    /* 1's SET timed out: it may have taken effect from its invocation (15)
     * until its completion (35), or never, and 1 never learned it held the
     * lock. 2 recorded a release at 55 but no acquisition: its window is
     * [50, 55), clear of 3's hold. Possible overlaps, never violations. */
    sb_history *h = history_new();
    ok(h, 0, 10, 40, 90, 1, 1);
    invoke(h, 1, 15);
    add(h, 1, SB_OP_INFO, "lock", 35, "{\"lock\":\"L\",\"ttl_ms\":100}");
    invoke(h, 2, 50);
    add(h, 2, SB_OP_INFO, "lock", 70, "{\"lock\":\"L\",\"ttl_ms\":100,\"released\":55000000}");
    ok(h, 3, 56, 60, 90, 2, 1);
    final_read(h, 100, "[\"0:1\",\"3:2\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "info"), 2);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    assert_int_equal(fx_fig(&r, "possible_overlaps"), 1);
    assert_int_equal(fx_fig(&r, "max_holders"), 1);
    assert_int_equal(fx_fig(&r, "hold_ms_max"), 30); /* known holds only */
    assert_int_equal(fx_fig(&r, "unknown_entries"), 0);
    const json_t *ex = examples(&r, "possible_overlaps");
    assert_int_equal(json_array_size(ex), 1);
    const json_t *e = json_array_get(ex, 0), *b = json_object_get(e, "b");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "a"), "process")), 0);
    assert_int_equal(json_integer_value(json_object_get(b, "process")), 1);
    assert_true(json_is_true(json_object_get(b, "indeterminate")));
    assert_int_equal(json_integer_value(json_object_get(b, "start_ns")), 15 * MS);
    assert_int_equal(json_integer_value(json_object_get(b, "end_ns")), 35 * MS);
    assert_true(json_real_value(json_object_get(e, "overlap_ms")) == 20.0);
    assert_int_equal(json_array_size(examples(&r, "overlaps")), 0);
    assert_non_null(strstr(r.summary, "no overlap in 2 holds"));
    assert_non_null(strstr(r.summary, "1 possible overlaps"));
    check_result_free(&r);

    /* Without its invocation in the history, the window opens at the
     * history's first operation (0's invocation at 9). */
    h = history_new();
    ok(h, 0, 10, 40, 90, 1, 1);
    add(h, 1, SB_OP_INFO, "lock", 35, "{\"lock\":\"L\",\"ttl_ms\":100}");
    r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_VALID);
    assert_int_equal(fx_fig(&r, "attempts"), 2);
    assert_int_equal(fx_fig(&r, "possible_overlaps"), 1);
    b = json_object_get(json_array_get(examples(&r, "possible_overlaps"), 0), "a");
    assert_int_equal(json_integer_value(json_object_get(b, "start_ns")), 9 * MS);
    check_result_free(&r);
}

static void ok_hold_without_release_lasts_until_its_completion(void **state)
{
    (void)state;
    /* 0 acquired at 1 and completed at 50 without sending a release: it
     * could act until then, across 1's hold. */
    sb_history *h = history_new();
    invoke(h, 0, 0);
    ok(h, 1, 30, 40, 90, 2, 1);
    add(h, 0, SB_OP_OK, "lock", 50,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":1000000,\"validity_ms\":90,\"fence\":1,"
        "\"appended\":true,\"released\":null,\"release_ok\":false}");
    final_read(h, 100, "[\"0:1\",\"1:2\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "overlaps"), 1);
    assert_int_equal(fx_fig(&r, "lost_appends"), 0);
    const json_t *a = json_object_get(json_array_get(examples(&r, "overlaps"), 0), "a");
    assert_int_equal(json_integer_value(json_object_get(a, "end_ns")), 50 * MS);
    check_result_free(&r);
}

static void fence_lower_than_one_already_seen_is_invalid(void **state)
{
    (void)state;
    /* Serial holds, but the counter went back after 1 took 5: 2's 3 and
     * 3's 4 are both below 5, though 4 is above the entry just before it. */
    sb_history *h = history_new();
    ok(h, 0, 0, 10, 90, 1, 1);
    ok(h, 1, 20, 30, 90, 5, 1);
    ok(h, 2, 40, 50, 90, 3, 1);
    ok(h, 3, 60, 70, 90, 4, 1);
    ok(h, 0, 80, 90, 90, 6, 1);
    final_read(h, 100, "[\"0:1\",\"1:5\",\"2:3\",\"3:4\",\"0:6\"]");
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_INVALID);
    assert_int_equal(fx_fig(&r, "fence_violations"), 2);
    assert_int_equal(fx_fig(&r, "overlaps"), 0);
    assert_int_equal(fx_fig(&r, "lost_appends"), 0);
    const json_t *e = json_array_get(examples(&r, "fence_violations"), 1);
    assert_string_equal(json_string_value(json_object_get(e, "entry")), "3:4");
    assert_int_equal(json_integer_value(json_object_get(e, "earlier_fence")), 5);
    assert_int_equal(json_integer_value(json_object_get(e, "earlier_position")), 1);
    assert_non_null(strstr(r.summary, "2 fences out of order"));
    check_result_free(&r);
}

static void no_acquisition_is_unknown(void **state)
{
    (void)state;
    sb_history *h = history_new();
    invoke(h, 0, 1);
    add(h, 0, SB_OP_FAIL, "lock", 2, NULL);
    invoke(h, 1, 1);
    add(h, 1, SB_OP_INFO, "lock", 3, NULL);
    sb_check_result r = check(h);
    assert_int_equal(r.verdict, SB_VERDICT_UNKNOWN);
    assert_int_equal(fx_fig(&r, "attempts"), 2);
    check_result_free(&r);
}

/* The sweep against every pair, on random holds of 5 clients on 2 locks
 * (one client's holds may overlap here: those pairs never count). */
static void overlap_sweep_matches_all_pairs(void **state)
{
    (void)state;
    sb_rng rng;
    sb_rng_seed(&rng, 42);
    for (int round = 0; round < 200; round++) {
        enum { N = 30 };
        int proc[N], lk[N];
        int64_t a[N], b[N];
        sb_history *h = history_new();
        for (int i = 0; i < N; i++) {
            proc[i] = (int)(sb_rng_next(&rng) % 5);
            lk[i] = (int)(sb_rng_next(&rng) % 2);
            a[i] = 1 + (int64_t)(sb_rng_next(&rng) % 200);
            b[i] = a[i] + (int64_t)(sb_rng_next(&rng) % 20); /* may be empty */
            char v[512];
            snprintf(v, sizeof(v),
                     "{\"lock\":\"%s\",\"ttl_ms\":100,\"acquired\":%lld,\"validity_ms\":90,"
                     "\"fence\":%d,\"appended\":true,\"released\":%lld,\"release_ok\":true}",
                     lk[i] ? "L" : "M", (long long)(a[i] * MS), i, (long long)(b[i] * MS));
            add(h, proc[i], SB_OP_INVOKE, "lock", a[i] - 1, "{\"lock\":\"L\",\"ttl_ms\":100}");
            add(h, proc[i], SB_OP_OK, "lock", b[i] + 1, v);
        }
        long long pairs = 0, holders = 0;
        for (int i = 0; i < N; i++) {
            int seen[5] = {0}, distinct = 0;
            for (int j = 0; j < N; j++) {
                if (lk[i] != lk[j] || a[j] >= b[j] || a[i] >= b[i])
                    continue;
                if (j > i && proc[i] != proc[j] && a[i] < b[j] && a[j] < b[i])
                    pairs++;
                if (a[j] <= a[i] && a[i] < b[j] && !seen[proc[j]]++)
                    distinct++;
            }
            if (distinct > holders)
                holders = distinct;
        }
        sb_check_result r = check(h);
        assert_int_equal(fx_fig(&r, "overlaps"), pairs);
        assert_int_equal(fx_fig(&r, "max_holders"), holders);
        assert_int_equal(r.verdict, pairs ? SB_VERDICT_INVALID : SB_VERDICT_VALID);
        check_result_free(&r);
    }
}

/* The same on a mix of known holds and indeterminate acquisitions: pairs of
 * known holds are overlaps, pairs with an indeterminate one possible. */
static void possible_overlap_sweep_matches_all_pairs(void **state)
{
    (void)state;
    sb_rng rng;
    sb_rng_seed(&rng, 7);
    for (int round = 0; round < 200; round++) {
        enum { N = 30 };
        int proc[N], indet[N];
        int64_t a[N], b[N];
        sb_history *h = history_new();
        for (int i = 0; i < N; i++) {
            proc[i] = (int)(sb_rng_next(&rng) % 5);
            indet[i] = sb_rng_next(&rng) % 3 == 0;
            a[i] = 1 + (int64_t)(sb_rng_next(&rng) % 200);
            b[i] = a[i] + (int64_t)(sb_rng_next(&rng) % 20); /* may be empty */
            if (indet[i]) {
                invoke(h, proc[i], a[i]);
                add(h, proc[i], SB_OP_INFO, "lock", b[i], "{\"lock\":\"L\",\"ttl_ms\":100}");
                continue;
            }
            char v[512];
            snprintf(v, sizeof(v),
                     "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":%lld,\"validity_ms\":90,"
                     "\"fence\":%d,\"appended\":true,\"released\":%lld,\"release_ok\":true}",
                     (long long)(a[i] * MS), i, (long long)(b[i] * MS));
            invoke(h, proc[i], a[i] - 1);
            add(h, proc[i], SB_OP_OK, "lock", b[i] + 1, v);
        }
        long long pairs = 0, possible = 0, holders = 0;
        for (int i = 0; i < N; i++) {
            int seen[5] = {0}, distinct = 0;
            for (int j = 0; j < N; j++) {
                if (a[j] >= b[j] || a[i] >= b[i])
                    continue;
                if (j > i && proc[i] != proc[j] && a[i] < b[j] && a[j] < b[i])
                    *(indet[i] || indet[j] ? &possible : &pairs) += 1;
                if (!indet[i] && !indet[j] && a[j] <= a[i] && a[i] < b[j] && !seen[proc[j]]++)
                    distinct++;
            }
            if (distinct > holders)
                holders = distinct;
        }
        sb_check_result r = check(h);
        assert_int_equal(fx_fig(&r, "overlaps"), pairs);
        assert_int_equal(fx_fig(&r, "possible_overlaps"), possible);
        assert_int_equal(fx_fig(&r, "max_holders"), holders);
        assert_int_equal(r.verdict, pairs ? SB_VERDICT_INVALID : SB_VERDICT_VALID);
        check_result_free(&r);
    }
}

static void expect_error(sb_history *h, const char *needle)
{
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("lock")->check(h, &r, err), -1);
    assert_null(r.figures);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" lacks \"%s\"", err, needle);
    history_free(h);
}

static void malformed_values_are_errors(void **state)
{
    (void)state;
    sb_history *h = history_new();
    ok(h, 0, 10, 20, 90, 1, 1);
    add(h, 1, SB_OP_INVOKE, "lock", 30, "{\"lock\":7}");
    expect_error(h, "lock: history index 2: a lock invocation needs");

    h = history_new();
    invoke(h, 0, 1);
    add(h, 0, SB_OP_OK, "lock", 2, "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":\"soon\"}");
    expect_error(h, "history index 1");

    h = history_new();
    invoke(h, 0, 1);
    add(h, 0, SB_OP_OK, "lock", 9,
        "{\"lock\":\"L\",\"ttl_ms\":100,\"acquired\":5000000,\"validity_ms\":90,\"fence\":1,"
        "\"released\":4000000}");
    expect_error(h, "\"released\" (>= \"acquired\")");

    h = history_new();
    ok(h, 0, 10, 20, 90, 1, 1);
    final_read(h, 30, "\"0:1\"");
    expect_error(h, "history index 3: the final read needs");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serial_holds_are_valid),
        cmocka_unit_test(overlapping_holds_of_two_clients_are_invalid),
        cmocka_unit_test(one_client_back_to_back_is_valid),
        cmocka_unit_test(info_without_acquired_holds_nothing),
        cmocka_unit_test(info_with_acquired_holds_until_it_gave_up),
        cmocka_unit_test(holds_on_different_locks_do_not_conflict),
        cmocka_unit_test(fence_inversion_at_the_resource_is_invalid),
        cmocka_unit_test(lost_append_is_invalid),
        cmocka_unit_test(holds_past_ttl_and_validity_are_counted),
        cmocka_unit_test(gc_pause_overlap_of_an_info_hold_is_found),
        cmocka_unit_test(lost_release_reply_does_not_overlap_a_later_holder),
        cmocka_unit_test(info_without_acquire_time_is_only_a_possible_overlap),
        cmocka_unit_test(ok_hold_without_release_lasts_until_its_completion),
        cmocka_unit_test(fence_lower_than_one_already_seen_is_invalid),
        cmocka_unit_test(no_acquisition_is_unknown),
        cmocka_unit_test(overlap_sweep_matches_all_pairs),
        cmocka_unit_test(possible_overlap_sweep_matches_all_pairs),
        cmocka_unit_test(malformed_values_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
