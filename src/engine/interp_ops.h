/* interp_ops.h - the interpreter's decoded instruction format, defined once.
 *
 * interp_prepare() turns each eBPF instruction into one struct interp_insn
 * holding the address of the handler that executes it (one per run
 * variant: fast and checked), its registers, offset, immediate, and
 * whatever the handler needs resolved ahead of time: the 64-bit constant
 * of LD_IMM64, the absolute target of a jump or bpf-to-bpf call, the
 * function of a helper call (resolved by the pipeline's fix-up stage) (bpf_tail_call, which replaces the running
 * program, has a handler of its own, TAIL_CALL, and no function).  Indexes
 * match the original program, so an error names the instruction the user
 * wrote; the second slot of an LD_IMM64 holds a handler that cannot be
 * reached.
 *
 * Handlers are named by INTERP_OPS; the enum and both label tables are
 * generated from it, so a handler cannot be forgotten.
 */
#ifndef BPFRT_INTERP_OPS_H
#define BPFRT_INTERP_OPS_H

#include <stdint.h>

#include "run.h"

/* clang-format off */
/* ALU operations with K (immediate) and X (register) sources, per width. */
#define INTERP_ALU(X, W)                                                                                               \
    X(ADD##W##_K) X(ADD##W##_X) X(SUB##W##_K) X(SUB##W##_X) X(MUL##W##_K) X(MUL##W##_X) X(DIV##W##_K) X(DIV##W##_X)    \
    X(SDIV##W##_K) X(SDIV##W##_X) X(MOD##W##_K) X(MOD##W##_X) X(SMOD##W##_K) X(SMOD##W##_X) X(OR##W##_K)             \
    X(OR##W##_X) X(AND##W##_K) X(AND##W##_X) X(LSH##W##_K) X(LSH##W##_X) X(RSH##W##_K) X(RSH##W##_X)                 \
    X(ARSH##W##_K) X(ARSH##W##_X) X(XOR##W##_K) X(XOR##W##_X) X(MOV##W##_K) X(MOV##W##_X)

/* Conditional jumps with K and X sources, per width (JMP 64, JMP32 32). */
#define INTERP_JCC(X, W)                                                                                               \
    X(JEQ##W##_K) X(JEQ##W##_X) X(JGT##W##_K) X(JGT##W##_X) X(JGE##W##_K) X(JGE##W##_X) X(JSET##W##_K)               \
    X(JSET##W##_X) X(JNE##W##_K) X(JNE##W##_X) X(JSGT##W##_K) X(JSGT##W##_X) X(JSGE##W##_K) X(JSGE##W##_X)           \
    X(JLT##W##_K) X(JLT##W##_X) X(JLE##W##_K) X(JLE##W##_X) X(JSLT##W##_K) X(JSLT##W##_X) X(JSLE##W##_K)             \
    X(JSLE##W##_X)

/* Atomic read-modify-write operations, per width (W 32, DW 64). */
#define INTERP_ATOMIC(X, W)                                                                                            \
    X(AADD##W) X(AOR##W) X(AAND##W) X(AXOR##W) X(AFADD##W) X(AFOR##W) X(AFAND##W) X(AFXOR##W) X(AXCHG##W)            \
    X(ACMPXCHG##W)

/* UNREACH first: a zero entry in a decode table means "no handler". */
#define INTERP_OPS(X)                                                                                                  \
    X(UNREACH)                                                                                                         \
    X(END)                                                                                                             \
    INTERP_ALU(X, 64) INTERP_ALU(X, 32)                                                                                \
    X(NEG64) X(NEG32) X(MOVSX64_8) X(MOVSX64_16) X(MOVSX64_32) X(MOVSX32_8) X(MOVSX32_16)                              \
    X(ZEXT16) X(ZEXT32) X(BSWAP16) X(BSWAP32) X(BSWAP64) X(NOP) X(LDIMM64)                                             \
    X(JA) INTERP_JCC(X, 64) INTERP_JCC(X, 32) X(CALL_HELPER) X(CALL_PSEUDO) X(EXIT)                                    \
    X(TAIL_CALL) X(CALL_CB) X(CALLX)                                                                                          \
    X(LDX_B) X(LDX_H) X(LDX_W) X(LDX_DW) X(LDXSX_B) X(LDXSX_H) X(LDXSX_W)                                              \
    X(ST_B) X(ST_H) X(ST_W) X(ST_DW) X(STX_B) X(STX_H) X(STX_W) X(STX_DW)                                              \
    INTERP_ATOMIC(X, 32) INTERP_ATOMIC(X, 64)                                                                          \
    X(LDACQ_B) X(LDACQ_H) X(LDACQ_W) X(LDACQ_DW) X(STREL_B) X(STREL_H) X(STREL_W) X(STREL_DW)                          \
    X(LDABS_B) X(LDABS_H) X(LDABS_W) X(LDIND_B) X(LDIND_H) X(LDIND_W)

/* clang-format on */

enum interp_op {
#define INTERP_X_ENUM(n) IOP_##n,
    INTERP_OPS(INTERP_X_ENUM)
#undef INTERP_X_ENUM
        IOP__COUNT
};

/* One decoded instruction: 32 bytes, two to a cache line. */
struct interp_insn {
    const void *lbl[2]; /* handler: [0] fast run, [1] checked run */
    union {
        uint64_t imm64;                /* LD_IMM64 */
        const struct interp_insn *tgt; /* jumps, bpf-to-bpf calls */
        rt_helper_fn fn;               /* helper calls */
    } u;
    int32_t imm;
    int16_t off;
    uint8_t dst, src;
};

struct interp_code {
    size_t cnt;                /* instructions, not counting the sentinel */
    const uint8_t *fn;         /* cnt: 1 at the function entries (isa_mark_fn_entries), which callx may call */
    struct interp_insn insn[]; /* cnt + 1: a sentinel IOP_END closes the array */
};

/* A bpf-to-bpf call's saved state (callee-saved r6-r9, r10, return;
 * the caller's code and maps, which a tail call from the callee replaces:
 * the program it calls returns here, to the caller). */
struct interp_frame {
    const struct interp_insn *ret, *base;
    uint64_t saved[4];
    uint64_t fp;
    struct bpfrt_map *const *maps;
    unsigned nmaps;
};

/* Kinds of memory access the checked run validates. */
enum interp_access { IA_READ, IA_WRITE, IA_RMW, IA_ACQ, IA_REL };

/* Checked run: is [addr, addr + size) inside the stack of the active
 * frames (depth = index of the current frame) or a region allowing the
 * access?  Returns 0, or -EFAULT with run's error set for pc. */
int interp_check_access(struct rt_run *run, unsigned depth, uint64_t addr, unsigned size, enum interp_access kind,
                        uint32_t pc);

#endif
