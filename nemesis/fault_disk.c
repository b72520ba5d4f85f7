/* fault_disk.c -- the disk family, on the data folders of redis:
 *   power-loss: every redis-server and sentinel of a target host is
 *     SIGKILLed at once, then each redis data folder is set back to exactly
 *     what the process had made durable (the file-system layer's journal,
 *     base/diskloss.c). No undo of the files: the processes stay down until
 *     a restart fault or the final heal starts them on what is left;
 *   torn-write: the same, keeping a prefix of the last unsynced append
 *     (its length seeded unless given): one code path, power-loss with torn;
 *   disk-full: writes to the folder fail with ENOSPC (after N more bytes)
 *     until the fault is undone or the final heal;
 *   corrupt: bytes flipped at seeded positions in, or bytes cut off the end
 *     of, the AOF (its last incr file) or the RDB of a stopped redis.
 * The history gets, per host, the files touched and the bytes dropped or
 * changed. A redis restarted on damaged files may refuse to start: the
 * restart's record then carries the node's own fatal lines. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nemesis_internal.h"

/* Kills the processes of host h (all of them: the host lost power). */
static int disk_kill_host(sb_nemesis *n, int h, char *err)
{
    for (int k = SB_PROC_REDIS; k <= SB_PROC_SENTINEL; k++) {
        sb_proc *p = deploy_proc(n->deploy, h, (sb_proc_kind)k);
        if (!p || !lab_proc_running(p))
            continue;
        pthread_mutex_lock(&n->lock);
        int rc = lab_proc_kill(p, err);
        if (rc == 0) {
            n->killed[h][k] = 1;
            n->paused[h][k] = 0;
        }
        pthread_mutex_unlock(&n->lock);
        if (rc == -1)
            return -1;
    }
    return 0;
}

/* Host h's report (sbdiskctl's JSON line in rep) as the i-th entry of a
 * list: {"host": ..., "disk": {...}}. */
static void disk_report(const sb_nemesis *n, sb_buf *v, size_t i, int h, sb_buf *rep)
{
    while (rep->len && rep->data[rep->len - 1] == '\n')
        rep->data[--rep->len] = '\0';
    sb_buf_puts(v, i ? ",{\"host\":" : "{\"host\":");
    sb_buf_json_string(v, host_name(n, h));
    sb_buf_printf(v, ",\"disk\":%s}", rep->data);
}

int nemesis_disk_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (!deploy_disk_layer(n->deploy)) {
        sb_err_set(err, "redis runs without the file-system layer");
        return -1;
    }
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    /* The fault as given, so that a replay (shrink) can give it again. */
    if (f->torn && f->torn_bytes >= 0)
        sb_buf_printf(v, ",\"torn\":%lld", (long long)f->torn_bytes);
    else if (f->torn)
        sb_buf_puts(v, ",\"torn\":\"random\"");
    for (size_t i = 0; i < r->n; i++)
        if (disk_kill_host(n, r->host[i], err) == -1)
            return -1;
    sb_buf_puts(v, ",\"losses\":[");
    for (size_t i = 0; i < r->n; i++) {
        char dir[4096], num[32];
        deploy_redis_dir(n->deploy, r->host[i], dir, sizeof(dir));
        /* drawn for every host, torn or not: the same seed, the same run */
        uint64_t seed = sb_rng_next(&n->rng);
        char *argv[4] = {"power-loss", NULL, NULL, NULL};
        if (f->torn && f->torn_bytes >= 0) {
            snprintf(num, sizeof(num), "%lld", (long long)f->torn_bytes);
            argv[1] = "torn";
            argv[2] = num;
        } else if (f->torn || f->kind == SB_FAULT_TORN_WRITE) {
            snprintf(num, sizeof(num), "%llu", (unsigned long long)seed);
            argv[1] = "torn-seed";
            argv[2] = num;
        }
        sb_buf rep;
        sb_buf_init(&rep);
        int rc = lab_disk(n->lab, r->host[i], dir, argv, &rep, err);
        if (rc == 0)
            disk_report(n, v, i, r->host[i], &rep);
        sb_buf_free(&rep);
        if (rc == -1)
            return -1;
    }
    sb_buf_puts(v, "]");
    return 0;
}

/* ====== Upkeep: compaction ====== */

#define DISK_COMPACT_NS (30 * SB_NS_PER_S)
#define DISK_COMPACT_ROOM_NS (5 * SB_NS_PER_S) /* free time it needs before a fault */

void nemesis_upkeep(sb_nemesis *n, int64_t next_fault_ns)
{
    if (!deploy_disk_layer(n->deploy))
        return;
    int64_t now = sb_now_ns();
    if (!n->disk_compacted_ns)
        n->disk_compacted_ns = now; /* the first one a period after the start */
    if (now - n->disk_compacted_ns < DISK_COMPACT_NS ||
        (next_fault_ns != INT64_MAX && next_fault_ns - now < DISK_COMPACT_ROOM_NS))
        return;
    n->disk_compacted_ns = now;
    for (size_t h = 0; h < n->s->n_hosts; h++) {
        if (!deploy_proc(n->deploy, (int)h, SB_PROC_REDIS))
            continue;
        char dir[4096], err[SB_ERR_LEN] = "";
        char *argv[] = {"compact", NULL};
        deploy_redis_dir(n->deploy, (int)h, dir, sizeof(dir));
        sb_buf out;
        sb_buf_init(&out);
        lab_disk(n->lab, (int)h, dir, argv, &out, err); /* in lab.log, come what may */
        sb_buf_free(&out);
    }
}

/* ====== disk-full ====== */

static int disk_set_full(sb_nemesis *n, int h, int full, int64_t after, char *err)
{
    char dir[4096];
    char num[32];
    deploy_redis_dir(n->deploy, h, dir, sizeof(dir));
    snprintf(num, sizeof(num), "%lld", (long long)after);
    char *argv[] = {full ? "full" : "heal", full && after >= 0 ? num : NULL, NULL};
    sb_buf none;
    sb_buf_init(&none);
    int rc = lab_disk(n->lab, h, dir, argv, &none, err);
    sb_buf_free(&none);
    if (rc == -1)
        return -1;
    pthread_mutex_lock(&n->lock);
    n->disk_full[h] = full;
    pthread_mutex_unlock(&n->lock);
    return 0;
}

int nemesis_disk_full_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (!deploy_disk_layer(n->deploy)) {
        sb_err_set(err, "redis runs without the file-system layer");
        return -1;
    }
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    sb_buf_puts(v, ",\"folders\":[");
    for (size_t i = 0; i < r->n; i++) {
        char dir[4096];
        deploy_redis_dir(n->deploy, r->host[i], dir, sizeof(dir));
        sb_buf_puts(v, i ? "," : "");
        sb_buf_json_string(v, dir);
    }
    sb_buf_printf(v, "],\"after_bytes\":%lld", (long long)(f->full_after < 0 ? 0 : f->full_after));
    for (size_t i = 0; i < r->n; i++)
        if (disk_set_full(n, r->host[i], 1, f->full_after, err) == -1)
            return -1;
    return 0;
}

int nemesis_disk_full_undo(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    (void)f;
    nemesis_targets_json(n, r, v);
    for (size_t i = 0; i < r->n; i++)
        if (n->disk_full[r->host[i]] && disk_set_full(n, r->host[i], 0, 0, err) == -1)
            return -1;
    return 0;
}

int nemesis_disk_heal(sb_nemesis *n, int h, char *err)
{
    return disk_set_full(n, h, 0, 0, err);
}

/* ====== corrupt ====== */

int nemesis_corrupt_apply(sb_nemesis *n, const sb_fault *f, resolved *r, sb_buf *v, char *err)
{
    if (nemesis_resolve_procs(n, f, r, err) == -1)
        return -1;
    nemesis_targets_json(n, r, v);
    /* The fault as given, so that a replay (shrink) can give it again. */
    sb_buf_printf(v, ",\"file\":\"%s\"", f->corrupt_rdb ? "rdb" : "aof");
    if (f->corrupt_truncate >= 0)
        sb_buf_printf(v, ",\"truncate\":%lld", (long long)f->corrupt_truncate);
    else
        sb_buf_printf(v, ",\"flip\":%d", f->corrupt_flip);
    for (size_t i = 0; i < r->n; i++) {
        sb_proc *p = deploy_proc(n->deploy, r->host[i], SB_PROC_REDIS);
        if (p && lab_proc_running(p)) {
            sb_err_set(err,
                       "corrupt acts on the files of a stopped redis; redis on %s is running "
                       "(kill it or cut its power first)",
                       host_name(n, r->host[i]));
            return -1;
        }
    }
    sb_buf_puts(v, ",\"changes\":[");
    for (size_t i = 0; i < r->n; i++) {
        char dir[4096], x[32], seed[32];
        deploy_redis_dir(n->deploy, r->host[i], dir, sizeof(dir));
        snprintf(seed, sizeof(seed), "%llu", (unsigned long long)sb_rng_next(&n->rng));
        char *argv[] = {"corrupt", f->corrupt_rdb ? "rdb" : "aof", "flip", x, seed, NULL};
        if (f->corrupt_truncate >= 0) {
            argv[2] = "cut";
            argv[4] = NULL;
            snprintf(x, sizeof(x), "%lld", (long long)f->corrupt_truncate);
        } else {
            snprintf(x, sizeof(x), "%d", f->corrupt_flip);
        }
        sb_buf rep;
        sb_buf_init(&rep);
        int rc = lab_disk(n->lab, r->host[i], dir, argv, &rep, err);
        /* What is in the folder now is what the next power loss starts from. */
        char *init[] = {"init", NULL};
        sb_buf none;
        sb_buf_init(&none);
        if (rc == 0 && deploy_disk_layer(n->deploy))
            rc = lab_disk(n->lab, r->host[i], dir, init, &none, err);
        sb_buf_free(&none);
        if (rc == 0)
            disk_report(n, v, i, r->host[i], &rep);
        sb_buf_free(&rep);
        if (rc == -1)
            return -1;
    }
    sb_buf_puts(v, "]");
    return 0;
}

/* ====== Restarts on damaged files ====== */

#define DISK_START_WAIT_NS 3000000000LL /* a refusal comes right after loading */
#define DISK_FATAL_LINES 2
#define DISK_LOG_WAIT_NS 2000000000LL

/* The first DISK_FATAL_LINES warning lines ("# ...") of redis's log on
 * host h since its last "Server initialized" into first: why the server
 * gave up (the load error, then Redis's own verdict). How many. */
static int disk_fatal_lines(sb_nemesis *n, int h, char first[DISK_FATAL_LINES][1024])
{
    char dir[4096], path[4200], line[1024];
    int nf = 0;
    deploy_redis_dir(n->deploy, h, dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/redis.log", dir);
    FILE *fp = fopen(path, "r");
    while (fp && fgets(line, sizeof(line), fp)) {
        char *mark = strstr(line, " # ");
        if (!mark)
            continue;
        if (strstr(mark, "Server initialized")) {
            nf = 0;
            continue;
        }
        line[strcspn(line, "\n")] = '\0';
        if (nf == DISK_FATAL_LINES || strstr(mark, "WARNING") ||
            !strpbrk(mark, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            continue;
        snprintf(first[nf++], 1024, "%s", mark + 3);
    }
    if (fp)
        fclose(fp);
    return nf;
}

/* Those lines as one JSON string. A remote host's log reaches the local
 * copy a moment after the server wrote it (the lab's log mirror): waited
 * for, up to DISK_LOG_WAIT_NS. */
static void disk_fatal_json(sb_nemesis *n, int h, sb_buf *v)
{
    char first[DISK_FATAL_LINES][1024] = {{0}};
    int64_t end = sb_now_ns() + DISK_LOG_WAIT_NS;
    int nf;
    while (!(nf = disk_fatal_lines(n, h, first)) && sb_now_ns() < end)
        sb_sleep_ns(50000000LL);
    sb_buf text;
    sb_buf_init(&text);
    for (int i = 0; i < nf; i++)
        sb_buf_printf(&text, "%s%s", text.len ? " / " : "", first[i]);
    sb_buf_json_string(v, text.len ? text.data : "(no warning in redis.log)");
    sb_buf_free(&text);
}

/* Whether redis on h, just restarted, is up: answers (even -LOADING) 1,
 * exited 0; still neither at the deadline counts as up. */
static int disk_started(sb_nemesis *n, int h)
{
    sb_proc *p = deploy_proc(n->deploy, h, SB_PROC_REDIS);
    int64_t end = sb_now_ns() + DISK_START_WAIT_NS;
    while (sb_now_ns() < end) {
        if (!p || !lab_proc_running(p))
            return 0;
        char e[SB_ERR_LEN];
        redisContext *c = deploy_connect_oob(n->deploy, h, SB_PROC_REDIS, 200000000LL, e);
        if (c) {
            redisReply *rep = redisCommand(c, "PING");
            int up = rep != NULL;
            if (rep)
                freeReplyObject(rep);
            redisFree(c);
            if (up)
                return 1;
        }
        sb_sleep_ns(50000000LL);
    }
    return 1;
}

void nemesis_disk_restart_outcome(sb_nemesis *n, const resolved *r, sb_buf *v)
{
    int any = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->kind[i] != SB_PROC_REDIS || disk_started(n, r->host[i]))
            continue;
        sb_buf_puts(v, any++ ? ",{\"host\":" : ",\"refused_start\":[{\"host\":");
        sb_buf_json_string(v, host_name(n, r->host[i]));
        sb_buf_puts(v, ",\"fatal\":");
        disk_fatal_json(n, r->host[i], v);
        sb_buf_puts(v, "}");
    }
    if (any)
        sb_buf_puts(v, "]");
}
