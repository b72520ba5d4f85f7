/* test_logevents.c -- log lines to named events, and the log tailer.
 *
 * Lines marked "real" are copied from logs of Redis 7.0.15 runs (the
 * harness's and redis-server/redis-sentinel run by hand); the others are
 * built from the format strings in Redis 7.0's sentinel.c for events that
 * need a rare situation (TILT, an aborted failover, a failing script). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logevents.h"
#include "util.h"

/* ====== Matching ====== */

typedef struct logev_case {
    sb_proc_kind kind;
    const char *line;
    const char *name;
    const char *detail;
} logev_case;

#define SX(body) "17943:X 25 Nov 2026 03:20:24.540 " body
#define RM(body) "17936:M 25 Nov 2026 03:20:44.743 " body
#define RS(body) "17935:S 25 Nov 2026 03:20:25.567 " body

static const logev_case cases[] = {
    /* Sentinel, real. */
    {SB_PROC_SENTINEL, "17940:X 25 Nov 2026 03:20:24.014 # +sdown master mymaster 10.77.0.10 6379",
     "+sdown", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     "17937:X 25 Nov 2026 03:20:29.883 # -sdown sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e "
     "10.77.0.11 26379 @ mymaster 10.77.0.12 6379",
     "-sdown",
     "sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 26379 @ mymaster 10.77.0.12 "
     "6379"},
    {SB_PROC_SENTINEL, SX("# +odown master mymaster 10.77.0.10 6379 #quorum 2/2"), "+odown",
     "master mymaster 10.77.0.10 6379 #quorum 2/2"},
    {SB_PROC_SENTINEL, SX("# -odown master mymaster 10.77.0.10 6379"), "-odown",
     "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, "17937:X 25 Nov 2026 03:20:29.714 # +new-epoch 1", "+new-epoch", "1"},
    {SB_PROC_SENTINEL, SX("# +try-failover master mymaster 10.77.0.10 6379"), "+try-failover",
     "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +vote-for-leader c25449fcf62ea577a7aeebe2a41ebc9be2ae7b85 1"),
     "+vote-for-leader", "c25449fcf62ea577a7aeebe2a41ebc9be2ae7b85 1"},
    {SB_PROC_SENTINEL, SX("# +elected-leader master mymaster 10.77.0.10 6379"), "+elected-leader",
     "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +failover-state-select-slave master mymaster 10.77.0.10 6379"),
     "+failover-state-select-slave", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("# +selected-slave slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"),
     "+selected-slave", "slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +failover-state-send-slaveof-noone slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster "
        "10.77.0.10 6379"),
     "+failover-state-send-slaveof-noone",
     "slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +failover-state-wait-promotion slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster "
        "10.77.0.10 6379"),
     "+failover-state-wait-promotion",
     "slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("# +promoted-slave slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"),
     "+promoted-slave", "slave 10.77.0.12:6379 10.77.0.12 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +failover-state-reconf-slaves master mymaster 10.77.0.10 6379"),
     "+failover-state-reconf-slaves", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +slave-reconf-sent slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"),
     "+slave-reconf-sent", "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +slave-reconf-inprog slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"),
     "+slave-reconf-inprog", "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +slave-reconf-done slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"),
     "+slave-reconf-done", "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +failover-end master mymaster 10.77.0.10 6379"), "+failover-end",
     "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +switch-master mymaster 10.77.0.10 6379 10.77.0.12 6379"),
     "+switch-master", "mymaster 10.77.0.10 6379 10.77.0.12 6379"},
    {SB_PROC_SENTINEL,
     "17937:X 25 Nov 2026 03:20:29.714 # +config-update-from sentinel "
     "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 26379 @ mymaster 10.77.0.10 6379",
     "+config-update-from",
     "sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 26379 @ mymaster 10.77.0.10 "
     "6379"},
    {SB_PROC_SENTINEL,
     "17937:X 25 Nov 2026 03:20:07.518 # +monitor master mymaster 10.77.0.10 6379 quorum 2",
     "+monitor", "master mymaster 10.77.0.10 6379 quorum 2"},
    {SB_PROC_SENTINEL, "5156:X 25 Nov 2026 06:16:17.963 # -monitor master mm 127.0.0.1 17391",
     "-monitor", "master mm 127.0.0.1 17391"},
    {SB_PROC_SENTINEL, "5156:X 25 Nov 2026 06:16:17.959 # +reset-master master mm 127.0.0.1 17391",
     "+reset-master", "master mm 127.0.0.1 17391"},
    {SB_PROC_SENTINEL,
     "5156:X 25 Nov 2026 06:16:17.950 # +set master mm 127.0.0.1 17391 down-after-milliseconds "
     "2000",
     "+set", "master mm 127.0.0.1 17391 down-after-milliseconds 2000"},
    {SB_PROC_SENTINEL,
     "17937:X 25 Nov 2026 03:20:07.518 * +slave slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster "
     "10.77.0.10 6379",
     "+slave", "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     "17940:X 25 Nov 2026 03:20:39.720 * +convert-to-slave slave 10.77.0.10:6379 10.77.0.10 6379 @ "
     "mymaster 10.77.0.12 6379",
     "+convert-to-slave", "slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379"},
    {SB_PROC_SENTINEL,
     "17937:X 25 Nov 2026 03:20:09.541 * +sentinel sentinel "
     "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e "
     "10.77.0.11 26379 @ mymaster 10.77.0.10 6379",
     "+sentinel",
     "sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 26379 @ mymaster 10.77.0.10 "
     "6379"},
    /* Sentinel, from the format strings. */
    {SB_PROC_SENTINEL, SX("# +tilt #tilt mode entered"), "+tilt", "#tilt mode entered"},
    {SB_PROC_SENTINEL, SX("# -tilt #tilt mode exited"), "-tilt", "#tilt mode exited"},
    {SB_PROC_SENTINEL, SX("# -failover-abort-not-elected master mymaster 10.77.0.10 6379"),
     "-failover-abort-not-elected", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# -failover-abort-no-good-slave master mymaster 10.77.0.10 6379"),
     "-failover-abort-no-good-slave", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# -failover-abort-slave-timeout master mymaster 10.77.0.10 6379"),
     "-failover-abort-slave-timeout", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL, SX("# +failover-end-for-timeout master mymaster 10.77.0.10 6379"),
     "+failover-end-for-timeout", "master mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +slave-reconf-sent-be slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"),
     "+slave-reconf-sent-be", "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* -slave-reconf-sent-timeout slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 "
        "6379"),
     "-slave-reconf-sent-timeout",
     "slave 10.77.0.11:6379 10.77.0.11 6379 @ mymaster 10.77.0.10 6379"},
    {SB_PROC_SENTINEL,
     SX("* +fix-slave-config slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379"),
     "+fix-slave-config", "slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379"},
    {SB_PROC_SENTINEL, SX("* +reboot master mymaster 10.77.0.12 6379"), "+reboot",
     "master mymaster 10.77.0.12 6379"},
    {SB_PROC_SENTINEL,
     SX("- +role-change slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379 new "
        "reported role is master"),
     "+role-change",
     "slave 10.77.0.10:6379 10.77.0.10 6379 @ mymaster 10.77.0.12 6379 new reported role is "
     "master"},
    {SB_PROC_SENTINEL,
     SX("- -role-change master mymaster 10.77.0.12 6379 new reported role is slave"),
     "-role-change", "master mymaster 10.77.0.12 6379 new reported role is slave"},
    {SB_PROC_SENTINEL,
     SX("* -dup-sentinel master mymaster 10.77.0.10 6379 #duplicate of 10.77.0.11:26379 or "
        "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e"),
     "-dup-sentinel",
     "master mymaster 10.77.0.10 6379 #duplicate of 10.77.0.11:26379 or "
     "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e"},
    {SB_PROC_SENTINEL,
     SX("* +sentinel-address-switch master mymaster 10.77.0.10 6379 ip 10.77.0.13 port 26379 for "
        "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e"),
     "+sentinel-address-switch",
     "master mymaster 10.77.0.10 6379 ip 10.77.0.13 port 26379 for "
     "acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e"},
    {SB_PROC_SENTINEL,
     SX("* +sentinel-invalid-addr sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 "
        "26379 @ mymaster 10.77.0.10 6379"),
     "+sentinel-invalid-addr",
     "sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.11 26379 @ mymaster 10.77.0.10 "
     "6379"},
    {SB_PROC_SENTINEL,
     SX("* +sentinel-address-update sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.13 "
        "26379 @ mymaster 10.77.0.10 6379 1 additional matching instances"),
     "+sentinel-address-update",
     "sentinel acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e 10.77.0.13 26379 @ mymaster 10.77.0.10 "
     "6379 "
     "1 additional matching instances"},
    {SB_PROC_SENTINEL, SX("# -script-error /etc/notify.sh 0 2"), "-script-error",
     "/etc/notify.sh 0 2"},
    {SB_PROC_SENTINEL, SX("# -script-timeout /etc/notify.sh 4242"), "-script-timeout",
     "/etc/notify.sh 4242"},

    /* Redis, real. */
    {SB_PROC_REDIS,
     "17936:M 25 Nov 2026 03:20:24.658 * MASTER MODE enabled (user request from 'id=248 "
     "addr=10.77.0.12:41314 laddr=10.77.0.12:6379 fd=13 name=sentinel-c25449fc-cmd age=7 idle=0 "
     "flags=x db=0 sub=0 psub=0 ssub=0 multi=4 qbuf=188 qbuf-free=20286 argv-mem=4 multi-mem=169 "
     "rbs=2048 rbp=1024 obl=45 oll=0 omem=0 tot-mem=23589 events=r cmd=exec user=default "
     "redir=-1 resp=2')",
     "role-master", "user request from 10.77.0.12:41314"},
    {SB_PROC_REDIS,
     "17935:S 25 Nov 2026 03:20:25.565 * REPLICAOF 10.77.0.12:6379 enabled (user request from "
     "'id=3 addr=10.77.0.12:42184 laddr=10.77.0.11:6379 fd=9 name=sentinel-c25449fc-cmd age=18 "
     "idle=0 flags=x db=0 sub=0 psub=0 ssub=0 multi=4 qbuf=333 qbuf-free=20141 argv-mem=4 "
     "multi-mem=178 rbs=8192 rbp=4096 obl=45 oll=0 omem=0 tot-mem=29742 events=r cmd=exec "
     "user=default redir=-1 resp=2')",
     "role-replica", "10.77.0.12:6379"},
    {SB_PROC_REDIS, "30786:S 06 Dec 2026 04:45:21.025 # Failover election won: I'm the new master.",
     "cluster-promoted", ""},
    {SB_PROC_REDIS, "17935:S 25 Nov 2026 03:20:07.509 * Connecting to MASTER 10.77.0.10:6379",
     "master-connect", "10.77.0.10:6379"},
    {SB_PROC_REDIS, RS("* Reconnecting to MASTER 10.77.0.10:6379 after failure"), "master-connect",
     "10.77.0.10:6379"},
    {SB_PROC_REDIS,
     "17934:M 25 Nov 2026 03:20:07.518 * Full resync requested by replica 10.77.0.11:6379",
     "full-resync", "replica 10.77.0.11:6379"},
    {SB_PROC_REDIS,
     "17936:M 25 Nov 2026 03:20:39.722 * Partial resynchronization not accepted: Requested offset "
     "for second ID was 920440, but I can reply up to 229126",
     "full-resync",
     "psync refused: Requested offset for second ID was 920440, but I can reply up to 229126"},
    {SB_PROC_REDIS,
     RM("* Unable to partial resync with replica 10.77.0.11:6379 for lack of backlog (Replica "
        "request was: 228226)."),
     "full-resync", "replica 10.77.0.11:6379: no backlog"},
    {SB_PROC_REDIS,
     "17934:S 25 Nov 2026 03:20:44.737 * Full resync from master: "
     "6317f7d1353139ed4215ff27e717e6588cb88819:232956",
     "full-resync", "from master 6317f7d1353139ed4215ff27e717e6588cb88819:232956"},
    {SB_PROC_REDIS,
     "17936:M 25 Nov 2026 03:20:25.567 * Partial resynchronization request from 10.77.0.11:6379 "
     "accepted. Sending 1058 bytes of backlog starting from offset 228226.",
     "partial-resync", "replica 10.77.0.11:6379"},
    {SB_PROC_REDIS, RS("* Successful partial resynchronization with master."), "partial-resync",
     "with master"},
    {SB_PROC_REDIS, RS("* MASTER <-> REPLICA sync: Finished with success"), "sync-done", ""},
    {SB_PROC_REDIS, "17935:M 25 Nov 2026 03:20:25.565 # Connection with master lost.",
     "master-link-down", ""},
    {SB_PROC_REDIS,
     "17936:M 25 Nov 2026 03:20:44.818 # Connection with replica 10.77.0.10:6379 lost.",
     "replica-lost", "10.77.0.10:6379"},
    {SB_PROC_REDIS, "17934:M 25 Nov 2026 03:20:35.789 # Connection with replica client id #3 lost.",
     "replica-lost", "client id #3"},
    {SB_PROC_REDIS, "17934:M 25 Nov 2026 03:20:07.517 * Ready to accept connections",
     "loading-done", ""},
    {SB_PROC_REDIS, "5201:M 25 Nov 2026 06:16:18.997 * DB loaded from disk: 0.000 seconds",
     "db-loaded", "disk 0.000s"},
    {SB_PROC_REDIS, RM("* DB loaded from append only file: 0.012 seconds"), "db-loaded",
     "append only file 0.012s"},
    {SB_PROC_REDIS, "4956:M 25 Nov 2026 06:16:13.891 * DB saved on disk", "rdb-saved", ""},
    {SB_PROC_REDIS, "5084:C 25 Nov 2026 06:16:15.930 * DB saved on disk", "rdb-saved", ""},
    {SB_PROC_REDIS,
     "4956:M 25 Nov 2026 06:16:13.986 * Background AOF rewrite finished successfully",
     "aof-rewrite", ""},
    {SB_PROC_REDIS,
     "17934:C 25 Nov 2026 03:20:07.506 # Redis version=7.0.15, bits=64, commit=00000000, "
     "modified=0, pid=17934, just started",
     "server-start", "version 7.0.15 pid 17934"},
    {SB_PROC_SENTINEL,
     "5156:X 25 Nov 2026 06:16:16.942 # Redis version=7.0.15, bits=64, commit=00000000, "
     "modified=0, pid=5156, just started",
     "server-start", "version 7.0.15 pid 5156"},
    {SB_PROC_REDIS, "4956:M 25 Nov 2026 06:16:18.485 # Redis is now ready to exit, bye bye...",
     "server-exit", ""},
    {SB_PROC_SENTINEL,
     "5156:X 25 Nov 2026 06:16:18.480 # Sentinel is now ready to exit, bye bye...", "server-exit",
     ""},
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static void table_compiles(void **state)
{
    (void)state;
    char err[SB_ERR_LEN] = "";
    assert_int_equal(logevents_init(err), 0);
    assert_string_equal(err, "");
}

static void every_case_is_its_event_with_its_detail(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CASES; i++) {
        sb_log_event ev;
        memset(&ev, 0x5a, sizeof(ev));
        if (!logevents_match(cases[i].line, strlen(cases[i].line), cases[i].kind, &ev))
            fail_msg("no event in: %s", cases[i].line);
        assert_string_equal(ev.name, cases[i].name);
        assert_string_equal(ev.detail, cases[i].detail);
    }
}

static void every_known_event_has_a_case(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *const *name = logevents_names(); *name; name++, n++) {
        size_t i = 0;
        while (i < N_CASES && strcmp(cases[i].name, *name) != 0)
            i++;
        if (i == N_CASES)
            fail_msg("event %s has no test line", *name);
        for (const char *const *other = logevents_names(); other != name; other++)
            assert_string_not_equal(*other, *name);
    }
    assert_true(n >= 50);
}

static void names_required_by_the_contract_are_known(void **state)
{
    (void)state;
    const char *required[] = {
        "+sdown",
        "-sdown",
        "+odown",
        "-odown",
        "+new-epoch",
        "+try-failover",
        "+vote-for-leader",
        "+elected-leader",
        "+failover-state-select-slave",
        "+selected-slave",
        "+promoted-slave",
        "+failover-end",
        "+failover-end-for-timeout",
        "-failover-abort-not-elected",
        "-failover-abort-no-good-slave",
        "-failover-abort-slave-timeout",
        "+switch-master",
        "+sentinel",
        "-dup-sentinel",
        "+slave",
        "+convert-to-slave",
        "+reset-master",
        "+tilt",
        "-tilt",
        "+monitor",
        "+config-update-from",
        "role-master",
        "role-replica",
        "full-resync",
        "partial-resync",
        "sync-done",
        "master-link-down",
        "replica-lost",
        "loading-done",
        "rdb-saved",
        "aof-rewrite",
    };
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!logevents_known(required[i]))
            fail_msg("%s is not known", required[i]);
    assert_false(logevents_known("+sdown "));
    assert_false(logevents_known("sdown"));
    assert_false(logevents_known(""));
    assert_false(logevents_known(NULL));
}

static void ordinary_lines_are_not_events(void **state)
{
    (void)state;
    static const struct {
        sb_proc_kind kind;
        const char *line;
    } plain[] = {
        {SB_PROC_SENTINEL, "17937:X 25 Nov 2026 03:20:07.518 # Sentinel ID is "
                           "cc42fc52bf5c2f5623ea9f0b91716532b9233e5d"},
        {SB_PROC_SENTINEL,
         "17937:X 25 Nov 2026 03:20:07.520 * Sentinel new configuration saved on disk"},
        {SB_PROC_SENTINEL,
         "17943:X 25 Nov 2026 03:20:24.471 # acd9487e9b06cb6d321dbcc5b7a7f98d4fa4d44e "
         "voted for c25449fcf62ea577a7aeebe2a41ebc9be2ae7b85 1"},
        {SB_PROC_SENTINEL,
         "17940:X 25 Nov 2026 03:20:25.154 # Next failover delay: I will not start a "
         "failover before Wed Nov 25 03:20:44 2026"},
        {SB_PROC_SENTINEL,
         "17937:X 25 Nov 2026 03:20:07.508 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"},
        {SB_PROC_SENTINEL, SX("# +sdowner master mymaster 10.77.0.10 6379")},
        {SB_PROC_SENTINEL, SX("# +failover-endless master mymaster 10.77.0.10 6379")},
        {SB_PROC_SENTINEL, SX("#  +sdown master mymaster 10.77.0.10 6379")},
        {SB_PROC_REDIS, "17935:S 25 Nov 2026 03:20:07.509 * MASTER <-> REPLICA sync started"},
        {SB_PROC_REDIS,
         "17934:S 25 Nov 2026 03:20:39.720 * Before turning into a replica, using my "
         "own master parameters to synthesize a cached master: I may be able to "
         "synchronize with the new master with just a partial transfer."},
        {SB_PROC_REDIS, "17936:M 25 Nov 2026 03:20:44.736 * Starting BGSAVE for SYNC with target: "
                        "replicas sockets"},
        {SB_PROC_REDIS,
         RS("* MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")},
        {SB_PROC_REDIS,
         "5084:C 25 Nov 2026 06:16:15.930 * Fork CoW for RDB: current 0 MB, peak 0 MB, "
         "average 0 MB"},
        {SB_PROC_REDIS,
         "4956:M 25 Nov 2026 06:16:15.996 * Background saving terminated with success"},
        {SB_PROC_REDIS,
         "4956:M 25 Nov 2026 06:16:13.985 * Background AOF rewrite terminated with success"},
        {SB_PROC_REDIS, "17934:M 25 Nov 2026 03:20:07.518 * Replica 10.77.0.11:6379 asks for "
                        "synchronization"},
        {SB_PROC_REDIS, "17934:S 25 Nov 2026 03:20:39.722 # CONFIG REWRITE executed with success."},
        {SB_PROC_REDIS, RM("* Ready to accept connections at /tmp/redis.sock")},
        {SB_PROC_REDIS, RM("* Connection with master lost. (not quite)")},
        {SB_PROC_REDIS, ""},
        {SB_PROC_REDIS, "17934:M 25 Nov 2026 03:20:07.507 * "},
    };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        sb_log_event ev;
        if (logevents_match(plain[i].line, strlen(plain[i].line), plain[i].kind, &ev))
            fail_msg("%s taken for %s", plain[i].line, ev.name);
        if (logevents_match(plain[i].line, strlen(plain[i].line), SB_PROC_BOTH, &ev))
            fail_msg("%s taken for %s (kind both)", plain[i].line, ev.name);
    }
}

static void events_fire_only_in_their_kind_of_log(void **state)
{
    (void)state;
    sb_log_event ev;
    for (size_t i = 0; i < N_CASES; i++) {
        const logev_case *c = &cases[i];
        int both = strcmp(c->name, "server-start") == 0 || strcmp(c->name, "server-exit") == 0;
        sb_proc_kind other = c->kind == SB_PROC_REDIS ? SB_PROC_SENTINEL : SB_PROC_REDIS;
        assert_int_equal(logevents_match(c->line, strlen(c->line), other, &ev), both);
        assert_int_equal(logevents_match(c->line, strlen(c->line), SB_PROC_BOTH, &ev), 1);
        assert_string_equal(ev.name, c->name);
    }
}

static void prefix_is_optional_and_line_ends_are_ignored(void **state)
{
    (void)state;
    sb_log_event ev;
    const char *bare = "+switch-master mymaster 10.77.0.10 6379 10.77.0.12 6379";
    assert_int_equal(logevents_match(bare, strlen(bare), SB_PROC_SENTINEL, &ev), 1);
    assert_string_equal(ev.name, "+switch-master");
    assert_string_equal(ev.detail, "mymaster 10.77.0.10 6379 10.77.0.12 6379");

    const char *crlf = SX("# +new-epoch 7\r\n");
    assert_int_equal(logevents_match(crlf, strlen(crlf), SB_PROC_SENTINEL, &ev), 1);
    assert_string_equal(ev.detail, "7");

    /* Only len bytes count: the rest of the buffer is not part of the line. */
    const char *buf = "Connection with master lost.Connection with master lost.";
    assert_int_equal(logevents_match(buf, 28, SB_PROC_REDIS, &ev), 1);
    assert_string_equal(ev.name, "master-link-down");
    assert_int_equal(logevents_match(buf, 27, SB_PROC_REDIS, &ev), 0);

    /* A sentinel event without a message has an empty detail. */
    assert_int_equal(logevents_match("+tilt", 5, SB_PROC_SENTINEL, &ev), 1);
    assert_string_equal(ev.detail, "");

    /* A text that only looks like a prefix is kept in the body. */
    const char *fake = "1:Q 25 Nov 2026 03:20:24.540 # +sdown master m 1.2.3.4 1";
    assert_int_equal(logevents_match(fake, strlen(fake), SB_PROC_SENTINEL, &ev), 0);
}

static void details_are_trimmed_to_the_limit(void **state)
{
    (void)state;
    char line[600];
    int n = snprintf(line, sizeof(line), "%s", SX("# +sdown "));
    memset(line + n, 'a', 400);
    line[n + 400] = '\0';
    sb_log_event ev;
    assert_int_equal(logevents_match(line, strlen(line), SB_PROC_SENTINEL, &ev), 1);
    assert_int_equal(strlen(ev.detail), SB_LOGEV_DETAIL_MAX);
    assert_int_equal(ev.detail[0], 'a');
}

typedef struct match_worker {
    int ok;
} match_worker;

static void *match_in_thread(void *arg)
{
    match_worker *w = arg;
    w->ok = 1;
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < N_CASES; i++) {
            sb_log_event ev;
            if (!logevents_match(cases[i].line, strlen(cases[i].line), cases[i].kind, &ev) ||
                strcmp(ev.name, cases[i].name) != 0 || strcmp(ev.detail, cases[i].detail) != 0)
                w->ok = 0;
        }
    return NULL;
}

static void matching_is_thread_safe(void **state)
{
    (void)state;
    pthread_t th[4];
    match_worker w[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, match_in_thread, &w[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(w[i].ok);
    }
}

/* ====== The tailer ====== */

#define MAX_SEEN 512

typedef struct seen_event {
    int host;
    sb_proc_kind kind;
    char name[64];
    char detail[256];
    char line[256];
} seen_event;

typedef struct collector {
    pthread_mutex_t lock;
    seen_event ev[MAX_SEEN];
    int n;
    int overflow;
} collector;

static void collect(void *arg, int host, sb_proc_kind kind, const sb_log_event *ev,
                    const char *line)
{
    collector *c = arg;
    pthread_mutex_lock(&c->lock);
    if (c->n == MAX_SEEN) {
        c->overflow = 1;
    } else {
        seen_event *s = &c->ev[c->n++];
        s->host = host;
        s->kind = kind;
        snprintf(s->name, sizeof(s->name), "%s", ev->name);
        snprintf(s->detail, sizeof(s->detail), "%s", ev->detail);
        snprintf(s->line, sizeof(s->line), "%s", line);
    }
    pthread_mutex_unlock(&c->lock);
}

static int collected(collector *c)
{
    pthread_mutex_lock(&c->lock);
    int n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}

/* Waits up to 5 s for at least n events; returns how many there are. */
static int wait_for(collector *c, int n)
{
    int64_t deadline = sb_now_ns() + 5 * SB_NS_PER_S;
    while (collected(c) < n && sb_now_ns() < deadline)
        sb_sleep_ns(2 * SB_NS_PER_MS);
    return collected(c);
}

/* Long enough for the tailer to have looked at its files a few times. */
static void let_tailer_poll(void)
{
    sb_sleep_ns(5 * SB_LOGTAIL_POLL_NS);
}

typedef struct tail_fixture {
    char dir[64];
    collector c;
    sb_logtail *t;
} tail_fixture;

static int tail_setup(void **state)
{
    tail_fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/sb-logev-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    pthread_mutex_init(&f->c.lock, NULL);
    char err[SB_ERR_LEN];
    f->t = logtail_start(collect, &f->c, err);
    if (!f->t) {
        print_error("%s\n", err);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int tail_teardown(void **state)
{
    tail_fixture *f = *state;
    logtail_stop(f->t); /* no-op when the test stopped it: t is then NULL */
    char err[SB_ERR_LEN];
    sb_rm_rf(f->dir, err);
    pthread_mutex_destroy(&f->c.lock);
    free(f);
    return 0;
}

static void path_in(tail_fixture *f, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->dir, name);
}

static void append(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void overwrite(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void add_file(tail_fixture *f, const char *path, int host, sb_proc_kind kind, int from_start)
{
    char err[SB_ERR_LEN];
    if (logtail_add(f->t, path, host, kind, from_start, err) != 0)
        fail_msg("%s", err);
}

static void stop_tailer(tail_fixture *f)
{
    logtail_stop(f->t);
    f->t = NULL;
}

static void tailer_waits_for_the_end_of_a_partial_line(void **state)
{
    tail_fixture *f = *state;
    char p[128];
    path_in(f, "sentinel.log", p, sizeof(p));
    overwrite(p, "");
    add_file(f, p, 2, SB_PROC_SENTINEL, 0);
    append(p, "17940:X 25 Nov 2026 03:20:25.565 # +switch-master mymaster 10.77");
    let_tailer_poll();
    assert_int_equal(collected(&f->c), 0);
    append(p, ".0.10 6379 10.77.0.12 6379\n17940:X 25 Nov 2026 03:20:25.567 * Sentinel new "
              "configuration saved on disk\n");
    assert_int_equal(wait_for(&f->c, 1), 1);
    assert_int_equal(f->c.ev[0].host, 2);
    assert_int_equal(f->c.ev[0].kind, SB_PROC_SENTINEL);
    assert_string_equal(f->c.ev[0].name, "+switch-master");
    assert_string_equal(f->c.ev[0].detail, "mymaster 10.77.0.10 6379 10.77.0.12 6379");
    assert_string_equal(f->c.ev[0].line, "17940:X 25 Nov 2026 03:20:25.565 # +switch-master "
                                         "mymaster 10.77.0.10 6379 10.77.0.12 6379");
    stop_tailer(f);
    assert_int_equal(f->c.n, 1);
}

static void tailer_reads_a_file_created_after_it_was_added(void **state)
{
    tail_fixture *f = *state;
    char p[128];
    path_in(f, "redis.log", p, sizeof(p));
    add_file(f, p, 0, SB_PROC_REDIS, 0);
    let_tailer_poll();
    append(p,
           "17935:S 25 Nov 2026 03:20:07.509 * Ready to accept connections\n"
           "17935:S 25 Nov 2026 03:20:07.509 * MASTER <-> REPLICA sync started\n"
           "17935:S 25 Nov 2026 03:20:12.556 * MASTER <-> REPLICA sync: Finished with success\n");
    assert_int_equal(wait_for(&f->c, 2), 2);
    stop_tailer(f);
    assert_int_equal(f->c.n, 2);
    assert_string_equal(f->c.ev[0].name, "loading-done");
    assert_string_equal(f->c.ev[1].name, "sync-done");
}

static void tailer_starts_at_the_end_unless_asked_for_the_start(void **state)
{
    tail_fixture *f = *state;
    char old[128], whole[128];
    path_in(f, "old.log", old, sizeof(old));
    path_in(f, "whole.log", whole, sizeof(whole));
    /* old.log ends in the middle of a line: that line is old too. */
    overwrite(old, "+sdown master mymaster 10.77.0.10 6379\n17940:X 25 Nov 2026 03:20:25.154 # ");
    overwrite(whole, "+sdown master mymaster 10.77.0.10 6379\n");
    add_file(f, old, 1, SB_PROC_SENTINEL, 0);
    add_file(f, whole, 2, SB_PROC_SENTINEL, 1);
    assert_int_equal(wait_for(&f->c, 1), 1);
    assert_int_equal(f->c.ev[0].host, 2);
    append(old, "+odown master mymaster 10.77.0.10 6379 #quorum 2/2\n+new-epoch 3\n");
    assert_int_equal(wait_for(&f->c, 2), 2);
    stop_tailer(f);
    assert_int_equal(f->c.n, 2);
    assert_int_equal(f->c.ev[1].host, 1);
    assert_string_equal(f->c.ev[1].name, "+new-epoch");
}

static void tailer_rereads_a_truncated_file(void **state)
{
    tail_fixture *f = *state;
    char p[128];
    path_in(f, "redis.log", p, sizeof(p));
    overwrite(p, "");
    add_file(f, p, 0, SB_PROC_REDIS, 0);
    append(p, "Connecting to MASTER 10.77.0.10:6379\nConnection with master lost.\n");
    assert_int_equal(wait_for(&f->c, 2), 2);
    /* Shorter than what was read: the tailer sees the size drop. */
    overwrite(p, "DB saved on disk\n");
    assert_int_equal(wait_for(&f->c, 3), 3);
    append(p, "Background AOF rewrite finished successfully\n");
    assert_int_equal(wait_for(&f->c, 4), 4);
    stop_tailer(f);
    assert_int_equal(f->c.n, 4);
    assert_string_equal(f->c.ev[2].name, "rdb-saved");
    assert_string_equal(f->c.ev[3].name, "aof-rewrite");
}

static void tailer_follows_a_replaced_file(void **state)
{
    tail_fixture *f = *state;
    char p[128], tmp[128];
    path_in(f, "redis.log", p, sizeof(p));
    path_in(f, "redis.log.new", tmp, sizeof(tmp));
    overwrite(p, "");
    add_file(f, p, 0, SB_PROC_REDIS, 0);
    append(p, "Connection with master lost.\nConnection with master lost.\n"
              "Connection with master lost.\n");
    assert_int_equal(wait_for(&f->c, 3), 3);
    /* A longer file under the same name: only the new inode tells. */
    overwrite(tmp, "Ready to accept connections\nReady to accept connections\n"
                   "Ready to accept connections\nReady to accept connections\n");
    assert_int_equal(rename(tmp, p), 0);
    assert_int_equal(wait_for(&f->c, 7), 7);
    stop_tailer(f);
    assert_int_equal(f->c.n, 7);
    assert_string_equal(f->c.ev[6].name, "loading-done");
}

static void tailer_delivers_each_event_once_in_order(void **state)
{
    tail_fixture *f = *state;
    char a[128], b[128];
    path_in(f, "a.log", a, sizeof(a));
    path_in(f, "b.log", b, sizeof(b));
    add_file(f, a, 0, SB_PROC_SENTINEL, 1);
    add_file(f, b, 1, SB_PROC_REDIS, 1);
    /* 200 events in pieces cut at odd places, with noise in between. */
    sb_buf all;
    sb_buf_init(&all);
    for (int i = 0; i < 200; i++)
        sb_buf_printf(&all,
                      "17937:X 25 Nov 2026 03:20:29.714 # +new-epoch %d\n"
                      "17937:X 25 Nov 2026 03:20:29.715 * Sentinel new configuration "
                      "saved on disk\n",
                      i);
    sb_rng rng;
    sb_rng_seed(&rng, 42);
    for (size_t at = 0; at < all.len;) {
        size_t n = 1 + sb_rng_next(&rng) % 300;
        if (n > all.len - at)
            n = all.len - at;
        char piece[301];
        memcpy(piece, all.data + at, n);
        piece[n] = '\0';
        append(a, piece);
        at += n;
        if (sb_rng_next(&rng) % 8 == 0)
            sb_sleep_ns(SB_LOGTAIL_POLL_NS / 2);
    }
    sb_buf_free(&all);
    append(b, "Connection with master lost.\n");
    assert_int_equal(wait_for(&f->c, 201), 201);
    let_tailer_poll();
    stop_tailer(f);
    assert_false(f->c.overflow);
    assert_int_equal(f->c.n, 201);
    int next = 0;
    for (int i = 0; i < f->c.n; i++) {
        if (f->c.ev[i].host == 1) {
            assert_string_equal(f->c.ev[i].name, "master-link-down");
            continue;
        }
        char want[16];
        snprintf(want, sizeof(want), "%d", next++);
        assert_string_equal(f->c.ev[i].name, "+new-epoch");
        assert_string_equal(f->c.ev[i].detail, want);
    }
    assert_int_equal(next, 200);
}

static void tailer_stop_drains_what_is_left(void **state)
{
    tail_fixture *f = *state;
    char p[128], late[128];
    path_in(f, "sentinel.log", p, sizeof(p));
    path_in(f, "late.log", late, sizeof(late));
    overwrite(p, "");
    add_file(f, p, 0, SB_PROC_SENTINEL, 0);
    add_file(f, late, 1, SB_PROC_SENTINEL, 0);
    let_tailer_poll();
    /* Written just before the stop: no poll in between is likely, and the
     * drain has to find them. The unterminated last line is dropped. */
    append(p, "+sdown master mymaster 10.77.0.10 6379\n+odown master mymaster 10.77.0.10 6379 "
              "#quorum 2/2\n+try-failover master mymaster 10.77.0.10 6379");
    append(late, "-tilt #tilt mode exited\n");
    stop_tailer(f);
    assert_int_equal(f->c.n, 3);
    int sdown = 0, odown = 0, tilt = 0;
    for (int i = 0; i < f->c.n; i++) {
        sdown += strcmp(f->c.ev[i].name, "+sdown") == 0;
        odown += strcmp(f->c.ev[i].name, "+odown") == 0;
        tilt += strcmp(f->c.ev[i].name, "-tilt") == 0 && f->c.ev[i].host == 1;
    }
    assert_int_equal(sdown, 1);
    assert_int_equal(odown, 1);
    assert_int_equal(tilt, 1);
}

static void tailer_skips_lines_longer_than_its_buffer(void **state)
{
    tail_fixture *f = *state;
    char p[128];
    path_in(f, "sentinel.log", p, sizeof(p));
    add_file(f, p, 0, SB_PROC_SENTINEL, 1);
    /* Its tail after the first two buffers' worth looks like an event on
     * its own; it must go with the rest of the line. */
    const char *tail = "+sdown master mymaster 10.77.0.10 6379\n";
    size_t big = 2 * SB_LOGTAIL_LINE_MAX;
    char *line = malloc(big + strlen(tail) + 1);
    assert_non_null(line);
    memset(line, 'x', big);
    strcpy(line + big, tail);
    append(p, line);
    free(line);
    append(p, "+odown master mymaster 10.77.0.10 6379 #quorum 2/2\n");
    assert_int_equal(wait_for(&f->c, 1), 1);
    stop_tailer(f);
    assert_int_equal(f->c.n, 1);
    assert_string_equal(f->c.ev[0].name, "+odown");
}

static void tailer_reports_unreadable_paths(void **state)
{
    tail_fixture *f = *state;
    char err[SB_ERR_LEN] = "";
    /* A path under a regular file fails with ENOTDIR, not ENOENT: that is
     * an error now, not a file that may appear later. */
    char p[128], under[160];
    path_in(f, "plain", p, sizeof(p));
    overwrite(p, "");
    snprintf(under, sizeof(under), "%s/x.log", p);
    assert_int_equal(logtail_add(f->t, under, 0, SB_PROC_REDIS, 0, err), -1);
    assert_non_null(strstr(err, "open("));
    assert_non_null(strstr(err, "x.log"));
    logtail_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_compiles),
        cmocka_unit_test(every_case_is_its_event_with_its_detail),
        cmocka_unit_test(every_known_event_has_a_case),
        cmocka_unit_test(names_required_by_the_contract_are_known),
        cmocka_unit_test(ordinary_lines_are_not_events),
        cmocka_unit_test(events_fire_only_in_their_kind_of_log),
        cmocka_unit_test(prefix_is_optional_and_line_ends_are_ignored),
        cmocka_unit_test(details_are_trimmed_to_the_limit),
        cmocka_unit_test(matching_is_thread_safe),
        cmocka_unit_test_setup_teardown(tailer_waits_for_the_end_of_a_partial_line, tail_setup,
                                        tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_reads_a_file_created_after_it_was_added, tail_setup,
                                        tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_starts_at_the_end_unless_asked_for_the_start,
                                        tail_setup, tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_rereads_a_truncated_file, tail_setup, tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_follows_a_replaced_file, tail_setup, tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_delivers_each_event_once_in_order, tail_setup,
                                        tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_stop_drains_what_is_left, tail_setup, tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_skips_lines_longer_than_its_buffer, tail_setup,
                                        tail_teardown),
        cmocka_unit_test_setup_teardown(tailer_reports_unreadable_paths, tail_setup, tail_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
