/* ringbuf.c - BPF_MAP_TYPE_RINGBUF (see ringbuf.h for the record layout).
 *
 * Arena: [arena header][rb header: lock, mask][consumer_pos line]
 * [producer_pos line] ... [data, page aligned, max_entries bytes].
 * Producers serialise on a process-shared robust mutex (the kernel's
 * spinlock); commit and consume are lock-free: the record header's len
 * word is published with release stores, positions with release stores.
 *
 * User-space map commands: none apply (kernel: -ENOTSUPP, 524). */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ringbuf.h"

#define ENOTSUPP 524
#define RB_PAGE 4096u
#define RB_HDR_OFF 256
#define RB_DATA_OFF (4 * RB_PAGE)
/* kernel RINGBUF_MAX_RECORD_SZ is UINT_MAX/4; the data size limit is the
 * u32 max_entries itself. */

struct rb_hdr {
    pthread_mutex_t lock;
    uint64_t mask; /* max_entries - 1 */
    uint64_t wakeups;
    uint8_t pad0[RB_PAGE - RB_HDR_OFF - sizeof(pthread_mutex_t) - 16];
    uint64_t consumer_pos; /* at a page of its own, as the kernel's */
    uint8_t pad1[RB_PAGE - 8];
    uint64_t producer_pos;
    uint64_t pending_pos; /* oldest record possibly still busy */
};

_Static_assert(sizeof(struct rb_hdr) + RB_HDR_OFF <= RB_DATA_OFF, "ringbuf header too large");

static struct rb_hdr *rb_hdr(const struct bpfrt_map *m)
{
    return (struct rb_hdr *)(m->arena.base + RB_HDR_OFF);
}

static uint8_t *rb_data(const struct bpfrt_map *m)
{
    return m->arena.base + RB_DATA_OFF;
}

static int rb_check(const struct map_attr *attr, char *log, size_t logsz)
{
    /* kernel ringbuf_map_alloc */
    if (attr->map_flags & ~BPF_F_NUMA_NODE)
        return map_log_inval(log, logsz, "ringbuf: map_flags 0x%x not accepted", attr->map_flags);
    if (attr->key_size || attr->value_size || !attr->max_entries || (attr->max_entries & (attr->max_entries - 1)) ||
        attr->max_entries % RB_PAGE)
        return map_log_inval(
            log, logsz, "ringbuf: key_size and value_size must be 0, max_entries a power of 2 multiple of %u", RB_PAGE);
    return 0;
}

static int rb_alloc(struct bpfrt_map *m)
{
    pthread_mutexattr_t ma;
    struct rb_hdr *h;
    int err = arena_alloc(&m->arena, RB_DATA_OFF + (size_t)m->max_entries);

    if (err)
        return err;
    h = rb_hdr(m);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    h->mask = (uint64_t)m->max_entries - 1;
    return 0;
}

static void rb_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

static uint32_t *rb_len_word(uint8_t *hdr)
{
    return (uint32_t *)hdr;
}

/* Write a record header at position pos.  pg_off lets the kernel find
 * the ring from a sample alone (in pages); bpfrt stores the header's
 * offset in the data area in 8-byte units (exact, and it fits: the data
 * area is at most 4 GiB), so it needs no page alignment.  Consumers do
 * not read it. */
static void rb_put_hdr(struct bpfrt_map *m, uint64_t pos, uint32_t len)
{
    uint8_t *hdr = rb_data(m) + (pos & rb_hdr(m)->mask);
    uint32_t pg_off = (uint32_t)((pos & rb_hdr(m)->mask) / 8);

    memcpy(hdr + 4, &pg_off, 4);
    __atomic_store_n(rb_len_word(hdr), len, __ATOMIC_RELEASE);
}

void *map_ringbuf_reserve(struct bpfrt_map *m, uint64_t size, uint64_t flags)
{
    struct rb_hdr *h = rb_hdr(m);
    uint64_t ring = h->mask + 1, len, pad = 0, cons, prod, pend;
    void *sample = NULL;

    if (flags)
        return NULL;
    if (size > UINT32_MAX / 4) /* kernel RINGBUF_MAX_RECORD_SZ */
        return NULL;
    len = (size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
    if (len > ring)
        return NULL;
    if (pthread_mutex_lock(&h->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&h->lock);
    cons = __atomic_load_n(&h->consumer_pos, __ATOMIC_ACQUIRE);
    prod = h->producer_pos;
    /* Records still reserved may not be overrun either (kernel
     * pending_pos): move past the ones committed since. */
    for (pend = h->pending_pos; pend < prod;) {
        uint32_t l = __atomic_load_n(rb_len_word(rb_data(m) + (pend & h->mask)), __ATOMIC_ACQUIRE);
        if (l & BPF_RINGBUF_BUSY_BIT)
            break;
        pend += ((l & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT)) + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
    }
    h->pending_pos = pend;
    if ((prod & h->mask) + len > ring)
        pad = ring - (prod & h->mask); /* would straddle the end: pad to it */
    /* the producer never gets a whole ring ahead (kernel: new_prod_pos -
     * cons_pos > rb->mask fails), so a full ring holds ring - 8 bytes */
    if (prod + pad + len - cons > h->mask || prod + pad + len - pend > h->mask) {
        pthread_mutex_unlock(&h->lock);
        return NULL;
    }
    if (pad)
        rb_put_hdr(m, prod, (uint32_t)(pad - BPF_RINGBUF_HDR_SZ) | BPF_RINGBUF_DISCARD_BIT);
    rb_put_hdr(m, prod + pad, (uint32_t)size | BPF_RINGBUF_BUSY_BIT);
    sample = rb_data(m) + ((prod + pad) & h->mask) + BPF_RINGBUF_HDR_SZ;
    __atomic_store_n(&h->producer_pos, prod + pad + len, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&h->lock);
    return sample;
}

static void rb_commit(void *sample, int discard)
{
    uint32_t *lenp = rb_len_word((uint8_t *)sample - BPF_RINGBUF_HDR_SZ);
    uint32_t len = __atomic_load_n(lenp, __ATOMIC_RELAXED) & ~BPF_RINGBUF_BUSY_BIT;

    if (discard)
        len |= BPF_RINGBUF_DISCARD_BIT;
    __atomic_store_n(lenp, len, __ATOMIC_RELEASE);
}

/* Wakeups need the ring: pg_off leads from the sample to the data area,
 * hence to the arena and its header. */
static void rb_wakeup(void *sample, uint64_t flags)
{
    uint8_t *hdr = (uint8_t *)sample - BPF_RINGBUF_HDR_SZ;
    uint32_t pg_off;
    uint8_t *base;

    if (flags & BPF_RB_NO_WAKEUP)
        return;
    memcpy(&pg_off, hdr + 4, 4);
    base = hdr - (uint64_t)pg_off * 8 - RB_DATA_OFF;
    __atomic_fetch_add(&((struct rb_hdr *)(base + RB_HDR_OFF))->wakeups, 1, __ATOMIC_RELEASE);
}

void map_ringbuf_submit(void *sample, uint64_t flags)
{
    rb_commit(sample, 0);
    rb_wakeup(sample, flags);
}

void map_ringbuf_discard(void *sample, uint64_t flags)
{
    rb_commit(sample, 1);
    rb_wakeup(sample, flags);
}

long map_ringbuf_output(struct bpfrt_map *m, const void *data, uint64_t size, uint64_t flags)
{
    void *sample;

    if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
        return -EINVAL;
    sample = map_ringbuf_reserve(m, size, 0);
    if (!sample)
        return -EAGAIN;
    memcpy(sample, data, size);
    map_ringbuf_submit(sample, flags);
    return 0;
}

uint64_t map_ringbuf_query(struct bpfrt_map *m, uint64_t flags)
{
    struct rb_hdr *h = rb_hdr(m);

    switch (flags) {
    case BPF_RB_AVAIL_DATA:
        return __atomic_load_n(&h->producer_pos, __ATOMIC_ACQUIRE) -
               __atomic_load_n(&h->consumer_pos, __ATOMIC_ACQUIRE);
    case BPF_RB_RING_SIZE: return h->mask + 1;
    case BPF_RB_CONS_POS: return __atomic_load_n(&h->consumer_pos, __ATOMIC_ACQUIRE);
    case BPF_RB_PROD_POS: return __atomic_load_n(&h->producer_pos, __ATOMIC_ACQUIRE);
    default: return 0;
    }
}

int map_ringbuf_consume(struct bpfrt_map *m, ringbuf_sample_fn fn, void *ctx)
{
    struct rb_hdr *h = rb_hdr(m);
    uint64_t cons = __atomic_load_n(&h->consumer_pos, __ATOMIC_ACQUIRE);
    int n = 0;

    for (;;) {
        uint64_t prod = __atomic_load_n(&h->producer_pos, __ATOMIC_ACQUIRE);
        uint8_t *hdr;
        uint32_t len;

        if (cons >= prod)
            break;
        hdr = rb_data(m) + (cons & h->mask);
        len = __atomic_load_n(rb_len_word(hdr), __ATOMIC_ACQUIRE);
        if (len & BPF_RINGBUF_BUSY_BIT)
            break;
        cons += ((len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
            int err = fn ? fn(ctx, hdr + BPF_RINGBUF_HDR_SZ, len) : 0;
            if (err < 0) {
                __atomic_store_n(&h->consumer_pos, cons, __ATOMIC_RELEASE);
                return err;
            }
            n++;
        }
        __atomic_store_n(&h->consumer_pos, cons, __ATOMIC_RELEASE);
    }
    return n;
}

uint64_t map_ringbuf_take_wakeups(struct bpfrt_map *m)
{
    return __atomic_exchange_n(&rb_hdr(m)->wakeups, 0, __ATOMIC_ACQ_REL);
}

/* Map commands: the kernel's ringbuf ops answer -ENOTSUPP to all. */
static void *rb_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL;
}

static long rb_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    (void)m, (void)key, (void)value, (void)flags, (void)worker;
    return -ENOTSUPP;
}

static long rb_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return -ENOTSUPP;
}

static int rb_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value;
    return flags & ~(uint64_t)BPF_F_LOCK ? -EINVAL : -ENOTSUPP;
}

static int rb_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -ENOTSUPP;
}

static int rb_sys_delete(struct bpfrt_map *m, const void *key)
{
    (void)m, (void)key;
    return -ENOTSUPP;
}

static int rb_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value;
    return flags & ~(uint64_t)BPF_F_LOCK ? -EINVAL : -ENOTSUPP;
}

static int rb_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    (void)m, (void)key, (void)next_key;
    return -ENOTSUPP;
}

const struct map_ops map_ops_ringbuf = {
    .check = rb_check,
    .alloc = rb_alloc,
    .free = rb_free,
    .lookup = rb_lookup,
    .update = rb_update,
    .delete = rb_delete,
    .sys_lookup = rb_sys_lookup,
    .sys_update = rb_sys_update,
    .sys_delete = rb_sys_delete,
    .sys_lookup_and_delete = rb_sys_lookup_and_delete,
    .get_next_key = rb_get_next_key,
};
