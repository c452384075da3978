/* verify_big.c - a larger program for the verifier benchmark only
 * (verify_bench; it is never run): an XDP parser that walks up to 40
 * bytes of TCP options with a bounded loop (every option kind a branch,
 * each with its own packet bounds check), up to 6 IPv6 extension headers,
 * and per-flow state in a hash map updated through a looked-up value:
 * the shape that makes a verifier explore many paths (packet ranges
 * refined per iteration, a map value or null, scalars bounded by
 * branches).  Compiled for BPF only (build/verify_big.bpf.o). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>

struct flow_key {
    __u32 saddr, daddr;
    __u16 sport, dport;
    __u8 proto, pad[3];
};

struct flow_val {
    __u64 packets, bytes;
    __u32 mss, wscale, sack_ok, ts_val, ts_ecr, opts_seen, ext_hdrs, flags;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct flow_key);
    __type(value, struct flow_val);
} flows SEC(".maps");

#define MAX_OPT_BYTES 40
#define MAX_EXT 2
#define MAX_OPTS 6 /* options walked, at most (NOPs included) */

static __always_inline __u16 ld16(const __u8 *p)
{
    return (__u16)(p[0] << 8 | p[1]);
}

static __always_inline __u32 ld32(const __u8 *p)
{
    return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* TCP options from opt to opt + len (len <= 40), into v */
static __always_inline int tcp_options(const __u8 *opt, __u32 len, const __u8 *end, struct flow_val *v)
{
    __u32 off = 0;

#pragma clang loop unroll(disable)
    for (int i = 0; i < MAX_OPTS; i++) {
        const __u8 *p;
        __u8 kind, olen;

        if (off >= len || off >= MAX_OPT_BYTES)
            break;
        p = opt + off;
        if (p + 1 > end)
            return -1;
        kind = p[0];
        if (kind == 0)
            break;
        if (kind == 1) {
            off++;
            continue;
        }
        if (p + 2 > end)
            return -1;
        olen = p[1];
        if (olen < 2)
            return -1;
        switch (kind) {
        case 2: /* MSS */
            if (olen != 4 || p + 4 > end)
                return -1;
            v->mss = ld16(p + 2);
            v->opts_seen |= 1u << 2;
            break;
        case 3: /* window scale */
            if (olen != 3 || p + 3 > end)
                return -1;
            v->wscale = p[2] > 14 ? 14 : p[2];
            v->opts_seen |= 1u << 3;
            break;
        case 4: /* SACK permitted */
            if (olen != 2)
                return -1;
            v->sack_ok = 1;
            v->opts_seen |= 1u << 4;
            break;
        case 5: /* SACK blocks */
            if (olen < 10 || (olen - 2) % 8 || p + 10 > end)
                return -1;
            v->flags += (olen - 2) / 8;
            v->opts_seen |= 1u << 5;
            break;
        case 8: /* timestamps */
            if (olen != 10 || p + 10 > end)
                return -1;
            v->ts_val = ld32(p + 2);
            v->ts_ecr = ld32(p + 6);
            v->opts_seen |= 1u << 8;
            break;
        case 30: /* MPTCP: subtype in the high nibble */
            if (olen < 3 || p + 3 > end)
                return -1;
            v->flags |= (__u32)(p[2] >> 4) << 16;
            v->opts_seen |= 1u << 30;
            break;
        default:
            v->opts_seen |= 1u << 31;
            break;
        }
        /* forget which constant olen was on this path: the offset
         * becomes a range, so the paths through the switch meet again
         * (otherwise every sequence of option kinds is its own state) */
        asm volatile("" : "+r"(olen));
        off += olen;
    }
    return 0;
}

static __always_inline int l4(const __u8 *l4p, const __u8 *end, struct flow_key *k, struct flow_val *v)
{
    if (k->proto == IPPROTO_TCP) {
        __u32 doff;

        if (l4p + 20 > end)
            return -1;
        k->sport = ld16(l4p);
        k->dport = ld16(l4p + 2);
        v->flags |= l4p[13];
        doff = (__u32)(l4p[12] >> 4) * 4;
        if (doff < 20)
            return -1;
        return tcp_options(l4p + 20, doff - 20, end, v);
    }
    if (k->proto == IPPROTO_UDP) {
        if (l4p + 8 > end)
            return -1;
        k->sport = ld16(l4p);
        k->dport = ld16(l4p + 2);
        return 0;
    }
    return 0;
}

SEC("xdp")
int xdp_verify_big(struct xdp_md *ctx)
{
    const __u8 *data = (const __u8 *)(long)ctx->data;
    const __u8 *end = (const __u8 *)(long)ctx->data_end;
    struct flow_val nv = {}, *v;
    struct flow_key k = {};
    const __u8 *p;
    __u16 proto;

    if (data + 14 > end)
        return XDP_PASS;
    proto = ld16(data + 12);
    if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
        if (data + 18 > end)
            return XDP_PASS;
        proto = ld16(data + 16);
        p = data + 18;
    } else {
        p = data + 14;
    }
    if (proto == ETH_P_IP) {
        __u32 ihl;

        if (p + 20 > end)
            return XDP_PASS;
        ihl = (__u32)(p[0] & 0xf) * 4;
        if (ihl < 20)
            return XDP_DROP;
        k.proto = p[9];
        k.saddr = ld32(p + 12);
        k.daddr = ld32(p + 16);
        if (ld16(p + 6) & 0x1fff) /* a later fragment: no L4 header */
            goto account;
        p += ihl;
    } else if (proto == ETH_P_IPV6) {
        __u8 nh;

        if (p + 40 > end)
            return XDP_PASS;
        nh = p[6];
        k.saddr = ld32(p + 8) ^ ld32(p + 12) ^ ld32(p + 16) ^ ld32(p + 20);
        k.daddr = ld32(p + 24) ^ ld32(p + 28) ^ ld32(p + 32) ^ ld32(p + 36);
        p += 40;
#pragma clang loop unroll(disable)
        for (int i = 0; i < MAX_EXT; i++) {
            if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
                break;
            if (p + 8 > end)
                return XDP_PASS;
            nv.ext_hdrs++;
            if (nh == 44) { /* fragment: fixed 8 bytes; a later one has no L4 */
                if (ld16(p + 2) & 0xfff8)
                    goto account_nh;
                nh = p[0];
                p += 8;
                continue;
            }
            nh = p[0];
            p += ((__u32)p[1] + 1) * 8;
        }
account_nh:
        k.proto = nh;
    } else {
        return XDP_PASS;
    }
    if (l4(p, end, &k, &nv) < 0)
        return XDP_DROP;
account:
    v = bpf_map_lookup_elem(&flows, &k);
    if (!v) {
        nv.packets = 1;
        nv.bytes = (__u64)(end - data);
        bpf_map_update_elem(&flows, &k, &nv, BPF_NOEXIST);
        return XDP_PASS;
    }
    __sync_fetch_and_add(&v->packets, 1);
    __sync_fetch_and_add(&v->bytes, (__u64)(end - data));
    /* copied whatever they hold: a branch on them here would make the
     * verifier track every combination of options seen exactly */
    v->mss = nv.mss;
    v->wscale = nv.wscale;
    v->ts_val = nv.ts_val;
    v->ts_ecr = nv.ts_ecr;
    v->sack_ok |= nv.sack_ok;
    v->opts_seen |= nv.opts_seen;
    v->ext_hdrs = nv.ext_hdrs;
    v->flags |= nv.flags;
    return v->flags & 0x4 ? XDP_DROP : XDP_PASS; /* RST seen: drop */
}

char LICENSE[] SEC("license") = "GPL";
