/* helpers_skb_vlan.c - VLAN tags and the network protocol behind them:
 * bpf_skb_vlan_push, bpf_skb_vlan_pop (tc) and bpf_skb_ecn_set_ce (tc,
 * cgroup_skb), with the running kernel's (6.18) semantics
 * (net/core/filter.c: bpf_skb_vlan_push, bpf_skb_vlan_pop,
 * bpf_skb_ecn_set_ce; net/core/skbuff.c: skb_vlan_push, skb_vlan_pop,
 * __skb_vlan_pop; include/linux/if_vlan.h: __vlan_insert_inner_tag,
 * vlan_remove_tag, vlan_set_encap_proto, __vlan_get_protocol_offset;
 * include/net/inet_ecn.h: INET_ECN_set_ce).
 *
 * The skb's accelerated tag (__sk_buff.vlan_proto and vlan_tci) takes a
 * pushed tag first; a second push moves the held one into the packet
 * after the MAC addresses.  A pop clears the held tag, else takes one
 * out of the packet, then moves the packet's next tag (if any) into the
 * held one.  tests/kernel-diff/test_skb_helpers_diff.c compares them
 * with the kernel. */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "skb_buf.h"

#define BE16_8021Q 0x0081u  /* htons(ETH_P_8021Q) */
#define BE16_8021AD 0xa888u /* htons(ETH_P_8021AD) */
#define BE16_IP 0x0008u
#define BE16_IPV6 0xdd86u
#define BE16_802_3 0x0100u /* htons(ETH_P_802_3) */
#define BE16_802_2 0x0400u /* htons(ETH_P_802_2) */
#define ETH_ALEN 6u
#define VLAN_MAX_DEPTH 8u

static uint64_t neg(int err)
{
    return (uint64_t)(int64_t)err;
}

static int is_vlan(uint16_t proto)
{
    return proto == BE16_8021Q || proto == BE16_8021AD; /* eth_type_vlan */
}

static uint16_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static int tag_present(const struct pt_skb_kctx *s)
{
    return s->vlan_proto || s->vlan_tci; /* skb_vlan_tag_present: vlan_all != 0 */
}

/* __vlan_insert_tag: the held tag (proto, tci) written into the packet
 * after the MAC addresses. */
static int insert_tag(struct rt_run *run, struct pt_skb_kctx *s, uint16_t proto, uint16_t tci)
{
    int err;

    if (!hlp_skb_may_pull(s, HLP_ETH_HLEN))
        return -EINVAL;
    err = hlp_skb_cow(run, s, HLP_VLAN_HLEN);
    if (err)
        return -ENOMEM;
    s->data -= HLP_VLAN_HLEN;
    s->len += HLP_VLAN_HLEN;
    memmove(s->data, s->data + HLP_VLAN_HLEN, HLP_ETH_HLEN - 2); /* the addresses, sans proto */
    s->mac_header = (uint16_t)(s->mac_header - HLP_VLAN_HLEN);
    memcpy(s->data + 2 * ETH_ALEN, &proto, 2);
    s->data[2 * ETH_ALEN + 2] = (uint8_t)(tci >> 8);
    s->data[2 * ETH_ALEN + 3] = (uint8_t)tci;
    hlp_skb_rcsum_block(s, s->data + 2 * ETH_ALEN, HLP_VLAN_HLEN, 0, 1); /* skb_postpush_rcsum */
    return 0;
}

/* __skb_vlan_pop: the tag after the MAC addresses taken out of the
 * packet; the protocol becomes what it encapsulated (vlan_set_encap_proto:
 * a length field below 0x600 gives 802.3 raw IPX or 802.2). */
static int pop_tag(struct pt_skb_kctx *s, uint16_t *tci)
{
    uint16_t proto;

    if (s->data != s->head + s->mac_header)
        return -EINVAL;                                     /* the kernel warns: data not at the MAC header */
    if (!hlp_skb_may_pull(s, HLP_ETH_HLEN + HLP_VLAN_HLEN)) /* skb_ensure_writable */
        return -ENOMEM;
    hlp_skb_postpull_rcsum(s, s->data + 2 * ETH_ALEN, HLP_VLAN_HLEN);
    *tci = (uint16_t)(s->data[HLP_ETH_HLEN] << 8 | s->data[HLP_ETH_HLEN + 1]);
    memmove(s->data + HLP_VLAN_HLEN, s->data, 2 * ETH_ALEN);
    proto = rd16(s->data + HLP_ETH_HLEN + 2);
    if ((uint16_t)(proto << 8 | proto >> 8) >= 0x600)
        s->protocol = proto;
    else /* the 2 bytes after the tag (the buffer holds them even past the packet) */
        s->protocol = rd16(s->data + HLP_ETH_HLEN + HLP_VLAN_HLEN) == 0xffff ? BE16_802_3 : BE16_802_2;
    s->data += HLP_VLAN_HLEN;
    s->len -= HLP_VLAN_HLEN;
    s->mac_header = (uint16_t)(s->mac_header + HLP_VLAN_HLEN);
    if (hlp_skb_network_offset(s) < (int)HLP_ETH_HLEN)
        s->network_header = (uint16_t)(hlp_skb_off(s, s->data) + HLP_ETH_HLEN);
    s->mac_len = (uint16_t)(s->network_header - s->mac_header); /* skb_reset_mac_len */
    return 0;
}

/* bpf_skb_vlan_push(skb, vlan_proto, vlan_tci): a vlan_proto other than
 * 802.1Q and 802.1ad is taken as 802.1Q. */
static uint64_t hlp_skb_vlan_push(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_vlan_push");
    uint16_t proto = (uint16_t)r2, tci = (uint16_t)r3;
    int err = 0;

    (void)r4, (void)r5;
    if (!s)
        return 0;
    if (!is_vlan(proto))
        proto = BE16_8021Q;
    if (tag_present(s)) { /* skb_vlan_push: the held tag into the packet */
        if (s->data != s->head + s->mac_header)
            err = -EINVAL; /* the kernel warns: data not at the MAC header */
        else
            err = insert_tag(run, s, s->vlan_proto, s->vlan_tci);
        if (!err) { /* the network header moves with the MAC header (6.18.y's skb_vlan_push) */
            s->protocol = s->vlan_proto;
            s->network_header = (uint16_t)(s->network_header - HLP_VLAN_HLEN);
        }
    }
    if (!err) {
        s->vlan_proto = proto;
        s->vlan_tci = tci;
    }
    s->mac_len = (uint16_t)(s->network_header - s->mac_header); /* skb_reset_mac_len */
    hlp_skb_sync(run, s);
    return neg(err);
}

/* skb_vlan_pop */
static int vlan_pop(struct pt_skb_kctx *s)
{
    uint16_t tci, proto;
    int err;

    if (tag_present(s)) {
        s->vlan_proto = 0;
        s->vlan_tci = 0;
    } else {
        if (!is_vlan(s->protocol))
            return 0;
        err = pop_tag(s, &tci);
        if (err)
            return err;
    }
    if (!is_vlan(s->protocol))
        return 0;
    proto = s->protocol;
    err = pop_tag(s, &tci);
    if (err)
        return err;
    s->vlan_proto = proto;
    s->vlan_tci = tci;
    return 0;
}

static uint64_t hlp_skb_vlan_pop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_vlan_pop");
    int err;

    (void)r2, (void)r3, (void)r4, (void)r5;
    if (!s)
        return 0;
    err = vlan_pop(s);
    hlp_skb_sync(run, s);
    return neg(err);
}

/* vlan_get_protocol: the protocol behind the VLAN tags in the packet,
 * found from mac_len - VLAN_HLEN (ETH_HLEN when mac_len is 0), offsets
 * from data as skb_header_pointer takes them; 0 when a tag lies past the
 * packet or more than VLAN_MAX_DEPTH - 1 are nested. */
static uint16_t inner_protocol(const struct pt_skb_kctx *s)
{
    uint16_t type = s->protocol;
    uint32_t depth = s->mac_len, parse = VLAN_MAX_DEPTH;

    if (!is_vlan(type))
        return type;
    if (depth) {
        if (depth < HLP_VLAN_HLEN)
            return 0;
        depth -= HLP_VLAN_HLEN;
    } else {
        depth = HLP_ETH_HLEN;
    }
    do {
        if ((uint64_t)depth + HLP_VLAN_HLEN > s->len || !--parse)
            return 0;
        type = rd16(s->data + depth + 2);
        depth += HLP_VLAN_HLEN;
    } while (is_vlan(type));
    return type;
}

/* bpf_skb_ecn_set_ce(skb): Congestion Experienced marked in the IPv4 or
 * IPv6 header at the network header when the packet is ECN capable:
 * 1 when the mark is there afterwards, 0 otherwise (and for packets of
 * other protocols or too short).  IPv4's header checksum is updated
 * incrementally (IP_ECN_set_ce). */
static uint64_t hlp_skb_ecn_set_ce(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_ecn_set_ce");
    uint16_t proto;
    uint32_t hlen, ecn;
    uint8_t *iph;

    (void)r2, (void)r3, (void)r4, (void)r5;
    if (!s)
        return 0;
    proto = inner_protocol(s);
    if (proto == BE16_IP)
        hlen = 20;
    else if (proto == BE16_IPV6)
        hlen = 40;
    else
        return 0;
    if (hlp_skb_headlen(s) < hlen)
        return 0;
    /* INET_ECN_set_ce: the header at the network header, within the packet */
    iph = s->head + s->network_header;
    if (iph + hlen > s->data + hlp_skb_headlen(s))
        return 0;
    if (proto == BE16_IP) {
        uint16_t check, add;
        ecn = (uint32_t)(iph[1] + 1) & 3;
        if (!(ecn & 2))
            return !ecn;
        /* check += htons(0xFFFB) + htons(ecn), in 16-bit one's complement */
        add = (uint16_t)(0xfbffu + (ecn << 8));
        check = cs16_add(rd16(iph + 10), add);
        memcpy(iph + 10, &check, 2);
        iph[1] |= 3;
        return 1;
    }
    /* IP6_ECN_set_ce: the traffic class's ECN bits are bits 4-5 of byte 1 */
    if (!((iph[1] >> 4) & 3))
        return 0;
    {
        uint32_t from, to;
        memcpy(&from, iph, 4);
        iph[1] |= 3 << 4;
        memcpy(&to, iph, 4);
        if (s->ip_summed == PT_SKB_CSUM_COMPLETE)
            s->csum = cs_add(cs_sub(s->csum, from), to);
    }
    return 1;
}

static const struct hlp_desc hlp_skb_vlan_table[] = {
    {BPF_FUNC_skb_vlan_push, "skb_vlan_push", hlp_skb_vlan_push, 0},
    {BPF_FUNC_skb_vlan_pop, "skb_vlan_pop", hlp_skb_vlan_pop, 0},
    {BPF_FUNC_skb_ecn_set_ce, "skb_ecn_set_ce", hlp_skb_ecn_set_ce, 0},
};
HLP_TABLE(hlp_skb_vlan_tab, hlp_skb_vlan_table);
