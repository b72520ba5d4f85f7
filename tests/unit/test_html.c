/* test_html.c -- report.html and index.html: every string of the history
 * is escaped, the plots carry their lanes, faults and two-master windows,
 * anomalies become rows, big histories are bounded and say so, a cache run
 * is charted over time and index.html sets cache strategies side by side,
 * and the pages are self-contained. Histories are written by hand. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "html.h"
#include "results.h"
#include "util.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    sb_history *h;
    sb_run_result r;
    int have_r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    strcpy(f->dir, "/tmp/sb-html-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/report.html", f->dir);
    f->h = history_new();
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char err[SB_ERR_LEN];
    if (f->have_r)
        results_free(&f->r);
    history_free(f->h);
    sb_rm_rf(f->dir, err);
    free(f);
    return 0;
}

/* Appends an operation at ms milliseconds; v is stolen. */
static void op(sb_history *h, int proc, sb_op_type t, const char *fn, json_t *v, double ms,
               const char *node, const char *error)
{
    sb_op o = {.process = proc,
               .type = t,
               .value = v,
               .time_ns = (int64_t)(ms * 1e6),
               .error = (char *)error};
    snprintf(o.f, sizeof(o.f), "%s", fn);
    if (node)
        snprintf(o.node, sizeof(o.node), "%s", node);
    history_add(h, &o);
    json_decref(v);
}

static void add_pair(sb_history *h, int proc, long long v, double at_ms, double lat_ms,
                     sb_op_type outcome, const char *node)
{
    op(h, proc, SB_OP_INVOKE, "add", json_integer(v), at_ms, NULL, NULL);
    op(h, proc, outcome, "add", json_integer(v), at_ms + lat_ms, node,
       outcome == SB_OP_OK ? NULL : "timeout");
}

static void partition(sb_history *h, double at_ms, double heal_ms)
{
    op(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "partition", json_pack("{s:i}", "id", 0), at_ms, NULL,
       NULL);
    op(h, SB_PROC_NEMESIS, SB_OP_OK, "partition",
       json_pack("{s:i,s:s,s:[[s][ss]]}", "id", 0, "shape", "groups", "groups", "n1", "n2", "n3"),
       at_ms + 1, NULL, NULL);
    op(h, SB_PROC_NEMESIS, SB_OP_INVOKE, "heal", json_pack("{s:i}", "id", 1), heal_ms, NULL, NULL);
    op(h, SB_PROC_NEMESIS, SB_OP_OK, "heal", json_pack("{s:i}", "id", 1), heal_ms + 1, NULL, NULL);
}

static void roles(sb_history *h, double at_ms, const char *n1, const char *n3)
{
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "roles",
       json_pack("{s:s,s:s,s:s}", "n1", n1, "n2", "slave", "n3", n3), at_ms, NULL, NULL);
}

/* Runs the checkers, writes report.html and returns its text (freed by
 * the caller). Every page must be self-contained whatever the input. */
static char *render(fixture *f, const char *const *checkers, size_t n)
{
    char err[SB_ERR_LEN];
    sb_run_meta meta = {.seed = 7, .started_wall_ns = 1700000000LL * SB_NS_PER_S};
    snprintf(meta.run_id, sizeof(meta.run_id), "r1");
    snprintf(meta.run_dir, sizeof(meta.run_dir), "%s", f->dir);
    snprintf(meta.command, sizeof(meta.command), "splitbrain run s.json --seed 7");
    if (!f->have_r) {
        assert_int_equal(results_compute(NULL, checkers, n, f->h, &meta, &f->r, err), 0);
        f->have_r = 1;
    }
    int rc = report_html(&f->r, f->h, f->path, err);
    if (rc)
        fprintf(stderr, "report_html: %s\n", err);
    assert_int_equal(rc, 0);
    char *text = sb_read_file(f->path, NULL, err);
    assert_non_null(text);
    assert_null(strstr(text, "http://"));
    assert_null(strstr(text, "https://"));
    assert_null(strstr(text, "xmlns"));
    assert_null(strstr(text, "<script"));
    assert_null(strstr(text, "<link"));
    assert_null(strstr(text, "<img"));
    return text;
}

/* The text of section id (up to its end), for searching inside it. */
static char *section(const char *page, const char *id)
{
    char open[64];
    snprintf(open, sizeof(open), "<section id=\"%s\">", id);
    const char *s = strstr(page, open);
    assert_non_null(s);
    const char *e = strstr(s, "</section>");
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* ====== Escaping ====== */

static void escaping_covers_entities_controls_and_bad_utf8(void **state)
{
    (void)state;
    sb_buf b;
    sb_buf_init(&b);
    html_escape(&b, "<a href='x'>&\"\x01\xff\xc3\xa9 \xed\xa0\x80 see http://x</a>");
    assert_string_equal(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\x01\\xFF\xc3\xa9 "
                                "\\xED\\xA0\\x80 see http:&#47;/x&lt;/a&gt;");
    sb_buf_reset(&b);
    html_escape_max(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 3); /* cut inside the second character */
    assert_string_equal(b.data, "\xc3\xa9\xe2\x80\xa6");
    sb_buf_reset(&b);
    json_t *v = json_pack("{s:s}", "<k>", "v\"");
    html_json(&b, v, 100);
    assert_string_equal(b.data, "{&quot;&lt;k&gt;&quot;:&quot;v\\&quot;&quot;}");
    json_decref(v);
    sb_buf_free(&b);
}

static void report_escapes_every_string_from_the_history(void **state)
{
    fixture *f = *state;
    const char *evil = "<script>alert('x')</script>&\"\x01\xfe http://evil";
    op(f->h, 0, SB_OP_INVOKE, "add", json_integer(1), 1, NULL, NULL);
    op(f->h, 0, SB_OP_FAIL, "add", json_integer(1), 2, "<script>n1", evil);
    /* jansson refuses invalid UTF-8 in strings it checks; a history may still hold it */
    op(f->h, 1, SB_OP_INVOKE, "add", json_string_nocheck(evil), 3, NULL, NULL);
    op(f->h, 1, SB_OP_OK, "add", json_string_nocheck(evil), 4, "n1", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "roles",
       json_pack("{s:s,s:s}", "<script>n9", "mas'ter\"", "n1", "master"), 5, NULL, NULL);
    op(f->h, SB_PROC_NODE, SB_OP_INFO, "+switch-master",
       json_pack("{s:s,s:s}", "process", "sentinel", "detail", evil), 6, "<script>", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "read", json_pack("[i]", 1), 7, "n1", NULL);
    const char *ck[] = {"set", "perf", "split-brain"};
    char err[SB_ERR_LEN];
    assert_int_equal(results_compute(NULL, ck, 3, f->h, NULL, &f->r, err), 0);
    f->have_r = 1;
    snprintf(f->r.name, sizeof(f->r.name), "<script>name");
    snprintf(f->r.meta.command, sizeof(f->r.meta.command), "run '<script>' & \"x\"");
    json_object_set_new(f->r.checks[0].figures, "<script>key&\"'", json_string_nocheck(evil));
    json_t *row = json_object();
    json_object_set_new(row, "<script>col", json_string_nocheck(evil));
    json_object_set_new(f->r.checks[0].figures, "nested", json_pack("[o]", row));
    char *page = render(f, ck, 3);
    assert_non_null(strstr(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
                                 "\\x01\\xFE http:&#47;/evil"));
    assert_non_null(strstr(page, "&lt;script&gt;key&amp;&quot;&#39;"));
    assert_non_null(strstr(page, "&lt;script&gt;col"));
    assert_non_null(strstr(page, "<h1>&lt;script&gt;name</h1>"));
    assert_non_null(strstr(page, "run &#39;&lt;script&gt;&#39; &amp; &quot;x&quot;"));
    assert_non_null(strstr(page, "mas&#39;ter&quot;"));
    free(page);
}

/* ====== Fault windows ====== */

static void nemesis(sb_history *h, const char *fn, sb_op_type t, json_t *v, double ms)
{
    op(h, SB_PROC_NEMESIS, SB_OP_INVOKE, fn, json_pack("{s:O}", "id", json_object_get(v, "id")),
       ms - 1, NULL, NULL);
    op(h, SB_PROC_NEMESIS, t, fn, v, ms, NULL, t == SB_OP_OK ? NULL : "nft failed");
}

static void fault_windows_end_at_what_undoes_them(void **state)
{
    fixture *f = *state;
    sb_history *h = f->h;
    nemesis(h, "kill", SB_OP_OK,
            json_pack("{s:i,s:[{s:s,s:s}]}", "id", 0, "targets", "process", "redis", "host", "n1"),
            100);
    nemesis(h, "clock", SB_OP_OK,
            json_pack("{s:i,s:s,s:f}", "id", 1, "op", "bump", "delta_ms", 5000.0), 200);
    nemesis(h, "sentinel-remove", SB_OP_OK, json_pack("{s:i,s:[s]}", "id", 2, "hosts", "n2"), 300);
    nemesis(h, "partition", SB_OP_FAIL, json_pack("{s:i}", "id", 3), 400);
    nemesis(h, "restart", SB_OP_OK, json_pack("{s:i}", "id", 4), 500);
    nemesis(h, "undo", SB_OP_OK,
            json_pack("{s:i,s:i,s:s}", "id", 5, "of", 2, "undoes", "sentinel-remove"), 600);
    nemesis(h, "cluster-failover", SB_OP_OK, json_pack("{s:i,s:s}", "id", 6, "host", "n4"), 700);
    nemesis(h, "pause", SB_OP_OK, json_pack("{s:i}", "id", 7), 800);
    nemesis(h, "clock", SB_OP_OK, json_pack("{s:i,s:s}", "id", 8, "op", "reset"), 900);
    size_t n;
    html_fault *w = html_fault_windows(h, 2000 * SB_NS_PER_MS, &n);
    assert_int_equal(n, 9);
    assert_string_equal(w[0].label, "kill redis@n1");
    assert_int_equal(w[0].cls, HTML_FAULT_KILL);
    assert_int_equal(w[0].invoked_ns, 99 * SB_NS_PER_MS);
    assert_int_equal(w[0].end_ns, 500 * SB_NS_PER_MS); /* restart */
    assert_string_equal(w[1].label, "clock bump +5.0s");
    assert_int_equal(w[1].end_ns, 900 * SB_NS_PER_MS); /* clock reset */
    assert_string_equal(w[2].label, "sentinel-remove on n2");
    assert_int_equal(w[2].end_ns, 600 * SB_NS_PER_MS); /* undo #2 */
    assert_false(w[2].instant);
    assert_true(w[3].failed && w[3].instant);
    assert_int_equal(w[4].cls, 0);
    assert_string_equal(w[5].label, "undo #2 (sentinel-remove)");
    /* A cluster operation is in force while it runs: invoke to completion. */
    assert_false(w[6].instant || w[6].open);
    assert_int_equal(w[6].start_ns, 699 * SB_NS_PER_MS);
    assert_int_equal(w[6].end_ns, 700 * SB_NS_PER_MS);
    assert_string_equal(w[6].label, "cluster-failover n4");
    assert_true(w[7].open); /* never resumed: in force to the end */
    assert_int_equal(w[7].end_ns, 2000 * SB_NS_PER_MS);
    assert_false(w[1].open);
    free(w);
}

/* ====== Plots ====== */

static void timeline_has_a_lane_per_process_and_labelled_fault_windows(void **state)
{
    fixture *f = *state;
    add_pair(f->h, 0, 1, 10, 5, SB_OP_OK, "n1");
    add_pair(f->h, 1, 2, 20, 5, SB_OP_FAIL, "n1");
    partition(f->h, 1000, 3000);
    add_pair(f->h, 7, 3, 1500, 500, SB_OP_INFO, "n1");
    op(f->h, SB_PROC_NODE, SB_OP_INFO, "+switch-master",
       json_pack("{s:s,s:s}", "process", "sentinel", "detail", "mymaster a 1 b 2"), 2000, "n2",
       NULL);
    add_pair(f->h, 0, 4, 4000, 5, SB_OP_OK, "n1");
    const char *ck[] = {"perf"};
    char *page = render(f, ck, 1);
    char *tl = section(page, "timeline");
    assert_non_null(strstr(tl, "<svg class=\"plot\" viewBox="));
    assert_non_null(strstr(tl, ">process 0</text>"));
    assert_non_null(strstr(tl, ">process 1</text>"));
    assert_non_null(strstr(tl, ">process 7</text>"));
    assert_null(strstr(tl, ">process 2</text>"));
    assert_int_equal(count(tl, "class=\"o-ok\""), 2);
    assert_int_equal(count(tl, "class=\"o-fail\""), 1);
    assert_int_equal(count(tl, "class=\"o-info\""), 1);
    /* the partition, in force from its ok (1.001s) to the heal's (3.001s), shaded and labelled */
    /* columns 249 (1.001s of 4.005s) to 749 (3.001s) */
    assert_non_null(strstr(tl, "<path class=\"fs1\" d=\"M377 "));
    assert_non_null(strstr(tl, "h501v"));
    assert_non_null(strstr(tl, "<text class=\"fbt\""));
    assert_non_null(strstr(tl, ">partition {n1} | {n2,n3}</text>"));
    assert_non_null(strstr(tl, ">node events</text>"));
    assert_non_null(strstr(tl, ">+switch-master</text>"));
    assert_non_null(strstr(tl, "0s</text>"));
    char *faults = section(page, "faults");
    assert_non_null(
        strstr(faults, "<td>partition {n1} | {n2,n3}</td><td class=\"num\">3.001 s</td>"));
    free(faults);
    free(tl);
    free(page);
}

static void lanes_past_the_cap_are_aggregated_and_big_histories_bucketed(void **state)
{
    fixture *f = *state;
    /* 70 processes, each busy back to back: 3010 operations */
    for (int j = 0; j <= 43; j++)
        for (int p = 0; p < 70; p++) {
            int v = (j - 1) * 70 + p; /* the previous operation, completed just before */
            if (j > 0)
                op(f->h, p, v % 50 ? SB_OP_OK : SB_OP_FAIL, "add", json_integer(v),
                   j * 10.0 + p * 0.01 - 0.005, "n1", v % 50 ? NULL : "refused");
            if (j < 43)
                op(f->h, p, SB_OP_INVOKE, "add", json_integer(v + 70), j * 10.0 + p * 0.01, NULL,
                   NULL);
        }
    const char *ck[] = {"perf"};
    char *page = render(f, ck, 1);
    char *tl = section(page, "timeline");
    assert_non_null(strstr(tl, ">process 62</text>"));
    assert_null(strstr(tl, ">process 63</text>"));
    assert_non_null(strstr(tl, ">other clients (7)</text>"));
    assert_non_null(strstr(tl, "70 client processes: the first 63 have a lane each; the other 7 "
                               "are aggregated into one lane"));
    assert_non_null(strstr(tl, "too many to draw one by one"));
    assert_int_equal(count(tl, "</title></rect>"), 0); /* no element per operation */
    /* one path per lane and outcome; a green run per lane, cut where one of the 61
     * failures is marked red */
    assert_true(count(tl, "<path class=\"o-") <= 64 * 2);
    assert_true(count(tl, "z") <= 64 + 2 * 61);
    free(tl);
    char *perf = section(page, "perf");
    assert_non_null(strstr(perf, "<path class=\"o-ok\""));
    assert_non_null(strstr(perf, "<path class=\"p99\""));
    free(perf);
    free(page);
}

static void masters_plot_marks_two_master_windows(void **state)
{
    fixture *f = *state;
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "ready",
       json_pack("{s:s,s:[ss]}", "master", "n1", "replicas", "n2", "n3"), 0, NULL, NULL);
    for (int t = 0; t <= 80; t++) {
        roles(f->h, t * 100.0, "master", t >= 30 && t < 50 ? "master" : t == 60 ? "down" : "slave");
        if (t >= 35 && t <= 37) /* acknowledged during the window */
            add_pair(f->h, 0, t, t * 100.0 + 10, 1, SB_OP_OK, t < 37 ? "n1" : "n3");
    }
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "sentinel-views",
       json_pack("{s:{s:s,s:i}}", "n2", "master", "n3", "epoch", 1), 4000, NULL, NULL);
    const char *ck[] = {"split-brain"};
    char *page = render(f, ck, 1);
    char *m = section(page, "masters");
    assert_non_null(strstr(m, "<rect class=\"multi\""));
    assert_non_null(strstr(m, ">n1, n3 master</text>"));
    assert_non_null(strstr(m, ">sentinel n2</text>"));
    assert_non_null(strstr(m, "n3: down"));
    free(m);
    char *a = section(page, "anomalies");
    assert_non_null(strstr(a, "<table class=\"split\">"));
    assert_non_null(strstr(a,
                           "<td class=\"num\">3.000 s</td><td class=\"num\">5.000 s</td>"
                           "<td class=\"num\">2.000 s</td><td>n1, n3</td><td>n1: 2, n3: 1</td>"));
    free(a);
    free(page);
}

/* ====== Verdicts and anomaly tables ====== */

static void verdicts_and_lost_writes_become_rows(void **state)
{
    fixture *f = *state;
    for (int v = 1; v <= 260; v++)
        add_pair(f->h, v % 4, v, v * 10.0, 2, SB_OP_OK, v % 2 ? "n1" : "n2");
    json_t *final = json_array();
    for (int v = 251; v <= 260; v++)
        json_array_append_new(final, json_integer(v));
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "read", final, 3000, "n2", NULL);
    const char *ck[] = {"set", "perf"};
    char *page = render(f, ck, 2);
    char *v = section(page, "verdicts");
    assert_non_null(strstr(v, "<a href=\"#ck-0\">set</a></td><td><span class=\"badge "
                              "v-invalid\">invalid</span></td><td>lost 250 of 260"));
    assert_non_null(strstr(v, "\xe2\x9c\x97 missed: expected valid, got invalid (lost 250 of 260"));
    assert_non_null(strstr(v, "<a href=\"#ck-1\">perf</a></td><td><span class=\"badge "
                              "v-valid\">valid</span>"));
    assert_non_null(strstr(v, "\xe2\x9c\x93 met"));
    free(v);
    char *a = section(page, "anomalies");
    /* value 4, acknowledged at 42 ms by n2 (process 0) */
    assert_non_null(strstr(a, "<tr><td class=\"num\">4</td><td class=\"num\">0.042 s</td>"
                              "<td>n2</td><td class=\"num\">0</td>"));
    assert_non_null(strstr(a, "first 200 of 250"));
    char *lost = strndup(strstr(a, "<table class=\"lost\">"), 100000);
    *strstr(lost, "</table>") = '\0';
    assert_int_equal(count(lost, "<tr><td"), 200);
    free(lost);
    assert_non_null(strstr(a, "<th>lost_count</th><td class=\"num\">250</td>"));
    free(a);
    assert_non_null(strstr(page, "<span class=\"badge\">FAIL</span>"));
    free(page);
}

static void special_checkers_render_their_examples(void **state)
{
    fixture *f = *state;
    memset(&f->r, 0, sizeof(f->r));
    snprintf(f->r.name, sizeof(f->r.name), "hand-made");
    f->r.passed = 1;
    f->r.n_checks = 3;
    f->r.checks = calloc(3, sizeof(sb_check_result));
    f->r.outcomes = calloc(3, sizeof(sb_expect_outcome));
    f->r.outcomes[0].met = f->r.outcomes[1].met = f->r.outcomes[2].met = 1;
    f->r.faults = json_array();
    f->have_r = 1;
    sb_check_result *c = &f->r.checks[0];
    snprintf(c->checker, sizeof(c->checker), "lock");
    c->verdict = SB_VERDICT_INVALID;
    c->figures = json_pack(
        "{s:i,s:{s:[{s:s,s:f,s:{s:i,s:i,s:I,s:I,s:s},s:{s:i,s:i,s:I,s:I,s:s}}]}}", "overlaps", 1,
        "examples", "overlaps", "lock", "L", "overlap_ms", 1588.26, "a", "process", 1, "fence", 4,
        "start_ns", (json_int_t)6938801754LL, "end_ns", (json_int_t)8939227984LL, "outcome", "ok",
        "b", "process", 0, "fence", 5, "start_ns", (json_int_t)7350975590LL, "end_ns",
        (json_int_t)9351332927LL, "outcome", "ok");
    c = &f->r.checks[1];
    snprintf(c->checker, sizeof(c->checker), "list-append");
    c->verdict = SB_VERDICT_INVALID;
    c->figures = json_pack(
        "{s:i,s:{s:[{s:i,s:[{s:i,s:i,s:s,s:[[sss]],s:s,s:s},{s:i,s:i,s:s,s:[[ssi]],s:s,s:s}]}]}}",
        "g_single_count", 1, "anomalies", "G-single", "length", 2, "cycle", "index", 10, "process",
        1, "type", "ok", "ops", "r", "k1", "x", "edge", "rw", "key", "k1", "index", 12, "process",
        2, "type", "ok", "ops", "append", "k1", 5, "edge", "wr", "key", "k1");
    /* a checker without tables of its own: figures rendered generically */
    c = &f->r.checks[2];
    snprintf(c->checker, sizeof(c->checker), "custom");
    c->figures = json_pack("{s:f,s:{s:{s:i,s:i},s:{s:i,s:s}},s:[i,i,i],s:[{s:f,s:i}]}", "share",
                           0.25, "by_node", "n1", "reads", 3, "stale", 1, "n2", "reads", 5, "note",
                           "<b>", "values", 1, 2, 3, "herds", "start_s", 0.00261291, "size", 7);
    char *page = render(f, NULL, 0);
    char *a = section(page, "anomalies");
    assert_non_null(strstr(a, "<tr><th>share</th><td class=\"num\">0.25</td></tr>"));
    assert_non_null(strstr(a, "<tr><th></th><th>reads</th><th>stale</th><th>note</th></tr>"));
    assert_non_null(strstr(a, "<tr><th>n1</th><td class=\"num\">3</td><td class=\"num\">1</td>"
                              "<td></td></tr>"));
    assert_non_null(strstr(a, "<tr><th>n2</th><td class=\"num\">5</td><td></td><td>&lt;b&gt;"
                              "</td></tr>"));
    assert_non_null(strstr(a, "<p class=\"mono\">[1,2,3]</p>"));
    /* a seconds column (a cache herd's start_s) reads as a time */
    assert_non_null(strstr(a, "<td class=\"num\">0.003 s</td><td class=\"num\">7</td>"));
    assert_null(strstr(a, "0.00261291"));
    assert_non_null(
        strstr(a, "<td class=\"num\">1588.3 ms</td><td>process 1, fence 4, 6.939 s to "
                  "8.939 s (ok)</td><td>process 0, fence 5, 7.351 s to 9.351 s (ok)</td>"));
    assert_non_null(strstr(a, "Cycle 1: 2 transactions"));
    assert_non_null(strstr(a, "<td>rw \xe2\x86\x92</td>"));
    assert_non_null(strstr(a, "<th>g_single_count</th>"));
    free(a);
    assert_non_null(strstr(page, "No client operations or node events in this history."));
    free(page);
}

static void linearizability_violation_shows_its_window_of_the_history(void **state)
{
    fixture *f = *state;
    op(f->h, 0, SB_OP_INVOKE, "write", json_integer(1), 0, NULL, NULL);
    op(f->h, 0, SB_OP_OK, "write", json_integer(1), 10, "n1", NULL);
    op(f->h, 1, SB_OP_INVOKE, "read", json_null(), 20, NULL, NULL);
    op(f->h, 2, SB_OP_INVOKE, "write", json_integer(2), 21, NULL, NULL);
    op(f->h, 1, SB_OP_OK, "read", json_integer(5), 30, "n2", NULL);
    op(f->h, 2, SB_OP_OK, "write", json_integer(2), 31, "n1", NULL);
    const char *ck[] = {"linearizable"};
    char *page = render(f, ck, 1);
    char *a = section(page, "anomalies");
    assert_non_null(strstr(a, "<span class=\"badge v-invalid\">invalid</span>linearizable"));
    assert_non_null(strstr(a, "The operation that cannot be placed"));
    assert_non_null(strstr(a, "Concurrent operations"));
    /* the window: the read (highlighted) and the write concurrent with it */
    assert_non_null(strstr(a, "<tr class=\"hi\"><td class=\"num\">2</td><td class=\"num\">"
                              "0.020 s</td><td class=\"num\">1</td><td>invoke</td><td>read</td>"));
    assert_non_null(strstr(a, "<tr class=\"hi\"><td class=\"num\">4</td>"));
    assert_non_null(strstr(a, "<tr><td class=\"num\">3</td>"));
    assert_null(strstr(a, "<tr><td class=\"num\">1</td><td class=\"num\">0.010 s"));
    /* drawn: a lane per process, the read outlined, the values on the bars */
    assert_non_null(strstr(a, "<svg class=\"plot register-window\""));
    assert_int_equal(count(a, "<g class=\"rg-op"), 2);
    assert_int_equal(count(a, "<g class=\"rg-op rg-bad\">"), 1);
    assert_non_null(strstr(a, ">read 5</text>"));
    assert_non_null(strstr(a, ">write 2</text>"));
    assert_non_null(strstr(a, "process 1: read 5, invoked at 0.020000 s, completed at 0.030000 s"));
    assert_non_null(strstr(a, "Process 1's read 5 (outlined) cannot be placed."));
    assert_non_null(strstr(a, "; after them the register could hold only "));
    assert_non_null(strstr(a, "no order of it and the 1 operation concurrent with it (the other "
                              "bars) makes it valid."));
    free(a);
    free(page);
}

static void lock_hold(sb_history *h, int proc, int fence, double acq_ms, double rel_ms)
{
    op(h, proc, SB_OP_INVOKE, "lock", json_pack("{s:s,s:i}", "lock", "L", "ttl_ms", 1000),
       acq_ms - 1, NULL, NULL);
    op(h, proc, SB_OP_OK, "lock",
       json_pack("{s:s,s:i,s:I,s:i,s:i,s:b,s:I,s:b}", "lock", "L", "ttl_ms", 1000, "acquired",
                 (json_int_t)(acq_ms * 1e6), "validity_ms", 990, "fence", fence, "appended", 1,
                 "released", (json_int_t)(rel_ms * 1e6), "release_ok", 1),
       rel_ms + 1, "n1", NULL);
}

/* Two overlapping holds drawn against the resource's writes: the overlap
 * shaded, each hold's append on the resource lane, and the final resource
 * quoted around their entries with what a fencing resource would do. */
static void lock_overlap_is_drawn_against_the_resource(void **state)
{
    fixture *f = *state;
    lock_hold(f->h, 2, 3, 10, 60);
    lock_hold(f->h, 1, 5, 100, 300);
    lock_hold(f->h, 0, 4, 200, 400);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, 500, "n1", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "read",
       json_pack("{s:[sss]}", "resource", "2:3", "1:5", "0:4"), 501, "n1", NULL);
    const char *ck[] = {"lock"};
    char *page = render(f, ck, 1);
    char *a = section(page, "anomalies");
    assert_int_equal(count(a, "<svg class=\"plot lock-overlap\""), 1);
    const char *svg = strstr(a, "<svg class=\"plot lock-overlap\"");
    assert_int_equal(count(svg, "class=\"lk-hold\""), 2);
    assert_int_equal(count(svg, "class=\"lk-both\""), 1);
    assert_non_null(strstr(svg, "both held the lock for 100.0 ms"));
    /* the two holds' appends; the first hold (10-60 ms) is outside the window */
    assert_int_equal(count(svg, "class=\"lk-w\""), 2);
    assert_non_null(strstr(svg, "process 0 appended 0:4 to the resource between 0.200000 s"));
    assert_non_null(strstr(a, "Process 1 (fence 5) and process 0 (fence 4) both believed they "
                              "held lock L from 0.200 s to 0.300 s (100.0 ms, shaded)."));
    assert_non_null(strstr(a, "entries 1 to 3 (process:fence): 2:3, <b>1:5</b>, <b>0:4</b>."));
    assert_non_null(strstr(a, "Fence 4 was written after fence 5: a resource that checks "
                              "fencing tokens would have refused it."));
    free(a);
    free(page);
}

static void header_reads_the_scenario_and_writes_atomically(void **state)
{
    fixture *f = *state;
    char sc[128], err[SB_ERR_LEN], tmp[160];
    snprintf(sc, sizeof(sc), "%s/scenario.json", f->dir);
    const char *json = "{\"name\":\"x\",\"description\":\"Case <II> & more\"}";
    assert_int_equal(sb_write_file(sc, json, strlen(json), err), 0);
    add_pair(f->h, 0, 1, 10, 5, SB_OP_OK, "n1");
    char *page = render(f, NULL, 0);
    assert_non_null(strstr(page, "<p class=\"desc\">Case &lt;II&gt; &amp; more</p>"));
    assert_non_null(strstr(page, "<code>splitbrain run s.json --seed 7</code>"));
    assert_non_null(strstr(page, "<dt>seed</dt><dd>7</dd>"));
    assert_non_null(strstr(page, "2023-11-14 22:13:20 UTC"));
    assert_non_null(strstr(page, "<span class=\"badge\">PASS</span>"));
    free(page);
    snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(report_html(&f->r, f->h, "/nonexistent-dir/report.html", err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/report.html.tmp"));
}

/* ====== index.html ====== */

static void index_links_runs_and_shows_key_figures(void **state)
{
    fixture *f = *state;
    char a_dir[128], b_dir[128], sub[128], idx[160], err[SB_ERR_LEN];
    snprintf(a_dir, sizeof(a_dir), "%s/run A", f->dir);
    snprintf(b_dir, sizeof(b_dir), "%s/runB", f->dir);
    snprintf(sub, sizeof(sub), "%s/sub", f->dir);
    assert_int_equal(mkdir(a_dir, 0755), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    sb_run_result runs[2];
    memset(runs, 0, sizeof(runs));
    snprintf(runs[0].name, sizeof(runs[0].name), "case<2>");
    snprintf(runs[0].meta.run_dir, sizeof(runs[0].meta.run_dir), "%s", a_dir);
    runs[0].n_checks = 3;
    runs[0].checks = calloc(3, sizeof(sb_check_result));
    runs[0].outcomes = calloc(3, sizeof(sb_expect_outcome));
    snprintf(runs[0].checks[0].checker, 64, "set");
    runs[0].checks[0].verdict = SB_VERDICT_INVALID;
    runs[0].checks[0].figures = json_pack("{s:i,s:i,s:f}", "acknowledged", 20000, "lost_count",
                                          14952, "lost_fraction", 0.7476);
    snprintf(runs[0].checks[1].checker, 64, "perf");
    runs[0].checks[1].figures = json_pack("{s:f,s:f}", "availability_in_faults", 0.396,
                                          "availability_outside_faults", 0.995);
    snprintf(runs[0].checks[2].checker, 64, "split-brain");
    runs[0].checks[2].verdict = SB_VERDICT_INVALID;
    runs[0].checks[2].figures = json_pack("{s:f,s:[{s:f},{s:f}]}", "two_master_seconds", 16.0,
                                          "detail", "duration_s", 3.0, "duration_s", 13.1);
    runs[0].outcomes[0].met = runs[0].outcomes[1].met = runs[0].outcomes[2].met = 1;
    runs[0].passed = 1;
    snprintf(runs[1].name, sizeof(runs[1].name), "healthy");
    snprintf(runs[1].meta.run_dir, sizeof(runs[1].meta.run_dir), "%s", b_dir);
    snprintf(runs[1].error, sizeof(runs[1].error), "redis-server failed to start");
    snprintf(idx, sizeof(idx), "%s/sub/index.html", f->dir);
    assert_int_equal(report_index_html(runs, 2, idx, err), 0);
    char *page = sb_read_file(idx, NULL, err);
    assert_non_null(page);
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_non_null(strstr(page, "<a href=\"../run%20A/report.html\">case&lt;2&gt;</a>"));
    assert_non_null(strstr(page, "<a href=\"../runB/report.html\">healthy</a>"));
    assert_non_null(strstr(page, "<span class=\"badge r-pass\">PASS</span>"));
    assert_non_null(strstr(page, "<span class=\"badge r-error\">ERROR</span>"));
    assert_non_null(strstr(page, ">set: invalid</span>"));
    assert_non_null(strstr(page, "<td class=\"num\">20000</td><td class=\"num\">14952</td>"
                                 "<td class=\"num\">74.76%</td><td class=\"num\">39.6%</td>"
                                 "<td class=\"num\">99.5%</td><td class=\"num\">13.1 s</td>"));
    /* the run that reported nothing shows dashes */
    assert_true(count(page, "<td class=\"num\">\xe2\x80\x93</td>") >= 6);
    assert_non_null(strstr(page, "redis-server failed to start"));
    free(page);
    results_free(&runs[0]);
    results_free(&runs[1]);

    snprintf(idx, sizeof(idx), "%s/index.html", f->dir);
    snprintf(runs[0].meta.run_dir, sizeof(runs[0].meta.run_dir), "%s", f->dir);
    runs[0].passed = 0;
    assert_int_equal(report_index_html(runs, 1, idx, err), 0);
    page = sb_read_file(idx, NULL, err);
    assert_non_null(strstr(page, "<a href=\"report.html\">"));
    assert_non_null(strstr(page, "<span class=\"badge r-fail\">FAIL</span>"));
    free(page);
}

/* Lost writes are drawn when they were acknowledged, and said in words;
 * node addresses in log details read as host names. */
static void lost_writes_and_host_names_are_shown(void **state)
{
    fixture *f = *state;
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "hosts",
       json_pack("{s:s,s:s,s:s}", "n1", "10.77.0.11", "n2", "10.77.0.12", "n3", "10.77.0.13"), 0,
       NULL, NULL);
    add_pair(f->h, 0, 1, 100, 2, SB_OP_OK, "n1");
    for (int i = 0; i < 1500; i++)
        add_pair(f->h, 0, 2 + i, 5000 + i * 10, 2, SB_OP_OK, "n1");
    op(f->h, SB_PROC_NODE, SB_OP_INFO, "+switch-master",
       json_pack("{s:s,s:s}", "process", "sentinel", "detail",
                 "mymaster 10.77.0.11 6379 10.77.0.13 6379"),
       9000, "n2", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, 21000, "n3", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "read", json_pack("[i]", 1), 21001, "n3", NULL);
    const char *const checkers[] = {"set"};
    char *page = render(f, checkers, 1);
    char *tl = section(page, "timeline");
    assert_non_null(strstr(tl, "class=\"an-lost\""));
    assert_non_null(
        strstr(tl, "1,500 writes acknowledged by n1 between 5.00 s and 19.99 s were lost"));
    assert_non_null(strstr(tl, "acknowledged, later lost"));
    char *ev = section(page, "events");
    assert_non_null(strstr(ev, "mymaster n1 n3"));
    assert_null(strstr(page, "10.77.0.11"));
    free(ev);
    free(tl);
    free(page);
}

/* Labels of node events that would overlap are thinned with a count: the
 * first says how many it hides and names them on hover; one far enough
 * away gets its own label. */
static void event_labels_are_thinned_with_a_count(void **state)
{
    fixture *f = *state;
    add_pair(f->h, 0, 1, 100, 2, SB_OP_OK, "n1");
    static const char *const evs[] = {"+odown", "+promoted-slave", "+switch-master", "role-master"};
    for (int i = 0; i < 4; i++)
        op(f->h, SB_PROC_NODE, SB_OP_INFO, evs[i],
           json_pack("{s:s,s:s}", "process", "sentinel", "detail", "x"), 6000 + i * 10, "n2", NULL);
    op(f->h, SB_PROC_NODE, SB_OP_INFO, "+tilt", json_pack("{s:s}", "process", "sentinel"), 15000,
       "n2", NULL);
    add_pair(f->h, 0, 2, 19000, 2, SB_OP_OK, "n1");
    char *page = render(f, NULL, 0);
    char *tl = section(page, "timeline");
    assert_int_equal(count(tl, "<text class=\"evt\""), 2);
    assert_non_null(strstr(tl, ">+odown<tspan class=\"evc\"> +3</tspan><title>3 more here: "
                               "+promoted-slave at 6.01 s, +switch-master at 6.02 s, role-master "
                               "at 6.03 s</title></text>"));
    assert_non_null(strstr(tl, ">+tilt</text>"));
    free(tl);
    free(page);
}

/* Past 12,000 points the latency scatter keeps every fail and info
 * operation and says how many it draws; below, every one. */
static void latency_scatter_keeps_every_failure(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 30000; i++)
        add_pair(f->h, i % 4, i, 1 + i * 0.5, 0.1 + (i % 97) * 0.01,
                 i % 1000 == 7   ? SB_OP_FAIL
                 : i % 1000 == 8 ? SB_OP_INFO
                                 : SB_OP_OK,
                 "n1");
    const char *const checkers[] = {"perf"};
    char *page = render(f, checkers, 1);
    char *perf = section(page, "perf");
    assert_non_null(strstr(perf, "latency of each operation"));
    unsigned long drawn = 0, total = 0;
    const char *note = strstr(perf, "scatter-note\">");
    assert_non_null(note);
    assert_int_equal(
        sscanf(note, "scatter-note\">%lu of %lu completed operations drawn", &drawn, &total), 2);
    assert_int_equal(total, 30000);
    assert_true(drawn < 14000 && drawn > 8000);
    /* 30 fail and 30 info points, each its own path segment */
    const char *fail = strstr(perf, "class=\"o-fail sc\" d=\"");
    assert_non_null(fail);
    char *path = strndup(fail, (size_t)(strchr(fail + 30, '"') - fail));
    assert_int_equal(count(path, "M"), 30);
    free(path);
    free(perf);
    free(page);
}

/* A list-append cycle is drawn: its transactions on a circle, an arrow per
 * edge labelled with kind and key, and the sentence for each edge. */
static void a_cycle_is_drawn_with_its_edges_explained(void **state)
{
    fixture *f = *state;
    op(f->h, 0, SB_OP_INVOKE, "txn",
       json_loads("[[\"r\",\"y\",null],[\"append\",\"x\",1]]", 0, NULL), 1, NULL, NULL);
    op(f->h, 1, SB_OP_INVOKE, "txn",
       json_loads("[[\"r\",\"x\",null],[\"append\",\"y\",2]]", 0, NULL), 2, NULL, NULL);
    op(f->h, 0, SB_OP_OK, "txn", json_loads("[[\"r\",\"y\",[]],[\"append\",\"x\",1]]", 0, NULL), 3,
       "n1", NULL);
    op(f->h, 1, SB_OP_OK, "txn", json_loads("[[\"r\",\"x\",[]],[\"append\",\"y\",2]]", 0, NULL), 4,
       "n1", NULL);
    const char *const checkers[] = {"list-append"};
    char *page = render(f, checkers, 1);
    char *an = section(page, "anomalies");
    assert_non_null(strstr(an, "class=\"plot cycle\""));
    assert_int_equal(count(an, "class=\"cy-e\""), 2);
    assert_int_equal(count(an, "class=\"cy-n\""), 2);
    assert_non_null(strstr(an, ">rw x<"));
    assert_non_null(strstr(an, ">rw y<"));
    const char *why = strstr(an, "<ol class=\"cy-why\">");
    assert_non_null(why);
    assert_int_equal(count(why, "<li>"), 2);
    free(an);
    free(page);
}

/* ====== timeline.html ====== */

/* Renders report.html (and so timeline.html) and returns timeline.html's
 * text, checked to be self-contained like every page. */
static char *render_timeline(fixture *f, const char *const *checkers, size_t n)
{
    char err[SB_ERR_LEN], path[160];
    free(render(f, checkers, n));
    snprintf(path, sizeof(path), "%s/timeline.html", f->dir);
    char *text = sb_read_file(path, NULL, err);
    assert_non_null(text);
    assert_null(strstr(text, "http://"));
    assert_null(strstr(text, "https://"));
    assert_null(strstr(text, "<script"));
    assert_null(strstr(text, "<link"));
    assert_null(strstr(text, "<img"));
    return text;
}

static void timeline_page_has_a_lane_per_process_and_a_bar_per_operation(void **state)
{
    fixture *f = *state;
    add_pair(f->h, 0, 1, 10, 5, SB_OP_OK, "n1");
    add_pair(f->h, 1, 2, 12, 30, SB_OP_FAIL, "n1");
    add_pair(f->h, 2, 3, 14, 500, SB_OP_INFO, "n1");
    partition(f->h, 100, 400);
    add_pair(f->h, 0, 4, 200, 5, SB_OP_OK, "n1");
    op(f->h, 1, SB_OP_INVOKE, "add", json_integer(5), 600, NULL, NULL); /* never completes */
    char *page = render(f, NULL, 0);
    assert_non_null(strstr(page, "<a href=\"timeline.html\">timeline.html</a>"));
    free(page);
    char *tl = render_timeline(f, NULL, 0);
    assert_int_equal(count(tl, "<div class=\"l\">"), 3);
    assert_int_equal(count(tl, "<b class="), 5);
    assert_int_equal(count(tl, "<b class=\"k\""), 2);
    assert_int_equal(count(tl, "<b class=\"f\""), 1);
    assert_int_equal(count(tl, "<b class=\"n\""), 2);
    assert_non_null(strstr(tl, "<i>p 0</i>"));
    assert_non_null(strstr(tl, "<i>p 2</i>"));
    assert_non_null(strstr(tl, "title=\"process 0, add, 1, ok, invoked at 0.010 s, took 5.0 ms"));
    assert_non_null(strstr(tl, "process 1, add, 2, fail, invoked at 0.012 s, took 30.0 ms: "
                               "timeout"));
    assert_non_null(strstr(tl, "process 1, add, 5, no completion, invoked at 0.600 s"));
    assert_int_equal(count(tl, "type=\"radio\""), 4);
    assert_non_null(strstr(tl, "<label for=\"z0-3\">64x</label>"));
    assert_non_null(strstr(tl, ":checked~.tb .tc{width:6400%}"));
    assert_non_null(strstr(tl, "<div class=\"fw\""));
    assert_non_null(strstr(tl, "<section id=\"all\">"));
    free(tl);
}

static void timeline_page_past_ten_thousand_ops_draws_only_anomaly_windows(void **state)
{
    fixture *f = *state;
    double t = 0;
    for (int i = 0; i < 5200; i++, t += 2) {
        op(f->h, i % 2, SB_OP_INVOKE, "write", json_integer(i % 7), t, NULL, NULL);
        op(f->h, i % 2, SB_OP_OK, "write", json_integer(i % 7), t + 1, "n1", NULL);
        t += 2;
        op(f->h, i % 2, SB_OP_INVOKE, "read", json_null(), t, NULL, NULL);
        op(f->h, i % 2, SB_OP_OK, "read", json_integer(i % 7), t + 1, "n1", NULL);
    }
    op(f->h, 1, SB_OP_INVOKE, "read", json_null(), t + 10, NULL, NULL);
    op(f->h, 1, SB_OP_OK, "read", json_integer(99), t + 11, "n1", NULL);
    const char *ck[] = {"linearizable"};
    char *tl = render_timeline(f, ck, 1);
    assert_non_null(strstr(tl, "This run had 10401 operations; past 10000 only the windows "
                               "around anomalies are drawn."));
    assert_null(strstr(tl, "<section id=\"all\">"));
    assert_non_null(strstr(tl, "<section id=\"w0\">"));
    assert_non_null(strstr(tl, "<b class=\"k a\""));
    assert_non_null(strstr(tl, "process 1, read, 99, ok"));
    assert_true(count(tl, "<b class=") < 3000);
    free(tl);
}

/* Past 10^4 operations, the windows of lost writes are drawn too: around
 * where the loss began and where it ended, shaded, and said in words; the
 * page's rules are in its head. */
static void timeline_page_opens_windows_where_lost_writes_begin_and_end(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 12000; i++)
        add_pair(f->h, i % 4, i, i * 1.0, 0.2, SB_OP_OK, "n1");
    json_t *kept = json_array();
    for (int i = 0; i < 6000; i++)
        json_array_append_new(kept, json_integer(i));
    op(f->h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, 13000, "n3", NULL);
    op(f->h, SB_PROC_CONTROLLER, SB_OP_OK, "read", kept, 13001, "n3", NULL);
    const char *ck[] = {"set"};
    char *tl = render_timeline(f, ck, 1);
    assert_non_null(strstr(tl, "This run had 12000 operations"));
    assert_non_null(strstr(tl, "<section id=\"w0\"><h2>Around 6.000 s</h2>"));
    assert_non_null(strstr(tl, "<section id=\"w1\"><h2>Around 11.999 s</h2>"));
    assert_null(strstr(tl, "<section id=\"w2\">"));
    assert_int_equal(count(tl, "<div class=\"lw\""), 2);
    assert_non_null(strstr(tl, "title=\"6,000 writes acknowledged by n1 between 6.00 s and "
                               "12.00 s were lost\""));
    assert_true(count(tl, "<b class=") <= 4000);
    /* the lost writes themselves: purple, said on hover */
    assert_non_null(strstr(tl, "purple: acknowledged but lost"));
    assert_non_null(strstr(tl, "<b class=\"x\""));
    assert_non_null(strstr(tl, "add, 6000, ok (later lost), invoked at 6.000 s"));
    assert_null(strstr(tl, "add, 5999, ok (later lost)"));
    assert_int_equal(count(tl, "<style>"), 1);
    assert_true(strstr(tl, ".lw,.sw{") < strstr(tl, "</head>"));
    free(tl);
}

/* ====== The cache checker's charts ====== */

/* A cache run of 10 s (200 columns of 50 ms): a herd of 3 at 1 s and one
 * request at 5 s; a write of a at 0.11 s makes the get done at 2.01 s
 * stale for 1.89 s; a wait of 150 ms ends at 3.15 s; a get starves at
 * 6.5 s after 2.5 s when starve. herd_bound is JSON ("null" or "1"). */
static void cache_history(sb_history *h, const char *strategy, const char *herd_bound, int starve)
{
    char cfg[200];
    snprintf(cfg, sizeof(cfg),
             "{\"strategy\":\"%s\",\"ttl_ms\":2000,\"starve_bound_ms\":2000,\"herd_bound\":%s}",
             strategy, herd_bound);
    json_error_t je;
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "cache-config", json_loads(cfg, 0, &je), 0, NULL, NULL);
    op(h, 9, SB_OP_INVOKE, "write", json_pack("{s:s}", "k", "a"), 100, NULL, NULL);
    op(h, 9, SB_OP_OK, "write", json_pack("{s:s,s:i}", "k", "a", "v", 2), 110, NULL, NULL);
    op(h, 0, SB_OP_INVOKE, "get", json_pack("{s:s}", "k", "a"), 2000, NULL, NULL);
    op(h, 0, SB_OP_OK, "get", json_pack("{s:s,s:i,s:s}", "k", "a", "v", 1, "src", "cache"), 2010,
       NULL, NULL);
    op(h, 1, SB_OP_INVOKE, "get", json_pack("{s:s}", "k", "a"), 3000, NULL, NULL);
    op(h, 1, SB_OP_OK, "get",
       json_pack("{s:s,s:i,s:s,s:f}", "k", "a", "v", 2, "src", "wait", "wait_ms", 150.0), 3150,
       NULL, NULL);
    if (starve)
        op(h, 2, SB_OP_INVOKE, "get", json_pack("{s:s}", "k", "c"), 4000, NULL, NULL);
    if (starve)
        op(h, 2, SB_OP_FAIL, "get", json_pack("{s:s}", "k", "c"), 6500, NULL,
           "starved: no value after 2500 ms");
    op(h, SB_PROC_CONTROLLER, SB_OP_OK, "origin",
       json_pack("{s:{s:i},s:{s:[I,I,I],s:[I]}}", "stats", "requests", 4, "arrivals", "a",
                 (json_int_t)1000000000, (json_int_t)1010000000, (json_int_t)1020000000, "b",
                 (json_int_t)5000000000LL),
       10000, NULL, NULL);
}

/* The text of the svg whose class list includes cls. */
static char *svg_of(const char *page, const char *cls)
{
    char open[96];
    snprintf(open, sizeof(open), "<svg class=\"plot %s\"", cls);
    const char *s = strstr(page, open);
    if (!s)
        fail_msg("no svg %s", cls);
    const char *e = strstr(s, "</svg>");
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

/* report.html of a cache run: three charts (origin requests and herds,
 * staleness, waits) with a bar per column that had something, their
 * values on hover, the bounds dashed; the series is not also a table. */
static void cache_run_draws_herds_staleness_and_waits(void **state)
{
    fixture *f = *state;
    cache_history(f->h, "lock", "1", 1);
    const char *const checkers[] = {"cache"};
    char *page = render(f, checkers, 1);
    char *a = section(page, "anomalies");
    assert_null(strstr(a, "col_s")); /* no table of the series */
    assert_null(strstr(a, "<th>series</th>"));
    char *herds = svg_of(a, "cache-chart cache-herds");
    assert_non_null(strstr(herds, "aria-label=\"origin requests and herd size over time\""));
    assert_int_equal(count(herds, "<rect class=\"cc-req\""), 2);
    assert_non_null(strstr(herds, "<title>1.000 s to 1.050 s: 3 origin requests; largest herd "
                                  "starting here 3</title>"));
    assert_non_null(strstr(herds, "<title>5.000 s to 5.050 s: 1 origin request;"));
    assert_int_equal(count(herds, "<circle class=\"cc-herd\""), 1);
    assert_int_equal(count(herds, "<circle class=\"cc-herd cc-over\""), 1);
    assert_non_null(strstr(herds, "herd of 3 starting 1.000 s to 1.050 s (over the bound)"));
    assert_int_equal(count(herds, "<line class=\"cc-bound\""), 1);
    assert_non_null(strstr(herds, ">herd bound 1</text>"));
    assert_non_null(strstr(herds, "Origin requests per 0.050 s, and herd size"));
    char *stale = svg_of(a, "cache-chart cache-stale");
    assert_int_equal(count(stale, "<rect class=\"cc-stale\""), 1);
    assert_non_null(
        strstr(stale, "<title>2.000 s to 2.050 s: 1 stale read, the oldest stale for 1.890 s"));
    char *waits = svg_of(a, "cache-chart cache-waits");
    assert_int_equal(count(waits, "<rect class=\"cc-wait\""), 1);
    assert_int_equal(count(waits, "<rect class=\"cc-starved\""), 1);
    assert_int_equal(count(waits, "<path class=\"cc-sm\""), 1);
    assert_non_null(strstr(waits, "<title>3.150 s to 3.200 s: longest wait 150 ms</title>"));
    assert_non_null(
        strstr(waits, "<title>6.500 s to 6.550 s: longest wait 2.500 s; 1 starved get</title>"));
    assert_non_null(strstr(waits, ">starvation bound 2.000 s</text>"));
    /* the tables stay */
    assert_non_null(strstr(a, "<h4>worst_herds <span class=\"note\">(2)</span></h4>"));
    assert_non_null(strstr(a, "<h4>starved_list <span class=\"note\">(1)</span></h4>"));
    assert_non_null(strstr(a, "Time is cut into 200 columns of 0.050 s."));
    free(herds);
    free(stale);
    free(waits);
    free(a);
    free(page);
}

/* index.html of two cache runs: the strategies side by side in one chart
 * (a panel per figure, a bar per run labelled by strategy), then the
 * table. */
static void index_puts_cache_strategies_side_by_side(void **state)
{
    fixture *f = *state;
    char err[SB_ERR_LEN], idx[160];
    const char *const checkers[] = {"cache"};
    sb_run_result runs[2];
    memset(runs, 0, sizeof(runs));
    sb_run_meta meta = {.seed = 7};
    cache_history(f->h, "none", "null", 0);
    assert_int_equal(results_compute(NULL, checkers, 1, f->h, &meta, &runs[0], err), 0);
    sb_history *h2 = history_new();
    cache_history(h2, "lock", "1", 1);
    assert_int_equal(results_compute(NULL, checkers, 1, h2, &meta, &runs[1], err), 0);
    history_free(h2);
    snprintf(runs[0].name, sizeof(runs[0].name), "herd-none");
    snprintf(runs[1].name, sizeof(runs[1].name), "herd-lock");
    snprintf(idx, sizeof(idx), "%s/index.html", f->dir);
    assert_int_equal(report_index_html(runs, 2, idx, err), 0);
    char *page = sb_read_file(idx, NULL, err);
    assert_non_null(page);
    char *chart = svg_of(page, "cache-strategies");
    assert_non_null(strstr(chart, "aria-label=\"cache strategies side by side\""));
    assert_int_equal(count(chart, "<rect class=\"cs-bar "), 8);
    assert_int_equal(count(chart, "<rect class=\"cs-bar cs-herd"), 2);
    assert_int_equal(count(chart, "cs-bad"), 4); /* the lock run broke its bound */
    assert_non_null(strstr(chart, "text-anchor=\"end\">none</text>"));
    assert_non_null(strstr(chart, "text-anchor=\"end\">lock</text>"));
    assert_non_null(strstr(chart, "<title>herd-lock: herd max 3 (invalid)</title>"));
    assert_non_null(strstr(chart, "<title>herd-none: origin requests per expiry 2 (valid)"));
    assert_non_null(strstr(chart, "<title>herd-none: stale max (ms) 1890 (valid)"));
    assert_non_null(strstr(chart, "<title>herd-lock: longest wait (ms) 2500 (invalid)"));
    assert_non_null(strstr(chart, "<title>herd-none: longest wait (ms) 150 (valid)"));
    assert_true(strstr(page, "cache-strategies") < strstr(page, "<th>strategy</th>"));
    free(chart);
    free(page);
    results_free(&runs[0]);
    results_free(&runs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lost_writes_and_host_names_are_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(latency_scatter_keeps_every_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(event_labels_are_thinned_with_a_count, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cycle_is_drawn_with_its_edges_explained, setup, teardown),
        cmocka_unit_test(escaping_covers_entities_controls_and_bad_utf8),
        cmocka_unit_test_setup_teardown(fault_windows_end_at_what_undoes_them, setup, teardown),
        cmocka_unit_test_setup_teardown(report_escapes_every_string_from_the_history, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(timeline_has_a_lane_per_process_and_labelled_fault_windows,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            lanes_past_the_cap_are_aggregated_and_big_histories_bucketed, setup, teardown),
        cmocka_unit_test_setup_teardown(masters_plot_marks_two_master_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(verdicts_and_lost_writes_become_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(special_checkers_render_their_examples, setup, teardown),
        cmocka_unit_test_setup_teardown(linearizability_violation_shows_its_window_of_the_history,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(lock_overlap_is_drawn_against_the_resource, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(header_reads_the_scenario_and_writes_atomically, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(index_links_runs_and_shows_key_figures, setup, teardown),
        cmocka_unit_test_setup_teardown(cache_run_draws_herds_staleness_and_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(index_puts_cache_strategies_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(
            timeline_page_has_a_lane_per_process_and_a_bar_per_operation, setup, teardown),
        cmocka_unit_test_setup_teardown(
            timeline_page_past_ten_thousand_ops_draws_only_anomaly_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(timeline_page_opens_windows_where_lost_writes_begin_and_end,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
