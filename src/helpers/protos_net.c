/* protos_net.c - prototypes of the networking helpers (net/core/filter.c,
 * net/core/sock_map.c, net/core/bpf_sk_storage.c, net/ipv4/bpf_tcp_ca.c),
 * as kernel 6.1 defines them (struct bpf_func_proto).  Each row names the
 * kernel's bpf_func_proto it follows and the file defining it. */
#include "protos_internal.h"

/* clang-format off */
const struct hlp_proto hlp_protos_net[] = {
    /* bpf_skb_store_bytes_proto (net/core/filter.c) */
    R(skb_store_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_RDONLY, 0, 0}, .changes_pkt_data = 1),
    /* bpf_l3_csum_replace_proto (net/core/filter.c) */
    R(l3_csum_replace, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* bpf_l4_csum_replace_proto (net/core/filter.c) */
    R(l4_csum_replace, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* bpf_clone_redirect_proto (net/core/filter.c) */
    R(clone_redirect, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_get_cgroup_classid_proto (net/core/filter.c) */
    R(get_cgroup_classid, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_skb_vlan_push_proto (net/core/filter.c) */
    R(skb_vlan_push, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_skb_vlan_pop_proto (net/core/filter.c) */
    R(skb_vlan_pop, .ret = HR_INTEGER, .arg = {HA_CTX}, .changes_pkt_data = 1),
    /* bpf_skb_get_tunnel_key_proto (net/core/filter.c) */
    R(skb_get_tunnel_key, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0, 0}),
    /* bpf_skb_set_tunnel_key_proto (net/core/filter.c) */
    R(skb_set_tunnel_key, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0}),
    /* bpf_redirect_proto (net/core/filter.c) */
    R(redirect, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_ANYTHING}),
    /* bpf_get_route_realm_proto (net/core/filter.c) */
    R(get_route_realm, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_skb_load_bytes_proto (net/core/filter.c) */
    R(skb_load_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_csum_diff_proto (net/core/filter.c) */
    R(csum_diff, .ret = HR_INTEGER,
      .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_OR_NULL|HAF_RDONLY, 0, HAF_OR_NULL|HAF_RDONLY, 0, 0}, .pkt_access = 1),
    /* bpf_skb_get_tunnel_opt_proto (net/core/filter.c) */
    R(skb_get_tunnel_opt, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_skb_set_tunnel_opt_proto (net/core/filter.c) */
    R(skb_set_tunnel_opt, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, HAF_RDONLY, 0}),
    /* bpf_skb_change_proto_proto (net/core/filter.c) */
    R(skb_change_proto, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_skb_change_type_proto (net/core/filter.c) */
    R(skb_change_type, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_skb_under_cgroup_proto (net/core/filter.c) */
    R(skb_under_cgroup, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING}),
    /* bpf_get_hash_recalc_proto (net/core/filter.c) */
    R(get_hash_recalc, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_skb_change_tail_proto (net/core/filter.c) */
    R(skb_change_tail, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_skb_pull_data_proto (net/core/filter.c) */
    R(skb_pull_data, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_csum_update_proto (net/core/filter.c) */
    R(csum_update, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_set_hash_invalid_proto (net/core/filter.c) */
    R(set_hash_invalid, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_skb_change_head_proto (net/core/filter.c) */
    R(skb_change_head, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_xdp_adjust_head_proto (net/core/filter.c) */
    R(xdp_adjust_head, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_get_socket_cookie_proto (net/core/filter.c) */
    R(get_socket_cookie, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_socket_uid_proto (net/core/filter.c) */
    R(get_socket_uid, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_set_hash_proto (net/core/filter.c) */
    R(set_hash, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_sk_setsockopt_proto (net/core/filter.c) */
    R(setsockopt, .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}),
    /* bpf_skb_adjust_room_proto (net/core/filter.c) */
    R(skb_adjust_room, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* bpf_xdp_redirect_map_proto (net/core/filter.c) */
    R(redirect_map, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING, HA_ANYTHING}),
    /* bpf_sk_redirect_map_proto (net/core/sock_map.c) */
    R(sk_redirect_map, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_ANYTHING}),
    /* bpf_sock_map_update_proto (net/core/sock_map.c) */
    R(sock_map_update, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING}, .pkt_access = 1),
    /* bpf_xdp_adjust_meta_proto (net/core/filter.c) */
    R(xdp_adjust_meta, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_sk_getsockopt_proto (net/core/filter.c) */
    R(getsockopt, .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_sock_ops_cb_flags_set_proto (net/core/filter.c) */
    R(sock_ops_cb_flags_set, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_msg_redirect_map_proto (net/core/sock_map.c) */
    R(msg_redirect_map, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_ANYTHING}),
    /* bpf_msg_apply_bytes_proto (net/core/filter.c) */
    R(msg_apply_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_msg_cork_bytes_proto (net/core/filter.c) */
    R(msg_cork_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_msg_pull_data_proto (net/core/filter.c) */
    R(msg_pull_data, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_bind_proto (net/core/filter.c) */
    R(bind, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, HAF_RDONLY, 0}),
    /* bpf_xdp_adjust_tail_proto (net/core/filter.c) */
    R(xdp_adjust_tail, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_skb_get_xfrm_state_proto (net/core/filter.c) */
    R(skb_get_xfrm_state, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0, 0}),
    /* bpf_skb_load_bytes_relative_proto (net/core/filter.c) */
    R(skb_load_bytes_relative, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0, 0}),
    /* bpf_skb_fib_lookup_proto (net/core/filter.c) */
    R(fib_lookup, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_WRITE, 0, 0}, .gpl_only = 1), /* params written back (6.18 clobbers them) */
    /* bpf_sock_hash_update_proto (net/core/sock_map.c) */
    R(sock_hash_update, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING},
      .pkt_access = 1),
    /* bpf_msg_redirect_hash_proto (net/core/sock_map.c) */
    R(msg_redirect_hash, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING}),
    /* bpf_sk_redirect_hash_proto (net/core/sock_map.c) */
    R(sk_redirect_hash, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING}),
    /* bpf_lwt_in_push_encap_proto (net/core/filter.c) */
    R(lwt_push_encap, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_RDONLY, 0},
      .changes_pkt_data = 1),
    /* bpf_lwt_seg6_store_bytes_proto (net/core/filter.c) */
    R(lwt_seg6_store_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_RDONLY, 0},
      .changes_pkt_data = 1),
    /* bpf_lwt_seg6_adjust_srh_proto (net/core/filter.c) */
    R(lwt_seg6_adjust_srh, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_lwt_seg6_action_proto (net/core/filter.c) */
    R(lwt_seg6_action, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_RDONLY, 0},
      .changes_pkt_data = 1),
    /* bpf_skb_cgroup_id_proto (net/core/filter.c) */
    R(skb_cgroup_id, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* sk_select_reuseport_proto (net/core/filter.c) */
    R(sk_select_reuseport, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING}),
    /* bpf_skb_ancestor_cgroup_id_proto (net/core/filter.c) */
    R(skb_ancestor_cgroup_id, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_sk_lookup_tcp_proto (net/core/filter.c) */
    R(sk_lookup_tcp, .ret = HR_SOCKET_OR_NULL, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0, 0}, .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_sk_lookup_udp_proto (net/core/filter.c) */
    R(sk_lookup_udp, .ret = HR_SOCKET_OR_NULL, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0, 0}, .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_sk_release_proto (net/core/filter.c) */
    R(sk_release, .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON}, .ref = HREF_RELEASE, .release_arg = 0),
    /* bpf_msg_push_data_proto (net/core/filter.c) */
    R(msg_push_data, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_msg_pop_data_proto (net/core/filter.c) */
    R(msg_pop_data, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING}, .changes_pkt_data = 1),
    /* bpf_sk_fullsock_proto (net/core/filter.c) */
    R(sk_fullsock, .ret = HR_SOCKET_OR_NULL, .arg = {HA_SOCK_COMMON}),
    /* bpf_tcp_sock_proto (net/core/filter.c) */
    R(tcp_sock, .ret = HR_TCP_SOCK_OR_NULL, .arg = {HA_SOCK_COMMON}),
    /* bpf_skb_ecn_set_ce_proto (net/core/filter.c) */
    R(skb_ecn_set_ce, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_listener_sock_proto (net/core/filter.c) */
    R(get_listener_sock, .ret = HR_SOCKET_OR_NULL, .arg = {HA_SOCK_COMMON}),
    /* bpf_skc_lookup_tcp_proto (net/core/filter.c) */
    R(skc_lookup_tcp, .ret = HR_SOCK_COMMON_OR_NULL, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0, 0}, .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_tcp_check_syncookie_proto (net/core/filter.c) */
    R(tcp_check_syncookie, .ret = HR_INTEGER,
      .arg = {HA_BTF_ID_SOCK_COMMON, HA_MEM, HA_CONST_SIZE, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_RDONLY, 0, HAF_RDONLY, 0}, .gpl_only = 1, .pkt_access = 1),
    /* bpf_sk_storage_get_proto (net/core/bpf_sk_storage.c) */
    R(sk_storage_get, .ret = HR_MAP_VALUE_OR_NULL,
      .arg = {HA_CONST_MAP_PTR, HA_BTF_ID_SOCK_COMMON, HA_MAP_VALUE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}),
    /* bpf_sk_storage_delete_proto (net/core/bpf_sk_storage.c) */
    R(sk_storage_delete, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID_SOCK_COMMON}),
    /* bpf_tcp_gen_syncookie_proto (net/core/filter.c) */
    R(tcp_gen_syncookie, .ret = HR_INTEGER,
      .arg = {HA_BTF_ID_SOCK_COMMON, HA_MEM, HA_CONST_SIZE, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_RDONLY, 0, HAF_RDONLY, 0}, .gpl_only = 1, .pkt_access = 1),
    /* bpf_skb_output_proto (net/core/filter.c) */
    R(skb_output, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .arg_btf_type = {"sk_buff", NULL, NULL, NULL, NULL}, .gpl_only = 1),
    /* bpf_tcp_send_ack_proto (net/ipv4/bpf_tcp_ca.c) */
    R(tcp_send_ack, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_ANYTHING}, .arg_btf_type = {"tcp_sock", NULL}),
    /* bpf_xdp_output_proto (net/core/filter.c) */
    R(xdp_output, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .arg_btf_type = {"xdp_buff", NULL, NULL, NULL, NULL}, .gpl_only = 1),
    /* bpf_get_netns_cookie_sock_addr_proto (net/core/filter.c) */
    R(get_netns_cookie, .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_sk_assign_proto (net/core/filter.c) */
    R(sk_assign, .ret = HR_INTEGER, .arg = {HA_CTX, HA_BTF_ID_SOCK_COMMON, HA_ANYTHING}),
    /* bpf_sk_cgroup_id_proto (net/core/filter.c) */
    R(sk_cgroup_id, .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON}),
    /* bpf_sk_ancestor_cgroup_id_proto (net/core/filter.c) */
    R(sk_ancestor_cgroup_id, .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON, HA_ANYTHING}),
    /* bpf_csum_level_proto (net/core/filter.c) */
    R(csum_level, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}),
    /* bpf_skc_to_tcp6_sock_proto (net/core/filter.c) */
    R(skc_to_tcp6_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON}, .ret_btf_type = "tcp6_sock"),
    /* bpf_skc_to_tcp_sock_proto (net/core/filter.c) */
    R(skc_to_tcp_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON}, .ret_btf_type = "tcp_sock"),
    /* bpf_skc_to_tcp_timewait_sock_proto (net/core/filter.c) */
    R(skc_to_tcp_timewait_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON},
      .ret_btf_type = "tcp_timewait_sock"),
    /* bpf_skc_to_tcp_request_sock_proto (net/core/filter.c) */
    R(skc_to_tcp_request_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON},
      .ret_btf_type = "tcp_request_sock"),
    /* bpf_skc_to_udp6_sock_proto (net/core/filter.c) */
    R(skc_to_udp6_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON}, .ret_btf_type = "udp6_sock"),
    /* bpf_sock_ops_load_hdr_opt_proto (net/core/filter.c) */
    R(load_hdr_opt, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_WRITE, 0, 0}),
    /* bpf_sock_ops_store_hdr_opt_proto (net/core/filter.c) */
    R(store_hdr_opt, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0}, .changes_pkt_data = 1),
    /* bpf_sock_ops_reserve_hdr_opt_proto (net/core/filter.c) */
    R(reserve_hdr_opt, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}),
    /* bpf_skb_cgroup_classid_proto (net/core/filter.c) */
    R(skb_cgroup_classid, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_redirect_neigh_proto (net/core/filter.c) */
    R(redirect_neigh, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_OR_NULL|HAF_RDONLY, 0, 0}),
    /* bpf_redirect_peer_proto (net/core/filter.c) */
    R(redirect_peer, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_ANYTHING}),
    /* bpf_sock_from_file_proto (net/core/filter.c) */
    R(sock_from_file, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID}, .arg_btf_type = {"file"},
      .ret_btf_type = "socket"),
    /* bpf_skb_check_mtu_proto (net/core/filter.c) */
    R(check_mtu, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE, 0, 0}, .arg_size = {0, 0, 4, 0, 0},
      .gpl_only = 1),
    /* bpf_skc_to_unix_sock_proto (net/core/filter.c) */
    R(skc_to_unix_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_BTF_ID_SOCK_COMMON}, .ret_btf_type = "unix_sock"),
    /* bpf_xdp_get_buff_len_proto (net/core/filter.c) */
    R(xdp_get_buff_len, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_xdp_load_bytes_proto (net/core/filter.c) */
    R(xdp_load_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_xdp_store_bytes_proto (net/core/filter.c) */
    R(xdp_store_bytes, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_RDONLY, 0}),
    /* bpf_skb_set_tstamp_proto (net/core/filter.c) */
    R(skb_set_tstamp, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}),
    /* bpf_skc_to_mptcp_sock_proto (net/core/filter.c) */
    R(skc_to_mptcp_sock, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_SOCK_COMMON}, .ret_btf_type = "mptcp_sock"),
    /* bpf_tcp_raw_gen_syncookie_ipv4_proto (net/core/filter.c) */
    R(tcp_raw_gen_syncookie_ipv4, .ret = HR_INTEGER, .arg = {HA_MEM, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {HAF_FIXED, 0, 0}, .arg_size = {20, 0, 0}, .gpl_only = 1, .pkt_access = 1),
    /* bpf_tcp_raw_gen_syncookie_ipv6_proto (net/core/filter.c) */
    R(tcp_raw_gen_syncookie_ipv6, .ret = HR_INTEGER, .arg = {HA_MEM, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {HAF_FIXED, 0, 0}, .arg_size = {40, 0, 0}, .gpl_only = 1, .pkt_access = 1),
    /* bpf_tcp_raw_check_syncookie_ipv4_proto (net/core/filter.c) */
    R(tcp_raw_check_syncookie_ipv4, .ret = HR_INTEGER, .arg = {HA_MEM, HA_MEM}, .arg_flags = {HAF_FIXED, HAF_FIXED},
      .arg_size = {20, 20}, .gpl_only = 1, .pkt_access = 1),
    /* bpf_tcp_raw_check_syncookie_ipv6_proto (net/core/filter.c) */
    R(tcp_raw_check_syncookie_ipv6, .ret = HR_INTEGER, .arg = {HA_MEM, HA_MEM}, .arg_flags = {HAF_FIXED, HAF_FIXED},
      .arg_size = {40, 20}, .gpl_only = 1, .pkt_access = 1),
};
const unsigned hlp_nr_protos_net = sizeof(hlp_protos_net) / sizeof(hlp_protos_net[0]);

/* Variants: the other prototypes the kernel has for these ids (the program
 * types' func_proto choose them by name). */
const struct hlp_proto hlp_variants_net[] = {
    /* bpf_get_cgroup_classid_curr_proto (net/core/filter.c) */
    R(get_cgroup_classid, .variant = "curr", .ret = HR_INTEGER),
    /* bpf_xdp_redirect_proto (net/core/filter.c) */
    R(redirect, .variant = "xdp", .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_ANYTHING}),
    /* bpf_skb_event_output_proto (net/core/filter.c) */
    R(perf_event_output, .variant = "skb", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_xdp_event_output_proto (net/core/filter.c) */
    R(perf_event_output, .variant = "xdp", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_flow_dissector_load_bytes_proto (net/core/filter.c) */
    R(skb_load_bytes, .variant = "flow_dissector", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* sk_reuseport_load_bytes_proto (net/core/filter.c) */
    R(skb_load_bytes, .variant = "sk_reuseport", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* sk_skb_change_tail_proto (net/core/filter.c) */
    R(skb_change_tail, .variant = "sk_skb", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* sk_skb_pull_data_proto (net/core/filter.c) */
    R(skb_pull_data, .variant = "sk_skb", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .changes_pkt_data = 1),
    /* sk_skb_change_head_proto (net/core/filter.c) */
    R(skb_change_head, .variant = "sk_skb", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* bpf_get_socket_cookie_sock_addr_proto (net/core/filter.c) */
    R(get_socket_cookie, .variant = "sock_addr", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_socket_cookie_sock_ops_proto (net/core/filter.c) */
    R(get_socket_cookie, .variant = "sock_ops", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_socket_cookie_sock_proto (net/core/filter.c) */
    R(get_socket_cookie, .variant = "sock", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_socket_ptr_cookie_proto (net/core/filter.c) */
    R(get_socket_cookie, .variant = "ptr", .ret = HR_INTEGER, .arg = {HA_BTF_ID_SOCK_COMMON}),
    /* bpf_sock_ops_setsockopt_proto (net/core/filter.c) */
    R(setsockopt, .variant = "sock_ops", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, 0, 0, HAF_RDONLY, 0}),
    /* bpf_sock_addr_setsockopt_proto (net/core/filter.c) */
    R(setsockopt, .variant = "sock_addr", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, 0, 0, HAF_RDONLY, 0}),
    /* bpf_unlocked_sk_setsockopt_proto (net/core/filter.c) */
    R(setsockopt, .variant = "unlocked", .ret = HR_INTEGER,
      .arg = {HA_BTF_ID_SOCK_COMMON, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}),
    /* sk_skb_adjust_room_proto (net/core/filter.c) */
    R(skb_adjust_room, .variant = "sk_skb", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING},
      .changes_pkt_data = 1),
    /* bpf_sock_ops_getsockopt_proto (net/core/filter.c) */
    R(getsockopt, .variant = "sock_ops", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_sock_addr_getsockopt_proto (net/core/filter.c) */
    R(getsockopt, .variant = "sock_addr", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_unlocked_sk_getsockopt_proto (net/core/filter.c) */
    R(getsockopt, .variant = "unlocked", .ret = HR_INTEGER,
      .arg = {HA_BTF_ID_SOCK_COMMON, HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, 0, HAF_UNINIT|HAF_WRITE, 0}),
    /* sk_reuseport_load_bytes_relative_proto (net/core/filter.c) */
    R(skb_load_bytes_relative, .variant = "sk_reuseport", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0, 0}),
    /* bpf_xdp_fib_lookup_proto (net/core/filter.c) */
    R(fib_lookup, .variant = "xdp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_WRITE, 0, 0}, .gpl_only = 1), /* params written back (6.18 clobbers them) */
    /* bpf_lwt_xmit_push_encap_proto (net/core/filter.c) */
    R(lwt_push_encap, .variant = "lwt_xmit", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_RDONLY, 0}, .changes_pkt_data = 1),
    /* bpf_tc_sk_lookup_tcp_proto (net/core/filter.c) */
    R(sk_lookup_tcp, .variant = "tc", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_xdp_sk_lookup_tcp_proto (net/core/filter.c) */
    R(sk_lookup_tcp, .variant = "xdp", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_sock_addr_sk_lookup_tcp_proto (net/core/filter.c) */
    R(sk_lookup_tcp, .variant = "sock_addr", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .ref = HREF_ACQUIRE),
    /* bpf_tc_sk_lookup_udp_proto (net/core/filter.c) */
    R(sk_lookup_udp, .variant = "tc", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_xdp_sk_lookup_udp_proto (net/core/filter.c) */
    R(sk_lookup_udp, .variant = "xdp", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_sock_addr_sk_lookup_udp_proto (net/core/filter.c) */
    R(sk_lookup_udp, .variant = "sock_addr", .ret = HR_SOCKET_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .ref = HREF_ACQUIRE),
    /* bpf_tc_skc_lookup_tcp_proto (net/core/filter.c) */
    R(skc_lookup_tcp, .variant = "tc", .ret = HR_SOCK_COMMON_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_xdp_skc_lookup_tcp_proto (net/core/filter.c) */
    R(skc_lookup_tcp, .variant = "xdp", .ret = HR_SOCK_COMMON_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .pkt_access = 1, .ref = HREF_ACQUIRE),
    /* bpf_sock_addr_skc_lookup_tcp_proto (net/core/filter.c) */
    R(skc_lookup_tcp, .variant = "sock_addr", .ret = HR_SOCK_COMMON_OR_NULL,
      .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING}, .arg_flags = {0, HAF_RDONLY, 0, 0, 0},
      .ref = HREF_ACQUIRE),
    /* bpf_sk_storage_get_cg_sock_proto (net/core/bpf_sk_storage.c) */
    R(sk_storage_get, .variant = "cg_sock", .ret = HR_MAP_VALUE_OR_NULL,
      .arg = {HA_CONST_MAP_PTR, HA_CTX, HA_MAP_VALUE, HA_ANYTHING}, .arg_flags = {0, 0, HAF_OR_NULL, 0}),
    /* bpf_sk_storage_get_tracing_proto (net/core/bpf_sk_storage.c) */
    R(sk_storage_get, .variant = "tracing", .ret = HR_MAP_VALUE_OR_NULL,
      .arg = {HA_CONST_MAP_PTR, HA_BTF_ID, HA_MAP_VALUE, HA_ANYTHING}, .arg_flags = {0, HAF_OR_NULL, HAF_OR_NULL, 0},
      .arg_btf_type = {NULL, "sock", NULL, NULL}, .restricted = 1),
    /* bpf_sk_storage_delete_tracing_proto (net/core/bpf_sk_storage.c) */
    R(sk_storage_delete, .variant = "tracing", .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID},
      .arg_btf_type = {NULL, "sock"}, .restricted = 1),
    /* bpf_get_netns_cookie_proto (net/core/filter.c, 6.14+; not in 6.1): the skb types' (socket filters,
     * tc, cgroup skb), the context or NULL (the init namespace's cookie) */
    R(get_netns_cookie, .variant = "skb", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_get_netns_cookie_sock_addr_proto (net/core/filter.c) */
    R(get_netns_cookie, .variant = "sock_addr", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_get_netns_cookie_sock_proto (net/core/filter.c) */
    R(get_netns_cookie, .variant = "sock", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_get_netns_cookie_sock_ops_proto (net/core/filter.c) */
    R(get_netns_cookie, .variant = "sock_ops", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_get_netns_cookie_sk_msg_proto (net/core/filter.c) */
    R(get_netns_cookie, .variant = "sk_msg", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
    /* bpf_sk_lookup_assign_proto (net/core/filter.c) */
    R(sk_assign, .variant = "sk_lookup", .ret = HR_INTEGER, .arg = {HA_CTX, HA_SOCKET, HA_ANYTHING},
      .arg_flags = {0, HAF_OR_NULL, 0}),
    /* bpf_xdp_check_mtu_proto (net/core/filter.c) */
    R(check_mtu, .variant = "xdp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE, 0, 0}, .arg_size = {0, 0, 4, 0, 0},
      .gpl_only = 1),
    /* bpf_xdp_get_buff_len_trace_proto (net/core/filter.c) */
    R(xdp_get_buff_len, .variant = "trace", .ret = HR_INTEGER, .arg = {HA_BTF_ID}, .arg_btf_type = {"xdp_buff"}),
};
const unsigned hlp_nr_variants_net = sizeof(hlp_variants_net) / sizeof(hlp_variants_net[0]);
/* clang-format on */
