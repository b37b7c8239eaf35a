/*
 * sink-file — publishes the artifact into a file store directory and
 * gives its download URL.
 *
 * The core has already published the artifact (staged, fsynced, renamed).
 * When `directory` names another directory, the file is linked (or, across
 * file systems, copied) there the same way: a staging name, fsync, rename.
 * The URL is the one the core signed for a request (download server), or
 * else `base_url`/files/<name> for a plain run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/ferry.h"

typedef struct config {
    const char *directory;
    const char *base_url;
} config;

static const ferry_option options[] = {
    FERRY_OPTION("directory", FERRY_OPT_STRING, 0, NULL, NULL, config, directory,
                 "publish a copy into this directory (default: where the core published it)", NULL),
    FERRY_OPTION("base_url", FERRY_OPT_STRING, 0, NULL, NULL, config, base_url,
                 "public URL of the file store for plain runs, e.g. https://files.example.com "
                 "(site default: ferry.conf plugins.sink-file.base_url)",
                 NULL),
    {0},
};

typedef struct state {
    ferry_ctx *fx;
    const ferry_host *host;
    const config *cfg;
} state;

static int init(ferry_ctx *fx, const ferry_host *host, const void *cfg, void **out)
{
    state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *out = s;
    return 0;
}

static void destroy(void *st)
{
    state *s = st;
    if (s)
        s->host->free(s->fx, s);
}

static int copy_file(state *s, const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return s->host->error(s->fx, FERRY_ERR_IO, "cannot read %s: %s", from, strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return s->host->error(s->fx, FERRY_ERR_IO, "cannot create %s: %s", to, strerror(errno));
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0)
                rc = s->host->error(s->fx, FERRY_ERR_IO, "read %s: %s", from, strerror(errno));
            break;
        }
        for (ssize_t off = 0; off < n && !rc;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                rc = s->host->error(s->fx, FERRY_ERR_IO, "write %s: %s", to, strerror(errno));
            else
                off += w;
        }
        if (rc)
            break;
    }
    if (!rc && fsync(out))
        rc = s->host->error(s->fx, FERRY_ERR_IO, "fsync %s: %s", to, strerror(errno));
    close(in);
    close(out);
    if (rc)
        unlink(to);
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int publish_copy(state *s, const ferry_artifact *a)
{
    const char *dir = s->cfg->directory;
    if (mkdir(dir, 0755) && errno != EEXIST)
        return s->host->error(s->fx, FERRY_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
    char dest[4096], stage[4096];
    snprintf(dest, sizeof dest, "%s/%s", dir, base_name(a->path));
    snprintf(stage, sizeof stage, "%s/.ferry-stage-%s-%ld", dir, base_name(a->path),
             (long)getpid());
    unlink(stage);
    int rc = 0;
    if (link(a->path, stage) != 0)
        rc = copy_file(s, a->path, stage);
    if (!rc && rename(stage, dest) != 0)
        rc = s->host->error(s->fx, FERRY_ERR_IO, "cannot publish %s: %s", dest, strerror(errno));
    if (rc) {
        unlink(stage);
        return rc;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int url_encode_append(char *out, size_t cap, size_t *len, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~';
        if (*len + 4 >= cap)
            return -1;
        if (plain) {
            out[(*len)++] = (char)c;
        } else {
            out[(*len)++] = '%';
            out[(*len)++] = hex[c >> 4];
            out[(*len)++] = hex[c & 15];
        }
    }
    out[*len] = '\0';
    return 0;
}

static int deliver(void *st, const ferry_artifact *a, char **url_out)
{
    state *s = st;
    *url_out = NULL;
    if (s->cfg->directory) {
        char here[4096];
        snprintf(here, sizeof here, "%s", a->path);
        char *slash = strrchr(here, '/');
        if (slash)
            *slash = '\0';
        char *r1 = realpath(here, NULL), *r2 = realpath(s->cfg->directory, NULL);
        int same = r1 && r2 && !strcmp(r1, r2);
        free(r1);
        free(r2);
        if (!same) {
            int rc = publish_copy(s, a);
            if (rc)
                return rc;
        }
    }
    const char *url = a->download_url;
    char built[4096];
    if (!url && s->cfg->base_url) {
        size_t len = (size_t)snprintf(built, sizeof built, "%s/files/", s->cfg->base_url);
        if (url_encode_append(built, sizeof built, &len, base_name(a->path)))
            return s->host->error(s->fx, FERRY_ERR, "download URL too long");
        url = built;
    }
    if (url) {
        size_t n = strlen(url) + 1;
        *url_out = s->host->alloc(s->fx, n);
        if (!*url_out)
            return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
        memcpy(*url_out, url, n);
    }
    s->host->log(s->fx, FERRY_LOG_INFO, "published %s (%llu bytes, %llu rows)", a->path,
                 (unsigned long long)a->size, (unsigned long long)a->rows);
    return 0;
}

static const ferry_sink_ops ops = {.deliver = deliver};

static const ferry_plugin_descriptor sink_file = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_SINK,
    "sink-file",
    "1.0.0",
    "publishes the artifact into a file store directory and gives its download URL",
    options,
    sizeof(config),
    0,
    0,
    NULL,
    NULL,
    init,
    destroy,
    NULL,
    NULL,
    NULL,
    NULL,
    &ops,
};

FERRY_PLUGIN_DEFINE(sink_file)
