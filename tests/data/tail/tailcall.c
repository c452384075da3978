/* tailcall.c - tail calls through a prog array filled from `values`, for
 * tests/unit/test_tailcall.c (compiled there at test time).  Raw
 * programs: r1 = data, r2 = length. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 1);
} hits SEC(".maps");

/* slot 0: the target of entry; reads what entry wrote through ctx */
SEC("raw")
int second(void *data)
{
    return ((__u32 *)data)[0] + 100;
}

SEC("raw")
int loop(void *data);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, int(void *));
} jumps SEC(".maps") = {
    .values = {[0] = (void *)&second, [1] = (void *)&loop},
};

SEC("raw")
int entry(void *data)
{
    ((__u32 *)data)[0] = 11;
    bpf_tail_call(data, &jumps, 0);
    return 1; /* only if the tail call failed */
}

/* slot 1: counts its runs in hits[0] and tail-calls itself until the
 * limit stops it */
SEC("raw")
int loop(void *data)
{
    __u32 key = 0;
    __u64 *v = bpf_map_lookup_elem(&hits, &key);

    if (v)
        __sync_fetch_and_add(v, 1);
    bpf_tail_call(data, &jumps, 1);
    return 2;
}

/* slot 3 is empty, slot 9 out of range: both fail and the program goes on */
SEC("raw")
int miss(void *data)
{
    long a = bpf_tail_call(data, &jumps, 3);
    long b = bpf_tail_call(data, &jumps, 9);

    return (a < 0 ? 1 : 0) + (b < 0 ? 2 : 0) + 4;
}

char _license[] SEC("license") = "Dual BSD/GPL";
