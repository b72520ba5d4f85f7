/* cluster_slots.h -- the pure parts of a Redis Cluster client: key hashing,
 * the slot -> node map read from CLUSTER SLOTS / CLUSTER SHARDS, redirection
 * parsing and the classification of cluster error replies.
 *
 * Nothing here opens a socket; every function is a pure function of its
 * arguments, so a worker thread can keep its own sb_slot_map.
 *
 * Keys distribution model (Redis Cluster specification):
 *   HASH_SLOT = CRC16(key) mod 16384, with CRC16 the XMODEM/CCITT variant
 *   (polynomial 0x1021, initial value 0, no reflection, no final xor). When
 *   the key contains a '{', a '}' somewhere after it, and at least one byte
 *   between the first '{' and the first '}' after it, only those bytes (the
 *   "hash tag") are hashed. Keys are binary: lengths, never NUL-termination.
 *
 * What cluster error replies mean for a history (why a client may record
 * them as `fail`, or retry them):
 *   MOVED slot ep:port   the node does not serve the slot; the command was
 *                        rejected before execution. Retry at ep:port and
 *                        update the map.
 *   ASK slot ep:port     the slot is migrating and the key is not here; the
 *                        command was not executed. Retry once at ep:port,
 *                        preceded by ASKING; do not update the map.
 *   TRYAGAIN ...         a multi-key command during resharding whose keys are
 *                        split between source and target; not executed.
 *   CLUSTERDOWN ...      "The cluster is down", "Hash slot not served", "The
 *                        cluster is down and only accepts read commands":
 *                        the node refuses queries; not executed.
 * All four are produced by the node's routing step (getNodeByQuery in the
 * Redis source), which runs before the command does, so none of them can
 * come after a partial effect. This holds for the reply to a top-level
 * command (also EVAL/EXEC, whose declared keys are routed first). Errors a
 * script raises while it runs carry other codes ("ERR Script attempted to
 * access ...") and stay SB_CERR_OTHER: the script may have written before.
 * CROSSSLOT is also a pre-execution rejection but a client bug, so it is
 * SB_CERR_OTHER here; callers decide. */
#ifndef SB_CLUSTER_SLOTS_H
#define SB_CLUSTER_SLOTS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define SB_CLUSTER_SLOTS 16384
/* Limits of one map; a reply that needs more is rejected (masters) or
 * trimmed (replicas beyond SB_SLOT_MAX_REPLICAS are dropped: they never
 * own slots, so routing stays exact). */
#define SB_SLOT_MAX_MASTERS 64
#define SB_SLOT_MAX_REPLICAS 8

/* ====== Hashing ====== */

/* CRC16-CCITT (XMODEM); sb_crc16("123456789", 9) == 0x31C3. */
uint16_t sb_crc16(const char *buf, size_t len);
/* Hash slot 0..16383 of a binary key of len bytes, hash tags applied. */
int sb_keyslot(const char *key, size_t len);

/* ====== Slot map ====== */

/* One node as a reply names it. addr is the preferred endpoint (IP or
 * hostname). An empty addr means the endpoint is unknown (NULL or "" in the
 * reply): the spec says to use the host the reply came from with this port.
 * id is the 40-character node id, empty when the reply has none (Redis 3). */
typedef struct sb_slot_node {
    char addr[64];
    int port;
    char id[48];
} sb_slot_node;

/* About 100 KB: keep it on the heap or in a long-lived object. */
typedef struct sb_slot_map {
    int16_t owner[SB_CLUSTER_SLOTS];           /* index into masters, -1 none */
    sb_slot_node masters[SB_SLOT_MAX_MASTERS]; /* only masters owning slots */
    int n_masters;
    /* Replicas of masters[i] as listed (CLUSTER SLOTS omits failed replicas;
     * for CLUSTER SHARDS the ones with health "fail" are omitted to match). */
    sb_slot_node replicas[SB_SLOT_MAX_MASTERS][SB_SLOT_MAX_REPLICAS];
    int n_replicas[SB_SLOT_MAX_MASTERS];
} sb_slot_map;

/* Empties m: no masters, every slot unowned. */
void sb_slot_map_init(sb_slot_map *m);

/* Parses a CLUSTER SLOTS reply: an array of
 *   [start, end, master, replica...]
 * where each node is [endpoint, port] (Redis 3), [endpoint, port, id]
 * (Redis 4-6) or [endpoint, port, id, metadata] (Redis 7; metadata is a map,
 * a flat key/value array in RESP2). Elements after these are ignored, as the
 * command's documentation asks. Ranges must lie in 0..16383 with
 * start <= end and no slot may be claimed twice. Returns 0, or -1 with err
 * saying which element is wrong and what was expected; m is then unusable. */
int sb_slot_map_from_cluster_slots(const redisReply *r, sb_slot_map *m, char *err, size_t errlen);

/* Parses a CLUSTER SHARDS reply (Redis 7): an array of shards, each a map
 * (RESP3) or flat key/value array (RESP2) with "slots" -- a flat list of
 * inclusive start,end pairs -- and "nodes", maps with "id", "port" (or
 * "tls-port"), "ip", "endpoint", "role" ("master"/"replica") and "health"
 * ("online", "loading", "fail"). A node's address is its "endpoint", or "ip"
 * when there is no endpoint. A shard's master is its first node with role
 * master that is not failing (else its first master): after a failover the
 * old master can stay in the shard until it rejoins. Unknown keys are
 * ignored. Returns 0, or -1 with err. */
int sb_slot_map_from_cluster_shards(const redisReply *r, sb_slot_map *m, char *err, size_t errlen);

/* 1 when every one of the 16384 slots has an owner, else 0. */
int sb_slot_map_covered(const sb_slot_map *m);
/* The master serving slot, or NULL when none does or slot is out of range. */
const sb_slot_node *sb_slot_map_owner(const sb_slot_map *m, int slot);

/* ====== Redirections and cluster errors ====== */

typedef enum { SB_REDIR_NONE = 0, SB_REDIR_MOVED, SB_REDIR_ASK } sb_redir_kind;

/* Parses "MOVED 3999 127.0.0.1:6381" or "ASK 3999 10.0.0.2:6380" (the error
 * string as hiredis gives it, without '-'). The endpoint is everything up to
 * the last ':'; it may be an IPv4 address, a hostname, a bare IPv6 address
 * ("::1:7000") or a bracketed one ("[::1]:7000", brackets removed), or empty
 * (":6380", unknown endpoint: use the current host). Slot must be 0..16383
 * and port 1..65535, with nothing after the port. On success fills slot,
 * addr and port; otherwise (any other error, or an addr longer than
 * addrlen - 1) returns SB_REDIR_NONE and leaves them untouched. */
sb_redir_kind sb_parse_redirect(const char *errstr, int *slot, char *addr, size_t addrlen,
                                int *port);

typedef enum {
    SB_CERR_RETRY_ELSEWHERE = 0, /* MOVED, ASK: not executed here */
    SB_CERR_TRY_AGAIN,           /* TRYAGAIN: not executed, retry later */
    SB_CERR_CLUSTER_DOWN,        /* CLUSTERDOWN: not executed */
    SB_CERR_OTHER                /* anything else (and NULL): not a routing answer */
} sb_cluster_err_kind;

/* Classifies by the error code, the first word of the error string. See the
 * top of this file for why the first three kinds mean "did not run". */
sb_cluster_err_kind sb_classify_cluster_error(const char *errstr);

#endif
