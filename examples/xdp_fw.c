/* xdp_fw.c - the demo's XDP program: a small firewall in front of host
 * 10.0.0.1.
 *
 *  - counts packets and bytes per IPv4 source (hash map src_stats);
 *  - answers pings to 10.0.0.1 itself: the echo request becomes the echo
 *    reply (MAC and IP addresses swapped, ICMP type 0, checksum updated)
 *    and leaves by the port it came in (XDP_TX);
 *  - drops DNS queries (UDP to port 53) from outside 10.0.0.0/8 and blocks
 *    their source: its later packets are dropped too (hash map blocklist,
 *    value: packets dropped); each drop is a trace line and a perf event
 *    (struct drop_event) for user space;
 *  - aborts a frame too short for the headers it announces (XDP_ABORTED);
 *  - passes everything else (XDP_PASS), Ethernet with up to two VLAN tags,
 *    IPv4 and IPv6.
 * Global counters: pings answered, packets dropped.
 *
 *   clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c xdp_fw.c
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define HOST_IP 0x0a000001 /* 10.0.0.1 */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* linux/icmp.h's struct icmphdr, its first four bytes (that header pulls
 * in the C library's socket headers, which a BPF target lacks) */
struct icmphdr {
    __u8 type;
    __u8 code;
    __sum16 checksum;
};

struct counter {
    __u64 packets;
    __u64 bytes;
};

struct drop_event {
    __u32 saddr;  /* network order */
    __u16 sport;  /* host order; 0 when not UDP */
    __u16 reason; /* 1: DNS query from outside, 2: blocked source */
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32); /* IPv4 source, network order */
    __type(value, struct counter);
    __uint(max_entries, 1024);
} src_stats SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32); /* IPv4 source, network order */
    __type(value, __u64); /* packets dropped since it was blocked */
    __uint(max_entries, 256);
} blocklist SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} drops SEC(".maps");

__u64 pings_answered = 0;
__u64 dropped = 0;

struct vlan_hdr {
    __be16 tci;
    __be16 proto;
};

static __always_inline void count_source(__u32 saddr, __u64 len)
{
    struct counter *c = bpf_map_lookup_elem(&src_stats, &saddr);

    if (c) {
        __sync_fetch_and_add(&c->packets, 1);
        __sync_fetch_and_add(&c->bytes, len);
    } else {
        struct counter init = {1, len};
        bpf_map_update_elem(&src_stats, &saddr, &init, BPF_NOEXIST);
    }
}

static __always_inline int drop(struct xdp_md *ctx, __u32 saddr, __u16 sport, __u16 reason)
{
    struct drop_event ev = {.saddr = saddr, .sport = sport, .reason = reason};

    __sync_fetch_and_add(&dropped, 1);
    bpf_perf_event_output(ctx, &drops, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
    return XDP_DROP;
}

/* The echo request at eth/ip/icmp becomes its reply, in place. */
static __always_inline int answer_ping(struct ethhdr *eth, struct iphdr *ip, struct icmphdr *icmp)
{
    __u8 mac[ETH_ALEN];
    __u32 a = ip->saddr;
    __u32 sum;

    __builtin_memcpy(mac, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
    ip->saddr = ip->daddr; /* the header checksum does not change when two words swap */
    ip->daddr = a;
    /* type 8 -> 0: the checksum's incremental update (RFC 1624: HC' = ~(~HC + ~m + m')) */
    icmp->type = ICMP_ECHOREPLY;
    sum = (__u16)~icmp->checksum + (__u16)~bpf_htons(ICMP_ECHO << 8);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    icmp->checksum = (__u16)~sum;
    __sync_fetch_and_add(&pings_answered, 1);
    return XDP_TX;
}

SEC("xdp")
int xdp_fw(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip;
    struct udphdr *udp;
    __u64 *hits;
    __u16 proto;
    void *l3;

    if ((void *)(eth + 1) > end)
        return XDP_ABORTED;
    proto = eth->h_proto;
    l3 = eth + 1;
#pragma unroll
    for (int i = 0; i < 2; i++) {
        struct vlan_hdr *vh = l3;
        if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
            break;
        if ((void *)(vh + 1) > end)
            return XDP_ABORTED;
        proto = vh->proto;
        l3 = vh + 1;
    }
    if (proto != bpf_htons(ETH_P_IP))
        return XDP_PASS; /* IPv6, ARP and the rest */
    ip = l3;
    if ((void *)(ip + 1) > end || ip->ihl < 5)
        return XDP_ABORTED;
    count_source(ip->saddr, end - data);
    hits = bpf_map_lookup_elem(&blocklist, &ip->saddr);
    if (hits) {
        __sync_fetch_and_add(hits, 1);
        bpf_printk("blocked %x", bpf_ntohl(ip->saddr));
        return drop(ctx, ip->saddr, 0, 2);
    }
    l3 = (void *)ip + ip->ihl * 4;
    if (ip->protocol == IPPROTO_ICMP && ip->daddr == bpf_htonl(HOST_IP)) {
        struct icmphdr *icmp = l3;
        if ((void *)(icmp + 1) > end)
            return XDP_ABORTED;
        if (icmp->type == ICMP_ECHO && icmp->code == 0)
            return answer_ping(eth, ip, icmp);
        return XDP_PASS;
    }
    udp = l3;
    if (ip->protocol == IPPROTO_UDP && (void *)(udp + 1) <= end && udp->dest == bpf_htons(53) &&
        (bpf_ntohl(ip->saddr) >> 24) != 10) {
        __u64 zero = 0;
        bpf_map_update_elem(&blocklist, &ip->saddr, &zero, BPF_NOEXIST);
        bpf_printk("drop DNS query from %x port %d, source blocked", bpf_ntohl(ip->saddr), bpf_ntohs(udp->source));
        return drop(ctx, ip->saddr, bpf_ntohs(udp->source), 1);
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
