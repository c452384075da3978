/* helpers_xdp.c - bpf_redirect_map(map, key, flags) on DEVMAP,
 * DEVMAP_HASH, CPUMAP and XSKMAP, as the kernel's XDP flavour
 * (__bpf_xdp_redirect_map): flags beyond the action bits (the low two:
 * XDP_ABORTED .. XDP_TX) and, for device maps, BPF_F_BROADCAST |
 * BPF_F_EXCLUDE_INGRESS give XDP_ABORTED; a key with an entry (or a
 * broadcast) gives XDP_REDIRECT and records the target in run->redirect;
 * else the target is cleared and the action bits of flags are returned.
 * The key is a u32, as the maps' lookups take it. */
#include <errno.h>
#include <string.h>

#include "../maps/map.h"
#include "helpers.h"
#include "helpers_internal.h"

#define XDP_ACTION_MASK 3ull /* XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX */

static uint64_t hlp_redirect_map(uint64_t r1, uint64_t key, uint64_t flags, uint64_t d, uint64_t e,
                                 struct rt_run *run)
{
    struct bpfrt_map *m = hlp_arg_map(run, r1, 1, "redirect_map");
    uint64_t flag_mask = 0;
    uint32_t k = (uint32_t)key;
    const void *v;
    (void)d, (void)e;

    if (!m)
        return 0;
    switch (m->type) {
    case BPF_MAP_TYPE_DEVMAP:
    case BPF_MAP_TYPE_DEVMAP_HASH: flag_mask = BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS; break;
    case BPF_MAP_TYPE_CPUMAP:
    case BPF_MAP_TYPE_XSKMAP: break;
    default:
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_redirect_map: map '%s' is not a devmap, cpumap or xskmap",
                m->name);
        return 0;
    }
    if (flags & ~(XDP_ACTION_MASK | flag_mask))
        return XDP_ABORTED;
    v = m->ops->lookup ? m->ops->lookup(m, &k, run->worker) : NULL;
    if (!v && !(flags & BPF_F_BROADCAST)) {
        memset(&run->redirect, 0, sizeof(run->redirect));
        return flags & XDP_ACTION_MASK;
    }
    run->redirect.map = m;
    run->redirect.target = v;
    run->redirect.key = k;
    run->redirect.map_type = m->type;
    run->redirect.flags = flags & BPF_F_BROADCAST ? flags & flag_mask : 0;
    return XDP_REDIRECT;
}

static const struct hlp_desc hlp_xdp_table[] = {
    {BPF_FUNC_redirect_map, "redirect_map", hlp_redirect_map, 0},
};
HLP_TABLE(hlp_xdp_tab, hlp_xdp_table);
