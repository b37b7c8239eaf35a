/*
 * sink_log.c — an example ferry sink (docs/plugin-guide.md): appends one
 * line of the delivered artifact's metadata to a log file:
 *
 *   <unix time> TAB <name> TAB <size> TAB <rows> TAB <sha256> TAB
 *   <content type> TAB <path> TAB <request_id or "-"> NEWLINE
 *
 * The line is written with one write(2) on an O_APPEND descriptor, so
 * several ferry processes may share the log.
 */
#define _POSIX_C_SOURCE 200809L /* open, write, O_CLOEXEC under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ferry/ferry.h>

typedef struct log_config {
    const char *path;
} log_config;

typedef struct log_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const log_config *cfg;
} log_state;

static int log_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    log_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    s->fx = fx;
    s->host = host;
    s->cfg = config;
    *state = s;
    return 0;
}

static void log_destroy(void *state)
{
    log_state *s = state;
    if (s)
        s->host->free(s->fx, s);
}

static int log_deliver(void *state, const ferry_artifact *a, char **url_out)
{
    log_state *s = state;
    (void)url_out; /* this sink gives no download URL */
    const char *req = ferry_artifact_meta(a, "request_id");
    char line[8192];
    int n =
        snprintf(line, sizeof line, "%lld\t%s\t%llu\t%llu\t%s\t%s\t%s\t%s\n", (long long)time(NULL),
                 a->name, (unsigned long long)a->size, (unsigned long long)a->rows, a->sha256,
                 a->content_type, a->path, req && *req ? req : "-");
    if (n < 0 || (size_t)n >= sizeof line)
        return s->host->error(s->fx, FERRY_ERR_DATA, "metadata too long for one log line");
    int fd = open(s->cfg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return s->host->error(s->fx, FERRY_ERR_DELIVER, "cannot open %s: %s", s->cfg->path,
                              strerror(errno));
    ssize_t w = write(fd, line, (size_t)n);
    int e = errno;
    if (close(fd) != 0 && w == n)
        return s->host->error(s->fx, FERRY_ERR_DELIVER, "closing %s: %s", s->cfg->path,
                              strerror(errno));
    if (w != n)
        return s->host->error(s->fx, FERRY_ERR_DELIVER, "writing %s: %s", s->cfg->path,
                              w < 0 ? strerror(e) : "short write");
    s->host->log(s->fx, FERRY_LOG_INFO, "logged %s to %s", a->name, s->cfg->path);
    return 0;
}

static const ferry_option log_options[] = {
    {"path", FERRY_OPT_STRING, FERRY_OPT_REQUIRED, NULL, NULL, offsetof(log_config, path),
     "the log file a line is appended to for every artifact", "/dev/null"},
    {0}};

static const ferry_sink_ops log_ops = {.deliver = log_deliver};

static const ferry_plugin_descriptor log_plugin = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_SINK,
    "sink-log",
    "1.0.0",
    "appends each artifact's metadata to a log file (an example plugin)",
    log_options,
    sizeof(log_config),
    0,
    0,
    NULL,
    NULL,
    log_init,
    log_destroy,
    NULL,
    NULL,
    NULL,
    NULL,
    &log_ops};
FERRY_PLUGIN_DEFINE(log_plugin)
