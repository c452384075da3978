/* maps.c - for tests/unit/test_cli_kdiff.c: an XDP program that leaves
 * something in a map of each kind kernel_diff compares: a queue and a
 * stack (the packet's length pushed), an LRU hash and a per-CPU hash (by
 * the packet's 14th byte), an LPM trie (a /24 of bytes 26-28), an array
 * of maps' inner array, and a prog array through which it tail-calls its
 * second program, which counts in a global.  Built with -DRANDOM_KEYS,
 * bpf_get_prandom_u32() draws the lengths and keys instead (differences
 * kernel_diff marks expected). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 64); __type(value, __u32); } lens_q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 64); __type(value, __u32); } lens_s SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } by_byte SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 64); __type(key, __u32); __type(value, __u64); } by_byte_pc SEC(".maps");

struct lpm_key {
    __u32 prefixlen;
    __u8 addr[4];
};
struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 64);
    __type(key, struct lpm_key);
    __type(value, __u64);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} nets SEC(".maps");

struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } inner0 SEC(".maps");
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps") = {.values = {&inner0}};

int xdp_second(struct xdp_md *ctx);
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, int(void *));
} jumps SEC(".maps") = {.values = {[1] = (void *)&xdp_second}};

__u64 second_runs = 0;

SEC("xdp")
int xdp_second(struct xdp_md *ctx)
{
    (void)ctx;
    second_runs++;
    return XDP_PASS;
}

#ifdef RANDOM_KEYS
#define PICK(x) (bpf_get_prandom_u32() & 0xff)
#else
#define PICK(x) (x)
#endif

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
    __u8 *data = (__u8 *)(long)ctx->data, *end = (__u8 *)(long)ctx->data_end;
    __u32 len = PICK((__u32)(end - data)), k, zero = 0;
    __u64 one = 1, *v;
    struct lpm_key lk = {.prefixlen = 24};
    void *in;

    bpf_map_push_elem(&lens_q, &len, 0);
    bpf_map_push_elem(&lens_s, &len, 0);
    if (data + 30 > end)
        return XDP_DROP;
    k = PICK(data[14]);
    v = bpf_map_lookup_elem(&by_byte, &k);
    if (v)
        *v += len;
    else
        bpf_map_update_elem(&by_byte, &k, &one, 0);
    v = bpf_map_lookup_elem(&by_byte_pc, &k);
    if (v)
        *v += 1;
    else
        bpf_map_update_elem(&by_byte_pc, &k, &one, 0);
    lk.addr[0] = data[26];
    lk.addr[1] = data[27];
    lk.addr[2] = PICK(data[28]);
    v = bpf_map_lookup_elem(&nets, &lk);
    if (v)
        *v += 1;
    else
        bpf_map_update_elem(&nets, &lk, &one, 0);
    in = bpf_map_lookup_elem(&outer, &zero);
    if (in) {
        v = bpf_map_lookup_elem(in, &zero);
        if (v)
            *v += len;
    }
    bpf_tail_call(ctx, &jumps, 1);
    return XDP_ABORTED;
}

char _license[] SEC("license") = "GPL";
