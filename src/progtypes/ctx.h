/* ctx.h - the program types' context rules (the kernel's is_valid_access,
 * convert_ctx_access and the return-value part of check_return_code) and
 * bpfrt's own run-time context structs for the networking types.
 *
 * What a program sees is the UAPI struct (struct xdp_md, struct
 * __sk_buff, ...).  What it runs on, once the verifier has converted its
 * context accesses, is one of the structs below: the kernel rewrites
 * `r2 = *(u32 *)(r1 + offsetof(struct xdp_md, data))` into a 64-bit load
 * from struct xdp_buff; bpfrt rewrites it into a 64-bit load from struct
 * pt_xdp_kctx.  The run side (the test run of the next issue) fills these
 * structs; the helpers (skb_load_bytes, xdp_adjust_head, ...) receive the
 * same pointer in r1 and find the packet through it.
 *
 * The rule functions live one family per file: ctx_xdp.c (xdp_md),
 * ctx_skb.c (__sk_buff for every type that has it, sk_reuseport_md),
 * ctx_sock.c (bpf_sock, bpf_sock_addr, bpf_sock_ops, sk_msg_md,
 * bpf_sk_lookup, bpf_sysctl, bpf_sockopt, bpf_cgroup_dev_ctx) and
 * ctx_trace.c (pt_regs, tracepoint buffers, bpf_perf_event_data, raw
 * tracepoint arguments, and the small contexts of lirc, syscall and
 * netfilter programs).
 *
 * What the functions check, and what they leave to the verifier: see
 * "Division of labour" at the end of this file. */
#ifndef BPFRT_PROGTYPES_CTX_H
#define BPFRT_PROGTYPES_CTX_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "progtypes.h"


/* The run-time context structs (struct pt_xdp_kctx, struct pt_skb_kctx)
 * live in src/helpers/kctx.h: the helpers find the packet through them and
 * come before the program types in the layering. */
#include "../helpers/kctx.h"

/* ---------------------------------------------------------- rules */

/* bpf_ctx_narrow_access_ok: a load of part of a field must be a power of
 * two no wider than the field (the alignment is checked separately). */
static inline int pt_narrow_ok(uint32_t size, uint32_t field)
{
    return size <= field && (size & (size - 1)) == 0;
}

/* Fill *res for a plain scalar access. */
static inline int pt_ok(struct pt_access_res *res, uint8_t kind, uint32_t field_size)
{
    res->reg_kind = kind;
    res->ctx_field_size = field_size;
    res->btf_type = NULL;
    return 1;
}

/* Instruction builders for the conversions (BPF_SIZE codes: BPF_B, BPF_H,
 * BPF_W, BPF_DW). */
static inline struct bpf_insn pt_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return i;
}
#define PT_LDX(sz, dst, src, off) pt_insn(BPF_LDX | BPF_MEM | (sz), (dst), (src), (int16_t)(off), 0)
#define PT_STX(sz, dst, src, off) pt_insn(BPF_STX | BPF_MEM | (sz), (dst), (src), (int16_t)(off), 0)
#define PT_ST(sz, dst, off, imm) pt_insn(BPF_ST | BPF_MEM | (sz), (dst), 0, (int16_t)(off), (imm))
#define PT_ALU32_IMM(op, dst, imm) pt_insn(BPF_ALU | (op) | BPF_K, (dst), 0, 0, (imm))
#define PT_ALU64_IMM(op, dst, imm) pt_insn(BPF_ALU64 | (op) | BPF_K, (dst), 0, 0, (imm))
#define PT_JMP_IMM(op, dst, imm, off) pt_insn(BPF_JMP | (op) | BPF_K, (dst), 0, (int16_t)(off), (imm))
#define PT_JA(off) pt_insn(BPF_JMP | BPF_JA, 0, 0, (int16_t)(off), 0)

/* The BPF_SIZE code of a size in bytes (1, 2, 4, 8), -1 otherwise. */
static inline int pt_size_code(uint32_t bytes)
{
    switch (bytes) {
    case 1: return BPF_B;
    case 2: return BPF_H;
    case 4: return BPF_W;
    case 8: return BPF_DW;
    default: return -1;
    }
}

/* The size in bytes of a load/store instruction. */
static inline uint32_t pt_insn_bytes(const struct bpf_insn *in)
{
    switch (BPF_SIZE(in->code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
    }
}

/* ctx_xdp.c */
int pt_xdp_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_xdp_convert_access(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *out, size_t max);

/* ctx_skb.c */
int pt_socket_filter_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_tc_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_cgroup_skb_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_lwt_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sk_skb_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_flow_dissector_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sk_reuseport_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_skb_convert_access(const struct bpf_insn *in, uint32_t ctx_field_size, struct bpf_insn *out, size_t max);
int pt_cgroup_skb_ret_range(int attach, int64_t *ret_min, int64_t *ret_max);

/* ctx_sock.c */
int pt_cgroup_sock_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sock_addr_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sock_ops_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sk_msg_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sk_lookup_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sysctl_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sockopt_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_cgroup_dev_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_sock_addr_ret_range(int attach, int64_t *ret_min, int64_t *ret_max);
/* struct bpf_sock_ops as kernels >= 6.3 have it: the 6.1 header's
 * struct ends at skb_tcp_flags (216 bytes); newer kernels append
 * __u64 skb_hwtstamp there. */
#define PT_SOCK_OPS_HWTSTAMP 216u
#define PT_SOCK_OPS_SIZE 224u
/* 0..1: cgroup_sock, sock_ops, cgroup_device, cgroup_sysctl, cgroup_sockopt, sk_lookup */
int pt_ret_range_0_1(int attach, int64_t *ret_min, int64_t *ret_max);

/* ctx_trace.c */
#if defined(__x86_64__)
#define PT_REGS_SIZE 168u /* the kernel's sizeof(struct pt_regs) on x86-64: 21 registers */
#else
#error "PT_REGS_SIZE: the kernel's sizeof(struct pt_regs) for this architecture is not known"
#endif
#define PT_PERF_EVENT_DATA_SIZE (PT_REGS_SIZE + 16u) /* struct bpf_perf_event_data: regs, sample_period, addr */
#define PT_TRACEPOINT_CTX_SIZE 8192u                 /* the kernel's PERF_MAX_TRACE_SIZE */
#define PT_RAW_TP_CTX_SIZE 96u                       /* 8 * MAX_BPF_FUNC_ARGS */
int pt_kprobe_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_tracepoint_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_perf_event_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_raw_tp_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_raw_tp_writable_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_lirc_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_syscall_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_netfilter_is_valid_access(const struct pt_access *a, struct pt_access_res *res);
int pt_kprobe_ret_range(int attach, int64_t *ret_min, int64_t *ret_max);
int pt_netfilter_ret_range(int attach, int64_t *ret_min, int64_t *ret_max);

/* Division of labour with the verifier (what these functions do NOT do):
 *  - the access size is one of 1, 2, 4, 8 and the offset is the constant
 *    reg->off + insn->off of a context pointer with no variable part (the
 *    kernel's check_ptr_off_reg: "dereference of modified ctx ptr" for a
 *    variable or nonzero register offset) - the verifier checks that first;
 *  - alignment: on x86-64 the kernel does not check context alignment
 *    itself (no strict alignment), it relies on is_valid_access, and these
 *    functions refuse misaligned accesses exactly where the kernel's do;
 *  - BPF_ATOMIC on the context: refused here (a->atomic), as the kernel
 *    refuses it in check_atomic for every type; its message is
 *    "BPF_ATOMIC stores into R%d ctx is not allowed";
 *  - BPF_ST (store of an immediate): allowed wherever a store is, as
 *    kernels >= 6.3 do (older kernels refused it in do_check);
 *    convert_access converts both ST and STX;
 *  - a pointer stored into the context (unprivileged: "leaks addr into
 *    ctx") and uninitialised source registers are the verifier's;
 *  - BPF_MEMSX (sign-extending) loads from the context: the kernel refuses
 *    them for converted fields; the verifier decides;
 *  - the register the verifier gives the loaded value: res->reg_kind; a
 *    narrow load's ctx_field_size must be kept per instruction and passed
 *    to convert_access, which rebuilds the whole access (the narrow
 *    shift/mask included). */

#endif
