/* BTF-defined maps in every form bpfrt reads: types and sizes, inner map
 * prototypes with `values`, a prog array with `values`, max_entries 0 on a
 * perf event array, pinning, numa_node, map_flags; global data. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct val {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, struct val);
    __uint(max_entries, 128);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(key_size, 4);
    __uint(value_size, 8);
    __uint(max_entries, 4);
    __uint(numa_node, 0);
} sized SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(int));
    __uint(value_size, sizeof(int));
} events SEC(".maps");

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 2);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps") = {
    .values = {[0] = &inner_a, [2] = &inner_b},
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 8);
    __type(key, __u64);
    __array(values, struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __type(key, __u32);
        __type(value, __u64);
        __uint(max_entries, 16);
    });
} outer_hash SEC(".maps");

int tail_a(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __uint(key_size, sizeof(__u32));
    __array(values, int(void *));
} jmp_table SEC(".maps") = {
    .values = {[1] = (void *)&tail_a},
};

int counter = 3;           /* .data */
__u64 zeroes[4];           /* .bss */
const volatile __u32 limit = 1500; /* .rodata */

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp")
int count(struct xdp_md *ctx)
{
    __u32 key = 0;
    struct val *v = bpf_map_lookup_elem(&counters, &key);
    void *in = bpf_map_lookup_elem(&outer, &key);

    if (v)
        v->packets++;
    if (in)
        bpf_map_lookup_elem(in, &key);
    counter++;
    zeroes[1] = limit;
    bpf_tail_call(ctx, &jmp_table, 1);
    bpf_trace_printk("len %d\n", sizeof("len %d\n"), ctx->data_end - ctx->data);
    return XDP_PASS;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
    __u32 key = 1;
    __u64 *p = bpf_map_lookup_elem(&sized, &key);

    bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &key, sizeof(key));
    return p ? (int)*p : 0;
}

char LICENSE[] SEC("license") = "GPL";
