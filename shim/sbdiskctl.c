/* sbdiskctl.c -- the file-system fault layer's faults, from a shell, on a
 * data folder whose redis-server ran with libsbdisk.so (sbdisk.c). Like
 * sbclockctl, the ssh backend can copy it to remote hosts and run it there.
 *
 *   sbdiskctl DIR init                 start a journal: all of DIR durable
 *   sbdiskctl DIR full [BYTES]         writes fail with ENOSPC (after BYTES)
 *   sbdiskctl DIR heal                 the disk has room again
 *   sbdiskctl DIR power-loss [torn BYTES|torn-seed SEED]
 *                                      every file back to its durable state
 *   sbdiskctl DIR corrupt FILE|aof|rdb flip COUNT SEED | truncate LEN | cut BYTES
 *                                      (aof, rdb: the file Redis uses)
 *
 * power-loss and corrupt need every process using DIR stopped; each
 * prints one JSON line (the files touched, the bytes dropped or changed).
 * Exit status 0, or 2 with a one-line error on stderr. The language is
 * diskloss_ctl's: the local lab applies the very same in process. */
#define _GNU_SOURCE
#include <stdio.h>

#include "diskloss.h"
#include "util.h"

int main(int argc, char **argv)
{
    char err[SB_ERR_LEN] = "";
    if (argc < 3) {
        fprintf(stderr,
                "usage: sbdiskctl DIR init | full [BYTES] | heal | "
                "power-loss [torn BYTES | torn-seed SEED] | "
                "corrupt FILE|aof|rdb (flip COUNT SEED | truncate LEN | cut BYTES) | compact\n");
        return 2;
    }
    sb_buf out;
    sb_buf_init(&out);
    int rc = diskloss_ctl(argv[1], argv + 2, &out, err);
    if (rc == -1)
        fprintf(stderr, "sbdiskctl: %s\n", err);
    else
        fputs(out.len ? out.data : "", stdout);
    sb_buf_free(&out);
    return rc == -1 ? 2 : 0;
}
