/* csum.h - the Internet checksum as the kernel computes it on x86-64
 * (arch/x86/lib/csum-partial_64.c, include/net/checksum.h,
 * arch/x86/include/asm/checksum_64.h): the same 32-bit partial sums, not
 * only the same folded value, because bpf_csum_diff hands its partial sum
 * to the program and the helpers that replace a checksum fold it. */
#ifndef BPFRT_HELPERS_CSUM_H
#define BPFRT_HELPERS_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* csum_partial: the bytes as little-endian 64-bit words (the tail zero
 * padded) added with end-around carry to the 32-bit seed, then the two
 * halves added with end-around carry (csum_finalize_sum). */
static inline uint32_t cs_partial(const void *buf, size_t len, uint32_t sum)
{
    const uint8_t *p = buf;
    uint64_t t = sum, v;

    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&v, p, 8);
        t += v;
        t += t < v;
    }
    if (len) {
        v = 0;
        memcpy(&v, p, len);
        t += v;
        t += t < v;
    }
    return (uint32_t)((t + ((t >> 32) | (t << 32))) >> 32);
}

/* csum_add / csum_sub: 32-bit one's complement arithmetic. */
static inline uint32_t cs_add(uint32_t a, uint32_t b)
{
    uint32_t r = a + b;
    return r + (r < b);
}

static inline uint32_t cs_sub(uint32_t a, uint32_t b)
{
    return cs_add(a, ~b);
}

/* csum_fold: the 32-bit sum folded to 16 bits and complemented. */
static inline uint16_t cs_fold(uint32_t s)
{
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* csum_from32to16: the halves added with end-around carry (no
 * complement), what bpf_csum_diff returns since Linux 6.13. */
static inline uint16_t cs_from32to16(uint32_t s)
{
    s += (s >> 16) | (s << 16);
    return (uint16_t)(s >> 16);
}

/* csum16_add: 16-bit one's complement addition. */
static inline uint16_t cs16_add(uint16_t c, uint16_t a)
{
    uint16_t r = (uint16_t)(c + a);
    return (uint16_t)(r + (r < a));
}

#endif
