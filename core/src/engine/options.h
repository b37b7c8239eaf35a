/*
 * options.h — option-table helpers shared by the loader, `ferry plugins
 * info` and `ferry plugins check`.
 */
#ifndef FERRY_CORE_OPTIONS_H
#define FERRY_CORE_OPTIONS_H

#include <stdint.h>

#include "loader.h"

/* Is `v` one of "a|b|c" (or is `allowed` NULL)? */
int ferry_opt_allowed(const char *allowed, const char *v);
/* Text to value, as option defaults and --set overrides are written; 0 or -1. */
int ferry_opt_parse_int(const char *s, int64_t *out);
int ferry_opt_parse_bool(const char *s, int *out);
int ferry_opt_parse_double(const char *s, double *out);

#endif
