/* test_jit.c - the x86-64 JIT (src/engine/jit_x86_64*.c) against the
 * interpreter, through the engine seam (engine.h): every program here runs
 * in both engines on copies of its data, and the error, the message, the
 * failing instruction, r0, the data and the budget left must be the same
 * (the interpreter follows RFC 9669 and the kernel; the JIT must follow
 * the interpreter).  Plus what only the JIT has: its image is mapped
 * read-only and executable (W^X), the engine option picks it, and jumps
 * settle in a few passes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "engine/engine.h"
#include "isa/isa.h"
#include "insns.h"

#if defined(__x86_64__)
#include "engine/jit_x86_64.h"
#include "runtime/prog.h"

#define PROG(...) ((const struct bpf_insn[]){__VA_ARGS__}), INSNS_CNT(((const struct bpf_insn[]){__VA_ARGS__}))

struct res {
    int err;
    uint64_t r0, budget;
    uint32_t pc;
    char msg[RT_ERRMSG];
};

static struct res run_in(const struct eng_ops *e, const struct bpf_insn *p, size_t n, uint64_t budget, uint8_t *data,
                         size_t len)
{
    struct eng_input in = {p, n, NULL};
    char log[256] = "";
    struct eng_log l = {log, sizeof(log), -1};
    struct rt_run *run = calloc(1, sizeof(*run));
    uint64_t args[5] = {(uint64_t)(uintptr_t)data, len, 0, 0, 0};
    struct res r = {0};
    void *img = NULL;
    int err;

    cr_assert(run);
    err = e->prepare(&in, &img, &l);
    cr_assert_eq(err, 0, "%s: prepare failed: %d %s", e->name, err, log);
    run->budget = budget;
    run->pkt = data;
    run->pkt_len = (uint32_t)len;
    r.err = e->run(img, run, args, 0, &r.r0);
    r.budget = run->budget;
    r.pc = run->err_pc;
    if (r.err)
        memcpy(r.msg, run->errmsg, sizeof(r.msg));
    e->free(img);
    free(run);
    return r;
}

/* Run in both engines; return the JIT's result after comparing. */
static struct res both(const struct bpf_insn *p, size_t n, uint64_t budget, uint8_t *data, size_t len)
{
    uint8_t *a = len ? malloc(len) : NULL, *b = len ? malloc(len) : NULL;
    struct res ri, rj;

    if (len) {
        memcpy(a, data, len);
        memcpy(b, data, len);
    }
    ri = run_in(&eng_interp, p, n, budget, a, len);
    rj = run_in(&eng_jit, p, n, budget, b, len);
    cr_assert_eq(ri.err, rj.err, "interp err %d (%s), jit err %d (%s)", ri.err, ri.msg, rj.err, rj.msg);
    cr_assert_eq(ri.r0, rj.r0, "interp r0 0x%llx, jit r0 0x%llx", (unsigned long long)ri.r0, (unsigned long long)rj.r0);
    cr_assert_eq(ri.budget, rj.budget, "budget left: interp %llu, jit %llu", (unsigned long long)ri.budget,
                 (unsigned long long)rj.budget);
    if (ri.err) {
        cr_assert_eq(ri.pc, rj.pc, "failing insn: interp %u, jit %u", ri.pc, rj.pc);
        cr_assert_str_eq(ri.msg, rj.msg);
    }
    if (len) {
        cr_assert(!memcmp(a, b, len), "the engines left different data");
        memcpy(data, b, len);
    }
    free(a);
    free(b);
    return rj;
}

#define R0(want, ...)                                                                                                  \
    do {                                                                                                               \
        struct res r_ = both(PROG(__VA_ARGS__), 1000, NULL, 0);                                                        \
        cr_assert_eq(r_.err, 0, "%s", r_.msg);                                                                         \
        cr_assert_eq(r_.r0, (uint64_t)(want), "r0 0x%llx, expected 0x%llx", (unsigned long long)r_.r0,                 \
                     (unsigned long long)(uint64_t)(want));                                                            \
    } while (0)

/* Division and modulo: by zero 0 / the dividend, signed INT_MIN / -1 (the
 * kernel's verifier rewrite and its JIT's special case for -1). */
Test(jit, division_edges)
{
    R0(0, INSN_MOV64_IMM(0, 7), INSN_MOV64_IMM(1, 0), INSN_ALU64_REG(BPF_DIV, 0, 1), INSN_EXIT());
    R0(7, INSN_MOV64_IMM(0, 7), INSN_MOV64_IMM(1, 0), INSN_ALU64_REG(BPF_MOD, 0, 1), INSN_EXIT());
    R0(0xfffffff9ull, INSN_MOV64_IMM(0, -7), INSN_MOV64_IMM(1, 0), INSN_ALU32_REG(BPF_MOD, 0, 1), INSN_EXIT());
    R0(0x8000000000000000ull, INSN_LDIMM64(0, 0x8000000000000000ull), INSN_SALU64_IMM(BPF_DIV, 0, -1), INSN_EXIT());
    R0(0, INSN_LDIMM64(0, 0x8000000000000000ull), INSN_SALU64_IMM(BPF_MOD, 0, -1), INSN_EXIT());
    R0(0x80000000u, INSN_MOV32_IMM(0, (int32_t)0x80000000), INSN_SALU32_IMM(BPF_DIV, 0, -1), INSN_EXIT());
    R0((uint64_t)-3, INSN_MOV64_IMM(0, -7), INSN_MOV64_IMM(3, 2), INSN_SALU64_REG(BPF_DIV, 0, 3), INSN_EXIT());
    R0((uint64_t)-1, INSN_MOV64_IMM(0, -7), INSN_MOV64_IMM(3, 2), INSN_SALU64_REG(BPF_MOD, 0, 3), INSN_EXIT());
    /* dst and src in rax/rdx (r0, r3): saved around the division */
    R0(5, INSN_MOV64_IMM(3, 35), INSN_MOV64_IMM(0, 7), INSN_ALU64_REG(BPF_DIV, 3, 0), INSN_MOV64_REG(0, 3),
       INSN_EXIT());
    R0(3, INSN_MOV64_IMM(3, 12), INSN_MOV64_IMM(0, 7), INSN_MOV64_REG(1, 3), INSN_ALU64_REG(BPF_DIV, 0, 3),
       INSN_ALU64_REG(BPF_ADD, 0, 1), INSN_ALU64_IMM(BPF_SUB, 0, 9), INSN_EXIT());
}

/* Shifts by a register: the count goes through cl (r4 is rcx); counts are
 * masked to the width (RFC 9669 4.1); 32-bit results zero-extend even
 * for a count of 0. */
Test(jit, shifts_through_cl)
{
    R0(0x100, INSN_MOV64_IMM(4, 1), INSN_MOV64_IMM(1, 8), INSN_ALU64_REG(BPF_LSH, 4, 1), INSN_MOV64_REG(0, 4),
       INSN_EXIT());
    R0(0x3, INSN_MOV64_IMM(0, 12), INSN_MOV64_IMM(4, 66), INSN_ALU64_REG(BPF_RSH, 0, 4), INSN_EXIT());
    R0(0xffffffffull, INSN_MOV64_IMM(0, -1), INSN_MOV64_IMM(2, 32), INSN_ALU32_REG(BPF_LSH, 0, 2), INSN_EXIT());
    R0((uint64_t)-2, INSN_MOV64_IMM(0, -8), INSN_MOV64_IMM(4, 2), INSN_ALU64_REG(BPF_ARSH, 0, 4), INSN_EXIT());
    R0(0xfffffffeu, INSN_MOV64_IMM(4, -8), INSN_MOV64_IMM(2, 2), INSN_ALU32_REG(BPF_ARSH, 4, 2), INSN_MOV64_REG(0, 4),
       INSN_EXIT());
    R0(0x7, INSN_LDIMM64(0, 0x700000007ull), INSN_ALU32_IMM(BPF_LSH, 0, 32), INSN_EXIT());
}

/* Byte swaps and sign extensions (RFC 9669 4.2, cpu v4 movsx). */
Test(jit, bswap_and_movsx)
{
    R0(0x3412, INSN_LDIMM64(0, 0xffff1234ull), INSN_ENDIAN(BPF_TO_BE, 0, 16), INSN_EXIT());
    R0(0x78563412, INSN_LDIMM64(0, 0xff12345678ull), INSN_ENDIAN(BPF_TO_BE, 0, 32), INSN_EXIT());
    R0(0x0807060504030201ull, INSN_LDIMM64(0, 0x0102030405060708ull), INSN_BSWAP(0, 64), INSN_EXIT());
    R0(0x1234, INSN_LDIMM64(0, 0xffff1234ull), INSN_ENDIAN(BPF_TO_LE, 0, 16), INSN_EXIT());
    R0((uint64_t)-128, INSN_MOV64_IMM(6, 0x180), INSN_MOVSX64(0, 6, 8), INSN_EXIT());
    R0(0xffff8000u, INSN_MOV64_IMM(1, 0x18000), INSN_MOVSX32(0, 1, 16), INSN_EXIT());
    R0((uint64_t)(int64_t)INT32_MIN, INSN_LDIMM64(2, 0x180000000ull), INSN_MOVSX64(0, 2, 32), INSN_EXIT());
}

/* Atomics on the stack: fetch forms return the old value (32-bit ones
 * zero-extended); cmpxchg compares with r0 and leaves the old value in it. */
Test(jit, atomics)
{
    R0(0x110, /* fetch_or with src = r0: r0 = 0x10 (old), memory 0x1f */
       INSN_ST_IMM(BPF_DW, 10, -8, 0x10), INSN_MOV64_IMM(0, 0xf), INSN_ATOMIC(BPF_DW, BPF_OR | BPF_FETCH, 10, 0, -8),
       INSN_LDX(BPF_DW, 1, 10, -8), INSN_ALU64_REG(BPF_ADD, 0, 1), INSN_ALU64_IMM(BPF_ADD, 0, 0xf0 - 0x1f + 0x10),
       INSN_EXIT());
    R0(5, INSN_ST_IMM(BPF_W, 10, -4, 5), INSN_LDIMM64(0, 0xffffffff00000005ull), INSN_MOV64_IMM(1, 9),
       INSN_ATOMIC(BPF_W, BPF_CMPXCHG, 10, 1, -4), INSN_EXIT());
    R0(9, INSN_ST_IMM(BPF_W, 10, -4, 5), INSN_MOV64_IMM(0, 5), INSN_MOV64_IMM(1, 9),
       INSN_ATOMIC(BPF_W, BPF_CMPXCHG, 10, 1, -4), INSN_LDX(BPF_W, 0, 10, -4), INSN_EXIT());
    R0(0x0f0f ^ 0xff, INSN_ST_IMM(BPF_W, 10, -4, 0x0f0f), INSN_MOV64_IMM(3, 0xff),
       INSN_ATOMIC(BPF_W, BPF_XOR | BPF_FETCH, 10, 3, -4), INSN_LDX(BPF_W, 0, 10, -4), INSN_EXIT());
    R0(0x0f0f, INSN_ST_IMM(BPF_W, 10, -4, 0x0f0f), INSN_MOV64_IMM(3, 0xff),
       INSN_ATOMIC(BPF_W, BPF_AND | BPF_FETCH, 10, 3, -4), INSN_MOV64_REG(0, 3), INSN_EXIT());
    R0(7 + 3, INSN_ST_IMM(BPF_DW, 10, -8, 7), INSN_MOV64_IMM(2, 3), INSN_ATOMIC(BPF_DW, BPF_ADD | BPF_FETCH, 10, 2, -8),
       INSN_LDX(BPF_DW, 0, 10, -8), INSN_EXIT());
    R0(7, INSN_ST_IMM(BPF_DW, 10, -8, 7), INSN_MOV64_IMM(2, 3), INSN_ATOMIC(BPF_DW, BPF_XCHG, 10, 2, -8),
       INSN_MOV64_REG(0, 2), INSN_EXIT());
}

/* A loop runs out of budget at the same instruction with the same budget
 * left in both engines (interp_body.inc charges taken backward jumps). */
Test(jit, budget_same_as_interpreter)
{
    struct res r =
        both(PROG(INSN_MOV64_IMM(0, 0), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_JMP_IMM(BPF_JLT, 0, 1000, -2), INSN_EXIT()),
             500, NULL, 0);
    cr_assert_eq(r.err, -ELOOP);
    cr_assert_eq(r.pc, 2);
    cr_assert_str_eq(r.msg, "instruction budget exceeded");
    r = both(PROG(INSN_MOV64_IMM(0, 0), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_JMP_IMM(BPF_JLT, 0, 100, -2), INSN_EXIT()),
             500, NULL, 0);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(r.r0, 100);
    cr_assert_eq(r.budget, 500 - 99 * 2);
}

/* bpf-to-bpf calls: r6-r9 and r10 come back; recursion stops at the
 * eighth frame with the interpreter's error. */
Test(jit, calls_and_depth)
{
    struct res r;

    R0(42, INSN_MOV64_IMM(6, 40), INSN_MOV64_REG(7, 10), INSN_CALL_PSEUDO(4), INSN_ALU64_REG(BPF_ADD, 0, 6),
       INSN_ALU64_REG(BPF_SUB, 7, 10), INSN_ALU64_REG(BPF_ADD, 0, 7), INSN_EXIT(),
       /* callee: clobbers r6, returns r10 distance */
       INSN_MOV64_IMM(6, 1000), INSN_MOV64_IMM(0, 2), INSN_ST_IMM(BPF_DW, 10, -8, 1), INSN_EXIT());
    r = both(PROG(INSN_CALL_PSEUDO(-1), INSN_EXIT()), 1000, NULL, 0);
    cr_assert_eq(r.err, -ELOOP);
    cr_assert_str_eq(r.msg, "call depth exceeds 8 frames (call to insn 0)");
}

/* Far jumps (rel32) and near ones (rel8) settle: a conditional jump over
 * 200 instructions, forward and backward. */
Test(jit, far_jumps_converge)
{
    enum { N = 200 };
    struct bpf_insn p[N + 8];
    size_t k = 0;
    struct res r;

    p[k++] = (struct bpf_insn)INSN_MOV64_IMM(0, 0);
    p[k++] = (struct bpf_insn)INSN_MOV64_IMM(1, 3);
    for (int i = 0; i < N; i++)
        p[k++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 0, 1000);
    p[k++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_SUB, 1, 1);
    p[k++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JNE, 1, 0, -(N + 2));
    p[k++] = (struct bpf_insn)INSN_JMP_IMM(BPF_JEQ, 1, 0, 1);
    p[k++] = (struct bpf_insn)INSN_MOV64_IMM(0, 1);
    p[k++] = (struct bpf_insn)INSN_EXIT();
    r = both(p, k, 100000, NULL, 0);
    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(r.r0, 3 * N * 1000);
}

/* LD_ABS/LD_IND: big-endian loads; out of bounds ends the whole program
 * with r0 = 0, from a subprogram too; r1..r5 survive. */
Test(jit, ld_abs_ind)
{
    uint8_t pkt[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct res r;

    r = both(PROG(INSN_MOV64_REG(6, 1), INSN_LD_ABS(BPF_W, 2), INSN_MOV64_IMM(7, 1), INSN_LD_IND(BPF_H, 7, 5),
                  INSN_ALU64_REG(BPF_SUB, 6, 1), INSN_ALU64_REG(BPF_ADD, 0, 6), INSN_EXIT()),
             100, pkt, sizeof(pkt));
    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(r.r0, 0x0708);
    r = both(PROG(INSN_MOV64_IMM(0, 5), INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_LD_ABS(BPF_W, 6), INSN_MOV64_IMM(0, 9),
                  INSN_EXIT()),
             100, pkt, sizeof(pkt));
    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(r.r0, 0);
}

/* Loads and stores of every size on caller memory, sign-extending loads. */
Test(jit, memory_all_sizes)
{
    uint8_t d[16] = {0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88};
    struct res r =
        both(PROG(INSN_ST_IMM(BPF_B, 1, 8, 0xab), INSN_ST_IMM(BPF_H, 1, 10, 0x1234), INSN_MOV64_IMM(3, 0x55667788),
                  INSN_STX(BPF_W, 1, 3, 12), INSN_LDXSX(BPF_B, 0, 1, 0), INSN_LDXSX(BPF_H, 2, 1, 2),
                  INSN_ALU64_REG(BPF_ADD, 0, 2), INSN_LDXSX(BPF_W, 2, 1, 4), INSN_ALU64_REG(BPF_ADD, 0, 2),
                  INSN_LDX(BPF_DW, 2, 1, 0), INSN_ALU64_REG(BPF_XOR, 0, 2), INSN_STX(BPF_B, 1, 6, 15), INSN_EXIT()),
             100, d, sizeof(d));
    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(d[8], 0xab);
    cr_assert_eq(d[10], 0x34);
}

/* The engine option: "jit" gives the JIT, "interp" the interpreter, any
 * other name fails the load naming it. */
Test(jit, engine_option)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 3), INSN_EXIT()};
    char log[256] = "";
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .engine = "jit", .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0, "%s", log);
    cr_assert_str_eq(bpfrt_prog__engine(prog), "jit");
    bpfrt_prog__free(prog);
    o.engine = "interp";
    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0, "%s", log);
    cr_assert_str_eq(bpfrt_prog__engine(prog), "interp");
    bpfrt_prog__free(prog);
    o.engine = "llvm";
    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), -EINVAL);
    cr_assert(strstr(log, "engine option 'llvm': unknown engine"), "%s", log);
}

/* W^X: the image is read-only and executable, never writable. */
Test(jit, image_read_only_executable)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 3), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .engine = "jit");
    const struct jit_image *img;
    char line[512];
    int found = 0;
    FILE *f;

    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0);
    img = prog->image;
    cr_assert(img->code_len > 0 && img->passes >= 2);
    f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)img->code >= lo &&
            (uintptr_t)img->code < hi) {
            cr_assert_str_eq(perms, "r-xp", "%s", line);
            found = 1;
        }
    }
    fclose(f);
    cr_assert(found);
    bpfrt_prog__free(prog);
}
/* The default: a verified program runs in the JIT, an unverified one (the
 * raw convention) in the interpreter (safe by default); BPFRT_ENGINE, the
 * environment's choice, is left out of this test. */
Test(jit, default_engine_by_verdict)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 2), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_XDP);
    char *env = getenv("BPFRT_ENGINE") ? strdup(getenv("BPFRT_ENGINE")) : NULL;

    unsetenv("BPFRT_ENGINE");
    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0);
    cr_assert_str_eq(bpfrt_prog__engine(prog), "jit");
    bpfrt_prog__free(prog);
    o.type = BPF_PROG_TYPE_UNSPEC;
    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0);
    cr_assert_str_eq(bpfrt_prog__engine(prog), "interp");
    bpfrt_prog__free(prog);
    if (env) {
        setenv("BPFRT_ENGINE", env, 1);
        free(env);
    }
}
/* Constant blinding (BPFRT_JIT_BLIND=1, as the kernel's
 * net.core.bpf_jit_harden = 2): the program's constants do not appear in
 * the code, and the program computes the same. */
static int has_bytes(const struct jit_image *img, const void *b, size_t n)
{
    for (size_t k = 0; k + n <= img->code_len; k++)
        if (!memcmp(img->code + k, b, n))
            return 1;
    return 0;
}

Test(jit, constant_blinding)
{
    const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0x12345678),
                                 INSN_ALU64_IMM(BPF_ADD, 0, 0x0badc0de),
                                 INSN_LDIMM64(1, 0x0123456789abcdefull),
                                 INSN_ST_IMM(BPF_W, 10, -4, 0x5eed5eed),
                                 INSN_LDX(BPF_W, 2, 10, -4),
                                 INSN_ALU64_REG(BPF_XOR, 0, 2),
                                 INSN_ALU64_REG(BPF_XOR, 0, 1),
                                 INSN_JMP_IMM(BPF_JEQ, 0, 0x7fff1234, 1),
                                 INSN_EXIT(),
                                 INSN_EXIT()};
    const uint32_t k1 = 0x12345678, k2 = 0x0badc0de, k4 = 0x5eed5eed;
    const uint64_t k3 = 0x0123456789abcdefull;
    const uint64_t want = (0x12345678ull + 0x0badc0de) ^ 0x5eed5eed ^ 0x0123456789abcdefull;
    char *env = getenv("BPFRT_JIT_BLIND") ? strdup(getenv("BPFRT_JIT_BLIND")) : NULL;

    for (int blind = 0; blind <= 1; blind++) {
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .engine = "jit");
        BPFRT_OPTS(bpfrt_run_opts, r, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED);
        struct bpfrt_prog *prog = NULL;
        const struct jit_image *img;

        setenv("BPFRT_JIT_BLIND", blind ? "1" : "0", 1);
        cr_assert_eq(bpfrt_prog__load_insns(p, INSNS_CNT(p), &o, &prog), 0);
        img = prog->image;
        cr_assert_eq(img->blinded, blind);
        cr_assert_eq(has_bytes(img, &k1, 4), !blind);
        cr_assert_eq(has_bytes(img, &k2, 4), !blind);
        cr_assert_eq(has_bytes(img, &k3, 8), !blind);
        cr_assert_eq(has_bytes(img, &k4, 4), !blind);
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0);
        cr_assert_eq(r.retval, want, "blind %d: r0 0x%llx", blind, (unsigned long long)r.retval);
        bpfrt_prog__free(prog);
    }
    if (env) {
        setenv("BPFRT_JIT_BLIND", env, 1);
        free(env);
    } else {
        unsetenv("BPFRT_JIT_BLIND");
    }
}
#endif
