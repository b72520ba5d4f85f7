/* edn.c -- the EDN reader of the Jepsen import (see jepsen_history.c for
 * what it knows): an arena, the value tree, and the reader, which reads
 * one form at a time and reports errors at an offset of the text. */
#define _GNU_SOURCE
#include "edn.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ====== Arena ====== */

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
void edn_arena_reset(arena *a)
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

void edn_arena_free(arena *a)
{
    edn_arena_reset(a);
    free(a->head);
    a->head = NULL;
}

/* ====== EDN values ====== */

const char *edn_kind_name(ekind k)
{
    static const char *const names[] = {"nil",    "boolean", "integer", "float",
                                        "string", "keyword", "symbol",  "character",
                                        "vector", "list",    "set",     "map"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* The reader works on the whole text, so that positions (and errors) are
 * offsets into it: an EDN history reads up to the end of the text (a form
 * may span lines), a log line only up to the end of its line. */

edn *edn_fail_at(rd *r, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
    r->at = at;
    return NULL;
}

/* The 1-based line and column (in bytes) of offset at in s. */
void edn_line_col(const char *s, size_t at, size_t *line, size_t *col)
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
const char *edn_where(const rd *r, size_t at, char *buf, size_t len)
{
    size_t line, col;
    edn_line_col(r->s, at, &line, &col);
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

char *edn_arena_strndup(arena *a, const char *s, size_t n)
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

int edn_is_digit(int c)
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
        if (is_alpha(c) || edn_is_digit(c) || strchr(".*+!-_?$%&=<>/:#'", c) || c >= 0x80)
            char_class[c] = 1;
        else if (is_ws(c) || strchr("()[]{}\";\\", c))
            char_class[c] = 2;
    }
}

void edn_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_classes);
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

edn *edn_read_form(rd *r);

int edn_skip_ws(rd *r)
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
            if (r->pos >= r->n || !edn_read_form(r)) {
                if (r->pos >= r->n && !r->why[0])
                    edn_fail_at(r, at, "#_ discards nothing");
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
    edn_fail_at(r, end, "unexpected %s after \"%.*s\"",
                show_char((unsigned char)r->s[end], b, sizeof(b)), (int)(end - start),
                r->s + start);
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
    while (j < len && edn_is_digit((unsigned char)t[j])) {
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
            return edn_fail_at(r, start, "integer %.*s is out of the 64-bit range", (int)len, t);
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
        while (j < len && edn_is_digit((unsigned char)t[j]))
            j++;
    }
    if (j < len && (t[j] == 'e' || t[j] == 'E')) {
        j++;
        if (j < len && (t[j] == '+' || t[j] == '-'))
            j++;
        size_t d0 = j;
        while (j < len && edn_is_digit((unsigned char)t[j]))
            j++;
        if (j == d0)
            return edn_fail_at(r, start, "invalid number \"%.*s\"", (int)len, t);
        exp = 1;
    }
    if (j + 1 == len && t[j] == 'M') {
        big = 1;
        j++;
    }
    if (j != len || !(frac || exp || big))
        return edn_fail_at(r, start, "invalid number \"%.*s\"", (int)len, t);
    char *copy = edn_arena_strndup(r->a, t, len - (size_t)big);
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
        return edn_fail_at(r, open, "unterminated string");
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
        case 'n':
            out[o++] = '\n';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '/':
            out[o++] = '/';
            break;
        case 'u': {
            uint32_t cp;
            if (j + 4 > close || hex4(r->s + j, &cp) == -1)
                return edn_fail_at(r, j - 2, "\\u needs four hex digits");
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
                return edn_fail_at(r, j - 6, "\\u0000 in a string is not supported");
            o += utf8_put(out + o, cp);
            break;
        }
        default: {
            char b[16];
            return edn_fail_at(r, j - 2, "unknown escape \\%s in a string",
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
        return edn_fail_at(r, start, "a backslash (character literal) ends %s", ends_what(r));
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
    } named[] = {{"newline", '\n'}, {"space", ' '},     {"tab", '\t'},
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
        return edn_fail_at(r, start, "bad character literal \\%.*s", (int)len, t);
    if (token_ends_well(r, end, start) == -1)
        return NULL;
    edn *e = node(r, E_CHAR, start);
    e->s = edn_arena_strndup(r->a, buf, blen);
    e->slen = blen;
    r->pos = end;
    e->end = end;
    return e;
}

static edn *read_coll(rd *r, ekind kind, char close, size_t open)
{
    static const char *const what[] = {
        [E_VEC] = "vector", [E_LIST] = "list", [E_SET] = "set", [E_MAP] = "map"};
    edn *e = node(r, kind, open);
    edn **tail = &e->first;
    char b[32];
    for (;;) {
        if (edn_skip_ws(r) == -1)
            return NULL;
        if (r->pos >= r->n)
            return edn_fail_at(r, open, "unterminated %s: %s ends before its '%c'", what[kind],
                               ends_what(r), close);
        char c = r->s[r->pos];
        if (c == close) {
            r->pos++;
            break;
        }
        if (c == ')' || c == ']' || c == '}')
            return edn_fail_at(r, r->pos, "'%c' cannot close the %s opened at %s", c, what[kind],
                               edn_where(r, open, b, sizeof(b)));
        edn *child = edn_read_form(r);
        if (!child)
            return NULL;
        *tail = child;
        tail = &child->next;
        e->n++;
    }
    if (kind == E_MAP && e->n % 2)
        return edn_fail_at(r, open, "the map has a key without a value");
    e->end = r->pos;
    return e;
}

/* The n-th child (0-based) or NULL. */
const edn *edn_child(const edn *e, size_t n)
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
        edn *v = edn_read_form(r);
        if (!v)
            return NULL;
        if (v->kind != E_STR)
            return edn_fail_at(r, start, "#%.*s needs a string", (int)tlen, tag);
        v->start = start;
        return v;
    }
    if (TAG_IS("jepsen.history.Op")) {
        edn *v = edn_read_form(r);
        if (!v)
            return NULL;
        if (v->kind != E_MAP)
            return edn_fail_at(r, start, "#jepsen.history.Op needs a map");
        v->start = start;
        return v;
    }
    if (TAG_IS("jepsen.independent.Tuple")) {
        edn *v = edn_read_form(r);
        if (!v)
            return NULL;
        const edn *k = v->kind == E_MAP ? map_get(v, "key") : NULL;
        const edn *x = v->kind == E_MAP ? map_get(v, "value") : NULL;
        if (!k || !x)
            return edn_fail_at(r, start,
                               "#jepsen.independent.Tuple needs a map with :key and :value");
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
    return edn_fail_at(r, start,
                       "tagged literal #%.*s is not supported (only #inst, #uuid, "
                       "#jepsen.independent.Tuple, #jepsen.history.Op)",
                       (int)tlen, tag);
}

static edn *read_form1(rd *r)
{
    if (edn_skip_ws(r) == -1)
        return NULL;
    if (r->pos >= r->n)
        return edn_fail_at(r, r->pos, "%s ends where a value was expected", ends_what(r));
    size_t start = r->pos;
    unsigned char c = (unsigned char)r->s[start];
    char b[16];
    switch (c) {
    case '{':
        r->pos++;
        return read_coll(r, E_MAP, '}', start);
    case '[':
        r->pos++;
        return read_coll(r, E_VEC, ']', start);
    case '(':
        r->pos++;
        return read_coll(r, E_LIST, ')', start);
    case '}':
    case ']':
    case ')':
        return edn_fail_at(r, start, "unexpected '%c'", c);
    case '"':
        return read_string(r);
    case '\\':
        return read_char(r);
    case '#': {
        if (start + 1 >= r->n)
            return edn_fail_at(r, start, "'#' ends %s", ends_what(r));
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
                return edn_fail_at(r, start, "unknown symbolic value ##%.*s", (int)len, t);
            if (token_ends_well(r, end, start) == -1)
                return NULL;
            r->pos = end;
            e->end = end;
            return e;
        }
        if (is_alpha(d))
            return read_tagged(r);
        return edn_fail_at(r, start, "unexpected '#' followed by %s", show_char(d, b, sizeof(b)));
    }
    case ':': {
        size_t end = token_end(r, start + 1);
        if (end == start + 1)
            return edn_fail_at(r, start, "':' without a keyword name");
        if (token_ends_well(r, end, start) == -1)
            return NULL;
        edn *e = node(r, E_KW, start);
        e->s = edn_arena_strndup(r->a, r->s + start + 1, end - start - 1);
        e->slen = end - start - 1;
        r->pos = end;
        e->end = end;
        return e;
    }
    default:
        break;
    }
    if (edn_is_digit(c) || ((c == '+' || c == '-') && start + 1 < r->n &&
                            edn_is_digit((unsigned char)r->s[start + 1]))) {
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
            e->s = edn_arena_strndup(r->a, t, len);
            e->slen = len;
        }
        r->pos = end;
        e->end = end;
        return e;
    }
    return edn_fail_at(r, start, "unexpected %s", show_char(c, b, sizeof(b)));
}

edn *edn_read_form(rd *r)
{
    if (++r->depth > EDN_MAX_DEPTH) {
        r->depth--;
        return edn_fail_at(r, r->pos, "nested deeper than %d levels", EDN_MAX_DEPTH);
    }
    edn *e = read_form1(r);
    r->depth--;
    return e;
}
