/* st_pkts.c - the packets of test_selftests_run_diff.c (st_pkts.h). */
#include "st_pkts.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void stp_pkt_v4(uint8_t *p)
{
    memset(p, 0, STP_V4_LEN);
    put16(p + 12, 0x0800);
    p[14] = 0x05;          /* iph.ihl = 5 (the version bits stay 0) */
    put16(p + 16, 123);    /* iph.tot_len = htons(MAGIC_BYTES) */
    p[23] = 6;             /* iph.protocol = IPPROTO_TCP */
    p[34 + 12] = 5 << 4;   /* tcp.doff = 5 */
    p[34 + 18] = 123;      /* tcp.urg_ptr = 123, host order */
}

void stp_pkt_v6(uint8_t *p)
{
    memset(p, 0, STP_V6_LEN);
    put16(p + 12, 0x86dd);
    put16(p + 18, 123);    /* iph.payload_len = htons(MAGIC_BYTES) */
    p[20] = 6;             /* iph.nexthdr = IPPROTO_TCP */
    p[54 + 12] = 5 << 4;
    p[54 + 18] = 123;
}

/* The IPv4 header checksum (RFC 791) over 20 bytes. */
static uint16_t ip_csum(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

enum { L_TCP = 6, L_UDP = 17, L_ICMP = 1, L_ICMP6 = 58 };

struct shape {
    const char *name;
    int vlan, ip6, frag; /* vlan: 1 VID 100, 2 VID 4011 (test_xdp_vlan.c's TESTVLAN), 3 802.1ad
                          * 4011 over 802.1Q 100; frag: 1 first fragment (MF), 2 a later one;
                          * IPv6: a fragment header */
    uint8_t l4;          /* 0: ARP */
};

static const struct shape shapes[] = {
    {"ipv4-tcp", 0, 0, 0, L_TCP},    {"ipv4-udp", 0, 0, 0, L_UDP},     {"ipv4-icmp", 0, 0, 0, L_ICMP},
    {"ipv6-tcp", 0, 1, 0, L_TCP},    {"ipv6-udp", 0, 1, 0, L_UDP},     {"ipv6-icmp6", 0, 1, 0, L_ICMP6},
    {"vlan-ipv4-tcp", 1, 0, 0, L_TCP}, {"vlan-ipv6-udp", 1, 1, 0, L_UDP}, {"ipv4-frag1-udp", 0, 0, 1, L_UDP},
    {"ipv4-frag2-udp", 0, 0, 2, L_UDP}, {"ipv6-frag-udp", 0, 1, 1, L_UDP}, {"arp", 0, 0, 0, 0},
    {"vlan4011-ipv4-udp", 2, 0, 0, L_UDP}, {"qinq-ipv4-tcp", 3, 0, 0, L_TCP},
};

/* Build shape s with total length len (>= its headers) into p; the
 * header boundaries go to b (count in *nb). */
static uint32_t build(uint8_t *p, const struct shape *s, uint32_t want, uint32_t *b, unsigned *nb)
{
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02}, smac[6] = {0x02, 0, 0, 0, 0, 0x01};
    uint32_t off = 14, l3, l4, end;
    uint8_t nexthdr = s->l4;

    *nb = 0;
    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    b[(*nb)++] = 14;
    if (s->vlan == 3) { /* S-tag 4011, then C-tag 100 */
        put16(p + 12, 0x88a8);
        put16(p + 14, 4011);
        put16(p + 16, 0x8100);
        put16(p + 18, 0x2064);
        off = 22;
        b[(*nb)++] = 18;
        b[(*nb)++] = 22;
    } else if (s->vlan) {
        put16(p + 12, 0x8100);
        put16(p + 14, s->vlan == 2 ? 4011 : 0x2064); /* VID 4011, or PCP 1 VID 100 */
        off = 18;
        b[(*nb)++] = 18;
    }
    if (!s->l4) { /* ARP request for 10.0.0.2 */
        put16(p + off - 2, 0x0806);
        put16(p + off, 1), put16(p + off + 2, 0x0800);
        p[off + 4] = 6, p[off + 5] = 4;
        put16(p + off + 6, 1);
        memcpy(p + off + 8, smac, 6);
        memcpy(p + off + 14, "\x0a\x00\x00\x01", 4);
        memset(p + off + 18, 0, 6);
        memcpy(p + off + 24, "\x0a\x00\x00\x02", 4);
        b[(*nb)++] = off + 28;
        end = off + 28;
        for (uint32_t i = end; i < want; i++)
            p[i] = 0;
        return want > end ? want : end;
    }
    l3 = off;
    put16(p + off - 2, s->ip6 ? 0x86dd : 0x0800);
    if (s->ip6) {
        p[l3] = 0x60;
        p[l3 + 1] = p[l3 + 2] = p[l3 + 3] = 0;
        p[l3 + 6] = s->frag ? 44 : nexthdr;
        p[l3 + 7] = 64;
        memset(p + l3 + 8, 0, 32);
        p[l3 + 8] = 0xfd, p[l3 + 23] = 1;  /* fd00::1 */
        p[l3 + 24] = 0xfd, p[l3 + 39] = 2; /* fd00::2 */
        l4 = l3 + 40;
        b[(*nb)++] = l4;
        if (s->frag) { /* fragment header: offset 0, M set, id 0x1234 */
            p[l4] = nexthdr, p[l4 + 1] = 0;
            put16(p + l4 + 2, 0x0001);
            put16(p + l4 + 4, 0), put16(p + l4 + 6, 0x1234);
            l4 += 8;
            b[(*nb)++] = l4;
        }
    } else {
        p[l3] = 0x45, p[l3 + 1] = 0;
        put16(p + l3 + 4, 0x1234);
        put16(p + l3 + 6, s->frag == 1 ? 0x2000 : s->frag == 2 ? 0x00b9 : 0x4000);
        p[l3 + 8] = 64, p[l3 + 9] = nexthdr;
        memcpy(p + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        l4 = l3 + 20;
        b[(*nb)++] = l4;
    }
    end = l4 + (nexthdr == L_TCP ? 20 : 8);
    if (want < end)
        want = end;
    memset(p + l4, 0, end - l4);
    if (nexthdr == L_TCP || nexthdr == L_UDP) {
        put16(p + l4, 40000);
        put16(p + l4 + 2, nexthdr == L_TCP ? 80 : 53);
    }
    if (nexthdr == L_TCP) {
        put16(p + l4 + 4, 0x0102), put16(p + l4 + 6, 0x0304); /* seq */
        p[l4 + 12] = 5 << 4;
        p[l4 + 13] = 0x02; /* SYN */
        put16(p + l4 + 14, 65535);
    } else if (nexthdr == L_UDP) {
        put16(p + l4 + 4, (uint16_t)(want - l4));
    } else {
        p[l4] = nexthdr == L_ICMP ? 8 : 128; /* echo request */
        put16(p + l4 + 4, 0x77), put16(p + l4 + 6, 1);
    }
    b[(*nb)++] = end;
    for (uint32_t i = end; i < want; i++)
        p[i] = (uint8_t)(i * 7 + 3);
    if (s->ip6) {
        put16(p + l3 + 4, (uint16_t)(want - l3 - 40));
    } else {
        put16(p + l3 + 2, (uint16_t)(want - l3));
        put16(p + l3 + 10, 0);
        put16(p + l3 + 10, ip_csum(p + l3));
    }
    return want;
}

static void add(struct stp_packet *v, unsigned *n, const char *name, const char *how, const uint8_t *d, uint32_t len)
{
    v[*n].len = len;
    v[*n].data = malloc(len ? len : 1);
    cr_assert_not_null(v[*n].data);
    memcpy(v[*n].data, d, len);
    snprintf(v[*n].name, sizeof(v[*n].name), "%s/%s", name, how);
    (*n)++;
}

struct stp_packet *stp_standard(unsigned *n)
{
    unsigned ns = sizeof(shapes) / sizeof(shapes[0]), cap = ns * 16 + 4;
    struct stp_packet *v = calloc(cap, sizeof(*v));
    uint8_t *p = malloc(STP_MAX);
    uint32_t b[8], len;
    unsigned nb;
    char how[24];

    cr_assert(v && p);
    *n = 0;
    for (unsigned i = 0; i < ns; i++) {
        len = build(p, &shapes[i], 0, b, &nb);
        add(v, n, shapes[i].name, "whole", p, len);
        for (unsigned j = 0; j < nb; j++) {
            if (b[j] == len)
                continue;
            snprintf(how, sizeof(how), "cut%u", b[j]);
            add(v, n, shapes[i].name, how, p, b[j]);
            snprintf(how, sizeof(how), "cut%u", b[j] - 1);
            add(v, n, shapes[i].name, how, p, b[j] - 1);
        }
        len = build(p, &shapes[i], 64, b, &nb);
        add(v, n, shapes[i].name, "64B", p, len);
        len = build(p, &shapes[i], STP_MAX, b, &nb);
        add(v, n, shapes[i].name, "9000B", p, len);
        cr_assert_leq(*n, cap);
    }
    add(v, n, "empty", "0B", p, 0);
    free(p);
    return v;
}

void stp_free(struct stp_packet *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(p[i].data);
    free(p);
}
