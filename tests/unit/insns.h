/* insns.h - instruction-building macros for tests.
 *
 * Each macro expands to a brace initializer of struct bpf_insn, for use in
 * array initializers:
 *
 *     struct bpf_insn prog[] = {
 *         INSN_MOV64_IMM(BPF_REG_0, 1),
 *         INSN_LDIMM64(BPF_REG_1, 0x0102030405060708ull),   // two slots
 *         INSN_EXIT(),
 *     };
 *
 * or, as one value, with a cast: (struct bpf_insn)INSN_EXIT().  Except
 * INSN_LDIMM64*, which produce two slots.  Opcode constants come from
 * linux/bpf.h; the cpu v4 ones missing from older headers are defined
 * here under #ifndef with their RFC 9669 values.  Self-contained: only
 * needs linux/bpf.h and stdint.h.
 */
#ifndef BPFRT_TESTS_INSNS_H
#define BPFRT_TESTS_INSNS_H

#include <linux/bpf.h>
#include <stdint.h>

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110
#endif

/* Any instruction, field by field. */
#define INSN_RAW(CODE, DST, SRC, OFF, IMM)                                                                             \
    {                                                                                                                  \
        .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (int16_t)(OFF), .imm = (int32_t)(IMM)               \
    }

/* ALU: OP is BPF_ADD, BPF_SUB, ... ; IMM forms use BPF_K, REG forms BPF_X. */
#define INSN_ALU64_IMM(OP, DST, IMM) INSN_RAW(BPF_ALU64 | (OP) | BPF_K, DST, 0, 0, IMM)
#define INSN_ALU64_REG(OP, DST, SRC) INSN_RAW(BPF_ALU64 | (OP) | BPF_X, DST, SRC, 0, 0)
#define INSN_ALU32_IMM(OP, DST, IMM) INSN_RAW(BPF_ALU | (OP) | BPF_K, DST, 0, 0, IMM)
#define INSN_ALU32_REG(OP, DST, SRC) INSN_RAW(BPF_ALU | (OP) | BPF_X, DST, SRC, 0, 0)
/* Signed division and modulo (cpu v4): OP is BPF_DIV or BPF_MOD, off = 1. */
#define INSN_SALU64_IMM(OP, DST, IMM) INSN_RAW(BPF_ALU64 | (OP) | BPF_K, DST, 0, 1, IMM)
#define INSN_SALU64_REG(OP, DST, SRC) INSN_RAW(BPF_ALU64 | (OP) | BPF_X, DST, SRC, 1, 0)
#define INSN_SALU32_IMM(OP, DST, IMM) INSN_RAW(BPF_ALU | (OP) | BPF_K, DST, 0, 1, IMM)
#define INSN_SALU32_REG(OP, DST, SRC) INSN_RAW(BPF_ALU | (OP) | BPF_X, DST, SRC, 1, 0)

#define INSN_MOV64_IMM(DST, IMM) INSN_ALU64_IMM(BPF_MOV, DST, IMM)
#define INSN_MOV64_REG(DST, SRC) INSN_ALU64_REG(BPF_MOV, DST, SRC)
#define INSN_MOV32_IMM(DST, IMM) INSN_ALU32_IMM(BPF_MOV, DST, IMM)
#define INSN_MOV32_REG(DST, SRC) INSN_ALU32_REG(BPF_MOV, DST, SRC)
/* movsx (cpu v4): sign-extend the low BITS (8, 16, 32 for 64-bit; 8, 16 for 32-bit). */
#define INSN_MOVSX64(DST, SRC, BITS) INSN_RAW(BPF_ALU64 | BPF_MOV | BPF_X, DST, SRC, BITS, 0)
#define INSN_MOVSX32(DST, SRC, BITS) INSN_RAW(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, BITS, 0)
#define INSN_NEG64(DST) INSN_RAW(BPF_ALU64 | BPF_NEG, DST, 0, 0, 0)
#define INSN_NEG32(DST) INSN_RAW(BPF_ALU | BPF_NEG, DST, 0, 0, 0)

/* Byte order: ORDER is BPF_TO_LE or BPF_TO_BE; BITS 16, 32 or 64.
 * INSN_BSWAP is the unconditional BPF_ALU64 | BPF_END swap (cpu v4). */
#define INSN_ENDIAN(ORDER, DST, BITS) INSN_RAW(BPF_ALU | BPF_END | (ORDER), DST, 0, 0, BITS)
#define INSN_BSWAP(DST, BITS) INSN_RAW(BPF_ALU64 | BPF_END | BPF_TO_LE, DST, 0, 0, BITS)

/* 64-bit constant: two slots. */
#define INSN_LDIMM64_RAW(DST, SRC, LO, HI)                                                                             \
    INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, DST, SRC, 0, LO), INSN_RAW(0, 0, 0, 0, HI)
#define INSN_LDIMM64(DST, VAL) INSN_LDIMM64_RAW(DST, 0, (uint32_t)(uint64_t)(VAL), (uint32_t)((uint64_t)(VAL) >> 32))

/* Memory.  SIZE is BPF_B, BPF_H, BPF_W or BPF_DW. */
#define INSN_LDX(SIZE, DST, SRC, OFF) INSN_RAW(BPF_LDX | BPF_MEM | (SIZE), DST, SRC, OFF, 0)
#define INSN_LDXSX(SIZE, DST, SRC, OFF) INSN_RAW(BPF_LDX | BPF_MEMSX | (SIZE), DST, SRC, OFF, 0)
#define INSN_ST_IMM(SIZE, DST, OFF, IMM) INSN_RAW(BPF_ST | BPF_MEM | (SIZE), DST, 0, OFF, IMM)
#define INSN_STX(SIZE, DST, SRC, OFF) INSN_RAW(BPF_STX | BPF_MEM | (SIZE), DST, SRC, OFF, 0)
/* Atomics: OP is BPF_ADD, BPF_OR, BPF_AND, BPF_XOR (optionally | BPF_FETCH),
 * BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ or BPF_STORE_REL.  The address is
 * DST + OFF, except for BPF_LOAD_ACQ (DST = *(SRC + OFF)). */
#define INSN_ATOMIC(SIZE, OP, DST, SRC, OFF) INSN_RAW(BPF_STX | BPF_ATOMIC | (SIZE), DST, SRC, OFF, OP)
#define INSN_LOAD_ACQ(SIZE, DST, SRC, OFF) INSN_ATOMIC(SIZE, BPF_LOAD_ACQ, DST, SRC, OFF)
#define INSN_STORE_REL(SIZE, DST, SRC, OFF) INSN_ATOMIC(SIZE, BPF_STORE_REL, DST, SRC, OFF)
/* Legacy packet loads: r0 = ntoh(*(packet + IMM)) or (packet + SRC + IMM). */
#define INSN_LD_ABS(SIZE, IMM) INSN_RAW(BPF_LD | BPF_ABS | (SIZE), 0, 0, 0, IMM)
#define INSN_LD_IND(SIZE, SRC, IMM) INSN_RAW(BPF_LD | BPF_IND | (SIZE), 0, SRC, 0, IMM)

/* Jumps: OP is BPF_JEQ, BPF_JGT, ...; OFF relative to the next insn. */
#define INSN_JMP_IMM(OP, DST, IMM, OFF) INSN_RAW(BPF_JMP | (OP) | BPF_K, DST, 0, OFF, IMM)
#define INSN_JMP_REG(OP, DST, SRC, OFF) INSN_RAW(BPF_JMP | (OP) | BPF_X, DST, SRC, OFF, 0)
#define INSN_JMP32_IMM(OP, DST, IMM, OFF) INSN_RAW(BPF_JMP32 | (OP) | BPF_K, DST, 0, OFF, IMM)
#define INSN_JMP32_REG(OP, DST, SRC, OFF) INSN_RAW(BPF_JMP32 | (OP) | BPF_X, DST, SRC, OFF, 0)
#define INSN_JA(OFF) INSN_RAW(BPF_JMP | BPF_JA, 0, 0, OFF, 0)
#define INSN_GOTOL(IMM) INSN_RAW(BPF_JMP32 | BPF_JA, 0, 0, 0, IMM) /* 32-bit offset (cpu v4) */

/* Calls: a helper by id (BPF_FUNC_*), a bpf-to-bpf call (IMM relative to
 * the next insn), a kfunc by BTF id. */
#define INSN_CALL(ID) INSN_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, ID)
#define INSN_CALL_PSEUDO(IMM) INSN_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, IMM)
#define INSN_CALL_KFUNC(ID) INSN_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, ID)
#define INSN_EXIT() INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Number of elements of an array. */
#define INSNS_CNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
