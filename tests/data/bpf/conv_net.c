/* Map types of networking objects whose helpers need sockets: created as
 * the kernel creates them (tests/kernel-diff/test_loader_conv_diff.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sk_val {
    __u64 bytes;
    __u32 pkts;
};

struct flow {
    __u32 saddr, daddr;
    __u16 sport, dport;
};

struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 8);
} sock_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_SOCKHASH);
    __type(key, struct flow);
    __type(value, __u32);
    __uint(max_entries, 64);
} sock_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, struct sk_val);
} sk_store SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} reuse SEC(".maps");

SEC("tc")
int conv_net_tc(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;
    struct sk_val *v;

    if (!sk)
        return 0;
    sk = bpf_sk_fullsock(sk);
    if (!sk)
        return 0;
    v = bpf_sk_storage_get(&sk_store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
    if (v)
        v->pkts++;
    return 0;
}

char _license[] SEC("license") = "GPL";
