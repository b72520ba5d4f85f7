/* test_listappend.c -- the list-append checker on hand-written histories.
 *
 * First our own cases: valid serial and concurrent runs, version orders
 * inferred from every read and from appends no read shows (the write skew
 * over empty reads, the G0 whose order follows from an append missing from
 * the longest read), duplicated, garbage, aborted (G1a) and intermediate
 * (G1b) reads, diverging orders, internal and future reads, lost and dirty
 * updates, lost appends judged by the model, info transactions, the model
 * option and the explanations. Then every history of Elle's
 * test/elle/list_append_test.clj whose expected anomalies it states
 * (jepsen-io/elle), rewritten in our format, each saying which Elle test it
 * comes from; they expect Elle's verdict, anomaly classes and :not.
 *
 * Elle writes a nil read in an ok op for "saw nothing"; here that is [] (a
 * null read is unknown). Elle's tests often ask for a set of anomalies
 * rather than a model; here the nearest model is named, so a test may also
 * see classes Elle's filtered answer leaves out: they are asserted too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "listappend.h"
#include "util.h"

typedef struct line {
    int process; /* -2: the controller */
    const char *type, *f;
    const char *value; /* JSON with ' for ", or NULL */
} line;

#define TX(p, t, v)                                                                                \
    {                                                                                              \
        p, t, "txn", v                                                                             \
    }
#define FINAL(v)                                                                                   \
    {-2, "invoke", "read", NULL},                                                                  \
    {                                                                                              \
        -2, "ok", "read", v                                                                        \
    }
#define MODEL(m)                                                                                   \
    {                                                                                              \
        -2, "ok", "list-append-config", "{'model':'" m "'}"                                        \
    }
#define END                                                                                        \
    {                                                                                              \
        0, NULL, NULL, NULL                                                                        \
    }

/* Elle's op language: "ax1ry12" appends 1 to x and reads y = [1, 2]; "ry"
 * reads y empty. An invocation's reads are null. */
typedef struct eline {
    int process;
    const char *type, *txn;
} eline;
#define PAIR(p, t, s)                                                                              \
    {p, "invoke", s},                                                                              \
    {                                                                                              \
        p, t, s                                                                                    \
    } /* invoked, then completed */
#define EEND                                                                                       \
    {                                                                                              \
        0, NULL, NULL                                                                              \
    }

static void add_op(sb_history *h, int process, const char *type, const char *f, const char *json)
{
    sb_op op = {.process = process, .time_ns = (int64_t)h->n * 10};
    assert_int_equal(history_type_parse(type, &op.type), 0);
    snprintf(op.f, sizeof(op.f), "%s", f);
    if (json) {
        char *v = strdup(json);
        for (char *c = v; *c; c++)
            if (*c == '\'')
                *c = '"';
        json_error_t je;
        op.value = json_loads(v, JSON_DECODE_ANY, &je);
        if (!op.value)
            fprintf(stderr, "bad JSON %s: %s\n", v, je.text);
        assert_non_null(op.value);
        free(v);
    }
    history_add(h, &op);
    json_decref(op.value);
}

static sb_history *hist(const line *l)
{
    sb_history *h = history_new();
    for (size_t i = 0; l[i].type; i++)
        add_op(h, l[i].process, l[i].type, l[i].f, l[i].value);
    return h;
}

static void elle_json(const char *s, int invoke, sb_buf *out)
{
    int open = 0, append = 0;
    sb_buf_puts(out, "[");
    for (const char *c = s; *c; c++) {
        if (*c == 'a' || *c == 'r') {
            if (open)
                sb_buf_puts(out, append ? "]," : invoke ? "null]," : "]],");
            append = *c == 'a', open = 1;
            sb_buf_printf(out, "['%s',", append ? "append" : "r");
        } else if (*c >= '0' && *c <= '9') {
            if (append)
                sb_buf_printf(out, "%c", *c);
            else if (!invoke)
                sb_buf_printf(out, "%s%c", c[-1] >= '0' && c[-1] <= '9' ? "," : "", *c);
        } else {
            sb_buf_printf(out, "'%c',%s", *c, append || invoke ? "" : "[");
        }
    }
    if (open)
        sb_buf_puts(out, append ? "]" : invoke ? "null]" : "]]");
    sb_buf_puts(out, "]");
}

static sb_history *elle_hist(const eline *l, const char *model)
{
    sb_history *h = history_new();
    if (model) {
        char v[96];
        snprintf(v, sizeof(v), "{'model':'%s'}", model);
        add_op(h, -2, "ok", "list-append-config", v);
    }
    sb_buf b;
    sb_buf_init(&b);
    for (size_t i = 0; l[i].type; i++) {
        sb_buf_reset(&b);
        elle_json(l[i].txn, !strcmp(l[i].type, "invoke"), &b);
        add_op(h, l[i].process, l[i].type, "txn", b.data);
    }
    sb_buf_free(&b);
    return h;
}

static sb_check_result run(sb_history *h)
{
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    const sb_checker *c = checker_find("list-append");
    assert_non_null(c);
    int rc = c->check(h, &r, err);
    if (rc)
        fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    history_free(h);
    return r;
}

static sb_check_result check(const line *l)
{
    return run(hist(l));
}

static sb_check_result check_elle(const eline *l, const char *model)
{
    return run(elle_hist(l, model));
}

static void dump(const sb_check_result *r)
{
    char *d = json_dumps(r->figures, JSON_INDENT(1));
    fprintf(stderr, "%s\n%s\n", r->summary, d);
    free(d);
}

static long long fig(const sb_check_result *r, const char *name)
{
    json_t *v = json_object_get(r->figures, name);
    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

/* How many of one class were found (0 when none). */
static long long found(const sb_check_result *r, const char *cls)
{
    return (long long)json_integer_value(
        json_object_get(json_object_get(r->figures, "counts"), cls));
}

/* Asserts that the figure (an array of names) holds exactly the names in
 * want, space separated, in any order. */
static void names_are(const sb_check_result *r, const char *figure, const char *want)
{
    json_t *got = json_object_get(r->figures, figure);
    assert_true(json_is_array(got));
    size_t n = 0, matched = 0;
    char *copy = strdup(want), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save), n++) {
        size_t i;
        json_t *v;
        json_array_foreach(got, i, v)
        {
            if (!strcmp(json_string_value(v), w))
                matched++;
        }
    }
    free(copy);
    if (matched != n || json_array_size(got) != n) {
        fprintf(stderr, "%s: want [%s]\n", figure, want);
        dump(r);
        fail();
    }
}

/* Asserts that the first cycle of class cls is explained with fragment. */
static void explained(const sb_check_result *r, const char *cls, const char *fragment)
{
    json_t *ex = json_array_get(json_object_get(json_object_get(r->figures, "anomalies"), cls), 0);
    const char *text = json_string_value(json_object_get(ex, "explanation"));
    if (!text || !strstr(text, fragment)) {
        fprintf(stderr, "%s: want \"%s\" in the explanation\n", cls, fragment);
        dump(r);
        fail();
    }
}

static void verdict_is(const sb_check_result *r, sb_verdict v)
{
    if (r->verdict != v) {
        dump(r);
        fail();
    }
}

/* ====== Our cases ====== */

static void serial_history_is_valid(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(0, "invoke", "[['r','x',null],['append','x',2],['r','x',null]]"),
                      TX(0, "ok", "[['r','x',[1]],['append','x',2],['r','x',[1,2]]]"),
                      TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
                      TX(1, "ok", "[['r','x',[1,2]],['r','y',[]]]"),
                      FINAL("{'x':[1,2],'y':[]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "anomaly_types", "");
    names_are(&r, "allowed_anomaly_types", "");
    names_are(&r, "valid_under", "serializable");
    assert_string_equal(json_string_value(json_object_get(r.figures, "model")), "serializable");
    assert_int_equal(fig(&r, "txns"), 3);
    assert_int_equal(fig(&r, "ok"), 3);
    assert_int_equal(fig(&r, "keys"), 2);
    assert_non_null(strstr(r.summary, "valid under serializable"));
    check_result_free(&r);
}

static void concurrent_txns_are_valid(void **state)
{
    (void)state;
    /* The read overlaps both appends and saw only the second: fine. */
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(1, "invoke", "[['append','x',2]]"),
                      TX(2, "invoke", "[['r','x',null]]"),
                      TX(1, "ok", "[['append','x',2]]"),
                      TX(2, "ok", "[['r','x',[2]]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(3, "invoke", "[['append','y',7]]"),
                      TX(3, "info", "[['append','y',7]]"), /* never seen: may not have run */
                      TX(2, "invoke", "[['r','x',null],['append','y',8]]"),
                      TX(2, "ok", "[['r','x',[2,1]],['append','y',8]]"),
                      FINAL("{'x':[2,1],'y':[8]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "anomaly_types", "");
    assert_int_equal(fig(&r, "info"), 1);
    check_result_free(&r);
    /* Also under strict serializability: every order is the real-time one. */
    line strict[sizeof(l) / sizeof(l[0]) + 1] = {MODEL("strict-serializable")};
    memcpy(strict + 1, l, sizeof(l));
    r = check(strict);
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "valid_under", "strict-serializable");
    check_result_free(&r);
}

/* Each appends to one key and reads the other as empty, no final read:
 * the empty reads precede the appends (rw both ways), a write skew. */
static void write_skew_over_empty_reads_is_g2_item(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['r','y',null],['append','x',1]]"),
                      TX(1, "invoke", "[['r','x',null],['append','y',2]]"),
                      TX(0, "ok", "[['r','y',[]],['append','x',1]]"),
                      TX(1, "ok", "[['r','x',[]],['append','y',2]]"), END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G2-item");
    names_are(&r, "not", "repeatable-read");
    names_are(&r, "valid_under", "snapshot-isolation"); /* SI allows write skew */
    explained(&r, "G2-item", "read key y empty, and T");
    explained(&r, "G2-item", "read key x empty, and T");
    check_result_free(&r);
}

/* No read shows T1's append to y; T2's read of y saw [2] without it, so
 * T1's 1 came after 2: y orders T2 before T1, x T1 before T2. */
static void append_missing_from_longest_read_orders_the_key_g0(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
                      TX(1, "invoke", "[['append','x',2],['append','y',2],['r','y',null]]"),
                      TX(0, "ok", "[['append','x',1],['append','y',1]]"),
                      TX(1, "ok", "[['append','x',2],['append','y',2],['r','y',[2]]]"),
                      TX(2, "invoke", "[['r','x',null]]"),
                      TX(2, "ok", "[['r','x',[1,2]]]"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0");
    json_t *g0 = json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "G0"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(g0, "explanation")),
                           "appended 1 to key y, which no read shows, so after"));
    check_result_free(&r);
}

/* Under serializability the final read may come before an append it
 * misses; under strict serializability it began after the append was
 * acknowledged, so missing it is a real-time cycle, and the append lost. */
static void missing_from_final_read_is_lost_only_when_the_model_says(void **state)
{
    (void)state;
    const line base[] = {TX(0, "invoke", "[['append','x',1]]"),
                         TX(0, "ok", "[['append','x',1]]"),
                         TX(1, "invoke", "[['append','x',2]]"),
                         TX(1, "ok", "[['append','x',2]]"),
                         TX(1, "invoke", "[['append','x',3]]"),
                         TX(1, "ok", "[['append','x',3]]"),
                         FINAL("{'x':[1]}"),
                         END};
    sb_check_result r = check(base);
    verdict_is(&r, SB_VERDICT_VALID);
    assert_int_equal(fig(&r, "lost_count"), 0);
    check_result_free(&r);
    line strict[sizeof(base) / sizeof(base[0]) + 1] = {MODEL("strict-serializable")};
    memcpy(strict + 1, base, sizeof(base));
    r = check(strict);
    verdict_is(&r, SB_VERDICT_INVALID);
    assert_int_equal(fig(&r, "lost_count"), 2);
    names_are(&r, "anomaly_types", "G-single-item-realtime lost");
    names_are(&r, "not", "strong-snapshot-isolation");
    json_t *lost = json_object_get(json_object_get(r.figures, "anomalies"), "lost");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lost, 0), "element")), 2);
    check_result_free(&r);
}

/* The final read names every key that exists: an acknowledged append to a
 * key it does not name is missing from it. */
static void key_missing_from_final_read_is_empty(void **state)
{
    (void)state;
    const line l[] = {MODEL("strict-serializable"),
                      TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "invoke", "[['append','y',2]]"),
                      TX(1, "ok", "[['append','y',2]]"),
                      FINAL("{'x':[1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    assert_int_equal(fig(&r, "lost_count"), 1);
    check_result_free(&r);
}

/* A read begun after an append was acknowledged missed it: not
 * serializability's business, a real-time cycle for strict. */
/* check --model overrides the history's own config op, both ways, until
 * it is reset; an unknown name is refused with the names allowed. */
static void forced_model_overrides_the_history(void **state)
{
    (void)state;
    const line strict[] = {
        MODEL("strict-serializable"),        TX(0, "invoke", "[['append','x',1]]"),
        TX(1, "invoke", "[['r','x',null]]"), TX(1, "ok", "[['r','x',[]]]"),
        TX(0, "ok", "[['append','x',1]]"),   TX(1, "invoke", "[['r','x',null]]"),
        TX(1, "ok", "[['r','x',[]]]"),       END};
    sb_check_result r = check(strict);
    verdict_is(&r, SB_VERDICT_INVALID);
    check_result_free(&r);
    assert_int_equal(listappend_set_model("serializable"), 0);
    r = check(strict);
    verdict_is(&r, SB_VERDICT_VALID);
    assert_string_equal(json_string_value(json_object_get(r.figures, "model")), "serializable");
    check_result_free(&r);
    assert_int_equal(listappend_set_model(NULL), 0);
    r = check(strict);
    verdict_is(&r, SB_VERDICT_INVALID);
    check_result_free(&r);
    char err[SB_ERR_LEN];
    assert_int_equal(listappend_set_model("serialisable"), -1);
    assert_int_equal(listappend_model_check("serialisable", err), -1);
    assert_non_null(strstr(err, "allowed: "));
    assert_non_null(strstr(err, "strict-serializable"));
    assert_int_equal(listappend_model_check("snapshot-isolation", err), 0);
}

static void later_read_missing_an_append_is_g_single_realtime(void **state)
{
    (void)state;
    const line base[] = {TX(0, "invoke", "[['append','x',1]]"),
                         TX(1, "invoke", "[['r','x',null]]"),
                         TX(1, "ok", "[['r','x',[]]]"),
                         TX(0, "ok", "[['append','x',1]]"),
                         TX(1, "invoke", "[['r','x',null]]"),
                         TX(1, "ok", "[['r','x',[]]]"),
                         END};
    sb_check_result r = check(base);
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
    line strict[sizeof(base) / sizeof(base[0]) + 1] = {MODEL("strict-serializable")};
    memcpy(strict + 1, base, sizeof(base));
    r = check(strict);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item-realtime");
    check_result_free(&r);
    /* Only a concurrent read missed it: fine even for strict. */
    const line fine[] = {MODEL("strict-serializable"),        TX(0, "invoke", "[['append','x',1]]"),
                         TX(1, "invoke", "[['r','x',null]]"), TX(1, "ok", "[['r','x',[]]]"),
                         TX(0, "ok", "[['append','x',1]]"),   END};
    r = check(fine);
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
}

static void duplicated_element_is_reported(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "invoke", "[['r','x',null]]"),
                      TX(1, "ok", "[['r','x',[1,1]]]"),
                      FINAL("{'x':[1,1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "duplicate-elements");
    assert_int_equal(fig(&r, "duplicate_count"), 2); /* per read, as Elle */
    check_result_free(&r);
}

static void diverging_reads_are_incompatible(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(1, "invoke", "[['append','x',2]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "ok", "[['append','x',2]]"),
                      TX(2, "invoke", "[['r','x',null]]"),
                      TX(2, "ok", "[['r','x',[1,2]]]"),
                      TX(3, "invoke", "[['r','x',null]]"),
                      TX(3, "ok", "[['r','x',[2,1]]]"),
                      FINAL("{'x':[1,2]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "incompatible-order");
    names_are(&r, "not", "read-committed");
    json_t *ex = json_array_get(
        json_object_get(json_object_get(r.figures, "anomalies"), "incompatible-order"), 0);
    assert_int_equal(json_array_size(json_object_get(ex, "reads")), 2); /* both reads */
    check_result_free(&r);
}

static void read_of_failed_append_is_g1a(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "fail", "[['append','x',1]]"),
                      TX(1, "invoke", "[['r','x',null]]"),
                      TX(1, "ok", "[['r','x',[1]]]"),
                      FINAL("{'x':[1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1a");
    assert_int_equal(fig(&r, "g1a_count"), 2); /* the txn's read and the final read */
    check_result_free(&r);
}

static void element_nobody_appended_is_garbage(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "invoke", "[['r','x',null]]"),
                      TX(1, "ok", "[['r','x',[1,99]]]"),
                      FINAL("{'x':[1,99]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "garbage");
    names_are(&r, "not", "read-uncommitted");
    check_result_free(&r);
}

static void read_not_ending_with_own_append_is_internal(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "invoke", "[['append','x',2],['r','x',null]]"),
                      TX(1, "ok", "[['append','x',2],['r','x',[1]]]"),
                      FINAL("{'x':[1,2]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "internal");
    names_are(&r, "not", "read-atomic");
    check_result_free(&r);
}

static void appends_in_opposite_orders_are_g0(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
                      TX(1, "invoke", "[['append','x',2],['append','y',2]]"),
                      TX(0, "ok", "[['append','x',1],['append','y',1]]"),
                      TX(1, "ok", "[['append','x',2],['append','y',2]]"),
                      TX(2, "invoke", "[['r','x',null],['r','y',null]]"),
                      TX(2, "ok", "[['r','x',[1,2]],['r','y',[2,1]]]"),
                      FINAL("{'x':[1,2],'y':[2,1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0");
    assert_int_equal(fig(&r, "g0_count"), 1);
    json_t *g0 = json_object_get(json_object_get(r.figures, "anomalies"), "G0");
    json_t *cycle = json_object_get(json_array_get(g0, 0), "cycle");
    assert_int_equal(json_array_size(cycle), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(cycle, 0), "edge")), "ww");
    check_result_free(&r);
}

/* Each cycle comes with its transactions and one sentence per edge, in the
 * figures and (the first) in the summary line. */
static void cycles_are_explained_edge_by_edge(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1],['r','y',null]]"),
                      TX(1, "invoke", "[['append','y',1],['r','x',null]]"),
                      TX(0, "ok", "[['append','x',1],['r','y',[1]]]"),
                      TX(1, "ok", "[['append','y',1],['r','x',[1]]]"),
                      FINAL("{'x':[1],'y':[1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1c");
    json_t *ex = json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "G1c"), 0);
    json_t *cycle = json_object_get(ex, "cycle");
    assert_int_equal(json_array_size(cycle), 2);
    json_t *t1 = json_array_get(cycle, 0);
    assert_string_equal(json_string_value(json_object_get(t1, "name")), "T1");
    assert_string_equal(json_string_value(json_object_get(t1, "edge")), "wr");
    const char *because = json_string_value(json_object_get(t1, "because"));
    assert_true(!strcmp(because, "T1 < T2: T2 read 1 in key x, which T1 appended") ||
                !strcmp(because, "T1 < T2: T2 read 1 in key y, which T1 appended"));
    assert_non_null(
        strstr(json_string_value(json_object_get(ex, "explanation")), ": a contradiction"));
    assert_non_null(strstr(r.summary, "G1c: Let T1 = op "));
    assert_non_null(strstr(r.summary, ". T1 < T2: T2 read 1 in key"));
    check_result_free(&r);
}

/* A ring of 100 txns, each appending to key i after txn i+1 did: one G0
 * of 100 edges, found by BFS, explained up to a point. */
static void long_cycle_is_found_and_explained_in_part(void **state)
{
    (void)state;
    enum { N = 100 };
    sb_history *h = history_new();
    char v[160];
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof(v), "[['append','k%d',%d],['append','k%d',%d]]", i, 2 * i, (i + 1) % N,
                 2 * i + 1);
        add_op(h, i, "invoke", "txn", v);
        add_op(h, i, "ok", "txn", v);
    }
    sb_buf fin;
    sb_buf_init(&fin);
    for (int j = 0; j < N; j++) /* key j: txn j's append, then txn j-1's */
        sb_buf_printf(&fin, "%s'k%d':[%d,%d]", j ? "," : "{", j, 2 * j, 2 * ((j + N - 1) % N) + 1);
    sb_buf_puts(&fin, "}");
    add_op(h, -2, "invoke", "read", NULL);
    add_op(h, -2, "ok", "read", fin.data);
    sb_buf_free(&fin);
    sb_check_result r = run(h);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0");
    json_t *ex = json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "G0"), 0);
    assert_int_equal(json_integer_value(json_object_get(ex, "length")), N);
    assert_int_equal(json_array_size(json_object_get(ex, "cycle")), 24);
    const char *text = json_string_value(json_object_get(ex, "explanation"));
    assert_non_null(strstr(text, ", ..., T100 = op "));
    assert_non_null(strstr(text, "; ... (35 more); T100 < T1: "));
    check_result_free(&r);
}

static void read_skew_is_g_single(void **state)
{
    (void)state;
    /* T1 appends to x and y at once; T2 sees its y but not its x. */
    const line l[] = {TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
                      TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
                      TX(0, "ok", "[['append','x',1],['append','y',1]]"),
                      TX(1, "ok", "[['r','x',[]],['r','y',[1]]]"),
                      FINAL("{'x':[1],'y':[1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item");
    assert_int_equal(fig(&r, "g_single_count"), 1);
    check_result_free(&r);
}

static void intermediate_read_is_g1b(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['append','x',1],['append','x',2]]"),
                      TX(1, "invoke", "[['r','x',null]]"),
                      TX(1, "ok", "[['r','x',[1]]]"),
                      TX(0, "ok", "[['append','x',1],['append','x',2]]"),
                      FINAL("{'x':[1,2]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1b G-single-item");
    assert_int_equal(found(&r, "G1b"), 1);
    check_result_free(&r);
}

static void reading_own_later_append_is_future_read(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['r','x',null],['append','x',1]]"),
                      TX(0, "ok", "[['r','x',[1]],['append','x',1]]"), FINAL("{'x':[1]}"), END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "future-read");
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
}

static void observed_info_append_counts_as_committed(void **state)
{
    (void)state;
    /* The info txn's y was read, so it ran: no garbage, and with its x
     * missed by the same read it closes a read-skew cycle. */
    const line skew[] = {TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
                         TX(0, "info", "[['append','x',1],['append','y',1]]"),
                         TX(1, "invoke", "[['r','x',null],['r','y',null]]"),
                         TX(1, "ok", "[['r','x',[]],['r','y',[1]]]"),
                         FINAL("{'x':[1],'y':[1]}"),
                         END};
    sb_check_result r = check(skew);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item");
    check_result_free(&r);
    /* Once known to have run, all its appends must survive: the final read
     * saw its x, so it follows the txn and must see its y too. */
    const line half[] = {TX(0, "invoke", "[['append','x',1],['append','y',1]]"),
                         TX(0, "info", "[['append','x',1],['append','y',1]]"),
                         FINAL("{'x':[1],'y':[]}"), END};
    r = check(half);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item lost");
    assert_int_equal(fig(&r, "lost_count"), 1);
    check_result_free(&r);
}

static void unobserved_info_append_is_not_lost(void **state)
{
    (void)state;
    const line l[] = {MODEL("strict-serializable"),
                      TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"),
                      TX(1, "invoke", "[['append','x',2]]"),
                      TX(1, "info", "[['append','x',2]]"),
                      TX(2, "invoke", "[['append','x',3]]"), /* never completed: info */
                      FINAL("{'x':[1]}"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "anomaly_types", "");
    assert_int_equal(fig(&r, "info"), 2);
    check_result_free(&r);
}

static void history_without_txns_is_unknown(void **state)
{
    (void)state;
    const line l[] = {{0, "invoke", "add", "1"},
                      {0, "ok", "add", "1"},
                      {-1, "info", "partition", NULL},
                      FINAL("[1]"),
                      END};
    sb_check_result r = check(l);
    verdict_is(&r, SB_VERDICT_UNKNOWN);
    assert_int_equal(fig(&r, "txns"), 0);
    names_are(&r, "anomaly_types", "");
    check_result_free(&r);
}

static void malformed_micro_op_is_an_error(void **state)
{
    (void)state;
    const line l[] = {TX(0, "invoke", "[['push','x',1]]"), TX(0, "ok", "[['push','x',1]]"), END};
    sb_history *h = hist(l);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("list-append")->check(h, &r, err), -1);
    assert_non_null(strstr(err, "micro-op"));
    history_free(h);
}

static void unknown_model_is_an_error_naming_the_models(void **state)
{
    (void)state;
    const line l[] = {MODEL("linearizable-ish"), TX(0, "invoke", "[['append','x',1]]"),
                      TX(0, "ok", "[['append','x',1]]"), END};
    sb_history *h = hist(l);
    sb_check_result r = {0};
    char err[SB_ERR_LEN] = "";
    assert_int_equal(checker_find("list-append")->check(h, &r, err), -1);
    assert_non_null(strstr(err, "list-append-config"));
    assert_non_null(strstr(err, "strict-serializable"));
    history_free(h);
}

/* The result names what each stronger model is ruled out by. */
static void verdict_names_the_models_ruled_out_and_why(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ry"), PAIR(0, "ok", "ay1rx"), EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "valid_under", "snapshot-isolation");
    names_are(&r, "allowed_anomaly_types", "G2-item");
    json_t *ruled = json_object_get(r.figures, "ruled_out");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(ruled, "serializable"), 0)), "G2-item");
    assert_non_null(json_object_get(ruled, "repeatable-read"));
    assert_null(json_object_get(ruled, "snapshot-isolation"));
    assert_non_null(
        strstr(r.summary, "valid under snapshot-isolation; read-committed allows 1 G2-item"));
    check_result_free(&r);
}

/* ====== Elle's list_append_test.clj ====== */

/* graph-test, "G2: anti-dependency cycle". */
static void elle_graph_g2_anti_dependency_cycle(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "rxay1"), PAIR(0, "ok", "ryax1"), PAIR(0, "ok", "rx1ry1"),
                       EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G2-item");
    check_result_free(&r);
}

/* graph-test, "info reads": an info txn's nil read says nothing; no cycle. */
static void elle_graph_info_reads(void **state)
{
    (void)state;
    const eline l[] = {{0, "invoke", "ax2ry"},
                       {0, "info", "ax2ry"},
                       PAIR(1, "ok", "ax1ay1"),
                       PAIR(2, "ok", "rx12ry1"),
                       EEND};
    sb_history *h = elle_hist(l, NULL);
    /* The info completion's read stays null (unknown). */
    json_array_set_new(json_array_get(h->ops[1].value, 1), 2, json_null());
    sb_check_result r = run(h);
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
}

/* g1a-cases-test, "valid and invalid reads": two reads of the failed 1.
 * Elle asks g1a-cases alone; the full check also sees y's 3, appended by
 * nobody, and the committed 2 right after the failed 1. */
static void elle_g1a_cases_valid_and_invalid_reads(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "rx1ax2"), PAIR(0, "ok", "rx12ry3"), PAIR(0, "fail", "ax1"),
                       EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    assert_int_equal(found(&r, "G1a"), 2);
    names_are(&r, "anomaly_types", "G1a garbage dirty-update");
    check_result_free(&r);
}

/* g1b-cases-test: only rx1 reads T1's intermediate 1. Elle asks g1b-cases
 * alone; the full check also sees x's 3 and y's 3 (appended by nobody) and
 * rx1's G-single with T1. "internal reads": one's own 1 is no G1b. */
static void elle_g1b_cases(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "rx1"), PAIR(0, "ok", "rx12ry3"), PAIR(0, "ok", "ax1ax2"),
                       PAIR(0, "ok", "rx123"), EEND};
    sb_check_result r = check_elle(l, "serializable");
    assert_int_equal(found(&r, "G1b"), 1);
    names_are(&r, "anomaly_types", "G1b G-single-item garbage");
    check_result_free(&r);
    const eline own[] = {PAIR(0, "ok", "ax1rx1ax2"), EEND};
    r = check_elle(own, "serializable");
    assert_int_equal(found(&r, "G1b"), 0);
    names_are(&r, "anomaly_types", "");
    check_result_free(&r);
}

/* internal-cases-test: "good", "read nil, then something",
 * "read-append-read", "append-read", "FaunaDB example", "future read
 * external", "future read internal". */
static void elle_internal_cases(void **state)
{
    (void)state;
    const line good[] = {
        TX(0, "invoke",
           "[['r','y',null],['append','x',3],['r','x',null],['append','x',4],['r','x',null]]"),
        TX(0, "ok",
           "[['r','y',[5,6]],['append','x',3],['r','x',[1,2,3]],['append','x',4],['r','x',[1,2,3,4]"
           "]]"),
        END};
    sb_check_result r = check(good);
    assert_int_equal(found(&r, "internal"), 0);
    assert_int_equal(found(&r, "future-read"), 0);
    check_result_free(&r);
    const eline nil_then[] = {PAIR(0, "ok", "rxrx2"), EEND};
    r = check_elle(nil_then, NULL);
    assert_int_equal(found(&r, "internal"), 1);
    check_result_free(&r);
    const line rar[] = {TX(0, "invoke", "[['r','x',null],['append','x',3],['r','x',null]]"),
                        TX(0, "ok", "[['r','x',[1,2]],['append','x',3],['r','x',[1,2]]]"),
                        TX(0, "invoke", "[['r','x',null],['append','x',3],['r','x',null]]"),
                        TX(0, "ok", "[['r','x',[1,2]],['append','x',3],['r','x',[0,2,3]]]"),
                        TX(0, "invoke", "[['r','x',null],['append','x',3],['r','x',null]]"),
                        TX(0, "ok", "[['r','x',[1,2]],['append','x',3],['r','x',[1,2,3,4]]]"),
                        TX(0, "invoke", "[['r','x',null],['append','x',3],['r','x',null]]"),
                        TX(0, "ok", "[['r','x',[1,2]],['append','x',3],['r','x',[1]]]"),
                        END};
    r = check(rar);
    assert_int_equal(found(&r, "internal"), 4);
    json_t *ex =
        json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "internal"), 0);
    char *want = json_dumps(json_object_get(ex, "expected"), JSON_COMPACT);
    assert_string_equal(want, "[1,2,3]");
    free(want);
    check_result_free(&r);
    const eline append_read[] = {PAIR(0, "ok", "ax3rx1234"), PAIR(0, "ok", "ax3rx"), EEND};
    r = check_elle(append_read, NULL);
    assert_int_equal(found(&r, "internal"), 2);
    ex = json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "internal"), 0);
    want = json_dumps(json_object_get(ex, "expected"), JSON_COMPACT);
    assert_string_equal(want, "[\"...\",3]");
    free(want);
    check_result_free(&r);
    const line fauna[] = {TX(1, "invoke", "[['append','0',6],['r','0',null]]"),
                          TX(1, "ok", "[['append','0',6],['r','0',[]]]"), END};
    r = check(fauna);
    assert_int_equal(found(&r, "internal"), 1);
    check_result_free(&r);
    const eline external[] = {PAIR(0, "ok", "rx012ax1"), EEND};
    r = check_elle(external, NULL);
    assert_int_equal(found(&r, "future-read"), 1);
    assert_int_equal(found(&r, "internal"), 0);
    check_result_free(&r);
    const eline internal[] = {PAIR(0, "ok", "ax1rx01ax0ax3"), EEND};
    r = check_elle(internal, NULL);
    assert_int_equal(found(&r, "future-read"), 1);
    assert_int_equal(found(&r, "internal"), 0);
    check_result_free(&r);
}

/* checker-test, "G0": a pure write cycle. */
static void elle_checker_g0(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ay1"), PAIR(0, "ok", "ax2ay2"), PAIR(0, "ok", "rx12ry21"),
                       EEND};
    sb_check_result r = check_elle(l, "read-uncommitted");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0");
    names_are(&r, "not", "read-uncommitted");
    check_result_free(&r);
}

/* checker-test, "G1a": read-uncommitted allows it (and the graph is
 * empty: unknown); read-committed and repeatable-read do not. */
static void elle_checker_g1a(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "fail", "ax1"), PAIR(0, "ok", "rx1"), EEND};
    sb_check_result r = check_elle(l, "read-uncommitted");
    verdict_is(&r, SB_VERDICT_UNKNOWN);
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
    r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1a");
    check_result_free(&r);
    r = check_elle(l, "repeatable-read");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1a");
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
}

/* checker-test, "G1b": an intermediate read, also a G-single-item. */
static void elle_checker_g1b(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ax2"), PAIR(0, "ok", "rx1"), EEND};
    sb_check_result r = check_elle(l, "strict-serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1b G-single-item");
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
    /* Elle's {:anomalies [:G1]}: read-committed here. */
    r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1b");
    check_result_free(&r);
}

/* checker-test, "G1c". */
static void elle_checker_g1c(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ry1"), PAIR(0, "ok", "ax2ay1"), PAIR(0, "ok", "rx12ry1"),
                       EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1c");
    names_are(&r, "not", "read-committed");
    json_t *cycle = json_object_get(
        json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "G1c"), 0),
        "cycle");
    assert_int_equal(json_array_size(cycle), 2);
    check_result_free(&r);
}

/* checker-test, "G-single": allowed by read-committed, not by
 * repeatable-read or serializable. */
static void elle_checker_g_single(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ay1"), PAIR(0, "ok", "ax2ry"), PAIR(0, "ok", "rx12"),
                       EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "allowed_anomaly_types", "G-single-item");
    check_result_free(&r);
    r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item");
    names_are(&r, "not", "consistent-view repeatable-read");
    check_result_free(&r);
}

/* checker-test, "G2"; repeatable-read-test is the same history. */
static void elle_checker_g2(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ry"), PAIR(0, "ok", "ay1rx"), EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
    const char *models[] = {"serializable", "repeatable-read"};
    for (size_t i = 0; i < 2; i++) {
        r = check_elle(l, models[i]);
        verdict_is(&r, SB_VERDICT_INVALID);
        names_are(&r, "anomaly_types", "G2-item");
        names_are(&r, "not", "repeatable-read");
        check_result_free(&r);
    }
}

/* checker-test, "Strong SI violation": fine for serializable, a real-time
 * G-single for strict-serializable. */
static void elle_checker_strong_si_violation(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1"), PAIR(1, "ok", "ax2"), PAIR(2, "ok", "rx1"),
                       PAIR(3, "ok", "rx12"), EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
    r = check_elle(l, "strict-serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item-realtime");
    names_are(&r, "not", "strong-snapshot-isolation");
    explained(&r, "G-single-item-realtime", "read key x up to 1, missing 2, which T");
    explained(&r, "G-single-item-realtime",
              "T2 completed (op 4, 0.000 s) before T1 began (op 5, 0.000 s)");
    json_t *cycle = json_object_get(
        json_array_get(
            json_object_get(json_object_get(r.figures, "anomalies"), "G-single-item-realtime"), 0),
        "cycle");
    assert_int_equal(json_array_size(cycle), 2);
    check_result_free(&r);
}

/* checker-test, "Strong Session SI violation": the same through process order. */
static void elle_checker_strong_session_si_violation(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1"), PAIR(1, "ok", "ax2"), PAIR(1, "ok", "rx1"),
                       PAIR(2, "ok", "rx12"), EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
    r = check_elle(l, "strong-session-snapshot-isolation");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item-process");
    names_are(&r, "not", "strong-session-snapshot-isolation");
    explained(&r, "G-single-item-process", "process 1 ran T");
    check_result_free(&r);
}

/* checker-test, "G-nonadjacent-process" (elle issue 17). */
static void elle_checker_g_nonadjacent_process(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "rxrz1"), PAIR(1, "ok", "ax1"), PAIR(1, "ok", "rz"),
                       PAIR(2, "ok", "az1"), EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
    r = check_elle(l, "strong-session-snapshot-isolation");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-nonadjacent-item-process");
    names_are(&r, "not", "strong-session-snapshot-isolation");
    check_result_free(&r);
}

/* checker-test, "contradictory read orders". */
static void elle_checker_contradictory_read_orders(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ry1"), PAIR(0, "ok", "ax2"),   PAIR(0, "ok", "ax3ay1"),
                       PAIR(0, "ok", "rx13"),   PAIR(0, "ok", "rx123"), EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1c incompatible-order");
    names_are(&r, "not", "read-committed");
    json_t *g1c =
        json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "G1c"), 0);
    assert_int_equal(json_integer_value(json_object_get(g1c, "length")), 3);
    check_result_free(&r);
}

/* checker-test, "dirty update": "none", "direct", "indirect". Elle asks
 * for dirty-update alone; read-committed also sees the G1a reads. */
static void elle_checker_dirty_update(void **state)
{
    (void)state;
    const eline none[] = {PAIR(0, "fail", "ax1"), EEND};
    sb_check_result r = check_elle(none, "read-committed");
    verdict_is(&r, SB_VERDICT_UNKNOWN);
    names_are(&r, "not", "");
    check_result_free(&r);
    const eline direct[] = {PAIR(0, "fail", "ax1"), PAIR(1, "ok", "ax2"), PAIR(2, "ok", "rx12"),
                            EEND};
    r = check_elle(direct, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1a dirty-update");
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
    const eline indirect[] = {PAIR(0, "fail", "ax1"), PAIR(1, "info", "ax2"), PAIR(2, "ok", "ax3"),
                              PAIR(3, "ok", "rx123"), EEND};
    r = check_elle(indirect, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1a dirty-update");
    json_t *ex =
        json_array_get(json_object_get(json_object_get(r.figures, "anomalies"), "dirty-update"), 0);
    char *values = json_dumps(json_object_get(ex, "values"), JSON_COMPACT);
    assert_string_equal(values, "[1,2,3]");
    free(values);
    check_result_free(&r);
}

/* checker-test, "duplicated elements": also a G1c. */
static void elle_checker_duplicated_elements(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ry1"), PAIR(0, "ok", "ax2ay1"), PAIR(0, "ok", "rx121"),
                       EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1c duplicate-elements");
    names_are(&r, "not", "read-uncommitted");
    check_result_free(&r);
}

/* checker-test, "internal consistency violation" (and the G0 Elle's
 * comment mentions). */
static void elle_checker_internal_consistency_violation(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ax2ax4"), PAIR(0, "ok", "ax3rx1234"), EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0 internal");
    names_are(&r, "not", "read-uncommitted");
    check_result_free(&r);
}

/* unobserved-write-test: y's order follows from 1 missing from ry2. */
static void elle_unobserved_write(void **state)
{
    (void)state;
    const eline l[] = {{0, "invoke", "ax1ay1"},
                       {1, "invoke", "ax2ay2"},
                       {2, "invoke", "ax3ay3"},
                       {3, "invoke", "rx12"},
                       {4, "invoke", "ry2"},
                       {0, "ok", "ax1ay1"},
                       {1, "ok", "ax2ay2"},
                       {2, "ok", "ax3ay3"},
                       {3, "ok", "rx12"},
                       {4, "ok", "ry2"},
                       EEND};
    sb_check_result r = check_elle(l, "serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G0 G-single-item");
    names_are(&r, "not", "read-uncommitted");
    json_t *gs = json_array_get(
        json_object_get(json_object_get(r.figures, "anomalies"), "G-single-item"), 0);
    assert_int_equal(json_integer_value(json_object_get(gs, "length")), 3);
    check_result_free(&r);
}

/* G-nonadjacent-test: four txns, rw edges apart (strict-serializable,
 * Elle's default); then rw rw wr rw wr, which is not G-nonadjacent. */
static void elle_g_nonadjacent(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1"), PAIR(0, "ok", "rx1ry"), PAIR(0, "ok", "ay1"),
                       PAIR(0, "ok", "ry1rx"), EEND};
    sb_check_result r = check_elle(l, "strict-serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-nonadjacent-item");
    names_are(&r, "not", "snapshot-isolation repeatable-read");
    check_result_free(&r);
    const eline adjacent[] = {PAIR(0, "ok", "rx5ay1"), PAIR(0, "ok", "ryaz2"),
                              PAIR(0, "ok", "rzat3"),  PAIR(0, "ok", "rt3au4"),
                              PAIR(0, "ok", "ruax5"),  EEND};
    r = check_elle(adjacent, "snapshot-isolation");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
}

/* lost-update-test: both read [0] and appended; then one txn writing
 * twice over its read, which is fine. */
static void elle_lost_update(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax0"), PAIR(0, "ok", "rx0ax1"), PAIR(0, "ok", "rx0ax2"),
                       EEND};
    sb_check_result r = check_elle(l, "strict-serializable");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G2-item lost-update");
    names_are(&r, "not", "update-atomic cursor-stability");
    check_result_free(&r);
    const eline twice[] = {PAIR(0, "ok", "rxax1ax2"), PAIR(0, "ok", "rx12"), EEND};
    r = check_elle(twice, "strict-serializable");
    verdict_is(&r, SB_VERDICT_VALID);
    check_result_free(&r);
}

/* wr-process-test (elle issue 21). */
static void elle_wr_process(void **state)
{
    (void)state;
    const eline l[] = {PAIR(1, "ok", "rx1ay1"), PAIR(2, "ok", "ry1"), PAIR(2, "ok", "ax1"), EEND};
    sb_check_result r = check_elle(l, "strong-session-snapshot-isolation");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G1c-process");
    names_are(&r, "not", "strong-session-read-committed");
    check_result_free(&r);
}

/* rr-g-single-item-test. */
static void elle_rr_g_single_item(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1ay1"), PAIR(0, "ok", "rx1ry"), EEND};
    sb_check_result r = check_elle(l, "repeatable-read");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-single-item");
    names_are(&r, "not", "consistent-view repeatable-read");
    check_result_free(&r);
}

/* rr-g-nonadjacent-item-test. */
static void elle_rr_g_nonadjacent_item(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "ax1at1"), PAIR(0, "ok", "rx1ry"), PAIR(0, "ok", "ay1az2"),
                       PAIR(0, "ok", "rz2rt"), EEND};
    sb_check_result r = check_elle(l, "repeatable-read");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G-nonadjacent-item");
    names_are(&r, "not", "repeatable-read snapshot-isolation");
    json_t *ex = json_array_get(
        json_object_get(json_object_get(r.figures, "anomalies"), "G-nonadjacent-item"), 0);
    assert_int_equal(json_integer_value(json_object_get(ex, "length")), 4);
    check_result_free(&r);
}

/* future-read-test. */
static void elle_future_read(void **state)
{
    (void)state;
    const eline l[] = {PAIR(0, "ok", "rx1ax1"), EEND};
    sb_check_result r = check_elle(l, "read-committed");
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "future-read");
    names_are(&r, "not", "read-committed");
    check_result_free(&r);
}

/* intermediate-sequential-extension-test, histories/si-without-g-single.edn:
 * only G2-item, so snapshot isolation holds and repeatable read does not. */
static void elle_intermediate_sequential_extension(void **state)
{
    (void)state;
    const line l[] = {TX(2, "invoke", "[['append','9',2]]"),
                      TX(2, "ok", "[['append','9',2]]"),
                      TX(4, "invoke", "[['append','8',1],['r','9',null]]"),
                      TX(4, "ok", "[['append','8',1],['r','9',[]]]"),
                      TX(7, "invoke", "[['r','6',null],['r','8',null],['append','9',5]]"),
                      TX(7, "ok", "[['r','6',[]],['r','8',[]],['append','9',5]]"),
                      TX(9, "invoke", "[['append','6',2],['r','9',null]]"),
                      TX(9, "ok", "[['append','6',2],['r','9',[2]]]"),
                      END};
    line rr[sizeof(l) / sizeof(l[0]) + 1] = {MODEL("repeatable-read")};
    memcpy(rr + 1, l, sizeof(l));
    sb_check_result r = check(rr);
    verdict_is(&r, SB_VERDICT_INVALID);
    names_are(&r, "anomaly_types", "G2-item");
    names_are(&r, "not", "repeatable-read");
    check_result_free(&r);
    line si[sizeof(l) / sizeof(l[0]) + 1] = {MODEL("snapshot-isolation")};
    memcpy(si + 1, l, sizeof(l));
    r = check(si);
    verdict_is(&r, SB_VERDICT_VALID);
    names_are(&r, "valid_under", "snapshot-isolation");
    check_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serial_history_is_valid),
        cmocka_unit_test(concurrent_txns_are_valid),
        cmocka_unit_test(write_skew_over_empty_reads_is_g2_item),
        cmocka_unit_test(append_missing_from_longest_read_orders_the_key_g0),
        cmocka_unit_test(missing_from_final_read_is_lost_only_when_the_model_says),
        cmocka_unit_test(key_missing_from_final_read_is_empty),
        cmocka_unit_test(later_read_missing_an_append_is_g_single_realtime),
        cmocka_unit_test(forced_model_overrides_the_history),
        cmocka_unit_test(duplicated_element_is_reported),
        cmocka_unit_test(diverging_reads_are_incompatible),
        cmocka_unit_test(read_of_failed_append_is_g1a),
        cmocka_unit_test(element_nobody_appended_is_garbage),
        cmocka_unit_test(read_not_ending_with_own_append_is_internal),
        cmocka_unit_test(appends_in_opposite_orders_are_g0),
        cmocka_unit_test(cycles_are_explained_edge_by_edge),
        cmocka_unit_test(long_cycle_is_found_and_explained_in_part),
        cmocka_unit_test(read_skew_is_g_single),
        cmocka_unit_test(intermediate_read_is_g1b),
        cmocka_unit_test(reading_own_later_append_is_future_read),
        cmocka_unit_test(observed_info_append_counts_as_committed),
        cmocka_unit_test(unobserved_info_append_is_not_lost),
        cmocka_unit_test(history_without_txns_is_unknown),
        cmocka_unit_test(malformed_micro_op_is_an_error),
        cmocka_unit_test(unknown_model_is_an_error_naming_the_models),
        cmocka_unit_test(verdict_names_the_models_ruled_out_and_why),
        cmocka_unit_test(elle_graph_g2_anti_dependency_cycle),
        cmocka_unit_test(elle_graph_info_reads),
        cmocka_unit_test(elle_g1a_cases_valid_and_invalid_reads),
        cmocka_unit_test(elle_g1b_cases),
        cmocka_unit_test(elle_internal_cases),
        cmocka_unit_test(elle_checker_g0),
        cmocka_unit_test(elle_checker_g1a),
        cmocka_unit_test(elle_checker_g1b),
        cmocka_unit_test(elle_checker_g1c),
        cmocka_unit_test(elle_checker_g_single),
        cmocka_unit_test(elle_checker_g2),
        cmocka_unit_test(elle_checker_strong_si_violation),
        cmocka_unit_test(elle_checker_strong_session_si_violation),
        cmocka_unit_test(elle_checker_g_nonadjacent_process),
        cmocka_unit_test(elle_checker_contradictory_read_orders),
        cmocka_unit_test(elle_checker_dirty_update),
        cmocka_unit_test(elle_checker_duplicated_elements),
        cmocka_unit_test(elle_checker_internal_consistency_violation),
        cmocka_unit_test(elle_unobserved_write),
        cmocka_unit_test(elle_g_nonadjacent),
        cmocka_unit_test(elle_lost_update),
        cmocka_unit_test(elle_wr_process),
        cmocka_unit_test(elle_rr_g_single_item),
        cmocka_unit_test(elle_rr_g_nonadjacent_item),
        cmocka_unit_test(elle_future_read),
        cmocka_unit_test(elle_intermediate_sequential_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
