/* bench_report.c -- speed and size of report.html on a generated history
 * (no Redis involved).
 *
 *   ./build/bench_report [--ops N] [--seed S] [--out PATH]
 *
 * The history (1,000,000 records by default: an invocation and its
 * completion are two) is what a three-host Sentinel run with 10 SADD
 * workers would record: role polls every 100 ms, sentinel views every
 * second, a partition that cuts n1 and workers 0-4 off for 30% of the run
 * while n3 is promoted (two masters until the heal, every write n1
 * acknowledged meanwhile lost; workers 5-9 fail or time out until the
 * promotion), node log events around the failover, and a final read.
 * The set, perf and split-brain checkers run over it (timed apart), then
 * report_html() is timed. The page should stay below 2 MB and 2 s.
 * Exit status 1 when the report is not written. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "results.h"
#include "util.h"

#define N_WORKERS 10
#define ON_N1 5 /* workers 0..4 are on n1's side of the partition */
#define POLL_NS (100 * SB_NS_PER_MS)
#define VIEWS_NS SB_NS_PER_S
#define THINK_NS (1 * SB_NS_PER_MS)
#define TIMEOUT_NS (100 * SB_NS_PER_MS)
#define RECORDS_PER_S 10800.0 /* history records the workers make per second, roughly */
#define FAILOVER_NS (5 * SB_NS_PER_S)
#define BUDGET_NS (2 * SB_NS_PER_S)
#define BUDGET_BYTES (2L * 1024 * 1024)

typedef struct worker {
    int busy;
    int64_t at_ns; /* next invocation, or the completion when busy */
    long long value;
    sb_op_type outcome;
    const char *node, *error;
} worker;

typedef struct gen {
    sb_history *h;
    sb_rng rng;
    int64_t part_ns, promote_ns, heal_ns, demote_ns;
    json_t *final; /* the values the final read returns */
    long long next_value;
} gen;

static void add(gen *g, int proc, sb_op_type t, const char *f, json_t *v, int64_t ns,
                const char *node, const char *error)
{
    sb_op op = {.process = proc, .type = t, .time_ns = ns, .value = v, .error = (char *)error};
    snprintf(op.f, sizeof(op.f), "%s", f);
    if (node)
        snprintf(op.node, sizeof(op.node), "%s", node);
    history_add(g->h, &op);
    json_decref(v);
}

static void node_event(gen *g, int64_t ns, const char *f, const char *host, const char *proc,
                       const char *detail)
{
    add(g, SB_PROC_NODE, SB_OP_INFO, f, json_pack("{s:s,s:s}", "process", proc, "detail", detail),
        ns, host, NULL);
}

/* What n1 and n3 say they are at time t. */
static const char *role(const gen *g, int host, int64_t t)
{
    if (host == 0)
        return t < g->demote_ns ? "master" : "slave";
    if (host == 2)
        return t >= g->promote_ns ? "master" : "slave";
    return "slave";
}

static void invoke(gen *g, int w, worker *k)
{
    int64_t t = k->at_ns, lat = 200 * SB_NS_PER_US + (int64_t)(sb_rng_unit(&g->rng) * 1.3e6);
    int cut = t >= g->part_ns && t < g->heal_ns;
    k->value = g->next_value++;
    k->outcome = SB_OP_OK;
    k->error = NULL;
    k->node = t >= g->promote_ns && (w >= ON_N1 || t >= g->heal_ns) ? "n3" : "n1";
    if (cut && w >= ON_N1 && t < g->promote_ns) {
        double u = sb_rng_unit(&g->rng);
        k->outcome = u < 0.8 ? SB_OP_FAIL : SB_OP_INFO;
        k->error = u < 0.8 ? "connect: Connection refused" : "timeout";
        lat = u < 0.8 ? SB_NS_PER_MS : TIMEOUT_NS;
    }
    add(g, w, SB_OP_INVOKE, "add", json_integer(k->value), t, NULL, NULL);
    k->busy = 1;
    k->at_ns = t + lat;
}

static void complete(gen *g, int w, worker *k)
{
    add(g, w, k->outcome, "add", json_integer(k->value), k->at_ns,
        k->outcome == SB_OP_OK || k->outcome == SB_OP_FAIL ? k->node : NULL, k->error);
    /* n1's acknowledgements after the promotion are lost at the heal. */
    int lost = k->outcome == SB_OP_OK && !strcmp(k->node, "n1") && k->at_ns >= g->promote_ns;
    if ((k->outcome == SB_OP_OK && !lost) || (k->outcome == SB_OP_INFO && (k->value & 1)))
        json_array_append_new(g->final, json_integer(k->value));
    k->busy = 0;
    k->at_ns += THINK_NS;
}

static void poll_roles(gen *g, int64_t t)
{
    add(g, SB_PROC_CONTROLLER, SB_OP_OK, "roles",
        json_pack("{s:s,s:s,s:s}", "n1", role(g, 0, t), "n2", "slave", "n3", role(g, 2, t)), t,
        NULL, NULL);
}

static void poll_views(gen *g, int64_t t)
{
    json_t *v = json_object();
    static const char *const hosts[] = {"n1", "n2", "n3"};
    for (int i = 0; i < 3; i++) {
        int sees_n3 = t >= g->promote_ns && (i > 0 || t >= g->heal_ns);
        json_object_set_new(v, hosts[i],
                            json_pack("{s:s,s:i,s:i,s:s}", "master", sees_n3 ? "n3" : "n1",
                                      "known_sentinels", 3, "epoch", sees_n3 ? 1 : 0, "flags",
                                      "master"));
    }
    add(g, SB_PROC_CONTROLLER, SB_OP_OK, "sentinel-views", v, t, NULL, NULL);
}

/* The faults and the failover story, in time order (g->story_ns). */
#define STORY_STEPS 6
static void story(gen *g, int step, int64_t t)
{
    switch (step) {
    case 0:
        add(g, SB_PROC_NEMESIS, SB_OP_INVOKE, "partition", json_pack("{s:i}", "id", 0), t, NULL,
            NULL);
        add(g, SB_PROC_NEMESIS, SB_OP_OK, "partition",
            json_pack("{s:i,s:s,s:[[s][ss]]}", "id", 0, "shape", "groups", "groups", "n1", "n2",
                      "n3"),
            t, NULL, NULL);
        break;
    case 1:
        node_event(g, t, "+odown", "n2", "sentinel", "master mymaster 10.77.0.10 6379 #quorum 2/2");
        break;
    case 2:
        node_event(g, t, "+elected-leader", "n2", "sentinel", "master mymaster 10.77.0.10 6379");
        break;
    case 3:
        node_event(g, t, "role-master", "n3", "redis", "user request");
        node_event(g, t, "+switch-master", "n2", "sentinel",
                   "mymaster 10.77.0.10 6379 10.77.0.12 6379");
        break;
    case 4:
        add(g, SB_PROC_NEMESIS, SB_OP_INVOKE, "heal", json_pack("{s:i}", "id", 1), t, NULL, NULL);
        add(g, SB_PROC_NEMESIS, SB_OP_OK, "heal", json_pack("{s:i}", "id", 1), t, NULL, NULL);
        break;
    default:
        node_event(g, t, "+convert-to-slave", "n1", "sentinel",
                   "slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379");
        node_event(g, t, "full-resync", "n3", "redis", "psync refused");
    }
}

static sb_history *generate(long target, uint64_t seed)
{
    gen g = {.h = history_new(), .final = json_array()};
    sb_rng_seed(&g.rng, seed);
    double dur_s = (double)target / RECORDS_PER_S;
    int64_t failover = (int64_t)(dur_s * 1e9 / 20);
    if (failover > FAILOVER_NS)
        failover = FAILOVER_NS;
    g.part_ns = (int64_t)(0.3 * dur_s * 1e9);
    g.promote_ns = g.part_ns + failover;
    g.heal_ns = (int64_t)(0.6 * dur_s * 1e9);
    g.demote_ns = g.heal_ns + failover / 5;
    const int64_t story_at[STORY_STEPS] = {g.part_ns,
                                           g.promote_ns - failover / 5,
                                           g.promote_ns - failover / 10,
                                           g.promote_ns,
                                           g.heal_ns,
                                           g.demote_ns};
    int step = 0;
    worker w[N_WORKERS];
    for (int i = 0; i < N_WORKERS; i++)
        w[i] = (worker){.at_ns = i * 100 * SB_NS_PER_US};
    int64_t next_poll = 0, next_views = 0, t = 0;
    add(&g, SB_PROC_CONTROLLER, SB_OP_OK, "ready",
        json_pack("{s:s,s:[ss]}", "master", "n1", "replicas", "n2", "n3"), 0, NULL, NULL);
    /* Reserve room for the last completions and the final read. */
    while ((long)g.h->n < target - 2 * N_WORKERS - 2) {
        int k = 0;
        for (int i = 1; i < N_WORKERS; i++)
            if (w[i].at_ns < w[k].at_ns)
                k = i;
        int64_t ts = step < STORY_STEPS ? story_at[step] : INT64_MAX;
        t = w[k].at_ns;
        if (ts <= t && ts <= next_poll && ts <= next_views) {
            story(&g, step++, ts);
        } else if (next_views <= t && next_views <= next_poll) {
            poll_views(&g, next_views);
            next_views += VIEWS_NS;
        } else if (next_poll <= t) {
            poll_roles(&g, next_poll);
            next_poll += POLL_NS;
        } else if (w[k].busy) {
            complete(&g, k, &w[k]);
        } else {
            invoke(&g, k, &w[k]);
        }
    }
    for (int i = 0; i < N_WORKERS; i++) {
        if (w[i].busy) {
            t = w[i].at_ns > t ? w[i].at_ns : t;
            w[i].at_ns = t;
            complete(&g, i, &w[i]);
        }
    }
    add(&g, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, t + SB_NS_PER_S, "n3", NULL);
    add(&g, SB_PROC_CONTROLLER, SB_OP_OK, "read", g.final, t + SB_NS_PER_S + SB_NS_PER_MS, "n3",
        NULL);
    return g.h;
}

int main(int argc, char **argv)
{
    long ops = 1000000;
    uint64_t seed = 1;
    const char *out = NULL;
    static const struct option opts[] = {{"ops", required_argument, 0, 'n'},
                                         {"seed", required_argument, 0, 's'},
                                         {"out", required_argument, 0, 'o'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        // clang-format off
        switch (o) {
        case 'n': ops = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'o': out = optarg; break;
        default:
            fprintf(stderr, "usage: bench_report [--ops N] [--seed S] [--out PATH]\n");
            return 2;
        }
        // clang-format on
    }
    if (ops < 10000) {
        fprintf(stderr, "bench_report: --ops must be at least 10000 (room for the faults)\n");
        return 2;
    }
    char dir[] = "/tmp/sb-bench-report-XXXXXX", path[4096], err[SB_ERR_LEN];
    if (!out && !mkdtemp(dir)) {
        perror("bench_report: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s", out ? out : dir);
    if (!out)
        strncat(path, "/report.html", sizeof(path) - strlen(path) - 1);

    int64_t t0 = sb_now_ns();
    sb_history *h = generate(ops, seed);
    int64_t t1 = sb_now_ns();
    static const char *const names[] = {"set", "perf", "split-brain"};
    sb_run_meta meta = {.seed = seed, .started_wall_ns = sb_wall_ns()};
    snprintf(meta.run_id, sizeof(meta.run_id), "bench");
    snprintf(meta.command, sizeof(meta.command), "bench_report --ops %ld --seed %llu", ops,
             (unsigned long long)seed);
    sb_run_result res;
    if (results_compute(NULL, names, 3, h, &meta, &res, err) == -1) {
        fprintf(stderr, "bench_report: %s\n", err);
        history_free(h);
        return 1;
    }
    snprintf(res.name, sizeof(res.name), "bench-report");
    int64_t t2 = sb_now_ns();
    int rc = report_html(&res, h, path, err);
    int64_t t3 = sb_now_ns();
    struct stat st;
    int written = rc == 0 && stat(path, &st) == 0 && st.st_size > 0;
    printf("%-10s %9s %8s %9s %9s %10s  %s\n", "ops", "gen_s", "check_s", "report_s", "size_KB",
           "budget", "verdicts");
    printf("%-10zu %9.2f %8.2f %9.3f %9.1f %10s  set %s, split-brain %s\n", h->n, (t1 - t0) / 1e9,
           (t2 - t1) / 1e9, (t3 - t2) / 1e9, written ? st.st_size / 1024.0 : 0.0,
           !written                                             ? "-"
           : t3 - t2 <= BUDGET_NS && st.st_size <= BUDGET_BYTES ? "ok"
                                                                : "OVER",
           checker_verdict_name(res.checks[0].verdict),
           checker_verdict_name(res.checks[2].verdict));
    if (!written)
        fprintf(stderr, "bench_report: report not written: %s\n", rc ? err : path);
    else if (out)
        printf("report: %s\n", path);
    if (!out) {
        unlink(path);
        rmdir(dir);
    }
    results_free(&res);
    history_free(h);
    return written ? 0 : 1;
}
