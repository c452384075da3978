/* jit_x86_64.h - the x86-64 JIT's internals, shared by its two files:
 * jit_x86_64_emit.c (machine code for each instruction, the stubs) and
 * jit_x86_64.c (passes until jump sizes converge, the W^X image, runs,
 * callbacks, tail calls: the engine's ops table eng_jit).
 *
 * Register mapping (one table, jit_reg[]): r0 rax, r1 rdi, r2 rsi, r3 rdx,
 * r4 rcx, r5 r8 (the System V argument registers in order, so a helper
 * call needs no shuffling: the 6th argument, r9, is the run context),
 * r6 rbx, r7 r13, r8 r14, r9 r15 (callee-saved, as BPF's r6-r9 are),
 * r10 rbp (the BPF frame pointer into run->stack); r12 holds the run
 * context for the whole run, r9 the fast run's instruction budget (in
 * run->budget whenever C code runs); r10, r11 are scratch.
 *
 * Invariant: at every BPF instruction boundary rsp is 16-byte aligned, so
 * a helper call is an ABI-conforming call as it stands; a bpf-to-bpf call
 * pushes 5 registers and a return address (48 bytes) and keeps it.
 */
#ifndef BPFRT_JIT_X86_64_H
#define BPFRT_JIT_X86_64_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* A prepared program: the machine code (read-only and executable for
 * the image's life), where each BPF instruction starts in it, and the
 * interpreter's image of the same program for checked runs. */
struct jit_image {
    uint8_t *code;    /* mmap'd, PROT_READ | PROT_EXEC */
    size_t map_len;   /* bytes mapped */
    size_t code_len;  /* bytes of code */
    size_t entry_off; /* the entry stub (a jit_entry_fn) */
    size_t many_off;  /* the repeat loop's entry (a jit_entry_fn; run->eng_* set) */
    size_t body_off;  /* instruction 0 */
    uint32_t *addrs;  /* cnt + 1 offsets from code: instruction i starts at code + addrs[i] */
    size_t cnt;
    void *interp;    /* eng_interp's image, for checked runs */
    uint32_t passes; /* emission passes until jump sizes converged */
    int blinded;     /* constants blinded (BPFRT_JIT_BLIND=1) */
};

/* Offsets of the stubs at the image's start (before the body). */
struct jit_stubs {
    uint32_t entry, ok, ok_zero, unwind_err, helper_fail, budget, depth, end, out, many;
};

/* One emission pass. */
struct jit_ctx {
    uint8_t *buf;
    size_t len, cap;
    int err; /* -ENOMEM */
    const struct eng_input *in;
    const struct jit_image *img; /* its address goes into callback-taking calls */
    uint64_t base;               /* the image's final address (0 in the first pass) */
    const uint32_t *prev;        /* starts of the previous pass (NULL in the first) */
    uint32_t *cur;               /* starts of this pass, cnt + 1 */
    size_t i;                    /* instruction being emitted */
    int blind;                   /* constant blinding (BPFRT_JIT_BLIND=1) */
    const uint8_t *entered;      /* cnt: bit 0 where control may arrive other than from
                                  * the instruction before (jumps, calls, callbacks),
                                  * bit 1 on LD_IMM64's second slots */
    uint64_t key;                /* its key, random per image */
    struct jit_stubs st;
};

/* The C side the machine code calls (jit_x86_64.c). */
struct jit_pair {
    uint64_t a, b; /* returned in rax:rdx */
};
void jit_fail_budget(struct rt_run *run, uint32_t pc);
void jit_fail_depth(struct rt_run *run, uint32_t pc, uint32_t target);
void jit_fail_end(struct rt_run *run, uint32_t pc);
struct jit_pair jit_tail_call(uint64_t r1, uint64_t map, uint64_t index, uint64_t r4, uint64_t r5, struct rt_run *run);
struct jit_pair jit_ld_pkt(struct rt_run *run, int32_t off, uint32_t size);
int jit_callback(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0);
/* The instruction whose code starts at addr in img, or img->cnt when
 * none does (jit_x86_64_callx.c). */
size_t jit_insn_at(const struct jit_image *img, uint64_t addr);
uint64_t jit_callx(uint64_t fn, uint64_t image, uint64_t pc, uint64_t reg, uint64_t unused, struct rt_run *run);

/* The entry stub's C type: run from target with r1..r5 = regs[0..4],
 * r10 = regs[5]; 0 with r0 in *r0, or run->err. */
typedef int (*jit_entry_fn)(struct rt_run *run, const void *target, const uint64_t regs[6], uint64_t *r0);

/* Emit the stubs and then every instruction (one pass).  0, or a negative
 * errno with the reason in log. */
int jit_emit_all(struct jit_ctx *c, struct eng_log *log);

#endif
