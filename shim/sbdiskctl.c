/* sbdiskctl.c -- the file-system fault layer's faults, from a shell, on a
 * data folder whose redis-server ran with libsbdisk.so (sbdisk.c). Like
 * sbclockctl, the ssh backend can copy it to remote hosts and run it there.
 *
 *   sbdiskctl DIR init                 start a journal: all of DIR durable
 *   sbdiskctl DIR full [BYTES]         writes fail with ENOSPC (after BYTES)
 *   sbdiskctl DIR heal                 the disk has room again
 *   sbdiskctl DIR power-loss [torn BYTES|torn-seed SEED]
 *                                      every file back to its durable state
 *   sbdiskctl DIR corrupt FILE flip COUNT SEED | truncate LEN
 *
 * power-loss and corrupt need every process using DIR stopped; each
 * prints one JSON line (the files touched, the bytes dropped or changed).
 * Exit status 0, or 2 with a one-line error on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diskloss.h"
#include "util.h"

static int usage(void)
{
    fprintf(stderr, "usage: sbdiskctl DIR init | full [BYTES] | heal | "
                    "power-loss [torn BYTES | torn-seed SEED] | "
                    "corrupt FILE (flip COUNT SEED | truncate LEN)\n");
    return 2;
}

static int parse_num(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "sbdiskctl: '%s' is not a whole number >= 0\n", s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    char err[SB_ERR_LEN] = "";
    if (argc < 3)
        return usage();
    const char *dir = argv[1], *op = argv[2];
    long long a = 0, b = 0;
    int rc;
    sb_buf out;
    sb_buf_init(&out);
    if (!strcmp(op, "init") && argc == 3) {
        rc = diskloss_init(dir, err);
    } else if (!strcmp(op, "full") && (argc == 3 || argc == 4)) {
        if (argc == 4 && parse_num(argv[3], &a) == -1)
            return 2;
        rc = diskloss_set_full(dir, 1, argc == 4 ? a : -1, err);
    } else if (!strcmp(op, "heal") && argc == 3) {
        rc = diskloss_set_full(dir, 0, 0, err);
    } else if (!strcmp(op, "power-loss") && (argc == 3 || argc == 5)) {
        struct diskloss_opts o = {.torn_bytes = -1};
        if (argc == 5) {
            if (strcmp(argv[3], "torn") && strcmp(argv[3], "torn-seed"))
                return usage();
            if (parse_num(argv[4], &a) == -1)
                return 2;
            o.torn = 1;
            if (!strcmp(argv[3], "torn"))
                o.torn_bytes = a;
            else
                o.seed = (uint64_t)a;
        }
        rc = diskloss_power_loss(dir, &o, &out, err);
    } else if (!strcmp(op, "corrupt") && argc >= 6) {
        if (!strcmp(argv[4], "flip") && argc == 7 && parse_num(argv[5], &a) == 0 &&
            parse_num(argv[6], &b) == 0)
            rc = diskloss_corrupt(dir, argv[3], (int)a, -1, (uint64_t)b, &out, err);
        else if (!strcmp(argv[4], "truncate") && argc == 6 && parse_num(argv[5], &a) == 0)
            rc = diskloss_corrupt(dir, argv[3], 0, a, 0, &out, err);
        else
            return usage();
    } else {
        return usage();
    }
    if (rc == -1) {
        fprintf(stderr, "sbdiskctl: %s\n", err);
        sb_buf_free(&out);
        return 2;
    }
    fputs(out.len ? out.data : "", stdout);
    sb_buf_free(&out);
    return 0;
}
