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
            sb_buf_printf(b, " %+.1fs", json_number_value(json_object_get(v, "delta_ms")) / 1000.0);
    } else if (json_object_get(v, "probability")) {
        sb_buf_printf(b, " %.0f%%", json_number_value(json_object_get(v, "probability")) * 100.0);
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
    json_object_set_new(j, "scenario", json_string(r->meta.scenario));
    json_object_set_new(j, "duration_ns", json_integer((json_int_t)r->duration_ns));
    json_object_set_new(j, "passed", json_boolean(r->passed && !r->error[0]));
    json_object_set_new(j, "error", r->error[0] ? json_string(r->error) : json_null());
    json_object_set_new(j, "operations",
                        json_pack("{s:I,s:I,s:I}", "ok", (json_int_t)r->n_ok, "fail",
                                  (json_int_t)r->n_fail, "info", (json_int_t)r->n_info));
    json_object_set_new(j, "faults", r->faults ? json_incref(r->faults) : json_array());
    json_t *cs = json_object();
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        json_t *o = json_object();
        json_object_set_new(o, "verdict", json_string(checker_verdict_name(c->verdict)));
        json_object_set_new(o, "summary", json_string(c->summary));
        json_object_set_new(o, "check_seconds", json_real((double)c->check_ns / 1e9));
        json_object_set_new(o, "figures", c->figures ? json_incref(c->figures) : json_object());
        json_object_set_new(
            o, "expect",
            json_pack("{s:b,s:s}", "met", r->outcomes[i].met, "reason", r->outcomes[i].reason));
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
            r->error[0] ? ""
            : r->passed ? " (expectations met)"
                        : " (expectations missed)");
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
    size_t n_skipped = 0;
    for (size_t i = 0; i < r->n_checks; i++) {
        const sb_check_result *c = &r->checks[i];
        if (c->verdict == SB_VERDICT_SKIPPED) {
            n_skipped++;
            continue;
        }
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
    if (n_skipped) {
        fprintf(out, "  %-12s ", "skipped");
        for (size_t i = 0, k = 0; i < r->n_checks; i++)
            if (r->checks[i].verdict == SB_VERDICT_SKIPPED)
                fprintf(out, "%s%s", k++ ? ", " : "", r->checks[i].checker);
        fputs(" (the history holds nothing they read)\n", out);
    }
    if (r->meta.run_dir[0]) {
        char shown[4200];
        sb_path_shown(r->meta.run_dir, shown, sizeof(shown));
        fprintf(out, "  run folder: %s\n", shown);
    }
    if (r->meta.command[0])
        fprintf(out, "  rerun: %s\n", r->meta.command);
}

/* ====== JUnit XML ====== */

/* What a failure body shows of one anomaly list, and how wide a line gets:
 * enough to see what went wrong, the rest is in results.json. */
#define JUNIT_LIST_SHOWN 3
#define JUNIT_SCALARS_SHOWN 12
#define JUNIT_LINE_CHARS 200

/* Figures that list a checker's anomalies, most telling first. A failure
 * body shows the first few entries of those present; other figures (counts,
 * percentiles, timelines) stay out of it. */
static const char *const junit_anomaly_figures[] = {
    "lost_windows", /* set: windows of lost writes, then the writes */
    "lost",         /* set */
    "unexpected",   /* set */
    "bad",          /* counter: reads out of bounds */
    "violation",    /* linearizable */
    "anomalies",    /* list-append: per class */
    "detail",       /* split-brain: two-master windows */
    "examples",     /* lock, stale: per kind */
    "worst_herds",  /* cache */
    "starved_list", /* cache */
    NULL,
};

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_seq_len(const unsigned char *p)
{
    size_t n = *p < 0x80             ? 1
               : (*p & 0xE0) == 0xC0 ? 2
               : (*p & 0xF0) == 0xE0 ? 3
               : (*p & 0xF8) == 0xF0 ? 4
                                     : 0;
    if (n == 2 && *p < 0xC2)
        return 0; /* overlong */
    for (size_t k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Appends s as XML text: escaped, bytes that are not UTF-8 shown as '?'
 * (one bad byte would make CI reject the whole file), and with one_line
 * every line break and tab turned into a space. */
static void junit_text(sb_buf *b, const char *s, int one_line)
{
    sb_buf clean;
    sb_buf_init(&clean);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq_len(p);
        if (n == 0) {
            sb_buf_puts(&clean, "?");
            p++;
        } else if (one_line && (*p == '\n' || *p == '\r' || *p == '\t')) {
            sb_buf_puts(&clean, " ");
            p++;
        } else {
            sb_buf_append(&clean, (const char *)p, n);
            p += n;
        }
    }
    if (clean.data)
        sb_buf_xml_escape(b, clean.data);
    sb_buf_free(&clean);
}

static void junit_attr(sb_buf *b, const char *name, const char *value)
{
    sb_buf_printf(b, " %s=\"", name);
    junit_text(b, value, 1);
    sb_buf_puts(b, "\"");
}

static void junit_attr_seconds(sb_buf *b, const char *name, int64_t ns)
{
    /* three decimals: Jenkins' schema (junit-10.xsd) allows no more */
    sb_buf_printf(b, " %s=\"%.3f\"", name, (double)(ns > 0 ? ns : 0) / 1e9);
}

static void junit_property(sb_buf *b, const char *name, const char *value)
{
    sb_buf_puts(b, "      <property");
    junit_attr(b, "name", name);
    junit_attr(b, "value", value);
    sb_buf_puts(b, "/>\n");
}

/* A failure body being written: its text and how many lines it holds. */
typedef struct junit_body {
    sb_buf text;
    int lines;
    int full; /* an entry did not fit: "..." said so */
} junit_body;

/* Adds one line, cut at JUNIT_LINE_CHARS; returns 1 when it was added, 0
 * when the body is full (then the caller stops). The last line a body may
 * hold says that there is more. */
static int body_line(junit_body *jb, const char *line)
{
    if (jb->full)
        return 0;
    if (jb->lines == SB_JUNIT_BODY_LINES - 1) {
        sb_buf_puts(&jb->text, "  ... more in results.json and report.html\n");
        jb->lines++;
        jb->full = 1;
        return 0;
    }
    size_t n = strlen(line);
    if (n > JUNIT_LINE_CHARS) {
        sb_buf_append(&jb->text, line, JUNIT_LINE_CHARS - 4);
        sb_buf_puts(&jb->text, " ...\n");
    } else {
        sb_buf_printf(&jb->text, "%s\n", line);
    }
    jb->lines++;
    return 1;
}

static int is_scalar(const json_t *v)
{
    return !json_is_array(v) && !json_is_object(v);
}

/* The first entries of one anomaly list v named name: scalars on one line
 * ("lost (1000 listed): 17, 21, 30, ..."), anything else one entry a line
 * under a "lost_windows (40 listed):" line. An object of lists (one per
 * kind) shows each list as "name.kind"; any other object is one line. */
static void body_anomalies(junit_body *jb, const char *name, json_t *v, int depth)
{
    sb_buf line;
    sb_buf_init(&line);
    if (json_is_array(v) && json_array_size(v)) {
        size_t n = json_array_size(v);
        int scalars = 1;
        for (size_t i = 0; i < n && scalars; i++)
            scalars = is_scalar(json_array_get(v, i));
        size_t cap = scalars ? JUNIT_SCALARS_SHOWN : JUNIT_LIST_SHOWN;
        size_t shown = n < cap ? n : cap;
        sb_buf_printf(&line, "  %s (%zu listed):", name, n);
        for (size_t i = 0; i < shown && scalars; i++) {
            char *e = json_dumps(json_array_get(v, i), JSON_COMPACT | JSON_ENCODE_ANY);
            sb_buf_printf(&line, "%s %s", i ? "," : "", e ? e : "?");
            free(e);
        }
        if (scalars && shown < n)
            sb_buf_puts(&line, ", ...");
        if (!body_line(jb, line.data))
            goto out;
        for (size_t i = 0; i < shown && !scalars; i++) {
            char *e = json_dumps(json_array_get(v, i), JSON_COMPACT | JSON_PRESERVE_ORDER);
            sb_buf_reset(&line);
            sb_buf_printf(&line, "    %s", e ? e : "?");
            free(e);
            if (!body_line(jb, line.data))
                goto out;
        }
    } else if (json_is_object(v) && json_object_size(v)) {
        int of_lists = depth == 0;
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            if (is_scalar(m) && !json_is_null(m))
                of_lists = 0;
        }
        if (of_lists) {
            json_object_foreach(v, k, m)
            {
                char sub[160];
                snprintf(sub, sizeof(sub), "%s.%s", name, k);
                body_anomalies(jb, sub, m, depth + 1);
                if (jb->full)
                    goto out;
            }
        } else {
            char *e = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
            sb_buf_printf(&line, "  %s: %s", name, e ? e : "?");
            free(e);
            body_line(jb, line.data);
        }
    }
out:
    sb_buf_free(&line);
}

/* The failure's text: the checker's line as summary.txt has it, its first
 * anomalies, at most SB_JUNIT_BODY_LINES lines; then where the report is. */
static void junit_failure_body(sb_buf *b, const sb_run_result *r, const sb_check_result *c)
{
    junit_body jb = {.lines = 0};
    sb_buf_init(&jb.text);
    sb_buf line;
    sb_buf_init(&line);
    sb_buf_printf(&line, "  %-12s %-8s %s", c->checker, checker_verdict_name(c->verdict),
                  c->summary);
    body_line(&jb, line.data);
    sb_buf_free(&line);
    for (size_t k = 0; junit_anomaly_figures[k] && !jb.full; k++)
        body_anomalies(&jb, junit_anomaly_figures[k],
                       json_object_get(c->figures, junit_anomaly_figures[k]), 0);
    if (jb.text.data)
        junit_text(b, jb.text.data, 0);
    sb_buf_free(&jb.text);
    if (r->meta.run_dir[0]) {
        sb_buf_puts(b, "report: ");
        junit_text(b, r->meta.run_dir, 1);
        sb_buf_puts(b, "/report.html\n");
    }
}

/* A suite's time: its run (the history's span) and its checking. */
static int64_t junit_suite_ns(const sb_run_result *r)
{
    int64_t ns = r->duration_ns;
    for (size_t i = 0; i < r->n_checks; i++)
        ns += r->checks[i].check_ns;
    return ns;
}

static size_t junit_failures(const sb_run_result *r)
{
    size_t failures = 0;
    for (size_t i = 0; i < r->n_checks; i++)
        failures += !r->outcomes[i].met;
    return failures;
}

static void junit_testcase(sb_buf *b, const sb_run_result *r, size_t i, const char *classname)
{
    const sb_check_result *c = &r->checks[i];
    sb_buf_puts(b, "    <testcase");
    junit_attr(b, "name", c->checker);
    junit_attr(b, "classname", classname);
    junit_attr_seconds(b, "time", c->check_ns);
    if (r->outcomes[i].met) {
        sb_buf_puts(b, ">\n      <system-out>");
        junit_text(b, c->summary, 0);
        sb_buf_puts(b, "</system-out>\n    </testcase>\n");
        return;
    }
    char message[sizeof(r->outcomes[i].reason) + 80];
    snprintf(message, sizeof(message), "%s: %s", c->checker,
             r->outcomes[i].reason[0] ? r->outcomes[i].reason : "expectation missed");
    sb_buf_puts(b, ">\n      <failure type=\"expectation\"");
    junit_attr(b, "message", message);
    sb_buf_puts(b, ">");
    junit_failure_body(b, r, c);
    sb_buf_puts(b, "</failure>\n    </testcase>\n");
}

static void junit_suite(sb_buf *b, const sb_run_result *r, const char *hostname)
{
    char num[64];
    sb_buf_puts(b, "  <testsuite");
    junit_attr(b, "name", r->name);
    sb_buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%d\" skipped=\"0\"",
                  r->n_checks + (r->error[0] != 0), junit_failures(r), r->error[0] != 0);
    junit_attr_seconds(b, "time", junit_suite_ns(r));
    if (r->meta.started_wall_ns) {
        /* UTC, without a zone: the form junit-10.xsd's timestamp allows */
        time_t t = (time_t)(r->meta.started_wall_ns / SB_NS_PER_S);
        struct tm tm;
        char iso[32];
        gmtime_r(&t, &tm);
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
        junit_attr(b, "timestamp", iso);
    }
    if (hostname[0])
        junit_attr(b, "hostname", hostname);
    sb_buf_puts(b, ">\n    <properties>\n");
    junit_property(b, "scenario", r->meta.scenario);
    snprintf(num, sizeof(num), "%llu", (unsigned long long)r->meta.seed);
    junit_property(b, "seed", num);
    junit_property(b, "run_id", r->meta.run_id);
    junit_property(b, "run_dir", r->meta.run_dir);
    junit_property(b, "rerun", r->meta.command);
    sb_buf_puts(b, "    </properties>\n");
    char classname[128];
    snprintf(classname, sizeof(classname), "splitbrain.%s", r->name);
    if (r->error[0]) {
        sb_buf_puts(b, "    <testcase name=\"run\"");
        junit_attr(b, "classname", classname);
        sb_buf_puts(b, " time=\"0.000\">\n      <error type=\"harness\"");
        junit_attr(b, "message", r->error);
        sb_buf_puts(b, ">");
        junit_text(b, r->error, 0);
        if (r->meta.run_dir[0]) {
            sb_buf_puts(b, "\nreport: ");
            junit_text(b, r->meta.run_dir, 1);
            sb_buf_puts(b, "/report.html");
        }
        sb_buf_puts(b, "</error>\n    </testcase>\n");
    }
    for (size_t i = 0; i < r->n_checks; i++)
        junit_testcase(b, r, i, classname);
    /* the same text as summary.txt: CI shows it next to the suite */
    char *summary = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&summary, &len);
    if (f) {
        report_text(r, f, 0);
        fclose(f);
        sb_buf_puts(b, "    <system-out>");
        junit_text(b, summary ? summary : "", 0);
        sb_buf_puts(b, "</system-out>\n");
    }
    free(summary);
    sb_buf_puts(b, "  </testsuite>\n");
}

int report_junit(const sb_run_result *runs, size_t n, const char *path, char *err)
{
    char hostname[256] = "";
    if (gethostname(hostname, sizeof(hostname)) == -1)
        hostname[0] = '\0';
    hostname[sizeof(hostname) - 1] = '\0';
    size_t tests = 0, failures = 0, errors = 0;
    int64_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        tests += runs[i].n_checks + (runs[i].error[0] != 0);
        failures += junit_failures(&runs[i]);
        errors += runs[i].error[0] != 0;
        ns += junit_suite_ns(&runs[i]);
    }
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_printf(&b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<testsuites name=\"splitbrain\" tests=\"%zu\" failures=\"%zu\" "
                  "errors=\"%zu\" skipped=\"0\"",
                  tests, failures, errors);
    junit_attr_seconds(&b, "time", ns);
    sb_buf_puts(&b, ">\n");
    for (size_t i = 0; i < n; i++)
        junit_suite(&b, &runs[i], hostname);
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
    fprintf(out, "\ncache strategies (cache checker):\n%-*s %-16s %-8s", sw, "scenario", "strategy",
            "verdict");
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

/* ====== A family's settings side by side ====== */

/* One family (runs[first]'s): a line per member, with the columns of the
 * first member's kind (writes or a lock). */
static void family_lines(const sb_run_result *runs, size_t n, size_t first, FILE *out)
{
    static const int width[SB_FAMILY_CELLS] = {12, 8, 8, 8, 6, 16, 8, 10};
    const char *fam = runs[first].family;
    int sw = 7;
    for (size_t i = first; i < n; i++)
        if (!strcmp(runs[i].family, fam) && (int)strlen(runs[i].setting) > sw)
            sw = strlen(runs[i].setting) > 56 ? 56 : (int)strlen(runs[i].setting);
    sb_family_row w;
    results_family_row(&runs[first], &w);
    fprintf(out, "\nfamily %s: what each setting %s\n%-*s", fam, w.lock ? "does" : "loses", sw,
            "setting");
    for (size_t k = 0; results_family_column(w.lock, 0, k); k++)
        fprintf(out, " %*s", width[k], results_family_column(w.lock, 0, k));
    fputc('\n', out);
    for (size_t i = first; i < n; i++) {
        if (strcmp(runs[i].family, fam))
            continue;
        int lock = w.lock;
        results_family_row(&runs[i], &w);
        fprintf(out, "%-*.*s", sw, sw, w.setting);
        for (size_t k = 0; results_family_column(lock, 0, k); k++)
            fprintf(out, " %*s", width[k], w.cell[k]);
        fputc('\n', out);
    }
}

int report_family_table(const sb_run_result *runs, size_t n, FILE *out)
{
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!runs[i].family[0])
            continue;
        size_t members = 0, seen = 0;
        for (size_t j = 0; j < n; j++) {
            members += !strcmp(runs[j].family, runs[i].family);
            seen += j < i && !strcmp(runs[j].family, runs[i].family);
        }
        if (members < 2 || seen)
            continue;
        family_lines(runs, n, i, out);
        shown++;
    }
    return shown;
}
