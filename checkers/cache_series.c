/* cache_series.c -- the cache checker's figures per column of time (see
 * cache_series.h): the checker fills the columns as it meets arrivals,
 * episodes and gets; this file owns the geometry and the JSON. */
#include "cache_series.h"

#include <string.h>

void cache_series_init(cache_series *s, int64_t t0_ns, int64_t t1_ns)
{
    memset(s, 0, sizeof(*s));
    int64_t span = t1_ns > t0_ns ? t1_ns - t0_ns : 0;
    s->t0_ns = t0_ns;
    /* Rounded up, so that CACHE_SERIES_COLS columns reach the end. */
    s->col_ns = (span + CACHE_SERIES_COLS - 1) / CACHE_SERIES_COLS;
    if (s->col_ns < 1)
        s->col_ns = 1;
    int64_t n = span / s->col_ns + 1;
    s->n = n < CACHE_SERIES_COLS ? (size_t)n : CACHE_SERIES_COLS;
}

cache_col *cache_series_at(cache_series *s, int64_t t_ns)
{
    if (t_ns <= s->t0_ns)
        return &s->col[0];
    int64_t i = (t_ns - s->t0_ns) / s->col_ns;
    return &s->col[i < (int64_t)s->n ? (size_t)i : s->n - 1];
}

json_t *cache_series_json(const cache_series *s)
{
    json_t *origin = json_array(), *herd = json_array(), *stale = json_array(),
           *stale_ms = json_array(), *wait = json_array(), *starved = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const cache_col *c = &s->col[i];
        json_array_append_new(origin, json_integer(c->origin));
        json_array_append_new(herd, json_integer(c->herd_max));
        json_array_append_new(stale, json_integer(c->stale));
        json_array_append_new(stale_ms, json_real(c->stale_max_ns / 1e6));
        json_array_append_new(wait, json_real(c->wait_max_ms));
        json_array_append_new(starved, json_integer(c->starved));
    }
    return json_pack("{s:f,s:f,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "t0_s", s->t0_ns / 1e9, "col_s",
                     s->col_ns / 1e9, "columns", (json_int_t)s->n, "origin_requests", origin,
                     "herd_max", herd, "stale_reads", stale, "stale_max_ms", stale_ms,
                     "wait_max_ms", wait, "starved", starved);
}
