/*
 * fuzz_token_path.c — download tokens (service/token.c) and the store's
 * path confinement (store/artifacts.c ferry_store_relpath).
 * Input: 8 bytes of "now", then NUL-separated secret, request id, token,
 * file path. Invariants:
 *  - a token the fuzzer wrote is accepted only if it is exactly the token
 *    ferry_token_make gives for that id and its expiry (no other spelling);
 *  - a made token checks, for its id only, and any one changed byte of it
 *    is refused;
 *  - a relative path accepted beneath the store has no empty, "." or ".."
 *    component and does not start with '/'.
 */
#include <inttypes.h>

#include "artifacts.h"
#include "fuzz_common.h"
#include "token.h"

static void check_rel(const char *rel)
{
    if (rel[0] == '/' || !rel[0])
        abort();
    for (const char *c = rel;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t)(e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            abort();
        if (!e)
            break;
        c = e + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    int64_t now = 0;
    memcpy(&now, data, 8);
    char *p[4];
    fz_split(data + 8, size - 8, p, 4);
    const char *secret = p[0], *id = p[1], *tok = p[2], *path = p[3];
    ferry_err err = FERRY_ERR_INIT;
    int64_t exp = -1;

    /* the fuzzer's own token */
    int rc = ferry_token_check(secret, id, tok, now, &exp, &err);
    if (rc == 0 || rc == FERRY_ERR_TOKEN_EXPIRED) {
        char good[FERRY_TOKEN_MAX];
        if (ferry_token_make(secret, id, exp, good, sizeof good, &err) || strcmp(good, tok) != 0)
            abort(); /* accepted a token ferry never made */
        if (rc == 0 && !(now < exp))
            abort();
    } else if (rc != FERRY_ERR_DENIED) {
        abort();
    }

    /* a made token for the fuzzer's id and secret */
    int64_t e = now == INT64_MIN ? 0 : now < 0 ? -now : now;
    char made[FERRY_TOKEN_MAX];
    if (ferry_token_make(secret, id, e, made, sizeof made, &err) == 0) {
        if (ferry_token_check(secret, id, made, e - 1, NULL, &err) != 0 && e > 0)
            abort();
        if (e > 0 && ferry_token_check(secret, id, made, e, NULL, &err) != FERRY_ERR_TOKEN_EXPIRED)
            abort();
        size_t n = strlen(made), at = (size_t)(now & 0x7fffffff) % n;
        char bad[FERRY_TOKEN_MAX];
        memcpy(bad, made, n + 1);
        bad[at] = bad[at] == 'A' ? 'B' : 'A';
        if (strcmp(bad, made) != 0 && ferry_token_check(secret, id, bad, 0, NULL, &err) == 0)
            abort();
        if (strcmp(id, tok) != 0 && tok[0] &&
            ferry_token_check(secret, tok, made, 0, NULL, &err) == 0)
            abort(); /* the token of one request opens another */
        char *url = NULL;
        if (ferry_download_url("https://x.example/", secret, id, e, &url, &err) == 0) {
            if (strpbrk(url, " \r\n\"<>"))
                abort(); /* the id is percent-encoded */
        }
        free(url);
    }

    /* an expiry from any TTL: never overflows, never before now */
    int64_t ttl = 0;
    memcpy(&ttl, data, 8);
    int64_t ex = ferry_token_expiry(e, ttl ^ 0x5a5a5a5a5a5a5a5aLL, 0);
    if (ex < e)
        abort();

    /* paths beneath the store */
    char rel[4096];
    if (ferry_store_relpath("/srv/ferry/store", "/data/store", path, rel, sizeof rel) == 0)
        check_rel(rel);
    if (ferry_store_relpath(secret[0] == '/' ? secret : "/s", NULL, path, rel, 64) == 0)
        check_rel(rel);

    for (int i = 0; i < 4; i++)
        free(p[i]);
    return 0;
}
