/* observer.c -- what the controller watches beside the workload, out of
 * band on each node's loopback so partitions hide nothing: the role each
 * redis node says it has (every 100 ms), what each sentinel believes
 * (every second) and, on a cluster, the slots each master claims. Each
 * poll is a controller op in the history ("roles", "sentinel-views",
 * "slot-claims"), what the split-brain checker and the report read. */
#define _GNU_SOURCE
#include "observer.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_slots.h"

struct sb_observer {
    const sb_scenario *s;
    sb_lab *lab;
    sb_deploy *deploy;
    sb_recorder *rec;
    pthread_t thread;
    atomic_int stop;
    long long roles_polls, view_polls; /* written by the thread only */
};

#define OBSERVE_VIEWS_EVERY_NS (1000 * SB_NS_PER_MS)
#define OBSERVE_ROLES_EVERY_NS (100 * SB_NS_PER_MS)
#define OBSERVE_TIMEOUT_NS (200 * SB_NS_PER_MS)

/* Appends, as [[first,last],...], the slots the "myself" line of a CLUSTER
 * NODES reply claims as master: its slot fields ("0-5460", "5461"), less
 * the slots it is migrating away ("[5461->-<id>]"), which it hands over
 * rather than contests. A replica's line claims nothing: []. Fields: id,
 * address, flags ("myself,master"), master id, ping, pong, epoch, link,
 * then the slots. */
static void observe_myself_claims(const char *nodes, sb_buf *out)
{
    uint64_t owned[SB_CLUSTER_SLOTS / 64] = {0}, leaving[SB_CLUSTER_SLOTS / 64] = {0};
    char *text = sb_xstrdup(nodes), *lines = NULL;
    for (char *line = text ? strtok_r(text, "\n", &lines) : NULL; line;
         line = strtok_r(NULL, "\n", &lines)) {
        char *fields = NULL;
        int i = 0, mine = 0;
        for (char *f = strtok_r(line, " \r", &fields); f; f = strtok_r(NULL, " \r", &fields), i++) {
            if (i == 2 && !(mine = strstr(f, "myself") && strstr(f, "master")))
                break;
            if (i < 8 || (f[0] == '[' && !strstr(f, "->-")))
                continue;
            uint64_t *set = f[0] == '[' ? leaving : owned;
            int a = atoi(f + (f[0] == '[')), b = a;
            if (f[0] != '[' && strchr(f, '-'))
                b = atoi(strchr(f, '-') + 1);
            for (int k = a < 0 ? 0 : a; k <= b && k < SB_CLUSTER_SLOTS; k++)
                set[k / 64] |= UINT64_C(1) << (k % 64);
        }
        if (mine)
            break;
    }
    free(text);
    sb_buf_puts(out, "[");
    int n = 0;
    for (int k = 0; k < SB_CLUSTER_SLOTS; k++) {
        if (!((owned[k / 64] & ~leaving[k / 64]) >> (k % 64) & 1))
            continue;
        int first = k;
        while (k + 1 < SB_CLUSTER_SLOTS &&
               (owned[(k + 1) / 64] & ~leaving[(k + 1) / 64]) >> ((k + 1) % 64) & 1)
            k++;
        sb_buf_printf(out, "%s[%d,%d]", n++ ? "," : "", first, k);
    }
    sb_buf_puts(out, "]");
}

/* On a cluster, the slots each node claims as master, as its own CLUSTER
 * NODES line says: {"n1":[[0,5460]],"n4":[],"n5":null}, what the
 * split-brain checker counts per slot range. Only the nodes this round's
 * ROLE poll (roles) found master are asked, out of band on their loopback
 * as ROLE was: replicas and spares claim nothing ([]), and a node that did
 * not answer ROLE is null without a second timeout. */
static void observe_slot_claims(sb_observer *r, const char *roles, sb_buf *out)
{
    const sb_deployment *dep = &r->s->deployment;
    json_t *rv = json_loads(roles, 0, NULL);
    sb_buf_puts(out, "{");
    for (size_t i = 0; i < dep->redis.n; i++) {
        int h = dep->redis.idx[i];
        const char *node = lab_host_name(r->lab, h);
        const char *role = json_string_value(json_object_get(rv, node));
        sb_buf_puts(out, i ? "," : "");
        sb_buf_json_string(out, node);
        if (!role || strcmp(role, "master") != 0) {
            sb_buf_puts(out, role ? ":[]" : ":null");
            continue;
        }
        char e[SB_ERR_LEN];
        redisContext *c = deploy_connect_oob(r->deploy, h, SB_PROC_REDIS, OBSERVE_TIMEOUT_NS, e);
        redisReply *rep = c ? redisCommand(c, "CLUSTER NODES") : NULL;
        sb_buf_puts(out, ":");
        if (rep && rep->type == REDIS_REPLY_STRING)
            observe_myself_claims(rep->str, out);
        else
            sb_buf_puts(out, "null");
        if (rep)
            freeReplyObject(rep);
        if (c)
            redisFree(c);
    }
    sb_buf_puts(out, "}");
    json_decref(rv);
}

/* Out of band, so partitions do not hide anything: which master each
 * sentinel names, how many sentinels it knows, its epoch; the role each
 * redis node says it has; on a cluster, the slots each master claims. */
static void *observer_main(void *arg)
{
    sb_observer *r = arg;
    int cluster = r->s->deployment.kind == SB_DEPLOY_CLUSTER;
    int64_t next_views = sb_now_ns(), next_roles = next_views;
    sb_buf v, claims;
    sb_buf_init(&v);
    sb_buf_init(&claims);
    while (!atomic_load(&r->stop)) {
        int64_t now = sb_now_ns();
        if (now >= next_roles) {
            sb_buf_reset(&v);
            deploy_redis_roles(r->deploy, OBSERVE_TIMEOUT_NS, &v);
            recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "roles", v.data, NULL, NULL);
            r->roles_polls++;
            if (cluster) {
                sb_buf_reset(&claims);
                observe_slot_claims(r, v.data, &claims);
                recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "slot-claims", claims.data,
                                NULL, NULL);
            }
            next_roles = now + OBSERVE_ROLES_EVERY_NS;
        }
        if (now >= next_views) {
            sb_buf_reset(&v);
            deploy_sentinel_views(r->deploy, OBSERVE_TIMEOUT_NS, &v);
            recorder_record(r->rec, SB_PROC_CONTROLLER, SB_OP_OK, "sentinel-views", v.data, NULL,
                            NULL);
            r->view_polls++;
            next_views = now + OBSERVE_VIEWS_EVERY_NS;
        }
        sb_sleep_ns(10 * SB_NS_PER_MS);
    }
    sb_buf_free(&v);
    sb_buf_free(&claims);
    return NULL;
}

sb_observer *observer_start(const sb_scenario *s, sb_lab *lab, sb_deploy *d, sb_recorder *rec)
{
    sb_observer *o = sb_xcalloc(1, sizeof(*o));
    o->s = s;
    o->lab = lab;
    o->deploy = d;
    o->rec = rec;
    if (pthread_create(&o->thread, NULL, observer_main, o) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

void observer_stop(sb_observer *o)
{
    if (!o)
        return;
    atomic_store(&o->stop, 1);
    pthread_join(o->thread, NULL);
    char v[96];
    snprintf(v, sizeof(v), "{\"roles_polls\":%lld,\"sentinel_view_polls\":%lld}", o->roles_polls,
             o->view_polls);
    recorder_record(o->rec, SB_PROC_CONTROLLER, SB_OP_OK, "observer-stopped", v, NULL, NULL);
    free(o);
}
