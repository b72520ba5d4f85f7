/* util.h -- small shared helpers: monotonic time, durations, error buffers,
 * files and directories. Nothing here knows about Redis or scenarios. */
#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Every fallible function takes a caller-owned buffer of this size and
 * fills it with one line naming the call that failed and the reason. */
#define SB_ERR_LEN 512

#define SB_NS_PER_US 1000LL
#define SB_NS_PER_MS 1000000LL
#define SB_NS_PER_S 1000000000LL

/* Exit statuses of the CLI (DESIGN.md). */
#define SB_EXIT_OK 0
#define SB_EXIT_MISSED 1
#define SB_EXIT_ERROR 2

int64_t sb_now_ns(void);  /* CLOCK_MONOTONIC */
int64_t sb_wall_ns(void); /* CLOCK_REALTIME, only for naming and reports */
void sb_sleep_ns(int64_t ns);

void sb_err_set(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error message into a smaller buffer (len bytes): cut, with "..." at
 * the end, when it does not fit. */
void sb_err_copy(char *out, size_t len, const char *msg);

/* "500ms", "10s", "1.5s", "2m", "250us", "100ns", "1h". Returns 0 or -1
 * with err naming what is allowed. */
int sb_parse_duration(const char *s, int64_t *ns, char *err);
/* Shortest exact-enough human form: "500ms", "12.3s". */
void sb_format_duration(int64_t ns, char *buf, size_t len);

int sb_mkdir_p(const char *path, char *err);
/* path made absolute against the working directory, once, so that nothing
 * later depends on where the process stands (servers start inside their own
 * folders). Symlinks are kept as given; "." and ".." components and repeated
 * or trailing slashes are folded. 0, or -1 with err. */
int sb_path_absolute(const char *path, char *out, size_t len, char *err);
/* dir "/" name into out; -1 with err (when err is not NULL) "path too long"
 * when it does not fit in len, out then holding as much as fits. */
int sb_path_join(char *out, size_t len, const char *dir, const char *name, char *err);
/* An absolute path as the user should see it: relative to the working
 * directory when it lies below it ("runs/x/nodes/n1"), else unchanged. */
void sb_path_shown(const char *path, char *out, size_t len);

int sb_write_file(const char *path, const char *data, size_t len, char *err);
/* ====== Memory ======
 * The one rule for running out of memory: an allocation is either checked
 * where the failure can be reported (the history readers, the log tailer,
 * the list-append checker's graphs: an error return), or it goes through
 * these, which end the process with "splitbrain: out of memory (N bytes)"
 * and abort() as Redis's zmalloc does. No raw allocation goes unchecked;
 * tools/check_alloc.py enforces it. A size of 0 is not a failure. */
void *sb_xmalloc(size_t n);
void *sb_xcalloc(size_t n, size_t size);
void *sb_xrealloc(void *p, size_t n);
char *sb_xstrdup(const char *s);
/* Frees a NULL-terminated array of strings and the strings (NULL: nothing). */
void sb_strv_free(char **v);
/* The process's environment with extra "NAME=value" entries replacing or
 * adding to it, as a new array (sb_strv_free); NULL when there are none. */
char **sb_env_with(char *const extra[]);
char *sb_xstrndup(const char *s, size_t n);
/* Ends the process as the sb_x* functions do (for other allocators). */
void sb_out_of_memory(size_t n) __attribute__((noreturn));

/* Returns a NUL-terminated malloc'd buffer (caller frees) or NULL. */
char *sb_read_file(const char *path, size_t *len, char *err);
/* Removes a directory tree (used only on folders the harness created). */
int sb_rm_rf(const char *path, char *err);

/* Dynamic string buffer for building text (configs, JSON lines, XML). */
typedef struct sb_buf {
    char *data;
    size_t len, cap;
} sb_buf;
void sb_buf_init(sb_buf *b);
void sb_buf_free(sb_buf *b);
void sb_buf_reset(sb_buf *b);
void sb_buf_append(sb_buf *b, const char *s, size_t n);
void sb_buf_puts(sb_buf *b, const char *s);
void sb_buf_printf(sb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void sb_buf_json_string(sb_buf *b, const char *s);
/* Appends s with XML/HTML special characters escaped. */
void sb_buf_xml_escape(sb_buf *b, const char *s);
/* Appends s as one value of a redis.conf/sentinel.conf line: bare when it
 * holds no space, quote, backslash or control character, else in double
 * quotes with Redis's escapes (sdssplitargs reads it back). */
void sb_buf_conf_value(sb_buf *b, const char *s);

/* Child processes. sb_spawn forks and execs argv (argv[0] a path, or a
 * name looked up in PATH) in folder cwd (NULL: here) with its standard
 * input, output and error on the given fds, in a process group of its own;
 * the child gets SIGKILL when the thread that started it exits. Returns its
 * pid, or -1 with err. sb_reap waits for it until deadline (monotonic ns,
 * 0: forever), then SIGKILLs it; returns its wait status, or -1 when it had
 * to be killed. sb_run_io runs argv with data on its standard input,
 * collecting its output into out and its errors into errout (either may
 * be NULL: discarded; both may be one buffer); returns its wait status, or
 * -1 with err when it could not start or was killed at the timeout. An exec
 * that fails shows as exit status 127. */
pid_t sb_spawn(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd, char *err);
int sb_reap(pid_t pid, int64_t deadline);
int sb_run_io(char *const argv[], const char *cwd, const char *data, size_t len, sb_buf *out,
              sb_buf *errout, int64_t timeout_ns, char *err);

/* xorshift-style deterministic PRNG for everything the seed controls. */
typedef struct sb_rng {
    uint64_t s;
} sb_rng;
void sb_rng_seed(sb_rng *r, uint64_t seed);
uint64_t sb_rng_next(sb_rng *r);
double sb_rng_unit(sb_rng *r); /* [0,1) */

#endif
