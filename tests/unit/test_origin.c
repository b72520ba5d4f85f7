/* test_origin.c -- the origin service over real HTTP on 127.0.0.1 (port 0,
 * in-process, stopped at the end of each test): versions, counters,
 * parallel service, both overload modes, key decoding and errors, arrival
 * logs, reset, and the command line's exit statuses. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "origin.h"
#include "util.h"

#define HERD 20

/* ====== Helpers ====== */

static sb_origin *start(int64_t latency_ns, int capacity, int overload_503)
{
    sb_origin_cfg cfg = {
        .latency_ns = latency_ns, .capacity = capacity, .overload_503 = overload_503, .seed = 7};
    snprintf(cfg.addr, sizeof(cfg.addr), "127.0.0.1");
    char err[SB_ERR_LEN] = "";
    sb_origin *o = origin_start(&cfg, err);
    if (!o)
        fprintf(stderr, "origin_start: %s\n", err);
    assert_non_null(o);
    assert_true(origin_port(o) > 0);
    return o;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    sb_buf_append(arg, p, size * n);
    return size * n;
}

typedef struct answer {
    long status; /* 0: no HTTP answer */
    sb_buf body;
    long long x_version; /* -1: no X-Version header */
    char allow[64];
} answer;

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    answer *a = arg;
    size_t len = size * n;
    char line[256];
    snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
    line[strcspn(line, "\r\n")] = '\0';
    if (!strncasecmp(line, "X-Version: ", 11))
        a->x_version = atoll(line + 11);
    if (!strncasecmp(line, "Allow: ", 7))
        snprintf(a->allow, sizeof(a->allow), "%.*s", (int)sizeof(a->allow) - 1, line + 7);
    return len;
}

/* One request on port's loopback; path is sent as written. */
static long request(int port, const char *method, const char *path, answer *a, long timeout_s)
{
    char url[2048];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    memset(a, 0, sizeof(*a));
    a->x_version = -1;
    sb_buf_init(&a->body);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    if (!strcmp(method, "POST"))
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    else if (strcmp(method, "GET"))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    curl_easy_cleanup(c);
    return a->status;
}

static long status_of(sb_origin *o, const char *method, const char *path)
{
    answer a;
    long s = request(origin_port(o), method, path, &a, 10);
    sb_buf_free(&a.body);
    return s;
}

/* The JSON body of a request that must answer want. */
static json_t *json_of(sb_origin *o, const char *method, const char *path, long want)
{
    answer a;
    assert_int_equal(request(origin_port(o), method, path, &a, 10), want);
    json_error_t je;
    json_t *j = json_loads(a.body.data ? a.body.data : "", 0, &je);
    if (!j)
        fprintf(stderr, "%s %s: not JSON: %s\n", method, path, a.body.data);
    assert_non_null(j);
    sb_buf_free(&a.body);
    return j;
}

static long long num(json_t *j, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(j, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static long long stat_of(sb_origin *o, const char *a, const char *b, const char *c)
{
    json_t *s = json_of(o, "GET", "/stats", 200);
    long long v = num(s, a, b, c);
    json_decref(s);
    return v;
}

typedef struct get_job {
    sb_origin *o;
    pthread_barrier_t *go;
    long status;
} get_job;

static void *get_herd(void *arg)
{
    get_job *j = arg;
    pthread_barrier_wait(j->go);
    j->status = status_of(j->o, "GET", "/v/herd");
    return NULL;
}

/* HERD clients GET /v/herd at once; counts the answers with status want. */
static int herd(sb_origin *o, long want)
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, HERD);
    get_job jobs[HERD];
    pthread_t t[HERD];
    for (int i = 0; i < HERD; i++) {
        jobs[i] = (get_job){.o = o, .go = &go};
        assert_int_equal(pthread_create(&t[i], NULL, get_herd, &jobs[i]), 0);
    }
    int n = 0;
    for (int i = 0; i < HERD; i++) {
        pthread_join(t[i], NULL);
        assert_true(jobs[i].status == 200 || jobs[i].status == 503);
        n += jobs[i].status == want;
    }
    pthread_barrier_destroy(&go);
    return n;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* ====== Values and versions ====== */

static void versions_start_at_1_and_post_bumps_them(void **state)
{
    (void)state;
    sb_origin *o = start(0, 0, 1);
    for (int i = 0; i < 2; i++) {
        answer a;
        assert_int_equal(request(origin_port(o), "GET", "/v/k", &a, 10), 200);
        assert_string_equal(a.body.data, "{\"key\":\"k\",\"version\":1,\"value\":\"k@1\"}");
        assert_int_equal(a.x_version, 1);
        sb_buf_free(&a.body);
    }
    assert_int_equal(stat_of(o, "requests", NULL, NULL), 2);
    assert_int_equal(stat_of(o, "keys", "k", "requests"), 2);
    assert_int_equal(stat_of(o, "keys", "k", "version"), 1);

    json_t *p = json_of(o, "POST", "/v/k", 200);
    assert_int_equal(num(p, "version", NULL, NULL), 2);
    json_decref(p);
    json_t *g = json_of(o, "GET", "/v/k", 200); /* began after the POST answered */
    assert_int_equal(num(g, "version", NULL, NULL), 2);
    assert_string_equal(json_string_value(json_object_get(g, "value")), "k@2");
    json_decref(g);
    json_t *other = json_of(o, "GET", "/v/other", 200);
    assert_int_equal(num(other, "version", NULL, NULL), 1);
    json_decref(other);

    assert_int_equal(stat_of(o, "writes", NULL, NULL), 1);
    assert_int_equal(stat_of(o, "requests", NULL, NULL), 4);
    assert_int_equal(stat_of(o, "keys", "k", "writes"), 1);
    assert_int_equal(stat_of(o, "keys", "k", "version"), 2);
    origin_stop(o);
}

/* ====== Concurrency and overload ====== */

/* 20 sleepers of 500 ms overlap: the peak proves they were served in
 * parallel (a serial origin would show 1). No timing is asserted. */
static void concurrent_gets_are_served_in_parallel(void **state)
{
    (void)state;
    sb_origin *o = start(500 * SB_NS_PER_MS, 0, 1);
    assert_int_equal(herd(o, 200), HERD);
    assert_int_equal(stat_of(o, "peak_concurrency", NULL, NULL), HERD);
    assert_int_equal(stat_of(o, "keys", "herd", "peak_concurrency"), HERD);
    assert_int_equal(stat_of(o, "requests", NULL, NULL), HERD);
    assert_int_equal(stat_of(o, "rejected", NULL, NULL), 0);
    assert_int_equal(stat_of(o, "in_flight", NULL, NULL), 0);
    origin_stop(o);
}

static void past_capacity_503_mode_rejects_at_once(void **state)
{
    (void)state;
    sb_origin *o = start(500 * SB_NS_PER_MS, 5, 1);
    int rejected = herd(o, 503);
    assert_true(rejected >= 1);
    assert_int_equal(stat_of(o, "rejected", NULL, NULL), rejected);
    assert_int_equal(stat_of(o, "keys", "herd", "rejected"), rejected);
    assert_int_equal(stat_of(o, "requests", NULL, NULL), HERD - rejected);
    assert_true(stat_of(o, "peak_concurrency", NULL, NULL) <= 5);
    assert_true(stat_of(o, "keys", "herd", "peak_concurrency") <= 5);
    json_t *log = json_of(o, "GET", "/log/herd", 200); /* served GETs only */
    assert_int_equal(json_array_size(json_object_get(log, "arrivals_ms")), HERD - rejected);
    json_decref(log);
    origin_stop(o);
}

static void past_capacity_slow_mode_serves_everyone(void **state)
{
    (void)state;
    sb_origin *o = start(100 * SB_NS_PER_MS, 5, 0);
    assert_int_equal(herd(o, 200), HERD);
    assert_int_equal(stat_of(o, "rejected", NULL, NULL), 0);
    assert_int_equal(stat_of(o, "requests", NULL, NULL), HERD);
    assert_true(stat_of(o, "peak_concurrency", NULL, NULL) > 5);
    origin_stop(o);
}

typedef struct slow_job {
    int port;
    long status;
} slow_job;

static void *get_slow(void *arg)
{
    slow_job *j = arg;
    answer a;
    j->status = request(j->port, "GET", "/v/slow", &a, 60);
    sb_buf_free(&a.body);
    return NULL;
}

/* A GET sleeping its 60 s service time does not hold origin_stop up: it is
 * cut short and its connection closed unanswered. */
static void stop_cuts_sleeping_gets_short(void **state)
{
    (void)state;
    sb_origin *o = start(60 * SB_NS_PER_S, 0, 1);
    slow_job j = {.port = origin_port(o), .status = -1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, get_slow, &j), 0);
    int64_t deadline = sb_now_ns() + 10 * SB_NS_PER_S;
    while (stat_of(o, "in_flight", NULL, NULL) < 1 && sb_now_ns() < deadline)
        sb_sleep_ns(10 * SB_NS_PER_MS);
    assert_int_equal(stat_of(o, "in_flight", NULL, NULL), 1);
    int64_t t0 = sb_now_ns();
    origin_stop(o);
    int64_t stop_ns = sb_now_ns() - t0;
    pthread_join(t, NULL);
    assert_int_equal(j.status, 0);
    assert_true(stop_ns < 30 * SB_NS_PER_S); /* generous: the service time was 60 s */
}

/* ====== Keys in paths and errors ====== */

static void keys_are_percent_decoded_path_segments(void **state)
{
    (void)state;
    sb_origin *o = start(0, 0, 1);
    json_t *j = json_of(o, "GET", "/v/a%20b%2Fc+d", 200);
    assert_string_equal(json_string_value(json_object_get(j, "key")), "a b/c+d");
    assert_string_equal(json_string_value(json_object_get(j, "value")), "a b/c+d@1");
    json_decref(j);
    j = json_of(o, "GET", "/v/caf%C3%A9%22%0A", 200);
    assert_string_equal(json_string_value(json_object_get(j, "key")), "caf\xc3\xa9\"\n");
    json_decref(j);
    j = json_of(o, "GET", "/stats", 200);
    assert_non_null(json_object_get(json_object_get(j, "keys"), "a b/c+d"));
    assert_non_null(json_object_get(json_object_get(j, "keys"), "caf\xc3\xa9\"\n"));
    json_decref(j);

    char path[700] = "/v/";
    memset(path + 3, 'x', ORIGIN_KEY_MAX);
    path[3 + ORIGIN_KEY_MAX] = '\0';
    assert_int_equal(status_of(o, "GET", path), 200); /* 512 bytes: the most allowed */
    strcat(path, "x");
    assert_int_equal(status_of(o, "GET", path), 400);
    assert_int_equal(status_of(o, "POST", path), 400);
    assert_int_equal(status_of(o, "GET", "/log/x%2"), 400);
    assert_int_equal(status_of(o, "GET", "/v/"), 400);       /* empty key */
    assert_int_equal(status_of(o, "GET", "/v/%zz"), 400);    /* bad escape */
    assert_int_equal(status_of(o, "GET", "/v/a%00b"), 400);  /* NUL */
    assert_int_equal(status_of(o, "GET", "/v/%FF"), 400);    /* not UTF-8 */
    assert_int_equal(status_of(o, "GET", "/v/%C0%AF"), 400); /* overlong */
    origin_stop(o);
}

static void unknown_paths_404_wrong_methods_405(void **state)
{
    (void)state;
    sb_origin *o = start(0, 0, 1);
    assert_int_equal(status_of(o, "GET", "/"), 404);
    assert_int_equal(status_of(o, "GET", "/nope"), 404);
    assert_int_equal(status_of(o, "GET", "/v"), 404);
    assert_int_equal(status_of(o, "GET", "/v/a/b"), 404); /* two segments */
    assert_int_equal(status_of(o, "GET", "/stats/"), 404);
    answer a;
    assert_int_equal(request(origin_port(o), "DELETE", "/v/k", &a, 10), 405);
    assert_string_equal(a.allow, "GET, POST");
    sb_buf_free(&a.body);
    assert_int_equal(request(origin_port(o), "POST", "/stats", &a, 10), 405);
    assert_string_equal(a.allow, "GET");
    sb_buf_free(&a.body);
    assert_int_equal(status_of(o, "GET", "/reset"), 405);
    assert_int_equal(status_of(o, "POST", "/log/k"), 405);
    assert_int_equal(status_of(o, "PUT", "/v/k"), 405);
    /* none of these counted as GETs or writes */
    assert_int_equal(stat_of(o, "requests", NULL, NULL), 0);
    assert_int_equal(stat_of(o, "writes", NULL, NULL), 0);
    origin_stop(o);
}

/* ====== Logs and reset ====== */

static void log_holds_one_arrival_per_served_get_and_reset_zeroes(void **state)
{
    (void)state;
    sb_origin *o = start(0, 0, 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(status_of(o, "GET", "/v/x"), 200);
    assert_int_equal(status_of(o, "GET", "/v/y"), 200);
    assert_int_equal(status_of(o, "POST", "/v/x"), 200);

    json_t *log = json_of(o, "GET", "/log/x", 200);
    json_t *arr = json_object_get(log, "arrivals_ms");
    assert_int_equal(json_array_size(arr), stat_of(o, "keys", "x", "requests"));
    assert_int_equal(json_array_size(arr), 3);
    for (size_t i = 1; i < json_array_size(arr); i++)
        assert_true(json_number_value(json_array_get(arr, i)) >=
                    json_number_value(json_array_get(arr, i - 1)));
    assert_true(json_is_false(json_object_get(log, "truncated")));
    assert_true(num(log, "monotonic_start_ns", NULL, NULL) > 0);
    json_decref(log);
    log = json_of(o, "GET", "/log/never-read", 200);
    assert_int_equal(json_array_size(json_object_get(log, "arrivals_ms")), 0);
    json_decref(log);

    json_t *r = json_of(o, "POST", "/reset", 200);
    json_decref(r);
    json_t *s = json_of(o, "GET", "/stats", 200);
    assert_int_equal(num(s, "requests", NULL, NULL), 0);
    assert_int_equal(num(s, "writes", NULL, NULL), 0);
    assert_int_equal(num(s, "rejected", NULL, NULL), 0);
    assert_int_equal(num(s, "peak_concurrency", NULL, NULL), 0);
    assert_int_equal(num(s, "keys", "x", "requests"), 0);
    assert_int_equal(num(s, "keys", "x", "version"), 2); /* versions stay */
    json_decref(s);
    log = json_of(o, "GET", "/log/x", 200);
    assert_int_equal(json_array_size(json_object_get(log, "arrivals_ms")), 0);
    json_decref(log);
    json_t *g = json_of(o, "GET", "/v/x", 200);
    assert_int_equal(num(g, "version", NULL, NULL), 2);
    json_decref(g);
    assert_int_equal(stat_of(o, "keys", "x", "requests"), 1);
    origin_stop(o);
}

/* Enough keys to grow the table a few times; one keep-alive connection. */
static void many_keys_each_counted_once(void **state)
{
    (void)state;
    enum { N = 3000 };
    int fds = open_fds();
    sb_origin *o = start(0, 0, 1);
    CURL *c = curl_easy_init();
    sb_buf sink;
    sb_buf_init(&sink);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    for (int i = 0; i < N; i++) {
        char url[128];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/v/key-%d", origin_port(o), i);
        curl_easy_setopt(c, CURLOPT_URL, url);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
    }
    curl_easy_cleanup(c);
    sb_buf_free(&sink);
    json_t *s = json_of(o, "GET", "/stats", 200);
    assert_int_equal(json_object_size(json_object_get(s, "keys")), N);
    assert_int_equal(num(s, "requests", NULL, NULL), N);
    assert_int_equal(num(s, "keys", "key-0", "requests"), 1);
    assert_int_equal(num(s, "keys", "key-2999", "requests"), 1);
    json_decref(s);
    origin_stop(o);
    assert_int_equal(open_fds(), fds); /* the listening socket is closed too */
}

/* ====== The command line ====== */

static int run_main(int argc, const char **argv)
{
    return origin_main(argc, (char **)argv);
}

static void bad_options_return_2(void **state)
{
    (void)state;
    const char *none[] = {"origin"};
    assert_int_equal(run_main(1, none), 2);
    const char *bad_listen[] = {"origin", "--listen", "127.0.0.1"};
    assert_int_equal(run_main(3, bad_listen), 2);
    const char *bad_port[] = {"origin", "--listen", "127.0.0.1:65536"};
    assert_int_equal(run_main(3, bad_port), 2);
    const char *bad_addr[] = {"origin", "--listen", "999.0.0.1:0"};
    assert_int_equal(run_main(3, bad_addr), 2);
    const char *bad_latency[] = {"origin", "--listen", "127.0.0.1:0", "--latency", "5parsecs"};
    assert_int_equal(run_main(5, bad_latency), 2);
    const char *bad_overload[] = {"origin", "--listen", "127.0.0.1:0", "--overload", "maybe"};
    assert_int_equal(run_main(5, bad_overload), 2);
    const char *bad_capacity[] = {"origin", "--listen", "127.0.0.1:0", "--capacity", "-1"};
    assert_int_equal(run_main(5, bad_capacity), 2);
    const char *bad_seed[] = {"origin", "--listen", "127.0.0.1:0", "--seed", "x"};
    assert_int_equal(run_main(5, bad_seed), 2);
    const char *unknown[] = {"origin", "--listen", "127.0.0.1:0", "--bogus"};
    assert_int_equal(run_main(4, unknown), 2);
    const char *no_value[] = {"origin", "--listen"};
    assert_int_equal(run_main(2, no_value), 2);
    const char *extra[] = {"origin", "--listen", "127.0.0.1:0", "extra"};
    assert_int_equal(run_main(4, extra), 2);
    sb_origin *o = start(0, 0, 1); /* its port is taken: bind fails */
    char taken[64];
    snprintf(taken, sizeof(taken), "127.0.0.1:%d", origin_port(o));
    const char *busy[] = {"origin", "--listen", taken};
    assert_int_equal(run_main(3, busy), 2);
    origin_stop(o);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct main_job {
    char listen[64];
    int status;
} main_job;

static void *run_origin_main(void *arg)
{
    main_job *j = arg;
    const char *argv[] = {"origin",   "--listen", j->listen,    "--latency", "1ms",
                          "--jitter", "2ms",      "--capacity", "50",        "--overload",
                          "slow",     "--seed",   "3"};
    j->status = run_main(13, argv);
    return NULL;
}

/* The signal goes to origin_main's thread only (pthread_kill), so the test
 * process is not hit by it. */
static void main_serves_until_sigterm_then_returns_0(void **state)
{
    (void)state;
    int port = free_port();
    main_job j = {.status = -1};
    snprintf(j.listen, sizeof(j.listen), "127.0.0.1:%d", port);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_origin_main, &j), 0);
    answer a = {0};
    int64_t deadline = sb_now_ns() + 10 * SB_NS_PER_S;
    while (request(port, "GET", "/v/cli", &a, 5) != 200 && sb_now_ns() < deadline) {
        sb_buf_free(&a.body);
        sb_sleep_ns(20 * SB_NS_PER_MS);
    }
    assert_int_equal(a.status, 200);
    assert_int_equal(a.x_version, 1);
    sb_buf_free(&a.body);
    assert_int_equal(pthread_kill(t, SIGTERM), 0);
    pthread_join(t, NULL);
    assert_int_equal(j.status, 0);
    assert_int_equal(request(port, "GET", "/v/cli", &a, 5), 0); /* gone */
    sb_buf_free(&a.body);
}

static int setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_start_at_1_and_post_bumps_them),
        cmocka_unit_test(concurrent_gets_are_served_in_parallel),
        cmocka_unit_test(past_capacity_503_mode_rejects_at_once),
        cmocka_unit_test(past_capacity_slow_mode_serves_everyone),
        cmocka_unit_test(stop_cuts_sleeping_gets_short),
        cmocka_unit_test(keys_are_percent_decoded_path_segments),
        cmocka_unit_test(unknown_paths_404_wrong_methods_405),
        cmocka_unit_test(log_holds_one_arrival_per_served_get_and_reset_zeroes),
        cmocka_unit_test(many_keys_each_counted_once),
        cmocka_unit_test(bad_options_return_2),
        cmocka_unit_test(main_serves_until_sigterm_then_returns_0),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
