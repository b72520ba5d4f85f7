/* compare.h -- two runs' results side by side, and the bounds a CI job
 * holds the second (B) to against the first (A).
 *
 * Pure: it reads two results.json documents and writes text or JSON to a
 * FILE*. Which direction is worse for a figure is not known in general
 * (more lost writes is worse, more availability is better), so every bound
 * says it: --max-increase, --max-decrease, --max, --min, --verdicts. */
#ifndef SB_COMPARE_H
#define SB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    SB_GATE_MAX_INCREASE, /* worse when B - A > limit */
    SB_GATE_MAX_DECREASE, /* worse when A - B > limit */
    SB_GATE_MAX,          /* worse when B > limit */
    SB_GATE_MIN           /* worse when B < limit */
} sb_gate_kind;

typedef struct sb_gate {
    sb_gate_kind kind;
    char checker[64];
    char figure[128];
    double limit;
    char arg[256]; /* as given, for messages: "--max-increase set.lost_fraction=0.01" */
} sb_gate;

typedef struct sb_compare_opts {
    const sb_gate *gates;
    size_t n_gates;
    int verdicts; /* worse when a checker valid in A is not valid in B */
} sb_compare_opts;

typedef struct sb_compare sb_compare;

/* "--max-increase" etc. (the option's name, without a value). */
const char *compare_gate_option(sb_gate_kind kind);

/* Parses CHECKER.FIGURE=X (the value of the option for kind) into out.
 * Returns 0, or -1 with err: "--max set.lost: what is wrong; allowed: ...". */
int compare_gate_parse(sb_gate_kind kind, const char *value, sb_gate *out, char *err);

/* Reads a run's results: path is a run folder holding results.json, a
 * folder of runs whose "latest" link points at one, or a results.json file.
 * Returns the document (caller decrefs) and the file it read in resolved,
 * or NULL with err "PATH: what is wrong; allowed: ...". */
json_t *compare_load(const char *path, char *resolved, size_t resolved_len, char *err);

/* Lines up a and b (borrowed; kept referenced by the comparison) and holds
 * b to the bounds. label_a/label_b name them in the output (their files).
 * Returns NULL with err when a document is not a results.json or a bound
 * names a figure that neither run reports ("...; allowed: <its figures>").
 * A bound on a figure B lacks is no error here: it makes B worse. */
sb_compare *compare_new(const json_t *a, const char *label_a, const json_t *b, const char *label_b,
                        const sb_compare_opts *o, char *err);
/* The number of reasons B is worse beyond the bounds (0: not worse). */
size_t compare_n_worse(const sb_compare *c);
/* The i-th reason, one line: "set.lost_fraction rose by 0.02 (...)". */
const char *compare_reason(const sb_compare *c, size_t i);
/* Header, one row per verdict then per numeric figure (figure | A | B |
 * change), each row a bound holds marked ok or WORSE, then the result and
 * every reason. color: ANSI colours as report_text uses them. */
void compare_write_text(const sb_compare *c, FILE *out, int color);
/* The same as one JSON document: {"a":{..},"b":{..},"rows":[..],
 * "bounds":[..],"worse":bool,"reasons":[..]}. */
void compare_write_json(const sb_compare *c, FILE *out);
void compare_free(sb_compare *c);

#endif
