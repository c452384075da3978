/* map_conv.c - what a user-space loader does to a map definition between
 * the object and BPF_MAP_CREATE, so that objects written for libbpf load
 * here as libbpf loads them (issue 9, part 8):
 *
 *   - max_entries set by the user before load (libbpf's
 *     bpf_map__set_max_entries; bpfrt_object__set_map_max_entries, the
 *     open option map_max_entries, `prog load ... map name NAME
 *     max_entries N`); a ring buffer's size rounded up as libbpf's
 *     adjust_ringbuf_sz does (a power-of-2 multiple of the page size);
 *   - a PERF_EVENT_ARRAY left at max_entries 0 gets one slot per worker,
 *     as libbpf's map_set_def_max_entries gives it one per possible CPU;
 *     any other map left at 0 goes to the map's own checks, which refuse
 *     it as the kernel does, with a hint naming how to set it;
 *   - BTF key/value type ids dropped for the map types whose key and value
 *     the kernel does not describe by BTF (libbpf's bpf_object__create_map
 *     switch: perf event arrays, cgroup arrays, stack traces, maps of
 *     maps, devmaps, cpumaps, xskmaps, sockmaps, sockhashes, queues and
 *     stacks): `__type(key, int)` on a perf event array gives a 4-byte key
 *     and no key type, which the kernel accepts.  Ring buffers keep
 *     theirs: libbpf 1.1 passes a declared key or value size through, and
 *     the kernel's ringbuf_map_alloc refuses it (-EINVAL); so does bpfrt,
 *     saying why.
 *
 * Each rule is checked against libbpf loading the same object into the
 * running kernel: tests/kernel-diff/test_loader_conv_diff.c. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"

/* libbpf's adjust_ringbuf_sz: a size that is already a power-of-2
 * multiple of the page size stays; another becomes the smallest such
 * multiple above it; 0 stays 0 (the kernel then refuses it). */
static uint32_t ringbuf_size(uint32_t sz)
{
    long ps = sysconf(_SC_PAGESIZE);
    uint64_t page = ps > 0 ? (uint64_t)ps : 4096, mul;

    if (!sz)
        return 0;
    if (sz % page == 0 && ((sz / page) & (sz / page - 1)) == 0)
        return sz;
    for (mul = 1; mul * page <= UINT32_MAX; mul <<= 1)
        if (mul * page > sz)
            return (uint32_t)(mul * page);
    return sz;
}

/* libbpf's list (bpf_object__create_map): types created without BTF key
 * and value type ids. */
static int drops_btf_types(uint32_t type)
{
    switch (type) {
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
    case BPF_MAP_TYPE_CGROUP_ARRAY:
    case BPF_MAP_TYPE_STACK_TRACE:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH:
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP:
    case BPF_MAP_TYPE_SOCKMAP:
    case BPF_MAP_TYPE_SOCKHASH:
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
        return 1;
    default:
        return 0;
    }
}

int ld_map_conv(struct bpfrt_object *obj, struct ld_map *m)
{
    if (m->has_user_max)
        m->max_entries = m->user_max_entries;
    if (m->type == BPF_MAP_TYPE_RINGBUF || m->type == BPF_MAP_TYPE_USER_RINGBUF) {
        uint32_t sz = ringbuf_size(m->max_entries);
        if (sz != m->max_entries)
            ld_log(obj, "%s: map '%s': ring buffer size %u rounded up to %u (a power-of-2 multiple of the page size, "
                   "as libbpf does)",
                   obj->path, m->name, m->max_entries, sz);
        m->max_entries = sz;
    }
    if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !m->max_entries)
        m->max_entries = bpfrt_nr_workers();
    if (drops_btf_types(m->type)) {
        m->btf_key_type_id = 0;
        m->btf_value_type_id = 0;
    }
    return 0;
}

/* Why a map the loader could not create was refused, when the loader's
 * conventions explain it; "" otherwise. */
const char *ld_map_conv_hint(const struct ld_map *m)
{
    if ((m->type == BPF_MAP_TYPE_RINGBUF || m->type == BPF_MAP_TYPE_USER_RINGBUF) && (m->key_size || m->value_size))
        return " (a ring buffer has no key or value: libbpf passes the declared key/value sizes on and the kernel "
               "refuses them too; drop __type(key)/__type(value) from its definition)";
    if (!m->max_entries && m->type != BPF_MAP_TYPE_SK_STORAGE && m->type != BPF_MAP_TYPE_INODE_STORAGE &&
        m->type != BPF_MAP_TYPE_TASK_STORAGE &&
        m->type != BPF_MAP_TYPE_CGROUP_STORAGE && m->type != BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
        return " (max_entries 0 is left for the loader to set: give it with `map name NAME max_entries N`, the "
               "open option map_max_entries or bpfrt_object__set_map_max_entries)";
    return "";
}

static struct ld_map *find_user_map(struct bpfrt_object *obj, const char *name)
{
    for (size_t i = 0; i < obj->nr_maps; i++)
        if (!obj->maps[i].is_inner_proto && !strcmp(obj->maps[i].name, name))
            return &obj->maps[i];
    return NULL;
}

int bpfrt_object__set_map_max_entries(struct bpfrt_object *obj, const char *name, uint32_t max_entries)
{
    struct ld_map *m;

    if (!obj || !name)
        return -EINVAL;
    m = find_user_map(obj, name);
    if (!m)
        return ld_err(obj, -ENOENT, "%s: no map named '%s' to set max_entries of", obj->path, name);
    if (obj->maps_created)
        return ld_err(obj, -EBUSY, "%s: map '%s': max_entries cannot change once its maps are created", obj->path,
                      name);
    if (m->kind != LD_MAP_USER)
        return ld_err(obj, -EINVAL, "%s: map '%s' holds global data: its size is its section's", obj->path, name);
    m->user_max_entries = max_entries;
    m->has_user_max = 1;
    return 0;
}

int ld_map_conv_opts(struct bpfrt_object *obj, const struct bpfrt_map_max_entries *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int err;
        if (!v[i].name)
            return ld_err(obj, -EINVAL, "%s: open option map_max_entries[%zu] has no name", obj->path, i);
        err = bpfrt_object__set_map_max_entries(obj, v[i].name, v[i].max_entries);
        if (err)
            return err;
    }
    return 0;
}
