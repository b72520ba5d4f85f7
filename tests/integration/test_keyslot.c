/* test_keyslot.c -- our hash slot agrees with a real Redis Cluster node's
 * CLUSTER KEYSLOT on thousands of random keys: plain, with hash tags in
 * every shape the specification describes, and with binary bytes.
 *
 * The node is a cluster-enabled redis-server on a Unix socket in a private
 * folder (no network at all); it is stopped and the folder removed at the
 * end. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "cluster_slots.h"
#include "util.h"

static struct {
    char dir[64], sock[128];
    pid_t pid;
    redisContext *rc;
} F;

static int setup(void **state)
{
    (void)state;
    snprintf(F.dir, sizeof(F.dir), "/tmp/sb-keyslot-XXXXXX");
    if (!mkdtemp(F.dir))
        return -1;
    snprintf(F.sock, sizeof(F.sock), "%s/redis.sock", F.dir);
    F.pid = fork();
    if (F.pid == 0) {
        char conf[128];
        snprintf(conf, sizeof(conf), "%s/nodes.conf", F.dir);
        execl("/usr/bin/redis-server", "redis-server", "--port", "0", "--unixsocket", F.sock,
              "--cluster-enabled", "yes", "--cluster-config-file", conf, "--dir", F.dir, "--save",
              "", "--appendonly", "no", "--daemonize", "no", "--logfile", "", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !F.rc; i++) {
        redisContext *rc = redisConnectUnix(F.sock);
        if (rc && !rc->err)
            F.rc = rc;
        else {
            if (rc)
                redisFree(rc);
            usleep(20000);
        }
    }
    if (!F.rc)
        print_error("redis-server did not come up on %s\n", F.sock);
    return F.rc ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (F.rc)
        redisFree(F.rc);
    if (F.pid > 0) {
        kill(F.pid, SIGKILL);
        waitpid(F.pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", F.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static long long keyslot(const char *key, size_t len)
{
    const char *argv[3] = {"CLUSTER", "KEYSLOT", key};
    size_t lens[3] = {7, 7, len};
    redisReply *r = redisCommandArgv(F.rc, 3, argv, lens);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

static void random_keys_agree_with_cluster_keyslot(void **state)
{
    (void)state;
    sb_rng rng;
    sb_rng_seed(&rng, 20261125);
    static const char alphabet[] = "ab{}{}:x\0\xff";
    int tagged = 0;
    for (int i = 0; i < 5000; i++) {
        char key[40];
        size_t len = 1 + sb_rng_next(&rng) % 24;
        for (size_t k = 0; k < len; k++)
            key[k] = i % 2 ? alphabet[sb_rng_next(&rng) % (sizeof(alphabet) - 1)]
                           : (char)('a' + sb_rng_next(&rng) % 26);
        tagged += memchr(key, '{', len) && memchr(key, '}', len);
        long long want = keyslot(key, len);
        int got = sb_keyslot(key, len);
        if (got != want)
            fail_msg("key %d (%zu bytes): ours %d, CLUSTER KEYSLOT %lld", i, len, got, want);
    }
    assert_true(tagged > 500); /* the tag rules were really exercised */
}

static void the_specifications_examples_agree(void **state)
{
    (void)state;
    static const char *const keys[] = {"123456789",
                                       "{user1000}.following",
                                       "{user1000}.followers",
                                       "foo{}{bar}",
                                       "foo{{bar}}zap",
                                       "foo{bar}{zap}",
                                       "{}",
                                       "{",
                                       "}{a}",
                                       "somekey"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_int_equal(sb_keyslot(keys[i], strlen(keys[i])), keyslot(keys[i], strlen(keys[i])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_keys_agree_with_cluster_keyslot),
        cmocka_unit_test(the_specifications_examples_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
