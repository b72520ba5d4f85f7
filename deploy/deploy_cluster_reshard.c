/* deploy_cluster_reshard.c -- moving hash slots in a running Redis
 * Cluster, as the nemesis asks: slot migration (IMPORTING/MIGRATING,
 * MIGRATE in batches, SETSLOT NODE everywhere), adding a shard from the
 * spares and removing one. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_slots.h"
#include "deploy_internal.h"

#define MIGRATE_BATCH 64

/* A migration in three steps per slot, as redis-cli --cluster reshard
 * does: the slot goes IMPORTING on the destination and MIGRATING on the
 * source, its keys move with MIGRATE in batches, and its owner changes on
 * the destination, then on the source and every other master. */
typedef struct migration {
    sb_deploy *d;
    int from, to;
    char from_id[64], to_id[64];
    int masters[SB_MAX_HOSTS], n_masters; /* masters besides from and to */
    long keys;
    char *err;
    redisContext *conn[SB_MAX_HOSTS]; /* one connection per node for the whole move */
} migration;

/* Commands on host over the migration's connection to it (opened on
 * first use, dropped after a connection error); NULL with err on an error. */
static redisContext *mig_conn(migration *m, int host, char *err)
{
    if (!m->conn[host])
        m->conn[host] =
            deploy_connect_oob(m->d, host, SB_PROC_REDIS, SB_OOB_CONNECT_TIMEOUT_NS, err);
    return m->conn[host];
}

static redisReply *mig_result(migration *m, int host, redisReply *r, const char *what, char *err)
{
    if (!r) {
        sb_err_set(err, "%s on %s: %s", what, lab_host_name(m->d->lab, host),
                   m->conn[host]->errstr);
        redisFree(m->conn[host]);
        m->conn[host] = NULL;
    } else if (r->type == REDIS_REPLY_ERROR) {
        sb_err_set(err, "%s on %s: %s", what, lab_host_name(m->d->lab, host), r->str);
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

static redisReply *mig_command(migration *m, int host, char *err, const char *fmt, ...)
{
    redisContext *c = mig_conn(m, host, err);
    if (!c)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    return mig_result(m, host, r, fmt, err);
}

static redisReply *mig_argv(migration *m, int host, char *err, int argc, const char **argv,
                            const size_t *lens)
{
    redisContext *c = mig_conn(m, host, err);
    return c ? mig_result(m, host, redisCommandArgv(c, argc, argv, lens), argv[0], err) : NULL;
}

/* CLUSTER SETSLOT <slot> <state> <id> for every slot on every host,
 * pipelined: Redis saves its cluster config once per event-loop round,
 * not once per command, so a batch costs about one fsync per node. Errors
 * on the first `required` hosts fail the batch; the others are told as a
 * courtesy (they would learn it by gossip). */
static int setslot_batch(migration *m, const int *hosts, int nh, int required, const char *state,
                         const char *id, const int *slots, int n)
{
    int rc = 0;
    for (int k = 0; k < nh; k++) {
        redisContext *c = mig_conn(m, hosts[k], m->err);
        if (!c) {
            if (k < required)
                rc = -1;
            continue;
        }
        for (int i = 0; i < n; i++)
            redisAppendCommand(c, "CLUSTER SETSLOT %d %s %s", slots[i], state, id);
    }
    for (int k = 0; k < nh; k++) {
        for (int i = 0; i < n && m->conn[hosts[k]]; i++) {
            void *r = NULL;
            char e[SB_ERR_LEN];
            int got = redisGetReply(m->conn[hosts[k]], &r);
            redisReply *ok =
                mig_result(m, hosts[k], got == REDIS_OK ? r : NULL, "CLUSTER SETSLOT", e);
            if (ok)
                freeReplyObject(ok);
            else if (k < required && rc == 0) {
                sb_err_set(m->err, "slot %d: %s", slots[i], e);
                rc = -1;
            }
        }
    }
    return rc;
}

/* The slots become IMPORTING on the destination, then MIGRATING on the
 * source. */
static int slots_open(migration *m, const int *slots, int n)
{
    return setslot_batch(m, &m->to, 1, 1, "IMPORTING", m->from_id, slots, n) == -1 ||
                   setslot_batch(m, &m->from, 1, 1, "MIGRATING", m->to_id, slots, n) == -1
               ? -1
               : 0;
}

/* The owner changes on the destination first, then on the source and the
 * other masters. The source's answer is not needed: once the destination
 * owns the source's last slots, it says so by gossip, and the emptied
 * source turns into its replica at once (cluster-allow-replica-migration)
 * and refuses SETSLOT. What counts is that the source's own view names the
 * destination as the owner of every slot of the batch. */
static int slots_close(migration *m, const int *slots, int n)
{
    int rest[SB_MAX_HOSTS + 1], nr = 0;
    rest[nr++] = m->from;
    for (int i = 0; i < m->n_masters; i++)
        rest[nr++] = m->masters[i];
    if (setslot_batch(m, &m->to, 1, 1, "NODE", m->to_id, slots, n) == -1)
        return -1;
    setslot_batch(m, rest, nr, 0, "NODE", m->to_id, slots, n);
    sb_slot_map *map = sb_xcalloc(1, sizeof(*map));
    int rc = deploy_cluster_view(m->d, m->from, map, m->err);
    for (int i = 0; i < n && rc == 0; i++) {
        const sb_slot_node *o = sb_slot_map_owner(map, slots[i]);
        if (!o || lab_host_by_addr(m->d->lab, o->addr) != m->to) {
            sb_err_set(m->err, "slot %d: %s still names %s as its owner after SETSLOT NODE",
                       slots[i], lab_host_name(m->d->lab, m->from), o ? o->addr : "no node");
            rc = -1;
        }
    }
    free(map);
    return rc;
}

static int slot_move_keys(migration *m, int slot)
{
    sb_deploy *d = m->d;
    char port[16];
    snprintf(port, sizeof(port), "%d", d->s->deployment.redis_port);
    for (;;) {
        redisReply *ks = mig_command(m, m->from, m->err, "CLUSTER GETKEYSINSLOT %d 100", slot);
        if (!ks || ks->type != REDIS_REPLY_ARRAY) {
            if (ks)
                freeReplyObject(ks);
            return -1;
        }
        if (ks->elements == 0) {
            freeReplyObject(ks);
            return 0;
        }
        /* MIGRATE host port "" 0 timeout REPLACE KEYS k... */
        size_t argc = 8 + ks->elements;
        const char **argv = sb_xcalloc(argc, sizeof(char *));
        size_t *lens = sb_xcalloc(argc, sizeof(size_t));
        const char *head[] = {
            "MIGRATE", lab_host_addr(d->lab, m->to), port, "", "0", "5000", "REPLACE", "KEYS"};
        for (size_t i = 0; i < 8; i++)
            argv[i] = head[i], lens[i] = strlen(head[i]);
        for (size_t i = 0; i < ks->elements; i++)
            argv[8 + i] = ks->element[i]->str, lens[8 + i] = ks->element[i]->len;
        char e[SB_ERR_LEN];
        redisReply *r = mig_argv(m, m->from, e, (int)argc, argv, lens);
        if (r)
            m->keys += (long)ks->elements;
        else
            sb_err_set(m->err, "slot %d: %s", slot, e);
        int rc = r ? 0 : -1;
        if (r)
            freeReplyObject(r);
        free(argv);
        free(lens);
        freeReplyObject(ks);
        if (rc == -1)
            return -1;
    }
}

int deploy_cluster_migrate(sb_deploy *d, int from, int to, int n, int64_t hold_ns, sb_buf *v,
                           char *err)
{
    migration m = {.d = d, .from = from, .to = to, .err = err};
    if (deploy_cluster_myid(d, from, m.from_id, sizeof(m.from_id), err) == -1 ||
        deploy_cluster_myid(d, to, m.to_id, sizeof(m.to_id), err) == -1)
        return -1;
    sb_slot_map *map = sb_xcalloc(1, sizeof(*map));
    if (deploy_cluster_view(d, from, map, err) == -1) {
        free(map);
        return -1;
    }
    for (int i = 0; i < map->n_masters; i++) {
        int h = lab_host_by_addr(d->lab, map->masters[i].addr);
        if (h >= 0 && h != from && h != to && m.n_masters < SB_MAX_HOSTS)
            m.masters[m.n_masters++] = h;
    }
    int *slots = sb_xcalloc(SB_CLUSTER_SLOTS, sizeof(int)), ns = 0;
    for (int slot = 0; slot < SB_CLUSTER_SLOTS && ns < n; slot++) {
        const sb_slot_node *o = sb_slot_map_owner(map, slot);
        if (o && lab_host_by_addr(d->lab, o->addr) == from)
            slots[ns++] = slot;
    }
    free(map);
    /* Batches of MIGRATE_BATCH slots: opened together, their keys moved,
     * closed together. With a hold every slot is opened first and stays
     * open while the keys move and for hold after: clients meet ASK for
     * keys that already left. */
    int rc = 0, opened = 0, moved = 0;
    for (int at = 0; at < ns && rc == 0;) {
        int nb = ns - at < MIGRATE_BATCH ? ns - at : MIGRATE_BATCH;
        if ((rc = slots_open(&m, slots + at, nb)) == 0)
            opened += nb;
        for (int i = at; i < at + nb && rc == 0; i++)
            rc = slot_move_keys(&m, slots[i]);
        if (hold_ns <= 0 && rc == 0 && (rc = slots_close(&m, slots + at, nb)) == 0)
            moved += nb;
        at += nb;
    }
    if (hold_ns > 0) {
        if (rc == 0)
            sb_sleep_ns(hold_ns);
        /* Close what was opened even after an error, so no slot stays half
         * migrated (keys that moved are served by to). */
        char first_err[SB_ERR_LEN];
        snprintf(first_err, sizeof(first_err), "%s", err);
        if (slots_close(&m, slots, opened) == 0)
            moved = opened;
        if (rc == -1)
            snprintf(err, SB_ERR_LEN, "%s", first_err); /* the cause, not what followed */
        else if (moved != opened)
            rc = -1;
    }
    sb_buf_printf(v, ",\"from\":\"%s\",\"to\":\"%s\",\"slots\":[%d,%d],\"moved\":%d,\"keys\":%ld",
                  lab_host_name(d->lab, from), lab_host_name(d->lab, to), ns ? slots[0] : -1,
                  moved ? slots[moved - 1] : -1, moved, m.keys);
    if (hold_ns > 0)
        sb_buf_printf(v, ",\"hold_ms\":%lld", (long long)(hold_ns / SB_NS_PER_MS));
    for (int h = 0; h < SB_MAX_HOSTS; h++)
        if (m.conn[h])
            redisFree(m.conn[h]);
    free(slots);
    return rc;
}

/* ====== add-shard, remove-shard ====== */

static int64_t membership_deadline(const sb_deploy *d)
{
    return sb_now_ns() + 10 * SB_NS_PER_S + 5 * d->s->deployment.cluster_node_timeout_ns;
}

/* Waits until every member and each of extra[] knows want nodes. (A new
 * master without slots says cluster_state:fail for a while; it need not
 * wait for that to import slots.) */
static int await_known(sb_deploy *d, const int *extra, int n_extra, size_t want, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    int64_t deadline = membership_deadline(d);
    char why[SB_ERR_LEN] = "";
    for (;;) {
        int ok = 1;
        for (size_t i = 0; i < dep->redis.n + (size_t)n_extra && ok; i++) {
            int h = i < dep->redis.n ? dep->redis.idx[i] : extra[i - dep->redis.n];
            if (i < dep->redis.n && !deploy_cluster_member(d, h))
                continue;
            char v[64];
            if (deploy_cluster_info_field(d, h, "cluster_known_nodes", v, sizeof(v), why) == -1)
                ok = 0;
            else if ((size_t)atoi(v) != want) {
                sb_err_set(why, "%s knows %s of %zu nodes", lab_host_name(d->lab, h), v, want);
                ok = 0;
            }
        }
        if (ok)
            return 0;
        if (sb_now_ns() > deadline) {
            sb_err_set(err, "cluster membership did not settle: %s", why);
            return -1;
        }
        sb_sleep_ns(DEPLOY_POLL_NS * 5);
    }
}

/* Waits until host says cluster_state:ok (a new master must, before it
 * accepts keys: MIGRATE to it fails with CLUSTERDOWN until then). */
static int await_state_ok(sb_deploy *d, int host, char *err)
{
    int64_t deadline = membership_deadline(d);
    char v[64], why[SB_ERR_LEN] = "";
    for (;;) {
        if (deploy_cluster_info_field(d, host, "cluster_state", v, sizeof(v), why) == 0) {
            if (!strcmp(v, "ok"))
                return 0;
            sb_err_set(why, "%s: cluster_state:%s", lab_host_name(d->lab, host), v);
        }
        if (sb_now_ns() > deadline) {
            sb_err_set(err, "%s did not join: %s", lab_host_name(d->lab, host), why);
            return -1;
        }
        sb_sleep_ns(DEPLOY_POLL_NS * 5);
    }
}

/* A spare meets the cluster through the first member that answers. */
static int meet(sb_deploy *d, int host, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int m = dep->redis.idx[i];
        if (!deploy_cluster_member(d, m))
            continue;
        char e[SB_ERR_LEN];
        redisReply *r = deploy_oob_command(d, host, SB_PROC_REDIS, e, "CLUSTER MEET %s %d",
                                           lab_host_addr(d->lab, m), dep->redis_port);
        if (r) {
            freeReplyObject(r);
            return 0;
        }
        sb_err_set(err, "%s", e);
    }
    return -1;
}

/* Moves count slots from one master, appending {"from",...} to moves. */
static int move_into(sb_deploy *d, int from, int to, int count, sb_buf *moves, long *keys,
                     char *err)
{
    if (count <= 0)
        return 0;
    sb_buf one;
    sb_buf_init(&one);
    int rc = deploy_cluster_migrate(d, from, to, count, 0, &one, err);
    sb_buf_printf(moves, "%s{%s}", moves->len > 1 ? "," : "", one.data + 1);
    const char *k = strstr(one.data, "\"keys\":");
    if (k)
        *keys += atol(k + 7);
    sb_buf_free(&one);
    return rc;
}

int deploy_cluster_add_shard(sb_deploy *d, int host, int replica, int n_slots, sb_buf *v, char *err)
{
    sb_buf_printf(v, ",\"host\":\"%s\"", lab_host_name(d->lab, host));
    if (replica >= 0)
        sb_buf_printf(v, ",\"replica\":\"%s\"", lab_host_name(d->lab, replica));
    for (int i = 0; i < (replica >= 0 ? 2 : 1); i++) {
        int h = i ? replica : host;
        if (deploy_cluster_member(d, h)) {
            sb_err_set(err, "%s is already in the cluster", lab_host_name(d->lab, h));
            return -1;
        }
    }
    size_t n = deploy_cluster_count_members(d);
    if (meet(d, host, err) == -1 || await_known(d, &host, 1, n + 1, err) == -1)
        return -1;
    deploy_cluster_set_member(d, host, 1);
    char id[64];
    if (deploy_cluster_myid(d, host, id, sizeof(id), err) == -1)
        return -1;
    if (replica >= 0) {
        if (meet(d, replica, err) == -1 || await_known(d, &replica, 1, n + 2, err) == -1)
            return -1;
        int64_t deadline = membership_deadline(d);
        for (;;) {
            char e[SB_ERR_LEN];
            redisReply *r =
                deploy_oob_command(d, replica, SB_PROC_REDIS, e, "CLUSTER REPLICATE %s", id);
            if (r) {
                freeReplyObject(r);
                break;
            }
            if (sb_now_ns() > deadline) {
                sb_err_set(err, "%s cannot follow %s: %s", lab_host_name(d->lab, replica),
                           lab_host_name(d->lab, host), e);
                return -1;
            }
            sb_sleep_ns(DEPLOY_POLL_NS * 5);
        }
        deploy_cluster_set_member(d, replica, 1);
    }
    /* Its share of every master's slots, in proportion to what each owns. */
    int masters[SB_MAX_HOSTS], owned[SB_MAX_HOSTS], nm;
    if (await_state_ok(d, host, err) == -1 ||
        deploy_cluster_masters_and_slots(d, host, masters, owned, &nm, err) == -1)
        return -1;
    int want = n_slots > 0 ? n_slots : SB_CLUSTER_SLOTS / (nm + 1), total = 0, given = 0;
    for (int i = 0; i < nm; i++)
        total += owned[i];
    sb_buf moves;
    sb_buf_init(&moves);
    sb_buf_puts(&moves, "[");
    long keys = 0;
    int rc = 0;
    for (int i = 0; i < nm && rc == 0; i++) {
        int share = i == nm - 1 ? want - given : (int)((long)want * owned[i] / (total ? total : 1));
        if (share > owned[i])
            share = owned[i];
        given += share;
        rc = move_into(d, masters[i], host, share, &moves, &keys, err);
    }
    sb_buf_printf(v, ",\"moves\":%s],\"slots\":%d,\"keys\":%ld", moves.data, given, keys);
    sb_buf_free(&moves);
    return rc;
}

int deploy_cluster_remove_shard(sb_deploy *d, int host, sb_buf *v, char *err)
{
    const sb_deployment *dep = &d->s->deployment;
    sb_buf_printf(v, ",\"host\":\"%s\"", lab_host_name(d->lab, host));
    if (!deploy_cluster_member(d, host)) {
        sb_err_set(err, "%s is not in the cluster", lab_host_name(d->lab, host));
        return -1;
    }
    node_role role;
    if (deploy_read_role(d, host, &role, err) == -1)
        return -1;
    if (strcmp(role.role, "master") != 0) {
        sb_err_set(err,
                   "%s is a replica (of %s), not a master: remove-shard takes a shard's master",
                   lab_host_name(d->lab, host), role.master_addr);
        return -1;
    }
    /* The shard: the master and the members that replicate it now. */
    int gone[SB_MAX_HOSTS], ng = 0;
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        node_role r;
        char e[SB_ERR_LEN];
        if (h != host && deploy_cluster_member(d, h) && deploy_read_role(d, h, &r, e) == 0 &&
            !strcmp(r.role, "slave") && !strcmp(r.master_addr, lab_host_addr(d->lab, host)))
            gone[ng++] = h;
    }
    gone[ng++] = host;
    sb_buf_puts(v, ",\"replicas\":[");
    for (int i = 0; i + 1 < ng; i++)
        sb_buf_printf(v, "%s\"%s\"", i ? "," : "", lab_host_name(d->lab, gone[i]));
    sb_buf_puts(v, "]");
    /* Its slots go to the other masters in equal parts. */
    int masters[SB_MAX_HOSTS], owned[SB_MAX_HOSTS], nm, mine = 0, others[SB_MAX_HOSTS], no = 0;
    if (deploy_cluster_masters_and_slots(d, host, masters, owned, &nm, err) == -1)
        return -1;
    for (int i = 0; i < nm; i++) {
        if (masters[i] == host)
            mine = owned[i];
        else
            others[no++] = masters[i];
    }
    if (no == 0) {
        sb_err_set(err, "%s is the only master with slots; there is nowhere to move them",
                   lab_host_name(d->lab, host));
        return -1;
    }
    sb_buf moves;
    sb_buf_init(&moves);
    sb_buf_puts(&moves, "[");
    long keys = 0;
    int rc = 0;
    for (int i = 0; i < no && rc == 0; i++)
        rc = move_into(d, host, others[i], mine / no + (i < mine % no), &moves, &keys, err);
    sb_buf_printf(v, ",\"moves\":%s],\"slots\":%d,\"keys\":%ld", moves.data, mine, keys);
    sb_buf_free(&moves);
    if (rc == -1)
        return -1;
    /* Every other node forgets the shard (a 60 s ban keeps gossip from
     * bringing it back), then its nodes forget everyone. */
    char ids[SB_MAX_HOSTS][64];
    for (int g = 0; g < ng; g++)
        if (deploy_cluster_myid(d, gone[g], ids[g], sizeof(ids[g]), err) == -1)
            return -1;
    for (int g = 0; g < ng; g++)
        deploy_cluster_set_member(d, gone[g], 0);
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        if (!deploy_cluster_member(d, h))
            continue;
        for (int g = 0; g < ng; g++) {
            char e[SB_ERR_LEN];
            redisReply *r = deploy_oob_command(d, h, SB_PROC_REDIS, e, "CLUSTER FORGET %s", ids[g]);
            if (r)
                freeReplyObject(r);
            else if (!strstr(e, "Unknown node")) {
                sb_err_set(err, "%s", e);
                return -1;
            }
        }
    }
    for (int g = 0; g < ng; g++) {
        redisReply *r = deploy_oob_command(d, gone[g], SB_PROC_REDIS, err, "CLUSTER RESET HARD");
        if (!r)
            return -1;
        freeReplyObject(r);
    }
    return await_known(d, NULL, 0, deploy_cluster_count_members(d), err);
}
