/* st_pkts.h - the packets of test_selftests_run_diff.c: the standard set
 * (IPv4/IPv6 with TCP/UDP/ICMP, 802.1Q (VID 100 and 4011), 802.1ad, IP
 * fragments, ARP; each whole and
 * cut at every header boundary and one byte before it, padded to 64 B and
 * grown to 9,000 B) and the selftests' own test vectors (pkt_v4, pkt_v6
 * of tools/testing/selftests/bpf/network_helpers.c, rebuilt here from
 * their field values). */
#ifndef BPFRT_ST_PKTS_H
#define BPFRT_ST_PKTS_H

#include <stdint.h>

#define STP_MAX 9000u /* the largest standard packet */

struct stp_packet {
    char name[48];
    uint32_t len;
    uint8_t *data; /* malloc'ed */
};

/* The standard set: *n packets (free with stp_free). */
struct stp_packet *stp_standard(unsigned *n);
void stp_free(struct stp_packet *p, unsigned n);

/* network_helpers.c's pkt_v4 (54 bytes: Ethernet, IPv4 ihl 5 protocol
 * TCP tot_len 123, TCP doff 5 urg_ptr 123, everything else 0) and pkt_v6
 * (74 bytes: Ethernet, IPv6 nexthdr TCP payload_len 123, the same TCP). */
#define STP_V4_LEN 54u
#define STP_V6_LEN 74u
void stp_pkt_v4(uint8_t *p);
void stp_pkt_v6(uint8_t *p);

#endif
