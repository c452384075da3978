/* perf_event_array.c - BPF_MAP_TYPE_PERF_EVENT_ARRAY (see the header).
 *
 * Arena: header, then per slot a control block (open flag and stored
 * value, head/tail positions, lost count, producer lock) and a ring of
 * PERF_EVENT_ARRAY_BUF bytes.  Producers on one slot serialise on its
 * process-shared robust mutex; the reader is lock-free (one reader per
 * slot).  A record that would straddle the end of the ring is preceded by
 * a padding record (type 0) that the reader skips. */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <string.h>

#include "perf_event_array.h"

#define ENOTSUPP 524
#define PEA_HDR_OFF 256
#define PEA_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PRESERVE_ELEMS)

struct pea_slot {
    pthread_mutex_t lock;
    uint32_t open;  /* 0: closed */
    uint32_t value; /* what user space stored (the kernel's event fd) */
    uint64_t head, tail, lost;
    uint8_t pad[64 - (sizeof(pthread_mutex_t) + 32) % 64];
};

struct pea_hdr {
    uint64_t slots_off, bufs_off;
};

static struct pea_hdr *pea_hdr(const struct bpfrt_map *m)
{
    return (struct pea_hdr *)(m->arena.base + PEA_HDR_OFF);
}

static struct pea_slot *pea_slot(const struct bpfrt_map *m, uint32_t i)
{
    return (struct pea_slot *)(m->arena.base + pea_hdr(m)->slots_off) + i;
}

static uint8_t *pea_buf(const struct bpfrt_map *m, uint32_t i)
{
    return m->arena.base + pea_hdr(m)->bufs_off + (uint64_t)i * PERF_EVENT_ARRAY_BUF;
}

static int pea_check(const struct map_attr *attr, char *log, size_t logsz)
{
    /* kernel fd_array_map_alloc_check + array_map_alloc_check */
    if (attr->value_size != 4 || attr->key_size != 4 || attr->max_entries == 0)
        return map_log_inval(log, logsz, "perf_event_array: key_size and value_size must be 4, max_entries > 0");
    if (attr->map_flags & ~PEA_FLAGS)
        return map_log_inval(log, logsz, "perf_event_array: map_flags 0x%x not accepted", attr->map_flags);
    return 0;
}

static int pea_alloc(struct bpfrt_map *m)
{
    uint64_t slots_off = PEA_HDR_OFF + 64;
    uint64_t bufs_off = (slots_off + (uint64_t)m->max_entries * sizeof(struct pea_slot) + 4095) & ~4095ull;
    pthread_mutexattr_t ma;
    int err = arena_alloc(&m->arena, bufs_off + (uint64_t)m->max_entries * PERF_EVENT_ARRAY_BUF);

    if (err)
        return err;
    pea_hdr(m)->slots_off = slots_off;
    pea_hdr(m)->bufs_off = bufs_off;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    for (uint32_t i = 0; i < m->max_entries; i++)
        pthread_mutex_init(&pea_slot(m, i)->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    return 0;
}

static void pea_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

static void pea_put_hdr(uint8_t *at, uint32_t type, uint16_t size)
{
    struct perf_event_header eh = {.type = type, .misc = 0, .size = size};

    memcpy(at, &eh, sizeof(eh));
}

long map_perf_event_array_output(struct bpfrt_map *m, uint64_t flags, uint32_t worker, const void *data, uint64_t size,
                             const void *ctx_data, uint64_t ctx_len)
{
    uint64_t index = flags & BPF_F_INDEX_MASK, ctx_size = (flags & BPF_F_CTXLEN_MASK) >> 32;
    uint64_t raw, rec, off, pad = 0;
    struct pea_slot *s;
    uint8_t *buf;
    uint32_t raw32;

    if (flags & ~(BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK))
        return -EINVAL;
    if (ctx_size > ctx_len)
        return -EFAULT;
    if (index == BPF_F_CURRENT_CPU)
        index = worker;
    if (index >= m->max_entries)
        return -E2BIG;
    s = pea_slot(m, (uint32_t)index);
    if (!__atomic_load_n(&s->open, __ATOMIC_ACQUIRE))
        return -ENOENT;
    raw = size + ctx_size;
    /* header, u32 size, data; the raw part padded so the record is 8-aligned */
    rec = (sizeof(struct perf_event_header) + 4 + raw + 7) & ~7ull;
    if (rec > 0xffff || rec > PERF_EVENT_ARRAY_BUF)
        return -E2BIG; /* perf records carry a u16 size */
    buf = pea_buf(m, (uint32_t)index);
    if (pthread_mutex_lock(&s->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&s->lock);
    off = s->head % PERF_EVENT_ARRAY_BUF;
    if (off + rec > PERF_EVENT_ARRAY_BUF)
        pad = PERF_EVENT_ARRAY_BUF - off;
    if (s->head + pad + rec - __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE) > PERF_EVENT_ARRAY_BUF) {
        s->lost++;
        pthread_mutex_unlock(&s->lock);
        return -ENOSPC;
    }
    if (pad)
        pea_put_hdr(buf + off, 0, (uint16_t)pad);
    off = (s->head + pad) % PERF_EVENT_ARRAY_BUF;
    pea_put_hdr(buf + off, PERF_RECORD_SAMPLE, (uint16_t)rec);
    raw32 = (uint32_t)(rec - sizeof(struct perf_event_header) - 4);
    memcpy(buf + off + sizeof(struct perf_event_header), &raw32, 4);
    memcpy(buf + off + sizeof(struct perf_event_header) + 4, data, size);
    if (ctx_size)
        memcpy(buf + off + sizeof(struct perf_event_header) + 4 + size, ctx_data, ctx_size);
    memset(buf + off + sizeof(struct perf_event_header) + 4 + raw, 0, raw32 - raw);
    __atomic_store_n(&s->head, s->head + pad + rec, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int map_perf_event_array_read(struct bpfrt_map *m, uint32_t slot, perf_sample_fn fn, perf_lost_fn lost_fn, void *ctx)
{
    struct pea_slot *s;
    uint8_t *buf;
    uint64_t tail, head, lost;
    int n = 0;

    if (slot >= m->max_entries)
        return -E2BIG;
    s = pea_slot(m, slot);
    if (!__atomic_load_n(&s->open, __ATOMIC_ACQUIRE))
        return -ENOENT;
    buf = pea_buf(m, slot);
    tail = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
    head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
    while (tail < head) {
        struct perf_event_header eh;
        uint8_t *at = buf + tail % PERF_EVENT_ARRAY_BUF;
        uint32_t raw;

        memcpy(&eh, at, sizeof(eh));
        if (eh.size < sizeof(eh)) /* never written by a producer: stop */
            break;
        if (eh.type == PERF_RECORD_SAMPLE && fn) {
            memcpy(&raw, at + sizeof(eh), 4);
            fn(ctx, slot, at + sizeof(eh) + 4, raw);
        }
        if (eh.type == PERF_RECORD_SAMPLE)
            n++;
        tail += eh.size;
    }
    __atomic_store_n(&s->tail, tail, __ATOMIC_RELEASE);
    lost = __atomic_exchange_n(&s->lost, 0, __ATOMIC_ACQ_REL);
    if (lost && lost_fn)
        lost_fn(ctx, slot, lost);
    return n;
}

/* ------------------------------------------------------ map commands */

static void *pea_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL; /* programs use bpf_perf_event_output/read, not lookups */
}

static int pea_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value;
    return flags ? -EINVAL : -ENOTSUPP; /* kernel: no map_fd_sys_lookup_elem */
}

static int pea_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    struct pea_slot *s;
    uint32_t idx;

    if (flags != BPF_ANY)
        return -EINVAL;
    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    s = pea_slot(m, idx);
    if (pthread_mutex_lock(&s->lock) == EOWNERDEAD)
        pthread_mutex_consistent(&s->lock);
    memcpy(&s->value, value, 4);
    /* A new "event": an empty ring. */
    s->tail = s->head;
    s->lost = 0;
    __atomic_store_n(&s->open, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int pea_sys_delete(struct bpfrt_map *m, const void *key)
{
    uint32_t idx;

    memcpy(&idx, key, 4);
    if (idx >= m->max_entries)
        return -E2BIG;
    return __atomic_exchange_n(&pea_slot(m, idx)->open, 0, __ATOMIC_ACQ_REL) ? 0 : -ENOENT;
}

static int pea_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)m, (void)key, (void)value, (void)flags;
    return -ENOTSUPP;
}

const struct map_ops map_ops_perf_event_array = {
    .check = pea_check,
    .alloc = pea_alloc,
    .free = pea_free,
    .lookup = pea_lookup,
    .sys_lookup = pea_sys_lookup,
    .sys_update = pea_sys_update,
    .sys_delete = pea_sys_delete,
    .sys_lookup_and_delete = pea_sys_lookup_and_delete,
    .get_next_key = map_array_get_next_key,
};
