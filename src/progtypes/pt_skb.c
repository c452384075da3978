/* pt_skb.c - the types whose context is struct __sk_buff (linux/bpf.h):
 * socket filters, tc classifiers and actions, cgroup skb programs.
 * Helper sets as the kernel's sk_filter_func_proto, tc_cls_act_func_proto
 * and cg_skb_func_proto (net/core/filter.c); return codes as the hooks
 * read them (TC_ACT_* of linux/pkt_cls.h for tc). */
#include <linux/pkt_cls.h>

#include "ctx.h"
#include "progtypes.h"
#include "pt_funcs.h"
#include "testrun.h"

#define A(x) ((int)(x))

static const struct pt_retcode tc_retcodes[] = {
    {(uint64_t)(int64_t)TC_ACT_UNSPEC, "TC_ACT_UNSPEC"},
    {TC_ACT_OK, "TC_ACT_OK"},
    {TC_ACT_RECLASSIFY, "TC_ACT_RECLASSIFY"},
    {TC_ACT_SHOT, "TC_ACT_SHOT"},
    {TC_ACT_PIPE, "TC_ACT_PIPE"},
    {TC_ACT_STOLEN, "TC_ACT_STOLEN"},
    {TC_ACT_QUEUED, "TC_ACT_QUEUED"},
    {TC_ACT_REPEAT, "TC_ACT_REPEAT"},
    {TC_ACT_REDIRECT, "TC_ACT_REDIRECT"},
    {TC_ACT_TRAP, "TC_ACT_TRAP"},
};
/* cgroup skb: bit 0 allows the packet (__cgroup_bpf_run_filter_skb). */
static const struct pt_retcode cgroup_skb_retcodes[] = {{0, "drop"}, {1, "allow"}};

static const struct pt_secdef socket_secs[] = {{"socket", 0}};
static const struct pt_secdef tc_secs[] = {
    {"tc/ingress", PT_ATTACH_TCX_INGRESS},     {"tc/egress", PT_ATTACH_TCX_EGRESS},
    {"tcx/ingress", PT_ATTACH_TCX_INGRESS},    {"tcx/egress", PT_ATTACH_TCX_EGRESS},
    {"tc+", 0},                                {"classifier+", 0},
    {"netkit/primary", PT_ATTACH_NETKIT_PRIMARY}, {"netkit/peer", PT_ATTACH_NETKIT_PEER},
};
static const struct pt_secdef action_secs[] = {{"action+", 0}};
static const struct pt_secdef cgroup_skb_secs[] = {
    {"cgroup_skb/ingress", A(BPF_CGROUP_INET_INGRESS)},
    {"cgroup_skb/egress", A(BPF_CGROUP_INET_EGRESS)},
    {"cgroup/skb", 0},
};

#define SKB_CTX .ctx_struct = "__sk_buff", .ctx_size = sizeof(struct __sk_buff), .convert_access = pt_skb_convert_access
#define N(a) (sizeof(a) / sizeof(a[0]))

/* A socket filter returns how many bytes of the packet to keep (0 drops
 * it): a length, not a code, so no names. */
const struct pt_desc pt_socket_filter = {
    .type = BPF_PROG_TYPE_SOCKET_FILTER, .name = "socket_filter", .secs = socket_secs, .nr_secs = N(socket_secs),
    SKB_CTX, .func_proto = pt_fp_socket_filter, .is_valid_access = pt_socket_filter_is_valid_access,
    .build_ctx = pt_socket_filter_build_ctx, .finish_ctx = pt_skb_finish_ctx,
};
const struct pt_desc pt_sched_cls = {
    .type = BPF_PROG_TYPE_SCHED_CLS, .name = "sched_cls", .secs = tc_secs, .nr_secs = N(tc_secs), SKB_CTX,
    .func_proto = pt_fp_tc, .retcodes = tc_retcodes, .nr_retcodes = N(tc_retcodes),
    .is_valid_access = pt_tc_is_valid_access, .build_ctx = pt_tc_build_ctx, .finish_ctx = pt_skb_finish_ctx,
};
const struct pt_desc pt_sched_act = {
    .type = BPF_PROG_TYPE_SCHED_ACT, .name = "sched_act", .secs = action_secs, .nr_secs = N(action_secs), SKB_CTX,
    .func_proto = pt_fp_tc, .retcodes = tc_retcodes, .nr_retcodes = N(tc_retcodes),
    .is_valid_access = pt_tc_is_valid_access, .build_ctx = pt_tc_build_ctx, .finish_ctx = pt_skb_finish_ctx,
};
const struct pt_desc pt_cgroup_skb = {
    .type = BPF_PROG_TYPE_CGROUP_SKB, .name = "cgroup_skb", .secs = cgroup_skb_secs, .nr_secs = N(cgroup_skb_secs),
    SKB_CTX, .func_proto = pt_fp_cgroup_skb, .retcodes = cgroup_skb_retcodes,
    .nr_retcodes = N(cgroup_skb_retcodes),
    .is_valid_access = pt_cgroup_skb_is_valid_access, .ret_range = pt_cgroup_skb_ret_range,
    .build_ctx = pt_cgroup_skb_build_ctx, .finish_ctx = pt_skb_finish_ctx,
};
