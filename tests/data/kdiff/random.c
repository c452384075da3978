/* random.c - for tests/unit/test_cli_kdiff.c: an XDP program whose result
 * depends on bpf_get_prandom_u32(), a value bpfrt documents as its own
 * (docs/CLI.md): kernel_diff prints the differences it makes, marked
 * expected.  The 32-bit number goes to a global and a per-CPU array, its
 * low bit picks XDP_PASS or XDP_DROP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 1);
} draws SEC(".maps");

__u32 last_draw = 0;

SEC("xdp")
int xdp_random(struct xdp_md *ctx)
{
    __u32 k = 0, r = bpf_get_prandom_u32(), *v;

    (void)ctx;
    last_draw = r;
    v = bpf_map_lookup_elem(&draws, &k);
    if (v)
        *v = r;
    return r & 1 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
