/* Global data (.bss, .data, .rodata), a hash map and an array map with BTF
 * types, a per-CPU array and a queue: for `bpfrt map ...` and typed dumps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow {
    __u32 saddr;
    __u16 port;
    __u8 proto;
    __u8 pad;
};

struct stats {
    __u64 packets;
    __u64 bytes;
    char tag[4];
    int delta;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, struct flow);
    __type(value, struct stats);
} flows SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u32);
} pcpu SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 8);
    __type(value, __u32);
} fifo SEC(".maps");

enum mode { MODE_OFF, MODE_ON = 3 };

int counter;
int limit = 42;
struct stats defaults = {.packets = 1, .bytes = 2, .tag = "ab", .delta = -1};
enum mode mode = MODE_ON;
const volatile char greeting[6] = "hello";

SEC("xdp")
int count_packets(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *c = bpf_map_lookup_elem(&counts, &k);
    struct flow f = {.saddr = ctx->rx_queue_index, .port = 80, .proto = 6};
    struct stats *s = bpf_map_lookup_elem(&flows, &f);
    __u32 *p = bpf_map_lookup_elem(&pcpu, &k);

    if (c)
        (*c)++;
    if (s)
        s->packets++;
    if (p)
        (*p)++;
    bpf_map_push_elem(&fifo, &k, 0);
    counter++;
    if (mode == MODE_ON)
        defaults.packets++;
    return counter > limit + greeting[0] ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
