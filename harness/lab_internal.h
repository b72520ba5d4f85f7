/* lab_internal.h -- pieces shared by lab.c and lab_clean.c; not part of the
 * backend's interface. */
#ifndef SB_LAB_INTERNAL_H
#define SB_LAB_INTERNAL_H

#include <stdint.h>

#define SB_NAME_MAX_LAB 64
#define SB_MAX_HOSTS_LAB 64

/* Absolute path of a system tool (ip, nft), whatever PATH says. */
const char *lab_tool_path(const char *name);

/* SIGKILLs every process whose network namespace is /run/netns/<name> and
 * waits (up to timeout_ns) until none is left. Returns how many it killed. */
int lab_ns_kill_all(const char *name, int64_t timeout_ns);

/* Unmounts and removes /run/netns/<name>. */
int lab_ns_delete(const char *name, char *err);
/* Removes a folder and the files directly in it; 0 or -1. */
int lab_rmdir_flat(const char *path);

#endif
