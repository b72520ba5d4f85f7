/* bench_common.h -- what the checker benchmarks share: stopping on an
 * error, timing one checker over a generated history, and printing the
 * figures as every bench_*.c reports them:
 *
 *   history: <what was generated>, generated in G s
 *   check: C s (N ns/op), verdict V, max RSS M MB
 *   summary: <the checker's summary>
 *     <figure>  <value>            (integers and reals)
 */
#ifndef SB_BENCH_COMMON_H
#define SB_BENCH_COMMON_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "checker.h"
#include "history.h"
#include "util.h"

/* "<prog>: <what>" on stderr, exit status 2. */
static inline void bench_die(const char *prog, const char *what)
{
    fprintf(stderr, "%s: %s\n", prog, what);
    exit(2);
}

static inline long bench_max_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* Runs the named checker on h into r (bench_die on an error) and returns
 * the seconds it took. */
static inline double bench_check(const char *prog, const char *checker, const sb_history *h,
                                 sb_check_result *r)
{
    char err[SB_ERR_LEN];
    int64_t t0 = sb_now_ns();
    if (checker_find(checker)->check(h, r, err))
        bench_die(prog, err);
    return (double)(sb_now_ns() - t0) / 1e9;
}

/* The "check:" and "summary:" lines. */
static inline void bench_print_check(const sb_history *h, const sb_check_result *r, double check_s)
{
    printf("check: %.3f s (%.0f ns/op), verdict %s, max RSS %ld MB\n", check_s,
           check_s * 1e9 / (double)(h->n ? h->n : 1), checker_verdict_name(r->verdict),
           bench_max_rss_mb());
    printf("summary: %s\n", r->summary);
}

/* Every integer (and, with reals, real) figure, name padded to width. */
static inline void bench_print_figures(const json_t *figures, int width, int reals)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)figures, name, v)
    {
        if (json_is_integer(v))
            printf("  %-*s %lld\n", width, name, (long long)json_integer_value(v));
        else if (reals && json_is_real(v))
            printf("  %-*s %.3f\n", width, name, json_real_value(v));
    }
}

#endif
