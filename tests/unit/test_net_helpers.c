/* test_net_helpers.c - bpf_redirect, bpf_redirect_map, bpf_clone_redirect,
 * bpf_check_mtu, the skb metadata, tunnel key and hash helpers in bpfrt
 * alone (suite net_helpers), through tests/data/helpers/net_helpers.c;
 * each test names the kernel behaviour it matches (net/core/filter.c,
 * net/bpf/test_run.c).  The same programs against the running kernel:
 * tests/kernel-diff/test_net_helpers_diff.c. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "bpf_build.h"

#define NOUT 32

static struct bpfrt_object *obj;

static void setup(void)
{
    char log[8192] = "";
    const char *o = test_bpf_build_once("tests/data/helpers/net_helpers.c", "build/tests/data/helpers", "net_helpers");

    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(o, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
}

static void teardown(void)
{
    bpfrt_object__close(obj);
}

TestSuite(net_helpers, .init = setup, .fini = teardown);

/* A packet: Ethernet, IPv4 or IPv6, TCP ports sp -> dp between hosts a
 * and b (the last address byte). */
static uint32_t packet(uint8_t *p, int v6, uint8_t a, uint8_t b, uint16_t sp, uint16_t dp)
{
    uint32_t l4;

    memset(p, 0, 128);
    p[12] = v6 ? 0x86 : 0x08, p[13] = v6 ? 0xdd : 0x00;
    if (v6) {
        p[14] = 0x60, p[20] = 6, p[21] = 64;
        p[22] = 0x20, p[23] = 0x01, p[37] = a;
        p[38] = 0x20, p[39] = 0x01, p[53] = b;
        l4 = 54;
    } else {
        p[14] = 0x45, p[17] = 40, p[22] = 64, p[23] = 6;
        p[26] = 10, p[29] = a, p[30] = 10, p[33] = b;
        l4 = 34;
    }
    p[l4] = (uint8_t)(sp >> 8), p[l4 + 1] = (uint8_t)sp;
    p[l4 + 2] = (uint8_t)(dp >> 8), p[l4 + 3] = (uint8_t)dp;
    return l4 + 20;
}

struct result {
    int err;
    uint32_t retval;
    uint64_t out[NOUT];
    struct bpfrt_run_opts ro;
};

/* Run prog with args a on pkt (a TCP/IPv4 packet when NULL), in checked
 * mode when checked; the map `out` after. */
static struct result run(const char *prog, const uint64_t *a, const uint8_t *pkt, uint32_t len, int checked)
{
    static uint8_t def[128];
    uint64_t v[NOUT] = {0};
    uint32_t k = 0;
    char err[256];
    struct result r;
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, prog));

    cr_assert_not_null(p, "%s", prog);
    if (!pkt) {
        len = packet(def, 0, 1, 2, 1000, 80);
        pkt = def;
    }
    memcpy(v, a, 16 * sizeof(uint64_t));
    cr_assert_eq(bpfrt_map__update_elem(bpfrt_object__find_map_by_name(obj, "args"), &k, 4, v, sizeof(v), 0), 0);
    memset(v, 0, sizeof(v));
    cr_assert_eq(bpfrt_map__update_elem(bpfrt_object__find_map_by_name(obj, "out"), &k, 4, v, sizeof(v), 0), 0);
    memset(&r, 0, sizeof(r));
    r.ro.sz = sizeof(r.ro);
    r.ro.data = (void *)pkt;
    r.ro.data_size = len;
    r.ro.err_buf = err;
    r.ro.err_size = sizeof(err);
    r.ro.flags = checked ? BPFRT_RUN_CHECKED : 0;
    r.err = bpfrt_prog__run(p, &r.ro);
    cr_assert_eq(r.err, 0, "%s: %s", prog, err);
    r.retval = (uint32_t)r.ro.retval;
    cr_assert_eq(bpfrt_map__lookup_elem(bpfrt_object__find_map_by_name(obj, "out"), &k, 4, r.out, sizeof(r.out), 0),
                 0);
    return r;
}

/* bpf_xdp_redirect: any flag is XDP_ABORTED; else XDP_REDIRECT and the
 * target recorded (the run result names it).  bpf_redirect (tc): flags
 * other than BPF_F_INGRESS are TC_ACT_SHOT; else TC_ACT_REDIRECT with the
 * target and the flags recorded. */
Test(net_helpers, redirect)
{
    uint64_t a[16] = {7, 0};
    struct result r = run("xdp_redirect", a, NULL, 0, 0);

    cr_assert_eq(r.retval, XDP_REDIRECT);
    cr_assert_eq(r.ro.redirect_ifindex, 7);
    cr_assert_eq(r.ro.redirect_map_id, 0);
    a[1] = BPF_F_INGRESS;
    r = run("xdp_redirect", a, NULL, 0, 1);
    cr_assert_eq(r.retval, XDP_ABORTED);
    cr_assert_eq(r.ro.redirect_ifindex, 0, "nothing recorded");
    r = run("tc_redirect", a, NULL, 0, 0);
    cr_assert_eq(r.retval, TC_ACT_REDIRECT);
    cr_assert_eq(r.ro.redirect_ifindex, 7);
    cr_assert_eq(r.ro.redirect_flags, BPF_F_INGRESS);
    a[1] = 1u << 16; /* the kernel's own BPF_F_NEIGH */
    r = run("tc_redirect", a, NULL, 0, 1);
    cr_assert_eq(r.retval, TC_ACT_SHOT);
}

/* __bpf_xdp_redirect_map: a hit is XDP_REDIRECT with the map, key and a
 * device map's ifindex recorded; a miss gives the action in the flags' low
 * bits; BPF_F_BROADCAST redirects without an entry; unknown flags (or
 * broadcast flags on a cpumap) are XDP_ABORTED. */
Test(net_helpers, redirect_map)
{
    struct bpfrt_map *dm = bpfrt_object__find_map_by_name(obj, "devmap");
    uint32_t key = 3, val = 1;
    uint64_t a[16] = {0, 3, 0};
    struct result r;

    cr_assert_eq(bpfrt_map__update_elem(dm, &key, 4, &val, 4, 0), 0);
    r = run("xdp_redirect_map", a, NULL, 0, 0);
    cr_assert_eq(r.retval, XDP_REDIRECT);
    cr_assert_eq(r.ro.redirect_map_id, bpfrt_map__id(dm));
    cr_assert_eq(r.ro.redirect_key, 3);
    cr_assert_eq(r.ro.redirect_ifindex, 1);
    a[1] = 4, a[2] = XDP_PASS;
    r = run("xdp_redirect_map", a, NULL, 0, 1);
    cr_assert_eq(r.retval, XDP_PASS);
    cr_assert_eq(r.ro.redirect_map_id, 0);
    a[2] = BPF_F_BROADCAST;
    cr_assert_eq(run("xdp_redirect_map", a, NULL, 0, 0).retval, XDP_REDIRECT);
    a[0] = 2; /* cpumap */
    cr_assert_eq(run("xdp_redirect_map", a, NULL, 0, 0).retval, XDP_ABORTED);
    a[2] = 1u << 5;
    a[0] = 3; /* xskmap */
    cr_assert_eq(run("xdp_redirect_map", a, NULL, 0, 0).retval, XDP_ABORTED);
}

/* bpf_clone_redirect: -EINVAL for flags beyond BPF_F_INGRESS and for an
 * ifindex that names no device; 0 to the loopback, the packet going on. */
Test(net_helpers, clone_redirect)
{
    uint64_t a[16] = {1, BPF_F_INGRESS};
    struct result r = run("tc_clone_redirect", a, NULL, 0, 1);

    cr_assert_eq(r.out[0], 0);
    cr_assert_eq(r.retval, TC_ACT_OK);
    a[0] = 2;
    cr_assert_eq((int64_t)run("tc_clone_redirect", a, NULL, 0, 0).out[0], -EINVAL);
    a[0] = 1, a[1] = 2;
    cr_assert_eq((int64_t)run("tc_clone_redirect", a, NULL, 0, 0).out[0], -EINVAL);
}

/* bpf_check_mtu on the loopback (MTU 65536, hard header 14): the packet's
 * length or mtu_len + 14, plus len_diff, against 65550; *mtu_len becomes
 * the MTU; -ENODEV for a device that does not exist, leaving *mtu_len. */
Test(net_helpers, check_mtu)
{
    uint64_t a[16] = {0, 0, 65536, 0};
    struct result r = run("xdp_check_mtu", a, NULL, 0, 1);

    cr_assert_eq(r.out[0], BPF_MTU_CHK_RET_SUCCESS);
    cr_assert_eq(r.out[1], 65536);
    a[2] = 65537;
    cr_assert_eq(run("tc_check_mtu", a, NULL, 0, 0).out[0], BPF_MTU_CHK_RET_FRAG_NEEDED);
    a[2] = 0, a[1] = 65550 - 54 + 1; /* the 54-byte packet grown past 65550 */
    cr_assert_eq(run("tc_check_mtu", a, NULL, 0, 0).out[0], BPF_MTU_CHK_RET_FRAG_NEEDED);
    a[1] = 0, a[0] = 5, a[2] = 77;
    r = run("xdp_check_mtu", a, NULL, 0, 0);
    cr_assert_eq((int64_t)r.out[0], -ENODEV);
    cr_assert_eq(r.out[1], 77);
}

/* The test run's socket: a cookie, not 0, the same for every call in a
 * run and new in the next run (a new socket: __sock_gen_cookie); the route
 * realm 0 (no route); the classid of the caller (0 outside a net_cls
 * cgroup); the cgroup id not 0 (the caller's cgroup v2, at least the
 * root's 1). */
Test(net_helpers, socket_metadata)
{
    uint64_t a[16] = {0};
    struct result r1 = run("tc_meta", a, NULL, 0, 0), r2 = run("tc_meta", a, NULL, 0, 1);

    cr_assert_eq(r1.out[0], 1);
    cr_assert_eq(r1.out[1], 1);
    cr_assert_neq(r1.out[5], r2.out[5]);
    cr_assert_neq(r1.out[2], 0);
    cr_assert_eq(r1.out[2], r2.out[2]);
    cr_assert_eq(r1.out[4], 0);
}

/* bpf_skb_set_tunnel_key then bpf_skb_get_tunnel_key: the key comes back
 * with remote and local swapped (set fills the transmit view, get reads
 * the receive view of ip_tunnel_info); BPF_F_TUNINFO_FLAGS gives
 * TUNNEL_KEY | TUNNEL_CSUM | TUNNEL_NOCACHE as __be16; without a key set,
 * -EINVAL and the buffer cleared; the other family -EPROTO. */
Test(net_helpers, tunnel_key_round_trip)
{
    uint64_t a[16] = {0, 0, 0, BPF_F_TUNINFO_FLAGS, 42, 0x0a000001, 0x0a000002, 7 | 64 << 8, 0, 0, 1};
    struct result r = run("tc_tunnel", a, NULL, 0, 1);
    struct bpf_tunnel_key k;

    cr_assert_eq(r.out[0], 0);
    cr_assert_eq(r.out[1], 0);
    memcpy(&k, &r.out[2], 40);
    memcpy((char *)&k + 40, &r.out[7], 4);
    cr_assert_eq(k.tunnel_id, 42);
    cr_assert_eq(k.remote_ipv4, 0x0a000002, "get's remote is set's local");
    cr_assert_eq(k.local_ipv4, 0x0a000001);
    cr_assert_eq(k.tunnel_tos, 7);
    cr_assert_eq(k.tunnel_ttl, 64);
    cr_assert_eq(k.tunnel_flags, htons(0x2005));
    a[3] = BPF_F_TUNINFO_IPV6;
    cr_assert_eq((int64_t)run("tc_tunnel", a, NULL, 0, 0).out[1], -EPROTO);
    a[10] = 0, a[3] = 0;
    r = run("tc_tunnel", a, NULL, 0, 0);
    cr_assert_eq((int64_t)r.out[1], -EINVAL);
    cr_assert_eq(r.out[2], 0, "the buffer cleared");
}

/* The hash: 0 in a test run until computed (skb->hash); bpf_get_hash_recalc
 * gives a non-zero flow hash and keeps it; bpf_set_hash replaces it (and
 * recalc keeps the set one: l4_hash); bpf_set_hash_invalid clears it and
 * the next recalc computes the same one again. */
Test(net_helpers, hash_protocol)
{
    uint64_t a[16] = {0xdeadbeef};
    struct result r = run("tc_hash", a, NULL, 0, 1);

    cr_assert_eq(r.out[0], 0);
    cr_assert_eq(r.out[1], 1);
    cr_assert_eq(r.out[2], 1);
    cr_assert_eq(r.out[3], 1);
    cr_assert_eq(r.out[4], 0xdeadbeef);
    cr_assert_eq(r.out[5], 0xdeadbeef);
    cr_assert_eq(r.out[6], 0);
    cr_assert_eq(r.out[7], 1);
}

/* __flow_hash_consistentify: both directions of a flow hash alike, over
 * IPv4 and IPv6; another port or host is another hash. */
Test(net_helpers, hash_is_symmetric_per_flow)
{
    uint8_t p[128];
    uint64_t a[16] = {0};
    for (int v6 = 0; v6 < 2; v6++) {
        uint32_t n = packet(p, v6, 1, 2, 1000, 80);
        uint64_t h = run("tc_hash", a, p, n, 0).out[8];
        n = packet(p, v6, 2, 1, 80, 1000);
        cr_assert_eq(run("tc_hash", a, p, n, 0).out[8], h, "the reply hashes as the request");
        n = packet(p, v6, 1, 2, 1001, 80);
        cr_assert_neq(run("tc_hash", a, p, n, 0).out[8], h);
        n = packet(p, v6, 1, 3, 1000, 80);
        cr_assert_neq(run("tc_hash", a, p, n, 0).out[8], h);
    }
}
