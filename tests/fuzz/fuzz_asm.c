/* fuzz_asm.c - libFuzzer target: the assembler on any text must return 0 or
 * -EINVAL, and what it assembles must disassemble and assemble back to the
 * same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[256];
    struct bpf_insn *insns = NULL, *again = NULL;
    size_t cnt = 0, cnt2 = 0;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (bpfrt_asm(text, &insns, &cnt, err, sizeof(err)) == 0) {
        /* round trip through the disassembler */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f) {
            bpfrt_disasm(insns, cnt, f, 1);
            fclose(f);
            if (bpfrt_asm(buf, &again, &cnt2, err, sizeof(err)) != 0 || cnt2 != cnt ||
                memcmp(insns, again, cnt * sizeof(*insns)))
                abort();
            free(again);
            free(buf);
        }
        free(insns);
    }
    free(text);
    return 0;
}
