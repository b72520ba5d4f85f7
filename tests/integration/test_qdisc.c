/* test_qdisc.c -- packet faults through libnl-route between two lab hosts:
 * a token bucket on a's eth0 really caps what b receives and clearing it
 * lifts the cap; netem either delays a round trip or is reported missing;
 * bad interfaces and parameters are clear errors. Needs root.
 *
 * Host b runs a TCP server (a sink that counts what it receives, and a
 * one-byte echo) on its own thread; every step on host a runs on a fresh
 * thread, because lab_enter moves only the calling thread. Assertions stay
 * on cmocka's thread. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "qdisc.h"
#include "util.h"

enum { HOST_A, HOST_B };

#define QT_IFNAME "eth0"
#define QT_SINK_PORT 7001
#define QT_ECHO_PORT 7002
#define QT_MAX_SINKS 16

#define QT_TBF_RATE 250000 /* bytes/s: 2 Mbit/s */
#define QT_TBF_BURST 16000
#define QT_TBF_LATENCY_NS (50 * SB_NS_PER_MS)
#define QT_NETEM_DELAY_NS (100 * SB_NS_PER_MS)
#define QT_NETEM_MIN_RTT_NS (90 * SB_NS_PER_MS)

/* How long the client sends; its send buffer is kept small so that what
 * send() accepts is close to what the link carries. */
#define QT_BLAST_NS (1500 * SB_NS_PER_MS)
#define QT_SNDBUF 16384
#define QT_CHUNK 16384
/* Deadline of any single wait (connect, reply, the sink's count). */
#define QT_WAIT_NS (10 * SB_NS_PER_S)

/* ====== Sockets ====== */

static int poll_one(int fd, short events, int64_t timeout_ns)
{
    struct pollfd p = {.fd = fd, .events = events};
    int64_t deadline = sb_now_ns() + timeout_ns;
    for (;;) {
        int64_t left = deadline - sb_now_ns();
        if (left <= 0)
            return 0;
        int r = poll(&p, 1, (int)(left / SB_NS_PER_MS) + 1);
        if (r == -1 && errno == EINTR)
            continue;
        return r;
    }
}

static int listen_on(const char *addr, int port, char *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(fd, 16) == -1) {
        sb_err_set(err, "listen on %s:%d: %s", addr, port, strerror(errno));
        if (fd != -1)
            close(fd);
        return -1;
    }
    return fd;
}

/* A blocking TCP connection to addr:port, or -1 past timeout_ns. */
static int connect_to(const char *addr, int port, int64_t timeout_ns, char *err)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd == -1) {
        sb_err_set(err, "socket: %s", strerror(errno));
        return -1;
    }
    int e = 0;
    socklen_t elen = sizeof(e);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
        if (errno != EINPROGRESS)
            e = errno;
        else if (poll_one(fd, POLLOUT, timeout_ns) <= 0)
            e = ETIMEDOUT;
        else
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen);
    }
    if (e) {
        sb_err_set(err, "connect %s:%d: %s", addr, port, strerror(e));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* ====== The server on host b ====== */

typedef struct sink_count {
    uint64_t bytes;
    int64_t first_ns, last_ns; /* arrival of the first and last byte */
} sink_count;

typedef struct qt_server {
    const sb_lab *lab;
    pthread_t thread;
    int started;
    int stop[2]; /* a byte written here ends the server */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready; /* 1 listening, -1 failed with err */
    char err[SB_ERR_LEN];
    unsigned n_sinks; /* sink connections finished */
    sink_count sinks[QT_MAX_SINKS];
} qt_server;

static void server_ready(qt_server *srv, int ready, const char *err)
{
    pthread_mutex_lock(&srv->lock);
    srv->ready = ready;
    snprintf(srv->err, sizeof(srv->err), "%s", err);
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

/* Waits for fd to be readable or the server to be stopped: 1 readable,
 * 0 stopped or idle past the deadline. */
static int server_wait(qt_server *srv, int fd)
{
    struct pollfd p[2] = {{.fd = srv->stop[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    int r;
    while ((r = poll(p, 2, (int)(QT_WAIT_NS / SB_NS_PER_MS))) == -1 && errno == EINTR)
        ;
    return r > 0 && !p[0].revents && p[1].revents;
}

/* Reads one connection to its end (EOF or reset), counting. */
static void serve_sink(qt_server *srv, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd == -1)
        return;
    sink_count c = {0};
    char buf[65536];
    while (server_wait(srv, fd)) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        int64_t now = sb_now_ns();
        if (!c.bytes)
            c.first_ns = now;
        c.last_ns = now;
        c.bytes += (uint64_t)n;
    }
    close(fd);
    pthread_mutex_lock(&srv->lock);
    srv->sinks[srv->n_sinks % QT_MAX_SINKS] = c;
    srv->n_sinks++;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

static void serve_echo(qt_server *srv, int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd == -1)
        return;
    char c;
    if (server_wait(srv, fd) && recv(fd, &c, 1, 0) == 1)
        send(fd, &c, 1, MSG_NOSIGNAL);
    close(fd);
}

static void *server_main(void *arg)
{
    qt_server *srv = arg;
    char err[SB_ERR_LEN];
    const char *addr = lab_host_addr(srv->lab, HOST_B);
    int sink = -1, echo = -1;
    if (lab_enter(srv->lab, HOST_B, err) == -1 ||
        (sink = listen_on(addr, QT_SINK_PORT, err)) == -1 ||
        (echo = listen_on(addr, QT_ECHO_PORT, err)) == -1) {
        if (sink != -1)
            close(sink);
        server_ready(srv, -1, err);
        return NULL;
    }
    server_ready(srv, 1, "");
    for (;;) {
        struct pollfd p[3] = {{.fd = srv->stop[0], .events = POLLIN},
                              {.fd = sink, .events = POLLIN},
                              {.fd = echo, .events = POLLIN}};
        int r = poll(p, 3, -1);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1 || p[0].revents)
            break;
        if (p[1].revents & POLLIN)
            serve_sink(srv, sink);
        if (p[2].revents & POLLIN)
            serve_echo(srv, echo);
    }
    close(sink);
    close(echo);
    return NULL;
}

/* pthread_cond_timedwait on the monotonic clock until deadline_ns. */
static int server_timedwait(qt_server *srv, int64_t deadline_ns)
{
    struct timespec ts = {.tv_sec = deadline_ns / SB_NS_PER_S,
                          .tv_nsec = deadline_ns % SB_NS_PER_S};
    return pthread_cond_timedwait(&srv->cond, &srv->lock, &ts);
}

static int server_start(qt_server *srv, const sb_lab *lab, char *err)
{
    srv->lab = lab;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pipe2(srv->stop, O_CLOEXEC) == -1) {
        sb_err_set(err, "pipe: %s", strerror(errno));
        srv->stop[0] = srv->stop[1] = -1;
        return -1;
    }
    int e = pthread_create(&srv->thread, NULL, server_main, srv);
    if (e) {
        sb_err_set(err, "pthread_create(server): %s", strerror(e));
        return -1;
    }
    srv->started = 1;
    int64_t deadline = sb_now_ns() + QT_WAIT_NS;
    pthread_mutex_lock(&srv->lock);
    while (!srv->ready && server_timedwait(srv, deadline) == 0)
        ;
    int ready = srv->ready;
    sb_err_set(err, "%s", ready ? srv->err : "server on b: not listening in time");
    pthread_mutex_unlock(&srv->lock);
    return ready == 1 ? 0 : -1;
}

static void server_stop(qt_server *srv)
{
    if (srv->started) {
        ssize_t ignored = write(srv->stop[1], "x", 1);
        (void)ignored;
        pthread_join(srv->thread, NULL);
        srv->started = 0;
    }
    if (srv->stop[0] != -1) {
        close(srv->stop[0]);
        close(srv->stop[1]);
    }
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
}

static unsigned sinks_done(qt_server *srv)
{
    pthread_mutex_lock(&srv->lock);
    unsigned n = srv->n_sinks;
    pthread_mutex_unlock(&srv->lock);
    return n;
}

/* The count of sink connection number i (0-based), once it has ended. */
static int sink_result(qt_server *srv, unsigned i, sink_count *out, char *err)
{
    int64_t deadline = sb_now_ns() + QT_WAIT_NS;
    pthread_mutex_lock(&srv->lock);
    while (srv->n_sinks <= i && server_timedwait(srv, deadline) == 0)
        ;
    int ok = srv->n_sinks > i;
    if (ok)
        *out = srv->sinks[i % QT_MAX_SINKS];
    pthread_mutex_unlock(&srv->lock);
    if (!ok)
        sb_err_set(err, "sink on b: connection %u did not end in time", i);
    return ok ? 0 : -1;
}

/* ====== Work on host a ====== */

typedef struct qt_state {
    char run_dir[64];
    char run_id[16];
    sb_lab *lab;
    qt_server srv;
    char default_kind[32]; /* a's eth0 root qdisc before any fault */
} qt_state;

typedef struct a_call {
    qt_state *st;
    void (*fn)(struct a_call *);
    void *arg;
    char err[SB_ERR_LEN]; /* why entering a failed */
    int entered;
} a_call;

static void *a_main(void *arg)
{
    a_call *c = arg;
    if (lab_enter(c->st->lab, HOST_A, c->err) == -1)
        return NULL;
    c->entered = 1;
    c->fn(c);
    return NULL; /* the thread, and its namespace, end here */
}

/* Runs fn on a new thread inside host a and waits for it. */
static int run_in_a(qt_state *st, void (*fn)(a_call *), void *arg, char *err)
{
    a_call c = {.st = st, .fn = fn, .arg = arg};
    pthread_t t;
    int e = pthread_create(&t, NULL, a_main, &c);
    if (e) {
        sb_err_set(err, "pthread_create(host a): %s", strerror(e));
        return -1;
    }
    pthread_join(t, NULL);
    if (!c.entered) {
        sb_err_set(err, "entering host a: %s", c.err);
        return -1;
    }
    return 0;
}

static void in_host_a(qt_state *st, void (*fn)(a_call *), void *arg)
{
    char err[SB_ERR_LEN];
    if (run_in_a(st, fn, arg, err) == -1)
        fail_msg("%s", err);
}

/* One measured stream from a to b's sink. */
typedef struct rate_sample {
    int ok;
    char err[SB_ERR_LEN];
    double sent_per_s;     /* what send() accepted on a */
    double received_per_s; /* what arrived at b, first to last byte */
    uint64_t received;
} rate_sample;

/* Sends as much as possible for QT_BLAST_NS, then resets the connection
 * (dropping what is still queued) and takes b's count. */
static void blast(qt_state *st, rate_sample *r)
{
    memset(r, 0, sizeof(*r));
    unsigned seq = sinks_done(&st->srv);
    int fd = connect_to(lab_host_addr(st->lab, HOST_B), QT_SINK_PORT, QT_WAIT_NS, r->err);
    if (fd == -1)
        return;
    int sndbuf = QT_SNDBUF;
    struct timeval tick = {.tv_sec = 0, .tv_usec = 50000}; /* to check the clock */
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tick, sizeof(tick));
    static const char chunk[QT_CHUNK];
    uint64_t sent = 0;
    int64_t start = sb_now_ns(), end = start + QT_BLAST_NS, now;
    while ((now = sb_now_ns()) < end) {
        ssize_t n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
        if (n > 0)
            sent += (uint64_t)n;
        else if (n == -1 && errno != EAGAIN && errno != EINTR) {
            sb_err_set(r->err, "send to b: %s", strerror(errno));
            break;
        }
    }
    struct linger reset = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    close(fd);
    if (r->err[0])
        return;
    r->sent_per_s = (double)sent * SB_NS_PER_S / (double)(now - start);
    sink_count c;
    if (sink_result(&st->srv, seq, &c, r->err) == -1)
        return;
    r->received = c.bytes;
    if (c.last_ns > c.first_ns)
        r->received_per_s = (double)c.bytes * SB_NS_PER_S / (double)(c.last_ns - c.first_ns);
    r->ok = 1;
}

/* Connect plus a one-byte round trip to b's echo. */
static int64_t round_trip(qt_state *st, char *err)
{
    int64_t t0 = sb_now_ns();
    int fd = connect_to(lab_host_addr(st->lab, HOST_B), QT_ECHO_PORT, QT_WAIT_NS, err);
    if (fd == -1)
        return -1;
    char c = 'x';
    int64_t rtt = -1;
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
        sb_err_set(err, "send to b's echo: %s", strerror(errno));
    else if (poll_one(fd, POLLIN, QT_WAIT_NS) <= 0 || recv(fd, &c, 1, 0) != 1)
        sb_err_set(err, "no echo from b");
    else
        rtt = sb_now_ns() - t0;
    close(fd);
    return rtt;
}

/* ====== Token bucket ====== */

typedef struct tbf_run {
    int rc_set, rc_clear, rc_clear_again, rc_kind_set, rc_kind_clear;
    char err_set[SB_ERR_LEN], err_clear[SB_ERR_LEN], err_kind[SB_ERR_LEN];
    char kind_set[32], kind_clear[32];
    rate_sample shaped, open;
} tbf_run;

static void tbf_on_a(a_call *c)
{
    tbf_run *r = c->arg;
    r->rc_set = qdisc_tbf_set(QT_IFNAME, QT_TBF_RATE, QT_TBF_BURST, QT_TBF_LATENCY_NS, r->err_set);
    r->rc_kind_set = qdisc_root_kind(QT_IFNAME, r->kind_set, sizeof(r->kind_set), r->err_kind);
    if (r->rc_set == 0)
        blast(c->st, &r->shaped);
}

static void clear_on_a(a_call *c)
{
    tbf_run *r = c->arg;
    r->rc_clear = qdisc_clear(QT_IFNAME, r->err_clear);
    r->rc_clear_again = qdisc_clear(QT_IFNAME, r->err_clear); /* nothing left: still 0 */
    r->rc_kind_clear =
        qdisc_root_kind(QT_IFNAME, r->kind_clear, sizeof(r->kind_clear), r->err_kind);
    blast(c->st, &r->open);
}

static void tbf_caps_what_b_receives(void **state)
{
    qt_state *st = *state;
    tbf_run r = {0};
    in_host_a(st, tbf_on_a, &r);
    if (r.rc_set != 0)
        fail_msg("qdisc_tbf_set: %s", r.err_set);
    assert_int_equal(r.rc_kind_set, 0);
    assert_string_equal(r.kind_set, "tbf");
    if (!r.shaped.ok)
        fail_msg("measuring the shaped rate: %s", r.shaped.err);
    print_message("tbf %d bytes/s: b received %.0f bytes/s (%" PRIu64 " bytes), a sent %.0f "
                  "bytes/s\n",
                  QT_TBF_RATE, r.shaped.received_per_s, r.shaped.received, r.shaped.sent_per_s);
    assert_true(r.shaped.received_per_s > 0);
    assert_true(r.shaped.received_per_s < 2.0 * QT_TBF_RATE);
}

static void clearing_restores_default_and_full_rate(void **state)
{
    qt_state *st = *state;
    tbf_run r = {0};
    in_host_a(st, clear_on_a, &r);
    if (r.rc_clear != 0)
        fail_msg("qdisc_clear: %s", r.err_clear);
    assert_int_equal(r.rc_clear_again, 0);
    if (r.rc_kind_clear != 0)
        fail_msg("qdisc_root_kind: %s", r.err_kind);
    assert_string_equal(r.kind_clear, st->default_kind);
    if (!r.open.ok)
        fail_msg("measuring the open rate: %s", r.open.err);
    print_message("cleared (%s): b received %.0f bytes/s, a sent %.0f bytes/s\n", r.kind_clear,
                  r.open.received_per_s, r.open.sent_per_s);
    assert_true(r.open.received_per_s > 10.0 * QT_TBF_RATE);
}

/* ====== netem ====== */

typedef struct netem_run {
    int available, rc_set, rc_clear, rc_kind;
    char err_avail[SB_ERR_LEN], err_set[SB_ERR_LEN], err_clear[SB_ERR_LEN], err_rtt[SB_ERR_LEN];
    char kind[32];
    int64_t rtt_ns;
} netem_run;

static void netem_on_a(a_call *c)
{
    netem_run *r = c->arg;
    char err[SB_ERR_LEN];
    r->available = qdisc_netem_available(QT_IFNAME, r->err_avail);
    if (r->available == -1)
        return;
    sb_netem delay = {.delay_ns = QT_NETEM_DELAY_NS};
    r->rc_set = qdisc_netem_set(QT_IFNAME, &delay, r->err_set);
    if (r->rc_set == 0)
        r->rtt_ns = round_trip(c->st, r->err_rtt);
    r->rc_clear = qdisc_clear(QT_IFNAME, r->err_clear);
    r->rc_kind = qdisc_root_kind(QT_IFNAME, r->kind, sizeof(r->kind), err);
}

static void netem_delays_or_is_reported_missing(void **state)
{
    qt_state *st = *state;
    netem_run r = {0};
    in_host_a(st, netem_on_a, &r);
    if (r.available == -1)
        fail_msg("qdisc_netem_available: %s", r.err_avail);
    if (!r.available) {
        assert_int_equal(r.rc_set, SB_QDISC_UNSUPPORTED);
        assert_non_null(strstr(r.err_set, "sch_netem"));
        print_message("netem: real path skipped: %s\n", r.err_avail);
    } else {
        if (r.rc_set != 0)
            fail_msg("qdisc_netem_set: %s", r.err_set);
        if (r.rtt_ns < 0)
            fail_msg("round trip under netem: %s", r.err_rtt);
        print_message("netem delay 100ms: connect + 1-byte round trip took %.1f ms\n",
                      (double)r.rtt_ns / SB_NS_PER_MS);
        assert_true(r.rtt_ns >= QT_NETEM_MIN_RTT_NS);
    }
    if (r.rc_clear != 0)
        fail_msg("qdisc_clear: %s", r.err_clear);
    assert_int_equal(r.rc_kind, 0);
    assert_string_equal(r.kind, st->default_kind);
}

/* The probe adds and deletes a netem root, which would wipe out a fault in
 * force; it must refuse instead. */
typedef struct probe_run {
    int rc_tbf, available, rc_kind, rc_clear;
    char err_tbf[SB_ERR_LEN], err_avail[SB_ERR_LEN], err_kind[SB_ERR_LEN], err_clear[SB_ERR_LEN];
    char kind[32];
} probe_run;

static void probe_on_a(a_call *c)
{
    probe_run *r = c->arg;
    r->rc_tbf = qdisc_tbf_set(QT_IFNAME, QT_TBF_RATE, QT_TBF_BURST, QT_TBF_LATENCY_NS, r->err_tbf);
    r->available = qdisc_netem_available(QT_IFNAME, r->err_avail);
    r->rc_kind = qdisc_root_kind(QT_IFNAME, r->kind, sizeof(r->kind), r->err_kind);
    r->rc_clear = qdisc_clear(QT_IFNAME, r->err_clear);
}

static void netem_probe_leaves_a_fault_in_force_alone(void **state)
{
    qt_state *st = *state;
    probe_run r = {0};
    in_host_a(st, probe_on_a, &r);
    if (r.rc_tbf != 0)
        fail_msg("qdisc_tbf_set: %s", r.err_tbf);
    assert_int_equal(r.available, -1);
    assert_non_null(strstr(r.err_avail, "a tbf root qdisc is in force"));
    assert_int_equal(r.rc_kind, 0);
    assert_string_equal(r.kind, "tbf");
    if (r.rc_clear != 0)
        fail_msg("qdisc_clear: %s", r.err_clear);
}

/* ====== Errors ====== */

typedef struct error_run {
    int rc_tbf, rc_clear, rc_kind, rc_netem, rc_loss, rc_reorder, rc_burst, rc_after;
    char err_tbf[SB_ERR_LEN], err_clear[SB_ERR_LEN], err_kind[SB_ERR_LEN], err_netem[SB_ERR_LEN];
    char err_loss[SB_ERR_LEN], err_reorder[SB_ERR_LEN], err_burst[SB_ERR_LEN];
    char err_after[SB_ERR_LEN];
    char kind[32], kind_after[32];
} error_run;

static void errors_on_a(a_call *c)
{
    error_run *r = c->arg;
    sb_netem delay = {.delay_ns = QT_NETEM_DELAY_NS};
    sb_netem bad_loss = {.loss = 1.5};
    sb_netem reorder_alone = {.reorder = 0.25};
    r->rc_tbf = qdisc_tbf_set("nosuch0", QT_TBF_RATE, QT_TBF_BURST, QT_TBF_LATENCY_NS, r->err_tbf);
    r->rc_clear = qdisc_clear("nosuch0", r->err_clear);
    r->rc_kind = qdisc_root_kind("nosuch0", r->kind, sizeof(r->kind), r->err_kind);
    r->rc_netem = qdisc_netem_set("nosuch0", &delay, r->err_netem);
    r->rc_loss = qdisc_netem_set(QT_IFNAME, &bad_loss, r->err_loss);
    r->rc_reorder = qdisc_netem_set(QT_IFNAME, &reorder_alone, r->err_reorder);
    r->rc_burst = qdisc_tbf_set(QT_IFNAME, QT_TBF_RATE, 100, QT_TBF_LATENCY_NS, r->err_burst);
    r->rc_after = qdisc_root_kind(QT_IFNAME, r->kind_after, sizeof(r->kind_after), r->err_after);
}

static void bad_interface_or_parameters_are_clear_errors(void **state)
{
    qt_state *st = *state;
    error_run r = {0};
    in_host_a(st, errors_on_a, &r);
    print_message("missing interface: %s\n", r.err_tbf);
    assert_int_equal(r.rc_tbf, -1);
    assert_non_null(strstr(r.err_tbf, "nosuch0"));
    assert_non_null(strstr(r.err_tbf, "no such interface"));
    assert_int_equal(r.rc_clear, -1);
    assert_non_null(strstr(r.err_clear, "nosuch0"));
    assert_int_equal(r.rc_kind, -1);
    assert_non_null(strstr(r.err_kind, "nosuch0"));
    assert_int_equal(r.rc_netem, -1);
    assert_non_null(strstr(r.err_netem, "nosuch0"));
    assert_int_equal(r.rc_loss, -1);
    assert_non_null(strstr(r.err_loss, "loss probability 1.5"));
    assert_int_equal(r.rc_reorder, -1);
    assert_non_null(strstr(r.err_reorder, "reorder needs a delay"));
    assert_int_equal(r.rc_burst, -1);
    assert_non_null(strstr(r.err_burst, "below one full frame"));
    /* a refused fault leaves the interface as it was */
    assert_int_equal(r.rc_after, 0);
    assert_string_equal(r.kind_after, st->default_kind);
}

/* ====== Lab ====== */

static void default_kind_on_a(a_call *c)
{
    qt_state *st = c->st;
    char *err = c->arg;
    if (qdisc_root_kind(QT_IFNAME, st->default_kind, sizeof(st->default_kind), err) == -1)
        st->default_kind[0] = '\0';
}

/* Whether `ip netns list` still shows a namespace of run run_id. */
static int namespaces_left(const char *run_id)
{
    static const char *const ips[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};
    const char *ip = "ip";
    for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++)
        if (access(ips[i], X_OK) == 0) {
            ip = ips[i];
            break;
        }
    char cmd[128], prefix[64], line[256];
    snprintf(cmd, sizeof(cmd), "%s netns list", ip);
    snprintf(prefix, sizeof(prefix), "%s%s-", SB_LAB_PREFIX, run_id);
    FILE *f = popen(cmd, "re");
    if (!f)
        return -1;
    int left = 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            print_error("left behind: %s", line);
            left++;
        }
    return pclose(f) == 0 ? left : -1;
}

static int teardown_failed; /* cmocka ignores a failed group teardown */

static int lab_teardown(void **state)
{
    qt_state *st = *state;
    if (!st)
        return 0;
    *state = NULL;
    if (st->srv.lab)
        server_stop(&st->srv);
    int rc = 0;
    if (st->lab) {
        lab_destroy(st->lab);
        int left = namespaces_left(st->run_id);
        if (left != 0) {
            print_error("namespaces of run %s remain after lab_destroy (%d)\n", st->run_id, left);
            rc = -1;
            teardown_failed = 1;
        }
    }
    char err[SB_ERR_LEN];
    if (rc == 0 && st->run_dir[0] && sb_rm_rf(st->run_dir, err) == -1)
        print_error("%s\n", err);
    else if (rc != 0)
        print_error("lab log kept in %s\n", st->run_dir);
    free(st);
    return rc;
}

static int lab_setup(void **state)
{
    static const char *const names[] = {"a", "b"};
    char err[SB_ERR_LEN];
    qt_state *st = calloc(1, sizeof(*st));
    st->srv.stop[0] = st->srv.stop[1] = -1;
    *state = st;
    snprintf(st->run_dir, sizeof(st->run_dir), "/tmp/sb-test-qdisc-XXXXXX");
    if (!mkdtemp(st->run_dir)) {
        print_error("mkdtemp: %s\n", strerror(errno));
        st->run_dir[0] = '\0';
        goto fail;
    }
    if (!(st->lab = lab_create(names, 2, st->run_dir, err))) {
        print_error("lab_create: %s\n", err);
        goto fail;
    }
    snprintf(st->run_id, sizeof(st->run_id), "%s", lab_run_id(st->lab));
    if (server_start(&st->srv, st->lab, err) == -1) {
        print_error("%s\n", err);
        goto fail;
    }
    if (run_in_a(st, default_kind_on_a, err, err) == -1 || !st->default_kind[0]) {
        print_error("qdisc_root_kind: %s\n", err);
        goto fail;
    }
    return 0;
fail:
    lab_teardown(state);
    return -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tbf_caps_what_b_receives),
        cmocka_unit_test(clearing_restores_default_and_full_rate),
        cmocka_unit_test(netem_delays_or_is_reported_missing),
        cmocka_unit_test(netem_probe_leaves_a_fault_in_force_alone),
        cmocka_unit_test(bad_interface_or_parameters_are_clear_errors),
    };
    int failed = cmocka_run_group_tests(tests, lab_setup, lab_teardown);
    return failed || teardown_failed;
}
