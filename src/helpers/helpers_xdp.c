/* helpers_xdp.c - the helpers on an XDP buffer (r1 = the run-time
 * context, struct pt_xdp_kctx of kctx.h: bpf_xdp_adjust_head,
 * bpf_xdp_adjust_meta, bpf_xdp_adjust_tail, bpf_xdp_get_buff_len,
 * bpf_xdp_load_bytes, bpf_xdp_store_bytes, as net/core/filter.c has them,
 * the fragments of a multi-buffer packet through xdp_frags.c; the running
 * kernel decides where versions differ),
 * and bpf_redirect_map(map, key, flags) on DEVMAP,
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
#include "kctx.h"
#include "xdp_frags.h"

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
    memset(&run->redirect, 0, sizeof(run->redirect));
    run->redirect.map = m;
    run->redirect.target = v;
    /* a device map's entry names the device (struct bpf_devmap_val.ifindex) */
    if (v && (m->type == BPF_MAP_TYPE_DEVMAP || m->type == BPF_MAP_TYPE_DEVMAP_HASH))
        memcpy(&run->redirect.ifindex, v, sizeof(run->redirect.ifindex));
    run->redirect.key = k;
    run->redirect.map_type = m->type;
    run->redirect.flags = flags & BPF_F_BROADCAST ? flags & flag_mask : 0;
    return XDP_REDIRECT;
}


/* ------------------------------------------------------- the buffer */

#define XDP_ETH_HLEN 14
#define XDP_FRAME_SIZE 40   /* sizeof(struct xdp_frame), kept free at the buffer's start */
#define XDP_SHINFO_SIZE 320 /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), kept free at its end */
#define XDP_META_MAX 255    /* xdp_metalen_invalid: the u8 meta_len (Linux >= 6.8; 32 before) */
#define ERR(e) ((uint64_t)(int64_t)(e))

static struct pt_xdp_kctx *xdp_ctx(struct rt_run *run, uint64_t r1, const char *helper)
{
    if (run->ctx_kind != RT_CTX_XDP || (void *)(uintptr_t)r1 != run->ctx) {
        rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r1 = 0x%llx is not the program's context (struct xdp_md)",
                helper, (unsigned long long)r1);
        return NULL;
    }
    return run->ctx;
}

/* Addresses as integers: the checks compare pointers moved by an offset
 * the program chose, which may point anywhere. */
#define A(p) ((intptr_t)(p))

/* bpf_xdp_adjust_head(xdp, offset): data moves by offset (the metadata
 * with it); -EINVAL when data would enter the xdp_frame area plus the
 * metadata, or leave less than an Ethernet header before data_end. */
static uint64_t hlp_xdp_adjust_head(uint64_t r1, uint64_t r2, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_adjust_head");
    int32_t off = (int32_t)r2;
    intptr_t metalen, data;
    (void)c, (void)d, (void)e;

    if (!x)
        return 0;
    metalen = A(x->data) - A(x->data_meta);
    data = A(x->data) + off;
    if (data < A(x->data_hard_start) + XDP_FRAME_SIZE + metalen || data > A(x->data_end) - XDP_ETH_HLEN)
        return ERR(-EINVAL);
    if (metalen)
        memmove(x->data_meta + off, x->data_meta, (size_t)metalen);
    x->data_meta += off;
    x->data += off;
    return 0;
}

/* bpf_xdp_adjust_meta(xdp, offset): data_meta moves by offset; -EINVAL
 * when it would enter the xdp_frame area or pass data, -EACCES when the
 * metadata would not be a multiple of 4 or longer than 255 bytes. */
static uint64_t hlp_xdp_adjust_meta(uint64_t r1, uint64_t r2, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_adjust_meta");
    intptr_t meta;
    uint64_t metalen;
    (void)c, (void)d, (void)e;

    if (!x)
        return 0;
    meta = A(x->data_meta) + (int32_t)r2;
    if (meta < A(x->data_hard_start) + XDP_FRAME_SIZE || meta > A(x->data))
        return ERR(-EINVAL);
    metalen = (uint64_t)(A(x->data) - meta);
    if ((metalen & 3) || metalen > XDP_META_MAX)
        return ERR(-EACCES);
    x->data_meta = (uint8_t *)meta;
    return 0;
}

/* bpf_xdp_adjust_tail(xdp, offset): on a linear packet data_end moves by
 * offset within the frame less its shared-info tailroom, keeping an
 * Ethernet header; grown bytes are zeroed; -EINVAL otherwise.  With
 * fragments the last fragment grows or the fragments shrink from the end
 * (xdp_frags.c). */
static uint64_t hlp_xdp_adjust_tail(uint64_t r1, uint64_t r2, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_adjust_tail");
    int32_t off = (int32_t)r2;
    intptr_t end;
    (void)c, (void)d, (void)e;

    if (!x)
        return 0;
    if (x->nr_frags)
        return ERR(hlp_xdp_frags_adjust_tail(x, off));
    end = A(x->data_end) + off;
    if (end > A(x->data_hard_start) + (intptr_t)x->frame_sz - XDP_SHINFO_SIZE)
        return ERR(-EINVAL);
    if (end < A(x->data) + XDP_ETH_HLEN)
        return ERR(-EINVAL);
    if (off > 0)
        memset(x->data_end, 0, (size_t)off);
    x->data_end = (uint8_t *)end;
    return 0;
}

/* bpf_xdp_get_buff_len(xdp): the packet's bytes, fragments included. */
static uint64_t hlp_xdp_get_buff_len(uint64_t r1, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_get_buff_len");
    (void)b, (void)c, (void)d, (void)e;

    return x ? hlp_xdp_buff_len(x) : 0;
}

/* bpf_xdp_pointer's checks: -EFAULT for an offset or length above 0xffff,
 * -EINVAL for bytes past the packet. */
static int xdp_bytes(struct pt_xdp_kctx *x, uint32_t off, uint32_t len)
{
    if (off > 0xffff || len > 0xffff)
        return -EFAULT;
    if ((uint64_t)off + len > hlp_xdp_buff_len(x))
        return -EINVAL;
    return 0;
}

/* bpf_xdp_load_bytes(xdp, offset, buf, len) (buf is left alone on error) */
static uint64_t hlp_xdp_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_load_bytes");
    uint32_t len = (uint32_t)r4;
    int err;
    (void)e;

    if (!x || hlp_arg_mem(run, r3, len, 1, "xdp_load_bytes", "r3 (buf)"))
        return 0;
    err = xdp_bytes(x, (uint32_t)r2, len);
    if (err)
        return ERR(err);
    hlp_xdp_copy(x, (uint32_t)r2, (uint8_t *)(uintptr_t)r3, len, 0);
    return 0;
}

/* bpf_xdp_store_bytes(xdp, offset, buf, len) */
static uint64_t hlp_xdp_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t e, struct rt_run *run)
{
    struct pt_xdp_kctx *x = xdp_ctx(run, r1, "xdp_store_bytes");
    uint32_t len = (uint32_t)r4;
    int err;
    (void)e;

    if (!x || hlp_arg_mem(run, r3, len, 0, "xdp_store_bytes", "r3 (buf)"))
        return 0;
    err = xdp_bytes(x, (uint32_t)r2, len);
    if (err)
        return ERR(err);
    hlp_xdp_copy(x, (uint32_t)r2, (uint8_t *)(uintptr_t)r3, len, 1);
    return 0;
}

static const struct hlp_desc hlp_xdp_table[] = {
    {BPF_FUNC_redirect_map, "redirect_map", hlp_redirect_map, 0},
    {BPF_FUNC_xdp_adjust_head, "xdp_adjust_head", hlp_xdp_adjust_head, 0},
    {BPF_FUNC_xdp_adjust_meta, "xdp_adjust_meta", hlp_xdp_adjust_meta, 0},
    {BPF_FUNC_xdp_adjust_tail, "xdp_adjust_tail", hlp_xdp_adjust_tail, 0},
    {BPF_FUNC_xdp_get_buff_len, "xdp_get_buff_len", hlp_xdp_get_buff_len, 0},
    {BPF_FUNC_xdp_load_bytes, "xdp_load_bytes", hlp_xdp_load_bytes, 0},
    {BPF_FUNC_xdp_store_bytes, "xdp_store_bytes", hlp_xdp_store_bytes, 0},
};
HLP_TABLE(hlp_xdp_tab, hlp_xdp_table);
