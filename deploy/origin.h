/* origin.h -- the origin service behind the cache workload: a real HTTP
 * server (libmicrohttpd) that plays the "main source" of the thundering-herd
 * section of the background document and measures what a herd costs it.
 *
 * The harness starts it on a lab host as `splitbrain origin --listen
 * ADDR:PORT [options]`; cache clients reach it with libcurl on a miss.
 *
 * HTTP interface (every body is JSON, Content-Type: application/json):
 *
 *   GET /v/<key>     200 {"key":"<key>","version":N,"value":"<key>@N"},
 *                    header X-Version: N. Every key starts at version 1.
 *                    The version is read when the request arrives (its
 *                    linearization point), then the service time passes
 *                    before the answer: latency + uniform [0, jitter) from
 *                    the seed. With capacity C > 0 and K GETs in progress
 *                    counting this one: K <= C is served normally; past C,
 *                    overload 503 answers 503 {"error":"overloaded",
 *                    "capacity":C} at once (counted as rejected, not as a
 *                    request), overload slow multiplies the service time
 *                    by 1 + (K - C) / C.
 *   POST /v/<key>    bumps the version: 200 {"key":"<key>","version":N},
 *                    X-Version: N. A GET that arrives after the POST has
 *                    answered sees N or later. The request body is ignored.
 *   GET /stats       200 {"requests":served GETs,"rejected":503s,
 *                    "writes":POSTs,"peak_concurrency":most GETs in progress
 *                    at once,"in_flight":GETs in progress now,
 *                    "keys":{"<key>":{"requests":n,"rejected":r,"writes":w,
 *                    "peak_concurrency":m,"version":v},...},
 *                    "uptime_s":x,"monotonic_start_ns":t,
 *                    "log_truncated":bool}. Keys appear in the order they
 *                    were first seen.
 *   GET /log/<key>   200 {"key":"<key>","arrivals_ms":[...],"truncated":bool,
 *                    "monotonic_start_ns":t}: the arrival time of every
 *                    served GET of the key since start or the last reset, in
 *                    ms (3 decimals) since the origin started. Add
 *                    monotonic_start_ns to put them on CLOCK_MONOTONIC (the
 *                    controller's clock: namespaces share it). A log keeps
 *                    the first ORIGIN_LOG_PER_KEY arrivals of its key and all
 *                    logs together ORIGIN_LOG_TOTAL; past that it says
 *                    "truncated":true. An unknown key has an empty log.
 *   POST /reset      200 {"reset":true}: zeroes every counter and log
 *                    (peaks restart from the GETs in progress); versions stay.
 *
 *   Errors: 400 {"error":...} for an empty key, a bad %-escape, %00, a key
 *   that is not UTF-8 or longer than ORIGIN_KEY_MAX bytes once decoded;
 *   404 for any other path; 405 (with Allow) for a method the path does
 *   not take; 500 when memory runs out. A key is one path segment,
 *   %-decoded ("/v/a%2Fb" is the key "a/b"; "/v/a/b" is 404; '+' is '+').
 *
 * Every connection has its own thread (thread-per-connection), so sleeping
 * GETs are served in parallel however many arrive at once. */
#ifndef SB_ORIGIN_H
#define SB_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#define ORIGIN_KEY_MAX 512        /* bytes, once %-decoded */
#define ORIGIN_LOG_PER_KEY 100000 /* arrivals kept per key */
#define ORIGIN_LOG_TOTAL 1000000  /* arrivals kept over all keys */

typedef struct sb_origin_cfg {
    char addr[64];      /* IPv4 or IPv6 literal, no brackets; "" is 0.0.0.0 */
    int port;           /* 0: any free port (tests); see origin_port() */
    int64_t latency_ns; /* fixed part of every GET's service time */
    int64_t jitter_ns;  /* + uniform [0, jitter) drawn from seed */
    int capacity;       /* GETs in progress served normally; 0 = unlimited */
    int overload_503;   /* past capacity: 1 answer 503 at once; 0 slow down */
    uint64_t seed;
} sb_origin_cfg;

typedef struct sb_origin sb_origin;

/* Binds, listens and starts serving; the origin answers as soon as this
 * returns. NULL with err filled (e.g. "bind(127.0.0.1:80): Permission
 * denied") when it cannot. */
sb_origin *origin_start(const sb_origin_cfg *cfg, char *err);
/* The port it listens on (the chosen one when cfg->port was 0). */
int origin_port(const sb_origin *o);
/* Cuts sleeping GETs short (their connections are closed unanswered),
 * stops every thread, closes the socket and frees o. NULL is fine. */
void origin_stop(sb_origin *o);

/* Its counters so far. */
typedef struct sb_origin_totals {
    long long requests, rejected, writes;
    int peak_concurrency;
    size_t keys;
} sb_origin_totals;
void origin_totals(sb_origin *o, sb_origin_totals *t);

/* `splitbrain origin`: parses argv (argv[0] is "origin"), starts, prints
 * "listening ADDR:PORT" on stdout, serves until SIGTERM or SIGINT, prints
 * one line of totals and returns 0. Bad options or a failed start: one line
 * on stderr and 2. Returns instead of exiting, so tests can call it. */
int origin_main(int argc, char **argv);

#endif
