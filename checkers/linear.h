/* linear.h -- linearizability of registers (read / write / cas), checked
 * with the Wing-Gong-Lowe search, one key at a time.
 *
 * Operations are the client operations of a history with f "read",
 * "write" or "cas". A value is either plain (one register) or
 * {"k": key, "v": value} (many registers; checked independently, which is
 * sound because linearizability is compositional). Register values are
 * integers or null (the key does not exist).
 *
 * Rules for outcomes:
 *   ok    took effect between its invocation and its completion;
 *   fail  had no effect: left out (Knossos' rule; see linear.c);
 *   info  may take effect at any point after its invocation, or never;
 *         an info read constrains nothing and is left out.
 * An operation whose process never completed it counts as info.
 *
 * The search memoises (set of linearised operations, register value) in a
 * hash table; it stops with "unknown" when it runs out of its time or
 * memory budget, never with a guess. The time budget bounds one history
 * (every key of it): `splitbrain check --time-limit` sets the checker's. */
#ifndef SB_LINEAR_H
#define SB_LINEAR_H

#include <stdint.h>

#include "history.h"

typedef struct sb_linear_budget {
    int64_t time_ns;    /* whole check; 0 = 60 s */
    uint64_t mem_bytes; /* memo tables; 0 = 2 GiB */
} sb_linear_budget;

typedef enum { SB_LINEAR_OK = 0, SB_LINEAR_VIOLATION, SB_LINEAR_UNKNOWN } sb_linear_verdict;

typedef struct sb_linear_result {
    sb_linear_verdict verdict;
    size_t keys, ops;      /* checked */
    size_t configurations; /* memo entries over all keys */
    /* On a violation: the key, the operation that could not be placed,
     * the operations concurrent with it, and the values the register could
     * have held just before (as JSON). */
    json_t *violation; /* owned; NULL unless VIOLATION */
    char why[256];     /* UNKNOWN: which budget ran out */
} sb_linear_result;

/* -1 with err when the history holds register operations it cannot read
 * (e.g. a value that is neither an integer nor null). */
int linear_check(const sb_history *h, const sb_linear_budget *budget, sb_linear_result *out,
                 char *err);
/* The time budget of the checker "linearizable" (and of linear_check
 * without a budget) for each history from now on; 0 restores 60 s. Set
 * once, before checking (`splitbrain check --time-limit`). */
void linear_set_time_limit(int64_t ns);
void linear_result_free(sb_linear_result *r);

#endif
