/* post.h -- sends a run's results to an HTTP endpoint (`--post URL` on run
 * and check): results.json, and the JUnit XML with --post-junit, one POST
 * each, with a deadline and retries. A delivery that fails is reported by
 * the caller on one line and never changes the exit status.
 *
 * Every option is checked when it is set (bad URL, malformed header, an
 * unset ${VAR}), so a command can refuse it before the run starts. The
 * caller initialises libcurl once (curl_global_init in main). */
#ifndef SB_POST_H
#define SB_POST_H

#include <stddef.h>

#define SB_POST_DEFAULT_TIMEOUT_S 10.0
#define SB_POST_DEFAULT_RETRIES 2
/* Backoff before retry k (k = 1, 2, ...): 0.5 s * 2^(k-1), capped. A
 * Retry-After of a 429/503 answer is followed up to the same cap. */
#define SB_POST_BACKOFF_FIRST_MS 500
#define SB_POST_BACKOFF_MAX_MS 8000

typedef struct sb_post {
    char url[2048];   /* "" when not posting */
    char shown[2048]; /* url without user:password, for messages */
    double timeout_s; /* per attempt: whole request, and connecting */
    int retries;      /* attempts after the first one */
    char **headers;   /* "Name: value" with ${VAR} expanded (owned) */
    size_t n_headers;
    int junit; /* --post-junit: also the JUnit XML */
} sb_post;

void post_init(sb_post *p); /* no URL, default timeout and retries */
void post_free(sb_post *p); /* wipes the expanded headers (tokens) */

/* --post URL: http:// or https:// with a host. Returns 0 or -1 with err. */
int post_set_url(sb_post *p, const char *url, char *err);
/* --post-timeout SECONDS (> 0, fractions allowed). */
int post_set_timeout(sb_post *p, const char *seconds, char *err);
/* --post-retries N (0..100). */
int post_set_retries(sb_post *p, const char *n, char *err);
/* --post-header 'Name: value': ${VAR} in the value is replaced by the
 * environment variable VAR, so a token need not be on the command line.
 * Errors (malformed header, VAR unset or empty, a value with a line break)
 * never quote an expanded value. */
int post_add_header(sb_post *p, const char *arg, char *err);

/* POSTs body (len bytes) to p->url with content_type. Returns 0 when the
 * server answered 2xx, or -1 with err, e.g. "HTTP 500 after 3 attempts",
 * "timed out after 10 s (3 attempts)", "connection refused (3 attempts)",
 * "HTTP 404 (not retried)". Retried: failures to connect or resolve,
 * connections dropped mid-request, timeouts, HTTP 5xx and 429. */
int post_send(const sb_post *p, const char *content_type, const char *body, size_t len, char *err);

#endif
