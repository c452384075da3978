/* helpers_cb.c - helpers that call back into the program: bpf_loop and
 * bpf_for_each_map_elem (bpf-helpers(7)).  The callback is a BPF function
 * whose address an LD_IMM64 with BPF_PSEUDO_FUNC loaded; the engine runs
 * it on the next stack frame (run->callback), charging its
 * instructions to the run.  A failure inside the callback (checked mode:
 * an access outside the regions; the budget; the depth) stops the whole
 * run with the callback's instruction index. */
#include <errno.h>
#include <string.h>

#include "../engine/run.h"
#include "../maps/map.h"
#include "helpers.h"
#include "helpers_internal.h"

#define LOOP_MAX_ITERS (1u << 23) /* the kernel's BPF_MAX_LOOPS */

/* bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback_fn(i,
 * callback_ctx) for i = 0 .. nr_loops - 1 until it returns non-zero (the
 * verifier allows 0 = go on, 1 = stop).  Returns the number of iterations
 * made (the stopping one included), -EINVAL for flags other than 0, -E2BIG
 * as a u32 for nr_loops > 1 << 23.  nr_loops is a u32 as in the kernel. */
static uint64_t hlp_loop(uint64_t nr, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t e, struct rt_run *run)
{
    uint32_t n = (uint32_t)nr;
    (void)e;

    if (flags)
        return (uint64_t)(int64_t)-EINVAL;
    /* The kernel inlines bpf_loop calls whose flags are 0 and its inlined
     * code sets r0 with a 32-bit move: the program sees -E2BIG as the u32
     * 0xfffffff9, zero-extended (the differential test shows it). */
    if (n > LOOP_MAX_ITERS)
        return (uint32_t)-E2BIG;
    for (uint32_t i = 0; i < n; i++) {
        const uint64_t args[5] = {i, ctx, 0, 0, 0};
        uint64_t ret = 0;
        if (run->callback(run, fn, args, &ret))
            return 0;
        if (ret)
            return (uint64_t)i + 1;
    }
    return n;
}

/* One element for bpf_for_each_map_elem: callback_fn(map, &key, value,
 * callback_ctx).  The key is a copy the callback may read (in checked mode
 * a read-only region while the callback runs); the value is the map's own
 * (for per-CPU maps this worker's slot).  Returns the callback's r0, or
 * -1 with the run failed. */
static int64_t each_call(struct rt_run *run, struct bpfrt_map *m, uint64_t fn, uint64_t ctx, const void *key,
                         void *value)
{
    static const char key_region[] = "callback key";
    const uint64_t args[5] = {(uint64_t)(uintptr_t)m, (uint64_t)(uintptr_t)key, (uint64_t)(uintptr_t)value, ctx, 0};
    uint64_t ret = 0;
    int r;

    if (run->checked && rt_add_region(run, (uint64_t)(uintptr_t)key, m->key_size, RT_R, key_region)) {
        rt_fail(run, -E2BIG, run->err_pc, "helper bpf_for_each_map_elem: too many regions in one checked run");
        return -1;
    }
    r = run->callback(run, fn, args, &ret);
    if (run->checked) {
        int i = rt_find_region(run, (uint64_t)(uintptr_t)key, key_region);
        if (i >= 0)
            rt_del_region(run, (unsigned)i);
    }
    return r ? -1 : (int64_t)ret;
}

/* bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags): the
 * callback for each element of an array, per-CPU array, hash, per-CPU hash
 * or LRU hash map until it returns non-zero.  Returns the number of
 * elements passed to the callback (the stopping one included), -EINVAL for
 * flags other than 0.  Arrays go by index; hash maps by get_next_key, the
 * next key taken before the callback runs so that the callback may delete
 * the element it is given; an element deleted by the callback before the
 * walk reaches it is skipped (the walk restarts from the first key if the
 * one it holds disappeared, as get_next_key does: elements may then be
 * seen twice, where the kernel's walk by bucket would not). */
static uint64_t hlp_for_each_map_elem(uint64_t r1, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t e,
                                      struct rt_run *run)
{
    struct bpfrt_map *m = hlp_arg_map(run, r1, 1, "for_each_map_elem");
    uint64_t n = 0;
    (void)e;

    if (!m)
        return 0;
    switch (m->type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH: break;
    default:
        rt_fail(run, -EINVAL, run->err_pc,
                "helper bpf_for_each_map_elem: map '%s' is of a type the helper does not walk (%u)", m->name, m->type);
        return 0;
    }
    if (flags)
        return (uint64_t)(int64_t)-EINVAL;
    if (m->type == BPF_MAP_TYPE_ARRAY || m->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
        for (uint32_t i = 0; i < m->max_entries; i++) {
            uint32_t key = i;
            void *v = m->ops->lookup(m, &key, run->worker);
            int64_t ret;
            if (!v)
                continue;
            n++;
            ret = each_call(run, m, fn, ctx, &key, v);
            if (ret < 0 && run->err)
                return 0;
            if (ret)
                break;
        }
        return n;
    }
    {
        uint8_t keys[2][512];
        unsigned cur = 0;
        int have = m->key_size <= sizeof(keys[0]) && m->ops->get_next_key(m, NULL, keys[cur]) == 0;

        while (have) {
            void *v;
            int64_t ret;
            have = m->ops->get_next_key(m, keys[cur], keys[cur ^ 1]) == 0;
            v = m->ops->lookup(m, keys[cur], run->worker);
            if (v) {
                n++;
                ret = each_call(run, m, fn, ctx, keys[cur], v);
                if (ret < 0 && run->err)
                    return 0;
                if (ret)
                    break;
            }
            cur ^= 1;
            if (n > (uint64_t)m->max_entries * 4 + 16)
                break; /* restarts of the walk after deletions: bounded */
        }
    }
    return n;
}

static const struct hlp_desc hlp_cb_table[] = {
    {BPF_FUNC_loop, "loop", hlp_loop, 0},
    {BPF_FUNC_for_each_map_elem, "for_each_map_elem", hlp_for_each_map_elem, 0},
};
HLP_TABLE(hlp_cb_tab, hlp_cb_table);
