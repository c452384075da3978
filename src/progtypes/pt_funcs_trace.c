/* pt_funcs_trace.c - the helper sets of the tracing types, as
 * kernel/trace/bpf_trace.c gives them (bpf_tracing_func_proto and the
 * kprobe, tracepoint, perf_event, raw tracepoint and BTF tracing
 * variants), and of the types built on them: LSM (kernel/bpf/bpf_lsm.c),
 * struct_ops (net/ipv4/bpf_tcp_ca.c: TCP congestion control, the
 * struct_ops the kernel ships), syscall (kernel/bpf/syscall.c), ext.
 * Loading any of them needs CAP_PERFMON (or CAP_SYS_ADMIN) in the kernel,
 * so priv matters only through the base set. */
#include <linux/bpf.h>

#include "pt_funcs.h"

/* bpf_tracing_func_proto.  In 6.1 it listed the current task's facts,
 * kernel and user memory reads, perf counters, signals, task storage ...
 * itself, for any tracing program; 6.18 moved them into
 * bpf_base_func_proto with its capability tiers, which the running kernel
 * shows: a syscall program loaded with CAP_BPF alone gets none of the
 * CAP_PERFMON tier.  What stays here is what only tracing programs get. */
const struct hlp_proto *pt_fp_tracing_base(uint32_t id, int priv)
{
    switch (id) {
    case BPF_FUNC_probe_write_user: /* NULL under lockdown (LOCKDOWN_BPF_WRITE_USER) */
    case BPF_FUNC_probe_read:       /* the compat reads, NULL under lockdown (LOCKDOWN_BPF_READ_KERNEL) */
    case BPF_FUNC_probe_read_str: return hlp_proto(id);
    case BPF_FUNC_get_func_ip: return PT_V(get_func_ip, "tracing");
    default: return pt_fp_base(id, priv);
    }
}

/* kprobe_prog_func_proto: kprobes, uprobes, kprobe.multi */
const struct hlp_proto *pt_fp_kprobe(uint32_t id, int attach, int priv)
{
    int multi = attach == BPF_TRACE_KPROBE_MULTI;

    switch (id) {
    case BPF_FUNC_perf_event_output:
    case BPF_FUNC_get_stackid:
    case BPF_FUNC_get_stack:
    case BPF_FUNC_override_return: return hlp_proto(id);
    case BPF_FUNC_get_func_ip: return PT_V(get_func_ip, multi ? "kprobe_multi" : "kprobe");
    case BPF_FUNC_get_attach_cookie: return PT_V(get_attach_cookie, multi ? "kprobe_multi" : "trace");
    default: return pt_fp_tracing_base(id, priv);
    }
}

/* tp_prog_func_proto */
const struct hlp_proto *pt_fp_tracepoint(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "tp");
    case BPF_FUNC_get_stackid: return PT_V(get_stackid, "tp");
    case BPF_FUNC_get_stack: return PT_V(get_stack, "tp");
    case BPF_FUNC_get_attach_cookie: return PT_V(get_attach_cookie, "trace");
    default: return pt_fp_tracing_base(id, priv);
    }
}

/* pe_prog_func_proto */
const struct hlp_proto *pt_fp_perf_event(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "tp");
    case BPF_FUNC_get_stackid: return PT_V(get_stackid, "pe");
    case BPF_FUNC_get_stack: return PT_V(get_stack, "pe");
    case BPF_FUNC_perf_prog_read_value:
    case BPF_FUNC_read_branch_records: return hlp_proto(id);
    case BPF_FUNC_get_attach_cookie: return PT_V(get_attach_cookie, "pe");
    default: return pt_fp_tracing_base(id, priv);
    }
}

/* raw_tp_prog_func_proto: raw tracepoints, writable ones too */
const struct hlp_proto *pt_fp_raw_tp(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_perf_event_output: return PT_V(perf_event_output, "raw_tp");
    case BPF_FUNC_get_stackid: return PT_V(get_stackid, "raw_tp");
    case BPF_FUNC_get_stack: return PT_V(get_stack, "raw_tp");
    case BPF_FUNC_get_attach_cookie: return PT_V(get_attach_cookie, "tracing"); /* 6.10+: raw_tp cookies */
    default: return pt_fp_tracing_base(id, priv);
    }
}

/* Programs attached through a BPF trampoline (bpf_prog_has_trampoline):
 * fentry, fexit, fmod_ret, and LSM's lsm/ (not lsm_cgroup/, tp_btf/,
 * iter/). */
static int has_trampoline(int attach)
{
    return attach == BPF_TRACE_FENTRY || attach == BPF_TRACE_FEXIT || attach == BPF_MODIFY_RETURN ||
           attach == BPF_LSM_MAC;
}

/* tracing_prog_func_proto: BTF-typed programs (tp_btf, fentry, fexit,
 * fmod_ret, iter) */
const struct hlp_proto *pt_fp_tracing(uint32_t id, int attach, int priv)
{
    switch (id) {
    case BPF_FUNC_skb_output:
    case BPF_FUNC_xdp_output:
    case BPF_FUNC_skc_to_tcp6_sock:
    case BPF_FUNC_skc_to_tcp_sock:
    case BPF_FUNC_skc_to_tcp_timewait_sock:
    case BPF_FUNC_skc_to_tcp_request_sock:
    case BPF_FUNC_skc_to_udp6_sock:
    case BPF_FUNC_skc_to_unix_sock:
    case BPF_FUNC_skc_to_mptcp_sock:
    case BPF_FUNC_sock_from_file:
    case BPF_FUNC_d_path: return hlp_proto(id);
    case BPF_FUNC_sk_storage_get: return PT_V(sk_storage_get, "tracing");
    case BPF_FUNC_sk_storage_delete: return PT_V(sk_storage_delete, "tracing");
    case BPF_FUNC_get_socket_cookie: return PT_V(get_socket_cookie, "ptr");
    case BPF_FUNC_xdp_get_buff_len: return PT_V(xdp_get_buff_len, "trace");
    /* the seq_file helpers write an iterator's output */
    case BPF_FUNC_seq_printf:
    case BPF_FUNC_seq_write:
    case BPF_FUNC_seq_printf_btf: return attach == BPF_TRACE_ITER ? hlp_proto(id) : NULL;
    /* the traced function's arguments live in the trampoline's frame */
    case BPF_FUNC_get_func_arg:
    case BPF_FUNC_get_func_ret:
    case BPF_FUNC_get_func_arg_cnt: return has_trampoline(attach) ? hlp_proto(id) : NULL;
    case BPF_FUNC_get_attach_cookie: /* 6.10+: tp_btf has cookies too, iterators none */
        return has_trampoline(attach) || attach == BPF_TRACE_RAW_TP ? PT_V(get_attach_cookie, "tracing") : NULL;
    default: return pt_fp_raw_tp(id, attach, priv);
    }
}

/* bpf_lsm_func_proto */
const struct hlp_proto *pt_fp_lsm(uint32_t id, int attach, int priv)
{
    if (attach == BPF_LSM_CGROUP) {
        const struct hlp_proto *p = pt_fp_cgroup_common(id, attach);
        if (p)
            return p;
    }
    switch (id) {
    case BPF_FUNC_inode_storage_get:
    case BPF_FUNC_inode_storage_delete:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_spin_lock:
    case BPF_FUNC_spin_unlock:
    case BPF_FUNC_bprm_opts_set:
    case BPF_FUNC_ima_inode_hash:
    case BPF_FUNC_ima_file_hash: return hlp_proto(id);
    case BPF_FUNC_get_attach_cookie: return has_trampoline(attach) ? PT_V(get_attach_cookie, "tracing") : NULL;
    /* only lsm_cgroup hooks, and then locked or unlocked by the hook (which
     * bpfrt does not know: the locked variant) */
    case BPF_FUNC_setsockopt:
    case BPF_FUNC_getsockopt: return attach == BPF_LSM_CGROUP ? hlp_proto(id) : NULL;
    default: return pt_fp_tracing(id, attach, priv);
    }
}

/* bpf_tcp_ca_get_func_proto: TCP congestion control struct_ops.  The
 * socket options are refused to the release member in the kernel; bpfrt
 * knows no member here and offers them. */
const struct hlp_proto *pt_fp_struct_ops(uint32_t id, int attach, int priv)
{
    (void)attach;
    switch (id) {
    case BPF_FUNC_tcp_send_ack:
    case BPF_FUNC_sk_storage_get:
    case BPF_FUNC_sk_storage_delete:
    case BPF_FUNC_setsockopt:
    case BPF_FUNC_getsockopt:
    case BPF_FUNC_ktime_get_coarse_ns: return hlp_proto(id);
    default: return pt_fp_base(id, priv);
    }
}

/* Extensions (freplace) take the set of the program they replace, which
 * bpfrt does not know when it verifies one alone: the base set. */
const struct hlp_proto *pt_fp_ext(uint32_t id, int attach, int priv)
{
    (void)attach;
    return pt_fp_base(id, priv);
}

/* syscall_prog_func_proto: the bpf() syscall itself and a few of its
 * companions, then the BTF tracing set */
const struct hlp_proto *pt_fp_syscall(uint32_t id, int attach, int priv)
{
    switch (id) {
    case BPF_FUNC_sys_bpf: return priv == PT_PRIV_FULL ? hlp_proto(id) : NULL; /* perfmon_capable() */
    case BPF_FUNC_btf_find_by_name_kind:
    case BPF_FUNC_sys_close:
    case BPF_FUNC_kallsyms_lookup_name: return hlp_proto(id);
    default: return pt_fp_tracing(id, attach, priv);
    }
}
