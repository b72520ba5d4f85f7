/* client.h -- a Sentinel-aware Redis client for one worker thread.
 *
 * The worker has already entered its host's network namespace, so every
 * socket this client opens sees exactly that host's side of a partition.
 * The master is discovered by asking the client's sentinels in turn
 * (SENTINEL get-master-addr-by-name) and confirmed with ROLE, as the Sentinel
 * client guidelines prescribe; after any error the connection is dropped and
 * the next call discovers again (redis-py's way). With subscribe set, the
 * client also keeps a subscription to +switch-master on the sentinel that
 * answered, and before each command it reads what arrived: a switch of its
 * master moves it to the announced one at once (Jedis's way).
 *
 * Every call ends in one of three outcomes, and getting them right is the
 * core of the harness's correctness:
 *   OK    the server replied with a non-error reply;
 *   FAIL  the command certainly did not take effect: nothing was sent, or the
 *         server answered with an error that rejects a command before it
 *         runs (READONLY, NOREPLICAS, MASTERDOWN, LOADING, ...);
 *   INFO  it may or may not have taken effect: a timeout or a lost connection
 *         after any byte of the request was sent, or an unrecognised error. */
#ifndef SB_CLIENT_H
#define SB_CLIENT_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "lab.h"

typedef enum { SB_OUTCOME_OK = 0, SB_OUTCOME_FAIL, SB_OUTCOME_INFO } sb_outcome;

typedef struct sb_client_cfg {
    const sb_lab *lab;
    const int *sentinels; /* host indices of the sentinels to ask, in order */
    size_t n_sentinels;
    int sentinel_port;
    const char *master_name;
    int64_t timeout_ns;         /* per command */
    int64_t connect_timeout_ns; /* per connection attempt */
    int direct_host;            /* no sentinels: this host's redis is the master */
    int redis_port;
    /* Redis Cluster: slot-aware routing over these seed nodes instead. */
    int cluster;
    const int *nodes;
    size_t n_nodes;
    int subscribe; /* follow +switch-master on the sentinels' pub/sub too */
} sb_client_cfg;

typedef struct sb_cluster_state sb_cluster_state;

typedef struct sb_sentinel_client {
    sb_client_cfg cfg;
    redisContext *conn;        /* to the current master, or NULL */
    int master_host;           /* host index of conn's server, -1 when none */
    size_t next_sentinel;      /* rotates so one dead sentinel is not always asked first */
    sb_cluster_state *cluster; /* cluster mode: connections and slot map */
    redisContext *sub;         /* subscribe: SUBSCRIBE +switch-master on a sentinel */
    long long switches;        /* subscribe: +switch-master messages it followed */
} sb_sentinel_client;

void client_init(sb_sentinel_client *c, const sb_client_cfg *cfg);
void client_close(sb_sentinel_client *c);

/* Sends one command to the master (discovering and connecting first when
 * needed) and classifies the result. On OK, *reply is the server's reply
 * (caller frees with freeReplyObject); otherwise *reply is NULL and why says
 * what happened ("connect 10.77.0.11:6379: Connection refused", "timeout",
 * "READONLY You can't write against a read only replica."). */
sb_outcome client_call(sb_sentinel_client *c, int argc, const char **argv, const size_t *argvlen,
                       redisReply **reply, char *why, size_t whylen);

/* One command on a given connection, classified as client_call does. */
sb_outcome client_call_on(redisContext *rc, int argc, const char **argv, const size_t *argvlen,
                          redisReply **reply, char *why, size_t whylen);

/* client_cluster.c: client_call in cluster mode. The key is argv[1]
 * (argv[3] for EVAL/EVALSHA with keys); WAIT, MULTI, EXEC and DISCARD go
 * to the node of the previous call. The slot map comes from CLUSTER SLOTS
 * of the first seed node that answers and is refreshed after a MOVED or a
 * connection error; MOVED is followed (the command did not run there),
 * ASK is followed once with ASKING, TRYAGAIN and CLUSTERDOWN are FAIL. */
sb_outcome cluster_call(sb_sentinel_client *c, int argc, const char **argv, const size_t *argvlen,
                        redisReply **reply, char *why, size_t whylen);
/* Makes the owner of key's slot the node of the next keyless command
 * (MULTI, WAIT): a transaction over keys of one slot opens where they live.
 * -1 with why when no owner is known. Inside a transaction every command
 * goes to the node of its MULTI and redirections are not followed. */
int cluster_route(sb_sentinel_client *c, const char *key, size_t len, char *why, size_t whylen);
void cluster_state_drop(sb_cluster_state *st); /* forget connections and map */
void cluster_state_free(sb_cluster_state *st);
/* Redirections followed so far (MOVED, ASK) by this client. */
void cluster_counts(const sb_sentinel_client *c, long *moved, long *ask);

/* The name of the host that answered the last call ("" when none). */
const char *client_node(const sb_sentinel_client *c);

/* ====== Pure helpers (unit-tested) ====== */

/* Classifies an error reply's text: FAIL when it proves the command was
 * rejected before running, INFO otherwise. */
sb_outcome client_classify_error(const char *errstr);

/* Classifies a call that produced no reply: FAIL if no byte of the request
 * was handed to the kernel, INFO otherwise. */
sb_outcome client_classify_io(int bytes_sent);

/* Connects from the calling thread's namespace with a connect deadline and
 * sets the command timeout. NULL with err on failure. */
redisContext *client_connect(const char *addr, int port, int64_t connect_timeout_ns,
                             int64_t timeout_ns, char *err, size_t errlen);

#endif
