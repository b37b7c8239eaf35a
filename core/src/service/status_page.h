/*
 * status_page.h — `ferry serve`'s /status: one server-rendered HTML page
 * (no script, a meta refresh) for operators: requests by status, running
 * requests with progress and worker, recent failures with their reasons,
 * schedules with their next run in their own zone, and each user's exports
 * over 14 days as small inline SVG charts. It never shows a download URL,
 * token, file path or secret.
 *
 * Access: a client whose address is in `status.allow` (CIDRs; default
 * loopback only), or one presenting `Authorization: Bearer <status.token>`.
 */
#ifndef FERRY_CORE_STATUS_PAGE_H
#define FERRY_CORE_STATUS_PAGE_H

#include <stddef.h>

#include "db.h"
#include "error.h"

/* 1 when `ip` (text, v4 or v6; NULL: none) is in the comma- or space-separated CIDR
 * list `allow` (NULL: "127.0.0.0/8, ::1"), or `authorization` is "Bearer
 * <token>" with a non-empty token. */
int ferry_status_allowed(const char *ip, const char *authorization, const char *allow,
                         const char *token);

/* Renders the page from `db`; `site_tz` names the zone of recurring
 * requests. *html malloc'd. */
int ferry_status_render(ferry_db *db, const char *site_tz, char **html, size_t *len,
                        ferry_err *err);

#endif
