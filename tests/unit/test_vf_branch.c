/* test_vf_branch.c - conditional jumps on scalars (src/verifier/branch.c):
 * when a jump is decided (the kernel's is_scalar_branch_taken, 6.18) and
 * what each branch proves (reg_set_min_max / regs_refine_cond_op).  The
 * expected states are the ones the 6.18 verifier's log prints for the
 * same comparisons. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "vf_testlib.h"

static const uint8_t jops[] = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
                               BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};

/* r op imm (BPF_K: the constant as the kernel's fake register) */
static int taken_k(struct vf_reg r, uint8_t op, int32_t imm, int jmp32)
{
    struct vf_reg k = vt_const((uint64_t)(int64_t)imm);
    return vf_branch_taken(&r, &k, op, jmp32);
}

/* Refine r against the constant imm; *t and *f get the true / false branch
 * states of r. */
static void refine_k(struct vf_reg r, uint8_t op, int32_t imm, int jmp32, struct vf_reg *t, struct vf_reg *f)
{
    struct vf_reg kt = vt_const((uint64_t)(int64_t)imm), kf = kt;
    *t = r;
    *f = r;
    vf_branch_refine(t, &kt, f, &kf, op, jmp32);
}

/* ---- decided jumps ---------------------------------------------------- */

Test(vf_branch, jgt_decided_by_unsigned_range)
{
    struct vf_reg r = vt_urange(11, 20);
    cr_assert_eq(taken_k(r, BPF_JGT, 10, 0), 1, "[11,20] > 10 always");
    cr_assert_eq(taken_k(r, BPF_JGT, 20, 0), 0, "[11,20] > 20 never");
    cr_assert_eq(taken_k(r, BPF_JGT, 15, 0), -1, "[11,20] > 15 unknown");
    cr_assert_eq(taken_k(r, BPF_JLE, 20, 0), 1);
    cr_assert_eq(taken_k(r, BPF_JLT, 11, 0), 0);
    cr_assert_eq(taken_k(r, BPF_JGE, 11, 0), 1);
}

Test(vf_branch, signed_jumps_use_signed_range)
{
    struct vf_reg r = vt_srange(-5, -1);
    cr_assert_eq(taken_k(r, BPF_JSLT, 0, 0), 1, "[-5,-1] s< 0 always");
    cr_assert_eq(taken_k(r, BPF_JSGE, 0, 0), 0);
    cr_assert_eq(taken_k(r, BPF_JSGT, -6, 0), 1);
    cr_assert_eq(taken_k(r, BPF_JSLE, -6, 0), 0);
    /* unsigned view of [-5,-1] is the top of the u64 range: > 0 always */
    cr_assert_eq(taken_k(r, BPF_JGT, 0, 0), 1);
}

Test(vf_branch, jeq_jne_constants_and_disjoint_ranges)
{
    cr_assert_eq(taken_k(vt_const(7), BPF_JEQ, 7, 0), 1);
    cr_assert_eq(taken_k(vt_const(7), BPF_JNE, 7, 0), 0);
    cr_assert_eq(taken_k(vt_urange(0, 6), BPF_JEQ, 7, 0), 0, "7 outside [0,6]");
    cr_assert_eq(taken_k(vt_urange(0, 6), BPF_JNE, 7, 0), 1);
    cr_assert_eq(taken_k(vt_urange(0, 10), BPF_JEQ, 7, 0), -1);
}

Test(vf_branch, jeq_not_taken_when_known_bits_disagree)
{
    /* 6.18 (tnum_overlap in is_branch_taken): r &= 0xf0 then "r == 5" is
     * pruned although 5 lies in [0, 240]. */
    struct vf_reg r = vt_tnum(0, 0xf0);
    cr_assert_eq(r.umax, 0xf0);
    cr_assert_eq(taken_k(r, BPF_JEQ, 5, 0), 0);
    cr_assert_eq(taken_k(r, BPF_JNE, 5, 0), 1);
    cr_assert_eq(taken_k(r, BPF_JEQ, 0x30, 0), -1);
}

Test(vf_branch, jeq64_uses_32bit_subranges)
{
    /* 64-bit ranges meet but the low halves cannot: not equal */
    struct vf_reg r = vt_urange(0, 0x1ffffffff);
    r.u32_min = 10;
    r.u32_max = 20;
    vf_reg_bounds_sync(&r);
    struct vf_reg k = vt_const(0x100000005);
    cr_assert_eq(vf_branch_taken(&r, &k, BPF_JEQ, 0), 0);
}

Test(vf_branch, jset_taken_when_known_bits_overlap)
{
    struct vf_reg r = vt_tnum(0x4, 0x3); /* bit 2 known set */
    cr_assert_eq(taken_k(r, BPF_JSET, 0x4, 0), 1, "known one bit under the mask");
    cr_assert_eq(taken_k(r, BPF_JSET, 0x8, 0), 0, "no possible one bit under the mask");
    cr_assert_eq(taken_k(r, BPF_JSET, 0x1, 0), -1);
    /* non-constant both: undecided */
    struct vf_reg a = vt_urange(1, 3), b = vt_urange(1, 3);
    cr_assert_eq(vf_branch_taken(&a, &b, BPF_JSET, 0), -1);
}

Test(vf_branch, jmp32_compares_low_halves)
{
    /* 0x1_0000_0005: the 64-bit value is > 10, its low half is not */
    struct vf_reg r = vt_const(0x100000005);
    cr_assert_eq(taken_k(r, BPF_JGT, 10, 0), 1);
    cr_assert_eq(taken_k(r, BPF_JGT, 10, 1), 0);
    cr_assert_eq(taken_k(r, BPF_JEQ, 5, 1), 1);
}

Test(vf_branch, same_register_compared_with_itself)
{
    /* 6.18: "if r1 == r1" always, "r1 > r1" never, JSET by the sign */
    struct vf_reg r = vt_urange(3, 9);
    cr_assert_eq(vf_branch_taken(&r, &r, BPF_JEQ, 0), 1);
    cr_assert_eq(vf_branch_taken(&r, &r, BPF_JSGE, 0), 1);
    cr_assert_eq(vf_branch_taken(&r, &r, BPF_JGT, 0), 0);
    cr_assert_eq(vf_branch_taken(&r, &r, BPF_JSET, 0), 1, "never zero");
    struct vf_reg z = vt_urange(0, 9);
    cr_assert_eq(vf_branch_taken(&z, &z, BPF_JSET, 0), -1);
}

/* ---- refinement ------------------------------------------------------- */

Test(vf_branch, jgt_10_true_branch_gives_umin_11)
{
    struct vf_reg t, f;
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JGT, 10, 0, &t, &f);
    cr_assert_eq(t.umin, 11);
    cr_assert_eq(t.umax, UINT64_MAX);
    /* the false branch (r <= 10): the kernel's
     * "smin=smin32=0,smax=umax=smax32=umax32=10,var_off=(0x0; 0xf)" */
    cr_assert_eq(f.umax, 10);
    cr_assert_eq(f.umin, 0);
    cr_assert_eq(f.smin, 0);
    cr_assert_eq(f.smax, 10);
    cr_assert_eq(f.u32_max, 10);
    cr_assert_eq(f.s32_min, 0);
    cr_assert(tnum_eq(f.var_off, TNUM(0, 0xf)));
}

Test(vf_branch, signed_range_from_two_compares_as_kernel)
{
    /* "if r s< -3 goto; if r s> -1 goto" on an unknown r leaves the 6.18
     * log's smin=smin32=-3,smax=smax32=-1,umin=0xfffffffffffffffd,
     * umin32=0xfffffffd,var_off=(0xfffffffffffffffc; 0x3) */
    struct vf_reg r, t, f;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JSLT, -3, 0, &t, &f);
    refine_k(f, BPF_JSGT, -1, 0, &t, &r);
    cr_assert_eq(r.smin, -3);
    cr_assert_eq(r.smax, -1);
    cr_assert_eq(r.umin, 0xfffffffffffffffdull);
    cr_assert_eq(r.umax, UINT64_MAX);
    cr_assert_eq(r.s32_min, -3);
    cr_assert_eq(r.u32_min, 0xfffffffdu);
    cr_assert(tnum_eq(r.var_off, TNUM(0xfffffffffffffffcull, 0x3)));
}

Test(vf_branch, unsigned_bound_on_sign_crossing_range)
{
    /* 6.18 __reg64_deduce_bounds: s64 [-5, 10] and "r <= 100" unsigned
     * leaves only the non-negative part: [0, 10], var_off (0x0; 0xf) */
    struct vf_reg t, f;
    refine_k(vt_srange(-5, 10), BPF_JGT, 100, 0, &t, &f);
    cr_assert_eq(f.smin, 0);
    cr_assert_eq(f.smax, 10);
    cr_assert_eq(f.umax, 10);
    cr_assert(tnum_eq(f.var_off, TNUM(0, 0xf)));
    /* the true branch (u> 100) is the negative part [-5, -1] */
    cr_assert_eq(t.smin, -5);
    cr_assert_eq(t.smax, -1);
    cr_assert_eq(t.umin, (uint64_t)-5);
}

Test(vf_branch, jmp32_sign_crossing_deduction)
{
    /* 6.18 __reg32_deduce_bounds: s32 [-5, 10] and u32 [5, 0x80000005]
     * give s32 [5, 10], u32 max 10 (the kernel's log after
     * "if w6 > 0x80000005") */
    struct vf_reg r, t, f;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JSLT, -5, 1, &t, &f);
    refine_k(f, BPF_JSGT, 10, 1, &t, &r);
    refine_k(r, BPF_JLT, 5, 1, &t, &f);
    cr_assert_eq(f.s32_min, -5);
    cr_assert_eq(f.u32_min, 5);
    cr_assert_eq(f.u32_max, UINT32_MAX);
    cr_assert_eq((uint64_t)f.smin, 0x8000000000000005ull, "mixed bounds: low half of smin from u32_min");
    refine_k(f, BPF_JGT, (int32_t)0x80000005u, 1, &t, &r);
    cr_assert_eq(r.s32_min, 5);
    cr_assert_eq(r.s32_max, 10);
    cr_assert_eq(r.u32_max, 10);
    cr_assert(tnum_eq(r.var_off, TNUM(0, 0xffffffff0000000full)));
}

Test(vf_branch, jeq_with_register_intersects_both)
{
    struct vf_reg a = vt_urange(0, 100), b = vt_urange(50, 200);
    struct vf_reg ta = a, tb = b, fa = a, fb = b;
    vf_branch_refine(&ta, &tb, &fa, &fb, BPF_JEQ, 0);
    cr_assert_eq(ta.umin, 50);
    cr_assert_eq(ta.umax, 100);
    cr_assert_eq(tb.umin, 50);
    cr_assert_eq(tb.umax, 100);
    cr_assert(tnum_eq(ta.var_off, tb.var_off));
    /* the false branch learns nothing from two ranges */
    cr_assert_eq(fa.umax, 100);
    cr_assert_eq(fb.umin, 50);
}

Test(vf_branch, jeq_intersects_tnums)
{
    struct vf_reg a = vt_tnum(0x1, 0xf0), b = vt_tnum(0x10, 0x0f);
    struct vf_reg ta = a, tb = b, fa = a, fb = b;
    vf_branch_refine(&ta, &tb, &fa, &fb, BPF_JEQ, 0);
    cr_assert(tnum_eq(ta.var_off, TNUM(0x11, 0)), "0x1 with high nibble unknown meets 0x10 with low unknown");
    cr_assert_eq(ta.umin, 0x11);
    cr_assert_eq(tb.umax, 0x11);
}

Test(vf_branch, jlt_between_registers_narrows_both)
{
    struct vf_reg a = vt_urange(0, 100), b = vt_urange(10, 50);
    struct vf_reg ta = a, tb = b, fa = a, fb = b;
    vf_branch_refine(&ta, &tb, &fa, &fb, BPF_JLT, 0);
    cr_assert_eq(ta.umax, 49, "a < b <= 50");
    cr_assert_eq(tb.umin, 10);
    /* false: a >= b, so a >= 10 and b <= 100 (unchanged 50) */
    cr_assert_eq(fa.umin, 10);
    cr_assert_eq(fb.umax, 50);
}

Test(vf_branch, jne_constant_at_range_edge_shrinks_range)
{
    struct vf_reg t, f;
    refine_k(vt_urange(5, 10), BPF_JNE, 5, 0, &t, &f);
    cr_assert_eq(t.umin, 6);
    cr_assert_eq(t.umax, 10);
    cr_assert(tnum_eq(f.var_off, TNUM(5, 0)), "false branch of JNE 5 is the constant 5");
    refine_k(vt_urange(5, 10), BPF_JNE, 10, 0, &t, &f);
    cr_assert_eq(t.umax, 9);
    refine_k(vt_urange(5, 10), BPF_JNE, 7, 0, &t, &f);
    cr_assert_eq(t.umin, 5, "7 inside the range: nothing learned");
    cr_assert_eq(t.umax, 10);
}

Test(vf_branch, jset_single_bit_sets_it_and_false_clears_mask)
{
    struct vf_reg t, f;
    refine_k(vt_urange(0, 255), BPF_JSET, 0x8, 0, &t, &f);
    cr_assert(tnum_eq(t.var_off, TNUM(0x8, 0xf7)));
    cr_assert_eq(t.umin, 8);
    cr_assert(tnum_eq(f.var_off, TNUM(0, 0xf7)));
    cr_assert_eq(f.umax, 0xf7);
    /* more than one bit: the true branch learns nothing */
    refine_k(vt_urange(0, 255), BPF_JSET, 0x3, 0, &t, &f);
    cr_assert(tnum_eq(t.var_off, TNUM(0, 0xff)));
    cr_assert(tnum_eq(f.var_off, TNUM(0, 0xfc)));
}

Test(vf_branch, jmp32_refines_low_half_only)
{
    struct vf_reg t, f;
    struct vf_reg r;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JGT, 100, 1, &t, &f);
    cr_assert_eq(f.u32_max, 100);
    cr_assert_eq(f.umax, 0xffffffff00000064ull, "upper half unknown, low half <= 100");
    cr_assert_eq(t.u32_min, 101);
}

Test(vf_branch, impossible_refinement_is_not_sane)
{
    /* forced past vf_branch_taken: [0,5] == 9 cannot hold */
    struct vf_reg t, f;
    refine_k(vt_urange(0, 5), BPF_JEQ, 9, 0, &t, &f);
    cr_assert_eq(vf_reg_bounds_sane(&t), 0);
    cr_assert_eq(vf_reg_bounds_sane(&f), 1);
}

/* ---- properties ------------------------------------------------------- */

/* For random (abstract, op, abstract) triples: when vf_branch_taken
 * decides, every concrete pair agrees; every concrete pair satisfying the
 * condition lies in the refined true-branch values, every other pair in
 * the false-branch ones. */
Test(vf_branch, property_taken_and_refine_are_sound)
{
    struct vt_rng g = {0x5eed0b1a5c0ffeeull};
    unsigned checks = 0, decided = 0;
    for (int it = 0; it < 20000; it++) {
        uint64_t x = vt_value(&g), y = vt_value(&g);
        int jmp32 = vt_next(&g) & 1;
        uint8_t op = jops[vt_next(&g) % (sizeof(jops) / sizeof(jops[0]))];
        struct vf_reg d = vt_random_reg(&g, x);
        struct vf_reg s = (vt_next(&g) % 3 == 0) ? vt_const((uint64_t)(int64_t)(int32_t)y) : vt_random_reg(&g, y);
        if (vt_next(&g) % 3 == 0)
            y = s.var_off.value;
        if (!vt_contains(&s, y))
            y = s.var_off.value | (s.umin & s.var_off.mask);
        cr_assert(vt_contains(&d, x), "random reg built around %#llx lost it", (unsigned long long)x);
        int same = vt_next(&g) % 20 == 0;
        int taken = same ? vf_branch_taken(&d, &d, op, jmp32) : vf_branch_taken(&d, &s, op, jmp32);
        struct vf_reg td = d, ts = s, fd = d, fs = s;
        if (same)
            vf_branch_refine(&td, &td, &fd, &fd, op, jmp32);
        else
            vf_branch_refine(&td, &ts, &fd, &fs, op, jmp32);
        if (taken >= 0)
            decided++;
        for (int k = 0; k < 8; k++) {
            uint64_t a = k ? vt_member(&g, &d, x) : x;
            uint64_t b = same ? a : (k ? vt_member(&g, &s, y) : y);
            if (!vt_contains(&s, b) && !same)
                continue;
            int c = vt_cond(op, a, b, jmp32);
            checks++;
            if (taken >= 0)
                cr_assert_eq(c, taken, "op %#x jmp32 %d: %#llx vs %#llx decided %d", op, jmp32, (unsigned long long)a,
                             (unsigned long long)b, taken);
            if (same) {
                cr_assert(vt_contains(c ? &td : &fd, a));
                continue;
            }
            if (c) {
                cr_assert(vt_contains(&td, a) && vt_contains(&ts, b),
                          "op %#x jmp32 %d true branch lost %#llx / %#llx (d umin %#llx umax %#llx)", op, jmp32,
                          (unsigned long long)a, (unsigned long long)b, (unsigned long long)td.umin,
                          (unsigned long long)td.umax);
                cr_assert(vf_reg_bounds_sane(&td) && vf_reg_bounds_sane(&ts), "a possible branch is not sane");
            } else {
                cr_assert(vt_contains(&fd, a) && vt_contains(&fs, b),
                          "op %#x jmp32 %d false branch lost %#llx / %#llx", op, jmp32, (unsigned long long)a,
                          (unsigned long long)b);
                cr_assert(vf_reg_bounds_sane(&fd) && vf_reg_bounds_sane(&fs), "a possible branch is not sane");
            }
        }
    }
    cr_assert_gt(checks, 100000);
    cr_assert_gt(decided, 1000, "the generator rarely produces decided jumps (%u)", decided);
}

/* ---- regressions found against the 6.18 verifier's log ---------------- */

Test(vf_branch, jset_false_forgets_ranges_then_rederives_from_tnum)
{
    /* "if r6 s> 0xcd2c6ae0" taken, then "if w6 & 0x65de44f7" not taken:
     * 6.18 forgets the ranges before narrowing the tnum, so smin is not
     * kept; the log: smax=0x7fffffff9a21bb08,umax=0xffffffff9a21bb08,
     * smax32=0x1a21bb08,umax32=0x9a21bb08,var_off=(0x0; 0xffffffff9a21bb08) */
    struct vf_reg r, t, f;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JSGT, (int32_t)0xcd2c6ae0u, 0, &t, &f);
    cr_assert_eq(t.smin, (int64_t)0xffffffffcd2c6ae1ull);
    refine_k(t, BPF_JSET, 0x65de44f7, 1, &r, &f);
    cr_assert_eq(f.smin, INT64_MIN);
    cr_assert_eq(f.smax, 0x7fffffff9a21bb08ll);
    cr_assert_eq(f.umin, 0);
    cr_assert_eq(f.umax, 0xffffffff9a21bb08ull);
    cr_assert_eq(f.s32_max, 0x1a21bb08);
    cr_assert_eq(f.u32_max, 0x9a21bb08u);
    cr_assert(tnum_eq(f.var_off, TNUM(0, 0xffffffff9a21bb08ull)));
}

Test(vf_branch, jset_single_bit_true_keeps_ranges_false_forgets)
{
    /* r s>= 5, then "if r & 0x100" taken: the 6.18 log shows
     * smin=umin=umin32=256,umax=0x7fffffffffffffff,smin32=0x80000100,
     * var_off=(0x100; 0x7ffffffffffffeff); with 0x300 (two bits) the
     * true branch keeps smin=umin=5 */
    struct vf_reg r, t, f;
    memset(&r, 0, sizeof(r));
    vf_mark_unknown(&r);
    refine_k(r, BPF_JSLT, 5, 0, &t, &f);
    refine_k(f, BPF_JSET, 0x100, 0, &t, &r);
    cr_assert_eq(t.smin, 256);
    cr_assert_eq(t.umin, 256);
    cr_assert_eq(t.u32_min, 256);
    cr_assert_eq(t.umax, 0x7fffffffffffffffull);
    cr_assert_eq(t.s32_min, (int32_t)0x80000100u);
    cr_assert(tnum_eq(t.var_off, TNUM(0x100, 0x7ffffffffffffeffull)));
    /* the false branch of the same jump: smin 0 from the tnum, not 5 */
    cr_assert_eq(r.smin, 0);
    cr_assert_eq(r.umax, 0x7ffffffffffffeffull);
    refine_k(f, BPF_JSET, 0x300, 0, &t, &r);
    cr_assert_eq(t.smin, 5);
    cr_assert_eq(t.umin, 5);
    /* r s<= 1000, then "if r & 0x100" (also "if w & 0x100"): the true
     * branch keeps smax=1000 (log: smin=0x8000000000000100,smax=1000,
     * umin=umin32=256,smin32=0x80000100,var_off=(0x100;
     * 0xfffffffffffffeff)), the false one has smax=0x7ffffffffffffeff */
    for (int j32 = 0; j32 < 2; j32++) {
        memset(&r, 0, sizeof(r));
        vf_mark_unknown(&r);
        refine_k(r, BPF_JSGT, 1000, 0, &t, &f);
        refine_k(f, BPF_JSET, 0x100, j32, &t, &r);
        cr_assert_eq(t.smax, 1000);
        cr_assert_eq(t.smin, (int64_t)0x8000000000000100ull);
        cr_assert_eq(t.umin, 256);
        cr_assert_eq(t.s32_min, (int32_t)0x80000100u);
        cr_assert(tnum_eq(t.var_off, TNUM(0x100, 0xfffffffffffffeffull)));
        cr_assert_eq(r.smax, 0x7ffffffffffffeffll);
        cr_assert_eq(r.umax, 0xfffffffffffffeffull);
        cr_assert_eq(r.u32_max, 0xfffffeffu);
    }
}

Test(vf_branch, jle_false_at_the_edge)
{
    struct vf_reg t, f;
    refine_k(vt_urange(0, 11), BPF_JGT, 10, 0, &t, &f);
    cr_assert_eq(f.umax, 10);
    cr_assert(tnum_eq(t.var_off, tnum_const(11)), "only 11 is > 10 in [0, 11]");
}
