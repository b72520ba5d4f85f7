/* bench_echo_client.c -- the cheapest external client there can be
 * (clients/PROTOCOL.md): answers init with init_ok and every request with
 * {"id":N,"type":"ok"} without touching Redis. bench_set --clients runs it
 * to measure what the protocol itself costs the harness. Not a client to
 * test anything with: it acknowledges writes it never makes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(void)
{
    static char buf[1 << 16];
    size_t have = 0;
    int inited = 0;
    for (;;) {
        ssize_t r = read(0, buf + have, sizeof(buf) - have);
        if (r <= 0)
            return 0;
        have += (size_t)r;
        char out[1 << 16];
        size_t o = 0, start = 0;
        for (char *nl; (nl = memchr(buf + start, '\n', have - start));) {
            *nl = '\0';
            const char *line = buf + start;
            start = (size_t)(nl - buf) + 1;
            if (!inited) {
                inited = 1;
                o += (size_t)snprintf(out + o, sizeof(out) - o, "{\"type\":\"init_ok\"}\n");
                continue;
            }
            const char *id = strstr(line, "\"id\":");
            o += (size_t)snprintf(out + o, sizeof(out) - o, "{\"id\":%lld,\"type\":\"ok\"}\n",
                                  id ? atoll(id + 5) : -1LL);
            if (o > sizeof(out) - 64) {
                if (write_all(out, o) == -1)
                    return 1;
                o = 0;
            }
        }
        if (o && write_all(out, o) == -1)
            return 1;
        memmove(buf, buf + start, have - start);
        have -= start;
        if (have == sizeof(buf))
            return 1; /* a line longer than the buffer */
    }
}
