/* arraymap.c - BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY.
 *
 * Arena: header, then max_entries values of round_up(value_size, 8) bytes
 * (per-CPU: nr_workers such slots per index, index-major), zeroed at
 * creation as the kernel's arrays are.  With BPF_F_MMAPABLE the values
 * start on a page boundary so the area can be handed out whole
 * (bpfrt_map__mmap), as the kernel maps bpf_array.value.
 *
 * Semantics (kernel/bpf/arraymap.c, checked by test_mapdiff): a key is a
 * u32 index; index >= max_entries is -E2BIG on update and -ENOENT on
 * lookup; every index exists, so BPF_NOEXIST is -EEXIST and delete is
 * -EINVAL; get_next_key walks indexes, restarting at 0 for a key out of
 * range. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map.h"

struct array_priv {
    uint8_t *values;
    size_t stride; /* bytes per index */
    size_t area;   /* bytes of the value area, page-rounded when mmapable */
};

#define ARRAY_FLAGS                                                                                                    \
    (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_MMAPABLE |          \
     BPF_F_INNER_MAP)
#define PERCPU_ARRAY_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define PCPU_MIN_UNIT_SIZE 32768u /* kernel's limit on one per-CPU allocation */

static int is_percpu(const struct bpfrt_map *m)
{
    return m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* array_map_alloc_check() */
static int array_check(const struct map_attr *attr, char *log, size_t logsz)
{
    int percpu = attr->type == BPF_MAP_TYPE_PERCPU_ARRAY;
    uint32_t mask = percpu ? PERCPU_ARRAY_FLAGS : ARRAY_FLAGS;

    if (attr->max_entries == 0)
        return map_log_inval(log, logsz, "array: max_entries is 0");
    if (attr->key_size != 4)
        return map_log_inval(log, logsz, "array: key_size %u, must be 4", attr->key_size);
    if (attr->value_size == 0)
        return map_log_inval(log, logsz, "array: value_size is 0");
    if (attr->map_flags & ~mask)
        return map_log_inval(log, logsz, "array: map_flags %#x not accepted for this type", attr->map_flags & ~mask);
    if ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG))
        return map_log_inval(log, logsz, "array: BPF_F_RDONLY_PROG with BPF_F_WRONLY_PROG");
    if (percpu && (attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != (uint32_t)-1)
        return map_log_inval(log, logsz, "percpu array: NUMA node given");
    if (percpu && map_round8(attr->value_size) > PCPU_MIN_UNIT_SIZE)
        return map_log_err(-E2BIG, log, logsz, "percpu array: value_size %u over %u", attr->value_size,
                           PCPU_MIN_UNIT_SIZE);
    if ((uint64_t)map_round8(attr->value_size) > INT_MAX || attr->value_size > INT_MAX)
        return map_log_err(-E2BIG, log, logsz, "array: value_size %u too large", attr->value_size);
    return 0;
}

/* Value area: where it starts in the arena, its size and stride. */
static int array_layout(const struct bpfrt_map *m, uint64_t *startp, uint64_t *areap, uint64_t *stridep)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t stride, area, start;

    stride = map_round8(m->value_size);
    if (is_percpu(m))
        stride *= m->nr_workers;
    area = stride * m->max_entries;
    if (!m->max_entries || area / m->max_entries != stride || area > (1ull << 40))
        return -ENOMEM;
    start = MAP_ARENA_HDR_SIZE;
    if (m->map_flags & BPF_F_MMAPABLE) {
        start = ps;
        area = (area + ps - 1) & ~(uint64_t)(ps - 1);
    }
    *startp = start, *areap = area, *stridep = stride;
    return 0;
}

static int array_alloc(struct bpfrt_map *m)
{
    struct array_priv *p;
    uint64_t stride, area, start;
    int err;

    err = array_layout(m, &start, &area, &stride);
    if (err)
        return err;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    err = arena_alloc(&m->arena, start + area);
    if (err) {
        free(p);
        return err;
    }
    arena_hdr(&m->arena)->brk = start + area;
    p->values = m->arena.base + start;
    p->stride = stride;
    p->area = area;
    m->priv = p;
    return 0;
}

/* A pinned array opened again: the value area must fit in the arena. */
static int array_reopen(struct bpfrt_map *m)
{
    struct array_priv *p;
    uint64_t stride, area, start;

    if (array_layout(m, &start, &area, &stride) || start + area > m->arena.size)
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->values = m->arena.base + start;
    p->stride = stride;
    p->area = area;
    m->priv = p;
    return 0;
}

static void array_free(struct bpfrt_map *m)
{
    free(m->priv);
    m->priv = NULL;
}

static inline uint8_t *array_elem(const struct bpfrt_map *m, uint32_t idx)
{
    const struct array_priv *p = m->priv;
    return p->values + (size_t)idx * p->stride;
}

static void *array_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    uint32_t idx;

    memcpy(&idx, key, sizeof(idx)); /* a program's key may sit anywhere on its stack */
    if (idx >= m->max_entries)
        return NULL;
    if (is_percpu(m))
        return array_elem(m, idx) + (size_t)(worker % m->nr_workers) * map_percpu_slot(m);
    return array_elem(m, idx);
}

/* array_map_update_elem(): program side, and user side for ARRAY. */
static long array_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    uint32_t idx;

    memcpy(&idx, key, sizeof(idx)); /* a program's key may sit anywhere on its stack */
    uint8_t *dst;

    if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
        return -EINVAL;
    if (idx >= m->max_entries)
        return -E2BIG;
    if (flags & BPF_NOEXIST)
        return -EEXIST;
    if ((flags & BPF_F_LOCK) && m->spin_lock_off < 0)
        return -EINVAL;
    dst = array_elem(m, idx);
    if (is_percpu(m)) {
        memcpy(dst + (size_t)(worker % m->nr_workers) * map_percpu_slot(m), value, m->value_size);
        return 0;
    }
    if (flags & BPF_F_LOCK)
        map_copy_value_locked(m, dst, value, 1);
    else
        map_copy_value(m, dst, value);
    return 0;
}

static long array_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return -EINVAL;
}

/* bpf_percpu_array_copy(): every slot, round_up(value_size, 8) bytes each. */
static int percpu_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t idx;

    memcpy(&idx, key, sizeof(idx)); /* a program's key may sit anywhere on its stack */
    (void)flags;
    if (idx >= m->max_entries)
        return -ENOENT;
    memcpy(value, array_elem(m, idx), (size_t)m->nr_workers * map_percpu_slot(m));
    return 0;
}

/* bpf_percpu_array_update() */
static int percpu_array_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t idx;

    memcpy(&idx, key, sizeof(idx)); /* a program's key may sit anywhere on its stack */
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (idx >= m->max_entries)
        return -E2BIG;
    if (flags == BPF_NOEXIST)
        return -EEXIST;
    memcpy(array_elem(m, idx), value, (size_t)m->nr_workers * map_percpu_slot(m));
    return 0;
}

/* Checked runs (map_ops.prog_access): the value area, value_size bytes
 * of each index (of each per-CPU slot), as the kernel's verifier bounds
 * a PTR_TO_MAP_VALUE; global data (.data, .bss, .rodata) are one-entry
 * arrays.  The arena header and the padding after each value are not
 * for programs. */
static int array_prog_access(const struct bpfrt_map *m, uint64_t off, uint64_t size, uint32_t perm, char *why,
                             size_t whysz)
{
    const struct array_priv *p = m->priv;
    uint64_t start = (uint64_t)(p->values - m->arena.base), rel, idx, in;
    char whose[64];

    (void)perm;
    if (off < start || off - start >= (uint64_t)p->stride * m->max_entries)
        return map_access_refused(m, why, whysz, "offset %llu of its storage is outside its values",
                                  (unsigned long long)off);
    rel = off - start;
    idx = rel / p->stride;
    in = rel % p->stride;
    if (is_percpu(m)) {
        snprintf(whose, sizeof(whose), "index %llu, CPU %llu", (unsigned long long)idx,
                 (unsigned long long)(in / map_percpu_slot(m)));
        return map_value_access(m, in % map_percpu_slot(m), size, whose, why, whysz);
    }
    snprintf(whose, sizeof(whose), "index %llu", (unsigned long long)idx);
    return map_value_access(m, in, size, whose, why, whysz);
}

static void *array_mmap(struct bpfrt_map *m, size_t *sizep)
{
    struct array_priv *p = m->priv;

    if (sizep)
        *sizep = p->area;
    return p->values;
}

const struct map_ops map_ops_array = {
    .check = array_check,
    .alloc = array_alloc,
    .free = array_free,
    .reopen = array_reopen,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .get_next_key = map_array_get_next_key,
    .prog_access = array_prog_access,
    .mmap = array_mmap,
    .batch_ops = MAP_BATCH_LOOKUP | MAP_BATCH_UPDATE,
};

const struct map_ops map_ops_percpu_array = {
    .check = array_check,
    .alloc = array_alloc,
    .free = array_free,
    .reopen = array_reopen,
    .lookup = array_lookup,
    .update = array_update,
    .delete = array_delete,
    .sys_lookup = percpu_array_sys_lookup,
    .sys_update = percpu_array_sys_update,
    .get_next_key = map_array_get_next_key,
    .prog_access = array_prog_access,
    .batch_ops = MAP_BATCH_LOOKUP | MAP_BATCH_UPDATE,
};
