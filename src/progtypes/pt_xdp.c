/* pt_xdp.c - BPF_PROG_TYPE_XDP: context struct xdp_md (linux/bpf.h),
 * return codes enum xdp_action, helpers as the kernel's xdp_func_proto
 * (net/core/filter.c). */
#include "ctx.h"
#include "progtypes.h"
#include "pt_funcs.h"
#include "testrun.h"

static const struct pt_secdef xdp_secs[] = {
    {"xdp.frags/devmap", BPF_XDP_DEVMAP}, {"xdp/devmap", BPF_XDP_DEVMAP}, {"xdp.frags/cpumap", BPF_XDP_CPUMAP},
    {"xdp/cpumap", BPF_XDP_CPUMAP},       {"xdp.frags", BPF_XDP},         {"xdp+", BPF_XDP},
};

static const struct pt_retcode xdp_retcodes[] = {
    {XDP_ABORTED, "XDP_ABORTED"}, {XDP_DROP, "XDP_DROP"},         {XDP_PASS, "XDP_PASS"},
    {XDP_TX, "XDP_TX"},           {XDP_REDIRECT, "XDP_REDIRECT"},
};

const struct pt_desc pt_xdp = {
    .type = BPF_PROG_TYPE_XDP,
    .name = "xdp",
    .secs = xdp_secs,
    .nr_secs = sizeof(xdp_secs) / sizeof(xdp_secs[0]),
    .ctx_struct = "xdp_md",
    .ctx_size = sizeof(struct xdp_md),
    .func_proto = pt_fp_xdp,
    .is_valid_access = pt_xdp_is_valid_access, /* ctx_xdp.c; any return value (no ret_range) */
    .convert_access = pt_xdp_convert_access,
    .retcodes = xdp_retcodes,
    .nr_retcodes = sizeof(xdp_retcodes) / sizeof(xdp_retcodes[0]),
    .build_ctx = pt_xdp_build_ctx, /* testrun.c */
    .finish_ctx = pt_xdp_finish_ctx,
};
