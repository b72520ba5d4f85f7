/* disktrack.h -- the durability bookkeeping of the file-system fault layer:
 * what libsbdisk.so does around each file call of redis-server on files in
 * its data folder, so that a later power loss (diskloss.h) can set every
 * file back to exactly what was made durable.
 *
 * The rules (those LazyFS follows): bytes written to a file are volatile
 * until the file is fsync()ed or fdatasync()ed; a directory entry that is
 * created, renamed or removed is volatile until its folder is fsynced.
 * sync_file_range() makes nothing durable (no metadata, no cache flush).
 *
 * Each function here makes the call it is named for (as a raw system call:
 * no allocation, no dlsym, safe inside Redis at any time) and appends to
 * the journal (sbdisk_ctl.h) what a power loss needs to undo it:
 *   - the size of a file when it is fsynced (SYNC);
 *   - the old bytes of an already durable range before it is overwritten or
 *     truncated (UNDO), so appends cost nothing but the write itself;
 *   - each directory entry added or removed (ADD/DEL), with a hard link in
 *     the state folder that keeps every inode met alive, and each folder
 *     sync (DIRSYNC).
 * Files outside the data folder are passed through after a compare.
 *
 * The fd and inode tables are per process and lock-free: fork children
 * inherit them with the descriptors. An inode's durable size there is an
 * over-estimate (its size when last opened or fsynced in this process,
 * lowered by truncation, whose cut bytes are saved), so an overwrite of
 * durable bytes is never missed. An inode written by two processes at once
 * could be (Redis never does that: its children write files of their own);
 * with the table full, every overwrite is saved. */
#ifndef SB_DISKTRACK_H
#define SB_DISKTRACK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sbdisk_ctl.h"

#define DISKTRACK_MAX_FDS 65536 /* descriptors above are passed through */
#define DISKTRACK_MAX_INOS 256  /* inodes with a durable estimate, per process */

enum { DISKTRACK_NONE, DISKTRACK_FILE, DISKTRACK_DIR };

struct disktrack_fd {
    uint8_t kind;   /* DISKTRACK_* */
    uint8_t append; /* opened O_APPEND: writes land at the end */
    uint16_t slot;  /* in inos; DISKTRACK_MAX_INOS: none (the table is full) */
    uint64_t ino;
};

/* An over-estimate of an inode's durable size, shared by its descriptors
 * (a slot is claimed once, by compare-and-swap on ino, and never freed). */
struct disktrack_ino {
    uint64_t ino;
    int64_t durable;
};

struct disktrack {
    int active; /* 0: everything passes through */
    char dir[PATH_MAX];
    size_t dirlen;
    int journal_fd;
    int keep_fd; /* the keep folder */
    dev_t dev;
    volatile struct sb_disk_ctl *ctl;
    struct disktrack_fd fds[DISKTRACK_MAX_FDS];
    struct disktrack_ino inos[DISKTRACK_MAX_INOS];
};

/* Starts tracking dir (absolute, no symbolic links) if its state folder
 * exists (sbdiskctl init made it); otherwise leaves t inactive. Returns 0
 * when active, -1 when not. Never allocates. */
int disktrack_init(struct disktrack *t, const char *dir);
/* Closes what init opened (tests; the shim never finishes). */
void disktrack_fini(struct disktrack *t);

int disktrack_open(struct disktrack *t, int dirfd, const char *path, int flags, mode_t mode);
ssize_t disktrack_write(struct disktrack *t, int fd, const void *buf, size_t len);
ssize_t disktrack_pwrite(struct disktrack *t, int fd, const void *buf, size_t len, off_t off);
ssize_t disktrack_writev(struct disktrack *t, int fd, const struct iovec *iov, int iovcnt);
int disktrack_ftruncate(struct disktrack *t, int fd, off_t len);
int disktrack_truncate(struct disktrack *t, const char *path, off_t len);
int disktrack_fsync(struct disktrack *t, int fd, int datasync);
int disktrack_rename(struct disktrack *t, int olddirfd, const char *oldpath, int newdirfd,
                     const char *newpath);
int disktrack_unlink(struct disktrack *t, int dirfd, const char *path, int flags);
int disktrack_close(struct disktrack *t, int fd);
int disktrack_dup2(struct disktrack *t, int oldfd, int newfd, int flags);

/* The open(2) flags that fopen's mode string asks for, or -1 if invalid. */
int disktrack_fopen_flags(const char *mode);

#endif
