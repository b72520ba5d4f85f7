/* checker.h -- history analysers behind one interface.
 *
 * A checker is a pure function of the history: it never talks to Redis, so
 * it runs the same live and offline (`splitbrain check`). Its verdict is
 * valid / invalid / unknown (unknown when the history cannot decide, e.g. no
 * final read), with named figures and one summary line. */
#ifndef SB_CHECKER_H
#define SB_CHECKER_H

#include "history.h"

/* SKIPPED: not run, because the history holds nothing it reads (`check` on
 * a history from anywhere runs only the checkers that apply). */
typedef enum {
    SB_VERDICT_VALID = 0,
    SB_VERDICT_INVALID,
    SB_VERDICT_UNKNOWN,
    SB_VERDICT_SKIPPED
} sb_verdict;

typedef struct sb_check_result {
    char checker[64];
    sb_verdict verdict;
    json_t *figures;   /* owned JSON object: numbers, and lists/objects of detail */
    char summary[512]; /* one line for people */
    int64_t check_ns;  /* how long check() took (results_compute measures it; 0 unknown) */
} sb_check_result;

typedef struct sb_checker {
    const char *name;
    const char *description;
    /* NULL-terminated names of the numeric figures it reports: the only
     * names an expect may bound ("allowed: ..." in validation errors). */
    const char *const *figures;
    /* Optional: figures named by pattern (e.g. "+tilt@n2"); a figure it
     * accepts but the result lacks counts as 0. help says what is allowed. */
    int (*figure_ok)(const char *figure);
    const char *figure_help;
    /* Fills out (figures allocated by the checker); returns -1 only when the
     * history is not one this checker can read at all, with err set. */
    int (*check)(const sb_history *h, sb_check_result *out, char *err);
    /* 1 when h holds the operations this checker reads (its workload's, or
     * the controller's observations it judges); what to run when nobody
     * named the checkers. what_it_reads says it for people ("SADD writes"). */
    int (*applies)(const sb_history *h);
    const char *what_it_reads;
} sb_checker;

const sb_checker *checker_find(const char *name);
/* The table, for --help and validation messages ("allowed: set, ..."). */
const sb_checker *const *checker_table(size_t *n);
const char *checker_verdict_name(sb_verdict v); /* "valid", "invalid", "unknown", "skipped" */
void check_result_free(sb_check_result *r);

#endif
