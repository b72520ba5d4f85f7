/* bench_set.c -- throughput of the set workload with full history recording,
 * against redis-benchmark on the same redis-server with the same number of
 * connections. Prints both and their ratio (target: >= 0.8).
 *
 * usage: bench_set [--scenario FILE] [--rounds N] [--redis-server PATH]
 *                  [--redis-benchmark PATH] [--out DIR]
 * Needs root (it builds a one-host namespace lab). */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller.h"
#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "scenario.h"
#include "util.h"

/* Runs redis-benchmark in the host's namespace against the master and
 * returns its SADD requests per second, or -1. */
static double redis_benchmark(sb_lab *lab, const char *bin, int conns, int64_t n_requests,
                              const char *dir, char *err)
{
    char log[4200], c[16], n[32];
    snprintf(log, sizeof(log), "%s/redis-benchmark.log", dir);
    unlink(log);
    snprintf(c, sizeof(c), "%d", conns);
    snprintf(n, sizeof(n), "%lld", (long long)n_requests);
    char *argv[] = {(char *)bin, "-h",        (char *)lab_host_addr(lab, 0),
                    "-p",        "6379",      "-c",
                    c,           "-n",        n,
                    "-r",        "100000000", "-t",
                    "sadd",      "--csv",     NULL};
    sb_proc *p = lab_spawn(lab, 0, argv, dir, log, err);
    if (!p)
        return -1;
    while (lab_proc_running(p))
        sb_sleep_ns(50 * SB_NS_PER_MS);
    char *text = sb_read_file(log, NULL, err);
    if (!text)
        return -1;
    /* "SADD","61349.69",... (7.0 --csv: test name, rps, latencies) */
    double rps = -1;
    char *line = strstr(text, "\"SADD\",\"");
    if (line)
        rps = atof(line + 8);
    else
        sb_err_set(err, "no SADD line in %s", log);
    free(text);
    return rps;
}

static double our_workload(const sb_scenario *s, sb_lab *lab, sb_deploy *d, const char *dir,
                           int round, char *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/history-%d.jsonl", dir, round);
    int64_t start = sb_now_ns();
    sb_recorder *rec = recorder_open(path, start, err);
    if (!rec)
        return -1;
    int rc = controller_run_workload(s, lab, d, rec, start, err);
    int64_t elapsed = sb_now_ns() - start;
    uint64_t ok, fail, info;
    recorder_counts(rec, &ok, &fail, &info);
    if (recorder_close(rec, err) == -1 || rc == -1)
        return -1;
    if (fail || info)
        fprintf(stderr, "bench_set: note: %llu fail, %llu info operations\n",
                (unsigned long long)fail, (unsigned long long)info);
    return (double)ok * 1e9 / (double)elapsed;
}

int main(int argc, char **argv)
{
    const char *scenario = "bench/set-throughput.json", *redis = "/usr/bin/redis-server",
               *rb = "/usr/bin/redis-benchmark", *out = "runs/bench";
    int rounds = 3;
    static const struct option opts[] = {
        {"scenario", required_argument, 0, 's'},     {"rounds", required_argument, 0, 'n'},
        {"redis-server", required_argument, 0, 'r'}, {"redis-benchmark", required_argument, 0, 'b'},
        {"out", required_argument, 0, 'o'},          {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            scenario = optarg;
            break;
        case 'n':
            rounds = atoi(optarg) > 0 ? atoi(optarg) : 1;
            break;
        case 'r':
            redis = optarg;
            break;
        case 'b':
            rb = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            fprintf(stderr, "usage: bench_set [--scenario F] [--rounds N] ...\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    char err[SB_ERR_LEN];
    sb_scenario *s = scenario_load(scenario, err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (sb_mkdir_p(out, err) == -1) {
        fprintf(stderr, "bench_set: %s\n", err);
        return 2;
    }
    const char *names[] = {s->hosts[0].name};
    sb_lab *lab = lab_create(names, 1, out, err);
    sb_deploy *d = lab ? deploy_start(lab, s, out, redis, err) : NULL;
    int status = 0;
    if (!d) {
        fprintf(stderr, "bench_set: %s\n", err);
        status = 2;
    }
    int conns = s->clients[0].workers;
    double best_ours = 0, best_rb = 0;
    for (int i = 0; i < rounds && status == 0; i++) {
        double ours = our_workload(s, lab, d, out, i, err);
        /* As many requests as our run managed, so both run about as long. */
        double theirs =
            ours > 0 ? redis_benchmark(lab, rb, conns,
                                       (int64_t)(ours * (double)s->duration_ns / 1e9), out, err)
                     : -1;
        if (ours < 0 || theirs < 0) {
            fprintf(stderr, "bench_set: %s\n", err);
            status = 2;
            break;
        }
        printf("round %d: splitbrain set workload %.0f ops/s, redis-benchmark SADD %.0f req/s, "
               "ratio %.2f\n",
               i + 1, ours, theirs, ours / theirs);
        fflush(stdout);
        if (ours > best_ours)
            best_ours = ours;
        if (theirs > best_rb)
            best_rb = theirs;
    }
    if (status == 0)
        printf("best of %d: splitbrain %.0f ops/s (%d workers, full history) vs redis-benchmark "
               "%.0f req/s (-c %d): ratio %.2f\n",
               rounds, best_ours, conns, best_rb, conns, best_ours / best_rb);
    if (d)
        deploy_free(d);
    if (lab)
        lab_destroy(lab);
    scenario_free(s);
    return status;
}
