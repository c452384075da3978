/* branch.c - what a conditional jump on two scalars decides and proves.
 *
 * vf_branch_taken is the kernel's is_scalar_branch_taken (6.18: range
 * comparisons in both signednesses, the tnums' overlap for JEQ/JNE, the
 * 32-bit subranges for 64-bit equality, one register compared with itself)
 * and vf_branch_refine its reg_set_min_max / regs_refine_cond_op: both
 * operands narrowed on both branches, the false branch by the reversed
 * condition.  Learned from kernel/bpf/verifier.c and the 6.18 verifier's
 * log; written afresh. */
#include <stdint.h>

#include "verifier/vstate.h"

/* BPF_JSET | BPF_X stands for "not JSET" (the false branch of JSET), as
 * the kernel's rev_opcode does. */
#define OP_JSET_NOT (BPF_JSET | BPF_X)

/* The condition that holds on the false branch. */
static uint8_t reverse_op(uint8_t op)
{
    switch (op) {
    case BPF_JEQ:
        return BPF_JNE;
    case BPF_JNE:
        return BPF_JEQ;
    case BPF_JGT:
        return BPF_JLE;
    case BPF_JLE:
        return BPF_JGT;
    case BPF_JGE:
        return BPF_JLT;
    case BPF_JLT:
        return BPF_JGE;
    case BPF_JSGT:
        return BPF_JSLE;
    case BPF_JSLE:
        return BPF_JSGT;
    case BPF_JSGE:
        return BPF_JSLT;
    case BPF_JSLT:
        return BPF_JSGE;
    case BPF_JSET:
        return OP_JSET_NOT;
    case OP_JSET_NOT:
        return BPF_JSET;
    default:
        return op;
    }
}

/* The same condition with the operands swapped (a > b is b < a). */
static uint8_t flip_op(uint8_t op)
{
    switch (op) {
    case BPF_JGT:
        return BPF_JLT;
    case BPF_JLT:
        return BPF_JGT;
    case BPF_JGE:
        return BPF_JLE;
    case BPF_JLE:
        return BPF_JGE;
    case BPF_JSGT:
        return BPF_JSLT;
    case BPF_JSLT:
        return BPF_JSGT;
    case BPF_JSGE:
        return BPF_JSLE;
    case BPF_JSLE:
        return BPF_JSGE;
    default:
        return op;
    }
}

static int is_const(const struct vf_reg *r, int jmp32)
{
    return jmp32 ? tnum_subreg_is_const(r->var_off) : tnum_is_const(r->var_off);
}

static uint64_t const_value(const struct vf_reg *r, int jmp32)
{
    return jmp32 ? (uint32_t)r->var_off.value : r->var_off.value;
}

/* One operand's view at the comparison's width. */
struct side {
    struct tnum t;
    uint64_t umin, umax;
    int64_t smin, smax;
};

static struct side view(const struct vf_reg *r, int jmp32)
{
    struct side s;
    if (jmp32) {
        s.t = tnum_subreg(r->var_off);
        s.umin = r->u32_min;
        s.umax = r->u32_max;
        s.smin = r->s32_min;
        s.smax = r->s32_max;
    } else {
        s.t = r->var_off;
        s.umin = r->umin;
        s.umax = r->umax;
        s.smin = r->smin;
        s.smax = r->smax;
    }
    return s;
}

/* Can the two never be equal?  Known bits that disagree, or ranges that
 * do not meet (for a 64-bit comparison also the 32-bit subranges). */
static int never_equal(const struct vf_reg *r1, const struct vf_reg *r2, const struct side *a, const struct side *b,
                       int jmp32)
{
    if (!tnum_overlap(a->t, b->t))
        return 1;
    if (a->umin > b->umax || a->umax < b->umin)
        return 1;
    if (a->smin > b->smax || a->smax < b->smin)
        return 1;
    if (!jmp32) {
        if (r1->u32_min > r2->u32_max || r1->u32_max < r2->u32_min)
            return 1;
        if (r1->s32_min > r2->s32_max || r1->s32_max < r2->s32_min)
            return 1;
    }
    return 0;
}

int vf_branch_taken(const struct vf_reg *dst, const struct vf_reg *src, uint8_t op, int jmp32)
{
    struct side a = view(dst, jmp32), b = view(src, jmp32);

    /* A register compared with itself (6.18). */
    if (dst == src) {
        switch (op) {
        case BPF_JEQ:
        case BPF_JGE:
        case BPF_JLE:
        case BPF_JSGE:
        case BPF_JSLE:
            return 1;
        case BPF_JNE:
        case BPF_JGT:
        case BPF_JLT:
        case BPF_JSGT:
        case BPF_JSLT:
            return 0;
        case BPF_JSET:
            if (tnum_is_const(a.t))
                return a.t.value != 0;
            return (a.smin <= 0 && a.smax >= 0) ? -1 : 1;
        default:
            return -1;
        }
    }

    switch (op) {
    case BPF_JEQ:
        if (tnum_is_const(a.t) && tnum_is_const(b.t))
            return a.t.value == b.t.value;
        if (never_equal(dst, src, &a, &b, jmp32))
            return 0;
        break;
    case BPF_JNE:
        if (tnum_is_const(a.t) && tnum_is_const(b.t))
            return a.t.value != b.t.value;
        if (never_equal(dst, src, &a, &b, jmp32))
            return 1;
        break;
    case BPF_JSET: {
        /* Decided only against a constant mask: a known one bit under the
         * mask makes it taken, no possible one bit under it not taken. */
        struct tnum t = a.t, mask = b.t;
        if (!is_const(src, jmp32)) {
            if (!is_const(dst, jmp32))
                return -1;
            t = b.t;
            mask = a.t;
        }
        if (t.value & mask.value)
            return 1;
        if (!((t.value | t.mask) & mask.value))
            return 0;
        break;
    }
    case BPF_JGT:
        if (a.umin > b.umax)
            return 1;
        if (a.umax <= b.umin)
            return 0;
        break;
    case BPF_JSGT:
        if (a.smin > b.smax)
            return 1;
        if (a.smax <= b.smin)
            return 0;
        break;
    case BPF_JLT:
        if (a.umax < b.umin)
            return 1;
        if (a.umin >= b.umax)
            return 0;
        break;
    case BPF_JSLT:
        if (a.smax < b.smin)
            return 1;
        if (a.smin >= b.smax)
            return 0;
        break;
    case BPF_JGE:
        if (a.umin >= b.umax)
            return 1;
        if (a.umax < b.umin)
            return 0;
        break;
    case BPF_JSGE:
        if (a.smin >= b.smax)
            return 1;
        if (a.smax < b.smin)
            return 0;
        break;
    case BPF_JLE:
        if (a.umax <= b.umin)
            return 1;
        if (a.umin > b.umax)
            return 0;
        break;
    case BPF_JSLE:
        if (a.smax <= b.smin)
            return 1;
        if (a.smin > b.smax)
            return 0;
        break;
    default:
        break;
    }
    return -1;
}

static void swap_regs(struct vf_reg **a, struct vf_reg **b)
{
    struct vf_reg *t = *a;
    *a = *b;
    *b = t;
}

/* Narrow r1 and r2 given that "r1 op r2" holds (the kernel's
 * regs_refine_cond_op).  GT/GE are LT/LE with the operands swapped. */
static void refine(struct vf_reg *r1, struct vf_reg *r2, uint8_t op, int jmp32)
{
    struct tnum t;
    uint64_t val;

    switch (op) {
    case BPF_JGE:
    case BPF_JGT:
    case BPF_JSGE:
    case BPF_JSGT:
        op = flip_op(op);
        swap_regs(&r1, &r2);
        break;
    default:
        break;
    }

    switch (op) {
    case BPF_JEQ:
        /* Equal: both lie in the intersection. */
        if (jmp32) {
            r1->u32_min = r1->u32_min > r2->u32_min ? r1->u32_min : r2->u32_min;
            r1->u32_max = r1->u32_max < r2->u32_max ? r1->u32_max : r2->u32_max;
            r1->s32_min = r1->s32_min > r2->s32_min ? r1->s32_min : r2->s32_min;
            r1->s32_max = r1->s32_max < r2->s32_max ? r1->s32_max : r2->s32_max;
            r2->u32_min = r1->u32_min;
            r2->u32_max = r1->u32_max;
            r2->s32_min = r1->s32_min;
            r2->s32_max = r1->s32_max;
            t = tnum_intersect(tnum_subreg(r1->var_off), tnum_subreg(r2->var_off));
            r1->var_off = tnum_with_subreg(r1->var_off, t);
            r2->var_off = tnum_with_subreg(r2->var_off, t);
        } else {
            r1->umin = r1->umin > r2->umin ? r1->umin : r2->umin;
            r1->umax = r1->umax < r2->umax ? r1->umax : r2->umax;
            r1->smin = r1->smin > r2->smin ? r1->smin : r2->smin;
            r1->smax = r1->smax < r2->smax ? r1->smax : r2->smax;
            r2->umin = r1->umin;
            r2->umax = r1->umax;
            r2->smin = r1->smin;
            r2->smax = r1->smax;
            r1->var_off = tnum_intersect(r1->var_off, r2->var_off);
            r2->var_off = r1->var_off;
        }
        break;
    case BPF_JNE:
        /* Not equal to a constant at an end of a range: that end moves in
         * by one. */
        if (!is_const(r2, jmp32))
            swap_regs(&r1, &r2);
        if (!is_const(r2, jmp32))
            break;
        val = const_value(r2, jmp32);
        /* (Wrapping arithmetic: an end can only be at the extreme when the
         * operand is that constant, a case vf_branch_taken decides.) */
        if (jmp32) {
            if (r1->u32_min == (uint32_t)val)
                r1->u32_min++;
            if (r1->u32_max == (uint32_t)val)
                r1->u32_max--;
            if (r1->s32_min == (int32_t)(uint32_t)val)
                r1->s32_min = (int32_t)((uint32_t)r1->s32_min + 1);
            if (r1->s32_max == (int32_t)(uint32_t)val)
                r1->s32_max = (int32_t)((uint32_t)r1->s32_max - 1);
        } else {
            if (r1->umin == val)
                r1->umin++;
            if (r1->umax == val)
                r1->umax--;
            if (r1->smin == (int64_t)val)
                r1->smin = (int64_t)((uint64_t)r1->smin + 1);
            if (r1->smax == (int64_t)val)
                r1->smax = (int64_t)((uint64_t)r1->smax - 1);
        }
        break;
    case BPF_JSET:
        /* Taken with a one-bit constant mask: that bit is set.  (With
         * more bits nothing definite is learned.) */
        if (!is_const(r2, jmp32))
            swap_regs(&r1, &r2);
        if (!is_const(r2, jmp32))
            break;
        val = const_value(r2, jmp32);
        if (!val || (val & (val - 1)))
            break;
        if (jmp32) {
            t = tnum_or(tnum_subreg(r1->var_off), tnum_const(val));
            r1->var_off = tnum_with_subreg(r1->var_off, t);
        } else {
            r1->var_off = tnum_or(r1->var_off, tnum_const(val));
        }
        break;
    case OP_JSET_NOT:
        /* Not taken: every bit of the constant mask is clear. */
        if (!is_const(r2, jmp32))
            swap_regs(&r1, &r2);
        if (!is_const(r2, jmp32))
            break;
        val = const_value(r2, jmp32);
        /* 6.18 forgets the ranges here (not on the true branch) before
         * narrowing the tnum, and re-derives them from it: the log shows
         * "r s<= 1000; if r & 0x100" falling through with smax from the
         * tnum alone. */
        vf_mark_unbounded(r1);
        if (jmp32) {
            t = tnum_and(tnum_subreg(r1->var_off), tnum_const(~val));
            r1->var_off = tnum_with_subreg(r1->var_off, t);
        } else {
            r1->var_off = tnum_and(r1->var_off, tnum_const(~val));
        }
        break;
    /* r1 <= r2: r1 is at most r2's maximum, r2 at least r1's minimum; "<"
     * one further (wrapping only where the branch is impossible and the
     * kernel would have decided it already). */
    case BPF_JLE:
        if (jmp32) {
            if (r2->u32_max < r1->u32_max)
                r1->u32_max = r2->u32_max;
            if (r1->u32_min > r2->u32_min)
                r2->u32_min = r1->u32_min;
        } else {
            if (r2->umax < r1->umax)
                r1->umax = r2->umax;
            if (r1->umin > r2->umin)
                r2->umin = r1->umin;
        }
        break;
    case BPF_JLT:
        if (jmp32) {
            uint32_t hi = r2->u32_max - 1, lo = r1->u32_min + 1;
            if (hi < r1->u32_max)
                r1->u32_max = hi;
            if (lo > r2->u32_min)
                r2->u32_min = lo;
        } else {
            uint64_t hi = r2->umax - 1, lo = r1->umin + 1;
            if (hi < r1->umax)
                r1->umax = hi;
            if (lo > r2->umin)
                r2->umin = lo;
        }
        break;
    case BPF_JSLE:
        if (jmp32) {
            if (r2->s32_max < r1->s32_max)
                r1->s32_max = r2->s32_max;
            if (r1->s32_min > r2->s32_min)
                r2->s32_min = r1->s32_min;
        } else {
            if (r2->smax < r1->smax)
                r1->smax = r2->smax;
            if (r1->smin > r2->smin)
                r2->smin = r1->smin;
        }
        break;
    case BPF_JSLT:
        if (jmp32) {
            int32_t hi = (int32_t)((uint32_t)r2->s32_max - 1), lo = (int32_t)((uint32_t)r1->s32_min + 1);
            if (hi < r1->s32_max)
                r1->s32_max = hi;
            if (lo > r2->s32_min)
                r2->s32_min = lo;
        } else {
            int64_t hi = (int64_t)((uint64_t)r2->smax - 1), lo = (int64_t)((uint64_t)r1->smin + 1);
            if (hi < r1->smax)
                r1->smax = hi;
            if (lo > r2->smin)
                r2->smin = lo;
        }
        break;
    default:
        break;
    }
}

void vf_branch_refine(struct vf_reg *true_dst, struct vf_reg *true_src, struct vf_reg *false_dst,
                      struct vf_reg *false_src, uint8_t op, int jmp32)
{
    /* One register compared with itself: vf_branch_taken decides what can
     * be decided; nothing is learned otherwise (the kernel's
     * reg_set_min_max returns early). */
    if (false_dst == false_src || true_dst == true_src)
        return;

    refine(false_dst, false_src, reverse_op(op), jmp32);
    vf_reg_bounds_sync(false_dst);
    vf_reg_bounds_sync(false_src);

    refine(true_dst, true_src, op, jmp32);
    vf_reg_bounds_sync(true_dst);
    vf_reg_bounds_sync(true_src);
}
