/* cli.h -- what the commands of the splitbrain command line share (cli.c):
 * help and usage errors, the options run and check share (colour, --post),
 * the signal thread, run folders; and the commands themselves, one file
 * each (cmd_*.c), which main.c dispatches to. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "post.h"
#include "results.h"

#define SB_DEFAULT_REDIS_SERVER "/usr/bin/redis-server"

#define USAGE_COLOR                                                                                \
    "  --color WHEN         colour the summary: auto (default: when stdout is a\n"                 \
    "                       terminal and NO_COLOR is unset or empty), always, never\n"
#define USAGE_POST                                                                                 \
    "  --post URL           after the results are written, POST results.json\n"                    \
    "                       (application/json) to URL (http:// or https://); a\n"                  \
    "                       failed delivery is one line on stderr and never changes\n"             \
    "                       the exit status\n"                                                     \
    "  --post-junit         also POST the --junit file (application/xml)\n"                        \
    "  --post-timeout SECONDS  per attempt, connecting included (default 10)\n"                    \
    "  --post-retries N     retries after the first attempt (default 2), on failures\n"            \
    "                       to connect, timeouts, HTTP 5xx and 429; backoff 0.5 s,\n"              \
    "                       1 s, 2 s, ... up to 8 s\n"                                             \
    "  --post-header 'Name: value'  an extra header (repeatable); ${VAR} in the\n"                 \
    "                       value is the environment variable VAR, e.g.\n"                         \
    "                       'Authorization: Bearer ${SB_TOKEN}' (unset or empty:\n"                \
    "                       exit 2 before anything runs)\n"

/* Set by SIGINT/SIGTERM (taken by the signal thread). */
extern volatile sig_atomic_t stop_flag;
void start_signal_thread(void);

/* 1 when argv holds --help or -h. */
int wants_help(int argc, char **argv);
/* Prints "splitbrain CMD: MSG (see ...)"; returns SB_EXIT_ERROR. */
int die_usage(const char *cmd, const char *msg);

/* ====== Options run and check share: colour, --post ====== */

enum {
    OPT_COLOR = 256,
    OPT_POST,
    OPT_POST_JUNIT,
    OPT_POST_TIMEOUT,
    OPT_POST_RETRIES,
    OPT_POST_HEADER
};

#define SHARED_OPTIONS                                                                             \
    {"color", required_argument, 0, OPT_COLOR}, {"post", required_argument, 0, OPT_POST},          \
        {"post-junit", no_argument, 0, OPT_POST_JUNIT},                                            \
        {"post-timeout", required_argument, 0, OPT_POST_TIMEOUT},                                  \
        {"post-retries", required_argument, 0, OPT_POST_RETRIES},                                  \
    {                                                                                              \
        "post-header", required_argument, 0, OPT_POST_HEADER                                       \
    }

typedef struct out_opts {
    int color;      /* the summary on stdout in colour */
    sb_post post;   /* post.url "" when not posting */
    int post_extra; /* a --post-* option was given */
} out_opts;

void out_opts_init(out_opts *o);
/* Takes c if it is one of SHARED_OPTIONS: returns 1, or 0 when it is not
 * one of them, or -1 after printing the usage error. */
int shared_option(const char *cmd, int c, const char *arg, out_opts *o);
/* What the shared options need of each other, checked before any work. */
int shared_options_check(const char *cmd, const out_opts *o, const char *junit);
/* POSTs what results.json holds for r; label ("" or "NAME: ") tells which
 * run a failure was about when there are several. */
void post_results(const sb_post *p, const sb_run_result *r, const char *label);
void post_junit(const sb_post *p, const char *path);

/* ====== Run folders ====== */

/* dir_in is a run folder, or a folder of runs with a latest run: the run
 * folder into dir; -1 with err (listing the runs when there is no latest). */
int resolve_run_dir(const char *dir_in, char *dir, size_t dirlen, char *err);
/* What results.json recorded of the run in dir (id, start, seed, the
 * command that reruns it) into meta; nothing when there is none. */
void load_run_meta(const char *dir, sb_run_meta *meta);

/* ====== The commands (argv[0] is the command's name) ====== */

int cmd_run(int argc, char **argv);      /* cmd_run.c */
int cmd_validate(int argc, char **argv); /* cmd_run.c */
int cmd_check(int argc, char **argv);    /* cmd_check.c */
int cmd_compare(int argc, char **argv);  /* cmd_report.c */
int cmd_report(int argc, char **argv);   /* cmd_report.c */
int cmd_list(int argc, char **argv);     /* cmd_list.c */
int cmd_clean(int argc, char **argv);    /* cmd_list.c */
int cmd_shrink(int argc, char **argv);   /* cmd_shrink.c */

#endif
