/*
 * loader.c — loading plugin .so files and checking their descriptor before
 * anything else of it is read (the PostgreSQL/GStreamer way, not Fluent
 * Bit's unchecked memcpy).
 */
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixed head is packed by construction: 4 + 2 + 2 + 4 + 4 bytes. */
_Static_assert(offsetof(ferry_plugin_descriptor, name) == 16,
               "descriptor head must be 16 bytes with no padding");
_Static_assert(sizeof(ferry_value) == 16, "ferry_value is 16 bytes");

const char *ferry_kind_name(int kind)
{
    switch (kind) {
    case FERRY_KIND_SOURCE:
        return "source";
    case FERRY_KIND_FILTER:
        return "filter";
    case FERRY_KIND_FORMAT:
        return "format";
    case FERRY_KIND_ENCODE:
        return "encode";
    case FERRY_KIND_SINK:
        return "sink";
    default:
        return NULL;
    }
}

/* The trust rule (docs/operations.md, "Plugin trust"): the plugin's real
 * path (symlinks resolved) and every directory from it up to "/" must be
 * owned by root or ferry's own user and not writable by group or others.
 * The one exception: a root-owned sticky directory (/tmp), in which only an
 * entry's owner can rename or remove it. */
static int unsafe_owner(const struct stat *st)
{
    return st->st_uid != 0 && st->st_uid != geteuid();
}

static int check_dir(const char *path, const char *real, const char *dir, ferry_err *err)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: directory %s: %s", path, dir,
                             strerror(errno));
    int sticky_root = (st.st_mode & S_ISVTX) && st.st_uid == 0;
    const char *via = strcmp(path, real) ? " (plugin " : "";
    const char *rp = strcmp(path, real) ? path : "";
    const char *end = strcmp(path, real) ? ")" : "";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin directory %s is writable by group or others (mode %03o): "
                             "refused%s%s%s",
                             dir, (unsigned)(st.st_mode & 0777), via, rp, end);
    if (unsafe_owner(&st))
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin directory %s is owned by uid %u, not root or ferry's user: "
                             "refused%s%s%s",
                             dir, (unsigned)st.st_uid, via, rp, end);
    return 0;
}

static int check_file(const char *path, const char *real, ferry_err *err)
{
    struct stat st;
    if (stat(real, &st) != 0)
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: %s", path, strerror(errno));
    const char *arrow = strcmp(path, real) ? " -> " : "";
    const char *shown = strcmp(path, real) ? real : "";
    if (!S_ISREG(st.st_mode))
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s%s%s: not a regular file", path,
                             arrow, shown);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s%s%s is writable by group or others (mode %03o): refused",
                             path, arrow, shown, (unsigned)(st.st_mode & 0777));
    if (unsafe_owner(&st))
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s%s%s is owned by uid %u, not root or ferry's user: refused",
                             path, arrow, shown, (unsigned)st.st_uid);
    return 0;
}

/* Refuses a plugin whose real path someone else could change (above). */
static int check_perms(const char *path, ferry_err *err)
{
    char *real = realpath(path, NULL);
    if (!real)
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: %s", path, strerror(errno));
    int rc = check_file(path, real, err);
    char *dir = strdup(real);
    if (!rc && !dir)
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    while (!rc) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        rc = check_dir(path, real, dir, err);
        if (slash == dir)
            break;
    }
    free(dir);
    free(real);
    return rc;
}

static int check_descriptor(const char *path, const ferry_plugin_descriptor *d, ferry_err *err)
{
    if (d->magic != FERRY_PLUGIN_MAGIC)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s: bad magic 0x%08x (expected 0x%08x): not a ferry plugin",
                             path, d->magic, FERRY_PLUGIN_MAGIC);
    if (d->abi_major != FERRY_ABI_MAJOR || d->abi_minor > FERRY_ABI_MINOR)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s was built for plugin ABI %u.%u; this ferry has ABI %d.%d "
                             "(it loads %d.0 to %d.%d): rebuild the plugin",
                             path, d->abi_major, d->abi_minor, FERRY_ABI_MAJOR, FERRY_ABI_MINOR,
                             FERRY_ABI_MAJOR, FERRY_ABI_MAJOR, FERRY_ABI_MINOR);
    if (d->size < FERRY_DESCRIPTOR_SIZE_1_0)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s: descriptor size %u is smaller than ABI %u.%u's", path,
                             d->size, d->abi_major, d->abi_minor);
    return 0;
}

/*
 * Callbacks in each kind's table at each ABI minor of this major. A minor
 * that appends a callback to a table gives that minor's column one more;
 * tests/core/test_ops_abi.c checks the newest column against the structs,
 * so a callback appended without a column here fails it.
 */
static const uint8_t ops_count[][FERRY_ABI_MINOR + 1] = {
    /*                       1.0 1.1 1.2 1.3 1.4 */
    [FERRY_KIND_SOURCE] = {3, 3, 3, 4, 4}, [FERRY_KIND_FILTER] = {3, 3, 3, 3, 3},
    [FERRY_KIND_FORMAT] = {4, 4, 4, 4, 4}, [FERRY_KIND_ENCODE] = {4, 4, 4, 4, 4},
    [FERRY_KIND_SINK] = {1, 1, 1, 2, 2},
};

size_t ferry_ops_size(int kind, unsigned minor)
{
    if (kind < FERRY_KIND_SOURCE || kind > FERRY_KIND_SINK || minor > FERRY_ABI_MINOR)
        return 0;
    return ops_count[kind][minor] * sizeof(void (*)(void));
}

/* Copies the plugin's callback table into p->ops_, reading only the bytes
 * its ABI minor had, and points the descriptor copy at it. */
static void adopt_ops(ferry_plugin *p, unsigned minor)
{
    ferry_plugin_descriptor *d = &p->copy_;
    size_t n = ferry_ops_size(d->kind, minor);
    memset(&p->ops_, 0, sizeof p->ops_);
#define ADOPT(f)                                                                                   \
    if (d->f) {                                                                                    \
        memcpy(&p->ops_.f, d->f, n < sizeof p->ops_.f ? n : sizeof p->ops_.f);                     \
        d->f = &p->ops_.f;                                                                         \
    }
    switch (d->kind) {
    case FERRY_KIND_SOURCE:
        ADOPT(source);
        break;
    case FERRY_KIND_FILTER:
        ADOPT(filter);
        break;
    case FERRY_KIND_FORMAT:
        ADOPT(format);
        break;
    case FERRY_KIND_ENCODE:
        ADOPT(encode);
        break;
    case FERRY_KIND_SINK:
        ADOPT(sink);
        break;
    }
#undef ADOPT
}

static int check_fields(const char *path, const ferry_plugin_descriptor *d, ferry_err *err)
{
    const char *kind = ferry_kind_name(d->kind);
    if (!kind)
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: unknown kind %d", path, d->kind);
    if (!d->name || !d->version || !d->description || !d->init || !d->destroy)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s: descriptor lacks name, version, description, init or "
                             "destroy",
                             path);
    size_t kl = strlen(kind);
    if (strncmp(d->name, kind, kl) != 0 || d->name[kl] != '-' || !d->name[kl + 1])
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s: name \"%s\" must be \"%s-<name>\" for its kind", path,
                             d->name, kind);
    int ok = 0;
    switch (d->kind) {
    case FERRY_KIND_SOURCE:
        ok = d->source && d->source->open && d->source->read && d->source->close;
        break;
    case FERRY_KIND_FILTER:
        ok = d->filter && d->filter->open && d->filter->process && d->filter->close;
        break;
    case FERRY_KIND_FORMAT:
        ok = d->format && d->format->open && d->format->write && d->format->finish &&
             d->format->close && d->extension && d->content_type;
        break;
    case FERRY_KIND_ENCODE:
        ok = d->encode && d->encode->open && d->encode->write && d->encode->finish &&
             d->encode->close && d->extension && d->content_type;
        break;
    case FERRY_KIND_SINK:
        ok = d->sink && d->sink->deliver;
        break;
    }
    if (!ok)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s (%s): missing callbacks for a %s plugin", path, d->name,
                             kind);
    if (d->options && d->config_size == 0)
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s: has an option table but config_size 0", path);
    return ferry_options_check_table(d->options, err) ? ferry_err_prefix(err, "plugin %s", path)
                                                      : 0;
}

int ferry_plugin_open(ferry_plugin **out, const char *path, ferry_err *err)
{
    *out = NULL;
    int rc = check_perms(path, err);
    if (rc)
        return rc;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "cannot load plugin %s: %s", path, dlerror());
    ferry_plugin_descriptor_fn fn;
    *(void **)&fn = dlsym(h, FERRY_PLUGIN_SYMBOL);
    if (!fn) {
        dlclose(h);
        return ferry_err_set(err, FERRY_ERR_PLUGIN,
                             "plugin %s exports no %s(): not a ferry plugin (use "
                             "FERRY_PLUGIN_DEFINE)",
                             path, FERRY_PLUGIN_SYMBOL);
    }
    const ferry_plugin_descriptor *d = fn();
    if (!d) {
        dlclose(h);
        return ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: descriptor function returned NULL",
                             path);
    }
    /* Only the 16-byte head is read before the checks. */
    rc = check_descriptor(path, d, err);
    if (rc) {
        dlclose(h);
        return rc;
    }
    ferry_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        dlclose(h);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    size_t n = d->size < sizeof p->copy_ ? d->size : sizeof p->copy_;
    memcpy(&p->copy_, d, n);
    adopt_ops(p, d->abi_minor);
    p->desc = &p->copy_;
    p->handle = h;
    p->path = strdup(path);
    rc = check_fields(path, p->desc, err);
    if (rc) {
        ferry_plugin_close(p);
        return rc;
    }
    *out = p;
    return 0;
}

int ferry_plugin_find(ferry_plugin **out, char *const *dirs, size_t ndirs, const char *name,
                      ferry_err *err)
{
    *out = NULL;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return ferry_err_set(err, FERRY_ERR_PLUGIN, "bad plugin name \"%s\"", name);
    char path[4096];
    for (size_t i = 0; i < ndirs; i++) {
        snprintf(path, sizeof path, "%s/%s.so", dirs[i], name);
        if (access(path, F_OK) != 0)
            continue;
        int rc = ferry_plugin_open(out, path, err);
        if (rc)
            return rc;
        /* Found by its file name: the descriptor must say the same name, or
         * the file would serve a name it does not have. */
        if (strcmp((*out)->desc->name, name) != 0) {
            rc = ferry_err_set(err, FERRY_ERR_PLUGIN,
                               "plugin %s calls itself \"%s\" in its descriptor: a plugin's "
                               "file is named after it (%s.so)",
                               path, (*out)->desc->name, (*out)->desc->name);
            ferry_plugin_close(*out);
            *out = NULL;
            return rc;
        }
        return 0;
    }
    char searched[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < ndirs && used < sizeof searched; i++)
        used += (size_t)snprintf(searched + used, sizeof searched - used, "%s%s", i ? ":" : "",
                                 dirs[i]);
    return ferry_err_set(err, FERRY_ERR_PLUGIN, "unknown plugin \"%s\" (searched %s)", name,
                         searched);
}

void ferry_plugin_close(ferry_plugin *p)
{
    if (!p)
        return;
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    free(p);
}
