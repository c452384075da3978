/* checksum.h - FNV-1a 64, the checksum of bpfrt's pin files. */
#ifndef BPFRT_CHECKSUM_H
#define BPFRT_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#define RT_FNV1A_INIT 0xcbf29ce484222325ull

/* Continue the hash h over n bytes at p (start with RT_FNV1A_INIT). */
static inline uint64_t rt_fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#endif
