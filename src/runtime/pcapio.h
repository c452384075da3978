/* pcapio.h - inside libbpfrt: reading and writing captures through
 * libpcap (for bpfrt_prog__run_pcap), kept apart from the eBPF headers
 * (libpcap's pcap/bpf.h defines the classic struct bpf_insn, which
 * clashes with linux/bpf.h's). */
#ifndef BPFRT_RUNTIME_PCAPIO_H
#define BPFRT_RUNTIME_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

struct pcapio;
struct pcapio_writer;

/* One packet as read: the captured bytes (valid until the next call),
 * their number, the length on the wire, the time stamp (seconds and the
 * fraction in the capture's precision). */
struct pcapio_pkt {
    const uint8_t *data;
    uint32_t caplen, len;
    int64_t ts_sec;
    uint32_t ts_frac;
};

/* Open a pcap or pcapng file; 0, or -1 with the reason in err. */
int pcapio_open(const char *path, struct pcapio **pp, char *err, size_t errsz);
/* Next packet: 1 with *pkt, 0 at the end, -1 on error (reason in err). */
int pcapio_next(struct pcapio *p, struct pcapio_pkt *pkt, char *err, size_t errsz);
/* Bytes of the file read so far and its size (0 when unknown). */
void pcapio_position(struct pcapio *p, uint64_t *pos, uint64_t *size);
void pcapio_close(struct pcapio *p);

/* A pcap file written with the link type and time stamp precision of the
 * capture in (truncating path); 0, or -1 with the reason in err. */
int pcapio_writer_open(struct pcapio *in, const char *path, struct pcapio_writer **wp, char *err, size_t errsz);
/* Write one packet: caplen bytes of data, len on the wire, the time stamp
 * of pkt (its data and lengths unused).  0, or -1 with the reason. */
int pcapio_write(struct pcapio_writer *w, const struct pcapio_pkt *ts, const void *data, uint32_t caplen,
                 uint32_t len, char *err, size_t errsz);
/* Flush and close: 0, or -1 with the reason (a write that failed late). */
int pcapio_writer_close(struct pcapio_writer *w, char *err, size_t errsz);

#endif
