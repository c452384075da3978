/* Global data: .data, .rodata, .bss and a string in .rodata.str1.1; the
 * maps are named as bpftool shows them (hello.data, hello.rodata, ...). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int hits = 7;
const volatile __u64 threshold = 0x1122334455667788ull;
__u32 seen[8];

SEC("xdp")
int hello(struct xdp_md *ctx)
{
    seen[ctx->rx_queue_index & 7]++;
    hits++;
    bpf_trace_printk("hello %d\n", sizeof("hello %d\n"), hits);
    return threshold > 5 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
