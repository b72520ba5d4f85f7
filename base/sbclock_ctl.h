/* sbclock_ctl.h -- the control file shared by the clock-skew shim
 * (libsbclock.so, inside redis-server and sentinels) and the controller
 * (base/clockctl.c). One page, created by the controller, mapped
 * read-only MAP_SHARED by every shimmed process. The controller is the only
 * writer and guards its writes with a seqlock; readers never block it.
 *
 * Header-only on purpose: the shim links nothing but libc and must not
 * allocate, so everything here is inline arithmetic and atomic loads. */
#ifndef SB_CLOCK_CTL_H
#define SB_CLOCK_CTL_H

#include <stddef.h>
#include <stdint.h>

#define SB_CLOCK_MAGIC 0x314b434f4c434253ULL /* "SBCLOCK1" little-endian */
#define SB_CLOCK_ENV "SB_CLOCK_CTL"          /* path of the control file */

/* Bits of sb_clock_ctl.flags. */
#define SB_CLOCK_MONOTONIC 1u /* offset the monotonic clocks too */

/* A reader that finds the seqlock held this many times in a row assumes
 * the controller died half-way through a write (SIGKILL between two
 * stores) and stops skewing instead of spinning inside Redis forever. A
 * real write takes a few stores, far below this. */
#define SB_CLOCK_MAX_SPINS (1u << 20)

#define SB_CLOCK_NS_PER_S 1000000000LL

/* All times in nanoseconds. The strobe window is on the raw (unskewed)
 * CLOCK_MONOTONIC, which the controller and the shim read alike. */
struct sb_clock_ctl {
    uint64_t magic;
    uint32_t seq;             /* seqlock: odd while the controller writes */
    uint32_t flags;           /* SB_CLOCK_* */
    int64_t offset_ns;        /* constant offset added to the clocks */
    int64_t strobe_delta_ns;  /* strobe: extra offset that alternates 0 / delta ... */
    int64_t strobe_period_ns; /* ... every period ... */
    int64_t strobe_start_ns;  /* ... from start to end, in raw CLOCK_MONOTONIC ns */
    int64_t strobe_end_ns;
};

/* Whether a mapping of file_size bytes holds a control block the shim may
 * trust. Anything else means "no skew": a stale or foreign file must never
 * move a clock. */
static inline int sb_clock_ctl_valid(const volatile struct sb_clock_ctl *c, size_t file_size)
{
    if (!c || file_size < sizeof(struct sb_clock_ctl))
        return 0;
    return __atomic_load_n(&c->magic, __ATOMIC_ACQUIRE) == SB_CLOCK_MAGIC;
}

/* The strobe's share of the offset at mono_now_ns: 0 in even periods since
 * the start, delta in odd ones, 0 outside [start, end) or if unset. */
static inline int64_t sb_clock_strobe_part(int64_t delta_ns, int64_t period_ns, int64_t start_ns,
                                           int64_t end_ns, int64_t mono_now_ns)
{
    if (delta_ns == 0 || period_ns <= 0 || mono_now_ns < start_ns || mono_now_ns >= end_ns)
        return 0;
    return ((mono_now_ns - start_ns) / period_ns) % 2 ? delta_ns : 0;
}

/* The offset to add to a clock reading taken at raw monotonic time
 * mono_now_ns, read consistently under the seqlock. Stores the flags in
 * *flags_out (if not NULL). Returns 0 with flags 0 if the writer appears
 * dead mid-write (see SB_CLOCK_MAX_SPINS). */
static inline int64_t sb_clock_effective_offset(const volatile struct sb_clock_ctl *c,
                                                int64_t mono_now_ns, uint32_t *flags_out)
{
    for (uint32_t spins = 0; spins < SB_CLOCK_MAX_SPINS; spins++) {
        uint32_t s1 = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
        if (s1 & 1u)
            continue;
        uint32_t flags = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);
        int64_t offset = __atomic_load_n(&c->offset_ns, __ATOMIC_ACQUIRE);
        int64_t delta = __atomic_load_n(&c->strobe_delta_ns, __ATOMIC_ACQUIRE);
        int64_t period = __atomic_load_n(&c->strobe_period_ns, __ATOMIC_ACQUIRE);
        int64_t start = __atomic_load_n(&c->strobe_start_ns, __ATOMIC_ACQUIRE);
        int64_t end = __atomic_load_n(&c->strobe_end_ns, __ATOMIC_ACQUIRE);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&c->seq, __ATOMIC_RELAXED) != s1)
            continue;
        if (flags_out)
            *flags_out = flags;
        return offset + sb_clock_strobe_part(delta, period, start, end, mono_now_ns);
    }
    if (flags_out)
        *flags_out = 0;
    return 0;
}

#endif
