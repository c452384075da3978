/* random.c - for tests/unit/test_cli_kdiff.c: an XDP program whose result
 * depends on bpf_get_prandom_u32(), a value bpfrt documents as its own
 * (docs/CLI.md): kernel_diff prints the differences it makes, marked
 * expected.  The 32-bit number goes to a global, a per-CPU array and a
 * ring buffer record, its low bit picks XDP_PASS or XDP_DROP. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 1);
} draws SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} draws_rb SEC(".maps");

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
    bpf_ringbuf_output(&draws_rb, &r, sizeof(r), 0);
    return r & 1 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
