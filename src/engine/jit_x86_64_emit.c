/* jit_x86_64_emit.c - x86-64 machine code for eBPF instructions.
 *
 * One pass of the JIT (jit_emit_all): the stubs at the image's start
 * (entry, unwinding, failures), then each instruction in order through
 * small emitters that write bytes.  Jumps between BPF instructions are
 * sized from the previous pass's layout (rel8 when the displacement
 * fits, else rel32); jit_x86_64.c repeats passes until the layout stops
 * changing, as the kernel's arch/x86/net/bpf_jit_comp.c does.
 *
 * Semantics are the interpreter's (interp_body.inc): RFC 9669, and where
 * the RFC leaves a choice the kernel's (division by zero gives 0, modulo
 * by zero the dividend; INT_MIN / -1).  The budget of fast runs is
 * charged exactly where the fast interpreter charges it (taken backward
 * jumps: the loop's length; calls: one), so both engines stop a program
 * at the same instruction with the same error (tests/unit/test_jit.c).
 */
#if defined(__x86_64__)
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit_x86_64.h"

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
#define RUN R12
#define BUDGET R9 /* the fast run's budget, in run->budget across calls */

/* BPF register -> x86-64 register (see jit_x86_64.h). */
static const uint8_t jit_reg[ISA_NREGS] = {RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP};

/* x86 condition codes. */
enum { CC_B = 2, CC_AE = 3, CC_E = 4, CC_NE = 5, CC_BE = 6, CC_A = 7, CC_L = 12, CC_GE = 13, CC_LE = 14, CC_G = 15 };

#define OFF_BUDGET ((int32_t)offsetof(struct rt_run, budget))
#define OFF_ERR ((int32_t)offsetof(struct rt_run, err))
#define OFF_ERRPC ((int32_t)offsetof(struct rt_run, err_pc))
#define OFF_DEPTH ((int32_t)offsetof(struct rt_run, depth))
#define OFF_FRAMES_MAX ((int32_t)offsetof(struct rt_run, frames_max))
#define OFF_SP ((int32_t)offsetof(struct rt_run, eng_sp))
#define OFF_IMAGE ((int32_t)offsetof(struct rt_run, image))
#define OFF_CALLBACK ((int32_t)offsetof(struct rt_run, callback))
#define OFF_TAILS ((int32_t)offsetof(struct rt_run, tail_calls))
#define OFF_LOCK ((int32_t)offsetof(struct rt_run, spin_lock))
#define OFF_NREG ((int32_t)offsetof(struct rt_run, nregions))
#define OFF_EBUDGET ((int32_t)offsetof(struct rt_run, eng_budget))
#define OFF_EREGS ((int32_t)offsetof(struct rt_run, eng_regs))
#define OFF_ELEFT ((int32_t)offsetof(struct rt_run, eng_left))
#define OFF_ENREG ((int32_t)offsetof(struct rt_run, eng_nregions))
#define OFF_REDIR(f) ((int32_t)(offsetof(struct rt_run, redirect) + offsetof(struct rt_redirect, f)))

/* ---- Bytes ---- */

static void e1(struct jit_ctx *c, uint8_t b)
{
    if (c->len >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        uint8_t *nb = realloc(c->buf, cap);
        if (!nb) {
            c->err = -ENOMEM;
            c->len++;
            return;
        }
        c->buf = nb;
        c->cap = cap;
    }
    c->buf[c->len++] = b;
}

static void e4(struct jit_ctx *c, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        e1(c, (uint8_t)(v >> (8 * k)));
}

static void e8(struct jit_ctx *c, uint64_t v)
{
    e4(c, (uint32_t)v);
    e4(c, (uint32_t)(v >> 32));
}

static int fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

static int fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

/* ---- Encodings: REX, opcode (0x0Fxx for two bytes), ModRM ---- */

static void rex(struct jit_ctx *c, int w, int reg, int rm, int force)
{
    uint8_t b = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((rm >> 3) & 1));
    if (b != 0x40 || force)
        e1(c, b);
}

static void opc(struct jit_ctx *c, unsigned op)
{
    if (op > 0xff)
        e1(c, (uint8_t)(op >> 8));
    e1(c, (uint8_t)op);
}

/* op with register operands: ModRM reg = reg (or an opcode digit), rm = rm.
 * force: a REX byte even when empty (byte registers sil, dil, bpl). */
static void op_rr(struct jit_ctx *c, int w, unsigned op, int reg, int rm, int force)
{
    rex(c, w, reg, rm, force);
    opc(c, op);
    e1(c, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* op with a memory operand [base + disp]. */
static void op_rm(struct jit_ctx *c, int w, unsigned op, int reg, int base, int32_t disp, int force)
{
    int mod = (disp == 0 && (base & 7) != RBP) ? 0 : fits8(disp) ? 1 : 2;

    rex(c, w, reg, base, force);
    opc(c, op);
    e1(c, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
    if ((base & 7) == RSP)
        e1(c, 0x24); /* SIB: base only */
    if (mod == 1)
        e1(c, (uint8_t)disp);
    else if (mod == 2)
        e4(c, (uint32_t)disp);
}

static void mov_rr(struct jit_ctx *c, int w, int dst, int src)
{
    op_rr(c, w, 0x89, src, dst, 0);
}

/* Group-1 ALU with an immediate: digit 0 add, 1 or, 4 and, 5 sub, 6 xor, 7 cmp. */
static void alu_ri(struct jit_ctx *c, int w, int digit, int dst, int32_t imm)
{
    if (fits8(imm)) {
        op_rr(c, w, 0x83, digit, dst, 0);
        e1(c, (uint8_t)imm);
    } else {
        op_rr(c, w, 0x81, digit, dst, 0);
        e4(c, (uint32_t)imm);
    }
}

static void mov_ri32(struct jit_ctx *c, int dst, uint32_t imm)
{
    rex(c, 0, 0, dst, 0);
    e1(c, (uint8_t)(0xB8 + (dst & 7)));
    e4(c, imm);
}

/* movabs: always 10 bytes (addresses whose value may change between passes). */
static void movabs(struct jit_ctx *c, int dst, uint64_t imm)
{
    rex(c, 1, 0, dst, 0);
    e1(c, (uint8_t)(0xB8 + (dst & 7)));
    e8(c, imm);
}

static void mov_ri64(struct jit_ctx *c, int dst, uint64_t imm)
{
    if (imm == 0)
        op_rr(c, 0, 0x31, dst, dst, 0); /* xor r32, r32 */
    else if (imm <= UINT32_MAX)
        mov_ri32(c, dst, (uint32_t)imm);
    else if (fits32((int64_t)imm)) {
        op_rr(c, 1, 0xC7, 0, dst, 0);
        e4(c, (uint32_t)imm);
    } else
        movabs(c, dst, imm);
}

/* Constant blinding (c->blind): a constant of the program never appears
 * in the code as written; reg = (imm ^ key) ^ key, key random per image
 * (the kernel's bpf_jit_blind_constants() idea, done at emission).  w:
 * the 64-bit register gets imm sign-extended. */
static void blind_imm(struct jit_ctx *c, int w, int reg, int32_t imm)
{
    uint32_t k = (uint32_t)c->key;

    if (w) {
        op_rr(c, 1, 0xC7, 0, reg, 0);
        e4(c, (uint32_t)imm ^ k);
        op_rr(c, 1, 0x81, 6, reg, 0); /* xor r64, sign-extended k */
        e4(c, k);
    } else {
        mov_ri32(c, reg, (uint32_t)imm ^ k);
        op_rr(c, 0, 0x81, 6, reg, 0);
        e4(c, k);
    }
}

/* reg = a program's 32-bit constant (sign-extended for w), blinded or not. */
static void load_imm(struct jit_ctx *c, int w, int reg, int32_t imm)
{
    if (c->blind)
        blind_imm(c, w, reg, imm);
    else if (w)
        mov_ri64(c, reg, (uint64_t)(int64_t)imm);
    else
        mov_ri32(c, reg, (uint32_t)imm);
}

static void push_r(struct jit_ctx *c, int r)
{
    rex(c, 0, 0, r, 0);
    e1(c, (uint8_t)(0x50 + (r & 7)));
}

static void pop_r(struct jit_ctx *c, int r)
{
    rex(c, 0, 0, r, 0);
    e1(c, (uint8_t)(0x58 + (r & 7)));
}

/* call through r11 to an absolute address (helpers, C code). */
static void call_abs(struct jit_ctx *c, const void *fn)
{
    movabs(c, R11, (uint64_t)(uintptr_t)fn);
    op_rr(c, 0, 0xFF, 2, R11, 0);
}

/* ---- Jumps ---- */

/* Jump (rel8 or rel32) to a fixed offset that is already emitted (a stub). */
static void jcc_to(struct jit_ctx *c, int cc, size_t target)
{
    int64_t d = (int64_t)target - (int64_t)(c->len + 2);
    if (fits8(d)) {
        e1(c, (uint8_t)(0x70 + cc));
        e1(c, (uint8_t)d);
    } else {
        e1(c, 0x0F);
        e1(c, (uint8_t)(0x80 + cc));
        e4(c, (uint32_t)(int32_t)((int64_t)target - (int64_t)(c->len + 4)));
    }
}

static void jmp_to(struct jit_ctx *c, size_t target)
{
    int64_t d = (int64_t)target - (int64_t)(c->len + 2);
    if (fits8(d)) {
        e1(c, 0xEB);
        e1(c, (uint8_t)d);
    } else {
        e1(c, 0xE9);
        e4(c, (uint32_t)(int32_t)((int64_t)target - (int64_t)(c->len + 4)));
    }
}

/* A short forward jump inside one instruction's code: emit it now, patch
 * its displacement when the label is reached.  cc < 0: jmp. */
static size_t jfwd(struct jit_ctx *c, int cc)
{
    e1(c, cc < 0 ? 0xEB : (uint8_t)(0x70 + cc));
    e1(c, 0);
    return c->len - 1;
}

static void jlabel(struct jit_ctx *c, size_t at)
{
    int64_t d = (int64_t)c->len - (int64_t)(at + 1);
    if (!fits8(d) && !c->err)
        c->err = -EFAULT; /* an emitter's own sequence grew past 127 bytes: a bug */
    if (at < c->cap)
        c->buf[at] = (uint8_t)d;
}

/* Displacement to BPF instruction t from the end of a jump of ilen bytes
 * starting here, by the previous pass's layout; *ok 0 when there is none
 * (first pass: every jump long). */
static int64_t bpf_disp(const struct jit_ctx *c, size_t t, size_t ilen, int *ok)
{
    size_t i = c->i;
    if (!c->prev) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return (int64_t)c->prev[t] - ((int64_t)c->prev[i] + (int64_t)(c->len - c->cur[i]) + (int64_t)ilen);
}

static void jcc_bpf(struct jit_ctx *c, int cc, size_t t)
{
    int ok;
    int64_t d = bpf_disp(c, t, 2, &ok);
    if (ok && fits8(d)) {
        e1(c, (uint8_t)(0x70 + cc));
        e1(c, (uint8_t)d);
        return;
    }
    d = bpf_disp(c, t, 6, &ok);
    e1(c, 0x0F);
    e1(c, (uint8_t)(0x80 + cc));
    e4(c, (uint32_t)(int32_t)d);
}

static void jmp_bpf(struct jit_ctx *c, size_t t)
{
    int ok;
    int64_t d = bpf_disp(c, t, 2, &ok);
    if (ok && fits8(d)) {
        e1(c, 0xEB);
        e1(c, (uint8_t)d);
        return;
    }
    d = bpf_disp(c, t, 5, &ok);
    e1(c, 0xE9);
    e4(c, (uint32_t)(int32_t)d);
}

/* ---- The budget of fast runs (interp_body.inc's JUMP_TO, CHARGE_CALL) ---- */

/* budget -= n, or stop the run at pc with "instruction budget exceeded"
 * (the budget left as it was, as the interpreter leaves it).  The budget
 * lives in r9 (a register: a loop's charge is no store-to-load chain
 * through memory) and in run->budget whenever C code runs. */
static void charge(struct jit_ctx *c, uint32_t n, uint32_t pc)
{
    size_t ok;

    alu_ri(c, 1, 5, BUDGET, (int32_t)n); /* sub r9, n */
    ok = jfwd(c, CC_AE);
    alu_ri(c, 1, 0, BUDGET, (int32_t)n); /* add it back */
    mov_ri32(c, R11, pc);
    jmp_to(c, c->st.budget);
    jlabel(c, ok);
}

/* A call into C with the run context as the 6th argument: the budget
 * goes to run->budget (helpers that call back spend it there) and comes
 * back from it. */
static void call_c(struct jit_ctx *c, const void *fn)
{
    op_rm(c, 1, 0x89, BUDGET, RUN, OFF_BUDGET, 0);
    mov_rr(c, 1, R9, RUN);
    call_abs(c, fn);
    op_rm(c, 1, 0x8B, BUDGET, RUN, OFF_BUDGET, 0);
}

/* After a call into C: stop the run if it set run->err (err_pc = pc). */
static void check_err(struct jit_ctx *c, uint32_t pc)
{
    mov_ri32(c, R11, pc);
    op_rm(c, 0, 0x83, 7, RUN, OFF_ERR, 0); /* cmp dword [run + err], 0 */
    e1(c, 0);
    jcc_to(c, CC_NE, c->st.helper_fail);
}

/* ---- The stubs ---- */

/* r1..r5, r10 from the regs array at [rax]; r0, r6..r9 zero (as the
 * interpreter starts a run). */
static void load_entry_regs(struct jit_ctx *c)
{
    static const uint8_t a[] = {RDI, RSI, RDX, RCX, R8, RBP}, z[] = {RAX, RBX, R13, R14, R15};

    for (int r = 0; r < 6; r++)
        op_rm(c, 1, 0x8B, a[r], RAX, 8 * r, 0);
    for (int r = 0; r < 5; r++)
        op_rr(c, 0, 0x31, z[r], z[r], 0);
}

/* The repeat loop (eng_ops.run_many, a jit_entry_fn called with the
 * number of runs in place of r0's address, which is regs[6]; run->eng_*
 * set): the entry stub's frame (the count in r0's address's slot: an
 * rsp-relative counter), then per run: the budget and first registers,
 * a direct call of instruction 0, r0 and the budget stored; it goes on
 * while runs are left and the run left nothing the runtime resets
 * between runs (tail calls, spin lock, redirect, regions: then it returns
 * 0 and the runtime's own loop takes the next run).  A failure unwinds
 * as from a single run. */
/* Does the program call C code that may change the run's state (any
 * helper call not inlined, a tail call, a callback-taking helper)? */
static int calls_c(const struct jit_ctx *c)
{
    for (size_t i = 0; c->in->calls && i < c->in->cnt; i++)
        if (c->in->calls[i].kind != ENG_CALL_NONE && c->in->calls[i].inl == ENG_INLINE_NONE)
            return 1;
    return 0;
}

static void emit_many(struct jit_ctx *c)
{
    static const uint8_t saved[] = {RBP, RBX, R12, R13, R14, R15};
    size_t loop, stop[5] = {0};
    int nstop = 0, checks = calls_c(c);
    int64_t d;

    c->st.many = (uint32_t)c->len;
    for (size_t k = 0; k < sizeof(saved); k++)
        push_r(c, saved[k]);
    push_r(c, RCX);
    mov_rr(c, 1, RUN, RDI);
    op_rm(c, 0, 0xFF, 6, RUN, OFF_SP, 0);
    op_rm(c, 1, 0x89, RSP, RUN, OFF_SP, 0);
    loop = c->len;
    op_rm(c, 1, 0x8B, BUDGET, RUN, OFF_EBUDGET, 0);
    op_rm(c, 1, 0x8B, RAX, RUN, OFF_EREGS, 0);
    load_entry_regs(c);
    /* call instruction 0 (after the stubs: the same offset every pass) */
    d = (int64_t)(c->prev ? c->prev[0] : 0) - (int64_t)(c->len + 5);
    e1(c, 0xE8);
    e4(c, (uint32_t)(int32_t)d);
    op_rm(c, 1, 0xFF, 1, RSP, 8, 0); /* dec qword [rsp + 8]: the runs left */
    if (!checks) {
        jcc_to(c, CC_NE, loop);
    } else { /* only C code changes these */
        stop[nstop++] = jfwd(c, CC_E);
        op_rm(c, 0, 0x83, 7, RUN, OFF_TAILS, 0); /* cmp dword [run + tail_calls], 0 */
        e1(c, 0);
        stop[nstop++] = jfwd(c, CC_NE);
        op_rm(c, 1, 0x8B, R11, RUN, OFF_LOCK, 0);
        op_rm(c, 1, 0x0B, R11, RUN, OFF_REDIR(map), 0); /* or r11, [..] */
        op_rm(c, 1, 0x0B, R11, RUN, OFF_REDIR(target), 0);
        op_rm(c, 1, 0x0B, R11, RUN, OFF_REDIR(flags), 0);
        op_rm(c, 0, 0x8B, R10, RUN, OFF_REDIR(key), 0);
        op_rm(c, 0, 0x0B, R10, RUN, OFF_REDIR(map_type), 0);
        op_rm(c, 0, 0x0B, R10, RUN, OFF_REDIR(ifindex), 0);
        op_rr(c, 1, 0x09, R10, R11, 0); /* or r11, r10 */
        stop[nstop++] = jfwd(c, CC_NE);
        op_rm(c, 0, 0x8B, R11, RUN, OFF_NREG, 0);
        op_rm(c, 0, 0x3B, R11, RUN, OFF_ENREG, 0);
        stop[nstop++] = jfwd(c, CC_NE);
        jmp_to(c, loop);
    }
    for (int k = 0; k < nstop; k++)
        jlabel(c, stop[k]);
    /* the last run's budget and r0 (to regs[6]), the runs left */
    op_rm(c, 1, 0x89, BUDGET, RUN, OFF_BUDGET, 0);
    op_rm(c, 1, 0x8B, RCX, RUN, OFF_EREGS, 0);
    op_rm(c, 1, 0x8B, RCX, RCX, 48, 0);
    op_rm(c, 1, 0x89, RAX, RCX, 0, 0);
    op_rm(c, 1, 0x8B, RCX, RSP, 8, 0);
    op_rm(c, 0, 0x89, RCX, RUN, OFF_ELEFT, 0);
    op_rr(c, 0, 0x31, RAX, RAX, 0);
    jmp_to(c, c->st.out);
}

/* Entry (a jit_entry_fn): save the callee-saved registers, the previous
 * entry's stack pointer and r0's address; r12 = run; load r1..r5, r10;
 * zero r0 and r6..r9 (as the interpreter does); call the target.  A normal
 * return stores r0 and returns 0; a failure anywhere below unwinds to the
 * saved stack pointer and returns run->err. */
static void emit_stubs(struct jit_ctx *c)
{
    static const uint8_t saved[] = {RBP, RBX, R12, R13, R14, R15};
    size_t unwind_nostore;

    /* int3 before the entry: a caller built with clang's
     * -fsanitize=function reads the 8 bytes before a function pointer's
     * target for its type signature; they are inside the mapping and are
     * no signature. */
    for (int k = 0; k < 16; k++)
        e1(c, 0xCC);
    c->st.entry = (uint32_t)c->len;
    for (size_t k = 0; k < sizeof(saved); k++)
        push_r(c, saved[k]);
    push_r(c, RCX); /* r0's address */
    mov_rr(c, 1, RUN, RDI);
    op_rm(c, 0, 0xFF, 6, RUN, OFF_SP, 0); /* push qword [run + eng_sp] */
    op_rm(c, 1, 0x89, RSP, RUN, OFF_SP, 0);
    mov_rr(c, 1, R11, RSI);
    mov_rr(c, 1, RAX, RDX);
    op_rm(c, 1, 0x8B, BUDGET, RUN, OFF_BUDGET, 0);
    load_entry_regs(c);
    op_rr(c, 0, 0xFF, 2, R11, 0); /* call r11: rsp 16-aligned in the body */
    c->st.ok = (uint32_t)c->len;
    op_rm(c, 1, 0x89, BUDGET, RUN, OFF_BUDGET, 0);
    op_rm(c, 1, 0x8B, RCX, RSP, 8, 0);
    op_rm(c, 1, 0x89, RAX, RCX, 0, 0);
    op_rr(c, 0, 0x31, RAX, RAX, 0);
    {
        size_t out = c->len;
        c->st.out = (uint32_t)out;
        op_rm(c, 0, 0x8F, 0, RUN, OFF_SP, 0); /* pop qword [run + eng_sp] */
        pop_r(c, RCX);
        for (size_t k = sizeof(saved); k-- > 0;)
            pop_r(c, saved[k]);
        e1(c, 0xC3);

        /* A successful end from any depth (LD_ABS out of bounds: r0 = 0):
         * a return from the body's call at the innermost entry, whose
         * return address is still just below the stack pointer it saved
         * (the entry stub's or the repeat loop's: each goes on from there). */
        c->st.ok_zero = (uint32_t)c->len;
        op_rr(c, 0, 0x31, RAX, RAX, 0);
        op_rm(c, 1, 0x8B, RSP, RUN, OFF_SP, 0);
        alu_ri(c, 1, 5, RSP, 8);
        e1(c, 0xC3);

        c->st.unwind_err = (uint32_t)c->len;
        op_rm(c, 1, 0x89, BUDGET, RUN, OFF_BUDGET, 0);
        unwind_nostore = c->len; /* after C code, which keeps run->budget */
        op_rm(c, 1, 0x8B, RSP, RUN, OFF_SP, 0);
        op_rm(c, 0, 0x8B, RAX, RUN, OFF_ERR, 0);
        jmp_to(c, out);
    }
    c->st.helper_fail = (uint32_t)c->len;
    op_rm(c, 0, 0x89, R11, RUN, OFF_ERRPC, 0);
    jmp_to(c, c->st.unwind_err);

    /* Failures formatted in C (r11d = pc, r10d = a call's target). */
    {
        const void *fns[3] = {(const void *)jit_fail_budget, (const void *)jit_fail_depth, (const void *)jit_fail_end};
        uint32_t *offs[3] = {&c->st.budget, &c->st.depth, &c->st.end};
        for (int k = 0; k < 3; k++) {
            *offs[k] = (uint32_t)c->len;
            op_rm(c, 1, 0x89, BUDGET, RUN, OFF_BUDGET, 0);
            op_rm(c, 1, 0x8B, RSP, RUN, OFF_SP, 0);
            alu_ri(c, 1, 5, RSP, 8); /* 16-aligned for the call */
            mov_rr(c, 1, RDI, RUN);
            mov_rr(c, 0, RSI, R11);
            mov_rr(c, 0, RDX, R10);
            call_abs(c, fns[k]);
            jmp_to(c, unwind_nostore);
        }
    }
    emit_many(c);
}

/* ---- ALU ---- */

/* dst = dst / src or dst % src with the interpreter's rules for zero and
 * (signed) -1, through rax:rdx, which are saved around it. */
static void emit_div(struct jit_ctx *c, int w, int mod, int sgn, int dst, const struct bpf_insn *in)
{
    size_t zero, done1, done2 = 0, go;

    if (ISA_SRC(in->code) == BPF_X)
        mov_rr(c, 1, R11, jit_reg[in->src_reg]);
    else
        load_imm(c, w, R11, in->imm);
    push_r(c, RAX);
    push_r(c, RDX);
    mov_rr(c, w, RAX, dst);
    op_rr(c, w, 0x85, R11, R11, 0); /* test */
    zero = jfwd(c, CC_E);
    if (sgn) {
        alu_ri(c, w, 7, R11, -1);
        go = jfwd(c, CC_NE);
        if (mod)
            op_rr(c, 0, 0x31, RAX, RAX, 0);
        else
            op_rr(c, w, 0xF7, 3, RAX, 0); /* neg */
        done2 = jfwd(c, -1);
        jlabel(c, go);
        if (w)
            e1(c, 0x48);
        e1(c, 0x99); /* cqo / cdq */
    } else {
        op_rr(c, 0, 0x31, RDX, RDX, 0);
    }
    op_rr(c, w, 0xF7, sgn ? 7 : 6, R11, 0); /* idiv / div r11 */
    if (mod)
        mov_rr(c, w, RAX, RDX);
    done1 = jfwd(c, -1);
    jlabel(c, zero);
    if (!mod)
        op_rr(c, 0, 0x31, RAX, RAX, 0); /* x / 0 = 0; x % 0 = x (rax) */
    jlabel(c, done1);
    if (sgn)
        jlabel(c, done2);
    mov_rr(c, w, R11, RAX);
    pop_r(c, RDX);
    pop_r(c, RAX);
    mov_rr(c, 1, dst, R11);
}

/* Shift by a register: the count must be in cl (rcx is r4). */
static void emit_shift_x(struct jit_ctx *c, int w, int digit, int dst, int src)
{
    if (src == RCX) {
        op_rr(c, w, 0xD3, digit, dst, 0);
    } else {
        mov_rr(c, 1, R11, RCX);
        mov_rr(c, 1, RCX, src);
        if (dst == RCX) {
            op_rr(c, w, 0xD3, digit, R11, 0);
            mov_rr(c, 1, RCX, R11);
        } else {
            op_rr(c, w, 0xD3, digit, dst, 0);
            mov_rr(c, 1, RCX, R11);
        }
    }
    if (!w) /* a count of 0 leaves the register: zero-extend it anyway */
        mov_rr(c, 0, dst, dst);
}

/* An unprivileged pointer add/sub with a register offset (eng_call
 * alu_state, alu_limit): the kernel's do_misc_fixups() rewrite, with r10
 * as its BPF_REG_AX.  The offset goes through a mask that is all ones
 * when 0 <= offset <= alu_limit and zero otherwise (no speculative access
 * past the object), or, when the verifier knew it, is the constant
 * alu_limit; a negative offset is negated and the operation flipped. */
static void emit_alu_masked(struct jit_ctx *c, const struct bpf_insn *in, const struct eng_call *f)
{
    int issrc = (f->alu_state & (ENG_ALU_SRC | ENG_ALU_DST)) == ENG_ALU_SRC;
    int isneg = !!(f->alu_state & ENG_ALU_NEG), isimm = !!(f->alu_state & ENG_ALU_IMM);
    int dst = jit_reg[in->dst_reg], off = jit_reg[issrc ? in->src_reg : in->dst_reg];
    int add = ISA_OP(in->code) == BPF_ADD;

    if (isimm) {
        load_imm(c, 0, R10, (int32_t)f->alu_limit);
    } else {
        if (isneg)
            op_rr(c, 1, 0xF7, 3, off, 0); /* neg off */
        load_imm(c, 0, R10, (int32_t)f->alu_limit);
        op_rr(c, 1, 0x29, off, R10, 0); /* sub r10, off */
        op_rr(c, 1, 0x09, off, R10, 0); /* or r10, off */
        op_rr(c, 1, 0xF7, 3, R10, 0);   /* neg r10 */
        op_rr(c, 1, 0xC1, 7, R10, 0);   /* sar r10, 63 */
        e1(c, 63);
        op_rr(c, 1, 0x21, off, R10, 0); /* and r10, off */
    }
    if (!issrc)
        mov_rr(c, 1, dst, jit_reg[in->src_reg]);
    if (isneg)
        add = !add;
    op_rr(c, 1, add ? 0x01 : 0x29, R10, dst, 0);
    if (issrc && isneg && !isimm)
        op_rr(c, 1, 0xF7, 3, off, 0); /* the offset register as it was */
}

static int emit_alu(struct jit_ctx *c, const struct bpf_insn *in)
{
    uint8_t o = ISA_OP(in->code);
    int w = ISA_CLASS(in->code) == BPF_ALU64, x = ISA_SRC(in->code) == BPF_X;
    int dst = jit_reg[in->dst_reg], src = jit_reg[in->src_reg];

    switch (o) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_OR:
    case BPF_AND:
    case BPF_XOR: {
        static const struct {
            uint8_t op, digit;
        } t[16] = {[BPF_ADD >> 4] = {0x01, 0},
                   [BPF_SUB >> 4] = {0x29, 5},
                   [BPF_OR >> 4] = {0x09, 1},
                   [BPF_AND >> 4] = {0x21, 4},
                   [BPF_XOR >> 4] = {0x31, 6}};
        if (x) {
            op_rr(c, w, t[o >> 4].op, src, dst, 0);
        } else if (c->blind) {
            blind_imm(c, w, R10, in->imm);
            op_rr(c, w, t[o >> 4].op, R10, dst, 0);
        } else {
            alu_ri(c, w, t[o >> 4].digit, dst, in->imm);
        }
        return 0;
    }
    case BPF_MOV:
        if (x && in->off) { /* movsx (cpu v4) */
            if (in->off == 8)
                op_rr(c, w, 0x0FBE, dst, src, 1);
            else if (in->off == 16)
                op_rr(c, w, 0x0FBF, dst, src, 0);
            else
                op_rr(c, 1, 0x63, dst, src, 0); /* movsxd */
        } else if (x) {
            mov_rr(c, w, dst, src);
        } else {
            load_imm(c, w, dst, in->imm);
        }
        return 0;
    case BPF_MUL:
        if (x) {
            op_rr(c, w, 0x0FAF, dst, src, 0);
        } else if (c->blind) {
            blind_imm(c, w, R10, in->imm);
            op_rr(c, w, 0x0FAF, dst, R10, 0);
        } else if (fits8(in->imm)) {
            op_rr(c, w, 0x6B, dst, dst, 0);
            e1(c, (uint8_t)in->imm);
        } else {
            op_rr(c, w, 0x69, dst, dst, 0);
            e4(c, (uint32_t)in->imm);
        }
        return 0;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
        int digit = o == BPF_LSH ? 4 : o == BPF_RSH ? 5 : 7;
        if (x) {
            emit_shift_x(c, w, digit, dst, src);
        } else {
            uint8_t n = (uint8_t)(in->imm & (w ? 63 : 31));
            if (n) {
                op_rr(c, w, 0xC1, digit, dst, 0);
                e1(c, n);
            } else if (!w) {
                mov_rr(c, 0, dst, dst);
            }
        }
        return 0;
    }
    case BPF_NEG: op_rr(c, w, 0xF7, 3, dst, 0); return 0;
    case BPF_DIV:
    case BPF_MOD: emit_div(c, w, o == BPF_MOD, in->off == 1, dst, in); return 0;
    case BPF_END: {
        /* ALU64: unconditional swap; ALU: to the named order, which on a
         * little-endian host only truncates for BPF_TO_LE. */
        int swap = w || x;
        if (in->imm == 16) {
            if (swap) {
                e1(c, 0x66);
                op_rr(c, 0, 0xC1, 1, dst, 0); /* ror r16, 8 */
                e1(c, 8);
            }
            op_rr(c, 0, 0x0FB7, dst, dst, 0); /* movzx r32, r16 */
        } else if (in->imm == 32) {
            if (swap) {
                rex(c, 0, 0, dst, 0);
                e1(c, 0x0F);
                e1(c, (uint8_t)(0xC8 + (dst & 7)));
            } else {
                mov_rr(c, 0, dst, dst);
            }
        } else if (swap) {
            rex(c, 1, 0, dst, 0);
            e1(c, 0x0F);
            e1(c, (uint8_t)(0xC8 + (dst & 7)));
        }
        return 0;
    }
    default: return -EINVAL;
    }
}

/* ---- Memory ---- */

static const uint8_t size_of[4] = {4, 2, 1, 8}; /* by ISA_SIZE >> 3: W, H, B, DW */

static void emit_load(struct jit_ctx *c, unsigned sz, int sx, int dst, int base, int32_t off)
{
    switch (sz) {
    case 1: op_rm(c, sx, sx ? 0x0FBE : 0x0FB6, dst, base, off, 0); break;
    case 2: op_rm(c, sx, sx ? 0x0FBF : 0x0FB7, dst, base, off, 0); break;
    case 4:
        if (sx)
            op_rm(c, 1, 0x63, dst, base, off, 0);
        else
            op_rm(c, 0, 0x8B, dst, base, off, 0);
        break;
    default: op_rm(c, 1, 0x8B, dst, base, off, 0); break;
    }
}

static void emit_store_reg(struct jit_ctx *c, unsigned sz, int base, int32_t off, int src)
{
    if (sz == 2)
        e1(c, 0x66);
    op_rm(c, sz == 8, sz == 1 ? 0x88 : 0x89, src, base, off, sz == 1);
}

/* lock-prefixed read-modify-writes (RFC 9669 5.3). */
static int emit_atomic(struct jit_ctx *c, const struct bpf_insn *in, unsigned sz)
{
    int w = sz == 8, dst = jit_reg[in->dst_reg], src = jit_reg[in->src_reg];
    int32_t off = in->off;

    switch (in->imm) {
    case BPF_ADD:
    case BPF_OR:
    case BPF_AND:
    case BPF_XOR: {
        uint8_t op = in->imm == BPF_ADD ? 0x01 : in->imm == BPF_OR ? 0x09 : in->imm == BPF_AND ? 0x21 : 0x31;
        e1(c, 0xF0);
        op_rm(c, w, op, src, dst, off, 0);
        return 0;
    }
    case BPF_ADD | BPF_FETCH:
        e1(c, 0xF0);
        op_rm(c, w, 0x0FC1, src, dst, off, 0); /* lock xadd */
        return 0;
    case BPF_XCHG: op_rm(c, w, 0x87, src, dst, off, 0); return 0;
    case BPF_CMPXCHG:
        e1(c, 0xF0);
        op_rm(c, w, 0x0FB1, src, dst, off, 0);
        if (!w)
            mov_rr(c, 0, RAX, RAX); /* a successful 32-bit cmpxchg leaves rax's upper half */
        return 0;
    case BPF_OR | BPF_FETCH:
    case BPF_AND | BPF_FETCH:
    case BPF_XOR | BPF_FETCH: {
        /* a cmpxchg loop: rax = old; r11 = old op src; retry until stored */
        int f = in->imm & ~BPF_FETCH;
        uint8_t op = f == BPF_OR ? 0x0B : f == BPF_AND ? 0x23 : 0x33; /* op r, r/m */
        size_t retry;
        op_rm(c, 1, 0x8D, R10, dst, off, 0); /* lea r10, [dst + off] */
        push_r(c, src);                      /* the operand, at [rsp + 8] */
        push_r(c, RAX);
        op_rm(c, w, 0x8B, RAX, R10, 0, 0);
        retry = c->len;
        mov_rr(c, w, R11, RAX);
        op_rm(c, w, op, R11, RSP, 8, 0);
        e1(c, 0xF0);
        op_rm(c, w, 0x0FB1, R11, R10, 0, 0);
        jcc_to(c, CC_NE, retry);
        mov_rr(c, w, R11, RAX);
        pop_r(c, RAX);
        alu_ri(c, 1, 0, RSP, 8);
        mov_rr(c, 1, src, R11);
        return 0;
    }
    default: return -EINVAL;
    }
}

static int emit_mem(struct jit_ctx *c, const struct bpf_insn *in)
{
    uint8_t cls = ISA_CLASS(in->code), mode = ISA_MODE(in->code);
    unsigned sz = size_of[ISA_SIZE(in->code) >> 3];
    int dst = jit_reg[in->dst_reg], src = jit_reg[in->src_reg];

    if (cls == BPF_LDX) {
        emit_load(c, sz, mode == BPF_MEMSX, dst, src, in->off);
        return 0;
    }
    if (cls == BPF_ST && c->blind) {
        blind_imm(c, 1, R10, in->imm);
        emit_store_reg(c, sz, dst, in->off, R10);
        return 0;
    }
    if (cls == BPF_ST) {
        if (sz == 2)
            e1(c, 0x66);
        op_rm(c, sz == 8, sz == 1 ? 0xC6 : 0xC7, 0, dst, in->off, 0);
        if (sz == 1)
            e1(c, (uint8_t)in->imm);
        else if (sz == 2) {
            e1(c, (uint8_t)in->imm);
            e1(c, (uint8_t)(in->imm >> 8));
        } else
            e4(c, (uint32_t)in->imm);
        return 0;
    }
    if (mode == BPF_MEM) {
        emit_store_reg(c, sz, dst, in->off, src);
        return 0;
    }
    /* BPF_ATOMIC.  On x86-64 (TSO) plain loads are acquires and plain
     * stores releases, as the kernel's JIT emits them. */
    if (in->imm == BPF_LOAD_ACQ) {
        emit_load(c, sz, 0, dst, src, in->off);
        return 0;
    }
    if (in->imm == BPF_STORE_REL) {
        emit_store_reg(c, sz, dst, in->off, src);
        return 0;
    }
    return emit_atomic(c, in, sz);
}

/* LD_ABS / LD_IND: r0 = the packet's big-endian bytes (jit_ld_pkt); out
 * of bounds ends the run with r0 = 0.  r1..r5 are kept, as the
 * interpreter keeps them. */
static void emit_ldpkt(struct jit_ctx *c, const struct bpf_insn *in, uint32_t pc)
{
    static const uint8_t keep[] = {RDI, RSI, RDX, RCX, R8, BUDGET};
    unsigned sz = size_of[ISA_SIZE(in->code) >> 3];

    (void)pc;
    if (ISA_MODE(in->code) == BPF_IND) {
        load_imm(c, 0, R10, in->imm);
        mov_rr(c, 0, R11, jit_reg[in->src_reg]);
        op_rr(c, 0, 0x01, R10, R11, 0); /* add r11d, r10d */
    } else {
        load_imm(c, 0, R11, in->imm);
    }
    for (size_t k = 0; k < sizeof(keep); k++)
        push_r(c, keep[k]);
    mov_rr(c, 1, RDI, RUN);
    mov_rr(c, 0, RSI, R11);
    mov_ri32(c, RDX, sz);
    call_abs(c, (const void *)jit_ld_pkt);
    mov_rr(c, 1, R11, RDX);
    for (size_t k = sizeof(keep); k-- > 0;)
        pop_r(c, keep[k]);
    op_rr(c, 1, 0x85, R11, R11, 0);
    jcc_to(c, CC_NE, c->st.ok_zero);
}

/* ---- Calls ---- */

/* ENG_INLINE_ARRAY_LOOKUP (engine.h): the kernel's array_map_gen_lookup
 * behind a check that r1 is the map the verifier saw (none when the
 * instruction before loads it); any other r1 takes the helper call.  r1..r5 are left as they are (a helper call clobbers
 * them: the verifier lets no program read them after it). */
/* Is r1 the constant map for certain: an LD_IMM64 of it a few
 * instructions before the call, control reaching the call from there
 * only (no entry in between: c->entered bit 0) and nothing in between
 * that may write r1 (only ALU and loads into other registers, stores)? */
static int r1_is_map(const struct jit_ctx *c, uint64_t map)
{
    const struct bpf_insn *insns = c->in->insns;
    size_t j = c->i;

    for (int n = 0; n < 16 && c->entered && j >= 1; n++) {
        const struct bpf_insn *p;
        uint8_t cls;
        if (c->entered[j] & 1)
            return 0;
        if (c->entered[j - 1] & 2) { /* the second slot of an LD_IMM64 */
            p = &insns[j - 2];
            if (p->dst_reg == BPF_REG_1)
                return p->src_reg == 0 && isa_imm64(p) == map;
            j -= 2;
            continue;
        }
        p = &insns[j - 1];
        cls = ISA_CLASS(p->code);
        if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX) {
            if (p->dst_reg == BPF_REG_1)
                return 0;
        } else if (!((cls == BPF_ST || cls == BPF_STX) && ISA_MODE(p->code) == BPF_MEM)) {
            return 0; /* jumps, calls, atomics (which may write src), LD_ABS */
        }
        j--;
    }
    return 0;
}

static void emit_array_lookup(struct jit_ctx *c, const struct eng_call *call, uint32_t pc)
{
    size_t slow = 0, null, done1, done2;
    int guard = !r1_is_map(c, call->map);

    if (guard) {
        movabs(c, R11, call->map);
        op_rr(c, 1, 0x39, R11, RDI, 0); /* cmp rdi, r11 */
        slow = jfwd(c, CC_NE);
    }
    op_rm(c, 0, 0x8B, RAX, RSI, 0, 0); /* mov eax, [rsi]: the u32 index */
    if (c->blind) {
        load_imm(c, 0, R10, (int32_t)call->max_entries);
        op_rr(c, 0, 0x39, R10, RAX, 0);
    } else {
        alu_ri(c, 0, 7, RAX, (int32_t)call->max_entries);
    }
    null = jfwd(c, CC_AE);
    if (call->mask) /* Spectre v1: no speculative index past the array */
        alu_ri(c, 0, 4, RAX, (int32_t)call->mask);
    if (!(call->stride & (call->stride - 1))) {
        int sh = __builtin_ctz(call->stride);
        if (sh) {
            op_rr(c, 1, 0xC1, 4, RAX, 0); /* shl rax, log2(stride) */
            e1(c, (uint8_t)sh);
        }
    } else {
        op_rr(c, 1, 0x69, RAX, RAX, 0); /* imul rax, rax, stride */
        e4(c, call->stride);
    }
    movabs(c, R11, call->values);
    op_rr(c, 1, 0x01, R11, RAX, 0); /* add rax, r11 */
    done1 = jfwd(c, -1);
    jlabel(c, null);
    op_rr(c, 0, 0x31, RAX, RAX, 0);
    if (guard) {
        done2 = jfwd(c, -1);
        jlabel(c, slow);
        call_c(c, (const void *)call->fn);
        check_err(c, pc);
        jlabel(c, done2);
    }
    jlabel(c, done1);
}

static int emit_call(struct jit_ctx *c, uint32_t pc)
{
    const struct eng_call *call = c->in->calls ? &c->in->calls[pc] : NULL;

    if (!call || call->kind == ENG_CALL_NONE || (call->kind != ENG_CALL_TAIL && !call->fn))
        return -EINVAL;
    charge(c, 1, pc);
    if (call->kind == ENG_CALL_TAIL) {
        /* bpf_tail_call: jit_tail_call() finds the target's body (rdx) or
         * gives r0 < 0; r1..r5 kept; on success jump into the target with
         * this frame, as interp_body.inc's TAIL_CALL continues there. */
        static const uint8_t keep[] = {RDI, RSI, RDX, RCX, R8, R8};
        size_t none;
        for (size_t k = 0; k < sizeof(keep); k++)
            push_r(c, keep[k]);
        call_c(c, (const void *)jit_tail_call);
        mov_rr(c, 1, R10, RDX);
        for (size_t k = sizeof(keep); k-- > 0;)
            pop_r(c, keep[k]);
        check_err(c, pc);
        op_rr(c, 1, 0x85, R10, R10, 0);
        none = jfwd(c, CC_E);
        op_rr(c, 0, 0xFF, 4, R10, 0); /* jmp r10 */
        jlabel(c, none);
        return 0;
    }
    if (call->kind == ENG_CALL_CALLBACK) {
        /* the helper calls back through run->callback (jit_callback) */
        op_rm(c, 0, 0xC7, 0, RUN, OFF_ERRPC, 0);
        e4(c, pc);
        movabs(c, R11, (uint64_t)(uintptr_t)c->img);
        op_rm(c, 1, 0x89, R11, RUN, OFF_IMAGE, 0);
        movabs(c, R11, (uint64_t)(uintptr_t)jit_callback);
        op_rm(c, 1, 0x89, R11, RUN, OFF_CALLBACK, 0);
        call_c(c, (const void *)call->fn);
        op_rm(c, 0, 0x83, 7, RUN, OFF_ERR, 0);
        e1(c, 0);
        jcc_to(c, CC_NE, c->st.unwind_err); /* the callback's pc stays */
        return 0;
    }
    if (call->inl == ENG_INLINE_ARRAY_LOOKUP) {
        emit_array_lookup(c, call, pc);
        return 0;
    }
    call_c(c, (const void *)call->fn);
    check_err(c, pc);
    return 0;
}

/* bpf-to-bpf call: r6..r9 and r10 saved on the native stack, the callee
 * gets the next 512-byte frame below; at most run->frames_max deep. */
static void emit_pseudo_call(struct jit_ctx *c, size_t t, uint32_t pc)
{
    static const uint8_t keep[] = {RBX, R13, R14, R15, RBP};
    size_t ok;
    int dok;
    int64_t d;

    op_rm(c, 0, 0x8B, R11, RUN, OFF_FRAMES_MAX, 0); /* mov r11d, [run + frames_max] */
    alu_ri(c, 0, 5, R11, 1);                         /* sub r11d, 1 */
    op_rm(c, 0, 0x39, R11, RUN, OFF_DEPTH, 0);       /* cmp [run + depth], r11d */
    ok = jfwd(c, CC_B);
    mov_ri32(c, R11, pc);
    mov_ri32(c, R10, (uint32_t)t);
    jmp_to(c, c->st.depth);
    jlabel(c, ok);
    charge(c, 1, pc);
    for (size_t k = 0; k < sizeof(keep); k++)
        push_r(c, keep[k]);
    alu_ri(c, 1, 5, RBP, ISA_STACK);
    op_rm(c, 0, 0xFF, 0, RUN, OFF_DEPTH, 0); /* inc dword [run + depth] */
    d = bpf_disp(c, t, 5, &dok);
    e1(c, 0xE8);
    e4(c, (uint32_t)(int32_t)d);
    op_rm(c, 0, 0xFF, 1, RUN, OFF_DEPTH, 0); /* dec */
    for (size_t k = sizeof(keep); k-- > 0;)
        pop_r(c, keep[k]);
}

/* callx dst: jit_callx() checks dst's value (a function entry's code in
 * this image), the depth and the budget, with r0-r5 saved around it (six
 * pushes: rsp stays 16-aligned); then the call as emit_pseudo_call's,
 * through r10. */
static void emit_callx(struct jit_ctx *c, const struct bpf_insn *in, uint32_t pc)
{
    static const uint8_t keep[] = {RBX, R13, R14, R15, RBP};
    static const uint8_t args[] = {RAX, RDI, RSI, RDX, RCX, R8};

    mov_rr(c, 1, R10, jit_reg[in->dst_reg]);
    for (size_t k = 0; k < sizeof(args); k++)
        push_r(c, args[k]);
    mov_rr(c, 1, RDI, R10);
    movabs(c, RSI, (uint64_t)(uintptr_t)c->img);
    mov_ri32(c, RDX, pc);
    mov_ri32(c, RCX, in->dst_reg);
    call_c(c, (const void *)jit_callx);
    mov_rr(c, 1, R10, RAX);
    for (size_t k = sizeof(args); k-- > 0;)
        pop_r(c, args[k]);
    check_err(c, pc);
    for (size_t k = 0; k < sizeof(keep); k++)
        push_r(c, keep[k]);
    alu_ri(c, 1, 5, RBP, ISA_STACK);
    op_rm(c, 0, 0xFF, 0, RUN, OFF_DEPTH, 0); /* inc dword [run + depth] */
    op_rr(c, 0, 0xFF, 2, R10, 0);            /* call r10 */
    op_rm(c, 0, 0xFF, 1, RUN, OFF_DEPTH, 0); /* dec */
    for (size_t k = sizeof(keep); k-- > 0;)
        pop_r(c, keep[k]);
}

/* ---- Jumps ---- */

static int jcc_of(uint8_t o)
{
    switch (o) {
    case BPF_JEQ: return CC_E;
    case BPF_JNE: return CC_NE;
    case BPF_JSET: return CC_NE;
    case BPF_JGT: return CC_A;
    case BPF_JGE: return CC_AE;
    case BPF_JLT: return CC_B;
    case BPF_JLE: return CC_BE;
    case BPF_JSGT: return CC_G;
    case BPF_JSGE: return CC_GE;
    case BPF_JSLT: return CC_L;
    case BPF_JSLE: return CC_LE;
    default: return -1;
    }
}

/* To BPF instruction t (taken); backward: charge the loop's length first. */
static void emit_goto(struct jit_ctx *c, size_t t, uint32_t pc)
{
    uint32_t n = (uint32_t)(pc - t + 1);

    if (t > pc) {
        jmp_bpf(c, t);
        return;
    }
    /* the loop's one taken branch is the jump back (when the budget
     * covers it); the failure follows it */
    alu_ri(c, 1, 5, BUDGET, (int32_t)n);
    jcc_bpf(c, CC_AE, t);
    alu_ri(c, 1, 0, BUDGET, (int32_t)n);
    mov_ri32(c, R11, pc);
    jmp_to(c, c->st.budget);
}

static int emit_jmp(struct jit_ctx *c, const struct bpf_insn *in, uint32_t pc)
{
    uint8_t cls = ISA_CLASS(in->code), o = ISA_OP(in->code);
    int w = cls == BPF_JMP, dst = jit_reg[in->dst_reg], src = jit_reg[in->src_reg], cc;
    int64_t t;

    if (o == BPF_EXIT) {
        e1(c, 0xC3); /* to the caller, or to the entry stub */
        return 0;
    }
    if (o == BPF_CALL && ISA_SRC(in->code) == BPF_X) {
        emit_callx(c, in, pc);
        return 0;
    }
    if (o == BPF_CALL && in->src_reg == 0)
        return emit_call(c, pc);
    if (!isa_branch_target(c->in->insns, pc, &t) || t < 0 || (size_t)t >= c->in->cnt)
        return -EINVAL;
    if (o == BPF_CALL) {
        emit_pseudo_call(c, (size_t)t, pc);
        return 0;
    }
    if (o == BPF_JA) {
        emit_goto(c, (size_t)t, pc);
        return 0;
    }
    cc = jcc_of(o);
    if (cc < 0)
        return -EINVAL;
    if (ISA_SRC(in->code) == BPF_X)
        op_rr(c, w, o == BPF_JSET ? 0x85 : 0x39, src, dst, 0);
    else if (in->imm && c->blind) {
        blind_imm(c, w, R10, in->imm);
        op_rr(c, w, o == BPF_JSET ? 0x85 : 0x39, R10, dst, 0);
    } else if (o == BPF_JSET) {
        op_rr(c, w, 0xF7, 0, dst, 0);
        e4(c, (uint32_t)in->imm);
    } else if (in->imm == 0)
        op_rr(c, w, 0x85, dst, dst, 0);
    else
        alu_ri(c, w, 7, dst, in->imm);
    if ((size_t)t > pc) {
        jcc_bpf(c, cc, (size_t)t);
    } else {
        size_t skip = jfwd(c, cc ^ 1);
        emit_goto(c, (size_t)t, pc);
        jlabel(c, skip);
    }
    return 0;
}

/* ---- One pass ---- */

int jit_emit_all(struct jit_ctx *c, struct eng_log *log)
{
    const struct bpf_insn *insns = c->in->insns;
    const size_t cnt = c->in->cnt;

    c->len = 0;
    c->err = 0;
    emit_stubs(c);
    for (size_t i = 0; i < cnt; i++) {
        const struct bpf_insn *in = &insns[i];
        uint8_t cls = ISA_CLASS(in->code);
        int err = 0;

        c->i = i;
        c->cur[i] = (uint32_t)c->len;
        if (isa_is_ldimm64(in)) {
            if (in->src_reg == BPF_PSEUDO_FUNC) {
                /* a callback's address: its first instruction's code */
                int64_t t = (int64_t)i + 1 + in->imm;
                if (t < 0 || (size_t)t >= cnt)
                    return eng_log_fail(log, -EINVAL, (long)i, "LD_IMM64 callback target %lld is outside the program",
                                        (long long)t);
                movabs(c, jit_reg[in->dst_reg], c->base + (c->prev ? c->prev[t] : 0));
            } else if (in->src_reg != 0) {
                return eng_log_fail(log, -EOPNOTSUPP, (long)i,
                                    "LD_IMM64 with src_reg %u: an unresolved reference (program load resolves map "
                                    "references)",
                                    in->src_reg);
            } else {
                if (c->blind) {
                    movabs(c, jit_reg[in->dst_reg], isa_imm64(in) ^ c->key);
                    movabs(c, R10, c->key);
                    op_rr(c, 1, 0x31, R10, jit_reg[in->dst_reg], 0);
                } else {
                    mov_ri64(c, jit_reg[in->dst_reg], isa_imm64(in));
                }
            }
            i++;
            c->cur[i] = (uint32_t)c->len;
            continue;
        }
        switch (cls) {
        case BPF_ALU:
        case BPF_ALU64:
            if (c->in->calls && c->in->calls[i].alu_state)
                emit_alu_masked(c, in, &c->in->calls[i]);
            else
                err = emit_alu(c, in);
            break;
        case BPF_JMP:
        case BPF_JMP32: err = emit_jmp(c, in, (uint32_t)i); break;
        case BPF_LD:
            if (ISA_MODE(in->code) == BPF_ABS || ISA_MODE(in->code) == BPF_IND)
                emit_ldpkt(c, in, (uint32_t)i);
            else
                err = -EINVAL;
            break;
        default: err = emit_mem(c, in); break;
        }
        if (err) {
            if (cls == BPF_JMP && ISA_OP(in->code) == BPF_CALL && in->src_reg == BPF_PSEUDO_KFUNC_CALL)
                return eng_log_fail(log, -EOPNOTSUPP, (long)i,
                                    "call to kfunc (BTF id %d), which bpfrt does not support", in->imm);
            if (cls == BPF_JMP && ISA_OP(in->code) == BPF_CALL)
                return eng_log_fail(log, -EINVAL, (long)i, "call to helper #%d was not resolved by the fix-up stage",
                                    in->imm);
            return eng_log_fail(log, -EINVAL, (long)i, "opcode 0x%02x has no JIT translation", in->code);
        }
        if (c->err)
            break;
    }
    c->cur[cnt] = (uint32_t)c->len;
    /* past the last instruction (the encoding checks forbid falling off) */
    mov_ri32(c, R11, (uint32_t)cnt);
    jmp_to(c, c->st.end);
    if (c->err)
        return eng_log_fail(log, c->err, -1, "the JIT's code buffer: %s",
                            c->err == -ENOMEM ? "out of memory" : "an internal sequence grew past its short jump");
    return 0;
}

#endif /* __x86_64__ */
