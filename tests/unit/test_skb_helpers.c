/* test_skb_helpers.c - edge cases of the tc helpers that move or
 * rewrite packet data (suite skb_helpers): each test names the kernel
 * behaviour it matches (net/core/filter.c of the running kernel, 6.18).
 * A case is a sched_cls program of up to five helper calls whose return
 * values land in __sk_buff.cb[] (and so in ctx_out) and which returns
 * skb->len; the expected values are the kernel's.  Where bpf() works,
 * every case also runs in the kernel (BPF_PROG_TEST_RUN) and must give
 * the same return values, length and packet bytes there; without it the
 * cases hold for bpfrt alone.  tests/kernel-diff/test_skb_helpers_diff.c
 * compares random sequences with the kernel. */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7) /* Linux 6.3 */
#endif
#define ENOTSUPP 524 /* the kernel's internal ENOTSUPP, which helpers return */
#define MAXCALLS 5
#define OUTSZ 20000

struct call {
    uint32_t id;
    uint64_t a, b, c; /* r2..r4; load_bytes_relative: offset, len (constant), start_header */
};

struct result {
    int err;
    uint32_t len;          /* retval: skb->len after the calls */
    int32_t ret[MAXCALLS]; /* the calls' return values (cb[]) */
    uint32_t size_out;
    uint8_t out[OUTSZ];
};

static int build(const struct call *calls, int n, struct bpf_insn *p)
{
    int k = 0;

    p[k++] = (struct bpf_insn)INSN_MOV64_REG(6, 1);
    for (int i = 0; i < n; i++) {
        struct bpf_insn l[2] = {INSN_LDIMM64(2, calls[i].a)};
        p[k++] = (struct bpf_insn)INSN_MOV64_REG(1, 6);
        p[k++] = l[0];
        p[k++] = l[1];
        if (calls[i].id == BPF_FUNC_skb_load_bytes_relative) {
            struct bpf_insn s[2] = {INSN_LDIMM64(5, calls[i].c)};
            p[k++] = (struct bpf_insn)INSN_MOV64_REG(3, 10);
            p[k++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 3, -64);
            p[k++] = (struct bpf_insn)INSN_MOV64_IMM(4, (int32_t)calls[i].b);
            p[k++] = s[0];
            p[k++] = s[1];
        } else {
            struct bpf_insn b[2] = {INSN_LDIMM64(3, calls[i].b)}, c[2] = {INSN_LDIMM64(4, calls[i].c)};
            p[k++] = b[0];
            p[k++] = b[1];
            p[k++] = c[0];
            p[k++] = c[1];
        }
        p[k++] = (struct bpf_insn)INSN_CALL(calls[i].id);
        p[k++] = (struct bpf_insn)INSN_STX(BPF_W, 6, 0, (int16_t)(offsetof(struct __sk_buff, cb) + 4 * i));
    }
    p[k++] = (struct bpf_insn)INSN_LDX(BPF_W, 0, 6, offsetof(struct __sk_buff, len));
    p[k++] = (struct bpf_insn)INSN_EXIT();
    return k;
}

/* Run the calls on pkt in bpfrt (checked when asked) and, when bpf()
 * works, in the kernel; the two must agree.  ctx: gso_size for ctx_in. */
/* The test run's flags for the next run_calls (BPF_F_TEST_SKB_CHECKSUM_COMPLETE). */
static uint32_t test_flags;

static void run_calls(const struct call *calls, int n, const uint8_t *pkt, uint32_t len, uint32_t gso_size, int checked,
                      struct result *r)
{
    static struct result k;
    struct bpf_insn insns[MAXCALLS * 12 + 4];
    int cnt = build(calls, n, insns), fd;
    struct bpfrt_prog *prog = NULL;
    struct __sk_buff in, out;
    char log[4096] = "", err[256] = "";

    cr_assert(n <= MAXCALLS);
    memset(&in, 0, sizeof(in));
    in.gso_size = gso_size;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SCHED_CLS, .name = "calls", .license = "GPL",
               .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_prog__load_insns(insns, (size_t)cnt, &o, &prog), 0, "%s", log);
    memset(r, 0, sizeof(*r));
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)pkt, .data_size = len, .ctx_in = &in, .ctx_size_in = sizeof(in),
               .ctx_out = &out, .ctx_size_out = sizeof(out), .data_out = r->out, .data_size_out = OUTSZ, .err_buf = err,
               .err_size = sizeof(err), .flags = checked ? BPFRT_RUN_CHECKED : 0, .test_flags = test_flags);
    r->err = bpfrt_prog__run(prog, &ro);
    cr_assert(!r->err || r->err == -EBADMSG, "run: %d %s", r->err, err);
    r->len = (uint32_t)ro.retval;
    r->size_out = ro.data_size_out;
    memcpy(r->ret, out.cb, sizeof(r->ret));
    bpfrt_prog__free(prog);

    /* the kernel, when it lets us */
    LIBBPF_OPTS(bpf_prog_load_opts, ko);
    fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "calls", "GPL", insns, (size_t)cnt, &ko);
    if (fd < 0)
        return;
    memset(&k, 0, sizeof(k));
    LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt, .data_size_in = len, .data_out = k.out, .data_size_out = OUTSZ,
                .ctx_in = &in, .ctx_size_in = sizeof(in), .ctx_out = &out, .ctx_size_out = sizeof(out), .repeat = 1,
                .flags = test_flags);
    k.err = bpf_prog_test_run_opts(fd, &to) ? -errno : 0;
    close(fd);
    cr_expect_eq(r->err, k.err, "run: bpfrt %d, the kernel %d", r->err, k.err);
    if (k.err)
        return;
    memcpy(k.ret, out.cb, sizeof(k.ret));
    for (int i = 0; i < n; i++)
        cr_expect_eq(r->ret[i], k.ret[i], "call %d (helper %u): bpfrt %d, the kernel %d", i, calls[i].id, r->ret[i],
                     k.ret[i]);
    cr_expect_eq(r->len, to.retval, "len: bpfrt %u, the kernel %u", r->len, to.retval);
    cr_expect_eq(r->size_out, to.data_size_out, "size out: bpfrt %u, the kernel %u", r->size_out, to.data_size_out);
    cr_expect(!memcmp(r->out, k.out, r->size_out < OUTSZ ? r->size_out : OUTSZ),
              "packet out differs from the kernel's");
}

/* An Ethernet frame of len bytes: IPv4 (ecn: the TOS's ECN bits), IPv6
 * (the traffic class's), ARP, or IPv4 behind one 802.1Q tag. */
enum pkind { P_IP4, P_IP6, P_ARP, P_VLAN_IP4 };

static uint32_t packet(uint8_t *p, enum pkind kind, uint32_t len, uint8_t ecn)
{
    uint32_t l3 = 14;

    memset(p, 0, len);
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + 1);
    memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
    if (kind == P_VLAN_IP4) {
        memcpy(p + 12, "\x81\x00\x00\x2a", 4);
        l3 = 18;
    }
    switch (kind) {
    case P_IP4:
    case P_VLAN_IP4:
        p[l3 - 2] = 0x08, p[l3 - 1] = 0x00;
        p[l3] = 0x45;
        p[l3 + 1] = ecn;
        p[l3 + 10] = 0x12, p[l3 + 11] = 0x34; /* the header checksum */
        break;
    case P_IP6:
        p[12] = 0x86, p[13] = 0xdd;
        p[14] = 0x60;
        p[15] = (uint8_t)(ecn << 4);
        break;
    case P_ARP: p[12] = 0x08, p[13] = 0x06; break;
    }
    return len;
}

#define CALLS(...)                                                                                                     \
    (const struct call[]){__VA_ARGS__}, (int)(sizeof((const struct call[]){__VA_ARGS__}) / sizeof(struct call))

static struct result res;
static uint8_t pkt[2048];

/* bpf_skb_change_proto / bpf_skb_proto_4_to_6 and _6_to_4: 20 zero
 * bytes after the MAC header, or 20 bytes less there; flags -EINVAL;
 * other pairs -ENOTSUPP; an IPv6 packet too short to lose 20 bytes
 * after its MAC header -ENOMEM (bpf_skb_generic_pop's pskb_may_pull). */
Test(skb_helpers, change_proto)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_change_proto, 0xdd86, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.len, 80);
    cr_expect(!memcmp(res.out, pkt, 14) && !memcmp(res.out + 34, pkt + 14, 46), "the IPv4 bytes follow 20 zeros");
    for (int i = 14; i < 34; i++)
        cr_expect_eq(res.out[i], 0, "byte %d", i);
    run_calls(CALLS({BPF_FUNC_skb_change_proto, 0xdd86, 1, 0}, {BPF_FUNC_skb_change_proto, 0x0608, 0, 0},
                    {BPF_FUNC_skb_change_proto, 0x0008, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], -EINVAL);
    cr_expect_eq(res.ret[1], -ENOTSUPP);
    cr_expect_eq(res.ret[2], -ENOTSUPP); /* IPv4 to IPv4 */
    len = packet(pkt, P_IP6, 80, 0);
    run_calls(CALLS({BPF_FUNC_skb_change_proto, 0x0008, 0, 0}), pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.len, 60);
    cr_expect(!memcmp(res.out + 14, pkt + 34, 46));
    run_calls(CALLS({BPF_FUNC_skb_change_tail, 30, 0, 0}, {BPF_FUNC_skb_change_proto, 0x0008, 0, 0}), pkt, len, 0, 0,
              &res);
    cr_expect_eq(res.ret[1], -ENOMEM);
    cr_expect_eq(res.len, 30);
}

/* bpf_skb_change_type: only PACKET_HOST .. PACKET_OTHERHOST
 * (skb_pkt_type_ok). */
Test(skb_helpers, change_type)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_change_type, 3, 0, 0}, {BPF_FUNC_skb_change_type, 4, 0, 0},
                    {BPF_FUNC_skb_change_type, 0, 0, 0}, {BPF_FUNC_skb_change_type, 0xffffffff, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], -EINVAL);
    cr_expect_eq(res.ret[2], 0);
    cr_expect_eq(res.ret[3], -EINVAL);
}

/* __bpf_skb_change_head: zeros in front; -EINVAL for flags, a head_room
 * of 2 GiB or more, and (without GSO) past BPF_SKB_MAX_LEN (16064); with
 * a GSO size there is no such limit.  A head_room larger than the
 * headroom moves the packet into a larger buffer (skb_cow). */
Test(skb_helpers, change_head)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_change_head, 1000, 0, 0}), pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.len, 1060);
    cr_expect(!memcmp(res.out + 1000, pkt, 60));
    for (int i = 0; i < 1000; i++)
        cr_expect_eq(res.out[i], 0, "byte %d", i);
    run_calls(CALLS({BPF_FUNC_skb_change_head, 16064 - 60, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    run_calls(CALLS({BPF_FUNC_skb_change_head, 16064 - 59, 0, 0}, {BPF_FUNC_skb_change_head, 0x80000000u, 0, 0},
                    {BPF_FUNC_skb_change_head, 4, 2, 0}, {BPF_FUNC_skb_change_head, 0, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], -EINVAL);
    cr_expect_eq(res.ret[1], -EINVAL);
    cr_expect_eq(res.ret[2], -EINVAL);
    cr_expect_eq(res.ret[3], 0);
    cr_expect_eq(res.len, 60);
    run_calls(CALLS({BPF_FUNC_skb_change_head, 17000, 0, 0}), pkt, len, 1400, 1, &res);
    cr_expect_eq(res.ret[0], 0, "with a GSO size, past 16064");
    cr_expect_eq(res.len, 17060);
}

/* __bpf_skb_change_tail: zeros appended or the packet cut; -EINVAL for
 * flags, past 16064, or below __bpf_skb_min_len: the network header's
 * offset, or a set transport header's when larger. */
Test(skb_helpers, change_tail)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_change_tail, 13, 0, 0}, {BPF_FUNC_skb_change_tail, 14, 0, 0},
                    {BPF_FUNC_skb_change_tail, 16065, 0, 0}, {BPF_FUNC_skb_change_tail, 100, 1, 0},
                    {BPF_FUNC_skb_change_tail, 3000, 0, 0}),
              pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], -EINVAL);
    cr_expect_eq(res.ret[1], 0);
    cr_expect_eq(res.ret[2], -EINVAL);
    cr_expect_eq(res.ret[3], -EINVAL);
    cr_expect_eq(res.ret[4], 0);
    cr_expect_eq(res.len, 3000);
    cr_expect(!memcmp(res.out, pkt, 14));
    for (int i = 14; i < 3000; i++)
        cr_expect_eq(res.out[i], 0, "byte %d", i);
    /* adjust_room's larger buffer moves the unset transport header by the
     * added headroom (skb_headers_offset_update), and it reads as set:
     * +100 at the network layer leaves it 35 bytes in */
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 100, BPF_ADJ_ROOM_NET, 0}, {BPF_FUNC_skb_change_tail, 34, 0, 0},
                    {BPF_FUNC_skb_change_tail, 35, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], -EINVAL);
    cr_expect_eq(res.ret[2], 0);
    /* after change_head the network header's offset is the larger */
    run_calls(CALLS({BPF_FUNC_skb_change_head, 100, 0, 0}, {BPF_FUNC_skb_change_tail, 113, 0, 0},
                    {BPF_FUNC_skb_change_tail, 114, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[1], -EINVAL);
    cr_expect_eq(res.ret[2], 0);
}

/* bpf_skb_adjust_room's checks in the kernel's order. */
Test(skb_helpers, adjust_room_errors)
{
    uint32_t len = packet(pkt, P_IP4, 80, 0);

    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 8, 0, 1ull << 9},      /* unknown flag: -EINVAL */
                    {BPF_FUNC_skb_adjust_room, 0x1000, 0, 0},         /* |len_diff| > 0xfff: -EFAULT */
                    {BPF_FUNC_skb_adjust_room, 8, 2, 0},              /* mode: -ENOTSUPP */
                    {BPF_FUNC_skb_adjust_room, 8, 0, 1ull << 7},      /* decapsulation on growth: -EINVAL */
                    {BPF_FUNC_skb_adjust_room, (uint32_t)-50, 0, 0}), /* under the IPv4 header: -ENOTSUPP */
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], -EINVAL);
    cr_expect_eq(res.ret[1], -EFAULT);
    cr_expect_eq(res.ret[2], -ENOTSUPP);
    cr_expect_eq(res.ret[3], -EINVAL);
    cr_expect_eq(res.ret[4], -ENOTSUPP);
    cr_expect_eq(res.len, 80);
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 8, 0, 6},                      /* both outer L3 flags: -EINVAL */
                    {BPF_FUNC_skb_adjust_room, 8, 0, 2 | 24},                 /* GRE and UDP: -EINVAL */
                    {BPF_FUNC_skb_adjust_room, 8, 0, 2 | 64 | (10ull << 56)}, /* an inner Ethernet below 14 */
                    {BPF_FUNC_skb_adjust_room, 8, 0, 2 | (12ull << 56)}),     /* inner MAC above len_diff */
              pkt, len, 0, 0, &res);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(res.ret[i], -EINVAL, "call %d", i);
    len = packet(pkt, P_ARP, 60, 0);
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 8, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], -ENOTSUPP, "not IPv4 or IPv6");
    len = packet(pkt, P_IP4, 80, 0);
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 8, 0, 0}, {BPF_FUNC_skb_adjust_room, (uint32_t)-8, 0, 0}), pkt, len,
              1400, 0, &res);
    cr_expect_eq(res.ret[0], -ENOTSUPP, "a GSO skb that is not TCP");
    cr_expect_eq(res.ret[1], -ENOTSUPP);
    /* growth at the network layer needs the bytes it moves: -ENOMEM */
    run_calls(CALLS({BPF_FUNC_skb_change_tail, 20, 0, 0}, {BPF_FUNC_skb_adjust_room, 8, BPF_ADJ_ROOM_NET, 0},
                    {BPF_FUNC_skb_adjust_room, 8, BPF_ADJ_ROOM_MAC, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[1], -ENOMEM);
    cr_expect_eq(res.ret[2], 0);
    cr_expect_eq(res.len, 28);
}

/* bpf_skb_net_grow / _shrink: bytes after the MAC header (MAC mode) or
 * the base network header (NET mode); encapsulation marks the skb (a
 * second one -EALREADY, change_tail -ENOTSUPP), sets the outer protocol. */
Test(skb_helpers, adjust_room_moves)
{
    uint32_t len = packet(pkt, P_IP4, 80, 0);

    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 8, BPF_ADJ_ROOM_NET, 0}), pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.len, 88);
    cr_expect(!memcmp(res.out, pkt, 34) && !memcmp(res.out + 42, pkt + 34, 46));
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, (uint32_t)-20, BPF_ADJ_ROOM_MAC, 0}), pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.len, 60);
    cr_expect(!memcmp(res.out, pkt, 14) && !memcmp(res.out + 14, pkt + 34, 46));
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, 40, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV6},
                    {BPF_FUNC_skb_adjust_room, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4},
                    {BPF_FUNC_skb_change_tail, 200, 0, 0}, {BPF_FUNC_skb_change_proto, 0x0008, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], -EALREADY);
    cr_expect_eq(res.ret[2], -ENOTSUPP, "an encapsulated skb");
    cr_expect_eq(res.ret[3], 0, "the outer protocol is IPv6 now");
    cr_expect_eq(res.len, 100);
    len = packet(pkt, P_IP6, 120, 0);
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, (uint32_t)-40, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_DECAP_L3_IPV4},
                    {BPF_FUNC_skb_change_proto, 0xdd86, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], 0, "decapsulated to IPv4");
    cr_expect_eq(res.len, 100);
}

/* skb_vlan_push: the first tag is held (vlan_tci), the second puts the
 * held one into the packet after the MAC addresses; skb_vlan_pop takes
 * the held one, then the packet's into the held one; an unknown
 * vlan_proto is 802.1Q. */
Test(skb_helpers, vlan_push_pop)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_vlan_push, 0x1234, 7, 0}, {BPF_FUNC_skb_vlan_push, 0xa888, 9, 0}), pkt, len, 0, 1,
              &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], 0);
    cr_expect_eq(res.len, 64);
    cr_expect(!memcmp(res.out, pkt, 12));
    cr_expect(!memcmp(res.out + 12, "\x81\x00\x00\x07", 4), "the first tag, as 802.1Q");
    cr_expect(!memcmp(res.out + 16, pkt + 12, 48));
    len = packet(pkt, P_VLAN_IP4, 64, 0);
    run_calls(CALLS({BPF_FUNC_skb_vlan_pop, 0, 0, 0}, {BPF_FUNC_skb_vlan_pop, 0, 0, 0}), pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], 0);
    cr_expect_eq(res.len, 60);
    cr_expect(!memcmp(res.out, pkt, 12) && !memcmp(res.out + 12, pkt + 16, 48));
}

/* bpf_skb_load_bytes_relative: from the MAC or network header, within
 * the packet; -EFAULT otherwise (offset above 0xffff, another
 * start_header, past the end). */
Test(skb_helpers, load_bytes_relative)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_skb_load_bytes_relative, 0, 60, BPF_HDR_START_MAC},
                    {BPF_FUNC_skb_load_bytes_relative, 0, 47, BPF_HDR_START_NET},
                    {BPF_FUNC_skb_load_bytes_relative, 0, 46, BPF_HDR_START_NET},
                    {BPF_FUNC_skb_load_bytes_relative, 0x10000, 1, BPF_HDR_START_MAC},
                    {BPF_FUNC_skb_load_bytes_relative, 0, 1, 2}),
              pkt, len, 0, 1, &res);
    cr_expect_eq(res.ret[0], 0);
    cr_expect_eq(res.ret[1], -EFAULT);
    cr_expect_eq(res.ret[2], 0);
    cr_expect_eq(res.ret[3], -EFAULT);
    cr_expect_eq(res.ret[4], -EFAULT);
}

/* bpf_skb_ecn_set_ce / INET_ECN_set_ce: ECT packets get CE (1), the
 * IPv4 checksum updated incrementally; not-ECT ones 0; CE already: 1. */
Test(skb_helpers, ecn_set_ce)
{
    uint32_t len = packet(pkt, P_IP4, 60, 2); /* ECT(0) */

    run_calls(CALLS({BPF_FUNC_skb_ecn_set_ce, 0, 0, 0}, {BPF_FUNC_skb_ecn_set_ce, 0, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 1);
    cr_expect_eq(res.ret[1], 1);
    cr_expect_eq(res.out[15], 3);
    cr_expect(res.out[24] == 0x12 && res.out[25] == 0x33, "checksum 0x1234 + htons(0xfffe): %02x%02x", res.out[24],
              res.out[25]);
    len = packet(pkt, P_IP4, 60, 0);
    run_calls(CALLS({BPF_FUNC_skb_ecn_set_ce, 0, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 0, "not ECT");
    len = packet(pkt, P_IP6, 60, 1);
    run_calls(CALLS({BPF_FUNC_skb_ecn_set_ce, 0, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 1);
    cr_expect_eq(res.out[15], 0x30);
    len = packet(pkt, P_VLAN_IP4, 64, 2);
    run_calls(CALLS({BPF_FUNC_skb_ecn_set_ce, 0, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], 1, "the protocol behind the tag, the header at the network header");
}

/* bpf_csum_level on the test run's CHECKSUM_NONE skb: QUERY -EACCES
 * until INC makes it CHECKSUM_UNNECESSARY; levels up to 3; adjust_room
 * resets it unless BPF_F_ADJ_ROOM_NO_CSUM_RESET; bpf_csum_update needs
 * CHECKSUM_COMPLETE: -ENOTSUPP. */
Test(skb_helpers, csum_level_and_update)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    run_calls(CALLS({BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0}, {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0},
                    {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0}, {BPF_FUNC_csum_level, 4, 0, 0},
                    {BPF_FUNC_csum_update, 0x1234, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[0], -EACCES);
    cr_expect_eq(res.ret[1], 0);
    cr_expect_eq(res.ret[2], 0);
    cr_expect_eq(res.ret[3], -EINVAL);
    cr_expect_eq(res.ret[4], -ENOTSUPP);
    run_calls(CALLS({BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0}, {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0},
                    {BPF_FUNC_skb_adjust_room, 4, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_NO_CSUM_RESET},
                    {BPF_FUNC_skb_adjust_room, 4, BPF_ADJ_ROOM_MAC, 0},
                    {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[4], -EACCES, "adjust_room reset CHECKSUM_UNNECESSARY");
    run_calls(CALLS({BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0}, {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0},
                    {BPF_FUNC_skb_adjust_room, 4, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_NO_CSUM_RESET},
                    {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_DEC, 0, 0}, {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.ret[4], 0, "level 1, decremented to 0");
}

/* BPF_F_TEST_SKB_CHECKSUM_COMPLETE (bpf_prog_test_run_skb): skb->csum is
 * the sum of the data from the network header; bpf_csum_update adds to
 * it and returns it (and a wrong sum fails the run with -EBADMSG);
 * bpf_csum_level's INC leaves CHECKSUM_COMPLETE alone; bytes pulled out
 * or pushed in by adjust_room and the VLAN helpers
 * (skb_postpull_rcsum, skb_postpush_rcsum) keep it right
 * (bpf_skb_store_bytes's BPF_F_RECOMPUTE_CSUM: skb_helpers_diff). */
Test(skb_helpers, checksum_complete)
{
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    test_flags = BPF_F_TEST_SKB_CHECKSUM_COMPLETE;
    run_calls(CALLS({BPF_FUNC_csum_update, 0, 0, 0}, {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0},
                    {BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0}),
              pkt, len, 0, 0, &res);
    cr_expect_eq(res.err, 0);
    cr_expect_neq(res.ret[0], -ENOTSUPP, "CHECKSUM_COMPLETE: the sum itself");
    cr_expect_eq(res.ret[2], -EACCES, "INC leaves CHECKSUM_COMPLETE alone");
    run_calls(CALLS({BPF_FUNC_csum_update, 0x10000, 0, 0}), pkt, len, 0, 0, &res);
    cr_expect_eq(res.err, -EBADMSG, "the sum no longer matches the data");
    run_calls(CALLS({BPF_FUNC_skb_adjust_room, (uint32_t)-4, BPF_ADJ_ROOM_NET, 0}, {BPF_FUNC_skb_vlan_push, 0x0081, 5, 0},
                    {BPF_FUNC_skb_vlan_push, 0x0081, 6, 0}, {BPF_FUNC_skb_vlan_pop, 0, 0, 0}),
              pkt, len, 0, 1, &res);
    cr_expect_eq(res.err, 0, "pulled and pushed bytes kept in the sum");
    test_flags = 0;
}

/* The test run's flags (bpf_prog_test_run_skb / _xdp): the __sk_buff
 * types take BPF_F_TEST_SKB_CHECKSUM_COMPLETE alone, XDP
 * BPF_F_TEST_XDP_LIVE_FRAMES alone (-EINVAL otherwise, as the kernel's);
 * bpfrt has no live frames (-EOPNOTSUPP) and raw programs take no flags. */
Test(skb_helpers, test_flags)
{
    static const struct bpf_insn ret0[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    static const struct {
        enum bpf_prog_type type;
        uint32_t flags;
        int err;
    } cases[] = {
        {BPF_PROG_TYPE_SCHED_CLS, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, 0},
        {BPF_PROG_TYPE_SCHED_CLS, BPF_F_TEST_RUN_ON_CPU, -EINVAL},
        {BPF_PROG_TYPE_SCHED_CLS, BPF_F_TEST_XDP_LIVE_FRAMES, -EINVAL},
        {BPF_PROG_TYPE_SOCKET_FILTER, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, 0},
        {BPF_PROG_TYPE_XDP, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, -EINVAL},
        {BPF_PROG_TYPE_XDP, BPF_F_TEST_XDP_LIVE_FRAMES, -EOPNOTSUPP},
        {BPF_PROG_TYPE_UNSPEC, BPF_F_TEST_SKB_CHECKSUM_COMPLETE, -EINVAL},
    };
    uint32_t len = packet(pkt, P_IP4, 60, 0);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bpfrt_prog *prog = NULL;
        char err[256] = "";
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = cases[i].type, .name = "flags");
        cr_assert_eq(bpfrt_prog__load_insns(ret0, 2, &o, &prog), 0);
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = len, .test_flags = cases[i].flags, .err_buf = err,
                   .err_size = sizeof(err));
        cr_expect_eq(bpfrt_prog__run(prog, &ro), cases[i].err, "case %zu: %s", i, err);
        bpfrt_prog__free(prog);
    }
}
