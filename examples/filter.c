/* filter.c - the demo program: a small packet filter.
 *
 * It parses Ethernet (with up to two VLAN tags), IPv4 and IPv6, and UDP and
 * TCP; counts packets and bytes per IP protocol in a hash map; counts its
 * verdicts in an array; and drops (XDP_DROP) DNS queries (UDP to port 53)
 * that come from outside 10.0.0.0/8, printing a trace line for each.
 * Everything else passes (XDP_PASS); a runt frame is aborted.
 *
 * bpfrt runs the `filter_raw` entry (r1 = packet, r2 = its length) until
 * program contexts (xdp_md) arrive with the verifier; the kernel runs
 * `filter_xdp`, the same code behind the XDP context.
 *
 *   clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c filter.c
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct counter {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32); /* IP protocol number */
    __type(value, struct counter);
    __uint(max_entries, 256);
} proto_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32); /* XDP action */
    __type(value, __u64);
    __uint(max_entries, 5);
} verdicts SEC(".maps");

__u64 dns_dropped = 0;

struct vlan_hdr {
    __be16 tci;
    __be16 proto;
};

static __always_inline int verdict(int v)
{
    __u32 key = v;
    __u64 *n = bpf_map_lookup_elem(&verdicts, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    return v;
}

static __always_inline void count(__u32 proto, __u64 len)
{
    struct counter *c = bpf_map_lookup_elem(&proto_stats, &proto);
    if (c) {
        __sync_fetch_and_add(&c->packets, 1);
        __sync_fetch_and_add(&c->bytes, len);
    } else {
        struct counter init = {1, len};
        bpf_map_update_elem(&proto_stats, &proto, &init, BPF_NOEXIST);
    }
}

static __always_inline int filter(void *data, void *end)
{
    struct ethhdr *eth = data;
    __u16 proto;
    void *l3;
    __u32 l4proto, saddr = 0;
    struct udphdr *udp;

    if ((void *)(eth + 1) > end)
        return verdict(XDP_ABORTED);
    proto = eth->h_proto;
    l3 = eth + 1;
#pragma unroll
    for (int i = 0; i < 2; i++) {
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
            break;
        struct vlan_hdr *vh = l3;
        if ((void *)(vh + 1) > end)
            return verdict(XDP_ABORTED);
        proto = vh->proto;
        l3 = vh + 1;
    }
    if (proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = l3;
        if ((void *)(ip + 1) > end || ip->ihl < 5)
            return verdict(XDP_PASS);
        l4proto = ip->protocol;
        saddr = ip->saddr;
        udp = (void *)ip + ip->ihl * 4;
    } else if (proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = l3;
        if ((void *)(ip6 + 1) > end)
            return verdict(XDP_PASS);
        l4proto = ip6->nexthdr;
        udp = (void *)(ip6 + 1);
    } else {
        return verdict(XDP_PASS); /* ARP and friends */
    }
    count(l4proto, end - data);
    if (l4proto == IPPROTO_UDP && (void *)(udp + 1) <= end && udp->dest == bpf_htons(53) && proto == bpf_htons(ETH_P_IP) &&
        (bpf_ntohl(saddr) >> 24) != 10) {
        __sync_fetch_and_add(&dns_dropped, 1);
        bpf_printk("drop DNS query from %x port %d", bpf_ntohl(saddr), bpf_ntohs(udp->source));
        return verdict(XDP_DROP);
    }
    return verdict(XDP_PASS);
}

SEC("raw")
int filter_raw(void *data, __u64 len)
{
    return filter(data, data + len);
}

SEC("xdp")
int filter_xdp(struct xdp_md *ctx)
{
    return filter((void *)(long)ctx->data, (void *)(long)ctx->data_end);
}

char _license[] SEC("license") = "GPL";
