/* helpers_skb_hdr.c - skb helpers that read headers or change the
 * skb's state without moving data: bpf_skb_load_bytes_relative,
 * bpf_skb_change_type, bpf_csum_update, bpf_csum_level, with the
 * running kernel's (6.18) semantics (net/core/filter.c; the checksum
 * state of include/linux/skbuff.h: __skb_incr_checksum_unnecessary and
 * its kin).
 *
 * A test run's skb is CHECKSUM_NONE, or CHECKSUM_COMPLETE with
 * BPF_F_TEST_SKB_CHECKSUM_COMPLETE: bpf_csum_update works on the latter
 * only; bpf_csum_level moves the former to CHECKSUM_UNNECESSARY and
 * back.  tests/kernel-diff/test_skb_helpers_diff.c
 * compares them with the kernel. */
#include <errno.h>
#include <string.h>

#include "helpers.h"
#include "helpers_internal.h"
#include "skb_buf.h"

#define PACKET_OTHERHOST 3u
#define SKB_MAX_CSUM_LEVEL 3u

static uint64_t neg(int err)
{
    return (uint64_t)(int64_t)err;
}

/* bpf_skb_load_bytes_relative(skb, offset, to, len, start_header): len
 * bytes from offset past the MAC (BPF_HDR_START_MAC) or network
 * (BPF_HDR_START_NET) header, within the linear data's end; otherwise
 * -EFAULT with to cleared (an offset above 0xffff, another
 * start_header, an unset MAC header, bytes past the end). */
static uint64_t hlp_skb_load_bytes_relative(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                            struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_load_bytes_relative");
    uint32_t off = (uint32_t)r2, len = (uint32_t)r4, start = (uint32_t)r5;
    uint8_t *to = (uint8_t *)(uintptr_t)r3;
    uint64_t from = UINT64_MAX, tail;

    if (!s || hlp_arg_mem(run, r3, len, 1, "skb_load_bytes_relative", "r3 (to)"))
        return 0;
    /* offsets from head, as the kernel's header fields */
    tail = (uint64_t)(s->data - s->head) + hlp_skb_headlen(s);
    if (off <= 0xffff) {
        if (start == BPF_HDR_START_MAC && s->mac_header != PT_SKB_HDR_UNSET)
            from = (uint64_t)s->mac_header + off;
        else if (start == BPF_HDR_START_NET)
            from = (uint64_t)s->network_header + off;
    }
    if (from == UINT64_MAX || from + len > tail) {
        memset(to, 0, len);
        return neg(-EFAULT);
    }
    memcpy(to, s->head + from, len);
    return 0;
}

/* bpf_skb_change_type(skb, pkt_type): only between PACKET_HOST,
 * PACKET_BROADCAST, PACKET_MULTICAST and PACKET_OTHERHOST (skb_pkt_type_ok
 * for the old type and the new one), else -EINVAL. */
static uint64_t hlp_skb_change_type(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "skb_change_type");
    uint32_t type = (uint32_t)r2;

    (void)r3, (void)r4, (void)r5;
    if (!s)
        return 0;
    if (s->pkt_type > PACKET_OTHERHOST || type > PACKET_OTHERHOST)
        return neg(-EINVAL);
    s->pkt_type = (uint8_t)type;
    return 0;
}

/* bpf_csum_update(skb, csum): csum added to skb->csum, which it returns,
 * for a CHECKSUM_COMPLETE skb; -ENOTSUPP for others. */
static uint64_t hlp_csum_update(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "csum_update");

    (void)r3, (void)r4, (void)r5;
    if (!s)
        return 0;
    if (s->ip_summed != PT_SKB_CSUM_COMPLETE)
        return neg(-HLP_ENOTSUPP);
    s->csum = cs_add(s->csum, (uint32_t)r2);
    return s->csum;
}

/* bpf_csum_level(skb, level): BPF_CSUM_LEVEL_INC (CHECKSUM_NONE becomes
 * CHECKSUM_UNNECESSARY at level 0; UNNECESSARY goes up to level 3),
 * _DEC (level 0 goes back to NONE), _RESET (NONE), _QUERY (the level
 * when UNNECESSARY, else -EACCES); -EINVAL for other levels. */
static uint64_t hlp_csum_level(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    struct pt_skb_kctx *s = hlp_skb_ctx(run, r1, "csum_level");
    int unnecessary;

    (void)r3, (void)r4, (void)r5;
    if (!s)
        return 0;
    unnecessary = s->ip_summed == PT_SKB_CSUM_UNNECESSARY;
    switch (r2) {
    case BPF_CSUM_LEVEL_INC:
        if (s->ip_summed == PT_SKB_CSUM_NONE) {
            s->ip_summed = PT_SKB_CSUM_UNNECESSARY;
            s->csum_level = 0;
        } else if (unnecessary && s->csum_level < SKB_MAX_CSUM_LEVEL) {
            s->csum_level++;
        }
        return 0;
    case BPF_CSUM_LEVEL_DEC:
        if (unnecessary) {
            if (s->csum_level == 0)
                s->ip_summed = PT_SKB_CSUM_NONE;
            else
                s->csum_level--;
        }
        return 0;
    case BPF_CSUM_LEVEL_RESET:
        if (unnecessary) {
            s->ip_summed = PT_SKB_CSUM_NONE;
            s->csum_level = 0;
        }
        return 0;
    case BPF_CSUM_LEVEL_QUERY: return unnecessary ? s->csum_level : neg(-EACCES);
    default: return neg(-EINVAL);
    }
}

static const struct hlp_desc hlp_skb_hdr_table[] = {
    {BPF_FUNC_skb_load_bytes_relative, "skb_load_bytes_relative", hlp_skb_load_bytes_relative, 0},
    {BPF_FUNC_skb_change_type, "skb_change_type", hlp_skb_change_type, 0},
    {BPF_FUNC_csum_update, "csum_update", hlp_csum_update, 0},
    {BPF_FUNC_csum_level, "csum_level", hlp_csum_level, 0},
};
HLP_TABLE(hlp_skb_hdr_tab, hlp_skb_hdr_table);
