/* fuzz_prog.c - libFuzzer target: any bytes as a program (the first byte
 * says how many of the rest are instructions; the remainder is the data)
 * are either refused at load or run in checked mode without crashing.
 *
 * The program runs against real maps, so that hostile programs against the
 * maps' internals are found by fuzzing: a hash, an array, an LRU hash, an
 * LPM trie, a ring buffer and a prog array are created for every input
 * (fresh maps: a crash reproduces from its input alone).  An LD_IMM64 with
 * BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE names one of them by id (the
 * input's imm, modulo the number of maps, picks which: any value names a
 * real map), and helper calls keep their ids, reduced to the helper range
 * (imm & 0xff), so that map helpers, ring buffer reservations, bpf_loop and
 * tail calls are reached.  The prog array holds the program itself in slot
 * 0 and a one-instruction program in slot 1.
 *
 * Expected finding until checked mode restricts map accesses to the bytes
 * of values (issue 7, item 1): a checked run may write anywhere in a map's
 * arena, hash chain links included, so this target finds crashes in the
 * hash code after a program corrupts a link. */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"

enum { M_HASH, M_ARRAY, M_LRU, M_LPM, M_RINGBUF, M_PROG_ARRAY, NMAPS };

static int make_maps(struct bpfrt_map **m)
{
    BPFRT_OPTS(bpfrt_map_create_opts, plain);
    BPFRT_OPTS(bpfrt_map_create_opts, lazy, .map_flags = BPF_F_NO_PREALLOC);
    uint32_t k = 1;
    uint64_t v = 7;
    struct {
        uint32_t prefixlen;
        uint8_t ip[4];
    } lk = {24, {10, 0, 0, 0}};

    memset(m, 0, NMAPS * sizeof(*m));
    if (bpfrt_map__create(BPF_MAP_TYPE_HASH, "hash", 4, 8, 16, &plain, &m[M_HASH]) ||
        bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "array", 4, 16, 4, &plain, &m[M_ARRAY]) ||
        bpfrt_map__create(BPF_MAP_TYPE_LRU_HASH, "lru", 8, 8, 16, &plain, &m[M_LRU]) ||
        bpfrt_map__create(BPF_MAP_TYPE_LPM_TRIE, "lpm", 8, 8, 16, &lazy, &m[M_LPM]) ||
        bpfrt_map__create(BPF_MAP_TYPE_RINGBUF, "ringbuf", 0, 0, 4096, &plain, &m[M_RINGBUF]) ||
        bpfrt_map__create(BPF_MAP_TYPE_PROG_ARRAY, "progs", 4, 4, 4, &plain, &m[M_PROG_ARRAY]))
        return -1;
    /* something to find: one element in each keyed map */
    bpfrt_map__update_elem(m[M_HASH], &k, 4, &v, 8, BPF_ANY);
    bpfrt_map__update_elem(m[M_LRU], &v, 8, &v, 8, BPF_ANY);
    bpfrt_map__update_elem(m[M_LPM], &lk, 8, &v, 8, BPF_ANY);
    return 0;
}

static void free_maps(struct bpfrt_map **m)
{
    for (int i = NMAPS - 1; i >= 0; i--)
        if (m[i])
            bpfrt_map__free(m[i]);
}

/* Make map references and helper calls name what exists. */
static void bind(struct bpf_insn *insns, size_t n, struct bpfrt_map **m)
{
    for (size_t i = 0; i < n; i++) {
        struct bpf_insn *in = &insns[i];

        if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
            (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE))
            in->imm = (int32_t)bpfrt_map__id(m[(uint32_t)in->imm % NMAPS]);
        else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0)
            in->imm &= 0xff;
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
            i++; /* the second slot is the upper half, not an instruction */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct bpf_insn one[2] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
        {.code = BPF_JMP | BPF_EXIT},
    };
    struct bpfrt_map *maps[NMAPS];
    struct bpfrt_prog *prog, *other = NULL;
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
    /* the disassembler must cope with anything (before binding: the
     * input's own bytes) */
    {
        char line[256];
        for (size_t i = 0; i < ninsn;) {
            int n = bpfrt_disasm_insn(insns, ninsn, i, line, sizeof(line));
            i += n > 0 ? (size_t)n : 1;
        }
    }
    if (make_maps(maps)) {
        free_maps(maps);
        free(insns);
        abort(); /* the fixed maps must always be creatable */
    }
    bind(insns, ninsn, maps);
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
    if (bpfrt_prog__load_insns(insns, ninsn, &lo, &prog) == 0) {
        uint32_t slot = 0, id = bpfrt_prog__id(prog);

        bpfrt_map__update_elem(maps[M_PROG_ARRAY], &slot, 4, &id, 4, BPF_ANY);
        if (bpfrt_prog__load_insns(one, 2, &lo, &other) == 0) {
            slot = 1;
            id = bpfrt_prog__id(other);
            bpfrt_map__update_elem(maps[M_PROG_ARRAY], &slot, 4, &id, 4, BPF_ANY);
        }
        dlen = size - ninsn * 8;
        copy = malloc(dlen + 1);
        if (copy) {
            memcpy(copy, data + ninsn * 8, dlen);
            BPFRT_OPTS(bpfrt_run_opts, ro, .data = dlen ? copy : NULL, .data_size = dlen,
                       .flags = BPFRT_RUN_CHECKED, .budget = 100000, .err_buf = errbuf, .err_size = sizeof(errbuf));
            bpfrt_prog__run(prog, &ro);
            free(copy);
        }
        /* the maps go before the programs the prog array holds */
        free_maps(maps);
        bpfrt_prog__free(prog);
        if (other)
            bpfrt_prog__free(other);
    } else {
        free_maps(maps);
    }
    free(insns);
    return 0;
}
