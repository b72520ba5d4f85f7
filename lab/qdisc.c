/* qdisc.c -- packet faults as root qdiscs (netem, tbf) set through
 * libnl-route, in the network namespace of the calling thread. */
#define _GNU_SOURCE
#include "qdisc.h"

#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>

#include "util.h"

/* Bytes a frame carries on top of the MTU (an Ethernet header). A TBF
 * bucket smaller than one full frame would drop every full-size packet,
 * turning a rate limit into a partition. */
#define QDISC_LINK_HEADER 14

/* ====== One netlink session per call ======
 * The socket is created by the calling thread, so it talks to the kernel
 * of the namespace that thread is in (setns is per thread). */

typedef struct qdisc_session {
    const char *ifname;
    struct nl_sock *sk;
    struct rtnl_link *link;
} qdisc_session;

static void qdisc_session_close(qdisc_session *s)
{
    if (s->link)
        rtnl_link_put(s->link);
    if (s->sk)
        nl_socket_free(s->sk); /* closes it */
    s->link = NULL;
    s->sk = NULL;
}

/* Connects and looks ifname up. On failure everything is already closed. */
static int qdisc_session_open(qdisc_session *s, const char *ifname, char *err)
{
    memset(s, 0, sizeof(*s));
    s->ifname = ifname;
    if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
        sb_err_set(err, "qdisc: bad interface name \"%s\" (1..%d characters)",
                   ifname ? ifname : "(null)", IFNAMSIZ - 1);
        return -1;
    }
    if (!(s->sk = nl_socket_alloc())) {
        sb_err_set(err, "qdisc on %s: nl_socket_alloc: out of memory", ifname);
        return -1;
    }
    int e = nl_connect(s->sk, NETLINK_ROUTE);
    if (e < 0) {
        sb_err_set(err, "qdisc on %s: nl_connect(NETLINK_ROUTE): %s", ifname, nl_geterror(e));
        qdisc_session_close(s);
        return -1;
    }
    e = rtnl_link_get_kernel(s->sk, 0, ifname, &s->link);
    if (e < 0) {
        if (e == -NLE_OBJ_NOTFOUND || e == -NLE_NODEV)
            sb_err_set(err,
                       "qdisc on %s: no such interface in this network namespace "
                       "(rtnl_link_get_kernel: %s)",
                       ifname, nl_geterror(e));
        else
            sb_err_set(err, "qdisc on %s: rtnl_link_get_kernel: %s", ifname, nl_geterror(e));
        qdisc_session_close(s);
        return -1;
    }
    return 0;
}

/* The interface's root qdisc as a reference the caller puts, or NULL in
 * *out when the kernel reports none. */
static int qdisc_root_get(qdisc_session *s, struct rtnl_qdisc **out, char *err)
{
    struct nl_cache *cache = NULL;
    *out = NULL;
    int e = rtnl_qdisc_alloc_cache(s->sk, &cache);
    if (e < 0) {
        sb_err_set(err, "qdisc on %s: rtnl_qdisc_alloc_cache: %s", s->ifname, nl_geterror(e));
        return -1;
    }
    *out = rtnl_qdisc_get_by_parent(cache, rtnl_link_get_ifindex(s->link), TC_H_ROOT);
    nl_cache_free(cache); /* our reference keeps *out alive */
    return 0;
}

/* The kernel's own default root qdisc (noqueue, pfifo_fast, mq...) has
 * handle 0 and cannot be deleted; any qdisc we added has a handle. */
static int qdisc_is_default(struct rtnl_qdisc *q)
{
    return !q || rtnl_tc_get_handle(TC_CAST(q)) == 0;
}

static const char *qdisc_kind_of(struct rtnl_qdisc *q)
{
    const char *kind = q ? rtnl_tc_get_kind(TC_CAST(q)) : NULL;
    return kind ? kind : "";
}

/* A new qdisc object of kind to become the interface's root. */
static struct rtnl_qdisc *qdisc_new_root(qdisc_session *s, const char *kind, char *err)
{
    struct rtnl_qdisc *q = rtnl_qdisc_alloc();
    if (!q) {
        sb_err_set(err, "%s on %s: rtnl_qdisc_alloc: out of memory", kind, s->ifname);
        return NULL;
    }
    rtnl_tc_set_link(TC_CAST(q), s->link); /* ifindex, MTU, link type */
    rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
    int e = rtnl_tc_set_kind(TC_CAST(q), kind);
    if (e < 0) {
        sb_err_set(err, "%s on %s: rtnl_tc_set_kind: %s", kind, s->ifname, nl_geterror(e));
        rtnl_qdisc_put(q);
        return NULL;
    }
    return q;
}

/* Adds q as the root, replacing whatever root is there. */
static int qdisc_replace_root(qdisc_session *s, struct rtnl_qdisc *q)
{
    return rtnl_qdisc_add(s->sk, q, NLM_F_CREATE | NLM_F_REPLACE);
}

/* Deletes the root qdisc unless it is the default. 0 when there was none. */
static int qdisc_delete_root(qdisc_session *s, char *err)
{
    struct rtnl_qdisc *root;
    if (qdisc_root_get(s, &root, err) == -1)
        return -1;
    int rc = 0;
    if (!qdisc_is_default(root)) {
        int e = rtnl_qdisc_delete(s->sk, root);
        /* Gone in between (another thread cleared it): the goal holds. */
        if (e < 0 && e != -NLE_OBJ_NOTFOUND) {
            sb_err_set(err, "qdisc on %s: deleting the %s root qdisc: rtnl_qdisc_delete: %s",
                       s->ifname, qdisc_kind_of(root), nl_geterror(e));
            rc = -1;
        }
    }
    if (root)
        rtnl_qdisc_put(root);
    return rc;
}

/* ====== netem ====== */

/* The kernel answers ENOENT when it cannot find (or load) a qdisc kind. */
static int netem_missing(int nl_err)
{
    return nl_err == -NLE_OBJ_NOTFOUND;
}

static void netem_missing_err(const char *ifname, int nl_err, char *err)
{
    sb_err_set(err, "this kernel has no sch_netem (netem qdisc on %s: %s)", ifname,
               nl_geterror(nl_err));
}

/* netem takes probabilities as fractions of 2^32 - 1. */
static uint32_t netem_prob(double p)
{
    if (p >= 1.0)
        return UINT32_MAX;
    return (uint32_t)(p * (double)UINT32_MAX);
}

/* libnl takes times in whole microseconds; round up so that a nonzero
 * delay stays nonzero. */
static int netem_us(int64_t ns)
{
    return (int)((ns + SB_NS_PER_US - 1) / SB_NS_PER_US);
}

static int netem_check(const char *ifname, const sb_netem *p, char *err)
{
    const int64_t max_ns = (int64_t)INT_MAX * SB_NS_PER_US - (SB_NS_PER_US - 1);
    if (p->delay_ns < 0 || p->delay_ns > max_ns || p->jitter_ns < 0 || p->jitter_ns > max_ns) {
        sb_err_set(err, "netem on %s: delay and jitter must be 0..%" PRId64 "s", ifname,
                   (int64_t)(max_ns / SB_NS_PER_S));
        return -1;
    }
    const struct {
        const char *name;
        double v;
    } probs[] = {{"loss", p->loss},
                 {"duplicate", p->duplicate},
                 {"reorder", p->reorder},
                 {"corrupt", p->corrupt}};
    for (size_t i = 0; i < sizeof(probs) / sizeof(probs[0]); i++) {
        if (!(probs[i].v >= 0.0 && probs[i].v <= 1.0)) {
            sb_err_set(err, "netem on %s: %s probability %g is not in 0..1", ifname, probs[i].name,
                       probs[i].v);
            return -1;
        }
    }
    /* netem reorders by sending some packets without the delay. */
    if (p->reorder > 0 && p->delay_ns == 0) {
        sb_err_set(err,
                   "netem on %s: reorder needs a delay (reordered packets are the ones "
                   "sent without it)",
                   ifname);
        return -1;
    }
    if (p->limit > INT_MAX) {
        sb_err_set(err, "netem on %s: limit %" PRIu32 " packets is above %d", ifname, p->limit,
                   INT_MAX);
        return -1;
    }
    return 0;
}

/* The netem setters take int; the probabilities are really u32 and libnl
 * stores them back into u32 fields, so the cast round-trips. */
static void netem_fill(struct rtnl_qdisc *q, const sb_netem *p)
{
    if (p->delay_ns)
        rtnl_netem_set_delay(q, netem_us(p->delay_ns));
    if (p->jitter_ns)
        rtnl_netem_set_jitter(q, netem_us(p->jitter_ns));
    if (p->loss > 0)
        rtnl_netem_set_loss(q, (int)netem_prob(p->loss));
    if (p->duplicate > 0)
        rtnl_netem_set_duplicate(q, (int)netem_prob(p->duplicate));
    if (p->reorder > 0)
        rtnl_netem_set_reorder_probability(q, (int)netem_prob(p->reorder));
    if (p->corrupt > 0)
        rtnl_netem_set_corruption_probability(q, (int)netem_prob(p->corrupt));
    if (p->limit)
        rtnl_netem_set_limit(q, (int)p->limit);
}

int qdisc_netem_set(const char *ifname, const sb_netem *p, char *err)
{
    if (!p) {
        sb_err_set(err, "netem on %s: no parameters", ifname ? ifname : "(null)");
        return -1;
    }
    if (netem_check(ifname ? ifname : "(null)", p, err) == -1)
        return -1;
    qdisc_session s;
    if (qdisc_session_open(&s, ifname, err) == -1)
        return -1;
    int rc = -1;
    struct rtnl_qdisc *q = qdisc_new_root(&s, "netem", err);
    if (q) {
        netem_fill(q, p);
        int e = qdisc_replace_root(&s, q);
        if (e == 0)
            rc = 0;
        else if (netem_missing(e)) {
            netem_missing_err(ifname, e, err);
            rc = SB_QDISC_UNSUPPORTED;
        } else
            sb_err_set(err, "netem on %s: rtnl_qdisc_add: %s", ifname, nl_geterror(e));
        rtnl_qdisc_put(q);
    }
    qdisc_session_close(&s);
    return rc;
}

/* Adds an empty netem root and deletes it again; s's root is the default. */
static int netem_probe(qdisc_session *s, char *err)
{
    struct rtnl_qdisc *q = qdisc_new_root(s, "netem", err);
    if (!q)
        return -1;
    int rc;
    int e = qdisc_replace_root(s, q);
    if (e == 0)
        rc = qdisc_delete_root(s, err) == 0 ? 1 : -1;
    else if (netem_missing(e)) {
        netem_missing_err(s->ifname, e, err);
        rc = 0;
    } else {
        sb_err_set(err, "netem probe on %s: rtnl_qdisc_add: %s", s->ifname, nl_geterror(e));
        rc = -1;
    }
    rtnl_qdisc_put(q);
    return rc;
}

int qdisc_netem_available(const char *ifname, char *err)
{
    qdisc_session s;
    if (qdisc_session_open(&s, ifname, err) == -1)
        return -1;
    struct rtnl_qdisc *root;
    int rc = -1;
    if (qdisc_root_get(&s, &root, err) == 0) {
        if (qdisc_is_default(root))
            rc = netem_probe(&s, err);
        else if (strcmp(qdisc_kind_of(root), "netem") == 0)
            rc = 1;
        else
            /* Probing would replace (then delete) the fault in force. */
            sb_err_set(err,
                       "netem probe on %s: a %s root qdisc is in force; probe before "
                       "setting faults or clear them first",
                       ifname, qdisc_kind_of(root));
        if (root)
            rtnl_qdisc_put(root);
    }
    qdisc_session_close(&s);
    return rc;
}

/* ====== tbf ====== */

static int tbf_check(const char *ifname, uint64_t rate, uint32_t burst, int64_t latency_ns,
                     char *err)
{
    /* libnl's TBF setters take int: rates up to ~17 Gbit/s. */
    if (rate == 0 || rate > INT_MAX) {
        sb_err_set(err, "tbf on %s: rate %" PRIu64 " bytes/s is not in 1..%d", ifname, rate,
                   INT_MAX);
        return -1;
    }
    if (burst == 0 || burst > INT_MAX) {
        sb_err_set(err, "tbf on %s: burst %" PRIu32 " bytes is not in 1..%d", ifname, burst,
                   INT_MAX);
        return -1;
    }
    if (latency_ns <= 0 || latency_ns / SB_NS_PER_US > INT_MAX) {
        sb_err_set(err, "tbf on %s: latency must be 1us..%ds", ifname, INT_MAX / 1000000);
        return -1;
    }
    return 0;
}

/* The queue holds what the rate drains within latency, plus one bucket. */
static int tbf_limit(const char *ifname, uint64_t rate, uint32_t burst, int64_t latency_ns,
                     uint32_t *limit, char *err)
{
    double bytes = (double)rate * (double)latency_ns / (double)SB_NS_PER_S + burst;
    if (bytes > INT_MAX) {
        sb_err_set(err, "tbf on %s: rate x latency + burst = %.0f bytes of queue is above %d",
                   ifname, bytes, INT_MAX);
        return -1;
    }
    *limit = (uint32_t)bytes;
    return 0;
}

int qdisc_tbf_set(const char *ifname, uint64_t rate_bytes_per_s, uint32_t burst_bytes,
                  int64_t latency_ns, char *err)
{
    const char *name = ifname ? ifname : "(null)";
    uint32_t limit;
    if (tbf_check(name, rate_bytes_per_s, burst_bytes, latency_ns, err) == -1 ||
        tbf_limit(name, rate_bytes_per_s, burst_bytes, latency_ns, &limit, err) == -1)
        return -1;
    qdisc_session s;
    if (qdisc_session_open(&s, ifname, err) == -1)
        return -1;
    int rc = -1;
    unsigned frame = rtnl_link_get_mtu(s.link) + QDISC_LINK_HEADER;
    struct rtnl_qdisc *q = NULL;
    if (burst_bytes < frame)
        sb_err_set(err,
                   "tbf on %s: burst %" PRIu32 " bytes is below one full frame (%u bytes); "
                   "every full-size packet would be dropped",
                   ifname, burst_bytes, frame);
    else if ((q = qdisc_new_root(&s, "tbf", err))) {
        rtnl_qdisc_tbf_set_rate(q, (int)rate_bytes_per_s, (int)burst_bytes, 0);
        rtnl_qdisc_tbf_set_limit(q, (int)limit);
        int e = qdisc_replace_root(&s, q);
        if (e == 0)
            rc = 0;
        else
            sb_err_set(err, "tbf on %s: rtnl_qdisc_add: %s", ifname, nl_geterror(e));
        rtnl_qdisc_put(q);
    }
    qdisc_session_close(&s);
    return rc;
}

/* ====== Clearing and inspection ====== */

int qdisc_clear(const char *ifname, char *err)
{
    qdisc_session s;
    if (qdisc_session_open(&s, ifname, err) == -1)
        return -1;
    int rc = qdisc_delete_root(&s, err);
    qdisc_session_close(&s);
    return rc;
}

int qdisc_root_kind(const char *ifname, char *out, size_t len, char *err)
{
    qdisc_session s;
    if (qdisc_session_open(&s, ifname, err) == -1)
        return -1;
    struct rtnl_qdisc *root;
    int rc = qdisc_root_get(&s, &root, err);
    if (rc == 0 && !root) {
        sb_err_set(err, "qdisc on %s: the kernel reports no root qdisc", ifname);
        rc = -1;
    } else if (rc == 0) {
        snprintf(out, len, "%s", qdisc_kind_of(root));
        rtnl_qdisc_put(root);
    }
    qdisc_session_close(&s);
    return rc;
}
