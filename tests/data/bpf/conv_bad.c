/* Map definitions the kernel refuses however the loader treats them
 * (tests/kernel-diff/test_loader_conv_diff.c): each map alone, chosen by
 * -DBAD_<n>; without one, a map both accept. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#if defined(BAD_HASH0) /* max_entries 0 on a hash: the loader leaves it */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
} bad SEC(".maps");
#elif defined(BAD_RB_KV) /* a ring buffer with key and value types */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __type(key, int);
    __type(value, int);
    __uint(max_entries, 4096);
} bad SEC(".maps");
#elif defined(BAD_PEA_KEY8) /* a perf event array with an 8-byte key */
struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(key, __u64);
    __type(value, __u32);
} bad SEC(".maps");
#elif defined(BAD_SK_PREALLOC) /* sk_storage without BPF_F_NO_PREALLOC */
struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __type(key, int);
    __type(value, __u64);
} bad SEC(".maps");
#elif defined(BAD_SK_ENTRIES) /* sk_storage with max_entries */
struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, int);
    __type(value, __u64);
    __uint(max_entries, 4);
} bad SEC(".maps");
#elif defined(BAD_SK_KEY_STRUCT) /* sk_storage whose 4-byte key is not an int */
struct k4 {
    __u32 a;
};
struct {
    __uint(type, BPF_MAP_TYPE_SK_STORAGE);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct k4);
    __type(value, __u64);
} bad SEC(".maps");
#elif defined(BAD_SOCKMAP_KEY8) /* a sockmap with an 8-byte key */
struct {
    __uint(type, BPF_MAP_TYPE_SOCKMAP);
    __type(key, __u64);
    __type(value, __u64);
    __uint(max_entries, 4);
} bad SEC(".maps");
#elif defined(BAD_SOCKHASH_VAL2) /* a sockhash with a 2-byte value */
struct {
    __uint(type, BPF_MAP_TYPE_SOCKHASH);
    __type(key, __u32);
    __type(value, __u16);
    __uint(max_entries, 4);
} bad SEC(".maps");
#else /* none chosen (the Makefile's build): a map both accept */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 1);
} bad SEC(".maps");
#endif

SEC("xdp")
int conv_bad_xdp(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
