/* jepsen_history.c -- Jepsen register histories (EDN op maps, one EDN
 * vector or list of them, or jepsen.util log lines) read into sb_history;
 * see jepsen_history.h.
 *
 * A log line's fields (process, type, f, value, then an optional error
 * text) follow the jepsen.util marker separated by tabs (Jepsen's own form)
 * or by runs of spaces (other Jepsen versions and tools that write the same
 * lines), even both on one line:
 *   INFO  jepsen.util - 3<tab>:invoke<tab>:cas<tab>[1 4]
 *   INFO  jepsen.util - 12  :ok  :cas  [3 4]  :error text
 * Each field is read as one EDN form in turn, so a value with blanks of its
 * own ([3 4], {:a 1}, "a b") stays whole; see log_op_shape for how an op
 * line is told from the other messages of the jepsen.util logger.
 *
 * An EDN history is read from the whole text, one op at a time: an op map
 * at the top level, or each element of the one vector or list that holds
 * the whole history (Knossos's files), so a long history never stands in
 * memory as one tree. Positions are offsets into the text, turned into
 * LINE:COL only for an error.
 *
 * The EDN reader is small and strict: it reads one op (or one log line)
 * into a tree allocated from an arena that is reset for every op, so error
 * paths free nothing by hand. It knows maps, vectors, lists, sets, keywords,
 * symbols, strings (with \" \\ \/ \b \f \n \r \t \uXXXX escapes),
 * characters, integers (64-bit, optional N suffix), floats (optional M),
 * ##Inf/##-Inf/##NaN, nil, true, false, ; comments and #_ discards.
 * Tagged literals: #inst and #uuid are read as their string,
 * #jepsen.independent.Tuple{:key k :value v} as [k v],
 * #jepsen.history.Op{...} as the map; any other tag is an error.
 * Nesting is limited to EDN_MAX_DEPTH. */
#define _GNU_SOURCE
#include "jepsen_history.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define EDN_MAX_DEPTH 100
#define LOG_MARKER "jepsen.util"

/* ====== Arena ====== */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    size_t pad; /* header of 32 bytes keeps the data 16-aligned */
} chunk;

typedef struct arena {
    chunk *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof(chunk) + cap);
        if (!c)
            abort();
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)(c + 1) + c->used;
    c->used += n;
    return p;
}

/* Keeps the newest chunk for the next line. */
static void arena_reset(arena *a)
{
    if (!a->head)
        return;
    chunk *c = a->head->next;
    while (c) {
        chunk *nx = c->next;
        free(c);
        c = nx;
    }
    a->head->next = NULL;
    a->head->used = 0;
}

static void arena_free(arena *a)
{
    arena_reset(a);
    free(a->head);
    a->head = NULL;
}

/* ====== EDN values ====== */

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

static const char *kind_name(ekind k)
{
    static const char *const names[] = {"nil",     "boolean",   "integer", "float",
                                        "string",  "keyword",   "symbol",  "character",
                                        "vector",  "list",      "set",     "map"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* The reader works on the whole text, so that positions (and errors) are
 * offsets into it: an EDN history reads up to the end of the text (a form
 * may span lines), a log line only up to the end of its line. */
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

static edn *fail_at(rd *r, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static edn *fail_at(rd *r, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
    r->at = at;
    return NULL;
}

/* The 1-based line and column (in bytes) of offset at in s. */
static void line_col(const char *s, size_t at, size_t *line, size_t *col)
{
    size_t ln = 1, start = 0;
    for (const char *p = s; (p = memchr(p, '\n', at - (size_t)(p - s))) != NULL; p++) {
        ln++;
        start = (size_t)(p - s) + 1;
    }
    *line = ln;
    *col = at - start + 1;
}

/* "LINE:COL" of offset at, for messages that point back to an opening. */
static const char *where(const rd *r, size_t at, char *buf, size_t len)
{
    size_t line, col;
    line_col(r->s, at, &line, &col);
    snprintf(buf, len, "%zu:%zu", line, col);
    return buf;
}

static const char *ends_what(const rd *r)
{
    return r->in_line ? "the line" : "the file";
}

static edn *node(rd *r, ekind k, size_t start)
{
    edn *e = arena_alloc(r->a, sizeof(edn));
    memset(e, 0, sizeof(*e));
    e->kind = k;
    e->start = start;
    e->end = start;
    return e;
}

static char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *d = arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ',';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Character classes: 1 symbol constituent, 2 delimiter (what may follow a
 * token). Bytes >= 0x80 (UTF-8) are constituents. */
static unsigned char char_class[256];

static void init_classes(void)
{
    for (int c = 1; c < 256; c++) {
        if (is_alpha(c) || is_digit(c) || strchr(".*+!-_?$%&=<>/:#'", c) || c >= 0x80)
            char_class[c] = 1;
        else if (is_ws(c) || strchr("()[]{}\";\\", c))
            char_class[c] = 2;
    }
}

static int is_sym_char(int c)
{
    return char_class[c & 0xFF] == 1;
}

static int is_delim(int c)
{
    return char_class[c & 0xFF] == 2;
}

/* "'x'" for printable ASCII, "byte 0xNN" otherwise. */
static const char *show_char(unsigned char c, char *buf, size_t len)
{
    if (c >= 0x20 && c < 0x7f)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", c);
    return buf;
}

static edn *read_form(rd *r);

static int skip_ws(rd *r)
{
    for (;;) {
        while (r->pos < r->n && is_ws((unsigned char)r->s[r->pos]))
            r->pos++;
        if (r->pos < r->n && r->s[r->pos] == ';') {
            const char *nl = memchr(r->s + r->pos, '\n', r->n - r->pos);
            r->pos = nl ? (size_t)(nl - r->s) : r->n; /* a comment runs to the end of its line */
            continue;
        }
        if (r->pos + 1 < r->n && r->s[r->pos] == '#' && r->s[r->pos + 1] == '_') {
            size_t at = r->pos;
            r->pos += 2;
            if (r->pos >= r->n || !read_form(r)) {
                if (r->pos >= r->n && !r->why[0])
                    fail_at(r, at, "#_ discards nothing");
                return -1;
            }
            continue;
        }
        return 0;
    }
}

static size_t token_end(rd *r, size_t from)
{
    size_t j = from;
    while (j < r->n && is_sym_char((unsigned char)r->s[j]))
        j++;
    return j;
}

/* After a token: the end of the line or a delimiter. */
static int token_ends_well(rd *r, size_t end, size_t start)
{
    if (end >= r->n || is_delim((unsigned char)r->s[end]))
        return 0;
    char b[16];
    fail_at(r, end, "unexpected %s after \"%.*s\"",
            show_char((unsigned char)r->s[end], b, sizeof(b)), (int)(end - start), r->s + start);
    return -1;
}

static edn *read_number(rd *r, size_t start, size_t end)
{
    const char *t = r->s + start;
    size_t len = end - start, k = 0;
    int neg = 0;
    if (t[0] == '+' || t[0] == '-') {
        neg = t[0] == '-';
        k = 1;
    }
    size_t j = k;
    uint64_t v = 0;
    int ovf = 0;
    while (j < len && is_digit((unsigned char)t[j])) {
        unsigned d = (unsigned)(t[j] - '0');
        if (v > (UINT64_MAX - d) / 10)
            ovf = 1;
        else
            v = v * 10 + d;
        j++;
    }
    edn *e;
    if (j == len || (j + 1 == len && t[j] == 'N')) {
        uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        if (ovf || v > lim)
            return fail_at(r, start, "integer %.*s is out of the 64-bit range", (int)len, t);
        e = node(r, E_INT, start);
        if (neg)
            e->i = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        else
            e->i = (int64_t)v;
        e->end = end;
        return e;
    }
    /* A float: digits [. digits*] [e [+-] digits+] [M], with at least one
     * of the three. */
    int frac = 0, exp = 0, big = 0;
    if (j < len && t[j] == '.') {
        frac = 1;
        j++;
        while (j < len && is_digit((unsigned char)t[j]))
            j++;
    }
    if (j < len && (t[j] == 'e' || t[j] == 'E')) {
        j++;
        if (j < len && (t[j] == '+' || t[j] == '-'))
            j++;
        size_t d0 = j;
        while (j < len && is_digit((unsigned char)t[j]))
            j++;
        if (j == d0)
            return fail_at(r, start, "invalid number \"%.*s\"", (int)len, t);
        exp = 1;
    }
    if (j + 1 == len && t[j] == 'M') {
        big = 1;
        j++;
    }
    if (j != len || !(frac || exp || big))
        return fail_at(r, start, "invalid number \"%.*s\"", (int)len, t);
    char *copy = arena_strndup(r->a, t, len - (size_t)big);
    e = node(r, E_FLOAT, start);
    e->d = strtod(copy, NULL);
    e->end = end;
    return e;
}

static size_t utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 0;
}

static edn *read_string(rd *r)
{
    size_t open = r->pos, j = r->pos + 1;
    /* Find the closing quote first, so the buffer is the raw length. */
    while (j < r->n && r->s[j] != '"')
        j += r->s[j] == '\\' ? 2 : 1;
    if (j >= r->n)
        return fail_at(r, open, "unterminated string");
    size_t close = j;
    char *out = arena_alloc(r->a, close - open);
    size_t o = 0;
    for (j = open + 1; j < close;) {
        char c = r->s[j];
        if (c != '\\') {
            out[o++] = c;
            j++;
            continue;
        }
        char esc = r->s[j + 1]; /* j + 1 < close: an escape never ends at the quote */
        j += 2;
        switch (esc) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'u': {
            uint32_t cp;
            if (j + 4 > close || hex4(r->s + j, &cp) == -1)
                return fail_at(r, j - 2, "\\u needs four hex digits");
            j += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (j + 6 <= close && r->s[j] == '\\' && r->s[j + 1] == 'u' &&
                    hex4(r->s + j + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    j += 6;
                } else {
                    cp = 0xFFFD; /* a lone surrogate */
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            if (cp == 0)
                return fail_at(r, j - 6, "\\u0000 in a string is not supported");
            o += utf8_put(out + o, cp);
            break;
        }
        default: {
            char b[16];
            return fail_at(r, j - 2, "unknown escape \\%s in a string",
                           show_char((unsigned char)esc, b, sizeof(b)));
        }
        }
    }
    out[o] = '\0';
    edn *e = node(r, E_STR, open);
    e->s = out;
    e->slen = o;
    r->pos = close + 1;
    e->end = r->pos;
    return e;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static edn *read_char(rd *r)
{
    size_t start = r->pos, j = r->pos + 1;
    if (j >= r->n)
        return fail_at(r, start, "a backslash (character literal) ends %s", ends_what(r));
    size_t end = token_end(r, j);
    if (end == j) { /* \( \[ \" ...: one character */
        end = j + utf8_len((unsigned char)r->s[j]);
        if (end > r->n)
            end = r->n;
    }
    const char *t = r->s + j;
    size_t len = end - j;
    char buf[8];
    size_t blen = 0;
    static const struct {
        const char *name;
        char c;
    } named[] = {{"newline", '\n'}, {"space", ' '},    {"tab", '\t'},
                 {"return", '\r'},  {"formfeed", '\f'}, {"backspace", '\b'}};
    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++)
        if (len == strlen(named[k].name) && !memcmp(t, named[k].name, len)) {
            buf[0] = named[k].c;
            blen = 1;
        }
    if (!blen && len == 5 && t[0] == 'u') {
        uint32_t cp;
        if (hex4(t + 1, &cp) == 0 && cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF))
            blen = utf8_put(buf, cp);
    }
    if (!blen && len == utf8_len((unsigned char)t[0])) {
        memcpy(buf, t, len);
        blen = len;
    }
    if (!blen)
        return fail_at(r, start, "bad character literal \\%.*s", (int)len, t);
    if (token_ends_well(r, end, start) == -1)
        return NULL;
    edn *e = node(r, E_CHAR, start);
    e->s = arena_strndup(r->a, buf, blen);
    e->slen = blen;
    r->pos = end;
    e->end = end;
    return e;
}

static edn *read_coll(rd *r, ekind kind, char close, size_t open)
{
    static const char *const what[] = {[E_VEC] = "vector", [E_LIST] = "list", [E_SET] = "set",
                                       [E_MAP] = "map"};
    edn *e = node(r, kind, open);
    edn **tail = &e->first;
    char b[32];
    for (;;) {
        if (skip_ws(r) == -1)
            return NULL;
        if (r->pos >= r->n)
            return fail_at(r, open, "unterminated %s: %s ends before its '%c'", what[kind],
                           ends_what(r), close);
        char c = r->s[r->pos];
        if (c == close) {
            r->pos++;
            break;
        }
        if (c == ')' || c == ']' || c == '}')
            return fail_at(r, r->pos, "'%c' cannot close the %s opened at %s", c, what[kind],
                           where(r, open, b, sizeof(b)));
        edn *child = read_form(r);
        if (!child)
            return NULL;
        *tail = child;
        tail = &child->next;
        e->n++;
    }
    if (kind == E_MAP && e->n % 2)
        return fail_at(r, open, "the map has a key without a value");
    e->end = r->pos;
    return e;
}

/* The n-th child (0-based) or NULL. */
static const edn *child(const edn *e, size_t n)
{
    const edn *c = e->first;
    while (c && n--)
        c = c->next;
    return c;
}

static const edn *map_get(const edn *m, const char *kw)
{
    for (const edn *k = m->first; k && k->next; k = k->next->next)
        if (k->kind == E_KW && !strcmp(k->s, kw))
            return k->next;
    return NULL;
}

static edn *read_tagged(rd *r)
{
    size_t start = r->pos; /* at '#' */
    size_t end = token_end(r, start + 1);
    const char *tag = r->s + start + 1;
    size_t tlen = end - start - 1;
    r->pos = end;
#define TAG_IS(lit) (tlen == sizeof(lit) - 1 && !memcmp(tag, lit, tlen))
    if (TAG_IS("inst") || TAG_IS("uuid")) {
        edn *v = read_form(r);
        if (!v)
            return NULL;
        if (v->kind != E_STR)
            return fail_at(r, start, "#%.*s needs a string", (int)tlen, tag);
        v->start = start;
        return v;
    }
    if (TAG_IS("jepsen.history.Op")) {
        edn *v = read_form(r);
        if (!v)
            return NULL;
        if (v->kind != E_MAP)
            return fail_at(r, start, "#jepsen.history.Op needs a map");
        v->start = start;
        return v;
    }
    if (TAG_IS("jepsen.independent.Tuple")) {
        edn *v = read_form(r);
        if (!v)
            return NULL;
        const edn *k = v->kind == E_MAP ? map_get(v, "key") : NULL;
        const edn *x = v->kind == E_MAP ? map_get(v, "value") : NULL;
        if (!k || !x)
            return fail_at(r, start, "#jepsen.independent.Tuple needs a map with :key and :value");
        /* Copies: the children are linked through next. */
        edn *kc = node(r, E_NIL, 0), *xc = node(r, E_NIL, 0);
        *kc = *k;
        *xc = *x;
        kc->next = xc;
        xc->next = NULL;
        edn *t = node(r, E_VEC, start);
        t->first = kc;
        t->n = 2;
        t->end = v->end;
        return t;
    }
#undef TAG_IS
    return fail_at(r, start,
                   "tagged literal #%.*s is not supported (only #inst, #uuid, "
                   "#jepsen.independent.Tuple, #jepsen.history.Op)",
                   (int)tlen, tag);
}

static edn *read_form1(rd *r)
{
    if (skip_ws(r) == -1)
        return NULL;
    if (r->pos >= r->n)
        return fail_at(r, r->pos, "%s ends where a value was expected", ends_what(r));
    size_t start = r->pos;
    unsigned char c = (unsigned char)r->s[start];
    char b[16];
    switch (c) {
    case '{': r->pos++; return read_coll(r, E_MAP, '}', start);
    case '[': r->pos++; return read_coll(r, E_VEC, ']', start);
    case '(': r->pos++; return read_coll(r, E_LIST, ')', start);
    case '}':
    case ']':
    case ')':
        return fail_at(r, start, "unexpected '%c'", c);
    case '"': return read_string(r);
    case '\\': return read_char(r);
    case '#': {
        if (start + 1 >= r->n)
            return fail_at(r, start, "'#' ends %s", ends_what(r));
        unsigned char d = (unsigned char)r->s[start + 1];
        if (d == '{') {
            r->pos += 2;
            return read_coll(r, E_SET, '}', start);
        }
        if (d == '#') {
            size_t end = token_end(r, start + 2);
            const char *t = r->s + start + 2;
            size_t len = end - start - 2;
            edn *e = node(r, E_FLOAT, start);
            if (len == 3 && !memcmp(t, "Inf", 3))
                e->d = INFINITY;
            else if (len == 4 && !memcmp(t, "-Inf", 4))
                e->d = -INFINITY;
            else if (len == 3 && !memcmp(t, "NaN", 3))
                e->d = NAN;
            else
                return fail_at(r, start, "unknown symbolic value ##%.*s", (int)len, t);
            if (token_ends_well(r, end, start) == -1)
                return NULL;
            r->pos = end;
            e->end = end;
            return e;
        }
        if (is_alpha(d))
            return read_tagged(r);
        return fail_at(r, start, "unexpected '#' followed by %s", show_char(d, b, sizeof(b)));
    }
    case ':': {
        size_t end = token_end(r, start + 1);
        if (end == start + 1)
            return fail_at(r, start, "':' without a keyword name");
        if (token_ends_well(r, end, start) == -1)
            return NULL;
        edn *e = node(r, E_KW, start);
        e->s = arena_strndup(r->a, r->s + start + 1, end - start - 1);
        e->slen = end - start - 1;
        r->pos = end;
        e->end = end;
        return e;
    }
    default: break;
    }
    if (is_digit(c) || ((c == '+' || c == '-') && start + 1 < r->n &&
                        is_digit((unsigned char)r->s[start + 1]))) {
        size_t end = token_end(r, start);
        if (token_ends_well(r, end, start) == -1)
            return NULL;
        edn *e = read_number(r, start, end);
        if (e)
            r->pos = end;
        return e;
    }
    if (is_sym_char(c) && c != '#' && c != ':') {
        size_t end = token_end(r, start);
        if (token_ends_well(r, end, start) == -1)
            return NULL;
        const char *t = r->s + start;
        size_t len = end - start;
        edn *e;
        if (len == 3 && !memcmp(t, "nil", 3)) {
            e = node(r, E_NIL, start);
        } else if (len == 4 && !memcmp(t, "true", 4)) {
            e = node(r, E_BOOL, start);
            e->b = 1;
        } else if (len == 5 && !memcmp(t, "false", 5)) {
            e = node(r, E_BOOL, start);
        } else {
            e = node(r, E_SYM, start);
            e->s = arena_strndup(r->a, t, len);
            e->slen = len;
        }
        r->pos = end;
        e->end = end;
        return e;
    }
    return fail_at(r, start, "unexpected %s", show_char(c, b, sizeof(b)));
}

static edn *read_form(rd *r)
{
    if (++r->depth > EDN_MAX_DEPTH) {
        r->depth--;
        return fail_at(r, r->pos, "nested deeper than %d levels", EDN_MAX_DEPTH);
    }
    edn *e = read_form1(r);
    r->depth--;
    return e;
}

/* ====== EDN to JSON ====== */

static json_t *jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    return j ? j : json_string("?"); /* not reached: lines are checked UTF-8 */
}

/* A map key or an independent key as text: a string's contents, a
 * keyword's or symbol's name, an integer in decimal, else its EDN text. */
static const char *key_text(arena *a, const char *line, const edn *e)
{
    char buf[32];
    switch (e->kind) {
    case E_STR:
    case E_KW:
    case E_SYM:
    case E_CHAR: return e->s;
    case E_INT:
        snprintf(buf, sizeof(buf), "%lld", (long long)e->i);
        return arena_strndup(a, buf, strlen(buf));
    default: return arena_strndup(a, line + e->start, e->end - e->start);
    }
}

static json_t *to_json(arena *a, const char *line, const edn *e)
{
    switch (e->kind) {
    case E_NIL: return json_null();
    case E_BOOL: return json_boolean(e->b);
    case E_INT: return json_integer((json_int_t)e->i);
    case E_FLOAT:
        if (isfinite(e->d))
            return json_real(e->d);
        return json_string(isnan(e->d) ? "##NaN" : e->d > 0 ? "##Inf" : "##-Inf");
    case E_STR:
    case E_KW:
    case E_SYM:
    case E_CHAR: return jstr(e->s, e->slen);
    case E_VEC:
    case E_LIST:
    case E_SET: {
        json_t *arr = json_array();
        for (const edn *c = e->first; c; c = c->next)
            json_array_append_new(arr, to_json(a, line, c));
        return arr;
    }
    case E_MAP: {
        json_t *obj = json_object();
        for (const edn *k = e->first; k && k->next; k = k->next->next)
            json_object_set_new(obj, key_text(a, line, k), to_json(a, line, k->next));
        return obj;
    }
    }
    return json_null();
}

static int is_seq(const edn *e)
{
    return e && (e->kind == E_VEC || e->kind == E_LIST);
}

/* An op's value; jepsen.independent tuples become {"k": key, "v": value}. */
static json_t *value_json(arena *a, const char *line, const char *f, int client, const edn *v)
{
    int tuple = 0;
    if (client && is_seq(v) && v->n == 2) {
        if (!strcmp(f, "read") || !strcmp(f, "write"))
            tuple = 1;
        else if (!strcmp(f, "cas"))
            tuple = is_seq(child(v, 1));
    }
    if (!tuple)
        return to_json(a, line, v);
    const edn *k = child(v, 0), *x = child(v, 1);
    json_t *j = json_object();
    json_object_set_new(j, "k", json_string(key_text(a, line, k)));
    json_object_set_new(j, "v", to_json(a, line, x));
    return j;
}

/* ====== Ops ====== */

typedef struct fields {
    const edn *process, *type, *f, *value, *time, *error;
    const char *error_text; /* log lines: the raw rest of the line */
    size_t error_len;
} fields;

static int utf8_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        uint32_t cp, min;
        if (c == 0) {
            *bad = i;
            return 0;
        }
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            *bad = i;
            return 0;
        }
        if (i + len > n) {
            *bad = i;
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                *bad = i;
                return 0;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return 0;
        }
        i += len;
    }
    return 1;
}

/* Copies at most cap - 1 bytes, not cutting a UTF-8 sequence. */
static void copy_capped(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* A form's source text for a message: on one line (control characters,
 * newlines among them, become spaces) and at most 60 bytes, "..." after a
 * cut. */
static const char *show_form(const char *text, const edn *e, char *buf, size_t len)
{
    char tmp[64];
    size_t n = e->end - e->start;
    copy_capped(tmp, sizeof(tmp) - 3, text + e->start, n);
    for (char *c = tmp; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    snprintf(buf, len, "%s%s", tmp, strlen(tmp) < n ? "..." : "");
    return buf;
}

/* Fills op from the fields of one op (read from r's text); an error names
 * the field that is wrong, or the op at op_start when a field is missing.
 * default_time stands for an absent :time. */
static int make_op(rd *r, const fields *fl, size_t op_start, int64_t default_time, sb_op *op)
{
    const char *text = r->s;
    char shown[80];
    memset(op, 0, sizeof(*op));
    if (!fl->process || !fl->type || !fl->f) {
        fail_at(r, op_start, "the op has no %s",
                !fl->process ? ":process"
                : !fl->type  ? ":type"
                             : ":f");
        return -1;
    }
    const edn *p = fl->process, *t = fl->type, *f = fl->f;
    if (p->kind == E_INT && p->i >= 0 && p->i <= INT_MAX) {
        op->process = (int)p->i;
    } else if (p->kind == E_KW) {
        op->process = SB_PROC_NEMESIS; /* :nemesis and any other named process */
    } else {
        fail_at(r, p->start,
                ":process must be a non-negative integer or a keyword (:nemesis); got %s %s",
                kind_name(p->kind), show_form(text, p, shown, sizeof(shown)));
        return -1;
    }
    if (t->kind != E_KW || history_type_parse(t->s, &op->type) == -1) {
        fail_at(r, t->start, ":type must be :invoke, :ok, :fail or :info; got %s",
                show_form(text, t, shown, sizeof(shown)));
        return -1;
    }
    if ((f->kind != E_KW && f->kind != E_SYM && f->kind != E_STR) || f->slen == 0) {
        fail_at(r, f->start, ":f must be a keyword; got %s %s", kind_name(f->kind),
                show_form(text, f, shown, sizeof(shown)));
        return -1;
    }
    copy_capped(op->f, sizeof(op->f), f->s, f->slen);
    if (fl->time && fl->time->kind != E_NIL) {
        if (fl->time->kind != E_INT) {
            fail_at(r, fl->time->start, ":time must be an integer (ns); got %s",
                    kind_name(fl->time->kind));
            return -1;
        }
        op->time_ns = fl->time->i;
    } else {
        op->time_ns = default_time;
    }
    if (fl->value && fl->value->kind != E_NIL)
        op->value = value_json(r->a, text, op->f, op->process >= 0, fl->value);
    if (fl->error && fl->error->kind != E_NIL) {
        const edn *e = fl->error;
        op->error = e->kind == E_STR ? strdup(e->s) : strndup(text + e->start, e->end - e->start);
    } else if (fl->error_text && fl->error_len) {
        op->error = strndup(fl->error_text, fl->error_len);
    }
    return 0;
}

/* The fields of an op map m. */
static int map_fields(rd *r, const edn *m, fields *fl)
{
    memset(fl, 0, sizeof(*fl));
    for (const edn *k = m->first; k && k->next; k = k->next->next) {
        if (k->kind != E_KW)
            continue;
        const edn **slot = !strcmp(k->s, "process") ? &fl->process
                           : !strcmp(k->s, "type")  ? &fl->type
                           : !strcmp(k->s, "f")     ? &fl->f
                           : !strcmp(k->s, "value") ? &fl->value
                           : !strcmp(k->s, "time")  ? &fl->time
                           : !strcmp(k->s, "error") ? &fl->error
                                                    : NULL;
        if (!slot)
            continue;
        if (*slot) {
            fail_at(r, k->start, "duplicate key :%s", k->s);
            return -1;
        }
        *slot = k->next;
    }
    return 0;
}

static const char *find_marker(const char *s, size_t n)
{
    return memmem(s, n, LOG_MARKER, sizeof(LOG_MARKER) - 1);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Skips the blanks between log fields from j; counts the tabs among them
 * into *tabs (when not NULL), since a tab is what marks Jepsen's own field
 * boundaries. */
static size_t skip_blanks(const char *s, size_t n, size_t j, int *tabs)
{
    for (; j < n && is_space(s[j]); j++)
        if (s[j] == '\t' && tabs)
            (*tabs)++;
    return j;
}

/* The types an op line can have; with spaces between the fields, the word
 * after the process must be one of them, or the line is another message. */
static int is_type_word(const char *s, size_t n)
{
    static const char *const types[] = {":invoke", ":ok", ":fail", ":info"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (n == strlen(types[i]) && !memcmp(s, types[i], n))
            return 1;
    return 0;
}

/* A log line carries an op when, after the jepsen.util marker, an optional
 * "-" or ":" separator and blanks, a single word (the process: a digit, a
 * '-' and a digit, or a keyword) is followed by a field separator: a run of
 * tabs and spaces. Jepsen's own lines put a tab there; other writers use
 * spaces, and as ordinary messages ("jepsen.util - 3 workers done") look the
 * same, a separator of spaces only must be followed by a type keyword
 * (:invoke :ok :fail :info). Sets *proc_start and *proc_end (line offsets). */
static int log_op_shape(const char *line, size_t n, size_t *proc_start, size_t *proc_end)
{
    const char *m = find_marker(line, n);
    if (!m)
        return 0;
    size_t j = skip_blanks(line, n, (size_t)(m - line) + sizeof(LOG_MARKER) - 1, NULL);
    if (j + 1 < n && (line[j] == '-' || line[j] == ':') && is_space(line[j + 1]))
        j = skip_blanks(line, n, j + 1, NULL);
    size_t k = j;
    while (k < n && !is_space(line[k]))
        k++;
    if (k == j || k == n)
        return 0; /* no word, or nothing after it: another message */
    char c = line[j];
    if (!(is_digit((unsigned char)c) || c == ':' ||
          (c == '-' && j + 1 < k && is_digit((unsigned char)line[j + 1]))))
        return 0;
    int tabs = 0;
    size_t t = skip_blanks(line, n, k, &tabs);
    if (!tabs) {
        size_t te = t;
        while (te < n && !is_space(line[te]))
            te++;
        if (!is_type_word(line + t, te - t))
            return 0;
    }
    *proc_start = j;
    *proc_end = k;
    return 1;
}

/* One field [start, end) read as a single EDN form. */
static const edn *field_form(rd *r, size_t start, size_t end, const char *what)
{
    while (start < end && is_space(r->s[start]))
        start++;
    while (end > start && is_space(r->s[end - 1]))
        end--;
    if (start == end) {
        fail_at(r, start, "the %s field is empty", what);
        return NULL;
    }
    size_t saved_n = r->n;
    r->n = end;
    r->pos = start;
    const edn *e = read_form(r);
    if (e && skip_ws(r) == -1) {
        e = NULL;
    } else if (e && r->pos < r->n) {
        fail_at(r, r->pos, "unexpected text after the %s", what);
        e = NULL;
    }
    r->n = saved_n;
    return e;
}

/* The field that starts at *pos, after its separator: one EDN form, which
 * must end at a blank or at the end of the line (a value such as [3 4] or
 * "a b" holds blanks of its own, so fields are read, not split). Moves *pos
 * past the form; *tabs is the number of tabs in the separator. */
static const edn *log_field(rd *r, size_t *pos, int *tabs, const char *what)
{
    *tabs = 0;
    size_t j = skip_blanks(r->s, r->n, *pos, tabs);
    if (j >= r->n) {
        fail_at(r, r->n,
                "the line ends before the %s: expected process, type, f and value separated "
                "by tabs or spaces after " LOG_MARKER,
                what);
        return NULL;
    }
    r->pos = j;
    const edn *e = read_form(r);
    if (!e)
        return NULL;
    if (r->pos < r->n && !is_space(r->s[r->pos])) {
        fail_at(r, r->pos, "unexpected text after the %s", what);
        return NULL;
    }
    *pos = r->pos;
    return e;
}

/* Reads the fields of a line log_op_shape accepted: process, type, f and
 * value, each one EDN form, then the rest of the line as the error text.
 * The value may be missing at the end of the line. While every separator
 * holds a tab, the line is in Jepsen's tab form and keeps its field
 * boundaries: two tabs before the value leave it empty, and the error text
 * must follow the value after a tab (so "1 2" in a value field is an error,
 * not the value 1 with the error "2"). */
static int log_op(rd *r, fields *fl, size_t proc_start, size_t proc_end)
{
    memset(fl, 0, sizeof(*fl));
    const char *s = r->s;
    size_t n = r->n, j = proc_end;
    int tabs, all_tabs = 1;
    if (!(fl->process = field_form(r, proc_start, proc_end, "process")) ||
        !(fl->type = log_field(r, &j, &tabs, "type")))
        return -1;
    all_tabs &= tabs > 0;
    if (!(fl->f = log_field(r, &j, &tabs, "f")))
        return -1;
    all_tabs &= tabs > 0;
    tabs = 0;
    size_t vs = skip_blanks(s, n, j, &tabs);
    if (vs == n)
        return 0; /* no value */
    size_t es = vs, ee = n;
    if (!(all_tabs && tabs > 1)) { /* else an empty value field; the rest is the error */
        if (!(fl->value = log_field(r, &j, &tabs, "value")))
            return -1;
        all_tabs &= tabs > 0;
        tabs = 0;
        es = skip_blanks(s, n, j, &tabs);
        if (es < ee && all_tabs && !tabs) {
            fail_at(r, es, "unexpected text after the value");
            return -1;
        }
    }
    while (ee > es && is_space(s[ee - 1]))
        ee--;
    fl->error_text = s + es;
    fl->error_len = ee - es;
    return 0;
}

static int first_non_ws(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return (unsigned char)s[i];
    return -1;
}

/* ====== Reading a whole text ====== */

/* One parse: the text, the history being built and the first error. */
typedef struct jparse {
    const char *name, *text;
    size_t len;
    sb_history *h;
    arena ar;
    char *err;
} jparse;

/* Sets err to "name:LINE:COL: why" for offset at. */
static int jp_error(jparse *p, size_t at, const char *why)
{
    size_t line, col;
    line_col(p->text, at, &line, &col);
    sb_err_set(p->err, "%s:%zu:%zu: %s", p->name, line, col, why);
    return -1;
}

/* Adds the op of fl (whose text starts at op_start) to the history. */
static int add_op(jparse *p, rd *r, const fields *fl, size_t op_start, int64_t default_time)
{
    sb_op op;
    if (make_op(r, fl, op_start, default_time, &op) == -1)
        return jp_error(p, r->at, r->why);
    history_add(p->h, &op);
    json_decref(op.value);
    free(op.error);
    return 0;
}

/* Counts lines up to offset at, moving forward only, so that numbering
 * every op of a file costs one pass over it. */
typedef struct line_counter {
    size_t pos, line;
} line_counter;

static size_t line_at(line_counter *lc, const char *text, size_t at)
{
    for (const char *q = text + lc->pos; (q = memchr(q, '\n', at - (size_t)(q - text))) != NULL;
         q++)
        lc->line++;
    lc->pos = at;
    return lc->line;
}

/* Reads the op map at r->pos (top tells the message whether a whole
 * history could have stood there) and adds its op; an absent :time is the
 * number of the line the map opens on. */
static int edn_op(jparse *p, rd *r, line_counter *lc, int top)
{
    arena_reset(&p->ar);
    size_t start = r->pos;
    edn *m = read_form(r);
    if (!m)
        return jp_error(p, r->at, r->why);
    if (m->kind != E_MAP) {
        char why[200];
        snprintf(why, sizeof(why),
                 "expected an op map {:process ..., :type ..., :f ..., :value ...}%s; got a %s",
                 top ? " or one vector or list of them" : "", kind_name(m->kind));
        return jp_error(p, start, why);
    }
    fields fl;
    if (map_fields(r, m, &fl) == -1)
        return jp_error(p, r->at, r->why);
    return add_op(p, r, &fl, start, (int64_t)line_at(lc, p->text, start));
}

/* Skips blanks, commas, ; comments and #_ discards; -1 with the error. */
static int edn_skip(jparse *p, rd *r)
{
    arena_reset(&p->ar);
    if (skip_ws(r) == -1)
        return jp_error(p, r->at, r->why);
    return 0;
}

/* An EDN history: op maps (one per line, as Jepsen writes history.edn, or
 * laid out any other way), or a single vector or list of op maps that is
 * the whole history (as Knossos's data files are), read one op at a time
 * so a long history never stands in memory as a tree. Blanks, ; comments
 * and #_ discards may stand anywhere between forms. */
static int edn_parse(jparse *p)
{
    size_t bad;
    if (!utf8_valid(p->text, p->len, &bad))
        return jp_error(p, bad, p->text[bad] ? "not UTF-8" : "a NUL byte");
    rd r = {.s = p->text, .n = p->len, .a = &p->ar};
    if (p->len >= 3 && !memcmp(p->text, "\xEF\xBB\xBF", 3))
        r.pos = 3; /* a byte order mark */
    line_counter lc = {0, 1};
    char b[32], why[200];
    if (edn_skip(p, &r) == -1)
        return -1;
    if (r.pos < r.n && (p->text[r.pos] == '[' || p->text[r.pos] == '(')) {
        size_t open = r.pos++;
        char close = p->text[open] == '[' ? ']' : ')';
        const char *what = close == ']' ? "vector" : "list";
        size_t closed;
        for (;;) {
            if (edn_skip(p, &r) == -1)
                return -1;
            if (r.pos >= r.n) {
                snprintf(why, sizeof(why), "unterminated %s of ops: the file ends before its '%c'",
                         what, close);
                return jp_error(p, open, why);
            }
            char c = p->text[r.pos];
            if (c == close) {
                closed = r.pos++;
                break;
            }
            if (c == ')' || c == ']' || c == '}') {
                snprintf(why, sizeof(why), "'%c' cannot close the %s of ops opened at %s", c, what,
                         where(&r, open, b, sizeof(b)));
                return jp_error(p, r.pos, why);
            }
            if (edn_op(p, &r, &lc, 0) == -1)
                return -1;
        }
        if (edn_skip(p, &r) == -1)
            return -1;
        if (r.pos < r.n) {
            snprintf(why, sizeof(why),
                     "unexpected text after the %s of ops that closed at %s: a whole history "
                     "is the file's only form",
                     what, where(&r, closed, b, sizeof(b)));
            return jp_error(p, r.pos, why);
        }
        return 0;
    }
    for (int top = 1; r.pos < r.n; top = 0) {
        if (edn_op(p, &r, &lc, top) == -1 || edn_skip(p, &r) == -1)
            return -1;
    }
    return 0;
}

/* A jepsen.util log: lines without an op are other log messages. */
static int log_parse(jparse *p)
{
    const char *text = p->text, *end = text + p->len;
    size_t lineno = 0;
    for (const char *q = text; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - q), off = (size_t)(q - text);
        const char *line = q;
        q = eol + 1;
        lineno++;
        if (n && line[n - 1] == '\r')
            n--;
        int first = first_non_ws(line, n);
        size_t ps, pe, bad;
        if (first == '{' || first == '#' || !log_op_shape(line, n, &ps, &pe))
            continue; /* another log message */
        if (!utf8_valid(line, n, &bad))
            return jp_error(p, off + bad, line[bad] ? "not UTF-8" : "a NUL byte");
        arena_reset(&p->ar);
        rd r = {.s = text, .n = off + n, .in_line = 1, .a = &p->ar};
        fields fl;
        if (log_op(&r, &fl, off + ps, off + pe) == -1)
            return jp_error(p, r.at, r.why);
        if (add_op(p, &r, &fl, off, (int64_t)lineno) == -1)
            return -1;
    }
    return 0;
}

/* A log file: some line names the jepsen.util logger (whatever separates
 * its fields) and is not EDN: it does not start like EDN ({ [ ( # ; : or "),
 * or it does but carries a jepsen.util op all the same (a log pattern that
 * opens with "[INFO]"). It is read in that form only. */
static int is_log(const char *text, size_t len)
{
    const char *end = text + len;
    for (const char *q = find_marker(text, len) ? text : end; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - q), ps, pe;
        int first = first_non_ws(q, n);
        if (first >= 0 && find_marker(q, n) &&
            (!strchr("{[(#;:\"", first) || (first == '[' && log_op_shape(q, n, &ps, &pe))))
            return 1;
        q = eol + 1;
    }
    return 0;
}

sb_history *jepsen_history_parse(const char *name, const char *text, size_t len, char *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_classes);
    jparse p = {.name = name, .text = text, .len = len, .h = history_new(), .err = err};
    int rc = is_log(text, len) ? log_parse(&p) : edn_parse(&p);
    arena_free(&p.ar);
    if (rc == 0 && p.h->n == 0) {
        sb_err_set(err,
                   "%s: no operations: expected EDN op maps ({:process 0, :type :invoke, "
                   ":f :read, :value nil}), one vector of them, or " LOG_MARKER " log lines",
                   name);
        rc = -1;
    }
    if (rc == -1) {
        history_free(p.h);
        return NULL;
    }
    return p.h;
}

sb_history *jepsen_history_load(const char *path, char *err)
{
    size_t len;
    char *text = sb_read_file(path, &len, err);
    if (!text)
        return NULL;
    sb_history *h = jepsen_history_parse(path, text, len, err);
    free(text);
    return h;
}
