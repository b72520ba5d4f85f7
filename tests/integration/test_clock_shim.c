/* test_clock_shim.c -- libsbclock.so skews a real redis-server: TIME
 * follows the controller's bumps, resets and strobes, while the server
 * keeps answering (libfaketime makes Debian's redis-server crash at start).
 * Each test starts its own redis-server on 127.0.0.1 with the shim
 * preloaded and kills it in the teardown, whatever the test's outcome. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "sbclock_ctl.h"
#include "clockctl.h"
#include "util.h"

#define REDIS_SERVER "/usr/bin/redis-server"
#define PORT_MIN 20000
#define PORT_SPAN 20001
#define START_ATTEMPTS 3 /* a random free port can be taken before Redis binds it */
#define START_DEADLINE_NS (10 * SB_NS_PER_S)
#define TOLERANCE_NS (2 * SB_NS_PER_S) /* round trip, scheduling, TIME's whole microseconds */

typedef struct fixture {
    char dir[64];
    char ctl_path[128];
    char log_path[128];
    int have_dir;
    sb_clockctl *ctl;
    pid_t pid;
    int port;
    redisContext *rc;
} fixture;

static int setup(void **state)
{
    char err[SB_ERR_LEN];
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f;
    f->pid = -1;
    strcpy(f->dir, "/tmp/sb-clockshim-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    f->have_dir = 1;
    snprintf(f->ctl_path, sizeof(f->ctl_path), "%s/clock.ctl", f->dir);
    snprintf(f->log_path, sizeof(f->log_path), "%s/redis.log", f->dir);
    f->ctl = clockctl_create(f->ctl_path, err);
    if (!f->ctl) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char err[SB_ERR_LEN];
    if (!f)
        return 0;
    if (f->rc)
        redisFree(f->rc);
    if (f->pid > 0) {
        kill(f->pid, SIGKILL);
        while (waitpid(f->pid, NULL, 0) == -1 && errno == EINTR)
            ;
    }
    clockctl_close(f->ctl, 1);
    if (f->have_dir && sb_rm_rf(f->dir, err) == -1)
        fprintf(stderr, "%s\n", err);
    free(f);
    return 0;
}

/* ====== Starting redis-server under the shim ====== */

static void shim_path(char *out, size_t len)
{
    const char *build = getenv("SB_BUILD_DIR");
    char err[SB_ERR_LEN];
    if (build && *build) {
        snprintf(out, len, "%s/%s", build, SB_CLOCK_SHIM_NAME);
        if (access(out, R_OK) == -1)
            fail_msg("%s: %s", out, strerror(errno));
    } else if (clockctl_shim_path(out, len, err) == -1) {
        fail_msg("%s", err);
    }
}

/* A port in [PORT_MIN, PORT_MIN + PORT_SPAN) that nothing listens on now. */
static int free_port(void)
{
    for (int tries = 0; tries < 100; tries++) {
        uint32_t r;
        if (getrandom(&r, sizeof(r), 0) != sizeof(r))
            r = (uint32_t)getpid() * 2654435761u + (uint32_t)tries;
        int port = PORT_MIN + (int)(r % PORT_SPAN);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (s == -1)
            continue;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(s);
        if (ok)
            return port;
    }
    fail_msg("no free port in %d..%d", PORT_MIN, PORT_MIN + PORT_SPAN - 1);
    return -1;
}

/* Our environment with LD_PRELOAD and SB_CLOCK_CTL replaced. Built before
 * fork so the child only calls execve. */
static char **child_env(const char *shim, const char *ctl_file)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof(*env));
    assert_non_null(env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 &&
            strncmp(environ[i], SB_CLOCK_ENV "=", sizeof(SB_CLOCK_ENV)) != 0)
            env[k++] = environ[i];
    assert_true(asprintf(&env[k++], "LD_PRELOAD=%s", shim) > 0);
    assert_true(asprintf(&env[k++], SB_CLOCK_ENV "=%s", ctl_file) > 0);
    return env;
}

static void free_child_env(char **env)
{
    size_t n = 0;
    while (env[n])
        n++;
    free(env[n - 1]);
    free(env[n - 2]);
    free(env);
}

static void print_log(const fixture *f)
{
    char err[SB_ERR_LEN];
    char *log = sb_read_file(f->log_path, NULL, err);
    fprintf(stderr, "--- %s ---\n%s\n---\n", f->log_path, log ? log : err);
    free(log);
}

static pid_t spawn_redis(const fixture *f, char **env)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", f->port);
    char *const argv[] = {REDIS_SERVER, "--port",       port, "--bind", "127.0.0.1",    "--save",
                          "",           "--appendonly", "no", "--dir",  (char *)f->dir, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(f->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd != -1) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execve(REDIS_SERVER, argv, env);
        _exit(127);
    }
    return pid;
}

/* Waits until the server answers PING. Returns 1 when it does, 0 if it
 * exited first (port taken: retry), and fails the test if it crashed or
 * never answered. */
static int wait_ready(fixture *f)
{
    int64_t deadline = sb_now_ns() + START_DEADLINE_NS;
    while (sb_now_ns() < deadline) {
        int status;
        if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
            f->pid = -1;
            print_log(f);
            if (WIFSIGNALED(status))
                fail_msg("redis-server killed by signal %d under the shim", WTERMSIG(status));
            return 0;
        }
        struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
        redisContext *rc = redisConnectWithTimeout("127.0.0.1", f->port, tv);
        if (rc && !rc->err) {
            redisReply *r = redisCommand(rc, "PING");
            int pong = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
            if (r)
                freeReplyObject(r);
            if (pong) {
                f->rc = rc;
                redisSetTimeout(rc, (struct timeval){.tv_sec = 5});
                return 1;
            }
        }
        if (rc)
            redisFree(rc);
        sb_sleep_ns(20 * SB_NS_PER_MS);
    }
    print_log(f);
    fail_msg("redis-server on port %d did not answer PING within %lld s", f->port,
             (long long)(START_DEADLINE_NS / SB_NS_PER_S));
    return 0;
}

static void start_redis(fixture *f, const char *ctl_file)
{
    if (access(REDIS_SERVER, X_OK) == -1)
        skip();
    char shim[4096];
    shim_path(shim, sizeof(shim));
    char **env = child_env(shim, ctl_file);
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        f->port = free_port();
        f->pid = spawn_redis(f, env);
        if (f->pid == -1) {
            free_child_env(env);
            fail_msg("fork: %s", strerror(errno));
        }
        if (wait_ready(f)) {
            free_child_env(env);
            return;
        }
    }
    free_child_env(env);
    fail_msg("redis-server exited %d times before answering (see its log above)", START_ATTEMPTS);
}

/* ====== Reading the server's clock ====== */

/* TIME minus the host's realtime clock, read around the round trip. */
static int64_t redis_skew_ns(fixture *f)
{
    int64_t before = sb_wall_ns();
    redisReply *r = redisCommand(f->rc, "TIME");
    int64_t after = sb_wall_ns();
    if (!r)
        fail_msg("TIME: %s", f->rc->errstr);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2);
    int64_t t = strtoll(r->element[0]->str, NULL, 10) * SB_NS_PER_S +
                strtoll(r->element[1]->str, NULL, 10) * SB_NS_PER_US;
    freeReplyObject(r);
    return t - (before + (after - before) / 2);
}

static int near(int64_t got_ns, int64_t want_ns)
{
    return llabs(got_ns - want_ns) <= TOLERANCE_NS;
}

static void assert_skew(fixture *f, int64_t want_ns)
{
    int64_t got = redis_skew_ns(f);
    if (!near(got, want_ns))
        fail_msg("redis TIME is %+.3f s from the host, expected %+.3f s +- %.0f s",
                 (double)got / SB_NS_PER_S, (double)want_ns / SB_NS_PER_S,
                 (double)TOLERANCE_NS / SB_NS_PER_S);
}

/* ====== Tests ====== */

static void redis_under_the_shim_starts_and_answers_ping(void **state)
{
    fixture *f = *state;
    start_redis(f, f->ctl_path);
    redisReply *r = redisCommand(f->rc, "SET k v");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    r = redisCommand(f->rc, "PING");
    assert_non_null(r);
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    assert_skew(f, 0);
}

static void redis_time_follows_bumps_and_reset(void **state)
{
    fixture *f = *state;
    start_redis(f, f->ctl_path);
    assert_skew(f, 0);
    clockctl_bump(f->ctl, 30 * SB_NS_PER_S);
    assert_skew(f, 30 * SB_NS_PER_S);
    clockctl_bump(f->ctl, -60 * SB_NS_PER_S);
    assert_skew(f, -30 * SB_NS_PER_S);
    clockctl_reset(f->ctl);
    assert_skew(f, 0);
    redisReply *r = redisCommand(f->rc, "PING");
    assert_non_null(r);
    freeReplyObject(r);
}

static void redis_time_alternates_under_a_strobe(void **state)
{
    fixture *f = *state;
    const int64_t delta = 10 * SB_NS_PER_S, period = 200 * SB_NS_PER_MS;
    const int64_t duration = 1200 * SB_NS_PER_MS;
    start_redis(f, f->ctl_path);
    int64_t start = sb_now_ns();
    clockctl_strobe(f->ctl, delta, period, duration);
    int base = 0, shifted = 0;
    while (sb_now_ns() < start + SB_NS_PER_S) {
        int64_t skew = redis_skew_ns(f);
        if (near(skew, 0))
            base++;
        else if (near(skew, delta))
            shifted++;
        else
            fail_msg("strobe: TIME is %+.3f s from the host, expected 0 or %+.0f s",
                     (double)skew / SB_NS_PER_S, (double)delta / SB_NS_PER_S);
        sb_sleep_ns(30 * SB_NS_PER_MS);
    }
    print_message("strobe: %d reads at +0 s, %d at +10 s\n", base, shifted);
    assert_true(base > 0);
    assert_true(shifted > 0);
    /* The strobe ends by itself. */
    while (sb_now_ns() < start + duration + 50 * SB_NS_PER_MS)
        sb_sleep_ns(10 * SB_NS_PER_MS);
    for (int i = 0; i < 5; i++)
        assert_skew(f, 0);
}

/* A file without the magic (here: a block whose offset says +100 s) must
 * leave the clocks alone rather than trust a stale or foreign file. */
static void redis_ignores_a_foreign_control_file(void **state)
{
    fixture *f = *state;
    char path[160], err[SB_ERR_LEN];
    snprintf(path, sizeof(path), "%s/foreign.ctl", f->dir);
    char page[4096] = {0};
    struct sb_clock_ctl bad = {.magic = SB_CLOCK_MAGIC + 1, .offset_ns = 100 * SB_NS_PER_S};
    memcpy(page, &bad, sizeof(bad));
    assert_int_equal(sb_write_file(path, page, sizeof(page), err), 0);
    start_redis(f, path);
    assert_skew(f, 0);
}

/* sbclockctl, the program the ssh backend runs on remote hosts, changes
 * the same file in place: a redis that maps it follows. */
static void run_tool(const char *args)
{
    char tool[4200], cmd[4700];
    shim_path(tool, sizeof(tool));
    char *slash = strrchr(tool, '/');
    snprintf(slash + 1, sizeof(tool) - (size_t)(slash + 1 - tool), "%s", SB_CLOCK_TOOL_NAME);
    snprintf(cmd, sizeof(cmd), "%s %s >/dev/null", tool, args);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("`%s` exited %d", cmd, rc);
}

static void redis_time_follows_sbclockctl(void **state)
{
    fixture *f = *state;
    char path[160], args[400];
    snprintf(path, sizeof(path), "%s/tool.ctl", f->dir);
    snprintf(args, sizeof(args), "%s create", path);
    run_tool(args);
    start_redis(f, path);
    assert_skew(f, 0);
    snprintf(args, sizeof(args), "%s mono 0 bump 20000000000", path);
    run_tool(args);
    assert_skew(f, 20 * SB_NS_PER_S);
    snprintf(args, sizeof(args), "%s bump -50000000000", path);
    run_tool(args);
    assert_skew(f, -30 * SB_NS_PER_S);
    /* a strobe on the file's host's monotonic clock: +10 s half the time */
    snprintf(args, sizeof(args), "%s strobe 10000000000 200000000 1000000000", path);
    run_tool(args);
    int shifted = 0;
    for (int i = 0; i < 20; i++) {
        int64_t skew = redis_skew_ns(f);
        if (near(skew, -20 * SB_NS_PER_S))
            shifted++;
        else if (!near(skew, -30 * SB_NS_PER_S))
            fail_msg("strobe through sbclockctl: TIME is %+.3f s from the host",
                     (double)skew / SB_NS_PER_S);
        sb_sleep_ns(40 * SB_NS_PER_MS);
    }
    assert_true(shifted > 0);
    snprintf(args, sizeof(args), "%s reset", path);
    run_tool(args);
    assert_skew(f, 0);
    /* what is not a control file is refused, not overwritten */
    snprintf(args, sizeof(args), "%s/redis.log bump 1 2>/dev/null", f->dir);
    char tool[4200], cmd[4700];
    shim_path(tool, sizeof(tool));
    *strrchr(tool, '/') = '\0';
    snprintf(cmd, sizeof(cmd), "%s/%s %s", tool, SB_CLOCK_TOOL_NAME, args);
    assert_int_not_equal(system(cmd), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(redis_under_the_shim_starts_and_answers_ping),
        T(redis_time_follows_bumps_and_reset),
        T(redis_time_alternates_under_a_strobe),
        T(redis_ignores_a_foreign_control_file),
        T(redis_time_follows_sbclockctl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
