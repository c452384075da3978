/* helpers_perf.c - bpf_perf_event_output(ctx, map, flags, data, size) on a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY (src/maps/perf_event_array.h): flags pick
 * the slot (BPF_F_INDEX_MASK, or BPF_F_CURRENT_CPU for the worker's) and
 * how many bytes of the context's packet to append (BPF_F_CTXLEN_MASK, as
 * the XDP and skb flavours do: the packet as the program has it at the
 * call, an XDP packet's fragments included; the raw convention's data).  Returns the
 * kernel's errno: -EINVAL (flags), -E2BIG (index >= max_entries), -ENOENT
 * (slot not open), -ENOSPC (no room: counted as lost), -EFAULT (more
 * context bytes asked than the packet has).  GPL-only, as every flavour in
 * the kernel. */
#include <errno.h>
#include <stdlib.h>

#include "../maps/map.h"
#include "../maps/perf_event_array.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"
#include "xdp_frags.h"

/* The context's packet as bpf_xdp_event_output and bpf_skb_event_output
 * copy it (net/core/filter.c, bpf_xdp_copy and bpf_skb_copy): XDP from
 * data, the linear part then the fragments (xdp_get_buff_len bytes), the
 * skb from data (len bytes), the raw convention's data; as they are at
 * the call.  want bytes of it are gathered into *tmp (malloc'd) when they
 * go past an XDP packet's linear part. */
static const uint8_t *ctx_packet(struct rt_run *run, uint64_t want, uint64_t *len, uint8_t **tmp)
{
    *tmp = NULL;
    if (run->ctx_kind == RT_CTX_XDP) {
        struct pt_xdp_kctx *x = run->ctx;
        *len = hlp_xdp_buff_len(x);
        if (want <= (uint64_t)(x->data_end - x->data) || want > *len)
            return x->data;
        *tmp = malloc(want);
        if (!*tmp)
            return NULL;
        hlp_xdp_copy(x, 0, *tmp, (uint32_t)want, 0);
        return *tmp;
    }
    if (run->ctx_kind == RT_CTX_SKB) {
        const struct pt_skb_kctx *sk = run->ctx;
        *len = sk->len - sk->data_len; /* the test run's skb is linear */
        return sk->data;
    }
    *len = run->pkt ? run->pkt_len : 0;
    return run->pkt;
}

static uint64_t hlp_perf_event_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data, uint64_t size,
                                      struct rt_run *run)
{
    struct bpfrt_map *m = hlp_arg_map(run, r2, 2, "perf_event_output");
    const uint8_t *pkt;
    uint8_t *tmp;
    uint64_t len;
    long ret;
    (void)ctx;

    if (!m || hlp_arg_mem(run, data, size, 0, "perf_event_output", "data"))
        return 0;
    if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_perf_event_output: map '%s' is not a perf_event_array",
                m->name);
        return 0;
    }
    pkt = ctx_packet(run, (flags & BPF_F_CTXLEN_MASK) >> 32, &len, &tmp);
    if (!pkt && len)
        return (uint64_t)(int64_t)rt_fail(run, -ENOMEM, run->err_pc, "helper bpf_perf_event_output: out of memory");
    ret = map_perf_event_array_output(m, flags, run->worker, (const void *)(uintptr_t)data, size, pkt, pkt ? len : 0);
    free(tmp);
    return (uint64_t)(int64_t)ret;
}

static const struct hlp_desc hlp_perf_table[] = {
    {BPF_FUNC_perf_event_output, "perf_event_output", hlp_perf_event_output, 1},
};
HLP_TABLE(hlp_perf_tab, hlp_perf_table);
