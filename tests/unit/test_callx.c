/* test_callx.c - callx (BPF_JMP | BPF_CALL | BPF_X, "callx dst"): an
 * indirect bpf-to-bpf call of the function whose address is in dst, as
 * LLVM >= 19 emits it (Documentation/bpf/standardization; the address
 * comes from an LD_IMM64 with src_reg BPF_PSEUDO_FUNC).  The running
 * 6.18 kernel has no such opcode ("unknown opcode 8d", checked with
 * BPF_PROG_LOAD below), so bpfrt's verifier refuses it and only raw
 * (unverified) programs run it.  Every program runs in the interpreter
 * (fast and checked) and the JIT, which must agree on r0, the error, its
 * message and instruction, and the budget left; then through the load
 * pipeline with both engines, checked and unchecked.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "bpfrt/bpfrt.h"
#include "engine/engine.h"
#include "insns.h"
#include "isa/isa.h"
#include "verifier/env.h"
#include "common/diag.h"

#if defined(__x86_64__)
#include "engine/jit_x86_64.h"
#endif

#define PROG(...) ((const struct bpf_insn[]){__VA_ARGS__}), INSNS_CNT(((const struct bpf_insn[]){__VA_ARGS__}))
#define CALLX(DST) INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, DST, 0, 0, 0)
/* dst = the address of the function at insn `at`, for an LD_IMM64 at insn `here` */
#define LD_FUNC(DST, here, at) INSN_LDIMM64_RAW(DST, BPF_PSEUDO_FUNC, (uint32_t)((at) - (here) - 1), 0)

struct res {
    int err;
    uint64_t r0, budget;
    uint32_t pc;
    char msg[RT_ERRMSG];
};

/* One engine, one mode, prepared and run through the engine seam with
 * args r1..r5. */
static struct res run_eng(const struct eng_ops *e, int checked, const struct bpf_insn *p, size_t n, uint64_t budget,
                          const uint64_t args[5], void **keep)
{
    struct eng_input in = {p, n, NULL};
    char log[256] = "";
    struct eng_log l = {log, sizeof(log), -1};
    struct rt_run *run = calloc(1, sizeof(*run));
    struct res r = {0};
    void *img = NULL;

    cr_assert(run);
    cr_assert_eq(e->prepare(&in, &img, &l), 0, "%s: prepare failed: %s", e->name, log);
    run->budget = budget;
    r.err = e->run(img, run, args, checked, &r.r0);
    r.budget = run->budget;
    r.pc = run->err_pc;
    if (r.err)
        memcpy(r.msg, run->errmsg, sizeof(r.msg));
    if (keep)
        *keep = img;
    else
        e->free(img);
    free(run);
    return r;
}

static void same(const char *what, const struct res *a, const struct res *b, int budget_too)
{
    cr_assert_eq(a->err, b->err, "%s: err %d (%s) vs %d (%s)", what, a->err, a->msg, b->err, b->msg);
    cr_assert_eq(a->r0, b->r0, "%s: r0 %llu vs %llu", what, (unsigned long long)a->r0, (unsigned long long)b->r0);
    if (budget_too)
        cr_assert_eq(a->budget, b->budget, "%s: budget left %llu vs %llu", what, (unsigned long long)a->budget,
                     (unsigned long long)b->budget);
    if (a->err) {
        cr_assert_eq(a->pc, b->pc, "%s: failing insn %u vs %u", what, a->pc, b->pc);
        cr_assert_str_eq(a->msg, b->msg, "%s", what);
    }
}

/* Interpreter fast and checked, and the JIT (fast): the same outcome.
 * Returns the interpreter's checked result. */
static struct res all_engines(const struct bpf_insn *p, size_t n, uint64_t budget)
{
    static const uint64_t args[5] = {0};
    struct res fast = run_eng(&eng_interp, 0, p, n, budget, args, NULL);
    struct res chk = run_eng(&eng_interp, 1, p, n, budget ? budget : 1000000, args, NULL);

    same("interp fast / checked", &fast, &chk, 0);
#if defined(__x86_64__)
    {
        struct res jit = run_eng(&eng_jit, 0, p, n, budget, args, NULL);
        same("interp fast / jit", &fast, &jit, 1);
    }
#endif
    return chk;
}

/* Through the load pipeline as a raw program: engine jit and interp,
 * checked (the default for an unverified program) and unchecked. */
static void pipeline(const struct bpf_insn *p, size_t n, int want_err, uint64_t want_r0, const char *want_msg)
{
    static const char *const engines[] = {"interp", "jit"};

    for (size_t e = 0; e < 2; e++) {
        struct bpfrt_prog *prog = NULL;
        char log[256] = "";
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .engine = engines[e], .log_buf = log, .log_size = sizeof(log));

#if !defined(__x86_64__)
        if (e == 1)
            continue;
#endif
        cr_assert_eq(bpfrt_prog__load_insns(p, n, &o, &prog), 0, "%s: %s", engines[e], log);
        cr_assert_eq(bpfrt_prog__is_verified(prog), 0);
        for (int unchecked = 0; unchecked <= 1; unchecked++) {
            char err[256] = "";
            BPFRT_OPTS(bpfrt_run_opts, r, .flags = unchecked ? BPFRT_RUN_UNVERIFIED_UNCHECKED : 0, .err_buf = err,
                       .err_size = sizeof(err));
            int ret = bpfrt_prog__run(prog, &r);
            cr_assert_eq(ret, want_err, "%s %s: %d (%s)", engines[e], unchecked ? "unchecked" : "checked", ret, err);
            if (!want_err)
                cr_assert_eq(r.retval, want_r0, "%s: r0 %llu", engines[e], (unsigned long long)r.retval);
            else
                cr_assert(strstr(err, want_msg), "%s %s: \"%s\" lacks \"%s\"", engines[e],
                          unchecked ? "unchecked" : "checked", err, want_msg);
        }
        bpfrt_prog__free(prog);
    }
}

/* main -> f1 -> f2 -> f3, each through callx: arguments in r1, results in
 * r0, r6 callee-saved across every call (each function writes its own),
 * each frame's stack its own (f1 reads back what it stored before its
 * call).  f3(12) = 1012; f2 = 1012 + 7; f1 = 1019 * 10 + 5 + 5; main
 * adds its r6 (100): 10300. */
static const struct bpf_insn three_levels[] = {
    /* main */
    INSN_MOV64_IMM(6, 100),
    INSN_MOV64_IMM(1, 5),
    LD_FUNC(3, 2, 7),
    CALLX(3),
    INSN_ALU64_REG(BPF_ADD, 0, 6),
    INSN_EXIT(),
    /* f1 (7) */
    INSN_MOV64_REG(6, 1),
    INSN_STX(BPF_DW, 10, 1, -8),
    INSN_ALU64_IMM(BPF_ADD, 1, 1),
    LD_FUNC(4, 10, 18),
    CALLX(4),
    INSN_ALU64_IMM(BPF_MUL, 0, 10),
    INSN_ALU64_REG(BPF_ADD, 0, 6),
    INSN_LDX(BPF_DW, 7, 10, -8),
    INSN_ALU64_REG(BPF_ADD, 0, 7),
    INSN_EXIT(),
    /* f2 (18) */
    INSN_MOV64_IMM(6, 7),
    INSN_ALU64_IMM(BPF_MUL, 1, 2),
    LD_FUNC(5, 20, 25),
    CALLX(5),
    INSN_ALU64_REG(BPF_ADD, 0, 6),
    INSN_EXIT(),
    /* f3 (25) */
    INSN_MOV64_REG(0, 1),
    INSN_ALU64_IMM(BPF_ADD, 0, 1000),
    INSN_EXIT(),
};

Test(callx, three_levels_of_indirect_calls)
{
    struct res r = all_engines(three_levels, INSNS_CNT(three_levels), 1000);

    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(r.r0, 10300);
    pipeline(three_levels, INSNS_CNT(three_levels), 0, 10300, NULL);
}

Test(callx, budget_charges_one_per_call)
{
    /* The fast runs charge each call one unit (interp_body.inc
     * CHARGE_CALL): a budget of 2 stops the third callx (insn 22) with the
     * budget spent; 3 is enough.  The checked run counts instructions: the
     * callx is the 13th, which a budget of 12 stops. */
    static const uint64_t args[5] = {0};
    struct res f = run_eng(&eng_interp, 0, three_levels, INSNS_CNT(three_levels), 2, args, NULL);
    struct res c = run_eng(&eng_interp, 1, three_levels, INSNS_CNT(three_levels), 12, args, NULL);

    cr_assert_eq(f.err, -ELOOP);
    cr_assert_eq(f.pc, 22);
    cr_assert_str_eq(f.msg, "instruction budget exceeded");
    cr_assert_eq(c.err, -ELOOP);
    cr_assert_eq(c.pc, 22, "checked: pc %u", c.pc);
#if defined(__x86_64__)
    {
        struct res j = run_eng(&eng_jit, 0, three_levels, INSNS_CNT(three_levels), 2, args, NULL);
        same("interp fast / jit, budget 2", &f, &j, 1);
        j = run_eng(&eng_jit, 0, three_levels, INSNS_CNT(three_levels), 3, args, NULL);
        cr_assert_eq(j.err, 0, "%s", j.msg);
        cr_assert_eq(j.r0, 10300);
        cr_assert_eq(j.budget, 0);
    }
#endif
}

/* R(n): n ? R(n - 1) + 1 : 0, calling itself through callx with the
 * address it loads.  main runs on frame 0 and R(k) on frame n - k + 1:
 * R(6) needs 8 frames, the kernel's MAX_CALL_FRAMES and bpfrt's limit;
 * R(7) needs a 9th, which the callx at insn 10 may not have (the
 * interpreter's "call depth exceeds 8 frames"). */
#define RECURSE(N)                                                                                                     \
    INSN_MOV64_IMM(1, N), LD_FUNC(2, 1, 5), CALLX(2), INSN_EXIT(), /* R (5) */                                          \
        INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 1, 0, 5), INSN_ALU64_IMM(BPF_SUB, 1, 1), LD_FUNC(2, 8, 5),         \
        CALLX(2), INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_EXIT()

Test(callx, recursion_up_to_eight_frames)
{
    struct res ok = all_engines(PROG(RECURSE(6)), 1000);
    struct res deep = all_engines(PROG(RECURSE(7)), 1000);

    cr_assert_eq(ok.err, 0, "%s", ok.msg);
    cr_assert_eq(ok.r0, 6);
    cr_assert_eq(deep.err, -ELOOP);
    cr_assert_eq(deep.pc, 10);
    cr_assert_str_eq(deep.msg, "call depth exceeds 8 frames (call to insn 5)");
    pipeline(PROG(RECURSE(6)), 0, 6, NULL);
    pipeline(PROG(RECURSE(7)), -ELOOP, 0, "call depth exceeds 8 frames (call to insn 5)");
}

Test(callx, a_number_is_no_target)
{
    /* A value that is no instruction's address (a small number, 0): the
     * run stops at the callx, naming the register and the value, in the
     * fast modes too (never a jump into the unknown). */
    struct res r = all_engines(PROG(INSN_MOV64_IMM(1, 5), CALLX(1), INSN_EXIT()), 1000);
    struct res z = all_engines(PROG(INSN_MOV64_IMM(0, 1), CALLX(7), INSN_EXIT()), 1000);

    cr_assert_eq(r.err, -EFAULT);
    cr_assert_eq(r.pc, 1);
    cr_assert_str_eq(r.msg, "callx r1: 0x5 is not the address of a function of the program");
    cr_assert_eq(z.err, -EFAULT);
    cr_assert_str_eq(z.msg, "callx r7: 0x0 is not the address of a function of the program");
    pipeline(PROG(INSN_MOV64_IMM(1, 5), CALLX(1), INSN_EXIT()), -EFAULT,
             0, "callx r1: 0x5 is not the address of a function of the program");
}

Test(callx, an_address_inside_an_instruction_is_no_target)
{
    /* A function's address plus one: inside its first instruction's code
     * in both engines.  Each image has its own addresses: the messages
     * agree up to the value. */
    static const uint64_t args[5] = {0};
    static const struct bpf_insn p[] = {LD_FUNC(3, 0, 5), INSN_ALU64_IMM(BPF_ADD, 3, 1), CALLX(3), INSN_EXIT(),
                                        INSN_MOV64_IMM(0, 9), INSN_EXIT()};
    struct res r[3] = {
        run_eng(&eng_interp, 0, p, INSNS_CNT(p), 100, args, NULL),
        run_eng(&eng_interp, 1, p, INSNS_CNT(p), 100, args, NULL),
#if defined(__x86_64__)
        run_eng(&eng_jit, 0, p, INSNS_CNT(p), 100, args, NULL),
#else
        run_eng(&eng_interp, 0, p, INSNS_CNT(p), 100, args, NULL),
#endif
    };

    for (int k = 0; k < 3; k++) {
        cr_assert_eq(r[k].err, -EFAULT, "run %d: %d %s", k, r[k].err, r[k].msg);
        cr_assert_eq(r[k].pc, 3);
        cr_assert(strstr(r[k].msg, " is not the address of a function of the program"), "%s", r[k].msg);
        cr_assert(!strncmp(r[k].msg, "callx r3: 0x", 12), "%s", r[k].msg);
    }
}

/* An instruction that is no function's entry: the address of insn 7
 * (inside the function at 5), made from the function's address plus the
 * distance between the two in the engine's code, passed in r2. */
static const struct bpf_insn mid_fn[] = {
    LD_FUNC(3, 0, 5), INSN_ALU64_REG(BPF_ADD, 3, 2), CALLX(3), INSN_EXIT(),
    /* f (5) */
    INSN_MOV64_IMM(0, 1), INSN_MOV64_IMM(0, 2), INSN_MOV64_IMM(0, 3), INSN_EXIT(),
};

Test(callx, an_instruction_inside_a_function_is_no_target)
{
    const char *want = "callx r3: insn 7 is not the first instruction of a function";
    uint64_t args[5] = {0, 2 * 32, 0, 0, 0}; /* the interpreter's decoded instructions: 32 bytes */
    struct res f = run_eng(&eng_interp, 0, mid_fn, INSNS_CNT(mid_fn), 100, args, NULL);
    struct res c = run_eng(&eng_interp, 1, mid_fn, INSNS_CNT(mid_fn), 100, args, NULL);

    cr_assert_eq(f.err, -EFAULT);
    cr_assert_eq(f.pc, 3);
    cr_assert_str_eq(f.msg, want);
    same("interp fast / checked", &f, &c, 0);
    args[1] = 0; /* the entry itself runs */
    f = run_eng(&eng_interp, 0, mid_fn, INSNS_CNT(mid_fn), 100, args, NULL);
    cr_assert_eq(f.err, 0, "%s", f.msg);
    cr_assert_eq(f.r0, 3);
#if defined(__x86_64__)
    {
        void *img = NULL;
        const struct jit_image *ji;
        struct res j = run_eng(&eng_jit, 0, mid_fn, INSNS_CNT(mid_fn), 100, args, &img);

        cr_assert_eq(j.err, 0, "%s", j.msg);
        cr_assert_eq(j.r0, 3);
        ji = img;
        args[1] = ji->addrs[7] - ji->addrs[5];
        eng_jit.free(img);
        /* a fresh image lays the code out the same way */
        j = run_eng(&eng_jit, 0, mid_fn, INSNS_CNT(mid_fn), 100, args, &img);
        ji = img;
        cr_assert_eq(args[1], ji->addrs[7] - ji->addrs[5]);
        eng_jit.free(img);
        cr_assert_eq(j.err, -EFAULT);
        cr_assert_eq(j.pc, 3);
        cr_assert_str_eq(j.msg, want);
    }
#endif
}

Test(callx, a_callback_function_can_be_called)
{
    /* The entries are every function's (isa_mark_fn_entries): insn 0
     * (main itself: recursion into main, one level), the targets of
     * pseudo calls and of function loads.  Here main calls itself once
     * through callx, then a pseudo-call target through callx. */
    static const struct bpf_insn p[] = {
        INSN_JMP_IMM(BPF_JNE, 1, 0, 6),          /* entered again (r1 = 1): to 7 */
        INSN_MOV64_IMM(1, 1),                    /* r1 = 1 */
        LD_FUNC(2, 2, 0),                        /* r2 = main */
        CALLX(2),                                /* r0 = main(1) = 40 */
        INSN_ALU64_IMM(BPF_ADD, 0, 2),           /* 42 */
        INSN_EXIT(),
        INSN_CALL_PSEUDO(1),                     /* (7) main(1): r0 = g() */
        INSN_EXIT(),
        INSN_MOV64_IMM(0, 40),                   /* g (9) */
        INSN_EXIT(),
    };
    struct res r = all_engines(p, INSNS_CNT(p), 1000);

    cr_assert_eq(r.err, 0, "%s", r.msg);
    cr_assert_eq(r.r0, 42);
}

/* ---- The encoding, the assembler, the verifier ---- */

Test(callx, encoding_checks)
{
    static const struct {
        struct bpf_insn in;
        const char *why; /* NULL: valid */
    } cases[] = {
        {CALLX(1), NULL},
        {CALLX(10), NULL},
        {INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, 1, 2, 0, 0), "callx uses reserved fields (src_reg, off and imm must be 0)"},
        {INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, 1, 0, 1, 0), "callx uses reserved fields (src_reg, off and imm must be 0)"},
        {INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, 1, 0, 0, 5), "callx uses reserved fields (src_reg, off and imm must be 0)"},
        {INSN_RAW(BPF_JMP32 | BPF_CALL | BPF_X, 1, 0, 0, 0), "BPF_JMP32|BPF_CALL is not a valid encoding"},
        {INSN_RAW(BPF_JMP | BPF_CALL | BPF_X, 11, 0, 0, 0), "register r11 out of range (r0-r10)"},
    };

    for (size_t i = 0; i < INSNS_CNT(cases); i++) {
        char why[160] = "";
        int err = isa_check_insn(&cases[i].in, 1, 0, why, sizeof(why));
        if (!cases[i].why) {
            cr_expect_eq(err, 0, "case %zu: %s", i, why);
        } else {
            cr_expect_eq(err, -EINVAL, "case %zu", i);
            cr_expect_str_eq(why, cases[i].why, "case %zu", i);
        }
    }
}

Test(callx, asm_disasm_round_trip)
{
    /* llvm-mc-19 -triple bpf: "callx r1" is 8d 01 00 00 00 00 00 00 (the
     * register in dst_reg); llvm-objdump-19 prints it back the same way. */
    static const uint8_t want[8] = {0x8d, 0x01, 0, 0, 0, 0, 0, 0};
    struct bpf_insn *out = NULL;
    size_t cnt = 0;
    char err[256] = "", text[64];

    cr_assert_eq(bpfrt_asm("callx r1\ncallx r9\nexit\n", &out, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cnt, 3);
    cr_assert(!memcmp(&out[0], want, 8));
    cr_assert_eq(out[1].code, 0x8d);
    cr_assert_eq(out[1].dst_reg, 9);
    cr_assert_gt(bpfrt_disasm_insn(out, cnt, 0, text, sizeof(text)), 0);
    cr_assert_str_eq(text, "callx r1");
    cr_assert_gt(bpfrt_disasm_insn(out, cnt, 1, text, sizeof(text)), 0);
    cr_assert_str_eq(text, "callx r9");
    free(out);
    cr_assert_neq(bpfrt_asm("callx w1\nexit\n", &out, &cnt, err, sizeof(err)), 0);
    cr_assert(strstr(err, "callx takes a 64-bit register"), "%s", err);
    cr_assert_neq(bpfrt_asm("callx 5\nexit\n", &out, &cnt, err, sizeof(err)), 0);
}

Test(callx, verifier_refuses_callx_as_the_kernel)
{
    /* The running kernel's answer (resolve_pseudo_ldimm64:
     * bpf_opcode_in_insntable) to a socket filter with a callx, from
     * BPF_PROG_LOAD when bpf() is there; bpfrt's verifier gives the same
     * errno and message, at the callx. */
    static const struct bpf_insn p[] = {LD_FUNC(1, 0, 4), CALLX(1), INSN_EXIT(), INSN_MOV64_IMM(0, 7), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    char log[4096] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SOCKET_FILTER, .diag = &d, .log_buf = log,
               .log_size = sizeof(log), .log_level = 1);
    struct bpfrt_prog *prog = NULL;
    int err = bpfrt_prog__load_insns(p, INSNS_CNT(p), &o, &prog);

    cr_assert_eq(err, -EINVAL, "%d: %s", err, log);
    cr_assert_str_eq(d.message, "unknown opcode 8d");
    cr_assert_eq(d.insn, 2);
    cr_assert(!strncmp(log, "unknown opcode 8d\n", 18), "%s", log);
    {
        char klog[4096] = "";
        LIBBPF_OPTS(bpf_prog_load_opts, ko, .log_buf = klog, .log_size = sizeof(klog), .log_level = 1);
        int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "callx", "GPL", (const struct bpf_insn *)p,
                               INSNS_CNT(p), &ko);
        if (fd < 0 && (errno == EPERM || errno == ENOSYS))
            cr_skip_test("kernel bpf() unavailable (%s): no kernel to compare the refusal with", strerror(errno));
        cr_assert_lt(fd, 0, "the kernel accepted callx");
        cr_assert_eq(-errno, err);
        cr_assert(!strncmp(klog, "unknown opcode 8d\n", 18), "the kernel's log: %s", klog);
    }
}

Test(vf_cfg, callx_unknown_opcode)
{
    /* vf_check_cfg, as resolve_pseudo_ldimm64 after the subprograms: the
     * kernel's "unknown opcode 8d" at the callx, with -EINVAL. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), LD_FUNC(1, 1, 5), CALLX(1), INSN_EXIT(),
                                        INSN_MOV64_IMM(0, 7), INSN_EXIT()};
    struct vf_env env = {0};
    struct cm_diag diag;
    char log[1024];

    env.insns = p;
    env.cnt = INSNS_CNT(p);
    env.priv = 1;
    env.aux = calloc(env.cnt, sizeof(*env.aux));
    cr_assert(env.aux);
    env.log_level = 1;
    env.log = log;
    env.log_size = sizeof(log);
    cm_diag_init(&diag, NULL, 0);
    env.diag = &diag;
    cr_assert_eq(vf_check_cfg(&env), -EINVAL);
    cr_assert_str_eq(diag.msg, "unknown opcode 8d");
    cr_assert_eq(diag.insn, 3);
    free(env.aux);
}

/* ---- After a tail call: the running program is the target ---- */

static struct bpfrt_prog *load_eng(const struct bpf_insn *p, size_t n, const char *engine)
{
    struct bpfrt_prog *prog = NULL;
    char log[256] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .engine = engine, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__load_insns(p, n, &o, &prog), 0, "%s: %s", engine, log);
    return prog;
}

Test(callx, after_a_tail_call_the_targets_functions)
{
    /* bpf_tail_call replaces the running program (interp_body.inc
     * TAIL_CALL, the JIT's jump into the target's body): a callx there
     * calls the target's own functions (slot 0: 77), and an address of the
     * caller's functions, still in r6, is no function of the program that
     * runs (slot 1) -- in both engines and both modes. */
    static const char *const engines[] = {"interp", "jit"};
    struct bpfrt_map *pa = NULL;
    BPFRT_OPTS(bpfrt_map_create_opts, mo);

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2, &mo, &pa), 0);
    for (size_t e = 0; e < 2; e++) {
#if !defined(__x86_64__)
        if (e == 1)
            continue;
#endif
        const struct bpf_insn t[] = {LD_FUNC(2, 0, 4), CALLX(2), INSN_EXIT(), INSN_MOV64_IMM(0, 77), INSN_EXIT()};
        const struct bpf_insn u[] = {CALLX(6), INSN_EXIT()};
#define CALLER(K)                                                                                                      \
    LD_FUNC(6, 0, 8), INSN_LDIMM64_RAW(2, BPF_PSEUDO_MAP_FD, bpfrt_map__id(pa), 0), INSN_MOV64_IMM(3, K),             \
        INSN_CALL(BPF_FUNC_tail_call), INSN_MOV64_IMM(0, 99), INSN_EXIT(), INSN_MOV64_IMM(0, 1), INSN_EXIT()
        const struct bpf_insn c0[] = {CALLER(0)}, c1[] = {CALLER(1)};
#undef CALLER
        struct bpfrt_prog *pt = load_eng(t, INSNS_CNT(t), engines[e]), *pu = load_eng(u, INSNS_CNT(u), engines[e]);
        struct bpfrt_prog *p0 = load_eng(c0, INSNS_CNT(c0), engines[e]), *p1 = load_eng(c1, INSNS_CNT(c1), engines[e]);
        uint32_t k = 0, id = bpfrt_prog__id(pt);

        cr_assert_eq(bpfrt_map__update_elem(pa, &k, 4, &id, 4, BPF_ANY), 0);
        k = 1;
        id = bpfrt_prog__id(pu);
        cr_assert_eq(bpfrt_map__update_elem(pa, &k, 4, &id, 4, BPF_ANY), 0);
        for (int unchecked = 0; unchecked <= 1; unchecked++) {
            char err[256] = "";
            BPFRT_OPTS(bpfrt_run_opts, r, .flags = unchecked ? BPFRT_RUN_UNVERIFIED_UNCHECKED : 0, .err_buf = err,
                       .err_size = sizeof(err));
            int ret = bpfrt_prog__run(p0, &r);
            cr_assert_eq(ret, 0, "%s: %s", engines[e], err);
            cr_assert_eq(r.retval, 77, "%s: r0 %llu", engines[e], (unsigned long long)r.retval);
            ret = bpfrt_prog__run(p1, &r);
            cr_assert_eq(ret, -EFAULT, "%s %d: %d %s", engines[e], unchecked, ret, err);
            cr_assert(strstr(err, "insn 0: callx r6: 0x") && strstr(err, " is not the address of a function of the program"),
                      "%s %d: %s", engines[e], unchecked, err);
        }
        bpfrt_prog__free(p0);
        bpfrt_prog__free(p1);
        bpfrt_prog__free(pt);
        bpfrt_prog__free(pu);
    }
    bpfrt_map__free(pa);
}

/* ---- A clang-built object ---- */

#include <bpf/libbpf.h>

#include "bpf_build.h"

Test(callx, clang_object_refused_as_the_kernel)
{
    /* clang-19 compiles a call through a function pointer to callx
     * (tests/data/callx/fptr.c); bpfrt's verifier refuses the program at
     * the callx, with the message the kernel gives when libbpf loads the
     * same object. */
    const char *o = test_bpf_build_once("tests/data/callx/fptr.c", "build/tests/data/callx", "fptr");
    struct bpfrt_object *obj = NULL;
    struct bpfrt_program *p;
    struct bpfrt_diag d = {.sz = sizeof(d)};
    char log[4096] = "";
    BPFRT_OPTS(bpfrt_verify_opts, vo, .log_buf = log, .log_size = sizeof(log), .log_level = 1, .diag = &d);
    const struct bpf_insn *insns;
    int err;

    cr_assert_eq(bpfrt_object__open_file(o, NULL, &obj), 0);
    p = bpfrt_object__find_program_by_name(obj, "fptr");
    cr_assert_not_null(p);
    err = bpfrt_program__verify(p, &vo);
    cr_assert_eq(err, -EINVAL, "%d: %s", err, log);
    cr_assert_eq(vo.verdict, BPFRT_VERDICT_REJECTED);
    cr_assert_str_eq(d.message, "unknown opcode 8d");
    cr_assert(!strncmp(log, "unknown opcode 8d\n", 18), "%s", log);
    insns = bpfrt_program__insns(p);
    cr_assert_not_null(insns);
    cr_assert_eq(insns[d.insn].code, BPF_JMP | BPF_CALL | BPF_X, "insn %ld: 0x%02x", d.insn, insns[d.insn].code);
    bpfrt_object__close(obj);
    {
        char klog[4096] = "";
        struct bpf_object *ko = bpf_object__open_file(o, NULL);
        struct bpf_program *kp;

        cr_assert_not_null(ko);
        kp = bpf_object__find_program_by_name(ko, "fptr");
        cr_assert_not_null(kp);
        bpf_program__set_log_buf(kp, klog, sizeof(klog));
        bpf_program__set_log_level(kp, 1);
        libbpf_set_print(NULL);
        err = bpf_object__load(ko);
        bpf_object__close(ko);
        if (err == -EPERM || err == -ENOSYS)
            cr_skip_test("kernel bpf() unavailable (%d): no kernel to compare the refusal with", err);
        cr_assert_eq(err, -EINVAL, "the kernel: %d (%s)", err, klog);
        cr_assert(!strncmp(klog, "unknown opcode 8d\n", 18), "the kernel's log: %s", klog);
    }
}
