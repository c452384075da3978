/* map.h - maps inside libbpfrt: the object, its storage arena and the ops
 * table each map type implements (the kernel's struct bpf_map_ops idea).
 *
 * One file per map type (hashtab.c, arraymap.c, lpm_trie.c, ...), each
 * exporting one `const struct map_ops map_ops_<type>` that map.c's table
 * registers by enum bpf_map_type.  map.c owns creation (common checks,
 * ids), the public bpfrt_map__* wrappers (size checks, flag checks, errno),
 * and dispatch.  Types leave an op NULL when the kernel has no such
 * operation for them; the wrapper then returns the kernel's errno
 * (-EOPNOTSUPP / -EINVAL as the kernel does for that command and type). */
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
};

/* Offsets inside an arena; 0 is "none" (offset 0 holds the arena header). */
typedef uint64_t map_off_t;

static inline void *arena_ptr(const struct map_arena *a, map_off_t off)
{
    return off ? a->base + off : NULL;
}

static inline map_off_t arena_off(const struct map_arena *a, const void *p)
{
    return p ? (map_off_t)((const uint8_t *)p - a->base) : 0;
}

/* Allocate an arena of size bytes (rounded up to pages), zeroed. */
int arena_alloc(struct map_arena *a, size_t size);
void arena_free(struct map_arena *a);

struct map_attr {
    enum bpf_map_type type;
    uint32_t key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers;
    struct bpfrt_map *inner_map;
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
};

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
};

/* The ops of a type, or NULL when bpfrt has none. */
const struct map_ops *map_ops_of(enum bpf_map_type type);

/* Log helper for check ops: formats into log, returns -EINVAL. */
int map_log_inval(char *log, size_t logsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
