/* audit.c — export_audit_logs rows and export_usage_stats counters. */
#include "audit.h"

#include <string.h>

int ferry_audit_write(ferry_db *db, const char *request_id, int64_t user_id, const char *action,
                      const char *ip, const char *user_agent, const char *additional_json,
                      ferry_err *err)
{
    char id[33];
    fdb_uuid_hex(id);
    fdb_param p[] = {fdb_str(id),
                     fdb_str(request_id),
                     fdb_i64(user_id),
                     fdb_str(action),
                     fdb_str(ip ? ip : ""),
                     fdb_str(user_agent ? user_agent : ""),
                     fdb_str(additional_json && *additional_json ? additional_json : "{}")};
    return fdb_exec(db,
                    "INSERT INTO export_audit_logs (id, export_request_id, user_id, action, "
                    "ip_address, user_agent, additional_data, timestamp) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, NOW(6))",
                    p, sizeof p / sizeof p[0], NULL, err);
}

int ferry_usage_add(ferry_db *db, int64_t user_id, const char *finished_at, const char *format,
                    int failed, uint64_t records, uint64_t bytes, const char *request_id,
                    ferry_err *err)
{
    char id[33];
    fdb_uuid_hex(id);
    if (failed) {
        fdb_param p[] = {fdb_str(id), fdb_i64(user_id), fdb_str(finished_at)};
        return fdb_exec(db,
                        "INSERT INTO export_usage_stats (id, user_id, date, total_exports, "
                        "csv_exports, json_exports, pdf_exports, excel_exports, "
                        "total_records_exported, total_file_size, avg_processing_time, "
                        "failed_exports, created_at, updated_at) "
                        "VALUES (?, ?, DATE(COALESCE(?, NOW(6))), 0, 0, 0, 0, 0, 0, 0, NULL, 1, "
                        "NOW(6), NOW(6)) "
                        "ON DUPLICATE KEY UPDATE failed_exports = failed_exports + 1, "
                        "updated_at = NOW(6)",
                        p, 3, NULL, err);
    }
    int64_t csv = strcmp(format, "csv") == 0, json = strcmp(format, "json") == 0,
            pdf = strcmp(format, "pdf") == 0, excel = strcmp(format, "excel") == 0;
    fdb_param p[] = {fdb_str(id),
                     fdb_i64(user_id),
                     fdb_str(finished_at),
                     fdb_i64(csv),
                     fdb_i64(json),
                     fdb_i64(pdf),
                     fdb_i64(excel),
                     fdb_i64((int64_t)records),
                     fdb_i64((int64_t)bytes),
                     fdb_str(request_id ? request_id : "")};
    /* The processing time is read from the request's row by this statement
     * (no SELECT of its own): completed_at, set by the caller's UPDATE in
     * the same transaction, less started_at (created_at if unset); 0 if
     * unknown. MySQL evaluates ON DUPLICATE KEY assignments left to right:
     * the average uses the old total_exports, so it comes first. */
    return fdb_exec(db,
                    "INSERT INTO export_usage_stats (id, user_id, date, total_exports, "
                    "csv_exports, json_exports, pdf_exports, excel_exports, "
                    "total_records_exported, total_file_size, avg_processing_time, "
                    "failed_exports, created_at, updated_at) "
                    "VALUES (?, ?, DATE(COALESCE(?, NOW(6))), 1, ?, ?, ?, ?, ?, ?, "
                    "COALESCE((SELECT TIMESTAMPDIFF(MICROSECOND, "
                    "COALESCE(r.started_at, r.created_at), r.completed_at) "
                    "FROM export_requests r WHERE r.id = ?), 0), 0, NOW(6), NOW(6)) "
                    "ON DUPLICATE KEY UPDATE "
                    "avg_processing_time = (COALESCE(avg_processing_time, 0) * total_exports + "
                    "VALUES(avg_processing_time)) DIV (total_exports + 1), "
                    "total_exports = total_exports + 1, "
                    "csv_exports = csv_exports + VALUES(csv_exports), "
                    "json_exports = json_exports + VALUES(json_exports), "
                    "pdf_exports = pdf_exports + VALUES(pdf_exports), "
                    "excel_exports = excel_exports + VALUES(excel_exports), "
                    "total_records_exported = total_records_exported + "
                    "VALUES(total_records_exported), "
                    "total_file_size = total_file_size + VALUES(total_file_size), "
                    "updated_at = NOW(6)",
                    p, sizeof p / sizeof p[0], NULL, err);
}
