/* jpos.h -- where each value and key of a JSON text is (line, column), by
 * JSON pointer path ("/clients/0/host"). Jansson reports positions only for
 * syntax errors; validation errors need them for every value. */
#ifndef SB_JPOS_H
#define SB_JPOS_H

#include <stddef.h>

typedef struct jpos_entry {
    char *path; /* "/a/0/b" for a value, "/a/0/b#" for the key of member b */
    int line, col;
} jpos_entry;

typedef struct jpos_index {
    jpos_entry *e;
    size_t n, cap;
} jpos_index;

/* Indexes text, which must be valid JSON (check with jansson first). */
void jpos_build(jpos_index *idx, const char *text);
void jpos_free(jpos_index *idx);
/* Position of a value (key = 0) or of a member's key (key = 1); falls back
 * to the nearest enclosing path. Line and column are 1-based. */
void jpos_find(const jpos_index *idx, const char *path, int key, int *line, int *col);

#endif
