/* client_ext.h -- an external client program (clients/PROTOCOL.md): started
 * once per worker from the worker's thread, so inside the worker's host
 * namespace, and spoken to in JSON lines over its stdin and stdout; its
 * stderr goes to a log file. The program runs in a process group of its
 * own, and dies with the thread that started it (PR_SET_PDEATHSIG) should
 * the harness itself be killed. */
#ifndef SB_CLIENT_EXT_H
#define SB_CLIENT_EXT_H

#include <stdint.h>
#include <sys/types.h>

#include "util.h"

typedef struct sb_ext {
    pid_t pid;   /* 0: not running */
    int to_fd;   /* its stdin */
    int from_fd; /* its stdout */
    char *rbuf;  /* bytes read, not yet a whole line */
    size_t rlen, rcap;
    int status; /* its wait status once reaped (ext_stop) */
} sb_ext;

/* Starts argv (argv[0] a path) with env_extra ("NAME=value", NULL-
 * terminated, may be NULL) added to the environment, its stderr appended
 * to stderr_path. 0, or -1 with err. */
int ext_start(sb_ext *e, char *const argv[], char *const env_extra[], const char *stderr_path,
              char *err);
/* Writes line (no newline) and a newline. 0, or -1 with err (the program
 * is gone: EPIPE). */
int ext_send(sb_ext *e, const char *line, size_t len, char *err);
/* The next line from the program, without its newline, into line; waits
 * until the monotonic time deadline_ns. 1: a line; 0: the deadline passed;
 * -1: the program closed its stdout (exited) or a read failed (err). A
 * line longer than SB_EXT_LINE_MAX is an error too. */
#define SB_EXT_LINE_MAX (1 << 20)
int ext_recv(sb_ext *e, int64_t deadline_ns, sb_buf *line, char *err);
/* Closes its stdin, waits up to grace_ns for it to exit, then kills its
 * process group (SIGKILL) and reaps it. Safe to call when not running. */
void ext_stop(sb_ext *e, int64_t grace_ns);
/* "exited with status 3", "killed by signal 9", or "still running". */
void ext_describe_exit(const sb_ext *e, char *out, size_t len);
/* The last up to max bytes of the file at path, its lines joined by " | "
 * (a client's stderr for an error message). */
void ext_tail(const char *path, size_t max, char *out, size_t len);

#endif
