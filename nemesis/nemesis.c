/* nemesis.c -- fault table, fault state, and the partition / heal / kill /
 * restart faults on the local lab. */
#include "nemesis.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb_nemesis {
    sb_lab *lab;
    sb_deploy *deploy;
    const sb_scenario *s;
    sb_recorder *rec;
    pthread_mutex_t lock;      /* guards the state below for describe() */
    int firewalled[SB_MAX_HOSTS];
    int killed[SB_MAX_HOSTS][2]; /* [host][sb_proc_kind] */
    char partition_desc[512];
};

static const char *proc_kind_name(sb_proc_kind k)
{
    return k == SB_PROC_REDIS ? "redis" : "sentinel";
}

/* ====== Partitions ====== */

/* Group of host h under fault f: its explicit group, or n_groups for the
 * implicit group of hosts named in none. */
static size_t group_of(const sb_fault *f, int h)
{
    for (size_t g = 0; g < f->n_groups; g++)
        for (size_t i = 0; i < f->groups[g].n; i++)
            if (f->groups[g].idx[i] == h)
                return g;
    return f->n_groups;
}

void nemesis_partition_json(const sb_scenario *s, const sb_fault *f, sb_buf *out)
{
    sb_buf_puts(out, "{\"groups\":[");
    for (size_t g = 0; g <= f->n_groups; g++) {
        int first = 1;
        for (size_t h = 0; h < s->n_hosts; h++) {
            if (group_of(f, (int)h) != g)
                continue;
            if (first) {
                sb_buf_puts(out, g ? ",[" : "[");
                first = 0;
            } else {
                sb_buf_puts(out, ",");
            }
            sb_buf_json_string(out, s->hosts[h].name);
        }
        if (!first)
            sb_buf_puts(out, "]");
    }
    sb_buf_puts(out, "]}");
}

void nemesis_partition_rules(const sb_scenario *s, const sb_fault *f, int h,
                             const char *const *addrs, sb_buf *out)
{
    size_t mine = group_of(f, h);
    sb_buf peers;
    sb_buf_init(&peers);
    for (size_t o = 0; o < s->n_hosts; o++) {
        if ((int)o == h || group_of(f, (int)o) == mine)
            continue;
        sb_buf_puts(&peers, peers.len ? ", " : "");
        sb_buf_puts(&peers, addrs[o]);
    }
    if (peers.len)
        sb_buf_printf(out,
                      "table inet splitbrain {\n"
                      "  chain input {\n"
                      "    type filter hook input priority 0; policy accept;\n"
                      "    ip saddr { %s } drop\n"
                      "  }\n"
                      "}\n",
                      peers.data);
    sb_buf_free(&peers);
}

static void describe_partition(const sb_scenario *s, const sb_fault *f, char *buf, size_t len)
{
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "partition ");
    for (size_t g = 0; g <= f->n_groups; g++) {
        int first = 1;
        for (size_t h = 0; h < s->n_hosts; h++) {
            if (group_of(f, (int)h) != g)
                continue;
            sb_buf_puts(&b, first ? (g ? " | {" : "{") : ",");
            sb_buf_puts(&b, s->hosts[h].name);
            first = 0;
        }
        if (!first)
            sb_buf_puts(&b, "}");
    }
    snprintf(buf, len, "%s", b.data);
    sb_buf_free(&b);
}

static int clear_firewalls(sb_nemesis *n, char *err)
{
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (!n->firewalled[h])
            continue;
        if (lab_firewall_clear(n->lab, (int)h, err) == -1)
            return -1;
        n->firewalled[h] = 0;
    }
    return 0;
}

static int partition_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    const sb_scenario *s = n->s;
    const char *addrs[SB_MAX_HOSTS];
    for (size_t h = 0; h < s->n_hosts; h++)
        addrs[h] = lab_host_addr(n->lab, (int)h);
    /* A new partition replaces the previous one, as in Jepsen. */
    pthread_mutex_lock(&n->lock);
    int rc = clear_firewalls(n, err);
    for (size_t h = 0; rc == 0 && h < s->n_hosts; h++) {
        sb_buf rules;
        sb_buf_init(&rules);
        nemesis_partition_rules(s, f, (int)h, addrs, &rules);
        if (rules.len) {
            rc = lab_firewall_set(n->lab, (int)h, rules.data, err);
            if (rc == 0)
                n->firewalled[h] = 1;
        }
        sb_buf_free(&rules);
    }
    if (rc == 0)
        describe_partition(s, f, n->partition_desc, sizeof(n->partition_desc));
    pthread_mutex_unlock(&n->lock);
    return rc;
}

static int heal_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    (void)f;
    pthread_mutex_lock(&n->lock);
    int rc = clear_firewalls(n, err);
    if (rc == 0)
        n->partition_desc[0] = '\0';
    pthread_mutex_unlock(&n->lock);
    return rc;
}

/* ====== Processes ====== */

static void process_json(const sb_scenario *s, const sb_fault *f, sb_buf *value)
{
    sb_buf_puts(value, "{\"host\":");
    sb_buf_json_string(value, s->hosts[f->host].name);
    sb_buf_printf(value, ",\"process\":\"%s\"}", proc_kind_name(f->process));
}

/* The process a kill/restart fault names, or NULL with err. */
static sb_proc *fault_proc(sb_nemesis *n, const sb_fault *f, char *err)
{
    sb_proc *p = deploy_proc(n->deploy, f->host, f->process);
    if (!p)
        sb_err_set(err, "no %s process on %s", proc_kind_name(f->process),
                   n->s->hosts[f->host].name);
    return p;
}

static int kill_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    sb_proc *p = fault_proc(n, f, err);
    if (!p)
        return -1;
    pthread_mutex_lock(&n->lock);
    int rc = lab_proc_kill(p, err);
    if (rc == 0)
        n->killed[f->host][f->process] = 1;
    pthread_mutex_unlock(&n->lock);
    return rc;
}

static int restart_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    sb_proc *p = fault_proc(n, f, err);
    if (!p)
        return -1;
    pthread_mutex_lock(&n->lock);
    int rc = 0;
    if (!lab_proc_running(p))
        rc = lab_proc_restart(p, err);
    if (rc == 0)
        n->killed[f->host][f->process] = 0;
    pthread_mutex_unlock(&n->lock);
    return rc;
}

static const sb_fault_impl fault_impls[] = {
    {SB_FAULT_PARTITION, "partition", nemesis_partition_json, partition_apply},
    {SB_FAULT_HEAL, "heal", NULL, heal_apply},
    {SB_FAULT_KILL, "kill", process_json, kill_apply},
    {SB_FAULT_RESTART, "restart", process_json, restart_apply},
};

const sb_fault_impl *nemesis_impl(sb_fault_kind kind)
{
    for (size_t i = 0; i < sizeof(fault_impls) / sizeof(fault_impls[0]); i++)
        if (fault_impls[i].kind == kind)
            return &fault_impls[i];
    return NULL;
}

/* ====== Life cycle ====== */

sb_nemesis *nemesis_new(sb_lab *lab, sb_deploy *deploy, const sb_scenario *s, sb_recorder *rec)
{
    sb_nemesis *n = calloc(1, sizeof(*n));
    n->lab = lab;
    n->deploy = deploy;
    n->s = s;
    n->rec = rec;
    pthread_mutex_init(&n->lock, NULL);
    return n;
}

void nemesis_free(sb_nemesis *n)
{
    if (!n)
        return;
    pthread_mutex_destroy(&n->lock);
    free(n);
}

int nemesis_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    const sb_fault_impl *impl = nemesis_impl(f->kind);
    if (!impl) {
        sb_err_set(err, "fault kind %d has no implementation", (int)f->kind);
        return -1;
    }
    sb_buf value;
    sb_buf_init(&value);
    if (impl->value)
        impl->value(n->s, f, &value);
    const char *v = value.len ? value.data : NULL;
    recorder_record(n->rec, SB_PROC_NEMESIS, SB_OP_INVOKE, impl->name, v, NULL, NULL);
    int rc = impl->apply(n, f, err);
    recorder_record(n->rec, SB_PROC_NEMESIS, rc == 0 ? SB_OP_OK : SB_OP_FAIL, impl->name, v, NULL,
                    rc == 0 ? NULL : err);
    sb_buf_free(&value);
    return rc;
}

int nemesis_heal_all(sb_nemesis *n, char *err)
{
    int any_fw = 0;
    pthread_mutex_lock(&n->lock);
    for (size_t h = 0; h < n->s->n_hosts; h++)
        any_fw |= n->firewalled[h];
    pthread_mutex_unlock(&n->lock);
    if (any_fw) {
        sb_fault heal = {.kind = SB_FAULT_HEAL};
        if (nemesis_apply(n, &heal, err) == -1)
            return -1;
    }
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        for (int k = 0; k < 2; k++) {
            pthread_mutex_lock(&n->lock);
            int killed = n->killed[h][k];
            pthread_mutex_unlock(&n->lock);
            if (!killed)
                continue;
            sb_fault restart = {.kind = SB_FAULT_RESTART, .host = (int)h,
                                .process = (sb_proc_kind)k};
            if (nemesis_apply(n, &restart, err) == -1)
                return -1;
        }
    }
    return 0;
}

void nemesis_describe(sb_nemesis *n, char *buf, size_t len)
{
    sb_buf b;
    sb_buf_init(&b);
    pthread_mutex_lock(&n->lock);
    sb_buf_puts(&b, n->partition_desc);
    for (size_t h = 0; h < n->s->n_hosts; h++)
        for (int k = 0; k < 2; k++)
            if (n->killed[h][k]) {
                sb_buf_puts(&b, b.len ? "; " : "");
                sb_buf_printf(&b, "%s@%s down", proc_kind_name((sb_proc_kind)k),
                              n->s->hosts[h].name);
            }
    pthread_mutex_unlock(&n->lock);
    snprintf(buf, len, "%s", b.len ? b.data : "");
    sb_buf_free(&b);
}
