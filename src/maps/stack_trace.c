/* stack_trace.c - BPF_MAP_TYPE_STACK_TRACE and BPF_MAP_TYPE_CGROUP_ARRAY:
 * created with the kernel's checks so that objects declaring them load;
 * operations answer as the kernel answers user space.
 *
 * STACK_TRACE: key = stack id (u32), value = value_size / 8 instruction
 * pointers (or value_size / 32 struct bpf_stack_build_id with
 * BPF_F_STACK_BUILD_ID).  The kernel has roundup_pow_of_two(max_entries)
 * buckets; a bucket holds the number of frames and the frames.  User space
 * may look up (frames, zero-padded), delete and walk ids; update is
 * -EINVAL.  map_stack_trace_store() is what bpf_get_stackid() will call.
 *
 * CGROUP_ARRAY: an array of cgroup fds in the kernel.  bpfrt has no cgroups,
 * so no value names one: update is -EBADF (the kernel's answer for an fd
 * that is not a cgroup), lookup from user space -ENOTSUPP (524), delete
 * -E2BIG out of range / -ENOENT empty. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "map.h"

#define ENOTSUPP 524
#define ST_HDR_OFF 256
#define ST_MAX_STACK 127  /* sysctl kernel.perf_event_max_stack default */
#define ST_BUILD_ID_SZ 32 /* sizeof(struct bpf_stack_build_id) */
#define ST_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)

struct st_bucket {
    uint32_t nr; /* frames; 0: empty */
    uint32_t hash;
    uint8_t data[]; /* value_size bytes */
};

struct st_hdr {
    pthread_mutex_t lock;
    uint32_t n_buckets, bucket_size;
    uint64_t buckets_off;
};

static struct st_hdr *st_hdr(const struct bpfrt_map *m)
{
    return (struct st_hdr *)(m->arena.base + ST_HDR_OFF);
}

static struct st_bucket *st_bucket(const struct bpfrt_map *m, uint32_t id)
{
    const struct st_hdr *h = st_hdr(m);

    return (struct st_bucket *)(m->arena.base + h->buckets_off + (uint64_t)id * h->bucket_size);
}

static uint32_t st_elem_size(uint32_t flags)
{
    return flags & BPF_F_STACK_BUILD_ID ? ST_BUILD_ID_SZ : 8;
}

static int st_check(const struct map_attr *attr, char *log, size_t logsz)
{
    uint32_t esz = st_elem_size(attr->map_flags);

    if (attr->type == BPF_MAP_TYPE_CGROUP_ARRAY) {
        /* kernel fd_array_map_alloc_check + array_map_alloc_check */
        if (attr->value_size != 4 || attr->key_size != 4 || attr->max_entries == 0)
            return map_log_inval(log, logsz, "cgroup_array: key_size and value_size must be 4, max_entries > 0");
        if (attr->map_flags & ~(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY))
            return map_log_inval(log, logsz, "cgroup_array: map_flags 0x%x not accepted", attr->map_flags);
        return 0;
    }
    /* kernel stack_map_alloc */
    if (attr->map_flags & ~ST_FLAGS)
        return map_log_inval(log, logsz, "stack_trace: map_flags 0x%x not accepted", attr->map_flags);
    if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size < esz || attr->value_size % esz ||
        attr->value_size / esz > ST_MAX_STACK)
        return map_log_inval(log, logsz, "stack_trace: key_size 4, value_size a multiple of %u up to %u frames", esz,
                             ST_MAX_STACK);
    if (attr->max_entries > 1u << 31)
        return -E2BIG;
    return 0;
}

static int st_alloc(struct bpfrt_map *m)
{
    uint64_t n = 1, off = ST_HDR_OFF + ((sizeof(struct st_hdr) + 63) & ~63ul);
    uint32_t bsz;
    pthread_mutexattr_t ma;
    struct st_hdr *h;
    int err;

    if (m->type == BPF_MAP_TYPE_CGROUP_ARRAY)
        return arena_alloc(&m->arena, off + (uint64_t)m->max_entries * 4);
    while (n < m->max_entries)
        n <<= 1;
    bsz = (uint32_t)((sizeof(struct st_bucket) + m->value_size + 7) & ~7ul);
    err = arena_alloc(&m->arena, off + n * bsz);
    if (err)
        return err;
    h = st_hdr(m);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    h->n_buckets = (uint32_t)n;
    h->bucket_size = bsz;
    h->buckets_off = off;
    return 0;
}

static void st_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

static void st_lock(struct st_hdr *h)
{
    if (pthread_mutex_lock(&h->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&h->lock);
}

/* bpf_get_stackid's store: the stack's id, or -EEXIST when its bucket holds
 * another stack and flags lack BPF_F_REUSE_STACKID, -EFAULT for an empty
 * stack; a stack already stored returns its id (BPF_F_FAST_STACK_CMP and
 * the full compare agree here: frames are compared exactly). */
long map_stack_trace_store(struct bpfrt_map *m, const void *frames, uint32_t nr, uint64_t flags)
{
    struct st_hdr *h = st_hdr(m);
    uint32_t esz = st_elem_size(m->map_flags), bytes, hash = 2166136261u, id;
    struct st_bucket *b;
    long ret;

    if (!nr)
        return -EFAULT;
    if (nr > m->value_size / esz)
        nr = m->value_size / esz;
    bytes = nr * esz;
    for (uint32_t i = 0; i < bytes; i++)
        hash = (hash ^ ((const uint8_t *)frames)[i]) * 16777619u;
    id = hash & (h->n_buckets - 1);
    b = st_bucket(m, id);
    st_lock(h);
    if (b->nr == nr && b->hash == hash && !memcmp(b->data, frames, bytes)) {
        ret = id;
    } else if (b->nr && !(flags & BPF_F_REUSE_STACKID)) {
        ret = -EEXIST;
    } else {
        memcpy(b->data, frames, bytes);
        b->hash = hash;
        __atomic_store_n(&b->nr, nr, __ATOMIC_RELEASE);
        ret = id;
    }
    pthread_mutex_unlock(&h->lock);
    return ret;
}

static void *st_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL; /* kernel: programs cannot look up a stack map (ERR_PTR) */
}

static int st_copy(struct bpfrt_map *m, uint32_t id, void *value, int del)
{
    struct st_hdr *h = st_hdr(m);
    struct st_bucket *b;
    int err = 0;

    if (id >= h->n_buckets)
        return -ENOENT;
    b = st_bucket(m, id);
    st_lock(h);
    if (!b->nr) {
        err = -ENOENT;
    } else {
        uint32_t bytes = b->nr * st_elem_size(m->map_flags);
        memcpy(value, b->data, bytes);
        memset((uint8_t *)value + bytes, 0, m->value_size - bytes);
        if (del)
            b->nr = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return err;
}

static int st_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t id;

    if (flags)
        return -EINVAL;
    memcpy(&id, key, 4);
    return st_copy(m, id, value, 0);
}

static int st_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t id;

    if (flags)
        return -EINVAL;
    memcpy(&id, key, 4);
    return st_copy(m, id, value, 1);
}

static int st_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -EINVAL;
}

static int st_sys_delete(struct bpfrt_map *m, const void *key)
{
    struct st_hdr *h = st_hdr(m);
    uint32_t id;
    int err = 0;

    memcpy(&id, key, 4);
    if (id >= h->n_buckets)
        return -E2BIG;
    st_lock(h);
    if (!st_bucket(m, id)->nr)
        err = -ENOENT;
    st_bucket(m, id)->nr = 0;
    pthread_mutex_unlock(&h->lock);
    return err;
}

static int st_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct st_hdr *h = st_hdr(m);
    uint32_t id = 0;

    if (key) {
        memcpy(&id, key, 4);
        if (id >= h->n_buckets || !__atomic_load_n(&st_bucket(m, id)->nr, __ATOMIC_ACQUIRE))
            id = 0;
        else
            id++;
    }
    while (id < h->n_buckets && !__atomic_load_n(&st_bucket(m, id)->nr, __ATOMIC_ACQUIRE))
        id++;
    if (id >= h->n_buckets)
        return -ENOENT;
    memcpy(next_key, &id, 4);
    return 0;
}

/* --------------------------------------------------------- CGROUP_ARRAY */

static void *cg_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL;
}

static int cg_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value;
    return flags ? -EINVAL : -ENOTSUPP;
}

static int cg_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t idx;

    (void)value;
    if (flags != BPF_ANY)
        return -EINVAL;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    return -EBADF;
}

static int cg_sys_delete(struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    return -ENOENT; /* nothing can have been stored */
}

static int cg_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -ENOTSUPP;
}

const struct map_ops map_ops_stack_trace = {
    .check = st_check,
    .alloc = st_alloc,
    .free = st_free,
    .lookup = st_lookup,
    .sys_lookup = st_sys_lookup,
    .sys_update = st_sys_update,
    .sys_delete = st_sys_delete,
    .sys_lookup_and_delete = st_sys_lookup_and_delete,
    .get_next_key = st_get_next_key,
};

const struct map_ops map_ops_cgroup_array = {
    .check = st_check,
    .alloc = st_alloc,
    .free = st_free,
    .lookup = cg_lookup,
    .sys_lookup = cg_sys_lookup,
    .sys_update = cg_sys_update,
    .sys_delete = cg_sys_delete,
    .sys_lookup_and_delete = cg_sys_lookup_and_delete,
    .get_next_key = map_array_get_next_key,
};
