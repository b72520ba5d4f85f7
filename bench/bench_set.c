/* bench_set.c -- throughput of the set workload with full history recording,
 * against redis-benchmark on the same redis-server with the same number of
 * connections. Prints both and their ratio (target: >= 0.8).
 *
 * With --clients, the same workload through external clients
 * (clients/PROTOCOL.md) too, in the same run and against the same server:
 * bench_echo_client (answers ok without touching Redis: the protocol's own
 * cost, target >= 50,000 ops/s with 10 workers), then each adapter under
 * clients/ that is installed (redis-py, ioredis).
 *
 * usage: bench_set [--scenario FILE] [--rounds N] [--redis-server PATH]
 *                  [--redis-benchmark PATH] [--out DIR] [--clients]
 * Run from the repository's root (the default scenario and the adapters
 * are found from there). Needs root (it builds a one-host namespace lab). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller.h"
#include "deploy.h"
#include "history.h"
#include <jansson.h>
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
    int rc = controller_run_workload(s, lab, d, rec, start, dir, err);
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

/* s with its first client group running command (absolute) under name;
 * NULL with err. */
static sb_scenario *with_client(const sb_scenario *s, const char *command, const char *name,
                                char *err)
{
    json_t *j = json_loads(s->text, 0, NULL);
    json_t *cl = json_array_get(json_object_get(j, "clients"), 0);
    if (!cl) {
        json_decref(j);
        sb_err_set(err, "%s: no client group", s->path);
        return NULL;
    }
    json_object_set_new(cl, "client", json_pack("{s:[s],s:s}", "command", command, "name", name));
    char *text = json_dumps(j, 0);
    json_decref(j);
    sb_scenario *v = text ? scenario_parse(s->path, text, err) : NULL;
    free(text);
    return v;
}

/* The external clients measured by --clients: the echo client beside
 * this binary, and the adapters that are installed. */
static void bench_clients(const sb_scenario *s, sb_lab *lab, sb_deploy *d, const char *dir,
                          const char *self, double builtin)
{
    char echo[PATH_MAX + 32], self_dir[PATH_MAX];
    snprintf(self_dir, sizeof(self_dir), "%s", self);
    char *slash = strrchr(self_dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(echo, sizeof(echo), "%s/bench_echo_client", slash ? self_dir : ".");
    char *echo_abs = realpath(echo, NULL);
    char *py = realpath("clients/redis-py/adapter.py", NULL);
    char *js = access("clients/ioredis/node_modules/ioredis", F_OK) == 0
                   ? realpath("clients/ioredis/adapter.js", NULL)
                   : NULL;
    const struct {
        const char *name;
        char *path;
    } v[] = {{"echo", echo_abs}, {"redis-py", py}, {"ioredis", js}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char err[SB_ERR_LEN];
        if (!v[i].path) {
            printf("client %-9s not installed, skipped\n", v[i].name);
            continue;
        }
        sb_scenario *vs = with_client(s, v[i].path, v[i].name, err);
        double ops = vs ? our_workload(vs, lab, d, dir, 100 + (int)i, err) : -1;
        if (ops < 0)
            printf("client %-9s failed: %s\n", v[i].name, err);
        else
            printf("client %-9s %.0f ops/s through the protocol (%d workers), %.2f of the "
                   "built-in client's\n",
                   v[i].name, ops, s->clients[0].workers, ops / builtin);
        fflush(stdout);
        scenario_free(vs);
    }
    free(echo_abs);
    free(py);
    free(js);
}

int main(int argc, char **argv)
{
    const char *scenario = "bench/set-throughput.json", *redis = "/usr/bin/redis-server",
               *rb = "/usr/bin/redis-benchmark", *out = "runs/bench";
    int rounds = 3, clients = 0;
    static const struct option opts[] = {{"scenario", required_argument, 0, 's'},
                                         {"rounds", required_argument, 0, 'n'},
                                         {"redis-server", required_argument, 0, 'r'},
                                         {"redis-benchmark", required_argument, 0, 'b'},
                                         {"out", required_argument, 0, 'o'},
                                         {"clients", no_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
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
        case 'c':
            clients = 1;
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
    /* Absolute: redis-server starts in its own folder and is given paths
     * under this one (a relative --out made it look for
     * runs/bench/nodes/n1/redis/runs/bench/...). */
    char out_abs[PATH_MAX];
    if (!realpath(out, out_abs)) {
        fprintf(stderr, "bench_set: %s: %s\n", out, strerror(errno));
        return 2;
    }
    out = out_abs;
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
    if (status == 0 && clients)
        bench_clients(s, lab, d, out, argv[0], best_ours);
    if (d)
        deploy_free(d);
    if (lab)
        lab_destroy(lab);
    scenario_free(s);
    return status;
}
