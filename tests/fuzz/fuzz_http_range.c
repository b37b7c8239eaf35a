/*
 * fuzz_http_range.c — the download server's Range header parser
 * (ferry_http_range, service/server.c). Input: 8 bytes of file size, then
 * the header. A partial answer must lie within the file and be non-empty.
 */
#include "fuzz_common.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t fsize = 0;
    memcpy(&fsize, data, 8);
    if (data[0] & 1)
        fsize &= 0xffff; /* small files too, where ranges are satisfiable */
    char *h = fz_strndup(data + 8, size - 8);
    uint64_t start = 0, len = 0;
    int rc = ferry_http_range(h, fsize, &start, &len);
    if (rc == FERRY_RANGE_PARTIAL) {
        if (len == 0 || start >= fsize || len > fsize - start)
            abort();
    } else if (rc != FERRY_RANGE_NONE && rc != FERRY_RANGE_UNSATISFIABLE) {
        abort();
    }
    free(h);
    return 0;
}
