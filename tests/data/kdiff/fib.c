/* fib.c - for tests/unit/test_cli_kdiff.c: an XDP program that asks
 * bpf_fib_lookup() the way to 10.1.2.3 from the loopback and returns the
 * answer (BPF_FIB_LKUP_RET_*), also kept in an array and written over
 * the packet's first byte.  The kernel answers
 * from the host's routing tables, bpfrt from the table `fib FILE` gives
 * it: given a table the host has not, the answers differ, a real
 * difference kernel_diff must report (and count). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __s64);
    __uint(max_entries, 1);
} answers SEC(".maps");

SEC("xdp")
int xdp_fib(struct xdp_md *ctx)
{
    struct bpf_fib_lookup p = {};
    __u32 k = 0;
    __s64 *v;
    long rc;

    p.family = 2; /* AF_INET */
    p.l4_protocol = IPPROTO_UDP;
    p.tot_len = 28;
    p.ifindex = 1;
    p.ipv4_src = bpf_htonl(0x0a000001);
    p.ipv4_dst = bpf_htonl(0x0a010203); /* 10.1.2.3 */
    rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
    v = bpf_map_lookup_elem(&answers, &k);
    if (v)
        *v = rc;
    if ((void *)(long)ctx->data + 1 <= (void *)(long)ctx->data_end)
        *(__u8 *)(long)ctx->data = (__u8)rc;
    return rc < 0 ? 100 : (int)rc;
}

char _license[] SEC("license") = "GPL";
