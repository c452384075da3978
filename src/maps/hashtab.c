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
    uint32_t lazy;
    uint32_t recount; /* a dead owner's bucket was repaired: count to recompute (atomic) */
    uint64_t count;   /* linked elements (atomic) */
    uint64_t carved;  /* elements carved so far (lazy) (atomic) */
    uint64_t buckets_off, freelists_off, lru_off, elems_off;
    map_mutex_t repair_lock; /* serialises recounts */
};

struct htab_bucket {
    map_mutex_t lock;
    uint64_t head; /* element offset, or nulls marker */
};

struct htab_freelist {
    _Alignas(64) map_mutex_t lock;
    uint64_t head;
};

struct htab_lru {
    _Alignas(64) map_mutex_t lock;
    uint64_t head, tail; /* use order: head most recent */
    uint64_t free;       /* free elements of this list */
    uint64_t used;       /* elements on the use list */
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
    /* Element offsets are checked before they are followed: inside the
     * element area and on an element boundary.  The boundary test is an
     * exact-division test without a division: elem_size = odd << shift,
     * and x is a multiple of odd iff x * inverse(odd) mod 2^64 <= max/odd. */
    uint64_t elems_off, elems_span, nr_elems;
    uint64_t esz_inv, esz_lim;
    uint32_t esz_shift;
};

/* A bucket head is 0 until first used, then an element or the bucket's
 * nulls marker. */
#define NULLS(i) (((uint64_t)(i) << 1) | 1)
#define IS_NULLS(o) (((o)&1) || !(o))
/* Lookups restart when a recycled element carried them into another
 * bucket; more restarts than this in one lookup means a corrupt chain. */
#define MAX_RESTARTS 1024u

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

/* Is off the offset of an element (of the element area, on a boundary)? */
static inline int elem_ok(const struct htab *t, uint64_t off)
{
    uint64_t rel = off - t->elems_off; /* wraps below the area */

    if (rel >= t->elems_span || (rel & ((1ull << t->esz_shift) - 1)))
        return 0;
    return (rel >> t->esz_shift) * t->esz_inv <= t->esz_lim;
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

/* Lock-free search of bucket hash & mask (see the header comment).  Every
 * offset is checked before it is followed and the walk is bounded, so a
 * corrupt chain ends the search (not found) instead of crashing or
 * looping. */
static struct htab_elem *find(const struct htab *t, uint32_t hash, const void *key)
{
    uint32_t idx = hash & t->mask;
    const struct htab_bucket *b = &t->buckets[idx];
    unsigned restarts = 0;
    uint64_t off, steps;

again:
    off = ld(&b->head);
    steps = 0;
    while (!IS_NULLS(off)) {
        struct htab_elem *e;
        if (!elem_ok(t, off) || ++steps > t->nr_elems)
            return NULL;
        e = E(t, off);
        if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash && !memcmp(elem_key(e), key, t->key_size))
            return e;
        off = ld(&e->next);
    }
    if (off != NULLS(idx) && off && ++restarts < MAX_RESTARTS)
        goto again;
    return NULL;
}

/* ---- buckets: locks, checked walks, repair ----------------------------------- */

static int keys_equal(const struct htab *t, struct htab_elem *a, struct htab_elem *b)
{
    return a->hash == b->hash && !memcmp(elem_key(a), elem_key(b), t->key_size);
}

/* Under bucket idx's lock, after its owner died (or a walk met a bad
 * link): make the chain well formed again.  Links that are not element
 * offsets of this bucket, that close a cycle or that end in another
 * bucket's marker are cut (the chain ends there); an element whose key
 * appeared earlier in the chain is unlinked (the newest copy stays, as a
 * lookup would find it).  Unlinked and cut-off elements are not put back
 * on a free list (they might still be reachable from elsewhere in a
 * corrupt arena): they are leaked.  The element count is recomputed
 * afterwards (htab_recount). */
static void bucket_repair(struct htab *t, uint32_t idx)
{
    uint64_t *link = &t->buckets[idx].head;
    uint64_t n = 0;

    for (;;) {
        uint64_t off = *link, dup = 0, p;
        struct htab_elem *e;

        if (IS_NULLS(off)) {
            if (off != NULLS(idx))
                st(link, NULLS(idx));
            break;
        }
        if (!elem_ok(t, off) || n >= t->nr_elems || (E(t, off)->hash & t->mask) != idx) {
            st(link, NULLS(idx));
            break;
        }
        e = E(t, off);
        /* a cycle (e is one of the n elements kept so far) or a second
         * copy of a key */
        p = t->buckets[idx].head;
        for (uint64_t k = 0; k < n; k++, p = E(t, p)->next) {
            if (p == off) {
                dup = 2;
                break;
            }
            if (keys_equal(t, E(t, p), e))
                dup = 1;
        }
        if (dup == 2) {
            st(link, NULLS(idx));
            break;
        }
        if (dup) {
            st(link, e->next);
            continue;
        }
        link = &e->next;
        n++;
    }
    __atomic_store_n(&t->h->recount, 1, __ATOMIC_RELEASE);
}

/* Lock bucket idx; a lock whose owner died is taken over after the
 * bucket is repaired.  0, or a negative errno without the lock. */
static int bucket_lock(struct htab *t, uint32_t idx)
{
    struct htab_bucket *b = &t->buckets[idx];
    int r = map_mutex_lock(&b->lock);

    if (r == MAP_LOCK_OWNER_DIED) {
        bucket_repair(t, idx);
        map_mutex_consistent(&b->lock);
        r = 0;
    }
    return r;
}

static void bucket_unlock(struct htab *t, uint32_t idx)
{
    map_mutex_unlock(&t->buckets[idx].lock);
}

/* Under bucket idx's lock: the element of key (or NULL) and the link that
 * points at it (or, when absent, NULL).  A bad link on the way leads to
 * a repair of the bucket and a second walk, which then cannot fail. */
static struct htab_elem *find_locked(struct htab *t, uint32_t idx, uint32_t hash, const void *key, uint64_t **linkp)
{
    for (int pass = 0; pass < 2; pass++) {
        uint64_t *link = &t->buckets[idx].head, steps = 0;
        int bad = 0;

        for (;;) {
            uint64_t off = *link;
            struct htab_elem *e;
            if (IS_NULLS(off)) {
                bad = off != NULLS(idx) && off != 0;
                break;
            }
            if (!elem_ok(t, off) || ++steps > t->nr_elems) {
                bad = 1;
                break;
            }
            e = E(t, off);
            if (e->hash == hash && !memcmp(elem_key(e), key, t->key_size)) {
                *linkp = link;
                return e;
            }
            link = &e->next;
        }
        if (!bad)
            break;
        bucket_repair(t, idx);
    }
    *linkp = NULL;
    return NULL;
}

/* Under bucket idx's lock: the link that points at e, or NULL. */
static uint64_t *link_to(struct htab *t, uint32_t idx, struct htab_elem *e)
{
    uint64_t *link = &t->buckets[idx].head, target = OFF(t, e), steps = 0;

    while (!IS_NULLS(*link)) {
        if (*link == target)
            return link;
        if (!elem_ok(t, *link) || ++steps > t->nr_elems) {
            bucket_repair(t, idx);
            return NULL;
        }
        link = &E(t, *link)->next;
    }
    return NULL;
}

/* After a dead owner's bucket was repaired: count the linked elements
 * again, with every bucket locked (in index order, nothing else held: a
 * writer holds one bucket lock at a time), so that max_entries is
 * enforced exactly.  Called with no lock held. */
static void htab_recount(struct htab *t)
{
    struct htab_hdr *h = t->h;
    uint64_t total = 0;
    uint32_t i, locked = 0;
    int r;

    if (__builtin_expect(!__atomic_load_n(&h->recount, __ATOMIC_ACQUIRE), 1))
        return;
    r = map_mutex_lock(&h->repair_lock);
    if (r < 0)
        return;
    if (r == MAP_LOCK_OWNER_DIED)
        map_mutex_consistent(&h->repair_lock); /* a recount is simply done again */
    if (__atomic_load_n(&h->recount, __ATOMIC_ACQUIRE)) {
        for (i = 0; i <= t->mask; i++, locked++)
            if (bucket_lock(t, i))
                break;
        if (locked == t->mask + 1) {
            for (i = 0; i <= t->mask; i++) {
                uint64_t off = t->buckets[i].head;
                while (!IS_NULLS(off) && elem_ok(t, off)) {
                    total++;
                    off = E(t, off)->next;
                }
            }
            __atomic_store_n(&h->count, total, __ATOMIC_RELAXED);
            __atomic_store_n(&h->recount, 0, __ATOMIC_RELEASE);
        }
        for (i = 0; i < locked; i++)
            bucket_unlock(t, i);
    }
    map_mutex_unlock(&h->repair_lock);
}

/* ---- free lists ------------------------------------------------------------ */

/* Make a singly linked list of elements (link at byte offset lo of each,
 * ending in a value for which IS_NULLS holds) well formed: cut it at the
 * first offset that is not an element, or where it loops back (Floyd's
 * cycle finding, then a cut before the first repeated element).  Returns
 * the number of elements kept. */
static uint64_t list_sanitize(struct htab *t, uint64_t *headp, size_t lo, uint64_t end)
{
#define NEXT(o) (*(uint64_t *)((uint8_t *)E(t, (o)) + lo))
    uint64_t slow, fast, n = 0, *link = headp;

    /* 1. cut at the first bad offset */
    while (!IS_NULLS(*link)) {
        if (!elem_ok(t, *link)) {
            *link = end;
            break;
        }
        link = &NEXT(*link);
        if (++n > 2 * t->nr_elems)
            break; /* certainly loops: found below */
    }
    /* 2. cycle? */
    slow = fast = *headp;
    for (;;) {
        if (IS_NULLS(fast) || IS_NULLS(NEXT(fast)))
            goto count;
        slow = NEXT(slow);
        fast = NEXT(NEXT(fast));
        if (slow == fast)
            break;
    }
    /* the cycle starts where a walk from the head meets one from here */
    slow = *headp;
    while (slow != fast)
        slow = NEXT(slow), fast = NEXT(fast);
    /* cut the link that closes the cycle */
    for (fast = slow; NEXT(fast) != slow; fast = NEXT(fast))
        ;
    NEXT(fast) = end;
count:
    n = 0;
    for (slow = *headp; !IS_NULLS(slow); slow = NEXT(slow))
        n++;
    return n;
#undef NEXT
}

/* Lock free list f; after a dead owner, its list is checked (a push or a
 * pop is one store of the head, so a crash loses at most the element in
 * hand, which is leaked: bounded by one per dead thread). */
static int freelist_lock(struct htab *t, struct htab_freelist *f)
{
    int r = map_mutex_lock(&f->lock);

    if (r == MAP_LOCK_OWNER_DIED) {
        list_sanitize(t, &f->head, offsetof(struct htab_elem, fnext), NULLS(0));
        map_mutex_consistent(&f->lock);
        r = 0;
    }
    return r;
}

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
        if (freelist_lock(t, f))
            continue;
        if (!IS_NULLS(f->head)) {
            if (elem_ok(t, f->head)) {
                e = E(t, f->head);
                f->head = e->fnext;
            } else {
                f->head = NULLS(0); /* corrupt: cut (leaks what followed) */
            }
        }
        map_mutex_unlock(&f->lock);
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

    if (freelist_lock(t, f))
        return; /* unusable lock: the element is leaked */
    e->fnext = f->head;
    st(&f->head, OFF(t, e)); /* one store: the push is all or nothing */
    map_mutex_unlock(&f->lock);
}

/* ---- LRU lists --------------------------------------------------------------- */

/* Under l's lock, after its owner died or a link was found bad: rebuild
 * list li.  Its free list is sanitised; the use list keeps the order of
 * its valid prefix, and every other element of this list (home li) that
 * is not free goes after it, so elements a dead writer had in hand are
 * evictable again rather than lost. */
static void lru_rebuild(struct htab *t, uint32_t li)
{
    struct htab_lru *l = &t->lru[li];
    uint64_t nelems = t->nr_elems, n, off, prev = 0;
    uint8_t *seen = calloc((size_t)(nelems + 7) / 8, 1);

#define IDX(o) (((o)-t->elems_off) / t->elem_size)
#define SEEN(o) (seen[IDX(o) / 8] & (1u << (IDX(o) % 8)))
#define MARK(o) (seen[IDX(o) / 8] |= (uint8_t)(1u << (IDX(o) % 8)))
    list_sanitize(t, &l->free, offsetof(struct htab_elem, fnext), 0);
    if (!seen) {
        /* no memory for the full rebuild: keep the valid prefix */
        n = list_sanitize(t, &l->head, offsetof(struct htab_elem, lru_next), 0);
        for (off = l->head; off; prev = off, off = E(t, off)->lru_next)
            E(t, off)->lru_prev = prev;
        l->tail = prev;
        l->used = n;
        return;
    }
    for (off = l->free; off; off = E(t, off)->fnext)
        MARK(off);
    n = 0;
    list_sanitize(t, &l->head, offsetof(struct htab_elem, lru_next), 0);
    for (off = l->head; off; off = E(t, off)->lru_next) {
        if (SEEN(off) || E(t, off)->home != li) { /* free, or another list's: cut here */
            if (prev)
                E(t, prev)->lru_next = 0;
            else
                l->head = 0;
            break;
        }
        MARK(off);
        E(t, off)->lru_prev = prev;
        prev = off;
        n++;
    }
    for (uint64_t k = 0; k < nelems; k++) {
        off = t->elems_off + k * t->elem_size;
        if (SEEN(off) || E(t, off)->home != li)
            continue;
        E(t, off)->lru_prev = prev;
        E(t, off)->lru_next = 0;
        if (prev)
            E(t, prev)->lru_next = off;
        else
            l->head = off;
        prev = off;
        n++;
    }
    l->tail = prev;
    l->used = n;
    free(seen);
#undef IDX
#undef SEEN
#undef MARK
}

static int lru_lock(struct htab *t, uint32_t li)
{
    int r = map_mutex_lock(&t->lru[li].lock);

    if (r == MAP_LOCK_OWNER_DIED) {
        lru_rebuild(t, li);
        map_mutex_consistent(&t->lru[li].lock);
        r = 0;
    }
    return r;
}

/* Under the lock: are e's use-list links elements (or 0)? */
static int lru_links_ok(struct htab *t, struct htab_lru *l, struct htab_elem *e)
{
    return (!e->lru_prev || elem_ok(t, e->lru_prev)) && (!e->lru_next || elem_ok(t, e->lru_next)) &&
           (e->lru_prev || l->head == OFF(t, e)) && (e->lru_next || l->tail == OFF(t, e));
}

static void lru_unlink(struct htab *t, uint32_t li, struct htab_elem *e)
{
    struct htab_lru *l = &t->lru[li];

    if (!lru_links_ok(t, l, e)) {
        lru_rebuild(t, li);
        if (!lru_links_ok(t, l, e))
            return; /* not on the use list */
    }
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
    if (l->head && elem_ok(t, l->head))
        E(t, l->head)->lru_prev = OFF(t, e);
    else
        l->tail = OFF(t, e), e->lru_next = 0;
    l->head = OFF(t, e);
    l->used++;
}

/* Under l's lock: unlink victim e from its bucket if it is linked there
 * (it may be between allocation and insertion, or being deleted). */
static int lru_unhash(struct htab *t, struct htab_elem *e)
{
    uint32_t idx = __atomic_load_n(&e->hash, __ATOMIC_RELAXED) & t->mask;
    uint64_t *link;
    int found = 0;

    if (bucket_lock(t, idx))
        return 0;
    link = link_to(t, idx, e);
    if (link) {
        st(link, e->next);
        __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
        found = 1;
    }
    bucket_unlock(t, idx);
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

    if (lru_lock(t, li))
        return NULL;
    if (l->free && !elem_ok(t, l->free))
        lru_rebuild(t, li);
    if (l->free) {
        e = E(t, l->free);
        l->free = e->fnext;
    } else {
        budget = 2 * (l->used < t->nr_elems ? l->used : t->nr_elems) + 1;
        for (; budget && l->tail; budget--) {
            struct htab_elem *v;
            if (!elem_ok(t, l->tail)) {
                lru_rebuild(t, li);
                continue;
            }
            v = E(t, l->tail);
            lru_unlink(t, li, v);
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
    map_mutex_unlock(&l->lock);
    return e;
}

static void lru_push_free(struct htab *t, struct htab_elem *e)
{
    uint32_t li = e->home < t->h->nr_lru ? e->home : 0;
    struct htab_lru *l = &t->lru[li];

    if (lru_lock(t, li))
        return; /* unusable lock: the element is leaked */
    lru_unlink(t, li, e);
    e->fnext = l->free;
    l->free = OFF(t, e);
    map_mutex_unlock(&l->lock);
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
    l->buckets_off = off;
    l->freelists_off = (off + l->n_buckets * sizeof(struct htab_bucket) + 63) & ~63ull;
    l->lru_off = l->freelists_off + l->nr_free * sizeof(struct htab_freelist);
    size = l->lru_off + l->nr_lru * sizeof(struct htab_lru);
    size = (size + 63) & ~63ull;
    if (l->nr_elems * l->elem_size / l->elem_size != l->nr_elems || size + l->nr_elems * l->elem_size > (1ull << 44))
        return -ENOMEM;
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
    t->elems_off = h->elems_off;
    t->nr_elems = h->nr_elems;
    t->elems_span = (uint64_t)h->nr_elems * h->elem_size;
    t->esz_shift = (uint32_t)__builtin_ctz(h->elem_size);
    {
        uint64_t d = h->elem_size >> t->esz_shift, x = d; /* d odd: x = 1/d mod 2^64 by Newton */
        for (int i = 0; i < 5; i++)
            x *= 2 - d * x;
        t->esz_inv = x;
        t->esz_lim = UINT64_MAX / d;
    }
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

    /* Every structure lock is initialised here, once, in the arena (a
     * process that maps the pin later uses them as they are). */
    err = map_mutex_init(&h->repair_lock);
    for (uint64_t i = 0; i < l.n_buckets && !err; i++)
        err = map_mutex_init(&t->buckets[i].lock);
    for (uint32_t i = 0; i < l.nr_free && !err; i++) {
        err = map_mutex_init(&t->freelists[i].lock);
        t->freelists[i].head = NULLS(0);
    }
    for (uint32_t i = 0; i < l.nr_lru && !err; i++)
        err = map_mutex_init(&t->lru[i].lock);
    if (err) {
        arena_free(&m->arena);
        free(t);
        return err;
    }
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

/* A pinned map opened again: a process that died holding one of its locks
 * left the lock marked (the kernel's robust-futex exit handling); repair
 * what such a lock protects now rather than at the next update of that
 * bucket, so that the element count is exact again at once.  Reads the
 * lock words only: the pages of unmarked locks stay clean. */
static void htab_heal(struct htab *t)
{
    for (uint32_t i = 0; i <= t->mask; i++)
        if (map_mutex_owner_died(&t->buckets[i].lock) && !bucket_lock(t, i))
            bucket_unlock(t, i);
    for (uint32_t i = 0; i < t->h->nr_freelists; i++)
        if (map_mutex_owner_died(&t->freelists[i].lock) && !freelist_lock(t, &t->freelists[i]))
            map_mutex_unlock(&t->freelists[i].lock);
    for (uint32_t i = 0; i < t->h->nr_lru; i++)
        if (map_mutex_owner_died(&t->lru[i].lock) && !lru_lock(t, i))
            map_mutex_unlock(&t->lru[i].lock);
    htab_recount(t);
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
    htab_heal(t);
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
    uint32_t hash = htab_hash(t, key), idx = hash & t->mask;
    struct htab_bucket *b = &t->buckets[idx];
    struct htab_elem *old, *e = NULL, *to_free = NULL;
    uint64_t *old_link;
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
        map_step("htab.update.popped");
    }

    err = bucket_lock(t, idx);
    if (err) {
        if (e)
            elem_free(t, e);
        return err;
    }
    map_step("htab.update.locked");
    old = find_locked(t, idx, hash, key, &old_link);
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
        map_step("htab.update.popped");
    } else if (!old) {
        __atomic_fetch_add(&t->h->count, 1, __ATOMIC_RELAXED);
    }
    memcpy(elem_key(e), key, t->key_size);
    __atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
    init_value(t, e, value, allcpus, worker);
    if (t->is_lru && old)
        __atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
    if (old && old_link == &b->head) {
        /* The old element heads the chain: one store replaces it. */
        __atomic_store_n(&e->next, old->next, __ATOMIC_RELAXED);
        st(&b->head, OFF(t, e));
        map_step("htab.update.replaced");
    } else {
        /* The new element goes to the head, as the kernel's update puts
         * it (the iteration order of BPF_F_ZERO_SEED maps is the
         * kernel's), then the old one is unlinked: two stores.  Between
         * them the chain holds the key twice, the new copy first, but no
         * reader sees it twice (a lookup returns the first copy, a walk
         * skips copies that are not the first); a writer that dies there
         * leaves its bucket lock marked, and whoever takes the lock next
         * (or opens the pin) repairs the chain, keeping the first copy:
         * the update is then complete. */
        __atomic_store_n(&e->next, b->head ? b->head : NULLS(idx), __ATOMIC_RELAXED);
        st(&b->head, OFF(t, e));
        map_step("htab.update.linked");
        if (old) {
            st(old_link, old->next); /* old_link is a next inside the chain, not the head */
            map_step("htab.update.unlinked");
        }
    }
    if (old)
        to_free = old;
out:
    bucket_unlock(t, idx);
    if (to_free)
        elem_free(t, to_free);
    htab_recount(t);
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

/* Unlink the element of key with one store of the link that points at
 * it; it is returned (to be freed by the caller, after copying its value
 * if wanted) with bucket *idxp still locked.  NULL with *errp set when
 * there is no such key (-ENOENT) or the lock is unusable (the bucket is
 * then not locked). */
static struct htab_elem *unlink_key(struct htab *t, const void *key, uint32_t *idxp, int *errp)
{
    uint32_t hash = htab_hash(t, key), idx = hash & t->mask;
    struct htab_elem *e;
    uint64_t *link;

    *idxp = idx;
    *errp = bucket_lock(t, idx);
    if (*errp)
        return NULL;
    map_step("htab.delete.locked");
    e = find_locked(t, idx, hash, key, &link);
    if (e) {
        st(link, e->next);
        __atomic_fetch_sub(&t->h->count, 1, __ATOMIC_RELAXED);
        map_step("htab.delete.unlinked");
    } else {
        *errp = -ENOENT;
    }
    return e;
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

/* Unlink key and free its element; its value copied out first when value
 * is not NULL.  0, or -ENOENT (or a lock error). */
static int delete_key(struct htab *t, const void *key, void *value, uint64_t flags)
{
    struct htab_elem *e;
    uint32_t idx;
    int err;

    e = unlink_key(t, key, &idx, &err);
    if (e && value)
        copy_out(t, e, value, flags);
    if (err == -ENOENT || e)
        bucket_unlock(t, idx);
    if (e)
        elem_free(t, e);
    htab_recount(t);
    return e ? 0 : err;
}

static long htab_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)worker;
    return delete_key(m->priv, key, NULL, 0);
}

static int htab_sys_delete(struct bpfrt_map *m, const void *key)
{
    return (int)htab_delete(m, key, 0);
}

static int htab_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct htab *t = m->priv;

    if ((flags & BPF_F_LOCK) && t->percpu)
        return -EINVAL;
    return delete_key(t, key, value, flags);
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

/* Is e the first element of its key in its chain?  After a writer died
 * between linking a new copy of a key and unlinking the old one (until
 * the bucket is repaired), or while a live writer is between the two,
 * walks skip the old copy so that no key is seen twice. */
static int first_copy(const struct htab *t, struct htab_elem *e)
{
    return find(t, e->hash, elem_key(e)) == e;
}

/* A bucket whose lock owner died is repaired before walks use it. */
static void heal_bucket(struct htab *t, uint32_t idx)
{
    if (__builtin_expect(map_mutex_owner_died(&t->buckets[idx].lock), 0) && !bucket_lock(t, idx))
        bucket_unlock(t, idx);
}

/* The first element at or after offset off in bucket idx's chain that is
 * the first copy of its key, or NULL. */
static struct htab_elem *next_in_chain(const struct htab *t, uint64_t off)
{
    uint64_t steps = 0;

    while (!IS_NULLS(off) && elem_ok(t, off) && ++steps <= t->nr_elems) {
        struct htab_elem *e = E(t, off);
        if (first_copy(t, e))
            return e;
        off = ld(&e->next);
    }
    return NULL;
}

/* htab_map_get_next_key(): the next element in the key's bucket, else the
 * first of the next non-empty bucket; a missing or NULL key restarts. */
static int htab_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct htab *t = m->priv;
    struct htab_elem *n;
    uint32_t i = 0;

    if (key) {
        uint32_t hash = htab_hash(t, key);
        struct htab_elem *e;
        heal_bucket(t, hash & t->mask);
        e = find(t, hash, key);
        if (e) {
            n = next_in_chain(t, ld(&e->next));
            if (n) {
                memcpy(next_key, elem_key(n), t->key_size);
                return 0;
            }
            i = (hash & t->mask) + 1;
        }
    }
    for (; i <= t->mask; i++) {
        heal_bucket(t, i);
        n = next_in_chain(t, ld(&t->buckets[i].head));
        if (n) {
            memcpy(next_key, elem_key(n), t->key_size);
            return 0;
        }
    }
    return -ENOENT;
}

/* __htab_map_lookup_and_delete_batch(): whole buckets at a time, the
 * token is the u32 index of the next bucket; a bucket larger than the room
 * left ends the batch (-ENOSPC if nothing was copied); -ENOENT once the
 * last bucket is done.  Under the bucket lock a chain is whole (a dead
 * writer's bucket was repaired when the lock was taken). */
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

        ret = bucket_lock(t, batch);
        if (ret)
            break;
        for (off = b->head; !IS_NULLS(off) && elem_ok(t, off) && cnt <= t->nr_elems; off = E(t, off)->next)
            cnt++;
        if (!IS_NULLS(off)) { /* a bad link: repair, count again */
            bucket_repair(t, batch);
            cnt = 0;
            for (off = b->head; !IS_NULLS(off); off = E(t, off)->next)
                cnt++;
        }
        if (cnt > max - total) {
            if (!total)
                ret = -ENOSPC;
            bucket_unlock(t, batch);
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
            st(&b->head, NULLS(batch)); /* one store unlinks them all */
            __atomic_fetch_sub(&t->h->count, cnt, __ATOMIC_RELAXED);
        }
        bucket_unlock(t, batch);
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
    htab_recount(t);
    return ret;
}

/* Checked runs (map_ops.prog_access): a program may touch the value of an
 * element (value_size bytes; for per-CPU maps one slot's value_size
 * bytes, any slot, as bpf_map_lookup_percpu_elem reaches them), nothing
 * else: not the header, bucket locks and heads, free and LRU lists, an
 * element's links or its key.  The element need not be linked: the
 * kernel lets a program that holds a value pointer keep using it after a
 * concurrent delete (RCU; a preallocated element may already be reused),
 * and a value's bytes never hold any of the map's structure.  Elements
 * of a BPF_F_NO_PREALLOC map not carved yet are refused. */
static int htab_prog_access(const struct bpfrt_map *m, uint64_t off, uint64_t size, uint32_t perm, char *why,
                            size_t whysz)
{
    const struct htab *t = m->priv;
    uint64_t rel, k, in, v;
    char whose[64];

    (void)perm;
    if (off < t->elems_off)
        return map_access_refused(m, why, whysz,
                                  "offset %llu of its storage is in its %s, not in an element's value",
                                  (unsigned long long)off,
                                  off < t->h->buckets_off     ? "header"
                                  : off < t->h->freelists_off ? "buckets (locks and chain heads)"
                                                              : "free lists and LRU lists");
    rel = off - t->elems_off;
    k = rel / t->elem_size;
    in = rel % t->elem_size;
    if (k >= t->nr_elems || (t->h->lazy && k >= __atomic_load_n(&t->h->carved, __ATOMIC_RELAXED)))
        return map_access_refused(m, why, whysz, "offset %llu of its storage is not in any element in use",
                                  (unsigned long long)off);
    if (in < ELEM_HDR)
        return map_access_refused(m, why, whysz,
                                  "offset %llu of its storage is the header of element %llu (chain and list "
                                  "links), not its value",
                                  (unsigned long long)off, (unsigned long long)k);
    if (in < ELEM_HDR + t->key_rsize)
        return map_access_refused(m, why, whysz, "offset %llu of its storage is the key of element %llu, not its value",
                                  (unsigned long long)off, (unsigned long long)k);
    v = in - ELEM_HDR - t->key_rsize;
    if (t->percpu) {
        snprintf(whose, sizeof(whose), "element %llu, CPU %llu", (unsigned long long)k,
                 (unsigned long long)(v / t->slot));
        return map_value_access(m, v % t->slot, size, whose, why, whysz);
    }
    snprintf(whose, sizeof(whose), "element %llu", (unsigned long long)k);
    return map_value_access(m, v, size, whose, why, whysz);
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
    .prog_access = htab_prog_access,
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
    .prog_access = htab_prog_access,
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
    .prog_access = htab_prog_access,
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
    .prog_access = htab_prog_access,
    .batch_ops = HTAB_BATCH,
};
