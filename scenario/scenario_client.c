/* scenario_client.c -- a client group's "client": an external program that
 * speaks clients/PROTOCOL.md instead of the built-in client.
 *
 *   "client": {"command": ["clients/redis-py/adapter.py", "--flag"],
 *              "env": {"NAME": "value"}, "options": {...}, "name": "redis-py"}
 *
 * The program (command[0]) is found as the shell would for a bare name (on
 * PATH), as given when absolute, and otherwise relative to the scenario
 * file's folder or, failing that, the nearest folder above it that has it:
 * "clients/redis-py/adapter.py" from scenarios/clients/x.json finds the
 * repository's clients/ folder whatever the current directory. It must be
 * an executable file. "options" go to the program in its init message
 * untouched; "name" labels the group in results (default: the program's
 * folder, "redis-py"). */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario_internal.h"
#include "workload.h"

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* A bare program name on PATH; 0 and out set when found. */
static int on_path(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((size_t)snprintf(out, len, "%.*s/%s", (int)n, p, name) < len && executable(out))
            return 0;
        p += n + (e ? 1 : 0);
    }
    return -1;
}

/* rel in the scenario's folder or the nearest folder above it; 0 and out
 * (absolute) when found, else -1 with the first place looked in looked. */
static int beside_scenario(const char *scenario, const char *rel, char *out, size_t len,
                           char *looked, size_t looked_len)
{
    char dir[PATH_MAX];
    if (!realpath(scenario, dir))
        snprintf(dir, sizeof(dir), "%s", scenario);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    snprintf(looked, looked_len, "%s/%s", dir, rel);
    for (;;) {
        if ((size_t)snprintf(out, len, "%s/%s", dir[0] ? dir : "", rel) < len && executable(out))
            return 0;
        slash = strrchr(dir, '/');
        if (!slash || !dir[0])
            return -1;
        *slash = '\0';
    }
}

int sc_parse_client_ext(pctx *c, json_t *o, const char *p, sb_client *cl)
{
    static const char *const keys[] = {"command", "env", "options", "name", NULL};
    json_t *ext;
    char ep[96], cp[128];
    sc_child(ep, sizeof(ep), p, "client");
    if (sc_get_object(c, o, p, "client", 0, &ext) == -1)
        return -1;
    if (!ext)
        return 0;
    if (sc_check_keys(c, ext, ep, keys) == -1)
        return -1;
    json_t *cmd;
    sc_child(cp, sizeof(cp), ep, "command");
    if (sc_member(c, ext, ep, "command", 1, &cmd) == -1)
        return -1;
    int ok = json_is_array(cmd) && json_array_size(cmd) > 0;
    for (size_t i = 0; ok && i < json_array_size(cmd); i++)
        ok = json_is_string(json_array_get(cmd, i)) && json_string_value(json_array_get(cmd, i))[0];
    if (sc_want_type(c, cmd, cp, ok,
                     "a non-empty array of strings: the program and its arguments, "
                     "[\"clients/redis-py/adapter.py\"]") == -1)
        return -1;
    const char *prog = json_string_value(json_array_get(cmd, 0));
    char path[PATH_MAX], looked[PATH_MAX + 64];
    int found;
    if (prog[0] == '/') {
        found = executable(prog);
        snprintf(path, sizeof(path), "%s", prog);
        snprintf(looked, sizeof(looked), "%s", prog);
    } else if (!strchr(prog, '/')) {
        found = on_path(prog, path, sizeof(path)) == 0;
        snprintf(looked, sizeof(looked), "PATH");
    } else {
        found = beside_scenario(c->file, prog, path, sizeof(path), looked, sizeof(looked)) == 0;
    }
    if (!found && c->saved) {
        found = 1; /* kept as written: judging a saved run starts no client */
        snprintf(path, sizeof(path), "%s", prog);
    }
    if (!found) {
        char p0[160];
        snprintf(p0, sizeof(p0), "%s/0", cp);
        return sc_perr(c, p0, 0,
                       "client program \"%s\" is not an executable file (looked in %s%s); give "
                       "a path relative to the scenario's folder or a folder above it, an "
                       "absolute path, or a program on PATH",
                       prog, looked, prog[0] == '/' || !strchr(prog, '/') ? "" : " and above");
    }
    size_t n = json_array_size(cmd);
    cl->ext_argv = sb_xcalloc(n + 1, sizeof(char *));
    cl->ext_argv[0] = sb_xstrdup(path);
    for (size_t i = 1; i < n; i++)
        cl->ext_argv[i] = sb_xstrdup(json_string_value(json_array_get(cmd, i)));
    json_t *env;
    if (sc_get_object(c, ext, ep, "env", 0, &env) == -1)
        return -1;
    if (env) {
        cl->ext_env = sb_xcalloc(json_object_size(env) + 1, sizeof(char *));
        size_t k = 0;
        const char *name;
        json_t *v;
        json_object_foreach(env, name, v)
        {
            char vp[160];
            snprintf(vp, sizeof(vp), "%s/env", ep);
            if (!sc_valid_name(name, 127, "_") || strchr("0123456789", name[0]))
                return sc_perr(c, vp, 0,
                               "bad environment name \"%s\"; allowed: letters, digits and '_', "
                               "not starting with a digit",
                               name);
            sc_child(vp, sizeof(vp), vp, name);
            if (sc_want_type(c, v, vp, json_is_string(v), "a string") == -1)
                return -1;
            size_t len = strlen(name) + strlen(json_string_value(v)) + 2;
            cl->ext_env[k] = sb_xmalloc(len);
            snprintf(cl->ext_env[k++], len, "%s=%s", name, json_string_value(v));
        }
    }
    json_t *opts;
    if (sc_get_object(c, ext, ep, "options", 0, &opts) == -1)
        return -1;
    cl->ext_options =
        opts ? json_dumps(opts, JSON_COMPACT | JSON_PRESERVE_ORDER) : sb_xstrdup("{}");
    if (!cl->ext_options)
        cl->ext_options = sb_xstrdup("{}");
    const char *name = NULL;
    if (sc_get_string(c, ext, ep, "name", 0, &name) == -1)
        return -1;
    if (name && !sc_valid_name(name, sizeof(cl->ext_name) - 1, "._-")) {
        char np[128];
        sc_child(np, sizeof(np), ep, "name");
        return sc_perr(c, np, 0,
                       "bad client name \"%s\"; allowed: 1..63 characters of letters, digits, "
                       "'.', '_', '-'",
                       name);
    }
    if (name) {
        snprintf(cl->ext_name, sizeof(cl->ext_name), "%s", name);
    } else { /* the program's folder: clients/redis-py/adapter.py -> redis-py */
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", path);
        char *last = strrchr(tmp, '/');
        if (last)
            *last = '\0';
        const char *dir = strrchr(tmp, '/');
        snprintf(cl->ext_name, sizeof(cl->ext_name), "%s", dir && dir[1] ? dir + 1 : prog);
    }
    return 0;
}

int sc_check_clients_ext(pctx *c, const sb_scenario *s)
{
    const sb_workload_kind *wk = workload_find(s->workload.kind);
    for (size_t i = 0; i < s->n_clients; i++) {
        if (!s->clients[i].ext_argv)
            continue;
        char p[64];
        snprintf(p, sizeof(p), "/clients/%zu/client", i);
        if (s->ssh)
            return sc_perr(c, p, 1,
                           "external clients run on the local lab only: the program starts in "
                           "the worker's network namespace, which the ssh backend does not "
                           "have; drop the host addresses, or use the built-in client");
        if (!wk || !wk->ext_request)
            return sc_perr(c, p, 1,
                           "workload \"%s\" runs on the built-in client only; external clients "
                           "run: %s",
                           s->workload.kind, workload_ext_names());
    }
    return 0;
}

void sc_free_client_ext(sb_client *cl)
{
    sb_strv_free(cl->ext_argv);
    sb_strv_free(cl->ext_env);
    free(cl->ext_options);
    cl->ext_argv = cl->ext_env = NULL;
    cl->ext_options = NULL;
}
