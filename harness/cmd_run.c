/* cmd_run.c -- splitbrain run (scenarios on the lab, one after the other,
 * with their summaries, JUnit, index page and --post) and validate (a
 * scenario read as run would read it, and its schedule). */
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

static const char *usage_run =
    "usage: splitbrain run SCENARIO... [--seed N] [--out DIR] [--junit FILE]\n"
    "                      [--redis-server PATH] [--color WHEN] [--post URL ...]\n"
    "\n"
    "Runs each scenario on a fresh lab of network namespaces (or on the ssh hosts\n"
    "the scenario names) and writes a run folder DIR/<name>-<time>/ (default\n"
    "DIR: runs, relative to here) holding scenario.json, history.jsonl,\n"
    "results.json, summary.txt, report.html and every node's config and log;\n"
    "DIR/latest points at the newest run that recorded a history (a run that\n"
    "failed to start keeps its folder with its error, but does not move it).\n"
    "With several scenarios, DIR/index.html links their reports. Prints a\n"
    "summary per scenario. The redis.conf and sentinel.conf directives are\n"
    "judged by the redis-server binary before any lab is made.\n"
    "\n"
    "  --seed N             override the scenarios' seed: random fault schedules\n"
    "                       and random targets are drawn from it (recorded in\n"
    "                       every report, with the command that reruns the run)\n"
    "  --out DIR            parent folder of the run folders (default: runs)\n"
    "  --junit FILE         also write JUnit XML: one testsuite per scenario,\n"
    "                       one testcase per checker\n"
    "  --redis-server PATH  redis-server binary (default /usr/bin/redis-server);\n"
    "                       sentinels run it with --sentinel\n" USAGE_COLOR USAGE_POST "\n"
    "Needs root (network namespaces). Exit status: 0 every scenario met its\n"
    "expect, 1 one missed it, 2 the harness could not run (reason on stderr).\n";
static const char *usage_validate =
    "usage: splitbrain validate SCENARIO... [--schedule] [--seed N] [--redis-server PATH]\n"
    "\n"
    "Parses and checks each scenario file; prints \"ok FILE\" or one line\n"
    "FILE:LINE:COL: what is wrong; what is allowed. Exit 0 when all are valid,\n"
    "2 otherwise. The redis.conf and sentinel.conf directives are judged by the\n"
    "redis-server binary a run would use (no list of directives is kept here).\n"
    "\n"
    "  --schedule   also print the fault schedule the run will follow: fixed\n"
    "               faults, random schedules drawn from the seed, and the undo\n"
    "               of every fault with a duration\n"
    "  --seed N     draw random schedules from N instead of the file's seed\n"
    "  --redis-server PATH  the binary that judges the directives (default\n"
    "               /usr/bin/redis-server; when it is missing they are not judged)\n";

/* ====== run ====== */

/* run's options into ro, junit and oo; SB_EXIT_OK, or SB_EXIT_ERROR once
 * printed. */
static int run_options(int argc, char **argv, sb_run_opts *ro, const char **junit, out_opts *oo)
{
    static const struct option opts[] = {{"seed", required_argument, 0, 's'},
                                         {"out", required_argument, 0, 'o'},
                                         {"junit", required_argument, 0, 'j'},
                                         {"redis-server", required_argument, 0, 'r'},
                                         SHARED_OPTIONS,
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int shared = shared_option("run", c, optarg, oo);
        if (shared == -1)
            return SB_EXIT_ERROR;
        if (shared)
            continue;
        switch (c) {
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-')
                return die_usage("run", "--seed needs a non-negative integer");
            ro->seed = v;
            ro->has_seed = 1;
            break;
        }
        case 'o':
            ro->out_dir = optarg;
            break;
        case 'j':
            *junit = optarg;
            break;
        case 'r':
            ro->redis_server = optarg;
            break;
        default:
            return die_usage("run", "unknown option");
        }
    }
    if (shared_options_check("run", oo, *junit) == -1)
        return SB_EXIT_ERROR;
    if (optind >= argc)
        return die_usage("run", "no scenario given");
    return SB_EXIT_OK;
}

/* Runs the n scenarios named in files; returns the exit status. */
/* One scenario: the controller runs it, then the run is judged and its
 * reports written exactly as check and report would (judge.h). A run that
 * failed still gets results.json, summary.txt and a page with its error.
 * 0, or -1 with err (out->error says the same). */
static int run_one(const sb_scenario *s, sb_run_opts *ro, sb_run_result *out, char *err)
{
    sb_phases ph;
    ro->phases = &ph;
    sb_run_meta meta;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", s->name);
    int rc = controller_run(s, ro, &meta, err);
    sb_history *h = NULL;
    if (rc == 0) {
        phases_start(&ph, "checking");
        rc = judge_run(s, &meta, NULL, 0, out, &h, err);
    }
    if (rc == -1) {
        out->meta = meta;
        snprintf(out->name, sizeof(out->name), "%s", s->name);
        snprintf(out->error, sizeof(out->error), "%s", err);
    }
    if (meta.run_dir[0]) {
        if (ph.phase)
            phases_start(&ph, "writing reports");
        judge_write_reports(out, h);
    }
    phases_end(&ph);
    history_free(h);
    ro->phases = NULL;
    return rc;
}

static int run_scenarios(char **files, size_t n, sb_run_opts *ro, const char *junit,
                         const out_opts *oo)
{
    sb_scenario **sc = sb_xcalloc(n, sizeof(*sc));
    char err[SB_ERR_LEN];
    int status = SB_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (!(sc[i] = scenario_load(files[i], err))) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
        } else if (ro->has_seed) {
            scenario_set_seed(sc[i], ro->seed); /* random schedules are drawn again */
        }
    }
    if (status == SB_EXIT_OK && geteuid() != 0) {
        fprintf(stderr, "splitbrain run: needs root to create network namespaces; run it as "
                        "root (e.g. with sudo)\n");
        status = SB_EXIT_ERROR;
    }
    if (status == SB_EXIT_OK && access(ro->redis_server, X_OK) != 0) {
        fprintf(stderr,
                "splitbrain run: redis-server %s is not executable (%s); install redis-server "
                "and redis-sentinel or give --redis-server PATH\n",
                ro->redis_server, strerror(errno));
        status = SB_EXIT_ERROR;
    }
    for (size_t i = 0; i < n && status == SB_EXIT_OK; i++)
        if (!sc[i]->ssh && deploy_check_directives(sc[i], ro->redis_server, err) == -1) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
        }
    sb_run_result *results = sb_xcalloc(n, sizeof(*results));
    size_t n_done = 0;
    if (status == SB_EXIT_OK) {
        start_signal_thread();
        for (size_t i = 0; i < n && !stop_flag; i++) {
            if (run_one(sc[i], ro, &results[i], err) == -1) {
                fprintf(stderr, "splitbrain run: %s: %s\n", sc[i]->name, err);
                status = SB_EXIT_ERROR;
            } else if (!results[i].passed && status == SB_EXIT_OK) {
                status = SB_EXIT_MISSED;
            }
            report_text(&results[i], stdout, oo->color);
            fflush(stdout);
            n_done++;
            if (oo->post.url[0] && !stop_flag) {
                char label[80] = "";
                if (n > 1)
                    snprintf(label, sizeof(label), "%s: ", results[i].name);
                post_results(&oo->post, &results[i], label);
            }
        }
        if (stop_flag)
            status = SB_EXIT_ERROR;
        report_cache_table(results, n_done, stdout);
        report_family_table(results, n_done, stdout);
        if (n > 1 && n_done > 0) {
            char index[4200];
            snprintf(index, sizeof(index), "%s/index.html", ro->out_dir);
            char shown[4200];
            sb_path_shown(index, shown, sizeof(shown));
            if (report_index_html(results, n_done, index, err) == -1)
                fprintf(stderr, "splitbrain run: %s\n", err);
            else
                printf("index of the %zu runs: %s\n", n_done, shown);
        }
        if (junit && report_junit(results, n_done, junit, err) == -1) {
            fprintf(stderr, "splitbrain run: %s\n", err);
            status = SB_EXIT_ERROR;
        } else if (junit && oo->post.junit && !stop_flag) {
            post_junit(&oo->post, junit);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (i < n_done)
            results_free(&results[i]);
        if (sc[i])
            scenario_free(sc[i]);
    }
    free(results);
    free(sc);
    return status;
}

int cmd_run(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_run, stdout);
        return SB_EXIT_OK;
    }
    sb_run_opts ro = {.out_dir = "runs",
                      .redis_server = SB_DEFAULT_REDIS_SERVER,
                      .progress_tty = isatty(STDERR_FILENO),
                      .stop = &stop_flag};
    const char *junit = NULL;
    out_opts oo;
    out_opts_init(&oo);
    int status = run_options(argc, argv, &ro, &junit, &oo);
    char out_abs[4096], err[SB_ERR_LEN];
    if (status == SB_EXIT_OK) {
        /* Once, here: nothing later depends on the working directory. */
        if (sb_path_absolute(ro.out_dir, out_abs, sizeof(out_abs), err) == -1) {
            fprintf(stderr, "splitbrain run: --out %s: %s\n", ro.out_dir, err);
            status = SB_EXIT_ERROR;
        }
        ro.out_dir = out_abs;
    }
    if (status == SB_EXIT_OK)
        status = run_scenarios(argv + optind, (size_t)(argc - optind), &ro, junit, &oo);
    post_free(&oo.post);
    return status;
}

/* ====== validate ====== */

int cmd_validate(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_validate, stdout);
        return SB_EXIT_OK;
    }
    static const struct option opts[] = {{"schedule", no_argument, 0, 'S'},
                                         {"seed", required_argument, 0, 's'},
                                         {"redis-server", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    int schedule = 0, has_seed = 0, c;
    uint64_t seed = 0;
    const char *redis_server = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            schedule = 1;
            break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-')
                return die_usage("validate", "--seed needs a non-negative integer");
            seed = v;
            has_seed = 1;
            break;
        }
        case 'r':
            redis_server = optarg;
            break;
        default:
            return die_usage("validate", "unknown option");
        }
    }
    if (optind >= argc)
        return die_usage("validate", "no scenario given");
    /* Directives are judged by the binary a run would use; without one
     * (a machine that only reads scenarios) they are left unjudged, said
     * once. A binary named with --redis-server must be there. */
    if (redis_server && access(redis_server, X_OK) != 0) {
        fprintf(stderr, "splitbrain validate: --redis-server %s: %s\n", redis_server,
                strerror(errno));
        return SB_EXIT_ERROR;
    }
    if (!redis_server && access(SB_DEFAULT_REDIS_SERVER, X_OK) == 0)
        redis_server = SB_DEFAULT_REDIS_SERVER;
    int status = SB_EXIT_OK, unjudged = 0;
    for (int i = optind; i < argc; i++) {
        char err[SB_ERR_LEN];
        sb_scenario *s = scenario_load(argv[i], err);
        if (!s) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
            continue;
        }
        if (has_seed)
            scenario_set_seed(s, seed);
        int directives = s->deployment.redis_config.n + s->deployment.sentinel_config.n > 0;
        if (directives && redis_server && !s->ssh &&
            deploy_check_directives(s, redis_server, err) == -1) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
            scenario_free(s);
            continue;
        }
        unjudged |= directives && !redis_server;
        printf("ok %s (%s)\n", argv[i], s->name);
        if (schedule) {
            printf("  seed %llu, %zu scheduled entries\n", (unsigned long long)s->seed,
                   s->n_faults);
            for (size_t k = 0; k < s->n_faults; k++) {
                char line[768];
                scenario_fault_describe(s, &s->faults[k], line, sizeof(line));
                printf("  %s\n", line);
            }
        }
        scenario_free(s);
    }
    if (unjudged)
        fprintf(stderr,
                "splitbrain validate: Redis directives not checked: no %s (give "
                "--redis-server PATH)\n",
                SB_DEFAULT_REDIS_SERVER);
    return status;
}
