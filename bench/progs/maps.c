/* maps.c - map operation benchmarks: for each of HASH, ARRAY, LRU_HASH,
 * LPM_TRIE and PERCPU_HASH, a program doing MB_OPS lookups and one doing
 * MB_OPS updates of keys the runner has prefilled (maps_common.h), and a
 * `loop` program doing the same loop without the map calls (the baseline).
 *
 * Every benchmark is one entry, SEC("xdp") xdp_<map>_<op>(struct xdp_md *),
 * which both sides run as a test run (the kernel's BPF_PROG_TEST_RUN and
 * bpfrt's, the packet unused) and which returns the result folded to 32
 * bits (the test run's retval).
 * Lookups return the sum of the values found (a miss adds MB_MISS, so a
 * miss shows); updates return how many succeeded.  The maps are BTF-defined
 * and reached through LD_IMM64 map references: bpfrt's loader and libbpf
 * each resolve them to their own maps. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps_common.h"

#define MB_MISS (1ull << 56)

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MB_HASH_MAX);
} hash_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MB_NKEYS);
} array_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MB_HASH_MAX);
} lru_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __type(key, struct mb_lpm_key);
    __type(value, __u64);
    __uint(max_entries, MB_HASH_MAX);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} lpm_map SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __type(key, __u32);
    __type(value, __u64);
    __uint(max_entries, MB_HASH_MAX);
} percpu_map SEC(".maps");

/* HASH, ARRAY, LRU_HASH, PERCPU_HASH: u32 keys (a per-CPU lookup returns
 * this CPU's slot). */
static __always_inline __u64 lookup_work(void *map)
{
    __u64 sum = 0;
    __u32 i;

#pragma clang loop unroll(disable)
    for (i = 0; i < MB_OPS; i++) {
        __u32 k = mb_key(i);
        __u64 *v = bpf_map_lookup_elem(map, &k);

        sum += v ? *v : MB_MISS;
    }
    return sum;
}

static __always_inline __u64 update_work(void *map)
{
    __u64 n = 0;
    __u32 i;

#pragma clang loop unroll(disable)
    for (i = 0; i < MB_OPS; i++) {
        __u32 k = mb_key(i);
        __u64 v = mb_new_value(k);

        n += bpf_map_update_elem(map, &k, &v, BPF_ANY) == 0;
    }
    return n;
}

/* LPM_TRIE: a /32 lookup inside the key's /24; updates rewrite the /24. */
static __always_inline __u64 lpm_lookup_work(void *map)
{
    struct mb_lpm_key key = {.prefixlen = 32};
    __u64 sum = 0;
    __u32 i;

#pragma clang loop unroll(disable)
    for (i = 0; i < MB_OPS; i++) {
        __u64 *v;

        key.addr = mb_lpm_addr(mb_key(i), i);
        v = bpf_map_lookup_elem(map, &key);
        sum += v ? *v : MB_MISS;
    }
    return sum;
}

static __always_inline __u64 lpm_update_work(void *map)
{
    struct mb_lpm_key key = {.prefixlen = MB_LPM_PREFIXLEN};
    __u64 n = 0;
    __u32 i;

#pragma clang loop unroll(disable)
    for (i = 0; i < MB_OPS; i++) {
        __u32 k = mb_key(i);
        __u64 v = mb_new_value(k);

        key.addr = mb_lpm_addr(k, 0);
        n += bpf_map_update_elem(map, &key, &v, BPF_ANY) == 0;
    }
    return n;
}

/* The baseline: the same loop and key derivation, the key stored on the
 * stack as for a helper call, no map call. */
static __always_inline __u64 loop_work(void)
{
    __u64 sum = 0;
    __u32 i;

#pragma clang loop unroll(disable)
    for (i = 0; i < MB_OPS; i++) {
        volatile __u32 k = mb_key(i);

        sum += k;
    }
    return sum;
}

#define MB_ENTRIES(name, expr)                                                                                    \
    SEC("xdp") int xdp_##name(struct xdp_md *ctx)                                                              \
    {                                                                                                          \
        (void)ctx;                                                                                             \
        return (int)mb_fold32(expr);                                                                           \
    }                                                                                                          \


MB_ENTRIES(hash_lookup, lookup_work(&hash_map))
MB_ENTRIES(hash_update, update_work(&hash_map))
MB_ENTRIES(array_lookup, lookup_work(&array_map))
MB_ENTRIES(array_update, update_work(&array_map))
MB_ENTRIES(lru_hash_lookup, lookup_work(&lru_map))
MB_ENTRIES(lru_hash_update, update_work(&lru_map))
MB_ENTRIES(lpm_trie_lookup, lpm_lookup_work(&lpm_map))
MB_ENTRIES(lpm_trie_update, lpm_update_work(&lpm_map))
MB_ENTRIES(percpu_hash_lookup, lookup_work(&percpu_map))
MB_ENTRIES(percpu_hash_update, update_work(&percpu_map))
MB_ENTRIES(loop, loop_work())

char _license[] SEC("license") = "Dual BSD/GPL";
