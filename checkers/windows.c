/* windows.c -- anomalies grouped into windows by node and time (windows.h). */
#include "windows.h"

#include <stdlib.h>
#include <string.h>

static const char *node_of(const sb_tmark *m)
{
    return m->node && m->node[0] ? m->node : "?";
}

static int cmp_mark(const void *a, const void *b)
{
    const sb_tmark *x = a, *y = b;
    int c = strcmp(node_of(x), node_of(y));
    if (c)
        return c;
    return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

json_t *checker_time_windows(sb_tmark *m, size_t n, int64_t gap_ns, size_t cap)
{
    if (n)
        qsort(m, n, sizeof(*m), cmp_mark);
    json_t *arr = json_array();
    json_t *last = NULL;
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && !strcmp(node_of(&m[j]), node_of(&m[i])) &&
               m[j].t_ns - m[j - 1].t_ns <= gap_ns)
            j++;
        if (json_array_size(arr) < cap || !last) {
            last = json_pack("{s:I,s:I,s:s,s:I}", "start", (json_int_t)m[i].t_ns, "end",
                             (json_int_t)m[j - 1].t_ns, "node", node_of(&m[i]), "count",
                             (json_int_t)(j - i));
            json_array_append_new(arr, last);
        } else { /* past the cap: counted into the last window listed */
            json_int_t c = json_integer_value(json_object_get(last, "count"));
            json_object_set_new(last, "count", json_integer(c + (json_int_t)(j - i)));
            json_object_set_new(last, "more_windows", json_true());
        }
        i = j;
    }
    return arr;
}

int sb_tmarks_add(sb_tmarks *v, int64_t t_ns, const char *node)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        sb_tmark *m = realloc(v->m, cap * sizeof(*m));
        if (!m)
            return -1;
        v->m = m;
        v->cap = cap;
    }
    v->m[v->n++] = (sb_tmark){t_ns, node};
    return 0;
}

void sb_tmarks_free(sb_tmarks *v)
{
    free(v->m);
    memset(v, 0, sizeof(*v));
}
