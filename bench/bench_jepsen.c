/* bench_jepsen.c -- speed of reading a Jepsen EDN history and checking it
 * for linearizability (no Redis involved), and the corpus of register
 * histories that bench/bench_porcupine.sh checks with us and with
 * Porcupine.
 *
 *   ./build/bench_jepsen [--ops N] [--keys K] [--clients C] [--info P] [--seed S]
 *   ./build/bench_jepsen --corpus DIR [--files N] [--seed S] [--values V]
 *                        [--group G] [--per-key K]
 *
 * Without --corpus: generates the text of a jepsen.independent register
 * history, as Jepsen writes history.edn: one op map per line, values
 * [key value], reads [key nil] / [key v], cas [key [old new]]. The default
 * is 100,000 operations (200,000 lines) over 100 keys with 10 clients. A
 * simulated register applies each operation atomically at its completion,
 * so the history is linearizable; a share P (1%) of outcomes is lost
 * (recorded :info, the effect applied or not at random), and, as in
 * Jepsen, the process of an :info op is retired and its client continues
 * as process p + C. A cas whose compare fails is :fail. Prints the parse
 * and check times.
 *
 * With --corpus: writes N (100) jepsen.independent register histories,
 * laid out as Knossos's data/cas-register is: DIR/good/gen-NNNN.edn
 * (linearizable) and DIR/bad/gen-NNNN.edn (not), each one EDN vector of op
 * maps, one per line, with :time. Each has 100-1,000 operations, 5-50
 * clients and 10-30% of outcomes lost (:info, the process then retired),
 * drawn per file from the seed. As Jepsen's concurrent-generator does,
 * clients work in groups of G (10) on one key each, and a group moves to a
 * fresh key after K (100) operations. (On one key for the whole history,
 * every lost write stays pending to the end and the search is exponential
 * in them: with these shares, a third of the histories took us over 10 s
 * and half took Porcupine over 3 s.) Operations are Jepsen's
 * cas-register mix: reads, writes of values 0..V-1 (V = 5, as Jepsen's
 * (rand-int 5)) and cas [old new] over the same values. Each takes effect
 * at a random moment between its invocation and its completion (read
 * values recorded then), so the history is linearizable; a lost one took
 * effect there or never. Every fifth file is made non-linearizable once,
 * on one key, after a random share (10-90%) of its operations: either a
 * read returns a value nobody wrote, or a stale read: a write of a value
 * written nowhere else completes, another write starts after it and
 * completes, then a read started after that returns the first value. */
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
        sb_buf_printf(&out,
                      "{:type :%s, :f :%s, :value %s, :time %" PRId64 ", :process %d, "
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
           n, h->n, len / 1e6, keys, clients, info * 100, (t1 - t0) / 1e9, h->n / ((t1 - t0) / 1e9),
           (t2 - t1) / 1e9, v[r.verdict], r.configurations);
    int bad = r.verdict != SB_LINEAR_OK;
    linear_result_free(&r);
    history_free(h);
    return bad;
}

/* ====== The corpus (--corpus) ====== */

#define CORPUS_NIL -1LL /* the register before any write */

enum { CS_IDLE = 0, CS_INVOKED, CS_APPLIED };
enum { BAD_NONE = 0, BAD_PHANTOM, BAD_STALE };

typedef struct cclient {
    int state, f, process, key;
    int lost;       /* its outcome will be :info */
    int takes;      /* it takes effect (always, unless lost) */
    int mark;       /* a step of the stale-read injection */
    long long a, b; /* write: a; cas: [a b] */
    long long read; /* read: the value it saw */
    int cas_ok;
} cclient;

/* A group of clients works on one key at a time, as jepsen.independent's
 * concurrent-generator does; after per_key invocations it takes a fresh
 * key. */
typedef struct cgroup {
    int key;
    long ops;
} cgroup;

static void corpus_num(sb_buf *o, long long v)
{
    if (v == CORPUS_NIL)
        sb_buf_puts(o, "nil");
    else
        sb_buf_printf(o, "%lld", v);
}

/* One op map; value: [key f's invocation value], or [key read result]. */
static void corpus_op(sb_buf *o, int first, const cclient *c, const char *type, int64_t t,
                      const char *error)
{
    static const char *const fs[] = {"read", "write", "cas"};
    sb_buf_printf(o, "%s{:process %d, :type :%s, :f :%s, :value [%d ", first ? "[" : " ",
                  c->process, type, fs[c->f], c->key);
    if (c->f == 0)
        corpus_num(o, !strcmp(type, "ok") ? c->read : CORPUS_NIL);
    else if (c->f == 1)
        corpus_num(o, c->a);
    else
        sb_buf_printf(o, "[%lld %lld]", c->a, c->b);
    sb_buf_printf(o, "], :time %" PRId64 "%s}\n", t, error);
}

typedef struct cparams {
    long n_ops;
    int clients, group, per_key;
    double info;
} cparams;

/* One history into o; bad says which anomaly to make (BAD_NONE: none). */
static void corpus_history(sb_rng *r, int bad, int values, const cparams *pp, sb_buf *o)
{
    const long n_ops = pp->n_ops;
    const int clients = pp->clients, n_groups = (clients + pp->group - 1) / pp->group;
    long bad_at = bad ? (long)(n_ops * (0.1 + 0.8 * sb_rng_unit(r))) : -1;
    const long long phantom = values + 1000, unique = values + 500;
    cclient *cl = calloc((size_t)clients, sizeof(cclient));
    cgroup *gr = calloc((size_t)n_groups, sizeof(cgroup));
    long long *reg = malloc(((size_t)n_ops + (size_t)n_groups + 1) * sizeof(long long));
    for (long i = 0; i < n_ops + n_groups + 1; i++)
        reg[i] = CORPUS_NIL;
    for (int i = 0; i < clients; i++)
        cl[i].process = i;
    int next_key = 0;
    for (int i = 0; i < n_groups; i++)
        gr[i].key = next_key++;
    long invoked = 0, busy = 0;
    int stage = 0; /* stale read: 1 w1 running, 2 w1 done, 3 w2 running, 4 w2 done, 5 read
                      running, 6 made; phantom: 6 made */
    int bad_key = -1;
    int64_t t = 0;
    int first = 1;
    while (busy > 0 || invoked < n_ops || (bad && stage < 6)) {
        int ci = (int)(sb_rng_next(r) % (uint64_t)clients);
        cclient *c = &cl[ci];
        t += 1000 + (int64_t)(sb_rng_next(r) % 100000); /* ns */
        if (c->state == CS_IDLE) {
            if (invoked >= n_ops && !(bad && stage < 6))
                continue;
            cgroup *g = &gr[ci % n_groups];
            if (g->ops >= pp->per_key) {
                g->key = next_key++;
                g->ops = 0;
            }
            g->ops++;
            c->key = g->key;
            double x = sb_rng_unit(r);
            c->f = x < 0.4 ? 0 : x < 0.7 ? 1 : 2;
            c->a = (long long)(sb_rng_next(r) % (uint64_t)values);
            c->b = (long long)(sb_rng_next(r) % (uint64_t)values);
            c->lost = sb_rng_unit(r) < pp->info;
            c->mark = 0;
            /* The anomaly, on one key, step by step: each marked op ends ok. */
            if (bad && invoked >= bad_at && stage < 6) {
                if (bad == BAD_PHANTOM && stage == 0) {
                    c->f = 0;
                    c->mark = 5;
                    stage = 5;
                } else if (bad == BAD_STALE && (stage == 0 || stage == 2)) {
                    c->f = 1;
                    c->mark = ++stage;
                    if (stage == 1)
                        c->a = unique;
                } else if (bad == BAD_STALE && stage == 4) {
                    c->f = 0;
                    c->mark = ++stage;
                }
                if (c->mark) {
                    c->lost = 0;
                    if (bad_key < 0)
                        bad_key = c->key;
                    c->key = bad_key;
                }
            }
            c->takes = !c->lost || sb_rng_unit(r) < 0.5;
            c->state = CS_INVOKED;
            invoked++;
            busy++;
            corpus_op(o, first, c, "invoke", t, "");
            first = 0;
        } else if (c->state == CS_INVOKED) {
            /* Its moment: the effect, if it has one. */
            long long *g = &reg[c->key];
            c->read = *g;
            c->cas_ok = c->f == 2 && *g == c->a;
            if (c->takes && (c->f == 1 || c->cas_ok))
                *g = c->f == 1 ? c->a : c->b;
            c->state = CS_APPLIED;
        } else {
            if (c->lost) {
                corpus_op(o, 0, c, "info", t, ", :error :timeout");
                c->process += clients; /* Jepsen retires a crashed process */
            } else {
                if (c->mark == 1 || c->mark == 3)
                    stage++;
                if (c->mark == 5) {
                    c->read = bad == BAD_STALE ? unique : phantom;
                    stage = 6;
                }
                const char *type = c->f == 2 && !c->cas_ok ? "fail" : "ok";
                corpus_op(o, 0, c, type, t, *type == 'f' ? ", :error :precondition-failed" : "");
            }
            c->state = CS_IDLE;
            busy--;
        }
    }
    /* "]" closes the vector on the last op's line, as Knossos's files do. */
    if (first)
        sb_buf_puts(o, "[]\n");
    else
        o->data[o->len - 1] = ']', sb_buf_puts(o, "\n");
    free(cl);
    free(gr);
    free(reg);
}

static int corpus_write(const char *dir, int files, uint64_t seed, int values, int group,
                        int per_key)
{
    char err[SB_ERR_LEN], path[4200];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, i ? "bad" : "good");
        if (sb_mkdir_p(path, err) == -1) {
            fprintf(stderr, "bench_jepsen: %s\n", err);
            return 2;
        }
    }
    sb_rng r;
    sb_rng_seed(&r, seed);
    sb_buf o;
    sb_buf_init(&o);
    long total = 0;
    int n_bad = 0;
    for (int i = 1; i <= files; i++) {
        int bad = i % 5 == 0 ? (i / 5 % 2 ? BAD_PHANTOM : BAD_STALE) : BAD_NONE;
        cparams pp;
        pp.n_ops = 100 + (long)(sb_rng_next(&r) % 901);
        pp.clients = 5 + (int)(sb_rng_next(&r) % 46);
        pp.info = 0.10 + 0.20 * sb_rng_unit(&r);
        pp.group = pp.clients < group ? pp.clients : group;
        pp.per_key = per_key;
        sb_buf_reset(&o);
        corpus_history(&r, bad, values, &pp, &o);
        snprintf(path, sizeof(path), "%s/%s/gen-%04d.edn", dir, bad ? "bad" : "good", i);
        if (sb_write_file(path, o.data, o.len, err) == -1) {
            fprintf(stderr, "bench_jepsen: %s\n", err);
            sb_buf_free(&o);
            return 2;
        }
        total += pp.n_ops;
        n_bad += bad != BAD_NONE;
    }
    sb_buf_free(&o);
    printf("%d histories in %s (%d in good/, %d in bad/), %ld operations, seed %" PRIu64 "\n",
           files, dir, files - n_bad, n_bad, total, seed);
    return 0;
}

int main(int argc, char **argv)
{
    long n = 100000;
    int keys = 100, clients = 10;
    double info = 0.01;
    uint64_t seed = 1;
    const char *corpus = NULL;
    int files = 100, values = 5, group = 10, per_key = 100;
    static const struct option opts[] = {{"ops", required_argument, 0, 'n'},
                                         {"corpus", required_argument, 0, 'C'},
                                         {"files", required_argument, 0, 'F'},
                                         {"values", required_argument, 0, 'V'},
                                         {"group", required_argument, 0, 'G'},
                                         {"per-key", required_argument, 0, 'K'},
                                         {"keys", required_argument, 0, 'k'},
                                         {"clients", required_argument, 0, 'c'},
                                         {"info", required_argument, 0, 'i'},
                                         {"seed", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
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
        case 'C':
            corpus = optarg;
            break;
        case 'F':
            files = atoi(optarg);
            break;
        case 'V':
            values = atoi(optarg);
            break;
        case 'G':
            group = atoi(optarg);
            break;
        case 'K':
            per_key = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: bench_jepsen [--ops N] [--keys K] [--clients C] [--info P] "
                            "[--seed S]\n"
                            "       bench_jepsen --corpus DIR [--files N] [--seed S] "
                            "[--values V]\n"
                            "                    [--group G] [--per-key K]\n");
            return 2;
        }
    }
    if (corpus) {
        if (files <= 0 || values <= 0 || group <= 0 || per_key <= 0) {
            fprintf(stderr,
                    "bench_jepsen: --files, --values, --group and --per-key must be positive\n");
            return 2;
        }
        return corpus_write(corpus, files, seed, values, group, per_key);
    }
    if (n <= 0 || keys <= 0 || clients <= 0) {
        fprintf(stderr, "bench_jepsen: --ops, --keys and --clients must be positive\n");
        return 2;
    }
    return run(n, keys, clients, info, seed);
}
