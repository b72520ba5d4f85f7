/* set.c -- checker "set": acknowledged writes lost from a set.
 *
 * Worker ops f "add" carry unique integers. The final read (process
 * controller, f "read", ok) holds the set as it ended. An acknowledged add
 * absent from it is lost; an add of unknown outcome (info, or an invoke
 * never completed) is never counted lost — present, it is "recovered".
 * After a power loss (power-loss, torn-write), "lost_before_fault_s" says
 * how long before the first one the oldest lost write was acknowledged:
 * the window of writes an fsync policy gives up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "groups.h"
#include "util.h"
#include "windows.h"

/* Lists in results are capped so a catastrophic run stays readable. */
#define SET_LIST_CAP 10000

enum { ST_INVOKED = 1, ST_OK = 2, ST_FAIL = 4, ST_INFO = 8 };

typedef struct attempt {
    int64_t value;
    int state;          /* ST_* bits */
    int64_t ok_time_ns; /* when acknowledged */
    const char *node;   /* who acknowledged */
    int process;        /* who was acknowledged */
} attempt;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_attempt(const void *a, const void *b)
{
    return cmp_i64(&((const attempt *)a)->value, &((const attempt *)b)->value);
}

static attempt *find_attempt(attempt *a, size_t n, int64_t v)
{
    attempt key = {.value = v};
    return bsearch(&key, a, n, sizeof(attempt), cmp_attempt);
}

static int in_sorted(const int64_t *s, size_t n, int64_t v)
{
    return bsearch(&v, s, n, sizeof(int64_t), cmp_i64) != NULL;
}

/* Collects attempts (one per value, merged by value) from the history. */
static attempt *collect(const sb_history *h, size_t *n_out)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process >= 0 && !strcmp(h->ops[i].f, "add") &&
            json_is_integer(h->ops[i].value))
            n++;
    attempt *raw = sb_xcalloc(n ? n : 1, sizeof(attempt));
    size_t k = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0 || strcmp(op->f, "add") || !json_is_integer(op->value))
            continue;
        attempt *a = &raw[k++];
        a->value = json_integer_value(op->value);
        a->state = op->type == SB_OP_INVOKE ? ST_INVOKED
                   : op->type == SB_OP_OK   ? ST_OK
                   : op->type == SB_OP_FAIL ? ST_FAIL
                                            : ST_INFO;
        a->ok_time_ns = op->time_ns;
        a->node = op->node;
        a->process = op->process;
    }
    qsort(raw, k, sizeof(attempt), cmp_attempt);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && raw[m - 1].value == raw[i].value) {
            raw[m - 1].state |= raw[i].state;
            if (raw[i].state & ST_OK) {
                raw[m - 1].ok_time_ns = raw[i].ok_time_ns;
                raw[m - 1].node = raw[i].node;
                raw[m - 1].process = raw[i].process;
            }
        } else {
            raw[m++] = raw[i];
        }
    }
    *n_out = m;
    return raw;
}

/* When the clients followed a failover: the node that acknowledged the
 * first write, and the first acknowledgement of a key's write by another
 * node than the one that acknowledged that key's first write ("moved_to",
 * "moved_at_s"; null when no key's writes moved). With one master there is
 * one key: the first move is the first write another node acknowledged. In
 * a cluster (its history records "slot-claims") the keys are the
 * workload's SB_SET_CLUSTER_KEYS, and the first move is the first write of
 * a key that a new master took over. */
static void moved(const sb_history *h, json_t *fig)
{
    const char *first[SB_SET_CLUSTER_KEYS] = {0};
    /* A cluster's run records who claims which slots. */
    const int classes =
        history_has_op(h, SB_PROC_CONTROLLER, "slot-claims") ? SB_SET_CLUSTER_KEYS : 1;
    int any = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0 || op->type != SB_OP_OK || strcmp(op->f, "add") || !op->node[0] ||
            !json_is_integer(op->value))
            continue;
        json_int_t v = json_integer_value(op->value);
        size_t k = (size_t)((v % classes + classes) % classes);
        if (!any) {
            any = 1;
            json_object_set_new(fig, "first_node", json_string(op->node));
        }
        if (!first[k]) {
            first[k] = op->node;
        } else if (strcmp(op->node, first[k])) {
            json_object_set_new(fig, "moved_to", json_string(op->node));
            json_object_set_new(fig, "moved_at_s", json_real((double)op->time_ns / 1e9));
            return;
        }
    }
    json_object_set_new(fig, "moved_to", json_null());
    json_object_set_new(fig, "moved_at_s", json_null());
}

/* Writes the client applied more than once (SB_APPLIED_TWICE: a library
 * re-sent the SADD, which found its own value already there). Counted per
 * group into dup (g->n entries) when g is given. */
static size_t duplicates(const sb_history *h, const sb_groups *g, long long *dup)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process < 0 || op->type != SB_OP_OK || strcmp(op->f, "add") || !op->error ||
            strncmp(op->error, SB_APPLIED_TWICE, strlen(SB_APPLIED_TWICE)))
            continue;
        n++;
        int k = g ? groups_of(g, op->process) : -1;
        if (k >= 0)
            dup[k]++;
    }
    return n;
}

/* With workers of two clients or more: acknowledged and lost writes per
 * client ("by_client": {"redis-py": {"acknowledged": n, "lost": m}}). */
static void by_client(const sb_history *h, const attempt *a, size_t n, const int64_t *fv, size_t nf,
                      json_t *fig)
{
    sb_groups g;
    groups_read(h, &g);
    if (!g.n)
        return;
    long long *acked = sb_xcalloc(g.n, sizeof(long long)),
              *lost = sb_xcalloc(g.n, sizeof(long long)), *dup = sb_xcalloc(g.n, sizeof(long long));
    duplicates(h, &g, dup);
    for (size_t i = 0; i < n; i++) {
        int k = groups_of(&g, a[i].process);
        if (k < 0 || !(a[i].state & ST_OK))
            continue;
        acked[k]++;
        lost[k] += !in_sorted(fv, nf, a[i].value);
    }
    json_t *by = json_object();
    for (size_t k = 0; k < g.n; k++)
        json_object_set_new(by, g.name[k],
                            json_pack("{s:I,s:I,s:f,s:I}", "acknowledged", (json_int_t)acked[k],
                                      "lost", (json_int_t)lost[k], "lost_fraction",
                                      acked[k] ? (double)lost[k] / (double)acked[k] : 0.0,
                                      "duplicates", (json_int_t)dup[k]));
    json_object_set_new(fig, "by_client", by);
    free(dup);
    free(acked);
    free(lost);
    groups_free(&g);
}

static void add_capped(json_t *arr, int64_t v, json_t *figures, const char *flag)
{
    if (json_array_size(arr) < SET_LIST_CAP)
        json_array_append_new(arr, json_integer(v));
    else
        json_object_set_new(figures, flag, json_true());
}

static json_t *lost_windows(attempt **lost, size_t n)
{
    sb_tmark *m = sb_xcalloc(n ? n : 1, sizeof(*m));
    for (size_t i = 0; i < n; i++)
        m[i] = (sb_tmark){lost[i]->ok_time_ns, lost[i]->node};
    json_t *w = checker_time_windows(m, n, SB_WINDOW_GAP_NS, SB_WINDOW_CAP);
    free(m);
    return w;
}

/* When the first power loss began (its invoke), or -1 without one. */
static int64_t power_loss_ns(const sb_history *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process == SB_PROC_NEMESIS && h->ops[i].type == SB_OP_INVOKE &&
            (!strcmp(h->ops[i].f, "power-loss") || !strcmp(h->ops[i].f, "torn-write")))
            return h->ops[i].time_ns;
    return -1;
}

/* lost_before_fault_s: the first power loss's time minus the oldest lost
 * write's acknowledgement (0 when nothing was lost; absent without one). */
static void lost_before_fault(const sb_history *h, attempt **lost, size_t n, json_t *fig)
{
    int64_t fault = power_loss_ns(h);
    if (fault < 0)
        return;
    int64_t oldest = fault;
    for (size_t i = 0; i < n; i++)
        if (lost[i]->ok_time_ns < oldest)
            oldest = lost[i]->ok_time_ns;
    json_object_set_new(fig, "lost_before_fault_s", json_real((double)(fault - oldest) / 1e9));
}

static int set_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    const sb_op *final = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].process == SB_PROC_CONTROLLER && h->ops[i].type == SB_OP_OK &&
            !strcmp(h->ops[i].f, "read") && json_is_array(h->ops[i].value))
            final = &h->ops[i];
    size_t n;
    attempt *a = collect(h, &n);
    json_t *fig = json_object();
    out->figures = fig;
    size_t acked = 0, failed = 0, indeterminate = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i].state & ST_OK)
            acked++;
        else if (a[i].state & ST_FAIL)
            failed++;
        else
            indeterminate++;
    }
    json_object_set_new(fig, "attempted", json_integer((json_int_t)n));
    json_object_set_new(fig, "acknowledged", json_integer((json_int_t)acked));
    json_object_set_new(fig, "failed", json_integer((json_int_t)failed));
    json_object_set_new(fig, "indeterminate", json_integer((json_int_t)indeterminate));
    json_object_set_new(fig, "duplicates", json_integer((json_int_t)duplicates(h, NULL, NULL)));
    if (!final) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary),
                 "no final read: cannot tell which of %zu acknowledged writes survived", acked);
        free(a);
        return 0;
    }

    /* The final read, sorted; non-integers are unexpected by definition. */
    size_t fn = json_array_size(final->value), nf = 0, junk = 0;
    int64_t *fv = sb_xcalloc(fn ? fn : 1, sizeof(int64_t));
    for (size_t i = 0; i < fn; i++) {
        json_t *v = json_array_get(final->value, i);
        if (json_is_integer(v))
            fv[nf++] = json_integer_value(v);
        else
            junk++;
    }
    qsort(fv, nf, sizeof(int64_t), cmp_i64);

    json_t *lost = json_array(), *unexpected = json_array(), *by_node = json_object();
    attempt **lost_a = sb_xcalloc(n ? n : 1, sizeof(attempt *));
    size_t n_lost = 0, recovered = 0, failed_present = 0, n_unexpected = junk;
    for (size_t i = 0; i < n; i++) {
        int present = in_sorted(fv, nf, a[i].value);
        if ((a[i].state & ST_OK) && !present) {
            lost_a[n_lost++] = &a[i];
            add_capped(lost, a[i].value, fig, "lost_truncated");
            const char *node = a[i].node[0] ? a[i].node : "?";
            json_t *c = json_object_get(by_node, node);
            json_object_set_new(by_node, node, json_integer(c ? json_integer_value(c) + 1 : 1));
        } else if (!(a[i].state & (ST_OK | ST_FAIL)) && present) {
            recovered++;
        } else if (!(a[i].state & ST_OK) && (a[i].state & ST_FAIL) && present) {
            failed_present++;
        }
    }
    for (size_t i = 0; i < nf; i++) {
        if (i && fv[i] == fv[i - 1])
            continue;
        if (!find_attempt(a, n, fv[i])) {
            n_unexpected++;
            add_capped(unexpected, fv[i], fig, "unexpected_truncated");
        }
    }
    double fraction = acked ? (double)n_lost / (double)acked : 0.0;
    json_object_set_new(fig, "lost_count", json_integer((json_int_t)n_lost));
    json_object_set_new(fig, "lost", lost);
    json_object_set_new(fig, "lost_fraction", json_real(fraction));
    json_object_set_new(fig, "lost_by_node", by_node);
    json_object_set_new(fig, "lost_windows", lost_windows(lost_a, n_lost));
    lost_before_fault(h, lost_a, n_lost, fig);
    json_object_set_new(fig, "recovered_count", json_integer((json_int_t)recovered));
    json_object_set_new(fig, "unexpected_count", json_integer((json_int_t)n_unexpected));
    json_object_set_new(fig, "unexpected", unexpected);
    json_object_set_new(fig, "failed_present_count", json_integer((json_int_t)failed_present));
    json_object_set_new(fig, "final_read_size", json_integer((json_int_t)fn));
    json_object_set_new(fig, "final_read_node", json_string(final->node));
    moved(h, fig);
    by_client(h, a, n, fv, nf, fig);

    out->verdict =
        (n_lost || n_unexpected || failed_present) ? SB_VERDICT_INVALID : SB_VERDICT_VALID;
    int len =
        snprintf(out->summary, sizeof(out->summary), "lost %zu of %zu acknowledged writes (%.1f%%)",
                 n_lost, acked, 100.0 * fraction);
    if (n_lost) {
        json_t *w = json_array_get(json_object_get(fig, "lost_windows"), 0);
        len += snprintf(out->summary + len, sizeof(out->summary) - (size_t)len,
                        ", first acknowledged by %s at %.1fs",
                        json_string_value(json_object_get(w, "node")),
                        (double)json_integer_value(json_object_get(w, "start")) / 1e9);
    }
    len += snprintf(out->summary + len, sizeof(out->summary) - (size_t)len,
                    "; %zu indeterminate, %zu of them present", indeterminate, recovered);
    if (n_unexpected)
        len += snprintf(out->summary + len, sizeof(out->summary) - (size_t)len,
                        "; %zu unexpected values", n_unexpected);
    if (failed_present)
        len += snprintf(out->summary + len, sizeof(out->summary) - (size_t)len,
                        "; %zu writes reported failed are present", failed_present);
    const char *client;
    json_t *c;
    json_object_foreach(json_object_get(fig, "by_client"), client, c)
    {
        if (len < 0 || (size_t)len >= sizeof(out->summary))
            break;
        len += snprintf(out->summary + len, sizeof(out->summary) - (size_t)len,
                        "; %s lost %lld of %lld", client,
                        (long long)json_integer_value(json_object_get(c, "lost")),
                        (long long)json_integer_value(json_object_get(c, "acknowledged")));
    }
    free(lost_a);
    free(fv);
    free(a);
    return 0;
}

static const char *const set_figures[] = {"attempted",
                                          "acknowledged",
                                          "failed",
                                          "indeterminate",
                                          "duplicates",
                                          "lost_count",
                                          "recovered_count",
                                          "unexpected_count",
                                          "failed_present_count",
                                          "lost_fraction",
                                          "final_read_size",
                                          "lost_before_fault_s",
                                          NULL};

static int set_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CLIENTS, "add");
}

const sb_checker sb_checker_set = {
    .name = "set",
    .description = "acknowledged SADD writes lost from the final read of the set",
    .figures = set_figures,
    .check = set_check,
    .applies = set_applies,
    .what_it_reads = "SADD writes (f \"add\")",
};
