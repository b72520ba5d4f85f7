/* groups.h -- which client each process ran, from the controller's
 * "clients" op ({"groups": [{"client": "redis-py", "processes": [0, 1]}]})
 * and its "client-restart" ops (a restarted program's new process id is of
 * its old one's group), so that checkers can count per client. */
#ifndef SB_GROUPS_H
#define SB_GROUPS_H

#include <stddef.h>

#include "history.h"

typedef struct sb_groups {
    char (*name)[64]; /* distinct client names, in order of first mention */
    size_t n;
    int *of; /* group index of process p (p < n_of), -1 unknown */
    size_t n_of;
} sb_groups;

/* Reads h's groups into g. g->n is 0 when the history has no "clients" op
 * or every group runs the same client: nothing to split. */
void groups_read(const sb_history *h, sb_groups *g);
/* The group of process p, -1 when unknown. */
int groups_of(const sb_groups *g, int p);
void groups_free(sb_groups *g);

#endif
