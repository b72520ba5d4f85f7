/* main.c -- the splitbrain command line: the commands by name (each in its
 * cmd_*.c), help, a mistyped command's closest match. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mediator.h"
#include "origin.h"
#include "util.h"

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
    "  shrink RUN_DIR        a failing run -> the smallest fault schedule that still fails\n"
    "  clean                 remove what killed runs left (namespaces, processes)\n"
    "  origin, mediator      the cache workload's HTTP services (started by `run`)\n"
    "  help COMMAND          the same as COMMAND --help\n"
    "\n"
    "options: --help (for each command too), --version\n"
    "exit status: 0 every expectation met, 1 an expectation missed, 2 could not run\n";

/* ====== main ====== */

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} commands[] = {
    {"run", cmd_run},         {"validate", cmd_validate},
    {"list", cmd_list},       {"check", cmd_check},
    {"compare", cmd_compare}, {"report", cmd_report},
    {"clean", cmd_clean},     {"shrink", cmd_shrink},
    {"origin", origin_main},  {"mediator", mediator_main},
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
