/* Made into a program section without symbols by the Makefile
 * (llvm-strip --strip-all): the section is one program named after it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp/nosym")
int nosym_prog(struct xdp_md *ctx)
{
    return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP;
}
