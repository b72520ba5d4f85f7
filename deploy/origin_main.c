/* origin_main.c -- `splitbrain origin`: the origin service of the cache
 * workload (origin.c) as a command, with its options, until a signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "origin.h"
#include "util.h"

static const char *origin_usage =
    "usage: splitbrain origin --listen ADDR:PORT [--latency D] [--jitter D]\n"
    "                         [--capacity N] [--overload 503|slow] [--seed N]\n"
    "\n"
    "The HTTP origin behind the cache workload: GET /v/KEY answers the key's\n"
    "version after a service time, POST /v/KEY bumps it, GET /stats and\n"
    "GET /log/KEY show how many fetches arrived and when, POST /reset zeroes\n"
    "the counters. Prints \"listening ADDR:PORT\", serves until SIGTERM or\n"
    "SIGINT, then prints the totals and exits 0.\n"
    "\n"
    "  --listen ADDR:PORT  address and port (IPv6 as [ADDR]:PORT; port 0: any)\n"
    "  --latency D         fixed service time of a GET, e.g. 20ms (default 0)\n"
    "  --jitter D          plus uniform [0, D) from the seed (default 0)\n"
    "  --capacity N        GETs in progress served normally (default 0: no limit)\n"
    "  --overload MODE     past capacity: 503 answers 503 at once (default); slow\n"
    "                      multiplies the service time by 1 + excess/capacity\n"
    "  --seed N            seed of the jitter (default 1)\n"
    "\n"
    "Exit status: 0 after a signal, 2 on bad options or when it cannot listen.\n";

/* "ADDR:PORT" or "[ADDR6]:PORT" into cfg. */
static int parse_listen(const char *s, sb_origin_cfg *cfg, char *err)
{
    const char *colon = strrchr(s, ':');
    const char *a = s, *a_end = colon;
    if (s[0] == '[') {
        a = s + 1;
        a_end = strchr(s, ']');
        if (!a_end || a_end + 1 != colon)
            a_end = NULL;
    }
    char *end;
    errno = 0;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!a_end || a_end == a || (size_t)(a_end - a) >= sizeof(cfg->addr) || !colon[1] || *end ||
        errno || port < 0 || port > 65535) {
        sb_err_set(err, "--listen %s; allowed: ADDR:PORT or [ADDR6]:PORT, port 0 to 65535", s);
        return -1;
    }
    memcpy(cfg->addr, a, (size_t)(a_end - a));
    cfg->addr[a_end - a] = '\0';
    cfg->port = (int)port;
    return 0;
}

static int parse_option(int c, const char *arg, sb_origin_cfg *cfg, char *err)
{
    char *end;
    errno = 0;
    switch (c) {
    case 'l':
        return parse_listen(arg, cfg, err);
    case 't':
    case 'j':
        if (sb_parse_duration(arg, c == 't' ? &cfg->latency_ns : &cfg->jitter_ns, err) == -1) {
            char why[SB_ERR_LEN];
            snprintf(why, sizeof(why), "%s", err);
            sb_err_set(err, "--%s: %s", c == 't' ? "latency" : "jitter", why);
            return -1;
        }
        return 0;
    case 'c': {
        long n = strtol(arg, &end, 10);
        if (!*arg || *end || errno || n < 0 || n > INT_MAX) {
            sb_err_set(err, "--capacity %s; allowed: an integer, 0 (no limit) or more", arg);
            return -1;
        }
        cfg->capacity = (int)n;
        return 0;
    }
    case 'o':
        if (strcmp(arg, "503") && strcmp(arg, "slow")) {
            sb_err_set(err, "--overload %s; allowed: 503, slow", arg);
            return -1;
        }
        cfg->overload_503 = !strcmp(arg, "503");
        return 0;
    case 's':
        cfg->seed = strtoull(arg, &end, 10);
        if (!*arg || *end || errno || arg[0] == '-') {
            sb_err_set(err, "--seed %s; allowed: a non-negative integer", arg);
            return -1;
        }
        return 0;
    default:
        return -1; /* parse_args says what */
    }
}

/* 0 with cfg filled; 1 when --help was printed; -1 with err filled. */
static int parse_args(int argc, char **argv, sb_origin_cfg *cfg, char *err)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'},   {"latency", required_argument, 0, 't'},
        {"jitter", required_argument, 0, 'j'},   {"capacity", required_argument, 0, 'c'},
        {"overload", required_argument, 0, 'o'}, {"seed", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    memset(cfg, 0, sizeof(*cfg));
    cfg->overload_503 = 1;
    cfg->seed = 1;
    cfg->port = -1;
    int saved_opterr = opterr, c, rc = 0;
    opterr = 0; /* our own one-line messages */
    optind = 0; /* a fresh scan, even after an earlier one stopped half way */
    while (rc == 0 && (c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(origin_usage, stdout);
            rc = 1;
        } else if (c == ':' || c == '?') {
            if (c == '?' && optopt > ' ' && optopt < 127)
                sb_err_set(err, "-%c is not an option", optopt);
            else
                sb_err_set(err, "%s %s", argv[optind - 1],
                           c == ':' ? "needs a value" : "is not an option");
            rc = -1;
        } else {
            rc = parse_option(c, optarg, cfg, err);
        }
    }
    opterr = saved_opterr;
    if (rc == 0 && optind < argc) {
        sb_err_set(err, "unexpected argument \"%s\"", argv[optind]);
        rc = -1;
    }
    if (rc == 0 && cfg->port < 0) {
        sb_err_set(err, "--listen ADDR:PORT is required");
        rc = -1;
    }
    return rc;
}

/* A herd is many connections at once, each one a descriptor. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* SIGINT and SIGTERM are blocked before any server thread exists (they
 * inherit the mask) and taken here with sigwait; nothing else may run in
 * the process unless it blocks them too. */
int origin_main(int argc, char **argv)
{
    char err[SB_ERR_LEN];
    sb_origin_cfg cfg;
    int rc = parse_args(argc, argv, &cfg, err);
    if (rc != 0) {
        if (rc == 1)
            return SB_EXIT_OK;
        fprintf(stderr, "splitbrain origin: %s (see splitbrain origin --help)\n", err);
        return SB_EXIT_ERROR;
    }
    raise_fd_limit();
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    sb_origin *o = origin_start(&cfg, err);
    if (!o) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "splitbrain %s\n", err);
        return SB_EXIT_ERROR;
    }
    int v6 = strchr(cfg.addr, ':') != NULL;
    printf("listening %s%s%s:%d\n", v6 ? "[" : "", cfg.addr[0] ? cfg.addr : "0.0.0.0",
           v6 ? "]" : "", origin_port(o));
    fflush(stdout);
    int sig;
    while (sigwait(&set, &sig) != 0)
        ;
    sb_origin_totals t;
    origin_totals(o, &t);
    printf("origin stopped on %s: requests %lld rejected %lld writes %lld peak_concurrency %d "
           "keys %zu\n",
           sig == SIGINT ? "SIGINT" : "SIGTERM", t.requests, t.rejected, t.writes,
           t.peak_concurrency, t.keys);
    fflush(stdout);
    origin_stop(o);
    /* a second signal sent while stopping must not kill the caller */
    sigset_t pending;
    while (sigpending(&pending) == 0 &&
           (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM)))
        sigwait(&set, &sig);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return SB_EXIT_OK;
}
