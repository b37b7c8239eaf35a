/* paths.c — this ferry's plugin, migration, doc, config and store
 * directories, relative to the running binary (see paths.h). */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The build tree and the install layout, relative to the prefix (CMake). */
#ifndef FERRY_BUILD_DIR
#define FERRY_BUILD_DIR "/nonexistent"
#endif
#ifndef FERRY_REL_BINDIR
#define FERRY_REL_BINDIR "bin"
#endif
#ifndef FERRY_REL_LIBDIR
#define FERRY_REL_LIBDIR "lib"
#endif
#ifndef FERRY_REL_DATADIR
#define FERRY_REL_DATADIR "share"
#endif

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", a, b);
    return r;
}

/* 1 when `path` is `dir` or lies below it. */
static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The prefix of an installed binary at `exe`: its directory less BINDIR. */
static char *prefix_of(const char *exe)
{
    char *p = strdup(exe);
    if (!p)
        return NULL;
    char *slash = strrchr(p, '/');
    if (slash)
        *slash = '\0';
    size_t n = strlen(p), b = strlen(FERRY_REL_BINDIR);
    if (n > b && p[n - b - 1] == '/' && strcmp(p + n - b, FERRY_REL_BINDIR) == 0)
        p[n - b - 1] = '\0';
    else if ((slash = strrchr(p, '/')) != NULL)
        *slash = '\0';
    if (!*p)
        strcpy(p, "/");
    return p;
}

static void fill_build(ferry_paths *p, const char *build)
{
    p->build_tree = 1;
    p->prefix = strdup(build);
    p->plugin_dir = join(build, "plugins");
    p->migrations_dir = strdup(FERRY_SOURCE_DIR "/schema/migrations");
    p->doc_dir = strdup(FERRY_SOURCE_DIR "/docs");
    p->config_file = strdup(FERRY_SOURCE_DIR "/conf/ferry.conf");
    p->store_dir = strdup(FERRY_SOURCE_DIR "/var/store");
}

static void fill_installed(ferry_paths *p, char *prefix)
{
    int usr = strcmp(prefix, "/usr") == 0;
    const char *root = strcmp(prefix, "/") == 0 ? "" : prefix;
    char buf[PATH_MAX];
    p->prefix = prefix;
    snprintf(buf, sizeof buf, "%s/%s/ferry/plugins", root, FERRY_REL_LIBDIR);
    p->plugin_dir = strdup(buf);
    snprintf(buf, sizeof buf, "%s/%s/ferry/migrations", root, FERRY_REL_DATADIR);
    p->migrations_dir = strdup(buf);
    snprintf(buf, sizeof buf, "%s/%s/doc/ferry", root, FERRY_REL_DATADIR);
    p->doc_dir = strdup(buf);
    snprintf(buf, sizeof buf, "%s/etc/ferry/ferry.conf", usr ? "" : root);
    p->config_file = strdup(buf);
    snprintf(buf, sizeof buf, "%s/var/lib/ferry/store", usr ? "" : root);
    p->store_dir = strdup(buf);
}

int ferry_paths_get(ferry_paths *p, ferry_err *err)
{
    memset(p, 0, sizeof *p);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "cannot find the ferry binary "
                             "(/proc/self/exe)");
    exe[n] = '\0';
    char *build = realpath(FERRY_BUILD_DIR, NULL);
    if (build && under(exe, build))
        fill_build(p, build);
    else
        fill_installed(p, prefix_of(exe));
    free(build);
    if (!p->prefix || !p->plugin_dir || !p->migrations_dir || !p->doc_dir || !p->config_file ||
        !p->store_dir) {
        ferry_paths_free(p);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    return 0;
}

void ferry_paths_free(ferry_paths *p)
{
    free(p->prefix);
    free(p->plugin_dir);
    free(p->migrations_dir);
    free(p->doc_dir);
    free(p->config_file);
    free(p->store_dir);
    memset(p, 0, sizeof *p);
}
