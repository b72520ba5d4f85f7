/* report.c -- writers of a run's results: results.json, the text summary
 * (plain or in colour), JUnit XML. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "results.h"
#include "util.h"

static void hosts_list(const json_t *a, sb_buf *b)
{
    for (size_t k = 0; k < json_array_size(a); k++)
        sb_buf_printf(b, "%s%s", k ? "," : "", json_string_value(json_array_get(a, k)));
}

/* "5.0s partition {n1} | {n2,n3}" / "12.0s heal" / "5.0s kill redis@n1" /
 * "7.0s clock bump +3.0s sentinel@n2" / "9.0s undo #3 (pause)" */
static void describe_fault(const json_t *f, sb_buf *b)
{
    const char *name = json_string_value(json_object_get(f, "f"));
    json_t *v = json_object_get(f, "value");
    sb_buf_printf(b, "%.1fs %s", (double)json_integer_value(json_object_get(f, "time")) / 1e9,
                  name ? name : "?");
    json_t *groups = json_object_get(v, "groups");
    json_t *targets = json_object_get(v, "targets");
    const char *shape = json_string_value(json_object_get(v, "shape"));
    const char *op = json_string_value(json_object_get(v, "op"));
    if (json_is_array(groups)) {
        for (size_t g = 0; g < json_array_size(groups); g++) {
            sb_buf_puts(b, g ? " | {" : " {");
            hosts_list(json_array_get(groups, g), b);
            sb_buf_puts(b, "}");
        }
    } else if (shape) {
        sb_buf_printf(b, " %s", shape);
        if (json_object_get(v, "target"))
            sb_buf_printf(b, " %s", json_string_value(json_object_get(v, "target")));
    } else if (name && !strcmp(name, "undo")) {
        sb_buf_printf(b, " #%lld (%s)", (long long)json_integer_value(json_object_get(v, "of")),
                      json_string_value(json_object_get(v, "undoes")));
    } else if (op) {
        sb_buf_printf(b, " %s", op);
        if (json_object_get(v, "delta_ms"))
            sb_buf_printf(b, " %+.1fs",
                          json_number_value(json_object_get(v, "delta_ms")) / 1000.0);
    } else if (json_object_get(v, "probability")) {
        sb_buf_printf(b, " %.0f%%",
                      json_number_value(json_object_get(v, "probability")) * 100.0);
    }
    if (json_is_array(targets) && !(name && !strcmp(name, "undo"))) {
        sb_buf_puts(b, " ");
        for (size_t k = 0; k < json_array_size(targets); k++) {
            json_t *t = json_array_get(targets, k);
            sb_buf_printf(b, "%s%s@%s", k ? "," : "",
                          json_string_value(json_object_get(t, "process")),
                          json_string_value(json_object_get(t, "host")));
        }
    } else if (json_is_array(json_object_get(v, "hosts")) && !shape) {
        sb_buf_puts(b, " on ");
        hosts_list(json_object_get(v, "hosts"), b);
    }
    if (json_is_true(json_object_get(v, "skipped")))
        sb_buf_puts(b, " (SKIPPED)");
    else if (!strcmp(json_string_value(json_object_get(f, "type")), "fail"))
        sb_buf_puts(b, " (FAILED)");
}

/* ====== results.json ====== */

json_t *report_results_doc(const sb_run_result *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(r->name));
    json_object_set_new(j, "run_id", json_string(r->meta.run_id));
    json_object_set_new(j, "run_dir", json_string(r->meta.run_dir));
    json_object_set_new(j, "seed", json_integer((json_int_t)r->meta.seed));
    if (r->meta.started_wall_ns) {
        time_t t = (time_t)(r->meta.started_wall_ns / SB_NS_PER_S);
        struct tm tm;
        char iso[32];
        gmtime_r(&t, &tm);
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(j, "started", json_string(iso));
    } else {
        json_object_set_new(j, "started", json_null());
    }
    json_object_set_new(j, "command", json_string(r->meta.command));
    json_object_set_new(j, "duration_ns", json_integer((json_int_t)r->duration_ns));
    json_object_set_new(j, "passed", json_boolean(r->passed && !r->error[0]));
    json_object_set_new(j, "error", r->error[0] ? json_string(r->error) : json_null());
    json_object_set_new(j, "operations", json_pack("{s:I,s:I,s:I}", "ok", (json_int_t)r->n_ok,
                                                   "fail", (json_int_t)r->n_fail, "info",
                                                   (json_int_t)r->n_info));
    json_object_set_new(j, "faults", r->faults ? json_incref(r->faults) : json_array());
    json_t *cs = json_object();
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        json_t *o = json_object();
        json_object_set_new(o, "verdict", json_string(checker_verdict_name(c->verdict)));
        json_object_set_new(o, "summary", json_string(c->summary));
        json_object_set_new(o, "figures", c->figures ? json_incref(c->figures) : json_object());
        json_object_set_new(o, "expect", json_pack("{s:b,s:s}", "met", r->outcomes[i].met,
                                                   "reason", r->outcomes[i].reason));
        json_object_set_new(cs, c->checker, o);
    }
    json_object_set_new(j, "checkers", cs);
    return j;
}

int report_results_json(const sb_run_result *r, const char *path, char *err)
{
    json_t *j = report_results_doc(r);
    int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (rc == -1) {
        sb_err_set(err, "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* ====== Text ====== */

/* ANSI SGR sequences; the summary uses nothing fancier, so any terminal
 * that shows colour at all shows these. */
#define COLOR_RESET "\033[0m"
#define COLOR_BOLD "\033[1m"
#define COLOR_RED "\033[31m"
#define COLOR_GREEN "\033[32m"
#define COLOR_YELLOW "\033[33m"

int report_color_wanted(FILE *out, const char *mode)
{
    if (mode && !strcmp(mode, "always"))
        return 1;
    if (mode && !strcmp(mode, "never"))
        return 0;
    if (mode && strcmp(mode, "auto"))
        return -1;
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0])
        return 0;
    return isatty(fileno(out)) == 1;
}

/* Writes s padded to width (0: no padding), in colour code when color. The
 * padding stays outside the escape sequences so columns line up. */
static void text_cell(FILE *out, int color, const char *code, const char *s, int width)
{
    int n = (int)strlen(s);
    fprintf(out, "%s%s%s%*s", color ? code : "", s, color ? COLOR_RESET : "",
            width > n ? width - n : 0, "");
}

static const char *verdict_color(sb_verdict v)
{
    if (v == SB_VERDICT_VALID)
        return COLOR_GREEN;
    return v == SB_VERDICT_INVALID ? COLOR_RED : COLOR_YELLOW;
}

void report_text(const sb_run_result *r, FILE *out, int color)
{
    const char *verdict = r->error[0] ? "ERROR" : r->passed ? "PASS" : "FAIL";
    fprintf(out, "%s  run %s  seed %llu  %.1fs  ", r->name,
            r->meta.run_id[0] ? r->meta.run_id : "-", (unsigned long long)r->meta.seed,
            (double)r->duration_ns / 1e9);
    int pass = r->passed && !r->error[0];
    text_cell(out, color, pass ? COLOR_BOLD COLOR_GREEN : COLOR_BOLD COLOR_RED, verdict, 0);
    fprintf(out, "%s\n",
            r->error[0] ? "" : r->passed ? " (expectations met)" : " (expectations missed)");
    if (r->error[0]) {
        fputs("  ", out);
        text_cell(out, color, COLOR_RED, "error:", 0);
        fprintf(out, " %s\n", r->error);
    }
    fprintf(out, "  operations: %llu ok, %llu fail, %llu info\n", (unsigned long long)r->n_ok,
            (unsigned long long)r->n_fail, (unsigned long long)r->n_info);
    if (r->faults && json_array_size(r->faults)) {
        sb_buf b;
        sb_buf_init(&b);
        size_t nf = json_array_size(r->faults), shown = nf > 16 ? 12 : nf;
        for (size_t i = 0; i < shown; i++) {
            if (i)
                sb_buf_puts(&b, "; ");
            describe_fault(json_array_get(r->faults, i), &b);
        }
        if (shown < nf)
            sb_buf_printf(&b, "; ... %zu more in results.json", nf - shown);
        fprintf(out, "  faults: %s\n", b.data);
        sb_buf_free(&b);
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        fputs("  ", out);
        text_cell(out, color, COLOR_BOLD, c->checker, 12);
        fputs(" ", out);
        text_cell(out, color, verdict_color(c->verdict), checker_verdict_name(c->verdict), 8);
        fprintf(out, " %s\n", c->summary);
        fprintf(out, "  %-12s          ", "");
        if (r->outcomes[i].met) {
            fputs("expect met\n", out);
        } else {
            text_cell(out, color, COLOR_RED, "EXPECT MISSED:", 0);
            fprintf(out, " %s\n", r->outcomes[i].reason);
        }
    }
    if (r->meta.run_dir[0])
        fprintf(out, "  run folder: %s\n", r->meta.run_dir);
    if (r->meta.command[0])
        fprintf(out, "  rerun: %s\n", r->meta.command);
}

/* ====== JUnit XML ====== */

static void junit_attr(sb_buf *b, const char *name, const char *value)
{
    sb_buf_printf(b, " %s=\"", name);
    sb_buf_xml_escape(b, value);
    sb_buf_puts(b, "\"");
}

static void junit_suite(sb_buf *b, const sb_run_result *r)
{
    size_t failures = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        failures += !r->outcomes[i].met;
    char num[64], secs[32];
    sb_buf_puts(b, "  <testsuite");
    junit_attr(b, "name", r->name);
    snprintf(num, sizeof(num), "%zu", r->error[0] ? r->n_checks + 1 : r->n_checks);
    junit_attr(b, "tests", num);
    snprintf(num, sizeof(num), "%zu", failures);
    junit_attr(b, "failures", num);
    junit_attr(b, "errors", r->error[0] ? "1" : "0");
    snprintf(secs, sizeof(secs), "%.3f", (double)r->duration_ns / 1e9);
    junit_attr(b, "time", secs);
    sb_buf_puts(b, ">\n    <properties>\n      <property name=\"seed\"");
    snprintf(num, sizeof(num), "%llu", (unsigned long long)r->meta.seed);
    junit_attr(b, "value", num);
    sb_buf_puts(b, "/>\n      <property name=\"run_id\"");
    junit_attr(b, "value", r->meta.run_id);
    sb_buf_puts(b, "/>\n      <property name=\"run_dir\"");
    junit_attr(b, "value", r->meta.run_dir);
    sb_buf_puts(b, "/>\n    </properties>\n");
    char classname[128];
    snprintf(classname, sizeof(classname), "splitbrain.%s", r->name);
    if (r->error[0]) {
        sb_buf_puts(b, "    <testcase name=\"run\"");
        junit_attr(b, "classname", classname);
        sb_buf_puts(b, ">\n      <error type=\"harness\"");
        junit_attr(b, "message", r->error);
        sb_buf_puts(b, "/>\n    </testcase>\n");
    }
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        sb_buf_puts(b, "    <testcase");
        junit_attr(b, "name", c->checker);
        junit_attr(b, "classname", classname);
        junit_attr(b, "time", secs);
        if (r->outcomes[i].met) {
            sb_buf_puts(b, ">\n      <system-out>");
            sb_buf_xml_escape(b, c->summary);
            sb_buf_puts(b, "</system-out>\n    </testcase>\n");
            continue;
        }
        sb_buf_puts(b, ">\n      <failure type=\"expect\"");
        junit_attr(b, "message", r->outcomes[i].reason);
        sb_buf_puts(b, ">");
        sb_buf_xml_escape(b, c->summary);
        sb_buf_puts(b, "\n");
        sb_buf_xml_escape(b, r->outcomes[i].reason);
        if (c->figures) {
            char *fig = json_dumps(c->figures, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (fig) {
                sb_buf_puts(b, "\nfigures: ");
                /* keep the message readable: long lists are in results.json */
                if (strlen(fig) > 2000)
                    strcpy(fig + 1990, " ...");
                sb_buf_xml_escape(b, fig);
                free(fig);
            }
        }
        sb_buf_puts(b, "</failure>\n    </testcase>\n");
    }
    sb_buf_puts(b, "  </testsuite>\n");
}

int report_junit(const sb_run_result *runs, size_t n, const char *path, char *err)
{
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"splitbrain\">\n");
    for (size_t i = 0; i < n; i++)
        junit_suite(&b, &runs[i]);
    sb_buf_puts(&b, "</testsuites>\n");
    int rc = sb_write_file(path, b.data, b.len, err);
    sb_buf_free(&b);
    return rc;
}

/* ====== The cache strategies side by side ====== */

static const sb_check_result *find_check(const sb_run_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (!strcmp(r->checks[i].checker, name))
            return &r->checks[i];
    return NULL;
}

int report_cache_table(const sb_run_result *runs, size_t n, FILE *out)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += find_check(&runs[i], "cache") != NULL;
    if (shown < 2)
        return 0;
    static const struct {
        const char *title, *figure;
        int pct, dec;
    } cols[] = {{"gets", "gets", 0, 0},
                {"hits", "hits", 1, 0},
                {"origin req", "origin_requests", 0, 0},
                {"expiries", "episodes", 0, 0},
                {"herd max", "herd_max", 0, 0},
                {"herd mean", "herd_mean", 0, 2},
                {"peak conc", "peak_origin_concurrency", 0, 0},
                {"p50 ms", "get_p50_ms", 0, 2},
                {"p99 ms", "get_p99_ms", 0, 1},
                {"stale", "stale_reads", 0, 0},
                {"stale max ms", "stale_max_ms", 0, 0},
                {"starved", "starved", 0, 0},
                {"longest wait ms", "longest_wait_ms", 0, 0}};
    size_t nc = sizeof(cols) / sizeof(cols[0]);
    int sw = 8; /* the scenario column fits the longest name */
    for (size_t i = 0; i < n; i++)
        if (find_check(&runs[i], "cache") && (int)strlen(runs[i].name) > sw)
            sw = (int)strlen(runs[i].name) > 48 ? 48 : (int)strlen(runs[i].name);
    fprintf(out, "\ncache strategies (cache checker):\n%-*s %-16s %-8s", sw, "scenario",
            "strategy", "verdict");
    for (size_t c = 0; c < nc; c++)
        fprintf(out, " %*s", (int)strlen(cols[c].title) > 7 ? (int)strlen(cols[c].title) : 7,
                cols[c].title);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        const sb_check_result *k = find_check(&runs[i], "cache");
        if (!k)
            continue;
        const char *strategy = json_string_value(json_object_get(k->figures, "strategy"));
        fprintf(out, "%-*.*s %-16s %-8s", sw, sw, runs[i].name, strategy ? strategy : "-",
                checker_verdict_name(k->verdict));
        double gets = json_number_value(json_object_get(k->figures, "gets"));
        for (size_t c = 0; c < nc; c++) {
            int w = (int)strlen(cols[c].title) > 7 ? (int)strlen(cols[c].title) : 7;
            json_t *v = json_object_get(k->figures, cols[c].figure);
            char cell[32];
            if (!json_is_number(v))
                snprintf(cell, sizeof(cell), "-");
            else if (cols[c].pct)
                snprintf(cell, sizeof(cell), "%.1f%%",
                         gets > 0 ? 100.0 * json_number_value(v) / gets : 0.0);
            else
                snprintf(cell, sizeof(cell), "%.*f", cols[c].dec, json_number_value(v));
            fprintf(out, " %*s", w, cell);
        }
        fputc('\n', out);
    }
    return (int)shown;
}
