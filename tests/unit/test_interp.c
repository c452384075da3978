/* test_interp.c - the interpreter, opcode by opcode (RFC 9669 semantics).
 *
 * Every semantic test runs the program twice, fast and checked, on separate
 * copies of its data, and requires the same error, the same r0 and the
 * same data afterwards.  Checked-mode-only tests cover the access checks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "engine/engine.h"
#include "isa/isa.h"
#include "insns.h"

/* The interpreter through the engine seam (engine.h), as the pipeline
 * drives it: no helper calls in these programs, so no call table. */
static int interp_prepare(const struct bpf_insn *p, size_t cnt, void **code, char *log, size_t logsz)
{
    struct eng_log l = {log, logsz, -1};
    struct eng_input in = {p, cnt, NULL};
    return eng_interp.prepare(&in, code, &l);
}
#define interp_run(c, r, a, ch, r0) eng_interp.run((c), (r), (a), (ch), (r0))
static void interp_free(void *c)
{
    eng_interp.free(c);
}

/* An array of instructions and its length, as two arguments. */
#define PROG(...) ((const struct bpf_insn[]){__VA_ARGS__}), INSNS_CNT(((const struct bpf_insn[]){__VA_ARGS__}))

struct outcome {
    int err;
    uint64_t ret;
    uint64_t insn_cnt;
    char msg[256];
};

static struct bpfrt_prog *load_ok(const struct bpf_insn *insns, size_t cnt)
{
    char log[256] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_prog *p = NULL;
    int err = bpfrt_prog__load_insns(insns, cnt, &o, &p);

    cr_assert_eq(err, 0, "load failed: %d: %s", err, log);
    return p;
}

static struct outcome run_mode(struct bpfrt_prog *p, void *data, size_t size, uint32_t flags, uint64_t budget,
                               uint32_t worker)
{
    struct outcome o = {0};
    BPFRT_OPTS(bpfrt_run_opts, r, .data = data, .data_size = size, .flags = flags, .budget = budget, .worker = worker,
               .err_buf = o.msg, .err_size = sizeof(o.msg));

    o.err = bpfrt_prog__run(p, &r);
    o.ret = r.retval;
    o.insn_cnt = r.insn_cnt;
    return o;
}

/* Run fast and checked on copies of data; require identical outcomes and
 * identical data; copy the result back to data. */
static struct outcome run_both_ex(const struct bpf_insn *insns, size_t cnt, void *data, size_t size, uint64_t budget)
{
    struct bpfrt_prog *p = load_ok(insns, cnt);
    uint8_t *a = NULL, *b = NULL;
    struct outcome fast, chk;

    if (data) {
        a = malloc(size);
        b = malloc(size);
        cr_assert(a && b);
        memcpy(a, data, size);
        memcpy(b, data, size);
    }
    fast = run_mode(p, a, size, BPFRT_RUN_UNVERIFIED_UNCHECKED, budget, 0);
    chk = run_mode(p, b, size, BPFRT_RUN_CHECKED, budget, 0);
    cr_assert_eq(fast.err, chk.err, "fast run returned %d (%s), checked run %d (%s)", fast.err, fast.msg, chk.err,
                 chk.msg);
    cr_assert_eq(fast.ret, chk.ret, "fast r0 0x%llx, checked r0 0x%llx", (unsigned long long)fast.ret,
                 (unsigned long long)chk.ret);
    if (data) {
        cr_assert(memcmp(a, b, size) == 0, "fast and checked runs left different data");
        memcpy(data, a, size);
    }
    free(a);
    free(b);
    bpfrt_prog__free(p);
    return chk;
}

static uint64_t run_both(const struct bpf_insn *insns, size_t cnt, void *data, size_t size)
{
    struct outcome o = run_both_ex(insns, cnt, data, size, 0);
    cr_assert_eq(o.err, 0, "run failed: %d: %s", o.err, o.msg);
    return o.ret;
}

#define RUN(...) run_both(PROG(__VA_ARGS__), NULL, 0)
#define RUN_DATA(buf, size, ...) run_both(PROG(__VA_ARGS__), buf, size)
#define EXPECT(want, ...)                                                                                              \
    do {                                                                                                               \
        uint64_t got_ = RUN(__VA_ARGS__);                                                                              \
        cr_assert_eq(got_, (uint64_t)(want), "r0 = 0x%llx, expected 0x%llx", (unsigned long long)got_,                 \
                     (unsigned long long)(uint64_t)(want));                                                            \
    } while (0)

/* ---- Basic ---- */

Test(interp, exit_returns_r0)
{
    EXPECT(42, INSN_MOV64_IMM(0, 42), INSN_EXIT());
}

Test(interp, registers_start_at_zero)
{
    /* r0, r3-r9 are never written before being read: all zero. */
    EXPECT(0, INSN_MOV64_REG(0, 3), INSN_ALU64_REG(BPF_OR, 0, 4), INSN_ALU64_REG(BPF_OR, 0, 5),
           INSN_ALU64_REG(BPF_OR, 0, 6), INSN_ALU64_REG(BPF_OR, 0, 7), INSN_ALU64_REG(BPF_OR, 0, 8),
           INSN_ALU64_REG(BPF_OR, 0, 9), INSN_EXIT());
    EXPECT(0, INSN_EXIT());
}

Test(interp, args_r1_data_r2_size)
{
    uint8_t buf[24] = {0};
    uint64_t r = RUN_DATA(buf, sizeof(buf), INSN_MOV64_REG(0, 2), INSN_EXIT());
    cr_assert_eq(r, 24);
    r = RUN_DATA(buf, sizeof(buf), INSN_STX(BPF_DW, 1, 2, 8), INSN_LDX(BPF_B, 0, 1, 8), INSN_EXIT());
    cr_assert_eq(r, 24, "r1 is the data address");
    cr_assert_eq(buf[8], 24);
}

Test(interp, ldimm64_full_value)
{
    EXPECT(0x0102030405060708ull, INSN_LDIMM64(0, 0x0102030405060708ull), INSN_EXIT());
    EXPECT(0xffffffff80000000ull, INSN_LDIMM64(0, 0xffffffff80000000ull), INSN_EXIT());
    EXPECT(0x80000000ull, INSN_LDIMM64(0, 0x80000000ull), INSN_EXIT());
}

/* ---- ALU ---- */

struct alu_case {
    uint8_t cls, op;
    int16_t off;
    uint64_t a, b, want;
};

#define A64(op, a, b, want)                                                                                            \
    {                                                                                                                  \
        BPF_ALU64, op, 0, a, b, want                                                                                   \
    }
#define A32(op, a, b, want)                                                                                            \
    {                                                                                                                  \
        BPF_ALU, op, 0, a, b, want                                                                                     \
    }
#define S64(op, a, b, want)                                                                                            \
    {                                                                                                                  \
        BPF_ALU64, op, 1, a, b, want                                                                                   \
    }
#define S32(op, a, b, want)                                                                                            \
    {                                                                                                                  \
        BPF_ALU, op, 1, a, b, want                                                                                     \
    }
#define M64 0x8000000000000000ull
#define HI 0xdeadbeef00000000ull /* garbage in the upper half for 32-bit ops */

static const struct alu_case alu_cases[] = {
    A64(BPF_ADD, 1, 2, 3),
    A64(BPF_ADD, ~0ull, 1, 0),
    A64(BPF_ADD, 0xffffffffull, 1, 0x100000000ull),
    A64(BPF_ADD, 5, (uint64_t)-7, (uint64_t)-2),
    A64(BPF_SUB, 1, 2, ~0ull),
    A64(BPF_SUB, 0x100000000ull, 1, 0xffffffffull),
    A64(BPF_MUL, 0x100000000ull, 3, 0x300000000ull),
    A64(BPF_MUL, (uint64_t)-2, 3, (uint64_t)-6),
    A64(BPF_MUL, 0x100000000ull, 0x100000000ull, 0),
    A64(BPF_DIV, 100, 7, 14),
    A64(BPF_DIV, 100, 0, 0),
    A64(BPF_DIV, ~0ull, 2, 0x7fffffffffffffffull),
    A64(BPF_DIV, 5, ~0ull, 0), /* unsigned: divisor 2^64-1 */
    A64(BPF_DIV, ~0ull, ~0ull, 1),
    A64(BPF_MOD, 100, 7, 2),
    A64(BPF_MOD, 0x123456789abcdefull, 0, 0x123456789abcdefull),
    A64(BPF_MOD, (uint64_t)-1, 10, 5), /* 18446744073709551615 % 10 */
    A64(BPF_MOD, 7, ~0ull, 7),
    S64(BPF_DIV, (uint64_t)-100, 7, (uint64_t)-14),
    S64(BPF_DIV, 100, (uint64_t)-7, (uint64_t)-14),
    S64(BPF_DIV, (uint64_t)-100, (uint64_t)-7, 14),
    S64(BPF_DIV, M64, (uint64_t)-1, M64),
    S64(BPF_DIV, M64, 1, M64),
    S64(BPF_DIV, 42, (uint64_t)-1, (uint64_t)-42),
    S64(BPF_DIV, (uint64_t)-42, 0, 0),
    S64(BPF_MOD, (uint64_t)-100, 7, (uint64_t)-2),
    S64(BPF_MOD, 100, (uint64_t)-7, 2),
    S64(BPF_MOD, (uint64_t)-100, (uint64_t)-7, (uint64_t)-2),
    S64(BPF_MOD, M64, (uint64_t)-1, 0),
    S64(BPF_MOD, (uint64_t)-5, 0, (uint64_t)-5),
    S64(BPF_MOD, 42, (uint64_t)-1, 0),
    A64(BPF_OR, 0xf0f0ull, 0x0f0full, 0xffffull),
    A64(BPF_OR, M64, 1, M64 | 1),
    A64(BPF_AND, 0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull, 0x0f000f000f000f00ull),
    A64(BPF_AND, ~0ull, (uint64_t)-2, (uint64_t)-2),
    A64(BPF_XOR, 0xffull, 0x0full, 0xf0ull),
    A64(BPF_XOR, ~0ull, 0xffffffffull, 0xffffffff00000000ull),
    A64(BPF_LSH, 1, 63, M64),
    A64(BPF_LSH, 1, 64, 1), /* counts masked to 6 bits */
    A64(BPF_LSH, 1, 65, 2),
    A64(BPF_LSH, 0xff, 32, 0xff00000000ull),
    A64(BPF_RSH, M64, 63, 1),
    A64(BPF_RSH, M64, 64, M64),
    A64(BPF_RSH, ~0ull, 4, 0x0fffffffffffffffull),
    A64(BPF_ARSH, (uint64_t)-16, 2, (uint64_t)-4),
    A64(BPF_ARSH, M64, 63, ~0ull),
    A64(BPF_ARSH, M64, 64, M64),
    A64(BPF_ARSH, 0x4000000000000000ull, 62, 1),
    A64(BPF_MOV, 0x1234, ~0ull, ~0ull),
    A64(BPF_MOV, 0x1234, 7, 7),

    A32(BPF_ADD, HI | 1, 0xffffffff, 0), /* wraps at 32 bits, upper half cleared */
    A32(BPF_ADD, HI | 1, 2, 3),
    A32(BPF_ADD, 0x7fffffff, 1, 0x80000000),
    A32(BPF_SUB, HI, 1, 0xffffffff),
    A32(BPF_SUB, 5, 0x100000003ull, 2),
    A32(BPF_MUL, 0x10000, 0x10000, 0),
    A32(BPF_MUL, HI | 3, (uint64_t)-2, 0xfffffffa),
    A32(BPF_DIV, HI | 100, 7, 14),
    A32(BPF_DIV, HI | 100, 0, 0),
    A32(BPF_DIV, 100, 0x100000000ull, 0), /* divisor's low half is 0 */
    A32(BPF_DIV, 0xffffffff, 0xffffffff, 1),
    A32(BPF_DIV, 0xfffffff0, 2, 0x7ffffff8),
    A32(BPF_MOD, HI | 100, 7, 2),
    A32(BPF_MOD, HI | 5, 0, 5), /* by zero: dst zero-extended */
    A32(BPF_MOD, 0xffffffffull, 0x10, 0xf),
    S32(BPF_DIV, HI | (uint32_t)-100, 7, 0xfffffff2),
    S32(BPF_DIV, 100, (uint32_t)-7, 0xfffffff2),
    S32(BPF_DIV, (uint32_t)-100, (uint32_t)-7, 14),
    S32(BPF_DIV, HI | 0x80000000, 0xffffffff, 0x80000000), /* INT_MIN / -1 */
    S32(BPF_DIV, HI | 7, 0, 0),
    S32(BPF_DIV, 0xffffffffull, 0xffffffffull, 1),
    S32(BPF_MOD, HI | (uint32_t)-100, 7, 0xfffffffe),
    S32(BPF_MOD, 100, (uint32_t)-7, 2),
    S32(BPF_MOD, HI | 0x80000000, 0xffffffff, 0),
    S32(BPF_MOD, HI | (uint32_t)-5, 0, 0xfffffffb),
    A32(BPF_OR, HI | 0xf0, 0x0f, 0xff),
    A32(BPF_AND, HI | 0xffff, 0xff00ff00ff00ull, 0xff00),
    A32(BPF_XOR, HI | 0xffffffff, 0xf, 0xfffffff0),
    A32(BPF_LSH, HI | 1, 31, 0x80000000),
    A32(BPF_LSH, HI | 1, 32, 1), /* masked to 5 bits */
    A32(BPF_LSH, 1, 33, 2),
    A32(BPF_LSH, 0xffffffff, 4, 0xfffffff0),
    A32(BPF_RSH, 0xffffffff80000000ull, 31, 1),
    A32(BPF_RSH, HI | 0x80000000, 32, 0x80000000),
    A32(BPF_ARSH, HI | 0x80000000, 31, 0xffffffff),
    A32(BPF_ARSH, HI | 0x80000000, 4, 0xf8000000),
    A32(BPF_ARSH, HI | 0x10, 2, 4),
    A32(BPF_ARSH, 0x80000000, 32, 0x80000000),
    A32(BPF_MOV, 7, ~0ull, 0xffffffff),
    A32(BPF_MOV, 7, HI | 5, 5),
};

static const char *alu_name(const struct alu_case *c)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s op 0x%02x off %d", c->cls == BPF_ALU64 ? "alu64" : "alu32", c->op, c->off);
    return buf;
}

Test(interp, alu_table_reg_and_imm)
{
    for (size_t i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
        const struct alu_case *c = &alu_cases[i];
        struct bpf_insn px[] = {
            INSN_LDIMM64(0, c->a),
            INSN_LDIMM64(2, c->b),
            INSN_RAW(c->cls | c->op | BPF_X, 0, 2, c->off, 0),
            INSN_EXIT(),
        };
        uint64_t got = run_both(px, INSNS_CNT(px), NULL, 0);
        cr_assert_eq(got, c->want, "case %zu (%s, X): 0x%llx op 0x%llx = 0x%llx, expected 0x%llx", i, alu_name(c),
                     (unsigned long long)c->a, (unsigned long long)c->b, (unsigned long long)got,
                     (unsigned long long)c->want);
        /* The immediate form: sign-extended for ALU64, so only when b is. */
        if (c->cls == BPF_ALU || c->b == (uint64_t)(int64_t)(int32_t)c->b) {
            struct bpf_insn pk[] = {
                INSN_LDIMM64(0, c->a),
                INSN_RAW(c->cls | c->op | BPF_K, 0, 0, c->off, (int32_t)c->b),
                INSN_EXIT(),
            };
            got = run_both(pk, INSNS_CNT(pk), NULL, 0);
            cr_assert_eq(got, c->want, "case %zu (%s, K): 0x%llx op %d = 0x%llx, expected 0x%llx", i, alu_name(c),
                         (unsigned long long)c->a, (int32_t)c->b, (unsigned long long)got, (unsigned long long)c->want);
        }
    }
}

Test(interp, alu_imm_sign_extension)
{
    /* ALU64 immediates are sign-extended to 64 bits, ALU32 ones are not. */
    EXPECT(0xffffffffffffffffull, INSN_MOV64_IMM(0, -1), INSN_EXIT());
    EXPECT(0xffffffffull, INSN_MOV32_IMM(0, -1), INSN_EXIT());
    EXPECT(0xfffffffffffffff0ull, INSN_MOV64_IMM(0, 0), INSN_ALU64_IMM(BPF_OR, 0, -16), INSN_EXIT());
    EXPECT(0x100000000ull, INSN_LDIMM64(0, 0x100000000ull), INSN_ALU64_IMM(BPF_AND, 0, -1), INSN_EXIT());
    EXPECT(0, INSN_LDIMM64(0, 0x100000000ull), INSN_ALU32_IMM(BPF_AND, 0, -1), INSN_EXIT());
    EXPECT(0xffffffffull, INSN_MOV64_IMM(0, 0), INSN_ALU32_IMM(BPF_SUB, 0, 1), INSN_EXIT());
}

Test(interp, neg)
{
    EXPECT((uint64_t)-1, INSN_MOV64_IMM(0, 1), INSN_NEG64(0), INSN_EXIT());
    EXPECT(M64, INSN_LDIMM64(0, M64), INSN_NEG64(0), INSN_EXIT());
    EXPECT(0, INSN_MOV64_IMM(0, 0), INSN_NEG64(0), INSN_EXIT());
    EXPECT(0xffffffffull, INSN_LDIMM64(0, HI | 1), INSN_NEG32(0), INSN_EXIT());
    EXPECT(0x80000000ull, INSN_LDIMM64(0, HI | 0x80000000), INSN_NEG32(0), INSN_EXIT());
    EXPECT(0, INSN_LDIMM64(0, HI), INSN_NEG32(0), INSN_EXIT());
}

Test(interp, movsx)
{
    EXPECT(0xffffffffffffff80ull, INSN_MOV64_IMM(1, 0x180), INSN_MOVSX64(0, 1, 8), INSN_EXIT());
    EXPECT(0x7full, INSN_MOV64_IMM(1, 0x17f), INSN_MOVSX64(0, 1, 8), INSN_EXIT());
    EXPECT(0xffffffffffff8000ull, INSN_MOV64_IMM(1, 0x18000), INSN_MOVSX64(0, 1, 16), INSN_EXIT());
    EXPECT(0x7fffull, INSN_MOV64_IMM(1, 0x17fff), INSN_MOVSX64(0, 1, 16), INSN_EXIT());
    EXPECT(0xffffffff80000000ull, INSN_LDIMM64(1, 0x180000000ull), INSN_MOVSX64(0, 1, 32), INSN_EXIT());
    EXPECT(0x7fffffffull, INSN_LDIMM64(1, 0xf7fffffffull), INSN_MOVSX64(0, 1, 32), INSN_EXIT());
    /* ALU32: sign-extend to 32 bits, then zero-extend. */
    EXPECT(0xffffff80ull, INSN_LDIMM64(1, HI | 0x80), INSN_LDIMM64(0, ~0ull), INSN_MOVSX32(0, 1, 8), INSN_EXIT());
    EXPECT(0x7full, INSN_LDIMM64(1, HI | 0x7f), INSN_MOVSX32(0, 1, 8), INSN_EXIT());
    EXPECT(0xffff8000ull, INSN_LDIMM64(1, HI | 0x8000), INSN_MOVSX32(0, 1, 16), INSN_EXIT());
    EXPECT(0x1234ull, INSN_LDIMM64(1, HI | 0x51234), INSN_MOVSX32(0, 1, 16), INSN_EXIT());
}

Test(interp, byte_swaps)
{
    const uint64_t v = 0x0102030405060708ull;
    /* On a little-endian host to-le truncates and to-be swaps (RFC 9669 4.2). */
    EXPECT(0x0708, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_LE, 0, 16), INSN_EXIT());
    EXPECT(0x05060708, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_LE, 0, 32), INSN_EXIT());
    EXPECT(v, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_LE, 0, 64), INSN_EXIT());
    EXPECT(0x0807, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_BE, 0, 16), INSN_EXIT());
    EXPECT(0x08070605, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_BE, 0, 32), INSN_EXIT());
    EXPECT(0x0807060504030201ull, INSN_LDIMM64(0, v), INSN_ENDIAN(BPF_TO_BE, 0, 64), INSN_EXIT());
    /* BPF_ALU64 | BPF_END: unconditional swap. */
    EXPECT(0x0807, INSN_LDIMM64(0, v), INSN_BSWAP(0, 16), INSN_EXIT());
    EXPECT(0x08070605, INSN_LDIMM64(0, v), INSN_BSWAP(0, 32), INSN_EXIT());
    EXPECT(0x0807060504030201ull, INSN_LDIMM64(0, v), INSN_BSWAP(0, 64), INSN_EXIT());
    EXPECT(0xf0ff, INSN_LDIMM64(0, 0xfffffffffffffff0ull), INSN_BSWAP(0, 16), INSN_EXIT());
    EXPECT(0x8000000000000000ull, INSN_MOV64_IMM(0, 0x80), INSN_BSWAP(0, 64), INSN_EXIT());
}

/* ---- Jumps ---- */

struct jmp_case {
    uint8_t cls, op;
    uint64_t a, b;
    int taken;
};

#define J64(op, a, b, t)                                                                                               \
    {                                                                                                                  \
        BPF_JMP, op, a, b, t                                                                                           \
    }
#define J32(op, a, b, t)                                                                                               \
    {                                                                                                                  \
        BPF_JMP32, op, a, b, t                                                                                         \
    }

static const struct jmp_case jmp_cases[] = {
    J64(BPF_JEQ, 5, 5, 1),
    J64(BPF_JEQ, 5, 6, 0),
    J64(BPF_JEQ, 0x100000005ull, 5, 0),
    J32(BPF_JEQ, 0x100000005ull, 5, 1),
    J64(BPF_JEQ, ~0ull, ~0ull, 1),
    J64(BPF_JEQ, 0xffffffffull, ~0ull, 0),
    J32(BPF_JEQ, 0xffffffffull, ~0ull, 1),
    J64(BPF_JNE, 5, 6, 1),
    J64(BPF_JNE, 5, 5, 0),
    J32(BPF_JNE, 0x100000005ull, 5, 0),
    J64(BPF_JNE, 0x100000005ull, 5, 1),
    J64(BPF_JGT, ~0ull, 1, 1), /* unsigned */
    J64(BPF_JGT, 1, ~0ull, 0),
    J64(BPF_JGT, 5, 5, 0),
    J32(BPF_JGT, 0x100000001ull, 2, 0),
    J64(BPF_JGT, 0x100000001ull, 2, 1),
    J64(BPF_JGE, 5, 5, 1),
    J64(BPF_JGE, 4, 5, 0),
    J64(BPF_JGE, M64, 0x7fffffffffffffffull, 1),
    J32(BPF_JGE, 0x200000000ull, 1, 0),
    J64(BPF_JLT, 1, ~0ull, 1),
    J64(BPF_JLT, ~0ull, 1, 0),
    J64(BPF_JLT, 5, 5, 0),
    J32(BPF_JLT, 0x100000001ull, 2, 1),
    J64(BPF_JLE, 5, 5, 1),
    J64(BPF_JLE, 6, 5, 0),
    J32(BPF_JLE, 0x700000000ull, 0, 1),
    J64(BPF_JSET, 6, 2, 1),
    J64(BPF_JSET, 4, 2, 0),
    J64(BPF_JSET, 0x100000000ull, 0x100000000ull, 1),
    J32(BPF_JSET, 0x100000000ull, 0x100000000ull, 0),
    J32(BPF_JSET, 0x180000000ull, 0x80000000ull, 1),
    J64(BPF_JSGT, ~0ull, 1, 0), /* signed: -1 > 1 is false */
    J64(BPF_JSGT, 1, ~0ull, 1),
    J64(BPF_JSGT, 5, 5, 0),
    J64(BPF_JSGT, 0xffffffffull, 0, 1),
    J32(BPF_JSGT, 0xffffffffull, 0, 0), /* low half is -1 */
    J32(BPF_JSGT, 0x80000000ffffffffull, 0xfffffffeull, 1),
    J64(BPF_JSGE, 5, 5, 1),
    J64(BPF_JSGE, M64, 0, 0),
    J64(BPF_JSGE, 0, M64, 1),
    J32(BPF_JSGE, 0x80000000ull, 0, 0),
    J64(BPF_JSLT, ~0ull, 0, 1),
    J64(BPF_JSLT, 0, ~0ull, 0),
    J64(BPF_JSLT, 5, 5, 0),
    J32(BPF_JSLT, 0x80000000ull, 0, 1),
    J64(BPF_JSLT, 0x80000000ull, 0, 0),
    J64(BPF_JSLE, 5, 5, 1),
    J64(BPF_JSLE, (uint64_t)-2, (uint64_t)-3, 0),
    J64(BPF_JSLE, M64, 0x7fffffffffffffffull, 1),
    J32(BPF_JSLE, 0x7fffffff80000000ull, 0x7fffffffull, 1),
};

Test(interp, jump_table_reg_and_imm)
{
    for (size_t i = 0; i < sizeof(jmp_cases) / sizeof(jmp_cases[0]); i++) {
        const struct jmp_case *c = &jmp_cases[i];
        struct bpf_insn px[] = {
            INSN_LDIMM64(1, c->a), INSN_LDIMM64(2, c->b), INSN_RAW(c->cls | c->op | BPF_X, 1, 2, 2, 0),
            INSN_MOV64_IMM(0, 0),  INSN_EXIT(),           INSN_MOV64_IMM(0, 1),
            INSN_EXIT(),
        };
        uint64_t got = run_both(px, INSNS_CNT(px), NULL, 0);
        cr_assert_eq(got, (uint64_t)c->taken, "case %zu (%s op 0x%02x, X) 0x%llx vs 0x%llx: taken %llu", i,
                     c->cls == BPF_JMP ? "jmp" : "jmp32", c->op, (unsigned long long)c->a, (unsigned long long)c->b,
                     (unsigned long long)got);
        /* JMP compares with the sign-extended immediate, JMP32 with its 32 bits. */
        if (c->cls == BPF_JMP32 || c->b == (uint64_t)(int64_t)(int32_t)c->b) {
            struct bpf_insn pk[] = {
                INSN_LDIMM64(1, c->a), INSN_RAW(c->cls | c->op | BPF_K, 1, 0, 2, (int32_t)c->b),
                INSN_MOV64_IMM(0, 0),  INSN_EXIT(),
                INSN_MOV64_IMM(0, 1),  INSN_EXIT(),
            };
            got = run_both(pk, INSNS_CNT(pk), NULL, 0);
            cr_assert_eq(got, (uint64_t)c->taken, "case %zu (%s op 0x%02x, K) 0x%llx vs %d: taken %llu", i,
                         c->cls == BPF_JMP ? "jmp" : "jmp32", c->op, (unsigned long long)c->a, (int32_t)c->b,
                         (unsigned long long)got);
        }
    }
}

Test(interp, jump_imm_sign_extended)
{
    /* if r1 == -1: 64-bit compare with 0xffffffffffffffff. */
    EXPECT(0, INSN_MOV32_IMM(1, -1), INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 1, -1, 1), INSN_EXIT(),
           INSN_MOV64_IMM(0, 1), INSN_EXIT());
    EXPECT(1, INSN_MOV64_IMM(1, -1), INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 1, -1, 1), INSN_EXIT(),
           INSN_MOV64_IMM(0, 1), INSN_EXIT());
    EXPECT(1, INSN_MOV32_IMM(1, -1), INSN_MOV64_IMM(0, 0), INSN_JMP32_IMM(BPF_JEQ, 1, -1, 1), INSN_EXIT(),
           INSN_MOV64_IMM(0, 1), INSN_EXIT());
}

Test(interp, ja_forward_backward_and_gotol)
{
    EXPECT(2, INSN_MOV64_IMM(0, 1), INSN_JA(1), INSN_MOV64_IMM(0, 9), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_EXIT());
    /* ja 0 is a no-op */
    EXPECT(3, INSN_MOV64_IMM(0, 3), INSN_JA(0), INSN_EXIT());
    /* a backward ja: loop r0 from 0 up to 5 */
    EXPECT(5, INSN_MOV64_IMM(0, 0), INSN_JA(1), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_JMP_IMM(BPF_JLT, 0, 5, -2),
           INSN_EXIT());
    /* gotol: imm holds the offset, off must be 0 */
    EXPECT(7, INSN_MOV64_IMM(0, 7), INSN_GOTOL(2), INSN_MOV64_IMM(0, 1), INSN_MOV64_IMM(0, 2), INSN_EXIT());
    EXPECT(3, INSN_MOV64_IMM(0, 0), INSN_GOTOL(1), INSN_EXIT(), INSN_ALU64_IMM(BPF_ADD, 0, 1),
           INSN_JMP_IMM(BPF_JGE, 0, 3, -3), INSN_GOTOL(-3));
}

Test(interp, gotol_far)
{
    /* gotol over 40000 instructions: beyond the 16-bit off range. */
    size_t n = 40005, i;
    struct bpf_insn *p = calloc(n, sizeof(*p));
    cr_assert(p);
    p[0] = (struct bpf_insn)INSN_MOV64_IMM(0, 11);
    p[1] = (struct bpf_insn)INSN_GOTOL(40001);
    for (i = 2; i < n - 2; i++)
        p[i] = (struct bpf_insn)INSN_MOV64_IMM(0, 99);
    p[n - 2] = (struct bpf_insn)INSN_EXIT(); /* target: 1 + 1 + 40001 = 40003 */
    p[n - 1] = (struct bpf_insn)INSN_EXIT();
    cr_assert_eq(run_both(p, n, NULL, 0), 11);
    free(p);
}

Test(interp, jump_to_ldimm64_start)
{
    EXPECT(0x1122334455667788ull, INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 0, 0, 1), INSN_EXIT(),
           INSN_LDIMM64(0, 0x1122334455667788ull), INSN_EXIT());
    /* backward onto an LD_IMM64 */
    EXPECT(2, INSN_MOV64_IMM(1, 0), INSN_LDIMM64(0, 1), INSN_ALU64_IMM(BPF_ADD, 1, 1), INSN_JMP_IMM(BPF_JLT, 1, 2, -4),
           INSN_ALU64_REG(BPF_ADD, 0, 1), INSN_ALU64_IMM(BPF_SUB, 0, 1), INSN_EXIT());
}

/* ---- Loads and stores ---- */

static const uint8_t pattern[16] = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
                                    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

Test(interp, ldx_all_sizes)
{
    uint8_t buf[16];
    memcpy(buf, pattern, 16);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_B, 0, 1, 1), INSN_EXIT()), 0x82);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_H, 0, 1, 2), INSN_EXIT()), 0x8483);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_W, 0, 1, 4), INSN_EXIT()), 0x88878685);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_DW, 0, 1, 8), INSN_EXIT()), 0x0807060504030201ull);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_DW, 0, 1, 0), INSN_EXIT()), 0x8887868584838281ull);
    /* unaligned and with a negative offset */
    cr_assert_eq(RUN_DATA(buf, 16, INSN_ALU64_IMM(BPF_ADD, 1, 16), INSN_LDX(BPF_W, 0, 1, -7), INSN_EXIT()), 0x05040302);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDX(BPF_DW, 0, 1, 3), INSN_EXIT()), 0x0302018887868584ull);
    /* loads replace all 64 bits of dst */
    cr_assert_eq(RUN_DATA(buf, 16, INSN_MOV64_IMM(0, -1), INSN_LDX(BPF_B, 0, 1, 8), INSN_EXIT()), 1);
}

Test(interp, ldxsx_sign_extends)
{
    uint8_t buf[16];
    memcpy(buf, pattern, 16);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_B, 0, 1, 0), INSN_EXIT()), 0xffffffffffffff81ull);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_B, 0, 1, 8), INSN_EXIT()), 1);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_H, 0, 1, 0), INSN_EXIT()), 0xffffffffffff8281ull);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_H, 0, 1, 8), INSN_EXIT()), 0x0201);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_W, 0, 1, 0), INSN_EXIT()), 0xffffffff84838281ull);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LDXSX(BPF_W, 0, 1, 8), INSN_EXIT()), 0x04030201);
}

Test(interp, st_and_stx_all_sizes)
{
    uint8_t buf[32] = {0};
    static const uint8_t want_st[32] = {0xaa, 0,    0xbb, 0xcc, 0,    0,    0,    0,    0xfe, 0xff, 0xff,
                                        0xff, 0,    0,    0,    0,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0x78, 0x56, 0x34, 0x12, 0,    0,    0,    0};
    RUN_DATA(buf, 32, INSN_ST_IMM(BPF_B, 1, 0, 0x1aa), INSN_ST_IMM(BPF_H, 1, 2, 0xccbb), INSN_ST_IMM(BPF_W, 1, 8, -2),
             INSN_ST_IMM(BPF_DW, 1, 16, -1), INSN_ST_IMM(BPF_DW, 1, 24, 0x12345678), INSN_EXIT());
    cr_assert(memcmp(buf, want_st, 32) == 0, "BPF_ST stored the wrong bytes");

    memset(buf, 0, sizeof(buf));
    RUN_DATA(buf, 32, INSN_LDIMM64(2, 0x0102030405060708ull), INSN_STX(BPF_B, 1, 2, 0), INSN_STX(BPF_H, 1, 2, 2),
             INSN_STX(BPF_W, 1, 2, 4), INSN_STX(BPF_DW, 1, 2, 9), INSN_EXIT());
    static const uint8_t want_stx[32] = {0x08, 0,    0x08, 0x07, 0x08, 0x07, 0x06, 0x05, 0,
                                         0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    cr_assert(memcmp(buf, want_stx, 32) == 0, "BPF_STX stored the wrong bytes");
}

Test(interp, stack_store_load)
{
    EXPECT(0x1122334455667788ull, INSN_LDIMM64(1, 0x1122334455667788ull), INSN_STX(BPF_DW, 10, 1, -8),
           INSN_LDX(BPF_DW, 0, 10, -8), INSN_EXIT());
    /* the whole 512-byte frame is usable */
    EXPECT(0x5a, INSN_ST_IMM(BPF_B, 10, -512, 0x5a), INSN_LDX(BPF_B, 0, 10, -512), INSN_EXIT());
    EXPECT(0xabcd, INSN_ST_IMM(BPF_H, 10, -2, 0xabcd), INSN_MOV64_REG(1, 10), INSN_LDX(BPF_H, 0, 1, -2), INSN_EXIT());
}

/* ---- Atomics ---- */

struct atomic_case {
    int32_t op;
    uint64_t mem, src, want_mem, want_src;
};

Test(interp, atomics_64)
{
    const uint64_t m = 0x0f0f0f0f0f0f0f0full, s = 0xff00ff0000ff00ffull;
    const struct atomic_case cases[] = {
        {BPF_ADD, m, s, m + s, s},
        {BPF_OR, m, s, m | s, s},
        {BPF_AND, m, s, m & s, s},
        {BPF_XOR, m, s, m ^ s, s},
        {BPF_ADD | BPF_FETCH, m, s, m + s, m},
        {BPF_OR | BPF_FETCH, m, s, m | s, m},
        {BPF_AND | BPF_FETCH, m, s, m & s, m},
        {BPF_XOR | BPF_FETCH, m, s, m ^ s, m},
        {BPF_XCHG, m, s, s, m},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t buf[2] = {0x1111111111111111ull, cases[i].mem};
        struct bpf_insn p[] = {
            INSN_LDIMM64(2, cases[i].src),
            INSN_ATOMIC(BPF_DW, cases[i].op, 1, 2, 8),
            INSN_MOV64_REG(0, 2),
            INSN_EXIT(),
        };
        uint64_t got = run_both(p, INSNS_CNT(p), buf, sizeof(buf));
        cr_assert_eq(buf[1], cases[i].want_mem, "atomic64 op 0x%x: memory 0x%llx", cases[i].op,
                     (unsigned long long)buf[1]);
        cr_assert_eq(got, cases[i].want_src, "atomic64 op 0x%x: src 0x%llx", cases[i].op, (unsigned long long)got);
        cr_assert_eq(buf[0], 0x1111111111111111ull);
    }
}

Test(interp, atomics_32)
{
    const uint32_t m = 0x0f0f0f0f, s = 0xff0000ff;
    const uint64_t sreg = 0xabcdef0000000000ull | s; /* upper half ignored */
    const struct atomic_case cases[] = {
        {BPF_ADD, m, sreg, (uint32_t)(m + s), sreg},
        {BPF_OR, m, sreg, m | s, sreg},
        {BPF_AND, m, sreg, m & s, sreg},
        {BPF_XOR, m, sreg, m ^ s, sreg},
        {BPF_ADD | BPF_FETCH, m, sreg, (uint32_t)(m + s), m}, /* old value zero-extended */
        {BPF_OR | BPF_FETCH, m, sreg, m | s, m},
        {BPF_AND | BPF_FETCH, m, sreg, m & s, m},
        {BPF_XOR | BPF_FETCH, m, sreg, m ^ s, m},
        {BPF_XCHG, m, sreg, s, m},
        {BPF_ADD | BPF_FETCH, 0xffffffff, 1, 0, 0xffffffff},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t buf[4] = {0x11111111, (uint32_t)cases[i].mem, 0x22222222, 0x33333333};
        struct bpf_insn p[] = {
            INSN_LDIMM64(2, cases[i].src),
            INSN_ATOMIC(BPF_W, cases[i].op, 1, 2, 4),
            INSN_MOV64_REG(0, 2),
            INSN_EXIT(),
        };
        uint64_t got = run_both(p, INSNS_CNT(p), buf, sizeof(buf));
        cr_assert_eq(buf[1], (uint32_t)cases[i].want_mem, "atomic32 op 0x%x: memory 0x%x", cases[i].op, buf[1]);
        cr_assert_eq(got, cases[i].want_src, "atomic32 op 0x%x: src 0x%llx", cases[i].op, (unsigned long long)got);
        cr_assert(buf[0] == 0x11111111 && buf[2] == 0x22222222 && buf[3] == 0x33333333, "neighbours touched");
    }
}

Test(interp, atomics_on_stack)
{
    EXPECT(15, INSN_ST_IMM(BPF_DW, 10, -8, 5), INSN_MOV64_IMM(1, 10), INSN_ATOMIC(BPF_DW, BPF_ADD, 10, 1, -8),
           INSN_LDX(BPF_DW, 0, 10, -8), INSN_EXIT());
    EXPECT(5, INSN_ST_IMM(BPF_W, 10, -4, 5), INSN_MOV64_IMM(1, 10), INSN_ATOMIC(BPF_W, BPF_ADD | BPF_FETCH, 10, 1, -4),
           INSN_MOV64_REG(0, 1), INSN_EXIT());
}

Test(interp, cmpxchg_64)
{
    uint64_t buf[1] = {0x1234567890ull};
    /* success: r0 == mem, mem = src, r0 = old */
    uint64_t r = RUN_DATA(buf, 8, INSN_LDIMM64(0, 0x1234567890ull), INSN_MOV64_IMM(2, 77),
                          INSN_ATOMIC(BPF_DW, BPF_CMPXCHG, 1, 2, 0), INSN_EXIT());
    cr_assert_eq(r, 0x1234567890ull);
    cr_assert_eq(buf[0], 77);
    /* failure: mem unchanged, r0 = mem */
    r = RUN_DATA(buf, 8, INSN_MOV64_IMM(0, 1), INSN_MOV64_IMM(2, 99), INSN_ATOMIC(BPF_DW, BPF_CMPXCHG, 1, 2, 0),
                 INSN_EXIT());
    cr_assert_eq(r, 77);
    cr_assert_eq(buf[0], 77);
}

Test(interp, cmpxchg_32)
{
    uint32_t buf[2] = {0x80000001, 0x5555};
    /* r0's upper half is ignored in the compare; the old value is zero-extended */
    uint64_t r = RUN_DATA(buf, 8, INSN_LDIMM64(0, HI | 0x80000001), INSN_LDIMM64(2, HI | 7),
                          INSN_ATOMIC(BPF_W, BPF_CMPXCHG, 1, 2, 0), INSN_EXIT());
    cr_assert_eq(r, 0x80000001ull);
    cr_assert_eq(buf[0], 7);
    cr_assert_eq(buf[1], 0x5555);
    r = RUN_DATA(buf, 8, INSN_LDIMM64(0, ~0ull), INSN_MOV64_IMM(2, 9), INSN_ATOMIC(BPF_W, BPF_CMPXCHG, 1, 2, 0),
                 INSN_EXIT());
    cr_assert_eq(r, 7);
    cr_assert_eq(buf[0], 7);
}

Test(interp, load_acquire_store_release)
{
    uint8_t buf[16];
    memcpy(buf, pattern, 16);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_MOV64_IMM(0, -1), INSN_LOAD_ACQ(BPF_B, 0, 1, 1), INSN_EXIT()), 0x82);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LOAD_ACQ(BPF_H, 0, 1, 2), INSN_EXIT()), 0x8483);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LOAD_ACQ(BPF_W, 0, 1, 4), INSN_EXIT()), 0x88878685);
    cr_assert_eq(RUN_DATA(buf, 16, INSN_LOAD_ACQ(BPF_DW, 0, 1, 8), INSN_EXIT()), 0x0807060504030201ull);

    memset(buf, 0, 16);
    RUN_DATA(buf, 16, INSN_LDIMM64(2, 0x0102030405060708ull), INSN_STORE_REL(BPF_B, 1, 2, 0),
             INSN_STORE_REL(BPF_H, 1, 2, 2), INSN_STORE_REL(BPF_W, 1, 2, 4), INSN_STORE_REL(BPF_DW, 1, 2, 8),
             INSN_EXIT());
    static const uint8_t want[16] = {0x08, 0,    0x08, 0x07, 0x08, 0x07, 0x06, 0x05,
                                     0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    cr_assert(memcmp(buf, want, 16) == 0, "store-release wrote the wrong bytes");
}

/* ---- Legacy packet loads ---- */

Test(interp, ld_abs_ind_in_bounds)
{
    uint8_t pkt[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_B, 7), INSN_EXIT()), 0xf0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_H, 1), INSN_EXIT()), 0x3456);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_W, 4), INSN_EXIT()), 0x9abcdef0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(6, 2), INSN_LD_IND(BPF_B, 6, 1), INSN_EXIT()), 0x78);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(6, 2), INSN_LD_IND(BPF_H, 6, 4), INSN_EXIT()), 0xdef0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(6, 5), INSN_LD_IND(BPF_W, 6, -5), INSN_EXIT()), 0x12345678);
    /* the offset is 32 bits: src's upper half is ignored */
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LDIMM64(6, 0x100000002ull), INSN_LD_IND(BPF_B, 6, 1), INSN_EXIT()), 0x78);
    /* r0 is replaced entirely */
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(0, -1), INSN_LD_ABS(BPF_B, 0), INSN_EXIT()), 0x12);
}

Test(interp, ld_abs_ind_out_of_bounds_ends_with_zero)
{
    uint8_t pkt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(0, 77), INSN_LD_ABS(BPF_W, 5), INSN_MOV64_IMM(0, 99), INSN_EXIT()), 0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(0, 77), INSN_LD_ABS(BPF_B, 8), INSN_MOV64_IMM(0, 99), INSN_EXIT()), 0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_H, 6), INSN_MOV64_IMM(0, 99), INSN_EXIT()), 99, "last 2 bytes ok");
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_H, -1), INSN_MOV64_IMM(0, 99), INSN_EXIT()), 0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_LD_ABS(BPF_W, 0x7fffffff), INSN_MOV64_IMM(0, 99), INSN_EXIT()), 0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(6, -3), INSN_LD_IND(BPF_B, 6, 2), INSN_MOV64_IMM(0, 99), INSN_EXIT()),
                 0);
    cr_assert_eq(RUN_DATA(pkt, 8, INSN_MOV64_IMM(6, 4), INSN_LD_IND(BPF_W, 6, 1), INSN_MOV64_IMM(0, 99), INSN_EXIT()),
                 0);
    /* no packet at all */
    EXPECT(0, INSN_MOV64_IMM(0, 5), INSN_LD_ABS(BPF_B, 0), INSN_MOV64_IMM(0, 99), INSN_EXIT());
}

Test(interp, ld_abs_out_of_bounds_in_subprogram_ends_program)
{
    uint8_t pkt[4] = {1, 2, 3, 4};
    cr_assert_eq(RUN_DATA(pkt, 4, INSN_MOV64_IMM(0, 5), INSN_CALL_PSEUDO(2), INSN_MOV64_IMM(0, 99), INSN_EXIT(),
                          INSN_LD_ABS(BPF_W, 2), INSN_EXIT()),
                 0);
}

/* ---- Calls ---- */

Test(interp, helper_ktime_get_ns)
{
    struct bpfrt_prog *p = load_ok(PROG(INSN_CALL(BPF_FUNC_ktime_get_ns), INSN_EXIT()));
    for (int checked = 0; checked < 2; checked++) {
        struct outcome a = run_mode(p, NULL, 0, checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, 0, 0);
        struct outcome b = run_mode(p, NULL, 0, checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, 0, 0);
        cr_assert_eq(a.err, 0, "%s", a.msg);
        cr_assert_eq(b.err, 0, "%s", b.msg);
        cr_assert_neq(a.ret, 0);
        cr_assert_gt(b.ret, a.ret, "ktime_get_ns does not increase");
    }
    bpfrt_prog__free(p);
    /* within one run: t2 - t1 is small and not negative */
    p = load_ok(PROG(INSN_CALL(BPF_FUNC_ktime_get_ns), INSN_MOV64_REG(6, 0), INSN_CALL(BPF_FUNC_ktime_get_ns),
                     INSN_ALU64_REG(BPF_SUB, 0, 6), INSN_EXIT()));
    for (int checked = 0; checked < 2; checked++) {
        struct outcome d = run_mode(p, NULL, 0, checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, 0, 0);
        cr_assert_eq(d.err, 0, "%s", d.msg);
        cr_assert_lt(d.ret, 1000000000ull);
    }
    bpfrt_prog__free(p);
}

Test(interp, helper_smp_processor_id_is_worker)
{
    struct bpfrt_prog *p = load_ok(PROG(INSN_LDIMM64(0, ~0ull), INSN_CALL(BPF_FUNC_get_smp_processor_id), INSN_EXIT()));
    for (uint32_t w = 0; w < 4; w++) {
        struct outcome f = run_mode(p, NULL, 0, BPFRT_RUN_UNVERIFIED_UNCHECKED, 0, w * 3);
        struct outcome c = run_mode(p, NULL, 0, BPFRT_RUN_CHECKED, 0, w * 3);
        cr_assert_eq(f.ret, w * 3);
        cr_assert_eq(c.ret, w * 3);
    }
    bpfrt_prog__free(p);
}

Test(interp, helper_keeps_callee_saved_registers)
{
    EXPECT(6 + 7 + 8 + 9, INSN_MOV64_IMM(6, 6), INSN_MOV64_IMM(7, 7), INSN_MOV64_IMM(8, 8), INSN_MOV64_IMM(9, 9),
           INSN_CALL(BPF_FUNC_get_prandom_u32), INSN_MOV64_REG(0, 6), INSN_ALU64_REG(BPF_ADD, 0, 7),
           INSN_ALU64_REG(BPF_ADD, 0, 8), INSN_ALU64_REG(BPF_ADD, 0, 9), INSN_EXIT());
}

Test(interp, bpf2bpf_call_preserves_r6_r9_and_separate_stacks)
{
    /* main: r6-r9 = 6..9, [r10-8] = 0x1111, call sub, check all survive.
     * sub: clobbers r6-r9, writes its own [r10-8], returns its r10. */
    EXPECT(0x1111 + 6 + 7 + 8 + 9,
           /* 0 */ INSN_MOV64_IMM(6, 6), INSN_MOV64_IMM(7, 7), INSN_MOV64_IMM(8, 8), INSN_MOV64_IMM(9, 9),
           /* 4 */ INSN_ST_IMM(BPF_DW, 10, -8, 0x1111), INSN_CALL_PSEUDO(11),
           /* 6: the callee's r10 is 512 below ours */
           INSN_MOV64_REG(2, 10), INSN_ALU64_REG(BPF_SUB, 2, 0), INSN_JMP_IMM(BPF_JNE, 2, 512, 6),
           /* 9 */ INSN_LDX(BPF_DW, 0, 10, -8), INSN_ALU64_REG(BPF_ADD, 0, 6), INSN_ALU64_REG(BPF_ADD, 0, 7),
           INSN_ALU64_REG(BPF_ADD, 0, 8), INSN_ALU64_REG(BPF_ADD, 0, 9), INSN_EXIT(),
           /* 15 */ INSN_MOV64_IMM(0, 0), INSN_EXIT(),
           /* 17: sub */ INSN_MOV64_IMM(6, 0), INSN_MOV64_IMM(7, 0), INSN_MOV64_IMM(8, 0), INSN_MOV64_IMM(9, 0),
           INSN_ST_IMM(BPF_DW, 10, -8, 0x2222), INSN_MOV64_REG(0, 10), INSN_EXIT());
}

Test(interp, bpf2bpf_args_and_result)
{
    /* sub(a, b) = a * 10 + b; the caller's r1-r5 reach the callee */
    EXPECT(123, INSN_MOV64_IMM(1, 12), INSN_MOV64_IMM(2, 3), INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_REG(0, 1),
           INSN_ALU64_IMM(BPF_MUL, 0, 10), INSN_ALU64_REG(BPF_ADD, 0, 2), INSN_EXIT());
}

Test(interp, bpf2bpf_callee_reads_caller_stack)
{
    /* pass a pointer to the caller's stack; the callee reads through it */
    EXPECT(0xbeef, INSN_ST_IMM(BPF_W, 10, -4, 0xbeef), INSN_MOV64_REG(1, 10), INSN_ALU64_IMM(BPF_ADD, 1, -4),
           INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_LDX(BPF_W, 0, 1, 0), INSN_EXIT());
}

/* rec(n): if n == 0 return 0; return rec(n - 1) + 1.  Frames used: n + 2. */
#define REC_PROG(n)                                                                                                    \
    INSN_MOV64_IMM(1, n), INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 1, 0, 4),      \
        INSN_MOV64_REG(6, 1), INSN_ALU64_IMM(BPF_SUB, 1, 1), INSN_CALL_PSEUDO(-5), INSN_ALU64_IMM(BPF_ADD, 0, 1),      \
        INSN_EXIT()

Test(interp, recursion_up_to_8_frames)
{
    EXPECT(6, REC_PROG(6)); /* 8 frames */
    EXPECT(0, REC_PROG(0));
}

Test(interp, recursion_beyond_8_frames_is_eloop)
{
    struct outcome o = run_both_ex(PROG(REC_PROG(7)), NULL, 0, 0);
    cr_assert_eq(o.err, -ELOOP);
    cr_assert(strstr(o.msg, "call depth exceeds 8 frames"), "message: %s", o.msg);
    cr_assert(strstr(o.msg, "insn 7:"), "message names the call: %s", o.msg);

    o = run_both_ex(PROG(INSN_CALL_PSEUDO(-1), INSN_EXIT()), NULL, 0, 0);
    cr_assert_eq(o.err, -ELOOP);
    cr_assert(strstr(o.msg, "insn 0: call depth exceeds 8 frames"), "message: %s", o.msg);
}

/* ---- Budget ---- */

Test(interp, infinite_loop_hits_budget_both_modes)
{
    struct outcome o = run_both_ex(PROG(INSN_MOV64_IMM(0, 0), INSN_JA(-1), INSN_EXIT()), NULL, 0, 100000);
    cr_assert_eq(o.err, -ELOOP);
    cr_assert(strstr(o.msg, "insn 1: instruction budget exceeded"), "message: %s", o.msg);

    o = run_both_ex(PROG(INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_JMP_IMM(BPF_JNE, 0, 0, -2), INSN_EXIT()), NULL, 0, 5000);
    cr_assert_eq(o.err, -ELOOP);
    cr_assert(strstr(o.msg, "budget"), "message: %s", o.msg);

    /* gotol loop, default budget (1e8): stops too */
    o = run_both_ex(PROG(INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_GOTOL(-2), INSN_EXIT()), NULL, 0, 0);
    cr_assert_eq(o.err, -ELOOP);
}

Test(interp, checked_budget_is_exact)
{
    /* r0 = 0; loop: r0 += 1; if r0 < 10 goto loop; exit: 1 + 20 + 1 = 22 */
    struct bpfrt_prog *p = load_ok(
        PROG(INSN_MOV64_IMM(0, 0), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_JMP_IMM(BPF_JLT, 0, 10, -2), INSN_EXIT()));
    struct outcome o = run_mode(p, NULL, 0, BPFRT_RUN_CHECKED, 22, 0);
    cr_assert_eq(o.err, 0, "%s", o.msg);
    cr_assert_eq(o.ret, 10);
    cr_assert_eq(o.insn_cnt, 22);
    o = run_mode(p, NULL, 0, BPFRT_RUN_CHECKED, 21, 0);
    cr_assert_eq(o.err, -ELOOP);
    cr_assert(strstr(o.msg, "insn 3: instruction budget exceeded"), "message: %s", o.msg);
    /* fast: only the loop is charged (9 taken backward jumps of 2 insns) */
    o = run_mode(p, NULL, 0, BPFRT_RUN_UNVERIFIED_UNCHECKED, 18, 0);
    cr_assert_eq(o.err, 0, "%s", o.msg);
    o = run_mode(p, NULL, 0, BPFRT_RUN_UNVERIFIED_UNCHECKED, 17, 0);
    cr_assert_eq(o.err, -ELOOP);
    bpfrt_prog__free(p);
}

Test(interp, checked_counts_ldimm64_and_calls)
{
    /* ldimm64 counts once; call + callee's 2 + exit */
    struct bpfrt_prog *p =
        load_ok(PROG(INSN_LDIMM64(0, 1), INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_IMM(0, 2), INSN_EXIT()));
    struct outcome o = run_mode(p, NULL, 0, BPFRT_RUN_CHECKED, 0, 0);
    cr_assert_eq(o.err, 0, "%s", o.msg);
    cr_assert_eq(o.ret, 2);
    cr_assert_eq(o.insn_cnt, 5);
    bpfrt_prog__free(p);
}

/* ---- Load-time refusals ---- */

static int load_err(const struct bpf_insn *insns, size_t cnt, char *log, size_t logsz)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = logsz);
    struct bpfrt_prog *p = NULL;
    int err = bpfrt_prog__load_insns(insns, cnt, &o, &p);
    cr_assert_null(p);
    return err;
}

/* A run that reaches a helper bpfrt has no body for stops there, naming
 * it and why (the program itself loads: its verdict is the kernel's). */
static void run_fails_with(const struct bpf_insn *insns, size_t cnt, const char *want)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, o);
    struct bpfrt_prog *p = NULL;
    char err[256] = "";
    uint8_t data[4] = {0};

    cr_assert_eq(bpfrt_prog__load_insns(insns, cnt, &o, &p), 0);
    BPFRT_OPTS(bpfrt_run_opts, r, .data = data, .data_size = sizeof(data), .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(p, &r), -EOPNOTSUPP);
    cr_assert(strstr(err, want), "%s", err);
    bpfrt_prog__free(p);
}

Test(interp, missing_helpers_fail_the_run_unknown_ids_and_kfuncs_the_load)
{
    char log[256];
    int err;

    run_fails_with(PROG(INSN_MOV64_IMM(0, 0), INSN_CALL(BPF_FUNC_probe_read), INSN_EXIT()),
                   "helper bpf_probe_read#4 has no implementation in bpfrt: reading kernel memory has no meaning here");
    err = load_err(PROG(INSN_CALL(0), INSN_EXIT()), log, sizeof(log));
    cr_assert_eq(err, -EINVAL); /* id 0 names no helper */
    err = load_err(PROG(INSN_CALL(100000), INSN_EXIT()), log, sizeof(log));
    cr_assert_eq(err, -EINVAL);
    cr_assert_str_eq(log, "insn 0: call to unknown helper #100000");
    err = load_err(PROG(INSN_CALL_KFUNC(1234), INSN_EXIT()), log, sizeof(log));
    cr_assert_eq(err, -EOPNOTSUPP);
    cr_assert(strstr(log, "insn 0: call to kfunc") && strstr(log, "1234"), "log: %s", log);
}

Test(interp, refuses_pseudo_ldimm64)
{
    /* map references resolve through live map ids; the others have no
     * meaning without an object (fd_array, kernel symbols, callbacks) */
    static const struct {
        int src, err;
        const char *msg;
    } cases[] = {
        {BPF_PSEUDO_MAP_FD, -EBADF, "no map with id 3000000"},
        {BPF_PSEUDO_MAP_VALUE, -EBADF, "no map with id 3000000"},
        {BPF_PSEUDO_BTF_ID, -EOPNOTSUPP, "kernel symbol"},
        {BPF_PSEUDO_FUNC, -EINVAL, "(callback): target 3000001 is outside the program"},
        {BPF_PSEUDO_MAP_IDX, -EINVAL, "fd_array"},
        {BPF_PSEUDO_MAP_IDX_VALUE, -EINVAL, "fd_array"},
    };
    char log[256];
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        int err = load_err(PROG(INSN_LDIMM64_RAW(1, cases[k].src, 3000000, 0), INSN_MOV64_IMM(0, 0), INSN_EXIT()),
                           log, sizeof(log));
        cr_assert_eq(err, cases[k].err, "src_reg %d: %d", cases[k].src, err);
        cr_assert(strstr(log, "insn 0:") && strstr(log, cases[k].msg), "src_reg %d log: %s", cases[k].src, log);
    }
}

/* ---- Checked mode: access validation ---- */

static struct outcome run_checked(const struct bpf_insn *insns, size_t cnt, void *data, size_t size)
{
    struct bpfrt_prog *p = load_ok(insns, cnt);
    struct outcome o = run_mode(p, data, size, BPFRT_RUN_CHECKED, 0, 0);
    bpfrt_prog__free(p);
    return o;
}
#define RUN_CHECKED(data, size, ...) run_checked(PROG(__VA_ARGS__), data, size)

Test(interp, checked_data_read_past_end)
{
    uint8_t buf[64] = {0};
    struct outcome o = RUN_CHECKED(buf, 64, INSN_MOV64_IMM(0, 0), INSN_LDX(BPF_W, 0, 1, 62), INSN_EXIT());
    char want[160];
    cr_assert_eq(o.err, -EFAULT);
    snprintf(want, sizeof(want),
             "insn 1: invalid read of 4 bytes at %p: 2 bytes past the end of region 'data' [%p, +64)",
             (void *)(buf + 62), (void *)buf);
    cr_assert_str_eq(o.msg, want);
    /* the last bytes are fine */
    o = RUN_CHECKED(buf, 64, INSN_LDX(BPF_W, 0, 1, 60), INSN_EXIT());
    cr_assert_eq(o.err, 0, "%s", o.msg);
}

Test(interp, checked_data_write_past_end_and_before_start)
{
    uint8_t buf[64] = {0};
    struct outcome o = RUN_CHECKED(buf, 64, INSN_MOV64_IMM(0, 0), INSN_ST_IMM(BPF_W, 1, 61, 7), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 1: invalid write of 4 bytes") &&
                  strstr(o.msg, "1 byte past the end of region 'data'"),
              "%s", o.msg);
    cr_assert_eq(buf[61], 0, "the faulting store must not happen");
    o = RUN_CHECKED(buf, 64, INSN_MOV64_IMM(2, 1), INSN_STX(BPF_DW, 1, 2, -2), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "2 bytes before the start of region 'data'"), "%s", o.msg);
    /* far away: outside every region, listing them */
    o = RUN_CHECKED(buf, 64, INSN_LDX(BPF_B, 0, 1, 4096), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "outside every region (stack [") && strstr(o.msg, "data ["), "%s", o.msg);
}

Test(interp, checked_stack_bounds)
{
    struct outcome o = RUN_CHECKED(NULL, 0, INSN_LDX(BPF_DW, 0, 10, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 0: invalid read of 8 bytes") && strstr(o.msg, "outside every region (stack ["), "%s",
              o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_LDX(BPF_DW, 0, 10, -4), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "4 bytes past the end of region 'stack'"), "%s", o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_MOV64_IMM(1, 0), INSN_STX(BPF_DW, 10, 1, -516), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 1: invalid write of 8 bytes") &&
                  strstr(o.msg, "4 bytes before the start of region 'stack'"),
              "%s", o.msg);
    /* a callee may use its own frame and its caller's, not below its own */
    o = RUN_CHECKED(NULL, 0, INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_ST_IMM(BPF_DW, 10, 504, 1),
                    INSN_ST_IMM(BPF_DW, 10, -512, 1), INSN_ST_IMM(BPF_H, 10, -513, 1), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 4: invalid write of 2 bytes") &&
                  strstr(o.msg, "1 byte before the start of region 'stack'"),
              "%s", o.msg);
    /* the main frame cannot reach the unused frames below it */
    o = RUN_CHECKED(NULL, 0, INSN_LDX(BPF_DW, 0, 10, -1024), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
}

Test(interp, checked_null_deref)
{
    struct outcome o = RUN_CHECKED(NULL, 0, INSN_LDX(BPF_W, 0, 1, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 0: invalid read of 4 bytes at 0x0 (null pointer)"), "%s", o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_MOV64_IMM(0, 0), INSN_ST_IMM(BPF_B, 0, 16, 1), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 1: invalid write of 1 byte at 0x10 (null pointer)"), "%s", o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_ATOMIC(BPF_DW, BPF_ADD, 1, 1, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    o = RUN_CHECKED(NULL, 0, INSN_LOAD_ACQ(BPF_DW, 0, 1, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "load-acquire"), "%s", o.msg);
}

Test(interp, checked_wild_and_wrapping_addresses)
{
    struct outcome o = RUN_CHECKED(NULL, 0, INSN_LDIMM64(1, ~0ull), INSN_LDX(BPF_DW, 0, 1, -2), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT, "%s", o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_LDIMM64(1, ~0ull), INSN_LDX(BPF_DW, 0, 1, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT, "%s", o.msg);
    o = RUN_CHECKED(NULL, 0, INSN_LDIMM64(1, 0x00007fff12345678ull), INSN_STX(BPF_W, 1, 1, 0), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT, "%s", o.msg);
    cr_assert(strstr(o.msg, "outside every region"), "%s", o.msg);
}

Test(interp, checked_misaligned_atomic)
{
    uint64_t buf[2] = {0};
    struct outcome o =
        RUN_CHECKED(NULL, 0, INSN_MOV64_IMM(1, 1), INSN_ATOMIC(BPF_DW, BPF_ADD, 10, 1, -12), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "insn 1: misaligned atomic update of 8 bytes"), "%s", o.msg);
    o = RUN_CHECKED(buf, sizeof(buf), INSN_MOV64_IMM(2, 1), INSN_ATOMIC(BPF_W, BPF_XCHG, 1, 2, 2), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "misaligned"), "%s", o.msg);
    o = RUN_CHECKED(buf, sizeof(buf), INSN_LOAD_ACQ(BPF_H, 0, 1, 1), INSN_EXIT());
    cr_assert_eq(o.err, -EFAULT);
    cr_assert(strstr(o.msg, "misaligned load-acquire of 2 bytes"), "%s", o.msg);
    /* 4-byte atomics need only 4-byte alignment */
    o = RUN_CHECKED(buf, sizeof(buf), INSN_MOV64_IMM(2, 1), INSN_ATOMIC(BPF_W, BPF_ADD, 1, 2, 4), INSN_EXIT());
    cr_assert_eq(o.err, 0, "%s", o.msg);
    cr_assert_eq(buf[0], 1ull << 32);
}

/* Read-only regions need the engine API: the public one only adds 'data'. */
Test(interp, checked_write_to_read_only_region)
{
    static const struct bpf_insn p[] = {INSN_LDX(BPF_W, 0, 1, 0), INSN_ST_IMM(BPF_W, 1, 4, 1), INSN_EXIT()};
    uint32_t ctx[4] = {5, 0, 0, 0};
    void *code = NULL;
    struct rt_run *run = calloc(1, sizeof(*run));
    uint64_t args[5] = {(uint64_t)(uintptr_t)ctx}, r0 = 0;
    char log[128];

    cr_assert(run);
    cr_assert_eq(interp_prepare(p, INSNS_CNT(p), &code, log, sizeof(log)), 0, "%s", log);
    run->budget = 1000;
    cr_assert_eq(rt_add_region(run, (uint64_t)(uintptr_t)ctx, sizeof(ctx), RT_R, "context"), 0);
    cr_assert_eq(interp_run(code, run, args, 1, &r0), -EFAULT);
    cr_assert_eq(run->err_pc, 1);
    cr_assert(strstr(run->errmsg, "invalid write of 4 bytes") && strstr(run->errmsg, "region 'context'") &&
                  strstr(run->errmsg, "is read-only"),
              "%s", run->errmsg);
    cr_assert_eq(run->insn_cnt, 2);
    cr_assert_eq(ctx[1], 0);
    /* atomics need read and write */
    static const struct bpf_insn q[] = {INSN_ATOMIC(BPF_W, BPF_ADD, 1, 1, 0), INSN_EXIT()};
    void *code2 = NULL;
    cr_assert_eq(interp_prepare(q, INSNS_CNT(q), &code2, log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(interp_run(code2, run, args, 1, &r0), -EFAULT);
    cr_assert(strstr(run->errmsg, "atomic update"), "%s", run->errmsg);
    /* a writable region is fine, and fast mode does not check */
    run->regions[0].perm = RT_RW;
    run->budget = 1000;
    cr_assert_eq(interp_run(code, run, args, 1, &r0), 0, "%s", run->errmsg);
    cr_assert_eq(r0, 5);
    cr_assert_eq(ctx[1], 1);
    interp_free(code);
    interp_free(code2);
    free(run);
}

Test(interp, engine_api_direct)
{
    static const struct bpf_insn p[] = {INSN_MOV64_REG(0, 1), INSN_ALU64_REG(BPF_ADD, 0, 5), INSN_EXIT()};
    void *code = NULL;
    struct rt_run *run = calloc(1, sizeof(*run));
    uint64_t args[5] = {40, 0, 0, 0, 2}, r0 = 0;
    cr_assert(run);
    cr_assert_eq(interp_prepare(p, INSNS_CNT(p), &code, NULL, 0), 0);
    for (int checked = 0; checked < 2; checked++) {
        run->budget = 100;
        cr_assert_eq(interp_run(code, run, args, checked, &r0), 0);
        cr_assert_eq(r0, 42);
    }
    cr_assert_eq(run->insn_cnt, 3);
    interp_free(code);
    interp_free(NULL);
    free(run);
}

Test(interp, fast_mode_reports_errors_with_pc)
{
    char msg[128];
    struct bpfrt_prog *p = load_ok(PROG(INSN_MOV64_IMM(0, 0), INSN_MOV64_IMM(0, 0), INSN_JA(-2), INSN_EXIT()));
    BPFRT_OPTS(bpfrt_run_opts, r, .budget = 1000, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED, .err_buf = msg,
               .err_size = sizeof(msg));
    cr_assert_eq(bpfrt_prog__run(p, &r), -ELOOP);
    cr_assert_str_eq(msg, "insn 2: instruction budget exceeded");
    bpfrt_prog__free(p);
}

/* ---- Randomised cross-checks against a reference model written
 * differently from the interpreter (magnitudes for signed division,
 * bit-by-bit arithmetic shift), fixed seed. ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static const uint64_t interesting[] = {
    0,
    1,
    2,
    3,
    7,
    31,
    32,
    33,
    63,
    64,
    65,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    ~0ull,
    (uint64_t)-2,
    (uint64_t)-7,
    (uint64_t)-100,
    0xdeadbeef00000005ull,
    0xffffffff80000000ull,
};

static uint64_t pick(void)
{
    uint64_t r = rnd();
    return r % 3 ? interesting[r % (sizeof(interesting) / sizeof(interesting[0]))] : rnd();
}

static uint64_t sext(uint64_t x, unsigned w)
{
    return w == 64 ? x : ((x & 0xffffffffull) ^ 0x80000000ull) - 0x80000000ull;
}

static uint64_t ref_alu(unsigned w, uint8_t op, int sgn, uint64_t a, uint64_t b)
{
    uint64_t mask = w == 64 ? ~0ull : 0xffffffffull, r = 0;
    uint64_t sa = sext(a & mask, w), sb = sext(b & mask, w);
    int na = (int64_t)sa < 0, nb = (int64_t)sb < 0;
    uint64_t ua = na ? 0 - sa : sa, ub = nb ? 0 - sb : sb;
    unsigned n = (unsigned)(b & (w - 1));

    a &= mask;
    b &= mask;
    switch (op) {
    case BPF_ADD: r = a + b; break;
    case BPF_SUB: r = a + (~b + 1); break;
    case BPF_MUL: r = (uint64_t)((unsigned __int128)a * b); break;
    case BPF_OR: r = a | b; break;
    case BPF_AND: r = a & b; break;
    case BPF_XOR: r = a ^ b; break;
    case BPF_MOV: r = b; break;
    case BPF_LSH:
        r = a;
        for (unsigned i = 0; i < n; i++)
            r += r;
        break;
    case BPF_RSH:
        r = a;
        for (unsigned i = 0; i < n; i++)
            r /= 2;
        break;
    case BPF_ARSH:
        r = sa;
        for (unsigned i = 0; i < n; i++)
            r = (r >> 1) | (r & 0x8000000000000000ull);
        break;
    case BPF_DIV:
        if (!sgn)
            r = b ? a / b : 0;
        else
            r = ub ? (na != nb ? 0 - ua / ub : ua / ub) : 0;
        break;
    case BPF_MOD:
        if (!sgn)
            r = b ? a % b : a;
        else
            r = ub ? (na ? 0 - ua % ub : ua % ub) : a;
        break;
    }
    return r & mask;
}

Test(interp, alu_random_against_reference)
{
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
                                  BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
    for (int iter = 0; iter < 1500; iter++) {
        int is64 = (int)(rnd() & 1), k = (int)(rnd() & 1);
        uint8_t op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
        int sgn = (op == BPF_DIV || op == BPF_MOD) && (rnd() & 1);
        uint64_t a = pick(), b = pick();
        if (k)
            b = (uint64_t)(int64_t)(int32_t)b; /* what an immediate can express */
        uint64_t want = ref_alu(is64 ? 64 : 32, op, sgn, a, b);
        uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
        struct bpf_insn p[] = {
            INSN_LDIMM64(0, a),
            INSN_LDIMM64(3, b),
            k ? (struct bpf_insn)INSN_RAW(cls | op | BPF_K, 0, 0, sgn, (int32_t)b)
              : (struct bpf_insn)INSN_RAW(cls | op | BPF_X, 0, 3, sgn, 0),
            INSN_EXIT(),
        };
        uint64_t got = run_both(p, INSNS_CNT(p), NULL, 0);
        cr_assert_eq(got, want, "%s op 0x%02x%s %s: 0x%llx, 0x%llx -> 0x%llx, reference 0x%llx",
                     is64 ? "alu64" : "alu32", op, sgn ? " signed" : "", k ? "K" : "X", (unsigned long long)a,
                     (unsigned long long)b, (unsigned long long)got, (unsigned long long)want);
    }
}

static int ref_jmp(unsigned w, uint8_t op, uint64_t a, uint64_t b)
{
    uint64_t mask = w == 64 ? ~0ull : 0xffffffffull;
    uint64_t ua = a & mask, ub = b & mask;
    /* signed order: flip the sign bit and compare unsigned */
    uint64_t top = w == 64 ? 0x8000000000000000ull : 0x80000000ull;
    uint64_t fa = ua ^ top, fb = ub ^ top;
    switch (op) {
    case BPF_JEQ: return ua == ub;
    case BPF_JNE: return ua != ub;
    case BPF_JGT: return ua > ub;
    case BPF_JGE: return ua >= ub;
    case BPF_JLT: return ua < ub;
    case BPF_JLE: return ua <= ub;
    case BPF_JSET: return (ua & ub) != 0;
    case BPF_JSGT: return fa > fb;
    case BPF_JSGE: return fa >= fb;
    case BPF_JSLT: return fa < fb;
    default: return fa <= fb; /* BPF_JSLE */
    }
}

Test(interp, jmp_random_against_reference)
{
    static const uint8_t ops[] = {BPF_JEQ,  BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
                                  BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
    for (int iter = 0; iter < 1500; iter++) {
        int is64 = (int)(rnd() & 1), k = (int)(rnd() & 1);
        uint8_t op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
        uint64_t a = pick(), b = rnd() % 4 ? pick() : a;
        if (k)
            b = (uint64_t)(int64_t)(int32_t)b;
        int want = ref_jmp(is64 ? 64 : 32, op, a, b);
        uint8_t cls = is64 ? BPF_JMP : BPF_JMP32;
        struct bpf_insn p[] = {
            INSN_LDIMM64(1, a),
            INSN_LDIMM64(2, b),
            k ? (struct bpf_insn)INSN_RAW(cls | op | BPF_K, 1, 0, 2, (int32_t)b)
              : (struct bpf_insn)INSN_RAW(cls | op | BPF_X, 1, 2, 2, 0),
            INSN_MOV64_IMM(0, 0),
            INSN_EXIT(),
            INSN_MOV64_IMM(0, 1),
            INSN_EXIT(),
        };
        uint64_t got = run_both(p, INSNS_CNT(p), NULL, 0);
        cr_assert_eq(got, (uint64_t)want, "%s op 0x%02x %s: 0x%llx vs 0x%llx taken %llu, reference %d",
                     is64 ? "jmp" : "jmp32", op, k ? "K" : "X", (unsigned long long)a, (unsigned long long)b,
                     (unsigned long long)got, want);
    }
}

/* Random programs of valid encodings: the checked run must end with a
 * result or an error, never a crash, whatever the pointers hold. */
static struct bpf_insn random_insn(size_t i, size_t n)
{
    for (;;) {
        uint64_t r = rnd();
        uint8_t code = (uint8_t)r, cls = code & 7, op = code & 0xf0;
        int x = code & BPF_X;
        struct bpf_insn in = INSN_RAW(code, (r >> 8) % 10, (r >> 12) % 11, 0, (int32_t)pick());
        char why[128];

        if (code == (BPF_LD | BPF_IMM | BPF_DW))
            continue;
        switch (cls) {
        case BPF_ALU:
        case BPF_ALU64:
            if (op == BPF_END)
                in.imm = 16 << ((r >> 20) % 3), in.src_reg = 0;
            else if (op == BPF_NEG)
                in.imm = 0, in.src_reg = 0;
            else if (x)
                in.imm = 0;
            else
                in.src_reg = 0;
            if (op == BPF_MOV && x && (r >> 24) % 4 == 0)
                in.off = (int16_t)(8 << ((r >> 26) % 3));
            if (op == BPF_DIV || op == BPF_MOD)
                in.off = (int16_t)((r >> 24) & 1);
            break;
        case BPF_JMP:
        case BPF_JMP32:
            in.off = (int16_t)((int)((r >> 24) % (n + 1)) - (int)i - 1);
            if (x && op != BPF_JA && op != BPF_CALL && op != BPF_EXIT)
                in.imm = 0;
            else
                in.src_reg = 0;
            if (op == BPF_JA || op == BPF_CALL || op == BPF_EXIT)
                in.dst_reg = 0;
            if (op == BPF_JA && cls == BPF_JMP32)
                in.imm = in.off, in.off = 0;
            else if (op == BPF_JA)
                in.imm = 0;
            if (op == BPF_CALL)
                in.off = 0, in.imm = (r >> 40) & 1 ? BPF_FUNC_ktime_get_ns : BPF_FUNC_get_smp_processor_id;
            if (op == BPF_EXIT)
                in.off = 0, in.imm = 0;
            break;
        case BPF_LDX:
            in.imm = 0;
            in.off = (int16_t)((r >> 24) % 2 ? (int)((r >> 28) % 80) - 16 : (int16_t)(r >> 40));
            break;
        case BPF_ST:
        case BPF_STX:
            in.off = (int16_t)((r >> 24) % 2 ? (int)((r >> 28) % 80) - 16 : (int16_t)(r >> 40));
            if (cls == BPF_ST)
                in.src_reg = 0;
            else if ((code & 0xe0) == BPF_ATOMIC)
                in.imm = (int32_t)((r >> 48) % 4 == 0   ? BPF_CMPXCHG
                                   : (r >> 48) % 4 == 1 ? ((r >> 50) & 1 ? BPF_LOAD_ACQ : BPF_STORE_REL)
                                                        : (r >> 52) & 0xf1);
            else
                in.imm = 0;
            break;
        default: /* LD_ABS / LD_IND */
            in.dst_reg = 0;
            in.off = 0;
            if ((code & 0xe0) == BPF_ABS)
                in.src_reg = 0;
            in.imm = (int32_t)((r >> 24) % 80) - 8;
            break;
        }
        if (!isa_check_insn(&in, 1, 0, why, sizeof(why)))
            return in;
    }
}

Test(interp, checked_survives_random_programs)
{
    uint8_t data[64] = {0};
    int loaded = 0, faults = 0, ok = 0;
    for (int iter = 0; iter < 3000; iter++) {
        struct bpf_insn p[16];
        size_t n = 2 + rnd() % 14;
        for (size_t i = 0; i + 1 < n; i++)
            p[i] = random_insn(i, n);
        p[n - 1] = (struct bpf_insn)INSN_EXIT();
        struct bpfrt_prog *prog = NULL;
        if (bpfrt_prog__load_insns(p, n, NULL, &prog))
            continue;
        loaded++;
        struct outcome o = run_mode(prog, data, sizeof(data), BPFRT_RUN_CHECKED, 10000, 0);
        cr_assert(o.err == 0 || o.err == -EFAULT || o.err == -ELOOP, "program %d: err %d (%s)", iter, o.err, o.msg);
        faults += o.err == -EFAULT;
        ok += o.err == 0;
        bpfrt_prog__free(prog);
    }
    cr_assert_gt(loaded, 1500, "too few random programs were valid: %d", loaded);
    cr_assert_gt(faults, 100, "few accesses were refused: %d", faults);
    cr_assert_gt(ok, 100, "few programs ran to the end: %d", ok);
}

/* ---- Concurrency: one program, several threads, shared data ---- */

#include <pthread.h>

struct thr_arg {
    struct bpfrt_prog *prog;
    uint64_t *counter;
    uint32_t worker;
    int err;
};

static void *thr_main(void *v)
{
    struct thr_arg *a = v;
    for (int i = 0; i < 200 && !a->err; i++) {
        BPFRT_OPTS(bpfrt_run_opts, r, .data = a->counter, .data_size = 8, .worker = a->worker,
                   .flags = (i & 1) ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED);
        a->err = bpfrt_prog__run(a->prog, &r);
        if (!a->err && r.retval != a->worker)
            a->err = -1;
    }
    return NULL;
}

Test(interp, concurrent_runs_share_atomics)
{
    /* 100 atomic increments per run; r0 = the worker index */
    struct bpfrt_prog *p =
        load_ok(PROG(INSN_MOV64_IMM(6, 0), INSN_MOV64_IMM(2, 1), INSN_ATOMIC(BPF_DW, BPF_ADD, 1, 2, 0),
                     INSN_ALU64_IMM(BPF_ADD, 6, 1), INSN_JMP_IMM(BPF_JLT, 6, 100, -3),
                     INSN_CALL(BPF_FUNC_get_smp_processor_id), INSN_EXIT()));
    uint64_t counter = 0;
    pthread_t t[4];
    struct thr_arg args[4];
    for (uint32_t i = 0; i < 4; i++) {
        args[i] = (struct thr_arg){p, &counter, i, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, thr_main, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(args[i].err, 0, "thread %d: %d", i, args[i].err);
    }
    cr_assert_eq(counter, 4 * 200 * 100);
    bpfrt_prog__free(p);
}
