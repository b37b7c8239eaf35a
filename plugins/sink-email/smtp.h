/*
 * smtp.h — sending one message through libcurl's SMTP, with retries and
 * backoff. Never verbose, never writes to stdout.
 */
#ifndef FERRY_EMAIL_SMTP_H
#define FERRY_EMAIL_SMTP_H

#include <stddef.h>

#include "address.h"

typedef struct em_smtp {
    const char *url;      /* smtp://host[:port][/helo-domain] or smtps://… */
    const char *username; /* or NULL */
    const char *password; /* or NULL */
    const char *ca_file;  /* or NULL: the system's CAs */
    int use_ssl;          /* CURLUSESSL_* */
    long timeout_seconds; /* whole transfer; connect timeout is the lesser of it and 30 */
    int retries;          /* extra attempts after the first */
    double retry_delay;   /* seconds before the first retry; doubles, at most 300 */
    /* Polled between attempts and during waits; non-zero stops retrying. */
    int (*cancelled)(void *arg);
    void *cancelled_arg;
    /* Called once for every failed attempt that will be retried. */
    void (*on_retry)(void *arg, int attempt, const char *reason);
} em_smtp;

/*
 * Sends `msg` (len bytes, CRLF lines) from `from` to every address in `to`.
 * Returns 0, or EM_SMTP_FAILED / EM_SMTP_REJECTED with `why` naming the
 * server, the attempts and the last failure (curl's message and the SMTP
 * reply code). A permanent refusal (5xx reply) is not retried; it is
 * EM_SMTP_REJECTED, sending the same mail again cannot succeed (RFC 5321
 * 4.2.1), except a refused login (535), which the site can fix: that one
 * stays EM_SMTP_FAILED, as Postfix defers it.
 */
enum { EM_SMTP_FAILED = -1, EM_SMTP_REJECTED = -2 };
int em_smtp_send(const em_smtp *s, const char *from, const em_rcpts *to, const char *msg,
                 size_t len, char *why, size_t whylen);

/* The URL without any user:password@ part, for messages. */
void em_smtp_redact(const char *url, char *out, size_t outlen);

#endif
