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

_Static_assert(sizeof(void *) == 8, "the run-time contexts hold 64-bit pointers (converted loads are BPF_DW)");

/* ------------------------------------------------------------------ XDP */

/* struct pt_xdp_kctx: the run-time context of an XDP program (the
 * kernel's struct xdp_buff, reduced to what a test run has).
 *
 * Buffer layout (as the kernel's test run builds it, net/bpf/test_run.c):
 *
 *   data_hard_start            data_meta   data          data_end     data_hard_start + frame_sz
 *   |<-------- headroom -------->|<- meta ->|<- packet ->|<- tailroom ->|
 *
 * Invariants the run side keeps (the verifier's packet-range proofs rely
 * on them): data_hard_start <= data_meta <= data <= data_end <=
 * data_hard_start + frame_sz; data_meta == data when there is no metadata.
 * The helpers move data (xdp_adjust_head), data_meta (xdp_adjust_meta) and
 * data_end (xdp_adjust_tail) within those bounds. */
struct pt_xdp_kctx {
    uint8_t *data;            /* xdp_md.data: the first byte of the packet (PT_REG_PKT) */
    uint8_t *data_end;        /* xdp_md.data_end: one past the last byte of the first buffer (PT_REG_PKT_END) */
    uint8_t *data_meta;       /* xdp_md.data_meta: the metadata before data, == data when none (PT_REG_PKT_META) */
    uint8_t *data_hard_start; /* start of the buffer: the lowest address data_meta/data may move to */
    uint32_t frame_sz;        /* bytes from data_hard_start to the end of the tailroom (kernel: xdp_buff.frame_sz) */
    uint32_t ingress_ifindex; /* xdp_md.ingress_ifindex (kernel: rxq->dev->ifindex) */
    uint32_t rx_queue_index;  /* xdp_md.rx_queue_index (kernel: rxq->queue_index) */
    uint32_t egress_ifindex;  /* xdp_md.egress_ifindex (kernel: txq->dev->ifindex; devmap programs only) */
    uint32_t flags;           /* PT_XDP_F_* */
    uint32_t nr_frags;        /* fragments after the first buffer (xdp.frags programs) */
    void *frags;              /* the run side's fragment list (NULL when nr_frags is 0) */
    void *run;                /* the run side's state for helpers (maps, trace buffer, ...); opaque here */
};
#define PT_XDP_F_FRAGS 1u /* the program was loaded with BPF_F_XDP_HAS_FRAGS (kernel: XDP_FLAGS_HAS_FRAGS) */

/* ---------------------------------------------------------- __sk_buff */

/* struct pt_skb_kctx: the run-time context of the types whose UAPI
 * context is struct __sk_buff (socket_filter, sched_cls, sched_act,
 * cgroup_skb, and lwt_*, sk_skb when they run): the kernel's struct
 * sk_buff and its control block, reduced to what a program can see.
 *
 * Each field has the width of the kernel field the kernel's conversion
 * reads (skb->protocol is 16 bits, skb->pkt_type 3 bits of a byte, ...),
 * so that the conversion below gives the kernel's value for every access,
 * narrow loads included: a narrow load reads the whole kernel field and
 * shifts/masks only when it is narrower than that field, as the kernel's
 * convert_ctx_accesses does (a 2-byte load of __sk_buff.protocol at
 * either half gives the whole protocol).
 *
 * Buffer layout (the kernel's head/data/tail/end):
 *
 *   head            data_meta   data          data_end        end
 *   |<- headroom ->|<- meta -->|<- linear -->|<- tailroom -->|
 *
 * data_end is the end of the linear part (the kernel keeps it in the
 * control block, bpf_compute_data_pointers); len - (data_end - data) bytes
 * more are non-linear (data_len), which bpfrt's test run does not create
 * (len == data_end - data) but the fields allow. */
struct pt_skb_kctx {
    /* Pointers (direct packet access and the helpers' view) */
    uint8_t *data;      /* __sk_buff.data (PT_REG_PKT) */
    uint8_t *data_end;  /* __sk_buff.data_end: end of the linear part (PT_REG_PKT_END) */
    uint8_t *data_meta; /* __sk_buff.data_meta: == data when no metadata (PT_REG_PKT_META, tc only) */
    uint8_t *head;      /* start of the buffer: skb_change_head / adjust_room move data down to here */
    uint8_t *end;       /* end of the buffer: skb_change_tail grows data_end up to here */
    void *sk;           /* __sk_buff.sk: a struct bpf_sock view of the socket, NULL when none */
    void *flow_keys;    /* __sk_buff.flow_keys: struct bpf_flow_keys * (flow dissector) */
    void *run;          /* the run side's state for helpers; opaque here */
    uint64_t tstamp;    /* __sk_buff.tstamp (read and written as is; see ctx_skb.c) */
    uint64_t hwtstamp;  /* __sk_buff.hwtstamp (kernel: skb_shinfo(skb)->hwtstamps.hwtstamp) */
    /* 32-bit fields */
    uint32_t len;             /* __sk_buff.len: packet bytes, linear and not */
    uint32_t data_len;        /* non-linear bytes (kernel skb->data_len); not visible to programs */
    uint32_t mark;            /* __sk_buff.mark */
    uint32_t priority;        /* __sk_buff.priority */
    uint32_t ingress_ifindex; /* __sk_buff.ingress_ifindex (kernel: skb->skb_iif) */
    uint32_t ifindex;         /* __sk_buff.ifindex (kernel: skb->dev->ifindex, 0 without a device) */
    uint32_t hash;            /* __sk_buff.hash */
    uint32_t
        napi_id; /* __sk_buff.napi_id: 0 unless a valid NAPI id (the kernel's >= MIN_NAPI_ID test done by the filler) */
    uint32_t wire_len;      /* __sk_buff.wire_len (kernel: qdisc_skb_cb.pkt_len) */
    uint32_t remote_ip4;    /* __sk_buff.remote_ip4 (kernel: sk->skc_daddr), network order */
    uint32_t local_ip4;     /* __sk_buff.local_ip4 (kernel: sk->skc_rcv_saddr), network order */
    uint32_t remote_ip6[4]; /* __sk_buff.remote_ip6 (kernel: sk->skc_v6_daddr) */
    uint32_t local_ip6[4];  /* __sk_buff.local_ip6 (kernel: sk->skc_v6_rcv_saddr) */
    uint8_t cb[20];         /* __sk_buff.cb[5] (kernel: qdisc_skb_cb.data, 20 bytes); accessed at any size */
    /* 16-bit fields */
    uint16_t family;        /* __sk_buff.family (kernel: sk->skc_family) */
    uint16_t remote_port;   /* kernel sk->skc_dport, network order; a load gives it << 16, as the kernel's */
    uint16_t local_port;    /* __sk_buff.local_port (kernel: sk->skc_num), host order */
    uint16_t protocol;      /* __sk_buff.protocol (kernel: skb->protocol), network order */
    uint16_t vlan_proto;    /* __sk_buff.vlan_proto, network order; with vlan_tci the kernel's vlan_all */
    uint16_t vlan_tci;      /* __sk_buff.vlan_tci; vlan_present is (vlan_proto, vlan_tci) != 0 */
    uint16_t queue_mapping; /* __sk_buff.queue_mapping (writes of >= 0xffff are dropped, as the kernel's) */
    uint16_t tc_index;      /* __sk_buff.tc_index */
    uint16_t tc_classid;    /* __sk_buff.tc_classid (kernel: qdisc_skb_cb.tc_classid) */
    uint16_t gso_segs;      /* __sk_buff.gso_segs (kernel: skb_shinfo(skb)->gso_segs) */
    uint16_t gso_size;      /* __sk_buff.gso_size (kernel: skb_shinfo(skb)->gso_size) */
    /* 8-bit fields */
    uint8_t pkt_type;    /* __sk_buff.pkt_type: PACKET_HOST ... (3 bits; loads mask with 7 as the kernel's) */
    uint8_t tstamp_type; /* __sk_buff.tstamp_type: BPF_SKB_TSTAMP_* (the kernel derives it from skb bits) */
};

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
