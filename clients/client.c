/* client.c -- Sentinel-aware Redis client with exact outcome classification. */
#define _GNU_SOURCE
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Error replies that Redis sends before executing anything: the write
 * certainly did not happen. Anything else (including a script error, which
 * may come after partial effects) is indeterminate. */
static const char *const rejecting_errors[] = {
    "READONLY",    /* a replica refuses writes */
    "NOREPLICAS",  /* min-replicas-to-write not met */
    "MASTERDOWN",  /* replica-serve-stale-data no, link down */
    "LOADING",     /* dataset still loading */
    "BUSY ",       /* a script is running; command not executed */
    "MISCONF",     /* stop-writes-on-bgsave-error */
    "OOM",         /* maxmemory reached, command refused */
    "NOAUTH",      /* authentication required */
    "WRONGPASS",   /* bad credentials */
    "NOPERM",      /* ACL refused */
    "WRONGTYPE",   /* key holds another type; checked before executing */
    "CLUSTERDOWN", /* cluster refuses to serve */
    "MOVED",       /* another node owns the slot */
    "ASK",         /* slot migrating; not executed here */
    "TRYAGAIN",    /* multi-key op during resharding */
};

sb_outcome client_classify_error(const char *errstr)
{
    if (!errstr)
        return SB_OUTCOME_INFO;
    for (size_t i = 0; i < sizeof(rejecting_errors) / sizeof(rejecting_errors[0]); i++) {
        const char *p = rejecting_errors[i];
        size_t n = strlen(p);
        if (strncmp(errstr, p, n) != 0)
            continue;
        /* whole word: "ASK 3999 ..." but not "ASKING..." */
        char next = errstr[n];
        if (p[n - 1] == ' ' || next == '\0' || next == ' ')
            return SB_OUTCOME_FAIL;
    }
    return SB_OUTCOME_INFO;
}

sb_outcome client_classify_io(int bytes_sent)
{
    return bytes_sent > 0 ? SB_OUTCOME_INFO : SB_OUTCOME_FAIL;
}

static struct timeval ns_to_tv(int64_t ns)
{
    struct timeval tv = {.tv_sec = ns / 1000000000LL, .tv_usec = (ns % 1000000000LL) / 1000};
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
        tv.tv_usec = 1;
    return tv;
}

redisContext *client_connect(const char *addr, int port, int64_t connect_timeout_ns,
                             int64_t timeout_ns, char *err, size_t errlen)
{
    /* On the ssh backend a worker's connections leave from its placement's
     * port range, which the remote firewall rules match. */
    int fd = lab_placement_connect(addr, port, connect_timeout_ns, err, errlen);
    if (fd == -1)
        return NULL;
    redisContext *rc = fd >= 0 ? redisConnectFd(fd)
                               : redisConnectWithTimeout(addr, port, ns_to_tv(connect_timeout_ns));
    if (!rc) {
        snprintf(err, errlen, "connect %s:%d: out of memory", addr, port);
        return NULL;
    }
    if (rc->err) {
        snprintf(err, errlen, "connect %s:%d: %s", addr, port, rc->errstr);
        redisFree(rc);
        return NULL;
    }
    if (redisSetTimeout(rc, ns_to_tv(timeout_ns)) != REDIS_OK) {
        snprintf(err, errlen, "setsockopt timeout on %s:%d: %s", addr, port, rc->errstr);
        redisFree(rc);
        return NULL;
    }
    return rc;
}

void client_init(sb_sentinel_client *c, const sb_client_cfg *cfg)
{
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->master_host = -1;
}

static void client_drop(sb_sentinel_client *c)
{
    if (c->cluster)
        cluster_state_drop(c->cluster);
    if (c->conn)
        redisFree(c->conn);
    c->conn = NULL;
    c->master_host = -1;
}

void client_close(sb_sentinel_client *c)
{
    client_drop(c);
    if (c->sub)
        redisFree(c->sub);
    c->sub = NULL;
    cluster_state_free(c->cluster);
    c->cluster = NULL;
}

const char *client_node(const sb_sentinel_client *c)
{
    return c->master_host >= 0 ? lab_host_name(c->cfg.lab, c->master_host) : "";
}

/* Sends a formatted command with our own send() loop so we know whether any
 * byte reached the kernel (hiredis does not say), then reads one reply. */
static sb_outcome raw_call(redisContext *rc, const char *cmd, size_t len, redisReply **reply,
                           char *why, size_t whylen)
{
    size_t off = 0;
    *reply = NULL;
    while (off < len) {
        ssize_t n = send(rc->fd, cmd + off, len - off, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            int e = errno;
            snprintf(why, whylen, "%s: %s",
                     (e == EAGAIN || e == EWOULDBLOCK) ? "timeout sending" : "send", strerror(e));
            return client_classify_io((int)off);
        }
        off += (size_t)n;
    }
    void *r = NULL;
    errno = 0;
    if (redisGetReply(rc, &r) != REDIS_OK || !r) {
        int e = errno;
        if (rc->err == REDIS_ERR_IO && (e == EAGAIN || e == EWOULDBLOCK))
            snprintf(why, whylen, "timeout");
        else if (rc->err == REDIS_ERR_EOF)
            snprintf(why, whylen, "connection closed after sending");
        else
            snprintf(why, whylen, "connection lost after sending: %s", rc->errstr);
        return client_classify_io((int)off);
    }
    redisReply *rep = r;
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(why, whylen, "%s", rep->str ? rep->str : "error reply");
        sb_outcome o = client_classify_error(rep->str);
        freeReplyObject(rep);
        return o;
    }
    *reply = rep;
    return SB_OUTCOME_OK;
}

sb_outcome client_call_on(redisContext *rc, int argc, const char **argv, const size_t *argvlen,
                          redisReply **reply, char *why, size_t whylen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        snprintf(why, whylen, "cannot format command");
        return SB_OUTCOME_FAIL;
    }
    sb_outcome o = raw_call(rc, cmd, (size_t)len, reply, why, whylen);
    free(cmd);
    return o;
}

/* Asks one sentinel where the master is; 0 with addr/port, or -1 with why. */
static int ask_sentinel(sb_sentinel_client *c, int sentinel_host, char *addr, size_t addrlen,
                        int *port, char *why, size_t whylen)
{
    const char *saddr = lab_host_addr(c->cfg.lab, sentinel_host);
    redisContext *sc = client_connect(saddr, c->cfg.sentinel_port, c->cfg.connect_timeout_ns,
                                      c->cfg.timeout_ns, why, whylen);
    if (!sc)
        return -1;
    const char *argv[] = {"SENTINEL", "get-master-addr-by-name", c->cfg.master_name};
    size_t lens[] = {8, 23, strlen(c->cfg.master_name)};
    redisReply *r = NULL;
    int rc = -1;
    if (client_call_on(sc, 3, argv, lens, &r, why, whylen) != SB_OUTCOME_OK) {
        /* why already says it */
    } else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
               r->element[0]->type != REDIS_REPLY_STRING) {
        snprintf(why, whylen, "sentinel %s does not know master %s", saddr, c->cfg.master_name);
    } else {
        snprintf(addr, addrlen, "%s", r->element[0]->str);
        *port = atoi(r->element[1]->str);
        rc = 0;
    }
    if (r)
        freeReplyObject(r);
    redisFree(sc);
    return rc;
}

/* Connects to the address a sentinel gave and checks it calls itself master. */
static int connect_master(sb_sentinel_client *c, const char *addr, int port, char *why,
                          size_t whylen)
{
    redisContext *rc =
        client_connect(addr, port, c->cfg.connect_timeout_ns, c->cfg.timeout_ns, why, whylen);
    if (!rc)
        return -1;
    const char *argv[] = {"ROLE"};
    size_t lens[] = {4};
    redisReply *r = NULL;
    if (client_call_on(rc, 1, argv, lens, &r, why, whylen) != SB_OUTCOME_OK) {
        redisFree(rc);
        return -1;
    }
    int is_master = r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                    r->element[0]->type == REDIS_REPLY_STRING &&
                    strcmp(r->element[0]->str, "master") == 0;
    freeReplyObject(r);
    if (!is_master) {
        snprintf(why, whylen, "%s:%d named master by the sentinel is not a master", addr, port);
        redisFree(rc);
        return -1;
    }
    c->conn = rc;
    c->master_host = lab_host_by_addr(c->cfg.lab, addr);
    return 0;
}

static int discover(sb_sentinel_client *c, char *why, size_t whylen)
{
    if (c->cfg.n_sentinels == 0) /* an independent deployment: no discovery */
        return connect_master(c, lab_host_addr(c->cfg.lab, c->cfg.direct_host), c->cfg.redis_port,
                              why, whylen);
    for (size_t k = 0; k < c->cfg.n_sentinels; k++) {
        size_t i = (c->next_sentinel + k) % c->cfg.n_sentinels;
        char addr[64];
        int port = 0;
        if (ask_sentinel(c, c->cfg.sentinels[i], addr, sizeof(addr), &port, why, whylen) == -1)
            continue;
        if (connect_master(c, addr, port, why, whylen) == 0) {
            c->next_sentinel = i;
            return 0;
        }
    }
    c->next_sentinel = (c->next_sentinel + 1) % (c->cfg.n_sentinels ? c->cfg.n_sentinels : 1);
    return -1;
}

/* ====== Following +switch-master (discovery "subscribe") ====== */

/* Subscribes to +switch-master on sentinel host; quietly nothing on error
 * (the next discovery tries again). */
static void subscribe_on(sb_sentinel_client *c, int host)
{
    char why[256];
    redisContext *sc =
        client_connect(lab_host_addr(c->cfg.lab, host), c->cfg.sentinel_port,
                       c->cfg.connect_timeout_ns, c->cfg.timeout_ns, why, sizeof(why));
    if (!sc)
        return;
    redisReply *r = redisCommand(sc, "SUBSCRIBE +switch-master");
    int ok = r && r->type == REDIS_REPLY_ARRAY; /* ["subscribe", "+switch-master", 1] */
    if (r)
        freeReplyObject(r);
    if (!ok) {
        redisFree(sc);
        return;
    }
    c->sub = sc;
}

/* One +switch-master message: "<name> <old-ip> <old-port> <new-ip> <new-port>".
 * Moves to the new master when it is ours. */
static void follow_switch(sb_sentinel_client *c, const redisReply *m)
{
    if (m->type != REDIS_REPLY_ARRAY)
        return;
    if (m->elements != 3 || m->element[2]->type != REDIS_REPLY_STRING)
        return;
    char name[128], old_ip[64], new_ip[64];
    int old_port, new_port;
    if (sscanf(m->element[2]->str, "%127s %63s %d %63s %d", name, old_ip, &old_port, new_ip,
               &new_port) != 5 ||
        strcmp(name, c->cfg.master_name) != 0)
        return;
    int h = lab_host_by_addr(c->cfg.lab, new_ip);
    if (h >= 0 && h == c->master_host && c->conn)
        return;
    c->switches++;
    client_drop(c);
    char why[256];
    connect_master(c, new_ip, new_port, why, sizeof(why)); /* else: discover at the call */
}

/* Reads, without waiting, what the subscription holds. */
static void poll_switches(sb_sentinel_client *c)
{
    for (;;) {
        struct pollfd pfd = {.fd = c->sub->fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) != 1)
            return;
        if (redisBufferRead(c->sub) != REDIS_OK) {
            redisFree(c->sub); /* the sentinel went away: subscribe again later */
            c->sub = NULL;
            return;
        }
        void *r = NULL;
        while (redisGetReplyFromReader(c->sub, &r) == REDIS_OK && r) {
            follow_switch(c, r);
            freeReplyObject(r);
            r = NULL;
        }
    }
}

sb_outcome client_call(sb_sentinel_client *c, int argc, const char **argv, const size_t *argvlen,
                       redisReply **reply, char *why, size_t whylen)
{
    *reply = NULL;
    why[0] = '\0';
    if (c->cfg.cluster)
        return cluster_call(c, argc, argv, argvlen, reply, why, whylen);
    if (c->cfg.subscribe && c->sub)
        poll_switches(c);
    if (!c->conn) {
        c->master_host = -1;
        if (discover(c, why, whylen) == -1)
            return SB_OUTCOME_FAIL; /* nothing of the command was sent */
        if (c->cfg.subscribe && !c->sub && c->cfg.n_sentinels)
            subscribe_on(c, c->cfg.sentinels[c->next_sentinel]);
    }
    sb_outcome o = client_call_on(c->conn, argc, argv, argvlen, reply, why, whylen);
    if (o != SB_OUTCOME_OK) {
        /* Keep master_host for the record of who answered, then forget the
         * connection: its stream may be out of step after a timeout. */
        int host = c->master_host;
        client_drop(c);
        c->master_host = host;
    }
    return o;
}
