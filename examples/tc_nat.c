/* tc_nat.c - the demo's tc program: source NAT on the way out of network
 * 10.0.0.0/8, and a telnet ban.
 *
 *  - TCP to port 23 (telnet) is dropped (TC_ACT_SHOT), with a trace line
 *    and a ring buffer record (struct ban_event) for user space;
 *  - TCP and UDP from 10.0.0.0/8 to outside it leave with the source
 *    address 198.51.100.1: the address rewritten (bpf_skb_store_bytes),
 *    the IP header and TCP/UDP checksums updated (bpf_l3_csum_replace,
 *    bpf_l4_csum_replace with the pseudo header; a UDP checksum of 0 stays
 *    0); the translations are counted per inside address (hash map
 *    nat_table) and in total (global natted), TC_ACT_OK;
 *  - other IPv4 passes unchanged (TC_ACT_OK); what is not IPv4 is left to
 *    the next filter (TC_ACT_UNSPEC).
 *
 *   clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c tc_nat.c
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define PUBLIC_IP 0xc6336401 /* 198.51.100.1 */
#define IP_OFF ETH_HLEN

struct counter {
    __u64 packets;
    __u64 bytes;
};

struct ban_event {
    __u32 saddr, daddr; /* network order */
    __u16 sport, dport; /* host order */
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32); /* inside address, network order */
    __type(value, struct counter);
    __uint(max_entries, 1024);
} nat_table SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} bans SEC(".maps");

__u64 natted = 0;

static __always_inline int inside(__u32 addr)
{
    return (bpf_ntohl(addr) >> 24) == 10;
}

SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    __u32 saddr, daddr, public_ip = bpf_htonl(PUBLIC_IP), l4_csum;
    __u64 flags = BPF_F_PSEUDO_HDR | sizeof(__u32);
    struct counter *c;
    __u8 proto;

    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_UNSPEC;
    if ((void *)(ip + 1) > end || ip->ihl != 5)
        return TC_ACT_OK;
    saddr = ip->saddr;
    daddr = ip->daddr;
    proto = ip->protocol;
    if (proto == IPPROTO_TCP) {
        struct tcphdr *tcp = (void *)(ip + 1);
        if ((void *)(tcp + 1) > end)
            return TC_ACT_OK;
        if (tcp->dest == bpf_htons(23)) {
            struct ban_event ev = {saddr, daddr, bpf_ntohs(tcp->source), 23};
            bpf_ringbuf_output(&bans, &ev, sizeof(ev), 0);
            bpf_printk("telnet from %x to %x dropped", bpf_ntohl(saddr), bpf_ntohl(daddr));
            return TC_ACT_SHOT;
        }
        l4_csum = IP_OFF + sizeof(struct iphdr) + offsetof(struct tcphdr, check);
    } else if (proto == IPPROTO_UDP) {
        l4_csum = IP_OFF + sizeof(struct iphdr) + offsetof(struct udphdr, check);
        flags |= BPF_F_MARK_MANGLED_0;
    } else {
        return TC_ACT_OK;
    }
    if (!inside(saddr) || inside(daddr))
        return TC_ACT_OK;
    /* the checksums first, from the old and new address; then the address */
    bpf_l4_csum_replace(skb, l4_csum, saddr, public_ip, flags);
    bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), saddr, public_ip, sizeof(__u32));
    bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, saddr), &public_ip, sizeof(public_ip), 0);
    c = bpf_map_lookup_elem(&nat_table, &saddr);
    if (c) {
        __sync_fetch_and_add(&c->packets, 1);
        __sync_fetch_and_add(&c->bytes, skb->len);
    } else {
        struct counter init = {1, skb->len};
        bpf_map_update_elem(&nat_table, &saddr, &init, BPF_NOEXIST);
    }
    __sync_fetch_and_add(&natted, 1);
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
