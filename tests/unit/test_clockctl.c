/* test_clockctl.c -- the clock shim's control file: what the controller
 * writes is what a shimmed process reads (through its own read-only
 * mapping, as libsbclock.so does), the strobe's arithmetic, and the cases
 * where the shim must pass time through unchanged. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbclock_ctl.h"
#include "clockctl.h"
#include "util.h"

#define S(x) ((int64_t)SB_NS_PER_S * (x))
#define MS(x) ((int64_t)SB_NS_PER_MS * (x))

typedef struct fixture {
    char dir[64];
    char path[128];
    sb_clockctl *c;
    const volatile struct sb_clock_ctl *view; /* the shim's view of the file */
    size_t view_size;
} fixture;

/* Maps path the way the shim does; NULL if the shim would ignore it. */
static const volatile struct sb_clock_ctl *map_like_shim(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return NULL;
    struct stat st;
    void *map = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct sb_clock_ctl))
        map = mmap(NULL, sizeof(struct sb_clock_ctl), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return NULL;
    *size = (size_t)st.st_size;
    if (!sb_clock_ctl_valid(map, *size)) {
        munmap(map, sizeof(struct sb_clock_ctl));
        return NULL;
    }
    return map;
}

static void unmap_view(const volatile struct sb_clock_ctl *v)
{
    if (v)
        munmap((void *)(uintptr_t)v, sizeof(struct sb_clock_ctl));
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    char err[SB_ERR_LEN];
    if (!f)
        return -1;
    *state = f;
    strcpy(f->dir, "/tmp/sb-clockctl-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/clock.ctl", f->dir);
    f->c = clockctl_create(f->path, err);
    if (!f->c) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    f->view = map_like_shim(f->path, &f->view_size);
    return f->view ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char err[SB_ERR_LEN];
    unmap_view(f->view);
    clockctl_close(f->c, 1);
    sb_rm_rf(f->dir, err);
    free(f);
    return 0;
}

/* The offset the shim would apply at raw monotonic time mono_ns. */
static int64_t shim_offset(const fixture *f, int64_t mono_ns)
{
    return sb_clock_effective_offset(f->view, mono_ns, NULL);
}

/* ====== The file ====== */

static void control_file_is_one_world_readable_page_with_no_skew(void **state)
{
    fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(st.st_size, sysconf(_SC_PAGESIZE));
    assert_true(f->view->magic == SB_CLOCK_MAGIC);
    assert_true(f->view->seq % 2 == 0);
    uint32_t flags = 99;
    assert_int_equal(sb_clock_effective_offset(f->view, sb_now_ns(), &flags), 0);
    assert_int_equal(flags, 0);
    assert_int_equal(clockctl_offset_now(f->c), 0);
    assert_string_equal(clockctl_path(f->c), f->path);
}

static void bump_and_set_move_the_offset_and_reset_clears_it(void **state)
{
    fixture *f = *state;
    int64_t now = sb_now_ns();
    clockctl_bump(f->c, S(30));
    assert_int_equal(shim_offset(f, now), S(30));
    clockctl_bump(f->c, -S(60));
    assert_int_equal(shim_offset(f, now), -S(30));
    assert_int_equal(clockctl_offset_now(f->c), -S(30));
    clockctl_set(f->c, MS(1500));
    assert_int_equal(shim_offset(f, now), MS(1500));
    clockctl_reset(f->c);
    assert_int_equal(shim_offset(f, now), 0);
    assert_true(f->view->seq % 2 == 0);
}

static void bumps_saturate_instead_of_wrapping(void **state)
{
    fixture *f = *state;
    clockctl_set(f->c, INT64_MAX - 1);
    clockctl_bump(f->c, 10);
    assert_true(clockctl_offset_now(f->c) == INT64_MAX);
    clockctl_set(f->c, INT64_MIN + 1);
    clockctl_bump(f->c, -10);
    assert_true(clockctl_offset_now(f->c) == INT64_MIN);
}

static void monotonic_flag_is_published_and_survives_reset(void **state)
{
    fixture *f = *state;
    uint32_t flags = 0;
    clockctl_set_monotonic(f->c, 1);
    sb_clock_effective_offset(f->view, 0, &flags);
    assert_int_equal(flags, SB_CLOCK_MONOTONIC);
    clockctl_reset(f->c);
    sb_clock_effective_offset(f->view, 0, &flags);
    assert_int_equal(flags, SB_CLOCK_MONOTONIC);
    clockctl_set_monotonic(f->c, 0);
    sb_clock_effective_offset(f->view, 0, &flags);
    assert_int_equal(flags, 0);
}

/* ====== Strobe ====== */

static void strobe_alternates_offset_and_offset_plus_delta(void **state)
{
    fixture *f = *state;
    clockctl_set(f->c, S(1));
    clockctl_strobe(f->c, S(10), MS(200), S(1));
    int64_t start = f->view->strobe_start_ns, end = f->view->strobe_end_ns;
    assert_int_equal(end - start, S(1));
    assert_int_equal(shim_offset(f, start - 1), S(1));
    assert_int_equal(shim_offset(f, start), S(1));
    assert_int_equal(shim_offset(f, start + MS(200) - 1), S(1));
    assert_int_equal(shim_offset(f, start + MS(200)), S(11));
    assert_int_equal(shim_offset(f, start + MS(399)), S(11));
    assert_int_equal(shim_offset(f, start + MS(400)), S(1));
    assert_int_equal(shim_offset(f, start + MS(600)), S(11));
    assert_int_equal(shim_offset(f, end - 1), S(1)); /* period 4: even */
    assert_int_equal(shim_offset(f, end), S(1));
    int64_t now = clockctl_offset_now(f->c);
    assert_true(now == S(1) || now == S(11));
}

static void strobe_without_period_or_duration_is_off(void **state)
{
    fixture *f = *state;
    clockctl_strobe(f->c, S(10), MS(200), S(5));
    clockctl_strobe(f->c, S(10), 0, S(5));
    assert_int_equal(f->view->strobe_delta_ns, 0);
    clockctl_strobe(f->c, S(10), MS(200), 0);
    int64_t start = sb_now_ns();
    for (int i = 0; i < 10; i++)
        assert_int_equal(shim_offset(f, start + MS(100) + i * MS(200)), 0);
}

static void strobe_arithmetic_on_a_hand_made_block(void **state)
{
    (void)state;
    struct sb_clock_ctl c = {.magic = SB_CLOCK_MAGIC,
                             .offset_ns = -S(2),
                             .strobe_delta_ns = -S(5),
                             .strobe_period_ns = 100,
                             .strobe_start_ns = 1000,
                             .strobe_end_ns = 1500};
    assert_int_equal(sb_clock_effective_offset(&c, 999, NULL), -S(2));
    assert_int_equal(sb_clock_effective_offset(&c, 1050, NULL), -S(2));
    assert_int_equal(sb_clock_effective_offset(&c, 1150, NULL), -S(7));
    assert_int_equal(sb_clock_effective_offset(&c, 1250, NULL), -S(2));
    assert_int_equal(sb_clock_effective_offset(&c, 1499, NULL), -S(2));
    assert_int_equal(sb_clock_effective_offset(&c, 1450, NULL), -S(2));
    assert_int_equal(sb_clock_effective_offset(&c, 1350, NULL), -S(7));
    assert_int_equal(sb_clock_effective_offset(&c, 1500, NULL), -S(2));
}

/* ====== When the shim passes time through ====== */

static void foreign_or_short_blocks_are_not_trusted(void **state)
{
    fixture *f = *state;
    struct sb_clock_ctl c = {.magic = SB_CLOCK_MAGIC ^ 1, .offset_ns = S(100)};
    assert_false(sb_clock_ctl_valid(&c, sizeof(c)));
    c.magic = SB_CLOCK_MAGIC;
    assert_true(sb_clock_ctl_valid(&c, sizeof(c)));
    assert_false(sb_clock_ctl_valid(&c, sizeof(c) - 1));
    assert_false(sb_clock_ctl_valid(NULL, 4096));

    char other[160];
    snprintf(other, sizeof(other), "%s/foreign", f->dir);
    char page[4096];
    memset(page, 'x', sizeof(page));
    char err[SB_ERR_LEN];
    assert_int_equal(sb_write_file(other, page, sizeof(page), err), 0);
    size_t size;
    assert_null(map_like_shim(other, &size));
    assert_int_equal(sb_write_file(other, "", 0, err), 0);
    assert_null(map_like_shim(other, &size));
}

static void reader_gives_up_on_a_writer_that_died_mid_write(void **state)
{
    (void)state;
    struct sb_clock_ctl c = {.magic = SB_CLOCK_MAGIC, .seq = 7, .flags = 1, .offset_ns = S(5)};
    uint32_t flags = 99;
    assert_int_equal(sb_clock_effective_offset(&c, 0, &flags), 0);
    assert_int_equal(flags, 0);
    c.seq = 8;
    assert_int_equal(sb_clock_effective_offset(&c, 0, &flags), S(5));
    assert_int_equal(flags, SB_CLOCK_MONOTONIC);
}

static void recreating_the_file_leaves_old_mappings_readable(void **state)
{
    fixture *f = *state;
    char err[SB_ERR_LEN];
    clockctl_set(f->c, S(3));
    sb_clockctl *again = clockctl_create(f->path, err);
    assert_non_null(again);
    /* The old page is still mapped and intact (a truncation would SIGBUS). */
    assert_true(f->view->magic == SB_CLOCK_MAGIC);
    assert_int_equal(shim_offset(f, 0), S(3));
    size_t size;
    const volatile struct sb_clock_ctl *fresh = map_like_shim(f->path, &size);
    assert_non_null(fresh);
    assert_int_equal(sb_clock_effective_offset(fresh, 0, NULL), 0);
    clockctl_bump(again, S(1));
    assert_int_equal(sb_clock_effective_offset(fresh, 0, NULL), S(1));
    assert_int_equal(shim_offset(f, 0), S(3));
    unmap_view(fresh);
    clockctl_close(again, 0);
}

static void create_names_the_call_that_failed(void **state)
{
    fixture *f = *state;
    char path[160], err[SB_ERR_LEN] = "";
    snprintf(path, sizeof(path), "%s/missing/clock.ctl", f->dir);
    assert_null(clockctl_create(path, err));
    assert_non_null(strstr(err, "mkostemp"));
    assert_non_null(strstr(err, "No such file"));
    assert_null(clockctl_create("", err));
}

/* ====== Writers ====== */

#define BUMPERS 4
#define BUMPS 20000

static void *bump_many(void *arg)
{
    for (int i = 0; i < BUMPS; i++)
        clockctl_bump(arg, 1);
    return NULL;
}

static void concurrent_bumps_are_not_lost(void **state)
{
    fixture *f = *state;
    pthread_t t[BUMPERS];
    for (int i = 0; i < BUMPERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, bump_many, f->c), 0);
    for (int i = 0; i < BUMPERS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(clockctl_offset_now(f->c), BUMPERS * BUMPS);
    assert_int_equal(f->view->seq, 2 * BUMPERS * BUMPS);
}

/* ====== Finding the shim ====== */

static void shim_path_prefers_the_environment_then_the_binary_dir(void **state)
{
    fixture *f = *state;
    char out[PATH_MAX], err[SB_ERR_LEN];
    const char *saved = getenv(SB_CLOCK_SHIM_ENV);
    char *keep = saved ? strdup(saved) : NULL;

    setenv(SB_CLOCK_SHIM_ENV, f->path, 1);
    assert_int_equal(clockctl_shim_path(out, sizeof(out), err), 0);
    assert_string_equal(out, f->path);
    assert_int_equal(clockctl_shim_path(out, 8, err), -1);
    assert_non_null(strstr(err, "too long"));
    setenv(SB_CLOCK_SHIM_ENV, "/nonexistent/libsbclock.so", 1);
    assert_int_equal(clockctl_shim_path(out, sizeof(out), err), -1);
    assert_non_null(strstr(err, "/nonexistent/libsbclock.so"));

    /* Unset: next to this test binary, which the build may or may not
     * have produced yet; either way the answer names that place. */
    unsetenv(SB_CLOCK_SHIM_ENV);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    char want[PATH_MAX + 32];
    snprintf(want, sizeof(want), "%s/libsbclock.so", exe);
    if (clockctl_shim_path(out, sizeof(out), err) == 0)
        assert_string_equal(out, want);
    else
        assert_non_null(strstr(err, want));

    if (keep)
        setenv(SB_CLOCK_SHIM_ENV, keep, 1);
    free(keep);
}

/* sbclockctl travels with the shim: beside it first (a shim from
 * $SB_CLOCK_SHIM may come with its own), else where the binary's build or
 * installation has it; a failure names every place tried. */
static void tool_path_prefers_the_shims_folder_then_the_binarys(void **state)
{
    fixture *f = *state;
    char shim[PATH_MAX], tool[PATH_MAX], out[PATH_MAX], err[SB_ERR_LEN];
    snprintf(shim, sizeof(shim), "%s/libsbclock.so", f->dir);
    snprintf(tool, sizeof(tool), "%s/sbclockctl", f->dir);
    assert_int_equal(sb_write_file(shim, "", 0, err), 0);
    assert_int_equal(sb_write_file(tool, "", 0, err), 0);
    assert_int_equal(clockctl_tool_path(shim, out, sizeof(out), err), 0);
    char want[PATH_MAX];
    assert_non_null(realpath(tool, want));
    assert_string_equal(out, want);

    unlink(tool);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    char beside_exe[PATH_MAX + 32];
    snprintf(beside_exe, sizeof(beside_exe), "%s/sbclockctl", exe);
    if (clockctl_tool_path(shim, out, sizeof(out), err) == 0) {
        assert_string_equal(out, beside_exe); /* the build made it */
    } else {
        assert_non_null(strstr(err, tool));
        assert_non_null(strstr(err, beside_exe));
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(control_file_is_one_world_readable_page_with_no_skew),
        T(bump_and_set_move_the_offset_and_reset_clears_it),
        T(bumps_saturate_instead_of_wrapping),
        T(monotonic_flag_is_published_and_survives_reset),
        T(strobe_alternates_offset_and_offset_plus_delta),
        T(strobe_without_period_or_duration_is_off),
        cmocka_unit_test(strobe_arithmetic_on_a_hand_made_block),
        T(foreign_or_short_blocks_are_not_trusted),
        cmocka_unit_test(reader_gives_up_on_a_writer_that_died_mid_write),
        T(recreating_the_file_leaves_old_mappings_readable),
        T(create_names_the_call_that_failed),
        T(concurrent_bumps_are_not_lost),
        T(shim_path_prefers_the_environment_then_the_binary_dir),
        T(tool_path_prefers_the_shims_folder_then_the_binarys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
