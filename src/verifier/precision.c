/* precision.c - which scalars' exact values mattered (the kernel's
 * precision tracking: mark_chain_precision, backtrack_insn,
 * propagate_precision).  Pruning compares a scalar's range only when it
 * is marked precise; any other scalar is as good as any.  A scalar
 * becomes precise when something depended on its value (pointer
 * arithmetic, a helper's size, a decided branch, the return code...):
 * then the walk goes back over the instructions of the current path that
 * produced it, through the checkpoints (the parent states) it passed,
 * and marks there the registers and stack slots it came from, so that a
 * later path pruned against one of those checkpoints must match them.
 * Where going back is not worth the complexity (bpf-to-bpf calls,
 * callbacks, LD_ABS, atomics, stack accesses through a pointer other
 * than r10), every scalar of the checkpoints becomes precise, which is
 * always sound. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../isa/isa.h"
#include "check.h"

#define GIVE_UP 1

int vf_hist_push(struct vf_env *env, struct vf_state *st, uint32_t idx, uint32_t prev, uint16_t linked_regs,
                 uint64_t linked_slots)
{
    if (st->nhist == st->hist_cap) {
        uint32_t cap = st->hist_cap ? st->hist_cap * 2 : 8;
        struct vf_hist *h = realloc(st->hist, cap * sizeof(*h));
        if (!h)
            return vf_reject(env, -ENOMEM, idx, "out of memory");
        st->hist = h;
        st->hist_cap = cap;
    }
    st->hist[st->nhist].idx = idx;
    st->hist[st->nhist].prev = prev;
    st->hist[st->nhist].linked_regs = linked_regs;
    st->hist[st->nhist].linked_slots = linked_slots;
    st->nhist++;
    return 0;
}

static uint32_t slot_of_off(int32_t off)
{
    return (uint32_t)((-off - 1) / 8);
}

/* One instruction backwards: what the registers (regs) and stack slots
 * (slots) that must be precise after it need before it (backtrack_insn).
 * GIVE_UP when the instruction is one the tracking does not follow. */
static int backtrack_insn(const struct vf_env *env, uint32_t i, const struct vf_hist *ent, uint16_t *regs,
                          uint64_t *slots)
{
    const struct bpf_insn *in = &env->insns[i];
    uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code), mode = BPF_MODE(in->code);
    uint16_t d = (uint16_t)(1u << in->dst_reg), s = (uint16_t)(1u << in->src_reg);

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (!(*regs & d))
            return 0;
        if (op == BPF_MOV) {
            *regs &= (uint16_t)~d;
            if (BPF_SRC(in->code) == BPF_X)
                *regs |= s;
        } else if (BPF_SRC(in->code) == BPF_X && op != BPF_NEG && op != BPF_END) {
            *regs |= s; /* dst op= src: both mattered */
        }
        return 0;
    case BPF_LDX:
        if (!(*regs & d))
            return 0;
        *regs &= (uint16_t)~d;
        if (env->aux[i].stack_nonfp)
            return GIVE_UP; /* a fill through a pointer other than r10: which slot is not known here */
        if (in->src_reg != BPF_REG_10)
            return 0; /* other memory: the value was never tracked */
        if (in->off >= 0 || in->off < -VF_STACK_SIZE)
            return GIVE_UP;
        *slots |= 1ull << slot_of_off(in->off);
        return 0;
    case BPF_STX:
    case BPF_ST:
        if (mode == BPF_ATOMIC) {
            if (*regs & (s | d | 1u))
                return GIVE_UP;
        }
        if (*regs & d)
            return GIVE_UP; /* a scalar used as an address: pointer subtraction was involved */
        if (in->dst_reg != BPF_REG_10 || in->off >= 0 || in->off < -VF_STACK_SIZE)
            return 0; /* spills through other pointers were made precise when they happened */
        {
            uint64_t bit = 1ull << slot_of_off(in->off);
            if (!(*slots & bit))
                return 0;
            *slots &= ~bit;
            if (cls == BPF_STX && mode != BPF_ATOMIC)
                *regs |= s;
        }
        return 0;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_CALL) {
            if (in->src_reg != 0)
                return GIVE_UP; /* a bpf-to-bpf call (or a kfunc) */
            if (env->aux[i].calls_callback)
                return GIVE_UP;
            *regs &= (uint16_t)~1u; /* r0: what the helper returned */
            if (*regs & 0x3e)
                return GIVE_UP; /* r1-r5 cannot be wanted: the call clobbers them */
            return 0;
        }
        if (op == BPF_EXIT)
            return GIVE_UP;
        if (op == BPF_JA)
            return 0;
        /* a conditional jump: registers refined together stand or fall
         * together; two compared registers both mattered */
        if (ent && ((*regs & ent->linked_regs) || (*slots & ent->linked_slots))) {
            *regs |= ent->linked_regs;
            *slots |= ent->linked_slots;
        }
        if (BPF_SRC(in->code) == BPF_X && (*regs & (d | s)))
            *regs |= (uint16_t)(d | s);
        return 0;
    case BPF_LD:
        if (!(*regs & d) && mode == BPF_IMM)
            return 0;
        if (mode == BPF_IMM) {
            *regs &= (uint16_t)~d;
            return 0;
        }
        /* LD_ABS/LD_IND */
        if (*regs & 0x3f)
            return GIVE_UP;
        return 0;
    default: return GIVE_UP;
    }
}

static void mark_all_precise(struct vf_state *st)
{
    for (; st; st = st->parent) {
        for (uint32_t f = 0; f <= st->curframe; f++) {
            struct vf_frame *fr = st->frame[f];
            if (!fr)
                continue;
            for (int r = 0; r < VF_MAX_REG; r++)
                if (fr->regs[r].type == VF_SCALAR)
                    fr->regs[r].precise = 1;
            for (uint32_t k = 0; k < fr->allocated / 8; k++)
                if (fr->slots[k].type[0] == VF_STACK_SPILL && fr->slots[k].spilled.type == VF_SCALAR)
                    fr->slots[k].spilled.precise = 1;
        }
    }
}

/* Mark register regno (or stack slot spi of the current frame, regno <
 * 0) precise in the current state and back along the path. */
static int mark_chain(struct vf_env *env, int regno, int spi)
{
    struct vf_state *st = env->cur;
    uint32_t frame = st->curframe;
    struct vf_frame *fr = st->frame[frame];
    uint16_t regs = 0;
    uint64_t slots = 0;
    uint32_t first, i, h;
    int skip_first = 1;

    if (!env->priv)
        return 0; /* the unprivileged verifier treats every scalar as precise */
    if (regno >= 0) {
        struct vf_reg *r = &fr->regs[regno];
        if (r->type != VF_SCALAR || r->precise)
            return 0;
        r->precise = 1;
        regs = (uint16_t)(1u << regno);
    } else {
        struct vf_reg *r;
        if ((uint32_t)spi >= fr->allocated / 8 || fr->slots[spi].type[0] != VF_STACK_SPILL)
            return 0;
        r = &fr->slots[spi].spilled;
        if (r->type != VF_SCALAR || r->precise)
            return 0;
        r->precise = 1;
        slots = 1ull << spi;
    }
    i = env->insn_idx;
    first = st->first_insn_idx;
    h = st->nhist;
    for (;;) {
        /* back over this state's segment, from i down to its first */
        for (;;) {
            const struct vf_hist *ent = h && st->hist[h - 1].idx == i ? &st->hist[h - 1] : NULL;
            if (skip_first)
                skip_first = 0;
            else if (backtrack_insn(env, i, ent, &regs, &slots) == GIVE_UP) {
                mark_all_precise(st);
                return 0;
            }
            if (!regs && !slots)
                return 0;
            if (i == first)
                break;
            if (ent) {
                i = ent->prev;
                h--;
            } else {
                i = i >= 2 && isa_is_ldimm64(&env->insns[i - 2]) ? i - 2 : i - 1;
            }
            if (i >= env->cnt) {
                mark_all_precise(st);
                return 0;
            }
        }
        /* the checkpoint before it: mark there what is still wanted */
        st = st->parent;
        if (!st)
            return 0;
        if (st->curframe != frame) {
            mark_all_precise(st);
            return 0;
        }
        fr = st->frame[frame];
        {
            int new_marks = 0;
            for (int r = 0; r < VF_MAX_REG; r++) {
                if (!(regs & (1u << r)))
                    continue;
                if (fr->regs[r].type != VF_SCALAR) {
                    regs &= (uint16_t)~(1u << r);
                    continue;
                }
                if (!fr->regs[r].precise)
                    new_marks = 1;
                fr->regs[r].precise = 1;
            }
            for (int k = 0; k < 64; k++) {
                if (!(slots & (1ull << k)))
                    continue;
                if ((uint32_t)k >= fr->allocated / 8) {
                    mark_all_precise(st);
                    return 0;
                }
                if (fr->slots[k].type[0] != VF_STACK_SPILL || fr->slots[k].spilled.type != VF_SCALAR) {
                    slots &= ~(1ull << k);
                    continue;
                }
                if (!fr->slots[k].spilled.precise)
                    new_marks = 1;
                fr->slots[k].spilled.precise = 1;
            }
            if ((!regs && !slots) || !new_marks)
                return 0;
        }
        i = st->last_insn_idx;
        first = st->first_insn_idx;
        h = st->nhist;
        if (i >= env->cnt)
            return 0; /* a checkpoint at the very start has no segment */
    }
}

int vf_mark_chain_precision(struct vf_env *env, uint32_t regno)
{
    return mark_chain(env, (int)regno, -1);
}

int vf_mark_chain_precision_stack(struct vf_env *env, uint32_t spi)
{
    return mark_chain(env, -1, (int)spi);
}

void vf_mark_all_precise(struct vf_env *env)
{
    mark_all_precise(env->cur);
}

/* Pruned against old: whatever old needed precise, the current path
 * needs too (propagate_precision).  Caller frames: all or nothing. */
int vf_propagate_precision(struct vf_env *env, const struct vf_state *old)
{
    const struct vf_frame *f = old->frame[old->curframe];

    for (uint32_t fr = 0; fr < old->curframe; fr++) {
        const struct vf_frame *cf = old->frame[fr];
        for (int r = 0; r < VF_MAX_REG; r++)
            if (cf->regs[r].type == VF_SCALAR && cf->regs[r].precise) {
                mark_all_precise(env->cur);
                return 0;
            }
        for (uint32_t k = 0; k < cf->allocated / 8; k++)
            if (cf->slots[k].type[0] == VF_STACK_SPILL && cf->slots[k].spilled.type == VF_SCALAR &&
                cf->slots[k].spilled.precise) {
                mark_all_precise(env->cur);
                return 0;
            }
    }
    for (int r = 0; r < BPF_REG_10; r++)
        if (f->regs[r].type == VF_SCALAR && f->regs[r].precise)
            mark_chain(env, r, -1);
    for (uint32_t k = 0; k < f->allocated / 8 && k < 64; k++)
        if (f->slots[k].type[0] == VF_STACK_SPILL && f->slots[k].spilled.type == VF_SCALAR &&
            f->slots[k].spilled.precise)
            mark_chain(env, -1, (int)k);
    return 0;
}
