/* util.c -- monotonic time, durations, error buffers, files, string buffers. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t sb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SB_NS_PER_S + ts.tv_nsec;
}

int64_t sb_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * SB_NS_PER_S + ts.tv_nsec;
}

void sb_sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {.tv_sec = ns / SB_NS_PER_S, .tv_nsec = ns % SB_NS_PER_S};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

void sb_err_set(char *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SB_ERR_LEN, fmt, ap);
    va_end(ap);
}

void sb_err_copy(char *out, size_t len, const char *msg)
{
    if (!len)
        return;
    size_t n = strlen(msg);
    if (n < len) {
        memcpy(out, msg, n + 1);
        return;
    }
    memcpy(out, msg, len - 1);
    out[len - 1] = '\0';
    if (len > 4)
        memcpy(out + len - 4, "...", 3);
}

/* ====== Durations ====== */

static const struct {
    const char *suffix;
    int64_t ns;
} duration_units[] = {
    {"ns", 1},          {"us", SB_NS_PER_US},    {"ms", SB_NS_PER_MS},
    {"s", SB_NS_PER_S}, {"m", 60 * SB_NS_PER_S}, {"h", 3600 * SB_NS_PER_S},
};

int sb_parse_duration(const char *s, int64_t *ns, char *err)
{
    const char *allowed = "a number with a unit ns, us, ms, s, m or h, e.g. \"500ms\" or \"1.5s\"";
    if (!s || !*s) {
        sb_err_set(err, "empty duration; expected %s", allowed);
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || !isfinite(v) || *s == '+' || *s == '-' ||
        isspace((unsigned char)*s)) {
        sb_err_set(err, "bad duration \"%s\"; expected %s", s, allowed);
        return -1;
    }
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (strcmp(end, duration_units[i].suffix) == 0) {
            double total = v * (double)duration_units[i].ns;
            if (total > 9.0e18) {
                sb_err_set(err, "duration \"%s\" is too long", s);
                return -1;
            }
            *ns = (int64_t)llround(total);
            return 0;
        }
    }
    sb_err_set(err, "bad duration unit in \"%s\"; expected %s", s, allowed);
    return -1;
}

void sb_format_duration(int64_t ns, char *buf, size_t len)
{
    if (ns % SB_NS_PER_S == 0)
        snprintf(buf, len, "%llds", (long long)(ns / SB_NS_PER_S));
    else if (ns >= SB_NS_PER_S)
        snprintf(buf, len, "%.3gs", (double)ns / SB_NS_PER_S);
    else if (ns % SB_NS_PER_MS == 0)
        snprintf(buf, len, "%lldms", (long long)(ns / SB_NS_PER_MS));
    else
        snprintf(buf, len, "%.3gms", (double)ns / SB_NS_PER_MS);
}

/* ====== Files ====== */

int sb_mkdir_p(const char *path, char *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
        sb_err_set(err, "path too long: %s", path);
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) == -1 && errno != EEXIST) {
            sb_err_set(err, "mkdir(%s): %s", tmp, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(tmp, 0755) == -1 && errno != EEXIST) {
        sb_err_set(err, "mkdir(%s): %s", tmp, strerror(errno));
        return -1;
    }
    return 0;
}

int sb_path_join(char *out, size_t len, const char *dir, const char *name, char *err)
{
    int n = snprintf(out, len, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= len) {
        if (err)
            sb_err_set(err, "path too long (%d bytes, at most %zu): %.200s/%.100s", n, len - 1, dir,
                       name);
        return -1;
    }
    return 0;
}

int sb_path_absolute(const char *path, char *out, size_t len, char *err)
{
    char joined[8192];
    if (path[0] == '/') {
        snprintf(joined, sizeof(joined), "%s", path);
    } else {
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd))) {
            sb_err_set(err, "getcwd: %s", strerror(errno));
            return -1;
        }
        snprintf(joined, sizeof(joined), "%s/%s", cwd, path);
    }
    /* Fold the components: "", "." vanish, ".." drops the previous one. */
    size_t o = 0;
    char *save = NULL;
    for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            while (o > 0 && out[--o] != '/')
                ;
            continue;
        }
        size_t n = strlen(c);
        if (o + 1 + n + 1 > len) {
            sb_err_set(err, "path too long: %s", path);
            return -1;
        }
        out[o++] = '/';
        memcpy(out + o, c, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return 0;
}

void sb_path_shown(const char *path, char *out, size_t len)
{
    char cwd[4096];
    size_t n;
    if (path[0] == '/' && getcwd(cwd, sizeof(cwd)) && (n = strlen(cwd)) > 1 &&
        !strncmp(path, cwd, n) && path[n] == '/' && path[n + 1]) {
        snprintf(out, len, "%s", path + n + 1);
        return;
    }
    snprintf(out, len, "%s", path);
}

int sb_write_file(const char *path, const char *data, size_t len, char *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            sb_err_set(err, "write(%s): %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (close(fd) == -1) {
        sb_err_set(err, "close(%s): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

char *sb_read_file(const char *path, size_t *len, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_err_set(err, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    sb_buf b;
    sb_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        sb_buf_append(&b, chunk, n);
    if (ferror(f)) {
        sb_err_set(err, "read(%s): %s", path, strerror(errno));
        fclose(f);
        sb_buf_free(&b);
        return NULL;
    }
    fclose(f);
    sb_buf_append(&b, "", 0);
    if (len)
        *len = b.len;
    return b.data;
}

int sb_rm_rf(const char *path, char *err)
{
    struct stat st;
    if (lstat(path, &st) == -1)
        return errno == ENOENT ? 0 : (sb_err_set(err, "lstat(%s): %s", path, strerror(errno)), -1);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) {
            sb_err_set(err, "opendir(%s): %s", path, strerror(errno));
            return -1;
        }
        struct dirent *e;
        int rc = 0;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char child[4096];
            snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
            if (sb_rm_rf(child, err) == -1)
                rc = -1;
        }
        closedir(d);
        if (rc == 0 && rmdir(path) == -1) {
            sb_err_set(err, "rmdir(%s): %s", path, strerror(errno));
            return -1;
        }
        return rc;
    }
    if (unlink(path) == -1) {
        sb_err_set(err, "unlink(%s): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ====== String buffers ====== */

void sb_buf_init(sb_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void sb_buf_free(sb_buf *b)
{
    free(b->data);
    sb_buf_init(b);
}

void sb_buf_reset(sb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static void buf_reserve(sb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = sb_xrealloc(b->data, cap);
    b->cap = cap;
}

void sb_buf_append(sb_buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sb_buf_puts(sb_buf *b, const char *s)
{
    sb_buf_append(b, s, strlen(s));
}

void sb_buf_printf(sb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        sb_buf_append(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_buf_json_string(sb_buf *b, const char *s)
{
    sb_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            sb_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            sb_buf_append(b, "\\n", 2);
            break;
        case '\r':
            sb_buf_append(b, "\\r", 2);
            break;
        case '\t':
            sb_buf_append(b, "\\t", 2);
            break;
        default:
            if (*p < 0x20)
                sb_buf_printf(b, "\\u%04x", *p);
            else
                sb_buf_append(b, (const char *)p, 1);
        }
    }
    sb_buf_append(b, "\"", 1);
}

void sb_buf_conf_value(sb_buf *b, const char *s)
{
    int bare = s[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)s; *p && bare; p++)
        bare = *p > ' ' && *p != '"' && *p != '\'' && *p != '\\' && *p != 0x7f;
    if (bare) {
        sb_buf_puts(b, s);
        return;
    }
    sb_buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_buf_puts(b, "\\\"");
            break;
        case '\\':
            sb_buf_puts(b, "\\\\");
            break;
        case '\n':
            sb_buf_puts(b, "\\n");
            break;
        case '\r':
            sb_buf_puts(b, "\\r");
            break;
        case '\t':
            sb_buf_puts(b, "\\t");
            break;
        default:
            if (*p < ' ' || *p == 0x7f)
                sb_buf_printf(b, "\\x%02x", *p);
            else
                sb_buf_append(b, (const char *)p, 1);
        }
    }
    sb_buf_puts(b, "\"");
}

void sb_buf_xml_escape(sb_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<':
            sb_buf_puts(b, "&lt;");
            break;
        case '>':
            sb_buf_puts(b, "&gt;");
            break;
        case '&':
            sb_buf_puts(b, "&amp;");
            break;
        case '"':
            sb_buf_puts(b, "&quot;");
            break;
        case '\'':
            sb_buf_puts(b, "&apos;");
            break;
        default:
            if (*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r')
                continue; /* not representable in XML 1.0 */
            sb_buf_append(b, (const char *)p, 1);
        }
    }
}

/* ====== Deterministic randomness ====== */

void sb_rng_seed(sb_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x9E3779B97F4A7C15ULL;
    if (r->s == 0)
        r->s = 1;
}

/* splitmix64: good enough statistically and trivially reproducible. */
uint64_t sb_rng_next(sb_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double sb_rng_unit(sb_rng *r)
{
    return (double)(sb_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ====== Child processes ====== */

pid_t sb_spawn(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd, char *err)
{
    pid_t pid = fork();
    if (pid == -1) {
        sb_err_set(err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        if (dup2(in_fd, 0) == -1 || dup2(out_fd, 1) == -1 || dup2(err_fd, 2) == -1)
            _exit(127);
        if (cwd && chdir(cwd) == -1)
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int sb_reap(pid_t pid, int64_t deadline)
{
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r == -1 && errno != EINTR)
            return -1;
        if (deadline && sb_now_ns() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
                ;
            return -1;
        }
        sb_sleep_ns(2 * SB_NS_PER_MS);
    }
}

int sb_run_io(char *const argv[], const char *cwd, const char *data, size_t len, sb_buf *out,
              sb_buf *errout, int64_t timeout_ns, char *err)
{
    int in[2], o[2], e[2];
    if (pipe2(in, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(o, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    if (pipe2(e, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        close(in[0]);
        close(in[1]);
        close(o[0]);
        close(o[1]);
        return -1;
    }
    pid_t pid = sb_spawn(argv, cwd, in[0], o[1], e[1], err);
    close(in[0]);
    close(o[1]);
    close(e[1]);
    if (pid == -1) {
        close(in[1]);
        close(o[0]);
        close(e[0]);
        return -1;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    int64_t deadline = sb_now_ns() + timeout_ns;
    size_t off = 0;
    int wfd = in[1], rfd[2] = {o[0], e[0]};
    if (!data || len == 0) {
        close(wfd);
        wfd = -1;
    }
    int timed_out = 0;
    char chunk[8192];
    while (rfd[0] != -1 || rfd[1] != -1) {
        struct pollfd p[3];
        int np = 0, which[3];
        for (int i = 0; i < 2; i++)
            if (rfd[i] != -1) {
                p[np] = (struct pollfd){.fd = rfd[i], .events = POLLIN};
                which[np++] = i;
            }
        if (wfd != -1) {
            p[np] = (struct pollfd){.fd = wfd, .events = POLLOUT};
            which[np++] = 2;
        }
        int64_t left = deadline - sb_now_ns();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int r = poll(p, (nfds_t)np, (int)(left / SB_NS_PER_MS) + 1);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            break;
        for (int i = 0; i < np; i++) {
            if (!p[i].revents)
                continue;
            if (which[i] == 2) {
                ssize_t n = write(wfd, data + off, len - off);
                if (n > 0)
                    off += (size_t)n;
                if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
                    close(wfd);
                    wfd = -1;
                }
                continue;
            }
            ssize_t n = read(rfd[which[i]], chunk, sizeof(chunk));
            if (n > 0) {
                sb_buf *dst = which[i] == 0 ? out : errout;
                if (dst)
                    sb_buf_append(dst, chunk, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(rfd[which[i]]);
                rfd[which[i]] = -1;
            }
        }
    }
    if (wfd != -1)
        close(wfd);
    for (int i = 0; i < 2; i++)
        if (rfd[i] != -1)
            close(rfd[i]);
    if (timed_out) {
        kill(pid, SIGKILL);
        sb_reap(pid, 0);
        sb_err_set(err, "timed out after %.1f s", timeout_ns / 1e9);
        return -1;
    }
    int st = sb_reap(pid, deadline + SB_NS_PER_S);
    if (st == -1)
        sb_err_set(err, "timed out after %.1f s", timeout_ns / 1e9);
    return st;
}

/* ====== Memory ====== */

void sb_out_of_memory(size_t n)
{
    char msg[80];
    int len = snprintf(msg, sizeof(msg), "splitbrain: out of memory (%zu bytes)\n", n);
    if (write(2, msg, (size_t)len) < 0) {
        /* nothing else to say it with */
    }
    abort();
}

void *sb_xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p && n)
        sb_out_of_memory(n);
    return p;
}

void *sb_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p && n && size)
        sb_out_of_memory(n * size);
    return p;
}

void *sb_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q && n)
        sb_out_of_memory(n);
    return q;
}

char *sb_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        sb_out_of_memory(strlen(s) + 1);
    return p;
}

char *sb_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        sb_out_of_memory(n + 1);
    return p;
}

void sb_strv_free(char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

char **sb_env_with(char *const extra[])
{
    extern char **environ;
    if (!extra || !extra[0])
        return NULL;
    size_t n = 0, k = 0, ne = 0;
    while (environ[n])
        n++;
    while (extra[ne])
        ne++;
    char **out = sb_xcalloc(n + ne + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < ne && !replaced; j++) {
            size_t len = strcspn(extra[j], "=");
            replaced = strncmp(environ[i], extra[j], len) == 0 && environ[i][len] == '=';
        }
        if (!replaced)
            out[k++] = sb_xstrdup(environ[i]);
    }
    for (size_t j = 0; j < ne; j++)
        out[k++] = sb_xstrdup(extra[j]);
    return out;
}
