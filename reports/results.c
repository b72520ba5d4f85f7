/* results.c -- checker verdicts held against the scenario's expect. Shared
 * by `run` and `check`, so both give the same results for one history. */
#include "results.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *valid_expect_name(sb_valid_expect v)
{
    switch (v) {
    case SB_VALID_TRUE: return "valid";
    case SB_VALID_FALSE: return "invalid";
    case SB_VALID_UNKNOWN: return "unknown";
    default: return "any";
    }
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
        snprintf(reason, len, "verdict %s, expected %s: %s", checker_verdict_name(r->verdict),
                 valid_expect_name(want), r->summary);
        return 0;
    }
    for (size_t i = 0; e && i < e->n_bounds; i++) {
        const sb_bound *b = &e->bounds[i];
        json_t *v = json_object_get(r->figures, b->figure);
        const sb_checker *ck = checker_find(r->checker);
        /* A figure named by pattern that never occurred counts as 0. */
        int counted_zero = !v && ck && ck->figure_ok && ck->figure_ok(b->figure);
        double x = json_is_number(v) ? json_number_value(v) : 0;
        if (!json_is_number(v) && !counted_zero) {
            snprintf(reason, len, "figure %s was not reported (%s)", b->figure, r->summary);
            return 0;
        }
        if (b->has_min && x < b->min) {
            snprintf(reason, len, "%s = %g, expected >= %g", b->figure, x, b->min);
            return 0;
        }
        if (b->has_max && x > b->max) {
            snprintf(reason, len, "%s = %g, expected <= %g", b->figure, x, b->max);
            return 0;
        }
    }
    return 1;
}

int results_compute(const sb_scenario *s, const char *const *checker_names, size_t n_checkers,
                    const sb_history *h, const sb_run_meta *meta, sb_run_result *out, char *err)
{
    memset(out, 0, sizeof(*out));
    if (meta)
        out->meta = *meta;
    snprintf(out->name, sizeof(out->name), "%s", s ? s->name : "history");
    out->faults = json_array();
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->time_ns > out->duration_ns)
            out->duration_ns = op->time_ns;
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
    out->checks = calloc(n_checkers ? n_checkers : 1, sizeof(sb_check_result));
    out->outcomes = calloc(n_checkers ? n_checkers : 1, sizeof(sb_expect_outcome));
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
        if (c->check(h, r, err) == -1) {
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
