/* ssh.c -- the ssh backend's transport: see ssh.h. */
#define _GNU_SOURCE
#include "ssh.h"
#include "sb_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SSH_ARGS_MAX 48

struct sb_ssh {
    sb_ssh_target t;
    char ctl[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char known_hosts[4096];
    char log[4096];
    pid_t master;
    int64_t connect_timeout_ns;
};

const sb_ssh_target *ssh_target(const sb_ssh *s)
{
    return &s->t;
}

void ssh_quote(sb_buf *b, const char *s)
{
    sb_buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            sb_buf_puts(b, "'\\''");
        else
            sb_buf_append(b, p, 1);
    }
    sb_buf_puts(b, "'");
}

static void ssh_log(const sb_ssh *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ssh_log(const sb_ssh *s, const char *fmt, ...)
{
    if (!s->log[0])
        return;
    FILE *f = fopen(s->log, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

/* The options every ssh invocation of this target shares. */
static size_t base_args(const sb_ssh *s, char **argv, char *const *own, size_t n_own)
{
    static char opt_batch[] = "BatchMode=yes", opt_log[] = "LogLevel=ERROR",
                opt_alive[] = "ServerAliveInterval=5", opt_count[] = "ServerAliveCountMax=3",
                opt_ids[] = "IdentitiesOnly=yes", dash_o[] = "-o", dash_s[] = "-S", dash_p[] = "-p",
                dash_i[] = "-i", dash_l[] = "-l", ssh[] = "ssh";
    static __thread char kh[4200], strict[64], port[16], timeout[48];
    size_t n = 0;
    argv[n++] = ssh;
    for (size_t i = 0; i < n_own; i++)
        argv[n++] = own[i];
    argv[n++] = dash_s;
    argv[n++] = (char *)s->ctl;
    argv[n++] = dash_o;
    argv[n++] = opt_batch;
    argv[n++] = dash_o;
    argv[n++] = opt_log;
    argv[n++] = dash_o;
    argv[n++] = opt_alive;
    argv[n++] = dash_o;
    argv[n++] = opt_count;
    snprintf(kh, sizeof(kh), "UserKnownHostsFile=%s", s->known_hosts);
    argv[n++] = dash_o;
    argv[n++] = kh;
    snprintf(strict, sizeof(strict), "StrictHostKeyChecking=%s",
             s->t.known_hosts[0] ? "yes" : "accept-new");
    argv[n++] = dash_o;
    argv[n++] = strict;
    snprintf(timeout, sizeof(timeout), "ConnectTimeout=%lld",
             (long long)((s->connect_timeout_ns + SB_NS_PER_S - 1) / SB_NS_PER_S));
    argv[n++] = dash_o;
    argv[n++] = timeout;
    if (s->t.port) {
        snprintf(port, sizeof(port), "%d", s->t.port);
        argv[n++] = dash_p;
        argv[n++] = port;
    }
    if (s->t.key[0]) {
        argv[n++] = dash_i;
        argv[n++] = (char *)s->t.key;
        argv[n++] = dash_o;
        argv[n++] = opt_ids;
    }
    if (s->t.user[0]) {
        argv[n++] = dash_l;
        argv[n++] = (char *)s->t.user;
    }
    argv[n++] = (char *)s->t.address;
    argv[n] = NULL;
    return n;
}

static void last_line(const sb_buf *b, char *line, size_t len)
{
    line[0] = '\0';
    if (!b->len)
        return;
    size_t end = b->len;
    while (end > 0 && (b->data[end - 1] == '\n' || b->data[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && b->data[start - 1] != '\n')
        start--;
    snprintf(line, len, "%.*s", (int)(end - start), b->data + start);
}

static int check_master(sb_ssh *s, int64_t timeout_ns)
{
    char *own[] = {"-O", "check"};
    char *argv[SSH_ARGS_MAX];
    base_args(s, argv, own, 2);
    char e[SB_ERR_LEN];
    int st = sb_run_io(argv, NULL, NULL, 0, NULL, NULL, timeout_ns, e);
    return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* ssh -M -N: the control master, its output into master_log. */
static pid_t start_master(sb_ssh *s, const char *master_log, char *err)
{
    int lf = open(master_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (lf == -1 || nul == -1) {
        sb_err_set(err, "open(%s): %s", lf == -1 ? master_log : "/dev/null", strerror(errno));
        if (lf != -1)
            close(lf);
        if (nul != -1)
            close(nul);
        return -1;
    }
    char *own[] = {"-M", "-N", "-o", "ControlPersist=no"};
    char *argv[SSH_ARGS_MAX];
    base_args(s, argv, own, 4);
    pid_t pid = sb_spawn(argv, NULL, nul, lf, lf, err);
    close(nul);
    close(lf);
    return pid;
}

sb_ssh *ssh_open(const sb_ssh_target *t, const char *ctl_dir, const char *log_path,
                 int64_t connect_timeout_ns, char *err)
{
    sb_ssh *s = sb_xcalloc(1, sizeof(*s));
    s->t = *t;
    s->connect_timeout_ns = connect_timeout_ns > 0 ? connect_timeout_ns : SB_SSH_CONNECT_TIMEOUT_NS;
    int n = snprintf(s->ctl, sizeof(s->ctl), "%s/%s.sock", ctl_dir, t->name);
    if (n < 0 || (size_t)n >= sizeof(s->ctl)) {
        sb_err_set(err, "ssh %s: control socket path %s/%s.sock is longer than %zu bytes", t->name,
                   ctl_dir, t->name, sizeof(s->ctl) - 1);
        free(s);
        return NULL;
    }
    if (t->known_hosts[0])
        snprintf(s->known_hosts, sizeof(s->known_hosts), "%s", t->known_hosts);
    else
        snprintf(s->known_hosts, sizeof(s->known_hosts), "%s/known_hosts", ctl_dir);
    if (log_path)
        snprintf(s->log, sizeof(s->log), "%s", log_path);
    unlink(s->ctl);

    char master_log[4200];
    snprintf(master_log, sizeof(master_log), "%s/%s.master.log", ctl_dir, t->name);
    ssh_log(s, "$ [%s] ssh -M -N %s%s%s (control master)\n", t->name, t->user,
            t->user[0] ? "@" : "", t->address);
    if ((s->master = start_master(s, master_log, err)) == -1) {
        free(s);
        return NULL;
    }
    int64_t deadline = sb_now_ns() + s->connect_timeout_ns + 2 * SB_NS_PER_S;
    for (;;) {
        struct stat st;
        if (stat(s->ctl, &st) == 0 && check_master(s, 5 * SB_NS_PER_S))
            break;
        int ws;
        int exited = waitpid(s->master, &ws, WNOHANG) == s->master;
        char line[256] = "";
        if (exited || sb_now_ns() > deadline) {
            size_t len = 0;
            char *text = sb_read_file(master_log, &len, err);
            sb_buf b = {.data = text, .len = len, .cap = len};
            last_line(&b, line, sizeof(line));
            free(text);
        }
        /* a refused connection (sshd not up yet, a host booting) is tried
         * again until the deadline; anything else is final */
        if (exited && strstr(line, "Connection refused") &&
            sb_now_ns() + 500 * SB_NS_PER_MS < deadline) {
            sb_sleep_ns(300 * SB_NS_PER_MS);
            if ((s->master = start_master(s, master_log, err)) == -1) {
                free(s);
                return NULL;
            }
            continue;
        }
        if (exited || sb_now_ns() > deadline) {
            sb_err_set(err, "ssh %s (%s%s%s port %d): cannot connect%s%s", t->name, t->user,
                       t->user[0] ? "@" : "", t->address, t->port ? t->port : 22,
                       line[0] ? ": " : "", line[0] ? line : " in time");
            if (!exited && kill(s->master, SIGKILL) == 0)
                sb_reap(s->master, 0);
            unlink(s->ctl);
            free(s);
            return NULL;
        }
        sb_sleep_ns(20 * SB_NS_PER_MS);
    }
    ssh_log(s, "# [%s] control master pid %d\n", t->name, (int)s->master);
    return s;
}

void ssh_close(sb_ssh *s)
{
    if (!s)
        return;
    char *own[] = {"-O", "exit"};
    char *argv[SSH_ARGS_MAX];
    base_args(s, argv, own, 2);
    char e[SB_ERR_LEN];
    sb_run_io(argv, NULL, NULL, 0, NULL, NULL, 5 * SB_NS_PER_S, e);
    if (sb_reap(s->master, sb_now_ns() + 2 * SB_NS_PER_S) == -1)
        ssh_log(s, "# [%s] control master killed\n", s->t.name);
    unlink(s->ctl);
    free(s);
}

static void remote_cmd(const sb_ssh *s, const char *cmd, sb_buf *out)
{
    if (s->t.sudo) {
        sb_buf_puts(out, "sudo -n sh -c ");
        ssh_quote(out, cmd);
    } else {
        sb_buf_puts(out, cmd);
    }
}

/* quiet: 1 not logged; 2 also not under sudo (the login's own shell) */
static int run_split(sb_ssh *s, const char *cmd, const char *data, size_t len, sb_buf *out,
                     sb_buf *errout, int64_t timeout_ns, int quiet, char *err)
{
    sb_buf rc;
    sb_buf_init(&rc);
    if (quiet == 2)
        sb_buf_puts(&rc, cmd);
    else
        remote_cmd(s, cmd, &rc);
    char *own[] = {"-o", "ControlMaster=no"};
    char *argv[SSH_ARGS_MAX];
    size_t n = base_args(s, argv, own, 2);
    argv[n++] = (char *)"--";
    argv[n++] = rc.data;
    argv[n] = NULL;
    if (!quiet)
        ssh_log(s, "$ [%s] %s\n", s->t.name, rc.data);
    char e[SB_ERR_LEN];
    int st = sb_run_io(argv, NULL, data, len, out, errout, timeout_ns, e);
    sb_buf_free(&rc);
    if (st == -1) {
        sb_err_set(err, "ssh %s: %s: %s", s->t.name, cmd, e);
        ssh_log(s, "# [%s] %s\n", s->t.name, e);
        return -1;
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (code && !quiet)
        ssh_log(s, "# [%s] exit %d\n", s->t.name, code);
    return code;
}

int ssh_run(sb_ssh *s, const char *cmd, const char *stdin_data, size_t len, sb_buf *out,
            int64_t timeout_ns, char *err)
{
    sb_buf both;
    sb_buf_init(&both);
    /* stderr after stdout: one buffer for both */
    sb_buf errs;
    sb_buf_init(&errs);
    int code = run_split(s, cmd, stdin_data, len, &both, &errs, timeout_ns, 0, err);
    if (errs.len)
        sb_buf_append(&both, errs.data, errs.len);
    if (both.len)
        ssh_log(s, "%.*s%s", (int)both.len, both.data, both.data[both.len - 1] == '\n' ? "" : "\n");
    if (out && both.len)
        sb_buf_append(out, both.data, both.len);
    sb_buf_free(&both);
    sb_buf_free(&errs);
    return code;
}

int ssh_check(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err)
{
    return ssh_check_in(s, cmd, NULL, 0, out, timeout_ns, err);
}

int ssh_check_in(sb_ssh *s, const char *cmd, const char *stdin_data, size_t len, sb_buf *out,
                 int64_t timeout_ns, char *err)
{
    sb_buf mine;
    sb_buf_init(&mine);
    int code = ssh_run(s, cmd, stdin_data, len, &mine, timeout_ns, err);
    if (code > 0) {
        char line[256];
        last_line(&mine, line, sizeof(line));
        sb_err_set(err, "ssh %s: %s exited %d%s%s%s", s->t.name, cmd, code,
                   code == 255 ? " (ssh failed)" : "", line[0] ? ": " : "", line);
    }
    if (out && mine.len)
        sb_buf_append(out, mine.data, mine.len);
    sb_buf_free(&mine);
    return code == 0 ? 0 : -1;
}

int ssh_put(sb_ssh *s, const char *path, const char *data, size_t len, int mode, char *err)
{
    sb_buf cmd;
    sb_buf_init(&cmd);
    char *dir = sb_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        sb_buf_puts(&cmd, "mkdir -p ");
        ssh_quote(&cmd, dir);
        sb_buf_puts(&cmd, " && ");
    }
    free(dir);
    /* write next to it, then rename: a reader never sees half a file */
    sb_buf_puts(&cmd, "cat > ");
    ssh_quote(&cmd, path);
    sb_buf_puts(&cmd, ".sbtmp && chmod ");
    sb_buf_printf(&cmd, "%o ", (unsigned)mode);
    ssh_quote(&cmd, path);
    sb_buf_puts(&cmd, ".sbtmp && mv -f ");
    ssh_quote(&cmd, path);
    sb_buf_puts(&cmd, ".sbtmp ");
    ssh_quote(&cmd, path);
    sb_buf errs;
    sb_buf_init(&errs);
    int code = run_split(s, cmd.data, data, len, NULL, &errs, 30 * SB_NS_PER_S, 0, err);
    if (code > 0) {
        char line[256];
        last_line(&errs, line, sizeof(line));
        sb_err_set(err, "ssh %s: writing %s failed (exit %d)%s%s", s->t.name, path, code,
                   line[0] ? ": " : "", line);
    }
    sb_buf_free(&errs);
    sb_buf_free(&cmd);
    return code == 0 ? 0 : -1;
}

int ssh_get(sb_ssh *s, const char *path, const char *local, char *err)
{
    sb_buf cmd, out, errs;
    sb_buf_init(&cmd);
    sb_buf_init(&out);
    sb_buf_init(&errs);
    sb_buf_puts(&cmd, "cat ");
    ssh_quote(&cmd, path);
    int code = run_split(s, cmd.data, NULL, 0, &out, &errs, 60 * SB_NS_PER_S, 0, err);
    int rc = -1;
    if (code == 0) {
        rc = sb_write_file(local, out.data ? out.data : "", out.len, err);
    } else if (code > 0) {
        char line[256];
        last_line(&errs, line, sizeof(line));
        sb_err_set(err, "ssh %s: reading %s failed (exit %d)%s%s", s->t.name, path, code,
                   line[0] ? ": " : "", line);
    }
    sb_buf_free(&cmd);
    sb_buf_free(&out);
    sb_buf_free(&errs);
    return rc;
}

int ssh_run_quiet(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err)
{
    return run_split(s, cmd, NULL, 0, out, NULL, timeout_ns, 1, err);
}

int ssh_run_login(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err)
{
    return run_split(s, cmd, NULL, 0, out, NULL, timeout_ns, 2, err);
}
