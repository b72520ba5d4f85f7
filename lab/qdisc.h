/* qdisc.h -- packet faults as root queueing disciplines: delay, loss,
 * duplication, reordering and corruption (netem) and rate limits (tbf).
 *
 * Every function acts on interface ifname in the network namespace of the
 * calling thread: the caller enters a host with lab_enter() first. Each call
 * opens and closes its own rtnetlink socket, so calls from threads in
 * different namespaces never meet. Nothing is remembered between calls: the
 * kernel's root qdisc is the only state.
 *
 * Faults replace the interface's root qdisc, so one is in force at a time;
 * qdisc_clear() returns the interface to its default. */
#ifndef SB_QDISC_H
#define SB_QDISC_H

#include <stddef.h>
#include <stdint.h>

/* What netem does to every packet leaving the interface. Probabilities are
 * in 0..1 and independent per packet (no correlation). */
typedef struct sb_netem {
    int64_t delay_ns, jitter_ns; /* 0 = none; reorder needs a delay */
    double loss, duplicate, reorder, corrupt;
    uint32_t limit; /* queue length in packets; 0 = default 1000 */
} sb_netem;

/* Returned by qdisc_netem_set() when the kernel has no sch_netem. */
#define SB_QDISC_UNSUPPORTED (-2)

/* Replaces the root qdisc of ifname with netem per p. 0, -1 with err, or
 * SB_QDISC_UNSUPPORTED with err "this kernel has no sch_netem (...)". */
int qdisc_netem_set(const char *ifname, const sb_netem *p, char *err);

/* Replaces the root qdisc of ifname with a token bucket: at most
 * rate_bytes_per_s on average, bursts of burst_bytes (at least one full
 * frame), and packets that would wait longer than latency_ns dropped. */
int qdisc_tbf_set(const char *ifname, uint64_t rate_bytes_per_s, uint32_t burst_bytes,
                  int64_t latency_ns, char *err);

/* Deletes the root qdisc of ifname, so the kernel's default takes over
 * again. 0 also when there was nothing to delete. */
int qdisc_clear(const char *ifname, char *err);

/* Whether netem qdiscs can be created: 1 yes, 0 no (err says why), -1 on
 * other errors. Probes by adding and deleting a netem root qdisc on ifname,
 * so it refuses (-1) while a fault other than netem is set there. */
int qdisc_netem_available(const char *ifname, char *err);

/* The kind of ifname's root qdisc ("noqueue", "tbf", "netem", ...) into
 * out, for tests and checks. */
int qdisc_root_kind(const char *ifname, char *out, size_t len, char *err);

#endif
