/* results.c -- checker verdicts held against the scenario's expect. Shared
 * by `run` and `check`, so both give the same results for one history. */
#include "results.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *valid_expect_name(sb_valid_expect v)
{
    switch (v) {
    case SB_VALID_TRUE:
        return "valid";
    case SB_VALID_FALSE:
        return "invalid";
    case SB_VALID_UNKNOWN:
        return "unknown";
    default:
        return "any";
    }
}

/* Appends one missed part to reason, the parts joined with "; ". */
static void reason_add(char *reason, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reason_add(char *reason, size_t len, const char *fmt, ...)
{
    size_t n = strlen(reason);
    if (n && n + 2 < len) {
        memcpy(reason + n, "; ", 3);
        n += 2;
    }
    if (n + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason + n, len - n, fmt, ap);
    va_end(ap);
}

/* x as a bound's message shows it: counts whole, other figures with four
 * significant digits, more when four would hide the difference from the
 * bound ("0.01 > max 0.01"). */
static void figure_format(double x, double bound, char *out, size_t len)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(out, len, "%.0f", x);
        return;
    }
    char a[32], b[32];
    snprintf(a, sizeof(a), "%.4g", x);
    snprintf(b, sizeof(b), "%.4g", bound);
    snprintf(out, len, strcmp(a, b) ? "%.4g" : "%.10g", x);
}

int results_expect_met(const sb_expect *e, const sb_check_result *r, char *reason, size_t len)
{
    reason[0] = '\0';
    sb_valid_expect want = e ? e->valid : SB_VALID_TRUE;
    int verdict_ok = want == SB_VALID_ANY ||
                     (want == SB_VALID_TRUE && r->verdict == SB_VERDICT_VALID) ||
                     (want == SB_VALID_FALSE && r->verdict == SB_VERDICT_INVALID) ||
                     (want == SB_VALID_UNKNOWN && r->verdict == SB_VERDICT_UNKNOWN);
    if (!verdict_ok) {
        /* the summary's headline, up to its first "; ", says what was seen */
        const char *cut = strstr(r->summary, "; ");
        int head = cut ? (int)(cut - r->summary) : (int)strlen(r->summary);
        if (head > 200)
            head = 200; /* leave room for the bounds that missed too */
        reason_add(reason, len, head ? "expected %s, got %s (%.*s)" : "expected %s, got %s%.*s",
                   valid_expect_name(want), checker_verdict_name(r->verdict), head, r->summary);
    }
    for (size_t i = 0; e && i < e->n_bounds; i++) {
        const sb_bound *b = &e->bounds[i];
        json_t *v = json_object_get(r->figures, b->figure);
        const sb_checker *ck = checker_find(r->checker);
        /* A figure named by pattern that never occurred counts as 0. */
        int counted_zero = !v && ck && ck->figure_ok && ck->figure_ok(b->figure);
        double x = json_is_number(v) ? json_number_value(v) : 0;
        char xs[48], bs[48];
        if (!json_is_number(v) && !counted_zero) {
            reason_add(reason, len, "%s not reported", b->figure);
            continue;
        }
        if (b->has_min && x < b->min) {
            figure_format(x, b->min, xs, sizeof(xs));
            snprintf(bs, sizeof(bs), "%g", b->min);
            reason_add(reason, len, "%s %s < min %s", b->figure, xs, bs);
        }
        if (b->has_max && x > b->max) {
            figure_format(x, b->max, xs, sizeof(xs));
            snprintf(bs, sizeof(bs), "%g", b->max);
            reason_add(reason, len, "%s %s > max %s", b->figure, xs, bs);
        }
    }
    return reason[0] == '\0';
}

int results_compute(const sb_scenario *s, const char *const *checker_names, size_t n_checkers,
                    const sb_history *h, const sb_run_meta *meta, sb_run_result *out, char *err)
{
    memset(out, 0, sizeof(*out));
    if (meta)
        out->meta = *meta;
    if (!out->meta.scenario[0] && s && s->path)
        snprintf(out->meta.scenario, sizeof(out->meta.scenario), "%s", s->path);
    snprintf(out->name, sizeof(out->name), "%s", s ? s->name : "history");
    snprintf(out->family, sizeof(out->family), "%s", s ? s->family : "");
    snprintf(out->setting, sizeof(out->setting), "%s", s ? s->setting : "");
    out->faults = json_array();
    out->failover_ns = -1;
    int64_t promoted_ns = -1;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->time_ns > out->duration_ns)
            out->duration_ns = op->time_ns;
        if (op->process == SB_PROC_NODE && !strcmp(op->f, "+switch-master") && out->failover_ns < 0)
            out->failover_ns = op->time_ns;
        if (op->process == SB_PROC_NODE && promoted_ns < 0 &&
            (!strcmp(op->f, "role-master") || !strcmp(op->f, "cluster-promoted")))
            promoted_ns = op->time_ns;
        if (op->process >= 0) {
            out->n_ok += op->type == SB_OP_OK;
            out->n_fail += op->type == SB_OP_FAIL;
            out->n_info += op->type == SB_OP_INFO;
        } else if (op->process == SB_PROC_NEMESIS && op->type != SB_OP_INVOKE) {
            json_t *f = json_pack("{s:I,s:s,s:s}", "time", (json_int_t)op->time_ns, "type",
                                  history_type_name(op->type), "f", op->f);
            if (op->value)
                json_object_set(f, "value", op->value);
            if (op->error)
                json_object_set_new(f, "error", json_string(op->error));
            json_array_append_new(out->faults, f);
        }
    }
    if (out->failover_ns < 0)
        out->failover_ns = promoted_ns;
    out->checks = sb_xcalloc(n_checkers ? n_checkers : 1, sizeof(sb_check_result));
    out->outcomes = sb_xcalloc(n_checkers ? n_checkers : 1, sizeof(sb_expect_outcome));
    out->passed = 1;
    for (size_t i = 0; i < n_checkers; i++) {
        const sb_checker *c = checker_find(checker_names[i]);
        if (!c) {
            sb_err_set(err, "unknown checker \"%s\"", checker_names[i]);
            results_free(out);
            return -1;
        }
        sb_check_result *r = &out->checks[i];
        snprintf(r->checker, sizeof(r->checker), "%s", c->name);
        int64_t t0 = sb_now_ns();
        int rc = c->check(h, r, err);
        r->check_ns = sb_now_ns() - t0;
        if (rc == -1) {
            results_free(out);
            return -1;
        }
        out->n_checks = i + 1;
        const sb_expect *e = s ? scenario_expect(s, c->name) : NULL;
        out->outcomes[i].met =
            results_expect_met(e, r, out->outcomes[i].reason, sizeof(out->outcomes[i].reason));
        if (!out->outcomes[i].met)
            out->passed = 0;
    }
    return 0;
}

void results_add_skipped(sb_run_result *r, const char *name)
{
    const sb_checker *c = checker_find(name);
    size_t n = r->n_checks + 1;
    r->checks = realloc(r->checks, n * sizeof(*r->checks));
    r->outcomes = realloc(r->outcomes, n * sizeof(*r->outcomes));
    if (!r->checks || !r->outcomes)
        abort(); /* out of memory */
    sb_check_result *k = &r->checks[n - 1];
    memset(k, 0, sizeof(*k));
    snprintf(k->checker, sizeof(k->checker), "%s", name);
    k->verdict = SB_VERDICT_SKIPPED;
    k->figures = json_object();
    snprintf(k->summary, sizeof(k->summary), "skipped: the history holds no %s",
             c && c->what_it_reads ? c->what_it_reads : "operations it reads");
    memset(&r->outcomes[n - 1], 0, sizeof(r->outcomes[n - 1]));
    r->outcomes[n - 1].met = 1;
    r->n_checks = n;
}

void results_free(sb_run_result *r)
{
    for (size_t i = 0; i < r->n_checks; i++)
        check_result_free(&r->checks[i]);
    free(r->checks);
    free(r->outcomes);
    json_decref(r->faults);
    r->checks = NULL;
    r->outcomes = NULL;
    r->faults = NULL;
    r->n_checks = 0;
}

/* ====== Figures across runs ====== */

const json_t *results_figure(const sb_run_result *r, const char *checker, const char *name)
{
    for (size_t i = 0; i < r->n_checks; i++)
        if (!strcmp(r->checks[i].checker, checker))
            return json_object_get(r->checks[i].figures, name);
    return NULL;
}

const json_t *results_first_figure(const sb_run_result *r, const char *const (*pairs)[2])
{
    for (size_t i = 0; pairs[i][0]; i++) {
        const json_t *v = results_figure(r, pairs[i][0], pairs[i][1]);
        if (json_is_number(v))
            return v;
    }
    return NULL;
}

double results_lost_share(const sb_run_result *r, long long *lost, long long *acked)
{
    static const char *const acked_f[][2] = {
        {"set", "acknowledged"}, {"counter", "acknowledged"}, {"list-append", "ok"}, {NULL, NULL}};
    static const char *const lost_f[][2] = {
        {"set", "lost_count"}, {"counter", "lost"}, {"list-append", "lost_count"}, {NULL, NULL}};
    const json_t *a = results_first_figure(r, acked_f), *l = results_first_figure(r, lost_f);
    *acked = json_is_number(a) ? (long long)json_number_value(a) : -1;
    *lost = json_is_number(l) ? (long long)json_number_value(l) : -1;
    if (*acked < 0 || *lost < 0)
        return -1;
    return *acked ? (double)*lost / (double)*acked : 0;
}

const char *results_family_column(int lock, int wide, size_t k)
{
    static const char *const cols[2][2][SB_FAMILY_CELLS] = {
        {{"acknowledged", "lost", "lost %", "unknown", "dups", "moved to (at)", "follows",
          "available"},
         {"acknowledged", "lost", "lost %", "unknown", "duplicates", "moved to (at)",
          "follows the failover after", "available in faults"}},
        {{"attempts", "holds", "overlaps", "fence", "unknown", "expired", "-", "-"},
         {"attempts", "holds", "overlapping holds", "fencing order broken", "unknown outcome",
          "expired while held", NULL, NULL}}};
    if (k >= SB_FAMILY_CELLS)
        return NULL;
    const char *c = cols[lock ? 1 : 0][wide ? 1 : 0][k];
    return lock && !wide && k >= 6 ? NULL : c;
}

static void cell_figure(char *cell, size_t len, const sb_run_result *r, const char *checker,
                        const char *name)
{
    const json_t *v = results_figure(r, checker, name);
    if (json_is_number(v))
        snprintf(cell, len, "%.0f", json_number_value(v));
}

void results_family_row(const sb_run_result *r, sb_family_row *row)
{
    static const char *const dup_f[][2] = {
        {"set", "duplicates"}, {"counter", "duplicates"}, {NULL, NULL}};
    static const char *const unk_f[][2] = {{"set", "indeterminate"},
                                           {"counter", "indeterminate"},
                                           {"list-append", "info"},
                                           {NULL, NULL}};
    const size_t cw = sizeof(row->cell[0]);
    snprintf(row->setting, sizeof(row->setting), "%s", r->setting[0] ? r->setting : r->name);
    for (size_t k = 0; k < SB_FAMILY_CELLS; k++)
        snprintf(row->cell[k], cw, "-");
    row->lock = results_figure(r, "lock", "attempts") != NULL;
    if (row->lock) {
        static const char *const lock_f[] = {"attempts",         "acquired", "overlaps",
                                             "fence_violations", "info",     "expired_while_held"};
        for (size_t k = 0; k < 6; k++)
            cell_figure(row->cell[k], cw, r, "lock", lock_f[k]);
        return;
    }
    long long lost, acked;
    double share = results_lost_share(r, &lost, &acked);
    if (share >= 0) {
        snprintf(row->cell[0], cw, "%lld", acked);
        snprintf(row->cell[1], cw, "%lld", lost);
        snprintf(row->cell[2], cw, "%.1f%%", 100 * share);
    }
    const json_t *unk = results_first_figure(r, unk_f), *dup = results_first_figure(r, dup_f);
    if (unk)
        snprintf(row->cell[3], cw, "%.0f", json_number_value(unk));
    if (dup)
        snprintf(row->cell[4], cw, "%.0f", json_number_value(dup));
    const json_t *to = results_figure(r, "set", "moved_to");
    const json_t *at = results_figure(r, "set", "moved_at_s");
    if (json_is_string(to) && json_is_number(at)) {
        snprintf(row->cell[5], cw, "%.8s (%.1f s)", json_string_value(to), json_number_value(at));
        double f = r->failover_ns > 0 ? (double)r->failover_ns / 1e9 : -1;
        /* Node events are stamped when their log line is read, a few ms
         * late: a client that moved with the announcement shows +0.0. */
        double after = json_number_value(at) - f;
        if (f >= 0)
            snprintf(row->cell[6], cw, "%+.1f s", after > -0.05 && after < 0.05 ? 0.0 : after);
    } else if (to) {
        snprintf(row->cell[5], cw, "never");
    }
    const json_t *av = results_figure(r, "perf", "availability_in_faults");
    if (json_is_number(av))
        snprintf(row->cell[7], cw, "%.1f%%", 100 * json_number_value(av));
}
