/* fuzz_jepsen.c -- libFuzzer target: bytes into the Jepsen history reader
 * (EDN op maps and jepsen.util log lines); a history it accepts also goes
 * through the linearizability checker, on a small budget (200 ms, 64 MiB),
 * so whatever the reader lets through is something the checker survives.
 *
 *   ./build-fuzz/fuzz_jepsen -max_total_time=20 CORPUS_COPY/
 * Seeds: fuzz/corpus/jepsen/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jepsen_history.h"
#include "linear.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SB_ERR_LEN];
    sb_history *h = jepsen_history_parse("fuzz.edn", (const char *)data, size, err);
    if (!h) {
        if (memchr(err, '\0', SB_ERR_LEN) == NULL)
            __builtin_trap(); /* the error must be one terminated line */
        return 0;
    }
    if (h->n == 0)
        __builtin_trap(); /* a history without ops is an error, never empty */
    for (size_t i = 0; i < h->n; i++) {
        const sb_op *op = &h->ops[i];
        if (op->index != (int64_t)i || (unsigned)op->type > SB_OP_INFO || op->f[0] == '\0' ||
            (op->process < 0 && op->process != SB_PROC_NEMESIS))
            __builtin_trap();
        if (op->value) { /* every value must be JSON the reports can write */
            char *s = json_dumps(op->value, JSON_COMPACT | JSON_ENCODE_ANY);
            if (!s)
                __builtin_trap();
            free(s);
        }
    }
    sb_linear_budget budget = {.time_ns = 200 * SB_NS_PER_MS, .mem_bytes = 64ULL << 20};
    sb_linear_result r;
    if (linear_check(h, &budget, &r, err) == 0)
        linear_result_free(&r);
    history_free(h);
    return 0;
}
