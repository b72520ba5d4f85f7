/* sbdisk.c -- libsbdisk.so, the file-system fault layer: an LD_PRELOAD
 * shim that keeps, for the files of one redis-server's data folder
 * ($SB_DISK_DIR), a journal of what was made durable (base/disktrack.c),
 * so that sbdiskctl can later set the folder back to exactly that state (a
 * power loss), and fails writes with ENOSPC while the control page says the
 * disk is full.
 *
 * Why a shim and not a FUSE file system (LazyFS's way): it leaves no mount
 * behind when a run is killed, needs no FUSE on ssh hosts, costs nothing on
 * files outside the data folder, and sees the calls Redis makes rather than
 * the kernel's replay of them.
 *
 * Interposed: what redis-server 7.0 imports for its files (open64, fopen,
 * fopen64, write, writev, ftruncate64, truncate64, fsync, fdatasync,
 * rename, unlink, close, dup2, fclose) and their siblings. Stdio writes go
 * to write() inside libc, where no symbol can be interposed; fopen is
 * therefore open() (tracked) plus fdopen(), and a stdio file's bytes are
 * accounted at fsync like any other. Like the clock shim this never
 * allocates and never calls dlsym(): the real calls are raw system calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "disktrack.h"

#define SBDISK_API __attribute__((visibility("default")))

/* Inactive (every call passed through) until the constructor has run. */
static struct disktrack sbdisk;

extern int _IO_fclose(FILE *fp);

__attribute__((constructor)) static void sbdisk_init(void)
{
    disktrack_init(&sbdisk, getenv(SB_DISK_ENV));
}

static mode_t sbdisk_mode(int flags, va_list ap)
{
    return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

/* ====== Opening and closing ====== */

SBDISK_API int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = sbdisk_mode(flags, ap);
    va_end(ap);
    return disktrack_open(&sbdisk, AT_FDCWD, path, flags, mode);
}

SBDISK_API int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = sbdisk_mode(flags, ap);
    va_end(ap);
    return disktrack_open(&sbdisk, AT_FDCWD, path, flags, mode);
}

SBDISK_API int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = sbdisk_mode(flags, ap);
    va_end(ap);
    return disktrack_open(&sbdisk, dirfd, path, flags, mode);
}

SBDISK_API int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = sbdisk_mode(flags, ap);
    va_end(ap);
    return disktrack_open(&sbdisk, dirfd, path, flags, mode);
}

SBDISK_API int creat(const char *path, mode_t mode)
{
    return disktrack_open(&sbdisk, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SBDISK_API int creat64(const char *path, mode_t mode)
{
    return disktrack_open(&sbdisk, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static FILE *sbdisk_fopen(const char *path, const char *mode)
{
    int flags = disktrack_fopen_flags(mode);
    if (flags == -1) {
        errno = EINVAL;
        return NULL;
    }
    int fd = disktrack_open(&sbdisk, AT_FDCWD, path, flags, 0666);
    if (fd == -1)
        return NULL;
    FILE *fp = fdopen(fd, mode);
    if (!fp) {
        int saved = errno;
        disktrack_close(&sbdisk, fd);
        errno = saved;
    }
    return fp;
}

SBDISK_API FILE *fopen(const char *path, const char *mode)
{
    return sbdisk_fopen(path, mode);
}

SBDISK_API FILE *fopen64(const char *path, const char *mode)
{
    return sbdisk_fopen(path, mode);
}

/* libc's fclose closes the descriptor inside libc: forget it first. */
SBDISK_API int fclose(FILE *fp)
{
    int fd = fp ? fileno(fp) : -1;
    if (fd >= 0 && fd < DISKTRACK_MAX_FDS)
        sbdisk.fds[fd].kind = DISKTRACK_NONE;
    return _IO_fclose(fp);
}

SBDISK_API int close(int fd)
{
    return disktrack_close(&sbdisk, fd);
}

SBDISK_API int dup2(int oldfd, int newfd)
{
    return disktrack_dup2(&sbdisk, oldfd, newfd, 0);
}

SBDISK_API int dup3(int oldfd, int newfd, int flags)
{
    if (oldfd == newfd) {
        errno = EINVAL;
        return -1;
    }
    return disktrack_dup2(&sbdisk, oldfd, newfd, flags);
}

/* ====== Writing ====== */

SBDISK_API ssize_t write(int fd, const void *buf, size_t len)
{
    return disktrack_write(&sbdisk, fd, buf, len);
}

SBDISK_API ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    return disktrack_pwrite(&sbdisk, fd, buf, len, off);
}

SBDISK_API ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    return disktrack_pwrite(&sbdisk, fd, buf, len, off);
}

SBDISK_API ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    return disktrack_writev(&sbdisk, fd, iov, iovcnt);
}

SBDISK_API int ftruncate(int fd, off_t len)
{
    return disktrack_ftruncate(&sbdisk, fd, len);
}

SBDISK_API int ftruncate64(int fd, off_t len)
{
    return disktrack_ftruncate(&sbdisk, fd, len);
}

SBDISK_API int truncate(const char *path, off_t len)
{
    return disktrack_truncate(&sbdisk, path, len);
}

SBDISK_API int truncate64(const char *path, off_t len)
{
    return disktrack_truncate(&sbdisk, path, len);
}

/* ====== Syncing ====== */

SBDISK_API int fsync(int fd)
{
    return disktrack_fsync(&sbdisk, fd, 0);
}

SBDISK_API int fdatasync(int fd)
{
    return disktrack_fsync(&sbdisk, fd, 1);
}

/* ====== Directory entries ====== */

SBDISK_API int rename(const char *oldpath, const char *newpath)
{
    return disktrack_rename(&sbdisk, AT_FDCWD, oldpath, AT_FDCWD, newpath);
}

SBDISK_API int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    return disktrack_rename(&sbdisk, olddirfd, oldpath, newdirfd, newpath);
}

SBDISK_API int unlink(const char *path)
{
    return disktrack_unlink(&sbdisk, AT_FDCWD, path, 0);
}

SBDISK_API int unlinkat(int dirfd, const char *path, int flags)
{
    return disktrack_unlink(&sbdisk, dirfd, path, flags);
}
