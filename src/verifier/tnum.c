/* tnum.c - tracked numbers: the bits of a 64-bit value that are known.
 *
 * A tnum (value, mask) stands for every x with x & ~mask == value: a bit
 * set in mask is unknown, a clear one is known and equal to value's bit.
 * The operations follow the kernel's kernel/bpf/tnum.c (as of 6.18, which
 * is the oracle: its multiplication is the union-based one), written
 * afresh from the arithmetic: each result holds every concrete result of
 * the operation on members of the operands. */
#include <stdio.h>

#include "verifier/tnum.h"

const struct tnum tnum_unknown = {.value = 0, .mask = ~(uint64_t)0};

struct tnum tnum_const(uint64_t value)
{
    return TNUM(value, 0);
}

/* Bits at and below the highest bit where min and max differ can take any
 * value inside [min, max]; the bits above are the common prefix. */
struct tnum tnum_range(uint64_t min, uint64_t max)
{
    uint64_t diff = min ^ max;
    if (!diff)
        return tnum_const(min);
    int bits = 64 - __builtin_clzll(diff);
    if (bits >= 64)
        return tnum_unknown;
    uint64_t low = ((uint64_t)1 << bits) - 1;
    return TNUM(min & ~low, low);
}

struct tnum tnum_lshift(struct tnum a, uint8_t shift)
{
    if (shift >= 64)
        return tnum_const(0);
    return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, uint8_t shift)
{
    if (shift >= 64)
        return tnum_const(0);
    return TNUM(a.value >> shift, a.mask >> shift);
}

/* Arithmetic shift: the sign bit (known or not) is copied into the bits
 * shifted in, for the 32-bit subregister (insn_bitness 32: the result is
 * the zero-extended 32-bit value) or the whole register.  The kernel's
 * tnum_arshift. */
struct tnum tnum_arshift(struct tnum a, uint8_t min_shift, uint8_t insn_bitness)
{
    if (insn_bitness == 32) {
        if (min_shift > 31)
            min_shift = 31;
        uint32_t v = (uint32_t)((int32_t)(uint32_t)a.value >> min_shift);
        uint32_t m = (uint32_t)((int32_t)(uint32_t)a.mask >> min_shift);
        return TNUM(v, m);
    }
    if (min_shift > 63)
        min_shift = 63;
    return TNUM((uint64_t)((int64_t)a.value >> min_shift), (uint64_t)((int64_t)a.mask >> min_shift));
}

/* Sum: the known parts add exactly; a bit is unknown where the smallest
 * and largest possible sums (value+value and value+mask+value+mask) differ
 * or where an operand's bit is unknown (carries out of unknown bits). */
struct tnum tnum_add(struct tnum a, struct tnum b)
{
    uint64_t sv = a.value + b.value;
    uint64_t smax = sv + a.mask + b.mask;
    uint64_t unknown = (sv ^ smax) | a.mask | b.mask;
    return TNUM(sv & ~unknown, unknown);
}

/* Difference: the extremes are a_max - b_min and a_min - b_max. */
struct tnum tnum_sub(struct tnum a, struct tnum b)
{
    uint64_t dv = a.value - b.value;
    uint64_t hi = dv + a.mask;
    uint64_t lo = dv - b.mask;
    uint64_t unknown = (hi ^ lo) | a.mask | b.mask;
    return TNUM(dv & ~unknown, unknown);
}

struct tnum tnum_neg(struct tnum a)
{
    return tnum_sub(tnum_const(0), a);
}

/* A result bit is known 1 where both are known 1, known 0 where either is
 * known 0, unknown otherwise. */
struct tnum tnum_and(struct tnum a, struct tnum b)
{
    uint64_t ones = a.value & b.value;
    uint64_t maybe = (a.value | a.mask) & (b.value | b.mask);
    return TNUM(ones, maybe & ~ones);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
    uint64_t ones = a.value | b.value;
    uint64_t unknown = (a.mask | b.mask) & ~ones;
    return TNUM(ones, unknown);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
    uint64_t unknown = a.mask | b.mask;
    return TNUM((a.value ^ b.value) & ~unknown, unknown);
}

/* Long multiplication over the bits of a: a known 1 bit adds the shifted b,
 * an unknown bit adds it or not (the union of both partial sums).  This is
 * the 6.18 kernel's tnum_mul (more precise than the older value/mask
 * split). */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
    struct tnum acc = tnum_const(0);
    while (a.value || a.mask) {
        if (a.value & 1)
            acc = tnum_add(acc, b);
        else if (a.mask & 1)
            acc = tnum_union(acc, tnum_add(acc, b));
        a = tnum_rshift(a, 1);
        b = tnum_lshift(b, 1);
    }
    return acc;
}

/* Known in either means known in the intersection (the caller knows the
 * two describe a common value, so known bits agree). */
struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
    uint64_t v = a.value | b.value;
    uint64_t m = a.mask & b.mask;
    return TNUM(v & ~m, m);
}

/* Known in the union only where known in both and equal. */
struct tnum tnum_union(struct tnum a, struct tnum b)
{
    uint64_t m = a.mask | b.mask | (a.value ^ b.value);
    return TNUM(a.value & ~m, m);
}

struct tnum tnum_cast(struct tnum a, uint8_t size)
{
    if (size >= 8)
        return a;
    uint64_t keep = ((uint64_t)1 << (size * 8)) - 1;
    return TNUM(a.value & keep, a.mask & keep);
}

int tnum_is_aligned(struct tnum a, uint64_t size)
{
    if (!size)
        return 1;
    return !((a.value | a.mask) & (size - 1));
}

int tnum_in(struct tnum a, struct tnum b)
{
    if (b.mask & ~a.mask)
        return 0;
    return a.value == (b.value & ~a.mask);
}

struct tnum tnum_subreg(struct tnum a)
{
    return tnum_cast(a, 4);
}

struct tnum tnum_clear_subreg(struct tnum a)
{
    return tnum_lshift(tnum_rshift(a, 32), 32);
}

struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
    return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}

struct tnum tnum_const_subreg(struct tnum a, uint32_t value)
{
    return tnum_with_subreg(a, tnum_const(value));
}

int tnum_overlap(struct tnum a, struct tnum b)
{
    uint64_t both_known = ~a.mask & ~b.mask;
    return (a.value & both_known) == (b.value & both_known);
}

struct tnum tnum_bswap16(struct tnum a)
{
    return TNUM(__builtin_bswap16((uint16_t)a.value), __builtin_bswap16((uint16_t)a.mask));
}

struct tnum tnum_bswap32(struct tnum a)
{
    return TNUM(__builtin_bswap32((uint32_t)a.value), __builtin_bswap32((uint32_t)a.mask));
}

struct tnum tnum_bswap64(struct tnum a)
{
    return TNUM(__builtin_bswap64(a.value), __builtin_bswap64(a.mask));
}

int tnum_fmt(char *buf, unsigned long size, struct tnum a)
{
    /* The kernel's "%#llx" prints 0 as 0x0 (glibc's would print 0). */
    return snprintf(buf, size, "(0x%llx; 0x%llx)", (unsigned long long)a.value, (unsigned long long)a.mask);
}
