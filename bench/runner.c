/* runner.c - runs each benchmark program four ways on the same packet and
 * prints what each costs, as ratios from one run:
 *
 *   interp  the program's entry (SEC("xdp"), or the selftests' SEC("tc")),
 *           loaded by bpfrt's own loader and verifier with the engine
 *           "interp" and run as the kernel's test run runs it,
 *           bpfrt_prog__run(repeat) with the packet as data_in: duration_ns
 *           is the mean; one more run in checked mode counts the
 *           instructions executed;
 *   jit     the same with the engine "jit" (bpfrt's x86-64 JIT, the default
 *           engine of verified programs);
 *   kernel  the same object loaded with libbpf and run with
 *           BPF_PROG_TEST_RUN(repeat): the kernel reports the mean duration
 *           (JIT-compiled when net.core.bpf_jit_enable is 1);
 *   native  the same work function compiled with the host compiler, called
 *           in a timed loop (programs written for the benchmark only).
 *
 * Every side also runs the timed packet and every packet variant once,
 * each a fresh copy, and the retvals and packets out must agree (see
 * sides.c).  Then packets per second of a capture replayed on one worker
 * (replay.c) and the JIT's compile time beside the kernel's load time for
 * the largest programs (compile.c).  Exit status 1 when anything failed
 * or differed.
 *
 * Usage: runner -h
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "progs/maps_common.h"
#include "runner.h"

#ifndef BENCH_OBJDIR
#define BENCH_OBJDIR "build"
#endif

struct runner_cfg cfg = {
    .t = {.trials = 5, .target_ms = 100},
    .cpu = -1,
    .objdir = BENCH_OBJDIR,
    .vcache = BENCH_OBJDIR "/vcache/obj",
    .pcap = BENCH_OBJDIR "/replay.pcap",
    .pcap_packets = 100000,
    .compile_runs = 7,
};

/* The work functions compiled natively from the same sources (progs/). */
uint64_t bench_native_csum(uint8_t *data, size_t len);
uint64_t bench_native_fnv1a(uint8_t *data, size_t len);
uint64_t bench_native_parse(uint8_t *data, size_t len);
uint64_t bench_native_drop(uint8_t *data, size_t len);
uint64_t bench_native_rewrite(uint8_t *data, size_t len);

/* ---- the selftests' l4lb, its maps filled as prog_tests/l4lb_all.c
 * fills them: VIP 0.0.0.0 (any port) TCP -> vip_num 5 (VIP_NUM,
 * network_helpers.h); ring slot 11 -> real 3; real 3 -> 0x1234
 * (MAGIC_VAL).  Layouts: struct vip (test_iptunnel_common.h), struct
 * vip_meta and struct real_definition (progs/test_l4lb.c). ---- */

struct l4lb_vip {
    uint32_t daddr[4];
    uint16_t dport;
    uint16_t family;
    uint8_t protocol;
    uint8_t pad[3];
};

struct l4lb_real {
    uint32_t dst[4];
    uint8_t flags;
    uint8_t pad[3];
};

static int fill_l4lb(const struct fill_ops *o)
{
    struct l4lb_vip vip = {.protocol = 6};
    uint32_t meta[2] = {0, 5}, ch_key = 11, real_num = 3;
    struct l4lb_real real = {.dst = {0x1234}};
    int err;

    if ((err = o->put(o->side, "vip_map", &vip, sizeof(vip), meta, sizeof(meta))))
        return bench_msg(o->err, o->err_size, "vip_map"), err;
    if ((err = o->put(o->side, "ch_rings", &ch_key, 4, &real_num, 4)))
        return bench_msg(o->err, o->err_size, "ch_rings"), err;
    if ((err = o->put(o->side, "reals", &real_num, 4, &real, sizeof(real))))
        return bench_msg(o->err, o->err_size, "reals"), err;
    return 0;
}

/* ---- array and hash lookups (progs/maps.c): keys 0..1023 hold
 * mb_value(k) (maps_common.h), as maps_runner fills them ---- */

static int fill_lookups(const struct fill_ops *o)
{
    static const char *const maps[] = {"hash_map", "array_map"};

    for (size_t m = 0; m < 2; m++)
        for (uint32_t k = 0; k < MB_NKEYS; k++) {
            unsigned long long v = mb_value(k);
            int err = o->put(o->side, maps[m], &k, sizeof(k), &v, sizeof(v));

            if (err)
                return bench_msg(o->err, o->err_size, "%s key %u", maps[m], k), err;
        }
    return 0;
}

static uint32_t expect_lookups(const uint8_t *pkt, size_t len)
{
    unsigned long long sum = 0;

    (void)pkt;
    (void)len;
    for (unsigned i = 0; i < MB_OPS; i++)
        sum += mb_value(mb_key(i));
    return mb_fold32(sum);
}

static uint32_t expect_tail33(const uint8_t *pkt, size_t len)
{
    (void)pkt;
    (void)len;
    return 33; /* the body ran 33 times: MAX_TAIL_CALL_CNT (include/linux/bpf.h) */
}

#define NA_MAPS "the C calls BPF helpers on BPF maps: no native build of the same C"
static const struct bench_prog progs[] = {
    {"drop", "drop.bpf.o", "xdp_drop", "XDP_DROP and nothing else: the entry cost", bench_native_drop, NULL, NULL,
     NULL, PKT_STD, false},
    {"csum", "csum.bpf.o", "xdp_csum", "internet checksum (RFC 1071), 16 bits a step", bench_native_csum, NULL, NULL,
     NULL, PKT_STD, false},
    {"fnv1a", "fnv1a.bpf.o", "xdp_fnv1a", "FNV-1a 64-bit hash, a byte a step", bench_native_fnv1a, NULL, NULL, NULL,
     PKT_STD, false},
    {"parse", "parse.bpf.o", "xdp_parse", "Ethernet/VLAN/IPv4|IPv6/TCP|UDP parser, rules, flow hash",
     bench_native_parse, NULL, NULL, NULL, PKT_STD, true},
    {"rewrite", "rewrite.bpf.o", "xdp_rewrite", "parser that writes: swap MACs, IPs, ports, TTL 64, IPv4 checksum",
     bench_native_rewrite, NULL, NULL, NULL, PKT_STD, true},
    {"l4lb", "vcache:test_l4lb.o", "balancer_ingress", "the selftests' test_l4lb (tc), on pkt_v4 to its VIP", NULL,
     NA_MAPS " (bpf_map_lookup_elem on 4 maps, bpf_skb_set_tunnel_key, bpf_redirect, __sk_buff)", fill_l4lb, NULL,
     PKT_SELFTEST_V4, true},
    {"l4lb_noinl", "vcache:test_l4lb_noinline.o", "balancer_ingress",
     "the selftests' test_l4lb_noinline (bpf-to-bpf calls)", NULL, NA_MAPS " (as l4lb)", fill_l4lb, NULL,
     PKT_SELFTEST_V4, false},
    {"array_lkp", "maps.bpf.o", "xdp_array_lookup", "1,024 ARRAY lookups a run (progs/maps.c)", NULL,
     NA_MAPS " (bpf_map_lookup_elem)", fill_lookups, expect_lookups, PKT_STD, false},
    {"hash_lkp", "maps.bpf.o", "xdp_hash_lookup", "1,024 HASH lookups a run (progs/maps.c)", NULL,
     NA_MAPS " (bpf_map_lookup_elem)", fill_lookups, expect_lookups, PKT_STD, false},
    {"tail33", "tail33.bpf.o", "xdp_tail33", "a chain of 33 tail calls (the limit) through a PROG_ARRAY", NULL,
     "tail calls have no C equivalent", NULL, expect_tail33, PKT_STD, false},
};
#define NPROGS (sizeof(progs) / sizeof(progs[0]))

/* A row of the selftests' objects when verify_progs.sh could not build
 * them: every column n/a, the reason given, not a failure. */
static bool missing_selftest(struct result *r)
{
    struct side *sides[] = {&r->interp, &r->jit, &r->kern, &r->nat};
    char why[400];

    if (!object_missing(r->b, why, sizeof(why)))
        return false;
    for (size_t i = 0; i < 4; i++) {
        sides[i]->st = ST_UNAVAIL;
        bench_msg(sides[i]->err, sizeof(sides[i]->err), "%s", why);
    }
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: runner [-j] [-r repeat] [-t trials] [-T ms] [-c cpu] [-o objdir] [-V vcache] [-P pcap] [-n packets]\n"
            "              [-k runs] [-R] [-C] [-W] [-w file] [-v] [prog...]\n"
            "  -j         JSON output\n"
            "  -r N       runs per measurement (env BENCH_REPEAT); default: calibrated per side\n"
            "  -t N       trials, the best mean is kept (env BENCH_TRIALS; default 5)\n"
            "  -T ms      calibration target per measurement (env BENCH_TARGET_MS; default 100)\n"
            "  -c cpu     pin to this CPU first\n"
            "  -o dir     directory of the BPF objects (default %s)\n"
            "  -V dir     the selftests' objects (verify_progs.sh; default %s/vcache/obj)\n"
            "  -P file    the capture the replay writes and reads (default %s/replay.pcap)\n"
            "  -n N       packets in it (default 100000)\n"
            "  -k N       compile-time runs, the best kept (default 7)\n"
            "  -R         no pcap replay;  -C  no compile times\n"
            "  -W         time bpfrt and native code by the wall clock (default: the thread's CPU time)\n"
            "  -w file    also write the timed packet (raw bytes) to file\n"
            "  -v         libbpf's messages on stderr\n"
            "  prog       rows to run (default: all):",
            BENCH_OBJDIR, BENCH_OBJDIR, BENCH_OBJDIR);
    for (size_t i = 0; i < NPROGS; i++)
        fprintf(f, " %s", progs[i].name);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    static struct result res[NPROGS];
    static struct replay_row rows[NPROGS];
    struct bench_prog sel[NPROGS];
    size_t n = 0, nrows = 0;
    int opt, status = 0;

    bench_timing_env(&cfg.t);
    while ((opt = getopt(argc, argv, "jr:t:T:c:o:V:P:n:k:RCWw:vh")) != -1) {
        switch (opt) {
        case 'j': cfg.json = true; break;
        case 'r': cfg.t.repeat = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 't': cfg.t.trials = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'T': cfg.t.target_ms = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'c': cfg.cpu = atoi(optarg); break;
        case 'o': cfg.objdir = optarg; break;
        case 'V': cfg.vcache = optarg; break;
        case 'P': cfg.pcap = optarg; break;
        case 'n': cfg.pcap_packets = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'k': cfg.compile_runs = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'R': cfg.no_replay = true; break;
        case 'C': cfg.no_compile = true; break;
        case 'W': cfg.wall = true; break;
        case 'v': cfg.t.verbose = true; break;
        case 'w': cfg.dump = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    bench_timing_clamp(&cfg.t);
    if (!cfg.compile_runs)
        cfg.compile_runs = 1;
    if (cfg.cpu >= 0)
        bench_pin_cpu(cfg.cpu, "runner");

    bench_libbpf_capture(cfg.t.verbose);
    packets_build();
    if (cfg.dump) {
        FILE *f = fopen(cfg.dump, "wb");

        if (!f || fwrite(timed_std.buf, 1, timed_std.len, f) != timed_std.len || fclose(f)) {
            fprintf(stderr, "runner: %s: %s\n", cfg.dump, strerror(errno));
            return 1;
        }
    }
    kernel_probe();

    for (size_t i = 0; i < NPROGS; i++) {
        struct result *r = &res[n];

        if (!bench_wanted(argc, argv, optind, progs[i].name))
            continue;
        sel[n] = progs[i];
        r->b = &progs[i];
        if (cfg.t.verbose)
            fprintf(stderr, "runner: %s\n", progs[i].name);
        if (missing_selftest(r)) {
            n++;
            continue;
        }
        run_native(r);
        run_kernel(r);
        run_bpfrt(r, "interp");
        run_bpfrt(r, "jit");
        if (!result_ok(r))
            status = 1;
        n++;
    }
    if (!n) {
        fprintf(stderr, "runner: no such program\n");
        usage(stderr);
        return 2;
    }
    if (!cfg.no_replay) {
        replay_run(sel, n, rows, &nrows);
        for (size_t i = 0; i < nrows; i++)
            if (!rows[i].agree)
                status = 1;
    }
    if (!cfg.no_compile)
        compile_run();
    if (cfg.json) {
        printf("{\"programs\": ");
        report_json(res, n);
        if (!cfg.no_replay) {
            printf(",\n\"replay\": ");
            replay_json(rows, nrows);
        }
        if (!cfg.no_compile) {
            printf(",\n\"compile\": ");
            compile_json();
        }
        printf("}\n");
    } else {
        report_table(res, n);
        if (!cfg.no_replay) {
            printf("\n");
            replay_report(rows, nrows);
        }
        if (!cfg.no_compile) {
            printf("\n");
            compile_report();
        }
    }
    return status;
}
