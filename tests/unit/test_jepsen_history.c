/* test_jepsen_history.c -- Jepsen histories (EDN op maps and jepsen.util
 * log lines) read into sb_history, their errors, and the verdicts of the
 * linearizability checker on the classic small Jepsen histories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "jepsen_history.h"
#include "linear.h"
#include "util.h"

static sb_history *parse(const char *text)
{
    char err[SB_ERR_LEN] = "";
    sb_history *h = jepsen_history_parse("t.edn", text, strlen(text), err);
    if (!h)
        fail_msg("unexpected error: %s", err);
    return h;
}

/* Parses text expecting an error; returns it. */
static const char *parse_error(const char *text)
{
    static char err[SB_ERR_LEN];
    err[0] = '\0';
    sb_history *h = jepsen_history_parse("t.edn", text, strlen(text), err);
    if (h) {
        history_free(h);
        fail_msg("no error for:\n%s", text);
    }
    assert_true(err[0] != '\0');
    return err;
}

static void assert_contains(const char *s, const char *sub)
{
    if (!strstr(s, sub))
        fail_msg("\"%s\" does not contain \"%s\"", s, sub);
}

/* An error is one line "t.edn:LINE:COL: what is wrong". */
static void assert_error_at(const char *e, int line)
{
    char prefix[32];
    int n = snprintf(prefix, sizeof(prefix), "t.edn:%d:", line);
    const char *col = e + n, *after = col;
    while (*after >= '0' && *after <= '9')
        after++;
    if (strncmp(e, prefix, (size_t)n) != 0 || after == col || strncmp(after, ": ", 2) != 0 ||
        strchr(e, '\n'))
        fail_msg("\"%s\" is not one line \"%sCOL: ...\"", e, prefix);
}

/* The op's value as compact JSON, "absent" when there is none. */
static void assert_value(const sb_op *op, const char *json)
{
    if (!op->value) {
        assert_string_equal("absent", json);
        return;
    }
    char *s = json_dumps(op->value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    assert_non_null(s);
    if (strcmp(s, json) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "value %s, expected %s", s, json);
        free(s);
        fail_msg("%s", msg);
    }
    free(s);
}

/* ====== EDN op maps ====== */

static void edn_op_maps_are_read(void **state)
{
    (void)state;
    sb_history *h =
        parse("{:process 0, :type :invoke, :f :cas, :value [1 4], :time 123, :index 5}\n"
              "{:process 0, :type :ok, :f :cas, :value [1 4], :time 456, :index 6}\n");
    assert_int_equal(h->n, 2);
    const sb_op *op = &h->ops[0];
    assert_int_equal(op->process, 0);
    assert_int_equal(op->type, SB_OP_INVOKE);
    assert_string_equal(op->f, "cas");
    assert_value(op, "[1,4]");
    assert_int_equal(op->time_ns, 123);
    assert_int_equal(op->index, 0); /* the position, not :index */
    assert_null(op->error);
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_int_equal(h->ops[1].time_ns, 456);
    assert_int_equal(h->ops[1].index, 1);
    history_free(h);
}

static void keys_in_any_order_commas_optional(void **state)
{
    (void)state;
    sb_history *h = parse("{:value 5 :f :write :time 7 :type :ok :process 12}\n"
                          "{:f :read,:type :fail,,:process 3 , :value nil :extra {:a 1}}\r\n");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[0].process, 12);
    assert_int_equal(h->ops[0].type, SB_OP_OK);
    assert_string_equal(h->ops[0].f, "write");
    assert_value(&h->ops[0], "5");
    assert_int_equal(h->ops[1].process, 3);
    assert_int_equal(h->ops[1].type, SB_OP_FAIL);
    assert_string_equal(h->ops[1].f, "read");
    history_free(h);
}

static void nil_and_missing_time(void **state)
{
    (void)state;
    sb_history *h = parse("{:process 0, :type :invoke, :f :read, :value nil}\n"
                          "{:process 0, :type :ok, :f :read}\n"
                          "{:process 0, :type :ok, :f :read, :value nil, :time nil}\n");
    assert_int_equal(h->n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_null(h->ops[i].value); /* nil is no value, as in native histories */
        assert_int_equal(h->ops[i].time_ns, (int64_t)i + 1); /* the line number */
    }
    history_free(h);
}

static void numbers(void **state)
{
    (void)state;
    sb_history *h = parse("{:process 0, :type :invoke, :f :write, :value -5, :time -3}\n"
                          "{:process 0, :type :ok, :f :cas, :value [-1 +2 0 9223372036854775807 "
                          "-9223372036854775808]}\n"
                          "{:process 1, :type :ok, :f :x, :value [1.5 -2e3 3M 7N ##Inf ##NaN]}\n");
    assert_value(&h->ops[0], "-5");
    assert_int_equal(h->ops[0].time_ns, -3);
    assert_value(&h->ops[1], "[-1,2,0,9223372036854775807,-9223372036854775808]");
    assert_value(&h->ops[2], "[1.5,-2000.0,3.0,7,\"##Inf\",\"##NaN\"]");
    history_free(h);
}

static void strings_with_escapes(void **state)
{
    (void)state;
    sb_history *h = parse(
        "{:process 0, :type :info, :f :write, :value \"a\\\"b\\\\c\\td\\n\\u00e9\\ud83d\\ude00;\", "
        ":error \"timed out: \\\"read\\\"\"}\n");
    const sb_op *op = &h->ops[0];
    assert_true(json_is_string(op->value));
    assert_string_equal(json_string_value(op->value), "a\"b\\c\td\n\xc3\xa9\xf0\x9f\x98\x80;");
    assert_string_equal(op->error, "timed out: \"read\"");
    history_free(h);
}

static void nested_values(void **state)
{
    (void)state;
    sb_history *h =
        parse("{:process 2, :type :ok, :f :txn, :value [[:append 3 1] [:r 4 [1 2]] (:w \"x\" true) "
              "#{false} {:a {\"b\" nil}, 5 sym, [1] \\c}]} ; a comment\n"
              "{:process 2, :type :fail, :f :txn, :value #_ [ignored] [1], :error [:duplicate-key "
              "\"etcd: dup\"]}\n");
    assert_value(&h->ops[0], "[[\"append\",3,1],[\"r\",4,[1,2]],[\"w\",\"x\",true],[false],"
                             "{\"5\":\"sym\",\"[1]\":\"c\",\"a\":{\"b\":null}}]");
    assert_value(&h->ops[1], "[1]");
    assert_string_equal(h->ops[1].error, "[:duplicate-key \"etcd: dup\"]");
    history_free(h);
}

static void nemesis_ops_are_kept_as_nemesis(void **state)
{
    (void)state;
    sb_history *h =
        parse("{:process :nemesis, :type :info, :f :start, :value nil}\n"
              "{:process :nemesis, :type :info, :f :start, :value [:isolated {:n1 #{:n2}}]}\n");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[0].process, SB_PROC_NEMESIS);
    assert_string_equal(h->ops[0].f, "start");
    assert_value(&h->ops[1], "[\"isolated\",{\"n1\":[\"n2\"]}]");
    history_free(h);
}

static void independent_tuples(void **state)
{
    (void)state;
    sb_history *h =
        parse("{:process 0, :type :invoke, :f :write, :value [3 5]}\n"
              "{:process 1, :type :invoke, :f :read, :value [3 nil]}\n"
              "{:process 1, :type :ok, :f :read, :value [3 5]}\n"
              "{:process 2, :type :invoke, :f :cas, :value [3 [1 4]]}\n"
              "{:process 3, :type :invoke, :f :cas, :value [1 4]}\n" /* plain cas */
              "{:process 4, :type :invoke, :f :write, :value [:k nil]}\n"
              "{:process 4, :type :invoke, :f :read, :value [\"key\" -1]}\n"
              "{:process 5, :type :invoke, :f :write, :value #jepsen.independent.Tuple{:key 7, "
              ":value 8}}\n"
              "{:process :nemesis, :type :info, :f :write, :value [1 2]}\n"); /* not a client */
    assert_value(&h->ops[0], "{\"k\":\"3\",\"v\":5}");
    assert_value(&h->ops[1], "{\"k\":\"3\",\"v\":null}");
    assert_value(&h->ops[2], "{\"k\":\"3\",\"v\":5}");
    assert_value(&h->ops[3], "{\"k\":\"3\",\"v\":[1,4]}");
    assert_value(&h->ops[4], "[1,4]");
    assert_value(&h->ops[5], "{\"k\":\"k\",\"v\":null}");
    assert_value(&h->ops[6], "{\"k\":\"key\",\"v\":-1}");
    assert_value(&h->ops[7], "{\"k\":\"7\",\"v\":8}");
    assert_value(&h->ops[8], "[1,2]");
    history_free(h);
}

static void long_f_is_capped(void **state)
{
    (void)state;
    sb_history *h = parse("{:process 0, :type :invoke, "
                          ":f :a-very-long-function-name-that-goes-on-and-on-and-on-forever}\n"
                          "#jepsen.history.Op{:process 0, :type :ok, :f :read, :value 1}\n");
    assert_int_equal(strlen(h->ops[0].f), sizeof(h->ops[0].f) - 1);
    assert_memory_equal(h->ops[0].f, "a-very-long-function", 20);
    assert_string_equal(h->ops[1].f, "read"); /* a Jepsen 0.3 Op record */
    assert_value(&h->ops[1], "1");
    history_free(h);
}

/* ====== Log lines ====== */

static void log_lines_are_read(void **state)
{
    (void)state;
    sb_history *h =
        parse("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\n"
              "INFO  jepsen.util - 3\t:info\t:cas\t:timed-out\n"
              "INFO  jepsen.util - 14\t:invoke\t:read\tnil\n"
              "INFO  jepsen.util - 14\t:fail\t:read\tnil\t:connection-refused (no route)\n"
              "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n");
    assert_int_equal(h->n, 5);
    assert_int_equal(h->ops[0].process, 3);
    assert_int_equal(h->ops[0].type, SB_OP_INVOKE);
    assert_string_equal(h->ops[0].f, "cas");
    assert_value(&h->ops[0], "[1,4]");
    assert_int_equal(h->ops[0].time_ns, 1);
    assert_value(&h->ops[1], "\"timed-out\""); /* completion values as given */
    assert_int_equal(h->ops[1].type, SB_OP_INFO);
    assert_int_equal(h->ops[2].process, 14);
    assert_null(h->ops[2].value);
    assert_string_equal(h->ops[3].error, ":connection-refused (no route)");
    assert_int_equal(h->ops[4].process, SB_PROC_NEMESIS);
    assert_string_equal(h->ops[4].f, "start");
    assert_int_equal(h->ops[4].time_ns, 5);
    history_free(h);
}

static void timestamped_log_lines_and_other_messages(void **state)
{
    (void)state;
    sb_history *h =
        parse("2013-05-20 10:20:29,001{GMT}\tINFO  [main] jepsen.core: Running test\n"
              "2013-05-20 10:20:30,123{GMT}\tINFO  [jepsen worker 3] jepsen.util: "
              "3\t:invoke\t:read\tnil\n"
              "java.net.SocketTimeoutException: Read timed out\n"
              "\tat java.net.SocketInputStream.socketRead0(Native Method)\n"
              "\n"
              "{:valid? true,\n"
              "2013-05-20 10:20:30,200{GMT}\tINFO  [jepsen worker 3] jepsen.util - helper started\n"
              "2013-05-20 10:20:30,456{GMT}\tINFO  [jepsen worker 3] jepsen.util: "
              "3\t:ok\t:read\t[5 nil]\n");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[0].process, 3);
    assert_string_equal(h->ops[0].f, "read");
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_value(&h->ops[1], "{\"k\":\"5\",\"v\":null}");
    assert_int_equal(h->ops[1].time_ns, 8);
    history_free(h);
}

static void space_separated_log_lines_are_read(void **state)
{
    (void)state;
    sb_history *h =
        parse("INFO  jepsen.util - 3 :invoke :read nil\n"
              "INFO jepsen.util - 12  :ok  :cas  [3 4]\n"
              "INFO  jepsen.util - 7 :info :write  2 :timeout waiting for n1  \n"
              "INFO  jepsen.util - :nemesis :info :start \"Cut off {:n1 #{:n3 :n4}}\"\n"
              "INFO  jepsen.util - 4 :ok :txn {:a 1, :b [2 3]} [:error \"a b\"]\n"
              "INFO  jepsen.util - 0   :invoke :write  4\n" /* columns padded with spaces */
              "INFO  jepsen.util - 5 :ok :read\n");         /* no value */
    assert_int_equal(h->n, 7);
    assert_int_equal(h->ops[0].process, 3);
    assert_int_equal(h->ops[0].type, SB_OP_INVOKE);
    assert_string_equal(h->ops[0].f, "read");
    assert_null(h->ops[0].value);
    assert_null(h->ops[0].error);
    assert_int_equal(h->ops[1].process, 12);
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_string_equal(h->ops[1].f, "cas");
    assert_value(&h->ops[1], "[3,4]"); /* the value's own space is not a separator */
    assert_null(h->ops[1].error);
    assert_int_equal(h->ops[2].type, SB_OP_INFO);
    assert_value(&h->ops[2], "2");
    assert_string_equal(h->ops[2].error, ":timeout waiting for n1"); /* the rest of the line */
    assert_int_equal(h->ops[3].process, SB_PROC_NEMESIS);
    assert_string_equal(h->ops[3].f, "start");
    assert_value(&h->ops[3], "\"Cut off {:n1 #{:n3 :n4}}\"");
    assert_value(&h->ops[4], "{\"a\":1,\"b\":[2,3]}");
    assert_string_equal(h->ops[4].error, "[:error \"a b\"]");
    assert_int_equal(h->ops[5].process, 0);
    assert_string_equal(h->ops[5].f, "write");
    assert_value(&h->ops[5], "4");
    assert_int_equal(h->ops[6].process, 5);
    assert_string_equal(h->ops[6].f, "read");
    assert_null(h->ops[6].value);
    assert_int_equal(h->ops[6].time_ns, 7);
    history_free(h);
}

static void tabs_and_spaces_mix_on_one_line(void **state)
{
    (void)state;
    sb_history *h =
        parse("INFO  jepsen.util - 3 \t:invoke  :cas\t[1 4]\n"
              "2013-06-14 11:13:37,372{GMT}\tINFO\t[jepsen node n1] jepsen.util: 0\t:ok :write\t4\n"
              "INFO jepsen.util - 2\t:fail :cas [1 3]\t:no-such-key (etcd)\n"
              "INFO jepsen.util - 2 :fail\t:cas\t[1 3] not found\n"
              "INFO  jepsen.util -\t:nemesis  \t:info\t :start \"cut\toff n1\"\n");
    assert_int_equal(h->n, 5);
    assert_int_equal(h->ops[0].process, 3);
    assert_int_equal(h->ops[0].type, SB_OP_INVOKE);
    assert_string_equal(h->ops[0].f, "cas");
    assert_value(&h->ops[0], "[1,4]");
    assert_int_equal(h->ops[1].process, 0);
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_string_equal(h->ops[1].f, "write");
    assert_value(&h->ops[1], "4");
    assert_value(&h->ops[2], "[1,3]");
    assert_string_equal(h->ops[2].error, ":no-such-key (etcd)");
    /* A line with a space separator may put spaces before the error too. */
    assert_value(&h->ops[3], "[1,3]");
    assert_string_equal(h->ops[3].error, "not found");
    assert_int_equal(h->ops[4].process, SB_PROC_NEMESIS);
    assert_string_equal(h->ops[4].f, "start");
    assert_value(&h->ops[4], "\"cut\\toff n1\""); /* a tab inside a string stays in it */
    history_free(h);
}

static void tab_lines_keep_their_field_boundaries(void **state)
{
    (void)state;
    /* In Jepsen's tab form an empty value field is no value, and the error
     * follows the value after a tab. */
    sb_history *h = parse("INFO  jepsen.util - 1\t:fail\t:read\t\t:timeout\n"
                          "INFO  jepsen.util - 1\t:fail\t:cas\t[1 2] \t:timeout\n");
    assert_int_equal(h->n, 2);
    assert_null(h->ops[0].value);
    assert_string_equal(h->ops[0].error, ":timeout");
    assert_value(&h->ops[1], "[1,2]");
    assert_string_equal(h->ops[1].error, ":timeout");
    history_free(h);
}

static void ordinary_messages_between_space_separated_ops_are_skipped(void **state)
{
    (void)state;
    sb_history *h = parse("INFO  jepsen.core - Worker 0 starting\n"
                          "INFO  jepsen.util - 0 :invoke :write 1\n"
                          "INFO  jepsen.util - Run complete, writing\n"
                          "INFO  jepsen.util - 3 workers done\n"
                          "INFO  jepsen.util - 3 :done :read nil\n"
                          "INFO  jepsen.util - :n1 consul ready\n"
                          "INFO  jepsen.util - -1 retries left\n"
                          "INFO  jepsen.util - 42\n"
                          "INFO  jepsen.util - 4 :invoked\n"
                          "\tat jepsen.util$timeout.invoke(util.clj:42)\n"
                          "INFO  jepsen.util: 12 ops in flight\n"
                          "\n"
                          "INFO  jepsen.util - 0 :ok :write 1\n");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[0].type, SB_OP_INVOKE);
    assert_int_equal(h->ops[0].time_ns, 2);
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_string_equal(h->ops[1].f, "write");
    assert_value(&h->ops[1], "1");
    assert_int_equal(h->ops[1].time_ns, 13);
    history_free(h);
}

static void space_separated_errors_name_the_line(void **state)
{
    (void)state;
    char buf[512];
    const char *ok = "INFO  jepsen.util - 0 :invoke :read nil\n";
#define LOG_ERR_AT_LINE_2(bad, what)                                                               \
    do {                                                                                           \
        snprintf(buf, sizeof(buf), "%s%s\n%s", ok, bad, ok);                                       \
        const char *e = parse_error(buf);                                                          \
        assert_error_at(e, 2);                                                                     \
        assert_contains(e, what);                                                                  \
    } while (0)
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok", "the line ends before the f");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok", "separated by tabs or spaces");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok :read [1 2", "unterminated vector");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok :read [1 2]x", "unexpected text after the value");
    assert_contains(parse_error("INFO  jepsen.util - 3 :ok :read [1 2]x\n"),
                    "t.edn:1:38: unexpected text after the value");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok :read\"x\" nil", "unexpected text after the f");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok 7 nil", ":f must be a keyword");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3x :ok :read nil", "invalid number");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - -1 :ok :read nil", ":process must be");
    LOG_ERR_AT_LINE_2("INFO  jepsen.util - 3 :ok :read \"open", "unterminated string");
#undef LOG_ERR_AT_LINE_2
}

/* ====== Errors ====== */

static void errors_name_the_line(void **state)
{
    (void)state;
    const char *ok = "{:process 0, :type :invoke, :f :read, :value nil}\n";
    char buf[512];
#define ERR_AT_LINE_2(bad, what)                                                                   \
    do {                                                                                           \
        snprintf(buf, sizeof(buf), "%s%s\n%s", ok, bad, ok);                                       \
        const char *e = parse_error(buf);                                                          \
        assert_error_at(e, 2);                                                                     \
        assert_contains(e, what);                                                                  \
    } while (0)
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :cas, :value [1 4}", "'}' cannot close the vector");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :cas, :value [1 4", "unterminated vector");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :cas, :value [1 4]", "unterminated map");
    ERR_AT_LINE_2("{:process 0, :type :done, :f :read}",
                  ":type must be :invoke, :ok, :fail or :info");
    ERR_AT_LINE_2("{:process 0, :type \"ok\", :f :read}", ":type must be");
    ERR_AT_LINE_2("{:type :ok, :f :read, :value 1}", "no :process");
    ERR_AT_LINE_2("{:process 0, :f :read, :value 1}", "no :type");
    ERR_AT_LINE_2("{:process 0, :type :ok, :value 1}", "no :f");
    ERR_AT_LINE_2("{:process -1, :type :ok, :f :read}", ":process must be");
    ERR_AT_LINE_2("{:process \"p\", :type :ok, :f :read}", ":process must be");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f 7}", ":f must be a keyword");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :time 1.5}", ":time must be an integer");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :type :ok}", "duplicate key :type");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value}", "key without a value");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value \"abc}", "unterminated string");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value \"a\\qb\"}", "unknown escape");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value 99999999999999999999}",
                  "out of the 64-bit range");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value 12abc}", "invalid number");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value @x}", "unexpected '@'");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value #foo.Bar{:a 1}}",
                  "tagged literal #foo.Bar is not supported");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read} {}", "the op has no :process");
    ERR_AT_LINE_2("[:process 0, :type :ok, :f :read]", "expected an op map");
    ERR_AT_LINE_2("#{:process 0}", "expected an op map");
    ERR_AT_LINE_2("{:process 0, :type :ok, :f :read, :value \"\xff\"}", "not UTF-8");
    /* Nesting deeper than the reader allows. */
    char deep[400] = "{:process 0, :type :ok, :f :read, :value ";
    for (int i = 0; i < 150; i++)
        strcat(deep, "[");
    ERR_AT_LINE_2(deep, "nested deeper than");
    /* Log lines. */
    ERR_AT_LINE_2("INFO  jepsen.util - 3\t:done\t:read\tnil", ":type must be");
    ERR_AT_LINE_2("INFO  jepsen.util - 3\t:ok", "separated by tabs");
    ERR_AT_LINE_2("INFO  jepsen.util - 3\t:ok\t:read\t[1 2", "unterminated vector");
    ERR_AT_LINE_2("INFO  jepsen.util - 3\t:ok\t:read\t1 2", "unexpected text after the value");
#undef ERR_AT_LINE_2
    assert_contains(parse_error(""), "t.edn: no operations");
    assert_contains(parse_error("INFO  jepsen.core - starting\nINFO  jepsen.util - 3 things\n"),
                    "no operations");
    /* An error on the first line of a log file, after skipped lines. */
    const char *e = parse_error("INFO  jepsen.core - starting\n"
                                "\n"
                                "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n"
                                "INFO  jepsen.util - 3\t:ok\t:read\t\"5\n");
    assert_error_at(e, 4);
    assert_contains(e, "unterminated string");
}

/* ====== Verdicts ====== */

static sb_linear_verdict verdict(const char *text)
{
    sb_history *h = parse(text);
    sb_linear_result r;
    char err[SB_ERR_LEN];
    if (linear_check(h, NULL, &r, err) == -1)
        fail_msg("linear_check: %s", err);
    sb_linear_verdict v = r.verdict;
    if (v == SB_LINEAR_VIOLATION)
        assert_non_null(r.violation);
    linear_result_free(&r);
    history_free(h);
    return v;
}

static void valid_history(void **state)
{
    (void)state;
    assert_int_equal(verdict("{:process 0, :type :invoke, :f :read, :value nil}\n"
                             "{:process 0, :type :ok, :f :read, :value nil}\n"
                             "{:process 1, :type :invoke, :f :write, :value 1}\n"
                             "{:process 1, :type :ok, :f :write, :value 1}\n"
                             "{:process 2, :type :invoke, :f :cas, :value [1 2]}\n"
                             "{:process 0, :type :invoke, :f :read, :value nil}\n"
                             "{:process 2, :type :ok, :f :cas, :value [1 2]}\n"
                             "{:process 0, :type :ok, :f :read, :value 1}\n"
                             "{:process 1, :type :invoke, :f :cas, :value [1 3]}\n"
                             "{:process 1, :type :fail, :f :cas, :value [1 3]}\n"
                             "{:process 0, :type :invoke, :f :read, :value nil}\n"
                             "{:process 0, :type :ok, :f :read, :value 2}\n"),
                     SB_LINEAR_OK);
}

static void stale_read_after_a_completed_write(void **state)
{
    (void)state;
    const char *edn = "{:process 0, :type :invoke, :f :write, :value 1}\n"
                      "{:process 0, :type :ok, :f :write, :value 1}\n"
                      "{:process 0, :type :invoke, :f :write, :value 2}\n"
                      "{:process 0, :type :ok, :f :write, :value 2}\n"
                      "{:process 1, :type :invoke, :f :read, :value nil}\n"
                      "{:process 1, :type :ok, :f :read, :value 1}\n";
    assert_int_equal(verdict(edn), SB_LINEAR_VIOLATION);
    const char *log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
                      "INFO  jepsen.util - 0\t:ok\t:write\t1\n"
                      "INFO  jepsen.util - 0\t:invoke\t:write\t2\n"
                      "INFO  jepsen.util - 0\t:ok\t:write\t2\n"
                      "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n"
                      "INFO  jepsen.util - 1\t:ok\t:read\t1\n";
    assert_int_equal(verdict(log), SB_LINEAR_VIOLATION);
    /* The same on key 7 of an independent history, key 8 untouched. */
    const char *ind = "{:process 0, :type :invoke, :f :write, :value [7 1]}\n"
                      "{:process 0, :type :ok, :f :write, :value [7 1]}\n"
                      "{:process 2, :type :invoke, :f :write, :value [8 1]}\n"
                      "{:process 2, :type :ok, :f :write, :value [8 1]}\n"
                      "{:process 0, :type :invoke, :f :write, :value [7 2]}\n"
                      "{:process 0, :type :ok, :f :write, :value [7 2]}\n"
                      "{:process 1, :type :invoke, :f :read, :value [8 nil]}\n"
                      "{:process 1, :type :ok, :f :read, :value [8 1]}\n"
                      "{:process 1, :type :invoke, :f :read, :value [7 nil]}\n"
                      "{:process 1, :type :ok, :f :read, :value [7 1]}\n";
    sb_history *h = parse(ind);
    sb_linear_result r;
    char err[SB_ERR_LEN];
    assert_int_equal(linear_check(h, NULL, &r, err), 0);
    assert_int_equal(r.verdict, SB_LINEAR_VIOLATION);
    assert_int_equal(r.keys, 2);
    assert_string_equal(json_string_value(json_object_get(r.violation, "key")), "7");
    linear_result_free(&r);
    history_free(h);
}

static void concurrent_writes_read_in_either_order(void **state)
{
    (void)state;
    const char *head = "{:process 0, :type :invoke, :f :write, :value 1}\n"
                       "{:process 1, :type :invoke, :f :write, :value 2}\n"
                       "{:process 0, :type :ok, :f :write, :value 1}\n"
                       "{:process 1, :type :ok, :f :write, :value 2}\n"
                       "{:process 2, :type :invoke, :f :read, :value nil}\n";
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s{:process 2, :type :ok, :f :read, :value 1}\n", head);
    assert_int_equal(verdict(buf), SB_LINEAR_OK);
    snprintf(buf, sizeof(buf), "%s{:process 2, :type :ok, :f :read, :value 2}\n", head);
    assert_int_equal(verdict(buf), SB_LINEAR_OK);
    /* But not a value neither wrote. */
    snprintf(buf, sizeof(buf), "%s{:process 2, :type :ok, :f :read, :value 3}\n", head);
    assert_int_equal(verdict(buf), SB_LINEAR_VIOLATION);
}

static const char *cas_needs_write = "{:process 0, :type :invoke, :f :write, :value 1}\n"
                                     "{:process 0, :type :ok, :f :write, :value 1}\n"
                                     "{:process 1, :type :invoke, :f :write, :value 2}\n"
                                     "{:process 1, :type :%s, :f :write, :value 2}\n"
                                     "{:process 2, :type :invoke, :f :cas, :value [2 3]}\n"
                                     "{:process 2, :type :ok, :f :cas, :value [2 3]}\n"
                                     "{:process 2, :type :invoke, :f :read, :value nil}\n"
                                     "{:process 2, :type :ok, :f :read, :value 3}\n";

static void cas_that_needs_an_info_write(void **state)
{
    (void)state;
    char buf[1024];
    snprintf(buf, sizeof(buf), cas_needs_write, "info");
    assert_int_equal(verdict(buf), SB_LINEAR_OK);
}

static void the_same_with_a_failed_write_is_invalid(void **state)
{
    (void)state;
    char buf[1024];
    snprintf(buf, sizeof(buf), cas_needs_write, "fail");
    assert_int_equal(verdict(buf), SB_LINEAR_VIOLATION);
}

/* Writes tmpl with every '|' replaced by sep. */
static const char *with_separator(const char *tmpl, const char *sep, char *buf, size_t len)
{
    size_t o = 0, sl = strlen(sep);
    for (const char *p = tmpl; *p; p++) {
        const char *piece = *p == '|' ? sep : p;
        size_t n = *p == '|' ? sl : 1;
        assert_true(o + n < len);
        memcpy(buf + o, piece, n);
        o += n;
    }
    buf[o] = '\0';
    return buf;
}

/* A write of 1 and a cas to 2 complete, then a read sees 1: the write of 5
 * left indeterminate cannot explain it. The final read's value is %s. */
static const char *stale_after_cas_log =
    "INFO  jepsen.core - Worker 0 starting\n"
    "INFO  jepsen.util - 0|:invoke|:write|1\n"
    "INFO  jepsen.util - 3|:invoke|:write|5\n"
    "INFO  jepsen.util - 0|:ok|:write|1\n"
    "INFO  jepsen.util - Run complete, writing\n"
    "INFO  jepsen.util - 1|:invoke|:cas|[1 2]\n"
    "INFO  jepsen.util - 1|:ok|:cas|[1 2]\n"
    "INFO  jepsen.util - 3|:info|:write|5|:timed-out (no reply)\n"
    "INFO  jepsen.util - :nemesis|:info|:start|\"Cut off {:n1 #{:n2 :n3}}\"\n"
    "INFO  jepsen.util - 2|:invoke|:read|nil\n"
    "INFO  jepsen.util - 2|:ok|:read|%s\n";

static void space_separated_history_gets_the_verdict_of_its_tab_twin(void **state)
{
    (void)state;
    static const char *const seps[] = {"\t", " ", "   ", " \t "};
    static const struct {
        const char *read;
        sb_linear_verdict v;
    } reads[] = {{"1", SB_LINEAR_VIOLATION}, {"2", SB_LINEAR_OK}, {"5", SB_LINEAR_OK}};
    char tmpl[2048], text[2048];
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        snprintf(tmpl, sizeof(tmpl), stale_after_cas_log, reads[i].read);
        sb_history *tabs = parse(with_separator(tmpl, "\t", text, sizeof(text)));
        assert_int_equal(tabs->n, 9);
        for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
            with_separator(tmpl, seps[s], text, sizeof(text));
            assert_int_equal(verdict(text), reads[i].v);
            sb_history *h = parse(text);
            assert_int_equal(h->n, tabs->n);
            for (size_t k = 0; k < h->n; k++) { /* the very same ops */
                const sb_op *a = &h->ops[k], *b = &tabs->ops[k];
                assert_int_equal(a->process, b->process);
                assert_int_equal(a->type, b->type);
                assert_string_equal(a->f, b->f);
                assert_true(json_equal(a->value, b->value) || (!a->value && !b->value));
                assert_string_equal(a->error ? a->error : "-", b->error ? b->error : "-");
                assert_int_equal(a->time_ns, b->time_ns);
            }
            history_free(h);
        }
        history_free(tabs);
    }
}

/* ====== Whole histories, comments, :time absent (Knossos's files) ======
 * Knossos's data/cas-register files hold one vector or list of op maps over
 * many lines, with ; comments and without :time. The histories below are
 * written by hand in those shapes (the files themselves are checked, with
 * Knossos's verdicts, by tests/integration/test_knossos_data.sh). */

/* The checker's verdict on text, as `check --format jepsen` gives it. */
static sb_verdict checker_verdict(const char *text)
{
    sb_history *h = parse(text);
    sb_check_result r;
    memset(&r, 0, sizeof(r));
    char err[SB_ERR_LEN];
    if (checker_find("linearizable")->check(h, &r, err) == -1)
        fail_msg("check: %s", err);
    sb_verdict v = r.verdict;
    check_result_free(&r);
    history_free(h);
    return v;
}

static void whole_history_vector_over_many_lines(void **state)
{
    (void)state;
    const char *text = "; A register history in one vector, as Knossos writes them\n"
                       "[{:process 4, :type :invoke, :f :write, :value 2}\n"
                       " {:process 4, :type :ok, :f :write, :value 2}\n"
                       " ; the value is 2 now\n"
                       " {:process 6, :type :invoke, :f :read, :value nil}\n"
                       "\n"
                       " {:process 6  :type :ok, :f :read, :value 2}]\n";
    sb_history *h = parse(text);
    assert_int_equal(h->n, 4);
    assert_int_equal(h->ops[0].process, 4);
    assert_string_equal(h->ops[0].f, "write");
    assert_value(&h->ops[0], "2");
    assert_int_equal(h->ops[3].process, 6);
    assert_int_equal(h->ops[3].type, SB_OP_OK);
    assert_value(&h->ops[3], "2");
    /* No :time: the line each op map opens on stands for it. */
    static const int64_t lines[] = {2, 3, 5, 7};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(h->ops[i].index, (int64_t)i);
        assert_int_equal(h->ops[i].time_ns, lines[i]);
    }
    history_free(h);
    assert_int_equal(verdict(text), SB_LINEAR_OK);
}

/* Knossos's rethink-fail-minimal shape: a list, keys in another order, a
 * read concurrent with a write returns a value nobody wrote. */
static const char *concurrent_read_list =
    "({:type :invoke, :f :write, :value 1, :process 0}\n"
    " {:type :ok, :f :write, :value 1, :process 0}\n"
    " ; 1 is written; then a read and a write of 5 run concurrently\n"
    " {:type :invoke, :f :read, :value nil, :process 1}\n"
    " {:type :invoke, :f :write, :value 5, :process 2}\n"
    " ; the read may return 1 or 5, nothing else\n"
    " {:type :ok, :f :read, :value %s, :process 1}\n"
    " {:type :ok, :f :write, :value 5, :process 2}\n"
    " {:type :invoke, :f :read, :value nil, :process 3}\n"
    " {:type :ok, :f :read, :value 5, :process 3}\n"
    ")\n";

static void whole_history_list_gets_knossos_verdicts(void **state)
{
    (void)state;
    static const struct {
        const char *read;
        sb_linear_verdict v;
    } cases[] = {{"1", SB_LINEAR_OK}, {"5", SB_LINEAR_OK}, {"3", SB_LINEAR_VIOLATION}};
    char buf[1024];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(buf, sizeof(buf), concurrent_read_list, cases[i].read);
        sb_history *h = parse(buf);
        assert_int_equal(h->n, 8);
        assert_int_equal(h->ops[4].process, 1);
        assert_int_equal(h->ops[4].time_ns, 7);
        history_free(h);
        assert_int_equal(verdict(buf), cases[i].v);
    }
}

/* Knossos's immediate-failure shape: a read returns the value of a write
 * that failed (with an :error vector), so it cannot be linearized. */
static void read_of_a_failed_write_in_a_vector_is_invalid(void **state)
{
    (void)state;
    const char *text =
        "[{:type :invoke, :process 1, :f :read, :value nil}\n"
        "{:type :invoke, :process 101, :f :write, :value 3}\n"
        "{:type :fail, :process 101, :f :write, :value 3, :error [:unavailable nil]}\n"
        "{:type :ok, :process 1, :f :read, :value 3}]\n";
    sb_history *h = parse(text);
    assert_int_equal(h->n, 4);
    assert_string_equal(h->ops[2].error, "[:unavailable nil]");
    history_free(h);
    assert_int_equal(verdict(text), SB_LINEAR_VIOLATION);
    assert_int_equal(checker_verdict(text), SB_VERDICT_INVALID);
}

/* Knossos's mongodb-v0-ack-rollback-11 shape: every operation failed. */
static void history_of_failed_operations_is_valid_not_unknown(void **state)
{
    (void)state;
    const char *text = "[{:process 12, :type :invoke, :f :read, :value nil}\n"
                       " {:process 12, :type :fail, :f :read, :value nil}\n"
                       " {:process 19, :type :invoke, :f :write, :value 1}\n"
                       " {:process 14, :type :invoke, :f :cas, :value [4 2]}\n"
                       " {:process 14, :type :fail, :f :cas, :value [4 2]}\n"
                       " {:process 19, :type :fail, :f :write, :value 1}]\n";
    assert_int_equal(verdict(text), SB_LINEAR_OK);
    assert_int_equal(checker_verdict(text), SB_VERDICT_VALID);
    /* And one of nemesis operations only (mongodb-v0-ack-rollback-). */
    assert_int_equal(checker_verdict("[{:process :nemesis, :type :info, :f :isolate, :value nil}\n"
                                     " {:process :nemesis, :type :info, :f :kill, :value nil}]\n"),
                     SB_VERDICT_VALID);
}

static void whole_history_on_one_line_with_discards_and_some_times(void **state)
{
    (void)state;
    sb_history *h = parse("[{:process 0 :type :invoke :f :write :value 1 :time 10} "
                          "#_{:process 9 :type :ok :f :read :value 3} "
                          "#_ #_ :two :discarded "
                          "{:process 0 :type :ok :f :write :value 1}]");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[0].time_ns, 10);
    assert_int_equal(h->ops[1].time_ns, 1); /* no :time: its line */
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    history_free(h);
    /* A byte order mark, blanks and a comment around the vector. */
    h = parse("\xEF\xBB\xBF  \n[{:process 0 :type :invoke :f :read}]  ; done\n\n");
    assert_int_equal(h->n, 1);
    assert_int_equal(h->ops[0].time_ns, 2);
    history_free(h);
}

static void comments_and_blank_lines_between_op_maps(void **state)
{
    (void)state;
    sb_history *h = parse("; history.edn, annotated by hand (read by jepsen.util? no: EDN)\n"
                          "{:process 0, :type :invoke, :f :read, :value nil} ; the first read\n"
                          "\n"
                          "   \n"
                          "{:process 0, :type :ok, :f :read, :value nil}\n"
                          "#_{:process 1, :type :invoke, :f :write, :value 1}\n"
                          "{:process 0,\n"
                          " :type :invoke, ; a map may span lines\n"
                          " :f :write, :value 3}\n");
    assert_int_equal(h->n, 3);
    assert_int_equal(h->ops[0].time_ns, 2);
    assert_int_equal(h->ops[1].time_ns, 5);
    assert_int_equal(h->ops[2].time_ns, 7);
    assert_string_equal(h->ops[2].f, "write");
    assert_value(&h->ops[2], "3");
    history_free(h);
}

/* Naming the jepsen.util logger in a comment or a string does not make an
 * EDN file a log; a log pattern that opens with '[' is still a log. */
static void edn_that_names_the_logger_stays_edn(void **state)
{
    (void)state;
    sb_history *h = parse("; converted from jepsen.util log lines\n"
                          "[{:process 0, :type :invoke, :f :read, :value nil}\n"
                          " {:process 0, :type :fail, :f :read,\n"
                          "  :error \"jepsen.util - 3 :ok :read 1\"}]\n");
    assert_int_equal(h->n, 2);
    assert_string_equal(h->ops[1].error, "jepsen.util - 3 :ok :read 1");
    history_free(h);
    h = parse("[INFO] jepsen.util - 3\t:invoke\t:read\tnil\n"
              "[INFO] jepsen.core - a message\n"
              "[INFO] jepsen.util - 3\t:ok\t:read\t1\n");
    assert_int_equal(h->n, 2);
    assert_int_equal(h->ops[1].type, SB_OP_OK);
    assert_int_equal(h->ops[1].time_ns, 3);
    history_free(h);
}

static void whole_history_errors_name_line_and_column(void **state)
{
    (void)state;
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"[{:process 0, :type :invoke, :f :read, :value nil}\n"
         " {:process 0, :type :ok, :f :read, :value nil}\n",
         "t.edn:1:1: unterminated vector of ops: the file ends before its ']'"},
        {"(\n {:process 0, :type :invoke, :f :read}\n :oops\n)",
         "t.edn:3:2: expected an op map {:process ..., :type ..., :f ..., :value ...}; got a "
         "keyword"},
        {"[{:process 0, :type :invoke, :f :read}\n {:process 0, :type :ok, :f :read}]\n"
         "{:process 0, :type :invoke, :f :read}\n",
         "t.edn:3:1: unexpected text after the vector of ops that closed at 2:35"},
        {"({:process 0, :type :invoke, :f :read}\n {:process 0, :type :ok, :f :read}]",
         "t.edn:2:35: ']' cannot close the list of ops opened at 1:1"},
        {"[{:process 0,\n  :type :done, :f :read}]", "t.edn:2:9: :type must be :invoke"},
        {"[{:process 0,\n  :type :ok, :f :read, :time 1.5}]",
         "t.edn:2:30: :time must be an integer"},
        {"; no type\n[{:process 0, :f :read}]", "t.edn:2:2: the op has no :type"},
        {"[{:process 0, :type :ok, :f :read, :value \"abc}\n]", "t.edn:1:43: unterminated string"},
        {"[{:process 0, :type :ok, :f :read, :value [1 2}]",
         "t.edn:1:47: '}' cannot close the vector opened at 1:43"},
        {"[{:process 0, :type :ok, :f :read, :value [1 2]\n\n", "t.edn:1:2: unterminated map"},
        {"{:process 0, :type :ok, :f :read}\n[{:process 0, :type :ok, :f :read}]",
         "t.edn:2:1: expected an op map"},
        {"#{:process 0}",
         "t.edn:1:1: expected an op map {:process ..., :type ..., :f ..., :value ...} "
         "or one vector or list of them; got a set"},
        {"[{:process 0, :type :ok, :f :read, :value \"\xff\"}]", "t.edn:1:44: not UTF-8"},
        {"[{:process 0, :type :ok, :f :read}\n #_]", "t.edn:2:4: unexpected ']'"},
        /* A form shown in a message stays on the error's one line. */
        {"[{:process 0, :type [:ok\n :done], :f :read}]",
         "t.edn:1:21: :type must be :invoke, :ok, :fail or :info; got [:ok  :done]"},
        {"[{:process 0, :type :ok, :f [\"a\nname that goes on and on and on and on and on and on "
         "and on\"]}]",
         "t.edn:1:29: :f must be a keyword; got vector [\"a name that goes on and on and on and on "
         "and on and on and..."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *e = parse_error(cases[i].text);
        if (strncmp(e, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("error \"%s\", expected it to start with \"%s\"", e, cases[i].error);
        assert_null(strchr(e, '\n'));
    }
    assert_contains(parse_error("[]"), "t.edn: no operations");
    assert_contains(parse_error("; nothing\n( ) ; at all\n"), "t.edn: no operations");
}

/* ====== The files shipped for users to try ====== */

static void shipped_data_files(void **state)
{
    (void)state;
    const char *src = getenv("SB_SOURCE_DIR");
    if (!src)
        src = ".";
    static const struct {
        const char *file;
        size_t ops;
        sb_linear_verdict v;
    } cases[] = {{"valid-register.edn", 24, SB_LINEAR_OK},
                 {"stale-read.log", 14, SB_LINEAR_VIOLATION},
                 {"whole-history.edn", 16, SB_LINEAR_OK}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[4200], err[SB_ERR_LEN];
        snprintf(path, sizeof(path), "%s/tests/data/jepsen/%s", src, cases[i].file);
        sb_history *h = jepsen_history_load(path, err);
        if (!h)
            fail_msg("%s", err);
        assert_int_equal(h->n, cases[i].ops);
        sb_linear_result r;
        assert_int_equal(linear_check(h, NULL, &r, err), 0);
        assert_int_equal(r.verdict, cases[i].v);
        linear_result_free(&r);
        history_free(h);
    }
    char err[SB_ERR_LEN];
    assert_null(jepsen_history_load("/nonexistent/history.edn", err));
    assert_contains(err, "/nonexistent/history.edn");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edn_op_maps_are_read),
        cmocka_unit_test(keys_in_any_order_commas_optional),
        cmocka_unit_test(nil_and_missing_time),
        cmocka_unit_test(numbers),
        cmocka_unit_test(strings_with_escapes),
        cmocka_unit_test(nested_values),
        cmocka_unit_test(nemesis_ops_are_kept_as_nemesis),
        cmocka_unit_test(independent_tuples),
        cmocka_unit_test(long_f_is_capped),
        cmocka_unit_test(log_lines_are_read),
        cmocka_unit_test(timestamped_log_lines_and_other_messages),
        cmocka_unit_test(space_separated_log_lines_are_read),
        cmocka_unit_test(tabs_and_spaces_mix_on_one_line),
        cmocka_unit_test(tab_lines_keep_their_field_boundaries),
        cmocka_unit_test(ordinary_messages_between_space_separated_ops_are_skipped),
        cmocka_unit_test(space_separated_errors_name_the_line),
        cmocka_unit_test(errors_name_the_line),
        cmocka_unit_test(valid_history),
        cmocka_unit_test(stale_read_after_a_completed_write),
        cmocka_unit_test(concurrent_writes_read_in_either_order),
        cmocka_unit_test(cas_that_needs_an_info_write),
        cmocka_unit_test(the_same_with_a_failed_write_is_invalid),
        cmocka_unit_test(space_separated_history_gets_the_verdict_of_its_tab_twin),
        cmocka_unit_test(whole_history_vector_over_many_lines),
        cmocka_unit_test(whole_history_list_gets_knossos_verdicts),
        cmocka_unit_test(read_of_a_failed_write_in_a_vector_is_invalid),
        cmocka_unit_test(history_of_failed_operations_is_valid_not_unknown),
        cmocka_unit_test(whole_history_on_one_line_with_discards_and_some_times),
        cmocka_unit_test(comments_and_blank_lines_between_op_maps),
        cmocka_unit_test(edn_that_names_the_logger_stays_edn),
        cmocka_unit_test(whole_history_errors_name_line_and_column),
        cmocka_unit_test(shipped_data_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
