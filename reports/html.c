/* html.c -- report.html (one run): the page frame (its CSS, the footer, the
 * atomic write), the header of a run, the order of the sections, and the
 * escaping every string of a history or result goes through. The sections
 * are drawn elsewhere: the tables in html_tables.c, the SVG plots in
 * html_timeline.c, html_masters.c and html_perf.c (on the helpers of
 * html_plots.c). index.html is written by html_index.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "html_internal.h"

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
    "fill:#7f1d1d}.plot .evc{fill:#64748b;font-weight:600}\n"
    ".ev0{fill:#adb5bd}.ev1{fill:#e03131}.ev2{fill:#f76707}.ev3{fill:#1c7ed6}\n"
    ".fam-bar{fill:#c92a2a;opacity:.8}.plot .fam-l{font-size:12px;fill:#1e293b}.plot .fam-v{"
    "font-size:11px;fill:#334155}\n"
    ".rg-op rect{stroke:#fff}.rg-bad rect{stroke:#c92a2a;stroke-width:3}.plot .rg-l{font-size:"
    "11px;fill:#111;font-weight:600;dominant-baseline:middle}.rg-why{font-size:12.5px;"
    "margin:4px 0 12px;max-width:1000px}\n"
    ".lk-hold{fill:#74c0fc}.lk-both{fill:#e03131;opacity:.2}.lk-w{fill:#d0ebff;stroke:#1c7ed6}"
    ".plot .lk-t{font-size:10px;fill:#0b3d6e;dominant-baseline:middle}\n"
    ".cy-e{fill:none;stroke:#c92a2a;stroke-width:1.6}.cy-a{fill:#c92a2a}.cy-n circle{fill:#fff;"
    "stroke:#1c7ed6;stroke-width:1.8}.plot .cy-l{font-size:11px;fill:#7f1d1d;font-weight:600}"
    ".cy-why{font-size:12.5px;margin:4px 0 12px}\n"
    ".an-lost{fill:#c92a2a}.an-stale{fill:#e8590c}.sw-lost{background:#c92a2a}"
    ".sw-stale{background:#e8590c}\n"
    ".multi{fill:#e03131;opacity:.16}.multi-b{fill:#e03131;opacity:.35}.plot .multi-t{font-size:"
    "10.5px;fill:#7f1d1d;font-weight:600}\n"
    ".p50,.p95,.p99{fill:none;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}"
    ".p50{stroke:#1c7ed6}.p95{stroke:#9c36b5}.p99{stroke:#e03131}\n"
    ".cc-req{fill:#74a9cf}.cc-herd{fill:#c92a2a;stroke:#fff;stroke-width:.8}.cc-over{fill:#7f1d1d}"
    ".cc-stale{fill:#e8590c;opacity:.85}.cc-wait{fill:#1c7ed6;opacity:.8}.cc-starved{fill:#e03131}"
    ".cc-sm{fill:#e03131}.cc-bound{stroke:#7f1d1d;stroke-width:1.3;stroke-dasharray:5 3}"
    ".plot .cc-bl{font-size:10px;fill:#7f1d1d}.plot .cc-hl{fill:#c92a2a}"
    ".cs-bar{fill:#1c7ed6;opacity:.75}.cs-bar.cs-bad{fill:#c92a2a}\n"
    ".plot .pt{font-size:13px;font-weight:600}.plot .yl,.plot .yt{font-size:10px;fill:#64748b}"
    ".lg text{font-size:10.5px}\n"
    ".tw{max-height:460px;overflow:auto;margin:6px 0}"
    "table.index th{white-space:normal;vertical-align:bottom}table.index td:first-child"
    "{white-space:nowrap}table.index .badge{white-space:nowrap;margin:1px 4px 1px 0}\n"
    ".tw table{margin:0}\n"
    "footer{margin-top:36px;color:var(--muted);font-size:12px}\n"
    /* On paper: no background, plots and table rows kept whole, tables
     * unclipped, the link bar left out. */
    "@media print{body{background:#fff}nav{display:none}.plot,.checker,tr,figure{"
    "break-inside:avoid}.tw{max-height:none;overflow:visible}section{break-before:auto}"
    "h2{break-after:avoid}}\n";

void html_page_open(sb_buf *b, const char *title)
{
    html_page_open_css(b, title, NULL);
}

void html_page_open_css(sb_buf *b, const char *title, const char *css)
{
    sb_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    html_escape(b, title);
    sb_buf_puts(b, "</title>\n<style>\n");
    sb_buf_puts(b, page_css);
    if (css)
        sb_buf_puts(b, css);
    sb_buf_puts(b, "</style>\n</head>\n<body>\n<main>\n");
}

void html_page_close(sb_buf *b)
{
    sb_buf_puts(b, "<footer>Written by splitbrain " SPLITBRAIN_VERSION
                   ". A self-contained page: no script, nothing loaded from elsewhere.</footer>\n"
                   "</main>\n</body>\n</html>\n");
}

int html_write_atomic(const char *path, const sb_buf *b, char *err)
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

const char *html_result_word(const sb_run_result *r)
{
    return r->error[0] ? "ERROR" : r->passed ? "PASS" : "FAIL";
}

const char *html_result_class(const sb_run_result *r)
{
    return r->error[0] ? "r-error" : r->passed ? "r-pass" : "r-fail";
}

/* ====== Header ====== */

static char *scenario_description(const sb_run_result *r)
{
    if (!r->meta.run_dir[0])
        return NULL;
    char path[PATH_MAX];
    if (sb_path_join(path, sizeof(path), r->meta.run_dir, "scenario.json", NULL) == -1)
        return NULL; /* no such file can exist */
    json_t *j = json_load_file(path, 0, NULL);
    const char *d = json_string_value(json_object_get(j, "description"));
    char *out = d ? sb_xstrdup(d) : NULL;
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
                  html_result_class(r), html_result_word(r));
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

/* ====== report.html ====== */

/* timeline.html in the folder of report.html (path). */
static int timeline_beside(const sb_run_result *r, const sb_history *h, const char *path, char *err)
{
    char tl[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    if ((size_t)snprintf(tl, sizeof(tl), "%.*stimeline.html", dir, path) >= sizeof(tl)) {
        sb_err_set(err, "report path too long: %s", path);
        return -1;
    }
    return report_timeline_html(r, h, tl, err);
}

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
    snprintf(title, sizeof(title), "%s %s", html_result_word(r), r->name);
    html_page_open(&b, title);
    page_header(&b, &x);
    html_verdicts(&b, r);
    sb_buf_puts(&b, "<section id=\"timeline\"><h2>Timeline</h2>\n");
    html_plot_timeline(&b, &x);
    sb_buf_puts(
        &b, "<p class=\"note\">Every operation, per process: <a href=\"timeline.html\">"
            "timeline.html</a></p>\n</section>\n<section id=\"masters\"><h2>Who was master</h2>\n");
    html_plot_masters(&b, &x);
    sb_buf_puts(&b, "</section>\n<section id=\"perf\"><h2>Throughput and latency</h2>\n");
    html_plot_perf(&b, &x);
    sb_buf_puts(&b, "</section>\n");
    html_anomalies(&b, &x);
    html_fault_list(&b, &x);
    html_event_list(&b, &x);
    html_page_close(&b);
    int rc = html_write_atomic(path, &b, err);
    sb_buf_free(&b);
    html_run_free(&x);
    if (rc == 0 && h)
        rc = timeline_beside(r, h, path, err);
    return rc;
}
