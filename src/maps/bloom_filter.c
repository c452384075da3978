/* bloom_filter.c - BPF_MAP_TYPE_BLOOM_FILTER: push adds a value, peek says
 * "maybe present" (0) or "surely absent" (-ENOENT); never a false negative.
 *
 * As the kernel sizes it: nr_hash_funcs = map_extra (low 4 bits, 0 means 5),
 * a bit array of roundup_pow_of_two(max_entries * nr_hash_funcs / ln 2)
 * bits (at least 64 here), capped at 2^32 bits.  The hash functions are
 * bpfrt's own (seeded; BPF_F_ZERO_SEED makes the seed 0), so which absent
 * values look "maybe present" differs from the kernel's, as it may.
 *
 * Storage: header and bit array in the arena; push sets bits with atomic
 * ORs, peek reads them: neither takes a lock. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "map.h"

#define BLOOM_HDR_OFF 256
#define BLOOM_CREATE_FLAGS                                                                                             \
    (BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define BLOOM_VALUE_MAX (1u << 22) /* kernel: KMALLOC_MAX_SIZE -> -E2BIG */

struct bloom_hdr {
    uint64_t seed;
    uint64_t mask; /* nr_bits - 1 */
    uint32_t nr_hash;
    uint32_t pad;
    uint64_t bits_off;
};

static struct bloom_hdr *bloom_hdr(const struct bpfrt_map *m)
{
    return (struct bloom_hdr *)(m->arena.base + BLOOM_HDR_OFF);
}

static int bloom_check(const struct map_attr *attr, char *log, size_t logsz)
{
    /* kernel bloom_map_alloc_check, then bloom_map_alloc */
    if (attr->value_size > BLOOM_VALUE_MAX)
        return -E2BIG;
    if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0)
        return map_log_inval(log, logsz, "bloom_filter: key_size must be 0, value_size and max_entries > 0");
    if (attr->map_flags & ~BLOOM_CREATE_FLAGS)
        return map_log_inval(log, logsz, "bloom_filter: map_flags 0x%x not accepted", attr->map_flags);
    if ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG))
        return map_log_inval(log, logsz, "bloom_filter: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
    if (attr->map_extra & ~0xfull)
        return map_log_inval(log, logsz, "bloom_filter: map_extra 0x%llx: only the number of hash functions (0..15)",
                             (unsigned long long)attr->map_extra);
    return 0;
}

static int bloom_alloc(struct bpfrt_map *m)
{
    uint32_t nr_hash = (uint32_t)(m->map_extra & 0xf) ? (uint32_t)(m->map_extra & 0xf) : 5;
    uint64_t want = (uint64_t)m->max_entries * nr_hash * 7 / 5, nr_bits = 64;
    uint64_t bits_off = BLOOM_HDR_OFF + 64;
    struct bloom_hdr *h;
    int err;

    if (want > (1ull << 31))
        want = 1ull << 32;
    while (nr_bits < want)
        nr_bits <<= 1;
    err = arena_alloc(&m->arena, bits_off + nr_bits / 8);
    if (err)
        return err;
    h = bloom_hdr(m);
    h->nr_hash = nr_hash;
    h->mask = nr_bits - 1;
    h->bits_off = bits_off;
    if (!(m->map_flags & BPF_F_ZERO_SEED) && getrandom(&h->seed, sizeof(h->seed), 0) != sizeof(h->seed))
        h->seed = (uint64_t)(uintptr_t)h * 0x9e3779b97f4a7c15ull;
    return 0;
}

static void bloom_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

/* Two 64-bit hashes of the value; function i is h1 + i * h2 (double
 * hashing). */
static void bloom_hash(const struct bpfrt_map *m, const void *value, uint64_t *h1, uint64_t *h2)
{
    const uint8_t *p = value;
    uint64_t a = bloom_hdr(m)->seed ^ 0x243f6a8885a308d3ull, b = ~bloom_hdr(m)->seed ^ 0x13198a2e03707344ull;

    for (uint32_t i = 0; i < m->value_size; i++) {
        a = (a ^ p[i]) * 0x100000001b3ull;
        b = (b + p[i]) * 0xff51afd7ed558ccdull;
        b ^= b >> 31;
    }
    a ^= a >> 33;
    a *= 0xc4ceb9fe1a85ec53ull;
    a ^= a >> 29;
    *h1 = a;
    *h2 = b | 1;
}

static long bloom_push(struct bpfrt_map *m, const void *value, uint64_t flags)
{
    struct bloom_hdr *h = bloom_hdr(m);
    uint64_t *bits = (uint64_t *)(m->arena.base + h->bits_off), h1, h2;

    if (flags != BPF_ANY)
        return -EINVAL;
    bloom_hash(m, value, &h1, &h2);
    for (uint32_t i = 0; i < h->nr_hash; i++) {
        uint64_t bit = (h1 + i * h2) & h->mask;
        uint64_t w = bits[bit / 64];
        if (!(w & (1ull << (bit % 64))))
            __atomic_fetch_or(&bits[bit / 64], 1ull << (bit % 64), __ATOMIC_RELAXED);
    }
    return 0;
}

static long bloom_peek(struct bpfrt_map *m, void *value)
{
    struct bloom_hdr *h = bloom_hdr(m);
    uint64_t *bits = (uint64_t *)(m->arena.base + h->bits_off), h1, h2;

    bloom_hash(m, value, &h1, &h2);
    for (uint32_t i = 0; i < h->nr_hash; i++) {
        uint64_t bit = (h1 + i * h2) & h->mask;
        if (!(__atomic_load_n(&bits[bit / 64], __ATOMIC_RELAXED) & (1ull << (bit % 64))))
            return -ENOENT;
    }
    return 0;
}

/* Reached only from user space (BPF_MAP_LOOKUP_AND_DELETE_ELEM, which map.c
 * routes to pop for keyless maps): the kernel answers -ENOTSUPP (524). */
static long bloom_pop(struct bpfrt_map *m, void *value)
{
    (void)m, (void)value;
    return -524;
}

/* Program side lookup/update/delete: the kernel's return NULL /
 * -EINVAL / -EOPNOTSUPP (the verifier allows only push and peek). */
static void *bloom_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL;
}

static long bloom_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    (void)m, (void)key, (void)value, (void)flags, (void)worker;
    return -EINVAL;
}

static long bloom_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return -EOPNOTSUPP;
}

/* User side: LOOKUP = peek (value is the input), UPDATE = push, DELETE and
 * GET_NEXT_KEY -> -EOPNOTSUPP, LOOKUP_AND_DELETE -> -ENOTSUPP (524). */
static int bloom_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)key;
    if (flags)
        return -EINVAL;
    return (int)bloom_peek(m, value);
}

static int bloom_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)key;
    return (int)bloom_push(m, value, flags);
}

static int bloom_sys_delete(struct bpfrt_map *m, const void *key)
{
    (void)m, (void)key;
    return -EOPNOTSUPP;
}

static int bloom_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value;
    if (flags & ~(uint64_t)BPF_F_LOCK)
        return -EINVAL;
    return -524; /* the kernel's ENOTSUPP */
}

static int bloom_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    (void)m, (void)key, (void)next_key;
    return -EOPNOTSUPP;
}

const struct map_ops map_ops_bloom_filter = {
    .check = bloom_check,
    .alloc = bloom_alloc,
    .free = bloom_free,
    .lookup = bloom_lookup,
    .update = bloom_update,
    .delete = bloom_delete,
    .push = bloom_push,
    .pop = bloom_pop,
    .peek = bloom_peek,
    .sys_lookup = bloom_sys_lookup,
    .sys_update = bloom_sys_update,
    .sys_delete = bloom_sys_delete,
    .sys_lookup_and_delete = bloom_sys_lookup_and_delete,
    .get_next_key = bloom_get_next_key,
};
