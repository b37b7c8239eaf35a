/*
 * paths.h — where this ferry's own files are, found from the running
 * binary (/proc/self/exe), never from the configure-time prefix.
 *
 * Run from its build tree (the binary lies under the build directory it
 * was built in): the build's plugins, the checkout's conf/ferry.conf,
 * schema/migrations and docs. Installed (PREFIX/bin/ferry): PREFIX/LIBDIR/
 * ferry/plugins, PREFIX/DATADIR/ferry/migrations, PREFIX/share/doc/ferry,
 * SYSCONFDIR/ferry/ferry.conf (/etc for the prefix /usr, else PREFIX/etc)
 * and LOCALSTATEDIR/lib/ferry/store (/var for /usr, else PREFIX/var).
 */
#ifndef FERRY_CORE_PATHS_H
#define FERRY_CORE_PATHS_H

#include "error.h"

typedef struct ferry_paths {
    int build_tree;       /* 1: running from the build tree */
    char *prefix;         /* install prefix, or the build directory; owned */
    char *plugin_dir;     /* the bundled plugins; owned */
    char *migrations_dir; /* schema migrations; owned */
    char *doc_dir;        /* documentation; owned */
    char *config_file;    /* the default ferry.conf (may not exist); owned */
    char *store_dir;      /* the default file store; owned */
} ferry_paths;

/* Fills *p (free with ferry_paths_free). */
int ferry_paths_get(ferry_paths *p, ferry_err *err);
void ferry_paths_free(ferry_paths *p); /* accepts a zeroed struct */

#endif
