/* hashtab.c - BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH.
 *
 * Arena layout (offsets from the arena base):
 *   0                    struct map_arena_hdr
 *   64                   struct htab_hdr
 *   buckets_off          n_buckets x struct htab_bucket {lock, head}
 *   freelists_off        nr_freelists x struct htab_freelist (64 B each)
 *   lru_off              nr_lru x struct htab_lru (64 B each; LRU types)
 *   elems_off            nr_elems x element, elem_size bytes each:
 *                        struct htab_elem, key (round_up(key_size, 8)),
 *                        value (round_up(value_size, 8), or nr_workers
 *                        such slots for per-CPU types)
 * n_buckets = roundup_pow_of_two(max_entries) and bucket = hash &
 * (n_buckets - 1), hash = jhash (jhash2 for keys of whole words) seeded
 * with a random value, or 0 with BPF_F_ZERO_SEED: as the kernel's
 * hashtab, so with BPF_F_ZERO_SEED the iteration order (bucket order,
 * newest first inside a bucket) is the kernel's.
 *
 * Concurrency, as in the kernel's preallocated hashtab:
 *  - lookups take no lock: they follow the chain with acquire loads.  A
 *    chain ends in a "nulls" marker (bucket << 1 | 1) rather than 0;
 *    elements are recycled through free lists while readers may still be
 *    on them, and a reader that was carried into another bucket's chain
 *    by a recycled element sees a foreign marker at the end and restarts.
 *  - updates and deletes lock the bucket (a process-shared arena lock);
 *    an update links a new element at the head before unlinking the old
 *    one, so a lookup always finds one of them.
 *  - free elements sit on per-worker free lists (LIFO, each with its own
 *    lock; a worker whose list is empty takes from the others).  The
 *    count of linked elements (atomic) enforces max_entries: a non-LRU
 *    map that is full says -E2BIG.  A few spare elements (nr_workers)
 *    let a full map still replace existing keys.
 *  - BPF_F_NO_PREALLOC: elements are carved from the arena on first need
 *    instead of all at creation (the arena's untouched pages cost
 *    nothing), then recycled the same way.
 *
 * LRU (lru lists in the arena): elements are on a list in use order, most
 * recent at the head; a program-side lookup sets the element's reference
 * bit (no lock).  An update that finds no free element evicts: from the
 * tail, an element with its reference bit set gets a second chance (bit
 * cleared, moved to the head), the first without is unlinked from its
 * bucket and reused.  With BPF_F_NO_COMMON_LRU each worker has its own
 * list and free list holding max_entries / nr_workers elements (the
 * kernel rounds max_entries to a multiple of the CPUs, and so do we),
 * and an update evicts only from its worker's list.  Lock order: LRU list,
 * then bucket; a bucket lock is never held while taking an LRU lock.
 * Differences from the kernel (bpf_lru_list.c): the kernel keeps
 * per-CPU caches of free elements (up to 128) and active/inactive lists,
 * and refills a CPU's cache by evicting in groups, so it can evict before
 * the map is full and picks victims in a different order; bpfrt evicts
 * one element only when no free one is left.  Both evict only
 * unreferenced elements first and never exceed max_entries. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "map.h"

struct htab_hdr {
    uint32_t n_buckets, hashrnd;
    uint32_t elem_size, nr_elems;
    uint32_t nr_freelists, nr_lru;
    uint32_t lazy, _pad;
    uint64_t count;  /* linked elements (atomic) */
    uint64_t carved; /* elements carved so far (lazy) (atomic) */
    uint64_t buckets_off, freelists_off, lru_off, elems_off;
};

struct htab_bucket {
    uint32_t lock, _pad;
    uint64_t head; /* element offset, or nulls marker */
};

struct htab_freelist {
    uint32_t lock, _pad;
    uint64_t head;
    uint8_t _fill[48];
};

struct htab_lru {
    uint32_t lock, _pad;
    uint64_t head, tail; /* use order: head most recent */
    uint64_t free;       /* free elements of this list */
    uint64_t used;       /* elements on the use list */
    uint8_t _fill[24];
};

struct htab_elem {
    uint64_t next;               /* chain: element offset or nulls marker (atomic) */
    uint64_t fnext;              /* free list link */
    uint64_t lru_prev, lru_next; /* LRU use list */
    uint32_t hash;
    uint16_t home; /* free list / LRU list the element belongs to */
    uint8_t ref;   /* LRU reference bit */
    uint8_t _pad;
    /* key, then value */
};

#define ELEM_HDR 40u

/* Per-process view (pointers into the arena, sizes). */
struct htab {
    struct bpfrt_map *m;
    uint8_t *base;
    struct htab_hdr *h;
    struct htab_bucket *buckets;
    struct htab_freelist *freelists;
    struct htab_lru *lru;
    uint32_t mask, key_size, value_size, key_rsize, slot, elem_size;
    int percpu, is_lru, lock_off;
};

/* A bucket head is 0 until first used (so that creating a large map does
 * not touch every bucket), then an element or the bucket's nulls marker. */
#define NULLS(i) (((uint64_t)(i) << 1) | 1)
#define IS_NULLS(o) (((o)&1) || !(o))

/* ---- jhash (Bob Jenkins' lookup3, as the kernel's jhash.h) --------------- */

#define ROL32(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
#define JMIX(a, b, c)                                                                                                  \
    do {                                                                                                               \
        a -= c, a ^= ROL32(c, 4), c += b;                                                                              \
        b -= a, b ^= ROL32(a, 6), a += c;                                                                              \
        c -= b, c ^= ROL32(b, 8), b += a;                                                                              \
        a -= c, a ^= ROL32(c, 16), c += b;                                                                             \
        b -= a, b ^= ROL32(a, 19), a += c;                                                                             \
        c -= b, c ^= ROL32(b, 4), b += a;                                                                              \
    } while (0)
#define JFINAL(a, b, c)                                                                                                \
    do {                                                                                                               \
        c ^= b, c -= ROL32(b, 14);                                                                                     \
        a ^= c, a -= ROL32(c, 11);                                                                                     \
        b ^= a, b -= ROL32(a, 25);                                                                                     \
        c ^= b, c -= ROL32(b, 16);                                                                                     \
        a ^= c, a -= ROL32(c, 4);                                                                                      \
        b ^= a, b -= ROL32(a, 14);                                                                                     \
        c ^= b, c -= ROL32(b, 24);                                                                                     \
    } while (0)
#define JHASH_INITVAL 0xdeadbeefu

static inline uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Hash of a key of n 32-bit words (lookup3 hashword). */
static uint32_t jhash_words(const uint8_t *k, uint32_t n, uint32_t seed)
{
    uint32_t a, b, c;

    a = b = c = JHASH_INITVAL + (n << 2) + seed;
    while (n > 3) {
        a += get32(k), b += get32(k + 4), c += get32(k + 8);
        JMIX(a, b, c);
        n -= 3, k += 12;
    }
    switch (n) {
    case 3: c += get32(k + 8); /* fall through */
    case 2: b += get32(k + 4); /* fall through */
    case 1:
        a += get32(k);
        JFINAL(a, b, c);
        break;
    default: break;
    }
    return c;
}

/* Hash of a key of len bytes (lookup3 hashlittle on a little-endian host). */
static uint32_t jhash_bytes(const uint8_t *k, uint32_t len, uint32_t seed)
{
    uint32_t a, b, c;

    a = b = c = JHASH_INITVAL + len + seed;
    while (len > 12) {
        a += get32(k), b += get32(k + 4), c += get32(k + 8);
        JMIX(a, b, c);
        len -= 12, k += 12;
    }
    switch (len) {
    case 12: c += (uint32_t)k[11] << 24; /* fall through */
    case 11: c += (uint32_t)k[10] << 16; /* fall through */
    case 10: c += (uint32_t)k[9] << 8;   /* fall through */
    case 9: c += k[8];                   /* fall through */
    case 8: b += (uint32_t)k[7] << 24;   /* fall through */
    case 7: b += (uint32_t)k[6] << 16;   /* fall through */
    case 6: b += (uint32_t)k[5] << 8;    /* fall through */
    case 5: b += k[4];                   /* fall through */
    case 4: a += (uint32_t)k[3] << 24;   /* fall through */
    case 3: a += (uint32_t)k[2] << 16;   /* fall through */
    case 2: a += (uint32_t)k[1] << 8;    /* fall through */
    case 1:
        a += k[0];
        JFINAL(a, b, c);
        break;
    default: break;
    }
    return c;
}

static inline uint32_t htab_hash(const struct htab *t, const void *key)
{
    if ((t->key_size & 3) == 0)
        return jhash_words(key, t->key_size / 4, t->h->hashrnd);
    return jhash_bytes(key, t->key_size, t->h->hashrnd);
}

/* ---- element access ------------------------------------------------------- */

static inline struct htab_elem *E(const struct htab *t, uint64_t off)
{
    return (struct htab_elem *)(t->base + off);
}

static inline uint64_t OFF(const struct htab *t, const struct htab_elem *e)
{
    return (uint64_t)((const uint8_t *)e - t->base);
}

static inline uint8_t *elem_key(struct htab_elem *e)
{
    return (uint8_t *)e + ELEM_HDR;
}

static inline uint8_t *elem_val(const struct htab *t, struct htab_elem *e)
{
    return (uint8_t *)e + ELEM_HDR + t->key_rsize;
}

static inline uint64_t ld(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void st(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Lock-free search of bucket hash & mask (see the header comment). */
static struct htab_elem *find(const struct htab *t, uint32_t hash, const void *key)
{
    uint32_t idx = hash & t->mask;
    const struct htab_bucket *b = &t->buckets[idx];
    uint64_t off;

again:
    off = ld(&b->head);
    while (!IS_NULLS(off)) {
        struct htab_elem *e = E(t, off);
        if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash && !memcmp(elem_key(e), key, t->key_size))
            return e;
        off = ld(&e->next);
    }
    if (off != NULLS(idx) && off)
        goto again;
    return NULL;
}

/* Under the bucket lock: the link that points at e (head or a next). */
static uint64_t *link_to(const struct htab *t, struct htab_bucket *b, struct htab_elem *e)
{
    uint64_t *link = &b->head, target = OFF(t, e);

    while (!IS_NULLS(*link)) {
        if (*link == target)
            return link;
        link = &E(t, *link)->next;
    }
    return NULL;
}

/* ---- free lists ------------------------------------------------------------ */

/* NULL when no element is free: *nomem set when a lazy map could not get
 * backing for a new element (its pin's filesystem is full). */
static struct htab_elem *freelist_pop(struct htab *t, uint32_t worker, int *nomem)
{
    uint32_t n = t->h->nr_freelists, i;

    for (i = 0; i < n; i++) {
        struct htab_freelist *f = &t->freelists[(worker + i) % n];
        struct htab_elem *e = NULL;
        if (IS_NULLS(__atomic_load_n(&f->head, __ATOMIC_RELAXED)) && i + 1 < n)
            continue;
        map_lock(&f->lock);
        if (!IS_NULLS(f->head)) {
            e = E(t, f->head);
            f->head = e->fnext;
        }
        map_unlock(&f->lock);
        if (e) {
            e->home = (uint16_t)((worker + i) % n);
            return e;
        }
    }
    if (t->h->lazy) {
        uint64_t k = __atomic_load_n(&t->h->carved, __ATOMIC_RELAXED);
        /* Claim element k only once its bytes have backing (a pinned
         * map's file may be full: an error of this update, never a
         * SIGBUS on the store below). */
        while (k < t->h->nr_elems) {
            if (arena_commit(&t->m->arena, t->h->elems_off + (k + 1) * t->elem_size)) {
                *nomem = 1;
                return NULL;
            }
            if (__atomic_compare_exchange_n(&t->h->carved, &k, k + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
                struct htab_elem *e = E(t, t->h->elems_off + k * t->elem_size);
                e->next = NULLS(0);
                e->home = (uint16_t)(worker % n);
                return e;
            }
        }
    }
    return NULL;
}

static void freelist_push(struct htab *t, struct htab_elem *e)
{
    struct htab_freelist *f = &t->freelists[e->home % t->h->nr_freelists];

    map_lock(&f->lock);
    e->fnext = f->head;
    f->head = OFF(t, e);
    map_unlock(&f->lock);
}

/* ---- LRU lists --------------------------------------------------------------- */

static void lru_unlink(struct htab *t, struct htab_lru *l, struct htab_elem *e)
{
    if (e->lru_prev)
        E(t, e->lru_prev)->lru_next = e->lru_next;
    else
        l->head = e->lru_next;
    if (e->lru_next)
        E(t, e->lru_next)->lru_prev = e->lru_prev;
    else
        l->tail = e->lru_prev;
    e->lru_prev = e->lru_next = 0;
    l->used--;
}

static void lru_push_head(struct htab *t, struct htab_lru *l, struct htab_elem *e)
{
    e->lru_prev = 0;
    e->lru_next = l->head;
    if (l->head)
        E(t, l->head)->lru_prev = OFF(t, e);
    else
        l->tail = OFF(t, e);
    l->head = OFF(t, e);
    l->used++;
}

/* Under l's lock: unlink victim e from its bucket if it is linked there
 * (it may be between allocation and insertion, or being deleted). */
static int lru_unhash(struct htab *t, struct htab_elem *e)
{
    struct htab_bucket *b = &t->buckets[__atomic_load_n(&e->hash, __ATOMIC_RELAXED) & t->mask];
    uint64_t *link;
    int found = 0;

    map_lock(&b->lock);
    link = link_to(t, b, e);
    if (link) {
        st(link, e->next);
        __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
        found = 1;
    }
    map_unlock(&b->lock);
    return found;
}

/* An element for a new entry, from the worker's list: a free one, else the
 * least recently used without its reference bit (second chance).  It goes
 * on the use list at once, unreferenced. */
static struct htab_elem *lru_pop(struct htab *t, uint32_t worker)
{
    uint32_t li = t->h->nr_lru == 1 ? 0 : worker % t->h->nr_lru;
    struct htab_lru *l = &t->lru[li];
    struct htab_elem *e = NULL;
    uint64_t budget;

    map_lock(&l->lock);
    if (l->free) {
        e = E(t, l->free);
        l->free = e->fnext;
    } else {
        for (budget = 2 * l->used + 1; budget && l->tail; budget--) {
            struct htab_elem *v = E(t, l->tail);
            lru_unlink(t, l, v);
            if (__atomic_load_n(&v->ref, __ATOMIC_RELAXED)) {
                __atomic_store_n(&v->ref, 0, __ATOMIC_RELAXED);
                lru_push_head(t, l, v);
                continue;
            }
            if (lru_unhash(t, v)) {
                e = v;
                break;
            }
            lru_push_head(t, l, v);
        }
    }
    if (e) {
        e->home = (uint16_t)li;
        __atomic_store_n(&e->ref, 0, __ATOMIC_RELAXED);
        lru_push_head(t, l, e);
    }
    map_unlock(&l->lock);
    return e;
}

static void lru_push_free(struct htab *t, struct htab_elem *e)
{
    struct htab_lru *l = &t->lru[e->home];

    map_lock(&l->lock);
    lru_unlink(t, l, e);
    e->fnext = l->free;
    l->free = OFF(t, e);
    map_unlock(&l->lock);
}

static void elem_free(struct htab *t, struct htab_elem *e)
{
    if (t->is_lru)
        lru_push_free(t, e);
    else
        freelist_push(t, e);
}

/* ---- creation ------------------------------------------------------------------ */

#define HTAB_FLAGS                                                                                                     \
    (BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_ZERO_SEED |       \
     BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define KMALLOC_MAX_SIZE (1u << 22)
#define KERNEL_HTAB_ELEM 48u /* sizeof(struct htab_elem) in the kernel, for its size limit */
#define PCPU_MIN_UNIT_SIZE 32768u
#define MAX_BUCKETS (UINT32_MAX / 16u) /* kernel: U32_MAX / sizeof(struct bucket) */

static int type_is_lru(enum bpf_map_type type)
{
    return type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int type_is_percpu(enum bpf_map_type type)
{
    return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static uint64_t roundup_pow2(uint64_t x)
{
    uint64_t r = 1;
    while (r < x)
        r <<= 1;
    return r;
}

/* max_entries as the kernel sets it: per-CPU LRU lists hold equal shares. */
static uint64_t adjusted_max(const struct map_attr *attr)
{
    uint64_t n = attr->nr_workers, max = attr->max_entries;

    if (type_is_lru(attr->type) && (attr->map_flags & BPF_F_NO_COMMON_LRU)) {
        uint64_t up = (max + n - 1) / n * n;
        max = up <= UINT32_MAX ? up : max / n * n;
    }
    return max;
}

/* htab_map_alloc_check(), then the bucket count limit of htab_map_alloc(). */
static int htab_check(const struct map_attr *attr, char *log, size_t logsz)
{
    int lru = type_is_lru(attr->type), percpu = type_is_percpu(attr->type);
    int percpu_lru = !!(attr->map_flags & BPF_F_NO_COMMON_LRU);
    int numa = (attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != (uint32_t)-1;

    if (attr->map_flags & ~HTAB_FLAGS)
        return map_log_inval(log, logsz, "hash: map_flags %#x not accepted", attr->map_flags & ~HTAB_FLAGS);
    if ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG))
        return map_log_inval(log, logsz, "hash: BPF_F_RDONLY_PROG with BPF_F_WRONLY_PROG");
    if (!lru && percpu_lru)
        return map_log_inval(log, logsz, "hash: BPF_F_NO_COMMON_LRU on a map that is not LRU");
    if (lru && (attr->map_flags & BPF_F_NO_PREALLOC))
        return map_log_err(-MAP_ENOTSUPP, log, logsz, "LRU hash: BPF_F_NO_PREALLOC not supported");
    if (numa && (percpu || percpu_lru))
        return map_log_inval(log, logsz, "hash: NUMA node with per-CPU storage");
    if (attr->max_entries == 0 || attr->key_size == 0 || attr->value_size == 0)
        return map_log_inval(log, logsz, "hash: key_size %u, value_size %u, max_entries %u: none may be 0",
                             attr->key_size, attr->value_size, attr->max_entries);
    if ((uint64_t)attr->key_size + attr->value_size >= KMALLOC_MAX_SIZE - KERNEL_HTAB_ELEM)
        return map_log_err(-E2BIG, log, logsz, "hash: key and value of %llu bytes, too large",
                           (unsigned long long)attr->key_size + attr->value_size);
    if (percpu && map_round8(attr->value_size) > PCPU_MIN_UNIT_SIZE)
        return map_log_err(-E2BIG, log, logsz, "percpu hash: value_size %u over %u", attr->value_size,
                           PCPU_MIN_UNIT_SIZE);
    if (roundup_pow2(adjusted_max(attr)) > MAX_BUCKETS || adjusted_max(attr) == 0)
        return map_log_err(-E2BIG, log, logsz, "hash: max_entries %u too large", attr->max_entries);
    return 0;
}

static uint32_t random_seed(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != sizeof(r))
        r = (uint32_t)(uintptr_t)&r ^ (uint32_t)getpid();
    return r;
}

/* The arena layout the attributes give (htab_alloc, and htab_reopen checks
 * a pinned arena against it). */
struct htab_layout {
    uint64_t max, n_buckets, nr_elems, elem_size, buckets_off, freelists_off, lru_off, elems_off, total;
    uint32_t nr_free, nr_lru;
};

static int htab_layout(const struct bpfrt_map *m, struct htab_layout *l)
{
    int lru = type_is_lru(m->type), percpu = type_is_percpu(m->type);
    struct map_attr attr = {
        .type = m->type, .max_entries = m->max_entries, .map_flags = m->map_flags, .nr_workers = m->nr_workers};
    uint64_t size, off;

    l->max = adjusted_max(&attr);
    l->n_buckets = roundup_pow2(l->max);
    l->nr_free = m->nr_workers < 64 ? m->nr_workers : 64;
    l->nr_lru = lru ? ((m->map_flags & BPF_F_NO_COMMON_LRU) ? m->nr_workers : 1) : 0;
    if (l->nr_lru > 65535)
        return -E2BIG;
    l->nr_elems = lru ? l->max : l->max + m->nr_workers;
    l->elem_size =
        ELEM_HDR + map_round8(m->key_size) + (uint64_t)map_round8(m->value_size) * (percpu ? m->nr_workers : 1);
    if (l->nr_elems > UINT32_MAX || l->elem_size > UINT32_MAX)
        return -E2BIG;

    off = MAP_ARENA_HDR_SIZE + ((sizeof(struct htab_hdr) + 63) & ~(size_t)63);
    size = off + l->n_buckets * sizeof(struct htab_bucket) + l->nr_free * sizeof(struct htab_freelist) +
           l->nr_lru * sizeof(struct htab_lru);
    size = (size + 63) & ~63ull;
    if (l->nr_elems * l->elem_size / l->elem_size != l->nr_elems || size + l->nr_elems * l->elem_size > (1ull << 44))
        return -ENOMEM;
    l->buckets_off = off;
    l->freelists_off = off + l->n_buckets * sizeof(struct htab_bucket);
    l->lru_off = l->freelists_off + l->nr_free * sizeof(struct htab_freelist);
    l->elems_off = size;
    l->total = size + l->nr_elems * l->elem_size;
    return 0;
}

/* The per-process view of the arena's header (pointers, sizes). */
static void htab_view(struct htab *t, struct bpfrt_map *m)
{
    struct htab_hdr *h = (struct htab_hdr *)(m->arena.base + MAP_ARENA_HDR_SIZE);

    t->m = m;
    t->base = m->arena.base;
    t->h = h;
    t->buckets = (struct htab_bucket *)(t->base + h->buckets_off);
    t->freelists = (struct htab_freelist *)(t->base + h->freelists_off);
    t->lru = (struct htab_lru *)(t->base + h->lru_off);
    t->mask = h->n_buckets - 1;
    t->key_size = m->key_size;
    t->value_size = m->value_size;
    t->key_rsize = map_round8(m->key_size);
    t->slot = map_round8(m->value_size);
    t->elem_size = h->elem_size;
    t->percpu = type_is_percpu(m->type);
    t->is_lru = type_is_lru(m->type);
    t->lock_off = m->spin_lock_off;
}

static int htab_alloc(struct bpfrt_map *m)
{
    struct htab_layout l;
    struct htab *t;
    struct htab_hdr *h;
    int err;

    err = htab_layout(m, &l);
    if (err)
        return err;
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    err = arena_alloc(&m->arena, l.total);
    if (err) {
        free(t);
        return err;
    }
    m->max_entries = (uint32_t)l.max;
    h = (struct htab_hdr *)(m->arena.base + MAP_ARENA_HDR_SIZE);
    h->n_buckets = (uint32_t)l.n_buckets;
    h->hashrnd = (m->map_flags & BPF_F_ZERO_SEED) ? 0 : random_seed();
    h->elem_size = (uint32_t)l.elem_size;
    h->nr_elems = (uint32_t)l.nr_elems;
    h->nr_freelists = l.nr_free;
    h->nr_lru = l.nr_lru;
    h->lazy = !!(m->map_flags & BPF_F_NO_PREALLOC);
    h->buckets_off = l.buckets_off;
    h->freelists_off = l.freelists_off;
    h->lru_off = l.lru_off;
    h->elems_off = l.elems_off;
    arena_hdr(&m->arena)->brk = l.total;
    if (h->lazy)
        arena_lazy(&m->arena, l.elems_off);
    htab_view(t, m);

    for (uint32_t i = 0; i < l.nr_free; i++)
        t->freelists[i].head = NULLS(0);
    if (!h->lazy) {
        /* Element k goes to list k % lists, pushed so that each list pops
         * its lowest elements first. */
        for (uint64_t k = l.nr_elems; k-- > 0;) {
            struct htab_elem *e = E(t, h->elems_off + k * l.elem_size);
            e->next = NULLS(0);
            if (t->is_lru) {
                struct htab_lru *lr = &t->lru[k % l.nr_lru];
                e->home = (uint16_t)(k % l.nr_lru);
                e->fnext = lr->free;
                lr->free = OFF(t, e);
            } else {
                struct htab_freelist *f = &t->freelists[k % l.nr_free];
                e->home = (uint16_t)(k % l.nr_free);
                e->fnext = f->head;
                f->head = OFF(t, e);
            }
        }
    }
    m->priv = t;
    return 0;
}

/* A pinned map opened again: its arena must have the layout its
 * attributes give (the header is checked field by field), then the view
 * is rebuilt.  Free lists, LRU lists and the element count live in the
 * arena, so every process sharing the file works on the same ones. */
static int htab_reopen(struct bpfrt_map *m)
{
    struct htab_layout l;
    const struct htab_hdr *h;
    struct htab *t;

    if (htab_layout(m, &l) || l.max != m->max_entries || l.total > m->arena.size)
        return -EINVAL;
    h = (const struct htab_hdr *)(m->arena.base + MAP_ARENA_HDR_SIZE);
    if (h->n_buckets != l.n_buckets || h->elem_size != l.elem_size || h->nr_elems != l.nr_elems ||
        h->nr_freelists != l.nr_free || h->nr_lru != l.nr_lru || h->lazy != !!(m->map_flags & BPF_F_NO_PREALLOC) ||
        h->buckets_off != l.buckets_off || h->freelists_off != l.freelists_off || h->lru_off != l.lru_off ||
        h->elems_off != l.elems_off || (m->map_flags & BPF_F_ZERO_SEED && h->hashrnd))
        return -EINVAL;
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    htab_view(t, m);
    m->priv = t;
    return 0;
}

static void htab_free(struct bpfrt_map *m)
{
    free(m->priv);
    m->priv = NULL;
}

/* ---- operations ---------------------------------------------------------------- */

/* check_flags() of the kernel's hashtab. */
static int check_flags(const struct htab_elem *old, uint64_t flags)
{
    if (old && (flags & ~(uint64_t)BPF_F_LOCK) == BPF_NOEXIST)
        return -EEXIST;
    if (!old && (flags & ~(uint64_t)BPF_F_LOCK) == BPF_EXIST)
        return -ENOENT;
    return 0;
}

/* Per-CPU value: every slot from a user buffer (round_up(value_size, 8)
 * bytes each, as the kernel copies), or one worker's slot from a program
 * with the other slots zeroed for a new element. */
static void pcpu_copy(struct htab *t, uint8_t *dst, const void *value, int allcpus, uint32_t worker, int fresh)
{
    uint32_t n = t->m->nr_workers;

    if (allcpus) {
        memcpy(dst, value, (size_t)n * t->slot);
        return;
    }
    worker %= n;
    if (fresh)
        memset(dst, 0, (size_t)n * t->slot);
    memcpy(dst + (size_t)worker * t->slot, value, t->value_size);
}

static void init_value(struct htab *t, struct htab_elem *e, const void *value, int allcpus, uint32_t worker)
{
    uint8_t *v = elem_val(t, e);

    if (t->percpu) {
        pcpu_copy(t, v, value, allcpus, worker, 1);
        return;
    }
    if (t->lock_off >= 0)
        memset(v + t->lock_off, 0, 4);
    map_copy_value(t->m, v, value);
}

static int htab_do_update(struct htab *t, const void *key, const void *value, uint64_t flags, uint32_t worker,
                          int allcpus)
{
    uint32_t hash = htab_hash(t, key);
    struct htab_bucket *b = &t->buckets[hash & t->mask];
    struct htab_elem *old, *e = NULL, *to_free = NULL;
    int err, nomem = 0;

    if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
        return -EINVAL;
    if (flags & BPF_F_LOCK) {
        if (t->lock_off < 0 || t->percpu)
            return -EINVAL;
        /* Update in place without the bucket lock when the key exists. */
        old = find(t, hash, key);
        err = check_flags(old, flags);
        if (err)
            return err;
        if (old) {
            map_copy_value_locked(t->m, elem_val(t, old), value, 1);
            return 0;
        }
    }
    if (t->is_lru) {
        /* As the kernel: take an element before locking the bucket (this
         * may evict), give it back if unused. */
        e = lru_pop(t, worker);
        if (!e)
            return -ENOMEM;
    }

    map_lock(&b->lock);
    old = find(t, hash, key);
    err = check_flags(old, flags);
    if (err) {
        to_free = e;
        goto out;
    }
    if (old && (t->percpu || (flags & BPF_F_LOCK))) {
        if (t->percpu)
            pcpu_copy(t, elem_val(t, old), value, allcpus, worker, 0);
        else
            map_copy_value_locked(t->m, elem_val(t, old), value, 1);
        if (t->is_lru)
            __atomic_store_n(&old->ref, 1, __ATOMIC_RELAXED);
        to_free = e;
        goto out;
    }
    if (!t->is_lru) {
        if (!old && __atomic_add_fetch(&t->h->count, 1, __ATOMIC_RELAXED) > t->m->max_entries) {
            __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
            err = -E2BIG;
            goto out;
        }
        e = freelist_pop(t, worker, &nomem);
        if (!e) {
            if (old) { /* no spare element: replace the value in place */
                init_value(t, old, value, allcpus, worker);
                goto out;
            }
            __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
            /* kernel: a NO_PREALLOC element that cannot be allocated is -ENOMEM */
            err = nomem ? -ENOMEM : -E2BIG;
            goto out;
        }
    } else if (!old) {
        __atomic_fetch_add(&t->h->count, 1, __ATOMIC_RELAXED);
    }
    memcpy(elem_key(e), key, t->key_size);
    __atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
    init_value(t, e, value, allcpus, worker);
    if (t->is_lru && old)
        __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&e->next, b->head ? b->head : NULLS(hash & t->mask), __ATOMIC_RELAXED);
    st(&b->head, OFF(t, e));
    if (old) {
        uint64_t *link = link_to(t, b, old);
        st(link, old->next);
        to_free = old;
    }
out:
    map_unlock(&b->lock);
    if (to_free)
        elem_free(t, to_free);
    return err;
}

static long htab_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    return htab_do_update(m->priv, key, value, flags, worker, 0);
}

static int htab_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    return htab_do_update(m->priv, key, value, flags, map_cur_worker(m), 1);
}

/* Unlink the element of key; it is returned (to be freed by the caller,
 * after copying its value if wanted) with the bucket still locked when
 * keep_locked, else unlocked. */
static struct htab_elem *unlink_key(struct htab *t, const void *key, struct htab_bucket **bp)
{
    uint32_t hash = htab_hash(t, key);
    struct htab_bucket *b = &t->buckets[hash & t->mask];
    struct htab_elem *e;

    *bp = b;
    map_lock(&b->lock);
    e = find(t, hash, key);
    if (e) {
        st(link_to(t, b, e), e->next);
        __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
    }
    return e;
}

static long htab_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct htab *t = m->priv;
    struct htab_bucket *b;
    struct htab_elem *e;

    (void)worker;
    e = unlink_key(t, key, &b);
    map_unlock(&b->lock);
    if (!e)
        return -ENOENT;
    elem_free(t, e);
    return 0;
}

static int htab_sys_delete(struct bpfrt_map *m, const void *key)
{
    return (int)htab_delete(m, key, 0);
}

/* Copy an element's value out to user space (all slots for per-CPU). */
static void copy_out(struct htab *t, struct htab_elem *e, void *value, uint64_t flags)
{
    if (t->percpu) {
        memcpy(value, elem_val(t, e), (size_t)t->m->nr_workers * t->slot);
        return;
    }
    if (flags & BPF_F_LOCK)
        map_copy_value_locked(t->m, value, elem_val(t, e), 0);
    else
        memcpy(value, elem_val(t, e), t->value_size);
    map_zero_special(t->m, value);
}

static int htab_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct htab *t = m->priv;
    struct htab_bucket *b;
    struct htab_elem *e;

    if ((flags & BPF_F_LOCK) && t->percpu)
        return -EINVAL;
    e = unlink_key(t, key, &b);
    if (e)
        copy_out(t, e, value, flags);
    map_unlock(&b->lock);
    if (!e)
        return -ENOENT;
    elem_free(t, e);
    return 0;
}

static void *htab_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct htab *t = m->priv;
    struct htab_elem *e = find(t, htab_hash(t, key), key);

    (void)worker;
    return e ? elem_val(t, e) : NULL;
}

static void *pcpu_htab_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct htab *t = m->priv;
    struct htab_elem *e = find(t, htab_hash(t, key), key);

    return e ? elem_val(t, e) + (size_t)(worker % m->nr_workers) * t->slot : NULL;
}

static void *lru_htab_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct htab *t = m->priv;
    struct htab_elem *e = find(t, htab_hash(t, key), key);

    if (!e)
        return NULL;
    if (!__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
        __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
    return elem_val(t, e) + (t->percpu ? (size_t)(worker % m->nr_workers) * t->slot : 0);
}

/* User-space lookup: a copy, and no reference bit for LRU (the kernel's
 * map_lookup_elem_sys_only). */
static int htab_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct htab *t = m->priv;
    struct htab_elem *e;

    if ((flags & BPF_F_LOCK) && t->percpu)
        return -EINVAL;
    e = find(t, htab_hash(t, key), key);
    if (!e)
        return -ENOENT;
    copy_out(t, e, value, flags);
    return 0;
}

/* htab_map_get_next_key(): the next element in the key's bucket, else the
 * first of the next non-empty bucket; a missing or NULL key restarts. */
static int htab_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct htab *t = m->priv;
    uint32_t i = 0;

    if (key) {
        uint32_t hash = htab_hash(t, key);
        struct htab_elem *e = find(t, hash, key);
        if (e) {
            uint64_t next = ld(&e->next);
            if (!IS_NULLS(next)) {
                memcpy(next_key, elem_key(E(t, next)), t->key_size);
                return 0;
            }
            i = (hash & t->mask) + 1;
        }
    }
    for (; i <= t->mask; i++) {
        uint64_t head = ld(&t->buckets[i].head);
        if (!IS_NULLS(head)) {
            memcpy(next_key, elem_key(E(t, head)), t->key_size);
            return 0;
        }
    }
    return -ENOENT;
}

/* __htab_map_lookup_and_delete_batch(): whole buckets at a time, the
 * token is the u32 index of the next bucket; a bucket larger than the room
 * left ends the batch (-ENOSPC if nothing was copied); -ENOENT once the
 * last bucket is done. */
static int htab_lookup_batch(struct bpfrt_map *m, const void *in_batch, void *out_batch, void *keys, void *values,
                             uint32_t *count, uint64_t elem_flags, int do_delete)
{
    struct htab *t = m->priv;
    size_t vsz = t->percpu ? (size_t)m->nr_workers * t->slot : m->value_size;
    uint32_t max = *count, total = 0, batch = 0;
    int ret = 0;

    *count = 0;
    if (in_batch)
        memcpy(&batch, in_batch, sizeof(batch));
    if (batch > t->mask)
        return -ENOENT;
    for (;;) {
        struct htab_bucket *b = &t->buckets[batch];
        struct htab_elem *dead = NULL;
        uint32_t cnt = 0;
        uint64_t off;

        map_lock(&b->lock);
        for (off = b->head; !IS_NULLS(off); off = E(t, off)->next)
            cnt++;
        if (cnt > max - total) {
            if (!total)
                ret = -ENOSPC;
            map_unlock(&b->lock);
            break;
        }
        cnt = 0;
        for (off = b->head; !IS_NULLS(off); off = E(t, off)->next, cnt++) {
            struct htab_elem *e = E(t, off);
            memcpy((uint8_t *)keys + (size_t)(total + cnt) * t->key_size, elem_key(e), t->key_size);
            copy_out(t, e, (uint8_t *)values + (size_t)(total + cnt) * vsz, elem_flags);
        }
        if (do_delete && cnt) {
            dead = E(t, b->head);
            st(&b->head, NULLS(batch));
            __atomic_fetch_sub(&t->h->count, cnt, __ATOMIC_RELAXED);
        }
        map_unlock(&b->lock);
        /* Free after unlocking: each element's next still leads on. */
        while (dead) {
            uint64_t next = dead->next;
            elem_free(t, dead);
            dead = IS_NULLS(next) ? NULL : E(t, next);
        }
        total += cnt;
        batch++;
        if (batch > t->mask) {
            ret = -ENOENT;
            break;
        }
    }
    if (out_batch)
        memcpy(out_batch, &batch, sizeof(batch));
    *count = total;
    return ret;
}

#define HTAB_BATCH (MAP_BATCH_LOOKUP | MAP_BATCH_LOOKUP_AND_DELETE | MAP_BATCH_UPDATE | MAP_BATCH_DELETE)

const struct map_ops map_ops_hash = {
    .check = htab_check,
    .alloc = htab_alloc,
    .free = htab_free,
    .reopen = htab_reopen,
    .lookup = htab_lookup,
    .update = htab_update,
    .delete = htab_delete,
    .sys_lookup = htab_sys_lookup,
    .sys_update = htab_sys_update,
    .sys_delete = htab_sys_delete,
    .sys_lookup_and_delete = htab_sys_lookup_and_delete,
    .get_next_key = htab_get_next_key,
    .lookup_batch = htab_lookup_batch,
    .batch_ops = HTAB_BATCH,
};

const struct map_ops map_ops_percpu_hash = {
    .check = htab_check,
    .alloc = htab_alloc,
    .free = htab_free,
    .reopen = htab_reopen,
    .lookup = pcpu_htab_lookup,
    .update = htab_update,
    .delete = htab_delete,
    .sys_lookup = htab_sys_lookup,
    .sys_update = htab_sys_update,
    .sys_delete = htab_sys_delete,
    .sys_lookup_and_delete = htab_sys_lookup_and_delete,
    .get_next_key = htab_get_next_key,
    .lookup_batch = htab_lookup_batch,
    .batch_ops = HTAB_BATCH,
};

const struct map_ops map_ops_lru_hash = {
    .check = htab_check,
    .alloc = htab_alloc,
    .free = htab_free,
    .reopen = htab_reopen,
    .lookup = lru_htab_lookup,
    .update = htab_update,
    .delete = htab_delete,
    .sys_lookup = htab_sys_lookup,
    .sys_update = htab_sys_update,
    .sys_delete = htab_sys_delete,
    .sys_lookup_and_delete = htab_sys_lookup_and_delete,
    .get_next_key = htab_get_next_key,
    .lookup_batch = htab_lookup_batch,
    .batch_ops = HTAB_BATCH,
};

const struct map_ops map_ops_lru_percpu_hash = {
    .check = htab_check,
    .alloc = htab_alloc,
    .free = htab_free,
    .reopen = htab_reopen,
    .lookup = lru_htab_lookup,
    .update = htab_update,
    .delete = htab_delete,
    .sys_lookup = htab_sys_lookup,
    .sys_update = htab_sys_update,
    .sys_delete = htab_sys_delete,
    .sys_lookup_and_delete = htab_sys_lookup_and_delete,
    .get_next_key = htab_get_next_key,
    .lookup_batch = htab_lookup_batch,
    .batch_ops = HTAB_BATCH,
};
