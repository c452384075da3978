/* pt_funcs.h - the helper sets of the program types (the kernel's
 * bpf_verifier_ops.get_func_proto of each type), shared by the rows
 * (pt_*.c) and written in pt_funcs_base.c (the sets every type builds on),
 * pt_funcs_net.c (the networking types), pt_funcs_cgroup.c (the cgroup
 * hooks) and pt_funcs_trace.c (the tracing types).
 *
 * Each function answers: the prototype helper id has for a program of this
 * type with expected attach type attach, NULL when such a program may not
 * call it.  priv: PT_PRIV_FULL (1) the privileged verifier (CAP_BPF +
 * CAP_PERFMON: what the kernel's bpf_capable() / perfmon_capable() ask);
 * PT_PRIV_BPF_ONLY (2) CAP_BPF without CAP_PERFMON; 0 the unprivileged
 * one.
 * The sets follow kernel 6.1's functions, updated where the running kernel
 * (6.18) offers a different set (each such place says so). */
#ifndef BPFRT_PROGTYPES_PT_FUNCS_H
#define BPFRT_PROGTYPES_PT_FUNCS_H

#include <stddef.h>
#include <stdint.h>

#include "../helpers/protos.h"

#define PT_PRIV_NONE 0
#define PT_PRIV_FULL 1
#define PT_PRIV_BPF_ONLY 2

/* Shared sets */
const struct hlp_proto *pt_fp_base(uint32_t id, int priv);     /* bpf_base_func_proto */
const struct hlp_proto *pt_fp_sk_base(uint32_t id, int priv);  /* bpf_sk_base_func_proto */
const struct hlp_proto *pt_fp_tracing_base(uint32_t id, int priv); /* bpf_tracing_func_proto */
const struct hlp_proto *pt_fp_cgroup_common(uint32_t id, int attach); /* cgroup_common_func_proto */
const struct hlp_proto *pt_fp_cgroup_current(uint32_t id);     /* cgroup_current_func_proto */

/* Per type (the kernel's function in parentheses) */
const struct hlp_proto *pt_fp_raw(uint32_t id, int attach, int priv);          /* bpfrt's raw convention */
const struct hlp_proto *pt_fp_socket_filter(uint32_t id, int attach, int priv); /* sk_filter_func_proto */
const struct hlp_proto *pt_fp_tc(uint32_t id, int attach, int priv);           /* tc_cls_act_func_proto */
const struct hlp_proto *pt_fp_xdp(uint32_t id, int attach, int priv);          /* xdp_func_proto */
const struct hlp_proto *pt_fp_cgroup_skb(uint32_t id, int attach, int priv);   /* cg_skb_func_proto */
const struct hlp_proto *pt_fp_lwt_in(uint32_t id, int attach, int priv);       /* lwt_in_func_proto */
const struct hlp_proto *pt_fp_lwt_out(uint32_t id, int attach, int priv);      /* lwt_out_func_proto */
const struct hlp_proto *pt_fp_lwt_xmit(uint32_t id, int attach, int priv);     /* lwt_xmit_func_proto */
const struct hlp_proto *pt_fp_lwt_seg6local(uint32_t id, int attach, int priv); /* lwt_seg6local_func_proto */
const struct hlp_proto *pt_fp_sock_ops(uint32_t id, int attach, int priv);     /* sock_ops_func_proto */
const struct hlp_proto *pt_fp_sk_skb(uint32_t id, int attach, int priv);       /* sk_skb_func_proto */
const struct hlp_proto *pt_fp_sk_msg(uint32_t id, int attach, int priv);       /* sk_msg_func_proto */
const struct hlp_proto *pt_fp_flow_dissector(uint32_t id, int attach, int priv); /* flow_dissector_func_proto */
const struct hlp_proto *pt_fp_sk_reuseport(uint32_t id, int attach, int priv); /* sk_reuseport_func_proto */
const struct hlp_proto *pt_fp_sk_lookup(uint32_t id, int attach, int priv);    /* sk_lookup_func_proto */
const struct hlp_proto *pt_fp_netfilter(uint32_t id, int attach, int priv);    /* bpf_nf_func_proto (6.4+) */
const struct hlp_proto *pt_fp_lirc(uint32_t id, int attach, int priv);         /* lirc_mode2_func_proto */
const struct hlp_proto *pt_fp_cgroup_sock(uint32_t id, int attach, int priv);  /* sock_filter_func_proto */
const struct hlp_proto *pt_fp_cgroup_sock_addr(uint32_t id, int attach, int priv); /* sock_addr_func_proto */
const struct hlp_proto *pt_fp_cgroup_device(uint32_t id, int attach, int priv); /* cgroup_dev_func_proto */
const struct hlp_proto *pt_fp_cgroup_sysctl(uint32_t id, int attach, int priv); /* sysctl_func_proto */
const struct hlp_proto *pt_fp_cgroup_sockopt(uint32_t id, int attach, int priv); /* cg_sockopt_func_proto */
const struct hlp_proto *pt_fp_kprobe(uint32_t id, int attach, int priv);       /* kprobe_prog_func_proto */
const struct hlp_proto *pt_fp_tracepoint(uint32_t id, int attach, int priv);   /* tp_prog_func_proto */
const struct hlp_proto *pt_fp_perf_event(uint32_t id, int attach, int priv);   /* pe_prog_func_proto */
const struct hlp_proto *pt_fp_raw_tp(uint32_t id, int attach, int priv);       /* raw_tp_prog_func_proto */
const struct hlp_proto *pt_fp_tracing(uint32_t id, int attach, int priv);      /* tracing_prog_func_proto */
const struct hlp_proto *pt_fp_lsm(uint32_t id, int attach, int priv);          /* bpf_lsm_func_proto */
const struct hlp_proto *pt_fp_struct_ops(uint32_t id, int attach, int priv);   /* bpf_tcp_ca_get_func_proto */
const struct hlp_proto *pt_fp_ext(uint32_t id, int attach, int priv);          /* the target program's */
const struct hlp_proto *pt_fp_syscall(uint32_t id, int attach, int priv);      /* syscall_prog_func_proto */

#define PT_P(fn) hlp_proto(BPF_FUNC_##fn)
#define PT_V(fn, v) hlp_proto_variant(BPF_FUNC_##fn, v)

#endif
