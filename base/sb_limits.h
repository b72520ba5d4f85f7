/* sb_limits.h -- the program's fixed sizes, and the timeouts that are not
 * the scenario's to set, in one place. (Named sb_limits.h, not limits.h,
 * so that <limits.h> never finds it.) */
#ifndef SB_LIMITS_H
#define SB_LIMITS_H

#include "util.h" /* SB_NS_PER_S */

/* Hosts in a scenario, a lab and a cluster. */
#define SB_MAX_HOSTS 64

/* A command of ours on a host (ip, nft) before it is killed. */
#define SB_TOOL_TIMEOUT_NS (10 * SB_NS_PER_S)
/* The controller's own (out-of-band) connection to a node. */
#define SB_OOB_CONNECT_TIMEOUT_NS (10 * SB_NS_PER_S)
/* A service we start (origin, mediator) until its port answers. */
#define SB_SERVICE_START_TIMEOUT_NS (10 * SB_NS_PER_S)
/* ssh: opening the connection to a host, and one command over it. */
#define SB_SSH_CONNECT_TIMEOUT_NS (10 * SB_NS_PER_S)
#define SB_SSH_CMD_TIMEOUT_NS (15 * SB_NS_PER_S)
/* After SIGKILL, until the process (or every process of a namespace) is
 * gone. */
#define SB_KILL_WAIT_NS (5 * SB_NS_PER_S)

#endif
