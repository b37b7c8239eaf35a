/*
 * log_json.h — `--log-format json`: one log line as one JSON object, for
 * log shippers. The logfmt fields (key=value, key="quoted \" value") become
 * members; a value that is a plain decimal number stays a number. Text
 * that is not UTF-8 has U+FFFD for each maximal invalid subpart.
 */
#ifndef FERRY_CORE_LOG_JSON_H
#define FERRY_CORE_LOG_JSON_H

#include <stddef.h>

/* Writes {"time":…,"level":…,"cmd":…,"msg":…,fields…}\n into line (cap
 * bytes); returns its length (always a whole object ending in "}\n"). */
size_t ferry_log_json_line(char *line, size_t cap, const char *time, const char *level,
                           const char *cmd, const char *msg, const char *fields);

#endif
