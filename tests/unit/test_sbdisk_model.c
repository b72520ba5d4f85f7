/* test_sbdisk_model.c -- the durability bookkeeping of the file-system
 * fault layer (base/disktrack.c, the code libsbdisk.so runs inside Redis)
 * and the power loss that reads it (base/diskloss.c), against a reference
 * model: sequences of open/write/pwrite/ftruncate/fsync/rename/unlink and
 * folder syncs run on real files through the layer and on the model, then
 * a power loss; the files left must be exactly the model's durable state.
 * The sequences are random (seeded) and, by hand, the one redis-server
 * 7.0.15 runs on start-up with appendonly yes, for BGREWRITEAOF and for
 * BGSAVE (captured with strace -f), cut after every call. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disktrack.h"
#include "diskloss.h"
#include "util.h"

/* ====== The reference model ====== */

#define M_NAMES 32
#define M_INOS 1024
#define M_SLOTS 4

typedef struct mbytes {
    unsigned char *p;
    size_t len;
} mbytes;

typedef struct model {
    mbytes cur[M_INOS], dur[M_INOS]; /* per inode: now, and as last synced */
    int ninos;
    const char *names[M_NAMES];
    int name_cur[M_NAMES], name_dur[M_NAMES]; /* inode, or -1 */
    int nnames;
    struct {
        int ino, append; /* ino -1: closed */
        size_t pos;
    } slot[M_SLOTS];
} model;

static void mb_set(mbytes *b, const mbytes *from)
{
    b->p = sb_xrealloc(b->p, from->len + 1);
    if (from->len)
        memcpy(b->p, from->p, from->len);
    b->len = from->len;
}

static void mb_resize(mbytes *b, size_t len)
{
    b->p = sb_xrealloc(b->p, len + 1);
    if (len > b->len)
        memset(b->p + b->len, 0, len - b->len);
    b->len = len;
}

static void mb_write(mbytes *b, size_t off, const void *data, size_t len)
{
    if (off + len > b->len)
        mb_resize(b, off + len);
    memcpy(b->p + off, data, len);
}

static int m_name(model *m, const char *name)
{
    for (int i = 0; i < m->nnames; i++)
        if (!strcmp(m->names[i], name))
            return i;
    assert_true(m->nnames < M_NAMES);
    m->names[m->nnames] = name;
    m->name_cur[m->nnames] = m->name_dur[m->nnames] = -1;
    return m->nnames++;
}

static int m_new_ino(model *m)
{
    assert_true(m->ninos < M_INOS);
    m->cur[m->ninos] = (mbytes){0};
    m->dur[m->ninos] = (mbytes){0};
    return m->ninos++;
}

static void m_free(model *m)
{
    for (int i = 0; i < m->ninos; i++) {
        free(m->cur[i].p);
        free(m->dur[i].p);
    }
}

static void m_dirname(const char *name, char *out)
{
    const char *s = strrchr(name, '/');
    size_t n = s ? (size_t)(s - name) : 0;
    memcpy(out, name, n);
    out[n] = 0;
}

/* ====== Operations on both ====== */

enum op_kind {
    OP_OPEN,
    OP_WRITE,
    OP_PWRITE,
    OP_TRUNC,
    OP_FSYNC,
    OP_CLOSE,
    OP_RENAME,
    OP_UNLINK,
    OP_DIRSYNC
};

typedef struct op {
    enum op_kind kind;
    int slot;
    const char *name, *name2; /* name2: rename's target */
    int flags;                /* OP_OPEN: O_TRUNC, O_APPEND */
    size_t len;               /* bytes to write, or length to truncate to */
    size_t off;               /* OP_PWRITE */
    const char *text;         /* bytes to write (NULL: made from the op) */
} op;

typedef struct rig {
    char dir[PATH_MAX];
    struct disktrack *t;
    model m;
    int fds[M_SLOTS];
} rig;

static void rig_path(const rig *r, const char *name, char *out)
{
    int n = snprintf(out, PATH_MAX, "%s%s%s", r->dir, name[0] ? "/" : "", name);
    assert_true(n > 0 && n < PATH_MAX);
}

static void op_bytes(const op *o, unsigned char *buf, uint64_t salt)
{
    if (o->text) {
        memcpy(buf, o->text, o->len);
        return;
    }
    sb_rng g;
    sb_rng_seed(&g, salt * 1000003u + o->len * 31u + o->off);
    for (size_t i = 0; i < o->len; i++)
        buf[i] = (unsigned char)('a' + sb_rng_next(&g) % 26);
}

static void rig_close(rig *r, int s)
{
    if (r->fds[s] == -1)
        return;
    assert_int_equal(disktrack_close(r->t, r->fds[s]), 0);
    r->fds[s] = -1;
    r->m.slot[s].ino = -1;
}

/* Runs o through the layer and on the model. Calls the model would refuse
 * (a write on a closed slot, a rename of a missing name) are skipped. */
static void rig_do(rig *r, const op *o, uint64_t salt)
{
    model *m = &r->m;
    char path[PATH_MAX], path2[PATH_MAX];
    unsigned char buf[4096];
    int s = o->slot, fd = r->fds[s];
    int mi = m->slot[s].ino;
    switch (o->kind) {
    case OP_OPEN: {
        rig_close(r, s);
        rig_path(r, o->name, path);
        int n = m_name(m, o->name);
        fd = disktrack_open(r->t, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC | o->flags, 0644);
        assert_true(fd >= 0);
        r->fds[s] = fd;
        if (m->name_cur[n] < 0)
            m->name_cur[n] = m_new_ino(m);
        mi = m->name_cur[n];
        if (o->flags & O_TRUNC)
            m->cur[mi].len = 0;
        m->slot[s].ino = mi;
        m->slot[s].append = (o->flags & O_APPEND) != 0;
        m->slot[s].pos = 0;
        break;
    }
    case OP_WRITE:
    case OP_PWRITE: {
        if (fd == -1)
            return;
        op_bytes(o, buf, salt);
        int positional = o->kind == OP_PWRITE && !m->slot[s].append;
        size_t off = positional          ? (o->off <= m->cur[mi].len ? o->off : m->cur[mi].len)
                     : m->slot[s].append ? m->cur[mi].len
                                         : m->slot[s].pos;
        ssize_t n = positional ? disktrack_pwrite(r->t, fd, buf, o->len, (off_t)off)
                               : disktrack_write(r->t, fd, buf, o->len);
        assert_int_equal(n, (ssize_t)o->len);
        mb_write(&m->cur[mi], off, buf, o->len);
        if (!positional)
            m->slot[s].pos = off + o->len;
        break;
    }
    case OP_TRUNC:
        if (fd == -1)
            return;
        assert_int_equal(disktrack_ftruncate(r->t, fd, (off_t)o->len), 0);
        mb_resize(&m->cur[mi], o->len);
        break;
    case OP_FSYNC:
        if (fd == -1)
            return;
        assert_int_equal(disktrack_fsync(r->t, fd, o->flags), 0);
        mb_set(&m->dur[mi], &m->cur[mi]);
        break;
    case OP_CLOSE:
        rig_close(r, s);
        break;
    case OP_RENAME: {
        int a = m_name(m, o->name), b = m_name(m, o->name2);
        if (m->name_cur[a] < 0 || a == b)
            return;
        rig_path(r, o->name, path);
        rig_path(r, o->name2, path2);
        assert_int_equal(disktrack_rename(r->t, AT_FDCWD, path, AT_FDCWD, path2), 0);
        if (m->name_cur[b] == m->name_cur[a])
            break; /* two links to one file (a power loss left both): a no-op */
        m->name_cur[b] = m->name_cur[a];
        m->name_cur[a] = -1;
        break;
    }
    case OP_UNLINK: {
        int a = m_name(m, o->name);
        if (m->name_cur[a] < 0)
            return;
        rig_path(r, o->name, path);
        assert_int_equal(disktrack_unlink(r->t, AT_FDCWD, path, 0), 0);
        m->name_cur[a] = -1;
        break;
    }
    case OP_DIRSYNC: {
        rig_path(r, o->name, path);
        int dfd = disktrack_open(r->t, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        assert_true(dfd >= 0);
        assert_int_equal(disktrack_fsync(r->t, dfd, 1), 0);
        assert_int_equal(disktrack_close(r->t, dfd), 0);
        char d[PATH_MAX];
        for (int i = 0; i < m->nnames; i++) {
            m_dirname(m->names[i], d);
            if (!strcmp(d, o->name))
                m->name_dur[i] = m->name_cur[i];
        }
        break;
    }
    }
}

/* ====== Set-up and the power loss ====== */

static void rig_start(rig *r)
{
    char err[SB_ERR_LEN];
    assert_int_equal(diskloss_init(r->dir, err), 0);
    r->t = r->t ? r->t : sb_xcalloc(1, sizeof(*r->t));
    assert_int_equal(disktrack_init(r->t, r->dir), 0);
    for (int s = 0; s < M_SLOTS; s++) {
        r->fds[s] = -1;
        r->m.slot[s].ino = -1;
    }
}

/* A fresh folder with sub-folders (directories are not rolled back) and a
 * file "pre" that exists before the layer starts: all durable. */
static void rig_new(rig *r, const char *const *subdirs)
{
    memset(r, 0, sizeof(*r));
    /* tmpfs when there is one: thousands of fsyncs, none needs a disk. */
    char tmpl[64];
    snprintf(tmpl, sizeof(tmpl), "%s/sb-diskmodel-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    assert_non_null(realpath(tmpl, r->dir));
    char p[PATH_MAX];
    for (; subdirs && *subdirs; subdirs++) {
        rig_path(r, *subdirs, p);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    rig_path(r, "pre", p);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("durable before the layer started\n", f);
    fclose(f);
    int n = m_name(&r->m, "pre");
    int i = m_new_ino(&r->m);
    mbytes b = {(unsigned char *)"durable before the layer started\n", 33};
    mb_set(&r->m.cur[i], &b);
    mb_set(&r->m.dur[i], &b);
    r->m.name_cur[n] = r->m.name_dur[n] = i;
    rig_start(r);
}

static void rig_free(rig *r)
{
    char err[SB_ERR_LEN];
    if (r->t) {
        disktrack_fini(r->t);
        free(r->t);
    }
    m_free(&r->m);
    sb_rm_rf(r->dir, err);
}

/* Counts the regular files under rel (not the state folder). */
static int count_files(const char *dir, const char *rel)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof(p), "%s%s%s", dir, rel[0] ? "/" : "", rel);
    char cmd[PATH_MAX * 3];
    int n = snprintf(cmd, sizeof(cmd),
                     "find '%s' -path '%s/.sbdisk' -prune -o -type f -print | wc -l", p, dir);
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int count = -1;
    assert_int_equal(fscanf(f, "%d", &count), 1);
    pclose(f);
    return count;
}

/* Power loss, then the folder must hold exactly the model's durable state;
 * the model then becomes that state (a restarted node starts on it). */
static void rig_power_loss(rig *r, const struct diskloss_opts *o, sb_buf *report)
{
    char err[SB_ERR_LEN] = "";
    for (int s = 0; s < M_SLOTS; s++)
        rig_close(r, s);
    disktrack_fini(r->t);
    sb_buf out;
    sb_buf_init(&out);
    int rc = diskloss_power_loss(r->dir, o, &out, err);
    if (rc != 0)
        fail_msg("power loss: %s", err);
    if (report)
        sb_buf_puts(report, out.data);
    sb_buf_free(&out);
    model *m = &r->m;
    int expected = 0;
    for (int i = 0; i < m->nnames; i++) {
        char p[PATH_MAX];
        rig_path(r, m->names[i], p);
        size_t len = 0;
        char *got = sb_read_file(p, &len, err);
        int di = m->name_dur[i];
        if (di < 0) {
            if (got)
                fail_msg("%s survives the power loss, its entry was never synced", m->names[i]);
            continue;
        }
        expected++;
        if (!got)
            fail_msg("%s is gone after the power loss: %s", m->names[i], err);
        if (len != m->dur[di].len || (len && memcmp(got, m->dur[di].p, len) != 0))
            fail_msg("%s: %zu bytes after the power loss, the durable state has %zu%s", m->names[i],
                     len, m->dur[di].len, len == m->dur[di].len ? " (different bytes)" : "");
        free(got);
        mb_set(&m->cur[di], &m->dur[di]);
    }
    assert_int_equal(count_files(r->dir, ""), expected);
    for (int i = 0; i < m->nnames; i++)
        m->name_cur[i] = m->name_dur[i];
    rig_start(r);
}

/* Compaction (diskloss_compact) while the layer runs: returns how many
 * inodes it pruned. It must never change what a power loss leaves. */
static long rig_compact(rig *r)
{
    char err[SB_ERR_LEN] = "";
    sb_buf out;
    sb_buf_init(&out);
    if (diskloss_compact(r->dir, &out, err) != 0)
        fail_msg("compact: %s", err);
    const char *p = strstr(out.data, "\"pruned\":");
    assert_non_null(p);
    long n = strtol(p + 9, NULL, 10);
    sb_buf_free(&out);
    return n;
}

/* ====== Random sequences ====== */

static const char *const rand_names[] = {"pre", "a", "b", "c", "sub/d", "sub/e", "sub/f"};
#define RAND_NAMES (sizeof(rand_names) / sizeof(rand_names[0]))

static op rand_op(sb_rng *g)
{
    op o = {.slot = (int)(sb_rng_next(g) % M_SLOTS),
            .name = rand_names[sb_rng_next(g) % RAND_NAMES],
            .name2 = rand_names[sb_rng_next(g) % RAND_NAMES],
            .len = 1 + sb_rng_next(g) % 300,
            .off = sb_rng_next(g) % 400};
    unsigned k = (unsigned)(sb_rng_next(g) % 100);
    if (k < 14) {
        o.kind = OP_OPEN;
        o.flags = (sb_rng_next(g) % 3 == 0 ? O_TRUNC : 0) | (sb_rng_next(g) % 2 ? O_APPEND : 0);
    } else if (k < 40) {
        o.kind = OP_WRITE;
    } else if (k < 52) {
        o.kind = OP_PWRITE;
    } else if (k < 58) {
        o.kind = OP_TRUNC;
        o.len = sb_rng_next(g) % 500;
    } else if (k < 72) {
        o.kind = OP_FSYNC;
        o.flags = (int)(sb_rng_next(g) % 2);
    } else if (k < 77) {
        o.kind = OP_CLOSE;
    } else if (k < 85) {
        o.kind = OP_RENAME;
    } else if (k < 90) {
        o.kind = OP_UNLINK;
    } else {
        o.kind = OP_DIRSYNC;
        o.name = sb_rng_next(g) % 2 ? "" : "sub";
    }
    return o;
}

/* compact: a compaction between calls at random (1 in 4). SB_DISKMODEL_ONLY=SEED
 * runs one seed, SB_DISKMODEL_TRACE=1 prints its calls. */
static void random_sequences(int compact, long *pruned)
{
    static const char *const subdirs[] = {"sub", NULL};
    for (uint64_t seed = 1; seed <= 150; seed++) {
        if (getenv("SB_DISKMODEL_ONLY") && seed != strtoull(getenv("SB_DISKMODEL_ONLY"), 0, 10))
            continue;
        rig r;
        rig_new(&r, subdirs);
        sb_rng g;
        sb_rng_seed(&g, seed);
        for (int round = 0; round < 3; round++) {
            int nops = 5 + (int)(sb_rng_next(&g) % 60);
            for (int i = 0; i < nops; i++) {
                op o = rand_op(&g);
                if (getenv("SB_DISKMODEL_TRACE"))
                    fprintf(stderr,
                            "seed %llu round %d: kind %d slot %d %s %s flags %d len %zu off %zu\n",
                            (unsigned long long)seed, round, o.kind, o.slot, o.name, o.name2,
                            o.flags, o.len, o.off);
                rig_do(&r, &o, seed * 100 + (uint64_t)i);
                if (compact && sb_rng_next(&g) % 4 == 0) {
                    long k = rig_compact(&r);
                    if (getenv("SB_DISKMODEL_TRACE"))
                        fprintf(stderr, "seed %llu: compaction pruned %ld\n",
                                (unsigned long long)seed, k);
                    *pruned += k;
                }
            }
            struct diskloss_opts lo = {.torn_bytes = -1};
            rig_power_loss(&r, &lo, NULL);
        }
        rig_free(&r);
    }
}

static void random_sequences_leave_exactly_the_durable_state(void **state)
{
    (void)state;
    random_sequences(0, NULL);
}

/* The same sequences with compactions between the calls: the power loss
 * still leaves exactly the model's durable state, and inodes were pruned
 * (some of them numbers that the file system then gave to new files). */
static void compaction_never_changes_what_a_power_loss_leaves(void **state)
{
    (void)state;
    long pruned = 0;
    random_sequences(1, &pruned);
    assert_true(pruned > 0);
}

/* ====== Redis 7.0's own sequences ====== */

#define AOFDIR "appendonlydir/"
#define MANIFEST_1                                                                                 \
    "file appendonly.aof.1.base.rdb seq 1 type b\n"                                                \
    "file appendonly.aof.1.incr.aof seq 1 type i\n"
#define MANIFEST_2                                                                                 \
    "file appendonly.aof.1.base.rdb seq 1 type b\n"                                                \
    "file appendonly.aof.1.incr.aof seq 1 type i\n"                                                \
    "file appendonly.aof.2.incr.aof seq 2 type i\n"
#define MANIFEST_3                                                                                 \
    "file appendonly.aof.2.base.rdb seq 2 type b\n"                                                \
    "file appendonly.aof.1.base.rdb seq 1 type h\n"                                                \
    "file appendonly.aof.1.incr.aof seq 1 type h\n"                                                \
    "file appendonly.aof.2.incr.aof seq 2 type i\n"
#define MANIFEST_4                                                                                 \
    "file appendonly.aof.2.base.rdb seq 2 type b\n"                                                \
    "file appendonly.aof.2.incr.aof seq 2 type i\n"

/* writeAofManifestFile: a temp file, fdatasync, rename, fsyncFileDir. */
#define MANIFEST(text)                                                                             \
    {OP_OPEN, 2, AOFDIR "temp-appendonly.aof.manifest", NULL, O_TRUNC, 0, 0, NULL},                \
        {OP_WRITE, 2, NULL, NULL, 0, sizeof(text) - 1, 0, text},                                   \
        {OP_FSYNC, 2, NULL, NULL, 1, 0, 0, NULL}, {OP_CLOSE, 2, NULL, NULL, 0, 0, 0, NULL},        \
        {OP_RENAME,                                                                                \
         0,                                                                                        \
         AOFDIR "temp-appendonly.aof.manifest",                                                    \
         AOFDIR "appendonly.aof.manifest",                                                         \
         0,                                                                                        \
         0,                                                                                        \
         0,                                                                                        \
         NULL},                                                                                    \
    {                                                                                              \
        OP_DIRSYNC, 0, "appendonlydir", NULL, 0, 0, 0, NULL                                        \
    }

/* strace -f of redis-server 7.0.15 --appendonly yes --appendfsync always:
 * start-up (base written by rdb's stdio, fsync, renamed in; the first incr
 * file; the manifest), two SETs, BGREWRITEAOF (new incr file, manifest;
 * the child's temp base, fsynced, renamed twice; the parent's renames,
 * manifests and bg_unlinks of the history files), a SET, then BGSAVE
 * (temp-PID.rdb, fsync, rename, fsyncFileDir of the data folder). */
static const op redis_sequence[] = {
    {OP_OPEN, 0, "temp-rewriteaof-6419.aof", NULL, O_TRUNC, 0, 0, NULL},
    {OP_WRITE, 0, NULL, NULL, 0, 89, 0, NULL},
    {OP_FSYNC, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_CLOSE, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_RENAME, 0, "temp-rewriteaof-6419.aof", AOFDIR "appendonly.aof.1.base.rdb", 0, 0, 0, NULL},
    {OP_OPEN, 1, AOFDIR "appendonly.aof.1.incr.aof", NULL, O_APPEND, 0, 0, NULL},
    MANIFEST(MANIFEST_1),
    {OP_WRITE, 1, NULL, NULL, 0, 50, 0, NULL},
    {OP_FSYNC, 1, NULL, NULL, 1, 0, 0, NULL},
    {OP_WRITE, 1, NULL, NULL, 0, 27, 0, NULL},
    {OP_FSYNC, 1, NULL, NULL, 1, 0, 0, NULL},
    {OP_OPEN, 3, AOFDIR "appendonly.aof.2.incr.aof", NULL, O_TRUNC, 0, 0, NULL},
    MANIFEST(MANIFEST_2),
    {OP_FSYNC, 1, NULL, NULL, 1, 0, 0, NULL},
    {OP_CLOSE, 1, NULL, NULL, 0, 0, 0, NULL},
    {OP_OPEN, 0, "temp-rewriteaof-6480.aof", NULL, O_TRUNC, 0, 0, NULL},
    {OP_WRITE, 0, NULL, NULL, 0, 104, 0, NULL},
    {OP_FSYNC, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_RENAME, 0, "temp-rewriteaof-6480.aof", "temp-rewriteaof-bg-6480.aof", 0, 0, 0, NULL},
    {OP_CLOSE, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_RENAME, 0, "temp-rewriteaof-bg-6480.aof", AOFDIR "appendonly.aof.2.base.rdb", 0, 0, 0,
     NULL},
    MANIFEST(MANIFEST_3),
    {OP_UNLINK, 0, AOFDIR "appendonly.aof.1.incr.aof", NULL, 0, 0, 0, NULL},
    {OP_UNLINK, 0, AOFDIR "appendonly.aof.1.base.rdb", NULL, 0, 0, 0, NULL},
    MANIFEST(MANIFEST_4),
    {OP_WRITE, 3, NULL, NULL, 0, 50, 0, NULL},
    {OP_FSYNC, 3, NULL, NULL, 1, 0, 0, NULL},
    {OP_OPEN, 0, "temp-6544.rdb", NULL, O_TRUNC, 0, 0, NULL},
    {OP_WRITE, 0, NULL, NULL, 0, 109, 0, NULL},
    {OP_FSYNC, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_CLOSE, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_RENAME, 0, "temp-6544.rdb", "dump.rdb", 0, 0, 0, NULL},
    {OP_DIRSYNC, 0, "", NULL, 0, 0, 0, NULL},
};
#define REDIS_OPS (sizeof(redis_sequence) / sizeof(redis_sequence[0]))

/* strace -f of a redis-server 7.0.15 replica's first full sync
 * (readSyncBulkPayload, disk-based load): the payload written to an
 * O_EXCL temp file, fsync, rename over dump.rdb, fsyncFileDir. */
static const op replica_sequence[] = {
    {OP_OPEN, 0, "temp-1796532027.15846.rdb", NULL, O_EXCL, 0, 0, NULL},
    {OP_WRITE, 0, NULL, NULL, 0, 222, 0, NULL},
    {OP_FSYNC, 0, NULL, NULL, 0, 0, 0, NULL},
    {OP_RENAME, 0, "temp-1796532027.15846.rdb", "dump.rdb", 0, 0, 0, NULL},
    {OP_DIRSYNC, 0, "", NULL, 0, 0, 0, NULL},
    {OP_CLOSE, 0, NULL, NULL, 0, 0, 0, NULL},
};
#define REPLICA_OPS (sizeof(replica_sequence) / sizeof(replica_sequence[0]))

/* What Redis needs to start: every base and incr file the manifest names
 * exists (history files may be gone). */
static void assert_manifest_loadable(const rig *r, size_t cut)
{
    char p[PATH_MAX], err[SB_ERR_LEN];
    rig_path(r, AOFDIR "appendonly.aof.manifest", p);
    size_t len;
    char *text = sb_read_file(p, &len, err);
    if (!text)
        return; /* no manifest: Redis starts empty, as from a fresh folder */
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char file[256], type;
        int seq;
        if (sscanf(line, "file %255s seq %d type %c", file, &seq, &type) != 3)
            fail_msg("cut after call %zu: manifest line '%s'", cut, line);
        if (type == 'h')
            continue;
        char fp[PATH_MAX];
        int n = snprintf(fp, sizeof(fp), "%s/" AOFDIR "%s", r->dir, file);
        assert_true(n > 0 && (size_t)n < sizeof(fp));
        if (access(fp, F_OK) != 0)
            fail_msg("cut after call %zu: the manifest names %s, which the power loss removed", cut,
                     file);
    }
    free(text);
}

static void redis_aof_rewrite_sequence_cut_after_every_call(void **state)
{
    (void)state;
    static const char *const subdirs[] = {"appendonlydir", NULL};
    long pruned = 0;
    for (int compact = 0; compact <= 1; compact++) {
        for (size_t cut = 0; cut <= REDIS_OPS; cut++) {
            rig r;
            rig_new(&r, subdirs);
            for (size_t i = 0; i < cut; i++) {
                rig_do(&r, &redis_sequence[i], i);
                if (compact)
                    pruned += rig_compact(&r);
            }
            struct diskloss_opts lo = {.torn_bytes = -1};
            rig_power_loss(&r, &lo, NULL);
            assert_manifest_loadable(&r, cut);
            rig_free(&r);
        }
    }
    /* the history files of the rewrite, once their removal is synced */
    assert_true(pruned > 0);
}

/* The replica's received RDB replaces an older dump.rdb only once the
 * folder is synced; cut anywhere, exactly one of the two is there whole. */
static void replica_received_rdb_cut_after_every_call(void **state)
{
    (void)state;
    for (size_t cut = 0; cut <= REPLICA_OPS; cut++) {
        rig r;
        rig_new(&r, NULL);
        const op old[] = {
            {OP_OPEN, 1, "dump.rdb", NULL, O_TRUNC, 0, 0, NULL},
            {OP_WRITE, 1, NULL, NULL, 0, 150, 0, NULL},
            {OP_FSYNC, 1, NULL, NULL, 0, 0, 0, NULL},
            {OP_CLOSE, 1, NULL, NULL, 0, 0, 0, NULL},
            {OP_DIRSYNC, 0, "", NULL, 0, 0, 0, NULL},
        };
        for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
            rig_do(&r, &old[i], 999);
        for (size_t i = 0; i < cut; i++)
            rig_do(&r, &replica_sequence[i], i);
        struct diskloss_opts lo = {.torn_bytes = -1};
        rig_power_loss(&r, &lo, NULL);
        char p[PATH_MAX];
        struct stat st;
        rig_path(&r, "dump.rdb", p);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_size, cut >= 5 ? 222 : 150);
        rig_free(&r);
    }
}

/* The whole sequence: what survives is the last manifest, the new base
 * and incr files with every synced byte, the BGSAVE's dump.rdb; the
 * temp files of the data folder, whose entries were never synced in it
 * before the last call, are gone. */
static void redis_sequence_keeps_the_rewritten_aof_and_the_snapshot(void **state)
{
    (void)state;
    static const char *const subdirs[] = {"appendonlydir", NULL};
    rig r;
    rig_new(&r, subdirs);
    for (size_t i = 0; i < REDIS_OPS; i++)
        rig_do(&r, &redis_sequence[i], i);
    struct diskloss_opts lo = {.torn_bytes = -1};
    rig_power_loss(&r, &lo, NULL);
    char p[PATH_MAX], err[SB_ERR_LEN];
    size_t len;
    rig_path(&r, AOFDIR "appendonly.aof.manifest", p);
    char *text = sb_read_file(p, &len, err);
    assert_non_null(text);
    assert_string_equal(text, MANIFEST_4);
    free(text);
    struct stat st;
    rig_path(&r, AOFDIR "appendonly.aof.2.base.rdb", p);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 104);
    rig_path(&r, AOFDIR "appendonly.aof.2.incr.aof", p);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 50);
    rig_path(&r, "dump.rdb", p);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 109);
    rig_path(&r, AOFDIR "appendonly.aof.1.incr.aof", p);
    assert_int_not_equal(stat(p, &st), 0);
    rig_path(&r, "temp-rewriteaof-bg-6480.aof", p);
    assert_int_not_equal(stat(p, &st), 0);
    rig_free(&r);
}

/* Without the final folder sync, BGSAVE's rename is volatile: the power
 * loss takes dump.rdb away (there was none before), and the report says
 * which entries it undid. */
static void unsynced_rename_of_a_snapshot_is_undone(void **state)
{
    (void)state;
    static const char *const subdirs[] = {"appendonlydir", NULL};
    rig r;
    rig_new(&r, subdirs);
    for (size_t i = 0; i + 1 < REDIS_OPS; i++)
        rig_do(&r, &redis_sequence[i], i);
    sb_buf report;
    sb_buf_init(&report);
    struct diskloss_opts lo = {.torn_bytes = -1};
    rig_power_loss(&r, &lo, &report);
    char p[PATH_MAX];
    struct stat st;
    rig_path(&r, "dump.rdb", p);
    assert_int_not_equal(stat(p, &st), 0);
    assert_non_null(strstr(report.data, "{\"op\":\"remove\",\"path\":\"dump.rdb\""));
    sb_buf_free(&report);
    rig_free(&r);
}

/* ====== Torn writes and the disk-full page ====== */

/* A torn write keeps exactly the asked prefix of the last unsynced append
 * and drops the rest. */
static void torn_write_keeps_a_prefix_of_the_last_append(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, NULL);
    const op ops[] = {
        {OP_OPEN, 0, "aof", NULL, O_APPEND, 0, 0, NULL},
        {OP_WRITE, 0, NULL, NULL, 0, 10, 0, "0123456789"},
        {OP_FSYNC, 0, NULL, NULL, 1, 0, 0, NULL},
        {OP_DIRSYNC, 0, "", NULL, 0, 0, 0, NULL},
        {OP_WRITE, 0, NULL, NULL, 0, 8, 0, "abcdefgh"},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        rig_do(&r, &ops[i], i);
    for (int s = 0; s < M_SLOTS; s++)
        rig_close(&r, s);
    disktrack_fini(r.t);
    char err[SB_ERR_LEN], p[PATH_MAX];
    sb_buf out;
    sb_buf_init(&out);
    struct diskloss_opts lo = {.torn = 1, .torn_bytes = 3};
    assert_int_equal(diskloss_power_loss(r.dir, &lo, &out, err), 0);
    assert_non_null(strstr(out.data, "\"torn\":{\"path\":\"aof\",\"kept\":3,\"of\":8}"));
    assert_non_null(strstr(out.data, "\"bytes_dropped\":5"));
    rig_path(&r, "aof", p);
    size_t len;
    char *got = sb_read_file(p, &len, err);
    assert_non_null(got);
    assert_int_equal(len, 13);
    assert_memory_equal(got, "0123456789abc", 13);
    free(got);
    sb_buf_free(&out);
    rig_start(&r);
    rig_free(&r);
}

static void full_disk_fails_writes_after_the_budget(void **state)
{
    (void)state;
    rig r;
    rig_new(&r, NULL);
    char err[SB_ERR_LEN], p[PATH_MAX];
    disktrack_fini(r.t);
    assert_int_equal(diskloss_set_full(r.dir, 1, 5, err), 0);
    assert_int_equal(disktrack_init(r.t, r.dir), 0);
    rig_path(&r, "aof", p);
    int fd = disktrack_open(r.t, AT_FDCWD, p, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    assert_int_equal(disktrack_write(r.t, fd, "abc", 3), 3);
    assert_int_equal(disktrack_write(r.t, fd, "defg", 4), 2); /* the last 2 bytes */
    errno = 0;
    assert_int_equal(disktrack_write(r.t, fd, "h", 1), -1);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(disktrack_fsync(r.t, fd, 1), -1); /* 5 unsynced bytes, no room */
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(diskloss_set_full(r.dir, 0, 0, err), 0);
    assert_int_equal(disktrack_write(r.t, fd, "h", 1), 1);
    assert_int_equal(disktrack_fsync(r.t, fd, 1), 0);
    disktrack_close(r.t, fd);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_sequences_leave_exactly_the_durable_state),
        cmocka_unit_test(compaction_never_changes_what_a_power_loss_leaves),
        cmocka_unit_test(redis_aof_rewrite_sequence_cut_after_every_call),
        cmocka_unit_test(redis_sequence_keeps_the_rewritten_aof_and_the_snapshot),
        cmocka_unit_test(replica_received_rdb_cut_after_every_call),
        cmocka_unit_test(unsynced_rename_of_a_snapshot_is_undone),
        cmocka_unit_test(torn_write_keeps_a_prefix_of_the_last_append),
        cmocka_unit_test(full_disk_fails_writes_after_the_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
