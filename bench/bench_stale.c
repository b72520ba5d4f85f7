/* bench_stale.c -- time of the stale-read checker on generated histories.
 *
 * The history comes from a simulation of the stale-read workload: CLIENTS
 * clients, client P writing its own key kP on the master n1 with
 * increasing values and reading keys (its own one time in four) from the
 * replicas n2 and n3 in turn, or one time in ten from the master. A write
 * is applied on the master at its completion and on each replica after an
 * exponentially distributed lag (mean --lag-us; one write in 10^4 held up
 * --spike-ms more, and with it all later ones: replication is one stream);
 * a read returns what its node had at the read's completion. 1% of writes
 * fail (not applied) and 1% end info (applied or not, at random). Replica
 * reads of one's own key give read-your-writes violations, as real
 * replicas do.
 *
 * usage: bench_stale [--ops N] [--lag-us L] [--spike-ms S] [--seed S]
 * Without --ops it runs 10^5 and 10^6 operations. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "checker.h"
#include "history.h"
#include "util.h"

#include "bench_common.h"

#define CLIENTS 10
#define NODES 3 /* n1 master, n2 and n3 replicas */
#define STEP_NS (100 * SB_NS_PER_US)
#define FAIL_RATE 0.01
#define INFO_RATE 0.01
#define SPIKE_RATE 0.0001
#define MASTER_READ_RATE 0.1

/* A key's applied writes in order, with when each node applied it. */
typedef struct key_log {
    int64_t *v, *at[NODES];
    size_t n, cap;
    size_t seen[NODES]; /* writes node applied by the last read's time */
} key_log;

typedef struct client {
    int busy, write, node;
    int key;
    int64_t v, next_v;
    size_t turn;
} client;

static void record(sb_history *h, int process, sb_op_type type, const char *f, int key, int has_v,
                   int64_t v, const char *node, int64_t t)
{
    sb_op op = {.process = process, .type = type, .time_ns = t};
    snprintf(op.f, sizeof(op.f), "%s", f);
    char k[16];
    snprintf(k, sizeof(k), "k%d", key);
    op.value = json_object();
    json_object_set_new(op.value, "k", json_string(k));
    json_object_set_new(op.value, "v", has_v ? json_integer(v) : json_null());
    if (node)
        snprintf(op.node, sizeof(op.node), "%s", node);
    history_add(h, &op);
    json_decref(op.value);
}

/* last[r]: when replica r applied its latest write, of any key. */
static void apply(key_log *l, int64_t last[NODES], int64_t v, int64_t t, sb_rng *rng, double lag_ns,
                  double spike_ns)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof(int64_t));
        for (int r = 0; r < NODES; r++)
            l->at[r] = realloc(l->at[r], l->cap * sizeof(int64_t));
        if (!l->v || !l->at[0] || !l->at[1] || !l->at[2])
            bench_die("bench_stale", "out of memory");
    }
    l->v[l->n] = v;
    l->at[0][l->n] = t;
    for (int r = 1; r < NODES; r++) {
        double lag = -lag_ns * log(1.0 - sb_rng_unit(rng));
        if (sb_rng_unit(rng) < SPIKE_RATE)
            lag += spike_ns;
        int64_t at = t + (int64_t)lag;
        /* Replication is one stream: a replica applies writes in order. */
        if (at < last[r])
            at = last[r];
        l->at[r][l->n] = last[r] = at;
    }
    l->n++;
}

/* What node had of the key at t (nondecreasing across calls): 0 = none. */
static int64_t node_value(key_log *l, int node, int64_t t)
{
    size_t *s = &l->seen[node];
    while (*s < l->n && l->at[node][*s] <= t)
        (*s)++;
    return *s ? l->v[*s - 1] : 0;
}

static sb_history *generate(size_t n_ops, uint64_t seed, double lag_ns, double spike_ns)
{
    static const char *const names[NODES] = {"n1", "n2", "n3"};
    sb_history *h = history_new();
    key_log logs[CLIENTS] = {{0}};
    int64_t last[NODES] = {0};
    client cl[CLIENTS] = {{0}};
    sb_rng rng;
    sb_rng_seed(&rng, seed);
    size_t started = 0, open = 0;
    int64_t t = 0;
    for (int c = 0; c < CLIENTS; c++)
        cl[c].turn = (size_t)c;
    while (started * 2 < n_ops || open) {
        int c = (int)(sb_rng_next(&rng) % CLIENTS);
        client *p = &cl[c];
        t += STEP_NS;
        if (!p->busy) {
            if (started * 2 >= n_ops)
                continue;
            p->busy = 1, started++, open++;
            p->write = sb_rng_next(&rng) % 2 == 0;
            if (p->write) {
                p->key = c;
                p->v = ++p->next_v;
                record(h, c, SB_OP_INVOKE, "write", c, 1, p->v, NULL, t);
                continue;
            }
            p->key = sb_rng_next(&rng) % 4 == 0 ? c : (int)(sb_rng_next(&rng) % CLIENTS);
            p->node = sb_rng_unit(&rng) < MASTER_READ_RATE ? 0 : 1 + (int)(p->turn++ % 2);
            record(h, c, SB_OP_INVOKE, "read", p->key, 0, 0, NULL, t);
            continue;
        }
        p->busy = 0, open--;
        if (p->write) {
            double u = sb_rng_unit(&rng);
            sb_op_type type = u < FAIL_RATE               ? SB_OP_FAIL
                              : u < FAIL_RATE + INFO_RATE ? SB_OP_INFO
                                                          : SB_OP_OK;
            if (type == SB_OP_OK || (type == SB_OP_INFO && sb_rng_next(&rng) % 2))
                apply(&logs[p->key], last, p->v, t, &rng, lag_ns, spike_ns);
            record(h, c, type, "write", p->key, 1, p->v, names[0], t);
            continue;
        }
        int64_t v = node_value(&logs[p->key], p->node, t);
        record(h, c, SB_OP_OK, "read", p->key, v != 0, v, names[p->node], t);
    }
    for (int k = 0; k < CLIENTS; k++) {
        free(logs[k].v);
        for (int r = 0; r < NODES; r++)
            free(logs[k].at[r]);
    }
    return h;
}

static void run(size_t n_ops, uint64_t seed, double lag_ns, double spike_ns)
{
    int64_t t0 = sb_now_ns();
    sb_history *h = generate(n_ops, seed, lag_ns, spike_ns);
    int64_t t1 = sb_now_ns();
    sb_check_result r = {0};
    double check_s = bench_check("bench_stale", "stale-read", h, &r);
    printf("history: %zu ops (%d clients, replica lag mean %.0f us, spikes +%.0f ms), "
           "generated in %.2f s\n",
           h->n, CLIENTS, lag_ns / 1e3, spike_ns / 1e6, (t1 - t0) / 1e9);
    bench_print_check(h, &r, check_s);
    bench_print_figures(r.figures, 22, 1);
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(r.figures, "by_node"), name, v)
    {
        printf("  by_node %-4s reads %lld, stale %lld, staleness max %.3f ms\n", name,
               (long long)json_integer_value(json_object_get(v, "reads")),
               (long long)json_integer_value(json_object_get(v, "stale")),
               json_number_value(json_object_get(v, "staleness_ms_max")));
    }
    check_result_free(&r);
    history_free(h);
}

int main(int argc, char **argv)
{
    size_t n = 0;
    double lag_us = 200, spike_ms = 50;
    uint64_t seed = 1;
    static const struct option opts[] = {{"ops", required_argument, 0, 'n'},
                                         {"lag-us", required_argument, 0, 'l'},
                                         {"spike-ms", required_argument, 0, 'p'},
                                         {"seed", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = (size_t)atoll(optarg);
            break;
        case 'l':
            lag_us = atof(optarg);
            break;
        case 'p':
            spike_ms = atof(optarg);
            break;
        case 's':
            seed = (uint64_t)atoll(optarg);
            break;
        default:
            fprintf(stderr,
                    "usage: bench_stale [--ops N] [--lag-us L] [--spike-ms S] [--seed S]\n");
            return 2;
        }
    }
    if (lag_us < 0 || spike_ms < 0)
        bench_die("bench_stale", "--lag-us and --spike-ms must not be negative");
    if (n) {
        run(n, seed, lag_us * 1e3, spike_ms * 1e6);
        return 0;
    }
    run(100000, seed, lag_us * 1e3, spike_ms * 1e6);
    run(1000000, seed, lag_us * 1e3, spike_ms * 1e6);
    return 0;
}
