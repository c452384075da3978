/* ctx_skb.c - the context rules of the types whose context is struct
 * __sk_buff (socket_filter, sched_cls, sched_act, cgroup_skb, lwt_in,
 * lwt_out, lwt_xmit, lwt_seg6local, sk_skb, flow_dissector), of
 * sk_reuseport (struct sk_reuseport_md), and the conversion of __sk_buff
 * accesses to struct pt_skb_kctx.
 *
 * Kernel behaviour matched (net/core/filter.c: bpf_skb_is_valid_access and
 * the per-type wrappers sk_filter_, tc_cls_act_, cg_skb_, lwt_, sk_skb_,
 * flow_dissector_ and sk_reuseport_is_valid_access; bpf_convert_ctx_access
 * and the verifier's narrow-load rewrite in convert_ctx_accesses).  The
 * running kernel (6.18) is the oracle: tests/kernel-diff/
 * test_ctx_access_diff.c compares every offset and size with it. */
#include <errno.h>
#include <string.h>

#include "ctx.h"

#define SKB_OFF(f) ((uint32_t)offsetof(struct __sk_buff, f))
#define SKB_END(f) ((uint32_t)(offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f)))
/* The kernel's bpf_ctx_range / bpf_ctx_range_till / bpf_ctx_range_ptr:
 * every byte offset inside the field(s). */
#define WITHIN(off, lo, hi) ((uint32_t)((off) - (lo)) < (uint32_t)((hi) - (lo)))
#define IN(off, f) WITHIN(off, SKB_OFF(f), SKB_END(f))
#define IN_TILL(off, f1, f2) WITHIN(off, SKB_OFF(f1), SKB_END(f2))
#define IN_PTR(off, f) WITHIN(off, SKB_OFF(f), SKB_OFF(f) + 8)

/* bpf_skb_is_valid_access: the rules every __sk_buff type shares, after
 * the type's own refusals.  kind: the register type the type gives this
 * field (packet pointers), scalar otherwise. */
static int skb_common_access(const struct pt_access *a, struct pt_access_res *res, uint8_t kind)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || off >= sizeof(struct __sk_buff) || off % size != 0)
        return 0;
    /* cb[]: any size, not past cb[4]; the conversion keeps the size, so
     * no narrow-load rewrite (ctx_field_size 0) */
    if (IN_TILL(off, cb[0], cb[4]))
        return off + size <= SKB_END(cb[4]) ? pt_ok(res, kind, 0) : 0;
    /* Addresses and packet pointers: whole 32-bit words only */
    if (IN_TILL(off, remote_ip6[0], remote_ip6[3]) || IN_TILL(off, local_ip6[0], local_ip6[3]) || IN(off, remote_ip4) ||
        IN(off, local_ip4) || IN(off, data) || IN(off, data_meta) || IN(off, data_end))
        return size == 4 ? pt_ok(res, kind, 0) : 0;
    if (IN_PTR(off, flow_keys)) /* the flow dissector's alone */
        return 0;
    if (IN(off, hwtstamp))
        return !a->write && size == 8 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    if (IN(off, tstamp))
        return size == 8 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    if (IN_PTR(off, sk))
        return !a->write && size == 8 ? pt_ok(res, PT_REG_SOCK_COMMON_OR_NULL, 0) : 0;
    /* tstamp_type is tc's alone; the padding after it nobody's */
    if (off >= SKB_OFF(tstamp_type) && off < SKB_OFF(hwtstamp))
        return 0;
    /* The rest are 32-bit words: written whole, read whole or in part */
    if (a->write)
        return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    if (!pt_narrow_ok(size, 4))
        return 0;
    return pt_ok(res, PT_REG_SCALAR, size < 4 ? 4 : 0);
}

/* The register type a __sk_buff packet field gives (the types that allow
 * direct packet access set it before the common rules). */
static uint8_t skb_pkt_kind(uint32_t off, int meta_too)
{
    if (IN(off, data))
        return PT_REG_PKT;
    if (IN(off, data_end))
        return PT_REG_PKT_END;
    if (meta_too && IN(off, data_meta))
        return PT_REG_PKT_META;
    return PT_REG_SCALAR;
}

/* sk_filter_is_valid_access: no packet pointers, no socket addresses, no
 * timestamps; only cb[] is writable. */
int pt_socket_filter_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;

    if (IN(off, tc_classid) || IN(off, data) || IN(off, data_meta) || IN(off, data_end) ||
        IN_TILL(off, family, local_port) || IN(off, tstamp) || IN(off, wire_len) || IN(off, hwtstamp))
        return 0;
    if (a->write && !IN_TILL(off, cb[0], cb[4]))
        return 0;
    return skb_common_access(a, res, PT_REG_SCALAR);
}

/* tc_cls_act_is_valid_access (sched_cls and sched_act): writes to mark,
 * tc_index, priority, tc_classid, cb[], tstamp and queue_mapping; data,
 * data_meta and data_end are packet pointers; no socket addresses; the
 * one-byte tstamp_type is readable. */
int pt_tc_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;

    if (a->atomic)
        return 0;
    if (a->write && !(IN(off, mark) || IN(off, tc_index) || IN(off, priority) || IN(off, tc_classid) ||
                      IN_TILL(off, cb[0], cb[4]) || IN(off, tstamp) || IN(off, queue_mapping)))
        return 0;
    if (IN_TILL(off, family, local_port))
        return 0;
    if (off == SKB_OFF(tstamp_type))
        return a->size == 1 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    return skb_common_access(a, res, skb_pkt_kind(off, 1));
}

/* cg_skb_is_valid_access: data and data_end for privileged programs only
 * (bpf_capable), no data_meta, tc_classid or wire_len; writes to mark,
 * priority, cb[] and (privileged) tstamp. */
int pt_cgroup_skb_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;

    if (IN(off, tc_classid) || IN(off, data_meta) || IN(off, wire_len))
        return 0;
    if ((IN(off, data) || IN(off, data_end)) && !a->priv)
        return 0;
    if (a->write) {
        if (IN(off, tstamp)) {
            if (!a->priv)
                return 0;
        } else if (!(IN(off, mark) || IN(off, priority) || IN_TILL(off, cb[0], cb[4]))) {
            return 0;
        }
    }
    return skb_common_access(a, res, skb_pkt_kind(off, 0));
}

/* lwt_is_valid_access (lwt_in, lwt_out, lwt_xmit, lwt_seg6local): like a
 * socket filter with packet pointers and writable mark and priority. */
int pt_lwt_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;

    if (IN(off, tc_classid) || IN_TILL(off, family, local_port) || IN(off, data_meta) || IN(off, tstamp) ||
        IN(off, wire_len) || IN(off, hwtstamp))
        return 0;
    if (a->write && !(IN(off, mark) || IN(off, priority) || IN_TILL(off, cb[0], cb[4])))
        return 0;
    return skb_common_access(a, res, skb_pkt_kind(off, 0));
}

/* sk_skb_is_valid_access: no mark at all, writes to tc_index and priority
 * only, packet pointers without data_meta. */
int pt_sk_skb_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off;

    if (IN(off, tc_classid) || IN(off, data_meta) || IN(off, tstamp) || IN(off, wire_len) || IN(off, hwtstamp))
        return 0;
    if (a->write && !(IN(off, tc_index) || IN(off, priority)))
        return 0;
    if (IN(off, mark))
        return 0;
    return skb_common_access(a, res, skb_pkt_kind(off, 0));
}

/* flow_dissector_is_valid_access: read-only; data, data_end and the
 * flow_keys pointer, nothing else. */
int pt_flow_dissector_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || a->write || off >= sizeof(struct __sk_buff) || off % size != 0)
        return 0;
    if (IN(off, data))
        return size == 4 ? pt_ok(res, PT_REG_PKT, 0) : 0;
    if (IN(off, data_end))
        return size == 4 ? pt_ok(res, PT_REG_PKT_END, 0) : 0;
    if (IN_PTR(off, flow_keys))
        return size == 8 ? pt_ok(res, PT_REG_FLOW_KEYS, 0) : 0;
    return 0;
}

/* sk_reuseport_is_valid_access (struct sk_reuseport_md): read-only;
 * 64-bit packet and socket pointers at their exact offsets; len,
 * eth_protocol (at least 2 bytes), ip_protocol and bind_inany readable in
 * part; hash whole. */
int pt_sk_reuseport_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

#define RP_OFF(f) ((uint32_t)offsetof(struct sk_reuseport_md, f))
    if (a->atomic || a->write || off >= sizeof(struct sk_reuseport_md) || off % size != 0)
        return 0;
    if (off == RP_OFF(data))
        return size == 8 ? pt_ok(res, PT_REG_PKT, 0) : 0;
    if (off == RP_OFF(data_end))
        return size == 8 ? pt_ok(res, PT_REG_PKT_END, 0) : 0;
    if (off == RP_OFF(hash))
        return size == 4 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
    if (off == RP_OFF(sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCKET, 0) : 0;
    if (off == RP_OFF(migrating_sk))
        return size == 8 ? pt_ok(res, PT_REG_SOCK_COMMON_OR_NULL, 0) : 0;
    if (WITHIN(off, RP_OFF(eth_protocol), RP_OFF(eth_protocol) + 4) && size < 2)
        return 0;                                         /* the kernel's skb->protocol is 16 bits: no byte loads */
    if (WITHIN(off, RP_OFF(len), RP_OFF(bind_inany) + 4)) /* len, eth_protocol, ip_protocol, bind_inany */
        return pt_narrow_ok(size, 4) ? pt_ok(res, PT_REG_SCALAR, size < 4 ? 4 : 0) : 0;
    return 0;
#undef RP_OFF
}

/* check_return_code for cgroup_skb: 0 (drop) or 1 (allow); egress
 * programs may also return 2 and 3 (bit 1: congestion notification). */
int pt_cgroup_skb_ret_range(int attach, int64_t *ret_min, int64_t *ret_max)
{
    *ret_min = 0;
    *ret_max = attach == BPF_CGROUP_INET_EGRESS ? 3 : 1;
    return 1;
}

/* ------------------------------------------------------- conversion */

/* One __sk_buff field as bpfrt converts it.  load: the kctx field's size
 * code; post: what follows the load; target: the size of the kernel field
 * the kernel's conversion reads (its target_size), which decides whether a
 * narrow load is shifted and masked. */
enum skb_post {
    POST_NONE,
    POST_PKT_TYPE,     /* & 7 (PKT_TYPE_MAX) */
    POST_VLAN_PRESENT, /* != 0 -> 1 */
    POST_LSH16,        /* remote_port: the kernel's << 16 on little-endian */
};
struct skb_conv {
    uint16_t uoff;  /* offset in __sk_buff */
    uint16_t ksize; /* bytes of the kctx field loaded */
    uint16_t koff;  /* offset in struct pt_skb_kctx */
    uint8_t target; /* the kernel's target_size */
    uint8_t post;
    uint8_t store; /* 1: a store goes to the kctx field (its size); 2: queue_mapping's guarded store */
};

#define K(f) ((uint16_t)offsetof(struct pt_skb_kctx, f))
#define KS(f) ((uint16_t)sizeof(((struct pt_skb_kctx *)0)->f))
#define F(uf, kf, tgt, post, st)                                                                                       \
    {                                                                                                                  \
        (uint16_t) SKB_OFF(uf), KS(kf), K(kf), (tgt), (post), (st)                                                     \
    }
static const struct skb_conv skb_conv[] = {
    F(len, len, 4, POST_NONE, 0),
    F(pkt_type, pkt_type, 1, POST_PKT_TYPE, 0),
    F(mark, mark, 4, POST_NONE, 1),
    F(queue_mapping, queue_mapping, 2, POST_NONE, 2),
    F(protocol, protocol, 2, POST_NONE, 0),
    /* vlan_present reads the 32-bit (vlan_proto, vlan_tci) pair as the
     * kernel reads skb->vlan_all */
    {(uint16_t)SKB_OFF(vlan_present), 4, K(vlan_proto), 4, POST_VLAN_PRESENT, 0},
    F(vlan_tci, vlan_tci, 2, POST_NONE, 0),
    F(vlan_proto, vlan_proto, 2, POST_NONE, 0),
    F(priority, priority, 4, POST_NONE, 1),
    F(ingress_ifindex, ingress_ifindex, 4, POST_NONE, 0),
    F(ifindex, ifindex, 4, POST_NONE, 0),
    F(tc_index, tc_index, 2, POST_NONE, 1),
    F(hash, hash, 4, POST_NONE, 0),
    F(tc_classid, tc_classid, 2, POST_NONE, 1),
    F(data, data, 8, POST_NONE, 0),
    F(data_end, data_end, 8, POST_NONE, 0),
    F(napi_id, napi_id, 4, POST_NONE, 0),
    F(family, family, 2, POST_NONE, 0),
    F(remote_ip4, remote_ip4, 4, POST_NONE, 0),
    F(local_ip4, local_ip4, 4, POST_NONE, 0),
    F(remote_port, remote_port, 2, POST_LSH16, 0),
    F(local_port, local_port, 2, POST_NONE, 0),
    F(data_meta, data_meta, 8, POST_NONE, 0),
    F(flow_keys, flow_keys, 8, POST_NONE, 0),
    /* tstamp: read and written as is.  The kernel's tc conversion reads 0
     * at ingress when the stamp is a delivery time and clears that mark
     * on a write at ingress (unless the program reads tstamp_type); a
     * test run is neither at ingress nor has delivery times, so the run
     * side stores the value the program is to see. */
    F(tstamp, tstamp, 8, POST_NONE, 1),
    F(wire_len, wire_len, 4, POST_NONE, 0),
    F(gso_segs, gso_segs, 2, POST_NONE, 0),
    F(sk, sk, 8, POST_NONE, 0),
    F(gso_size, gso_size, 2, POST_NONE, 0),
    F(tstamp_type, tstamp_type, 1, POST_NONE, 0),
    F(hwtstamp, hwtstamp, 8, POST_NONE, 0),
};
#undef F

/* The 32-bit words of the IPv6 addresses: one kctx word per UAPI word */
static int skb_conv_ip6(uint32_t off, uint16_t *koff)
{
    if (IN_TILL(off, remote_ip6[0], remote_ip6[3])) {
        *koff = (uint16_t)(K(remote_ip6) + (off - SKB_OFF(remote_ip6[0])));
        return 1;
    }
    if (IN_TILL(off, local_ip6[0], local_ip6[3])) {
        *koff = (uint16_t)(K(local_ip6) + (off - SKB_OFF(local_ip6[0])));
        return 1;
    }
    return 0;
}

static const struct skb_conv *skb_conv_find(uint32_t uoff)
{
    for (size_t i = 0; i < sizeof(skb_conv) / sizeof(skb_conv[0]); i++)
        if (skb_conv[i].uoff == uoff)
            return &skb_conv[i];
    return NULL;
}

/* A store into __sk_buff (STX or ST; the kernel's BPF_EMIT_STORE keeps the
 * instruction's class). */
static int skb_convert_store(const struct bpf_insn *in, struct bpf_insn *buf)
{
    uint32_t bytes = pt_insn_bytes(in);
    uint8_t cls = BPF_CLASS(in->code);
    const struct skb_conv *c;
    int n = 0;

    if (cls != BPF_STX && cls != BPF_ST)
        return -EINVAL;
    if (in->off >= 0 && IN_TILL((uint32_t)in->off, cb[0], cb[4])) {
        if ((uint32_t)in->off + bytes > SKB_END(cb[4]))
            return -EINVAL;
        buf[n++] = pt_insn(cls | BPF_MEM | BPF_SIZE(in->code), in->dst_reg, in->src_reg,
                           (int16_t)(K(cb) + (in->off - SKB_OFF(cb[0]))), in->imm);
        return n;
    }
    c = in->off >= 0 ? skb_conv_find((uint32_t)in->off) : NULL;
    if (!c || !c->store)
        return -EINVAL;
    if (c->store == 2) {
        /* queue_mapping: a value >= NO_QUEUE_MAPPING (0xffff) is not
         * stored; an immediate one leaves a no-op, as the kernel does */
        if (cls == BPF_ST && in->imm >= 0xffff) {
            buf[n++] = PT_JA(0);
            return n;
        }
        if (cls == BPF_STX)
            buf[n++] = PT_JMP_IMM(BPF_JGE, in->src_reg, 0xffff, 1);
    }
    buf[n++] = pt_insn(cls | BPF_MEM | pt_size_code(c->ksize), in->dst_reg, in->src_reg, (int16_t)c->koff, in->imm);
    return n;
}

/* A load from __sk_buff: the whole kernel field, its fix-up, then for a
 * narrow load the shift and mask of convert_ctx_accesses (when the load
 * is narrower than the kernel field; a load as wide as the kernel field,
 * or wider, gets the whole value). */
static int skb_convert_load(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *buf)
{
    uint32_t bytes = pt_insn_bytes(in), off;
    uint8_t dst = in->dst_reg, src = in->src_reg;
    const struct skb_conv *c;
    uint16_t koff;
    int n = 0, narrow;

    if (BPF_CLASS(in->code) != BPF_LDX || BPF_MODE(in->code) != BPF_MEM || in->off < 0)
        return -EINVAL;
    off = (uint32_t)in->off;
    if (IN_TILL(off, cb[0], cb[4])) {
        if (off + bytes > SKB_END(cb[4]))
            return -EINVAL;
        buf[n++] = PT_LDX(BPF_SIZE(in->code), dst, src, K(cb) + (off - SKB_OFF(cb[0])));
        return n;
    }
    if (skb_conv_ip6(off, &koff)) {
        if (bytes != 4)
            return -EINVAL;
        buf[n++] = PT_LDX(BPF_W, dst, src, koff);
        return n;
    }
    narrow = ctx_field_size && bytes < ctx_field_size;
    if (narrow && ctx_field_size != 4 && ctx_field_size != 8)
        return -EINVAL;
    c = skb_conv_find(narrow ? off & ~(ctx_field_size - 1) : off);
    if (!c)
        return -EINVAL;
    buf[n++] = PT_LDX(pt_size_code(c->ksize), dst, src, c->koff);
    switch (c->post) {
    case POST_PKT_TYPE: buf[n++] = PT_ALU32_IMM(BPF_AND, dst, 7); break;
    case POST_VLAN_PRESENT:
        buf[n++] = PT_JMP_IMM(BPF_JEQ, dst, 0, 1);
        buf[n++] = pt_insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, 1);
        break;
    case POST_LSH16: buf[n++] = PT_ALU32_IMM(BPF_LSH, dst, 16); break;
    default: break;
    }
    if (narrow && bytes < c->target) {
        int shift = (int)((off & (ctx_field_size - 1)) * 8);
        if (shift)
            buf[n++] = ctx_field_size <= 4 ? PT_ALU32_IMM(BPF_RSH, dst, shift) : PT_ALU64_IMM(BPF_RSH, dst, shift);
        buf[n++] = PT_ALU32_IMM(BPF_AND, dst, (int32_t)((1ull << (bytes * 8)) - 1));
    }
    return n;
}

int pt_skb_convert_access(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *out, size_t max)
{
    struct bpf_insn buf[8];
    int n;

    if (BPF_CLASS(in->code) == BPF_LDX)
        n = skb_convert_load(in, ctx_field_size, buf);
    else
        n = skb_convert_store(in, buf);
    if (n < 0)
        return n;
    if ((size_t)n > max)
        return -ENOSPC;
    memcpy(out, buf, (size_t)n * sizeof(buf[0]));
    return n;
}
