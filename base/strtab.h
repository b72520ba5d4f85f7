/* strtab.h -- strings (keys, node names) to dense ids 0, 1, 2, ... for the
 * checkers: an open-addressing hash table over an array of copies. Zero
 * initialised is empty. */
#ifndef SB_STRTAB_H
#define SB_STRTAB_H

#include <stddef.h>

typedef struct sb_strtab {
    char **s; /* s[id]: the string of id */
    size_t n, cap;
    size_t *slot; /* id + 1, 0 = empty; nslot a power of two */
    size_t nslot;
} sb_strtab;

/* The id of s, added when new; -1 when out of memory. */
long sb_strtab_id(sb_strtab *t, const char *s);
void sb_strtab_free(sb_strtab *t);

#endif
