/* html_index.c -- index.html, the page of several runs of one invocation:
 * a row per run with its verdicts and headline figures (acknowledged and
 * lost writes, availability, the longest two-master window) linked to the
 * run's report.html by a path relative to the index, then the cache
 * strategies side by side when runs had the cache checker (a chart of
 * small multiples, then the table). */
#define _GNU_SOURCE
#include <ctype.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "html_internal.h"

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
    const json_t *d = results_figure(r, "split-brain", "detail");
    const json_t *total = results_figure(r, "split-brain", "two_master_seconds");
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
    sb_buf_printf(b, "</td><td><span class=\"badge %s\">%s</span></td><td>", html_result_class(r),
                  html_result_word(r));
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
    const json_t *a = results_first_figure(r, acked), *l = results_first_figure(r, lost);
    td_number(b, a, "<td class=\"num\">%.0f</td>", 1);
    td_number(b, l, "<td class=\"num\">%.0f</td>", 1);
    const json_t *frac = results_figure(r, "set", "lost_fraction");
    json_t *computed = NULL;
    if (!json_is_number(frac) && json_is_number(a) && json_is_number(l) && json_number_value(a) > 0)
        frac = computed = json_real(json_number_value(l) / json_number_value(a));
    td_number(b, frac, "<td class=\"num\">%.2f%%</td>", 100);
    json_decref(computed);
    td_number(b, results_figure(r, "perf", "availability_in_faults"),
              "<td class=\"num\">%.1f%%</td>", 100);
    td_number(b, results_figure(r, "perf", "availability_outside_faults"),
              "<td class=\"num\">%.1f%%</td>", 100);
    longest_two_masters(b, r);
    sb_buf_printf(b, "<td class=\"num\">%.1f s</td><td class=\"num\">%llu</td></tr>\n",
                  (double)r->duration_ns / 1e9, (unsigned long long)r->meta.seed);
}

/* ====== Families: one question across settings ====== */

/* The family's figures as `run` prints them (results_family_row): one row
 * per setting, with the columns of the first member's kind. */
static void family_table(sb_buf *b, const sb_run_result *runs, size_t n, const char *family)
{
    int lock = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(runs[i].family, family))
            continue;
        sb_family_row w;
        results_family_row(&runs[i], &w);
        if (lock < 0) {
            lock = w.lock;
            sb_buf_puts(b, "<div class=\"tw\"><table class=\"index family-table\"><tr>"
                           "<th>setting</th>");
            for (size_t k = 0; results_family_column(lock, 1, k); k++)
                sb_buf_printf(b, "<th>%s</th>", results_family_column(lock, 1, k));
            sb_buf_puts(b, "</tr>\n");
        }
        sb_buf_puts(b, "<tr><td>");
        html_escape(b, w.setting);
        sb_buf_puts(b, "</td>");
        for (size_t k = 0; results_family_column(lock, 1, k); k++) {
            sb_buf_puts(b, "<td class=\"num\">");
            html_escape(b, w.cell[k]);
            sb_buf_puts(b, "</td>");
        }
        sb_buf_puts(b, "</tr>\n");
    }
    if (lock < 0)
        return;
    sb_buf_puts(b, "</table></div>\n");
    if (!lock)
        sb_buf_puts(b, "<p class=\"note\">Duplicates: writes a client applied twice (a library "
                       "re-sent them). Follows the failover after: from the first +switch-master "
                       "(or the first promotion) to the first write acknowledged by another "
                       "node.</p>\n");
}

#define FAMILY_BAR_H 18
#define FAMILY_LABEL_W 260

/* One family: a bar per member (its setting), the share of acknowledged
 * writes it lost, and availability in faults beside it. */
static void family_chart(sb_buf *b, const sb_run_result *runs, size_t n, const char *family,
                         const char *dir)
{
    size_t m = 0, shares = 0;
    for (size_t i = 0; i < n; i++) {
        long long lost, acked;
        m += !strcmp(runs[i].family, family);
        shares +=
            !strcmp(runs[i].family, family) && results_lost_share(&runs[i], &lost, &acked) >= 0;
    }
    sb_buf_puts(b, "<section class=\"family\" data-family=\"");
    html_escape(b, family);
    sb_buf_puts(b, "\"><h2>");
    html_escape(b, family);
    sb_buf_puts(b, shares ? ": what each setting loses</h2>\n" : ": what each setting does</h2>\n");
    if (!shares) {
        /* Nothing lost to draw (a lock family): the table says it all. */
        family_table(b, runs, n, family);
        sb_buf_puts(b, "</section>\n");
        return;
    }
    const double top = 22, h = top + (double)m * (FAMILY_BAR_H + 6) + 26;
    const double x0 = FAMILY_LABEL_W, w = 560;
    sb_buf_printf(b,
                  "<svg class=\"plot family-chart\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
                  "aria-label=\"lost share per setting\">\n",
                  (int)(x0 + w + 200), h);
    for (int pct = 0; pct <= 100; pct += 25) {
        double x = x0 + w * pct / 100.0;
        sb_buf_printf(b,
                      "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
                      "<text class=\"yl\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%d%%"
                      "</text>\n",
                      x, top - 4, x, h - 20, x, h - 6, pct);
    }
    sb_buf_printf(b,
                  "<text class=\"pt\" x=\"%.0f\" y=\"14\">share of acknowledged writes lost"
                  "</text>\n",
                  x0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const sb_run_result *r = &runs[i];
        if (strcmp(r->family, family))
            continue;
        long long lost, acked;
        double share = results_lost_share(r, &lost, &acked);
        double y = top + (double)k++ * (FAMILY_BAR_H + 6);
        sb_buf_printf(b, "<text class=\"fam-l\" x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", x0 - 8,
                      y + 13);
        html_escape_max(b, r->setting[0] ? r->setting : r->name, 48);
        sb_buf_puts(b, "</text>");
        if (share < 0) {
            sb_buf_printf(b, "<text class=\"yl\" x=\"%.0f\" y=\"%.1f\">not reported</text>\n",
                          x0 + 4, y + 13);
            continue;
        }
        double bw = w * share;
        sb_buf_printf(b,
                      "<rect class=\"fam-bar\" x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%d\"><title>",
                      x0, y, bw < 1 ? 1 : bw, FAMILY_BAR_H);
        html_escape(b, r->name);
        sb_buf_printf(b, ": lost %lld of %lld acknowledged (%.2f%%)</title></rect>", lost, acked,
                      share * 100);
        const json_t *av = results_figure(r, "perf", "availability_in_faults");
        const json_t *att = results_figure(r, "set", "attempted");
        sb_buf_printf(b, "<text class=\"fam-v\" x=\"%.1f\" y=\"%.1f\">%.1f%% (%lld of %lld)",
                      x0 + bw + 6, y + 13, share * 100, lost, acked);
        if (json_is_number(att) && json_number_value(att) > (double)acked)
            sb_buf_printf(b, "; %lld of %.0f writes acknowledged", acked, json_number_value(att));
        if (json_is_number(av))
            sb_buf_printf(b, ", available in faults %.1f%%", json_number_value(av) * 100);
        sb_buf_puts(b, "</text>\n");
    }
    sb_buf_puts(b, "</svg>\n<p class=\"note\">Each bar is one run of the family, labelled with "
                   "the setting it changes; hover for the run. Lost share: acknowledged writes "
                   "(set), increments (counter) or transactions (list-append) absent at the end. "
                   "Runs: ");
    k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(runs[i].family, family))
            continue;
        sb_buf_puts(b, k++ ? ", " : "");
        if (runs[i].meta.run_dir[0]) {
            sb_buf_puts(b, "<a href=\"");
            relative_link(dir, runs[i].meta.run_dir, b);
            sb_buf_puts(b, "\">");
            html_escape(b, runs[i].name);
            sb_buf_puts(b, "</a>");
        } else {
            html_escape(b, runs[i].name);
        }
    }
    sb_buf_puts(b, ".</p>\n");
    family_table(b, runs, n, family);
    sb_buf_puts(b, "</section>\n");
}

/* A chart per family named by the runs, in order of first appearance. */
static void index_families(sb_buf *b, const sb_run_result *runs, size_t n, const char *dir)
{
    for (size_t i = 0; i < n; i++) {
        if (!runs[i].family[0])
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(runs[j].family, runs[i].family);
        if (!seen)
            family_chart(b, runs, n, runs[i].family, dir);
    }
}

/* ====== Cache strategies side by side ====== */

#define CS_BAR_H 16
#define CS_LABEL_W 230
#define CS_PANEL_W 215 /* bar room plus its value */
#define CS_BAR_W 150

/* One figure of a cache run as a number, -1 when it has none: herd max,
 * origin requests per expiry, stale max ms, longest wait ms. */
static double cache_value(const sb_check_result *k, int panel)
{
    static const char *const names[] = {"herd_max", NULL, "stale_max_ms", "longest_wait_ms"};
    if (panel != 1) {
        const json_t *v = json_object_get(k->figures, names[panel]);
        return json_is_number(v) ? json_number_value(v) : -1;
    }
    const json_t *req = json_object_get(k->figures, "origin_requests"),
                 *ep = json_object_get(k->figures, "episodes");
    if (!json_is_number(req) || !json_is_number(ep))
        return -1;
    return json_number_value(ep) > 0 ? json_number_value(req) / json_number_value(ep) : 0;
}

static const sb_check_result *cache_check_of(const sb_run_result *r)
{
    for (size_t j = 0; j < r->n_checks; j++)
        if (!strcmp(r->checks[j].checker, "cache") && r->checks[j].figures)
            return &r->checks[j];
    return NULL;
}

/* A bar's label: the strategy, and the scenario when another run shares
 * the strategy. */
static void cache_label(sb_buf *b, const sb_run_result *runs, size_t n, size_t i)
{
    const char *st =
        json_string_value(json_object_get(cache_check_of(&runs[i])->figures, "strategy"));
    st = st ? st : "?";
    int shared = 0;
    for (size_t j = 0; j < n && !shared; j++) {
        const sb_check_result *o = j != i ? cache_check_of(&runs[j]) : NULL;
        const char *os = o ? json_string_value(json_object_get(o->figures, "strategy")) : NULL;
        shared = os && !strcmp(os, st);
    }
    sb_buf lbl;
    sb_buf_init(&lbl);
    sb_buf_puts(&lbl, st);
    if (shared)
        sb_buf_printf(&lbl, " (%s)", runs[i].name);
    html_escape_max(b, lbl.data, 36);
    sb_buf_free(&lbl);
}

/* Small multiples: a panel per figure, a bar per cache run in each, on the
 * panel's own scale; runs whose cache verdict is invalid in red. */
static void index_cache_chart(sb_buf *b, const sb_run_result *runs, size_t n)
{
    static const char *const titles[] = {"herd max", "origin requests per expiry", "stale max (ms)",
                                         "longest wait (ms)"};
    static const char *const cls[] = {"cs-herd", "cs-per", "cs-stale", "cs-wait"};
    enum { PANELS = 4 };
    double max[PANELS] = {0};
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const sb_check_result *k = cache_check_of(&runs[i]);
        if (!k)
            continue;
        m++;
        for (int p = 0; p < PANELS; p++)
            max[p] = cache_value(k, p) > max[p] ? cache_value(k, p) : max[p];
    }
    const double top = 30, h = top + (double)m * (CS_BAR_H + 6) + 8;
    sb_buf_printf(b,
                  "<svg class=\"plot cache-strategies\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
                  "aria-label=\"cache strategies side by side\">\n",
                  CS_LABEL_W + PANELS * CS_PANEL_W + 10, h);
    for (int p = 0; p < PANELS; p++) {
        double x0 = CS_LABEL_W + p * CS_PANEL_W;
        sb_buf_printf(b,
                      "<text class=\"pt\" x=\"%.0f\" y=\"16\">%s</text>"
                      "<line class=\"ax-l\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>\n",
                      x0, titles[p], x0, top - 4, x0, h - 6);
    }
    size_t row = 0;
    for (size_t i = 0; i < n; i++) {
        const sb_check_result *k = cache_check_of(&runs[i]);
        if (!k)
            continue;
        double y = top + (double)row++ * (CS_BAR_H + 6);
        sb_buf_printf(b, "<text class=\"fam-l\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
                      CS_LABEL_W - 10, y + 12);
        cache_label(b, runs, n, i);
        sb_buf_puts(b, "</text>\n");
        for (int p = 0; p < PANELS; p++) {
            double v = cache_value(k, p), x0 = CS_LABEL_W + p * CS_PANEL_W;
            if (v < 0) {
                sb_buf_printf(b, "<text class=\"yl\" x=\"%.0f\" y=\"%.1f\">" DASH "</text>\n",
                              x0 + 4, y + 12);
                continue;
            }
            double w = max[p] > 0 ? v / max[p] * CS_BAR_W : 0;
            /* two decimals, none past 100 (ms of staleness, waits) */
            double shown = v >= 100 ? round(v) : round(v * 100) / 100;
            sb_buf_printf(b,
                          "<rect class=\"cs-bar %s%s\" x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%d\"><title>",
                          cls[p], k->verdict == SB_VERDICT_INVALID ? " cs-bad" : "", x0, y,
                          w < 1 ? 1 : w, CS_BAR_H);
            html_escape(b, runs[i].name);
            sb_buf_printf(b,
                          ": %s %g (%s)</title></rect><text class=\"fam-v\" x=\"%.1f\" "
                          "y=\"%.1f\">%g</text>\n",
                          titles[p], shown, checker_verdict_name(k->verdict),
                          x0 + (w < 1 ? 1 : w) + 5, y + 12, shown);
        }
    }
    sb_buf_puts(b, "</svg>\n<p class=\"note\">A bar per cache run, each panel on its own scale "
                   "(hover for the run): the largest herd of one expiry, the requests that "
                   "reached the origin per expiry, how long the stalest read had been stale, and "
                   "the longest wait for another client's fetch. Red: the cache checker found "
                   "the run invalid (a herd over the strategy's bound, or a starved get).</p>\n");
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
        shown += results_figure(&runs[i], "cache", "gets") != NULL;
    if (!shown)
        return;
    sb_buf_puts(b, "<h2>Cache strategies</h2>\n");
    index_cache_chart(b, runs, n);
    sb_buf_puts(b, "<table class=\"index\"><tr><th>scenario</th>"
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
    html_page_open(&b, title);
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
    index_families(&b, runs, n, dir);
    index_cache_table(&b, runs, n, dir);
    html_page_close(&b);
    int rc = html_write_atomic(path, &b, err);
    sb_buf_free(&b);
    return rc;
}
