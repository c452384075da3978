/* pt_funcs_net.c - the helper sets of the networking types, as the
 * kernel's func_proto functions of net/core/filter.c give them: socket
 * filters, tc, XDP, cgroup skb, lightweight tunnels, sock_ops, sk_skb,
 * sk_msg, flow dissector, sk_reuseport, sk_lookup, netfilter, lirc. */
#include <linux/bpf.h>

#include "pt_funcs.h"

/* sk_filter_func_proto: socket filters, and what cgroup skb adds to */
const struct hlp_proto *pt_fp_socket_filter(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_skb_load_bytes:
    case BPF_FUNC_skb_load_bytes_relative:
    case BPF_FUNC_get_socket_cookie:
    case BPF_FUNC_get_socket_uid: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "skb");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "skb"); /* 6.18 */
    default: return pt_fp_sk_base(id, priv);
    }
}

/* tc_cls_act_func_proto: sched_cls and sched_act */
const struct hlp_proto *pt_fp_tc(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_skb_store_bytes:
    case BPF_FUNC_skb_load_bytes:
    case BPF_FUNC_skb_load_bytes_relative:
    case BPF_FUNC_skb_pull_data:
    case BPF_FUNC_csum_diff:
    case BPF_FUNC_csum_update:
    case BPF_FUNC_csum_level:
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
    case BPF_FUNC_set_hash_invalid:
    case BPF_FUNC_set_hash:
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_skb_under_cgroup:
    case BPF_FUNC_get_socket_cookie:
    case BPF_FUNC_get_socket_uid:
    case BPF_FUNC_fib_lookup:
    case BPF_FUNC_check_mtu:
    case BPF_FUNC_sk_fullsock:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_skb_get_xfrm_state:
    case BPF_FUNC_skb_cgroup_classid:
    case BPF_FUNC_skb_cgroup_id:
    case BPF_FUNC_skb_ancestor_cgroup_id:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_tcp_sock:
    case BPF_FUNC_get_listener_sock:
    case BPF_FUNC_tcp_check_syncookie:
    case BPF_FUNC_skb_ecn_set_ce:
    case BPF_FUNC_tcp_gen_syncookie:
    case BPF_FUNC_sk_assign:
    case BPF_FUNC_skb_set_tstamp:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv6:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv6: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "skb");
    case BPF_FUNC_sk_lookup_tcp: return PT_V(sk_lookup_tcp, "tc");
    case BPF_FUNC_sk_lookup_udp: return PT_V(sk_lookup_udp, "tc");
    case BPF_FUNC_skc_lookup_tcp: return PT_V(skc_lookup_tcp, "tc");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "skb"); /* 6.18 */
    default: return pt_fp_sk_base(id, priv);
    }
}

/* xdp_func_proto */
const struct hlp_proto *pt_fp_xdp(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_csum_diff:
    case BPF_FUNC_xdp_adjust_head:
    case BPF_FUNC_xdp_adjust_meta:
    case BPF_FUNC_redirect_map:
    case BPF_FUNC_xdp_adjust_tail:
    case BPF_FUNC_xdp_get_buff_len:
    case BPF_FUNC_xdp_load_bytes:
    case BPF_FUNC_xdp_store_bytes:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_tcp_check_syncookie:
    case BPF_FUNC_tcp_gen_syncookie:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_gen_syncookie_ipv6:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv4:
    case BPF_FUNC_tcp_raw_check_syncookie_ipv6: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "xdp");
    case BPF_FUNC_redirect: return PT_V(redirect, "xdp");
    case BPF_FUNC_fib_lookup: return PT_V(fib_lookup, "xdp");
    case BPF_FUNC_check_mtu: return PT_V(check_mtu, "xdp");
    case BPF_FUNC_sk_lookup_udp: return PT_V(sk_lookup_udp, "xdp");
    case BPF_FUNC_sk_lookup_tcp: return PT_V(sk_lookup_tcp, "xdp");
    case BPF_FUNC_skc_lookup_tcp: return PT_V(skc_lookup_tcp, "xdp");
    default: return pt_fp_sk_base(id, priv);
    }
}

/* cg_skb_func_proto: cgroup_common, its own, then sk_filter's */
const struct hlp_proto *pt_fp_cgroup_skb(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = pt_fp_cgroup_common(id, attach);

    if (p)
        return p;
    switch (id) {
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
    case BPF_FUNC_skb_ecn_set_ce: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "skb");
    default: return pt_fp_socket_filter(id, attach, priv);
    }
}

/* lwt_out_func_proto, which lwt_in, lwt_xmit and lwt_seg6local extend */
const struct hlp_proto *pt_fp_lwt_out(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_skb_load_bytes:
    case BPF_FUNC_skb_pull_data:
    case BPF_FUNC_csum_diff:
    case BPF_FUNC_get_cgroup_classid:
    case BPF_FUNC_get_route_realm:
    case BPF_FUNC_get_hash_recalc:
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_skb_under_cgroup: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "skb");
    default: return pt_fp_sk_base(id, priv);
    }
}

const struct hlp_proto *pt_fp_lwt_in(uint32_t id, int attach, int priv)
{
    if (id == BPF_FUNC_lwt_push_encap)
        return hlp_proto(id); /* the default is bpf_lwt_in_push_encap */
    return pt_fp_lwt_out(id, attach, priv);
}

const struct hlp_proto *pt_fp_lwt_xmit(uint32_t id, int attach, int priv)
{
    switch (id) {
    case BPF_FUNC_skb_get_tunnel_key:
    case BPF_FUNC_skb_set_tunnel_key:
    case BPF_FUNC_skb_get_tunnel_opt:
    case BPF_FUNC_skb_set_tunnel_opt:
    case BPF_FUNC_redirect:
    case BPF_FUNC_clone_redirect:
    case BPF_FUNC_skb_change_tail:
    case BPF_FUNC_skb_change_head:
    case BPF_FUNC_skb_store_bytes:
    case BPF_FUNC_csum_update:
    case BPF_FUNC_csum_level:
    case BPF_FUNC_l3_csum_replace:
    case BPF_FUNC_l4_csum_replace:
    case BPF_FUNC_set_hash_invalid: return hlp_proto(id);
    case BPF_FUNC_lwt_push_encap: return PT_V(lwt_push_encap, "lwt_xmit");
    default: return pt_fp_lwt_out(id, attach, priv);
    }
}

const struct hlp_proto *pt_fp_lwt_seg6local(uint32_t id, int attach, int priv)
{
    /* (6.1 refused bpf_skb_pull_data here; 6.18 offers it, as lwt_out does) */
    switch (id) {
    case BPF_FUNC_lwt_seg6_store_bytes:
    case BPF_FUNC_lwt_seg6_action:
    case BPF_FUNC_lwt_seg6_adjust_srh: return hlp_proto(id);
    default: return pt_fp_lwt_out(id, attach, priv);
    }
}

/* sock_ops_func_proto */
const struct hlp_proto *pt_fp_sock_ops(uint32_t id, int attach, int priv)
{
    const struct hlp_proto *p = pt_fp_cgroup_common(id, attach);

    if (p)
        return p;
    switch (id) {
    case BPF_FUNC_setsockopt: return PT_V(setsockopt, "sock_ops");
    case BPF_FUNC_getsockopt: return PT_V(getsockopt, "sock_ops");
    case BPF_FUNC_get_socket_cookie: return PT_V(get_socket_cookie, "sock_ops");
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "sock_ops");
    case BPF_FUNC_sock_ops_cb_flags_set:
    case BPF_FUNC_sock_map_update:
    case BPF_FUNC_sock_hash_update:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_load_hdr_opt:
    case BPF_FUNC_store_hdr_opt:
    case BPF_FUNC_reserve_hdr_opt:
    case BPF_FUNC_tcp_sock: return hlp_proto(id);
    default: return pt_fp_sk_base(id, priv);
    }
}

/* sk_msg_func_proto */
const struct hlp_proto *pt_fp_sk_msg(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_msg_redirect_map:
    case BPF_FUNC_msg_redirect_hash:
    case BPF_FUNC_msg_apply_bytes:
    case BPF_FUNC_msg_cork_bytes:
    case BPF_FUNC_msg_pull_data:
    case BPF_FUNC_msg_push_data:
    case BPF_FUNC_msg_pop_data:
    case BPF_FUNC_get_current_uid_gid:
    case BPF_FUNC_get_current_pid_tgid:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_get_current_cgroup_id:
    case BPF_FUNC_get_current_ancestor_cgroup_id: return hlp_proto(id);
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    case BPF_FUNC_get_netns_cookie: return PT_V(get_netns_cookie, "sk_msg");
    case BPF_FUNC_get_cgroup_classid: return PT_V(get_cgroup_classid, "curr");
    default: return pt_fp_sk_base(id, priv);
    }
}

/* sk_skb_func_proto */
const struct hlp_proto *pt_fp_sk_skb(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_skb_store_bytes:
    case BPF_FUNC_skb_load_bytes:
    case BPF_FUNC_get_socket_cookie:
    case BPF_FUNC_get_socket_uid:
    case BPF_FUNC_sk_redirect_map:
    case BPF_FUNC_sk_redirect_hash:
    case BPF_FUNC_sk_lookup_tcp:
    case BPF_FUNC_sk_lookup_udp:
    case BPF_FUNC_sk_release:
    case BPF_FUNC_skc_lookup_tcp: return hlp_proto(id);
    case BPF_FUNC_skb_pull_data: return PT_V(skb_pull_data, "sk_skb");
    case BPF_FUNC_skb_change_tail: return PT_V(skb_change_tail, "sk_skb");
    case BPF_FUNC_skb_change_head: return PT_V(skb_change_head, "sk_skb");
    case BPF_FUNC_skb_adjust_room: return PT_V(skb_adjust_room, "sk_skb");
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "skb");
    default: return pt_fp_sk_base(id, priv);
    }
}

/* flow_dissector_func_proto */
const struct hlp_proto *pt_fp_flow_dissector(uint32_t id, int attach, int priv)
{
    (void)attach;
    if (id == BPF_FUNC_skb_load_bytes)
        return PT_V(skb_load_bytes, "flow_dissector");
    return pt_fp_sk_base(id, priv);
}

/* sk_reuseport_func_proto (on bpf_base_func_proto, not the sk base) */
const struct hlp_proto *pt_fp_sk_reuseport(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_sk_select_reuseport:
    case BPF_FUNC_ktime_get_coarse_ns: return hlp_proto(id);
    case BPF_FUNC_skb_load_bytes: return PT_V(skb_load_bytes, "sk_reuseport");
    case BPF_FUNC_skb_load_bytes_relative: return PT_V(skb_load_bytes_relative, "sk_reuseport");
    case BPF_FUNC_get_socket_cookie: return PT_V(get_socket_cookie, "ptr");
    default: return pt_fp_base(id, priv);
    }
}

/* sk_lookup_func_proto */
const struct hlp_proto *pt_fp_sk_lookup(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "data");
    case BPF_FUNC_sk_assign: return PT_V(sk_assign, "sk_lookup");
    case BPF_FUNC_sk_release: return hlp_proto(id);
    default: return pt_fp_sk_base(id, priv);
    }
}

/* bpf_nf_func_proto (net/netfilter/nf_bpf_link.c, 6.4+): the base set */
const struct hlp_proto *pt_fp_netfilter(uint32_t id, int attach, int priv)
{
    (void)attach;
    return pt_fp_base(id, priv);
}

/* lirc_mode2_func_proto (drivers/media/rc/bpf-lirc.c) */
const struct hlp_proto *pt_fp_lirc(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_rc_repeat:
    case BPF_FUNC_rc_keydown:
    case BPF_FUNC_rc_pointer_rel:
    case BPF_FUNC_map_lookup_elem:
    case BPF_FUNC_map_update_elem:
    case BPF_FUNC_map_delete_elem:
    case BPF_FUNC_map_push_elem:
    case BPF_FUNC_map_pop_elem:
    case BPF_FUNC_map_peek_elem:
    case BPF_FUNC_ktime_get_ns:
    case BPF_FUNC_ktime_get_boot_ns:
    case BPF_FUNC_tail_call:
    case BPF_FUNC_get_prandom_u32: return hlp_proto(id);
    case BPF_FUNC_trace_printk: return priv ? hlp_proto(id) : NULL;
    default: return NULL;
    }
}
