/* helpers_skb_room.c - the tc helpers that add or remove packet bytes:
 * bpf_skb_change_proto, bpf_skb_change_head, bpf_skb_change_tail and
 * bpf_skb_adjust_room, with the running kernel's (6.18) semantics and
 * errors (net/core/filter.c: bpf_skb_proto_xlat, bpf_skb_net_hdr_push /
 * _pop, bpf_skb_net_grow / _shrink, __bpf_skb_change_head / _tail,
 * __bpf_skb_min_len).  The buffer work is skb_buf.h's.
 *
 * The test-run skb is linear, not GSO-typed (ctx_in may set gso_size,
 * never a gso_type, so skb_is_gso_tcp is false and a GSO skb is refused
 * by adjust_room with -ENOTSUPP), CHECKSUM_NONE or, after bpf_csum_level,
 * CHECKSUM_UNNECESSARY, and has no dst.  tests/kernel-diff/
 * test_skb_helpers_diff.c compares every helper here with the kernel. */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "skb_buf.h"

/* The flags of bpf_skb_adjust_room, as the UAPI header has them; the
 * decapsulation flags are Linux 6.3's (newer than some headers). */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#endif
#define ADJ_ENCAP_L3 (BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6)
#define ADJ_DECAP_L3 (BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6)
#define ADJ_MASK                                                                                                       \
    (BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ENCAP_L3 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |             \
     BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(BPF_ADJ_ROOM_ENCAP_L2_MASK) | ADJ_DECAP_L3)

#define BE16_IP 0x0008u   /* htons(ETH_P_IP) */
#define BE16_IPV6 0xdd86u /* htons(ETH_P_IPV6) */
#define IPV4_HLEN 20u
#define IPV6_HLEN 40u

static uint64_t neg(int err)
{
    return (uint64_t)(int64_t)err;
}

/* bpf_skb_net_hdr_push: len zero bytes after the off bytes of MAC
 * header; the MAC and network headers move down with data, a transport
 * header equal to the network header follows it. */
static int net_hdr_push(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper)
{
    int trans_same = s->transport_header == s->network_header;
    int err = hlp_skb_push_at(run, s, off, len, helper);

    if (err)
        return err;
    s->mac_header = (uint16_t)(s->mac_header - len);
    s->network_header = (uint16_t)(s->network_header - len);
    if (trans_same)
        s->transport_header = s->network_header;
    return 0;
}

/* bpf_skb_net_hdr_pop: the len bytes after the off bytes of MAC header
 * taken out. */
static int net_hdr_pop(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t len, const char *helper)
{
    int trans_same = s->transport_header == s->network_header;
    int err = hlp_skb_pop_at(run, s, off, len, helper);

    if (err)
        return err;
    s->mac_header = (uint16_t)(s->mac_header + len);
    s->network_header = (uint16_t)(s->network_header + len);
    if (trans_same)
        s->transport_header = s->network_header;
    return 0;
}

/* skb_mac_header_len */
static uint32_t mac_header_len(const struct pt_skb_kctx *s)
{
    return (uint32_t)((int)s->network_header - (int)s->mac_header);
}

/* bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 only, the 20
 * bytes the headers differ by added (zeros) or removed right after the
 * MAC header; the protocol set and the hash cleared.  -EINVAL for flags,
 * -ENOTSUPP for other protocol pairs, -ENOMEM when an IPv6 packet is
 * shorter than its MAC header and 20 bytes. */
static uint64_t hlp_skb_change_proto(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                     struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_change_proto");
    uint16_t to = (uint16_t)r2;
    int err;

    (void)r4, (void)r5;
    if (!s)
        return 0;
    if (r3)
        return neg(-EINVAL);
    if (s->protocol == BE16_IP && to == BE16_IPV6) {
        err = hlp_skb_cow(run, s, IPV6_HLEN - IPV4_HLEN);
        if (!err)
            err = net_hdr_push(run, s, mac_header_len(s), IPV6_HLEN - IPV4_HLEN, "skb_change_proto");
    } else if (s->protocol == BE16_IPV6 && to == BE16_IP) {
        err = net_hdr_pop(run, s, mac_header_len(s), IPV6_HLEN - IPV4_HLEN, "skb_change_proto");
    } else {
        err = -HLP_ENOTSUPP;
    }
    if (!err) {
        s->protocol = to;
        s->hash = 0; /* skb_clear_hash */
    }
    if (run->err)
        return 0;
    hlp_skb_sync(run, s);
    return neg(err);
}

/* bpf_skb_change_head(skb, head_room, flags): head_room zero bytes in
 * front, the MAC header reset to them (the network header stays).
 * -EINVAL for flags, a head_room of 2 GiB or more, or (without GSO) a
 * packet longer than BPF_SKB_MAX_LEN. */
static uint64_t hlp_skb_change_head(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_change_head");
    uint32_t room = (uint32_t)r2, new_len;
    int err;

    (void)r4, (void)r5;
    if (!s)
        return 0;
    new_len = s->len + room;
    if (r3 || (int32_t)room < 0 || (!hlp_skb_gso(s) && new_len > HLP_SKB_MAX_LEN) || new_len < s->len)
        err = -EINVAL;
    else
        err = hlp_skb_cow(run, s, room);
    if (!err) {
        s->data -= room;
        s->len += room;
        memset(s->data, 0, room);
        s->mac_header = hlp_skb_off(s, s->data);  /* skb_reset_mac_header */
        s->mac_len = (uint16_t)mac_header_len(s); /* skb_reset_mac_len */
    }
    hlp_skb_sync(run, s);
    return neg(err);
}

/* __bpf_skb_min_len: the packet may not be cut before the network
 * header, nor before a transport header that is set: the larger of the
 * two offsets (the running kernel's answer; 6.1's source took the
 * transport header's even when smaller: tests/unit/test_skb_helpers.c). */
static uint32_t skb_min_len(const struct pt_skb_kctx *s)
{
    int off = hlp_skb_network_offset(s);
    uint32_t min = off > 0 ? (uint32_t)off : 0;

    if (s->transport_header != PT_SKB_HDR_UNSET) {
        off = (int)s->transport_header - (int)(s->data - s->head);
        if (off > 0 && (uint32_t)off > min)
            min = (uint32_t)off;
    }
    return min;
}

/* bpf_skb_change_tail(skb, new_len, flags): the packet cut to new_len
 * or grown with zeros; GSO state reset.  -EINVAL for flags or a length
 * above BPF_SKB_MAX_LEN or below __bpf_skb_min_len, -ENOTSUPP for an
 * encapsulated skb. */
static uint64_t hlp_skb_change_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_change_tail");
    uint32_t new_len = (uint32_t)r2, old_len;
    int err = 0;

    (void)r4, (void)r5;
    if (!s)
        return 0;
    old_len = s->len;
    if (r3 || new_len > HLP_SKB_MAX_LEN || new_len < skb_min_len(s)) {
        err = -EINVAL;
    } else if (s->encapsulation) {
        err = -HLP_ENOTSUPP;
    } else {
        if (new_len != old_len && s->ip_summed == PT_SKB_CSUM_COMPLETE)
            s->ip_summed = PT_SKB_CSUM_NONE; /* __skb_grow_rcsum, __skb_trim_rcsum */
        if (new_len > old_len) {             /* bpf_skb_grow_rcsum */
            err = hlp_skb_grow(run, s, new_len);
            if (!err)
                memset(s->data + old_len, 0, new_len - old_len);
        } else if (new_len < old_len) { /* __skb_trim */
            s->len = new_len;
        }
        if (!err && hlp_skb_gso(s)) { /* skb_gso_reset */
            s->gso_size = 0;
            s->gso_segs = 0;
        }
    }
    hlp_skb_sync(run, s);
    return neg(err);
}

/* bpf_skb_net_base_len */
static uint32_t net_base_len(uint16_t proto)
{
    return proto == BE16_IP ? IPV4_HLEN : proto == BE16_IPV6 ? IPV6_HLEN : ~0u;
}

/* bpf_skb_net_grow */
static int net_grow(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t diff, uint64_t flags)
{
    uint8_t inner_mac_len = (uint8_t)(flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT);
    int encap = !!(flags & ADJ_ENCAP_L3), err;
    uint16_t mac_len = 0;

    if (hlp_skb_gso(s)) /* a GSO skb, and not TCP: its gso_type is 0 here */
        return -HLP_ENOTSUPP;
    err = hlp_skb_cow(run, s, diff); /* skb_cow_head */
    if (err)
        return err;
    if (encap) {
        if ((flags & ADJ_ENCAP_L3) == ADJ_ENCAP_L3)
            return -EINVAL;
        if ((flags & BPF_F_ADJ_ROOM_ENCAP_L4_GRE) && (flags & BPF_F_ADJ_ROOM_ENCAP_L4_UDP))
            return -EINVAL;
        if ((flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH) && inner_mac_len < HLP_ETH_HLEN)
            return -EINVAL;
        if (s->encapsulation)
            return -EALREADY;
        mac_len = (uint16_t)(s->network_header - s->mac_header);
        if (inner_mac_len > diff)
            return -EINVAL;
    }
    err = net_hdr_push(run, s, off, diff, "skb_adjust_room");
    if (err)
        return err;
    if (encap) {
        s->encapsulation = 1;
        s->network_header = (uint16_t)(hlp_skb_off(s, s->data) + mac_len);
        if (flags & (BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP))
            s->transport_header = (uint16_t)(hlp_skb_off(s, s->data) + mac_len +
                                             (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 ? IPV6_HLEN : IPV4_HLEN));
        /* the outer L3 protocol */
        if (s->protocol == BE16_IP && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
            s->protocol = BE16_IPV6;
        else if (s->protocol == BE16_IPV6 && (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
            s->protocol = BE16_IP;
    }
    return 0;
}

/* bpf_skb_net_shrink */
static int net_shrink(struct rt_run *run, struct pt_skb_kctx *s, uint32_t off, uint32_t diff, uint64_t flags)
{
    int err;

    if (flags & ~(uint64_t)(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_DECAP_L3 | BPF_F_ADJ_ROOM_NO_CSUM_RESET))
        return -EINVAL;
    if (hlp_skb_gso(s))
        return -HLP_ENOTSUPP;
    err = net_hdr_pop(run, s, off, diff, "skb_adjust_room");
    if (err)
        return err;
    if (s->protocol == BE16_IP && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6))
        s->protocol = BE16_IPV6;
    else if (s->protocol == BE16_IPV6 && (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
        s->protocol = BE16_IP;
    return 0;
}

/* bpf_skb_adjust_room(skb, len_diff, mode, flags): len_diff bytes added
 * (zeros) or removed after the MAC header (BPF_ADJ_ROOM_MAC) or after
 * the base network header (BPF_ADJ_ROOM_NET), IPv4 and IPv6 packets
 * only; encapsulation flags set the headers, the protocol and the
 * encapsulation mark.  -EINVAL for unknown or conflicting flags, -EFAULT
 * for |len_diff| above 0xfff, -ENOTSUPP for other protocols, modes, GSO
 * skbs and lengths out of range, -EALREADY for a second encapsulation,
 * -ENOMEM when the bytes to remove are not there. */
static uint64_t hlp_skb_adjust_room(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_adjust_room");
    int32_t len_diff = (int32_t)r2;
    uint32_t mode = (uint32_t)r3, abs_diff, len_min, len_cur, off;
    uint64_t flags = r4;
    int shrink = len_diff < 0, err;

    (void)r5;
    if (!s)
        return 0;
    abs_diff = len_diff < 0 ? 0u - (uint32_t)len_diff : (uint32_t)len_diff;
    len_min = net_base_len(s->protocol);
    if (flags & ~(uint64_t)(ADJ_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET))
        return neg(-EINVAL);
    if (abs_diff > 0xfff)
        return neg(-EFAULT);
    if (s->protocol != BE16_IP && s->protocol != BE16_IPV6)
        return neg(-HLP_ENOTSUPP);
    off = mac_header_len(s);
    if (mode == BPF_ADJ_ROOM_NET)
        off += net_base_len(s->protocol);
    else if (mode != BPF_ADJ_ROOM_MAC)
        return neg(-HLP_ENOTSUPP);
    if (flags & ADJ_DECAP_L3) {
        if (!shrink || (flags & ADJ_DECAP_L3) == ADJ_DECAP_L3)
            return neg(-EINVAL);
        len_min = flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4 ? IPV4_HLEN : IPV6_HLEN;
    }
    len_cur = s->len - (uint32_t)hlp_skb_network_offset(s);
    if ((shrink && (abs_diff >= len_cur || len_cur - abs_diff < len_min)) ||
        (!shrink && (uint64_t)s->len + abs_diff > HLP_SKB_MAX_LEN && !hlp_skb_gso(s)))
        return neg(-HLP_ENOTSUPP);
    err = shrink ? net_shrink(run, s, off, abs_diff, flags) : net_grow(run, s, off, abs_diff, flags);
    if (run->err)
        return 0;
    if (!err && !(flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET) && s->ip_summed == PT_SKB_CSUM_UNNECESSARY) {
        s->ip_summed = PT_SKB_CSUM_NONE; /* __skb_reset_checksum_unnecessary */
        s->csum_level = 0;
    }
    hlp_skb_sync(run, s);
    return neg(err);
}

static const struct hlp_desc hlp_skb_room_table[] = {
    {BPF_FUNC_skb_change_proto, "skb_change_proto", hlp_skb_change_proto, 0},
    {BPF_FUNC_skb_change_head, "skb_change_head", hlp_skb_change_head, 0},
    {BPF_FUNC_skb_change_tail, "skb_change_tail", hlp_skb_change_tail, 0},
    {BPF_FUNC_skb_adjust_room, "skb_adjust_room", hlp_skb_adjust_room, 0},
};
HLP_TABLE(hlp_skb_room_tab, hlp_skb_room_table);
