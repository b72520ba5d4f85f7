/* worker_ext.h -- a worker whose operations go through an external client
 * program (clients/PROTOCOL.md) instead of the built-in client.
 *
 * The worker's thread has entered its host's namespace; the program it
 * starts lives there too. The harness stamps invocations and completions
 * on its own clock when it writes a request and reads the reply. A reply
 * that is not JSON, names another id, or does not come within the
 * operation's timeout and EXT_GRACE_NS is that operation's info; the
 * program is then killed and started again under a new process id (the
 * old one + the number of workers, as Jepsen does after a crashed client),
 * and the run goes on. More than EXT_RESTARTS_PER_MIN restarts in a
 * minute end the run with an error naming the client and quoting its
 * stderr, as does a program that cannot start. */
#ifndef SB_WORKER_EXT_H
#define SB_WORKER_EXT_H

#include <limits.h>

#include "client_ext.h"
#include "history.h"
#include "lab.h"
#include "scenario_model.h"
#include "workload.h"

#define EXT_GRACE_NS (1000 * SB_NS_PER_MS) /* past the operation's timeout */
#define EXT_INIT_NS (10 * SB_NS_PER_S)     /* for init_ok */
#define EXT_RESTARTS_PER_MIN 5

typedef struct sb_ext_worker {
    sb_ext proc;
    const sb_scenario *s;
    const sb_client *spec;
    const sb_lab *lab;
    const sb_workload_kind *wk;
    sb_recorder *rec;
    int slot;      /* the worker's index (its operations' generator) */
    int process;   /* its process id in the history now */
    int n_workers; /* over every group */
    char log_path[PATH_MAX];
    long long next_id;
    int64_t starts[EXT_RESTARTS_PER_MIN + 1]; /* the latest start times, newest last */
    int n_starts;
    char node[64]; /* the host that answered the last operation ("" unknown) */
} sb_ext_worker;

/* Starts the program and waits for its init_ok. 0, or -1 with err naming
 * the client and quoting its message or its stderr. */
int ext_worker_start(sb_ext_worker *x, char *err);
/* Sends op, waits for its reply: the outcome, the completion's value in
 * out (empty: the invocation's), why for fail and info. *broken is set
 * when the program must be restarted (ext_worker_restart) before the next
 * operation. */
sb_outcome ext_worker_apply(sb_ext_worker *x, const sb_wop *op, sb_buf *out, char *why,
                            size_t whylen, int *broken);
/* Kills the program, records "client-restart" and starts it again under a
 * new process id. -1 with err when it restarted too often or cannot start. */
int ext_worker_restart(sb_ext_worker *x, const char *why, char *err);
void ext_worker_stop(sb_ext_worker *x);

#endif
