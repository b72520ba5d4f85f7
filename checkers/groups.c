/* groups.c -- processes by client (groups.h). */
#include "groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void assign(sb_groups *g, json_int_t p, int group)
{
    if (p < 0 || p > 1000000)
        return;
    if ((size_t)p >= g->n_of) {
        size_t n = (size_t)p + 64;
        g->of = sb_xrealloc(g->of, n * sizeof(int));
        for (size_t i = g->n_of; i < n; i++)
            g->of[i] = -1;
        g->n_of = n;
    }
    g->of[p] = group;
}

static int name_index(sb_groups *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->name[i], name))
            return (int)i;
    g->name = sb_xrealloc(g->name, (g->n + 1) * sizeof(*g->name));
    snprintf(g->name[g->n], sizeof(g->name[0]), "%s", name);
    return (int)g->n++;
}

void groups_read(const sb_history *h, sb_groups *g)
{
    memset(g, 0, sizeof(*g));
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->process != SB_PROC_CONTROLLER || op->type != SB_OP_OK)
            continue;
        if (!strcmp(op->f, "clients")) {
            size_t k;
            json_t *grp;
            json_array_foreach(json_object_get(op->value, "groups"), k, grp)
            {
                const char *name = json_string_value(json_object_get(grp, "client"));
                int gi = name_index(g, name ? name : "?");
                size_t j;
                json_t *p;
                json_array_foreach(json_object_get(grp, "processes"), j, p)
                    assign(g, json_integer_value(p), gi);
            }
        } else if (!strcmp(op->f, "client-restart")) {
            int old = groups_of(g, (int)json_integer_value(json_object_get(op->value, "process")));
            if (old >= 0)
                assign(g, json_integer_value(json_object_get(op->value, "new_process")), old);
        }
    }
    if (g->n < 2) { /* one client: nothing to split */
        groups_free(g);
        memset(g, 0, sizeof(*g));
    }
}

int groups_of(const sb_groups *g, int p)
{
    return p >= 0 && (size_t)p < g->n_of ? g->of[p] : -1;
}

void groups_free(sb_groups *g)
{
    free(g->name);
    free(g->of);
}
