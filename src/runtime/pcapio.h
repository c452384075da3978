/* pcapio.h - inside libbpfrt: reading captures through libpcap (for
 * bpfrt_prog__run_pcap), kept apart from the eBPF
 * headers (libpcap's pcap/bpf.h defines the classic struct bpf_insn,
 * which clashes with linux/bpf.h's). */
#ifndef BPFRT_RUNTIME_PCAPIO_H
#define BPFRT_RUNTIME_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

struct pcapio;

/* Open a pcap or pcapng file; 0, or -1 with the reason in err. */
int pcapio_open(const char *path, struct pcapio **pp, char *err, size_t errsz);
/* Next packet: 1 with *data and *len (the captured bytes, valid until the
 * next call), 0 at the end, -1 on error (reason in err). */
int pcapio_next(struct pcapio *p, const uint8_t **data, uint32_t *len, char *err, size_t errsz);
void pcapio_close(struct pcapio *p);

#endif
