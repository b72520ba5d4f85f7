/* controller.c -- the life of one run: lab, deployment, workers, nemesis
 * schedule, heal, convergence, final read, teardown, results. */
#define _GNU_SOURCE
#include "controller.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "cluster_slots.h"
#include "deploy.h"
#include "history.h"
#include "lab.h"
#include "logevents.h"
#include "nemesis.h"
#include "observer.h"
#include "worker_ext.h"
#include "workload.h"

#define PROGRESS_TTY_NS (200 * SB_NS_PER_MS)
#define PROGRESS_PLAIN_NS (5 * SB_NS_PER_S)
#define TICK_NS (50 * SB_NS_PER_MS)
/* After a failed master discovery a worker waits this long (or its
 * timeout, if shorter) before trying again, so an unavailable deployment
 * shows up as a steady trickle of fail operations, not a flood. */
#define DISCOVERY_BACKOFF_NS (100 * SB_NS_PER_MS)
/* A worker that falls this far behind its rate schedule restarts the
 * schedule from now instead of bursting to catch up. */
#define MAX_LAG_NS (1 * SB_NS_PER_S)

typedef struct run run;

typedef struct worker {
    run *r;
    int process;
    const sb_client *spec;
    pthread_t thread;
    int started;
} worker;

struct run {
    const sb_scenario *s;
    const sb_run_opts *o;
    const sb_workload_kind *wk;
    sb_lab *lab;
    sb_deploy *deploy;
    sb_recorder *rec;
    sb_logtail *logtail;   /* node log events into the history */
    sb_observer *observer; /* roles, sentinel views, slot claims into the history */
    char run_dir[4096];
    sb_nemesis *nemesis;
    worker *workers;
    int n_workers;
    int64_t start_ns, end_ns; /* workload window, monotonic */
    atomic_int workload_stop;
    atomic_int aborted; /* a signal or a fault that could not be applied */
    pthread_mutex_t err_lock;
    char err[SB_ERR_LEN]; /* first asynchronous error */
    pthread_t nemesis_thread;
    int nemesis_started;
    atomic_int faults_applied;
    atomic_int workload_over; /* the workers are done: the nemesis thread may end */
    sb_phases *ph;            /* after the workload: what it is doing, for people */
    sb_phases own_ph;         /* when the caller gave none */
};

static int stop_requested(run *r)
{
    return (r->o->stop && *r->o->stop) || atomic_load(&r->aborted);
}

static void run_fail(run *r, const char *msg)
{
    pthread_mutex_lock(&r->err_lock);
    if (!r->err[0])
        snprintf(r->err, sizeof(r->err), "%s", msg);
    pthread_mutex_unlock(&r->err_lock);
    atomic_store(&r->aborted, 1);
}

/* Sleeps until the monotonic time t or until the run is told to stop. */
static void sleep_until(run *r, int64_t t)
{
    for (;;) {
        int64_t now = sb_now_ns();
        if (now >= t || atomic_load(&r->workload_stop) || stop_requested(r))
            return;
        sb_sleep_ns(t - now < TICK_NS ? t - now : TICK_NS);
    }
}

/* ====== Workers ====== */

/* The pacing of worker w: the time of its first operation, and the
 * interval between its operations (0: as fast as it can). */
static int64_t worker_interval(const run *r)
{
    return r->s->workload.rate > 0 ? (int64_t)((double)r->n_workers * 1e9 / r->s->workload.rate)
                                   : 0;
}

/* Waits for the next operation's time; 0 when the worker should stop. */
static int worker_pace(run *r, int64_t interval, int64_t *next)
{
    if (interval) {
        int64_t now = sb_now_ns();
        if (now - *next > MAX_LAG_NS)
            *next = now;
        sleep_until(r, *next);
        *next += interval;
    }
    return !(atomic_load(&r->workload_stop) || stop_requested(r) || sb_now_ns() >= r->end_ns);
}

/* The time of worker w's first operation: the workers staggered over one
 * interval, so that a rate is smooth. */
static int64_t worker_first(const run *r, const worker *w, int64_t interval)
{
    return r->start_ns + (interval * w->process) / (r->n_workers ? r->n_workers : 1);
}

/* Records op's completion by process, with outcome o. */
/* why is the error of a fail or info; of an ok, only a note the workload
 * made on purpose (SB_APPLIED_TWICE) is kept, so ok_note says whether why
 * can hold one. */
static void record_completion(run *r, int process, sb_outcome o, const sb_wop *op,
                              const sb_buf *out, const char *node, const char *why, int ok_note)
{
    sb_op_type t = o == SB_OUTCOME_OK ? SB_OP_OK : o == SB_OUTCOME_FAIL ? SB_OP_FAIL : SB_OP_INFO;
    const char *error = o != SB_OUTCOME_OK ? why : ok_note && why && why[0] ? why : NULL;
    recorder_record(r->rec, process, t, op->f, out->len ? out->data : op->value,
                    node && node[0] ? node : NULL, error);
}

/* A worker of a group with an external client (worker_ext.h). */
static void worker_ext_loop(worker *w)
{
    run *r = w->r;
    char err[SB_ERR_LEN];
    sb_ext_worker x = {.s = r->s,
                       .spec = w->spec,
                       .lab = r->lab,
                       .wk = r->wk,
                       .rec = r->rec,
                       .slot = w->process,
                       .process = w->process,
                       .n_workers = r->n_workers};
    char dir[PATH_MAX], file[96];
    snprintf(file, sizeof(file), "%s-%d.log", w->spec->ext_name, w->process);
    if (sb_path_join(dir, sizeof(dir), r->run_dir, "clients", NULL) == -1 ||
        sb_path_join(x.log_path, sizeof(x.log_path), dir, file, NULL) == -1) {
        run_fail(r, "the run folder's path is too long for the clients' logs");
        return;
    }
    if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
        sb_err_set(err, "mkdir %s: %s", dir, strerror(errno));
        run_fail(r, err);
        return;
    }
    if (ext_worker_start(&x, err) == -1) {
        run_fail(r, err);
        return;
    }
    int64_t interval = worker_interval(r);
    int64_t next = worker_first(r, w, interval);
    sb_buf out;
    sb_buf_init(&out);
    for (uint64_t seq = 0; worker_pace(r, interval, &next); seq++) {
        sb_wop op;
        r->wk->generate(&r->s->workload, w->process, r->n_workers, seq, &op);
        recorder_record(r->rec, x.process, SB_OP_INVOKE, op.f, op.value, NULL, NULL);
        char why[512] = "";
        int broken = 0;
        sb_buf_reset(&out);
        sb_outcome o = ext_worker_apply(&x, &op, &out, why, sizeof(why), &broken);
        record_completion(r, x.process, o, &op, &out, x.node, why, 1);
        if (broken && !stop_requested(r) && ext_worker_restart(&x, why, err) == -1) {
            run_fail(r, err);
            break;
        }
    }
    sb_buf_free(&out);
    ext_worker_stop(&x);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    char err[SB_ERR_LEN];
    if (lab_enter(r->lab, w->spec->host, err) == -1) {
        run_fail(r, err);
        return NULL;
    }
    if (w->spec->ext_argv) {
        worker_ext_loop(w);
        return NULL;
    }
    const sb_deployment *dep = &r->s->deployment;
    sb_client_cfg cfg = {
        .lab = r->lab,
        .sentinels = w->spec->sentinels.idx,
        .n_sentinels = w->spec->sentinels.n,
        .sentinel_port = dep->sentinel_port,
        .master_name = dep->master_name,
        .timeout_ns = w->spec->timeout_ns,
        .connect_timeout_ns = w->spec->connect_timeout_ns,
        .direct_host = dep->master,
        .redis_port = dep->redis_port,
        .cluster = dep->kind == SB_DEPLOY_CLUSTER,
        .nodes = dep->redis.idx,
        .n_nodes = dep->redis.n,
        .subscribe = w->spec->discovery_subscribe,
    };
    sb_sentinel_client c;
    client_init(&c, &cfg);
    sb_wctx x = {.c = &c, .s = r->s, .lab = r->lab, .process = w->process, .rec = r->rec};
    if (r->wk->worker_new)
        x.state = r->wk->worker_new(r->s, w->process);
    int64_t interval = worker_interval(r);
    int64_t next = worker_first(r, w, interval);
    sb_buf out;
    sb_buf_init(&out);
    for (uint64_t seq = 0; worker_pace(r, interval, &next); seq++) {
        sb_wop op;
        r->wk->generate(&r->s->workload, w->process, r->n_workers, seq, &op);
        recorder_record(r->rec, w->process, SB_OP_INVOKE, op.f, op.value, NULL, NULL);
        char why[512];
        sb_buf_reset(&out);
        sb_outcome o = r->wk->apply(&r->s->workload, &x, &op, &out, why, sizeof(why));
        const char *node = client_node(&c);
        const char *wnode = r->wk->node ? r->wk->node(x.state, r->lab) : NULL;
        if (wnode)
            node = wnode;
        record_completion(r, w->process, o, &op, &out, node, why, 0);
        if (o == SB_OUTCOME_FAIL && !node[0]) {
            int64_t backoff = w->spec->timeout_ns < DISCOVERY_BACKOFF_NS ? w->spec->timeout_ns
                                                                         : DISCOVERY_BACKOFF_NS;
            sleep_until(r, sb_now_ns() + backoff);
        }
    }
    sb_buf_free(&out);
    if (cfg.cluster) {
        long moved, ask;
        char v[96];
        cluster_counts(&c, &moved, &ask);
        snprintf(v, sizeof(v), "{\"process\":%d,\"moved\":%ld,\"ask\":%ld}", w->process, moved,
                 ask);
        recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "redirects", v, NULL, NULL);
    }
    if (r->wk->worker_free)
        r->wk->worker_free(x.state);
    client_close(&c);
    return NULL;
}

static int start_workers(run *r, char *err)
{
    const sb_scenario *s = r->s;
    for (size_t i = 0; i < s->n_clients; i++)
        r->n_workers += s->clients[i].workers;
    r->workers = sb_xcalloc((size_t)r->n_workers, sizeof(worker));
    int p = 0;
    for (size_t i = 0; i < s->n_clients; i++)
        for (int k = 0; k < s->clients[i].workers; k++, p++)
            r->workers[p] = (worker){.r = r, .process = p, .spec = &s->clients[i]};
    for (int i = 0; i < r->n_workers; i++) {
        int e = pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]);
        if (e) {
            sb_err_set(err, "pthread_create(worker %d): %s", i, strerror(e));
            return -1;
        }
        r->workers[i].started = 1;
    }
    return 0;
}

static void join_workers(run *r)
{
    atomic_store(&r->workload_stop, 1);
    for (int i = 0; i < r->n_workers; i++)
        if (r->workers[i].started) {
            pthread_join(r->workers[i].thread, NULL);
            r->workers[i].started = 0;
        }
}

/* ====== Nemesis schedule ====== */

static void *nemesis_main(void *arg)
{
    run *r = arg;
    for (size_t i = 0; i < r->s->n_faults; i++) {
        const sb_fault *f = &r->s->faults[i];
        /* Faults run on their own clock: the schedule holds even when the
         * workload ended early, so every fault happens or the run aborts. */
        while (sb_now_ns() < r->start_ns + f->at_ns && !stop_requested(r)) {
            nemesis_upkeep(r->nemesis, r->start_ns + f->at_ns);
            sb_sleep_ns(TICK_NS);
        }
        if (stop_requested(r))
            return NULL;
        char err[SB_ERR_LEN];
        if (nemesis_apply(r->nemesis, f, err) == -1) {
            char msg[SB_ERR_LEN];
            snprintf(msg, sizeof(msg), "fault at line %d could not be applied: %.440s", f->line,
                     err);
            run_fail(r, msg);
            return NULL;
        }
        atomic_fetch_add(&r->faults_applied, 1);
    }
    /* upkeep until the workload is over */
    while (!atomic_load(&r->workload_over) && !stop_requested(r)) {
        nemesis_upkeep(r->nemesis, INT64_MAX);
        sb_sleep_ns(TICK_NS);
    }
    return NULL;
}

/* ====== Progress ====== */

static void progress_line(run *r, int tty, int final)
{
    uint64_t ok, fail, info;
    recorder_counts(r->rec, &ok, &fail, &info);
    char faults[256];
    nemesis_describe(r->nemesis, faults, sizeof(faults));
    double el = (double)(sb_now_ns() - r->start_ns) / 1e9;
    double total = (double)r->s->duration_ns / 1e9;
    if (el > total)
        el = total;
    fprintf(stderr, "%s[%5.1fs/%.1fs] %s: ok %llu fail %llu info %llu%s%s%s", tty ? "\r\033[K" : "",
            el, total, r->s->name, (unsigned long long)ok, (unsigned long long)fail,
            (unsigned long long)info, faults[0] ? "  faults: " : "", faults,
            tty && !final ? "" : "\n");
    fflush(stderr);
}

static void detail_with_names(const run *r, const char *detail, char *out, size_t len);

/* After the workload the run goes quiet for people (healing, convergence,
 * the final read, then the caller's checking and reports): each phase gets
 * a line with its elapsed time, live on a terminal. */
static void phase_line(sb_phases *p, const char *detail, int done)
{
    double run_s = (double)(sb_now_ns() - p->start_ns) / 1e9;
    double el = (double)(sb_now_ns() - p->phase_ns) / 1e9;
    fprintf(stderr, "%s[%5.1fs] %s: %s %s%.1fs%s%s%s", p->tty ? "\r\033[K" : "", run_s, p->name,
            p->phase, done ? "done in " : "", el, detail && detail[0] ? " (" : "",
            detail ? detail : "", detail && detail[0] ? ")" : "");
    fputs(p->tty && !done ? "" : "\n", stderr);
    fflush(stderr);
}

void phases_end(sb_phases *p)
{
    if (p->phase)
        phase_line(p, NULL, 1);
    p->phase = NULL;
}

/* Live on a terminal from now on; elsewhere its line comes when it ends
 * (and, for convergence, whenever what it waits for changes). */
void phases_start(sb_phases *p, const char *phase)
{
    phases_end(p);
    p->phase = phase;
    p->phase_ns = sb_now_ns();
    p->shown_ns = 0;
    p->why[0] = '\0';
    if (p->tty)
        phase_line(p, NULL, 0);
}

static void phase_start(run *r, const char *phase)
{
    phases_start(r->ph, phase);
}

/* Convergence progress: on a terminal every look (at most 4 a second);
 * otherwise only when what is missing changes, at most once a second. */
static void on_converge_progress(void *arg, const char *why)
{
    run *r = arg;
    int64_t now = sb_now_ns();
    int tty = r->ph->tty;
    int changed = strcmp(why, r->ph->why) != 0;
    if (now - r->ph->shown_ns < (tty ? SB_NS_PER_S / 4 : SB_NS_PER_S) || (!tty && !changed))
        return;
    snprintf(r->ph->why, sizeof(r->ph->why), "%s", why);
    r->ph->shown_ns = now;
    char named[300];
    detail_with_names(r, why, named, sizeof(named));
    phase_line(r->ph, named, 0);
}

static void watch_workload(run *r)
{
    int tty = r->o->progress_tty;
    int64_t every = tty ? PROGRESS_TTY_NS : PROGRESS_PLAIN_NS;
    int64_t next = r->start_ns + every;
    int seen_faults = 0;
    while (sb_now_ns() < r->end_ns && !stop_requested(r)) {
        sb_sleep_ns(TICK_NS);
        int applied = atomic_load(&r->faults_applied);
        if (sb_now_ns() >= next || (!tty && applied != seen_faults)) {
            progress_line(r, tty, 0);
            next = sb_now_ns() + every;
            seen_faults = applied;
        }
    }
    progress_line(r, tty, 1);
}

/* ====== After the workload ====== */

static void record_topology(run *r, const char *f, int ok, const char *json, const char *error)
{
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_INVOKE, f, NULL, NULL, NULL);
    recorder_record(r->rec, SB_PROC_CONTROLLER, ok ? SB_OP_OK : SB_OP_FAIL, f, json, NULL, error);
}

/* Each host's address, so the report can name the nodes that log lines
 * give by address: {"n1":"10.77.0.11",...}. */
static void record_hosts(run *r)
{
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_puts(&b, "{");
    for (size_t i = 0; i < r->s->n_hosts; i++) {
        sb_buf_puts(&b, i ? "," : "");
        sb_buf_json_string(&b, lab_host_name(r->lab, (int)i));
        sb_buf_puts(&b, ":");
        sb_buf_json_string(&b, lab_host_addr(r->lab, (int)i));
    }
    sb_buf_puts(&b, "}");
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "hosts", b.data, NULL, NULL);
    sb_buf_free(&b);
}

/* Which client each worker runs: {"workers": 8, "groups": [{"client":
 * "built-in", "processes": [0,1,2,3]}, {"client": "redis-py", ...}]}
 * (client-restart ops add the new process ids of restarted programs). */
static void record_clients(run *r)
{
    sb_buf b;
    sb_buf_init(&b);
    int n = 0;
    for (size_t i = 0; i < r->s->n_clients; i++)
        n += r->s->clients[i].workers;
    sb_buf_printf(&b, "{\"workers\":%d,\"groups\":[", n);
    int p = 0;
    for (size_t i = 0; i < r->s->n_clients; i++) {
        const sb_client *c = &r->s->clients[i];
        sb_buf_puts(&b, i ? ",{\"client\":" : "{\"client\":");
        sb_buf_json_string(&b, c->ext_argv ? c->ext_name : "built-in");
        sb_buf_puts(&b, ",\"processes\":[");
        for (int k = 0; k < c->workers; k++, p++)
            sb_buf_printf(&b, "%s%d", k ? "," : "", p);
        sb_buf_puts(&b, "]}");
    }
    sb_buf_puts(&b, "]}");
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "clients", b.data, NULL, NULL);
    sb_buf_free(&b);
}

static void final_read(run *r, int master)
{
    char err[SB_ERR_LEN];
    const char *node = lab_host_name(r->lab, master);
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_INVOKE, "read", NULL, node, NULL);
    sb_fread fr;
    memset(&fr, 0, sizeof(fr));
    int cluster = r->s->deployment.kind == SB_DEPLOY_CLUSTER;
    if (cluster)
        fr.deploy = r->deploy; /* every key from its slot's owner */
    else
        fr.rc =
            deploy_connect_oob(r->deploy, master, SB_PROC_REDIS, SB_OOB_CONNECT_TIMEOUT_NS, err);
    sb_buf value;
    sb_buf_init(&value);
    if ((cluster || fr.rc) && r->wk->final_read(&r->s->workload, &fr, &value, err) == 0)
        recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "read", value.data, node, NULL);
    else
        recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_FAIL, "read", NULL, node, err);
    sb_buf_free(&value);
    if (fr.rc)
        redisFree(fr.rc);
    fread_close(&fr);
}

/* Heals, waits for convergence and reads the final state. Failures here are
 * results (recorded in the history), not harness errors. */
static void finish_workload(run *r)
{
    char err[SB_ERR_LEN];
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "workload-end", NULL, NULL, NULL);
    phase_start(r, "healing the faults");
    if (nemesis_heal_all(r->nemesis, err) == -1) {
        char msg[SB_ERR_LEN];
        snprintf(msg, sizeof(msg), "could not heal the faults: %.470s", err);
        run_fail(r, msg);
        return;
    }
    sb_topology topo;
    phase_start(r, "waiting for convergence");
    if (deploy_await_converged_watch(r->deploy, r->s->deployment.converge_timeout_ns, &topo,
                                     on_converge_progress, r, err) == 0) {
        record_topology(r, "converged", 1, topo.json, NULL);
        phase_start(r, "final read");
        final_read(r, topo.master);
    } else {
        record_topology(r, "converged", 0, NULL, err);
    }
    /* The origin's own count of what reached it (a herd is measured there). */
    if (!strcmp(r->s->workload.kind, "cache") &&
        cache_record_origin(r->s, r->lab, r->rec, err) == -1)
        recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_FAIL, "origin", NULL, NULL, err);
}

/* ====== Run folder ====== */

static int make_run_dir(const sb_scenario *s, const char *out_dir, char *dir, size_t len, char *err)
{
    if (sb_mkdir_p(out_dir, err) == -1)
        return -1;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(dir, len, "%s/%s-%s", out_dir, s->name, stamp);
        else
            snprintf(dir, len, "%s/%s-%s-%d", out_dir, s->name, stamp, n);
        if (mkdir(dir, 0755) == 0)
            return 0;
        if (errno != EEXIST) {
            sb_err_set(err, "mkdir(%s): %s", dir, strerror(errno));
            return -1;
        }
    }
    sb_err_set(err, "cannot find a free run folder name under %s", out_dir);
    return -1;
}

/* out_dir/latest names the newest run that recorded a history: a run that
 * failed to start keeps its folder (and its error) but does not move it.
 * The link is replaced atomically, so a reader never finds it missing. */
static void point_latest(const char *out_dir, const char *run_dir)
{
    char latest[4200], tmp[4200];
    snprintf(latest, sizeof(latest), "%s/latest", out_dir);
    snprintf(tmp, sizeof(tmp), "%s/.latest-%d", out_dir, (int)getpid());
    unlink(tmp);
    if (symlink(strrchr(run_dir, '/') + 1, tmp) == 0 && rename(tmp, latest) == -1)
        unlink(tmp); /* only a convenience: the run goes on without it */
}

static void rerun_command(const sb_scenario *s, const sb_run_opts *o, uint64_t seed, char *buf,
                          size_t len)
{
    snprintf(buf, len, "%s %s --seed %llu", o->rerun_prefix ? o->rerun_prefix : "splitbrain run",
             s->path, (unsigned long long)seed);
}

/* ====== The run ====== */

/* ====== Node log events ====== */

/* detail with every "ADDR PORT" (or ADDR) of a lab host replaced by the
 * host's name: "mymaster 10.77.0.10 6379 10.77.0.12 6379" -> "mymaster n1 n3". */
static void detail_with_names(const run *r, const char *detail, char *out, size_t len)
{
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", detail);
    out[0] = '\0';
    size_t o = 0;
    int skip_port = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (skip_port && strspn(t, "0123456789") == strlen(t)) {
            skip_port = 0;
            continue;
        }
        int h = lab_host_by_addr(r->lab, t);
        skip_port = h >= 0;
        const char *word = h >= 0 ? lab_host_name(r->lab, h) : t;
        int w = snprintf(out + o, len - o, "%s%s", o ? " " : "", word);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
}

/* Events that change who is master or whether sentinels act, shown on the
 * progress output as they are read, with the run's time. */
static void show_event(run *r, int host, sb_proc_kind kind, const sb_log_event *ev)
{
    static const char *const shown[] = {
        "+switch-master", "+odown", "-odown", "+tilt", "-tilt", "+failover-end", "+elected-leader"};
    int want = 0;
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
        want |= !strcmp(ev->name, shown[i]);
    if (!want)
        return;
    char named[300], what[320];
    detail_with_names(r, ev->detail, named, sizeof(named));
    char a[64], b[64];
    if (!strcmp(ev->name, "+switch-master") && sscanf(named, "%*s %63s %63s", a, b) == 2)
        snprintf(what, sizeof(what), "+switch-master %s -> %s", a, b);
    else
        snprintf(what, sizeof(what), "%s %s", ev->name, named);
    fprintf(stderr, "%s[%5.1fs] %s: %s %s@%s\n", r->o->progress_tty ? "\r\033[K" : "",
            (double)(sb_now_ns() - r->start_ns) / 1e9, r->s->name, what, scenario_proc_name(kind),
            r->s->hosts[host].name);
    fflush(stderr);
}

static void on_log_event(void *arg, int host, sb_proc_kind kind, const sb_log_event *ev,
                         const char *line)
{
    (void)line;
    run *r = arg;
    show_event(r, host, kind, ev);
    sb_buf v;
    sb_buf_init(&v);
    sb_buf_printf(&v, "{\"process\":\"%s\",\"detail\":", scenario_proc_name(kind));
    sb_buf_json_string(&v, ev->detail);
    sb_buf_puts(&v, "}");
    recorder_record(r->rec, SB_PROC_NODE, SB_OP_INFO, ev->name, v.data, r->s->hosts[host].name,
                    NULL);
    sb_buf_free(&v);
}

/* Tails every node's log from now on (start-up chatter is not part of the
 * history); logs of sentinels that start later are read from their start. */
static int start_logtail(run *r, char *err)
{
    if (!(r->logtail = logtail_start(on_log_event, r, err)))
        return -1;
    const sb_deployment *d = &r->s->deployment;
    const sb_hostset *sets[] = {&d->redis, &d->sentinels, &d->standby};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < sets[k]->n; i++) {
            int h = sets[k]->idx[i];
            const char *kn = k == 0 ? "redis" : "sentinel";
            char path[4400];
            snprintf(path, sizeof(path), "%s/nodes/%s/%s/%s.log", r->run_dir, r->s->hosts[h].name,
                     kn, kn);
            if (logtail_add(r->logtail, path, h, k == 0 ? SB_PROC_REDIS : SB_PROC_SENTINEL, 0,
                            err) == -1)
                return -1;
        }
    /* The events checker tells "the logs said nothing that matters" (valid,
     * 0 events) from "the logs were not read" (unknown) by this mark. */
    recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "logs-tailed", NULL, NULL, NULL);
    return 0;
}

static void teardown(run *r)
{
    atomic_store(&r->workload_stop, 1);
    if (r->nemesis_started) {
        atomic_store(&r->aborted, 1); /* the schedule thread stops at its next tick */
        pthread_join(r->nemesis_thread, NULL);
        r->nemesis_started = 0;
    }
    join_workers(r);
    observer_stop(r->observer);
    r->observer = NULL;
    logtail_stop(r->logtail); /* reads what the logs still hold */
    r->logtail = NULL;
    nemesis_free(r->nemesis);
    r->nemesis = NULL;
    if (r->deploy)
        deploy_free(r->deploy);
    r->deploy = NULL;
    if (r->lab)
        lab_destroy(r->lab);
    r->lab = NULL;
    free(r->workers);
    r->workers = NULL;
}

int controller_run(const sb_scenario *s, const sb_run_opts *o, sb_run_meta *out, char *err)
{
    memset(out, 0, sizeof(*out));
    run rr = {.s = s, .o = o};
    run *r = &rr;
    r->ph = o->phases ? o->phases : &r->own_ph;
    memset(r->ph, 0, sizeof(*r->ph));
    r->ph->name = s->name;
    r->ph->tty = o->progress_tty;
    pthread_mutex_init(&r->err_lock, NULL);
    r->wk = workload_find(s->workload.kind);
    uint64_t seed = o->has_seed ? o->seed : s->seed;
    sb_run_meta meta = {.seed = seed, .started_wall_ns = sb_wall_ns()};
    snprintf(meta.scenario, sizeof(meta.scenario), "%s", s->path ? s->path : "");
    char run_dir[4096], path[4200], hist_path[4200];
    int rc = -1;
    err[0] = '\0';

    if (o->out_dir[0] != '/') {
        sb_err_set(err, "the run folder's parent %s is not absolute", o->out_dir);
        goto out;
    }
    if (make_run_dir(s, o->out_dir, run_dir, sizeof(run_dir), err) == -1)
        goto out;
    snprintf(meta.run_dir, sizeof(meta.run_dir), "%s", run_dir);
    rerun_command(s, o, seed, meta.command, sizeof(meta.command));
    snprintf(path, sizeof(path), "%s/scenario.json", run_dir);
    if (sb_write_file(path, s->text, strlen(s->text), err) == -1)
        goto out;

    const char *names[SB_MAX_HOSTS];
    for (size_t i = 0; i < s->n_hosts; i++)
        names[i] = s->hosts[i].name;
    r->lab = s->ssh ? lab_create_remote(s->hosts, s->n_hosts, run_dir, err)
                    : lab_create(names, s->n_hosts, run_dir, err);
    if (!r->lab)
        goto out;
    snprintf(meta.run_id, sizeof(meta.run_id), "%s", lab_run_id(r->lab));
    if (stop_requested(r))
        goto interrupted;
    r->deploy = deploy_start(r->lab, s, run_dir,
                             o->redis_server ? o->redis_server : "/usr/bin/redis-server", err);
    if (!r->deploy)
        goto out;
    if (stop_requested(r))
        goto interrupted;

    sb_topology topo;
    if (deploy_await_converged(r->deploy, s->deployment.ready_timeout_ns, &topo, err) == -1)
        goto out;
    /* History time 0 is the start of the workload, so a fault "at 5s"
     * shows at 5.0s. */
    snprintf(hist_path, sizeof(hist_path), "%s/history.jsonl", run_dir);
    r->start_ns = sb_now_ns();
    r->ph->start_ns = r->start_ns;
    if (!(r->rec = recorder_open(hist_path, r->start_ns, err)))
        goto out;
    point_latest(o->out_dir, run_dir);
    record_topology(r, "ready", 1, topo.json, NULL);
    record_hosts(r);
    record_clients(r);
    if (!strcmp(s->workload.kind, "cache"))
        cache_record_config(s, r->rec);
    /* What the list-append checker judges by: a Redis master (one per
     * shard) promises its clients real-time order, so strict
     * serializability, as Elle assumes by default. */
    if (!strcmp(s->workload.kind, "list-append")) {
        char cfg[128];
        snprintf(cfg, sizeof(cfg), "{\"model\":\"%s\"}",
                 s->workload.model[0] ? s->workload.model : "strict-serializable");
        recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "list-append-config", cfg, NULL,
                        NULL);
    }
    snprintf(r->run_dir, sizeof(r->run_dir), "%s", run_dir);
    if (start_logtail(r, err) == -1)
        goto out;
    r->nemesis = nemesis_new(r->lab, r->deploy, s, r->rec);
    if (nemesis_preflight(r->nemesis, err) == -1)
        goto out;
    fprintf(stderr, "%s: seed %llu, %zu scheduled fault%s; rerun: %s\n", s->name,
            (unsigned long long)seed, s->n_faults, s->n_faults == 1 ? "" : "s", meta.command);
    r->end_ns = r->start_ns + s->duration_ns;
    if (start_workers(r, err) == -1)
        goto out;
    r->observer = observer_start(s, r->lab, r->deploy, r->rec);
    int e = pthread_create(&r->nemesis_thread, NULL, nemesis_main, r);
    if (e) {
        sb_err_set(err, "pthread_create(nemesis): %s", strerror(e));
        goto out;
    }
    r->nemesis_started = 1;
    watch_workload(r);
    join_workers(r);
    atomic_store(&r->workload_over, 1);
    pthread_join(r->nemesis_thread, NULL);
    r->nemesis_started = 0;
    if (stop_requested(r))
        goto interrupted;
    finish_workload(r);
    /* The observer watched heal, convergence and the final read too: a
     * split-brain window closes at the demotion it saw. */
    observer_stop(r->observer);
    r->observer = NULL;
    if (stop_requested(r))
        goto interrupted;
    rc = 0;
    goto out;

interrupted:
    if (!r->err[0])
        snprintf(r->err, sizeof(r->err), "interrupted by a signal; the lab was removed");
    sb_err_set(err, "%s", r->err);
out:
    if (rc == -1 && !err[0])
        sb_err_set(err, "%s", r->err[0] ? r->err : "the run failed");
    if (r->ph->phase)
        phase_start(r, "removing the lab");
    teardown(r);
    if (r->rec) {
        char cerr[SB_ERR_LEN];
        if (recorder_close(r->rec, cerr) == -1 && rc == 0) {
            sb_err_set(err, "%s", cerr);
            rc = -1;
        }
    }
    *out = meta;
    if (!o->phases)
        phases_end(r->ph);
    pthread_mutex_destroy(&r->err_lock);
    return rc;
}

int controller_run_workload(const sb_scenario *s, sb_lab *lab, sb_deploy *d, sb_recorder *rec,
                            int64_t start_ns, const char *dir, char *err)
{
    sb_run_opts quiet = {0};
    run rr = {.s = s, .o = &quiet, .lab = lab, .deploy = d, .rec = rec};
    run *r = &rr;
    r->ph = &r->own_ph;
    pthread_mutex_init(&r->err_lock, NULL);
    r->wk = workload_find(s->workload.kind);
    r->start_ns = start_ns;
    r->end_ns = start_ns + s->duration_ns;
    snprintf(r->run_dir, sizeof(r->run_dir), "%s", dir);
    int rc = start_workers(r, err);
    if (rc == 0)
        sleep_until(r, r->end_ns);
    join_workers(r);
    free(r->workers);
    if (rc == 0 && r->err[0]) {
        sb_err_set(err, "%s", r->err);
        rc = -1;
    }
    pthread_mutex_destroy(&r->err_lock);
    return rc;
}
