/* cpu.c - for tests/unit/test_cli_kdiff.c: an XDP program that sees which
 * CPU it runs on: bpf_get_smp_processor_id() picks the verdict (CPU 0:
 * XDP_PASS, another: XDP_TX) and the run is counted in that CPU's slot of
 * a per-CPU array.  kernel_diff pins the command to one CPU and runs bpfrt
 * as that worker, so both agree on whichever CPU the command may use. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} hits SEC(".maps");

SEC("xdp")
int xdp_cpu(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&hits, &k);

    (void)ctx;
    if (v)
        *v += 1;
    return bpf_get_smp_processor_id() == 0 ? XDP_PASS : XDP_TX;
}

char _license[] SEC("license") = "GPL";
