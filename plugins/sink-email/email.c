/*
 * email.c — the sink-email plugin: mails a finished export to its
 * recipients through SMTP (libcurl), with the download link and/or the file
 * attached. Runs after the request's completion is committed
 * (FERRY_SINK_AFTER_COMMIT). It names its recipients (targets) so the core
 * records one delivery per recipient and asks for each alone
 * ("delivery_target"); a malformed address or a permanent SMTP refusal
 * (5xx but a refused login) fails as FERRY_ERR_DATA, never retried; any
 * other SMTP failure (after `retries`) as FERRY_ERR_DELIVER, for the core
 * to retry later.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/ferry.h"

#include "address.h"
#include "mime.h"
#include "smtp.h"
#include "text.h"

typedef struct email_config {
    const char *smtp_url;
    const char *from;
    ferry_strlist recipients;
    int recipients_merge;
    const char *subject;
    const char *username;
    const char *password;
    const char *starttls;
    const char *ca_file;
    int include_download_link;
    int attach_file;
    int64_t max_attachment_bytes;
    int64_t retries;
    double retry_delay_seconds;
    int64_t timeout_seconds;
} email_config;

static const ferry_option email_options[] = {
    FERRY_OPTION("smtp_url", FERRY_OPT_STRING, FERRY_OPT_REQUIRED, NULL, NULL, email_config,
                 smtp_url, "mail server, smtp://host:port or smtps://host:port (implicit TLS)",
                 "smtp://127.0.0.1:2525"),
    FERRY_OPTION("from", FERRY_OPT_STRING, FERRY_OPT_REQUIRED, NULL, NULL, email_config, from,
                 "sender: address or \"Display Name <address>\"", "ferry@example.com"),
    FERRY_OPTION("recipients", FERRY_OPT_LIST, 0, NULL, NULL, email_config, recipients,
                 "addresses mailed when the request names none (see recipients_merge)", NULL),
    FERRY_OPTION("recipients_merge", FERRY_OPT_BOOL, 0, "false", NULL, email_config,
                 recipients_merge,
                 "true: mail `recipients` and the request's email_recipients; false: the request's "
                 "replace them",
                 NULL),
    FERRY_OPTION("subject", FERRY_OPT_STRING, 0, "Export ready: {title}", NULL, email_config,
                 subject,
                 "subject template; {name} file name, {title} request title (else the file name), "
                 "{rows}, {size}, {request_id}",
                 NULL),
    FERRY_OPTION("username", FERRY_OPT_STRING, 0, NULL, NULL, email_config, username,
                 "SMTP AUTH user name", NULL),
    FERRY_OPTION("password", FERRY_OPT_STRING, FERRY_OPT_SECRET, NULL, NULL, email_config, password,
                 "SMTP AUTH password", NULL),
    FERRY_OPTION("starttls", FERRY_OPT_STRING, 0, "try", "none|try|required", email_config,
                 starttls, "STARTTLS on smtp://: none, try (use it if offered), required", NULL),
    FERRY_OPTION("ca_file", FERRY_OPT_STRING, 0, NULL, NULL, email_config, ca_file,
                 "PEM file of CA certificates for TLS (default: the system's)", NULL),
    FERRY_OPTION(
        "include_download_link", FERRY_OPT_BOOL, 0, "true", NULL, email_config,
        include_download_link,
        "put the download link in the mail (request metadata include_download_link overrides)",
        NULL),
    FERRY_OPTION(
        "attach_file", FERRY_OPT_BOOL, 0, "false", NULL, email_config, attach_file,
        "attach the file when it is at most max_attachment_bytes (request metadata attach_file "
        "overrides)",
        NULL),
    FERRY_OPTION("max_attachment_bytes", FERRY_OPT_INT, 0, "10485760", NULL, email_config,
                 max_attachment_bytes,
                 "largest file attached; a larger one gets the link and a note instead", NULL),
    FERRY_OPTION("retries", FERRY_OPT_INT, 0, "3", NULL, email_config, retries,
                 "attempts after the first when sending fails (not for a 5xx refusal)", NULL),
    FERRY_OPTION("retry_delay_seconds", FERRY_OPT_DOUBLE, 0, "2", NULL, email_config,
                 retry_delay_seconds, "wait before the first retry; doubles each time, at most 300",
                 NULL),
    FERRY_OPTION("timeout_seconds", FERRY_OPT_INT, 0, "60", NULL, email_config, timeout_seconds,
                 "limit for one attempt (connect, send, reply)", NULL),
    {0},
};

typedef struct email_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const email_config *cfg;
    em_from from;
    em_rcpts configured;
    int use_ssl;
    int curl_ready;
} email_state;

/* ---- Templates ------------------------------------------------------------ */

typedef struct tvars {
    const char *name, *title, *rows, *size, *request_id;
} tvars;

static const char *tvar(const tvars *v, const char *key, size_t len)
{
#define K(s, f)                                                                                    \
    if (len == sizeof s - 1 && memcmp(key, s, len) == 0)                                           \
    return v->f
    K("name", name);
    K("title", title);
    K("rows", rows);
    K("size", size);
    K("request_id", request_id);
#undef K
    return NULL;
}

/* Expands {placeholders}; with v == NULL only checks them. 0, or -1 with `why`. */
static int expand(em_buf *out, const char *tmpl, const tvars *v, char *why, size_t whylen)
{
    static const tvars blank = {"", "", "", "", ""};
    for (const char *p = tmpl; *p;) {
        if (*p != '{') {
            const char *q = strchr(p, '{');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            if (em_buf_add(out, p, n))
                goto nomem;
            p += n;
            continue;
        }
        const char *end = strchr(p, '}');
        const char *val = end ? tvar(v ? v : &blank, p + 1, (size_t)(end - p - 1)) : NULL;
        if (!val) {
            snprintf(why, whylen,
                     "option subject: unknown placeholder in \"%.200s\" (known: {name} {title} "
                     "{rows} {size} {request_id})",
                     tmpl);
            return -1;
        }
        if (em_buf_str(out, val))
            goto nomem;
        p = end + 1;
    }
    return 0;
nomem:
    snprintf(why, whylen, "out of memory");
    return -1;
}

/* Copies request text for a header: control characters become spaces. */
static char *header_safe(const char *s)
{
    char *c = strdup(s ? s : "");
    if (!c)
        return NULL;
    for (unsigned char *p = (unsigned char *)c; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return c;
}

static void human_size(char *buf, size_t len, uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
        return;
    }
    double v = (double)bytes / 1024;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0])
        v /= 1024, u++;
    snprintf(buf, len, "%.1f %s", v, units[u]);
}

/* ---- Init and destroy ------------------------------------------------------ */

static void email_destroy(void *state)
{
    email_state *st = state;
    if (!st)
        return;
    em_from_free(&st->from);
    em_rcpts_free(&st->configured);
    if (st->curl_ready)
        curl_global_cleanup();
    st->host->free(st->fx, st);
}

static int email_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const email_config *cfg = config;
    char why[1024];
    email_state *st = host->alloc(fx, sizeof *st);
    *state = st;
    if (!st)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
    st->fx = fx;
    st->host = host;
    st->cfg = cfg;

    if (strncasecmp(cfg->smtp_url, "smtp://", 7) != 0 &&
        strncasecmp(cfg->smtp_url, "smtps://", 8) != 0) {
        em_smtp_redact(cfg->smtp_url, why, sizeof why);
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option smtp_url: \"%s\" must start with smtp:// or smtps://", why);
    }
    for (const char *p = cfg->smtp_url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return host->error(fx, FERRY_ERR_CONFIG,
                               "option smtp_url: contains a space or control character");
    if (em_from_parse(cfg->from, &st->from, why, sizeof why))
        return host->error(fx, FERRY_ERR_CONFIG, "%s", why);
    for (size_t i = 0; i < cfg->recipients.n; i++)
        if (em_rcpts_add(&st->configured, cfg->recipients.items[i], why, sizeof why))
            return host->error(fx, FERRY_ERR_CONFIG, "option recipients: %s", why);
    size_t slen = strlen(cfg->subject);
    if (!em_text_clean(cfg->subject, slen)) {
        why[0] = '\0';
        em_quote_value(why, sizeof why, cfg->subject, 200);
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option subject: \"%s\" contains a line break, a control character "
                           "or invalid UTF-8",
                           why);
    }
    em_buf check = {0};
    int bad = expand(&check, cfg->subject, NULL, why, sizeof why);
    em_buf_free(&check);
    if (bad)
        return host->error(fx, FERRY_ERR_CONFIG, "%s", why);
    if (cfg->max_attachment_bytes < 0)
        return host->error(fx, FERRY_ERR_CONFIG, "option max_attachment_bytes: must be >= 0");
    if (cfg->retries < 0 || cfg->retries > 100)
        return host->error(fx, FERRY_ERR_CONFIG, "option retries: must be 0 to 100");
    if (cfg->retry_delay_seconds < 0 || cfg->retry_delay_seconds > 300)
        return host->error(fx, FERRY_ERR_CONFIG, "option retry_delay_seconds: must be 0 to 300");
    if (cfg->timeout_seconds < 1)
        return host->error(fx, FERRY_ERR_CONFIG, "option timeout_seconds: must be at least 1");
    st->use_ssl = strcmp(cfg->starttls, "required") == 0 ? CURLUSESSL_ALL
                  : strcmp(cfg->starttls, "try") == 0    ? CURLUSESSL_TRY
                                                         : CURLUSESSL_NONE;
    if ((cfg->username || cfg->password) && st->use_ssl != CURLUSESSL_ALL &&
        strncasecmp(cfg->smtp_url, "smtps://", 8) != 0)
        host->log(fx, FERRY_LOG_WARN,
                  "credentials configured without smtps:// or starttls = "
                  "\"required\"; they may cross the network in clear text");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return host->error(fx, FERRY_ERR, "libcurl failed to initialise");
    st->curl_ready = 1;
    return 0;
}

/* ---- Deliver ----------------------------------------------------------------- */

/* A boolean from request metadata ("1"/"0", "true"/"false"), else `dflt`. */
static int meta_bool(const ferry_artifact *a, const char *key, int dflt)
{
    const char *v = ferry_artifact_meta(a, key);
    if (!v || !*v)
        return dflt;
    if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0)
        return 1;
    if (strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0)
        return 0;
    return dflt;
}

/* Recipients as given (unchecked), malloc'd. */
typedef struct em_specs {
    char **items;
    size_t n;
} em_specs;

static void specs_free(em_specs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Appends a copy of `spec` unless it is already there (case-insensitive). */
static int spec_add(em_specs *l, const char *spec)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->items[i], spec) == 0)
            return 0;
    char **n = realloc(l->items, (l->n + 1) * sizeof *n);
    if (!n)
        return -1;
    l->items = n;
    if (!(l->items[l->n] = strdup(spec)))
        return -1;
    l->n++;
    return 0;
}

/* The recipients as given, each a malloc'd string (deduplicated,
 * unchecked): the configured ones and/or the request's (see
 * recipients_merge). A non-string item of the request's array becomes its
 * JSON text, so it fails alone. 0, or -1 with `why` (not JSON, out of memory). */
static int recipient_specs(email_state *st, const ferry_artifact *a, em_specs *out, char *why,
                           size_t whylen)
{
    const char *json = ferry_artifact_meta(a, "email_recipients");
    json_error_t jerr;
    json_t *arr = json && *json ? json_loads(json, JSON_DECODE_ANY, &jerr) : json_array();
    if (!arr) {
        snprintf(why, whylen, "request email_recipients is not JSON: %s", jerr.text);
        return -1;
    }
    if (json_is_string(arr) || json_is_null(arr)) {
        json_t *one = json_array();
        if (json_is_string(arr))
            json_array_append(one, arr);
        json_decref(arr);
        arr = one;
    }
    if (!json_is_array(arr)) {
        json_decref(arr);
        snprintf(why, whylen, "request email_recipients must be a JSON array of addresses");
        return -1;
    }
    int use_configured = json_array_size(arr) == 0 || st->cfg->recipients_merge;
    int rc = 0;
    for (size_t i = 0; use_configured && !rc && i < st->cfg->recipients.n; i++)
        rc = spec_add(out, st->cfg->recipients.items[i]);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
        if (!rc)
            rc = spec_add(out, text ? text : json_string_value(v));
        free(text);
    }
    json_decref(arr);
    if (rc)
        snprintf(why, whylen, "out of memory");
    return rc;
}

/* Parses each spec into `to`; the bad ones are logged and counted in
 * *bad, the first one's reason left in `why`. -1 only when out of memory. */
static int parse_specs(email_state *st, const em_specs *specs, em_rcpts *to, size_t *bad, char *why,
                       size_t whylen)
{
    char one[1024];
    *bad = 0;
    for (size_t i = 0; i < specs->n; i++) {
        if (em_rcpts_add(to, specs->items[i], one, sizeof one) == 0)
            continue;
        if (strcmp(one, "out of memory") == 0)
            return -1;
        st->host->log(st->fx, FERRY_LOG_ERROR, "recipient skipped: %s", one);
        if ((*bad)++ == 0)
            snprintf(why, whylen, "%s", one);
    }
    return 0;
}

/* The recipients of this call: the one "delivery_target" the core asks
 * for, else every recipient (the bad ones skipped and counted in *bad).
 * 0, or an error already recorded. */
static int pick_recipients(email_state *st, const ferry_artifact *a, em_rcpts *to, size_t *bad,
                           char *why, size_t whylen)
{
    const char *target = ferry_artifact_meta(a, "delivery_target");
    *bad = 0;
    if (target) {
        if (em_rcpts_add(to, target, why, whylen))
            *bad = 1;
        return 0;
    }
    em_specs specs = {0};
    int rc = recipient_specs(st, a, &specs, why, whylen);
    if (!rc)
        rc = parse_specs(st, &specs, to, bad, why, whylen);
    specs_free(&specs);
    return rc ? st->host->error(st->fx, FERRY_ERR_DELIVER, "%s; nothing sent", why) : 0;
}

/* The targets callback: every recipient as given, each NUL-terminated. */
static int email_targets(void *state, const ferry_artifact *a, ferry_buf *out)
{
    email_state *st = state;
    char why[256];
    em_specs specs = {0};
    if (recipient_specs(st, a, &specs, why, sizeof why))
        return st->host->error(st->fx, FERRY_ERR_DELIVER, "%s", why);
    int rc = 0;
    for (size_t i = 0; !rc && i < specs.n; i++)
        if (st->host->buf_append(out, specs.items[i], strlen(specs.items[i]) + 1))
            rc = st->host->error(st->fx, FERRY_ERR_NOMEM, "out of memory");
    specs_free(&specs);
    return rc;
}

static int compose_body(em_buf *b, const ferry_artifact *a, const char *title, const char *size,
                        int link, int attached, int too_large, uint64_t max_bytes)
{
    const char *url = a->download_url && *a->download_url ? a->download_url : NULL;
    /* The link's own expiry (its token's), never the artifact's later one. */
    const char *expires = ferry_artifact_meta(a, "link_expires_at");
    char max[64];
    human_size(max, sizeof max, max_bytes);
    int rc = em_buf_printf(b, "Your export \"%s\" is ready.\n\n", title);
    rc |= em_buf_printf(b, "File: %s\nRows: %llu\nSize: %s\n", a->name, (unsigned long long)a->rows,
                        size);
    if (url && (link || too_large)) {
        rc |= em_buf_printf(b, "\nDownload: %s\n", url);
        if (expires && *expires)
            rc |= em_buf_printf(b, "The link works until %s.\n", expires);
    }
    if (attached)
        rc |= em_buf_str(b, "\nThe file is attached to this message.\n");
    else if (too_large)
        rc |= em_buf_printf(b,
                            "\nThe file is larger than the %s limit for attachments, so it is "
                            "not attached%s\n",
                            max,
                            url ? "; download it with the link above."
                                : ", and no download link is available.");
    rc |= em_buf_str(b, "\n-- \nSent by ferry. Please do not reply to this message.\n");
    return rc ? -1 : 0;
}

static int is_cancelled(void *arg)
{
    email_state *st = arg;
    return st->host->cancelled(st->fx);
}

static void on_retry(void *arg, int attempt, const char *reason)
{
    email_state *st = arg;
    st->host->log(st->fx, FERRY_LOG_WARN, "attempt %d failed, retrying: %s", attempt, reason);
}

static int email_deliver(void *state, const ferry_artifact *a, char **url_out)
{
    email_state *st = state;
    const email_config *cfg = st->cfg;
    const ferry_host *host = st->host;
    ferry_ctx *fx = st->fx;
    (void)url_out;
    char why[1024] = "";
    em_rcpts to = {0};
    em_buf subject = {0}, body = {0}, msg = {0};
    char *title = NULL, *name = NULL;
    int fd = -1, rc = 0;

    size_t bad = 0;
    if ((rc = pick_recipients(st, a, &to, &bad, why, sizeof why)) != 0)
        goto out;
    if (to.n == 0) {
        if (bad)
            rc = host->error(fx, FERRY_ERR_DATA, "%s; not sent", why);
        else
            host->log(fx, FERRY_LOG_INFO, "no recipients for %s; no mail sent", a->name);
        goto out;
    }
    int link = meta_bool(a, "include_download_link", cfg->include_download_link);
    int attach = meta_bool(a, "attach_file", cfg->attach_file);

    const char *meta_title = ferry_artifact_meta(a, "title");
    const char *rid = ferry_artifact_meta(a, "request_id");
    title = header_safe(meta_title && *meta_title ? meta_title : a->name);
    name = header_safe(a->name);
    if (!title || !name) {
        rc = host->error(fx, FERRY_ERR_NOMEM, "out of memory");
        goto out;
    }
    char rows[32], size[64];
    snprintf(rows, sizeof rows, "%llu", (unsigned long long)a->rows);
    human_size(size, sizeof size, a->size);
    tvars vars = {name, title, rows, size, rid ? rid : ""};
    if (expand(&subject, cfg->subject, &vars, why, sizeof why)) {
        rc = host->error(fx, FERRY_ERR_CONFIG, "%s", why);
        goto out;
    }
    if (!em_text_clean(subject.data, subject.len)) {
        why[0] = '\0';
        em_quote_value(why, sizeof why, subject.data, 200);
        rc = host->error(fx, FERRY_ERR_DELIVER,
                         "subject \"%s\" contains a control character or invalid "
                         "UTF-8; nothing sent",
                         why);
        goto out;
    }

    uint64_t attach_size = 0;
    int too_large = 0;
    if (attach) {
        fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat sb;
        if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            rc = host->error(fx, FERRY_ERR_IO, "cannot open %s to attach: %s", a->path,
                             fd < 0 ? strerror(errno) : "not a regular file");
            goto out;
        }
        attach_size = (uint64_t)sb.st_size;
        if (attach_size > (uint64_t)cfg->max_attachment_bytes) {
            too_large = 1;
            close(fd);
            fd = -1;
        }
    }
    if (compose_body(&body, a, title, size, link, fd >= 0, too_large,
                     (uint64_t)cfg->max_attachment_bytes)) {
        rc = host->error(fx, FERRY_ERR_NOMEM, "out of memory");
        goto out;
    }
    em_message m = {&st->from, &to,         subject.data, body.data,
                    fd,        attach_size, a->name,      a->content_type};
    if (em_mime_build(&msg, &m, why, sizeof why)) {
        rc = host->error(fx, FERRY_ERR_DELIVER, "%s", why);
        goto out;
    }
    em_smtp s = {cfg->smtp_url,     cfg->username,
                 cfg->password,     cfg->ca_file,
                 st->use_ssl,       (long)cfg->timeout_seconds,
                 (int)cfg->retries, cfg->retry_delay_seconds,
                 is_cancelled,      st,
                 on_retry};
    int sent = em_smtp_send(&s, st->from.addr, &to, msg.data, msg.len, why, sizeof why);
    if (sent) {
        /* A 5xx refusal can never succeed: FERRY_ERR_DATA, so the core's
         * delivery queue fails it now instead of retrying for hours. */
        rc = host->error(fx, sent == EM_SMTP_REJECTED ? FERRY_ERR_DATA : FERRY_ERR_DELIVER, "%s",
                         why);
        goto out;
    }
    if (bad)
        rc = host->error(fx, FERRY_ERR_DATA, "%zu recipient%s not mailed: %s", bad,
                         bad == 1 ? "" : "s", why);
    host->log(fx, FERRY_LOG_INFO, "mailed %s to %zu recipient%s (%s)", a->name, to.n,
              to.n == 1 ? "" : "s",
              fd >= 0     ? "attached"
              : too_large ? "too large to attach, link sent"
                          : "no attachment");
out:
    if (fd >= 0)
        close(fd);
    em_rcpts_free(&to);
    em_buf_free(&subject);
    em_buf_free(&body);
    em_buf_free(&msg);
    free(title);
    free(name);
    return rc;
}

static const ferry_sink_ops email_sink = {email_deliver, email_targets};

static const ferry_plugin_descriptor email_plugin = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_SINK,
    "sink-email",
    "1.0.0",
    "mails the export (download link and/or attachment) through SMTP after completion",
    email_options,
    sizeof(email_config),
    FERRY_SINK_AFTER_COMMIT,
    0,
    NULL,
    NULL,
    email_init,
    email_destroy,
    NULL,
    NULL,
    NULL,
    NULL,
    &email_sink,
};

FERRY_PLUGIN_DEFINE(email_plugin)
