/* splitbrain.c -- checker "split-brain": windows in which two or more
 * redis nodes said they were master at once.
 *
 * The controller polls every node's ROLE out of band (about every 100 ms;
 * controller ops f "roles", value {"n1": "master", "n2": "slave", "n3":
 * null}). A window starts at the first poll with two or more masters and
 * ends at the first poll with fewer. For each window the checker reports
 * its duration, the masters, and the writes clients had acknowledged on
 * each of them during the window (worker ops that completed ok with that
 * node). Polling stops with the workload; a window still open then is
 * counted up to the last poll and marked so. Polls see states, not transitions: a window shorter than the
 * polling period can be missed, never invented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "util.h"

#define WINDOW_CAP 100

static int is_write(const char *f)
{
    return strcmp(f, "read") != 0; /* add, write, cas, incr, ... */
}

static int splitbrain_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    json_t *windows = json_array();
    json_int_t max_masters = 0, polls = 0;
    int64_t total_ns = 0, last_poll = 0;
    json_t *cur = NULL; /* the open window */
    int64_t cur_start = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "roles") &&
            json_is_object(op->value)) {
            polls++;
            last_poll = op->time_ns;
            json_t *masters = json_array();
            const char *node;
            json_t *role;
            json_object_foreach(op->value, node, role)
            {
                if (json_is_string(role) && !strcmp(json_string_value(role), "master"))
                    json_array_append_new(masters, json_string(node));
            }
            json_int_t m = (json_int_t)json_array_size(masters);
            if (m > max_masters)
                max_masters = m;
            if (m >= 2 && !cur) {
                cur = json_pack("{s:f,s:O,s:o}", "start_s", op->time_ns / 1e9, "masters", masters,
                                "acknowledged", json_object());
                cur_start = op->time_ns;
            } else if (m >= 2 && cur) {
                /* Masters that join the window while it is open. */
                json_t *have = json_object_get(cur, "masters");
                for (size_t k = 0; k < json_array_size(masters); k++) {
                    const char *n = json_string_value(json_array_get(masters, k));
                    int seen = 0;
                    for (size_t j = 0; j < json_array_size(have) && !seen; j++)
                        seen = !strcmp(json_string_value(json_array_get(have, j)), n);
                    if (!seen)
                        json_array_append_new(have, json_string(n));
                }
            } else if (m < 2 && cur) {
                json_object_set_new(cur, "end_s", json_real(op->time_ns / 1e9));
                json_object_set_new(cur, "duration_s", json_real((op->time_ns - cur_start) / 1e9));
                total_ns += op->time_ns - cur_start;
                if (json_array_size(windows) < WINDOW_CAP)
                    json_array_append(windows, cur);
                json_decref(cur);
                cur = NULL;
            }
            json_decref(masters);
            continue;
        }
        if (cur && op->process >= 0 && op->type == SB_OP_OK && op->node[0] && is_write(op->f)) {
            json_t *ack = json_object_get(cur, "acknowledged");
            json_t *c = json_object_get(ack, op->node);
            json_object_set_new(ack, op->node, json_integer(c ? json_integer_value(c) + 1 : 1));
        }
    }
    if (cur) { /* still two masters at the last poll: counted up to it */
        json_object_set_new(cur, "end_s", json_null());
        json_object_set_new(cur, "open_at_last_poll", json_true());
        json_object_set_new(cur, "duration_s", json_real((last_poll - cur_start) / 1e9));
        total_ns += last_poll - cur_start;
        if (json_array_size(windows) < WINDOW_CAP)
            json_array_append(windows, cur);
        json_decref(cur);
    }
    size_t nw = json_array_size(windows);
    json_t *fig = json_object();
    json_object_set_new(fig, "windows", json_integer((json_int_t)nw));
    json_object_set_new(fig, "max_masters", json_integer(max_masters));
    json_object_set_new(fig, "two_master_seconds", json_real(total_ns / 1e9));
    json_object_set_new(fig, "polls", json_integer(polls));
    json_object_set_new(fig, "detail", windows);
    out->figures = fig;
    if (!polls) {
        out->verdict = SB_VERDICT_UNKNOWN;
        snprintf(out->summary, sizeof(out->summary), "no role polls in the history");
    } else if (!nw) {
        out->verdict = SB_VERDICT_VALID;
        snprintf(out->summary, sizeof(out->summary), "never two masters (%lld polls)",
                 (long long)polls);
    } else {
        out->verdict = SB_VERDICT_INVALID;
        json_t *w0 = json_array_get(windows, 0);
        char acks[200] = "";
        const char *node;
        json_t *c;
        json_object_foreach(json_object_get(w0, "acknowledged"), node, c)
        snprintf(acks + strlen(acks), sizeof(acks) - strlen(acks), "%s%s %lld",
                 acks[0] ? ", " : "", node, (long long)json_integer_value(c));
        snprintf(out->summary, sizeof(out->summary),
                 "%zu window%s with up to %lld masters, %.1fs in all; first at %.1fs for %.1fs, "
                 "writes acknowledged: %s",
                 nw, nw == 1 ? "" : "s", (long long)max_masters, total_ns / 1e9,
                 json_real_value(json_object_get(w0, "start_s")),
                 json_real_value(json_object_get(w0, "duration_s")), acks[0] ? acks : "none");
    }
    return 0;
}

static const char *const splitbrain_figures[] = {"windows", "max_masters", "two_master_seconds",
                                                 NULL};

static int splitbrain_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_CONTROLLER, "roles");
}

const sb_checker sb_checker_splitbrain = {
    .name = "split-brain",
    .description = "windows with two or more nodes acting as master, and the writes each acknowledged",
    .figures = splitbrain_figures,
    .check = splitbrain_check,
    .applies = splitbrain_applies,
    .what_it_reads = "ROLE polls of the nodes (f \"roles\")",
};
