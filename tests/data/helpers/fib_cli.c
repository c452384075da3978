// SPDX-License-Identifier: GPL-2.0
/* fib_cli.c - bpf_fib_lookup of 10.1.2.3 from ifindex 1: found, the
 * packet goes to the device (bpf_redirect: XDP_REDIRECT); else the
 * answer as the return value, 10 + BPF_FIB_LKUP_RET_* or 100 + -errno.
 * What tests/unit/test_fib.c runs through `bpfrt prog run ... fib FILE`.
 * Built at test time. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int fib_cli(struct xdp_md *ctx)
{
    struct bpf_fib_lookup p;
    long rc;

    __builtin_memset(&p, 0, sizeof(p));
    p.family = 2;
    p.ifindex = 1;
    p.ipv4_dst = __builtin_bswap32(0x0a010203);
    rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
    if (rc < 0)
        return 100 - rc;
    if (rc == BPF_FIB_LKUP_RET_SUCCESS)
        return bpf_redirect(p.ifindex, 0);
    return 10 + rc;
}

char LICENSE[] SEC("license") = "GPL";
