/* pt_skb.c - the types whose context is struct __sk_buff (linux/bpf.h):
 * socket filters, tc classifiers and actions, cgroup skb programs.
 * Helper sets as the kernel's sk_filter_func_proto, tc_cls_act_func_proto
 * and cg_skb_func_proto (net/core/filter.c); return codes as the hooks
 * read them (TC_ACT_* of linux/pkt_cls.h for tc). */
#include <linux/pkt_cls.h>

#include "ctx.h"
#include "progtypes.h"

#define A(x) ((int)(x))

static int skb_common(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_skb_load_bytes:
    case BPF_FUNC_skb_load_bytes_relative:
    case BPF_FUNC_get_socket_cookie:
    case BPF_FUNC_get_socket_uid:
    case BPF_FUNC_perf_event_output: /* bpf_skb_event_output */
        return 1;
    default: return pt_helpers_base(id);
    }
}

static int socket_filter_helper_allowed(uint32_t id)
{
    return skb_common(id);
}

static int tc_helper_allowed(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_skb_store_bytes:
    case BPF_FUNC_skb_pull_data:
    case BPF_FUNC_csum_diff:
    case BPF_FUNC_csum_update:
    case BPF_FUNC_csum_level:
    case BPF_FUNC_set_hash_invalid:
    case BPF_FUNC_l3_csum_replace:
    case BPF_FUNC_l4_csum_replace:
    case BPF_FUNC_clone_redirect:
    case BPF_FUNC_get_cgroup_classid:
    case BPF_FUNC_skb_vlan_push:
    case BPF_FUNC_skb_vlan_pop:
    case BPF_FUNC_skb_change_proto:
    case BPF_FUNC_skb_change_type:
    case BPF_FUNC_skb_adjust_room:
    case BPF_FUNC_skb_change_tail:
    case BPF_FUNC_skb_change_head:
    case BPF_FUNC_skb_get_tunnel_key:
    case BPF_FUNC_skb_set_tunnel_key:
    case BPF_FUNC_skb_get_tunnel_opt:
    case BPF_FUNC_skb_set_tunnel_opt:
    case BPF_FUNC_redirect:
    case BPF_FUNC_redirect_neigh:
    case BPF_FUNC_redirect_peer:
    case BPF_FUNC_get_route_realm:
    case BPF_FUNC_get_hash_recalc:
    case BPF_FUNC_set_hash:
    case BPF_FUNC_skb_under_cgroup:
    case BPF_FUNC_fib_lookup:
    case BPF_FUNC_check_mtu:
    case BPF_FUNC_skb_get_xfrm_state:
    case BPF_FUNC_skb_cgroup_classid:
    case BPF_FUNC_skb_cgroup_id:
    case BPF_FUNC_skb_ancestor_cgroup_id:
    case BPF_FUNC_sk_lookup_tcp:
    case BPF_FUNC_sk_lookup_udp:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_tcp_sock:
    case BPF_FUNC_sk_fullsock:
    case BPF_FUNC_get_listener_sock:
    case BPF_FUNC_skc_lookup_tcp:
    case BPF_FUNC_tcp_check_syncookie:
    case BPF_FUNC_skb_ecn_set_ce:
    case BPF_FUNC_tcp_gen_syncookie:
    case BPF_FUNC_sk_assign:
    case BPF_FUNC_skb_set_tstamp:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv6:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv6: return 1;
    default: return skb_common(id);
    }
}

static int cgroup_skb_helper_allowed(uint32_t id)
{
    switch (id) {
    case BPF_FUNC_get_local_storage:
    case BPF_FUNC_sk_fullsock:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_skb_cgroup_id:
    case BPF_FUNC_skb_ancestor_cgroup_id:
    case BPF_FUNC_sk_cgroup_id:
    case BPF_FUNC_sk_ancestor_cgroup_id:
    case BPF_FUNC_sk_lookup_tcp:
    case BPF_FUNC_sk_lookup_udp:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_skc_lookup_tcp:
    case BPF_FUNC_tcp_sock:
    case BPF_FUNC_get_listener_sock:
    case BPF_FUNC_skb_ecn_set_ce: return 1;
    default: return skb_common(id);
    }
}

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
    SKB_CTX, .helper_allowed = socket_filter_helper_allowed,
    .is_valid_access = pt_socket_filter_is_valid_access,
};
const struct pt_desc pt_sched_cls = {
    .type = BPF_PROG_TYPE_SCHED_CLS, .name = "sched_cls", .secs = tc_secs, .nr_secs = N(tc_secs), SKB_CTX,
    .is_valid_access = pt_tc_is_valid_access,
    .helper_allowed = tc_helper_allowed, .retcodes = tc_retcodes, .nr_retcodes = N(tc_retcodes),
};
const struct pt_desc pt_sched_act = {
    .type = BPF_PROG_TYPE_SCHED_ACT, .name = "sched_act", .secs = action_secs, .nr_secs = N(action_secs), SKB_CTX,
    .is_valid_access = pt_tc_is_valid_access,
    .helper_allowed = tc_helper_allowed, .retcodes = tc_retcodes, .nr_retcodes = N(tc_retcodes),
};
const struct pt_desc pt_cgroup_skb = {
    .type = BPF_PROG_TYPE_CGROUP_SKB, .name = "cgroup_skb", .secs = cgroup_skb_secs, .nr_secs = N(cgroup_skb_secs),
    SKB_CTX, .helper_allowed = cgroup_skb_helper_allowed, .retcodes = cgroup_skb_retcodes,
    .nr_retcodes = N(cgroup_skb_retcodes),
    .is_valid_access = pt_cgroup_skb_is_valid_access, .ret_range = pt_cgroup_skb_ret_range,
};
