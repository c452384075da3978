/* fd_array.c - maps whose values are other objects: BPF_MAP_TYPE_PROG_ARRAY,
 * BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS.
 *
 * In the kernel user space stores a file descriptor and the map keeps a
 * reference to the object; reading back from user space yields the
 * object's id.  bpfrt has ids only, so the "fd" user space stores is the
 * id of a bpfrt program or map, and the arena holds that id (never a
 * pointer, so the map can be shared).  The program side resolves the id:
 * lookup in a map-in-map returns the inner struct bpfrt_map *, lookup in a
 * PROG_ARRAY returns the struct bpfrt_prog * (what a tail call needs; BPF
 * programs themselves cannot look up a PROG_ARRAY, the verifier refuses).
 *
 * Ids resolve through map_get_by_id() (map.c) and cm_progid_get()
 * (src/common/progid.c, where the runtime registers its programs, so the
 * map code needs no knowledge of program objects).  Not yet: a reference
 * count so that an inner map or program freed by its owner while stored
 * here stays alive (the kernel holds a reference).
 *
 * Errno, as the kernel 6.18 answers (tests/kernel-diff/test_mapdiff2.c):
 *   create: value_size != 4, key_size != 4 (arrays), RDONLY/WRONLY_PROG,
 *     PRESERVE_ELEMS, MMAPABLE -> -EINVAL; inner prototype missing or itself a
 *     map-in-map -> -EINVAL; an inner PROG_ARRAY -> -ENOTSUPP (524).
 *   array update: flags != BPF_ANY -> -EINVAL, index >= max_entries -> -E2BIG,
 *     unknown id -> -EBADF, incompatible inner map / program type -> -EINVAL.
 *   (HASH_OF_MAPS key_size has no small limit: 1 MiB keys are accepted.)
 *   hash update: BPF_F_LOCK -> -EINVAL, unknown id -> -EBADF, other flags
 *     > BPF_EXIST -> -EINVAL, then
 *     -EEXIST / -ENOENT / -E2BIG (full) as a hash map.
 *   lookup: the stored id, -ENOENT when empty or out of range.
 *   delete: array -E2BIG out of range, -ENOENT empty; hash -ENOENT.
 *   lookup_and_delete: -ENOTSUPP (524). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../common/progid.h"
#include "map.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported", seen by user space */
#endif


#define FD_HDR_OFF 256 /* our header follows the arena's own (offset 0) */
#define FD_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY)
#define FD_ARRAY_FLAGS (BPF_F_NUMA_NODE | FD_ACCESS_FLAGS)
#define FD_HASH_FLAGS                                                                                                  \
    (BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | FD_ACCESS_FLAGS | BPF_F_ZERO_SEED | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define FD_HASH_SLACK 8

/* The inner map prototype, as kept in the arena. */
struct fd_proto {
    uint32_t type, key_size, value_size, max_entries, map_flags;
};

/* PROG_ARRAY: the owner program type, fixed by the first program stored
 * (kernel bpf_prog_map_compatible). */
struct fd_hdr {
    pthread_mutex_t lock;
    struct fd_proto proto;
    uint32_t owner_type;
    /* HASH_OF_MAPS */
    uint64_t seed;
    uint32_t n_buckets, elem_size;
    uint64_t n_entries;
    map_off_t buckets_off;
    map_off_t free_head, free_tail;
    /* arrays: ids follow at slots_off */
    map_off_t slots_off;
};

struct fd_elem {
    map_off_t next;
    map_off_t next_free;
    uint32_t hash, id;
    uint8_t key[];
};

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static struct fd_hdr *fd_hdr(const struct bpfrt_map *m)
{
    return (struct fd_hdr *)(m->arena.base + FD_HDR_OFF);
}

static uint32_t *fd_slots(const struct bpfrt_map *m)
{
    return (uint32_t *)(m->arena.base + fd_hdr(m)->slots_off);
}

static void fd_lock(struct fd_hdr *h)
{
    if (pthread_mutex_lock(&h->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&h->lock);
}

static void fd_unlock(struct fd_hdr *h)
{
    pthread_mutex_unlock(&h->lock);
}

static int is_map_in_map(uint32_t type)
{
    return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* ------------------------------------------------------------- creation */

static int fd_check(const struct map_attr *attr, char *log, size_t logsz)
{
    int hash = attr->type == BPF_MAP_TYPE_HASH_OF_MAPS;

    if (attr->value_size != 4)
        return map_log_inval(log, logsz, "value_size %u: only ids (4 bytes) can be stored", attr->value_size);
    if (!hash) {
        /* kernel fd_array_map_alloc_check + array_map_alloc_check */
        if (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_PRESERVE_ELEMS))
            return map_log_inval(log, logsz, "map_flags 0x%x: RDONLY_PROG/WRONLY_PROG/PRESERVE_ELEMS not accepted",
                                 attr->map_flags);
        if (attr->max_entries == 0 || attr->key_size != 4)
            return map_log_inval(log, logsz, "key_size must be 4 and max_entries > 0 (got %u/%u)", attr->key_size,
                                 attr->max_entries);
        if (attr->map_flags & ~FD_ARRAY_FLAGS)
            return map_log_inval(log, logsz, "map_flags 0x%x not accepted", attr->map_flags);
    } else {
        /* kernel fd_htab_map_alloc_check + htab_map_alloc_check */
        if (attr->map_flags & ~FD_HASH_FLAGS)
            return map_log_inval(log, logsz, "map_flags 0x%x not accepted", attr->map_flags);
        if ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG))
            return map_log_inval(log, logsz, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
        if (attr->max_entries == 0 || attr->key_size == 0)
            return map_log_inval(log, logsz, "key_size and max_entries must be > 0");
    }
    if (attr->type == BPF_MAP_TYPE_PROG_ARRAY)
        return 0;
    /* kernel bpf_map_meta_alloc */
    if (!attr->inner_map)
        return map_log_inval(log, logsz, "a map-in-map needs an inner map prototype");
    if (attr->inner_map->type == BPF_MAP_TYPE_PROG_ARRAY) {
        map_log_inval(log, logsz, "a PROG_ARRAY cannot be an inner map");
        return -ENOTSUPP;
    }
    if (is_map_in_map(attr->inner_map->type))
        return map_log_inval(log, logsz, "a map-in-map cannot be an inner map (one level only)");
    return 0;
}

static int fd_alloc(struct bpfrt_map *m)
{
    uint64_t hdr_end = FD_HDR_OFF + ((sizeof(struct fd_hdr) + 63) & ~63ul);
    int hash = m->type == BPF_MAP_TYPE_HASH_OF_MAPS;
    uint32_t elem_size = (uint32_t)((sizeof(struct fd_elem) + m->key_size + 7) & ~7ul);
    uint64_t n_buckets = 1, nelem = (uint64_t)m->max_entries + FD_HASH_SLACK, size;
    pthread_mutexattr_t ma;
    struct fd_hdr *h;
    int err;

    if (is_map_in_map(m->type) && !m->inner_map)
        return -EINVAL;
    while (hash && n_buckets < m->max_entries)
        n_buckets <<= 1;
    if (hash)
        size = hdr_end + n_buckets * sizeof(map_off_t) + nelem * elem_size;
    else
        size = hdr_end + (uint64_t)m->max_entries * 4;
    err = arena_alloc(&m->arena, size);
    if (err)
        return err;
    h = fd_hdr(m);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    if (m->inner_map) {
        h->proto.type = m->inner_map->type;
        h->proto.key_size = m->inner_map->key_size;
        h->proto.value_size = m->inner_map->value_size;
        h->proto.max_entries = m->inner_map->max_entries;
        h->proto.map_flags = m->inner_map->map_flags;
    }
    h->slots_off = hdr_end;
    if (hash) {
        h->n_buckets = (uint32_t)n_buckets;
        h->elem_size = elem_size;
        h->buckets_off = hdr_end;
        if (!(m->map_flags & BPF_F_ZERO_SEED) && getrandom(&h->seed, sizeof(h->seed), 0) != sizeof(h->seed))
            h->seed = (uint64_t)(uintptr_t)h ^ 0x9e3779b97f4a7c15ull;
        for (uint64_t i = 0; i < nelem; i++) {
            map_off_t off = hdr_end + n_buckets * sizeof(map_off_t) + i * elem_size;
            if (h->free_tail)
                ((struct fd_elem *)arena_ptr(&m->arena, h->free_tail))->next_free = off;
            else
                h->free_head = off;
            h->free_tail = off;
        }
    }
    return 0;
}

static void fd_free(struct bpfrt_map *m)
{
    free(m->priv); /* PROG_ARRAY: the slot cache (map_prog_array_lookup) */
    m->priv = NULL;
    arena_free(&m->arena);
}

/* --------------------------------------------------- objects behind ids */

/* Whether inner may be stored in m (kernel map_meta_equal: type, sizes and
 * flags; an array's max_entries too unless the prototype has
 * BPF_F_INNER_MAP). */
static int fd_inner_compatible(const struct fd_proto *p, const struct bpfrt_map *inner)
{
    /* BPF_F_RDONLY / BPF_F_WRONLY describe the creator's fd, not the map:
     * the kernel does not keep them (bpf_map_flags_retain_permanent). */
    uint32_t fd_flags = BPF_F_RDONLY | BPF_F_WRONLY;

    if (p->type != (uint32_t)inner->type || p->key_size != inner->key_size || p->value_size != inner->value_size ||
        (p->map_flags & ~fd_flags) != (inner->map_flags & ~fd_flags))
        return 0;
    if ((p->type == BPF_MAP_TYPE_ARRAY || p->type == BPF_MAP_TYPE_PERCPU_ARRAY) && !(p->map_flags & BPF_F_INNER_MAP))
        return p->max_entries == inner->max_entries;
    return 1;
}

/* Check the object id may be stored in m: 0, -EBADF (no such object) or
 * -EINVAL (incompatible).  For a PROG_ARRAY the first program fixes the
 * owner type. */
static int fd_check_id(struct bpfrt_map *m, uint32_t id)
{
    struct fd_hdr *h = fd_hdr(m);

    if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
        uint32_t ptype = 0;
        void *p = cm_progid_get(id, &ptype);
        uint32_t type;

        if (!p)
            return -EBADF;
        type = ptype;
        if (type == BPF_PROG_TYPE_EXT)
            return -EINVAL;
        if (!LOAD(h->owner_type)) {
            uint32_t none = 0;
            __atomic_compare_exchange_n(&h->owner_type, &none, type ? type : UINT32_MAX, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE);
        }
        return LOAD(h->owner_type) == (type ? type : UINT32_MAX) ? 0 : -EINVAL;
    } else {
        struct bpfrt_map *inner = map_get_by_id(id);

        if (!inner)
            return -EBADF;
        if (is_map_in_map(inner->type) || !fd_inner_compatible(&h->proto, inner))
            return -EINVAL;
        return 0;
    }
}

static void *fd_resolve(struct bpfrt_map *m, uint32_t id)
{
    if (!id)
        return NULL;
    if (m->type == BPF_MAP_TYPE_PROG_ARRAY)
        return cm_progid_get(id, NULL);
    return map_get_by_id(id);
}

/* ------------------------------------------------- PROG_ARRAY slot cache */

/* A tail call resolves the slot's program on every call (the kernel's
 * semantics: the slot's current program, bpf_tail_call in
 * kernel/bpf/core.c and the x86 JIT read prog_array->ptrs[index] each
 * time), and resolving an id takes cm_progid_get()'s lock.  So each
 * process keeps, per slot, the last id it resolved there with the program
 * and cm_progid_gen() of the moment (m->priv, never shared: the pointer is
 * this process's).  The slot's id is still read from the arena on every
 * call, so an update or delete by another thread takes effect at the
 * next call (a PROG_ARRAY is never shared between processes: its ids are
 * per process, pin.c refuses to pin one); the entry is used only when the
 * slot still holds its id and no program was freed since (ids are never
 * reused, so the pair names the same live program).  Entries are written
 * under a per-entry sequence number (odd while written; a writer that
 * finds it odd leaves the entry), read without a lock.
 * tests/unit/test_tailcall_cache.c. */
struct fd_cache_ent {
    uint32_t seq, id, gen;
    void *prog;
};

#define RLX(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define SET(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

static struct fd_cache_ent *fd_cache(struct bpfrt_map *m)
{
    struct fd_cache_ent *c = LOAD(m->priv), *none = NULL;

    if (c)
        return c;
    c = calloc(m->max_entries, sizeof(*c));
    if (!c)
        return NULL; /* no cache: every call resolves (correct, slower) */
    if (!__atomic_compare_exchange_n((struct fd_cache_ent **)&m->priv, &none, c, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        free(c);
        c = none;
    }
    return c;
}

void *map_prog_array_lookup(struct bpfrt_map *m, uint32_t idx)
{
    uint32_t id = LOAD(fd_slots(m)[idx]), gen, s;
    struct fd_cache_ent *e;
    void *p;

    if (!id)
        return NULL;
    e = LOAD(m->priv);
    if (e) {
        e += idx;
        s = LOAD(e->seq);
        if (!(s & 1) && RLX(e->id) == id) {
            uint32_t g = RLX(e->gen);
            p = RLX(e->prog);
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (RLX(e->seq) == s && g == cm_progid_gen())
                return p;
        }
    } else if (!(e = fd_cache(m))) {
        return cm_progid_get(id, NULL);
    } else {
        e += idx;
    }
    gen = cm_progid_gen(); /* before the lookup: a free after it changes the number */
    p = cm_progid_get(id, NULL);
    s = RLX(e->seq);
    if (p && !(s & 1) && __atomic_compare_exchange_n(&e->seq, &s, s + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        __atomic_thread_fence(__ATOMIC_RELEASE);
        SET(e->id, id);
        SET(e->gen, gen);
        SET(e->prog, p);
        __atomic_store_n(&e->seq, s + 2, __ATOMIC_RELEASE);
    }
    return p;
}

/* ---------------------------------------------------------------- arrays */

static void *fd_array_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    uint32_t idx;

    (void)worker;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return NULL;
    if (m->type == BPF_MAP_TYPE_PROG_ARRAY)
        return map_prog_array_lookup(m, idx);
    return fd_resolve(m, LOAD(fd_slots(m)[idx]));
}

static int fd_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t idx, id;

    if (flags)
        return -EINVAL;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries || !(id = LOAD(fd_slots(m)[idx])))
        return -ENOENT;
    memcpy(value, &id, 4);
    return 0;
}

static int fd_array_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    uint32_t idx, id;
    int err;

    if (flags != BPF_ANY)
        return -EINVAL;
    memcpy(&idx, key, 4);
    memcpy(&id, value, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    err = fd_check_id(m, id);
    if (err)
        return err;
    STORE(fd_slots(m)[idx], id);
    return 0;
}

static int fd_array_sys_delete(struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    return __atomic_exchange_n(&fd_slots(m)[idx], 0, __ATOMIC_ACQ_REL) ? 0 : -ENOENT;
}

static int fd_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -ENOTSUPP;
}

/* ------------------------------------------------------------ hash table */

static struct fd_elem *fd_elem(const struct bpfrt_map *m, map_off_t off)
{
    return off && off < m->arena.size ? (struct fd_elem *)(m->arena.base + off) : NULL;
}

static map_off_t *fd_bucket(const struct bpfrt_map *m, uint32_t hash)
{
    const struct fd_hdr *h = fd_hdr(m);

    return (map_off_t *)(m->arena.base + h->buckets_off) + (hash & (h->n_buckets - 1));
}

/* 64-bit multiply-xorshift hash of the key, seeded per map. */
static uint32_t fd_hash(const struct bpfrt_map *m, const void *key)
{
    const uint8_t *p = key;
    uint64_t x = fd_hdr(m)->seed ^ (m->key_size * 0x9e3779b97f4a7c15ull);

    for (uint32_t i = 0; i < m->key_size; i++) {
        x ^= p[i];
        x *= 0xff51afd7ed558ccdull;
        x ^= x >> 29;
    }
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static struct fd_elem *fd_hash_find(struct bpfrt_map *m, const void *key, uint32_t hash)
{
    uint32_t steps = 0;

    for (struct fd_elem *e = fd_elem(m, LOAD(*fd_bucket(m, hash))); e && steps++ <= m->max_entries + FD_HASH_SLACK;
         e = fd_elem(m, LOAD(e->next)))
        if (e->hash == hash && !memcmp(e->key, key, m->key_size))
            return e;
    return NULL;
}

static void *fd_hash_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct fd_elem *e = fd_hash_find(m, key, fd_hash(m, key));

    (void)worker;
    return e ? fd_resolve(m, LOAD(e->id)) : NULL;
}

static int fd_hash_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct fd_elem *e;
    uint32_t id;

    if (flags)
        return -EINVAL;
    e = fd_hash_find(m, key, fd_hash(m, key));
    if (!e || !(id = LOAD(e->id)))
        return -ENOENT;
    memcpy(value, &id, 4);
    return 0;
}

static void fd_elem_put(struct bpfrt_map *m, struct fd_hdr *h, struct fd_elem *e)
{
    map_off_t off = arena_off(&m->arena, e);

    e->next_free = 0;
    if (h->free_tail)
        fd_elem(m, h->free_tail)->next_free = off;
    else
        h->free_head = off;
    h->free_tail = off;
}

static int fd_hash_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    struct fd_hdr *h = fd_hdr(m);
    uint32_t hash = fd_hash(m, key), id;
    struct fd_elem *old, *e;
    map_off_t *bucket = fd_bucket(m, hash);
    int err;

    /* kernel: BPF_F_LOCK is refused by the syscall, the id is resolved
     * next, the other flags are the hash table's to check. */
    if (flags & BPF_F_LOCK)
        return -EINVAL;
    memcpy(&id, value, 4);
    err = fd_check_id(m, id);
    if (err)
        return err;
    if (flags > BPF_EXIST)
        return -EINVAL;
    fd_lock(h);
    old = fd_hash_find(m, key, hash);
    if (old && flags == BPF_NOEXIST) {
        err = -EEXIST;
    } else if (!old && flags == BPF_EXIST) {
        err = -ENOENT;
    } else if (!old && h->n_entries >= m->max_entries) {
        err = -E2BIG;
    } else if (!(e = fd_elem(m, h->free_head))) {
        err = -ENOMEM;
    } else {
        /* A new element replaces the old one in the chain, so a reader
         * never sees a half-written element. */
        h->free_head = e->next_free;
        if (!h->free_head)
            h->free_tail = 0;
        e->hash = hash;
        e->id = id;
        memcpy(e->key, key, m->key_size);
        if (old) {
            map_off_t *pp = bucket;
            while (*pp != arena_off(&m->arena, old))
                pp = &fd_elem(m, *pp)->next;
            e->next = old->next;
            STORE(*pp, arena_off(&m->arena, e));
            fd_elem_put(m, h, old);
        } else {
            e->next = *bucket;
            STORE(*bucket, arena_off(&m->arena, e));
            h->n_entries++;
        }
    }
    fd_unlock(h);
    return err;
}

static int fd_hash_sys_delete(struct bpfrt_map *m, const void *key)
{
    struct fd_hdr *h = fd_hdr(m);
    uint32_t hash = fd_hash(m, key);
    struct fd_elem *e;
    map_off_t *pp;
    int err = -ENOENT;

    fd_lock(h);
    for (pp = fd_bucket(m, hash); (e = fd_elem(m, *pp)); pp = &e->next) {
        if (e->hash == hash && !memcmp(e->key, key, m->key_size)) {
            STORE(*pp, e->next);
            fd_elem_put(m, h, e);
            h->n_entries--;
            err = 0;
            break;
        }
    }
    fd_unlock(h);
    return err;
}

/* Kernel htab order: the rest of the key's chain, then the next buckets;
 * a key not in the map restarts from the first element. */
static int fd_hash_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct fd_hdr *h = fd_hdr(m);
    struct fd_elem *e = NULL;
    uint32_t b = 0;
    int err = -ENOENT;

    fd_lock(h);
    if (key) {
        uint32_t hash = fd_hash(m, key);
        struct fd_elem *cur = fd_hash_find(m, key, hash);
        if (cur) {
            e = fd_elem(m, cur->next);
            b = (hash & (h->n_buckets - 1)) + 1;
        }
    }
    for (; !e && b < h->n_buckets; b++)
        e = fd_elem(m, *((map_off_t *)(m->arena.base + h->buckets_off) + b));
    if (e) {
        memcpy(next_key, e->key, m->key_size);
        err = 0;
    }
    fd_unlock(h);
    return err;
}

/* ------------------------------------------------------------------ ops */

const struct map_ops map_ops_prog_array = {
    .check = fd_check,
    .alloc = fd_alloc,
    .free = fd_free,
    .lookup = fd_array_lookup,
    .sys_lookup = fd_array_sys_lookup,
    .sys_update = fd_array_sys_update,
    .sys_delete = fd_array_sys_delete,
    .sys_lookup_and_delete = fd_sys_lookup_and_delete,
    .get_next_key = map_array_get_next_key,
};

const struct map_ops map_ops_array_of_maps = {
    .check = fd_check,
    .alloc = fd_alloc,
    .free = fd_free,
    .lookup = fd_array_lookup,
    .sys_lookup = fd_array_sys_lookup,
    .sys_update = fd_array_sys_update,
    .sys_delete = fd_array_sys_delete,
    .sys_lookup_and_delete = fd_sys_lookup_and_delete,
    .get_next_key = map_array_get_next_key,
};

const struct map_ops map_ops_hash_of_maps = {
    .check = fd_check,
    .alloc = fd_alloc,
    .free = fd_free,
    .lookup = fd_hash_lookup,
    .sys_lookup = fd_hash_sys_lookup,
    .sys_update = fd_hash_sys_update,
    .sys_delete = fd_hash_sys_delete,
    .sys_lookup_and_delete = fd_sys_lookup_and_delete,
    .get_next_key = fd_hash_get_next_key,
};
