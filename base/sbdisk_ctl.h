/* sbdisk_ctl.h -- the files shared by the file-system fault layer
 * (libsbdisk.so inside redis-server, base/disktrack.c) and the tools that
 * read them (base/diskloss.c, sbdiskctl): the durability journal and the
 * control page, both in the state folder <dir>/.sbdisk of the data folder
 * <dir> (same file system, so the layer can keep inodes alive by hard
 * links in <dir>/.sbdisk/keep).
 *
 * The journal is append-only; every record is one write() on an O_APPEND
 * descriptor, so records of concurrent writers (Redis's main thread, its
 * bio threads, its fork children) never interleave, and a SIGKILL loses at
 * most the record of the call it interrupted. */
#ifndef SB_DISK_CTL_H
#define SB_DISK_CTL_H

#include <stddef.h>
#include <stdint.h>

#define SB_DISK_ENV "SB_DISK_DIR"               /* the data folder, absolute */
#define SB_DISK_STATE ".sbdisk"                 /* the state folder, inside it */
#define SB_DISK_JOURNAL "journal"               /* in the state folder */
#define SB_DISK_CTL "ctl"                       /* the control page, ditto */
#define SB_DISK_KEEP "keep"                     /* hard links by inode number */
#define SB_DISK_REC_MAGIC 0x31444253u           /* "SBD1" little-endian */
#define SB_DISK_CTL_MAGIC 0x314c544344425353ULL /* "SSBDCTL1" */

/* Record types. Names are paths relative to the data folder ("dump.rdb",
 * "appendonlydir/appendonly.aof.1.incr.aof"); a folder is its path, the
 * data folder itself "". */
enum sb_disk_rec_type {
    SB_DISK_SEEN = 1, /* ino first met with a = its size: all of it durable */
    SB_DISK_SYNC,     /* ino fsynced: its first a bytes are durable */
    SB_DISK_UNDO,     /* ino's bytes at offset a were the data, before a write */
    SB_DISK_ADD,      /* name now points at ino; b = 1: a new empty inode */
    SB_DISK_DEL,      /* name no longer points at ino */
    SB_DISK_DIRSYNC,  /* folder name fsynced: its entries are durable */
    SB_DISK_PRUNE,    /* ino's keep link removed (diskloss_compact): it had no
                       * name left, none durable, and no open descriptor, so
                       * it can never matter again; its earlier records are
                       * void, later ones belong to a new inode of that number */
};

/* One record: this header, namelen bytes of name (no NUL), then
 * len - sizeof header - namelen bytes of data (UNDO only). */
struct sb_disk_rec {
    uint32_t magic;
    uint16_t type;
    uint16_t namelen;
    uint32_t len;
    uint32_t pid;
    uint64_t ino;
    int64_t a;
    int64_t b;
};

/* The control page: the harness writes it (sbdiskctl full/heal), every
 * shimmed process maps it shared. full != 0: writes to files in the data
 * folder fail with ENOSPC once budget bytes more have been written
 * (budget < 0: at once). Writers take from budget atomically. */
struct sb_disk_ctl {
    uint64_t magic;
    uint32_t full;
    uint32_t pad;
    int64_t budget;
};

#endif
