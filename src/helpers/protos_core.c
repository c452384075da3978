/* protos_core.c - prototypes of the core helpers (kernel/bpf/: maps, ring buffers, spin locks,
 * timers, dynptrs, callbacks, cgroups, local storage, strings),
 * as kernel 6.1 defines them (struct bpf_func_proto).  Each row names the
 * kernel's bpf_func_proto it follows and the file defining it. */
#include "protos_internal.h"

/* clang-format off */
const struct hlp_proto hlp_protos_core[] = {
    /* bpf_map_lookup_elem_proto (kernel/bpf/helpers.c) */
    R(map_lookup_elem, .ret = HR_MAP_VALUE_OR_NULL, .arg = {HA_CONST_MAP_PTR, HA_MAP_KEY}, .pkt_access = 1),
    /* bpf_map_update_elem_proto (kernel/bpf/helpers.c) */
    R(map_update_elem, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MAP_KEY, HA_MAP_VALUE, HA_ANYTHING},
      .pkt_access = 1),
    /* bpf_map_delete_elem_proto (kernel/bpf/helpers.c) */
    R(map_delete_elem, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MAP_KEY}, .pkt_access = 1),
    /* bpf_ktime_get_ns_proto (kernel/bpf/helpers.c) */
    R(ktime_get_ns, .ret = HR_INTEGER),
    /* bpf_get_prandom_u32_proto (kernel/bpf/helpers.c) */
    R(get_prandom_u32, .ret = HR_INTEGER),
    /* bpf_get_smp_processor_id_proto (kernel/bpf/helpers.c) */
    R(get_smp_processor_id, .ret = HR_INTEGER),
    /* bpf_tail_call_proto (kernel/bpf/core.c) */
    R(tail_call, .ret = HR_VOID, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING}),
    /* bpf_get_current_pid_tgid_proto (kernel/bpf/helpers.c) */
    R(get_current_pid_tgid, .ret = HR_INTEGER, .privileged = HLP_PRIV_BPF),
    /* bpf_get_current_uid_gid_proto (kernel/bpf/helpers.c) */
    R(get_current_uid_gid, .ret = HR_INTEGER, .privileged = HLP_PRIV_BPF),
    /* bpf_get_current_comm_proto (kernel/bpf/helpers.c) */
    R(get_current_comm, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE}, .arg_flags = {HAF_UNINIT|HAF_WRITE, 0},
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_get_stackid_proto (kernel/bpf/stackmap.c) */
    R(get_stackid, .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING}, .gpl_only = 1),
    /* bpf_get_numa_node_id_proto (kernel/bpf/helpers.c) */
    R(get_numa_node_id, .ret = HR_INTEGER),
    /* bpf_get_stack_proto (kernel/bpf/stackmap.c) */
    R(get_stack, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1),
    /* bpf_get_current_cgroup_id_proto (kernel/bpf/helpers.c) */
    R(get_current_cgroup_id, .ret = HR_INTEGER, .privileged = HLP_PRIV_BPF),
    /* bpf_get_local_storage_proto (kernel/bpf/cgroup.c) */
    R(get_local_storage, .ret = HR_MAP_VALUE, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING}),
    /* bpf_map_push_elem_proto (kernel/bpf/helpers.c) */
    R(map_push_elem, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MAP_VALUE, HA_ANYTHING}, .pkt_access = 1),
    /* bpf_map_pop_elem_proto (kernel/bpf/helpers.c) */
    R(map_pop_elem, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MAP_VALUE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE}),
    /* bpf_map_peek_elem_proto (kernel/bpf/helpers.c) */
    R(map_peek_elem, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MAP_VALUE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE}),
    /* bpf_spin_lock_proto (kernel/bpf/helpers.c) */
    R(spin_lock, .ret = HR_VOID, .arg = {HA_SPIN_LOCK}, .privileged = HLP_PRIV_BPF),
    /* bpf_spin_unlock_proto (kernel/bpf/helpers.c) */
    R(spin_unlock, .ret = HR_VOID, .arg = {HA_SPIN_LOCK}, .privileged = HLP_PRIV_BPF),
    /* bpf_sysctl_get_name_proto (kernel/bpf/cgroup.c): the buffer is
     * ARG_PTR_TO_MEM | MEM_WRITE in the running kernel (6.18 clobbers it:
     * vf_regress/helper_written_buffers_are_unknown_after_the_call) */
    R(sysctl_get_name, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {0, HAF_WRITE, 0, 0}),
    /* bpf_sysctl_get_current_value_proto (kernel/bpf/cgroup.c) */
    R(sysctl_get_current_value, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_sysctl_get_new_value_proto (kernel/bpf/cgroup.c) */
    R(sysctl_get_new_value, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}),
    /* bpf_sysctl_set_new_value_proto (kernel/bpf/cgroup.c) */
    R(sysctl_set_new_value, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_RDONLY, 0}),
    /* bpf_strtol_proto (kernel/bpf/helpers.c) */
    R(strtol, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_MEM},
      .arg_flags = {HAF_RDONLY, 0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE}, .arg_size = {0, 0, 0, 8}),
    /* bpf_strtoul_proto (kernel/bpf/helpers.c) */
    R(strtoul, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_MEM},
      .arg_flags = {HAF_RDONLY, 0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE}, .arg_size = {0, 0, 0, 8}),
    /* bpf_jiffies64_proto (kernel/bpf/helpers.c) */
    R(jiffies64, .ret = HR_INTEGER, .privileged = HLP_PRIV_BPF),
    /* bpf_get_ns_current_pid_tgid_proto (kernel/bpf/helpers.c) */
    R(get_ns_current_pid_tgid, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}, .privileged = HLP_PRIV_BPF),
    /* bpf_get_current_ancestor_cgroup_id_proto (kernel/bpf/helpers.c) */
    R(get_current_ancestor_cgroup_id, .ret = HR_INTEGER, .arg = {HA_ANYTHING}, .privileged = HLP_PRIV_BPF),
    /* bpf_ktime_get_boot_ns_proto (kernel/bpf/helpers.c) */
    R(ktime_get_boot_ns, .ret = HR_INTEGER),
    /* bpf_ringbuf_output_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_output, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0}),
    /* bpf_ringbuf_reserve_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_reserve, .ret = HR_ALLOC_MEM_OR_NULL,
      .arg = {HA_CONST_MAP_PTR, HA_CONST_ALLOC_SIZE_OR_ZERO, HA_ANYTHING}, .ref = HREF_ACQUIRE),
    /* bpf_ringbuf_submit_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_submit, .ret = HR_VOID, .arg = {HA_ALLOC_MEM, HA_ANYTHING}, .ref = HREF_RELEASE, .release_arg = 0),
    /* bpf_ringbuf_discard_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_discard, .ret = HR_VOID, .arg = {HA_ALLOC_MEM, HA_ANYTHING}, .ref = HREF_RELEASE, .release_arg = 0),
    /* bpf_ringbuf_query_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_query, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING}),
    /* bpf_get_task_stack_proto (kernel/bpf/stackmap.c) */
    R(get_task_stack, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0, 0}, .arg_btf_type = {"task_struct", NULL, NULL, NULL},
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_inode_storage_get_proto (kernel/bpf/bpf_inode_storage.c) */
    R(inode_storage_get, .ret = HR_MAP_VALUE_OR_NULL, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID, HA_MAP_VALUE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}, .arg_btf_type = {NULL, "inode", NULL, NULL}),
    /* bpf_inode_storage_delete_proto (kernel/bpf/bpf_inode_storage.c) */
    R(inode_storage_delete, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID}, .arg_btf_type = {NULL, "inode"}),
    /* bpf_copy_from_user_proto (kernel/bpf/helpers.c) */
    R(copy_from_user, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .might_sleep = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_per_cpu_ptr_proto (kernel/bpf/helpers.c) */
    R(per_cpu_ptr, .ret = HR_MEM_OR_BTF_ID_OR_NULL, .ret_flags = HAF_RDONLY, .arg = {HA_PERCPU_BTF_ID, HA_ANYTHING},
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_this_cpu_ptr_proto (kernel/bpf/helpers.c) */
    R(this_cpu_ptr, .ret = HR_MEM_OR_BTF_ID, .ret_flags = HAF_RDONLY, .arg = {HA_PERCPU_BTF_ID},
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_task_storage_get_proto (kernel/bpf/bpf_task_storage.c) */
    R(task_storage_get, .ret = HR_MAP_VALUE_OR_NULL, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID, HA_MAP_VALUE, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}, .arg_btf_type = {NULL, "task_struct", NULL, NULL},
      .privileged = HLP_PRIV_BPF),
    /* bpf_task_storage_delete_proto (kernel/bpf/bpf_task_storage.c) */
    R(task_storage_delete, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_BTF_ID},
      .arg_btf_type = {NULL, "task_struct"}, .privileged = HLP_PRIV_BPF),
    /* bpf_ktime_get_coarse_ns_proto (kernel/bpf/helpers.c) */
    R(ktime_get_coarse_ns, .ret = HR_INTEGER),
    /* bpf_for_each_map_elem_proto (kernel/bpf/bpf_iter.c) */
    RCB(for_each_map_elem, 1, 0, 1, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_FUNC, HA_STACK, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}, .privileged = HLP_PRIV_BPF),
    /* bpf_snprintf_proto (kernel/bpf/helpers.c) */
    R(snprintf, .ret = HR_INTEGER,
      .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_CONST_STR, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {HAF_OR_NULL, 0, 0, HAF_OR_NULL|HAF_RDONLY, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_sys_bpf_proto (kernel/bpf/syscall.c) */
    R(sys_bpf, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_MEM, HA_CONST_SIZE}, .arg_flags = {0, HAF_RDONLY, 0}),
    /* bpf_btf_find_by_name_kind_proto (kernel/bpf/btf.c) */
    R(btf_find_by_name_kind, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {HAF_RDONLY, 0, 0, 0}, .might_sleep = 1),
    /* bpf_sys_close_proto (kernel/bpf/syscall.c) */
    R(sys_close, .ret = HR_INTEGER, .arg = {HA_ANYTHING}),
    /* bpf_timer_init_proto (kernel/bpf/helpers.c) */
    R(timer_init, .ret = HR_INTEGER, .arg = {HA_TIMER, HA_CONST_MAP_PTR, HA_ANYTHING}, .gpl_only = 1,
      .privileged = HLP_PRIV_BPF),
    /* bpf_timer_set_callback_proto (kernel/bpf/helpers.c) */
    RCB(timer_set_callback, 1, 0, 1, .ret = HR_INTEGER, .arg = {HA_TIMER, HA_FUNC}, .gpl_only = 1,
      .privileged = HLP_PRIV_BPF),
    /* bpf_timer_start_proto (kernel/bpf/helpers.c) */
    R(timer_start, .ret = HR_INTEGER, .arg = {HA_TIMER, HA_ANYTHING, HA_ANYTHING}, .gpl_only = 1,
      .privileged = HLP_PRIV_BPF),
    /* bpf_timer_cancel_proto (kernel/bpf/helpers.c) */
    R(timer_cancel, .ret = HR_INTEGER, .arg = {HA_TIMER}, .gpl_only = 1, .privileged = HLP_PRIV_BPF),
    /* bpf_kallsyms_lookup_name_proto (kernel/bpf/syscall.c) */
    R(kallsyms_lookup_name, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING, HA_MEM},
      .arg_flags = {0, 0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE}, .arg_size = {0, 0, 0, 8}),
    /* bpf_loop_proto (kernel/bpf/bpf_iter.c) */
    RCB(loop, 1, 0, 1, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_FUNC, HA_STACK, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}, .privileged = HLP_PRIV_BPF),
    /* bpf_strncmp_proto (kernel/bpf/helpers.c) */
    R(strncmp, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_CONST_STR}),
    /* bpf_get_retval_proto (kernel/bpf/cgroup.c) */
    R(get_retval, .ret = HR_INTEGER),
    /* bpf_set_retval_proto (kernel/bpf/cgroup.c) */
    R(set_retval, .ret = HR_INTEGER, .arg = {HA_ANYTHING}),
    /* bpf_copy_from_user_task_proto (kernel/bpf/helpers.c) */
    R(copy_from_user_task, .ret = HR_INTEGER,
      .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING, HA_BTF_ID, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0, 0, 0}, .arg_btf_type = {NULL, NULL, NULL, "task_struct", NULL},
      .gpl_only = 1, .might_sleep = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_kptr_xchg_proto (kernel/bpf/helpers.c) */
    R(kptr_xchg, .ret = HR_BTF_ID_OR_NULL, .arg = {HA_KPTR, HA_BTF_ID}, .arg_flags = {0, HAF_OR_NULL},
      .ref = HREF_ACQUIRE_RELEASE, .release_arg = 1, .privileged = HLP_PRIV_BPF),
    /* bpf_map_lookup_percpu_elem_proto (kernel/bpf/helpers.c) */
    R(map_lookup_percpu_elem, .ret = HR_MAP_VALUE_OR_NULL, .arg = {HA_CONST_MAP_PTR, HA_MAP_KEY, HA_ANYTHING},
      .pkt_access = 1),
    /* bpf_dynptr_from_mem_proto (kernel/bpf/helpers.c) */
    R(dynptr_from_mem, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING, HA_DYNPTR},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0, HAF_DYNPTR_LOCAL|HAF_UNINIT|HAF_WRITE}, .privileged = HLP_PRIV_BPF),
    /* bpf_ringbuf_reserve_dynptr_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_reserve_dynptr, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING, HA_ANYTHING, HA_DYNPTR},
      .arg_flags = {0, 0, 0, HAF_RINGBUF|HAF_UNINIT|HAF_WRITE}, .ref = HREF_ACQUIRE_DYNPTR, .release_arg = 3,
      .privileged = HLP_PRIV_BPF),
    /* bpf_ringbuf_submit_dynptr_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_submit_dynptr, .ret = HR_VOID, .arg = {HA_DYNPTR, HA_ANYTHING}, .arg_flags = {HAF_RINGBUF, 0},
      .ref = HREF_RELEASE, .release_arg = 0, .privileged = HLP_PRIV_BPF),
    /* bpf_ringbuf_discard_dynptr_proto (kernel/bpf/ringbuf.c) */
    R(ringbuf_discard_dynptr, .ret = HR_VOID, .arg = {HA_DYNPTR, HA_ANYTHING}, .arg_flags = {HAF_RINGBUF, 0},
      .ref = HREF_RELEASE, .release_arg = 0, .privileged = HLP_PRIV_BPF),
    /* bpf_dynptr_read_proto (kernel/bpf/helpers.c) */
    R(dynptr_read, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_DYNPTR, HA_ANYTHING, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0, 0, 0}, .privileged = HLP_PRIV_BPF),
    /* bpf_dynptr_write_proto (kernel/bpf/helpers.c) */
    R(dynptr_write, .ret = HR_INTEGER, .arg = {HA_DYNPTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_RDONLY, 0, 0}, .privileged = HLP_PRIV_BPF),
    /* bpf_dynptr_data_proto (kernel/bpf/helpers.c) */
    R(dynptr_data, .ret = HR_DYNPTR_MEM_OR_NULL, .arg = {HA_DYNPTR, HA_ANYTHING, HA_CONST_ALLOC_SIZE_OR_ZERO},
      .privileged = HLP_PRIV_BPF),
    /* bpf_ktime_get_tai_ns_proto (kernel/bpf/helpers.c) */
    R(ktime_get_tai_ns, .ret = HR_INTEGER),
    /* bpf_user_ringbuf_drain_proto (kernel/bpf/ringbuf.c) */
    RCB(user_ringbuf_drain, 1, 0, 1, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_FUNC, HA_STACK, HA_ANYTHING},
      .arg_flags = {0, 0, HAF_OR_NULL, 0}, .privileged = HLP_PRIV_BPF),
};
const unsigned hlp_nr_protos_core = sizeof(hlp_protos_core) / sizeof(hlp_protos_core[0]);

/* Variants: the other prototypes the kernel has for these ids (the program
 * types' func_proto choose them by name). */
const struct hlp_proto hlp_variants_core[] = {
    /* bpf_get_raw_smp_processor_id_proto (kernel/bpf/helpers.c) */
    R(get_smp_processor_id, .variant = "raw", .ret = HR_INTEGER),
    /* bpf_event_output_data_proto (kernel/bpf/helpers.c) */
    R(perf_event_output, .variant = "data", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_get_stackid_proto_pe (kernel/bpf/stackmap.c) */
    R(get_stackid, .variant = "pe", .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING}),
    /* bpf_get_stack_proto_pe (kernel/bpf/stackmap.c) */
    R(get_stack, .variant = "pe", .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1),
    /* bpf_get_netns_cookie_sockopt_proto (kernel/bpf/cgroup.c) */
    R(get_netns_cookie, .variant = "sockopt", .ret = HR_INTEGER, .arg = {HA_CTX}, .arg_flags = {HAF_OR_NULL}),
};
const unsigned hlp_nr_variants_core = sizeof(hlp_variants_core) / sizeof(hlp_variants_core[0]);
/* clang-format on */
