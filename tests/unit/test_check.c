/* test_check.c - isa_check_prog(): what encodings and programs are refused,
 * with the instruction index and the reason (RFC 9669 sections 3-5, the
 * kernel's reserved-field checks in do_check()). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"
#include "insns.h"

#define MAXI 8

struct bad_case {
    const char *name;
    struct bpf_insn insns[MAXI];
    size_t cnt;
    size_t idx;      /* the instruction the log must name */
    const char *why; /* a substring of the reason */
};

#define X_ INSN_EXIT()
#define R0 INSN_MOV64_IMM(0, 0)
/* a bad instruction at index 1, between r0 = 0 and exit */
#define AT1(name, bad, why)                                                                                            \
    {                                                                                                                  \
        name, {R0, bad, X_}, 3, 1, why                                                                                 \
    }

static const struct bad_case bad_cases[] = {
    /* ALU reserved fields */
    AT1("alu K with src_reg", INSN_RAW(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1),
        "immediate uses reserved field src_reg"),
    AT1("alu32 K with src_reg", INSN_RAW(BPF_ALU | BPF_XOR | BPF_K, 0, 3, 0, 1),
        "immediate uses reserved field src_reg"),
    AT1("alu X with imm", INSN_RAW(BPF_ALU64 | BPF_SUB | BPF_X, 0, 1, 0, 7), "register source uses reserved field imm"),
    AT1("alu with off", INSN_RAW(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 1, 1), "ALU uses reserved field off"),
    AT1("alu32 lsh with off", INSN_RAW(BPF_ALU | BPF_LSH | BPF_X, 0, 1, 3, 0), "ALU uses reserved field off"),
    AT1("div with off 2", INSN_RAW(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 2, 1), "division offset 2"),
    AT1("mod with off -1", INSN_RAW(BPF_ALU | BPF_MOD | BPF_X, 0, 1, -1, 0), "division offset -1"),
    AT1("movsx with K", INSN_RAW(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 8, 1), "mov offset 8"),
    AT1("movsx64 width 24", INSN_MOVSX64(0, 1, 24), "mov offset 24"),
    AT1("movsx32 width 32", INSN_MOVSX32(0, 1, 32), "mov offset 32"),
    AT1("neg with imm", INSN_RAW(BPF_ALU64 | BPF_NEG, 0, 0, 0, 1), "BPF_NEG uses reserved fields"),
    AT1("neg X", INSN_RAW(BPF_ALU | BPF_NEG | BPF_X, 0, 0, 0, 0), "BPF_NEG uses reserved fields"),
    AT1("neg with off", INSN_RAW(BPF_ALU | BPF_NEG, 0, 0, 1, 0), "BPF_NEG uses reserved fields"),
    AT1("end width 8", INSN_ENDIAN(BPF_TO_BE, 0, 8), "byte swap width 8"),
    AT1("bswap width 0", INSN_BSWAP(0, 0), "byte swap width 0"),
    AT1("end with src_reg", INSN_RAW(BPF_ALU | BPF_END | BPF_TO_LE, 0, 1, 0, 16), "byte swap uses reserved fields"),
    AT1("end with off", INSN_RAW(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 1, 32), "byte swap uses reserved fields"),
    AT1("alu64 end X", INSN_RAW(BPF_ALU64 | BPF_END | BPF_X, 0, 0, 0, 16), "BPF_ALU64|BPF_END with BPF_X"),
    AT1("alu op 0xe0", INSN_RAW(BPF_ALU64 | 0xe0, 0, 0, 0, 0), "unknown ALU operation 0xe0"),
    AT1("alu op 0xf0", INSN_RAW(BPF_ALU | 0xf0 | BPF_X, 0, 1, 0, 0), "unknown ALU operation 0xf0"),
    /* jumps */
    AT1("ja with imm", INSN_RAW(BPF_JMP | BPF_JA, 0, 0, 0, 1), "BPF_JA uses reserved field imm"),
    AT1("ja with dst", INSN_RAW(BPF_JMP | BPF_JA, 1, 0, 0, 0), "BPF_JA uses reserved fields"),
    AT1("ja with src", INSN_RAW(BPF_JMP | BPF_JA, 0, 1, 0, 0), "BPF_JA uses reserved fields"),
    AT1("ja X", INSN_RAW(BPF_JMP | BPF_JA | BPF_X, 0, 0, 0, 0), "BPF_JA uses reserved fields"),
    AT1("gotol with off", INSN_RAW(BPF_JMP32 | BPF_JA, 0, 0, 1, 0), "gotol uses reserved field off"),
    AT1("call with off", INSN_RAW(BPF_JMP | BPF_CALL, 0, 0, 1, 5), "BPF_CALL uses reserved fields"),
    AT1("call with dst", INSN_RAW(BPF_JMP | BPF_CALL, 1, 0, 0, 5), "BPF_CALL uses reserved fields"),
    AT1("call X", INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 5), "callx uses reserved fields"),
    AT1("call src 3", INSN_RAW(BPF_JMP | BPF_CALL, 0, 3, 0, 5), "BPF_CALL with unknown src_reg 3"),
    AT1("jmp32 call", INSN_RAW(BPF_JMP32 | BPF_CALL, 0, 0, 0, 5), "BPF_JMP32|BPF_CALL is not a valid encoding"),
    AT1("exit with imm", INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 1), "BPF_EXIT uses reserved fields"),
    AT1("exit with dst", INSN_RAW(BPF_JMP | BPF_EXIT, 1, 0, 0, 0), "BPF_EXIT uses reserved fields"),
    AT1("exit with off", INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 1, 0), "BPF_EXIT uses reserved fields"),
    AT1("jmp32 exit", INSN_RAW(BPF_JMP32 | BPF_EXIT, 0, 0, 0, 0), "BPF_JMP32|BPF_EXIT is not a valid encoding"),
    AT1("jeq K with src_reg", INSN_RAW(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0, 0),
        "conditional jump with immediate uses reserved field src_reg"),
    AT1("jsgt32 X with imm", INSN_RAW(BPF_JMP32 | BPF_JSGT | BPF_X, 0, 1, 0, 4),
        "conditional jump with register uses reserved field imm"),
    AT1("jmp op 0xe0", INSN_RAW(BPF_JMP | 0xe0, 0, 0, 0, 0), "unknown jump operation 0xe0"),
    AT1("jmp32 op 0xf0", INSN_RAW(BPF_JMP32 | 0xf0 | BPF_X, 0, 0, 0, 0), "unknown jump operation 0xf0"),
    /* memory */
    AT1("ldx with imm", INSN_RAW(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 1), "BPF_LDX uses reserved field imm"),
    AT1("ldxsx dw", INSN_RAW(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), "unknown BPF_LDX mode 0x80 for size 8"),
    AT1("ldx atomic", INSN_RAW(BPF_LDX | BPF_ATOMIC | BPF_W, 0, 1, 0, 0), "unknown BPF_LDX mode 0xc0"),
    AT1("ldx abs", INSN_RAW(BPF_LDX | BPF_ABS | BPF_W, 0, 1, 0, 0), "unknown BPF_LDX mode 0x20"),
    AT1("st with src_reg", INSN_RAW(BPF_ST | BPF_MEM | BPF_W, 10, 1, -4, 0), "BPF_ST uses reserved field src_reg"),
    AT1("st atomic", INSN_RAW(BPF_ST | BPF_ATOMIC | BPF_W, 10, 0, -4, 0), "unknown BPF_ST mode 0xc0"),
    AT1("st memsx", INSN_RAW(BPF_ST | BPF_MEMSX | BPF_B, 10, 0, -4, 0), "unknown BPF_ST mode 0x80"),
    AT1("stx with imm", INSN_RAW(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 1), "BPF_STX uses reserved field imm"),
    AT1("stx memsx", INSN_RAW(BPF_STX | BPF_MEMSX | BPF_W, 10, 1, -8, 0), "unknown BPF_STX mode 0x80"),
    AT1("atomic sub", INSN_ATOMIC(BPF_DW, BPF_SUB, 10, 1, -8), "unknown atomic operation 0x10"),
    AT1("atomic xchg without fetch bit", INSN_ATOMIC(BPF_DW, 0xe0, 10, 1, -8), "unknown atomic operation 0xe0"),
    AT1("atomic sub with fetch", INSN_ATOMIC(BPF_W, BPF_SUB | BPF_FETCH, 10, 1, -8), "unknown atomic operation 0x11"),
    AT1("atomic add of 1 byte", INSN_ATOMIC(BPF_B, BPF_ADD, 10, 1, -8), "atomic operation of 1 bytes"),
    AT1("cmpxchg of 2 bytes", INSN_ATOMIC(BPF_H, BPF_CMPXCHG, 10, 1, -8), "atomic operation of 2 bytes"),
    AT1("ld_abs dw", INSN_RAW(BPF_LD | BPF_ABS | BPF_DW, 0, 0, 0, 0), "BPF_LD_ABS of 8 bytes"),
    AT1("ld_ind dw", INSN_RAW(BPF_LD | BPF_IND | BPF_DW, 0, 1, 0, 0), "BPF_LD_IND of 8 bytes"),
    AT1("ld_abs with dst", INSN_RAW(BPF_LD | BPF_ABS | BPF_W, 1, 0, 0, 0), "BPF_LD_ABS uses reserved fields"),
    AT1("ld_abs with src", INSN_RAW(BPF_LD | BPF_ABS | BPF_W, 0, 1, 0, 0), "BPF_LD_ABS uses reserved fields"),
    AT1("ld_ind with off", INSN_RAW(BPF_LD | BPF_IND | BPF_B, 0, 1, 1, 0), "BPF_LD_IND uses reserved fields"),
    AT1("ld mem", INSN_RAW(BPF_LD | BPF_MEM | BPF_W, 0, 1, 0, 0), "unknown BPF_LD opcode 0x60"),
    AT1("ld imm W", INSN_RAW(BPF_LD | BPF_IMM | BPF_W, 0, 0, 0, 0), "unknown BPF_LD opcode 0x00"),
    /* LD_IMM64 */
    {"ldimm64 without second half",
     {R0, INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1)},
     2,
     1,
     "LD_IMM64 is missing its second half"},
    {"ldimm64 with off",
     {INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 1, 1), INSN_RAW(0, 0, 0, 0, 0), X_},
     3,
     0,
     "invalid BPF_LD_IMM insn"},
    {"ldimm64 src 7", {R0, INSN_LDIMM64_RAW(1, 7, 1, 0), X_}, 4, 1, "invalid BPF_LD_IMM insn"},
    {"ldimm64 second half with code",
     {INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), INSN_EXIT(), X_},
     3,
     0,
     "invalid second half of LD_IMM64"},
    {"ldimm64 second half with dst",
     {INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), INSN_RAW(0, 1, 0, 0, 0), X_},
     3,
     0,
     "invalid second half of LD_IMM64"},
    {"ldimm64 second half with off",
     {INSN_RAW(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), INSN_RAW(0, 0, 0, 2, 0), X_},
     3,
     0,
     "invalid second half of LD_IMM64"},
    /* registers */
    AT1("dst r11", INSN_RAW(BPF_ALU64 | BPF_MOV | BPF_K, 11, 0, 0, 0), "register r11 out of range"),
    AT1("src r12", INSN_RAW(BPF_ALU64 | BPF_MOV | BPF_X, 0, 12, 0, 0), "register r12 out of range"),
    AT1("dst r15 in ldx", INSN_RAW(BPF_LDX | BPF_MEM | BPF_W, 15, 10, -4, 0), "register r15 out of range"),
    AT1("src r11 in exit", INSN_RAW(BPF_JMP | BPF_EXIT, 0, 11, 0, 0), "register r11 out of range"),
    /* r10 is read-only */
    AT1("mov to r10", INSN_MOV64_IMM(10, 0), "frame pointer r10 is read only"),
    AT1("add to r10", INSN_ALU64_IMM(BPF_ADD, 10, -8), "frame pointer r10 is read only"),
    AT1("alu32 to r10", INSN_MOV32_REG(10, 1), "frame pointer r10 is read only"),
    AT1("ldx into r10", INSN_LDX(BPF_DW, 10, 10, -8), "frame pointer r10 is read only"),
    AT1("neg r10", INSN_NEG64(10), "frame pointer r10 is read only"),
    AT1("bswap r10", INSN_BSWAP(10, 16), "frame pointer r10 is read only"),
    {"ldimm64 into r10", {R0, INSN_LDIMM64(10, 1), X_}, 4, 1, "frame pointer r10 is read only"},
    AT1("atomic fetch into r10", INSN_ATOMIC(BPF_DW, BPF_ADD | BPF_FETCH, 1, 10, 0), "atomic fetch would write"),
    AT1("xchg into r10", INSN_ATOMIC(BPF_W, BPF_XCHG, 1, 10, 0), "atomic fetch would write"),
    AT1("load-acquire into r10", INSN_LOAD_ACQ(BPF_DW, 10, 1, 0), "frame pointer r10 is read only"),
    /* jump targets */
    AT1("jump past the end", INSN_JA(2), "jump out of range to 4 (program has 3 instructions)"),
    AT1("jump before the start", INSN_JMP_IMM(BPF_JEQ, 0, 0, -3), "jump out of range to -1"),
    AT1("gotol past the end", INSN_GOTOL(100), "jump out of range to 102"),
    AT1("jmp32 past the end", INSN_JMP32_REG(BPF_JNE, 0, 1, 1000), "jump out of range to 1002"),
    AT1("call past the end", INSN_CALL_PSEUDO(5), "jump out of range to 7"),
    AT1("call before the start", INSN_CALL_PSEUDO(-3), "jump out of range to -1"),
    {"jump into ldimm64",
     {R0, INSN_JA(1), INSN_LDIMM64(0, 1), X_},
     5,
     1,
     "jump into the middle of the LD_IMM64 at insn 2"},
    {"gotol into ldimm64",
     {INSN_LDIMM64(0, 1), INSN_GOTOL(-2), X_},
     4,
     2,
     "jump into the middle of the LD_IMM64 at insn 0"},
    {"call into ldimm64",
     {INSN_CALL_PSEUDO(1), INSN_LDIMM64(0, 1), X_},
     4,
     0,
     "jump into the middle of the LD_IMM64 at insn 1"},
    /* the end of the program */
    {"last insn is alu", {R0, INSN_MOV64_IMM(0, 1)}, 2, 1, "last insn is not an exit or jmp"},
    {"last insn is a call", {R0, INSN_CALL(5)}, 2, 1, "last insn is not an exit or jmp"},
    {"last insn is a conditional jump", {R0, INSN_JMP_IMM(BPF_JEQ, 0, 0, -2)}, 2, 1, "last insn is not an exit or jmp"},
    {"last insn is ldimm64", {R0, INSN_LDIMM64(0, 1)}, 3, 2, "last insn is not an exit or jmp"},
    {"empty program", {X_}, 0, 0, "program has no instructions"},
};

Test(check, refusals_name_insn_and_reason)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        char log[256] = "", want[32];
        int err = isa_check_prog(c->insns, c->cnt, log, sizeof(log));
        cr_assert_eq(err, -EINVAL, "%s: accepted (%d)", c->name, err);
        snprintf(want, sizeof(want), "insn %zu: ", c->idx);
        cr_assert(strncmp(log, want, strlen(want)) == 0, "%s: log '%s' does not start with '%s'", c->name, log, want);
        cr_assert(strstr(log, c->why), "%s: log '%s' does not say '%s'", c->name, log, c->why);
    }
}

Test(check, refusals_through_public_api)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        char log[256] = "x", want[32];
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log));
        struct bpfrt_prog *p = NULL;
        int err = bpfrt_prog__load_insns(c->insns, c->cnt, &o, &p);
        cr_assert_eq(err, -EINVAL, "%s: load returned %d", c->name, err);
        cr_assert_null(p, "%s", c->name);
        snprintf(want, sizeof(want), "insn %zu: ", c->idx);
        cr_assert(strncmp(log, want, strlen(want)) == 0 && strstr(log, c->why), "%s: log '%s'", c->name, log);
    }
}

/* Programs at the edges of the rules, which must be accepted. */
struct good_case {
    const char *name;
    struct bpf_insn insns[MAXI];
    size_t cnt;
};

static const struct good_case good_cases[] = {
    {"exit only", {X_}, 1},
    {"ja as last insn", {R0, INSN_JA(-2)}, 2},
    {"gotol as last insn", {R0, X_, INSN_GOTOL(-3)}, 3},
    {"jump to the last insn", {R0, INSN_JA(0), X_}, 3},
    {"jump to an ldimm64", {R0, INSN_JA(0), INSN_LDIMM64(0, 1), X_}, 5},
    {"jump over an ldimm64", {R0, INSN_JA(2), INSN_LDIMM64(0, 1), X_}, 5},
    {"call to insn 0", {INSN_CALL_PSEUDO(-1), X_}, 2},
    {"store through r10", {INSN_ST_IMM(BPF_DW, 10, -8, 1), INSN_STX(BPF_DW, 10, 10, -16), R0, X_}, 4},
    {"r10 as source", {INSN_MOV64_REG(1, 10), INSN_ALU64_REG(BPF_ADD, 1, 10), R0, X_}, 4},
    {"cmpxchg with r10 as src", {INSN_ATOMIC(BPF_DW, BPF_CMPXCHG, 1, 10, 0), R0, X_}, 3},
    {"atomic add without fetch from r10", {INSN_ATOMIC(BPF_DW, BPF_ADD, 1, 10, 0), R0, X_}, 3},
    {"store-release from r10", {INSN_STORE_REL(BPF_DW, 1, 10, 0), R0, X_}, 3},
    {"load-acquire of each size",
     {INSN_LOAD_ACQ(BPF_B, 0, 1, 0), INSN_LOAD_ACQ(BPF_H, 0, 1, 0), INSN_LOAD_ACQ(BPF_W, 0, 1, 0),
      INSN_LOAD_ACQ(BPF_DW, 0, 1, 0), X_},
     5},
    {"sdiv, smod, movsx",
     {INSN_SALU64_IMM(BPF_DIV, 0, 3), INSN_SALU32_REG(BPF_MOD, 0, 1), INSN_MOVSX64(0, 1, 32), INSN_MOVSX32(0, 1, 16),
      X_},
     5},
    {"byte swaps", {INSN_ENDIAN(BPF_TO_LE, 0, 16), INSN_ENDIAN(BPF_TO_BE, 0, 64), INSN_BSWAP(0, 32), X_}, 4},
    {"division by constant zero", {INSN_ALU64_IMM(BPF_DIV, 0, 0), INSN_ALU32_IMM(BPF_MOD, 0, 0), X_}, 3},
    {"shift by 64", {INSN_ALU64_IMM(BPF_LSH, 0, 64), INSN_ALU32_IMM(BPF_ARSH, 0, -1), X_}, 3},
    {"ldimm64 pseudo map fd", {INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, 3, 0), R0, X_}, 4},
    {"kfunc call", {INSN_CALL_KFUNC(7), X_}, 2},
    {"ld_abs and ld_ind", {INSN_LD_ABS(BPF_B, 0), INSN_LD_IND(BPF_W, 1, -4), X_}, 3},
};

Test(check, edge_programs_accepted)
{
    for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
        char log[256] = "";
        int err = isa_check_prog(good_cases[i].insns, good_cases[i].cnt, log, sizeof(log));
        cr_assert_eq(err, 0, "%s: refused: %s", good_cases[i].name, log);
    }
}

/* ---- The opcode sweep ----
 * An independent statement of RFC 9669's opcode tables: does some
 * assignment of the other fields make this opcode valid? */
static int opcode_exists(uint8_t code)
{
    uint8_t cls = code & 7, op = code & 0xf0, mode = code & 0xe0, size = code & 0x18, x = code & 0x08;

    switch (cls) {
    case BPF_LD:
        if (code == (BPF_LD | BPF_IMM | BPF_DW))
            return 1;
        return (mode == BPF_ABS || mode == BPF_IND) && size != BPF_DW;
    case BPF_LDX: return mode == BPF_MEM || (mode == BPF_MEMSX && size != BPF_DW);
    case BPF_ST: return mode == BPF_MEM;
    case BPF_STX: return mode == BPF_MEM || mode == BPF_ATOMIC;
    case BPF_ALU:
    case BPF_ALU64:
        if (op > BPF_END)
            return 0;
        if (op == BPF_NEG)
            return !x;
        if (op == BPF_END)
            return cls == BPF_ALU || !x;
        return 1;
    default: /* BPF_JMP, BPF_JMP32 */
        if (op > BPF_JSLE)
            return 0;
        if (op == BPF_JA)
            return !x;
        if (op == BPF_CALL) /* BPF_X: callx (LLVM >= 19) */
            return cls == BPF_JMP;
        if (op == BPF_EXIT)
            return cls == BPF_JMP && !x;
        return 1;
    }
}

/* With every other field zero, is it valid?  Only byte swaps (imm is the
 * width) and 1- and 2-byte atomics (imm 0 is BPF_ADD, 4 and 8 bytes only)
 * need a nonzero field. */
static int opcode_valid_zero(uint8_t code)
{
    uint8_t cls = code & 7;
    if (!opcode_exists(code))
        return 0;
    if ((cls == BPF_ALU || cls == BPF_ALU64) && (code & 0xf0) == BPF_END)
        return 0;
    if (cls == BPF_STX && (code & 0xe0) == BPF_ATOMIC && ((code & 0x18) == BPF_B || (code & 0x18) == BPF_H))
        return 0;
    return 1;
}

static int check_one(uint8_t code, int32_t imm, char *log, size_t logsz)
{
    struct bpf_insn p[3] = {INSN_RAW(code, 0, 0, 0, imm), INSN_EXIT(), INSN_EXIT()};
    if (code == (BPF_LD | BPF_IMM | BPF_DW))
        p[1] = (struct bpf_insn)INSN_RAW(0, 0, 0, 0, 0);
    return isa_check_prog(p, 3, log, logsz);
}

Test(check, sweep_all_opcodes_zero_fields)
{
    int accepted = 0;
    for (int code = 0; code < 256; code++) {
        char log[256] = "";
        int err = check_one((uint8_t)code, 0, log, sizeof(log));
        int want = opcode_valid_zero((uint8_t)code);
        cr_assert_eq(err == 0, want, "opcode 0x%02x: %s (%s)", code, err ? "refused" : "accepted", log);
        if (err)
            cr_assert(strncmp(log, "insn 0: ", 8) == 0, "opcode 0x%02x: log '%s'", code, log);
        accepted += !err;
    }
    /* 4 LD + 7 LDX + 4 ST + 6 STX + 2*25 ALU (13 ops x K/X, minus NEG X, minus
     * END) + 13 JMP + 11 JMP32 + 11 JMP32 X... counted by the oracle itself: */
    int expect = 0;
    for (int code = 0; code < 256; code++)
        expect += opcode_valid_zero((uint8_t)code);
    cr_assert_eq(accepted, expect);
    cr_assert_gt(accepted, 100, "the oracle accepts almost nothing: %d", accepted);
}

Test(check, sweep_all_opcodes_canonical_fields)
{
    /* Give each opcode the fields it needs: a width for byte swaps,
     * load-acquire for 1- and 2-byte atomics. */
    for (int code = 0; code < 256; code++) {
        uint8_t cls = code & 7;
        int32_t imm = 0;
        char log[256] = "";
        if ((cls == BPF_ALU || cls == BPF_ALU64) && (code & 0xf0) == BPF_END)
            imm = 16;
        if (cls == BPF_STX && (code & 0xe0) == BPF_ATOMIC && ((code & 0x18) == BPF_B || (code & 0x18) == BPF_H))
            imm = BPF_LOAD_ACQ;
        int err = check_one((uint8_t)code, imm, log, sizeof(log));
        cr_assert_eq(err == 0, opcode_exists((uint8_t)code), "opcode 0x%02x imm %d: %s (%s)", code, imm,
                     err ? "refused" : "accepted", log);
    }
}

Test(check, sweep_atomic_operations)
{
    /* Every imm for BPF_STX | BPF_ATOMIC of each size. */
    static const int32_t ops[] = {BPF_ADD,
                                  BPF_OR,
                                  BPF_AND,
                                  BPF_XOR,
                                  BPF_ADD | BPF_FETCH,
                                  BPF_OR | BPF_FETCH,
                                  BPF_AND | BPF_FETCH,
                                  BPF_XOR | BPF_FETCH,
                                  BPF_XCHG,
                                  BPF_CMPXCHG};
    static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
    for (size_t s = 0; s < 4; s++) {
        for (int32_t imm = 0; imm < 0x200; imm++) {
            struct bpf_insn p[] = {INSN_ATOMIC(sizes[s], imm, 1, 2, 0), INSN_EXIT()};
            int known = imm == BPF_LOAD_ACQ || imm == BPF_STORE_REL, wide = sizes[s] == BPF_W || sizes[s] == BPF_DW;
            for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
                known |= wide && ops[k] == imm;
            char log[128] = "";
            int err = isa_check_prog(p, 2, log, sizeof(log));
            cr_assert_eq(err == 0, known, "size 0x%02x imm 0x%x: %s (%s)", sizes[s], imm, err ? "refused" : "accepted",
                         log);
        }
    }
}

Test(check, sweep_registers)
{
    for (int d = 0; d < 16; d++) {
        for (int s = 0; s < 16; s++) {
            struct bpf_insn p[] = {INSN_RAW(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0), INSN_EXIT()};
            char log[128] = "";
            int err = isa_check_prog(p, 2, log, sizeof(log));
            int want = d <= 9 && s <= 10; /* r10 is read-only as dst */
            cr_assert_eq(err == 0, want, "r%d += r%d: %s (%s)", d, s, err ? "refused" : "accepted", log);
        }
    }
}

Test(check, isa_check_insn_reports_reason_only)
{
    struct bpf_insn p[] = {INSN_RAW(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1)};
    char why[128] = "";
    cr_assert_eq(isa_check_insn(p, 1, 0, why, sizeof(why)), -EINVAL);
    cr_assert_str_eq(why, "ALU with immediate uses reserved field src_reg");
    /* a NULL or empty reason buffer is allowed */
    cr_assert_eq(isa_check_insn(p, 1, 0, NULL, 0), -EINVAL);
    cr_assert_eq(isa_check_prog(p, 1, NULL, 0), -EINVAL);
}

Test(check, log_is_truncated_safely)
{
    struct bpf_insn p[] = {R0, INSN_JA(5), X_};
    char log[12];
    memset(log, 'z', sizeof(log));
    cr_assert_eq(isa_check_prog(p, 3, log, sizeof(log)), -EINVAL);
    cr_assert_eq(log[sizeof(log) - 1], 0);
    cr_assert_str_eq(log, "insn 1: jum");
}

Test(check, public_api_limits)
{
    char log[128] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_prog *p = NULL;
    struct bpf_insn one[] = {X_};
    cr_assert_eq(bpfrt_prog__load_insns(NULL, 0, &o, &p), -EINVAL);
    cr_assert_eq(bpfrt_prog__load_insns(NULL, 3, &o, &p), -EINVAL);
    cr_assert_eq(bpfrt_prog__load_insns(one, 1, &o, NULL), -EINVAL);
    cr_assert_eq(bpfrt_prog__load_insns(one, BPFRT_MAX_INSNS + 1, &o, &p), -E2BIG);
    cr_assert(strstr(log, "exceeds the limit"), "%s", log);
    cr_assert_eq(bpfrt_prog__load_insns(one, 1, &o, &p), 0);
    cr_assert_eq(bpfrt_prog__insn_cnt(p), 1);
    bpfrt_prog__free(p);
}
