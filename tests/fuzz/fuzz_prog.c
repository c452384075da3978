/* fuzz_prog.c - libFuzzer target: any bytes as a program (the first byte
 * says how many of the rest are instructions; the remainder is the data)
 * are either refused at load or run in checked mode without crashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bpfrt_prog *prog;
    char log[256], errbuf[256];
    size_t ninsn, dlen;
    struct bpf_insn *insns;
    uint8_t *copy;

    if (size < 1)
        return 0;
    ninsn = data[0];
    data++, size--;
    if (ninsn * 8 > size)
        ninsn = size / 8;
    insns = malloc(ninsn * 8 + 1);
    if (!insns)
        return 0;
    memcpy(insns, data, ninsn * 8);
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
    if (bpfrt_prog__load_insns(insns, ninsn, &lo, &prog) == 0) {
        dlen = size - ninsn * 8;
        copy = malloc(dlen + 1);
        if (copy) {
            memcpy(copy, data + ninsn * 8, dlen);
            BPFRT_OPTS(bpfrt_run_opts, ro, .data = dlen ? copy : NULL, .data_size = dlen,
                       .flags = BPFRT_RUN_CHECKED, .budget = 100000, .err_buf = errbuf, .err_size = sizeof(errbuf));
            bpfrt_prog__run(prog, &ro);
            free(copy);
        }
        bpfrt_prog__free(prog);
    }
    /* the disassembler must cope with anything as well */
    {
        char line[256];
        for (size_t i = 0; i < ninsn;) {
            int n = bpfrt_disasm_insn(insns, ninsn, i, line, sizeof(line));
            i += n > 0 ? (size_t)n : 1;
        }
    }
    free(insns);
    return 0;
}
