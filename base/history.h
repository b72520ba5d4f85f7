/* history.h -- the run's single source of truth: operations as JSONL.
 *
 * One line per operation, written as the run goes:
 *   {"index":12,"process":3,"type":"ok","f":"add","value":42,
 *    "time":5012345678,"node":"n1"}
 * "process" is an integer for client workers and the string "nemesis",
 * "controller" or "node" (an event read from a Redis or Sentinel log) otherwise. "time" is
 * nanoseconds since the start of the run on the controller's monotonic clock. "node" (the host that
 * answered) and "error" appear only when known. type fail = certainly did not happen; info = may or
 * may not have happened. */
#ifndef SB_HISTORY_H
#define SB_HISTORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The start of the "error" of an ok operation that the client applied more
 * than once (an external client's library re-sent it; clients/PROTOCOL.md):
 * the operation happened, and the set checker counts it as a duplicate. */
#define SB_APPLIED_TWICE "applied twice"

/* In a cluster the set workload spreads its values over this many keys,
 * value v to key "<key>:<v mod SB_SET_CLUSTER_KEYS>", so the set checker
 * can tell when one key's writes moved to another master. */
#define SB_SET_CLUSTER_KEYS 256

#define SB_PROC_NEMESIS (-1)
#define SB_PROC_CONTROLLER (-2)
#define SB_PROC_NODE (-3) /* events read from node logs ("node") */

typedef enum { SB_OP_INVOKE = 0, SB_OP_OK, SB_OP_FAIL, SB_OP_INFO } sb_op_type;

typedef struct sb_op {
    int64_t index;
    int process; /* >= 0 worker, or SB_PROC_NEMESIS / SB_PROC_CONTROLLER */
    sb_op_type type;
    char f[48];    /* "add", "read", "partition", "heal", "kill", "converged", ... */
    json_t *value; /* owned; NULL when absent */
    int64_t time_ns;
    char node[64]; /* "" when absent */
    char *error;   /* owned; NULL when absent */
} sb_op;

typedef struct sb_history {
    sb_op *ops;
    size_t n, cap;
} sb_history;

const char *history_type_name(sb_op_type t);
int history_type_parse(const char *s, sb_op_type *t);

/* Loads a JSONL history. A truncated last line (a crashed run) is ignored;
 * any other malformed line is an error "path:line: ...". */
sb_history *history_load(const char *path, char *err);
/* 1 when h holds an operation of that process (a worker's: any process >=
 * 0, given as SB_PROC_CLIENTS) whose f is f (NULL: any f). */
#define SB_PROC_CLIENTS 0
int history_has_op(const sb_history *h, int process, const char *f);
/* The same from memory: text[0..len) need not be NUL-terminated; name
 * stands for the path in errors. */
sb_history *history_parse(const char *name, const char *text, size_t len, char *err);
sb_history *history_new(void);
/* Appends a copy of op (value is increfed, error strdup'd); index = n. */
void history_add(sb_history *h, const sb_op *op);
void history_free(sb_history *h);

/* ====== Recording during a run ====== */

/* Thread-safe writer. Lines are buffered and flushed whole (at least every
 * 100 ms by a background thread and at close), so a run that dies leaves a
 * readable prefix. Each record takes its time stamp under the writer's lock,
 * so index order is time order. */
typedef struct sb_recorder sb_recorder;

sb_recorder *recorder_open(const char *path, int64_t t0_ns, char *err);
/* value_json is raw JSON text ("42", "[1,2]", "{...}") or NULL; node and
 * error may be NULL. Returns the operation's time_ns. */
int64_t recorder_record(sb_recorder *r, int process, sb_op_type type, const char *f,
                        const char *value_json, const char *node, const char *error);
/* Counts of completions so far, for the progress display. */
void recorder_counts(sb_recorder *r, uint64_t *ok, uint64_t *fail, uint64_t *info);
int64_t recorder_elapsed_ns(const sb_recorder *r);
int recorder_close(sb_recorder *r, char *err); /* flushes; frees */

#endif
