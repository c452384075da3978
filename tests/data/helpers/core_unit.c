/* core_unit.c - programs of tests/unit/test_core_helpers.c:
 * bpf_spin_lock at run time against BPF_F_LOCK map operations, and
 * bpf_perf_event_output appending packet bytes (BPF_F_CTXLEN_MASK). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
    struct bpf_spin_lock l;
    __u32 pad;
    __u64 a, b;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct locked);
} lk SEC(".maps");

/* cfg[0] = flags, cfg[1] = bytes to strip with adjust_head, cfg[2] = the
 * helper's return value */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} cfg SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(max_entries, 4);
    __uint(key_size, 4);
    __uint(value_size, 4);
} pea SEC(".maps");

SEC("xdp") int lock_inc(struct xdp_md *ctx)
{
    __u32 k = 0;
    struct locked *v = bpf_map_lookup_elem(&lk, &k);
    if (!v)
        return XDP_ABORTED;
    bpf_spin_lock(&v->l);
    v->a++;
    v->b++;
    bpf_spin_unlock(&v->l);
    return XDP_PASS;
}

/* unverified (the raw convention runs checked): ends holding the lock */
SEC("raw") int lock_leak(void *data)
{
    __u32 k = 0;
    struct locked *v = bpf_map_lookup_elem(&lk, &k);
    if (!v)
        return 1;
    bpf_spin_lock(&v->l);
    v->a++;
    return 0;
}

/* unverified: a lock at a value byte that is not the bpf_spin_lock */
SEC("raw") int lock_bad(void *data)
{
    __u32 k = 0;
    struct locked *v = bpf_map_lookup_elem(&lk, &k);
    if (!v)
        return 1;
    bpf_spin_lock((struct bpf_spin_lock *)&v->a);
    bpf_spin_unlock((struct bpf_spin_lock *)&v->a);
    return 0;
}

static __always_inline __u64 *cfgp(__u32 k)
{
    return bpf_map_lookup_elem(&cfg, &k);
}

SEC("xdp") int perf_xdp(struct xdp_md *ctx)
{
    __u64 d = 0x1122334455667788ull, *flags = cfgp(0), *strip = cfgp(1), *ret = cfgp(2);
    if (!flags || !strip || !ret)
        return XDP_ABORTED;
    if (*strip)
        bpf_xdp_adjust_head(ctx, (int)*strip);
    *ret = bpf_perf_event_output(ctx, &pea, *flags, &d, sizeof(d));
    return XDP_PASS;
}

SEC("tc") int perf_skb(struct __sk_buff *skb)
{
    __u64 d = 0x1122334455667788ull, *flags = cfgp(0), *ret = cfgp(2);
    if (!flags || !ret)
        return 2;
    *ret = bpf_perf_event_output(skb, &pea, *flags, &d, sizeof(d));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
