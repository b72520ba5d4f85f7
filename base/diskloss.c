/* diskloss.c -- power loss, torn write and corruption applied to a stopped
 * node's data folder, from the journal of the file-system layer (see
 * diskloss.h, disktrack.h and sbdisk_ctl.h for its records). */
#define _GNU_SOURCE
#include "diskloss.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbdisk_ctl.h"

/* ====== The state folder ====== */

static int dl_path(char *out, const char *dir, const char *what, char *err)
{
    int n = snprintf(out, PATH_MAX, "%s/%s%s%s", dir, SB_DISK_STATE, what[0] ? "/" : "", what);
    if (n < 0 || n >= PATH_MAX) {
        sb_err_set(err, "%s: path too long", dir);
        return -1;
    }
    return 0;
}

static int dl_reset_journal(const char *dir, char *err)
{
    char p[PATH_MAX];
    if (dl_path(p, dir, SB_DISK_KEEP, err) == -1)
        return -1;
    if (sb_rm_rf(p, err) == -1 || sb_mkdir_p(p, err) == -1)
        return -1;
    if (dl_path(p, dir, SB_DISK_JOURNAL, err) == -1)
        return -1;
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", p, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int diskloss_init(const char *dir, char *err)
{
    if (dir[0] != '/') {
        sb_err_set(err, "%s: the data folder must be an absolute path", dir);
        return -1;
    }
    if (dl_reset_journal(dir, err) == -1)
        return -1;
    return diskloss_set_full(dir, 0, -1, err);
}

int diskloss_set_full(const char *dir, int full, int64_t budget, char *err)
{
    char p[PATH_MAX];
    if (dl_path(p, dir, SB_DISK_CTL, err) == -1)
        return -1;
    struct sb_disk_ctl c = {
        .magic = SB_DISK_CTL_MAGIC, .full = full ? 1u : 0u, .budget = full ? budget : 0};
    /* In place, not by rename: the shims map this very inode. */
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", p, strerror(errno));
        return -1;
    }
    ssize_t n = pwrite(fd, &c, sizeof(c), 0);
    close(fd);
    if (n != (ssize_t)sizeof(c)) {
        sb_err_set(err, "pwrite(%s): %s", p, n < 0 ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

/* ====== Reading the journal ====== */

struct dl_rec {
    struct sb_disk_rec h; /* copied out: records are not aligned in the file */
    char *name;
    const unsigned char *data;
    size_t dlen;
};

struct dl_ino {
    uint64_t ino;
    int64_t durable;
    size_t sync_at; /* undo records after this index apply */
    int has_undo;
    struct stat st;
    int present;
    char *path; /* a name in the data folder after the entries are undone */
};

struct dl_state {
    char *raw;
    struct dl_rec *recs;
    size_t nrecs;
    struct dl_ino *inos;
    size_t ninos;
};

static void dl_state_free(struct dl_state *s)
{
    for (size_t i = 0; i < s->nrecs; i++)
        free(s->recs[i].name);
    for (size_t i = 0; i < s->ninos; i++)
        free(s->inos[i].path);
    free(s->recs);
    free(s->inos);
    free(s->raw);
}

struct dl_prune {
    uint64_t ino;
    size_t at; /* index of its last PRUNE record */
};

static int dl_prune_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct dl_prune *)a)->ino, y = ((const struct dl_prune *)b)->ino;
    return x < y ? -1 : x > y;
}

/* Drops the PRUNE records and every record of a file inode that comes
 * before its inode's last PRUNE (those of an inode that is gone for good). */
static void dl_drop_pruned(struct dl_state *s)
{
    struct dl_prune *p = NULL;
    size_t np = 0;
    for (size_t i = 0; i < s->nrecs; i++) {
        if (s->recs[i].h.type != SB_DISK_PRUNE)
            continue;
        p = sb_xrealloc(p, (np + 1) * sizeof(*p));
        p[np++] = (struct dl_prune){s->recs[i].h.ino, i};
    }
    if (!np)
        return;
    /* by inode, one entry each: its last PRUNE */
    qsort(p, np, sizeof(*p), dl_prune_cmp);
    size_t u = 0;
    for (size_t i = 0; i < np; i++) {
        if (u && p[u - 1].ino == p[i].ino) {
            if (p[i].at > p[u - 1].at)
                p[u - 1].at = p[i].at;
        } else {
            p[u++] = p[i];
        }
    }
    np = u;
    size_t w = 0;
    for (size_t i = 0; i < s->nrecs; i++) {
        struct dl_rec *r = &s->recs[i];
        int drop = r->h.type == SB_DISK_PRUNE;
        if (!drop && r->h.type != SB_DISK_DIRSYNC) {
            struct dl_prune key = {r->h.ino, 0};
            const struct dl_prune *f = bsearch(&key, p, np, sizeof(*p), dl_prune_cmp);
            drop = f && f->at > i;
        }
        if (drop)
            free(r->name);
        else
            s->recs[w++] = *r;
    }
    s->nrecs = w;
    free(p);
}

/* Parses the journal; a record cut short (SIGKILL inside its write) ends
 * it, anything else malformed is an error. */
static int dl_read(const char *dir, struct dl_state *s, char *err)
{
    char p[PATH_MAX];
    size_t len;
    if (dl_path(p, dir, SB_DISK_JOURNAL, err) == -1 || !(s->raw = sb_read_file(p, &len, err)))
        return -1;
    size_t off = 0;
    while (off + sizeof(struct sb_disk_rec) <= len) {
        struct sb_disk_rec hdr;
        memcpy(&hdr, s->raw + off, sizeof(hdr));
        const struct sb_disk_rec *h = &hdr;
        if (h->magic != SB_DISK_REC_MAGIC || h->len < sizeof(*h) + h->namelen) {
            sb_err_set(err, "%s: bad record at byte %zu", p, off);
            return -1;
        }
        if (off + h->len > len)
            break;
        s->recs = sb_xrealloc(s->recs, (s->nrecs + 1) * sizeof(*s->recs));
        struct dl_rec *r = &s->recs[s->nrecs++];
        r->h = hdr;
        r->name = sb_xstrndup(s->raw + off + sizeof(*h), h->namelen);
        r->data = (const unsigned char *)s->raw + off + sizeof(*h) + h->namelen;
        r->dlen = h->len - sizeof(*h) - h->namelen;
        off += h->len;
    }
    dl_drop_pruned(s);
    return 0;
}

static struct dl_ino *dl_ino(struct dl_state *s, uint64_t ino, int add)
{
    for (size_t i = 0; i < s->ninos; i++)
        if (s->inos[i].ino == ino)
            return &s->inos[i];
    if (!add)
        return NULL;
    s->inos = sb_xrealloc(s->inos, (s->ninos + 1) * sizeof(*s->inos));
    struct dl_ino *n = &s->inos[s->ninos++];
    memset(n, 0, sizeof(*n));
    n->ino = ino;
    return n;
}

/* Each inode's durable size: its baseline (the first SEEN or creating
 * ADD), then its last SYNC. */
static void dl_durable(struct dl_state *s)
{
    for (size_t i = 0; i < s->nrecs; i++) {
        const struct sb_disk_rec *h = &s->recs[i].h;
        int base = h->type == SB_DISK_SEEN || (h->type == SB_DISK_ADD && h->b == 1);
        if (!base && h->type != SB_DISK_SYNC && h->type != SB_DISK_UNDO)
            continue;
        int fresh = !dl_ino(s, h->ino, 0);
        struct dl_ino *n = dl_ino(s, h->ino, 1);
        if ((base && fresh) || h->type == SB_DISK_SYNC) {
            n->durable = h->type == SB_DISK_SYNC ? h->a : (h->type == SB_DISK_SEEN ? h->a : 0);
            n->sync_at = i;
            n->has_undo = 0;
        } else if (h->type == SB_DISK_UNDO) {
            n->has_undo = 1;
        }
    }
}

/* ====== Directory entries ====== */

static void dl_dirname(const char *name, char *out)
{
    const char *s = strrchr(name, '/');
    size_t n = s ? (size_t)(s - name) : 0;
    memcpy(out, name, n);
    out[n] = 0;
}

/* Whether entry record i is volatile: no sync of its folder follows it. */
static int dl_volatile(const struct dl_state *s, size_t i)
{
    char d[PATH_MAX];
    dl_dirname(s->recs[i].name, d);
    for (size_t j = i + 1; j < s->nrecs; j++)
        if (s->recs[j].h.type == SB_DISK_DIRSYNC && !strcmp(s->recs[j].name, d))
            return 0;
    return 1;
}

/* Undoes the volatile entries, newest first; an undo whose precondition
 * no longer holds (the entry was changed behind the layer's back) is
 * skipped and reported. */
static void dl_undo_entries(const char *dir, struct dl_state *s, sb_buf *out, int *count)
{
    for (size_t k = s->nrecs; k-- > 0;) {
        const struct sb_disk_rec *h = &s->recs[k].h;
        if ((h->type != SB_DISK_ADD && h->type != SB_DISK_DEL) || !dl_volatile(s, k))
            continue;
        char full[PATH_MAX * 2], keep[PATH_MAX + 32];
        snprintf(full, sizeof(full), "%s/%s", dir, s->recs[k].name);
        snprintf(keep, sizeof(keep), "%s/%s/%s/%llu", dir, SB_DISK_STATE, SB_DISK_KEEP,
                 (unsigned long long)h->ino);
        struct stat st;
        int exists = lstat(full, &st) == 0;
        const char *op = NULL;
        if (h->type == SB_DISK_ADD) {
            if (exists && st.st_ino == h->ino && unlink(full) == 0)
                op = "remove";
        } else if (!(exists && st.st_ino == h->ino)) {
            if (exists)
                unlink(full);
            if (link(keep, full) == 0)
                op = "restore";
        }
        sb_buf_puts(out, (*count)++ ? "," : "");
        sb_buf_printf(out, "{\"op\":\"%s\",\"path\":", op ? op : "skipped");
        sb_buf_json_string(out, s->recs[k].name);
        sb_buf_printf(out, ",\"ino\":%llu}", (unsigned long long)h->ino);
    }
}

/* Finds a name for every inode in the data folder (not the state folder). */
static void dl_scan(struct dl_state *s, const char *dir, const char *rel)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            (!rel[0] && !strcmp(e->d_name, SB_DISK_STATE)))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        char full[PATH_MAX * 3];
        snprintf(full, sizeof(full), "%s/%s", dir, sub);
        struct stat st;
        if (lstat(full, &st) == -1)
            continue;
        if (S_ISDIR(st.st_mode)) {
            dl_scan(s, dir, sub);
        } else if (S_ISREG(st.st_mode)) {
            struct dl_ino *n = dl_ino(s, st.st_ino, 0);
            if (n && (!n->path || strcmp(sub, n->path) < 0)) {
                free(n->path);
                n->path = sb_xstrdup(sub);
            }
        }
    }
    closedir(d);
}

/* ====== File contents ====== */

/* The torn write's file: the one appended to last (latest mtime) among the
 * named files with an unsynced tail and no overwrite to undo. */
static struct dl_ino *dl_torn_pick(struct dl_state *s)
{
    struct dl_ino *best = NULL;
    for (size_t i = 0; i < s->ninos; i++) {
        struct dl_ino *n = &s->inos[i];
        if (!n->present || !n->path || n->has_undo || n->st.st_size <= n->durable)
            continue;
        if (!best || n->st.st_mtim.tv_sec > best->st.st_mtim.tv_sec ||
            (n->st.st_mtim.tv_sec == best->st.st_mtim.tv_sec &&
             n->st.st_mtim.tv_nsec > best->st.st_mtim.tv_nsec))
            best = n;
    }
    return best;
}

/* Writes back the saved bytes (newest first), then cuts the file to its
 * durable size (plus keep bytes of a torn write). */
static int dl_restore(const char *kpath, struct dl_state *s, struct dl_ino *n, int64_t keep,
                      int64_t *restored, int64_t *after, char *err)
{
    int fd = open(kpath, O_RDWR | O_CLOEXEC);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", kpath, strerror(errno));
        return -1;
    }
    *restored = 0;
    for (size_t k = s->nrecs; k-- > n->sync_at + 1;) {
        const struct sb_disk_rec *h = &s->recs[k].h;
        if (h->type != SB_DISK_UNDO || h->ino != n->ino)
            continue;
        if (pwrite(fd, s->recs[k].data, s->recs[k].dlen, h->a) != (ssize_t)s->recs[k].dlen) {
            sb_err_set(err, "pwrite(%s): %s", kpath, strerror(errno));
            close(fd);
            return -1;
        }
        *restored += (int64_t)s->recs[k].dlen;
    }
    struct stat st;
    int rc = fstat(fd, &st);
    int64_t target = n->durable + keep;
    if (rc == 0 && st.st_size > target)
        rc = ftruncate(fd, target);
    if (rc == 0)
        rc = fstat(fd, &st);
    if (rc == -1) {
        sb_err_set(err, "ftruncate(%s): %s", kpath, strerror(errno));
        close(fd);
        return -1;
    }
    *after = st.st_size;
    close(fd);
    return 0;
}

static int64_t dl_torn_keep(const struct diskloss_opts *o, int64_t tail)
{
    if (o->torn_bytes >= 0)
        return o->torn_bytes < tail ? o->torn_bytes : tail;
    if (tail < 2)
        return 0;
    sb_rng r;
    sb_rng_seed(&r, o->seed);
    return 1 + (int64_t)(sb_rng_next(&r) % (uint64_t)(tail - 1)); /* 1 .. tail-1 */
}

/* ====== Power loss ====== */

int diskloss_power_loss(const char *dir, const struct diskloss_opts *o, sb_buf *out, char *err)
{
    struct dl_state s = {0};
    if (dl_read(dir, &s, err) == -1) {
        dl_state_free(&s);
        return -1;
    }
    dl_durable(&s);
    sb_buf entries;
    sb_buf_init(&entries);
    int nentries = 0;
    dl_undo_entries(dir, &s, &entries, &nentries);
    dl_scan(&s, dir, "");
    char kdir[PATH_MAX];
    dl_path(kdir, dir, SB_DISK_KEEP, err);
    for (size_t i = 0; i < s.ninos; i++) {
        char kpath[PATH_MAX + 32];
        snprintf(kpath, sizeof(kpath), "%s/%llu", kdir, (unsigned long long)s.inos[i].ino);
        s.inos[i].present = stat(kpath, &s.inos[i].st) == 0;
    }
    struct dl_ino *torn = o->torn ? dl_torn_pick(&s) : NULL;
    int64_t torn_keep = torn ? dl_torn_keep(o, torn->st.st_size - torn->durable) : 0;
    sb_buf files;
    sb_buf_init(&files);
    int64_t dropped = 0, restored_all = 0;
    int touched = 0, nfiles = 0, rc = 0;
    for (size_t i = 0; i < s.ninos && rc == 0; i++) {
        struct dl_ino *n = &s.inos[i];
        if (!n->present)
            continue;
        char kpath[PATH_MAX + 32];
        snprintf(kpath, sizeof(kpath), "%s/%llu", kdir, (unsigned long long)n->ino);
        int64_t restored, after;
        if ((rc = dl_restore(kpath, &s, n, n == torn ? torn_keep : 0, &restored, &after, err)))
            break;
        int64_t lost = n->st.st_size > after ? n->st.st_size - after : 0;
        dropped += lost;
        restored_all += restored;
        touched += lost > 0 || restored > 0;
        if (!n->path)
            continue; /* no name survives: nothing left to show */
        sb_buf_puts(&files, nfiles++ ? "," : "");
        sb_buf_puts(&files, "{\"path\":");
        sb_buf_json_string(&files, n->path);
        sb_buf_printf(&files,
                      ",\"ino\":%llu,\"size_before\":%lld,\"durable\":%lld,\"size_after\":%lld,"
                      "\"bytes_dropped\":%lld,\"bytes_restored\":%lld}",
                      (unsigned long long)n->ino, (long long)n->st.st_size, (long long)n->durable,
                      (long long)after, (long long)lost, (long long)restored);
    }
    if (rc == 0) {
        sb_buf_printf(out,
                      "{\"fault\":\"%s\",\"files_touched\":%d,\"bytes_dropped\":%lld,"
                      "\"bytes_restored\":%lld,\"entries_undone\":[%s],\"files\":[%s]",
                      o->torn ? "torn-write" : "power-loss", touched, (long long)dropped,
                      (long long)restored_all, entries.len ? entries.data : "",
                      files.len ? files.data : "");
        if (torn) {
            sb_buf_puts(out, ",\"torn\":{\"path\":");
            sb_buf_json_string(out, torn->path);
            sb_buf_printf(out, ",\"kept\":%lld,\"of\":%lld}", (long long)torn_keep,
                          (long long)(torn->st.st_size - torn->durable));
        }
        sb_buf_puts(out, "}\n");
        rc = dl_reset_journal(dir, err);
    }
    sb_buf_free(&entries);
    sb_buf_free(&files);
    dl_state_free(&s);
    return rc;
}

/* ====== Compaction ====== */

/* Whether inode ino (a candidate: no name left) has a durable name, one a
 * power loss would give back. Per name: it held ino at the journal's start
 * if its first record of ino is SEEN or DEL (everything then was durable;
 * a power loss can leave one file under two names, met by one of them);
 * after that its last non-volatile ADD or DEL of ino says. */
static int dl_needed(const struct dl_state *s, uint64_t ino)
{
    const char *names[16];
    int in[16];
    size_t nn = 0;
    for (size_t i = 0; i < s->nrecs; i++) {
        const struct sb_disk_rec *h = &s->recs[i].h;
        int t = h->type;
        if (h->ino != ino || (t != SB_DISK_SEEN && t != SB_DISK_ADD && t != SB_DISK_DEL))
            continue;
        const char *name = s->recs[i].name;
        size_t k = 0;
        while (k < nn && strcmp(names[k], name))
            k++;
        if (k == nn) {
            if (nn == sizeof(in) / sizeof(in[0]))
                return 1; /* more names than Redis makes: keep it */
            names[nn] = name;
            in[nn++] = t != SB_DISK_ADD;
        }
        if (t != SB_DISK_SEEN && !dl_volatile(s, i))
            in[k] = t == SB_DISK_ADD;
    }
    for (size_t k = 0; k < nn; k++)
        if (in[k])
            return 1;
    return 0;
}

/* Removes from the candidates (sorted) every inode of device dev that some
 * process still has open: it could still be written and synced. */
static void dl_drop_open(uint64_t *c, size_t *nc, dev_t dev)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return;
    struct dirent *e;
    while ((e = readdir(proc)) && *nc) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char fdd[300];
        snprintf(fdd, sizeof(fdd), "/proc/%s/fd", e->d_name);
        DIR *fds = opendir(fdd);
        if (!fds)
            continue;
        struct dirent *f;
        while ((f = readdir(fds))) {
            struct stat st;
            if (f->d_name[0] == '.' || fstatat(dirfd(fds), f->d_name, &st, 0) == -1 ||
                st.st_dev != dev || !S_ISREG(st.st_mode))
                continue;
            for (size_t i = 0; i < *nc; i++)
                if (c[i] == (uint64_t)st.st_ino) {
                    c[i] = c[--*nc];
                    break;
                }
        }
        closedir(fds);
    }
    closedir(proc);
}

int diskloss_compact(const char *dir, sb_buf *out, char *err)
{
    char kdir[PATH_MAX], jpath[PATH_MAX];
    if (dl_path(kdir, dir, SB_DISK_KEEP, err) == -1 ||
        dl_path(jpath, dir, SB_DISK_JOURNAL, err) == -1)
        return -1;
    DIR *d = opendir(kdir);
    if (!d) {
        sb_err_set(err, "opendir(%s): %s", kdir, strerror(errno));
        return -1;
    }
    /* The candidates first, the journal after: an inode with no name and no
     * open descriptor can gain neither, so whatever made it matter is in
     * the journal read after this. */
    uint64_t *c = NULL;
    size_t nc = 0, kept = 0;
    dev_t dev = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        char *end;
        unsigned long long ino = strtoull(e->d_name, &end, 10);
        if (e->d_name[0] == '.' || *end ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
            continue;
        kept++;
        dev = st.st_dev;
        if (st.st_nlink == 1) {
            c = sb_xrealloc(c, (nc + 1) * sizeof(*c));
            c[nc++] = ino;
        }
    }
    closedir(d);
    dl_drop_open(c, &nc, dev);
    struct dl_state s = {0};
    int rc = nc ? dl_read(dir, &s, err) : 0;
    int fd = rc == 0 && nc ? open(jpath, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
    if (rc == 0 && nc && fd == -1) {
        sb_err_set(err, "open(%s): %s", jpath, strerror(errno));
        rc = -1;
    }
    long long pruned = 0, freed = 0;
    for (size_t i = 0; i < nc && rc == 0; i++) {
        if (dl_needed(&s, c[i]))
            continue;
        /* the record first: a keep link left behind is harmless, a record
         * of a file that may still be needed is not written */
        struct sb_disk_rec r = {.magic = SB_DISK_REC_MAGIC,
                                .type = SB_DISK_PRUNE,
                                .len = sizeof(r),
                                .pid = (uint32_t)getpid(),
                                .ino = c[i]};
        if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
            sb_err_set(err, "write(%s): %s", jpath, strerror(errno));
            rc = -1;
            break;
        }
        char name[32];
        struct stat st;
        snprintf(name, sizeof(name), "%llu", (unsigned long long)c[i]);
        char kp[PATH_MAX + 32];
        snprintf(kp, sizeof(kp), "%s/%s", kdir, name);
        if (stat(kp, &st) == 0 && unlink(kp) == 0) {
            pruned++;
            freed += (long long)st.st_size;
        }
    }
    if (fd != -1)
        close(fd);
    struct stat js;
    if (rc == 0)
        sb_buf_printf(out,
                      "{\"compact\":true,\"inodes_kept\":%zu,\"pruned\":%lld,\"bytes_freed\":%lld,"
                      "\"journal_bytes\":%lld}\n",
                      kept - (size_t)pruned, pruned, freed,
                      stat(jpath, &js) == 0 ? (long long)js.st_size : -1LL);
    free(c);
    dl_state_free(&s);
    return rc;
}

/* ====== Corruption ====== */

int diskloss_corrupt(const char *dir, const char *file, int count, int64_t truncate_to,
                     uint64_t seed, sb_buf *out, char *err)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (fd == -1 || fstat(fd, &st) == -1) {
        sb_err_set(err, "open(%s): %s", path, strerror(errno));
        if (fd != -1)
            close(fd);
        return -1;
    }
    sb_buf_puts(out, "{\"fault\":\"corrupt\",\"path\":");
    sb_buf_json_string(out, file);
    sb_buf_printf(out, ",\"size_before\":%lld", (long long)st.st_size);
    int rc = 0;
    if (truncate_to >= 0) {
        int64_t to = truncate_to < st.st_size ? truncate_to : st.st_size;
        rc = ftruncate(fd, to);
        sb_buf_printf(out, ",\"truncated_to\":%lld,\"bytes_dropped\":%lld", (long long)to,
                      (long long)(st.st_size - to));
    } else {
        sb_rng r;
        sb_rng_seed(&r, seed);
        sb_buf_puts(out, ",\"flipped\":[");
        for (int i = 0; i < count && st.st_size > 0 && rc == 0; i++) {
            off_t pos = (off_t)(sb_rng_next(&r) % (uint64_t)st.st_size);
            unsigned char b;
            unsigned char mask = (unsigned char)(1u << (sb_rng_next(&r) % 8));
            if (pread(fd, &b, 1, pos) != 1) {
                rc = -1;
                break;
            }
            b ^= mask;
            if (pwrite(fd, &b, 1, pos) != 1)
                rc = -1;
            sb_buf_printf(out, "%s{\"offset\":%lld,\"mask\":%u}", i ? "," : "", (long long)pos,
                          mask);
        }
        sb_buf_puts(out, "]");
    }
    sb_buf_puts(out, "}\n");
    if (rc == -1)
        sb_err_set(err, "corrupt(%s): %s", path, strerror(errno));
    close(fd);
    return rc;
}

int diskloss_pick_file(const char *dir, int rdb, char *out, size_t len, char *err)
{
    if (rdb) {
        snprintf(out, len, "dump.rdb");
        return 0;
    }
    char adir[PATH_MAX];
    snprintf(adir, sizeof(adir), "%s/appendonlydir", dir);
    DIR *d = opendir(adir);
    if (!d) {
        sb_err_set(err, "%s: no AOF folder (is appendonly on?)", adir);
        return -1;
    }
    long best_incr = -1, best_base = -1;
    char incr[512] = "", base[512] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strstr(e->d_name, ".aof.");
        if (!dot)
            continue;
        char *end;
        long seq = strtol(dot + 5, &end, 10);
        char path[PATH_MAX + 512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", adir, e->d_name);
        if (stat(path, &st) == -1 || !st.st_size)
            continue;
        if (!strcmp(end, ".incr.aof") && seq > best_incr) {
            best_incr = seq;
            snprintf(incr, sizeof(incr), "%s", e->d_name);
        } else if (strstr(end, ".base.") == end && seq > best_base) {
            best_base = seq;
            snprintf(base, sizeof(base), "%s", e->d_name);
        }
    }
    closedir(d);
    if (!incr[0] && !base[0]) {
        sb_err_set(err, "%s: no AOF file with data to corrupt", adir);
        return -1;
    }
    snprintf(out, len, "appendonlydir/%s", incr[0] ? incr : base);
    return 0;
}

/* ====== The command language ====== */

#define DL_USAGE                                                                                   \
    "init | full [BYTES] | heal | power-loss [torn BYTES | torn-seed SEED] | "                     \
    "corrupt FILE|aof|rdb (flip COUNT SEED | truncate LEN | cut BYTES) | compact"

static int dl_num(const char *s, long long *v, char *err)
{
    char *end;
    errno = 0;
    *v = s ? strtoll(s, &end, 10) : -1;
    if (!s || errno || end == s || *end || *v < 0) {
        sb_err_set(err, "'%s' is not a whole number >= 0", s ? s : "");
        return -1;
    }
    return 0;
}

/* A seed: any 64-bit number (the nemesis draws them from its generator). */
static int dl_seed(const char *s, uint64_t *v, char *err)
{
    char *end;
    errno = 0;
    *v = s && *s != '-' ? strtoull(s, &end, 10) : 0;
    if (!s || *s == '-' || errno || end == s || *end) {
        sb_err_set(err, "'%s' is not a seed (a whole number from 0 to 2^64-1)", s ? s : "");
        return -1;
    }
    return 0;
}

static int dl_ctl_corrupt(const char *dir, char *const a[], size_t n, sb_buf *out, char *err)
{
    char file[600];
    long long x = 0;
    uint64_t y = 0;
    if (n < 3 || (strcmp(a[1], "flip") ? n != 3 : n != 4)) {
        sb_err_set(err, "usage: %s", DL_USAGE);
        return -1;
    }
    if (!strcmp(a[0], "aof") || !strcmp(a[0], "rdb")) {
        if (diskloss_pick_file(dir, !strcmp(a[0], "rdb"), file, sizeof(file), err) == -1)
            return -1;
    } else {
        snprintf(file, sizeof(file), "%s", a[0]);
    }
    if (dl_num(a[2], &x, err) == -1 || (n == 4 && dl_seed(a[3], &y, err) == -1))
        return -1;
    if (!strcmp(a[1], "flip"))
        return diskloss_corrupt(dir, file, (int)x, -1, y, out, err);
    if (!strcmp(a[1], "truncate"))
        return diskloss_corrupt(dir, file, 0, x, 0, out, err);
    if (strcmp(a[1], "cut")) {
        sb_err_set(err, "usage: %s", DL_USAGE);
        return -1;
    }
    char path[PATH_MAX + 600];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (stat(path, &st) == -1) {
        sb_err_set(err, "stat(%s): %s", path, strerror(errno));
        return -1;
    }
    return diskloss_corrupt(dir, file, 0, st.st_size > x ? st.st_size - x : 0, 0, out, err);
}

int diskloss_ctl(const char *dir, char *const argv[], sb_buf *out, char *err)
{
    size_t n = 0;
    while (argv[n])
        n++;
    const char *op = n ? argv[0] : "";
    long long a = -1;
    if (!strcmp(op, "init") && n == 1)
        return diskloss_init(dir, err);
    if (!strcmp(op, "full") && n <= 2) {
        if (n == 2 && dl_num(argv[1], &a, err) == -1)
            return -1;
        return diskloss_set_full(dir, 1, a, err);
    }
    if (!strcmp(op, "heal") && n == 1)
        return diskloss_set_full(dir, 0, 0, err);
    if (!strcmp(op, "power-loss") && (n == 1 || n == 3)) {
        struct diskloss_opts o = {.torn_bytes = -1};
        if (n == 3) {
            int bytes = !strcmp(argv[1], "torn");
            if (!bytes && strcmp(argv[1], "torn-seed")) {
                sb_err_set(err, "usage: %s", DL_USAGE);
                return -1;
            }
            if (bytes ? dl_num(argv[2], &a, err) : dl_seed(argv[2], &o.seed, err))
                return -1;
            o.torn = 1;
            o.torn_bytes = bytes ? a : -1;
        }
        return diskloss_power_loss(dir, &o, out, err);
    }
    if (!strcmp(op, "corrupt"))
        return dl_ctl_corrupt(dir, argv + 1, n - 1, out, err);
    if (!strcmp(op, "compact") && n == 1)
        return diskloss_compact(dir, out, err);
    sb_err_set(err, "usage: %s", DL_USAGE);
    return -1;
}
