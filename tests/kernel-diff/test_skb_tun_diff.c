/* test_skb_tun_diff.c - bpf_skb_set_tunnel_opt / bpf_skb_get_tunnel_opt
 * (after bpf_skb_set_tunnel_key or not; 3, 4, 8, 64, 256 bytes: -EINVAL,
 * -ENOMEM, the options and TUNNEL_OPTIONS_PRESENT in the key's flags),
 * bpf_skb_get_xfrm_state (no sec_path: -EINVAL, the buffer cleared),
 * bpf_skb_ancestor_cgroup_id (levels 0-3), bpf_sk_lookup_tcp/udp and
 * bpf_skc_lookup_tcp (nothing found; a bad size, another netns id),
 * bpf_redirect_peer (flags: TC_ACT_SHOT) and bpf_get_local_storage (a
 * fresh storage per test run) against the running kernel (suite
 * skb_tun_diff).  tests/data/helpers/skb_tun.c is compiled at test time
 * and run in both with the same arguments (the map `args`); compared: the
 * test run's outcome (trdiff: fast and checked) and the map `out` the
 * programs fill, byte for byte. */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "trdiff.h"

#define SRC "tests/data/helpers/skb_tun.c"
#define OBJDIR "build/tests/data/helpers"

struct argv {
    uint32_t opt_size, set_key, level, ifindex;
    uint64_t flags;
};

static uint8_t kout[512], bout[512];

static void set_args(const struct argv *a)
{
    uint32_t k = 0;
    uint8_t zero[512] = {0};
    struct bpfrt_map *bo = trd_bpfrt_map("out");
    uint32_t vs = bpfrt_map__value_size(bo);

    cr_assert_leq(vs, sizeof(zero));
    cr_assert_eq(bpf_map_update_elem(trd_kernel_map_fd("args"), &k, a, 0), 0);
    cr_assert_eq(bpfrt_map__update_elem(trd_bpfrt_map("args"), &k, 4, a, sizeof(*a), 0), 0);
    cr_assert_eq(bpf_map_update_elem(trd_kernel_map_fd("out"), &k, zero, 0), 0);
    cr_assert_eq(bpfrt_map__update_elem(bo, &k, 4, zero, vs, 0), 0);
}

/* 1 when the map `out` is the same on both sides */
static int same_out(const char *what)
{
    uint32_t k = 0;
    struct bpfrt_map *bo = trd_bpfrt_map("out");
    uint32_t vs = bpfrt_map__value_size(bo);

    cr_assert_eq(bpf_map_lookup_elem(trd_kernel_map_fd("out"), &k, kout), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(bo, &k, 4, bout, vs, 0), 0);
    if (!memcmp(kout, bout, vs))
        return 1;
    for (uint32_t i = 0; i < vs; i += 8)
        if (memcmp(kout + i, bout + i, 8)) {
            uint64_t kv, bv;
            memcpy(&kv, kout + i, 8), memcpy(&bv, bout + i, 8);
            fprintf(stderr, "skb_tun_diff %s: out at byte %u: kernel 0x%llx, bpfrt 0x%llx\n", what, i,
                    (unsigned long long)kv, (unsigned long long)bv);
            break;
        }
    return 0;
}

Test(skb_tun_diff, tunnel_opt_xfrm_cgroups_lookups_peer, .timeout = 120)
{
    static const uint32_t ifindexes[] = {0, 1, 5};
    struct trd_tally t = {0};
    unsigned n = 0, eq = 0;
    uint8_t pkt[128];
    struct trd_input in = {.pkt = pkt, .ctx_out = 0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skb_tun");
    in.len = trd_make_packet(pkt, 0, 20);
    for (uint32_t opt = 0; opt <= 5; opt++)
        for (uint32_t key = 0; key < 2; key++)
            for (uint32_t level = 0; level < 4; level++)
                for (unsigned f = 0; f < 2; f++)
                    for (unsigned i = 0; i < 3; i++) {
                        struct argv a = {opt, key, level, ifindexes[i], f};
                        char what[96];
                        set_args(&a);
                        trd_compare("tun", &in, &t);
                        snprintf(what, sizeof(what), "opt %u key %u level %u flags %u ifindex %u", opt, key, level,
                                 f, ifindexes[i]);
                        n++;
                        eq += same_out(what);
                    }
    trd_report("tun", &t);
    printf("skb_tun_diff: %u argument sets, map out equal in %u\n", n, eq);
    cr_expect_eq(eq, n, "%u of %u argument sets leave another map out than the kernel's", n - eq, n);
    trd_close();
}

/* bpf_get_local_storage: each test run starts from a zeroed storage
 * (bpf_cgroup_storages_alloc), so every run counts only its own packet. */
Test(skb_tun_diff, cgroup_storage_fresh_per_run, .timeout = 120)
{
    struct trd_tally t = {0};
    unsigned n = 0, eq = 0;
    uint8_t pkt[256];
    struct trd_input in = {.pkt = pkt};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "skb_tun");
    for (unsigned i = 0; i < 12; i++) {
        struct argv a = {0};
        in.len = trd_make_packet(pkt, i, i * 8);
        set_args(&a);
        trd_compare("storage", &in, &t);
        n++;
        eq += same_out("storage");
        /* a cgroup_skb program sees skb->len past the Ethernet header */
        cr_expect_eq(*(uint64_t *)kout, in.len - 14, "the kernel's storage counted %llu, not this run's %u bytes",
                     (unsigned long long)*(uint64_t *)kout, in.len - 14);
    }
    trd_report("storage", &t);
    cr_expect_eq(eq, n);
    trd_close();
}
