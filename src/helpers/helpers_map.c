/* helpers_map.c - the map helpers (bpf_map_lookup_elem and friends), with
 * the semantics of bpf-helpers(7).  r1 is a struct bpfrt_map pointer that
 * an LD_IMM64 with BPF_PSEUDO_MAP_FD put there.  In checked mode every
 * pointer argument is validated: the map must be one the program uses, the
 * key and value must lie in memory the program may read or write. */
#include <errno.h>

#include "../engine/run.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "helpers.h"
#include "helpers_internal.h"

static struct bpfrt_map *arg_map(struct rt_run *run, uint64_t r1, const char *helper)
{
    return hlp_arg_map(run, r1, 1, helper);
}

static int arg_mem(struct rt_run *run, uint64_t addr, uint32_t size, int write, const char *helper, const char *what)
{
    return hlp_arg_mem(run, addr, size, write, helper, what);
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

/* bpf_map_lookup_percpu_elem(map, key, cpu): the value of key in CPU
 * (worker) cpu's slot of a per-CPU map; NULL when cpu >= the map's
 * workers (the kernel's nr_cpu_ids) or key is absent. */
static uint64_t hlp_map_lookup_percpu_elem(uint64_t r1, uint64_t key, uint64_t cpu, uint64_t d, uint64_t e,
                                           struct rt_run *run)
{
    struct bpfrt_map *m = arg_map(run, r1, "map_lookup_percpu_elem");
    (void)d, (void)e;
    if (!m || arg_mem(run, key, m->key_size, 0, "map_lookup_percpu_elem", "key"))
        return 0;
    if (m->type != BPF_MAP_TYPE_PERCPU_ARRAY && m->type != BPF_MAP_TYPE_PERCPU_HASH &&
        m->type != BPF_MAP_TYPE_LRU_PERCPU_HASH) {
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_map_lookup_percpu_elem: map '%s' is not a per-CPU map",
                m->name);
        return 0;
    }
    if ((uint32_t)cpu >= m->nr_workers || !m->ops->lookup)
        return 0;
    return (uint64_t)(uintptr_t)m->ops->lookup(m, (const void *)(uintptr_t)key, (uint32_t)cpu);
}

static const struct hlp_desc hlp_map_table[] = {
    {BPF_FUNC_map_lookup_percpu_elem, "map_lookup_percpu_elem", hlp_map_lookup_percpu_elem, 0},
    {BPF_FUNC_map_lookup_elem, "map_lookup_elem", hlp_map_lookup_elem, 0},
    {BPF_FUNC_map_update_elem, "map_update_elem", hlp_map_update_elem, 0},
    {BPF_FUNC_map_delete_elem, "map_delete_elem", hlp_map_delete_elem, 0},
    {BPF_FUNC_map_push_elem, "map_push_elem", hlp_map_push_elem, 0},
    {BPF_FUNC_map_pop_elem, "map_pop_elem", hlp_map_pop_elem, 0},
    {BPF_FUNC_map_peek_elem, "map_peek_elem", hlp_map_peek_elem, 0},
};
HLP_TABLE(hlp_map_tab, hlp_map_table);
