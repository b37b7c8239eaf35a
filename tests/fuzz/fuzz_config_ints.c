/*
 * fuzz_config_ints.c — util/config_ints.c over any text: never crashes,
 * reads nothing outside the text, and an error names the file and a line
 * within the text.
 */
#include "config_ints.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact length, no terminating NUL: a read past the end is ASan's */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    ferry_err err = FERRY_ERR_INIT;
    int rc = ferry_config_check_ints("fuzz.cfg", text, size, &err);
    if (rc) {
        if (rc != FERRY_ERR_CONFIG || strncmp(err.msg, "fuzz.cfg:", 9) != 0)
            abort();
        long line = strtol(err.msg + 9, NULL, 10);
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (line < 1 || (size_t)line > lines)
            abort();
    }
    free(text);
    return 0;
}
