/* perf.c -- checker "perf": latency, throughput and availability, the
 * figures the reports plot. It finds no anomaly (verdict valid, unknown
 * without client operations); scenarios bound its figures, e.g.
 * {"availability_outside_faults": {"min": 0.99}}.
 *
 * Latency is completion time minus invocation time of operations that
 * completed ok, per operation kind (p50, p90, p99, max in ms). Throughput
 * is ok completions per second of the run. Availability is the share of
 * completions that were ok, separately while some fault was in force and
 * while none was. A fault is in force from its ok until its undo: heal ends
 * network faults, restart ends kills, resume ends pauses, a clock reset
 * ends clock faults, and "undo" ends the fault it names. Operations on the
 * cluster (failover, slot migration, adding and removing a shard) are in
 * force from their invocation to their completion. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

enum { F_NET = 1, F_KILL, F_PAUSE, F_CLOCK, F_OP };

/* Faults that are in force while they run. */
static int is_operation(const char *f)
{
    return !strcmp(f, "cluster-failover") || !strcmp(f, "migrate-slots") ||
           !strcmp(f, "add-shard") || !strcmp(f, "remove-shard");
}

static int fault_class(const char *f)
{
    if (!strcmp(f, "partition") || !strcmp(f, "loss") || !strcmp(f, "bandwidth") ||
        !strcmp(f, "netem"))
        return F_NET;
    if (!strcmp(f, "kill") || !strcmp(f, "power-loss") || !strcmp(f, "torn-write"))
        return F_KILL;
    if (!strcmp(f, "pause"))
        return F_PAUSE;
    if (!strcmp(f, "clock"))
        return F_CLOCK;
    return 0;
}

typedef struct active {
    long long id;
    int cls;
} active;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const int64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0] / 1e6;
}

typedef struct kind_lat {
    char f[48];
    int64_t *v;
    size_t n, cap;
} kind_lat;

static int perf_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    int max_proc = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process > max_proc)
            max_proc = h->ops[i].process;
    int64_t *inv = sb_xcalloc((size_t)max_proc + 2, sizeof(int64_t));
    kind_lat kinds[16];
    size_t nk = 0;
    active act[256];
    size_t na = 0;
    long long ok_in = 0, all_in = 0, ok_out = 0, all_out = 0;
    int64_t end = 0; /* the latest time, whatever the order of the history */
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].time_ns > end)
            end = h->ops[i].time_ns;
    size_t secs = (size_t)(end / SB_NS_PER_S) + 1;
    for (int p = 0; p < max_proc + 2; p++)
        inv[p] = -1; /* -1: no invocation in flight */
    json_int_t *tput = sb_xcalloc(secs, sizeof(json_int_t));
    json_t *errors = json_object(); /* failed and unknown completions by error word */
    long long moved = 0, ask = 0;   /* cluster clients' redirections (controller records) */
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_NEMESIS && is_operation(op->f)) {
            long long id = json_integer_value(json_object_get(op->value, "id"));
            if (op->type == SB_OP_INVOKE) {
                if (na < 256)
                    act[na++] = (active){id, F_OP};
            } else {
                size_t k = 0;
                for (size_t j = 0; j < na; j++)
                    if (!(act[j].cls == F_OP && act[j].id == id))
                        act[k++] = act[j];
                na = k;
            }
            continue;
        }
        if (op->process == SB_PROC_NEMESIS && op->type == SB_OP_OK) {
            int cls = fault_class(op->f);
            const char *opn = json_string_value(json_object_get(op->value, "op"));
            long long id = json_integer_value(json_object_get(op->value, "id"));
            if (cls && !(cls == F_CLOCK && opn && !strcmp(opn, "reset"))) {
                if (na < 256)
                    act[na++] = (active){id, cls};
                continue;
            }
            int ends = !strcmp(op->f, "heal")      ? F_NET
                       : !strcmp(op->f, "restart") ? F_KILL
                       : !strcmp(op->f, "resume")  ? F_PAUSE
                       : cls == F_CLOCK            ? F_CLOCK
                                                   : 0;
            long long of = !strcmp(op->f, "undo")
                               ? (long long)json_integer_value(json_object_get(op->value, "of"))
                               : -1;
            size_t k = 0;
            for (size_t j = 0; j < na; j++)
                if (act[j].cls != ends && act[j].id != of)
                    act[k++] = act[j];
            na = k;
            continue;
        }
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "redirects")) {
            moved += json_integer_value(json_object_get(op->value, "moved"));
            ask += json_integer_value(json_object_get(op->value, "ask"));
            continue;
        }
        if (op->process < 0)
            continue;
        if (op->type == SB_OP_INVOKE) {
            inv[op->process] = op->time_ns;
            continue;
        }
        int64_t invoked = inv[op->process];
        inv[op->process] = -1;
        if (invoked < 0 || op->time_ns < 0)
            continue; /* a completion without its invocation says nothing */
        int ok = op->type == SB_OP_OK;
        if (na) {
            all_in++;
            ok_in += ok;
        } else {
            all_out++;
            ok_out += ok;
        }
        if (!ok) {
            /* Errors by their first word: "MOVED", "TRYAGAIN", "timeout", ... */
            char word[32];
            snprintf(word, sizeof(word), "%s", op->error ? op->error : "(none)");
            word[strcspn(word, " :")] = '\0';
            json_t *c = json_object_get(errors, word);
            if (c)
                json_integer_set(c, json_integer_value(c) + 1);
            else if (json_object_size(errors) < 32)
                json_object_set_new(errors, word, json_integer(1));
            continue;
        }
        tput[op->time_ns / SB_NS_PER_S]++;
        size_t k = 0;
        while (k < nk && strcmp(kinds[k].f, op->f))
            k++;
        if (k == nk) {
            if (nk == 16)
                continue;
            memset(&kinds[nk], 0, sizeof(kinds[nk]));
            snprintf(kinds[nk].f, sizeof(kinds[nk].f), "%s", op->f);
            nk++;
        }
        kind_lat *kl = &kinds[k];
        if (kl->n == kl->cap) {
            kl->cap = kl->cap ? kl->cap * 2 : 1024;
            kl->v = sb_xrealloc(kl->v, kl->cap * sizeof(int64_t));
        }
        kl->v[kl->n++] = op->time_ns - invoked;
    }
    json_t *fig = json_object();
    json_t *lat = json_object();
    double p99_max = 0;
    for (size_t k = 0; k < nk; k++) {
        kind_lat *kl = &kinds[k];
        qsort(kl->v, kl->n, sizeof(int64_t), cmp_i64);
        double p99 = pct(kl->v, kl->n, 0.99);
        if (p99 > p99_max)
            p99_max = p99;
        json_object_set_new(lat, kl->f,
                            json_pack("{s:I,s:f,s:f,s:f,s:f}", "count", (json_int_t)kl->n, "p50_ms",
                                      pct(kl->v, kl->n, 0.5), "p90_ms", pct(kl->v, kl->n, 0.9),
                                      "p99_ms", p99, "max_ms",
                                      kl->n ? kl->v[kl->n - 1] / 1e6 : 0.0));
        free(kl->v);
    }
    json_t *tp = json_array();
    for (size_t s = 0; s < secs; s++)
        json_array_append_new(tp, json_integer(tput[s]));
    json_object_set_new(fig, "latency", lat);
    json_object_set_new(fig, "p99_ms", json_real(p99_max));
    json_object_set_new(fig, "throughput_per_s", tp);
    double av_in = all_in ? (double)ok_in / (double)all_in : 1.0;
    double av_out = all_out ? (double)ok_out / (double)all_out : 1.0;
    json_object_set_new(fig, "availability_in_faults", json_real(av_in));
    json_object_set_new(fig, "availability_outside_faults", json_real(av_out));
    json_object_set_new(fig, "completions_in_faults", json_integer(all_in));
    json_object_set_new(fig, "completions_outside_faults", json_integer(all_out));
    json_object_set_new(fig, "errors", errors);
    json_object_set_new(fig, "redirects_moved", json_integer(moved));
    json_object_set_new(fig, "redirects_ask", json_integer(ask));
    out->figures = fig;
    out->verdict = all_in + all_out ? SB_VERDICT_VALID : SB_VERDICT_UNKNOWN;
    int off = snprintf(out->summary, sizeof(out->summary),
                       "available %.1f%% outside faults (%lld), %.1f%% in faults (%lld); p99 "
                       "latency %.1f ms",
                       av_out * 100, all_out, av_in * 100, all_in, p99_max);
    if ((moved || ask) && off > 0 && (size_t)off < sizeof(out->summary))
        snprintf(out->summary + off, sizeof(out->summary) - (size_t)off,
                 "; redirected %lld times (MOVED), %lld (ASK)", moved, ask);
    free(inv);
    free(tput);
    return 0;
}

static const char *const perf_figures[] = {
    "p99_ms",          "availability_in_faults", "availability_outside_faults",
    "redirects_moved", "redirects_ask",          NULL};

static int perf_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, NULL);
}

const sb_checker sb_checker_perf = {
    .name = "perf",
    .description = "latency percentiles, throughput, availability in and outside faults",
    .figures = perf_figures,
    .check = perf_check,
    .applies = perf_applies,
    .what_it_reads = "client operations",
};
