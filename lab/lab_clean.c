/* lab_clean.c -- finding and removing what runs left behind: processes in
 * our namespaces, the namespaces themselves, stale lock files. Only names
 * with the sb- prefix are ever touched, and never those of a live run.
 * clean --hosts does the same on the hosts a scenario names, over ssh. */
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
#include "scenario_model.h"
#include "ssh.h"
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
            int killed = lab_ns_kill_all(e->d_name, SB_KILL_WAIT_NS);
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

/* ====== clean --hosts ====== */

int lab_clean_remote(const sb_host *hosts, size_t n_hosts, int force,
                     void (*log)(const char *line, void *arg), void *arg, char *err)
{
    char ctl[64];
    snprintf(ctl, sizeof(ctl), "%s/clean-%d", SB_LAB_LOCK_DIR, (int)getpid());
    if (sb_mkdir_p(SB_LAB_LOCK_DIR, err) == -1)
        return -1;
    if (mkdir(ctl, 0700) == -1 && errno != EEXIST) {
        sb_err_set(err, "mkdir(%s): %s", ctl, strerror(errno));
        return -1;
    }
    int removed = 0, failed = 0;
    for (size_t i = 0; i < n_hosts; i++) {
        const sb_host *h = &hosts[i];
        if (!h->remote)
            continue;
        sb_ssh_target t = lab_ssh_target_of(h);
        char e[SB_ERR_LEN];
        sb_ssh *c = ssh_open(&t, ctl, NULL, SB_SSH_CONNECT_TIMEOUT_NS, e);
        if (!c) {
            if (log) {
                char line[SB_ERR_LEN + 128];
                snprintf(line, sizeof(line), "could not clean %s: %s", h->name, e);
                log(line, arg);
            }
            sb_err_set(err, "%s", e);
            failed = 1;
            continue;
        }
        /* run folders: six hex digits under dir */
        sb_buf cmd, out;
        sb_buf_init(&cmd);
        sb_buf_init(&out);
        sb_buf_puts(&cmd, "cd ");
        ssh_quote(&cmd, h->dir);
        sb_buf_puts(&cmd, " 2>/dev/null && for d in *; do case $d in "
                          "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]) "
                          "[ -d \"$d\" ] && echo \"$d\";; esac; done; true");
        int live = 0;
        if (ssh_check(c, cmd.data, &out, SB_SSH_CMD_TIMEOUT_NS, e) == 0 && out.len) {
            sb_buf_puts(&out, "");
            char *save = NULL;
            for (char *id = strtok_r(out.data, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
                char line[1400];
                if (!force && lab_run_alive(id)) {
                    live = 1;
                    snprintf(line, sizeof(line), "kept %s:%s/%s (run %s is alive)", h->name, h->dir,
                             id, id);
                    if (log)
                        log(line, arg);
                    continue;
                }
                sb_buf rm;
                sb_buf_init(&rm);
                /* Redis renames its process title, so its command line does not
                 * name the folder: its working directory (dir) does. */
                char folder[1100];
                snprintf(folder, sizeof(folder), "%s/%s", h->dir, id);
                sb_buf_puts(&rm, "D=");
                ssh_quote(&rm, folder);
                sb_buf_puts(&rm, "; n=0; for p in /proc/[0-9]*; do c=$(readlink \"$p/cwd\" "
                                 "2>/dev/null) || continue; case \"$c\" in \"$D\"|\"$D\"/*) "
                                 "kill -9 \"${p#/proc/}\" 2>/dev/null && n=$((n+1));; esac; done");
                /* not the folder's path itself: pkill would match this shell */
                sb_buf_puts(&rm, "; cd ");
                ssh_quote(&rm, h->dir);
                sb_buf_puts(&rm, " && rm -rf ");
                ssh_quote(&rm, id);
                sb_buf_puts(&rm, " && echo \"killed $n\"");
                sb_buf res;
                sb_buf_init(&res);
                if (ssh_check(c, rm.data, &res, SB_SSH_CMD_TIMEOUT_NS, e) == 0) {
                    sb_buf_puts(&res, "");
                    const char *k = strstr(res.data, "killed ");
                    snprintf(line, sizeof(line), "removed %s:%s/%s (%s process%s killed)", h->name,
                             h->dir, id, k ? k + 7 : "0", k && atoi(k + 7) == 1 ? "" : "es");
                    line[strcspn(line, "\n")] = '\0';
                    if (!strstr(line, "killed)"))
                        snprintf(line + strlen(line), sizeof(line) - strlen(line),
                                 " processes killed)");
                    removed++;
                } else {
                    snprintf(line, sizeof(line), "could not clean %s:%s/%s: %s", h->name, h->dir,
                             id, e);
                    failed = 1;
                    sb_err_set(err, "%s", e);
                }
                if (log)
                    log(line, arg);
                sb_buf_free(&res);
                sb_buf_free(&rm);
            }
        }
        if (!live) {
            sb_buf res;
            sb_buf_init(&res);
            if (ssh_check(c, "nft delete table inet splitbrain 2>/dev/null && echo gone; true",
                          &res, SB_SSH_CMD_TIMEOUT_NS, e) == 0 &&
                res.len && strstr(res.data, "gone")) {
                char line[200];
                snprintf(line, sizeof(line), "removed %s: nftables table inet splitbrain", h->name);
                if (log)
                    log(line, arg);
                removed++;
            }
            sb_buf_free(&res);
        }
        sb_buf_free(&cmd);
        sb_buf_free(&out);
        ssh_close(c);
    }
    char e[SB_ERR_LEN];
    sb_rm_rf(ctl, e);
    return failed ? -1 : removed;
}
