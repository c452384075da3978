/* engine.h - the engine seam: what the load pipeline hands an engine and
 * the small ops table every engine implements (the kernel's
 * prog->bpf_func idea).  The interpreter is one engine (eng_interp); a JIT
 * is another.  Engines see the run context (run.h) and the fixed-up
 * program, never the program object, the maps or the helper table. */
#ifndef BPFRT_ENGINE_H
#define BPFRT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

/* How the fix-up stage resolved a BPF_CALL with src_reg 0. */
enum eng_call_kind {
    ENG_CALL_NONE = 0,  /* not a helper call */
    ENG_CALL_HELPER,    /* fn(r1..r5, run) */
    ENG_CALL_CALLBACK,  /* fn may call back into the program (run->callback) */
    ENG_CALL_TAIL,      /* bpf_tail_call: run->tail_call, then continue in the target */
};

/* An inlined call (eng_call.inl): what the engine may emit in place of
 * the helper call, from the verifier's facts (fixup_inline.c). */
enum eng_inline {
    ENG_INLINE_NONE = 0,
    /* bpf_map_lookup_elem on a BPF_MAP_TYPE_ARRAY the verifier saw as the
     * map argument on every path (the kernel's array_map_gen_lookup):
     * when r1 == map, r0 = index < max_entries ? values + index * stride :
     * NULL with index = *(u32 *)r2 (masked with mask first when mask is
     * not 0: the kernel's Spectre v1 index_mask of unprivileged
     * programs); any other r1 calls fn. */
    ENG_INLINE_ARRAY_LOOKUP,
};

struct eng_call {
    rt_helper_fn fn;
    uint8_t kind; /* enum eng_call_kind */
    uint8_t inl;  /* enum eng_inline */
    uint32_t max_entries, stride, mask;
    uint64_t map, values;
    /* Not a call: an unprivileged program's pointer add/sub with a
     * register offset (BPF_ALU64 | BPF_ADD/SUB | BPF_X), which the engine
     * masks against speculation past its object as the kernel's
     * do_misc_fixups() does from the verifier's alu_state/alu_limit
     * (ENG_ALU_* below, the kernel's BPF_ALU_SANITIZE_SRC ... values);
     * alu_state 0: no masking. */
    uint8_t alu_state;
    uint32_t alu_limit;
};

#define ENG_ALU_SRC 1u  /* the offset is src_reg (the pointer dst_reg) */
#define ENG_ALU_DST 2u  /* the offset is dst_reg (the pointer src_reg) */
#define ENG_ALU_NEG 4u  /* the offset is negative */
#define ENG_ALU_NON_POINTER 8u
#define ENG_ALU_IMM 16u /* the offset is a known constant: alu_limit is its size */

/* The program an engine prepares: instructions checked by isa_check_prog()
 * and fixed up (map references are plain 64-bit constants: the maps'
 * addresses), and for each instruction how its helper call was resolved
 * (calls[i].kind == ENG_CALL_NONE for every other instruction). */
struct eng_input {
    const struct bpf_insn *insns;
    size_t cnt;
    const struct eng_call *calls; /* cnt entries */
};

/* Errors of prepare go to the caller's log as "insn N: reason" with the
 * index in *err_insn (or -1 when the error concerns no instruction). */
struct eng_log {
    char *buf;
    size_t size;
    long err_insn;
};

/* Record a prepare error in log (index and message); returns err. */
int eng_log_fail(struct eng_log *log, int err, long insn, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

struct eng_ops {
    const char *name; /* "interp", "jit" */
    /* Build the engine's image of a program.  0 and *imagep, or -errno
     * with the reason in log. */
    int (*prepare)(const struct eng_input *in, void **imagep, struct eng_log *log);
    /* Run from instruction 0 with r1..r5 = args, r10 = top of frame 0's
     * stack in run->stack.  0 with r0 in *r0, or a negative errno with
     * run->err, run->err_pc and run->errmsg set.  checked: validate every
     * access against run->regions and the stack and count instructions in
     * run->insn_cnt. */
    int (*run)(const void *image, struct rt_run *run, const uint64_t args[5], int checked, uint64_t *r0);
    /* Optional (NULL: the caller loops over run): up to n fast runs
     * (checked 0), each as run() starts one, from args with run->budget =
     * budget.  It stops after a run that left what the caller resets
     * between runs (a tail call made, a redirect set, a spin lock held, a
     * region added) or at an error; when it returns 0, *done = the runs
     * completed (at least one) and *r0 the last one's r0. */
    int (*run_many)(const void *image, struct rt_run *run, const uint64_t args[5], uint32_t n, uint64_t budget,
                    uint32_t *done, uint64_t *r0);
    void (*free)(void *image);
    /* Bytes of the image (what `prog show` calls bytes_jited for a JIT). */
    size_t (*image_size)(const void *image);
    /* Machine code (NULL for an engine that has none): the code, and in
     * *offs where each instruction of the input starts in it (cnt + 1
     * offsets, the last the end of the body). */
    const uint8_t *(*code)(const void *image, const uint32_t **offs);
};

extern const struct eng_ops eng_interp;
#if defined(__x86_64__)
/* The x86-64 JIT (jit_x86_64*.c): machine code for fast runs, the
 * interpreter for checked ones. */
#define ENG_HAVE_JIT 1
extern const struct eng_ops eng_jit;
#endif

#endif
