/* bench_disktrack.c -- the file-system fault layer's own cost per call,
 * without Redis and without the noise of a shared machine's scheduler on a
 * client/server benchmark: the time of the calls redis-server makes most,
 * through the layer's bookkeeping (base/disktrack.c, what libsbdisk.so
 * runs) and as plain system calls, in alternating rounds, medians shown.
 *
 *   ./build/bench_disktrack [--writes N] [--syncs N] [--rounds R]
 *
 *   append     write() of 100 bytes to an O_APPEND file in the data
 *              folder (an AOF append)
 *   other fd   write() of 100 bytes to a file outside it (a client's
 *              socket, the log: every other write Redis makes)
 *   fdatasync  an append then fdatasync() (appendfsync always), on the
 *              disk under /tmp
 * bench/bench_disk.sh measures redis-server's throughput end to end. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diskloss.h"
#include "disktrack.h"
#include "util.h"

static void die(const char *what)
{
    fprintf(stderr, "bench_disktrack: %s\n", what);
    exit(2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns per call of n writes (and, with sync, an fdatasync after each). */
static double run(struct disktrack *t, int fd, long n, int sync)
{
    char buf[100];
    memset(buf, 'x', sizeof(buf));
    int64_t t0 = sb_now_ns();
    for (long i = 0; i < n; i++) {
        ssize_t w = t ? disktrack_write(t, fd, buf, sizeof(buf)) : write(fd, buf, sizeof(buf));
        if (w != (ssize_t)sizeof(buf))
            die("write failed");
        if (sync && (t ? disktrack_fsync(t, fd, 1) : fdatasync(fd)) != 0)
            die("fdatasync failed");
    }
    return (double)(sb_now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    long writes = 200000, syncs = 500;
    int rounds = 7;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--writes"))
            writes = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--syncs"))
            syncs = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--rounds"))
            rounds = atoi(argv[i + 1]);
        else
            die("usage: bench_disktrack [--writes N] [--syncs N] [--rounds R]");
    }
    if (writes < 1 || syncs < 1 || rounds < 1 || rounds > 99)
        die("--writes, --syncs and --rounds must be positive (rounds at most 99)");
    char dir[] = "/tmp/sb-bench-disktrack-XXXXXX", err[SB_ERR_LEN], p[256];
    if (!mkdtemp(dir) || diskloss_init(dir, err) == -1)
        die("cannot make the data folder");
    struct disktrack *t = sb_xcalloc(1, sizeof(*t));
    if (disktrack_init(t, dir) == -1)
        die("cannot start the layer");
    snprintf(p, sizeof(p), "%s/appendonly.aof", dir);
    int tracked = disktrack_open(t, AT_FDCWD, p, O_WRONLY | O_CREAT | O_APPEND, 0644);
    snprintf(p, sizeof(p), "%s.outside", dir);
    int outside = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
    snprintf(p, sizeof(p), "%s/plain.aof", dir);
    int plain = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (tracked == -1 || outside == -1 || plain == -1)
        die("cannot open the files");
    double v[6][99];
    for (int r = 0; r < rounds; r++) {
        v[0][r] = run(NULL, plain, writes, 0);
        v[1][r] = run(t, tracked, writes, 0);
        v[2][r] = run(NULL, outside, writes, 0);
        v[3][r] = run(t, outside, writes, 0);
        v[4][r] = run(NULL, plain, syncs, 1);
        v[5][r] = run(t, tracked, syncs, 1);
    }
    static const char *const names[] = {"append", "other fd", "fdatasync"};
    printf("ns per call, median of %d rounds (%ld writes, %ld syncs a round)\n", rounds, writes,
           syncs);
    printf("%-10s %12s %12s %8s\n", "call", "plain", "layer", "cost");
    for (int i = 0; i < 3; i++) {
        double a = median(v[2 * i], rounds), b = median(v[2 * i + 1], rounds);
        printf("%-10s %12.0f %12.0f %7.1f%%\n", names[i], a, b, (b - a) * 100 / a);
    }
    disktrack_close(t, tracked);
    disktrack_fini(t);
    free(t);
    close(outside);
    close(plain);
    unlink(p);
    snprintf(p, sizeof(p), "%s.outside", dir);
    unlink(p);
    sb_rm_rf(dir, err);
    return 0;
}
