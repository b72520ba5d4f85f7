/* lab_internal.h -- pieces shared by lab.c and lab_clean.c; not part of the
 * backend's interface. */
#ifndef SB_LAB_INTERNAL_H
#define SB_LAB_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "lab.h"

#define SB_NAME_MAX_LAB 64
#define SB_MAX_HOSTS_LAB 64

typedef struct child_setup child_setup;

typedef struct lab_host {
    char name[SB_NAME_MAX_LAB];
    char addr[16];
    char netns[96];
    int fd;      /* open /run/netns/<netns>, -1 until created */
    int created; /* the namespace file exists */
    int rulesets; /* firewall rulesets applied, for file names */
} lab_host;

struct sb_proc {
    sb_lab *lab;
    int host;
    char **argv;
    char **env;       /* full environment for execve; NULL: inherit */
    char *cwd;
    char *log;
    pid_t pid; /* 0 when not running (reaped); on the ssh backend the remote pid */
    int uploaded; /* ssh backend: the files of cwd are on the host */
    int64_t log_off; /* ssh backend: bytes of the remote log mirrored so far */
};

struct lab_remote; /* the ssh backend's state (lab_ssh.c); NULL on the local lab */

struct sb_lab {
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
    pthread_mutex_t lock; /* procs and log */
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
