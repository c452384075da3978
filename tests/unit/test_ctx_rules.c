/* test_ctx_rules.c - the program types' context rules (src/progtypes/ctx_*.c):
 * which context accesses each type allows, the register type a load gives,
 * the conversion of __sk_buff and xdp_md accesses to bpfrt's run-time
 * contexts, and the return-value ranges.  Each test names the kernel
 * behaviour it matches (net/core/filter.c, kernel/bpf/verifier.c); the
 * exhaustive comparison with the running kernel is
 * tests/kernel-diff/test_ctx_access_diff.c.
 *
 * The conversions are checked by what they compute: a small evaluator
 * below runs the converted instructions (loads, stores, the few ALU and
 * jump forms a conversion emits) on a filled struct pt_skb_kctx. */
#include <criterion/criterion.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <stdint.h>
#include <string.h>

#include "progtypes/ctx.h"
#include "progtypes/progtypes.h"

#define SKB(f) ((uint32_t)offsetof(struct __sk_buff, f))

static int acc(const struct pt_desc *d, uint32_t off, uint32_t size, int write, struct pt_access_res *res)
{
    struct pt_access a = {.off = off, .size = size, .write = (uint8_t)write, .priv = 1};
    struct pt_access_res dummy;

    return d->is_valid_access(&a, res ? res : &dummy);
}

static int acc_at(const struct pt_desc *d, uint32_t off, uint32_t size, int write, int attach, int priv)
{
    struct pt_access a = {.off = off, .size = size, .write = (uint8_t)write, .priv = (uint8_t)priv, .attach = attach};
    struct pt_access_res res;

    return d->is_valid_access(&a, &res);
}

/* ------------------------------------------------------------ rules */

Test(ctx_rules, xdp_packet_pointers_are_typed)
{
    /* xdp_is_valid_access: data -> PTR_TO_PACKET, data_meta ->
     * PTR_TO_PACKET_META, data_end -> PTR_TO_PACKET_END; the rest scalars */
    struct pt_access_res res;

    cr_assert(acc(&pt_xdp, offsetof(struct xdp_md, data), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT);
    cr_assert(acc(&pt_xdp, offsetof(struct xdp_md, data_end), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT_END);
    cr_assert(acc(&pt_xdp, offsetof(struct xdp_md, data_meta), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT_META);
    cr_assert(acc(&pt_xdp, offsetof(struct xdp_md, rx_queue_index), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_SCALAR);
    cr_assert_eq(res.ctx_field_size, 0);
}

Test(ctx_rules, xdp_whole_words_read_only)
{
    /* __is_valid_xdp_access: size 4 only, aligned; no writes (only
     * device-bound programs may write rx_queue_index) */
    cr_assert_not(acc(&pt_xdp, offsetof(struct xdp_md, data), 8, 0, NULL));
    cr_assert_not(acc(&pt_xdp, offsetof(struct xdp_md, ingress_ifindex), 2, 0, NULL));
    cr_assert_not(acc(&pt_xdp, offsetof(struct xdp_md, ingress_ifindex) + 2, 2, 0, NULL));
    cr_assert_not(acc(&pt_xdp, offsetof(struct xdp_md, rx_queue_index), 4, 1, NULL));
    cr_assert_not(acc(&pt_xdp, sizeof(struct xdp_md), 4, 0, NULL));
}

Test(ctx_rules, xdp_egress_ifindex_for_devmap_programs_only)
{
    /* xdp_is_valid_access: egress_ifindex refused unless the expected
     * attach type is BPF_XDP_DEVMAP */
    uint32_t off = offsetof(struct xdp_md, egress_ifindex);

    cr_assert_not(acc_at(&pt_xdp, off, 4, 0, 0, 1));
    cr_assert_not(acc_at(&pt_xdp, off, 4, 0, BPF_XDP, 1));
    cr_assert(acc_at(&pt_xdp, off, 4, 0, BPF_XDP_DEVMAP, 1));
}

Test(ctx_rules, skb_mark_writable_by_tc_not_by_socket_filter)
{
    /* tc_cls_act_is_valid_access lists mark among the writable fields;
     * sk_filter_is_valid_access allows writes to cb[] only */
    cr_assert(acc(&pt_sched_cls, SKB(mark), 4, 1, NULL));
    cr_assert(acc(&pt_sched_act, SKB(mark), 4, 1, NULL));
    cr_assert_not(acc(&pt_socket_filter, SKB(mark), 4, 1, NULL));
    cr_assert(acc(&pt_socket_filter, SKB(mark), 4, 0, NULL));
    /* writes are whole words */
    cr_assert_not(acc(&pt_sched_cls, SKB(mark), 2, 1, NULL));
}

Test(ctx_rules, skb_cb_writable_at_any_size_within_cb)
{
    /* bpf_skb_is_valid_access: cb[0]..cb[4] at any aligned size, not past
     * cb[4]; writable by every __sk_buff type that writes (socket
     * filters included) */
    cr_assert(acc(&pt_socket_filter, SKB(cb[0]), 8, 1, NULL));
    cr_assert(acc(&pt_socket_filter, SKB(cb[2]) + 1, 1, 1, NULL));
    cr_assert(acc(&pt_cgroup_skb, SKB(cb[4]), 4, 1, NULL));
    cr_assert(acc(&pt_sched_cls, SKB(cb[4]) + 2, 2, 0, NULL));
    cr_assert_not(acc(&pt_sched_cls, SKB(cb[4]), 8, 0, NULL)); /* 4 bytes past cb[4] */
    cr_assert_not(acc(&pt_sched_cls, SKB(cb[1]), 8, 0, NULL)); /* misaligned */
}

Test(ctx_rules, skb_data_end_is_packet_end_for_tc_refused_for_socket_filter)
{
    /* tc_cls_act_is_valid_access: data_end -> PTR_TO_PACKET_END, data_meta
     * -> PTR_TO_PACKET_META; socket filters have no direct packet access */
    struct pt_access_res res;

    cr_assert(acc(&pt_sched_cls, SKB(data_end), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT_END);
    cr_assert(acc(&pt_sched_cls, SKB(data), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT);
    cr_assert(acc(&pt_sched_cls, SKB(data_meta), 4, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_PKT_META);
    cr_assert_not(acc(&pt_socket_filter, SKB(data_end), 4, 0, NULL));
    cr_assert_not(acc(&pt_socket_filter, SKB(data), 4, 0, NULL));
    /* the 32-bit UAPI pointers are read as whole words only */
    cr_assert_not(acc(&pt_sched_cls, SKB(data), 2, 0, NULL));
    cr_assert_not(acc(&pt_sched_cls, SKB(data), 8, 0, NULL));
}

Test(ctx_rules, skb_narrow_loads_of_32bit_fields)
{
    /* bpf_skb_is_valid_access default case: bpf_ctx_record_field_size(4)
     * and bpf_ctx_narrow_access_ok - byte 0 of protocol (and every byte
     * and half) readable, the field size reported for the rewrite; no
     * 8-byte loads; writes whole */
    struct pt_access_res res;

    cr_assert(acc(&pt_socket_filter, SKB(protocol), 1, 0, &res));
    cr_assert_eq(res.ctx_field_size, 4);
    cr_assert(acc(&pt_socket_filter, SKB(protocol) + 3, 1, 0, &res));
    cr_assert(acc(&pt_socket_filter, SKB(protocol) + 2, 2, 0, &res));
    cr_assert_eq(res.ctx_field_size, 4);
    cr_assert(acc(&pt_socket_filter, SKB(protocol), 4, 0, &res));
    cr_assert_eq(res.ctx_field_size, 0);
    cr_assert_not(acc(&pt_socket_filter, SKB(protocol), 8, 0, NULL));
    cr_assert_not(acc(&pt_socket_filter, SKB(protocol) + 1, 2, 0, NULL));
}

Test(ctx_rules, cgroup_skb_privileged_packet_access_and_tstamp)
{
    /* cg_skb_is_valid_access: data/data_end need bpf_capable(); tstamp
     * writable only when bpf_capable(); mark, priority, cb[] writable;
     * no data_meta, tc_classid, wire_len */
    cr_assert(acc_at(&pt_cgroup_skb, SKB(data), 4, 0, 0, 1));
    cr_assert_not(acc_at(&pt_cgroup_skb, SKB(data), 4, 0, 0, 0));
    cr_assert_not(acc_at(&pt_cgroup_skb, SKB(data_end), 4, 0, 0, 0));
    cr_assert(acc_at(&pt_cgroup_skb, SKB(tstamp), 8, 1, 0, 1));
    cr_assert_not(acc_at(&pt_cgroup_skb, SKB(tstamp), 8, 1, 0, 0));
    cr_assert(acc_at(&pt_cgroup_skb, SKB(priority), 4, 1, 0, 0));
    cr_assert_not(acc_at(&pt_cgroup_skb, SKB(data_meta), 4, 0, 0, 1));
    cr_assert_not(acc_at(&pt_cgroup_skb, SKB(wire_len), 4, 0, 0, 1));
    /* socket addresses: cgroup_skb yes, tc no */
    cr_assert(acc_at(&pt_cgroup_skb, SKB(remote_ip4), 4, 0, 0, 1));
    cr_assert_not(acc(&pt_sched_cls, SKB(remote_ip4), 4, 0, NULL));
}

Test(ctx_rules, skb_sk_pointer_and_tstamp_type)
{
    /* bpf_skb_is_valid_access: sk is PTR_TO_SOCK_COMMON_OR_NULL, read as
     * 8 bytes only; tstamp_type one byte, tc only; the padding after it
     * refused */
    struct pt_access_res res;

    cr_assert(acc(&pt_sched_cls, SKB(sk), 8, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_SOCK_COMMON_OR_NULL);
    cr_assert_not(acc(&pt_sched_cls, SKB(sk), 4, 0, NULL));
    cr_assert_not(acc(&pt_sched_cls, SKB(sk), 8, 1, NULL));
    cr_assert(acc(&pt_sched_cls, SKB(tstamp_type), 1, 0, NULL));
    cr_assert_not(acc(&pt_sched_cls, SKB(tstamp_type), 2, 0, NULL));
    cr_assert_not(acc(&pt_socket_filter, SKB(tstamp_type), 1, 0, NULL));
    cr_assert_not(acc(&pt_sched_cls, SKB(tstamp_type) + 1, 1, 0, NULL));
}

Test(ctx_rules, atomics_on_the_context_refused)
{
    /* check_atomic: "BPF_ATOMIC stores into R1 ctx is not allowed" for
     * every type, even where a plain store is allowed */
    struct pt_access a = {.off = SKB(mark), .size = 4, .write = 1, .priv = 1, .atomic = 1};
    struct pt_access_res res;

    cr_assert_not(pt_sched_cls.is_valid_access(&a, &res));
    a.off = SKB(cb[0]);
    cr_assert_not(pt_socket_filter.is_valid_access(&a, &res));
}

Test(ctx_rules, sock_addr_fields_follow_the_attach_type)
{
    /* sock_addr_is_valid_access: user_ip4 for IPv4 hooks, user_ip6 for
     * IPv6 ones (8-byte wide access allowed), msg_src_ip4 for sendmsg4
     * only, sk a full socket */
    const struct pt_desc *d = pt_by_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
    uint32_t ip4 = offsetof(struct bpf_sock_addr, user_ip4), ip6 = offsetof(struct bpf_sock_addr, user_ip6);
    struct pt_access a = {.off = offsetof(struct bpf_sock_addr, sk), .size = 8, .attach = BPF_CGROUP_INET4_CONNECT};
    struct pt_access_res res;

    cr_assert(acc_at(d, ip4, 4, 1, BPF_CGROUP_INET4_CONNECT, 1));
    cr_assert(acc_at(d, ip4 + 1, 1, 0, BPF_CGROUP_INET4_CONNECT, 1));
    cr_assert_not(acc_at(d, ip4, 4, 0, BPF_CGROUP_INET6_CONNECT, 1));
    cr_assert(acc_at(d, ip6 + 8, 8, 1, BPF_CGROUP_INET6_CONNECT, 1));
    cr_assert_not(acc_at(d, ip6 + 4, 8, 0, BPF_CGROUP_INET6_CONNECT, 1));
    cr_assert_not(acc_at(d, offsetof(struct bpf_sock_addr, msg_src_ip4), 4, 0, BPF_CGROUP_INET4_CONNECT, 1));
    cr_assert(acc_at(d, offsetof(struct bpf_sock_addr, msg_src_ip4), 4, 0, BPF_CGROUP_UDP4_SENDMSG, 1));
    cr_assert(d->is_valid_access(&a, &res));
    cr_assert_eq(res.reg_kind, PT_REG_SOCKET);
}

Test(ctx_rules, sk_lookup_remote_port_and_padding)
{
    /* sk_lookup_is_valid_access: remote_port is 16 bits, also readable as
     * a 32-bit word "for backward compatibility"; the zero padding after
     * it as 16 bits; sk a socket or null */
    const struct pt_desc *d = pt_by_type(BPF_PROG_TYPE_SK_LOOKUP);
    uint32_t rp = offsetof(struct bpf_sk_lookup, remote_port);
    struct pt_access_res res;

    cr_assert(acc(d, rp, 4, 0, &res));
    cr_assert(acc(d, rp, 2, 0, &res));
    cr_assert(acc(d, rp + 1, 1, 0, &res));
    cr_assert_eq(res.ctx_field_size, 2);
    cr_assert(acc(d, rp + 2, 2, 0, &res));
    cr_assert_not(acc(d, rp, 8, 0, NULL));
    cr_assert(acc(d, 0, 8, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_SOCKET_OR_NULL);
    cr_assert_not(acc(d, rp, 4, 1, NULL));
}

Test(ctx_rules, tracing_contexts_read_only)
{
    /* kprobe_prog_is_valid_access: aligned reads inside pt_regs;
     * tp_prog_is_valid_access: not the 8-byte common header;
     * pe_prog_is_valid_access: sample_period readable in part, registers
     * whole; raw_tp_writable: args[0] is the tracepoint buffer */
    const struct pt_desc *kp = pt_by_type(BPF_PROG_TYPE_KPROBE), *tp = pt_by_type(BPF_PROG_TYPE_TRACEPOINT);
    const struct pt_desc *pe = pt_by_type(BPF_PROG_TYPE_PERF_EVENT);
    const struct pt_desc *rw = pt_by_type(BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE);
    struct pt_access_res res;

    cr_assert(acc(kp, PT_REGS_SIZE - 8, 8, 0, NULL));
    cr_assert_not(acc(kp, PT_REGS_SIZE - 4, 8, 0, NULL));
    cr_assert_not(acc(kp, 0, 8, 1, NULL));
    cr_assert_not(acc(tp, 0, 8, 0, NULL));
    cr_assert(acc(tp, 8, 4, 0, NULL));
    cr_assert(acc(pe, PT_REGS_SIZE, 2, 0, &res));
    cr_assert_eq(res.ctx_field_size, 8);
    cr_assert_not(acc(pe, 0, 4, 0, NULL));
    cr_assert(acc(rw, 0, 8, 0, &res));
    cr_assert_eq(res.reg_kind, PT_REG_TP_BUFFER);
}

Test(ctx_rules, nothing_past_the_context)
{
    /* every is_valid_access refuses accesses starting at or past the
     * row's ctx_size, at every size: ctx_size is the kernel's bound */
    const enum bpf_prog_type types[] = {
        BPF_PROG_TYPE_XDP,
        BPF_PROG_TYPE_SCHED_CLS,
        BPF_PROG_TYPE_SOCKET_FILTER,
        BPF_PROG_TYPE_CGROUP_SKB,
        BPF_PROG_TYPE_LWT_IN,
        BPF_PROG_TYPE_SK_SKB,
        BPF_PROG_TYPE_SOCK_OPS,
        BPF_PROG_TYPE_SK_MSG,
        BPF_PROG_TYPE_SK_LOOKUP,
        BPF_PROG_TYPE_CGROUP_SOCK,
        BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
        BPF_PROG_TYPE_CGROUP_SYSCTL,
        BPF_PROG_TYPE_CGROUP_SOCKOPT,
        BPF_PROG_TYPE_CGROUP_DEVICE,
        BPF_PROG_TYPE_KPROBE,
        BPF_PROG_TYPE_PERF_EVENT,
        BPF_PROG_TYPE_RAW_TRACEPOINT,
        BPF_PROG_TYPE_SK_REUSEPORT,
        BPF_PROG_TYPE_FLOW_DISSECTOR,
        BPF_PROG_TYPE_TRACEPOINT,
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const struct pt_desc *d = pt_by_type(types[i]);

        cr_assert(d && d->is_valid_access, "type %d has no context rules", types[i]);
        cr_assert_gt(d->ctx_size, 0, "%s: no context size", d->name);
        for (uint32_t size = 1; size <= 8; size *= 2)
            for (uint32_t off = d->ctx_size; off < d->ctx_size + 16; off++)
                for (int w = 0; w < 2; w++)
                    cr_assert_not(acc_at(d, off, size, w, 0, 1), "%s accepts off=%u size=%u", d->name, off, size);
        /* a negative offset reaches the rules as a huge one */
        cr_assert_not(acc_at(d, (uint32_t)-8, 8, 0, 0, 1), "%s accepts a negative offset", d->name);
    }
}

Test(ctx_rules, return_ranges)
{
    /* check_return_code: cgroup_skb 0..1, egress 0..3; cgroup_sock_addr
     * 0..1, recvmsg/getpeername/getsockname 1..1, bind 0..3; sk_lookup
     * 0..1; xdp, tc and socket filters any value (no ret_range) */
    const struct pt_desc *sa = pt_by_type(BPF_PROG_TYPE_CGROUP_SOCK_ADDR);
    const struct pt_desc *lk = pt_by_type(BPF_PROG_TYPE_SK_LOOKUP);
    int64_t lo, hi;

    cr_assert(pt_cgroup_skb.ret_range(BPF_CGROUP_INET_INGRESS, &lo, &hi));
    cr_assert(lo == 0 && hi == 1);
    cr_assert(pt_cgroup_skb.ret_range(BPF_CGROUP_INET_EGRESS, &lo, &hi));
    cr_assert(lo == 0 && hi == 3);
    cr_assert(sa->ret_range(BPF_CGROUP_INET4_CONNECT, &lo, &hi));
    cr_assert(lo == 0 && hi == 1);
    cr_assert(sa->ret_range(BPF_CGROUP_UDP4_RECVMSG, &lo, &hi));
    cr_assert(lo == 1 && hi == 1);
    cr_assert(sa->ret_range(BPF_CGROUP_INET6_BIND, &lo, &hi));
    cr_assert(lo == 0 && hi == 3);
    cr_assert(lk->ret_range(BPF_SK_LOOKUP, &lo, &hi));
    cr_assert(lo == 0 && hi == 1);
    cr_assert_null(pt_xdp.ret_range);
    cr_assert_null(pt_sched_cls.ret_range);
    cr_assert_null(pt_socket_filter.ret_range);
}

/* ------------------------------------------------------- conversion */

/* Run converted instructions: r1 = ctx, r2 = the value a store stores.
 * Only the forms the conversions emit. */
static uint64_t eval(const struct bpf_insn *in, int n, void *ctx, uint64_t r2)
{
    uint64_t r[11] = {0};

    r[1] = (uintptr_t)ctx;
    r[2] = r2;
    for (int pc = 0; pc < n; pc++) {
        const struct bpf_insn *i = &in[pc];
        uint8_t cls = BPF_CLASS(i->code), sz = BPF_SIZE(i->code), op = BPF_OP(i->code);
        uint32_t bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
        uint64_t v = 0, imm64 = (uint64_t)(int64_t)i->imm;

        switch (cls) {
        case BPF_LDX:
            memcpy(&v, (uint8_t *)(uintptr_t)r[i->src_reg] + i->off, bytes);
            r[i->dst_reg] = v;
            break;
        case BPF_STX:
        case BPF_ST:
            v = cls == BPF_ST ? imm64 : r[i->src_reg];
            memcpy((uint8_t *)(uintptr_t)r[i->dst_reg] + i->off, &v, bytes);
            break;
        case BPF_ALU:
            cr_assert_eq(BPF_SRC(i->code), BPF_K);
            v = (uint32_t)r[i->dst_reg];
            switch (op) {
            case BPF_AND: v &= (uint32_t)i->imm; break;
            case BPF_RSH: v >>= i->imm; break;
            case BPF_LSH: v = (uint32_t)(v << i->imm); break;
            case BPF_MOV: v = (uint32_t)i->imm; break;
            default: cr_assert_fail("unexpected ALU op %#x", op);
            }
            r[i->dst_reg] = v;
            break;
        case BPF_ALU64:
            cr_assert_eq(op, BPF_RSH);
            r[i->dst_reg] >>= i->imm;
            break;
        case BPF_JMP:
            if (op == BPF_JA)
                pc += i->off;
            else if (op == BPF_JEQ && r[i->dst_reg] == imm64)
                pc += i->off;
            else if (op == BPF_JGE && r[i->dst_reg] >= imm64)
                pc += i->off;
            else
                cr_assert(op == BPF_JEQ || op == BPF_JGE, "unexpected jump %#x", op);
            break;
        default: cr_assert_fail("unexpected class %#x", cls);
        }
    }
    return r[0];
}

/* Load __sk_buff bytes [off, off+size) as a (privileged) cgroup_skb
 * program would - the type that reads both the packet pointers and the
 * socket fields: validate, convert, run the conversion on kctx; the
 * loaded value. */
static uint64_t skb_load(struct pt_skb_kctx *k, uint32_t off, uint32_t size)
{
    struct pt_access a = {.off = off, .size = size, .priv = 1};
    struct pt_access_res res = {0};
    struct bpf_insn in = {
        .code = (uint8_t)(BPF_LDX | BPF_MEM | pt_size_code(size)), .dst_reg = 0, .src_reg = 1, .off = (int16_t)off};
    struct bpf_insn out[16];
    int n;

    cr_assert(pt_cgroup_skb.is_valid_access(&a, &res), "cgroup_skb refuses off=%u size=%u", off, size);
    n = pt_cgroup_skb.convert_access(&in, res.ctx_field_size, out, 16);
    cr_assert_gt(n, 0, "conversion of off=%u size=%u: %d", off, size, n);
    return eval(out, n, k, 0);
}

static void skb_store(struct pt_skb_kctx *k, uint32_t off, uint32_t size, uint64_t v, int imm)
{
    struct bpf_insn in = {.code = (uint8_t)((imm ? BPF_ST : BPF_STX) | BPF_MEM | pt_size_code(size)),
                          .dst_reg = 1,
                          .src_reg = imm ? 0 : 2,
                          .off = (int16_t)off,
                          .imm = imm ? (int32_t)v : 0};
    struct bpf_insn out[16];
    int n = pt_sched_cls.convert_access(&in, 0, out, 16);

    cr_assert_gt(n, 0, "conversion of a store at off=%u: %d", off, n);
    eval(out, n, k, v);
}

Test(ctx_rules, xdp_data_load_becomes_64bit_kctx_load)
{
    /* xdp_convert_ctx_access: r2 = *(u32 *)(r1 + offsetof(xdp_md, data))
     * becomes a pointer-sized load from the run-time context */
    struct bpf_insn in = {
        .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1, .off = offsetof(struct xdp_md, data)};
    struct bpf_insn out[4];

    cr_assert_eq(pt_xdp.convert_access(&in, 0, out, 4), 1);
    cr_assert_eq(out[0].code, BPF_LDX | BPF_MEM | BPF_DW);
    cr_assert_eq(out[0].dst_reg, 2);
    cr_assert_eq(out[0].src_reg, 1);
    cr_assert_eq(out[0].off, (int16_t)offsetof(struct pt_xdp_kctx, data));
    in.off = offsetof(struct xdp_md, rx_queue_index);
    cr_assert_eq(pt_xdp.convert_access(&in, 0, out, 4), 1);
    cr_assert_eq(out[0].code, BPF_LDX | BPF_MEM | BPF_W);
    cr_assert_eq(out[0].off, (int16_t)offsetof(struct pt_xdp_kctx, rx_queue_index));
}

Test(ctx_rules, skb_conversion_gives_the_kernels_values)
{
    /* bpf_convert_ctx_access + the verifier's narrow-load rewrite:
     * pointers 64-bit; protocol 16 bits (a 2-byte load at either half
     * gives it whole, a byte load is shifted and masked); pkt_type masked
     * with 7 and read whole by any load no narrower than a byte;
     * vlan_present from (vlan_proto, vlan_tci); remote_port shifted left
     * 16 on little-endian; cb[] at the access's own size */
    uint8_t pkt[64];
    struct pt_skb_kctx k;

    memset(&k, 0, sizeof(k));
    k.data = pkt;
    k.data_end = pkt + 60;
    k.data_meta = pkt;
    k.len = 60;
    k.protocol = htons(ETH_P_IPV6); /* 0x86dd, stored dd 86 on x86 as 0xdd86 */
    k.pkt_type = 0xf9;              /* stray high bits: the kernel masks them */
    k.remote_port = htons(443);
    k.mark = 0x11223344;
    memcpy(k.cb + 4, "\x01\x02\x03\x04", 4);

    cr_assert_eq(skb_load(&k, SKB(data), 4), (uint64_t)(uintptr_t)pkt);
    cr_assert_eq(skb_load(&k, SKB(data_end), 4), (uint64_t)(uintptr_t)(pkt + 60));
    cr_assert_eq(skb_load(&k, SKB(len), 4), 60);
    cr_assert_eq(skb_load(&k, SKB(protocol), 4), htons(ETH_P_IPV6));
    cr_assert_eq(skb_load(&k, SKB(protocol), 2), htons(ETH_P_IPV6));
    cr_assert_eq(skb_load(&k, SKB(protocol) + 2, 2), htons(ETH_P_IPV6));
    cr_assert_eq(skb_load(&k, SKB(protocol), 1), htons(ETH_P_IPV6) & 0xff);
    cr_assert_eq(skb_load(&k, SKB(protocol) + 1, 1), htons(ETH_P_IPV6) >> 8);
    cr_assert_eq(skb_load(&k, SKB(protocol) + 2, 1), 0);
    cr_assert_eq(skb_load(&k, SKB(pkt_type), 4), 1);
    cr_assert_eq(skb_load(&k, SKB(pkt_type) + 3, 1), 1);
    cr_assert_eq(skb_load(&k, SKB(mark) + 1, 1), 0x33);
    cr_assert_eq(skb_load(&k, SKB(mark) + 2, 2), 0x1122);
    cr_assert_eq(skb_load(&k, SKB(vlan_present), 4), 0);
    k.vlan_tci = 5;
    cr_assert_eq(skb_load(&k, SKB(vlan_present), 4), 1);
    cr_assert_eq(skb_load(&k, SKB(vlan_tci), 4), 5);
    cr_assert_eq(skb_load(&k, SKB(remote_port), 4), (uint64_t)htons(443) << 16);
    cr_assert_eq(skb_load(&k, SKB(cb[1]), 4), 0x04030201);
    cr_assert_eq(skb_load(&k, SKB(cb[1]) + 1, 1), 0x02);
    cr_assert_eq(skb_load(&k, SKB(cb[0]), 8), 0x0403020100000000ull);
}

Test(ctx_rules, skb_store_conversion)
{
    /* bpf_convert_ctx_access, writes: mark and priority whole words,
     * tc_index and tc_classid 16 bits, cb[] at any size, queue_mapping
     * 16 bits and only below NO_QUEUE_MAPPING (0xffff) - also for BPF_ST
     * immediates (kernels >= 6.3) */
    struct pt_skb_kctx k;

    memset(&k, 0, sizeof(k));
    skb_store(&k, SKB(mark), 4, 0xdeadbeef, 0);
    cr_assert_eq(k.mark, 0xdeadbeef);
    skb_store(&k, SKB(priority), 4, 7, 1);
    cr_assert_eq(k.priority, 7);
    skb_store(&k, SKB(tc_index), 4, 0x12345, 0);
    cr_assert_eq(k.tc_index, 0x2345);
    skb_store(&k, SKB(tc_classid), 4, 0x10001, 1);
    cr_assert_eq(k.tc_classid, 1);
    skb_store(&k, SKB(cb[2]) + 1, 1, 0xab, 0);
    cr_assert_eq(k.cb[9], 0xab);
    cr_assert_eq(k.cb[8], 0);
    skb_store(&k, SKB(queue_mapping), 4, 3, 0);
    cr_assert_eq(k.queue_mapping, 3);
    skb_store(&k, SKB(queue_mapping), 4, 0xffff, 0); /* dropped */
    cr_assert_eq(k.queue_mapping, 3);
    skb_store(&k, SKB(queue_mapping), 4, 0x1ffff, 1); /* dropped (a no-op jump) */
    cr_assert_eq(k.queue_mapping, 3);
    skb_store(&k, SKB(queue_mapping), 4, 9, 1);
    cr_assert_eq(k.queue_mapping, 9);
    skb_store(&k, SKB(tstamp), 8, 0x0102030405060708ull, 0);
    cr_assert_eq(k.tstamp, 0x0102030405060708ull);
}

Test(ctx_rules, every_allowed_skb_access_converts)
{
    /* what is_valid_access allows, convert_access converts (the kernel's
     * "bpf verifier is misconfigured" never happens), for the four
     * __sk_buff types bpfrt runs, loads and stores, in at most 8
     * instructions; and what it refuses to convert is an error, not a
     * silent pass-through */
    const struct pt_desc *types[] = {&pt_socket_filter, &pt_sched_cls, &pt_sched_act, &pt_cgroup_skb, &pt_xdp};
    unsigned converted = 0;

    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
        for (uint32_t off = 0; off < types[t]->ctx_size; off++)
            for (uint32_t size = 1; size <= 8; size *= 2)
                for (int w = 0; w < 3; w++) {
                    struct pt_access a = {.off = off, .size = size, .write = w != 0, .priv = 1, .store_imm = w == 2};
                    struct pt_access_res res = {0};
                    uint8_t cls = w == 0 ? BPF_LDX : w == 1 ? BPF_STX : BPF_ST;
                    struct bpf_insn in = {.code = (uint8_t)(cls | BPF_MEM | pt_size_code(size)),
                                          .dst_reg = w ? 1 : 3,
                                          .src_reg = w == 1 ? 4
                                                     : w    ? 0
                                                            : 1,
                                          .off = (int16_t)off,
                                          .imm = 5};
                    struct bpf_insn out[8];
                    int n;

                    if (!types[t]->is_valid_access(&a, &res))
                        continue;
                    n = types[t]->convert_access(&in, res.ctx_field_size, out, 8);
                    cr_assert(n >= 1 && n <= 8, "%s off=%u size=%u %s: conversion gives %d", types[t]->name, off, size,
                              w == 0 ? "load" : "store", n);
                    converted++;
                }
    cr_assert_gt(converted, 500);
    {
        struct bpf_insn in = {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1, .off = SKB(flow_keys) + 4};
        struct bpf_insn out[8];

        cr_assert_eq(pt_sched_cls.convert_access(&in, 0, out, 8), -EINVAL);
        in.off = SKB(vlan_present);
        cr_assert_eq(pt_sched_cls.convert_access(&in, 0, out, 2), -ENOSPC);
    }
}
