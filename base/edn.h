/* edn.h -- the small, strict EDN reader under the Jepsen import
 * (jepsen_history.c): values in an arena that is reset for every op, read
 * one form at a time from a text, with positions as offsets. Not for use
 * outside base/. */
#ifndef SB_EDN_H
#define SB_EDN_H

#include <stddef.h>
#include <stdint.h>

#define EDN_MAX_DEPTH 100

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    size_t pad; /* header of 32 bytes keeps the data 16-aligned */
} chunk;

typedef struct arena {
    chunk *head;
} arena;

typedef enum {
    E_NIL,
    E_BOOL,
    E_INT,
    E_FLOAT,
    E_STR,
    E_KW,
    E_SYM,
    E_CHAR,
    E_VEC,
    E_LIST,
    E_SET,
    E_MAP
} ekind;

typedef struct edn {
    ekind kind;
    int b;
    int64_t i;
    double d;
    const char *s; /* STR contents, KW/SYM name (no ':'), CHAR as UTF-8; NUL-terminated */
    size_t slen;
    struct edn *first, *next; /* children; a map's are key, value, key, value, ... */
    size_t n;                 /* number of children */
    size_t start, end;        /* source span within the line */
} edn;

typedef struct rd {
    const char *s; /* the whole text */
    size_t n;      /* reading stops here: the end of the text or of the log line */
    size_t pos;
    int in_line; /* n is the end of a log line (for "the line ends" in errors) */
    arena *a;
    int depth;
    size_t at; /* where the error is (an offset into s) */
    char why[300];
} rd;

/* Once per process, before the first read (thread-safe). */
void edn_init(void);
void edn_arena_free(arena *a);
void edn_arena_reset(arena *a);
char *edn_arena_strndup(arena *a, const char *s, size_t n);
const edn *edn_child(const edn *e, size_t n);
edn *edn_fail_at(rd *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int edn_is_digit(int c);
const char *edn_kind_name(ekind k);
void edn_line_col(const char *s, size_t at, size_t *line, size_t *col);
edn *edn_read_form(rd *r);
int edn_skip_ws(rd *r);
const char *edn_where(const rd *r, size_t at, char *buf, size_t len);

#endif
