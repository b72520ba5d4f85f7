/* main.c -- the splitbrain command line: run, validate, list, check,
 * compare, report, clean, help. */
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
#include "util.h"

static volatile sig_atomic_t stop_flag;

#define SB_DEFAULT_REDIS_SERVER "/usr/bin/redis-server"

static const char *usage_main =
    "usage: splitbrain COMMAND [ARGS]\n"
    "\n"
    "Fault-injection and consistency testing for Redis Sentinel and Cluster deployments.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO...       run scenarios on a lab of network namespaces (or ssh hosts)\n"
    "  validate SCENARIO...  check scenario files without running them\n"
    "  list [DIR|FILE...]    the scenarios: description, deployment kind, duration\n"
    "  check TARGET...       re-run the checkers offline on run folders or histories\n"
    "  compare RUN_A RUN_B   two runs' results side by side; bounds for regression gates\n"
    "  report RUN...         rebuild report.html (and index.html) from saved run folders\n"
    "  clean                 remove what killed runs left (namespaces, processes)\n"
    "  origin, mediator      the cache workload's HTTP services (started by `run`)\n"
    "  help COMMAND          the same as COMMAND --help\n"
    "\n"
    "options: --help (for each command too), --version\n"
    "exit status: 0 every expectation met, 1 an expectation missed, 2 could not run\n";

static const char *usage_list =
    "usage: splitbrain list [DIR|FILE...]\n"
    "\n"
    "Lists scenarios: one line each with the file, the deployment kind, the\n"
    "duration and the first sentence of its description. A DIR is searched\n"
    "for *.json files (its sub-folders too); default: ./scenarios, or the\n"
    "scenarios installed with splitbrain when there is none here. A file that\n"
    "does not parse is reported on stderr (as validate does) and the exit\n"
    "status is then 2.\n";

/* Options run and check share: where the summary goes and where results
 * are sent. */
#define USAGE_COLOR                                                                        \
    "  --color WHEN         colour the summary: auto (default: when stdout is a\n"         \
    "                       terminal and NO_COLOR is unset or empty), always, never\n"
#define USAGE_POST                                                                         \
    "  --post URL           after the results are written, POST results.json\n"           \
    "                       (application/json) to URL (http:// or https://); a\n"         \
    "                       failed delivery is one line on stderr and never changes\n"   \
    "                       the exit status\n"                                             \
    "  --post-junit         also POST the --junit file (application/xml)\n"               \
    "  --post-timeout SECONDS  per attempt, connecting included (default 10)\n"          \
    "  --post-retries N     retries after the first attempt (default 2), on failures\n"   \
    "                       to connect, timeouts, HTTP 5xx and 429; backoff 0.5 s,\n"     \
    "                       1 s, 2 s, ... up to 8 s\n"                                     \
    "  --post-header 'Name: value'  an extra header (repeatable); ${VAR} in the\n"        \
    "                       value is the environment variable VAR, e.g.\n"                \
    "                       'Authorization: Bearer ${SB_TOKEN}' (unset or empty:\n"     \
    "                       exit 2 before anything runs)\n"

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
    "                       sentinels run it with --sentinel\n"
    USAGE_COLOR
    USAGE_POST
    "\n"
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

static const char *usage_check =
    "usage: splitbrain check TARGET... [--checker NAME]... [--junit FILE]\n"
    "                        [--json FILE] [--format native|jepsen] [--time-limit T]\n"
    "                        [--color WHEN] [--post URL ...]\n"
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
    USAGE_COLOR
    USAGE_POST
    "\n"
    "Exit status: the worst over the TARGETs: 0 every expect met, 1 one missed\n"
    "(for a history file: a checker not valid, unknown included), 2 one could\n"
    "not be read.\n";

static const char *usage_report =
    "usage: splitbrain report RUN_DIR... [--index FILE]\n"
    "\n"
    "Rebuilds report.html in each saved run folder (a folder with history.jsonl and\n"
    "scenario.json, or a folder of runs: its \"latest\" run; without one, the runs\n"
    "it holds are listed), offline: the checkers run again on the history, as\n"
    "`check` does. With several folders, or --index, also writes index.html\n"
    "(default: next to the first folder) linking every report.\n"
    "The pages are self-contained: inline CSS and SVG, no script, no network.\n";

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
    "  --json                print the comparison as JSON\n"
    USAGE_COLOR
    "\n"
    "A bound naming a figure neither run reports is an error (the figures are\n"
    "listed); one that only B lacks makes B worse. Exit 0 when B is not worse\n"
    "beyond the bounds, 1 when it is (each reason printed), 2 on bad input.\n";

static const char *usage_clean =
    "usage: splitbrain clean [--force] [--hosts SCENARIO]\n"
    "\n"
    "Removes what runs that were killed left behind: network namespaces named\n"
    "sb-*, every process inside them, and stale lock files. Runs still alive\n"
    "(holding their lock) are left alone unless --force. Touches nothing that\n"
    "does not carry the sb- prefix.\n"
    "\n"
    "  --hosts SCENARIO  also the remote hosts of that scenario (ssh backend):\n"
    "                    on each, every run folder <dir>/<runid> of a run that\n"
    "                    is not alive here, the processes started from it, and\n"
    "                    the nftables table inet splitbrain\n";

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int die_usage(const char *cmd, const char *msg)
{
    fprintf(stderr, "splitbrain %s: %s (see splitbrain %s --help)\n", cmd, msg, cmd);
    return SB_EXIT_ERROR;
}

/* ====== Options run and check share: colour, --post ====== */

enum { OPT_COLOR = 256, OPT_POST, OPT_POST_JUNIT, OPT_POST_TIMEOUT, OPT_POST_RETRIES,
       OPT_POST_HEADER };

#define SHARED_OPTIONS                                                                       \
    {"color", required_argument, 0, OPT_COLOR}, {"post", required_argument, 0, OPT_POST},    \
        {"post-junit", no_argument, 0, OPT_POST_JUNIT},                                      \
        {"post-timeout", required_argument, 0, OPT_POST_TIMEOUT},                            \
        {"post-retries", required_argument, 0, OPT_POST_RETRIES},                            \
        {"post-header", required_argument, 0, OPT_POST_HEADER}

typedef struct out_opts {
    int color;      /* the summary on stdout in colour */
    sb_post post;   /* post.url "" when not posting */
    int post_extra; /* a --post-* option was given */
} out_opts;

static void out_opts_init(out_opts *o)
{
    o->color = report_color_wanted(stdout, "auto");
    post_init(&o->post);
    o->post_extra = 0;
}

/* Takes c if it is one of SHARED_OPTIONS: returns 1, or 0 when it is not
 * one of them, or -1 after printing the usage error. */
static int shared_option(const char *cmd, int c, const char *arg, out_opts *o)
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
    case OPT_POST: rc = post_set_url(&o->post, arg, err); break;
    case OPT_POST_JUNIT: rc = 0; o->post.junit = 1; break;
    case OPT_POST_TIMEOUT: rc = post_set_timeout(&o->post, arg, err); break;
    case OPT_POST_RETRIES: rc = post_set_retries(&o->post, arg, err); break;
    case OPT_POST_HEADER: rc = post_add_header(&o->post, arg, err); break;
    default: return 0;
    }
    o->post_extra |= c != OPT_POST;
    if (rc == -1) {
        fprintf(stderr, "splitbrain %s: %s\n", cmd, err);
        return -1;
    }
    return 1;
}

/* What the shared options need of each other, checked before any work. */
static int shared_options_check(const char *cmd, const out_opts *o, const char *junit)
{
    if (o->post_extra && !o->post.url[0]) {
        fprintf(stderr, "splitbrain %s: --post-junit, --post-timeout, --post-retries and "
                        "--post-header need --post URL\n", cmd);
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
static void post_results(const sb_post *p, const sb_run_result *r, const char *label)
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

static void post_junit(const sb_post *p, const char *path)
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

static void start_signal_thread(void)
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
        case 'o': ro->out_dir = optarg; break;
        case 'j': *junit = optarg; break;
        case 'r': ro->redis_server = optarg; break;
        default: return die_usage("run", "unknown option");
        }
    }
    if (shared_options_check("run", oo, *junit) == -1)
        return SB_EXIT_ERROR;
    if (optind >= argc)
        return die_usage("run", "no scenario given");
    return SB_EXIT_OK;
}

/* Runs the n scenarios named in files; returns the exit status. */
static int run_scenarios(char **files, size_t n, sb_run_opts *ro, const char *junit,
                         const out_opts *oo)
{
    sb_scenario **sc = calloc(n, sizeof(*sc));
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
    sb_run_result *results = calloc(n, sizeof(*results));
    size_t n_done = 0;
    if (status == SB_EXIT_OK) {
        start_signal_thread();
        for (size_t i = 0; i < n && !stop_flag; i++) {
            if (controller_run(sc[i], ro, &results[i], err) == -1) {
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

static int cmd_run(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_run, stdout);
        return SB_EXIT_OK;
    }
    sb_run_opts ro = {.out_dir = "runs", .redis_server = SB_DEFAULT_REDIS_SERVER,
                      .progress_tty = isatty(STDERR_FILENO), .stop = &stop_flag};
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

static int cmd_validate(int argc, char **argv)
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
        case 'S': schedule = 1; break;
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
        case 'r': redis_server = optarg; break;
        default: return die_usage("validate", "unknown option");
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
        fprintf(stderr, "splitbrain validate: Redis directives not checked: no %s (give "
                        "--redis-server PATH)\n", SB_DEFAULT_REDIS_SERVER);
    return status;
}

/* ====== Run folders: a run, or a folder of runs ====== */

/* dir_in as a run folder (one holding history.jsonl): itself, or its
 * "latest" run when it is a folder of runs. A folder of runs without a
 * latest run lists the runs it holds, so the user can pick one. */
static int resolve_run_dir(const char *dir_in, char *dir, size_t dirlen, char *err)
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
static void load_run_meta(const char *dir, sb_run_meta *meta)
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

/* ====== check ====== */

typedef struct check_args {
    const char *names[64]; /* --checker, in order */
    size_t n_names;
    const char *junit, *json;
    int jepsen;
    int64_t time_limit_ns; /* --time-limit; 0 the checkers' default */
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
        case 'j': a->junit = optarg; break;
        case 'J': a->json = optarg; break;
        case 'f':
            if (strcmp(optarg, "native") && strcmp(optarg, "jepsen")) {
                fprintf(stderr, "splitbrain check: unknown format \"%s\"; allowed: native, jepsen\n",
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
        default: return die_usage("check", "unknown option");
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
    char hist[4400], scen[4400], dir[4200];
    memset(r, 0, sizeof(*r));
    if (stat(target, &st) == -1) {
        sb_err_set(err, "%s: %s", target, strerror(errno));
        return -1;
    }
    sb_scenario *s = NULL;
    sb_run_meta meta = {0};
    if (S_ISDIR(st.st_mode) && a->jepsen) {
        snprintf(hist, sizeof(hist), "%s/history.edn", target); /* a Jepsen store folder */
    } else if (S_ISDIR(st.st_mode)) {
        if (resolve_run_dir(target, dir, sizeof(dir), err) == -1)
            return -1;
        snprintf(hist, sizeof(hist), "%s/history.jsonl", dir);
        snprintf(scen, sizeof(scen), "%s/scenario.json", dir);
        if (!(s = scenario_load(scen, err)))
            return -1;
        meta.seed = s->seed;
        load_run_meta(dir, &meta); /* the run's id and seed stay in check's outputs */
    } else {
        snprintf(hist, sizeof(hist), "%s", target);
    }
    sb_history *h = a->jepsen ? jepsen_history_load(hist, err) : history_load(hist, err);
    if (!h) {
        scenario_free(s);
        return -1;
    }
    const char *names[64], *skipped[64];
    size_t n = a->n_names, n_skipped = 0;
    memcpy(names, a->names, n * sizeof(names[0]));
    if (n == 0 && s) {
        for (size_t i = 0; i < s->n_checkers && i < 64; i++)
            names[n++] = s->checkers[i];
    } else if (n == 0 && a->jepsen) {
        names[n++] = "linearizable"; /* Jepsen histories here are registers */
    } else if (n == 0) {
        n = applicable_checkers(h, names, skipped, &n_skipped);
    }
    int rc = results_compute(s, names, n, h, &meta, r, err);
    if (rc == 0) {
        for (size_t i = 0; i < n_skipped; i++)
            results_add_skipped(r, skipped[i]);
        if (!s) {
            const char *base = strrchr(target, '/');
            snprintf(r->name, sizeof(r->name), "%s", base && base[1] ? base + 1 : target);
        }
    }
    history_free(h);
    scenario_free(s);
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
    sb_run_result *rs = calloc(n, sizeof(*rs));
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

static int cmd_check(int argc, char **argv)
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
    if (status == SB_EXIT_OK)
        status = check_targets(argv + optind, (size_t)(argc - optind), &a);
    post_free(&a.out.post);
    return status;
}

/* ====== compare ====== */

/* compare's bounds and flags; SB_EXIT_OK, or SB_EXIT_ERROR once printed. */
static int compare_options(int argc, char **argv, sb_gate *gates, sb_compare_opts *co, int *json,
                           int *color)
{
    static const struct option opts[] = {{"max-increase", required_argument, 0, 'i'},
                                         {"max-decrease", required_argument, 0, 'd'},
                                         {"max", required_argument, 0, 'M'},
                                         {"min", required_argument, 0, 'm'},
                                         {"verdicts", no_argument, 0, 'v'},
                                         {"json", no_argument, 0, 'J'},
                                         {"color", required_argument, 0, OPT_COLOR},
                                         {0, 0, 0, 0}};
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
        case 'v': co->verdicts = 1; break;
        case 'J': *json = 1; break;
        case OPT_COLOR:
            if ((*color = report_color_wanted(stdout, optarg)) == -1) {
                fprintf(stderr, "splitbrain compare: --color %s: unknown; allowed: auto, always, "
                                "never\n", optarg);
                return SB_EXIT_ERROR;
            }
            break;
        default: return die_usage("compare", "unknown option");
        }
    }
    if (optind != argc - 2)
        return die_usage("compare", "give two runs: run folders or results.json files");
    return SB_EXIT_OK;
}

static int cmd_compare(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_compare, stdout);
        return SB_EXIT_OK;
    }
    sb_gate *gates = calloc((size_t)argc, sizeof(*gates)); /* at most one per argument */
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

/* A saved run folder back into results and history: the scenario it ran,
 * its checkers re-run offline, and what results.json recorded of the run
 * (id, start, the command that reruns it). dir_in may be a folder of runs
 * (its latest run). */
static int load_run(const char *dir_in, char *dir, size_t dirlen, sb_run_result *r,
                    sb_history **h, char *err)
{
    char path[4400];
    if (resolve_run_dir(dir_in, dir, dirlen, err) == -1)
        return -1;
    snprintf(path, sizeof(path), "%s/scenario.json", dir);
    sb_scenario *s = scenario_load(path, err);
    if (!s)
        return -1;
    snprintf(path, sizeof(path), "%s/history.jsonl", dir);
    if (!(*h = history_load(path, err))) {
        scenario_free(s);
        return -1;
    }
    sb_run_meta meta = {.seed = s->seed};
    load_run_meta(dir, &meta);
    const char *names[64];
    size_t nn = s->n_checkers < 64 ? s->n_checkers : 64;
    for (size_t i = 0; i < nn; i++)
        names[i] = s->checkers[i];
    int rc = results_compute(s, names, nn, *h, &meta, r, err);
    scenario_free(s);
    if (rc == -1) {
        history_free(*h);
        *h = NULL;
    }
    return rc;
}

static int cmd_report(int argc, char **argv)
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
    sb_run_result *runs = calloc(n, sizeof(*runs));
    size_t done = 0;
    int status = SB_EXIT_OK;
    char err[SB_ERR_LEN], dir[4200], path[4300];
    for (size_t i = 0; i < n; i++) {
        sb_history *h = NULL;
        if (load_run(argv[optind + (int)i], dir, sizeof(dir), &runs[done], &h, err) == -1) {
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

/* ====== list ====== */

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json under dir (sub-folders too, schema.json aside) into files. */
static void find_scenarios(const char *dir, char ***files, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == -1)
            continue;
        size_t l = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) {
            find_scenarios(path, files, n);
        } else if (l > 5 && !strcmp(e->d_name + l - 5, ".json") &&
                   strcmp(e->d_name, "schema.json")) {
            *files = realloc(*files, (*n + 1) * sizeof(**files));
            (*files)[(*n)++] = strdup(path);
        }
    }
    closedir(d);
}

/* The scenarios installed beside the binary (<prefix>/share/splitbrain/
 * scenarios for <prefix>/bin/splitbrain), or "" when there are none. */
static void installed_scenarios(char *out, size_t len)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(out, len, "%s/../share/splitbrain/scenarios", exe);
    struct stat st;
    if (stat(out, &st) == -1 || !S_ISDIR(st.st_mode))
        out[0] = '\0';
}

/* The first sentence (or line) of a description, at most max bytes. */
static void first_sentence(const char *d, char *out, size_t len, size_t max)
{
    size_t n = 0;
    while (d[n] && d[n] != '\n' && n < max && !(d[n] == '.' && (d[n + 1] == ' ' || !d[n + 1])))
        n++;
    if (d[n] == '.')
        n++;
    snprintf(out, len, "%.*s%s", (int)n, d, d[n] && d[n] != '\n' && n >= max ? "..." : "");
}

static int cmd_list(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_list, stdout);
        return SB_EXIT_OK;
    }
    char **files = NULL, def[4300];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (argv[i][0] == '-')
            return die_usage("list", "unknown option");
        if (stat(argv[i], &st) == -1) {
            fprintf(stderr, "splitbrain list: %s: %s\n", argv[i], strerror(errno));
            return SB_EXIT_ERROR;
        }
        if (S_ISDIR(st.st_mode)) {
            size_t before = n;
            find_scenarios(argv[i], &files, &n);
            qsort(files + before, n - before, sizeof(*files), path_cmp);
        } else {
            files = realloc(files, (n + 1) * sizeof(*files));
            files[n++] = strdup(argv[i]);
        }
    }
    if (argc < 2) {
        struct stat st;
        if (stat("scenarios", &st) == 0 && S_ISDIR(st.st_mode))
            snprintf(def, sizeof(def), "scenarios");
        else
            installed_scenarios(def, sizeof(def));
        if (!def[0]) {
            fprintf(stderr, "splitbrain list: no ./scenarios here and none installed; give a "
                            "folder or files\n");
            return SB_EXIT_ERROR;
        }
        find_scenarios(def, &files, &n);
        qsort(files, n, sizeof(*files), path_cmp);
    }
    static const char *const kinds[] = {"sentinel", "independent", "cluster"};
    size_t width = 8;
    for (size_t i = 0; i < n; i++)
        if (strlen(files[i]) > width)
            width = strlen(files[i]);
    int status = SB_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        char err[SB_ERR_LEN], dur[32], desc[200];
        sb_scenario *s = scenario_load(files[i], err);
        if (!s) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
        } else {
            sb_format_duration(s->duration_ns, dur, sizeof(dur));
            first_sentence(s->description ? s->description : "", desc, sizeof(desc), 120);
            unsigned k = (unsigned)s->deployment.kind;
            printf("%-*s  %-11s %6s  %s\n", (int)width, files[i],
                   k < sizeof(kinds) / sizeof(kinds[0]) ? kinds[k] : "?", dur, desc);
            scenario_free(s);
        }
        free(files[i]);
    }
    free(files);
    return status;
}

/* ====== clean ====== */

static void clean_log(const char *line, void *arg)
{
    (void)arg;
    printf("%s\n", line);
}

static int cmd_clean(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_clean, stdout);
        return SB_EXIT_OK;
    }
    int force = 0;
    const char *hosts_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else if (!strcmp(argv[i], "--hosts") && i + 1 < argc)
            hosts_file = argv[++i];
        else
            return die_usage("clean", "unknown argument");
    }
    sb_scenario *hs = NULL;
    if (hosts_file) {
        char err[SB_ERR_LEN];
        if (!(hs = scenario_load(hosts_file, err))) {
            fprintf(stderr, "splitbrain clean: %s\n", err);
            return SB_EXIT_ERROR;
        }
        if (!hs->ssh) {
            fprintf(stderr, "splitbrain clean: %s: no host has an \"address\"; --hosts wants a "
                            "scenario for the ssh backend\n", hosts_file);
            scenario_free(hs);
            return SB_EXIT_ERROR;
        }
    }
    if (geteuid() != 0) {
        fprintf(stderr, "splitbrain clean: needs root to remove network namespaces\n");
        scenario_free(hs);
        return SB_EXIT_ERROR;
    }
    char err[SB_ERR_LEN];
    int n = lab_clean(force, clean_log, NULL, err);
    if (n < 0) {
        fprintf(stderr, "splitbrain clean: %s\n", err);
        scenario_free(hs);
        return SB_EXIT_ERROR;
    }
    int status = SB_EXIT_OK;
    if (hs) {
        int r = lab_clean_remote(hs->hosts, hs->n_hosts, force, clean_log, NULL, err);
        if (r < 0) {
            fprintf(stderr, "splitbrain clean: %s\n", err);
            status = SB_EXIT_ERROR;
        } else {
            n += r;
        }
        scenario_free(hs);
    }
    printf("clean: removed %d item%s\n", n, n == 1 ? "" : "s");
    return status;
}

/* ====== main ====== */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},
    {"validate", cmd_validate},
    {"list", cmd_list},
    {"check", cmd_check},
    {"compare", cmd_compare},
    {"report", cmd_report},
    {"clean", cmd_clean},
    {"origin", origin_main},
    {"mediator", mediator_main},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Edit distance (insertions, deletions, substitutions, transpositions). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32)
        return 99;
    size_t d[33][33];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

static int unknown_command(const char *name)
{
    const char *closest = NULL;
    size_t best = 99;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        size_t dist = edit_distance(name, commands[i].name);
        if (dist < best) {
            best = dist;
            closest = commands[i].name;
        }
    }
    fprintf(stderr, "splitbrain: unknown command \"%s\"", name);
    if (closest && best <= 2)
        fprintf(stderr, "; did you mean \"%s\"?", closest);
    fprintf(stderr, " commands: ");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", commands[i].name);
    fprintf(stderr, ", help (see splitbrain --help)\n");
    return SB_EXIT_ERROR;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return SB_EXIT_ERROR;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        (!strcmp(argv[1], "help") && argc == 2)) {
        fputs(usage_main, stdout);
        return SB_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("splitbrain %s\n", SPLITBRAIN_VERSION);
        return SB_EXIT_OK;
    }
    if (!strcmp(argv[1], "help")) { /* help CMD = CMD --help */
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (!strcmp(argv[2], commands[i].name)) {
                char *help_argv[] = {argv[2], "--help", NULL};
                return commands[i].fn(2, help_argv);
            }
        return unknown_command(argv[2]);
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    return unknown_command(argv[1]);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    /* once, before any thread: libcurl's set-up is not thread-safe */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "splitbrain: curl_global_init failed\n");
        return SB_EXIT_ERROR;
    }
    int status = dispatch(argc, argv);
    curl_global_cleanup();
    return status;
}
