/* ssh.h -- the transport of the ssh backend: commands on a remote host over
 * the system's OpenSSH client, one multiplexed connection per host.
 *
 * ssh_open() starts a control master (`ssh -M -N`, a child of the harness
 * that dies with it) and waits until it answers `ssh -O check`; every later
 * ssh_run() goes through its socket (-S), so an operation costs a channel,
 * not a handshake. Host keys are accepted on first use into a known_hosts
 * file of the run (or checked against the one the target names); BatchMode
 * never lets ssh ask a question. Commands run through the remote user's
 * shell, under `sudo -n sh -c` when the target says sudo. */
#ifndef SB_SSH_H
#define SB_SSH_H

#include <stdint.h>

#include "util.h"

typedef struct sb_ssh_target {
    char name[64];          /* the scenario's host name, for messages */
    char address[256];      /* host name or IP address */
    int port;               /* 0: 22 */
    char user[64];          /* "" : ssh's default */
    char key[1024];         /* identity file; "" : ssh's default */
    char known_hosts[1024]; /* "" : accept-new into the run's own file */
    int sudo;               /* wrap commands in sudo -n */
} sb_ssh_target;

typedef struct sb_ssh sb_ssh;

/* Connects (ConnectTimeout connect_timeout_ns) and starts the control master
 * with its socket and known_hosts in ctl_dir (which must exist and be
 * private: the socket grants the session). log_path (may be NULL) receives
 * every command and its output. NULL with err on failure. */
sb_ssh *ssh_open(const sb_ssh_target *t, const char *ctl_dir, const char *log_path,
                 int64_t connect_timeout_ns, char *err);
/* Stops the master (ssh -O exit, then SIGTERM/SIGKILL) and frees. */
void ssh_close(sb_ssh *s);

const sb_ssh_target *ssh_target(const sb_ssh *s);

/* Runs the shell command cmd on the host, stdin from stdin_data (len bytes;
 * NULL: empty), stdout+stderr into out (may be NULL). Returns the remote
 * exit status (0..255; 255 is also ssh's own failure), or -1 with err when
 * it could not run or passed timeout_ns (the channel is killed). */
int ssh_run(sb_ssh *s, const char *cmd, const char *stdin_data, size_t len, sb_buf *out,
            int64_t timeout_ns, char *err);
/* ssh_run that wants exit status 0: else -1 with err naming the command,
 * the status and the last line of its output. */
int ssh_check(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err);
int ssh_check_in(sb_ssh *s, const char *cmd, const char *stdin_data, size_t len, sb_buf *out,
                 int64_t timeout_ns, char *err);
/* The same in the login's own shell, never under sudo (sudo resets the
 * environment, SSH_CONNECTION included). */
int ssh_run_login(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err);
/* ssh_run without stdin, stdout only, not logged (frequent polls). */
int ssh_run_quiet(sb_ssh *s, const char *cmd, sb_buf *out, int64_t timeout_ns, char *err);

/* Writes data to the remote file path (mode, e.g. 0644), creating its
 * folder; copies the remote file path into local. */
int ssh_put(sb_ssh *s, const char *path, const char *data, size_t len, int mode, char *err);
int ssh_get(sb_ssh *s, const char *path, const char *local, char *err);

/* Appends s to b quoted for a POSIX shell ('...' with ' as '\''). */
void ssh_quote(sb_buf *b, const char *s);

#endif
