/* skbctx.c - __sk_buff programs of every type a test run builds an skb
 * for (sched_cls, sched_act, socket_filter, cgroup_skb ingress and
 * egress), for tests/kernel-diff/test_skb_ctx_diff.c (compiled there at
 * test time): every field the type may read is folded into the return
 * value and written into cb[] (which ctx_out returns) or the packet; the
 * fields the type may write are written from values the test chose
 * (carried in cb[] of ctx_in), so ctx_out shows what the kernel keeps of
 * them.  The socket the test run gives the skb (__sk_buff.sk) is read
 * where the type allows it. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

static __always_inline __u32 fold(__u32 h, __u32 v)
{
    return (h ^ v) * 16777619u;
}

/* The fields every __sk_buff type reads. */
static __always_inline __u32 common(struct __sk_buff *skb)
{
    __u32 h = 2166136261u;

    h = fold(h, skb->len);
    h = fold(h, skb->pkt_type);
    h = fold(h, skb->mark);
    h = fold(h, skb->queue_mapping);
    h = fold(h, skb->protocol);
    h = fold(h, skb->vlan_present);
    h = fold(h, skb->vlan_tci);
    h = fold(h, skb->vlan_proto);
    h = fold(h, skb->priority);
    h = fold(h, skb->ingress_ifindex);
    h = fold(h, skb->ifindex);
    h = fold(h, skb->tc_index);
    h = fold(h, skb->hash);
    h = fold(h, skb->napi_id);
    h = fold(h, skb->gso_segs);
    h = fold(h, skb->gso_size);
    h = fold(h, skb->cb[0] ^ skb->cb[1] ^ skb->cb[2] ^ skb->cb[3] ^ skb->cb[4]);
    return h;
}

/* tc: the tc-only fields; mark, priority, tc_index, tc_classid,
 * queue_mapping and tstamp written from cb[] (cb[3] picks which). */
static __always_inline int tc_body(struct __sk_buff *skb)
{
    __u32 h = common(skb), sel = skb->cb[3];

    h = fold(h, skb->tc_classid);
    h = fold(h, skb->wire_len);
    h = fold(h, (__u32)skb->tstamp ^ (__u32)(skb->tstamp >> 32));
    h = fold(h, (__u32)skb->hwtstamp ^ (__u32)(skb->hwtstamp >> 32));
    h = fold(h, skb->tstamp_type);
    h = fold(h, (__u32)((long)skb->data_end - (long)skb->data));
    if (sel & 1)
        skb->mark = skb->cb[0];
    if (sel & 2)
        skb->priority = skb->cb[1];
    if (sel & 4)
        skb->tc_index = skb->cb[2];
    if (sel & 8)
        skb->tc_classid = skb->cb[0] ^ 0x5555;
    if (sel & 16)
        skb->queue_mapping = skb->cb[1];
    if (sel & 32)
        skb->tstamp = ((__u64)skb->cb[2] << 32) | skb->cb[0];
    skb->cb[4] = h;
    return h & 7;
}

SEC("tc")
int cls_ctx(struct __sk_buff *skb)
{
    return tc_body(skb);
}

SEC("action")
int act_ctx(struct __sk_buff *skb)
{
    return tc_body(skb);
}

/* The socket's fields into cb[]: 0 without a socket, 1 when it is not a
 * full one, else 2 + its family. */
static __always_inline int read_sock(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;

    if (!sk)
        return 0;
    skb->cb[0] = sk->family;
    skb->cb[2] = sk->src_ip4 ^ sk->dst_ip4;
    skb->cb[3] = sk->src_ip6[0] ^ sk->dst_ip6[3];
    sk = bpf_sk_fullsock(sk);
    if (!sk)
        return 1;
    skb->cb[1] = sk->type | sk->protocol << 16;
    skb->cb[4] = sk->state ^ sk->mark ^ sk->priority;
    return 2 + sk->family;
}

/* tc: the socket of the test run. */
SEC("tc")
int cls_sk(struct __sk_buff *skb)
{
    return 1000 + read_sock(skb);
}

SEC("socket")
int sock_ctx(struct __sk_buff *skb)
{
    __u32 h = common(skb);

    skb->cb[4] = h;
    skb->cb[3] = skb->cb[0] + 1;
    return h & 0xff;
}

static __always_inline int cg_body(struct __sk_buff *skb)
{
    __u32 h = common(skb), sel = skb->cb[3];

    h = fold(h, skb->family);
    h = fold(h, skb->remote_ip4 ^ skb->local_ip4);
    h = fold(h, skb->remote_ip6[0] ^ skb->local_ip6[3]);
    h = fold(h, skb->remote_port ^ skb->local_port);
    h = fold(h, (__u32)skb->tstamp);
    h = fold(h, (__u32)skb->hwtstamp);
    if (sel & 1)
        skb->mark = skb->cb[0];
    if (sel & 2)
        skb->priority = skb->cb[1];
    if (sel & 32)
        skb->tstamp = skb->cb[2];
    skb->cb[4] = h;
    return h & 1;
}

SEC("cgroup_skb/ingress")
int cg_in_ctx(struct __sk_buff *skb)
{
    return cg_body(skb);
}

SEC("cgroup_skb/egress")
int cg_eg_ctx(struct __sk_buff *skb)
{
    return cg_body(skb);
}

/* cgroup_skb: the socket of the test run. */
SEC("cgroup_skb/ingress")
int cg_sk(struct __sk_buff *skb)
{
    return read_sock(skb) > 1;
}

/* tc: every struct bpf_sock field of the test run's socket, written into
 * the packet after the Ethernet header; what bpf_tcp_sock and
 * bpf_get_listener_sock make of it in the return value. */
SEC("tc")
int cls_sk_all(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct bpf_sock *sk = skb->sk;
    __u32 *out = data + 14;
    int ret = 3000;

    if (!sk)
        return 1000;
    sk = bpf_sk_fullsock(sk);
    if (!sk)
        return 1001;
    if (bpf_tcp_sock(sk))
        ret += 1;
    if (bpf_get_listener_sock(sk))
        ret += 2;
    if ((void *)(out + 23) > end)
        return ret + 10;
    out[0] = sk->bound_dev_if;
    out[1] = sk->family;
    out[2] = sk->type;
    out[3] = sk->protocol;
    out[4] = sk->mark;
    out[5] = sk->priority;
    out[6] = sk->src_ip4;
    out[7] = sk->src_ip6[0];
    out[8] = sk->src_ip6[1];
    out[9] = sk->src_ip6[2];
    out[10] = sk->src_ip6[3];
    out[11] = sk->src_port;
    out[12] = sk->dst_port;
    out[13] = sk->dst_ip4;
    out[14] = sk->dst_ip6[0];
    out[15] = sk->dst_ip6[1];
    out[16] = sk->dst_ip6[2];
    out[17] = sk->dst_ip6[3];
    out[18] = sk->state;
    out[19] = sk->rx_queue_mapping;
    out[20] = *(__u8 *)((void *)sk + __builtin_offsetof(struct bpf_sock, family));
    out[21] = *(__u16 *)((void *)sk + __builtin_offsetof(struct bpf_sock, src_ip4) + 2);
    out[22] = *(__u8 *)((void *)sk + __builtin_offsetof(struct bpf_sock, state));
    return ret;
}

/* socket_filter: the socket's common fields. */
SEC("socket")
int sock_sk(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;

    if (!sk)
        return 1000;
    skb->cb[0] = sk->family;
    skb->cb[1] = sk->src_ip4;
    skb->cb[2] = sk->dst_ip6[1];
    skb->cb[3] = sk->dst_port | sk->src_port << 16;
    return 2000 + sk->family;
}

/* The owner of the test run's socket (bpf_get_socket_uid). */
SEC("tc")
int cls_uid(struct __sk_buff *skb)
{
    return bpf_get_socket_uid(skb) + 5;
}

SEC("socket")
int sock_uid(struct __sk_buff *skb)
{
    return bpf_get_socket_uid(skb) + 5;
}
