/* alu.c - ALU and ALU64 instructions: moves, arithmetic on scalars
 * (ranges from scalar.c) and the pointer arithmetic rules: which
 * pointer kinds may move, by how much, and what the unprivileged
 * verifier refuses (the kernel's check_alu_op, adjust_reg_min_max_vals,
 * adjust_ptr_min_max_vals, check_reg_sane_offset, sanitize_*). */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "state.h"

#define VF_MAX_VAR_OFF (1 << 29) /* BPF_MAX_VAR_OFF */

static const char *const alu_str[16] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
                                        "neg", "%=", "^=", "=",  "s>>=", "endian", "?", "?"};

static int sane_offset(struct vf_env *env, const struct vf_reg *r, const struct vf_reg *ptr)
{
    int known = tnum_is_const(r->var_off);
    int64_t val = (int64_t)r->var_off.value;

    if (known && (val >= VF_MAX_VAR_OFF || val <= -VF_MAX_VAR_OFF))
        return vf_reject(env, -EINVAL, env->insn_idx, "math between %s pointer and %lld is not allowed",
                         vf_type_name(ptr), (long long)val);
    if (r->off >= VF_MAX_VAR_OFF || r->off <= -VF_MAX_VAR_OFF)
        return vf_reject(env, -EINVAL, env->insn_idx, "%s pointer offset %d is not allowed", vf_type_name(ptr),
                         r->off);
    if (r->smin == INT64_MIN)
        return vf_reject(env, -EINVAL, env->insn_idx,
                         "math between %s pointer and register with unbounded min value is not allowed",
                         vf_type_name(ptr));
    if (r->smin >= VF_MAX_VAR_OFF || r->smin <= -VF_MAX_VAR_OFF)
        return vf_reject(env, -EINVAL, env->insn_idx, "value %lld makes %s pointer be out of bounds",
                         (long long)r->smin, vf_type_name(ptr));
    return 0;
}

/* The unprivileged verifier's limits on pointer arithmetic with a
 * register offset: the kernel's sanitize_ptr_alu, which prepares the
 * masking of the offset (Spectre v1) and refuses what it cannot mask.
 * It runs twice per instruction: before the operation on the pointer
 * (commit 0: the offset's signs, the direction of the move and the room
 * left in the object) and after it on the result (commit 1: the room
 * left after the move, and the masking limit, |before - after|, which
 * must be the same on every path reaching the instruction).  Immediate
 * offsets need no masking (BPF_K: the kernel skips them, and a known
 * register offset is rewritten to an immediate). */
enum { SAN_OK, SAN_BOUNDS, SAN_TYPE, SAN_PATHS, SAN_LIMIT };
#define SAN_ALU_SRC 1u /* the kernel's BPF_ALU_SANITIZE_SRC ... BPF_ALU_IMMEDIATE */
#define SAN_ALU_DST 2u
#define SAN_ALU_NEG 4u
#define SAN_ALU_NON_POINTER 8u
#define SAN_ALU_IMM 16u

struct san_info {
    int mask_to_left; /* the pointer may move towards its object's start */
    uint8_t state;
    uint32_t limit;
};

/* retrieve_ptr_limit: how far (u32) the pointer is from the end of its
 * object it moves towards; the kernel measures a map value pointer to
 * the right by its largest offset and to the left by its smallest, and a
 * stack pointer by its distance below the frame in both directions. */
static int ptr_limit(const struct vf_reg *ptr, int mask_to_left, uint32_t *limit)
{
    uint32_t max, lim;

    if (ptr->type == VF_PTR_TO_STACK) {
        max = VF_STACK_SIZE + (uint32_t)mask_to_left;
        lim = (uint32_t)-(int64_t)(ptr->var_off.value + (uint64_t)(int64_t)ptr->off);
    } else if (ptr->type == VF_PTR_TO_MAP_VALUE) {
        max = ptr->map ? vf_map_value_size(ptr->map) : 0;
        lim = (uint32_t)((mask_to_left ? (uint64_t)ptr->smin : ptr->umax) + (uint64_t)(int64_t)ptr->off);
    } else {
        return SAN_TYPE;
    }
    if (lim >= max)
        return SAN_LIMIT;
    *limit = lim;
    return SAN_OK;
}

/* update_alu_sanitation_state: one masking per instruction, so every
 * path must agree on it. */
static int san_record(struct vf_env *env, uint8_t state, uint32_t limit)
{
    struct vf_insn_aux *aux = &env->aux[env->insn_idx];

    if (aux->alu_state && (aux->alu_state != state || aux->alu_limit != limit))
        return SAN_PATHS;
    aux->alu_state = state;
    aux->alu_limit = limit;
    return SAN_OK;
}

/* sanitize_err's messages; the register named for SAN_BOUNDS is the
 * offset's, for SAN_TYPE the pointer's. */
static int san_err(struct vf_env *env, const struct bpf_insn *in, int reason, int ptr_is_dst)
{
    static const char *const err = "pointer arithmetic with it prohibited for !root";
    const char *op = BPF_OP(in->code) == BPF_ADD ? "add" : "sub";

    switch (reason) {
    case SAN_BOUNDS:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d has unknown scalar with mixed signed bounds, %s",
                         ptr_is_dst ? in->src_reg : in->dst_reg, err);
    case SAN_TYPE:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d has pointer with unsupported alu operation, %s",
                         ptr_is_dst ? in->dst_reg : in->src_reg, err);
    case SAN_PATHS:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d tried to %s from different maps, paths or scalars, %s",
                         in->dst_reg, op, err);
    default:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d tried to %s beyond pointer bounds, %s", in->dst_reg, op,
                         err);
    }
}

static int sanitize_ptr(struct vf_env *env, const struct bpf_insn *in, const struct vf_reg *ptr,
                        const struct vf_reg *off, int ptr_is_dst, struct san_info *info, int commit)
{
    uint8_t op = BPF_OP(in->code);
    int off_neg = off->smin < 0, r;
    uint32_t limit;

    if (env->priv || BPF_SRC(in->code) == BPF_K)
        return 0;
    if (!commit) {
        if (!tnum_is_const(off->var_off) && (off->smin < 0) != (off->smax < 0))
            return san_err(env, in, SAN_BOUNDS, ptr_is_dst);
        info->mask_to_left = (op == BPF_ADD && off_neg) || (op == BPF_SUB && !off_neg);
    }
    if ((r = ptr_limit(ptr, info->mask_to_left, &limit)))
        return san_err(env, in, r, ptr_is_dst);
    if (!commit) {
        info->state = (uint8_t)((off_neg ? SAN_ALU_NEG : 0) | (tnum_is_const(off->var_off) ? SAN_ALU_IMM : 0) |
                                (ptr_is_dst ? SAN_ALU_SRC : SAN_ALU_DST));
        info->limit = limit;
        return 0;
    }
    limit = info->limit > limit ? info->limit - limit : limit - info->limit;
    if ((r = san_record(env, info->state, limit)))
        return san_err(env, in, r, ptr_is_dst);
    return 0;
}

/* The unprivileged verifier keeps stack and map value pointers inside
 * their objects (sanitize_check_bounds). */
static int sanitize_bounds(struct vf_env *env, const struct bpf_insn *in, const struct vf_reg *dst)
{
    if (env->priv)
        return 0;
    if (dst->type == VF_PTR_TO_STACK) {
        int64_t off = dst->off + (int64_t)dst->var_off.value;
        if (!tnum_is_const(dst->var_off)) {
            char tn[48];
            tnum_fmt(tn, sizeof(tn), dst->var_off);
            return vf_reject(env, -EACCES, env->insn_idx,
                             "R%d variable stack access prohibited for !root, var_off=%s off=%d", in->dst_reg, tn,
                             (int)off);
        }
        if (off >= 0 || off < -VF_STACK_SIZE)
            return vf_reject(env, -EACCES, env->insn_idx,
                             "R%d stack pointer arithmetic goes out of range, prohibited for !root; off=%d",
                             in->dst_reg, (int)off);
    } else if (dst->type == VF_PTR_TO_MAP_VALUE) {
        uint32_t vs = dst->map ? vf_map_value_size(dst->map) : 0;
        if (dst->smin + dst->off < 0 || dst->umax + (uint64_t)(int64_t)dst->off + 1 > vs)
            return vf_reject(env, -EACCES, env->insn_idx,
                             "R%d pointer arithmetic of map value goes out of range, prohibited for !root",
                             in->dst_reg);
    }
    return 0;
}

static int ptr_alu(struct vf_env *env, const struct bpf_insn *in, const struct vf_reg *ptr_in,
                   const struct vf_reg *off_in)
{
    struct vf_reg *dst = vf_regs(env) + in->dst_reg;
    struct vf_reg ptr = *ptr_in, off = *off_in; /* dst may be either */
    int known = tnum_is_const(off.var_off);
    uint8_t op = BPF_OP(in->code);
    struct san_info san = {0};
    int err;

    if ((known && (off.smin != off.smax || off.umin != off.umax)) || off.smin > off.smax || off.umin > off.umax) {
        /* Impossible bounds (a dead branch's leftovers): the kernel
         * gives up on the value. */
        vf_reg_unknown(env, dst);
        return 0;
    }
    if (BPF_CLASS(in->code) != BPF_ALU64) {
        if (op == BPF_SUB && env->priv) {
            vf_reg_unknown(env, dst);
            return 0;
        }
        return vf_reject(env, -EACCES, env->insn_idx, "R%d 32-bit pointer arithmetic prohibited", in->dst_reg);
    }
    if (ptr.flags & VF_MAYBE_NULL)
        return vf_reject(env, -EACCES, env->insn_idx, "R%d pointer arithmetic on %s prohibited, null-check it first",
                         in->dst_reg, vf_type_name(&ptr));
    switch (ptr.type) {
    case VF_PTR_TO_FLOW_KEYS:
        if (known)
            break;
        /* fall through */
    case VF_CONST_PTR_TO_MAP:
        if (known && off.smin == 0 && op == BPF_ADD)
            break;
        /* fall through */
    case VF_PTR_TO_PACKET_END:
    case VF_PTR_TO_SOCKET:
    case VF_PTR_TO_SOCK_COMMON:
    case VF_PTR_TO_TCP_SOCK:
    case VF_PTR_TO_XDP_SOCK:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d pointer arithmetic on %s prohibited", in->dst_reg,
                         vf_type_name(&ptr));
    default: break;
    }
    if ((err = sane_offset(env, &off, &ptr)) || (err = sane_offset(env, &ptr, &ptr)))
        return err;
    if (op == BPF_ADD || op == BPF_SUB) {
        if ((err = sanitize_ptr(env, in, &ptr, &off, ptr_in == dst, &san, 0)))
            return err;
    }
    *dst = ptr;
    dst->s32_min = INT32_MIN, dst->s32_max = INT32_MAX, dst->u32_min = 0, dst->u32_max = UINT32_MAX;
    switch (op) {
    case BPF_ADD:
        if (known && (int64_t)ptr.off + off.smin == (int64_t)(int32_t)(ptr.off + off.smin)) {
            dst->off = (int32_t)(ptr.off + off.smin);
            break;
        }
        if (__builtin_add_overflow(ptr.smin, off.smin, &dst->smin) ||
            __builtin_add_overflow(ptr.smax, off.smax, &dst->smax))
            dst->smin = INT64_MIN, dst->smax = INT64_MAX;
        if (ptr.umin + off.umin < ptr.umin || ptr.umax + off.umax < ptr.umax)
            dst->umin = 0, dst->umax = UINT64_MAX;
        else
            dst->umin = ptr.umin + off.umin, dst->umax = ptr.umax + off.umax;
        dst->var_off = tnum_add(ptr.var_off, off.var_off);
        if (vf_is_pkt(&ptr)) {
            /* A variable move forgets the proven range; a new id keeps
             * it from being shared with the old pointer. */
            dst->id = vf_new_id(env);
            dst->range = 0;
        }
        break;
    case BPF_SUB:
        if (ptr_in != dst)
            return vf_reject(env, -EACCES, env->insn_idx, "R%d tried to subtract pointer from scalar", in->dst_reg);
        if (ptr.type == VF_PTR_TO_STACK)
            return vf_reject(env, -EACCES, env->insn_idx, "R%d subtraction from stack pointer prohibited",
                             in->dst_reg);
        if (known && (int64_t)ptr.off - off.smin == (int64_t)(int32_t)(ptr.off - off.smin)) {
            dst->off = (int32_t)(ptr.off - off.smin);
            break;
        }
        if (__builtin_sub_overflow(ptr.smin, off.smax, &dst->smin) ||
            __builtin_sub_overflow(ptr.smax, off.smin, &dst->smax))
            dst->smin = INT64_MIN, dst->smax = INT64_MAX;
        if (ptr.umin < off.umax)
            dst->umin = 0, dst->umax = UINT64_MAX;
        else
            dst->umin = ptr.umin - off.umax, dst->umax = ptr.umax - off.umin;
        dst->var_off = tnum_sub(ptr.var_off, off.var_off);
        if (vf_is_pkt(&ptr)) {
            dst->id = vf_new_id(env);
            if (off.smin < 0)
                dst->range = 0;
        }
        break;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d bitwise operator %s on pointer prohibited", in->dst_reg,
                         alu_str[op >> 4]);
    default:
        return vf_reject(env, -EACCES, env->insn_idx, "R%d pointer arithmetic with %s operator prohibited",
                         in->dst_reg, alu_str[op >> 4]);
    }
    if ((err = sane_offset(env, dst, &ptr)))
        return err;
    vf_reg_bounds_sync(dst);
    if ((err = sanitize_bounds(env, in, dst)))
        return err;
    return sanitize_ptr(env, in, dst, &off, ptr_in == dst, &san, 1);
}

static int alu_reg_reg(struct vf_env *env, const struct bpf_insn *in)
{
    struct vf_reg *regs = vf_regs(env), *dst = &regs[in->dst_reg], *src = NULL, imm;
    uint8_t op = BPF_OP(in->code);
    int alu32 = BPF_CLASS(in->code) == BPF_ALU;
    uint32_t base_id = dst->type == VF_SCALAR ? dst->id : 0;
    uint8_t base_link = dst->link;
    uint64_t dst_umax = dst->umax;

    if (dst->type == VF_SCALAR)
        vf_clear_scalar_id(dst); /* the result is no copy of anything */
    if (BPF_SRC(in->code) == BPF_X) {
        src = &regs[in->src_reg];
        if (src->type != VF_SCALAR) {
            if (dst->type != VF_SCALAR) {
                /* Two pointers: only their difference, and only for
                 * the privileged verifier. */
                if (op == BPF_SUB && env->priv) {
                    vf_reg_unknown(env, dst);
                    return 0;
                }
                return vf_reject(env, -EACCES, env->insn_idx, "R%d pointer %s pointer prohibited", in->dst_reg,
                                 alu_str[op >> 4]);
            }
            /* scalar += pointer: the scalar's value moves the pointer */
            vf_mark_chain_precision(env, in->dst_reg);
            return ptr_alu(env, in, src, dst);
        }
        if (dst->type != VF_SCALAR) {
            vf_mark_chain_precision(env, in->src_reg);
            return ptr_alu(env, in, dst, src);
        }
        if (dst->precise)
            vf_mark_chain_precision(env, in->src_reg);
        if (!env->priv && (op == BPF_ADD || op == BPF_SUB) && vf_reg_bounds_sane(src) &&
            !(tnum_is_const(src->var_off) && (src->smin != src->smax || src->umin != src->umax)) &&
            san_record(env, SAN_ALU_NON_POINTER, 0))
            /* sanitize_val_alu: an instruction that moved a pointer on
             * another path cannot be left unmasked on this one */
            return san_err(env, in, SAN_PATHS, 0);
    } else {
        memset(&imm, 0, sizeof(imm));
        vf_mark_known(&imm, (uint64_t)(int64_t)in->imm);
        src = &imm;
        if (dst->type != VF_SCALAR)
            return ptr_alu(env, in, dst, src);
    }
    /* Signed division and modulo (cpu v4, off 1) are as untracked as
     * the unsigned ones in the kernel: vf_scalar_alu makes them unknown. */
    vf_scalar_alu(dst, src, op, alu32);
    /* rX = rY; rX += K (or -= K): rX stays linked to rY's id as rY + K
     * (6.18's BPF_ADD_CONST), so that what a comparison proves of one
     * holds, shifted, for the other (vf_sync_scalar_ids).  Not twice, not
     * for a 64-bit K out of s32 range, not for a 32-bit add to a value
     * wider than 32 bits. */
    if (env->priv && base_id && !base_link && (op == BPF_ADD || op == BPF_SUB) &&
        (alu32 ? tnum_is_const(tnum_subreg(src->var_off)) : tnum_is_const(src->var_off))) {
        uint64_t val = alu32 ? (uint32_t)src->var_off.value : src->var_off.value;
        int32_t off = (int32_t)val;
        int ok = alu32 ? dst_umax <= UINT32_MAX : ((int64_t)val >= INT32_MIN && (int64_t)val <= INT32_MAX);
        if (ok && op == BPF_SUB) {
            ok = off != INT32_MIN; /* negating S32_MIN would overflow: no link */
            off = ok ? -off : 0;
        }
        if (ok) {
            dst->id = base_id;
            dst->link = alu32 ? VF_LINK32 : VF_LINK64;
            dst->link_off = off;
        }
    }
    return 0;
}

int vf_check_alu(struct vf_env *env, const struct bpf_insn *in)
{
    struct vf_reg *regs = vf_regs(env);
    uint8_t op = BPF_OP(in->code);
    int alu32 = BPF_CLASS(in->code) == BPF_ALU;
    int err;

    if (op == BPF_END || op == BPF_NEG) {
        if ((err = vf_check_reg_read(env, in->dst_reg)))
            return err;
        if (vf_is_ptr(&regs[in->dst_reg])) {
            /* is_pointer_value: the privileged verifier lets the value
             * go as an unknown scalar */
            if (!env->priv)
                return vf_reject(env, -EACCES, env->insn_idx, "R%d pointer arithmetic prohibited", in->dst_reg);
            return vf_check_reg_write(env, in->dst_reg);
        }
        if ((err = vf_check_reg_write_keep(env, in->dst_reg)))
            return err;
        if (op == BPF_NEG)
            vf_scalar_neg(&regs[in->dst_reg], alu32);
        else
            vf_scalar_end(&regs[in->dst_reg], in->code, in->imm);
        vf_clear_scalar_id(&regs[in->dst_reg]);
        return 0;
    }
    if (op == BPF_MOV) {
        if (BPF_SRC(in->code) == BPF_X && (err = vf_check_reg_read(env, in->src_reg)))
            return err;
        /* DST_OP_NO_MARK: the move sets it (r2 = r2 keeps r2) */
        if ((err = vf_check_reg_write_keep(env, in->dst_reg)))
            return err;
        if (BPF_SRC(in->code) == BPF_X) {
            struct vf_reg *src = &regs[in->src_reg], *dst = &regs[in->dst_reg];
            if (in->off) {
                /* MOVSX (cpu v4): a sign-extended copy of a scalar */
                if (src->type != VF_SCALAR)
                    return vf_reject(env, -EACCES, env->insn_idx, "R%d sign-extension part of pointer",
                                     in->src_reg);
                struct vf_reg v = *src;
                if (alu32)
                    vf_sext32(&v, in->off / 8);
                else
                    vf_sext(&v, in->off / 8);
                vf_clear_scalar_id(&v);
                vf_copy_reg(dst, &v);
                return 0;
            }
            if (!alu32) {
                if (src->type == VF_SCALAR && src->link)
                    vf_clear_scalar_id(src); /* a linked copy is not copied linked */
                if (src->type == VF_SCALAR && !src->id && !tnum_is_const(src->var_off))
                    /* both copies learn what a comparison of either
                     * proves (find_equal_scalars); a constant has
                     * nothing to learn and gets no id
                     * (assign_scalar_id_before_mov) */
                    src->id = vf_new_id(env);
                vf_copy_reg(dst, src);
            } else {
                if (vf_is_ptr(src)) {
                    if (!env->priv)
                        return vf_reject(env, -EACCES, env->insn_idx, "R%d partial copy of pointer", in->src_reg);
                    vf_reg_unknown(env, dst);
                } else {
                    /* a source that fits in 32 bits is the same value in the
                     * destination: link them (6.18's is_src_reg_u32) */
                    int fits = src->type == VF_SCALAR && src->umax <= UINT32_MAX;
                    if (fits && src->link)
                        vf_clear_scalar_id(src);
                    if (fits && !src->id && !tnum_is_const(src->var_off))
                        src->id = vf_new_id(env);
                    vf_copy_reg(dst, src);
                    if (!fits)
                        vf_clear_scalar_id(dst);
                }
                vf_zext_32_to_64(dst);
            }
        } else {
            struct vf_reg *dst = &regs[in->dst_reg];
            vf_reg_unknown(env, dst);
            vf_mark_known(dst, alu32 ? (uint64_t)(uint32_t)in->imm : (uint64_t)(int64_t)in->imm);
        }
        return 0;
    }
    if (BPF_SRC(in->code) == BPF_X && (err = vf_check_reg_read(env, in->src_reg)))
        return err;
    if ((err = vf_check_reg_read(env, in->dst_reg)))
        return err;
    if ((op == BPF_MOD || op == BPF_DIV) && BPF_SRC(in->code) == BPF_K && in->imm == 0)
        return vf_reject(env, -EINVAL, env->insn_idx, "div by zero");
    if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && BPF_SRC(in->code) == BPF_K) {
        int size = alu32 ? 32 : 64;
        if (in->imm < 0 || in->imm >= size)
            return vf_reject(env, -EINVAL, env->insn_idx, "invalid shift %d", in->imm);
    }
    if ((err = vf_check_reg_write_keep(env, in->dst_reg)))
        return err;
    return alu_reg_reg(env, in);
}
