/* logevents.h -- Redis and Sentinel log lines turned into named events, and a
 * tailer that watches log files during a run.
 *
 * One table in logevents.c maps a PCRE2 pattern to an event name ("+sdown",
 * "role-master", "full-resync", ...) for the process kind whose log it appears
 * in. The names are the contract for the rest of the program (scenario files
 * wait for them, reports show them); logevents_names() lists them all.
 *
 * A log line may carry the Redis prefix "pid:role dd Mon yyyy hh:mm:ss.mmm L "
 * (role X, M, S or C; level . - * #); it is parsed away before matching. */
#ifndef SB_LOGEVENTS_H
#define SB_LOGEVENTS_H

#include <stddef.h>

#include "scenario_model.h" /* sb_proc_kind */

/* Details are trimmed to this many bytes (the buffer has room for more). */
#define SB_LOGEV_DETAIL_MAX 200

typedef struct sb_log_event {
    const char *name; /* static string from the table, e.g. "+switch-master" */
    char detail[256]; /* e.g. "mymaster 10.77.0.10 6379 10.77.0.12 6379"; may be "" */
} sb_log_event;

/* Compiles the table (once per process, thread-safe). Returns 0, or -1 with
 * err naming the pattern that failed; every other function calls it too and
 * treats a failed table as one that knows no events. */
int logevents_init(char *err);

/* 1 and *ev filled when the line (len bytes, no NUL needed, a trailing
 * "\r\n" is ignored) is an event in a log of this kind, 0 when it is not.
 * kind SB_PROC_BOTH tries every row. Pure and thread-safe. */
int logevents_match(const char *line, size_t len, sb_proc_kind kind, sb_log_event *ev);

/* The names of all events the table knows, each once, NULL-terminated. */
const char *const *logevents_names(void);
/* 1 when name is one of logevents_names(), else 0. */
int logevents_known(const char *name);

/* ====== Tailing log files ====== */

/* Longest line the tailer delivers; longer lines are skipped whole. Redis
 * caps a log message at 1024 bytes, so this only guards against garbage. */
#define SB_LOGTAIL_LINE_MAX 16384
/* How often the tailer looks at its files. */
#define SB_LOGTAIL_POLL_NS (20 * 1000 * 1000LL)

typedef struct sb_logtail sb_logtail;
/* Called on the tailer's thread (or in logtail_stop's caller) once per event,
 * in file order per file. line is the whole line, NUL-terminated, without its
 * newline; both pointers are valid only during the call. The callback may
 * call logtail_add but not logtail_stop. */
typedef void (*sb_logtail_cb)(void *arg, int host, sb_proc_kind kind, const sb_log_event *ev,
                              const char *line);

/* Starts the background thread. Returns NULL with err filled on failure. */
sb_logtail *logtail_start(sb_logtail_cb cb, void *arg, char *err);
/* Registers a file; thread-safe, at any time. A file that does not exist yet
 * is read from its beginning once it appears. An existing file is read from
 * its beginning when from_start is 1, else from its current end (a partial
 * last line there is treated as old). A file truncated below the read offset
 * or replaced (new inode) is read again from its beginning. Returns 0, or -1
 * with err filled (the path cannot be opened for a reason other than not
 * existing, or no memory). */
int logtail_add(sb_logtail *t, const char *path, int host, sb_proc_kind kind, int from_start,
                char *err);
/* Stops the thread, reads every complete line still unread in every file
 * (calling cb for its events), and frees everything. A last line without a
 * newline is dropped: its writer was cut off mid-line. NULL is a no-op. */
void logtail_stop(sb_logtail *t);

#endif
