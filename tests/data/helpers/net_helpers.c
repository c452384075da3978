// SPDX-License-Identifier: GPL-2.0
/* net_helpers.c - the packet-destination and skb-metadata helpers, run
 * by tests/kernel-diff/test_net_helpers_diff.c in the kernel and in bpfrt
 * with the same arguments (the map `args`, set before each run); each
 * program leaves the helpers' return codes and outputs in the map `out`.
 * Built at test time with clang-19 -O2 -g -target bpf. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define NARGS 16
#define NOUT 32

struct vals {
    __u64 v[NOUT];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct vals);
} args SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct vals);
} out SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} devmap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} devhash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CPUMAP);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u32);
} cpumap SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} xskmap SEC(".maps");

static __always_inline struct vals *A(void)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&args, &k);
}

static __always_inline struct vals *O(void)
{
    __u32 k = 0;
    return bpf_map_lookup_elem(&out, &k);
}

/* ------------------------------------------------------------ redirect */

SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
    struct vals *a = A();
    if (!a)
        return XDP_ABORTED;
    return bpf_redirect(a->v[0], a->v[1]);
}

SEC("tc")
int tc_redirect(struct __sk_buff *skb)
{
    struct vals *a = A();
    if (!a)
        return TC_ACT_UNSPEC;
    return bpf_redirect(a->v[0], a->v[1]);
}

SEC("xdp")
int xdp_redirect_map(struct xdp_md *ctx)
{
    struct vals *a = A();
    if (!a)
        return XDP_ABORTED;
    switch (a->v[0]) {
    case 0: return bpf_redirect_map(&devmap, a->v[1], a->v[2]);
    case 1: return bpf_redirect_map(&devhash, a->v[1], a->v[2]);
    case 2: return bpf_redirect_map(&cpumap, a->v[1], a->v[2]);
    default: return bpf_redirect_map(&xskmap, a->v[1], a->v[2]);
    }
}

SEC("tc")
int tc_clone_redirect(struct __sk_buff *skb)
{
    struct vals *a = A(), *o = O();
    if (!a || !o)
        return TC_ACT_UNSPEC;
    o->v[0] = bpf_clone_redirect(skb, a->v[0], a->v[1]);
    o->v[1] = skb->len;
    return TC_ACT_OK;
}

/* ----------------------------------------------------------- check_mtu */

SEC("xdp")
int xdp_check_mtu(struct xdp_md *ctx)
{
    struct vals *a = A(), *o = O();
    __u32 mtu_len;
    if (!a || !o)
        return XDP_ABORTED;
    mtu_len = a->v[2];
    o->v[0] = bpf_check_mtu(ctx, a->v[0], &mtu_len, (__s32)a->v[1], a->v[3]);
    o->v[1] = mtu_len;
    return XDP_PASS;
}

SEC("tc")
int tc_check_mtu(struct __sk_buff *skb)
{
    struct vals *a = A(), *o = O();
    __u32 mtu_len;
    if (!a || !o)
        return TC_ACT_UNSPEC;
    mtu_len = a->v[2];
    o->v[0] = bpf_check_mtu(skb, a->v[0], &mtu_len, (__s32)a->v[1], a->v[3]);
    o->v[1] = mtu_len;
    return TC_ACT_OK;
}

/* ---------------------------------------------------------- fib_lookup */

/* params from args: v[0] family, v[1] ifindex, v[2] tot_len, v[3] flags,
 * v[4] ipv4_dst / ipv6_dst[0], v[5] ipv4_src / ipv6_src[0], v[6] tbid,
 * v[7] v[9] v[10] ipv6_dst[1..3], v[8] plen selector, v[11..13]
 * ipv6_src[1..3]; the whole struct goes to out[1..8] */
static __always_inline void fib_params(struct bpf_fib_lookup *p, struct vals *a)
{
    __builtin_memset(p, 0, sizeof(*p));
    p->family = a->v[0];
    p->ifindex = a->v[1];
    p->tot_len = a->v[2];
    p->ipv4_dst = a->v[4];
    if (p->family == 10) {
        p->ipv6_dst[0] = a->v[4];
        p->ipv6_dst[1] = a->v[7];
        p->ipv6_dst[2] = a->v[9];
        p->ipv6_dst[3] = a->v[10];
        p->ipv6_src[0] = a->v[5];
        p->ipv6_src[1] = a->v[11];
        p->ipv6_src[2] = a->v[12];
        p->ipv6_src[3] = a->v[13];
    } else {
        p->ipv4_src = a->v[5];
    }
    p->tbid = a->v[6];
    p->sport = 0x1234;
    p->dport = 0x5000;
    p->l4_protocol = 6;
}

static __always_inline void fib_out(struct vals *o, const struct bpf_fib_lookup *p)
{
    const __u64 *w = (const __u64 *)p;
#pragma unroll
    for (int i = 0; i < 8; i++)
        o->v[1 + i] = w[i];
}

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
    struct vals *a = A(), *o = O();
    struct bpf_fib_lookup p;
    if (!a || !o)
        return XDP_ABORTED;
    fib_params(&p, a);
    if (a->v[8] == 1)
        o->v[0] = bpf_fib_lookup(ctx, &p, 40, a->v[3]);
    else
        o->v[0] = bpf_fib_lookup(ctx, &p, sizeof(p), a->v[3]);
    fib_out(o, &p);
    return XDP_PASS;
}

SEC("tc")
int tc_fib(struct __sk_buff *skb)
{
    struct vals *a = A(), *o = O();
    struct bpf_fib_lookup p;
    if (!a || !o)
        return TC_ACT_UNSPEC;
    fib_params(&p, a);
    if (a->v[8] == 1)
        o->v[0] = bpf_fib_lookup(skb, &p, 40, a->v[3]);
    else
        o->v[0] = bpf_fib_lookup(skb, &p, sizeof(p), a->v[3]);
    fib_out(o, &p);
    return TC_ACT_OK;
}

/* -------------------------------------------------------- skb metadata */

/* out: [0] cookie != 0, [1] the same cookie twice, [2] skb_cgroup_id,
 * [3] get_cgroup_classid, [4] get_route_realm, [5] the cookie itself
 * (compared across runs by the test, never with the kernel's) */
SEC("tc")
int tc_meta(struct __sk_buff *skb)
{
    struct vals *o = O();
    __u64 c1, c2;
    if (!o)
        return TC_ACT_UNSPEC;
    c1 = bpf_get_socket_cookie(skb);
    c2 = bpf_get_socket_cookie(skb);
    o->v[0] = c1 != 0;
    o->v[1] = c1 == c2;
    o->v[2] = bpf_skb_cgroup_id(skb);
    o->v[3] = bpf_get_cgroup_classid(skb);
    o->v[4] = bpf_get_route_realm(skb);
    o->v[5] = c1;
    return TC_ACT_OK;
}

SEC("cgroup_skb/ingress")
int cg_meta(struct __sk_buff *skb)
{
    struct vals *o = O();
    __u64 c1, c2;
    if (!o)
        return 0;
    c1 = bpf_get_socket_cookie(skb);
    c2 = bpf_get_socket_cookie(skb);
    o->v[0] = c1 != 0;
    o->v[1] = c1 == c2;
    o->v[2] = bpf_skb_cgroup_id(skb);
    o->v[5] = c1;
    return 1;
}

SEC("socket")
int sf_meta(struct __sk_buff *skb)
{
    struct vals *o = O();
    __u64 c1;
    if (!o)
        return 0;
    c1 = bpf_get_socket_cookie(skb);
    o->v[0] = c1 != 0;
    o->v[1] = c1 == bpf_get_socket_cookie(skb);
    o->v[5] = c1;
    return skb->len;
}

/* --------------------------------------------------------- tunnel keys */

/* args: v[0] set size selector, v[1] set flags, v[2] get size selector,
 * v[3] get flags, v[4] tunnel_id, v[5] remote, v[6] local, v[7] tos | ttl << 8,
 * v[8] label, v[9] ext, v[10] 1: call set first */
static __always_inline long tun_set(struct __sk_buff *skb, struct bpf_tunnel_key *k, __u64 sel, __u64 flags)
{
    switch (sel) {
    case 0: return bpf_skb_set_tunnel_key(skb, k, sizeof(*k), flags);
    case 1: return bpf_skb_set_tunnel_key(skb, k, 28, flags); /* up to local_ipv4 */
    case 2: return bpf_skb_set_tunnel_key(skb, k, 24, flags); /* up to tunnel_label */
    case 3: return bpf_skb_set_tunnel_key(skb, k, 22, flags); /* up to tunnel_ext */
    case 4: return bpf_skb_set_tunnel_key(skb, k, 8, flags);  /* up to remote_ipv6[1] */
    default: return bpf_skb_set_tunnel_key(skb, k, 12, flags);
    }
}

static __always_inline long tun_get(struct __sk_buff *skb, struct bpf_tunnel_key *k, __u64 sel, __u64 flags)
{
    switch (sel) {
    case 0: return bpf_skb_get_tunnel_key(skb, k, sizeof(*k), flags);
    case 1: return bpf_skb_get_tunnel_key(skb, k, 28, flags);
    case 2: return bpf_skb_get_tunnel_key(skb, k, 24, flags);
    case 3: return bpf_skb_get_tunnel_key(skb, k, 22, flags);
    case 4: return bpf_skb_get_tunnel_key(skb, k, 8, flags);
    default: return bpf_skb_get_tunnel_key(skb, k, 12, flags);
    }
}

SEC("tc")
int tc_tunnel(struct __sk_buff *skb)
{
    struct vals *a = A(), *o = O();
    struct bpf_tunnel_key k, g;
    const __u64 *w = (const __u64 *)&g;
    if (!a || !o)
        return TC_ACT_UNSPEC;
    __builtin_memset(&k, 0, sizeof(k));
    k.tunnel_id = a->v[4];
    k.remote_ipv6[0] = a->v[5];
    k.remote_ipv6[1] = a->v[5] >> 32;
    k.local_ipv6[0] = a->v[6];
    k.local_ipv6[3] = a->v[6] >> 32;
    k.tunnel_tos = a->v[7];
    k.tunnel_ttl = a->v[7] >> 8;
    k.tunnel_label = a->v[8];
    k.tunnel_ext = a->v[9];
    o->v[0] = a->v[10] ? tun_set(skb, &k, a->v[0], a->v[1]) : 99;
    __builtin_memset(&g, 0xa5, sizeof(g));
    o->v[1] = tun_get(skb, &g, a->v[2], a->v[3]);
#pragma unroll
    for (int i = 0; i < 5; i++)
        o->v[2 + i] = w[i];
    o->v[7] = *(const __u32 *)((const char *)&g + 40);
    o->v[8] = bpf_get_route_realm(skb);
    return TC_ACT_OK;
}

/* ----------------------------------------------------------------- hash */

/* out: [0] hash before, [1] recalc != 0, [2] hash field == recalc, [3]
 * recalc again equal, [4] after set_hash(v[0]): the field, [5] recalc,
 * [6] after set_hash_invalid: the field, [7] recalc again == the first,
 * [8] the first hash itself (compared by equivalence classes only) */
SEC("tc")
int tc_hash(struct __sk_buff *skb)
{
    struct vals *a = A(), *o = O();
    __u32 h1;
    if (!a || !o)
        return TC_ACT_UNSPEC;
    o->v[0] = skb->hash;
    h1 = bpf_get_hash_recalc(skb);
    o->v[1] = h1 != 0;
    o->v[2] = skb->hash == h1;
    o->v[3] = bpf_get_hash_recalc(skb) == h1;
    bpf_set_hash(skb, a->v[0]);
    o->v[4] = skb->hash;
    o->v[5] = bpf_get_hash_recalc(skb);
    bpf_set_hash_invalid(skb);
    o->v[6] = skb->hash;
    o->v[7] = bpf_get_hash_recalc(skb) == h1;
    o->v[8] = h1;
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
