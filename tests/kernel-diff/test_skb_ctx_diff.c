/* test_skb_ctx_diff.c - struct __sk_buff in and out of test runs, in the
 * kernel and in bpfrt (suite skb_ctx_diff).
 *
 * tests/data/testrun/skbctx.c is compiled at test time: programs of every
 * type whose test run builds an skb (sched_cls, sched_act, socket_filter,
 * cgroup_skb ingress and egress).  The kernel's test run
 * (net/bpf/test_run.c convert___skb_to_skb) takes mark, priority,
 * ingress_ifindex, ifindex, cb[], tstamp, wire_len, gso_segs, gso_size
 * and hwtstamp from ctx_in and refuses any other non-zero byte with
 * -EINVAL, as it refuses a wire_len below the packet or above 64 KiB and
 * gso_segs above 65535; ctx_out (convert_skb_to___skb) gives back mark,
 * priority, ingress_ifindex, ifindex, tstamp, cb[], wire_len, gso_segs
 * and hwtstamp, the rest as ctx_in had them.  Each field is swept alone
 * with boundary and random values, every 32-bit word of the struct
 * besides, for every type, with the programs writing what their type may
 * write; compared: the error, the return value, the packet out and the
 * context out.
 *
 * Skips with a message where bpf() is unavailable.  BPFRT_SEED=<n> changes
 * the random inputs. */
#include <criterion/criterion.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>

#include "trdiff.h"

#define SRC "tests/data/testrun/skbctx.c"
#define OBJDIR "build/tests/data/testrun"

static const char *const progs[] = {"cls_ctx", "act_ctx", "sock_ctx", "cg_in_ctx", "cg_eg_ctx"};
#define NPROGS (sizeof(progs) / sizeof(progs[0]))

static uint8_t pkt[4096];

/* The fields ctx_in may set, with their sizes. */
static const struct {
    const char *name;
    uint32_t off, size;
} fields[] = {
#define FLD(f) {#f, offsetof(struct __sk_buff, f), sizeof(((struct __sk_buff *)0)->f)}
    FLD(mark),     FLD(priority), FLD(ingress_ifindex), FLD(ifindex),  FLD(cb[0]),    FLD(cb[1]),
    FLD(cb[2]),    FLD(cb[3]),    FLD(cb[4]),           FLD(tstamp),   FLD(wire_len), FLD(gso_segs),
    FLD(gso_size), FLD(hwtstamp),
#undef FLD
};

/* Values for a field of size bytes on a packet of len bytes: the
 * boundaries the kernel checks (wire_len against the packet and 64 KiB,
 * gso_segs against 65535, ifindex: none, the loopback, beyond) and random
 * ones. */
static uint64_t field_value(const char *name, unsigned i, uint32_t len)
{
    static const uint64_t common[] = {0, 1, 0x7f, 0x80, 0xffff, 0x10000, 0x7fffffff, 0x80000000u, 0xffffffffu};
    if (!strcmp(name, "wire_len")) {
        const uint64_t w[] = {len - 1, len, len + 1, 65535, 65536, 65537};
        if (i < 6)
            return w[i];
    } else if (!strcmp(name, "gso_segs")) {
        const uint64_t g[] = {65534, 65535, 65536, 65537};
        if (i < 4)
            return g[i];
    } else if (!strcmp(name, "ifindex")) {
        /* the loopback, the host's other devices, indexes with none */
        return i % 8;
    }
    if (i < sizeof(common) / sizeof(common[0]))
        return common[i];
    return ((uint64_t)trd_rnd(0xffffffffu) << 32 | trd_rnd(0xffffffffu)) >> trd_rnd(64);
}

/* One field at a time, every type, the programs writing what their type
 * may (cb[3] of ctx_in says which). */
Test(skb_ctx_diff, each_field, .timeout = 240)
{
    struct trd_tally t = {0};
    struct __sk_buff ctx;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skbctx");
    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
        for (unsigned i = 0; i < 16; i++) {
            uint32_t len = 14 + trd_rnd(200);
            uint64_t v;
            struct trd_input in = {.pkt = pkt, .len = len, .ctx = &ctx, .ctx_len = sizeof(ctx), .ctx_out = 1,
                                   .ctx_room = sizeof(ctx)};

            trd_make_packet(pkt, i, 200);
            memset(&ctx, 0, sizeof(ctx));
            v = field_value(fields[f].name, i, len);
            memcpy((uint8_t *)&ctx + fields[f].off, &v, fields[f].size);
            for (size_t p = 0; p < NPROGS; p++)
                trd_compare(progs[p], &in, &t);
        }
    trd_report("each_field", &t);
    trd_close();
}

/* Every 32-bit word of struct __sk_buff set to a random value (the
 * fields the kernel refuses: -EINVAL), and random mixes of the accepted
 * fields with the programs writing the writable ones. */
Test(skb_ctx_diff, every_word_and_mixes, .timeout = 240)
{
    struct trd_tally t = {0};
    struct __sk_buff ctx;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skbctx");
    for (uint32_t off = 0; off < sizeof(ctx); off += 4) {
        struct trd_input in = {.pkt = pkt, .len = 80, .ctx = &ctx, .ctx_len = sizeof(ctx), .ctx_out = 1,
                               .ctx_room = sizeof(ctx)};
        uint32_t v = trd_rnd(0xffffffffu) | 1;

        trd_make_packet(pkt, off, 80);
        memset(&ctx, 0, sizeof(ctx));
        memcpy((uint8_t *)&ctx + off, &v, 4);
        if (off == offsetof(struct __sk_buff, ifindex))
            ctx.ifindex = 1;
        for (size_t p = 0; p < NPROGS; p++)
            trd_compare(progs[p], &in, &t);
    }
    for (unsigned i = 0; i < 600; i++) {
        uint32_t len = 14 + trd_rnd(i % 8 ? 300 : 3712 - 14 + 20);
        struct trd_input in = {.pkt = pkt, .len = len, .ctx = &ctx, .ctx_out = trd_rnd(4) != 0,
                               .ctx_room = sizeof(ctx)};

        trd_make_packet(pkt, i, 4000);
        memset(&ctx, 0, sizeof(ctx));
        for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
            if (trd_rnd(2)) {
                uint64_t v = field_value(fields[f].name, trd_rnd(24), len);
                memcpy((uint8_t *)&ctx + fields[f].off, &v, fields[f].size);
            }
        ctx.cb[3] = trd_rnd(64);
        /* ctx_in shorter than the struct (the rest zero) now and then */
        in.ctx_len = trd_rnd(5) ? sizeof(ctx) : 4 * (1 + trd_rnd(sizeof(ctx) / 4));
        trd_compare(progs[i % NPROGS], &in, &t);
    }
    trd_report("every_word_and_mixes", &t);
    trd_close();
}

/* The socket of the test run (__sk_buff.sk, struct bpf_sock: family and
 * addresses from the packet, state TCP_CLOSE, rx_queue_mapping -1, the
 * rest 0) as tc, cgroup_skb and socket filter programs see it, for IPv4,
 * IPv6 and other packets; bpf_sk_fullsock gives it back, bpf_tcp_sock and
 * bpf_get_listener_sock NULL, bpf_get_socket_uid its owner (0). */
Test(skb_ctx_diff, test_run_socket, .timeout = 120)
{
    struct trd_tally t = {0};
    struct __sk_buff ctx;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skbctx");
    for (unsigned i = 0; i < 90; i++) {
        struct trd_input in = {.pkt = pkt, .len = trd_make_packet(pkt, i, 40), .ctx = &ctx, .ctx_len = sizeof(ctx),
                               .ctx_out = 1, .ctx_room = sizeof(ctx)};
        memset(&ctx, 0, sizeof(ctx));
        if (i % 3 == 2)
            in.len = 14 + trd_rnd(in.len - 13); /* cut anywhere */
        trd_compare("cls_sk", &in, &t);
        trd_compare("cls_sk_all", &in, &t);
        trd_compare("cg_sk", &in, &t);
        trd_compare("sock_sk", &in, &t);
        trd_compare("cls_uid", &in, &t);
        trd_compare("sock_uid", &in, &t);
    }
    trd_report("test_run_socket", &t);
    trd_close();
}

/* ifindex naming each of the host's devices (and indexes naming none):
 * the kernel's test run takes the device for eth_type_trans (the packet
 * type from its address and broadcast address) and __sk_buff.ifindex;
 * packets to the device's own address (SIOCGIFHWADDR), to broadcast, to
 * a group and to another host. */
Test(skb_ctx_diff, host_devices, .timeout = 120)
{
    struct trd_tally t = {0};
    struct __sk_buff ctx;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    cr_assert(fd >= 0, "socket");
    trd_seed_init();
    trd_open(SRC, OBJDIR, "skbctx");
    for (uint32_t ifindex = 0; ifindex < 12; ifindex++) {
        struct ifreq ifr;
        uint8_t own[6] = {0};

        memset(&ifr, 0, sizeof(ifr));
        if (if_indextoname(ifindex, ifr.ifr_name) && !ioctl(fd, SIOCGIFHWADDR, &ifr))
            memcpy(own, ifr.ifr_hwaddr.sa_data, 6);
        for (unsigned d = 0; d < 8; d++) {
            static const uint8_t dests[4][6] = {
                {0}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x33, 0x33, 0, 0, 0, 1}, {0x02, 1, 2, 3, 4, 5}};
            struct trd_input in = {.pkt = pkt, .len = trd_make_packet(pkt, d, 30), .ctx = &ctx,
                                   .ctx_len = sizeof(ctx), .ctx_out = 1, .ctx_room = sizeof(ctx)};

            memcpy(pkt, d < 4 ? own : dests[d - 4], 6);
            memset(&ctx, 0, sizeof(ctx));
            ctx.ifindex = ifindex;
            for (size_t p = 0; p < NPROGS; p++)
                trd_compare(progs[p], &in, &t);
        }
    }
    close(fd);
    trd_report("host_devices", &t);
    trd_close();
}

/* The inputs the kernel refuses, for every type: data_in shorter than an
 * Ethernet header or longer than a page less the headroom and
 * skb_shared_info (3712 bytes), an IPv4 or IPv6 packet shorter than its
 * header, ctx_in shorter than the struct (the rest zero), longer (zero
 * past it, or -E2BIG; more than a page: -E2BIG), ctx_out and data_out too
 * small (-ENOSPC). */
Test(skb_ctx_diff, sizes_and_errors, .timeout = 120)
{
    static uint8_t big[8192];
    static const uint32_t lens[] = {0, 1, 13, 14, 15, 33, 34, 35, 53, 54, 55, 3711, 3712, 3713, 4096, 5000};
    static const uint32_t ctx_lens[] = {1, 4, 40, 100, 188, 191, 192, 193, 200, 4096, 4097};
    struct trd_tally t = {0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skbctx");
    for (unsigned k = 0; k < 3; k++) {
        trd_make_packet(pkt, k == 2 ? 3 : k, 4000);
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            for (size_t p = 0; p < NPROGS; p++) {
                struct trd_input in = {.pkt = lens[i] ? pkt : NULL, .len = lens[i], .ctx_out = k == 1,
                                       .ctx_room = sizeof(struct __sk_buff)};
                trd_compare(progs[p], &in, &t);
            }
    }
    trd_make_packet(pkt, 0, 60);
    for (size_t c = 0; c < sizeof(ctx_lens) / sizeof(ctx_lens[0]); c++)
        for (unsigned tail = 0; tail < 2; tail++)
            for (size_t p = 0; p < NPROGS; p++) {
                struct trd_input in = {.pkt = pkt, .len = 100, .ctx = big, .ctx_len = ctx_lens[c], .ctx_out = 1,
                                       .ctx_room = ctx_lens[c] < 4096 ? ctx_lens[c] : 4096};
                memset(big, 0, sizeof(big));
                big[offsetof(struct __sk_buff, mark)] = 7;
                if (tail)
                    big[ctx_lens[c] - 1] |= 1;
                trd_compare(progs[p], &in, &t);
            }
    for (uint32_t room = 1; room < 200; room += 11)
        for (size_t p = 0; p < NPROGS; p++) {
            struct trd_input in = {.pkt = pkt, .len = 100, .data_room = room, .ctx = big,
                                   .ctx_len = sizeof(struct __sk_buff), .ctx_out = 1, .ctx_room = room};
            memset(big, 0, sizeof(big));
            trd_compare(progs[p], &in, &t);
        }
    trd_report("sizes_and_errors", &t);
    trd_close();
}
