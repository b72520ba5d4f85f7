/* bench_origin.c -- how many GETs per second the origin serves with no
 * service time, and what /stats and /log cost with many keys.
 *
 * The origin runs in-process on 127.0.0.1 (port 0, latency 0). For each
 * client count, that many threads loop GET /v/k<i> over their own
 * keep-alive libcurl connection (1000 keys in turn) for --seconds; the
 * rate is the 200s counted by the clients, checked against the origin's
 * own "requests". Then --keys distinct keys are read once each and /stats
 * and one /log are timed. Last, a herd of --herd clients GETs one key at
 * once from an origin with a 200 ms service time, each on its own
 * connection: all of them must be in service together.
 *
 * usage: bench_origin [--seconds S] [--threads N]... [--keys K] [--herd N]
 * Defaults: 2 s; 1, 4 and 16 clients; 10^5 keys; a herd of 500. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"
#include "util.h"

#define KEYS_IN_TURN 1000
#define MAX_RUNS 16
#define HERD_LATENCY_MS 200

typedef struct client {
    int port, id, n_clients;
    int64_t until_ns;
    long ok, failed;
    long first, count; /* the key phase: keys first .. first+count-1 */
} client;

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static CURL *client_handle(void)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    return c;
}

static void get(CURL *c, int port, long key, client *cl)
{
    char url[96];
    long status = 0;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v/k%ld", port, key);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200)
        cl->ok++;
    else
        cl->failed++;
}

static void *rate_client(void *arg)
{
    client *cl = arg;
    CURL *c = client_handle();
    for (long i = cl->id; sb_now_ns() < cl->until_ns; i += cl->n_clients)
        get(c, cl->port, i % KEYS_IN_TURN, cl);
    curl_easy_cleanup(c);
    return NULL;
}

static void *key_client(void *arg)
{
    client *cl = arg;
    CURL *c = client_handle();
    for (long i = cl->first; i < cl->first + cl->count; i++)
        get(c, cl->port, i, cl);
    curl_easy_cleanup(c);
    return NULL;
}

static size_t keep(char *p, size_t size, size_t n, void *arg)
{
    sb_buf_append(arg, p, size * n);
    return size * n;
}

/* The body of GET path, parsed; NULL on failure. */
static json_t *fetch_json(int port, const char *path, size_t *bytes)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    sb_buf b;
    sb_buf_init(&b);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    json_error_t je;
    json_t *j = rc == CURLE_OK && b.len ? json_loadb(b.data, b.len, 0, &je) : NULL;
    *bytes = b.len;
    sb_buf_free(&b);
    return j;
}

static long long stats_requests(int port)
{
    size_t bytes;
    json_t *s = fetch_json(port, "/stats", &bytes);
    long long n = json_integer_value(json_object_get(s, "requests"));
    json_decref(s);
    return n;
}

static int run_threads(client *cl, int n, void *(*fn)(void *))
{
    pthread_t t[256];
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, fn, &cl[i]) != 0)
            return -1;
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return 0;
}

static void bench_rate(sb_origin *o, int n, double seconds)
{
    client cl[256];
    int64_t t0 = sb_now_ns();
    long long before = stats_requests(origin_port(o));
    for (int i = 0; i < n; i++)
        cl[i] = (client){.port = origin_port(o),
                         .id = i,
                         .n_clients = n,
                         .until_ns = t0 + (int64_t)(seconds * 1e9)};
    run_threads(cl, n, rate_client);
    double s = (double)(sb_now_ns() - t0) / 1e9;
    long ok = 0, failed = 0;
    for (int i = 0; i < n; i++)
        ok += cl[i].ok, failed += cl[i].failed;
    long long served = stats_requests(origin_port(o)) - before;
    printf("%3d clients: %8.0f GET/s (%ld in %.2f s, %ld failed; origin counted %lld)\n", n,
           (double)ok / s, ok, s, failed, served);
}

static void bench_keys(sb_origin *o, long keys)
{
    enum { N = 8 };
    client cl[N];
    int64_t t0 = sb_now_ns();
    for (int i = 0; i < N; i++)
        cl[i] = (client){.port = origin_port(o),
                         .first = KEYS_IN_TURN + keys * i / N,
                         .count = keys * (i + 1) / N - keys * i / N};
    run_threads(cl, N, key_client);
    int64_t t1 = sb_now_ns();
    size_t bytes;
    json_t *s = fetch_json(origin_port(o), "/stats", &bytes);
    int64_t t2 = sb_now_ns();
    printf("%ld new keys read in %.2f s; /stats: %zu keys, %.1f MB in %.0f ms\n", keys,
           (double)(t1 - t0) / 1e9, json_object_size(json_object_get(s, "keys")),
           (double)bytes / 1e6, (double)(t2 - t1) / 1e6);
    json_decref(s);
    size_t log_bytes;
    t1 = sb_now_ns();
    json_t *l = fetch_json(origin_port(o), "/log/k0", &log_bytes);
    t2 = sb_now_ns();
    printf("/log/k0: %zu arrivals, %.1f MB in %.0f ms\n",
           json_array_size(json_object_get(l, "arrivals_ms")), (double)log_bytes / 1e6,
           (double)(t2 - t1) / 1e6);
    json_decref(l);
}

typedef struct herd_client {
    int port;
    pthread_barrier_t *go;
    long status;
} herd_client;

static void *herd_client_main(void *arg)
{
    herd_client *h = arg;
    client cl = {0};
    CURL *c = client_handle();
    pthread_barrier_wait(h->go);
    get(c, h->port, 0, &cl);
    h->status = cl.ok ? 200 : 0;
    curl_easy_cleanup(c);
    return NULL;
}

/* n clients GET one key at once from an origin with a 200 ms service
 * time: the thundering herd the origin must take in parallel. */
static void bench_herd(int n)
{
    sb_origin_cfg cfg = {.latency_ns = HERD_LATENCY_MS * SB_NS_PER_MS, .seed = 1};
    snprintf(cfg.addr, sizeof(cfg.addr), "127.0.0.1");
    char err[SB_ERR_LEN];
    sb_origin *o = origin_start(&cfg, err);
    herd_client *h = calloc((size_t)n, sizeof(*h));
    pthread_t *t = calloc((size_t)n, sizeof(*t));
    pthread_barrier_t go;
    if (!o || !h || !t || pthread_barrier_init(&go, NULL, (unsigned)n + 1) != 0) {
        fprintf(stderr, "bench_origin: herd: %s\n", o ? "out of memory" : err);
        exit(2);
    }
    int started = 0;
    for (; started < n; started++) {
        h[started] = (herd_client){.port = origin_port(o), .go = &go};
        if (pthread_create(&t[started], NULL, herd_client_main, &h[started]) != 0) {
            fprintf(stderr, "bench_origin: herd: pthread_create failed at %d\n", started);
            exit(2);
        }
    }
    pthread_barrier_wait(&go);
    int64_t t0 = sb_now_ns();
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        ok += h[i].status == 200;
    }
    double ms = (double)(sb_now_ns() - t0) / 1e6;
    size_t bytes;
    json_t *s = fetch_json(origin_port(o), "/stats", &bytes);
    printf("herd of %d on one key, %d ms service time: %d served in %.0f ms, "
           "peak_concurrency %lld\n",
           n, HERD_LATENCY_MS, ok, ms,
           (long long)json_integer_value(json_object_get(s, "peak_concurrency")));
    json_decref(s);
    pthread_barrier_destroy(&go);
    free(h);
    free(t);
    origin_stop(o);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"seconds", required_argument, 0, 's'},
                                         {"threads", required_argument, 0, 't'},
                                         {"keys", required_argument, 0, 'k'},
                                         {"herd", required_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    double seconds = 2;
    int runs[MAX_RUNS], n_runs = 0;
    long keys = 100000;
    int herd = 500;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            seconds = atof(optarg);
        else if (c == 't' && n_runs < MAX_RUNS && atoi(optarg) > 0 && atoi(optarg) <= 256)
            runs[n_runs++] = atoi(optarg);
        else if (c == 'k')
            keys = atol(optarg);
        else if (c == 'h')
            herd = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_origin [--seconds S] [--threads N (1-256)]... "
                            "[--keys K] [--herd N]\n");
            return 2;
        }
    }
    if (!n_runs) {
        runs[0] = 1, runs[1] = 4, runs[2] = 16;
        n_runs = 3;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sb_origin_cfg cfg = {.seed = 1};
    snprintf(cfg.addr, sizeof(cfg.addr), "127.0.0.1");
    char err[SB_ERR_LEN];
    sb_origin *o = origin_start(&cfg, err);
    if (!o) {
        fprintf(stderr, "bench_origin: %s\n", err);
        return 2;
    }
    printf("origin on 127.0.0.1:%d, latency 0, keep-alive clients, %.1f s each\n", origin_port(o),
           seconds);
    for (int i = 0; i < n_runs; i++)
        bench_rate(o, runs[i], seconds);
    if (keys > 0)
        bench_keys(o, keys);
    origin_stop(o);
    if (herd > 0)
        bench_herd(herd);
    curl_global_cleanup();
    return 0;
}
