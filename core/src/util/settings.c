/* settings.c — the ferry.conf settings table and the check of a parsed
 * file against it (see settings.h). */
#include "settings.h"

#include <stdint.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define S(p, h)                                                                                    \
    {                                                                                              \
        p, FERRY_SET_STRING, NULL, 0, 0, NULL, NULL, 0, h                                          \
    }
#define SD(p, d, h)                                                                                \
    {                                                                                              \
        p, FERRY_SET_STRING, d, 0, 0, NULL, NULL, 0, h                                             \
    }
#define I(p, d, lo, hi, h)                                                                         \
    {                                                                                              \
        p, FERRY_SET_INT, d, lo, hi, NULL, NULL, 0, h                                              \
    }
#define B(p, d, h)                                                                                 \
    {                                                                                              \
        p, FERRY_SET_BOOL, d, 0, 0, NULL, NULL, 0, h                                               \
    }
#define G(p, h)                                                                                    \
    {                                                                                              \
        p, FERRY_SET_GROUP, NULL, 0, 0, NULL, NULL, 0, h                                           \
    }
#define F(p, h)                                                                                    \
    {                                                                                              \
        p, FERRY_SET_FREE, NULL, 0, 0, NULL, NULL, 0, h                                            \
    }

static const ferry_setting_def table[] = {
    G("database", "ferry's own database"),
    {"database.url", FERRY_SET_STRING, NULL, 0, 0, NULL, "FERRY_DATABASE_URL", 1,
     "ferry's own tables: mysql://user:password@host:port/db or "
     "mysql://user:password@localhost/db?socket=/path"},
    S("database.migrations", "directory of the schema migrations (default: the install's "
                             "share/ferry/migrations)"),
    G("connections", "named databases that pipelines read (source connection = NAME)"),
    G("connections.*", "one named connection"),
    {"connections.*.url", FERRY_SET_STRING, NULL, 0, 0, NULL, NULL, 1,
     "the connection's URL, as database.url"},
    G("plugins", "the plugin path and site-wide plugin option defaults"),
    {"plugins.path", FERRY_SET_STRINGS, NULL, 0, 0, NULL, "FERRY_PLUGIN_PATH", 0,
     "directories searched for NAME.so after $FERRY_PLUGIN_PATH and before the bundled "
     "plugins"},
    F("plugins.*", "option defaults for plugin NAME, under a pipeline's own settings "
                   "(ferry-plugins(7))"),
    G("requests", "export requests: the pipelines that serve them"),
    S("requests.pipeline", "the pipeline that serves export_requests; its format is replaced "
                           "by the request's"),
    F("requests.sinks", "sinks added to every request's pipeline, after its own "
                        "(a list of groups as a pipeline's sinks)"),
    {"requests.template_options", FERRY_SET_STRINGS, NULL, 0, 0, NULL, NULL, 0,
     "format options a template's layout_settings may set beyond those the plugin marks "
     "safe, as \"PLUGIN.OPTION\"; a number so allowed is a cap at the site's value"},
    I("requests.daily_quota", "0", 0, 10000000,
      "requests one user may start per UTC day; more are refused with the reason (0: none)"),
    G("requests.pipelines", "other pipelines a template may name in layout_settings.pipeline"),
    S("requests.pipelines.*", "a named pipeline file"),
    G("store", "where published artifacts live: a directory, or an S3-compatible bucket"),
    S("store.url", "s3://BUCKET/PREFIX: publish to S3-compatible object storage (unset: the "
                   "directory store.path)"),
    S("store.endpoint", "the object store's base URL (default: https://s3.REGION.amazonaws.com)"),
    S("store.region", "the bucket's region, part of every signature (default: $AWS_REGION, else "
                      "us-east-1)"),
    B("store.path_style", "false",
      "address the bucket as ENDPOINT/BUCKET (MinIO, Ceph) instead "
      "of BUCKET.ENDPOINT"),
    S("store.access_key_id", "access key (default: $AWS_ACCESS_KEY_ID)"),
    {"store.secret_access_key", FERRY_SET_STRING, NULL, 0, 0, NULL, NULL, 1,
     "secret key (default: $AWS_SECRET_ACCESS_KEY)"},
    {"store.session_token", FERRY_SET_STRING, NULL, 0, 0, NULL, NULL, 1,
     "temporary credentials' token (default: $AWS_SESSION_TOKEN)"},
    I("store.multipart_threshold", "67108864", 1, INT64_MAX,
      "artifacts from this many bytes are uploaded in parts"),
    I("store.part_size", "16777216", 1, 5368709120,
      "bytes per part (S3 needs at least 5 MiB "
      "but for the last)"),
    I("store.part_retries", "3", 0, 100, "attempts again for a part that failed"),
    I("store.list_page_size", "1000", 1, 1000,
      "objects per page when `ferry expire` lists the bucket for orphans"),
    S("store.path", "directory of published artifacts (default: var/store in a checkout, "
                    "else /var/lib/ferry/store or PREFIX/var/lib/ferry/store)"),
    SD("store.base_url", "http://127.0.0.1:8080", "public base URL of `ferry serve`"),
    I("store.retention_days", "7", 1, 3650, "expires_at = completion + this many days"),
    I("store.orphan_grace_seconds", "3600", 0, 31536000,
      "`ferry expire` leaves orphan files younger than this"),
    G("download", "the download server (`ferry serve`)"),
    SD("download.listen", "127.0.0.1:8080", "HOST:PORT the server listens on"),
    {"download.objects", FERRY_SET_STRING, "redirect", 0, 0, "redirect|stream", NULL, 0,
     "an artifact in the object store: a 302 to a presigned URL, or streamed through"},
    {"download.secret", FERRY_SET_STRING, NULL, 0, 0, NULL, "FERRY_SECRET", 1,
     "HMAC key of download tokens; no default: `ferry serve` refuses to start without "
     "one, or with the sample's placeholder"},
    I("download.token_ttl_seconds", NULL, 1, 315360000,
      "lifetime of a download token (default: store.retention_days)"),
    I("download.max_connections", "256", 1, 100000, "connections served at once"),
    I("download.per_ip_connections", "32", 1, 100000, "connections from one address"),
    I("download.timeout_seconds", "30", 1, 3600, "idle connection timeout"),
    I("download.drain_seconds", "10", 0, 3600, "on SIGTERM, how long open downloads may finish"),
    G("deliveries", "mail to each recipient, retried by any worker (ferry_email_deliveries)"),
    I("deliveries.retry_seconds", "60", 1, 86400,
      "wait before the first retry of a failed mail; doubles each time, with jitter"),
    I("deliveries.max_retry_seconds", "3600", 1, 604800, "longest wait between retries"),
    I("deliveries.max_attempts", "8", 1, 1000,
      "attempts before a recipient's mail fails for good (audited)"),
    I("deliveries.lease_seconds", "600", 1, 86400,
      "a claimed mail is claimable again after this long (its worker died)"),
    G("status", "`ferry serve`'s /status page for operators"),
    SD("status.allow", "127.0.0.0/8, ::1",
       "addresses (CIDRs, comma-separated) that may see /status without the token"),
    {"status.token", FERRY_SET_STRING, NULL, 0, 0, NULL, "FERRY_STATUS_TOKEN", 1,
     "a bearer token (Authorization: Bearer …) that admits any address to /status"},
    G("worker", "the worker (`ferry worker`)"),
    I("worker.concurrency", "2", 1, 256, "requests run at once"),
    I("worker.lease_seconds", "30", 1, 86400,
      "a claim's lease; renewed while the request runs, taken over when it lapses"),
    I("worker.max_attempts", "3", 1, 1000,
      "attempts before a request fails for good (a try whose process, or whose source's "
      "open, found no database connection is not one)"),
    I("worker.poll_interval_ms", "1000", 10, 600000, "how often an idle worker polls"),
    I("worker.retry_delay_seconds", "10", 0, 86400, "wait before a failed attempt is retried"),
    I("worker.request_timeout_seconds", "3600", 0, 604800,
      "a request still running then is killed and fails (0: no limit)"),
    I("worker.stop_grace_seconds", "30", 0, 86400,
      "on SIGTERM, how long running requests may finish"),
    I("worker.retry_max_delay_seconds", "3600", 0, 604800,
      "cap of the retry delay, which doubles with every attempt (with random jitter)"),
    I("worker.per_user_concurrency", "0", 0, 10000,
      "at most this many of one user's requests run at once, over all workers (0: no limit)"),
    S("worker.metrics_listen", "HOST:PORT for the worker's Prometheus /metrics (unset: none)"),
    G("scheduler", "the scheduler (`ferry scheduler`)"),
    I("scheduler.interval_seconds", "30", 1, 86400, "how often due schedules are looked for"),
    SD("scheduler.timezone", "UTC",
       "the site's IANA zone: recurring requests (is_scheduled rows) fire and move next_run "
       "in it"),
    S("scheduler.metrics_listen",
      "HOST:PORT for the scheduler's Prometheus /metrics (unset: none)"),
    G("daemon", "`ferry daemon`: which services it runs and how it restarts them"),
    B("daemon.worker", "true", "run a worker"),
    B("daemon.scheduler", "true", "run the scheduler"),
    B("daemon.serve", "true", "run the download server"),
    B("daemon.expire", "true", "run `ferry expire` periodically"),
    I("daemon.worker_concurrency", NULL, 1, 256,
      "the worker's concurrency "
      "(default: worker.concurrency)"),
    I("daemon.expire_interval_seconds", "300", 1, 604800, "how often expiry runs"),
    I("daemon.restart_delay_seconds", "1", 1, 3600,
      "first delay before a failed service is restarted; doubles each time"),
    I("daemon.restart_max_delay_seconds", "60", 1, 3600, "the longest restart delay"),
    I("daemon.stop_timeout_seconds", "60", 1, 3600,
      "on SIGTERM, how long services may take to stop before SIGKILL"),
    S("daemon.metrics_listen", "HOST:PORT for one Prometheus /metrics summing all the daemon's "
                               "children (unset: none)"),
};

const ferry_setting_def *ferry_settings(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

/* 1 when `path` matches the pattern, "*" standing for one segment. */
static int path_match(const char *pat, const char *path)
{
    while (*pat && *path) {
        if (*pat == '*') {
            pat++;
            while (*path && *path != '.')
                path++;
            continue;
        }
        if (*pat != *path)
            return 0;
        pat++;
        path++;
    }
    return *pat == '\0' && *path == '\0';
}

const ferry_setting_def *ferry_setting_find(const char *path)
{
    const ferry_setting_def *wild = NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].path, path) == 0)
            return &table[i];
        if (!wild && strchr(table[i].path, '*') && path_match(table[i].path, path))
            wild = &table[i];
    }
    return wild;
}

const char *ferry_setting_allowed(const ferry_setting_def *d, char *buf, size_t len)
{
    switch (d->type) {
    case FERRY_SET_INT:
        snprintf(buf, len, "an integer from %" PRId64 " to %" PRId64, d->min, d->max);
        break;
    case FERRY_SET_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case FERRY_SET_STRINGS:
        snprintf(buf, len, "a string or an array of strings");
        break;
    case FERRY_SET_STRING:
        if (d->allowed)
            snprintf(buf, len, "one of %s", d->allowed);
        else
            snprintf(buf, len, "a string");
        break;
    default:
        snprintf(buf, len, "a group { … }");
    }
    return buf;
}

/* "a, b, c": the names the table allows directly under `parent` ("" for
 * the top level). */
static void known_under(const char *parent, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof table / sizeof table[0] && used < len; i++) {
        char head[128];
        const char *p = table[i].path, *dot = strrchr(p, '.');
        snprintf(head, sizeof head, "%.*s", dot ? (int)(dot - p) : 0, p);
        if (!path_match(head, parent))
            continue;
        const char *name = dot ? dot + 1 : p;
        int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
                         strcmp(name, "*") == 0 ? "NAME" : name);
        used += w > 0 ? (size_t)w : 0;
    }
}

static int where(ferry_err *err, const config_setting_t *s, const char *file, const char *path,
                 const char *fmt, const char *a, const char *b)
{
    const char *f = config_setting_source_file(s);
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a, b);
    return ferry_err_set(err, FERRY_ERR_CONFIG, "%s:%d: %s: %s", f ? f : file,
                         config_setting_source_line(s), path, msg);
}

void ferry_setting_value_text(const config_setting_t *s, char *buf, size_t len)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING:
        snprintf(buf, len, "\"%s\"", config_setting_get_string(s));
        break;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, len, "%lld", (long long)config_setting_get_int64(s));
        break;
    case CONFIG_TYPE_FLOAT:
        snprintf(buf, len, "%g", config_setting_get_float(s));
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    default:
        snprintf(buf, len, "a %s", config_setting_is_group(s) ? "group" : "list");
    }
}

/* 1 when `s` has the type and value `d` allows. */
static int value_ok(const ferry_setting_def *d, const config_setting_t *s)
{
    int t = config_setting_type(s);
    switch (d->type) {
    case FERRY_SET_INT: {
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
            return 0;
        long long v = config_setting_get_int64(s);
        return v >= d->min && v <= d->max;
    }
    case FERRY_SET_BOOL:
        return t == CONFIG_TYPE_BOOL;
    case FERRY_SET_STRINGS:
        if (t == CONFIG_TYPE_ARRAY)
            return config_setting_length(s) == 0 ||
                   config_setting_type(config_setting_get_elem(s, 0)) == CONFIG_TYPE_STRING;
        return t == CONFIG_TYPE_STRING;
    case FERRY_SET_STRING:
        if (t != CONFIG_TYPE_STRING)
            return 0;
        if (d->allowed) {
            const char *v = config_setting_get_string(s), *a = d->allowed;
            size_t n = strlen(v);
            for (const char *p = a; (p = strstr(p, v)) != NULL; p++)
                if ((p == a || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
                    return 1;
            return 0;
        }
        return 1;
    case FERRY_SET_GROUP:
        return t == CONFIG_TYPE_GROUP;
    default:
        return 1;
    }
}

static int check_setting(const config_setting_t *s, const char *path, const char *file,
                         ferry_err *err);

static int check_group(const config_setting_t *g, const char *prefix, const char *file,
                       ferry_err *err)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", config_setting_name(c));
        int rc = check_setting(c, path, file, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int check_setting(const config_setting_t *s, const char *path, const char *file,
                         ferry_err *err)
{
    const ferry_setting_def *d = ferry_setting_find(path);
    char buf[512], val[128];
    if (!d) {
        char parent[256];
        snprintf(parent, sizeof parent, "%s", path);
        char *dot = strrchr(parent, '.');
        *(dot ? dot : parent) = '\0';
        known_under(parent, buf, sizeof buf);
        return where(err, s, file, path, "unknown setting; allowed here: %s%s", buf, "");
    }
    if (!value_ok(d, s)) {
        ferry_setting_value_text(s, val, sizeof val);
        return where(err, s, file, path, "%s is allowed, not %s",
                     ferry_setting_allowed(d, buf, sizeof buf), val);
    }
    return d->type == FERRY_SET_GROUP ? check_group(s, path, file, err) : 0;
}

int ferry_settings_check(const config_t *cfg, const char *file, ferry_err *err)
{
    const config_setting_t *root = config_root_setting(cfg);
    return root ? check_group(root, "", file, err) : 0;
}
