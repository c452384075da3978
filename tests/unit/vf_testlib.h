/* vf_testlib.h - helpers for the verifier's scalar tests: registers with
 * given ranges, membership of a concrete value in an abstract one, random
 * abstract values and members of them, and the concrete BPF semantics the
 * abstract operations must cover. */
#ifndef BPFRT_TESTS_VF_TESTLIB_H
#define BPFRT_TESTS_VF_TESTLIB_H

#include <stdint.h>
#include <string.h>

#include "verifier/vstate.h"

/* An unknown scalar narrowed to unsigned [lo, hi], synced as the kernel
 * would after two comparisons. */
static inline struct vf_reg vt_urange(uint64_t lo, uint64_t hi)
{
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    r.umin = lo;
    r.umax = hi;
    vf_reg_bounds_sync(&r);
    return r;
}

static inline struct vf_reg vt_srange(int64_t lo, int64_t hi)
{
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    r.smin = lo;
    r.smax = hi;
    vf_reg_bounds_sync(&r);
    return r;
}

static inline struct vf_reg vt_const(uint64_t v)
{
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_known(&r, v);
    return r;
}

static inline struct vf_reg vt_tnum(uint64_t value, uint64_t mask)
{
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    r.var_off = TNUM(value & ~mask, mask);
    vf_reg_bounds_sync(&r);
    return r;
}

/* Is v one of the values r stands for (its known bits and all six ranges)? */
static inline int vt_contains(const struct vf_reg *r, uint64_t v)
{
    if ((v & ~r->var_off.mask) != r->var_off.value)
        return 0;
    if (v < r->umin || v > r->umax)
        return 0;
    if ((int64_t)v < r->smin || (int64_t)v > r->smax)
        return 0;
    uint32_t w = (uint32_t)v;
    if (w < r->u32_min || w > r->u32_max)
        return 0;
    if ((int32_t)w < r->s32_min || (int32_t)w > r->s32_max)
        return 0;
    return 1;
}

/* xorshift64*: reproducible random numbers for the property tests. */
struct vt_rng {
    uint64_t s;
};

static inline uint64_t vt_next(struct vt_rng *g)
{
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 0x2545F4914F6CDD1Dull;
}

/* A value biased towards the interesting places: small, near the sign
 * boundaries, near the top, or anything. */
static inline uint64_t vt_value(struct vt_rng *g)
{
    uint64_t r = vt_next(g);
    uint64_t small = vt_next(g) % 64;
    switch (r % 8) {
    case 0:
        return small;
    case 1:
        return (uint64_t)0 - small;
    case 2:
        return ((uint64_t)1 << 63) + small - 32;
    case 3:
        return ((uint64_t)1 << 31) + small - 32;
    case 4:
        return ((uint64_t)1 << 32) + small - 32;
    case 5:
        return vt_next(g) & 0xffff;
    case 6:
        return (uint64_t)(int64_t)(int32_t)vt_next(g);
    default:
        return vt_next(g);
    }
}

/* A distance for range widths: 0, small, or large. */
static inline uint64_t vt_width(struct vt_rng *g)
{
    switch (vt_next(g) % 6) {
    case 0:
        return 0;
    case 1:
        return vt_next(g) % 4;
    case 2:
        return vt_next(g) % 300;
    case 3:
        return vt_next(g) & 0xffffffff;
    case 4:
        return vt_next(g) >> (vt_next(g) % 64);
    default:
        return UINT64_MAX;
    }
}

static inline uint64_t vt_sat_sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static inline uint64_t vt_sat_add(uint64_t a, uint64_t b)
{
    return UINT64_MAX - a < b ? UINT64_MAX : a + b;
}

/* A random abstract value built around a concrete x (so it is never
 * empty): some known bits of x, some ranges containing x, synced. */
static inline struct vf_reg vt_random_reg(struct vt_rng *g, uint64_t x)
{
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    unsigned pick = (unsigned)vt_next(g);
    if (pick % 5 == 0) {
        vf_mark_known(&r, x);
        return r;
    }
    if (pick & 0x8) {
        uint64_t mask = vt_next(g);
        if (vt_next(g) & 1)
            mask &= vt_next(g);
        if (vt_next(g) & 1)
            mask >>= vt_next(g) % 64;
        r.var_off = TNUM(x & ~mask, mask);
    }
    if (pick & 0x10) {
        r.umin = vt_sat_sub(x, vt_width(g));
        r.umax = vt_sat_add(x, vt_width(g));
    }
    if (pick & 0x20) {
        int64_t s = (int64_t)x;
        uint64_t dl = vt_width(g), dh = vt_width(g);
        r.smin = (uint64_t)s - (uint64_t)INT64_MIN < dl ? INT64_MIN : (int64_t)((uint64_t)s - dl);
        r.smax = (uint64_t)INT64_MAX - (uint64_t)s < dh ? INT64_MAX : (int64_t)((uint64_t)s + dh);
    }
    if (pick & 0x40) {
        uint32_t w = (uint32_t)x;
        uint32_t dl = (uint32_t)vt_width(g), dh = (uint32_t)vt_width(g);
        r.u32_min = w > dl ? w - dl : 0;
        r.u32_max = UINT32_MAX - w < dh ? UINT32_MAX : w + dh;
    }
    if (pick & 0x80) {
        int32_t w = (int32_t)(uint32_t)x;
        uint32_t dl = (uint32_t)vt_width(g) & 0x7fffffff, dh = (uint32_t)vt_width(g) & 0x7fffffff;
        r.s32_min = (int64_t)w - dl < INT32_MIN ? INT32_MIN : (int32_t)((int64_t)w - dl);
        r.s32_max = (int64_t)w + dh > INT32_MAX ? INT32_MAX : (int32_t)((int64_t)w + dh);
    }
    vf_reg_bounds_sync(&r);
    return r;
}

/* A random member of r, x when no other is found quickly. */
static inline uint64_t vt_member(struct vt_rng *g, const struct vf_reg *r, uint64_t x)
{
    for (int i = 0; i < 12; i++) {
        uint64_t c;
        switch (vt_next(g) % 6) {
        case 0:
            c = r->umin + (vt_next(g) % 4);
            break;
        case 1:
            c = r->umax - (vt_next(g) % 4);
            break;
        case 2:
            c = (uint64_t)r->smin + (vt_next(g) % 4);
            break;
        case 3:
            c = (uint64_t)r->smax - (vt_next(g) % 4);
            break;
        case 4:
            c = r->var_off.value | (vt_next(g) & r->var_off.mask);
            break;
        default: {
            uint64_t span = r->umax - r->umin;
            c = r->umin + (span == UINT64_MAX ? vt_next(g) : vt_next(g) % (span + 1));
            break;
        }
        }
        if (vt_contains(r, c))
            return c;
    }
    return x;
}

/* The concrete result of "a op b" as a BPF machine computes it (64-bit or
 * 32-bit with the result zero-extended; x/0 = 0, x%0 = x; shift amounts
 * masked to the width, as the interpreter and the JITs do). */
static inline uint64_t vt_alu(uint8_t op, uint64_t a, uint64_t b, int alu32)
{
    if (alu32) {
        uint32_t x = (uint32_t)a, y = (uint32_t)b;
        switch (op) {
        case BPF_ADD:
            return (uint32_t)(x + y);
        case BPF_SUB:
            return (uint32_t)(x - y);
        case BPF_MUL:
            return (uint32_t)(x * y);
        case BPF_DIV:
            return y ? x / y : 0;
        case BPF_MOD:
            return y ? x % y : x;
        case BPF_AND:
            return x & y;
        case BPF_OR:
            return x | y;
        case BPF_XOR:
            return x ^ y;
        case BPF_LSH:
            return (uint32_t)(x << (y & 31));
        case BPF_RSH:
            return x >> (y & 31);
        case BPF_ARSH:
            return (uint32_t)((int32_t)x >> (y & 31));
        case BPF_NEG:
            return (uint32_t)(0u - x);
        default:
            return 0;
        }
    }
    switch (op) {
    case BPF_ADD:
        return a + b;
    case BPF_SUB:
        return a - b;
    case BPF_MUL:
        return a * b;
    case BPF_DIV:
        return b ? a / b : 0;
    case BPF_MOD:
        return b ? a % b : a;
    case BPF_AND:
        return a & b;
    case BPF_OR:
        return a | b;
    case BPF_XOR:
        return a ^ b;
    case BPF_LSH:
        return a << (b & 63);
    case BPF_RSH:
        return a >> (b & 63);
    case BPF_ARSH:
        return (uint64_t)((int64_t)a >> (b & 63));
    case BPF_NEG:
        return 0 - a;
    default:
        return 0;
    }
}

/* Does "a op b" hold (the jump is taken)? */
static inline int vt_cond(uint8_t op, uint64_t a, uint64_t b, int jmp32)
{
    if (jmp32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    int64_t sa = jmp32 ? (int32_t)(uint32_t)a : (int64_t)a;
    int64_t sb = jmp32 ? (int32_t)(uint32_t)b : (int64_t)b;
    switch (op) {
    case BPF_JEQ:
        return a == b;
    case BPF_JNE:
        return a != b;
    case BPF_JGT:
        return a > b;
    case BPF_JGE:
        return a >= b;
    case BPF_JLT:
        return a < b;
    case BPF_JLE:
        return a <= b;
    case BPF_JSGT:
        return sa > sb;
    case BPF_JSGE:
        return sa >= sb;
    case BPF_JSLT:
        return sa < sb;
    case BPF_JSLE:
        return sa <= sb;
    case BPF_JSET:
        return (a & b) != 0;
    default:
        return 0;
    }
}

#endif
