/* lab_local.c -- the local host backend: each host a network namespace
 * on a private bridge (itself in a namespace of its own, so the
 * machine's network is never touched), commands and processes started
 * inside them by one spawner thread, teardown of the namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diskloss.h"
#include "lab_internal.h"
#include "qdisc.h"
#include "util.h"

#define LAB_SUBNET "10.77.0."
#define LAB_FIRST_ADDR 10

typedef struct spawn_req {
    child_setup *cs;
    char *const *argv;
    char *err;
    pid_t pid;
    int done;
} spawn_req;

/* ====== Children ======
 * Everything a child needs is prepared before fork: after fork in a
 * multi-threaded process only async-signal-safe calls are allowed. */

struct child_setup {
    int nsfd;          /* -1: stay in the caller's namespace */
    const char *cwd;   /* NULL: keep */
    int in_fd, out_fd; /* become stdin, stdout+stderr */
    int report_fd;     /* CLOEXEC pipe: errno of a failed step */
    int own_group;     /* setpgid(0,0): terminal signals reach only us */
    char *const *env;  /* NULL: inherit the harness's environment */
};

static void child_fail(int report_fd, int stage)
{
    int msg[2] = {stage, errno};
    ssize_t ignored = write(report_fd, msg, sizeof(msg));
    (void)ignored;
    _exit(127);
}

enum { STAGE_SETNS = 1, STAGE_CHDIR, STAGE_EXEC, STAGE_PDEATH };
static const char *const stage_names[] = {"", "setns", "chdir", "exec", "prctl"};

static void child_exec(const child_setup *cs, pid_t parent, char *const argv[])
{
    if (cs->own_group)
        setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
        child_fail(cs->report_fd, STAGE_PDEATH);
    if (getppid() != parent)
        _exit(127); /* the harness died between fork and prctl */
    if (cs->nsfd >= 0 && setns(cs->nsfd, CLONE_NEWNET) == -1)
        child_fail(cs->report_fd, STAGE_SETNS);
    if (cs->cwd && chdir(cs->cwd) == -1)
        child_fail(cs->report_fd, STAGE_CHDIR);
    dup2(cs->in_fd, STDIN_FILENO);
    dup2(cs->out_fd, STDOUT_FILENO);
    dup2(cs->out_fd, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL);
    /* Close everything else but the report pipe (closed by exec). */
    for (int fd = 3; fd < 1024; fd++)
        if (fd != cs->report_fd)
            close(fd);
    if (cs->env)
        execve(argv[0], argv, cs->env);
    else
        execv(argv[0], argv);
    child_fail(cs->report_fd, STAGE_EXEC);
}

/* Forks a child per cs; returns its pid, or -1 with err naming the step
 * that failed in the child (e.g. exec of a missing binary). */
static pid_t child_start(child_setup *cs, char *const argv[], char *err)
{
    int rep[2];
    if (pipe2(rep, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        return -1;
    }
    cs->report_fd = rep[1];
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1) {
        sb_err_set(err, "fork: %s", strerror(errno));
        close(rep[0]);
        close(rep[1]);
        return -1;
    }
    if (pid == 0)
        child_exec(cs, parent, argv);
    close(rep[1]);
    int msg[2];
    ssize_t n;
    while ((n = read(rep[0], msg, sizeof(msg))) == -1 && errno == EINTR)
        ;
    close(rep[0]);
    if (n == (ssize_t)sizeof(msg)) {
        waitpid(pid, NULL, 0);
        sb_err_set(err, "%s(%s): %s", stage_names[msg[0]], argv[0], strerror(msg[1]));
        return -1;
    }
    return pid;
}

void *lab_spawner_main(void *arg)
{
    sb_lab *lab = arg;
    pthread_mutex_lock(&lab->sp_lock);
    for (;;) {
        while (!lab->sp_req && !lab->sp_stop)
            pthread_cond_wait(&lab->sp_cond, &lab->sp_lock);
        if (lab->sp_stop)
            break;
        spawn_req *r = lab->sp_req;
        lab->sp_req = NULL;
        pthread_mutex_unlock(&lab->sp_lock);
        r->pid = child_start(r->cs, r->argv, r->err);
        pthread_mutex_lock(&lab->sp_lock);
        r->done = 1;
        pthread_cond_broadcast(&lab->sp_cond);
    }
    pthread_mutex_unlock(&lab->sp_lock);
    return NULL;
}

/* child_start, on the lab's spawner thread. */
static pid_t lab_child_start(sb_lab *lab, child_setup *cs, char *const argv[], char *err)
{
    spawn_req r = {.cs = cs, .argv = argv, .err = err};
    pthread_mutex_lock(&lab->sp_lock);
    while (lab->sp_req) /* one request at a time */
        pthread_cond_wait(&lab->sp_cond, &lab->sp_lock);
    lab->sp_req = &r;
    pthread_cond_broadcast(&lab->sp_cond);
    while (!r.done)
        pthread_cond_wait(&lab->sp_cond, &lab->sp_lock);
    pthread_mutex_unlock(&lab->sp_lock);
    return r.pid;
}

/* Waits for pid until deadline (monotonic ns); kills it past the deadline.
 * Returns the wait status, or -1 if it had to be killed. */
static int child_wait(pid_t pid, int64_t deadline)
{
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r == -1 && errno != EINTR)
            return -1;
        if (sb_now_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        sb_sleep_ns(2 * SB_NS_PER_MS);
    }
}

/* Runs argv to completion in namespace nsfd (-1: the caller's), feeding
 * stdin_text and logging its output. 0 on exit status 0. */
static int run_cmd(sb_lab *lab, int nsfd, const char *where, char *const argv[],
                   const char *stdin_text, int64_t timeout_ns, char *err)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        return -1;
    }
    char cmd[1024];
    lab_argv_join(argv, cmd, sizeof(cmd));
    lab_log(lab, "$ [%s] %s\n", where, cmd);
    if (stdin_text)
        lab_log(lab, "%s%s", stdin_text,
                stdin_text[0] && stdin_text[strlen(stdin_text) - 1] == '\n' ? "" : "\n");
    child_setup cs = {.nsfd = nsfd, .in_fd = in[0], .out_fd = out[1], .own_group = 1};
    pid_t pid = lab_child_start(lab, &cs, argv, err);
    close(in[0]);
    close(out[1]);
    if (pid == -1) {
        close(in[1]);
        close(out[0]);
        return -1;
    }
    if (stdin_text) {
        size_t off = 0, len = strlen(stdin_text);
        while (off < len) {
            ssize_t n = write(in[1], stdin_text + off, len - off);
            if (n <= 0 && errno != EINTR)
                break;
            if (n > 0)
                off += (size_t)n;
        }
    }
    close(in[1]);
    int64_t deadline = sb_now_ns() + timeout_ns;
    sb_buf output;
    sb_buf_init(&output);
    char chunk[4096];
    for (;;) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        int64_t left = deadline - sb_now_ns();
        if (left <= 0)
            break;
        int r = poll(&p, 1, (int)(left / SB_NS_PER_MS) + 1);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = read(out[0], chunk, sizeof(chunk));
        if (n <= 0)
            break;
        sb_buf_append(&output, chunk, (size_t)n);
    }
    close(out[0]);
    int status = child_wait(pid, deadline);
    if (output.len)
        lab_log(lab, "%s%s", output.data, output.data[output.len - 1] == '\n' ? "" : "\n");
    int rc = 0;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* the last non-empty line of its output says why */
        char last[256] = "";
        if (output.len) {
            char *p = output.data + output.len;
            while (p > output.data && (p[-1] == '\n' || p[-1] == '\r'))
                *--p = '\0';
            char *nl = strrchr(output.data, '\n');
            snprintf(last, sizeof(last), "%s", nl ? nl + 1 : output.data);
        }
        if (status == -1)
            sb_err_set(err, "%s on %s timed out", cmd, where);
        else
            sb_err_set(err, "%s on %s exited %d%s%s", cmd, where,
                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                       last[0] ? ": " : "", last);
        rc = -1;
    }
    sb_buf_free(&output);
    return rc;
}

/* ====== Namespaces ====== */

static int open_ns(const char *name, char *err)
{
    char path[256];
    snprintf(path, sizeof(path), "/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        sb_err_set(err, "open(%s): %s", path, strerror(errno));
    return fd;
}

static int build_namespaces(sb_lab *lab, char *err)
{
    const char *ip = lab_tool_path("ip");
    /* One ip process creates every namespace. */
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_printf(&b, "netns add %s\n", lab->switch_ns);
    for (size_t i = 0; i < lab->n_hosts; i++)
        sb_buf_printf(&b, "netns add %s\n", lab->hosts[i].netns);
    char *add[] = {(char *)ip, "-batch", "-", NULL};
    /* Mark them as ours before creating, so teardown removes even a
     * partially made set. */
    lab->switch_created = 1;
    for (size_t i = 0; i < lab->n_hosts; i++)
        lab->hosts[i].created = 1;
    int rc = run_cmd(lab, -1, "root", add, b.data, SB_TOOL_TIMEOUT_NS, err);
    sb_buf_reset(&b);
    if (rc == -1)
        goto out;

    /* The bridge and one port per host live in the switch namespace; the
     * ports' peers become the hosts' eth0. */
    sb_buf_puts(&b, "link add br0 type bridge\nlink set br0 up\n");
    for (size_t i = 0; i < lab->n_hosts; i++)
        sb_buf_printf(&b,
                      "link add p%zu type veth peer name eth0 netns %s\n"
                      "link set p%zu master br0\nlink set p%zu up\n",
                      i, lab->hosts[i].netns, i, i);
    char *sw[] = {(char *)ip, "-n", lab->switch_ns, "-batch", "-", NULL};
    if ((rc = run_cmd(lab, -1, "root", sw, b.data, SB_TOOL_TIMEOUT_NS, err)) == -1)
        goto out;
    for (size_t i = 0; i < lab->n_hosts; i++) {
        lab_host *h = &lab->hosts[i];
        sb_buf_reset(&b);
        sb_buf_printf(&b, "link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n", h->addr);
        char *hc[] = {(char *)ip, "-n", h->netns, "-batch", "-", NULL};
        if ((rc = run_cmd(lab, -1, "root", hc, b.data, SB_TOOL_TIMEOUT_NS, err)) == -1)
            goto out;
        if ((h->fd = open_ns(h->netns, err)) == -1) {
            rc = -1;
            goto out;
        }
    }
out:
    sb_buf_free(&b);
    return rc;
}

sb_lab *lab_create(const char *const *host_names, size_t n_hosts, const char *run_dir, char *err)
{
    sb_lab *lab = lab_alloc(&lab_backend_local, host_names, n_hosts, run_dir, err);
    if (!lab)
        return NULL;
    for (size_t i = 0; i < n_hosts; i++) {
        lab_host *h = &lab->hosts[i];
        snprintf(h->addr, sizeof(h->addr), LAB_SUBNET "%u", (unsigned char)(LAB_FIRST_ADDR + i));
        snprintf(h->netns, sizeof(h->netns), "%s%s-%s", SB_LAB_PREFIX, lab->run_id, h->name);
    }
    lab_log(lab, "# lab %s: %zu hosts\n", lab->run_id, n_hosts);
    if (build_namespaces(lab, err) == -1) {
        lab_destroy(lab);
        return NULL;
    }
    return lab;
}

/* ====== The backend ====== */

static int local_enter(const sb_lab *lab, int host, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts || lab->hosts[host].fd < 0) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    if (setns(lab->hosts[host].fd, CLONE_NEWNET) == -1) {
        sb_err_set(err, "setns(%s): %s", lab->hosts[host].netns, strerror(errno));
        return -1;
    }
    return 0;
}

static int local_leave(const sb_lab *lab, char *err)
{
    if (setns(lab->origin_fd, CLONE_NEWNET) == -1) {
        sb_err_set(err, "setns(back to the harness's namespace): %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Out of band on the local lab: from inside the host's namespace, on its
 * loopback. */
static int local_oob_enter(const sb_lab *lab, int host, const char **addr, char *err)
{
    *addr = "127.0.0.1";
    return local_enter(lab, host, err);
}

static int local_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text,
                      int64_t timeout_ns, char *err)
{
    return run_cmd(lab, lab->hosts[host].fd, lab->hosts[host].name, argv, stdin_text, timeout_ns,
                   err);
}

static int local_start(sb_proc *p, char *err)
{
    sb_lab *lab = p->lab;
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (in == -1 || out == -1) {
        sb_err_set(err, "open(%s): %s", out == -1 ? p->log : "/dev/null", strerror(errno));
        if (in != -1)
            close(in);
        if (out != -1)
            close(out);
        return -1;
    }
    child_setup cs = {.nsfd = lab->hosts[p->host].fd,
                      .cwd = p->cwd,
                      .in_fd = in,
                      .out_fd = out,
                      .own_group = 1,
                      .env = p->env};
    pid_t pid = lab_child_start(lab, &cs, p->argv, err);
    close(in);
    close(out);
    if (pid == -1)
        return -1;
    p->pid = pid;
    char cmd[1024];
    lab_argv_join(p->argv, cmd, sizeof(cmd));
    lab_log(lab, "# started pid %d on %s: %s\n", (int)pid, lab->hosts[p->host].name, cmd);
    return 0;
}

static int local_running(sb_proc *p)
{
    int status;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == p->pid || (r == -1 && errno == ECHILD)) {
        lab_log(p->lab, "# pid %d on %s exited (status %d)\n", (int)p->pid,
                p->lab->hosts[p->host].name, r == p->pid ? status : -1);
        p->pid = 0;
        return 0;
    }
    return 1;
}

static int local_signal(sb_proc *p, int sig, char *err)
{
    if (kill(p->pid, sig) == -1) {
        sb_err_set(err, "kill(%d, %d): %s", (int)p->pid, sig, strerror(errno));
        return -1;
    }
    return 0;
}

static void local_kill(sb_proc *p, char *err)
{
    (void)err;
    kill(p->pid, SIGKILL);
    int status;
    while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
        ;
}

/* The shim's control files are local files: nothing more to do. */
static int local_clock(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                       int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err)
{
    (void)lab, (void)host, (void)ctl_path, (void)monotonic, (void)op, (void)delta_ns;
    (void)period_ns, (void)duration_ns, (void)err;
    return 0;
}

/* The data folders are this machine's: the layer's faults in process. */
static int local_disk(sb_lab *lab, int host, const char *dir, char *const argv[], sb_buf *out,
                      char *err)
{
    (void)lab, (void)host;
    return diskloss_ctl(dir, argv, out, err);
}

/* Traffic control with libnl, from inside the host's namespace. */
static int local_qdisc(sb_lab *lab, int host, const sb_qdisc_req *req, char *err)
{
    if (local_enter(lab, host, err) == -1)
        return -1;
    int rc;
    switch (req->kind) {
    case SB_QDISC_TBF:
        rc = qdisc_tbf_set("eth0", req->rate_bytes, req->burst_bytes, req->latency_ns, err);
        break;
    case SB_QDISC_NETEM:
        rc = qdisc_netem_set("eth0", &req->netem, err);
        break;
    default:
        rc = qdisc_clear("eth0", err);
        break;
    }
    char lerr[SB_ERR_LEN];
    if (local_leave(lab, lerr) == -1) {
        sb_err_set(err, "%s", lerr);
        return -1;
    }
    return rc;
}

static int local_netem_available(sb_lab *lab, int host, char *why, char *err)
{
    if (local_enter(lab, host, err) == -1)
        return -1;
    int r = qdisc_netem_available("lo", why);
    if (r == -1)
        sb_err_set(err, "%s", why);
    char lerr[SB_ERR_LEN];
    if (local_leave(lab, lerr) == -1) {
        sb_err_set(err, "%s", lerr);
        return -1;
    }
    return r;
}

/* Every process started, then anything else inside our namespaces
 * (nothing should be), then the namespaces. */
static void local_close(sb_lab *lab)
{
    char err[SB_ERR_LEN];
    pthread_mutex_lock(&lab->lock);
    size_t n = lab->n_procs;
    pthread_mutex_unlock(&lab->lock);
    for (size_t i = 0; i < n; i++)
        lab_proc_kill(lab->procs[i], err);
    const char *names[SB_MAX_HOSTS + 1];
    size_t nn = 0;
    for (size_t i = 0; i < lab->n_hosts; i++)
        if (lab->hosts[i].created)
            names[nn++] = lab->hosts[i].netns;
    if (lab->switch_created)
        names[nn++] = lab->switch_ns;
    for (size_t i = 0; i < nn; i++) {
        int killed = lab_ns_kill_all(names[i], SB_KILL_WAIT_NS);
        if (killed > 0)
            lab_log(lab, "# killed %d stray processes in %s\n", killed, names[i]);
    }
    for (size_t i = 0; i < lab->n_hosts; i++)
        if (lab->hosts[i].fd >= 0)
            close(lab->hosts[i].fd);
    for (size_t i = 0; i < nn; i++) {
        /* A busy mount point can refuse for a moment (a process that was
         * just killed still holds it): retry for up to 2 s, then say so. */
        int rc = -1;
        for (int attempt = 0; attempt < 20 && (rc = lab_ns_delete(names[i], err)) == -1; attempt++)
            sb_sleep_ns(100 * 1000 * 1000);
        if (rc == -1) {
            lab_log(lab, "# %s\n", err);
            fprintf(stderr, "splitbrain: cannot remove namespace %s: %s (run `splitbrain clean`)\n",
                    names[i], err);
        } else {
            lab_log(lab, "# removed namespace %s\n", names[i]);
        }
    }
}

const sb_lab_backend lab_backend_local = {
    .name = "local",
    .enter = local_enter,
    .leave = local_leave,
    .oob_enter = local_oob_enter,
    .oob_leave = local_leave,
    .exec = local_exec,
    .start = local_start,
    .running = local_running,
    .signal = local_signal,
    .kill = local_kill,
    .clock = local_clock,
    .disk = local_disk,
    .qdisc = local_qdisc,
    .netem_available = local_netem_available,
    .close = local_close,
};
