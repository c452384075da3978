/* ctx_xdp.c - the context rules of XDP programs (struct xdp_md) and the
 * conversion of their context loads to struct pt_xdp_kctx.
 *
 * Kernel behaviour matched (net/core/filter.c, xdp_is_valid_access and
 * xdp_convert_ctx_access; the running kernel decides where versions
 * differ):
 *  - every field is a 32-bit word read whole: no narrow loads, no 8-byte
 *    loads, no misaligned ones;
 *  - data, data_meta and data_end give packet, packet-meta and packet-end
 *    pointers although the UAPI fields are 32 bits wide: the conversion
 *    turns the 32-bit load into a 64-bit one;
 *  - egress_ifindex exists only for programs attached to a devmap
 *    (expected attach type BPF_XDP_DEVMAP);
 *  - nothing is writable (the kernel lets device-bound (offloaded)
 *    programs write rx_queue_index; bpfrt loads none);
 *  - any return value: the kernel does not range-check XDP's r0 (a value
 *    above XDP_REDIRECT is treated as XDP_ABORTED at run time). */
#include <errno.h>

#include "ctx.h"

int pt_xdp_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic)
        return 0;
    if (a->off >= sizeof(struct xdp_md) || a->off % a->size != 0 || a->size != 4)
        return 0;
    if (a->off == offsetof(struct xdp_md, egress_ifindex) && a->attach != BPF_XDP_DEVMAP)
        return 0;
    if (a->write)
        return 0;
    switch (a->off) {
    case offsetof(struct xdp_md, data): return pt_ok(res, PT_REG_PKT, 0);
    case offsetof(struct xdp_md, data_meta): return pt_ok(res, PT_REG_PKT_META, 0);
    case offsetof(struct xdp_md, data_end): return pt_ok(res, PT_REG_PKT_END, 0);
    default: return pt_ok(res, PT_REG_SCALAR, 0);
    }
}

int pt_xdp_convert_access(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *out, size_t max)
{
    int sz;
    int16_t off;

    (void)ctx_field_size; /* no narrow loads in xdp_md */
    if (max < 1)
        return -ENOSPC;
    if (BPF_CLASS(in->code) != BPF_LDX || pt_insn_bytes(in) != 4)
        return -EINVAL;
    switch (in->off) {
    case offsetof(struct xdp_md, data): sz = BPF_DW, off = offsetof(struct pt_xdp_kctx, data); break;
    case offsetof(struct xdp_md, data_end): sz = BPF_DW, off = offsetof(struct pt_xdp_kctx, data_end); break;
    case offsetof(struct xdp_md, data_meta): sz = BPF_DW, off = offsetof(struct pt_xdp_kctx, data_meta); break;
    case offsetof(struct xdp_md, ingress_ifindex):
        sz = BPF_W, off = offsetof(struct pt_xdp_kctx, ingress_ifindex);
        break;
    case offsetof(struct xdp_md, rx_queue_index): sz = BPF_W, off = offsetof(struct pt_xdp_kctx, rx_queue_index); break;
    case offsetof(struct xdp_md, egress_ifindex): sz = BPF_W, off = offsetof(struct pt_xdp_kctx, egress_ifindex); break;
    default: return -EINVAL;
    }
    out[0] = PT_LDX(sz, in->dst_reg, in->src_reg, off);
    return 1;
}
