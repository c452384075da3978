/* test_testrun_diff.c - typed programs test-run in the kernel and in bpfrt
 * (suite testrun_diff).
 *
 * tests/data/testrun/testrun.c is compiled at test time; each of its XDP,
 * tc (sched_cls), socket filter and cgroup skb programs runs on the same
 * packets with the same ctx_in in the kernel (BPF_PROG_TEST_RUN through
 * libbpf's bpf_prog_test_run_opts) and in bpfrt (bpfrt_prog__run, fast and
 * checked).  Compared: the error (the kernel's errno for inputs it
 * refuses), the return value, the packet out (its size and bytes) and the
 * context out, byte for byte.  The packets: a standard set (IPv4/IPv6,
 * TCP/UDP/ICMP, VLAN, ARP, 802.3 frames, fragments, unicast, multicast
 * and broadcast destinations, cut at every header boundary, 14 bytes to
 * the largest the test run takes) and random ones; the contexts: none,
 * ctx_out alone, and ctx_in with the fields the kernel takes set at
 * random.  Further tests walk every byte of struct xdp_md and struct
 * __sk_buff in ctx_in, and the size limits of data_in, ctx_in, data_out
 * and ctx_out, comparing the errors.
 *
 * Skips with a message where bpf() is unavailable.  BPFRT_SEED=<n> changes
 * the random inputs (the default is fixed, so runs are repeatable). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trdiff.h"

#define SRC "tests/data/testrun/testrun.c"
#define OBJDIR "build/tests/data/testrun"
#define RANDOM_INPUTS 160

/* The standard set and the random inputs of one program. */
static uint32_t next_packet(uint8_t *p, unsigned i, uint32_t max)
{
    uint32_t len, payload = trd_rnd(4) == 0 ? trd_rnd(max) : trd_rnd(64);

    len = trd_make_packet(p, i, payload);
    if (len > max)
        len = max;
    if (trd_rnd(5) == 0) /* cut anywhere from an Ethernet header on */
        len = 14 + trd_rnd(len - 13);
    if (len < 14)
        len = 14;
    return len;
}

#define XDP_MAX 3520u /* 4096 - 256 - 320 */
#define SKB_MAX 3712u /* 4096 - 64 - 320 */

/* A ctx_in for an XDP run of len bytes: metadata of 0..64 bytes (a
 * multiple of 4) taken from the packet's start. */
static uint32_t xdp_ctx(struct xdp_md *md, uint32_t len)
{
    memset(md, 0, sizeof(*md));
    md->data = trd_rnd(3) ? 0 : 4 * trd_rnd(17);
    if (md->data + 14 > len)
        md->data = 0;
    md->data_end = len;
    if (trd_rnd(2))
        md->ingress_ifindex = 1;
    return sizeof(*md);
}

static uint32_t skb_ctx(struct __sk_buff *s, uint32_t len)
{
    memset(s, 0, sizeof(*s));
    s->mark = trd_rnd(2) ? trd_rnd(0xffffffffu) : 0;
    s->priority = trd_rnd(3) ? trd_rnd(16) : trd_rnd(0xffffffffu);
    s->ingress_ifindex = trd_rnd(3);
    s->ifindex = trd_rnd(7); /* the loopback, the host's devices, none */
    for (int i = 0; i < 5; i++)
        s->cb[i] = trd_rnd(2) ? trd_rnd(0xffffffffu) : 0;
    s->tstamp = trd_rnd(2) ? ((uint64_t)trd_rnd(0xffffffffu) << 20) : 0;
    s->wire_len = trd_rnd(2) ? 0 : len + trd_rnd(100);
    s->gso_segs = trd_rnd(3) ? 0 : trd_rnd(70000);
    s->gso_size = trd_rnd(3) ? 0 : trd_rnd(0x20000);
    s->hwtstamp = trd_rnd(2) ? (uint64_t)trd_rnd(0xffffffffu) * 977 : 0;
    return trd_rnd(4) ? sizeof(*s) : offsetof(struct __sk_buff, hwtstamp);
}

enum ptype { P_XDP, P_SKB };

static void random_runs(const char *name, enum ptype pt, struct trd_tally *t)
{
    static uint8_t pkt[4096];
    static union {
        struct xdp_md xdp;
        struct __sk_buff skb;
    } c;

    for (unsigned i = 0; i < RANDOM_INPUTS; i++) {
        struct trd_input in = {.pkt = pkt, .ctx_room = TRD_CTX_MAX};
        unsigned mode = trd_rnd(4);

        in.len = next_packet(pkt, i, pt == P_XDP ? XDP_MAX : SKB_MAX);
        /* the last inputs: the extremes */
        if (i == RANDOM_INPUTS - 1)
            in.len = pt == P_XDP ? XDP_MAX : SKB_MAX;
        else if (i == RANDOM_INPUTS - 2)
            in.len = 14;
        if (mode == 1) {
            in.ctx = &c;
            in.ctx_len = pt == P_XDP ? xdp_ctx(&c.xdp, in.len) : skb_ctx(&c.skb, in.len);
            in.ctx_out = trd_rnd(3) != 0;
        } else if (mode == 2 && pt == P_SKB) {
            in.ctx_out = 1; /* a context out without one in */
        }
        trd_compare(name, &in, t);
    }
}

static void programs(const char *const *names, size_t n, enum ptype pt)
{
    trd_seed_init();
    trd_open(SRC, OBJDIR, "testrun");
    for (size_t i = 0; i < n; i++) {
        struct trd_tally t = {0};
        random_runs(names[i], pt, &t);
        trd_report(names[i], &t);
    }
    trd_close();
}

Test(testrun_diff, xdp_programs, .timeout = 120)
{
    static const char *const names[] = {"xdp_fields", "xdp_parse", "xdp_adjust", "xdp_bytes"};
    programs(names, sizeof(names) / sizeof(names[0]), P_XDP);
}

Test(testrun_diff, tc_programs, .timeout = 120)
{
    static const char *const names[] = {"tc_fields", "tc_rewrite", "tc_helper_errors"};
    programs(names, sizeof(names) / sizeof(names[0]), P_SKB);
}

Test(testrun_diff, socket_filter_and_cgroup_skb_programs, .timeout = 120)
{
    static const char *const names[] = {"sock_fields", "sock_ldabs_oob", "cg_fields"};
    programs(names, sizeof(names) / sizeof(names[0]), P_SKB);
}

/* Every byte of the UAPI context set in ctx_in (1 and 0x80): the kernel's
 * -EINVAL, or a run, on both sides. */
Test(testrun_diff, ctx_in_every_byte, .timeout = 120)
{
    static uint8_t pkt[128];
    uint8_t ctx[sizeof(struct __sk_buff)];
    struct trd_tally tx = {0}, ts = {0}, tk = {0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "testrun");
    trd_make_packet(pkt, 1, 40);
    for (unsigned v = 0; v < 2; v++)
        for (uint32_t off = 0; off < sizeof(struct __sk_buff); off++) {
            struct trd_input in = {.pkt = pkt, .len = 100, .ctx = ctx, .ctx_out = 1, .ctx_room = sizeof(ctx)};
            memset(ctx, 0, sizeof(ctx));
            ctx[off] = v ? 0x80 : 1;
            in.ctx_len = sizeof(struct __sk_buff);
            trd_compare("tc_fields", &in, &ts);
            trd_compare("sock_fields", &in, &tk);
            if (off < sizeof(struct xdp_md)) {
                struct xdp_md *md = (struct xdp_md *)ctx;
                md->data_end = in.len;
                in.ctx_len = sizeof(struct xdp_md);
                trd_compare("xdp_fields", &in, &tx);
            }
        }
    trd_report("ctx_in/xdp_md", &tx);
    trd_report("ctx_in/__sk_buff(tc)", &ts);
    trd_report("ctx_in/__sk_buff(sock)", &tk);
    trd_close();
}

/* The limits: packet sizes around the minimum and the maximum, ctx_in
 * shorter and longer than its struct (zero or not past it), data_out and
 * ctx_out too small, xdp_md's data/data_end/data_meta and queue rules. */
Test(testrun_diff, sizes_and_errors, .timeout = 120)
{
    static uint8_t pkt[8192], ctx[8192];
    static const uint32_t lens[] = {0, 1, 13, 14, 15, 33, 34, 53, 54, 3519, 3520, 3521, 3711, 3712, 3713, 4096, 5000};
    static const char *const progs[] = {"xdp_fields", "tc_fields", "sock_fields", "cg_fields"};
    struct trd_tally t = {0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "testrun");
    for (unsigned k = 0; k < 3; k++) {
        uint32_t n = trd_make_packet(pkt, k == 2 ? 3 : k, 4000);
        (void)n;
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
                struct trd_input in = {.pkt = lens[i] ? pkt : NULL, .len = lens[i]};
                trd_compare(progs[j], &in, &t);
            }
    }
    /* ctx_in sizes, zero and non-zero tails; data_out and ctx_out rooms */
    trd_make_packet(pkt, 0, 60);
    for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
        int xdp = j == 0;
        uint32_t full = xdp ? sizeof(struct xdp_md) : sizeof(struct __sk_buff);
        static const uint32_t sizes[] = {0, 4, 8, 23, 24, 25, 100, 191, 192, 193, 4096, 4097};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int tail = 0; tail < 2; tail++) {
                struct trd_input in = {.pkt = pkt, .len = 100, .ctx = ctx, .ctx_len = sizes[s], .ctx_out = 1,
                                   .ctx_room = sizes[s] < 4096 ? sizes[s] : 4096};
                memset(ctx, 0, sizeof(ctx));
                if (xdp) {
                    ((struct xdp_md *)ctx)->data_end = 100;
                }
                if (tail && sizes[s] > full)
                    ctx[sizes[s] - 1] = 1;
                trd_compare(progs[j], &in, &t);
            }
        for (uint32_t room = 1; room < 120; room += 13) {
            struct trd_input in = {.pkt = pkt, .len = 100, .data_room = room, .ctx = ctx, .ctx_len = full, .ctx_out = 1,
                               .ctx_room = room};
            memset(ctx, 0, sizeof(ctx));
            if (xdp)
                ((struct xdp_md *)ctx)->data_end = 100;
            trd_compare(progs[j], &in, &t);
        }
    }
    /* xdp_md: data_meta, data beyond data_end, data_end beyond the packet
     * or short of it (the rest in fragments), metadata sizes, queues */
    for (uint32_t v = 0; v < 300; v += 1 + v / 8) {
        struct xdp_md *md = (struct xdp_md *)ctx;
        struct trd_input in = {.pkt = pkt, .len = 300, .ctx = ctx, .ctx_len = sizeof(*md), .ctx_out = 1,
                           .ctx_room = sizeof(*md)};
        trd_make_packet(pkt, 1, 260);
        for (unsigned f = 0; f < 6; f++) {
            memset(ctx, 0, sizeof(ctx));
            md->data_end = 300;
            switch (f) {
            case 0: md->data = v; break;
            case 1: md->data_end = v; break;
            case 2: md->data_meta = v; break;
            /* the loopback, the host's other devices, indexes with none */
            case 3: md->ingress_ifindex = v % 7, md->rx_queue_index = v % 3; break;
            case 4: md->egress_ifindex = v; break;
            default: md->data = v & ~3u, md->data_end = v + 14; break;
            }
            trd_compare("xdp_fields", &in, &t);
            /* data_end short of the packet: the rest in a fragment */
            trd_compare("xdp_adjust", &in, &t);
        }
    }
    trd_report("sizes_and_errors", &t);
    trd_close();
}
