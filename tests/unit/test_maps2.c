/* test_maps2.c - the map types besides hash/array/LRU through the public
 * API: LPM_TRIE, QUEUE, STACK, PROG_ARRAY, ARRAY_OF_MAPS, HASH_OF_MAPS,
 * BLOOM_FILTER, RINGBUF, PERF_EVENT_ARRAY, DEVMAP(_HASH), CPUMAP, XSKMAP,
 * STACK_TRACE, CGROUP_ARRAY.  Errno values are the kernel's (checked against
 * it in tests/kernel-diff/test_mapdiff2.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "maps/map.h"
#include "maps/perf_event_array.h"
#include "maps/ringbuf.h"

#define ENOTSUPP 524

/* Program ids come from the runtime; tests that need one skip without it. */
uint32_t bpfrt_prog__id(const struct bpfrt_prog *prog) __attribute__((weak));

static struct bpfrt_map *mk(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags)
{
    struct bpfrt_map *m = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = flags};
    int err = bpfrt_map__create(t, "t", ks, vs, max, &o, &m);

    cr_assert_eq(err, 0, "create type %d: %d", t, err);
    return m;
}

static int mk_err(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags, uint64_t extra)
{
    struct bpfrt_map *m = NULL;
    char log[256] = "";
    struct bpfrt_map_create_opts o = {
        .sz = sizeof(o), .map_flags = flags, .map_extra = extra, .log_buf = log, .log_size = sizeof(log)};
    int err = bpfrt_map__create(t, "t", ks, vs, max, &o, &m);

    if (!err)
        bpfrt_map__free(m);
    return err;
}

/* ------------------------------------------------------------- LPM_TRIE */

struct k4 {
    uint32_t plen;
    uint8_t d[4];
};

static struct k4 K(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    struct k4 k = {plen, {a, b, c, d}};
    return k;
}

static int
lpm_put(struct bpfrt_map *m, struct k4 k, uint32_t v, uint64_t fl)
{
    return bpfrt_map__update_elem(m, &k, sizeof(k), &v, 4, fl);
}

static int lpm_get(struct bpfrt_map *m, struct k4 k, uint32_t *v)
{
    return bpfrt_map__lookup_elem(m, &k, sizeof(k), v, 4, 0);
}

Test(maps2, lpm_create_checks)
{
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, 0, 0), -EINVAL, "NO_PREALLOC required");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC, 0), 0);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 4, 4, 16, BPF_F_NO_PREALLOC, 0), -EINVAL, "no data");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 260, 4, 16, BPF_F_NO_PREALLOC, 0), 0);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 261, 4, 16, BPF_F_NO_PREALLOC, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 0, 16, BPF_F_NO_PREALLOC, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, BPF_F_NO_PREALLOC, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC | BPF_F_RDONLY, 0), 0);
}

Test(maps2, lpm_longest_prefix)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC);
    uint32_t v = 0;

    cr_assert_eq(lpm_put(m, K(8, 10, 0, 0, 0), 8, BPF_ANY), 0);
    cr_assert_eq(lpm_put(m, K(16, 10, 1, 0, 0), 16, BPF_ANY), 0);
    cr_assert_eq(lpm_put(m, K(24, 10, 1, 2, 0), 24, BPF_ANY), 0);
    cr_assert_eq(lpm_put(m, K(32, 10, 1, 2, 3), 32, BPF_ANY), 0);
    cr_assert_eq(lpm_put(m, K(0, 0, 0, 0, 0), 99, BPF_ANY), 0);

    cr_assert_eq(lpm_get(m, K(32, 10, 1, 2, 3), &v), 0);
    cr_expect_eq(v, 32);
    cr_assert_eq(lpm_get(m, K(32, 10, 1, 2, 4), &v), 0);
    cr_expect_eq(v, 24);
    cr_assert_eq(lpm_get(m, K(32, 10, 1, 9, 4), &v), 0);
    cr_expect_eq(v, 16);
    cr_assert_eq(lpm_get(m, K(32, 10, 9, 9, 4), &v), 0);
    cr_expect_eq(v, 8);
    cr_assert_eq(lpm_get(m, K(32, 11, 9, 9, 4), &v), 0);
    cr_expect_eq(v, 99, "default route");
    /* The lookup key's own prefixlen limits the match. */
    cr_assert_eq(lpm_get(m, K(20, 10, 1, 2, 3), &v), 0);
    cr_expect_eq(v, 16);
    /* Program side returns a pointer into the map. */
    struct k4 k = K(32, 10, 1, 2, 7);
    uint32_t *p = m->ops->lookup(m, &k, 0);
    cr_assert_not_null(p);
    cr_expect_eq(*p, 24);

    cr_expect_eq(bpfrt_map__delete_elem(m, &(struct k4){0, {0}}, 8, 0), 0);
    cr_expect_eq(lpm_get(m, K(32, 11, 9, 9, 4), &v), -ENOENT);
    cr_expect_eq(bpfrt_map__delete_elem(m, &(struct k4){0, {0}}, 8, 0), -ENOENT);
    bpfrt_map__free(m);
}

Test(maps2, lpm_update_flags_and_errno)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 2, BPF_F_NO_PREALLOC);
    uint32_t v = 0;

    cr_expect_eq(lpm_put(m, K(33, 1, 2, 3, 4), 1, BPF_ANY), -EINVAL, "prefixlen > 32");
    cr_expect_eq(lpm_put(m, K(8, 1, 2, 3, 4), 1, 3), -EINVAL, "unknown flag");
    cr_expect_eq(lpm_put(m, K(8, 1, 2, 3, 4), 1, BPF_EXIST), -ENOENT);
    cr_expect_eq(lpm_put(m, K(8, 1, 2, 3, 4), 1, BPF_NOEXIST), 0);
    cr_expect_eq(lpm_put(m, K(8, 1, 9, 9, 9), 2, BPF_NOEXIST), -EEXIST, "same /8, other host bits");
    cr_expect_eq(lpm_put(m, K(8, 1, 9, 9, 9), 2, BPF_EXIST), 0);
    cr_expect_eq(lpm_put(m, K(16, 1, 2, 3, 4), 3, BPF_ANY), 0);
    cr_expect_eq(lpm_put(m, K(24, 1, 2, 3, 4), 4, BPF_ANY), -ENOSPC, "full");
    cr_expect_eq(lpm_put(m, K(24, 1, 2, 3, 4), 4, BPF_EXIST), -ENOENT, "BPF_EXIST before -ENOSPC");
    cr_expect_eq(lpm_put(m, K(16, 1, 2, 0, 0), 5, BPF_ANY), 0, "replace in a full trie");
    cr_assert_eq(lpm_get(m, K(32, 1, 2, 3, 4), &v), 0);
    cr_expect_eq(v, 5);
    cr_expect_eq(bpfrt_map__delete_elem(m, &(struct k4){33, {0}}, 8, 0), -EINVAL);
    cr_expect_eq(bpfrt_map__delete_elem(m, &(struct k4){24, {1, 2, 3, 0}}, 8, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__delete_elem(m, &(struct k4){8, {1, 0, 0, 0}}, 8, 0), 0);
    cr_expect_eq(lpm_get(m, K(32, 1, 3, 3, 4), &v), -ENOENT);
    bpfrt_map__free(m);
}

Test(maps2, lpm_get_next_key_postorder)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC);
    /* The kernel's documented example, inserted in a scrambled order. */
    struct k4 in[] = {K(16, 192, 168, 0, 0), K(24, 192, 168, 128, 0), K(24, 192, 168, 0, 0), K(24, 192, 168, 1, 0)};
    struct k4 want[] = {K(24, 192, 168, 0, 0), K(24, 192, 168, 1, 0), K(24, 192, 168, 128, 0), K(16, 192, 168, 0, 0)};
    struct k4 cur, next;
    unsigned i = 0;

    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &next, 8), -ENOENT, "empty");
    for (unsigned j = 0; j < 4; j++)
        cr_assert_eq(lpm_put(m, in[j], j, BPF_ANY), 0);
    for (int err = bpfrt_map__get_next_key(m, NULL, &next, 8); !err; err = bpfrt_map__get_next_key(m, &cur, &next, 8)) {
        cr_assert_lt(i, 4);
        cr_expect_eq(memcmp(&next, &want[i], 8), 0, "key %u: /%u %u.%u.%u.%u", i, next.plen, next.d[0], next.d[1],
                     next.d[2], next.d[3]);
        cur = next;
        i++;
    }
    cr_expect_eq(i, 4);
    /* A key not in the trie restarts at the first. */
    cur = K(24, 10, 0, 0, 0);
    cr_assert_eq(bpfrt_map__get_next_key(m, &cur, &next, 8), 0);
    cr_expect_eq(memcmp(&next, &want[0], 8), 0);
    bpfrt_map__free(m);
}

Test(maps2, lpm_random_against_model)
{
    /* A linear-scan model of longest-prefix match over 16-bit data. */
    enum { N = 64 };
    struct {
        int used;
        uint32_t plen;
        uint8_t d[2];
        uint32_t v;
    } model[N] = {0};
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 6, 4, N, BPF_F_NO_PREALLOC);
    unsigned seed = 12345, checks = 0;

    for (int it = 0; it < 20000; it++) {
        struct {
            uint32_t plen;
            uint8_t d[2];
        } __attribute__((packed)) k;
        int op = rand_r(&seed) % 3, slot = -1;
        uint32_t v = (uint32_t)rand_r(&seed);

        k.plen = (uint32_t)rand_r(&seed) % 17;
        k.d[0] = (uint8_t)(rand_r(&seed) & 0xf0);
        k.d[1] = (uint8_t)rand_r(&seed);
        for (int i = 0; i < N; i++) {
            uint32_t a = (uint32_t)model[i].d[0] << 8 | model[i].d[1], b = (uint32_t)k.d[0] << 8 | k.d[1];
            uint32_t mask = model[i].plen ? 0xffffu << (16 - model[i].plen) & 0xffff : 0;
            if (model[i].used && model[i].plen == k.plen && (a & mask) == (b & mask))
                slot = i;
        }
        if (op == 0) {
            int err = bpfrt_map__update_elem(m, &k, 6, &v, 4, BPF_ANY);
            if (slot >= 0) {
                cr_assert_eq(err, 0);
                model[slot].v = v;
                memcpy(model[slot].d, k.d, 2);
            } else {
                int free_slot = -1;
                for (int i = 0; i < N; i++)
                    if (!model[i].used)
                        free_slot = i;
                cr_assert_eq(err, free_slot < 0 ? -ENOSPC : 0, "it %d", it);
                if (free_slot >= 0) {
                    model[free_slot].used = 1;
                    model[free_slot].plen = k.plen;
                    memcpy(model[free_slot].d, k.d, 2);
                    model[free_slot].v = v;
                }
            }
        } else if (op == 1) {
            int err = bpfrt_map__delete_elem(m, &k, 6, 0);
            cr_assert_eq(err, slot >= 0 ? 0 : -ENOENT, "it %d", it);
            if (slot >= 0)
                model[slot].used = 0;
        } else {
            int best = -1, err;
            uint32_t got = 0, b = (uint32_t)k.d[0] << 8 | k.d[1];
            k.plen = 16;
            for (int i = 0; i < N; i++) {
                uint32_t a = (uint32_t)model[i].d[0] << 8 | model[i].d[1];
                uint32_t mask = model[i].plen ? 0xffffu << (16 - model[i].plen) & 0xffff : 0;
                if (model[i].used && (a & mask) == (b & mask) && (best < 0 || model[i].plen > model[best].plen))
                    best = i;
            }
            err = bpfrt_map__lookup_elem(m, &k, 6, &got, 4, 0);
            cr_assert_eq(err, best < 0 ? -ENOENT : 0, "it %d", it);
            if (best >= 0)
                cr_assert_eq(got, model[best].v, "it %d", it);
            checks++;
        }
    }
    cr_expect_gt(checks, 1000);
    bpfrt_map__free(m);
}

/* Longest-prefix match for every data size class the lookup has a path
 * for (data_size <= 8: one word; larger: 8/4/2/1-byte chunks), prefixes of
 * every length 0..max crossing chunk boundaries, lookup keys of every
 * prefix length, against a bit-at-a-time linear-scan reference. */
static int lpm_ref_bits_equal(const uint8_t *a, const uint8_t *b, uint32_t nbits)
{
    for (uint32_t i = 0; i < nbits; i++)
        if (((a[i / 8] >> (7 - i % 8)) ^ (b[i / 8] >> (7 - i % 8))) & 1)
            return 0;
    return 1;
}

Test(maps2, lpm_data_sizes_against_reference)
{
    static const uint32_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33};
    enum { N = 48, DMAX = 33 };
    unsigned seed = 4242;

    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        uint32_t ds = sizes[si], maxp = ds * 8, checks = 0;
        struct {
            int used;
            uint32_t plen, v;
            uint8_t d[DMAX];
        } model[N];
        uint8_t base[4][DMAX];
        uint8_t key[4 + DMAX];
        struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 4 + ds, 4, N, BPF_F_NO_PREALLOC);

        memset(model, 0, sizeof(model));
        for (int b = 0; b < 4; b++)
            for (uint32_t i = 0; i < ds; i++)
                base[b][i] = (uint8_t)rand_r(&seed);
        for (int it = 0; it < 6000; it++) {
            int op = rand_r(&seed) % 4, slot = -1;
            uint32_t plen = (uint32_t)rand_r(&seed) % (maxp + 1), v = (uint32_t)rand_r(&seed);
            uint32_t flip = (uint32_t)rand_r(&seed) % (maxp + 1);
            uint8_t *d = key + 4;

            /* A base pattern with random bits from bit `flip` on, so that
             * prefixes share long runs and diverge anywhere. */
            memcpy(d, base[rand_r(&seed) % 4], ds);
            for (uint32_t i = flip; i < maxp; i++)
                if (rand_r(&seed) & 1)
                    d[i / 8] ^= (uint8_t)(0x80 >> i % 8);
            memcpy(key, &plen, 4);
            for (int i = 0; i < N; i++)
                if (model[i].used && model[i].plen == plen && lpm_ref_bits_equal(model[i].d, d, plen))
                    slot = i;
            if (op == 0) {
                int err = bpfrt_map__update_elem(m, key, 4 + ds, &v, 4, BPF_ANY), free_slot = -1;
                for (int i = 0; i < N; i++)
                    if (!model[i].used)
                        free_slot = i;
                if (slot < 0 && free_slot < 0) {
                    cr_assert_eq(err, -ENOSPC, "ds %u it %d", ds, it);
                    continue;
                }
                cr_assert_eq(err, 0, "ds %u it %d", ds, it);
                if (slot < 0)
                    slot = free_slot;
                model[slot].used = 1;
                model[slot].plen = plen;
                model[slot].v = v;
                memcpy(model[slot].d, d, ds);
            } else if (op == 1) {
                cr_assert_eq(bpfrt_map__delete_elem(m, key, 4 + ds, 0), slot >= 0 ? 0 : -ENOENT, "ds %u it %d", ds,
                             it);
                if (slot >= 0)
                    model[slot].used = 0;
            } else {
                int best = -1;
                uint32_t got = 0, *p;

                for (int i = 0; i < N; i++)
                    if (model[i].used && model[i].plen <= plen && lpm_ref_bits_equal(model[i].d, d, model[i].plen) &&
                        (best < 0 || model[i].plen > model[best].plen))
                        best = i;
                cr_assert_eq(bpfrt_map__lookup_elem(m, key, 4 + ds, &got, 4, 0), best < 0 ? -ENOENT : 0,
                             "ds %u it %d plen %u", ds, it, plen);
                p = m->ops->lookup(m, key, 0);
                cr_assert_eq(p != NULL, best >= 0, "ds %u it %d", ds, it);
                if (best >= 0) {
                    cr_assert_eq(got, model[best].v, "ds %u it %d plen %u", ds, it, plen);
                    cr_assert_eq(*p, model[best].v, "ds %u it %d", ds, it);
                }
                checks++;
            }
        }
        /* A prefix length past the data: no match. */
        {
            uint32_t past = maxp + 1, got;
            memcpy(key, &past, 4);
            cr_expect_eq(bpfrt_map__lookup_elem(m, key, 4 + ds, &got, 4, 0), -ENOENT);
        }
        cr_expect_gt(checks, 2000, "ds %u", ds);
        bpfrt_map__free(m);
    }
}

/* Readers walk while a writer churns: no crash, every hit is a value the
 * writer stored for a matching prefix. */
static void *lpm_churn(void *arg)
{
    struct bpfrt_map *m = arg;
    unsigned seed = 7;

    for (int i = 0; i < 20000; i++) {
        struct k4 k = K((uint32_t)(rand_r(&seed) % 3) * 8 + 8, 10, (uint8_t)(rand_r(&seed) % 4), 0, 0);
        uint32_t v = k.plen;
        if (rand_r(&seed) & 1)
            bpfrt_map__update_elem(m, &k, 8, &v, 4, BPF_ANY);
        else
            bpfrt_map__delete_elem(m, &k, 8, 0);
    }
    return NULL;
}

Test(maps2, lpm_concurrent_readers)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC);
    pthread_t t;

    cr_assert_eq(pthread_create(&t, NULL, lpm_churn, m), 0);
    for (int i = 0; i < 200000; i++) {
        struct k4 k = K(32, 10, (uint8_t)(i % 4), 1, 1);
        uint32_t *p = m->ops->lookup(m, &k, 0);
        if (p) {
            uint32_t v = __atomic_load_n(p, __ATOMIC_RELAXED);
            cr_assert(v == 8 || v == 16 || v == 24, "value %u", v);
        }
    }
    pthread_join(t, NULL);
    bpfrt_map__free(m);
}

/* ---------------------------------------------------------- QUEUE/STACK */

Test(maps2, queue_stack_create_checks)
{
    cr_expect_eq(mk_err(BPF_MAP_TYPE_QUEUE, 0, 4, 4, 0, 0), 0);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_QUEUE, 4, 4, 4, 0, 0), -EINVAL, "key_size must be 0");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_QUEUE, 0, 0, 4, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_QUEUE, 0, 4, 0, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK, 0, 4, 4, BPF_F_NO_PREALLOC, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK, 0, 4, 4, BPF_F_ZERO_SEED, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK, 0, 4, 4, BPF_F_RDONLY_PROG, 0), 0);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK, 0, 4, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0), -EINVAL);
}

static void qs_basic(enum bpf_map_type t)
{
    struct bpfrt_map *m = mk(t, 0, 8, 3, 0);
    uint64_t v, k = 0;
    int q = t == BPF_MAP_TYPE_QUEUE;

    cr_expect_eq(bpfrt_map__lookup_elem(m, NULL, 0, &v, 8, 0), -ENOENT, "peek empty");
    cr_expect_eq(bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, 0), -ENOENT, "pop empty");
    for (v = 1; v <= 3; v++)
        cr_assert_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_ANY), 0);
    v = 4;
    cr_expect_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_ANY), -E2BIG, "full");
    cr_expect_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_NOEXIST), -EINVAL);
    cr_expect_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, 4), -EINVAL);
    cr_expect_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_EXIST), 0, "overwrites the oldest");
    /* queue: 2 3 4; stack (bottom..top): 2 3 4 */
    cr_assert_eq(bpfrt_map__lookup_elem(m, NULL, 0, &v, 8, 0), 0);
    cr_expect_eq(v, q ? 2 : 4, "peek");
    cr_expect_eq(bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, BPF_EXIST), -EINVAL, "pop flags");
    uint64_t want_q[] = {2, 3, 4}, want_s[] = {4, 3, 2};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, 0), 0);
        cr_expect_eq(v, q ? want_q[i] : want_s[i]);
    }
    cr_expect_eq(bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__delete_elem(m, NULL, 0, 0), -EINVAL);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &k, 0), -EINVAL);
    /* Program side: push/pop/peek ops. */
    v = 42;
    cr_expect_eq(m->ops->push(m, &v, BPF_ANY), 0);
    v = 0;
    cr_expect_eq(m->ops->peek(m, &v), 0);
    cr_expect_eq(v, 42);
    cr_expect_eq(m->ops->pop(m, &v), 0);
    cr_expect_eq(m->ops->pop(m, &v), -ENOENT);
    bpfrt_map__free(m);
}

Test(maps2, queue_fifo)
{
    qs_basic(BPF_MAP_TYPE_QUEUE);
}

Test(maps2, stack_lifo)
{
    qs_basic(BPF_MAP_TYPE_STACK);
}

static void *qs_pusher(void *arg)
{
    struct bpfrt_map *m = arg;

    for (uint64_t i = 1; i <= 50000; i++)
        while (m->ops->push(m, &i, BPF_ANY) == -E2BIG)
            ;
    return NULL;
}

Test(maps2, queue_threads_keep_order)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_QUEUE, 0, 8, 64, 0);
    uint64_t want = 1, v, peeked;
    pthread_t t;

    cr_assert_eq(pthread_create(&t, NULL, qs_pusher, m), 0);
    while (want <= 50000) {
        if (m->ops->peek(m, &peeked) == 0)
            cr_assert_geq(peeked, want);
        if (m->ops->pop(m, &v) == 0) {
            cr_assert_eq(v, want);
            want++;
        }
    }
    pthread_join(t, NULL);
    bpfrt_map__free(m);
}

/* ------------------------------------------------- PROG_ARRAY, map-in-map */

Test(maps2, fd_array_create_checks)
{
    struct bpfrt_map *inner = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 4, 0);
    struct bpfrt_map *m = NULL, *mim = NULL, *pa = mk(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .inner_map = inner};

    cr_expect_eq(mk_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 4, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, BPF_F_PRESERVE_ELEMS, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 0), -EINVAL, "no inner map");
    cr_expect_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 4, &o, &m), 0);
    cr_expect_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "o", 0, 4, 4, &o, &mim), -EINVAL, "key_size 0");
    o.inner_map = m;
    cr_expect_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "o", 4, 4, 4, &o, &mim), -EINVAL, "two levels");
    o.inner_map = pa;
    cr_expect_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "o", 4, 4, 4, &o, &mim), -ENOTSUPP, "prog array");
    bpfrt_map__free(m);
    bpfrt_map__free(pa);
    bpfrt_map__free(inner);
}

Test(maps2, array_of_maps_ops)
{
    struct bpfrt_map *proto = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0);
    struct bpfrt_map *same = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 99, 0); /* max_entries may differ (not an array) */
    struct bpfrt_map *other = mk(BPF_MAP_TYPE_STACK, 0, 4, 8, 0);
    struct bpfrt_map *m = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .inner_map = proto};
    uint32_t k = 1, id = bpfrt_map__id(same), bad = 0x7ffffff0, out = 0, next;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 4, &o, &m), 0);
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &out, 4, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &id, 4, BPF_NOEXIST), -EINVAL, "only BPF_ANY");
    k = 4;
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &id, 4, BPF_ANY), -E2BIG);
    k = 1;
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &bad, 4, BPF_ANY), -EBADF);
    uint32_t oid = bpfrt_map__id(other);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &oid, 4, BPF_ANY), -EINVAL, "incompatible");
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &id, 4, BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &out, 4, 0), 0);
    cr_expect_eq(out, id, "user space reads the id");
    cr_expect_eq(m->ops->lookup(m, &k, 0), same, "program side gets the map");
    cr_expect_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &out, 4, 0), -ENOTSUPP);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &next, 4), 0);
    cr_expect_eq(next, 0);
    k = 3;
    cr_expect_eq(bpfrt_map__get_next_key(m, &k, &next, 4), -ENOENT);
    k = 1;
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -ENOENT);
    k = 9;
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -E2BIG);
    bpfrt_map__free(m);
    bpfrt_map__free(proto);
    bpfrt_map__free(same);
    bpfrt_map__free(other);
}

Test(maps2, array_of_arrays_max_entries)
{
    struct bpfrt_map *p4 = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC);
    struct bpfrt_map *p8 = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 8, BPF_F_NO_PREALLOC);
    struct bpfrt_map *pflags = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG);
    struct bpfrt_map *prdonly = mk(BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC | BPF_F_RDONLY);
    struct bpfrt_map *m = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .inner_map = p4};
    uint32_t k = 0, id8 = bpfrt_map__id(p8), idf = bpfrt_map__id(pflags);

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4, 2, &o, &m), 0);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &id8, 4, BPF_ANY), 0, "not an array: max_entries free");
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &idf, 4, BPF_ANY), -EINVAL, "map_flags must match");
    uint32_t idr = bpfrt_map__id(prdonly);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &idr, 4, BPF_ANY), 0, "BPF_F_RDONLY is the fd's, not compared");
    bpfrt_map__free(prdonly);
    bpfrt_map__free(m);
    bpfrt_map__free(p4);
    bpfrt_map__free(p8);
    bpfrt_map__free(pflags);
}

Test(maps2, hash_of_maps_ops)
{
    struct bpfrt_map *proto = mk(BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0);
    struct bpfrt_map *m = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .inner_map = proto};
    uint64_t k = 5, next = 0;
    uint32_t id = bpfrt_map__id(proto), out = 0, bad = 0x7ffffff0, seen = 0;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "h", 8, 4, 3, &o, &m), 0);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &id, 4, BPF_EXIST), -ENOENT);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &bad, 4, BPF_F_LOCK), -EINVAL, "BPF_F_LOCK checked first");
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &bad, 4, 3), -EBADF, "then the id, then other flags");
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &bad, 4, BPF_ANY), -EBADF);
    for (k = 1; k <= 3; k++)
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 8, &id, 4, BPF_NOEXIST), 0);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &id, 4, BPF_ANY), -E2BIG, "full");
    k = 2;
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &id, 4, BPF_NOEXIST), -EEXIST);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 8, &id, 4, BPF_EXIST), 0, "replace when full");
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 8, &out, 4, 0), 0);
    cr_expect_eq(out, id);
    cr_expect_eq(m->ops->lookup(m, &k, 0), proto);
    for (int err = bpfrt_map__get_next_key(m, NULL, &next, 8); !err; err = bpfrt_map__get_next_key(m, &k, &next, 8)) {
        cr_assert(next >= 1 && next <= 3);
        seen |= 1u << next;
        k = next;
    }
    cr_expect_eq(seen, 0xe, "every key once");
    k = 2;
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 8, 0), 0);
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 8, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 8, &out, 4, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 8, &out, 4, 0), -ENOTSUPP);
    bpfrt_map__free(m);
    bpfrt_map__free(proto);
}

Test(maps2, prog_array_ops)
{
    struct bpf_insn ret0[] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
                              {.code = BPF_JMP | BPF_EXIT}};
    struct bpfrt_prog_load_opts xo = {.sz = sizeof(xo), .type = BPF_PROG_TYPE_XDP};
    struct bpfrt_prog_load_opts so = {.sz = sizeof(so), .type = BPF_PROG_TYPE_SOCKET_FILTER};
    struct bpfrt_prog *x = NULL, *s = NULL;
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
    uint32_t k = 0, xid, sid, out = 0, bad = 0x7ffffff0;

    if (!bpfrt_prog__id)
        cr_skip_test("bpfrt_prog__id() not available yet (runtime ids)");
    cr_assert_eq(bpfrt_prog__load_insns(ret0, 2, &xo, &x), 0);
    cr_assert_eq(bpfrt_prog__load_insns(ret0, 2, &so, &s), 0);
    xid = bpfrt_prog__id(x);
    sid = bpfrt_prog__id(s);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &bad, 4, BPF_ANY), -EBADF);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &xid, 4, BPF_ANY), 0);
    k = 1;
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &sid, 4, BPF_ANY), -EINVAL, "owner type is XDP");
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &out, 4, 0), -ENOENT);
    k = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &out, 4, 0), 0);
    cr_expect_eq(out, xid);
    cr_expect_eq(m->ops->lookup(m, &k, 0), x, "tail calls resolve the program");
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &sid, 4, BPF_ANY), -EINVAL, "the owner stays");
    bpfrt_map__free(m);
    bpfrt_prog__free(x);
    bpfrt_prog__free(s);
}

/* --------------------------------------------------------- BLOOM_FILTER */

Test(maps2, bloom_no_false_negatives)
{
    struct bpfrt_map *m = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_extra = 3};
    unsigned absent_rejected = 0;

    cr_expect_eq(mk_err(BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 16, 0, 0), -EINVAL, "key_size must be 0");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16, 0, 16), -EINVAL, "map_extra > 15");
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_BLOOM_FILTER, "b", 0, 8, 1000, &o, &m), 0);
    for (uint64_t v = 0; v < 1000; v++)
        cr_assert_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_ANY), 0);
    for (uint64_t v = 0; v < 1000; v++)
        cr_assert_eq(bpfrt_map__lookup_elem(m, NULL, 0, &v, 8, 0), 0, "false negative for %llu", (unsigned long long)v);
    for (uint64_t v = 1000000; v < 1010000; v++)
        absent_rejected += bpfrt_map__lookup_elem(m, NULL, 0, &v, 8, 0) == -ENOENT;
    cr_expect_gt(absent_rejected, 8000, "false positive rate too high: %u/10000 rejected", absent_rejected);
    uint64_t v = 1;
    cr_expect_eq(bpfrt_map__update_elem(m, NULL, 0, &v, 8, BPF_NOEXIST), -EINVAL);
    cr_expect_eq(m->ops->peek(m, &v), 0);
    bpfrt_map__free(m);
}

/* -------------------------------------------------------------- RINGBUF */

struct rb_seen {
    unsigned n;
    uint32_t last;
    size_t bytes;
};

static int rb_cb(void *ctx, void *data, size_t size)
{
    struct rb_seen *s = ctx;

    cr_assert_geq(size, 4);
    memcpy(&s->last, data, 4);
    cr_assert_eq(s->last, s->n, "records in order");
    s->n++;
    s->bytes += size;
    return 0;
}

Test(maps2, ringbuf_produce_consume)
{
    struct bpfrt_map *m = NULL;
    struct rb_seen seen = {0};
    uint32_t produced = 0;

    cr_expect_eq(mk_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 * 3, 0, 0), -EINVAL, "not a power of 2");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, 0), -EINVAL, "not a page multiple");
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL, &m), 0);
    cr_expect_null(map_ringbuf_reserve(m, 8, 1), "flags must be 0");
    cr_expect_null(map_ringbuf_reserve(m, 4096, 0), "larger than the ring");
    cr_expect_eq(map_ringbuf_output(m, &produced, 4, 4), -EINVAL);
    cr_expect_eq(map_ringbuf_query(m, BPF_RB_RING_SIZE), 4096);
    /* Fill, discard some, consume; many rounds so records wrap. */
    for (int round = 0; round < 50; round++) {
        for (;;) {
            uint32_t *p = map_ringbuf_reserve(m, 4 + (produced % 37), 0);
            if (!p)
                break;
            *p = produced;
            if (produced % 5 == 4) {
                map_ringbuf_discard(p, BPF_RB_NO_WAKEUP);
                uint32_t *q = map_ringbuf_reserve(m, 4, 0);
                if (!q)
                    break;
                *q = produced;
                map_ringbuf_submit(q, 0);
            } else {
                map_ringbuf_submit(p, 0);
            }
            produced++;
        }
        cr_expect_gt(map_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
        cr_assert_geq(map_ringbuf_consume(m, rb_cb, &seen), 1);
        cr_expect_eq(map_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
    }
    cr_expect_eq(seen.n, produced);
    cr_expect_gt(map_ringbuf_take_wakeups(m), 0);
    /* A reserved record blocks the consumer until submitted. */
    uint32_t *a = map_ringbuf_reserve(m, 4, 0), *b = map_ringbuf_reserve(m, 4, 0);
    cr_assert(a && b);
    *a = seen.n;
    *b = seen.n + 1;
    map_ringbuf_submit(b, 0);
    cr_expect_eq(map_ringbuf_consume(m, rb_cb, &seen), 0);
    map_ringbuf_submit(a, 0);
    cr_expect_eq(map_ringbuf_consume(m, rb_cb, &seen), 2);
    /* The record header is the kernel's: len then pg_off, before the data. */
    uint8_t *r = map_ringbuf_reserve(m, 12, 0);
    uint32_t len;
    memcpy(&len, r - 8, 4);
    cr_expect_eq(len, 12 | BPF_RINGBUF_BUSY_BIT);
    map_ringbuf_discard(r, 0);
    memcpy(&len, r - 8, 4);
    cr_expect_eq(len, 12 | BPF_RINGBUF_DISCARD_BIT);
    bpfrt_map__free(m);
}

/* ----------------------------------------------------- PERF_EVENT_ARRAY */

struct pe_seen {
    unsigned n;
    uint64_t lost;
    uint32_t size;
};

static void pe_cb(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    struct pe_seen *s = ctx;
    uint32_t v;

    (void)slot;
    memcpy(&v, data, 4);
    cr_assert_eq(v, s->n);
    s->size = size;
    s->n++;
}

static void pe_lost(void *ctx, uint32_t slot, uint64_t lost)
{
    (void)slot;
    ((struct pe_seen *)ctx)->lost += lost;
}

Test(maps2, perf_event_array_output_read)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0);
    struct pe_seen seen = {0};
    uint32_t k = 1, v = 7, n;
    uint8_t big[1000] = {0};

    cr_expect_eq(map_perf_event_array_output(m, 1, 0, &v, 4, NULL, 0), -ENOENT, "slot not open");
    cr_expect_eq(map_perf_event_array_output(m, 9, 0, &v, 4, NULL, 0), -E2BIG);
    cr_expect_eq(map_perf_event_array_output(m, 1ull << 60, 0, &v, 4, NULL, 0), -EINVAL);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 4, BPF_ANY), 0);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &v, 4, BPF_NOEXIST), -EINVAL);
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 4, 0), -524);
    for (n = 0; n < 10000; n++) {
        memcpy(big, &n, 4);
        if (map_perf_event_array_output(m, BPF_F_CURRENT_CPU, 1, big, 100, NULL, 0))
            break;
    }
    cr_expect_lt(n, 10000, "the ring fills");
    cr_expect_eq(map_perf_event_array_output(m, 1, 0, big, 100, NULL, 0), -ENOSPC);
    cr_expect_eq(map_perf_event_array_read(m, 1, pe_cb, pe_lost, &seen), (int)n);
    cr_expect_eq(seen.n, n);
    cr_expect_geq(seen.lost, 2);
    cr_expect_eq((seen.size + 4) % 8, 0, "raw size pads the record to 8 bytes");
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -ENOENT);
    cr_expect_eq(map_perf_event_array_read(m, 1, pe_cb, pe_lost, &seen), -ENOENT);
    bpfrt_map__free(m);
}

/* ----------------------------------------------- DEVMAP, CPUMAP, XSKMAP */

Test(maps2, devmap_cpumap_xskmap)
{
    struct bpfrt_map *d = mk(BPF_MAP_TYPE_DEVMAP, 4, 8, 4, 0), *dh = mk(BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 2, 0);
    struct bpfrt_map *x = mk(BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0), *c = NULL;
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .nr_workers = 2};
    uint32_t k = 1, out[2] = {0};
    uint32_t val[2] = {3, 0};

    cr_assert_eq(bpfrt_map__update_elem(d, &k, 4, val, 8, BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(d, &k, 4, out, 8, 0), 0);
    cr_expect_eq(out[0], 3, "ifindex stored");
    cr_expect_eq(*(uint32_t *)d->ops->lookup(d, &k, 0), 3);
    cr_expect_eq(bpfrt_map__update_elem(d, &k, 4, val, 8, BPF_NOEXIST), -EEXIST);
    val[0] = 0;
    cr_expect_eq(bpfrt_map__update_elem(d, &k, 4, val, 8, BPF_ANY), 0, "ifindex 0 empties");
    cr_expect_eq(bpfrt_map__lookup_elem(d, &k, 4, out, 8, 0), -ENOENT);
    k = 4;
    cr_expect_eq(bpfrt_map__delete_elem(d, &k, 4, 0), -EINVAL);

    k = 100;
    val[0] = 2;
    cr_expect_eq(bpfrt_map__update_elem(dh, &k, 4, val, 4, BPF_EXIST), 0, "devmap_hash: EXIST inserts");
    k = 101;
    cr_expect_eq(bpfrt_map__update_elem(dh, &k, 4, val, 4, BPF_ANY), 0);
    k = 102;
    cr_expect_eq(bpfrt_map__update_elem(dh, &k, 4, val, 4, BPF_ANY), -E2BIG);
    cr_expect_eq(bpfrt_map__delete_elem(dh, &k, 4, 0), -ENOENT);

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_CPUMAP, "c", 4, 4, 8, &o, &c), 0);
    k = 1;
    val[0] = 100;
    cr_expect_eq(bpfrt_map__update_elem(c, &k, 4, val, 4, BPF_ANY), 0);
    val[0] = 16385;
    cr_expect_eq(bpfrt_map__update_elem(c, &k, 4, val, 4, BPF_ANY), -EOVERFLOW);
    k = 5;
    val[0] = 100;
    cr_expect_eq(bpfrt_map__update_elem(c, &k, 4, val, 4, BPF_ANY), -ENODEV, "worker 5 of 2");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_CPUMAP, 4, 4, 257, 0, 0), -E2BIG);

    k = 0;
    cr_expect_eq(bpfrt_map__update_elem(x, &k, 4, val, 4, BPF_ANY), -ENOTSOCK);
    cr_expect_eq(bpfrt_map__lookup_elem(x, &k, 4, out, 4, 0), -EOPNOTSUPP);
    cr_expect_eq(bpfrt_map__delete_elem(x, &k, 4, 0), 0);
    bpfrt_map__free(d);
    bpfrt_map__free(dh);
    bpfrt_map__free(x);
    bpfrt_map__free(c);
}

/* ---------------------------------------------- STACK_TRACE, CGROUP_ARRAY */

long map_stack_trace_store(struct bpfrt_map *m, const void *frames, uint32_t nr, uint64_t flags);

Test(maps2, stack_trace_and_cgroup_array)
{
    struct bpfrt_map *s = mk(BPF_MAP_TYPE_STACK_TRACE, 4, 32, 64, 0), *cg = mk(BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0);
    uint64_t ips[2] = {0x1000, 0x2000}, out[4];
    uint32_t id, next, k = 0, v = 0;
    long r;

    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK_TRACE, 4, 12, 4, 0, 0), -EINVAL);
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK_TRACE, 4, 1024, 4, 0, 0), -EINVAL, "over 127 frames");
    cr_expect_eq(mk_err(BPF_MAP_TYPE_STACK_TRACE, 4, 1024, 4, BPF_F_STACK_BUILD_ID, 0), 0);
    cr_expect_eq(bpfrt_map__get_next_key(s, NULL, &next, 4), -ENOENT);
    r = map_stack_trace_store(s, ips, 2, 0);
    cr_assert_geq(r, 0);
    id = (uint32_t)r;
    cr_expect_eq(map_stack_trace_store(s, ips, 2, 0), r, "same stack, same id");
    cr_assert_eq(bpfrt_map__lookup_elem(s, &id, 4, out, 32, 0), 0);
    cr_expect(out[0] == 0x1000 && out[1] == 0x2000 && out[2] == 0 && out[3] == 0, "frames, zero padded");
    cr_expect_eq(bpfrt_map__update_elem(s, &id, 4, out, 32, BPF_ANY), -EINVAL);
    cr_assert_eq(bpfrt_map__get_next_key(s, NULL, &next, 4), 0);
    cr_expect_eq(next, id);
    cr_expect_eq(bpfrt_map__delete_elem(s, &id, 4, 0), 0);
    cr_expect_eq(bpfrt_map__delete_elem(s, &id, 4, 0), -ENOENT);
    id = 64;
    cr_expect_eq(bpfrt_map__delete_elem(s, &id, 4, 0), -E2BIG);

    cr_expect_eq(bpfrt_map__update_elem(cg, &k, 4, &v, 4, BPF_ANY), -EBADF, "no cgroups in bpfrt");
    cr_expect_eq(bpfrt_map__lookup_elem(cg, &k, 4, &v, 4, 0), -524);
    cr_expect_eq(bpfrt_map__delete_elem(cg, &k, 4, 0), -ENOENT);
    bpfrt_map__free(s);
    bpfrt_map__free(cg);
}
