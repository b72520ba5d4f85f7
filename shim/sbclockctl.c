/* sbclockctl.c -- the clock shim's control file, changed from a shell. The
 * ssh backend copies this program next to libsbclock.so on each remote
 * host and runs it there over ssh, so the seqlocked writes (clockctl.c)
 * happen on the host whose processes map the file, and a strobe's window
 * is read from that host's own monotonic clock.
 *
 *   sbclockctl FILE create
 *   sbclockctl FILE [mono 0|1] bump NS | set NS | strobe DELTA PERIOD DURATION | reset
 *   sbclockctl FILE show
 *
 * Times are integer nanoseconds. Prints the offset in force afterwards
 * ("offset_ns N"). Exit status 0, or 2 with a one-line error on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clockctl.h"
#include "util.h"

static int usage(void)
{
    fprintf(stderr, "usage: sbclockctl FILE create | show | [mono 0|1] bump NS | set NS | "
                    "strobe DELTA_NS PERIOD_NS DURATION_NS | reset\n");
    return 2;
}

static int parse_ns(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) {
        fprintf(stderr, "sbclockctl: '%s' is not a whole number of nanoseconds\n", s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    char err[SB_ERR_LEN];
    if (argc < 3)
        return usage();
    const char *path = argv[1];
    sb_clockctl *c =
        !strcmp(argv[2], "create") ? clockctl_create(path, err) : clockctl_open(path, err);
    if (!c) {
        fprintf(stderr, "sbclockctl: %s\n", err);
        return 2;
    }
    int i = 2, rc = 0;
    if (!strcmp(argv[i], "create") || !strcmp(argv[i], "show")) {
        i++;
    } else {
        if (!strcmp(argv[i], "mono")) {
            if (argc < i + 3 || (strcmp(argv[i + 1], "0") && strcmp(argv[i + 1], "1"))) {
                clockctl_close(c, 0);
                return usage();
            }
            clockctl_set_monotonic(c, argv[i + 1][0] == '1');
            i += 2;
        }
        int64_t a = 0, b = 0, d = 0;
        const char *op = argv[i++];
        if ((!strcmp(op, "bump") || !strcmp(op, "set")) && argc == i + 1) {
            if ((rc = parse_ns(argv[i++], &a)) == 0) {
                if (op[0] == 'b')
                    clockctl_bump(c, a);
                else
                    clockctl_set(c, a);
            }
        } else if (!strcmp(op, "strobe") && argc == i + 3) {
            if ((rc = parse_ns(argv[i], &a)) == 0 && (rc = parse_ns(argv[i + 1], &b)) == 0 &&
                (rc = parse_ns(argv[i + 2], &d)) == 0)
                clockctl_strobe(c, a, b, d);
            i += 3;
        } else if (!strcmp(op, "reset") && argc == i) {
            clockctl_reset(c);
        } else {
            rc = -1;
            usage();
        }
    }
    if (rc == 0 && i != argc) {
        rc = -1;
        usage();
    }
    if (rc == 0)
        printf("offset_ns %lld\n", (long long)clockctl_offset_now(c));
    clockctl_close(c, 0);
    return rc == 0 ? 0 : 2;
}
