/* bench_listappend.c -- time of the list-append checker on generated
 * histories.
 *
 * The history comes from a simulation: CLIENTS clients run transactions of
 * 1..4 micro-ops (append or read, half each) over K active keys, each
 * applied atomically to an in-memory store at its completion, so the
 * history is strictly serializable. 1% of the transactions end info (applied or
 * not, at random). As in Elle's workload, a key takes at most W appends and
 * is then replaced by a fresh one, so reads stay short. --stale-reads makes
 * reads see the list as it was at invocation instead (not atomic), which
 * yields G-single/G2 cycles for the cycle search to find.
 *
 * --model NAME records the consistency model the checker judges by (as a
 * history's "list-append-config" op does; serializable by default):
 * strict-serializable adds real-time edges, the strong-session models
 * process ones.
 *
 * usage: bench_listappend [--txns N] [--keys K] [--writes-per-key W]
 *                         [--seed S] [--no-final] [--stale-reads]
 *                         [--model NAME] */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "checker.h"
#include "history.h"
#include "util.h"

#include "bench_common.h"

#define CLIENTS 10
#define MAX_MOPS 4
#define INFO_RATE 0.01

typedef struct list {
    int64_t *v;
    size_t n, cap;
} list;

typedef struct store {
    list *lists; /* by key id */
    size_t nkeys, cap;
    size_t *active;  /* key ids of the K active slots */
    size_t *appends; /* appends per key id */
} store;

typedef struct plan {
    int n, append[MAX_MOPS];
    size_t key[MAX_MOPS], seen[MAX_MOPS]; /* seen: length at invocation */
    int64_t value[MAX_MOPS];
} plan;

static size_t new_key(store *s)
{
    if (s->nkeys == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->lists = realloc(s->lists, s->cap * sizeof(list));
        s->appends = realloc(s->appends, s->cap * sizeof(size_t));
        if (!s->lists || !s->appends)
            bench_die("bench_listappend", "out of memory");
    }
    s->lists[s->nkeys] = (list){0};
    s->appends[s->nkeys] = 0;
    return s->nkeys++;
}

static void push(list *l, int64_t v)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        if (!(l->v = realloc(l->v, l->cap * sizeof(int64_t))))
            bench_die("bench_listappend", "out of memory");
    }
    l->v[l->n++] = v;
}

static json_t *list_json(const list *l, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(l->v[i]));
    return a;
}

/* The invocation's micro-ops. */
static json_t *plan_json(const plan *p)
{
    json_t *a = json_array();
    for (int i = 0; i < p->n; i++) {
        char key[32];
        snprintf(key, sizeof(key), "k%zu", p->key[i]);
        json_array_append_new(a, p->append[i]
                                     ? json_pack("[ssI]", "append", key, (json_int_t)p->value[i])
                                     : json_pack("[ssn]", "r", key));
    }
    return a;
}

static void record(sb_history *h, int process, sb_op_type type, const char *f, json_t *value,
                   int64_t t)
{
    sb_op op = {.process = process, .type = type, .value = value, .time_ns = t};
    snprintf(op.f, sizeof(op.f), "%s", f);
    history_add(h, &op);
    json_decref(value);
}

static void apply(store *s, const plan *p, size_t k, size_t w)
{
    for (int i = 0; i < p->n; i++) {
        if (!p->append[i])
            continue;
        push(&s->lists[p->key[i]], p->value[i]);
        if (++s->appends[p->key[i]] == w)
            for (size_t j = 0; j < k; j++)
                if (s->active[j] == p->key[i])
                    s->active[j] = new_key(s);
    }
}

static sb_history *generate(int64_t n_txns, size_t k, size_t w, uint64_t seed, int final, int stale,
                            const char *model)
{
    sb_history *h = history_new();
    if (model)
        record(h, SB_PROC_CONTROLLER, SB_OP_OK, "list-append-config",
               json_pack("{s:s}", "model", model), 0);
    store s = {0};
    s.active = malloc(k * sizeof(size_t));
    if (!s.active)
        bench_die("bench_listappend", "out of memory");
    for (size_t j = 0; j < k; j++)
        s.active[j] = new_key(&s);
    sb_rng rng;
    sb_rng_seed(&rng, seed);
    plan plans[CLIENTS];
    int busy[CLIENTS] = {0};
    int64_t started = 0, open = 0, value = 0, t = 0;
    while (started < n_txns || open) {
        int c = (int)(sb_rng_next(&rng) % CLIENTS);
        t += 1000;
        plan *p = &plans[c];
        if (!busy[c]) {
            if (started == n_txns)
                continue;
            p->n = 1 + (int)(sb_rng_next(&rng) % MAX_MOPS);
            for (int i = 0; i < p->n; i++) {
                p->append[i] = sb_rng_next(&rng) % 2 == 0;
                p->key[i] = s.active[sb_rng_next(&rng) % k];
                p->value[i] = ++value;
                p->seen[i] = s.lists[p->key[i]].n;
            }
            record(h, c, SB_OP_INVOKE, "txn", plan_json(p), t);
            busy[c] = 1, started++, open++;
            continue;
        }
        busy[c] = 0, open--;
        if (sb_rng_unit(&rng) < INFO_RATE) {
            if (sb_rng_next(&rng) % 2)
                apply(&s, p, k, w);
            record(h, c, SB_OP_INFO, "txn", plan_json(p), t);
            continue;
        }
        apply(&s, p, k, w);
        json_t *done = json_array();
        for (int i = 0; i < p->n; i++) {
            char key[32];
            snprintf(key, sizeof(key), "k%zu", p->key[i]);
            if (p->append[i]) {
                json_array_append_new(done,
                                      json_pack("[ssI]", "append", key, (json_int_t)p->value[i]));
                continue;
            }
            /* The list at the txn's instant, without its own later appends;
             * stale, as at invocation when the txn has not appended to it. */
            const list *l = &s.lists[p->key[i]];
            size_t later = 0, earlier = 0;
            for (int j = 0; j < p->n; j++)
                if (p->append[j] && p->key[j] == p->key[i])
                    *(j > i ? &later : &earlier) += 1;
            size_t len = stale && !earlier ? p->seen[i] : l->n - later;
            json_array_append_new(done, json_pack("[sso]", "r", key, list_json(l, len)));
        }
        record(h, c, SB_OP_OK, "txn", done, t);
    }
    if (final) {
        json_t *all = json_object();
        for (size_t i = 0; i < s.nkeys; i++) {
            char key[32];
            snprintf(key, sizeof(key), "k%zu", i);
            json_object_set_new(all, key, list_json(&s.lists[i], s.lists[i].n));
        }
        record(h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, t + 1000);
        record(h, SB_PROC_CONTROLLER, SB_OP_OK, "read", all, t + 2000);
    }
    for (size_t i = 0; i < s.nkeys; i++)
        free(s.lists[i].v);
    free(s.lists), free(s.appends), free(s.active);
    return h;
}

int main(int argc, char **argv)
{
    int64_t n = 100000;
    size_t k = 10, w = 32;
    uint64_t seed = 1;
    int final = 1, stale = 0;
    const char *model = NULL;
    static const struct option opts[] = {{"txns", required_argument, 0, 'n'},
                                         {"keys", required_argument, 0, 'k'},
                                         {"writes-per-key", required_argument, 0, 'w'},
                                         {"seed", required_argument, 0, 's'},
                                         {"no-final", no_argument, 0, 'F'},
                                         {"stale-reads", no_argument, 0, 'S'},
                                         {"model", required_argument, 0, 'm'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = atoll(optarg);
            break;
        case 'k':
            k = (size_t)atoll(optarg);
            break;
        case 'w':
            w = (size_t)atoll(optarg);
            break;
        case 's':
            seed = (uint64_t)atoll(optarg);
            break;
        case 'F':
            final = 0;
            break;
        case 'S':
            stale = 1;
            break;
        case 'm':
            model = optarg;
            break;
        default:
            fprintf(stderr, "usage: bench_listappend [--txns N] [--keys K] [--writes-per-key W] "
                            "[--seed S] [--no-final] [--stale-reads] [--model NAME]\n");
            return 2;
        }
    }
    if (n < 1 || k < 1 || w < 1)
        bench_die("bench_listappend", "--txns, --keys and --writes-per-key must be positive");
    int64_t t0 = sb_now_ns();
    sb_history *h = generate(n, k, w, seed, final, stale, model);
    int64_t t1 = sb_now_ns();
    sb_check_result r = {0};
    double check_s = bench_check("bench_listappend", "list-append", h, &r);
    printf("history: %zu ops (%lld txns, %zu active keys, <= %zu appends/key%s%s, model %s), "
           "generated in %.2f s\n",
           h->n, (long long)n, k, w, final ? "" : ", no final read", stale ? ", stale reads" : "",
           model ? model : "serializable", (t1 - t0) / 1e9);
    bench_print_check(h, &r, check_s);
    bench_print_figures(r.figures, 26, 0);
    check_result_free(&r);
    history_free(h);
    return 0;
}
