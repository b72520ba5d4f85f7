/* bench_linear.c -- speed of the linearizability checker on generated
 * register histories (no Redis involved).
 *
 *   ./build/bench_linear [--ops N] [--keys K] [--clients C] [--info P] [--seed S]
 *
 * With no options it runs the two cases the checkers issue sets targets
 * for: 100,000 operations over 100 keys with 10 clients, and 20,000
 * operations on one key with 20 clients. The histories come from a
 * simulated register that applies each operation atomically at its
 * completion (so they are linearizable), with a share P of outcomes lost
 * (recorded info; the effect applied or not at random). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linear.h"
#include "util.h"

typedef struct client {
    int busy, f, key;
    long long a, b;
} client;

static sb_history *generate(long n_ops, int keys, int clients, double info, uint64_t seed)
{
    sb_rng r;
    sb_rng_seed(&r, seed);
    sb_history *h = history_new();
    long long *reg = calloc((size_t)keys, sizeof(long long)); /* 0 = nil */
    client *cl = calloc((size_t)clients, sizeof(client));
    long long next_value = 1;
    long done = 0;
    int64_t t = 0;
    static const char *const fs[] = {"read", "write", "cas"};
    while (done < n_ops) {
        int p = (int)(sb_rng_next(&r) % (uint64_t)clients);
        client *c = &cl[p];
        sb_op op = {.process = p, .time_ns = t++};
        char v[96];
        if (!c->busy) {
            double x = sb_rng_unit(&r);
            c->f = x < 0.5 ? 0 : x < 0.8 ? 1 : 2;
            c->key = (int)(sb_rng_next(&r) % (uint64_t)keys);
            c->a = c->f == 1 ? next_value++ : reg[c->key];
            c->b = next_value++;
            op.type = SB_OP_INVOKE;
            if (c->f == 2)
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":[%s,%lld]}", c->key, c->a ? "0" : "null",
                         c->b);
            if (c->f == 2 && c->a)
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":[%lld,%lld]}", c->key, c->a, c->b);
            else if (c->f == 1)
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":%lld}", c->key, c->a);
            else if (c->f == 0)
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":null}", c->key);
            c->busy = 1;
        } else {
            int lost = sb_rng_unit(&r) < info;
            int applies = !lost || sb_rng_unit(&r) < 0.5;
            long long *g = &reg[c->key];
            op.type = lost ? SB_OP_INFO : SB_OP_OK;
            if (c->f == 0) {
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":%s}", c->key, "null");
                if (*g)
                    snprintf(v, sizeof(v), "{\"k\":%d,\"v\":%lld}", c->key, *g);
            } else if (c->f == 1) {
                if (applies)
                    *g = c->a;
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":%lld}", c->key, c->a);
            } else {
                int ok = *g == c->a;
                if (ok && applies)
                    *g = c->b;
                if (!ok && !lost)
                    op.type = SB_OP_FAIL;
                snprintf(v, sizeof(v), "{\"k\":%d,\"v\":[%lld,%lld]}", c->key, c->a, c->b);
                if (!c->a)
                    snprintf(v, sizeof(v), "{\"k\":%d,\"v\":[null,%lld]}", c->key, c->b);
            }
            c->busy = 0;
            done++;
        }
        snprintf(op.f, sizeof(op.f), "%s", fs[c->f]);
        json_error_t je;
        op.value = json_loads(v, 0, &je);
        history_add(h, &op);
        json_decref(op.value);
    }
    free(reg);
    free(cl);
    return h;
}

static int run(long n, int keys, int clients, double info, uint64_t seed)
{
    sb_history *h = generate(n, keys, clients, info, seed);
    sb_linear_result r;
    char err[SB_ERR_LEN];
    int64_t t0 = sb_now_ns();
    if (linear_check(h, NULL, &r, err) == -1) {
        fprintf(stderr, "bench_linear: %s\n", err);
        return 1;
    }
    int64_t dt = sb_now_ns() - t0;
    static const char *const v[] = {"linearizable", "VIOLATION", "unknown"};
    printf("%7ld ops %4d keys %3d clients %4.1f%% info: %-12s %8.3f s  (%zu configurations)\n", n,
           keys, clients, info * 100, v[r.verdict], dt / 1e9, r.configurations);
    int bad = r.verdict != SB_LINEAR_OK;
    linear_result_free(&r);
    history_free(h);
    return bad;
}

int main(int argc, char **argv)
{
    long n = 0;
    int keys = 0, clients = 0;
    double info = 0.01;
    uint64_t seed = 1;
    static const struct option opts[] = {
        {"ops", required_argument, 0, 'n'},     {"keys", required_argument, 0, 'k'},
        {"clients", required_argument, 0, 'c'}, {"info", required_argument, 0, 'i'},
        {"seed", required_argument, 0, 's'},    {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = atol(optarg);
            break;
        case 'k':
            keys = atoi(optarg);
            break;
        case 'c':
            clients = atoi(optarg);
            break;
        case 'i':
            info = atof(optarg);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: bench_linear [--ops N] [--keys K] [--clients C] [--info P] "
                            "[--seed S]\n");
            return 2;
        }
    }
    if (n > 0)
        return run(n, keys > 0 ? keys : 1, clients > 0 ? clients : 10, info, seed);
    int bad = run(100000, 100, 10, info, seed);
    bad |= run(20000, 1, 20, info, seed);
    return bad;
}
