/* unsafe.c - for tests/unit/test_cli_kdiff.c: an XDP program that reads
 * the packet without checking its length, which the kernel's verifier
 * refuses ("invalid access to packet"): kernel_diff says the kernel
 * refuses it, with the end of the kernel's log. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_unsafe(struct xdp_md *ctx)
{
    unsigned char *data = (unsigned char *)(long)ctx->data;

    return data[20] == 6 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
