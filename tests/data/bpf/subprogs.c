/* Subprograms in .text (static and global, nested), a callback passed to
 * bpf_loop, several programs in one section, a static entry function. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int add3(int x)
{
    return x + 3;
}

__attribute__((noinline)) int twice_plus3(int x)
{
    return add3(x) * 2;
}

static __attribute__((noinline)) int square(int x)
{
    return x * x;
}

static long loop_cb(__u32 i, void *ctx)
{
    int *sum = ctx;
    *sum += i;
    return 0;
}

SEC("xdp")
int first(struct xdp_md *ctx)
{
    return twice_plus3((int)ctx->ingress_ifindex) & 3;
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
    return (square((int)ctx->rx_queue_index) + add3(1)) & 3;
}

SEC("xdp")
static int hidden_entry(struct xdp_md *ctx)
{
    int sum = 0;
    bpf_loop(4, loop_cb, &sum, 0);
    return sum & 3;
}

SEC("tc")
int other_section(struct __sk_buff *skb)
{
    return square(2) + twice_plus3(0);
}

/* A call across program sections: cross_helper is an entry of its own
 * section and a subprogram of cross_caller. */
__attribute__((noinline)) SEC("tc/helper") int cross_helper(int x)
{
    return x + 10;
}

SEC("tc")
int cross_caller(struct __sk_buff *skb)
{
    return cross_helper((int)skb->len);
}

char LICENSE[] SEC("license") = "GPL";
