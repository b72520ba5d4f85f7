/* diskloss.h -- the faults of the file-system layer applied to a stopped
 * node's data folder, from the durability journal that libsbdisk.so
 * (disktrack.h) kept while Redis ran: a power loss sets every file back to
 * exactly its durable state; a torn write does the same but keeps a prefix
 * of the last unsynced append; corrupt flips bytes or truncates a file.
 * Each returns one JSON line for the history: the files touched and the
 * bytes dropped or changed. Used by sbdiskctl and the tests. */
#ifndef SB_DISKLOSS_H
#define SB_DISKLOSS_H

#include <stdint.h>

#include "util.h"

/* Creates (or resets) dir's state folder: an empty journal, no kept
 * inodes, a control page with the disk not full. Everything in dir is
 * then durable. */
int diskloss_init(const char *dir, char *err);

/* Disk full: writes fail with ENOSPC after budget more bytes (< 0: at
 * once); full 0 heals. */
int diskloss_set_full(const char *dir, int full, int64_t budget, char *err);

struct diskloss_opts {
    int torn;           /* keep part of the last unsynced append */
    int64_t torn_bytes; /* that many bytes of it (< 0: a seeded number) */
    uint64_t seed;      /* for torn_bytes < 0 */
    int dry_run;        /* report what would change, change nothing */
};

/* Power loss on dir, whose processes must all be stopped: undoes the
 * volatile directory entries, then sets each file's bytes back to their
 * durable state, then resets the journal (init). Appends the JSON line to
 * out. Returns 0, or -1 with err. */
int diskloss_power_loss(const char *dir, const struct diskloss_opts *o, sb_buf *out, char *err);

/* Frees the disk that the journal's keep links hold (a long run keeps
 * every AOF and RDB file Redis ever replaced): removes the keep link of
 * each inode that has no name left in dir, none that a power loss could
 * bring back (no durable entry in any folder) and no open descriptor in
 * any process, and records that in the journal (SB_DISK_PRUNE), so that a
 * later power loss gives exactly what it would have given without it.
 * Safe while Redis runs. JSON line to out: inodes kept, pruned, bytes
 * freed, the journal's size. */
int diskloss_compact(const char *dir, sb_buf *out, char *err);

/* Corrupts file (relative to dir): flips count bytes at seeded positions,
 * or (truncate_to >= 0) truncates it there. JSON line to out. */
int diskloss_corrupt(const char *dir, const char *file, int count, int64_t truncate_to,
                     uint64_t seed, sb_buf *out, char *err);

/* The file a corrupt fault acts on, relative to dir: "dump.rdb" (rdb), or
 * the AOF's incr file with the highest sequence number (the one Redis
 * appends to), or its base file when that is empty or missing. */
int diskloss_pick_file(const char *dir, int rdb, char *out, size_t len, char *err);

/* The faults above as one command language, sbdiskctl's arguments after
 * DIR (argv NULL-terminated), so that every host backend applies them
 * alike (in process here, by sbdiskctl over ssh on a remote host):
 *   init | full [BYTES] | heal | power-loss [torn BYTES | torn-seed SEED]
 *   | corrupt FILE (flip COUNT SEED | truncate LEN | cut BYTES) | compact
 * where FILE "aof" or "rdb" is the file diskloss_pick_file names, and
 * cut drops BYTES off the end. The JSON line (power-loss, corrupt) goes
 * to out. 0, or -1 with err (a usage error says what is allowed). */
int diskloss_ctl(const char *dir, char *const argv[], sb_buf *out, char *err);

#endif
