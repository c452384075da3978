/* test_cli_kdiff.c - `prog run ... kernel_diff` (bpfrt, docs/CLI.md
 * "Comparing with the kernel"): the same object loaded in the running
 * kernel (libbpf), the same input run there with BPF_PROG_TEST_RUN
 * (net/bpf/test_run.c), and the differences printed.
 *
 *  - the demo's programs (examples/xdp_fw.c, examples/tc_nat.c) agree
 *    with the kernel on a single run (retval, data_out, ctx_out, maps, with
 *    repeat as the kernel's bpf_test_run repeats on the same packet) and
 *    over the shipped capture (examples/sample.pcap: refusals, retval,
 *    data_out, ring buffer and perf event records, maps);
 *  - a program drawing bpf_get_prandom_u32() differs in values bpfrt
 *    documents as its own: printed, marked expected, exit 0;
 *  - a program asking bpf_fib_lookup() with a routing table the host has
 *    not (`fib FILE`) differs for real: printed, exit 1;
 *  - the kernel refusing the object (its verifier: "invalid access to
 *    packet") and bpf() refused to user nobody (EPERM) get their messages
 *    and exit statuses (4, 3);
 *  - -j output parses (python3) with the kernel_diff key.
 * Skipped where this process cannot use bpf(). */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_build.h"
#include "cli_run.h"
#include "bpfrt/bpfrt.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "expected \"%s\" in:\n%s", (sub), (s))
#define HASNT(s, sub) cr_assert(strstr((s), (sub)) == NULL, "did not expect \"%s\" in:\n%s", (sub), (s))
#define DIR_OBJ "build/tests/cli_kdiff"

/* The kernel's bpf(), for this process: a two-instruction socket filter. */
static void need_kernel(void)
{
    struct bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", insns, 2, NULL);

    if (fd < 0)
        cr_skip_test("kernel bpf() unavailable (%s): kernel_diff has no kernel to compare with", strerror(errno));
    close(fd);
}

/* DIR_OBJ/<name>.o built from src (test_bpf_build's buffer is one per
 * thread: each name gets its own copy here) */
static const char *obj(const char *src, const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];

    snprintf(p, sizeof(paths[0]), "%s", test_bpf_build(src, DIR_OBJ, name, ""));
    return p;
}

/* An echo request to 10.0.0.1 (the firewall answers it: XDP_TX), 98 bytes. */
static const char *ping_file(void)
{
    static const uint8_t hdr[] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
                                  0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00, 0x0a, 0x00,
                                  0x00, 0x0a, 0x0a, 0x00, 0x00, 0x01, 0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00};
    static char path[64];
    uint8_t pkt[98] = {0};
    FILE *f;

    snprintf(path, sizeof(path), "%s/ping.bin", DIR_OBJ);
    cr_assert_eq(system("mkdir -p " DIR_OBJ), 0);
    memcpy(pkt, hdr, sizeof(hdr));
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(pkt, 1, sizeof(pkt), f), sizeof(pkt));
    fclose(f);
    return path;
}

/* n zero bytes in DIR_OBJ/name */
static const char *zeros(const char *name, size_t n)
{
    static char path[96];
    struct out r;

    snprintf(path, sizeof(path), "%s/%s", DIR_OBJ, name);
    r = cli_sh("mkdir -p %s && head -c %zu /dev/zero > %s", DIR_OBJ, n, path);
    cr_assert_eq(r.status, 0);
    out_free(&r);
    return path;
}

/* ------------------------------------------------------------ agreement */

/* The firewall answers the ping (XDP_TX, the packet rewritten): the same
 * retval, packet out and maps (src_stats, blocklist, .bss counters; the
 * perf event array's records are a replay's). */
Test(cli_kdiff, xdp_fw_single_run_agrees)
{
    need_kernel();
    const char *o = obj("examples/xdp_fw.c", "xdp_fw");
    struct out r = cli_cmd("prog run obj %s data_in %s kernel_diff", o, ping_file());

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 3");
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (1 run: retval, data_out 98 bytes, 4 maps; not compared: "
                   "drops (perf_event_array: records, compared in a pcap replay))\n");
    HASNT(r.stdout_, "kernel_diff: retval");
    out_free(&r);
}

/* repeat N: the kernel's bpf_test_run runs the program N times on the
 * same packet (the reply the first run made passes in the later ones),
 * and the counters count N. */
Test(cli_kdiff, xdp_fw_repeat_agrees)
{
    need_kernel();
    const char *o = obj("examples/xdp_fw.c", "xdp_fw");
    struct out r = cli_cmd("prog run obj %s data_in %s data_out - repeat 5 kernel_diff", o, ping_file());

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 2, duration (average)");
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (5 runs: retval, data_out 98 bytes, 4 maps;");
    out_free(&r);
}

/* tc with a context in: ctx_out compared too (the kernel's
 * convert_skb_to___skb). */
Test(cli_kdiff, tc_nat_ctx_out_agrees)
{
    need_kernel();
    const char *o = obj("examples/tc_nat.c", "tc_nat");
    const char *ping = ping_file();
    struct out r = cli_cmd("prog run obj %s data_in %s ctx_in %s kernel_diff", o, ping, zeros("skb0.bin", 192));

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (1 run: retval, data_out 98 bytes, ctx_out, 3 maps; not "
                   "compared: bans (ringbuf: records, compared in a pcap replay))\n");
    out_free(&r);
}

/* raw instructions with a type load in the kernel as they are */
Test(cli_kdiff, raw_with_type_agrees)
{
    need_kernel();
    const char *ping = ping_file();
    struct out r = cli_sh("printf 'r0 = 2\\nexit\\n' > %s/ret2.s && %s asm %s/ret2.s -o %s/ret2.bin && %s prog run raw "
                          "%s/ret2.bin type xdp data_in %s kernel_diff",
                          DIR_OBJ, cli_bin(), DIR_OBJ, DIR_OBJ, cli_bin(), DIR_OBJ, ping);

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (1 run: retval, data_out 98 bytes, 0 maps)\n");
    out_free(&r);
}

/* An input both test runs refuse (shorter than an Ethernet header:
 * bpf_test_init's -EINVAL): the same error is agreement, and the command
 * still fails as prog run does. */
Test(cli_kdiff, same_refusal_agrees)
{
    need_kernel();
    const char *o = obj("examples/xdp_fw.c", "xdp_fw");
    struct out r = cli_cmd("prog run obj %s data_in %s kernel_diff", o, zeros("short.bin", 8));

    cr_assert_eq(r.status, 1);
    HAS(r.stdout_,
        "kernel_diff: bpfrt and the kernel agree (1 run: the test run's error, -22 (Invalid argument), 4 maps");
    HAS(r.stderr_, "less than an Ethernet header");
    out_free(&r);
}

/* The capture through both: every packet's refusal, verdict, packet out
 * and records, then the maps. */
Test(cli_kdiff, pcap_replays_agree, .timeout = 120)
{
    need_kernel();
    const char *x = obj("examples/xdp_fw.c", "xdp_fw");
    struct out r = cli_cmd("prog run obj %s pcap examples/sample.pcap out %s/out kernel_diff", x, DIR_OBJ);
    struct stat st;

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "kernel_diff: bpfrt and the kernel agree (26 packets: test-run refusals, retval, "
                                "data_out, records, 5 maps)\n");
    cr_assert_eq(stat(DIR_OBJ "/out/tx.pcap", &st), 0, "the replay's output captures are written too");
    out_free(&r);

    const char *t = obj("examples/tc_nat.c", "tc_nat");
    r = cli_cmd("prog run obj %s pcap examples/sample.pcap kernel_diff", t);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "kernel_diff: bpfrt and the kernel agree (26 packets: test-run refusals, retval, "
                                "data_out, records, 4 maps)\n");
    out_free(&r);
}

/* Every kind of map kernel_diff lists (queue, stack, LRU hash, per-CPU
 * hash, LPM trie, array of maps and its inner array, prog array, global
 * data), filled over the capture and by repeat runs through a tail call:
 * the same on both sides. */
Test(cli_kdiff, every_map_kind_agrees, .timeout = 120)
{
    need_kernel();
    const char *o = obj("tests/data/kdiff/maps.c", "maps");
    struct out r = cli_cmd("prog run obj %s prog xdp_maps pcap examples/sample.pcap kernel_diff", o);

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "kernel_diff: bpfrt and the kernel agree (26 packets: test-run refusals, retval, "
                                "data_out, records, 9 maps)\n");
    out_free(&r);
    r = cli_cmd("prog run obj %s prog xdp_maps data_in %s repeat 3 kernel_diff", o, ping_file());
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 2,");
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (3 runs: retval, data_out 98 bytes, 9 maps)\n");
    out_free(&r);
}

/* The same maps filled from bpf_get_prandom_u32(): queue and stack
 * elements are listed by position, keys one side lacks as "only in"
 * (the three lengths drawn are all equal on both sides once in 2^24). */
Test(cli_kdiff, map_differences_by_element_and_key, .timeout = 120)
{
    need_kernel();
    const char *o = test_bpf_build("tests/data/kdiff/maps.c", DIR_OBJ, "maps_random", "-DRANDOM_KEYS");
    struct out r = cli_cmd("prog run obj %s prog xdp_maps data_in %s repeat 3 kernel_diff", o, ping_file());

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "kernel_diff: map lens_q element ");
    HAS(r.stdout_, "kernel_diff: map lens_s element ");
    HAS(r.stdout_, " bytes 0-3: bpfrt ");
    HAS(r.stdout_, "(expected)\n");
    HAS(r.stdout_, "agree but for ");
    out_free(&r);
}

/* ------------------------------------------------------------ differences */

/* bpf_get_prandom_u32(): bpfrt's draws are its own (docs/CLI.md): the
 * global and the per-CPU slot differ, printed and marked expected; the
 * command agrees otherwise and exits 0.  (Two 32-bit draws are equal
 * once in 2^32.) */
Test(cli_kdiff, random_values_are_expected_differences)
{
    need_kernel();
    const char *o = obj("tests/data/kdiff/random.c", "random");
    struct out r = cli_cmd("prog run obj %s data_in %s kernel_diff", o, ping_file());

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "kernel_diff: map draws key 00000000 cpu 0 bytes 0-3: bpfrt ");
    HAS(r.stdout_, "kernel_diff: map random.bss key 00000000 bytes 0-3: bpfrt ");
    HAS(r.stdout_, " (expected)\n");
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree but for ");
    HAS(r.stdout_, " expected differences: the program calls bpf_get_prandom_u32, whose values bpfrt documents as "
                   "its own (1 run: retval, data_out 98 bytes, 2 maps; not compared: draws_rb (ringbuf: records, "
                   "compared in a pcap replay))\n");
    out_free(&r);

    /* over the capture: the verdicts differ where the low bits do (in
     * one packet of 25 at least but once in 2^25), every record */
    r = cli_cmd("prog run obj %s pcap examples/sample.pcap kernel_diff", o);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, ": retval: bpfrt ");
    HAS(r.stdout_, "kernel_diff: packet 1: records of draws_rb record 1: bpfrt ");
    HAS(r.stdout_, " (4 bytes), kernel ");
    HAS(r.stdout_, "kernel_diff: map random.bss key 00000000 bytes 0-3: bpfrt ");
    HAS(r.stdout_, "(26 packets: test-run refusals, retval, data_out, records, 3 maps)\n");
    HASNT(r.stdout_, "differ:");
    out_free(&r);
}

/* bpf_fib_lookup() asked from the loopback the way to 10.1.2.3: bpfrt
 * given a table where 10.1.2.0/24 is a blackhole answers
 * BPF_FIB_LKUP_RET_BLACKHOLE (1), the kernel from the host's tables
 * something else (no host here blackholes that prefix): a real
 * difference, in the retval and the map, and exit 1. */
Test(cli_kdiff, fib_lookup_with_another_table_differs)
{
    need_kernel();
    const char *o = obj("tests/data/kdiff/fib.c", "fib");
    const char *ping = ping_file();
    struct out r = cli_sh("ip -4 route show table all 10.1.2.0/24 2>/dev/null | grep -q blackhole");

    if (r.status == 0)
        cr_skip_test("this host blackholes 10.1.2.0/24: the kernel would answer as bpfrt");
    out_free(&r);
    r = cli_sh("printf 'blackhole 10.1.2.0/24\\n' > %s/bh.fib && %s prog run obj %s data_in %s fib %s/bh.fib "
               "kernel_diff",
               DIR_OBJ, cli_bin(), o, ping, DIR_OBJ);
    cr_assert_eq(r.status, 1, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 1,");
    HAS(r.stdout_, "kernel_diff: retval: bpfrt 1 (XDP_DROP), kernel ");
    HAS(r.stdout_, "kernel_diff: data_out byte 0: bpfrt 01, kernel ");
    /* byte 0, or bytes 0-7 where the kernel answers a negative errno */
    HAS(r.stdout_, "kernel_diff: map answers key 00000000 byte");
    HAS(r.stdout_, ": bpfrt 01");
    HAS(r.stdout_,
        "kernel_diff: bpfrt and the kernel differ: 3 differences (1 run: retval, data_out 98 bytes, 1 map)\n");
    HASNT(r.stdout_, "(expected)");
    out_free(&r);
}

/* ------------------------------------------------------------ no kernel */

/* The kernel's verifier refuses a packet read without a bounds check
 * (check_packet_access: "invalid access to packet"): exit 4 with the end
 * of its log. */
Test(cli_kdiff, kernel_refuses_the_program)
{
    need_kernel();
    const char *o = obj("tests/data/kdiff/unsafe.c", "unsafe");
    struct out r = cli_cmd("prog run obj %s data_in %s kernel_diff", o, ping_file());

    cr_assert_eq(r.status, 4, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stderr_, "Error: kernel_diff: the kernel refuses '");
    HAS(r.stderr_, "(Permission denied); the end of its log:\n");
    HAS(r.stderr_, "invalid access to packet, off=20 size=1");
    HAS(r.stderr_, "processed 2 insns");
    HASNT(r.stderr_, "libbpf:");
    out_free(&r);
}

/* bpf() refused: user nobody where unprivileged BPF is off (as root,
 * setpriv; as another user, the command itself) gets EPERM: exit 3. */
Test(cli_kdiff, no_kernel_for_nobody)
{
    need_kernel();
    const char *o = obj("examples/xdp_fw.c", "xdp_fw");
    const char *ping = ping_file();
    char d[] = "/tmp/bpfrt-kdiff-XXXXXX";
    struct out r;

    cr_assert_not_null(mkdtemp(d));
    cr_assert_eq(chmod(d, 0755), 0);
    r = cli_sh("cp %s %s/bpfrt && cp %s %s/x.o && cp %s %s/p.bin && chmod 755 %s/bpfrt && chmod 644 %s/x.o %s/p.bin",
               cli_bin(), d, o, d, ping, d, d, d, d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    if (geteuid() == 0)
        r = cli_sh("cd %s && setpriv --reuid=65534 --regid=65534 --clear-groups ./bpfrt prog run obj x.o data_in p.bin "
                   "kernel_diff",
                   d);
    else
        r = cli_sh("cd %s && ./bpfrt prog run obj x.o data_in p.bin kernel_diff", d);
    if (r.status == 0) {
        out_free(&r);
        cr_skip_test("user nobody may load BPF here (kernel.unprivileged_bpf_disabled is 0)");
    }
    cr_assert_eq(r.status, 3, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stderr_, "Error: kernel_diff: the kernel's bpf() is not available (Operation not permitted)");
    HAS(r.stderr_, "nothing was compared");
    cr_assert_str_eq(r.stdout_, "");
    out_free(&r);
    r = cli_sh("rm -rf %s", d);
    out_free(&r);
}

/* What kernel_diff cannot compare says why. */
Test(cli_kdiff, what_cannot_be_compared)
{
    need_kernel();
    const char *ping = ping_file();
    struct out r = cli_cmd("prog run pinned /nonexistent/p data_in %s kernel_diff", ping);

    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Error: kernel_diff compares a program the kernel can load as bpfrt does: name it by its object");
    out_free(&r);
    r = cli_sh("printf 'r0 = 2\\nexit\\n' > %s/r.s && %s asm %s/r.s -o %s/r.bin && %s prog run raw %s/r.bin data_in "
               "%s kernel_diff",
               DIR_OBJ, cli_bin(), DIR_OBJ, DIR_OBJ, cli_bin(), DIR_OBJ, ping);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "runs with bpfrt's raw convention (r1 = data), which the kernel has not: give its type (raw FILE "
                   "type TYPE)");
    out_free(&r);
    /* not an ELF object: libbpf's reason (LIBBPF_ERRNO__FORMAT), not "the kernel refuses" */
    r = cli_sh("printf 'not an object' > %s/junk.o && %s prog run obj %s/junk.o data_in %s kernel_diff", DIR_OBJ,
               cli_bin(), DIR_OBJ, ping);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Error: kernel_diff: libbpf cannot open '");
    HAS(r.stderr_, "junk.o': ");
    HASNT(r.stderr_, "Unknown error");
    out_free(&r);
}

/* ------------------------------------------------------------ JSON */

static int have_python(void)
{
    return !system("command -v python3 >/dev/null 2>&1");
}

/* -j: the kernel_diff key in prog run's object; a difference lists what,
 * bpfrt and kernel; the replay's JSON lines carry it per packet and in
 * the summary. */
Test(cli_kdiff, json_output_parses, .timeout = 120)
{
    need_kernel();
    if (!have_python())
        cr_skip_test("python3 is not installed: the JSON is not parsed");
    const char *x = obj("examples/xdp_fw.c", "xdp_fw");
    const char *f = obj("tests/data/kdiff/fib.c", "fib");
    const char *ping = ping_file();
    struct out r = cli_sh("%s -j prog run obj %s data_in %s kernel_diff | python3 -c 'import json, sys\n"
                          "d = json.load(sys.stdin); k = d[\"kernel_diff\"]\n"
                          "print(d[\"retval\"], k[\"agree\"], k[\"runs\"], k[\"maps\"], len(k[\"differences\"]))'",
                          cli_bin(), x, ping);

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "3 True 1 4 0\n");
    out_free(&r);

    r = cli_sh("printf 'blackhole 10.1.2.0/24\\n' > %s/bh2.fib; %s -j prog run obj %s data_in %s fib %s/bh2.fib "
               "kernel_diff | python3 -c 'import json, sys\n"
               "k = json.load(sys.stdin)[\"kernel_diff\"]; d = k[\"differences\"]\n"
               "print(k[\"agree\"], k[\"total\"], d[0][\"what\"], d[0][\"bpfrt\"], d[0][\"kernel\"] != 1, "
               "d[0][\"expected\"], d[1][\"what\"], d[1][\"offset\"], d[1][\"bpfrt\"], d[2][\"what\"], d[2][\"map\"], "
               "d[2][\"key\"], d[2][\"bpfrt\"][0])'",
               DIR_OBJ, cli_bin(), f, ping, DIR_OBJ);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "False 3 retval 1 True False data_out 0 [1] map answers [0, 0, 0, 0] 1\n");
    out_free(&r);

    r = cli_sh(
        "%s -j prog run obj %s pcap examples/sample.pcap kernel_diff | python3 -c 'import json, sys\n"
        "lines = [json.loads(l) for l in sys.stdin]\n"
        "pk = [l for l in lines if \"packet\" in l]\n"
        "s = lines[-1][\"summary\"]\n"
        "print(len(pk), all(p[\"kernel_diff\"][\"agree\"] for p in pk), s[\"packets\"], "
        "s[\"kernel_diff\"][\"agree\"], s[\"kernel_diff\"][\"packets_differing\"], s[\"kernel_diff\"][\"maps\"])'",
        cli_bin(), x);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "26 True 26 True 0 5\n");
    out_free(&r);
}

/* ------------------------------------------------------------ CPUs */

/* The command pinned to CPU 1 (taskset): the kernel's test runs run there
 * (bpf_test_run: migrate_disable on the caller's CPU), bpfrt's as worker
 * 1, so bpf_get_smp_processor_id() (XDP_TX on CPU 1) and the per-CPU
 * slot counted agree, for a run and for a replay. */
Test(cli_kdiff, pinned_to_another_cpu_agrees, .timeout = 120)
{
    need_kernel();
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || system("command -v taskset >/dev/null 2>&1"))
        cr_skip_test("one CPU, or no taskset(1): nothing to pin to");
    const char *o = obj("tests/data/kdiff/cpu.c", "cpu");
    const char *ping = ping_file();
    struct out r = cli_sh("taskset -c 1 %s prog run obj %s data_in %s repeat 3 kernel_diff", cli_bin(), o, ping);

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 3,");
    HAS(r.stdout_, "kernel_diff: bpfrt and the kernel agree (3 runs: retval, data_out 98 bytes, 1 map)\n");
    out_free(&r);
    r = cli_sh("taskset -c 1 %s prog run obj %s pcap examples/sample.pcap kernel_diff", cli_bin(), o);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "kernel_diff: bpfrt and the kernel agree (26 packets: test-run refusals, retval, "
                                "data_out, records, 1 map)\n");
    out_free(&r);
}

/* The library's replay runs as the worker its options name
 * (bpfrt_pcap_run_opts.worker): bpf_get_smp_processor_id() is 1 for
 * every packet that runs, and worker 1's per-CPU slot counts them. */
static int count_tx(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    if (!pkt->err)
        cr_assert_eq(pkt->retval, 3, "packet %llu: retval %llu", (unsigned long long)pkt->nr,
                     (unsigned long long)pkt->retval);
    (*(int *)ctx)++;
    return 0;
}

Test(cli_kdiff, replay_runs_as_the_given_worker)
{
    const char *o = obj("tests/data/kdiff/cpu.c", "cpu");
    struct bpfrt_object *ob;
    char log[1024] = "";
    uint64_t slots[2] = {0};
    uint32_t k = 0;
    int seen = 0;

    bpfrt_set_nr_workers(2);
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(o, &oo, &ob), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(ob), 0, "%s", log);
    BPFRT_OPTS(bpfrt_pcap_run_opts, ro, .worker = 1, .packet_fn = count_tx, .ctx = &seen, .log_buf = log,
               .log_size = sizeof(log));
    cr_assert_eq(bpfrt_prog__run_pcap(bpfrt_program__prog(bpfrt_object__find_program_by_name(ob, "xdp_cpu")),
                                      "examples/sample.pcap", &ro),
                 0, "%s", log);
    cr_assert_eq(seen, 26);
    cr_assert_eq(
        bpfrt_map__lookup_elem(bpfrt_object__find_map_by_name(ob, "hits"), &k, sizeof(k), slots, sizeof(slots), 0), 0);
    cr_assert_eq(slots[0], 0);
    cr_assert_eq(slots[1], 26 - ro.refused, "worker 1 counted %llu", (unsigned long long)slots[1]);
    bpfrt_object__close(ob);
}
