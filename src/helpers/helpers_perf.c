/* helpers_perf.c - the perf event output helpers on a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY (src/maps/perf_event_array.h):
 *
 *   bpf_perf_event_output(ctx, map, flags, data, size)
 *       in an XDP program:   bpf_xdp_event_output (net/core/filter.c)
 *       on a struct __sk_buff: bpf_skb_event_output
 *       in the raw convention: the run's data stands for the packet
 *   bpf_xdp_output(xdp, map, flags, data, size)   the same on an xdp_buff
 *   bpf_skb_output(skb, map, flags, data, size)   the same on an sk_buff
 *       (the kernel's tracing programs pass BTF pointers to those; here
 *       the xdp / skb run-time context of the run, src/helpers/kctx.h)
 *
 * flags: BPF_F_INDEX_MASK picks the slot (BPF_F_CURRENT_CPU: the
 * worker's), BPF_F_CTXLEN_MASK (the upper 32 bits) how many bytes of the
 * packet to append after data: the XDP packet from its current data
 * pointer on, fragments included (bpf_xdp_copy_buf), the skb's from
 * skb->data (skb_header_pointer).  Errors in the kernel's order: -EINVAL
 * (other flag bits), -EFAULT (more packet bytes than the packet has),
 * -E2BIG (index >= max_entries), -ENOENT (slot not open), -ENOSPC (no
 * room: counted as lost).  GPL-only, as every flavour in the kernel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../maps/map.h"
#include "../maps/perf_event_array.h"
#include "helpers.h"
#include "helpers_internal.h"
#include "kctx.h"
#include "xdp_frags.h"

/* The packet of ctx (the run's context of kind): its bytes laid out one
 * after the other in *buf (the linear part directly, fragments copied
 * into *tmp), or -EFAULT when ctx is not the run's context. */
static int ctx_packet(struct rt_run *run, uint64_t ctx, uint32_t kind, uint64_t want, const uint8_t **buf,
                      uint64_t *len, uint8_t **tmp)
{
    *tmp = NULL;
    if (run->ctx_kind != kind || (void *)(uintptr_t)ctx != run->ctx)
        return -EFAULT;
    if (kind == RT_CTX_XDP) {
        struct pt_xdp_kctx *x = run->ctx;
        *len = hlp_xdp_buff_len(x);
        *buf = x->data;
        if (want > (uint64_t)(x->data_end - x->data) && want <= *len) {
            *tmp = malloc(want);
            if (!*tmp)
                return -ENOMEM;
            hlp_xdp_copy(x, 0, *tmp, (uint32_t)want, 0);
            *buf = *tmp;
        }
        return 0;
    }
    const struct pt_skb_kctx *s = run->ctx;
    *len = s->len - s->data_len; /* bpfrt's test run makes the whole packet linear */
    *buf = s->data;
    return 0;
}

/* One output: kind RT_CTX_NONE for the raw convention (the run's data). */
static uint64_t event_output(struct rt_run *run, const char *helper, uint64_t ctx, uint32_t kind, uint64_t r2,
                             uint64_t flags, uint64_t data, uint64_t size)
{
    struct bpfrt_map *m = hlp_arg_map(run, r2, 2, helper);
    uint64_t want = (flags & BPF_F_CTXLEN_MASK) >> 32, len = 0;
    const uint8_t *pkt = NULL;
    uint8_t *tmp = NULL;
    long ret;

    if (!m || hlp_arg_mem(run, data, size, 0, helper, "data"))
        return 0;
    if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_%s: map '%s' is not a perf_event_array", helper, m->name);
        return 0;
    }
    if (kind == RT_CTX_NONE) {
        pkt = run->pkt;
        len = run->pkt ? run->pkt_len : 0;
    } else {
        int err = ctx_packet(run, ctx, kind, want, &pkt, &len, &tmp);
        if (err == -EFAULT) {
            rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r1 = 0x%llx is not the program's %s context", helper,
                    (unsigned long long)ctx, kind == RT_CTX_XDP ? "XDP" : "skb");
            return 0;
        }
        if (err)
            return (uint64_t)(int64_t)err;
    }
    ret = map_perf_event_array_output(m, flags, run->worker, (const void *)(uintptr_t)data, size, pkt, len);
    free(tmp);
    return (uint64_t)(int64_t)ret;
}

static uint64_t hlp_perf_event_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data, uint64_t size,
                                      struct rt_run *run)
{
    /* the flavour is the program type's (bpf_xdp_event_output_proto,
     * bpf_skb_event_output_proto); raw programs have no context */
    uint32_t kind = run->ctx_kind == RT_CTX_XDP || run->ctx_kind == RT_CTX_SKB ? run->ctx_kind : RT_CTX_NONE;

    return event_output(run, "perf_event_output", ctx, kind, r2, flags, data, size);
}

static uint64_t hlp_xdp_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data, uint64_t size,
                               struct rt_run *run)
{
    return event_output(run, "xdp_output", ctx, RT_CTX_XDP, r2, flags, data, size);
}

static uint64_t hlp_skb_output(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data, uint64_t size,
                               struct rt_run *run)
{
    return event_output(run, "skb_output", ctx, RT_CTX_SKB, r2, flags, data, size);
}

static const struct hlp_desc hlp_perf_table[] = {
    {BPF_FUNC_perf_event_output, "perf_event_output", hlp_perf_event_output, 1},
    {BPF_FUNC_xdp_output, "xdp_output", hlp_xdp_output, 1},
    {BPF_FUNC_skb_output, "skb_output", hlp_skb_output, 1},
};
HLP_TABLE(hlp_perf_tab, hlp_perf_table);
