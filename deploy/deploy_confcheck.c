/* deploy_confcheck.c -- the scenario's redis.conf and sentinel.conf
 * directives judged by the redis-server binary the run would use, before any
 * lab exists. No list of directives is kept here: Redis knows its own.
 *
 * Redis reads a config from standard input ("redis-server -") and stops at
 * the first line it rejects with "*** FATAL CONFIG FILE ERROR ***", the line
 * number, the line and its reason. Every directive is one line, so the line
 * number leads back to the directive and its place in the scenario file.
 * How each set is made to stop once all of it was read:
 *   redis.conf    one last line that is no directive: the error lands on it
 *   sentinel.conf read in sentinel mode; with no config file on disk,
 *                 Sentinel exits right after its configuration was loaded
 *                 ("Sentinel needs config file on disk"). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deploy_internal.h"

#define CONFCHECK_END "splitbrain-end-of-directives"
#define CONFCHECK_SENTINEL_DONE "Sentinel needs config file on disk"
#define CONFCHECK_TIMEOUT_NS (10 * SB_NS_PER_S)

/* The first line of out that starts with prefix (after spaces), copied
 * without it and without its line end; 0 when none. */
static int output_line(const char *out, const char *prefix, char *line, size_t len)
{
    const char *p = strstr(out, prefix);
    if (!p)
        return 0;
    p += strlen(prefix);
    size_t n = strcspn(p, "\r\n");
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return 1;
}

/* The line after the one holding marker. */
static int line_after(const char *out, const char *marker, char *line, size_t len)
{
    const char *p = strstr(out, marker);
    if (!p || !(p = strchr(p, '\n')))
        return 0;
    p++;
    size_t n = strcspn(p, "\r\n");
    snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
    return 1;
}

/* Feeds text (first_line lines before the directives) to the binary; 0 when
 * accepted, -1 with err. */
static int judge(const sb_scenario *s, const sb_config *cfg, const char *what,
                 const char *redis_server, const char *text, int first_line, int sentinel,
                 char *err)
{
    char scratch[] = "/tmp/splitbrain-confcheck-XXXXXX";
    if (!mkdtemp(scratch)) {
        sb_err_set(err, "mkdtemp: %s", strerror(errno));
        return -1;
    }
    char *argv[] = {(char *)redis_server, "-", sentinel ? "--sentinel" : NULL, NULL};
    sb_buf out;
    sb_buf_init(&out);
    char rerr[SB_ERR_LEN], rmerr[SB_ERR_LEN];
    int status =
        sb_run_io(argv, scratch, text, strlen(text), &out, &out, CONFCHECK_TIMEOUT_NS, rerr);
    sb_rm_rf(scratch, rmerr);
    const char *o = out.data ? out.data : "";
    char at[32] = "", reason[256] = "", line[512] = "";
    int rc = 0;
    if (status == -1) {
        sb_err_set(err, "%s: cannot judge the %s directives with %s: %s", s->path, what,
                   redis_server, rerr);
        rc = -1;
    } else if (output_line(o, "Reading the configuration file, at line ", at, sizeof(at))) {
        int n = atoi(at) - first_line; /* 1-based among the directives */
        line_after(o, ">>> '", reason, sizeof(reason));
        output_line(o, ">>> '", line, sizeof(line));
        size_t l = strlen(line);
        if (l && line[l - 1] == '\'')
            line[l - 1] = '\0';
        if (n >= 1 && (size_t)n <= cfg->n) {
            const sb_directive *d = &cfg->items[n - 1];
            sb_err_set(err, "%s:%d:%d: %s directive \"%s\" rejected by %s: %s", s->path, d->line,
                       d->col, what, line, redis_server, reason);
            rc = -1;
        } else if (!sentinel && strstr(line, CONFCHECK_END)) {
            rc = 0; /* every directive was read */
        } else {
            sb_err_set(err, "%s: %s rejected line %s of the %s it was given (\"%s\"): %s", s->path,
                       redis_server, at, what, line, reason);
            rc = -1;
        }
    } else if (!(sentinel && strstr(o, CONFCHECK_SENTINEL_DONE))) {
        size_t n = strcspn(o, "\n");
        sb_err_set(err, "%s: %s gave no verdict on the %s directives (exit status %d): %.*s",
                   s->path, redis_server, what, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   (int)(n > 200 ? 200 : n), o);
        rc = -1;
    }
    sb_buf_free(&out);
    return rc;
}

/* The last occurrence of needle in hay, or NULL. */
static const char *last_of(const char *hay, const char *needle)
{
    const char *last = NULL;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        last = p;
    return last;
}

void deploy_exit_reason(const char *log, char *reason, size_t len)
{
    const char *fatal = last_of(log, "*** FATAL CONFIG FILE ERROR");
    char at[32] = "", why[256] = "", line[512] = "";
    reason[0] = '\0';
    if (fatal && output_line(fatal, "Reading the configuration file, at line ", at, sizeof(at)) &&
        line_after(fatal, ">>> '", why, sizeof(why))) {
        output_line(fatal, ">>> '", line, sizeof(line));
        size_t l = strlen(line);
        if (l && line[l - 1] == '\'')
            line[l - 1] = '\0';
        snprintf(reason, len, "%s (line %s: \"%s\")", why, at, line);
        return;
    }
    /* Else the last warning line: "pid:X dd Mon yyyy hh:mm:ss.mmm # text". */
    const char *warn = last_of(log, " # ");
    const char *start = warn ? warn + 3 : NULL;
    if (!start) { /* the last line that holds anything */
        size_t n = strlen(log);
        while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == '\r' || log[n - 1] == ' '))
            n--;
        start = log + n;
        while (start > log && start[-1] != '\n')
            start--;
    }
    size_t n = strcspn(start, "\r\n");
    snprintf(reason, len, "%.*s", (int)(n < len ? n : len - 1), start);
}

int deploy_check_directives(const sb_scenario *s, const char *redis_server, char *err)
{
    const sb_deployment *dep = &s->deployment;
    sb_buf b;
    sb_buf_init(&b);
    int rc = 0;
    if (dep->redis_config.n > 0) {
        deploy_conf_directives(&b, &dep->redis_config, NULL);
        sb_buf_puts(&b, CONFCHECK_END "\n");
        rc = judge(s, &dep->redis_config, "redis.conf", redis_server, b.data, 0, 0, err);
    }
    if (rc == 0 && dep->sentinel_config.n > 0) {
        sb_buf_reset(&b);
        sb_buf_printf(&b, "sentinel monitor %s 127.0.0.1 %d %d\n", dep->master_name,
                      dep->redis_port, dep->quorum > 0 ? dep->quorum : 1);
        deploy_conf_directives(&b, &dep->sentinel_config, dep->master_name);
        rc = judge(s, &dep->sentinel_config, "sentinel.conf", redis_server, b.data, 1, 1, err);
    }
    sb_buf_free(&b);
    return rc;
}
