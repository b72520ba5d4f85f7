/* test_ssh_transport.c -- the ssh backend's transport against real sshd
 * processes, one per network namespace (sshd_lab.sh), from a control
 * namespace: commands, exit statuses, stdin, quoting, files both ways
 * (binary-safe), timeouts, sudo wrapping, errors for a wrong port and a
 * wrong key, and multiplexing (many commands, one authentication per host
 * in sshd's log). Needs root and openssh-server.
 *
 * The whole program moves into the control namespace first: the ssh
 * children it forks live there. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh.h"
#include "util.h"

#define N_HOSTS 3

static char work[256], labdir[300], ctldir[300], fixture[1024];
static char key[512], addr[N_HOSTS][32], root[N_HOSTS][512];
static sb_ssh *conn[N_HOSTS];
static int home_ns = -1; /* the namespace the test started in */

static int env_get(const char *envfile, const char *name, char *out, size_t len)
{
    FILE *f = fopen(envfile, "r");
    if (!f)
        return -1;
    char line[1024];
    size_t nl = strlen(name);
    int found = -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, name, nl) && line[nl] == '=') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, len, "%s", line + nl + 1);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

static sb_ssh_target target(int i)
{
    sb_ssh_target t = {.port = 22};
    snprintf(t.name, sizeof(t.name), "h%d", i + 1);
    snprintf(t.address, sizeof(t.address), "%s", addr[i]);
    snprintf(t.user, sizeof(t.user), "root");
    snprintf(t.key, sizeof(t.key), "%s", key);
    return t;
}

static int teardown(void **state);

static int setup_lab(void)
{
    const char *src = getenv("SB_SOURCE_DIR");
    if (!src) {
        fprintf(stderr, "SB_SOURCE_DIR is not set\n");
        return -1;
    }
    snprintf(work, sizeof(work), "/tmp/sb-ssh.XXXXXX");
    if (!mkdtemp(work))
        return -1;
    snprintf(labdir, sizeof(labdir), "%s/lab", work);
    snprintf(ctldir, sizeof(ctldir), "%s/ctl", work);
    mkdir(ctldir, 0700);
    snprintf(fixture, sizeof(fixture), "%s/tests/integration/sshd_lab.sh", src);
    char cmd[2048];
    /* the lab's owner is this process, not the shell system() starts: a
     * later lab removes this one if this test dies before its down */
    snprintf(cmd, sizeof(cmd), "SSHLAB_OWNER=%d bash %s up %s %d", (int)getpid(), fixture, labdir,
             N_HOSTS);
    if (system(cmd) != 0) {
        fprintf(stderr, "sshd_lab.sh up failed\n");
        return -1;
    }
    char envfile[400], ns[128], path[300];
    snprintf(envfile, sizeof(envfile), "%s/lab.env", labdir);
    if (env_get(envfile, "SSHLAB_KEY", key, sizeof(key)) ||
        env_get(envfile, "SSHLAB_CTL_NS", ns, sizeof(ns)))
        return -1;
    for (int i = 0; i < N_HOSTS; i++) {
        char name[64];
        snprintf(name, sizeof(name), "SSHLAB_ADDR_h%d", i + 1);
        if (env_get(envfile, name, addr[i], sizeof(addr[i])))
            return -1;
        snprintf(name, sizeof(name), "SSHLAB_ROOT_h%d", i + 1);
        if (env_get(envfile, name, root[i], sizeof(root[i])))
            return -1;
    }
    home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1 || setns(fd, CLONE_NEWNET) == -1) {
        fprintf(stderr, "cannot enter %s\n", path);
        return -1;
    }
    close(fd);
    for (int i = 0; i < N_HOSTS; i++) {
        char err[SB_ERR_LEN];
        sb_ssh_target t = target(i);
        conn[i] = ssh_open(&t, ctldir, NULL, 5 * SB_NS_PER_S, err);
        if (!conn[i]) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
    }
    return 0;
}

/* A failed group setup gets no teardown from cmocka: clean up here. */
static int setup(void **state)
{
    if (setup_lab() == 0)
        return 0;
    teardown(state);
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_HOSTS; i++)
        ssh_close(conn[i]);
    /* no ssh client of ours is left (the masters have exited) */
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "pgrep -f '[s]sh .*%s' >/dev/null", ctldir);
    int left = system(cmd) == 0;
    /* out of the control namespace first: tearing it down kills what is in it */
    if (home_ns >= 0 && setns(home_ns, CLONE_NEWNET) == -1)
        fprintf(stderr, "cannot return to the first namespace\n");
    snprintf(cmd, sizeof(cmd), "bash %s down %s", fixture, labdir);
    int down = system(cmd);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", work);
    if (left)
        fprintf(stderr, "ssh processes of the test are still running\n");
    return left || down ? -1 : 0;
}

static void test_run_status_and_output(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    for (int i = 0; i < N_HOSTS; i++) {
        sb_buf out;
        sb_buf_init(&out);
        /* the command runs on that host: its namespace has its address */
        int code = ssh_run(conn[i], "ip -o -4 addr show dev eth0; echo to-stderr >&2; exit 3", NULL,
                           0, &out, 10 * SB_NS_PER_S, err);
        assert_int_equal(code, 3);
        sb_buf_puts(&out, "");
        assert_non_null(strstr(out.data, addr[i]));
        assert_non_null(strstr(out.data, "to-stderr"));
        sb_buf_free(&out);
    }
    assert_int_equal(ssh_check(conn[0], "true", NULL, 10 * SB_NS_PER_S, err), 0);
    assert_int_equal(ssh_check(conn[0], "echo nope; exit 7", NULL, 10 * SB_NS_PER_S, err), -1);
    assert_non_null(strstr(err, "exited 7"));
    assert_non_null(strstr(err, "nope"));
}

static void test_quoting_and_stdin(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_buf cmd, out;
    sb_buf_init(&cmd);
    sb_buf_init(&out);
    const char *tricky = "it's a \"test\" with $HOME, `backticks`; and \\ too";
    sb_buf_puts(&cmd, "printf '%s' ");
    ssh_quote(&cmd, tricky);
    assert_int_equal(ssh_run(conn[1], cmd.data, NULL, 0, &out, 10 * SB_NS_PER_S, err), 0);
    sb_buf_puts(&out, "");
    assert_string_equal(out.data, tricky);
    /* 1 MiB through stdin: more than any pipe buffer */
    size_t len = 1 << 20;
    char *big = malloc(len);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    sb_buf_reset(&out);
    assert_int_equal(ssh_run(conn[1], "wc -c", big, len, &out, 20 * SB_NS_PER_S, err), 0);
    assert_int_equal(atol(out.data), (long)len);
    free(big);
    sb_buf_free(&cmd);
    sb_buf_free(&out);
}

static void test_files_both_ways(void **state)
{
    (void)state;
    char err[SB_ERR_LEN], remote[700], local[400];
    char data[4096];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 7 % 256); /* every byte value, NULs included */
    snprintf(remote, sizeof(remote), "%s/sub dir/blob.bin", root[2]);
    assert_int_equal(ssh_put(conn[2], remote, data, sizeof(data), 0640, err), 0);
    struct stat st;
    assert_int_equal(stat(remote, &st), 0); /* the hosts share this machine's files */
    assert_int_equal((int)st.st_size, (int)sizeof(data));
    assert_int_equal(st.st_mode & 0777, 0640);
    snprintf(local, sizeof(local), "%s/back.bin", work);
    assert_int_equal(ssh_get(conn[2], remote, local, err), 0);
    size_t n = 0;
    char *got = sb_read_file(local, &n, err);
    assert_non_null(got);
    assert_int_equal((int)n, (int)sizeof(data));
    assert_memory_equal(got, data, sizeof(data));
    free(got);
    snprintf(remote, sizeof(remote), "%s/missing", root[2]);
    assert_int_equal(ssh_get(conn[2], remote, local, err), -1);
    assert_non_null(strstr(err, "reading"));
}

static void test_timeout(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    int64_t t0 = sb_now_ns();
    assert_int_equal(ssh_run(conn[0], "sleep 30", NULL, 0, NULL, 500 * SB_NS_PER_MS, err), -1);
    assert_non_null(strstr(err, "timed out"));
    assert_true(sb_now_ns() - t0 < 10 * SB_NS_PER_S);
    /* the connection still works afterwards */
    assert_int_equal(ssh_check(conn[0], "true", NULL, 10 * SB_NS_PER_S, err), 0);
}

static void test_sudo_wraps_the_command(void **state)
{
    (void)state;
    /* The test runs as root, and Debian's sudo is not installed: each host's
     * PATH starts with its own bin/ (sshd_lab.sh), where a stand-in sudo
     * records its arguments and runs the command with a clean environment,
     * as sudo's env_reset does. What is checked is the wrapping: sudo -n sh
     * -c '<command>', quoting intact. */
    char err[SB_ERR_LEN], path[700];
    snprintf(path, sizeof(path), "%s/bin/sudo", root[0]);
    char fake[1200];
    snprintf(fake, sizeof(fake),
             "#!/bin/sh\nprintf '%%s ' \"$@\" >> %s/sudo.log\n[ \"$1\" = -n ] || exit 99\nshift\n"
             "exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \"$@\"\n",
             root[0]);
    assert_int_equal(ssh_put(conn[0], path, fake, strlen(fake), 0755, err), 0);
    sb_ssh_target t = target(0);
    t.sudo = 1;
    snprintf(t.name, sizeof(t.name), "h1sudo");
    sb_ssh *s = ssh_open(&t, ctldir, NULL, 5 * SB_NS_PER_S, err);
    assert_non_null(s);
    sb_buf out;
    sb_buf_init(&out);
    assert_int_equal(
        ssh_run(s, "printf '%s|' \"it's\" \"$0\"", NULL, 0, &out, 10 * SB_NS_PER_S, err), 0);
    sb_buf_puts(&out, "");
    assert_string_equal(out.data, "it's|sh|");
    sb_buf_free(&out);
    ssh_close(s);
    snprintf(path, sizeof(path), "%s/sudo.log", root[0]);
    size_t n = 0;
    char *log = sb_read_file(path, &n, err);
    assert_non_null(log);
    assert_non_null(strstr(log, "-n sh -c printf"));
    free(log);
}

static void test_bad_port_and_key(void **state)
{
    (void)state;
    char err[SB_ERR_LEN];
    sb_ssh_target t = target(1);
    snprintf(t.name, sizeof(t.name), "badport");
    t.port = 2222;
    assert_null(ssh_open(&t, ctldir, NULL, 2 * SB_NS_PER_S, err));
    assert_non_null(strstr(err, "cannot connect"));
    assert_non_null(strstr(err, "2222"));

    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -f %s/other_key", work);
    assert_int_equal(system(cmd), 0);
    t = target(1);
    snprintf(t.name, sizeof(t.name), "badkey");
    snprintf(t.key, sizeof(t.key), "%s/other_key", work);
    assert_null(ssh_open(&t, ctldir, NULL, 2 * SB_NS_PER_S, err));
    assert_non_null(strstr(err, "cannot connect"));
    assert_non_null(strstr(err, "ermission denied"));
}

static void test_multiplexed(void **state)
{
    (void)state;
    char err[SB_ERR_LEN], log[400];
    int64_t t0 = sb_now_ns();
    for (int k = 0; k < 100; k++)
        assert_int_equal(ssh_check(conn[2], "true", NULL, 10 * SB_NS_PER_S, err), 0);
    double per = (sb_now_ns() - t0) / 100.0 / 1e6;
    printf("# 100 commands over the shared connection: %.1f ms each\n", per);
    /* sshd authenticated the control master once, for every command */
    snprintf(log, sizeof(log), "%s/h3/sshd.log", labdir);
    size_t n = 0;
    char *text = sb_read_file(log, &n, err);
    assert_non_null(text);
    int accepted = 0;
    for (char *p = text; (p = strstr(p, "Accepted publickey")); p++)
        accepted++;
    free(text);
    assert_int_equal(accepted, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_status_and_output),
        cmocka_unit_test(test_quoting_and_stdin),
        cmocka_unit_test(test_files_both_ways),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_sudo_wraps_the_command),
        cmocka_unit_test(test_bad_port_and_key),
        cmocka_unit_test(test_multiplexed),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed ? 1 : 0;
}
