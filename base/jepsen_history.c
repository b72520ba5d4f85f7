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
 * The EDN reader (edn.c) is small and strict: it reads one op (or one log line)
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

#include "edn.h"
#include "util.h"

#define LOG_MARKER "jepsen.util"

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
    case E_CHAR:
        return e->s;
    case E_INT:
        snprintf(buf, sizeof(buf), "%lld", (long long)e->i);
        return edn_arena_strndup(a, buf, strlen(buf));
    default:
        return edn_arena_strndup(a, line + e->start, e->end - e->start);
    }
}

static json_t *to_json(arena *a, const char *line, const edn *e)
{
    switch (e->kind) {
    case E_NIL:
        return json_null();
    case E_BOOL:
        return json_boolean(e->b);
    case E_INT:
        return json_integer((json_int_t)e->i);
    case E_FLOAT:
        if (isfinite(e->d))
            return json_real(e->d);
        return json_string(isnan(e->d) ? "##NaN" : e->d > 0 ? "##Inf" : "##-Inf");
    case E_STR:
    case E_KW:
    case E_SYM:
    case E_CHAR:
        return jstr(e->s, e->slen);
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
            tuple = is_seq(edn_child(v, 1));
    }
    if (!tuple)
        return to_json(a, line, v);
    const edn *k = edn_child(v, 0), *x = edn_child(v, 1);
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
        edn_fail_at(r, op_start, "the op has no %s",
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
        edn_fail_at(r, p->start,
                    ":process must be a non-negative integer or a keyword (:nemesis); got %s %s",
                    edn_kind_name(p->kind), show_form(text, p, shown, sizeof(shown)));
        return -1;
    }
    if (t->kind != E_KW || history_type_parse(t->s, &op->type) == -1) {
        edn_fail_at(r, t->start, ":type must be :invoke, :ok, :fail or :info; got %s",
                    show_form(text, t, shown, sizeof(shown)));
        return -1;
    }
    if ((f->kind != E_KW && f->kind != E_SYM && f->kind != E_STR) || f->slen == 0) {
        edn_fail_at(r, f->start, ":f must be a keyword; got %s %s", edn_kind_name(f->kind),
                    show_form(text, f, shown, sizeof(shown)));
        return -1;
    }
    copy_capped(op->f, sizeof(op->f), f->s, f->slen);
    if (fl->time && fl->time->kind != E_NIL) {
        if (fl->time->kind != E_INT) {
            edn_fail_at(r, fl->time->start, ":time must be an integer (ns); got %s",
                        edn_kind_name(fl->time->kind));
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
        op->error =
            e->kind == E_STR ? sb_xstrdup(e->s) : sb_xstrndup(text + e->start, e->end - e->start);
    } else if (fl->error_text && fl->error_len) {
        op->error = sb_xstrndup(fl->error_text, fl->error_len);
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
            edn_fail_at(r, k->start, "duplicate key :%s", k->s);
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
    if (!(edn_is_digit((unsigned char)c) || c == ':' ||
          (c == '-' && j + 1 < k && edn_is_digit((unsigned char)line[j + 1]))))
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
        edn_fail_at(r, start, "the %s field is empty", what);
        return NULL;
    }
    size_t saved_n = r->n;
    r->n = end;
    r->pos = start;
    const edn *e = edn_read_form(r);
    if (e && edn_skip_ws(r) == -1) {
        e = NULL;
    } else if (e && r->pos < r->n) {
        edn_fail_at(r, r->pos, "unexpected text after the %s", what);
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
        edn_fail_at(r, r->n,
                    "the line ends before the %s: expected process, type, f and value separated "
                    "by tabs or spaces after " LOG_MARKER,
                    what);
        return NULL;
    }
    r->pos = j;
    const edn *e = edn_read_form(r);
    if (!e)
        return NULL;
    if (r->pos < r->n && !is_space(r->s[r->pos])) {
        edn_fail_at(r, r->pos, "unexpected text after the %s", what);
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
            edn_fail_at(r, es, "unexpected text after the value");
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
    edn_line_col(p->text, at, &line, &col);
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
    edn_arena_reset(&p->ar);
    size_t start = r->pos;
    edn *m = edn_read_form(r);
    if (!m)
        return jp_error(p, r->at, r->why);
    if (m->kind != E_MAP) {
        char why[200];
        snprintf(why, sizeof(why),
                 "expected an op map {:process ..., :type ..., :f ..., :value ...}%s; got a %s",
                 top ? " or one vector or list of them" : "", edn_kind_name(m->kind));
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
    edn_arena_reset(&p->ar);
    if (edn_skip_ws(r) == -1)
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
                         edn_where(&r, open, b, sizeof(b)));
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
                     what, edn_where(&r, closed, b, sizeof(b)));
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
        edn_arena_reset(&p->ar);
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
    edn_init();
    jparse p = {.name = name, .text = text, .len = len, .h = history_new(), .err = err};
    int rc = is_log(text, len) ? log_parse(&p) : edn_parse(&p);
    edn_arena_free(&p.ar);
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
