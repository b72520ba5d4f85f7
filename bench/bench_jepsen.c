/* bench_jepsen.c -- speed of reading a Jepsen EDN history and checking it
 * for linearizability (no Redis involved).
 *
 *   ./build/bench_jepsen [--ops N] [--keys K] [--clients C] [--info P] [--seed S]
 *
 * Generates the text of a jepsen.independent register history, as Jepsen
 * writes history.edn: one op map per line, values [key value], reads
 * [key nil] / [key v], cas [key [old new]]. The default is 100,000
 * operations (200,000 lines) over 100 keys with 10 clients. A simulated
 * register applies each operation atomically at its completion, so the
 * history is linearizable; a share P (1%) of outcomes is lost (recorded
 * :info, the effect applied or not at random), and, as in Jepsen, the
 * process of an :info op is retired and its client continues as process
 * p + C. A cas whose compare fails is :fail. Prints the parse and check
 * times. */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen_history.h"
#include "linear.h"
#include "util.h"

typedef struct client {
    int busy, f, key, process;
    long long a, b;
} client;

/* Register values: 0 is nil. */
static void value_text(char *buf, size_t len, int f, int key, long long a, long long b, int done,
                       long long read)
{
    if (f == 0) {
        if (done && read)
            snprintf(buf, len, "[%d %lld]", key, read);
        else
            snprintf(buf, len, "[%d nil]", key);
    } else if (f == 1) {
        snprintf(buf, len, "[%d %lld]", key, a);
    } else if (a) {
        snprintf(buf, len, "[%d [%lld %lld]]", key, a, b);
    } else {
        snprintf(buf, len, "[%d [nil %lld]]", key, b);
    }
}

static char *generate(long n_ops, int keys, int clients, double info, uint64_t seed, size_t *len)
{
    sb_rng r;
    sb_rng_seed(&r, seed);
    sb_buf out;
    sb_buf_init(&out);
    long long *reg = calloc((size_t)keys, sizeof(long long));
    client *cl = calloc((size_t)clients, sizeof(client));
    for (int i = 0; i < clients; i++)
        cl[i].process = i;
    long long next_value = 1, index = 0;
    long done = 0;
    int64_t t = 0;
    static const char *const fs[] = {"read", "write", "cas"};
    while (done < n_ops) {
        int p = (int)(sb_rng_next(&r) % (uint64_t)clients);
        client *c = &cl[p];
        t += 1000 + (int64_t)(sb_rng_next(&r) % 100000); /* ns */
        char v[96];
        const char *type, *error = "";
        if (!c->busy) {
            double x = sb_rng_unit(&r);
            c->f = x < 0.5 ? 0 : x < 0.8 ? 1 : 2;
            c->key = (int)(sb_rng_next(&r) % (uint64_t)keys);
            c->a = c->f == 1 ? next_value++ : reg[c->key];
            c->b = next_value++;
            type = "invoke";
            value_text(v, sizeof(v), c->f, c->key, c->a, c->b, 0, 0);
            c->busy = 1;
        } else {
            int lost = sb_rng_unit(&r) < info;
            int applies = !lost || sb_rng_unit(&r) < 0.5;
            long long *g = &reg[c->key];
            type = lost ? "info" : "ok";
            if (lost)
                error = ", :error :timeout";
            if (c->f == 1 && applies)
                *g = c->a;
            if (c->f == 2) {
                int ok = *g == c->a;
                if (ok && applies)
                    *g = c->b;
                if (!ok && !lost) {
                    type = "fail";
                    error = ", :error :precondition-failed";
                }
            }
            value_text(v, sizeof(v), c->f, c->key, c->a, c->b, !lost, *g);
            c->busy = 0;
            done++;
        }
        sb_buf_printf(&out, "{:type :%s, :f :%s, :value %s, :time %" PRId64 ", :process %d, "
                            ":index %lld%s}\n",
                      type, fs[c->f], v, t, c->process, index++, error);
        if (!strcmp(type, "info"))
            c->process += clients; /* Jepsen retires a crashed process */
    }
    free(reg);
    free(cl);
    *len = out.len;
    return out.data;
}

static int run(long n, int keys, int clients, double info, uint64_t seed)
{
    size_t len;
    char *text = generate(n, keys, clients, info, seed, &len);
    char err[SB_ERR_LEN];
    int64_t t0 = sb_now_ns();
    sb_history *h = jepsen_history_parse("generated.edn", text, len, err);
    int64_t t1 = sb_now_ns();
    free(text);
    if (!h) {
        fprintf(stderr, "bench_jepsen: %s\n", err);
        return 1;
    }
    sb_linear_result r;
    if (linear_check(h, NULL, &r, err) == -1) {
        fprintf(stderr, "bench_jepsen: %s\n", err);
        history_free(h);
        return 1;
    }
    int64_t t2 = sb_now_ns();
    static const char *const v[] = {"linearizable", "VIOLATION", "unknown"};
    printf("%7ld ops (%zu lines, %.1f MB EDN) %4d keys %3d clients %4.1f%% info: parse %.3f s "
           "(%.0f lines/s), check %.3f s: %s (%zu configurations)\n",
           n, h->n, len / 1e6, keys, clients, info * 100, (t1 - t0) / 1e9,
           h->n / ((t1 - t0) / 1e9), (t2 - t1) / 1e9, v[r.verdict], r.configurations);
    int bad = r.verdict != SB_LINEAR_OK;
    linear_result_free(&r);
    history_free(h);
    return bad;
}

int main(int argc, char **argv)
{
    long n = 100000;
    int keys = 100, clients = 10;
    double info = 0.01;
    uint64_t seed = 1;
    static const struct option opts[] = {{"ops", required_argument, 0, 'n'},
                                         {"keys", required_argument, 0, 'k'},
                                         {"clients", required_argument, 0, 'c'},
                                         {"info", required_argument, 0, 'i'},
                                         {"seed", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = atol(optarg); break;
        case 'k': keys = atoi(optarg); break;
        case 'c': clients = atoi(optarg); break;
        case 'i': info = atof(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: bench_jepsen [--ops N] [--keys K] [--clients C] [--info P] "
                            "[--seed S]\n");
            return 2;
        }
    }
    if (n <= 0 || keys <= 0 || clients <= 0) {
        fprintf(stderr, "bench_jepsen: --ops, --keys and --clients must be positive\n");
        return 2;
    }
    return run(n, keys, clients, info, seed);
}
