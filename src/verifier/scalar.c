/* scalar.c - what the verifier knows of a scalar: its known bits (var_off)
 * and four ranges (signed and unsigned, 64- and 32-bit), kept consistent
 * with one another, and how each ALU instruction transforms them.
 *
 * This is the kernel's scalar tracking (kernel/bpf/verifier.c:
 * __mark_reg_known/unknown, reg_bounds_sync and its helpers,
 * adjust_scalar_min_max_vals with the scalar{32,}_min_max_* families,
 * coerce_reg_to_size{,_sx}), at the precision of the running 6.18 kernel,
 * which is the oracle: a value tracked more precisely than the kernel's
 * would make bpfrt accept programs the kernel refuses, a less precise one
 * refuse programs it accepts.  Learned from the kernel and checked against
 * the 6.18 verifier's log; written afresh.
 *
 * Every result must hold every concrete result of the operation on the
 * values the operands may have (soundness); tests/unit/test_vf_scalar.c
 * checks that property on random inputs. */
#include <stdint.h>
#include <string.h>

#include "verifier/vstate.h"

#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX
#define S32_MIN INT32_MIN
#define S32_MAX INT32_MAX
#define S64_MIN INT64_MIN
#define S64_MAX INT64_MAX

static inline uint64_t umax64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline uint64_t umin64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline int64_t smax64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t smin64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline uint32_t umax32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static inline uint32_t umin32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline int32_t smax32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t smin32(int32_t a, int32_t b) { return a < b ? a : b; }

/* ---- whole-register states ------------------------------------------ */

static void mark_reg64_unbounded(struct vf_reg *r)
{
    r->smin = S64_MIN;
    r->smax = S64_MAX;
    r->umin = 0;
    r->umax = U64_MAX;
}

static void mark_reg32_unbounded(struct vf_reg *r)
{
    r->s32_min = S32_MIN;
    r->s32_max = S32_MAX;
    r->u32_min = 0;
    r->u32_max = U32_MAX;
}

void vf_mark_unbounded(struct vf_reg *r)
{
    mark_reg64_unbounded(r);
    mark_reg32_unbounded(r);
}

static void set_known_ranges(struct vf_reg *r, uint64_t v)
{
    r->var_off = tnum_const(v);
    r->smin = r->smax = (int64_t)v;
    r->umin = r->umax = v;
    r->s32_min = r->s32_max = (int32_t)(uint32_t)v;
    r->u32_min = r->u32_max = (uint32_t)v;
}

/* The low 32 bits become the constant v; the upper half is untouched (the
 * kernel's __mark_reg32_known). */
static void mark_reg32_known(struct vf_reg *r, uint32_t v)
{
    r->var_off = tnum_const_subreg(r->var_off, v);
    r->s32_min = r->s32_max = (int32_t)v;
    r->u32_min = r->u32_max = v;
}

/* What the kernel's memset in __mark_reg_unknown/__mark_reg_known clears:
 * the pointer part of the register (off, what it points to, flags). */
static void clear_pointer_part(struct vf_reg *r)
{
    r->flags = 0;
    r->off = 0;
    r->link = 0;
    r->link_off = 0;
    r->map = NULL;
    r->range = 0;
    r->mem_size = 0;
    r->subprog = 0;
    r->btf_id = 0;
}

/* __mark_reg_unknown: a scalar that may be anything.  The kernel makes it
 * precise when the verifier is unprivileged (precise = !bpf_capable); this
 * leaves it imprecise and the caller sets precise in unprivileged mode.
 * Liveness and the parent chain are kept, as the kernel keeps them. */
void vf_mark_unknown(struct vf_reg *r)
{
    clear_pointer_part(r);
    r->type = VF_SCALAR;
    r->id = 0;
    r->ref_obj_id = 0;
    r->frameno = 0;
    r->precise = 0;
    r->var_off = tnum_unknown;
    vf_mark_unbounded(r);
}

/* __mark_reg_known: the constant v.  The kernel keeps the type (its
 * callers set it); this is the scalar form, so the type is SCALAR.
 * precise, frameno and liveness are left as they were, as the kernel's
 * memset (which stops at var_off) leaves them. */
void vf_mark_known(struct vf_reg *r, uint64_t v)
{
    clear_pointer_part(r);
    r->type = VF_SCALAR;
    r->id = 0;
    r->ref_obj_id = 0;
    set_known_ranges(r, v);
}

void vf_mark_known_zero(struct vf_reg *r)
{
    vf_mark_known(r, 0);
}

/* __mark_reg_not_init: unknown, then NOT_INIT. */
void vf_mark_not_init(struct vf_reg *r)
{
    vf_mark_unknown(r);
    r->type = VF_NOT_INIT;
}

void vf_reset_var_off(struct vf_reg *r)
{
    r->var_off = tnum_unknown;
    vf_mark_unbounded(r);
}

int vf_reg_is_const(const struct vf_reg *r)
{
    return tnum_is_const(r->var_off);
}

int vf_reg_is_const32(const struct vf_reg *r)
{
    return tnum_subreg_is_const(r->var_off);
}

/* ---- bounds synchronisation (reg_bounds_sync) ------------------------ */

/* The ranges from the known bits: the smallest value has every unknown bit
 * clear (but the sign bit set when unknown), the largest every unknown bit
 * set (but the sign bit clear).  The kernel's __update_reg32_bounds. */
static void update_reg32_bounds(struct vf_reg *r)
{
    struct tnum t = tnum_subreg(r->var_off);
    uint32_t v = (uint32_t)t.value, m = (uint32_t)t.mask;

    r->s32_min = smax32(r->s32_min, (int32_t)(v | (m & 0x80000000u)));
    r->s32_max = smin32(r->s32_max, (int32_t)(v | (m & 0x7fffffffu)));
    r->u32_min = umax32(r->u32_min, v);
    r->u32_max = umin32(r->u32_max, v | m);
}

/* The smallest member of t that is >= y, in *x; 0 when there is none.
 * Above the highest fixed bit where y differs from t, y's bits stay; at
 * that bit t either already exceeds y (the fixed bits below take t's
 * values, the unknown ones 0), or y must grow at the lowest unknown bit
 * above it that y has clear. */
static int tnum_member_ge(struct tnum t, uint64_t y, uint64_t *x)
{
    uint64_t d = (y ^ t.value) & ~t.mask, low, free;
    int h, p;

    if (!d) {
        *x = y; /* y itself is a member */
        return 1;
    }
    h = 63 - __builtin_clzll(d);
    low = h == 63 ? ~0ull : ((2ull << h) - 1); /* bits h..0 */
    if ((t.value >> h) & 1) {
        *x = (y & ~low) | (t.value & low);
        return 1;
    }
    free = t.mask & ~y & ~low; /* unknown bits above h that y has clear */
    if (!free)
        return 0;
    p = __builtin_ctzll(free);
    low = (2ull << p) - 1; /* bits p..0 */
    *x = (y & ~low) | (1ull << p) | (t.value & (low >> 1));
    return 1;
}

static void update_reg64_bounds(struct vf_reg *r)
{
    uint64_t v = r->var_off.value, m = r->var_off.mask, a, b;

    r->smin = smax64(r->smin, (int64_t)(v | (m & ((uint64_t)1 << 63))));
    r->smax = smin64(r->smax, (int64_t)(v | (m & ~((uint64_t)1 << 63))));
    r->umin = umax64(r->umin, v);
    r->umax = umin64(r->umax, v | m);
    /* The known bits and the unsigned range meet in a single value: it is
     * the value (6.18: "if w1 == 0" on w1 & 4 leaves 4; the 32-bit halves
     * are not narrowed this way) */
    if (m && r->umin <= r->umax && tnum_member_ge(r->var_off, r->umin, &a) && a <= r->umax &&
        (a == UINT64_MAX || !tnum_member_ge(r->var_off, a + 1, &b) || b > r->umax)) {
        r->var_off = tnum_const(a);
        r->umin = r->umax = a;
        r->smin = r->smax = (int64_t)a;
        r->u32_min = r->u32_max = (uint32_t)a;
        r->s32_min = r->s32_max = (int32_t)a;
    }
}

static void update_reg_bounds(struct vf_reg *r)
{
    update_reg32_bounds(r);
    update_reg64_bounds(r);
}

/* The 32-bit ranges from the 64-bit ones and from each other (the kernel's
 * __reg32_deduce_bounds, 6.18 with the sign-boundary case). */
static void reg32_deduce_bounds(struct vf_reg *r)
{
    /* When the upper halves of the u64 (or s64) range agree, the lower
     * halves of its ends bound the 32-bit value. */
    if ((r->umin >> 32) == (r->umax >> 32)) {
        r->u32_min = umax32(r->u32_min, (uint32_t)r->umin);
        r->u32_max = umin32(r->u32_max, (uint32_t)r->umax);
        if ((int32_t)r->umin <= (int32_t)r->umax) {
            r->s32_min = smax32(r->s32_min, (int32_t)r->umin);
            r->s32_max = smin32(r->s32_max, (int32_t)r->umax);
        }
    }
    if ((r->smin >> 32) == (r->smax >> 32)) {
        if ((uint32_t)r->smin <= (uint32_t)r->smax) {
            r->u32_min = umax32(r->u32_min, (uint32_t)r->smin);
            r->u32_max = umin32(r->u32_max, (uint32_t)r->smax);
        }
        if ((int32_t)r->smin <= (int32_t)r->smax) {
            r->s32_min = smax32(r->s32_min, (int32_t)r->smin);
            r->s32_max = smin32(r->s32_max, (int32_t)r->smax);
        }
    }
    /* Upper halves that are two consecutive numbers, with the lower half
     * going from negative to non-negative: still one s32 range (e.g. s64
     * [-1, 1] is s32 [-1, 1]). */
    if ((uint32_t)(r->umin >> 32) + 1 == (uint32_t)(r->umax >> 32) && (int32_t)r->umin < 0 &&
        (int32_t)r->umax >= 0) {
        r->s32_min = smax32(r->s32_min, (int32_t)r->umin);
        r->s32_max = smin32(r->s32_max, (int32_t)r->umax);
    }
    if ((uint32_t)((uint64_t)r->smin >> 32) + 1 == (uint32_t)((uint64_t)r->smax >> 32) && (int32_t)r->smin < 0 &&
        (int32_t)r->smax >= 0) {
        r->s32_min = smax32(r->s32_min, (int32_t)r->smin);
        r->s32_max = smin32(r->s32_max, (int32_t)r->smax);
    }
    /* A u32 range that does not cross the sign bit is an s32 range. */
    if ((int32_t)r->u32_min <= (int32_t)r->u32_max) {
        r->s32_min = smax32(r->s32_min, (int32_t)r->u32_min);
        r->s32_max = smin32(r->s32_max, (int32_t)r->u32_max);
    }
    if ((uint32_t)r->s32_min <= (uint32_t)r->s32_max) {
        /* An s32 range that does not cross zero is a u32 range. */
        r->u32_min = umax32(r->u32_min, (uint32_t)r->s32_min);
        r->u32_max = umin32(r->u32_max, (uint32_t)r->s32_max);
    } else if (r->u32_max < (uint32_t)r->s32_min) {
        /* The s32 range crosses zero ([smin, -1] and [0, smax] in u32
         * terms) and the u32 range meets only its non-negative part. */
        r->s32_min = (int32_t)r->u32_min;
        r->u32_max = umin32(r->u32_max, (uint32_t)r->s32_max);
    } else if ((uint32_t)r->s32_max < r->u32_min) {
        /* ... or only its negative part. */
        r->s32_max = (int32_t)r->u32_max;
        r->u32_min = umax32(r->u32_min, (uint32_t)r->s32_min);
    }
}

/* The 64-bit signed and unsigned ranges from each other (the kernel's
 * __reg64_deduce_bounds, 6.18 with the sign-boundary case). */
static void reg64_deduce_bounds(struct vf_reg *r)
{
    if ((int64_t)r->umin <= (int64_t)r->umax) {
        r->smin = smax64(r->smin, (int64_t)r->umin);
        r->smax = smin64(r->smax, (int64_t)r->umax);
    }
    if ((uint64_t)r->smin <= (uint64_t)r->smax) {
        r->umin = umax64(r->umin, (uint64_t)r->smin);
        r->umax = umin64(r->umax, (uint64_t)r->smax);
    } else if (r->umax < (uint64_t)r->smin) {
        r->smin = (int64_t)r->umin;
        r->umax = umin64(r->umax, (uint64_t)r->smax);
    } else if ((uint64_t)r->smax < r->umin) {
        r->smax = (int64_t)r->umax;
        r->umin = umax64(r->umin, (uint64_t)r->smin);
    }
}

/* The 64-bit ranges from the 32-bit ones (the kernel's
 * __reg_deduce_mixed_bounds). */
static void reg_deduce_mixed_bounds(struct vf_reg *r)
{
    /* The ends of the 64-bit ranges with their low halves replaced by the
     * u32 bounds are still bounds. */
    uint64_t new_umin = (r->umin & ~(uint64_t)U32_MAX) | r->u32_min;
    uint64_t new_umax = (r->umax & ~(uint64_t)U32_MAX) | r->u32_max;
    r->umin = umax64(r->umin, new_umin);
    r->umax = umin64(r->umax, new_umax);
    int64_t new_smin = (int64_t)(((uint64_t)r->smin & ~(uint64_t)U32_MAX) | r->u32_min);
    int64_t new_smax = (int64_t)(((uint64_t)r->smax & ~(uint64_t)U32_MAX) | r->u32_max);
    r->smin = smax64(r->smin, new_smin);
    r->smax = smin64(r->smax, new_smax);

    /* Within [S32_MIN, S32_MAX] as s64 (a sign-extended 32-bit value) with
     * a non-negative s32 part, the upper half cannot be all ones: the value
     * is the s32 range itself. */
    if (r->s32_min >= 0 && r->smin >= S32_MIN && r->smax <= S32_MAX) {
        r->smin = r->s32_min;
        r->smax = r->s32_max;
        r->umin = (uint64_t)(int64_t)r->s32_min;
        r->umax = (uint64_t)(int64_t)r->s32_max;
        r->var_off = tnum_intersect(r->var_off, tnum_range((uint64_t)r->smin, (uint64_t)r->smax));
    }
}

static void reg_deduce_bounds(struct vf_reg *r)
{
    reg32_deduce_bounds(r);
    reg64_deduce_bounds(r);
    reg_deduce_mixed_bounds(r);
}

/* Known bits from the unsigned ranges (the kernel's __reg_bound_offset). */
static void reg_bound_offset(struct vf_reg *r)
{
    struct tnum t64 = tnum_intersect(r->var_off, tnum_range(r->umin, r->umax));
    struct tnum t32 = tnum_intersect(tnum_subreg(t64), tnum_range(r->u32_min, r->u32_max));
    r->var_off = tnum_or(tnum_clear_subreg(t64), t32);
}

void vf_reg_bounds_sync(struct vf_reg *r)
{
    update_reg_bounds(r);
    /* Twice, as the kernel does: one pass's deductions feed the next. */
    reg_deduce_bounds(r);
    reg_deduce_bounds(r);
    reg_bound_offset(r);
    /* The narrowed var_off may narrow the ranges again. */
    update_reg_bounds(r);
}

/* The kernel's reg_bounds_sanity_check conditions, plus the known bits
 * against the unsigned ranges. */
int vf_reg_bounds_sane(const struct vf_reg *r)
{
    if (r->umin > r->umax || r->smin > r->smax || r->u32_min > r->u32_max || r->s32_min > r->s32_max)
        return 0;
    if (r->var_off.value & r->var_off.mask)
        return 0;
    if (r->var_off.value > r->umax || (r->var_off.value | r->var_off.mask) < r->umin)
        return 0;
    if (tnum_is_const(r->var_off)) {
        uint64_t v = r->var_off.value;
        if (r->umin != v || r->umax != v || r->smin != (int64_t)v || r->smax != (int64_t)v)
            return 0;
    }
    if (tnum_subreg_is_const(r->var_off)) {
        uint32_t v = (uint32_t)r->var_off.value;
        if (r->u32_min != v || r->u32_max != v || r->s32_min != (int32_t)v || r->s32_max != (int32_t)v)
            return 0;
    }
    return 1;
}

/* ---- width changes ---------------------------------------------------- */

/* The 64-bit ranges of a zero-extended 32-bit value (the kernel's
 * __reg_assign_32_into_64): the s32 range carries over when it is
 * non-negative; otherwise [0, U32_MAX], refined later from the tnum. */
static void zext_32_to_64(struct vf_reg *r)
{
    r->var_off = tnum_subreg(r->var_off);
    r->umin = r->u32_min;
    r->umax = r->u32_max;
    if (r->s32_min >= 0 && r->s32_max >= 0) {
        r->smin = r->s32_min;
        r->smax = r->s32_max;
    } else {
        r->smin = 0;
        r->smax = U32_MAX;
    }
}

void vf_zext_32_to_64(struct vf_reg *r)
{
    zext_32_to_64(r);
    vf_reg_bounds_sync(r);
}

/* coerce_reg_to_size: keep the low size bytes (a narrow load or move).
 * The u64 range survives when the truncated part is the same over the
 * whole range. */
void vf_coerce_to_size(struct vf_reg *r, int size)
{
    if (size <= 0 || size >= 8)
        return;
    r->var_off = tnum_cast(r->var_off, (uint8_t)size);
    uint64_t mask = ((uint64_t)1 << (size * 8)) - 1;
    if ((r->umin & ~mask) == (r->umax & ~mask)) {
        r->umin &= mask;
        r->umax &= mask;
    } else {
        r->umin = 0;
        r->umax = mask;
    }
    r->smin = (int64_t)r->umin;
    r->smax = (int64_t)r->umax;
    /* Narrower than 32 bits: the 32-bit ranges are truncated too, and
     * re-derived from the 64-bit ones. */
    if (size < 4)
        mark_reg32_unbounded(r);
    vf_reg_bounds_sync(r);
}

static int64_t sext_from(uint64_t v, int size)
{
    switch (size) {
    case 1:
        return (int8_t)v;
    case 2:
        return (int16_t)v;
    default:
        return (int32_t)v;
    }
}

/* coerce_reg_to_size_sx: sign-extend from size bytes to 64 bits.  From 8
 * or 16 bits: when the bits above the low size bytes are the same at both
 * ends of the s64 range and the ends' low parts have one sign, the result
 * is the range of the sign-extended ends; otherwise the type's range
 * [-2^(n-1), 2^(n-1)-1], and no bounds sync afterwards, as the kernel
 * (BPF_MOVSX64, LDSX).  From 32 bits see below. */
void vf_sext(struct vf_reg *r, int size)
{
    if (size != 1 && size != 2 && size != 4)
        return;
    if (tnum_is_const(r->var_off)) {
        set_known_ranges(r, (uint64_t)sext_from(r->var_off.value, size));
        return;
    }
    if (size == 4) {
        /* From 32 bits, 6.18 takes the s32 range as the s64 one (exact:
         * the low half is unchanged and read as signed), keeps the 32-bit
         * ranges and re-derives the rest (the kernel's log: w in u32
         * [59, max] gives r = (s32)w umin=umin32=59, s64 [S32_MIN,
         * S32_MAX]). */
        r->smin = r->s32_min;
        r->smax = r->s32_max;
        r->umin = 0;
        r->umax = U64_MAX;
        r->var_off = tnum_unknown;
        vf_reg_bounds_sync(r);
        return;
    }
    int bits = size * 8;
    uint64_t top_max = ((uint64_t)r->smax >> bits) << bits;
    uint64_t top_min = ((uint64_t)r->smin >> bits) << bits;
    if (top_max == top_min) {
        int64_t a = sext_from((uint64_t)r->smax, size), b = sext_from((uint64_t)r->smin, size);
        int64_t hi = smax64(a, b), lo = smin64(a, b);
        if ((hi >= 0) == (lo >= 0)) {
            r->smin = lo;
            r->smax = hi;
            r->s32_min = (int32_t)lo;
            r->s32_max = (int32_t)hi;
            r->umin = (uint64_t)lo;
            r->umax = (uint64_t)hi;
            r->u32_min = (uint32_t)lo;
            r->u32_max = (uint32_t)hi;
            r->var_off = tnum_range((uint64_t)lo, (uint64_t)hi);
            return;
        }
    }
    int64_t lim = (int64_t)1 << (bits - 1);
    r->smin = -lim;
    r->smax = lim - 1;
    r->s32_min = (int32_t)-lim;
    r->s32_max = (int32_t)(lim - 1);
    r->umin = 0;
    r->umax = U64_MAX;
    r->u32_min = 0;
    r->u32_max = U32_MAX;
    r->var_off = tnum_unknown;
}

void vf_sext_32_to_64(struct vf_reg *r)
{
    vf_sext(r, 4);
}

/* coerce_subreg_to_size_sx then the 32-bit result's zero extension: the
 * whole effect of BPF_ALU | BPF_MOV | BPF_X with off 8 or 16 (w = (s8)w,
 * w = (s16)w) on a scalar. */
void vf_sext32(struct vf_reg *r, int size)
{
    if (size != 1 && size != 2)
        return;
    if (tnum_is_const(r->var_off)) {
        uint64_t v = (uint64_t)sext_from(r->var_off.value, size);
        r->var_off = tnum_const(v);
        r->s32_min = r->s32_max = (int32_t)(uint32_t)v;
        r->u32_min = r->u32_max = (uint32_t)v;
    } else {
        int bits = size * 8;
        uint32_t top_max = ((uint32_t)r->s32_max >> bits) << bits;
        uint32_t top_min = ((uint32_t)r->s32_min >> bits) << bits;
        int done = 0;
        if (top_max == top_min) {
            int32_t a = (int32_t)sext_from((uint32_t)r->s32_max, size);
            int32_t b = (int32_t)sext_from((uint32_t)r->s32_min, size);
            int32_t hi = smax32(a, b), lo = smin32(a, b);
            if ((hi >= 0) == (lo >= 0)) {
                r->s32_min = lo;
                r->s32_max = hi;
                r->u32_min = (uint32_t)lo;
                r->u32_max = (uint32_t)hi;
                r->var_off = tnum_subreg(tnum_range((uint64_t)(int64_t)lo, (uint64_t)(int64_t)hi));
                done = 1;
            }
        }
        if (!done) {
            int32_t lim = (int32_t)1 << (bits - 1);
            r->s32_min = -lim;
            r->s32_max = lim - 1;
            r->u32_min = 0;
            r->u32_max = U32_MAX;
            r->var_off = tnum_subreg(tnum_unknown);
        }
    }
    vf_zext_32_to_64(r);
}

/* ---- arithmetic: the scalar{32,}_min_max_* families -------------------- */

/* ADD: the signed ranges overflow as a whole or not at all; the unsigned
 * ones may also wrap as a whole (every sum overflows: 6.18 keeps the
 * wrapped range), only a partial wrap loses them. */
static void add32(struct vf_reg *d, const struct vf_reg *s)
{
    int32_t lo, hi;
    if (__builtin_add_overflow(d->s32_min, s->s32_min, &lo) || __builtin_add_overflow(d->s32_max, s->s32_max, &hi)) {
        d->s32_min = S32_MIN;
        d->s32_max = S32_MAX;
    } else {
        d->s32_min = lo;
        d->s32_max = hi;
    }
    uint32_t ulo, uhi;
    int o_min = __builtin_add_overflow(d->u32_min, s->u32_min, &ulo);
    int o_max = __builtin_add_overflow(d->u32_max, s->u32_max, &uhi);
    if (!o_min && o_max) {
        d->u32_min = 0;
        d->u32_max = U32_MAX;
    } else {
        d->u32_min = ulo;
        d->u32_max = uhi;
    }
}

static void add64(struct vf_reg *d, const struct vf_reg *s)
{
    int64_t lo, hi;
    if (__builtin_add_overflow(d->smin, s->smin, &lo) || __builtin_add_overflow(d->smax, s->smax, &hi)) {
        d->smin = S64_MIN;
        d->smax = S64_MAX;
    } else {
        d->smin = lo;
        d->smax = hi;
    }
    uint64_t ulo, uhi;
    int o_min = __builtin_add_overflow(d->umin, s->umin, &ulo);
    int o_max = __builtin_add_overflow(d->umax, s->umax, &uhi);
    if (!o_min && o_max) {
        d->umin = 0;
        d->umax = U64_MAX;
    } else {
        d->umin = ulo;
        d->umax = uhi;
    }
}

/* SUB: dst - src ranges from [dmin - smax, dmax - smin]; unsigned, all
 * differences underflowing together keeps the wrapped range (6.18). */
static void sub32(struct vf_reg *d, const struct vf_reg *s)
{
    int32_t lo, hi;
    if (__builtin_sub_overflow(d->s32_min, s->s32_max, &lo) || __builtin_sub_overflow(d->s32_max, s->s32_min, &hi)) {
        d->s32_min = S32_MIN;
        d->s32_max = S32_MAX;
    } else {
        d->s32_min = lo;
        d->s32_max = hi;
    }
    uint32_t ulo, uhi;
    int u_min = __builtin_sub_overflow(d->u32_min, s->u32_max, &ulo);
    int u_max = __builtin_sub_overflow(d->u32_max, s->u32_min, &uhi);
    if (u_min && !u_max) {
        d->u32_min = 0;
        d->u32_max = U32_MAX;
    } else {
        d->u32_min = ulo;
        d->u32_max = uhi;
    }
}

static void sub64(struct vf_reg *d, const struct vf_reg *s)
{
    int64_t lo, hi;
    if (__builtin_sub_overflow(d->smin, s->smax, &lo) || __builtin_sub_overflow(d->smax, s->smin, &hi)) {
        d->smin = S64_MIN;
        d->smax = S64_MAX;
    } else {
        d->smin = lo;
        d->smax = hi;
    }
    uint64_t ulo, uhi;
    int u_min = __builtin_sub_overflow(d->umin, s->umax, &ulo);
    int u_max = __builtin_sub_overflow(d->umax, s->umin, &uhi);
    if (u_min && !u_max) {
        d->umin = 0;
        d->umax = U64_MAX;
    } else {
        d->umin = ulo;
        d->umax = uhi;
    }
}

/* MUL: unsigned from the products of the ends unless one overflows;
 * signed from the four corner products unless one overflows (6.12+: also
 * for negative ranges). */
static void mul32(struct vf_reg *d, const struct vf_reg *s)
{
    uint32_t ulo, uhi;
    if (__builtin_mul_overflow(d->u32_max, s->u32_max, &uhi) || __builtin_mul_overflow(d->u32_min, s->u32_min, &ulo)) {
        d->u32_min = 0;
        d->u32_max = U32_MAX;
    } else {
        d->u32_min = ulo;
        d->u32_max = uhi;
    }
    int32_t p[4];
    if (__builtin_mul_overflow(d->s32_min, s->s32_min, &p[0]) || __builtin_mul_overflow(d->s32_min, s->s32_max, &p[1]) ||
        __builtin_mul_overflow(d->s32_max, s->s32_min, &p[2]) || __builtin_mul_overflow(d->s32_max, s->s32_max, &p[3])) {
        d->s32_min = S32_MIN;
        d->s32_max = S32_MAX;
    } else {
        d->s32_min = smin32(smin32(p[0], p[1]), smin32(p[2], p[3]));
        d->s32_max = smax32(smax32(p[0], p[1]), smax32(p[2], p[3]));
    }
}

static void mul64(struct vf_reg *d, const struct vf_reg *s)
{
    uint64_t ulo, uhi;
    if (__builtin_mul_overflow(d->umax, s->umax, &uhi) || __builtin_mul_overflow(d->umin, s->umin, &ulo)) {
        d->umin = 0;
        d->umax = U64_MAX;
    } else {
        d->umin = ulo;
        d->umax = uhi;
    }
    int64_t p[4];
    if (__builtin_mul_overflow(d->smin, s->smin, &p[0]) || __builtin_mul_overflow(d->smin, s->smax, &p[1]) ||
        __builtin_mul_overflow(d->smax, s->smin, &p[2]) || __builtin_mul_overflow(d->smax, s->smax, &p[3])) {
        d->smin = S64_MIN;
        d->smax = S64_MAX;
    } else {
        d->smin = smin64(smin64(p[0], p[1]), smin64(p[2], p[3]));
        d->smax = smax64(smax64(p[0], p[1]), smax64(p[2], p[3]));
    }
}

/* After AND/OR/XOR the unsigned range is also the signed one when it does
 * not cross the sign bit; otherwise signed is unbounded. */
static void signed32_from_unsigned(struct vf_reg *d)
{
    if ((int32_t)d->u32_min <= (int32_t)d->u32_max) {
        d->s32_min = (int32_t)d->u32_min;
        d->s32_max = (int32_t)d->u32_max;
    } else {
        d->s32_min = S32_MIN;
        d->s32_max = S32_MAX;
    }
}

static void signed64_from_unsigned(struct vf_reg *d)
{
    if ((int64_t)d->umin <= (int64_t)d->umax) {
        d->smin = (int64_t)d->umin;
        d->smax = (int64_t)d->umax;
    } else {
        d->smin = S64_MIN;
        d->smax = S64_MAX;
    }
}

/* AND (var_off already the tnum AND): the minimum is the known-one bits,
 * the maximum at most either operand's maximum. */
static void and32(struct vf_reg *d, const struct vf_reg *s)
{
    struct tnum t = tnum_subreg(d->var_off);
    if (tnum_subreg_is_const(s->var_off) && tnum_subreg_is_const(d->var_off)) {
        mark_reg32_known(d, (uint32_t)t.value);
        return;
    }
    d->u32_min = (uint32_t)t.value;
    d->u32_max = umin32(d->u32_max, s->u32_max);
    signed32_from_unsigned(d);
}

static void and64(struct vf_reg *d, const struct vf_reg *s)
{
    if (tnum_is_const(s->var_off) && tnum_is_const(d->var_off)) {
        set_known_ranges(d, d->var_off.value);
        return;
    }
    d->umin = d->var_off.value;
    d->umax = umin64(d->umax, s->umax);
    signed64_from_unsigned(d);
    update_reg_bounds(d);
}

/* OR: the maximum has every possibly-set bit set, the minimum is at least
 * either operand's minimum. */
static void or32(struct vf_reg *d, const struct vf_reg *s)
{
    struct tnum t = tnum_subreg(d->var_off);
    if (tnum_subreg_is_const(s->var_off) && tnum_subreg_is_const(d->var_off)) {
        mark_reg32_known(d, (uint32_t)t.value);
        return;
    }
    d->u32_min = umax32(d->u32_min, s->u32_min);
    d->u32_max = (uint32_t)(t.value | t.mask);
    signed32_from_unsigned(d);
}

static void or64(struct vf_reg *d, const struct vf_reg *s)
{
    if (tnum_is_const(s->var_off) && tnum_is_const(d->var_off)) {
        set_known_ranges(d, d->var_off.value);
        return;
    }
    d->umin = umax64(d->umin, s->umin);
    d->umax = d->var_off.value | d->var_off.mask;
    signed64_from_unsigned(d);
    update_reg_bounds(d);
}

/* XOR: both ends from the known bits. */
static void xor32(struct vf_reg *d, const struct vf_reg *s)
{
    struct tnum t = tnum_subreg(d->var_off);
    if (tnum_subreg_is_const(s->var_off) && tnum_subreg_is_const(d->var_off)) {
        mark_reg32_known(d, (uint32_t)t.value);
        return;
    }
    d->u32_min = (uint32_t)t.value;
    d->u32_max = (uint32_t)(t.value | t.mask);
    signed32_from_unsigned(d);
}

static void xor64(struct vf_reg *d, const struct vf_reg *s)
{
    if (tnum_is_const(s->var_off) && tnum_is_const(d->var_off)) {
        set_known_ranges(d, d->var_off.value);
        return;
    }
    d->umin = d->var_off.value;
    d->umax = d->var_off.value | d->var_off.mask;
    signed64_from_unsigned(d);
    update_reg_bounds(d);
}

/* LSH of the 32-bit ranges by [smin, smax] bits: the sign is lost; the
 * unsigned range survives when no set bit can be shifted out. */
static void lsh32_ranges(struct vf_reg *d, uint64_t sh_min, uint64_t sh_max)
{
    d->s32_min = S32_MIN;
    d->s32_max = S32_MAX;
    if (sh_max > 31 || d->u32_max > ((uint64_t)1 << (31 - sh_max))) {
        d->u32_min = 0;
        d->u32_max = U32_MAX;
    } else {
        d->u32_min <<= sh_min;
        d->u32_max <<= sh_max;
    }
}

static void lsh32(struct vf_reg *d, const struct vf_reg *s)
{
    struct tnum sub = tnum_subreg(d->var_off);
    lsh32_ranges(d, s->u32_min, s->u32_max);
    d->var_off = tnum_subreg(tnum_lshift(sub, (uint8_t)s->u32_min));
    mark_reg64_unbounded(d);
    update_reg32_bounds(d);
}

static void lsh64(struct vf_reg *d, const struct vf_reg *s)
{
    uint64_t sh_min = s->umin, sh_max = s->umax;
    /* x << 32 (the first half of the compilers' sign extension "<<32 s>>32")
     * keeps a non-negative s32 range as the high half. */
    if (sh_min == 32 && sh_max == 32 && d->s32_max >= 0)
        d->smax = (int64_t)((uint64_t)(uint32_t)d->s32_max << 32);
    else
        d->smax = S64_MAX;
    if (sh_min == 32 && sh_max == 32 && d->s32_min >= 0)
        d->smin = (int64_t)((uint64_t)(uint32_t)d->s32_min << 32);
    else
        d->smin = S64_MIN;
    if (d->umax > ((uint64_t)1 << (63 - sh_max))) {
        d->umin = 0;
        d->umax = U64_MAX;
    } else {
        d->umin <<= sh_min;
        d->umax <<= sh_max;
    }
    /* Uses the unshifted 32-bit ranges above, so after them. */
    lsh32_ranges(d, sh_min, sh_max);
    d->var_off = tnum_lshift(d->var_off, (uint8_t)sh_min);
    update_reg_bounds(d);
}

/* RSH (logical): the signed ranges are dropped and re-derived from the
 * unsigned ones and the tnum. */
static void rsh32(struct vf_reg *d, const struct vf_reg *s)
{
    struct tnum sub = tnum_subreg(d->var_off);
    d->s32_min = S32_MIN;
    d->s32_max = S32_MAX;
    d->var_off = tnum_rshift(sub, (uint8_t)s->u32_min);
    d->u32_min >>= s->u32_max;
    d->u32_max >>= s->u32_min;
    mark_reg64_unbounded(d);
    update_reg32_bounds(d);
}

static void rsh64(struct vf_reg *d, const struct vf_reg *s)
{
    d->smin = S64_MIN;
    d->smax = S64_MAX;
    d->var_off = tnum_rshift(d->var_off, (uint8_t)s->umin);
    d->umin >>= s->umax;
    d->umax >>= s->umin;
    /* Which bits shift into the low half is not tracked: recomputed from
     * the tnum. */
    mark_reg32_unbounded(d);
    update_reg_bounds(d);
}

/* ARSH by a constant (the only case that gets here): the signed range
 * shifts monotonically; the unsigned one is re-derived. */
static void arsh32(struct vf_reg *d, const struct vf_reg *s)
{
    uint8_t sh = (uint8_t)s->u32_min;
    d->s32_min >>= sh;
    d->s32_max >>= sh;
    d->var_off = tnum_arshift(tnum_subreg(d->var_off), sh, 32);
    d->u32_min = 0;
    d->u32_max = U32_MAX;
    mark_reg64_unbounded(d);
    update_reg32_bounds(d);
}

static void arsh64(struct vf_reg *d, const struct vf_reg *s)
{
    uint8_t sh = (uint8_t)s->umin;
    d->smin >>= sh;
    d->smax >>= sh;
    d->var_off = tnum_arshift(d->var_off, sh, 64);
    d->umin = 0;
    d->umax = U64_MAX;
    mark_reg32_unbounded(d);
    update_reg_bounds(d);
}

/* The kernel's is_safe_to_compute_dst_reg_range (6.18). */
int vf_scalar_alu_safe(const struct vf_reg *src, uint8_t op, int alu32)
{
    switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_NEG:
    case BPF_AND:
    case BPF_XOR:
    case BPF_OR:
    case BPF_MUL:
        return 1;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
        int is_const;
        uint64_t width = alu32 ? 32 : 64;
        if (alu32)
            is_const = tnum_subreg_is_const(src->var_off) && src->s32_min == src->s32_max &&
                       src->u32_min == src->u32_max;
        else
            is_const = tnum_is_const(src->var_off) && src->smin == src->smax && src->umin == src->umax;
        /* The kernel compares the 64-bit umax with the width even for a
         * 32-bit shift.  (u32_max < 32 follows from it for consistent
         * bounds; checked so that inconsistent ones cannot make a C shift
         * out of range.) */
        return is_const && src->umax < width && (!alu32 || src->u32_max < 32);
    }
    default:
        /* DIV, MOD (signed or not): the 6.18 kernel does not track them. */
        return 0;
    }
}

void vf_scalar_alu(struct vf_reg *dst, const struct vf_reg *src, uint8_t op, int alu32)
{
    if (op == BPF_NEG) {
        vf_scalar_neg(dst, alu32);
        return;
    }
    if (!vf_scalar_alu_safe(src, op, alu32)) {
        /* __mark_reg_unknown, 64 bits, even for a 32-bit operation (the
         * kernel returns before the zero extension). */
        vf_mark_unknown(dst);
        return;
    }
    /* A copy: dst and src may be the same register (r1 += r1). */
    struct vf_reg s = *src;
    switch (op) {
    case BPF_ADD:
        add32(dst, &s);
        add64(dst, &s);
        dst->var_off = tnum_add(dst->var_off, s.var_off);
        break;
    case BPF_SUB:
        sub32(dst, &s);
        sub64(dst, &s);
        dst->var_off = tnum_sub(dst->var_off, s.var_off);
        break;
    case BPF_MUL:
        dst->var_off = tnum_mul(dst->var_off, s.var_off);
        mul32(dst, &s);
        mul64(dst, &s);
        break;
    case BPF_AND:
        dst->var_off = tnum_and(dst->var_off, s.var_off);
        and32(dst, &s);
        and64(dst, &s);
        break;
    case BPF_OR:
        dst->var_off = tnum_or(dst->var_off, s.var_off);
        or32(dst, &s);
        or64(dst, &s);
        break;
    case BPF_XOR:
        dst->var_off = tnum_xor(dst->var_off, s.var_off);
        xor32(dst, &s);
        xor64(dst, &s);
        break;
    case BPF_LSH:
        if (alu32)
            lsh32(dst, &s);
        else
            lsh64(dst, &s);
        break;
    case BPF_RSH:
        if (alu32)
            rsh32(dst, &s);
        else
            rsh64(dst, &s);
        break;
    case BPF_ARSH:
        if (alu32)
            arsh32(dst, &s);
        else
            arsh64(dst, &s);
        break;
    default:
        break;
    }
    if (alu32)
        zext_32_to_64(dst);
    vf_reg_bounds_sync(dst);
}

/* NEG as the kernel's adjust_scalar_min_max_vals does it: 0 - dst, whose
 * __mark_reg_known(dst, 0) also clears id and off. */
void vf_scalar_neg(struct vf_reg *dst, int alu32)
{
    struct vf_reg old = *dst;
    vf_clear_scalar_id(dst);
    dst->off = 0;
    set_known_ranges(dst, 0);
    sub32(dst, &old);
    sub64(dst, &old);
    dst->var_off = tnum_neg(old.var_off);
    if (alu32)
        zext_32_to_64(dst);
    vf_reg_bounds_sync(dst);
}

/* BPF_END (6.18 tracks it): a byte swap swaps the known bits and drops
 * the ranges; the 16- and 32-bit forms then keep only those bytes.  On a
 * little-endian host to-le is no swap (to-le 64 leaves the register as it
 * was, its id included), to-be and the ALU64 bswap swap.  No 32-bit zero
 * extension: to-be 64 of the ALU class is 64-bit. */
void vf_scalar_end(struct vf_reg *dst, uint8_t code, int32_t imm)
{
    int alu64 = BPF_CLASS(code) == BPF_ALU64;
    int to_le = BPF_SRC(code) == BPF_TO_LE;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    int swap = alu64 || to_le;
#else
    int swap = alu64 || !to_le;
#endif
    if (imm != 16 && imm != 32 && imm != 64)
        return; /* refused by the caller (invalid BPF_END size) */
    if (!swap && imm == 64)
        return;
    vf_clear_scalar_id(dst);
    if (swap) {
        if (imm == 16)
            dst->var_off = tnum_bswap16(dst->var_off);
        else if (imm == 32)
            dst->var_off = tnum_bswap32(dst->var_off);
        else
            dst->var_off = tnum_bswap64(dst->var_off);
        vf_mark_unbounded(dst);
    }
    if (imm == 16 || imm == 32)
        vf_coerce_to_size(dst, imm / 8);
    vf_reg_bounds_sync(dst);
}
