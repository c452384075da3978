/* map.h - maps inside libbpfrt: the object, its storage arena and the ops
 * table each map type implements (the kernel's struct bpf_map_ops idea).
 *
 * One file per map type (hashtab.c, arraymap.c, lpm_trie.c, ...), each
 * exporting one `const struct map_ops map_ops_<type>` that map.c's table
 * registers by enum bpf_map_type.  map.c owns creation (common checks,
 * ids), the public bpfrt_map__* wrappers (size checks, flag checks, errno),
 * and dispatch.  Types leave an op NULL when the kernel has no such
 * operation for them; the wrapper then returns the kernel's errno:
 * lookup, update, lookup_and_delete, get_next_key -> -ENOTSUPP (524, the
 * kernel's internal code that bpf() passes on), delete -> -EINVAL.  A type
 * whose errno differs defines the op and returns it.  Batch commands run
 * only for the bits set in batch_ops (else -ENOTSUPP, as the kernel's
 * BPF_DO_BATCH): LOOKUP/UPDATE/DELETE are the generic walks in map.c over
 * get_next_key and the single-element ops; LOOKUP_AND_DELETE needs the
 * type's lookup_batch op.  Errors of the ops are negative errno. */
#ifndef BPFRT_MAP_H
#define BPFRT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

#define MAP_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

/* Storage: one contiguous region per map, addressed by offsets from its
 * base, so it can later live in a file under the state directory, mapped
 * shared by every process that opens the pinned map.  Nothing inside an
 * arena may hold a raw pointer; locks inside it must be process-shared. */
struct map_arena {
    uint8_t *base;
    size_t size;
    int fd; /* pinned with a part backed on demand: the file (arena_commit), else -1 */
};

/* Offsets inside an arena; 0 is "none" (offset 0 holds the arena header). */
typedef uint64_t map_off_t;

/* The arena header, at offset 0 of every arena: enough to recognise a
 * map's storage when a file is mapped again (pinning), and a bump
 * allocator for storage carved lazily (BPF_F_NO_PREALLOC).  The type's own
 * header follows at MAP_ARENA_HDR_SIZE. */
#define MAP_ARENA_MAGIC 0x50414d5452465042ull /* "BPFRTMAP" */
/* Version 2: structure locks are robust mutexes (hash buckets, free and
 * LRU lists grew); version 1 pins are refused. */
#define MAP_ARENA_VERSION 2
#define MAP_ARENA_HDR_SIZE 64u
struct map_arena_hdr {
    uint64_t magic;
    uint32_t version, type;
    uint32_t key_size, value_size, max_entries, map_flags;
    uint32_t nr_workers, _pad;
    uint64_t size; /* bytes mapped */
    uint64_t brk;  /* next free byte for arena_bump (atomic) */
    /* Bytes from offset 0 that have backing (atomic): the whole arena
     * unless the type called arena_lazy(); 0 in files of older bpfrt,
     * meaning the whole arena. */
    uint64_t committed;
};
_Static_assert(sizeof(struct map_arena_hdr) == MAP_ARENA_HDR_SIZE, "arena header size");

static inline void *arena_ptr(const struct map_arena *a, map_off_t off)
{
    return off ? a->base + off : NULL;
}

static inline map_off_t arena_off(const struct map_arena *a, const void *p)
{
    return p ? (map_off_t)((const uint8_t *)p - a->base) : 0;
}

/* Allocate an arena of size bytes (rounded up to pages), zeroed, with its
 * header written (brk at MAP_ARENA_HDR_SIZE).  Pages are committed when
 * first touched, so storage that is carved lazily costs nothing until
 * used.  -ENOMEM when the mapping fails. */
int arena_alloc(struct map_arena *a, size_t size);
void arena_free(struct map_arena *a);

/* Backing on demand (BPF_F_NO_PREALLOC storage).  By default a pinned
 * arena's file has all its blocks reserved when it is pinned, so that a
 * full filesystem fails the pin (-ENOSPC) instead of killing a process
 * with SIGBUS on a later store.  A type whose storage past `fixed` is
 * carved lazily calls arena_lazy() once after arena_alloc, and then
 * arena_commit() before it first touches bytes past the committed mark:
 * for a pinned arena that reserves the file's blocks (fallocate, in steps
 * of ARENA_COMMIT_STEP), and fails with -ENOSPC (or another -errno) when
 * the filesystem has no room; for an anonymous arena it only moves the
 * mark, which a later pin reserves.  The mark is in the arena header, so
 * processes sharing a pin share it; reserving a range twice is harmless. */
#define ARENA_COMMIT_STEP (256u << 10)
void arena_lazy(struct map_arena *a, size_t fixed);
int arena_commit(struct map_arena *a, uint64_t end);
/* The committed mark: bytes from 0 that have (or, pinned, must get) backing. */
uint64_t arena_committed(const struct map_arena *a);

/* Carve size bytes (aligned to align, a power of two) from the arena's
 * bump area, atomically, committing them (arena_commit); 0 when the arena
 * is exhausted or its file has no room for them.  The bump area
 * starts at the header's brk: a type that uses it sets brk past its fixed
 * layout first (arena_alloc leaves it at MAP_ARENA_HDR_SIZE). */
map_off_t arena_bump(struct map_arena *a, size_t size, size_t align);

static inline struct map_arena_hdr *arena_hdr(const struct map_arena *a)
{
    return (struct map_arena_hdr *)a->base;
}

/* Locks of a map's structure (hash buckets, free lists, LRU lists, the
 * trie, queue and device maps): process-shared robust mutexes, initialised
 * once in the arena (map_mutex_init, at creation), so that a pinned map
 * mapped by several processes is locked the same way in all of them.
 * map_mutex_lock returns 0 with the lock held; MAP_LOCK_OWNER_DIED with
 * the lock held when its previous owner died holding it (the structure it
 * protects may be half-updated: the caller checks and repairs it, then
 * calls map_mutex_consistent before unlocking); a negative errno without
 * the lock (a mutex that cannot be recovered: the caller fails).
 * map_mutex_owner_died peeks, without locking, whether an owner died. */
#include <pthread.h>
typedef pthread_mutex_t map_mutex_t;
#define MAP_LOCK_OWNER_DIED 1
int map_mutex_init(map_mutex_t *mu);
int map_mutex_lock(map_mutex_t *mu);
void map_mutex_consistent(map_mutex_t *mu);
void map_mutex_unlock(map_mutex_t *mu);
int map_mutex_owner_died(map_mutex_t *mu);

/* The struct bpf_spin_lock inside a map value (BPF_F_LOCK): the UAPI
 * gives it 4 bytes, too small for a robust mutex, so it is a word holding
 * 0 (free) or the owner's pid; a waiter takes over the lock of a process
 * that is gone or a zombie (checked after spinning a while).  It guards
 * only a value's bytes, never the map's structure.  Checked programs
 * cannot touch the word (as the kernel's verifier refuses direct access
 * to a bpf_spin_lock). */
uint32_t map_value_lock_self(void);
void map_value_lock_slow(uint32_t *lock);

static inline void map_value_lock(uint32_t *lock)
{
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(lock, &expected, map_value_lock_self(), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    map_value_lock_slow(lock);
}

static inline void map_value_unlock(uint32_t *lock)
{
    __atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* Test hook for crash tests (tests/unit/test_robust.c): map code calls
 * map_step("name") between the steps of its updates; a test sets
 * map_step_hook to stop the process at a named step (raise(SIGKILL)).
 * NULL (the default) costs one predicted branch. */
extern void (*map_step_hook)(const char *step);

static inline void map_step(const char *step)
{
    if (__builtin_expect(map_step_hook != NULL, 0))
        map_step_hook(step);
}

/* The kernel's internal ENOTSUPP, which bpf() returns as is for commands a
 * map type lacks (BPF_MAP_LOOKUP_AND_DELETE_ELEM on an array, batch ops). */
#define MAP_ENOTSUPP 524

struct map_attr {
    enum bpf_map_type type;
    uint32_t key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers;
    struct bpfrt_map *inner_map;
    /* BTF facts the loader knows (map_create): 1 + the offset of a struct
     * bpf_spin_lock in the value, 0 for none (so a zeroed attr has none;
     * BPF_F_LOCK is refused with -EINVAL without one, as the kernel does). */
    uint32_t spin_lock_at;
    uint32_t btf_key_type_id, btf_value_type_id;
};

struct bpfrt_map {
    const struct map_ops *ops;
    enum bpf_map_type type;
    char name[MAP_NAME_LEN];
    uint32_t key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers;     /* slots of a per-CPU value */
    uint32_t id;             /* unique, from 1, as bpftool shows */
    uint32_t btf_key_type_id, btf_value_type_id;
    struct bpfrt_map *inner_map; /* map-in-map prototype (owned copy of its attributes) */
    int frozen;
    struct map_arena arena;
    void *priv;              /* per-process state of the type (never shared) */
    void *slot_cache;        /* PROG_ARRAY: this process's per-slot tail-call cache (fd_array.c) */
    int32_t spin_lock_off;   /* struct bpf_spin_lock in the value, or -1 */
    struct map_pin *pin;     /* pinned: the file (pin.c), else NULL */
    int *frozen_shared;      /* pinned: the frozen word in the file, shared */
    void *btf;               /* raw BTF the map was described with (owned copy), or NULL */
    size_t btf_len;
};

/* Keep a copy of the raw BTF (a whole .BTF blob: header, types, strings)
 * the map's btf_key_type_id / btf_value_type_id refer to; it goes with the
 * map into its pin.  Replaces any earlier one; len 0 forgets it.  0 or
 * -ENOMEM / -EINVAL. */
int map_set_btf(struct bpfrt_map *m, const void *raw, size_t len);
/* The offset of the struct bpf_spin_lock among the top-level members of
 * BTF type value_type_id (the kernel's btf_find_spin_lock), -ENOENT when
 * it has none, -EINVAL when it has several. */
int map_btf_spin_lock_off(const void *raw, size_t len, uint32_t value_type_id);
/* Whether BTF type type_id (typedefs and modifiers resolved) is an int of
 * 32 bits at bit offset 0: a local storage map's key. */
int map_btf_is_i32(const void *raw, size_t len, uint32_t type_id);

/* The frozen word: the pinned file's (seen by every process) or the map's. */
static inline int *map_frozen_word(struct bpfrt_map *m)
{
    return m->frozen_shared ? m->frozen_shared : &m->frozen;
}

/* Give a map built outside map_create (a pinned map opened from its file)
 * a fresh id and enter it in the registry.  0 or -ENOMEM. */
int map_register(struct bpfrt_map *m);
/* Pin m under <state dir>/maps/ with a name no other process picks
 * (<map name>.<pid>.<map id>[.<n>]), for maps that must be pinned because
 * a pinned program or array refers to them (pin.c).  0 or a negative
 * errno, the reason in log. */
int map_pin_unique(struct bpfrt_map *m, char *log, size_t logsz);
/* Unmap what pinning mapped besides the arena, forget the path (pin.c). */
void map_pin_release(struct bpfrt_map *m);
/* The first 8 bytes of every pinned map's file (its arena header's magic),
 * for a listing of pins (runtime/pin_list.c). */
const char *map_pin_file_magic(void);
/* Opened with BPF_F_RDONLY (bpfrt_pin_opts.file_flags): user-space
 * writes are refused with -EPERM. */
int map_pin_rdonly(const struct bpfrt_map *m);

/* Size of one per-CPU slot and of a whole per-CPU value in user space. */
static inline uint32_t map_percpu_slot(const struct bpfrt_map *m)
{
    return (m->value_size + 7) & ~7u;
}

struct map_ops {
    /* Creation: check attributes the type accepts (kernel's map_alloc_check),
     * naming what is wrong in log; then allocate (arena, priv). */
    int (*check)(const struct map_attr *attr, char *log, size_t logsz);
    int (*alloc)(struct bpfrt_map *m);
    void (*free)(struct bpfrt_map *m);

    /* Program side, called by helpers on worker `worker` (bpf_map_*_elem
     * semantics; return value as the helper returns it). lookup returns a
     * pointer into the map (for per-CPU maps: this worker's slot) or NULL. */
    void *(*lookup)(struct bpfrt_map *m, const void *key, uint32_t worker);
    long (*update)(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags, uint32_t worker);
    long (*delete)(struct bpfrt_map *m, const void *key, uint32_t worker);
    long (*push)(struct bpfrt_map *m, const void *value, uint64_t flags);
    long (*pop)(struct bpfrt_map *m, void *value);
    long (*peek)(struct bpfrt_map *m, void *value);

    /* User side (bpf() syscall semantics): values copied; per-CPU values
     * are all slots.  NULL falls back on the program-side op where the
     * kernel does the same (plain copy of a non-per-CPU value). */
    int (*sys_lookup)(struct bpfrt_map *m, const void *key, void *value, uint64_t flags);
    int (*sys_update)(struct bpfrt_map *m, const void *key, const void *value, uint64_t flags);
    int (*sys_delete)(struct bpfrt_map *m, const void *key);
    int (*sys_lookup_and_delete)(struct bpfrt_map *m, const void *key, void *value, uint64_t flags);
    int (*get_next_key)(struct bpfrt_map *m, const void *key, void *next_key);

    /* Optional batch ops (BPF_MAP_LOOKUP_BATCH / LOOKUP_AND_DELETE_BATCH)
     * for types whose kernel batches are not the generic walk over
     * get_next_key (hash maps batch by bucket; token = u32 bucket index).
     * Arguments already checked by map.c (flags, count > 0). */
    int (*lookup_batch)(struct bpfrt_map *m, const void *in_batch, void *out_batch, void *keys, void *values,
                        uint32_t *count, uint64_t elem_flags, int do_delete);
    /* Pinning (pin.c): rebuild the per-process priv of a map whose arena
     * was mapped from a pinned file, from the attributes and the arena's
     * own headers; -EINVAL when the arena does not have the layout the
     * attributes give.  NULL for types that keep no priv. */
    int (*reopen)(struct bpfrt_map *m);
    /* Pinning maps whose values are ids (fd_array.c): before the file is
     * made, check every entry can be referred to by a pin (the reason in
     * log); once the arena is the file, turn the entries into those refs.
     * NULL for the other types. */
    int (*pin_prepare)(struct bpfrt_map *m, char *log, size_t logsz);
    void (*pin_done)(struct bpfrt_map *m);
    /* Checked runs: may a program access size bytes at offset off of the
     * arena with perm (RT_R 1 / RT_W 2)?  1 when they lie inside one value
     * a program can reach in the kernel (what a lookup returns: value_size
     * bytes, one per-CPU slot's value_size bytes; never a bpf_spin_lock,
     * which the verifier keeps programs from touching directly), else 0
     * with the part of the storage they hit written into why (a map's
     * links, locks, free lists, headers and keys are not for programs).
     * NULL: programs reach nothing of the storage directly (queue/stack,
     * bloom filter, stack trace, perf event and fd arrays go through
     * helpers only). */
    int (*prog_access)(const struct bpfrt_map *m, uint64_t off, uint64_t size, uint32_t perm, char *why,
                       size_t whysz);
    /* BPF_F_MMAPABLE value area (and its size), or NULL. */
    void *(*mmap)(struct bpfrt_map *m, size_t *sizep);
    /* Which batch commands the kernel offers for this type (generic ones
     * run in map.c); without them the command fails with -ENOTSUPP. */
    unsigned batch_ops; /* MAP_BATCH_* */
};

#define MAP_BATCH_LOOKUP 1u
#define MAP_BATCH_LOOKUP_AND_DELETE 2u
#define MAP_BATCH_UPDATE 4u
#define MAP_BATCH_DELETE 8u

/* get_next_key of every map whose keys are u32 indexes below max_entries
 * (the kernel's array_map_get_next_key): a missing or out-of-range key
 * gives index 0, the last index -ENOENT. */
int map_array_get_next_key(struct bpfrt_map *m, const void *key, void *next_key);
/* The program in slot idx of PROG_ARRAY m (idx < max_entries), or NULL:
 * what ops->lookup gives, without the indirect call (a tail call's path;
 * fd_array.c). */
void *map_prog_array_lookup(struct bpfrt_map *m, uint32_t idx);

/* The ops of a type, or NULL when bpfrt has none. */
const struct map_ops *map_ops_of(enum bpf_map_type type);

/* Log helper for check ops: formats into log, returns -EINVAL. */
int map_log_inval(char *log, size_t logsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, returning err. */
int map_log_err(int err, char *log, size_t logsz, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Create a map from full attributes (the loader's entry: BTF facts such as
 * spin_lock_at).  bpfrt_map__create is this with spin_lock_at = 0. */
int map_create(const struct map_attr *attr, const char *name, char *log, size_t logsz, struct bpfrt_map **mapp);

/* The live map with this id (registry.c), or NULL. */
struct bpfrt_map *map_get_by_id(uint32_t id);

/* The worker whose per-CPU slot or LRU list a user-space call uses: the
 * CPU the caller runs on, as the kernel's syscall path does. */
uint32_t map_cur_worker(const struct bpfrt_map *m);

/* For prog_access ops: is [voff, voff + size) (offsets inside one value
 * of value_size bytes) clear of the value's bpf_spin_lock and inside the
 * value?  1, or 0 with why set (whose, for the message: "element 3"). */
int map_value_access(const struct bpfrt_map *m, uint64_t voff, uint64_t size, const char *whose, char *why,
                     size_t whysz);
/* Format why (when not NULL); returns 0 (the access is refused). */
int map_access_refused(const struct bpfrt_map *m, char *why, size_t whysz, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy a map value (value_size bytes), leaving the bpf_spin_lock word of
 * dst alone as the kernel's copy_map_value does; the _locked variant holds
 * dst's lock while copying (BPF_F_LOCK). */
void map_copy_value(const struct bpfrt_map *m, void *dst, const void *src);
void map_copy_value_locked(const struct bpfrt_map *m, void *dst, const void *src, int lock_dst);
/* Clear the bpf_spin_lock word of a value copied out to user space (the
 * kernel's check_and_init_map_value()). */
void map_zero_special(const struct bpfrt_map *m, void *value);

static inline uint32_t map_round8(uint32_t x)
{
    return (x + 7) & ~7u;
}

#endif
