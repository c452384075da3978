/* pt_raw.c - the raw type (BPF_PROG_TYPE_UNSPEC): bpfrt's own convention
 * for raw instruction files and SEC("raw"), as ISA conformance suites run
 * programs: r1 = address of a writable copy of the data (0 when there is
 * none), r2 = its length, the result the full 64-bit r0.  It has no
 * context struct, and may call every helper bpfrt provides (the flavour
 * of bpf_redirect_map is XDP's). */
#include "progtypes.h"

static int raw_helper_allowed(uint32_t id)
{
    (void)id;
    return 1;
}

static const struct pt_secdef raw_secs[] = {{"raw", 0}};

const struct pt_desc pt_raw = {
    .type = BPF_PROG_TYPE_UNSPEC,
    .name = "unspec",
    .secs = raw_secs,
    .nr_secs = 1,
    .helper_allowed = raw_helper_allowed,
    .raw_convention = 1,
};
