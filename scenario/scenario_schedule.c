/* scenario_schedule.c -- the "nemesis" section of a scenario as a whole:
 * fixed faults, random schedules, and the schedule built from them with a
 * seed; freeing it, and one line per fault for people.
 *
 * A fault written in the file fires at "at". A random schedule
 *   {"random": {"start": "2s", "end": "25s", "duration": {"min": "1s", "max": "3s"},
 *               "gap": {"min": "1s", "max": "4s"}, "max": 10, "faults": [templates]}}
 * draws one template at a time (seeded), lets it last a drawn duration,
 * undoes it, waits a drawn gap, and so on. Any fault with "for" gets an
 * undo entry that many seconds later. Everything lands in one list sorted
 * by time, which the nemesis thread walks. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "util.h"

/* "duration": "2s" or {"min": "1s", "max": "3s"}. */
static int get_range(pctx *c, json_t *o, const char *p, const char *key, int64_t dflt_min,
                     int64_t dflt_max, int positive, int64_t *min, int64_t *max)
{
    json_t *v = json_object_get(o, key);
    *min = dflt_min;
    *max = dflt_max;
    if (!v)
        return 0;
    char kp[256];
    sc_child(kp, sizeof(kp), p, key);
    if (json_is_string(v)) {
        if (sc_get_duration(c, o, p, key, 1, positive, min) == -1)
            return -1;
        *max = *min;
        return 0;
    }
    static const char *const rkeys[] = {"min", "max", NULL};
    if (sc_want_type(c, v, kp, json_is_object(v),
                     "a duration or an object {\"min\": ..., \"max\": ...}") == -1 ||
        sc_check_keys(c, v, kp, rkeys) == -1 ||
        sc_get_duration(c, v, kp, "min", 1, positive, min) == -1 ||
        sc_get_duration(c, v, kp, "max", 1, positive, max) == -1)
        return -1;
    if (*max < *min)
        return sc_perr(c, kp, 0, "max is less than min");
    return 0;
}

static int parse_generator(pctx *c, const sb_scenario *s, json_t *o, const char *p, sb_generator *g)
{
    static const char *const keys[] = {"start", "end", "duration", "gap", "max", "faults", NULL};
    int line, col;
    jpos_find(&c->pos, p, 0, &line, &col);
    g->line = line;
    if (sc_want_type(c, o, p, json_is_object(o), "an object") == -1 ||
        sc_check_keys(c, o, p, keys) == -1)
        return -1;
    g->start_ns = 0;
    g->end_ns = s->duration_ns;
    if (sc_get_duration(c, o, p, "start", 0, 0, &g->start_ns) == -1 ||
        sc_get_duration(c, o, p, "end", 0, 1, &g->end_ns) == -1)
        return -1;
    if (g->end_ns > s->duration_ns || g->start_ns >= g->end_ns) {
        char dur[32];
        sb_format_duration(s->duration_ns, dur, sizeof(dur));
        return sc_perr(c, p, 0, "a random schedule must have 0 <= start < end <= %s (the run)",
                       dur);
    }
    long long max = 0;
    if (get_range(c, o, p, "duration", SB_NS_PER_S, 5 * SB_NS_PER_S, 1, &g->dur_min_ns,
                  &g->dur_max_ns) == -1 ||
        get_range(c, o, p, "gap", SB_NS_PER_S, 5 * SB_NS_PER_S, 0, &g->gap_min_ns,
                  &g->gap_max_ns) == -1 ||
        sc_get_int(c, o, p, "max", 0, 1, 100000, &max) == -1)
        return -1;
    g->max_faults = (int)max;
    json_t *fs;
    char fp[256];
    sc_child(fp, sizeof(fp), p, "faults");
    if (sc_member(c, o, p, "faults", 1, &fs) == -1 ||
        sc_want_type(c, fs, fp, json_is_array(fs) && json_array_size(fs) > 0,
                     "a non-empty array of faults") == -1)
        return -1;
    g->templates = sb_xcalloc(json_array_size(fs), sizeof(sb_fault));
    for (size_t i = 0; i < json_array_size(fs); i++) {
        char tp[300];
        snprintf(tp, sizeof(tp), "%s/%zu", fp, i);
        if (sc_parse_fault(c, s, json_array_get(fs, i), tp, 1, &g->templates[g->n_templates++]) ==
            -1)
            return -1;
    }
    return 0;
}

int sc_parse_nemesis(pctx *c, json_t *root, sb_scenario *s)
{
    json_t *v = json_object_get(root, "nemesis");
    if (!v)
        return 0;
    if (sc_want_type(c, v, "/nemesis", json_is_array(v), "an array of faults") == -1)
        return -1;
    size_t n = json_array_size(v);
    s->fixed = sb_xcalloc(n ? n : 1, sizeof(sb_fault));
    s->generators = sb_xcalloc(n ? n : 1, sizeof(sb_generator));
    for (size_t i = 0; i < n; i++) {
        char p[64];
        json_t *o = json_array_get(v, i);
        json_t *r = json_is_object(o) ? json_object_get(o, "random") : NULL;
        if (r) {
            if (json_object_size(o) != 1)
                return sc_perr(c, "/nemesis", 0,
                               "nemesis[%zu]: a random schedule is an object with the one key "
                               "\"random\"",
                               i);
            snprintf(p, sizeof(p), "/nemesis/%zu/random", i);
            if (parse_generator(c, s, r, p, &s->generators[s->n_generators++]) == -1)
                return -1;
        } else {
            snprintf(p, sizeof(p), "/nemesis/%zu", i);
            if (sc_parse_fault(c, s, o, p, 0, &s->fixed[s->n_fixed++]) == -1)
                return -1;
        }
    }
    return 0;
}

/* ====== The schedule ====== */

static int cmp_fault(const void *a, const void *b)
{
    const sb_fault *x = a, *y = b;
    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    return x->id - y->id; /* stable: file order, then draw order */
}

static int64_t draw(sb_rng *r, int64_t lo, int64_t hi)
{
    return hi > lo ? lo + (int64_t)(sb_rng_next(r) % (uint64_t)(hi - lo + 1)) : lo;
}

static void push(sb_fault **v, size_t *n, size_t *cap, const sb_fault *f)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = realloc(*v, *cap * sizeof(sb_fault));
    }
    (*v)[(*n)++] = *f;
}

void scenario_set_seed(sb_scenario *s, uint64_t seed)
{
    s->seed = seed;
    free(s->faults);
    s->faults = NULL;
    size_t n = 0, cap = 0;
    int id = 0;
    for (size_t i = 0; i < s->n_fixed; i++) {
        sb_fault f = s->fixed[i];
        f.borrowed = 1;
        f.id = id++;
        push(&s->faults, &n, &cap, &f);
    }
    for (size_t g = 0; g < s->n_generators; g++) {
        const sb_generator *gen = &s->generators[g];
        sb_rng rng;
        sb_rng_seed(&rng, seed * 0x9E3779B97F4A7C15ULL + g + 1);
        int64_t t = gen->start_ns;
        for (int k = 0; t < gen->end_ns && (!gen->max_faults || k < gen->max_faults); k++) {
            sb_fault f = gen->templates[sb_rng_next(&rng) % gen->n_templates];
            f.borrowed = 1;
            f.generator = (int)g;
            f.at_ns = t;
            f.for_ns = draw(&rng, gen->dur_min_ns, gen->dur_max_ns);
            if (t + f.for_ns > gen->end_ns)
                f.for_ns = gen->end_ns - t;
            f.id = id++;
            push(&s->faults, &n, &cap, &f);
            t += f.for_ns + draw(&rng, gen->gap_min_ns, gen->gap_max_ns);
        }
    }
    /* Undo entries for everything with a "for". Undos that would fall after
     * the end are left to the final heal. */
    size_t base = n;
    for (size_t i = 0; i < base; i++) {
        const sb_fault *f = &s->faults[i];
        if (!f->for_ns || f->at_ns + f->for_ns > s->duration_ns)
            continue;
        sb_fault u = {.kind = SB_FAULT_UNDO,
                      .at_ns = f->at_ns + f->for_ns,
                      .line = f->line,
                      .generator = f->generator,
                      .undo_id = f->id,
                      .borrowed = 1};
        u.id = id++;
        push(&s->faults, &n, &cap, &u);
    }
    /* An undo sorts before a fault drawn for the same instant: with zero
     * gaps the next fault starts after the previous one ended. */
    for (size_t i = 0; i < n; i++)
        if (s->faults[i].kind == SB_FAULT_UNDO)
            s->faults[i].id -= id;
    if (n)
        qsort(s->faults, n, sizeof(sb_fault), cmp_fault);
    for (size_t i = 0; i < n; i++)
        if (s->faults[i].kind == SB_FAULT_UNDO)
            s->faults[i].id += id;
    s->n_faults = n;
}

static void fault_free(sb_fault *f)
{
    for (size_t g = 0; g < f->n_groups; g++)
        free(f->groups[g].idx);
    free(f->groups);
    free(f->universe.idx);
    free(f->from.idx);
    free(f->to.idx);
    free(f->target.hosts.idx);
    free(f->hosts.idx);
    free(f->peers.idx);
}

void sc_free_nemesis(sb_scenario *s)
{
    for (size_t i = 0; i < s->n_fixed; i++)
        fault_free(&s->fixed[i]);
    free(s->fixed);
    for (size_t g = 0; g < s->n_generators; g++) {
        for (size_t i = 0; i < s->generators[g].n_templates; i++)
            fault_free(&s->generators[g].templates[i]);
        free(s->generators[g].templates);
    }
    free(s->generators);
    free(s->faults);
}

/* hs as "{n1,n2}" at the end of buf */
static void describe_hostset(const sb_scenario *s, const sb_hostset *hs, char *buf, size_t len)
{
    size_t k = strlen(buf);
    snprintf(buf + k, len - k, "{");
    for (size_t i = 0; i < hs->n; i++) {
        k = strlen(buf);
        snprintf(buf + k, len - k, "%s%s", i ? "," : "", s->hosts[hs->idx[i]].name);
    }
    k = strlen(buf);
    snprintf(buf + k, len - k, "}");
}

/* The groups of a partition as they will be: fixed groups in full (hosts
 * named in no group form the last one), one-way with its direction, and a
 * drawn shape with the hosts it is drawn over (the draw itself happens
 * when it fires, from the seed, and the history records it). */
static void describe_partition(const sb_scenario *s, const sb_fault *f, const char *shape,
                               char *buf, size_t len)
{
    if (f->shape == SB_SHAPE_GROUPS) {
        snprintf(buf, len, " ");
        int named[SB_MAX_HOSTS] = {0};
        for (size_t g = 0; g < f->n_groups; g++) {
            if (g)
                snprintf(buf + strlen(buf), len - strlen(buf), " | ");
            describe_hostset(s, &f->groups[g], buf, len);
            for (size_t i = 0; i < f->groups[g].n; i++)
                named[f->groups[g].idx[i]] = 1;
        }
        sb_hostset rest = {.n = 0};
        int idx[SB_MAX_HOSTS];
        rest.idx = idx;
        for (size_t h = 0; h < s->n_hosts; h++)
            if (!named[h])
                idx[rest.n++] = (int)h;
        if (rest.n) {
            snprintf(buf + strlen(buf), len - strlen(buf), " | ");
            describe_hostset(s, &rest, buf, len);
        }
        return;
    }
    if (f->shape == SB_SHAPE_ONE_WAY) {
        snprintf(buf, len, " one-way ");
        describe_hostset(s, &f->from, buf, len);
        snprintf(buf + strlen(buf), len - strlen(buf), " -/-> ");
        describe_hostset(s, &f->to, buf, len);
        return;
    }
    snprintf(buf, len, " %s", shape);
    if (f->shape != SB_SHAPE_ISOLATE) {
        snprintf(buf + strlen(buf), len - strlen(buf), " of ");
        if (f->universe.n) {
            describe_hostset(s, &f->universe, buf, len);
        } else {
            int idx[SB_MAX_HOSTS];
            sb_hostset all = {.idx = idx, .n = s->n_hosts};
            for (size_t h = 0; h < s->n_hosts; h++)
                idx[h] = (int)h;
            describe_hostset(s, &all, buf, len);
        }
        snprintf(buf + strlen(buf), len - strlen(buf), " (drawn from the seed when it fires)");
    }
}

void scenario_fault_describe(const sb_scenario *s, const sb_fault *f, char *buf, size_t len)
{
    static const char *const shapes[] = {"groups", "halves", "isolate",
                                         "ring",   "bridge", "one-way"};
    static const char *const targets[] = {"", "master", "replica", "random", "all"};
    static const char *const clock_ops[] = {"bump", "strobe", "reset"};
    char what[512] = "", note[128] = "";
    switch (f->kind) {
    case SB_FAULT_PARTITION:
        describe_partition(s, f, shapes[f->shape], what, sizeof(what));
        break;
    case SB_FAULT_UNDO:
        snprintf(what, sizeof(what), " #%d", f->undo_id);
        break;
    case SB_FAULT_CLOCK:
        snprintf(what, sizeof(what), " %s", clock_ops[f->clock_op]);
        if (f->clock_op != SB_CLOCK_RESET)
            snprintf(what + strlen(what), sizeof(what) - strlen(what), " %+.3fs",
                     f->delta_ns / 1e9);
        break;
    case SB_FAULT_LOSS:
        snprintf(what, sizeof(what), " %g", f->probability);
        break;
    default:
        break;
    }
    if ((f->kind >= SB_FAULT_KILL && f->kind <= SB_FAULT_RESUME) || f->kind == SB_FAULT_CLOCK ||
        f->kind == SB_FAULT_POWER_LOSS ||
        (f->kind == SB_FAULT_PARTITION && f->shape == SB_SHAPE_ISOLATE)) {
        size_t k = strlen(what);
        if (f->target.kind == SB_TARGET_HOSTS)
            for (size_t i = 0; i < f->target.hosts.n; i++)
                snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", i ? "," : " ",
                         s->hosts[f->target.hosts.idx[i]].name);
        else
            snprintf(what + k, sizeof(what) - k, " %s", targets[f->target.kind]);
        if (f->kind != SB_FAULT_PARTITION)
            snprintf(what + strlen(what), sizeof(what) - strlen(what), " (%s)",
                     scenario_proc_name(f->process));
        /* Roles resolve when the fault fires; the history records to whom. */
        if (f->target.kind == SB_TARGET_MASTER && s->deployment.kind == SB_DEPLOY_SENTINEL)
            snprintf(note, sizeof(note), "; the master when it fires (%s at the start)",
                     s->hosts[s->deployment.master].name);
        else if (f->target.kind == SB_TARGET_REPLICA || f->target.kind == SB_TARGET_RANDOM)
            snprintf(note, sizeof(note), "; drawn from the seed when it fires");
    }
    char at[32], dur[32] = "";
    sb_format_duration(f->at_ns, at, sizeof(at));
    if (f->for_ns) {
        char d[24];
        sb_format_duration(f->for_ns, d, sizeof(d));
        snprintf(dur, sizeof(dur), " for %s", d);
    }
    snprintf(buf, len, "#%-3d %8s  %s%s%s%s  (line %d%s)", f->id, at, scenario_fault_name(f->kind),
             what, dur, note, f->line, f->generator >= 0 ? ", random schedule" : "");
}
