/* clockctl.c -- the writer of the clock shim's control file: creation,
 * seqlocked updates, and where to find libsbclock.so. */
#define _GNU_SOURCE
#include "clockctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbclock_ctl.h"
#include "util.h"

#define CLOCKCTL_FILE_MODE 0644 /* shimmed processes may run as another user */

struct sb_clockctl {
    char *path;
    struct sb_clock_ctl *ctl; /* the shared page, mapped read-write */
    size_t map_len;
};

/* ====== Creation ====== */

/* Builds the file under a temporary name and renames it into place, so a
 * process that starts meanwhile sees either no file, or a complete one;
 * never a short file or a zero magic (which it would ignore for good). */
sb_clockctl *clockctl_create(const char *path, char *err)
{
    if (!path || !*path) {
        sb_err_set(err, "clockctl_create: empty control file path");
        return NULL;
    }
    size_t map_len = (size_t)sysconf(_SC_PAGESIZE);
    sb_clockctl *c = calloc(1, sizeof(*c));
    char *tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
    if (!c || !tmp || !(c->path = strdup(path))) {
        sb_err_set(err, "clockctl_create: out of memory");
        goto fail;
    }
    strcpy(tmp, path);
    strcat(tmp, ".XXXXXX");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd == -1) {
        sb_err_set(err, "mkostemp(%s): %s", tmp, strerror(errno));
        goto fail;
    }
    if (fchmod(fd, CLOCKCTL_FILE_MODE) == -1 || ftruncate(fd, (off_t)map_len) == -1) {
        sb_err_set(err, "preparing %s: %s", tmp, strerror(errno));
        close(fd);
        goto fail_unlink;
    }
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        sb_err_set(err, "mmap(%s): %s", tmp, strerror(errno));
        goto fail_unlink;
    }
    c->ctl = map;
    c->map_len = map_len;
    /* ftruncate zeroed the page: only the magic is left to set. */
    __atomic_store_n(&c->ctl->magic, SB_CLOCK_MAGIC, __ATOMIC_RELEASE);
    if (rename(tmp, path) == -1) {
        sb_err_set(err, "rename(%s, %s): %s", tmp, path, strerror(errno));
        goto fail_unlink;
    }
    free(tmp);
    return c;

fail_unlink:
    unlink(tmp);
fail:
    free(tmp);
    clockctl_close(c, 0);
    return NULL;
}

sb_clockctl *clockctl_open(const char *path, char *err)
{
    size_t map_len = (size_t)sysconf(_SC_PAGESIZE);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd == -1) {
        sb_err_set(err, "open(%s): %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == -1 || (size_t)st.st_size < map_len) {
        sb_err_set(err, "%s is not a clock control file (%lld bytes, expected %zu)", path,
                   (long long)st.st_size, map_len);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        sb_err_set(err, "mmap(%s): %s", path, strerror(errno));
        return NULL;
    }
    sb_clockctl *c = calloc(1, sizeof(*c));
    if (!c || !(c->path = strdup(path))) {
        sb_err_set(err, "clockctl_open: out of memory");
        munmap(map, map_len);
        free(c);
        return NULL;
    }
    c->ctl = map;
    c->map_len = map_len;
    if (!sb_clock_ctl_valid(c->ctl, map_len)) {
        sb_err_set(err, "%s is not a clock control file (no magic)", path);
        clockctl_close(c, 0);
        return NULL;
    }
    return c;
}

void clockctl_close(sb_clockctl *c, int unlink_file)
{
    if (!c)
        return;
    if (c->ctl)
        munmap(c->ctl, c->map_len);
    if (unlink_file && c->ctl && c->path)
        unlink(c->path);
    free(c->path);
    free(c);
}

const char *clockctl_path(const sb_clockctl *c)
{
    return c->path;
}

/* ====== Seqlocked writes ====== */

/* Makes seq odd. The compare-and-swap also makes writers of this process
 * take turns: two threads bumping at once must not both see seq even. */
static void clockctl_write_begin(struct sb_clock_ctl *m)
{
    uint32_t s = __atomic_load_n(&m->seq, __ATOMIC_RELAXED);
    for (;;) {
        if (s & 1u) {
            s = __atomic_load_n(&m->seq, __ATOMIC_RELAXED);
            continue;
        }
        if (__atomic_compare_exchange_n(&m->seq, &s, s + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            break;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void clockctl_write_end(struct sb_clock_ctl *m)
{
    __atomic_add_fetch(&m->seq, 1, __ATOMIC_RELEASE);
}

static void clockctl_store(int64_t *field, int64_t v)
{
    __atomic_store_n(field, v, __ATOMIC_RELAXED);
}

static int64_t clockctl_add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

void clockctl_bump(sb_clockctl *c, int64_t delta_ns)
{
    struct sb_clock_ctl *m = c->ctl;
    clockctl_write_begin(m);
    clockctl_store(&m->offset_ns, clockctl_add_sat(m->offset_ns, delta_ns));
    clockctl_write_end(m);
}

void clockctl_set(sb_clockctl *c, int64_t offset_ns)
{
    clockctl_write_begin(c->ctl);
    clockctl_store(&c->ctl->offset_ns, offset_ns);
    clockctl_write_end(c->ctl);
}

static void clockctl_store_strobe(struct sb_clock_ctl *m, int64_t delta_ns, int64_t period_ns,
                                  int64_t start_ns, int64_t end_ns)
{
    clockctl_store(&m->strobe_delta_ns, delta_ns);
    clockctl_store(&m->strobe_period_ns, period_ns);
    clockctl_store(&m->strobe_start_ns, start_ns);
    clockctl_store(&m->strobe_end_ns, end_ns);
}

void clockctl_strobe(sb_clockctl *c, int64_t delta_ns, int64_t period_ns, int64_t duration_ns)
{
    int64_t start_ns = sb_now_ns();
    clockctl_write_begin(c->ctl);
    if (period_ns <= 0 || duration_ns <= 0)
        clockctl_store_strobe(c->ctl, 0, 0, 0, 0);
    else
        clockctl_store_strobe(c->ctl, delta_ns, period_ns, start_ns,
                              clockctl_add_sat(start_ns, duration_ns));
    clockctl_write_end(c->ctl);
}

void clockctl_reset(sb_clockctl *c)
{
    clockctl_write_begin(c->ctl);
    clockctl_store(&c->ctl->offset_ns, 0);
    clockctl_store_strobe(c->ctl, 0, 0, 0, 0);
    clockctl_write_end(c->ctl);
}

void clockctl_set_monotonic(sb_clockctl *c, int on)
{
    struct sb_clock_ctl *m = c->ctl;
    clockctl_write_begin(m);
    uint32_t flags = on ? m->flags | SB_CLOCK_MONOTONIC : m->flags & ~SB_CLOCK_MONOTONIC;
    __atomic_store_n(&m->flags, flags, __ATOMIC_RELAXED);
    clockctl_write_end(m);
}

/* sb_now_ns() reads CLOCK_MONOTONIC through the vDSO; the shim reads it
 * through the system call. Both are the same kernel clock. */
int64_t clockctl_offset_now(const sb_clockctl *c)
{
    return sb_clock_effective_offset(c->ctl, sb_now_ns(), NULL);
}

/* ====== Finding the shim ====== */

/* Where libsbclock.so and sbclockctl are, relative to the directory of the
 * splitbrain binary: the build puts them next to it; an installation puts
 * them in <libdir>/splitbrain, SB_SHIM_RELDIR from there (CMakeLists.txt
 * computes it from GNUInstallDirs, e.g. "../lib/x86_64-linux-gnu/splitbrain").
 * Relative, so that a relocated installation (cmake --install --prefix,
 * dpkg-deb -x into any root) finds them too. Tried in this order. */
#ifndef SB_SHIM_RELDIR
#error "SB_SHIM_RELDIR must be defined: the shim's folder relative to the binary's"
#endif
static const char *const clockctl_dirs[] = {"", "/" SB_SHIM_RELDIR};
#define CLOCKCTL_N_DIRS (sizeof(clockctl_dirs) / sizeof(clockctl_dirs[0]))

/* Appends "PATH: reason" to the list of places tried. */
static void clockctl_tried(char *tried, size_t len, const char *path)
{
    size_t used = strlen(tried);
    snprintf(tried + used, len - used, "%s%s: %s", used ? "; " : "", path, strerror(errno));
}

/* Copies the first readable file among first (if not NULL) and name in
 * each of clockctl_dirs under the binary's directory into out, with "."
 * and ".." folded. Else -1 with err naming what was looked for, hint, and
 * every path tried with its reason. */
static int clockctl_find(const char *name, const char *first, const char *hint, char *out,
                         size_t len, char *err)
{
    char tried[SB_ERR_LEN] = "";
    char cand[PATH_MAX + 256];
    const char *found = NULL;
    if (first) {
        if (access(first, R_OK) == 0)
            found = first;
        else
            clockctl_tried(tried, sizeof(tried), first);
    }
    char exe[PATH_MAX];
    ssize_t n = found ? 0 : readlink("/proc/self/exe", exe, sizeof(exe));
    if (n == -1 || (size_t)n >= sizeof(exe)) {
        sb_err_set(err, "%s: cannot find the binary's folder: readlink(/proc/self/exe): %s", name,
                   n == -1 ? strerror(errno) : "path too long");
        return -1;
    }
    if (!found) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        *(slash ? slash : exe) = '\0'; /* "/usr/bin/splitbrain" -> "/usr/bin"; "/x" -> "" */
    }
    for (size_t i = 0; !found && i < CLOCKCTL_N_DIRS; i++) {
        snprintf(cand, sizeof(cand), "%s%s/%s", exe, clockctl_dirs[i], name);
        if (access(cand, R_OK) == 0)
            found = cand;
        else
            clockctl_tried(tried, sizeof(tried), cand);
    }
    if (!found) {
        sb_err_set(err, "%s not found (%s): %s", name, hint, tried);
        return -1;
    }
    char folded[PATH_MAX];
    if (realpath(found, folded))
        found = folded;
    if (strlen(found) >= len) {
        sb_err_set(err, "path of %s does not fit in %zu bytes: %s", name, len, found);
        return -1;
    }
    memcpy(out, found, strlen(found) + 1);
    return 0;
}

int clockctl_shim_path(char *out, size_t len, char *err)
{
    const char *env = getenv(SB_CLOCK_SHIM_ENV);
    if (env && *env) {
        if (strlen(env) >= len) {
            sb_err_set(err, "$%s is too long (%zu bytes, room for %zu)", SB_CLOCK_SHIM_ENV,
                       strlen(env), len - 1);
            return -1;
        }
        if (access(env, R_OK) == -1) {
            sb_err_set(err, "clock shim %s (from $" SB_CLOCK_SHIM_ENV "): %s", env,
                       strerror(errno));
            return -1;
        }
        memcpy(out, env, strlen(env) + 1);
        return 0;
    }
    return clockctl_find(SB_CLOCK_SHIM_NAME, NULL,
                         "the clock shim; build target sbclock, install splitbrain, "
                         "or set $" SB_CLOCK_SHIM_ENV,
                         out, len, err);
}

/* Path of tool: beside shim if it is there, else looked up as the shims. */
static int clockctl_beside(const char *shim, const char *tool, const char *hint, char *out,
                           size_t len, char *err)
{
    char beside[PATH_MAX + 256];
    const char *slash = strrchr(shim, '/');
    snprintf(beside, sizeof(beside), "%.*s%s", slash ? (int)(slash + 1 - shim) : 0, shim, tool);
    return clockctl_find(tool, beside, hint, out, len, err);
}

int clockctl_tool_path(const char *shim, char *out, size_t len, char *err)
{
    return clockctl_beside(shim, SB_CLOCK_TOOL_NAME,
                           "copied to remote hosts with the clock shim; build target "
                           "sbclockctl or install splitbrain",
                           out, len, err);
}

int clockctl_disk_shim_path(char *out, size_t len, char *err)
{
    return clockctl_find(SB_DISK_SHIM_NAME, NULL,
                         "the file-system fault layer; build target sbdisk or install splitbrain",
                         out, len, err);
}

int clockctl_disk_tool_path(const char *disk_shim, char *out, size_t len, char *err)
{
    return clockctl_beside(disk_shim, SB_DISK_TOOL_NAME,
                           "copied to remote hosts with libsbdisk.so; build target sbdiskctl "
                           "or install splitbrain",
                           out, len, err);
}
