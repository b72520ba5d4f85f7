/* client_ext.c -- an external client program's process and its lines
 * (client_ext.h). Between fork and exec the child only calls functions
 * that are async-signal-safe: the harness has other threads. */
#define _GNU_SOURCE
#include "client_ext.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int ext_start(sb_ext *e, char *const argv[], char *const env_extra[], const char *stderr_path,
              char *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    memset(e, 0, sizeof(*e));
    e->to_fd = e->from_fd = -1;
    int log = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log == -1) {
        sb_err_set(err, "open %s: %s", stderr_path, strerror(errno));
        return -1;
    }
    if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        goto fail;
    }
    char **env = sb_env_with(env_extra); /* NULL: the harness's own */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == -1) {
        sb_err_set(err, "fork: %s", strerror(errno));
        sb_strv_free(env);
        goto fail;
    }
    if (pid == 0) {
        /* The child: async-signal-safe calls only. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1 || dup2(log, 2) == -1)
            _exit(127);
        syscall(SYS_close_range, 3, ~0U, 0);
        execve(argv[0], argv, env ? env : environ);
        static const char msg[] = "splitbrain: exec of the client program failed\n";
        (void)!write(2, msg, sizeof(msg) - 1);
        _exit(127);
    }
    sb_strv_free(env);
    close(in[0]);
    close(out[1]);
    close(log);
    e->pid = pid;
    e->to_fd = in[1];
    e->from_fd = out[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (in[i] != -1)
            close(in[i]);
        if (out[i] != -1)
            close(out[i]);
    }
    close(log);
    return -1;
}

/* SIGPIPE is ignored by the harness (main.c): a program gone is EPIPE. */
int ext_send(sb_ext *e, const char *line, size_t len, char *err)
{
    char *buf = sb_xmalloc(len + 1);
    memcpy(buf, line, len);
    buf[len] = '\n';
    size_t off = 0;
    int rc = 0;
    while (off < len + 1) {
        ssize_t w = write(e->to_fd, buf + off, len + 1 - off);
        if (w == -1 && errno == EINTR)
            continue;
        if (w == -1) {
            sb_err_set(err, "writing to the client: %s", strerror(errno));
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    free(buf);
    return rc;
}

/* A whole line in the buffer: moved into line, 1; else 0. */
static int take_line(sb_ext *e, sb_buf *line)
{
    char *nl = e->rlen ? memchr(e->rbuf, '\n', e->rlen) : NULL;
    if (!nl)
        return 0;
    size_t n = (size_t)(nl - e->rbuf);
    sb_buf_reset(line);
    sb_buf_append(line, e->rbuf, n && e->rbuf[n - 1] == '\r' ? n - 1 : n);
    memmove(e->rbuf, nl + 1, e->rlen - n - 1);
    e->rlen -= n + 1;
    return 1;
}

int ext_recv(sb_ext *e, int64_t deadline_ns, sb_buf *line, char *err)
{
    for (;;) {
        if (take_line(e, line))
            return 1;
        if (e->rlen > SB_EXT_LINE_MAX) {
            sb_err_set(err, "the client wrote a line longer than %d bytes", SB_EXT_LINE_MAX);
            return -1;
        }
        int64_t left = deadline_ns - sb_now_ns();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = e->from_fd, .events = POLLIN};
        int ms = (int)((left + 999999) / 1000000);
        int r = poll(&p, 1, ms > 100 ? 100 : ms);
        if (r == -1 && errno != EINTR) {
            sb_err_set(err, "poll: %s", strerror(errno));
            return -1;
        }
        if (r <= 0)
            continue;
        if (e->rcap - e->rlen < 65536) {
            e->rcap = e->rcap ? e->rcap * 2 : 65536 * 2;
            e->rbuf = sb_xrealloc(e->rbuf, e->rcap);
        }
        ssize_t n = read(e->from_fd, e->rbuf + e->rlen, e->rcap - e->rlen);
        if (n == -1 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n == -1) {
            sb_err_set(err, "reading from the client: %s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            sb_err_set(err, "the client closed its stdout");
            return -1;
        }
        e->rlen += (size_t)n;
    }
}

void ext_stop(sb_ext *e, int64_t grace_ns)
{
    if (e->to_fd != -1)
        close(e->to_fd);
    e->to_fd = -1;
    if (e->pid > 0) {
        int64_t until = sb_now_ns() + grace_ns;
        int st = 0;
        pid_t r = 0;
        while ((r = waitpid(e->pid, &st, WNOHANG)) == 0 && sb_now_ns() < until)
            sb_sleep_ns(5 * SB_NS_PER_MS);
        kill(-e->pid, SIGKILL); /* its group: whatever it started too */
        if (r == 0)
            waitpid(e->pid, &st, 0);
        e->status = st;
        e->pid = -1;
    }
    if (e->from_fd != -1)
        close(e->from_fd);
    e->from_fd = -1;
    free(e->rbuf);
    e->rbuf = NULL;
    e->rlen = e->rcap = 0;
}

void ext_describe_exit(const sb_ext *e, char *out, size_t len)
{
    if (e->pid > 0)
        snprintf(out, len, "still running");
    else if (WIFEXITED(e->status))
        snprintf(out, len, "exited with status %d", WEXITSTATUS(e->status));
    else if (WIFSIGNALED(e->status))
        snprintf(out, len, "killed by signal %d", WTERMSIG(e->status));
    else
        snprintf(out, len, "ended");
}

void ext_tail(const char *path, size_t max, char *out, size_t len)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)max ? end - (off_t)max : 0;
    char *buf = sb_xmalloc(max + 1);
    ssize_t n = pread(fd, buf, max, from);
    close(fd);
    if (n <= 0) {
        free(buf);
        return;
    }
    buf[n] = '\0';
    size_t k = 0;
    for (char *p = buf, *line; (line = strsep(&p, "\n"));) {
        if (!line[0])
            continue;
        int w = snprintf(out + k, len - k, "%s%s", k ? " | " : "", line);
        if (w < 0 || (size_t)w >= len - k)
            break;
        k += (size_t)w;
    }
    free(buf);
}
