/* tnum.h - tracked numbers: which bits of a 64-bit value are known and
 * what they are (the kernel's kernel/bpf/tnum.c idea).  value holds the
 * known bits; mask has a 1 for every unknown bit; value & mask == 0. */
#ifndef BPFRT_VERIFIER_TNUM_H
#define BPFRT_VERIFIER_TNUM_H

#include <stdint.h>

struct tnum {
    uint64_t value;
    uint64_t mask;
};

#define TNUM(v, m) ((struct tnum){(v), (m)})
extern const struct tnum tnum_unknown;

struct tnum tnum_const(uint64_t value);
/* The smallest tnum holding every value of [min, max] (unsigned). */
struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_lshift(struct tnum a, uint8_t shift);
struct tnum tnum_rshift(struct tnum a, uint8_t shift);
struct tnum tnum_arshift(struct tnum a, uint8_t min_shift, uint8_t insn_bitness);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_neg(struct tnum a);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
/* Values in both a and b (the caller knows they overlap). */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* Values in a or b. */
struct tnum tnum_union(struct tnum a, struct tnum b);
/* Truncate to size bytes / sign-extend from size bytes. */
struct tnum tnum_cast(struct tnum a, uint8_t size);
/* Are the low size bytes... of a aligned to size (low bits known zero)? */
int tnum_is_aligned(struct tnum a, uint64_t size);
/* Is every value of b a value of a? */
int tnum_in(struct tnum a, struct tnum b);
/* Low / high 32 bits as tnums; a with its low 32 bits replaced. */
struct tnum tnum_subreg(struct tnum a);
struct tnum tnum_clear_subreg(struct tnum a);
struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg);
struct tnum tnum_const_subreg(struct tnum a, uint32_t value);
static inline int tnum_is_const(struct tnum a)
{
    return !a.mask;
}
static inline int tnum_equals_const(struct tnum a, uint64_t b)
{
    return tnum_is_const(a) && a.value == b;
}
static inline int tnum_is_unknown(struct tnum a)
{
    return !~a.mask;
}
static inline int tnum_subreg_is_const(struct tnum a)
{
    return !(uint32_t)a.mask;
}
static inline int tnum_eq(struct tnum a, struct tnum b)
{
    return a.value == b.value && a.mask == b.mask;
}
/* Print as the kernel's log does: "(0x0; 0xff)" style into buf. */
int tnum_fmt(char *buf, unsigned long size, struct tnum a);

/* tnum.c additions */
/* Can a and b hold a common value (their known bits agree where both are
 * known)?  The kernel's tnum_overlap (6.18's is_branch_taken uses it). */
int tnum_overlap(struct tnum a, struct tnum b);
/* Byte swaps of the low 16 / 32 / 64 bits (the rest cleared): BPF_END. */
struct tnum tnum_bswap16(struct tnum a);
struct tnum tnum_bswap32(struct tnum a);
struct tnum tnum_bswap64(struct tnum a);

#endif
