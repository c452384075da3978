/* progarray.c - four programs: `plain` uses a hash map and pins fine;
 * `jump` uses a prog array, which pins when every program it holds is
 * pinned (or being pinned with it); `by_hash` uses a hash of maps, whose
 * elements refer to the pins of their inner maps when it is pinned
 * (test_pin_hom.c). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 4);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} slots SEC(".maps");

SEC("raw")
int plain(void *data)
{
    __u32 key = 0;
    __u64 one = 1;

    (void)data;
    bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
    return 1;
}

SEC("raw")
int jump(void *data)
{
    __u32 key = 1;

    (void)data;
    return bpf_map_lookup_elem(&slots, &key) != 0;
}

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps");

/* `get`: key 1 of `outer`, then key 0 of the inner array it finds: that
 * value; 1000 when key 1 is absent, 2000 when the inner lookup fails
 * (test_pin_hom.c) */
SEC("raw")
int get(void *data)
{
    __u32 key = 1, zero = 0, *v;
    void *in;

    (void)data;
    in = bpf_map_lookup_elem(&outer, &key);
    if (!in)
        return 1000;
    v = bpf_map_lookup_elem(in, &zero);
    return v ? *v : 2000;
}

SEC("raw")
int by_hash(void *data)
{
    __u32 key = 0;

    (void)data;
    return bpf_map_lookup_elem(&outer, &key) != 0;
}

char _license[] SEC("license") = "GPL";
