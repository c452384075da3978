/* run_maps.c - an object that loads and runs in bpfrt today: a prog array
 * filled from `values`, a hash map and global data used through map
 * helpers.  The raw entry follows bpfrt's raw convention (r1 = data). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} hits SEC(".maps");

__u64 total = 0;
const volatile __u64 step = 3;

SEC("raw")
int target(void *data)
{
    (void)data;
    return 7;
}

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, int(void *));
} jumps SEC(".maps") = {
    .values = {[2] = (void *)&target},
};

SEC("raw")
int count(void *data)
{
    __u32 key = 5;
    __u64 one = 1, *v;

    (void)data;
    v = bpf_map_lookup_elem(&hits, &key);
    if (v)
        __sync_fetch_and_add(v, step);
    else
        bpf_map_update_elem(&hits, &key, &one, BPF_NOEXIST);
    total += step;
    return (int)total;
}

char _license[] SEC("license") = "GPL";
