/* fuzz_testrun.c - libFuzzer target: any bytes as the input of a typed
 * test run (src/progtypes/testrun.c, src/helpers/xdp_frags.c,
 * helpers_xdp.c, helpers_sock.c): the test-run context built from any
 * data_in and ctx_in, the packet helpers called with any arguments, must
 * give a result or the kernel's error, never a crash, in the fast engine
 * and checked.
 *
 * Input: byte 0 picks the program (bit 0: XDP or tc, bit 1: checked,
 * bit 2: a ctx_in), byte 1 how many times the rest is repeated to make
 * data_in (up to 80 KiB: multi-buffer XDP packets of up to 17 fragments
 * and past them), then the ctx_in bytes (struct xdp_md or __sk_buff,
 * their fields masked to what the kernel takes half the time, so that
 * runs happen), then the packet, whose first 16 bytes are the helpers'
 * arguments: two bpf_xdp_adjust_tail offsets, a bpf_xdp_load_bytes /
 * store_bytes offset pair and a bpf_xdp_adjust_head offset. */
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/insns.h"
#include "bpfrt/bpfrt.h"

#define DATA_MAX 81920u

/* XDP: r6 = ctx; the arguments from the packet; adjust_tail, load_bytes,
 * store_bytes, adjust_head, adjust_tail, get_buff_len. */
static const struct bpf_insn xdp_prog[] = {
    INSN_MOV64_REG(6, 1),
    INSN_ST_IMM(BPF_DW, 10, -8, 0),
    INSN_ST_IMM(BPF_DW, 10, -16, 0),
    INSN_ST_IMM(BPF_DW, 10, -24, 0),
    INSN_ST_IMM(BPF_DW, 10, -32, 0),
    INSN_LDX(BPF_W, 2, 6, offsetof(struct xdp_md, data)),
    INSN_LDX(BPF_W, 3, 6, offsetof(struct xdp_md, data_end)),
    INSN_MOV64_REG(4, 2),
    INSN_ALU64_IMM(BPF_ADD, 4, 16),
    INSN_JMP_REG(BPF_JGT, 4, 3, 31), /* too short: r0 = 0 */
    INSN_LDX(BPF_W, 7, 2, 0),  /* tail1 */
    INSN_LDX(BPF_W, 8, 2, 4),  /* load/store offsets */
    INSN_LDX(BPF_W, 9, 2, 8),  /* tail2 */
    INSN_LDX(BPF_W, 2, 2, 12), /* head */
    INSN_STX(BPF_W, 10, 2, -36),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 7),
    INSN_CALL(BPF_FUNC_xdp_adjust_tail),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 8),
    INSN_ALU64_IMM(BPF_AND, 2, 0x1ffff),
    INSN_MOV64_REG(3, 10),
    INSN_ALU64_IMM(BPF_ADD, 3, -32),
    INSN_MOV64_IMM(4, 32),
    INSN_CALL(BPF_FUNC_xdp_load_bytes),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 8),
    INSN_ALU64_IMM(BPF_RSH, 2, 15),
    INSN_MOV64_REG(3, 10),
    INSN_ALU64_IMM(BPF_ADD, 3, -32),
    INSN_MOV64_IMM(4, 17),
    INSN_CALL(BPF_FUNC_xdp_store_bytes),
    INSN_MOV64_REG(1, 6),
    INSN_LDXSX(BPF_B, 2, 10, -36),
    INSN_CALL(BPF_FUNC_xdp_adjust_head),
    INSN_MOV64_REG(1, 6),
    INSN_MOV64_REG(2, 9),
    INSN_CALL(BPF_FUNC_xdp_adjust_tail),
    INSN_MOV64_REG(1, 6),
    INSN_CALL(BPF_FUNC_xdp_get_buff_len),
    INSN_EXIT(),
    INSN_MOV64_IMM(0, 0),
    INSN_EXIT(),
};

/* tc: the socket of the test run and the context fields ctx_out gives
 * back. */
static const struct bpf_insn tc_prog[] = {
    INSN_MOV64_REG(6, 1),
    INSN_MOV64_IMM(0, 1),
    INSN_LDX(BPF_DW, 7, 6, offsetof(struct __sk_buff, sk)),
    INSN_JMP_IMM(BPF_JEQ, 7, 0, 9),
    INSN_LDX(BPF_W, 2, 7, offsetof(struct bpf_sock, family)),
    INSN_STX(BPF_W, 6, 2, offsetof(struct __sk_buff, cb[0])),
    INSN_MOV64_REG(1, 7),
    INSN_CALL(BPF_FUNC_sk_fullsock),
    INSN_JMP_IMM(BPF_JEQ, 0, 0, 4),
    INSN_LDX(BPF_W, 2, 0, offsetof(struct bpf_sock, state)),
    INSN_STX(BPF_W, 6, 2, offsetof(struct __sk_buff, mark)),
    INSN_MOV64_REG(1, 6),
    INSN_CALL(BPF_FUNC_get_socket_uid),
    INSN_LDX(BPF_W, 2, 6, offsetof(struct __sk_buff, ifindex)),
    INSN_ALU64_REG(BPF_ADD, 0, 2),
    INSN_EXIT(),
};

static struct bpfrt_prog *load(const struct bpf_insn *p, size_t n, enum bpf_prog_type type)
{
    struct bpfrt_prog *prog = NULL;
    char log[4096];
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = type, .name = "fuzz", .license = "GPL", .log_buf = log,
               .log_size = sizeof(log), .prog_flags = type == BPF_PROG_TYPE_XDP ? BPF_F_XDP_HAS_FRAGS : 0);
    if (bpfrt_prog__load_insns(p, n, &o, &prog))
        abort(); /* both programs are valid: a refusal is a bug */
    return prog;
}

/* Most of the bytes the kernel refuses cleared, so that runs happen:
 * the fields each context takes, within the limits it checks. */
static void mask_ctx(uint8_t *ctx, size_t n, int xdp)
{
    if (xdp) {
        struct xdp_md *md = (struct xdp_md *)ctx;
        md->data_meta = 0;
        md->egress_ifindex = 0;
        md->data &= 0x3c;
        md->ingress_ifindex &= 7;
        md->rx_queue_index &= 1;
        return;
    }
    memset(ctx, 0, offsetof(struct __sk_buff, mark));
    memset(ctx + offsetof(struct __sk_buff, queue_mapping), 0,
           offsetof(struct __sk_buff, priority) - offsetof(struct __sk_buff, queue_mapping));
    memset(ctx + offsetof(struct __sk_buff, tc_index), 0,
           offsetof(struct __sk_buff, cb) - offsetof(struct __sk_buff, tc_index));
    memset(ctx + offsetof(struct __sk_buff, hash), 0,
           offsetof(struct __sk_buff, tstamp) - offsetof(struct __sk_buff, hash));
    memset(ctx + offsetof(struct __sk_buff, sk), 0,
           offsetof(struct __sk_buff, gso_size) - offsetof(struct __sk_buff, sk));
    memset(ctx + offsetof(struct __sk_buff, tstamp_type), 0, n - offsetof(struct __sk_buff, tstamp_type));
    memset(ctx + offsetof(struct __sk_buff, hwtstamp), 0x11, 8);
    ((struct __sk_buff *)ctx)->ifindex &= 7;
    ((struct __sk_buff *)ctx)->wire_len = 0;
    ((struct __sk_buff *)ctx)->gso_segs &= 0xffff;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static struct bpfrt_prog *xdp, *tc;
    static uint8_t data[DATA_MAX], out[DATA_MAX + 8192];
    uint8_t ctx[sizeof(struct __sk_buff)] = {0}, ctx_out[sizeof(struct __sk_buff)];
    size_t ctx_len, body, len = 0;
    int is_xdp, with_ctx;
    char err[256];

    if (!xdp) {
        xdp = load(xdp_prog, sizeof(xdp_prog) / sizeof(xdp_prog[0]), BPF_PROG_TYPE_XDP);
        tc = load(tc_prog, sizeof(tc_prog) / sizeof(tc_prog[0]), BPF_PROG_TYPE_SCHED_CLS);
    }
    if (size < 2)
        return 0;
    is_xdp = in[0] & 1;
    with_ctx = in[0] & 4;
    ctx_len = is_xdp ? sizeof(struct xdp_md) : sizeof(struct __sk_buff);
    if (size < 2 + ctx_len)
        return 0;
    memcpy(ctx, in + 2, ctx_len);
    if (in[0] & 8)
        mask_ctx(ctx, ctx_len, is_xdp);
    body = size - 2 - ctx_len;
    for (unsigned r = 0; r <= in[1] % 32 && body && len + body <= DATA_MAX; r++, len += body)
        memcpy(data + len, in + 2 + ctx_len, body);
    if (with_ctx && is_xdp && ((struct xdp_md *)ctx)->data_end > len)
        ((struct xdp_md *)ctx)->data_end = (uint32_t)len;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = len ? data : NULL, .data_size = len,
               .flags = in[0] & 2 ? BPFRT_RUN_CHECKED : 0, .err_buf = err, .err_size = sizeof(err),
               .ctx_in = with_ctx ? ctx : NULL, .ctx_size_in = with_ctx ? (uint32_t)ctx_len : 0,
               .ctx_out = with_ctx ? ctx_out : NULL, .ctx_size_out = with_ctx ? (uint32_t)ctx_len : 0,
               .data_out = out, .data_size_out = (in[0] & 16) ? (uint32_t)(len / 2 + 1) : sizeof(out));
    bpfrt_prog__run(is_xdp ? xdp : tc, &ro);
    return 0;
}
