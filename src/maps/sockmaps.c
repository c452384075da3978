/* sockmaps.c - the map types whose elements are sockets or hang off sockets
 * and cgroups: sockmap, sockhash, reuseport_sockarray, sk_storage,
 * cgroup_storage and percpu_cgroup_storage.
 *
 * bpfrt has no sockets and no cgroups, so these maps stay empty: what they
 * hold in the kernel (a socket, a socket's or an attached cgroup's storage)
 * never exists here.  They are still real maps, created with the kernel's
 * attribute checks, because objects that declare them must load and their
 * programs must verify as the kernel verifies them (the verifier needs the
 * map's type for the helper and return-type rules: a sockmap lookup is a
 * socket or NULL, bpf_sk_storage_get wants an sk_storage map, ...).
 * Their operations answer as the kernel's do on an empty map, and those
 * that would need a socket or a cgroup to exist say that bpfrt has none
 * (-EOPNOTSUPP). */
#include <errno.h>
#include <string.h>

#include "maps/map.h"

#define ENOTSUPP 524 /* the kernel's internal "not supported", seen by user space */

#define SOCK_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
/* bpf_local_storage_map_alloc_check(): BPF_F_NO_PREALLOC | BPF_F_CLONE */
#define SK_STORAGE_FLAGS (BPF_F_NO_PREALLOC | BPF_F_CLONE)
/* BPF_LOCAL_STORAGE_MAX_VALUE_SIZE: a u16 size less the element header
 * (sizeof(struct bpf_local_storage_elem): 128 on x86-64, its data being
 * cache-line aligned) */
#define LOCAL_STORAGE_MAX_VALUE (65535u - 128u)
/* cgroup_storage_map_alloc(): BPF_F_NUMA_NODE and the access flags */
#define CG_STORAGE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define CG_STORAGE_KEY 16 /* struct bpf_cgroup_storage_key */
#define CG_STORAGE_MAX_PERCPU_VALUE 32768u /* PCPU_MIN_UNIT_SIZE */

static int sock_check(const struct map_attr *attr, char *log, size_t logsz)
{
    switch ((int)attr->type) {
    case BPF_MAP_TYPE_SOCKMAP: /* sock_map_alloc() */
        if (attr->max_entries == 0 || attr->key_size != 4 || (attr->value_size != 4 && attr->value_size != 8) ||
            (attr->map_flags & ~SOCK_FLAGS))
            return map_log_inval(log, logsz,
                                 "sockmap: key_size 4, value_size 4 or 8, max_entries > 0, map_flags 0x%x "
                                 "not accepted",
                                 attr->map_flags & ~SOCK_FLAGS);
        return 0;
    case BPF_MAP_TYPE_SOCKHASH: /* sock_hash_alloc() */
        if (attr->max_entries == 0 || attr->key_size == 0 || (attr->value_size != 4 && attr->value_size != 8) ||
            (attr->map_flags & ~SOCK_FLAGS))
            return map_log_inval(log, logsz, "sockhash: key_size > 0, value_size 4 or 8, max_entries > 0");
        if (attr->key_size > 512) /* MAX_BPF_STACK */
            return -E2BIG;
        return 0;
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: /* reuseport_array_alloc_check() + array_map_alloc_check() */
        if (attr->max_entries == 0 || attr->key_size != 4 || (attr->value_size != 4 && attr->value_size != 8) ||
            (attr->map_flags & ~SOCK_FLAGS))
            return map_log_inval(log, logsz,
                                 "reuseport_sockarray: key_size 4, value_size 4 or 8, max_entries > 0");
        return 0;
    case BPF_MAP_TYPE_SK_STORAGE: /* bpf_local_storage_map_alloc_check() */
        if ((attr->map_flags & ~SK_STORAGE_FLAGS) || !(attr->map_flags & BPF_F_NO_PREALLOC) || attr->max_entries ||
            attr->key_size != 4 || !attr->btf_key_type_id || !attr->btf_value_type_id)
            return map_log_inval(log, logsz,
                                 "sk_storage: key_size 4, max_entries 0, BPF_F_NO_PREALLOC, and BTF for the "
                                 "key and the value");
        if (attr->value_size > LOCAL_STORAGE_MAX_VALUE)
            return -E2BIG;
        return 0;
    case BPF_MAP_TYPE_CGROUP_STORAGE:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: { /* cgroup_storage_map_alloc() */
        /* the local storages' bound; per-CPU ones also PCPU_MIN_UNIT_SIZE */
        uint32_t max = attr->type == BPF_MAP_TYPE_CGROUP_STORAGE ? LOCAL_STORAGE_MAX_VALUE : CG_STORAGE_MAX_PERCPU_VALUE;
        if (attr->key_size != CG_STORAGE_KEY && attr->key_size != 8)
            return map_log_inval(log, logsz, "cgroup_storage: key_size %u (16 or 8)", attr->key_size);
        if (attr->value_size == 0)
            return map_log_inval(log, logsz, "cgroup_storage: value_size 0");
        if (attr->value_size > max)
            return -E2BIG;
        if ((attr->map_flags & ~CG_STORAGE_FLAGS) || attr->max_entries)
            return map_log_inval(log, logsz, "cgroup_storage: max_entries 0 (one value per attached cgroup)");
        return 0;
    }
    }
    return map_log_inval(log, logsz, "map type %u is not a socket map", attr->type);
}

static int sock_alloc(struct bpfrt_map *m)
{
    return arena_alloc(&m->arena, 0); /* the header alone: nothing is ever stored */
}

static void sock_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

/* Program side: no socket is in the map, no storage exists for one. */
static void *sock_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL;
}

static int is_indexed(const struct bpfrt_map *m)
{
    return m->type == BPF_MAP_TYPE_SOCKMAP || m->type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
}

static int in_range(const struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    return idx < m->max_entries;
}

/* User side.  sk_storage's key is a socket's fd: bpfrt has none to name. */
static int sock_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)value;
    if (flags)
        return -EINVAL;
    if (m->type == BPF_MAP_TYPE_SK_STORAGE)
        return -EOPNOTSUPP;
    /* sock_map_lookup_sys(), reuseport_array: the socket's cookie, so only
     * with an 8-byte value */
    if ((m->type == BPF_MAP_TYPE_SOCKMAP || m->type == BPF_MAP_TYPE_SOCKHASH ||
         m->type == BPF_MAP_TYPE_REUSEPORT_SOCKARRAY) &&
        m->value_size != 8)
        return -ENOSPC;
    (void)key;
    return -ENOENT; /* in range or not: nothing is there */
}

/* Storing needs a socket's fd (sockmap, sockhash, reuseport, sk_storage)
 * or a cgroup storage created by attaching a program to a cgroup: neither
 * exists in bpfrt. */
static int sock_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)value;
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (is_indexed(m) && !in_range(m, key))
        return -E2BIG;
    if (m->type == BPF_MAP_TYPE_CGROUP_STORAGE || m->type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
        return -ENOENT; /* cgroup_storage_update_elem(): no storage for that cgroup */
    return -EOPNOTSUPP;
}

static int sock_sys_delete(struct bpfrt_map *m, const void *key)
{
    switch ((int)m->type) {
    case BPF_MAP_TYPE_SOCKMAP: /* sock_map_delete_elem(): out of range or empty: -EINVAL */
        return -EINVAL;
    case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: /* reuseport_array_delete_elem() */
        return in_range(m, key) ? -ENOENT : -EINVAL;
    case BPF_MAP_TYPE_SK_STORAGE:
        return -EOPNOTSUPP;
    case BPF_MAP_TYPE_CGROUP_STORAGE:
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
        return -EINVAL; /* cgroup_storage_delete_elem() */
    }
    return -ENOENT; /* sockhash */
}

static int sock_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -ENOTSUPP;
}

static int sock_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    if (is_indexed(m)) /* the kernel walks the indexes, occupied or not */
        return map_array_get_next_key(m, key, next_key);
    if (m->type == BPF_MAP_TYPE_SK_STORAGE)
        return -ENOTSUPP; /* notsupp_get_next_key() */
    return -ENOENT;       /* sockhash, cgroup storage: empty */
}

#define SOCK_OPS                                                                                                       \
    .check = sock_check, .alloc = sock_alloc, .free = sock_free, .lookup = sock_lookup,                                \
    .sys_lookup = sock_sys_lookup, .sys_update = sock_sys_update, .sys_delete = sock_sys_delete,                       \
    .sys_lookup_and_delete = sock_sys_lookup_and_delete, .get_next_key = sock_get_next_key

const struct map_ops map_ops_sockmap = {SOCK_OPS};
const struct map_ops map_ops_sockhash = {SOCK_OPS};
const struct map_ops map_ops_reuseport_sockarray = {SOCK_OPS};
const struct map_ops map_ops_sk_storage = {SOCK_OPS};
const struct map_ops map_ops_cgroup_storage = {SOCK_OPS};
const struct map_ops map_ops_percpu_cgroup_storage = {SOCK_OPS};
