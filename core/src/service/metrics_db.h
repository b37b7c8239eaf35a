/*
 * metrics_db.h — the gauges read from the database when /metrics is
 * scraped: requests by status and the age of the oldest pending request,
 * each one index range read on export_requests (status, created_at), never
 * a scan of the table; and ferry_database_up.
 */
#ifndef FERRY_CORE_METRICS_DB_H
#define FERRY_CORE_METRICS_DB_H

#include <stdio.h>

#include "db.h"

/* Writes the gauges read through `db` (NULL or failing: database_up 0).
 * Returns 0 when the database answered. */
int ferry_metrics_db_write(ferry_db *db, FILE *f);

#endif
