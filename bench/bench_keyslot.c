/* bench_keyslot.c -- cost of routing a key: sb_keyslot on short plain keys
 * and on hash-tagged keys, in nanoseconds per call and calls per second.
 *
 * usage: bench_keyslot [N]   (N calls per kind, default 20000000)
 * Pure CPU; needs no Redis and no privileges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_slots.h"
#include "util.h"

#define BENCH_KEYS 1024

static void run(const char *label, char keys[][32], const size_t *lens, long n)
{
    unsigned long sink = 0;
    int64_t start = sb_now_ns();
    for (long i = 0; i < n; i++)
        sink += (unsigned long)sb_keyslot(keys[i & (BENCH_KEYS - 1)], lens[i & (BENCH_KEYS - 1)]);
    int64_t ns = sb_now_ns() - start;
    printf("%-22s %10ld calls  %7.2f ns/call  %7.1f M calls/s  (checksum %lu)\n", label, n,
           (double)ns / (double)n, (double)n * 1e3 / (double)ns, sink);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 20000000L;
    if (n <= 0) {
        fprintf(stderr, "usage: bench_keyslot [N]\n");
        return 2;
    }
    static char plain[BENCH_KEYS][32], tagged[BENCH_KEYS][32];
    static size_t plain_len[BENCH_KEYS], tagged_len[BENCH_KEYS];
    for (int i = 0; i < BENCH_KEYS; i++) {
        plain_len[i] = (size_t)snprintf(plain[i], sizeof(plain[i]), "key-%d", i * 7919);
        tagged_len[i] = (size_t)snprintf(tagged[i], sizeof(tagged[i]), "{acct-%d}.balance", i);
    }
    run("plain key (~9 bytes)", plain, plain_len, n);
    run("tagged key (~17 bytes)", tagged, tagged_len, n);
    return 0;
}
