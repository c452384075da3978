/* csum.c - the 16-bit ones'-complement internet checksum (RFC 1071) over
 * the whole frame, 16 bits at a time, as a NIC-less stack would compute it.
 * Returns the checksum as the value on the wire would read (big-endian). */
#include "bench_compat.h"

#define CSUM_MAX_WORDS 1024 /* frames up to 2048 bytes */

static __always_inline u64 csum_work(const u8 *data, const u8 *end)
{
    const u8 *p = data;
    u64 sum = 0;
    int i;

    for (i = 0; i < CSUM_MAX_WORDS; i++) {
        if (p + 2 > end)
            break;
        sum += bench_ld16(p);
        p += 2;
    }
    if (p + 1 <= end) /* odd length: the last byte is the high half of a word on the wire */
        sum += *p;
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return bench_ntohs(~sum & 0xffff);
}

BENCH_PROG(csum);
