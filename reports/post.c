/* post.c -- results to an HTTP endpoint with libcurl: option checking,
 * ${VAR} expansion in headers, one POST with a deadline and retries. */
#define _GNU_SOURCE
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "post.h"
#include "util.h"

/* The longest part of an error answer quoted in the message. */
#define POST_BODY_QUOTE 160

void post_init(sb_post *p)
{
    memset(p, 0, sizeof(*p));
    p->timeout_s = SB_POST_DEFAULT_TIMEOUT_S;
    p->retries = SB_POST_DEFAULT_RETRIES;
}

void post_free(sb_post *p)
{
    for (size_t i = 0; i < p->n_headers; i++) {
        explicit_bzero(p->headers[i], strlen(p->headers[i]));
        free(p->headers[i]);
    }
    free(p->headers);
    p->headers = NULL;
    p->n_headers = 0;
}

/* ====== Options ====== */

int post_set_url(sb_post *p, const char *url, char *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *shown = NULL;
    int rc = -1;
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (uc != CURLUE_OK) {
        sb_err_set(err, "--post %s: %s; allowed: an http:// or https:// URL", url,
                   curl_url_strerror(uc));
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
        sb_err_set(err, "--post %s: scheme %s is not allowed; allowed: http://, https://", url,
                   scheme ? scheme : "(none)");
    } else if (strlen(url) >= sizeof(p->url)) {
        sb_err_set(err, "--post: URL longer than %zu characters", sizeof(p->url) - 1);
    } else {
        /* messages show the URL without credentials */
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_get(u, CURLUPART_URL, &shown, 0);
        snprintf(p->url, sizeof(p->url), "%s", url);
        snprintf(p->shown, sizeof(p->shown), "%s", shown ? shown : url);
        rc = 0;
    }
    curl_free(scheme);
    curl_free(shown);
    curl_url_cleanup(u);
    return rc;
}

int post_set_timeout(sb_post *p, const char *seconds, char *err)
{
    char *end;
    errno = 0;
    double s = strtod(seconds, &end);
    if (errno || *end || !*seconds || !isfinite(s) || s <= 0 || s > 86400) {
        sb_err_set(err, "--post-timeout %s: not a duration; allowed: seconds > 0, e.g. 10 or 2.5",
                   seconds);
        return -1;
    }
    p->timeout_s = s;
    return 0;
}

int post_set_retries(sb_post *p, const char *n, char *err)
{
    char *end;
    errno = 0;
    long v = strtol(n, &end, 10);
    if (errno || *end || !*n || v < 0 || v > 100) {
        sb_err_set(err, "--post-retries %s: not a count; allowed: 0 to 100", n);
        return -1;
    }
    p->retries = (int)v;
    return 0;
}

/* RFC 9110 token characters, the only ones a header name may use. */
static int is_tchar(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Appends value with every ${VAR} replaced; -1 with err for a malformed
 * reference or a variable that is unset or empty. */
static int header_expand(const char *arg, const char *value, sb_buf *b, char *err)
{
    for (const char *s = value; *s;) {
        if (s[0] != '$' || s[1] != '{') {
            sb_buf_append(b, s++, 1);
            continue;
        }
        const char *name = s + 2, *close = strchr(name, '}');
        size_t n = close ? (size_t)(close - name) : 0;
        int ok = close && n > 0 && n < 128 && (isalpha((unsigned char)name[0]) || name[0] == '_');
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)name[i]) || name[i] == '_';
        if (!ok) {
            sb_err_set(err,
                       "--post-header '%s': malformed variable reference; allowed: ${NAME} "
                       "with NAME of letters, digits and _",
                       arg);
            return -1;
        }
        char var[128];
        memcpy(var, name, n);
        var[n] = '\0';
        const char *v = getenv(var);
        if (!v || !v[0]) {
            sb_err_set(err,
                       "--post-header '%s': environment variable %s is %s; allowed: a "
                       "variable set to the value",
                       arg, var, v ? "empty" : "not set");
            return -1;
        }
        sb_buf_puts(b, v);
        s = close + 1;
    }
    return 0;
}

int post_add_header(sb_post *p, const char *arg, char *err)
{
    const char *colon = strchr(arg, ':');
    int ok = colon && colon > arg;
    for (const char *s = arg; ok && s < colon; s++)
        ok = is_tchar((unsigned char)*s);
    if (!ok) {
        sb_err_set(err,
                   "--post-header '%s': malformed header; allowed: 'Name: value' with a "
                   "name of letters, digits and !#$%%&'*+-.^_`|~",
                   arg);
        return -1;
    }
    sb_buf b;
    sb_buf_init(&b);
    sb_buf_append(&b, arg, (size_t)(colon - arg));
    sb_buf_puts(&b, ": ");
    const char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (header_expand(arg, value, &b, err) == -1) {
        explicit_bzero(b.data, b.len);
        sb_buf_free(&b);
        return -1;
    }
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)b.data[i] < 0x20 && b.data[i] != '\t') {
            sb_err_set(err,
                       "--post-header '%s': the value holds a control character (a line "
                       "break?); allowed: one line of text",
                       arg);
            explicit_bzero(b.data, b.len);
            sb_buf_free(&b);
            return -1;
        }
    p->headers = sb_xrealloc(p->headers, (p->n_headers + 1) * sizeof(*p->headers));
    p->headers[p->n_headers++] = b.data; /* the buffer's text is now the header's */
    return 0;
}

/* ====== Sending ====== */

typedef struct post_answer {
    char head[POST_BODY_QUOTE + 1]; /* the start of the response body */
    size_t len;
} post_answer;

static size_t answer_write(char *data, size_t size, size_t n, void *arg)
{
    post_answer *a = arg;
    size_t total = size * n, room = sizeof(a->head) - 1 - a->len;
    size_t take = total < room ? total : room;
    memcpy(a->head + a->len, data, take);
    a->len += take;
    a->head[a->len] = '\0';
    return total; /* the rest is read and dropped */
}

static int has_header(const sb_post *p, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < p->n_headers; i++)
        if (!strncasecmp(p->headers[i], name, n) && p->headers[i][n] == ':')
            return 1;
    return 0;
}

static CURL *handle_new(const sb_post *p, const char *content_type, const char *body, size_t len,
                        struct curl_slist **hl, post_answer *ans, char *errbuf)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    char ct[160];
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
    if (!has_header(p, "Content-Type"))
        *hl = curl_slist_append(*hl, ct);
    *hl = curl_slist_append(*hl, "Expect:"); /* no 1 s wait for 100-continue */
    for (size_t i = 0; i < p->n_headers; i++)
        *hl = curl_slist_append(*hl, p->headers[i]);
    long ms = (long)ceil(p->timeout_s * 1000.0);
    curl_easy_setopt(h, CURLOPT_URL, p->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hl);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "splitbrain/" SPLITBRAIN_VERSION);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads elsewhere; no SIGALRM */
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    return h;
}

typedef enum { POST_DONE, POST_RETRY, POST_GIVE_UP } post_step;

/* The answer's start on one line, for "HTTP 400: {"error": ...}". */
static void quote_answer(const post_answer *a, char *buf, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < a->len && n + 1 < len; i++)
        buf[n++] = (unsigned char)a->head[i] < 0x20 ? ' ' : a->head[i];
    while (n && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
}

/* What one attempt came to: what says why it failed (without the attempt
 * count), say_after whether the count reads "after N attempts" (HTTP
 * answers) or "(N attempts)", quote the start of an error answer. */
typedef struct post_failure {
    char what[256];
    char quote[POST_BODY_QUOTE + 1];
    int say_after;
} post_failure;

static post_step attempt_judge(CURL *h, CURLcode rc, const post_answer *ans, const char *errbuf,
                               double timeout_s, post_failure *f)
{
    long code = 0;
    long os_errno = 0;
    memset(f, 0, sizeof(*f));
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300)
            return POST_DONE;
        quote_answer(ans, f->quote, sizeof(f->quote));
        int retry = code >= 500 || code == 429;
        snprintf(f->what, sizeof(f->what), "HTTP %ld%s", code, retry ? "" : " (not retried)");
        f->say_after = 1;
        return retry ? POST_RETRY : POST_GIVE_UP;
    }
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(f->what, sizeof(f->what), "timed out after %g s", timeout_s);
        return POST_RETRY;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
            snprintf(f->what, sizeof(f->what), "connection refused");
        else
            snprintf(f->what, sizeof(f->what), "cannot connect: %s", detail);
        return POST_RETRY;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        snprintf(f->what, sizeof(f->what), "%s", detail);
        return POST_RETRY;
    default:
        snprintf(f->what, sizeof(f->what), "%s (not retried)", detail);
        return POST_GIVE_UP;
    }
}

static int64_t backoff_ns(CURL *h, int retry)
{
    int64_t ms = SB_POST_BACKOFF_FIRST_MS;
    for (int i = 1; i < retry && ms < SB_POST_BACKOFF_MAX_MS; i++)
        ms *= 2;
    curl_off_t after = -1;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
        ms = after * 1000;
    if (ms > SB_POST_BACKOFF_MAX_MS)
        ms = SB_POST_BACKOFF_MAX_MS;
    return ms * SB_NS_PER_MS;
}

int post_send(const sb_post *p, const char *content_type, const char *body, size_t len, char *err)
{
    struct curl_slist *hl = NULL;
    post_answer ans = {.len = 0};
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = handle_new(p, content_type, body, len, &hl, &ans, errbuf);
    if (!h) {
        sb_err_set(err, "curl_easy_init failed");
        return -1;
    }
    int attempts = 0;
    post_failure f;
    post_step step = POST_RETRY;
    while (step == POST_RETRY && attempts <= p->retries) {
        if (attempts)
            sb_sleep_ns(backoff_ns(h, attempts));
        ans.len = 0;
        ans.head[0] = '\0';
        errbuf[0] = '\0';
        CURLcode rc = curl_easy_perform(h);
        attempts++;
        step = attempt_judge(h, rc, &ans, errbuf, p->timeout_s, &f);
    }
    curl_easy_cleanup(h);
    curl_slist_free_all(hl);
    if (step == POST_DONE)
        return 0;
    char count[64] = "";
    const char *s = attempts == 1 ? "" : "s";
    if (step == POST_RETRY && f.say_after)
        snprintf(count, sizeof(count), " after %d attempt%s", attempts, s);
    else if (step == POST_RETRY)
        snprintf(count, sizeof(count), " (%d attempt%s)", attempts, s);
    sb_err_set(err, "%s%s%s%s", f.what, count, f.quote[0] ? ": " : "", f.quote);
    return -1;
}
