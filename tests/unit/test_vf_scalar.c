/* test_vf_scalar.c - the verifier's scalar tracking (src/verifier/tnum.c,
 * scalar.c): known bits, the six ranges, and what each ALU instruction
 * makes of them, as the kernel's verifier does.  Expected states not
 * derived by hand come from the 6.18 verifier's log for the same
 * instructions (the running kernel is the oracle). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "vf_testlib.h"

static struct vf_reg alu(struct vf_reg d, struct vf_reg s, uint8_t op, int alu32)
{
    vf_scalar_alu(&d, &s, op, alu32);
    return d;
}

static struct vf_reg alu_k(struct vf_reg d, uint8_t op, int32_t imm, int alu32)
{
    struct vf_reg s = vt_const((uint64_t)(int64_t)imm);
    vf_scalar_alu(&d, &s, op, alu32);
    return d;
}

static int is_unknown(const struct vf_reg *r)
{
    return tnum_is_unknown(r->var_off) && r->umin == 0 && r->umax == UINT64_MAX && r->smin == INT64_MIN &&
           r->smax == INT64_MAX && r->u32_min == 0 && r->u32_max == UINT32_MAX && r->s32_min == INT32_MIN &&
           r->s32_max == INT32_MAX;
}

/* ---- tnum ------------------------------------------------------------- */

Test(vf_tnum, fmt_prints_as_kernel_log)
{
    char buf[64];
    tnum_fmt(buf, sizeof(buf), TNUM(0, 0xff));
    cr_assert_str_eq(buf, "(0x0; 0xff)");
    tnum_fmt(buf, sizeof(buf), tnum_const(0x100000000ull));
    cr_assert_str_eq(buf, "(0x100000000; 0x0)");
}

Test(vf_tnum, range_is_smallest_cover)
{
    cr_assert(tnum_eq(tnum_range(0, 255), TNUM(0, 0xff)));
    cr_assert(tnum_eq(tnum_range(16, 31), TNUM(0x10, 0xf)));
    cr_assert(tnum_eq(tnum_range(5, 5), tnum_const(5)));
    cr_assert(tnum_is_unknown(tnum_range(0, UINT64_MAX)));
    cr_assert(tnum_eq(tnum_range(4, 8), TNUM(0, 0xf)), "4 ^ 8 = 0b1100: four low bits unknown");
}

Test(vf_tnum, add_sub_carry_into_unknown_bits)
{
    /* {0,1} + 1 = {1,2}: bits 0 and 1 unknown */
    cr_assert(tnum_eq(tnum_add(TNUM(0, 1), tnum_const(1)), TNUM(0, 3)));
    cr_assert(tnum_eq(tnum_add(tnum_const(3), tnum_const(4)), tnum_const(7)));
    cr_assert(tnum_eq(tnum_sub(tnum_const(10), tnum_const(3)), tnum_const(7)));
    cr_assert(tnum_eq(tnum_neg(tnum_const(1)), tnum_const(UINT64_MAX)));
}

Test(vf_tnum, bitwise_ops)
{
    struct tnum a = TNUM(0x10, 0x0f); /* 0x10..0x1f */
    cr_assert(tnum_eq(tnum_and(a, tnum_const(0x3)), TNUM(0, 0x3)));
    cr_assert(tnum_eq(tnum_or(a, tnum_const(0x3)), TNUM(0x13, 0xc)));
    cr_assert(tnum_eq(tnum_xor(a, tnum_const(0x11)), TNUM(0x00, 0x0f)));
    cr_assert(tnum_eq(tnum_lshift(a, 4), TNUM(0x100, 0xf0)));
    cr_assert(tnum_eq(tnum_rshift(a, 4), tnum_const(1)));
    cr_assert(tnum_eq(tnum_arshift(TNUM(0x80000000, 0x0f), 4, 32), TNUM(0xf8000000, 0x0)),
              "32-bit arithmetic shift copies the known sign bit, low unknown bits shifted out");
}

Test(vf_tnum, mul_is_the_618_union_form)
{
    /* {1,3} * 3 = {3,9}: the 6.18 kernel prints var_off=(0x1; 0xa)
     * (the older algorithm gave (0x1; 0xe)) */
    cr_assert(tnum_eq(tnum_mul(TNUM(1, 2), tnum_const(3)), TNUM(1, 0xa)));
    cr_assert(tnum_eq(tnum_mul(tnum_const(6), tnum_const(7)), tnum_const(42)));
}

Test(vf_tnum, intersect_union_in_overlap)
{
    cr_assert(tnum_eq(tnum_intersect(TNUM(0x1, 0xf0), TNUM(0x10, 0x0f)), tnum_const(0x11)));
    cr_assert(tnum_eq(tnum_union(tnum_const(1), tnum_const(3)), TNUM(1, 2)));
    cr_assert(tnum_in(TNUM(0, 0xff), tnum_const(0x42)));
    cr_assert(!tnum_in(TNUM(0, 0xff), tnum_const(0x142)));
    cr_assert(tnum_overlap(TNUM(0, 0xf0), tnum_const(0x30)));
    cr_assert(!tnum_overlap(TNUM(0, 0xf0), tnum_const(5)));
    cr_assert(tnum_is_aligned(TNUM(0x8, 0x30), 8));
    cr_assert(!tnum_is_aligned(TNUM(0x8, 0x34), 8));
}

Test(vf_tnum, subreg_helpers)
{
    struct tnum a = TNUM(0x100000001ull, 0xf00000f0ull);
    cr_assert(tnum_eq(tnum_subreg(a), TNUM(0x1, 0xf00000f0ull)));
    cr_assert(tnum_eq(tnum_clear_subreg(a), TNUM(0x100000000ull, 0)));
    cr_assert(tnum_eq(tnum_const_subreg(a, 7), tnum_const(0x100000007ull)));
    cr_assert(tnum_eq(tnum_cast(TNUM(0x1234, 0xff0000), 2), tnum_const(0x1234)));
    cr_assert(tnum_eq(tnum_bswap16(TNUM(0x12, 0x0f00)), TNUM(0x1200, 0x0f)));
}

/* ---- marking and sync ------------------------------------------------- */

Test(vf_scalar, mark_unknown_clears_pointer_part)
{
    /* __mark_reg_unknown: type SCALAR, off/id/ref_obj_id 0, unbounded */
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    r.type = VF_PTR_TO_MAP_VALUE;
    r.flags = VF_MAYBE_NULL;
    r.off = 16;
    r.id = 3;
    r.ref_obj_id = 4;
    r.live = VF_LIVE_READ64;
    vf_mark_unknown(&r);
    cr_assert_eq(r.type, VF_SCALAR);
    cr_assert_eq(r.flags, 0);
    cr_assert_eq(r.off, 0);
    cr_assert_eq(r.id, 0);
    cr_assert_eq(r.ref_obj_id, 0);
    cr_assert_eq(r.live, VF_LIVE_READ64, "liveness is kept");
    cr_assert(is_unknown(&r));
    vf_mark_not_init(&r);
    cr_assert_eq(r.type, VF_NOT_INIT);
}

Test(vf_scalar, mark_known_sets_all_ranges)
{
    struct vf_reg r = vt_const((uint64_t)-2);
    cr_assert_eq(r.smin, -2);
    cr_assert_eq(r.umax, (uint64_t)-2);
    cr_assert_eq(r.s32_max, -2);
    cr_assert_eq(r.u32_min, 0xfffffffeu);
    cr_assert(vf_reg_is_const(&r));
    cr_assert(vf_reg_is_const32(&r));
    cr_assert(vf_reg_bounds_sane(&r));
}

Test(vf_scalar, bounds_sync_deduces_umax_from_tnum)
{
    struct vf_reg r = vt_tnum(0x10, 0x0f);
    cr_assert_eq(r.umin, 0x10);
    cr_assert_eq(r.umax, 0x1f);
    cr_assert_eq(r.smax, 0x1f, "non-negative: signed = unsigned");
    cr_assert_eq(r.u32_max, 0x1f);
    /* and known bits from a range: [16, 31] has bit 4 known */
    struct vf_reg q = vt_urange(16, 31);
    cr_assert(tnum_eq(q.var_off, TNUM(0x10, 0xf)));
}

Test(vf_scalar, bounds_sync_64_from_32)
{
    /* low half < 0x80000000 and the value within s32: the upper half is 0
     * (__reg_deduce_mixed_bounds after a sign-extending load) */
    struct vf_reg r = vt_srange(INT32_MIN, INT32_MAX);
    r.s32_min = 0;
    r.s32_max = 100;
    vf_reg_bounds_sync(&r);
    cr_assert_eq(r.smin, 0);
    cr_assert_eq(r.umax, 100);
}

/* ---- ALU -------------------------------------------------------------- */

Test(vf_scalar, add_range_and_constant)
{
    /* add of [0,10] and [5,5] gives [5,15] (scalar_min_max_add) */
    struct vf_reg r = alu_k(vt_urange(0, 10), BPF_ADD, 5, 0);
    cr_assert_eq(r.umin, 5);
    cr_assert_eq(r.umax, 15);
    cr_assert_eq(r.smin, 5);
    cr_assert_eq(r.smax, 15);
    cr_assert_eq(r.u32_max, 15);
}

Test(vf_scalar, add_where_every_sum_wraps_keeps_range)
{
    /* 6.18: [0xfffffffffffffff0, max] + 32 all wrap: [16, 31], as the
     * kernel's log "smin=umin=...=16,smax=umax=...=31,var_off=(0x10; 0xf)" */
    struct vf_reg r = alu_k(vt_urange(0xfffffffffffffff0ull, UINT64_MAX), BPF_ADD, 32, 0);
    cr_assert_eq(r.umin, 16);
    cr_assert_eq(r.umax, 31);
    cr_assert_eq(r.smin, 16);
    cr_assert(tnum_eq(r.var_off, TNUM(0x10, 0xf)));
}

Test(vf_scalar, add_where_some_sums_wrap_is_unbounded)
{
    struct vf_reg r = alu_k(vt_urange(0xfffffffffffffff0ull, UINT64_MAX), BPF_ADD, 8, 0);
    /* wraps for some values only: u64 unbounded, but the signed view
     * [-16,-1] + 8 = [-8, 7] does not overflow */
    cr_assert_eq(r.smin, -8);
    cr_assert_eq(r.smax, 7);
    cr_assert_eq(r.umin, 0);
    cr_assert_eq(r.umax, UINT64_MAX);
}

Test(vf_scalar, signed_add_overflow_makes_signed_unbounded)
{
    struct vf_reg r = alu_k(vt_srange(INT64_MAX - 5, INT64_MAX), BPF_ADD, 10, 0);
    /* every sum wraps from positive to negative: signed unbounded by the
     * overflow rule, the u64 view [2^63+4, 2^63+9] survives */
    cr_assert_eq(r.umin, 0x8000000000000004ull);
    cr_assert_eq(r.umax, 0x8000000000000009ull);
    cr_assert_eq(r.smin, INT64_MIN + 4, "re-derived from the u64 range by sync");
}

Test(vf_scalar, u32_overflow_in_32bit_add_makes_32bit_range_unbounded)
{
    struct vf_reg r = alu_k(vt_urange(0xfffffff0u, 0xffffffffu), BPF_ADD, 8, 1);
    cr_assert_eq(r.u32_min, 0);
    cr_assert_eq(r.u32_max, UINT32_MAX);
    cr_assert_eq(r.umax, UINT32_MAX, "zero-extended");
    cr_assert_eq(r.umin, 0);
}

Test(vf_scalar, alu32_zero_extends)
{
    /* w = w + 1 on a 64-bit value with the upper half set */
    struct vf_reg r = alu_k(vt_const(0x1234500000001ull), BPF_ADD, 1, 1);
    cr_assert(tnum_eq(r.var_off, tnum_const(2)));
    r = alu_k(vt_srange(-3, -1), BPF_ADD, 0, 1);
    cr_assert_eq(r.umin, 0xfffffffdu);
    cr_assert_eq(r.umax, 0xffffffffu);
    cr_assert_eq(r.smin, 0xfffffffd);
    cr_assert_eq(r.s32_min, -3);
}

Test(vf_scalar, sub_ranges)
{
    /* [10,20] - [1,5] = [5,19] */
    struct vf_reg r = alu(vt_urange(10, 20), vt_urange(1, 5), BPF_SUB, 0);
    cr_assert_eq(r.umin, 5);
    cr_assert_eq(r.umax, 19);
    /* [0,5] - 1: the unsigned range partly underflows -> unbounded, the
     * signed one is [-1, 4] */
    r = alu_k(vt_urange(0, 5), BPF_SUB, 1, 0);
    cr_assert_eq(r.smin, -1);
    cr_assert_eq(r.smax, 4);
    cr_assert_eq(r.umax, UINT64_MAX);
}

Test(vf_scalar, mul_of_two_ranges)
{
    struct vf_reg r = alu(vt_urange(2, 5), vt_urange(3, 4), BPF_MUL, 0);
    cr_assert_eq(r.umin, 6);
    cr_assert_eq(r.umax, 20);
    cr_assert_eq(r.smin, 6);
    cr_assert_eq(r.smax, 20);
    /* 32-bit: the kernel's "w5 *= w7" of [2,5] and [0,3] gives [0, 15] */
    r = alu(vt_urange(2, 5), vt_urange(0, 3), BPF_MUL, 1);
    cr_assert_eq(r.umax, 15);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xf)));
}

Test(vf_scalar, mul_negative_range_by_constant)
{
    /* 6.12+ signed corner products: [-3,-1] * 2 = [-6,-2]; the 6.18 log:
     * smin=-6,smax=-2,umin=0xfffffffffffffffa,umax=0xfffffffffffffffe,
     * var_off=(0xfffffffffffffff8; 0x6) */
    struct vf_reg r = alu_k(vt_srange(-3, -1), BPF_MUL, 2, 0);
    cr_assert_eq(r.smin, -6);
    cr_assert_eq(r.smax, -2);
    cr_assert_eq(r.umin, 0xfffffffffffffffaull);
    cr_assert_eq(r.umax, 0xfffffffffffffffeull);
    cr_assert(tnum_eq(r.var_off, TNUM(0xfffffffffffffff8ull, 0x6)));
}

Test(vf_scalar, mul_overflow_unbounded)
{
    /* [0, 2^40] * 2^30 may overflow: the ranges come from the tnum alone
     * (the low 30 bits known zero) */
    struct vf_reg r = alu_k(vt_urange(0, 1ull << 40), BPF_MUL, 1 << 30, 0);
    cr_assert_eq(r.umax, 0xffffffffc0000000ull);
    cr_assert_eq(r.smin, (int64_t)0x8000000000000000ull);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xffffffffc0000000ull)));
}

Test(vf_scalar, and_with_constant_mask_gives_umax_mask)
{
    struct vf_reg u;
    memset(&u, 0, sizeof(u));
    vf_mark_unknown(&u);
    struct vf_reg r = alu_k(u, BPF_AND, 0xff, 0);
    /* the kernel's "r1 &= 255": smin=0,smax=umax=255,var_off=(0x0; 0xff) */
    cr_assert_eq(r.umax, 0xff);
    cr_assert_eq(r.umin, 0);
    cr_assert_eq(r.smin, 0);
    cr_assert_eq(r.s32_max, 0xff);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xff)));
}

Test(vf_scalar, or_xor_ranges_from_bits)
{
    struct vf_reg r = alu_k(vt_urange(0, 3), BPF_OR, 0x10, 0);
    cr_assert_eq(r.umin, 0x10);
    cr_assert_eq(r.umax, 0x13);
    r = alu_k(vt_urange(0, 3), BPF_XOR, 0x13, 0);
    cr_assert_eq(r.umin, 0x10);
    cr_assert_eq(r.umax, 0x13);
    /* constant op constant stays constant */
    r = alu_k(vt_const(0x0f), BPF_XOR, 0xff, 1);
    cr_assert(tnum_eq(r.var_off, tnum_const(0xf0)));
    cr_assert_eq(r.u32_min, 0xf0);
}

Test(vf_scalar, lsh_by_constant)
{
    struct vf_reg r = alu_k(vt_urange(1, 3), BPF_LSH, 4, 0);
    cr_assert_eq(r.umin, 0x10);
    cr_assert_eq(r.umax, 0x30);
    /* a bit that may be shifted out: unsigned unbounded, bits from tnum */
    r = alu_k(vt_urange(0, UINT64_MAX), BPF_LSH, 60, 0);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xf000000000000000ull)));
    /* << 32 of a non-negative s32 range keeps it as the high half */
    r = alu_k(vt_urange(5, 7), BPF_LSH, 32, 0);
    cr_assert_eq(r.smin, 5ll << 32);
    cr_assert_eq(r.smax, 7ll << 32);
}

Test(vf_scalar, rsh_by_constant)
{
    struct vf_reg r = alu_k(vt_urange(0x100, 0x1ff), BPF_RSH, 4, 0);
    cr_assert_eq(r.umin, 0x10);
    cr_assert_eq(r.umax, 0x1f);
    /* a negative value shifted logically becomes non-negative */
    r = alu_k(vt_srange(-8, -1), BPF_RSH, 60, 0);
    cr_assert_eq(r.umin, 0xf);
    cr_assert_eq(r.umax, 0xf);
    r = alu_k(vt_const(0xffffffff00000080ull), BPF_RSH, 4, 1);
    cr_assert(tnum_eq(r.var_off, tnum_const(8)), "32-bit shift sees the low half only");
}

Test(vf_scalar, arsh_on_negative_range)
{
    struct vf_reg r = alu_k(vt_srange(-64, -16), BPF_ARSH, 4, 0);
    cr_assert_eq(r.smin, -4);
    cr_assert_eq(r.smax, -1);
    r = alu_k(vt_srange(-64, 32), BPF_ARSH, 4, 0);
    cr_assert_eq(r.smin, -4);
    cr_assert_eq(r.smax, 2);
    /* 32-bit: s32 [-64, -16] >> 4 = [-4, -1], zero-extended */
    r = alu_k(vt_srange(-64, -16), BPF_ARSH, 4, 1);
    cr_assert_eq(r.s32_min, -4);
    cr_assert_eq(r.s32_max, -1);
    cr_assert_eq(r.umin, 0xfffffffcu);
    cr_assert_eq(r.umax, 0xffffffffu);
}

Test(vf_scalar, shift_by_non_constant_or_too_far_is_unknown)
{
    /* the kernel's "w3 <<= w7" with w7 in [0,3] gives scalar() */
    struct vf_reg r = alu(vt_urange(2, 5), vt_urange(0, 3), BPF_LSH, 1);
    cr_assert(is_unknown(&r));
    r = alu(vt_urange(2, 5), vt_urange(0, 3), BPF_LSH, 0);
    cr_assert(is_unknown(&r));
    r = alu_k(vt_urange(2, 5), BPF_RSH, 64, 0);
    cr_assert(is_unknown(&r));
    r = alu_k(vt_urange(2, 5), BPF_ARSH, 32, 1);
    cr_assert(is_unknown(&r));
    struct vf_reg k = vt_const(3);
    cr_assert(vf_scalar_alu_safe(&k, BPF_RSH, 1));
    cr_assert(!vf_scalar_alu_safe(&k, BPF_DIV, 0));
}

Test(vf_scalar, division_by_a_constant_is_unknown_as_in_618)
{
    /* the 6.18 log: "r1 &= 255; r1 /= 3" gives R1=scalar(), and
     * "w2 /= 3" a full 64-bit scalar() (no zero extension) */
    struct vf_reg r = alu_k(vt_urange(0, 255), BPF_DIV, 3, 0);
    cr_assert(is_unknown(&r));
    r = alu_k(vt_urange(0, 255), BPF_DIV, 3, 1);
    cr_assert(is_unknown(&r));
}

Test(vf_scalar, modulo_by_range_that_may_be_zero_is_unknown)
{
    /* x % [0, 3] may be x itself (x % 0 = x in BPF): not bounded by 3 */
    struct vf_reg r = alu(vt_urange(0, 1000), vt_urange(0, 3), BPF_MOD, 0);
    cr_assert(is_unknown(&r));
    cr_assert(vt_contains(&r, 1000));
}

Test(vf_scalar, neg_of_range)
{
    /* the 6.18 log: r1 in [2,5], "r1 = -r1" gives smin=-5,smax=-2,
     * umin=0xfffffffffffffffb,umax=0xfffffffffffffffe,
     * var_off=(0xfffffffffffffff8; 0x7) */
    struct vf_reg r = vt_urange(2, 5);
    r.id = 7;
    vf_scalar_neg(&r, 0);
    cr_assert_eq(r.smin, -5);
    cr_assert_eq(r.smax, -2);
    cr_assert_eq(r.umin, 0xfffffffffffffffbull);
    cr_assert_eq(r.umax, 0xfffffffffffffffeull);
    cr_assert(tnum_eq(r.var_off, TNUM(0xfffffffffffffff8ull, 0x7)));
    cr_assert_eq(r.id, 0, "NEG clears id as the kernel's __mark_reg_known does");
    /* "w2 = -w2": smin=umin=0xfffffffb,smax=umax=0xfffffffe,smin32=-5 */
    r = vt_urange(2, 5);
    vf_scalar_neg(&r, 1);
    cr_assert_eq(r.umin, 0xfffffffbu);
    cr_assert_eq(r.smax, 0xfffffffe);
    cr_assert_eq(r.s32_min, -5);
    cr_assert(tnum_eq(r.var_off, TNUM(0xfffffff8u, 0x7)));
}

Test(vf_scalar, end_swaps_known_bits)
{
    /* the 6.18 log: be16 of 0x1234 is 13330 (0x3412); be16 of
     * var_off (0x0; 0xff) is (0x0; 0xff00) with umax 0xff00 */
    struct vf_reg r = vt_const(0x1234);
    vf_scalar_end(&r, BPF_ALU | BPF_END | BPF_TO_BE, 16);
    cr_assert(tnum_eq(r.var_off, tnum_const(0x3412)));
    r = vt_urange(0, 0xff);
    vf_scalar_end(&r, BPF_ALU | BPF_END | BPF_TO_BE, 16);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xff00)));
    cr_assert_eq(r.umax, 0xff00);
    /* le16 on a little-endian host truncates; le64 changes nothing (id
     * kept, as the kernel keeps it) */
    r = vt_srange(-3, 2);
    vf_scalar_end(&r, BPF_ALU | BPF_END | BPF_TO_LE, 16);
    cr_assert_eq(r.umax, 0xffff);
    cr_assert_eq(r.umin, 0);
    r = vt_urange(0x100000002ull, 0x100000005ull);
    r.id = 9;
    vf_scalar_end(&r, BPF_ALU | BPF_END | BPF_TO_LE, 64);
    cr_assert_eq(r.id, 9);
    cr_assert_eq(r.umin, 0x100000002ull);
    /* be64 / bswap64 of it: (0x1000000; 0x700000000000000) */
    vf_scalar_end(&r, BPF_ALU64 | BPF_END | BPF_TO_LE, 64);
    cr_assert(tnum_eq(r.var_off, TNUM(0x1000000, 0x700000000000000ull)));
    cr_assert_eq(r.umax, 0x700000001000000ull);
    cr_assert_eq(r.id, 0);
}

Test(vf_scalar, sign_extension_of_8bit_value_with_unknown_top_bit)
{
    /* movsx8 of [0, 255]: the low byte's sign is unknown, so the result
     * is the whole s8 range */
    struct vf_reg r = vt_urange(0, 255);
    vf_sext(&r, 1);
    cr_assert_eq(r.smin, -128);
    cr_assert_eq(r.smax, 127);
    cr_assert_eq(r.s32_min, -128);
    cr_assert(vt_contains(&r, (uint64_t)-128));
    cr_assert(vt_contains(&r, 127));
    /* [0x80, 0x90]: all negative after extension: [-128, -112] */
    r = vt_urange(0x80, 0x90);
    vf_sext(&r, 1);
    cr_assert_eq(r.smin, -128);
    cr_assert_eq(r.smax, -112);
    cr_assert_eq(r.umin, (uint64_t)-128);
    /* a constant */
    r = vt_const(0xff);
    vf_sext(&r, 1);
    cr_assert(tnum_eq(r.var_off, tnum_const(UINT64_MAX)));
    /* 32 -> 64 */
    r = vt_const(0x80000000u);
    vf_sext_32_to_64(&r);
    cr_assert_eq(r.smin, INT32_MIN);
}

Test(vf_scalar, sign_extension_32bit_mov_zero_extends)
{
    /* w = (s8)w of 0x80: 0xffffff80, zero-extended */
    struct vf_reg r = vt_const(0x80);
    vf_sext32(&r, 1);
    cr_assert(tnum_eq(r.var_off, tnum_const(0xffffff80u)));
    cr_assert_eq(r.s32_min, -128);
    r = vt_urange(0, 0xffff);
    vf_sext32(&r, 2);
    cr_assert_eq(r.s32_min, -32768);
    cr_assert_eq(r.umax, UINT32_MAX);
}

Test(vf_scalar, coerce_to_size_truncates)
{
    struct vf_reg r = vt_urange(0x100000010ull, 0x100000020ull);
    vf_coerce_to_size(&r, 4);
    cr_assert_eq(r.umin, 0x10, "same upper part: the range survives");
    cr_assert_eq(r.umax, 0x20);
    r = vt_urange(0xf0, 0x110);
    vf_coerce_to_size(&r, 1);
    cr_assert_eq(r.umin, 0);
    cr_assert_eq(r.umax, 0xff, "the truncated part differs: [0, 0xff]");
}

Test(vf_scalar, zext_32_to_64)
{
    struct vf_reg r = vt_srange(-2, 3);
    vf_zext_32_to_64(&r);
    cr_assert_eq(r.umin, 0);
    cr_assert_eq(r.umax, UINT32_MAX);
    cr_assert(vt_contains(&r, 0xfffffffeu));
    cr_assert(!vt_contains(&r, (uint64_t)-2));
}

Test(vf_scalar, bounds_sane_detects_empty)
{
    struct vf_reg r = vt_urange(3, 9);
    cr_assert(vf_reg_bounds_sane(&r));
    r.umin = 10;
    cr_assert(!vf_reg_bounds_sane(&r));
    r = vt_const(4);
    r.smax = 5;
    cr_assert(!vf_reg_bounds_sane(&r), "constant tnum out of sync with the ranges");
}

/* ---- properties ------------------------------------------------------- */

static const uint8_t aops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
                               BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_ARSH};

/* Soundness of the ALU tracking: for random (abstract, op, abstract)
 * triples and random concrete members, the concrete BPF result lies in
 * the abstract result (tnum and all six ranges), and a result from
 * non-empty operands is never empty. */
Test(vf_scalar, property_alu_is_sound)
{
    struct vt_rng g = {0x0123456789abcdefull};
    unsigned checks = 0, tracked = 0;
    for (int it = 0; it < 20000; it++) {
        uint64_t x = vt_value(&g), y = vt_value(&g);
        int alu32 = vt_next(&g) & 1;
        uint8_t op = aops[vt_next(&g) % (sizeof(aops) / sizeof(aops[0]))];
        struct vf_reg d = vt_random_reg(&g, x), s;
        if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && vt_next(&g) % 4) {
            y = vt_next(&g) % (alu32 ? 32 : 64);
            s = vt_const(y);
        } else if (vt_next(&g) % 3 == 0) {
            y = (uint64_t)(int64_t)(int32_t)y;
            s = vt_const(y);
        } else {
            s = vt_random_reg(&g, y);
        }
        cr_assert(vt_contains(&d, x) && vt_contains(&s, y), "sync lost the value a random reg was built around");
        struct vf_reg out = d;
        if (op == BPF_NEG)
            vf_scalar_neg(&out, alu32);
        else
            vf_scalar_alu(&out, &s, op, alu32);
        if (!is_unknown(&out))
            tracked++;
        cr_assert(vf_reg_bounds_sane(&out), "op %#x alu32 %d: result not sane", op, alu32);
        for (int k = 0; k < 8; k++) {
            uint64_t a = k ? vt_member(&g, &d, x) : x;
            uint64_t b = k ? vt_member(&g, &s, y) : y;
            uint64_t c = vt_alu(op, a, b, alu32);
            checks++;
            cr_assert(vt_contains(&out, c),
                      "op %#x alu32 %d: %#llx op %#llx = %#llx not in result (var_off %#llx/%#llx u [%#llx,%#llx] s "
                      "[%lld,%lld] u32 [%#x,%#x] s32 [%d,%d])",
                      op, alu32, (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
                      (unsigned long long)out.var_off.value, (unsigned long long)out.var_off.mask,
                      (unsigned long long)out.umin, (unsigned long long)out.umax, (long long)out.smin,
                      (long long)out.smax, out.u32_min, out.u32_max, out.s32_min, out.s32_max);
        }
    }
    cr_assert_gt(checks, 100000);
    cr_assert_gt(tracked, 5000, "most results should be tracked, got %u", tracked);
}

/* The width changes: truncation, sign extension (64 and 32-bit), zero
 * extension and byte swaps keep every concrete result. */
Test(vf_scalar, property_width_changes_are_sound)
{
    struct vt_rng g = {0xfeedfacecafebeefull};
    for (int it = 0; it < 6000; it++) {
        uint64_t x = vt_value(&g);
        struct vf_reg d = vt_random_reg(&g, x);
        int kind = (int)(vt_next(&g) % 5);
        int size = (int)(1u << (vt_next(&g) % 3)); /* 1, 2, 4 */
        struct vf_reg out = d;
        uint8_t code = 0;
        int32_t imm = 16 << (vt_next(&g) % 3);
        switch (kind) {
        case 0:
            vf_coerce_to_size(&out, size);
            break;
        case 1:
            vf_sext(&out, size);
            break;
        case 2:
            if (size == 4)
                size = 2;
            vf_sext32(&out, size);
            break;
        case 3:
            vf_zext_32_to_64(&out);
            break;
        default: {
            static const uint8_t codes[] = {BPF_ALU | BPF_END | BPF_TO_LE, BPF_ALU | BPF_END | BPF_TO_BE,
                                            BPF_ALU64 | BPF_END | BPF_TO_LE};
            code = codes[vt_next(&g) % 3];
            vf_scalar_end(&out, code, imm);
            break;
        }
        }
        for (int k = 0; k < 8; k++) {
            uint64_t a = k ? vt_member(&g, &d, x) : x, c;
            uint64_t keep = size == 4 ? 0xffffffffull : ((uint64_t)1 << (size * 8)) - 1;
            switch (kind) {
            case 0:
                c = a & keep;
                break;
            case 1:
                c = size == 1 ? (uint64_t)(int64_t)(int8_t)a
                              : size == 2 ? (uint64_t)(int64_t)(int16_t)a : (uint64_t)(int64_t)(int32_t)a;
                break;
            case 2:
                c = (uint32_t)(size == 1 ? (int32_t)(int8_t)a : (int32_t)(int16_t)a);
                break;
            case 3:
                c = (uint32_t)a;
                break;
            default: {
                int swap = BPF_CLASS(code) == BPF_ALU64 || BPF_SRC(code) == BPF_TO_BE;
                if (imm == 16)
                    c = swap ? __builtin_bswap16((uint16_t)a) : (uint16_t)a;
                else if (imm == 32)
                    c = swap ? __builtin_bswap32((uint32_t)a) : (uint32_t)a;
                else
                    c = swap ? __builtin_bswap64(a) : a;
                break;
            }
            }
            cr_assert(vt_contains(&out, c), "kind %d size %d imm %d code %#x: %#llx -> %#llx not in result", kind, size,
                      imm, code, (unsigned long long)a, (unsigned long long)c);
        }
    }
}

/* ---- regressions found against the 6.18 verifier's log ---------------- */

Test(vf_scalar, sext_from_32_keeps_s32_range_and_32bit_bounds)
{
    /* w6 u>= 59 (upper half unknown), r7 = (s32)r6: the 6.18 log shows
     * smin=0xffffffff80000000,smax=0x7fffffff,umin=umin32=59 */
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    r.u32_min = 59;
    vf_reg_bounds_sync(&r);
    vf_sext(&r, 4);
    cr_assert_eq(r.smin, INT32_MIN);
    cr_assert_eq(r.smax, INT32_MAX);
    cr_assert_eq(r.umin, 59);
    cr_assert_eq(r.u32_min, 59);
    /* s32 [-10, 10] with the upper half unknown: [-10, 10] */
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    r.s32_min = -10;
    r.s32_max = 10;
    vf_reg_bounds_sync(&r);
    vf_sext(&r, 4);
    cr_assert_eq(r.smin, -10);
    cr_assert_eq(r.smax, 10);
    /* (0x0; 0xff00): [0, 0xff00], var_off (0x0; 0xffff) from the range */
    r = vt_tnum(0, 0xff00);
    vf_sext(&r, 4);
    cr_assert_eq(r.umax, 0xff00);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xffff)));
}
