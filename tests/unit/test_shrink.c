/* test_shrink.c -- the search of `splitbrain shrink` against hand-written
 * oracles: ddmin keeps exactly the faults that matter (one, or two that
 * only fail together), each kept fault loses the hosts and the time that do
 * not matter, the run loses its lead and its tail; the same seed gives the
 * same candidates; the budget and a stop end it with the best so far. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shrink.h"
#include "util.h"

#define S SB_NS_PER_S
#define MS SB_NS_PER_MS

/* The oracle: the failure needs every culprit, each lasting at least
 * need_for_ns, cutting every host of need_host, with at least need_tail_ns of run
 * after it; everything else is noise. It counts its questions and keeps a
 * fingerprint of them, and may stop after stop_after questions. */
typedef struct oracle {
    int culprits[8];
    size_t n_culprits;
    int64_t need_for_ns;
    uint64_t need_host;
    int64_t need_tail_ns;
    int asked;
    uint64_t fingerprint;
    int stop_after;   /* 0: never */
    int64_t clock_ns; /* the fake clock: one second per question */
} oracle;

static int oracle_test(void *ctx, const shrink_sched *c)
{
    oracle *o = ctx;
    o->asked++;
    o->clock_ns += S;
    o->fingerprint = o->fingerprint * 1099511628211ULL + c->n * 31 + (uint64_t)c->duration_ns;
    for (size_t i = 0; i < c->n; i++)
        o->fingerprint = o->fingerprint * 31 + (uint64_t)c->units[i].id * 7 +
                         (uint64_t)c->units[i].for_ns + c->units[i].hosts;
    if (o->stop_after && o->asked >= o->stop_after)
        return SHRINK_STOP;
    for (size_t k = 0; k < o->n_culprits; k++) {
        const shrink_unit *u = NULL;
        for (size_t i = 0; i < c->n; i++)
            if (c->units[i].id == o->culprits[k])
                u = &c->units[i];
        if (!u || u->for_ns < o->need_for_ns || (u->hosts & o->need_host) != o->need_host ||
            u->at_ns + u->for_ns + o->need_tail_ns > c->duration_ns)
            return SHRINK_PASSES;
    }
    return SHRINK_FAILS;
}

static int64_t oracle_now(void *ctx)
{
    return ((oracle *)ctx)->clock_ns;
}

/* n faults from the seed: 4 s apart, 2-3 s each, over hosts {0,1,2}. */
static void make_sched(uint64_t seed, size_t n, shrink_sched *s)
{
    sb_rng r;
    sb_rng_seed(&r, seed);
    s->units = calloc(n, sizeof(shrink_unit));
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->units[i].id = (int)i;
        s->units[i].at_ns = 2 * S + (int64_t)i * 4 * S;
        s->units[i].for_ns = 2 * S + (int64_t)(sb_rng_next(&r) % 1000) * MS;
        s->units[i].hosts = 0x7;
    }
    s->duration_ns = 2 * S + (int64_t)n * 4 * S + 3 * S;
    s->rate = seed % 2 ? 800 : 0;
}

static const shrink_unit *find_unit(const shrink_sched *s, int id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->units[i].id == id)
            return &s->units[i];
    return NULL;
}

static void ddmin_keeps_only_the_fault_that_causes_the_failure(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        shrink_sched orig, best;
        make_sched(seed, 12, &orig);
        sb_rng r;
        sb_rng_seed(&r, seed * 77);
        oracle o = {.n_culprits = 1, .need_for_ns = 1 * S, .need_host = 0x2, .need_tail_ns = 0};
        o.culprits[0] = (int)(sb_rng_next(&r) % 12);
        shrink_opts opts = {.now_ns = oracle_now};
        shrink_stats st;
        shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
        assert_int_equal(st.end, SHRINK_DONE);
        assert_int_equal(best.n, 1);
        assert_int_equal(best.units[0].id, o.culprits[0]);
        /* fewer hosts: only the one that matters; shorter: 1 s to 2 s */
        assert_int_equal(best.units[0].hosts, 0x2);
        assert_true(best.units[0].for_ns >= 1 * S && best.units[0].for_ns < 2 * S);
        /* the run: 1 s of lead, the tail down to 500 ms */
        assert_true(best.units[0].at_ns >= 1 * S && best.units[0].at_ns < 1100 * MS);
        assert_true(best.duration_ns <= shrink_sched_end(&best) + 600 * MS);
        /* a rate the failure does not need: an eighth; none: left alone */
        assert_true(best.rate == (seed % 2 ? 100 : 0));
        assert_int_equal(o.asked, st.tried);
        assert_true(oracle_test(&o, &best) == SHRINK_FAILS);
        shrink_sched_free(&orig);
        shrink_sched_free(&best);
    }
}

static void ddmin_keeps_two_faults_that_only_fail_together(void **state)
{
    (void)state;
    shrink_sched orig, best;
    make_sched(3, 10, &orig);
    oracle o = {.n_culprits = 2,
                .culprits = {2, 7},
                .need_for_ns = 1500 * MS,
                .need_host = 0x1,
                .need_tail_ns = 2 * S};
    shrink_opts opts = {.now_ns = oracle_now};
    shrink_stats st;
    shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
    assert_int_equal(best.n, 2);
    assert_non_null(find_unit(&best, 2));
    assert_non_null(find_unit(&best, 7));
    assert_int_equal(find_unit(&best, 2)->hosts, 0x1);
    /* the tail the failure needs is kept, and no more than a step of it */
    assert_true(best.duration_ns >= shrink_sched_end(&best) + 2 * S);
    assert_true(best.duration_ns < orig.duration_ns);
    assert_true(oracle_test(&o, &best) == SHRINK_FAILS);
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
}

/* A clock skew that must stay at least 300 ms of its 2 s: halved while
 * that holds, never below an eighth. */
static int skew_test(void *ctx, const shrink_sched *c)
{
    (void)ctx;
    for (size_t i = 0; i < c->n; i++)
        if (c->units[i].id == 1 && c->units[i].size >= 300)
            return SHRINK_FAILS;
    return SHRINK_PASSES;
}

static void sizes_halve_while_the_failure_holds(void **state)
{
    (void)state;
    shrink_sched orig, best;
    make_sched(4, 3, &orig);
    orig.units[1].size = 2000;
    shrink_opts opts = {0};
    shrink_stats st;
    shrink_search(&orig, &opts, skew_test, NULL, &best, &st);
    assert_int_equal(best.n, 1);
    assert_int_equal(best.units[0].id, 1);
    assert_int_equal(best.units[0].size, 500); /* 250 would pass */
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
    /* always failing: an eighth at the least */
    make_sched(4, 1, &orig);
    orig.units[0].size = 2000;
    orig.units[0].id = 1;
    shrink_search(&orig, &opts, skew_test, NULL, &best, &st);
    assert_int_equal(best.units[0].size, 500);
    orig.units[0].size = 8000;
    shrink_sched_free(&best);
    shrink_search(&orig, &opts, skew_test, NULL, &best, &st);
    assert_int_equal(best.units[0].size, 1000);
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
}

static void same_seed_asks_the_same_questions(void **state)
{
    (void)state;
    uint64_t prints[2];
    int asked[2];
    for (int run = 0; run < 2; run++) {
        shrink_sched orig, best;
        make_sched(9, 16, &orig);
        oracle o = {.n_culprits = 1, .culprits = {11}, .need_for_ns = S, .need_host = 0x4};
        shrink_opts opts = {.now_ns = oracle_now};
        shrink_stats st;
        shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
        prints[run] = o.fingerprint;
        asked[run] = o.asked;
        shrink_sched_free(&orig);
        shrink_sched_free(&best);
    }
    assert_int_equal(asked[0], asked[1]);
    assert_true(prints[0] == prints[1]);
}

static void budget_stops_with_the_best_so_far(void **state)
{
    (void)state;
    shrink_sched orig, best;
    make_sched(5, 12, &orig);
    oracle o = {.n_culprits = 1, .culprits = {9}, .need_for_ns = S, .need_host = 0x1};
    /* one second per question on the fake clock: 6 questions fit in 6 s */
    shrink_opts opts = {.now_ns = oracle_now, .budget_ns = 6 * S};
    shrink_stats st;
    shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
    assert_int_equal(st.end, SHRINK_BUDGET);
    assert_int_equal(st.tried, 6);
    assert_true(best.n < orig.n); /* ddmin got somewhere */
    assert_non_null(find_unit(&best, 9));
    assert_true(oracle_test(&o, &best) == SHRINK_FAILS);
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
}

static void a_stop_keeps_the_best_so_far(void **state)
{
    (void)state;
    shrink_sched orig, best;
    make_sched(5, 12, &orig);
    oracle o = {
        .n_culprits = 1, .culprits = {0}, .need_for_ns = S, .need_host = 0x1, .stop_after = 3};
    shrink_opts opts = {.now_ns = oracle_now};
    shrink_stats st;
    shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
    assert_int_equal(st.end, SHRINK_STOPPED);
    assert_int_equal(st.tried, 3);
    assert_non_null(find_unit(&best, 0));
    o.stop_after = 0;
    assert_true(oracle_test(&o, &best) == SHRINK_FAILS);
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
}

static void nothing_smaller_fails_keeps_the_original(void **state)
{
    (void)state;
    shrink_sched orig, best;
    make_sched(2, 4, &orig);
    /* every fault matters, at full length, with the whole tail */
    oracle o = {.n_culprits = 4,
                .culprits = {0, 1, 2, 3},
                .need_for_ns = 10 * S,
                .need_host = 0x7,
                .need_tail_ns = 0};
    for (size_t i = 0; i < orig.n; i++)
        orig.units[i].for_ns = 10 * S;
    orig.duration_ns = shrink_sched_end(&orig);
    shrink_opts opts = {.now_ns = oracle_now};
    shrink_stats st;
    shrink_search(&orig, &opts, oracle_test, &o, &best, &st);
    /* only the run's lead could go: every fault stays whole, at full length */
    assert_int_equal(best.n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_true(best.units[i].for_ns == 10 * S);
        assert_int_equal(best.units[i].hosts, 0x7);
    }
    assert_int_equal(best.units[0].at_ns, 1 * S);
    assert_int_equal(best.duration_ns, shrink_sched_end(&best));
    shrink_sched_free(&orig);
    shrink_sched_free(&best);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ddmin_keeps_only_the_fault_that_causes_the_failure),
        cmocka_unit_test(ddmin_keeps_two_faults_that_only_fail_together),
        cmocka_unit_test(sizes_halve_while_the_failure_holds),
        cmocka_unit_test(same_seed_asks_the_same_questions),
        cmocka_unit_test(budget_stops_with_the_best_so_far),
        cmocka_unit_test(a_stop_keeps_the_best_so_far),
        cmocka_unit_test(nothing_smaller_fails_keeps_the_original),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
