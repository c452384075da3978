/* queue_stack.c - BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO).
 *
 * As the kernel's queue_stack_maps.c does in spirit: one ring of
 * max_entries + 1 value slots, head = next push position, tail = oldest.
 * A queue pops at the tail, a stack at head - 1.  Push on a full map
 * fails with -E2BIG unless flags == BPF_EXIST, which drops the oldest
 * element (the tail) for both types.
 *
 * Storage: the arena (header, then slots).  Writers (push, pop) serialise on
 * a process-shared robust mutex; peek takes no lock: it copies under a
 * sequence counter and retries when a writer ran meanwhile. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "map.h"

#define QS_HDR_OFF 256 /* our header follows the arena's own (offset 0) */
#define QS_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define QS_VALUE_MAX (1u << 22) /* kernel: KMALLOC_MAX_SIZE -> -E2BIG */

struct qs_hdr {
    pthread_mutex_t lock;
    uint32_t seq; /* odd while a writer changes the ring */
    uint32_t head, tail, size;
    uint32_t slot_size;
    uint64_t slots_off;
};

static struct qs_hdr *qs_hdr(const struct bpfrt_map *m)
{
    return (struct qs_hdr *)(m->arena.base + QS_HDR_OFF);
}

static uint8_t *qs_slot(const struct bpfrt_map *m, const struct qs_hdr *h, uint32_t i)
{
    return m->arena.base + h->slots_off + (uint64_t)i * h->slot_size;
}

static void qs_write_begin(struct qs_hdr *h)
{
    if (pthread_mutex_lock(&h->lock) == EOWNERDEAD) {
        pthread_mutex_consistent(&h->lock);
        if (h->seq & 1) /* the dead owner stopped inside */
            __atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static void qs_write_end(struct qs_hdr *h)
{
    __atomic_store_n(&h->seq, h->seq + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&h->lock);
}

static int qs_check(const struct map_attr *attr, char *log, size_t logsz)
{
    const char *t = attr->type == BPF_MAP_TYPE_QUEUE ? "queue" : "stack";

    /* kernel queue_stack_map_alloc_check */
    if (attr->max_entries == 0 || attr->key_size != 0 || attr->value_size == 0)
        return map_log_inval(log, logsz, "%s: key_size must be 0, value_size and max_entries > 0 (got %u/%u/%u)", t,
                             attr->key_size, attr->value_size, attr->max_entries);
    if (attr->map_flags & ~QS_CREATE_FLAGS)
        return map_log_inval(log, logsz, "%s: map_flags 0x%x not accepted", t, attr->map_flags);
    if ((attr->map_flags & BPF_F_RDONLY_PROG) && (attr->map_flags & BPF_F_WRONLY_PROG))
        return map_log_inval(log, logsz, "%s: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together", t);
    if (attr->value_size > QS_VALUE_MAX)
        return -E2BIG;
    return 0;
}

static int qs_alloc(struct bpfrt_map *m)
{
    uint64_t size = (uint64_t)m->max_entries + 1;
    uint32_t slot_size = (m->value_size + 7) & ~7u;
    uint64_t slots_off = QS_HDR_OFF + ((sizeof(struct qs_hdr) + 63) & ~63ul);
    pthread_mutexattr_t ma;
    struct qs_hdr *h;
    int err;

    if (size > UINT32_MAX || size > (SIZE_MAX - slots_off) / slot_size)
        return -ENOMEM;
    err = arena_alloc(&m->arena, slots_off + size * slot_size);
    if (err)
        return err;
    h = qs_hdr(m);
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    h->size = (uint32_t)size;
    h->slot_size = slot_size;
    h->slots_off = slots_off;
    return 0;
}

static void qs_free(struct bpfrt_map *m)
{
    arena_free(&m->arena);
}

/* Index of the element pop/peek returns, or -1 when empty. */
static int64_t qs_top(const struct bpfrt_map *m, uint32_t head, uint32_t tail, uint32_t size)
{
    if (head == tail)
        return -1;
    if (m->type == BPF_MAP_TYPE_QUEUE)
        return tail;
    return head == 0 ? size - 1 : head - 1;
}

static long qs_peek(struct bpfrt_map *m, void *value)
{
    struct qs_hdr *h = qs_hdr(m);

    for (;;) {
        uint32_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
        uint32_t head, tail;
        int64_t top;
        long ret = 0;

        if (seq & 1) {
            sched_yield();
            continue;
        }
        head = __atomic_load_n(&h->head, __ATOMIC_RELAXED);
        tail = __atomic_load_n(&h->tail, __ATOMIC_RELAXED);
        top = head < h->size && tail < h->size ? qs_top(m, head, tail, h->size) : -1;
        if (top < 0)
            ret = -ENOENT;
        else
            memcpy(value, qs_slot(m, h, (uint32_t)top), m->value_size);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) == seq)
            return ret;
    }
}

static long qs_pop(struct bpfrt_map *m, void *value)
{
    struct qs_hdr *h = qs_hdr(m);
    int64_t top;
    long ret = 0;

    qs_write_begin(h);
    top = qs_top(m, h->head, h->tail, h->size);
    if (top < 0) {
        ret = -ENOENT;
    } else {
        memcpy(value, qs_slot(m, h, (uint32_t)top), m->value_size);
        if (m->type == BPF_MAP_TYPE_QUEUE)
            __atomic_store_n(&h->tail, (h->tail + 1) % h->size, __ATOMIC_RELAXED);
        else
            __atomic_store_n(&h->head, (uint32_t)top, __ATOMIC_RELAXED);
    }
    qs_write_end(h);
    return ret;
}

static long qs_push(struct bpfrt_map *m, const void *value, uint64_t flags)
{
    struct qs_hdr *h = qs_hdr(m);

    /* kernel: BPF_NOEXIST or unknown flags -> -EINVAL */
    if ((flags & BPF_NOEXIST) || flags > BPF_EXIST)
        return -EINVAL;
    qs_write_begin(h);
    if ((h->head + 1) % h->size == h->tail) {
        if (flags != BPF_EXIST) {
            qs_write_end(h);
            return -E2BIG;
        }
        __atomic_store_n(&h->tail, (h->tail + 1) % h->size, __ATOMIC_RELAXED); /* drop the oldest */
    }
    memcpy(qs_slot(m, h, h->head), value, m->value_size);
    __atomic_store_n(&h->head, (h->head + 1) % h->size, __ATOMIC_RELAXED);
    qs_write_end(h);
    return 0;
}

/* Program-side lookup/update/delete: the kernel's are NULL / -EINVAL (the
 * verifier only lets programs push, pop and peek). */
static void *qs_lookup(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return NULL;
}

static long qs_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker)
{
    (void)m, (void)key, (void)value, (void)flags, (void)worker;
    return -EINVAL;
}

static long qs_delete(struct bpfrt_map *m, const void *key, uint32_t worker)
{
    (void)m, (void)key, (void)worker;
    return -EINVAL;
}

/* User side: BPF_MAP_LOOKUP_ELEM = peek, UPDATE = push, LOOKUP_AND_DELETE
 * = pop (flags must be 0), DELETE and GET_NEXT_KEY -> -EINVAL. */
static int qs_sys_lookup(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)key;
    if (flags) /* only BPF_F_LOCK passes the syscall, and no value has a lock */
        return -EINVAL;
    return (int)qs_peek(m, value);
}

static int qs_sys_update(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags)
{
    (void)key;
    return (int)qs_push(m, value, flags);
}

static int qs_sys_delete(struct bpfrt_map *m, const void *key)
{
    (void)m, (void)key;
    return -EINVAL;
}

static int qs_sys_lookup_and_delete(struct bpfrt_map *m, const void *key, void *value, uint64_t flags)
{
    (void)key;
    if (flags)
        return -EINVAL;
    return (int)qs_pop(m, value);
}

static int qs_get_next_key(struct bpfrt_map *m, const void *key, void *next_key)
{
    (void)m, (void)key, (void)next_key;
    return -EINVAL;
}

#define QS_OPS                                                                                                         \
    .check = qs_check, .alloc = qs_alloc, .free = qs_free, .lookup = qs_lookup, .update = qs_update,                   \
    .delete = qs_delete, .push = qs_push, .pop = qs_pop, .peek = qs_peek, .sys_lookup = qs_sys_lookup,                 \
    .sys_update = qs_sys_update, .sys_delete = qs_sys_delete, .sys_lookup_and_delete = qs_sys_lookup_and_delete,       \
    .get_next_key = qs_get_next_key

const struct map_ops map_ops_queue = {QS_OPS};
const struct map_ops map_ops_stack = {QS_OPS};
