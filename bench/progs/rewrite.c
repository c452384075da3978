/* rewrite.c - a parser that writes the packet: a reflector, as an XDP
 * program that answers a packet where it came from.  Ethernet -> at most
 * one VLAN tag -> IPv4 (with options) or IPv6 -> TCP or UDP; then, in
 * place: the MAC addresses swapped, the IP addresses swapped, the ports
 * swapped, the TTL (hop limit) set to 64, and the IPv4 header checksum
 * recomputed over the whole header (RFC 1071, 16 bits a step, every
 * option word included; a header cut short in its options is ABORTED).  The TCP and UDP checksums stay valid: the
 * pseudo header's sum does not change when the addresses swap.
 *
 * Result: the verdict (an XDP action: XDP_TX for a packet it answered,
 * XDP_PASS for anything else, XDP_ABORTED for a malformed header) in bits
 * 0-7, the new IPv4 header checksum in bits 16-31.  A run on the timed
 * packet does the same work every time (the swaps undo the previous run's,
 * the TTL is already 64), so repeated runs time one packet's work. */
#include "bench_compat.h"

#define V_ABORTED 0
#define V_PASS 2
#define V_TX 3

static __always_inline void swap32(u8 *a, u8 *b)
{
    u32 t = bench_ld32(a);

    bench_st32(a, bench_ld32(b));
    bench_st32(b, t);
}

static __always_inline void swap16(u8 *a, u8 *b)
{
    u16 t = bench_ld16(a);

    bench_st16(a, bench_ld16(b));
    bench_st16(b, t);
}

static __always_inline u64 rewrite_work(u8 *data, u8 *end)
{
    u8 *p = data, *l4;
    u32 sum = 0, csum = 0;
    u16 proto;
    u8 l4proto;
    int i;

    if (p + 14 > end)
        return V_ABORTED;
    proto = bench_ntohs(bench_ld16(p + 12));
    p += 14;
    if (proto == 0x8100 || proto == 0x88a8) {
        if (p + 4 > end)
            return V_ABORTED;
        proto = bench_ntohs(bench_ld16(p + 2));
        p += 4;
    }
    if (proto == 0x0800) {
        u32 ihl;

        if (p + 20 > end)
            return V_ABORTED;
        ihl = (p[0] & 0xf) * 4;
        if ((p[0] >> 4) != 4 || ihl < 20)
            return V_ABORTED;
        if (bench_ntohs(bench_ld16(p + 6)) & 0x1fff) /* a later fragment: no ports */
            return V_PASS;
        l4proto = p[9];
        l4 = p + ihl;
    } else if (proto == 0x86dd) {
        if (p + 40 > end)
            return V_ABORTED;
        if ((p[0] >> 4) != 6)
            return V_ABORTED;
        l4proto = p[6];
        l4 = p + 40;
    } else {
        return V_PASS;
    }
    if (l4proto != 6 && l4proto != 17)
        return V_PASS;
    if (l4 + 4 > end)
        return V_ABORTED;

    /* the answer: every address and port the other way round */
    swap32(data, data + 6);
    swap16(data + 4, data + 10);
    swap16(l4, l4 + 2);
    if (proto == 0x86dd) {
        for (i = 0; i < 16; i += 4)
            swap32(p + 8 + i, p + 24 + i);
        p[7] = 64;
        return V_TX;
    }
    swap32(p + 12, p + 16);
    p[8] = 64;
    bench_st16(p + 10, 0);
    /* the header checksum: the fixed 20 bytes, then the option words */
    for (i = 0; i < 20; i += 2)
        sum += bench_ntohs(bench_ld16(p + i));
    for (i = 20; i < 60; i += 4) {
        u8 *o = p + i;

        if (o >= l4)
            break;
        bench_barrier_var(o); /* clang would drop the next check: o < l4 and l4 + 4 <= end */
        if (o + 4 > end)
            return V_ABORTED;
        sum += bench_ntohs(bench_ld16(o)) + bench_ntohs(bench_ld16(o + 2));
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    csum = ~sum & 0xffff;
    bench_st16(p + 10, bench_ntohs(csum));
    return (u64)csum << 16 | V_TX;
}

BENCH_PROG_RW(rewrite);
