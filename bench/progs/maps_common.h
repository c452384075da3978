/* maps_common.h - what the map benchmark programs (maps.c, compiled for BPF)
 * and the runner (maps_runner.c, compiled natively) must agree on: the key
 * set, the operations per run, the values prefilled and the values the
 * update programs write.  Both sides derive every key from the loop counter
 * with the same functions, so bpfrt and the kernel do identical work. */
#ifndef MAPS_COMMON_H
#define MAPS_COMMON_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define MB_NKEYS 1024     /* keys prefilled in every map (a power of two) */
#define MB_OPS 1024       /* map operations per program run */
#define MB_HASH_MAX 4096  /* max_entries of the hash maps (HASH, LRU_HASH, PERCPU_HASH) and the trie */
#define MB_KEY_MUL 0x9e3779b1u /* odd: i -> i * MB_KEY_MUL mod MB_NKEYS is a permutation */

/* Operation i of a run uses key mb_key(i): every key once per run, in a
 * scattered order (no two consecutive operations on neighbouring keys). */
static __always_inline unsigned int mb_key(unsigned int i)
{
    return (i * MB_KEY_MUL) & (MB_NKEYS - 1);
}

/* The value prefilled for key k, and the one the update programs write. */
static __always_inline unsigned long long mb_value(unsigned int k)
{
    return (unsigned long long)k * 0x9e3779b97f4a7c15ull + 1;
}

static __always_inline unsigned long long mb_new_value(unsigned int k)
{
    return ~mb_value(k);
}

/* LPM_TRIE: key k is the prefix 10.(k >> 8).(k & 255).0/24; lookups ask
 * for the host address 10.(k >> 8).(k & 255).(i & 255)/32, which only that
 * /24 matches.  The address is in network byte order: as a little-endian
 * u32, byte 0 (10) is the low byte. */
#define MB_LPM_PREFIXLEN 24
struct mb_lpm_key {
    unsigned int prefixlen;
    unsigned int addr;
};

static __always_inline unsigned int mb_lpm_addr(unsigned int k, unsigned int host)
{
    return 10u | (k >> 8) << 8 | (k & 255u) << 16 | (host & 255u) << 24;
}

/* Results are compared folded to 32 bits (the kernel's test-run retval). */
static __always_inline unsigned int mb_fold32(unsigned long long r)
{
    return (unsigned int)(r ^ (r >> 32));
}

#endif
