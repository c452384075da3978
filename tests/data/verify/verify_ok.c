/* prog verify: programs the verifier accepts and refuses (test_cli_verify.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

SEC("xdp")
int pass(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&hits, &k);

    if (v)
        __sync_fetch_and_add(v, 1);
    return XDP_PASS;
}

/* The kernel refuses it: bpf_skb_load_bytes is not among XDP's helpers
 * (xdp_func_proto), "unknown func bpf_skb_load_bytes#26". */
SEC("xdp")
int wrong_helper(struct xdp_md *ctx)
{
    char buf[4];

    if (bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf)))
        return XDP_DROP;
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
