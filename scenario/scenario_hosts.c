/* scenario_hosts.c -- the "hosts" section and the ssh backend's options.
 *
 *   "hosts": ["n1", "n2", "n3"]                      local lab (namespaces)
 *   "hosts": [{"name": "n1", "address": "192.168.56.11"}, ..., "c1"],
 *   "ssh": {"user": "vagrant", "key": "keys/id_ed25519", "port": 22,
 *           "sudo": true, "dir": "/tmp/splitbrain", "known_hosts": "...",
 *           "install": false}
 *
 * A host object may carry any of the "ssh" keys itself (they override the
 * defaults). With any address the run uses the ssh backend; a host without
 * one is then a placement of clients on the control machine. Paths (key,
 * known_hosts) are relative to the scenario file's folder; "~/" is $HOME. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"

#define SSH_KEYS "address", "port", "user", "key", "known_hosts", "sudo", "dir", "install"
#define DEFAULT_REMOTE_DIR "/tmp/splitbrain"

/* path relative to the scenario's folder, or ~/..., or absolute */
static void resolve_path(const char *file, const char *p, char *out, size_t len)
{
    if (p[0] == '/') {
        snprintf(out, len, "%s", p);
    } else if (p[0] == '~' && p[1] == '/') {
        const char *home = getenv("HOME");
        snprintf(out, len, "%s/%s", home ? home : "", p + 2);
    } else {
        const char *slash = strrchr(file, '/');
        if (slash)
            snprintf(out, len, "%.*s/%s", (int)(slash - file), file, p);
        else
            snprintf(out, len, "%s", p);
    }
}

static int safe_dir(const char *d)
{
    if (d[0] != '/' || strstr(d, "..") || strlen(d) < 2)
        return 0;
    for (const char *q = d; *q; q++)
        if (!isalnum((unsigned char)*q) && !strchr("/._-", *q))
            return 0;
    return 1;
}

/* Reads the ssh keys of o (a host object or the "ssh" defaults) into h. */
static int ssh_fields(pctx *c, json_t *o, const char *p, int allow_address, sb_host *h)
{
    const char *str = NULL;
    if (allow_address) {
        if (sc_get_string(c, o, p, "address", 0, &str) == -1)
            return -1;
        if (str) {
            if (!str[0] || strlen(str) >= sizeof(h->address) || strpbrk(str, " \t'\"\\;$`"))
                return sc_perr(c, p, 0, "bad address \"%s\"; allowed: a host name or IP address",
                               str);
            snprintf(h->address, sizeof(h->address), "%s", str);
            h->remote = 1;
        }
    }
    long long port = 0;
    if (sc_get_int(c, o, p, "port", 0, 1, 65535, &port) == -1)
        return -1;
    if (port)
        h->port = (int)port;
    str = NULL;
    if (sc_get_string(c, o, p, "user", 0, &str) == -1)
        return -1;
    if (str) {
        if (!sc_valid_name(str, sizeof(h->user) - 1, "._-"))
            return sc_perr(c, p, 0, "bad user \"%s\"; allowed: letters, digits, '.', '_', '-'",
                           str);
        snprintf(h->user, sizeof(h->user), "%s", str);
    }
    str = NULL;
    if (sc_get_string(c, o, p, "key", 0, &str) == -1)
        return -1;
    if (str)
        resolve_path(c->file, str, h->key, sizeof(h->key));
    str = NULL;
    if (sc_get_string(c, o, p, "known_hosts", 0, &str) == -1)
        return -1;
    if (str)
        resolve_path(c->file, str, h->known_hosts, sizeof(h->known_hosts));
    static const char *const flags[] = {"sudo", "install"};
    for (int f = 0; f < 2; f++) {
        json_t *b = json_object_get(o, flags[f]);
        if (!b)
            continue;
        char sp[256];
        sc_child(sp, sizeof(sp), p, flags[f]);
        if (sc_want_type(c, b, sp, json_is_boolean(b), "true or false") == -1)
            return -1;
        *(f == 0 ? &h->sudo : &h->install) = json_is_true(b);
    }
    str = NULL;
    if (sc_get_string(c, o, p, "dir", 0, &str) == -1)
        return -1;
    if (str) {
        if (!safe_dir(str) || strlen(str) >= sizeof(h->dir))
            return sc_perr(c, p, 0,
                           "bad dir \"%s\"; allowed: an absolute path of letters, digits, "
                           "'/', '.', '_', '-' (no \"..\")",
                           str);
        snprintf(h->dir, sizeof(h->dir), "%s", str);
    }
    return 0;
}

static int host_name(pctx *c, const char *p, const char *name, const sb_scenario *s)
{
    int ok = sc_valid_name(name, 15, "_-") && name[0] != '-' && name[0] != '_';
    for (const char *q = name; ok && *q; q++)
        ok = !isupper((unsigned char)*q);
    if (!ok)
        return sc_perr(c, p, 0,
                       "bad host name \"%s\"; allowed: 1..15 characters of a-z, 0-9, _ and -, "
                       "starting with a letter or digit",
                       name);
    if (scenario_host_index(s, name) >= 0)
        return sc_perr(c, p, 0, "host \"%s\" is listed twice", name);
    return 0;
}

int sc_parse_hosts(pctx *c, json_t *root, sb_scenario *s)
{
    static const char *const defaults_keys[] = {"port", "user", "key",     "known_hosts",
                                                "sudo", "dir",  "install", NULL};
    static const char *const host_keys[] = {"name", SSH_KEYS, NULL};
    json_t *v;
    if (sc_member(c, root, "", "hosts", 1, &v) == -1)
        return -1;
    if (sc_want_type(c, v, "/hosts", json_is_array(v),
                     "an array of host names or {\"name\", \"address\", ...} objects") == -1)
        return -1;
    size_t n = json_array_size(v);
    if (n == 0 || n > SB_MAX_HOSTS)
        return sc_perr(c, "/hosts", 0, "hosts has %zu entries; allowed: 1..%d", n, SB_MAX_HOSTS);
    sb_host defaults = {.port = 22};
    snprintf(defaults.dir, sizeof(defaults.dir), "%s", DEFAULT_REMOTE_DIR);
    json_t *ssh = json_object_get(root, "ssh");
    if (ssh) {
        if (sc_want_type(c, ssh, "/ssh", json_is_object(ssh), "an object") == -1 ||
            sc_check_keys(c, ssh, "/ssh", defaults_keys) == -1 ||
            ssh_fields(c, ssh, "/ssh", 0, &defaults) == -1)
            return -1;
    }
    s->hosts = sb_xcalloc(n, sizeof(sb_host));
    for (size_t i = 0; i < n; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/hosts/%zu", i);
        json_t *h = json_array_get(v, i);
        sb_host *out = &s->hosts[s->n_hosts];
        *out = defaults;
        const char *name = NULL;
        if (json_is_object(h)) {
            if (sc_check_keys(c, h, p, host_keys) == -1 ||
                sc_get_string(c, h, p, "name", 1, &name) == -1)
                return -1;
            char np[80];
            sc_child(np, sizeof(np), p, "name");
            if (host_name(c, np, name, s) == -1 || ssh_fields(c, h, p, 1, out) == -1)
                return -1;
            if (!out->remote && json_object_size(h) > 1)
                return sc_perr(c, p, 0,
                               "host \"%s\" has ssh options but no \"address\"; give the "
                               "address it is reached at over ssh",
                               name);
        } else {
            if (sc_want_type(c, h, p, json_is_string(h),
                             "a host name or a {\"name\", \"address\", ...} object") == -1)
                return -1;
            name = json_string_value(h);
            if (host_name(c, p, name, s) == -1)
                return -1;
        }
        snprintf(out->name, SB_NAME_LEN, "%s", name);
        s->ssh |= out->remote;
        s->n_hosts++;
    }
    if (ssh && !s->ssh)
        return sc_perr(c, "/ssh", 1,
                       "ssh options are given but no host has an \"address\"; give the remote "
                       "hosts as {\"name\": ..., \"address\": ...}, or drop \"ssh\" for the "
                       "local lab");
    return 0;
}

static int needs_address(pctx *c, const sb_scenario *s, int h, const char *what)
{
    if (h < 0 || s->hosts[h].remote)
        return 0;
    char p[64];
    snprintf(p, sizeof(p), "/hosts/%d", h);
    return sc_perr(c, p, 0,
                   "host \"%s\" runs %s but has no \"address\": on the ssh backend every host "
                   "that runs redis or a sentinel is a remote machine; hosts without an "
                   "address only place clients",
                   s->hosts[h].name, what);
}

int sc_check_remote(pctx *c, const sb_scenario *s)
{
    if (!s->ssh)
        return 0;
    const sb_deployment *d = &s->deployment;
    for (size_t i = 0; i < d->redis.n; i++)
        if (needs_address(c, s, d->redis.idx[i], "redis") == -1)
            return -1;
    for (size_t i = 0; i < d->sentinels.n; i++)
        if (needs_address(c, s, d->sentinels.idx[i], "a sentinel") == -1)
            return -1;
    for (size_t i = 0; i < d->standby.n; i++)
        if (needs_address(c, s, d->standby.idx[i], "a standby sentinel") == -1)
            return -1;
    if (s->origin.host >= 0)
        return sc_perr(c, "/origin", 1,
                       "the cache workload's origin service runs on the local lab only (it is "
                       "this binary, which a remote host does not have); drop the host "
                       "addresses to run it on namespaces");
    return 0;
}
