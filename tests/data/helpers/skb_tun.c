// SPDX-License-Identifier: GPL-2.0
/* skb_tun.c - tunnel options, the IPsec state, the peer redirect, the
 * ancestor cgroups, the socket lookups and the cgroup storage of a test
 * run, run by tests/kernel-diff/test_skb_tun_diff.c in the kernel and in
 * bpfrt with the same arguments (the map `args`); each program leaves the
 * helpers' return codes and outputs in the map `out`.  Built at test time
 * with clang-19 -O2 -g -target bpf. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct argv {
    __u32 opt_size;  /* 0: none, 1: 4 B, 2: 3 B, 3: 8 B, 4: 256 B */
    __u32 set_key;   /* call bpf_skb_set_tunnel_key first */
    __u32 level;     /* ancestor level; xfrm index */
    __u32 ifindex;   /* redirect_peer's */
    __u64 flags;     /* redirect_peer's, xfrm's */
};

struct outv {
    __s64 r[16];
    __u8 opt[64];
    __u8 small[4];
    __u8 xfrm[sizeof(struct bpf_xfrm_state)];
    __u8 pad[4];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct argv);
} args SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct outv);
} out SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
    __type(key, struct bpf_cgroup_storage_key);
    __type(value, __u64);
} cg SEC(".maps");

SEC("tc")
int tun(struct __sk_buff *skb)
{
    __u8 opt[256];
    struct bpf_tunnel_key key = {};
    struct bpf_xfrm_state x;
    struct argv *a;
    struct outv *o;
    __u32 k = 0;

    a = bpf_map_lookup_elem(&args, &k);
    o = bpf_map_lookup_elem(&out, &k);
    if (!a || !o)
        return TC_ACT_SHOT;
    for (int i = 0; i < 256; i++)
        opt[i] = (__u8)(i * 7 + 1);
    key.remote_ipv4 = 0x0a000001;
    key.tunnel_id = 7;
    key.tunnel_ttl = 64;
    if (a->set_key)
        o->r[0] = bpf_skb_set_tunnel_key(skb, &key, sizeof(key), 0);
    switch (a->opt_size) {
    case 1: o->r[1] = bpf_skb_set_tunnel_opt(skb, opt, 4); break;
    case 2: o->r[1] = bpf_skb_set_tunnel_opt(skb, opt, 3); break;
    case 3: o->r[1] = bpf_skb_set_tunnel_opt(skb, opt, 8); break;
    case 4: o->r[1] = bpf_skb_set_tunnel_opt(skb, opt, 256); break;
    case 5: o->r[1] = bpf_skb_set_tunnel_opt(skb, opt, 64); break;
    default: break;
    }
    o->r[2] = bpf_skb_get_tunnel_opt(skb, o->opt, sizeof(o->opt));
    o->r[3] = bpf_skb_get_tunnel_opt(skb, o->small, sizeof(o->small));
    __builtin_memset(&key, 0, sizeof(key));
    o->r[4] = bpf_skb_get_tunnel_key(skb, &key, sizeof(key), BPF_F_TUNINFO_FLAGS);
    o->r[5] = key.tunnel_ext;
    o->r[6] = bpf_skb_get_xfrm_state(skb, a->level, &x, sizeof(x), a->flags);
    __builtin_memcpy(o->xfrm, &x, sizeof(x));
    o->r[7] = bpf_skb_ancestor_cgroup_id(skb, a->level);
    o->r[8] = bpf_skb_cgroup_id(skb);
    {
        struct bpf_sock_tuple t = {};
        struct bpf_sock *sk;

        t.ipv4.daddr = 0x0200000a;
        t.ipv4.dport = __builtin_bswap16(80);
        sk = bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
        o->r[9] = sk != 0;
        if (sk)
            bpf_sk_release(sk);
        sk = bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv6), BPF_F_CURRENT_NETNS, 0);
        o->r[10] = sk != 0;
        if (sk)
            bpf_sk_release(sk);
        sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), 5, 0);
        o->r[11] = sk != 0;
        if (sk)
            bpf_sk_release(sk);
        sk = bpf_sk_lookup_tcp(skb, &t, 7, BPF_F_CURRENT_NETNS, 0);
        o->r[12] = sk != 0;
        if (sk)
            bpf_sk_release(sk);
    }
    if (a->ifindex)
        return bpf_redirect_peer(a->ifindex, a->flags);
    return TC_ACT_OK;
}

/* the run's cgroup storage: fresh (zero) in each test run, kept over its
 * repeats */
SEC("cgroup_skb/ingress")
int storage(struct __sk_buff *skb)
{
    __u64 *c = bpf_get_local_storage(&cg, 0);
    struct outv *o;
    __u32 k = 0;

    o = bpf_map_lookup_elem(&out, &k);
    if (!o)
        return 0;
    *c += skb->len;
    o->r[0] = *c;
    return 1;
}

char _license[] SEC("license") = "GPL";
