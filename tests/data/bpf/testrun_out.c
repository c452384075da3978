/* testrun_out.c - programs for tests/unit/test_cli_testrun.c: flip changes
 * the packet (so that data_out differs from data_in), stamp records the
 * time of its first and last run of a repeat (bpf_ktime_get_ns); and for
 * tests/unit/test_cli_pcap.c: flood writes more perf samples a packet than
 * a perf ring holds. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 2);
} times SEC(".maps");

SEC("xdp")
int flip(struct xdp_md *ctx)
{
    __u8 *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;

    if (d + 2 > e)
        return XDP_ABORTED;
    d[0] ^= 0xff;
    d[1] = 0x42;
    return XDP_TX;
}

SEC("xdp")
int stamp(struct xdp_md *ctx)
{
    __u32 k0 = 0, k1 = 1;
    __u64 now = bpf_ktime_get_ns(), *first = bpf_map_lookup_elem(&times, &k0), *last;

    (void)ctx;
    if (first && !*first)
        *first = now;
    last = bpf_map_lookup_elem(&times, &k1);
    if (last)
        *last = now;
    return XDP_PASS;
}

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} samples SEC(".maps");

SEC("xdp")
int flood(struct xdp_md *ctx)
{
    __u8 buf[252] = {0};

    for (int i = 0; i < 300; i++) {
        buf[0] = (__u8)i;
        bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, buf, sizeof(buf));
    }
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
