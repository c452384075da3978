/* Maps whose definitions lean on the loader (libbpf's conventions):
 * max_entries left 0 for the loader or set by the user, ring buffer sizes
 * the loader rounds up, key/value types the loader drops from the BTF of
 * types the kernel does not describe by BTF.  tests/kernel-diff/
 * test_loader_conv_diff.c loads it with libbpf into the kernel and with
 * bpfrt and compares every map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, int);
    __type(value, __u64);
} arr0 SEC(".maps"); /* max_entries set by the user: 7 */

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __type(key, __u32);
    __type(value, __u32);
} pcpu0 SEC(".maps"); /* set by the user: 3 */

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, 16);
} resized SEC(".maps"); /* resized by the user: 100 */

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __type(key, int);
    __type(value, __u32);
} pea SEC(".maps"); /* one per CPU, no BTF types */

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
    __uint(max_entries, 3);
} pea3 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 5000);
} rb_odd SEC(".maps"); /* rounded up to 8192 */

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} rb_set SEC(".maps"); /* set by the user to 10000: 16384 */

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __type(key, __u32);
    __type(value, __u32);
    __uint(max_entries, 4);
} devm SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_CPUMAP);
    __type(key, __u32);
    __type(value, struct bpf_cpumap_val);
    __uint(max_entries, 2);
} cpum SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __type(value, __u32);
    __uint(max_entries, 8);
} q SEC(".maps");

SEC("xdp")
int conv_xdp(struct xdp_md *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&arr0, &k);

    if (v)
        *v += 1;
    bpf_perf_event_output(ctx, &pea, BPF_F_CURRENT_CPU, &k, sizeof(k));
    bpf_ringbuf_output(&rb_odd, &k, sizeof(k), 0);
    return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
