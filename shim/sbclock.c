/* sbclock.c -- libsbclock.so, an LD_PRELOAD shim that skews the clocks of
 * one process (redis-server, redis-sentinel) by an offset the controller
 * changes at run time through a memory-mapped control file (sbclock_ctl.h).
 *
 * Why not libfaketime: it looks up the real functions with dlsym() and
 * allocates while it initialises, and in Debian's redis-server malloc is a
 * jemalloc linked into the binary that is itself still starting up, so the
 * two re-enter each other and Redis crashes. This shim never allocates,
 * never calls dlsym(), and reads the real clocks only through the raw
 * system call, so it is safe whenever it is called, even before its own
 * constructor has run (it then passes the time through).
 *
 * Interposed: clock_gettime, gettimeofday, time -- what redis-server
 * imports from libc. The realtime clocks are always skewed; the monotonic
 * ones only when the control file's flags ask for it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sbclock_ctl.h"

#define SBCLOCK_API __attribute__((visibility("default")))

/* Set once by the constructor, before Redis starts threads; NULL means
 * "pass every clock through unchanged". */
static const volatile struct sb_clock_ctl *sbclock_ctl;

/* ====== Set-up ====== */

/* Maps $SB_CLOCK_CTL read-only. Any problem leaves the shim inert: a clock
 * shim that kills or blocks Redis would be a worse fault than the one we
 * want to inject, and the controller checks the effect from outside. */
__attribute__((constructor)) static void sbclock_init(void)
{
    const char *path = getenv(SB_CLOCK_ENV);
    if (!path || !*path)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return;
    struct stat st;
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
        (size_t)st.st_size < sizeof(struct sb_clock_ctl)) {
        close(fd);
        return;
    }
    void *map = mmap(NULL, sizeof(struct sb_clock_ctl), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return;
    if (!sb_clock_ctl_valid(map, (size_t)st.st_size)) {
        munmap(map, sizeof(struct sb_clock_ctl));
        return;
    }
    sbclock_ctl = map;
}

/* ====== Clock arithmetic ====== */

static int sbclock_raw(clockid_t clk, struct timespec *ts)
{
    return (int)syscall(SYS_clock_gettime, clk, ts);
}

static int64_t sbclock_ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * SB_CLOCK_NS_PER_S + ts->tv_nsec;
}

/* Adds off_ns keeping tv_nsec in [0, 1e9): a time before the epoch (or a
 * monotonic time before boot) is a negative tv_sec with a positive
 * tv_nsec, as POSIX represents it. */
static void sbclock_ts_add(struct timespec *ts, int64_t off_ns)
{
    ts->tv_sec += (time_t)(off_ns / SB_CLOCK_NS_PER_S);
    long nsec = ts->tv_nsec + (long)(off_ns % SB_CLOCK_NS_PER_S);
    if (nsec < 0) {
        nsec += SB_CLOCK_NS_PER_S;
        ts->tv_sec--;
    } else if (nsec >= SB_CLOCK_NS_PER_S) {
        nsec -= SB_CLOCK_NS_PER_S;
        ts->tv_sec++;
    }
    ts->tv_nsec = nsec;
}

static int sbclock_is_realtime(clockid_t clk)
{
    return clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE;
}

static int sbclock_is_monotonic(clockid_t clk)
{
    return clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_COARSE || clk == CLOCK_MONOTONIC_RAW ||
           clk == CLOCK_BOOTTIME;
}

/* The offset to add to clock clk, just read as *now. The strobe needs the
 * raw monotonic time; it costs a second system call, so it is read only
 * when a strobe is configured. If one gets configured between that peek
 * and the consistent read, mono 0 lies before its start: no strobe for
 * this one call, which is indistinguishable from calling a moment earlier. */
static int64_t sbclock_offset(clockid_t clk, const struct timespec *now)
{
    const volatile struct sb_clock_ctl *c = sbclock_ctl;
    if (!c)
        return 0;
    int mono_clock = sbclock_is_monotonic(clk);
    if (!sbclock_is_realtime(clk) && !mono_clock)
        return 0;
    if (mono_clock && !(__atomic_load_n(&c->flags, __ATOMIC_RELAXED) & SB_CLOCK_MONOTONIC))
        return 0;
    int64_t mono_ns = 0;
    if (clk == CLOCK_MONOTONIC) {
        mono_ns = sbclock_ts_ns(now);
    } else if (__atomic_load_n(&c->strobe_delta_ns, __ATOMIC_RELAXED) != 0) {
        struct timespec m;
        if (sbclock_raw(CLOCK_MONOTONIC, &m) == 0)
            mono_ns = sbclock_ts_ns(&m);
    }
    uint32_t flags;
    int64_t off = sb_clock_effective_offset(c, mono_ns, &flags);
    if (mono_clock && !(flags & SB_CLOCK_MONOTONIC))
        return 0;
    return off;
}

/* libc declares the arguments below nonnull, so the compiler would fold a
 * NULL check on them away; callers do pass NULL (the kernel allows it),
 * and the check must stay. */
static void *sbclock_opaque(void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

static int sbclock_gettime(clockid_t clk, struct timespec *tp)
{
    int rc = sbclock_raw(clk, tp);
    if (rc != 0)
        return rc;
    int64_t off = sbclock_offset(clk, tp);
    if (off != 0)
        sbclock_ts_add(tp, off);
    return 0;
}

/* ====== Interposed functions ====== */

SBCLOCK_API int clock_gettime(clockid_t clk, struct timespec *tp)
{
    return sbclock_gettime(clk, tp);
}

SBCLOCK_API int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    struct timeval *out = sbclock_opaque(tv);
    if (tz && syscall(SYS_gettimeofday, NULL, tz) != 0)
        return -1;
    if (!out)
        return 0;
    struct timespec ts;
    if (sbclock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -1;
    out->tv_sec = ts.tv_sec;
    out->tv_usec = ts.tv_nsec / 1000;
    return 0;
}

SBCLOCK_API time_t time(time_t *tloc)
{
    struct timespec ts;
    if (sbclock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (time_t)-1;
    if (tloc)
        *tloc = ts.tv_sec;
    return ts.tv_sec;
}
