/* nemesis.c -- the fault table, what is in force, and every fault kind on
 * the local lab: partitions and packet loss (nftables in the hosts'
 * namespaces), bandwidth and netem (qdiscs through libnl), process kill /
 * pause / restart, clocks (the shim's control files), and sentinel
 * membership. */
#define _GNU_SOURCE
#include "nemesis.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockctl.h"
#include "qdisc.h"

#define IFACE "eth0"
#define MAX_LOSS 64

/* What one fault resolved to when it fired: (host, process) pairs. */
typedef struct resolved {
    int applied;
    size_t n;
    int host[SB_MAX_HOSTS * 2];
    sb_proc_kind kind[SB_MAX_HOSTS * 2];
} resolved;

struct sb_nemesis {
    sb_lab *lab;
    sb_deploy *deploy;
    const sb_scenario *s;
    sb_recorder *rec;
    sb_rng rng;
    pthread_mutex_t lock; /* guards the state below for describe() */
    /* network */
    sb_grudge grudge;
    int part_id; /* the partition in force, -1 none */
    char part_desc[256];
    sb_loss_rule loss[MAX_LOSS];
    size_t n_loss;
    int firewalled[SB_MAX_HOSTS];
    int qdisc_id[SB_MAX_HOSTS]; /* fault id of the qdisc on the host, -1 none */
    char qdisc_desc[SB_MAX_HOSTS][48];
    /* processes */
    int killed[SB_MAX_HOSTS][SB_PROC_KINDS];
    int paused[SB_MAX_HOSTS][SB_PROC_KINDS];
    int64_t clock[SB_MAX_HOSTS][SB_PROC_KINDS]; /* last offset set (for describe), 0 none */
    int clock_on[SB_MAX_HOSTS][SB_PROC_KINDS];
    /* per fault id */
    resolved *res;
    size_t n_res;
    int netem_ok; /* 1 available, 0 not, -1 not probed */
    char netem_why[SB_ERR_LEN];
    int skipped;
    int unresolved; /* the fault being applied names a role nobody holds now */
};

static const char *host_name(const sb_nemesis *n, int h)
{
    return n->s->hosts[h].name;
}

/* ====== Partitions (pure) ====== */

static void cut(sb_grudge g, int a, int b)
{
    g[a][b] = 1;
    g[b][a] = 1;
}

/* The shape's hosts, shuffled with rng when shuffle. */
static size_t universe(const sb_scenario *s, const sb_fault *f, sb_rng *rng, int shuffle,
                       int *out)
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

void nemesis_grudge(const sb_scenario *s, const sb_fault *f, int target, sb_rng *rng,
                    sb_grudge g)
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

void nemesis_host_rules(size_t n_hosts, const sb_grudge g, const sb_loss_rule *loss,
                        size_t n_loss, int h, const char *const *addrs, sb_buf *out)
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
    fw_job *jobs = calloc(s->n_hosts, sizeof(fw_job));
    for (size_t h = 0; h < s->n_hosts; h++) {
        fw_job *j = &jobs[h];
        j->n = n;
        j->host = (int)h;
        sb_buf_init(&j->rules);
        if (remote && !rr.remote[h])
            continue; /* a placement: its peers' rules keep its traffic */
        if (remote)
            nemesis_host_rules_remote(s->n_hosts,
                                      (const unsigned char(*)[SB_MAX_HOSTS])n->grudge, n->loss,
                                      n->n_loss, (int)h, addrs, &rr, &j->rules);
        else
            nemesis_host_rules(s->n_hosts, (const unsigned char(*)[SB_MAX_HOSTS])n->grudge,
                               n->loss, n->n_loss, (int)h, addrs, &j->rules);
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

/* ====== Traffic control over ssh ====== */

/* Runs tc (what) on remote host h, on the interface that holds the host's
 * address ($IF). The exit status 4 means "no sch_netem". */
static int remote_tc(sb_nemesis *n, int h, const char *what, char *err)
{
    const char *addr = lab_host_addr(n->lab, h);
    char script[1400];
    snprintf(script, sizeof(script),
             "IF=$(ip -o -4 addr show | awk -v a=%s '{split($4, x, \"/\"); if (x[1] == a) "
             "{print $2; exit}}'); [ -n \"$IF\" ] || { echo \"no interface holds %s\"; "
             "exit 3; }; %s",
             addr, addr, what);
    char *argv[] = {"sh", "-c", script, NULL};
    return lab_exec(n->lab, h, argv, NULL, 15 * SB_NS_PER_S, err);
}

static int remote_qdisc(sb_nemesis *n, int h, int (*fn)(sb_nemesis *, const sb_fault *, char *),
                        const sb_fault *f, char *err);

/* Runs a qdisc change on eth0 inside host h's namespace (on the ssh
 * backend: with tc on the host's interface). */
static int in_host(sb_nemesis *n, int h, int (*fn)(sb_nemesis *, const sb_fault *, char *),
                   const sb_fault *f, char *err)
{
    if (lab_is_remote(n->lab))
        return remote_qdisc(n, h, fn, f, err);
    if (lab_enter(n->lab, h, err) == -1)
        return -1;
    int rc = fn(n, f, err);
    char lerr[SB_ERR_LEN];
    if (lab_leave(n->lab, lerr) == -1) {
        sb_err_set(err, "%s", lerr);
        return -1;
    }
    return rc;
}

static int do_clear_qdisc(sb_nemesis *n, const sb_fault *f, char *err)
{
    (void)n;
    (void)f;
    return qdisc_clear(IFACE, err);
}

static int do_tbf(sb_nemesis *n, const sb_fault *f, char *err)
{
    (void)n;
    return qdisc_tbf_set(IFACE, f->rate_bytes, f->burst_bytes, f->latency_ns, err);
}

static int do_netem(sb_nemesis *n, const sb_fault *f, char *err)
{
    (void)n;
    sb_netem p = {.delay_ns = f->delay_ns,
                  .jitter_ns = f->jitter_ns,
                  .loss = f->loss,
                  .duplicate = f->duplicate,
                  .reorder = f->reorder,
                  .corrupt = f->corrupt};
    return qdisc_netem_set(IFACE, &p, err);
}

static int do_probe_netem(sb_nemesis *n, const sb_fault *f, char *err)
{
    (void)f;
    int r = qdisc_netem_available("lo", n->netem_why);
    if (r == -1)
        sb_err_set(err, "%s", n->netem_why);
    return r;
}

static int remote_qdisc(sb_nemesis *n, int h, int (*fn)(sb_nemesis *, const sb_fault *, char *),
                        const sb_fault *f, char *err)
{
    char what[600];
    if (fn == do_clear_qdisc) {
        snprintf(what, sizeof(what), "tc qdisc del dev \"$IF\" root 2>/dev/null; true");
    } else if (fn == do_tbf) {
        snprintf(what, sizeof(what),
                 "tc qdisc replace dev \"$IF\" root tbf rate %llubit burst %llu latency %lldus",
                 (unsigned long long)f->rate_bytes * 8ULL, (unsigned long long)f->burst_bytes,
                 (long long)(f->latency_ns / 1000));
    } else if (fn == do_netem) {
        int off = snprintf(what, sizeof(what), "tc qdisc replace dev \"$IF\" root netem limit 1000");
        if (f->delay_ns)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " delay %lldus %lldus",
                            (long long)(f->delay_ns / 1000), (long long)(f->jitter_ns / 1000));
        if (f->loss > 0)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " loss %g%%", f->loss * 100);
        if (f->duplicate > 0)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " duplicate %g%%",
                            f->duplicate * 100);
        if (f->reorder > 0)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " reorder %g%%",
                            f->reorder * 100);
        if (f->corrupt > 0)
            snprintf(what + off, sizeof(what) - (size_t)off, " corrupt %g%%", f->corrupt * 100);
        int rc = remote_tc(n, h, what, err);
        if (rc == -1 && strstr(err, "qdisc kind is unknown")) {
            sb_err_set(err, "host %s's kernel has no sch_netem (tc: qdisc kind is unknown)",
                       host_name(n, h));
            return SB_QDISC_UNSUPPORTED;
        }
        return rc;
    } else { /* do_probe_netem: is the module there, built in or loadable? */
        snprintf(what, sizeof(what),
                 "modprobe -n -q sch_netem 2>/dev/null || grep -qs sch_netem "
                 "/lib/modules/$(uname -r)/modules.builtin || { echo no-sch-netem; exit 4; }");
        char e[SB_ERR_LEN];
        if (remote_tc(n, h, what, e) == 0)
            return 1;
        if (strstr(e, "no-sch-netem")) {
            snprintf(n->netem_why, sizeof(n->netem_why),
                     "host %s's kernel has no sch_netem (neither built in nor a module)",
                     host_name(n, h));
            return 0;
        }
        sb_err_set(err, "%s", e);
        return -1;
    }
    return remote_tc(n, h, what, err);
}

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
        if (in_host(n, (int)h, do_clear_qdisc, NULL, err) == -1)
            return -1;
        n->qdisc_id[h] = -1;
    }
    return 0;
}

/* ====== Targets ====== */

static void add_pair(resolved *r, int h, sb_proc_kind k)
{
    r->host[r->n] = h;
    r->kind[r->n] = k;
    r->n++;
}

/* Whether the process (h, k) qualifies for fault kind fk right now. */
static int eligible(sb_nemesis *n, sb_fault_kind fk, int h, sb_proc_kind k)
{
    sb_proc *p = deploy_proc(n->deploy, h, k);
    if (!p)
        return 0;
    if (k == SB_PROC_SENTINEL && !deploy_sentinel_active(n->deploy, h))
        return 0;
    switch (fk) {
    case SB_FAULT_RESTART: return n->killed[h][k];
    case SB_FAULT_RESUME: return n->paused[h][k];
    case SB_FAULT_KILL:
    case SB_FAULT_PAUSE: return !n->killed[h][k] && !n->paused[h][k];
    default: return !n->killed[h][k];
    }
}

/* Resolves the processes a process or clock fault acts on. */
/* A role target (master, replica, random) that nobody holds when the fault
 * fires, e.g. no master in the middle of a failover: the fault is recorded
 * as skipped with the reason, as a random schedule's draw can always meet
 * it, and the run goes on. Returns -1 for the resolver's caller. */
static int unresolved(sb_nemesis *n)
{
    n->unresolved = 1;
    return -1;
}

static int resolve_procs(sb_nemesis *n, const sb_fault *f, resolved *r, char *err)
{
    const sb_scenario *s = n->s;
    sb_proc_kind kinds[2];
    size_t nk = 0;
    if (f->process == SB_PROC_BOTH) {
        kinds[nk++] = SB_PROC_REDIS;
        kinds[nk++] = SB_PROC_SENTINEL;
    } else {
        kinds[nk++] = f->process;
    }
    r->n = 0;
    switch (f->target.kind) {
    case SB_TARGET_HOSTS:
        for (size_t i = 0; i < f->target.hosts.n; i++)
            for (size_t k = 0; k < nk; k++)
                if (deploy_proc(n->deploy, f->target.hosts.idx[i], kinds[k]))
                    add_pair(r, f->target.hosts.idx[i], kinds[k]);
        break;
    case SB_TARGET_MASTER:
    case SB_TARGET_REPLICA: {
        int m = deploy_current_master(n->deploy, err);
        if (m < 0)
            return unresolved(n);
        if (f->target.kind == SB_TARGET_MASTER) {
            for (size_t k = 0; k < nk; k++)
                if (deploy_proc(n->deploy, m, kinds[k]))
                    add_pair(r, m, kinds[k]);
            break;
        }
        int pool[SB_MAX_HOSTS], np = 0;
        for (size_t i = 0; i < s->deployment.redis.n; i++) {
            int h = s->deployment.redis.idx[i];
            if (h != m && eligible(n, f->kind, h, SB_PROC_REDIS))
                pool[np++] = h;
        }
        if (!np) {
            sb_err_set(err, "no replica qualifies (master is %s)", host_name(n, m));
            return unresolved(n);
        }
        int h = pool[sb_rng_next(&n->rng) % (uint64_t)np];
        for (size_t k = 0; k < nk; k++)
            if (deploy_proc(n->deploy, h, kinds[k]))
                add_pair(r, h, kinds[k]);
        break;
    }
    case SB_TARGET_RANDOM:
    case SB_TARGET_ALL: {
        resolved pool = {0};
        for (size_t h = 0; h < s->n_hosts; h++)
            for (size_t k = 0; k < nk; k++)
                if (eligible(n, f->kind, (int)h, kinds[k]))
                    add_pair(&pool, (int)h, kinds[k]);
        if (f->target.kind == SB_TARGET_ALL) {
            *r = pool;
            break;
        }
        if (!pool.n) {
            sb_err_set(err, "no %s process qualifies", scenario_proc_name(f->process));
            return unresolved(n);
        }
        size_t i = (size_t)(sb_rng_next(&n->rng) % pool.n);
        add_pair(r, pool.host[i], pool.kind[i]);
        break;
    }
    }
    if (!r->n) {
        sb_err_set(err, "no process to act on");
        return -1;
    }
    return 0;
}

/* The host an isolate partition cuts off. */
static int resolve_isolate(sb_nemesis *n, const sb_fault *f, char *err)
{
    const sb_scenario *s = n->s;
    switch (f->target.kind) {
    case SB_TARGET_HOSTS: return f->target.hosts.idx[0];
    case SB_TARGET_MASTER: {
        int m = deploy_current_master(n->deploy, err);
        return m < 0 ? unresolved(n) : m;
    }
    case SB_TARGET_REPLICA: {
        int m = deploy_current_master(n->deploy, err);
        if (m < 0)
            return unresolved(n);
        int pool[SB_MAX_HOSTS], np = 0;
        for (size_t i = 0; i < s->deployment.redis.n; i++)
            if (s->deployment.redis.idx[i] != m)
                pool[np++] = s->deployment.redis.idx[i];
        if (!np) {
            sb_err_set(err, "no replica to isolate");
            return unresolved(n);
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

/* ====== Values in the history ====== */

static void hosts_json(const sb_nemesis *n, const sb_hostset *hs, sb_buf *out)
{
    sb_buf_puts(out, "[");
    size_t cnt = hs->n ? hs->n : n->s->n_hosts;
    for (size_t i = 0; i < cnt; i++) {
        sb_buf_puts(out, i ? "," : "");
        sb_buf_json_string(out, host_name(n, hs->n ? hs->idx[i] : (int)i));
    }
    sb_buf_puts(out, "]");
}

static void targets_json(const sb_nemesis *n, const resolved *r, sb_buf *out)
{
    sb_buf_puts(out, ",\"targets\":[");
    for (size_t i = 0; i < r->n; i++) {
        sb_buf_puts(out, i ? "," : "");
        sb_buf_puts(out, "{\"host\":");
        sb_buf_json_string(out, host_name(n, r->host[i]));
        sb_buf_printf(out, ",\"process\":\"%s\"}", scenario_proc_name(r->kind[i]));
    }
    sb_buf_puts(out, "]");
}

static const char *const shape_names[] = {"groups", "halves", "isolate",
                                          "ring",   "bridge", "one-way"};

static int in_hostset(const sb_hostset *hs, int h)
{
    for (size_t i = 0; i < hs->n; i++)
        if (hs->idx[i] == h)
            return 1;
    return 0;
}

/* The groups as given, then the hosts named in none (one more group). */
static void groups_text(const sb_scenario *s, const sb_fault *f, int json, sb_buf *out)
{
    int listed[SB_MAX_HOSTS] = {0};
    size_t shown = 0;
    for (size_t g = 0; g <= f->n_groups; g++) {
        int first = 1;
        for (size_t h = 0; h < s->n_hosts; h++) {
            int in = g < f->n_groups ? in_hostset(&f->groups[g], (int)h) : !listed[h];
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

/* ====== Applying faults ====== */

static int apply_partition(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
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
        add_pair(r, target, SB_PROC_REDIS);
    }
    sb_buf_puts(v, ",\"grudge\":");
    nemesis_grudge_json(n->s, (const unsigned char(*)[SB_MAX_HOSTS])g, v);
    /* A new partition replaces the one in force, as in Jepsen. */
    pthread_mutex_lock(&n->lock);
    memcpy(n->grudge, g, sizeof(g));
    n->part_id = f->id;
    if (target >= 0)
        snprintf(n->part_desc, sizeof(n->part_desc), "partition isolate %s",
                 host_name(n, target));
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

static int apply_loss(sb_nemesis *n, const sb_fault *f, sb_buf *v, char *err)
{
    sb_buf_printf(v, ",\"probability\":%g,\"hosts\":", f->probability);
    hosts_json(n, &f->hosts, v);
    if (f->peers.n) {
        sb_buf_puts(v, ",\"peers\":");
        hosts_json(n, &f->peers, v);
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
static int apply_qdisc(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    const sb_scenario *s = n->s;
    if (f->kind == SB_FAULT_NETEM) {
        sb_buf_printf(v, ",\"delay_ms\":%.3f,\"jitter_ms\":%.3f,\"loss\":%g,\"duplicate\":%g,"
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
    hosts_json(n, &f->hosts, v);
    size_t cnt = f->hosts.n ? f->hosts.n : s->n_hosts;
    for (size_t i = 0; i < cnt; i++) {
        int h = f->hosts.n ? f->hosts.idx[i] : (int)i;
        int rc = in_host(n, h, f->kind == SB_FAULT_NETEM ? do_netem : do_tbf, f, err);
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
        add_pair(r, h, SB_PROC_REDIS);
    }
    return 0;
}

static int proc_act(sb_nemesis *n, sb_fault_kind k, int h, sb_proc_kind pk, char *err)
{
    sb_proc *p = deploy_proc(n->deploy, h, pk);
    if (!p) {
        sb_err_set(err, "no %s process on %s", scenario_proc_name(pk), host_name(n, h));
        return -1;
    }
    int rc = 0;
    pthread_mutex_lock(&n->lock);
    switch (k) {
    case SB_FAULT_KILL:
        rc = lab_proc_kill(p, err);
        if (rc == 0) {
            n->killed[h][pk] = 1;
            n->paused[h][pk] = 0;
        }
        break;
    case SB_FAULT_RESTART:
        if (!lab_proc_running(p))
            rc = lab_proc_restart(p, err);
        if (rc == 0)
            n->killed[h][pk] = 0;
        break;
    case SB_FAULT_PAUSE:
        rc = lab_proc_signal(p, SIGSTOP, err);
        if (rc == 0)
            n->paused[h][pk] = 1;
        break;
    case SB_FAULT_RESUME:
        if (lab_proc_running(p))
            rc = lab_proc_signal(p, SIGCONT, err);
        if (rc == 0)
            n->paused[h][pk] = 0;
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&n->lock);
    return rc;
}

static int apply_process(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (resolve_procs(n, f, r, err) == -1)
        return -1;
    targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (proc_act(n, f->kind, r->host[i], r->kind[i], err) == -1)
            return -1;
    return 0;
}

static int clock_act(sb_nemesis *n, const sb_fault *f, int h, sb_proc_kind k, char *err)
{
    sb_clockctl *c = deploy_clock(n->deploy, h, k);
    if (!c) {
        sb_err_set(err, "the %s on %s runs without the clock shim", scenario_proc_name(k),
                   host_name(n, h));
        return -1;
    }
    clockctl_set_monotonic(c, f->monotonic);
    static const char *const ops[] = {"bump", "strobe", "reset"};
    switch (f->clock_op) {
    case SB_CLOCK_BUMP: clockctl_bump(c, f->delta_ns); break;
    case SB_CLOCK_STROBE: clockctl_strobe(c, f->delta_ns, f->period_ns, f->duration_ns); break;
    case SB_CLOCK_RESET: clockctl_reset(c); break;
    }
    /* the ssh backend: the same change on the host's copy */
    if (lab_clock_apply(n->lab, h, clockctl_path(c), f->monotonic, ops[f->clock_op], f->delta_ns,
                        f->period_ns, f->duration_ns, err) == -1)
        return -1;
    pthread_mutex_lock(&n->lock);
    n->clock[h][k] = clockctl_offset_now(c);
    n->clock_on[h][k] = f->clock_op != SB_CLOCK_RESET;
    pthread_mutex_unlock(&n->lock);
    return 0;
}

static int apply_clock(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    static const char *const ops[] = {"bump", "strobe", "reset"};
    sb_buf_printf(v, ",\"op\":\"%s\"", ops[f->clock_op]);
    if (f->clock_op != SB_CLOCK_RESET)
        sb_buf_printf(v, ",\"delta_ms\":%.3f", f->delta_ns / 1e6);
    if (f->clock_op == SB_CLOCK_STROBE)
        sb_buf_printf(v, ",\"period_ms\":%.3f,\"duration_ms\":%.3f", f->period_ns / 1e6,
                      f->duration_ns / 1e6);
    if (resolve_procs(n, f, r, err) == -1)
        return -1;
    targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (clock_act(n, f, r->host[i], r->kind[i], err) == -1)
            return -1;
    return 0;
}

static int wait_sentinels_agree(sb_nemesis *n, char *err)
{
    int64_t deadline = sb_now_ns() + n->s->deployment.ready_timeout_ns;
    char why[SB_ERR_LEN] = "";
    while (!deploy_sentinels_agree(n->deploy, why)) {
        if (sb_now_ns() > deadline) {
            sb_err_set(err, "sentinels did not all learn of each other: %s", why);
            return -1;
        }
        sb_sleep_ns(50 * SB_NS_PER_MS);
    }
    return 0;
}

static int remove_sentinels(sb_nemesis *n, const sb_hostset *hs, int64_t interval, char *err)
{
    for (size_t i = 0; i < hs->n; i++)
        if (deploy_sentinel_stop(n->deploy, hs->idx[i], err) == -1)
            return -1;
    /* Redis's procedure: SENTINEL RESET * on every other sentinel, one
     * after the other, so they forget the removed ones. */
    int first = 1;
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (!deploy_sentinel_active(n->deploy, (int)h))
            continue;
        if (!first)
            sb_sleep_ns(interval);
        first = 0;
        if (deploy_sentinel_reset(n->deploy, (int)h, err) == -1)
            return -1;
    }
    return 0;
}

static int apply_membership(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    sb_buf_puts(v, ",\"hosts\":");
    hosts_json(n, &f->hosts, v);
    for (size_t i = 0; i < f->hosts.n; i++)
        add_pair(r, f->hosts.idx[i], SB_PROC_SENTINEL);
    if (f->kind == SB_FAULT_SENTINEL_REMOVE)
        return remove_sentinels(n, &f->hosts, f->reset_interval_ns, err);
    sb_buf_printf(v, ",\"mode\":\"%s\"", f->one_by_one ? "one-by-one" : "together");
    for (size_t i = 0; i < f->hosts.n; i++) {
        if (deploy_sentinel_start(n->deploy, f->hosts.idx[i], err) == -1)
            return -1;
        if (f->one_by_one && wait_sentinels_agree(n, err) == -1)
            return -1;
    }
    return 0;
}

static const sb_fault *fault_by_id(const sb_nemesis *n, int id)
{
    for (size_t i = 0; i < n->s->n_faults; i++)
        if (n->s->faults[i].id == id)
            return &n->s->faults[i];
    return NULL;
}

static int apply_undo(sb_nemesis *n, const sb_fault *u, sb_buf *v, char *err)
{
    const sb_fault *f = fault_by_id(n, u->undo_id);
    resolved *r = (size_t)u->undo_id < n->n_res ? &n->res[u->undo_id] : NULL;
    if (!f || !r) {
        sb_err_set(err, "undo of unknown fault %d", u->undo_id);
        return -1;
    }
    sb_buf_printf(v, ",\"of\":%d,\"undoes\":\"%s\"", f->id, scenario_fault_name(f->kind));
    if (!r->applied)
        return 0; /* it was skipped: nothing to undo */
    int rc = 0;
    switch (f->kind) {
    case SB_FAULT_PARTITION:
        pthread_mutex_lock(&n->lock);
        if (n->part_id == f->id) {
            memset(n->grudge, 0, sizeof(n->grudge));
            n->part_id = -1;
            n->part_desc[0] = '\0';
            rc = sync_firewalls(n, err);
        }
        pthread_mutex_unlock(&n->lock);
        break;
    case SB_FAULT_LOSS:
        pthread_mutex_lock(&n->lock);
        for (size_t i = 0; i < n->n_loss; i++)
            if (n->loss[i].id == f->id) {
                n->loss[i] = n->loss[--n->n_loss];
                break;
            }
        rc = sync_firewalls(n, err);
        pthread_mutex_unlock(&n->lock);
        break;
    case SB_FAULT_BANDWIDTH:
    case SB_FAULT_NETEM:
        for (size_t h = 0; h < n->s->n_hosts && rc == 0; h++) {
            if (n->qdisc_id[h] != f->id)
                continue;
            rc = in_host(n, (int)h, do_clear_qdisc, NULL, err);
            if (rc == 0)
                n->qdisc_id[h] = -1;
        }
        break;
    case SB_FAULT_KILL:
    case SB_FAULT_PAUSE:
        targets_json(n, r, v);
        for (size_t i = 0; i < r->n && rc == 0; i++) {
            int h = r->host[i];
            sb_proc_kind k = r->kind[i];
            if (f->kind == SB_FAULT_KILL && n->killed[h][k])
                rc = proc_act(n, SB_FAULT_RESTART, h, k, err);
            if (f->kind == SB_FAULT_PAUSE && n->paused[h][k])
                rc = proc_act(n, SB_FAULT_RESUME, h, k, err);
        }
        break;
    case SB_FAULT_CLOCK: {
        targets_json(n, r, v);
        sb_fault reset = *f;
        reset.clock_op = SB_CLOCK_RESET;
        for (size_t i = 0; i < r->n && rc == 0; i++)
            rc = clock_act(n, &reset, r->host[i], r->kind[i], err);
        break;
    }
    case SB_FAULT_SENTINEL_ADD: {
        int idx[SB_MAX_HOSTS];
        sb_hostset hs = {.idx = idx, .n = 0};
        for (size_t i = 0; i < r->n; i++)
            if (deploy_sentinel_active(n->deploy, r->host[i]))
                idx[hs.n++] = r->host[i];
        if (hs.n)
            rc = remove_sentinels(n, &hs, SB_NS_PER_S, err);
        break;
    }
    default:
        break;
    }
    return rc;
}

/* ====== Life cycle ====== */

sb_nemesis *nemesis_new(sb_lab *lab, sb_deploy *deploy, const sb_scenario *s, sb_recorder *rec)
{
    sb_nemesis *n = calloc(1, sizeof(*n));
    n->lab = lab;
    n->deploy = deploy;
    n->s = s;
    n->rec = rec;
    n->part_id = -1;
    n->netem_ok = -1;
    for (size_t h = 0; h < SB_MAX_HOSTS; h++)
        n->qdisc_id[h] = -1;
    sb_rng_seed(&n->rng, s->seed ^ 0x6e656d65736973ULL); /* "nemesis" */
    n->n_res = 1;
    for (size_t i = 0; i < s->n_faults; i++)
        if ((size_t)s->faults[i].id + 1 > n->n_res)
            n->n_res = (size_t)s->faults[i].id + 1;
    n->res = calloc(n->n_res, sizeof(resolved));
    pthread_mutex_init(&n->lock, NULL);
    return n;
}

void nemesis_free(sb_nemesis *n)
{
    if (!n)
        return;
    pthread_mutex_destroy(&n->lock);
    free(n->res);
    free(n);
}

static int schedule_has(const sb_scenario *s, sb_fault_kind k, int *all_optional)
{
    int any = 0;
    *all_optional = 1;
    for (size_t i = 0; i < s->n_faults; i++)
        if (s->faults[i].kind == k) {
            any = 1;
            *all_optional &= s->faults[i].optional;
        }
    return any;
}

int nemesis_preflight(sb_nemesis *n, char *err)
{
    int all_optional;
    if (!schedule_has(n->s, SB_FAULT_NETEM, &all_optional))
        return 0;
    char e[SB_ERR_LEN];
    int r = in_host(n, 0, do_probe_netem, NULL, e);
    if (r == -1) {
        sb_err_set(err, "cannot probe for netem: %s", e);
        return -1;
    }
    n->netem_ok = r;
    if (r == 0 && !all_optional) {
        for (size_t i = 0; i < n->s->n_faults; i++)
            if (n->s->faults[i].kind == SB_FAULT_NETEM && !n->s->faults[i].optional) {
                sb_err_set(err,
                           "%s:%d: the netem fault cannot run here: %s; mark it \"optional\": "
                           "true to skip it, or use \"loss\" (nftables) or \"bandwidth\" (TBF)",
                           n->s->path, n->s->faults[i].line, n->netem_why);
                return -1;
            }
    }
    return 0;
}

int nemesis_apply(sb_nemesis *n, const sb_fault *f, char *err)
{
    const char *name = scenario_fault_name(f->kind);
    resolved *r = (size_t)f->id < n->n_res ? &n->res[f->id] : NULL;
    resolved scratch = {0};
    if (!r)
        r = &scratch;
    memset(r, 0, sizeof(*r));
    sb_buf v;
    sb_buf_init(&v);
    sb_buf_printf(&v, "{\"id\":%d", f->id);
    if (f->generator >= 0)
        sb_buf_printf(&v, ",\"schedule\":%d", f->generator);
    /* The invoke is written before anything is applied, so its time is when
     * the fault began (applying rules to many hosts takes a while); the
     * completion carries the resolved targets and what was done. */
    {
        sb_buf iv;
        sb_buf_init(&iv);
        sb_buf_printf(&iv, "%s}", v.data);
        recorder_record(n->rec, SB_PROC_NEMESIS, SB_OP_INVOKE, name, iv.data, NULL, NULL);
        sb_buf_free(&iv);
    }
    int rc;
    n->unresolved = 0;
    switch (f->kind) {
    case SB_FAULT_PARTITION: rc = apply_partition(n, f, r, &v, err); break;
    case SB_FAULT_HEAL:
        pthread_mutex_lock(&n->lock);
        rc = clear_network(n, err);
        pthread_mutex_unlock(&n->lock);
        break;
    case SB_FAULT_KILL:
    case SB_FAULT_RESTART:
    case SB_FAULT_PAUSE:
    case SB_FAULT_RESUME: rc = apply_process(n, f, r, &v, err); break;
    case SB_FAULT_LOSS: rc = apply_loss(n, f, &v, err); break;
    case SB_FAULT_BANDWIDTH:
    case SB_FAULT_NETEM: rc = apply_qdisc(n, f, r, &v, err); break;
    case SB_FAULT_CLOCK: rc = apply_clock(n, f, r, &v, err); break;
    case SB_FAULT_SENTINEL_ADD:
    case SB_FAULT_SENTINEL_REMOVE: rc = apply_membership(n, f, r, &v, err); break;
    case SB_FAULT_UNDO: rc = apply_undo(n, f, &v, err); break;
    case SB_FAULT_CLUSTER_FAILOVER: {
        static const char *const modes[] = {"default", "force", "takeover"};
        sb_buf_printf(&v, ",\"host\":\"%s\",\"mode\":\"%s\"", host_name(n, f->hosts.idx[0]),
                      modes[f->failover_mode]);
        rc = deploy_cluster_failover(n->deploy, f->hosts.idx[0], f->failover_mode, err);
        break;
    }
    case SB_FAULT_MIGRATE_SLOTS:
        rc = deploy_cluster_migrate(n->deploy, f->from.idx[0], f->to.idx[0], f->n_slots,
                                    f->hold_ns, &v, err);
        break;
    case SB_FAULT_ADD_SHARD:
        rc = deploy_cluster_add_shard(n->deploy, f->hosts.idx[0], f->to.n ? f->to.idx[0] : -1,
                                      f->n_slots, &v, err);
        break;
    case SB_FAULT_REMOVE_SHARD:
        rc = deploy_cluster_remove_shard(n->deploy, f->hosts.idx[0], &v, err);
        break;
    default:
        sb_err_set(err, "fault kind %d has no implementation", (int)f->kind);
        rc = -1;
    }
    if (rc == -1 && n->unresolved)
        rc = 1; /* skipped: its target role was nobody's when it fired */
    if (f->for_ns)
        sb_buf_printf(&v, ",\"for_ms\":%.3f", f->for_ns / 1e6);
    if (rc == 1)
        sb_buf_puts(&v, ",\"skipped\":true");
    sb_buf_puts(&v, "}");
    recorder_record(n->rec, SB_PROC_NEMESIS, rc == 0 ? SB_OP_OK : SB_OP_FAIL, name, v.data, NULL,
                    rc == 0 ? NULL : err);
    sb_buf_free(&v);
    if (rc == 1) {
        n->skipped++;
        return 0;
    }
    r->applied = rc == 0;
    return rc;
}

int nemesis_heal_all(sb_nemesis *n, char *err)
{
    int any_net = 0;
    pthread_mutex_lock(&n->lock);
    for (size_t h = 0; h < n->s->n_hosts; h++)
        any_net |= n->firewalled[h] || n->qdisc_id[h] >= 0;
    pthread_mutex_unlock(&n->lock);
    if (any_net) {
        sb_fault heal = {.kind = SB_FAULT_HEAL, .id = -1, .generator = -1};
        if (nemesis_apply(n, &heal, err) == -1)
            return -1;
    }
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        for (int k = 0; k < SB_PROC_KINDS; k++) {
            pthread_mutex_lock(&n->lock);
            int paused = n->paused[h][k], killed = n->killed[h][k], clock = n->clock_on[h][k];
            pthread_mutex_unlock(&n->lock);
            int hs[1] = {(int)h};
            sb_fault f = {.id = -1, .generator = -1, .process = (sb_proc_kind)k,
                          .target = {.kind = SB_TARGET_HOSTS, .hosts = {hs, 1}}};
            if (paused) {
                f.kind = SB_FAULT_RESUME;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
            if (killed) {
                f.kind = SB_FAULT_RESTART;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
            if (clock) {
                f.kind = SB_FAULT_CLOCK;
                f.clock_op = SB_CLOCK_RESET;
                if (nemesis_apply(n, &f, err) == -1)
                    return -1;
            }
        }
    }
    return 0;
}

int nemesis_skipped(sb_nemesis *n)
{
    return n->skipped;
}

void nemesis_describe(sb_nemesis *n, char *buf, size_t len)
{
    sb_buf b;
    sb_buf_init(&b);
    pthread_mutex_lock(&n->lock);
    sb_buf_puts(&b, n->part_desc);
    for (size_t i = 0; i < n->n_loss; i++) {
        sb_buf_puts(&b, b.len ? "; " : "");
        sb_buf_printf(&b, "loss %.0f%%", n->loss[i].p * 100);
    }
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (n->qdisc_id[h] >= 0) {
            sb_buf_puts(&b, b.len ? "; " : "");
            sb_buf_puts(&b, n->qdisc_desc[h]);
        }
        for (int k = 0; k < SB_PROC_KINDS; k++) {
            const char *pn = scenario_proc_name((sb_proc_kind)k);
            if (n->killed[h][k] || n->paused[h][k]) {
                sb_buf_puts(&b, b.len ? "; " : "");
                sb_buf_printf(&b, "%s@%s %s", pn, host_name(n, (int)h),
                              n->killed[h][k] ? "down" : "paused");
            }
            if (n->clock_on[h][k]) {
                sb_buf_puts(&b, b.len ? "; " : "");
                sb_buf_printf(&b, "clock %s@%s %+.1fs", pn, host_name(n, (int)h),
                              n->clock[h][k] / 1e9);
            }
        }
    }
    pthread_mutex_unlock(&n->lock);
    snprintf(buf, len, "%s", b.len ? b.data : "");
    sb_buf_free(&b);
}
