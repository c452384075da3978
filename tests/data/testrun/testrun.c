/* testrun.c - typed programs for tests/kernel-diff/test_testrun_diff.c
 * (compiled there at test time): the same object is test-run in the
 * kernel (BPF_PROG_TEST_RUN) and in bpfrt, with the same packets and
 * contexts, and the return value, the packet out and the context out must
 * be the same byte for byte.
 *
 * Each program makes what it saw visible: context fields and helper
 * results are written into the packet (after the Ethernet header, where
 * the packet is long enough), into writable context fields, or folded
 * into the return value. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

/* ------------------------------------------------------------------ XDP */

/* Every xdp_md field, written after the Ethernet header. */
SEC("xdp")
int xdp_fields(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    void *meta = (void *)(long)ctx->data_meta;
    __u32 *out = data + 14;

    if ((void *)(out + 5) > end)
        return XDP_DROP;
    out[0] = (__u32)(end - data);
    out[1] = (__u32)(data - meta);
    out[2] = ctx->ingress_ifindex;
    out[3] = ctx->rx_queue_index;
    out[4] = 0x11223344;
    if (data - meta >= 4 && meta + 4 <= data)
        out[4] = *(__u32 *)meta;
    return XDP_PASS;
}

/* A parser: IPv4/IPv6, TCP/UDP/ICMP behind an optional VLAN tag, every
 * header checked against data_end.  DNS over UDP is dropped, ICMP echo is
 * sent back (MACs swapped), TCP to port 22 aborted, fragments redirected
 * (XDP_REDIRECT is only a code in a test run), the rest passed; the ports
 * and the protocol are written over the MAC addresses. */
SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    __u16 proto;
    __u8 l4 = 0;
    void *p;

    if ((void *)(eth + 1) > end)
        return XDP_ABORTED;
    proto = eth->h_proto;
    p = eth + 1;
    if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
        if (p + 4 > end)
            return XDP_DROP;
        proto = *(__u16 *)(p + 2);
        p += 4;
    }
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = p;
        if ((void *)(ip + 1) > end)
            return XDP_DROP;
        if (ip->ihl < 5)
            return XDP_DROP;
        if (ip->frag_off & bpf_htons(0x3fff))
            return XDP_REDIRECT;
        l4 = ip->protocol;
        p += ip->ihl * 4;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = p;
        if ((void *)(ip6 + 1) > end)
            return XDP_DROP;
        l4 = ip6->nexthdr;
        p = ip6 + 1;
    } else {
        return XDP_PASS;
    }
    eth->h_dest[0] = l4;
    if (l4 == IPPROTO_UDP) {
        struct udphdr *udp = p;
        if ((void *)(udp + 1) > end)
            return XDP_DROP;
        eth->h_dest[1] = (__u8)udp->dest;
        eth->h_dest[2] = (__u8)(udp->dest >> 8);
        if (udp->dest == bpf_htons(53))
            return XDP_DROP;
    } else if (l4 == IPPROTO_TCP) {
        struct tcphdr *tcp = p;
        if ((void *)(tcp + 1) > end)
            return XDP_DROP;
        eth->h_dest[1] = (__u8)tcp->dest;
        eth->h_dest[2] = (__u8)(tcp->dest >> 8);
        if (tcp->dest == bpf_htons(22))
            return XDP_ABORTED;
    } else if (l4 == IPPROTO_ICMP || l4 == IPPROTO_ICMPV6) {
        __u8 tmp[6];
        __builtin_memcpy(tmp, eth->h_dest, 6);
        __builtin_memcpy(eth->h_dest, eth->h_source, 6);
        __builtin_memcpy(eth->h_source, tmp, 6);
        return XDP_TX;
    }
    return XDP_PASS;
}

/* The adjust helpers with offsets taken from the packet (bytes 14..17 as
 * signed: head, tail, meta), every result folded into the return value
 * and, where room is left, written into the metadata and the packet. */
SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __s8 head, tail, meta;
    __s16 big;
    long r1, r2, r3, r4;
    __u32 ret;

    if (data + 20 > end)
        return XDP_ABORTED;
    head = ((__s8 *)data)[14];
    tail = ((__s8 *)data)[15];
    meta = ((__s8 *)data)[16];
    big = ((__s16 *)data)[9];
    r1 = bpf_xdp_adjust_meta(ctx, meta);
    r2 = bpf_xdp_adjust_head(ctx, head);
    r3 = bpf_xdp_adjust_tail(ctx, tail);
    r4 = bpf_xdp_adjust_tail(ctx, big);
    ret = ((__u32)r1 & 0xff) | ((__u32)r2 & 0xff) << 8 | ((__u32)r3 & 0xff) << 16 | ((__u32)r4 & 0xff) << 24;
    data = (void *)(long)ctx->data;
    end = (void *)(long)ctx->data_end;
    {
        void *m = (void *)(long)ctx->data_meta;
        if (m + 4 <= data)
            *(__u32 *)m = ret ^ 0x5a5a5a5a;
    }
    if (data + 8 <= end) {
        ((__u32 *)data)[0] = ret;
        ((__u32 *)data)[1] = (__u32)(end - data);
    }
    return ret;
}

/* bpf_xdp_load_bytes / store_bytes / get_buff_len with offsets and
 * lengths from the packet. */
SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u8 buf[32] = {};
    __u32 off, len;
    long r1, r2;

    if (data + 18 > end)
        return XDP_ABORTED;
    off = ((__u16 *)data)[7];
    len = ((__u8 *)data)[16] & 31;
    if (!len)
        len = 1;
    r1 = bpf_xdp_load_bytes(ctx, off, buf, len);
    buf[0] ^= 0xff;
    r2 = bpf_xdp_store_bytes(ctx, ((__u8 *)data)[17], buf, len);
    return ((__u32)r1 & 0xff) | ((__u32)r2 & 0xff) << 8 | (bpf_xdp_get_buff_len(ctx) & 0xffff) << 16;
}

/* --------------------------------------------------------------- tc */

/* Every __sk_buff field tc reads, written after the Ethernet header when
 * there is room, and folded into the return value; the writable fields
 * are written. */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    void *meta = (void *)(long)skb->data_meta;
    __u32 v[24];
    __u32 h = 2166136261u;

    v[0] = skb->len;
    v[1] = skb->pkt_type;
    v[2] = skb->mark;
    v[3] = skb->queue_mapping;
    v[4] = skb->protocol;
    v[5] = skb->vlan_present;
    v[6] = skb->vlan_tci;
    v[7] = skb->vlan_proto;
    v[8] = skb->priority;
    v[9] = skb->ingress_ifindex;
    v[10] = skb->ifindex;
    v[11] = skb->tc_index;
    v[12] = skb->cb[0] ^ skb->cb[1] ^ skb->cb[2] ^ skb->cb[3] ^ skb->cb[4];
    v[13] = skb->hash;
    v[14] = skb->tc_classid;
    v[15] = skb->napi_id;
    v[16] = skb->wire_len;
    v[17] = skb->gso_segs;
    v[18] = skb->gso_size;
    v[19] = (__u32)skb->tstamp ^ (__u32)(skb->tstamp >> 32);
    v[20] = (__u32)skb->hwtstamp ^ (__u32)(skb->hwtstamp >> 32);
    v[21] = skb->tstamp_type;
    v[22] = (__u32)(end - data);
    v[23] = (__u32)(data - meta);
#pragma unroll
    for (int i = 0; i < 24; i++)
        h = (h ^ v[i]) * 16777619u;
    if (data + 14 + sizeof(v) <= end)
        __builtin_memcpy(data + 14, v, sizeof(v));
    /* narrow loads */
    h ^= *(__u8 *)((void *)skb + __builtin_offsetof(struct __sk_buff, protocol) + 1) << 8;
    h ^= *(__u16 *)((void *)skb + __builtin_offsetof(struct __sk_buff, len) + 2) << 4;
    skb->mark = h;
    skb->priority = v[0] + v[1];
    skb->cb[0] = v[4];
    skb->cb[2] = ~h;
    skb->tc_index = (__u16)h;
    skb->tc_classid = v[0];
    skb->queue_mapping = v[0] & 7;
    skb->tstamp = skb->tstamp + 1000;
    return h & 1 ? TC_ACT_OK : TC_ACT_SHOT;
}

/* IPv4 daddr and the L4 destination port rewritten with skb_store_bytes
 * and the checksums fixed with l3/l4_csum_replace and csum_diff; the
 * helper results written into cb and the return value. */
SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr ip;
    __u32 old_daddr, new_daddr = bpf_htonl(0x0a000001);
    __u16 old_port, new_port = bpf_htons(8080);
    long r1, r2, r3, r4, r5, r6;
    int l4off, csumoff;

    if ((void *)(eth + 1) > end)
        return TC_ACT_SHOT;
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_UNSPEC;
    r1 = bpf_skb_load_bytes(skb, 14, &ip, sizeof(ip));
    if (r1)
        return 100 + (int)(r1 & 0xff);
    old_daddr = ip.daddr;
    l4off = 14 + ip.ihl * 4;
    if (ip.protocol == IPPROTO_TCP)
        csumoff = l4off + 16;
    else if (ip.protocol == IPPROTO_UDP)
        csumoff = l4off + 6;
    else
        csumoff = -1;
    r2 = bpf_skb_store_bytes(skb, 14 + __builtin_offsetof(struct iphdr, daddr), &new_daddr, 4, 0);
    r3 = bpf_l3_csum_replace(skb, 14 + __builtin_offsetof(struct iphdr, check), old_daddr, new_daddr, 4);
    r4 = r5 = r6 = 0;
    if (csumoff > 0) {
        r4 = bpf_l4_csum_replace(skb, csumoff, old_daddr, new_daddr, BPF_F_PSEUDO_HDR | 4);
        if (bpf_skb_load_bytes(skb, l4off + 2, &old_port, 2) == 0) {
            r5 = bpf_skb_store_bytes(skb, l4off + 2, &new_port, 2, 0);
            r6 = bpf_l4_csum_replace(skb, csumoff, old_port, new_port,
                                     2 | (ip.protocol == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
        } else {
            r5 = -1;
        }
    }
    {
        __u32 a[2] = {old_daddr, 0x12345678}, b[3] = {new_daddr, 0x9abcdef0, ip.saddr};
        skb->cb[0] = (__u32)bpf_csum_diff(a, 8, b, 12, 0);
        skb->cb[1] = (__u32)bpf_csum_diff(0, 0, b, 12, 0x1234);
        skb->cb[2] = (__u32)bpf_csum_diff(a, 8, 0, 0, 0xfffe);
        skb->cb[3] = (__u32)bpf_csum_diff(a, 6, b, 4, 0);
        r1 = bpf_csum_diff(a, 8, b, 8, 0);
        skb->cb[4] = (__u32)bpf_l3_csum_replace(skb, 14 + __builtin_offsetof(struct iphdr, check), 0, r1, 0);
    }
    skb->mark = (__u32)((r2 & 0xff) | (r3 & 0xff) << 8 | (r4 & 0xff) << 16 | (r5 & 0xff) << 24);
    skb->priority = (__u32)r6;
    return TC_ACT_OK;
}

/* skb_load_bytes, skb_store_bytes, skb_pull_data and the csum helpers'
 * error returns, with offsets and flags from the packet. */
SEC("tc")
int tc_helper_errors(struct __sk_buff *skb)
{
    __u8 buf[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    __u32 off, fl;
    long r[8];
    __u32 ret = 0;

    if (bpf_skb_load_bytes(skb, 0, buf, 14))
        return -1;
    off = buf[12] | buf[13] << 8; /* the EtherType's bytes as an offset */
    fl = buf[11];
    r[0] = bpf_skb_load_bytes(skb, off, buf, 16);
    r[1] = bpf_skb_store_bytes(skb, off & 0x7ff, buf, 4, fl & 3);
    r[2] = bpf_skb_store_bytes(skb, 0, buf, 2, fl);
    r[3] = bpf_skb_pull_data(skb, off);
    r[4] = bpf_l3_csum_replace(skb, off & 0x7ff, 1, 2, fl & 0x1f);
    r[5] = bpf_l4_csum_replace(skb, (off & 0x7ff) ^ (fl & 1), 0x1234, 0, fl);
    r[6] = bpf_skb_load_bytes(skb, 0x80000000u | off, buf, 4);
    r[7] = bpf_skb_pull_data(skb, 0);
#pragma unroll
    for (int i = 0; i < 8; i++)
        ret = ret * 31 + (__u32)r[i];
    skb->cb[0] = (__u32)r[0];
    skb->cb[1] = (__u32)r[1];
    skb->cb[2] = (__u32)r[3];
    skb->cb[3] = (__u32)r[4];
    skb->cb[4] = (__u32)r[5];
    return ret;
}

/* ------------------------------------------------------- socket filter */

/* The fields a socket filter reads, legacy packet loads (relative to the
 * network header) and skb_load_bytes; cb written; the return value is the
 * length to keep. */
SEC("socket")
int sock_fields(struct __sk_buff *skb)
{
    __u32 h = 2166136261u, v[14];
    __u8 b[4] = {};

    v[0] = skb->len;
    v[1] = skb->pkt_type;
    v[2] = skb->mark;
    v[3] = skb->queue_mapping;
    v[4] = skb->protocol;
    v[5] = skb->vlan_present;
    v[6] = skb->priority;
    v[7] = skb->ingress_ifindex;
    v[8] = skb->ifindex;
    v[9] = skb->cb[0] + skb->cb[4];
    v[10] = skb->hash;
    v[11] = skb->gso_segs;
    v[12] = bpf_skb_load_bytes(skb, skb->len - 2, b, 2);
    v[13] = b[0] | b[1] << 8;
#pragma unroll
    for (int i = 0; i < 14; i++)
        h = (h ^ v[i]) * 16777619u;
    skb->cb[0] = h;
    skb->cb[1] = v[4];
    skb->cb[2] = v[1];
    skb->cb[3] = v[0];
    if (skb->protocol == bpf_htons(ETH_P_IP)) {
        skb->cb[4] = load_byte(skb, 9) | load_half(skb, 2) << 8;
        if (load_byte(skb, 9) == IPPROTO_UDP)
            return 0; /* drop UDP */
        return load_word(skb, 12) & 0x7f;
    }
    return skb->len > 64 ? 64 : skb->len;
}

/* An out-of-bounds legacy load ends the program with 0. */
SEC("socket")
int sock_ldabs_oob(struct __sk_buff *skb)
{
    __u32 off = skb->len - 1;
    skb->cb[1] = 7;
    return load_half(skb, off) + 5;
}

/* --------------------------------------------------------- cgroup skb */

SEC("cgroup_skb/ingress")
int cg_fields(struct __sk_buff *skb)
{
    skb->cb[0] = skb->family;
    skb->cb[1] = skb->local_ip4 ^ skb->remote_ip4;
    skb->cb[2] = skb->local_ip6[0] ^ skb->remote_ip6[3];
    skb->cb[3] = skb->len | skb->protocol << 16;
    skb->cb[4] = skb->remote_port ^ skb->local_port;
    skb->mark = skb->ifindex + skb->pkt_type;
    return skb->len & 1;
}
