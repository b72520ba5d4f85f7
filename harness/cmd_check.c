/* cmd_check.c -- splitbrain check: the checkers over histories from
 * anywhere (run folders, folders of runs, native or Jepsen files), one
 * process for many targets. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"
#include "compare.h"
#include "controller.h"
#include "deploy.h"
#include "history.h"
#include "html.h"
#include "jepsen_history.h"
#include "lab.h"
#include "linear.h"
#include "listappend.h"
#include "mediator.h"
#include "origin.h"
#include "post.h"
#include "results.h"
#include "scenario.h"
#include "cli.h"
#include "judge.h"
#include "util.h"

static const char *usage_check =
    "usage: splitbrain check TARGET... [--checker NAME]... [--junit FILE]\n"
    "                        [--json FILE] [--format native|jepsen] [--time-limit T]\n"
    "                        [--model MODEL] [--color WHEN] [--post URL ...]\n"
    "\n"
    "Re-runs the checkers offline on histories from anywhere. A TARGET is a run\n"
    "folder (its scenario.json says which checkers and what to expect; its run id\n"
    "and seed stay in the outputs), a folder of runs (its latest run), or a\n"
    "history file. For a history file, the checkers named with --checker run,\n"
    "each expected valid; without --checker, those that apply to the operations\n"
    "it holds run and the others are reported as skipped.\n"
    "One TARGET prints its full summary; several print one line each and a\n"
    "total (e.g. check runs/*/ or check --format jepsen store/*/history.edn),\n"
    "all in one process.\n"
    "\n"
    "  --checker NAME    run this checker (repeatable): set, convergence, events,\n"
    "                    linearizable, counter, split-brain, perf, list-append,\n"
    "                    stale-read, lock, cache\n"
    "  --json FILE       results as JSON: the results.json document for one\n"
    "                    TARGET; JSON Lines, one object per TARGET, for several\n"
    "  --junit FILE      JUnit XML: one testsuite per TARGET\n"
    "  --format jepsen   TARGETs are Jepsen register histories: EDN op maps, one\n"
    "                    per line or in one vector (history.edn; a folder means\n"
    "                    its history.edn), or jepsen.util log lines (fields\n"
    "                    separated by tabs or spaces); jepsen.independent [key\n"
    "                    value] tuples are checked per key. Default checker:\n"
    "                    linearizable. (default format: native, our JSONL)\n"
    "  --time-limit T    time for each TARGET's linearizability search, e.g. 10s,\n"
    "                    500ms (default 60s); when it is reached the verdict is\n"
    "                    unknown, with the reason (\"time limit 10s reached on key\n"
    "                    ...\"), and the next TARGET is checked. The other checkers\n"
    "                    do not search (list-append's cycle search is linear per\n"
    "                    kind of cycle)\n"
    "  --model MODEL     the consistency model list-append judges by, as Elle\n"
    "                    names it (serializable, strict-serializable,\n"
    "                    snapshot-isolation, read-committed, ...), whatever the\n"
    "                    history's list-append-config says (runs record the\n"
    "                    workload's model; a history without one is judged as\n"
    "                    serializable)\n" USAGE_COLOR USAGE_POST "\n"
    "Exit status: the worst over the TARGETs: 0 every expect met, 1 one missed\n"
    "(for a history file: a checker not valid, unknown included), 2 one could\n"
    "not be read.\n";

/* ====== check ====== */

typedef struct check_args {
    const char *names[64]; /* --checker, in order */
    size_t n_names;
    const char *junit, *json;
    int jepsen;
    int64_t time_limit_ns; /* --time-limit; 0 the checkers' default */
    const char *model;     /* --model; NULL: each history's own */
    out_opts out;
} check_args;

static int checker_option(const char *name, check_args *a)
{
    if (!checker_find(name)) {
        size_t nt;
        const sb_checker *const *t = checker_table(&nt);
        char allowed[256] = "";
        for (size_t i = 0; i < nt; i++)
            snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
                     i ? ", " : "", t[i]->name);
        fprintf(stderr, "splitbrain check: unknown checker \"%s\"; allowed: %s\n", name, allowed);
        return -1;
    }
    if (a->n_names < 64)
        a->names[a->n_names++] = name;
    return 0;
}

/* check's options into a; SB_EXIT_OK, or SB_EXIT_ERROR once printed. */
static int check_options(int argc, char **argv, check_args *a)
{
    static const struct option opts[] = {{"checker", required_argument, 0, 'c'},
                                         {"junit", required_argument, 0, 'j'},
                                         {"json", required_argument, 0, 'J'},
                                         {"format", required_argument, 0, 'f'},
                                         {"time-limit", required_argument, 0, 't'},
                                         {"model", required_argument, 0, 'm'},
                                         SHARED_OPTIONS,
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int shared = shared_option("check", c, optarg, &a->out);
        if (shared == -1)
            return SB_EXIT_ERROR;
        if (shared)
            continue;
        switch (c) {
        case 'c':
            if (checker_option(optarg, a) == -1)
                return SB_EXIT_ERROR;
            break;
        case 'j':
            a->junit = optarg;
            break;
        case 'J':
            a->json = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "native") && strcmp(optarg, "jepsen")) {
                fprintf(stderr,
                        "splitbrain check: unknown format \"%s\"; allowed: native, jepsen\n",
                        optarg);
                return SB_EXIT_ERROR;
            }
            a->jepsen = !strcmp(optarg, "jepsen");
            break;
        case 't': {
            char err[SB_ERR_LEN];
            if (sb_parse_duration(optarg, &a->time_limit_ns, err) == -1) {
                fprintf(stderr, "splitbrain check: --time-limit: %s\n", err);
                return SB_EXIT_ERROR;
            }
            if (a->time_limit_ns <= 0) {
                fprintf(stderr, "splitbrain check: --time-limit: must be above 0, got \"%s\"\n",
                        optarg);
                return SB_EXIT_ERROR;
            }
            break;
        }
        case 'm': {
            char err[SB_ERR_LEN];
            if (listappend_model_check(optarg, err) == -1) {
                fprintf(stderr, "splitbrain check: --model: %s\n", err);
                return SB_EXIT_ERROR;
            }
            a->model = optarg;
            break;
        }
        default:
            return die_usage("check", "unknown option");
        }
    }
    if (shared_options_check("check", &a->out, a->junit) == -1)
        return SB_EXIT_ERROR;
    if (optind >= argc)
        return die_usage("check", "give run folders or history files");
    return SB_EXIT_OK;
}

/* The checkers for a history nobody named them for: those that apply to
 * the operations it holds; the others are reported as skipped. */
static size_t applicable_checkers(const sb_history *h, const char **names, const char **skipped,
                                  size_t *n_skipped)
{
    size_t nt, n = 0;
    const sb_checker *const *t = checker_table(&nt);
    *n_skipped = 0;
    for (size_t i = 0; i < nt && i < 64; i++) {
        if (!t[i]->applies || t[i]->applies(h))
            names[n++] = t[i]->name;
        else
            skipped[(*n_skipped)++] = t[i]->name;
    }
    return n;
}

/* Checks one target (a run folder, a folder of runs, a history file; a
 * Jepsen history or store folder with --format jepsen) into r; 0, or -1
 * with err (r->error says the same). */
static int check_one(const char *target, const check_args *a, sb_run_result *r, char *err)
{
    struct stat st;
    char hist[4400], dir[4200];
    memset(r, 0, sizeof(*r));
    if (stat(target, &st) == -1) {
        sb_err_set(err, "%s: %s", target, strerror(errno));
        return -1;
    }
    sb_run_meta meta = {0};
    if (S_ISDIR(st.st_mode) && a->jepsen) {
        snprintf(hist, sizeof(hist), "%s/history.edn", target); /* a Jepsen store folder */
    } else if (S_ISDIR(st.st_mode)) {
        /* a run folder: judged as run and report judge it (its scenario's
         * checkers, or those named), its run id and seed in the outputs */
        sb_history *h;
        int rc = judge_run_dir(target, dir, sizeof(dir), a->n_names ? a->names : NULL, a->n_names,
                               r, &h, err);
        history_free(h);
        return rc;
    } else {
        snprintf(hist, sizeof(hist), "%s", target);
    }
    sb_history *h = a->jepsen ? jepsen_history_load(hist, err) : history_load(hist, err);
    if (!h)
        return -1;
    const char *names[64], *skipped[64];
    size_t n = a->n_names, n_skipped = 0;
    memcpy(names, a->names, n * sizeof(names[0]));
    if (n == 0 && a->jepsen) {
        names[n++] = "linearizable"; /* Jepsen histories here are registers */
    } else if (n == 0) {
        n = applicable_checkers(h, names, skipped, &n_skipped);
    }
    int rc = results_compute(NULL, names, n, h, &meta, r, err);
    if (rc == 0) {
        for (size_t i = 0; i < n_skipped; i++)
            results_add_skipped(r, skipped[i]);
        const char *base = strrchr(target, '/');
        snprintf(r->name, sizeof(r->name), "%s", base && base[1] ? base + 1 : target);
    }
    history_free(h);
    return rc;
}

/* One line for a history among several: outcome, target, verdicts. */
static void check_line(const char *target, const sb_run_result *r, int color, FILE *out)
{
    const char *word = r->error[0] ? "ERROR" : r->passed ? "PASS" : "FAIL";
    if (color)
        fprintf(out, "%s%-5s\033[0m", r->error[0] || !r->passed ? "\033[31m" : "\033[32m", word);
    else
        fprintf(out, "%-5s", word);
    fprintf(out, "  %s", target);
    if (r->error[0])
        fprintf(out, "  %s", r->error);
    for (size_t i = 0; i < r->n_checks; i++)
        fprintf(out, "%s%s %s", i ? ", " : "  ", r->checks[i].checker,
                checker_verdict_name(r->checks[i].verdict));
    fputc('\n', out);
}

/* check TARGET...: one full summary for one target; for several, one line
 * each and a total. The exit status is the worst of them. */
static int check_targets(char **targets, size_t n, const check_args *a)
{
    sb_run_result *rs = sb_xcalloc(n, sizeof(*rs));
    char err[SB_ERR_LEN];
    int status = SB_EXIT_OK, errors = 0, missed = 0;
    for (size_t i = 0; i < n; i++) {
        if (check_one(targets[i], a, &rs[i], err) == -1) {
            fprintf(stderr, "splitbrain check: %s\n", err);
            snprintf(rs[i].error, sizeof(rs[i].error), "%s", err);
            const char *base = strrchr(targets[i], '/');
            snprintf(rs[i].name, sizeof(rs[i].name), "%s", base && base[1] ? base + 1 : targets[i]);
            errors++;
        } else {
            missed += !rs[i].passed;
        }
        if (n == 1 && !rs[i].error[0])
            report_text(&rs[i], stdout, a->out.color);
        else if (n > 1)
            check_line(targets[i], &rs[i], a->out.color, stdout);
        fflush(stdout);
        if (a->out.post.url[0] && !rs[i].error[0]) {
            char label[300] = "";
            if (n > 1)
                snprintf(label, sizeof(label), "%s: ", targets[i]);
            post_results(&a->out.post, &rs[i], label);
        }
    }
    if (n > 1)
        printf("total: %zu histories, %zu passed, %d missed, %d could not be checked\n", n,
               n - (size_t)missed - (size_t)errors, missed, errors);
    status = errors ? SB_EXIT_ERROR : missed ? SB_EXIT_MISSED : SB_EXIT_OK;
    if (a->json) {
        /* One document for one history; JSON Lines (one object per history,
         * in the order given) for several. */
        FILE *f = n == 1 ? NULL : fopen(a->json, "w");
        if (n == 1 && !rs[0].error[0] && report_results_json(&rs[0], a->json, err) == -1) {
            fprintf(stderr, "splitbrain check: %s\n", err);
            status = SB_EXIT_ERROR;
        } else if (n > 1 && !f) {
            fprintf(stderr, "splitbrain check: cannot write %s: %s\n", a->json, strerror(errno));
            status = SB_EXIT_ERROR;
        }
        for (size_t i = 0; f && i < n; i++) {
            json_t *doc = report_results_doc(&rs[i]);
            json_object_set_new(doc, "target", json_string(targets[i]));
            json_dumpf(doc, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fputc('\n', f);
            json_decref(doc);
        }
        if (f)
            fclose(f);
    }
    if (a->junit && report_junit(rs, n, a->junit, err) == -1) {
        fprintf(stderr, "splitbrain check: %s\n", err);
        status = SB_EXIT_ERROR;
    } else if (a->junit && a->out.post.junit) {
        post_junit(&a->out.post, a->junit);
    }
    for (size_t i = 0; i < n; i++)
        results_free(&rs[i]);
    free(rs);
    return status;
}

int cmd_check(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_check, stdout);
        return SB_EXIT_OK;
    }
    check_args a = {.n_names = 0};
    out_opts_init(&a.out);
    int status = check_options(argc, argv, &a);
    if (status == SB_EXIT_OK && a.time_limit_ns > 0)
        linear_set_time_limit(a.time_limit_ns);
    if (status == SB_EXIT_OK && a.model)
        listappend_set_model(a.model);
    if (status == SB_EXIT_OK)
        status = check_targets(argv + optind, (size_t)(argc - optind), &a);
    post_free(&a.out.post);
    return status;
}
