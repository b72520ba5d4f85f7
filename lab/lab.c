/* lab.c -- what every host backend shares, behind lab.h: the lab's log,
 * run id and lock, the processes it started (restart, stop, kill), the
 * firewall (nft through the backend's exec), teardown; each host
 * operation goes through lab->be, the backend's table: lab_local.c
 * (network namespaces on this machine) or lab_ssh.c (real hosts over
 * ssh). The removal of leftovers of killed runs is in lab_clean.c. */
#define _GNU_SOURCE
#include "lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "lab_internal.h"
#include "util.h"

/* ====== Small helpers ====== */

const char *lab_tool_path(const char *name)
{
    static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
    static __thread char path[64];
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
        if (access(path, X_OK) == 0)
            return path;
    }
    return name;
}

void lab_log(sb_lab *lab, const char *fmt, ...)
{
    if (!lab->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&lab->lock);
    vfprintf(lab->log, fmt, ap);
    fflush(lab->log);
    pthread_mutex_unlock(&lab->lock);
    va_end(ap);
}

static char **argv_dup(char *const argv[])
{
    size_t n = 0;
    while (argv[n])
        n++;
    char **out = sb_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = sb_xstrdup(argv[i]);
    return out;
}

void lab_argv_join(char *const argv[], char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; argv[i]; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " " : "", argv[i]);
}

/* ====== Creation ====== */

static int lab_lock(sb_lab *lab, char *err)
{
    if (sb_mkdir_p(SB_LAB_LOCK_DIR, err) == -1)
        return -1;
    snprintf(lab->lock_path, sizeof(lab->lock_path), "%s/%s.lock", SB_LAB_LOCK_DIR, lab->run_id);
    lab->lock_fd = open(lab->lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (lab->lock_fd == -1) {
        sb_err_set(err, "open(%s): %s", lab->lock_path, strerror(errno));
        return -1;
    }
    if (flock(lab->lock_fd, LOCK_EX | LOCK_NB) == -1) {
        sb_err_set(err, "flock(%s): %s", lab->lock_path, strerror(errno));
        return -1;
    }
    char text[4300];
    int n = snprintf(text, sizeof(text), "pid %d\nrun_dir %s\n", (int)getpid(), lab->run_dir);
    ssize_t ignored = write(lab->lock_fd, text, (size_t)n);
    (void)ignored;
    snprintf(lab->runtime_dir, sizeof(lab->runtime_dir), "%s/%s.d", SB_LAB_LOCK_DIR, lab->run_id);
    if (mkdir(lab->runtime_dir, 0755) == -1) {
        sb_err_set(err, "mkdir(%s): %s", lab->runtime_dir, strerror(errno));
        lab->runtime_dir[0] = '\0';
        return -1;
    }
    return 0;
}

const char *lab_runtime_dir(const sb_lab *lab)
{
    return lab->runtime_dir;
}

static int new_run_id(char *out, char *err)
{
    unsigned char b[3];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        sb_err_set(err, "getrandom: %s", strerror(errno));
        return -1;
    }
    snprintf(out, 8, "%02x%02x%02x", b[0], b[1], b[2]);
    return 0;
}

int lab_clock_apply(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                    int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err)
{
    return lab->be->clock(lab, host, ctl_path, monotonic, op, delta_ns, period_ns, duration_ns,
                          err);
}

int lab_disk(sb_lab *lab, int host, const char *dir, char *const argv[], sb_buf *out, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    char line[1024];
    lab_argv_join(argv, line, sizeof(line));
    lab_log(lab, "# disk on %s: %s %s\n", lab->hosts[host].name, dir, line);
    size_t from = out->len;
    int rc = lab->be->disk(lab, host, dir, argv, out, err);
    if (rc == -1)
        lab_log(lab, "# disk on %s: failed: %s\n", lab->hosts[host].name, err);
    else if (out->len > from)
        lab_log(lab, "# disk on %s: -> %.*s%s", lab->hosts[host].name, (int)(out->len - from),
                out->data + from, out->data[out->len - 1] == '\n' ? "" : "\n");
    return rc;
}

/* What both backends need: the log, a run id, the lock, the spawner. */
sb_lab *lab_alloc(const sb_lab_backend *be, const char *const *host_names, size_t n_hosts,
                  const char *run_dir, char *err)
{
    if (n_hosts == 0 || n_hosts > SB_MAX_HOSTS) {
        sb_err_set(err, "a lab needs 1..%d hosts, not %zu", SB_MAX_HOSTS, n_hosts);
        return NULL;
    }
    sb_lab *lab = sb_xcalloc(1, sizeof(*lab));
    lab->be = be;
    pthread_mutex_init(&lab->lock, NULL);
    pthread_mutex_init(&lab->sp_lock, NULL);
    pthread_cond_init(&lab->sp_cond, NULL);
    lab->lock_fd = -1;
    lab->origin_fd = -1;
    snprintf(lab->run_dir, sizeof(lab->run_dir), "%s", run_dir);
    lab->hosts = sb_xcalloc(n_hosts, sizeof(lab_host));
    lab->n_hosts = n_hosts;
    for (size_t i = 0; i < n_hosts; i++)
        lab->hosts[i].fd = -1;
    char path[4200];
    snprintf(path, sizeof(path), "%s/lab.log", run_dir);
    if (!(lab->log = fopen(path, "ae"))) {
        sb_err_set(err, "fopen(%s): %s", path, strerror(errno));
        goto fail;
    }
    if (new_run_id(lab->run_id, err) == -1 || lab_lock(lab, err) == -1)
        goto fail;
    lab->origin_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (lab->origin_fd == -1) {
        sb_err_set(err, "open(/proc/thread-self/ns/net): %s", strerror(errno));
        goto fail;
    }
    int e = pthread_create(&lab->spawner, NULL, lab_spawner_main, lab);
    if (e) {
        sb_err_set(err, "pthread_create(spawner): %s", strerror(e));
        goto fail;
    }
    lab->spawner_started = 1;
    snprintf(lab->switch_ns, sizeof(lab->switch_ns), "%s%s-switch", SB_LAB_PREFIX, lab->run_id);
    for (size_t i = 0; i < n_hosts; i++)
        snprintf(lab->hosts[i].name, sizeof(lab->hosts[i].name), "%s", host_names[i]);
    return lab;
fail:
    lab_destroy(lab);
    return NULL;
}

/* ====== Accessors ====== */

const char *lab_run_id(const sb_lab *lab)
{
    return lab->run_id;
}

size_t lab_host_count(const sb_lab *lab)
{
    return lab->n_hosts;
}

const char *lab_host_name(const sb_lab *lab, int host)
{
    return host >= 0 && (size_t)host < lab->n_hosts ? lab->hosts[host].name : "?";
}

const char *lab_host_addr(const sb_lab *lab, int host)
{
    return host >= 0 && (size_t)host < lab->n_hosts ? lab->hosts[host].addr : "0.0.0.0";
}

const char *lab_host_netns(const sb_lab *lab, int host)
{
    return host >= 0 && (size_t)host < lab->n_hosts ? lab->hosts[host].netns : "";
}

int lab_host_by_addr(const sb_lab *lab, const char *addr)
{
    for (size_t i = 0; i < lab->n_hosts; i++)
        if (strcmp(lab->hosts[i].addr, addr) == 0)
            return (int)i;
    return -1;
}

int lab_enter(const sb_lab *lab, int host, char *err)
{
    return lab->be->enter(lab, host, err);
}

int lab_leave(const sb_lab *lab, char *err)
{
    return lab->be->leave(lab, err);
}

/* ====== Commands and processes ====== */

int lab_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text, int64_t timeout_ns,
             char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    return lab->be->exec(lab, host, argv, stdin_text, timeout_ns, err);
}

sb_proc *lab_spawn(sb_lab *lab, int host, char *const argv[], const char *cwd, const char *log_path,
                   char *err)
{
    return lab_spawn_env(lab, host, argv, NULL, cwd, log_path, err);
}

sb_proc *lab_spawn_env(sb_lab *lab, int host, char *const argv[], char *const env[],
                       const char *cwd, const char *log_path, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return NULL;
    }
    sb_proc *p = sb_xcalloc(1, sizeof(*p));
    p->lab = lab;
    p->host = host;
    p->argv = argv_dup(argv);
    p->env = sb_env_with(env);
    p->cwd = sb_xstrdup(cwd);
    p->log = sb_xstrdup(log_path);
    if (lab->be->start(p, err) == -1) {
        sb_strv_free(p->argv);
        sb_strv_free(p->env);
        free(p->cwd);
        free(p->log);
        free(p);
        return NULL;
    }
    pthread_mutex_lock(&lab->lock);
    if (lab->n_procs == lab->cap_procs) {
        lab->cap_procs = lab->cap_procs ? lab->cap_procs * 2 : 16;
        lab->procs = sb_xrealloc(lab->procs, lab->cap_procs * sizeof(sb_proc *));
    }
    lab->procs[lab->n_procs++] = p;
    pthread_mutex_unlock(&lab->lock);
    return p;
}

pid_t lab_proc_pid(const sb_proc *p)
{
    return p->pid;
}

int lab_proc_host(const sb_proc *p)
{
    return p->host;
}

int lab_proc_running(sb_proc *p)
{
    if (p->pid <= 0)
        return 0;
    return p->lab->be->running(p);
}

int lab_proc_signal(sb_proc *p, int sig, char *err)
{
    if (!lab_proc_running(p)) {
        sb_err_set(err, "%s on %s is not running", p->argv[0], p->lab->hosts[p->host].name);
        return -1;
    }
    return p->lab->be->signal(p, sig, err);
}

int lab_proc_kill(sb_proc *p, char *err)
{
    (void)err;
    if (!lab_proc_running(p))
        return 0;
    p->lab->be->kill(p, err);
    lab_log(p->lab, "# killed pid %d on %s\n", (int)p->pid, p->lab->hosts[p->host].name);
    p->pid = 0;
    return 0;
}

int lab_proc_stop(sb_proc *p, int64_t grace_ns, char *err)
{
    if (!lab_proc_running(p))
        return 0;
    p->lab->be->signal(p, SIGTERM, err);
    int64_t deadline = sb_now_ns() + grace_ns;
    while (sb_now_ns() < deadline) {
        if (!lab_proc_running(p))
            return 0;
        sb_sleep_ns(5 * SB_NS_PER_MS);
    }
    return lab_proc_kill(p, err);
}

int lab_proc_restart(sb_proc *p, char *err)
{
    if (lab_proc_running(p)) {
        sb_err_set(err, "%s on %s is still running", p->argv[0], p->lab->hosts[p->host].name);
        return -1;
    }
    return p->lab->be->start(p, err);
}

/* ====== Firewall ====== */

/* Creating the table first makes the delete succeed whether or not it
 * existed; the whole input is one nft transaction. */
#define NFT_RESET "table inet splitbrain\ndelete table inet splitbrain\n"

int lab_firewall_set(sb_lab *lab, int host, const char *nft_ruleset, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    lab_host *h = &lab->hosts[host];
    char dir[4200], path[4400];
    snprintf(dir, sizeof(dir), "%s/faults", lab->run_dir);
    if (sb_mkdir_p(dir, err) == -1)
        return -1;
    snprintf(path, sizeof(path), "%s/%s-%d.nft", dir, h->name, ++h->rulesets);
    if (sb_write_file(path, nft_ruleset, strlen(nft_ruleset), err) == -1)
        return -1;
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, NFT_RESET);
    sb_buf_puts(&b, nft_ruleset);
    char *argv[] = {(char *)lab_tool_path("nft"), "-f", "-", NULL};
    int rc = lab_exec(lab, host, argv, b.data, SB_TOOL_TIMEOUT_NS, err);
    sb_buf_free(&b);
    return rc;
}

int lab_firewall_clear(sb_lab *lab, int host, char *err)
{
    char *argv[] = {(char *)lab_tool_path("nft"), "-f", "-", NULL};
    return lab_exec(lab, host, argv, NFT_RESET, SB_TOOL_TIMEOUT_NS, err);
}

/* ====== Traffic control ====== */

int lab_qdisc(sb_lab *lab, int host, const sb_qdisc_req *req, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    return lab->be->qdisc(lab, host, req, err);
}

int lab_netem_available(sb_lab *lab, int host, char *why, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    return lab->be->netem_available(lab, host, why, err);
}

/* ====== Teardown ====== */

void lab_destroy(sb_lab *lab)
{
    if (!lab)
        return;
    lab->be->close(lab); /* the backend's processes, namespaces or hosts */
    if (lab->spawner_started) {
        pthread_mutex_lock(&lab->sp_lock);
        lab->sp_stop = 1;
        pthread_cond_broadcast(&lab->sp_cond);
        pthread_mutex_unlock(&lab->sp_lock);
        pthread_join(lab->spawner, NULL);
    }
    pthread_mutex_destroy(&lab->sp_lock);
    pthread_cond_destroy(&lab->sp_cond);
    if (lab->origin_fd >= 0)
        close(lab->origin_fd);
    if (lab->runtime_dir[0])
        lab_rmdir_flat(lab->runtime_dir);
    if (lab->lock_fd >= 0) {
        unlink(lab->lock_path);
        close(lab->lock_fd);
    }
    for (size_t i = 0; i < lab->n_procs; i++) {
        sb_strv_free(lab->procs[i]->argv);
        sb_strv_free(lab->procs[i]->env);
        free(lab->procs[i]->cwd);
        free(lab->procs[i]->log);
        free(lab->procs[i]);
    }
    free(lab->procs);
    if (lab->log)
        fclose(lab->log);
    free(lab->hosts);
    pthread_mutex_destroy(&lab->lock);
    free(lab);
}

/* ====== Placement and out-of-band access ====== */

int lab_is_remote(const sb_lab *lab)
{
    return lab && lab->rm != NULL;
}

int lab_oob_enter(const sb_lab *lab, int host, const char **addr, char *err)
{
    return lab->be->oob_enter(lab, host, addr, err);
}

int lab_oob_leave(const sb_lab *lab, char *err)
{
    return lab->be->oob_leave(lab, err);
}
