/* logevents.c -- Redis and Sentinel log lines turned into named events (one
 * PCRE2 table), and a thread that tails log files during a run.
 *
 * The texts are those of Redis 7.0 (sentinel.c sentinelEvent(), replication.c,
 * server.c, rdb.c, aof.c). Where Redis logs several lines for one transition,
 * the table matches exactly one of them, so one transition is one event:
 * a replica reconfigured by REPLICAOF logs "Connecting to MASTER" and
 * "REPLICAOF ... enabled" (and, on a former master, "Before turning into a
 * replica") in the same millisecond; only the REPLICAOF line is role-replica. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include "logevents.h"

#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* ====== The table ====== */

/* detail is a template: "$1".."$9" insert a capture group (nothing when the
 * group did not take part), "$$" a dollar; everything else is literal. */
typedef struct logev_row {
    const char *name;
    sb_proc_kind kind;
    const char *pattern; /* matched against the line without its prefix */
    const char *detail;
} logev_row;

/* sentinelEvent() logs "<type> <message>"; the message is the detail. */
#define LOGEV_SENTINEL(name, re)                                                                   \
    {                                                                                              \
        name, SB_PROC_SENTINEL, "^" re "(?: (.*))?$", "$1"                                         \
    }

static const logev_row logev_table[] = {
    /* Failure detection. */
    LOGEV_SENTINEL("+sdown", "\\+sdown"),
    LOGEV_SENTINEL("-sdown", "-sdown"),
    LOGEV_SENTINEL("+odown", "\\+odown"),
    LOGEV_SENTINEL("-odown", "-odown"),
    LOGEV_SENTINEL("+tilt", "\\+tilt"),
    LOGEV_SENTINEL("-tilt", "-tilt"),
    /* Election. */
    LOGEV_SENTINEL("+new-epoch", "\\+new-epoch"),
    LOGEV_SENTINEL("+try-failover", "\\+try-failover"),
    LOGEV_SENTINEL("+vote-for-leader", "\\+vote-for-leader"),
    LOGEV_SENTINEL("+elected-leader", "\\+elected-leader"),
    LOGEV_SENTINEL("-failover-abort-not-elected", "-failover-abort-not-elected"),
    /* Failover state machine. */
    LOGEV_SENTINEL("+failover-state-select-slave", "\\+failover-state-select-slave"),
    LOGEV_SENTINEL("-failover-abort-no-good-slave", "-failover-abort-no-good-slave"),
    LOGEV_SENTINEL("+selected-slave", "\\+selected-slave"),
    LOGEV_SENTINEL("+failover-state-send-slaveof-noone", "\\+failover-state-send-slaveof-noone"),
    LOGEV_SENTINEL("+failover-state-wait-promotion", "\\+failover-state-wait-promotion"),
    LOGEV_SENTINEL("-failover-abort-slave-timeout", "-failover-abort-slave-timeout"),
    LOGEV_SENTINEL("+promoted-slave", "\\+promoted-slave"),
    LOGEV_SENTINEL("+failover-state-reconf-slaves", "\\+failover-state-reconf-slaves"),
    LOGEV_SENTINEL("+slave-reconf-sent", "\\+slave-reconf-sent"),
    LOGEV_SENTINEL("+slave-reconf-sent-be", "\\+slave-reconf-sent-be"),
    LOGEV_SENTINEL("-slave-reconf-sent-timeout", "-slave-reconf-sent-timeout"),
    LOGEV_SENTINEL("+slave-reconf-inprog", "\\+slave-reconf-inprog"),
    LOGEV_SENTINEL("+slave-reconf-done", "\\+slave-reconf-done"),
    LOGEV_SENTINEL("+failover-end-for-timeout", "\\+failover-end-for-timeout"),
    LOGEV_SENTINEL("+failover-end", "\\+failover-end"),
    LOGEV_SENTINEL("+switch-master", "\\+switch-master"),
    LOGEV_SENTINEL("+config-update-from", "\\+config-update-from"),
    /* Topology as seen by one sentinel. */
    LOGEV_SENTINEL("+monitor", "\\+monitor"),
    LOGEV_SENTINEL("-monitor", "-monitor"),
    LOGEV_SENTINEL("+reset-master", "\\+reset-master"),
    LOGEV_SENTINEL("+slave", "\\+slave"),
    LOGEV_SENTINEL("+convert-to-slave", "\\+convert-to-slave"),
    LOGEV_SENTINEL("+fix-slave-config", "\\+fix-slave-config"),
    LOGEV_SENTINEL("+reboot", "\\+reboot"),
    LOGEV_SENTINEL("+role-change", "\\+role-change"),
    LOGEV_SENTINEL("-role-change", "-role-change"),
    LOGEV_SENTINEL("+sentinel", "\\+sentinel"),
    LOGEV_SENTINEL("-dup-sentinel", "-dup-sentinel"), /* not in 7.0; older logs */
    LOGEV_SENTINEL("+sentinel-address-switch", "\\+sentinel-address-switch"),
    LOGEV_SENTINEL("+sentinel-invalid-addr", "\\+sentinel-invalid-addr"),
    LOGEV_SENTINEL("+sentinel-address-update", "\\+sentinel-address-update"),
    LOGEV_SENTINEL("+set", "\\+set"),
    LOGEV_SENTINEL("-script-error", "-script-error"),
    LOGEV_SENTINEL("-script-timeout", "-script-timeout"),

    /* Redis: role. "MASTER MODE enabled" is logged by REPLICAOF NO ONE (user)
     * and by FAILOVER (failover); the detail names who asked. */
    {"role-master", SB_PROC_REDIS,
     "^MASTER MODE enabled \\((\\w+) request from '(?:[^']*?\\baddr=(\\S+))?",
     "$1 request from $2"},
    {"role-replica", SB_PROC_REDIS, "^REPLICAOF (\\S+) enabled \\(", "$1"},
    /* Redis Cluster: a replica that won its failover election (automatic;
     * CLUSTER FAILOVER logs the same after its manual handshake). */
    {"cluster-promoted", SB_PROC_REDIS, "^Failover election won: I'm the new master\\.$", ""},
    /* Every attempt to reach the master: at start-up, after REPLICAOF, and
     * every second while the master is unreachable. */
    {"master-connect", SB_PROC_REDIS, "^(?:Connecting|Reconnecting) to MASTER (\\S+)", "$1"},

    /* Redis: replication. On the master exactly one of the first three lines
     * is logged per replica that needs a full sync ("Starting BGSAVE for
     * SYNC" is once per BGSAVE, which may serve several replicas). */
    {"full-resync", SB_PROC_REDIS, "^Full resync requested by replica (.+)$", "replica $1"},
    {"full-resync", SB_PROC_REDIS, "^Partial resynchronization not accepted: (.*)$",
     "psync refused: $1"},
    {"full-resync", SB_PROC_REDIS,
     "^Unable to partial resync with replica (.+?) for lack of backlog", "replica $1: no backlog"},
    {"full-resync", SB_PROC_REDIS, "^Full resync from master: (\\S+)$", "from master $1"},
    {"partial-resync", SB_PROC_REDIS, "^Partial resynchronization request from (.+?) accepted\\.",
     "replica $1"},
    {"partial-resync", SB_PROC_REDIS, "^Successful partial resynchronization with master\\.",
     "with master"},
    {"sync-done", SB_PROC_REDIS, "^MASTER <-> REPLICA sync: Finished with success$", ""},
    {"master-link-down", SB_PROC_REDIS, "^Connection with master lost\\.$", ""},
    {"replica-lost", SB_PROC_REDIS, "^Connection with replica (.+) lost\\.$", "$1"},

    /* Redis: persistence. "Ready to accept connections" follows loading on
     * every start, with or without a dump; "DB loaded from ..." only when
     * there was one. */
    {"loading-done", SB_PROC_REDIS, "^Ready to accept connections$", ""},
    {"db-loaded", SB_PROC_REDIS, "^DB loaded from (disk|append only file): ([0-9.]+) seconds",
     "$1 $2s"},
    /* By SAVE, by SHUTDOWN, and by the BGSAVE child (role C); not by a
     * diskless transfer to replicas. */
    {"rdb-saved", SB_PROC_REDIS, "^DB saved on disk$", ""},
    {"aof-rewrite", SB_PROC_REDIS, "^Background AOF rewrite finished successfully$", ""},

    /* Both: process life. */
    {"server-start", SB_PROC_BOTH, "^Redis version=([^,]+),.*\\bpid=(\\d+), just started",
     "version $1 pid $2"},
    {"server-exit", SB_PROC_BOTH, "^(?:Redis|Sentinel) is now ready to exit, bye bye", ""},
};

#define LOGEV_ROWS (sizeof(logev_table) / sizeof(logev_table[0]))

/* "17934:M 25 Nov 2026 03:20:07.507 * " -- pid, role (X sentinel, M master,
 * S replica, C child), date, time, level (. debug, - verbose, * notice,
 * # warning). */
static const char logev_prefix_pattern[] =
    "^\\d+:[XMSC] \\d{1,2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} [.*#-] ";

/* Compiled once, read-only afterwards, never freed (process lifetime). */
static pthread_once_t logev_once = PTHREAD_ONCE_INIT;
static pcre2_code *logev_code[LOGEV_ROWS];
static pcre2_code *logev_prefix;
static uint32_t logev_ovector_pairs;
static const char *logev_names_list[LOGEV_ROWS + 1];
static int logev_ok;
static char logev_error[SB_ERR_LEN];

static pcre2_code *logev_compile(const char *pattern, const char *what)
{
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &code, &at, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        sb_err_set(logev_error, "pcre2_compile(%s, \"%s\") at offset %zu: %s", what, pattern,
                   (size_t)at, (const char *)msg);
        return NULL;
    }
    /* Without JIT support the interpreter does the same job, slower. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    if (groups + 1 > logev_ovector_pairs)
        logev_ovector_pairs = groups + 1;
    return re;
}

static void logev_compile_all(void)
{
    logev_prefix = logev_compile(logev_prefix_pattern, "log prefix");
    if (!logev_prefix)
        return;
    size_t n_names = 0;
    for (size_t i = 0; i < LOGEV_ROWS; i++) {
        logev_code[i] = logev_compile(logev_table[i].pattern, logev_table[i].name);
        if (!logev_code[i])
            return;
        size_t j = 0;
        while (j < n_names && strcmp(logev_names_list[j], logev_table[i].name) != 0)
            j++;
        if (j == n_names)
            logev_names_list[n_names++] = logev_table[i].name;
    }
    logev_names_list[n_names] = NULL;
    logev_ok = 1;
}

int logevents_init(char *err)
{
    pthread_once(&logev_once, logev_compile_all);
    if (!logev_ok) {
        sb_err_set(err, "%s", logev_error);
        return -1;
    }
    return 0;
}

const char *const *logevents_names(void)
{
    static const char *const none[] = {NULL};
    return logevents_init(NULL) == 0 ? logev_names_list : none;
}

int logevents_known(const char *name)
{
    if (!name)
        return 0;
    for (const char *const *n = logevents_names(); *n; n++)
        if (strcmp(*n, name) == 0)
            return 1;
    return 0;
}

/* ====== Matching one line ====== */

static int logev_applies(sb_proc_kind row, sb_proc_kind log)
{
    return row == SB_PROC_BOTH || log == SB_PROC_BOTH || row == log;
}

/* Expands row's detail template with the groups of the match (rc as
 * returned by pcre2_match), trimmed to SB_LOGEV_DETAIL_MAX bytes. */
static void logev_detail(const char *tmpl, const char *subject, const PCRE2_SIZE *ov, int rc,
                         char *out)
{
    size_t n = 0;
    for (const char *p = tmpl; *p && n < SB_LOGEV_DETAIL_MAX; p++) {
        if (p[0] == '$' && p[1] >= '1' && p[1] <= '9') {
            int g = *++p - '0';
            if (g >= rc || ov[2 * g] == PCRE2_UNSET)
                continue;
            size_t len = ov[2 * g + 1] - ov[2 * g];
            if (len > SB_LOGEV_DETAIL_MAX - n)
                len = SB_LOGEV_DETAIL_MAX - n;
            memcpy(out + n, subject + ov[2 * g], len);
            n += len;
        } else {
            if (p[0] == '$' && p[1] == '$')
                p++;
            out[n++] = *p;
        }
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        n--;
    out[n] = '\0';
    size_t lead = strspn(out, " \t");
    if (lead)
        memmove(out, out + lead, n - lead + 1);
}

int logevents_match(const char *line, size_t len, sb_proc_kind kind, sb_log_event *ev)
{
    if (!line || logevents_init(NULL) != 0)
        return 0;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    pcre2_match_data *md = pcre2_match_data_create(logev_ovector_pairs, NULL);
    if (!md)
        return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    const char *body = line;
    if (pcre2_match(logev_prefix, (PCRE2_SPTR)line, len, 0, 0, md, NULL) > 0)
        body = line + ov[1];
    size_t body_len = len - (size_t)(body - line);

    int found = 0;
    for (size_t i = 0; i < LOGEV_ROWS && !found; i++) {
        if (!logev_applies(logev_table[i].kind, kind))
            continue;
        int rc = pcre2_match(logev_code[i], (PCRE2_SPTR)body, body_len, 0, 0, md, NULL);
        if (rc <= 0)
            continue;
        ev->name = logev_table[i].name;
        logev_detail(logev_table[i].detail, body, ov, rc, ev->detail);
        found = 1;
    }
    pcre2_match_data_free(md);
    return found;
}

/* ====== Tailing files ====== */

/* One registered file. Only the tailer's thread (or logtail_stop after the
 * join) touches it once it is in the list. */
typedef struct logtail_file {
    char *path;
    int host;
    sb_proc_kind kind;
    int fd; /* -1 until the file exists */
    dev_t dev;
    ino_t ino;
    off_t off; /* next byte to read */
    char *buf; /* the unfinished line: SB_LOGTAIL_LINE_MAX bytes and a NUL */
    size_t len;
    int skipping; /* drop everything up to the next newline */
} logtail_file;

struct sb_logtail {
    sb_logtail_cb cb;
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock; /* guards files, n, cap, stopping */
    pthread_cond_t cond;
    int stopping;
    logtail_file **files;
    size_t n, cap;
};

static void logtail_file_free(logtail_file *f)
{
    if (!f)
        return;
    if (f->fd != -1)
        close(f->fd);
    free(f->path);
    free(f->buf);
    free(f);
}

/* Adopts fd as the file's current incarnation, read from its beginning. */
static void logtail_file_reset(logtail_file *f, int fd, const struct stat *st)
{
    f->fd = fd;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->off = 0;
    f->len = 0;
    f->skipping = 0;
}

static void logtail_line(sb_logtail *t, logtail_file *f, char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    sb_log_event ev;
    if (logevents_match(line, len, f->kind, &ev))
        t->cb(t->arg, f->host, f->kind, &ev, line);
}

/* Reads everything after f->off and delivers the complete lines. */
static void logtail_read(sb_logtail *t, logtail_file *f)
{
    for (;;) {
        ssize_t r = pread(f->fd, f->buf + f->len, SB_LOGTAIL_LINE_MAX - f->len, f->off);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        f->off += r;
        size_t end = f->len + (size_t)r, start = 0;
        char *nl;
        while ((nl = memchr(f->buf + f->len, '\n', end - f->len)) != NULL) {
            size_t at = (size_t)(nl - f->buf);
            if (f->skipping)
                f->skipping = 0;
            else
                logtail_line(t, f, f->buf + start, at - start);
            start = at + 1;
            f->len = start;
        }
        f->len = end - start;
        memmove(f->buf, f->buf + start, f->len);
        if (f->len == SB_LOGTAIL_LINE_MAX) { /* a line too long to hold */
            f->len = 0;
            f->skipping = 1;
        }
    }
}

static void logtail_poll_file(sb_logtail *t, logtail_file *f)
{
    struct stat st;
    int exists = stat(f->path, &st) == 0;
    if (f->fd != -1 && exists && (st.st_dev != f->dev || st.st_ino != f->ino)) {
        /* Replaced: finish the old file, then start on the new one. */
        logtail_read(t, f);
        close(f->fd);
        f->fd = -1;
    }
    if (f->fd == -1) {
        if (!exists)
            return;
        int fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd == -1)
            return;
        if (fstat(fd, &st) == -1) {
            close(fd);
            return;
        }
        logtail_file_reset(f, fd, &st);
    }
    if (fstat(f->fd, &st) == 0 && st.st_size < f->off)
        logtail_file_reset(f, f->fd, &st); /* truncated */
    logtail_read(t, f);
}

static void logtail_poll_all(sb_logtail *t)
{
    for (size_t i = 0;; i++) {
        pthread_mutex_lock(&t->lock);
        logtail_file *f = i < t->n ? t->files[i] : NULL;
        pthread_mutex_unlock(&t->lock);
        if (!f)
            return;
        logtail_poll_file(t, f);
    }
}

static void *logtail_main(void *arg)
{
    sb_logtail *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        pthread_mutex_unlock(&t->lock);
        logtail_poll_all(t);
        pthread_mutex_lock(&t->lock);
        if (t->stopping)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = ts.tv_nsec + SB_LOGTAIL_POLL_NS;
        ts.tv_sec += ns / SB_NS_PER_S;
        ts.tv_nsec = ns % SB_NS_PER_S;
        pthread_cond_timedwait(&t->cond, &t->lock, &ts);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

sb_logtail *logtail_start(sb_logtail_cb cb, void *arg, char *err)
{
    if (logevents_init(err) != 0)
        return NULL;
    sb_logtail *t = calloc(1, sizeof(*t));
    if (!t) {
        sb_err_set(err, "sb_xcalloc(logtail): %s", strerror(errno));
        return NULL;
    }
    t->cb = cb;
    t->arg = arg;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    int e = pthread_create(&t->thread, NULL, logtail_main, t);
    if (e != 0) {
        sb_err_set(err, "pthread_create(log tailer): %s", strerror(e));
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
        return NULL;
    }
    return t;
}

/* Opens path if it exists and positions f per from_start. Returns 0, or -1
 * with err filled. */
static int logtail_file_open(logtail_file *f, int from_start, char *err)
{
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT)
            return 0;
        sb_err_set(err, "open(%s): %s", f->path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == -1) {
        sb_err_set(err, "fstat(%s): %s", f->path, strerror(errno));
        close(fd);
        return -1;
    }
    logtail_file_reset(f, fd, &st);
    if (from_start || st.st_size == 0)
        return 0;
    f->off = st.st_size;
    char last;
    if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
        f->skipping = 1; /* the rest of that line is old too */
    return 0;
}

int logtail_add(sb_logtail *t, const char *path, int host, sb_proc_kind kind, int from_start,
                char *err)
{
    /* buf is zeroed: PCRE2's JIT may look a few bytes past the end of a
     * subject (vectorised scans); defined bytes there keep valgrind quiet. */
    logtail_file *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path)) || !(f->buf = calloc(1, SB_LOGTAIL_LINE_MAX + 1))) {
        sb_err_set(err, "logtail_add(%s): out of memory", path);
        logtail_file_free(f);
        return -1;
    }
    f->fd = -1;
    f->host = host;
    f->kind = kind;
    if (logtail_file_open(f, from_start, err) != 0) {
        logtail_file_free(f);
        return -1;
    }
    pthread_mutex_lock(&t->lock);
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        logtail_file **files = realloc(t->files, cap * sizeof(*files));
        if (!files) {
            pthread_mutex_unlock(&t->lock);
            sb_err_set(err, "logtail_add(%s): out of memory", path);
            logtail_file_free(f);
            return -1;
        }
        t->files = files;
        t->cap = cap;
    }
    t->files[t->n++] = f;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void logtail_stop(sb_logtail *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    logtail_poll_all(t); /* what was written since the last poll */
    for (size_t i = 0; i < t->n; i++)
        logtail_file_free(t->files[i]);
    free(t->files);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
}
