/* scenario_model.h -- the scenario as typed structs: what every layer
 * reads (hosts, deployment, workload, the fault schedule, checkers and
 * expectations), and the names of its enums.
 *
 * The parser (scenario/scenario.h, scenario_load()) fills it once from the
 * JSON file; nothing downstream reads the raw JSON again: hosts, processes
 * and clients refer to each other by index into scenario->hosts. It lives
 * in the base layer because the lab, the deployment, the workloads and the
 * nemesis all read it, while the parser sits above them (it validates
 * against their tables). */
#ifndef SB_SCENARIO_MODEL_H
#define SB_SCENARIO_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sb_limits.h"

#define SB_NAME_LEN 64

/* One redis.conf / sentinel.conf directive, passed through verbatim:
 * "down-after-milliseconds": 1000 becomes "down-after-milliseconds 1000". */
typedef struct sb_directive {
    char *name;
    char *value;
    int line, col; /* where the value is in the scenario file */
} sb_directive;

typedef struct sb_config {
    sb_directive *items;
    size_t n;
} sb_config;

/* A host of the scenario. On the local backend (the default) it is a
 * network namespace of the lab. When any host has an "address", the run
 * uses the ssh backend: hosts with an address are remote machines reached
 * over ssh; hosts without one are placements of clients on the control
 * machine (their connections use their own local port range). */
typedef struct sb_host {
    char name[SB_NAME_LEN];
    int remote;             /* has an ssh address */
    char address[256];      /* host name or IP address for ssh and for Redis */
    int port;               /* ssh port (22) */
    char user[64];          /* ssh user ("": ssh's default) */
    char key[1024];         /* identity file, absolute ("": ssh's default) */
    char known_hosts[1024]; /* "": accept new host keys into the run's own file */
    int sudo;               /* commands under sudo -n */
    int install;            /* may install redis-server from the host's packages */
    char dir[512];          /* remote folder for the run's files (/tmp/splitbrain) */
} sb_host;

/* A set of host indices. */
typedef struct sb_hostset {
    int *idx;
    size_t n;
} sb_hostset;

/* sentinel: one master, its replicas, sentinels. independent: standalone
 * masters with no replication and no sentinels (Redlock's N masters);
 * "master" is then the primary, where other workloads' keys live.
 * cluster: Redis Cluster, cluster_masters shards of 1 + cluster_replicas
 * nodes; redis.hosts in order: the masters first, then the replicas
 * (replica i follows master i mod cluster_masters), then cluster_spares
 * nodes started empty outside the cluster (add-shard brings them in). */
typedef enum { SB_DEPLOY_SENTINEL = 0, SB_DEPLOY_INDEPENDENT, SB_DEPLOY_CLUSTER } sb_deploy_kind;

typedef struct sb_deployment {
    sb_deploy_kind kind;
    sb_hostset redis;                /* hosts running one redis-server each */
    int master;                      /* host index of the initial master (in redis) */
    sb_config redis_config;          /* extra redis.conf directives */
    sb_hostset sentinels;            /* hosts running one sentinel each */
    sb_hostset standby;              /* hosts with a sentinel configured but not started:
                                        the sentinel-add fault starts them */
    int quorum;                      /* 1 <= quorum <= sentinels.n */
    char master_name[SB_NAME_LEN];   /* default "mymaster" */
    sb_config sentinel_config;       /* per-master directives (down-after-milliseconds,
                                        failover-timeout, parallel-syncs, ...) are
                                        written as "sentinel <name> mymaster <value>";
                                        others verbatim */
    int redis_port;                  /* default 6379 */
    int sentinel_port;               /* default 26379 */
    int64_t ready_timeout_ns;        /* default 30s: start-up deadline */
    int64_t converge_timeout_ns;     /* default 60s: after heal, until one master */
    int cluster_masters;             /* cluster: default 3 */
    int cluster_replicas;            /* cluster: per master, default 1 */
    int64_t cluster_node_timeout_ns; /* cluster-node-timeout, default 2s */
    int cluster_spares;              /* cluster: the last redis hosts, outside at start */
} sb_deployment;

typedef struct sb_client {
    int host;                   /* the host the workers' sockets live on */
    int workers;                /* >= 1 */
    sb_hostset sentinels;       /* sentinels asked for the master; default: all */
    int64_t timeout_ns;         /* per operation; default 1s */
    int64_t connect_timeout_ns; /* default: timeout_ns */
    int discovery_subscribe;    /* "discovery": "subscribe": also follow +switch-master */
    /* "client": {"command": [...], "env": {...}, "options": {...}}: an
     * external program speaking clients/PROTOCOL.md, one per worker, in
     * the worker's host namespace; ext_argv NULL: the built-in client. */
    char **ext_argv;   /* the command, its program resolved; NULL-terminated */
    char **ext_env;    /* "NAME=value" added to the environment; NULL-terminated */
    char *ext_options; /* "options" as JSON text, passed on in init ("{}") */
    char ext_name[64]; /* the group's name: "name", or the program's folder */
} sb_client;

/* The lock workload: single instance (SET NX PX on the master) or Redlock
 * over independent masters; each hold takes a fencing token (INCR), appends
 * "process:fence" to a resource list, holds, and releases (compare-and-delete). */
typedef struct sb_lock_cfg {
    int redlock;       /* 0: single instance */
    sb_hostset nodes;  /* redlock: the masters (default: every redis host but the primary) */
    int64_t ttl_ns;    /* default 2s */
    int64_t hold_ns;   /* time in the critical section; default 100ms */
    int64_t drift_ns;  /* redlock clock drift allowance; default 1% of ttl + 2ms */
    int64_t retry_ns;  /* a refused client waits this long; default 10ms */
    int pause_process; /* -1: none. That worker stalls (a GC pause) inside its */
    int pause_every;   /* critical section, after taking its fence and before */
    int64_t pause_ns;  /* appending, on every pause_every-th hold */
} sb_lock_cfg;

/* The cache workload (the background document's thundering herd): cache-
 * aside clients over Redis in front of a real HTTP origin service. */
typedef enum {
    SB_CACHE_NONE = 0,         /* plain cache-aside: every miss fetches */
    SB_CACHE_NEVER_INVALIDATE, /* I: no TTL; maxmemory + LRU evict */
    SB_CACHE_MEDIATOR,         /* II: misses go through a coalescing mediator */
    SB_CACHE_REDLOCK,          /* III: Redlock over independent masters guards the fetch */
    SB_CACHE_UPDATE_ON_WRITE,  /* IV: the writer also updates the cache */
    SB_CACHE_LOCK,             /* V: SET lock::key NX PX on the master; waiters retry */
    SB_CACHE_MEMOLOCK,         /* V with MemoLock's pub/sub, as first published */
    SB_CACHE_MEMOLOCK_FIXED,   /* the document's fix: subscribe, then check; listen timeout */
} sb_cache_strategy;

typedef struct sb_cache_cfg {
    sb_cache_strategy strategy;
    int keys;                   /* default 100: "<key>:<i>" */
    double zipf;                /* default 1.0: hot keys */
    int64_t ttl_ns;             /* default 2s */
    int sync_expiry;            /* default 1: keys expire on multiples of ttl (PXAT), so they
                                   expire together and herds form */
    int64_t lock_ttl_ns;        /* default 1s */
    int64_t retry_ns;           /* lock waiters: default 10ms */
    int64_t listen_timeout_ns;  /* memolock-fixed: default 500ms */
    int64_t give_up_ns;         /* a get waits at most this long: default 10s ("starved") */
    int64_t starve_bound_ns;    /* default 2s: a longer wait counts as starvation */
    int64_t fetch_timeout_ns;   /* default 2s */
    double writes;              /* share of operations that write the origin: default 0.01 */
    int64_t subscribe_delay_ns; /* test hook: memolock waits this long between losing the
                                   lock and subscribing (makes the starvation race certain) */
    int herd_bound;             /* the cache checker's bound: 1 for the lock strategies, 0 none */
} sb_cache_cfg;

/* The origin service ("origin" at the top of a scenario): `splitbrain
 * origin` on a host, and with the mediator strategy `splitbrain mediator`
 * beside it. */
typedef struct sb_origin_spec {
    int host;           /* -1: none */
    int port;           /* default 8080 (mediator: port + 1) */
    int64_t latency_ns; /* default 50ms */
    int64_t jitter_ns;  /* default 0 */
    int capacity;       /* 0 unlimited */
    int overload_503;   /* default 1 */
} sb_origin_spec;

typedef struct sb_workload {
    char kind[SB_NAME_LEN]; /* "set" */
    double rate;            /* operations per second over all workers; 0 = unlimited */
    char key[128];          /* default "splitbrain:set" */
    int counter_keys;       /* counter: 1, or 16 in a cluster ("<key>:0".."<key>:15") */
    int wait_replicas;      /* > 0: every write is followed by WAIT n timeout */
    int64_t wait_timeout_ns;
    sb_lock_cfg lock;
    sb_cache_cfg cache;
    char model[64]; /* list-append: the consistency model judged by ("": strict-serializable) */
} sb_workload;

typedef enum {
    SB_FAULT_PARTITION = 0,    /* cut hosts off from each other (nftables) */
    SB_FAULT_HEAL,             /* undo every network fault in force */
    SB_FAULT_KILL,             /* SIGKILL processes */
    SB_FAULT_RESTART,          /* start killed processes again */
    SB_FAULT_PAUSE,            /* SIGSTOP processes */
    SB_FAULT_RESUME,           /* SIGCONT paused processes */
    SB_FAULT_LOSS,             /* drop a share of packets (nftables numgen) */
    SB_FAULT_BANDWIDTH,        /* limit a host's egress (TBF) */
    SB_FAULT_NETEM,            /* delay, jitter, loss, duplication, reordering, corruption */
    SB_FAULT_CLOCK,            /* bump / strobe / reset the clock of processes (shim) */
    SB_FAULT_SENTINEL_ADD,     /* start standby sentinels */
    SB_FAULT_SENTINEL_REMOVE,  /* stop sentinels, SENTINEL RESET * on the others */
    SB_FAULT_UNDO,             /* generated: undoes the fault whose id is undo_id */
    SB_FAULT_CLUSTER_FAILOVER, /* CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica */
    SB_FAULT_MIGRATE_SLOTS,    /* move slots between masters while the workload runs */
    SB_FAULT_ADD_SHARD,        /* a spare joins as a master (and a spare as its replica),
                                  and takes its share of every master's slots */
    SB_FAULT_REMOVE_SHARD,     /* a master's slots move to the others; it and its
                                  replicas are forgotten (CLUSTER FORGET) and reset */
    SB_FAULT_POWER_LOSS,       /* every process of hosts killed, redis's files set back to
                                  what they made durable (libsbdisk.so); undo: restart */
    SB_FAULT_TORN_WRITE,       /* power-loss keeping a prefix of the last unsynced append */
    SB_FAULT_DISK_FULL,        /* writes in redis's data folder fail with ENOSPC until undone */
    SB_FAULT_CORRUPT,          /* flip bytes in, or truncate, the AOF or RDB of a stopped redis */
} sb_fault_kind;

/* Processes of a host: redis, sentinel, and the cache workload's origin
 * service; "both" (redis and sentinel) only names a fault's targets. */
typedef enum { SB_PROC_REDIS = 0, SB_PROC_SENTINEL, SB_PROC_ORIGIN, SB_PROC_BOTH } sb_proc_kind;
#define SB_PROC_KINDS 3 /* real kinds: redis, sentinel, origin */

/* Partition shapes. */
typedef enum {
    SB_SHAPE_GROUPS = 0, /* explicit groups */
    SB_SHAPE_HALVES,     /* random halves (seeded) */
    SB_SHAPE_ISOLATE,    /* one host alone: named, random, or the current master */
    SB_SHAPE_RING,       /* majorities ring: each host sees a majority, no two the same */
    SB_SHAPE_BRIDGE,     /* two halves and one host that sees both */
    SB_SHAPE_ONE_WAY,    /* packets from "from" to "to" dropped; the reverse delivered */
} sb_shape;

/* Which hosts a fault acts on, resolved when it fires. */
typedef enum {
    SB_TARGET_HOSTS = 0, /* the named hosts */
    SB_TARGET_MASTER,    /* the current master (redis), or the host running it */
    SB_TARGET_REPLICA,   /* one replica, chosen at random (seeded) */
    SB_TARGET_RANDOM,    /* one of the hosts running the process, at random */
    SB_TARGET_ALL,       /* every host running the process (or every host) */
} sb_target_kind;

typedef struct sb_target {
    sb_target_kind kind;
    sb_hostset hosts; /* SB_TARGET_HOSTS */
} sb_target;

typedef enum { SB_CLOCK_BUMP = 0, SB_CLOCK_STROBE, SB_CLOCK_RESET } sb_clock_op;

typedef struct sb_fault {
    int64_t at_ns; /* offset from the start of the workload */
    sb_fault_kind kind;
    int id;         /* unique in the schedule; undo entries refer to it */
    int line;       /* where the fault is in the file, for messages */
    int generator;  /* -1: written in the file; else index of its random schedule */
    int64_t for_ns; /* > 0: undone automatically after this long */
    int optional;   /* netem: skipped (and reported) when the kernel lacks it */
    int borrowed;   /* hostsets belong to a generator's template */
    /* partition */
    sb_shape shape;
    sb_hostset *groups; /* SB_SHAPE_GROUPS; hosts in no group form one more group */
    size_t n_groups;
    sb_hostset universe; /* hosts a shape is drawn over; n == 0: every host */
    sb_hostset from, to; /* SB_SHAPE_ONE_WAY */
    /* process faults, clock faults, isolate */
    sb_target target;
    sb_proc_kind process; /* default redis (clock: both) */
    /* loss, bandwidth, netem: hosts (n == 0: all) and, for loss, peers */
    sb_hostset hosts;
    sb_hostset peers;    /* loss only on packets from these (n == 0: from anyone) */
    double probability;  /* loss */
    uint64_t rate_bytes; /* bandwidth: bytes per second */
    uint32_t burst_bytes;
    int64_t latency_ns;
    int64_t delay_ns, jitter_ns; /* netem */
    double loss, duplicate, reorder, corrupt;
    /* power-loss: torn > 0 keeps part of the last unsynced append, torn_bytes of it
       (< 0: a number drawn from the run's seed) */
    int torn;
    int64_t torn_bytes;
    /* disk-full: bytes more that may be written before ENOSPC (< 0: none) */
    int64_t full_after;
    /* corrupt: the file (0: the AOF's last incr file, 1: the RDB), and either
       corrupt_flip bytes flipped at seeded positions or, corrupt_truncate >= 0,
       the file truncated to that many bytes (-1: not truncated) */
    int corrupt_rdb;
    int corrupt_flip;
    int64_t corrupt_truncate;
    /* clock */
    sb_clock_op clock_op;
    int64_t delta_ns, period_ns, duration_ns;
    int monotonic;
    /* sentinel membership */
    int one_by_one;
    int failover_mode; /* cluster-failover: 0 default, 1 force, 2 takeover */
    int n_slots;       /* migrate-slots: how many of from's slots move to to;
                          add-shard: how many the new master takes (0: its share) */
    int64_t hold_ns;   /* migrate-slots: slots stay MIGRATING/IMPORTING this long
                          after their keys moved (clients meet ASK) */
    int64_t reset_interval_ns;
    /* undo */
    int undo_id;
} sb_fault;

/* A random schedule: from start to end, one fault at a time drawn from
 * templates (seeded), each lasting duration_min..max, with gap_min..max
 * between the undo of one and the next. Several compose. */
typedef struct sb_generator {
    int64_t start_ns, end_ns;
    int64_t gap_min_ns, gap_max_ns;
    int64_t dur_min_ns, dur_max_ns;
    int max_faults; /* 0 = no limit */
    sb_fault *templates;
    size_t n_templates;
    int line;
} sb_generator;

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
    char *path; /* the file it came from */
    char *text; /* the file's text, copied into the run folder */
    char name[SB_NAME_LEN];
    char *description; /* may be NULL */
    /* Runs of one family answer one question across settings: index.html
     * draws them side by side, each labelled with its setting. */
    char family[SB_NAME_LEN]; /* "" none */
    char setting[96];         /* what this member changes; default: its name */
    uint64_t seed;            /* default 1; --seed overrides */
    int64_t duration_ns;      /* how long the workload runs */
    sb_host *hosts;
    size_t n_hosts;
    int ssh; /* some host has an address: the ssh backend */
    sb_deployment deployment;
    sb_origin_spec origin;
    sb_client *clients;
    size_t n_clients;
    sb_workload workload;
    sb_fault *faults; /* the schedule: fixed faults, expanded random ones and
                         undo entries, sorted by at_ns (stable) */
    size_t n_faults;
    size_t n_fixed; /* faults[0..n_fixed) as written, before expansion */
    sb_fault *fixed;
    sb_generator *generators;
    size_t n_generators;
    char (*checkers)[SB_NAME_LEN]; /* checker names, in order */
    size_t n_checkers;
    sb_expect *expects; /* one per checker (defaults filled in) */
    size_t n_expects;
} sb_scenario;

int scenario_host_index(const sb_scenario *s, const char *name); /* -1 if none */
const sb_expect *scenario_expect(const sb_scenario *s, const char *checker);
int scenario_hostset_has(const sb_hostset *hs, int h);

/* Names of the enums, as scenario files write them. */
const char *scenario_fault_name(sb_fault_kind k);    /* "?" if none */
sb_fault_kind scenario_fault_find(const char *name); /* (sb_fault_kind)-1 if none; never undo */
const char *scenario_proc_name(sb_proc_kind k);      /* "redis", "sentinel", "both" */
const char *scenario_cache_strategy_name(sb_cache_strategy s); /* "lock", "memolock-fixed" */
/* The strategy named, and the herd bound it promises (one fetch per expiry:
 * 1, else 0); -1 if no strategy has that name. */
int scenario_cache_strategy_find(const char *name, sb_cache_strategy *s, int *herd_bound);
/* Whether hosts a and b see each other under a "groups" partition: they
 * share a group, or neither is named in any. */
int scenario_groups_connect(const sb_fault *f, int a, int b);

#endif
