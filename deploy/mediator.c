/* mediator.c -- `splitbrain mediator --listen ADDR:PORT --origin URL`: the
 * background document's Strategy II, a mediator between the cache clients
 * and the origin that de-duplicates requests per key.
 *
 *   GET /v/<key>  the first request for a key goes upstream (URL/v/<key>);
 *                 requests for the same key that arrive while it is in
 *                 flight wait for it and get the same answer (status and
 *                 body). Different keys go upstream in parallel.
 *   anything else: 404.
 *
 * So the origin sees at most one request per key at a time however many
 * clients miss together. The cost is the document's: every waiter's latency
 * is the leader's, and a slow or failed upstream answer is shared by all. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MEDIATOR_BUCKETS 4096

/* One key's request in flight: the leader fills status/body and wakes the
 * followers; the last one out frees it. */
typedef struct flight {
    char *key;
    int done, users;
    long status;
    sb_buf body;
    pthread_cond_t cond;
    struct flight *next;
} flight;

typedef struct mediator {
    char upstream[512];
    pthread_mutex_t lock;
    flight *table[MEDIATOR_BUCKETS];
    unsigned long long upstream_requests, coalesced;
} mediator;

static size_t bucket_of(const char *key)
{
    size_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h % MEDIATOR_BUCKETS;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    sb_buf_append(arg, data, size * n);
    return size * n;
}

/* The upstream answer for key, shared with every concurrent asker. */
static void fetch_shared(mediator *m, const char *key, const char *path, long *status, sb_buf *body)
{
    size_t b = bucket_of(key);
    pthread_mutex_lock(&m->lock);
    flight *f = m->table[b];
    while (f && strcmp(f->key, key))
        f = f->next;
    if (f) {
        f->users++;
        m->coalesced++;
        while (!f->done)
            pthread_cond_wait(&f->cond, &m->lock);
    } else {
        f = sb_xcalloc(1, sizeof(*f));
        f->key = sb_xstrdup(key);
        f->users = 1;
        sb_buf_init(&f->body);
        pthread_cond_init(&f->cond, NULL);
        f->next = m->table[b];
        m->table[b] = f;
        m->upstream_requests++;
        pthread_mutex_unlock(&m->lock);
        /* The leader asks upstream, outside the lock. */
        char url[1200];
        snprintf(url, sizeof(url), "%s%s", m->upstream, path);
        CURL *c = curl_easy_init();
        sb_buf got;
        sb_buf_init(&got);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        long st = 0;
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        curl_easy_cleanup(c);
        pthread_mutex_lock(&m->lock);
        f->status = st ? st : 502;
        sb_buf_append(&f->body, got.data ? got.data : "", got.len);
        sb_buf_free(&got);
        f->done = 1;
        /* Later askers start a new flight: unlink it now. */
        flight **pp = &m->table[b];
        while (*pp != f)
            pp = &(*pp)->next;
        *pp = f->next;
        pthread_cond_broadcast(&f->cond);
    }
    *status = f->status;
    sb_buf_append(body, f->body.data ? f->body.data : "", f->body.len);
    if (--f->users == 0) {
        pthread_cond_destroy(&f->cond);
        sb_buf_free(&f->body);
        free(f->key);
        free(f);
    }
    pthread_mutex_unlock(&m->lock);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    mediator *m = cls;
    if (!*state) { /* headers only; answer on the second call */
        *state = (void *)1;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 || strncmp(url, "/v/", 3) != 0 || !url[3] || strlen(url) > 600) {
        static const char nf[] = "{\"error\":\"not found\"}";
        return reply(c, MHD_HTTP_NOT_FOUND, nf, sizeof(nf) - 1);
    }
    long status;
    sb_buf body;
    sb_buf_init(&body);
    fetch_shared(m, url + 3, url, &status, &body);
    enum MHD_Result rc = reply(c, (unsigned)status, body.data ? body.data : "", body.len);
    sb_buf_free(&body);
    return rc;
}

static const char *usage_mediator =
    "usage: splitbrain mediator --listen ADDR:PORT --origin http://HOST:PORT\n"
    "\n"
    "The cache workload's mediator (the background document's Strategy II): an\n"
    "HTTP proxy in front of the origin that de-duplicates requests per key.\n"
    "GET /v/KEY: the first request for a key goes upstream to URL/v/KEY; requests\n"
    "for the same key that arrive while it is in flight wait for it and get the\n"
    "same answer (status and body); different keys go upstream in parallel.\n"
    "Anything else: 404. `run` starts it beside the origin for scenarios with\n"
    "\"strategy\": \"mediator\"; it can also be run by hand.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (port 1..65535)\n"
    "  --origin URL        the origin's base URL (http://HOST:PORT)\n"
    "\n"
    "Prints \"mediator listening ...\", serves until SIGTERM or SIGINT, then\n"
    "prints how many requests went upstream and how many were coalesced, and\n"
    "exits 0; exit 2 on bad arguments or when it cannot listen.\n";

int mediator_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_mediator, stdout);
            return 0;
        }
    const char *listen = NULL, *upstream = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen"))
            listen = argv[i + 1];
        else if (!strcmp(argv[i], "--origin"))
            upstream = argv[i + 1];
        else {
            fprintf(stderr, "splitbrain mediator: unknown option %s; allowed: --listen, --origin\n",
                    argv[i]);
            return 2;
        }
    }
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    int port = colon ? atoi(colon + 1) : 0;
    if (!listen || !upstream || port <= 0 || port > 65535 || argc % 2 == 0) {
        fprintf(stderr, "splitbrain mediator: needs --listen ADDR:PORT and --origin URL (see "
                        "splitbrain mediator --help)\n");
        return 2;
    }
    static mediator m; /* lives as long as the process */
    snprintf(m.upstream, sizeof(m.upstream), "%s", upstream);
    pthread_mutex_init(&m.lock, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
                                                MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                                            (uint16_t)port, NULL, NULL, access_cb, &m,
                                            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "splitbrain mediator: cannot listen on port %d\n", port);
        return 2;
    }
    printf("mediator listening %s, upstream %s\n", listen, upstream);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    printf("mediator: %llu upstream requests, %llu coalesced\n", m.upstream_requests, m.coalesced);
    return 0;
}
