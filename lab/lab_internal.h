/* lab_internal.h -- what the lab's files share: the lab's state, the host
 * backend table (lab_local.c, lab_ssh.c) through which lab.c acts on
 * hosts, and the pieces lab_clean.c needs. Not part of lab.h. */
#ifndef SB_LAB_INTERNAL_H
#define SB_LAB_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lab.h"
#include "sb_limits.h"

#define SB_NAME_MAX_LAB 64

typedef struct child_setup child_setup;

typedef struct lab_host {
    char name[SB_NAME_MAX_LAB];
    char addr[16];
    char netns[96];
    int fd;       /* open /run/netns/<netns>, -1 until created */
    int created;  /* the namespace file exists */
    int rulesets; /* firewall rulesets applied, for file names */
} lab_host;

struct sb_proc {
    sb_lab *lab;
    int host;
    char **argv;
    char **env; /* full environment for execve; NULL: inherit */
    char *cwd;
    char *log;
    pid_t pid;       /* 0 when not running (reaped); on the ssh backend the remote pid */
    int uploaded;    /* ssh backend: the files of cwd are on the host */
    int64_t log_off; /* ssh backend: bytes of the remote log mirrored so far */
};

struct lab_remote; /* the ssh backend's state (lab_ssh.c); NULL on the local lab */

/* A host backend: how the lab acts on its hosts. Adding a backend: a file
 * of its own with one of these and a constructor (lab_create_*) that
 * passes it to lab_alloc. Host and process arguments are checked by
 * lab.c before they get here. */
typedef struct sb_lab_backend {
    const char *name;
    /* The calling thread acts from host's side (its namespace, or its
     * placement's port range) until leave. */
    int (*enter)(const sb_lab *lab, int host, char *err);
    int (*leave)(const sb_lab *lab, char *err);
    /* Out of band: the controller's own connections to host, never cut
     * by the faults; *addr is the address to connect to. */
    int (*oob_enter)(const sb_lab *lab, int host, const char **addr, char *err);
    int (*oob_leave)(const sb_lab *lab, char *err);
    /* A command on host, to completion; 0 on exit status 0. */
    int (*exec)(sb_lab *lab, int host, char *const argv[], const char *stdin_text,
                int64_t timeout_ns, char *err);
    /* Starts p (again), setting p->pid. */
    int (*start)(sb_proc *p, char *err);
    /* Whether p (p->pid > 0) still runs; reaps it when it exited. */
    int (*running)(sb_proc *p);
    int (*signal)(sb_proc *p, int sig, char *err);
    /* SIGKILL, and wait until it is gone. */
    void (*kill)(sb_proc *p, char *err);
    /* The same change to a clock control file as the controller made
     * locally, where the host keeps its own copy. */
    int (*clock)(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                 int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err);
    /* A fault of the file-system layer on a data folder (lab_disk). */
    int (*disk)(sb_lab *lab, int host, const char *dir, char *const argv[], sb_buf *out, char *err);
    /* The root qdisc of host's interface (lab_qdisc), and whether netem
     * can run there (lab_netem_available). */
    int (*qdisc)(sb_lab *lab, int host, const sb_qdisc_req *req, char *err);
    int (*netem_available)(sb_lab *lab, int host, char *why, char *err);
    /* Teardown of what the backend made: its processes, namespaces, rules,
     * and the files it copies back. */
    void (*close)(sb_lab *lab);
} sb_lab_backend;

extern const sb_lab_backend lab_backend_local; /* lab_local.c */
extern const sb_lab_backend lab_backend_ssh;   /* lab_ssh.c */

struct sb_lab {
    const sb_lab_backend *be;
    struct lab_remote *rm;
    char run_id[8];
    char run_dir[4096];
    char switch_ns[96];
    int switch_created;
    lab_host *hosts;
    size_t n_hosts;
    int origin_fd; /* the creating thread's network namespace */
    int lock_fd;
    char lock_path[256];
    char runtime_dir[256]; /* /run/splitbrain/<id>.d: clock control files */
    pthread_mutex_t lock;  /* procs and log */
    sb_proc **procs;
    size_t n_procs, cap_procs;
    FILE *log;
    /* Every child is forked by this one thread: PR_SET_PDEATHSIG fires when
     * the forking *thread* exits, so forking from a short-lived thread (the
     * nemesis schedule) would kill a restarted server with it. */
    pthread_t spawner;
    int spawner_started;
    pthread_mutex_t sp_lock;
    pthread_cond_t sp_cond;
    struct spawn_req *sp_req;
    int sp_stop;
};

/* lab.c: the log of the lab's commands (lab.log). */
void lab_log(sb_lab *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* lab.c: a lab with backend be: the log, a run id, the lock, the spawner. */
sb_lab *lab_alloc(const sb_lab_backend *be, const char *const *host_names, size_t n_hosts,
                  const char *run_dir, char *err);
/* lab.c: argv as one line, for the log. */
void lab_argv_join(char *const argv[], char *buf, size_t len);
/* lab_local.c: the thread that forks every child (see struct sb_lab). */
void *lab_spawner_main(void *arg);

/* lab_ssh.c: the ssh backend behind the lab_* functions (see lab.h). */
struct sb_host;
int lab_ssh_open(sb_lab *lab, const struct sb_host *hosts, char *err);
const char *lab_host_spec_name(const struct sb_host *hosts, size_t i);
void lab_ssh_close(sb_lab *lab);
int lab_ssh_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text,
                 int64_t timeout_ns, char *err);
int lab_ssh_start(sb_proc *p, char *err);
int lab_ssh_clock(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                  int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err);
int lab_ssh_running(sb_proc *p);
int lab_ssh_signal(sb_proc *p, int sig, char *err);
/* How ssh reaches a scenario host (user, port, key, options). */
struct sb_ssh_target lab_ssh_target_of(const struct sb_host *h);

/* Absolute path of a system tool (ip, nft), whatever PATH says. */
const char *lab_tool_path(const char *name);

/* SIGKILLs every process whose network namespace is /run/netns/<name> and
 * waits (up to timeout_ns) until none is left. Returns how many it killed. */
int lab_ns_kill_all(const char *name, int64_t timeout_ns);

/* 1 when a live run holds the lock of run_id. */
int lab_run_alive(const char *run_id);

/* Unmounts and removes /run/netns/<name>. */
int lab_ns_delete(const char *name, char *err);
/* Removes a folder and the files directly in it; 0 or -1. */
int lab_rmdir_flat(const char *path);

#endif
