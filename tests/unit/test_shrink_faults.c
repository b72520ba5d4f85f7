/* test_shrink_faults.c -- shrink reads the faults of a run from its
 * history as they were applied (start at the invoke, resolved hosts; the
 * undo, the resume or the heal that ended each; skipped faults and the
 * final heal left out), and writes schedules of them back as scenarios
 * that the parser accepts, with the hosts, durations and sizes the search
 * chose; a kind it cannot write is refused by name. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "history.h"
#include "scenario.h"
#include "shrink_faults.h"
#include "util.h"

#define S SB_NS_PER_S
#define MS SB_NS_PER_MS

static const char *scenario_text =
    "{\"name\": \"t\", \"seed\": 4, \"duration\": \"9s\", \"hosts\": [\"n1\", \"n2\", \"n3\"],"
    " \"deployment\": {\"kind\": \"sentinel\","
    "   \"redis\": {\"hosts\": [\"n1\", \"n2\", \"n3\"], \"master\": \"n1\"},"
    "   \"sentinels\": {\"hosts\": [\"n1\", \"n2\", \"n3\"], \"quorum\": 2}},"
    " \"clients\": [{\"host\": \"n1\", \"workers\": 1}],"
    " \"workload\": {\"kind\": \"set\", \"rate\": 10},"
    " \"nemesis\": [], \"checkers\": [\"set\"], \"expect\": {\"set\": {\"valid\": true}}}";

#define OP(t, type, f, v)                                                                          \
    "{\"index\":0,\"process\":\"nemesis\",\"time\":" #t ",\"type\":\"" type "\",\"f\":\"" f        \
    "\",\"value\":" v "}\n"

static const char *history_text =
    /* a partition drawn as halves: {n1} | {n2,n3}, undone at 3 s */
    OP(1000000000, "invoke", "partition", "{\"id\":0}")
        OP(1010000000, "ok", "partition",
           "{\"id\":0,\"shape\":\"halves\",\"grudge\":{\"n1\":[\"n2\",\"n3\"],\"n2\":[\"n1\"],"
           "\"n3\":[\"n1\"]}}")
    /* a pause of two replicas, ended by a resume written in the file */
    OP(2000000000, "invoke", "pause", "{\"id\":1}")
        OP(2001000000, "ok", "pause",
           "{\"id\":1,\"targets\":[{\"host\":\"n2\",\"process\":\"redis\"},"
           "{\"host\":\"n3\",\"process\":\"redis\"}]}")
    /* a clock bump of both processes of n1, never undone in the run */
    OP(2500000000, "invoke", "clock", "{\"id\":2}")
        OP(2502000000, "ok", "clock",
           "{\"id\":2,\"op\":\"bump\",\"delta_ms\":-1500.000,\"targets\":[{\"host\":\"n1\","
           "\"process\":\"redis\"},{\"host\":\"n1\",\"process\":\"sentinel\"}]}")
            OP(3000000000, "invoke", "undo", "{\"id\":3}")
                OP(3001000000, "ok", "undo", "{\"id\":3,\"of\":0,\"undoes\":\"partition\"}")
                    OP(3500000000, "invoke", "resume", "{\"id\":4}")
                        OP(3501000000, "ok", "resume",
                           "{\"id\":4,\"targets\":[{\"host\":\"n2\",\"process\":\"redis\"}]}")
    /* skipped: not a fault of the run */
    OP(4000000000, "invoke", "pause", "{\"id\":5}")
        OP(4000100000, "fail", "pause", "{\"id\":5,\"skipped\":true}")
    /* loss on n2, ended by a heal written in the file */
    OP(4500000000, "invoke", "loss", "{\"id\":6}")
        OP(4501000000, "ok", "loss", "{\"id\":6,\"probability\":0.3,\"hosts\":[\"n2\"]}")
            OP(5500000000, "invoke", "heal", "{\"id\":7}")
                OP(5501000000, "ok", "heal", "{\"id\":7}")
    /* the controller's final heal */
    OP(9000000000, "invoke", "clock", "{\"id\":-1}")
        OP(9001000000, "ok", "clock", "{\"id\":-1,\"op\":\"reset\"}");

typedef struct fixture {
    sb_scenario *s;
    sb_history *h;
    shrink_faults f;
    shrink_sched sched;
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof(*x));
    char err[SB_ERR_LEN];
    x->s = scenario_parse("t.json", scenario_text, err);
    assert_non_null(x->s);
    x->h = history_parse("h.jsonl", history_text, strlen(history_text), err);
    assert_non_null(x->h);
    x->f.s = x->s;
    x->f.root = json_loads(scenario_text, 0, NULL);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    shrink_faults_free(&x->f);
    json_decref(x->f.root);
    shrink_sched_free(&x->sched);
    history_free(x->h);
    scenario_free(x->s);
    free(x);
    return 0;
}

static void faults_come_from_the_history_as_applied(void **state)
{
    fixture *x = *state;
    assert_int_equal(shrink_faults_load(&x->f, x->h, &x->sched), 0);
    assert_int_equal(x->sched.n, 4);
    assert_true(x->sched.duration_ns == 9 * S);
    assert_true(x->sched.rate == 10);
    const shrink_unit *u = x->sched.units;
    /* the partition: from its invoke to its undo's; the side cut off */
    assert_string_equal(x->f.units[0].kind, "partition");
    assert_true(u[0].at_ns == 1 * S && u[0].for_ns == 2 * S);
    assert_int_equal(u[0].hosts, 0x1);
    /* the pause: ended by the resume; both replicas */
    assert_true(u[1].at_ns == 2 * S && u[1].for_ns == 1500 * MS);
    assert_int_equal(u[1].hosts, 0x6);
    /* the clock: to the end of the run; its skew is the size */
    assert_true(u[2].for_ns == 0);
    assert_int_equal(u[2].hosts, 0x1);
    assert_true(u[2].size == 1500000);
    /* the loss: ended by the heal; its probability is the size */
    assert_true(u[3].at_ns == 4500 * MS && u[3].for_ns == 1 * S);
    assert_true(u[3].size == 300000);
}

static json_t *entry(json_t *root, size_t i)
{
    return json_array_get(json_object_get(root, "nemesis"), i);
}

static const char *str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "(none)";
}

static void schedules_become_scenarios_the_parser_accepts(void **state)
{
    fixture *x = *state;
    assert_int_equal(shrink_faults_load(&x->f, x->h, &x->sched), 0);
    /* what the search might have made of it: the pause on n3 alone, the
     * skew and the loss halved, the run cut to 7 s */
    x->sched.units[1].hosts = 0x4;
    x->sched.units[2].size /= 2;
    x->sched.units[3].size /= 2;
    x->sched.duration_ns = 7 * S;
    x->sched.rate = 5;
    json_t *root = shrink_faults_scenario(&x->f, &x->sched, "t-shrunk", "from a test");
    char *text = json_dumps(root, JSON_INDENT(2));
    char err[SB_ERR_LEN];
    sb_scenario *back = scenario_parse("t-shrunk.json", text, err);
    if (!back)
        fail_msg("%s\n%s", err, text);
    assert_string_equal(back->name, "t-shrunk");
    assert_true(back->duration_ns == 7 * S);
    assert_int_equal(back->n_fixed, 4);
    assert_true(back->workload.rate == 5);
    json_t *p = entry(root, 0), *pause = entry(root, 1), *clock = entry(root, 2),
           *loss = entry(root, 3);
    char *groups = json_dumps(json_object_get(p, "groups"), JSON_COMPACT);
    assert_string_equal(groups, "[[\"n1\"],[\"n2\",\"n3\"]]");
    free(groups);
    assert_string_equal(str(p, "at"), "1000ms");
    assert_string_equal(str(p, "for"), "2000ms");
    char *target = json_dumps(json_object_get(pause, "target"), JSON_COMPACT);
    assert_string_equal(target, "[\"n3\"]");
    free(target);
    assert_string_equal(str(pause, "process"), "redis");
    assert_string_equal(str(clock, "delta"), "-750000us");
    assert_string_equal(str(clock, "process"), "both");
    assert_null(json_object_get(clock, "for"));
    assert_true(json_real_value(json_object_get(loss, "probability")) == 0.15);
    assert_string_equal(str(loss, "for"), "1000ms");
    char words[256];
    shrink_faults_words(&x->f, &x->sched, words, sizeof(words));
    assert_string_equal(words, "1 partition + 1 loss + 1 pause + 1 clock + 2 heal + 1 resume");
    scenario_free(back);
    free(text);
    json_decref(root);
}

static void a_kind_it_cannot_write_is_named(void **state)
{
    fixture *x = *state;
    static const char *text = OP(1000000000, "invoke", "migrate-slots", "{\"id\":0}")
        OP(1100000000, "ok", "migrate-slots", "{\"id\":0,\"from\":\"n1\",\"to\":\"n2\"}");
    char err[SB_ERR_LEN];
    sb_history *h = history_parse("m.jsonl", text, strlen(text), err);
    assert_non_null(h);
    assert_int_equal(shrink_faults_load(&x->f, h, &x->sched), -1);
    assert_non_null(strstr(x->f.err, "migrate-slots"));
    history_free(h);
}

/* Disk faults: a power loss ended by a restart of both processes, a torn
 * write never restarted, a disk full undone, a corrupt of the RDB: written
 * back as given (torn, after, file, truncate), on their hosts, the power
 * loss's end as a restart fault (power-loss takes no "for"). */
static void disk_faults_are_written_as_given(void **state)
{
    fixture *x = *state;
    static const char *text = OP(1000000000, "invoke", "power-loss", "{\"id\":0}")
        OP(1001000000, "ok", "power-loss",
           "{\"id\":0,\"targets\":[{\"host\":\"n1\",\"process\":\"redis\"},"
           "{\"host\":\"n1\",\"process\":\"sentinel\"}],\"torn\":12,\"losses\":[]}")
            OP(2000000000, "invoke", "restart", "{\"id\":1}")
                OP(2001000000, "ok", "restart",
                   "{\"id\":1,\"targets\":[{\"host\":\"n1\",\"process\":\"redis\"},"
                   "{\"host\":\"n1\",\"process\":\"sentinel\"}]}")
                    OP(3000000000, "invoke", "disk-full", "{\"id\":2}")
                        OP(3001000000, "ok", "disk-full",
                           "{\"id\":2,\"targets\":[{\"host\":\"n2\",\"process\":"
                           "\"redis\"}],\"folders\":[],\"after_bytes\":4096}")
                            OP(4000000000, "invoke", "undo", "{\"id\":3}")
                                OP(4001000000, "ok", "undo", "{\"id\":3,\"of\":2}")
                                    OP(5000000000, "invoke", "torn-write", "{\"id\":4}")
                                        OP(5001000000, "ok", "torn-write",
                                           "{\"id\":4,\"targets\":[{\"host\":\"n3\","
                                           "\"process\":\"redis\"}],\"torn\":\"random\"}")
                                            OP(6000000000, "invoke", "corrupt", "{\"id\":5}")
                                                OP(6001000000, "ok", "corrupt",
                                                   "{\"id\":5,\"targets\":[{\"host\":"
                                                   "\"n3\",\"process\":\"redis\"}],"
                                                   "\"file\":\"rdb\",\"truncate\":10}");
    char err[SB_ERR_LEN];
    sb_history *h = history_parse("d.jsonl", text, strlen(text), err);
    assert_non_null(h);
    assert_int_equal(shrink_faults_load(&x->f, h, &x->sched), 0);
    history_free(h);
    assert_int_equal(x->sched.n, 4);
    assert_true(x->sched.units[0].for_ns == 1 * S);
    assert_true(x->sched.units[1].for_ns == 1 * S);
    assert_true(x->sched.units[2].for_ns == 0);
    json_t *root = shrink_faults_scenario(&x->f, &x->sched, "d-shrunk", "from a test");
    char *dump = json_dumps(root, JSON_INDENT(2));
    sb_scenario *back = scenario_parse("d-shrunk.json", dump, err);
    if (!back)
        fail_msg("%s\n%s", err, dump);
    assert_int_equal(back->n_fixed, 6); /* the restarts are faults of their own */
    json_t *pl = entry(root, 0), *rs = entry(root, 1), *rs2 = entry(root, 2),
           *full = entry(root, 3), *torn = entry(root, 4), *cor = entry(root, 5);
    assert_string_equal(str(pl, "fault"), "power-loss");
    assert_int_equal(json_integer_value(json_object_get(pl, "torn")), 12);
    assert_null(json_object_get(pl, "for"));
    assert_null(json_object_get(pl, "process"));
    assert_string_equal(str(rs, "fault"), "restart");
    assert_string_equal(str(rs, "at"), "2000ms");
    assert_string_equal(str(rs, "process"), "redis");
    assert_string_equal(str(rs2, "fault"), "restart");
    assert_string_equal(str(rs2, "process"), "sentinel");
    assert_string_equal(str(full, "for"), "1000ms");
    assert_int_equal(json_integer_value(json_object_get(full, "after")), 4096);
    char *target = json_dumps(json_object_get(full, "target"), JSON_COMPACT);
    assert_string_equal(target, "[\"n2\"]");
    free(target);
    assert_string_equal(str(torn, "torn"), "random");
    assert_string_equal(str(cor, "file"), "rdb");
    assert_int_equal(json_integer_value(json_object_get(cor, "truncate")), 10);
    char words[256];
    shrink_faults_words(&x->f, &x->sched, words, sizeof(words));
    assert_string_equal(
        words, "1 power-loss + 1 torn-write + 1 disk-full + 1 corrupt + 1 restart + 1 undo");
    scenario_free(back);
    free(dump);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(faults_come_from_the_history_as_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(schedules_become_scenarios_the_parser_accepts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_kind_it_cannot_write_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(disk_faults_are_written_as_given, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
