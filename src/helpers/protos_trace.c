/* protos_trace.c - prototypes of the tracing helpers (kernel/trace/bpf_trace.c,
 * kernel/bpf/bpf_lsm.c, kernel/bpf/task_iter.c) and the IR remote
 * controls' (drivers/media/rc/bpf-lirc.c),
 * as kernel 6.1 defines them (struct bpf_func_proto).  Each row names the
 * kernel's bpf_func_proto it follows and the file defining it. */
#include "protos_internal.h"

/* clang-format off */
const struct hlp_proto hlp_protos_trace[] = {
    /* bpf_probe_read_compat_proto (kernel/trace/bpf_trace.c) */
    R(probe_read, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1),
    /* bpf_trace_printk_proto (kernel/trace/bpf_trace.c) */
    R(trace_printk, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE}, .arg_flags = {HAF_RDONLY, 0}, .gpl_only = 1,
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_perf_event_read_proto (kernel/trace/bpf_trace.c) */
    R(perf_event_read, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING}, .gpl_only = 1,
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_perf_event_output_proto (kernel/trace/bpf_trace.c) */
    R(perf_event_output, .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_get_current_task_proto (kernel/trace/bpf_trace.c) */
    R(get_current_task, .ret = HR_INTEGER, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_probe_write_user_proto (kernel/trace/bpf_trace.c) */
    R(probe_write_user, .ret = HR_INTEGER, .arg = {HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_current_task_under_cgroup_proto (kernel/trace/bpf_trace.c) */
    R(current_task_under_cgroup, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING}, .privileged = HLP_PRIV_BPF),
    /* bpf_probe_read_compat_str_proto (kernel/trace/bpf_trace.c) */
    R(probe_read_str, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1),
    /* bpf_perf_event_read_value_proto (kernel/trace/bpf_trace.c) */
    R(perf_event_read_value, .ret = HR_INTEGER, .arg = {HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, 0, HAF_UNINIT|HAF_WRITE, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_perf_prog_read_value_proto (kernel/trace/bpf_trace.c) */
    R(perf_prog_read_value, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}, .gpl_only = 1),
    /* bpf_override_return_proto (kernel/trace/bpf_trace.c) */
    R(override_return, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING}, .gpl_only = 1),
    /* rc_repeat_proto (drivers/media/rc/bpf-lirc.c) */
    R(rc_repeat, .ret = HR_INTEGER, .arg = {HA_CTX}, .gpl_only = 1),
    /* rc_keydown_proto (drivers/media/rc/bpf-lirc.c) */
    R(rc_keydown, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING, HA_ANYTHING}, .gpl_only = 1),
    /* rc_pointer_rel_proto (drivers/media/rc/bpf-lirc.c) */
    R(rc_pointer_rel, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_ANYTHING}, .gpl_only = 1),
    /* bpf_send_signal_proto (kernel/trace/bpf_trace.c) */
    R(send_signal, .ret = HR_INTEGER, .arg = {HA_ANYTHING}, .privileged = HLP_PRIV_PERFMON),
    /* bpf_probe_read_user_proto (kernel/trace/bpf_trace.c) */
    R(probe_read_user, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_probe_read_kernel_proto (kernel/trace/bpf_trace.c) */
    R(probe_read_kernel, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_probe_read_user_str_proto (kernel/trace/bpf_trace.c) */
    R(probe_read_user_str, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_probe_read_kernel_str_proto (kernel/trace/bpf_trace.c) */
    R(probe_read_kernel_str, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_send_signal_thread_proto (kernel/trace/bpf_trace.c) */
    R(send_signal_thread, .ret = HR_INTEGER, .arg = {HA_ANYTHING}, .privileged = HLP_PRIV_PERFMON),
    /* bpf_read_branch_records_proto (kernel/trace/bpf_trace.c) */
    R(read_branch_records, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_OR_NULL | HAF_WRITE, 0, 0}, .gpl_only = 1), /* MEM_WRITE in 6.18 */
    /* bpf_seq_printf_proto (kernel/trace/bpf_trace.c) */
    R(seq_printf, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, HAF_RDONLY, 0, HAF_OR_NULL|HAF_RDONLY, 0},
      .arg_btf_type = {"seq_file", NULL, NULL, NULL, NULL}, .gpl_only = 1),
    /* bpf_seq_write_proto (kernel/trace/bpf_trace.c) */
    R(seq_write, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, HAF_RDONLY, 0}, .arg_btf_type = {"seq_file", NULL, NULL}, .gpl_only = 1),
    /* bpf_d_path_proto (kernel/trace/bpf_trace.c) */
    R(d_path, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, HAF_WRITE, 0}, /* MEM_WRITE in 6.18 */
      .arg_btf_type = {"path", NULL, NULL}, .restricted = 1),
    /* bpf_snprintf_btf_proto (kernel/trace/bpf_trace.c) */
    R(snprintf_btf, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_MEM, HA_CONST_SIZE, HA_ANYTHING},
      .arg_flags = {HAF_WRITE, 0, HAF_RDONLY, 0, 0}, .privileged = HLP_PRIV_PERFMON), /* MEM_WRITE in 6.18 */
    /* bpf_seq_printf_btf_proto (kernel/trace/bpf_trace.c) */
    R(seq_printf_btf, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0}, .arg_btf_type = {"seq_file", NULL, NULL, NULL}, .gpl_only = 1),
    /* bpf_get_current_task_btf_proto (kernel/trace/bpf_trace.c) */
    R(get_current_task_btf, .ret = HR_BTF_ID, .ret_btf_type = "task_struct", .gpl_only = 1,
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_bprm_opts_set_proto (kernel/bpf/bpf_lsm.c) */
    R(bprm_opts_set, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_ANYTHING}, .arg_btf_type = {"linux_binprm", NULL}),
    /* bpf_ima_inode_hash_proto (kernel/bpf/bpf_lsm.c) */
    R(ima_inode_hash, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}, .arg_btf_type = {"inode", NULL, NULL}, .might_sleep = 1,
      .restricted = 1),
    /* bpf_get_func_ip_proto_tracing (kernel/trace/bpf_trace.c) */
    R(get_func_ip, .ret = HR_INTEGER, .arg = {HA_CTX}, .gpl_only = 1),
    /* bpf_get_attach_cookie_proto_trace (kernel/trace/bpf_trace.c) */
    R(get_attach_cookie, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_task_pt_regs_proto (kernel/trace/bpf_trace.c) */
    R(task_pt_regs, .ret = HR_BTF_ID, .arg = {HA_BTF_ID}, .arg_btf_type = {"task_struct"}, .ret_btf_type = "pt_regs",
      .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_get_branch_snapshot_proto (kernel/trace/bpf_trace.c) */
    R(get_branch_snapshot, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {HAF_UNINIT|HAF_WRITE, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_trace_vprintk_proto (kernel/trace/bpf_trace.c) */
    R(trace_vprintk, .ret = HR_INTEGER, .arg = {HA_MEM, HA_CONST_SIZE, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {HAF_RDONLY, 0, HAF_OR_NULL|HAF_RDONLY, 0}, .gpl_only = 1, .privileged = HLP_PRIV_PERFMON),
    /* bpf_find_vma_proto (kernel/bpf/task_iter.c) */
    RCB(find_vma, 2, 0, 1, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_ANYTHING, HA_FUNC, HA_STACK, HA_ANYTHING},
      .arg_flags = {0, 0, 0, HAF_OR_NULL, 0}, .arg_btf_type = {"task_struct", NULL, NULL, NULL, NULL},
      .privileged = HLP_PRIV_PERFMON),
    /* bpf_get_func_arg_proto (kernel/trace/bpf_trace.c) */
    R(get_func_arg, .ret = HR_INTEGER, .arg = {HA_CTX, HA_ANYTHING, HA_MEM},
      .arg_flags = {0, 0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE}, .arg_size = {0, 0, 8}),
    /* bpf_get_func_ret_proto (kernel/trace/bpf_trace.c) */
    R(get_func_ret, .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM},
      .arg_flags = {0, HAF_ALIGNED|HAF_FIXED|HAF_UNINIT|HAF_WRITE}, .arg_size = {0, 8}),
    /* bpf_get_func_arg_cnt_proto (kernel/trace/bpf_trace.c) */
    R(get_func_arg_cnt, .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_ima_file_hash_proto (kernel/bpf/bpf_lsm.c) */
    R(ima_file_hash, .ret = HR_INTEGER, .arg = {HA_BTF_ID, HA_MEM, HA_CONST_SIZE},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0}, .arg_btf_type = {"file", NULL, NULL}, .might_sleep = 1,
      .restricted = 1),
};
const unsigned hlp_nr_protos_trace = sizeof(hlp_protos_trace) / sizeof(hlp_protos_trace[0]);

/* Variants: the other prototypes the kernel has for these ids (the program
 * types' func_proto choose them by name). */
const struct hlp_proto hlp_variants_trace[] = {
    /* bpf_perf_event_output_proto_tp (kernel/trace/bpf_trace.c) */
    R(perf_event_output, .variant = "tp", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_perf_event_output_proto_raw_tp (kernel/trace/bpf_trace.c) */
    R(perf_event_output, .variant = "raw_tp", .ret = HR_INTEGER,
      .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING, HA_MEM, HA_CONST_SIZE_OR_ZERO},
      .arg_flags = {0, 0, 0, HAF_RDONLY, 0}, .gpl_only = 1),
    /* bpf_get_stackid_proto_tp (kernel/trace/bpf_trace.c) */
    R(get_stackid, .variant = "tp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING}, .gpl_only = 1),
    /* bpf_get_stackid_proto_raw_tp (kernel/trace/bpf_trace.c) */
    R(get_stackid, .variant = "raw_tp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_CONST_MAP_PTR, HA_ANYTHING},
      .gpl_only = 1),
    /* bpf_get_stack_proto_tp (kernel/trace/bpf_trace.c) */
    R(get_stack, .variant = "tp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_UNINIT|HAF_WRITE, 0, 0}, .gpl_only = 1),
    /* bpf_get_stack_proto_raw_tp (kernel/trace/bpf_trace.c) */
    R(get_stack, .variant = "raw_tp", .ret = HR_INTEGER, .arg = {HA_CTX, HA_MEM, HA_CONST_SIZE_OR_ZERO, HA_ANYTHING},
      .arg_flags = {0, HAF_RDONLY, 0, 0}, .gpl_only = 1),
    /* bpf_get_func_ip_proto_tracing (kernel/trace/bpf_trace.c) */
    R(get_func_ip, .variant = "tracing", .ret = HR_INTEGER, .arg = {HA_CTX}, .gpl_only = 1),
    /* bpf_get_func_ip_proto_kprobe (kernel/trace/bpf_trace.c) */
    R(get_func_ip, .variant = "kprobe", .ret = HR_INTEGER, .arg = {HA_CTX}, .gpl_only = 1),
    /* bpf_get_func_ip_proto_kprobe_multi (kernel/trace/bpf_trace.c) */
    R(get_func_ip, .variant = "kprobe_multi", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_attach_cookie_proto_trace (kernel/trace/bpf_trace.c) */
    R(get_attach_cookie, .variant = "trace", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_attach_cookie_proto_pe (kernel/trace/bpf_trace.c) */
    R(get_attach_cookie, .variant = "pe", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_attach_cookie_proto_kmulti (kernel/trace/bpf_trace.c) */
    R(get_attach_cookie, .variant = "kprobe_multi", .ret = HR_INTEGER, .arg = {HA_CTX}),
    /* bpf_get_attach_cookie_proto_tracing (kernel/trace/bpf_trace.c) */
    R(get_attach_cookie, .variant = "tracing", .ret = HR_INTEGER, .arg = {HA_CTX}),
};
const unsigned hlp_nr_variants_trace = sizeof(hlp_variants_trace) / sizeof(hlp_variants_trace[0]);
/* clang-format on */
