/* client_cluster.c -- the client in Redis Cluster mode: routes each command
 * to the master that owns its key's hash slot, as the Cluster
 * specification's clients do.
 *
 * Outcomes stay exact: MOVED, ASK, TRYAGAIN and CLUSTERDOWN are answers of
 * a node that did not run the command, so following a redirection cannot
 * apply a write twice; a connection lost after sending is INFO as
 * everywhere else, and makes the next call fetch the slot map again. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "cluster_slots.h"
#include "sb_limits.h"

#define MAX_REDIRECTS 5

struct sb_cluster_state {
    redisContext *conn[SB_MAX_HOSTS];
    sb_slot_map *map;
    int map_ok;
    size_t next_seed;
    int last_host;
    int multi_host; /* >= 0 between MULTI and EXEC/DISCARD: every command goes there */
    long moved, ask;
};

static sb_cluster_state *state(sb_sentinel_client *c)
{
    if (!c->cluster) {
        c->cluster = sb_xcalloc(1, sizeof(sb_cluster_state));
        c->cluster->map = sb_xcalloc(1, sizeof(sb_slot_map));
        c->cluster->last_host = -1;
        c->cluster->multi_host = -1;
    }
    return c->cluster;
}

void cluster_state_drop(sb_cluster_state *st)
{
    if (!st)
        return;
    for (int h = 0; h < SB_MAX_HOSTS; h++)
        if (st->conn[h]) {
            redisFree(st->conn[h]);
            st->conn[h] = NULL;
        }
    st->map_ok = 0;
    st->multi_host = -1;
}

void cluster_state_free(sb_cluster_state *st)
{
    if (!st)
        return;
    cluster_state_drop(st);
    free(st->map);
    free(st);
}

void cluster_counts(const sb_sentinel_client *c, long *moved, long *ask)
{
    *moved = c->cluster ? c->cluster->moved : 0;
    *ask = c->cluster ? c->cluster->ask : 0;
}

static void forget(sb_cluster_state *st, int host)
{
    if (host >= 0 && st->conn[host]) {
        redisFree(st->conn[host]);
        st->conn[host] = NULL;
    }
    if (host == st->multi_host)
        st->multi_host = -1; /* the server dropped the transaction with the connection */
}

static redisContext *conn_to(sb_sentinel_client *c, int host, char *why, size_t whylen)
{
    sb_cluster_state *st = c->cluster;
    if (!st->conn[host])
        st->conn[host] = client_connect(lab_host_addr(c->cfg.lab, host), c->cfg.redis_port,
                                        c->cfg.connect_timeout_ns, c->cfg.timeout_ns, why, whylen);
    return st->conn[host];
}

/* CLUSTER SLOTS from the first seed that answers with every slot served. */
static int refresh_map(sb_sentinel_client *c, char *why, size_t whylen)
{
    sb_cluster_state *st = c->cluster;
    for (size_t k = 0; k < c->cfg.n_nodes; k++) {
        int host = c->cfg.nodes[(st->next_seed + k) % c->cfg.n_nodes];
        redisContext *rc = conn_to(c, host, why, whylen);
        if (!rc)
            continue;
        const char *argv[2] = {"CLUSTER", "SLOTS"};
        size_t lens[2] = {7, 5};
        redisReply *r = NULL;
        if (client_call_on(rc, 2, argv, lens, &r, why, whylen) != SB_OUTCOME_OK) {
            forget(st, host);
            continue;
        }
        int ok = sb_slot_map_from_cluster_slots(r, st->map, why, whylen) == 0;
        freeReplyObject(r);
        /* A spare outside the cluster, or a node cut off from it, may know
         * no slots or only some: ask the next seed. */
        if (ok && !sb_slot_map_covered(st->map)) {
            snprintf(why, whylen, "%s does not know the owner of every slot",
                     lab_host_name(c->cfg.lab, host));
            ok = 0;
        }
        if (ok) {
            st->map_ok = 1;
            st->next_seed = (st->next_seed + k) % c->cfg.n_nodes;
            return 0;
        }
    }
    st->next_seed++;
    return -1;
}

/* The argument that names the key, or -1 for "the previous node". */
static int key_arg(int argc, const char **argv)
{
    if (!strcasecmp(argv[0], "EVAL") || !strcasecmp(argv[0], "EVALSHA"))
        return argc > 3 && atoi(argv[2]) > 0 ? 3 : -1;
    if (!strcasecmp(argv[0], "WAIT") || !strcasecmp(argv[0], "MULTI") ||
        !strcasecmp(argv[0], "EXEC") || !strcasecmp(argv[0], "DISCARD"))
        return -1;
    return argc > 1 ? 1 : -1;
}

static int host_of(sb_sentinel_client *c, const char *addr)
{
    int h = lab_host_by_addr(c->cfg.lab, addr);
    return h >= 0 && h < SB_MAX_HOSTS ? h : -1;
}

/* The owner of key's slot, from the map (fetched if needed); -1 with why. */
static int owner_of(sb_sentinel_client *c, const char *key, size_t len, char *why, size_t whylen)
{
    sb_cluster_state *st = c->cluster;
    if (!st->map_ok && refresh_map(c, why, whylen) == -1)
        return -1;
    int slot = sb_keyslot(key, len), host;
    const sb_slot_node *owner = sb_slot_map_owner(st->map, slot);
    if (!owner || (host = host_of(c, owner->addr)) < 0) {
        st->map_ok = 0;
        snprintf(why, whylen, "slot %d has no known owner", slot);
        return -1;
    }
    return host;
}

int cluster_route(sb_sentinel_client *c, const char *key, size_t len, char *why, size_t whylen)
{
    sb_cluster_state *st = state(c);
    int host = owner_of(c, key, len, why, whylen);
    if (host >= 0)
        st->last_host = host;
    return host >= 0 ? 0 : -1;
}

/* A transaction: MULTI opens it on the node of the previous call (see
 * cluster_route), and every command up to EXEC or DISCARD goes to that
 * node whatever its key. A redirection inside it is not followed: the
 * command would run on another node, outside the transaction. The node
 * answers MOVED or ASK for a queued command whose slot it does not serve,
 * and EXECABORT at EXEC, so the transaction fails as a whole. */
static sb_outcome multi_call(sb_sentinel_client *c, int argc, const char **argv,
                             const size_t *argvlen, redisReply **reply, char *why, size_t whylen)
{
    sb_cluster_state *st = c->cluster;
    int opening = !strcasecmp(argv[0], "MULTI");
    int closing = !strcasecmp(argv[0], "EXEC") || !strcasecmp(argv[0], "DISCARD");
    int host = opening ? st->last_host : st->multi_host;
    if (host < 0) {
        snprintf(why, whylen, "%s without %s", argv[0], opening ? "a node to send it to" : "MULTI");
        return SB_OUTCOME_FAIL;
    }
    c->master_host = host;
    st->last_host = host;
    redisContext *rc = conn_to(c, host, why, whylen);
    if (!rc) {
        st->map_ok = 0;
        st->multi_host = -1;
        return SB_OUTCOME_FAIL;
    }
    sb_outcome o = client_call_on(rc, argc, argv, argvlen, reply, why, whylen);
    if (o != SB_OUTCOME_OK) {
        /* A refused command leaves the transaction open on the server, and
         * a lost answer leaves the stream out of step: drop the connection
         * (the server discards the transaction with it), as the client does
         * outside a cluster. A redirection also means the map is stale. */
        int slot, port;
        char addr[64];
        if (o == SB_OUTCOME_INFO ||
            sb_parse_redirect(why, &slot, addr, sizeof(addr), &port) != SB_REDIR_NONE)
            st->map_ok = 0;
        forget(st, host);
        return o;
    }
    if (opening)
        st->multi_host = host;
    if (closing)
        st->multi_host = -1;
    return o;
}

sb_outcome cluster_call(sb_sentinel_client *c, int argc, const char **argv, const size_t *argvlen,
                        redisReply **reply, char *why, size_t whylen)
{
    sb_cluster_state *st = state(c);
    if (st->multi_host >= 0 || !strcasecmp(argv[0], "MULTI"))
        return multi_call(c, argc, argv, argvlen, reply, why, whylen);
    int host = -1;
    int k = key_arg(argc, argv);
    if (k < 0) {
        host = st->last_host;
        if (host < 0) {
            snprintf(why, whylen, "%s without a previous command: no node to send it to", argv[0]);
            return SB_OUTCOME_FAIL;
        }
    } else if ((host = owner_of(c, argv[k], argvlen[k], why, whylen)) < 0) {
        return SB_OUTCOME_FAIL; /* nothing of the command was sent */
    }
    int asking = 0;
    for (int hop = 0;; hop++) {
        c->master_host = host;
        st->last_host = host;
        redisContext *rc = conn_to(c, host, why, whylen);
        if (!rc) {
            st->map_ok = 0;
            return SB_OUTCOME_FAIL;
        }
        if (asking) {
            const char *a[1] = {"ASKING"};
            size_t al[1] = {6};
            redisReply *r = NULL;
            sb_outcome o = client_call_on(rc, 1, a, al, &r, why, whylen);
            if (o != SB_OUTCOME_OK) {
                forget(st, host);
                return SB_OUTCOME_FAIL; /* the command itself was not sent */
            }
            freeReplyObject(r);
        }
        sb_outcome o = client_call_on(rc, argc, argv, argvlen, reply, why, whylen);
        if (o == SB_OUTCOME_OK)
            return o;
        if (o == SB_OUTCOME_INFO) {
            /* The stream may be out of step, and the topology may have
             * changed: reconnect and fetch the map on the next call. */
            forget(st, host);
            st->map_ok = 0;
            return o;
        }
        int slot, port;
        char addr[64];
        sb_redir_kind rk = sb_parse_redirect(why, &slot, addr, sizeof(addr), &port);
        if (rk == SB_REDIR_NONE || hop >= MAX_REDIRECTS) {
            if (!strncmp(why, "CLUSTERDOWN", 11))
                st->map_ok = 0;
            return o;
        }
        int to = host_of(c, addr[0] ? addr : lab_host_addr(c->cfg.lab, host));
        if (to < 0) {
            snprintf(why + strlen(why), whylen - strlen(why), " (not a host of the lab)");
            return SB_OUTCOME_FAIL;
        }
        if (rk == SB_REDIR_MOVED) {
            st->moved++;
            st->map_ok = 0; /* refresh the whole map on the next call */
            asking = 0;
        } else {
            st->ask++;
            asking = 1;
        }
        host = to;
    }
}
