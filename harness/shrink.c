/* shrink.c -- the search of `splitbrain shrink`: ddmin over the faults, then
 * each fault made smaller, then the run made shorter; see shrink.h. */
#define _GNU_SOURCE
#include "shrink.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SHRINK_DEFAULT_MIN_FOR_NS (500 * SB_NS_PER_MS)
#define SHRINK_DEFAULT_MIN_LEAD_NS SB_NS_PER_S
#define SHRINK_DEFAULT_MIN_TAIL_NS (500 * SB_NS_PER_MS)
#define SHRINK_DEFAULT_STEP_NS (100 * SB_NS_PER_MS)

/* ====== Schedules ====== */

void shrink_sched_copy(shrink_sched *dst, const shrink_sched *src)
{
    dst->n = src->n;
    dst->duration_ns = src->duration_ns;
    dst->rate = src->rate;
    dst->units = sb_xcalloc(src->n ? src->n : 1, sizeof(shrink_unit));
    if (src->n)
        memcpy(dst->units, src->units, src->n * sizeof(shrink_unit));
}

void shrink_sched_free(shrink_sched *s)
{
    free(s->units);
    s->units = NULL;
    s->n = 0;
}

int64_t shrink_sched_end(const shrink_sched *s)
{
    int64_t end = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t e = s->units[i].at_ns + s->units[i].for_ns;
        if (e > end)
            end = e;
    }
    return end;
}

/* ====== One candidate ====== */

typedef struct search {
    const shrink_opts *o;
    shrink_test_fn test;
    void *ctx;
    int64_t start_ns;
    shrink_stats *st;
    shrink_sched best; /* the smallest failing schedule so far */
    int over;          /* the budget ran out or the caller stopped */
} search;

static int64_t search_now(const search *s)
{
    return s->o->now_ns ? s->o->now_ns(s->ctx) : sb_now_ns();
}

/* Asks the caller about cand; when it fails, cand becomes the best. 1
 * fails, 0 passes or the search is over (s->over says which). */
static int try_candidate(search *s, const shrink_sched *cand)
{
    if (s->over)
        return 0;
    if (s->o->budget_ns > 0 && search_now(s) - s->start_ns >= s->o->budget_ns) {
        s->over = 1;
        s->st->end = SHRINK_BUDGET;
        return 0;
    }
    s->st->tried++;
    int rc = s->test(s->ctx, cand);
    if (rc == SHRINK_STOP) {
        s->over = 1;
        s->st->end = SHRINK_STOPPED;
        return 0;
    }
    if (rc != SHRINK_FAILS)
        return 0;
    s->st->failing++;
    shrink_sched_free(&s->best);
    shrink_sched_copy(&s->best, cand);
    return 1;
}

static int64_t round_step(int64_t ns, int64_t step)
{
    return step > 0 ? ns / step * step : ns;
}

/* ====== ddmin over the units ====== */

/* The best schedule with only the units whose keep[] is set. */
static void subset(const shrink_sched *from, const unsigned char *keep, shrink_sched *out)
{
    out->units = sb_xcalloc(from->n ? from->n : 1, sizeof(shrink_unit));
    out->n = 0;
    out->duration_ns = from->duration_ns;
    out->rate = from->rate;
    for (size_t i = 0; i < from->n; i++)
        if (keep[i])
            out->units[out->n++] = from->units[i];
}

/* Tests the n-way chunk k of best (complement: everything but it); 1 when
 * it failed (and is now the best). */
static int try_chunk(search *s, size_t n, size_t k, int complement)
{
    size_t len = s->best.n;
    size_t lo = len * k / n, hi = len * (k + 1) / n;
    unsigned char *keep = sb_xcalloc(len ? len : 1, 1);
    for (size_t i = 0; i < len; i++)
        keep[i] = (i >= lo && i < hi) != complement;
    shrink_sched cand;
    subset(&s->best, keep, &cand);
    int failed = cand.n > 0 && cand.n < len && try_candidate(s, &cand);
    shrink_sched_free(&cand);
    free(keep);
    return failed;
}

/* Zeller and Hildebrandt's ddmin: the best becomes 1-minimal (no single
 * unit can be removed) unless the budget runs out first. */
static void ddmin(search *s)
{
    size_t n = 2;
    while (s->best.n >= 2 && !s->over) {
        if (n > s->best.n)
            n = s->best.n;
        int reduced = 0;
        for (size_t k = 0; k < n && !reduced && !s->over; k++)
            if (try_chunk(s, n, k, 0)) {
                n = 2;
                reduced = 1;
            }
        for (size_t k = 0; k < n && !reduced && !s->over && n > 2; k++)
            if (try_chunk(s, n, k, 1)) {
                n = n - 1 > 2 ? n - 1 : 2;
                reduced = 1;
            }
        if (reduced)
            continue;
        if (n >= s->best.n)
            break;
        n = n * 2 < s->best.n ? n * 2 : s->best.n;
    }
}

/* ====== Each unit smaller ====== */

/* The best with unit i replaced by u; 1 when that failed. */
static int try_unit(search *s, size_t i, const shrink_unit *u)
{
    shrink_sched cand;
    shrink_sched_copy(&cand, &s->best);
    cand.units[i] = *u;
    int failed = try_candidate(s, &cand);
    shrink_sched_free(&cand);
    return failed;
}

static void shrink_hosts(search *s, size_t i)
{
    for (int b = 0; b < 64 && !s->over; b++) {
        shrink_unit u = s->best.units[i];
        uint64_t bit = (uint64_t)1 << b;
        if (!(u.hosts & bit) || (u.hosts & ~bit) == 0)
            continue;
        u.hosts &= ~bit;
        try_unit(s, i, &u);
    }
}

/* Halves the unit's duration while it still fails, then moves its start
 * later (the same end) while it still fails. */
static void shrink_duration(search *s, size_t i)
{
    const int64_t min = s->o->min_for_ns, step = s->o->step_ns;
    for (int later = 0; later < 2; later++) {
        while (!s->over) {
            shrink_unit u = s->best.units[i];
            if (u.for_ns <= min)
                break;
            int64_t shorter = round_step(u.for_ns / 2, step);
            if (shorter < min)
                shorter = min;
            if (shorter >= u.for_ns)
                break;
            if (later)
                u.at_ns += u.for_ns - shorter;
            u.for_ns = shorter;
            if (!try_unit(s, i, &u))
                break;
        }
    }
}

/* Halves the unit's size while it still fails, down to an eighth of it. */
static void shrink_size(search *s, size_t i)
{
    const int64_t floor = s->best.units[i].size / 8 > 0 ? s->best.units[i].size / 8 : 1;
    while (!s->over) {
        shrink_unit u = s->best.units[i];
        if (u.size / 2 < floor)
            break;
        u.size /= 2;
        if (!try_unit(s, i, &u))
            break;
    }
}

/* ====== The run shorter ====== */

/* Every unit moved earlier by shift, and the run shortened by as much. */
static int try_shift(search *s, int64_t shift)
{
    shrink_sched cand;
    shrink_sched_copy(&cand, &s->best);
    for (size_t i = 0; i < cand.n; i++)
        cand.units[i].at_ns -= shift;
    cand.duration_ns -= shift;
    int failed = try_candidate(s, &cand);
    shrink_sched_free(&cand);
    return failed;
}

static int try_duration(search *s, int64_t duration_ns)
{
    shrink_sched cand;
    shrink_sched_copy(&cand, &s->best);
    cand.duration_ns = duration_ns;
    int failed = try_candidate(s, &cand);
    shrink_sched_free(&cand);
    return failed;
}

/* The largest cut of at most room (in steps) that still fails, by
 * bisection: the whole of it first, then halves between the largest cut
 * known to fail and the smallest known to pass. cut(s, x) tries cutting x
 * more from the best (which then holds every cut made so far). */
static void cut_down(search *s, int64_t room, int (*cut)(search *, int64_t))
{
    const int64_t step = s->o->step_ns > 0 ? s->o->step_ns : 1;
    int64_t lo = 0, hi = round_step(room, step);
    if (hi < step || cut(s, hi))
        return;
    while (hi - lo > step && !s->over) {
        int64_t mid = lo + round_step((hi - lo) / 2, step);
        if (mid <= lo)
            mid = lo + step;
        if (cut(s, mid - lo))
            lo = mid;
        else
            hi = mid;
    }
}

static int cut_lead(search *s, int64_t x)
{
    return try_shift(s, x);
}

static int cut_tail(search *s, int64_t x)
{
    return try_duration(s, s->best.duration_ns - x);
}

static void shrink_run(search *s)
{
    int64_t first = s->best.duration_ns;
    for (size_t i = 0; i < s->best.n; i++)
        if (s->best.units[i].at_ns < first)
            first = s->best.units[i].at_ns;
    if (s->best.n && first > s->o->min_lead_ns)
        cut_down(s, first - s->o->min_lead_ns, cut_lead);
    int64_t end = shrink_sched_end(&s->best);
    int64_t floor = end + s->o->min_tail_ns;
    if (floor < s->o->min_lead_ns + s->o->min_tail_ns)
        floor = s->o->min_lead_ns + s->o->min_tail_ns;
    if (s->best.duration_ns > floor)
        cut_down(s, s->best.duration_ns - floor, cut_tail);
}

/* The workload's rate halved while the failure holds, down to an eighth. */
static void shrink_rate(search *s)
{
    const double floor = s->best.rate / 8;
    while (!s->over && s->best.rate / 2 >= floor && s->best.rate >= 2) {
        shrink_sched cand;
        shrink_sched_copy(&cand, &s->best);
        cand.rate = (double)(int64_t)(cand.rate / 2);
        int failed = try_candidate(s, &cand);
        shrink_sched_free(&cand);
        if (!failed)
            break;
    }
}

/* ====== The search ====== */

int shrink_search(const shrink_sched *orig, const shrink_opts *o_in, shrink_test_fn test, void *ctx,
                  shrink_sched *best, shrink_stats *st)
{
    shrink_opts o = *o_in;
    if (o.min_for_ns <= 0)
        o.min_for_ns = SHRINK_DEFAULT_MIN_FOR_NS;
    if (o.min_lead_ns <= 0)
        o.min_lead_ns = SHRINK_DEFAULT_MIN_LEAD_NS;
    if (o.min_tail_ns <= 0)
        o.min_tail_ns = SHRINK_DEFAULT_MIN_TAIL_NS;
    if (o.step_ns <= 0)
        o.step_ns = SHRINK_DEFAULT_STEP_NS;
    memset(st, 0, sizeof(*st));
    search s = {.o = &o, .test = test, .ctx = ctx, .st = st};
    s.start_ns = search_now(&s);
    shrink_sched_copy(&s.best, orig);
    ddmin(&s);
    for (size_t i = 0; i < s.best.n && !s.over; i++) {
        shrink_hosts(&s, i);
        shrink_duration(&s, i);
        shrink_size(&s, i);
    }
    if (!s.over)
        shrink_run(&s);
    if (!s.over && s.best.rate > 0)
        shrink_rate(&s);
    *best = s.best;
    return 0;
}
