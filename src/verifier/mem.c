/* mem.c - memory accesses: loads, stores, atomics, LD_ABS/LD_IND, and
 * the memory a helper reads or writes.  For each pointer kind, where it
 * may reach and what a load gives (the kernel's check_mem_access and
 * its check_*_access family, check_ptr_alignment, the stack's spill and
 * fill rules in check_stack_write/read, check_atomic, check_ld_abs,
 * check_helper_mem_access, check_stack_range_initialized).  The context
 * is asked of the program type's table (src/progtypes/). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../isa/isa.h"
#include "../maps/map.h"
#include "../progtypes/progtypes.h"
#include "check.h"

#define VF_MAX_VAR_OFF (1 << 29)

static inline size_t offsetofend_sock_priority(void)
{
    return offsetof(struct bpf_sock, priority) + sizeof(((struct bpf_sock *)0)->priority);
}

uint32_t vf_map_value_size(const struct bpfrt_map *m)
{
    return m->value_size;
}

enum bpf_map_type vf_map_type(const struct bpfrt_map *m)
{
    return m->type;
}

uint32_t vf_map_key_size(const struct bpfrt_map *m)
{
    return m->key_size;
}

int vf_map_has_spin_lock(const struct bpfrt_map *m)
{
    return m->spin_lock_off >= 0;
}

/* Where frame-relative stack pointer r points: the frame it belongs to. */
static struct vf_frame *reg_frame(struct vf_env *env, const struct vf_reg *r)
{
    return env->cur->frame[r->frameno];
}

static int mem_ok(int64_t off, int size, uint64_t mem_size, int zero_ok)
{
    return off >= 0 && (size > 0 || (size == 0 && zero_ok)) && (uint64_t)off + (uint64_t)size <= mem_size;
}

/* __check_mem_access's message for an access out of [0, mem_size). */
static void mem_detail(char *buf, size_t n, const struct vf_reg *r, uint32_t regno, int64_t off, int size,
                       uint64_t mem_size)
{
    switch (r->type) {
    case VF_PTR_TO_MAP_KEY:
        snprintf(buf, n, "invalid access to map key, key_size=%d off=%d size=%d", (int)mem_size, (int)off, size);
        break;
    case VF_PTR_TO_MAP_VALUE:
        snprintf(buf, n, "invalid access to map value, value_size=%d off=%d size=%d", (int)mem_size, (int)off, size);
        break;
    case VF_PTR_TO_PACKET:
    case VF_PTR_TO_PACKET_META:
        snprintf(buf, n, "invalid access to packet, off=%d size=%d, R%u(id=%u,off=%d,r=%d)", (int)off, size, regno,
                 r->id, (int)off, (int)mem_size);
        break;
    default:
        snprintf(buf, n, "invalid access to memory, mem_size=%u off=%d size=%d", (unsigned)mem_size, (int)off, size);
        break;
    }
}

static int mem_err(struct vf_env *env, const struct vf_reg *r, uint32_t regno, int64_t off, int size,
                   uint64_t mem_size)
{
    char d[160];

    mem_detail(d, sizeof(d), r, regno, off, size, mem_size);
    return vf_reject(env, -EACCES, env->insn_idx, "%s", d);
}

/* The kernel logs the detail, then the summary; the reason keeps both. */
static int mem_err2(struct vf_env *env, const struct vf_reg *r, uint32_t regno, int64_t off, int size,
                    uint64_t mem_size, const char *summary)
{
    char d[160];

    mem_detail(d, sizeof(d), r, regno, off, size, mem_size);
    vf_log(env, "%s\n", d);
    return vf_reject(env, -EACCES, env->insn_idx, "R%u %s (%s)", regno, summary, d);
}

/* check_mem_region_access: the pointer's whole range of offsets. */
static int region_access(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size,
                         uint64_t mem_size, int zero_ok)
{
    if (r->smin < 0 &&
        (r->smin == INT64_MIN || (int64_t)off + r->smin != (int64_t)(int32_t)(off + r->smin) || r->smin + off < 0))
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
    if (!mem_ok(r->smin + off, size, mem_size, zero_ok)) {
        if (tnum_is_const(r->var_off))
            return mem_err(env, r, regno, r->smin + off, size, mem_size); /* a fixed offset: the detail says it */
        return mem_err2(env, r, regno, r->smin + off, size, mem_size, "min value is outside of the allowed memory range");
    }
    if (r->umax >= VF_MAX_VAR_OFF)
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u unbounded memory access, make sure to bounds check any such access", regno);
    if (!mem_ok((int64_t)r->umax + off, size, mem_size, zero_ok))
        return mem_err2(env, r, regno, (int64_t)r->umax + off, size, mem_size,
                        "max value is outside of the allowed memory range");
    return 0;
}

static int map_access(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size,
                      int zero_ok, int direct)
{
    const struct bpfrt_map *m = r->map;
    int err = region_access(env, regno, r, off, size, m->value_size, zero_ok);

    if (err)
        return err;
    if (m->spin_lock_off >= 0 && direct) {
        /* A struct bpf_spin_lock (4 bytes) is only for the lock helpers */
        int64_t lo = r->smin + off, hi = (int64_t)r->umax + off + size;
        if (lo < m->spin_lock_off + 4 && m->spin_lock_off < hi)
            return vf_reject(env, -EACCES, env->insn_idx, "bpf_spin_lock cannot be accessed directly by load/store");
    }
    return 0;
}

static int pkt_access(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size, int zero_ok)
{
    if (r->smin < 0)
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
    if (r->range < 0 || !mem_ok(off, size, (uint64_t)r->range, zero_ok)) {
        if (r->range >= 0)
            return mem_err2(env, r, regno, off, size, (uint64_t)r->range, "offset is outside of the packet");
        return vf_reject(env, -EACCES, env->insn_idx, "R%u offset is outside of the packet", regno);
    }
    return 0;
}

static const char *align_desc(const struct vf_reg *r)
{
    switch (r->type) {
    case VF_PTR_TO_FLOW_KEYS: return "flow keys ";
    case VF_PTR_TO_MAP_KEY: return "key ";
    case VF_PTR_TO_MAP_VALUE: return "value ";
    case VF_PTR_TO_CTX: return "context ";
    case VF_PTR_TO_STACK: return "stack ";
    case VF_PTR_TO_SOCKET: return "sock ";
    case VF_PTR_TO_SOCK_COMMON: return "sock_common ";
    case VF_PTR_TO_TCP_SOCK: return "tcp_sock ";
    case VF_PTR_TO_XDP_SOCK: return "xdp_sock ";
    default: return "";
    }
}

/* check_ptr_alignment: the stack always strictly (spill tracking needs
 * it), packets and the rest only under BPF_F_STRICT_ALIGNMENT (x86 has
 * efficient unaligned access), packets then with NET_IP_ALIGN 2. */
static int check_align(struct vf_env *env, const struct vf_reg *r, int32_t off, int size, int strict_once)
{
    int strict = env->strict_alignment || strict_once;
    char tn[48];

    if (size == 1)
        return 0;
    if (vf_is_pkt(r)) {
        if (!strict)
            return 0;
        struct tnum t = tnum_add(r->var_off, tnum_const((uint64_t)(int64_t)(2 + r->off + off)));
        if (!tnum_is_aligned(t, (uint64_t)size)) {
            tnum_fmt(tn, sizeof(tn), r->var_off);
            return vf_reject(env, -EACCES, env->insn_idx, "misaligned packet access off %d+%s+%d+%d size %d", 2, tn,
                             r->off, off, size);
        }
        return 0;
    }
    if (r->type == VF_PTR_TO_STACK)
        strict = 1;
    if (!strict)
        return 0;
    struct tnum t = tnum_add(r->var_off, tnum_const((uint64_t)(int64_t)(r->off + off)));
    if (!tnum_is_aligned(t, (uint64_t)size)) {
        tnum_fmt(tn, sizeof(tn), r->var_off);
        return vf_reject(env, -EACCES, env->insn_idx, "misaligned %saccess off %s+%d+%d size %d", align_desc(r), tn,
                         r->off, off, size);
    }
    return 0;
}

int vf_check_arg_align(struct vf_env *env, uint32_t regno, int size)
{
    /* check_ptr_alignment with strict set: the helper stores a u64/u32 */
    return check_align(env, &vf_regs(env)[regno], 0, size, 1);
}

/* __check_ptr_off_reg for pointers that must not move (ctx, sockets...) */
static int ptr_off_fixed(struct vf_env *env, const struct vf_reg *r, uint32_t regno, int fixed_off_ok)
{
    if (!fixed_off_ok && r->off < 0)
        return vf_reject(env, -EACCES, env->insn_idx, "negative offset %s ptr R%u off=%d disallowed", vf_type_name(r),
                         regno, r->off);
    if (!fixed_off_ok && r->off)
        return vf_reject(env, -EACCES, env->insn_idx, "dereference of modified %s ptr R%u off=%d disallowed",
                         vf_type_name(r), regno, r->off);
    if (!tnum_is_const(r->var_off) || r->var_off.value) {
        char tn[48];
        tnum_fmt(tn, sizeof(tn), r->var_off);
        return vf_reject(env, -EACCES, env->insn_idx, "variable %s access var_off=%s disallowed", vf_type_name(r), tn);
    }
    return 0;
}

/* ---- the stack ---- */

static int stack_bounds(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size,
                        int helper, int write)
{
    /* 6.18 names what the access does, also for a helper's ("indirect
     * access to" was 6.1's) */
    const char *extra = write ? " write to" : " read from";
    (void)helper;
    int64_t min_off, max_off;
    int err;

    if (tnum_is_const(r->var_off)) {
        min_off = (int64_t)r->var_off.value + off;
        max_off = min_off + size;
    } else {
        if (r->smax >= VF_MAX_VAR_OFF || r->smin <= -VF_MAX_VAR_OFF)
            return vf_reject(env, -EACCES, env->insn_idx, "invalid unbounded variable-offset%s stack R%u", extra,
                             regno);
        min_off = r->smin + off;
        max_off = r->smax + off + size;
    }
    if (min_off < -VF_STACK_SIZE || min_off > -1 || max_off > 0 || size < 0) {
        /* check_stack_access_within_bounds: below the frame -EACCES, past
         * its top (into non-negative offsets) -EINVAL */
        err = (min_off < -VF_STACK_SIZE || min_off > -1) ? -EACCES : max_off > 0 ? -EINVAL : -EFAULT;
        if (tnum_is_const(r->var_off))
            return vf_reject(env, err, env->insn_idx, "invalid%s stack R%u off=%d size=%d", extra, regno, off, size);
        char tn[48];
        tnum_fmt(tn, sizeof(tn), r->var_off);
        return vf_reject(env, err, env->insn_idx, "invalid variable-offset%s stack R%u var_off=%s size=%d", extra,
                         regno, tn, size);
    }
    /* grow_stack_state: the frame uses this much */
    struct vf_frame *f = reg_frame(env, r);
    uint32_t need = (uint32_t)((-min_off + 7) & ~7);
    if (need > f->allocated && vf_frame_grow(f, need))
        return vf_reject(env, -ENOMEM, env->insn_idx, "out of memory");
    if (need > env->sub[f->subprog].stack_depth)
        env->sub[f->subprog].stack_depth = need;
    return 0;
}

/* Slot and byte of stack offset soff (negative, from the frame's top). */
static inline void slot_of(int64_t soff, uint32_t *spi, uint32_t *b)
{
    *spi = (uint32_t)((-soff - 1) / 8);
    *b = (uint32_t)(soff + 8 * ((int64_t)*spi + 1));
}

static int is_spillable(const struct vf_reg *r)
{
    return vf_is_ptr(r);
}

static void scrub_slot(struct vf_slot *s)
{
    for (int i = 0; i < 8; i++)
        if (s->type[i] == VF_STACK_SPILL)
            s->type[i] = VF_STACK_MISC;
    s->spilled.type = VF_NOT_INIT;
    s->spill_size = 0;
}

static void save_spill(struct vf_env *env, struct vf_slot *s, const struct vf_reg *r, int size)
{
    struct vf_reg *parent = s->spilled.parent;

    s->spilled = *r;
    s->spilled.parent = parent;
    s->spilled.live |= VF_LIVE_WRITTEN;
    s->spill_size = (uint8_t)size;
    for (int i = 0; i < 8; i++) {
        if (i < size)
            s->type[i] = VF_STACK_SPILL;
        else if (s->type[i] == VF_STACK_SPILL || (s->type[i] == VF_STACK_INVALID && !env->priv))
            s->type[i] = VF_STACK_MISC;
    }
}

static int stack_write_fixed_(struct vf_env *env, struct vf_frame *f, int64_t soff, int size, int value_regno,
                              const struct bpf_insn *in);

static int stack_write_fixed(struct vf_env *env, struct vf_frame *f, int64_t soff, int size, int value_regno,
                             const struct bpf_insn *in)
{
    uint32_t spi, b;
    int err = stack_write_fixed_(env, f, soff, size, value_regno, in);

    slot_of(soff, &spi, &b);
    if (!err && size == 8 && b == 0)
        vf_slot_written(env, f->frameno, spi); /* the whole slot: its old value is gone */
    return err;
}

static int stack_write_fixed_(struct vf_env *env, struct vf_frame *f, int64_t soff, int size, int value_regno,
                              const struct bpf_insn *in)
{
    struct vf_frame *cur = vf_cur_frame(env);
    struct vf_reg *r = value_regno >= 0 ? &cur->regs[value_regno] : NULL;
    uint32_t spi, b;
    struct vf_slot *s;
    int is_st = BPF_CLASS(in->code) == BPF_ST;

    slot_of(soff, &spi, &b);
    s = &f->slots[spi];
    if (!env->priv && s->type[0] == VF_STACK_SPILL && size != 8)
        return vf_reject(env, -EACCES, env->insn_idx, "attempt to corrupt spilled pointer on stack");
    if (r && b == 0 && r->type == VF_SCALAR && env->priv) {
        struct vf_reg v;
        if (in->dst_reg != BPF_REG_10) {
            /* a spill through another pointer: the history names the slot */
            int err = vf_hist_stack_access(env, f->frameno, spi);
            if (err)
                return err;
        }
        /* a spill the value fits in links the register and its copy
         * (assign_scalar_id_before_mov, as for a mov: no id for a
         * constant); a narrowing spill keeps no relation */
        int fits = size == 8 || !(r->umax >> (8 * size));
        if (fits && r->link)
            vf_clear_scalar_id(r);
        if (fits && !r->id && !tnum_is_const(r->var_off))
            r->id = vf_new_id(env);
        v = *r;
        if (!fits)
            vf_clear_scalar_id(&v);
        save_spill(env, s, &v, size);
    } else if (!r && b == 0 && is_st && env->priv) {
        struct vf_reg v;
        memset(&v, 0, sizeof(v));
        vf_mark_known(&v, (uint64_t)(int64_t)in->imm);
        save_spill(env, s, &v, size);
    } else if (r && is_spillable(r)) {
        if (size != 8)
            return vf_reject(env, -EACCES, env->insn_idx, "invalid size of register spill");
        if (f != cur && r->type == VF_PTR_TO_STACK)
            return vf_reject(env, -EINVAL, env->insn_idx,
                             "cannot spill pointers to stack into stack frame of the caller");
        save_spill(env, s, r, size);
    } else {
        uint8_t t = VF_STACK_MISC;
        if (s->type[0] == VF_STACK_SPILL)
            scrub_slot(s);
        s->spilled.type = VF_NOT_INIT;
        if ((r && r->type == VF_SCALAR && tnum_equals_const(r->var_off, 0)) || (!r && is_st && in->imm == 0))
            t = VF_STACK_ZERO;
        for (int i = 0; i < size; i++)
            s->type[b + (uint32_t)i] = t;
    }
    return 0;
}

static int stack_write_var(struct vf_env *env, struct vf_frame *f, const struct vf_reg *ptr, int32_t off, int size,
                           int value_regno, const struct bpf_insn *in)
{
    int64_t min_off = ptr->smin + off, max_off = ptr->smax + off + size;
    int zero = 0;

    if (value_regno >= 0) {
        const struct vf_reg *v = &vf_regs(env)[value_regno];
        zero = v->type == VF_SCALAR && tnum_equals_const(v->var_off, 0);
    } else if (BPF_CLASS(in->code) == BPF_ST) {
        zero = in->imm == 0;
    }
    for (int64_t i = min_off; i < max_off; i++) {
        uint32_t spi, b;
        slot_of(i, &spi, &b);
        struct vf_slot *s = &f->slots[spi];
        uint8_t *t = &s->type[b];
        if (!env->priv && *t != VF_STACK_MISC && *t != VF_STACK_ZERO)
            return vf_reject(env, -EINVAL, env->insn_idx,
                             "spilled ptr in range of var-offset stack write; insn %u, ptr off: %d", env->insn_idx,
                             (int)i);
        if (s->type[0] == VF_STACK_SPILL)
            scrub_slot(s);
        if (*t == VF_STACK_INVALID && !env->priv)
            return vf_reject(env, -EINVAL, env->insn_idx,
                             "uninit stack in range of var-offset write prohibited for !root; insn %u, off: %d",
                             env->insn_idx, (int)i);
        *t = (zero && *t == VF_STACK_ZERO) ? VF_STACK_ZERO : VF_STACK_MISC;
    }
    return 0;
}

static void mark_stack_read_result(struct vf_env *env, struct vf_frame *f, int64_t min_off, int64_t max_off,
                                   int dst)
{
    int zeros = 1;

    for (int64_t i = min_off; i < max_off; i++) {
        uint32_t spi, b;
        slot_of(i, &spi, &b);
        if (f->slots[spi].type[b] != VF_STACK_ZERO) {
            zeros = 0;
            break;
        }
    }
    if (zeros) {
        vf_reg_unknown(env, &vf_regs(env)[dst]);
        vf_mark_known_zero(&vf_regs(env)[dst]); /* imprecise, as 6.18's __mark_reg_const_zero */
    } else {
        vf_reg_unknown(env, &vf_regs(env)[dst]);
    }
}

static int stack_read_fixed(struct vf_env *env, struct vf_frame *f, int64_t soff, int size, int dst, int via_fp)
{
    uint32_t spi, b;
    struct vf_slot *s;

    slot_of(soff, &spi, &b);
    s = &f->slots[spi];
    vf_slot_read(env, f->frameno, spi);
    if (s->type[0] == VF_STACK_SPILL && !via_fp && dst >= 0) {
        /* a fill through another pointer: the history names the slot */
        int err = vf_hist_stack_access(env, f->frameno, spi);
        if (err)
            return err;
    }
    if (s->type[0] == VF_STACK_SPILL) {
        int spill_size = s->spill_size ? s->spill_size : 8;
        s->spilled.live |= VF_LIVE_READ64;
        if (size != 8 || spill_size != 8) {
            if (s->spilled.type != VF_SCALAR)
                return vf_reject(env, -EACCES, env->insn_idx, "invalid size of register fill");
            if (dst < 0)
                return 0;
            if (b == 0 && size <= spill_size) {
                /* a fill at the spill's start, as wide or narrower: the
                 * spilled register, cut to the load's size by the caller
                 * (bpf_stack_narrow_access_ok); a narrowing fill breaks
                 * the link with the register it came from */
                struct vf_reg *d = &vf_regs(env)[dst];
                vf_copy_reg(d, &s->spilled);
                if (size < 8 && (s->spilled.umax >> (8 * size)))
                    vf_clear_scalar_id(d);
            } else {
                int spill_cnt = 0, zero_cnt = 0;
                for (int i = 0; i < size; i++) {
                    uint8_t t = s->type[b + (uint32_t)i];
                    spill_cnt += t == VF_STACK_SPILL;
                    zero_cnt += t == VF_STACK_ZERO;
                    if (t == VF_STACK_SPILL || t == VF_STACK_MISC || t == VF_STACK_ZERO ||
                        (t == VF_STACK_INVALID && env->priv))
                        continue;
                    return vf_reject(env, -EACCES, env->insn_idx, "invalid read from stack off %d+%d size %d",
                                     (int)soff - (int)b + (int)b, i, size);
                }
                vf_reg_unknown(env, &vf_regs(env)[dst]);
                /* bytes of a spilled zero, or zeros: zero (as the kernel's
                 * check_stack_read_fixed_off) */
                if ((spill_cnt == size && tnum_equals_const(s->spilled.var_off, 0)) || zero_cnt == size)
                    vf_mark_known_zero(&vf_regs(env)[dst]);
            }
            return 0;
        }
        if (dst >= 0)
            vf_copy_reg(&vf_regs(env)[dst], &s->spilled);
        else if (!env->priv && vf_is_ptr(&s->spilled))
            /* A read with no register to fill (the memory operand of an
             * atomic operation) uses a spilled pointer as a number: the
             * unprivileged verifier refuses it (check_stack_read_fixed_off
             * with dst_regno -1, !allow_ptr_leaks). */
            return vf_reject(env, -EACCES, env->insn_idx, "leaking pointer from stack off %d", (int)soff);
        return 0;
    }
    for (int i = 0; i < size; i++) {
        uint8_t t = s->type[b + (uint32_t)i];
        if (t == VF_STACK_MISC || t == VF_STACK_ZERO || (t == VF_STACK_INVALID && env->priv))
            continue;
        return vf_reject(env, -EACCES, env->insn_idx, "invalid read from stack off %d+%d size %d", (int)soff, i, size);
    }
    if (dst >= 0)
        mark_stack_read_result(env, f, soff, soff + size, dst);
    return 0;
}

int vf_stack_range_init(struct vf_env *env, uint32_t regno, int64_t off, int size, int uninit_ok, int write)
{
    struct vf_reg *r = &vf_regs(env)[regno];
    struct vf_frame *f = reg_frame(env, r);
    int64_t min_off, max_off;
    int err;

    if ((err = stack_bounds(env, regno, r, (int32_t)off, size, 1, write)))
        return err;
    if (tnum_is_const(r->var_off)) {
        min_off = max_off = (int64_t)r->var_off.value + off;
    } else {
        if (!env->priv) {
            char tn[48];
            tnum_fmt(tn, sizeof(tn), r->var_off);
            return vf_reject(env, -EACCES, env->insn_idx,
                             "R%u indirect variable offset stack access prohibited for !root, var_off=%s", regno, tn);
        }
        uninit_ok = 0; /* the kernel drops raw mode for variable offsets */
        min_off = r->smin + off;
        max_off = r->smax + off;
    }
    if (uninit_ok) {
        /* The helper writes these bytes: they become data. */
        for (int64_t i = min_off; i < max_off + size; i++) {
            uint32_t spi, b;
            slot_of(i, &spi, &b);
            if (f->slots[spi].type[0] == VF_STACK_SPILL)
                scrub_slot(&f->slots[spi]);
            f->slots[spi].type[b] = VF_STACK_MISC;
        }
        return 0;
    }
    for (int64_t i = min_off; i < max_off + size; i++) {
        uint32_t spi, b;
        slot_of(i, &spi, &b);
        struct vf_slot *s = &f->slots[spi];
        uint8_t *t = &s->type[b];
        vf_slot_read(env, f->frameno, spi);
        if (*t == VF_STACK_MISC)
            continue;
        /* a helper that writes (MEM_WRITE) may leave anything there; one
         * that only reads leaves the bytes as they are (6.18's clobber) */
        if (*t == VF_STACK_ZERO || (*t == VF_STACK_INVALID && env->priv)) {
            if (write)
                *t = VF_STACK_MISC;
            continue;
        }
        if (s->type[0] == VF_STACK_SPILL && (s->spilled.type == VF_SCALAR || env->priv)) {
            if (write) {
                vf_reg_unknown(env, &s->spilled);
                for (int j = 0; j < 8; j++)
                    if (s->type[j] == VF_STACK_SPILL)
                        s->type[j] = VF_STACK_MISC;
                s->spilled.type = VF_NOT_INIT;
            }
            continue;
        }
        if (tnum_is_const(r->var_off))
            return vf_reject(env, -EACCES, env->insn_idx, "invalid indirect read from stack R%u off %d+%d size %d",
                             regno, (int)min_off, (int)(i - min_off), size);
        char tn[48];
        tnum_fmt(tn, sizeof(tn), r->var_off);
        return vf_reject(env, -EACCES, env->insn_idx, "invalid indirect read from stack R%u var_off %s+%d size %d",
                         regno, tn, (int)(i - min_off), size);
    }
    return 0;
}

static int stack_access(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size,
                        enum vf_access t, int value_regno, const struct bpf_insn *in)
{
    struct vf_frame *f = reg_frame(env, r);
    int err;

    if ((err = stack_bounds(env, regno, r, off, size, 0, t == VF_WRITE)))
        return err;
    if (tnum_is_const(r->var_off)) {
        int64_t soff = (int64_t)r->var_off.value + off;
        if (t == VF_WRITE)
            return stack_write_fixed(env, f, soff, size, value_regno, in);
        return stack_read_fixed(env, f, soff, size, value_regno, regno == BPF_REG_10);
    }
    if (t == VF_WRITE)
        return stack_write_var(env, f, r, off, size, value_regno, in);
    /* variable-offset read (check_stack_read_var_off) */
    if (!env->priv) {
        char tn[48];
        tnum_fmt(tn, sizeof(tn), r->var_off);
        return vf_reject(env, -EACCES, env->insn_idx, "R%u variable offset stack access prohibited for !root, var_off=%s",
                         regno, tn);
    }
    for (int64_t i = r->smin + off; i < r->smax + off + size; i++) {
        uint32_t spi, b;
        slot_of(i, &spi, &b);
        struct vf_slot *s = &f->slots[spi];
        uint8_t ty = s->type[b];
        vf_slot_read(env, f->frameno, spi);
        if (ty == VF_STACK_MISC || ty == VF_STACK_ZERO || ty == VF_STACK_INVALID)
            continue;
        if (s->type[0] == VF_STACK_SPILL && s->spilled.type == VF_SCALAR)
            continue;
        if (s->type[0] == VF_STACK_SPILL)
            continue; /* the privileged verifier may read pointer bytes as data */
    }
    if (value_regno >= 0)
        mark_stack_read_result(env, f, r->smin + off, r->smax + off + size, value_regno);
    return 0;
}

/* ---- the context ---- */

static uint8_t reg_kind_type(uint8_t kind, uint8_t *flags)
{
    *flags = 0;
    switch (kind) {
    case PT_REG_PKT: return VF_PTR_TO_PACKET;
    case PT_REG_PKT_END: return VF_PTR_TO_PACKET_END;
    case PT_REG_PKT_META: return VF_PTR_TO_PACKET_META;
    case PT_REG_SOCK_COMMON_OR_NULL: *flags = VF_MAYBE_NULL; return VF_PTR_TO_SOCK_COMMON;
    case PT_REG_SOCKET: return VF_PTR_TO_SOCKET;
    case PT_REG_SOCKET_OR_NULL: *flags = VF_MAYBE_NULL; return VF_PTR_TO_SOCKET;
    case PT_REG_FLOW_KEYS: return VF_PTR_TO_FLOW_KEYS;
    case PT_REG_TP_BUFFER: return VF_PTR_TO_TP_BUFFER;
    case PT_REG_BTF_ID: return VF_PTR_TO_BTF_ID;
    case PT_REG_BTF_ID_OR_NULL: *flags = VF_MAYBE_NULL; return VF_PTR_TO_BTF_ID;
    case PT_REG_CTX: return VF_PTR_TO_CTX;
    default: return VF_SCALAR;
    }
}

static int ctx_access(struct vf_env *env, uint32_t insn, uint32_t regno, const struct vf_reg *r, int32_t off,
                      int size, enum vf_access t, int value_regno, const struct bpf_insn *in)
{
    struct pt_access a;
    struct pt_access_res res;
    int err;

    if (t == VF_WRITE && value_regno >= 0 && vf_is_ptr_leak(env, &vf_regs(env)[value_regno]))
        return vf_reject(env, -EACCES, insn, "R%d leaks addr into ctx", value_regno);
    if ((err = ptr_off_fixed(env, r, regno, 0)))
        return err;
    memset(&a, 0, sizeof(a));
    memset(&res, 0, sizeof(res));
    a.off = (uint32_t)off;
    a.size = (uint32_t)size;
    a.write = t == VF_WRITE;
    a.priv = (uint8_t)env->priv;
    a.store_imm = BPF_CLASS(in->code) == BPF_ST;
    a.atomic = BPF_CLASS(in->code) == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC;
    a.attach = env->attach;
    if (off < 0 || !env->pt->is_valid_access || !env->pt->is_valid_access(&a, &res))
        return vf_reject(env, -EACCES, insn, "invalid bpf_context access off=%d size=%d", off, size);
    env->aux[insn].ctx_access = 1;
    env->aux[insn].ctx_field_size = res.ctx_field_size;
    env->aux[insn].ctx_access_type = res.reg_kind;
    if (t == VF_READ && value_regno >= 0) {
        struct vf_reg *d = &vf_regs(env)[value_regno];
        uint8_t flags, type = reg_kind_type(res.reg_kind, &flags);
        vf_reg_unknown(env, d);
        if (type != VF_SCALAR) {
            vf_mark_known_zero(d);
            d->type = type;
            d->flags = flags;
            d->precise = 0;
            if (flags & VF_MAYBE_NULL)
                d->id = vf_new_id(env);
            if (type == VF_PTR_TO_BTF_ID)
                d->btf_id = vf_kbtf_struct_id(res.btf_type);
        }
    }
    return 0;
}

/* struct bpf_sock / bpf_tcp_sock / bpf_xdp_sock fields (read only):
 * the kernel's bpf_sock_is_valid_access and friends, for the pointers
 * helpers hand out. */
static int sock_access(struct vf_env *env, uint32_t regno, const struct vf_reg *r, int32_t off, int size)
{
    int ok = 0;

    if (r->smin < 0)
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
    if (vf_sock_field_ok(r->type, off, size, &ok) && ok)
        return 0;
    return vf_reject(env, -EACCES, env->insn_idx, "R%u invalid %s access off=%d size=%d", regno, vf_type_name(r), off,
                     size);
}

int vf_check_mem_access(struct vf_env *env, uint32_t insn, uint32_t regno, int32_t off, int size, enum vf_access t,
                        int value_regno, int strict_align_once, int is_ldsx)
{
    struct vf_reg *regs = vf_regs(env), *r = &regs[regno];
    struct vf_reg ptr = *r; /* the value register may be the pointer */
    const struct bpf_insn *in = &env->insns[insn];
    int err = 0;

    if ((err = check_align(env, &ptr, off, size, strict_align_once)))
        return err;
    off += ptr.off;
    if (env->aux[insn].ptr_type == VF_NOT_INIT)
        env->aux[insn].ptr_type = ptr.type;
    else if (env->aux[insn].ptr_type != ptr.type && (env->aux[insn].ptr_type == VF_PTR_TO_CTX || ptr.type == VF_PTR_TO_CTX))
        /* A converted context access cannot also be a plain one. */
        return vf_reject(env, -EINVAL, insn, "same insn cannot be used with different pointers");

    if (ptr.flags & VF_MAYBE_NULL)
        return vf_reject(env, -EACCES, insn, "R%u invalid mem access '%s'", regno, vf_type_name(&ptr));
    switch (ptr.type) {
    case VF_PTR_TO_MAP_KEY:
        if (t == VF_WRITE)
            return vf_reject(env, -EACCES, insn, "write to change key R%u not allowed", regno);
        err = region_access(env, regno, &ptr, off, size, ptr.mem_size ? ptr.mem_size : ptr.map->key_size, 0);
        if (!err && value_regno >= 0)
            vf_reg_unknown(env, &regs[value_regno]);
        break;
    case VF_PTR_TO_MAP_VALUE: {
        const struct bpfrt_map *m = ptr.map;
        if (t == VF_WRITE && value_regno >= 0 && vf_is_ptr_leak(env, &regs[value_regno]))
            return vf_reject(env, -EACCES, insn, "R%d leaks addr into map", value_regno);
        if (t == VF_WRITE && (m->map_flags & BPF_F_RDONLY_PROG))
            return vf_reject(env, -EACCES, insn, "write into map forbidden, value_size=%d off=%d size=%d",
                             m->value_size, off, size);
        if (t == VF_READ && (m->map_flags & BPF_F_WRONLY_PROG))
            return vf_reject(env, -EACCES, insn, "read from map forbidden, value_size=%d off=%d size=%d",
                             m->value_size, off, size);
        if ((err = map_access(env, regno, &ptr, off, size, 0, 1)))
            return err;
        if (t == VF_READ && value_regno >= 0) {
            uint64_t val;
            if (tnum_is_const(ptr.var_off) && vf_map_read_const((struct bpfrt_map *)m, off + (int64_t)ptr.var_off.value, size, &val)) {
                vf_reg_unknown(env, &regs[value_regno]);
                vf_mark_known(&regs[value_regno], val);
            } else {
                vf_reg_unknown(env, &regs[value_regno]);
            }
        }
        break;
    }
    case VF_PTR_TO_MEM:
    case VF_PTR_TO_BUF: {
        int rdonly = ptr.flags & VF_RDONLY;
        if (t == VF_WRITE && rdonly)
            return vf_reject(env, -EACCES, insn, "R%u cannot write into %s", regno, vf_type_name(&ptr));
        if (t == VF_WRITE && value_regno >= 0 && vf_is_ptr_leak(env, &regs[value_regno]))
            return vf_reject(env, -EACCES, insn, "R%d leaks addr into mem", value_regno);
        err = region_access(env, regno, &ptr, off, size, ptr.mem_size, 0);
        if (!err && value_regno >= 0 && (t == VF_READ || rdonly))
            vf_reg_unknown(env, &regs[value_regno]);
        break;
    }
    case VF_PTR_TO_CTX: err = ctx_access(env, insn, regno, &ptr, off, size, t, value_regno, in); break;
    case VF_PTR_TO_STACK: err = stack_access(env, regno, &ptr, off, size, t, value_regno, in); break;
    case VF_PTR_TO_PACKET:
    case VF_PTR_TO_PACKET_META:
        if (t == VF_WRITE && !vf_may_write_pkt(env))
            return vf_reject(env, -EACCES, insn, "cannot write into packet");
        if (t == VF_WRITE && value_regno >= 0 && vf_is_ptr_leak(env, &regs[value_regno]))
            return vf_reject(env, -EACCES, insn, "R%d leaks addr into packet", value_regno);
        err = pkt_access(env, regno, &ptr, off, size, 0);
        if (!err && t == VF_READ && value_regno >= 0)
            vf_reg_unknown(env, &regs[value_regno]);
        if (!err && t == VF_WRITE)
            env->seen_direct_write = 1;
        break;
    case VF_PTR_TO_FLOW_KEYS:
        if (t == VF_WRITE && value_regno >= 0 && vf_is_ptr_leak(env, &regs[value_regno]))
            return vf_reject(env, -EACCES, insn, "R%d leaks addr into flow keys", value_regno);
        if (off < 0 || size <= 0 || (uint64_t)off + (uint64_t)size > sizeof(struct bpf_flow_keys))
            return vf_reject(env, -EACCES, insn, "invalid access to flow keys off=%d size=%d", off, size);
        if (t == VF_READ && value_regno >= 0)
            vf_reg_unknown(env, &regs[value_regno]);
        break;
    case VF_PTR_TO_SOCKET:
    case VF_PTR_TO_SOCK_COMMON:
    case VF_PTR_TO_TCP_SOCK:
    case VF_PTR_TO_XDP_SOCK:
        if (t == VF_WRITE)
            return vf_reject(env, -EACCES, insn, "R%u cannot write into %s", regno, vf_type_name(&ptr));
        if ((err = ptr_off_fixed(env, &ptr, regno, 0)))
            return err;
        err = sock_access(env, regno, &ptr, off, size);
        if (!err && value_regno >= 0)
            vf_reg_unknown(env, &regs[value_regno]);
        break;
    case VF_CONST_PTR_TO_MAP: {
        /* check_ptr_to_map_access: the map's kernel struct, read only,
         * for the privileged */
        const char *sname = "bpf_map";
        if (!env->priv) {
            sname = vf_map_type(ptr.map) == BPF_MAP_TYPE_ARRAY ? "bpf_array" : "bpf_map";
            return vf_reject(env, -EACCES, insn, "%s access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN", sname);
        }
        if (!tnum_is_const(ptr.var_off))
            return vf_reject(env, -EACCES, insn, "R%u invalid variable offset to the map", regno);
        err = vf_kbtf_access(env, regno, vf_kbtf_map_struct_id(ptr.map), off + (int64_t)ptr.var_off.value, size,
                             t == VF_WRITE, value_regno, "map_ptr");
        break;
    }
    case VF_PTR_TO_BTF_ID:
        if (!tnum_is_const(ptr.var_off))
            return vf_reject(env, -EACCES, insn, "R%u is ptr_ invalid variable offset", regno);
        if (off < 0)
            return vf_reject(env, -EACCES, insn, "R%u is ptr_ invalid negative access: off=%d", regno, off);
        err = vf_kbtf_access(env, regno, ptr.btf_id, off + (int64_t)ptr.var_off.value, size, t == VF_WRITE,
                             value_regno, "ptr_");
        break;
    case VF_PTR_TO_TP_BUFFER:
        if (off < 0)
            return vf_reject(env, -EACCES, insn, "R%u invalid tracepoint buffer access: off=%d, size=%d", regno, off,
                             size);
        if (!tnum_is_const(ptr.var_off) || ptr.var_off.value) {
            char tn[48];
            tnum_fmt(tn, sizeof(tn), ptr.var_off);
            return vf_reject(env, -EACCES, insn, "R%u invalid variable buffer offset: off=%d, var_off=%s", regno, off,
                             tn);
        }
        if (t == VF_READ && value_regno >= 0)
            vf_reg_unknown(env, &regs[value_regno]);
        break;
    default:
        return vf_reject(env, -EACCES, insn, "R%u invalid mem access '%s'", regno, vf_type_name(&ptr));
    }
    if (!err && size < 8 && value_regno >= 0 && t == VF_READ && regs[value_regno].type == VF_SCALAR) {
        if (is_ldsx)
            vf_sext(&regs[value_regno], size);
        else
            vf_coerce_to_size(&regs[value_regno], size);
    }
    return err;
}

/* May the program type write packet data directly
 * (may_access_direct_pkt_data with BPF_WRITE)? */
int vf_may_write_pkt(struct vf_env *env)
{
    switch (env->type) {
    case BPF_PROG_TYPE_SCHED_CLS:
    case BPF_PROG_TYPE_SCHED_ACT:
    case BPF_PROG_TYPE_XDP:
    case BPF_PROG_TYPE_LWT_XMIT:
    case BPF_PROG_TYPE_SK_SKB:
    case BPF_PROG_TYPE_SK_MSG:
        return 1;
    case BPF_PROG_TYPE_CGROUP_SOCKOPT: return 1;
    default: return 0;
    }
}

int vf_check_load(struct vf_env *env, const struct bpf_insn *in)
{
    int err;
    int ldsx = BPF_MODE(in->code) == BPF_MEMSX;

    if ((err = vf_check_reg_read(env, in->src_reg)) || (err = vf_check_reg_write_keep(env, in->dst_reg)))
        return err;
    return vf_check_mem_access(env, env->insn_idx, in->src_reg, in->off, isa_size_bytes(BPF_SIZE(in->code)), VF_READ,
                               in->dst_reg, 0, ldsx);
}

int vf_check_store(struct vf_env *env, const struct bpf_insn *in)
{
    int err;

    if (BPF_CLASS(in->code) == BPF_STX && (err = vf_check_reg_read(env, in->src_reg)))
        return err;
    if ((err = vf_check_reg_read(env, in->dst_reg)))
        return err;
    if (BPF_CLASS(in->code) == BPF_ST) {
        const struct vf_reg *d = &vf_regs(env)[in->dst_reg];
        if (d->type == VF_PTR_TO_CTX && !env->pt->is_valid_access)
            return vf_reject(env, -EACCES, env->insn_idx, "BPF_ST stores into R%d %s is not allowed", in->dst_reg,
                             vf_type_name(d));
    }
    return vf_check_mem_access(env, env->insn_idx, in->dst_reg, in->off, isa_size_bytes(BPF_SIZE(in->code)), VF_WRITE,
                               BPF_CLASS(in->code) == BPF_STX ? in->src_reg : -1, 0, 0);
}

int vf_check_atomic(struct vf_env *env, const struct bpf_insn *in)
{
    struct vf_reg *regs = vf_regs(env), *d;
    int size = isa_size_bytes(BPF_SIZE(in->code)), load_reg, err;

    switch (in->imm) {
    case BPF_ADD:
    case BPF_ADD | BPF_FETCH:
    case BPF_AND:
    case BPF_AND | BPF_FETCH:
    case BPF_OR:
    case BPF_OR | BPF_FETCH:
    case BPF_XOR:
    case BPF_XOR | BPF_FETCH:
    case BPF_XCHG:
    case BPF_CMPXCHG: break;
    default: return vf_reject(env, -EINVAL, env->insn_idx, "BPF_ATOMIC uses invalid atomic opcode %02x", in->imm);
    }
    if (size != 4 && size != 8)
        return vf_reject(env, -EINVAL, env->insn_idx, "invalid atomic operand size");
    if ((err = vf_check_reg_read(env, in->src_reg)) || (err = vf_check_reg_read(env, in->dst_reg)))
        return err;
    if (in->imm == BPF_CMPXCHG) {
        if ((err = vf_check_reg_read(env, BPF_REG_0)))
            return err;
        if (vf_is_ptr_leak(env, &regs[BPF_REG_0]))
            return vf_reject(env, -EACCES, env->insn_idx, "R%d leaks addr into mem", BPF_REG_0);
    }
    if (vf_is_ptr_leak(env, &regs[in->src_reg]))
        return vf_reject(env, -EACCES, env->insn_idx, "R%d leaks addr into mem", in->src_reg);
    d = &regs[in->dst_reg];
    if (d->type == VF_PTR_TO_CTX || vf_is_pkt(d) || d->type == VF_PTR_TO_FLOW_KEYS || d->type == VF_PTR_TO_SOCKET ||
        d->type == VF_PTR_TO_SOCK_COMMON || d->type == VF_PTR_TO_TCP_SOCK || d->type == VF_PTR_TO_XDP_SOCK)
        return vf_reject(env, -EACCES, env->insn_idx, "BPF_ATOMIC stores into R%d %s is not allowed", in->dst_reg,
                         vf_type_name(d));
    load_reg = -1;
    if (in->imm & BPF_FETCH) {
        load_reg = in->imm == BPF_CMPXCHG ? BPF_REG_0 : in->src_reg;
        if ((err = vf_check_reg_write(env, (uint32_t)load_reg)))
            return err;
    }
    /* check_atomic: a read, then for a fetch the same read into the
     * register (a fill: a spilled value comes back), then the write */
    err = vf_check_mem_access(env, env->insn_idx, in->dst_reg, in->off, size, VF_READ, -1, 1, 0);
    if (!err && load_reg >= 0)
        err = vf_check_mem_access(env, env->insn_idx, in->dst_reg, in->off, size, VF_READ, load_reg, 1, 0);
    if (err)
        return err;
    return vf_check_mem_access(env, env->insn_idx, in->dst_reg, in->off, size, VF_WRITE, -1, 1, 0);
}

int vf_check_ld_abs(struct vf_env *env, const struct bpf_insn *in)
{
    struct vf_reg *regs = vf_regs(env);
    int err;

    if (env->type != BPF_PROG_TYPE_SOCKET_FILTER && env->type != BPF_PROG_TYPE_SCHED_CLS &&
        env->type != BPF_PROG_TYPE_SCHED_ACT)
        return vf_reject(env, -EINVAL, env->insn_idx, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
    if ((err = vf_check_reg_read(env, BPF_REG_6)))
        return err;
    if (vf_ref_check_leak(env, env->cur, 0))
        return vf_reject(env, -EINVAL, env->insn_idx, "BPF_LD_[ABS|IND] cannot be mixed with socket references");
    if (env->cur->active_lock_id)
        return vf_reject(env, -EINVAL, env->insn_idx, "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
    if (regs[BPF_REG_6].type != VF_PTR_TO_CTX)
        return vf_reject(env, -EINVAL, env->insn_idx, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
    if (BPF_MODE(in->code) == BPF_IND && (err = vf_check_reg_read(env, in->src_reg)))
        return err;
    if ((err = ptr_off_fixed(env, &regs[BPF_REG_6], BPF_REG_6, 0)))
        return err;
    env->has_ld_abs = 1;
    env->sub[vf_subprog_of(env, env->insn_idx)].has_ld_abs = 1;
    /* the caller-saved registers are clobbered; r0 is the loaded value */
    for (int i = BPF_REG_1; i <= BPF_REG_5; i++)
        vf_mark_not_init(&regs[i]);
    vf_reg_unknown(env, &regs[BPF_REG_0]);
    return 0;
}

int vf_check_helper_mem(struct vf_env *env, uint32_t regno, int64_t size, int zero_ok, int write, int uninit_ok)
{
    struct vf_reg *r = &vf_regs(env)[regno];

    switch (r->type) {
    case VF_PTR_TO_PACKET:
    case VF_PTR_TO_PACKET_META: return pkt_access(env, regno, r, r->off, (int)size, zero_ok);
    case VF_PTR_TO_MAP_KEY:
        if (write)
            return vf_reject(env, -EACCES, env->insn_idx, "R%u cannot write into %s", regno, vf_type_name(r));
        return region_access(env, regno, r, r->off, (int)size, r->mem_size ? r->mem_size : r->map->key_size, zero_ok);
    case VF_PTR_TO_MAP_VALUE:
        if (write && (r->map->map_flags & BPF_F_RDONLY_PROG))
            return vf_reject(env, -EACCES, env->insn_idx, "write into map forbidden, value_size=%d off=%d size=%d",
                             r->map->value_size, r->off, (int)size);
        if (!write && (r->map->map_flags & BPF_F_WRONLY_PROG))
            return vf_reject(env, -EACCES, env->insn_idx, "read from map forbidden, value_size=%d off=%d size=%d",
                             r->map->value_size, r->off, (int)size);
        return map_access(env, regno, r, r->off, (int)size, zero_ok, 0);
    case VF_PTR_TO_MEM:
    case VF_PTR_TO_BUF:
        if (write && (r->flags & VF_RDONLY))
            return vf_reject(env, -EACCES, env->insn_idx, "R%u cannot write into %s", regno, vf_type_name(r));
        return region_access(env, regno, r, r->off, (int)size, r->mem_size, zero_ok);
    case VF_PTR_TO_STACK:
        if (size == 0 && !zero_ok)
            return vf_reject(env, -EACCES, env->insn_idx, "invalid zero-sized read");
        return vf_stack_range_init(env, regno, r->off, (int)size, uninit_ok, write);
    case VF_PTR_TO_CTX:
        /* helpers may read the context itself (bpf_skb_* pass ctx as memory rarely) */
        return vf_reject(env, -EACCES, env->insn_idx, "R%u type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem",
                         regno, vf_type_name(r));
    default:
        if (r->type == VF_SCALAR && tnum_equals_const(r->var_off, 0) && zero_ok)
            return 0;
        return vf_reject(env, -EACCES, env->insn_idx,
                         "R%u type=%s expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf",
                         regno, vf_type_name(r));
    }
}

const char *vf_map_name(const struct bpfrt_map *m)
{
    return m->name;
}

int vf_map_spin_lock_off(const struct bpfrt_map *m)
{
    return m->spin_lock_off;
}

int vf_map_read_const(struct bpfrt_map *m, int64_t off, int size, uint64_t *val)
{
    uint32_t zero = 0;
    const uint8_t *v;

    /* bpf_map_is_rdonly: read-only for programs and frozen for user space */
    if (!(m->map_flags & BPF_F_RDONLY_PROG) || !*map_frozen_word(m) || m->type != BPF_MAP_TYPE_ARRAY ||
        !m->ops->lookup)
        return 0;
    if (off < 0 || off + size > (int64_t)m->value_size)
        return 0;
    v = m->ops->lookup(m, &zero, 0);
    if (!v)
        return 0;
    switch (size) {
    case 1: *val = v[off]; break;
    case 2: { uint16_t x; memcpy(&x, v + off, 2); *val = x; break; }
    case 4: { uint32_t x; memcpy(&x, v + off, 4); *val = x; break; }
    default: memcpy(val, v + off, 8); break;
    }
    return 1;
}

static int narrow_ok(int32_t off, int size, int size_default)
{
    (void)off;
    return size <= size_default && !(size & (size - 1));
}

int vf_sock_field_ok(uint8_t type, int32_t off, int size, int *ok)
{
    const int d = 4;

    *ok = 0;
    if (off < 0 || size <= 0 || off % size)
        return 1;
    if (type == VF_PTR_TO_TCP_SOCK) {
        if (off >= (int32_t)(offsetof(struct bpf_tcp_sock, icsk_retransmits) + 4))
            return 1;
        if (off == offsetof(struct bpf_tcp_sock, bytes_received) || off == offsetof(struct bpf_tcp_sock, bytes_acked))
            *ok = size == 8;
        else
            *ok = size == 4;
        return 1;
    }
    if (type == VF_PTR_TO_XDP_SOCK) {
        *ok = off == offsetof(struct bpf_xdp_sock, queue_id) && size == 4;
        return 1;
    }
    if (off >= (int32_t)sizeof(struct bpf_sock))
        return 1;
    if (type == VF_PTR_TO_SOCK_COMMON && off >= (int32_t)offsetof(struct bpf_sock, type) &&
        off < (int32_t)offsetofend_sock_priority())
        return 1;
    if (off == offsetof(struct bpf_sock, state) || off == offsetof(struct bpf_sock, family) ||
        off == offsetof(struct bpf_sock, type) || off == offsetof(struct bpf_sock, protocol) ||
        off == offsetof(struct bpf_sock, src_port) || off == offsetof(struct bpf_sock, rx_queue_mapping) ||
        (off >= (int32_t)offsetof(struct bpf_sock, src_ip4) && off < (int32_t)offsetof(struct bpf_sock, src_ip4) + 4) ||
        (off >= (int32_t)offsetof(struct bpf_sock, src_ip6) && off < (int32_t)offsetof(struct bpf_sock, src_ip6) + 16) ||
        (off >= (int32_t)offsetof(struct bpf_sock, dst_ip4) && off < (int32_t)offsetof(struct bpf_sock, dst_ip4) + 4) ||
        (off >= (int32_t)offsetof(struct bpf_sock, dst_ip6) && off < (int32_t)offsetof(struct bpf_sock, dst_ip6) + 16)) {
        *ok = narrow_ok(off, size, d);
        return 1;
    }
    if (off >= (int32_t)offsetof(struct bpf_sock, dst_port) && off < (int32_t)offsetof(struct bpf_sock, dst_port) + 2) {
        *ok = size == d || narrow_ok(off, size, 2);
        return 1;
    }
    *ok = size == d;
    return 1;
}

int64_t vf_stack_const_key(struct vf_env *env, const struct vf_reg *r, uint32_t key_size)
{
    struct vf_frame *f;
    int64_t soff;
    uint32_t spi, b, zero_size = 0, spill_size = 0;
    struct vf_slot *s;

    /* get_constant_map_key (privileged only): a key at a constant stack
     * offset whose bytes, from the key up to the slot's top, are zeros,
     * or a spilled constant scalar spilled with exactly the key's size
     * (its whole value is the key, as the kernel takes it); that slot is
     * then precise. */
    if (!env->priv || r->type != VF_PTR_TO_STACK || !tnum_is_const(r->var_off))
        return -1;
    f = reg_frame(env, r);
    soff = r->off + (int64_t)r->var_off.value;
    if (soff >= 0 || soff < -VF_STACK_SIZE || (uint32_t)(-soff) > f->allocated)
        return -1;
    slot_of(soff, &spi, &b);
    s = &f->slots[spi];
    for (uint32_t i = b; i < 8 && s->type[i] == VF_STACK_ZERO; i++)
        zero_size++;
    if (zero_size >= key_size)
        return 0;
    if (s->type[0] != VF_STACK_SPILL || s->spilled.type != VF_SCALAR)
        return -1;
    for (uint32_t i = b; i < 8 && s->type[i] == VF_STACK_SPILL; i++)
        spill_size++;
    if (spill_size != key_size || !tnum_is_const(s->spilled.var_off))
        return -1;
    if (f != vf_cur_frame(env))
        return -1; /* precision is marked from the current frame only */
    if (vf_mark_chain_precision_stack(env, spi) < 0)
        return -1;
    return (int64_t)s->spilled.var_off.value;
}
