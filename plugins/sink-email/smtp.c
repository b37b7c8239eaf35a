/* smtp.c — one message through libcurl's SMTP, retried (see smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct reader {
    const char *data;
    size_t len;
    size_t pos;
} reader;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    reader *r = arg;
    size_t room = size * nitems, left = r->len - r->pos;
    size_t n = left < room ? left : room;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return n;
}

/* Swallows any response body so nothing reaches stdout. */
static size_t write_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    (void)buf;
    (void)arg;
    return size * nitems;
}

void em_smtp_redact(const char *url, char *out, size_t outlen)
{
    const char *scheme = strstr(url, "://");
    const char *rest = scheme ? scheme + 3 : url;
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    if (scheme && at && (!slash || at < slash))
        snprintf(out, outlen, "%.*s://%s", (int)(scheme - url), url, at + 1);
    else
        snprintf(out, outlen, "%s", url);
}

/* One attempt. Returns the curl code; *reply gets the last SMTP reply code. */
static CURLcode attempt(const em_smtp *s, const char *from, const em_rcpts *to, const char *msg,
                        size_t len, long *reply, char errbuf[CURL_ERROR_SIZE])
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(errbuf, CURL_ERROR_SIZE, "cannot start libcurl");
        return CURLE_FAILED_INIT;
    }
    struct curl_slist *rcpt = NULL;
    char addr[300];
    CURLcode rc = CURLE_OK;
    for (size_t i = 0; i < to->n; i++) {
        snprintf(addr, sizeof addr, "<%s>", to->items[i]);
        struct curl_slist *n = curl_slist_append(rcpt, addr);
        if (!n) {
            rc = CURLE_OUT_OF_MEMORY;
            snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
            goto out;
        }
        rcpt = n;
    }
    snprintf(addr, sizeof addr, "<%s>", from);
    reader r = {msg, len, 0};
    long connect = s->timeout_seconds > 0 && s->timeout_seconds < 30 ? s->timeout_seconds : 30;
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_URL, s->url);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)s->use_ssl);
    if (s->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
    if (s->username)
        curl_easy_setopt(c, CURLOPT_USERNAME, s->username);
    if (s->password)
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    /* One refused recipient does not stop the others; all refused is an error. */
    /* libcurl before 8.2 has only this spelling; later ones keep it as an alias. */
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect);
    if (s->timeout_seconds > 0)
        curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout_seconds);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, reply);
    if (rc != CURLE_OK && !errbuf[0])
        snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc;
}

/* Sleeps `secs`, waking every 100 ms to check for cancellation. Returns 1 if cancelled. */
static int wait_or_cancel(const em_smtp *s, double secs)
{
    while (secs > 0) {
        if (s->cancelled && s->cancelled(s->cancelled_arg))
            return 1;
        double step = secs < 0.1 ? secs : 0.1;
        struct timespec ts = {(time_t)step, (long)((step - (double)(time_t)step) * 1e9)};
        nanosleep(&ts, NULL);
        secs -= step;
    }
    return s->cancelled && s->cancelled(s->cancelled_arg);
}

int em_smtp_send(const em_smtp *s, const char *from, const em_rcpts *to, const char *msg,
                 size_t len, char *why, size_t whylen)
{
    char errbuf[CURL_ERROR_SIZE], server[512];
    em_smtp_redact(s->url, server, sizeof server);
    double delay = s->retry_delay;
    int tries = 0;
    for (;;) {
        long reply = 0;
        tries++;
        CURLcode rc = attempt(s, from, to, msg, len, &reply, errbuf);
        if (rc == CURLE_OK)
            return 0;
        char reason[CURL_ERROR_SIZE + 64];
        if (reply > 0)
            snprintf(reason, sizeof reason, "%s (SMTP reply %ld)", errbuf, reply);
        else
            snprintf(reason, sizeof reason, "%s", errbuf);
        int permanent = (reply >= 500 && reply < 600) || rc == CURLE_LOGIN_DENIED ||
                        rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ||
                        rc == CURLE_OUT_OF_MEMORY;
        if (permanent || tries > s->retries) {
            snprintf(why, whylen, "sending mail through %s failed after %d attempt%s: %s%s", server,
                     tries, tries == 1 ? "" : "s", reason,
                     permanent && tries <= s->retries ? " (permanent, not retried)" : "");
            return reply >= 500 && reply < 600 && rc != CURLE_LOGIN_DENIED ? EM_SMTP_REJECTED
                                                                           : EM_SMTP_FAILED;
        }
        if (s->on_retry)
            s->on_retry(s->cancelled_arg, tries, reason);
        if (wait_or_cancel(s, delay)) {
            snprintf(why, whylen, "sending mail through %s cancelled after %d attempt%s: %s",
                     server, tries, tries == 1 ? "" : "s", reason);
            return EM_SMTP_FAILED;
        }
        delay = delay * 2 > 300 ? 300 : delay * 2;
    }
}
