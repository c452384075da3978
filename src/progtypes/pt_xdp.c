/* pt_xdp.c - BPF_PROG_TYPE_XDP: context struct xdp_md (linux/bpf.h),
 * return codes enum xdp_action, helpers as the kernel's xdp_func_proto
 * (net/core/filter.c). */
#include "ctx.h"
#include "progtypes.h"

static const struct pt_secdef xdp_secs[] = {
    {"xdp.frags/devmap", BPF_XDP_DEVMAP}, {"xdp/devmap", BPF_XDP_DEVMAP}, {"xdp.frags/cpumap", BPF_XDP_CPUMAP},
    {"xdp/cpumap", BPF_XDP_CPUMAP},       {"xdp.frags", BPF_XDP},         {"xdp+", BPF_XDP},
};

static const struct pt_retcode xdp_retcodes[] = {
    {XDP_ABORTED, "XDP_ABORTED"}, {XDP_DROP, "XDP_DROP"},         {XDP_PASS, "XDP_PASS"},
    {XDP_TX, "XDP_TX"},           {XDP_REDIRECT, "XDP_REDIRECT"},
};

static int xdp_helper_allowed(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_perf_event_output: /* bpf_xdp_event_output */
    case BPF_FUNC_csum_diff:
    case BPF_FUNC_xdp_adjust_head:
    case BPF_FUNC_xdp_adjust_meta:
    case BPF_FUNC_redirect:
    case BPF_FUNC_redirect_map:
    case BPF_FUNC_xdp_adjust_tail:
    case BPF_FUNC_xdp_get_buff_len:
    case BPF_FUNC_xdp_load_bytes:
    case BPF_FUNC_xdp_store_bytes:
    case BPF_FUNC_fib_lookup:
    case BPF_FUNC_check_mtu:
    case BPF_FUNC_sk_lookup_udp:
    case BPF_FUNC_sk_lookup_tcp:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_skc_lookup_tcp:
    case BPF_FUNC_tcp_check_syncookie:
    case BPF_FUNC_tcp_gen_syncookie:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv6:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv6: return 1;
    default: return pt_helpers_base(id);
    }
}

const struct pt_desc pt_xdp = {
    .type = BPF_PROG_TYPE_XDP,
    .name = "xdp",
    .secs = xdp_secs,
    .nr_secs = sizeof(xdp_secs) / sizeof(xdp_secs[0]),
    .ctx_struct = "xdp_md",
    .ctx_size = sizeof(struct xdp_md),
    .is_valid_access = pt_xdp_is_valid_access, /* ctx_xdp.c; any return value (no ret_range) */
    .convert_access = pt_xdp_convert_access,
    .helper_allowed = xdp_helper_allowed,
    .retcodes = xdp_retcodes,
    .nr_retcodes = sizeof(xdp_retcodes) / sizeof(xdp_retcodes[0]),
};
