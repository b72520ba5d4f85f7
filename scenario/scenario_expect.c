/* scenario_expect.c -- a scenario's "checkers" (names from the checker
 * table, "set" when absent) and "expect" (per checker: the verdict it
 * should reach and bounds on its figures, {"min": x, "max": y}), with
 * errors as "file:line:col: what; allowed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "scenario_internal.h"
#include "util.h"

static void checker_names(char *out, size_t len)
{
    size_t n;
    const sb_checker *const *t = checker_table(&n);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", t[i]->name);
}

int sc_parse_checkers(pctx *c, json_t *root, sb_scenario *s)
{
    json_t *v = json_object_get(root, "checkers");
    char list[256];
    checker_names(list, sizeof(list));
    if (!v) {
        s->checkers = sb_xcalloc(1, sizeof(*s->checkers));
        snprintf(s->checkers[0], SB_NAME_LEN, "set");
        s->n_checkers = 1;
        return 0;
    }
    if (sc_want_type(c, v, "/checkers", json_is_array(v), "an array of checker names") == -1)
        return -1;
    if (json_array_size(v) == 0)
        return sc_perr(c, "/checkers", 0, "checkers is empty; allowed: %s", list);
    s->checkers = sb_xcalloc(json_array_size(v), sizeof(*s->checkers));
    for (size_t i = 0; i < json_array_size(v); i++) {
        char p[64];
        snprintf(p, sizeof(p), "/checkers/%zu", i);
        json_t *n = json_array_get(v, i);
        if (sc_want_type(c, n, p, json_is_string(n), "a checker name") == -1)
            return -1;
        if (!checker_find(json_string_value(n)))
            return sc_perr(c, p, 0, "unknown checker \"%s\"; allowed: %s", json_string_value(n),
                           list);
        for (size_t k = 0; k < s->n_checkers; k++)
            if (!strcmp(s->checkers[k], json_string_value(n)))
                return sc_perr(c, p, 0, "checker \"%s\" is listed twice", json_string_value(n));
        snprintf(s->checkers[s->n_checkers++], SB_NAME_LEN, "%s", json_string_value(n));
    }
    return 0;
}

static int parse_bound(pctx *c, const sb_checker *ck, const char *figure, json_t *v, const char *p,
                       sb_bound *b)
{
    static const char *const bkeys[] = {"min", "max", NULL};
    int known = 0;
    for (size_t i = 0; ck->figures && ck->figures[i] && !known; i++)
        known = !strcmp(ck->figures[i], figure);
    if (!known && ck->figure_ok)
        known = ck->figure_ok(figure);
    if (!known) {
        char list[512];
        sc_join_names(ck->figures, list, sizeof(list));
        if (ck->figure_help)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), ", %s", ck->figure_help);
        return sc_perr(c, p, 1, "checker %s has no figure \"%s\"; allowed: valid, %s", ck->name,
                       figure, list);
    }
    if (sc_want_type(c, v, p, json_is_object(v), "an object {\"min\": ..., \"max\": ...}") == -1 ||
        sc_check_keys(c, v, p, bkeys) == -1)
        return -1;
    snprintf(b->figure, sizeof(b->figure), "%s", figure);
    json_t *mn = json_object_get(v, "min"), *mx = json_object_get(v, "max");
    if (!mn && !mx)
        return sc_perr(c, p, 0, "a bound needs \"min\", \"max\" or both");
    char q[600];
    if (mn) {
        sc_child(q, sizeof(q), p, "min");
        if (sc_want_type(c, mn, q, json_is_number(mn), "a number") == -1)
            return -1;
        b->has_min = 1;
        b->min = json_number_value(mn);
    }
    if (mx) {
        sc_child(q, sizeof(q), p, "max");
        if (sc_want_type(c, mx, q, json_is_number(mx), "a number") == -1)
            return -1;
        b->has_max = 1;
        b->max = json_number_value(mx);
    }
    if (mn && mx && b->min > b->max)
        return sc_perr(c, p, 0, "min %g is larger than max %g", b->min, b->max);
    return 0;
}

static int parse_expect_entry(pctx *c, const sb_checker *ck, json_t *o, const char *p, sb_expect *e)
{
    if (sc_want_type(c, o, p, json_is_object(o), "an object") == -1)
        return -1;
    const char *figure;
    json_t *v;
    json_object_foreach(o, figure, v)
    {
        char fp[600];
        sc_child(fp, sizeof(fp), p, figure);
        if (!strcmp(figure, "valid")) {
            if (json_is_true(v))
                e->valid = SB_VALID_TRUE;
            else if (json_is_false(v))
                e->valid = SB_VALID_FALSE;
            else if (json_is_string(v) && !strcmp(json_string_value(v), "unknown"))
                e->valid = SB_VALID_UNKNOWN;
            else if (json_is_string(v) && !strcmp(json_string_value(v), "any"))
                e->valid = SB_VALID_ANY;
            else
                return sc_perr(c, fp, 0, "valid must be true, false, \"unknown\" or \"any\"");
            continue;
        }
        e->bounds = sb_xrealloc(e->bounds, (e->n_bounds + 1) * sizeof(sb_bound));
        memset(&e->bounds[e->n_bounds], 0, sizeof(sb_bound));
        if (parse_bound(c, ck, figure, v, fp, &e->bounds[e->n_bounds]) == -1)
            return -1;
        e->n_bounds++;
    }
    return 0;
}

int sc_parse_expect(pctx *c, json_t *root, sb_scenario *s)
{
    s->expects = sb_xcalloc(s->n_checkers, sizeof(sb_expect));
    s->n_expects = s->n_checkers;
    for (size_t i = 0; i < s->n_checkers; i++) {
        snprintf(s->expects[i].checker, SB_NAME_LEN, "%s", s->checkers[i]);
        s->expects[i].valid = SB_VALID_TRUE;
    }
    json_t *v = json_object_get(root, "expect");
    if (!v)
        return 0;
    if (sc_want_type(c, v, "/expect", json_is_object(v), "an object keyed by checker") == -1)
        return -1;
    const char *name;
    json_t *o;
    json_object_foreach(v, name, o)
    {
        char p[256];
        sc_child(p, sizeof(p), "/expect", name);
        size_t i = 0;
        while (i < s->n_checkers && strcmp(s->checkers[i], name))
            i++;
        if (i == s->n_checkers) {
            char list[512] = "";
            for (size_t k = 0; k < s->n_checkers; k++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
                         s->checkers[k]);
            return sc_perr(c, p, 1,
                           "expect names checker \"%s\", which the scenario does not run; "
                           "allowed: %s",
                           name, list);
        }
        if (parse_expect_entry(c, checker_find(name), o, p, &s->expects[i]) == -1)
            return -1;
    }
    return 0;
}
