/* fault_network.c -- the network family: partitions and packet loss
 * (nftables rules in the hosts' namespaces, or on the hosts over ssh),
 * bandwidth and netem (a root qdisc on each host's interface, through the
 * lab's backend), and heal. The pure part (grudges and the rules
 * they become) is unit-tested through nemesis.h. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nemesis_internal.h"

/* The hosts' interface in the local lab (lab_local.c). */
#define IFACE "eth0"

/* ====== Partitions (pure) ====== */

static void cut(sb_grudge g, int a, int b)
{
    g[a][b] = 1;
    g[b][a] = 1;
}

/* The shape's hosts, shuffled with rng when shuffle. */
static size_t universe(const sb_scenario *s, const sb_fault *f, sb_rng *rng, int shuffle, int *out)
{
    size_t n = 0;
    if (f->universe.n)
        for (size_t i = 0; i < f->universe.n; i++)
            out[n++] = f->universe.idx[i];
    else
        for (size_t i = 0; i < s->n_hosts; i++)
            out[n++] = (int)i;
    for (size_t i = n; shuffle && i > 1; i--) {
        size_t j = (size_t)(sb_rng_next(rng) % i);
        int t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
    return n;
}

void nemesis_grudge(const sb_scenario *s, const sb_fault *f, int target, sb_rng *rng, sb_grudge g)
{
    memset(g, 0, sizeof(sb_grudge));
    int u[SB_MAX_HOSTS];
    size_t n;
    switch (f->shape) {
    case SB_SHAPE_GROUPS:
        for (size_t a = 0; a < s->n_hosts; a++)
            for (size_t b = 0; b < s->n_hosts; b++)
                if (!scenario_groups_connect(f, (int)a, (int)b))
                    g[a][b] = 1;
        break;
    case SB_SHAPE_HALVES:
        /* The first half is the larger one when n is odd. */
        n = universe(s, f, rng, 1, u);
        for (size_t i = 0; i < (n + 1) / 2; i++)
            for (size_t j = (n + 1) / 2; j < n; j++)
                cut(g, u[i], u[j]);
        break;
    case SB_SHAPE_ISOLATE:
        n = universe(s, f, rng, 0, u);
        for (size_t i = 0; i < n; i++)
            if (u[i] != target)
                cut(g, target, u[i]);
        if (!f->universe.n) /* the target is cut from everyone */
            for (size_t h = 0; h < s->n_hosts; h++)
                if ((int)h != target)
                    cut(g, target, (int)h);
        break;
    case SB_SHAPE_RING: {
        /* Each host sees itself and its d nearest neighbours on each side
         * of a shuffled ring: a majority, and no two the same. */
        n = universe(s, f, rng, 1, u);
        size_t d = ((n / 2) + 1) / 2;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                size_t dist = i > j ? i - j : j - i;
                if (n - dist < dist)
                    dist = n - dist;
                if (dist > d)
                    g[u[i]][u[j]] = 1;
            }
        break;
    }
    case SB_SHAPE_BRIDGE: {
        /* Two halves that cannot see each other and one host that sees both. */
        n = universe(s, f, rng, 1, u);
        size_t mid = n / 2;
        for (size_t i = 0; i < mid; i++)
            for (size_t j = mid + 1; j < n; j++)
                cut(g, u[i], u[j]);
        break;
    }
    case SB_SHAPE_ONE_WAY:
        /* Packets from "from" to "to" are dropped where they arrive. */
        for (size_t i = 0; i < f->from.n; i++)
            for (size_t j = 0; j < f->to.n; j++)
                g[f->to.idx[j]][f->from.idx[i]] = 1;
        break;
    }
}

void nemesis_grudge_json(const sb_scenario *s, const sb_grudge g, sb_buf *out)
{
    sb_buf_puts(out, "{");
    int first = 1;
    for (size_t a = 0; a < s->n_hosts; a++) {
        int any = 0;
        for (size_t b = 0; b < s->n_hosts; b++) {
            if (!g[a][b])
                continue;
            if (!any) {
                sb_buf_puts(out, first ? "" : ",");
                sb_buf_json_string(out, s->hosts[a].name);
                sb_buf_puts(out, ":[");
                first = 0;
            } else {
                sb_buf_puts(out, ",");
            }
            sb_buf_json_string(out, s->hosts[b].name);
            any = 1;
        }
        if (any)
            sb_buf_puts(out, "]");
    }
    sb_buf_puts(out, "}");
}

void nemesis_host_rules(size_t n_hosts, const sb_grudge g, const sb_loss_rule *loss, size_t n_loss,
                        int h, const char *const *addrs, sb_buf *out)
{
    sb_buf body;
    sb_buf_init(&body);
    sb_buf peers;
    sb_buf_init(&peers);
    for (size_t o = 0; o < n_hosts; o++)
        if ((int)o != h && g[h][o]) {
            sb_buf_puts(&peers, peers.len ? ", " : "");
            sb_buf_puts(&peers, addrs[o]);
        }
    if (peers.len)
        sb_buf_printf(&body, "    ip saddr { %s } drop\n", peers.data);
    for (size_t i = 0; i < n_loss; i++) {
        const sb_loss_rule *l = &loss[i];
        if (!l->hosts[h])
            continue;
        /* numgen draws 0..999999 per packet: drop below p * 10^6. */
        unsigned long long below = (unsigned long long)(l->p * 1000000.0 + 0.5);
        if (l->all_peers) {
            sb_buf_printf(&body, "    iifname \"%s\" numgen random mod 1000000 < %llu drop\n",
                          IFACE, below);
            continue;
        }
        sb_buf_reset(&peers);
        for (size_t o = 0; o < n_hosts; o++)
            if ((int)o != h && l->peers[o]) {
                sb_buf_puts(&peers, peers.len ? ", " : "");
                sb_buf_puts(&peers, addrs[o]);
            }
        if (peers.len)
            sb_buf_printf(&body, "    ip saddr { %s } numgen random mod 1000000 < %llu drop\n",
                          peers.data, below);
    }
    if (body.len)
        sb_buf_printf(out,
                      "table inet splitbrain {\n"
                      "  chain input {\n"
                      "    type filter hook input priority 0; policy accept;\n"
                      "%s"
                      "  }\n"
                      "}\n",
                      body.data);
    sb_buf_free(&peers);
    sb_buf_free(&body);
}

void nemesis_host_rules_remote(size_t n_hosts, const sb_grudge g, const sb_loss_rule *loss,
                               size_t n_loss, int h, const char *const *addrs,
                               const sb_remote_rules *rr, sb_buf *out)
{
    sb_buf in, outc, peers;
    sb_buf_init(&in);
    sb_buf_init(&outc);
    sb_buf_init(&peers);
    for (size_t o = 0; o < n_hosts; o++) {
        if ((int)o == h)
            continue;
        if (g[h][o]) {
            if (rr->remote[o]) {
                sb_buf_puts(&peers, peers.len ? ", " : "");
                sb_buf_puts(&peers, addrs[o]);
            }
            sb_buf_printf(&in, "    ip saddr %s tcp sport %d-%d drop\n", rr->ctl[h], rr->lo[o],
                          rr->hi[o]);
        }
        if (g[o][h])
            sb_buf_printf(&outc, "    ip daddr %s tcp dport %d-%d drop\n", rr->ctl[h], rr->lo[o],
                          rr->hi[o]);
    }
    if (peers.len)
        sb_buf_printf(&in, "    ip saddr { %s } drop\n", peers.data);
    for (size_t i = 0; i < n_loss; i++) {
        const sb_loss_rule *l = &loss[i];
        if (!l->hosts[h])
            continue;
        unsigned long long below = (unsigned long long)(l->p * 1000000.0 + 0.5);
        sb_buf_reset(&peers);
        for (size_t o = 0; o < n_hosts; o++) {
            if ((int)o == h || !(l->all_peers || l->peers[o]))
                continue;
            if (rr->remote[o]) {
                sb_buf_puts(&peers, peers.len ? ", " : "");
                sb_buf_puts(&peers, addrs[o]);
            }
            sb_buf_printf(&in,
                          "    ip saddr %s tcp sport %d-%d numgen random mod 1000000 < %llu "
                          "drop\n",
                          rr->ctl[h], rr->lo[o], rr->hi[o], below);
        }
        if (peers.len)
            sb_buf_printf(&in, "    ip saddr { %s } numgen random mod 1000000 < %llu drop\n",
                          peers.data, below);
    }
    if (in.len || outc.len) {
        sb_buf_puts(out, "table inet splitbrain {\n");
        if (in.len)
            sb_buf_printf(out,
                          "  chain input {\n"
                          "    type filter hook input priority 0; policy accept;\n%s  }\n",
                          in.data);
        if (outc.len)
            sb_buf_printf(out,
                          "  chain output {\n"
                          "    type filter hook output priority 0; policy accept;\n%s  }\n",
                          outc.data);
        sb_buf_puts(out, "}\n");
    }
    sb_buf_free(&in);
    sb_buf_free(&outc);
    sb_buf_free(&peers);
}

/* ====== Network state -> firewall ====== */

/* One host's ruleset change; over ssh the hosts' changes run in parallel
 * (a command costs a round trip or more), so a partition starts on every
 * host at about the same time. */
typedef struct fw_job {
    sb_nemesis *n;
    int host;
    sb_buf rules;
    int rc;
    char err[SB_ERR_LEN];
    pthread_t thread;
    int started;
} fw_job;

static void *fw_apply(void *arg)
{
    fw_job *j = arg;
    sb_nemesis *n = j->n;
    j->rc = 0;
    if (j->rules.len) {
        j->rc = lab_firewall_set(n->lab, j->host, j->rules.data, j->err);
        if (j->rc == 0)
            n->firewalled[j->host] = 1;
    } else if (n->firewalled[j->host]) {
        j->rc = lab_firewall_clear(n->lab, j->host, j->err);
        if (j->rc == 0)
            n->firewalled[j->host] = 0;
    }
    return NULL;
}

/* Rewrites every host's rules from the grudge and loss rules in force.
 * Call with n->lock held. */
static int sync_firewalls(sb_nemesis *n, char *err)
{
    const sb_scenario *s = n->s;
    const char *addrs[SB_MAX_HOSTS];
    for (size_t h = 0; h < s->n_hosts; h++)
        addrs[h] = lab_host_addr(n->lab, (int)h);
    int remote = lab_is_remote(n->lab);
    sb_remote_rules rr;
    memset(&rr, 0, sizeof(rr));
    for (size_t h = 0; remote && h < s->n_hosts; h++) {
        rr.remote[h] = (unsigned char)s->hosts[h].remote;
        rr.ctl[h] = lab_control_addr_of(n->lab, (int)h);
        lab_port_range(n->lab, (int)h, &rr.lo[h], &rr.hi[h]);
    }
    fw_job *jobs = sb_xcalloc(s->n_hosts, sizeof(fw_job));
    for (size_t h = 0; h < s->n_hosts; h++) {
        fw_job *j = &jobs[h];
        j->n = n;
        j->host = (int)h;
        sb_buf_init(&j->rules);
        if (remote && !rr.remote[h])
            continue; /* a placement: its peers' rules keep its traffic */
        if (remote)
            nemesis_host_rules_remote(s->n_hosts, (const unsigned char(*)[SB_MAX_HOSTS])n->grudge,
                                      n->loss, n->n_loss, (int)h, addrs, &rr, &j->rules);
        else
            nemesis_host_rules(s->n_hosts, (const unsigned char(*)[SB_MAX_HOSTS])n->grudge, n->loss,
                               n->n_loss, (int)h, addrs, &j->rules);
        if (!j->rules.len && !n->firewalled[h])
            continue;
        if (remote && pthread_create(&j->thread, NULL, fw_apply, j) == 0)
            j->started = 1;
        else
            fw_apply(j);
    }
    int rc = 0;
    for (size_t h = 0; h < s->n_hosts; h++) {
        fw_job *j = &jobs[h];
        if (j->started)
            pthread_join(j->thread, NULL);
        if (j->rc == -1 && rc == 0) {
            sb_err_set(err, "%s", j->err);
            rc = -1;
        }
        sb_buf_free(&j->rules);
    }
    free(jobs);
    return rc;
}

/* The root qdisc a bandwidth or netem fault puts on a host. */
static sb_qdisc_req qdisc_req(const sb_fault *f)
{
    sb_qdisc_req q = {.kind = f->kind == SB_FAULT_NETEM ? SB_QDISC_NETEM : SB_QDISC_TBF,
                      .rate_bytes = f->rate_bytes,
                      .burst_bytes = f->burst_bytes,
                      .latency_ns = f->latency_ns,
                      .netem = {.delay_ns = f->delay_ns,
                                .jitter_ns = f->jitter_ns,
                                .loss = f->loss,
                                .duplicate = f->duplicate,
                                .reorder = f->reorder,
                                .corrupt = f->corrupt}};
    return q;
}

static const sb_qdisc_req qdisc_none = {.kind = SB_QDISC_CLEAR};

static int clear_network(sb_nemesis *n, char *err)
{
    memset(n->grudge, 0, sizeof(n->grudge));
    n->part_id = -1;
    n->part_desc[0] = '\0';
    n->n_loss = 0;
    if (sync_firewalls(n, err) == -1)
        return -1;
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (n->qdisc_id[h] < 0)
            continue;
        if (lab_qdisc(n->lab, (int)h, &qdisc_none, err) == -1)
            return -1;
        n->qdisc_id[h] = -1;
    }
    return 0;
}

/* ====== Applying network faults ====== */

static int apply_loss(sb_nemesis *n, const sb_fault *f, sb_buf *v, char *err);

/* The host an isolate partition cuts off. */
static int resolve_isolate(sb_nemesis *n, const sb_fault *f, char *err)
{
    const sb_scenario *s = n->s;
    switch (f->target.kind) {
    case SB_TARGET_HOSTS:
        return f->target.hosts.idx[0];
    case SB_TARGET_MASTER: {
        int m = deploy_current_master(n->deploy, err);
        return m < 0 ? nemesis_unresolved(n) : m;
    }
    case SB_TARGET_REPLICA: {
        int m = deploy_current_master(n->deploy, err);
        if (m < 0)
            return nemesis_unresolved(n);
        int pool[SB_MAX_HOSTS], np = 0;
        for (size_t i = 0; i < s->deployment.redis.n; i++)
            if (s->deployment.redis.idx[i] != m)
                pool[np++] = s->deployment.redis.idx[i];
        if (!np) {
            sb_err_set(err, "no replica to isolate");
            return nemesis_unresolved(n);
        }
        return pool[sb_rng_next(&n->rng) % (uint64_t)np];
    }
    default: {
        int u[SB_MAX_HOSTS];
        size_t nu = universe(s, f, &n->rng, 0, u);
        return u[sb_rng_next(&n->rng) % nu];
    }
    }
}

static const char *const shape_names[] = {"groups", "halves", "isolate",
                                          "ring",   "bridge", "one-way"};

/* The groups as given, then the hosts named in none (one more group). */
static void groups_text(const sb_scenario *s, const sb_fault *f, int json, sb_buf *out)
{
    int listed[SB_MAX_HOSTS] = {0};
    size_t shown = 0;
    for (size_t g = 0; g <= f->n_groups; g++) {
        int first = 1;
        for (size_t h = 0; h < s->n_hosts; h++) {
            int in = g < f->n_groups ? scenario_hostset_has(&f->groups[g], (int)h) : !listed[h];
            if (!in)
                continue;
            if (g < f->n_groups)
                listed[h] = 1;
            if (first)
                sb_buf_puts(out, json ? (shown ? ",[" : "[") : (shown ? " | {" : "{"));
            else
                sb_buf_puts(out, ",");
            if (json)
                sb_buf_json_string(out, s->hosts[h].name);
            else
                sb_buf_puts(out, s->hosts[h].name);
            first = 0;
        }
        if (!first) {
            sb_buf_puts(out, json ? "]" : "}");
            shown++;
        }
    }
}

static void partition_groups_json(const sb_scenario *s, const sb_fault *f, sb_buf *out)
{
    sb_buf_puts(out, ",\"groups\":[");
    groups_text(s, f, 1, out);
    sb_buf_puts(out, "]");
}

int nemesis_partition_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    int target = -1;
    if (f->shape == SB_SHAPE_ISOLATE && (target = resolve_isolate(n, f, err)) < 0)
        return -1;
    sb_grudge g;
    nemesis_grudge(n->s, f, target, &n->rng, g);
    sb_buf_printf(v, ",\"shape\":\"%s\"", shape_names[f->shape]);
    if (f->shape == SB_SHAPE_GROUPS)
        partition_groups_json(n->s, f, v);
    if (target >= 0) {
        sb_buf_puts(v, ",\"target\":");
        sb_buf_json_string(v, host_name(n, target));
        nemesis_add_pair(r, target, SB_PROC_REDIS);
    }
    sb_buf_puts(v, ",\"grudge\":");
    nemesis_grudge_json(n->s, (const unsigned char(*)[SB_MAX_HOSTS])g, v);
    /* A new partition replaces the one in force, as in Jepsen. */
    pthread_mutex_lock(&n->lock);
    memcpy(n->grudge, g, sizeof(g));
    n->part_id = f->id;
    if (target >= 0)
        snprintf(n->part_desc, sizeof(n->part_desc), "partition isolate %s", host_name(n, target));
    else
        snprintf(n->part_desc, sizeof(n->part_desc), "partition %s", shape_names[f->shape]);
    if (f->shape == SB_SHAPE_GROUPS) {
        sb_buf d;
        sb_buf_init(&d);
        sb_buf_puts(&d, "partition ");
        groups_text(n->s, f, 0, &d);
        snprintf(n->part_desc, sizeof(n->part_desc), "%s", d.data);
        sb_buf_free(&d);
    }
    int rc = sync_firewalls(n, err);
    pthread_mutex_unlock(&n->lock);
    return rc;
}

int nemesis_loss_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    return apply_loss(n, f, v, err);
}

static int apply_loss(sb_nemesis *n, const sb_fault *f, sb_buf *v, char *err)
{
    sb_buf_printf(v, ",\"probability\":%g,\"hosts\":", f->probability);
    nemesis_hosts_json(n, &f->hosts, v);
    if (f->peers.n) {
        sb_buf_puts(v, ",\"peers\":");
        nemesis_hosts_json(n, &f->peers, v);
    }
    pthread_mutex_lock(&n->lock);
    if (n->n_loss == MAX_LOSS) {
        pthread_mutex_unlock(&n->lock);
        sb_err_set(err, "more than %d loss faults in force at once", MAX_LOSS);
        return -1;
    }
    sb_loss_rule *l = &n->loss[n->n_loss++];
    memset(l, 0, sizeof(*l));
    l->id = f->id;
    l->p = f->probability;
    l->all_peers = f->peers.n == 0;
    for (size_t h = 0; h < n->s->n_hosts; h++)
        l->hosts[h] = f->hosts.n == 0;
    for (size_t i = 0; i < f->hosts.n; i++)
        l->hosts[f->hosts.idx[i]] = 1;
    for (size_t i = 0; i < f->peers.n; i++)
        l->peers[f->peers.idx[i]] = 1;
    int rc = sync_firewalls(n, err);
    pthread_mutex_unlock(&n->lock);
    return rc;
}

/* Bandwidth and netem: a root qdisc on each host's eth0. 1 when skipped. */
int nemesis_qdisc_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    const sb_scenario *s = n->s;
    if (f->kind == SB_FAULT_NETEM) {
        sb_buf_printf(v,
                      ",\"delay_ms\":%.3f,\"jitter_ms\":%.3f,\"loss\":%g,\"duplicate\":%g,"
                      "\"reorder\":%g,\"corrupt\":%g",
                      f->delay_ns / 1e6, f->jitter_ns / 1e6, f->loss, f->duplicate, f->reorder,
                      f->corrupt);
        if (n->netem_ok == 0) {
            if (!f->optional) {
                sb_err_set(err, "%s", n->netem_why);
                return -1;
            }
            sb_err_set(err, "skipped (optional): %s", n->netem_why);
            return 1;
        }
    } else {
        sb_buf_printf(v, ",\"rate_bytes_per_s\":%llu,\"burst\":%u,\"latency_ms\":%.3f",
                      (unsigned long long)f->rate_bytes, f->burst_bytes, f->latency_ns / 1e6);
    }
    sb_buf_puts(v, ",\"hosts\":");
    nemesis_hosts_json(n, &f->hosts, v);
    size_t cnt = f->hosts.n ? f->hosts.n : s->n_hosts;
    sb_qdisc_req q = qdisc_req(f);
    for (size_t i = 0; i < cnt; i++) {
        int h = f->hosts.n ? f->hosts.idx[i] : (int)i;
        int rc = lab_qdisc(n->lab, h, &q, err);
        if (rc == SB_QDISC_UNSUPPORTED && f->optional) {
            char why[SB_ERR_LEN];
            snprintf(why, sizeof(why), "%s", err);
            sb_err_set(err, "skipped (optional): %.900s", why);
            return 1;
        }
        if (rc != 0)
            return -1;
        pthread_mutex_lock(&n->lock);
        n->qdisc_id[h] = f->id;
        if (f->kind == SB_FAULT_NETEM)
            snprintf(n->qdisc_desc[h], sizeof(n->qdisc_desc[h]), "netem@%s", host_name(n, h));
        else
            snprintf(n->qdisc_desc[h], sizeof(n->qdisc_desc[h]), "%llukB/s@%s",
                     (unsigned long long)(f->rate_bytes / 1000), host_name(n, h));
        pthread_mutex_unlock(&n->lock);
        nemesis_add_pair(r, h, SB_PROC_REDIS);
    }
    return 0;
}

int nemesis_heal_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)f;
    (void)r;
    (void)v;
    pthread_mutex_lock(&n->lock);
    int rc = clear_network(n, err);
    pthread_mutex_unlock(&n->lock);
    return rc;
}

/* ====== Undoing them ====== */

int nemesis_partition_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    (void)v;
    int rc = 0;
    pthread_mutex_lock(&n->lock);
    if (n->part_id == f->id) {
        memset(n->grudge, 0, sizeof(n->grudge));
        n->part_id = -1;
        n->part_desc[0] = '\0';
        rc = sync_firewalls(n, err);
    }
    pthread_mutex_unlock(&n->lock);
    return rc;
}

int nemesis_loss_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    (void)v;
    pthread_mutex_lock(&n->lock);
    for (size_t i = 0; i < n->n_loss; i++)
        if (n->loss[i].id == f->id) {
            n->loss[i] = n->loss[--n->n_loss];
            break;
        }
    int rc = sync_firewalls(n, err);
    pthread_mutex_unlock(&n->lock);
    return rc;
}

int nemesis_qdisc_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)r;
    (void)v;
    int rc = 0;
    for (size_t h = 0; h < n->s->n_hosts && rc == 0; h++) {
        if (n->qdisc_id[h] != f->id)
            continue;
        rc = lab_qdisc(n->lab, (int)h, &qdisc_none, err);
        if (rc == 0)
            n->qdisc_id[h] = -1;
    }
    return rc;
}

int nemesis_probe_netem(sb_nemesis *n, char *err)
{
    return lab_netem_available(n->lab, 0, n->netem_why, err);
}
