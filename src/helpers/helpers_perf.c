/* helpers_perf.c - bpf_perf_event_output(ctx, map, flags, data, size) on a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY (src/maps/perf_event_array.h): flags pick
 * the slot (BPF_F_INDEX_MASK, or BPF_F_CURRENT_CPU for the worker's) and
 * how many bytes of the context's packet to append (BPF_F_CTXLEN_MASK, as
 * the XDP and skb flavours do; the packet is the run's data).  Returns the
 * kernel's errno: -EINVAL (flags), -E2BIG (index >= max_entries), -ENOENT
 * (slot not open), -ENOSPC (no room: counted as lost), -EFAULT (more
 * context bytes asked than the packet has).  GPL-only, as every flavour in
 * the kernel. */
#include <errno.h>

#include "../maps/map.h"
#include "../maps/perf_event_array.h"
#include "helpers.h"
#include "helpers_internal.h"

static uint64_t hlp_perf_event_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data, uint64_t size,
                                      struct rt_run *run)
{
    struct bpfrt_map *m = hlp_arg_map(run, r2, 2, "perf_event_output");
    (void)ctx;

    if (!m || hlp_arg_mem(run, data, size, 0, "perf_event_output", "data"))
        return 0;
    if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_perf_event_output: map '%s' is not a perf_event_array",
                m->name);
        return 0;
    }
    return (uint64_t)(int64_t)map_perf_event_array_output(m, flags, run->worker, (const void *)(uintptr_t)data, size,
                                                      run->pkt, run->pkt ? run->pkt_len : 0);
}

static const struct hlp_desc hlp_perf_table[] = {
    {BPF_FUNC_perf_event_output, "perf_event_output", hlp_perf_event_output, 1},
};
HLP_TABLE(hlp_perf_tab, hlp_perf_table);
