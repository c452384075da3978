/* skb_helpers.c - the skb helpers that move or rewrite packet data, run
 * by tests/kernel-diff/test_skb_helpers_diff.c in the kernel and in
 * bpfrt: each program runs the operations the `params` map lists (a
 * helper and its arguments) one after the other on the test run's skb,
 * and after each one records in `results` the helper's return value and
 * what a program sees of the skb then (its __sk_buff fields, bytes read
 * through direct packet access and LD_ABS). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "skb_helpers.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct params);
} params SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NOPS);
    __type(key, __u32);
    __type(value, struct res);
} results SEC(".maps");

unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

/* What the program sees of the skb after an operation. */
static __always_inline void snapshot(struct __sk_buff *skb, struct res *r, int direct)
{
    r->len = skb->len;
    r->protocol = skb->protocol;
    r->vlan_present = skb->vlan_present;
    r->vlan_tci = skb->vlan_tci;
    r->vlan_proto = skb->vlan_proto;
    r->pkt_type = skb->pkt_type;
    r->gso_size = skb->gso_size;
    r->gso_segs = skb->gso_segs;
    r->hash = skb->hash;
    r->done = 1;
    if (direct) {
        __u8 *d = (void *)(long)skb->data, *e = (void *)(long)skb->data_end;
        r->direct14 = d + 14 <= e ? (__u32)d[12] << 8 | d[13] : 0xffffffff;
        r->direct60 = d + 60 <= e ? d[59] : 0xffffffff;
    }
}

enum kind { TC, CGROUP_SKB, SOCKET_FILTER };

/* One operation with the helpers the program's type may call (kind is a
 * constant in each program, so the others are not in its code). */
static __always_inline __s64 one_op(struct __sk_buff *skb, struct op *o, struct res *r, enum kind kind)
{
    if (o->op == OP_LOAD_REL)
        return bpf_skb_load_bytes_relative(skb, o->a, r->buf, (o->b & 63) + 1, (__u32)o->c);
    if (kind == CGROUP_SKB && o->op == OP_ECN_SET_CE)
        return bpf_skb_ecn_set_ce(skb);
    if (kind != TC)
        return -999;
    switch (o->op) {
    case OP_CHANGE_PROTO: return bpf_skb_change_proto(skb, (__u16)o->a, o->b);
    case OP_CHANGE_TYPE: return bpf_skb_change_type(skb, o->a);
    case OP_CHANGE_HEAD: return bpf_skb_change_head(skb, o->a, o->b);
    case OP_CHANGE_TAIL: return bpf_skb_change_tail(skb, o->a, o->b);
    case OP_ADJUST_ROOM: return bpf_skb_adjust_room(skb, (__s32)o->a, (__u32)o->b, o->c);
    case OP_VLAN_PUSH: return bpf_skb_vlan_push(skb, (__u16)o->a, (__u16)o->b);
    case OP_VLAN_POP: return bpf_skb_vlan_pop(skb);
    case OP_ECN_SET_CE: return bpf_skb_ecn_set_ce(skb);
    case OP_CSUM_UPDATE: return bpf_csum_update(skb, o->a);
    case OP_CSUM_LEVEL: return bpf_csum_level(skb, o->b);
    case OP_LD_ABS: return load_half(skb, o->a & 0xff);
    case OP_STORE_BYTES: {
        __u32 v = (__u32)o->b;
        return bpf_skb_store_bytes(skb, o->a, &v, 4, o->c);
    }
    case OP_L4_CSUM: return bpf_l4_csum_replace(skb, o->a & 0xffff, o->b, o->c, o->a >> 16);
    default: return -999;
    }
}

/* The operations `params` lists, each recorded in `results`; 0 when a
 * map has no element. */
static __always_inline int run_ops(struct __sk_buff *skb, enum kind kind)
{
    __u32 zero = 0;
    struct params *p = bpf_map_lookup_elem(&params, &zero);

    if (!p)
        return 0;
    for (__u32 i = 0; i < NOPS; i++) {
        __u32 key = i; /* i itself stays in a register */
        struct res *r;

        if (i >= p->nops)
            break;
        r = bpf_map_lookup_elem(&results, &key);
        if (!r)
            return 0;
        r->ret = one_op(skb, &p->ops[i], r, kind);
        snapshot(skb, r, kind == TC);
    }
    return 1;
}

SEC("tc")
int tc_ops(struct __sk_buff *skb)
{
    return run_ops(skb, TC) ? skb->len & 0xff : 2;
}

/* sched_act: the same helpers as sched_cls */
SEC("action")
int act_ops(struct __sk_buff *skb)
{
    return run_ops(skb, TC) ? skb->len & 0xff : 2;
}

/* cgroup_skb: bpf_skb_load_bytes_relative and bpf_skb_ecn_set_ce */
SEC("cgroup_skb/ingress")
int cg_ops(struct __sk_buff *skb)
{
    return run_ops(skb, CGROUP_SKB);
}

/* socket filter: bpf_skb_load_bytes_relative from the network header
 * (data) and the MAC header before it */
SEC("socket")
int sf_ops(struct __sk_buff *skb)
{
    return run_ops(skb, SOCKET_FILTER) ? skb->len : 0;
}

char _license[] SEC("license") = "GPL";
