/* pt_funcs_base.c - the helper sets every program type builds on: the
 * kernel's bpf_base_func_proto (kernel/bpf/helpers.c), in three tiers by
 * privilege, and bpf_sk_base_func_proto (net/core/filter.c); and the raw
 * convention's own set (every helper).
 *
 * The tiers are 6.18's, measured on the running kernel with and without
 * CAP_PERFMON (test_vf_helpers.c): since 6.1 the base set grew the
 * current task's facts, cgroup ids and task storage (CAP_BPF), and
 * signals, user copies, perf counters, task stacks, find_vma and branch
 * snapshots (CAP_PERFMON); bpf_per_cpu_ptr and bpf_this_cpu_ptr moved
 * from the CAP_BPF tier to the CAP_PERFMON one.  The first tier (what
 * unprivileged loaders get) is 6.1's: the running kernel refuses
 * unprivileged loads (kernel.unprivileged_bpf_disabled), so it cannot be
 * measured here. */
#include <linux/bpf.h>

#include "pt_funcs.h"

const struct hlp_proto *pt_fp_base(uint32_t id, int priv)
{
    /* Tier 1: what any loader may call (and tail calls, whose proto the
     * kernel keeps in kernel/bpf/core.c). */
    switch (id) {
    case BPF_FUNC_map_lookup_elem:
    case BPF_FUNC_map_update_elem:
    case BPF_FUNC_map_delete_elem:
    case BPF_FUNC_map_push_elem:
    case BPF_FUNC_map_pop_elem:
    case BPF_FUNC_map_peek_elem:
    case BPF_FUNC_map_lookup_percpu_elem:
    case BPF_FUNC_get_prandom_u32:
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_get_numa_node_id:
    case BPF_FUNC_tail_call:
    case BPF_FUNC_ktime_get_ns:
    case BPF_FUNC_ktime_get_boot_ns:
    case BPF_FUNC_ktime_get_tai_ns:
    case BPF_FUNC_ringbuf_output:
    case BPF_FUNC_ringbuf_reserve:
    case BPF_FUNC_ringbuf_submit:
    case BPF_FUNC_ringbuf_discard:
    case BPF_FUNC_ringbuf_query:
    case BPF_FUNC_strncmp:
    case BPF_FUNC_strtol:
    case BPF_FUNC_strtoul: return hlp_proto(id);
    default: break;
    }
    if (!priv)
        return NULL;
    /* Tier 2: bpf_capable() */
    switch (id) {
    case BPF_FUNC_spin_lock:
    case BPF_FUNC_spin_unlock:
    case BPF_FUNC_jiffies64:
    case BPF_FUNC_timer_init:
    case BPF_FUNC_timer_set_callback:
    case BPF_FUNC_timer_start:
    case BPF_FUNC_timer_cancel:
    case BPF_FUNC_kptr_xchg:
    case BPF_FUNC_for_each_map_elem:
    case BPF_FUNC_loop:
    case BPF_FUNC_user_ringbuf_drain:
    case BPF_FUNC_ringbuf_reserve_dynptr:
    case BPF_FUNC_ringbuf_submit_dynptr:
    case BPF_FUNC_ringbuf_discard_dynptr:
    case BPF_FUNC_dynptr_from_mem:
    case BPF_FUNC_dynptr_read:
    case BPF_FUNC_dynptr_write:
    case BPF_FUNC_dynptr_data:
    /* 6.18 */
    case BPF_FUNC_get_current_pid_tgid:
    case BPF_FUNC_get_current_uid_gid:
    case BPF_FUNC_get_ns_current_pid_tgid:
    case BPF_FUNC_get_current_cgroup_id:
    case BPF_FUNC_get_current_ancestor_cgroup_id:
    case BPF_FUNC_current_task_under_cgroup:
    case BPF_FUNC_task_storage_get:
    case BPF_FUNC_task_storage_delete: return hlp_proto(id);
    case BPF_FUNC_get_cgroup_classid: return PT_V(get_cgroup_classid, "curr"); /* 6.18: the current task's */
    default: break;
    }
    if (priv == PT_PRIV_BPF_ONLY)
        return NULL;
    /* Tier 3: perfmon_capable() */
    switch (id) {
    case BPF_FUNC_per_cpu_ptr:
    case BPF_FUNC_this_cpu_ptr:
    /* 6.18 */
    case BPF_FUNC_get_current_comm:
    case BPF_FUNC_perf_event_read:
    case BPF_FUNC_perf_event_read_value:
    case BPF_FUNC_send_signal:
    case BPF_FUNC_send_signal_thread:
    case BPF_FUNC_get_task_stack:
    case BPF_FUNC_copy_from_user:
    case BPF_FUNC_copy_from_user_task:
    case BPF_FUNC_get_branch_snapshot:
    case BPF_FUNC_find_vma:
    case BPF_FUNC_trace_printk:
    case BPF_FUNC_get_current_task:
    case BPF_FUNC_get_current_task_btf:
    case BPF_FUNC_probe_read_user:
    case BPF_FUNC_probe_read_kernel:
    case BPF_FUNC_probe_read_user_str:
    case BPF_FUNC_probe_read_kernel_str:
    case BPF_FUNC_snprintf_btf:
    case BPF_FUNC_snprintf:
    case BPF_FUNC_task_pt_regs:
    case BPF_FUNC_trace_vprintk: return hlp_proto(id);
    default: return NULL;
    }
}

/* bpf_sk_base_func_proto: base, the coarse clock, and the socket casts
 * (bpf_skc_to_*), which need perfmon_capable(). */
const struct hlp_proto *pt_fp_sk_base(uint32_t id, int priv)
{
    switch (id) {
    case BPF_FUNC_ktime_get_coarse_ns: return hlp_proto(id);
    case BPF_FUNC_skc_to_tcp6_sock:
    case BPF_FUNC_skc_to_tcp_sock:
    case BPF_FUNC_skc_to_tcp_timewait_sock:
    case BPF_FUNC_skc_to_tcp_request_sock:
    case BPF_FUNC_skc_to_udp6_sock:
    case BPF_FUNC_skc_to_unix_sock:
    case BPF_FUNC_skc_to_mptcp_sock: return priv == PT_PRIV_FULL ? hlp_proto(id) : NULL; /* perfmon_capable() */
    default: return pt_fp_base(id, priv);
    }
}

/* The raw convention (bpfrt's own: raw instruction files, SEC("raw")) may
 * call every helper, with its default prototype: it has no context, so
 * the verifier's context arguments see r1 = data (what bpfrt passes). */
const struct hlp_proto *pt_fp_raw(uint32_t id, int attach, int priv)
{
    (void)attach, (void)priv;
    return hlp_proto(id);
}
