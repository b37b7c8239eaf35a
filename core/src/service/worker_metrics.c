/* worker_metrics.c — one attempt's metrics and log fields (worker_metrics.h). */
#include "worker_metrics.h"

#include <stdio.h>
#include <string.h>

#include "log_fields.h"
#include "metrics.h"

void ferry_attempt_begin(const ferry_service *svc, const ferry_claim *c, ferry_attempt_info *info)
{
    memset(info, 0, sizeof *info);
    snprintf(info->format, sizeof info->format, "%s", c->format);
    if (c->attempt == 1 && c->wait_us >= 0)
        ferry_metrics_observe(svc->metrics, FM_EXPORT_WAIT, NULL, (double)c->wait_us / 1e6);
    ferry_request_fields(info->fields, sizeof info->fields, c->id, c->user_id, info->format,
                         c->attempt);
}

const char *ferry_outcome_name(ferry_outcome o)
{
    /* No default: the compiler names an outcome left out (-Wswitch). */
    switch (o) {
    case FERRY_OUTCOME_COMPLETED:
        return "completed";
    case FERRY_OUTCOME_FAILED:
        return "failed";
    case FERRY_OUTCOME_RETRIED:
        return "retried";
    case FERRY_OUTCOME_RELEASED:
        return "released";
    case FERRY_OUTCOME_LOST:
        return "lost";
    case FERRY_OUTCOME_DEFERRED:
        return "deferred";
    case FERRY_OUTCOME_DEFERRED_CONFIG:
        return "deferred_config";
    }
    return "unknown";
}

void ferry_attempt_end(const ferry_service *svc, const ferry_attempt_info *info,
                       ferry_outcome outcome)
{
    const char *fmt = ferry_metrics_format(info->format);
    ferry_metrics *m = svc->metrics;
    ferry_metrics_add(m, FM_EXPORTS, fmt, ferry_outcome_name(outcome), 1);
    ferry_metrics_observe(m, FM_EXPORT_DURATION, fmt, info->seconds);
    if (outcome == FERRY_OUTCOME_RETRIED)
        ferry_metrics_add(m, FM_RETRIES, NULL, NULL, 1);
    if (outcome != FERRY_OUTCOME_COMPLETED)
        return;
    ferry_metrics_add(m, FM_EXPORT_ROWS, fmt, NULL, (double)info->rows);
    ferry_metrics_add(m, FM_EXPORT_BYTES, fmt, NULL, (double)info->bytes);
}
