/* workload.h -- workloads behind one interface, found by name in one table.
 *
 * A workload generates each worker's operations, applies them through the
 * client, and after the run reads the final state from the converged master.
 * The worker loop (controller.c) records invocations and completions; the
 * workload only says what to do and what came back. */
#ifndef SB_WORKLOAD_H
#define SB_WORKLOAD_H

#include <hiredis/hiredis.h>

#include "client.h"
#include "history.h"
#include "scenario_model.h"
#include "util.h"

/* The final read's connection: to the converged master, or in a cluster
 * to each key's owner (out of band, through the owner's loopback). */
struct sb_deploy;
typedef struct sb_fread {
    redisContext *rc;         /* sentinel / independent: the converged master */
    struct sb_deploy *deploy; /* cluster: route every key to its slot's owner */
    redisContext *conn[64];   /* cluster: by host */
    char errstr[256];
} sb_fread;

/* A command of the final read about key (NULL: no key, to the master or,
 * in a cluster, to the first node). NULL with fread_errstr() on an I/O
 * error; error replies are returned as replies. */
redisReply *fread_command(sb_fread *fr, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* KEYS pattern on every master (in a cluster each holds only its slots'
 * keys), calling each(key, arg) per key; each may use fread_command. -1
 * with fread_errstr() when a master cannot be read, or each's -1. */
int fread_keys(sb_fread *fr, const char *pattern, int (*each)(const char *key, void *arg),
               void *arg);
const char *fread_errstr(const sb_fread *fr);
void fread_close(sb_fread *fr);

/* One operation in flight: what is recorded as the invocation, and what
 * the completion carries. */
typedef struct sb_wop {
    char f[32];
    char value[256]; /* JSON text of the invocation's value */
    int64_t arg;     /* workload-private */
} sb_wop;

/* What a worker hands its workload on each operation. */
typedef struct sb_wctx {
    sb_sentinel_client *c; /* the master (via the sentinels, or the primary) */
    const sb_scenario *s;
    const sb_lab *lab; /* the worker is already in its host's namespace */
    int process;
    const sb_recorder *rec; /* recorder_elapsed_ns(): times on the history's clock */
    void *state;            /* the workload's own, from worker_new (or NULL) */
} sb_wctx;

typedef struct sb_workload_kind {
    const char *name;
    /* Next operation of worker `process` (0-based) of n_processes; seq counts
     * this worker's operations from 0. Deterministic in its arguments. */
    void (*generate)(const sb_workload *w, int process, int n_processes, uint64_t seq, sb_wop *op);
    /* Applies op. On OK, may put the completion's value (JSON text) into
     * out_value (left empty: the invocation's value is repeated). */
    sb_outcome (*apply)(const sb_workload *w, sb_wctx *x, const sb_wop *op, sb_buf *out_value,
                        char *why, size_t whylen);
    /* Reads the final state over rc (an out-of-band connection to the
     * converged master) as JSON text into value. 0 or -1 with err. */
    int (*final_read)(const sb_workload *w, sb_fread *fr, sb_buf *value, char *err);
    /* Optional per-worker state (connections of its own, ...). */
    void *(*worker_new)(const sb_scenario *s, int process);
    void (*worker_free)(void *state);
    /* Optional: the host that answered the last operation when it was not
     * the client's master (a replica read); NULL: the client's master. */
    const char *(*node)(void *state, const sb_lab *lab);
    /* External clients (clients/PROTOCOL.md). The request for op: the JSON
     * members after "id" ("\"f\":\"add\",\"key\":\"k\",\"value\":17"), naming
     * the Redis keys so that the program needs no knowledge of the layout.
     * NULL: the workload runs on the built-in client only. */
    /* process: the worker's process id in the history now; *extra_ns: time
     * the operation may take beyond the client's timeout (a lock's hold). */
    void (*ext_request)(const sb_workload *w, const sb_scenario *s, int process, const sb_wop *op,
                        sb_buf *req, int64_t *extra_ns);
    /* The completion of op from a reply's "value" (NULL when absent), into
     * which the harness merged the times it stamped on the program's events
     * ("acquired", "released": ns on the history's clock). Called for an ok
     * reply, and for fail and info ones when the program sent events:
     * reported is the reply's type. out_value as apply() fills it; a value
     * the workload cannot read makes the outcome info, with why. */
    sb_outcome (*ext_reply)(const sb_workload *w, const sb_wop *op, sb_outcome reported,
                            const json_t *value, sb_buf *out_value, char *why, size_t whylen);
} sb_workload_kind;

const sb_workload_kind *workload_find(const char *name);
/* "set" and friends, for validation messages. */
const char *workload_names(void);
/* The workloads external clients can run ("set, register, counter"). */
const char *workload_ext_names(void);

/* workload_cache.c, for the controller: the cache workload's settings as a
 * controller op "cache-config" at the start, and after the run the origin
 * service's counters and the arrival time of every request that reached
 * it, on the history's clock, as an op "origin" (the cache checker reads
 * both). */
void cache_record_config(const sb_scenario *s, sb_recorder *rec);
int cache_record_origin(const sb_scenario *s, const sb_lab *lab, sb_recorder *rec, char *err);

#endif
