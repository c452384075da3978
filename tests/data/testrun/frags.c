/* frags.c - multi-buffer XDP programs for tests/kernel-diff/
 * test_xdp_frags_diff.c (compiled there at test time): test-run in the
 * kernel and in bpfrt with packets from 14 bytes to past 9000 (the
 * kernel's test run puts what does not fit in the first page in page
 * fragments), the return value, the packet out with its fragments and
 * the context out compared byte for byte.
 *
 * The parameters come from the packet's linear part (bytes 16..31, the
 * test writes them there): two bpf_xdp_adjust_tail offsets, a
 * bpf_xdp_adjust_head offset, offsets and a length for
 * bpf_xdp_load_bytes / bpf_xdp_store_bytes.  The results (helper returns,
 * bpf_xdp_get_buff_len and data_end - data after each step) are folded
 * into the return value and written into the packet where it has room.
 * The same body is built as SEC("xdp.frags") (BPF_F_XDP_HAS_FRAGS) and
 * SEC("xdp"): the kernel's test run builds the fragments for both. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct params {
    __s32 tail1, tail2;
    __u16 load_off, store_off;
    __u8 len;
    __s8 head;
    __u8 pad[2];
};

static __always_inline __u32 fold(__u32 h, __u32 v)
{
    return (h ^ v) * 16777619u;
}

static __always_inline int body(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    struct params p;
    __u8 buf[64] = {};
    __u32 h = 2166136261u, v[10], len;

    if (data + 16 + sizeof(p) > end)
        return (int)(bpf_xdp_get_buff_len(ctx) & 0xffff) | 0x70000;
    __builtin_memcpy(&p, data + 16, sizeof(p));
    len = (p.len & 31) + 1;
    v[0] = (__u32)bpf_xdp_adjust_tail(ctx, p.tail1);
    v[1] = (__u32)bpf_xdp_get_buff_len(ctx);
    v[2] = (__u32)bpf_xdp_load_bytes(ctx, p.load_off, buf, len);
    buf[0] ^= 0xa5;
    v[3] = (__u32)bpf_xdp_store_bytes(ctx, p.store_off, buf, len);
    v[4] = (__u32)bpf_xdp_adjust_head(ctx, p.head);
    v[5] = (__u32)bpf_xdp_adjust_tail(ctx, p.tail2);
    v[6] = (__u32)bpf_xdp_get_buff_len(ctx);
    v[7] = (__u32)bpf_xdp_load_bytes(ctx, v[6] > len ? v[6] - len : 0, buf + 32, len);
    data = (void *)(long)ctx->data;
    end = (void *)(long)ctx->data_end;
    v[8] = (__u32)(end - data);
    v[9] = buf[32] | buf[33] << 8;
#pragma unroll
    for (int i = 0; i < 10; i++)
        h = fold(h, v[i]);
    if (data + 32 + sizeof(v) <= end)
        __builtin_memcpy(data + 32, v, sizeof(v));
    return (int)h;
}

SEC("xdp.frags")
int frags_ops(struct xdp_md *ctx)
{
    return body(ctx);
}

SEC("xdp")
int linear_ops(struct xdp_md *ctx)
{
    return body(ctx);
}

/* The context and the length only: what the test run built. */
SEC("xdp.frags")
int frags_fields(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    void *meta = (void *)(long)ctx->data_meta;
    __u32 *out = data + 14;

    if ((void *)(out + 4) > end)
        return XDP_DROP;
    out[0] = (__u32)(end - data);
    out[1] = (__u32)(data - meta);
    out[2] = (__u32)bpf_xdp_get_buff_len(ctx);
    out[3] = ctx->ingress_ifindex;
    return XDP_PASS;
}

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} pe SEC(".maps");

/* bpf_perf_event_output with the packet appended (BPF_F_CTXLEN_MASK: a
 * length from bytes 16..19, past the linear part into the fragments, or
 * past the whole packet), after a bpf_xdp_adjust_tail from bytes 20..23;
 * 8 bytes of the packet's start as the sample's own data. */
SEC("xdp.frags")
int frags_perf(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    __u64 meta, want;
    __s32 tail;

    if (data + 24 > end)
        return 0x70000;
    meta = *(__u64 *)data;
    want = *(__u32 *)(data + 16);
    tail = *(__s32 *)(data + 20);
    bpf_xdp_adjust_tail(ctx, tail);
    return (int)bpf_perf_event_output(ctx, &pe, BPF_F_CURRENT_CPU | want << 32, &meta, sizeof(meta));
}
