/* test_testrun.c - the test run's input rules without a kernel (suite
 * testrun): the errors the kernel's BPF_PROG_TEST_RUN gives for a packet
 * or a context it refuses (net/bpf/test_run.c, kernel/bpf/syscall.c),
 * and what comes back (data_out, ctx_out, -ENOSPC).  test_testrun_diff.c
 * checks the same rules against the running kernel, byte by byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stddef.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

static struct bpfrt_prog *load_type(enum bpf_prog_type type, int attach)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 2), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;
    char log[512] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = type, .name = "t", .log_buf = log, .log_size = sizeof(log),
               .expected_attach_type = (enum bpf_attach_type)attach);
    cr_assert_eq(bpfrt_prog__load_insns(p, 2, &o, &prog), 0, "%s", log);
    return prog;
}

/* An interface index no device of the host has (the test run looks the
 * others up on the host, as the kernel's dev_get_by_index does). */
static uint32_t absent_ifindex(void)
{
    char name[IF_NAMESIZE];
    uint32_t i = 0x7ffffff0;

    while (if_indextoname(i, name))
        i--;
    return i;
}

/* An IPv4/UDP packet of len bytes (len >= 42). */
static void packet(uint8_t *p, size_t len)
{
    memset(p, 0, len);
    memset(p + 6, 0x22, 6);
    p[12] = 0x08;
    p[14] = 0x45;
    p[23] = 17;
    memcpy(p + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
}

static int run(struct bpfrt_prog *prog, const void *data, size_t len, const void *ctx, uint32_t ctx_len, char *err,
               size_t errsz)
{
    static uint8_t out[4096], cout[512];
    BPFRT_OPTS(bpfrt_run_opts, r, .data = (void *)data, .data_size = len, .ctx_in = ctx, .ctx_size_in = ctx_len,
               .err_buf = err, .err_size = errsz, .data_out = out, .data_size_out = sizeof(out), .ctx_out = cout,
               .ctx_size_out = sizeof(cout));
    err[0] = 0;
    return bpfrt_prog__run(prog, &r);
}

/* xdp_md in ctx_in: bpf_prog_test_run_xdp and xdp_convert_md_to_buff. */
Test(testrun, xdp_ctx_in_rules)
{
    struct bpfrt_prog *prog = load_type(BPF_PROG_TYPE_XDP, 0);
    uint8_t pkt[100], big[40];
    struct xdp_md md;
    char err[256];

    packet(pkt, sizeof(pkt));
#define XDP_CASE(expect, ...)                                                                                          \
    do {                                                                                                               \
        memset(&md, 0, sizeof(md));                                                                                    \
        md.data_end = sizeof(pkt);                                                                                     \
        __VA_ARGS__;                                                                                                   \
        cr_expect_eq(run(prog, pkt, sizeof(pkt), &md, sizeof(md), err, sizeof(err)), expect, "%s: %s", #__VA_ARGS__, \
                     err);                                                                                             \
    } while (0)
    XDP_CASE(0, (void)0);
    XDP_CASE(-EINVAL, md.data_meta = 4);                     /* nothing before the metadata */
    XDP_CASE(-EINVAL, md.data_end = sizeof(pkt) + 1);        /* past data_in */
    XDP_CASE(-EINVAL, md.data = 60, md.data_end = 50);       /* data past data_end */
    XDP_CASE(-EINVAL, md.data = 6);                          /* metadata not a multiple of 4 */
    XDP_CASE(0, md.data = 32);                               /* 32 bytes of metadata */
    XDP_CASE(-EINVAL, md.data = 90);                         /* 10 bytes of packet: no Ethernet header */
    XDP_CASE(-EINVAL, md.egress_ifindex = 1);                /* no egress device in a test run */
    XDP_CASE(-EINVAL, md.rx_queue_index = 1);                /* a queue without a device */
    XDP_CASE(0, md.ingress_ifindex = 1);                     /* the loopback */
    XDP_CASE(-EINVAL, md.ingress_ifindex = 1, md.rx_queue_index = 1); /* it has one queue */
    XDP_CASE(-ENODEV, md.ingress_ifindex = absent_ifindex()); /* no such device */
    cr_expect(strstr(err, "no network device has ifindex"), "%s", err);
#undef XDP_CASE
    /* a ctx_in longer than xdp_md: zero past it, else -E2BIG */
    memset(big, 0, sizeof(big));
    ((struct xdp_md *)big)->data_end = sizeof(pkt);
    cr_expect_eq(run(prog, pkt, sizeof(pkt), big, sizeof(big), err, sizeof(err)), 0, "%s", err);
    big[30] = 1;
    cr_expect_eq(run(prog, pkt, sizeof(pkt), big, sizeof(big), err, sizeof(err)), -E2BIG, "%s", err);
    /* a pointer without a size */
    cr_expect_eq(run(prog, pkt, sizeof(pkt), big, 0, err, sizeof(err)), -EINVAL, "%s", err);
    /* packets: an Ethernet header at least */
    cr_expect_eq(run(prog, pkt, 13, NULL, 0, err, sizeof(err)), -EINVAL);
    cr_expect_eq(run(prog, pkt, 14, NULL, 0, err, sizeof(err)), 0, "%s", err);
    bpfrt_prog__free(prog);
    /* devmap and cpumap programs do not test-run */
    prog = load_type(BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP);
    cr_expect_eq(run(prog, pkt, sizeof(pkt), NULL, 0, err, sizeof(err)), -EINVAL);
    bpfrt_prog__free(prog);
}

/* __sk_buff in ctx_in: convert___skb_to_skb takes mark, priority,
 * ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and
 * hwtstamp, and nothing else. */
Test(testrun, skb_ctx_in_rules)
{
    static const struct {
        size_t off;
        int ok;
    } fields[] = {
        {offsetof(struct __sk_buff, len), 0},           {offsetof(struct __sk_buff, pkt_type), 0},
        {offsetof(struct __sk_buff, mark), 1},          {offsetof(struct __sk_buff, queue_mapping), 0},
        {offsetof(struct __sk_buff, protocol), 0},      {offsetof(struct __sk_buff, priority), 1},
        {offsetof(struct __sk_buff, ingress_ifindex), 1}, {offsetof(struct __sk_buff, tc_index), 0},
        {offsetof(struct __sk_buff, cb[0]), 1},         {offsetof(struct __sk_buff, cb[4]), 1},
        {offsetof(struct __sk_buff, hash), 0},          {offsetof(struct __sk_buff, data), 0},
        {offsetof(struct __sk_buff, napi_id), 0},       {offsetof(struct __sk_buff, tstamp), 1},
        {offsetof(struct __sk_buff, gso_size), 1},      {offsetof(struct __sk_buff, tstamp_type), 0},
        {offsetof(struct __sk_buff, hwtstamp), 1},      {offsetof(struct __sk_buff, sk), 0},
    };
    struct bpfrt_prog *prog = load_type(BPF_PROG_TYPE_SCHED_CLS, 0);
    uint8_t pkt[100];
    struct __sk_buff s;
    char err[256];

    packet(pkt, sizeof(pkt));
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        memset(&s, 0, sizeof(s));
        ((uint8_t *)&s)[fields[i].off] = 1;
        cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), fields[i].ok ? 0 : -EINVAL,
                     "byte %zu: %s", fields[i].off, err);
    }
    memset(&s, 0, sizeof(s));
    s.ifindex = 1; /* the loopback */
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), 0, "%s", err);
    s.ifindex = absent_ifindex();
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), -ENODEV, "%s", err);
    memset(&s, 0, sizeof(s));
    s.wire_len = 99; /* less than the packet */
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), -EINVAL, "%s", err);
    s.wire_len = 65537;
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), -EINVAL, "%s", err);
    s.wire_len = 65536;
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), 0, "%s", err);
    s.gso_segs = 65536;
    cr_expect_eq(run(prog, pkt, sizeof(pkt), &s, sizeof(s), err, sizeof(err)), -EINVAL, "%s", err);
    /* sizes: an Ethernet header, an IPv4 header when it says IPv4, at most
     * a page less the headroom and the shared info */
    cr_expect_eq(run(prog, pkt, 13, NULL, 0, err, sizeof(err)), -EINVAL);
    cr_expect_eq(run(prog, pkt, 33, NULL, 0, err, sizeof(err)), -EINVAL);
    cr_expect_eq(run(prog, pkt, 34, NULL, 0, err, sizeof(err)), 0, "%s", err);
    {
        static uint8_t large[3713];
        packet(large, sizeof(large));
        cr_expect_eq(run(prog, large, 3712, NULL, 0, err, sizeof(err)), 0, "%s", err);
        cr_expect_eq(run(prog, large, 3713, NULL, 0, err, sizeof(err)), -EINVAL);
    }
    bpfrt_prog__free(prog);
}

/* What comes back: the context out (the fields the kernel writes back),
 * a socket filter's packet with its Ethernet header zeroed, -ENOSPC with
 * the sizes when data_out or ctx_out is too small. */
Test(testrun, outputs)
{
    struct bpfrt_prog *prog = load_type(BPF_PROG_TYPE_SOCKET_FILTER, 0);
    uint8_t pkt[64], out[64], small[10];
    struct __sk_buff s, so;
    char err[256];

    packet(pkt, sizeof(pkt));
    memset(&s, 0, sizeof(s));
    s.mark = 7;
    s.gso_size = 0x10005; /* 16 bits in the skb, not written back */
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .ctx_in = &s, .ctx_size_in = sizeof(s),
                   .ctx_out = &so, .ctx_size_out = sizeof(so), .data_out = out, .data_size_out = sizeof(out),
                   .err_buf = err, .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0, "%s", err);
        cr_expect_eq(r.retval, 2);
        cr_expect_eq(r.data_size_out, sizeof(pkt));
        cr_expect_eq(r.ctx_size_out, sizeof(so));
        for (int i = 0; i < 14; i++)
            cr_expect_eq(out[i], 0, "byte %d of the Ethernet header", i);
        cr_expect_eq(memcmp(out + 14, pkt + 14, sizeof(pkt) - 14), 0);
        cr_expect_eq(so.mark, 7);
        cr_expect_eq(so.ifindex, 1);
        cr_expect_eq(so.wire_len, sizeof(pkt) - 14); /* the length the socket filter saw */
        cr_expect_eq(so.gso_size, 0x10005);
    }
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .data_out = small,
                   .data_size_out = sizeof(small), .err_buf = err, .err_size = sizeof(err));
        cr_expect_eq(bpfrt_prog__run(prog, &r), -ENOSPC);
        cr_expect_eq(r.data_size_out, sizeof(pkt));
        cr_expect_eq(r.retval, 2);
    }
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .ctx_out = small,
                   .ctx_size_out = sizeof(small), .err_buf = err, .err_size = sizeof(err));
        cr_expect_eq(bpfrt_prog__run(prog, &r), -ENOSPC);
        cr_expect_eq(r.ctx_size_out, sizeof(struct __sk_buff));
    }
    bpfrt_prog__free(prog);
}

/* LD_ABS/LD_IND at negative offsets read from the headers as the kernel's
 * bpf_internal_load_pointer_neg_helper (net/core/filter.c) does:
 * SKF_NET_OFF + k from the network header, SKF_LL_OFF + k from the MAC
 * header (a socket filter's test run has pulled the Ethernet header, so
 * that is 14 bytes before data), anything below SKF_LL_OFF or past the
 * linear data ends the program with r0 = 0.  test_verifier's "ld_ind:
 * check calling conv, r7" (SKF_LL_OFF + 1, retval 1 in the kernel) gave 0
 * in bpfrt before.  Both engines. */
Test(testrun, ld_abs_negative_offsets)
{
    static const struct {
        int32_t k;
        uint32_t want; /* the packet's big-endian word there; 0: the load fails */
        int fails;
    } cases[] = {
        {-0x200000, 0x00000000, 0},     /* MAC header: destination address */
        {-0x200000 + 6, 0x22222222, 0}, /* source address */
        {-0x200000 + 12, 0x08004500, 0},
        {-0x100000, 0x45000000, 0},     /* network header = data */
        {-0x100000 + 12, 0x0a000001, 0},
        {-0x100000 + 60, 0, 0},         /* the last 4 bytes of 78 */
        {-0x100000 + 61, 0, 1},         /* one past the linear data */
        {-0x200000 - 1, 0, 1},          /* below SKF_LL_OFF */
        {-0x1000, 0, 1},                /* SKF_AD_OFF: no ancillary data in eBPF */
    };
    uint8_t pkt[78];
    char err[256];

    packet(pkt, sizeof(pkt));
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            /* r0 = 7; r7 = k; r0 = LD_IND W [r7]; r0 += 1; exit: the +1 tells a
             * load of 0 from a failed one */
            struct bpf_insn p[] = {
                INSN_MOV64_REG(6, 1), INSN_MOV64_IMM(7, cases[i].k), INSN_LD_IND(BPF_W, 7, 0),
                INSN_ALU64_IMM(BPF_ADD, 0, 1), INSN_EXIT(),
            };
            struct bpfrt_prog *prog = NULL;
            char log[512] = "";
            BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SOCKET_FILTER, .name = "ldind",
                       .log_buf = log, .log_size = sizeof(log), .engine = e ? "jit" : "interp");
            cr_assert_eq(bpfrt_prog__load_insns(p, 5, &o, &prog), 0, "%s", log);
            BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .err_buf = err,
                       .err_size = sizeof(err));
            cr_assert_eq(bpfrt_prog__run(prog, &r), 0, "%s", err);
            cr_expect_eq(r.retval, cases[i].fails ? 0 : (uint64_t)cases[i].want + 1,
                         "%s, k = %d: r0 = 0x%llx", e ? "jit" : "interp", cases[i].k, (unsigned long long)r.retval);
            bpfrt_prog__free(prog);
        }
}
