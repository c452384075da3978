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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "obj_pair.h"

#define SRC "tests/data/testrun/testrun.c"
#define OBJDIR "build/tests/data/testrun"
#define BUFSZ 4096
#define RANDOM_INPUTS 160

/* ----------------------------------------------------------- utilities */

static void seed_init(void)
{
    pair_seed(20240917);
}

static void open_both(void)
{
    pair_open(SRC, OBJDIR, "testrun", "the test runs");
}

static void close_both(void)
{
    pair_close();
}

static int kfd(const char *name)
{
    struct bpf_program *p = bpf_object__find_program_by_name(kobj, name);
    cr_assert_not_null(p, "kernel program %s", name);
    return bpf_program__fd(p);
}

static struct bpfrt_prog *bprog(const char *name)
{
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(bobj, name));
    cr_assert_not_null(p, "bpfrt program %s", name);
    return p;
}

/* One run's outcome. */
struct outcome {
    int err;
    uint32_t retval;
    uint32_t size_out;
    uint32_t ctx_size_out;
    uint8_t data[BUFSZ];
    uint8_t ctx[BUFSZ];
};

struct input {
    const uint8_t *pkt;
    uint32_t len;
    const void *ctx; /* NULL: none */
    uint32_t ctx_len;
    int ctx_out;        /* ask for the context out */
    uint32_t data_room; /* data_size_out (0: the whole buffer) */
    uint32_t ctx_room;  /* ctx_size_out when ctx_out */
};

static void krun(int fd, const struct input *in, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = in->pkt, .data_size_in = in->len, .data_out = o->data,
                .data_size_out = in->data_room ? in->data_room : BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
                .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? in->ctx_room : 0,
                .repeat = 1);
    o->err = bpf_prog_test_run_opts(fd, &ko) ? -errno : 0;
    o->retval = ko.retval;
    o->size_out = ko.data_size_out;
    o->ctx_size_out = ko.ctx_size_out;
}

static void brun(struct bpfrt_prog *p, const struct input *in, int checked, struct outcome *o, char *err,
                 size_t errsz)
{
    memset(o, 0, sizeof(*o));
    err[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)in->pkt, .data_size = in->len,
               .flags = checked ? BPFRT_RUN_CHECKED : 0, .err_buf = err, .err_size = errsz, .data_out = o->data,
               .data_size_out = in->data_room ? in->data_room : BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
               .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? in->ctx_room : 0);
    o->err = bpfrt_prog__run(p, &ro);
    o->retval = (uint32_t)ro.retval;
    o->size_out = ro.data_size_out;
    o->ctx_size_out = ro.ctx_size_out;
}

/* Mismatches printed in full (the rest are counted). */
static unsigned printed;
#define PRINT_MAX 6

/* Compare; on a difference say where. 1 when equal. */
static int same(const char *prog, const char *mode, const struct input *in, const struct outcome *k,
                const struct outcome *b, const char *berr)
{
    char what[200] = "", h1[2048], h2[2048];
    uint32_t n;

    if (k->err != b->err)
        snprintf(what, sizeof(what), "error: kernel %d (%s), bpfrt %d (%s)", k->err, strerror(-k->err), b->err,
                 berr);
    else if (k->err && k->err != -ENOSPC)
        return 1;
    else if (k->retval != b->retval)
        snprintf(what, sizeof(what), "retval: kernel %u (0x%x), bpfrt %u (0x%x)", k->retval, k->retval, b->retval,
                 b->retval);
    else if (k->size_out != b->size_out)
        snprintf(what, sizeof(what), "data_size_out: kernel %u, bpfrt %u", k->size_out, b->size_out);
    else if (in->ctx_out && k->ctx_size_out != b->ctx_size_out)
        snprintf(what, sizeof(what), "ctx_size_out: kernel %u, bpfrt %u", k->ctx_size_out, b->ctx_size_out);
    else {
        n = k->size_out < BUFSZ ? k->size_out : BUFSZ;
        if (in->data_room && n > in->data_room)
            n = in->data_room;
        if (memcmp(k->data, b->data, n)) {
            if (printed >= PRINT_MAX)
                return 0;
            hex(h1, sizeof(h1), k->data, n < 128 ? n : 128);
            hex(h2, sizeof(h2), b->data, n < 128 ? n : 128);
            fprintf(stderr, "testrun_diff %s (%s): packet out differs:\nkernel:\n%s\nbpfrt:\n%s\n", prog, mode, h1,
                    h2);
            snprintf(what, sizeof(what), "data_out bytes");
        } else if (in->ctx_out && !k->err) {
            n = k->ctx_size_out < in->ctx_room ? k->ctx_size_out : in->ctx_room;
            if (memcmp(k->ctx, b->ctx, n)) {
                if (printed >= PRINT_MAX)
                    return 0;
                hex(h1, sizeof(h1), k->ctx, n);
                hex(h2, sizeof(h2), b->ctx, n);
                fprintf(stderr, "testrun_diff %s (%s): ctx_out differs:\nkernel:\n%s\nbpfrt:\n%s\n", prog, mode, h1,
                        h2);
                snprintf(what, sizeof(what), "ctx_out bytes");
            }
        }
    }
    if (!what[0])
        return 1;
    if (printed++ >= PRINT_MAX)
        return 0;
    hex(h1, sizeof(h1), in->pkt, in->len < 64 ? in->len : 64);
    fprintf(stderr, "testrun_diff MISMATCH %s (%s): %s\n  input: %u bytes, ctx_in %u bytes%s:\n%s\n", prog, mode, what,
            in->len, in->ctx ? in->ctx_len : 0, in->ctx_out ? ", ctx_out" : "", h1);
    return 0;
}

struct tally {
    unsigned n, eq_fast, eq_checked;
};

static void run_compare(const char *name, const struct input *in, struct tally *t)
{
    static struct outcome k, b;
    char err[512];
    int fd = kfd(name);
    struct bpfrt_prog *p = bprog(name);

    krun(fd, in, &k);
    t->n++;
    brun(p, in, 0, &b, err, sizeof(err));
    t->eq_fast += same(name, "fast", in, &k, &b, err);
    brun(p, in, 1, &b, err, sizeof(err));
    t->eq_checked += same(name, "checked", in, &k, &b, err);
}

/* ------------------------------------------------------------- packets */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A packet of one of the standard shapes (kind) with random fields;
 * returns its length (before any cut). */
static uint32_t make_packet(uint8_t *p, unsigned kind, uint32_t payload)
{
    static const uint8_t dests[4][6] = {
        {0, 0, 0, 0, 0, 0}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0, 0, 1}, {2, 0, 0, 0, 0, 9}};
    uint32_t off = 14, l4;
    uint8_t proto = 0;
    int ip6 = 0;

    memcpy(p, dests[rnd(4)], 6);
    for (int i = 6; i < 12; i++)
        p[i] = (uint8_t)rnd(256);
    p[6] &= 0xfe;
    switch (kind % 9) {
    case 0: proto = 6; break;                          /* IPv4 TCP */
    case 1: proto = 17; break;                         /* IPv4 UDP */
    case 2: proto = 1; break;                          /* IPv4 ICMP */
    case 3: proto = 6, ip6 = 1; break;                 /* IPv6 TCP */
    case 4: proto = 17, ip6 = 1; break;                /* IPv6 UDP */
    case 5: /* VLAN + IPv4 UDP */
        put16(p + 12, 0x8100);
        put16(p + 14, (uint16_t)rnd(4096));
        off = 18;
        proto = 17;
        break;
    case 6: /* ARP */
        put16(p + 12, 0x0806);
        for (uint32_t i = 14; i < 42 + payload; i++)
            p[i] = (uint8_t)rnd(256);
        return 42 + payload;
    case 7: /* 802.3 length field, with IPX's 0xffff or LLC after it */
        put16(p + 12, (uint16_t)(46 + payload));
        p[14] = rnd(2) ? 0xff : 0x42;
        p[15] = p[14];
        for (uint32_t i = 16; i < 60 + payload; i++)
            p[i] = (uint8_t)rnd(256);
        return 60 + payload;
    default: /* random bytes after a random EtherType */
        for (uint32_t i = 12; i < 14 + payload + 20; i++)
            p[i] = (uint8_t)rnd(256);
        return 14 + payload + 20;
    }
    if (kind % 9 != 5)
        put16(p + 12, ip6 ? 0x86dd : 0x0800);
    else
        put16(p + 16, 0x0800);
    if (ip6) {
        p[off] = 0x60;
        for (int i = 1; i < 40; i++)
            p[off + i] = (uint8_t)rnd(256);
        p[off + 6] = proto;
        l4 = off + 40;
    } else {
        p[off] = 0x45;
        for (int i = 1; i < 20; i++)
            p[off + i] = (uint8_t)rnd(256);
        p[off + 9] = proto;
        put16(p + off + 6, rnd(4) ? 0x4000 : (uint16_t)rnd(0x10000)); /* fragments sometimes */
        l4 = off + 20;
    }
    for (uint32_t i = 0; i < 20 + payload; i++)
        p[l4 + i] = (uint8_t)rnd(256);
    if (proto == 6 || proto == 17) {
        static const uint16_t ports[] = {53, 22, 80, 443, 8080};
        put16(p + l4 + 2, rnd(2) ? ports[rnd(5)] : (uint16_t)rnd(0x10000));
        if (proto == 17 && rnd(4) == 0)
            put16(p + l4 + 6, 0); /* no UDP checksum */
    }
    return l4 + 20 + payload;
}

/* The standard set and the random inputs of one program. */
static uint32_t next_packet(uint8_t *p, unsigned i, uint32_t max)
{
    uint32_t len, payload = rnd(4) == 0 ? rnd(max) : rnd(64);

    len = make_packet(p, i, payload);
    if (len > max)
        len = max;
    if (rnd(5) == 0) /* cut anywhere from an Ethernet header on */
        len = 14 + rnd(len - 13);
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
    md->data = rnd(3) ? 0 : 4 * rnd(17);
    if (md->data + 14 > len)
        md->data = 0;
    md->data_end = len;
    if (rnd(2))
        md->ingress_ifindex = 1;
    return sizeof(*md);
}

static uint32_t skb_ctx(struct __sk_buff *s, uint32_t len)
{
    memset(s, 0, sizeof(*s));
    s->mark = rnd(2) ? rnd(0xffffffffu) : 0;
    s->priority = rnd(3) ? rnd(16) : rnd(0xffffffffu);
    s->ingress_ifindex = rnd(3);
    s->ifindex = rnd(2);
    for (int i = 0; i < 5; i++)
        s->cb[i] = rnd(2) ? rnd(0xffffffffu) : 0;
    s->tstamp = rnd(2) ? ((uint64_t)rnd(0xffffffffu) << 20) : 0;
    s->wire_len = rnd(2) ? 0 : len + rnd(100);
    s->gso_segs = rnd(3) ? 0 : rnd(70000);
    s->gso_size = rnd(3) ? 0 : rnd(0x20000);
    s->hwtstamp = rnd(2) ? (uint64_t)rnd(0xffffffffu) * 977 : 0;
    return rnd(4) ? sizeof(*s) : offsetof(struct __sk_buff, hwtstamp);
}

enum ptype { P_XDP, P_SKB };

static void random_runs(const char *name, enum ptype pt, struct tally *t)
{
    static uint8_t pkt[BUFSZ];
    static union {
        struct xdp_md xdp;
        struct __sk_buff skb;
    } c;

    for (unsigned i = 0; i < RANDOM_INPUTS; i++) {
        struct input in = {.pkt = pkt, .ctx_room = BUFSZ};
        unsigned mode = rnd(4);

        in.len = next_packet(pkt, i, pt == P_XDP ? XDP_MAX : SKB_MAX);
        /* the last inputs: the extremes */
        if (i == RANDOM_INPUTS - 1)
            in.len = pt == P_XDP ? XDP_MAX : SKB_MAX;
        else if (i == RANDOM_INPUTS - 2)
            in.len = 14;
        if (mode == 1) {
            in.ctx = &c;
            in.ctx_len = pt == P_XDP ? xdp_ctx(&c.xdp, in.len) : skb_ctx(&c.skb, in.len);
            in.ctx_out = rnd(3) != 0;
        } else if (mode == 2 && pt == P_SKB) {
            in.ctx_out = 1; /* a context out without one in */
        }
        run_compare(name, &in, t);
    }
}

static void report(const char *name, const struct tally *t)
{
    fprintf(stderr, "testrun_diff %-18s %u/%u equal (fast), %u/%u equal (checked)\n", name, t->eq_fast, t->n,
            t->eq_checked, t->n);
    cr_expect_eq(t->eq_fast, t->n, "%s: %u of %u fast runs differ from the kernel's", name, t->n - t->eq_fast, t->n);
    cr_expect_eq(t->eq_checked, t->n, "%s: %u of %u checked runs differ from the kernel's", name,
                 t->n - t->eq_checked, t->n);
}

static void programs(const char *const *names, size_t n, enum ptype pt)
{
    seed_init();
    open_both();
    for (size_t i = 0; i < n; i++) {
        struct tally t = {0};
        random_runs(names[i], pt, &t);
        report(names[i], &t);
    }
    close_both();
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
    struct tally tx = {0}, ts = {0}, tk = {0};

    seed_init();
    open_both();
    make_packet(pkt, 1, 40);
    for (unsigned v = 0; v < 2; v++)
        for (uint32_t off = 0; off < sizeof(struct __sk_buff); off++) {
            struct input in = {.pkt = pkt, .len = 100, .ctx = ctx, .ctx_out = 1, .ctx_room = sizeof(ctx)};
            memset(ctx, 0, sizeof(ctx));
            ctx[off] = v ? 0x80 : 1;
            in.ctx_len = sizeof(struct __sk_buff);
            run_compare("tc_fields", &in, &ts);
            run_compare("sock_fields", &in, &tk);
            if (off < sizeof(struct xdp_md)) {
                struct xdp_md *md = (struct xdp_md *)ctx;
                md->data_end = in.len;
                in.ctx_len = sizeof(struct xdp_md);
                run_compare("xdp_fields", &in, &tx);
            }
        }
    report("ctx_in/xdp_md", &tx);
    report("ctx_in/__sk_buff(tc)", &ts);
    report("ctx_in/__sk_buff(sock)", &tk);
    close_both();
}

/* The limits: packet sizes around the minimum and the maximum, ctx_in
 * shorter and longer than its struct (zero or not past it), data_out and
 * ctx_out too small, xdp_md's data/data_end/data_meta and queue rules. */
Test(testrun_diff, sizes_and_errors, .timeout = 120)
{
    static uint8_t pkt[8192], ctx[8192];
    static const uint32_t lens[] = {0, 1, 13, 14, 15, 33, 34, 53, 54, 3519, 3520, 3521, 3711, 3712, 3713, 4096, 5000};
    static const char *const progs[] = {"xdp_fields", "tc_fields", "sock_fields", "cg_fields"};
    struct tally t = {0};

    seed_init();
    open_both();
    for (unsigned k = 0; k < 3; k++) {
        uint32_t n = make_packet(pkt, k == 2 ? 3 : k, 4000);
        (void)n;
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
            for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
                struct input in = {.pkt = lens[i] ? pkt : NULL, .len = lens[i]};
                run_compare(progs[j], &in, &t);
            }
    }
    /* ctx_in sizes, zero and non-zero tails; data_out and ctx_out rooms */
    make_packet(pkt, 0, 60);
    for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
        int xdp = j == 0;
        uint32_t full = xdp ? sizeof(struct xdp_md) : sizeof(struct __sk_buff);
        static const uint32_t sizes[] = {0, 4, 8, 23, 24, 25, 100, 191, 192, 193, 4096, 4097};
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int tail = 0; tail < 2; tail++) {
                struct input in = {.pkt = pkt, .len = 100, .ctx = ctx, .ctx_len = sizes[s], .ctx_out = 1,
                                   .ctx_room = sizes[s] < 4096 ? sizes[s] : 4096};
                memset(ctx, 0, sizeof(ctx));
                if (xdp) {
                    ((struct xdp_md *)ctx)->data_end = 100;
                }
                if (tail && sizes[s] > full)
                    ctx[sizes[s] - 1] = 1;
                run_compare(progs[j], &in, &t);
            }
        for (uint32_t room = 1; room < 120; room += 13) {
            struct input in = {.pkt = pkt, .len = 100, .data_room = room, .ctx = ctx, .ctx_len = full, .ctx_out = 1,
                               .ctx_room = room};
            memset(ctx, 0, sizeof(ctx));
            if (xdp)
                ((struct xdp_md *)ctx)->data_end = 100;
            run_compare(progs[j], &in, &t);
        }
    }
    /* xdp_md: data_meta, data beyond data_end, data_end beyond the packet
     * or short of it (the rest in fragments), metadata sizes, queues */
    for (uint32_t v = 0; v < 300; v += 1 + v / 8) {
        struct xdp_md *md = (struct xdp_md *)ctx;
        struct input in = {.pkt = pkt, .len = 300, .ctx = ctx, .ctx_len = sizeof(*md), .ctx_out = 1,
                           .ctx_room = sizeof(*md)};
        make_packet(pkt, 1, 260);
        for (unsigned f = 0; f < 6; f++) {
            memset(ctx, 0, sizeof(ctx));
            md->data_end = 300;
            switch (f) {
            case 0: md->data = v; break;
            case 1: md->data_end = v; break;
            case 2: md->data_meta = v; break;
            /* ifindex 0 and 1 only: bpfrt's test run has the loopback
             * alone, the kernel's has the host's devices too */
            case 3: md->ingress_ifindex = v % 2, md->rx_queue_index = v % 3; break;
            case 4: md->egress_ifindex = v; break;
            default: md->data = v & ~3u, md->data_end = v + 14; break;
            }
            run_compare("xdp_fields", &in, &t);
            /* bpf_xdp_adjust_tail on a multi-buffer packet is not built:
             * xdp_adjust only where everything is in the linear part */
            if (md->data_end == in.len)
                run_compare("xdp_adjust", &in, &t);
        }
    }
    report("sizes_and_errors", &t);
    close_both();
}
