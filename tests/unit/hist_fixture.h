/* hist_fixture.h -- what the checker tests share to build hand-written
 * histories and read a checker's verdict: one operation at a time
 * (fx_add), a whole history from short text lines (fx_lines), running a
 * checker by name (fx_check) and reading its figures (fx_fig, fx_figf).
 * The property tests also share their seeds and cases (fx_prop) and print
 * a failing history as JSON lines (fx_dump).
 *
 * Include after <cmocka.h>: failures are cmocka assertions. */
#ifndef SB_TEST_HIST_FIXTURE_H
#define SB_TEST_HIST_FIXTURE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "history.h"
#include "util.h"

/* Appends one operation; value is stolen (NULL: none), node may be NULL. */
static inline void fx_op(sb_history *h, int process, sb_op_type type, const char *f, json_t *value,
                         const char *node, int64_t time_ns)
{
    sb_op op = {.process = process, .type = type, .time_ns = time_ns};
    snprintf(op.f, sizeof(op.f), "%s", f);
    if (node)
        snprintf(op.node, sizeof(op.node), "%s", node);
    op.value = value;
    history_add(h, &op);
    json_decref(value);
}

/* The same with the value as JSON text (NULL: none); bad JSON fails. */
static inline void fx_add(sb_history *h, int process, sb_op_type type, const char *f,
                          const char *value_json, const char *node, int64_t time_ns)
{
    json_t *v = NULL;
    if (value_json) {
        json_error_t je;
        v = json_loads(value_json, JSON_DECODE_ANY, &je);
        if (!v)
            fail_msg("bad JSON in a test history: %s (%s)", value_json, je.text);
    }
    fx_op(h, process, type, f, v, node, time_ns);
}

/* A history from lines "process type f [value]" (process -2: the
 * controller; value: JSON to the end of the line, null when absent), the
 * i-th line at time i * step_ns. NULL ends the lines. */
static inline sb_history *fx_lines(const char *const *lines, int64_t step_ns)
{
    sb_history *h = history_new();
    for (size_t i = 0; lines[i]; i++) {
        char type[16], f[16], value[256] = "null";
        int process;
        if (sscanf(lines[i], "%d %15s %15s %255[^\n]", &process, type, f, value) < 3)
            fail_msg("bad test history line %zu: %s", i, lines[i]);
        sb_op_type t;
        if (history_type_parse(type, &t) != 0)
            fail_msg("bad type in test history line %zu: %s", i, lines[i]);
        fx_add(h, process, t, f, value, NULL, (int64_t)i * step_ns);
    }
    return h;
}

/* Runs the named checker on h; the call itself must succeed. */
static inline sb_check_result fx_check(const char *checker, const sb_history *h)
{
    sb_check_result r;
    memset(&r, 0, sizeof(r));
    char err[SB_ERR_LEN] = "";
    const sb_checker *c = checker_find(checker);
    if (!c)
        fail_msg("no checker named %s", checker);
    if (c->check(h, &r, err) != 0)
        fail_msg("%s check failed: %s", checker, err);
    return r;
}

/* An integer or real figure of a result, which must be there. */
static inline long long fx_fig(const sb_check_result *r, const char *name)
{
    const json_t *v = json_object_get(r->figures, name);
    if (!json_is_number(v))
        fail_msg("no figure %s", name);
    return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_real_value(v);
}

static inline double fx_figf(const sb_check_result *r, const char *name)
{
    const json_t *v = json_object_get(r->figures, name);
    if (!json_is_number(v))
        fail_msg("no figure %s", name);
    return json_number_value(v);
}

/* ====== Property tests: seeds, cases, and what a failure prints ====== */

/* SB_PROP_SEED (the base seed), SB_PROP_CASES (cases per class) and
 * SB_PROP_CASE (run only that case number) override the defaults. */
typedef struct fx_prop {
    uint64_t base;
    long cases, only; /* only: one case number, or -1 */
} fx_prop;

static inline uint64_t fx_env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static inline fx_prop fx_prop_init(uint64_t seed, long cases)
{
    fx_prop p = {.base = fx_env_u64("SB_PROP_SEED", seed),
                 .cases = (long)fx_env_u64("SB_PROP_CASES", (uint64_t)cases),
                 .only = getenv("SB_PROP_CASE") ? (long)fx_env_u64("SB_PROP_CASE", 0) : -1};
    return p;
}

/* The seed of case i of class cls: the same on every machine. */
static inline uint64_t fx_case_seed(const fx_prop *p, int cls, long i)
{
    sb_rng r;
    sb_rng_seed(&r, p->base ^ ((uint64_t)cls << 40) ^ (uint64_t)i * 0x9E3779B97F4A7C15ULL);
    return sb_rng_next(&r);
}

/* The history as JSON lines on stderr, to replay with `splitbrain check`. */
static inline void fx_dump(const sb_history *h)
{
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        json_t *j = json_pack(
            "{s:I,s:o,s:s,s:s,s:I}", "index", (json_int_t)op->index, "process",
            op->process >= 0 ? json_integer(op->process) : json_string("controller"), "type",
            history_type_name(op->type), "f", op->f, "time", (json_int_t)op->time_ns);
        if (op->node[0])
            json_object_set_new(j, "node", json_string(op->node));
        if (op->value)
            json_object_set(j, "value", op->value);
        char *s = json_dumps(j, JSON_COMPACT);
        fprintf(stderr, "%s\n", s);
        free(s);
        json_decref(j);
    }
}

#endif
