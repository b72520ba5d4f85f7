/* lab.c -- the local backend: hosts as network namespaces on a private
 * bridge, processes started inside them, firewall rules, teardown. The
 * removal of leftovers of killed runs (lab_clean) is in lab_clean.c. */
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

#define LAB_SUBNET "10.77.0."
#define LAB_FIRST_ADDR 10
/* How long a helper command (ip, nft) may take before it is killed. */
#define LAB_CMD_TIMEOUT_NS (10 * SB_NS_PER_S)

typedef struct spawn_req {
    child_setup *cs;
    char *const *argv;
    char *err;
    pid_t pid;
    int done;
} spawn_req;

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
    char **out = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = strdup(argv[i]);
    return out;
}

static void argv_free(char **argv)
{
    if (!argv)
        return;
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static void argv_join(char *const argv[], char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; argv[i]; i++)
        snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? " " : "", argv[i]);
}

/* ====== Children ======
 * Everything a child needs is prepared before fork: after fork in a
 * multi-threaded process only async-signal-safe calls are allowed. */

struct child_setup {
    int nsfd;         /* -1: stay in the caller's namespace */
    const char *cwd;  /* NULL: keep */
    int in_fd, out_fd; /* become stdin, stdout+stderr */
    int report_fd;    /* CLOEXEC pipe: errno of a failed step */
    int own_group;    /* setpgid(0,0): terminal signals reach only us */
    char *const *env; /* NULL: inherit the harness's environment */
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

static void *spawner_main(void *arg)
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
    argv_join(argv, cmd, sizeof(cmd));
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
    snprintf(lab->runtime_dir, sizeof(lab->runtime_dir), "%s/%s.d", SB_LAB_LOCK_DIR,
             lab->run_id);
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

int lab_clock_apply(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                    int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err)
{
    if (!lab->rm)
        return 0;
    return lab_ssh_clock(lab, host, ctl_path, monotonic, op, delta_ns, period_ns, duration_ns,
                         err);
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
    int rc = run_cmd(lab, -1, "root", add, b.data, LAB_CMD_TIMEOUT_NS, err);
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
    if ((rc = run_cmd(lab, -1, "root", sw, b.data, LAB_CMD_TIMEOUT_NS, err)) == -1)
        goto out;
    for (size_t i = 0; i < lab->n_hosts; i++) {
        lab_host *h = &lab->hosts[i];
        sb_buf_reset(&b);
        sb_buf_printf(&b, "link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n", h->addr);
        char *hc[] = {(char *)ip, "-n", h->netns, "-batch", "-", NULL};
        if ((rc = run_cmd(lab, -1, "root", hc, b.data, LAB_CMD_TIMEOUT_NS, err)) == -1)
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

/* What both backends need: the log, a run id, the lock, the spawner. */
static sb_lab *lab_alloc(const char *const *host_names, size_t n_hosts, const char *run_dir,
                         char *err);

sb_lab *lab_create(const char *const *host_names, size_t n_hosts, const char *run_dir, char *err)
{
    sb_lab *lab = lab_alloc(host_names, n_hosts, run_dir, err);
    if (!lab)
        return NULL;
    for (size_t i = 0; i < n_hosts; i++) {
        lab_host *h = &lab->hosts[i];
        snprintf(h->addr, sizeof(h->addr), LAB_SUBNET "%d", LAB_FIRST_ADDR + (int)i);
        snprintf(h->netns, sizeof(h->netns), "%s%s-%s", SB_LAB_PREFIX, lab->run_id, h->name);
    }
    lab_log(lab, "# lab %s: %zu hosts\n", lab->run_id, n_hosts);
    if (build_namespaces(lab, err) == -1) {
        lab_destroy(lab);
        return NULL;
    }
    return lab;
}

sb_lab *lab_create_remote(const struct sb_host *hosts, size_t n_hosts, const char *run_dir,
                          char *err)
{
    const char *names[SB_MAX_HOSTS_LAB];
    for (size_t i = 0; i < n_hosts && i < SB_MAX_HOSTS_LAB; i++)
        names[i] = lab_host_spec_name(hosts, i);
    sb_lab *lab = lab_alloc(names, n_hosts, run_dir, err);
    if (!lab)
        return NULL;
    lab_log(lab, "# lab %s: %zu hosts over ssh\n", lab->run_id, n_hosts);
    if (lab_ssh_open(lab, hosts, err) == -1) {
        lab_destroy(lab);
        return NULL;
    }
    return lab;
}

static sb_lab *lab_alloc(const char *const *host_names, size_t n_hosts, const char *run_dir,
                         char *err)
{
    if (n_hosts == 0 || n_hosts > SB_MAX_HOSTS_LAB) {
        sb_err_set(err, "a lab needs 1..%d hosts, not %zu", SB_MAX_HOSTS_LAB, n_hosts);
        return NULL;
    }
    sb_lab *lab = calloc(1, sizeof(*lab));
    pthread_mutex_init(&lab->lock, NULL);
    pthread_mutex_init(&lab->sp_lock, NULL);
    pthread_cond_init(&lab->sp_cond, NULL);
    lab->lock_fd = -1;
    lab->origin_fd = -1;
    snprintf(lab->run_dir, sizeof(lab->run_dir), "%s", run_dir);
    lab->hosts = calloc(n_hosts, sizeof(lab_host));
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
    int e = pthread_create(&lab->spawner, NULL, spawner_main, lab);
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

/* ssh backend: the calling thread's placement (lab_enter), -1 when none */
static __thread const sb_lab *tl_lab, *tl_saved_lab;
static __thread int tl_host = -1, tl_saved_host = -1;

int lab_enter(const sb_lab *lab, int host, char *err)
{
    if (lab->rm) {
        if (host < 0 || (size_t)host >= lab->n_hosts) {
            sb_err_set(err, "no host %d in the lab", host);
            return -1;
        }
        tl_lab = lab;
        tl_host = host;
        return 0;
    }
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

int lab_leave(const sb_lab *lab, char *err)
{
    if (lab->rm) {
        tl_lab = NULL;
        tl_host = -1;
        return 0;
    }
    if (setns(lab->origin_fd, CLONE_NEWNET) == -1) {
        sb_err_set(err, "setns(back to the harness's namespace): %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ====== Commands and processes ====== */

int lab_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text,
             int64_t timeout_ns, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    if (lab->rm)
        return lab_ssh_exec(lab, host, argv, stdin_text, timeout_ns, err);
    return run_cmd(lab, lab->hosts[host].fd, lab->hosts[host].name, argv, stdin_text, timeout_ns,
                   err);
}

static int proc_start(sb_proc *p, char *err)
{
    sb_lab *lab = p->lab;
    if (lab->rm)
        return lab_ssh_start(p, err);
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
    child_setup cs = {.nsfd = lab->hosts[p->host].fd, .cwd = p->cwd, .in_fd = in, .out_fd = out,
                      .own_group = 1, .env = p->env};
    pid_t pid = lab_child_start(lab, &cs, p->argv, err);
    close(in);
    close(out);
    if (pid == -1)
        return -1;
    p->pid = pid;
    char cmd[1024];
    argv_join(p->argv, cmd, sizeof(cmd));
    lab_log(lab, "# started pid %d on %s: %s\n", (int)pid, lab->hosts[p->host].name, cmd);
    return 0;
}

/* The harness's environment with extra "NAME=value" entries replacing or
 * adding to it; NULL when there are none. */
static char **env_with(char *const extra[])
{
    extern char **environ;
    if (!extra || !extra[0])
        return NULL;
    size_t n = 0, k = 0, ne = 0;
    while (environ[n])
        n++;
    while (extra[ne])
        ne++;
    char **out = calloc(n + ne + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < ne && !replaced; j++) {
            size_t len = strcspn(extra[j], "=");
            replaced = strncmp(environ[i], extra[j], len) == 0 && environ[i][len] == '=';
        }
        if (!replaced)
            out[k++] = strdup(environ[i]);
    }
    for (size_t j = 0; j < ne; j++)
        out[k++] = strdup(extra[j]);
    return out;
}

sb_proc *lab_spawn(sb_lab *lab, int host, char *const argv[], const char *cwd,
                   const char *log_path, char *err)
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
    sb_proc *p = calloc(1, sizeof(*p));
    p->lab = lab;
    p->host = host;
    p->argv = argv_dup(argv);
    p->env = env_with(env);
    p->cwd = strdup(cwd);
    p->log = strdup(log_path);
    if (proc_start(p, err) == -1) {
        argv_free(p->argv);
        argv_free(p->env);
        free(p->cwd);
        free(p->log);
        free(p);
        return NULL;
    }
    pthread_mutex_lock(&lab->lock);
    if (lab->n_procs == lab->cap_procs) {
        lab->cap_procs = lab->cap_procs ? lab->cap_procs * 2 : 16;
        lab->procs = realloc(lab->procs, lab->cap_procs * sizeof(sb_proc *));
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
    if (p->lab->rm)
        return lab_ssh_running(p);
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

int lab_proc_signal(sb_proc *p, int sig, char *err)
{
    if (!lab_proc_running(p)) {
        sb_err_set(err, "%s on %s is not running", p->argv[0], p->lab->hosts[p->host].name);
        return -1;
    }
    if (p->lab->rm)
        return lab_ssh_signal(p, sig, err);
    if (kill(p->pid, sig) == -1) {
        sb_err_set(err, "kill(%d, %d): %s", (int)p->pid, sig, strerror(errno));
        return -1;
    }
    return 0;
}

int lab_proc_kill(sb_proc *p, char *err)
{
    (void)err;
    if (!lab_proc_running(p))
        return 0;
    if (p->lab->rm) {
        /* SIGKILL, then wait until the host says it is gone */
        lab_ssh_signal(p, SIGKILL, err);
        int64_t deadline = sb_now_ns() + 5 * SB_NS_PER_S;
        while (lab_proc_running(p) && sb_now_ns() < deadline)
            sb_sleep_ns(20 * SB_NS_PER_MS);
        lab_log(p->lab, "# killed pid %d on %s\n", (int)p->pid, p->lab->hosts[p->host].name);
        p->pid = 0;
        return 0;
    }
    kill(p->pid, SIGKILL);
    int status;
    while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
        ;
    lab_log(p->lab, "# killed pid %d on %s\n", (int)p->pid, p->lab->hosts[p->host].name);
    p->pid = 0;
    return 0;
}

int lab_proc_stop(sb_proc *p, int64_t grace_ns, char *err)
{
    if (!lab_proc_running(p))
        return 0;
    if (p->lab->rm)
        lab_ssh_signal(p, SIGTERM, err);
    else
        kill(p->pid, SIGTERM);
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
    return proc_start(p, err);
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
    int rc = lab_exec(lab, host, argv, b.data, LAB_CMD_TIMEOUT_NS, err);
    sb_buf_free(&b);
    return rc;
}

int lab_firewall_clear(sb_lab *lab, int host, char *err)
{
    char *argv[] = {(char *)lab_tool_path("nft"), "-f", "-", NULL};
    return lab_exec(lab, host, argv, NFT_RESET, LAB_CMD_TIMEOUT_NS, err);
}

/* ====== Teardown ====== */

void lab_destroy(sb_lab *lab)
{
    if (!lab)
        return;
    char err[SB_ERR_LEN];
    pthread_mutex_lock(&lab->lock);
    size_t n = lab->n_procs;
    pthread_mutex_unlock(&lab->lock);
    if (lab->rm) {
        lab_ssh_close(lab); /* kills, removes rules, copies files back */
        n = 0;
    }
    for (size_t i = 0; i < n; i++)
        lab_proc_kill(lab->procs[i], err);
    /* Anything else inside our namespaces (nothing should be) goes too. */
    const char *names[SB_MAX_HOSTS_LAB + 1];
    size_t nn = 0;
    for (size_t i = 0; i < lab->n_hosts; i++)
        if (lab->hosts[i].created)
            names[nn++] = lab->hosts[i].netns;
    if (lab->switch_created)
        names[nn++] = lab->switch_ns;
    for (size_t i = 0; i < nn; i++) {
        int killed = lab_ns_kill_all(names[i], 5 * SB_NS_PER_S);
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
        argv_free(lab->procs[i]->argv);
        argv_free(lab->procs[i]->env);
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

/* ====== ssh backend: placement and out-of-band access ====== */

int lab_is_remote(const sb_lab *lab)
{
    return lab && lab->rm != NULL;
}

int lab_oob_enter(const sb_lab *lab, int host, const char **addr, char *err)
{
    if (lab->rm) {
        if (host < 0 || (size_t)host >= lab->n_hosts) {
            sb_err_set(err, "no host %d in the lab", host);
            return -1;
        }
        *addr = lab->hosts[host].addr;
        tl_saved_lab = tl_lab; /* never from a placement's port range */
        tl_saved_host = tl_host;
        tl_lab = NULL;
        tl_host = -1;
        return 0;
    }
    *addr = "127.0.0.1";
    return lab_enter(lab, host, err);
}

int lab_oob_leave(const sb_lab *lab, char *err)
{
    if (!lab->rm)
        return lab_leave(lab, err);
    tl_lab = tl_saved_lab;
    tl_host = tl_saved_host;
    return 0;
}

int lab_placement_connect(const char *addr, int port, int64_t timeout_ns, char *err,
                          size_t errlen)
{
    if (!tl_lab || tl_host < 0)
        return -2;
    int lo, hi;
    lab_port_range(tl_lab, tl_host, &lo, &hi);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
        snprintf(err, errlen, "connect %s:%d: not an IPv4 address (the ssh backend's "
                              "placements need one)", addr, port);
        return -1;
    }
    /* Ports of the range in turn, shared by the threads of the placement;
     * a port still in use is skipped. */
    static _Atomic unsigned next[SB_MAX_HOSTS_LAB];
    int span = hi - lo + 1;
    for (int attempt = 0; attempt < span; attempt++) {
        int p = lo + (int)(atomic_fetch_add(&next[tl_host], 1) % (unsigned)span);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd == -1) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            return -1;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* closed with a reset: no TIME_WAIT holding the port afterwards */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
        if (bind(fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
            close(fd);
            if (errno == EADDRINUSE)
                continue;
            snprintf(err, errlen, "bind to port %d: %s", p, strerror(errno));
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == -1 && errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            if (e == EADDRNOTAVAIL || e == EADDRINUSE)
                continue;
            snprintf(err, errlen, "connect %s:%d: %s", addr, port, strerror(e));
            return -1;
        }
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        int r;
        do
            r = poll(&pf, 1, (int)(timeout_ns / SB_NS_PER_MS) + 1);
        while (r == -1 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (r == 1)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (r != 1 || soerr) {
            close(fd);
            snprintf(err, errlen, "connect %s:%d: %s", addr, port,
                     r == 0 ? "Connection timed out" : strerror(soerr ? soerr : errno));
            return -1;
        }
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        return fd;
    }
    snprintf(err, errlen, "connect %s:%d: every port of %s's range %d-%d is in use", addr, port,
             tl_lab->hosts[tl_host].name, lo, hi);
    return -1;
}
