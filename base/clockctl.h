/* clockctl.h -- the controller's side of the clock-skew shim: creates the
 * control file that libsbclock.so maps inside redis-server and sentinels
 * (shim/sbclock_ctl.h) and changes the offset it publishes.
 *
 * A process started with LD_PRELOAD=<clockctl_shim_path()> and
 * SB_CLOCK_CTL=<clockctl_path()> sees CLOCK_REALTIME, gettimeofday() and
 * time() shifted by clockctl_offset_now(), and its monotonic clocks too
 * after clockctl_set_monotonic(c, 1). Changes take effect at the process's
 * next clock read. One control file may serve many processes; give each
 * process its own file to skew them independently.
 *
 * All times are int64_t nanoseconds; a positive offset moves clocks ahead.
 * The setters may be called from several threads at once. */
#ifndef SB_CLOCKCTL_H
#define SB_CLOCKCTL_H

#include <stddef.h>
#include <stdint.h>

#define SB_CLOCK_SHIM_ENV "SB_CLOCK_SHIM" /* overrides where the shim is */
#define SB_CLOCK_SHIM_NAME "libsbclock.so"
#define SB_CLOCK_TOOL_NAME "sbclockctl" /* next to the shim: shim/sbclockctl.c */

typedef struct sb_clockctl sb_clockctl;

/* Creates the control file at path (mode 0644): magic set, offset 0, no
 * strobe, monotonic clocks untouched. An existing file is replaced by a
 * rename, never truncated, so processes that still map it do not crash
 * (they keep the old one). Returns NULL with err on failure. */
sb_clockctl *clockctl_create(const char *path, char *err);
/* Maps an existing control file (made by clockctl_create, maybe by another
 * process) to change it in place. NULL with err if it is not one. */
sb_clockctl *clockctl_open(const char *path, char *err);
/* Unmaps, removes the file if unlink_file, frees. Processes that mapped
 * the file keep their last offset. NULL is a no-op. */
void clockctl_close(sb_clockctl *c, int unlink_file);
const char *clockctl_path(const sb_clockctl *c);

void clockctl_bump(sb_clockctl *c, int64_t delta_ns); /* offset += delta (saturating) */
void clockctl_set(sb_clockctl *c, int64_t offset_ns);
/* From now for duration_ns, every other period_ns adds delta_ns on top of
 * the offset: 0, delta, 0, delta, ... A period or duration <= 0 turns the
 * strobe off. Replaces any strobe already running. */
void clockctl_strobe(sb_clockctl *c, int64_t delta_ns, int64_t period_ns, int64_t duration_ns);
void clockctl_reset(sb_clockctl *c); /* offset 0, strobe off; the monotonic flag stays */
void clockctl_set_monotonic(sb_clockctl *c, int on);
/* The offset a shimmed process applies to its realtime clock right now. */
int64_t clockctl_offset_now(const sb_clockctl *c);

/* Path of libsbclock.so: $SB_CLOCK_SHIM if set, else the first readable
 * one of: next to /proc/self/exe (the build tree), then the installed
 * place <exe dir>/SB_SHIM_RELDIR (<libdir>/splitbrain, relative to
 * <bindir>, so a relocated installation works too). Returns 0, or -1 with
 * err naming every path tried if none is readable or the path does not
 * fit in len. */
int clockctl_shim_path(char *out, size_t len, char *err);
/* Path of sbclockctl, which travels with the shim to remote hosts: next
 * to shim (a path from clockctl_shim_path) if it is there, else looked up
 * as the shim is (next to the binary, then installed). 0, or -1 with err
 * naming every path tried. */
int clockctl_tool_path(const char *shim, char *out, size_t len, char *err);
/* Path of libsbdisk.so (the file-system fault layer, shim/sbdisk.c),
 * looked up as the clock shim is. 0, or -1 with err naming every path
 * tried. */
int clockctl_disk_shim_path(char *out, size_t len, char *err);
#define SB_DISK_SHIM_NAME "libsbdisk.so"
#define SB_DISK_TOOL_NAME "sbdiskctl" /* next to it: shim/sbdiskctl.c */
/* Path of sbdiskctl, which travels with libsbdisk.so to remote hosts:
 * found as clockctl_tool_path finds sbclockctl, beside disk_shim. */
int clockctl_disk_tool_path(const char *disk_shim, char *out, size_t len, char *err);

#endif
