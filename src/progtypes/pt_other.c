/* pt_other.c - the program types bpfrt cannot run yet (tracing, cgroup
 * socket hooks, lightweight tunnels, socket maps, ...): their names,
 * section names and context structs, so that objects carrying them open,
 * list and dump.  Their helper sets are the kernel's func_proto of each
 * type (pt_funcs_*.c); their context rules are ctx_*.c's. */
#include "ctx.h"
#include "progtypes.h"
#include "pt_funcs.h"

#define A(x) ((int)(x))
#define N(a) (sizeof(a) / sizeof(a[0]))

#define ROW(var, T, NAME, CTX, CTXSZ, HELPERS, ...)                                                                    \
    static const struct pt_secdef var##_secs[] = {__VA_ARGS__};                                                        \
    static const struct pt_desc var = {.type = (T),                                                                    \
                                       .name = NAME,                                                                   \
                                       .secs = var##_secs,                                                             \
                                       .nr_secs = N(var##_secs),                                                       \
                                       .ctx_struct = CTX,                                                              \
                                       .ctx_size = CTXSZ,                                                              \
                                       .func_proto = HELPERS,                                      \
                                       var##_CTX};

/* The context rules of each row (ctx.h): ROW pastes <row>_CTX into the
 * row's initialiser.  Rows without rules (BTF-typed contexts: tracing,
 * ext, lsm, struct_ops) refuse every context access until the verifier
 * reads their BTF. */
#define pt_kprobe_CTX .is_valid_access = pt_kprobe_is_valid_access, .ret_range = pt_kprobe_ret_range
#define pt_tracepoint_CTX .is_valid_access = pt_tracepoint_is_valid_access
#define pt_raw_tp_CTX .is_valid_access = pt_raw_tp_is_valid_access
#define pt_raw_tp_w_CTX .is_valid_access = pt_raw_tp_writable_is_valid_access
#define pt_tracing_CTX
#define pt_ext_CTX
#define pt_lsm_CTX
#define pt_syscall_CTX .is_valid_access = pt_syscall_is_valid_access
#define pt_perf_event_CTX .is_valid_access = pt_perf_event_is_valid_access
#define pt_lwt_in_CTX .is_valid_access = pt_lwt_is_valid_access
#define pt_lwt_out_CTX .is_valid_access = pt_lwt_is_valid_access
#define pt_lwt_xmit_CTX .is_valid_access = pt_lwt_is_valid_access
#define pt_lwt_seg6_CTX .is_valid_access = pt_lwt_is_valid_access
#define pt_sock_ops_CTX .is_valid_access = pt_sock_ops_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_sk_skb_CTX .is_valid_access = pt_sk_skb_is_valid_access
#define pt_sk_msg_CTX .is_valid_access = pt_sk_msg_is_valid_access
#define pt_lirc_CTX .is_valid_access = pt_lirc_is_valid_access
#define pt_flow_dissector_CTX .is_valid_access = pt_flow_dissector_is_valid_access
#define pt_cgroup_sock_CTX .is_valid_access = pt_cgroup_sock_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_cgroup_sock_addr_CTX .is_valid_access = pt_sock_addr_is_valid_access, .ret_range = pt_sock_addr_ret_range
#define pt_cgroup_sysctl_CTX .is_valid_access = pt_sysctl_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_cgroup_sockopt_CTX .is_valid_access = pt_sockopt_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_cgroup_device_CTX .is_valid_access = pt_cgroup_dev_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_sk_reuseport_CTX .is_valid_access = pt_sk_reuseport_is_valid_access
#define pt_sk_lookup_CTX .is_valid_access = pt_sk_lookup_is_valid_access, .ret_range = pt_ret_range_0_1
#define pt_struct_ops_CTX
#define pt_netfilter_CTX .is_valid_access = pt_netfilter_is_valid_access, .ret_range = pt_netfilter_ret_range

/* clang-format off */
ROW(pt_kprobe, BPF_PROG_TYPE_KPROBE, "kprobe", "pt_regs", PT_REGS_SIZE, pt_fp_kprobe,
    {"kprobe+", 0}, {"uprobe+", 0}, {"uprobe.s+", 0}, {"kretprobe+", 0}, {"uretprobe+", 0}, {"uretprobe.s+", 0},
    {"kprobe.multi+", A(BPF_TRACE_KPROBE_MULTI)}, {"kretprobe.multi+", A(BPF_TRACE_KPROBE_MULTI)},
    {"kprobe.session+", PT_ATTACH_TRACE_KPROBE_SESSION}, {"uprobe.multi+", PT_ATTACH_TRACE_UPROBE_MULTI},
    {"uretprobe.multi+", PT_ATTACH_TRACE_UPROBE_MULTI}, {"uprobe.multi.s+", PT_ATTACH_TRACE_UPROBE_MULTI},
    {"uretprobe.multi.s+", PT_ATTACH_TRACE_UPROBE_MULTI}, {"ksyscall+", 0}, {"kretsyscall+", 0}, {"usdt+", 0},
    {"usdt.s+", 0})
ROW(pt_tracepoint, BPF_PROG_TYPE_TRACEPOINT, "tracepoint", NULL, PT_TRACEPOINT_CTX_SIZE, pt_fp_tracepoint, {"tracepoint+", 0}, {"tp+", 0})
ROW(pt_raw_tp, BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint", "bpf_raw_tracepoint_args",
    PT_RAW_TP_CTX_SIZE, pt_fp_raw_tp, {"raw_tracepoint+", 0}, {"raw_tp+", 0})
ROW(pt_raw_tp_w, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, "raw_tracepoint_writable", "bpf_raw_tracepoint_args",
    PT_RAW_TP_CTX_SIZE, pt_fp_raw_tp, {"raw_tracepoint.w+", 0}, {"raw_tp.w+", 0})
ROW(pt_tracing, BPF_PROG_TYPE_TRACING, "tracing", NULL, 0, pt_fp_tracing,
    {"tp_btf+", A(BPF_TRACE_RAW_TP)}, {"fentry+", A(BPF_TRACE_FENTRY)}, {"fmod_ret+", A(BPF_MODIFY_RETURN)},
    {"fexit+", A(BPF_TRACE_FEXIT)}, {"fentry.s+", A(BPF_TRACE_FENTRY)}, {"fmod_ret.s+", A(BPF_MODIFY_RETURN)},
    {"fexit.s+", A(BPF_TRACE_FEXIT)}, {"iter+", A(BPF_TRACE_ITER)}, {"iter.s+", A(BPF_TRACE_ITER)})
ROW(pt_ext, BPF_PROG_TYPE_EXT, "ext", NULL, 0, pt_fp_ext, {"freplace+", 0})
ROW(pt_lsm, BPF_PROG_TYPE_LSM, "lsm", NULL, 0, pt_fp_lsm,
    {"lsm+", A(BPF_LSM_MAC)}, {"lsm.s+", A(BPF_LSM_MAC)}, {"lsm_cgroup+", A(BPF_LSM_CGROUP)})
ROW(pt_syscall, BPF_PROG_TYPE_SYSCALL, "syscall", NULL, 0, pt_fp_syscall, {"syscall", 0})
ROW(pt_perf_event, BPF_PROG_TYPE_PERF_EVENT, "perf_event", "bpf_perf_event_data", PT_PERF_EVENT_DATA_SIZE, pt_fp_perf_event,
    {"perf_event", 0})
ROW(pt_lwt_in, BPF_PROG_TYPE_LWT_IN, "lwt_in", "__sk_buff", sizeof(struct __sk_buff), pt_fp_lwt_in,
    {"lwt_in", 0})
ROW(pt_lwt_out, BPF_PROG_TYPE_LWT_OUT, "lwt_out", "__sk_buff", sizeof(struct __sk_buff), pt_fp_lwt_out,
    {"lwt_out", 0})
ROW(pt_lwt_xmit, BPF_PROG_TYPE_LWT_XMIT, "lwt_xmit", "__sk_buff", sizeof(struct __sk_buff), pt_fp_lwt_xmit, {"lwt_xmit", 0})
ROW(pt_lwt_seg6, BPF_PROG_TYPE_LWT_SEG6LOCAL, "lwt_seg6local", "__sk_buff", sizeof(struct __sk_buff), pt_fp_lwt_seg6local, {"lwt_seg6local", 0})
ROW(pt_sock_ops, BPF_PROG_TYPE_SOCK_OPS, "sock_ops", "bpf_sock_ops", PT_SOCK_OPS_SIZE, pt_fp_sock_ops, {"sockops", A(BPF_CGROUP_SOCK_OPS)})
ROW(pt_sk_skb, BPF_PROG_TYPE_SK_SKB, "sk_skb", "__sk_buff", sizeof(struct __sk_buff), pt_fp_sk_skb,
    {"sk_skb/stream_parser", A(BPF_SK_SKB_STREAM_PARSER)}, {"sk_skb/stream_verdict", A(BPF_SK_SKB_STREAM_VERDICT)},
    {"sk_skb/verdict", A(BPF_SK_SKB_VERDICT)}, {"sk_skb", 0})
ROW(pt_sk_msg, BPF_PROG_TYPE_SK_MSG, "sk_msg", "sk_msg_md", sizeof(struct sk_msg_md), pt_fp_sk_msg,
    {"sk_msg", A(BPF_SK_MSG_VERDICT)})
ROW(pt_lirc, BPF_PROG_TYPE_LIRC_MODE2, "lirc_mode2", NULL, 0, pt_fp_lirc,
    {"lirc_mode2", A(BPF_LIRC_MODE2)})
ROW(pt_flow_dissector, BPF_PROG_TYPE_FLOW_DISSECTOR, "flow_dissector", "__sk_buff", sizeof(struct __sk_buff), pt_fp_flow_dissector, {"flow_dissector", A(BPF_FLOW_DISSECTOR)})
ROW(pt_cgroup_sock, BPF_PROG_TYPE_CGROUP_SOCK, "cgroup_sock", "bpf_sock", sizeof(struct bpf_sock), pt_fp_cgroup_sock, {"cgroup/sock_create", A(BPF_CGROUP_INET_SOCK_CREATE)},
    {"cgroup/sock_release", A(BPF_CGROUP_INET_SOCK_RELEASE)}, {"cgroup/sock", A(BPF_CGROUP_INET_SOCK_CREATE)},
    {"cgroup/post_bind4", A(BPF_CGROUP_INET4_POST_BIND)}, {"cgroup/post_bind6", A(BPF_CGROUP_INET6_POST_BIND)})
ROW(pt_cgroup_sock_addr, BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "cgroup_sock_addr", "bpf_sock_addr",
    sizeof(struct bpf_sock_addr), pt_fp_cgroup_sock_addr,
    {"cgroup/bind4", A(BPF_CGROUP_INET4_BIND)}, {"cgroup/bind6", A(BPF_CGROUP_INET6_BIND)},
    {"cgroup/connect4", A(BPF_CGROUP_INET4_CONNECT)}, {"cgroup/connect6", A(BPF_CGROUP_INET6_CONNECT)},
    {"cgroup/connect_unix", PT_ATTACH_CGROUP_UNIX_CONNECT},
    {"cgroup/sendmsg4", A(BPF_CGROUP_UDP4_SENDMSG)}, {"cgroup/sendmsg6", A(BPF_CGROUP_UDP6_SENDMSG)},
    {"cgroup/sendmsg_unix", PT_ATTACH_CGROUP_UNIX_SENDMSG},
    {"cgroup/recvmsg4", A(BPF_CGROUP_UDP4_RECVMSG)}, {"cgroup/recvmsg6", A(BPF_CGROUP_UDP6_RECVMSG)},
    {"cgroup/recvmsg_unix", PT_ATTACH_CGROUP_UNIX_RECVMSG},
    {"cgroup/getpeername4", A(BPF_CGROUP_INET4_GETPEERNAME)}, {"cgroup/getpeername6", A(BPF_CGROUP_INET6_GETPEERNAME)},
    {"cgroup/getpeername_unix", PT_ATTACH_CGROUP_UNIX_GETPEERNAME},
    {"cgroup/getsockname4", A(BPF_CGROUP_INET4_GETSOCKNAME)}, {"cgroup/getsockname6", A(BPF_CGROUP_INET6_GETSOCKNAME)},
    {"cgroup/getsockname_unix", PT_ATTACH_CGROUP_UNIX_GETSOCKNAME})
ROW(pt_cgroup_sysctl, BPF_PROG_TYPE_CGROUP_SYSCTL, "cgroup_sysctl", "bpf_sysctl", sizeof(struct bpf_sysctl), pt_fp_cgroup_sysctl, {"cgroup/sysctl", A(BPF_CGROUP_SYSCTL)})
ROW(pt_cgroup_sockopt, BPF_PROG_TYPE_CGROUP_SOCKOPT, "cgroup_sockopt", "bpf_sockopt", sizeof(struct bpf_sockopt), pt_fp_cgroup_sockopt, {"cgroup/getsockopt", A(BPF_CGROUP_GETSOCKOPT)},
    {"cgroup/setsockopt", A(BPF_CGROUP_SETSOCKOPT)})
ROW(pt_cgroup_device, BPF_PROG_TYPE_CGROUP_DEVICE, "cgroup_device", "bpf_cgroup_dev_ctx",
    sizeof(struct bpf_cgroup_dev_ctx), pt_fp_cgroup_device, {"cgroup/dev", A(BPF_CGROUP_DEVICE)})
ROW(pt_sk_reuseport, BPF_PROG_TYPE_SK_REUSEPORT, "sk_reuseport", "sk_reuseport_md", sizeof(struct sk_reuseport_md), pt_fp_sk_reuseport, {"sk_reuseport/migrate", A(BPF_SK_REUSEPORT_SELECT_OR_MIGRATE)},
    {"sk_reuseport", A(BPF_SK_REUSEPORT_SELECT)})
ROW(pt_sk_lookup, BPF_PROG_TYPE_SK_LOOKUP, "sk_lookup", "bpf_sk_lookup", sizeof(struct bpf_sk_lookup), pt_fp_sk_lookup, {"sk_lookup", A(BPF_SK_LOOKUP)})
ROW(pt_struct_ops, BPF_PROG_TYPE_STRUCT_OPS, "struct_ops", NULL, 0, pt_fp_struct_ops,
    {"struct_ops+", 0}, {"struct_ops.s+", 0})
ROW(pt_netfilter, (enum bpf_prog_type)PT_PROG_TYPE_NETFILTER, "netfilter", "bpf_nf_ctx", 0, pt_fp_netfilter,
    {"netfilter", PT_ATTACH_NETFILTER})
/* clang-format on */

const struct pt_desc *const pt_other_types[] = {
    &pt_kprobe,      &pt_tracepoint,   &pt_raw_tp,          &pt_raw_tp_w,      &pt_tracing,       &pt_ext,
    &pt_lsm,         &pt_syscall,      &pt_perf_event,      &pt_lwt_in,        &pt_lwt_out,       &pt_lwt_xmit,
    &pt_lwt_seg6,    &pt_sock_ops,     &pt_sk_skb,          &pt_sk_msg,        &pt_lirc,          &pt_flow_dissector,
    &pt_cgroup_sock, &pt_cgroup_sock_addr, &pt_cgroup_sysctl, &pt_cgroup_sockopt, &pt_cgroup_device,
    &pt_sk_reuseport, &pt_sk_lookup,  &pt_struct_ops,      &pt_netfilter,
};
const unsigned pt_nr_other_types = N(pt_other_types);
