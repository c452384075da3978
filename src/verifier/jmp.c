/* jmp.c - conditional jumps: what each branch proves (the kernel's
 * check_cond_jmp_op).  A decided comparison walks one branch only; an
 * undecided one keeps the taken side for later and narrows both: scalar
 * ranges (branch.c), null checks (the pointer and its copies lose
 * "or null", or become 0), packet ranges (a packet pointer compared with
 * data_end in any of the forms clang emits proves the bytes below it),
 * equal scalars (a copy learns what the original learnt). */
#include <errno.h>
#include <string.h>

#include "../isa/isa.h"
#include "check.h"

/* Pointer kinds that are never NULL once they are not "or null"
 * (reg_not_null, 6.18): a comparison of one with 0 is decided.  The
 * context, stack and packet pointers are not among them. */
static int ptr_not_null(const struct vf_reg *r)
{
    if (r->flags & VF_MAYBE_NULL)
        return 0;
    switch (r->type) {
    case VF_PTR_TO_SOCKET:
    case VF_PTR_TO_TCP_SOCK:
    case VF_PTR_TO_MAP_VALUE:
    case VF_PTR_TO_MAP_KEY:
    case VF_PTR_TO_SOCK_COMMON:
    case VF_CONST_PTR_TO_MAP: return 1;
    case VF_PTR_TO_MEM: return !(r->flags & VF_UNTRUSTED);
    default: return 0;
    }
}

static uint8_t flip_op(uint8_t op)
{
    switch (op) {
    case BPF_JGT: return BPF_JLT;
    case BPF_JLT: return BPF_JGT;
    case BPF_JGE: return BPF_JLE;
    case BPF_JLE: return BPF_JGE;
    case BPF_JSGT: return BPF_JSLT;
    case BPF_JSLT: return BPF_JSGT;
    case BPF_JSGE: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGE;
    default: return op;
    }
}

/* A packet pointer whose position against data_end an earlier
 * comparison fixed (is_pkt_ptr_branch_taken). */
static int pkt_branch_taken(const struct vf_reg *dst, const struct vf_reg *src, uint8_t op)
{
    const struct vf_reg *pkt;

    if (src->type == VF_PTR_TO_PACKET_END) {
        pkt = dst;
    } else if (dst->type == VF_PTR_TO_PACKET_END) {
        pkt = src;
        op = flip_op(op);
    } else {
        return -1;
    }
    if (pkt->range >= 0)
        return -1;
    switch (op) {
    case BPF_JLE:
    case BPF_JGT:
        if (pkt->range == VF_BEYOND_PKT_END)
            return op == BPF_JGT;
        break;
    case BPF_JLT:
    case BPF_JGE:
        if (pkt->range == VF_BEYOND_PKT_END || pkt->range == VF_AT_PKT_END)
            return op == BPF_JGE;
        break;
    }
    return -1;
}

static int branch_taken(const struct vf_reg *dst, const struct vf_reg *src, uint8_t op, int jmp32)
{
    if (vf_is_ptr(dst) && src->type == VF_SCALAR) {
        /* a pointer compared with 0 */
        if (!ptr_not_null(dst) || !tnum_is_const(src->var_off) || src->var_off.value != 0 || jmp32)
            return -1;
        if (op == BPF_JEQ)
            return 0;
        if (op == BPF_JNE)
            return 1;
        return -1;
    }
    if (dst->type == VF_SCALAR && vf_is_ptr(src)) {
        if (!ptr_not_null(src) || !tnum_is_const(dst->var_off) || dst->var_off.value != 0 || jmp32)
            return -1;
        if (op == BPF_JEQ)
            return 0;
        if (op == BPF_JNE)
            return 1;
        return -1;
    }
    if (dst->type != VF_SCALAR || src->type != VF_SCALAR)
        return -1;
    return vf_branch_taken(dst, src, op, jmp32);
}

static void mark_pkt_end(struct vf_state *st, uint32_t regno, int range_open)
{
    struct vf_reg *r = &st->frame[st->curframe]->regs[regno];

    if (!vf_is_pkt(r) || !tnum_is_const(r->var_off))
        return;
    r->range = range_open ? VF_BEYOND_PKT_END : VF_AT_PKT_END;
}

static int is_init_pkt(const struct vf_reg *r, uint8_t type)
{
    return r->type == type && r->off == 0 && tnum_equals_const(r->var_off, 0);
}

/* The comparison of two packet pointers (try_match_pkt_pointers): 1 when
 * it was one, with both branches told what it proves. */
static int match_pkt(const struct bpf_insn *in, struct vf_reg *dst, struct vf_reg *src, struct vf_state *this_b,
                     struct vf_state *other)
{
    int fwd, back;

    if (BPF_SRC(in->code) != BPF_X || BPF_CLASS(in->code) == BPF_JMP32)
        return 0;
    /* fwd: "pkt OP end" (dst is the pointer); back: "end OP pkt" */
    fwd = (dst->type == VF_PTR_TO_PACKET && src->type == VF_PTR_TO_PACKET_END) ||
          (dst->type == VF_PTR_TO_PACKET_META && is_init_pkt(src, VF_PTR_TO_PACKET));
    back = (dst->type == VF_PTR_TO_PACKET_END && src->type == VF_PTR_TO_PACKET) ||
           (is_init_pkt(dst, VF_PTR_TO_PACKET) && src->type == VF_PTR_TO_PACKET_META);
    if (!fwd && !back)
        return 0;
    {
        /* "pkt OP end": which branch proves the bytes below pkt inside the
         * packet (and whether the comparison left the end open), the other
         * one learning that pkt is at or past the end; "end OP pkt" is the
         * same with the operator flipped */
        static const struct {
            uint8_t op, good_taken, good_open, end_open;
        } rules[] = {
            {BPF_JGT, 0, 0, 1},
            {BPF_JLT, 1, 1, 0},
            {BPF_JGE, 0, 1, 0},
            {BPF_JLE, 1, 0, 1},
        };
        uint8_t op = fwd ? BPF_OP(in->code) : flip_op(BPF_OP(in->code));
        const struct vf_reg *pkt = fwd ? dst : src;
        uint32_t pregno = fwd ? in->dst_reg : in->src_reg;
        for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
            if (rules[k].op != op)
                continue;
            vf_find_good_pkt_pointers(rules[k].good_taken ? other : this_b, pkt, pkt->type, rules[k].good_open);
            mark_pkt_end(rules[k].good_taken ? this_b : other, pregno, rules[k].end_open);
            return 1;
        }
        return 0;
    }
}

static struct vf_reg *st_regs(struct vf_state *st)
{
    return st->frame[st->curframe]->regs;
}

static void linked_of(const struct vf_state *st, uint32_t id, uint16_t *regs, uint64_t *slots)
{
    const struct vf_frame *f = st->frame[st->curframe];

    for (int r = 0; r < VF_MAX_REG; r++)
        if (f->regs[r].type == VF_SCALAR && f->regs[r].id == id)
            *regs |= (uint16_t)(1u << r);
    for (uint32_t k = 0; k < f->allocated / 8 && k < 64; k++)
        if (f->slots[k].type[0] == VF_STACK_SPILL && f->slots[k].spilled.type == VF_SCALAR &&
            f->slots[k].spilled.id == id)
            *slots |= 1ull << k;
}

static int record_linked(struct vf_env *env, const struct bpf_insn *in, const struct vf_reg *dst,
                         const struct vf_reg *src)
{
    struct vf_state *st = env->cur;
    uint16_t regs = 0;
    uint64_t slots = 0;
    int n = 0;

    if (!env->priv)
        return 0;
    if (dst->type == VF_SCALAR && dst->id)
        linked_of(st, dst->id, &regs, &slots);
    if (src && src->type == VF_SCALAR && src->id)
        linked_of(st, src->id, &regs, &slots);
    for (uint16_t r = regs; r; r &= (uint16_t)(r - 1))
        n++;
    for (uint64_t k = slots; k; k &= k - 1)
        n++;
    if (n < 2)
        return 0;
    (void)in;
    if (st->nhist && st->hist[st->nhist - 1].idx == env->insn_idx) {
        st->hist[st->nhist - 1].linked_regs |= regs;
        st->hist[st->nhist - 1].linked_slots |= slots;
        return 0;
    }
    {
        uint32_t prev = env->insn_idx;
        /* the previous instruction: this one was reached in order */
        prev = prev >= 2 && isa_is_ldimm64(&env->insns[prev - 2]) ? prev - 2 : prev - 1;
        return vf_hist_push(env, st, env->insn_idx, prev, regs, slots);
    }
}

int vf_check_cond_jmp(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx)
{
    struct vf_state *this_b = env->cur, *other;
    struct vf_reg *regs = vf_regs(env), *dst, *src = NULL, imm;
    uint8_t op = BPF_OP(in->code);
    int jmp32 = BPF_CLASS(in->code) == BPF_JMP32;
    uint32_t target = (uint32_t)((int64_t)*insn_idx + in->off + 1);
    int pred, err;

    if (op > BPF_JSLE)
        return vf_reject(env, -EINVAL, *insn_idx, "invalid BPF_JMP/JMP32 opcode %x", op);
    if ((err = vf_check_reg_read(env, in->dst_reg)))
        return err;
    dst = &regs[in->dst_reg];
    if (BPF_SRC(in->code) == BPF_X) {
        if ((err = vf_check_reg_read(env, in->src_reg)))
            return err;
        src = &regs[in->src_reg];
        if (!(vf_is_pkt_any(dst) && vf_is_pkt_any(src)) && vf_is_ptr_leak(env, src))
            return vf_reject(env, -EACCES, *insn_idx, "R%d pointer comparison prohibited", in->src_reg);
    } else {
        memset(&imm, 0, sizeof(imm));
        vf_mark_known(&imm, jmp32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
        src = &imm;
    }
    if (BPF_SRC(in->code) == BPF_X && !jmp32 && vf_is_pkt_any(dst) && vf_is_pkt_any(src))
        pred = pkt_branch_taken(dst, src, op);
    else
        pred = branch_taken(dst, src, op, jmp32);
    if (pred >= 0) {
        /* the values decided the branch: they must match where pruned */
        if (dst->type == VF_SCALAR)
            vf_mark_chain_precision(env, in->dst_reg);
        if (src->type == VF_SCALAR && BPF_SRC(in->code) == BPF_X)
            vf_mark_chain_precision(env, in->src_reg);
        /* The branch the CPU may take speculatively is not walked.  The
         * kernel's unprivileged verifier walks it (sanitize_speculative_
         * path), but since 6.17 ("bpf: Fall back to nospec for Spectre
         * v1") an error there (EPERM, EACCES, EINVAL: every verdict-level
         * error) no longer rejects the program: the kernel puts a
         * speculation barrier before the instruction and ends that path.
         * The walk can therefore not change the verdict, and the running
         * kernel (6.18) is the reference.  bpfrt, running in user space,
         * has no such barrier to insert. */
        if (pred == 1)
            *insn_idx = target - 1; /* the caller moves on by one */
        return 0;
    }
    /* scalars refined together with an operand (copies sharing its id):
     * precision that reaches one reaches all (6.18's linked registers) */
    if ((err = record_linked(env, in, dst, BPF_SRC(in->code) == BPF_X ? src : NULL)))
        return err;
    other = vf_push_branch(env, target, *insn_idx, &err);
    if (!other)
        return err;
    vf_path_push(env, *insn_idx, 0);
    {
        struct vf_reg *oregs = st_regs(other), *odst = &oregs[in->dst_reg];
        if (dst->type == VF_SCALAR && src->type == VF_SCALAR) {
            if (BPF_SRC(in->code) == BPF_X) {
                vf_branch_refine(odst, &oregs[in->src_reg], dst, src, op, jmp32);
            } else {
                struct vf_reg oimm = imm;
                vf_branch_refine(odst, &oimm, dst, &imm, op, jmp32);
            }
            if (BPF_SRC(in->code) == BPF_X && src->id) {
                vf_sync_scalar_ids(this_b, src);
                vf_sync_scalar_ids(other, &oregs[in->src_reg]);
            }
            if (dst->id) {
                vf_sync_scalar_ids(this_b, dst);
                vf_sync_scalar_ids(other, odst);
            }
        }
    }
    {
        /* A refinement that leaves no value: 6.18 reports the violated
         * invariants and walks on with the register's ranges reset to
         * what its known bits allow (reg_bounds_sanity_check) */
        struct vf_reg *oregs = st_regs(other);
        struct vf_reg *cand[4] = {dst, &oregs[in->dst_reg], BPF_SRC(in->code) == BPF_X ? src : NULL,
                                  BPF_SRC(in->code) == BPF_X ? &oregs[in->src_reg] : NULL};
        for (int k = 0; k < 4; k++) {
            if (cand[k] && cand[k]->type == VF_SCALAR && !vf_reg_bounds_sane(cand[k])) {
                vf_mark_unbounded(cand[k]);
                vf_reg_bounds_sync(cand[k]);
            }
        }
    }
    /* a maybe-NULL pointer equal to one that is not NULL is not NULL
     * either, on the "equal" branch */
    if (!jmp32 && BPF_SRC(in->code) == BPF_X && (op == BPF_JEQ || op == BPF_JNE) && vf_is_ptr(dst) && vf_is_ptr(src) &&
        !!(dst->flags & VF_MAYBE_NULL) != !!(src->flags & VF_MAYBE_NULL) && dst->type != VF_PTR_TO_BTF_ID &&
        src->type != VF_PTR_TO_BTF_ID) {
        struct vf_reg *eq = op == BPF_JEQ ? st_regs(other) : st_regs(this_b);
        struct vf_reg *t = (src->flags & VF_MAYBE_NULL) ? &eq[in->src_reg] : &eq[in->dst_reg];
        t->flags &= (uint8_t)~VF_MAYBE_NULL;
    }
    if (!jmp32 && BPF_SRC(in->code) == BPF_K && in->imm == 0 && (op == BPF_JEQ || op == BPF_JNE) &&
        vf_is_ptr(dst) && (dst->flags & VF_MAYBE_NULL)) {
        uint32_t id = dst->id;
        vf_mark_ptr_or_null(env, this_b, id, op == BPF_JNE);
        vf_mark_ptr_or_null(env, other, id, op == BPF_JEQ);
    } else if (!match_pkt(in, dst, src, this_b, other) && vf_is_ptr_leak(env, dst)) {
        return vf_reject(env, -EACCES, *insn_idx, "R%d pointer comparison prohibited", in->dst_reg);
    }
    return 0;
}
