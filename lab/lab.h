/* lab.h -- the local backend: a lab of hosts made of network namespaces.
 *
 * Every host is a network namespace "sb-<runid>-<host>" with one interface
 * eth0 (address 10.77.0.<10+i>/24) and a loopback. The eth0s are veth peers
 * of ports on a bridge that lives in a namespace of its own,
 * "sb-<runid>-switch", so the machine's own network namespace is never
 * changed. Because every run's namespaces are private, concurrent runs use
 * the same addresses without meeting.
 *
 * Processes are children of the harness started inside a host's namespace
 * (fork, setns, exec) with PR_SET_PDEATHSIG so they die with it. A run holds
 * an flock on /run/splitbrain/<runid>.lock while alive; lab_clean() removes
 * namespaces (and every process inside them) of runs whose lock is free. */
#ifndef SB_LAB_H
#define SB_LAB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "qdisc.h" /* sb_netem, SB_QDISC_UNSUPPORTED */
#include "util.h"  /* sb_buf */

#define SB_LAB_PREFIX "sb-"
#define SB_LAB_LOCK_DIR "/run/splitbrain"

typedef struct sb_lab sb_lab;
typedef struct sb_proc sb_proc;

/* Creates the namespaces, bridge and links; on failure removes whatever it
 * had created and returns NULL with err. run_dir receives lab.log (the
 * commands run, with their output). */
sb_lab *lab_create(const char *const *host_names, size_t n_hosts, const char *run_dir, char *err);
/* The ssh backend: hosts with an address are remote machines driven over
 * ssh (lab_ssh.c); hosts without one place clients on this machine. Same
 * functions as the local lab afterwards, except that lab_enter() only marks
 * the calling thread's placement: its Redis connections (client_connect)
 * then leave from the host's own local port range, which the remote
 * firewall rules match. Every remote file of the run lives under
 * <dir>/<runid>/ on the host and is copied back into run_dir at the end. */
struct sb_host;
sb_lab *lab_create_remote(const struct sb_host *hosts, size_t n_hosts, const char *run_dir,
                          char *err);
int lab_is_remote(const sb_lab *lab);
/* The address remote host sees this machine at (ssh backend), else NULL. */
const char *lab_control_addr_of(const sb_lab *lab, int host);
/* The local port range [lo, hi] of clients placed on host (ssh backend). */
void lab_port_range(const sb_lab *lab, int host, int *lo, int *hi);
/* A TCP connection to addr:port from the calling thread's placement (ssh
 * backend, after lab_enter): fd, or -1 with err; -2 when the thread has no
 * placement (connect as usual). */
int lab_placement_connect(const char *addr, int port, int64_t timeout_ns, char *err, size_t errlen);
/* Where the harness reaches a host's own services out of band (never
 * partitioned): loopback inside its namespace on the local lab (after
 * lab_enter), its address on the ssh backend (no placement). */
int lab_oob_enter(const sb_lab *lab, int host, const char **addr, char *err);
int lab_oob_leave(const sb_lab *lab, char *err);

/* Kills and reaps every process the lab started, removes namespaces,
 * releases the lock. Idempotent, safe on a half-built lab; frees. */
void lab_destroy(sb_lab *lab);

const char *lab_run_id(const sb_lab *lab);
size_t lab_host_count(const sb_lab *lab);
const char *lab_host_name(const sb_lab *lab, int host);
const char *lab_host_addr(const sb_lab *lab, int host);    /* "10.77.0.11" */
const char *lab_host_netns(const sb_lab *lab, int host);   /* "sb-ab12cd-n1" */
int lab_host_by_addr(const sb_lab *lab, const char *addr); /* -1 if none */
/* /run/splitbrain/<runid>.d: files processes of the run share with the
 * harness (clock control). Removed with the lab, and by lab_clean. */
const char *lab_runtime_dir(const sb_lab *lab);

/* After a clock control file under lab_runtime_dir() changed (clockctl.h):
 * on the ssh backend the host's copy, which the process there maps, gets
 * the same change from the host's own sbclockctl (a strobe's window on the
 * host's monotonic clock). op: "bump", "set", "strobe" or "reset"; delta_ns
 * is the offset for bump/set. On the local lab the processes map that very
 * file: nothing to do. 0, or -1 with err. */
int lab_clock_apply(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                    int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err);

/* The file-system layer's faults on a data folder of host (dir: its local
 * path under run_dir; the host's own copy on the ssh backend), in
 * sbdiskctl's language (diskloss_ctl, argv NULL-terminated: "init",
 * "power-loss", "corrupt aof cut 100", ...). Applied in process on the
 * local lab; on the ssh backend by the host's own sbdiskctl, copied there
 * with libsbdisk.so. The fault's JSON line (power-loss, corrupt,
 * compact) is appended to out. The command and its result go to lab.log.
 * 0, or -1 with err. */
int lab_disk(sb_lab *lab, int host, const char *dir, char *const argv[], sb_buf *out, char *err);

/* Moves the calling thread into the host's network namespace: sockets it
 * opens afterwards live there. lab_leave() returns it to the namespace the
 * lab was created from. */
int lab_enter(const sb_lab *lab, int host, char *err);
int lab_leave(const sb_lab *lab, char *err);

/* Runs argv inside the host's namespace to completion (deadline timeout_ns;
 * killed past it), stdin from stdin_text if non-NULL, output appended to
 * lab.log. Returns 0 when it exited 0, else -1 with err holding the exit
 * status and the last line it printed. */
int lab_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text, int64_t timeout_ns,
             char *err);

/* Starts a long-running process in the host's namespace with cwd as its
 * working directory and stdout/stderr appended to log_path. The lab owns the
 * returned handle (freed by lab_destroy). */
sb_proc *lab_spawn(sb_lab *lab, int host, char *const argv[], const char *cwd, const char *log_path,
                   char *err);
/* Same, with extra "NAME=value" environment entries (NULL-terminated). */
sb_proc *lab_spawn_env(sb_lab *lab, int host, char *const argv[], char *const env[],
                       const char *cwd, const char *log_path, char *err);
pid_t lab_proc_pid(const sb_proc *p); /* 0 when not running */
int lab_proc_host(const sb_proc *p);
int lab_proc_running(sb_proc *p); /* reaps it if it exited */
int lab_proc_signal(sb_proc *p, int sig, char *err);
/* SIGKILL and reap. */
int lab_proc_kill(sb_proc *p, char *err);
/* SIGTERM, wait up to grace_ns, then SIGKILL; reaps. */
int lab_proc_stop(sb_proc *p, int64_t grace_ns, char *err);
/* Starts the same command again (after kill/stop). */
int lab_proc_restart(sb_proc *p, char *err);

/* Firewall rules of a host: an nftables ruleset in table "inet splitbrain",
 * replacing what was there. lab_firewall_clear removes the table. */
int lab_firewall_set(sb_lab *lab, int host, const char *nft_ruleset, char *err);
int lab_firewall_clear(sb_lab *lab, int host, char *err);

/* Traffic control: the root qdisc of host's interface (eth0 of its
 * namespace; on the ssh backend the interface that holds its address). */
typedef struct sb_qdisc_req {
    enum { SB_QDISC_CLEAR, SB_QDISC_TBF, SB_QDISC_NETEM } kind;
    uint64_t rate_bytes; /* TBF: bytes/s, burst, and how long a packet may wait */
    uint32_t burst_bytes;
    int64_t latency_ns;
    sb_netem netem; /* NETEM */
} sb_qdisc_req;
/* 0, -1 with err, or SB_QDISC_UNSUPPORTED (no sch_netem on the host). */
int lab_qdisc(sb_lab *lab, int host, const sb_qdisc_req *req, char *err);
/* Whether host can run netem: 1 yes, 0 no (why says why), -1 the probe
 * failed (err). */
int lab_netem_available(sb_lab *lab, int host, char *why, char *err);

/* Removes what killed runs left: namespaces named sb-* whose run's lock is
 * free (or all of ours when force), every process inside them, stale lock
 * files. Writes one line per removed thing to log (may be NULL). Returns the
 * number of things removed, or -1 with err. */
int lab_clean(int force, void (*log)(const char *line, void *arg), void *arg, char *err);

/* The ssh backend's clean: on every remote host of hosts, for each run
 * folder <dir>/<runid> whose run is not alive here (or all with force):
 * kills the processes started from it, removes it, and removes the
 * firewall table when no live run remains on the host. Returns the number
 * of things removed, or -1 with err (a host that cannot be reached). */
int lab_clean_remote(const struct sb_host *hosts, size_t n_hosts, int force,
                     void (*log)(const char *line, void *arg), void *arg, char *err);

#endif
