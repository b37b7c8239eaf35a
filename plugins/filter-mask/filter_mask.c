/*
 * filter_mask.c — filter-mask: for exports that leave the company,
 * replaces chosen columns by a fixed text (redact) or by the HMAC-SHA-256
 * of the value's canonical text under a configured key (hash), in hex.
 * Masked columns become strings; nulls stay null. Equal values hash
 * equally under one key, so a masked column still groups and joins.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ferry/ferry.h"
#include "fvalue.h"

typedef struct mask_config {
    ferry_strlist redact;
    ferry_strlist hash;
    const char *key;
    const char *redact_text;
    int redact_null;
    int64_t hash_length;
} mask_config;

enum { KEEP = 0, REDACT = 1, HASH = 2 };

typedef struct mask_state {
    ferry_ctx *fx;
    const ferry_host *host;
    const mask_config *cfg;
    ferry_schema schema;
    ferry_column *columns; /* owned */
    int *action;           /* per column; owned */
} mask_state;

static void release(mask_state *s)
{
    if (s->columns)
        s->host->free(s->fx, s->columns);
    if (s->action)
        s->host->free(s->fx, s->action);
    s->columns = NULL;
    s->action = NULL;
}

static void mask_destroy(void *state)
{
    mask_state *s = state;
    if (!s)
        return;
    release(s);
    s->host->free(s->fx, s);
}

static int mask_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    const mask_config *cfg = config;
    mask_state *s = host->alloc(fx, sizeof *s);
    if (!s)
        return host->error(fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->fx = fx;
    s->host = host;
    s->cfg = cfg;
    *state = s;
    if (cfg->redact.n == 0 && cfg->hash.n == 0)
        return host->error(fx, FERRY_ERR_CONFIG, "give option redact or hash (or both)");
    if (cfg->hash.n && (!cfg->key || strlen(cfg->key) < 16))
        return host->error(fx, FERRY_ERR_CONFIG,
                           "option key: hashing needs a key of at least 16 characters");
    if (cfg->hash_length < 8 || cfg->hash_length > 64)
        return host->error(fx, FERRY_ERR_CONFIG, "option hash_length: %lld is not between 8 and 64",
                           (long long)cfg->hash_length);
    for (size_t i = 0; i < cfg->redact.n; i++)
        for (size_t k = 0; k < cfg->hash.n; k++)
            if (strcmp(cfg->redact.items[i], cfg->hash.items[k]) == 0)
                return host->error(fx, FERRY_ERR_CONFIG, "column \"%s\" is in both redact and hash",
                                   cfg->redact.items[i]);
    return 0;
}

static int mark(mask_state *s, const ferry_schema *in, const ferry_strlist *list, const char *opt,
                int action)
{
    for (size_t i = 0; i < list->n; i++) {
        uint32_t c;
        for (c = 0; c < in->ncolumns; c++)
            if (strcmp(in->columns[c].name, list->items[i]) == 0)
                break;
        if (c == in->ncolumns)
            return s->host->error(s->fx, FERRY_ERR_CONFIG,
                                  "option %s: no column \"%s\" in the input", opt, list->items[i]);
        s->action[c] = action;
        s->columns[c].type = FERRY_TYPE_STRING;
        s->columns[c].flags = 0; /* plain text now, never a JSON document */
    }
    return 0;
}

static int mask_open(void *state, const ferry_schema *in, const ferry_schema **out)
{
    mask_state *s = state;
    release(s);
    uint32_t n = in->ncolumns ? in->ncolumns : 1;
    s->columns = s->host->alloc(s->fx, n * sizeof *s->columns);
    s->action = s->host->alloc(s->fx, n * sizeof *s->action);
    if (!s->columns || !s->action)
        return s->host->error(s->fx, FERRY_ERR_NOMEM, "out of memory");
    memset(s->action, 0, n * sizeof *s->action);
    if (in->ncolumns)
        memcpy(s->columns, in->columns, in->ncolumns * sizeof *s->columns);
    int rc = mark(s, in, &s->cfg->redact, "redact", REDACT);
    if (!rc)
        rc = mark(s, in, &s->cfg->hash, "hash", HASH);
    if (rc)
        return rc;
    s->schema.ncolumns = in->ncolumns;
    s->schema.columns = s->columns;
    *out = &s->schema;
    return 0;
}

static int mask_process(void *state, const ferry_batch *in, ferry_batch *out)
{
    mask_state *s = state;
    const mask_config *cfg = s->cfg;
    static const char hex[] = "0123456789abcdef";
    uint32_t ncol = s->schema.ncolumns;
    for (uint32_t r = 0; r < in->nrows; r++) {
        int64_t row = s->host->batch_add_row(out);
        if (row < 0)
            return s->host->error(s->fx, FERRY_ERR, "output batch full");
        for (uint32_t c = 0; c < ncol; c++) {
            const ferry_value *v = ferry_batch_at(in, r, c);
            ferry_value *o = ferry_batch_at(out, (uint32_t)row, c);
            if (s->action[c] == KEEP) {
                *o = *v;
            } else if (ferry_value_is_null(v)) {
                ferry_value_set_null(o);
            } else if (s->action[c] == REDACT) {
                if (cfg->redact_null)
                    ferry_value_set_null(o);
                else
                    ferry_value_set_ref(o, FERRY_TYPE_STRING, cfg->redact_text,
                                        (uint32_t)strlen(cfg->redact_text));
            } else {
                char buf[64], text[65];
                size_t len;
                const char *t = fv_text(v, buf, sizeof buf, &len);
                unsigned char md[EVP_MAX_MD_SIZE];
                unsigned mdlen = 0;
                if (!HMAC(EVP_sha256(), cfg->key, (int)strlen(cfg->key), (const unsigned char *)t,
                          len, md, &mdlen))
                    return s->host->error(s->fx, FERRY_ERR, "HMAC-SHA-256 failed");
                for (unsigned k = 0; k < mdlen && k < 32; k++) {
                    text[2 * k] = hex[md[k] >> 4];
                    text[2 * k + 1] = hex[md[k] & 15];
                }
                int rc = s->host->batch_set_bytes(out, (uint32_t)row, c, FERRY_TYPE_STRING, text,
                                                  (size_t)cfg->hash_length);
                if (rc)
                    return s->host->error(s->fx, rc, "out of memory for a hashed value");
            }
        }
    }
    return 0;
}

static void mask_close(void *state)
{
    (void)state;
}

static const ferry_option mask_options[] = {
    FERRY_OPTION("redact", FERRY_OPT_LIST, 0, NULL, NULL, mask_config, redact,
                 "columns replaced by redact_text (or null with redact_null)", "description"),
    FERRY_OPTION("hash", FERRY_OPT_LIST, 0, NULL, NULL, mask_config, hash,
                 "columns replaced by the hex HMAC-SHA-256 of their canonical text under key",
                 "project"),
    FERRY_OPTION("key", FERRY_OPT_STRING, FERRY_OPT_SECRET, NULL, NULL, mask_config, key,
                 "the HMAC key (at least 16 characters); needed with hash",
                 "check-example-key-0123456789"),
    FERRY_OPTION("redact_text", FERRY_OPT_STRING, 0, "REDACTED", NULL, mask_config, redact_text,
                 "the text a redacted value becomes", NULL),
    FERRY_OPTION("redact_null", FERRY_OPT_BOOL, 0, "false", NULL, mask_config, redact_null,
                 "redacted values become null instead of redact_text", NULL),
    FERRY_OPTION("hash_length", FERRY_OPT_INT, 0, "64", NULL, mask_config, hash_length,
                 "hex digits of the hash kept (8 to 64)", NULL),
    {0},
};

static const ferry_filter_ops mask_ops = {mask_open, mask_process, mask_close};

static const ferry_plugin_descriptor mask_plugin = {
    FERRY_PLUGIN_HEADER,
    FERRY_KIND_FILTER,
    "filter-mask",
    "1.0.0",
    "redacts columns or replaces them by a keyed HMAC-SHA-256 hash",
    mask_options,
    sizeof(mask_config),
    0,
    0,
    NULL,
    NULL,
    mask_init,
    mask_destroy,
    NULL,
    &mask_ops,
    NULL,
    NULL,
    NULL};
FERRY_PLUGIN_DEFINE(mask_plugin)
