/* html_faults.c -- fault windows: when each nemesis operation of a history
 * was in force (the rules are in html.h), and the label that names it on
 * the plots and in the list of faults. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

static int fault_class(const sb_op *op)
{
    const char *f = op->f;
    if (!strcmp(f, "partition") || !strcmp(f, "loss") || !strcmp(f, "bandwidth") ||
        !strcmp(f, "netem"))
        return HTML_FAULT_NET;
    if (!strcmp(f, "kill") || !strcmp(f, "power-loss") || !strcmp(f, "torn-write"))
        return HTML_FAULT_KILL;
    if (!strcmp(f, "pause"))
        return HTML_FAULT_PAUSE;
    if (!strcmp(f, "clock")) {
        const char *o = json_string_value(json_object_get(op->value, "op"));
        return o && !strcmp(o, "reset") ? 0 : HTML_FAULT_CLOCK;
    }
    if (!strcmp(f, "heal") || !strcmp(f, "restart") || !strcmp(f, "resume") || !strcmp(f, "undo"))
        return 0;
    return HTML_FAULT_OTHER;
}

/* Operations on a cluster run for a while and are in force while they
 * run, from their invocation to their completion (as perf counts them). */
static int is_operation(const char *f)
{
    return !strcmp(f, "cluster-failover") || !strcmp(f, "migrate-slots") ||
           !strcmp(f, "add-shard") || !strcmp(f, "remove-shard");
}

static void str_list(sb_buf *b, const json_t *a)
{
    for (size_t k = 0; k < json_array_size(a); k++) {
        const char *s = json_string_value(json_array_get(a, k));
        sb_buf_printf(b, "%s%s", k ? "," : "", s ? s : "?");
    }
}

static void add_str(sb_buf *b, const json_t *v, const char *key, const char *fmt)
{
    const char *s = json_string_value(json_object_get(v, key));
    if (s)
        sb_buf_printf(b, fmt, s);
}

/* "partition {n1} | {n2,n3}", "clock bump +10.0s redis@r3", "undo #3 (pause)" */
static void fault_label(const sb_op *op, char *out, size_t len)
{
    const json_t *v = op->value;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, op->f);
    const json_t *groups = json_object_get(v, "groups");
    if (json_is_array(groups)) {
        for (size_t g = 0; g < json_array_size(groups); g++) {
            sb_buf_puts(&b, g ? " | {" : " {");
            str_list(&b, json_array_get(groups, g));
            sb_buf_puts(&b, "}");
        }
    } else {
        add_str(&b, v, "shape", " %s");
    }
    if (!strcmp(op->f, "undo") && json_object_get(v, "of"))
        sb_buf_printf(&b, " #%lld", (long long)json_integer_value(json_object_get(v, "of")));
    add_str(&b, v, "undoes", " (%s)");
    add_str(&b, v, "op", " %s");
    if (json_is_number(json_object_get(v, "delta_ms")))
        sb_buf_printf(&b, " %+.1fs", json_number_value(json_object_get(v, "delta_ms")) / 1000.0);
    if (json_is_number(json_object_get(v, "probability")))
        sb_buf_printf(&b, " %.0f%%", json_number_value(json_object_get(v, "probability")) * 100);
    const json_t *targets = json_object_get(v, "targets");
    for (size_t k = 0; k < json_array_size(targets); k++) {
        const json_t *t = json_array_get(targets, k);
        const char *p = json_string_value(json_object_get(t, "process"));
        const char *host = json_string_value(json_object_get(t, "host"));
        sb_buf_printf(&b, "%s%s@%s", k ? "," : " ", p ? p : "?", host ? host : "?");
    }
    if (!json_is_array(targets)) {
        add_str(&b, v, "target", " %s");
        add_str(&b, v, "host", " %s");
    }
    if (json_is_array(json_object_get(v, "hosts")) && !json_is_array(groups)) {
        sb_buf_puts(&b, " on ");
        str_list(&b, json_object_get(v, "hosts"));
    }
    add_str(&b, v, "from", " from %s");
    add_str(&b, v, "to", " to %s");
    add_str(&b, v, "mode", " (%s)");
    if (json_is_number(json_object_get(v, "for_ms")))
        sb_buf_printf(&b, " for %.1f s", json_number_value(json_object_get(v, "for_ms")) / 1000.0);
    snprintf(out, len, "%s", b.data ? b.data : "");
    sb_buf_free(&b);
}

/* Does the ok undoing action u end the fault w? */
static int undoes(const sb_op *u, const html_fault *w)
{
    if (!strcmp(u->f, "undo"))
        return json_is_integer(json_object_get(u->value, "of")) &&
               json_integer_value(json_object_get(u->value, "of")) == w->id;
    return (!strcmp(u->f, "heal") && w->cls == HTML_FAULT_NET) ||
           (!strcmp(u->f, "restart") && w->cls == HTML_FAULT_KILL) ||
           (!strcmp(u->f, "resume") && w->cls == HTML_FAULT_PAUSE) ||
           (!strcmp(u->f, "clock") && w->cls == HTML_FAULT_CLOCK);
}

typedef struct pending_fault {
    long long id;
    int64_t at;
} pending_fault;

html_fault *html_fault_windows(const sb_history *h, int64_t end_ns, size_t *n)
{
    size_t k = 0, cap = 8, np = 0, pcap = 8;
    html_fault *w = sb_xmalloc(cap * sizeof(*w));
    pending_fault *pend = sb_xmalloc(pcap * sizeof(*pend));
    for (size_t i = 0; h && w && pend && i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_NEMESIS)
            continue;
        const json_t *idv = json_object_get(op->value, "id");
        long long id = json_is_integer(idv) ? (long long)json_integer_value(idv) : -1;
        if (op->type == SB_OP_INVOKE) {
            if (np == pcap) {
                pending_fault *more = realloc(pend, (pcap *= 2) * sizeof(*pend));
                if (!more)
                    break;
                pend = more;
            }
            pend[np++] = (pending_fault){id, op->time_ns};
            continue;
        }
        if (k == cap) {
            html_fault *more = realloc(w, (cap *= 2) * sizeof(*w));
            if (!more) {
                free(w);
                w = NULL;
                break;
            }
            w = more;
        }
        html_fault *f = &w[k++];
        memset(f, 0, sizeof(*f));
        f->id = id;
        f->invoked_ns = -1;
        for (size_t j = np; j-- > 0;)
            if (pend[j].id == id) {
                f->invoked_ns = pend[j].at;
                pend[j] = pend[--np];
                break;
            }
        f->start_ns = f->end_ns = op->time_ns;
        f->cls = fault_class(op);
        f->failed = op->type != SB_OP_OK;
        f->skipped = json_is_true(json_object_get(op->value, "skipped"));
        snprintf(f->f, sizeof(f->f), "%s", op->f);
        fault_label(op, f->label, sizeof(f->label));
        f->instant = f->failed || !f->cls;
        f->open = !f->instant; /* in force until undone */
        if (is_operation(op->f) && f->invoked_ns >= 0 && !f->skipped) {
            f->start_ns = f->invoked_ns;
            f->instant = f->open = 0;
            continue;
        }
        if (f->failed || f->cls)
            continue;
        for (size_t j = 0; j + 1 < k; j++)
            if (w[j].open && undoes(op, &w[j])) {
                w[j].open = 0;
                w[j].end_ns = op->time_ns;
            }
    }
    free(pend);
    if (!w) {
        *n = 0;
        return NULL;
    }
    for (size_t j = 0; j < k; j++) {
        if (!w[j].open)
            continue;
        if (w[j].cls == HTML_FAULT_OTHER) /* an action nobody undid */
            w[j].instant = 1, w[j].open = 0;
        else
            w[j].end_ns = end_ns > w[j].start_ns ? end_ns : w[j].start_ns;
    }
    *n = k;
    return w;
}
