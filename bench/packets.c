/* packets.c - the packets the runner times and checks: the 1,500-byte
 * TCP/IPv4 packet most programs are timed on, the selftests' pkt_v4 and
 * pkt_v6 (tools/testing/selftests/bpf/network_helpers.c, what l4lb's test
 * feeds it), the untimed variants every program also runs on (the timed
 * packet cut at each header boundary, other shapes that take the parser's
 * other branches), and the capture the replay reads. */
#include <errno.h>
#include <stdbool.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

struct pkt timed_std, timed_v4;
struct pkt variants[MAX_VARIANTS];
size_t nvariants;

/* ---- the packet: 802.1Q-tagged TCP/IPv4, 10.1.0.1:43210 -> 10.2.0.2:443 ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold16(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* len bytes on the wire (at least 70), from saddr:sport (host order) */
static void build_tcp4(uint8_t *pkt, size_t len, uint32_t saddr, uint16_t sport)
{
    static const uint8_t dst[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};
    static const uint8_t src[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    uint8_t *ip = pkt + 18, *tcp = ip + 20, *payload = tcp + 32;
    size_t ip_len = len - 18, tcp_len = ip_len - 20;
    uint32_t x = 0x2545f491u, sum;

    memset(pkt, 0, len);
    /* Ethernet, then an 802.1Q tag: PCP 0, VLAN 100 */
    memcpy(pkt, dst, 6);
    memcpy(pkt + 6, src, 6);
    put16(pkt + 12, 0x8100);
    put16(pkt + 14, 100);
    put16(pkt + 16, 0x0800);
    /* IPv4: 10.1.0.1 -> 10.2.0.2, DF, TTL 64, TCP */
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, 0x1c46);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, saddr);
    put32(ip + 16, 0x0a020002);
    put16(ip + 10, fold16(sum16(ip, 20, 0)));
    /* TCP: 43210 -> 443, ACK|PSH, 12 bytes of options (NOP NOP timestamps) */
    put16(tcp, sport);
    put16(tcp + 2, 443);
    put32(tcp + 4, 0x3b9aca07);
    put32(tcp + 8, 0x0bebc201);
    tcp[12] = 8 << 4;
    tcp[13] = 0x18;
    put16(tcp + 14, 502);
    tcp[20] = 1;
    tcp[21] = 1;
    tcp[22] = 8;
    tcp[23] = 10;
    put32(tcp + 24, 0x00c0ffee);
    put32(tcp + 28, 0x00decade);
    /* payload: a fixed xorshift sequence */
    for (uint8_t *p = payload; p < pkt + len; p++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *p = (uint8_t)x;
    }
    /* TCP checksum over the pseudo header and the segment */
    sum = sum16(ip + 12, 8, 0) + 6 + (uint32_t)tcp_len;
    put16(tcp + 16, fold16(sum16(tcp, tcp_len, sum)));
}

/* ---- packet variants: the timed packet cut short at every header
 * boundary, and other shapes that take the parser's other branches.  Each
 * is run once on every side (not timed) and the results must agree. ---- */


static uint8_t *l2_header(uint8_t *p, uint16_t outer_tpid, uint16_t outer_tci, uint16_t inner_tci, uint16_t type)
{
    memcpy(p, timed_std.buf, 12); /* the MAC addresses */
    p += 12;
    if (outer_tpid) {
        put16(p, outer_tpid);
        put16(p + 2, outer_tci);
        p += 4;
    }
    if (inner_tci) {
        put16(p, 0x8100);
        put16(p + 2, inner_tci);
        p += 4;
    }
    put16(p, type);
    return p + 2;
}

static uint8_t *ipv4_header(uint8_t *p, unsigned ihl_words, uint16_t frag, uint8_t proto)
{
    memset(p, 0, ihl_words * 4);
    p[0] = 0x40 | ihl_words;
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, 0xc0a80101);
    put32(p + 16, 0xc0a80202);
    for (unsigned i = 20; i < ihl_words * 4; i++)
        p[i] = 1; /* NOP options */
    return p + ihl_words * 4;
}

static uint8_t *ipv6_header(uint8_t *p, uint8_t nexthdr)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    p[6] = nexthdr;
    p[7] = 64;
    for (int i = 8; i < 40; i++)
        p[i] = (uint8_t)(0x20 + i);
    return p + 40;
}

static uint8_t *l4_ports(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t tcpflags)
{
    memset(p, 0, proto == 6 ? 20 : 8);
    put16(p, sport);
    put16(p + 2, dport);
    if (proto == 6) {
        p[12] = 5 << 4;
        p[13] = tcpflags;
        return p + 20;
    }
    put16(p + 4, 8 + 32);
    return p + 8;
}

static void add_variant(const char *name, const uint8_t *buf, size_t len)
{
    struct pkt *v;

    if (nvariants >= MAX_VARIANTS || len > PKT_BUF)
        return;
    v = &variants[nvariants++];
    bench_msg(v->name, sizeof(v->name), "%s", name);
    memcpy(v->buf, buf, len);
    v->len = len;
}

/* finish a built packet: a payload of 32 bytes, then record it */
static void add_built(const char *name, uint8_t *buf, uint8_t *end)
{
    for (int i = 0; i < 32; i++)
        *end++ = (uint8_t)(i * 7);
    add_variant(name, buf, (size_t)(end - buf));
}

static void build_variants(void)
{
    static const size_t cuts[] = {14, 17, 18, 37, 38, 57, 58, 69, 70, 101, 1499};
    uint8_t b[PKT_BUF], *p;
    char name[48];

    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        bench_msg(name, sizeof(name), "timed packet cut to %zu", cuts[i]);
        add_variant(name, timed_std.buf, cuts[i]);
    }
    p = l2_header(b, 0x88a8, 7, 100, 0x0800); /* QinQ, UDP from port 53 on VLAN 100: dropped */
    p = l4_ports(ipv4_header(p, 5, 0, 17), 17, 53, 40000, 0);
    add_built("QinQ UDP/IPv4 DNS reply", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* IPv4 options, UDP */
    p = l4_ports(ipv4_header(p, 7, 0x4000, 17), 17, 5000, 4789, 0);
    add_built("UDP/IPv4 with options", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* a later fragment */
    p = ipv4_header(p, 5, 0x00b9, 6);
    add_built("IPv4 later fragment", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* SYN+FIN */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 80, 0x03);
    add_built("TCP/IPv4 SYN+FIN", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* telnet */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 23, 0x02);
    add_built("TCP/IPv4 to port 23", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* ICMP echo */
    p = ipv4_header(p, 5, 0, 1);
    memset(p, 0, 8);
    p[0] = 8;
    add_built("ICMP/IPv4 echo", b, p + 8);
    p = l2_header(b, 0, 0, 0xfff, 0x0800); /* VLAN 4095 */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 443, 0x10);
    add_built("VLAN 4095", b, p);
    p = l2_header(b, 0, 0, 0, 0x86dd); /* IPv6, hop-by-hop and destination options, TCP */
    p = ipv6_header(p, 0);
    memset(p, 0, 24);
    p[0] = 60; /* hop-by-hop (8 bytes) -> dstopts (16 bytes) -> TCP */
    p[8] = 6;
    p[9] = 1;
    p = l4_ports(p + 24, 6, 40001, 8080, 0x18);
    add_built("TCP/IPv6 with 2 ext headers", b, p);
    p = l2_header(b, 0, 0, 42, 0x86dd); /* IPv6 UDP on VLAN 42 */
    p = l4_ports(ipv6_header(p, 17), 17, 1900, 5353, 0);
    add_built("UDP/IPv6 SSDP on VLAN 42", b, p);
    p = l2_header(b, 0, 0, 0, 0x86dd); /* IPv6 non-first fragment */
    p = ipv6_header(p, 44);
    memset(p, 0, 8);
    p[0] = 17;
    put16(p + 2, 0x0100);
    add_built("IPv6 later fragment", b, p + 8);
    p = l2_header(b, 0, 0, 0, 0x0806); /* ARP */
    memset(p, 0, 28);
    add_built("ARP", b, p + 28);
}


/* ---- the selftests' test vectors (network_helpers.c): Ethernet with
 * zero addresses, IPv4 (ihl 5, TCP, tot_len MAGIC_BYTES = 123) or IPv6
 * (TCP, payload_len 123), a TCP header (doff 5, urg_ptr 123), every other
 * byte zero ---- */

static size_t selftest_pkt(uint8_t *p, bool v6)
{
    uint8_t *l4;

    memset(p, 0, 74);
    put16(p + 12, v6 ? 0x86dd : 0x0800);
    if (v6) {
        p[14] = 0x60;
        put16(p + 14 + 4, 123);
        p[14 + 6] = 6;
        l4 = p + 14 + 40;
    } else {
        p[14] = 0x45;
        put16(p + 14 + 2, 123);
        p[14 + 9] = 6;
        l4 = p + 14 + 20;
    }
    l4[12] = 5 << 4;
    l4[18] = 123; /* urg_ptr, little-endian 123 as the struct initialiser writes it */
    return (size_t)(l4 + 20 - p);
}

void packets_build(void)
{
    uint8_t b[PKT_BUF];

    build_tcp4(timed_std.buf, PKT_LEN, 0x0a010001, 43210);
    timed_std.len = PKT_LEN;
    bench_msg(timed_std.name, sizeof(timed_std.name), "timed packet");
    timed_v4.len = selftest_pkt(timed_v4.buf, false);
    bench_msg(timed_v4.name, sizeof(timed_v4.name), "selftests pkt_v4");
    build_variants();
    add_variant("timed packet (1,500 bytes)", timed_std.buf, timed_std.len);
    add_variant("selftests pkt_v4", timed_v4.buf, timed_v4.len);
    add_variant("selftests pkt_v6", b, selftest_pkt(b, true));
}

const struct pkt *timed_packet(const struct bench_prog *b)
{
    return b->pkt == PKT_SELFTEST_V4 ? &timed_v4 : &timed_std;
}

/* ---- the capture: n packets, a mix of what a front end sees: TCP/IPv4
 * flows of 70-1,000 bytes from 4,096 sources (most), the selftests'
 * pkt_v4 and pkt_v6 (l4lb's VIP), and every variant in turn ---- */

int packets_write_pcap(const char *path, unsigned n, uint64_t *bytes, char *err, size_t errsz)
{
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d;
    uint8_t b[PKT_BUF];
    uint32_t x = 0x9e3779b9u;

    *bytes = 0;
    if (!dead) {
        bench_msg(err, errsz, "pcap_open_dead failed");
        return -ENOMEM;
    }
    d = pcap_dump_open(dead, path);
    if (!d) {
        bench_msg(err, errsz, "%s: %s", path, pcap_geterr(dead));
        pcap_close(dead);
        return -EIO;
    }
    for (unsigned i = 0; i < n; i++) {
        struct pcap_pkthdr h = {.ts = {.tv_sec = 1700000000 + i / 100000, .tv_usec = i % 100000 * 10}};
        const uint8_t *p = b;
        size_t len;

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        switch (i % 16) {
        case 0: len = selftest_pkt(b, false); break;
        case 1: len = selftest_pkt(b, true); break;
        case 2:
            p = variants[(i / 16) % nvariants].buf;
            len = variants[(i / 16) % nvariants].len;
            break;
        default:
            len = 70 + x % 931;
            build_tcp4(b, len, 0x0a000000 | (x >> 20), (uint16_t)(1024 + (x >> 8) % 60000));
        }
        h.caplen = h.len = (uint32_t)len;
        pcap_dump((u_char *)d, &h, p);
        *bytes += len;
    }
    if (pcap_dump_flush(d)) {
        bench_msg(err, errsz, "%s: write failed", path);
        pcap_dump_close(d);
        pcap_close(dead);
        return -EIO;
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return 0;
}

/* Call fn for every packet of the capture at path, in order; 0, the first
 * non-zero return of fn, or -EINVAL / -EIO with err set. */
int packets_each(const char *path, int (*fn)(const uint8_t *data, uint32_t len, void *ctx), void *ctx, char *err,
                 size_t errsz)
{
    char perr[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *pc = pcap_open_offline(path, perr);
    int rc, ret = 0;

    if (!pc) {
        bench_msg(err, errsz, "%s: %s", path, perr);
        return -EINVAL;
    }
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1)
        if ((ret = fn(data, h->caplen, ctx)))
            break;
    if (rc == PCAP_ERROR) {
        bench_msg(err, errsz, "%s: %s", path, pcap_geterr(pc));
        ret = -EIO;
    }
    pcap_close(pc);
    return ret;
}
