/* cmd_list.c -- splitbrain list (the scenarios at hand, with their first
 * sentence) and clean (what killed runs left behind, here or on hosts). */
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
#include "util.h"

static const char *usage_list =
    "usage: splitbrain list [DIR|FILE...]\n"
    "\n"
    "Lists scenarios: one line each with the file, the deployment kind, the\n"
    "duration and the first sentence of its description. A DIR is searched\n"
    "for *.json files (its sub-folders too); default: ./scenarios, or the\n"
    "scenarios installed with splitbrain when there is none here. A file that\n"
    "does not parse is reported on stderr (as validate does) and the exit\n"
    "status is then 2.\n";
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
            (*files)[(*n)++] = sb_xstrdup(path);
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

int cmd_list(int argc, char **argv)
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
            files = sb_xrealloc(files, (n + 1) * sizeof(*files));
            files[n++] = sb_xstrdup(argv[i]);
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

int cmd_clean(int argc, char **argv)
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
            fprintf(stderr,
                    "splitbrain clean: %s: no host has an \"address\"; --hosts wants a "
                    "scenario for the ssh backend\n",
                    hosts_file);
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
