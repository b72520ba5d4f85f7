/* lab_ssh.c -- the ssh backend behind lab.h: remote hosts driven over ssh
 * (ssh.c, one multiplexed connection per host), placements of clients on
 * this machine in their own local port ranges.
 *
 * Files: every file the run gives a remote process (its folder under
 * run_dir: configs) is copied to <dir>/<runid>/... on the host before the
 * process first starts, with run_dir rewritten to that folder inside them;
 * logs are mirrored back while the run goes (a thread, every 200 ms, so the
 * live log watcher sees node events) and every file of those folders comes
 * back at the end. Processes start under setsid with the log as output;
 * pids are the hosts' own. At the end (or abort) every process is killed,
 * the firewall table removed and the remote folder deleted. Traffic
 * control is tc on the interface that holds the host's address.
 *
 * One file (about 950 lines) for the whole backend: every part works on
 * the same connection state and path rewriting; its table,
 * lab_backend_ssh, is at the end. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sbclock_ctl.h"
#include "clockctl.h"
#include "lab_internal.h"
#include "scenario_model.h"
#include "ssh.h"
#include "util.h"

#define PORT_BASE 20000
#define PORT_SPAN_MAX 400
#define PORT_TOTAL 12000
#define MIRROR_PERIOD_NS (200 * SB_NS_PER_MS)

#define SHIM_CLOCK 0 /* remote_shims[] below */
#define SHIM_DISK 1
#define N_SHIMS 2

typedef struct rhost {
    sb_ssh *conn;            /* NULL: a placement on this machine */
    char rdir[1100];         /* <dir>/<runid> on the host */
    char ctl_addr[64];       /* this machine as the host sees it */
    int lo, hi;              /* local port range of clients placed here */
    int shim_ready[N_SHIMS]; /* remote_shims[i] and its tool are in rdir */
} rhost;

struct lab_remote {
    rhost h[SB_MAX_HOSTS];
    char ssh_log[4200];
    pthread_t mirror;
    int mirror_started;
    pthread_mutex_t shim_lock; /* installs of the shims */
    atomic_int stop;
};

/* ====== Paths ====== */

/* local path under run_dir -> the same path under the host's folder */
static void to_remote(const sb_lab *lab, int host, const char *local, sb_buf *out)
{
    size_t n = strlen(lab->run_dir);
    if (!strncmp(local, lab->run_dir, n) && (local[n] == '/' || !local[n])) {
        sb_buf_puts(out, lab->rm->h[host].rdir);
        sb_buf_puts(out, local + n);
    } else {
        sb_buf_puts(out, local);
    }
}

/* text with every run_dir replaced by the host's folder */
static void rewrite(const sb_lab *lab, int host, const char *text, size_t len, sb_buf *out)
{
    size_t n = strlen(lab->run_dir);
    size_t i = 0;
    while (i < len) {
        if (i + n <= len && !memcmp(text + i, lab->run_dir, n)) {
            sb_buf_puts(out, lab->rm->h[host].rdir);
            i += n;
        } else {
            sb_buf_append(out, text + i, 1);
            i++;
        }
    }
}

static sb_ssh *conn_of(sb_lab *lab, int host, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return NULL;
    }
    if (!lab->rm->h[host].conn)
        sb_err_set(err, "host %s has no address: it only places clients and runs nothing",
                   lab->hosts[host].name);
    return lab->rm->h[host].conn;
}

/* ====== Backend functions (lab_internal.h) ====== */

const char *lab_host_spec_name(const sb_host *hosts, size_t i)
{
    return hosts[i].name;
}

static int resolve4(const char *name, char *out, size_t len, char *err)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int e = getaddrinfo(name, NULL, &hints, &ai);
    if (e || !ai) {
        sb_err_set(err, "cannot resolve %s to an IPv4 address: %s", name,
                   e ? gai_strerror(e) : "no address");
        return -1;
    }
    inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, out, (socklen_t)len);
    freeaddrinfo(ai);
    return 0;
}

static void *mirror_main(void *arg);

/* The scenario's view of a remote host, for ssh.c. */
sb_ssh_target lab_ssh_target_of(const sb_host *h)
{
    sb_ssh_target t = {.port = h->port, .sudo = h->sudo};
    snprintf(t.name, sizeof(t.name), "%s", h->name);
    snprintf(t.address, sizeof(t.address), "%s", h->address);
    snprintf(t.user, sizeof(t.user), "%s", h->user);
    snprintf(t.key, sizeof(t.key), "%s", h->key);
    snprintf(t.known_hosts, sizeof(t.known_hosts), "%s", h->known_hosts);
    return t;
}

int lab_ssh_open(sb_lab *lab, const sb_host *hosts, char *err)
{
    struct lab_remote *rm = sb_xcalloc(1, sizeof(*rm));
    lab->rm = rm;
    pthread_mutex_init(&rm->shim_lock, NULL);
    snprintf(rm->ssh_log, sizeof(rm->ssh_log), "%s/ssh.log", lab->run_dir);
    int span = PORT_TOTAL / (int)lab->n_hosts;
    if (span > PORT_SPAN_MAX)
        span = PORT_SPAN_MAX;
    const char *first_ctl = NULL;
    for (size_t i = 0; i < lab->n_hosts; i++) {
        rhost *r = &rm->h[i];
        r->lo = PORT_BASE + (int)i * span;
        r->hi = r->lo + span - 1;
        const sb_host *h = &hosts[i];
        if (!h->remote)
            continue;
        if (resolve4(h->address, lab->hosts[i].addr, sizeof(lab->hosts[i].addr), err) == -1)
            return -1;
        sb_ssh_target t = lab_ssh_target_of(h);
        r->conn = ssh_open(&t, lab_runtime_dir(lab), rm->ssh_log, SB_SSH_CONNECT_TIMEOUT_NS, err);
        if (!r->conn)
            return -1;
        snprintf(r->rdir, sizeof(r->rdir), "%s/%s", h->dir, lab->run_id);
        /* what the host sees us as, and what it must have */
        sb_buf out, cmd;
        sb_buf_init(&out);
        sb_buf_init(&cmd);
        /* what the host sees us as: in the login's shell, since sudo drops
         * SSH_CONNECTION from the environment */
        int lc = ssh_run_login(r->conn, "echo \"ctl $SSH_CONNECTION\"", &out, SB_SSH_CMD_TIMEOUT_NS,
                               err);
        if (lc > 0)
            sb_err_set(err, "host %s: `echo $SSH_CONNECTION` exited %d", h->name, lc);
        if (lc != 0) {
            sb_buf_free(&out);
            sb_buf_free(&cmd);
            return -1;
        }
        if (h->install)
            /* Debian's package starts its own redis on 6379: stopped and
             * disabled at once, ours use the port */
            sb_buf_puts(&cmd, "command -v redis-server >/dev/null || "
                              "{ DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                              "redis-server >/dev/null 2>&1 && { systemctl disable --now "
                              "redis-server 2>/dev/null || service redis-server stop "
                              "2>/dev/null; true; }; }; ");
        sb_buf_puts(&cmd, "for t in redis-server nft kill setsid tail; do "
                          "command -v $t >/dev/null || echo \"missing $t\"; done; mkdir -p ");
        ssh_quote(&cmd, r->rdir);
        sb_buf_puts(&cmd, " && test -w ");
        ssh_quote(&cmd, r->rdir);
        int rc = ssh_check(r->conn, cmd.data, &out, SB_SSH_CMD_TIMEOUT_NS, err);
        sb_buf_puts(&out, "");
        char *ctl = strstr(out.data, "ctl ");
        char *missing = strstr(out.data, "missing ");
        if (rc == 0 && ctl)
            sscanf(ctl + 4, "%63s", r->ctl_addr);
        if (rc == 0 && missing)
            sb_err_set(err,
                       "host %s (%s): %.*s (install redis-server, nftables, procps, "
                       "util-linux there%s)",
                       h->name, h->address, (int)strcspn(missing, "\n"), missing,
                       h->install ? "; installing redis-server failed"
                                  : ", or set \"install\": "
                                    "true for redis-server");
        else if (rc == 0 && !r->ctl_addr[0])
            sb_err_set(err,
                       "host %s: cannot tell which address it sees this machine at "
                       "(no SSH_CONNECTION)",
                       h->name);
        sb_buf_free(&out);
        sb_buf_free(&cmd);
        if (rc == -1 || missing || !r->ctl_addr[0])
            return -1;
        if (!first_ctl)
            first_ctl = r->ctl_addr;
        lab_log(lab,
                "# %s: %s over ssh, sees this machine as %s, files in %s, clients placed "
                "here use local ports %d-%d\n",
                h->name, lab->hosts[i].addr, r->ctl_addr, r->rdir, r->lo, r->hi);
    }
    for (size_t i = 0; i < lab->n_hosts; i++)
        if (!rm->h[i].conn) {
            snprintf(lab->hosts[i].addr, sizeof(lab->hosts[i].addr), "%.15s",
                     first_ctl ? first_ctl : "0.0.0.0");
            lab_log(lab, "# %s: a placement on this machine, local ports %d-%d\n",
                    lab->hosts[i].name, rm->h[i].lo, rm->h[i].hi);
        }
    if (pthread_create(&rm->mirror, NULL, mirror_main, lab) != 0) {
        sb_err_set(err, "pthread_create(log mirror) failed");
        return -1;
    }
    rm->mirror_started = 1;
    return 0;
}

const char *lab_control_addr_of(const sb_lab *lab, int host)
{
    if (!lab->rm || host < 0 || (size_t)host >= lab->n_hosts)
        return NULL;
    return lab->rm->h[host].ctl_addr[0] ? lab->rm->h[host].ctl_addr : lab->hosts[host].addr;
}

void lab_port_range(const sb_lab *lab, int host, int *lo, int *hi)
{
    *lo = *hi = 0;
    if (lab->rm && host >= 0 && (size_t)host < lab->n_hosts) {
        *lo = lab->rm->h[host].lo;
        *hi = lab->rm->h[host].hi;
    }
}

int lab_ssh_exec(sb_lab *lab, int host, char *const argv[], const char *stdin_text,
                 int64_t timeout_ns, char *err)
{
    sb_ssh *c = conn_of(lab, host, err);
    if (!c)
        return -1;
    sb_buf cmd;
    sb_buf_init(&cmd);
    for (size_t i = 0; argv[i]; i++) {
        const char *a = argv[i];
        if (i == 0 && strrchr(a, '/'))
            a = strrchr(a, '/') + 1; /* the host's own tool, from its PATH */
        sb_buf_puts(&cmd, i ? " " : "");
        ssh_quote(&cmd, a);
    }
    int rc = ssh_check_in(c, cmd.data, stdin_text, stdin_text ? strlen(stdin_text) : 0, NULL,
                          timeout_ns, err);
    sb_buf_free(&cmd);
    return rc;
}

/* The regular files directly in the local folder dir go to the host, with
 * run_dir rewritten inside them. */
static int upload_dir(sb_lab *lab, int host, const char *dir, char *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        sb_err_set(err, "opendir(%s): %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        char path[4400];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) == -1 || !S_ISREG(st.st_mode))
            continue;
        size_t len = 0;
        char *text = sb_read_file(path, &len, err);
        if (!text) {
            rc = -1;
            break;
        }
        sb_buf body, rpath;
        sb_buf_init(&body);
        sb_buf_init(&rpath);
        rewrite(lab, host, text, len, &body);
        to_remote(lab, host, path, &rpath);
        rc = ssh_put(lab->rm->h[host].conn, rpath.data, body.data ? body.data : "", body.len, 0644,
                     err);
        free(text);
        sb_buf_free(&body);
        sb_buf_free(&rpath);
    }
    closedir(d);
    return rc;
}

/* ====== The LD_PRELOAD layers on a host ====== */

/* The shims a process may run under, each copied to the host with the tool
 * that changes its state there (local paths: lib_path, then tool_path
 * beside it). */
static const struct remote_shim {
    const char *lib, *tool;
    const char *faults; /* what needs it, for errors */
    int (*lib_path)(char *out, size_t len, char *err);
    int (*tool_path)(const char *lib, char *out, size_t len, char *err);
} remote_shims[N_SHIMS] = {
    [SHIM_CLOCK] = {SB_CLOCK_SHIM_NAME, SB_CLOCK_TOOL_NAME, "clock faults", clockctl_shim_path,
                    clockctl_tool_path},
    [SHIM_DISK] = {SB_DISK_SHIM_NAME, SB_DISK_TOOL_NAME, "disk faults", clockctl_disk_shim_path,
                   clockctl_disk_tool_path},
};

/* Where a local clock control file (in the lab's runtime folder) lives on
 * the host: the run's folder there, same name. */
static void remote_clock_path(const sb_lab *lab, int host, const char *local, sb_buf *out)
{
    const char *base = strrchr(local, '/');
    sb_buf_puts(out, lab->rm->h[host].rdir);
    sb_buf_puts(out, "/");
    sb_buf_puts(out, base ? base + 1 : local);
}

static void remote_tool(const sb_lab *lab, int host, int shim, sb_buf *out)
{
    sb_buf_puts(out, lab->rm->h[host].rdir);
    sb_buf_puts(out, "/");
    sb_buf_puts(out, remote_shims[shim].tool);
}

/* The next library of an LD_PRELOAD value (space or colon separated) at
 * *p: its length in *len, *p moved past it. Returns which of remote_shims
 * it is (by its name), -1 for another, -2 at the end. */
static int preload_next(const char **p, size_t *len)
{
    const char *path = *p;
    if (!*path)
        return -2;
    size_t n = strcspn(path, " :");
    *len = n;
    *p = path + n + (path[n] != '\0');
    const char *base = path;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            base = path + i + 1;
    size_t blen = n - (size_t)(base - path);
    for (int i = 0; i < N_SHIMS; i++)
        if (blen && strlen(remote_shims[i].lib) == blen &&
            !strncmp(base, remote_shims[i].lib, blen))
            return i;
    return -1;
}

/* Copies the shim (local path lib; NULL: its lib_path) and its tool
 * (beside it, in the build tree or an installation) into the host's run
 * folder, once per host. The shim is this machine's build: the host must have the
 * same architecture. */
static int shim_install(sb_lab *lab, int host, int shim, const char *lib, char *err)
{
    rhost *r = &lab->rm->h[host];
    const struct remote_shim *rs = &remote_shims[shim];
    pthread_mutex_lock(&lab->rm->shim_lock);
    int rc = 0;
    if (r->shim_ready[shim])
        goto out;
    struct utsname u;
    sb_buf out;
    sb_buf_init(&out);
    rc = uname(&u) == -1 ? -1 : ssh_check(r->conn, "uname -m", &out, SB_SSH_CMD_TIMEOUT_NS, err);
    sb_buf_puts(&out, "");
    out.data[strcspn(out.data, "\n")] = '\0';
    if (rc == 0 && strcmp(out.data, u.machine)) {
        sb_err_set(err,
                   "host %s is %s and this machine %s: %s built here cannot run there (%s "
                   "need hosts of this machine's architecture)",
                   lab->hosts[host].name, out.data, u.machine, rs->lib, rs->faults);
        rc = -1;
    }
    sb_buf_free(&out);
    char found[4200] = "", tool[4200] = "";
    if (rc == 0 && !lib) {
        rc = rs->lib_path(found, sizeof(found), err);
        lib = found;
    }
    if (rc == 0)
        rc = rs->tool_path(lib, tool, sizeof(tool), err);
    const char *const files[][2] = {{lib, rs->lib}, {tool, rs->tool}};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        size_t len = 0;
        char *data = sb_read_file(files[i][0], &len, err);
        if (!data) {
            rc = -1;
            break;
        }
        char rpath[1200];
        snprintf(rpath, sizeof(rpath), "%s/%s", r->rdir, files[i][1]);
        rc = ssh_put(r->conn, rpath, data, len, 0755, err);
        free(data);
    }
    if (rc == 0) {
        r->shim_ready[shim] = 1;
        lab_log(lab, "# %s: %s and %s copied to %s\n", lab->hosts[host].name, rs->lib, rs->tool,
                r->rdir);
    }
out:
    pthread_mutex_unlock(&lab->rm->shim_lock);
    return rc;
}

/* One NAME=value of a process's environment as the host needs it: the
 * shims and the clock control file at their places on the host, other
 * paths under run_dir rewritten. */
static void remote_env_entry(const sb_lab *lab, int host, const char *entry, sb_buf *out)
{
    const char *eq = strchr(entry, '=');
    size_t k = eq ? (size_t)(eq - entry) : strlen(entry);
    if (eq && k == strlen("LD_PRELOAD") && !strncmp(entry, "LD_PRELOAD", k)) {
        /* each library by its name in the host's run folder */
        sb_buf_puts(out, "LD_PRELOAD=");
        const char *p = eq + 1;
        size_t n;
        int shim, first = 1;
        while ((shim = preload_next(&p, &n)) != -2) {
            if (shim < 0)
                continue;
            sb_buf_printf(out, "%s%s/%s", first ? "" : " ", lab->rm->h[host].rdir,
                          remote_shims[shim].lib);
            first = 0;
        }
    } else if (eq && k == strlen(SB_CLOCK_ENV) && !strncmp(entry, SB_CLOCK_ENV, k)) {
        sb_buf_puts(out, SB_CLOCK_ENV "=");
        remote_clock_path(lab, host, eq + 1, out);
    } else if (eq) {
        sb_buf_append(out, entry, k + 1);
        to_remote(lab, host, eq + 1, out);
    } else {
        to_remote(lab, host, entry, out);
    }
}

/* Before a process with a shim starts: the shims on the host, and for the
 * clock shim the command that makes its control file unless it exists (a
 * restarted process keeps its offset, as on the local lab) added to cmd. */
static int remote_env(sb_lab *lab, int host, char *const env[], sb_buf *cmd, char *err)
{
    for (size_t i = 0; env[i]; i++) {
        const char *p = !strncmp(env[i], "LD_PRELOAD=", 11) ? env[i] + 11 : "";
        const char *lib = p;
        size_t n;
        int shim;
        while ((shim = preload_next(&p, &n)) != -2) {
            char path[4200];
            snprintf(path, sizeof(path), "%.*s", (int)n, lib);
            if (shim >= 0 && shim_install(lab, host, shim, path, err) == -1)
                return -1;
            lib = p;
        }
        if (!strncmp(env[i], SB_CLOCK_ENV "=", strlen(SB_CLOCK_ENV) + 1)) {
            sb_buf path, tool;
            sb_buf_init(&path);
            sb_buf_init(&tool);
            remote_clock_path(lab, host, env[i] + strlen(SB_CLOCK_ENV) + 1, &path);
            remote_tool(lab, host, SHIM_CLOCK, &tool);
            sb_buf_puts(cmd, "{ test -e ");
            ssh_quote(cmd, path.data);
            sb_buf_puts(cmd, " || ");
            ssh_quote(cmd, tool.data);
            sb_buf_puts(cmd, " ");
            ssh_quote(cmd, path.data);
            sb_buf_puts(cmd, " create >/dev/null; } && ");
            sb_buf_free(&path);
            sb_buf_free(&tool);
        }
    }
    return 0;
}

/* The layer's faults by the host's own sbdiskctl, on the host's copy of
 * the data folder. */
static int ssh_disk(sb_lab *lab, int host, const char *dir, char *const argv[], sb_buf *out,
                    char *err)
{
    sb_ssh *c = conn_of(lab, host, err);
    if (!c || shim_install(lab, host, SHIM_DISK, NULL, err) == -1)
        return -1;
    sb_buf cmd, rdir, res;
    sb_buf_init(&cmd);
    sb_buf_init(&rdir);
    sb_buf_init(&res);
    remote_tool(lab, host, SHIM_DISK, &cmd);
    to_remote(lab, host, dir, &rdir);
    sb_buf_puts(&cmd, " ");
    ssh_quote(&cmd, rdir.data);
    for (size_t i = 0; argv[i]; i++) {
        sb_buf_puts(&cmd, " ");
        ssh_quote(&cmd, argv[i]);
    }
    int rc = ssh_check(c, cmd.data, &res, SB_SSH_CMD_TIMEOUT_NS, err);
    if (rc == 0 && res.len)
        sb_buf_append(out, res.data, res.len);
    sb_buf_free(&cmd);
    sb_buf_free(&rdir);
    sb_buf_free(&res);
    return rc;
}

int lab_ssh_clock(sb_lab *lab, int host, const char *ctl_path, int monotonic, const char *op,
                  int64_t delta_ns, int64_t period_ns, int64_t duration_ns, char *err)
{
    sb_ssh *c = conn_of(lab, host, err);
    if (!c)
        return -1;
    sb_buf cmd, path, out;
    sb_buf_init(&cmd);
    sb_buf_init(&path);
    sb_buf_init(&out);
    remote_tool(lab, host, SHIM_CLOCK, &cmd);
    remote_clock_path(lab, host, ctl_path, &path);
    sb_buf_puts(&cmd, " ");
    ssh_quote(&cmd, path.data);
    sb_buf_printf(&cmd, " mono %d %s", monotonic ? 1 : 0, op);
    if (!strcmp(op, "bump") || !strcmp(op, "set"))
        sb_buf_printf(&cmd, " %lld", (long long)delta_ns);
    else if (!strcmp(op, "strobe"))
        sb_buf_printf(&cmd, " %lld %lld %lld", (long long)delta_ns, (long long)period_ns,
                      (long long)duration_ns);
    int rc = ssh_check(c, cmd.data, &out, SB_SSH_CMD_TIMEOUT_NS, err);
    if (rc == 0)
        lab_log(lab, "# clock on %s: %s -> %.*s\n", lab->hosts[host].name, cmd.data,
                out.len ? (int)strcspn(out.data, "\n") : 0, out.len ? out.data : "");
    sb_buf_free(&cmd);
    sb_buf_free(&path);
    sb_buf_free(&out);
    return rc;
}

int lab_ssh_start(sb_proc *p, char *err)
{
    sb_lab *lab = p->lab;
    sb_ssh *c = conn_of(lab, p->host, err);
    if (!c)
        return -1;
    if (!p->uploaded) {
        if (p->cwd && upload_dir(lab, p->host, p->cwd, err) == -1)
            return -1;
        p->uploaded = 1;
    }
    sb_buf cmd, out;
    sb_buf_init(&cmd);
    sb_buf_init(&out);
    sb_buf rcwd, rlog;
    sb_buf_init(&rcwd);
    sb_buf_init(&rlog);
    to_remote(lab, p->host, p->cwd ? p->cwd : lab->run_dir, &rcwd);
    to_remote(lab, p->host, p->log, &rlog);
    sb_buf_puts(&cmd, "mkdir -p ");
    ssh_quote(&cmd, rcwd.data);
    sb_buf_puts(&cmd, " && cd ");
    ssh_quote(&cmd, rcwd.data);
    /* its own session (no hangup when the channel closes), output to the
     * log; a background job of sh is no group leader, so setsid does not
     * fork and $! is the server's pid */
    sb_buf_puts(&cmd, " && ");
    if (p->env && remote_env(lab, p->host, p->env, &cmd, err) == -1) {
        sb_buf_free(&cmd);
        sb_buf_free(&rcwd);
        sb_buf_free(&rlog);
        return -1;
    }
    sb_buf_puts(&cmd, "{ setsid");
    if (p->env)
        sb_buf_puts(&cmd, " env");
    for (size_t i = 0; p->env && p->env[i]; i++) {
        sb_buf a;
        sb_buf_init(&a);
        remote_env_entry(lab, p->host, p->env[i], &a);
        sb_buf_puts(&cmd, " ");
        ssh_quote(&cmd, a.data);
        sb_buf_free(&a);
    }
    for (size_t i = 0; p->argv[i]; i++) {
        sb_buf a;
        sb_buf_init(&a);
        to_remote(lab, p->host, p->argv[i], &a);
        sb_buf_puts(&cmd, " ");
        ssh_quote(&cmd, a.data);
        sb_buf_free(&a);
    }
    sb_buf_puts(&cmd, " >> ");
    ssh_quote(&cmd, rlog.data);
    sb_buf_puts(&cmd, " 2>&1 < /dev/null & echo \"pid $!\"; }");
    int rc = ssh_check(c, cmd.data, &out, SB_SSH_CMD_TIMEOUT_NS, err);
    sb_buf_puts(&out, "");
    char *pp = strstr(out.data, "pid ");
    long pid = pp ? strtol(pp + 4, NULL, 10) : 0;
    if (rc == 0 && pid <= 1) {
        sb_err_set(err, "%s on %s: no pid from the host: %s", p->argv[0], lab->hosts[p->host].name,
                   out.data);
        rc = -1;
    }
    if (rc == 0) {
        p->pid = (pid_t)pid;
        lab_log(lab, "# started pid %ld on %s (remote): %s\n", pid, lab->hosts[p->host].name,
                p->argv[0]);
    }
    sb_buf_free(&cmd);
    sb_buf_free(&out);
    sb_buf_free(&rcwd);
    sb_buf_free(&rlog);
    return rc;
}

/* Shell test, true while pid runs and is not a zombie (the state is the
 * field after the command in /proc/PID/stat). */
static void alive_test(int pid, char *out, size_t len)
{
    snprintf(out, len,
             "{ s=$(sed 's/.*) //' /proc/%d/stat 2>/dev/null | cut -c1); "
             "[ -n \"$s\" ] && [ \"$s\" != Z ] && [ \"$s\" != X ]; }",
             pid);
}

int lab_ssh_running(sb_proc *p)
{
    sb_lab *lab = p->lab;
    char err[SB_ERR_LEN];
    sb_ssh *c = conn_of(lab, p->host, err);
    if (!c || p->pid <= 0)
        return 0;
    char alive[200], cmd[240];
    alive_test((int)p->pid, alive, sizeof(alive));
    snprintf(cmd, sizeof(cmd), "%s && echo up || echo down", alive);
    sb_buf out;
    sb_buf_init(&out);
    int code = ssh_run_quiet(c, cmd, &out, SB_SSH_CMD_TIMEOUT_NS, err);
    sb_buf_puts(&out, "");
    int up = strstr(out.data, "up") != NULL, down = strstr(out.data, "down") != NULL;
    sb_buf_free(&out);
    if (code != 0 || (!up && !down)) {
        /* the host did not answer: not a reason to think it died */
        lab_log(lab, "# %s: cannot tell whether pid %d runs: %s\n", lab->hosts[p->host].name,
                (int)p->pid, code == -1 ? err : "no answer");
        return 1;
    }
    if (!up) {
        lab_log(lab, "# pid %d on %s exited\n", (int)p->pid, lab->hosts[p->host].name);
        p->pid = 0;
    }
    return up;
}

int lab_ssh_signal(sb_proc *p, int sig, char *err)
{
    sb_ssh *c = conn_of(p->lab, p->host, err);
    if (!c)
        return -1;
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "kill -%d %d", sig, (int)p->pid);
    return ssh_check(c, cmd, NULL, SB_SSH_CMD_TIMEOUT_NS, err);
}

/* ====== Logs, files back, the end ====== */

/* New bytes of the remote logs of host's processes appended to the local
 * ones: one command per host and tick. For each log it prints the file's
 * size on a line, then exactly the bytes past what we have. */
static void mirror_host(sb_lab *lab, int host, sb_proc **procs, size_t n)
{
    sb_ssh *c = lab->rm->h[host].conn;
    if (!c)
        return;
    sb_buf cmd, out;
    sb_buf_init(&cmd);
    sb_buf_init(&out);
    size_t k = 0;
    sb_proc *mine[SB_MAX_HOSTS * 4];
    for (size_t i = 0; i < n && k < sizeof(mine) / sizeof(mine[0]); i++) {
        sb_proc *p = procs[i];
        if (p->host != host || !p->log)
            continue;
        mine[k++] = p;
        sb_buf rlog;
        sb_buf_init(&rlog);
        to_remote(lab, host, p->log, &rlog);
        sb_buf_puts(&cmd, "f=");
        ssh_quote(&cmd, rlog.data);
        sb_buf_printf(&cmd,
                      "; s=$(stat -c %%s \"$f\" 2>/dev/null || echo 0); echo \"$s\"; "
                      "[ \"$s\" -gt %lld ] && tail -c +%lld \"$f\" | head -c $((s - %lld)); ",
                      (long long)p->log_off, (long long)p->log_off + 1, (long long)p->log_off);
        sb_buf_free(&rlog);
    }
    sb_buf_puts(&cmd, "true");
    char err[SB_ERR_LEN];
    if (k && ssh_run_quiet(c, cmd.data, &out, 5 * SB_NS_PER_S, err) == 0) {
        size_t pos = 0;
        for (size_t i = 0; i < k && pos < out.len; i++) {
            sb_proc *p = mine[i];
            char *nl = memchr(out.data + pos, '\n', out.len - pos);
            if (!nl)
                break;
            long long size = strtoll(out.data + pos, NULL, 10);
            pos = (size_t)(nl - out.data) + 1;
            long long want = size > p->log_off ? size - p->log_off : 0;
            size_t got = (size_t)want <= out.len - pos ? (size_t)want : out.len - pos;
            if (got) {
                FILE *f = fopen(p->log, "a");
                if (f) {
                    fwrite(out.data + pos, 1, got, f);
                    fclose(f);
                    p->log_off += (int64_t)got;
                }
            }
            pos += got;
        }
    }
    sb_buf_free(&cmd);
    sb_buf_free(&out);
}

static void mirror_all(sb_lab *lab)
{
    pthread_mutex_lock(&lab->lock);
    size_t n = lab->n_procs;
    sb_proc **procs = n ? sb_xmalloc(n * sizeof(*procs)) : NULL;
    if (procs)
        memcpy(procs, lab->procs, n * sizeof(*procs));
    pthread_mutex_unlock(&lab->lock);
    for (size_t h = 0; h < lab->n_hosts; h++)
        mirror_host(lab, (int)h, procs, n);
    free(procs);
}

static void *mirror_main(void *arg)
{
    sb_lab *lab = arg;
    while (!atomic_load(&lab->rm->stop)) {
        mirror_all(lab);
        sb_sleep_ns(MIRROR_PERIOD_NS);
    }
    return NULL;
}

/* Every file of p's remote folder back into its local one. */
static void fetch_dir(sb_lab *lab, sb_proc *p)
{
    sb_ssh *c = lab->rm->h[p->host].conn;
    if (!c || !p->cwd)
        return;
    sb_buf rcwd, cmd, out;
    sb_buf_init(&rcwd);
    sb_buf_init(&cmd);
    sb_buf_init(&out);
    to_remote(lab, p->host, p->cwd, &rcwd);
    sb_buf_puts(&cmd, "cd ");
    ssh_quote(&cmd, rcwd.data);
    sb_buf_puts(&cmd,
                " && for f in * .[!.]*; do [ -f \"$f\" ] && printf '%s\\n' \"$f\"; done; true");
    char err[SB_ERR_LEN];
    if (ssh_run_quiet(c, cmd.data, &out, SB_SSH_CMD_TIMEOUT_NS, err) == 0 && out.len) {
        sb_buf_puts(&out, "");
        char *save = NULL;
        for (char *name = strtok_r(out.data, "\n", &save); name;
             name = strtok_r(NULL, "\n", &save)) {
            char rpath[2400], lpath[4400];
            snprintf(rpath, sizeof(rpath), "%s/%s", rcwd.data, name);
            snprintf(lpath, sizeof(lpath), "%s/%s", p->cwd, name);
            if (ssh_get(c, rpath, lpath, err) == -1)
                lab_log(lab, "# %s: %s\n", lab->hosts[p->host].name, err);
        }
    }
    sb_buf_free(&rcwd);
    sb_buf_free(&cmd);
    sb_buf_free(&out);
}

void lab_ssh_close(sb_lab *lab)
{
    struct lab_remote *rm = lab->rm;
    if (!rm)
        return;
    if (rm->mirror_started) {
        atomic_store(&rm->stop, 1);
        pthread_join(rm->mirror, NULL);
        rm->mirror_started = 0;
    }
    char err[SB_ERR_LEN];
    pthread_mutex_lock(&lab->lock);
    size_t n = lab->n_procs;
    pthread_mutex_unlock(&lab->lock);
    for (size_t i = 0; i < n; i++) {
        sb_proc *p = lab->procs[i];
        if (p->pid > 0 && rm->h[p->host].conn) {
            lab_ssh_signal(p, SIGKILL, err);
            lab_log(lab, "# killed pid %d on %s\n", (int)p->pid, lab->hosts[p->host].name);
            p->pid = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        fetch_dir(lab, lab->procs[i]);
    for (size_t h = 0; h < lab->n_hosts; h++) {
        rhost *r = &rm->h[h];
        if (!r->conn)
            continue;
        /* the firewall table and the run's folder go; rdir ends in the run id */
        sb_buf cmd;
        sb_buf_init(&cmd);
        sb_buf_puts(&cmd, "nft delete table inet splitbrain 2>/dev/null; rm -rf ");
        ssh_quote(&cmd, r->rdir);
        if (ssh_check(r->conn, cmd.data, NULL, SB_SSH_CMD_TIMEOUT_NS, err) == -1) {
            lab_log(lab, "# %s\n", err);
            fprintf(stderr, "splitbrain: cleaning %s: %s (run `splitbrain clean --hosts`)\n",
                    lab->hosts[h].name, err);
        }
        sb_buf_free(&cmd);
        ssh_close(r->conn);
        r->conn = NULL;
    }
    free(rm);
    lab->rm = NULL;
}

/* ====== The backend ====== */

sb_lab *lab_create_remote(const struct sb_host *hosts, size_t n_hosts, const char *run_dir,
                          char *err)
{
    const char *names[SB_MAX_HOSTS];
    for (size_t i = 0; i < n_hosts && i < SB_MAX_HOSTS; i++)
        names[i] = lab_host_spec_name(hosts, i);
    sb_lab *lab = lab_alloc(&lab_backend_ssh, names, n_hosts, run_dir, err);
    if (!lab)
        return NULL;
    lab_log(lab, "# lab %s: %zu hosts over ssh\n", lab->run_id, n_hosts);
    if (lab_ssh_open(lab, hosts, err) == -1) {
        lab_destroy(lab);
        return NULL;
    }
    return lab;
}

/* The calling thread's placement (lab_enter), -1 when none: clients
 * connect from its local port range (lab_placement_connect). */
static __thread const sb_lab *tl_lab, *tl_saved_lab;
static __thread int tl_host = -1, tl_saved_host = -1;

static int ssh_enter(const sb_lab *lab, int host, char *err)
{
    if (host < 0 || (size_t)host >= lab->n_hosts) {
        sb_err_set(err, "no host %d in the lab", host);
        return -1;
    }
    tl_lab = lab;
    tl_host = host;
    return 0;
}

static int ssh_leave(const sb_lab *lab, char *err)
{
    (void)lab;
    (void)err;
    tl_lab = NULL;
    tl_host = -1;
    return 0;
}

static int ssh_oob_enter(const sb_lab *lab, int host, const char **addr, char *err)
{
    {
        if (host < 0 || (size_t)host >= lab->n_hosts) {
            sb_err_set(err, "no host %d in the lab", host);
            return -1;
        }
        *addr = lab->hosts[host].addr;
        tl_saved_lab = tl_lab; /* never from a placement's port range */
        tl_saved_host = tl_host;
        tl_lab = NULL;
        tl_host = -1;
        return 0;
    }
}

static int ssh_oob_leave(const sb_lab *lab, char *err)
{
    (void)lab;
    (void)err;
    tl_lab = tl_saved_lab;
    tl_host = tl_saved_host;
    return 0;
}

int lab_placement_connect(const char *addr, int port, int64_t timeout_ns, char *err, size_t errlen)
{
    if (!tl_lab || tl_host < 0)
        return -2;
    int lo, hi;
    lab_port_range(tl_lab, tl_host, &lo, &hi);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
        snprintf(err, errlen,
                 "connect %s:%d: not an IPv4 address (the ssh backend's "
                 "placements need one)",
                 addr, port);
        return -1;
    }
    /* Ports of the range in turn, shared by the threads of the placement;
     * a port still in use is skipped. */
    static _Atomic unsigned next[SB_MAX_HOSTS];
    int span = hi - lo + 1;
    for (int attempt = 0; attempt < span; attempt++) {
        int p = lo + (int)(atomic_fetch_add(&next[tl_host], 1) % (unsigned)span);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd == -1) {
            snprintf(err, errlen, "socket: %s", strerror(errno));
            return -1;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* closed with a reset: no TIME_WAIT holding the port afterwards */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
        if (bind(fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
            close(fd);
            if (errno == EADDRINUSE)
                continue;
            snprintf(err, errlen, "bind to port %d: %s", p, strerror(errno));
            return -1;
        }
        if (connect(fd, (struct sockaddr *)&to, sizeof(to)) == -1 && errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            if (e == EADDRNOTAVAIL || e == EADDRINUSE)
                continue;
            snprintf(err, errlen, "connect %s:%d: %s", addr, port, strerror(e));
            return -1;
        }
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        int r;
        do
            r = poll(&pf, 1, (int)(timeout_ns / SB_NS_PER_MS) + 1);
        while (r == -1 && errno == EINTR);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (r == 1)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (r != 1 || soerr) {
            close(fd);
            snprintf(err, errlen, "connect %s:%d: %s", addr, port,
                     r == 0 ? "Connection timed out" : strerror(soerr ? soerr : errno));
            return -1;
        }
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        return fd;
    }
    snprintf(err, errlen, "connect %s:%d: every port of %s's range %d-%d is in use", addr, port,
             tl_lab->hosts[tl_host].name, lo, hi);
    return -1;
}

/* ====== Traffic control with tc ====== */

/* Runs tc (what) on remote host h, on the interface that holds the host's
 * address ($IF). The exit status 4 means "no sch_netem". */
static int remote_tc(sb_lab *lab, int h, const char *what, char *err)
{
    const char *addr = lab_host_addr(lab, h);
    char script[1400];
    snprintf(script, sizeof(script),
             "IF=$(ip -o -4 addr show | awk -v a=%s '{split($4, x, \"/\"); if (x[1] == a) "
             "{print $2; exit}}'); [ -n \"$IF\" ] || { echo \"no interface holds %s\"; "
             "exit 3; }; %s",
             addr, addr, what);
    char *argv[] = {"sh", "-c", script, NULL};
    return lab_exec(lab, h, argv, NULL, SB_SSH_CMD_TIMEOUT_NS, err);
}

static int ssh_qdisc(sb_lab *lab, int h, const sb_qdisc_req *q, char *err)
{
    char what[600];
    if (q->kind == SB_QDISC_CLEAR) {
        snprintf(what, sizeof(what), "tc qdisc del dev \"$IF\" root 2>/dev/null; true");
    } else if (q->kind == SB_QDISC_TBF) {
        snprintf(what, sizeof(what),
                 "tc qdisc replace dev \"$IF\" root tbf rate %llubit burst %llu latency %lldus",
                 (unsigned long long)q->rate_bytes * 8ULL, (unsigned long long)q->burst_bytes,
                 (long long)(q->latency_ns / 1000));
    } else {
        const sb_netem *f = &q->netem;
        int off =
            snprintf(what, sizeof(what), "tc qdisc replace dev \"$IF\" root netem limit 1000");
        if (f->delay_ns)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " delay %lldus %lldus",
                            (long long)(f->delay_ns / 1000), (long long)(f->jitter_ns / 1000));
        if (f->loss > 0)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " loss %g%%", f->loss * 100);
        if (f->duplicate > 0)
            off += snprintf(what + off, sizeof(what) - (size_t)off, " duplicate %g%%",
                            f->duplicate * 100);
        if (f->reorder > 0)
            off +=
                snprintf(what + off, sizeof(what) - (size_t)off, " reorder %g%%", f->reorder * 100);
        if (f->corrupt > 0)
            snprintf(what + off, sizeof(what) - (size_t)off, " corrupt %g%%", f->corrupt * 100);
        int rc = remote_tc(lab, h, what, err);
        if (rc == -1 && strstr(err, "qdisc kind is unknown")) {
            sb_err_set(err, "host %s's kernel has no sch_netem (tc: qdisc kind is unknown)",
                       lab->hosts[h].name);
            return SB_QDISC_UNSUPPORTED;
        }
        return rc;
    }
    return remote_tc(lab, h, what, err);
}

/* Is the module there, built in or loadable? */
static int ssh_netem_available(sb_lab *lab, int h, char *why, char *err)
{
    char e[SB_ERR_LEN];
    if (remote_tc(lab, h,
                  "modprobe -n -q sch_netem 2>/dev/null || grep -qs sch_netem "
                  "/lib/modules/$(uname -r)/modules.builtin || { echo no-sch-netem; exit 4; }",
                  e) == 0)
        return 1;
    if (strstr(e, "no-sch-netem")) {
        snprintf(why, SB_ERR_LEN,
                 "host %s's kernel has no sch_netem (neither built in nor a module)",
                 lab->hosts[h].name);
        return 0;
    }
    sb_err_set(err, "%s", e);
    return -1;
}

static void ssh_kill(sb_proc *p, char *err)
{
    /* SIGKILL and the wait until it is gone (or a zombie) in one command:
     * one round trip, so that a host's processes die close together */
    sb_ssh *c = conn_of(p->lab, p->host, err);
    if (!c)
        return;
    char alive[200], cmd[400];
    alive_test((int)p->pid, alive, sizeof(alive));
    snprintf(cmd, sizeof(cmd),
             "kill -9 %d 2>/dev/null; i=0; "
             "while %s && [ $i -lt %d ]; do sleep 0.02; i=$((i + 1)); done; true",
             (int)p->pid, alive, (int)(SB_KILL_WAIT_NS / (20 * SB_NS_PER_MS)));
    if (ssh_check(c, cmd, NULL, SB_KILL_WAIT_NS + SB_SSH_CMD_TIMEOUT_NS, err) == -1)
        lab_log(p->lab, "# %s: kill -9 %d: %s\n", p->lab->hosts[p->host].name, (int)p->pid, err);
}

static void ssh_backend_close(sb_lab *lab)
{
    if (lab->rm)
        lab_ssh_close(lab); /* kills, removes rules, copies files back */
}

const sb_lab_backend lab_backend_ssh = {
    .name = "ssh",
    .enter = ssh_enter,
    .leave = ssh_leave,
    .oob_enter = ssh_oob_enter,
    .oob_leave = ssh_oob_leave,
    .exec = lab_ssh_exec,
    .start = lab_ssh_start,
    .running = lab_ssh_running,
    .signal = lab_ssh_signal,
    .kill = ssh_kill,
    .clock = lab_ssh_clock,
    .disk = ssh_disk,
    .qdisc = ssh_qdisc,
    .netem_available = ssh_netem_available,
    .close = ssh_backend_close,
};
