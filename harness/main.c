/* main.c -- the splitbrain command line: run, validate, check, clean. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker.h"
#include "controller.h"
#include "history.h"
#include "jepsen_history.h"
#include "lab.h"
#include "results.h"
#include "scenario.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;

static const char *usage_main =
    "usage: splitbrain COMMAND [ARGS]\n"
    "\n"
    "Fault-injection and consistency testing for Redis Sentinel deployments.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO...     run scenarios on a local lab of network namespaces\n"
    "  validate SCENARIO...  check scenario files without running them\n"
    "  check RUN|HISTORY   re-run the checkers offline on a run folder or history file\n"
    "  clean               remove what killed runs left (namespaces, processes)\n"
    "\n"
    "options: --help (for each command too), --version\n"
    "exit status: 0 every expectation met, 1 an expectation missed, 2 could not run\n";

static const char *usage_run =
    "usage: splitbrain run SCENARIO... [--seed N] [--out DIR] [--junit FILE]\n"
    "                      [--redis-server PATH]\n"
    "\n"
    "Runs each scenario on a fresh lab of network namespaces and writes a run\n"
    "folder DIR/<name>-<time>/ (default DIR: runs) holding scenario.json,\n"
    "history.jsonl, results.json, summary.txt and every node's config and log;\n"
    "DIR/latest points at the newest. Prints a summary per scenario.\n"
    "\n"
    "  --seed N             override the scenarios' seed (recorded in every\n"
    "                       report; fault schedules are fixed times today)\n"
    "  --out DIR            parent folder of the run folders (default: runs)\n"
    "  --junit FILE         also write JUnit XML: one testsuite per scenario,\n"
    "                       one testcase per checker\n"
    "  --redis-server PATH  redis-server binary (default /usr/bin/redis-server);\n"
    "                       sentinels run it with --sentinel\n"
    "\n"
    "Needs root (network namespaces). Exit status: 0 every scenario met its\n"
    "expect, 1 one missed it, 2 the harness could not run (reason on stderr).\n";

static const char *usage_validate =
    "usage: splitbrain validate SCENARIO... [--schedule] [--seed N]\n"
    "\n"
    "Parses and checks each scenario file; prints \"ok FILE\" or one line\n"
    "FILE:LINE:COL: what is wrong; what is allowed. Exit 0 when all are valid,\n"
    "2 otherwise.\n"
    "\n"
    "  --schedule   also print the fault schedule the run will follow: fixed\n"
    "               faults, random schedules drawn from the seed, and the undo\n"
    "               of every fault with a duration\n"
    "  --seed N     draw random schedules from N instead of the file's seed\n";

static const char *usage_check =
    "usage: splitbrain check RUN_DIR|HISTORY [--checker NAME]... [--junit FILE]\n"
    "                        [--json FILE] [--format native|jepsen]\n"
    "\n"
    "Re-runs the checkers offline. Given a run folder, uses its scenario.json\n"
    "(checkers and expect) and history.jsonl; given a history file, runs the\n"
    "checkers named with --checker (default: all) and expects each valid.\n"
    "\n"
    "  --format jepsen   HISTORY is a Jepsen register history: EDN op maps\n"
    "                    (history.edn; a folder means its history.edn) or\n"
    "                    jepsen.util log lines; jepsen.independent [key value]\n"
    "                    tuples are checked per key. Default checker:\n"
    "                    linearizable. (default format: native, our JSONL)\n"
    "\n"
    "Exit 0 when every expect is met, 1 otherwise, 2 on unreadable input.\n";

static const char *usage_clean =
    "usage: splitbrain clean [--force]\n"
    "\n"
    "Removes what runs that were killed left behind: network namespaces named\n"
    "sb-*, every process inside them, and stale lock files. Runs still alive\n"
    "(holding their lock) are left alone unless --force. Touches nothing that\n"
    "does not carry the sb- prefix.\n";

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

static int cmd_run(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_run, stdout);
        return SB_EXIT_OK;
    }
    static const struct option opts[] = {{"seed", required_argument, 0, 's'},
                                         {"out", required_argument, 0, 'o'},
                                         {"junit", required_argument, 0, 'j'},
                                         {"redis-server", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    sb_run_opts ro = {.out_dir = "runs", .redis_server = "/usr/bin/redis-server",
                      .progress_tty = isatty(STDERR_FILENO), .stop = &stop_flag};
    const char *junit = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-')
                return die_usage("run", "--seed needs a non-negative integer");
            ro.seed = v;
            ro.has_seed = 1;
            break;
        }
        case 'o': ro.out_dir = optarg; break;
        case 'j': junit = optarg; break;
        case 'r': ro.redis_server = optarg; break;
        default: return die_usage("run", "unknown option");
        }
    }
    if (optind >= argc)
        return die_usage("run", "no scenario given");
    size_t n = (size_t)(argc - optind);
    sb_scenario **sc = calloc(n, sizeof(*sc));
    char err[SB_ERR_LEN];
    int status = SB_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        if (!(sc[i] = scenario_load(argv[optind + (int)i], err))) {
            fprintf(stderr, "%s\n", err);
            status = SB_EXIT_ERROR;
        } else if (ro.has_seed) {
            scenario_set_seed(sc[i], ro.seed); /* random schedules are drawn again */
        }
    }
    if (status == SB_EXIT_OK && geteuid() != 0) {
        fprintf(stderr, "splitbrain run: needs root to create network namespaces; run it as "
                        "root (e.g. with sudo)\n");
        status = SB_EXIT_ERROR;
    }
    if (status == SB_EXIT_OK && access(ro.redis_server, X_OK) != 0) {
        fprintf(stderr,
                "splitbrain run: redis-server %s is not executable (%s); install redis-server "
                "and redis-sentinel or give --redis-server PATH\n",
                ro.redis_server, strerror(errno));
        status = SB_EXIT_ERROR;
    }
    sb_run_result *results = calloc(n, sizeof(*results));
    size_t n_done = 0;
    if (status == SB_EXIT_OK) {
        start_signal_thread();
        for (size_t i = 0; i < n && !stop_flag; i++) {
            if (controller_run(sc[i], &ro, &results[i], err) == -1) {
                fprintf(stderr, "splitbrain run: %s: %s\n", sc[i]->name, err);
                status = SB_EXIT_ERROR;
            } else if (!results[i].passed && status == SB_EXIT_OK) {
                status = SB_EXIT_MISSED;
            }
            report_text(&results[i], stdout);
            fflush(stdout);
            n_done++;
        }
        if (stop_flag)
            status = SB_EXIT_ERROR;
        if (junit && report_junit(results, n_done, junit, err) == -1) {
            fprintf(stderr, "splitbrain run: %s\n", err);
            status = SB_EXIT_ERROR;
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

/* ====== validate ====== */

static int cmd_validate(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_validate, stdout);
        return SB_EXIT_OK;
    }
    static const struct option opts[] = {{"schedule", no_argument, 0, 'S'},
                                         {"seed", required_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    int schedule = 0, has_seed = 0, c;
    uint64_t seed = 0;
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
        default: return die_usage("validate", "unknown option");
        }
    }
    if (optind >= argc)
        return die_usage("validate", "no scenario given");
    int status = SB_EXIT_OK;
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
        printf("ok %s (%s)\n", argv[i], s->name);
        if (schedule) {
            printf("  seed %llu, %zu scheduled entries\n", (unsigned long long)s->seed,
                   s->n_faults);
            for (size_t k = 0; k < s->n_faults; k++) {
                char line[512];
                scenario_fault_describe(s, &s->faults[k], line, sizeof(line));
                printf("  %s\n", line);
            }
        }
        scenario_free(s);
    }
    return status;
}

/* ====== check ====== */

static int cmd_check(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_check, stdout);
        return SB_EXIT_OK;
    }
    static const struct option opts[] = {{"checker", required_argument, 0, 'c'},
                                         {"junit", required_argument, 0, 'j'},
                                         {"json", required_argument, 0, 'J'},
                                         {"format", required_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    const char *names[64];
    size_t n_names = 0;
    const char *junit = NULL, *json = NULL;
    int jepsen = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (!checker_find(optarg)) {
                size_t nt;
                const sb_checker *const *t = checker_table(&nt);
                char allowed[256] = "";
                for (size_t i = 0; i < nt; i++)
                    snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
                             i ? ", " : "", t[i]->name);
                fprintf(stderr, "splitbrain check: unknown checker \"%s\"; allowed: %s\n", optarg,
                        allowed);
                return SB_EXIT_ERROR;
            }
            if (n_names < 64)
                names[n_names++] = optarg;
            break;
        case 'j': junit = optarg; break;
        case 'J': json = optarg; break;
        case 'f':
            if (strcmp(optarg, "native") && strcmp(optarg, "jepsen")) {
                fprintf(stderr, "splitbrain check: unknown format \"%s\"; allowed: native, jepsen\n",
                        optarg);
                return SB_EXIT_ERROR;
            }
            jepsen = !strcmp(optarg, "jepsen");
            break;
        default: return die_usage("check", "unknown option");
        }
    }
    if (optind != argc - 1)
        return die_usage("check", "give exactly one run folder or history file");
    const char *target = argv[optind];
    struct stat st;
    char err[SB_ERR_LEN], hist[4200], scen[4200];
    if (stat(target, &st) == -1) {
        fprintf(stderr, "splitbrain check: %s: %s\n", target, strerror(errno));
        return SB_EXIT_ERROR;
    }
    sb_scenario *s = NULL;
    sb_run_meta meta = {0};
    if (S_ISDIR(st.st_mode) && jepsen) {
        snprintf(hist, sizeof(hist), "%s/history.edn", target); /* a Jepsen store folder */
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(hist, sizeof(hist), "%s/history.jsonl", target);
        snprintf(scen, sizeof(scen), "%s/scenario.json", target);
        if (!(s = scenario_load(scen, err))) {
            fprintf(stderr, "%s\n", err);
            return SB_EXIT_ERROR;
        }
        snprintf(meta.run_dir, sizeof(meta.run_dir), "%s", target);
        meta.seed = s->seed;
    } else {
        snprintf(hist, sizeof(hist), "%s", target);
    }
    if (n_names == 0) {
        if (s) {
            for (size_t i = 0; i < s->n_checkers && i < 64; i++)
                names[n_names++] = s->checkers[i];
        } else if (jepsen) {
            names[n_names++] = "linearizable"; /* Jepsen histories here are registers */
        } else {
            size_t nt;
            const sb_checker *const *t = checker_table(&nt);
            for (size_t i = 0; i < nt && i < 64; i++)
                names[n_names++] = t[i]->name;
        }
    }
    sb_history *h = jepsen ? jepsen_history_load(hist, err) : history_load(hist, err);
    if (!h) {
        fprintf(stderr, "%s\n", err);
        scenario_free(s);
        return SB_EXIT_ERROR;
    }
    sb_run_result r;
    int status = SB_EXIT_OK;
    if (results_compute(s, names, n_names, h, &meta, &r, err) == -1) {
        fprintf(stderr, "splitbrain check: %s\n", err);
        status = SB_EXIT_ERROR;
    } else {
        if (!s) {
            const char *base = strrchr(target, '/');
            snprintf(r.name, sizeof(r.name), "%s", base ? base + 1 : target);
        }
        report_text(&r, stdout);
        if (json && report_results_json(&r, json, err) == -1) {
            fprintf(stderr, "splitbrain check: %s\n", err);
            status = SB_EXIT_ERROR;
        }
        if (junit && report_junit(&r, 1, junit, err) == -1) {
            fprintf(stderr, "splitbrain check: %s\n", err);
            status = SB_EXIT_ERROR;
        }
        if (status == SB_EXIT_OK && !r.passed)
            status = SB_EXIT_MISSED;
        results_free(&r);
    }
    history_free(h);
    scenario_free(s);
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
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force"))
            force = 1;
        else
            return die_usage("clean", "unknown argument");
    }
    if (geteuid() != 0) {
        fprintf(stderr, "splitbrain clean: needs root to remove network namespaces\n");
        return SB_EXIT_ERROR;
    }
    char err[SB_ERR_LEN];
    int n = lab_clean(force, clean_log, NULL, err);
    if (n < 0) {
        fprintf(stderr, "splitbrain clean: %s\n", err);
        return SB_EXIT_ERROR;
    }
    printf("clean: removed %d item%s\n", n, n == 1 ? "" : "s");
    return SB_EXIT_OK;
}

/* ====== main ====== */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},
    {"validate", cmd_validate},
    {"check", cmd_check},
    {"clean", cmd_clean},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return SB_EXIT_ERROR;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_main, stdout);
        return SB_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("splitbrain %s\n", SPLITBRAIN_VERSION);
        return SB_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "splitbrain: unknown command \"%s\"; allowed: run, validate, check, clean "
                    "(see splitbrain --help)\n",
            argv[1]);
    return SB_EXIT_ERROR;
}
