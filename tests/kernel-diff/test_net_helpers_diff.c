/* test_net_helpers_diff.c - bpf_redirect, bpf_redirect_map, bpf_clone_redirect,
 * bpf_check_mtu, bpf_fib_lookup (no route), bpf_get_socket_cookie,
 * bpf_skb_cgroup_id, bpf_get_cgroup_classid, bpf_get_route_realm,
 * bpf_skb_get/set_tunnel_key and the hash helpers against the running
 * kernel (suite net_helpers_diff).
 *
 * tests/data/helpers/net_helpers.c is compiled at test time; the same
 * object runs in the kernel (BPF_PROG_TEST_RUN) and in bpfrt
 * (bpfrt_prog__run, fast and checked) over a set of packets and many
 * argument values (valid and invalid flags, ifindexes, map keys, sizes),
 * set in the map `args` on both sides before each run.  Compared: the
 * error, retval, data_out, ctx_out and the map `out` (the helpers' return
 * codes and outputs).  The test runs in a network namespace of its own with
 * the loopback up and forwarding on: the network bpfrt's test run models
 * (one device, ifindex 1, no route).
 *
 * What cannot be the kernel's (its values come from kernel-global state):
 * the socket cookie (a host-wide counter) and the flow hash (SipHash under a
 * key drawn at boot).  For those the properties are compared: the cookie
 * non-zero, stable within a run and new in each run; the hash non-zero,
 * kept, replaced and recomputed alike, and the packets that share a hash
 * the same on both sides. */

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pkt_cls.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "trdiff.h"
#include "../unit/bpf_build.h"

#define SRC "tests/data/helpers/net_helpers.c"
#define OBJDIR "build/tests/data/helpers"
#define BUFSZ 4096
#define NOUT 32

static unsigned long cases, equal;
static const struct bpfrt_fib_table *fib_table; /* the bpfrt runs' routing table */
/* the kernel's answers seen (retval, out[0]) with how often, for the summary */
#define NSEEN 24
static struct {
    int64_t v;
    unsigned long n;
} seen[NSEEN];
static unsigned nseen;

static void note(int64_t v)
{
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i].v == v) {
            seen[i].n++;
            return;
        }
    if (nseen < NSEEN)
        seen[nseen].v = v, seen[nseen++].n = 1;
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text), "write %s", path);
    close(fd);
}

/* A network namespace of our own: the loopback up, forwarding on. */
static void own_netns(void)
{
    struct ifreq ifr;
    int s;

    if (unshare(CLONE_NEWNET))
        cr_skip_test("cannot make a network namespace (%s): the helpers are not compared with the kernel",
                     strerror(errno));
    s = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert(s >= 0);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0, "lo up: %s", strerror(errno));
    close(s);
    write_file("/proc/sys/net/ipv4/conf/lo/forwarding", "1");
    write_file("/proc/sys/net/ipv6/conf/lo/forwarding", "1");
}

static void open_both(void)
{
    const char *obj = test_bpf_build_once(SRC, OBJDIR, "net_helpers");

    own_netns();
    trd_open_obj(obj, "the helpers");
}

static void close_both(const char *what)
{
    trd_close();
    fprintf(stderr, "net_helpers_diff %s: %lu cases compared, %lu equal; the kernel's answers:", what, cases, equal);
    for (unsigned i = 0; i < nseen; i++)
        fprintf(stderr, " %lld (%lu)", (long long)seen[i].v, seen[i].n);
    fprintf(stderr, "\n");
}

static int kmapfd(const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(trd_kernel_obj(), name);
    cr_assert_not_null(m, "kernel map %s", name);
    return bpf_map__fd(m);
}

static struct bpfrt_map *bmap(const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(trd_bpfrt_obj(), name);
    cr_assert_not_null(m, "bpfrt map %s", name);
    return m;
}

/* The same element into both sides' map; the two answers must agree. */
static void map_put(const char *name, uint32_t key, uint32_t val)
{
    int ke = bpf_map_update_elem(kmapfd(name), &key, &val, 0) ? -errno : 0;
    int be = bpfrt_map__update_elem(bmap(name), &key, 4, &val, 4, 0);
    cr_assert_eq(be, ke, "map %s key %u: bpfrt %d, the kernel %d", name, key, be, ke);
}

static void set_args(const uint64_t *a)
{
    uint64_t v[NOUT] = {0};
    uint32_t k = 0;

    memcpy(v, a, 16 * sizeof(uint64_t));
    cr_assert_eq(bpf_map_update_elem(kmapfd("args"), &k, v, 0), 0);
    cr_assert_eq(bpfrt_map__update_elem(bmap("args"), &k, 4, v, sizeof(v), 0), 0);
    memset(v, 0, sizeof(v));
    cr_assert_eq(bpf_map_update_elem(kmapfd("out"), &k, v, 0), 0);
    cr_assert_eq(bpfrt_map__update_elem(bmap("out"), &k, 4, v, sizeof(v), 0), 0);
}

struct outcome {
    int err;
    uint32_t retval, size_out, ctx_size_out;
    uint8_t data[BUFSZ], ctx[256];
    uint64_t out[NOUT];
    uint32_t redirect_ifindex, redirect_map_id, redirect_key; /* bpfrt only */
    uint64_t redirect_flags;
};

struct input {
    const uint8_t *pkt;
    uint32_t len;
    const void *ctx;
    uint32_t ctx_len;
};

static void krun(const char *prog, const struct input *in, struct outcome *o)
{
    struct bpf_program *p = bpf_object__find_program_by_name(trd_kernel_obj(), prog);
    uint32_t k = 0;

    cr_assert_not_null(p, "kernel program %s", prog);
    memset(o, 0, sizeof(*o));
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = in->pkt, .data_size_in = in->len, .data_out = o->data,
                .data_size_out = BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
                .ctx_out = in->ctx ? o->ctx : NULL, .ctx_size_out = in->ctx ? sizeof(o->ctx) : 0, .repeat = 1);
    o->err = bpf_prog_test_run_opts(bpf_program__fd(p), &ko) ? -errno : 0;
    o->retval = ko.retval;
    o->size_out = ko.data_size_out;
    o->ctx_size_out = ko.ctx_size_out;
    cr_assert_eq(bpf_map_lookup_elem(kmapfd("out"), &k, o->out), 0);
}

static void brun(const char *prog, const struct input *in, int checked, struct outcome *o, char *err, size_t errsz)
{
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(trd_bpfrt_obj(), prog));
    uint32_t k = 0;

    cr_assert_not_null(p, "bpfrt program %s", prog);
    memset(o, 0, sizeof(*o));
    err[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)in->pkt, .data_size = in->len,
               .flags = checked ? BPFRT_RUN_CHECKED : 0, .err_buf = err, .err_size = errsz, .data_out = o->data,
               .data_size_out = BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
               .ctx_out = in->ctx ? o->ctx : NULL, .ctx_size_out = in->ctx ? sizeof(o->ctx) : 0,
               .fib = fib_table);
    o->err = bpfrt_prog__run(p, &ro);
    o->retval = (uint32_t)ro.retval;
    o->size_out = ro.data_size_out;
    o->ctx_size_out = ro.ctx_size_out;
    o->redirect_ifindex = ro.redirect_ifindex;
    o->redirect_map_id = ro.redirect_map_id;
    o->redirect_key = ro.redirect_key;
    o->redirect_flags = ro.redirect_flags;
    cr_assert_eq(bpfrt_map__lookup_elem(bmap("out"), &k, 4, o->out, sizeof(o->out), 0), 0);
}

/* Run prog on both sides with args a and compare; skip_out: a mask of the
 * out words that are not the kernel's to compare (cookie, hash). */
static void compare(const char *prog, const uint64_t *a, const struct input *in, uint32_t skip_out,
                    struct outcome *kout, struct outcome *bout)
{
    static struct outcome k, b;
    char err[512];

    for (int checked = 0; checked < 2; checked++) {
        set_args(a);
        krun(prog, in, &k);
        if (!checked)
            note(strncmp(prog, "xdp_redirect", 12) && strcmp(prog, "tc_redirect") ? (int64_t)k.out[0]
                                                                                  : (int64_t)k.retval);
        set_args(a);
        brun(prog, in, checked, &b, err, sizeof(err));
        cases++;
        cr_assert_eq(b.err, k.err, "%s (args %llu %llu %llu %llu, %s): bpfrt error %d (%s), the kernel's %d", prog,
                     (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                     (unsigned long long)a[3], checked ? "checked" : "fast", b.err, err, k.err);
        cr_assert_eq(b.retval, k.retval, "%s (args %llu %llu %llu %llu, %s): retval bpfrt %u, the kernel %u", prog,
                     (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                     (unsigned long long)a[3], checked ? "checked" : "fast", b.retval, k.retval);
        cr_assert_eq(b.size_out, k.size_out, "%s: data_size_out bpfrt %u, the kernel %u", prog, b.size_out,
                     k.size_out);
        cr_assert(!memcmp(b.data, k.data, k.size_out < BUFSZ ? k.size_out : BUFSZ), "%s: data_out differs", prog);
        cr_assert_eq(b.ctx_size_out, k.ctx_size_out, "%s: ctx_size_out", prog);
        cr_assert(!memcmp(b.ctx, k.ctx, sizeof(k.ctx)), "%s: ctx_out differs", prog);
        for (int i = 0; i < NOUT; i++)
            if (!(skip_out & (1u << i)))
                cr_assert_eq(b.out[i], k.out[i],
                             "%s (args %llu %llu %llu %llu %llu %llu, %s): out[%d] bpfrt 0x%llx, the kernel 0x%llx",
                             prog, (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                             (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5],
                             checked ? "checked" : "fast", i, (unsigned long long)b.out[i],
                             (unsigned long long)k.out[i]);
        equal++;
    }
    if (kout)
        *kout = k;
    if (bout)
        *bout = b;
}

/* ------------------------------------------------------------ packets */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The Ethernet addresses of every test packet; with rev the hosts and
 * ports swap (the other direction of the flow). */
static void frame_start(uint8_t *p, size_t size, int rev, uint8_t *a, uint8_t *b, uint16_t *sp, uint16_t *dp)
{
    memset(p, 0, size);
    memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
    if (rev) {
        uint8_t t = *a;
        uint16_t u = *sp;
        *a = *b, *b = t, *sp = *dp, *dp = u;
    }
}

/* kind: 0 IPv4 TCP, 1 IPv4 UDP, 2 IPv4 ICMP, 3 IPv6 TCP, 4 IPv6 UDP with
 * a flow label, 5 VLAN + IPv4 UDP, 6 IPv4 fragment (offset), 7 ARP, 8 IPv4
 * first fragment, 9 IPv6 fragment header; seed varies addresses and ports;
 * rev swaps the directions */
static uint32_t make_packet(uint8_t *p, unsigned kind, unsigned seed, int rev, uint32_t payload)
{
    uint32_t off = 14, l4;
    int v6 = kind == 3 || kind == 4 || kind == 9;
    uint8_t proto = kind == 1 || kind == 4 || kind == 5 ? 17 : kind == 2 ? 1 : 6;
    uint8_t a1 = (uint8_t)(10 + seed % 5), a2 = (uint8_t)(20 + seed / 5 % 3);
    uint16_t sp = (uint16_t)(1000 + seed % 7), dp = (uint16_t)(80 + seed / 7 % 2);

    frame_start(p, 1600, rev, &a1, &a2, &sp, &dp);
    if (kind == 5) {
        put16(p + 12, 0x8100);
        put16(p + 14, (uint16_t)(0x2000 | (seed % 3 + 5)));
        off = 18;
    }
    if (kind == 7) {
        put16(p + 12, 0x0806);
        memcpy(p + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
        return 14 + 28 + payload;
    }
    put16(p + off - 2, v6 ? 0x86dd : 0x0800);
    if (!v6) {
        p[off] = 0x45;
        put16(p + off + 2, (uint16_t)(20 + 20 + payload));
        if (kind == 6)
            put16(p + off + 6, 0x0010);
        if (kind == 8)
            put16(p + off + 6, 0x2000);
        p[off + 8] = 64;
        p[off + 9] = proto;
        p[off + 12] = 192, p[off + 13] = 168, p[off + 14] = 1, p[off + 15] = a1;
        p[off + 16] = 192, p[off + 17] = 168, p[off + 18] = 1, p[off + 19] = a2;
        l4 = off + 20;
    } else {
        p[off] = 0x60;
        if (kind == 4)
            p[off + 1] = 0x0a, p[off + 3] = (uint8_t)(seed % 4 + 1);
        put16(p + off + 4, (uint16_t)(20 + payload + (kind == 9 ? 8 : 0)));
        p[off + 6] = kind == 9 ? 44 : proto;
        p[off + 7] = 64;
        p[off + 8] = 0x20, p[off + 9] = 0x01, p[off + 23] = a1;
        p[off + 24] = 0x20, p[off + 25] = 0x01, p[off + 39] = a2;
        l4 = off + 40;
        if (kind == 9) {
            p[l4] = 6;
            put16(p + l4 + 2, 0x0001);
            l4 += 8;
        }
    }
    put16(p + l4, sp);
    put16(p + l4 + 2, dp);
    return l4 + 20 + payload;
}

static uint8_t pkts[12][1600];
static uint32_t plen[12];

static void make_packets(void)
{
    for (unsigned k = 0; k < 10; k++)
        plen[k] = make_packet(pkts[k], k, 3, 0, k * 13);
    plen[10] = make_packet(pkts[10], 0, 1, 0, 1400);
    plen[11] = make_packet(pkts[11], 1, 2, 0, 0);
}

/* ifindexes: the loopback, 0, and devices that do not exist here */
static const uint64_t ifindexes[] = {0, 1, 2, 3, 1000, 0xffffffffull};

/* ------------------------------------------------------------- tests */

TestSuite(net_helpers_diff, .timeout = 300);

Test(net_helpers_diff, redirect_xdp_and_tc)
{
    static const uint64_t flags[] = {0, BPF_F_INGRESS, 2, 1u << 16, 1u << 17, 1ull << 40, 0xffffffffffffffffull};
    struct outcome k, b;

    open_both();
    make_packets();
    for (size_t i = 0; i < sizeof(ifindexes) / sizeof(ifindexes[0]); i++)
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
            for (unsigned p = 0; p < 12; p += 5) {
                uint64_t a[16] = {ifindexes[i], flags[f]};
                struct input in = {pkts[p], plen[p], NULL, 0};
                compare("xdp_redirect", a, &in, 0, &k, &b);
                /* the run result names the target (a pcap replay reports it) */
                if (b.retval == XDP_REDIRECT)
                    cr_assert_eq(b.redirect_ifindex, (uint32_t)ifindexes[i]);
                compare("tc_redirect", a, &in, 0, &k, &b);
                if (b.retval == TC_ACT_REDIRECT) {
                    cr_assert_eq(b.redirect_ifindex, (uint32_t)ifindexes[i]);
                    cr_assert_eq(b.redirect_flags, flags[f]);
                }
            }
    close_both("redirect");
}

Test(net_helpers_diff, redirect_map_every_type)
{
    static const uint64_t flags[] = {0, 1, 2, 3, 4, BPF_F_BROADCAST, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS,
                                     BPF_F_EXCLUDE_INGRESS | 2, BPF_F_BROADCAST | 1, 1u << 5, 1ull << 33};
    static const uint64_t keys[] = {0, 1, 2, 5, 7, 8, 0xffffffffull};
    struct outcome k, b;

    open_both();
    make_packets();
    map_put("devmap", 1, 1);
    map_put("devmap", 7, 1);
    map_put("devhash", 5, 1);
    map_put("devhash", 0xffffffffu, 1);
    map_put("cpumap", 0, 64);
    for (uint64_t m = 0; m < 4; m++)
        for (size_t ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++)
            for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
                uint64_t a[16] = {m, keys[ki], flags[f]};
                struct input in = {pkts[ki % 12], plen[ki % 12], NULL, 0};
                compare("xdp_redirect_map", a, &in, 0, &k, &b);
                if (b.retval == XDP_REDIRECT && !(flags[f] & BPF_F_BROADCAST)) {
                    cr_assert_neq(b.redirect_map_id, 0);
                    cr_assert_eq(b.redirect_key, (uint32_t)keys[ki]);
                    if (m < 2)
                        cr_assert_eq(b.redirect_ifindex, 1, "a device map's entry names ifindex 1");
                }
            }
    close_both("redirect_map");
}

Test(net_helpers_diff, clone_redirect)
{
    static const uint64_t flags[] = {0, BPF_F_INGRESS, 2, 1u << 16, 1ull << 40};
    struct __sk_buff ctx;

    open_both();
    make_packets();
    for (size_t i = 0; i < sizeof(ifindexes) / sizeof(ifindexes[0]); i++)
        for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
            for (unsigned p = 0; p < 12; p += 3)
                for (int gso = 0; gso < 2; gso++) {
                    uint64_t a[16] = {ifindexes[i], flags[f]};
                    struct input in = {pkts[p], plen[p], NULL, 0};
                    if (gso) {
                        /* a GSO size without a type: -EBADMSG */
                        memset(&ctx, 0, sizeof(ctx));
                        ctx.gso_size = 1000;
                        ctx.gso_segs = 2;
                        in.ctx = &ctx;
                        in.ctx_len = sizeof(ctx);
                    }
                    compare("tc_clone_redirect", a, &in, 0, NULL, NULL);
                }
    close_both("clone_redirect");
}

Test(net_helpers_diff, check_mtu)
{
    static const uint64_t lens[] = {0, 1, 1400, 65535, 65536, 65537, 65522, 65523, 0xfffffff0ull, 0xffffffffull};
    static const int64_t diffs[] = {0, 1, -1, 100, -100, 65536, -65536, 0x7fffffff, -0x7fffffffll - 1};
    static const uint64_t flags[] = {0, BPF_MTU_CHK_SEGS, 2, 1ull << 40};
    struct __sk_buff ctx;

    open_both();
    make_packets();
    for (size_t i = 0; i < sizeof(ifindexes) / sizeof(ifindexes[0]); i++)
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
            for (size_t d = 0; d < sizeof(diffs) / sizeof(diffs[0]); d++)
                for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
                    uint64_t a[16] = {ifindexes[i], (uint64_t)diffs[d], lens[l], flags[f]};
                    unsigned p = (unsigned)(l + d) % 12;
                    struct input in = {pkts[p], plen[p], NULL, 0};
                    compare("xdp_check_mtu", a, &in, 0, NULL, NULL);
                    compare("tc_check_mtu", a, &in, 0, NULL, NULL);
                    if (d == 0 && (f == 1 || f == 0)) {
                        /* a GSO packet over the MTU: no frag-needed, and
                         * the segment check refused */
                        memset(&ctx, 0, sizeof(ctx));
                        ctx.gso_size = 1000;
                        in.ctx = &ctx;
                        in.ctx_len = sizeof(ctx);
                        compare("tc_check_mtu", a, &in, 0, NULL, NULL);
                    }
                }
    close_both("check_mtu");
}

/* No route in the namespace: what bpf_fib_lookup answers without a table */
Test(net_helpers_diff, fib_lookup_no_route)
{
    static const uint64_t fams[] = {2, 10, 0, 1, 255};
    static const uint64_t flags[] = {0,
                                     BPF_FIB_LOOKUP_DIRECT,
                                     BPF_FIB_LOOKUP_OUTPUT,
                                     BPF_FIB_LOOKUP_SKIP_NEIGH,
                                     BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID,
                                     BPF_FIB_LOOKUP_SRC,
                                     1u << 5,
                                     1u << 6,
                                     0x80000000u};
    /* destinations: 10.1.2.3, 127.0.0.1, 0; IPv6 2001:..., fe80::, ::1 (first word) */
    static const uint64_t dsts[] = {0x0302010a, 0x0100007f, 0, 0x00000120, 0x000080fe, 0};
    static const uint64_t tbids[] = {0, 254, 255, 1000};

    open_both();
    make_packets();
    for (size_t fa = 0; fa < sizeof(fams) / sizeof(fams[0]); fa++)
        for (size_t i = 0; i < sizeof(ifindexes) / sizeof(ifindexes[0]); i++)
            for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
                for (size_t d = 0; d < sizeof(dsts) / sizeof(dsts[0]); d++)
                    for (uint64_t plen_sel = 0; plen_sel < 2; plen_sel++) {
                        uint64_t a[16] = {fams[fa], ifindexes[i], d % 2 ? 1500 : 0, flags[f], dsts[d], 0x0101a8c0,
                                          tbids[(f + d) % 4], d == 5 ? 0 : 0x11, plen_sel, d == 5 ? 0 : 0x11,
                                          d == 5 ? 0x01000000 : 0x10, 0, 0, 0x01000000};
                        unsigned p = (unsigned)(fa + d) % 12;
                        struct input in = {pkts[p], plen[p], NULL, 0};
                        compare("xdp_fib", a, &in, 0, NULL, NULL);
                        compare("tc_fib", a, &in, 0, NULL, NULL);
                    }
    close_both("fib_lookup");
}

Test(net_helpers_diff, skb_metadata)
{
    struct outcome k, b;
    uint64_t prev_k = 0, prev_b = 0;
    uint64_t a[16] = {0};

    open_both();
    make_packets();
    for (unsigned p = 0; p < 12; p++) {
        struct input in = {pkts[p], plen[p], NULL, 0};
        static const char *const progs[] = {"tc_meta", "cg_meta", "sf_meta"};
        for (int pr = 0; pr < 3; pr++) {
            compare(progs[pr], a, &in, 1u << 5, &k, &b);
            /* the cookie: a new socket, so a new cookie, in every run */
            cr_assert_neq(k.out[5], prev_k);
            cr_assert_neq(b.out[5], prev_b);
            prev_k = k.out[5];
            prev_b = b.out[5];
        }
    }
    close_both("skb_metadata");
}

Test(net_helpers_diff, tunnel_keys)
{
    static const uint64_t set_flags[] = {0,
                                         BPF_F_TUNINFO_IPV6,
                                         BPF_F_ZERO_CSUM_TX,
                                         BPF_F_DONT_FRAGMENT | BPF_F_SEQ_NUMBER,
                                         1u << 4,
                                         BPF_F_TUNINFO_IPV6 | BPF_F_ZERO_CSUM_TX | (1u << 4),
                                         1u << 5,
                                         1ull << 40};
    static const uint64_t get_flags[] = {0, BPF_F_TUNINFO_IPV6, BPF_F_TUNINFO_FLAGS,
                                         BPF_F_TUNINFO_IPV6 | BPF_F_TUNINFO_FLAGS, 2, 1u << 5};
    static const uint64_t labels[] = {0, 0x12345, 0xfffff123};

    open_both();
    make_packets();
    for (uint64_t doset = 0; doset < 2; doset++)
        for (uint64_t ss = 0; ss < 6; ss++)
            for (size_t sf = 0; sf < sizeof(set_flags) / sizeof(set_flags[0]); sf++)
                for (uint64_t gs = 0; gs < 6; gs++)
                    for (size_t gf = 0; gf < sizeof(get_flags) / sizeof(get_flags[0]); gf++) {
                        size_t li = (ss + gs + gf) % 3;
                        uint64_t a[16] = {ss, set_flags[sf], gs, get_flags[gf], 0x01020304 + ss,
                                          0x0a0b0c0d0e0f1011ull, 0x2122232425262728ull, 0x4005 + gs,
                                          labels[li], (sf + gs) % 5 == 4, doset};
                        unsigned p = (unsigned)(ss + gf) % 12;
                        struct input in = {pkts[p], plen[p], NULL, 0};
                        if (!doset && (ss || sf))
                            continue;
                        compare("tc_tunnel", a, &in, 0, NULL, NULL);
                    }
    close_both("tunnel_keys");
}

/* An IP header (v6 or not) with proto, between hosts a and b (the last
 * address byte), at p; its length. */
static uint32_t ip_hdr(uint8_t *p, int v6, uint8_t proto, uint8_t a, uint8_t b, uint32_t payload)
{
    if (v6) {
        p[0] = 0x60;
        put16(p + 4, (uint16_t)payload);
        p[6] = proto, p[7] = 64;
        p[8] = 0x20, p[9] = 0x01, p[23] = a;
        p[24] = 0x20, p[25] = 0x01, p[39] = b;
        return 40;
    }
    p[0] = 0x45;
    put16(p + 2, (uint16_t)(20 + payload));
    p[8] = 64, p[9] = proto;
    p[12] = 10, p[15] = a;
    p[16] = 10, p[19] = b;
    return 20;
}

/* Packets for the hash: kind picks the encapsulation (plain IPv4/IPv6,
 * SCTP, ESP, AH, GRE with and without key, GRE with Ethernet inside,
 * PPTP's GRE, IP in IP, IPv6 in IP, IPv4 in IPv6, an IPv6 hop-by-hop
 * header, QinQ, a tag with DEI, PPPoE, MPLS, IPv4 options, ICMP, ARP,
 * IPv4 first and later fragments, an IPv6 fragment header, an IPv6 flow
 * label);
 * seed the hosts, ports and keys; rev the direction. */
#define HASH_KINDS 24
static uint32_t hash_packet(uint8_t *p, unsigned kind, unsigned seed, int rev)
{
    uint8_t a = (uint8_t)(1 + seed % 3), b = (uint8_t)(7 + seed / 3 % 2), ip_proto = 6;
    uint16_t sp = (uint16_t)(1000 + seed % 2), dp = 80;
    uint32_t o = 14, l;
    int v6 = kind == 1 || kind == 9 || kind == 16 || kind == 22 || kind == 23;

    frame_start(p, 256, rev, &a, &b, &sp, &dp);
    put16(p + 12, v6 ? 0x86dd : 0x0800);
    switch (kind) {
    case 10: /* QinQ */
        put16(p + 12, 0x88a8), put16(p + 14, (uint16_t)(100 + seed % 2)), put16(p + 16, 0x8100);
        put16(p + 18, 5), put16(p + 20, 0x0800);
        o = 22;
        break;
    case 11: /* a tag with DEI and priority 5 */
        put16(p + 12, 0x8100), put16(p + 14, (uint16_t)(0xa000 | (seed & 1) << 12 | 7)), put16(p + 16, 0x0800);
        o = 18;
        break;
    case 12: /* PPPoE session, PPP IPv4 */
        put16(p + 12, 0x8864);
        p[14] = 0x11, put16(p + 18, 42), put16(p + 20, 0x0021);
        o = 22;
        break;
    case 13: /* MPLS, one label */
        put16(p + 12, 0x8847);
        p[14] = 0, p[15] = (uint8_t)(seed << 4), p[16] = 1, p[17] = 64;
        o = 18;
        break;
    case 18: /* ARP */
        put16(p + 12, 0x0806);
        memcpy(p + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
        p[14 + 17] = a, p[14 + 27] = b;
        return 14 + 28;
    default: break;
    }
    switch (kind) {
    case 2: ip_proto = 132; break;
    case 3: ip_proto = 50; break;
    case 4: ip_proto = 51; break;
    case 5: case 6: case 15: case 19: ip_proto = 47; break;
    case 7: ip_proto = 4; break;
    case 8: ip_proto = 41; break;
    case 9: ip_proto = 0; break;
    case 16: ip_proto = 4; break;
    case 17: ip_proto = 1; break;
    case 22: ip_proto = 44; break;
    default: break;
    }
    if (kind == 14) { /* IPv4 with one word of options */
        l = ip_hdr(p + o, 0, 6, a, b, 24);
        p[o] = 0x46;
        o += l + 4;
    } else {
        l = ip_hdr(p + o, v6, ip_proto, a, b, 60);
        if (kind == 20)
            put16(p + o + 6, 0x2000); /* MF: the first fragment */
        if (kind == 21)
            put16(p + o + 6, (uint16_t)(0x0010 + seed)); /* a later one */
        if (kind == 23)
            p[o + 1] = 0x0b, p[o + 3] = (uint8_t)(seed / 2 + 1); /* a flow label */
        o += l;
    }
    switch (kind) {
    case 5: /* GRE with a key, IPv4 inside */
        put16(p + o, 0x2000), put16(p + o + 2, 0x0800), p[o + 7] = (uint8_t)seed;
        o += 8;
        o += ip_hdr(p + o, 0, 17, (uint8_t)(a + 50), (uint8_t)(b + 50), 20);
        break;
    case 6: /* GRE without a key, IPv6 inside */
        put16(p + o, 0), put16(p + o + 2, 0x86dd);
        o += 4;
        o += ip_hdr(p + o, 1, 6, (uint8_t)(a + 50), (uint8_t)(b + 50), 20);
        break;
    case 15: /* GRE with an Ethernet frame inside */
        put16(p + o, 0), put16(p + o + 2, 0x6558);
        o += 4;
        put16(p + o + 12, 0x0800);
        o += 14;
        o += ip_hdr(p + o, 0, 6, (uint8_t)(a + 60), (uint8_t)(b + 60), 20);
        break;
    case 19: /* PPTP: GRE version 1 with a key, PPP IPv4 */
        put16(p + o, 0x2001), put16(p + o + 2, 0x880b), put16(p + o + 4, 8), put16(p + o + 6, (uint16_t)seed);
        o += 8;
        p[o] = 0xff, p[o + 1] = 0x03, put16(p + o + 2, 0x0021);
        o += 4;
        o += ip_hdr(p + o, 0, 6, (uint8_t)(a + 70), (uint8_t)(b + 70), 20);
        break;
    case 7: case 16: /* IPv4 inside */
        o += ip_hdr(p + o, 0, 17, (uint8_t)(a + 80), (uint8_t)(b + 80), 20);
        break;
    case 8: /* IPv6 inside */
        o += ip_hdr(p + o, 1, 6, (uint8_t)(a + 90), (uint8_t)(b + 90), 20);
        break;
    case 9: /* hop-by-hop, then TCP */
        p[o] = 6;
        o += 8;
        break;
    case 22: /* the fragment header of a first fragment, then TCP */
        p[o] = 6, put16(p + o + 2, 1), p[o + 7] = (uint8_t)seed;
        o += 8;
        break;
    case 12: case 13: /* IPv4 TCP inside PPPoE and MPLS */
        break;
    default: break;
    }
    put16(p + o, sp);
    put16(p + o + 2, dp);
    return o + 20;
}

Test(net_helpers_diff, hash_helpers)
{
    /* packets of several flows, both directions: the packets that share a
     * hash must be the same on both sides */
    static uint8_t fp[HASH_KINDS * 8][256];
    static uint32_t fl[HASH_KINDS * 8];
    static uint64_t kh[HASH_KINDS * 8], bh[HASH_KINDS * 8];
    unsigned n = 0;
    struct outcome k, b;

    open_both();
    for (unsigned kind = 0; kind < HASH_KINDS; kind++)
        for (unsigned seed = 0; seed < 4; seed++)
            for (int rev = 0; rev < 2; rev++) {
                fl[n] = hash_packet(fp[n], kind, seed, rev);
                n++;
            }
    for (unsigned i = 0; i < n; i++) {
        uint64_t a[16] = {0x1234567u + i};
        struct input in = {fp[i], fl[i], NULL, 0};
        compare("tc_hash", a, &in, 1u << 8, &k, &b);
        kh[i] = k.out[8];
        bh[i] = b.out[8];
    }
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++) {
            cases++;
            cr_assert_eq(bh[i] == bh[j], kh[i] == kh[j],
                         "packets %u and %u (kinds %u, %u): the kernel hashes them %s, bpfrt %s", i, j, i / 8, j / 8,
                         kh[i] == kh[j] ? "alike" : "apart", bh[i] == bh[j] ? "alike" : "apart");
            equal++;
        }
    close_both("hash");
}

/* ------------------------------------------- bpf_fib_lookup with routes */

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* The same network in the kernel (two veth devices, addresses, routes,
 * neighbours, made with ip(8) in the test's namespace) and as a bpfrt
 * table; *text receives the table.  ifindexes of v0 and v1 out. */
static void build_network(char *text, size_t size, uint32_t *v0, uint32_t *v1)
{
    static const char *const cmds[] = {
        "ip link add v0 type veth peer name v1",
        "ip link set v0 address 02:00:00:00:00:02 mtu 1500 up",
        "ip link set v1 address 02:00:00:00:00:03 mtu 1280 up",
        "ip addr add 192.168.5.1/24 dev v0",
        "ip addr add 192.168.6.1/24 dev v1",
        "ip -6 addr add 2001:db8:5::1/64 dev v0 nodad",
        "ip -6 addr add 2001:db8:6::1/64 dev v1 nodad",
        "ip route add 10.0.0.0/8 via 192.168.5.254 dev v0 metric 5",
        "ip route add 10.1.0.0/16 via 192.168.5.253 dev v0 mtu lock 1400",
        "ip route add blackhole 10.2.0.0/16",
        "ip route add unreachable 10.3.0.0/16",
        "ip route add prohibit 10.4.0.0/16",
        "ip route add 172.16.0.0/12 dev v1",
        "ip route add 10.0.0.0/8 via 192.168.6.254 dev v1 table 100",
        "ip route add 10.5.0.0/16 via 192.168.5.254 dev v0 src 192.168.6.1",
        "ip neigh add 192.168.5.254 lladdr 02:00:00:00:00:fe dev v0 nud permanent",
        "ip neigh add 192.168.6.254 lladdr 02:00:00:00:01:fe dev v1 nud permanent",
        "ip neigh add 172.16.0.5 lladdr 02:00:00:00:02:05 dev v1 nud permanent",
        "ip -6 route add 2001:db8:100::/48 via 2001:db8:5::fe dev v0",
        "ip -6 route add blackhole 2001:db8:200::/48",
        "ip -6 route add unreachable 2001:db8:201::/48",
        "ip -6 route add prohibit 2001:db8:202::/48",
        "ip -6 route add 2001:db8:300::/48 via 2001:db8:6::fe dev v1 mtu lock 1300",
        "ip -6 neigh add 2001:db8:5::fe lladdr 02:00:00:00:03:fe dev v0 nud permanent",
        "ip -6 neigh add 2001:db8:6::fe lladdr 02:00:00:00:04:fe dev v1 nud permanent",
    };

    if (sh("ip -V >/dev/null 2>&1"))
        cr_skip_test("ip(8) is not installed: bpf_fib_lookup with routes is not compared with the kernel");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        cr_assert_eq(sh(cmds[i]), 0, "%s failed", cmds[i]);
    write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1");
    write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
    /* v1 forwards nothing (BPF_FIB_LKUP_RET_FWD_DISABLED from it) */
    write_file("/proc/sys/net/ipv4/conf/v1/forwarding", "0");
    write_file("/proc/sys/net/ipv6/conf/v1/forwarding", "0");
    *v0 = if_nametoindex("v0");
    *v1 = if_nametoindex("v1");
    cr_assert(*v0 && *v1);
    snprintf(text, size,
             "# the kernel's network of test_net_helpers_diff.c fib_lookup_routes\n"
             "dev %u mac 02:00:00:00:00:02 mtu 1500 addr 192.168.5.1 addr6 2001:db8:5::1\n"
             "dev %u mac 02:00:00:00:00:03 mtu 1280 addr 192.168.6.1 addr6 2001:db8:6::1 noforward\n"
             /* what the addresses add (ip route show table all) */
             "192.168.5.0/24 dev %u\n"
             "192.168.6.0/24 dev %u\n"
             "local 192.168.5.1 dev %u\n"
             "broadcast 192.168.5.255 dev %u\n"
             "local 192.168.6.1 dev %u\n"
             "broadcast 192.168.6.255 dev %u\n"
             "local 127.0.0.0/8 dev 1\n"
             "2001:db8:5::/64 dev %u metric 256\n"
             "2001:db8:6::/64 dev %u metric 256\n"
             "local 2001:db8:5::1 dev %u metric 0\n"
             "local 2001:db8:6::1 dev %u metric 0\n"
             "anycast 2001:db8:5:: dev %u metric 0\n"
             "anycast 2001:db8:6:: dev %u metric 0\n"
             "local ::1 dev 1 metric 0\n"
             /* the routes */
             "10.0.0.0/8 via 192.168.5.254 dev %u metric 5\n"
             "10.1.0.0/16 via 192.168.5.253 dev %u mtu 1400\n"
             "blackhole 10.2.0.0/16\n"
             "unreachable 10.3.0.0/16\n"
             "prohibit 10.4.0.0/16\n"
             "172.16.0.0/12 dev %u\n"
             "10.0.0.0/8 via 192.168.6.254 dev %u table 100\n"
             "10.5.0.0/16 via 192.168.5.254 dev %u src 192.168.6.1\n"
             "neigh 192.168.5.254 dev %u lladdr 02:00:00:00:00:fe\n"
             "neigh 192.168.6.254 dev %u lladdr 02:00:00:00:01:fe\n"
             "neigh 172.16.0.5 dev %u lladdr 02:00:00:00:02:05\n"
             "2001:db8:100::/48 via 2001:db8:5::fe dev %u\n"
             "blackhole 2001:db8:200::/48\n"
             "unreachable 2001:db8:201::/48\n"
             "prohibit 2001:db8:202::/48\n"
             "2001:db8:300::/48 via 2001:db8:6::fe dev %u mtu 1300\n"
             "neigh 2001:db8:5::fe dev %u lladdr 02:00:00:00:03:fe\n"
             "neigh 2001:db8:6::fe dev %u lladdr 02:00:00:00:04:fe\n",
             *v0, *v1, *v0, *v1, *v0, *v0, *v1, *v1, *v0, *v1, *v0, *v1, *v0, *v1, *v0, *v0, *v1, *v1, *v0, *v0, *v1,
             *v1, *v0, *v1, *v0, *v1);
}

/* args for an address: a[4], a[7], a[9], a[10] (dst) or a[5], a[11..13] (src) */
static void put_addr(uint64_t *a, int dst, const char *text, int v6)
{
    uint32_t w[4] = {0};
    cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, text, w), 1, "%s", text);
    if (dst) {
        a[4] = w[0], a[7] = w[1], a[9] = w[2], a[10] = w[3];
    } else {
        a[5] = w[0], a[11] = w[1], a[12] = w[2], a[13] = w[3];
    }
}

Test(net_helpers_diff, fib_lookup_routes)
{
    static const char *const dst4[] = {"10.9.9.9",    "10.1.2.3",      "10.2.0.1",    "10.3.0.1",
                                       "10.4.0.1",    "172.16.0.5",    "172.16.0.6",  "192.168.5.1",
                                       "192.168.5.255", "192.168.5.7", "8.8.8.8",     "127.0.0.1",
                                       "10.5.1.1",    "192.168.6.9"};
    static const char *const dst6[] = {"2001:db8:100::1", "2001:db8:5::9",   "2001:db8:5::1", "2001:db8:200::1",
                                       "2001:db8:201::1", "2001:db8:202::1", "2001:db8:300::5", "2001:db8:400::1",
                                       "2001:db8:5::",    "2001:db8:6::fe"};
    static const uint64_t flags[] = {0,
                                     BPF_FIB_LOOKUP_OUTPUT,
                                     BPF_FIB_LOOKUP_SKIP_NEIGH,
                                     BPF_FIB_LOOKUP_SRC,
                                     BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_SKIP_NEIGH,
                                     BPF_FIB_LOOKUP_DIRECT,
                                     BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID,
                                     BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_OUTPUT};
    static const uint64_t tot[] = {0, 1000, 1350, 1450, 9000};
    static const uint64_t tbids[] = {100, 254, 5000};
    char text[4096], err[256];
    struct bpfrt_fib_table *t;
    uint32_t v0, v1;

    open_both();
    make_packets();
    build_network(text, sizeof(text), &v0, &v1);
    cr_assert_eq(bpfrt_fib_table__parse(text, "routes", &t, err, sizeof(err)), 0, "%s", err);
    fib_table = t;
    for (int v6 = 0; v6 < 2; v6++)
        for (size_t d = 0; d < (v6 ? sizeof(dst6) / sizeof(dst6[0]) : sizeof(dst4) / sizeof(dst4[0])); d++)
            for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
                uint64_t ifs[] = {1, v0, v1, 99};
                for (size_t i = 0; i < 4; i++) {
                    uint64_t a[16] = {v6 ? 10 : 2, ifs[i], tot[(d + f + i) % 5], flags[f]};
                    unsigned p = (unsigned)(d + i) % 12;
                    struct input in = {pkts[p], plen[p], NULL, 0};
                    put_addr(a, 1, v6 ? dst6[d] : dst4[d], v6);
                    put_addr(a, 0, v6 ? "2001:db8:5::1" : "192.168.5.1", v6);
                    a[6] = tbids[(d + i) % 3];
                    compare("xdp_fib", a, &in, 0, NULL, NULL);
                    compare("tc_fib", a, &in, 0, NULL, NULL);
                }
            }
    fib_table = NULL;
    bpfrt_fib_table__free(t);
    close_both("fib_lookup_routes");
}
