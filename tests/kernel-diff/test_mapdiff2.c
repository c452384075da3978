/* test_mapdiff2.c - the map types besides hash/array/LRU against the running
 * kernel: the same random operation sequences applied to a kernel map
 * (bpf() through libbpf) and to a bpfrt map must give the same errno and the
 * same values, and the same key order where the kernel's is defined (LPM
 * trie).  Creation is compared over a table of good and bad attribute sets.
 *
 * BPFRT_SEED=<n> replays a run; the seed and the counts are printed. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

#define ENOTSUPP 524

uint32_t bpfrt_prog__id(const struct bpfrt_prog *prog) __attribute__((weak));

static int kernel_ok(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

#define NEED_KERNEL()                                                                                                  \
    do {                                                                                                               \
        if (!kernel_ok())                                                                                              \
            cr_skip_test("bpf() unavailable (%s): no kernel to compare with", strerror(errno));                        \
    } while (0)

/* xorshift64*, seeded from BPFRT_SEED or the clock. */
static uint64_t rng_state;

static uint64_t seed_init(const char *what)
{
    const char *s = getenv("BPFRT_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

    rng_state = seed ? seed : 1;
    fprintf(stderr, "mapdiff2 %s: seed %llu (BPFRT_SEED=%llu to replay)\n", what, (unsigned long long)seed,
            (unsigned long long)seed);
    return seed;
}

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static int kerr(int ret)
{
    return ret < 0 ? -errno : ret;
}

/* A map of the given attributes on both sides; inner_k / inner_b are the
 * prototypes for map-in-map. */
static int kmap(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra, int inner)
{
    LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags, .map_extra = extra, .inner_map_fd = (uint32_t)inner);
    return kerr(bpf_map_create(t, NULL, ks, vs, max, &o));
}

static int bmap(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra,
                struct bpfrt_map *inner, struct bpfrt_map **mp)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = flags, .map_extra = extra, .inner_map = inner};
    *mp = NULL;
    return bpfrt_map__create(t, "d", ks, vs, max, &o, mp);
}

/* --------------------------------------------------------- create table */

/* Inner prototypes (types of this file, so the table runs before HASH and
 * ARRAY land): an LPM trie and a queue. */
enum inner_kind { IN_NONE, IN_LPM, IN_QUEUE, IN_PROG_ARRAY, IN_AOM };

struct create_case {
    enum bpf_map_type type;
    uint32_t ks, vs, max, flags;
    uint64_t extra;
    enum inner_kind inner;
};

#define NP BPF_F_NO_PREALLOC
static const struct create_case create_cases[] = {
    /* LPM_TRIE */
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 4, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 5, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 260, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 261, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 0, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP | BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP | BPF_F_ZERO_SEED, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP | BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP | BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, NP | BPF_F_MMAPABLE, 0, IN_NONE},
    {BPF_MAP_TYPE_LPM_TRIE, 20, 4096, 16, NP, 0, IN_NONE},
    /* QUEUE / STACK */
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 4, 4, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 0, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, BPF_F_ZERO_SEED, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_QUEUE, 0, 4, 16, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK, 0, 8, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK, 4, 8, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK, 0, 8, 16, BPF_F_WRONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK, 0, 8, 16, BPF_F_MMAPABLE, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK, 0, 65536, 4, 0, 0, IN_NONE},
    /* PROG_ARRAY */
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_MMAPABLE, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_INNER_MAP, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_ZERO_SEED, 0, IN_NONE},
    /* ARRAY_OF_MAPS / HASH_OF_MAPS */
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, IN_QUEUE},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, IN_PROG_ARRAY},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, IN_AOM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 8, 4, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 0, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, BPF_F_RDONLY, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, NP, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, BPF_F_INNER_MAP, 0, IN_LPM},
    {BPF_MAP_TYPE_ARRAY_OF_MAPS, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 16, 4, 4, 0, 0, IN_QUEUE},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 0, 4, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 8, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 0, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, NP, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, BPF_F_ZERO_SEED, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, BPF_F_MMAPABLE, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, BPF_F_NO_COMMON_LRU, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, 0, IN_PROG_ARRAY},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, 0, IN_AOM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 513, 4, 4, 0, 0, IN_LPM},
    {BPF_MAP_TYPE_HASH_OF_MAPS, 512, 4, 4, 0, 0, IN_LPM},
    /* BLOOM_FILTER */
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 0, 16, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 3, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 15, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 16, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 1ull << 32, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, BPF_F_ZERO_SEED, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, BPF_F_MMAPABLE, 0, IN_NONE},
    {BPF_MAP_TYPE_BLOOM_FILTER, 0, 65536, 16, 0, 0, IN_NONE},
    /* RINGBUF */
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 65536, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 4, 4096, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, BPF_F_MMAPABLE, 0, IN_NONE},
    /* PERF_EVENT_ARRAY */
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, BPF_F_MMAPABLE, 0, IN_NONE},
    /* DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP */
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 12, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 2, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 6, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 2, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, BPF_F_WRONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 12, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 256, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 257, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, BPF_F_NUMA_NODE, 0, IN_NONE},
    {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, NP, 0, IN_NONE},
    /* STACK_TRACE, CGROUP_ARRAY */
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 1016, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 1024, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 12, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 0, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 8, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 0x80000001u, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 32, 4, BPF_F_STACK_BUILD_ID, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 4064, 4, BPF_F_STACK_BUILD_ID, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 4096, 4, BPF_F_STACK_BUILD_ID, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 48, 4, BPF_F_STACK_BUILD_ID, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, NP, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, BPF_F_RDONLY, 0, IN_NONE},
    {BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 8, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 8, 4, 4, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 0, 0, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS, 0, IN_NONE},
    {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, NP, 0, IN_NONE},
};

/* Inner prototypes: index by enum inner_kind. */
struct inners {
    int kfd[5];
    struct bpfrt_map *b[5];
};

static void inners_make(struct inners *in)
{
    memset(in, 0, sizeof(*in));
    in->kfd[IN_NONE] = -1;
    in->kfd[IN_LPM] = kmap(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, NP, 0, 0);
    in->kfd[IN_QUEUE] = kmap(BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 0, 0);
    in->kfd[IN_PROG_ARRAY] = kmap(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, 0);
    in->kfd[IN_AOM] = kmap(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, in->kfd[IN_LPM]);
    for (int i = IN_LPM; i <= IN_AOM; i++)
        cr_assert_geq(in->kfd[i], 0, "kernel inner %d: %d", i, in->kfd[i]);
    cr_assert_eq(bmap(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, NP, 0, NULL, &in->b[IN_LPM]), 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 0, NULL, &in->b[IN_QUEUE]), 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, NULL, &in->b[IN_PROG_ARRAY]), 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0, in->b[IN_LPM], &in->b[IN_AOM]), 0);
}

static void inners_free(struct inners *in)
{
    for (int i = IN_AOM; i >= IN_LPM; i--) {
        close(in->kfd[i]);
        bpfrt_map__free(in->b[i]);
    }
}

Test(mapdiff2, create_checks)
{
    struct inners in;
    unsigned n = sizeof(create_cases) / sizeof(create_cases[0]), mismatches = 0, ok = 0;

    NEED_KERNEL();
    inners_make(&in);
    for (unsigned i = 0; i < n; i++) {
        const struct create_case *c = &create_cases[i];
        /* "no inner map" is inner_map_fd 0 on the kernel side: not a map. */
        int kinner = c->inner == IN_NONE ? 0 : in.kfd[c->inner];
        int kr = kmap(c->type, c->ks, c->vs, c->max, c->flags, c->extra, kinner);
        struct bpfrt_map *m = NULL;
        int br =
            bmap(c->type, c->ks, c->vs, c->max, c->flags, c->extra, c->inner == IN_NONE ? NULL : in.b[c->inner], &m);

        if (kr >= 0) {
            close(kr);
            kr = 0;
        }
        if (!br)
            bpfrt_map__free(m);
        if (kr == 0)
            ok++;
        if (kr != br)
            mismatches++;
        cr_expect_eq(br, kr, "case %u: type %d ks %u vs %u max %u flags %#x extra %#llx inner %d: kernel %d, bpfrt %d",
                     i, c->type, c->ks, c->vs, c->max, c->flags, (unsigned long long)c->extra, c->inner, kr, br);
    }
    fprintf(stderr, "mapdiff2 create_checks: %u cases (%u accepted by the kernel), %u mismatches\n", n, ok, mismatches);
    inners_free(&in);
}

/* ------------------------------------------------------------- LPM_TRIE */

struct lkey {
    uint32_t plen;
    uint8_t d[2];
} __attribute__((packed));

static struct lkey lpm_rand_key(void)
{
    struct lkey k;

    k.plen = rnd(20) == 0 ? 17 + rnd(4) : rnd(17);
    /* few distinct values, so prefixes nest and collide */
    k.d[0] = (uint8_t)(rnd(4) << 6 | (rnd(3) == 0 ? rnd(64) : 0));
    k.d[1] = (uint8_t)(rnd(2) ? rnd(256) : 0);
    return k;
}

/* Walk both maps with get_next_key from NULL: same keys, same order. */
static unsigned lpm_compare_walk(int kfd, struct bpfrt_map *b, unsigned step)
{
    struct lkey kc, kn, bc, bn;
    int kr = kerr(bpf_map_get_next_key(kfd, NULL, &kn));
    int br = bpfrt_map__get_next_key(b, NULL, &bn, sizeof(bn));
    unsigned n = 0;

    for (;;) {
        cr_assert_eq(br, kr, "step %u walk %u: get_next_key kernel %d bpfrt %d", step, n, kr, br);
        if (kr)
            return n;
        cr_assert_eq(memcmp(&kn, &bn, sizeof(kn)), 0, "step %u walk %u: kernel /%u %02x%02x, bpfrt /%u %02x%02x", step,
                     n, kn.plen, kn.d[0], kn.d[1], bn.plen, bn.d[0], bn.d[1]);
        kc = kn;
        bc = bn;
        n++;
        kr = kerr(bpf_map_get_next_key(kfd, &kc, &kn));
        br = bpfrt_map__get_next_key(b, &bc, &bn, sizeof(bn));
    }
}

Test(mapdiff2, lpm_trie)
{
    enum { MAX = 24, STEPS = 6000 };
    int kfd;
    struct bpfrt_map *b;
    unsigned counts[6] = {0}, walks = 0, walked = 0;

    NEED_KERNEL();
    seed_init("lpm_trie");
    kfd = kmap(BPF_MAP_TYPE_LPM_TRIE, 6, 8, MAX, NP, 0, 0);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_LPM_TRIE, 6, 8, MAX, NP, 0, NULL, &b), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        struct lkey k = lpm_rand_key(), kn, bn;
        uint64_t v = ((uint64_t)step << 32) | rnd(1000), kv = 0, bv = 0;
        unsigned op = rnd(10);
        int kr, br;

        if (op < 4) {
            uint64_t fl = rnd(12) == 0 ? 3 + rnd(2) : rnd(3);
            kr = kerr(bpf_map_update_elem(kfd, &k, &v, fl));
            br = bpfrt_map__update_elem(b, &k, sizeof(k), &v, 8, fl);
            cr_assert_eq(br, kr, "step %u: update /%u %02x%02x flags %llu: kernel %d bpfrt %d", step, k.plen, k.d[0],
                         k.d[1], (unsigned long long)fl, kr, br);
            counts[0]++;
        } else if (op < 6) {
            kr = kerr(bpf_map_delete_elem(kfd, &k));
            br = bpfrt_map__delete_elem(b, &k, sizeof(k), 0);
            cr_assert_eq(br, kr, "step %u: delete /%u %02x%02x: kernel %d bpfrt %d", step, k.plen, k.d[0], k.d[1], kr,
                         br);
            counts[1]++;
        } else if (op < 9) {
            if (rnd(2))
                k.plen = 16;
            kr = kerr(bpf_map_lookup_elem(kfd, &k, &kv));
            br = bpfrt_map__lookup_elem(b, &k, sizeof(k), &bv, 8, 0);
            cr_assert_eq(br, kr, "step %u: lookup /%u %02x%02x: kernel %d bpfrt %d", step, k.plen, k.d[0], k.d[1], kr,
                         br);
            if (!kr)
                cr_assert_eq(bv, kv, "step %u: lookup /%u %02x%02x: kernel %#llx bpfrt %#llx", step, k.plen, k.d[0],
                             k.d[1], (unsigned long long)kv, (unsigned long long)bv);
            counts[2]++;
        } else {
            kr = kerr(bpf_map_get_next_key(kfd, &k, &kn));
            br = bpfrt_map__get_next_key(b, &k, &bn, sizeof(bn));
            cr_assert_eq(br, kr, "step %u: get_next_key /%u: kernel %d bpfrt %d", step, k.plen, kr, br);
            if (!kr)
                cr_assert_eq(memcmp(&kn, &bn, sizeof(kn)), 0, "step %u: next of /%u %02x%02x differs", step, k.plen,
                             k.d[0], k.d[1]);
            counts[3]++;
        }
        if (step % 50 == 0) {
            walked += lpm_compare_walk(kfd, b, step);
            walks++;
        }
    }
    walked += lpm_compare_walk(kfd, b, STEPS);
    fprintf(stderr,
            "mapdiff2 lpm_trie: %u updates, %u deletes, %u lookups, %u get_next_key, %u full walks (%u keys): 0 "
            "mismatches\n",
            counts[0], counts[1], counts[2], counts[3], walks + 1, walked);
    close(kfd);
    bpfrt_map__free(b);
}

/* ---------------------------------------------------------- QUEUE/STACK */

static void qs_diff(enum bpf_map_type t, const char *what)
{
    enum { MAX = 8, STEPS = 5000 };
    int kfd;
    struct bpfrt_map *b;
    unsigned counts[3] = {0};

    NEED_KERNEL();
    seed_init(what);
    kfd = kmap(t, 0, 8, MAX, 0, 0, 0);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(t, 0, 8, MAX, 0, 0, NULL, &b), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        uint64_t v = step, kv = 0, bv = 0, fl;
        unsigned op = rnd(10);
        int kr, br;

        if (op < 5) {
            fl = rnd(8) == 0 ? rnd(6) : (rnd(3) ? BPF_ANY : BPF_EXIST);
            kr = kerr(bpf_map_update_elem(kfd, NULL, &v, fl));
            br = bpfrt_map__update_elem(b, NULL, 0, &v, 8, fl);
            cr_assert_eq(br, kr, "step %u: push flags %llu: kernel %d bpfrt %d", step, (unsigned long long)fl, kr, br);
            counts[0]++;
        } else if (op < 8) {
            fl = rnd(10) == 0 ? 1 + rnd(4) : 0;
            kr = kerr(bpf_map_lookup_and_delete_elem_flags(kfd, NULL, &kv, fl));
            br = bpfrt_map__lookup_and_delete_elem(b, NULL, 0, &bv, 8, fl);
            cr_assert_eq(br, kr, "step %u: pop flags %llu: kernel %d bpfrt %d", step, (unsigned long long)fl, kr, br);
            if (!kr)
                cr_assert_eq(bv, kv, "step %u: pop: kernel %llu bpfrt %llu", step, (unsigned long long)kv,
                             (unsigned long long)bv);
            counts[1]++;
        } else if (op < 9) {
            kr = kerr(bpf_map_lookup_elem(kfd, NULL, &kv));
            br = bpfrt_map__lookup_elem(b, NULL, 0, &bv, 8, 0);
            cr_assert_eq(br, kr, "step %u: peek: kernel %d bpfrt %d", step, kr, br);
            if (!kr)
                cr_assert_eq(bv, kv, "step %u: peek value", step);
            counts[2]++;
        } else {
            uint64_t nk;
            kr = kerr(bpf_map_delete_elem(kfd, NULL));
            br = bpfrt_map__delete_elem(b, NULL, 0, 0);
            cr_assert_eq(br, kr, "step %u: delete: kernel %d bpfrt %d", step, kr, br);
            kr = kerr(bpf_map_get_next_key(kfd, NULL, &nk));
            br = bpfrt_map__get_next_key(b, NULL, &nk, 0);
            cr_assert_eq(br, kr, "step %u: get_next_key: kernel %d bpfrt %d", step, kr, br);
        }
    }
    fprintf(stderr, "mapdiff2 %s: %u pushes, %u pops, %u peeks: 0 mismatches\n", what, counts[0], counts[1], counts[2]);
    close(kfd);
    bpfrt_map__free(b);
}

Test(mapdiff2, queue)
{
    qs_diff(BPF_MAP_TYPE_QUEUE, "queue");
}

Test(mapdiff2, stack)
{
    qs_diff(BPF_MAP_TYPE_STACK, "stack");
}

/* --------------------------------------------------- map-in-map, progs */

/* Objects that may be stored: the same list on both sides, the kernel's by
 * fd (and read back as kernel ids), bpfrt's by id. */
enum { NOBJ = 6 };

struct objs {
    int kfd[NOBJ];
    uint32_t kid[NOBJ];
    uint32_t bid[NOBJ];
    struct bpfrt_map *bm[NOBJ];
    struct bpfrt_prog *bp[NOBJ];
};

static uint32_t kmap_id(int fd)
{
    struct bpf_map_info info = {0};
    uint32_t len = sizeof(info);

    cr_assert_eq(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
    return info.id;
}

struct mspec {
    enum bpf_map_type t;
    uint32_t ks, vs, max, flags;
};

/* Inner candidates: spec[0] is the prototype; a map-in-map candidate uses
 * the prototype as its own inner map. */
static int objs_maps(struct objs *o, const struct mspec *spec, struct bpfrt_map *proto_b, int proto_k)
{
    for (int i = 0; i < NOBJ; i++) {
        int mim = spec[i].t == BPF_MAP_TYPE_ARRAY_OF_MAPS;
        int err;
        o->kfd[i] = kmap(spec[i].t, spec[i].ks, spec[i].vs, spec[i].max, spec[i].flags, 0, mim ? proto_k : 0);
        cr_assert_geq(o->kfd[i], 0);
        o->kid[i] = kmap_id(o->kfd[i]);
        err = bmap(spec[i].t, spec[i].ks, spec[i].vs, spec[i].max, spec[i].flags, 0, mim ? proto_b : NULL, &o->bm[i]);
        if (err)
            return err;
        o->bid[i] = bpfrt_map__id(o->bm[i]);
    }
    return 0;
}

static void objs_free(struct objs *o)
{
    for (int i = NOBJ - 1; i >= 0; i--) {
        if (o->kfd[i] > 0)
            close(o->kfd[i]);
        bpfrt_map__free(o->bm[i]);
        if (o->bp[i])
            bpfrt_prog__free(o->bp[i]);
    }
}

/* The value user space stores: object j, or a bad one (j == NOBJ). */
static void fd_value(const struct objs *o, unsigned j, uint32_t *kv, uint32_t *bv)
{
    if (j < NOBJ) {
        *kv = (uint32_t)o->kfd[j];
        *bv = o->bid[j];
    } else {
        *kv = 0x7ffff0;
        *bv = 0x7ffffff0;
    }
}

/* Translate a kernel id / bpfrt id read back to the object index. */
static int obj_of(const uint32_t *ids, uint32_t id)
{
    for (int i = 0; i < NOBJ; i++)
        if (ids[i] == id)
            return i;
    return -1;
}

static void fd_diff(enum bpf_map_type t, struct objs *o, int kfd, struct bpfrt_map *b, uint32_t ks, const char *what)
{
    enum { STEPS = 3000 };
    unsigned counts[5] = {0};
    uint32_t max = bpfrt_map__max_entries(b);

    for (unsigned step = 0; step < STEPS; step++) {
        uint8_t key[16] = {0}, kn[16], bn[16];
        unsigned op = rnd(10), j = rnd(NOBJ + 1);
        uint32_t kv, bv, kout = 0, bout = 0;
        uint64_t fl = rnd(6) == 0 ? rnd(5) : BPF_ANY;
        int kr, br;

        key[0] = (uint8_t)rnd(max + 2);
        fd_value(o, j, &kv, &bv);
        if (op < 4) {
            kr = kerr(bpf_map_update_elem(kfd, key, &kv, fl));
            br = bpfrt_map__update_elem(b, key, ks, &bv, 4, fl);
            cr_assert_eq(br, kr, "%s step %u: update key %u obj %u flags %llu: kernel %d bpfrt %d", what, step, key[0],
                         j, (unsigned long long)fl, kr, br);
            counts[0]++;
        } else if (op < 6) {
            kr = kerr(bpf_map_delete_elem(kfd, key));
            br = bpfrt_map__delete_elem(b, key, ks, 0);
            cr_assert_eq(br, kr, "%s step %u: delete key %u: kernel %d bpfrt %d", what, step, key[0], kr, br);
            counts[1]++;
        } else if (op < 8) {
            kr = kerr(bpf_map_lookup_elem(kfd, key, &kout));
            br = bpfrt_map__lookup_elem(b, key, ks, &bout, 4, 0);
            cr_assert_eq(br, kr, "%s step %u: lookup key %u: kernel %d bpfrt %d", what, step, key[0], kr, br);
            if (!kr) {
                int ko = obj_of(o->kid, kout), bo = obj_of(o->bid, bout);
                cr_assert(ko >= 0 && ko == bo, "%s step %u: lookup key %u: kernel id %u (obj %d), bpfrt id %u (obj %d)",
                          what, step, key[0], kout, ko, bout, bo);
            }
            counts[2]++;
        } else if (op < 9) {
            kr = kerr(bpf_map_lookup_and_delete_elem(kfd, key, &kout));
            br = bpfrt_map__lookup_and_delete_elem(b, key, ks, &bout, 4, 0);
            cr_assert_eq(br, kr, "%s step %u: lookup_and_delete: kernel %d bpfrt %d", what, step, kr, br);
            counts[3]++;
        } else {
            /* Hash order is the hash function's: only the start is comparable. */
            const void *from = rnd(4) && t != BPF_MAP_TYPE_HASH_OF_MAPS ? key : NULL;
            kr = kerr(bpf_map_get_next_key(kfd, from, kn));
            br = bpfrt_map__get_next_key(b, from, bn, ks);
            cr_assert_eq(br, kr, "%s step %u: get_next_key: kernel %d bpfrt %d", what, step, kr, br);
            counts[4]++;
        }
    }
    /* The set of keys must be the same (hash order may differ). */
    {
        uint8_t kk[16] = {0}, cur[16];
        unsigned kmask = 0, bmask = 0, n = 0;
        int r;
        for (r = bpf_map_get_next_key(kfd, NULL, kk); !r && n++ < 64; r = bpf_map_get_next_key(kfd, cur, kk)) {
            uint32_t out;
            memcpy(cur, kk, ks);
            if (!bpf_map_lookup_elem(kfd, kk, &out))
                kmask |= 1u << kk[0];
        }
        n = 0;
        for (r = bpfrt_map__get_next_key(b, NULL, kk, ks); !r && n++ < 64;
             r = bpfrt_map__get_next_key(b, cur, kk, ks)) {
            uint32_t out;
            memcpy(cur, kk, ks);
            if (!bpfrt_map__lookup_elem(b, kk, ks, &out, 4, 0))
                bmask |= 1u << kk[0];
        }
        cr_assert_eq(bmask, kmask, "%s: final keys kernel %#x bpfrt %#x", what, kmask, bmask);
    }
    fprintf(stderr,
            "mapdiff2 %s: %u updates, %u deletes, %u lookups, %u lookup_and_delete, %u get_next_key: 0 "
            "mismatches\n",
            what, counts[0], counts[1], counts[2], counts[3], counts[4]);
}

static void mim_diff(enum bpf_map_type t, uint32_t ks, const struct mspec *spec, const char *what)
{
    struct objs o = {0};
    struct bpfrt_map *proto_b = NULL, *b = NULL;
    int proto_k, kfd;

    NEED_KERNEL();
    proto_k = kmap(spec[0].t, spec[0].ks, spec[0].vs, spec[0].max, spec[0].flags, 0, 0);
    cr_assert_geq(proto_k, 0);
    if (bmap(spec[0].t, spec[0].ks, spec[0].vs, spec[0].max, spec[0].flags, 0, NULL, &proto_b) ||
        objs_maps(&o, spec, proto_b, proto_k)) {
        objs_free(&o);
        close(proto_k);
        bpfrt_map__free(proto_b);
        cr_skip_test("%s: bpfrt cannot create map type %d yet", what, spec[0].t);
    }
    seed_init(what);
    kfd = kmap(t, ks, 4, 6, 0, 0, proto_k);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(t, ks, 4, 6, 0, 0, proto_b, &b), 0);
    fd_diff(t, &o, kfd, b, ks, what);
    close(kfd);
    bpfrt_map__free(b);
    objs_free(&o);
    close(proto_k);
    bpfrt_map__free(proto_b);
}

/* Prototype LPM_TRIE: max_entries may differ, value size and flags not. */
static const struct mspec lpm_inners[NOBJ] = {{BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, NP},
                                              {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, NP},
                                              {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 5, NP},
                                              {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, NP},
                                              {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, NP | BPF_F_RDONLY},
                                              {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0}};
/* Prototype ARRAY: max_entries must match too (no BPF_F_INNER_MAP). */
static const struct mspec array_inners[NOBJ] = {
    {BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0}, {BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0}, {BPF_MAP_TYPE_ARRAY, 4, 8, 5, 0},
    {BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0}, {BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0}, {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0}};
/* Prototype ARRAY with BPF_F_INNER_MAP: max_entries may differ. */
static const struct mspec inner_array_inners[NOBJ] = {
    {BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP}, {BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP},
    {BPF_MAP_TYPE_ARRAY, 4, 8, 9, BPF_F_INNER_MAP}, {BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0},
    {BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_INNER_MAP}, {BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0}};

Test(mapdiff2, array_of_maps)
{
    mim_diff(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, lpm_inners, "array_of_maps");
}

Test(mapdiff2, hash_of_maps)
{
    mim_diff(BPF_MAP_TYPE_HASH_OF_MAPS, 8, lpm_inners, "hash_of_maps");
}

Test(mapdiff2, array_of_arrays)
{
    mim_diff(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, array_inners, "array_of_arrays");
}

Test(mapdiff2, hash_of_inner_arrays)
{
    mim_diff(BPF_MAP_TYPE_HASH_OF_MAPS, 4, inner_array_inners, "hash_of_inner_arrays");
}

Test(mapdiff2, prog_array)
{
    static const struct bpf_insn ret0[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
                                           {.code = BPF_JMP | BPF_EXIT}};
    /* Programs: XDP, XDP, socket filter, XDP, socket filter, XDP. */
    static const enum bpf_prog_type types[NOBJ] = {BPF_PROG_TYPE_XDP,           BPF_PROG_TYPE_XDP,
                                                   BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP,
                                                   BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP};
    struct objs o = {0};
    struct bpfrt_map *b = NULL;
    int kfd;

    NEED_KERNEL();
    if (!bpfrt_prog__id)
        cr_skip_test("bpfrt_prog__id() not available yet (runtime ids)");
    seed_init("prog_array");
    for (int i = 0; i < NOBJ; i++) {
        struct bpf_prog_info info = {0};
        uint32_t len = sizeof(info);
        struct bpfrt_prog_load_opts lo = {.sz = sizeof(lo), .type = types[i]};

        o.kfd[i] = kerr(bpf_prog_load(types[i], NULL, "GPL", ret0, 2, NULL));
        cr_assert_geq(o.kfd[i], 0, "kernel prog load: %d", o.kfd[i]);
        cr_assert_eq(bpf_obj_get_info_by_fd(o.kfd[i], &info, &len), 0);
        o.kid[i] = info.id;
        cr_assert_eq(bpfrt_prog__load_insns(ret0, 2, &lo, &o.bp[i]), 0);
        o.bid[i] = bpfrt_prog__id(o.bp[i]);
    }
    kfd = kmap(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 6, 0, 0, 0);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 6, 0, 0, NULL, &b), 0);
    fd_diff(BPF_MAP_TYPE_PROG_ARRAY, &o, kfd, b, 4, "prog_array");
    close(kfd);
    bpfrt_map__free(b);
    objs_free(&o);
}

/* --------------------------------------------------------- BLOOM_FILTER */

Test(mapdiff2, bloom_filter)
{
    enum { POOL = 4096, STEPS = 6000 };
    static uint8_t pushed[POOL];
    unsigned pushes = 0, peeks = 0, absent_k = 0, absent_b = 0, fp_only_b = 0, fp_only_k = 0;
    struct bpfrt_map *b;
    int kfd;

    NEED_KERNEL();
    seed_init("bloom_filter");
    memset(pushed, 0, sizeof(pushed));
    kfd = kmap(BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 256, 0, 0, 0);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 256, 0, 0, NULL, &b), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        unsigned idx = rnd(POOL);
        uint64_t v = idx * 0x9e3779b97f4a7c15ull + 1, fl;
        int kr, br;

        if (rnd(3) == 0 && pushes < 256) {
            fl = rnd(6) == 0 ? 1 + rnd(4) : BPF_ANY;
            kr = kerr(bpf_map_update_elem(kfd, NULL, &v, fl));
            br = bpfrt_map__update_elem(b, NULL, 0, &v, 8, fl);
            cr_assert_eq(br, kr, "step %u: push flags %llu: kernel %d bpfrt %d", step, (unsigned long long)fl, kr, br);
            if (!kr) {
                pushed[idx] = 1;
                pushes++;
            }
        } else {
            kr = kerr(bpf_map_lookup_elem(kfd, NULL, &v));
            br = bpfrt_map__lookup_elem(b, NULL, 0, &v, 8, 0);
            cr_assert(kr == 0 || kr == -ENOENT, "kernel peek %d", kr);
            if (pushed[idx]) {
                cr_assert_eq(kr, 0, "step %u: kernel false negative?", step);
                cr_assert_eq(br, 0, "step %u: bpfrt false negative for a pushed value", step);
            } else {
                cr_assert(br == 0 || br == -ENOENT, "bpfrt peek %d", br);
                absent_k += kr == -ENOENT;
                absent_b += br == -ENOENT;
                fp_only_b += br == 0 && kr != 0;
                fp_only_k += kr == 0 && br != 0;
            }
            peeks++;
        }
    }
    {
        uint64_t v = 0;
        cr_assert_eq(bpfrt_map__delete_elem(b, NULL, 0, 0), kerr(bpf_map_delete_elem(kfd, NULL)));
        cr_assert_eq(bpfrt_map__get_next_key(b, NULL, &v, 0), kerr(bpf_map_get_next_key(kfd, NULL, &v)));
        cr_assert_eq(bpfrt_map__lookup_and_delete_elem(b, NULL, 0, &v, 8, 0),
                     kerr(bpf_map_lookup_and_delete_elem(kfd, NULL, &v)));
        cr_assert_eq(bpfrt_map__lookup_elem(b, NULL, 0, &v, 8, BPF_F_LOCK),
                     kerr(bpf_map_lookup_elem_flags(kfd, NULL, &v, BPF_F_LOCK)));
    }
    /* Both must reject most absent values (same sizing: similar rates). */
    cr_expect_gt(absent_b * 10, absent_k * 8, "bpfrt 'surely absent' %u vs kernel %u", absent_b, absent_k);
    fprintf(stderr,
            "mapdiff2 bloom_filter: %u pushes, %u peeks: 0 false negatives; absent values rejected: kernel %u, bpfrt "
            "%u (maybe-present only in bpfrt %u, only in kernel %u)\n",
            pushes, peeks, absent_k, absent_b, fp_only_b, fp_only_k);
    close(kfd);
    bpfrt_map__free(b);
}

/* ------------------------------------ redirect maps, stack trace, others */

/* User-space commands on types whose values name kernel objects bpfrt does
 * not have: the values used are those both sides can mean (ifindex 1 = lo,
 * 0, program "fd" -1 / 0, CPU queue sizes) or that neither accepts (a map
 * fd where a socket or cgroup is expected; bpfrt: any value). */
struct errno_case {
    enum bpf_map_type type;
    uint32_t ks, vs, max;
    const char *name;
    int hash;           /* get_next_key order is the hash's */
    int compare_update; /* 0: values mean different objects on each side */
};

static void errno_diff(const struct errno_case *c)
{
    enum { STEPS = 2000 };
    /* ifindex 1 (lo) exists on both sides; bpfrt does not check that an
     * ifindex names a host device (known difference), so none other. */
    static const uint64_t dev_values[] = {1, 0, 1 | 0xffffffff00000000ull, 0x0000000500000001ull, 0x0000000500000000ull,
                                          1, 1};
    static const uint64_t cpu_values[] = {
        0, 100, 16384, 16385, 100 | 0xffffffff00000000ull, 0x0000000500000064ull, 0x0000000500000000ull};
    const uint64_t *values = c->type == BPF_MAP_TYPE_CPUMAP ? cpu_values : dev_values;
    unsigned counts[5] = {0};
    struct bpfrt_map *b;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .nr_workers = (uint32_t)libbpf_num_possible_cpus()};
    int kfd;

    kfd = kmap(c->type, c->ks, c->vs, c->max, 0, 0, 0);
    cr_assert_geq(kfd, 0, "%s: kernel create %d", c->name, kfd);
    cr_assert_eq(bpfrt_map__create(c->type, "e", c->ks, c->vs, c->max, &o, &b), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        uint32_t key = rnd(c->max + 2), kn = 0, bn = 0;
        uint8_t kv[1024] = {0}, bv[1024] = {0}, kval[8], bval[8];
        uint64_t fl = rnd(5) == 0 ? rnd(5) : BPF_ANY, val = values[rnd(7)];
        unsigned op = rnd(5);
        int kr, br;

        if (c->type == BPF_MAP_TYPE_DEVMAP_HASH)
            key = 100 + rnd(c->max + 2);
        memcpy(kval, &val, 8);
        memcpy(bval, &val, 8);
        if (!c->compare_update) {
            uint32_t fd = (uint32_t)kfd;
            memcpy(kval, &fd, 4);
        }
        if (op == 0) {
            kr = kerr(bpf_map_update_elem(kfd, &key, kval, fl));
            /* Values that name no object on the kernel side are only
             * applied to bpfrt where both refuse them the same way. */
            br = c->compare_update || kr == -EINVAL || kr == -E2BIG
                     ? bpfrt_map__update_elem(b, &key, 4, bval, c->vs, fl)
                     : kr;
            if (c->compare_update || kr == -EINVAL || kr == -E2BIG)
                cr_assert_eq(br, kr, "%s step %u: update key %u value %#llx flags %llu: kernel %d bpfrt %d", c->name,
                             step, key, (unsigned long long)val, (unsigned long long)fl, kr, br);
        } else if (op == 1) {
            kr = kerr(bpf_map_delete_elem(kfd, &key));
            br = bpfrt_map__delete_elem(b, &key, 4, 0);
            cr_assert_eq(br, kr, "%s step %u: delete key %u: kernel %d bpfrt %d", c->name, step, key, kr, br);
        } else if (op == 2) {
            kr = kerr(bpf_map_lookup_elem(kfd, &key, kv));
            br = bpfrt_map__lookup_elem(b, &key, 4, bv, c->vs, 0);
            cr_assert_eq(br, kr, "%s step %u: lookup key %u: kernel %d bpfrt %d", c->name, step, key, kr, br);
            if (!kr)
                cr_assert_eq(memcmp(kv, bv, c->vs), 0, "%s step %u: lookup key %u: values differ", c->name, step, key);
        } else if (op == 3) {
            kr = kerr(bpf_map_lookup_and_delete_elem(kfd, &key, kv));
            br = bpfrt_map__lookup_and_delete_elem(b, &key, 4, bv, c->vs, 0);
            cr_assert_eq(br, kr, "%s step %u: lookup_and_delete key %u: kernel %d bpfrt %d", c->name, step, key, kr,
                         br);
        } else {
            const void *from = rnd(4) && !c->hash ? &key : NULL;
            kr = kerr(bpf_map_get_next_key(kfd, from, &kn));
            br = bpfrt_map__get_next_key(b, from, &bn, 4);
            cr_assert_eq(br, kr, "%s step %u: get_next_key: kernel %d bpfrt %d", c->name, step, kr, br);
            if (!kr && !c->hash)
                cr_assert_eq(bn, kn, "%s step %u: next key kernel %u bpfrt %u", c->name, step, kn, bn);
        }
        counts[op]++;
    }
    fprintf(stderr,
            "mapdiff2 %s: %u updates, %u deletes, %u lookups, %u lookup_and_delete, %u get_next_key: 0 mismatches\n",
            c->name, counts[0], counts[1], counts[2], counts[3], counts[4]);
    close(kfd);
    bpfrt_map__free(b);
}

Test(mapdiff2, redirect_and_other_maps)
{
    static const struct errno_case cases[] = {
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, "devmap/4", 0, 1},
        {BPF_MAP_TYPE_DEVMAP, 4, 8, 4, "devmap/8", 0, 1},
        {BPF_MAP_TYPE_DEVMAP_HASH, 4, 8, 4, "devmap_hash", 1, 1},
        {BPF_MAP_TYPE_CPUMAP, 4, 8, 4, "cpumap", 0, 1},
        {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, "xskmap", 0, 1},
        {BPF_MAP_TYPE_STACK_TRACE, 4, 16, 4, "stack_trace", 0, 1},
        {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, "cgroup_array", 0, 0},
        {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, "perf_event_array", 0, 0},
    };

    NEED_KERNEL();
    seed_init("redirect_and_other_maps");
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        errno_diff(&cases[i]);
}

Test(mapdiff2, ringbuf_commands)
{
    uint64_t v = 0;
    struct bpfrt_map *b;
    int kfd;

    NEED_KERNEL();
    kfd = kmap(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, 0);
    cr_assert_geq(kfd, 0);
    cr_assert_eq(bmap(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, NULL, &b), 0);
    int r[5][2] = {
        {bpfrt_map__lookup_elem(b, NULL, 0, &v, 0, 0), kerr(bpf_map_lookup_elem(kfd, NULL, &v))},
        {bpfrt_map__update_elem(b, NULL, 0, &v, 0, 0), kerr(bpf_map_update_elem(kfd, NULL, &v, 0))},
        {bpfrt_map__delete_elem(b, NULL, 0, 0), kerr(bpf_map_delete_elem(kfd, NULL))},
        {bpfrt_map__get_next_key(b, NULL, &v, 0), kerr(bpf_map_get_next_key(kfd, NULL, &v))},
        {bpfrt_map__lookup_and_delete_elem(b, NULL, 0, &v, 0, 0), kerr(bpf_map_lookup_and_delete_elem(kfd, NULL, &v))},
    };
    static const char *const cmd[5] = {"lookup", "update", "delete", "get_next_key", "lookup_and_delete"};
    for (int i = 0; i < 5; i++)
        cr_expect_eq(r[i][0], r[i][1], "ringbuf %s: kernel %d bpfrt %d", cmd[i], r[i][1], r[i][0]);
    close(kfd);
    bpfrt_map__free(b);
}
