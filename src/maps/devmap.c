/* devmap.c - redirect targets: BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH,
 * BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP.
 *
 * Values are the kernel's: struct bpf_devmap_val { u32 ifindex; prog } and
 * struct bpf_cpumap_val { u32 qsize; prog } (value_size 4: without the
 * program part, 8: with it).  bpfrt stores the value as given (a program
 * "fd" is a bpfrt program id) and reads it back as the kernel does (the
 * program's id); redirect semantics come with the redirect helpers, which
 * use the program-side lookup (a pointer to the stored value).
 *
 * Errno, as kernel 6.18 answers (tests/kernel-diff/test_mapdiff2.c):
 *   DEVMAP update: flags > BPF_EXIST -EINVAL, key >= max -E2BIG,
 *     BPF_NOEXIST -EEXIST (always), ifindex 0 clears the slot (with a program
 *     -EINVAL); delete: key >= max -EINVAL, else 0.
 *   DEVMAP_HASH: flags > BPF_EXIST -EINVAL, ifindex 0 -EINVAL, present +
 *     NOEXIST -EEXIST, bad program -EINVAL, full -E2BIG; delete absent
 *     -ENOENT.
 *   CPUMAP update: as DEVMAP, then qsize > 16384 -EOVERFLOW, key >= workers
 *     -ENODEV, qsize 0 clears, a bad program -ENOMEM (the kernel cannot
 *     build the entry); create max_entries > 256 -E2BIG (the reference
 *     kernel's CONFIG_NR_CPUS).
 *   XSKMAP: no AF_XDP sockets in bpfrt: every update is -ENOTSOCK (the
 *     kernel's answer for an fd that is not a socket); lookup from user
 *     space -EOPNOTSUPP; delete key >= max -EINVAL, else 0.
 * Known difference: the kernel checks that ifindex names a device
 * (-EINVAL); bpfrt's devices are its own (pcap, later live ports), so any
 * ifindex > 0 is stored.  A program (prog fd/id > 0) is refused with -EINVAL
 * until program ids exist. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "map.h"

#define DEV_HDR_OFF 256
#define DEV_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define CPUMAP_NR_CPUS 256     /* CONFIG_NR_CPUS of the reference kernel */
#define CPUMAP_QSIZE_MAX 16384 /* kernel: 16 * 1024 */

/* A slot: used flag, then the value (8 bytes at most). */
struct dev_slot {
    uint32_t used;
    uint32_t key; /* DEVMAP_HASH */
    uint8_t val[8];
    map_off_t next; /* DEVMAP_HASH chain */
    map_off_t next_free;
};

struct dev_hdr {
    pthread_mutex_t lock;
    uint32_t n_buckets, items;
    uint64_t seed;
    map_off_t buckets_off, slots_off;
    map_off_t free_head, free_tail;
};

#define DEV_SLACK 8
#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static struct dev_hdr *dev_hdr(const struct bpfrt_map *m)
{
    return (struct dev_hdr *)(m->arena.base + DEV_HDR_OFF);
}

static struct dev_slot *dev_slot_at(const struct bpfrt_map *m, map_off_t off)
{
    return off && off < m->arena.size ? (struct dev_slot *)(m->arena.base + off) : NULL;
}

static struct dev_slot *dev_slot(const struct bpfrt_map *m, uint32_t i)
{
    return (struct dev_slot *)(m->arena.base + dev_hdr(m)->slots_off) + i;
}

static void dev_lock(struct dev_hdr *h)
{
    if (pthread_mutex_lock(&h->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&h->lock);
}

static void dev_unlock(struct dev_hdr *h)
{
    pthread_mutex_unlock(&h->lock);
}

static int dev_check(const struct map_attr *attr, char *log, size_t logsz)
{
    const char *t = attr->type == BPF_MAP_TYPE_CPUMAP        ? "cpumap"
                    : attr->type == BPF_MAP_TYPE_XSKMAP      ? "xskmap"
                    : attr->type == BPF_MAP_TYPE_DEVMAP_HASH ? "devmap_hash"
                                                             : "devmap";
    int vs_ok =
        attr->type == BPF_MAP_TYPE_XSKMAP ? attr->value_size == 4 : attr->value_size == 4 || attr->value_size == 8;

    if (attr->max_entries == 0 || attr->key_size != 4 || !vs_ok)
        return map_log_inval(log, logsz, "%s: key_size 4, value_size %s and max_entries > 0 required", t,
                             attr->type == BPF_MAP_TYPE_XSKMAP ? "4" : "4 or 8");
    if (attr->type == BPF_MAP_TYPE_CPUMAP) {
        if (attr->map_flags & ~BPF_F_NUMA_NODE)
            return map_log_inval(log, logsz, "cpumap: map_flags 0x%x not accepted", attr->map_flags);
        if (attr->max_entries > CPUMAP_NR_CPUS)
            return -E2BIG;
    } else if (attr->map_flags & ~DEV_FLAGS) {
        return map_log_inval(log, logsz, "%s: map_flags 0x%x not accepted", t, attr->map_flags);
    }
    return 0;
}

static int dev_alloc(struct bpfrt_map *m)
{
    int hash = m->type == BPF_MAP_TYPE_DEVMAP_HASH;
    uint64_t n_buckets = 1, nslots = hash ? (uint64_t)m->max_entries + DEV_SLACK : m->max_entries;
    uint64_t off = DEV_HDR_OFF + ((sizeof(struct dev_hdr) + 63) & ~63ul);
    pthread_mutexattr_t ma;
    struct dev_hdr *h;
    int err;

    /* dev_map_init_map(): a lookup gives the program a pointer into the
     * slot, so the kernel makes the map read-only to programs
     * (tests/kernel-diff/test_loader_conv_diff.c sees the flag) */
    if (m->type == BPF_MAP_TYPE_DEVMAP || hash)
        m->map_flags |= BPF_F_RDONLY_PROG;
    while (hash && n_buckets < m->max_entries)
        n_buckets <<= 1;
    err = arena_alloc(&m->arena, off + (hash ? n_buckets * 8 : 0) + nslots * sizeof(struct dev_slot));
    if (err)
        return err;
    h = dev_hdr(m);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    h->buckets_off = off;
    h->slots_off = off + (hash ? n_buckets * 8 : 0);
    if (hash) {
        h->n_buckets = (uint32_t)n_buckets;
        if (getrandom(&h->seed, sizeof(h->seed), 0) != sizeof(h->seed))
            h->seed = (uint64_t)(uintptr_t)h;
        for (uint64_t i = 0; i < nslots; i++) {
            map_off_t so = h->slots_off + i * sizeof(struct dev_slot);
            if (h->free_tail)
                dev_slot_at(m, h->free_tail)->next_free = so;
            else
                h->free_head = so;
            h->free_tail = so;
        }
    }
    return 0;
}

static void dev_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

/* Check and normalise a value from user space: 0 or errno; *clear when it
 * empties the slot (ifindex / qsize 0 on the array types). */
static int dev_value(const struct bpfrt_map *m, uint32_t key, const void *value, uint8_t out[8], int *clear)
{
    uint32_t first, prog = 0;

    memcpy(&first, value, 4);
    if (m->value_size == 8)
        memcpy(&prog, (const uint8_t *)value + 4, 4);
    *clear = 0;
    if (m->type == BPF_MAP_TYPE_CPUMAP) {
        uint32_t workers = m->nr_workers ? m->nr_workers : bpfrt_nr_workers();
        if (first > CPUMAP_QSIZE_MAX)
            return -EOVERFLOW;
        if (key >= workers)
            return -ENODEV;
        if (first == 0) { /* qsize 0: the slot is emptied, program or not */
            *clear = 1;
            return 0;
        }
        if ((int32_t)prog > 0)
            return -ENOMEM; /* kernel: the entry cannot be built */
    }
    if (first == 0) {
        if (m->type == BPF_MAP_TYPE_DEVMAP_HASH)
            return -EINVAL;
        if ((int32_t)prog > 0)
            return -EINVAL; /* no program without a target */
        *clear = 1;
        return 0;
    }
    if ((int32_t)prog > 0)
        return -EINVAL; /* program ids: not yet */
    memset(out, 0, 8);
    memcpy(out, &first, 4);
    return 0;
}

/* ------------------------------------------------- DEVMAP, CPUMAP, XSKMAP */

static void *dev_array_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    uint32_t idx;
    struct dev_slot *s;

    (void)worker;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return NULL;
    s = dev_slot(m, idx);
    return LOAD(s->used) ? s->val : NULL;
}

static int dev_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t idx;
    struct dev_slot *s;
    uint8_t tmp[8];

    if (flags)
        return -EINVAL;
    if (m->type == BPF_MAP_TYPE_XSKMAP)
        return -EOPNOTSUPP;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -ENOENT;
    s = dev_slot(m, idx);
    dev_lock(dev_hdr(m));
    memcpy(tmp, s->val, 8);
    if (!s->used) {
        dev_unlock(dev_hdr(m));
        return -ENOENT;
    }
    dev_unlock(dev_hdr(m));
    memcpy(value, tmp, m->value_size);
    return 0;
}

static int dev_array_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    struct dev_hdr *h = dev_hdr(m);
    uint32_t idx;
    uint8_t val[8];
    int clear, err;
    struct dev_slot *s;

    if (flags > BPF_EXIST)
        return -EINVAL;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    if (m->type == BPF_MAP_TYPE_XSKMAP)
        return -ENOTSOCK; /* the socket is looked up before the flags */
    if (flags == BPF_NOEXIST)
        return -EEXIST; /* kernel: the array slots always exist */
    err = dev_value(m, idx, value, val, &clear);
    if (err)
        return err;
    s = dev_slot(m, idx);
    dev_lock(h);
    if (clear) {
        STORE(s->used, 0);
    } else {
        STORE(s->used, 0); /* readers see either nothing or the new value */
        memcpy(s->val, val, 8);
        STORE(s->used, 1);
    }
    dev_unlock(h);
    return 0;
}

static int dev_array_sys_delete(struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -EINVAL;
    STORE(dev_slot(m, idx)->used, 0);
    return 0;
}

static int dev_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -524; /* the kernel's ENOTSUPP */
}

/* ---------------------------------------------------------- DEVMAP_HASH */

static uint32_t dev_hash(const struct bpfrt_map *m, uint32_t key)
{
    uint64_t x = (key ^ dev_hdr(m)->seed) * 0x9e3779b97f4a7c15ull;

    return (uint32_t)(x >> 32);
}

static map_off_t *dev_bucket(const struct bpfrt_map *m, uint32_t key)
{
    const struct dev_hdr *h = dev_hdr(m);

    return (map_off_t *)(m->arena.base + h->buckets_off) + (dev_hash(m, key) & (h->n_buckets - 1));
}

static struct dev_slot *dev_hash_find(const struct bpfrt_map *m, uint32_t key)
{
    uint32_t steps = 0;

    for (struct dev_slot *s = dev_slot_at(m, LOAD(*dev_bucket(m, key))); s && steps++ <= m->max_entries + DEV_SLACK;
         s = dev_slot_at(m, LOAD(s->next)))
        if (s->key == key)
            return s;
    return NULL;
}

static void *dev_hash_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    uint32_t k;
    struct dev_slot *s;

    (void)worker;
    memcpy(&k, key, 4);
    s = dev_hash_find(m, k);
    return s ? s->val : NULL;
}

static int dev_hash_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t k;
    struct dev_slot *s;

    if (flags)
        return -EINVAL;
    memcpy(&k, key, 4);
    dev_lock(dev_hdr(m));
    s = dev_hash_find(m, k);
    if (s)
        memcpy(value, s->val, m->value_size);
    dev_unlock(dev_hdr(m));
    return s ? 0 : -ENOENT;
}

static void dev_slot_put(struct bpfrt_map *m, struct dev_hdr *h, struct dev_slot *s)
{
    map_off_t off = arena_off(&m->arena, s);

    s->next_free = 0;
    if (h->free_tail)
        dev_slot_at(m, h->free_tail)->next_free = off;
    else
        h->free_head = off;
    h->free_tail = off;
}

static int dev_hash_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    struct dev_hdr *h = dev_hdr(m);
    struct dev_slot *old, *s;
    map_off_t *bucket;
    uint32_t k;
    uint8_t val[8];
    int clear, err;

    if (flags > BPF_EXIST)
        return -EINVAL;
    memcpy(&k, key, 4);
    bucket = dev_bucket(m, k);
    dev_lock(h);
    old = dev_hash_find(m, k);
    /* kernel order: ifindex 0, then NOEXIST, then the rest of the value */
    if (!memcmp(value, "\0\0\0\0", 4)) {
        err = -EINVAL;
    } else if (old && flags == BPF_NOEXIST) {
        err = -EEXIST;
    } else if ((err = dev_value(m, k, value, val, &clear))) {
    } else if (!old && h->items >= m->max_entries) {
        err = -E2BIG;
    } else if (!(s = dev_slot_at(m, h->free_head))) {
        err = -ENOMEM;
    } else {
        h->free_head = s->next_free;
        if (!h->free_head)
            h->free_tail = 0;
        s->key = k;
        s->used = 1;
        memcpy(s->val, val, 8);
        if (old) {
            map_off_t *pp = bucket;
            while (*pp != arena_off(&m->arena, old))
                pp = &dev_slot_at(m, *pp)->next;
            s->next = old->next;
            STORE(*pp, arena_off(&m->arena, s));
            dev_slot_put(m, h, old);
        } else {
            s->next = *bucket;
            STORE(*bucket, arena_off(&m->arena, s));
            h->items++;
        }
    }
    dev_unlock(h);
    return err;
}

static int dev_hash_sys_delete(struct bpfrt_map *m, const void *key)
{
    struct dev_hdr *h = dev_hdr(m);
    struct dev_slot *s;
    map_off_t *pp;
    uint32_t k;
    int err = -ENOENT;

    memcpy(&k, key, 4);
    dev_lock(h);
    for (pp = dev_bucket(m, k); (s = dev_slot_at(m, *pp)); pp = &s->next) {
        if (s->key == k) {
            STORE(*pp, s->next);
            dev_slot_put(m, h, s);
            h->items--;
            err = 0;
            break;
        }
    }
    dev_unlock(h);
    return err;
}

static int dev_hash_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct dev_hdr *h = dev_hdr(m);
    map_off_t *buckets = (map_off_t *)(m->arena.base + h->buckets_off);
    struct dev_slot *s = NULL;
    uint32_t b = 0;
    int err = -ENOENT;

    dev_lock(h);
    if (key) {
        uint32_t k;
        struct dev_slot *cur;
        memcpy(&k, key, 4);
        cur = dev_hash_find(m, k);
        if (cur) {
            s = dev_slot_at(m, cur->next);
            b = (dev_hash(m, k) & (h->n_buckets - 1)) + 1;
        }
    }
    for (; !s && b < h->n_buckets; b++)
        s = dev_slot_at(m, buckets[b]);
    if (s) {
        memcpy(next_key, &s->key, 4);
        err = 0;
    }
    dev_unlock(h);
    return err;
}

/* ------------------------------------------------------------------ ops */

#define DEV_ARRAY_OPS                                                                                                  \
    .check = dev_check, .alloc = dev_alloc, .free = dev_free, .lookup = dev_array_lookup,                              \
    .sys_lookup = dev_array_sys_lookup, .sys_update = dev_array_sys_update, .sys_delete = dev_array_sys_delete,        \
    .sys_lookup_and_delete = dev_sys_lookup_and_delete, .get_next_key = map_array_get_next_key

const struct map_ops map_ops_devmap = {DEV_ARRAY_OPS};
const struct map_ops map_ops_cpumap = {DEV_ARRAY_OPS};
const struct map_ops map_ops_xskmap = {DEV_ARRAY_OPS};

const struct map_ops map_ops_devmap_hash = {
    .check = dev_check,
    .alloc = dev_alloc,
    .free = dev_free,
    .lookup = dev_hash_lookup,
    .sys_lookup = dev_hash_sys_lookup,
    .sys_update = dev_hash_sys_update,
    .sys_delete = dev_hash_sys_delete,
    .sys_lookup_and_delete = dev_sys_lookup_and_delete,
    .get_next_key = dev_hash_get_next_key,
};
