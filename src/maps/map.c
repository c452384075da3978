#include <bpf/btf.h>
/* map.c - maps: the type table, creation (common checks, ids), the public
 * bpfrt_map__* operations (size, flag and permission checks with the errno
 * of the bpf() commands) and the generic batch operations.
 *
 * Permission checks follow the kernel's map_get_sys_perms(): a map created
 * BPF_F_RDONLY cannot be written from user space, BPF_F_WRONLY cannot be
 * read, and a frozen map cannot be written (-EPERM each).  The order of the
 * checks within a command is the kernel's (kernel/bpf/syscall.c), which
 * tests/kernel-diff/test_mapdiff.c compares errno by errno. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/opts.h"
#include "map.h"
#include "registry.h"

extern const struct map_ops map_ops_hash, map_ops_percpu_hash, map_ops_lru_hash, map_ops_lru_percpu_hash, map_ops_array,
    map_ops_percpu_array;

/* Types implemented in other files (lpm_trie.c, queue_stack.c, ...).  They
 * were weak while those files landed; a weak reference does not pull a
 * member out of libbpfrt.a, so they are ordinary references now.
 * map_ops_of() still treats a NULL entry as "type not available". */
extern const struct map_ops map_ops_lpm_trie, map_ops_queue, map_ops_stack, map_ops_bloom_filter, map_ops_ringbuf,
    map_ops_perf_event_array, map_ops_prog_array, map_ops_array_of_maps, map_ops_hash_of_maps, map_ops_devmap,
    map_ops_devmap_hash, map_ops_cpumap, map_ops_xskmap, map_ops_stack_trace, map_ops_cgroup_array,
    map_ops_sockmap, map_ops_sockhash, map_ops_reuseport_sockarray, map_ops_sk_storage, map_ops_cgroup_storage,
    map_ops_percpu_cgroup_storage;

static const struct map_ops *const map_types[] = {
    [BPF_MAP_TYPE_HASH] = &map_ops_hash,
    [BPF_MAP_TYPE_ARRAY] = &map_ops_array,
    [BPF_MAP_TYPE_PROG_ARRAY] = &map_ops_prog_array,
    [BPF_MAP_TYPE_PERF_EVENT_ARRAY] = &map_ops_perf_event_array,
    [BPF_MAP_TYPE_PERCPU_HASH] = &map_ops_percpu_hash,
    [BPF_MAP_TYPE_PERCPU_ARRAY] = &map_ops_percpu_array,
    [BPF_MAP_TYPE_STACK_TRACE] = &map_ops_stack_trace,
    [BPF_MAP_TYPE_CGROUP_ARRAY] = &map_ops_cgroup_array,
    [BPF_MAP_TYPE_LRU_HASH] = &map_ops_lru_hash,
    [BPF_MAP_TYPE_LRU_PERCPU_HASH] = &map_ops_lru_percpu_hash,
    [BPF_MAP_TYPE_LPM_TRIE] = &map_ops_lpm_trie,
    [BPF_MAP_TYPE_ARRAY_OF_MAPS] = &map_ops_array_of_maps,
    [BPF_MAP_TYPE_HASH_OF_MAPS] = &map_ops_hash_of_maps,
    [BPF_MAP_TYPE_DEVMAP] = &map_ops_devmap,
    [BPF_MAP_TYPE_XSKMAP] = &map_ops_xskmap,
    [BPF_MAP_TYPE_CPUMAP] = &map_ops_cpumap,
    [BPF_MAP_TYPE_DEVMAP_HASH] = &map_ops_devmap_hash,
    [BPF_MAP_TYPE_QUEUE] = &map_ops_queue,
    [BPF_MAP_TYPE_STACK] = &map_ops_stack,
    [BPF_MAP_TYPE_RINGBUF] = &map_ops_ringbuf,
    [BPF_MAP_TYPE_BLOOM_FILTER] = &map_ops_bloom_filter,
    /* always empty: bpfrt has no sockets or cgroups (sockmaps.c) */
    [BPF_MAP_TYPE_SOCKMAP] = &map_ops_sockmap,
    [BPF_MAP_TYPE_SOCKHASH] = &map_ops_sockhash,
    [BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = &map_ops_reuseport_sockarray,
    [BPF_MAP_TYPE_SK_STORAGE] = &map_ops_sk_storage,
    [BPF_MAP_TYPE_CGROUP_STORAGE] = &map_ops_cgroup_storage,
    [BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = &map_ops_percpu_cgroup_storage,
};

#define NR_TYPES (sizeof(map_types) / sizeof(map_types[0]))

const struct map_ops *map_ops_of(enum bpf_map_type type)
{
    if ((unsigned)type >= NR_TYPES)
        return NULL;
    return map_types[type]; /* NULL for a weak ops not linked in */
}

/* Types the kernel knows (linux/bpf.h of Linux 6.18: up to
 * BPF_MAP_TYPE_ARENA = 33 and BPF_MAP_TYPE_INSN_ARRAY = 34; the installed
 * header may be older): beyond them the kernel says -EINVAL, below them a
 * type bpfrt lacks is -EOPNOTSUPP. */
#define MAP_TYPE_ARENA 33
#define MAP_TYPE_END 35
static int type_known(enum bpf_map_type type)
{
    return (int)type > BPF_MAP_TYPE_UNSPEC && (int)type < MAP_TYPE_END;
}

static int is_percpu(enum bpf_map_type type)
{
    return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* QUEUE, STACK and BLOOM_FILTER have no key: lookup = peek, update = push,
 * lookup_and_delete = pop (kernel: map_lookup_elem() and friends). */
static int is_keyless(enum bpf_map_type type)
{
    return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK || type == BPF_MAP_TYPE_BLOOM_FILTER;
}

/* ---- workers ---------------------------------------------------------------- */

static uint32_t nr_workers_set;

uint32_t bpfrt_nr_workers(void)
{
    uint32_t n = __atomic_load_n(&nr_workers_set, __ATOMIC_RELAXED);
    if (!n) {
        long v = sysconf(_SC_NPROCESSORS_ONLN);
        n = v > 0 ? (uint32_t)v : 1;
    }
    return n;
}

void bpfrt_set_nr_workers(uint32_t n)
{
    __atomic_store_n(&nr_workers_set, n, __ATOMIC_RELAXED);
}

uint32_t map_cur_worker(const struct bpfrt_map *m)
{
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : (uint32_t)cpu % m->nr_workers;
}

/* ---- logs ------------------------------------------------------------------- */

static int vlog(int err, char *log, size_t logsz, const char *fmt, va_list ap)
{
    if (log && logsz)
        vsnprintf(log, logsz, fmt, ap);
    return err;
}

int map_log_inval(char *log, size_t logsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(-EINVAL, log, logsz, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

int map_log_err(int err, char *log, size_t logsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(err, log, logsz, fmt, ap);
    va_end(ap);
    return err;
}

/* ---- values ----------------------------------------------------------------- */

int map_access_refused(const struct bpfrt_map *m, char *why, size_t whysz, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!why || !whysz)
        return 0;
    n = snprintf(why, whysz, "map '%s' (id %u): ", m->name, m->id);
    if (n < 0 || (size_t)n >= whysz)
        return 0;
    va_start(ap, fmt);
    vsnprintf(why + n, whysz - (size_t)n, fmt, ap);
    va_end(ap);
    return 0;
}

int map_value_access(const struct bpfrt_map *m, uint64_t voff, uint64_t size, const char *whose, char *why,
                     size_t whysz)
{
    if (voff + size > m->value_size || voff + size < voff)
        return map_access_refused(m, why, whysz, "%llu byte%s past the end of the value of %s (value_size %u)",
                                  (unsigned long long)(voff + size - m->value_size),
                                  voff + size - m->value_size == 1 ? "" : "s", whose, m->value_size);
    if (m->spin_lock_off >= 0 && voff < (uint64_t)m->spin_lock_off + 4 && voff + size > (uint64_t)m->spin_lock_off)
        return map_access_refused(m, why, whysz,
                                  "the bpf_spin_lock of the value of %s (at value offset %d) is not for direct "
                                  "access (the kernel's verifier refuses it too)",
                                  whose, m->spin_lock_off);
    return 1;
}

void map_copy_value(const struct bpfrt_map *m, void *dst, const void *src)
{
    int32_t off = m->spin_lock_off;

    if (off < 0) {
        memcpy(dst, src, m->value_size);
        return;
    }
    memcpy(dst, src, (size_t)off);
    memcpy((uint8_t *)dst + off + 4, (const uint8_t *)src + off + 4, m->value_size - (size_t)off - 4);
}

void map_copy_value_locked(const struct bpfrt_map *m, void *dst, const void *src, int lock_dst)
{
    uint32_t *lock = (uint32_t *)((uint8_t *)(lock_dst ? dst : (void *)(uintptr_t)src) + m->spin_lock_off);

    map_value_lock(lock);
    map_copy_value(m, dst, src);
    map_value_unlock(lock);
}

void map_zero_special(const struct bpfrt_map *m, void *value)
{
    if (m->spin_lock_off >= 0)
        memset((uint8_t *)value + m->spin_lock_off, 0, 4);
}

/* ---- creation --------------------------------------------------------------- */

static uint32_t next_id;

/* bpf_obj_name_cpy(): letters, digits, '_' and '.', NUL-terminated. */
static int check_name(const char *name, char *log, size_t logsz)
{
    size_t i;

    if (!name)
        return 0;
    for (i = 0; name[i]; i++) {
        char c = name[i];
        if (i >= MAP_NAME_LEN - 1)
            return map_log_inval(log, logsz, "map name '%s' longer than %u characters", name, MAP_NAME_LEN - 1);
        if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' && c != '.')
            return map_log_inval(log, logsz, "map name '%s': character '%c' not allowed", name, c);
    }
    return 0;
}

int map_create(const struct map_attr *attr, const char *name, char *log, size_t logsz, struct bpfrt_map **mapp)
{
    const struct map_ops *ops;
    struct bpfrt_map *m;
    int err;

    if (log && logsz)
        log[0] = 0;
    if (!attr || !mapp)
        return -EINVAL;
    *mapp = NULL;
    if (!type_known(attr->type))
        return map_log_inval(log, logsz, "map '%s': unknown map type %u", name ? name : "", attr->type);
    ops = map_ops_of(attr->type);
    if (!ops)
        return map_log_err(-EOPNOTSUPP, log, logsz, "map '%s': map type %u not available in bpfrt", name ? name : "",
                           attr->type);
    err = check_name(name, log, logsz);
    if (err)
        return err;
    /* map_create(): map_extra only for the types that define it. */
    if (attr->map_extra && attr->type != BPF_MAP_TYPE_BLOOM_FILTER && (int)attr->type != MAP_TYPE_ARENA)
        return map_log_inval(log, logsz, "map '%s': map_extra set for a map type without one", name ? name : "");
    if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != 0 && attr->numa_node != (uint32_t)-1)
        return map_log_inval(log, logsz, "map '%s': NUMA node %u not online", name ? name : "", attr->numa_node);
    /* bpf_get_file_flag(): read-only and write-only exclude each other. */
    if ((attr->map_flags & BPF_F_RDONLY) && (attr->map_flags & BPF_F_WRONLY))
        return map_log_inval(log, logsz, "map '%s': BPF_F_RDONLY with BPF_F_WRONLY", name ? name : "");
    if (attr->nr_workers == 0)
        return map_log_inval(log, logsz, "map '%s': 0 workers", name ? name : "");
    if (attr->spin_lock_at && (uint64_t)attr->spin_lock_at - 1 + 4 > attr->value_size)
        return map_log_inval(log, logsz, "map '%s': spin lock outside the value", name ? name : "");
    /* map_check_btf(): a struct bpf_spin_lock only in these types' values. */
    if (attr->spin_lock_at && attr->type != BPF_MAP_TYPE_HASH && attr->type != BPF_MAP_TYPE_ARRAY &&
        attr->type != BPF_MAP_TYPE_CGROUP_STORAGE && attr->type != BPF_MAP_TYPE_SK_STORAGE &&
        attr->type != BPF_MAP_TYPE_INODE_STORAGE && attr->type != BPF_MAP_TYPE_TASK_STORAGE)
        return map_log_err(-EOPNOTSUPP, log, logsz, "map '%s': bpf_spin_lock not supported in this map type",
                           name ? name : "");
    if (ops->check) {
        err = ops->check(attr, log, logsz);
        if (err)
            return err;
    }
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->ops = ops;
    m->type = attr->type;
    if (name)
        snprintf(m->name, sizeof(m->name), "%s", name);
    m->key_size = attr->key_size;
    m->value_size = attr->value_size;
    m->max_entries = attr->max_entries;
    m->map_flags = attr->map_flags;
    m->numa_node = attr->numa_node;
    m->map_extra = attr->map_extra;
    m->nr_workers = attr->nr_workers;
    m->inner_map = attr->inner_map;
    m->btf_key_type_id = attr->btf_key_type_id;
    m->btf_value_type_id = attr->btf_value_type_id;
    m->spin_lock_off = (int32_t)attr->spin_lock_at - 1;
    err = ops->alloc ? ops->alloc(m) : 0;
    if (err) {
        free(m);
        return map_log_err(err, log, logsz, "map '%s': cannot allocate its storage (%s)", name ? name : "",
                           strerror(-err));
    }
    if (m->arena.base) {
        struct map_arena_hdr *h = arena_hdr(&m->arena);
        h->type = m->type;
        h->key_size = m->key_size;
        h->value_size = m->value_size;
        h->max_entries = m->max_entries;
        h->map_flags = m->map_flags;
        h->nr_workers = m->nr_workers;
    }
    err = map_register(m);
    if (err) {
        if (ops->free)
            ops->free(m);
        arena_free(&m->arena);
        free(m);
        return err;
    }
    *mapp = m;
    return 0;
}

int map_register(struct bpfrt_map *m)
{
    m->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    return map_registry_add(m);
}


int bpfrt_map__create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                      uint32_t max_entries, const struct bpfrt_map_create_opts *opts, struct bpfrt_map **mapp)
{
    struct map_attr attr = {
        .type = type,
        .key_size = key_size,
        .value_size = value_size,
        .max_entries = max_entries,
        .map_flags = CM_OPT(opts, map_flags, 0),
        .numa_node = CM_OPT(opts, numa_node, 0),
        .map_extra = CM_OPT(opts, map_extra, 0),
        .nr_workers = CM_OPT(opts, nr_workers, 0),
        .inner_map = CM_OPT(opts, inner_map, NULL),
        .btf_key_type_id = CM_OPT(opts, btf_key_type_id, 0),
        .btf_value_type_id = CM_OPT(opts, btf_value_type_id, 0),
    };

    const void *btf = CM_OPT(opts, btf, NULL);
    size_t btf_size = CM_OPT(opts, btf_size, 0);
    int err;

    if (!attr.nr_workers)
        attr.nr_workers = bpfrt_nr_workers();
    if (btf && btf_size && attr.btf_value_type_id) {
        int off = map_btf_spin_lock_off(btf, btf_size, attr.btf_value_type_id);
        if (off == -EINVAL)
            return map_log_inval(CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0),
                                 "map '%s': the value type has more than one bpf_spin_lock", name ? name : "");
        if (off >= 0)
            attr.spin_lock_at = (uint32_t)off + 1;
    }
    /* bpf_local_storage_map_check_btf(): the key type (typedefs and
     * modifiers resolved, as map_check_btf's btf_type_id_size does) is an
     * int of 32 bits at offset 0 (tests/kernel-diff/test_loader_conv_diff.c) */
    if ((type == BPF_MAP_TYPE_SK_STORAGE || type == BPF_MAP_TYPE_INODE_STORAGE ||
         type == BPF_MAP_TYPE_TASK_STORAGE) &&
        btf && btf_size && attr.btf_key_type_id && !map_btf_is_i32(btf, btf_size, attr.btf_key_type_id))
        return map_log_inval(CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0),
                             "map '%s': the key type of a local storage map must be a 32-bit int",
                             name ? name : "");
    err = map_create(&attr, name, CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0), mapp);
    if (!err && btf && btf_size && (attr.btf_key_type_id || attr.btf_value_type_id) &&
        map_set_btf(*mapp, btf, btf_size)) {
        bpfrt_map__free(*mapp);
        *mapp = NULL;
        return -ENOMEM;
    }
    return err;
}

void bpfrt_map__free(struct bpfrt_map *map)
{
    if (!map)
        return;
    map_registry_del(map);
    if (map->ops->free)
        map->ops->free(map);
    arena_free(&map->arena);
    map_pin_release(map);
    free(map->btf);
    free(map);
}

int map_set_btf(struct bpfrt_map *m, const void *raw, size_t len)
{
    void *copy = NULL;

    if (!m || (len && !raw))
        return -EINVAL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, raw, len);
    }
    free(m->btf);
    m->btf = copy;
    m->btf_len = len;
    return 0;
}

const void *bpfrt_map__btf(const struct bpfrt_map *map, size_t *len)
{
    if (len)
        *len = map && map->btf ? map->btf_len : 0;
    return map ? map->btf : NULL;
}

uint32_t bpfrt_map__btf_key_type_id(const struct bpfrt_map *map)
{
    return map ? map->btf_key_type_id : 0;
}

uint32_t bpfrt_map__btf_value_type_id(const struct bpfrt_map *map)
{
    return map ? map->btf_value_type_id : 0;
}

/* The live map of an id (map-in-map values, LD_IMM64 map references). */
struct bpfrt_map *map_get_by_id(uint32_t id)
{
    return map_by_id(id);
}

enum bpf_map_type bpfrt_map__type(const struct bpfrt_map *map)
{
    return map->type;
}

const char *bpfrt_map__name(const struct bpfrt_map *map)
{
    return map->name;
}

uint32_t bpfrt_map__key_size(const struct bpfrt_map *map)
{
    return map->key_size;
}

uint32_t bpfrt_map__value_size(const struct bpfrt_map *map)
{
    return map->value_size;
}

uint32_t bpfrt_map__max_entries(const struct bpfrt_map *map)
{
    return map->max_entries;
}

uint32_t bpfrt_map__nr_workers(const struct bpfrt_map *map)
{
    return map->nr_workers;
}

uint32_t bpfrt_map__map_flags(const struct bpfrt_map *map)
{
    return map->map_flags;
}

uint32_t bpfrt_map__id(const struct bpfrt_map *map)
{
    return map->id;
}

/* ---- user-space operations -------------------------------------------------- */

static size_t user_value_size(const struct bpfrt_map *m)
{
    if (is_percpu(m->type))
        return (size_t)m->nr_workers * map_percpu_slot(m);
    return m->value_size;
}

static int can_read(const struct bpfrt_map *m)
{
    return !(m->map_flags & BPF_F_WRONLY);
}

static int can_write(const struct bpfrt_map *m)
{
    /* a pin opened read-only is the kernel's BPF_F_RDONLY map fd */
    return !(m->map_flags & BPF_F_RDONLY) && !map_pin_rdonly(m) &&
           !__atomic_load_n(map_frozen_word((struct bpfrt_map *)m), __ATOMIC_ACQUIRE);
}

/* A map with key_size 0 (queue, stack, bloom filter, ringbuf) takes no key:
 * the kernel copies 0 bytes and ignores the pointer. */
static int check_key(const struct bpfrt_map *m, const void *key, size_t key_sz)
{
    if (!m->key_size)
        return key_sz ? -EINVAL : 0;
    return !key || key_sz != m->key_size ? -EINVAL : 0;
}

/* Copy a value found by the program-side lookup (non-per-CPU types). */
static int copy_found(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    void *p;

    if (!m->ops->lookup)
        return -MAP_ENOTSUPP;
    p = m->ops->lookup(m, key, map_cur_worker(m));
    if (!p)
        return -ENOENT;
    if (flags & BPF_F_LOCK)
        map_copy_value_locked(m, value, p, 0);
    else
        memcpy(value, p, m->value_size);
    map_zero_special(m, value);
    return 0;
}

/* The type's user-space op when it has one, else the kernel's default for
 * the command: peek/push/pop for keyless types, the program-side op for a
 * plain value. */
static int lookup_checked(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    if (m->ops->sys_lookup)
        return m->ops->sys_lookup(m, key, value, flags);
    if (is_keyless(m->type))
        return m->ops->peek ? (int)m->ops->peek(m, value) : -MAP_ENOTSUPP;
    return copy_found(m, key, value, flags);
}

int bpfrt_map__lookup_elem(struct bpfrt_map *map, const void *key, size_t key_sz, void *value, size_t value_sz,
                           uint64_t flags)
{
    if (!map || !value || check_key(map, key, key_sz) || value_sz != user_value_size(map))
        return -EINVAL;
    if (flags & ~(uint64_t)BPF_F_LOCK)
        return -EINVAL;
    if (!can_read(map))
        return -EPERM;
    if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
        return -EINVAL;
    return lookup_checked(map, key, value, flags);
}

static int update_checked(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    if (m->ops->sys_update)
        return m->ops->sys_update(m, key, value, flags);
    if (is_keyless(m->type))
        return m->ops->push ? (int)m->ops->push(m, value, flags) : -MAP_ENOTSUPP;
    if (m->ops->update)
        return (int)m->ops->update(m, key, value, flags, map_cur_worker(m));
    return -MAP_ENOTSUPP;
}

int bpfrt_map__update_elem(struct bpfrt_map *map, const void *key, size_t key_sz, const void *value, size_t value_sz,
                           uint64_t flags)
{
    if (!map || !value || check_key(map, key, key_sz) || value_sz != user_value_size(map))
        return -EINVAL;
    if (!can_write(map))
        return -EPERM;
    if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
        return -EINVAL;
    return update_checked(map, key, value, flags);
}

static int delete_checked(struct bpfrt_map *m, const void *key)
{
    if (m->ops->sys_delete)
        return m->ops->sys_delete(m, key);
    if (m->ops->delete)
        return (int)m->ops->delete (m, key, map_cur_worker(m));
    return -MAP_ENOTSUPP;
}

int bpfrt_map__delete_elem(struct bpfrt_map *map, const void *key, size_t key_sz, uint64_t flags)
{
    if (!map || check_key(map, key, key_sz) || flags)
        return -EINVAL;
    if (!can_write(map))
        return -EPERM;
    return delete_checked(map, key);
}

int bpfrt_map__lookup_and_delete_elem(struct bpfrt_map *map, const void *key, size_t key_sz, void *value,
                                      size_t value_sz, uint64_t flags)
{
    if (!map || !value || check_key(map, key, key_sz) || value_sz != user_value_size(map))
        return -EINVAL;
    if (flags & ~(uint64_t)BPF_F_LOCK)
        return -EINVAL;
    if (!can_read(map) || !can_write(map))
        return -EPERM;
    if (flags && (map->type == BPF_MAP_TYPE_QUEUE || map->type == BPF_MAP_TYPE_STACK))
        return -EINVAL;
    if ((flags & BPF_F_LOCK) && map->spin_lock_off < 0)
        return -EINVAL;
    if (map->ops->sys_lookup_and_delete)
        return map->ops->sys_lookup_and_delete(map, key, value, flags);
    if ((map->type == BPF_MAP_TYPE_QUEUE || map->type == BPF_MAP_TYPE_STACK) && map->ops->pop)
        return (int)map->ops->pop(map, value);
    return -MAP_ENOTSUPP;
}

int bpfrt_map__get_next_key(struct bpfrt_map *map, const void *key, void *next_key, size_t key_sz)
{
    if (!map || !next_key || key_sz != map->key_size)
        return -EINVAL;
    if (!can_read(map))
        return -EPERM;
    if (map->ops->get_next_key)
        return map->ops->get_next_key(map, key, next_key);
    return is_keyless(map->type) ? -EINVAL : -MAP_ENOTSUPP;
}

/* BPF_MAP_FREEZE: needs write access (a frozen map has none, so a second
 * freeze is -EPERM as in the kernel); afterwards user space cannot write,
 * programs still can unless BPF_F_RDONLY_PROG. */
int bpfrt_map__freeze(struct bpfrt_map *map)
{
    if (!map)
        return -EINVAL;
    if (!can_write(map))
        return -EPERM;
    if (__atomic_exchange_n(map_frozen_word(map), 1, __ATOMIC_ACQ_REL))
        return -EPERM;
    __atomic_store_n(&map->frozen, 1, __ATOMIC_RELEASE);
    return 0;
}

void *bpfrt_map__mmap(struct bpfrt_map *map, size_t *sizep)
{
    if (!map || !map->ops->mmap || !(map->map_flags & BPF_F_MMAPABLE))
        return NULL;
    return map->ops->mmap(map, sizep);
}

/* ---- batches ---------------------------------------------------------------- */

/* bpf_map_do_batch(): the command must exist for the type (-ENOTSUPP), then
 * read/write permissions (-EPERM). */
static int batch_prologue(struct bpfrt_map *m, unsigned op, int rd, int wr, uint32_t *count)
{
    if (!m || !count)
        return -EINVAL;
    if (!(m->ops->batch_ops & op))
        return -MAP_ENOTSUPP;
    if (rd && !can_read(m))
        return -EPERM;
    if (wr && !can_write(m))
        return -EPERM;
    return 0;
}

static int batch_elem_flags(struct bpfrt_map *m, uint64_t elem_flags)
{
    if (elem_flags & ~(uint64_t)BPF_F_LOCK)
        return -EINVAL;
    if ((elem_flags & BPF_F_LOCK) && m->spin_lock_off < 0)
        return -EINVAL;
    return 0;
}

/* generic_map_lookup_batch(): walk get_next_key from in_batch (a key),
 * copying key and value; a key that vanishes between the two steps is
 * retried a few times, then -EINTR.  out_batch gets the last key copied.
 * -ENOENT once the walk ends. */
static int generic_lookup_batch(struct bpfrt_map *m, const void *in_batch, void *out_batch, void *keys, void *values,
                                uint32_t *count, uint64_t elem_flags)
{
    size_t vsz = user_value_size(m);
    uint32_t max = *count, cp = 0;
    uint8_t *prev = NULL, *key, *buf;
    int err = 0, retry = 3;

    *count = 0;
    if (!max)
        return 0;
    buf = malloc(2 * (size_t)m->key_size);
    if (!buf)
        return -ENOMEM;
    key = buf + m->key_size;
    if (in_batch) {
        memcpy(buf, in_batch, m->key_size);
        prev = buf;
    }
    while (cp < max) {
        err = m->ops->get_next_key(m, prev, key);
        if (err)
            break;
        err = lookup_checked(m, key, (uint8_t *)values + (size_t)cp * vsz, elem_flags);
        if (err == -ENOENT) {
            if (retry--) {
                continue;
            }
            err = -EINTR;
            break;
        }
        if (err)
            goto out;
        memcpy((uint8_t *)keys + (size_t)cp * m->key_size, key, m->key_size);
        if (!prev)
            prev = buf;
        memcpy(prev, key, m->key_size);
        retry = 3;
        cp++;
    }
    *count = cp;
    if (cp && out_batch)
        memcpy(out_batch, prev, m->key_size);
out:
    free(buf);
    return err;
}

int bpfrt_map__lookup_batch(struct bpfrt_map *map, void *in_batch, void *out_batch, void *keys, void *values,
                            uint32_t *count, const struct bpfrt_map_batch_opts *opts)
{
    uint64_t elem_flags = CM_OPT(opts, elem_flags, 0), flags = CM_OPT(opts, flags, 0);
    int err = batch_prologue(map, MAP_BATCH_LOOKUP, 1, 0, count);

    if (err)
        return err;
    err = batch_elem_flags(map, elem_flags);
    if (err)
        return err;
    if (map->ops->lookup_batch) {
        if (flags)
            return -EINVAL;
        if (!*count)
            return 0;
        return map->ops->lookup_batch(map, in_batch, out_batch, keys, values, count, elem_flags, 0);
    }
    return generic_lookup_batch(map, in_batch, out_batch, keys, values, count, elem_flags);
}

int bpfrt_map__lookup_and_delete_batch(struct bpfrt_map *map, void *in_batch, void *out_batch, void *keys, void *values,
                                       uint32_t *count, const struct bpfrt_map_batch_opts *opts)
{
    uint64_t elem_flags = CM_OPT(opts, elem_flags, 0), flags = CM_OPT(opts, flags, 0);
    int err = batch_prologue(map, MAP_BATCH_LOOKUP_AND_DELETE, 1, 1, count);

    if (err)
        return err;
    if (!map->ops->lookup_batch)
        return -MAP_ENOTSUPP;
    err = batch_elem_flags(map, elem_flags);
    if (err)
        return err;
    if (flags)
        return -EINVAL;
    if (!*count)
        return 0;
    return map->ops->lookup_batch(map, in_batch, out_batch, keys, values, count, elem_flags, 1);
}

/* generic_map_update_batch(): update one by one, stop at the first error;
 * *count says how many succeeded.  batch.flags is not checked (kernel). */
int bpfrt_map__update_batch(struct bpfrt_map *map, const void *keys, const void *values, uint32_t *count,
                            const struct bpfrt_map_batch_opts *opts)
{
    uint64_t elem_flags = CM_OPT(opts, elem_flags, 0);
    uint32_t max, cp;
    size_t vsz;
    int err = batch_prologue(map, MAP_BATCH_UPDATE, 0, 1, count);

    if (err)
        return err;
    err = batch_elem_flags(map, elem_flags);
    if (err)
        return err;
    max = *count;
    *count = 0;
    vsz = user_value_size(map);
    for (cp = 0; cp < max; cp++) {
        err = update_checked(map, (const uint8_t *)keys + (size_t)cp * map->key_size,
                             (const uint8_t *)values + (size_t)cp * vsz, elem_flags);
        if (err)
            break;
    }
    *count = cp;
    return err;
}

/* generic_map_delete_batch(): delete one by one, stop at the first error. */
int bpfrt_map__delete_batch(struct bpfrt_map *map, const void *keys, uint32_t *count,
                            const struct bpfrt_map_batch_opts *opts)
{
    uint64_t elem_flags = CM_OPT(opts, elem_flags, 0);
    uint32_t max, cp;
    int err = batch_prologue(map, MAP_BATCH_DELETE, 0, 1, count);

    if (err)
        return err;
    err = batch_elem_flags(map, elem_flags);
    if (err)
        return err;
    max = *count;
    *count = 0;
    for (cp = 0; cp < max; cp++) {
        err = delete_checked(map, (const uint8_t *)keys + (size_t)cp * map->key_size);
        if (err)
            break;
    }
    *count = cp;
    return err;
}

int map_array_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    uint32_t idx, next = 0;

    if (key) {
        memcpy(&idx, key, sizeof(idx));
        if (idx < m->max_entries) {
            if (idx == m->max_entries - 1)
                return -ENOENT;
            next = idx + 1;
        }
    }
    memcpy(next_key, &next, sizeof(next));
    return 0;
}

int map_btf_is_i32(const void *raw, size_t len, uint32_t type_id)
{
    struct btf *b = btf__new(raw, (uint32_t)len);
    const struct btf_type *t;
    int depth = 0, ok;

    if (!b)
        return 0;
    t = btf__type_by_id(b, type_id);
    while (t && (btf_is_mod(t) || btf_is_typedef(t)) && depth++ < 32)
        t = btf__type_by_id(b, t->type);
    ok = t && btf_is_int(t) && btf_int_bits(t) == 32 && btf_int_offset(t) == 0;
    btf__free(b);
    return ok;
}

int map_btf_spin_lock_off(const void *raw, size_t len, uint32_t value_type_id)
{
    struct btf *b = btf__new(raw, (uint32_t)len);
    const struct btf_type *t;
    int found = -ENOENT;

    if (!b)
        return -ENOENT;
    t = btf__type_by_id(b, value_type_id);
    while (t && (btf_is_mod(t) || btf_is_typedef(t)))
        t = btf__type_by_id(b, t->type);
    if (t && btf_is_composite(t)) {
        /* btf_find_spin_lock: a top-level member of type struct bpf_spin_lock */
        const struct btf_member *m = btf_members(t);
        for (uint32_t i = 0; i < btf_vlen(t); i++) {
            const struct btf_type *mt = btf__type_by_id(b, m[i].type);
            const char *n;
            while (mt && (btf_is_mod(mt) || btf_is_typedef(mt)))
                mt = btf__type_by_id(b, mt->type);
            n = mt && btf_is_struct(mt) ? btf__name_by_offset(b, mt->name_off) : NULL;
            if (n && !strcmp(n, "bpf_spin_lock")) {
                if (found >= 0) {
                    found = -EINVAL;
                    break;
                }
                found = (int)(btf_member_bit_offset(t, i) / 8);
            }
        }
    }
    btf__free(b);
    return found;
}
