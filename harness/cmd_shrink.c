/* cmd_shrink.c -- splitbrain shrink: a run whose verdict missed its expect
 * becomes the smallest fixed-time fault schedule found that still misses it
 * the same way (the same checkers, the same verdicts, the same kinds of
 * anomaly), written as a scenario file with a log of the search.
 *
 * The faults come from the run's history as they were applied (times,
 * resolved hosts), each with its undo as one unit; the search (shrink.c)
 * asks for candidates, each replayed by running this binary's `run` on a
 * scenario file in a child process, so a replay cleans up after itself as
 * any run does (Ctrl-C reaches it too). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "judge.h"
#include "scenario.h"
#include "shrink.h"
#include "shrink_faults.h"
#include "util.h"

static const char *usage_shrink =
    "usage: splitbrain shrink RUN_DIR [--attempts N] [--confirm K] [--budget DURATION]\n"
    "                         [--out FILE] [--jobs J] [--redis-server PATH]\n"
    "\n"
    "Takes a run whose verdict missed its expect (RUN_DIR: a run folder, or a\n"
    "folder of runs for its latest) and searches for the smallest fault schedule\n"
    "that still misses it the same way: the same checkers with the same verdicts\n"
    "and the same kinds of anomaly (lost writes, two masters, ...). The faults are\n"
    "those the history recorded, at their times and on their resolved hosts; a\n"
    "fault and its undo stay together. The search removes faults (ddmin), then\n"
    "makes each remaining one smaller (fewer hosts, shorter, later, a smaller\n"
    "clock skew or loss probability), then the run shorter and its workload's\n"
    "rate lower. Every candidate is a fixed-time scenario replayed with `run`;\n"
    "it fails when it misses the expect the same way in one of N attempts. The\n"
    "result is replayed K more times and its reproduction rate reported (a\n"
    "result that never reproduces gives way to the schedule accepted before it).\n"
    "\n"
    "  --attempts N     replays of a candidate before it counts as passing (default 3)\n"
    "  --confirm K      replays of the result that measure how often it reproduces\n"
    "                   (default 5; 0: none)\n"
    "  --budget DURATION  no new candidate after this long (default 10m); the best\n"
    "                   schedule found so far is written\n"
    "  --out FILE       the shrunk scenario (default ./<name>-shrunk.json); the log\n"
    "                   of the search goes beside it (<name>-shrunk.log)\n"
    "  --jobs J         replay up to J attempts at once, each on its own lab (default 1)\n"
    "  --redis-server PATH  passed on to run\n"
    "\n"
    "Ctrl-C stops the search: the replay in progress removes its lab and the best\n"
    "schedule so far is written. Needs root. Exit status: 0 a schedule was written,\n"
    "2 the run missed no expectation, or the harness could not run (reason on\n"
    "stderr).\n";

#define SHRINK_MAX_ACCEPTED 256

/* ====== The failure to keep ====== */

/* Figures that name an anomaly, by checker: a figure > threshold is one.
 * A candidate fails the same way when each of the run's anomalies is there. */
static const struct {
    const char *checker, *figure, *what;
    double above;
} anomaly_figures[] = {
    {"set", "lost_count", "lost writes", 0},
    {"set", "unexpected_count", "unexpected values", 0},
    {"counter", "lost", "lost increments", 0},
    {"counter", "unacknowledged_applied", "unacknowledged increments applied", 0},
    {"list-append", "lost_count", "lost appends", 0},
    {"list-append", "duplicate_count", "duplicate appends", 0},
    {"lock", "overlaps", "overlapping holds", 0},
    {"linearizable", "violations", "linearizability violations", 0},
    {"split-brain", "max_masters", "two masters", 1},
    {"stale", "stale", "stale reads", 0},
    {"convergence", "master_changed", "a failover", 0},
};
#define N_ANOMALY_FIGURES (sizeof(anomaly_figures) / sizeof(anomaly_figures[0]))

typedef struct miss {
    char checker[64];
    sb_verdict verdict;
    unsigned char anomaly[N_ANOMALY_FIGURES]; /* which of anomaly_figures[] were there */
} miss;

typedef struct failure {
    miss m[16];
    size_t n;
} failure;

static int anomaly_there(const sb_check_result *c, size_t k)
{
    if (strcmp(c->checker, anomaly_figures[k].checker) != 0)
        return 0;
    const json_t *v = json_object_get(c->figures, anomaly_figures[k].figure);
    return json_is_number(v) && json_number_value(v) > anomaly_figures[k].above;
}

static void failure_of(const sb_run_result *r, failure *f)
{
    memset(f, 0, sizeof(*f));
    for (size_t i = 0; i < r->n_checks && f->n < 16; i++) {
        if (r->outcomes[i].met)
            continue;
        miss *m = &f->m[f->n++];
        snprintf(m->checker, sizeof(m->checker), "%s", r->checks[i].checker);
        m->verdict = r->checks[i].verdict;
        for (size_t k = 0; k < N_ANOMALY_FIGURES; k++)
            m->anomaly[k] = (unsigned char)anomaly_there(&r->checks[i], k);
    }
}

/* Whether run r misses its expect the way f says: every checker of f
 * missed again, with the same verdict and at least the same anomalies. */
static int failure_same(const failure *f, const sb_run_result *r)
{
    if (f->n == 0)
        return 0;
    for (size_t j = 0; j < f->n; j++) {
        const miss *m = &f->m[j];
        int found = 0;
        for (size_t i = 0; i < r->n_checks && !found; i++) {
            if (strcmp(r->checks[i].checker, m->checker) != 0 || r->outcomes[i].met ||
                r->checks[i].verdict != m->verdict)
                continue;
            found = 1;
            for (size_t k = 0; k < N_ANOMALY_FIGURES; k++)
                if (m->anomaly[k] && !anomaly_there(&r->checks[i], k))
                    found = 0;
        }
        if (!found)
            return 0;
    }
    return 1;
}

static void failure_describe(const failure *f, char *buf, size_t len)
{
    sb_buf b;
    sb_buf_init(&b);
    for (size_t j = 0; j < f->n; j++) {
        sb_buf_printf(&b, "%s%s %s", j ? "; " : "", f->m[j].checker,
                      checker_verdict_name(f->m[j].verdict));
        int first = 1;
        for (size_t k = 0; k < N_ANOMALY_FIGURES; k++)
            if (f->m[j].anomaly[k]) {
                sb_buf_printf(&b, "%s%s", first ? " (" : ", ", anomaly_figures[k].what);
                first = 0;
            }
        if (!first)
            sb_buf_puts(&b, ")");
    }
    snprintf(buf, len, "%s", b.len ? b.data : "");
    sb_buf_free(&b);
}

typedef struct shrink_ctx {
    shrink_faults f;
    failure fail;
    /* options */
    int attempts, confirm, jobs;
    const char *redis_server;
    char work[4200]; /* replays' run folders and candidate files */
    FILE *log;
    int64_t start_ns;
    int candidates; /* replayed so far */
    int progress_tty;
    shrink_sched best;
    shrink_sched accepted[SHRINK_MAX_ACCEPTED]; /* every failing candidate, in order */
    size_t n_accepted;
    char err[SB_ERR_LEN];
} shrink_ctx;

/* The run folder's copy of the scenario names its client programs as the
 * scenario did: relative to the folder the scenario was run from, which the
 * replays' candidate files are not in. Each such program is found again from
 * that scenario (results.json's "scenario", as run was given it, so from the
 * folder run was started in) and written into root by absolute path. */
static int resolve_clients(json_t *root, const char *dir, char *err)
{
    json_t *clients = json_object_get(root, "clients"), *cl;
    size_t i, relative = 0;
    json_array_foreach(clients, i, cl)
    {
        const char *prog = json_string_value(
            json_array_get(json_object_get(json_object_get(cl, "client"), "command"), 0));
        relative += prog && prog[0] != '/' && strchr(prog, '/');
    }
    if (!relative)
        return 0;
    char path[4400];
    snprintf(path, sizeof(path), "%s/results.json", dir);
    json_t *saved = json_load_file(path, 0, NULL);
    const char *orig = json_string_value(json_object_get(saved, "scenario"));
    sb_scenario *s = orig && orig[0] ? scenario_load(orig, err) : NULL;
    if (!s) {
        char why[SB_ERR_LEN];
        snprintf(why, sizeof(why), "%s", orig && orig[0] ? err : "results.json names none");
        sb_err_set(err,
                   "%s: the run's clients name their programs relative to its scenario, which "
                   "cannot be read from here (%s); run shrink from the folder the run was "
                   "started in",
                   dir, why);
        json_decref(saved);
        return -1;
    }
    int rc = 0;
    json_array_foreach(clients, i, cl)
    {
        json_t *cmd = json_object_get(json_object_get(cl, "client"), "command");
        const char *prog = json_string_value(json_array_get(cmd, 0));
        char real[PATH_MAX];
        if (!prog || prog[0] == '/' || !strchr(prog, '/'))
            continue;
        if (i >= s->n_clients || !s->clients[i].ext_argv ||
            !realpath(s->clients[i].ext_argv[0], real)) {
            sb_err_set(err, "%s: client program \"%s\" of the run's scenario %s is not found", dir,
                       prog, orig);
            rc = -1;
            break;
        }
        json_array_set_new(cmd, 0, json_string(real));
    }
    scenario_free(s);
    json_decref(saved);
    return rc;
}

static int write_json(json_t *root, const char *path, char *err)
{
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        sb_err_set(err, "%s: cannot encode the scenario", path);
        return -1;
    }
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_printf(&b, "%s\n", text);
    free(text);
    int rc = sb_write_file(path, b.data, b.len, err);
    sb_buf_free(&b);
    return rc;
}

/* ====== Replays ====== */

/* Starts `splitbrain run --out dir file` (this binary), its output into
 * dir.log. The child's pid, or -1 with err. */
static pid_t replay_start(const shrink_ctx *c, const char *file, const char *dir, char *err)
{
    char exe[4096], logp[4420];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n < 0) {
        sb_err_set(err, "readlink(/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    exe[n] = '\0';
    snprintf(logp, sizeof(logp), "%.4400s.log", dir);
    pid_t pid = fork();
    if (pid < 0) {
        sb_err_set(err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (nul >= 0)
            dup2(nul, STDIN_FILENO);
        char *argv[] = {exe,          "run",   "--out",          (char *)dir,
                        "--color",    "never", "--redis-server", (char *)c->redis_server,
                        (char *)file, NULL};
        execv(exe, argv);
        _exit(127);
    }
    return pid;
}

/* Waits for the replays; a stop (Ctrl-C, SIGTERM) is passed on to them, and
 * they remove their labs before they exit. */
static void replay_wait(pid_t *pids, size_t n)
{
    int told = 0;
    for (size_t left = n; left > 0;) {
        for (size_t i = 0; i < n; i++) {
            if (pids[i] <= 0)
                continue;
            int st;
            pid_t r = waitpid(pids[i], &st, WNOHANG);
            if (r == pids[i] || (r < 0 && errno == ECHILD)) {
                pids[i] = 0;
                left--;
            }
        }
        if (stop_flag && !told) {
            for (size_t i = 0; i < n; i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGTERM);
            told = 1;
        }
        if (left)
            sb_sleep_ns(50 * SB_NS_PER_MS);
    }
}

/* The outcome of the replay in dir: 1 the same failure, 0 not (why in
 * note). The run folder is removed; its output stays in dir.log. */
static int replay_judge(const shrink_ctx *c, const char *dir, char *note, size_t len)
{
    char run[4400], err[SB_ERR_LEN];
    sb_run_result r;
    sb_history *h = NULL;
    int same = 0;
    if (judge_run_dir(dir, run, sizeof(run), NULL, 0, &r, &h, err) == -1) {
        snprintf(note, len, "no verdict: %.300s (see %.200s.log)", err, dir);
    } else {
        same = failure_same(&c->fail, &r);
        failure fr;
        failure_of(&r, &fr);
        char d[512];
        failure_describe(&fr, d, sizeof(d));
        snprintf(note, len, "%s", same ? "same failure" : fr.n ? d : "met its expect");
        results_free(&r);
    }
    history_free(h);
    sb_rm_rf(dir, err);
    return same;
}

/* Replays file up to n times, jobs at a time, stopping at the first that
 * fails the same way (stop_at_first) or running all n. The number of
 * replays that failed the same way; -1 when stopped. *ran: how many ran. */
static int replay(shrink_ctx *c, const char *file, const char *tag, int n, int stop_at_first,
                  int *ran)
{
    int same = 0;
    *ran = 0;
    for (int a = 0; a < n && !stop_flag && !(stop_at_first && same);) {
        int batch = n - a < c->jobs ? n - a : c->jobs;
        pid_t pids[16];
        char dirs[16][4400];
        for (int j = 0; j < batch; j++) {
            snprintf(dirs[j], sizeof(dirs[j]), "%s/%s-a%d", c->work, tag, a + j + 1);
            pids[j] = replay_start(c, file, dirs[j], c->err);
            if (pids[j] < 0)
                fprintf(c->log, "  %s: %s\n", dirs[j], c->err);
        }
        replay_wait(pids, (size_t)batch);
        if (stop_flag)
            break;
        for (int j = 0; j < batch; j++) {
            char note[600];
            int s = replay_judge(c, dirs[j], note, sizeof(note));
            same += s;
            fprintf(c->log, "  attempt %d: %s\n", a + j + 1, note);
        }
        a += batch;
        *ran = a;
    }
    fflush(c->log);
    return stop_flag ? -1 : same;
}

static void progress(const shrink_ctx *c, const shrink_sched *cur, const char *what)
{
    char words[256];
    shrink_faults_words(&c->f, cur, words, sizeof(words));
    double el = (double)(sb_now_ns() - c->start_ns) / 1e9;
    fprintf(stderr, "%s[shrink %6.1fs] candidates %d, best: %s, %.1f s%s%s",
            c->progress_tty ? "\r\033[K" : "", el, c->candidates, words,
            (double)c->best.duration_ns / 1e9, what[0] ? "; " : "", what);
    if (!c->progress_tty)
        fputc('\n', stderr);
    fflush(stderr);
}

/* The search's test function: one candidate, up to --attempts replays. */
static int test_candidate(void *ctx, const shrink_sched *cand)
{
    shrink_ctx *c = ctx;
    if (stop_flag)
        return SHRINK_STOP;
    int k = ++c->candidates;
    char file[4400], tag[32], words[256];
    snprintf(tag, sizeof(tag), "c%03d", k);
    snprintf(file, sizeof(file), "%s/%s.json", c->work, tag);
    char name[96];
    snprintf(name, sizeof(name), "%.50s-c%03d", c->f.s->name, k);
    json_t *root = shrink_faults_scenario(&c->f, cand, name, "a candidate of splitbrain shrink");
    int rc = write_json(root, file, c->err);
    json_decref(root);
    if (rc == -1)
        return SHRINK_STOP;
    shrink_faults_words(&c->f, cand, words, sizeof(words));
    progress(c, &c->best, "replaying");
    int64_t t0 = sb_now_ns();
    fprintf(c->log, "candidate %d: %zu faults (%s), %.1f s: %s\n", k, cand->n, words,
            (double)cand->duration_ns / 1e9, file);
    int ran;
    int same = replay(c, file, tag, c->attempts, 1, &ran);
    if (same < 0) {
        fprintf(c->log, "  stopped\n");
        return SHRINK_STOP;
    }
    fprintf(c->log, "  -> %s after %d of %d attempts, %.1f s\n", same ? "FAILS" : "passes", ran,
            c->attempts, (double)(sb_now_ns() - t0) / 1e9);
    fflush(c->log);
    if (same) {
        shrink_sched_free(&c->best);
        shrink_sched_copy(&c->best, cand);
        if (c->n_accepted < SHRINK_MAX_ACCEPTED)
            shrink_sched_copy(&c->accepted[c->n_accepted++], cand);
    }
    return same ? SHRINK_FAILS : SHRINK_PASSES;
}

/* Replays the result --confirm times for its reproduction rate. A result
 * that never reproduces was accepted on a lucky replay (a candidate fails
 * when one of its attempts does): the schedules accepted before it are
 * confirmed in turn, newest first, down to the run's own, and the first
 * that reproduces becomes the result. */
static void confirm(shrink_ctx *c, const shrink_sched *orig, int *same, int *ran)
{
    char file[4400], err[SB_ERR_LEN];
    snprintf(file, sizeof(file), "%s/confirm.json", c->work);
    for (size_t back = 0; back <= c->n_accepted && !stop_flag; back++) {
        const shrink_sched *cand =
            c->n_accepted > back ? &c->accepted[c->n_accepted - 1 - back] : orig;
        if (back > 0) {
            shrink_sched_free(&c->best);
            shrink_sched_copy(&c->best, cand);
        }
        json_t *root =
            shrink_faults_scenario(&c->f, &c->best, c->f.s->name, "splitbrain shrink: confirming");
        int rc = write_json(root, file, err);
        json_decref(root);
        if (rc == -1)
            return;
        fprintf(c->log, "confirming: %d replays of %s\n", c->confirm,
                back ? "the schedule accepted before it" : "the result");
        progress(c, &c->best, "confirming");
        *same = replay(c, file, "confirm", c->confirm, 0, ran);
        if (*same < 0) {
            *same = *ran = 0;
            return;
        }
        fprintf(c->log, "  -> reproduces %d/%d\n", *same, *ran);
        if (*same > 0)
            return;
    }
}

/* ====== The command ====== */

static int parse_count(const char *opt, const char *arg, int min, int max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || !*arg || v < min || v > max) {
        fprintf(stderr, "splitbrain shrink: %s %s: allowed: an integer from %d to %d\n", opt, arg,
                min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int shrink_options(int argc, char **argv, shrink_ctx *c, int64_t *budget, const char **out)
{
    static const struct option opts[] = {{"attempts", required_argument, 0, 'a'},
                                         {"confirm", required_argument, 0, 'k'},
                                         {"budget", required_argument, 0, 'b'},
                                         {"out", required_argument, 0, 'o'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"redis-server", required_argument, 0, 'r'},
                                         {0, 0, 0, 0}};
    int ch;
    char err[SB_ERR_LEN];
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'a':
            if (parse_count("--attempts", optarg, 1, 100, &c->attempts) == -1)
                return -1;
            break;
        case 'k':
            if (parse_count("--confirm", optarg, 0, 1000, &c->confirm) == -1)
                return -1;
            break;
        case 'j':
            if (parse_count("--jobs", optarg, 1, 16, &c->jobs) == -1)
                return -1;
            break;
        case 'b':
            if (sb_parse_duration(optarg, budget, err) == -1 || *budget <= 0) {
                fprintf(stderr, "splitbrain shrink: --budget %s: %s\n", optarg,
                        *budget <= 0 && !strstr(err, "duration") ? "must be more than 0" : err);
                return -1;
            }
            break;
        case 'o':
            *out = optarg;
            break;
        case 'r':
            c->redis_server = optarg;
            break;
        default:
            die_usage("shrink", "unknown option");
            return -1;
        }
    }
    if (optind != argc - 1) {
        die_usage("shrink", optind >= argc ? "no run folder given" : "one run folder at a time");
        return -1;
    }
    return 0;
}

/* The run in dir_in: its scenario (c->f.s, c->f.root), its failure and its
 * faults into sched. SB_EXIT_OK, or SB_EXIT_ERROR once said. */
static int load_run(shrink_ctx *c, const char *dir_in, char *dir, size_t dirlen,
                    shrink_sched *sched, sb_scenario **sp)
{
    char path[4400], err[SB_ERR_LEN];
    sb_run_result r;
    sb_history *h = NULL;
    if (judge_run_dir(dir_in, dir, dirlen, NULL, 0, &r, &h, err) == -1) {
        fprintf(stderr, "splitbrain shrink: %s\n", err);
        return SB_EXIT_ERROR;
    }
    failure_of(&r, &c->fail);
    results_free(&r);
    if (c->fail.n == 0) {
        fprintf(stderr,
                "splitbrain shrink: %s: the run met every expectation, so there is no failure to "
                "shrink; give a run whose verdict missed its expect (run exited 1)\n",
                dir);
        history_free(h);
        return SB_EXIT_ERROR;
    }
    snprintf(path, sizeof(path), "%s/scenario.json", dir);
    sb_run_meta meta = {0};
    *sp = scenario_load_saved(path, err);
    c->f.root = *sp ? json_load_file(path, 0, NULL) : NULL;
    if (!*sp || !c->f.root) {
        fprintf(stderr, "splitbrain shrink: %s\n", *sp ? path : err);
        history_free(h);
        return SB_EXIT_ERROR;
    }
    if (resolve_clients(c->f.root, dir, err) == -1) {
        fprintf(stderr, "splitbrain shrink: %s\n", err);
        history_free(h);
        return SB_EXIT_ERROR;
    }
    meta.seed = (*sp)->seed;
    load_run_meta(dir, &meta);
    scenario_set_seed(*sp, meta.seed);
    c->f.s = *sp;
    int rc = shrink_faults_load(&c->f, h, sched);
    history_free(h);
    if (rc == -1) {
        fprintf(stderr, "splitbrain shrink: %s/history.jsonl: %s\n", dir, c->f.err);
        return SB_EXIT_ERROR;
    }
    if ((*sp)->ssh && c->jobs > 1) {
        fprintf(stderr,
                "splitbrain shrink: --jobs %d: the run's scenario names ssh hosts, which hold one "
                "lab at a time; allowed: --jobs 1\n",
                c->jobs);
        return SB_EXIT_ERROR;
    }
    return SB_EXIT_OK;
}

static void free_ctx(shrink_ctx *c)
{
    shrink_faults_free(&c->f);
    json_decref(c->f.root);
    shrink_sched_free(&c->best);
    for (size_t i = 0; i < c->n_accepted; i++)
        shrink_sched_free(&c->accepted[i]);
}

/* Writes the shrunk scenario and prints the summary line. */
static int write_result(shrink_ctx *c, const shrink_sched *orig, const char *dir, const char *out,
                        const char *logp, const shrink_stats *st, int same, int ran)
{
    char before[256], after[256], fail[512], err[SB_ERR_LEN], rate[64] = "not confirmed";
    shrink_faults_words(&c->f, &c->best, after, sizeof(after));
    snprintf(before, sizeof(before), "%zu fault%s", orig->n, orig->n == 1 ? "" : "s");
    failure_describe(&c->fail, fail, sizeof(fail));
    if (ran > 0)
        snprintf(rate, sizeof(rate), "reproduces %d/%d", same, ran);
    static const char *const ends[] = {"the search finished", "the budget ran out",
                                       "the search was stopped"};
    sb_buf d;
    sb_buf_init(&d);
    sb_buf_printf(&d,
                  "Shrunk by splitbrain shrink from the run %s (scenario %s, seed %llu): %s, "
                  "%.1f s -> %s, %.1f s; %s after %d candidates (%s). It misses its expect as "
                  "that run did: %s. It %s.",
                  dir, c->f.s->name, (unsigned long long)c->f.s->seed, before,
                  (double)orig->duration_ns / 1e9, after, (double)c->best.duration_ns / 1e9,
                  ends[st->end], c->candidates, ran > 0 ? "confirmed" : "not confirmed", fail,
                  ran > 0 ? rate : "was not replayed to confirm it");
    char name[96];
    snprintf(name, sizeof(name), "%.50s-shrunk", c->f.s->name);
    json_t *root = shrink_faults_scenario(&c->f, &c->best, name, d.data);
    sb_buf_free(&d);
    int rc = write_json(root, out, err);
    json_decref(root);
    if (rc == -1) {
        fprintf(stderr, "splitbrain shrink: %s\n", err);
        return SB_EXIT_ERROR;
    }
    if (c->progress_tty)
        fprintf(stderr, "\n");
    printf("%s, %.0f s -> %s, %.1f s; %s\n", before, (double)orig->duration_ns / 1e9, after,
           (double)c->best.duration_ns / 1e9, rate);
    printf("  failure kept: %s\n", fail);
    if (c->best.rate != orig->rate)
        printf("  workload rate: %.0f -> %.0f operations/s\n", orig->rate, c->best.rate);
    printf("  %d candidates in %.0f s (%s); scenario: %s; log: %s\n", c->candidates,
           (double)(sb_now_ns() - c->start_ns) / 1e9, ends[st->end], out, logp);
    return SB_EXIT_OK;
}

int cmd_shrink(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(usage_shrink, stdout);
        return SB_EXIT_OK;
    }
    shrink_ctx *c = sb_xcalloc(1, sizeof(*c));
    c->attempts = 3;
    c->confirm = 5;
    c->jobs = 1;
    c->redis_server = SB_DEFAULT_REDIS_SERVER;
    c->progress_tty = isatty(STDERR_FILENO);
    int64_t budget = 10 * 60 * SB_NS_PER_S;
    const char *out = NULL;
    char dir[4200], out_buf[4200], logp[4300], err[SB_ERR_LEN];
    shrink_sched orig = {0};
    sb_scenario *s = NULL;
    int status = SB_EXIT_ERROR;
    if (shrink_options(argc, argv, c, &budget, &out) == -1)
        goto done;
    if (load_run(c, argv[optind], dir, sizeof(dir), &orig, &s) != SB_EXIT_OK)
        goto done;
    if (geteuid() != 0) {
        fprintf(stderr, "splitbrain shrink: needs root to replay runs on network namespaces; run "
                        "it as root (e.g. with sudo)\n");
        goto done;
    }
    if (!out) {
        snprintf(out_buf, sizeof(out_buf), "%s-shrunk.json", s->name);
        out = out_buf;
    }
    snprintf(logp, sizeof(logp), "%.*s.log",
             (int)(strlen(out) > 5 && !strcmp(out + strlen(out) - 5, ".json") ? strlen(out) - 5
                                                                              : strlen(out)),
             out);
    char out_abs[4096];
    if (sb_path_absolute(out, out_abs, sizeof(out_abs), err) == -1) {
        fprintf(stderr, "splitbrain shrink: --out %s: %s\n", out, err);
        goto done;
    }
    snprintf(c->work, sizeof(c->work), "%s.replays", out_abs);
    if (strlen(out_abs) > 5 && !strcmp(out_abs + strlen(out_abs) - 5, ".json"))
        snprintf(c->work, sizeof(c->work), "%.*s.replays", (int)strlen(out_abs) - 5, out_abs);
    if (sb_mkdir_p(c->work, err) == -1 || !(c->log = fopen(logp, "w"))) {
        fprintf(stderr, "splitbrain shrink: %s: %s\n", c->log ? c->work : logp,
                c->log ? err : strerror(errno));
        goto done;
    }
    start_signal_thread();
    c->start_ns = sb_now_ns();
    shrink_sched_copy(&c->best, &orig);
    char fail[512];
    failure_describe(&c->fail, fail, sizeof(fail));
    fprintf(c->log, "# splitbrain shrink %s: %zu faults, %.1f s; keeping: %s\n", dir, orig.n,
            (double)orig.duration_ns / 1e9, fail);
    fprintf(c->log, "# attempts %d, confirm %d, jobs %d, budget %.3g s\n", c->attempts, c->confirm,
            c->jobs, (double)budget / 1e9);
    for (size_t i = 0; i < c->f.n; i++)
        if (c->f.units[i].random_shape)
            fprintf(c->log,
                    "# fault %zu: a %s partition that \"groups\" cannot say; its shape is "
                    "drawn again in every replay\n",
                    i, json_string_value(json_object_get(c->f.units[i].spec, "shape")));
    shrink_opts so = {.budget_ns = budget};
    shrink_stats st;
    shrink_sched best;
    shrink_search(&orig, &so, test_candidate, c, &best, &st);
    shrink_sched_free(&c->best);
    c->best = best;
    int same = 0, ran = 0;
    if (!stop_flag && c->confirm > 0)
        confirm(c, &orig, &same, &ran);
    status = write_result(c, &orig, dir, out, logp, &st, same, ran);
    fprintf(c->log, "# %d candidates, %.1f s%s\n", c->candidates,
            (double)(sb_now_ns() - c->start_ns) / 1e9, stop_flag ? ", stopped" : "");
    if (stop_flag && status == SB_EXIT_OK) {
        fprintf(stderr, "splitbrain shrink: stopped; the best schedule so far is in %s\n", out);
        status = SB_EXIT_ERROR; /* interrupted, as run says it */
    }
    sb_rm_rf(c->work, err);
done:
    if (c->log)
        fclose(c->log);
    shrink_sched_free(&orig);
    free_ctx(c);
    free(c);
    if (s)
        scenario_free(s);
    return status;
}
