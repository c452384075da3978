/* lpm_trie.c - BPF_MAP_TYPE_LPM_TRIE: longest-prefix match over keys
 * `struct bpf_lpm_trie_key_u8` (u32 prefixlen, then data bytes).
 *
 * A path-compressed binary trie, as the kernel's: every node holds a prefix;
 * a node's child[b] holds the prefixes that extend it with bit b at position
 * node->prefixlen; "intermediate" nodes (no value) join two prefixes that
 * diverge.  The shape is therefore the kernel's, and get_next_key walks it
 * post-order (children before parent, child 0 before child 1), which is
 * the order the kernel returns keys in (more specific prefixes first).
 *
 * Storage: one arena, nodes addressed by offsets.  The kernel's trie is
 * always BPF_F_NO_PREALLOC (the flag is required) and allocates a node per
 * insert; so does this one: the arena reserves address space for
 * 2 * max_entries + slack nodes (a trie of n prefixes has at most n - 1
 * intermediate nodes), at most LPM_ARENA_MAX bytes of it, and nodes are
 * carved from its bump area (arena_bump) as inserts need them, so a trie
 * costs memory, and a pinned one file blocks, for the nodes it has held,
 * whatever max_entries says.  When the reservation is capped (huge values
 * times a huge max_entries) or a pin's filesystem is full, an insert that
 * gets no node fails with -ENOMEM, as the kernel's does when kmalloc fails.
 * Writers serialise on a process-shared robust mutex in the arena header.
 * Readers take no lock: a writer builds a node completely and then
 * publishes it with one release store of a child offset, as the kernel does
 * with RCU; freed nodes go to the tail of a FIFO free list, which is used
 * only once it holds more than LPM_SLACK nodes (fresh ones are carved
 * before), so a node a reader may still stand on is reused as late as
 * possible, and readers bound their walk by the trie's depth so they
 * always end.  Files pinned by older bpfrt (every node on the free list,
 * the arena's bump mark still at its header) are used through their free
 * list only. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

#define LPM_DATA_SIZE_MAX 256 /* kernel: LPM_DATA_SIZE_MAX */
#define LPM_KEY_HDR 4         /* offsetof(struct bpf_lpm_trie_key_u8, data) */
#define LPM_VAL_SIZE_MAX (1u << 22)
#define LPM_FLAG_IM 1u
#define LPM_SLACK 64    /* extra nodes delaying reuse of freed ones */
#define LPM_HDR_OFF 256 /* our header follows the arena's own (offset 0) */
/* Address space one trie may reserve: 2^32-1 IPv4 prefixes with 8-byte
 * values (48-byte nodes) need 412 GB, which fits. */
#define LPM_ARENA_MAX (1ull << 40)
#define LPM_CREATE_FLAGS                                                                                               \
    (BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)

struct lpm_node {
    map_off_t child[2];
    map_off_t next_free;
    uint32_t prefixlen;
    uint32_t flags;
    uint8_t data[]; /* data_size bytes, then the value at hdr->value_off */
};

/* lpm_find_word reads 8 bytes at data: within data + padding when
 * data_size <= 8, as value_off rounds sizeof(node) + data_size up to 8. */
_Static_assert(sizeof(struct lpm_node) % 8 == 0, "lpm_node: data must start 8-aligned");

struct lpm_hdr {
    pthread_mutex_t lock;
    map_off_t root;
    map_off_t free_head, free_tail;
    uint64_t n_entries;
    uint32_t data_size, max_prefixlen;
    uint32_t node_size, value_off; /* value offset inside a node */
    uint64_t nr_free;              /* nodes on the free list */
};

/* Nodes are carved from here on (the arena's bump area). */
#define LPM_NODES_OFF (LPM_HDR_OFF + ((sizeof(struct lpm_hdr) + 63) & ~63ul))

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

static struct lpm_hdr *lpm_hdr(const struct bpfrt_map *m)
{
    return (struct lpm_hdr *)(m->arena.base + LPM_HDR_OFF);
}


/* Nodes that exist: those carved from the bump area so far (nodes are
 * carved on demand; an offset past them is no node). */
static uint64_t lpm_nr_nodes(const struct bpfrt_map *m)
{
    uint32_t nsz = ((const struct lpm_hdr *)(m->arena.base + LPM_HDR_OFF))->node_size;
    uint64_t brk = __atomic_load_n(&arena_hdr(&m->arena)->brk, __ATOMIC_ACQUIRE);
    uint64_t end = brk < m->arena.size ? brk : m->arena.size;

    return nsz && end > LPM_NODES_OFF ? (end - LPM_NODES_OFF) / nsz : 0;
}

/* The node at off, or NULL for 0 and for anything that is not the start
 * of a node of the pool: offsets read without the lock may be stale, and
 * a stored offset is never followed before it is checked. */
static struct lpm_node *lpm_node(const struct bpfrt_map *m, map_off_t off)
{
    uint32_t nsz = ((const struct lpm_hdr *)(m->arena.base + LPM_HDR_OFF))->node_size;
    uint64_t rel = off - LPM_NODES_OFF;

    if (!off || off < LPM_NODES_OFF || !nsz || rel % nsz || rel / nsz >= lpm_nr_nodes(m) ||
        off + nsz > m->arena.size)
        return NULL;
    return (struct lpm_node *)(m->arena.base + off);
}

static void *lpm_value(const struct bpfrt_map *m, struct lpm_node *n)
{
    return (uint8_t *)n + lpm_hdr(m)->value_off;
}

static void lpm_repair(struct bpfrt_map *m, struct lpm_hdr *h);

/* The writers' lock; when its owner died, the trie is checked and the
 * free list and count rebuilt (lpm_repair) before it is used.  0, or a
 * negative errno without the lock. */
static int lpm_lock(struct bpfrt_map *m, struct lpm_hdr *h)
{
    int r = map_mutex_lock(&h->lock);

    if (r == MAP_LOCK_OWNER_DIED) {
        lpm_repair(m, h);
        map_mutex_consistent(&h->lock);
        r = 0;
    }
    return r;
}

static void lpm_unlock(struct lpm_hdr *h)
{
    map_mutex_unlock(&h->lock);
}

/* Bit i (0 = most significant bit of data[0]) of data. */
static unsigned lpm_bit(const uint8_t *data, uint32_t i)
{
    return (data[i / 8] >> (7 - i % 8)) & 1;
}

/* Big-endian loads of 8, 4, 2 bytes from any address. */
static inline uint64_t lpm_be64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t lpm_be32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint32_t lpm_be16(const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, 2);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap16(v);
#endif
    return v;
}

/* Number of leading bits a and b (size bytes each) share, at most limit
 * (limit <= size * 8).  A chunk of 8, then 4, 2, 1 bytes at a time: XOR of
 * the big-endian values, the first differing bit is the XOR's count of
 * leading zeros.  Reads nothing outside the size bytes of a and b, and
 * stops at the first chunk that starts at or past limit. */
static inline uint32_t lpm_common_bits(const uint8_t *a, const uint8_t *b, uint32_t size, uint32_t limit)
{
    uint32_t off = 0, bit;

    for (; off + 8 <= size; off += 8) {
        uint64_t x;

        if (off * 8 >= limit)
            return limit;
        x = lpm_be64(a + off) ^ lpm_be64(b + off);
        if (x) {
            bit = off * 8 + (uint32_t)__builtin_clzll(x);
            return bit < limit ? bit : limit;
        }
    }
    if (off * 8 >= limit)
        return limit;
    if (size - off >= 4) {
        uint32_t x = lpm_be32(a + off) ^ lpm_be32(b + off);

        if (x) {
            bit = off * 8 + (uint32_t)__builtin_clz(x);
            return bit < limit ? bit : limit;
        }
        off += 4;
        if (off * 8 >= limit)
            return limit;
    }
    if (size - off >= 2) {
        uint32_t x = lpm_be16(a + off) ^ lpm_be16(b + off);

        if (x) {
            bit = off * 8 + (uint32_t)__builtin_clz(x) - 16;
            return bit < limit ? bit : limit;
        }
        off += 2;
        if (off * 8 >= limit)
            return limit;
    }
    if (size - off >= 1) {
        uint32_t x = (uint32_t)(a[off] ^ b[off]);

        if (x) {
            bit = off * 8 + (uint32_t)__builtin_clz(x) - 24;
            return bit < limit ? bit : limit;
        }
    }
    return limit;
}

/* Number of leading bits node (its prefix length read once, as plen) and
 * key data kd share, at most the shorter prefix; klimit is the key's prefix
 * length, already capped at max_prefixlen. */
static inline uint32_t lpm_match_len(const struct lpm_hdr *h, const struct lpm_node *n, uint32_t plen,
                                     const uint8_t *kd, uint32_t klimit)
{
    /* plen may be stale for a lock-free reader: klimit bounds the reads. */
    return lpm_common_bits(n->data, kd, h->data_size, plen < klimit ? plen : klimit);
}

/* Number of leading bits node and key share, at most the shorter prefix. */
static uint32_t lpm_match(const struct lpm_hdr *h, const struct lpm_node *n, const uint8_t *key)
{
    uint32_t keylen;

    memcpy(&keylen, key, 4);
    if (keylen > h->max_prefixlen)
        keylen = h->max_prefixlen;
    return lpm_match_len(h, n, n->prefixlen, key + LPM_KEY_HDR, keylen);
}

static int lpm_check(const struct map_attr *attr, char *log, size_t logsz)
{
    /* kernel trie_alloc: sizes and flags -> -EINVAL */
    if (attr->key_size <= LPM_KEY_HDR || attr->key_size > LPM_KEY_HDR + LPM_DATA_SIZE_MAX)
        return map_log_inval(log, logsz, "lpm_trie: key_size %u must be 5..%u (u32 prefixlen + data)", attr->key_size,
                             LPM_KEY_HDR + LPM_DATA_SIZE_MAX);
    if (attr->value_size < 1 || attr->value_size > LPM_VAL_SIZE_MAX)
        return map_log_inval(log, logsz, "lpm_trie: value_size %u out of range", attr->value_size);
    if (attr->max_entries == 0)
        return map_log_inval(log, logsz, "lpm_trie: max_entries must be > 0");
    if (!(attr->map_flags & BPF_F_NO_PREALLOC) || (attr->map_flags & ~LPM_CREATE_FLAGS))
        return map_log_inval(
            log, logsz,
            "lpm_trie: map_flags 0x%x: BPF_F_NO_PREALLOC is required, only NUMA_NODE and access flags are accepted",
            attr->map_flags);
    return 0;
}

static int lpm_alloc(struct bpfrt_map *m)
{
    uint32_t data_size = m->key_size - LPM_KEY_HDR;
    uint32_t value_off = (uint32_t)((sizeof(struct lpm_node) + data_size + 7) & ~7ul);
    uint32_t node_size = (value_off + m->value_size + 7) & ~7u;
    uint64_t nodes = 2ull * m->max_entries + LPM_SLACK, size;
    struct lpm_hdr *h;
    int err;

    size = nodes > (LPM_ARENA_MAX - LPM_NODES_OFF) / node_size ? LPM_ARENA_MAX : LPM_NODES_OFF + nodes * node_size;
    err = arena_alloc(&m->arena, size);
    if (err)
        return err;
    arena_hdr(&m->arena)->brk = LPM_NODES_OFF;
    arena_lazy(&m->arena, LPM_NODES_OFF);
    h = lpm_hdr(m);
    err = map_mutex_init(&h->lock);
    if (err) {
        arena_free(&m->arena);
        return err;
    }
    h->data_size = data_size;
    h->max_prefixlen = data_size * 8;
    h->node_size = node_size;
    h->value_off = value_off;
    return 0;
}

static void lpm_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

/* A node for an insert (caller holds the lock): a fresh one from the bump
 * area while the free list holds LPM_SLACK nodes or fewer, else (or when
 * the arena has no fresh one left) the free list's oldest.  NULL when
 * neither has one. */
static struct lpm_node *lpm_node_get(struct bpfrt_map *m, struct lpm_hdr *h)
{
    struct lpm_node *n;

    if (h->nr_free <= LPM_SLACK && arena_hdr(&m->arena)->brk >= LPM_NODES_OFF) {
        map_off_t off = arena_bump(&m->arena, h->node_size, 8);
        if (off)
            return lpm_node(m, off); /* zero: never used */
    }
    n = lpm_node(m, h->free_head);
    if (!n)
        return NULL;
    h->free_head = n->next_free;
    if (!h->free_head)
        h->free_tail = 0;
    if (h->nr_free)
        h->nr_free--;
    n->next_free = 0;
    return n;
}

/* Return a node to the tail of the free list (caller holds the lock); its
 * contents stay readable for readers that still stand on it. */
static void lpm_node_put(struct bpfrt_map *m, struct lpm_hdr *h, struct lpm_node *n)
{
    map_off_t off = arena_off(&m->arena, n);

    n->next_free = 0;
    if (h->free_tail)
        lpm_node(m, h->free_tail)->next_free = off;
    else
        h->free_head = off;
    h->free_tail = off;
    h->nr_free++;
}

static uint32_t key_prefixlen(const void *key)
{
    uint32_t plen;

    memcpy(&plen, key, 4);
    return plen;
}

/* lpm_find for data_size <= 8 (IPv4 and other short keys): the key is one
 * big-endian word, left-aligned and zero-padded, kept in a register.  A
 * node's data is read as 8 bytes too: with data_size <= 8 the node's data
 * and its padding up to value_off (40) hold them, and bits past limit do not
 * count.  The child's bit is a shift of the key word. */
static struct lpm_node *lpm_find_word(struct bpfrt_map *m, const struct lpm_hdr *h, const uint8_t *kd,
                                      uint32_t klen)
{
    const uint8_t *base = m->arena.base;
    uint64_t asize = m->arena.size, kw;
    uint32_t max_plen = h->max_prefixlen, depth;
    uint8_t kb[8] = {0};
    struct lpm_node *found = NULL;
    map_off_t off;

    memcpy(kb, kd, h->data_size);
    kw = lpm_be64(kb);
    off = LOAD(h->root);
    for (depth = 0; off >= LPM_NODES_OFF && off <= asize - h->node_size && !(off & 7) && depth <= max_plen + 1;
         depth++) {
        struct lpm_node *n = (struct lpm_node *)(base + off);
        uint32_t plen = n->prefixlen, flags = LOAD(n->flags);
        uint32_t limit = plen < klen ? plen : klen;
        uint64_t x = lpm_be64(n->data) ^ kw;
        uint32_t matchlen = x ? (uint32_t)__builtin_clzll(x) : 64;

        if (matchlen > limit)
            matchlen = limit;
        if (matchlen == max_plen) {
            if (!(flags & LPM_FLAG_IM))
                found = n;
            break;
        }
        if (matchlen < plen)
            break;
        /* Here plen == matchlen < max_plen <= 64. */
        if (!(flags & LPM_FLAG_IM))
            found = n;
        off = LOAD(n->child[(kw << plen) >> 63]);
    }
    return found;
}

/* Longest prefix match (kernel trie_lookup_elem). */
static struct lpm_node *lpm_find(struct bpfrt_map *m, const uint8_t *key)
{
    const struct lpm_hdr *h = lpm_hdr(m);
    const uint8_t *kd = key + LPM_KEY_HDR;
    uint32_t max_plen = h->max_prefixlen, klen = key_prefixlen(key);
    struct lpm_node *n, *found = NULL;
    uint32_t depth = 0;

    if (klen > max_plen) /* kernel 6.18: no match, -ENOENT */
        return NULL;
    if (max_plen <= 64)
        return lpm_find_word(m, h, kd, klen);
    for (n = lpm_node(m, LOAD(h->root)); n && depth <= max_plen + 1; depth++) {
        uint32_t plen = n->prefixlen, flags = LOAD(n->flags);
        uint32_t matchlen = lpm_match_len(h, n, plen, kd, klen);

        if (matchlen == max_plen) {
            if (!(flags & LPM_FLAG_IM))
                found = n;
            break;
        }
        if (matchlen < plen)
            break;
        if (!(flags & LPM_FLAG_IM))
            found = n;
        n = lpm_node(m, LOAD(n->child[lpm_bit(kd, plen)]));
    }
    return found;
}

static void *lpm_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct lpm_node *n = lpm_find(m, key);

    (void)worker;
    return n ? lpm_value(m, n) : NULL;
}

static int lpm_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    struct lpm_node *n;

    if (flags & ~(uint64_t)BPF_F_LOCK)
        return -EINVAL;
    if (flags & BPF_F_LOCK)
        return -EINVAL; /* no bpf_spin_lock in an LPM value */
    n = lpm_find(m, key);
    if (!n)
        return -ENOENT;
    memcpy(value, lpm_value(m, n), m->value_size);
    return 0;
}

/* Whether one more prefix may be added (kernel: BPF_EXIST on a new
 * prefix is -ENOENT before a full trie's -ENOSPC). */
static int lpm_may_add(const struct bpfrt_map *m, const struct lpm_hdr *h, uint64_t flags)
{
    if (flags == BPF_EXIST)
        return -ENOENT;
    if (h->n_entries >= m->max_entries)
        return -ENOSPC;
    return 0;
}

static long lpm_update_locked(struct bpfrt_map *m, struct lpm_hdr *h, const uint8_t *key, const void *value,
                              uint64_t flags)
{
    uint32_t plen = key_prefixlen(key), matchlen = 0;
    const uint8_t *kd = key + LPM_KEY_HDR;
    map_off_t *slot = &h->root;
    struct lpm_node *n, *nn, *im;
    int err;

    for (uint32_t depth = 0; (n = lpm_node(m, *slot)) && depth <= h->max_prefixlen; depth++) {
        matchlen = lpm_match(h, n, key);
        if (n->prefixlen != matchlen || n->prefixlen == plen)
            break;
        slot = &n->child[lpm_bit(kd, n->prefixlen)];
    }

    if (n && n->prefixlen == plen && matchlen == plen && !(n->flags & LPM_FLAG_IM)) {
        if (flags == BPF_NOEXIST)
            return -EEXIST;
    } else {
        err = lpm_may_add(m, h, flags);
        if (err)
            return err;
    }

    nn = lpm_node_get(m, h);
    if (!nn)
        return -ENOMEM;
    nn->child[0] = nn->child[1] = 0;
    nn->prefixlen = plen;
    nn->flags = 0;
    memcpy(nn->data, kd, h->data_size);
    memcpy(lpm_value(m, nn), value, m->value_size);

    if (!n) { /* an empty slot */
        h->n_entries++;
        STORE(*slot, arena_off(&m->arena, nn));
        return 0;
    }
    if (n->prefixlen == matchlen && n->prefixlen == plen) {
        /* Same prefix: the new node takes the old one's place (an
         * intermediate node becomes a real one). */
        if (n->flags & LPM_FLAG_IM)
            h->n_entries++;
        nn->child[0] = n->child[0];
        nn->child[1] = n->child[1];
        STORE(*slot, arena_off(&m->arena, nn));
        lpm_node_put(m, h, n);
        return 0;
    }
    h->n_entries++;
    if (matchlen == plen) {
        /* The new prefix is a prefix of n: n hangs below it. */
        nn->child[lpm_bit(n->data, matchlen)] = arena_off(&m->arena, n);
        STORE(*slot, arena_off(&m->arena, nn));
        return 0;
    }
    /* They diverge at bit matchlen: an intermediate node joins them. */
    im = lpm_node_get(m, h);
    if (!im) {
        h->n_entries--;
        lpm_node_put(m, h, nn);
        return -ENOMEM;
    }
    im->prefixlen = matchlen;
    im->flags = LPM_FLAG_IM;
    memcpy(im->data, n->data, h->data_size);
    im->child[lpm_bit(kd, matchlen)] = arena_off(&m->arena, nn);
    im->child[!lpm_bit(kd, matchlen)] = arena_off(&m->arena, n);
    STORE(*slot, arena_off(&m->arena, im));
    return 0;
}

static long lpm_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    struct lpm_hdr *h = lpm_hdr(m);
    long err;

    (void)worker;
    if (flags > BPF_EXIST)
        return -EINVAL;
    if (key_prefixlen(key) > h->max_prefixlen)
        return -EINVAL;
    err = lpm_lock(m, h);
    if (err)
        return err;
    err = lpm_update_locked(m, h, key, value, flags);
    lpm_unlock(h);
    return err;
}

static int lpm_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    return (int)lpm_update(m, key, value, flags, 0);
}

static long lpm_delete_locked(struct bpfrt_map *m, struct lpm_hdr *h, const uint8_t *key)
{
    uint32_t plen = key_prefixlen(key), matchlen = 0;
    map_off_t *trim = &h->root, *trim2 = trim;
    struct lpm_node *n, *parent = NULL;

    for (uint32_t depth = 0; (n = lpm_node(m, *trim)) && depth <= h->max_prefixlen; depth++) {
        matchlen = lpm_match(h, n, key);
        if (n->prefixlen != matchlen || n->prefixlen == plen)
            break;
        parent = n;
        trim2 = trim;
        trim = &n->child[lpm_bit(key + LPM_KEY_HDR, n->prefixlen)];
    }
    if (!n || n->prefixlen != plen || n->prefixlen != matchlen || (n->flags & LPM_FLAG_IM))
        return -ENOENT;
    h->n_entries--;

    if (n->child[0] && n->child[1]) {
        /* Still joins two subtrees: it becomes an intermediate node. */
        STORE(n->flags, n->flags | LPM_FLAG_IM);
        return 0;
    }
    if (parent && (parent->flags & LPM_FLAG_IM) && !n->child[0] && !n->child[1]) {
        /* A leaf under an intermediate node: the sibling replaces both. */
        map_off_t sibling = parent->child[0] == arena_off(&m->arena, n) ? parent->child[1] : parent->child[0];
        STORE(*trim2, sibling);
        lpm_node_put(m, h, parent);
        lpm_node_put(m, h, n);
        return 0;
    }
    STORE(*trim, n->child[0] ? n->child[0] : n->child[1]);
    lpm_node_put(m, h, n);
    return 0;
}

static long lpm_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    struct lpm_hdr *h = lpm_hdr(m);
    long err;

    (void)worker;
    if (key_prefixlen(key) > h->max_prefixlen)
        return -EINVAL;
    err = lpm_lock(m, h);
    if (err)
        return err;
    err = lpm_delete_locked(m, h, key);
    lpm_unlock(h);
    return err;
}

static int lpm_sys_delete(struct bpfrt_map *m, const void *key)
{
    return (int)lpm_delete(m, key, 0);
}

/* First node of the post-order walk of the subtree at n. */
static struct lpm_node *lpm_leftmost(struct bpfrt_map *m, struct lpm_node *n)
{
    /* a path is at most max_prefixlen + 1 nodes long (prefixes grow
     * along it); a longer one is a corrupt trie: stop there */
    for (uint32_t depth = 0; depth <= lpm_hdr(m)->max_prefixlen; depth++) {
        struct lpm_node *c = lpm_node(m, n->child[0]);
        if (!c)
            c = lpm_node(m, n->child[1]);
        if (!c)
            return n;
        n = c;
    }
    return n;
}

/* Post-order successor of key, or the first node when key is NULL or not
 * in the trie (kernel trie_get_next_key). Caller holds the lock. */
static struct lpm_node *lpm_next_locked(struct bpfrt_map *m, struct lpm_hdr *h, const uint8_t *key)
{
    struct lpm_node *path[LPM_DATA_SIZE_MAX * 8 + 2];
    struct lpm_node *n, *root = lpm_node(m, h->root);
    uint32_t depth = 0, plen;

    if (!root)
        return NULL;
    if (!key || (plen = key_prefixlen(key)) > h->max_prefixlen)
        return lpm_leftmost(m, root);

    /* Exact search, remembering the path. */
    for (n = root; n && depth <= h->max_prefixlen;) {
        uint32_t matchlen = lpm_match(h, n, key);
        if (n->prefixlen != matchlen || n->prefixlen == plen)
            break;
        path[depth++] = n;
        n = lpm_node(m, n->child[lpm_bit(key + LPM_KEY_HDR, n->prefixlen)]);
    }
    if (!n || n->prefixlen != plen || lpm_match(h, n, key) != plen || (n->flags & LPM_FLAG_IM))
        return lpm_leftmost(m, root);

    while (depth > 0) {
        struct lpm_node *parent = path[--depth];
        struct lpm_node *right = lpm_node(m, parent->child[1]);

        if (right && right != n)
            return lpm_leftmost(m, right);
        if (!(parent->flags & LPM_FLAG_IM))
            return parent;
        n = parent;
    }
    return NULL;
}

static int lpm_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    struct lpm_hdr *h = lpm_hdr(m);
    struct lpm_node *n;
    int err;

    err = lpm_lock(m, h);
    if (err)
        return err;
    n = lpm_next_locked(m, h, key);
    if (n) {
        memcpy(next_key, &n->prefixlen, 4);
        memcpy((uint8_t *)next_key + LPM_KEY_HDR, n->data, h->data_size);
    } else {
        err = -ENOENT;
    }
    lpm_unlock(h);
    return err;
}

/* After a writer died holding the lock.  The trie itself is always whole
 * (a writer builds nodes aside and publishes them with one store of a
 * child link), but the free list (two stores per get or put) and the
 * entry count may be half-updated, and nodes the writer had in hand are
 * on neither.  So: walk the trie from the root, checking every link (a
 * node of the pool, a prefix longer than its parent's and within
 * max_prefixlen, not reached twice; a bad link is cut), count the real
 * entries, and make every node the walk did not reach the free list, in
 * address order.  Nothing leaks. */
static void lpm_repair(struct bpfrt_map *m, struct lpm_hdr *h)
{
    uint64_t nodes = lpm_nr_nodes(m), entries = 0;
    size_t cap = 2 * ((size_t)h->max_prefixlen + 2) + 2, top = 0;
    uint8_t *seen = calloc((size_t)(nodes + 7) / 8, 1);
    struct {
        map_off_t *slot;
        uint32_t min_plen; /* a child's prefix must be at least this long */
    } *stack = calloc(cap, sizeof(*stack));

    if (!seen || !stack) {
        free(seen);
        free(stack);
        return; /* no memory: left as it is (the next owner tries again) */
    }
    stack[top].slot = &h->root, stack[top++].min_plen = 0;
    while (top) {
        map_off_t *slot = stack[--top].slot;
        uint32_t min_plen = stack[top].min_plen;
        struct lpm_node *n;
        uint64_t k;

        if (!*slot)
            continue;
        n = lpm_node(m, *slot);
        k = n ? (*slot - LPM_NODES_OFF) / h->node_size : 0;
        if (!n || n->prefixlen < min_plen || n->prefixlen > h->max_prefixlen || (seen[k / 8] & (1u << (k % 8))) ||
            top + 2 > cap) {
            STORE(*slot, 0);
            continue;
        }
        seen[k / 8] |= (uint8_t)(1u << (k % 8));
        if (!(n->flags & LPM_FLAG_IM))
            entries++;
        stack[top].slot = &n->child[1], stack[top++].min_plen = n->prefixlen + 1;
        stack[top].slot = &n->child[0], stack[top++].min_plen = n->prefixlen + 1;
    }
    h->free_head = h->free_tail = 0;
    h->nr_free = 0;
    for (uint64_t k = 0; k < nodes; k++) {
        map_off_t off = LPM_NODES_OFF + k * h->node_size;
        if (seen[k / 8] & (1u << (k % 8)))
            continue;
        lpm_node(m, off)->next_free = 0;
        if (h->free_tail)
            lpm_node(m, h->free_tail)->next_free = off;
        else
            h->free_head = off;
        h->free_tail = off;
        h->nr_free++;
    }
    h->n_entries = entries;
    free(seen);
    free(stack);
}

/* Checked runs (map_ops.prog_access): the value bytes of a node, which a
 * lookup returns; not the header, a node's children and free-list links,
 * its prefix.  Any node of the pool qualifies (a program may hold the
 * value of a node that a concurrent delete freed, as with the kernel's
 * RCU); the value bytes of an intermediate node hold nothing of the trie. */
static int lpm_prog_access(const struct bpfrt_map *m, uint64_t off, uint64_t size, uint32_t perm, char *why,
                           size_t whysz)
{
    const struct lpm_hdr *h = lpm_hdr(m);
    uint64_t nodes = lpm_nr_nodes(m), rel, k, in;
    char whose[64];

    (void)perm;
    if (off < LPM_NODES_OFF || (off - LPM_NODES_OFF) / h->node_size >= nodes)
        return map_access_refused(m, why, whysz, "offset %llu of its storage is outside its nodes (trie header)",
                                  (unsigned long long)off);
    rel = off - LPM_NODES_OFF;
    k = rel / h->node_size;
    in = rel % h->node_size;
    if (in < h->value_off)
        return map_access_refused(m, why, whysz,
                                  "offset %llu of its storage is the header or prefix of node %llu (child links), "
                                  "not its value",
                                  (unsigned long long)off, (unsigned long long)k);
    snprintf(whose, sizeof(whose), "node %llu", (unsigned long long)k);
    return map_value_access(m, in - h->value_off, size, whose, why, whysz);
}

const struct map_ops map_ops_lpm_trie = {
    .prog_access = lpm_prog_access,
    .check = lpm_check,
    .alloc = lpm_alloc,
    .free = lpm_free,
    .lookup = lpm_lookup,
    .update = lpm_update,
    .delete = lpm_delete,
    .sys_lookup = lpm_sys_lookup,
    .sys_update = lpm_sys_update,
    .sys_delete = lpm_sys_delete,
    .get_next_key = lpm_get_next_key,
};
