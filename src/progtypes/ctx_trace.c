/* ctx_trace.c - the context rules of the tracing types and of the small
 * contexts: kprobe (struct pt_regs), tracepoint (the event's raw record),
 * perf_event (struct bpf_perf_event_data), raw_tracepoint and its
 * writable variant (the arguments, u64 each), lirc_mode2 (one u32
 * sample), syscall (the caller's buffer), netfilter (struct bpf_nf_ctx).
 *
 * Kernel behaviour matched: kernel/trace/bpf_trace.c
 * (kprobe_prog_is_valid_access, tp_prog_, pe_prog_, raw_tp_prog_,
 * raw_tp_writable_prog_is_valid_access), include/linux/bpf.h
 * (bpf_tracing_ctx_access), kernel/bpf/syscall.c
 * (syscall_prog_is_valid_access), drivers/media/rc/bpf-lirc.c
 * (lirc_mode2_is_valid_access), net/netfilter/nf_bpf_link.c
 * (nf_is_valid_access).  All of these contexts are read-only except the
 * syscall type's; none is converted (the kernel reads them as they are,
 * perf_event's sample_period and addr aside, which bpfrt does not run). */
#include "ctx.h"

/* kprobe_prog_is_valid_access: aligned reads inside struct pt_regs. */
int pt_kprobe_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->write || a->off >= PT_REGS_SIZE || a->off % a->size != 0 || a->off + a->size > PT_REGS_SIZE)
        return 0;
    return pt_ok(res, PT_REG_SCALAR, 0);
}

/* tp_prog_is_valid_access: aligned reads of the record after its 8-byte
 * common header, below PERF_MAX_TRACE_SIZE (the tracepoint's own size is
 * checked when the program is attached, not here). */
int pt_tracepoint_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->write || a->off < 8 || a->off >= PT_TRACEPOINT_CTX_SIZE || a->off % a->size != 0)
        return 0;
    return pt_ok(res, PT_REG_SCALAR, 0);
}

/* pe_prog_is_valid_access: the registers read as whole 64-bit words;
 * sample_period and addr readable in part. */
int pt_perf_event_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    uint32_t off = a->off, size = a->size;

    if (a->atomic || a->write || off >= PT_PERF_EVENT_DATA_SIZE || off % size != 0)
        return 0;
    if (off >= PT_REGS_SIZE) /* sample_period, addr */
        return pt_narrow_ok(size, 8) ? pt_ok(res, PT_REG_SCALAR, size < 8 ? 8 : 0) : 0;
    return size == 8 ? pt_ok(res, PT_REG_SCALAR, 0) : 0;
}

/* bpf_tracing_ctx_access: aligned reads of the first MAX_BPF_FUNC_ARGS
 * u64 arguments. */
int pt_raw_tp_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->write || a->off >= PT_RAW_TP_CTX_SIZE || a->off % a->size != 0)
        return 0;
    return pt_ok(res, PT_REG_SCALAR, 0);
}

/* raw_tp_writable_prog_is_valid_access: the first argument is the
 * writable tracepoint buffer, read as a whole 64-bit pointer. */
int pt_raw_tp_writable_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->off == 0) {
        if (a->size != 8 || a->write || a->atomic)
            return 0;
        return pt_raw_tp_is_valid_access(a, res) ? pt_ok(res, PT_REG_TP_BUFFER, 0) : 0;
    }
    return pt_raw_tp_is_valid_access(a, res);
}

/* lirc_mode2_is_valid_access: the one u32 sample, read whole. */
int pt_lirc_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->write || a->size != 4 || a->off != 0)
        return 0;
    return pt_ok(res, PT_REG_SCALAR, 0);
}

/* syscall_prog_is_valid_access: the caller's context buffer, read and
 * written at any aligned offset below U16_MAX (its real size is checked
 * at run time against the program's max_ctx_offset). */
int pt_syscall_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->off >= 0xffff || a->off % a->size != 0)
        return 0;
    return pt_ok(res, PT_REG_SCALAR, 0);
}

/* nf_is_valid_access: struct bpf_nf_ctx's two kernel pointers, read as
 * whole 64-bit words: state (struct nf_hook_state) and skb (struct
 * sk_buff), BTF-typed. */
int pt_netfilter_is_valid_access(const struct pt_access *a, struct pt_access_res *res)
{
    if (a->atomic || a->write || a->off >= 16 || a->size != 8 || a->off % 8 != 0)
        return 0;
    pt_ok(res, PT_REG_BTF_ID, 0);
    res->btf_type = a->off == 0 ? "nf_hook_state" : "sk_buff";
    return 1;
}

/* check_return_code: a kprobe.session program returns 0 (run the return
 * probe) or 1 (skip it); other kprobes anything. */
int pt_kprobe_ret_range(int attach, int64_t *ret_min, int64_t *ret_max)
{
    if (attach != PT_ATTACH_TRACE_KPROBE_SESSION)
        return 0;
    *ret_min = 0;
    *ret_max = 1;
    return 1;
}

/* check_return_code: netfilter hooks return NF_DROP (0) or NF_ACCEPT (1). */
int pt_netfilter_ret_range(int attach, int64_t *ret_min, int64_t *ret_max)
{
    (void)attach;
    *ret_min = 0;
    *ret_max = 1;
    return 1;
}
