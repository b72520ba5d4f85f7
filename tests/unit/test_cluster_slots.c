/* test_cluster_slots.c -- Redis Cluster key hashing (CRC16, hash tags,
 * binary keys), slot maps from hand-built CLUSTER SLOTS and CLUSTER SHARDS
 * reply trees, MOVED/ASK parsing and cluster error classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster_slots.h"
#include "util.h"

/* ====== Reply trees built by hand (freed by r_free, not hiredis) ====== */

static redisReply *r_new(int type)
{
    redisReply *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->type = type;
    return r;
}

static redisReply *r_int(long long v)
{
    redisReply *r = r_new(REDIS_REPLY_INTEGER);
    r->integer = v;
    return r;
}

static redisReply *r_bin(const char *s, size_t len, int type)
{
    redisReply *r = r_new(type);
    r->str = malloc(len + 1);
    assert_non_null(r->str);
    memcpy(r->str, s, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

static redisReply *r_str(const char *s)
{
    return r_bin(s, strlen(s), REDIS_REPLY_STRING);
}

static redisReply *r_nil(void)
{
    return r_new(REDIS_REPLY_NIL);
}

/* r_arr(n, e0, ..., en-1) */
static redisReply *r_arr(size_t n, ...)
{
    redisReply *r = r_new(REDIS_REPLY_ARRAY);
    r->elements = n;
    r->element = n ? calloc(n, sizeof(*r->element)) : NULL;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        r->element[i] = va_arg(ap, redisReply *);
    va_end(ap);
    return r;
}

static void r_free(redisReply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->elements; i++)
        r_free(r->element[i]);
    free(r->element);
    free(r->str);
    free(r);
}

/* A CLUSTER SLOTS node as Redis 4-6 sends it: [ip, port, id]. */
static redisReply *node6(const char *ip, int port, const char *id)
{
    return r_arr(3, r_str(ip), r_int(port), r_str(id));
}

/* Redis 7: [endpoint, port, id, {hostname: ...}] (RESP2 flat map). */
static redisReply *node7(const char *ip, int port, const char *id, const char *hostname)
{
    redisReply *meta = hostname ? r_arr(2, r_str("hostname"), r_str(hostname)) : r_arr(0);
    return r_arr(4, r_str(ip), r_int(port), r_str(id), meta);
}

/* A CLUSTER SHARDS node map in RESP2 form. */
static redisReply *shard_node(const char *id, int port, const char *ip, const char *role,
                              const char *health)
{
    return r_arr(14, r_str("id"), r_str(id), r_str("port"), r_int(port), r_str("ip"), r_str(ip),
                 r_str("endpoint"), r_str(ip), r_str("role"), r_str(role),
                 r_str("replication-offset"), r_int(72156), r_str("health"), r_str(health));
}

static sb_slot_map *map_new(void)
{
    sb_slot_map *m = malloc(sizeof(*m));
    assert_non_null(m);
    return m;
}

#define ID_A "e10b7051d6bf2d5febd39a2be297bbaea6084111"
#define ID_B "1d4d02b8b1fa5fae1b3e1eb8d9c0ac1e9b1bfb3e"
#define ID_C "59c2a6a1a8b1ec1e9d7a3c2b1bd49d9f2b4a0f11"
#define ID_D "0b9a8f7e6d5c4b3a29180716f5e4d3c2b1a09f8e"
#define ID_E "aa11bb22cc33dd44ee55ff6600771188229933aa"
#define ID_F "ff00ee11dd22cc33bb44aa5599668877665544ff"

/* ====== Hashing ====== */

/* A second, independent CRC16-XMODEM: bit by bit, no table. */
static uint16_t crc16_bitwise(const unsigned char *p, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* The spec's hash-tag rule written independently, with indices. */
static int keyslot_reference(const unsigned char *k, size_t len)
{
    for (size_t s = 0; s < len; s++) {
        if (k[s] != '{')
            continue;
        for (size_t e = s + 1; e < len; e++) {
            if (k[e] != '}')
                continue;
            if (e == s + 1)
                break; /* "{}": hash the whole key */
            return crc16_bitwise(k + s + 1, e - s - 1) % 16384;
        }
        break; /* only the first '{' counts */
    }
    return crc16_bitwise(k, len) % 16384;
}

static int slot_of(const char *s)
{
    return sb_keyslot(s, strlen(s));
}

static void crc16_is_xmodem_with_check_value_0x31c3(void **state)
{
    (void)state;
    assert_int_equal(sb_crc16("123456789", 9), 0x31C3);
    assert_int_equal(sb_crc16("", 0), 0);
    assert_int_equal(sb_crc16("A", 1), crc16_bitwise((const unsigned char *)"A", 1));
}

static void crc16_table_agrees_with_bitwise_crc_on_random_bytes(void **state)
{
    (void)state;
    sb_rng rng;
    sb_rng_seed(&rng, 20240607);
    unsigned char buf[80];
    for (int i = 0; i < 20000; i++) {
        size_t len = sb_rng_next(&rng) % sizeof(buf);
        for (size_t j = 0; j < len; j++)
            buf[j] = (unsigned char)sb_rng_next(&rng);
        assert_int_equal(sb_crc16((const char *)buf, len), crc16_bitwise(buf, len));
    }
}

/* Each pair is published with its slot by a source that ran Redis (or a
 * compatible server): the CLUSTER KEYSLOT and MOVED error reference pages,
 * the cluster tutorial, Dragonfly's CLUSTER KEYSLOT page ("same as Valkey"),
 * and the list of one key per slot that the Lettuce client tests use. */
static void keyslot_matches_slots_published_by_redis(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        int slot;
    } known[] = {
        {"somekey", 11058},          /* CLUSTER KEYSLOT docs */
        {"foo{hash_tag}", 2515},     /* CLUSTER KEYSLOT docs */
        {"bar{hash_tag}", 2515},     /* CLUSTER KEYSLOT docs */
        {"foo", 12182},              /* MOVED error docs, cluster tutorial */
        {"hello", 866},              /* cluster tutorial */
        {"bar", 5061},               /* cluster tutorial */
        {"{user1}.following", 8106}, /* Dragonfly/Valkey CLUSTER KEYSLOT */
        {"user:case", 9491},         /* redis-cli session in a blog post */
        {"user:info", 15429},
        {"user:info{1}", 9842},
        {"user:case{1}", 9842},
        {"fyimk7v1CgnBo", 0}, /* one key per slot list */
        {"8HMdi", 1},
        {"IQhHSeAVHI", 2},
        {"N8mstVwJZoSaIg", 3},
        {"e2esUEU", 4},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        int got = slot_of(known[i].key);
        if (got != known[i].slot)
            fail_msg("slot(%s) = %d, published %d", known[i].key, got, known[i].slot);
        assert_int_equal(
            keyslot_reference((const unsigned char *)known[i].key, strlen(known[i].key)),
            known[i].slot);
    }
}

static void hash_tags_follow_the_spec_examples(void **state)
{
    (void)state;
    /* {user1000}.following and .followers: same slot, that of "user1000" */
    assert_int_equal(slot_of("{user1000}.following"), slot_of("{user1000}.followers"));
    assert_int_equal(slot_of("{user1000}.following"), slot_of("user1000"));
    /* foo{}{bar}: empty first tag, the whole key is hashed */
    assert_int_equal(slot_of("foo{}{bar}"), sb_crc16("foo{}{bar}", 10) % 16384);
    assert_int_not_equal(slot_of("foo{}{bar}"), slot_of("bar"));
    /* foo{{bar}}zap: "{bar" is hashed */
    assert_int_equal(slot_of("foo{{bar}}zap"), slot_of("{bar"));
    assert_int_equal(slot_of("foo{{bar}}zap"), sb_crc16("{bar", 4) % 16384);
    /* foo{bar}{zap}: "bar" is hashed */
    assert_int_equal(slot_of("foo{bar}{zap}"), slot_of("bar"));
    assert_int_not_equal(slot_of("foo{bar}{zap}"), slot_of("zap"));
    /* no closing brace, or braces the wrong way round: whole key */
    assert_int_equal(slot_of("{"), sb_crc16("{", 1) % 16384);
    assert_int_equal(slot_of("{}"), sb_crc16("{}", 2) % 16384);
    assert_int_equal(slot_of("foo{bar"), sb_crc16("foo{bar", 7) % 16384);
    assert_int_equal(slot_of("foo}bar{"), sb_crc16("foo}bar{", 8) % 16384);
    /* a '}' before the first '{' does not count */
    assert_int_equal(slot_of("}{a}"), slot_of("a"));
    assert_int_equal(slot_of("x{a}"), slot_of("a"));
    assert_int_equal(slot_of(""), 0);
}

static void keyslot_hashes_binary_keys_by_length(void **state)
{
    (void)state;
    static const char k1[] = {'a', '\0', 'b'};
    assert_int_equal(sb_keyslot(k1, 3), crc16_bitwise((const unsigned char *)k1, 3) % 16384);
    assert_int_not_equal(sb_keyslot(k1, 3), slot_of("a"));
    /* a tag holding a NUL byte */
    static const char k2[] = {'x', '{', 'a', '\0', 'b', '}', 'y'};
    assert_int_equal(sb_keyslot(k2, sizeof(k2)), sb_keyslot(k1, 3));
    /* a NUL byte before the tag does not end the key */
    static const char k3[] = {'\0', '{', 'u', '}'};
    assert_int_equal(sb_keyslot(k3, sizeof(k3)), slot_of("u"));
    /* high bytes */
    static const char k4[] = {(char)0xff, (char)0xfe, (char)0x80, '{', (char)0xc3, '}'};
    assert_int_equal(sb_keyslot(k4, sizeof(k4)),
                     crc16_bitwise((const unsigned char *)"\xc3", 1) % 16384);
    /* only len bytes count: the '}' beyond len is not seen */
    assert_int_equal(sb_keyslot("foo{bar}", 7), sb_crc16("foo{bar", 7) % 16384);
    assert_int_equal(sb_keyslot("foo{bar}", 3), slot_of("foo"));
}

static void keyslot_agrees_with_reference_on_random_braced_keys(void **state)
{
    (void)state;
    static const unsigned char alphabet[] = {'{', '}', 'a', 'b', '\0', 0xff};
    sb_rng rng;
    sb_rng_seed(&rng, 7);
    unsigned char key[16];
    for (int i = 0; i < 50000; i++) {
        size_t len = sb_rng_next(&rng) % sizeof(key);
        for (size_t j = 0; j < len; j++)
            key[j] = alphabet[sb_rng_next(&rng) % sizeof(alphabet)];
        assert_int_equal(sb_keyslot((const char *)key, len), keyslot_reference(key, len));
    }
}

/* ====== CLUSTER SLOTS ====== */

static void cluster_slots_redis6_three_masters_with_replicas(void **state)
{
    (void)state;
    redisReply *r =
        r_arr(3,
              r_arr(4, r_int(0), r_int(5460), node6("10.0.0.1", 7000, ID_A),
                    node6("10.0.0.4", 7003, ID_D)),
              r_arr(4, r_int(5461), r_int(10922), node6("10.0.0.2", 7001, ID_B),
                    node6("10.0.0.5", 7004, ID_E)),
              r_arr(5, r_int(10923), r_int(16383), node6("10.0.0.3", 7002, ID_C),
                    node6("10.0.0.6", 7005, ID_F),
                    node6("10.0.0.7", 7006, "77777777777777777777777777777777777777aa")));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 3);
    assert_int_equal(sb_slot_map_covered(m), 1);
    assert_string_equal(sb_slot_map_owner(m, 0)->addr, "10.0.0.1");
    assert_int_equal(sb_slot_map_owner(m, 5460)->port, 7000);
    assert_string_equal(sb_slot_map_owner(m, 5461)->id, ID_B);
    assert_int_equal(sb_slot_map_owner(m, 10922)->port, 7001);
    assert_int_equal(sb_slot_map_owner(m, 10923)->port, 7002);
    assert_int_equal(sb_slot_map_owner(m, 16383)->port, 7002);
    assert_null(sb_slot_map_owner(m, 16384));
    assert_null(sb_slot_map_owner(m, -1));
    /* "foo" is in slot 12182: the third master */
    assert_string_equal(sb_slot_map_owner(m, slot_of("foo"))->id, ID_C);
    int c = m->owner[10923];
    assert_int_equal(m->n_replicas[c], 2);
    assert_string_equal(m->replicas[c][0].addr, "10.0.0.6");
    assert_int_equal(m->replicas[c][1].port, 7006);
    assert_int_equal(m->n_replicas[m->owner[0]], 1);
    assert_string_equal(m->replicas[m->owner[0]][0].id, ID_D);
    r_free(r);
    free(m);
}

static void cluster_slots_redis7_metadata_and_unknown_endpoints(void **state)
{
    (void)state;
    redisReply *unknown = r_arr(4, r_nil(), r_int(7001), r_str(ID_B), r_arr(0));
    redisReply *r =
        r_arr(2,
              r_arr(4, r_int(0), r_int(8191), node7("n1.example", 6379, ID_A, "n1.example"),
                    node7("10.0.0.4", 6380, ID_D, NULL)),
              r_arr(3, r_int(8192), r_int(16383), unknown));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 2);
    assert_int_equal(sb_slot_map_covered(m), 1);
    assert_string_equal(sb_slot_map_owner(m, 100)->addr, "n1.example");
    assert_int_equal(m->n_replicas[m->owner[100]], 1);
    assert_int_equal(m->replicas[m->owner[100]][0].port, 6380);
    /* NULL endpoint: "", the caller uses the host it asked */
    assert_string_equal(sb_slot_map_owner(m, 9000)->addr, "");
    assert_int_equal(sb_slot_map_owner(m, 9000)->port, 7001);
    assert_int_equal(m->n_replicas[m->owner[9000]], 0);
    r_free(r);

    /* elements after the metadata are ignored, as the command's docs ask */
    r = r_arr(1,
              r_arr(3, r_int(0), r_int(16383),
                    r_arr(5, r_str("10.0.0.1"), r_int(7000), r_str(ID_A), r_arr(0), r_str("x"))));
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(sb_slot_map_covered(m), 1);
    r_free(r);
    free(m);
}

static void cluster_slots_master_with_several_ranges_is_one_master(void **state)
{
    (void)state;
    /* Redis 3 shape, [ip, port] only: nodes are told apart by address */
    redisReply *r =
        r_arr(3, r_arr(3, r_int(0), r_int(99), r_arr(2, r_str("10.0.0.1"), r_int(7000))),
              r_arr(3, r_int(100), r_int(199), r_arr(2, r_str("10.0.0.1"), r_int(7001))),
              r_arr(3, r_int(200), r_int(16383), r_arr(2, r_str("10.0.0.1"), r_int(7000))));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 2);
    assert_int_equal(m->owner[0], m->owner[16383]);
    assert_int_not_equal(m->owner[0], m->owner[150]);
    assert_string_equal(sb_slot_map_owner(m, 42)->id, "");
    assert_int_equal(sb_slot_map_covered(m), 1);
    r_free(r);

    /* with ids, the id decides */
    r = r_arr(2, r_arr(3, r_int(0), r_int(10), node6("10.0.0.1", 7000, ID_A)),
              r_arr(3, r_int(20), r_int(30), node6("10.0.0.1", 7000, ID_A)));
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 1);
    r_free(r);
    free(m);
}

static void cluster_slots_gap_is_not_covered(void **state)
{
    (void)state;
    redisReply *r = r_arr(2, r_arr(3, r_int(0), r_int(99), node6("10.0.0.1", 7000, ID_A)),
                          r_arr(3, r_int(101), r_int(16383), node6("10.0.0.2", 7001, ID_B)));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(sb_slot_map_covered(m), 0);
    assert_null(sb_slot_map_owner(m, 100));
    assert_int_equal(m->owner[100], -1);
    assert_non_null(sb_slot_map_owner(m, 99));
    r_free(r);

    /* a node without slots answers an empty array */
    r = r_arr(0);
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 0);
    assert_int_equal(sb_slot_map_covered(m), 0);
    r_free(r);
    free(m);
}

/* Each bad reply must be rejected with an error naming the problem. */
static void expect_slots_error(redisReply *r, const char *needle)
{
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_slots(r, m, err, sizeof(err)), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
    r_free(r);
    free(m);
}

static void cluster_slots_rejects_bad_ranges_and_shapes(void **state)
{
    (void)state;
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(16384), node6("a", 1, ID_A))), "outside");
    expect_slots_error(r_arr(1, r_arr(3, r_int(-1), r_int(5), node6("a", 1, ID_A))), "outside");
    expect_slots_error(r_arr(1, r_arr(3, r_int(10), r_int(5), node6("a", 1, ID_A))), "start > end");
    expect_slots_error(r_arr(2, r_arr(3, r_int(0), r_int(10), node6("a", 1, ID_A)),
                             r_arr(3, r_int(10), r_int(20), node6("b", 2, ID_B))),
                       "slot 10 is claimed twice");
    expect_slots_error(r_int(3), "expected an array");
    static const char disabled[] = "ERR This instance has cluster support disabled";
    expect_slots_error(r_bin(disabled, strlen(disabled), REDIS_REPLY_ERROR),
                       "cluster support disabled");
    expect_slots_error(r_arr(1, r_arr(2, r_int(0), r_int(10))), "entry 0");
    expect_slots_error(r_arr(1, r_int(0)), "expected [start, end");
    expect_slots_error(r_arr(1, r_arr(3, r_str("zero"), r_int(10), node6("a", 1, ID_A))),
                       "expected integers");
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10), r_str("10.0.0.1:7000"))), "master");
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10), r_arr(1, r_str("a")))), "master");
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10), node6("a", 0, ID_A))), "port");
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10), node6("a", 65536, ID_A))), "port");
    expect_slots_error(
        r_arr(1, r_arr(3, r_int(0), r_int(10), r_arr(2, r_str("a"), r_str("seven")))), "port");
    expect_slots_error(
        r_arr(1, r_arr(3, r_int(0), r_int(10), r_arr(3, r_int(1), r_int(7000), r_str(ID_A)))),
        "endpoint");
    char longaddr[80];
    memset(longaddr, 'h', sizeof(longaddr) - 1);
    longaddr[sizeof(longaddr) - 1] = '\0';
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10), node6(longaddr, 1, ID_A))),
                       "endpoint");
    expect_slots_error(
        r_arr(1, r_arr(3, r_int(0), r_int(10), r_arr(3, r_str("a"), r_int(1), r_int(5)))),
        "node id");
    expect_slots_error(r_arr(1, r_arr(3, r_int(0), r_int(10),
                                      r_arr(4, r_str("a"), r_int(1), r_str(ID_A), r_str("meta")))),
                       "metadata");
    expect_slots_error(r_arr(1, r_arr(4, r_int(0), r_int(10), node6("a", 1, ID_A), r_nil())),
                       "replica 0");
}

static void cluster_slots_too_many_masters_is_an_error(void **state)
{
    (void)state;
    redisReply *r = r_arr(0);
    r->elements = SB_SLOT_MAX_MASTERS + 1;
    r->element = calloc(r->elements, sizeof(*r->element));
    for (size_t i = 0; i < r->elements; i++) {
        char addr[32];
        snprintf(addr, sizeof(addr), "10.0.%zu.1", i);
        r->element[i] = r_arr(3, r_int((long long)i), r_int((long long)i), node6(addr, 7000, ""));
    }
    expect_slots_error(r, "more than 64 masters");
}

/* ====== CLUSTER SHARDS ====== */

static redisReply *shard(redisReply *slots, redisReply *nodes)
{
    return r_arr(4, r_str("slots"), slots, r_str("nodes"), nodes);
}

static void cluster_shards_resp2_masters_replicas_and_ranges(void **state)
{
    (void)state;
    redisReply *r =
        r_arr(3,
              shard(r_arr(2, r_int(0), r_int(5460)),
                    r_arr(2, shard_node(ID_A, 30001, "127.0.0.1", "master", "online"),
                          shard_node(ID_D, 30004, "127.0.0.4", "replica", "online"))),
              /* replica listed first; one failed replica (omitted), one loading */
              shard(r_arr(4, r_int(5461), r_int(10000), r_int(10001), r_int(10922)),
                    r_arr(3, shard_node(ID_E, 30005, "127.0.0.5", "replica", "fail"),
                          shard_node(ID_F, 30006, "127.0.0.6", "replica", "loading"),
                          shard_node(ID_B, 30002, "127.0.0.2", "master", "online"))),
              shard(r_arr(2, r_int(10923), r_int(16383)),
                    r_arr(1, shard_node(ID_C, 30003, "127.0.0.3", "master", "online"))));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 3);
    assert_int_equal(sb_slot_map_covered(m), 1);
    assert_string_equal(sb_slot_map_owner(m, 0)->id, ID_A);
    assert_int_equal(sb_slot_map_owner(m, 5460)->port, 30001);
    assert_string_equal(sb_slot_map_owner(m, 5461)->id, ID_B);
    assert_string_equal(sb_slot_map_owner(m, 10001)->addr, "127.0.0.2");
    assert_string_equal(sb_slot_map_owner(m, 16383)->id, ID_C);
    int a = m->owner[0], b = m->owner[6000], c = m->owner[12000];
    assert_int_equal(m->n_replicas[a], 1);
    assert_string_equal(m->replicas[a][0].id, ID_D);
    assert_int_equal(m->n_replicas[b], 1);
    assert_string_equal(m->replicas[b][0].id, ID_F);
    assert_int_equal(m->n_replicas[c], 0);
    r_free(r);
    free(m);
}

static void cluster_shards_picks_the_live_master_after_failover(void **state)
{
    (void)state;
    /* The old master stays in the shard with role master and health fail
     * until it rejoins; the promoted replica serves the slots. Both orders. */
    for (int order = 0; order < 2; order++) {
        redisReply *old = shard_node(ID_A, 30001, "127.0.0.1", "master", "fail");
        redisReply *now = shard_node(ID_D, 30004, "127.0.0.4", "master", "online");
        redisReply *r = r_arr(1, shard(r_arr(2, r_int(0), r_int(16383)),
                                       order ? r_arr(2, old, now) : r_arr(2, now, old)));
        sb_slot_map *m = map_new();
        char err[SB_ERR_LEN] = "";
        assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), 0);
        assert_int_equal(m->n_masters, 1);
        assert_string_equal(sb_slot_map_owner(m, 777)->id, ID_D);
        assert_int_equal(m->n_replicas[0], 0);
        r_free(r);
        free(m);
    }
    /* if every master is failing, the first one still names the owner */
    redisReply *r =
        r_arr(1, shard(r_arr(2, r_int(0), r_int(16383)),
                       r_arr(1, shard_node(ID_A, 30001, "127.0.0.1", "master", "failed"))));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), 0);
    assert_string_equal(sb_slot_map_owner(m, 0)->id, ID_A);
    r_free(r);
    free(m);
}

static void cluster_shards_empty_shard_and_gap(void **state)
{
    (void)state;
    redisReply *r =
        r_arr(2,
              shard(r_arr(2, r_int(0), r_int(16000)),
                    r_arr(1, shard_node(ID_A, 30001, "127.0.0.1", "master", "online"))),
              shard(r_arr(0), r_arr(2, shard_node(ID_B, 30002, "127.0.0.2", "master", "online"),
                                    shard_node(ID_E, 30005, "127.0.0.5", "replica", "online"))));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), 0);
    assert_int_equal(m->n_masters, 1);
    assert_int_equal(sb_slot_map_covered(m), 0);
    assert_null(sb_slot_map_owner(m, 16001));
    assert_non_null(sb_slot_map_owner(m, 16000));
    r_free(r);
    free(m);
}

static void cluster_shards_endpoint_and_port_fallbacks(void **state)
{
    (void)state;
    /* no "endpoint": use "ip"; no "port": use "tls-port"; numbers as strings;
     * unknown keys ignored */
    redisReply *n1 = r_arr(10, r_str("id"), r_str(ID_A), r_str("tls-port"), r_int(6390),
                           r_str("ip"), r_str("10.1.1.1"), r_str("role"), r_str("master"),
                           r_str("shard-color"), r_str("blue"));
    /* endpoint "?" (misconfigured hostname type) kept verbatim; nil -> "" */
    redisReply *n2 =
        r_arr(10, r_str("id"), r_str(ID_B), r_str("port"), r_str("6391"), r_str("ip"),
              r_str("10.1.1.2"), r_str("endpoint"), r_nil(), r_str("role"), r_str("master"));
    redisReply *r = r_arr(2, shard(r_arr(2, r_int(0), r_int(9)), r_arr(1, n1)),
                          shard(r_arr(2, r_str("10"), r_str("16383")), r_arr(1, n2)));
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), 0);
    assert_string_equal(sb_slot_map_owner(m, 0)->addr, "10.1.1.1");
    assert_int_equal(sb_slot_map_owner(m, 0)->port, 6390);
    assert_string_equal(sb_slot_map_owner(m, 10)->addr, "");
    assert_int_equal(sb_slot_map_owner(m, 10)->port, 6391);
    assert_int_equal(sb_slot_map_covered(m), 1);
    r_free(r);
    free(m);
}

static void expect_shards_error(redisReply *r, const char *needle)
{
    sb_slot_map *m = map_new();
    char err[SB_ERR_LEN] = "";
    assert_int_equal(sb_slot_map_from_cluster_shards(r, m, err, sizeof(err)), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
    r_free(r);
    free(m);
}

static void cluster_shards_rejects_bad_shapes(void **state)
{
    (void)state;
#define MASTER shard_node(ID_A, 30001, "127.0.0.1", "master", "online")
    expect_shards_error(r_str("nope"), "expected an array");
    expect_shards_error(r_arr(1, r_arr(3, r_str("slots"), r_arr(0), r_str("nodes"))),
                        "expected a map");
    expect_shards_error(r_arr(1, r_arr(2, r_str("slots"), r_arr(0))), "\"nodes\"");
    expect_shards_error(r_arr(1, shard(r_arr(1, r_int(0)), r_arr(1, MASTER))), "pairs");
    expect_shards_error(r_arr(1, shard(r_arr(2, r_int(0), r_int(16384)), r_arr(1, MASTER))),
                        "outside");
    expect_shards_error(r_arr(1, shard(r_arr(2, r_int(9), r_int(3)), r_arr(1, MASTER))),
                        "start > end");
    expect_shards_error(r_arr(2, shard(r_arr(2, r_int(0), r_int(10)), r_arr(1, MASTER)),
                              shard(r_arr(2, r_int(5), r_int(6)),
                                    r_arr(1, shard_node(ID_B, 2, "b", "master", "online")))),
                        "claimed twice");
    expect_shards_error(r_arr(1, shard(r_arr(2, r_int(0), r_nil()), r_arr(1, MASTER))),
                        "expected integers");
    expect_shards_error(r_arr(1, shard(r_arr(2, r_int(0), r_int(5)),
                                       r_arr(1, shard_node(ID_D, 1, "d", "replica", "online")))),
                        "no node with role master");
    expect_shards_error(r_arr(1, shard(r_arr(2, r_int(0), r_int(5)),
                                       r_arr(1, shard_node(ID_D, 1, "d", "leader", "online")))),
                        "\"role\"");
    expect_shards_error(r_arr(1, shard(r_arr(0), r_arr(1, r_arr(4, r_str("id"), r_str(ID_A),
                                                                r_str("ip"), r_str("a"))))),
                        "\"port\"");
    expect_shards_error(r_arr(1, shard(r_arr(0), r_arr(1, r_arr(4, r_str("id"), r_str(ID_A),
                                                                r_str("port"), r_int(1))))),
                        "\"endpoint\"/\"ip\"");
    expect_shards_error(r_arr(1, shard(r_arr(0), r_arr(1, r_int(5)))), "node 0");
#undef MASTER
}

/* ====== Redirections ====== */

static void redirect_parses_moved_and_ask(void **state)
{
    (void)state;
    int slot = -1, port = -1;
    char addr[64];
    assert_int_equal(
        sb_parse_redirect("MOVED 3999 127.0.0.1:6381", &slot, addr, sizeof(addr), &port),
        SB_REDIR_MOVED);
    assert_int_equal(slot, 3999);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(port, 6381);
    assert_int_equal(sb_parse_redirect("ASK 3999 10.0.0.2:6380", &slot, addr, sizeof(addr), &port),
                     SB_REDIR_ASK);
    assert_string_equal(addr, "10.0.0.2");
    assert_int_equal(port, 6380);
    assert_int_equal(
        sb_parse_redirect("MOVED 0 redis-3.cluster.local:7000", &slot, addr, sizeof(addr), &port),
        SB_REDIR_MOVED);
    assert_int_equal(slot, 0);
    assert_string_equal(addr, "redis-3.cluster.local");
    assert_int_equal(sb_parse_redirect("MOVED 16383 h:65535", &slot, addr, sizeof(addr), &port),
                     SB_REDIR_MOVED);
    assert_int_equal(slot, 16383);
    assert_int_equal(port, 65535);
}

static void redirect_parses_ipv6_and_unknown_endpoints(void **state)
{
    (void)state;
    int slot = -1, port = -1;
    char addr[64];
    assert_int_equal(sb_parse_redirect("MOVED 12182 ::1:7000", &slot, addr, sizeof(addr), &port),
                     SB_REDIR_MOVED);
    assert_string_equal(addr, "::1");
    assert_int_equal(port, 7000);
    assert_int_equal(sb_parse_redirect("ASK 1 [::1]:7001", &slot, addr, sizeof(addr), &port),
                     SB_REDIR_ASK);
    assert_string_equal(addr, "::1");
    assert_int_equal(port, 7001);
    assert_int_equal(
        sb_parse_redirect("MOVED 2 2001:db8::2:1:6379", &slot, addr, sizeof(addr), &port),
        SB_REDIR_MOVED);
    assert_string_equal(addr, "2001:db8::2:1");
    assert_int_equal(port, 6379);
    /* "-MOVED 3999 :6380": unknown endpoint, same host as the request */
    assert_int_equal(sb_parse_redirect("MOVED 3999 :6380", &slot, addr, sizeof(addr), &port),
                     SB_REDIR_MOVED);
    assert_string_equal(addr, "");
    assert_int_equal(port, 6380);
}

static void redirect_rejects_everything_else(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "MOVED",
        "MOVED ",
        "MOVED 3999",
        "MOVED 3999 ",
        "MOVED 16384 a:1",
        "MOVED -1 a:1",
        "MOVED abc a:1",
        "MOVED 123456 a:1",
        "MOVED 3999 a",
        "MOVED 3999 a:",
        "MOVED 3999 a:0",
        "MOVED 3999 a:65536",
        "MOVED 3999 a:123456",
        "MOVED 3999 a:12x",
        "MOVED  3999 a:1",
        "MOVED 3999 a b:1",
        "MOVED 3999 a:1 ",
        "MOVED 3999 [::1:7000",
        "MOVED 3999 ::1]:7000",
        "moved 3999 a:1",
        "ASKING 3999 a:1",
        "ASK3999 a:1",
        "ERR MOVED 3999 a:1",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "CLUSTERDOWN The cluster is down",
        "",
        NULL,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int slot = -7, port = -7;
        char addr[64] = "untouched";
        if (sb_parse_redirect(bad[i], &slot, addr, sizeof(addr), &port) != SB_REDIR_NONE)
            fail_msg("parsed \"%s\"", bad[i] ? bad[i] : "(null)");
        assert_int_equal(slot, -7);
        assert_int_equal(port, -7);
        assert_string_equal(addr, "untouched");
    }
    /* an address longer than the caller's buffer is not truncated */
    char small[8] = "x";
    int slot = -7, port = -7;
    assert_int_equal(
        sb_parse_redirect("MOVED 1 longhostname:1", &slot, small, sizeof(small), &port),
        SB_REDIR_NONE);
    assert_string_equal(small, "x");
    assert_int_equal(sb_parse_redirect("MOVED 1 1234567:1", &slot, small, sizeof(small), &port),
                     SB_REDIR_MOVED);
    assert_string_equal(small, "1234567");
}

/* ====== Classification ====== */

static void cluster_errors_are_classified_by_their_code(void **state)
{
    (void)state;
    assert_int_equal(sb_classify_cluster_error("MOVED 3999 127.0.0.1:6381"),
                     SB_CERR_RETRY_ELSEWHERE);
    assert_int_equal(sb_classify_cluster_error("ASK 3999 10.0.0.2:6380"), SB_CERR_RETRY_ELSEWHERE);
    assert_int_equal(sb_classify_cluster_error("TRYAGAIN Multiple keys request during rehashing "
                                               "of slot"),
                     SB_CERR_TRY_AGAIN);
    assert_int_equal(sb_classify_cluster_error("CLUSTERDOWN The cluster is down"),
                     SB_CERR_CLUSTER_DOWN);
    assert_int_equal(sb_classify_cluster_error("CLUSTERDOWN Hash slot not served"),
                     SB_CERR_CLUSTER_DOWN);
    assert_int_equal(sb_classify_cluster_error("CLUSTERDOWN The cluster is down and only accepts "
                                               "read commands"),
                     SB_CERR_CLUSTER_DOWN);
    assert_int_equal(sb_classify_cluster_error("TRYAGAIN"), SB_CERR_TRY_AGAIN);

    static const char *const other[] = {
        "MOVEDX 1 a:1",
        "ASKING",
        "CLUSTERDOWNNOW",
        "TRYAGAINLATER",
        "ERR MOVED 1 a:1",
        "CROSSSLOT Keys in request don't hash to the same slot",
        "ERR Script attempted to access a non local key in a cluster node",
        "READONLY You can't write against a read only replica.",
        "moved 1 a:1",
        "",
        NULL,
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (sb_classify_cluster_error(other[i]) != SB_CERR_OTHER)
            fail_msg("\"%s\" is not SB_CERR_OTHER", other[i] ? other[i] : "(null)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc16_is_xmodem_with_check_value_0x31c3),
        cmocka_unit_test(crc16_table_agrees_with_bitwise_crc_on_random_bytes),
        cmocka_unit_test(keyslot_matches_slots_published_by_redis),
        cmocka_unit_test(hash_tags_follow_the_spec_examples),
        cmocka_unit_test(keyslot_hashes_binary_keys_by_length),
        cmocka_unit_test(keyslot_agrees_with_reference_on_random_braced_keys),
        cmocka_unit_test(cluster_slots_redis6_three_masters_with_replicas),
        cmocka_unit_test(cluster_slots_redis7_metadata_and_unknown_endpoints),
        cmocka_unit_test(cluster_slots_master_with_several_ranges_is_one_master),
        cmocka_unit_test(cluster_slots_gap_is_not_covered),
        cmocka_unit_test(cluster_slots_rejects_bad_ranges_and_shapes),
        cmocka_unit_test(cluster_slots_too_many_masters_is_an_error),
        cmocka_unit_test(cluster_shards_resp2_masters_replicas_and_ranges),
        cmocka_unit_test(cluster_shards_picks_the_live_master_after_failover),
        cmocka_unit_test(cluster_shards_empty_shard_and_gap),
        cmocka_unit_test(cluster_shards_endpoint_and_port_fallbacks),
        cmocka_unit_test(cluster_shards_rejects_bad_shapes),
        cmocka_unit_test(redirect_parses_moved_and_ask),
        cmocka_unit_test(redirect_parses_ipv6_and_unknown_endpoints),
        cmocka_unit_test(redirect_rejects_everything_else),
        cmocka_unit_test(cluster_errors_are_classified_by_their_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
