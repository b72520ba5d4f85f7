/* cluster_slots.c -- Redis Cluster key hashing, slot maps from CLUSTER SLOTS
 * and CLUSTER SHARDS replies, and MOVED/ASK/TRYAGAIN/CLUSTERDOWN handling.
 * Pure functions only; see cluster_slots.h for the contracts. */
#include "cluster_slots.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SB_SLOT_MASK (SB_CLUSTER_SLOTS - 1) /* 16384 is a power of two */
#define SB_PORT_MAX 65535

/* ====== Hashing ====== */

/* crc16_table[b] is the CRC of the byte b shifted into a zero register,
 * polynomial 0x1021 (CCITT), most significant bit first (XMODEM). */
/* clang-format off */
static const uint16_t crc16_table[256] = {
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
    0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef,
    0x1231, 0x0210, 0x3273, 0x2252, 0x52b5, 0x4294, 0x72f7, 0x62d6,
    0x9339, 0x8318, 0xb37b, 0xa35a, 0xd3bd, 0xc39c, 0xf3ff, 0xe3de,
    0x2462, 0x3443, 0x0420, 0x1401, 0x64e6, 0x74c7, 0x44a4, 0x5485,
    0xa56a, 0xb54b, 0x8528, 0x9509, 0xe5ee, 0xf5cf, 0xc5ac, 0xd58d,
    0x3653, 0x2672, 0x1611, 0x0630, 0x76d7, 0x66f6, 0x5695, 0x46b4,
    0xb75b, 0xa77a, 0x9719, 0x8738, 0xf7df, 0xe7fe, 0xd79d, 0xc7bc,
    0x48c4, 0x58e5, 0x6886, 0x78a7, 0x0840, 0x1861, 0x2802, 0x3823,
    0xc9cc, 0xd9ed, 0xe98e, 0xf9af, 0x8948, 0x9969, 0xa90a, 0xb92b,
    0x5af5, 0x4ad4, 0x7ab7, 0x6a96, 0x1a71, 0x0a50, 0x3a33, 0x2a12,
    0xdbfd, 0xcbdc, 0xfbbf, 0xeb9e, 0x9b79, 0x8b58, 0xbb3b, 0xab1a,
    0x6ca6, 0x7c87, 0x4ce4, 0x5cc5, 0x2c22, 0x3c03, 0x0c60, 0x1c41,
    0xedae, 0xfd8f, 0xcdec, 0xddcd, 0xad2a, 0xbd0b, 0x8d68, 0x9d49,
    0x7e97, 0x6eb6, 0x5ed5, 0x4ef4, 0x3e13, 0x2e32, 0x1e51, 0x0e70,
    0xff9f, 0xefbe, 0xdfdd, 0xcffc, 0xbf1b, 0xaf3a, 0x9f59, 0x8f78,
    0x9188, 0x81a9, 0xb1ca, 0xa1eb, 0xd10c, 0xc12d, 0xf14e, 0xe16f,
    0x1080, 0x00a1, 0x30c2, 0x20e3, 0x5004, 0x4025, 0x7046, 0x6067,
    0x83b9, 0x9398, 0xa3fb, 0xb3da, 0xc33d, 0xd31c, 0xe37f, 0xf35e,
    0x02b1, 0x1290, 0x22f3, 0x32d2, 0x4235, 0x5214, 0x6277, 0x7256,
    0xb5ea, 0xa5cb, 0x95a8, 0x8589, 0xf56e, 0xe54f, 0xd52c, 0xc50d,
    0x34e2, 0x24c3, 0x14a0, 0x0481, 0x7466, 0x6447, 0x5424, 0x4405,
    0xa7db, 0xb7fa, 0x8799, 0x97b8, 0xe75f, 0xf77e, 0xc71d, 0xd73c,
    0x26d3, 0x36f2, 0x0691, 0x16b0, 0x6657, 0x7676, 0x4615, 0x5634,
    0xd94c, 0xc96d, 0xf90e, 0xe92f, 0x99c8, 0x89e9, 0xb98a, 0xa9ab,
    0x5844, 0x4865, 0x7806, 0x6827, 0x18c0, 0x08e1, 0x3882, 0x28a3,
    0xcb7d, 0xdb5c, 0xeb3f, 0xfb1e, 0x8bf9, 0x9bd8, 0xabbb, 0xbb9a,
    0x4a75, 0x5a54, 0x6a37, 0x7a16, 0x0af1, 0x1ad0, 0x2ab3, 0x3a92,
    0xfd2e, 0xed0f, 0xdd6c, 0xcd4d, 0xbdaa, 0xad8b, 0x9de8, 0x8dc9,
    0x7c26, 0x6c07, 0x5c64, 0x4c45, 0x3ca2, 0x2c83, 0x1ce0, 0x0cc1,
    0xef1f, 0xff3e, 0xcf5d, 0xdf7c, 0xaf9b, 0xbfba, 0x8fd9, 0x9ff8,
    0x6e17, 0x7e36, 0x4e55, 0x5e74, 0x2e93, 0x3eb2, 0x0ed1, 0x1ef0,
};
/* clang-format on */

uint16_t sb_crc16(const char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf;
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ crc16_table[((crc >> 8) ^ p[i]) & 0xff]);
    return crc;
}

int sb_keyslot(const char *key, size_t len)
{
    const char *open = len ? memchr(key, '{', len) : NULL;
    if (open) {
        size_t start = (size_t)(open - key) + 1;
        /* the first '}' after the first '{', and not right after it */
        const char *close = memchr(key + start, '}', len - start);
        if (close && close > key + start)
            return sb_crc16(key + start, (size_t)(close - (key + start))) & SB_SLOT_MASK;
    }
    return sb_crc16(key, len) & SB_SLOT_MASK;
}

/* ====== Reply helpers ====== */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const char *type_name(const redisReply *e)
{
    if (!e)
        return "missing";
    switch (e->type) {
    case REDIS_REPLY_STRING:
        return "a string";
    case REDIS_REPLY_ARRAY:
        return "an array";
    case REDIS_REPLY_INTEGER:
        return "an integer";
    case REDIS_REPLY_NIL:
        return "nil";
    case REDIS_REPLY_STATUS:
        return "a status";
    case REDIS_REPLY_ERROR:
        return "an error";
    default:
        return "an unsupported type";
    }
}

static int is_string(const redisReply *e)
{
    return e && (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS) &&
           (e->len == 0 || e->str);
}

/* Arrays, and RESP3 maps (hiredis >= 1.0 stores those as flat key, value
 * element lists, the RESP2 shape). */
static int is_aggregate(const redisReply *e)
{
    if (!e)
        return 0;
#ifdef REDIS_REPLY_MAP
    if (e->type == REDIS_REPLY_MAP)
        return e->elements == 0 || e->element;
#endif
    return e->type == REDIS_REPLY_ARRAY && (e->elements == 0 || e->element);
}

static int str_is(const redisReply *e, const char *s)
{
    size_t n = strlen(s);
    return is_string(e) && e->len == n && memcmp(e->str, s, n) == 0;
}

/* An integer reply, or a string of decimal digits (some servers and proxies
 * send numbers as bulk strings). */
static int reply_int(const redisReply *e, long long *v)
{
    if (e && e->type == REDIS_REPLY_INTEGER) {
        *v = e->integer;
        return 0;
    }
    if (!is_string(e) || e->len == 0 || e->len > 18)
        return -1;
    long long x = 0;
    for (size_t i = 0; i < e->len; i++) {
        if (e->str[i] < '0' || e->str[i] > '9')
            return -1;
        x = x * 10 + (e->str[i] - '0');
    }
    *v = x;
    return 0;
}

/* Copies a string (or nil, as "") into dst; -1 if it does not fit or holds
 * a NUL byte. */
static int copy_str(char *dst, size_t cap, const redisReply *e)
{
    if (e && e->type == REDIS_REPLY_NIL) {
        dst[0] = '\0';
        return 0;
    }
    if (!is_string(e) || e->len >= cap || (e->len && memchr(e->str, '\0', e->len)))
        return -1;
    if (e->len)
        memcpy(dst, e->str, e->len);
    dst[e->len] = '\0';
    return 0;
}

/* The value of key in a flat key, value, ... aggregate, or NULL. */
static const redisReply *map_get(const redisReply *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->elements; i += 2)
        if (str_is(map->element[i], key))
            return map->element[i + 1];
    return NULL;
}

/* ====== Slot map ====== */

void sb_slot_map_init(sb_slot_map *m)
{
    memset(m, 0, sizeof(*m));
    for (int s = 0; s < SB_CLUSTER_SLOTS; s++)
        m->owner[s] = -1;
}

int sb_slot_map_covered(const sb_slot_map *m)
{
    for (int s = 0; s < SB_CLUSTER_SLOTS; s++)
        if (m->owner[s] < 0)
            return 0;
    return 1;
}

const sb_slot_node *sb_slot_map_owner(const sb_slot_map *m, int slot)
{
    if (slot < 0 || slot >= SB_CLUSTER_SLOTS || m->owner[slot] < 0)
        return NULL;
    return &m->masters[m->owner[slot]];
}

/* Same node: same id when both have one (ids are unique and stable), else
 * same endpoint and port (Redis 3 replies carry no id). */
static int same_node(const sb_slot_node *a, const sb_slot_node *b)
{
    if (a->id[0] && b->id[0])
        return strcmp(a->id, b->id) == 0;
    return a->port == b->port && strcmp(a->addr, b->addr) == 0;
}

/* Index of n among the masters, adding it if new; -1 when full. */
static int add_master(sb_slot_map *m, const sb_slot_node *n)
{
    for (int i = 0; i < m->n_masters; i++)
        if (same_node(&m->masters[i], n))
            return i;
    if (m->n_masters == SB_SLOT_MAX_MASTERS)
        return -1;
    m->masters[m->n_masters] = *n;
    return m->n_masters++;
}

static void add_replica(sb_slot_map *m, int mi, const sb_slot_node *n)
{
    for (int i = 0; i < m->n_replicas[mi]; i++)
        if (same_node(&m->replicas[mi][i], n))
            return;
    if (m->n_replicas[mi] < SB_SLOT_MAX_REPLICAS)
        m->replicas[mi][m->n_replicas[mi]++] = *n;
}

static int check_port(long long port)
{
    return port >= 1 && port <= SB_PORT_MAX ? 0 : -1;
}

/* Gives slots start..end to master mi; what names the range for err. */
static int assign_range(sb_slot_map *m, long long start, long long end, int mi, const char *what,
                        char *err, size_t errlen)
{
    if (start < 0 || start >= SB_CLUSTER_SLOTS || end < 0 || end >= SB_CLUSTER_SLOTS) {
        set_err(err, errlen, "%s: range %lld-%lld outside 0..%d", what, start, end,
                SB_CLUSTER_SLOTS - 1);
        return -1;
    }
    if (start > end) {
        set_err(err, errlen, "%s: range %lld-%lld has start > end", what, start, end);
        return -1;
    }
    for (long long s = start; s <= end; s++) {
        if (m->owner[s] >= 0) {
            set_err(err, errlen, "%s: slot %lld is claimed twice", what, s);
            return -1;
        }
        m->owner[s] = (int16_t)mi;
    }
    return 0;
}

static int check_top(const redisReply *r, const char *cmd, char *err, size_t errlen)
{
    if (r && r->type == REDIS_REPLY_ERROR) {
        set_err(err, errlen, "%s: error reply: %.*s", cmd, (int)(r->str ? r->len : 0),
                r->str ? r->str : "");
        return -1;
    }
    if (!is_aggregate(r)) {
        set_err(err, errlen, "%s: reply is %s, expected an array", cmd, type_name(r));
        return -1;
    }
    return 0;
}

/* ------ CLUSTER SLOTS ------ */

/* [endpoint, port (, id (, metadata)) ...] */
static int slots_node(const redisReply *e, sb_slot_node *n, const char *what, char *err,
                      size_t errlen)
{
    long long port;
    memset(n, 0, sizeof(*n));
    if (!is_aggregate(e) || e->elements < 2) {
        set_err(err, errlen, "%s: is %s (%zu elements), expected [endpoint, port, id, ...]", what,
                type_name(e), e && is_aggregate(e) ? e->elements : 0);
        return -1;
    }
    if (copy_str(n->addr, sizeof(n->addr), e->element[0]) == -1) {
        set_err(err, errlen, "%s: endpoint is %s, expected a string or nil under %zu bytes", what,
                type_name(e->element[0]), sizeof(n->addr));
        return -1;
    }
    if (reply_int(e->element[1], &port) == -1 || check_port(port) == -1) {
        set_err(err, errlen, "%s: port is not an integer in 1..%d", what, SB_PORT_MAX);
        return -1;
    }
    n->port = (int)port;
    if (e->elements >= 3 && copy_str(n->id, sizeof(n->id), e->element[2]) == -1) {
        set_err(err, errlen, "%s: node id is %s, expected a string under %zu bytes", what,
                type_name(e->element[2]), sizeof(n->id));
        return -1;
    }
    if (e->elements >= 4 && !is_aggregate(e->element[3])) {
        set_err(err, errlen, "%s: metadata is %s, expected a map", what, type_name(e->element[3]));
        return -1;
    }
    return 0;
}

static int slots_entry(const redisReply *e, sb_slot_map *m, size_t idx, char *err, size_t errlen)
{
    char what[96];
    long long start, end;
    snprintf(what, sizeof(what), "CLUSTER SLOTS: entry %zu", idx);
    if (!is_aggregate(e) || e->elements < 3) {
        set_err(err, errlen, "%s: is %s (%zu elements), expected [start, end, master, replica...]",
                what, type_name(e), e && is_aggregate(e) ? e->elements : 0);
        return -1;
    }
    if (reply_int(e->element[0], &start) == -1 || reply_int(e->element[1], &end) == -1) {
        set_err(err, errlen, "%s: start/end are %s/%s, expected integers", what,
                type_name(e->element[0]), type_name(e->element[1]));
        return -1;
    }
    sb_slot_node n;
    char nwhat[128];
    snprintf(nwhat, sizeof(nwhat), "%s: master", what);
    if (slots_node(e->element[2], &n, nwhat, err, errlen) == -1)
        return -1;
    int mi = add_master(m, &n);
    if (mi < 0) {
        set_err(err, errlen, "%s: more than %d masters", what, SB_SLOT_MAX_MASTERS);
        return -1;
    }
    for (size_t j = 3; j < e->elements; j++) {
        snprintf(nwhat, sizeof(nwhat), "%s: replica %zu", what, j - 3);
        if (slots_node(e->element[j], &n, nwhat, err, errlen) == -1)
            return -1;
        add_replica(m, mi, &n);
    }
    return assign_range(m, start, end, mi, what, err, errlen);
}

int sb_slot_map_from_cluster_slots(const redisReply *r, sb_slot_map *m, char *err, size_t errlen)
{
    sb_slot_map_init(m);
    if (check_top(r, "CLUSTER SLOTS", err, errlen) == -1)
        return -1;
    for (size_t i = 0; i < r->elements; i++)
        if (slots_entry(r->element[i], m, i, err, errlen) == -1)
            return -1;
    return 0;
}

/* ------ CLUSTER SHARDS ------ */

typedef struct shard_node {
    sb_slot_node node;
    int master;  /* role "master" */
    int failing; /* health "fail" (Redis) or "failed" (as documented) */
} shard_node;

static int is_flat_map(const redisReply *e)
{
    return is_aggregate(e) && e->elements % 2 == 0;
}

/* One element of a shard's "nodes": a map with id, port/tls-port,
 * ip/endpoint, role, health. */
static int shards_node(const redisReply *e, shard_node *sn, const char *what, char *err,
                       size_t errlen)
{
    memset(sn, 0, sizeof(*sn));
    if (!is_flat_map(e)) {
        set_err(err, errlen, "%s: is %s, expected a map", what, type_name(e));
        return -1;
    }
    const redisReply *ep = map_get(e, "endpoint");
    if (!ep)
        ep = map_get(e, "ip");
    if (!ep || copy_str(sn->node.addr, sizeof(sn->node.addr), ep) == -1) {
        set_err(err, errlen, "%s: \"endpoint\"/\"ip\" is %s, expected a string under %zu bytes",
                what, type_name(ep), sizeof(sn->node.addr));
        return -1;
    }
    const redisReply *pr = map_get(e, "port");
    if (!pr)
        pr = map_get(e, "tls-port");
    long long port;
    if (reply_int(pr, &port) == -1 || check_port(port) == -1) {
        set_err(err, errlen, "%s: \"port\" is %s, expected an integer in 1..%d", what,
                type_name(pr), SB_PORT_MAX);
        return -1;
    }
    sn->node.port = (int)port;
    const redisReply *id = map_get(e, "id");
    if (id && copy_str(sn->node.id, sizeof(sn->node.id), id) == -1) {
        set_err(err, errlen, "%s: \"id\" is %s, expected a string under %zu bytes", what,
                type_name(id), sizeof(sn->node.id));
        return -1;
    }
    const redisReply *role = map_get(e, "role");
    if (str_is(role, "master")) {
        sn->master = 1;
    } else if (!str_is(role, "replica") && !str_is(role, "slave")) {
        set_err(err, errlen, "%s: \"role\" is %s, expected \"master\" or \"replica\"", what,
                is_string(role) ? "an unknown string" : type_name(role));
        return -1;
    }
    const redisReply *health = map_get(e, "health");
    sn->failing = str_is(health, "fail") || str_is(health, "failed");
    return 0;
}

static int shards_entry(const redisReply *e, sb_slot_map *m, size_t idx, char *err, size_t errlen)
{
    char what[96], nwhat[128];
    snprintf(what, sizeof(what), "CLUSTER SHARDS: shard %zu", idx);
    if (!is_flat_map(e)) {
        set_err(err, errlen, "%s: is %s, expected a map with \"slots\" and \"nodes\"", what,
                type_name(e));
        return -1;
    }
    const redisReply *slots = map_get(e, "slots"), *nodes = map_get(e, "nodes");
    if (!is_aggregate(slots) || slots->elements % 2 != 0) {
        set_err(err, errlen, "%s: \"slots\" is %s, expected a flat list of start,end pairs", what,
                type_name(slots));
        return -1;
    }
    if (!is_aggregate(nodes)) {
        set_err(err, errlen, "%s: \"nodes\" is %s, expected an array", what, type_name(nodes));
        return -1;
    }
    /* Validate every node, and pick the master (see the header). */
    shard_node sn, ms = {0};
    int have_master = 0;
    for (size_t j = 0; j < nodes->elements; j++) {
        snprintf(nwhat, sizeof(nwhat), "%s: node %zu", what, j);
        if (shards_node(nodes->element[j], &sn, nwhat, err, errlen) == -1)
            return -1;
        if (sn.master && (!have_master || (ms.failing && !sn.failing))) {
            ms = sn;
            have_master = 1;
        }
    }
    if (slots->elements == 0)
        return 0; /* a shard serving nothing adds no master */
    if (!have_master) {
        set_err(err, errlen, "%s: serves slots but has no node with role master", what);
        return -1;
    }
    int mi = add_master(m, &ms.node);
    if (mi < 0) {
        set_err(err, errlen, "%s: more than %d masters", what, SB_SLOT_MAX_MASTERS);
        return -1;
    }
    /* Already validated above, so this second parse cannot fail. */
    for (size_t j = 0; j < nodes->elements; j++)
        if (shards_node(nodes->element[j], &sn, what, err, errlen) == 0 && !sn.master &&
            !sn.failing)
            add_replica(m, mi, &sn.node);
    for (size_t k = 0; k < slots->elements; k += 2) {
        long long start, end;
        if (reply_int(slots->element[k], &start) == -1 ||
            reply_int(slots->element[k + 1], &end) == -1) {
            set_err(err, errlen, "%s: \"slots\" pair %zu is %s/%s, expected integers", what, k / 2,
                    type_name(slots->element[k]), type_name(slots->element[k + 1]));
            return -1;
        }
        if (assign_range(m, start, end, mi, what, err, errlen) == -1)
            return -1;
    }
    return 0;
}

int sb_slot_map_from_cluster_shards(const redisReply *r, sb_slot_map *m, char *err, size_t errlen)
{
    sb_slot_map_init(m);
    if (check_top(r, "CLUSTER SHARDS", err, errlen) == -1)
        return -1;
    for (size_t i = 0; i < r->elements; i++)
        if (shards_entry(r->element[i], m, i, err, errlen) == -1)
            return -1;
    return 0;
}

/* ====== Redirections and cluster errors ====== */

/* Parses 1..5 decimal digits at *p that must be followed by stop ('\0' for
 * the end of the string), advancing *p to stop; -1 on anything else. */
static long parse_small_uint(const char **p, char stop)
{
    const char *s = *p;
    long v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (++digits > 5)
            return -1;
        v = v * 10 + (*s - '0');
        s++;
    }
    if (digits == 0 || *s != stop)
        return -1;
    *p = s;
    return v;
}

sb_redir_kind sb_parse_redirect(const char *errstr, int *slot, char *addr, size_t addrlen,
                                int *port)
{
    sb_redir_kind kind;
    const char *p;
    if (!errstr)
        return SB_REDIR_NONE;
    if (strncmp(errstr, "MOVED ", 6) == 0) {
        kind = SB_REDIR_MOVED;
        p = errstr + 6;
    } else if (strncmp(errstr, "ASK ", 4) == 0) {
        kind = SB_REDIR_ASK;
        p = errstr + 4;
    } else {
        return SB_REDIR_NONE;
    }
    long s = parse_small_uint(&p, ' ');
    if (s < 0 || s >= SB_CLUSTER_SLOTS)
        return SB_REDIR_NONE;
    const char *ep = p + 1, *colon = strrchr(ep, ':');
    if (!colon)
        return SB_REDIR_NONE;
    const char *q = colon + 1;
    long pt = parse_small_uint(&q, '\0');
    if (check_port(pt) == -1)
        return SB_REDIR_NONE;
    size_t n = (size_t)(colon - ep);
    if (n >= 2 && ep[0] == '[' && ep[n - 1] == ']') {
        ep++;
        n -= 2;
    }
    for (size_t i = 0; i < n; i++)
        if (ep[i] == ' ' || ep[i] == '[' || ep[i] == ']')
            return SB_REDIR_NONE;
    if (!addr || n >= addrlen)
        return SB_REDIR_NONE;
    memcpy(addr, ep, n);
    addr[n] = '\0';
    if (slot)
        *slot = (int)s;
    if (port)
        *port = (int)pt;
    return kind;
}

/* True when errstr's first word is exactly code. */
static int has_code(const char *errstr, const char *code)
{
    size_t n = strlen(code);
    return strncmp(errstr, code, n) == 0 && (errstr[n] == '\0' || errstr[n] == ' ');
}

sb_cluster_err_kind sb_classify_cluster_error(const char *errstr)
{
    if (!errstr)
        return SB_CERR_OTHER;
    if (has_code(errstr, "MOVED") || has_code(errstr, "ASK"))
        return SB_CERR_RETRY_ELSEWHERE;
    if (has_code(errstr, "TRYAGAIN"))
        return SB_CERR_TRY_AGAIN;
    if (has_code(errstr, "CLUSTERDOWN"))
        return SB_CERR_CLUSTER_DOWN;
    return SB_CERR_OTHER;
}
