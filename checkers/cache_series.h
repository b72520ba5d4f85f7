/* cache_series.h -- the cache checker's figures over time ("series"): the
 * run, from its first operation to its last, cut into at most
 * CACHE_SERIES_COLS equal columns, and per column what reached the origin,
 * the largest herd that started in it, the stale reads and the waits that
 * ended in it. Its size is bounded whatever the history's length: it is
 * what report.html draws. */
#ifndef SB_CACHE_SERIES_H
#define SB_CACHE_SERIES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CACHE_SERIES_COLS 200

typedef struct cache_col {
    long long origin;     /* arrivals at the origin (or client fetch starts) */
    long long herd_max;   /* the largest episode starting here, 0: none */
    long long stale;      /* stale ok gets completed here */
    long long starved;    /* starved gets completed here */
    int64_t stale_max_ns; /* the oldest of them: how long it had been stale */
    double wait_max_ms;   /* the longest wait of a get completed here */
} cache_col;

typedef struct cache_series {
    int64_t t0_ns, col_ns;
    size_t n;
    cache_col col[CACHE_SERIES_COLS];
} cache_series;

/* Columns from t0_ns to t1_ns (t1_ns >= t0_ns): as many as fit, at most
 * CACHE_SERIES_COLS, of a whole number of ns each (at least 1). */
void cache_series_init(cache_series *s, int64_t t0_ns, int64_t t1_ns);
/* The column of time t; times outside the run count in the first or last. */
cache_col *cache_series_at(cache_series *s, int64_t t_ns);
/* {"t0_s", "col_s", "columns", and an array of columns each of
 * "origin_requests", "herd_max", "stale_reads", "stale_max_ms",
 * "wait_max_ms", "starved"}. New reference. */
json_t *cache_series_json(const cache_series *s);

#endif
