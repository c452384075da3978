/* A program with subprograms, for `prog dump xlated ... linum`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int scale(int x)
{
    return x * 3 + 1;
}

__attribute__((noinline)) int clamp(int x)
{
    if (x > 100)
        return 100;
    return scale(x);
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
    int v = clamp((int)ctx->rx_queue_index);

    return v & 1 ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int other(struct __sk_buff *skb)
{
    return scale((int)skb->len) & 1;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
