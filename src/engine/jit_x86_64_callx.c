/* jit_x86_64_callx.c - the C side of the JIT's callx (BPF_JMP | BPF_CALL
 * | BPF_X): the target's check, with the interpreter's rules and messages
 * (interp.c interp_callx_target, interp_body.inc CALLX), so that both
 * engines stop a bad call at the same instruction with the same error
 * (tests/unit/test_callx.c).  The machine code (jit_x86_64_emit.c
 * emit_callx) then calls the target's code natively, as a bpf-to-bpf call.
 */
#if defined(__x86_64__)
#include <errno.h>

#include "interp_ops.h"
#include "jit_x86_64.h"

size_t jit_insn_at(const struct jit_image *img, uint64_t addr)
{
    const uint64_t first = (uint64_t)(uintptr_t)img->code;
    size_t lo = 0, hi = img->cnt;

    while (lo < hi) { /* the first instruction starting at or after addr */
        size_t mid = (lo + hi) / 2;
        if (first + img->addrs[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* an LD_IMM64's second slot starts where the next instruction does:
     * the search finds the instruction, never the slot */
    if (addr < first || lo >= img->cnt || first + img->addrs[lo] != addr)
        return img->cnt;
    return lo;
}

/* fn: dst's value; image: the running image (a tail call's target has
 * its own code and its own check); pc, reg: the instruction.  Returns fn
 * when it is the code of a function entry of the image, the call depth
 * allows one more frame and the budget one more call (charged here: one
 * unit, as the interpreter's CHARGE_CALL); else 0 with run's error set. */
uint64_t jit_callx(uint64_t fn, uint64_t image, uint64_t pc, uint64_t reg, uint64_t unused, struct rt_run *run)
{
    const struct jit_image *img = (const struct jit_image *)(uintptr_t)image;
    const struct interp_code *code = img->interp;
    const size_t lo = jit_insn_at(img, fn);

    (void)unused;
    if (lo >= img->cnt) {
        rt_fail(run, -EFAULT, (uint32_t)pc, "callx r%u: 0x%llx is not the address of a function of the program",
                (unsigned)reg, (unsigned long long)fn);
        return 0;
    }
    if (!code->fn[lo]) {
        rt_fail(run, -EFAULT, (uint32_t)pc, "callx r%u: insn %zu is not the first instruction of a function",
                (unsigned)reg, lo);
        return 0;
    }
    if (run->depth + 1 >= run->frames_max) {
        rt_fail(run, -ELOOP, (uint32_t)pc, "call depth exceeds %u frames (call to insn %zu)", run->frames_max, lo);
        return 0;
    }
    if (!run->budget) {
        rt_fail(run, -ELOOP, (uint32_t)pc, "instruction budget exceeded");
        return 0;
    }
    run->budget--;
    return fn;
}

#endif /* __x86_64__ */
