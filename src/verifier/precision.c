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
    st->hist[st->nhist].stack_access = 0;
    st->nhist++;
    return 0;
}

int vf_hist_stack_access(struct vf_env *env, uint32_t frame, uint32_t spi)
{
    struct vf_state *st = env->cur;
    uint32_t i = env->insn_idx;
    int err;

    if (!env->priv)
        return 0;
    if (!(st->nhist && st->hist[st->nhist - 1].idx == i)) {
        uint32_t prev = env->last_insn_prev;
        if ((err = vf_hist_push(env, st, i, prev, 0, 0)))
            return err;
    }
    st->hist[st->nhist - 1].stack_access = 1;
    st->hist[st->nhist - 1].stack_frame = (uint8_t)frame;
    st->hist[st->nhist - 1].stack_spi = (uint8_t)spi;
    return 0;
}

static uint32_t slot_of_off(int32_t off)
{
    return (uint32_t)((-off - 1) / 8);
}

/* One instruction backwards: what the registers (regs) and stack slots
 * (slots) that must be precise after it need before it (backtrack_insn).
 * GIVE_UP when the instruction is one the tracking does not follow. */
struct masks {
    uint16_t regs[VF_MAX_FRAMES];
    uint64_t slots[VF_MAX_FRAMES];
};

static int backtrack_insn(const struct vf_env *env, uint32_t i, const struct vf_hist *ent, struct masks *mk,
                          uint32_t fr)
{
    uint16_t *regs = &mk->regs[fr];
    uint64_t *slots = &mk->slots[fr];
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
        if (in->src_reg != BPF_REG_10) {
            /* a fill through another stack pointer names its slot in the
             * history; any other memory was never tracked */
            if (ent && ent->stack_access)
                mk->slots[ent->stack_frame] |= 1ull << ent->stack_spi;
            return 0;
        }
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
        if (in->dst_reg != BPF_REG_10) {
            /* a spill through another stack pointer: its slot is in the history */
            if (ent && ent->stack_access) {
                uint64_t bit = 1ull << ent->stack_spi;
                if (mk->slots[ent->stack_frame] & bit) {
                    mk->slots[ent->stack_frame] &= ~bit;
                    if (cls == BPF_STX && mode != BPF_ATOMIC)
                        *regs |= s;
                }
            }
            return 0;
        }
        if (in->off >= 0 || in->off < -VF_STACK_SIZE)
            return 0;
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
            if (in->src_reg == BPF_PSEUDO_CALL)
                return 0; /* the callee was crossed already: r1-r5 are the arguments it wanted */
            if (in->src_reg != 0)
                return GIVE_UP; /* a kfunc */
            *regs &= (uint16_t)~1u; /* r0: what the helper returned */
            if (*regs & 0x3e)
                return GIVE_UP; /* r1-r5 cannot be wanted: the call clobbers them */
            return 0;
        }
        if (op == BPF_EXIT)
            return 0; /* a callee's return: r0 stays wanted */
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

static void mark_all_precise_from(struct vf_state *cur, struct vf_state *st)
{
    for (; st; st = st->parent) {
        if (st->all_precise)
            break; /* done before, with everything above it */
        if (st != cur)
            st->all_precise = 1; /* a checkpoint gains no new scalars */
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

#define mark_all_precise(st) mark_all_precise_from(env->cur, (st))

static int masks_empty(const struct masks *m)
{
    for (int f = 0; f < VF_MAX_FRAMES; f++)
        if (m->regs[f] || m->slots[f])
            return 0;
    return 1;
}

#define ARG_REGS 0x3eu

/* The step back from instruction i to prev, the one the path ran before
 * it: crossing a callee's return enters its frame, crossing its first
 * instruction back to the call leaves it.  GIVE_UP when it cannot be
 * followed. */
static int cross(const struct vf_env *env, uint32_t *frp, struct masks *m, uint32_t i, uint32_t prev, int *skip_first)
{
    const struct bpf_insn *pin = &env->insns[prev];

    if ((BPF_CLASS(pin->code) == BPF_JMP) && BPF_OP(pin->code) == BPF_EXIT) {
        if (*frp + 1 >= VF_MAX_FRAMES)
            return GIVE_UP;
        if (env->aux[i].calls_callback) {
            /* i is a callback's call, reached again from the
             * callback's exit: the caller's registers (its
             * arguments) were left alone by the callback */
        } else {
            /* i is a call's return point: back into the callee */
            const struct bpf_insn *call = &env->insns[i - 1];
            if (i == 0 || BPF_OP(call->code) != BPF_CALL)
                return GIVE_UP;
            if (m->regs[*frp] & ARG_REGS)
                return GIVE_UP; /* clobbered by the call: cannot be wanted */
            if (call->src_reg == BPF_PSEUDO_CALL && (m->regs[*frp] & 1u)) {
                m->regs[*frp] &= (uint16_t)~1u;
                m->regs[*frp + 1] |= 1u; /* the callee's r0 became the caller's */
            }
        }
        (*frp)++;
    } else if (BPF_CLASS(pin->code) == BPF_JMP && BPF_OP(pin->code) == BPF_CALL &&
               (pin->src_reg == BPF_PSEUDO_CALL || env->aux[prev].calls_callback) &&
               vf_subprog_at(env, i) > 0) {
        /* i is a callee's first instruction, entered from the call */
        if (*frp == 0)
            return GIVE_UP;
        if (pin->src_reg == BPF_PSEUDO_CALL)
            m->regs[*frp - 1] |= (uint16_t)(m->regs[*frp] & ARG_REGS);
        else if (m->slots[*frp])
            return GIVE_UP; /* the callback's own stack: nothing before its start */
        /* (a callback's r1-r5 come from the helper, the loop index or the
         * context pointer: nothing in the caller to mark for them) */
        m->regs[*frp] = 0;
        m->slots[*frp] = 0;
        (*frp)--;
        if (pin->src_reg != BPF_PSEUDO_CALL)
            *skip_first = 1; /* that run of the call entered the callback: it set no r0 */
    }
    return 0;
}

/* Walk back from instruction i of state st (whose segment starts at
 * first) with the wanted registers and slots per frame, fr the frame
 * instruction i runs in; then on through the checkpoints, marking them.
 * Crossing a callee's return backwards enters its frame (r0 goes with
 * it for a bpf-to-bpf call); crossing its first instruction back to the
 * call leaves it (the arguments r1-r5 it wanted become the caller's). */
static int backtrack(struct vf_env *env, struct vf_state *st, uint32_t i, uint32_t fr, struct masks *m,
                     int skip_first)
{
    uint32_t first = st->first_insn_idx, h = st->nhist;

    if (i >= env->cnt)
        return 0;
    for (;;) {
        for (;;) {
            const struct vf_hist *ent = h && st->hist[h - 1].idx == i ? &st->hist[h - 1] : NULL;
            uint32_t prev;

            if (skip_first)
                skip_first = 0;
            else if (backtrack_insn(env, i, ent, m, fr) == GIVE_UP) {
                if (env->log_level & VF_LOG_LEVEL2)
                    vf_log(env, "mark_precise: frame%u: falling back to forcing all scalars precise at insn %u\n", fr,
                           i);
                goto give_up;
            }
            if (masks_empty(m))
                return 0;
            if (i == first)
                break;
            if (ent) {
                prev = ent->prev;
                h--;
            } else {
                prev = i >= 2 && isa_is_ldimm64(&env->insns[i - 2]) ? i - 2 : i - 1;
            }
            if (prev >= env->cnt) {
                if (env->log_level & VF_LOG_LEVEL2)
                    vf_log(env, "mark_precise: no instruction before %u\n", i);
                goto give_up;
            }
            if (cross(env, &fr, m, i, prev, &skip_first))
                goto give_up;
            i = prev;
        }
        /* the checkpoint before this segment: mark there what is wanted */
        {
            struct vf_state *ps = st->parent;
            int new_marks = 0;
            if (!ps)
                return 0;
            if (st->frame[0] && st->frame[0]->in_async_callback && st->curframe == 0 && fr == 0 &&
                !(ps->frame[0] && ps->frame[0]->in_async_callback))
                return 0; /* an async callback's path starts here: nothing before it is its past */
            if (ps->curframe != fr) {
                if (env->log_level & VF_LOG_LEVEL2)
                    vf_log(env, "mark_precise: frame%u: checkpoint at insn %u is in frame%u\n", fr, ps->insn_idx,
                           ps->curframe);
                goto give_up_parent;
            }
            st = ps;
            for (uint32_t f = 0; f <= st->curframe; f++) {
                struct vf_frame *frm = st->frame[f];
                for (int r = 0; r < VF_MAX_REG; r++) {
                    if (!(m->regs[f] & (1u << r)))
                        continue;
                    if (frm->regs[r].type != VF_SCALAR) {
                        m->regs[f] &= (uint16_t)~(1u << r);
                        continue;
                    }
                    if (frm->regs[r].precise) {
                        /* marked before, and everything it came from */
                        m->regs[f] &= (uint16_t)~(1u << r);
                        continue;
                    }
                    new_marks = 1;
                    frm->regs[r].precise = 1;
                }
                for (int k = 0; k < 64; k++) {
                    if (!(m->slots[f] & (1ull << k)))
                        continue;
                    if ((uint32_t)k >= frm->allocated / 8)
                        goto give_up;
                    if (frm->slots[k].type[0] != VF_STACK_SPILL || frm->slots[k].spilled.type != VF_SCALAR) {
                        m->slots[f] &= ~(1ull << k);
                        continue;
                    }
                    if (frm->slots[k].spilled.precise) {
                        m->slots[f] &= ~(1ull << k);
                        continue;
                    }
                    new_marks = 1;
                    frm->slots[k].spilled.precise = 1;
                }
            }
            if (masks_empty(m) || !new_marks)
                return 0;
            if (st->last_insn_idx >= env->cnt)
                return 0; /* a checkpoint at the very start has no segment */
            /* the parent's segment ended with the step into the child's first */
            if (cross(env, &fr, m, first, st->last_insn_idx, &skip_first))
                goto give_up;
            i = st->last_insn_idx;
            first = st->first_insn_idx;
            h = st->nhist;
        }
    }
give_up:
    if (env->log_level & VF_LOG_LEVEL2)
        vf_log(env, "mark_precise: frame%u: giving up at insn %u: every scalar precise\n", fr, i);
    mark_all_precise(st);
    return 0;
give_up_parent:
    mark_all_precise(st->parent);
    return 0;
}

/* Mark register regno (or stack slot spi, regno < 0) of the current
 * frame precise in the current state and back along the path. */
static int mark_chain(struct vf_env *env, int regno, int spi)
{
    struct vf_state *st = env->cur;
    uint32_t frame = st->curframe;
    struct vf_frame *fr = st->frame[frame];
    struct masks m;

    if (!env->priv)
        return 0; /* the unprivileged verifier treats every scalar as precise */
    memset(&m, 0, sizeof(m));
    /* The current state itself is not marked (6.6's __mark_chain_precision:
     * precision matters only in checkpoints, which a later path may be
     * pruned against; a new checkpoint forgets what the current state
     * inherited, vf_forget_precision): the walk goes back from here. */
    if (regno >= 0) {
        struct vf_reg *r = &fr->regs[regno];
        if (r->type != VF_SCALAR)
            return 0;
        m.regs[frame] = (uint16_t)(1u << regno);
    } else {
        struct vf_reg *r;
        if ((uint32_t)spi >= fr->allocated / 8 || fr->slots[spi].type[0] != VF_STACK_SPILL)
            return 0;
        r = &fr->slots[spi].spilled;
        if (r->type != VF_SCALAR)
            return 0;
        m.slots[frame] = 1ull << spi;
    }
    if (env->log_level & VF_LOG_LEVEL2)
        vf_log(env, "mark_precise: frame%u: last_idx %u first_idx %u subseq_idx -1 %s%d\n", frame, env->insn_idx,
               st->first_insn_idx, regno >= 0 ? "r" : "fp-", regno >= 0 ? regno : (spi + 1) * 8);
    return backtrack(env, st, env->insn_idx, frame, &m, 1);
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
    /* the checkpoints of the path; the current state needs no marks */
    mark_all_precise_from(env->cur, env->cur->parent);
}

/* A new checkpoint starts from the current state with every scalar
 * imprecise (is_state_visited's mark_all_scalars_imprecise): marks the
 * current state inherited from a branch or an older checkpoint are not
 * facts about the path from here. */
void vf_forget_precision(struct vf_env *env, struct vf_state *st)
{
    if (!env->priv)
        return; /* unprivileged: every scalar stays precise */
    for (uint32_t f = 0; f <= st->curframe; f++) {
        struct vf_frame *fr = st->frame[f];
        for (int r = 0; r < VF_MAX_REG; r++)
            if (fr->regs[r].type == VF_SCALAR)
                fr->regs[r].precise = 0;
        for (uint32_t k = 0; k < fr->allocated / 8; k++)
            if (fr->slots[k].type[0] == VF_STACK_SPILL && fr->slots[k].spilled.type == VF_SCALAR)
                fr->slots[k].spilled.precise = 0;
    }
}

/* Pruned against old: whatever old needed precise, the current path
 * needs too (propagate_precision), in every frame. */
int vf_propagate_precision(struct vf_env *env, const struct vf_state *old)
{
    struct vf_state *cur = env->cur;
    struct masks m;

    if (!env->priv)
        return 0;
    memset(&m, 0, sizeof(m));
    for (uint32_t f = 0; f <= old->curframe && f <= cur->curframe; f++) {
        const struct vf_frame *of = old->frame[f];
        struct vf_frame *cf = cur->frame[f];
        for (int r = 0; r < BPF_REG_10; r++)
            if (of->regs[r].type == VF_SCALAR && of->regs[r].precise && cf->regs[r].type == VF_SCALAR)
                m.regs[f] |= (uint16_t)(1u << r);
        for (uint32_t k = 0; k < of->allocated / 8 && k < cf->allocated / 8 && k < 64; k++)
            if (of->slots[k].type[0] == VF_STACK_SPILL && of->slots[k].spilled.type == VF_SCALAR &&
                of->slots[k].spilled.precise && cf->slots[k].type[0] == VF_STACK_SPILL &&
                cf->slots[k].spilled.type == VF_SCALAR)
                m.slots[f] |= 1ull << k;
    }
    if (masks_empty(&m))
        return 0;
    if (env->log_level & VF_LOG_LEVEL2)
        for (uint32_t f = 0; f < VF_MAX_FRAMES; f++)
            if (m.regs[f] || m.slots[f])
                vf_log(env, "propagating precision: frame%u regs %#x slots %#llx\n", f, m.regs[f],
                       (unsigned long long)m.slots[f]);
    /* the current instruction has not run: start before it */
    return backtrack(env, cur, env->insn_idx, cur->curframe, &m, 1);
}
