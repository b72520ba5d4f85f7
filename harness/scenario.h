/* scenario.h -- a scenario file turned once into typed structs.
 *
 * scenario_load() parses and validates the JSON file; every error is one line
 * "file:line:col: what is wrong; what is allowed". Nothing downstream reads
 * the raw JSON again: hosts, processes and clients refer to each other by
 * index into scenario->hosts. */
#ifndef SB_SCENARIO_H
#define SB_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#define SB_NAME_LEN 64
#define SB_MAX_HOSTS 64

/* One redis.conf / sentinel.conf directive, passed through verbatim:
 * "down-after-milliseconds": 1000 becomes "down-after-milliseconds 1000". */
typedef struct sb_directive {
    char *name;
    char *value;
} sb_directive;

typedef struct sb_config {
    sb_directive *items;
    size_t n;
} sb_config;

typedef struct sb_host {
    char name[SB_NAME_LEN];
} sb_host;

/* A set of host indices. */
typedef struct sb_hostset {
    int *idx;
    size_t n;
} sb_hostset;

typedef enum { SB_DEPLOY_SENTINEL = 0 } sb_deploy_kind;

typedef struct sb_deployment {
    sb_deploy_kind kind;
    sb_hostset redis;          /* hosts running one redis-server each */
    int master;                /* host index of the initial master (in redis) */
    sb_config redis_config;    /* extra redis.conf directives */
    sb_hostset sentinels;      /* hosts running one sentinel each */
    int quorum;                /* 1 <= quorum <= sentinels.n */
    char master_name[SB_NAME_LEN]; /* default "mymaster" */
    sb_config sentinel_config; /* per-master directives (down-after-milliseconds,
                                  failover-timeout, parallel-syncs, ...) are
                                  written as "sentinel <name> mymaster <value>";
                                  others verbatim */
    int redis_port;            /* default 6379 */
    int sentinel_port;         /* default 26379 */
    int64_t ready_timeout_ns;    /* default 30s: start-up deadline */
    int64_t converge_timeout_ns; /* default 60s: after heal, until one master */
} sb_deployment;

typedef struct sb_client {
    int host;             /* the host the workers' sockets live on */
    int workers;          /* >= 1 */
    sb_hostset sentinels; /* sentinels asked for the master; default: all */
    int64_t timeout_ns;   /* per operation; default 1s */
    int64_t connect_timeout_ns; /* default: timeout_ns */
} sb_client;

typedef struct sb_workload {
    char kind[SB_NAME_LEN]; /* "set" */
    double rate;            /* operations per second over all workers; 0 = unlimited */
    char key[128];          /* default "splitbrain:set" */
} sb_workload;

typedef enum {
    SB_FAULT_PARTITION = 0, /* groups */
    SB_FAULT_HEAL,          /* undo every network fault in force */
    SB_FAULT_KILL,          /* SIGKILL a process: host + process */
    SB_FAULT_RESTART,       /* start a killed process again: host + process */
} sb_fault_kind;

typedef enum { SB_PROC_REDIS = 0, SB_PROC_SENTINEL } sb_proc_kind;

typedef struct sb_fault {
    int64_t at_ns;      /* offset from the start of the workload */
    sb_fault_kind kind;
    /* partition: groups[i] is a set of hosts; hosts in no group form one
     * more group of their own. Every host appears in at most one group. */
    sb_hostset *groups;
    size_t n_groups;
    /* kill / restart */
    int host;
    sb_proc_kind process; /* default redis */
    int line;             /* where the fault is in the file, for messages */
} sb_fault;

/* A bound on one numeric figure of a checker's result. */
typedef struct sb_bound {
    char figure[SB_NAME_LEN];
    int has_min, has_max;
    double min, max;
} sb_bound;

typedef enum { SB_VALID_TRUE = 0, SB_VALID_FALSE, SB_VALID_UNKNOWN, SB_VALID_ANY } sb_valid_expect;

typedef struct sb_expect {
    char checker[SB_NAME_LEN];
    sb_valid_expect valid; /* default SB_VALID_TRUE */
    sb_bound *bounds;
    size_t n_bounds;
} sb_expect;

typedef struct sb_scenario {
    char *path;         /* the file it came from */
    char *text;         /* the file's text, copied into the run folder */
    char name[SB_NAME_LEN];
    char *description;  /* may be NULL */
    uint64_t seed;      /* default 1; --seed overrides */
    int64_t duration_ns; /* how long the workload runs */
    sb_host *hosts;
    size_t n_hosts;
    sb_deployment deployment;
    sb_client *clients;
    size_t n_clients;
    sb_workload workload;
    sb_fault *faults; /* sorted by at_ns (stable) */
    size_t n_faults;
    char (*checkers)[SB_NAME_LEN]; /* checker names, in order */
    size_t n_checkers;
    sb_expect *expects; /* one per checker (defaults filled in) */
    size_t n_expects;
} sb_scenario;

/* Loads and validates; NULL with err = "file:line:col: ...; ..." on error. */
sb_scenario *scenario_load(const char *path, char *err);
/* Same, from text in memory (path is used only for messages). */
sb_scenario *scenario_parse(const char *path, const char *text, char *err);
void scenario_free(sb_scenario *s);

int scenario_host_index(const sb_scenario *s, const char *name); /* -1 if none */
const sb_expect *scenario_expect(const sb_scenario *s, const char *checker);

#endif
