/* cli.c -- what the commands share: help and usage errors, the options
 * run and check share (colour, --post), the signal thread, and finding
 * the run folder a user names. See cli.h. */
#define _GNU_SOURCE
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

volatile sig_atomic_t stop_flag;

int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

int die_usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "splitbrain %s: %s (see splitbrain %s --help)\n", cmd, msg, cmd);
    return SB_EXIT_ERROR;
}

/* ====== Options run and check share: colour, --post ====== */

void out_opts_init(out_opts *o)
{
    o->color = report_color_wanted(stdout, "auto");
    post_init(&o->post);
    o->post_extra = 0;
}

/* Takes c if it is one of SHARED_OPTIONS: returns 1, or 0 when it is not
 * one of them, or -1 after printing the usage error. */
int shared_option(const char *cmd, int c, const char *arg, out_opts *o)
{
    char err[SB_ERR_LEN];
    int rc;
    switch (c) {
    case OPT_COLOR:
        o->color = report_color_wanted(stdout, arg);
        if (o->color == -1) {
            fprintf(stderr, "splitbrain %s: --color %s: unknown; allowed: auto, always, never\n",
                    cmd, arg);
            return -1;
        }
        return 1;
    case OPT_POST:
        rc = post_set_url(&o->post, arg, err);
        break;
    case OPT_POST_JUNIT:
        rc = 0;
        o->post.junit = 1;
        break;
    case OPT_POST_TIMEOUT:
        rc = post_set_timeout(&o->post, arg, err);
        break;
    case OPT_POST_RETRIES:
        rc = post_set_retries(&o->post, arg, err);
        break;
    case OPT_POST_HEADER:
        rc = post_add_header(&o->post, arg, err);
        break;
    default:
        return 0;
    }
    o->post_extra |= c != OPT_POST;
    if (rc == -1) {
        fprintf(stderr, "splitbrain %s: %s\n", cmd, err);
        return -1;
    }
    return 1;
}

/* What the shared options need of each other, checked before any work. */
int shared_options_check(const char *cmd, const out_opts *o, const char *junit)
{
    if (o->post_extra && !o->post.url[0]) {
        fprintf(stderr,
                "splitbrain %s: --post-junit, --post-timeout, --post-retries and "
                "--post-header need --post URL\n",
                cmd);
        return -1;
    }
    if (o->post.junit && !junit) {
        fprintf(stderr, "splitbrain %s: --post-junit needs --junit FILE\n", cmd);
        return -1;
    }
    return 0;
}

/* POSTs what results.json holds for r; label ("" or "NAME: ") tells which
 * run a failure was about when there are several. */
void post_results(const sb_post *p, const sb_run_result *r, const char *label)
{
    json_t *doc = report_results_doc(r);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char err[SB_ERR_LEN];
    if (!text)
        fprintf(stderr, "splitbrain: --post %s: %scannot encode the results\n", p->shown, label);
    else if (post_send(p, "application/json", text, strlen(text), err) == -1)
        fprintf(stderr, "splitbrain: --post %s: %s%s\n", p->shown, label, err);
    free(text);
}

void post_junit(const sb_post *p, const char *path)
{
    char err[SB_ERR_LEN];
    size_t len;
    char *xml = sb_read_file(path, &len, err);
    if (!xml || post_send(p, "application/xml", xml, len, err) == -1)
        fprintf(stderr, "splitbrain: --post %s: JUnit XML: %s\n", p->shown, err);
    free(xml);
}

/* ====== Signals ====== */

/* SIGINT and SIGTERM are blocked in every thread and taken here, so a
 * signal never interrupts a worker half way through recording. */
static void *signal_main(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig;
        if (sigwait(set, &sig) != 0)
            continue;
        if (stop_flag)
            fprintf(stderr, "\nsplitbrain: still cleaning up, please wait\n");
        else
            fprintf(stderr, "\nsplitbrain: %s received, stopping and removing the lab\n",
                    sig == SIGINT ? "SIGINT" : "SIGTERM");
        stop_flag = 1;
    }
    return NULL;
}

void start_signal_thread(void)
{
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_t t;
    if (pthread_create(&t, NULL, signal_main, &set) == 0)
        pthread_detach(t);
}

/* ====== Run folders: a run, or a folder of runs ====== */

/* dir_in as a run folder (one holding history.jsonl): itself, or its
 * "latest" run when it is a folder of runs. A folder of runs without a
 * latest run lists the runs it holds, so the user can pick one. */
int resolve_run_dir(const char *dir_in, char *dir, size_t dirlen, char *err)
{
    char path[4400];
    snprintf(path, sizeof(path), "%s/history.jsonl", dir_in);
    if (access(path, R_OK) == 0) {
        snprintf(dir, dirlen, "%s", dir_in);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/latest/history.jsonl", dir_in);
    if (access(path, R_OK) == 0) {
        snprintf(dir, dirlen, "%s/latest", dir_in);
        return 0;
    }
    DIR *d = opendir(dir_in);
    sb_buf found;
    sb_buf_init(&found);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/history.jsonl", dir_in, e->d_name);
        if (access(path, R_OK) != 0)
            continue;
        if (n++ < 8)
            sb_buf_printf(&found, "%s%s/%s", n > 1 ? ", " : "", dir_in, e->d_name);
    }
    if (d)
        closedir(d);
    if (n > 0)
        sb_err_set(err, "%s: a folder of runs without a latest run; give one of: %s%s", dir_in,
                   found.data, n > 8 ? ", ..." : "");
    else
        sb_err_set(err, "%s: not a run folder (no history.jsonl) and no run folder inside it",
                   dir_in);
    sb_buf_free(&found);
    return -1;
}

/* What results.json recorded of the run in dir (id, start, seed, the
 * command that reruns it) into meta; nothing when there is none. */
void load_run_meta(const char *dir, sb_run_meta *meta)
{
    char path[4400];
    snprintf(meta->run_dir, sizeof(meta->run_dir), "%s", dir);
    snprintf(path, sizeof(path), "%s/results.json", dir);
    json_t *saved = json_load_file(path, 0, NULL);
    if (!saved)
        return;
    const char *id = json_string_value(json_object_get(saved, "run_id"));
    const char *cmd = json_string_value(json_object_get(saved, "command"));
    const char *started = json_string_value(json_object_get(saved, "started"));
    snprintf(meta->run_id, sizeof(meta->run_id), "%s", id ? id : "");
    snprintf(meta->command, sizeof(meta->command), "%s", cmd ? cmd : "");
    struct tm tm = {0};
    if (started && strptime(started, "%Y-%m-%dT%H:%M:%SZ", &tm))
        meta->started_wall_ns = (int64_t)timegm(&tm) * SB_NS_PER_S;
    if (json_is_integer(json_object_get(saved, "seed")))
        meta->seed = (uint64_t)json_integer_value(json_object_get(saved, "seed"));
    json_decref(saved);
}
