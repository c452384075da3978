/* helpers_hash.c - the skb's flow hash: bpf_get_hash_recalc,
 * bpf_set_hash, bpf_set_hash_invalid (net/core/filter.c; skb_get_hash,
 * __skb_set_sw_hash, skb_clear_hash of include/linux/skbuff.h;
 * __skb_get_hash_net, __flow_hash_from_keys, __skb_flow_dissect of
 * net/core/flow_dissector.c).
 *
 * The kernel hashes the packet's flow keys (struct flow_keys from its
 * `basic` member on: protocols, IPv6 flow label, outer VLAN, GRE key,
 * ports, addresses; the addresses and the ports put in order first, so
 * both directions of a flow hash alike) with SipHash-2-4 under a key it
 * draws at random once per boot (hashrnd).  That key cannot be known, so
 * bpfrt cannot give the kernel's values: it computes the same function of
 * the same keys under a fixed key of its own (HASH_KEY below), so that
 * the packets the kernel hashes alike bpfrt hashes alike, and each run is
 * reproducible.  What is compared with the kernel
 * (tests/kernel-diff/test_net_helpers_diff.c): which packets share a hash,
 * that a hash is never 0, that both directions agree, and the set_hash /
 * set_hash_invalid / recalc protocol through __sk_buff.hash.
 *
 * The dissector follows __skb_flow_dissect with the hash's keys
 * (flow_keys_dissector_keys): IPv4, IPv6 (its hop-by-hop, routing,
 * destination and fragment headers; a flow label stops it,
 * FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL), 802.1Q / 802.1AD tags (the outer
 * one is a key), PPPoE sessions, GRE (versions 0 and 1, its key),
 * IP-in-IP, IPv6-in-IP, MPLS (no key of the hash's: it stops there), and
 * the ports of TCP, UDP, UDP-Lite, DCCP, SCTP, ESP (its SPI) and AH; no
 * fragment carries ports.  What the kernel's dissector knows beyond that
 * (TIPC, batman-adv, FCoE, HSR/PRP, PTP) ends the keys here. */
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"

/* bpfrt's SipHash key (the kernel's is random per boot) */
static const uint64_t HASH_KEY[2] = {0x6270667274206b65ull, 0x7920666f72206873ull};

#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8
#define ADDR_V4 3 /* FLOW_DISSECTOR_KEY_IPV4_ADDRS: keys.control.addr_type */
#define ADDR_V6 4 /* FLOW_DISSECTOR_KEY_IPV6_ADDRS */

/* struct flow_keys from `basic` on, the bytes the kernel hashes, in its
 * layout (x86-64): 72 bytes, of which the address union's unused part is
 * left out of the hash by the address type. */
struct fkeys {
    uint16_t n_proto; /* basic: network order */
    uint8_t ip_proto, pad0;
    uint32_t flow_label; /* tags */
    uint16_t vlan_tci;   /* vlan: id:12, dei:1, priority:3 (bit fields, low bits first) */
    uint16_t vlan_tpid, vlan_eth_type, pad1;
    uint16_t cvlan[4]; /* cvlan: not a key of the hash's dissector, zero */
    uint32_t keyid;    /* GRE key: not followed, zero */
    uint16_t sport, dport;
    uint8_t icmp[4]; /* not a key of the hash's dissector, zero */
    uint32_t addrs[8]; /* v4: src, dst; v6: src[4], dst[4] */
    uint32_t tail;     /* the struct's padding to 8 bytes */
};
_Static_assert(sizeof(struct fkeys) == 72, "struct flow_keys from basic on is 72 bytes");

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---------------------------------------------------------- SipHash-2-4 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                       \
    do {                                                                                                               \
        v0 += v1, v1 = ROTL(v1, 13), v1 ^= v0, v0 = ROTL(v0, 32);                                                      \
        v2 += v3, v3 = ROTL(v3, 16), v3 ^= v2;                                                                         \
        v0 += v3, v3 = ROTL(v3, 21), v3 ^= v0;                                                                         \
        v2 += v1, v1 = ROTL(v1, 17), v1 ^= v2, v2 = ROTL(v2, 32);                                                      \
    } while (0)

/* SipHash-2-4 (Aumasson and Bernstein) of len bytes, little-endian words */
static uint64_t siphash24(const uint8_t *in, size_t len, const uint64_t k[2])
{
    uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1];
    uint64_t v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, end = len - len % 8;

    for (i = 0; i < end; i += 8) {
        memcpy(&m, in + i, 8);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < len % 8; j++)
        b |= (uint64_t)in[end + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ------------------------------------------------------- the dissector */

/* The ports (or SPI) at off for ip_proto: __skb_flow_get_ports with
 * proto_ports_offset's table; 0 when the protocol has none or the bytes
 * are not there. */
static void get_ports(const uint8_t *pkt, uint32_t len, uint32_t off, uint8_t ip_proto, struct fkeys *k)
{
    k->sport = k->dport = 0; /* written on every pass, 0 when none */
    switch (ip_proto) {
    case 6: case 17: case 33: case 50: case 132: case 136: break; /* TCP UDP DCCP ESP SCTP UDP-Lite */
    case 51: off += 4; break;                                      /* AH: its SPI */
    default: return;
    }
    if (off + 4 > len)
        return;
    memcpy(&k->sport, pkt + off, 2);
    memcpy(&k->dport, pkt + off + 2, 2);
}

enum fd_ret { FD_GOOD, FD_BAD, FD_PROTO_AGAIN, FD_IPPROTO_AGAIN, FD_CONTINUE };

#define MAX_HDRS 15 /* MAX_FLOW_DISSECT_HDRS */

/* __skb_flow_dissect_gre: a GRE header at *off (version 0, or 1 for
 * PPTP; none with routing): the key (a key of the hash), the inner
 * protocol, *off past the header. */
static enum fd_ret dissect_gre(const uint8_t *pkt, uint32_t len, uint32_t *off, uint16_t *proto, struct fkeys *k)
{
    uint32_t o = *off, x = 4;
    uint16_t fl, ver;

    if (o + 4 > len)
        return FD_BAD;
    fl = rd16(pkt + o);
    ver = fl & 7;
    if ((fl & 0x4000) || ver > 1) /* GRE_ROUTING; versions past PPTP */
        return FD_GOOD;
    *proto = rd16(pkt + o + 2);
    if (ver && !(*proto == 0x880b && (fl & 0x2000))) /* PPTP: GRE_PROTO_PPP with a key */
        return FD_GOOD;
    if (fl & 0x8000) /* GRE_CSUM: checksum and reserved */
        x += 4;
    if (fl & 0x2000) { /* GRE_KEY */
        if (o + x + 4 > len)
            return FD_BAD;
        memcpy(&k->keyid, pkt + o + x, 4);
        if (ver) /* GRE_PPTP_KEY_MASK: the call id, the key's second half */
            memset(&k->keyid, 0, 2);
        x += 4;
    }
    if (fl & 0x1000) /* GRE_SEQ */
        x += 4;
    if (!ver) {
        if (*proto == 0x6558) { /* ETH_P_TEB: an Ethernet frame inside */
            if (o + x + 14 > len)
                return FD_BAD;
            *proto = rd16(pkt + o + x + 12);
            x += 14;
        }
    } else {
        if (fl & 0x0080) /* GRE_ACK */
            x += 4;
        if (o + x + 4 > len)
            return FD_BAD;
        if (rd16(pkt + o + x + 2) == 0x0021) /* PPP_IP */
            *proto = ETH_P_IP_;
        else if (rd16(pkt + o + x + 2) == 0x0057) /* PPP_IPV6 */
            *proto = ETH_P_IPV6_;
        x += 4;
    }
    *off = o + x;
    return FD_PROTO_AGAIN;
}

/* __skb_flow_dissect with the hash's keys from the network header at off
 * (proto: skb->protocol as a host value); sets *addr_type.  Inner headers
 * (IP in IP, GRE, PPPoE, VLAN tags) replace the outer ones' keys, as the
 * kernel's dissector goes on into them. */
static void dissect(const uint8_t *pkt, uint32_t len, uint32_t off, uint16_t proto, struct fkeys *k,
                    uint16_t *addr_type)
{
    uint8_t ip_proto = 0;
    int vlans = 0, hdrs = 0, frag = 0;
    enum fd_ret ret;

proto_again:
    ret = FD_CONTINUE;
    switch (proto) {
    case ETH_P_IP_: {
        uint32_t ihl;
        if (off + 20 > len || (ihl = (pkt[off] & 15u) * 4) < 20) {
            ret = FD_BAD;
            break;
        }
        ip_proto = pkt[off + 9];
        /* the first 8 bytes of the address union: what an outer IPv6
         * header left after them stays, and is hashed, as in the kernel */
        memcpy(&k->addrs[0], pkt + off + 12, 8);
        *addr_type = ADDR_V4;
        /* ip_is_fragment: MF or an offset; no ports for either kind of
         * fragment (FLOW_DISSECTOR_F_PARSE_1ST_FRAG is not asked for) */
        if (rd16(pkt + off + 6) & 0x3fff) {
            frag = 1;
            ret = FD_GOOD;
        }
        off += ihl;
        break;
    }
    case ETH_P_IPV6_: {
        uint32_t label;
        if (off + 40 > len) {
            ret = FD_BAD;
            break;
        }
        ip_proto = pkt[off + 6];
        memcpy(&k->addrs[0], pkt + off + 8, 32);
        *addr_type = ADDR_V6;
        label = (uint32_t)(pkt[off + 1] & 15) << 16 | rd16(pkt + off + 2);
        off += 40;
        if (label) {
            /* FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL (the label is a key) */
            k->flow_label = label;
            ret = FD_GOOD;
        }
        break;
    }
    case ETH_P_8021Q_:
    case ETH_P_8021AD_: {
        uint16_t tpid = proto;
        if (off + 4 > len) {
            ret = FD_BAD;
            break;
        }
        proto = rd16(pkt + off + 2);
        if (++vlans == 1) {
            /* the outer tag is the key; the second (cvlan) is not one
             * of the hash's, later ones are skipped */
            uint16_t tci = rd16(pkt + off);
            k->vlan_tci = (uint16_t)((tci & 0x0fff) | (((tci >> 13) & 7) << 13));
            k->vlan_tpid = (uint16_t)(tpid >> 8 | tpid << 8);
            k->vlan_eth_type = (uint16_t)(proto >> 8 | proto << 8);
        }
        off += 4;
        ret = FD_PROTO_AGAIN;
        break;
    }
    case 0x8864: { /* ETH_P_PPP_SES: version 1, type 1, code 0, then the PPP protocol */
        uint16_t ppp;
        if (off + 8 > len || pkt[off] != 0x11 || pkt[off + 1] != 0) {
            ret = FD_BAD;
            break;
        }
        ppp = rd16(pkt + off + 6);
        off += 8;
        ret = FD_GOOD;
        if (ppp == 0x0021 || ppp == 0x0057 || ppp == 0x0281) {
            proto = ppp == 0x0021 ? ETH_P_IP_ : ppp == 0x0057 ? ETH_P_IPV6_ : 0x8847;
            ret = FD_PROTO_AGAIN;
        }
        break;
    }
    default:
        /* MPLS (neither of its keys is the hash's), ARP (nor its), and
         * what the dissector does not know: no more keys */
        ret = FD_GOOD;
        break;
    }
    if (ret == FD_GOOD || ret == FD_BAD)
        goto out;
    if (ret == FD_PROTO_AGAIN) {
        if (++hdrs <= MAX_HDRS)
            goto proto_again;
        goto out;
    }
ip_proto_again:
    ret = FD_CONTINUE;
    switch (ip_proto) {
    case 47: /* GRE */
        ret = dissect_gre(pkt, len, &off, &proto, k);
        break;
    case 0:  /* hop-by-hop */
    case 43: /* routing */
    case 60: /* destination options */
        if (proto != ETH_P_IPV6_)
            break;
        if (off + 2 > len) {
            ret = FD_BAD;
            break;
        }
        ip_proto = pkt[off];
        off += (pkt[off + 1] + 1u) * 8;
        ret = FD_IPPROTO_AGAIN;
        break;
    case 44: /* the IPv6 fragment header: no ports for any fragment */
        if (proto != ETH_P_IPV6_)
            break;
        if (off + 8 > len) {
            ret = FD_BAD;
            break;
        }
        frag = 1;
        ip_proto = pkt[off];
        off += 8;
        ret = FD_GOOD;
        break;
    case 4: /* IP in IP */
        proto = ETH_P_IP_;
        ret = FD_PROTO_AGAIN;
        break;
    case 41: /* IPv6 in IP */
        proto = ETH_P_IPV6_;
        ret = FD_PROTO_AGAIN;
        break;
    case 137: /* MPLS in IP */
        proto = 0x8847;
        ret = FD_PROTO_AGAIN;
        break;
    default: break;
    }
    if (!frag)
        get_ports(pkt, len, off, ip_proto, k);
    if (ret == FD_PROTO_AGAIN && ++hdrs <= MAX_HDRS)
        goto proto_again;
    if (ret == FD_IPPROTO_AGAIN && ++hdrs <= MAX_HDRS)
        goto ip_proto_again;
out:
    k->n_proto = (uint16_t)(proto >> 8 | proto << 8);
    k->ip_proto = ip_proto;
}

/* __skb_get_hash_net: the keys, put in order (__flow_hash_consistentify),
 * hashed (the low 32 bits, never 0); *l4: flow_keys_have_l4. */
static uint32_t flow_hash(const struct pt_skb_kctx *s, int *l4)
{
    struct fkeys k;
    uint16_t addr_type = 0, proto = (uint16_t)(s->protocol >> 8 | s->protocol << 8);
    const uint8_t *pkt = s->data;
    uint32_t len = s->len - s->data_len, off, h;
    size_t hlen;

    memset(&k, 0, sizeof(k));
    /* skb_network_offset: after the Ethernet header for the types whose
     * data starts at the MAC header (tc, the ones with data_end computed),
     * 0 for the others (socket filters, cgroup skb) */
    off = s->data_end ? 14 : 0;
    dissect(pkt, len, off, proto, &k, &addr_type);
    if (addr_type == ADDR_V4) {
        if (k.addrs[1] < k.addrs[0]) { /* the raw words, as the kernel compares them */
            uint32_t t = k.addrs[0];
            k.addrs[0] = k.addrs[1], k.addrs[1] = t;
        }
    } else if (addr_type == ADDR_V6) {
        if (memcmp(&k.addrs[4], &k.addrs[0], 16) < 0) {
            uint32_t t[4];
            memcpy(t, &k.addrs[0], 16);
            memcpy(&k.addrs[0], &k.addrs[4], 16);
            memcpy(&k.addrs[4], t, 16);
        }
    }
    if (addr_type && k.dport < k.sport) {
        uint16_t t = k.sport;
        k.sport = k.dport, k.dport = t;
    }
    /* flow_keys_hash_length: the addresses of the type (none: 4 bytes of
     * the union, as the kernel's length arithmetic gives) */
    hlen = addr_type == ADDR_V4 ? 48 : addr_type == ADDR_V6 ? 72 : 40;
    h = (uint32_t)siphash24((const uint8_t *)&k, hlen, HASH_KEY);
    *l4 = (k.sport | k.dport) || k.flow_label;
    return h ? h : 1;
}

/* bpf_get_hash_recalc(skb): skb_get_hash: the hash as it is when set (by
 * bpf_set_hash, or computed before), else computed now and kept as a
 * software hash (l4 when it covers ports or a flow label). */
static uint64_t hlp_get_hash_recalc(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "get_hash_recalc");
    int l4;
    (void)b, (void)c, (void)d, (void)e;

    if (!s)
        return 0;
    if (!s->meta.l4_hash && !s->meta.sw_hash) {
        s->hash = flow_hash(s, &l4);
        s->meta.sw_hash = 1;
        s->meta.l4_hash = (uint8_t)l4;
    }
    return s->hash;
}

/* bpf_set_hash(skb, hash): __skb_set_sw_hash(skb, hash, true); 0 */
static uint64_t hlp_set_hash(uint64_t r1, uint64_t hash, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "set_hash");
    (void)c, (void)d, (void)e;

    if (!s)
        return 0;
    s->hash = (uint32_t)hash;
    s->meta.sw_hash = 1;
    s->meta.l4_hash = 1;
    return 0;
}

/* bpf_set_hash_invalid(skb): skb_clear_hash; 0 */
static uint64_t hlp_set_hash_invalid(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "set_hash_invalid");
    (void)b, (void)c, (void)d, (void)e;

    if (!s)
        return 0;
    s->hash = 0;
    s->meta.sw_hash = 0;
    s->meta.l4_hash = 0;
    return 0;
}

static const struct hlp_desc hlp_hash_table[] = {
    {BPF_FUNC_get_hash_recalc, "get_hash_recalc", hlp_get_hash_recalc, 0},
    {BPF_FUNC_set_hash, "set_hash", hlp_set_hash, 0},
    {BPF_FUNC_set_hash_invalid, "set_hash_invalid", hlp_set_hash_invalid, 0},
};
HLP_TABLE(hlp_hash_tab, hlp_hash_table);
