/* pcap_out.h - inside libbpfrt: the pcap replay's verdicts (packets and
 * bytes per return value, named by the program type's table) and its
 * output captures, one per verdict (pcap_out.c); the ring buffer and perf
 * event records its runs write (pcap_records.c). */
#ifndef BPFRT_RUNTIME_PCAP_OUT_H
#define BPFRT_RUNTIME_PCAP_OUT_H

#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "pcapio.h"
#include "prog.h"

/* Verdict keys: the index in the type's table of return codes, then these */
#define PCAP_KEY_OTHER(o) ((o)->nr_named)
#define PCAP_KEY_REFUSED(o) ((o)->nr_named + 1)

struct pcap_out {
    const struct pt_desc *pt;
    unsigned nr_named; /* named return codes that get a key of their own */
    int typed;         /* return values are the kernel's u32 */
    const char *dir;   /* NULL: no output captures */
    struct pcapio *in;
    struct bpfrt_pcap_verdict v[BPFRT_PCAP_VERDICTS]; /* by key */
    struct pcapio_writer *w[BPFRT_PCAP_VERDICTS];
};

/* Set up for prog's type; with dir, the directory made ready (created when
 * missing, outputs of an earlier replay removed).  0, or a negative errno
 * with the reason in log. */
int pcap_out_init(struct pcap_out *o, const struct bpfrt_prog *prog, const char *dir, struct pcapio *in, char *log,
                  size_t logsz);
/* The key of a return value. */
unsigned pcap_out_key(const struct pcap_out *o, uint64_t retval);
/* Count a packet under key (len_in captured bytes, out/len_out the packet
 * out) and write it to key's capture; pkt carries the time stamp and the
 * length on the wire.  0, or -EIO with the reason in log. */
int pcap_out_packet(struct pcap_out *o, unsigned key, uint64_t retval, const struct pcapio_pkt *pkt, const void *out,
                    uint32_t len_out, char *log, size_t logsz);
/* Close the captures and copy the verdicts that occurred to opts, in key
 * order.  0, or -EIO (a capture could not be written out) with the reason
 * in log when log is not NULL. */
int pcap_out_finish(struct pcap_out *o, struct bpfrt_pcap_run_opts *opts, char *log, size_t logsz);

/* Records: open the perf event array slots of prog's maps that are not
 * open (as perf_buffer__new), reporting what is already in its ring
 * buffers and perf rings as packet 0; drain them after a packet.  0, or
 * fn's non-zero return. */
int pcap_records_open(struct bpfrt_prog *prog, bpfrt_pcap_record_fn fn, void *ctx);
int pcap_records_drain(struct bpfrt_prog *prog, uint64_t packet, bpfrt_pcap_record_fn fn, void *ctx);

#endif
