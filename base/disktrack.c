/* disktrack.c -- the durability bookkeeping of the file-system fault layer
 * (see disktrack.h for the rules). Every call here is a raw system call:
 * this file runs inside redis-server, interposed under its libc calls, and
 * must never allocate, call back into libc's interposed names, or block. */
#define _GNU_SOURCE
#include "disktrack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DISKTRACK_CHUNK 16384 /* undo bytes per record (stack buffer) */

/* ====== Raw system calls ====== */

/* syscall() maps errors to -1 and errno; these name the calls. */
static int dt_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static int dt_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

static int dt_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

static ssize_t dt_pread(int fd, void *buf, size_t len, off_t off)
{
    return (ssize_t)syscall(SYS_pread64, fd, buf, len, off);
}

static int dt_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}

/* ====== Paths ====== */

/* Appends component c (len n) to out (length *o), resolving "." and "..". */
static int dt_push(char *out, size_t *o, const char *c, size_t n)
{
    if (n == 0 || (n == 1 && c[0] == '.'))
        return 0;
    if (n == 2 && c[0] == '.' && c[1] == '.') {
        while (*o > 0 && out[*o - 1] != '/')
            (*o)--;
        if (*o > 0)
            (*o)--;
        return 0;
    }
    if (*o + 1 + n >= PATH_MAX)
        return -1;
    out[(*o)++] = '/';
    memcpy(out + *o, c, n);
    *o += n;
    return 0;
}

static int dt_push_path(char *out, size_t *o, const char *p)
{
    while (*p) {
        const char *s = strchr(p, '/');
        size_t n = s ? (size_t)(s - p) : strlen(p);
        if (dt_push(out, o, p, n) == -1)
            return -1;
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

/* The absolute, lexically normal form of path (relative to dirfd). */
static int dt_abs(int dirfd, const char *path, char *out)
{
    size_t o = 0;
    if (path[0] != '/') {
        char base[PATH_MAX];
        long n;
        if (dirfd == AT_FDCWD) {
            n = syscall(SYS_getcwd, base, sizeof(base));
            if (n <= 0)
                return -1;
        } else {
            char link[64];
            snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
            n = syscall(SYS_readlink, link, base, sizeof(base) - 1);
            if (n <= 0)
                return -1;
            base[n] = 0;
        }
        if (dt_push_path(out, &o, base) == -1)
            return -1;
    }
    if (dt_push_path(out, &o, path) == -1)
        return -1;
    out[o] = 0;
    return 0;
}

/* Whether path names something in the data folder (or the folder itself,
 * rel ""), outside the state folder; rel gets the path relative to it. */
static int dt_rel(const struct disktrack *t, int dirfd, const char *path, char *rel)
{
    if (!t->active || !path)
        return 0;
    if (path[0] == '/' && strncmp(path, t->dir, t->dirlen) != 0)
        return 0; /* the common case outside, without a system call */
    char abs[PATH_MAX];
    if (dt_abs(dirfd, path, abs) == -1)
        return 0;
    if (strncmp(abs, t->dir, t->dirlen) != 0 || (abs[t->dirlen] && abs[t->dirlen] != '/'))
        return 0;
    const char *r = abs[t->dirlen] ? abs + t->dirlen + 1 : "";
    size_t sl = strlen(SB_DISK_STATE);
    if (!strncmp(r, SB_DISK_STATE, sl) && (r[sl] == 0 || r[sl] == '/'))
        return 0;
    strcpy(rel, r);
    return 1;
}

/* ====== Journal ====== */

static void dt_record(struct disktrack *t, int type, uint64_t ino, int64_t a, int64_t b,
                      const char *name, const void *data, size_t dlen)
{
    size_t nl = name ? strlen(name) : 0;
    struct sb_disk_rec r = {.magic = SB_DISK_REC_MAGIC,
                            .type = (uint16_t)type,
                            .namelen = (uint16_t)nl,
                            .len = (uint32_t)(sizeof(r) + nl + dlen),
                            .pid = (uint32_t)syscall(SYS_getpid),
                            .ino = ino,
                            .a = a,
                            .b = b};
    struct iovec iov[3] = {{&r, sizeof(r)}, {(void *)name, nl}, {(void *)data, dlen}};
    int saved = errno;
    syscall(SYS_writev, t->journal_fd, iov, 3);
    errno = saved;
}

/* Makes the journal know ino (whose entry rel or descriptor fd has size
 * bytes): the first time, a hard link keeps it alive and SEEN gives its
 * whole size as its durable baseline. created: a new empty inode (ADD
 * records it instead). Returns 1 the first time, 0 after, -1 on error. */
static int dt_keep(struct disktrack *t, int dirfd, const char *path, uint64_t ino)
{
    char name[32];
    snprintf(name, sizeof(name), "%llu", (unsigned long long)ino);
    long rc = syscall(SYS_linkat, dirfd, path, t->keep_fd, name, 0);
    if (rc == 0)
        return 1;
    return errno == EEXIST ? 0 : -1;
}

static void dt_meet(struct disktrack *t, int dirfd, const char *path, const char *rel,
                    const struct stat *st)
{
    int saved = errno;
    if (dt_keep(t, dirfd, path, st->st_ino) == 1)
        dt_record(t, SB_DISK_SEEN, st->st_ino, st->st_size, 0, rel, NULL, 0);
    errno = saved;
}

/* Saves bytes [off, end) of fd (inode ino) as UNDO records. Redis writes
 * through descriptors opened write-only, so the bytes are read through a
 * read-only descriptor of the same inode, opened by /proc (which works for
 * an unlinked file too). */
static void dt_save(struct disktrack *t, int fd, uint64_t ino, off_t off, off_t end)
{
    char buf[DISKTRACK_CHUNK];
    int saved = errno;
    if (off >= end)
        return;
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    int rfd = dt_openat(AT_FDCWD, link, O_RDONLY | O_CLOEXEC, 0);
    if (rfd == -1) {
        errno = saved;
        return;
    }
    while (off < end) {
        size_t want = (size_t)(end - off) < sizeof(buf) ? (size_t)(end - off) : sizeof(buf);
        ssize_t n = dt_pread(rfd, buf, want, off);
        if (n <= 0)
            break;
        dt_record(t, SB_DISK_UNDO, ino, off, 0, NULL, buf, (size_t)n);
        off += n;
    }
    dt_close(rfd);
    errno = saved;
}

/* ====== Set-up ====== */

int disktrack_init(struct disktrack *t, const char *dir)
{
    t->active = 0;
    t->journal_fd = t->keep_fd = -1;
    t->ctl = NULL;
    if (!dir || dir[0] != '/' || strlen(dir) + 32 >= PATH_MAX)
        return -1;
    size_t o = 0;
    if (dt_push_path(t->dir, &o, dir) == -1 || o == 0)
        return -1;
    t->dir[o] = 0;
    t->dirlen = o;
    /* Its real path: Redis names its files from its working folder, which
     * getcwd gives resolved (the folder may be reached through a link). */
    int dfd = dt_openat(AT_FDCWD, t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (dfd != -1) {
        char link[64], real[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dfd);
        long n = syscall(SYS_readlink, link, real, sizeof(real) - 1);
        dt_close(dfd);
        if (n > 1 && real[0] == '/' && (size_t)n + 32 < PATH_MAX) {
            memcpy(t->dir, real, (size_t)n);
            t->dir[n] = 0;
            t->dirlen = (size_t)n;
        }
    }
    char p[PATH_MAX + 64];
    struct stat st;
    if (dt_fstatat(AT_FDCWD, t->dir, &st, 0) == -1)
        return -1;
    t->dev = st.st_dev;
    snprintf(p, sizeof(p), "%s/%s/%s", t->dir, SB_DISK_STATE, SB_DISK_JOURNAL);
    t->journal_fd = dt_openat(AT_FDCWD, p, O_WRONLY | O_APPEND | O_CLOEXEC, 0);
    snprintf(p, sizeof(p), "%s/%s/%s", t->dir, SB_DISK_STATE, SB_DISK_KEEP);
    t->keep_fd = dt_openat(AT_FDCWD, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (t->journal_fd == -1 || t->keep_fd == -1) {
        disktrack_fini(t);
        return -1;
    }
    snprintf(p, sizeof(p), "%s/%s/%s", t->dir, SB_DISK_STATE, SB_DISK_CTL);
    int cfd = dt_openat(AT_FDCWD, p, O_RDWR | O_CLOEXEC, 0);
    if (cfd != -1) {
        if (dt_fstat(cfd, &st) == 0 && (size_t)st.st_size >= sizeof(struct sb_disk_ctl)) {
            long m = syscall(SYS_mmap, NULL, sizeof(struct sb_disk_ctl), PROT_READ | PROT_WRITE,
                             MAP_SHARED, cfd, 0);
            if (m != -1 && ((struct sb_disk_ctl *)m)->magic == SB_DISK_CTL_MAGIC)
                t->ctl = (struct sb_disk_ctl *)m;
        }
        dt_close(cfd);
    }
    memset(t->fds, 0, sizeof(t->fds));
    memset(t->inos, 0, sizeof(t->inos));
    t->active = 1;
    return 0;
}

void disktrack_fini(struct disktrack *t)
{
    if (t->journal_fd != -1)
        dt_close(t->journal_fd);
    if (t->keep_fd != -1)
        dt_close(t->keep_fd);
    if (t->ctl)
        syscall(SYS_munmap, t->ctl, sizeof(struct sb_disk_ctl));
    t->journal_fd = t->keep_fd = -1;
    t->ctl = NULL;
    t->active = 0;
}

/* ino's slot in the inode table, claimed if new; DISKTRACK_MAX_INOS when
 * the table is full. */
static uint16_t dt_slot(struct disktrack *t, uint64_t ino)
{
    for (uint16_t i = 0; i < DISKTRACK_MAX_INOS; i++) {
        uint64_t cur = __atomic_load_n(&t->inos[i].ino, __ATOMIC_ACQUIRE);
        if (cur == ino)
            return i;
        if (cur == 0 && __atomic_compare_exchange_n(&t->inos[i].ino, &cur, ino, 0, __ATOMIC_ACQ_REL,
                                                    __ATOMIC_ACQUIRE))
            return i;
        if (cur == ino)
            return i;
    }
    return DISKTRACK_MAX_INOS;
}

static int64_t dt_durable(const struct disktrack *t, const struct disktrack_fd *f)
{
    if (f->slot >= DISKTRACK_MAX_INOS)
        return INT64_MAX;
    return __atomic_load_n(&t->inos[f->slot].durable, __ATOMIC_RELAXED);
}

static void dt_set_durable(struct disktrack *t, uint16_t slot, int64_t durable)
{
    if (slot < DISKTRACK_MAX_INOS)
        __atomic_store_n(&t->inos[slot].durable, durable, __ATOMIC_RELAXED);
}

static struct disktrack_fd *dt_fd(struct disktrack *t, int fd)
{
    if (!t->active || fd < 0 || fd >= DISKTRACK_MAX_FDS)
        return NULL;
    struct disktrack_fd *f = &t->fds[fd];
    return f->kind == DISKTRACK_NONE ? NULL : f;
}

/* ====== Disk full ====== */

/* How many of len bytes the disk takes now: len, fewer, or -1 (ENOSPC). */
static ssize_t dt_budget(struct disktrack *t, size_t len)
{
    volatile struct sb_disk_ctl *c = t->ctl;
    if (!c || !__atomic_load_n(&c->full, __ATOMIC_ACQUIRE) || len == 0)
        return (ssize_t)len;
    int64_t b = __atomic_load_n(&c->budget, __ATOMIC_ACQUIRE);
    for (;;) {
        if (b <= 0) {
            errno = ENOSPC;
            return -1;
        }
        int64_t take = (int64_t)len < b ? (int64_t)len : b;
        if (__atomic_compare_exchange_n(&c->budget, &b, b - take, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return (ssize_t)take;
    }
}

/* ====== Opening ====== */

int disktrack_open(struct disktrack *t, int dirfd, const char *path, int flags, mode_t mode)
{
    char rel[PATH_MAX];
    if (!dt_rel(t, dirfd, path, rel))
        return dt_openat(dirfd, path, flags, mode);
    struct stat before;
    int existed = dt_fstatat(dirfd, path, &before, 0) == 0;
    if (existed && S_ISREG(before.st_mode)) {
        dt_meet(t, dirfd, path, rel, &before);
        if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && before.st_size > 0) {
            int rfd = dt_openat(dirfd, path, O_RDONLY | O_CLOEXEC, 0);
            if (rfd != -1) {
                dt_save(t, rfd, before.st_ino, 0, before.st_size);
                dt_close(rfd);
            }
        }
    }
    int fd = dt_openat(dirfd, path, flags, mode);
    if (fd == -1)
        return -1;
    struct stat st;
    int saved = errno;
    if (dt_fstat(fd, &st) == 0 && st.st_dev == t->dev && fd < DISKTRACK_MAX_FDS) {
        struct disktrack_fd *f = &t->fds[fd];
        if (S_ISDIR(st.st_mode)) {
            *f = (struct disktrack_fd){
                .kind = DISKTRACK_DIR, .slot = DISKTRACK_MAX_INOS, .ino = st.st_ino};
        } else if (S_ISREG(st.st_mode)) {
            if (!existed) {
                if (dt_keep(t, dirfd, path, st.st_ino) == 1)
                    dt_record(t, SB_DISK_ADD, st.st_ino, 0, 1, rel, NULL, 0);
            } else if (before.st_ino != st.st_ino) {
                dt_meet(t, dirfd, path, rel, &st); /* replaced in between */
            }
            uint16_t slot = dt_slot(t, st.st_ino);
            dt_set_durable(t, slot, st.st_size);
            *f = (struct disktrack_fd){.kind = DISKTRACK_FILE,
                                       .append = (flags & O_APPEND) != 0,
                                       .slot = slot,
                                       .ino = st.st_ino};
        }
    }
    errno = saved;
    return fd;
}

int disktrack_fopen_flags(const char *mode)
{
    int flags;
    switch (mode[0]) {
    case 'r':
        flags = 0;
        break;
    case 'w':
        flags = O_CREAT | O_TRUNC;
        break;
    case 'a':
        flags = O_CREAT | O_APPEND;
        break;
    default:
        return -1;
    }
    int plus = 0;
    for (const char *m = mode + 1; *m && *m != ','; m++) {
        if (*m == '+')
            plus = 1;
        else if (*m == 'e')
            flags |= O_CLOEXEC;
        else if (*m == 'x')
            flags |= O_EXCL;
    }
    if (plus)
        return flags | O_RDWR;
    return flags | (mode[0] == 'r' ? O_RDONLY : O_WRONLY);
}

/* ====== Writing ====== */

/* Before len bytes are written at off (-1: the descriptor's position):
 * saves whatever part of them lies over durable bytes. */
static void dt_before_write(struct disktrack *t, int fd, struct disktrack_fd *f, off_t off,
                            size_t len)
{
    if (f->append || len == 0)
        return;
    int64_t durable = dt_durable(t, f);
    if (off < 0) {
        int saved = errno;
        off = (off_t)syscall(SYS_lseek, fd, 0, SEEK_CUR);
        errno = saved;
        if (off < 0)
            return;
    }
    if (off >= durable)
        return;
    off_t end = off + (off_t)len < durable ? off + (off_t)len : durable;
    dt_save(t, fd, f->ino, off, end);
}

ssize_t disktrack_write(struct disktrack *t, int fd, const void *buf, size_t len)
{
    struct disktrack_fd *f = dt_fd(t, fd);
    if (f && f->kind == DISKTRACK_FILE) {
        ssize_t n = dt_budget(t, len);
        if (n < 0)
            return -1;
        dt_before_write(t, fd, f, -1, (size_t)n);
        len = (size_t)n;
    }
    return (ssize_t)syscall(SYS_write, fd, buf, len);
}

ssize_t disktrack_pwrite(struct disktrack *t, int fd, const void *buf, size_t len, off_t off)
{
    struct disktrack_fd *f = dt_fd(t, fd);
    if (f && f->kind == DISKTRACK_FILE) {
        ssize_t n = dt_budget(t, len);
        if (n < 0)
            return -1;
        dt_before_write(t, fd, f, off, (size_t)n);
        len = (size_t)n;
    }
    return (ssize_t)syscall(SYS_pwrite64, fd, buf, len, off);
}

ssize_t disktrack_writev(struct disktrack *t, int fd, const struct iovec *iov, int iovcnt)
{
    struct disktrack_fd *f = dt_fd(t, fd);
    if (!f || f->kind != DISKTRACK_FILE || iovcnt <= 0 || iovcnt > 64)
        return (ssize_t)syscall(SYS_writev, fd, iov, iovcnt);
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    ssize_t n = dt_budget(t, total);
    if (n < 0)
        return -1;
    struct iovec cut[64];
    size_t left = (size_t)n;
    int k = 0;
    for (; k < iovcnt && left > 0; k++) {
        cut[k] = iov[k];
        if (cut[k].iov_len > left)
            cut[k].iov_len = left;
        left -= cut[k].iov_len;
    }
    dt_before_write(t, fd, f, -1, (size_t)n);
    return (ssize_t)syscall(SYS_writev, fd, cut, k);
}

/* Saves what truncating fd's file to len would cut off its durable part. */
static void dt_before_truncate(struct disktrack *t, int fd, uint64_t ino, int64_t durable,
                               off_t len)
{
    struct stat st;
    if (dt_fstat(fd, &st) == -1)
        return;
    off_t end = st.st_size < durable ? st.st_size : durable;
    if (len < end)
        dt_save(t, fd, ino, len, end);
}

int disktrack_ftruncate(struct disktrack *t, int fd, off_t len)
{
    struct disktrack_fd *f = dt_fd(t, fd);
    if (f && f->kind == DISKTRACK_FILE) {
        int64_t durable = dt_durable(t, f);
        dt_before_truncate(t, fd, f->ino, durable, len);
        if (len < durable)
            dt_set_durable(t, f->slot, len);
    }
    return (int)syscall(SYS_ftruncate, fd, len);
}

int disktrack_truncate(struct disktrack *t, const char *path, off_t len)
{
    char rel[PATH_MAX];
    if (dt_rel(t, AT_FDCWD, path, rel)) {
        int rfd = dt_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
        struct stat st;
        if (rfd != -1 && dt_fstat(rfd, &st) == 0 && S_ISREG(st.st_mode)) {
            dt_meet(t, AT_FDCWD, path, rel, &st);
            dt_before_truncate(t, rfd, st.st_ino, st.st_size, len);
        }
        if (rfd != -1)
            dt_close(rfd);
    }
    return (int)syscall(SYS_truncate, path, len);
}

/* ====== Syncing ====== */

/* A file's durable size is its size when the sync began: bytes another
 * thread appends during the call may or may not have reached the disk,
 * and the layer takes the outcome where they did not. */
int disktrack_fsync(struct disktrack *t, int fd, int datasync)
{
    long nr = datasync ? SYS_fdatasync : SYS_fsync;
    struct disktrack_fd *f = dt_fd(t, fd);
    if (!f)
        return (int)syscall(nr, fd);
    struct stat st;
    if (dt_fstat(fd, &st) == -1)
        return (int)syscall(nr, fd);
    if (f->kind == DISKTRACK_FILE && st.st_size > dt_durable(t, f) && dt_budget(t, 1) < 0)
        return -1; /* delayed allocation: the full disk shows at fsync */
    int rc = (int)syscall(nr, fd);
    if (rc != 0)
        return rc;
    int saved = errno;
    if (f->kind == DISKTRACK_FILE) {
        dt_record(t, SB_DISK_SYNC, f->ino, st.st_size, 0, NULL, NULL, 0);
        dt_set_durable(t, f->slot, st.st_size);
    } else {
        char rel[PATH_MAX], link[64], abs[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        long n = syscall(SYS_readlink, link, abs, sizeof(abs) - 1);
        if (n > 0) {
            abs[n] = 0;
            if (dt_rel(t, AT_FDCWD, abs, rel))
                dt_record(t, SB_DISK_DIRSYNC, f->ino, 0, 0, rel, NULL, 0);
        }
    }
    errno = saved;
    return rc;
}

/* ====== Directory entries ====== */

int disktrack_rename(struct disktrack *t, int olddirfd, const char *oldpath, int newdirfd,
                     const char *newpath)
{
    char orel[PATH_MAX], nrel[PATH_MAX];
    int oin = dt_rel(t, olddirfd, oldpath, orel), nin = dt_rel(t, newdirfd, newpath, nrel);
    struct stat os, ns;
    int have_o = (oin || nin) && dt_fstatat(olddirfd, oldpath, &os, AT_SYMLINK_NOFOLLOW) == 0 &&
                 S_ISREG(os.st_mode);
    int n_exists = have_o && nin && dt_fstatat(newdirfd, newpath, &ns, AT_SYMLINK_NOFOLLOW) == 0;
    if (n_exists && ns.st_ino == os.st_ino && ns.st_dev == os.st_dev)
        /* two links to one file (a power loss can leave a renamed file
         * under both names): rename does nothing */
        return (int)syscall(SYS_renameat, olddirfd, oldpath, newdirfd, newpath);
    int have_n = n_exists && S_ISREG(ns.st_mode);
    if (have_o && oin)
        dt_meet(t, olddirfd, oldpath, orel, &os);
    if (have_n)
        dt_meet(t, newdirfd, newpath, nrel, &ns);
    int rc = (int)syscall(SYS_renameat, olddirfd, oldpath, newdirfd, newpath);
    if (rc != 0 || !have_o)
        return rc;
    int saved = errno;
    if (have_n)
        dt_record(t, SB_DISK_DEL, ns.st_ino, 0, 0, nrel, NULL, 0);
    if (oin)
        dt_record(t, SB_DISK_DEL, os.st_ino, 0, 0, orel, NULL, 0);
    if (nin) {
        if (!oin)
            dt_meet(t, newdirfd, newpath, nrel, &os);
        dt_record(t, SB_DISK_ADD, os.st_ino, 0, 0, nrel, NULL, 0);
    }
    errno = saved;
    return rc;
}

int disktrack_unlink(struct disktrack *t, int dirfd, const char *path, int flags)
{
    char rel[PATH_MAX];
    struct stat st;
    int in = !(flags & AT_REMOVEDIR) && dt_rel(t, dirfd, path, rel) &&
             dt_fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    if (in)
        dt_meet(t, dirfd, path, rel, &st);
    int rc = (int)syscall(SYS_unlinkat, dirfd, path, flags);
    if (rc == 0 && in)
        dt_record(t, SB_DISK_DEL, st.st_ino, 0, 0, rel, NULL, 0);
    return rc;
}

/* ====== Descriptors ====== */

int disktrack_close(struct disktrack *t, int fd)
{
    struct disktrack_fd *f = dt_fd(t, fd);
    if (f)
        f->kind = DISKTRACK_NONE;
    return dt_close(fd);
}

int disktrack_dup2(struct disktrack *t, int oldfd, int newfd, int flags)
{
    int rc = (int)syscall(SYS_dup3, oldfd, newfd, flags);
    if (oldfd == newfd)
        rc = (int)syscall(SYS_fcntl, oldfd, F_GETFD) == -1 ? -1 : newfd;
    if (rc == -1 || !t->active || newfd < 0 || newfd >= DISKTRACK_MAX_FDS)
        return rc;
    struct disktrack_fd *f = dt_fd(t, oldfd);
    t->fds[newfd] = f ? *f : (struct disktrack_fd){0};
    return rc;
}
