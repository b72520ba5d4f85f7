/* cmd_report.c -- splitbrain report (the HTML page of a run, and the
 * index of a folder of runs) and compare (two sets of runs against gates). */
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
#include "mediator.h"
#include "origin.h"
#include "post.h"
#include "results.h"
#include "scenario.h"
#include "cli.h"
#include "judge.h"
#include "util.h"

static const char *usage_compare =
    "usage: splitbrain compare RUN_A RUN_B [--max-increase CHECKER.FIGURE=X]...\n"
    "                          [--max-decrease CHECKER.FIGURE=X]... [--max CHECKER.FIGURE=X]...\n"
    "                          [--min CHECKER.FIGURE=X]... [--verdicts] [--json] [--color WHEN]\n"
    "\n"
    "Prints two runs' results side by side: scenario, run id, seed and outcome of\n"
    "each, every checker's verdict, then every numeric figure with A, B and the\n"
    "change (absolute, and relative when A is not 0). A run is a run folder, a\n"
    "folder whose latest link points at one (e.g. runs), or a results.json file.\n"
    "Which way is worse depends on the figure, so each bound says it:\n"
    "\n"
    "  --max-increase C.F=X  B is worse when B - A > X (e.g. set.lost_fraction=0.01)\n"
    "  --max-decrease C.F=X  B is worse when A - B > X\n"
    "                        (e.g. perf.availability_in_faults=0.05)\n"
    "  --max C.F=X           B is worse when B > X\n"
    "  --min C.F=X           B is worse when B < X\n"
    "  --verdicts            B is worse when a checker valid in A is not valid in B\n"
    "  --json                print the comparison as JSON\n" USAGE_COLOR "\n"
    "A bound naming a figure neither run reports is an error (the figures are\n"
    "listed); one that only B lacks makes B worse. Exit 0 when B is not worse\n"
    "beyond the bounds, 1 when it is (each reason printed), 2 on bad input.\n";
static const char *usage_report =
    "usage: splitbrain report RUN_DIR... [--index FILE]\n"
    "\n"
    "Rebuilds report.html in each saved run folder (a folder with history.jsonl and\n"
    "scenario.json, or a folder of runs: its \"latest\" run; without one, the runs\n"
    "it holds are listed), offline: the checkers run again on the history, as\n"
    "`check` does. With several folders, or --index, also writes index.html\n"
    "(default: next to the first folder) linking every report.\n"
    "The pages are self-contained: inline CSS and SVG, no script, no network.\n";

/* ====== compare ====== */

/* compare's bounds and flags; SB_EXIT_OK, or SB_EXIT_ERROR once printed. */
static int compare_options(int argc, char **argv, sb_gate *gates, sb_compare_opts *co, int *json,
                           int *color)
{
    static const struct option opts[] = {
        {"max-increase", required_argument, 0, 'i'}, {"max-decrease", required_argument, 0, 'd'},
        {"max", required_argument, 0, 'M'},          {"min", required_argument, 0, 'm'},
        {"verdicts", no_argument, 0, 'v'},           {"json", no_argument, 0, 'J'},
        {"color", required_argument, 0, OPT_COLOR},  {0, 0, 0, 0}};
    char err[SB_ERR_LEN];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        sb_gate_kind kind = c == 'i'   ? SB_GATE_MAX_INCREASE
                            : c == 'd' ? SB_GATE_MAX_DECREASE
                            : c == 'M' ? SB_GATE_MAX
                                       : SB_GATE_MIN;
        switch (c) {
        case 'i':
        case 'd':
        case 'M':
        case 'm':
            if (compare_gate_parse(kind, optarg, &gates[co->n_gates], err) == -1) {
                fprintf(stderr, "splitbrain compare: %s\n", err);
                return SB_EXIT_ERROR;
            }
            co->n_gates++;
            break;
        case 'v':
            co->verdicts = 1;
            break;
        case 'J':
            *json = 1;
            break;
        case OPT_COLOR:
            if ((*color = report_color_wanted(stdout, optarg)) == -1) {
                fprintf(stderr,
                        "splitbrain compare: --color %s: unknown; allowed: auto, always, "
                        "never\n",
                        optarg);
                return SB_EXIT_ERROR;
            }
            break;
        default:
            return die_usage("compare", "unknown option");
        }
    }
    if (optind != argc - 2)
        return die_usage("compare", "give two runs: run folders or results.json files");
    return SB_EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_compare, stdout);
        return SB_EXIT_OK;
    }
    sb_gate *gates = sb_xcalloc((size_t)argc, sizeof(*gates)); /* at most one per argument */
    sb_compare_opts co = {.gates = gates};
    int json = 0, color = report_color_wanted(stdout, "auto");
    int status = compare_options(argc, argv, gates, &co, &json, &color);
    json_t *a = NULL, *b = NULL;
    char err[SB_ERR_LEN], file_a[4200], file_b[4200];
    if (status == SB_EXIT_OK) {
        a = compare_load(argv[optind], file_a, sizeof(file_a), err);
        b = a ? compare_load(argv[optind + 1], file_b, sizeof(file_b), err) : NULL;
        if (!b) {
            fprintf(stderr, "splitbrain compare: %s\n", err);
            status = SB_EXIT_ERROR;
        }
    }
    sb_compare *cmp = NULL;
    if (status == SB_EXIT_OK && !(cmp = compare_new(a, file_a, b, file_b, &co, err))) {
        fprintf(stderr, "splitbrain compare: %s\n", err);
        status = SB_EXIT_ERROR;
    }
    if (cmp) {
        if (json)
            compare_write_json(cmp, stdout);
        else
            compare_write_text(cmp, stdout, color);
        status = compare_n_worse(cmp) ? SB_EXIT_MISSED : SB_EXIT_OK;
    }
    compare_free(cmp);
    json_decref(a);
    json_decref(b);
    free(gates);
    return status;
}

/* ====== report ====== */

int cmd_report(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_report, stdout);
        return SB_EXIT_OK;
    }
    static const struct option opts[] = {{"index", required_argument, 0, 'i'}, {0, 0, 0, 0}};
    const char *index = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i')
            index = optarg;
        else
            return die_usage("report", "unknown option");
    }
    if (optind >= argc)
        return die_usage("report", "no run folder given");
    size_t n = (size_t)(argc - optind);
    sb_run_result *runs = sb_xcalloc(n, sizeof(*runs));
    size_t done = 0;
    int status = SB_EXIT_OK;
    char err[SB_ERR_LEN], dir[4200], path[4300];
    for (size_t i = 0; i < n; i++) {
        sb_history *h = NULL;
        /* the scenario's checkers re-run offline, as run judged it */
        if (judge_run_dir(argv[optind + (int)i], dir, sizeof(dir), NULL, 0, &runs[done], &h, err) ==
            -1) {
            fprintf(stderr, "splitbrain report: %s\n", err);
            status = SB_EXIT_ERROR;
            continue;
        }
        snprintf(path, sizeof(path), "%s/report.html", dir);
        if (report_html(&runs[done], h, path, err) == -1) {
            fprintf(stderr, "splitbrain report: %s\n", err);
            status = SB_EXIT_ERROR;
        } else {
            printf("%s\n", path);
        }
        history_free(h);
        done++;
    }
    if (done > 0 && (index || n > 1)) {
        char def[4300];
        if (!index) {
            /* Next to the first run folder, as `run` writes it. */
            snprintf(def, sizeof(def), "%s", argv[optind]);
            char *slash = strrchr(def, '/');
            if (slash && slash[1] == '\0') { /* "runs/x/" */
                *slash = '\0';
                slash = strrchr(def, '/');
            }
            snprintf(slash ? slash + 1 : def, sizeof(def) - (size_t)(slash ? slash + 1 - def : 0),
                     "index.html");
            index = def;
        }
        if (report_index_html(runs, done, index, err) == -1) {
            fprintf(stderr, "splitbrain report: %s\n", err);
            status = SB_EXIT_ERROR;
        } else {
            printf("%s\n", index);
        }
    }
    for (size_t i = 0; i < done; i++)
        results_free(&runs[i]);
    free(runs);
    return status;
}
