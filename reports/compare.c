/* compare.c -- two runs' results side by side (`splitbrain compare`), and
 * the bounds B is held to against A. See compare.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checker.h"
#include "compare.h"
#include "util.h"

#define COLOR_RESET "\033[0m"
#define COLOR_BOLD "\033[1m"
#define COLOR_RED "\033[31m"
#define COLOR_GREEN "\033[32m"
#define COLOR_YELLOW "\033[33m"

/* Differences this small against the operands are floating-point noise
 * (0.76 - 0.75 > 0.01 in doubles): they neither break a bound nor show. */
#define COMPARE_REL_EPSILON 1e-9

static const char *load_allowed =
    "allowed: a run folder holding results.json, a folder whose latest link points at one, "
    "or a results.json file";

/* One line of the table: a checker's verdict (figure "") or one of its
 * numeric figures. */
typedef struct cmp_row {
    char checker[64];
    char figure[128];
    const char *verdict_a, *verdict_b; /* verdict rows; NULL: did not run */
    int has_a, has_b;
    json_int_t ia, ib; /* exact values when is_int */
    double a, b;
    int int_a, int_b;
    char note[512]; /* bounds on this row: "ok (increase <= 0.01)" */
    int worse;
} cmp_row;

struct sb_compare {
    json_t *a, *b;
    char *label_a, *label_b;
    cmp_row *rows;
    size_t n_rows, cap_rows;
    size_t n_bounds; /* bounds held: gates, plus --verdicts */
    json_t *bounds;  /* [{"bound","checker","figure","ok","reason"}] */
    json_t *reasons; /* [string] */
};

const char *compare_gate_option(sb_gate_kind kind)
{
    switch (kind) {
    case SB_GATE_MAX_INCREASE:
        return "--max-increase";
    case SB_GATE_MAX_DECREASE:
        return "--max-decrease";
    case SB_GATE_MAX:
        return "--max";
    default:
        return "--min";
    }
}

/* ====== Bounds from the command line ====== */

int compare_gate_parse(sb_gate_kind kind, const char *value, sb_gate *out, char *err)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    snprintf(out->arg, sizeof(out->arg), "%s %s", compare_gate_option(kind), value);
    const char *dot = strchr(value, '.');
    const char *eq = strrchr(value, '=');
    if (!dot || !eq || eq < dot || dot == value || eq == dot + 1 || !eq[1]) {
        sb_err_set(err,
                   "%s: malformed bound; allowed: CHECKER.FIGURE=NUMBER, e.g. %s "
                   "set.lost_fraction=0.01",
                   out->arg, compare_gate_option(kind));
        return -1;
    }
    size_t nc = (size_t)(dot - value), nf = (size_t)(eq - dot - 1);
    if (nc >= sizeof(out->checker) || nf >= sizeof(out->figure)) {
        sb_err_set(err, "%s: checker or figure name too long; allowed: CHECKER.FIGURE=NUMBER",
                   out->arg);
        return -1;
    }
    memcpy(out->checker, value, nc);
    memcpy(out->figure, dot + 1, nf);
    char *end;
    errno = 0;
    double x = strtod(eq + 1, &end);
    if (errno || *end || !isfinite(x)) {
        sb_err_set(err,
                   "%s: \"%s\" is not a number; allowed: CHECKER.FIGURE=NUMBER (e.g. 0.01, "
                   "5, 1e-3)",
                   out->arg, eq + 1);
        return -1;
    }
    out->limit = x;
    return 0;
}

/* ====== Loading results.json ====== */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

json_t *compare_load(const char *path, char *resolved, size_t resolved_len, char *err)
{
    struct stat st;
    if (stat(path, &st) == -1) {
        sb_err_set(err, "%s: %s; %s", path, strerror(errno), load_allowed);
        return NULL;
    }
    snprintf(resolved, resolved_len, "%s", path);
    if (S_ISDIR(st.st_mode)) {
        snprintf(resolved, resolved_len, "%s/results.json", path);
        if (!is_file(resolved))
            snprintf(resolved, resolved_len, "%s/latest/results.json", path);
        if (!is_file(resolved)) {
            sb_err_set(err, "%s: no results.json in this folder nor in its latest link; %s", path,
                       load_allowed);
            return NULL;
        }
    }
    json_error_t jerr;
    json_t *j = json_load_file(resolved, 0, &jerr);
    if (!j) {
        sb_err_set(err, "%s:%d:%d: %s; %s", resolved, jerr.line, jerr.column, jerr.text,
                   load_allowed);
        return NULL;
    }
    if (!json_is_object(json_object_get(j, "checkers"))) {
        sb_err_set(err, "%s: not a results.json (no \"checkers\" object); %s", resolved,
                   load_allowed);
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ====== Lining the two runs up ====== */

static json_t *checker_of(const json_t *doc, const char *checker)
{
    return json_object_get(json_object_get(doc, "checkers"), checker);
}

/* A numeric figure of doc's checker: 1 with its value, 0 when absent. A
 * figure the checker names by pattern (events' "+tilt@n2") that the run
 * lacks counts as 0, as it does in a scenario's expect. */
static int figure_of(const json_t *doc, const char *checker, const char *figure, double *v,
                     json_int_t *iv, int *is_int)
{
    json_t *c = checker_of(doc, checker);
    if (!c)
        return 0;
    json_t *x = json_object_get(json_object_get(c, "figures"), figure);
    if (json_is_number(x)) {
        *is_int = json_is_integer(x);
        *iv = json_is_integer(x) ? json_integer_value(x) : 0;
        *v = json_number_value(x);
        return 1;
    }
    const sb_checker *ck = checker_find(checker);
    if (!x && ck && ck->figure_ok && ck->figure_ok(figure)) {
        *v = 0;
        *iv = 0;
        *is_int = 1;
        return 1;
    }
    return 0;
}

static cmp_row *row_add(sb_compare *c, const char *checker, const char *figure)
{
    if (c->n_rows == c->cap_rows) {
        c->cap_rows = c->cap_rows ? 2 * c->cap_rows : 32;
        c->rows = sb_xrealloc(c->rows, c->cap_rows * sizeof(*c->rows));
    }
    cmp_row *r = &c->rows[c->n_rows++];
    memset(r, 0, sizeof(*r));
    snprintf(r->checker, sizeof(r->checker), "%s", checker);
    snprintf(r->figure, sizeof(r->figure), "%s", figure);
    return r;
}

static cmp_row *row_find(sb_compare *c, const char *checker, const char *figure)
{
    for (size_t i = 0; i < c->n_rows; i++)
        if (!strcmp(c->rows[i].checker, checker) && !strcmp(c->rows[i].figure, figure))
            return &c->rows[i];
    return NULL;
}

static void figure_row_add(sb_compare *c, const char *checker, const char *figure)
{
    cmp_row *r = row_add(c, checker, figure);
    r->has_a = figure_of(c->a, checker, figure, &r->a, &r->ia, &r->int_a);
    r->has_b = figure_of(c->b, checker, figure, &r->b, &r->ib, &r->int_b);
}

static void figure_rows_of(sb_compare *c, const char *checker, const json_t *figures)
{
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)figures, name, v)
    {
        if (json_is_number(v) && !row_find(c, checker, name))
            figure_row_add(c, checker, name);
    }
}

static const char *verdict_of(const json_t *doc, const char *checker)
{
    json_t *cj = checker_of(doc, checker);
    if (!cj)
        return NULL;
    const char *v = json_string_value(json_object_get(cj, "verdict"));
    return v ? v : "?";
}

/* Verdict rows for every checker of A then of B, then the numeric figures
 * of each checker in the same order (A's order, B's extras after). */
static void rows_build(sb_compare *c)
{
    const json_t *docs[2] = {c->a, c->b};
    const char *name;
    json_t *v;
    for (int d = 0; d < 2; d++)
        json_object_foreach(json_object_get(docs[d], "checkers"), name, v)
        {
            if (row_find(c, name, ""))
                continue;
            cmp_row *r = row_add(c, name, "");
            r->verdict_a = verdict_of(c->a, name);
            r->verdict_b = verdict_of(c->b, name);
        }
    size_t n_checkers = c->n_rows;
    for (size_t i = 0; i < n_checkers; i++) {
        char checker[64];
        snprintf(checker, sizeof(checker), "%s", c->rows[i].checker);
        for (int d = 0; d < 2; d++)
            figure_rows_of(c, checker, json_object_get(checker_of(docs[d], checker), "figures"));
    }
}

/* A row for a figure a bound named and no run has, placed after the
 * checker's other figures. */
static cmp_row *figure_row_insert(sb_compare *c, const char *checker, const char *figure)
{
    size_t at = c->n_rows;
    for (size_t i = 0; i < c->n_rows; i++)
        if (!strcmp(c->rows[i].checker, checker))
            at = i + 1;
    figure_row_add(c, checker, figure);
    cmp_row row = c->rows[c->n_rows - 1];
    memmove(&c->rows[at + 1], &c->rows[at], (c->n_rows - 1 - at) * sizeof(row));
    c->rows[at] = row;
    return &c->rows[at];
}

/* "allowed: a, b, c" for a bound naming something neither run reports. */
static void allowed_figures(const sb_compare *c, const char *checker, sb_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        const cmp_row *r = &c->rows[i];
        if (!strcmp(r->checker, checker) && r->figure[0])
            sb_buf_printf(b, "%s%s", n++ ? ", " : "", r->figure);
    }
    const sb_checker *ck = checker_find(checker);
    if (ck && ck->figure_help)
        sb_buf_printf(b, "%s%s", n++ ? ", " : "", ck->figure_help);
    if (!n)
        sb_buf_puts(b, "(none: it reports no numbers)");
}

static void allowed_checkers(const sb_compare *c, sb_buf *b)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_rows; i++)
        if (!c->rows[i].figure[0])
            sb_buf_printf(b, "%s%s", n++ ? ", " : "", c->rows[i].checker);
    if (!n)
        sb_buf_puts(b, "(none: neither run has a checker)");
}

/* The row a gate bounds; a pattern figure (events' "+tilt@n2") neither run
 * has gets a row of zeros. NULL with err when neither run knows it. */
static cmp_row *gate_row(sb_compare *c, const sb_gate *g, char *err)
{
    cmp_row *r = row_find(c, g->checker, g->figure);
    if (r)
        return r;
    sb_buf b;
    sb_buf_init(&b);
    if (!row_find(c, g->checker, "")) {
        allowed_checkers(c, &b);
        sb_err_set(err, "%s: neither run has a checker \"%s\"; allowed: %s", g->arg, g->checker,
                   b.data);
        sb_buf_free(&b);
        return NULL;
    }
    double v;
    json_int_t iv;
    int is_int;
    if (figure_of(c->a, g->checker, g->figure, &v, &iv, &is_int) ||
        figure_of(c->b, g->checker, g->figure, &v, &iv, &is_int)) {
        sb_buf_free(&b);
        return figure_row_insert(c, g->checker, g->figure);
    }
    allowed_figures(c, g->checker, &b);
    json_t *fa =
        json_object_get(json_object_get(checker_of(c->a, g->checker), "figures"), g->figure);
    json_t *fb =
        json_object_get(json_object_get(checker_of(c->b, g->checker), "figures"), g->figure);
    if (fa || fb)
        sb_err_set(err, "%s: %s.%s is not a number (only numbers are compared); allowed: %s",
                   g->arg, g->checker, g->figure, b.data);
    else
        sb_err_set(err, "%s: neither run reports a figure \"%s\" for checker %s; allowed: %s",
                   g->arg, g->figure, g->checker, b.data);
    sb_buf_free(&b);
    return NULL;
}

/* ====== Holding B to the bounds ====== */

static void num_format(double v, json_int_t iv, int is_int, char *buf, size_t len)
{
    if (is_int)
        snprintf(buf, len, "%lld", (long long)iv);
    else
        snprintf(buf, len, "%.6g", v);
}

static int row_both_int(const cmp_row *r)
{
    return r->int_a && r->int_b;
}

/* B - A with the noise of doubles taken out. */
static double row_delta(const cmp_row *r)
{
    if (row_both_int(r))
        return (double)(r->ib - r->ia);
    double d = r->b - r->a;
    if (fabs(d) <= COMPARE_REL_EPSILON * fmax(fabs(r->a), fabs(r->b)))
        return 0;
    return d;
}

static int exceeds(double x, double limit)
{
    return x > limit + COMPARE_REL_EPSILON * fmax(1.0, fabs(limit));
}

static const char *gate_rule(const sb_gate *g, char *buf, size_t len)
{
    static const char *const words[] = {"increase <=", "decrease <=", "<=", ">="};
    snprintf(buf, len, "%s %g", words[g->kind], g->limit);
    return buf;
}

static void note_add(cmp_row *r, int ok, const char *rule)
{
    size_t n = strlen(r->note);
    snprintf(r->note + n, sizeof(r->note) - n, "%s%s (%s)", n ? "; " : "", ok ? "ok" : "WORSE",
             rule);
    if (!ok)
        r->worse = 1;
}

static void bound_record(sb_compare *c, const char *arg, const char *checker, const char *figure,
                         const char *reason)
{
    json_array_append_new(c->bounds,
                          json_pack("{s:s,s:s,s:s?,s:b,s:s?}", "bound", arg, "checker", checker,
                                    "figure", figure, "ok", !reason, "reason", reason));
    if (reason)
        json_array_append_new(c->reasons, json_string(reason));
}

/* The reason g makes B worse, or "" when B keeps within it. */
static void gate_reason(const sb_gate *g, const cmp_row *r, char *why, size_t len)
{
    char va[64], vb[64], d[64];
    num_format(r->a, r->ia, r->int_a, va, sizeof(va));
    num_format(r->b, r->ib, r->int_b, vb, sizeof(vb));
    why[0] = '\0';
    int relative = g->kind == SB_GATE_MAX_INCREASE || g->kind == SB_GATE_MAX_DECREASE;
    if (!r->has_b) {
        snprintf(why, len, "%s.%s is not reported in B (%s)", g->checker, g->figure, g->arg);
        return;
    }
    if (relative && !r->has_a) {
        snprintf(why, len, "%s.%s is not reported in A, nothing to compare B with (%s)", g->checker,
                 g->figure, g->arg);
        return;
    }
    double delta = row_delta(r);
    snprintf(d, sizeof(d), "%.6g", fabs(delta));
    switch (g->kind) {
    case SB_GATE_MAX_INCREASE:
        if (exceeds(delta, g->limit))
            snprintf(why, len, "%s.%s rose by %s (%s -> %s); allowed at most %g (%s)", g->checker,
                     g->figure, d, va, vb, g->limit, g->arg);
        break;
    case SB_GATE_MAX_DECREASE:
        if (exceeds(-delta, g->limit))
            snprintf(why, len, "%s.%s fell by %s (%s -> %s); allowed at most %g (%s)", g->checker,
                     g->figure, d, va, vb, g->limit, g->arg);
        break;
    case SB_GATE_MAX:
        if (exceeds(r->b, g->limit))
            snprintf(why, len, "%s.%s is %s in B; allowed at most %g (%s)", g->checker, g->figure,
                     vb, g->limit, g->arg);
        break;
    case SB_GATE_MIN:
        if (exceeds(-r->b, -g->limit))
            snprintf(why, len, "%s.%s is %s in B; allowed at least %g (%s)", g->checker, g->figure,
                     vb, g->limit, g->arg);
        break;
    }
}

static void verdicts_hold(sb_compare *c)
{
    for (size_t i = 0; i < c->n_rows; i++) {
        cmp_row *r = &c->rows[i];
        if (r->figure[0] || !r->verdict_a || strcmp(r->verdict_a, "valid"))
            continue;
        char why[512] = "";
        if (!r->verdict_b)
            snprintf(why, sizeof(why), "%s did not run in B, valid in A (--verdicts)", r->checker);
        else if (strcmp(r->verdict_b, "valid"))
            snprintf(why, sizeof(why), "%s is %s in B, valid in A (--verdicts)", r->checker,
                     r->verdict_b);
        note_add(r, !why[0], "stays valid");
        bound_record(c, "--verdicts", r->checker, NULL, why[0] ? why : NULL);
    }
}

static int doc_check(const json_t *doc, const char *label, char *err)
{
    json_t *cs = json_object_get(doc, "checkers");
    if (!json_is_object(cs)) {
        sb_err_set(err, "%s: not a results.json (no \"checkers\" object); %s", label, load_allowed);
        return -1;
    }
    const char *name;
    json_t *v;
    json_object_foreach(cs, name, v)
    {
        if (!json_is_object(v) || strlen(name) >= 64) {
            sb_err_set(err, "%s: checkers.%s is not a checker's result; %s", label, name,
                       load_allowed);
            return -1;
        }
    }
    return 0;
}

sb_compare *compare_new(const json_t *a, const char *label_a, const json_t *b, const char *label_b,
                        const sb_compare_opts *o, char *err)
{
    if (doc_check(a, label_a, err) == -1 || doc_check(b, label_b, err) == -1)
        return NULL;
    sb_compare *c = sb_xcalloc(1, sizeof(*c));
    c->a = json_incref((json_t *)a);
    c->b = json_incref((json_t *)b);
    c->label_a = sb_xstrdup(label_a);
    c->label_b = sb_xstrdup(label_b);
    c->bounds = json_array();
    c->reasons = json_array();
    rows_build(c);
    for (size_t i = 0; i < o->n_gates; i++) {
        const sb_gate *g = &o->gates[i];
        cmp_row *r = gate_row(c, g, err);
        if (!r) {
            compare_free(c);
            return NULL;
        }
        char why[1024], rule[96];
        gate_reason(g, r, why, sizeof(why));
        note_add(r, !why[0], gate_rule(g, rule, sizeof(rule)));
        bound_record(c, g->arg, g->checker, g->figure, why[0] ? why : NULL);
        c->n_bounds++;
    }
    if (o->verdicts) {
        verdicts_hold(c);
        c->n_bounds++;
    }
    return c;
}

size_t compare_n_worse(const sb_compare *c)
{
    return json_array_size(c->reasons);
}

const char *compare_reason(const sb_compare *c, size_t i)
{
    return json_string_value(json_array_get(c->reasons, i));
}

void compare_free(sb_compare *c)
{
    if (!c)
        return;
    json_decref(c->a);
    json_decref(c->b);
    json_decref(c->bounds);
    json_decref(c->reasons);
    free(c->label_a);
    free(c->label_b);
    free(c->rows);
    free(c);
}

/* ====== Text ====== */

static void cell(FILE *out, int color, const char *code, const char *s, int width)
{
    int n = (int)strlen(s);
    fprintf(out, "%s%s%s%*s", color && code ? code : "", s, color && code ? COLOR_RESET : "",
            width > n ? width - n : 0, "");
}

static const char *verdict_code(const char *v)
{
    if (!v)
        return NULL;
    return !strcmp(v, "valid") ? COLOR_GREEN : !strcmp(v, "invalid") ? COLOR_RED : COLOR_YELLOW;
}

static const char *passed_of(const json_t *doc)
{
    if (json_is_string(json_object_get(doc, "error")))
        return "ERROR";
    return json_is_true(json_object_get(doc, "passed")) ? "PASS" : "FAIL";
}

static void meta_of(const json_t *doc, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(doc, key);
    if (json_is_string(v) && json_string_value(v)[0])
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%llu", (unsigned long long)json_integer_value(v));
    else
        snprintf(buf, len, "-");
}

static void header_write(const sb_compare *c, FILE *out, int color)
{
    static const char *const keys[] = {"name", "run_id", "seed"};
    static const char *const labels[] = {"scenario", "run id", "seed"};
    char va[4][256], vb[4][256];
    for (int i = 0; i < 3; i++) {
        meta_of(c->a, keys[i], va[i], sizeof(va[i]));
        meta_of(c->b, keys[i], vb[i], sizeof(vb[i]));
    }
    snprintf(va[3], sizeof(va[3]), "%s", passed_of(c->a));
    snprintf(vb[3], sizeof(vb[3]), "%s", passed_of(c->b));
    int w = 1;
    for (int i = 0; i < 4; i++)
        w = (int)strlen(va[i]) > w ? (int)strlen(va[i]) : w;
    fprintf(out, "A: %s\nB: %s\n\n%-10s", c->label_a, c->label_b, "");
    cell(out, color, COLOR_BOLD, "A", w + 2);
    cell(out, color, COLOR_BOLD, "B", 0);
    fputs("\n", out);
    for (int i = 0; i < 4; i++) {
        fprintf(out, "%-10s", i < 3 ? labels[i] : "passed");
        const char *ca = i < 3 ? NULL : !strcmp(va[3], "PASS") ? COLOR_GREEN : COLOR_RED;
        const char *cb = i < 3 ? NULL : !strcmp(vb[3], "PASS") ? COLOR_GREEN : COLOR_RED;
        cell(out, color, ca, va[i], w + 2);
        cell(out, color, cb, vb[i], 0);
        fputs("\n", out);
    }
}

/* The cells of a row as text: name, A, B, change. */
static void row_cells(const cmp_row *r, char *name, char *a, char *b, char *chg, size_t len)
{
    if (!r->figure[0]) {
        snprintf(name, len, "%s (verdict)", r->checker);
        snprintf(a, len, "%s", r->verdict_a ? r->verdict_a : "-");
        snprintf(b, len, "%s", r->verdict_b ? r->verdict_b : "-");
        snprintf(chg, len, "%s",
                 !r->verdict_b                        ? "only in A"
                 : !r->verdict_a                      ? "only in B"
                 : strcmp(r->verdict_a, r->verdict_b) ? "changed"
                                                      : "");
        return;
    }
    snprintf(name, len, "%s.%s", r->checker, r->figure);
    if (r->has_a)
        num_format(r->a, r->ia, r->int_a, a, len);
    else
        snprintf(a, len, "-");
    if (r->has_b)
        num_format(r->b, r->ib, r->int_b, b, len);
    else
        snprintf(b, len, "-");
    if (!r->has_a || !r->has_b) {
        snprintf(chg, len, "%s", r->has_a ? "only in A" : "only in B");
        return;
    }
    double d = row_delta(r);
    if (row_both_int(r))
        snprintf(chg, len, d ? "%+lld" : "%lld", (long long)(r->ib - r->ia));
    else
        snprintf(chg, len, d ? "%+.6g" : "%.6g", d);
    if (r->a != 0) {
        size_t n = strlen(chg);
        snprintf(chg + n, len - n, d ? " (%+.1f%%)" : " (0%%)", 100.0 * d / fabs(r->a));
    }
}

static void rows_write(const sb_compare *c, FILE *out, int color)
{
    enum { L = 192 };
    int wn = 6, wa = 1, wb = 1, wc = 6, any_note = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        char n[L], a[L], b[L], chg[L];
        row_cells(&c->rows[i], n, a, b, chg, L);
        wn = (int)strlen(n) > wn ? (int)strlen(n) : wn;
        wa = (int)strlen(a) > wa ? (int)strlen(a) : wa;
        wb = (int)strlen(b) > wb ? (int)strlen(b) : wb;
        wc = (int)strlen(chg) > wc ? (int)strlen(chg) : wc;
        any_note |= c->rows[i].note[0] != 0;
    }
    fprintf(out, "\n%-*s  %-*s  %-*s  %-*s%s\n", wn, "figure", wa, "A", wb, "B", any_note ? wc : 0,
            "change", any_note ? "  bounds" : "");
    for (size_t i = 0; i < c->n_rows; i++) {
        const cmp_row *r = &c->rows[i];
        char n[L], a[L], b[L], chg[L];
        row_cells(r, n, a, b, chg, L);
        int verdict = !r->figure[0];
        cell(out, color, verdict ? COLOR_BOLD : NULL, n, wn + 2);
        cell(out, color, verdict ? verdict_code(r->verdict_a) : NULL, a, wa + 2);
        int more = chg[0] || r->note[0]; /* no trailing blanks */
        cell(out, color, verdict ? verdict_code(r->verdict_b) : NULL, b, more ? wb + 2 : 0);
        if (r->note[0]) {
            cell(out, color, NULL, chg, wc + 2);
            cell(out, color, r->worse ? COLOR_BOLD COLOR_RED : COLOR_GREEN, r->note, 0);
        } else {
            fputs(chg, out);
        }
        fputs("\n", out);
    }
}

void compare_write_text(const sb_compare *c, FILE *out, int color)
{
    header_write(c, out, color);
    rows_write(c, out, color);
    size_t n = compare_n_worse(c);
    fputs("\n", out);
    if (!c->n_bounds) {
        fputs("result: no bounds given (--max-increase, --max-decrease, --max, --min, "
              "--verdicts)\n",
              out);
        return;
    }
    if (!n) {
        fputs("result: ", out);
        cell(out, color, COLOR_GREEN, "B is not worse than A beyond the bounds", 0);
        fprintf(out, " (%zu held)\n", c->n_bounds);
        return;
    }
    fputs("result: ", out);
    cell(out, color, COLOR_BOLD COLOR_RED, "B is worse than A beyond the bounds", 0);
    fprintf(out, " (%zu reason%s)\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "  %s\n", compare_reason(c, i));
}

/* ====== JSON ====== */

static json_t *run_json(const json_t *doc, const char *label)
{
    json_t *seed = json_object_get(doc, "seed");
    return json_pack("{s:s,s:O,s:O,s:O,s:s}", "file", label, "name",
                     json_object_get(doc, "name") ? json_object_get(doc, "name") : json_null(),
                     "run_id",
                     json_object_get(doc, "run_id") ? json_object_get(doc, "run_id") : json_null(),
                     "seed", seed ? seed : json_null(), "passed", passed_of(doc));
}

static json_t *num_json(int has, double v, json_int_t iv, int is_int)
{
    if (!has)
        return json_null();
    return is_int ? json_integer(iv) : json_real(v);
}

static json_t *row_json(const cmp_row *r)
{
    json_t *o =
        json_pack("{s:s,s:s}", "checker", r->checker, "kind", r->figure[0] ? "figure" : "verdict");
    if (!r->figure[0]) {
        json_object_set_new(o, "a", r->verdict_a ? json_string(r->verdict_a) : json_null());
        json_object_set_new(o, "b", r->verdict_b ? json_string(r->verdict_b) : json_null());
        json_object_set_new(
            o, "changed",
            json_boolean(r->verdict_a && r->verdict_b && strcmp(r->verdict_a, r->verdict_b)));
    } else {
        json_object_set_new(o, "figure", json_string(r->figure));
        json_object_set_new(o, "a", num_json(r->has_a, r->a, r->ia, r->int_a));
        json_object_set_new(o, "b", num_json(r->has_b, r->b, r->ib, r->int_b));
        int both = r->has_a && r->has_b;
        double d = both ? row_delta(r) : 0;
        json_object_set_new(o, "change",
                            !both             ? json_null()
                            : row_both_int(r) ? json_integer(r->ib - r->ia)
                                              : json_real(d));
        json_object_set_new(o, "relative",
                            both && r->a != 0 ? json_real(d / fabs(r->a)) : json_null());
    }
    json_object_set_new(o, "worse", json_boolean(r->worse));
    return o;
}

void compare_write_json(const sb_compare *c, FILE *out)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < c->n_rows; i++)
        json_array_append_new(rows, row_json(&c->rows[i]));
    json_t *j = json_pack("{s:o,s:o,s:o,s:O,s:b,s:O}", "a", run_json(c->a, c->label_a), "b",
                          run_json(c->b, c->label_b), "rows", rows, "bounds", c->bounds, "worse",
                          compare_n_worse(c) > 0, "reasons", c->reasons);
    json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputs("\n", out);
    json_decref(j);
}
