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
 * Pinned (PROG_ARRAY, ARRAY_OF_MAPS): ids mean nothing in another
 * process, so a pinned array's slots refer to pins.  The arena keeps, per
 * slot, the absolute path of the pinned program or map (struct fd_ref)
 * and a sequence number; the slot word holds that number (0: empty).
 * Pinning (pin_prepare / pin_done, called by pin.c) turns every stored id
 * into its object's pin path: a program must be pinned or have a pin
 * planned (a pin of the whole object is being made: the loader plans the
 * paths first, cm_pinref's prog_path), an inner map is pinned under the
 * state directory if it is not yet.  Each process keeps its own cache
 * (struct fd_local): the object a slot's path opens to in this process,
 * valid while the slot keeps its sequence number; a program is opened
 * through the runtime's hooks (common/pinref.h), a map with
 * bpfrt_map__open_pinned.  Objects a process opened stay until the map is
 * freed (a tail call may be running in one being replaced).  A slot whose
 * pin cannot be opened, or opens to an incompatible object, reads as
 * empty.  User-space updates of a pinned array store the pin path of the
 * object the id names (-EOPNOTSUPP when it is not pinned).  A pinned
 * array keeps referring to pins after bpfrt_map__unpin.  A pinned
 * HASH_OF_MAPS does the same per element: an element's value word holds
 * the sequence number of the ref (one per element, by its index in the
 * element pool), written under the hash's robust lock before the element
 * is linked, so a crash leaves either the old element or the new one
 * whole.  tests/unit/test_pin_tail.c, tests/unit/test_pin_hom.c.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../common/pinref.h"
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
    /* arrays of at most FD_REF_MAX_SLOTS: one struct fd_ref per slot, for
     * pins (0: none); ref_seq numbers the refs written */
    map_off_t refs_off;
    uint32_t ref_seq;
};

#define FD_REF_PATH 248
#define FD_REF_MAX_SLOTS 65536u

/* A pinned array's slot: the pin it refers to (shared, in the arena). */
struct fd_ref {
    uint32_t seq, len;
    char path[FD_REF_PATH];
};

/* This process's view of a pinned array (m->priv). */
struct fd_cached {
    uint32_t seq, id;
    void *obj;
    int owned; /* opened here from its pin: freed with the map */
};

struct fd_local {
    pthread_mutex_t lock;
    int shared;              /* slots hold sequence numbers of refs */
    struct fd_cached *ent;   /* max_entries */
    struct fd_cached *old;   /* owned objects replaced in ent */
    size_t nold;
    struct bpfrt_map *proto; /* reopened array of maps: its inner prototype */
    char (*prep)[FD_REF_PATH]; /* pin_prepare's paths, until pin_done */
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

/* Refs a pinned map keeps: one per array slot, one per hash element. */
static uint32_t fd_nrefs(const struct bpfrt_map *m)
{
    return m->type == BPF_MAP_TYPE_HASH_OF_MAPS ? m->max_entries + FD_HASH_SLACK : m->max_entries;
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
    uint64_t n_buckets = 1, nelem = (uint64_t)m->max_entries + FD_HASH_SLACK, size, refs_off;
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
        size = hdr_end + (((uint64_t)m->max_entries * 4 + 7) & ~7ull);
    refs_off = size;
    if (hash && nelem <= FD_REF_MAX_SLOTS)
        size += nelem * sizeof(struct fd_ref);
    else if (!hash && m->max_entries <= FD_REF_MAX_SLOTS)
        size += (uint64_t)m->max_entries * sizeof(struct fd_ref);
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
    if (nelem <= FD_REF_MAX_SLOTS && (hash || m->max_entries <= FD_REF_MAX_SLOTS))
        h->refs_off = refs_off;
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

static void fd_put_obj(const struct bpfrt_map *m, void *obj)
{
    const struct cm_pinref_ops *ops = cm_pinref();

    if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
        if (ops)
            ops->prog_free(obj);
    } else {
        bpfrt_map__free(obj);
    }
}

static void fd_free(struct bpfrt_map *m)
{
    struct fd_local *l = m->priv;

    if (l) {
        for (uint32_t i = 0; l->ent && i < fd_nrefs(m); i++)
            if (l->ent[i].owned)
                fd_put_obj(m, l->ent[i].obj);
        for (size_t i = 0; i < l->nold; i++)
            fd_put_obj(m, l->old[i].obj);
        if (l->proto)
            bpfrt_map__free(l->proto);
        pthread_mutex_destroy(&l->lock);
        free(l->ent);
        free(l->old);
        free(l->prep);
        free(l);
        m->priv = NULL;
    }
    free(m->slot_cache); /* PROG_ARRAY: the slot cache (map_prog_array_lookup) */
    m->slot_cache = NULL;
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

/* ------------------------------------------------- pinned arrays: refs */

static struct fd_ref *fd_refs(const struct bpfrt_map *m)
{
    return (struct fd_ref *)(m->arena.base + fd_hdr(m)->refs_off);
}

static int fd_is_shared(const struct bpfrt_map *m)
{
    const struct fd_local *l = m->priv;
    return l && LOAD(l->shared);
}

static struct fd_local *fd_local_get(struct bpfrt_map *m)
{
    struct fd_local *l = m->priv;
    pthread_mutexattr_t ma;

    if (l)
        return l;
    l = calloc(1, sizeof(*l));
    if (!l || !(l->ent = calloc(fd_nrefs(m) ? fd_nrefs(m) : 1, sizeof(*l->ent)))) {
        free(l);
        return NULL;
    }
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE); /* opening a pin may come back to this map */
    pthread_mutex_init(&l->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    m->priv = l;
    return l;
}

/* Put (seq, id, obj) in slot idx of the cache; an owned object it
 * replaces goes to the old list.  Under l->lock. */
static void fd_cache_set(struct fd_local *l, uint32_t idx, uint32_t seq, uint32_t id, void *obj, int owned)
{
    struct fd_cached *c = &l->ent[idx];

    if (c->owned) {
        struct fd_cached *o = realloc(l->old, (l->nold + 1) * sizeof(*o));
        if (o) {
            l->old = o;
            o[l->nold++] = *c;
        } /* else: leaked rather than freed under a running tail call */
    }
    STORE(c->seq, 0);
    c->id = id;
    __atomic_store_n(&c->obj, obj, __ATOMIC_RELEASE);
    c->owned = owned;
    STORE(c->seq, seq);
}

/* Open the object pinned at path for slot idx of m: it must be what m may
 * hold (a program of the array's owner type, a map like the prototype). */
static void *fd_open_ref(struct bpfrt_map *m, const char *path, uint32_t *idp)
{
    const struct cm_pinref_ops *ops = cm_pinref();
    char log[256];

    if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
        void *prog = NULL;
        uint32_t type = 0, owner = LOAD(fd_hdr(m)->owner_type);
        if (!ops || ops->prog_open(path, &prog, idp, log, sizeof(log)))
            return NULL;
        cm_progid_get(*idp, &type);
        if (owner && owner != (type ? type : UINT32_MAX)) {
            ops->prog_free(prog);
            return NULL;
        }
        return prog;
    } else {
        struct bpfrt_map *inner = NULL;
        if (bpfrt_map__open_pinned(path, &inner))
            return NULL;
        if (is_map_in_map(inner->type) || !fd_inner_compatible(&fd_hdr(m)->proto, inner)) {
            bpfrt_map__free(inner);
            return NULL;
        }
        *idp = inner->id;
        return inner;
    }
}

/* The object ref idx of a pinned map stands for in this process (its id
 * in *idp), opening its pin on first use; NULL when empty or when the pin
 * cannot be opened.  word is where the map keeps the ref's sequence
 * number (an array's slot, a hash element's value). */
static void *fd_shared_get_at(struct bpfrt_map *m, uint32_t idx, const uint32_t *word, uint32_t *idp)
{
    struct fd_local *l = m->priv;
    struct fd_cached *c = &l->ent[idx];
    struct fd_hdr *h = fd_hdr(m);
    uint32_t seq = LOAD(*word), id = 0;
    char path[FD_REF_PATH];
    void *obj;

    if (!seq || idx >= fd_nrefs(m)) /* a hash element outside the pool: a corrupt file */
        return NULL;
    if (LOAD(c->seq) == seq) {
        int owned = c->owned;
        obj = __atomic_load_n(&c->obj, __ATOMIC_ACQUIRE);
        id = c->id;
        /* an object of this process that was stored here: by its id, so
         * that one freed since reads as gone (its pin is opened instead) */
        if (!owned)
            obj = fd_resolve(m, id);
        if (LOAD(c->seq) == seq && obj) {
            if (idp)
                *idp = id;
            return obj;
        }
    }
    pthread_mutex_lock(&l->lock);
    fd_lock(h);
    seq = LOAD(*word);
    if (seq && fd_refs(m)[idx].seq == seq && fd_refs(m)[idx].len < FD_REF_PATH) {
        memcpy(path, fd_refs(m)[idx].path, fd_refs(m)[idx].len);
        path[fd_refs(m)[idx].len] = 0;
    } else {
        seq = 0;
    }
    fd_unlock(h);
    obj = NULL;
    if (seq && c->seq == seq && c->owned) {
        obj = c->obj; /* another thread opened it meanwhile */
        id = c->id;
    } else if (seq && m->type == BPF_MAP_TYPE_PROG_ARRAY && cm_pinref() &&
               (obj = cm_pinref()->prog_find(path, &id)) && fd_check_id(m, id) == 0) {
        fd_cache_set(l, idx, seq, id, obj, 0); /* this process has it: that one */
    } else if (seq && (obj = fd_open_ref(m, path, &id))) {
        fd_cache_set(l, idx, seq, id, obj, 1);
    }
    pthread_mutex_unlock(&l->lock);
    if (obj && idp)
        *idp = id;
    return obj;
}

static void *fd_shared_get(struct bpfrt_map *m, uint32_t idx, uint32_t *idp)
{
    return fd_shared_get_at(m, idx, &fd_slots(m)[idx], idp);
}

/* The pin path of the object id names (absolute), into out; 0, or
 * -EOPNOTSUPP when it is not pinned (nor about to be), -ENAMETOOLONG. */
static int fd_ref_path(struct bpfrt_map *m, uint32_t id, char out[FD_REF_PATH])
{
    const char *p;

    if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
        const struct cm_pinref_ops *ops = cm_pinref();
        p = ops ? ops->prog_path(id) : NULL;
    } else {
        struct bpfrt_map *inner = map_get_by_id(id);
        p = inner ? bpfrt_map__pin_path(inner) : NULL;
    }
    if (!p)
        return -EOPNOTSUPP;
    if (p[0] != '/' || strlen(p) >= FD_REF_PATH)
        return -ENAMETOOLONG;
    snprintf(out, FD_REF_PATH, "%s", p);
    return 0;
}

/* Write path into ref idx of a pinned map (under h's lock); returns its
 * sequence number, which the slot or element then takes. */
static uint32_t fd_ref_put(struct bpfrt_map *m, uint32_t idx, const char *path)
{
    struct fd_hdr *h = fd_hdr(m);
    struct fd_ref *r = &fd_refs(m)[idx];
    uint32_t seq = ++h->ref_seq;

    if (!seq)
        seq = ++h->ref_seq;
    r->len = (uint32_t)strlen(path);
    memcpy(r->path, path, r->len + 1);
    r->seq = seq;
    return seq;
}

static uint32_t fd_ref_write(struct bpfrt_map *m, uint32_t idx, const char *path)
{
    uint32_t seq = fd_ref_put(m, idx, path);

    STORE(fd_slots(m)[idx], seq);
    return seq;
}

/* A hash of maps' elements: element idx follows the buckets. */
static map_off_t fd_elems_off(const struct fd_hdr *h)
{
    return h->buckets_off + (map_off_t)h->n_buckets * sizeof(map_off_t);
}

static uint32_t fd_elem_idx(const struct bpfrt_map *m, const void *e)
{
    const struct fd_hdr *h = fd_hdr(m);
    return (uint32_t)(((const uint8_t *)e - m->arena.base - fd_elems_off(h)) / h->elem_size);
}

/* The live entries of m, for pinning: fn(m, ref index, value word, arg)
 * for each array slot and each element in a hash's chains; stops at the
 * first non-zero return, which it returns. */
static int fd_each(struct bpfrt_map *m, int (*fn)(struct bpfrt_map *, uint32_t, uint32_t *, void *), void *arg)
{
    struct fd_hdr *h = fd_hdr(m);
    int err = 0;

    if (m->type != BPF_MAP_TYPE_HASH_OF_MAPS) {
        for (uint32_t i = 0; i < m->max_entries && !err; i++)
            err = fn(m, i, &fd_slots(m)[i], arg);
        return err;
    }
    for (uint32_t b = 0; b < h->n_buckets && !err; b++) {
        map_off_t off = ((map_off_t *)(m->arena.base + h->buckets_off))[b];
        for (uint32_t steps = 0; off && off < m->arena.size && steps <= fd_nrefs(m) && !err; steps++) {
            struct fd_elem *e = (struct fd_elem *)(m->arena.base + off);
            if (fd_elem_idx(m, e) < fd_nrefs(m))
                err = fn(m, fd_elem_idx(m, e), &e->id, arg);
            off = e->next;
        }
    }
    return err;
}

struct prep_arg {
    struct fd_local *l;
    char *log;
    size_t logsz;
    const char *(*prog_name)(uint32_t id);
};

/* fd_each: the pin path of entry i into prep[i] ("" when empty). */
static int prep_one(struct bpfrt_map *m, uint32_t i, uint32_t *word, void *arg)
{
    struct prep_arg *a = arg;
    uint32_t id = LOAD(*word);
    int err;

    a->l->prep[i][0] = 0;
    if (!id)
        return 0;
    if (m->type != BPF_MAP_TYPE_PROG_ARRAY) {
        struct bpfrt_map *inner = map_get_by_id(id);
        if (inner && !bpfrt_map__pin_path(inner) && (err = map_pin_unique(inner, a->log, a->logsz)))
            return err;
    }
    err = fd_ref_path(m, id, a->l->prep[i]);
    if (err == -EOPNOTSUPP && m->type == BPF_MAP_TYPE_PROG_ARRAY)
        return map_log_err(err, a->log, a->logsz,
                           "map '%s' (prog_array): slot %u holds program '%s' (id %u), which is not pinned: a "
                           "pinned prog array refers to its programs' pins (pin the object's programs together: "
                           "prog loadall, bpfrt_object__pin_programs)",
                           m->name, i, a->prog_name ? a->prog_name(id) : "", id);
    if (err)
        return map_log_err(err, a->log, a->logsz, "map '%s': %s %u: %s", m->name,
                           m->type == BPF_MAP_TYPE_HASH_OF_MAPS ? "element" : "slot", i,
                           err == -ENAMETOOLONG ? "the pin path of its entry is too long (at most 247 bytes)"
                                                : "its map is not pinned");
    return 0;
}

/* fd_each, once the arena is the file: entry i becomes its ref. */
static int done_one(struct bpfrt_map *m, uint32_t i, uint32_t *word, void *arg)
{
    struct fd_local *l = arg;
    uint32_t id = LOAD(*word), seq;
    void *obj;

    if (!id || !l->prep[i][0])
        return 0;
    obj = fd_resolve(m, id);
    seq = fd_ref_put(m, i, l->prep[i]);
    STORE(*word, seq);
    fd_cache_set(l, i, seq, id, obj, 0);
    return 0;
}

/* pin.c, before the file is made: every stored id must have a pin path
 * (an inner map not pinned yet is pinned under the state directory). */
static int fd_pin_prepare(struct bpfrt_map *m, char *log, size_t logsz)
{
    const struct cm_pinref_ops *ops = cm_pinref();
    struct fd_local *l;
    int err;

    if (fd_is_shared(m))
        return 0;
    if (!fd_hdr(m)->refs_off)
        return map_log_err(-EOPNOTSUPP, log, logsz,
                           "map '%s': too many entries: only maps of programs or maps of at most %u entries can be "
                           "pinned (a pinned one refers to its programs' and maps' pins)",
                           m->name, FD_REF_MAX_SLOTS);
    l = fd_local_get(m);
    if (!l || (!l->prep && !(l->prep = calloc(fd_nrefs(m), sizeof(*l->prep)))))
        return map_log_err(-ENOMEM, log, logsz, "out of memory");
    struct prep_arg a = {l, log, logsz, ops ? ops->prog_name : NULL};
    fd_lock(fd_hdr(m));
    err = fd_each(m, prep_one, &a);
    fd_unlock(fd_hdr(m));
    return err;
}

/* pin.c, once the arena is the file: slots become refs. */
static void fd_pin_done(struct bpfrt_map *m)
{
    struct fd_local *l = m->priv;
    struct fd_hdr *h = fd_hdr(m);

    if (!l || !l->prep || fd_is_shared(m))
        return;
    pthread_mutex_lock(&l->lock);
    fd_lock(h);
    fd_each(m, done_one, l);
    STORE(l->shared, 1);
    fd_unlock(h);
    pthread_mutex_unlock(&l->lock);
    free(l->prep);
    l->prep = NULL;
}

/* pin.c, a pinned array opened from its file: check the layout, start an
 * empty cache, rebuild an array of maps' inner prototype. */
static int fd_reopen(struct bpfrt_map *m)
{
    struct fd_hdr *h;
    struct fd_local *l;
    uint64_t end;

    if (m->arena.size < FD_HDR_OFF + sizeof(struct fd_hdr))
        return -EINVAL;
    h = fd_hdr(m);
    end = (uint64_t)h->refs_off + (uint64_t)fd_nrefs(m) * sizeof(struct fd_ref);
    if (!h->refs_off || h->slots_off < FD_HDR_OFF + sizeof(*h) || end > m->arena.size || h->refs_off % 8)
        return -EINVAL;
    if (m->type != BPF_MAP_TYPE_HASH_OF_MAPS && (uint64_t)h->slots_off + (uint64_t)m->max_entries * 4 > h->refs_off)
        return -EINVAL;
    /* a hash: the buckets, then max_entries + FD_HASH_SLACK elements of
     * the size fd_alloc gives them, all before the refs */
    if (m->type == BPF_MAP_TYPE_HASH_OF_MAPS &&
        (!h->n_buckets || (h->n_buckets & (h->n_buckets - 1)) || h->buckets_off < FD_HDR_OFF + sizeof(*h) ||
         h->buckets_off >= m->arena.size ||
         h->elem_size != (uint32_t)((sizeof(struct fd_elem) + m->key_size + 7) & ~7ul) ||
         (uint64_t)fd_elems_off(h) + (uint64_t)fd_nrefs(m) * h->elem_size > h->refs_off))
        return -EINVAL;
    l = fd_local_get(m);
    if (!l)
        return -ENOMEM;
    l->shared = 1;
    if (is_map_in_map(m->type)) {
        BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = h->proto.map_flags);
        if (bpfrt_map__create((enum bpf_map_type)h->proto.type, "inner_proto", h->proto.key_size,
                              h->proto.value_size, h->proto.max_entries, &o, &l->proto))
            return -EINVAL;
        m->inner_map = l->proto;
    }
    return 0;
}

/* ------------------------------------------------- PROG_ARRAY slot cache */

/* A tail call resolves the slot's program on every call (the kernel's
 * semantics: the slot's current program, bpf_tail_call in
 * kernel/bpf/core.c and the x86 JIT read prog_array->ptrs[index] each
 * time), and resolving an id takes cm_progid_get()'s lock.  So each
 * process keeps, per slot, the last id it resolved there with the program
 * and cm_progid_gen() of the moment (m->slot_cache, never shared: the
 * pointer is this process's).  The slot's id is still read from the arena on every
 * call, so an update or delete by another thread takes effect at the
 * next call (a pinned PROG_ARRAY, shared between processes, refers to
 * pins instead of ids and goes through fd_shared_get, whose per-slot
 * cache is keyed by the slot's sequence number); the entry is used only when the
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
    struct fd_cache_ent *c = LOAD(m->slot_cache), *none = NULL;

    if (c)
        return c;
    c = calloc(m->max_entries, sizeof(*c));
    if (!c)
        return NULL; /* no cache: every call resolves (correct, slower) */
    if (!__atomic_compare_exchange_n((struct fd_cache_ent **)&m->slot_cache, &none, c, 0, __ATOMIC_ACQ_REL,
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

    if (fd_is_shared(m))
        return fd_shared_get(m, idx, NULL); /* a pinned array: slots refer to pins (its own cache) */
    if (!id)
        return NULL;
    e = LOAD(m->slot_cache);
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
    if (fd_is_shared(m))
        return fd_shared_get(m, idx, NULL);
    return fd_resolve(m, LOAD(fd_slots(m)[idx]));
}

static int fd_array_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    uint32_t idx, id;

    if (flags)
        return -EINVAL;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -ENOENT;
    if (fd_is_shared(m)) {
        if (!fd_shared_get(m, idx, &id))
            return -ENOENT;
    } else if (!(id = LOAD(fd_slots(m)[idx]))) {
        return -ENOENT;
    }
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
    if (fd_is_shared(m)) {
        struct fd_local *l = m->priv;
        char path[FD_REF_PATH];
        uint32_t seq;

        err = fd_ref_path(m, id, path);
        if (err)
            return err;
        pthread_mutex_lock(&l->lock);
        fd_lock(fd_hdr(m));
        seq = fd_ref_write(m, idx, path);
        fd_unlock(fd_hdr(m));
        fd_cache_set(l, idx, seq, id, fd_resolve(m, id), 0);
        pthread_mutex_unlock(&l->lock);
        return 0;
    }
    STORE(fd_slots(m)[idx], id);
    return 0;
}

static int fd_array_sys_delete(struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    /* a pinned array: the slot's sequence number goes, its ref stays unread */
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
    if (e && fd_is_shared(m))
        return fd_shared_get_at(m, fd_elem_idx(m, e), &e->id, NULL);
    return e ? fd_resolve(m, LOAD(e->id)) : NULL;
}

static int fd_hash_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct fd_elem *e;
    uint32_t id;

    if (flags)
        return -EINVAL;
    e = fd_hash_find(m, key, fd_hash(m, key));
    if (e && fd_is_shared(m)) {
        /* a pinned hash: the inner map its pin opens to here (absent
         * when the pin is gone) */
        if (!fd_shared_get_at(m, fd_elem_idx(m, e), &e->id, &id))
            return -ENOENT;
    } else if (!e || !(id = LOAD(e->id))) {
        return -ENOENT;
    }
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
    uint32_t hash = fd_hash(m, key), id, seq = 0;
    struct fd_elem *old, *e = NULL;
    map_off_t *bucket = fd_bucket(m, hash);
    struct fd_local *l = fd_is_shared(m) ? m->priv : NULL;
    char path[FD_REF_PATH];
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
    /* pinned: the element holds the sequence number of a ref to the inner
     * map's pin, written before the element is linked */
    if (l && (err = fd_ref_path(m, id, path)))
        return err;
    if (l)
        pthread_mutex_lock(&l->lock);
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
        e->id = l ? (seq = fd_ref_put(m, fd_elem_idx(m, e), path)) : id;
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
    if (l) {
        if (!err)
            fd_cache_set(l, fd_elem_idx(m, e), seq, id, fd_resolve(m, id), 0);
        pthread_mutex_unlock(&l->lock);
    }
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
    .reopen = fd_reopen,
    .pin_prepare = fd_pin_prepare,
    .pin_done = fd_pin_done,
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
    .reopen = fd_reopen,
    .pin_prepare = fd_pin_prepare,
    .pin_done = fd_pin_done,
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
    .reopen = fd_reopen,
    .pin_prepare = fd_pin_prepare,
    .pin_done = fd_pin_done,
};
