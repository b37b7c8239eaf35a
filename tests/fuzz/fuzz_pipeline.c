/*
 * fuzz_pipeline.c — a pipeline config from any text: libconfig parsing,
 * the 32-bit integer check, `--set` overrides and building every step
 * with its plugin's option table (engine/pipeline.c, options.c,
 * instance.c), with the plugins of the build tree.
 * Input: the config text, optionally followed by a NUL and up to four
 * "path=value" overrides separated by newlines.
 * Invariants: a failure is one line with a ferry error code (never a
 * crash, leak or hang); a refused config frees everything.
 */
#include "fuzz_common.h"
#include "log.h"
#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    size_t cfg_len = 0;
    while (cfg_len < size && data[cfg_len])
        cfg_len++;
    const char *path = fz_memfile(data, cfg_len);
    char *sets = fz_strndup(data + (cfg_len < size ? cfg_len + 1 : size),
                            cfg_len < size ? size - cfg_len - 1 : 0);
    static const ferry_log log = {-1, "fuzz"};
    ferry_err err = FERRY_ERR_INIT;
    ferry_pipeline *p = NULL;
    int rc = ferry_pipeline_parse(&p, path, &err);
    char *save = NULL;
    for (char *line = strtok_r(sets, "\n", &save); rc == 0 && line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        rc = ferry_pipeline_set(p, line, eq + 1, "--set", &err);
    }
    if (rc == 0)
        rc = ferry_pipeline_build(p, NULL, NULL, &log, &err);
    if (rc != 0 && (rc > 0 || !err.msg[0] || strchr(err.msg, '\n')))
        abort();
    ferry_pipeline_free(p);
    free(sets);
    return 0;
}
