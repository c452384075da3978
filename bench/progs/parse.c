/* parse.c - a branchy header parser as a load balancer or firewall front end
 * runs it: Ethernet -> up to two VLAN tags (802.1Q / 802.1ad) -> IPv4 (with
 * options) or IPv6 (with up to four extension headers) -> TCP / UDP ports ->
 * a small rule set -> verdict, plus a hash of the flow.
 *
 * Result: bits 0-7 the verdict (an XDP action: PASS, DROP, ABORTED for a
 * malformed header), bits 8-19 the innermost VLAN id, bits 20-27 the L4
 * protocol, bits 32-63 the flow hash. */
#include "bench_compat.h"

#define V_ABORTED 0
#define V_DROP 1
#define V_PASS 2

#define ETH_HLEN_ 14
#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMP_ 1
#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_DSTOPTS_ 60
#define MAX_VLANS 2
#define MAX_EXTHDRS 4

static __always_inline u32 mix32(u32 h, u32 v)
{
    v *= 0xcc9e2d51u;
    v = (v << 15) | (v >> 17);
    v *= 0x1b873593u;
    h ^= v;
    h = (h << 13) | (h >> 19);
    return h * 5 + 0xe6546b64u;
}

static __always_inline u32 fmix32(u32 h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static __always_inline u64 result(u32 verdict, u32 vlan, u32 l4proto, u32 hash)
{
    return (u64)hash << 32 | (u64)(l4proto & 0xff) << 20 | (u64)(vlan & 0xfff) << 8 | verdict;
}

static __always_inline u64 parse_work(const u8 *data, const u8 *end)
{
    const u8 *p = data, *l4;
    u32 hash = 0x9747b28cu, vlan = 0, l4proto, sport = 0, dport = 0, tcpflags = 0;
    u16 proto;
    int i;

    /* Ethernet */
    if (p + ETH_HLEN_ > end)
        return result(V_ABORTED, 0, 0, 0);
    proto = bench_ntohs(bench_ld16(p + 12));
    p += ETH_HLEN_;

    /* VLAN tags */
    for (i = 0; i < MAX_VLANS; i++) {
        if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
            break;
        if (p + 4 > end)
            return result(V_ABORTED, vlan, 0, 0);
        vlan = bench_ntohs(bench_ld16(p)) & 0xfff;
        proto = bench_ntohs(bench_ld16(p + 2));
        p += 4;
    }
    if (vlan == 4095)
        return result(V_DROP, vlan, 0, 0);

    /* Network layer */
    if (proto == ETH_P_IPV4) {
        u32 ihl, frag;

        if (p + 20 > end)
            return result(V_ABORTED, vlan, 0, 0);
        if ((p[0] >> 4) != 4)
            return result(V_ABORTED, vlan, 0, 0);
        ihl = (p[0] & 0xf) * 4;
        if (ihl < 20)
            return result(V_ABORTED, vlan, 0, 0);
        if (p[8] <= 1) /* TTL would expire here */
            return result(V_DROP, vlan, 0, 0);
        l4proto = p[9];
        hash = mix32(hash, bench_ld32(p + 12));
        hash = mix32(hash, bench_ld32(p + 16));
        frag = bench_ntohs(bench_ld16(p + 6));
        l4 = p + ihl;
        if (l4 > end)
            return result(V_ABORTED, vlan, l4proto, 0);
        if (frag & 0x1fff) /* a later fragment: no ports */
            return result(V_PASS, vlan, l4proto, fmix32(mix32(hash, l4proto)));
    } else if (proto == ETH_P_IPV6) {
        if (p + 40 > end)
            return result(V_ABORTED, vlan, 0, 0);
        if ((p[0] >> 4) != 6)
            return result(V_ABORTED, vlan, 0, 0);
        if (p[7] <= 1) /* hop limit */
            return result(V_DROP, vlan, 0, 0);
        l4proto = p[6];
        for (i = 8; i < 40; i += 4)
            hash = mix32(hash, bench_ld32(p + i));
        l4 = p + 40;
        for (i = 0; i < MAX_EXTHDRS; i++) {
            if (l4proto == IPPROTO_HOPOPTS_ || l4proto == IPPROTO_ROUTING_ || l4proto == IPPROTO_DSTOPTS_) {
                if (l4 + 8 > end)
                    return result(V_ABORTED, vlan, l4proto, 0);
                l4proto = l4[0];
                l4 += (l4[1] + 1) * 8;
            } else if (l4proto == IPPROTO_FRAGMENT_) {
                if (l4 + 8 > end)
                    return result(V_ABORTED, vlan, l4proto, 0);
                l4proto = l4[0];
                if (bench_ntohs(bench_ld16(l4 + 2)) & 0xfff8) /* not the first fragment */
                    return result(V_PASS, vlan, l4proto, fmix32(mix32(hash, l4proto)));
                l4 += 8;
            } else {
                break;
            }
        }
    } else {
        /* ARP, LLDP, ...: pass, hashed on the EtherType */
        return result(V_PASS, vlan, 0, fmix32(mix32(hash, proto)));
    }

    /* Transport layer */
    if (l4proto == IPPROTO_TCP_) {
        u32 doff;

        if (l4 + 20 > end)
            return result(V_ABORTED, vlan, l4proto, 0);
        sport = bench_ntohs(bench_ld16(l4));
        dport = bench_ntohs(bench_ld16(l4 + 2));
        doff = (l4[12] >> 4) * 4;
        tcpflags = l4[13];
        if (doff < 20 || l4 + doff > end)
            return result(V_ABORTED, vlan, l4proto, 0);
        if ((tcpflags & 0x03) == 0x03) /* SYN+FIN */
            return result(V_DROP, vlan, l4proto, 0);
        if (tcpflags == 0) /* null scan */
            return result(V_DROP, vlan, l4proto, 0);
    } else if (l4proto == IPPROTO_UDP_) {
        if (l4 + 8 > end)
            return result(V_ABORTED, vlan, l4proto, 0);
        sport = bench_ntohs(bench_ld16(l4));
        dport = bench_ntohs(bench_ld16(l4 + 2));
        if (bench_ntohs(bench_ld16(l4 + 4)) < 8)
            return result(V_ABORTED, vlan, l4proto, 0);
    } else if (l4proto == IPPROTO_ICMP_) {
        if (l4 + 8 > end)
            return result(V_ABORTED, vlan, l4proto, 0);
        sport = l4[0]; /* type */
        dport = l4[1]; /* code */
    }

    /* Rules */
    if (l4proto == IPPROTO_TCP_ && (dport == 23 || dport == 2323))
        return result(V_DROP, vlan, l4proto, 0);
    if (l4proto == IPPROTO_UDP_ && (sport == 19 || sport == 1900 || dport == 19))
        return result(V_DROP, vlan, l4proto, 0);
    if (l4proto == IPPROTO_UDP_ && sport == 53 && dport >= 1024 && vlan == 100)
        return result(V_DROP, vlan, l4proto, 0);

    hash = mix32(hash, sport << 16 | dport);
    hash = mix32(hash, l4proto);
    return result(V_PASS, vlan, l4proto, fmix32(hash));
}

BENCH_PROG(parse);
