/* strtab.c -- see strtab.h. */
#include "strtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int rehash(sb_strtab *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 64;
    size_t *slot = calloc(ns, sizeof(size_t));
    if (!slot)
        return -1;
    for (size_t id = 0; id < t->n; id++) {
        size_t j = hash_str(t->s[id]) & (ns - 1);
        while (slot[j])
            j = (j + 1) & (ns - 1);
        slot[j] = id + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
    return 0;
}

long sb_strtab_id(sb_strtab *t, const char *s)
{
    if ((t->n + 1) * 2 > t->nslot && rehash(t))
        return -1;
    size_t j = hash_str(s) & (t->nslot - 1);
    for (; t->slot[j]; j = (j + 1) & (t->nslot - 1))
        if (!strcmp(t->s[t->slot[j] - 1], s))
            return (long)(t->slot[j] - 1);
    if (t->n + 1 > t->cap) {
        size_t c = t->cap ? t->cap * 2 : 16;
        char **q = realloc(t->s, c * sizeof(char *));
        if (!q)
            return -1;
        t->s = q;
        t->cap = c;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    t->s[t->n] = copy;
    t->slot[j] = ++t->n;
    return (long)(t->n - 1);
}

void sb_strtab_free(sb_strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t->slot);
    memset(t, 0, sizeof(*t));
}
