/* test_history.c -- the recorder writes whole lines in index = time order
 * from many threads; the loader keeps a crashed run's prefix and names the
 * line of real corruption. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "history.h"
#include "util.h"

#define THREADS 8
#define PER_THREAD 5000

typedef struct {
    sb_recorder *r;
    int p;
} targ;

static void *writer(void *arg)
{
    targ *t = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char v[32];
        snprintf(v, sizeof(v), "%d", t->p * PER_THREAD + i);
        recorder_record(t->r, t->p, SB_OP_INVOKE, "add", v, NULL, NULL);
        recorder_record(t->r, t->p, i % 3 ? SB_OP_OK : SB_OP_INFO, "add", v, "n1",
                        i % 3 ? NULL : "timeout \"quoted\"\n");
    }
    return NULL;
}

static void temp_path(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/sb-history-test-%d.jsonl", (int)getpid());
}

static void concurrent_records_round_trip(void **state)
{
    (void)state;
    char path[128], err[SB_ERR_LEN];
    temp_path(path, sizeof(path));
    sb_recorder *r = recorder_open(path, sb_now_ns(), err);
    assert_non_null(r);
    recorder_record(r, SB_PROC_NEMESIS, SB_OP_INVOKE, "partition", "{\"groups\":[[\"n1\"]]}", NULL,
                    NULL);
    pthread_t th[THREADS];
    targ args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (targ){r, i};
        pthread_create(&th[i], NULL, writer, &args[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    uint64_t ok, fail, info;
    recorder_counts(r, &ok, &fail, &info);
    assert_int_equal(ok + info, THREADS * PER_THREAD);
    assert_int_equal(fail, 0);
    assert_int_equal(recorder_close(r, err), 0);

    sb_history *h = history_load(path, err);
    assert_non_null(h);
    assert_int_equal(h->n, 1 + 2 * THREADS * PER_THREAD);
    assert_int_equal(h->ops[0].process, SB_PROC_NEMESIS);
    assert_true(json_is_object(h->ops[0].value));
    for (size_t i = 0; i < h->n; i++) {
        assert_int_equal(h->ops[i].index, (int64_t)i);
        if (i)
            assert_true(h->ops[i].time_ns >= h->ops[i - 1].time_ns);
    }
    int infos = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->ops[i].type == SB_OP_INFO) {
            assert_string_equal(h->ops[i].error, "timeout \"quoted\"\n");
            assert_string_equal(h->ops[i].node, "n1");
            infos++;
        }
    assert_int_equal(infos, (int)info);
    history_free(h);
    unlink(path);
}

static void truncated_last_line_is_ignored(void **state)
{
    (void)state;
    char path[128], err[SB_ERR_LEN];
    temp_path(path, sizeof(path));
    const char *text = "{\"index\":0,\"process\":0,\"time\":5,\"type\":\"invoke\",\"f\":\"add\","
                       "\"value\":1}\n{\"index\":1,\"process\":0,\"time\":9,\"ty";
    assert_int_equal(sb_write_file(path, text, strlen(text), err), 0);
    sb_history *h = history_load(path, err);
    assert_non_null(h);
    assert_int_equal(h->n, 1);
    history_free(h);
    unlink(path);
}

static void corrupt_middle_line_is_reported_with_its_number(void **state)
{
    (void)state;
    char path[128], err[SB_ERR_LEN];
    temp_path(path, sizeof(path));
    const char *text = "{\"index\":0,\"process\":0,\"time\":5,\"type\":\"invoke\",\"f\":\"add\"}\n"
                       "{\"index\":1,\"process\":0,\"time\":9,\"type\":\"maybe\",\"f\":\"add\"}\n"
                       "{\"index\":2,\"process\":0,\"time\":9,\"type\":\"ok\",\"f\":\"add\"}\n";
    assert_int_equal(sb_write_file(path, text, strlen(text), err), 0);
    assert_null(history_load(path, err));
    assert_non_null(strstr(err, ":2: \"type\" must be invoke, ok, fail or info"));
    const char *garbage =
        "{\"index\":0,\"process\":0,\"time\":5,\"type\":\"invoke\",\"f\":\"add\"}\n"
        "not json\n{}\n";
    assert_int_equal(sb_write_file(path, garbage, strlen(garbage), err), 0);
    assert_null(history_load(path, err));
    assert_non_null(strstr(err, ":2: not JSON"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_records_round_trip),
        cmocka_unit_test(truncated_last_line_is_ignored),
        cmocka_unit_test(corrupt_middle_line_is_reported_with_its_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
