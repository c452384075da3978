/* fnv1a.c - 64-bit FNV-1a hash of the whole frame, one byte at a time:
 * a load, a xor and a 64-bit multiply per byte. */
#include "bench_compat.h"

#define FNV1A_MAX_BYTES 2048
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

static __always_inline u64 fnv1a_work(const u8 *data, const u8 *end)
{
    const u8 *p = data;
    u64 h = FNV64_OFFSET;
    int i;

    for (i = 0; i < FNV1A_MAX_BYTES; i++) {
        if (p + 1 > end)
            break;
        h ^= *p++;
        h *= FNV64_PRIME;
    }
    return h;
}

BENCH_PROG(fnv1a);
