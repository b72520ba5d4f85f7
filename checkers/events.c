/* events.c -- the events checker: what the nodes' logs said during the run.
 *
 * The controller tails every Redis and Sentinel log and records the lines
 * that matter as operations of process "node" (f = the event name, node =
 * the host, value = {"process": ..., "detail": ...}). This checker counts
 * them, overall and per host, and tells for each sentinel what it believed
 * (the sentinels it learnt of, the highest epoch, leaders elected, masters
 * it switched to). It finds no anomaly by itself: scenarios expect or
 * forbid events with bounds such as {"+tilt@n2": {"min": 1}} or
 * {"+switch-master": {"max": 0}}. Its verdict is valid, or unknown when
 * the history holds no node event and no "logs-tailed" mark (the logs
 * were not read: a quiet run that read them is valid with 0 events). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "logevents.h"

/* "+tilt" or "+tilt@n2" with a known event name. */
static int events_figure_ok(const char *figure)
{
    char name[64];
    const char *at = strchr(figure, '@');
    size_t n = at ? (size_t)(at - figure) : strlen(figure);
    if (n == 0 || n >= sizeof(name) || (at && !at[1]))
        return 0;
    memcpy(name, figure, n);
    name[n] = '\0';
    return logevents_known(name);
}

static void bump(json_t *o, const char *key, json_int_t by)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + by));
}

static json_t *host_entry(json_t *by_host, const char *host)
{
    json_t *h = json_object_get(by_host, host);
    if (!h) {
        h = json_pack("{s:i,s:i,s:i,s:i,s:n,s:n,s:n,s:[]}", "+sentinel", 0, "max_epoch", 0,
                      "leaders_elected", 0, "tilts", 0, "switched_to", "known_sentinels_min",
                      "known_sentinels_max", "masters_named");
        json_object_set_new(by_host, host, h);
    }
    return h;
}

/* What the controller saw each sentinel believe (polled out of band):
 * the range of sentinels it knew, the masters it named, its epoch. */
static void add_views(json_t *by_host, const json_t *views)
{
    const char *host;
    json_t *v;
    json_object_foreach((json_t *)views, host, v)
    {
        if (!json_is_object(v))
            continue;
        json_t *e = host_entry(by_host, host);
        json_t *k = json_object_get(v, "known_sentinels");
        if (json_is_integer(k)) {
            json_int_t n = json_integer_value(k);
            json_t *mn = json_object_get(e, "known_sentinels_min");
            json_t *mx = json_object_get(e, "known_sentinels_max");
            if (!json_is_integer(mn) || n < json_integer_value(mn))
                json_object_set_new(e, "known_sentinels_min", json_integer(n));
            if (!json_is_integer(mx) || n > json_integer_value(mx))
                json_object_set_new(e, "known_sentinels_max", json_integer(n));
        }
        json_t *ep = json_object_get(v, "epoch");
        if (json_is_integer(ep) &&
            json_integer_value(ep) > json_integer_value(json_object_get(e, "max_epoch")))
            json_object_set_new(e, "max_epoch", json_incref(ep));
        const char *m = json_string_value(json_object_get(v, "master"));
        json_t *named = json_object_get(e, "masters_named");
        int seen = 0;
        for (size_t i = 0; m && i < json_array_size(named) && !seen; i++)
            seen = !strcmp(json_string_value(json_array_get(named, i)), m);
        if (m && !seen)
            json_array_append_new(named, json_string(m));
    }
}

/* "+switch-master mymaster 10.77.0.10 6379 10.77.0.12 6379" -> new address;
 * the detail is what follows the event name. */
static void switched_to(const char *detail, char *out, size_t len)
{
    char name[64], a1[64], p1[16], a2[64], p2[16];
    out[0] = '\0';
    if (sscanf(detail, "%63s %63s %15s %63s %15s", name, a1, p1, a2, p2) == 5)
        snprintf(out, len, "%s:%s", a2, p2);
}

static int events_check(const sb_history *h, sb_check_result *out, char *err)
{
    (void)err;
    json_t *figs = json_object();
    json_t *by_host = json_object();
    json_t *timeline = json_array();
    json_int_t total = 0;
    int tailed = 0;
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "logs-tailed"))
            tailed = 1;
        if (op->process == SB_PROC_CONTROLLER && !strcmp(op->f, "sentinel-views"))
            add_views(by_host, op->value);
        if (op->process != SB_PROC_NODE)
            continue;
        total++;
        bump(figs, op->f, 1);
        if (op->node[0]) {
            char key[128];
            snprintf(key, sizeof(key), "%s@%s", op->f, op->node);
            bump(figs, key, 1);
        }
        const char *proc = json_string_value(json_object_get(op->value, "process"));
        const char *detail = json_string_value(json_object_get(op->value, "detail"));
        if (!detail)
            detail = "";
        if (proc && !strcmp(proc, "sentinel") && op->node[0]) {
            json_t *e = host_entry(by_host, op->node);
            if (!strcmp(op->f, "+sentinel"))
                bump(e, "+sentinel", 1);
            else if (!strcmp(op->f, "+new-epoch")) {
                long long ep = atoll(detail);
                if (ep > json_integer_value(json_object_get(e, "max_epoch")))
                    json_object_set_new(e, "max_epoch", json_integer(ep));
            } else if (!strcmp(op->f, "+elected-leader"))
                bump(e, "leaders_elected", 1);
            else if (!strcmp(op->f, "+tilt"))
                bump(e, "tilts", 1);
            else if (!strcmp(op->f, "+switch-master")) {
                char to[128];
                switched_to(detail, to, sizeof(to));
                if (to[0])
                    json_object_set_new(e, "switched_to", json_string(to));
            }
        }
        /* The failover story, in order, for the report. */
        static const char *const story[] = {"+odown",          "+try-failover",  "+elected-leader",
                                            "+promoted-slave", "+switch-master", "+tilt",
                                            "-tilt",           "role-master",    "cluster-promoted",
                                            "full-resync",     "+sentinel",      NULL};
        for (size_t k = 0; story[k]; k++)
            if (!strcmp(op->f, story[k]) && json_array_size(timeline) < 200) {
                json_t *t = json_pack("{s:f,s:s,s:s,s:s}", "time_s", op->time_ns / 1e9, "event",
                                      op->f, "node", op->node, "detail", detail);
                json_array_append_new(timeline, t);
            }
    }
    json_object_set_new(figs, "events", json_integer(total));
    json_object_set_new(figs, "by_host", by_host);
    json_object_set_new(figs, "timeline", timeline);
    out->figures = figs;
    out->verdict = total || tailed ? SB_VERDICT_VALID : SB_VERDICT_UNKNOWN;

    /* Summary: the most frequent events of the failover story. */
    static const char *const shown[] = {"+switch-master", "+elected-leader", "+tilt", "+odown",
                                        "full-resync",    "+sentinel",       NULL};
    char buf[400] = "";
    for (size_t k = 0; shown[k]; k++) {
        json_t *v = json_object_get(figs, shown[k]);
        if (!v)
            continue;
        char part[96];
        snprintf(part, sizeof(part), "%s%s x%lld", buf[0] ? ", " : "", shown[k],
                 (long long)json_integer_value(v));
        strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
    }
    if (total)
        snprintf(out->summary, sizeof(out->summary), "%lld node log events%s%s", (long long)total,
                 buf[0] ? ": " : "", buf);
    else if (tailed)
        snprintf(out->summary, sizeof(out->summary),
                 "0 node log events (the logs were read; nothing in them matters)");
    else
        snprintf(out->summary, sizeof(out->summary), "no node log events in the history");
    return 0;
}

static const char *const events_figures[] = {"events", NULL};

static int events_applies(const sb_history *h)
{
    return history_has_op(h, SB_PROC_NODE, NULL) ||
           history_has_op(h, SB_PROC_CONTROLLER, "logs-tailed") ||
           history_has_op(h, SB_PROC_CONTROLLER, "sentinel-views");
}

const sb_checker sb_checker_events = {
    .name = "events",
    .description = "counts events from the Redis and Sentinel logs, overall and per host",
    .figures = events_figures,
    .figure_ok = events_figure_ok,
    .figure_help = "or an event name, alone or as <event>@<host> (e.g. +tilt@n2, +switch-master)",
    .check = events_check,
    .applies = events_applies,
    .what_it_reads = "node log events, the logs-tailed mark or sentinel views",
};
