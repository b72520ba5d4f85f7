/* convergence.c -- checker "convergence": did the deployment come back to
 * one master with every replica caught up once the faults were healed, and
 * did the master change on the way? Reads the controller's "ready" and
 * "converged" operations. */
#include <stdio.h>
#include <string.h>

#include "checker.h"

static const char *master_of(const sb_op *op)
{
    json_t *m = op ? json_object_get(op->value, "master") : NULL;
    return json_is_string(m) ? json_string_value(m) : NULL;
}

static int convergence_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    const sb_op *ready = NULL, *converged = NULL;
    int64_t heal_ns = -1, end_ns = -1;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && op->type != SB_OP_INVOKE) {
            if (!strcmp(op->f, "ready") && op->type == SB_OP_OK)
                ready = op;
            else if (!strcmp(op->f, "converged"))
                converged = op;
            else if (!strcmp(op->f, "workload-end"))
                end_ns = op->time_ns;
        } else if (op->process == SB_PROC_NEMESIS && op->type == SB_OP_OK &&
                   !strcmp(op->f, "heal")) {
            heal_ns = op->time_ns;
        }
    }
    json_t *fig = json_object();
    out->figures = fig;
    const char *m0 = master_of(ready), *m1 = NULL;
    json_object_set_new(fig, "initial_master", m0 ? json_string(m0) : json_null());
    if (!converged) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary),
                 "the run ended before convergence was checked");
        return 0;
    }
    if (converged->type != SB_OP_OK) {
        out->verdict = SB_VERDICT_INVALID;
        json_object_set_new(fig, "final_master", json_null());
        snprintf(out->summary, sizeof(out->summary), "did not converge: %s",
                 converged->error ? converged->error : "no reason recorded");
        return 0;
    }
    m1 = master_of(converged);
    int64_t from = heal_ns >= 0 ? heal_ns : end_ns;
    double secs = from >= 0 ? (double)(converged->time_ns - from) / 1e9 : 0.0;
    int changed = m0 && m1 && strcmp(m0, m1) != 0;
    json_object_set_new(fig, "final_master", m1 ? json_string(m1) : json_null());
    json_object_set_new(fig, "master_changed", json_integer(changed));
    json_object_set_new(fig, "converge_seconds", json_real(secs));
    json_t *replicas = json_object_get(converged->value, "replicas");
    json_object_set_new(fig, "replicas", replicas ? json_incref(replicas) : json_array());
    out->verdict = SB_VERDICT_VALID;
    snprintf(out->summary, sizeof(out->summary), "%s -> %s, converged %.1fs after %s",
             m0 ? m0 : "?", m1 ? m1 : "?", secs, heal_ns >= 0 ? "the heal" : "the workload ended");
    return 0;
}

static const char *const convergence_figures[] = {"master_changed", "converge_seconds", NULL};

static int convergence_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CONTROLLER, "converged");
}

const sb_checker sb_checker_convergence = {
    .name = "convergence",
    .description = "after the faults are healed, one master with every replica caught up",
    .figures = convergence_figures,
    .check = convergence_check,
    .applies = convergence_applies,
    .what_it_reads = "convergence records (f \"converged\")",
};
