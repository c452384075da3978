/* pt_raw.c - the raw type (BPF_PROG_TYPE_UNSPEC): bpfrt's own convention
 * for raw instruction files and SEC("raw"), as ISA conformance suites run
 * programs: r1 = address of a writable copy of the data (0 when there is
 * none), r2 = its length, the result the full 64-bit r0.  It has no
 * context struct, and may call every helper bpfrt provides (the flavour
 * of bpf_redirect_map is XDP's).  Its return codes are named as XDP's
 * verdicts: the raw packet filters the pcap replay runs (the demo's
 * filter among them) answer with enum xdp_action. */
#include "progtypes.h"
#include "pt_funcs.h"

static const struct pt_secdef raw_secs[] = {{"raw", 0}};

static const struct pt_retcode raw_retcodes[] = {
    {XDP_ABORTED, "XDP_ABORTED"}, {XDP_DROP, "XDP_DROP"},         {XDP_PASS, "XDP_PASS"},
    {XDP_TX, "XDP_TX"},           {XDP_REDIRECT, "XDP_REDIRECT"},
};

const struct pt_desc pt_raw = {
    .type = BPF_PROG_TYPE_UNSPEC,
    .name = "unspec",
    .secs = raw_secs,
    .nr_secs = 1,
    .func_proto = pt_fp_raw,
    .retcodes = raw_retcodes,
    .nr_retcodes = sizeof(raw_retcodes) / sizeof(raw_retcodes[0]),
    .raw_convention = 1,
};
