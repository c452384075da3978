/* helpers_map.c - the map helpers (bpf_map_lookup_elem and friends), with
 * the semantics of bpf-helpers(7).  r1 is a struct bpfrt_map pointer that
 * an LD_IMM64 with BPF_PSEUDO_MAP_FD put there.  In checked mode every
 * pointer argument is validated: the map must be one the program uses, the
 * key and value must lie in memory the program may read or write. */
#include <errno.h>

#include "../engine/engine.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "helpers.h"

/* In checked mode: is r1 a live map?  Fails the run if not.  A map the
 * program reaches without naming it (an inner map of a map-in-map) gets
 * its storage added to the regions the run may access. */
static struct bpfrt_map *arg_map(struct rt_run *run, uint64_t r1, const char *helper)
{
    struct bpfrt_map *m = (struct bpfrt_map *)(uintptr_t)r1;

    if (!run->checked)
        return m;
    for (unsigned i = 0; i < run->nmaps; i++)
        if (run->maps[i] == m)
            return m;
    if (!map_registry_contains(m)) {
        rt_fail(run, -EFAULT, 0, "helper bpf_%s: r1 = 0x%llx is not a map", helper, (unsigned long long)r1);
        return NULL;
    }
    for (unsigned i = 0; i < run->nregions; i++)
        if (run->regions[i].start == (uint64_t)(uintptr_t)m->arena.base)
            return m;
    if (rt_add_region(run, (uint64_t)(uintptr_t)m->arena.base, m->arena.size,
                      (m->map_flags & BPF_F_RDONLY_PROG) ? RT_R : RT_RW, "map")) {
        rt_fail(run, -E2BIG, 0, "helper bpf_%s: too many maps in one checked run", helper);
        return NULL;
    }
    return m;
}

/* In checked mode: may the program read (or write) size bytes at addr? */
static int arg_mem(struct rt_run *run, uint64_t addr, uint32_t size, int write, const char *helper, const char *what)
{
    if (!run->checked || !size)
        return 0;
    return rt_check_mem(run, addr, size, write ? RT_W : RT_R, helper, what);
}

static uint64_t hlp_map_lookup_elem(uint64_t r1, uint64_t key, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_lookup_elem");
    (void)c, (void)d, (void)e;
    if (!m || arg_mem(run, key, m->key_size, 0, "map_lookup_elem", "key"))
        return 0;
    if (!m->ops->lookup)
        return 0;
    return (uint64_t)(uintptr_t)m->ops->lookup(m, (const void *)(uintptr_t)key, run->worker);
}

static uint64_t hlp_map_update_elem(uint64_t r1, uint64_t key, uint64_t value, uint64_t flags, uint64_t e,
                                    struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_update_elem");
    (void)e;
    if (!m || arg_mem(run, key, m->key_size, 0, "map_update_elem", "key") ||
        arg_mem(run, value, m->value_size, 0, "map_update_elem", "value"))
        return 0;
    if (!m->ops->update)
        return (uint64_t)(int64_t)-EINVAL;
    return (uint64_t)m->ops->update(m, (const void *)(uintptr_t)key, (const void *)(uintptr_t)value, flags,
                                    run->worker);
}

static uint64_t hlp_map_delete_elem(uint64_t r1, uint64_t key, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_delete_elem");
    (void)c, (void)d, (void)e;
    if (!m || arg_mem(run, key, m->key_size, 0, "map_delete_elem", "key"))
        return 0;
    if (!m->ops->delete)
        return (uint64_t)(int64_t)-EINVAL;
    return (uint64_t)m->ops->delete(m, (const void *)(uintptr_t)key, run->worker);
}

static uint64_t hlp_map_push_elem(uint64_t r1, uint64_t value, uint64_t flags, uint64_t d, uint64_t e,
                                  struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_push_elem");
    (void)d, (void)e;
    if (!m || arg_mem(run, value, m->value_size, 0, "map_push_elem", "value"))
        return 0;
    if (!m->ops->push)
        return (uint64_t)(int64_t)-EINVAL;
    return (uint64_t)m->ops->push(m, (const void *)(uintptr_t)value, flags);
}

static uint64_t hlp_map_pop_elem(uint64_t r1, uint64_t value, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_pop_elem");
    (void)c, (void)d, (void)e;
    if (!m || arg_mem(run, value, m->value_size, 1, "map_pop_elem", "value"))
        return 0;
    if (!m->ops->pop)
        return (uint64_t)(int64_t)-EINVAL;
    return (uint64_t)m->ops->pop(m, (void *)(uintptr_t)value);
}

static uint64_t hlp_map_peek_elem(uint64_t r1, uint64_t value, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_peek_elem");
    (void)c, (void)d, (void)e;
    if (!m || arg_mem(run, value, m->value_size, 1, "map_peek_elem", "value"))
        return 0;
    if (!m->ops->peek)
        return (uint64_t)(int64_t)-EINVAL;
    return (uint64_t)m->ops->peek(m, (void *)(uintptr_t)value);
}

const struct hlp_desc hlp_map_table[] = {
    {BPF_FUNC_map_lookup_elem, "map_lookup_elem", hlp_map_lookup_elem, 0},
    {BPF_FUNC_map_update_elem, "map_update_elem", hlp_map_update_elem, 0},
    {BPF_FUNC_map_delete_elem, "map_delete_elem", hlp_map_delete_elem, 0},
    {BPF_FUNC_map_push_elem, "map_push_elem", hlp_map_push_elem, 0},
    {BPF_FUNC_map_pop_elem, "map_pop_elem", hlp_map_pop_elem, 0},
    {BPF_FUNC_map_peek_elem, "map_peek_elem", hlp_map_peek_elem, 0},
};
const unsigned hlp_map_table_cnt = sizeof(hlp_map_table) / sizeof(hlp_map_table[0]);
