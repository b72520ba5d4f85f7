/* counter.c -- checker "counter": reads of an INCR counter.
 *
 * Worker ops f "incr" add 1; f "read" return the counter. A read (and the
 * final read, by the controller) must lie between the increments
 * acknowledged before it began and the increments invoked before it
 * ended, leaving out increments that failed (certainly not applied).
 * Increments of unknown outcome count in the upper bound only, so they are
 * never taken as lost, and never as proof of anything. The final value
 * also says how many acknowledged increments were lost, and how many
 * applied though never acknowledged (as antirez's Cluster consistency test
 * reports lost and not-acked writes).
 *
 * The final read is a read like the others: it counts in "reads", and in
 * "bad_reads" when it lies above the attempted total (impossible) or below
 * the acknowledged one (its shortfall is also "lost"), so a bound on
 * bad_reads sees every read that makes the verdict invalid.
 *
 * Keyed counters (a cluster spreads them over its shards): operation values
 * {"k":"3","v":1} and a final read {"0":n,...}. Each key is judged on its
 * own history; the figures add up over the keys, with "keys" per key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

#define BAD_LIST_CAP 100

typedef struct pending {
    int process;
    size_t at; /* index of the invocation */
} pending;

/* 1 when read value v lies outside [lo, hi], and then it goes on the list
 * (up to BAD_LIST_CAP entries; the final read's entry says "final"). */
static int counter_judge_read(const sb_op *op, long long v, long long lo, long long hi,
                              json_t *bad_list)
{
    if (v >= lo && v <= hi)
        return 0;
    if (json_array_size(bad_list) < BAD_LIST_CAP) {
        json_t *e = json_pack("{s:I,s:i,s:I,s:I,s:I,s:f}", "index", (json_int_t)op->index,
                              "process", op->process, "value", (json_int_t)v, "min", (json_int_t)lo,
                              "max", (json_int_t)hi, "time_s", op->time_ns / 1e9);
        if (op->process == SB_PROC_CONTROLLER)
            json_object_set_new(e, "final", json_true());
        json_array_append_new(bad_list, e);
    }
    return 1;
}

static int counter_check_one(const sb_history *h, sb_check_result *out)
{
    size_t n = h->n;
    /* failed[i]: the incr invoked at i failed. The completion of a
     * process's operation is its next op. */
    unsigned char *failed = sb_xcalloc(n + 1, 1);
    long *last_invoke = NULL;
    int max_proc = -1;
    for (size_t i = 0; i < n; i++)
        if (h->ops[i].process > max_proc)
            max_proc = h->ops[i].process;
    last_invoke = sb_xmalloc(((size_t)max_proc + 2) * sizeof(long));
    for (int p = 0; p <= max_proc; p++)
        last_invoke[p] = -1;
    for (size_t i = 0; i < n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0 || strcmp(op->f, "incr"))
            continue;
        if (op->type == SB_OP_INVOKE)
            last_invoke[op->process] = (long)i;
        else if (last_invoke[op->process] >= 0) {
            if (op->type == SB_OP_FAIL)
                failed[last_invoke[op->process]] = 1;
            last_invoke[op->process] = -1;
        }
    }
    /* Walk: acked and attempted so far; reads remember the bound at their
     * invocation. */
    long long acked = 0, attempted = 0, info = 0, reads = 0, bad = 0;
    /* -1: no read of that process in flight (a completion without its
     * invocation, e.g. in an imported history, is then not judged). */
    long long *read_lower = sb_xmalloc(((size_t)max_proc + 2) * sizeof(long long));
    for (int p = 0; p < max_proc + 2; p++)
        read_lower[p] = -1;
    json_t *bad_list = json_array();
    long long final = -1, final_lower = 0, final_upper = 0;
    const sb_op *final_op = NULL;
    for (size_t i = 0; i < n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "read") && op->type == SB_OP_OK &&
            json_is_integer(op->value)) {
            final_op = op;
            final = json_integer_value(op->value);
            final_lower = acked;
            final_upper = attempted;
            continue;
        }
        if (op->process < 0)
            continue;
        if (!strcmp(op->f, "incr")) {
            if (op->type == SB_OP_INVOKE && !failed[i])
                attempted++;
            else if (op->type == SB_OP_OK)
                acked++;
            else if (op->type == SB_OP_INFO)
                info++;
            continue;
        }
        if (strcmp(op->f, "read"))
            continue;
        if (op->type == SB_OP_INVOKE) {
            read_lower[op->process] = acked;
            continue;
        }
        long long lo = read_lower[op->process];
        read_lower[op->process] = -1;
        if (op->type != SB_OP_OK || !json_is_integer(op->value) || lo < 0)
            continue;
        reads++;
        bad += counter_judge_read(op, json_integer_value(op->value), lo, attempted, bad_list);
    }
    if (final_op) {
        reads++;
        bad += counter_judge_read(final_op, final, final_lower, final_upper, bad_list);
    }
    json_t *fig = json_object();
    json_object_set_new(fig, "acknowledged", json_integer(acked));
    json_object_set_new(fig, "attempted", json_integer(attempted));
    json_object_set_new(fig, "indeterminate", json_integer(info));
    json_object_set_new(fig, "reads", json_integer(reads));
    json_object_set_new(fig, "bad_reads", json_integer(bad));
    json_object_set_new(fig, "bad", bad_list);
    long long lost = 0, unacked = 0, dup = 0;
    if (final >= 0) {
        lost = final < final_lower ? final_lower - final : 0;
        unacked = final > final_lower ? final - final_lower : 0;
        /* Above every increment that may have happened: some happened
         * twice (a client re-sent an INCR), at least this many times. */
        dup = final > final_upper ? final - final_upper : 0;
        json_object_set_new(fig, "final", json_integer(final));
        json_object_set_new(fig, "final_min", json_integer(final_lower));
        json_object_set_new(fig, "final_max", json_integer(final_upper));
    }
    json_object_set_new(fig, "lost", json_integer(lost));
    json_object_set_new(fig, "unacknowledged_applied", json_integer(unacked));
    json_object_set_new(fig, "duplicates", json_integer(dup));
    out->figures = fig;
    if (final < 0) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary),
                 "no final read; %lld of %lld reads out of bounds", bad, reads);
    } else {
        out->verdict = bad || lost ? SB_VERDICT_INVALID : SB_VERDICT_VALID;
        snprintf(out->summary, sizeof(out->summary),
                 "final %lld (acknowledged %lld, attempted %lld): %lld lost, %lld applied "
                 "unacknowledged; %lld of %lld reads out of bounds",
                 final, final_lower, final_upper, lost, unacked, bad, reads);
        if (dup) {
            size_t len = strlen(out->summary);
            snprintf(out->summary + len, sizeof(out->summary) - len,
                     "; at least %lld increments applied twice", dup);
        }
    }
    free(failed);
    free(last_invoke);
    free(read_lower);
    return 0;
}

/* The sub-history of one key: every op whose value names key k, with its
 * value replaced by v, and the final read's entry for k. */
static sb_history *key_history(const sb_history *h, const char *k)
{
    sb_history *sub = history_new();
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        sb_op cp = *op;
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "read") &&
            json_is_object(op->value)) {
            json_t *v = json_object_get(op->value, k);
            cp.value = v ? v : json_null();
        } else if (op->process >= 0 && json_is_object(op->value)) {
            const char *ok = json_string_value(json_object_get(op->value, "k"));
            if (!ok || strcmp(ok, k))
                continue;
            cp.value = json_object_get(op->value, "v");
        } else {
            continue;
        }
        history_add(sub, &cp);
    }
    return sub;
}

static int counter_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    /* Keyed when some worker op names a key. */
    json_t *keys = json_object(); /* k -> true, in order of appearance */
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        const char *k = op->process >= 0 && json_is_object(op->value)
                            ? json_string_value(json_object_get(op->value, "k"))
                            : NULL;
        if (k)
            json_object_set_new(keys, k, json_true());
    }
    if (json_object_size(keys) == 0) {
        json_decref(keys);
        return counter_check_one(h, out);
    }
    static const char *const sums[] = {
        "acknowledged", "attempted", "indeterminate", "reads",
        "bad_reads",    "final",     "lost",          "unacknowledged_applied",
        "final_min",    "final_max", "duplicates"};
    long long total[sizeof(sums) / sizeof(sums[0])] = {0};
    int invalid = 0, unknown = 0;
    json_t *per_key = json_object(), *bad = json_array();
    const char *k;
    json_t *unused;
    json_object_foreach(keys, k, unused)
    {
        sb_history *sub = key_history(h, k);
        sb_check_result r = {0};
        counter_check_one(sub, &r);
        history_free(sub);
        invalid += r.verdict == SB_VERDICT_INVALID;
        unknown += r.verdict == SB_VERDICT_UNKNOWN;
        for (size_t j = 0; j < sizeof(sums) / sizeof(sums[0]); j++)
            total[j] += json_integer_value(json_object_get(r.figures, sums[j]));
        json_t *b;
        size_t bi;
        json_array_foreach(json_object_get(r.figures, "bad"), bi, b)
        {
            if (json_array_size(bad) < BAD_LIST_CAP) {
                json_t *e = json_deep_copy(b);
                json_object_set_new(e, "key", json_string(k));
                json_array_append_new(bad, e);
            }
        }
        json_object_del(r.figures, "bad");
        json_object_set_new(r.figures, "verdict", json_string(checker_verdict_name(r.verdict)));
        json_object_set(per_key, k, r.figures);
        check_result_free(&r);
    }
    json_t *fig = json_object();
    for (size_t j = 0; j < sizeof(sums) / sizeof(sums[0]); j++)
        json_object_set_new(fig, sums[j], json_integer(total[j]));
    json_object_set_new(fig, "bad", bad);
    json_object_set_new(fig, "keys", per_key);
    out->figures = fig;
    size_t nk = json_object_size(keys);
    out->verdict = invalid ? SB_VERDICT_INVALID : unknown ? SB_VERDICT_UNKNOWN : SB_VERDICT_VALID;
    snprintf(out->summary, sizeof(out->summary),
             "%zu keys, %d invalid%s: final %lld in all (acknowledged %lld, attempted %lld): %lld "
             "lost, %lld applied unacknowledged; %lld of %lld reads out of bounds",
             nk, invalid, unknown ? ", some without a final read" : "", total[5], total[0],
             total[1], total[6], total[7], total[4], total[3]);
    if (total[10]) {
        size_t len = strlen(out->summary);
        snprintf(out->summary + len, sizeof(out->summary) - len,
                 "; at least %lld increments applied twice", total[10]);
    }
    json_decref(keys);
    return 0;
}

static const char *const counter_figures[] = {
    "acknowledged", "attempted", "indeterminate",          "reads",      "bad_reads",
    "final",        "lost",      "unacknowledged_applied", "duplicates", NULL};

static int counter_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, "incr");
}

const sb_checker sb_checker_counter = {
    .name = "counter",
    .description = "reads of an INCR counter lie between acknowledged and attempted increments",
    .figures = counter_figures,
    .check = counter_check,
    .applies = counter_applies,
    .what_it_reads = "increments (f \"incr\")",
};
