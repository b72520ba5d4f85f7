/* test_props_register.c -- generated-history properties of the
 * linearizability checker (issue 14, item 7).
 *
 * Small register histories (2-4 processes, up to 10 operations: read,
 * write, cas, with fail and info outcomes and operations never completed,
 * one register or two in the {"k", "v"} form, sometimes with the
 * controller's final read) come three ways: from a simulated linearizable
 * register (each operation takes effect atomically between its invocation
 * and its completion; small values, so they repeat), from such a run with
 * one observation mutated (a read's value, an outcome), and fully at
 * random. On every one linear_check must agree with a reference written
 * here: an exhaustive search over the orders consistent with real-time
 * order, in which every ok operation takes effect within its interval,
 * every info (or never completed) write and cas at any point after its
 * invocation or never, and fail operations and unknown reads not at all.
 * The reference memoises the (placed set, value) pairs that lead nowhere,
 * which prunes repeats without changing the answer.
 *
 * Larger histories (100-300 operations over up to four registers, unique
 * values) from the simulated register must be valid for the
 * "linearizable" checker.
 *
 * Seeded and reproducible: every case derives its seed from the base seed
 * (SB_PROP_SEED, default 1), the class and the case number; SB_PROP_CASES
 * sets the cases per class (default PROP_CASES, a fifth of it for the
 * large histories), SB_PROP_CASE runs only that case. A failure prints all
 * of it and the history as JSONL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checker.h"
#include "history.h"
#include "linear.h"
#include "util.h"

#include "hist_fixture.h"

/* Cases per class, unless SB_PROP_CASES says otherwise; a quarter under
 * AddressSanitizer, which makes every case about seven times slower. */
#if defined(__SANITIZE_ADDRESS__)
#define PROP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROP_ASAN 1
#endif
#endif
#ifdef PROP_ASAN
#define PROP_CASES 1250
#else
#define PROP_CASES 5000
#endif
#define PROP_SEED 1 /* unless SB_PROP_SEED */

#define NIL INT64_MIN /* the register's value before any write: null */
#define MAX_OPS 320
#define MAX_PROCS 8
#define BF_MAX 16 /* operations of one register the reference searches */

/* ====== Operations and their history ====== */

enum { R_READ, R_WRITE, R_CAS };
static const char *const kind_f[] = {"read", "write", "cas"};

/* One operation as the generator knows it. A final read is a read of one
 * register by the controller, invoked and completed at its one position. */
typedef struct rop {
    int process, kind, key;
    int64_t a, b;       /* read: the value read (ok); write: a; cas: a -> b */
    sb_op_type outcome; /* OK, FAIL or INFO */
    int completed;      /* 0: never completed (info) */
    int64_t inv, ret;   /* history positions; ret INT64_MAX when none */
} rop;

typedef struct run {
    rop ops[MAX_OPS];
    int n, nkeys, keyed; /* keyed: values in the {"k", "v"} form */
    int final;           /* ops[n - nkeys ..] are the final read */
    /* The order of events: op index * 2 + (1 for the completion). */
    int ev[2 * MAX_OPS];
    int nev;
} run;

static json_t *reg_json(int64_t v)
{
    return v == NIL ? json_null() : json_integer(v);
}

static json_t *value_json(const run *r, const rop *o, int done)
{
    json_t *v;
    if (o->kind == R_READ)
        v = done && o->outcome == SB_OP_OK ? reg_json(o->a) : json_null();
    else if (o->kind == R_WRITE)
        v = json_integer(o->a);
    else
        v = json_pack("[oo]", reg_json(o->a), reg_json(o->b));
    return r->keyed ? json_pack("{s:i,s:o}", "k", o->key, "v", v) : v;
}

static void emit(sb_history *h, int process, sb_op_type type, const char *f, json_t *value)
{
    sb_op op = {.process = process, .type = type, .value = value, .time_ns = (int64_t)h->n * 1000};
    snprintf(op.f, sizeof(op.f), "%s", f);
    history_add(h, &op);
    json_decref(value);
}

/* The history of r, in event order; sets every op's positions. */
static sb_history *render(run *r)
{
    sb_history *h = history_new();
    h->ops = malloc(64 * sizeof(sb_op)); /* history_new() would start at 1024 */
    assert_non_null(h->ops);
    h->cap = 64;
    for (int i = 0; i < r->n; i++)
        r->ops[i].ret = INT64_MAX;
    for (int e = 0; e < r->nev; e++) {
        rop *o = &r->ops[r->ev[e] / 2];
        int done = r->ev[e] % 2;
        *(done ? &o->ret : &o->inv) = (int64_t)h->n;
        emit(h, o->process, done ? o->outcome : SB_OP_INVOKE, kind_f[o->kind],
             value_json(r, o, done));
    }
    if (r->final) {
        emit(h, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL);
        json_t *all = json_object();
        for (int i = r->n - r->nkeys; i < r->n; i++) {
            char k[16];
            snprintf(k, sizeof(k), "%d", r->ops[i].key);
            json_object_set_new(all, k, reg_json(r->ops[i].a));
            r->ops[i].inv = r->ops[i].ret = (int64_t)h->n;
        }
        emit(h, SB_PROC_CONTROLLER, SB_OP_OK, "read", all);
    }
    return h;
}

/* ====== Generators ====== */

typedef struct gen_opts {
    int procs, min_ops, ops, keys; /* at most, but min_ops */
    int64_t domain;                /* values 1..domain; 0: every write a new value */
    double info, fail, pending, final;
} gen_opts;

static uint64_t rnd(sb_rng *g, uint64_t n)
{
    return sb_rng_next(g) % n;
}

static int64_t any_value(sb_rng *g, int64_t domain, int nil_too)
{
    uint64_t x = rnd(g, (uint64_t)domain + (nil_too ? 1 : 0));
    return x == (uint64_t)domain ? NIL : (int64_t)x + 1;
}

/* A run of a linearizable register: each op takes effect at one step
 * between its invocation and its completion (or, info, perhaps never). */
static void gen_linearizable(run *r, sb_rng *g, const gen_opts *o)
{
    int procs = 2 + (int)rnd(g, (uint64_t)o->procs - 1);
    int nops = o->min_ops + (int)rnd(g, (uint64_t)(o->ops - o->min_ops + 1));
    memset(r, 0, sizeof(*r));
    r->nkeys = 1 + (int)rnd(g, (uint64_t)o->keys);
    r->keyed = r->nkeys > 1 || rnd(g, 2);
    int64_t reg[4] = {NIL, NIL, NIL, NIL}, next = 0;
    int cur[MAX_PROCS], state[MAX_PROCS] = {0}; /* 0 idle, 1 invoked, 2 applied */
    int busy = 0;
    while (r->n < nops || busy) {
        int p = (int)rnd(g, (uint64_t)procs);
        if (state[p] == 0) {
            if (r->n == nops)
                continue;
            rop *x = &r->ops[r->n];
            *x = (rop){.process = p,
                       .kind = (int)rnd(g, 3),
                       .key = (int)rnd(g, (uint64_t)r->nkeys),
                       .outcome = SB_OP_OK,
                       .completed = 1};
            int64_t v = o->domain ? any_value(g, o->domain, 0) : ++next;
            if (x->kind == R_WRITE) {
                x->a = v;
            } else if (x->kind == R_CAS) {
                /* Mostly the value it will find (if nobody changes it first). */
                x->a = rnd(g, 3) ? reg[x->key] : any_value(g, o->domain ? o->domain : next, 1);
                x->b = v;
            }
            cur[p] = r->n++;
            r->ev[r->nev++] = cur[p] * 2;
            state[p] = 1, busy++;
        } else if (state[p] == 1) {
            rop *x = &r->ops[cur[p]];
            int64_t *v = &reg[x->key];
            int info = sb_rng_unit(g) < o->info, applies = !info || rnd(g, 2);
            if (x->kind != R_READ && !info && sb_rng_unit(g) < o->fail)
                x->outcome = SB_OP_FAIL; /* refused before it reached the register */
            else if (x->kind == R_READ)
                x->a = *v, x->outcome = info ? SB_OP_INFO : SB_OP_OK;
            else if (x->kind == R_WRITE)
                *v = applies ? x->a : *v, x->outcome = info ? SB_OP_INFO : SB_OP_OK;
            else if (*v == x->a)
                *v = applies ? x->b : *v, x->outcome = info ? SB_OP_INFO : SB_OP_OK;
            else
                x->outcome = info ? SB_OP_INFO : SB_OP_FAIL;
            state[p] = 2;
        } else {
            rop *x = &r->ops[cur[p]];
            /* At the end an op may stay open: never completed. */
            if (r->n == nops && sb_rng_unit(g) < o->pending)
                x->completed = 0;
            else
                r->ev[r->nev++] = cur[p] * 2 + 1;
            state[p] = 0, busy--;
        }
    }
    for (int i = 0; i < r->n; i++)
        if (!r->ops[i].completed)
            r->ops[i].outcome = SB_OP_INFO;
    if (r->keyed && sb_rng_unit(g) < o->final) {
        r->final = 1;
        for (int k = 0; k < r->nkeys; k++)
            r->ops[r->n++] = (rop){.process = SB_PROC_CONTROLLER,
                                   .kind = R_READ,
                                   .key = k,
                                   .a = reg[k],
                                   .outcome = SB_OP_OK,
                                   .completed = 1};
    }
}

/* One observation of a linearizable run changed: a value read, or an
 * outcome (a completed op's ok, fail and info swapped). */
static void mutate(run *r, sb_rng *g, int64_t domain)
{
    int i = (int)rnd(g, (uint64_t)r->n);
    rop *x = &r->ops[i];
    if (!x->completed)
        return;
    if (x->kind == R_READ && x->outcome == SB_OP_OK && rnd(g, 3)) {
        int64_t v;
        do
            v = any_value(g, domain, 1);
        while (v == x->a);
        x->a = v;
    } else if (x->process >= 0) {
        static const sb_op_type types[] = {SB_OP_OK, SB_OP_FAIL, SB_OP_INFO};
        sb_op_type t;
        do
            t = types[rnd(g, 3)];
        while (t == x->outcome);
        x->outcome = t;
    }
}

/* Operations and outcomes at random: reads return any small value. */
static void gen_random(run *r, sb_rng *g)
{
    memset(r, 0, sizeof(*r));
    int procs = 2 + (int)rnd(g, 3), nops = 1 + (int)rnd(g, 9);
    r->nkeys = 1 + (int)rnd(g, 2);
    r->keyed = r->nkeys > 1 || rnd(g, 2);
    int cur[MAX_PROCS], busy[MAX_PROCS] = {0}, open = 0;
    static const sb_op_type types[] = {SB_OP_OK, SB_OP_OK, SB_OP_OK, SB_OP_FAIL, SB_OP_INFO};
    while (r->n < nops || open) {
        int p = (int)rnd(g, (uint64_t)procs);
        if (!busy[p]) {
            if (r->n == nops)
                continue;
            rop *x = &r->ops[r->n];
            *x = (rop){.process = p,
                       .kind = (int)rnd(g, 3),
                       .key = (int)rnd(g, (uint64_t)r->nkeys),
                       .a = any_value(g, 3, 0),
                       .b = any_value(g, 3, 0),
                       .completed = 1};
            x->outcome = types[rnd(g, 5)];
            if (x->kind == R_READ || x->kind == R_CAS)
                x->a = any_value(g, 3, 1);
            cur[p] = r->n++;
            r->ev[r->nev++] = cur[p] * 2;
            busy[p] = 1, open++;
            continue;
        }
        if (r->n == nops && rnd(g, 4) == 0)
            r->ops[cur[p]].completed = 0, r->ops[cur[p]].outcome = SB_OP_INFO;
        else
            r->ev[r->nev++] = cur[p] * 2 + 1;
        busy[p] = 0, open--;
    }
}

/* ====== The reference ====== */

typedef struct bf {
    int n;
    const rop *op[BF_MAX];
    uint32_t before[BF_MAX]; /* must-place ops that completed before op i began */
    uint32_t must;           /* the ok ops */
    int64_t vals[2 * BF_MAX + 1];
    int nvals;
    unsigned char *dead; /* (placed set, value) from which no order works */
} bf;

static int val_index(bf *b, int64_t v)
{
    for (int i = 0; i < b->nvals; i++)
        if (b->vals[i] == v)
            return i;
    b->vals[b->nvals] = v;
    return b->nvals++;
}

/* Applies op to the register: 0 when it cannot take effect on v. */
static int bf_step(const rop *o, int64_t v, int64_t *next)
{
    *next = v;
    if (o->kind == R_READ)
        return o->a == v;
    if (o->kind == R_WRITE)
        return *next = o->a, 1;
    if (o->a != v)
        return 0;
    *next = o->b;
    return 1;
}

static int bf_search(bf *b, uint32_t placed, int64_t v)
{
    if ((placed & b->must) == b->must)
        return 1;
    size_t at = (size_t)placed * (size_t)b->nvals + (size_t)val_index(b, v);
    if (b->dead[at])
        return 0;
    for (int i = 0; i < b->n; i++) {
        int64_t next;
        if ((placed >> i & 1) || (b->before[i] & ~placed) || !bf_step(b->op[i], v, &next))
            continue;
        if (bf_search(b, placed | 1u << i, next))
            return 1;
    }
    b->dead[at] = 1;
    return 0;
}

/* 1 when some order places every ok op of register key. */
static int bf_key(const run *r, int key)
{
    bf b = {0};
    for (int i = 0; i < r->n; i++) {
        const rop *o = &r->ops[i];
        int ok = o->completed && o->outcome == SB_OP_OK;
        int maybe = o->kind != R_READ && o->outcome == SB_OP_INFO;
        if (o->key != key || !(ok || maybe))
            continue;
        assert_true(b.n < BF_MAX);
        b.must |= ok ? 1u << b.n : 0;
        b.op[b.n++] = o;
    }
    val_index(&b, NIL);
    for (int i = 0; i < b.n; i++) {
        if (b.op[i]->kind != R_READ)
            val_index(&b, b.op[i]->kind == R_WRITE ? b.op[i]->a : b.op[i]->b);
        for (int j = 0; j < b.n; j++)
            if ((b.must >> j & 1) && j != i && b.op[j]->ret < b.op[i]->inv)
                b.before[i] |= 1u << j;
    }
    b.dead = calloc((size_t)b.nvals << b.n, 1);
    assert_non_null(b.dead);
    int ok = bf_search(&b, 0, NIL);
    free(b.dead);
    return ok;
}

/* Registers are independent (linearizability is compositional). */
static int bf_linearizable(const run *r)
{
    for (int k = 0; k < r->nkeys; k++)
        if (!bf_key(r, k))
            return 0;
    return 1;
}

/* ====== Properties ====== */

static void report(const fx_prop *p, const char *cls, long i, uint64_t seed, const char *what,
                   const sb_history *h)
{
    fprintf(stderr,
            "register property \"%s\" failed: SB_PROP_SEED=%llu SB_PROP_CASE=%ld (case seed %llu): "
            "%s\nhistory:\n",
            cls, (unsigned long long)p->base, i, (unsigned long long)seed, what);
    fx_dump(h);
}

enum { C_LINEARIZABLE = 1, C_MUTATED, C_RANDOM, C_LARGE };
static const char *const class_names[] = {"", "linearizable", "mutated", "random", "large"};

static const gen_opts small = {.procs = 4,
                               .min_ops = 1,
                               .ops = 10,
                               .keys = 2,
                               .domain = 3,
                               .info = 0.15,
                               .fail = 0.1,
                               .pending = 0.3,
                               .final = 0.3};

/* Cases of one small class: linear_check agrees with the reference on
 * each; counts[v] the cases of each verdict. */
static void small_cases(int cls, long counts[2])
{
    fx_prop p = fx_prop_init(PROP_SEED, PROP_CASES);
    run *r = malloc(sizeof(run));
    assert_non_null(r);
    for (long i = 0; i < p.cases; i++) {
        if (p.only >= 0 && i != p.only)
            continue;
        uint64_t seed = fx_case_seed(&p, cls, i);
        sb_rng g;
        sb_rng_seed(&g, seed);
        if (cls == C_RANDOM) {
            gen_random(r, &g);
        } else {
            gen_linearizable(r, &g, &small);
            if (cls == C_MUTATED)
                mutate(r, &g, small.domain);
        }
        sb_history *h = render(r);
        int want = bf_linearizable(r);
        sb_linear_result lr;
        char err[SB_ERR_LEN] = "", what[SB_ERR_LEN + 128];
        int rc = linear_check(h, NULL, &lr, err);
        int got = rc                                  ? -1
                  : lr.verdict == SB_LINEAR_OK        ? 1
                  : lr.verdict == SB_LINEAR_VIOLATION ? 0
                                                      : -1;
        if (rc)
            snprintf(what, sizeof(what), "linear_check: %s", err);
        else
            snprintf(what, sizeof(what), "linear_check says %s, the reference %s%s",
                     got == 1   ? "linearizable"
                     : got == 0 ? "violation"
                                : lr.why,
                     want ? "linearizable" : "violation",
                     cls == C_LINEARIZABLE && !want ? " (of a linearizable run: a bad reference)"
                                                    : "");
        if (!rc)
            linear_result_free(&lr);
        if (got != want || (cls == C_LINEARIZABLE && !want)) {
            report(&p, class_names[cls], i, seed, what, h);
            history_free(h);
            free(r);
            fail();
        }
        counts[want]++;
        history_free(h);
    }
    free(r);
    print_message("%s: %ld linearizable, %ld not, agreed (seed %llu)\n", class_names[cls],
                  counts[1], counts[0], (unsigned long long)p.base);
}

static void linearizable_runs_agree_with_the_reference(void **state)
{
    (void)state;
    long counts[2] = {0};
    small_cases(C_LINEARIZABLE, counts);
}

/* Not vacuous: a fair share of both verdicts. */
static void mutated_runs_agree_with_the_reference(void **state)
{
    (void)state;
    long counts[2] = {0};
    small_cases(C_MUTATED, counts);
    long n = counts[0] + counts[1];
    assert_true(n < 100 || (counts[0] * 10 >= n && counts[1] * 10 >= n));
}

static void random_histories_agree_with_the_reference(void **state)
{
    (void)state;
    long counts[2] = {0};
    small_cases(C_RANDOM, counts);
    long n = counts[0] + counts[1];
    assert_true(n < 100 || (counts[0] * 10 >= n && counts[1] * 10 >= n));
}

static void large_linearizable_runs_are_valid(void **state)
{
    (void)state;
    fx_prop p = fx_prop_init(PROP_SEED, PROP_CASES);
    long cases = p.cases / 5 ? p.cases / 5 : 1, ops = 0;
    const gen_opts large = {.procs = MAX_PROCS,
                            .min_ops = 100,
                            .ops = 300,
                            .keys = 4,
                            .domain = 0,
                            .info = 0.05,
                            .fail = 0.05,
                            .pending = 0.5,
                            .final = 0.5};
    run *r = malloc(sizeof(run));
    assert_non_null(r);
    for (long i = 0; i < cases; i++) {
        if (p.only >= 0 && i != p.only)
            continue;
        uint64_t seed = fx_case_seed(&p, C_LARGE, i);
        sb_rng g;
        sb_rng_seed(&g, seed);
        gen_linearizable(r, &g, &large);
        sb_history *h = render(r);
        sb_check_result cr = {0};
        char err[SB_ERR_LEN] = "";
        if (checker_find("linearizable")->check(h, &cr, err) || cr.verdict != SB_VERDICT_VALID) {
            report(&p, class_names[C_LARGE], i, seed, err[0] ? err : cr.summary, h);
            check_result_free(&cr);
            history_free(h);
            free(r);
            fail();
        }
        ops += r->n;
        check_result_free(&cr);
        history_free(h);
    }
    free(r);
    print_message("large: %ld cases, %ld operations, all valid (seed %llu)\n", cases, ops,
                  (unsigned long long)p.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linearizable_runs_agree_with_the_reference),
        cmocka_unit_test(mutated_runs_agree_with_the_reference),
        cmocka_unit_test(random_histories_agree_with_the_reference),
        cmocka_unit_test(large_linearizable_runs_are_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
