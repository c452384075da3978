/* pcap_read.h - load every packet of a capture into memory (libpcap,
 * kept apart from linux/bpf.h whose struct bpf_insn clashes with pcap's). */
#ifndef BPFRT_TEST_PCAP_READ_H
#define BPFRT_TEST_PCAP_READ_H

#include <stddef.h>
#include <stdint.h>

struct test_pkt {
    uint8_t *data;
    uint32_t len;
};

/* Returns the number of packets (>= 0) with *pkts malloc'd, or -1. */
int test_pcap_read(const char *path, struct test_pkt **pkts);
void test_pcap_free(struct test_pkt *pkts, int n);

#endif
