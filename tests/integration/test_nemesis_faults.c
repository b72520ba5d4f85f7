/* test_nemesis_faults.c -- every fault kind of the nemesis, applied to a
 * real Sentinel deployment in a real lab, proven by its effect and by its
 * undo:
 *   - partitions: a connection across the cut fails, works after heal;
 *     isolate "master" cuts the current master; one-way drops one direction;
 *   - pause: the paused server stops answering, answers after resume;
 *   - kill / restart: the process is gone, then answers again;
 *   - clock: TIME on the skewed node jumps, comes back on reset;
 *   - loss: a measured share of datagrams is dropped, none after undo;
 *   - bandwidth: a TBF root qdisc is in force, gone after heal;
 *   - netem: without sch_netem a required fault fails preflight with a
 *     clear reason and an optional one is skipped;
 *   - heal_all undoes everything in force.
 * One deployment serves all checks (they run in order); the teardown
 * removes the lab whatever happens, and checks nothing is left. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "client.h"
#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "nemesis.h"
#include "qdisc.h"
#include "scenario.h"
#include "util.h"

static const char *scenario_text =
    "{\"name\": \"faults\", \"duration\": \"60s\", \"hosts\": [\"n1\", \"n2\", \"n3\"],\n"
    " \"deployment\": {\"redis\": {\"hosts\": [\"n1\", \"n2\", \"n3\"], \"master\": \"n1\",\n"
    "                            \"config\": {\"save\": \"\", \"appendonly\": \"no\"}},\n"
    "   \"sentinels\": {\"hosts\": [\"n1\", \"n2\", \"n3\"], \"quorum\": 2,\n"
    "                 \"config\": {\"down-after-milliseconds\": 60000}}},\n"
    " \"clients\": [{\"host\": \"n1\"}], \"workload\": {\"kind\": \"set\"},\n"
    " \"nemesis\": [\n"
    "  {\"at\": \"1s\", \"fault\": \"partition\", \"shape\": \"isolate\", \"target\": "
    "\"master\"},\n" /* 0 */
    "  {\"at\": \"2s\", \"fault\": \"heal\"},\n"
    "  {\"at\": \"3s\", \"fault\": \"partition\", \"shape\": \"one-way\", \"from\": [\"n1\"], "
    "\"to\": [\"n2\"]},\n" /* 2 */
    "  {\"at\": \"4s\", \"fault\": \"pause\", \"target\": \"replica\", \"for\": \"1s\"},\n"
    "  {\"at\": \"6s\", \"fault\": \"kill\", \"target\": \"n3\"},\n"
    "  {\"at\": \"7s\", \"fault\": \"restart\", \"target\": \"n3\"},\n"
    "  {\"at\": \"8s\", \"fault\": \"clock\", \"op\": \"bump\", \"delta\": \"+30s\", \"target\": "
    "[\"n2\"], \"process\": \"redis\"},\n" /* 7 */
    "  {\"at\": \"9s\", \"fault\": \"clock\", \"op\": \"reset\", \"target\": [\"n2\"], "
    "\"process\": \"redis\"},\n" /* 8 */
    "  {\"at\": \"10s\", \"fault\": \"loss\", \"hosts\": [\"n2\"], \"peers\": [\"n1\"], "
    "\"probability\": 0.5, \"for\": \"1s\"},\n" /* 9 */
    "  {\"at\": \"12s\", \"fault\": \"bandwidth\", \"hosts\": [\"n3\"], \"rate\": \"2mbit\"},\n"
    "  {\"at\": \"13s\", \"fault\": \"netem\", \"hosts\": [\"n3\"], \"delay\": \"50ms\", "
    "\"optional\": true},\n" /* 12 */
    "  {\"at\": \"14s\", \"fault\": \"pause\", \"target\": \"n3\", \"process\": \"sentinel\"},\n"
    "  {\"at\": \"15s\", \"fault\": \"clock\", \"op\": \"strobe\", \"delta\": \"10s\", \"period\": "
    "\"100ms\", \"duration\": \"30s\", \"target\": \"n3\"}\n"
    " ],\n"
    " \"checkers\": [\"set\"]}\n";

typedef struct fx {
    char dir[64];
    sb_scenario *s;
    sb_lab *lab;
    sb_deploy *d;
    sb_recorder *rec;
    sb_nemesis *n;
    char run_id[16];
} fx;

static fx F;

static int setup(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    strcpy(F.dir, "/tmp/sb-faults-XXXXXX");
    if (!mkdtemp(F.dir))
        return -1;
    F.s = scenario_parse("faults.json", scenario_text, err);
    if (!F.s) {
        print_error("%s\n", err);
        return -1;
    }
    const char *names[] = {"n1", "n2", "n3"};
    F.lab = lab_create(names, 3, F.dir, err);
    if (!F.lab) {
        print_error("%s\n", err);
        return -1;
    }
    snprintf(F.run_id, sizeof(F.run_id), "%s", lab_run_id(F.lab));
    F.d = deploy_start(F.lab, F.s, F.dir, "/usr/bin/redis-server", err);
    if (!F.d) {
        print_error("%s\n", err);
        return -1;
    }
    char hist[128];
    snprintf(hist, sizeof(hist), "%s/history.jsonl", F.dir);
    F.rec = recorder_open(hist, sb_now_ns(), err);
    F.n = nemesis_new(F.lab, F.d, F.s, F.rec);
    return F.rec ? 0 : -1;
}

/* Entries of `dir` whose names start with `prefix`, each printed; 0 when
 * the folder does not exist. */
static int entries_with_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            print_error("left behind: %s/%s\n", dir, e->d_name);
            n++;
        }
    closedir(d);
    return n;
}

static int teardown_failed;

static int teardown(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    nemesis_free(F.n);
    if (F.rec)
        recorder_close(F.rec, err);
    deploy_free(F.d);
    lab_destroy(F.lab);
    scenario_free(F.s);
    F.n = NULL;
    F.rec = NULL;
    F.d = NULL;
    F.lab = NULL;
    F.s = NULL;
    char cmd[256], prefix[64];
    snprintf(prefix, sizeof(prefix), "sb-%s-", F.run_id);
    int left = entries_with_prefix("/run/netns", prefix) +
               entries_with_prefix("/run/splitbrain", F.run_id);
    if (left) {
        /* cmocka does not fail the program on a failed group teardown:
         * main() does, and the lab's own log says what went wrong. */
        print_error("%d namespaces or runtime files of run %s remain; lab log:\n", left, F.run_id);
        snprintf(cmd, sizeof(cmd), "cat %s/lab.log >&2", F.dir);
        if (system(cmd) != 0)
            print_error("(no lab log)\n");
        teardown_failed = 1;
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", F.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Applies the schedule entry with this id. */
static void apply(int id)
{
    char err[SB_ERR_LEN];
    for (size_t i = 0; i < F.s->n_faults; i++)
        if (F.s->faults[i].id == id) {
            if (nemesis_apply(F.n, &F.s->faults[i], err) == -1)
                fail_msg("fault %d: %s", id, err);
            return;
        }
    fail_msg("no fault with id %d", id);
}

static void apply_undo_of(int id)
{
    char err[SB_ERR_LEN];
    for (size_t i = 0; i < F.s->n_faults; i++)
        if (F.s->faults[i].kind == SB_FAULT_UNDO && F.s->faults[i].undo_id == id) {
            if (nemesis_apply(F.n, &F.s->faults[i], err) == -1)
                fail_msg("undo of %d: %s", id, err);
            return;
        }
    fail_msg("no undo for fault %d", id);
}

/* PING from host `from` to the redis on host `to` over the lab network: 1
 * answered, 0 not (within 400 ms). */
static int ping(int from, int to, sb_proc_kind kind)
{
    char err[SB_ERR_LEN];
    if (lab_enter(F.lab, from, err) == -1)
        fail_msg("%s", err);
    int port = kind == SB_PROC_REDIS ? 6379 : 26379;
    redisContext *c = client_connect(lab_host_addr(F.lab, to), port, 400 * SB_NS_PER_MS,
                                     400 * SB_NS_PER_MS, err, sizeof(err));
    int ok = 0;
    if (c) {
        redisReply *r = redisCommand(c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        redisFree(c);
    }
    if (lab_leave(F.lab, err) == -1)
        fail_msg("%s", err);
    return ok;
}

/* Out-of-band PING through the node's loopback (partitions do not cut it). */
static int ping_oob(int host, sb_proc_kind kind)
{
    char err[SB_ERR_LEN];
    redisContext *c = deploy_connect_oob(F.d, host, kind, 400 * SB_NS_PER_MS, err);
    if (!c)
        return 0;
    redisReply *r = redisCommand(c, "PING");
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return ok;
}

/* UDP datagrams from host a to host b: how many of n arrive. */
static int udp_through(int a, int b, int n)
{
    char err[SB_ERR_LEN];
    if (lab_enter(F.lab, b, err) == -1)
        fail_msg("%s", err);
    int rs = socket(AF_INET, SOCK_DGRAM, 0);
    if (lab_leave(F.lab, err) == -1)
        fail_msg("%s", err);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(9999)};
    inet_pton(AF_INET, lab_host_addr(F.lab, b), &addr.sin_addr);
    assert_int_equal(bind(rs, (struct sockaddr *)&addr, sizeof(addr)), 0);
    int rcvbuf = 4 << 20;
    setsockopt(rs, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (lab_enter(F.lab, a, err) == -1)
        fail_msg("%s", err);
    int ss = socket(AF_INET, SOCK_DGRAM, 0);
    if (lab_leave(F.lab, err) == -1)
        fail_msg("%s", err);
    char msg[32] = "x";
    for (int i = 0; i < n; i++) {
        sendto(ss, msg, sizeof(msg), 0, (struct sockaddr *)&addr, sizeof(addr));
        if (i % 50 == 49)
            usleep(1000); /* stay below the receive buffer */
    }
    struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
    setsockopt(rs, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int got = 0;
    while (recv(rs, msg, sizeof(msg), 0) > 0)
        got++;
    close(rs);
    close(ss);
    return got;
}

/* TIME on a node, minus this machine's clock, in seconds. */
static double time_skew(int host)
{
    char err[SB_ERR_LEN];
    redisContext *c = deploy_connect_oob(F.d, host, SB_PROC_REDIS, SB_NS_PER_S, err);
    if (!c)
        fail_msg("%s", err);
    redisReply *r = redisCommand(c, "TIME");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    double node = atof(r->element[0]->str) + atof(r->element[1]->str) / 1e6;
    freeReplyObject(r);
    redisFree(c);
    struct timeval now;
    gettimeofday(&now, NULL);
    return node - (now.tv_sec + now.tv_usec / 1e6);
}

static void partitions_cut_and_heal(void **state)
{
    (void)state;
    assert_true(ping(1, 0, SB_PROC_REDIS));
    apply(0); /* isolate the master: n1 */
    assert_false(ping(1, 0, SB_PROC_REDIS));
    assert_false(ping(2, 0, SB_PROC_SENTINEL));
    assert_true(ping(1, 2, SB_PROC_REDIS));  /* n2 <-> n3 untouched */
    assert_true(ping_oob(0, SB_PROC_REDIS)); /* the controller still reaches n1 */
    apply(1);                                /* heal */
    assert_true(ping(1, 0, SB_PROC_REDIS));
    assert_true(ping(2, 0, SB_PROC_SENTINEL));

    apply(2); /* one-way: n1's packets to n2 dropped, n2's to n1 delivered */
    assert_int_equal(udp_through(0, 1, 100), 0);
    assert_int_equal(udp_through(1, 0, 100), 100);
    assert_int_equal(udp_through(0, 2, 100), 100);
    apply(1);
    assert_int_equal(udp_through(0, 1, 100), 100);
}

static void pause_stops_answers_until_resumed(void **state)
{
    (void)state;
    apply(3); /* pause a replica: n2 or n3 */
    int paused = -1;
    for (int h = 1; h < 3; h++)
        if (!ping_oob(h, SB_PROC_REDIS))
            paused = h;
    assert_true(paused > 0);
    assert_true(ping_oob(3 - paused, SB_PROC_REDIS));
    apply_undo_of(3);
    assert_true(ping_oob(paused, SB_PROC_REDIS));
}

static void kill_and_restart(void **state)
{
    (void)state;
    apply(4);
    assert_false(lab_proc_running(deploy_proc(F.d, 2, SB_PROC_REDIS)));
    assert_false(ping_oob(2, SB_PROC_REDIS));
    apply(5);
    int64_t deadline = sb_now_ns() + 10 * SB_NS_PER_S;
    while (!ping_oob(2, SB_PROC_REDIS) && sb_now_ns() < deadline)
        sb_sleep_ns(50 * SB_NS_PER_MS);
    assert_true(ping_oob(2, SB_PROC_REDIS));
}

static void clock_bump_moves_time_and_reset_restores_it(void **state)
{
    (void)state;
    assert_true(time_skew(1) < 2.0 && time_skew(1) > -2.0);
    apply(6);
    double s = time_skew(1);
    if (s < 28.0 || s > 32.0)
        fail_msg("TIME on n2 is %+.3f s from the host, expected about +30 s", s);
    assert_true(time_skew(0) < 2.0); /* n1 untouched */
    apply(7);
    s = time_skew(1);
    if (s < -2.0 || s > 2.0)
        fail_msg("TIME on n2 is %+.3f s after reset", s);
}

static void loss_drops_a_share_of_packets(void **state)
{
    (void)state;
    apply(8); /* 50% of what n2 receives from n1 */
    int got = udp_through(0, 1, 2000);
    print_message("loss 0.5: %d of 2000 datagrams arrived\n", got);
    assert_true(got > 700 && got < 1300);
    assert_int_equal(udp_through(2, 1, 200), 200); /* from n3: no loss */
    apply_undo_of(8);
    assert_int_equal(udp_through(0, 1, 500), 500);
}

static void bandwidth_sets_tbf_and_heal_removes_it(void **state)
{
    (void)state;
    char err[SB_ERR_LEN], kind[32];
    apply(9);
    assert_int_equal(lab_enter(F.lab, 2, err), 0);
    assert_int_equal(qdisc_root_kind("eth0", kind, sizeof(kind), err), 0);
    assert_int_equal(lab_leave(F.lab, err), 0);
    assert_string_equal(kind, "tbf");
    assert_true(ping(0, 2, SB_PROC_REDIS)); /* slow, not cut */
    apply(1);                               /* heal clears qdiscs too */
    assert_int_equal(lab_enter(F.lab, 2, err), 0);
    assert_int_equal(qdisc_root_kind("eth0", kind, sizeof(kind), err), 0);
    assert_int_equal(lab_leave(F.lab, err), 0);
    assert_string_not_equal(kind, "tbf");
}

static void netem_without_kernel_support_is_reported(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    /* The scenario's netem fault is optional: preflight passes either way. */
    assert_int_equal(nemesis_preflight(F.n, err), 0);
    int available = 0;
    for (size_t i = 0; i < F.s->n_faults; i++)
        if (F.s->faults[i].kind == SB_FAULT_NETEM) {
            assert_int_equal(nemesis_apply(F.n, &F.s->faults[i], err), 0);
            available = nemesis_skipped(F.n) == 0;
        }
    if (available) {
        print_message("netem: this kernel has sch_netem; the fault was applied\n");
    } else {
        print_message("netem: real path skipped: %s\n", err);
        assert_non_null(strstr(err, "sch_netem"));
    }
    /* The same fault, required, fails the preflight with the reason. */
    char *text = strdup(scenario_text);
    char *opt = strstr(text, ", \"optional\": true");
    memmove(opt, opt + strlen(", \"optional\": true"),
            strlen(opt + strlen(", \"optional\": true")) + 1);
    sb_scenario *s2 = scenario_parse("required.json", text, err);
    assert_non_null(s2);
    sb_nemesis *n2 = nemesis_new(F.lab, F.d, s2, F.rec);
    int rc = nemesis_preflight(n2, err);
    if (!available) {
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, "required.json:"));
        assert_non_null(strstr(err, "sch_netem"));
        assert_non_null(strstr(err, "optional"));
    }
    nemesis_free(n2);
    scenario_free(s2);
    free(text);
}

static void heal_all_undoes_everything_in_force(void **state)
{
    (void)state;
    char err[SB_ERR_LEN], desc[512];
    apply(0);  /* isolate the master */
    apply(4);  /* kill redis on n3 */
    apply(11); /* pause the sentinel on n3 */
    apply(12); /* strobe n3's clocks */
    nemesis_describe(F.n, desc, sizeof(desc));
    print_message("in force: %s\n", desc);
    assert_non_null(strstr(desc, "partition isolate n1"));
    assert_non_null(strstr(desc, "redis@n3 down"));
    assert_non_null(strstr(desc, "sentinel@n3 paused"));
    assert_int_equal(nemesis_heal_all(F.n, err), 0);
    nemesis_describe(F.n, desc, sizeof(desc));
    assert_string_equal(desc, "");
    assert_true(ping(1, 0, SB_PROC_REDIS));
    assert_true(ping_oob(2, SB_PROC_SENTINEL));
    int64_t deadline = sb_now_ns() + 10 * SB_NS_PER_S;
    while (!ping_oob(2, SB_PROC_REDIS) && sb_now_ns() < deadline)
        sb_sleep_ns(50 * SB_NS_PER_MS);
    assert_true(ping_oob(2, SB_PROC_REDIS));
    double s = time_skew(2);
    if (s < -2.0 || s > 2.0)
        fail_msg("TIME on n3 is %+.3f s after heal_all", s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(partitions_cut_and_heal),
        cmocka_unit_test(pause_stops_answers_until_resumed),
        cmocka_unit_test(kill_and_restart),
        cmocka_unit_test(clock_bump_moves_time_and_reset_restores_it),
        cmocka_unit_test(loss_drops_a_share_of_packets),
        cmocka_unit_test(bandwidth_sets_tbf_and_heal_removes_it),
        cmocka_unit_test(netem_without_kernel_support_is_reported),
        cmocka_unit_test(heal_all_undoes_everything_in_force),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    /* A group setup that failed half-way leaves its lab to us. */
    if (F.lab && teardown(NULL) != 0)
        teardown_failed = 1;
    return failed || teardown_failed;
}
