/* test_scenario.c -- scenario files become typed structs, and every kind of
 * mistake is reported once, at the right line and column, with what is
 * allowed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "scenario.h"
#include "util.h"

/* A valid scenario; tests break it one way at a time with a replacement. */
static const char *base =
    "{\n"                                                                        /* 1 */
    "  \"name\": \"t\",\n"                                                       /* 2 */
    "  \"seed\": 7,\n"                                                           /* 3 */
    "  \"duration\": \"10s\",\n"                                                 /* 4 */
    "  \"hosts\": [\"n1\", \"n2\", \"n3\"],\n"                                   /* 5 */
    "  \"deployment\": {\n"                                                      /* 6 */
    "    \"redis\": {\"hosts\": [\"n1\", \"n2\", \"n3\"], \"master\": \"n2\",\n" /* 7 */
    "              \"config\": {\"appendonly\": true, \"save\": [\"900 1\", \"\"], "
    "\"maxmemory\": 1000}},\n"                                             /* 8 */
    "    \"sentinels\": {\"hosts\": [\"n1\", \"n3\"], \"quorum\": 2,\n"    /* 9 */
    "                  \"config\": {\"down-after-milliseconds\": 1000}}\n" /* 10 */
    "  },\n"                                                               /* 11 */
    "  \"clients\": [{\"host\": \"n1\", \"workers\": 3, \"sentinels\": [\"n1\"], "
    "\"timeout\": \"250ms\"},\n"                               /* 12 */
    "              {\"host\": \"n3\"}],\n"                     /* 13 */
    "  \"workload\": {\"kind\": \"set\", \"rate\": 100},\n"    /* 14 */
    "  \"nemesis\": [{\"at\": \"6s\", \"fault\": \"heal\"},\n" /* 15 */
    "              {\"at\": \"2s\", \"fault\": \"partition\", \"groups\": [[\"n1\"], "
    "[\"n2\"]]},\n" /* 16 */
    "              {\"at\": \"3s\", \"fault\": \"kill\", \"host\": \"n3\", \"process\": "
    "\"sentinel\"}],\n"                                                           /* 17 */
    "  \"checkers\": [\"set\", \"convergence\"],\n"                               /* 18 */
    "  \"expect\": {\"set\": {\"valid\": false, \"lost_count\": {\"min\": 1}}}\n" /* 19 */
    "}\n";

/* base with the first occurrence of from replaced by to. */
static char *variant(const char *from, const char *to)
{
    const char *p = strstr(base, from);
    assert_non_null(p);
    char *out = malloc(strlen(base) + strlen(to) + 1);
    sprintf(out, "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
    return out;
}

/* Parses base-with-replacement, expects an error at line:col whose text
 * contains phrase. */
static void expect_error(const char *from, const char *to, int line, int col, const char *phrase)
{
    char *text = variant(from, to);
    char err[SB_ERR_LEN] = "";
    sb_scenario *s = scenario_parse("x.json", text, err);
    if (s) {
        scenario_free(s);
        fail_msg("accepted: %s -> %s", from, to);
    }
    char where[64];
    snprintf(where, sizeof(where), "x.json:%d:%d: ", line, col);
    if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, phrase))
        fail_msg("expected %s...%s..., got: %s", where, phrase, err);
    assert_null(strchr(err, '\n'));
    free(text);
}

/* The fault of kind k in s (the first). */
static const sb_fault *fault_of(const sb_scenario *s, sb_fault_kind k)
{
    for (size_t i = 0; i < s->n_fixed; i++)
        if (s->fixed[i].kind == k)
            return &s->fixed[i];
    fail_msg("no fault of kind %d", (int)k);
    return NULL;
}

static void power_loss_faults_parse_and_check(void **state)
{
    (void)state;
    static const char *const heal = "{\"at\": \"6s\", \"fault\": \"heal\"}";
    char err[SB_ERR_LEN];
    char *text = variant(heal, "{\"at\": \"6s\", \"fault\": \"power-loss\", \"host\": \"n2\", "
                               "\"torn\": 5}");
    sb_scenario *s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    const sb_fault *f = fault_of(s, SB_FAULT_POWER_LOSS);
    assert_int_equal(f->target.kind, SB_TARGET_HOSTS);
    assert_int_equal(f->target.hosts.idx[0], 1);
    assert_int_equal(f->process, SB_PROC_REDIS);
    assert_int_equal(f->torn, 1);
    assert_int_equal(f->torn_bytes, 5);
    scenario_free(s);
    free(text);
    text = variant(heal, "{\"at\": \"6s\", \"fault\": \"power-loss\", \"target\": "
                         "\"master\", \"torn\": \"random\"}");
    s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    f = fault_of(s, SB_FAULT_POWER_LOSS);
    assert_int_equal(f->target.kind, SB_TARGET_MASTER);
    assert_int_equal(f->torn_bytes, -1);
    scenario_free(s);
    free(text);
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"power-loss\", \"host\": \"n2\", "
                 "\"torn\": -1}",
                 15, 73, "torn must be a number of bytes or \"random\"");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"power-loss\", \"host\": \"n2\", "
                 "\"process\": \"sentinel\"}",
                 15, 65, "unknown key \"process\"");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"power-loss\", \"host\": \"n2\", "
                 "\"for\": \"1s\"}",
                 15, 65, "\"for\" needs a fault that stays in force");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"power-loss\"}", 15, 15, "missing \"target\"");
}

static void disk_faults_parse_and_check(void **state)
{
    (void)state;
    static const char *const heal = "{\"at\": \"6s\", \"fault\": \"heal\"}";
    char err[SB_ERR_LEN];
    /* torn-write: power-loss with a seeded torn length by default */
    char *text = variant(heal, "{\"at\": \"6s\", \"fault\": \"torn-write\", \"host\": \"n2\"}");
    sb_scenario *s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    const sb_fault *f = fault_of(s, SB_FAULT_TORN_WRITE);
    assert_int_equal(f->torn, 1);
    assert_int_equal(f->torn_bytes, -1);
    scenario_free(s);
    free(text);
    /* disk-full: "after" bytes, and "for" (it stays in force) */
    text = variant(heal, "{\"at\": \"6s\", \"fault\": \"disk-full\", \"target\": "
                         "\"master\", \"after\": 4096, \"for\": \"1s\"}");
    s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    f = fault_of(s, SB_FAULT_DISK_FULL);
    assert_int_equal(f->full_after, 4096);
    assert_int_equal(f->for_ns, 1000000000LL);
    scenario_free(s);
    free(text);
    /* corrupt: the file, and flip or truncate */
    text = variant(heal, "{\"at\": \"6s\", \"fault\": \"corrupt\", \"host\": \"n2\", "
                         "\"file\": \"rdb\", \"truncate\": 10}");
    s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    f = fault_of(s, SB_FAULT_CORRUPT);
    assert_int_equal(f->corrupt_rdb, 1);
    assert_int_equal(f->corrupt_flip, 0);
    assert_int_equal(f->corrupt_truncate, 10);
    scenario_free(s);
    free(text);
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"corrupt\", \"host\": \"n2\", "
                 "\"file\": \"log\", \"flip\": 1}",
                 15, 70, "unknown file \"log\"; allowed: aof");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"corrupt\", \"host\": \"n2\", "
                 "\"file\": \"aof\", \"flip\": 1, \"truncate\": 5}",
                 15, 15, "\"flip\" or \"truncate\", not both");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"corrupt\", \"host\": \"n2\", "
                 "\"file\": \"aof\"}",
                 15, 15, "corrupt needs \"flip\"");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"corrupt\", \"host\": \"n2\", "
                 "\"file\": \"aof\", \"flip\": 1, \"for\": \"1s\"}",
                 15, 88, "\"for\" needs a fault that stays in force");
}

static void valid_scenario_becomes_structs(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_scenario *s = scenario_parse("x.json", base, err);
    if (!s)
        fail_msg("%s", err);
    assert_string_equal(s->name, "t");
    assert_int_equal(s->seed, 7);
    assert_int_equal(s->duration_ns, 10 * SB_NS_PER_S);
    assert_int_equal(s->n_hosts, 3);
    const sb_deployment *d = &s->deployment;
    assert_int_equal(d->master, 1);
    assert_int_equal(d->redis.n, 3);
    assert_int_equal(d->sentinels.n, 2);
    assert_int_equal(d->sentinels.idx[1], 2);
    assert_int_equal(d->quorum, 2);
    assert_string_equal(d->master_name, "mymaster");
    assert_int_equal(d->redis_port, 6379);
    assert_int_equal(d->sentinel_port, 26379);
    assert_int_equal(d->ready_timeout_ns, 30 * SB_NS_PER_S);
    /* directives in file order, booleans as yes/no, arrays expanded */
    assert_int_equal(d->redis_config.n, 4);
    assert_string_equal(d->redis_config.items[0].name, "appendonly");
    assert_string_equal(d->redis_config.items[0].value, "yes");
    assert_string_equal(d->redis_config.items[1].value, "900 1");
    assert_string_equal(d->redis_config.items[2].name, "save");
    assert_string_equal(d->redis_config.items[2].value, "");
    assert_string_equal(d->redis_config.items[3].value, "1000");
    assert_string_equal(d->sentinel_config.items[0].value, "1000");
    /* clients: explicit and default sentinels and timeouts */
    assert_int_equal(s->n_clients, 2);
    assert_int_equal(s->clients[0].workers, 3);
    assert_int_equal(s->clients[0].sentinels.n, 1);
    assert_int_equal(s->clients[0].timeout_ns, 250 * SB_NS_PER_MS);
    assert_int_equal(s->clients[0].connect_timeout_ns, 250 * SB_NS_PER_MS);
    assert_int_equal(s->clients[1].workers, 1);
    assert_int_equal(s->clients[1].sentinels.n, 2);
    assert_int_equal(s->clients[1].timeout_ns, SB_NS_PER_S);
    assert_string_equal(s->workload.key, "splitbrain:set");
    assert_true(s->workload.rate == 100.0);
    /* faults sorted by time */
    assert_int_equal(s->n_faults, 3);
    assert_int_equal(s->faults[0].kind, SB_FAULT_PARTITION);
    assert_int_equal(s->faults[0].n_groups, 2);
    assert_int_equal(s->faults[0].line, 16);
    assert_int_equal(s->faults[1].kind, SB_FAULT_KILL);
    assert_int_equal(s->faults[1].process, SB_PROC_SENTINEL);
    assert_int_equal(s->faults[1].target.kind, SB_TARGET_HOSTS);
    assert_int_equal(s->faults[1].target.hosts.idx[0], 2);
    assert_int_equal(s->faults[2].kind, SB_FAULT_HEAL);
    /* one expect per checker, defaults filled in */
    assert_int_equal(s->n_expects, 2);
    const sb_expect *e = scenario_expect(s, "set");
    assert_int_equal(e->valid, SB_VALID_FALSE);
    assert_int_equal(e->n_bounds, 1);
    assert_true(e->bounds[0].has_min && !e->bounds[0].has_max && e->bounds[0].min == 1);
    assert_int_equal(scenario_expect(s, "convergence")->valid, SB_VALID_TRUE);
    scenario_free(s);
}

static void unknown_keys_point_at_the_key(void **state)
{
    (void)state;
    expect_error("\"seed\": 7", "\"sede\": 7", 3, 3,
                 "unknown key \"sede\" in the top level; allowed: name, description, seed");
    expect_error("\"workers\": 3", "\"wrokers\": 3", 12, 30,
                 "unknown key \"wrokers\" in clients[0]; allowed: host, workers, sentinels");
    expect_error("\"quorum\": 2,", "\"quorum\": 2, \"qourum\": 1,", 9, 55,
                 "in deployment.sentinels; allowed: hosts, standby, quorum");
}

static void wrong_types_say_what_was_expected(void **state)
{
    (void)state;
    expect_error("\"duration\": \"10s\"", "\"duration\": 10", 4, 15,
                 "duration must be a duration string like \"10s\"");
    expect_error("\"duration\": \"10s\"", "\"duration\": \"10 sec\"", 4, 15, "bad duration");
    expect_error("\"seed\": 7", "\"seed\": \"7\"", 3, 11, "seed must be an integer; got a string");
    expect_error("\"workers\": 3", "\"workers\": 0", 12, 41, "allowed: 1..256");
    expect_error("\"rate\": 100", "\"rate\": -1", 14, 39, "must be >= 0");
    expect_error("{\"kind\": \"set\"", "{\"kind\": \"queue\"", 14, 24,
                 "unknown workload \"queue\"; allowed: set");
}

static void missing_keys_point_at_the_object(void **state)
{
    (void)state;
    expect_error("\"duration\": \"10s\",\n", "", 1, 1, "missing \"duration\"");
    expect_error(", \"quorum\": 2", "", 9, 18, "missing \"quorum\" in deployment.sentinels");
}

static void impossible_topologies_are_rejected(void **state)
{
    (void)state;
    expect_error("\"quorum\": 2", "\"quorum\": 3", 9, 52,
                 "quorum 3 is larger than the 2 sentinels; allowed: 1..2");
    expect_error("{\"host\": \"n3\"}", "{\"host\": \"n9\"}", 13, 24,
                 "clients[1].host: host \"n9\" does not exist; allowed: n1, n2, n3");
    expect_error("\"sentinels\": [\"n1\"]", "\"sentinels\": [\"n2\"]", 12, 58,
                 "host \"n2\" runs no sentinel; allowed: n1, n3");
    expect_error("\"master\": \"n2\"", "\"master\": \"n7\"", 7, 54, "does not exist");
    expect_error("\"hosts\": [\"n1\", \"n2\", \"n3\"],", "\"hosts\": [\"n1\", \"n2\", \"n1\"],", 5,
                 25, "listed twice");
    expect_error("\"hosts\": [\"n1\", \"n2\", \"n3\"],", "\"hosts\": [\"n1\", \"N2\", \"n3\"],", 5,
                 19, "bad host name");
}

static void bad_faults_are_rejected(void **state)
{
    (void)state;
    expect_error("\"host\": \"n3\", \"process\"", "\"host\": \"n8\", \"process\"", 17, 53,
                 "host \"n8\" does not exist");
    expect_error("\"host\": \"n3\", \"process\": \"sentinel\"",
                 "\"host\": \"n2\", \"process\": \"sentinel\"", 17, 53, "runs no sentinel");
    expect_error("[[\"n1\"], [\"n2\"]]", "[[\"n1\", \"n2\", \"n3\"], [\"n2\"]]", 16, 60,
                 "cuts nothing");
    expect_error("[[\"n1\"], [\"n2\"]]", "[[\"n1\", \"n2\", \"n3\"]]", 16, 60, "cuts nothing");
    expect_error("{\"at\": \"6s\"", "{\"at\": \"16s\"", 15, 22, "after the end of the run");
    expect_error("\"fault\": \"heal\"", "\"fault\": \"flood\"", 15, 37,
                 "unknown fault \"flood\"; allowed: partition, heal, kill, restart, pause");
    expect_error("\"fault\": \"heal\"}", "\"fault\": \"heal\", \"groups\": []}", 15, 45,
                 "unknown key \"groups\"");
}

static void more_bad_faults_are_rejected(void **state)
{
    (void)state;
    const char *heal = "{\"at\": \"6s\", \"fault\": \"heal\"}";
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"partition\", \"shape\": \"donut\"}", 15, 59,
                 "unknown partition shape \"donut\"; allowed: groups, halves");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"partition\", \"shape\": \"ring\"}", 15, 59,
                 "needs at least 4 hosts");
    expect_error(
        heal,
        "{\"at\": \"6s\", \"fault\": \"partition\", \"shape\": \"halves\", \"target\": \"n1\"}", 15,
        69, "\"target\" does not apply to the partition shape \"halves\"");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"partition\", \"shape\": \"one-way\", \"from\": "
                 "[\"n1\"], \"to\": [\"n1\"]}",
                 15, 92, "in both from and to");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"pause\", \"target\": \"leader\"}", 15, 56,
                 "\"leader\" is neither a host nor a role; allowed: master, replica");
    expect_error(
        heal,
        "{\"at\": \"6s\", \"fault\": \"pause\", \"process\": \"sentinel\", \"target\": \"master\"}",
        15, 79, "applies to redis processes only");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"loss\", \"probability\": 1.5}", 15, 60,
                 "must be a probability");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"bandwidth\", \"rate\": \"fast\"}", 15, 58,
                 "bad rate \"fast\"");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"netem\", \"jitter\": \"5ms\"}", 15, 15,
                 "does nothing");
    expect_error(heal,
                 "{\"at\": \"6s\", \"fault\": \"clock\", \"op\": \"bump\", \"delta\": \"0s\"}", 15,
                 69, "not a non-zero duration");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"clock\", \"op\": \"warp\"}", 15, 52,
                 "unknown clock op \"warp\"; allowed: bump, strobe, reset");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"heal\", \"for\": \"1s\"}", 15, 45,
                 "\"for\" needs a fault that stays in force");
    expect_error(heal, "{\"at\": \"6s\", \"fault\": \"sentinel-add\", \"hosts\": [\"n2\"]}", 15, 15,
                 "needs standby sentinels");
    expect_error(heal, "{\"random\": {\"faults\": [{\"fault\": \"heal\"}]}}", 15, 48,
                 "a random schedule needs faults it can undo");
    expect_error(
        heal,
        "{\"random\": {\"start\": \"8s\", \"end\": \"4s\", \"faults\": [{\"fault\": \"heal\"}]}}",
        15, 26, "start < end");
}

/* The schedule of a random nemesis: deterministic for a seed, different
 * across seeds, no overlap inside one schedule, every fault undone. */
static void random_schedules_follow_the_seed(void **state)
{
    (void)state;
    char *text = variant("{\"at\": \"6s\", \"fault\": \"heal\"}",
                         "{\"random\": {\"start\": \"1s\", \"end\": \"9s\", "
                         "\"duration\": {\"min\": \"200ms\", \"max\": \"1s\"}, "
                         "\"gap\": {\"min\": \"0s\", \"max\": \"500ms\"}, "
                         "\"faults\": [{\"fault\": \"partition\", \"shape\": \"halves\"}, "
                         "{\"fault\": \"pause\", \"target\": \"random\"}]}}");
    char err[SB_ERR_LEN];
    sb_scenario *a = scenario_parse("x.json", text, err);
    if (!a)
        fail_msg("%s", err);
    sb_scenario *b = scenario_parse("x.json", text, err);
    assert_non_null(b);
    assert_true(a->n_faults > 6);
    assert_int_equal(a->n_faults, b->n_faults);
    int64_t busy_until = 0;
    size_t drawn = 0, undos = 0;
    for (size_t i = 0; i < a->n_faults; i++) {
        const sb_fault *f = &a->faults[i];
        assert_int_equal(f->at_ns, b->faults[i].at_ns);
        assert_int_equal(f->kind, b->faults[i].kind);
        if (f->generator < 0)
            continue;
        if (f->kind == SB_FAULT_UNDO) {
            undos++;
            continue;
        }
        drawn++;
        assert_true(f->at_ns >= busy_until); /* one at a time */
        assert_true(f->for_ns <= SB_NS_PER_S);
        assert_true(f->for_ns >= 200 * SB_NS_PER_MS || f->at_ns + f->for_ns == 9 * SB_NS_PER_S);
        assert_true(f->at_ns + f->for_ns <= 9 * SB_NS_PER_S);
        busy_until = f->at_ns + f->for_ns;
    }
    assert_int_equal(drawn, undos);
    /* Another seed, another schedule. */
    scenario_set_seed(b, 99);
    int differ = a->n_faults != b->n_faults;
    for (size_t i = 0; !differ && i < a->n_faults; i++)
        differ = a->faults[i].at_ns != b->faults[i].at_ns || a->faults[i].kind != b->faults[i].kind;
    assert_true(differ);
    scenario_set_seed(b, 7);
    assert_int_equal(a->n_faults, b->n_faults);
    for (size_t i = 0; i < a->n_faults; i++)
        assert_int_equal(a->faults[i].at_ns, b->faults[i].at_ns);
    scenario_free(a);
    scenario_free(b);
    free(text);
}

static void fault_for_adds_an_undo(void **state)
{
    (void)state;
    char *text = variant("{\"at\": \"6s\", \"fault\": \"heal\"}",
                         "{\"at\": \"4s\", \"fault\": \"loss\", \"probability\": 0.25, "
                         "\"hosts\": [\"n1\"], \"for\": \"2s\"}");
    char err[SB_ERR_LEN];
    sb_scenario *s = scenario_parse("x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(s->n_faults, 4);
    const sb_fault *last = &s->faults[3];
    assert_int_equal(last->kind, SB_FAULT_UNDO);
    assert_int_equal(last->at_ns, 6 * SB_NS_PER_S);
    assert_int_equal(s->faults[2].kind, SB_FAULT_LOSS);
    assert_int_equal(last->undo_id, s->faults[2].id);
    assert_true(s->faults[2].probability == 0.25);
    scenario_free(s);
    free(text);
}

static void bad_checkers_and_expects_are_rejected(void **state)
{
    (void)state;
    expect_error("[\"set\", \"convergence\"]", "[\"set\", \"nosuch\"]", 18, 23,
                 "unknown checker \"nosuch\"; allowed: set, convergence");
    expect_error("[\"set\", \"convergence\"]", "[\"set\", \"set\"]", 18, 23, "listed twice");
    expect_error("[\"set\", \"convergence\"]", "[\"convergence\"]", 19, 14,
                 "expect names checker \"set\", which the scenario does not run");
    expect_error("\"lost_count\": {\"min\": 1}", "\"lost_cnt\": {\"min\": 1}", 19, 38,
                 "checker set has no figure \"lost_cnt\"; allowed: valid, attempted");
    expect_error("{\"min\": 1}", "{\"min\": 2, \"max\": 1}", 19, 52, "min 2 is larger than max 1");
    expect_error("\"valid\": false", "\"valid\": \"no\"", 19, 31, "valid must be true, false");
}

static void json_syntax_errors_have_positions(void **state)
{
    (void)state;
    expect_error("\"seed\": 7,", "\"seed\": 7", 4, 12, "expected");
    expect_error("\"seed\": 7,", "\"seed\": 7, \"seed\": 8,", 3, 19, "duplicate");
}

/* Every scenario the project ships must load (schema.json describes them). */
static void shipped_scenarios_are_valid(void **state)
{
    (void)state;
    const char *src = getenv("SB_SOURCE_DIR");
    if (!src)
        src = ".";
    char cmd[4200];
    snprintf(cmd, sizeof(cmd),
             "find %s/scenarios %s/bench -name '*.json' ! -name schema.json | sort", src, src);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char path[4096];
    int n = 0;
    while (fgets(path, sizeof(path), f)) {
        path[strcspn(path, "\n")] = '\0';
        char err[SB_ERR_LEN];
        sb_scenario *s = scenario_load(path, err);
        if (!s)
            fail_msg("%s", err);
        scenario_free(s);
        n++;
    }
    pclose(f);
    assert_true(n >= 4);
}

/* Cluster and independent deployments, and the faults and workloads that
 * need them: each mistake once, with what is allowed. */
static const char *cluster_base =
    "{\"name\": \"c\", \"duration\": \"10s\",\n"                      /* 1 */
    " \"hosts\": [\"n1\", \"n2\", \"n3\", \"n4\", \"n5\", \"n6\"],\n" /* 2 */
    " \"deployment\": {\"kind\": \"cluster\", \"redis\": {\"hosts\": [\"n1\", \"n2\", \"n3\", "
    "\"n4\", \"n5\", \"n6\"]},\n"                                        /* 3 */
    "                \"cluster\": {\"masters\": 3, \"replicas\": 1}},\n" /* 4 */
    " \"clients\": [{\"host\": \"n1\"}],\n"                              /* 5 */
    " \"workload\": {\"kind\": \"set\"},\n"                              /* 6 */
    " \"nemesis\": [{\"at\": \"2s\", \"fault\": \"migrate-slots\", \"from\": \"n1\", \"to\": "
    "\"n2\", \"slots\": 10},\n" /* 7 */
    "             {\"at\": \"4s\", \"fault\": \"cluster-failover\", \"host\": \"n4\", \"mode\": "
    "\"force\"}],\n" /* 8 */
    " \"checkers\": [\"set\"]}\n";

/* Two shards, two spares, and the faults that change membership. */
static const char *shards_base =
    "{\"name\": \"c\", \"duration\": \"10s\",\n"                      /* 1 */
    " \"hosts\": [\"n1\", \"n2\", \"n3\", \"n4\", \"n5\", \"n6\"],\n" /* 2 */
    " \"deployment\": {\"kind\": \"cluster\", \"redis\": {\"hosts\": [\"n1\", \"n2\", \"n3\", "
    "\"n4\", \"n5\", \"n6\"]},\n"                                                       /* 3 */
    "                \"cluster\": {\"masters\": 2, \"replicas\": 1, \"spares\": 2}},\n" /* 4 */
    " \"clients\": [{\"host\": \"n1\"}],\n"                                             /* 5 */
    " \"workload\": {\"kind\": \"set\"},\n"                                             /* 6 */
    " \"nemesis\": [{\"at\": \"2s\", \"fault\": \"add-shard\", \"host\": \"n5\", \"replica\": "
    "\"n6\"},\n"                                                                      /* 7 */
    "             {\"at\": \"4s\", \"fault\": \"remove-shard\", \"host\": \"n1\"},\n" /* 8 */
    "             {\"at\": \"6s\", \"fault\": \"migrate-slots\", \"from\": \"n2\", \"to\": \"n5\", "
    "\"hold\": \"1s\"}],\n" /* 9 */
    " \"checkers\": [\"set\"]}\n";

static void base_error(const char *text0, const char *from, const char *to, int line,
                       const char *phrase)
{
    const char *p = strstr(text0, from);
    assert_non_null(p);
    char *text = malloc(strlen(text0) + strlen(to) + 1);
    sprintf(text, "%.*s%s%s", (int)(p - text0), text0, to, p + strlen(from));
    char err[SB_ERR_LEN] = "", where[32];
    sb_scenario *s = scenario_parse("c.json", text, err);
    if (s) {
        scenario_free(s);
        fail_msg("accepted: %s -> %s", from, to);
    }
    snprintf(where, sizeof(where), "c.json:%d:", line);
    if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, phrase))
        fail_msg("expected %s ...%s..., got: %s", where, phrase, err);
    free(text);
}

static void cluster_error(const char *from, const char *to, int line, const char *phrase)
{
    base_error(cluster_base, from, to, line, phrase);
}

static void cluster_membership_faults(void **state)
{
    (void)state;
    char err[SB_ERR_LEN] = "";
    sb_scenario *s = scenario_parse("c.json", shards_base, err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(s->deployment.cluster_spares, 2);
    assert_int_equal(s->faults[0].kind, SB_FAULT_ADD_SHARD);
    assert_int_equal(s->faults[0].hosts.idx[0], 4);
    assert_int_equal(s->faults[0].to.n, 1);
    assert_int_equal(s->faults[0].to.idx[0], 5);
    assert_int_equal(s->faults[0].n_slots, 0);
    assert_int_equal(s->faults[1].kind, SB_FAULT_REMOVE_SHARD);
    assert_int_equal(s->faults[2].hold_ns, SB_NS_PER_S);
    scenario_free(s);
    base_error(shards_base, "\"spares\": 2", "\"spares\": 1", 4,
               "2 masters with 1 replicas each and 1 spares need 5 redis hosts, not 6");
    base_error(shards_base, "\"host\": \"n5\"", "\"host\": \"n3\"", 7,
               "n3 is already in the cluster; add-shard takes spares");
    base_error(shards_base, "\"replica\": \"n6\"", "\"replica\": \"n5\"", 7,
               "host and replica are the same host");
    base_error(shards_base, "\"replica\": \"n6\"", "\"replica\": \"n6\", \"slots\": 0", 7, "slots");
    base_error(shards_base, "shard\", \"host\": \"n1\"}", "shard\", \"host\": \"n9\"}", 8,
               "\"n9\" does not exist");
    base_error(shards_base, "shard\", \"host\": \"n1\"}",
               "shard\", \"host\": \"n1\", \"slots\": 3}", 8,
               "unknown key \"slots\" in nemesis[1]; allowed: fault, at, for, host");
    base_error(shards_base, "\"hold\": \"1s\"", "\"hold\": 1", 9, "hold");
}

static void cluster_scenarios_parse_and_check(void **state)
{
    (void)state;
    char err[SB_ERR_LEN] = "";
    sb_scenario *s = scenario_parse("c.json", cluster_base, err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(s->deployment.kind, SB_DEPLOY_CLUSTER);
    assert_int_equal(s->deployment.cluster_masters, 3);
    assert_int_equal(s->deployment.cluster_replicas, 1);
    assert_int_equal(s->faults[0].kind, SB_FAULT_MIGRATE_SLOTS);
    assert_int_equal(s->faults[0].n_slots, 10);
    assert_int_equal(s->faults[1].failover_mode, 1);
    scenario_free(s);
    cluster_error("\"masters\": 3", "\"masters\": 2", 4, "need 4 redis hosts, not 6");
    cluster_error("\"masters\": 3", "\"masters\": 4", 4, "need 8 redis hosts, not 6");
    cluster_error("\"to\": \"n2\"", "\"to\": \"n1\"", 7, "the same host");
    cluster_error("\"mode\": \"force\"", "\"mode\": \"hard\"", 8,
                  "allowed: default, force, takeover");
    cluster_error("\"kind\": \"set\"", "\"kind\": \"stale-read\"", 6, "does not run on a cluster");
    cluster_error("\"kind\": \"cluster\"", "\"kind\": \"sentinel\"", 4,
                  "\"cluster\" is for deployment kind \"cluster\"");
}

static void redlock_needs_independent_masters(void **state)
{
    (void)state;
    expect_error("\"kind\": \"set\", \"rate\": 100",
                 "\"kind\": \"lock\", \"lock\": {\"mode\": \"redlock\"}", 14, 49,
                 "redlock needs independent masters");
    expect_error("\"kind\": \"set\", \"rate\": 100",
                 "\"kind\": \"lock\", \"lock\": {\"hold\": \"3s\"}", 14, 49,
                 "hold must be shorter than ttl");
}

/* The ssh backend's hosts: objects with an address, defaults from "ssh",
 * paths relative to the scenario's folder; what it cannot run is refused. */
static void ssh_hosts_parse_and_check(void **state)
{
    (void)state;
    const char *hosts = "\"hosts\": [\"n1\", \"n2\", \"n3\"],";
    char *text = variant(
        hosts,
        "\"ssh\": {\"user\": \"vagrant\", \"key\": \"keys/id\", \"sudo\": true},"
        " \"hosts\": [{\"name\": \"n1\", \"address\": \"192.168.56.11\"},"
        " {\"name\": \"n2\", \"address\": \"192.168.56.12\", \"port\": 2222,"
        " \"user\": \"root\", \"sudo\": false, \"dir\": \"/srv/sb\"},"
        " {\"name\": \"n3\", \"address\": \"n3.lab\", \"key\": \"/abs/key\", \"install\": true}],");
    char err[SB_ERR_LEN] = "";
    sb_scenario *s = scenario_parse("lab/x.json", text, err);
    if (!s)
        fail_msg("%s", err);
    assert_true(s->ssh);
    assert_string_equal(s->hosts[0].address, "192.168.56.11");
    assert_string_equal(s->hosts[0].user, "vagrant");
    assert_string_equal(s->hosts[0].key, "lab/keys/id");
    assert_int_equal(s->hosts[0].port, 22);
    assert_true(s->hosts[0].sudo);
    assert_string_equal(s->hosts[0].dir, "/tmp/splitbrain");
    assert_int_equal(s->hosts[1].port, 2222);
    assert_string_equal(s->hosts[1].user, "root");
    assert_false(s->hosts[1].sudo);
    assert_string_equal(s->hosts[1].dir, "/srv/sb");
    assert_string_equal(s->hosts[2].key, "/abs/key");
    assert_true(s->hosts[2].install);
    assert_false(s->hosts[0].install);
    scenario_free(s);
    free(text);

    /* names only: the local lab */
    text = variant("\"seed\": 7", "\"seed\": 7");
    s = scenario_parse("x.json", text, err);
    assert_non_null(s);
    assert_false(s->ssh);
    assert_false(s->hosts[0].remote);
    scenario_free(s);
    free(text);

    expect_error(hosts, "\"hosts\": [{\"name\": \"n1\", \"adress\": \"a\"}, \"n2\", \"n3\"],", 5,
                 28, "unknown key \"adress\"");
    expect_error(hosts, "\"hosts\": [{\"name\": \"n1\", \"user\": \"x\"}, \"n2\", \"n3\"],", 5, 13,
                 "has ssh options but no \"address\"");
    expect_error(hosts, "\"hosts\": [{\"name\": \"n1\", \"address\": \"a b\"}, \"n2\", \"n3\"],", 5,
                 13, "bad address");
    expect_error(hosts,
                 "\"hosts\": [{\"name\": \"n1\", \"address\": \"a\", \"dir\": \"/x/../etc\"}, "
                 "\"n2\", \"n3\"],",
                 5, 13, "bad dir");
    expect_error(
        hosts, "\"hosts\": [{\"name\": \"n1\", \"address\": \"a\", \"port\": 0}, \"n2\", \"n3\"],",
        5, 52, "allowed: 1..65535");
    expect_error(hosts, "\"ssh\": {\"user\": \"u\"}, \"hosts\": [\"n1\", \"n2\", \"n3\"],", 5, 3,
                 "no host has an \"address\"");
    /* n2 and n3 run redis without an address */
    expect_error(hosts, "\"hosts\": [{\"name\": \"n1\", \"address\": \"a\"}, \"n2\", \"n3\"],", 5,
                 45, "host \"n2\" runs redis but has no \"address\"");
}

/* A family and its setting label the run in index.html's family chart;
 * a client may follow +switch-master. */
static void family_setting_and_discovery(void **state)
{
    (void)state;
    char err[SB_ERR_LEN] = "";
    char *text =
        variant("\"seed\": 7,", "\"seed\": 7, \"family\": \"case2\", \"setting\": \"WAIT 1\",");
    char *t2 = NULL;
    sb_scenario *s = scenario_parse("x.json", text, err);
    assert_non_null(s);
    assert_string_equal(s->family, "case2");
    assert_string_equal(s->setting, "WAIT 1");
    assert_int_equal(s->clients[0].discovery_subscribe, 0);
    scenario_free(s);
    free(text);
    /* no family: none, and the setting defaults to the name */
    s = scenario_parse("x.json", base, err);
    assert_non_null(s);
    assert_string_equal(s->family, "");
    assert_string_equal(s->setting, "t");
    scenario_free(s);
    t2 =
        variant("\"timeout\": \"250ms\"}", "\"timeout\": \"250ms\", \"discovery\": \"subscribe\"}");
    s = scenario_parse("x.json", t2, err);
    assert_non_null(s);
    assert_int_equal(s->clients[0].discovery_subscribe, 1);
    scenario_free(s);
    free(t2);
    expect_error("\"timeout\": \"250ms\"}", "\"timeout\": \"250ms\", \"discovery\": \"poll\"}", 12,
                 98, "unknown discovery \"poll\"; allowed: query, subscribe");
    expect_error("\"seed\": 7,", "\"seed\": 7, \"family\": \"a b\",", 3, 24, "bad family \"a b\"");
}

/* A parse of base with from replaced by to, as if the file were at path:
 * the scenario, or NULL with err. */
static sb_scenario *parse_at(const char *path, const char *from, const char *to, char *err)
{
    char *text = variant(from, to);
    sb_scenario *s = scenario_parse(path, text, err);
    free(text);
    return s;
}

/* "client": an external program, found beside the scenario or above it, on
 * PATH, or by absolute path; refused with the place looked in when it is
 * not an executable file, and for workloads it cannot run. */
static void external_clients_are_found_and_checked(void **state)
{
    (void)state;
    char dir[] = "/tmp/sb-scen-XXXXXX", path[256], prog[256], err[SB_ERR_LEN] = "";
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/prog", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(prog, sizeof(prog), "%s/prog/run.sh", dir);
    FILE *f = fopen(prog, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    assert_int_equal(chmod(prog, 0755), 0);
    snprintf(path, sizeof(path), "%s/scenarios/sub/x.json", dir); /* need not exist */
    const char *from = "{\"host\": \"n3\"}";
    sb_scenario *s = parse_at(path, from,
                              "{\"host\": \"n3\", \"client\": {\"command\": [\"prog/run.sh\", "
                              "\"-v\"], \"env\": {\"A_1\": \"x\"}}}",
                              err);
    if (!s)
        fail_msg("%s", err);
    assert_null(s->clients[0].ext_argv);
    assert_string_equal(s->clients[1].ext_argv[0], prog);
    assert_string_equal(s->clients[1].ext_argv[1], "-v");
    assert_null(s->clients[1].ext_argv[2]);
    assert_string_equal(s->clients[1].ext_env[0], "A_1=x");
    assert_string_equal(s->clients[1].ext_options, "{}");
    assert_string_equal(s->clients[1].ext_name, "prog");
    scenario_free(s);
    s = parse_at(path, from,
                 "{\"host\": \"n3\", \"client\": {\"command\": [\"sh\"], \"name\": \"plain\", "
                 "\"options\": {\"retry_on_timeout\": true}}}",
                 err);
    if (!s)
        fail_msg("%s", err);
    assert_string_equal(s->clients[1].ext_name, "plain");
    assert_string_equal(s->clients[1].ext_options, "{\"retry_on_timeout\":true}");
    assert_non_null(strstr(s->clients[1].ext_argv[0], "/sh"));
    scenario_free(s);
    assert_null(parse_at(path, from,
                         "{\"host\": \"n3\", \"client\": {\"command\": [\"prog/nope.sh\"]}}", err));
    assert_non_null(strstr(err, ":13:"));
    assert_non_null(strstr(err, "client program \"prog/nope.sh\" is not an executable file "
                                "(looked in "));
    assert_non_null(strstr(err, "/scenarios/sub/prog/nope.sh and above)"));
    /* A run folder's copy is read to judge the run, which starts no client:
     * the program is kept as written, found or not. */
    {
        char saved[300];
        snprintf(saved, sizeof(saved), "%s/scenario.json", dir);
        char *st =
            variant(from, "{\"host\": \"n3\", \"client\": {\"command\": [\"prog/nope.sh\"]}}");
        FILE *sf = fopen(saved, "w");
        assert_non_null(sf);
        fputs(st, sf);
        fclose(sf);
        free(st);
        assert_null(scenario_load(saved, err));
        s = scenario_load_saved(saved, err);
        if (!s)
            fail_msg("%s", err);
        assert_string_equal(s->clients[1].ext_argv[0], "prog/nope.sh");
        scenario_free(s);
    }
    assert_int_equal(chmod(prog, 0644), 0);
    assert_null(parse_at(path, from,
                         "{\"host\": \"n3\", \"client\": {\"command\": [\"prog/run.sh\"]}}", err));
    assert_non_null(strstr(err, "is not an executable file"));
    assert_int_equal(chmod(prog, 0755), 0);
    assert_null(parse_at(path, from, "{\"host\": \"n3\", \"client\": {\"command\": []}}", err));
    assert_non_null(strstr(err, "a non-empty array of strings"));
    char *t = variant("\"kind\": \"set\"", "\"kind\": \"list-append\"");
    char *t2 = strstr(t, from);
    assert_non_null(t2);
    char text[4096];
    snprintf(text, sizeof(text), "%.*s{\"host\": \"n3\", \"client\": {\"command\": [\"sh\"]}}%s",
             (int)(t2 - t), t, t2 + strlen(from));
    assert_null(scenario_parse(path, text, err));
    assert_non_null(strstr(err, "workload \"list-append\" runs on the built-in client only; "
                                "external clients run: set, register, counter, lock"));
    free(t);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(family_setting_and_discovery),
        cmocka_unit_test(external_clients_are_found_and_checked),
        cmocka_unit_test(valid_scenario_becomes_structs),
        cmocka_unit_test(power_loss_faults_parse_and_check),
        cmocka_unit_test(disk_faults_parse_and_check),
        cmocka_unit_test(unknown_keys_point_at_the_key),
        cmocka_unit_test(wrong_types_say_what_was_expected),
        cmocka_unit_test(missing_keys_point_at_the_object),
        cmocka_unit_test(impossible_topologies_are_rejected),
        cmocka_unit_test(bad_faults_are_rejected),
        cmocka_unit_test(more_bad_faults_are_rejected),
        cmocka_unit_test(random_schedules_follow_the_seed),
        cmocka_unit_test(fault_for_adds_an_undo),
        cmocka_unit_test(bad_checkers_and_expects_are_rejected),
        cmocka_unit_test(json_syntax_errors_have_positions),
        cmocka_unit_test(shipped_scenarios_are_valid),
        cmocka_unit_test(cluster_scenarios_parse_and_check),
        cmocka_unit_test(cluster_membership_faults),
        cmocka_unit_test(redlock_needs_independent_masters),
        cmocka_unit_test(ssh_hosts_parse_and_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
