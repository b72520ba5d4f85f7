/* bench_checkers.c -- speed of the history checkers set, convergence,
 * events, counter, split-brain and perf on generated histories (no Redis
 * involved).
 *
 *   ./build/bench_checkers [--ops N] [--checker NAME] [--seed S] [--verbose]
 *
 * With no options every checker runs on 100,000 and on 1,000,000
 * operations (history records: an invocation and its completion are two).
 * Each history is what a three-host Sentinel run would record: 10 client
 * processes (SADD "add" for set, convergence, events and split-brain; INCR
 * "incr" and GET "read" for counter and perf), about 1% outcomes unknown,
 * role polls every 100 ms and sentinel views every second of simulated
 * time, node log events, and three fault windows:
 *   - n1 (the master) is partitioned away with half the clients; n3 is
 *     promoted, so n1 and n3 are both master until the heal, and every
 *     write n1 acknowledged in the meantime is lost;
 *   - n3 is killed, n2 promoted; n3 restarts as a master for 300 ms;
 *   - n2 is paused (its requests time out), its sentinel tilts at resume.
 * The counter history also carries a few stale reads and acknowledged
 * increments missing from the final value.
 *
 * History generation is timed apart from checker->check(). Every (checker,
 * N) runs in a child process, so the peak RSS growth of the check (Linux
 * VmHWM, reset just before it) is its own. The figures of each verdict are
 * compared with what the generator injected; any difference exits 1, so a
 * broken path is never timed as a fast one. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "util.h"

#define N_CLIENTS 10
#define N_HOSTS 3
#define NEVER INT64_MAX
#define POLL_EVERY_NS (100 * SB_NS_PER_MS)
#define VIEWS_EVERY_NS (1000 * SB_NS_PER_MS)
#define TIMEOUT_NS (100 * SB_NS_PER_MS)
/* A restarted old master acts as one until sentinel reconfigures it. */
#define STALE_RESTART_NS (300 * SB_NS_PER_MS)
#define CHATTER_P 0.02  /* a node event after this share of completions */
#define INFO_P 0.004    /* timeouts outside faults */
#define FAIL_P 0.002    /* errors outside faults */
#define STALE_READS 7   /* counter: reads that miss acknowledged increments */
#define COUNTER_LOST 40 /* counter: acknowledged increments absent at the end */
#define MAX_EV 64

static const char *const host_name[N_HOSTS] = {"n1", "n2", "n3"};
static const char *const host_addr[N_HOSTS] = {"10.77.0.10", "10.77.0.11", "10.77.0.12"};

typedef enum { WL_SET, WL_COUNTER } workload;

/* Bits of an added value's fate. */
enum { V_OK = 1, V_FAIL = 2, V_INFO = 4, V_APPLIED = 8, V_DOOMED = 16 };

typedef struct client {
    int busy, target, doomed, read;
    sb_op_type outcome;
    int64_t at_ns; /* completion when busy, next invocation otherwise */
    int64_t inv_ns;
    long long value; /* add: the element */
    long long lower; /* counter read: increments acknowledged at invocation */
} client;

/* What the checkers must find, gathered as the history is made. */
typedef struct ev_count {
    const char *name;
    long long total, at[N_HOSTS];
} ev_count;

typedef struct host_exp {
    long long sentinels, leaders, tilts, max_epoch;
    char switched_to[32];
    long long ks_min, ks_max;
    unsigned masters_named; /* bit per host */
} host_exp;

typedef struct kind_exp {
    const char *f;
    long long count;
    int64_t max_ns;
} kind_exp;

typedef struct expect {
    /* set */
    long long adds, add_ok, add_fail, add_info, lost, recovered, final_size;
    /* counter */
    long long incr_attempted, incr_ok, incr_info, reads_ok, bad_reads, final_value, final_lower;
    /* split-brain */
    long long polls, windows, max_masters, win_ack[2][N_HOSTS];
    int64_t two_master_ns;
    /* events */
    long long events, story;
    ev_count ev[MAX_EV];
    size_t n_ev;
    host_exp hx[N_HOSTS];
    /* convergence */
    int64_t heal_ns, converged_ns;
    /* perf */
    long long in_all, in_ok, out_all, out_ok, ok_total;
    kind_exp kinds[3];
} expect;

typedef struct gen {
    sb_history *h;
    sb_rng r;
    workload wl;
    long target;
    int64_t now;
    client cl[N_CLIENTS];
    /* the simulated deployment */
    int master, stale_master, down, paused, isolated, active_faults, epoch;
    int64_t stale_until;
    int believed[N_HOSTS];
    long long host_epoch[N_HOSTS];
    int64_t next_poll, next_views;
    int win_open;
    int64_t win_start;
    /* the simulated data */
    unsigned char *fate; /* set: by value */
    long long next_value, applied, acked;
    int stale_reads_left, stale_armed;
    expect *x;
} gen;

static double unit(gen *g)
{
    return sb_rng_unit(&g->r);
}

static int64_t uniform_ns(gen *g, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(unit(g) * (double)(hi - lo));
}

/* Appends one operation at the current time; value is stolen. */
static void emit(gen *g, int process, sb_op_type type, const char *f, json_t *value,
                 const char *node, const char *error)
{
    sb_op op = {.process = process,
                .type = type,
                .time_ns = g->now,
                .value = value,
                .error = (char *)error};
    snprintf(op.f, sizeof(op.f), "%s", f);
    if (node)
        snprintf(op.node, sizeof(op.node), "%s", node);
    history_add(g->h, &op);
    json_decref(value);
}

/* ====== Node log events ====== */

static const char *const story_events[] = {
    "+odown", "+try-failover", "+elected-leader", "+promoted-slave", "+switch-master",
    "+tilt",  "-tilt",         "role-master",     "full-resync",     "+sentinel",
    NULL};

static void node_event(gen *g, int host, int sentinel, const char *name, const char *detail)
{
    expect *x = g->x;
    emit(g, SB_PROC_NODE, SB_OP_INFO, name,
         json_pack("{s:s,s:s}", "process", sentinel ? "sentinel" : "redis", "detail", detail),
         host_name[host], NULL);
    x->events++;
    size_t k = 0;
    while (k < x->n_ev && strcmp(x->ev[k].name, name))
        k++;
    if (k == x->n_ev && x->n_ev < MAX_EV)
        x->ev[x->n_ev++].name = name;
    if (k < MAX_EV) {
        x->ev[k].total++;
        x->ev[k].at[host]++;
    }
    for (size_t s = 0; story_events[s]; s++)
        if (!strcmp(name, story_events[s]))
            x->story++;
    if (!sentinel)
        return;
    host_exp *he = &x->hx[host];
    if (!strcmp(name, "+sentinel"))
        he->sentinels++;
    else if (!strcmp(name, "+elected-leader"))
        he->leaders++;
    else if (!strcmp(name, "+tilt"))
        he->tilts++;
    else if (!strcmp(name, "+new-epoch") && atoll(detail) > he->max_epoch)
        he->max_epoch = atoll(detail);
}

static void master_detail(char *buf, size_t len, int host)
{
    snprintf(buf, len, "master mymaster %s 6379", host_addr[host]);
}

/* Background chatter: replicas flapping, reboots, sentinels announced. */
static void chatter(gen *g)
{
    int host = (int)(sb_rng_next(&g->r) % N_HOSTS);
    int other = (host + 1 + (int)(sb_rng_next(&g->r) % (N_HOSTS - 1))) % N_HOSTS;
    char d[160];
    double x = unit(g);
    if (x < 0.4) {
        snprintf(d, sizeof(d), "slave %s:6379 %s 6379 @ mymaster %s 6379", host_addr[other],
                 host_addr[other], host_addr[g->master]);
        node_event(g, host, 1, x < 0.2 ? "+sdown" : "-sdown", d);
    } else if (x < 0.7) {
        snprintf(d, sizeof(d), "slave %s:6379 %s 6379 @ mymaster %s 6379", host_addr[other],
                 host_addr[other], host_addr[g->master]);
        node_event(g, host, 1, "+reboot", d);
    } else if (x < 0.9) {
        snprintf(d, sizeof(d),
                 "sentinel 0123456789abcdef0123456789abcdef0123456%d %s 26379 @ "
                 "mymaster %s 6379",
                 other, host_addr[other], host_addr[g->master]);
        node_event(g, host, 1, "+sentinel", d);
    } else {
        snprintf(d, sizeof(d), "replica %s:6379", host_addr[other]);
        node_event(g, host, 0, "full-resync", d);
    }
}

/* ====== Faults ====== */

static void nemesis(gen *g, const char *f, json_t *value)
{
    emit(g, SB_PROC_NEMESIS, SB_OP_INVOKE, f, json_incref(value), NULL, NULL);
    emit(g, SB_PROC_NEMESIS, SB_OP_OK, f, value, NULL, NULL);
}

/* The sentinels in voters[] fail over from one master to another, led by
 * leader; the other sentinel keeps its old belief. */
static void promote(gen *g, int from, int to, const int voters[2], int leader)
{
    char d[160], ep[32];
    g->epoch++;
    snprintf(ep, sizeof(ep), "%d", g->epoch);
    master_detail(d, sizeof(d), from);
    for (int i = 0; i < 2; i++) {
        char q[200];
        snprintf(q, sizeof(q), "%s #quorum 2/2", d);
        node_event(g, voters[i], 1, "+odown", q);
        node_event(g, voters[i], 1, "+new-epoch", ep);
        g->host_epoch[voters[i]] = g->epoch;
    }
    node_event(g, leader, 1, "+try-failover", d);
    for (int i = 0; i < 2; i++)
        if (voters[i] != leader) {
            char v[96];
            snprintf(v, sizeof(v), "0123456789abcdef0123456789abcdef0123456%d %d", leader,
                     g->epoch);
            node_event(g, voters[i], 1, "+vote-for-leader", v);
        }
    node_event(g, leader, 1, "+elected-leader", d);
    node_event(g, leader, 1, "+failover-state-select-slave", d);
    char s[200];
    snprintf(s, sizeof(s), "slave %s:6379 %s 6379 @ mymaster %s 6379", host_addr[to], host_addr[to],
             host_addr[from]);
    node_event(g, leader, 1, "+selected-slave", s);
    node_event(g, leader, 1, "+promoted-slave", s);
    node_event(g, leader, 1, "+failover-end", d);
    char sw[200];
    snprintf(sw, sizeof(sw), "mymaster %s 6379 %s 6379", host_addr[from], host_addr[to]);
    for (int i = 0; i < 2; i++) {
        node_event(g, voters[i], 1, "+switch-master", sw);
        snprintf(g->x->hx[voters[i]].switched_to, sizeof(g->x->hx[0].switched_to), "%s:6379",
                 host_addr[to]);
        g->believed[voters[i]] = to;
    }
    node_event(g, to, 0, "role-master", "MASTER MODE enabled");
    g->master = to;
}

static void step_partition(gen *g)
{
    nemesis(g, "partition",
            json_pack("{s:i,s:s,s:[s]}", "id", 0, "shape", "isolate", "target", "n1"));
    g->isolated = 0;
    g->active_faults++;
    char d[160];
    master_detail(d, sizeof(d), 0);
    node_event(g, 1, 1, "+sdown", d);
    node_event(g, 2, 1, "+sdown", d);
}

static void step_failover_n3(gen *g)
{
    static const int voters[2] = {1, 2};
    promote(g, 0, 2, voters, 2);
    g->stale_master = 0; /* n1 does not know, until the heal */
    g->stale_until = NEVER;
}

static void step_heal(gen *g)
{
    nemesis(g, "heal", json_pack("{s:i}", "id", 1));
    g->isolated = -1;
    g->active_faults--;
    g->stale_master = -1;
    g->x->heal_ns = g->now;
    char ep[32], sw[200], s[200];
    snprintf(ep, sizeof(ep), "%d", g->epoch);
    node_event(g, 0, 1, "+new-epoch", ep);
    g->host_epoch[0] = g->epoch;
    snprintf(sw, sizeof(sw), "mymaster %s 6379 %s 6379", host_addr[0], host_addr[2]);
    node_event(g, 0, 1, "+switch-master", sw);
    snprintf(g->x->hx[0].switched_to, sizeof(g->x->hx[0].switched_to), "%s:6379", host_addr[2]);
    g->believed[0] = 2;
    snprintf(s, sizeof(s), "slave %s:6379 %s 6379 @ mymaster %s 6379", host_addr[0], host_addr[0],
             host_addr[2]);
    node_event(g, 2, 1, "+convert-to-slave", s);
    node_event(g, 0, 0, "role-replica", host_addr[2]);
    snprintf(s, sizeof(s), "replica %s:6379", host_addr[0]);
    node_event(g, 2, 0, "full-resync", s);
}

static void step_kill(gen *g)
{
    nemesis(g, "kill", json_pack("{s:i,s:s,s:[s]}", "id", 2, "process", "redis", "hosts", "n3"));
    g->down = 2;
    g->active_faults++;
    char d[160];
    master_detail(d, sizeof(d), 2);
    node_event(g, 0, 1, "+sdown", d);
    node_event(g, 1, 1, "+sdown", d);
}

static void step_failover_n2(gen *g)
{
    static const int voters[2] = {0, 1};
    promote(g, 2, 1, voters, 1);
    g->stale_reads_left = g->wl == WL_COUNTER ? STALE_READS : 0;
}

static void step_restart(gen *g)
{
    nemesis(g, "restart", json_pack("{s:i,s:[s]}", "id", 3, "hosts", "n3"));
    g->down = -1;
    g->active_faults--;
    g->stale_master = 2;
    g->stale_until = g->now + STALE_RESTART_NS;
    node_event(g, 2, 0, "role-master", "MASTER MODE enabled");
    char s[200];
    snprintf(s, sizeof(s), "slave %s:6379 %s 6379 @ mymaster %s 6379", host_addr[2], host_addr[2],
             host_addr[1]);
    node_event(g, 0, 1, "+convert-to-slave", s);
    node_event(g, 2, 0, "role-replica", host_addr[1]);
    snprintf(s, sizeof(s), "replica %s:6379", host_addr[2]);
    node_event(g, 1, 0, "full-resync", s);
}

static void step_pause(gen *g)
{
    nemesis(g, "pause", json_pack("{s:i,s:s,s:[s]}", "id", 4, "process", "both", "hosts", "n2"));
    g->paused = 1;
    g->active_faults++;
}

static void step_resume(gen *g)
{
    nemesis(g, "resume", json_pack("{s:i,s:[s]}", "id", 5, "hosts", "n2"));
    g->paused = -1;
    g->active_faults--;
    node_event(g, 1, 1, "+tilt", "#tilt mode entered");
}

static void step_untilt(gen *g)
{
    node_event(g, 1, 1, "-tilt", "#tilt mode exited");
}

typedef struct step {
    double at; /* share of the history's records */
    void (*fn)(gen *g);
} step;

static const step schedule[] = {
    {0.20, step_partition}, {0.22, step_failover_n3}, {0.28, step_heal},
    {0.45, step_kill},      {0.47, step_failover_n2}, {0.53, step_restart},
    {0.70, step_pause},     {0.705, step_resume},     {0.75, step_untilt},
};
#define N_STEPS (sizeof(schedule) / sizeof(schedule[0]))

/* ====== Controller observations ====== */

static const char *role_of(const gen *g, int h)
{
    if (g->down == h || g->paused == h)
        return NULL;
    if (g->master == h || (g->stale_master == h && g->now < g->stale_until))
        return "master";
    return "slave";
}

static void poll_roles(gen *g)
{
    expect *x = g->x;
    json_t *v = json_object();
    long long masters = 0;
    for (int h = 0; h < N_HOSTS; h++) {
        const char *r = role_of(g, h);
        json_object_set_new(v, host_name[h], r ? json_string(r) : json_null());
        masters += r && !strcmp(r, "master");
    }
    emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "roles", v, NULL, NULL);
    x->polls++;
    if (masters > x->max_masters)
        x->max_masters = masters;
    if (masters >= 2 && !g->win_open) {
        g->win_open = 1;
        g->win_start = g->now;
        x->windows++;
    } else if (masters < 2 && g->win_open) {
        g->win_open = 0;
        x->two_master_ns += g->now - g->win_start;
    }
}

static long long known_sentinels(const gen *g)
{
    return g->now < SB_NS_PER_S ? 1 : g->now < 2 * SB_NS_PER_S ? 2 : 3;
}

static void poll_views(gen *g)
{
    json_t *v = json_object();
    for (int h = 0; h < N_HOSTS; h++) {
        if (g->paused == h) {
            json_object_set_new(v, host_name[h], json_null());
            continue;
        }
        long long ks = known_sentinels(g);
        json_object_set_new(v, host_name[h],
                            json_pack("{s:s,s:I,s:I,s:s}", "master", host_name[g->believed[h]],
                                      "known_sentinels", (json_int_t)ks, "epoch",
                                      (json_int_t)g->host_epoch[h], "flags", "master"));
        host_exp *he = &g->x->hx[h];
        he->ks_min = he->ks_min < 0 || ks < he->ks_min ? ks : he->ks_min;
        he->ks_max = ks > he->ks_max ? ks : he->ks_max;
        he->masters_named |= 1u << g->believed[h];
        if (g->host_epoch[h] > he->max_epoch)
            he->max_epoch = g->host_epoch[h];
    }
    emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "sentinel-views", v, NULL, NULL);
}

/* ====== Clients ====== */

/* Decides where an operation goes and how it ends, as of its invocation. */
static void client_invoke(gen *g, int ci)
{
    client *c = &g->cl[ci];
    int minority = g->isolated >= 0 && ci < N_CLIENTS / 2;
    c->target = minority ? g->isolated : g->master;
    c->doomed = g->isolated >= 0 && c->target == g->isolated;
    c->read = g->wl == WL_COUNTER && sb_rng_next(&g->r) % 4 == 0;
    int64_t lat;
    double x = unit(g);
    if (g->down == c->target) {
        c->outcome = SB_OP_FAIL; /* connection refused */
        lat = 200 * SB_NS_PER_US;
    } else if (g->paused == c->target) {
        c->outcome = SB_OP_INFO;
        lat = TIMEOUT_NS;
    } else if (!minority && g->isolated == c->target) {
        c->outcome = x < 0.2 ? SB_OP_INFO : SB_OP_FAIL; /* cut off from the old master */
        lat = c->outcome == SB_OP_INFO ? TIMEOUT_NS : SB_NS_PER_MS;
    } else if (x < INFO_P) {
        c->outcome = SB_OP_INFO;
        lat = TIMEOUT_NS;
    } else if (x < INFO_P + FAIL_P) {
        c->outcome = SB_OP_FAIL;
        lat = SB_NS_PER_MS;
    } else {
        c->outcome = SB_OP_OK;
        lat = uniform_ns(g, 300 * SB_NS_PER_US, 3 * SB_NS_PER_MS);
    }
    c->busy = 1;
    c->inv_ns = g->now;
    c->at_ns = g->now + lat;
    if (g->wl == WL_SET) {
        c->value = g->next_value++;
        emit(g, ci, SB_OP_INVOKE, "add", json_integer(c->value), NULL, NULL);
        g->x->adds++;
    } else if (c->read) {
        c->lower = g->acked;
        emit(g, ci, SB_OP_INVOKE, "read", json_null(), NULL, NULL);
    } else {
        emit(g, ci, SB_OP_INVOKE, "incr", json_integer(1), NULL, NULL);
        if (c->outcome != SB_OP_FAIL)
            g->x->incr_attempted++;
    }
}

static kind_exp *kind_of(expect *x, const char *f)
{
    size_t k = 0;
    while (x->kinds[k].f && strcmp(x->kinds[k].f, f))
        k++;
    x->kinds[k].f = f;
    return &x->kinds[k];
}

static void client_complete(gen *g, int ci)
{
    client *c = &g->cl[ci];
    expect *x = g->x;
    const char *node = host_name[c->target];
    const char *error = c->outcome == SB_OP_FAIL   ? "connection refused"
                        : c->outcome == SB_OP_INFO ? "timeout"
                                                   : NULL;
    const char *f = g->wl == WL_SET ? "add" : c->read ? "read" : "incr";
    int ok = c->outcome == SB_OP_OK;
    if (g->wl == WL_SET) {
        unsigned char *fate = &g->fate[c->value];
        *fate = ok ? V_OK : c->outcome == SB_OP_FAIL ? V_FAIL : V_INFO;
        if (ok || (c->outcome == SB_OP_INFO && unit(g) < 0.5))
            *fate |= V_APPLIED;
        if (c->doomed)
            *fate |= V_DOOMED;
        x->add_ok += ok;
        x->add_fail += c->outcome == SB_OP_FAIL;
        x->add_info += c->outcome == SB_OP_INFO;
        emit(g, ci, c->outcome, "add", json_integer(c->value), node, error);
    } else if (c->read) {
        json_t *v = NULL;
        if (ok) {
            long long val = g->applied;
            if (g->stale_reads_left > 0 && c->lower >= 1) {
                val = c->lower - 1; /* misses an increment acknowledged before it began */
                g->stale_reads_left--;
                x->bad_reads++;
            }
            v = json_integer(val);
            x->reads_ok++;
        }
        emit(g, ci, c->outcome, "read", v, node, error);
    } else {
        if (ok || (c->outcome == SB_OP_INFO && unit(g) < 0.5))
            g->applied++;
        g->acked += ok;
        x->incr_ok += ok;
        x->incr_info += c->outcome == SB_OP_INFO;
        emit(g, ci, c->outcome, "incr", ok ? json_integer(g->applied) : json_integer(1), node,
             error);
    }
    /* perf: completions in and outside faults, latency of ok ones */
    if (g->active_faults) {
        x->in_all++;
        x->in_ok += ok;
    } else {
        x->out_all++;
        x->out_ok += ok;
    }
    if (ok) {
        x->ok_total++;
        kind_exp *k = kind_of(x, f);
        k->count++;
        if (g->now - c->inv_ns > k->max_ns)
            k->max_ns = g->now - c->inv_ns;
        if (g->win_open && strcmp(f, "read") && x->windows <= 2)
            x->win_ack[x->windows - 1][c->target]++;
    }
    c->busy = 0;
    c->at_ns = g->now + uniform_ns(g, 0, 500 * SB_NS_PER_US);
    if (unit(g) < CHATTER_P)
        chatter(g);
}

/* ====== The run ====== */

static void final_records(gen *g)
{
    expect *x = g->x;
    emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "workload-end", NULL, NULL, NULL);
    g->now += 50 * SB_NS_PER_MS;
    const char *node = host_name[g->master];
    if (g->wl == WL_SET) {
        emit(g, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, node, NULL);
        size_t n = 0;
        long long *present = malloc((size_t)g->next_value * sizeof(long long));
        for (long long v = 1; v < g->next_value; v++) {
            unsigned char f = g->fate[v];
            if ((f & V_OK) && (f & V_DOOMED))
                x->lost++;
            if ((f & V_APPLIED) && !(f & V_DOOMED)) {
                present[n++] = v;
                x->recovered += (f & V_INFO) != 0;
            }
        }
        for (size_t i = n; i > 1; i--) { /* SMEMBERS answers in hash order */
            size_t j = (size_t)(sb_rng_next(&g->r) % i);
            long long t = present[i - 1];
            present[i - 1] = present[j];
            present[j] = t;
        }
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_integer(present[i]));
        free(present);
        x->final_size = (long long)n;
        g->now += 20 * SB_NS_PER_MS;
        emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "read", arr, node, NULL);
    } else {
        x->final_lower = g->acked;
        x->final_value = g->acked - COUNTER_LOST;
        emit(g, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, node, NULL);
        g->now += SB_NS_PER_MS;
        emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "read", json_integer(x->final_value), node, NULL);
    }
    g->now += 2500 * SB_NS_PER_MS;
    x->converged_ns = g->now;
    emit(g, SB_PROC_CONTROLLER, SB_OP_OK, "converged",
         json_pack("{s:s,s:[s,s]}", "master", "n2", "replicas", "n1", "n3"), NULL, NULL);
}

static sb_history *generate(workload wl, long n_ops, uint64_t seed, expect *x)
{
    gen g = {.wl = wl,
             .target = n_ops,
             .stale_master = -1,
             .down = -1,
             .paused = -1,
             .isolated = -1,
             .epoch = 0,
             .next_value = 1,
             .x = x};
    memset(x, 0, sizeof(*x));
    for (int h = 0; h < N_HOSTS; h++)
        x->hx[h].ks_min = -1;
    sb_rng_seed(&g.r, seed);
    g.h = history_new();
    g.fate = wl == WL_SET ? calloc((size_t)n_ops + 2, 1) : NULL;
    emit(&g, SB_PROC_CONTROLLER, SB_OP_OK, "ready",
         json_pack("{s:s,s:[s,s]}", "master", "n1", "replicas", "n2", "n3"), NULL, NULL);
    for (int i = 0; i < N_CLIENTS; i++)
        g.cl[i].at_ns = uniform_ns(&g, 0, SB_NS_PER_MS);
    size_t next_step = 0;
    /* Room left for the completions in flight and the final records. */
    long stop_at = n_ops - N_CLIENTS - 6;
    for (;;) {
        while (next_step < N_STEPS && (double)g.h->n >= schedule[next_step].at * (double)n_ops)
            schedule[next_step++].fn(&g);
        int issuing = (long)g.h->n < stop_at;
        int ci = -1;
        for (int i = 0; i < N_CLIENTS; i++)
            if ((g.cl[i].busy || issuing) && (ci < 0 || g.cl[i].at_ns < g.cl[ci].at_ns))
                ci = i;
        if (ci < 0)
            break;
        int64_t t = g.cl[ci].at_ns;
        if (g.next_poll <= t && g.next_poll <= g.next_views) {
            g.now = g.next_poll;
            poll_roles(&g);
            g.next_poll += POLL_EVERY_NS;
        } else if (g.next_views <= t) {
            g.now = g.next_views;
            poll_views(&g);
            g.next_views += VIEWS_EVERY_NS;
        } else {
            g.now = t;
            if (g.cl[ci].busy)
                client_complete(&g, ci);
            else
                client_invoke(&g, ci);
        }
    }
    if (g.win_open) /* open at the last poll: counted up to it */
        x->two_master_ns += g.next_poll - POLL_EVERY_NS - g.win_start;
    final_records(&g);
    free(g.fate);
    return g.h;
}

/* ====== Sanity checks of the verdicts ====== */

static int failures;
static int verbose; /* --verbose: each verdict's summary line too */

static void mismatch(const char *checker, const char *what, const char *got, const char *want)
{
    fprintf(stderr, "bench_checkers: %s: %s is %s, expected %s\n", checker, what, got, want);
    failures++;
}

static void want_int(const char *checker, json_t *obj, const char *name, long long want)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) != want) {
        char got[64], w[64];
        snprintf(got, sizeof(got), "%lld", v ? (long long)json_integer_value(v) : -1LL);
        if (!json_is_integer(v))
            snprintf(got, sizeof(got), "%s", v ? "not an integer" : "missing");
        snprintf(w, sizeof(w), "%lld", want);
        mismatch(checker, name, got, w);
    }
}

static void want_real(const char *checker, json_t *obj, const char *name, double want)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_number(v) || fabs(json_number_value(v) - want) > 1e-9 * (1 + fabs(want))) {
        char got[64], w[64];
        snprintf(got, sizeof(got), "%.12g", json_number_value(v));
        snprintf(w, sizeof(w), "%.12g", want);
        mismatch(checker, name, got, w);
    }
}

static void want_str(const char *checker, json_t *obj, const char *name, const char *want)
{
    const char *s = json_string_value(json_object_get(obj, name));
    if (!s || strcmp(s, want))
        mismatch(checker, name, s ? s : "missing", want);
}

static void want_verdict(const sb_check_result *r, sb_verdict want)
{
    if (r->verdict != want)
        mismatch(r->checker, "the verdict", checker_verdict_name(r->verdict),
                 checker_verdict_name(want));
}

static void verify_set(const sb_check_result *r, const expect *x)
{
    const char *c = "set";
    json_t *f = r->figures;
    want_verdict(r, x->lost ? SB_VERDICT_INVALID : SB_VERDICT_VALID);
    want_int(c, f, "attempted", x->adds);
    want_int(c, f, "acknowledged", x->add_ok);
    want_int(c, f, "failed", x->add_fail);
    want_int(c, f, "indeterminate", x->add_info);
    want_int(c, f, "lost_count", x->lost);
    want_int(c, f, "recovered_count", x->recovered);
    want_int(c, f, "unexpected_count", 0);
    want_int(c, f, "failed_present_count", 0);
    want_int(c, f, "final_read_size", x->final_size);
    want_int(c, json_object_get(f, "lost_by_node"), "n1", x->lost);
    if (x->lost == 0 || x->add_info == 0 || x->add_fail == 0)
        mismatch(c, "the history", "without losses, unknowns or failures", "all three");
}

static void verify_counter(const sb_check_result *r, const expect *x)
{
    const char *c = "counter";
    json_t *f = r->figures;
    want_verdict(r, SB_VERDICT_INVALID);
    want_int(c, f, "acknowledged", x->incr_ok);
    want_int(c, f, "attempted", x->incr_attempted);
    want_int(c, f, "indeterminate", x->incr_info);
    want_int(c, f, "reads", x->reads_ok);
    want_int(c, f, "bad_reads", x->bad_reads);
    want_int(c, f, "final", x->final_value);
    want_int(c, f, "final_min", x->final_lower);
    want_int(c, f, "final_max", x->incr_attempted);
    want_int(c, f, "lost", COUNTER_LOST);
    want_int(c, f, "unacknowledged_applied", 0);
    if (x->bad_reads != STALE_READS)
        mismatch(c, "the history", "short of stale reads", "all of them");
}

static void verify_splitbrain(const sb_check_result *r, const expect *x)
{
    const char *c = "split-brain";
    json_t *f = r->figures;
    want_verdict(r, SB_VERDICT_INVALID);
    want_int(c, f, "windows", x->windows);
    want_int(c, f, "max_masters", x->max_masters);
    want_int(c, f, "polls", x->polls);
    want_real(c, f, "two_master_seconds", (double)x->two_master_ns / 1e9);
    for (size_t w = 0; w < 2; w++) {
        json_t *ack =
            json_object_get(json_array_get(json_object_get(f, "detail"), w), "acknowledged");
        for (int h = 0; h < N_HOSTS; h++)
            if (x->win_ack[w][h] || json_object_get(ack, host_name[h]))
                want_int(c, ack, host_name[h], x->win_ack[w][h]);
    }
    if (x->windows != 2 || x->max_masters != 2)
        mismatch(c, "the history", "not two windows of two masters", "two");
}

static void verify_convergence(const sb_check_result *r, const expect *x)
{
    const char *c = "convergence";
    json_t *f = r->figures;
    want_verdict(r, SB_VERDICT_VALID);
    want_str(c, f, "initial_master", "n1");
    want_str(c, f, "final_master", "n2");
    want_int(c, f, "master_changed", 1);
    want_real(c, f, "converge_seconds", (double)(x->converged_ns - x->heal_ns) / 1e9);
}

static void verify_events(const sb_check_result *r, const expect *x)
{
    const char *c = "events";
    json_t *f = r->figures;
    want_verdict(r, SB_VERDICT_VALID);
    want_int(c, f, "events", x->events);
    for (size_t k = 0; k < x->n_ev; k++) {
        want_int(c, f, x->ev[k].name, x->ev[k].total);
        for (int h = 0; h < N_HOSTS; h++) {
            char key[96];
            snprintf(key, sizeof(key), "%s@%s", x->ev[k].name, host_name[h]);
            if (x->ev[k].at[h] || json_object_get(f, key))
                want_int(c, f, key, x->ev[k].at[h]);
        }
    }
    size_t tl = json_array_size(json_object_get(f, "timeline"));
    if ((long long)tl != (x->story < 200 ? x->story : 200))
        mismatch(c, "the timeline's length", "different", "min(story events, 200)");
    json_t *by = json_object_get(f, "by_host");
    for (int h = 0; h < N_HOSTS; h++) {
        const host_exp *he = &x->hx[h];
        json_t *e = json_object_get(by, host_name[h]);
        want_int(c, e, "+sentinel", he->sentinels);
        want_int(c, e, "leaders_elected", he->leaders);
        want_int(c, e, "tilts", he->tilts);
        want_int(c, e, "max_epoch", he->max_epoch);
        want_int(c, e, "known_sentinels_min", he->ks_min);
        want_int(c, e, "known_sentinels_max", he->ks_max);
        if (he->switched_to[0])
            want_str(c, e, "switched_to", he->switched_to);
        json_t *named = json_object_get(e, "masters_named");
        unsigned got = 0;
        for (size_t i = 0; i < json_array_size(named); i++)
            for (int m = 0; m < N_HOSTS; m++)
                if (!strcmp(json_string_value(json_array_get(named, i)), host_name[m]))
                    got |= 1u << m;
        if (got != he->masters_named || json_array_size(named) != (size_t)__builtin_popcount(got))
            mismatch(c, "masters_named", "different", "each master a sentinel named, once");
    }
}

static void verify_perf(const sb_check_result *r, const expect *x, const sb_history *h)
{
    const char *c = "perf";
    json_t *f = r->figures;
    want_verdict(r, SB_VERDICT_VALID);
    want_int(c, f, "completions_in_faults", x->in_all);
    want_int(c, f, "completions_outside_faults", x->out_all);
    want_real(c, f, "availability_in_faults", x->in_all ? (double)x->in_ok / x->in_all : 1.0);
    want_real(c, f, "availability_outside_faults",
              x->out_all ? (double)x->out_ok / x->out_all : 1.0);
    json_t *lat = json_object_get(f, "latency");
    for (size_t k = 0; k < 3 && x->kinds[k].f; k++) {
        json_t *l = json_object_get(lat, x->kinds[k].f);
        want_int(c, l, "count", x->kinds[k].count);
        want_real(c, l, "max_ms", (double)x->kinds[k].max_ns / 1e6);
        double p50 = json_real_value(json_object_get(l, "p50_ms"));
        double p90 = json_real_value(json_object_get(l, "p90_ms"));
        double p99 = json_real_value(json_object_get(l, "p99_ms"));
        if (!(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= (double)x->kinds[k].max_ns / 1e6))
            mismatch(c, "latency percentiles", "out of order", "0 < p50 <= p90 <= p99 <= max");
    }
    json_t *tp = json_object_get(f, "throughput_per_s");
    long long sum = 0;
    for (size_t s = 0; s < json_array_size(tp); s++)
        sum += json_integer_value(json_array_get(tp, s));
    size_t secs = (size_t)(h->ops[h->n - 1].time_ns / SB_NS_PER_S) + 1;
    if (sum != x->ok_total || json_array_size(tp) != secs)
        mismatch(c, "throughput_per_s", "wrong", "every ok completion in its second");
}

/* ====== Measuring ====== */

typedef struct bench_case {
    const char *checker;
    workload wl;
} bench_case;

static const bench_case cases[] = {
    {"set", WL_SET},         {"convergence", WL_SET}, {"events", WL_SET},
    {"counter", WL_COUNTER}, {"split-brain", WL_SET}, {"perf", WL_COUNTER},
};

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1. */
static long status_kb(const char *field)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp)
        return -1;
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof(line), fp))
        if (!strncmp(line, field, n) && line[n] == ':')
            kb = atol(line + n + 1);
    fclose(fp);
    return kb;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0). */
static int reset_peak_rss(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0)
        return -1;
    int rc = write(fd, "5", 1) == 1 ? 0 : -1;
    close(fd);
    return rc;
}

static int run_case(const bench_case *bc, long n_ops, uint64_t seed)
{
    const sb_checker *ck = checker_find(bc->checker);
    if (!ck) {
        fprintf(stderr, "bench_checkers: no checker named %s\n", bc->checker);
        return 2;
    }
    expect *x = calloc(1, sizeof(expect));
    int64_t t0 = sb_now_ns();
    sb_history *h = generate(bc->wl, n_ops, seed, x);
    int64_t t1 = sb_now_ns();
    malloc_trim(0);
    long rss_hist = status_kb("VmRSS");
    int peak_ok = reset_peak_rss() == 0;
    long rss0 = status_kb("VmRSS");
    sb_check_result r = {0};
    snprintf(r.checker, sizeof(r.checker), "%s", ck->name);
    char err[SB_ERR_LEN] = "";
    int64_t t2 = sb_now_ns();
    int rc = ck->check(h, &r, err);
    int64_t t3 = sb_now_ns();
    long hwm = status_kb("VmHWM");
    if (rc == -1) {
        fprintf(stderr, "bench_checkers: %s: %s\n", ck->name, err);
        return 1;
    }
    if (!strcmp(bc->checker, "set"))
        verify_set(&r, x);
    else if (!strcmp(bc->checker, "counter"))
        verify_counter(&r, x);
    else if (!strcmp(bc->checker, "split-brain"))
        verify_splitbrain(&r, x);
    else if (!strcmp(bc->checker, "convergence"))
        verify_convergence(&r, x);
    else if (!strcmp(bc->checker, "events"))
        verify_events(&r, x);
    else
        verify_perf(&r, x, h);
    double gen_s = (double)(t1 - t0) / 1e9, check_s = (double)(t3 - t2) / 1e9;
    char peak[32] = "-";
    if (peak_ok && hwm >= 0 && rss0 >= 0)
        snprintf(peak, sizeof(peak), "%.1f", (double)(hwm - rss0) / 1024.0);
    if (verbose)
        printf("  %s\n", r.summary);
    printf("%-12s %9zu %8.3f %8.3f %12.0f %9.1f %9s  %-8s %s\n", ck->name, h->n, gen_s, check_s,
           check_s > 0 ? (double)h->n / check_s : 0.0, (double)rss_hist / 1024.0, peak,
           checker_verdict_name(r.verdict), failures ? "MISMATCH" : "as injected");
    fflush(stdout);
    if (failures)
        fprintf(stderr, "bench_checkers: %s at %ld ops: summary: %s\n", ck->name, n_ops, r.summary);
    check_result_free(&r);
    history_free(h);
    free(x);
    return failures ? 1 : 0;
}

/* One child per case, so each peak RSS and heap starts clean. */
static int run_isolated(const bench_case *bc, long n_ops, uint64_t seed)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_checkers: fork");
        return 2;
    }
    if (pid == 0)
        exit(run_case(bc, n_ops, seed)); /* exit, not _exit: LeakSanitizer runs at exit */
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 2;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "bench_checkers: %s at %ld ops: killed by signal %d\n", bc->checker, n_ops,
                WTERMSIG(status));
        return 2;
    }
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    long ops = 0;
    const char *only = NULL;
    uint64_t seed = 1;
    static const struct option opts[] = {{"ops", required_argument, 0, 'n'},
                                         {"checker", required_argument, 0, 'c'},
                                         {"seed", required_argument, 0, 's'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n':
            ops = atol(optarg);
            break;
        case 'c':
            only = optarg;
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'v':
            verbose = 1;
            break;
        default:
            fprintf(stderr,
                    "usage: bench_checkers [--ops N] [--checker NAME] [--seed S] [--verbose]\n");
            return 2;
        }
    }
    if (ops != 0 && ops < 10000) {
        fprintf(stderr, "bench_checkers: --ops must be at least 10000 (room for the faults)\n");
        return 2;
    }
    const long sizes[] = {100000, 1000000};
    size_t n_sizes = ops ? 1 : 2;
    int found = 0, status = 0;
    printf("%-12s %9s %8s %8s %12s %9s %9s  %-8s %s\n", "checker", "ops", "gen_s", "check_s",
           "check_ops/s", "hist_MB", "+peak_MB", "verdict", "sanity");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (only && strcmp(only, cases[i].checker))
            continue;
        found = 1;
        for (size_t k = 0; k < n_sizes; k++) {
            int rc = run_isolated(&cases[i], ops ? ops : sizes[k], seed);
            if (rc > status)
                status = rc;
        }
    }
    if (!found) {
        fprintf(stderr,
                "bench_checkers: --checker: no benchmark for %s (allowed: set, "
                "convergence, events, counter, split-brain, perf)\n",
                only);
        return 2;
    }
    return status;
}
