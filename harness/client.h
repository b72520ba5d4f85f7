/* client.h -- a Sentinel-aware Redis client for one worker thread.
 *
 * The worker has already entered its host's network namespace, so every
 * socket this client opens sees exactly that host's side of a partition.
 * The master is discovered by asking the client's sentinels in turn
 * (SENTINEL get-master-addr-by-name) and confirmed with ROLE, as the Sentinel
 * client guidelines prescribe; after any error the connection is dropped and
 * the next call discovers again.
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
} sb_client_cfg;

typedef struct sb_sentinel_client {
    sb_client_cfg cfg;
    redisContext *conn; /* to the current master, or NULL */
    int master_host;    /* host index of conn's server, -1 when none */
    size_t next_sentinel; /* rotates so one dead sentinel is not always asked first */
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
