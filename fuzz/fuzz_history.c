/* fuzz_history.c -- libFuzzer target: bytes into the native JSONL history
 * reader (history_parse, the code history_load runs on a file).
 *
 *   ./build-fuzz/fuzz_history -max_total_time=20 CORPUS_COPY/
 * Seeds: fuzz/corpus/history/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "history.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SB_ERR_LEN];
    sb_history *h = history_parse("fuzz.jsonl", (const char *)data, size, err);
    if (h) {
        /* Touch what the checkers read, so ASan sees every op. */
        size_t sum = 0;
        for (size_t i = 0; i < h->n; i++)
            sum += strlen(h->ops[i].f) + strlen(h->ops[i].node) +
                   (h->ops[i].error ? strlen(h->ops[i].error) : 0);
        (void)sum;
        history_free(h);
    } else if (memchr(err, '\0', SB_ERR_LEN) == NULL) {
        __builtin_trap(); /* the error must be one terminated line */
    }
    return 0;
}
