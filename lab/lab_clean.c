/* lab_clean.c -- finding and removing what runs left behind: processes in
 * our namespaces, the namespaces themselves, stale lock files. Only names
 * with the sb- prefix are ever touched, and never those of a live run. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab.h"
#include "lab_internal.h"
#include "util.h"

#define NETNS_DIR "/run/netns"

/* Calls fn for every pid whose network namespace is ns (by inode). */
static int for_each_pid_in(const struct stat *ns, void (*fn)(pid_t pid, void *arg), void *arg)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    pid_t self = getpid();
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
        if (stat(path, &st) == -1)
            continue;
        if (st.st_ino == ns->st_ino && st.st_dev == ns->st_dev) {
            if (fn)
                fn((pid_t)pid, arg);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void kill_pid(pid_t pid, void *arg)
{
    (void)arg;
    kill(pid, SIGKILL);
}

int lab_ns_kill_all(const char *name, int64_t timeout_ns)
{
    char path[256];
    snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
    struct stat ns;
    if (stat(path, &ns) == -1)
        return 0;
    int killed = for_each_pid_in(&ns, kill_pid, NULL);
    int64_t deadline = sb_now_ns() + timeout_ns;
    while (killed > 0 && for_each_pid_in(&ns, NULL, NULL) > 0 && sb_now_ns() < deadline) {
        for_each_pid_in(&ns, kill_pid, NULL);
        sb_sleep_ns(10 * SB_NS_PER_MS);
    }
    return killed;
}

int lab_ns_delete(const char *name, char *err)
{
    char path[256];
    snprintf(path, sizeof(path), NETNS_DIR "/%s", name);
    if (umount2(path, MNT_DETACH) == -1 && errno != EINVAL && errno != ENOENT) {
        sb_err_set(err, "umount2(%s): %s", path, strerror(errno));
        return -1;
    }
    if (unlink(path) == -1 && errno != ENOENT) {
        sb_err_set(err, "unlink(%s): %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int lab_rmdir_flat(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char f[1024];
        snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
        unlink(f);
    }
    closedir(d);
    return rmdir(path);
}

/* 1 when a live run holds the lock of run_id. */
int lab_run_alive(const char *run_id)
{
    char path[256];
    snprintf(path, sizeof(path), SB_LAB_LOCK_DIR "/%s.lock", run_id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return 0;
    int alive = flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK;
    close(fd);
    return alive;
}

/* "sb-ab12cd-n1" -> "ab12cd"; 0 when the name is not one of ours. */
static int parse_run_id(const char *name, char *id, size_t len)
{
    size_t plen = strlen(SB_LAB_PREFIX);
    if (strncmp(name, SB_LAB_PREFIX, plen) != 0)
        return 0;
    const char *p = name + plen, *dash = strchr(p, '-');
    if (!dash || dash == p || (size_t)(dash - p) >= len)
        return 0;
    for (const char *c = p; c < dash; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return 0;
    snprintf(id, len, "%.*s", (int)(dash - p), p);
    return 1;
}

static void say(void (*log)(const char *, void *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(void (*log)(const char *, void *), void *arg, const char *fmt, ...)
{
    if (!log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log(line, arg);
}

int lab_clean(int force, void (*log)(const char *line, void *arg), void *arg, char *err)
{
    int removed = 0;
    DIR *d = opendir(NETNS_DIR);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char id[16];
            if (!parse_run_id(e->d_name, id, sizeof(id)))
                continue;
            if (!force && lab_run_alive(id)) {
                say(log, arg, "kept namespace %s (run %s is alive)", e->d_name, id);
                continue;
            }
            int killed = lab_ns_kill_all(e->d_name, 5 * SB_NS_PER_S);
            if (lab_ns_delete(e->d_name, err) == -1) {
                closedir(d);
                return -1;
            }
            say(log, arg, "removed namespace %s (%d process%s killed)", e->d_name, killed,
                killed == 1 ? "" : "es");
            removed++;
        }
        closedir(d);
    }
    /* Runtime folders (clock-shim control files) before the locks that say
     * whether their run is alive. */
    d = opendir(SB_LAB_LOCK_DIR);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 3 || strcmp(e->d_name + n - 2, ".d") != 0)
                continue;
            char id[16];
            snprintf(id, sizeof(id), "%.*s", (int)(n - 2 < 15 ? n - 2 : 15), e->d_name);
            if (!force && lab_run_alive(id))
                continue;
            char path[512];
            snprintf(path, sizeof(path), SB_LAB_LOCK_DIR "/%s", e->d_name);
            if (lab_rmdir_flat(path) == 0) {
                say(log, arg, "removed runtime folder %s (clock control files)", path);
                removed++;
            }
        }
        closedir(d);
    }
    d = opendir(SB_LAB_LOCK_DIR);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t n = strlen(e->d_name);
            if (n < 6 || strcmp(e->d_name + n - 5, ".lock") != 0)
                continue;
            char id[16];
            snprintf(id, sizeof(id), "%.*s", (int)(n - 5 < 15 ? n - 5 : 15), e->d_name);
            if (!force && lab_run_alive(id))
                continue;
            char path[512];
            snprintf(path, sizeof(path), SB_LAB_LOCK_DIR "/%s", e->d_name);
            if (unlink(path) == 0) {
                say(log, arg, "removed stale lock %s", path);
                removed++;
            }
        }
        closedir(d);
    }
    return removed;
}
