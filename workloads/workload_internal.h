/* workload_internal.h -- what the workload files share: the deterministic
 * mixer their generators draw from, and the functions of the workloads
 * that live in files of their own (for the table in workload.c). */
#ifndef SB_WORKLOAD_INTERNAL_H
#define SB_WORKLOAD_INTERNAL_H

#include <stdint.h>

#include "workload.h"

/* splitmix64's finaliser: generate() is a pure function of (process, seq). */
static inline uint64_t wl_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* workload_lock.c */
void *lock_worker_new(const sb_scenario *s, int process);
void lock_worker_free(void *state);
void lock_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op);
sb_outcome lock_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                      char *why, size_t whylen);
int lock_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err);
void lock_ext_request(const sb_workload *w, const sb_scenario *s, int process, const sb_wop *op,
                      sb_buf *req, int64_t *extra_ns);
sb_outcome lock_ext_reply(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                          const json_t *value, sb_buf *out_value, char *why, size_t whylen);
/* The lock's two halves, for the cache workload's Redlock strategy (state
 * from lock_worker_new; maybe[] has one flag per node). acquire: 1 held
 * (validity set), 0 certainly not, -1 unknown; release: keys deleted. */
int lock_acquire(void *state, sb_wctx *x, const char *lockkey, const char *token,
                 int64_t *validity_ns, unsigned char *maybe, char *why, size_t whylen);
int lock_release_all(void *state, sb_wctx *x, const char *lockkey, const char *token,
                     const unsigned char *maybe);

/* workload_cache.c */
void *cache_worker_new(const sb_scenario *s, int process);
void cache_worker_free(void *state);
void cache_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op);
sb_outcome cache_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                       char *why, size_t whylen);
int cache_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err);

/* workload_listappend.c */
void listappend_generate(const sb_workload *w, int process, int n_processes, uint64_t seq,
                         sb_wop *op);
sb_outcome listappend_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                            char *why, size_t whylen);
int listappend_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err);

/* workload_stale.c */
void *stale_worker_new(const sb_scenario *s, int process);
void stale_worker_free(void *state);
void stale_generate(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op);
sb_outcome stale_apply(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                       char *why, size_t whylen);
int stale_final_read(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err);
const char *stale_node(void *state, const sb_lab *lab);

#endif
