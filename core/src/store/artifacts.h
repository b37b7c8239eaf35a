/*
 * artifacts.h — safe access to files beneath the artifact store (the file
 * store), used by expiry and by the download server.
 *
 * Store access never turns untrusted text into a path outside the store: a
 * request's file_path is mapped to a path relative to the store (an
 * absolute one must lie under store_path), ".." components are refused, and
 * the file is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * relative to the store's directory descriptor — or, where openat2 is
 * missing, by walking the components with O_NOFOLLOW.
 */
#ifndef FERRY_CORE_ARTIFACTS_H
#define FERRY_CORE_ARTIFACTS_H

#include <stddef.h>

/* Maps a request's file_path to a path relative to the store, into `rel`
 * (`len` bytes). Returns 0, or -1 when it lies outside the store, has a
 * ".." or empty component, or does not fit. `store_path` is absolute;
 * `store_real` (may be NULL) its realpath, also accepted as a prefix. */
int ferry_store_relpath(const char *store_path, const char *store_real, const char *file_path,
                        char *rel, size_t len);

/* Opens `rel` beneath the directory `store_fd` with `flags` (O_CLOEXEC is
 * added), resolving no symlink and never leaving the store. Returns the new
 * descriptor (the caller's to close) or -errno (-EXDEV, -ELOOP, -ENOENT, …). */
int ferry_store_openat(int store_fd, const char *rel, int flags);

/* The fallback ferry_store_openat uses where openat2 is missing (ENOSYS),
 * exposed so that tests run both: component by component, O_NOFOLLOW. */
int ferry_store_openat_walk(int store_fd, const char *rel, int flags);

/* Removes the regular file (or symlink itself) `rel` beneath `store_fd`,
 * never following a symlink. Returns 0 or -errno (-ENOENT when it is
 * already gone, -EISDIR for a directory). */
int ferry_store_unlink(int store_fd, const char *rel);

#endif
