/* Line info across a program and its subprograms, in two sections. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__attribute__((noinline)) static int helper_add(int a, int b)
{
    int c = a * 3;

    return c + b;
}

__attribute__((noinline)) int global_sub(int x)
{
    return x ^ 0x55;
}

SEC("socket")
int lines_main(struct __sk_buff *skb)
{
    int r = helper_add(skb->len, 7);

    r += global_sub(r);
    return r & 0xff;
}

SEC("xdp")
int lines_xdp(struct xdp_md *ctx)
{
    int r = helper_add(ctx->data_end - ctx->data, 1);

    return r > 100 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
