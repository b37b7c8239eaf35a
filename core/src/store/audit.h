/*
 * audit.h — the lifecycle records ferry owns: export_audit_logs rows and
 * the export_usage_stats counters (DESIGN.md, "Database conventions").
 */
#ifndef FERRY_CORE_AUDIT_H
#define FERRY_CORE_AUDIT_H

#include <stdint.h>

#include "db.h"

/*
 * Writes one export_audit_logs row. `ip` is the client's for HTTP events,
 * "" for ferry's own; `user_agent` the client's or ferry's
 * (ferry_app_user_agent); `additional_json` a JSON object text or NULL
 * ("{}"). Runs inside the caller's transaction if one is open.
 */
int ferry_audit_write(ferry_db *db, const char *request_id, int64_t user_id, const char *action,
                      const char *ip, const char *user_agent, const char *additional_json,
                      ferry_err *err);

/*
 * Adds one finished export to the user's export_usage_stats row for the UTC
 * day of `finished_at` (a "YYYY-MM-DD …" UTC datetime; NULL: now, by the
 * database's clock, as completed_at is), atomically
 * (INSERT … ON DUPLICATE KEY UPDATE): total and per-format counters,
 * records, bytes, running average processing time; or, when `failed`, the
 * failure counter only. `format` is the request's seed format. The
 * processing time is that of `request_id` (completed_at less started_at,
 * or created_at if unset), read by the same statement: call it after the
 * UPDATE that sets completed_at. request_id is unused when `failed`.
 */
int ferry_usage_add(ferry_db *db, int64_t user_id, const char *finished_at, const char *format,
                    int failed, uint64_t records, uint64_t bytes, const char *request_id,
                    ferry_err *err);

#endif
