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
 * The dissector follows __skb_flow_dissect for Ethernet's IPv4, IPv6 (its
 * hop-by-hop, routing, destination and fragment headers; a flow label
 * stops it, FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL), 802.1Q / 802.1AD tags
 * (the outer one is a key), and the ports of TCP, UDP, UDP-Lite, DCCP,
 * SCTP, ESP (its SPI) and AH; fragments other than the first, and first
 * fragments, carry no ports.  Encapsulations it does not follow (GRE,
 * IP-in-IP, MPLS, PPPoE) hash by their outer keys only, where the kernel
 * would add the inner ones. */
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

/* __skb_flow_dissect with the hash's keys from the network header at off
 * (proto: skb->protocol, network order as a host value); sets *addr_type. */
static void dissect(const uint8_t *pkt, uint32_t len, uint32_t off, uint16_t proto, struct fkeys *k,
                    uint16_t *addr_type)
{
    uint8_t ip_proto = 0;
    int vlans = 0;

    for (;;) {
        if (proto == ETH_P_8021Q_ || proto == ETH_P_8021AD_) {
            uint16_t tpid = proto;
            if (off + 4 > len)
                goto out;
            proto = rd16(pkt + off + 2);
            if (++vlans == 1) {
                uint16_t tci = rd16(pkt + off);
                k->vlan_tci = (uint16_t)((tci & 0x0fff) | (((tci >> 13) & 7) << 13));
                k->vlan_tpid = (uint16_t)(tpid >> 8 | tpid << 8);
                k->vlan_eth_type = (uint16_t)(proto >> 8 | proto << 8);
            }
            off += 4;
            if (vlans > 2)
                continue; /* a third tag: PROTO_AGAIN without a key */
            continue;
        }
        break;
    }
    if (proto == ETH_P_IP_) {
        uint32_t ihl;
        if (off + 20 > len || (ihl = (pkt[off] & 15u) * 4) < 20)
            goto out;
        ip_proto = pkt[off + 9];
        memcpy(&k->addrs[0], pkt + off + 12, 8);
        *addr_type = ADDR_V4;
        /* ip_is_fragment: MF or an offset; no ports for either fragment */
        if (rd16(pkt + off + 6) & 0x3fff) {
            off += ihl;
            goto out;
        }
        off += ihl;
    } else if (proto == ETH_P_IPV6_) {
        uint32_t label;
        if (off + 40 > len)
            goto out;
        ip_proto = pkt[off + 6];
        memcpy(&k->addrs[0], pkt + off + 8, 32);
        *addr_type = ADDR_V6;
        label = (uint32_t)(pkt[off + 1] & 15) << 16 | rd16(pkt + off + 2);
        off += 40;
        if (label) {
            /* FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL (the label is a key too) */
            k->flow_label = label;
            goto out;
        }
        /* extension headers (the ipproto switch of __skb_flow_dissect) */
        for (;;) {
            if (ip_proto == 0 || ip_proto == 43 || ip_proto == 60) { /* hop-by-hop, routing, destination */
                if (off + 2 > len)
                    goto out;
                ip_proto = pkt[off];
                off += (pkt[off + 1] + 1u) * 8;
                continue;
            }
            if (ip_proto == 44) { /* fragment header: no ports for any fragment */
                if (off + 8 > len)
                    goto out;
                ip_proto = pkt[off];
                off += 8;
                goto out;
            }
            break;
        }
    } else {
        goto out;
    }
    get_ports(pkt, len, off, ip_proto, k);
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
