/* scenario_internal.h -- the readers scenario.c and scenario_faults.c share.
 * Every reader reports errors as "file:line:col: what; allowed" through
 * sc_perr and returns -1; paths are JSON pointers ("/nemesis/0/at"). */
#ifndef SB_SCENARIO_INTERNAL_H
#define SB_SCENARIO_INTERNAL_H

#include <jansson.h>

#include "jpos.h"
#include "scenario.h"

typedef struct pctx {
    const char *file;
    jpos_index pos;
    char *err;
    int saved; /* a run folder's copy: client programs are not looked for */
} pctx;

void sc_human_path(const char *path, char *out, size_t len);
int sc_perr(pctx *c, const char *path, int key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *sc_type_name(const json_t *v);
void sc_child(char *out, size_t len, const char *path, const char *key);
/* names (NULL-terminated) as "a, b, c" into out. */
void sc_join_names(const char *const *names, char *out, size_t len);
int sc_check_keys(pctx *c, json_t *obj, const char *path, const char *const *allowed);
int sc_want_type(pctx *c, json_t *v, const char *path, int ok, const char *what);
int sc_member(pctx *c, json_t *obj, const char *path, const char *key, int required, json_t **out);
int sc_get_string(pctx *c, json_t *obj, const char *path, const char *key, int required,
                  const char **out);
int sc_get_int(pctx *c, json_t *obj, const char *path, const char *key, int required, long long min,
               long long max, long long *out);
int sc_get_duration(pctx *c, json_t *obj, const char *path, const char *key, int required,
                    int positive, int64_t *out);
int sc_valid_name(const char *s, size_t max, const char *extra);
void sc_host_list(const sb_scenario *s, const sb_hostset *within, char *out, size_t len);
int sc_resolve_host(pctx *c, const sb_scenario *s, json_t *v, const char *path,
                    const sb_hostset *within, const char *what, int *out);
int sc_hostset_from(pctx *c, const sb_scenario *s, json_t *v, const char *p,
                    const sb_hostset *within, const char *what, sb_hostset *out);
int sc_get_hostset(pctx *c, const sb_scenario *s, json_t *obj, const char *path, const char *key,
                   int required, const sb_hostset *within, const char *what, sb_hostset *out);
int sc_get_object(pctx *c, json_t *obj, const char *path, const char *key, int required,
                  json_t **out);

/* scenario_hosts.c: "hosts" (names, or objects with ssh details) and the
 * "ssh" defaults; after everything else, what the ssh backend can run. */
int sc_parse_hosts(pctx *c, json_t *root, sb_scenario *s);
int sc_check_remote(pctx *c, const sb_scenario *s);

/* scenario_faults.c: one fault at p (a template of a random schedule when
 * templ), into f. */
int sc_parse_fault(pctx *c, const sb_scenario *s, json_t *o, const char *p, int templ, sb_fault *f);
/* "2mbit", "512kbit", "100kB" -> bytes per second; -1 if malformed. */
int sb_parse_rate(const char *s, uint64_t *bytes_per_s);

/* scenario_schedule.c: the "nemesis" section, and the schedule from it. */
int sc_parse_nemesis(pctx *c, json_t *root, sb_scenario *s);
/* "checkers" and "expect" (scenario_expect.c). */
int sc_parse_checkers(pctx *c, json_t *root, sb_scenario *s);
int sc_parse_expect(pctx *c, json_t *root, sb_scenario *s);
void sc_free_nemesis(sb_scenario *s);

/* scenario_cache.c: the "origin" section (before clients and workload) and
 * the cache workload's options (w is the "workload" object). */
int sc_parse_origin(pctx *c, json_t *root, sb_scenario *s);
int sc_parse_cache(pctx *c, json_t *w, sb_scenario *s);

/* scenario_client.c: a client group's "client" (an external program), and
 * after the workload and hosts, whether it can run them. */
int sc_parse_client_ext(pctx *c, json_t *o, const char *p, sb_client *cl);
int sc_check_clients_ext(pctx *c, const sb_scenario *s);
void sc_free_client_ext(sb_client *cl);

#endif
