/* checker.c -- the table of checkers, found by name. */
#include "checker.h"

#include <string.h>

extern const sb_checker sb_checker_set;
extern const sb_checker sb_checker_convergence;
extern const sb_checker sb_checker_events;
extern const sb_checker sb_checker_linear;
extern const sb_checker sb_checker_counter;
extern const sb_checker sb_checker_splitbrain;
extern const sb_checker sb_checker_perf;
extern const sb_checker sb_checker_listappend;
extern const sb_checker sb_checker_stale;
extern const sb_checker sb_checker_lock;
extern const sb_checker sb_checker_cache;

/* One entry per line (clang-format off), so additions never collide. */
// clang-format off
static const sb_checker *const checkers[] = {
    &sb_checker_set,
    &sb_checker_convergence,
    &sb_checker_events,
    &sb_checker_linear,
    &sb_checker_counter,
    &sb_checker_splitbrain,
    &sb_checker_perf,
    &sb_checker_listappend,
    &sb_checker_stale,
    &sb_checker_lock,
    &sb_checker_cache,
};
// clang-format on

const sb_checker *checker_find(const char *name)
{
    for (size_t i = 0; i < sizeof(checkers) / sizeof(checkers[0]); i++)
        if (strcmp(checkers[i]->name, name) == 0)
            return checkers[i];
    return NULL;
}

const sb_checker *const *checker_table(size_t *n)
{
    *n = sizeof(checkers) / sizeof(checkers[0]);
    return checkers;
}

const char *checker_verdict_name(sb_verdict v)
{
    switch (v) {
    case SB_VERDICT_VALID:
        return "valid";
    case SB_VERDICT_INVALID:
        return "invalid";
    case SB_VERDICT_SKIPPED:
        return "skipped";
    default:
        return "unknown";
    }
}

void check_result_free(sb_check_result *r)
{
    if (r && r->figures) {
        json_decref(r->figures);
        r->figures = NULL;
    }
}
