/* helpers2.c - callbacks, ring buffer, perf output, per-CPU lookup and
 * redirect, for tests/unit/test_helpers2.c (compiled there at test time).
 * Raw programs: r1 = data, r2 = length; each reads its inputs from data
 * and writes its results back there. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 64);
} h SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 8);
} a SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 2);
} pa SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, 4);
    __uint(value_size, 4);
    __uint(max_entries, 4);
} pe SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(key_size, 4);
    __uint(value_size, 4);
    __uint(max_entries, 4);
} dm SEC(".maps");

/* ---- bpf_loop ---- */
struct loop_io {
    __u32 n, stop;  /* in: iterations, index at which the callback stops */
    __u64 sum;      /* out: sum of the indexes seen */
    __s64 ret;      /* out: bpf_loop's return */
    __s64 einval, e2big;
};

static long loop_cb(__u32 i, void *ctx)
{
    struct loop_io *io = ctx;
    io->sum += i;
    return i == io->stop;
}

SEC("raw")
int loop_sum(struct loop_io *io)
{
    io->sum = 0;
    io->ret = bpf_loop(io->n, loop_cb, io, 0);
    io->einval = bpf_loop(1, loop_cb, io, 1);
    io->e2big = bpf_loop((1u << 23) + 1, loop_cb, io, 0);
    return 7;
}

/* nested: a callback that itself loops, r6-r9 of the caller kept */
static long inner_cb(__u32 i, void *ctx)
{
    *(__u64 *)ctx += 1;
    return 0;
}

static long outer_cb(__u32 i, void *ctx)
{
    bpf_loop(i + 1, inner_cb, ctx, 0);
    return 0;
}

SEC("raw")
int loop_nested(__u64 *out)
{
    __u64 keep = out[1];
    out[0] = 0;
    bpf_loop(4, outer_cb, out, 0); /* 1 + 2 + 3 + 4 */
    return keep == out[1];
}

/* out of bounds inside a callback */
static long bad_cb(__u32 i, void *ctx)
{
    volatile __u8 *p = ctx;
    p[64 + i] = 1;
    return 0;
}

SEC("raw")
int loop_oob(__u8 *data)
{
    return bpf_loop(2, bad_cb, data, 0);
}

/* ---- bpf_for_each_map_elem ---- */
struct each_io {
    __u32 stop_key;  /* in: the callback stops at this key */
    __u32 count;     /* out: callbacks made */
    __u64 keys, vals;
    __s64 ret, einval;
};

static long each_cb(void *map, __u32 *key, __u64 *val, struct each_io *io)
{
    io->count++;
    io->keys += *key;
    io->vals += *val;
    *val += 1000; /* the value is the map's own */
    return *key == io->stop_key;
}

SEC("raw")
int each_hash(struct each_io *io)
{
    io->ret = bpf_for_each_map_elem(&h, each_cb, io, 0);
    io->einval = bpf_for_each_map_elem(&h, each_cb, io, 1);
    return 0;
}

SEC("raw")
int each_array(struct each_io *io)
{
    io->ret = bpf_for_each_map_elem(&a, each_cb, io, 0);
    io->einval = bpf_for_each_map_elem(&a, each_cb, io, 1);
    return 0;
}

static long each_pcpu_cb(void *map, __u32 *key, __u64 *val, __u64 *sum)
{
    *sum += *val;
    return 0;
}

SEC("raw")
int each_percpu(__u64 *io)
{
    io[0] = 0;
    io[1] = bpf_for_each_map_elem(&pa, each_pcpu_cb, io, 0);
    return 0;
}

/* ---- ring buffer ---- */
SEC("raw")
int ring(__u64 *io)
{
    __u64 *r1, *r2, *r3;
    __u64 v = 0x33;

    r1 = bpf_ringbuf_reserve(&rb, 8, 0);
    if (!r1)
        return 1;
    *r1 = 0x11;
    r2 = bpf_ringbuf_reserve(&rb, 16, 0);
    if (!r2) {
        bpf_ringbuf_discard(r1, 0);
        return 2;
    }
    r2[0] = 0x22;
    r2[1] = 0x22;
    bpf_ringbuf_discard(r2, 0);
    bpf_ringbuf_submit(r1, 0);
    io[0] = bpf_ringbuf_output(&rb, &v, sizeof(v), 0);
    io[1] = bpf_ringbuf_output(&rb, &v, sizeof(v), 4); /* bad flags */
    r3 = bpf_ringbuf_reserve(&rb, 8192, 0);              /* larger than the ring */
    io[2] = (__u64)r3;
    if (r3)
        bpf_ringbuf_discard(r3, 0);
    io[3] = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
    io[4] = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
    return 0;
}

SEC("raw")
int ring_oob(__u64 *io)
{
    __u8 *r = bpf_ringbuf_reserve(&rb, 8, 0);
    if (!r)
        return 1;
    *(volatile __u64 *)(r + io[0]) = 1;
    bpf_ringbuf_submit(r, 0);
    return 0;
}

SEC("raw")
int ring_double(__u64 *io)
{
    __u64 *r = bpf_ringbuf_reserve(&rb, 8, 0);
    if (!r)
        return 1;
    *r = 5;
    bpf_ringbuf_submit(r, 0);
    bpf_ringbuf_submit((void *)((__u64)r + io[0]), 0);
    return 0;
}

SEC("raw")
int ring_leak(__u64 *io)
{
    return bpf_ringbuf_reserve(&rb, 8, 0) != 0;
}

/* ---- perf, per-CPU lookup, redirect ---- */
SEC("raw")
int perf(__u64 *io)
{
    __u64 v = 0xabcdef;
    io[0] = bpf_perf_event_output(io, &pe, BPF_F_CURRENT_CPU, &v, sizeof(v));
    io[1] = bpf_perf_event_output(io, &pe, 3, &v, sizeof(v)); /* slot not open */
    io[2] = bpf_perf_event_output(io, &pe, 9, &v, sizeof(v)); /* past max_entries */
    return 0;
}

SEC("raw")
int percpu(__u64 *io)
{
    __u32 k = 1;
    __u64 *v0 = bpf_map_lookup_percpu_elem(&pa, &k, 0);
    __u64 *v1 = bpf_map_lookup_percpu_elem(&pa, &k, 1);
    __u64 *vx = bpf_map_lookup_percpu_elem(&pa, &k, 100000);
    io[0] = v0 ? *v0 : -1;
    io[1] = v1 ? *v1 : -1;
    io[2] = vx != 0;
    io[3] = bpf_get_numa_node_id();
    return 0;
}

SEC("raw")
int redirect(__u64 *io)
{
    io[0] = bpf_redirect_map(&dm, 1, 0);         /* present */
    io[1] = bpf_redirect_map(&dm, 2, XDP_PASS);  /* absent: the low bits */
    io[2] = bpf_redirect_map(&dm, 2, 0);         /* absent: XDP_ABORTED */
    io[3] = bpf_redirect_map(&dm, 2, 1ull << 10); /* bad flags */
    return bpf_redirect_map(&dm, 1, 0);
}

char LICENSE[] SEC("license") = "GPL";
