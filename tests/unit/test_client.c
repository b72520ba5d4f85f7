/* test_client.c -- outcome classification: what proves a write did not
 * happen (fail) and what leaves it open (info). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client.h"

static void rejecting_error_replies_are_fail(void **state)
{
    (void)state;
    assert_int_equal(client_classify_error("READONLY You can't write against a read only replica."),
                     SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("NOREPLICAS Not enough good replicas to write."),
                     SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("MASTERDOWN Link with MASTER is down and "
                                           "replica-serve-stale-data is set to 'no'."),
                     SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("LOADING Redis is loading the dataset in memory"),
                     SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("BUSY Redis is busy running a script."),
                     SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("MOVED 3999 127.0.0.1:6381"), SB_OUTCOME_FAIL);
    assert_int_equal(client_classify_error("ASK 3999 127.0.0.1:6381"), SB_OUTCOME_FAIL);
    assert_int_equal(
        client_classify_error("OOM command not allowed when used memory > 'maxmemory'."),
        SB_OUTCOME_FAIL);
}

static void unknown_error_replies_are_info(void **state)
{
    (void)state;
    /* A script error may come after some of its writes ran. */
    assert_int_equal(client_classify_error("ERR Error running script"), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_error("ERR something new"), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_error("READONLYX not a word match"), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_error("ASKING"), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_error(""), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_error(NULL), SB_OUTCOME_INFO);
}

static void io_errors_depend_on_whether_anything_was_sent(void **state)
{
    (void)state;
    /* refused connection / nothing handed to the kernel: cannot have run */
    assert_int_equal(client_classify_io(0), SB_OUTCOME_FAIL);
    /* timeout or reset after sending: may have run */
    assert_int_equal(client_classify_io(1), SB_OUTCOME_INFO);
    assert_int_equal(client_classify_io(40), SB_OUTCOME_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rejecting_error_replies_are_fail),
        cmocka_unit_test(unknown_error_replies_are_info),
        cmocka_unit_test(io_errors_depend_on_whether_anything_was_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
