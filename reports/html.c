/* html.c -- report.html (one run) and index.html (several runs): the page,
 * its header and verdicts, the anomaly tables built from each checker's
 * figures, the lists of faults and node events, and the escaping every
 * string of a history or result goes through. The SVG plots are drawn in
 * html_plots.c. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html.h"

#define TABLE_CAP 200 /* rows of any anomaly table */
#define COLUMN_CAP 12 /* columns of a generic table */
#define FAULT_LIST_CAP 200
#define EVENT_LIST_CAP 300
#define HISTORY_WINDOW_CAP 80 /* history ops shown around a linearizability violation */
#define CELL_MAX 160          /* bytes of a value shown in a cell */
#define LIST_MAX 600          /* bytes of a long list shown as JSON */

#define DASH "\xe2\x80\x93" /* "–": a figure that is missing */

/* ====== Escaping ====== */

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

static void escape_n(sb_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t plain = 0; /* start of the bytes not yet appended */
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        const char *rep = NULL;
        char hex[8];
        size_t adv = 1;
        // clang-format off
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case ':':
            if (i + 2 < n && p[i + 1] == '/' && p[i + 2] == '/')
                rep = ":&#47;", adv = 2;
            break;
        default:
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && !(adv = utf8_seq(p + i, n - i)))) {
                snprintf(hex, sizeof(hex), "\\x%02X", c);
                rep = hex;
                adv = 1;
            }
        }
        // clang-format on
        if (!rep) {
            i += adv;
            continue;
        }
        sb_buf_append(b, s + plain, i - plain);
        sb_buf_puts(b, rep);
        i += adv;
        plain = i;
    }
    sb_buf_append(b, s + plain, n - plain);
}

void html_escape(sb_buf *b, const char *s)
{
    if (s)
        escape_n(b, s, strlen(s));
}

void html_escape_max(sb_buf *b, const char *s, size_t max)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n <= max) {
        escape_n(b, s, n);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    escape_n(b, s, cut);
    sb_buf_puts(b, "\xe2\x80\xa6");
}

typedef struct capped {
    sb_buf *b;
    size_t max;
} capped;

/* Stops jansson once the text is past what will be shown. */
static int dump_capped(const char *buf, size_t size, void *data)
{
    capped *c = data;
    size_t room = c->max + 8 > c->b->len ? c->max + 8 - c->b->len : 0;
    sb_buf_append(c->b, buf, size < room ? size : room);
    return c->b->len > c->max ? -1 : 0;
}

void html_json(sb_buf *b, const json_t *v, size_t max)
{
    if (!v) {
        sb_buf_puts(b, "null");
        return;
    }
    sb_buf t;
    sb_buf_init(&t);
    capped c = {&t, max};
    json_dump_callback(v, dump_capped, &c, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    html_escape_max(b, t.data ? t.data : "", max);
    sb_buf_free(&t);
}

/* ====== Page frame ====== */

static const char page_css[] =
    ":root{--ok:#2f9e44;--fail:#e03131;--info:#f08c00;--muted:#64748b;--line:#e2e8f0}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,"
    "sans-serif;color:#1e293b;background:#f4f6f9}\n"
    "main{max-width:1280px;margin:0 auto;padding:8px 24px 48px}\n"
    "h1{font-size:22px;margin:0;display:inline;vertical-align:middle}\n"
    "h2{font-size:18px;margin:30px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}\n"
    "h3{font-size:15px;margin:22px 0 6px}h4{font-size:13px;margin:14px 0 4px;color:#334155}\n"
    "a{color:#1c64c8;text-decoration:none}a:hover{text-decoration:underline}\n"
    "header.top{background:#fff;border:1px solid var(--line);border-left:8px solid #94a3b8;"
    "border-radius:10px;padding:14px 20px;margin:16px 0 8px}\n"
    "header.r-pass{border-left-color:var(--ok)}header.r-fail{border-left-color:var(--fail)}"
    "header.r-error{border-left-color:#7048e8}\n"
    ".badge{display:inline-block;padding:1px 9px;border-radius:999px;font-weight:700;"
    "font-size:12px;color:#fff;letter-spacing:.03em;vertical-align:middle;margin-right:8px}\n"
    ".r-pass .badge,.badge.r-pass,.v-valid{background:var(--ok)}"
    ".r-fail .badge,.badge.r-fail,.v-invalid{background:var(--fail)}"
    ".badge.r-error,.r-error .badge{background:#7048e8}.v-unknown{background:#868e96}\n"
    ".sub{color:var(--muted);margin:4px 0 0}.err{color:var(--fail);font-weight:600}\n"
    ".desc{max-width:900px;margin:10px 0}\n"
    "dl.meta{display:flex;flex-wrap:wrap;margin:10px 0}dl.meta div{min-width:90px;margin:0 28px "
    "6px 0}"
    "dl.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}"
    "dl.meta dd{margin:0;font-weight:600}\n"
    ".n-ok{color:var(--ok)}.n-fail{color:var(--fail)}.n-info{color:var(--info)}\n"
    ".cmd{margin-top:8px}.cmd code{display:block;background:#0f172a;color:#e2e8f0;padding:7px "
    "12px;border-radius:6px;white-space:pre-wrap;word-break:break-all}\n"
    "code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}\n"
    "nav{position:sticky;top:0;background:#f4f6f9ee;padding:6px 0;z-index:2;"
    "border-bottom:1px solid var(--line)}nav a{margin-right:16px;font-weight:600}\n"
    "table{border-collapse:collapse;background:#fff;border:1px solid var(--line);font-size:13px;"
    "margin:6px 0}\n"
    "th,td{padding:4px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}"
    "th{background:#eef2f6;font-weight:600;white-space:nowrap}\n"
    "tr:nth-child(even) td{background:#fafbfc}td.num{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.hi td{background:#fff4e6}tr.missed td{background:#fff5f5}td.met{color:var(--ok)}"
    "td.missed{color:var(--fail)}\n"
    ".note{color:var(--muted);font-size:12.5px;margin:4px 0 10px}\n"
    ".checker{background:#fff;border:1px solid var(--line);border-radius:10px;padding:4px 16px "
    "12px;margin:12px 0}\n"
    ".legend{font-size:12.5px;margin:4px 0}.legend span{margin-right:14px;white-space:nowrap}"
    ".legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;"
    "vertical-align:-2px}.sw-multi{background:#e03131;opacity:.45}\n"
    ".plot{display:block;width:100%;height:auto;background:#fff;border:1px solid var(--line);"
    "border-radius:8px;margin:8px 0}\n"
    ".plot text{font-size:11px;fill:#334155}.axis text{font-size:10px;fill:#64748b}\n"
    ".grid{stroke:#edf0f4}.ax-l{stroke:#94a3b8}\n"
    ".o-ok{fill:#51b964}.o-fail{fill:#e03131}.o-info{fill:#f2a81d}\n"
    ".fs1{fill:#7048e8;opacity:.12}.fs2{fill:#495057;opacity:.15}.fs3{fill:#1c7ed6;opacity:.12}"
    ".fs4{fill:#f76707;opacity:.12}.fs5{fill:#0ca678;opacity:.12}\n"
    ".fb1{fill:#7048e8;opacity:.4}.fb2{fill:#495057;opacity:.4}.fb3{fill:#1c7ed6;opacity:.4}"
    ".fb4{fill:#f76707;opacity:.4}.fb5{fill:#0ca678;opacity:.4}\n"
    ".fl{stroke:#0ca678;stroke-width:1.5;stroke-dasharray:3 2}.plot .fbt{font-size:10.5px;"
    "fill:#1e293b}\n"
    ".plot .lh{font-size:10px;fill:#64748b;font-weight:600}.plot .evt{font-size:9.5px;"
    "fill:#7f1d1d}\n"
    ".ev0{fill:#adb5bd}.ev1{fill:#e03131}.ev2{fill:#f76707}.ev3{fill:#1c7ed6}\n"
    ".multi{fill:#e03131;opacity:.16}.multi-b{fill:#e03131;opacity:.35}.plot .multi-t{font-size:"
    "10.5px;fill:#7f1d1d;font-weight:600}\n"
    ".p50,.p95,.p99{fill:none;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}"
    ".p50{stroke:#1c7ed6}.p95{stroke:#9c36b5}.p99{stroke:#e03131}\n"
    ".plot .pt{font-size:13px;font-weight:600}.plot .yl,.plot .yt{font-size:10px;fill:#64748b}"
    ".lg text{font-size:10.5px}\n"
    ".tw{max-height:460px;overflow:auto;margin:6px 0}"
    "table.index th{white-space:normal;vertical-align:bottom}table.index td:first-child"
    "{white-space:nowrap}table.index .badge{white-space:nowrap;margin:1px 4px 1px 0}\n"
    ".tw table{margin:0}\n"
    "footer{margin-top:36px;color:var(--muted);font-size:12px}\n";

static void page_open(sb_buf *b, const char *title)
{
    sb_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    html_escape(b, title);
    sb_buf_puts(b, "</title>\n<style>\n");
    sb_buf_puts(b, page_css);
    sb_buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

static void page_close(sb_buf *b)
{
    sb_buf_puts(b, "<footer>Written by splitbrain " SPLITBRAIN_VERSION
                   ". A self-contained page: no script, nothing loaded from elsewhere.</footer>\n"
                   "</main>\n</body>\n</html>\n");
}

static int write_atomic(const char *path, const sb_buf *b, char *err)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        sb_err_set(err, "report path too long: %s", path);
        return -1;
    }
    if (sb_write_file(tmp, b->data ? b->data : "", b->len, err) == -1)
        return -1;
    if (rename(tmp, path) == -1) {
        sb_err_set(err, "rename(%s, %s): %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static const char *result_word(const sb_run_result *r)
{
    return r->error[0] ? "ERROR" : r->passed ? "PASS" : "FAIL";
}

static const char *result_class(const sb_run_result *r)
{
    return r->error[0] ? "r-error" : r->passed ? "r-pass" : "r-fail";
}

static void verdict_badge(sb_buf *b, sb_verdict v)
{
    sb_buf_printf(b, "<span class=\"badge v-%s\">%s</span>", checker_verdict_name(v),
                  checker_verdict_name(v));
}

/* ====== Cells and generic tables ====== */

static void cell_value(sb_buf *b, const json_t *v)
{
    if (json_is_integer(v))
        sb_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        sb_buf_printf(b, "%.6g", json_real_value(v));
    else if (json_is_string(v))
        html_escape_max(b, json_string_value(v), CELL_MAX);
    else
        html_json(b, v, CELL_MAX);
}

static void td_value(sb_buf *b, const json_t *v)
{
    sb_buf_puts(b, json_is_number(v) ? "<td class=\"num\">" : "<td>");
    cell_value(b, v);
    sb_buf_puts(b, "</td>");
}

static int is_scalar(const json_t *v)
{
    return !json_is_array(v) && !json_is_object(v);
}

static int is_empty(const json_t *v)
{
    return (json_is_array(v) && !json_array_size(v)) || (json_is_object(v) && !json_object_size(v));
}

static int listed(const char *const *names, const char *name)
{
    for (size_t i = 0; names && names[i]; i++)
        if (!strcmp(names[i], name))
            return 1;
    return 0;
}

static void cap_note(sb_buf *b, size_t shown, size_t total, const char *what)
{
    if (shown < total)
        sb_buf_printf(b, "<p class=\"note\">First %zu of %zu %s shown.</p>\n", shown, total, what);
}

/* Rows of the scalar (and empty) members of o: key, value. */
static void kv_table(sb_buf *b, const json_t *o, const char *const *skip)
{
    const char *key;
    json_t *v;
    size_t rows = 0, total = 0;
    json_object_foreach((json_t *)o, key, v)
    {
        if (listed(skip, key) || !(is_scalar(v) || is_empty(v)))
            continue;
        if (total++ >= TABLE_CAP)
            continue;
        if (!rows++)
            sb_buf_puts(b, "<div class=\"tw\"><table class=\"kv\">\n");
        sb_buf_puts(b, "<tr><th>");
        html_escape_max(b, key, CELL_MAX);
        sb_buf_puts(b, "</th>");
        td_value(b, v);
        sb_buf_puts(b, "</tr>\n");
    }
    if (rows)
        sb_buf_puts(b, "</table></div>\n");
    cap_note(b, rows, total, "figures");
}

/* The element at row i of an array, or the member at position i of an
 * object of objects (with its key). */
static const json_t *row_at(const json_t *rows, size_t i, void **iter, const char **key)
{
    if (json_is_array(rows))
        return json_array_get(rows, i);
    if (!*iter)
        return NULL;
    const json_t *v = json_object_iter_value(*iter);
    *key = json_object_iter_key(*iter);
    *iter = json_object_iter_next((json_t *)rows, *iter);
    return v;
}

/* An array of objects, or an object of objects (its keys in the first
 * column): columns are the members of the first rows. */
static void object_table(sb_buf *b, const json_t *rows, size_t total)
{
    const char *cols[COLUMN_CAP];
    size_t nc = 0, n = json_is_array(rows) ? json_array_size(rows) : json_object_size(rows);
    void *iter = json_is_object(rows) ? json_object_iter((json_t *)rows) : NULL;
    for (size_t i = 0; i < n && i < 50; i++) {
        const char *rk = NULL, *key;
        json_t *v;
        /* json_object_foreach evaluates its object more than once */
        json_t *row = (json_t *)row_at(rows, i, &iter, &rk);
        json_object_foreach(row, key, v)
        {
            size_t k = 0;
            while (k < nc && strcmp(cols[k], key))
                k++;
            if (k == nc && nc < COLUMN_CAP)
                cols[nc++] = key;
        }
    }
    sb_buf_puts(b, "<div class=\"tw\"><table>\n<tr>");
    if (json_is_object(rows))
        sb_buf_puts(b, "<th></th>");
    for (size_t k = 0; k < nc; k++) {
        sb_buf_puts(b, "<th>");
        html_escape_max(b, cols[k], 40);
        sb_buf_puts(b, "</th>");
    }
    sb_buf_puts(b, "</tr>\n");
    iter = json_is_object(rows) ? json_object_iter((json_t *)rows) : NULL;
    size_t shown = 0;
    for (; shown < n && shown < TABLE_CAP; shown++) {
        const char *rk = NULL;
        const json_t *row = row_at(rows, shown, &iter, &rk);
        sb_buf_puts(b, "<tr>");
        if (rk) {
            sb_buf_puts(b, "<th>");
            html_escape_max(b, rk, 60);
            sb_buf_puts(b, "</th>");
        }
        for (size_t k = 0; k < nc; k++) {
            const json_t *v = json_object_get(row, cols[k]);
            if (v)
                td_value(b, v);
            else
                sb_buf_puts(b, "<td></td>");
        }
        sb_buf_puts(b, "</tr>\n");
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, shown, total > n ? total : n, "rows");
}

static int all_objects(const json_t *v)
{
    size_t i, n = 0;
    const char *k;
    json_t *e;
    if (json_is_array(v)) {
        json_array_foreach(v, i, e) if (!json_is_object(e)) return 0;
        n = json_array_size(v);
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, e) if (!json_is_object(e)) return 0;
        n = json_object_size(v);
    }
    return n > 0;
}

static int all_scalars(const json_t *v)
{
    const char *k;
    json_t *e;
    if (!json_is_object(v) || !json_object_size(v))
        return 0;
    json_object_foreach((json_t *)v, k, e) if (!is_scalar(e)) return 0;
    return 1;
}

/* Any figure: scalars in one table, then each list or object as a table
 * when it has the shape of one, else as compact JSON cut short. */
static void figures_generic(sb_buf *b, const json_t *fig, const char *const *skip)
{
    kv_table(b, fig, skip);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)fig, key, v)
    {
        if (listed(skip, key) || is_scalar(v) || is_empty(v))
            continue;
        sb_buf_puts(b, "<h4>");
        html_escape_max(b, key, CELL_MAX);
        if (json_is_array(v))
            sb_buf_printf(b, " <span class=\"note\">(%zu)</span>", json_array_size(v));
        sb_buf_puts(b, "</h4>\n");
        if (all_objects(v)) {
            object_table(b, v, 0);
        } else if (all_scalars(v)) {
            kv_table(b, v, NULL);
        } else {
            sb_buf_puts(b, "<p class=\"mono\">");
            html_json(b, v, LIST_MAX);
            sb_buf_puts(b, "</p>\n");
        }
    }
}

/* ====== Header and verdicts ====== */

static char *scenario_description(const sb_run_result *r)
{
    if (!r->meta.run_dir[0])
        return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/scenario.json", r->meta.run_dir);
    json_t *j = json_load_file(path, 0, NULL);
    const char *d = json_string_value(json_object_get(j, "description"));
    char *out = d ? strdup(d) : NULL;
    json_decref(j);
    return out;
}

static void meta_item(sb_buf *b, const char *dt, const char *dd)
{
    sb_buf_printf(b, "<div><dt>%s</dt><dd>", dt);
    html_escape(b, dd && dd[0] ? dd : DASH);
    sb_buf_puts(b, "</dd></div>");
}

static void page_header(sb_buf *b, const html_run *x)
{
    const sb_run_result *r = x->r;
    sb_buf_printf(b, "<header class=\"top %s\">\n<span class=\"badge\">%s</span><h1>",
                  result_class(r), result_word(r));
    html_escape(b, r->name);
    sb_buf_printf(b, "</h1>\n<p class=\"sub\">%s</p>\n",
                  r->error[0] ? "The harness could not run this scenario."
                  : r->passed ? "Every checker met the scenario's expectation."
                              : "A checker missed the scenario's expectation.");
    if (r->error[0]) {
        sb_buf_puts(b, "<p class=\"err\">");
        html_escape(b, r->error);
        sb_buf_puts(b, "</p>\n");
    }
    char *desc = scenario_description(r);
    if (desc) {
        sb_buf_puts(b, "<p class=\"desc\">");
        html_escape(b, desc);
        sb_buf_puts(b, "</p>\n");
        free(desc);
    }
    char s[64] = "";
    sb_buf_puts(b, "<dl class=\"meta\">");
    meta_item(b, "run", r->meta.run_id);
    snprintf(s, sizeof(s), "%llu", (unsigned long long)r->meta.seed);
    meta_item(b, "seed", s);
    s[0] = '\0';
    if (r->meta.started_wall_ns) {
        time_t t = (time_t)(r->meta.started_wall_ns / SB_NS_PER_S);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    meta_item(b, "started", s);
    snprintf(s, sizeof(s), "%.1f s", (double)r->duration_ns / 1e9);
    meta_item(b, "duration", s);
    sb_buf_printf(b,
                  "<div><dt>operations</dt><dd><span class=\"n-ok\">%llu ok</span> &middot; "
                  "<span class=\"n-fail\">%llu fail</span> &middot; <span class=\"n-info\">"
                  "%llu info</span></dd></div>",
                  (unsigned long long)r->n_ok, (unsigned long long)r->n_fail,
                  (unsigned long long)r->n_info);
    snprintf(s, sizeof(s), "%zu", r->faults ? json_array_size(r->faults) : (size_t)0);
    meta_item(b, "faults", s);
    meta_item(b, "run folder", r->meta.run_dir);
    sb_buf_puts(b, "</dl>\n");
    if (r->meta.command[0]) {
        sb_buf_puts(b, "<div class=\"cmd\"><span class=\"note\">rerun with</span><code>");
        html_escape(b, r->meta.command);
        sb_buf_puts(b, "</code></div>\n");
    }
    sb_buf_puts(b, "</header>\n<nav><a href=\"#verdicts\">Verdicts</a><a href=\"#timeline\">"
                   "Timeline</a><a href=\"#masters\">Who was master</a><a href=\"#perf\">"
                   "Throughput &amp; latency</a><a href=\"#anomalies\">Anomalies</a><a "
                   "href=\"#faults\">Faults</a><a href=\"#events\">Node events</a></nav>\n");
}

static void verdicts(sb_buf *b, const sb_run_result *r)
{
    sb_buf_puts(b, "<section id=\"verdicts\"><h2>Verdicts</h2>\n");
    if (!r->n_checks) {
        sb_buf_puts(b, "<p class=\"note\">No checker ran.</p></section>\n");
        return;
    }
    sb_buf_puts(b, "<table class=\"verdicts\"><tr><th>checker</th><th>verdict</th>"
                   "<th>summary</th><th>expectation</th></tr>\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        const sb_expect_outcome *o = &r->outcomes[i];
        sb_buf_printf(b, "<tr class=\"verdict%s\"><td><a href=\"#ck-%zu\">",
                      o->met ? "" : " missed", i);
        html_escape(b, c->checker);
        sb_buf_puts(b, "</a></td><td>");
        verdict_badge(b, c->verdict);
        sb_buf_puts(b, "</td><td>");
        html_escape(b, c->summary);
        if (o->met) {
            sb_buf_puts(b, "</td><td class=\"met\">\xe2\x9c\x93 met</td></tr>\n");
            continue;
        }
        sb_buf_puts(b, "</td><td class=\"missed\">\xe2\x9c\x97 missed: ");
        html_escape(b, o->reason);
        sb_buf_puts(b, "</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n</section>\n");
}

/* ====== Anomalies: checkers with tables of their own ====== */

static const json_t *fig(const sb_check_result *c, const char *name)
{
    return json_object_get(c->figures, name);
}

static void td_secs(sb_buf *b, double s)
{
    sb_buf_printf(b, "<td class=\"num\">%.3fs</td>", s);
}

static void td_text(sb_buf *b, const char *s)
{
    sb_buf_puts(b, "<td>");
    html_escape_max(b, s ? s : DASH, CELL_MAX);
    sb_buf_puts(b, "</td>");
}

typedef struct ack {
    int64_t value;
    const sb_op *op;
} ack;

static int cmp_ack(const void *a, const void *b)
{
    int64_t x = ((const ack *)a)->value, y = ((const ack *)b)->value;
    return x < y ? -1 : x > y;
}

/* The acknowledged adds of h, sorted by value. */
static ack *ok_adds(const sb_history *h, size_t *n)
{
    size_t k = 0;
    ack *a = malloc((h->n + 1) * sizeof(ack));
    for (size_t i = 0; a && i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process >= 0 && op->type == SB_OP_OK && !strcmp(op->f, "add") &&
            json_is_integer(op->value))
            a[k++] = (ack){json_integer_value(op->value), op};
    }
    if (a)
        qsort(a, k, sizeof(ack), cmp_ack);
    *n = k;
    return a;
}

static void render_set(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    const json_t *lost = fig(c, "lost");
    size_t listed_n = json_array_size(lost),
           total = (size_t)json_integer_value(fig(c, "lost_count"));
    if (total < listed_n)
        total = listed_n;
    if (listed_n) {
        size_t shown = listed_n < TABLE_CAP ? listed_n : TABLE_CAP, na = 0;
        sb_buf_puts(b, "<h4>Lost writes</h4>\n<p class=\"note\">Acknowledged adds missing from "
                       "the final read");
        if (shown < total)
            sb_buf_printf(b, ": first %zu of %zu (by value; results.json lists up to 10000)", shown,
                          total);
        sb_buf_puts(b, ".</p>\n<div class=\"tw\"><table "
                       "class=\"lost\"><tr><th>value</th><th>acknowledged at</th>"
                       "<th>by node</th><th>process</th><th>op index</th></tr>\n");
        ack *a = x->h ? ok_adds(x->h, &na) : NULL;
        for (size_t i = 0; i < shown; i++) {
            const json_t *v = json_array_get(lost, i);
            ack key = {json_integer_value(v), NULL}, *hit = NULL;
            if (a && json_is_integer(v))
                hit = bsearch(&key, a, na, sizeof(ack), cmp_ack);
            sb_buf_puts(b, "<tr>");
            td_value(b, v);
            if (hit) {
                td_secs(b, hit->op->time_ns / 1e9);
                td_text(b, hit->op->node[0] ? hit->op->node : "?");
                sb_buf_printf(b, "<td class=\"num\">%d</td><td class=\"num\">%lld</td></tr>\n",
                              hit->op->process, (long long)hit->op->index);
            } else {
                sb_buf_puts(b, "<td colspan=\"4\" class=\"note\">not in the history</td></tr>\n");
            }
        }
        sb_buf_puts(b, "</table></div>\n");
        free(a);
    }
    const json_t *windows = fig(c, "lost_windows");
    if (json_array_size(windows)) {
        sb_buf_puts(b, "<h4>When and where they were acknowledged</h4>\n<table><tr><th>from</th>"
                       "<th>to</th><th>node</th><th>lost</th></tr>\n");
        size_t i;
        json_t *w;
        json_array_foreach(windows, i, w)
        {
            if (i >= TABLE_CAP)
                break;
            sb_buf_puts(b, "<tr>");
            td_secs(b, json_integer_value(json_object_get(w, "start")) / 1e9);
            td_secs(b, json_integer_value(json_object_get(w, "end")) / 1e9);
            td_text(b, json_string_value(json_object_get(w, "node")));
            td_value(b, json_object_get(w, "count"));
            sb_buf_puts(b, "</tr>\n");
        }
        sb_buf_puts(b, "</table>\n");
        cap_note(b, i, json_array_size(windows), "windows");
    }
    if (json_object_size(fig(c, "lost_by_node"))) {
        sb_buf_puts(b, "<h4>Lost by acknowledging node</h4>\n");
        kv_table(b, fig(c, "lost_by_node"), NULL);
    }
}

static void names_joined(sb_buf *b, const json_t *a)
{
    for (size_t k = 0; k < json_array_size(a) && k < 32; k++) {
        if (k)
            sb_buf_puts(b, ", ");
        cell_value(b, json_array_get(a, k));
    }
}

static void render_splitbrain(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    const json_t *d = fig(c, "detail");
    if (!json_array_size(d))
        return;
    sb_buf_puts(b,
                "<h4>Windows with two or more masters</h4>\n<table class=\"split\"><tr><th>#</th>"
                "<th>from</th><th>to</th><th>lasted</th><th>masters</th>"
                "<th>writes acknowledged</th></tr>\n");
    size_t i;
    json_t *w;
    json_array_foreach(d, i, w)
    {
        if (i >= TABLE_CAP)
            break;
        sb_buf_printf(b, "<tr><td class=\"num\">%zu</td>", i + 1);
        td_secs(b, json_number_value(json_object_get(w, "start_s")));
        if (json_is_number(json_object_get(w, "end_s")))
            td_secs(b, json_number_value(json_object_get(w, "end_s")));
        else
            sb_buf_puts(b, "<td>open at the last poll</td>");
        td_secs(b, json_number_value(json_object_get(w, "duration_s")));
        sb_buf_puts(b, "<td>");
        names_joined(b, json_object_get(w, "masters"));
        sb_buf_puts(b, "</td><td>");
        const char *node;
        json_t *n;
        size_t k = 0;
        json_object_foreach(json_object_get(w, "acknowledged"), node, n)
        {
            sb_buf_puts(b, k++ ? ", " : "");
            html_escape_max(b, node, 64);
            sb_buf_printf(b, ": %lld", (long long)json_integer_value(n));
        }
        sb_buf_puts(b, k ? "</td></tr>\n" : "none</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n");
    cap_note(b, i, json_array_size(d), "windows");
}

static void holder_cell(sb_buf *b, const json_t *h)
{
    sb_buf_printf(b, "<td>process %lld, fence %lld, %.3fs to %.3fs (",
                  (long long)json_integer_value(json_object_get(h, "process")),
                  (long long)json_integer_value(json_object_get(h, "fence")),
                  json_integer_value(json_object_get(h, "start_ns")) / 1e9,
                  json_integer_value(json_object_get(h, "end_ns")) / 1e9);
    html_escape_max(b, json_string_value(json_object_get(h, "outcome")), 32);
    sb_buf_puts(b, ")</td>");
}

static void render_lock(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    const json_t *ex = fig(c, "examples"), *ov = json_object_get(ex, "overlaps");
    if (json_array_size(ov)) {
        sb_buf_puts(b, "<h4>Overlapping holds</h4>\n<table class=\"overlaps\"><tr><th>lock</th>"
                       "<th>overlap</th><th>holder A</th><th>holder B</th></tr>\n");
        size_t i;
        json_t *o;
        json_array_foreach(ov, i, o)
        {
            if (i >= TABLE_CAP)
                break;
            sb_buf_puts(b, "<tr>");
            td_text(b, json_string_value(json_object_get(o, "lock")));
            sb_buf_printf(b, "<td class=\"num\">%.1f ms</td>",
                          json_number_value(json_object_get(o, "overlap_ms")));
            holder_cell(b, json_object_get(o, "a"));
            holder_cell(b, json_object_get(o, "b"));
            sb_buf_puts(b, "</tr>\n");
        }
        sb_buf_puts(b, "</table>\n");
        cap_note(b, i, (size_t)json_integer_value(fig(c, "overlaps")), "overlaps");
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ex, key, v)
    {
        if (!strcmp(key, "overlaps") || is_empty(v))
            continue;
        sb_buf_puts(b, "<h4>");
        html_escape(b, key);
        sb_buf_puts(b, "</h4>\n");
        if (all_objects(v))
            object_table(b, v, 0);
        else
            html_json(b, v, LIST_MAX);
    }
}

static void history_row(sb_buf *b, const sb_op *op, int hi)
{
    sb_buf_printf(b, "<tr%s><td class=\"num\">%lld</td>", hi ? " class=\"hi\"" : "",
                  (long long)op->index);
    td_secs(b, op->time_ns / 1e9);
    if (op->process >= 0)
        sb_buf_printf(b, "<td class=\"num\">%d</td>", op->process);
    else
        td_text(b, op->process == SB_PROC_NEMESIS ? "nemesis"
                   : op->process == SB_PROC_NODE  ? "node"
                                                  : "controller");
    td_text(b, history_type_name(op->type));
    td_text(b, op->f);
    sb_buf_puts(b, "<td class=\"mono\">");
    html_json(b, op->value, CELL_MAX);
    sb_buf_puts(b, "</td>");
    td_text(b, op->node[0] ? op->node : "");
    td_text(b, op->error ? op->error : "");
    sb_buf_puts(b, "</tr>\n");
}

/* The ops of the history between the first invocation and the last
 * completion of the operations the violation names. */
static void history_window(sb_buf *b, const sb_history *h, const json_t *viol)
{
    const json_t *op = json_object_get(viol, "op");
    long long lo = LLONG_MAX, hi = -1;
    long long mark[2] = {json_integer_value(json_object_get(op, "invoke_index")),
                         json_is_integer(json_object_get(op, "complete_index"))
                             ? json_integer_value(json_object_get(op, "complete_index"))
                             : -1};
    const json_t *all[11] = {op};
    size_t na = 1;
    for (size_t i = 0; i < json_array_size(json_object_get(viol, "concurrent")) && na < 11; i++)
        all[na++] = json_array_get(json_object_get(viol, "concurrent"), i);
    for (size_t i = 0; i < na; i++) {
        long long a = json_integer_value(json_object_get(all[i], "invoke_index"));
        const json_t *c = json_object_get(all[i], "complete_index");
        long long z = json_is_integer(c) ? json_integer_value(c) : a;
        lo = a < lo ? a : lo;
        hi = z > hi ? z : hi;
    }
    if (hi < 0)
        return;
    sb_buf_puts(
        b,
        "<h4>The history around it</h4>\n<div class=\"tw\"><table><tr><th>index</th><th>time</th>"
        "<th>process</th><th>type</th><th>f</th><th>value</th><th>node</th>"
        "<th>error</th></tr>\n");
    size_t shown = 0, total = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *o = &h->ops[i];
        if (o->index < lo || o->index > hi || o->process == SB_PROC_NODE)
            continue;
        if (total++ < HISTORY_WINDOW_CAP && ++shown)
            history_row(b, o, o->index == mark[0] || o->index == mark[1]);
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, shown, total, "operations of the window");
}

static void render_linear(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    const json_t *v = fig(c, "violation");
    if (!json_is_object(v))
        return;
    sb_buf_puts(b, "<h4>The operation that cannot be placed</h4>\n");
    kv_table(b, v, NULL);
    json_t *one = json_array();
    json_array_append(one, json_object_get(v, "op"));
    object_table(b, one, 0);
    json_decref(one);
    sb_buf_printf(b, "<p class=\"note\">Values the register could hold before it: ");
    html_json(b, json_object_get(v, "values_before"), CELL_MAX);
    sb_buf_puts(b, "</p>\n");
    if (json_array_size(json_object_get(v, "concurrent"))) {
        sb_buf_puts(b, "<h4>Concurrent operations</h4>\n");
        object_table(b, json_object_get(v, "concurrent"), 0);
    }
    if (x->h)
        history_window(b, x->h, v);
}

static void render_stale(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    static const char *const kinds[][3] = {
        {"ryw", "Read-your-writes violations", "ryw_violations"},
        {"monotonic", "Monotonic-read violations", "monotonic_violations"},
        {"future", "Reads of values never written", "future_reads"}};
    const json_t *ex = fig(c, "examples");
    for (size_t k = 0; k < 3; k++) {
        const json_t *a = json_object_get(ex, kinds[k][0]);
        if (!json_array_size(a))
            continue;
        size_t total = (size_t)json_integer_value(fig(c, kinds[k][2]));
        sb_buf_printf(b, "<h4>%s <span class=\"note\">(%zu of %zu)</span></h4>\n", kinds[k][1],
                      json_array_size(a), total > json_array_size(a) ? total : json_array_size(a));
        object_table(b, a, 0);
    }
    if (json_is_object(json_object_get(ex, "stalest"))) {
        sb_buf_puts(b, "<h4>The stalest read</h4>\n");
        kv_table(b, json_object_get(ex, "stalest"), NULL);
    }
}

static void render_cycle(sb_buf *b, const json_t *e, size_t n)
{
    const json_t *steps = json_object_get(e, "cycle");
    sb_buf_printf(b,
                  "<p class=\"note\">Cycle %zu: %lld transactions; each one's edge leads to "
                  "the next, the last to the first.</p>\n<table><tr><th>txn (op index)</th>"
                  "<th>process</th><th>type</th><th>ops</th><th>key</th><th>edge</th></tr>\n",
                  n, (long long)json_integer_value(json_object_get(e, "length")));
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s)
    {
        sb_buf_puts(b, "<tr>");
        td_value(b, json_object_get(s, "index"));
        td_value(b, json_object_get(s, "process"));
        td_text(b, json_string_value(json_object_get(s, "type")));
        sb_buf_puts(b, "<td class=\"mono\">");
        html_json(b, json_object_get(s, "ops"), 300);
        sb_buf_puts(b, "</td>");
        td_text(b, json_string_value(json_object_get(s, "key")));
        sb_buf_puts(b, "<td>");
        html_escape_max(b, json_string_value(json_object_get(s, "edge")), 16);
        sb_buf_puts(b, " \xe2\x86\x92</td></tr>\n");
    }
    sb_buf_puts(b, "</table>\n");
}

static void render_listappend(sb_buf *b, const html_run *x, const sb_check_result *c)
{
    (void)x;
    const char *cls;
    json_t *ex;
    json_object_foreach((json_t *)fig(c, "anomalies"), cls, ex)
    {
        sb_buf_puts(b, "<h4>");
        html_escape_max(b, cls, 64);
        sb_buf_printf(b, " <span class=\"note\">(%zu examples)</span></h4>\n", json_array_size(ex));
        size_t i;
        json_t *e;
        int cycles = 0;
        json_array_foreach(ex, i, e)
        {
            if (json_is_array(json_object_get(e, "cycle")))
                render_cycle(b, e, ++cycles);
        }
        if (!cycles && all_objects(ex))
            object_table(b, ex, 0);
        else if (!cycles)
            html_json(b, ex, LIST_MAX);
    }
}

typedef void (*render_fn)(sb_buf *b, const html_run *x, const sb_check_result *c);

/* Checkers whose figures get tables of their own; the figures they name
 * are left out of the generic rendering that follows. */
static const struct special {
    const char *checker;
    render_fn render;
    const char *const handled[4];
} specials[] = {
    {"set", render_set, {"lost", "lost_windows", "lost_by_node", NULL}},
    {"split-brain", render_splitbrain, {"detail", NULL}},
    {"lock", render_lock, {"examples", NULL}},
    {"linearizable", render_linear, {"violation", NULL}},
    {"stale-read", render_stale, {"examples", NULL}},
    {"list-append", render_listappend, {"anomalies", NULL}},
    {"perf", NULL, {"throughput_per_s", NULL}}, /* plotted */
};

static void anomalies(sb_buf *b, const html_run *x)
{
    const sb_run_result *r = x->r;
    sb_buf_puts(b, "<section id=\"anomalies\"><h2>Anomalies and figures</h2>\n");
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        const struct special *sp = NULL;
        for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++)
            if (!strcmp(specials[k].checker, c->checker))
                sp = &specials[k];
        sb_buf_printf(b, "<div class=\"checker\" id=\"ck-%zu\"><h3>", i);
        verdict_badge(b, c->verdict);
        html_escape(b, c->checker);
        sb_buf_puts(b, "</h3>\n<p>");
        html_escape(b, c->summary);
        sb_buf_puts(b, "</p>\n");
        if (sp && sp->render && c->figures)
            sp->render(b, x, c);
        if (json_is_object(c->figures)) {
            sb_buf_puts(b, "<h4>Figures</h4>\n");
            figures_generic(b, c->figures, sp ? sp->handled : NULL);
        }
        sb_buf_puts(b, "</div>\n");
    }
    if (!r->n_checks)
        sb_buf_puts(b, "<p class=\"note\">No checker ran.</p>\n");
    sb_buf_puts(b, "</section>\n");
}

/* ====== Lists: faults and node events ====== */

static void fault_list(sb_buf *b, const html_run *x)
{
    sb_buf_puts(b, "<section id=\"faults\"><h2>Faults</h2>\n");
    if (!x->n_faults) {
        sb_buf_puts(b, "<p class=\"note\">No fault was injected.</p></section>\n");
        return;
    }
    sb_buf_puts(b, "<div class=\"tw\"><table class=\"faults\"><tr><th>at</th><th>fault</th><th>in "
                   "force until</th>"
                   "<th>lasted</th><th>outcome</th></tr>\n");
    size_t i;
    for (i = 0; i < x->n_faults && i < FAULT_LIST_CAP; i++) {
        const html_fault *f = &x->faults[i];
        sb_buf_printf(b, "<tr%s>", f->failed ? " class=\"missed\"" : "");
        td_secs(b, f->start_ns / 1e9);
        td_text(b, f->label);
        if (f->instant) {
            sb_buf_puts(b, "<td></td><td></td>");
        } else {
            if (f->open)
                sb_buf_puts(b, "<td>the end of the run (never undone)</td>");
            else
                td_secs(b, f->end_ns / 1e9);
            td_secs(b, (f->end_ns - f->start_ns) / 1e9);
        }
        td_text(b, f->skipped   ? "skipped"
                   : f->failed  ? "FAILED"
                   : !f->cls    ? "undoes"
                   : f->instant ? "done"
                                : "in force");
        sb_buf_puts(b, "</tr>\n");
    }
    sb_buf_puts(b, "</table></div>\n");
    cap_note(b, i, x->n_faults, "faults");
    sb_buf_puts(b, "</section>\n");
}

static void event_list(sb_buf *b, const html_run *x)
{
    sb_buf_puts(b, "<section id=\"events\"><h2>Node events</h2>\n");
    size_t total = 0, shown = 0;
    for (size_t i = 0; x->h && i < x->h->n; i++) {
        const sb_op *op = &x->h->ops[i];
        if (op->process != SB_PROC_NODE)
            continue;
        if (total++ >= EVENT_LIST_CAP)
            continue;
        if (!shown++)
            sb_buf_puts(b, "<div class=\"tw\"><table "
                           "class=\"events\"><tr><th>at</th><th>host</th><th>process</th>"
                           "<th>event</th><th>detail</th></tr>\n");
        sb_buf_printf(b, "<tr%s>", html_event_class(op->f) == 1 ? " class=\"hi\"" : "");
        td_secs(b, op->time_ns / 1e9);
        td_text(b, op->node);
        td_text(b, json_string_value(json_object_get(op->value, "process")));
        td_text(b, op->f);
        td_text(b, json_string_value(json_object_get(op->value, "detail")));
        sb_buf_puts(b, "</tr>\n");
    }
    if (shown)
        sb_buf_puts(b, "</table></div>\n");
    else
        sb_buf_puts(b, "<p class=\"note\">No node log events in this history.</p>\n");
    cap_note(b, shown, total, "node events");
    sb_buf_puts(b, "</section>\n");
}

/* ====== report.html ====== */

int report_html(const sb_run_result *r, const sb_history *h, const char *path, char *err)
{
    html_run x;
    if (html_run_prepare(&x, r, h) == -1) {
        html_run_free(&x);
        sb_err_set(err, "report %s: out of memory", path);
        return -1;
    }
    sb_buf b;
    sb_buf_init(&b);
    char title[128];
    snprintf(title, sizeof(title), "%s %s", result_word(r), r->name);
    page_open(&b, title);
    page_header(&b, &x);
    verdicts(&b, r);
    sb_buf_puts(&b, "<section id=\"timeline\"><h2>Timeline</h2>\n");
    html_plot_timeline(&b, &x);
    sb_buf_puts(&b, "</section>\n<section id=\"masters\"><h2>Who was master</h2>\n");
    html_plot_masters(&b, &x);
    sb_buf_puts(&b, "</section>\n<section id=\"perf\"><h2>Throughput and latency</h2>\n");
    html_plot_perf(&b, &x);
    sb_buf_puts(&b, "</section>\n");
    anomalies(&b, &x);
    fault_list(&b, &x);
    event_list(&b, &x);
    page_close(&b);
    int rc = write_atomic(path, &b, err);
    sb_buf_free(&b);
    html_run_free(&x);
    return rc;
}

/* ====== index.html ====== */

/* An absolute, normalised path ("." and ".." folded), symlinks resolved
 * when the path exists (resolve). */
static void abs_path(const char *p, char *out, size_t len, int resolve)
{
    char raw[PATH_MAX * 2], cwd[PATH_MAX];
    if (resolve && realpath(p, out))
        return;
    if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        snprintf(raw, sizeof(raw), "%s", p);
    else
        snprintf(raw, sizeof(raw), "%s/%s", cwd, p);
    size_t o = 0;
    out[0] = '\0';
    for (char *save = NULL, *c = strtok_r(raw, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            out[o] = '\0';
            continue;
        }
        int w = snprintf(out + o, len - o, "/%s", c);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    if (!o)
        snprintf(out, len, "/");
}

/* Splits an absolute path in place into its components. */
static size_t components(char *p, char **c, size_t cap)
{
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(p, "/", &save); t && n < cap;
         t = strtok_r(NULL, "/", &save))
        c[n++] = t;
    return n;
}

/* The link from folder dir to run_dir/report.html, percent-encoded. */
static void relative_link(const char *dir, const char *run_dir, sb_buf *out)
{
    char from[PATH_MAX], to[PATH_MAX], rf[PATH_MAX], rt[PATH_MAX];
    /* Both resolved or neither, so a symlink on one side cannot skew it. */
    int resolve = realpath(dir, rf) && realpath(run_dir, rt);
    abs_path(dir, from, sizeof(from), resolve);
    abs_path(run_dir, to, sizeof(to), resolve);
    char *fc[256], *tc[256];
    size_t nf = components(from, fc, 256), nt = components(to, tc, 256), common = 0;
    while (common < nf && common < nt && !strcmp(fc[common], tc[common]))
        common++;
    sb_buf rel;
    sb_buf_init(&rel);
    for (size_t i = common; i < nf; i++)
        sb_buf_puts(&rel, "../");
    for (size_t i = common; i < nt; i++)
        sb_buf_printf(&rel, "%s/", tc[i]);
    sb_buf_puts(&rel, "report.html");
    for (const unsigned char *p = (const unsigned char *)rel.data; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p))
            sb_buf_append(out, (const char *)p, 1);
        else
            sb_buf_printf(out, "%%%02X", *p);
    }
    sb_buf_free(&rel);
}

static const json_t *run_figure(const sb_run_result *r, const char *checker, const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (!strcmp(r->checks[i].checker, checker))
            return json_object_get(r->checks[i].figures, name);
    return NULL;
}

/* The first of (checker, figure) pairs that the run reported. */
static const json_t *first_figure(const sb_run_result *r, const char *const (*pairs)[2])
{
    for (size_t i = 0; pairs[i][0]; i++) {
        const json_t *v = run_figure(r, pairs[i][0], pairs[i][1]);
        if (json_is_number(v))
            return v;
    }
    return NULL;
}

static void td_number(sb_buf *b, const json_t *v, const char *fmt, double scale)
{
    if (json_is_integer(v) && scale == 1)
        sb_buf_printf(b, "<td class=\"num\">%lld</td>", (long long)json_integer_value(v));
    else if (json_is_number(v))
        sb_buf_printf(b, fmt, json_number_value(v) * scale);
    else
        sb_buf_puts(b, "<td class=\"num\">" DASH "</td>");
}

static void longest_two_masters(sb_buf *b, const sb_run_result *r)
{
    const json_t *d = run_figure(r, "split-brain", "detail");
    const json_t *total = run_figure(r, "split-brain", "two_master_seconds");
    double best = -1;
    for (size_t i = 0; i < json_array_size(d); i++) {
        double s = json_number_value(json_object_get(json_array_get(d, i), "duration_s"));
        best = s > best ? s : best;
    }
    if (best < 0 && json_is_number(total))
        best = json_number_value(total);
    if (best < 0)
        sb_buf_puts(b, "<td class=\"num\">" DASH "</td>");
    else
        sb_buf_printf(b, "<td class=\"num\">%.1f s</td>", best);
}

static void index_row(sb_buf *b, const sb_run_result *r, const char *dir)
{
    static const char *const acked[][2] = {{"set", "acknowledged"},
                                           {"counter", "acknowledged"},
                                           {"list-append", "ok"},
                                           {"lock", "acquired"},
                                           {NULL, NULL}};
    static const char *const lost[][2] = {{"set", "lost_count"},
                                          {"counter", "lost"},
                                          {"list-append", "lost_count"},
                                          {"lock", "lost_appends"},
                                          {NULL, NULL}};
    sb_buf_puts(b, r->passed && !r->error[0] ? "<tr><td>" : "<tr class=\"missed\"><td>");
    if (r->meta.run_dir[0]) {
        sb_buf_puts(b, "<a href=\"");
        relative_link(dir, r->meta.run_dir, b);
        sb_buf_puts(b, "\">");
        html_escape(b, r->name);
        sb_buf_puts(b, "</a>");
    } else {
        html_escape(b, r->name);
    }
    sb_buf_printf(b, "</td><td><span class=\"badge %s\">%s</span></td><td>", result_class(r),
                  result_word(r));
    for (size_t i = 0; i < r->n_checks; i++) {
        sb_buf_printf(b, "<span class=\"badge v-%s\" title=\"",
                      checker_verdict_name(r->checks[i].verdict));
        html_escape(b, r->checks[i].summary);
        sb_buf_puts(b, "\">");
        html_escape(b, r->checks[i].checker);
        sb_buf_printf(b, ": %s%s</span> ", checker_verdict_name(r->checks[i].verdict),
                      r->outcomes[i].met ? "" : " \xe2\x9c\x97");
    }
    if (r->error[0]) {
        sb_buf_puts(b, "<span class=\"note\">");
        html_escape_max(b, r->error, CELL_MAX);
        sb_buf_puts(b, "</span>");
    }
    sb_buf_puts(b, "</td>");
    const json_t *a = first_figure(r, acked), *l = first_figure(r, lost);
    td_number(b, a, "<td class=\"num\">%.0f</td>", 1);
    td_number(b, l, "<td class=\"num\">%.0f</td>", 1);
    const json_t *frac = run_figure(r, "set", "lost_fraction");
    json_t *computed = NULL;
    if (!json_is_number(frac) && json_is_number(a) && json_is_number(l) && json_number_value(a) > 0)
        frac = computed = json_real(json_number_value(l) / json_number_value(a));
    td_number(b, frac, "<td class=\"num\">%.2f%%</td>", 100);
    json_decref(computed);
    td_number(b, run_figure(r, "perf", "availability_in_faults"), "<td class=\"num\">%.1f%%</td>",
              100);
    td_number(b, run_figure(r, "perf", "availability_outside_faults"),
              "<td class=\"num\">%.1f%%</td>", 100);
    longest_two_masters(b, r);
    sb_buf_printf(b, "<td class=\"num\">%.1f s</td><td class=\"num\">%llu</td></tr>\n",
                  (double)r->duration_ns / 1e9, (unsigned long long)r->meta.seed);
}

/* The cache strategies side by side (runs with the cache checker). */
static void index_cache_table(sb_buf *b, const sb_run_result *runs, size_t n, const char *dir)
{
    static const struct {
        const char *title, *figure, *fmt;
    } cols[] = {{"gets", "gets", "%.0f"},
                {"origin requests", "origin_requests", "%.0f"},
                {"expiries", "episodes", "%.0f"},
                {"herd max", "herd_max", "%.0f"},
                {"herd mean", "herd_mean", "%.2f"},
                {"peak origin concurrency", "peak_origin_concurrency", "%.0f"},
                {"get p50 ms", "get_p50_ms", "%.2f"},
                {"get p99 ms", "get_p99_ms", "%.1f"},
                {"stale reads", "stale_reads", "%.0f"},
                {"stale max ms", "stale_max_ms", "%.0f"},
                {"starved", "starved", "%.0f"},
                {"longest wait ms", "longest_wait_ms", "%.0f"}};
    size_t nc = sizeof(cols) / sizeof(cols[0]), shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += run_figure(&runs[i], "cache", "gets") != NULL;
    if (!shown)
        return;
    sb_buf_puts(b, "<h2>Cache strategies</h2>\n<table class=\"index\"><tr><th>scenario</th>"
                   "<th>strategy</th><th>verdict</th>");
    for (size_t c = 0; c < nc; c++)
        sb_buf_printf(b, "<th>%s</th>", cols[c].title);
    sb_buf_puts(b, "</tr>\n");
    for (size_t i = 0; i < n; i++) {
        const sb_run_result *r = &runs[i];
        const sb_check_result *k = NULL;
        for (size_t j = 0; j < r->n_checks; j++)
            if (!strcmp(r->checks[j].checker, "cache"))
                k = &r->checks[j];
        if (!k)
            continue;
        sb_buf_puts(b, "<tr><td>");
        if (r->meta.run_dir[0]) {
            sb_buf_puts(b, "<a href=\"");
            relative_link(dir, r->meta.run_dir, b);
            sb_buf_puts(b, "\">");
            html_escape(b, r->name);
            sb_buf_puts(b, "</a>");
        } else {
            html_escape(b, r->name);
        }
        sb_buf_puts(b, "</td><td>");
        const char *st = json_string_value(json_object_get(k->figures, "strategy"));
        html_escape(b, st ? st : "?");
        sb_buf_printf(b, "</td><td><span class=\"badge v-%s\">%s</span></td>",
                      checker_verdict_name(k->verdict), checker_verdict_name(k->verdict));
        for (size_t c = 0; c < nc; c++) {
            char fmt[48];
            snprintf(fmt, sizeof(fmt), "<td class=\"num\">%s</td>", cols[c].fmt);
            td_number(b, json_object_get(k->figures, cols[c].figure), fmt, 1);
        }
        sb_buf_puts(b, "</tr>\n");
    }
    sb_buf_puts(b, "</table>\n<p class=\"note\">From the cache checker: herd = requests that "
                   "reached the origin for one expiry of one key (its own arrival log); stale = "
                   "a version older than one the origin had acknowledged before the get began; "
                   "starved = waited past the bound or gave up.</p>\n");
}

int report_index_html(const sb_run_result *runs, size_t n, const char *path, char *err)
{
    char dir_buf[PATH_MAX];
    snprintf(dir_buf, sizeof(dir_buf), "%s", path);
    const char *dir = dirname(dir_buf);
    size_t passed = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        errors += runs[i].error[0] != 0;
        passed += runs[i].passed && !runs[i].error[0];
    }
    sb_buf b;
    sb_buf_init(&b);
    char title[96];
    snprintf(title, sizeof(title), "splitbrain: %zu runs, %zu passed", n, passed);
    page_open(&b, title);
    sb_buf_printf(&b,
                  "<header class=\"top %s\"><span class=\"badge\">%s</span><h1>splitbrain: "
                  "%zu run%s</h1>\n<p class=\"sub\">%zu passed, %zu missed their "
                  "expectations, %zu could not run.</p></header>\n",
                  passed == n ? "r-pass" : "r-fail", passed == n ? "PASS" : "FAIL", n,
                  n == 1 ? "" : "s", passed, n - passed - errors, errors);
    sb_buf_puts(&b, "<table class=\"index\"><tr><th>scenario</th><th>result</th><th>checkers</th>"
                    "<th>acknowledged</th><th>lost</th><th>lost share</th>"
                    "<th>available in faults</th><th>available outside faults</th>"
                    "<th>longest two-master window</th><th>duration</th><th>seed</th></tr>\n");
    for (size_t i = 0; i < n; i++)
        index_row(&b, &runs[i], dir);
    sb_buf_puts(&b, "</table>\n<p class=\"note\">Acknowledged and lost: the set checker's "
                    "writes, else the counter's increments, list-append's transactions or the "
                    "lock's acquisitions. Availability: the perf checker's share of ok "
                    "completions. " DASH " : not reported by this run's checkers.</p>\n");
    index_cache_table(&b, runs, n, dir);
    page_close(&b);
    int rc = write_atomic(path, &b, err);
    sb_buf_free(&b);
    return rc;
}
