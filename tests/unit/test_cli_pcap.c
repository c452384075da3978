/* test_cli_pcap.c - `prog run PROG pcap FILE [out DIR]` on the demo's
 * programs (examples/xdp_fw.c, examples/tc_nat.c) over the shipped
 * capture: per-packet lines with verdicts and changed bytes, trace lines,
 * perf event and ring buffer records (text, and JSON lines with -j), the
 * summary table, the output captures, the progress bar on a terminal, and
 * the errors.  Each packet is a test run as the kernel's BPF_PROG_TEST_RUN
 * makes it (net/bpf/test_run.c): the runt frame is refused (-EINVAL, "less
 * than an Ethernet header"), a typed program's retval is the u32 the
 * kernel reports (TC_ACT_UNSPEC comes back as 4294967295). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_build.h"
#include "cli_run.h"
#include "pcap_read.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "expected \"%s\" in:\n%s", (sub), (s))
#define HASNT(s, sub) cr_assert(strstr((s), (sub)) == NULL, "did not expect \"%s\" in:\n%s", (sub), (s))

static const char *tmpdir(char *buf)
{
    strcpy(buf, "/tmp/bpfrt-pcap-XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
    return buf;
}

static void rm_rf(const char *dir)
{
    struct out r = cli_sh("rm -rf '%s'", dir);
    out_free(&r);
}

static int exists(const char *dir, const char *name)
{
    char p[512];
    struct stat st;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static const char *xdp_obj(void)
{
    return test_bpf_build("examples/xdp_fw.c", "build/tests/cli_pcap", "xdp_fw", "");
}

static const char *tc_obj(void)
{
    return test_bpf_build("examples/tc_nat.c", "build/tests/cli_pcap", "tc_nat", "");
}

/* The firewall over the capture: XDP_DROP with its trace line and perf
 * event, XDP_TX with the bytes the reply changed, the refused runt, the
 * table, one capture per verdict that occurred. */
Test(cli_pcap, xdp_firewall_replay_text_and_outputs)
{
    char d[64], out[128], row[256];
    struct out r;

    tmpdir(d);
    snprintf(out, sizeof(out), "%s/o", d);
    /* a file an earlier replay could have left under a verdict's name goes */
    cr_assert_eq(mkdir(out, 0755), 0);
    r = cli_sh("echo stale > %s/redirect.pcap", out);
    out_free(&r);
    r = cli_cmd("prog run obj %s pcap examples/sample.pcap out %s", xdp_obj(), out);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stderr_, "");
    HAS(r.stdout_, "packet    1: len    54  retval 2 (XDP_PASS)\n");
    HAS(r.stdout_, "packet    5: len    71  retval 1 (XDP_DROP)\n    trace: ");
    HAS(r.stdout_, "bpf_trace_printk: drop DNS query from c0000207 port 33000, source blocked\n"
                   "    perf_event drops cpu 0 (12 bytes): c0 00 02 07 e8 80 01 00 00 00 00 00\n");
    HAS(r.stdout_, "bpf_trace_printk: blocked c0000207\n"
                   "    perf_event drops cpu 0 (12 bytes): c0 00 02 07 00 00 02 00 00 00 00 00\n");
    HAS(r.stdout_, "packet    7: len    74  retval 3 (XDP_TX)  changed: 5 02>01, 11 01>02, 26 cb>0a, ");
    HAS(r.stdout_, "packet   15: len     8  refused by the test run: data_in has 8 bytes of packet: less than an "
                   "Ethernet header (14)\n");
    HAS(r.stdout_, "packet   16: len    15  retval 0 (XDP_ABORTED)\n");
    HAS(r.stdout_, "Packets: 26, duration (average): ");
    HAS(r.stdout_, "Verdict              Packets       %       Bytes  Output\n");
    snprintf(row, sizeof(row), "XDP_TX                     2    7.7%%         148  %s/tx.pcap\n", out);
    HAS(r.stdout_, row);
    snprintf(row, sizeof(row), "XDP_DROP                   4   15.4%%         278  %s/drop.pcap\n", out);
    HAS(r.stdout_, row);
    snprintf(row, sizeof(row), "refused                    1    3.8%%           8  %s/refused.pcap\n", out);
    HAS(r.stdout_, row);
    HAS(r.stdout_, "total                     26  100.0%        3983\n");
    out_free(&r);
    cr_assert(exists(out, "pass.pcap") && exists(out, "drop.pcap") && exists(out, "tx.pcap") &&
              exists(out, "aborted.pcap") && exists(out, "refused.pcap"));
    cr_assert(!exists(out, "redirect.pcap"), "a stale output stayed");
    /* the outputs are captures: the two replies replayed pass */
    r = cli_cmd("prog run obj %s pcap %s/tx.pcap", xdp_obj(), out);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "packet    1: len    74  retval 2 (XDP_PASS)\npacket    2: len    74  retval 2 (XDP_PASS)\n");
    out_free(&r);
    rm_rf(d);
}

/* -j: JSON lines, one object a line, in the order things happen; the
 * summary last. */
Test(cli_pcap, json_lines_with_records_and_summary)
{
    struct out r;
    char *line, *save = NULL;
    int n = 0;

    r = cli_cmd("-j prog run obj %s pcap examples/sample.pcap", tc_obj());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    for (line = strtok_r(r.stdout_, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
        cr_assert(line[0] == '{' && line[strlen(line) - 1] == '}', "line %d is not an object: %s", n + 1, line);
        if (n == 0)
            cr_assert_str_eq(line, "{\"packet\":1,\"len\":54,\"retval\":0,\"verdict\":\"TC_ACT_OK\",\"len_out\":54,"
                                   "\"changed\":false}");
        if (strstr(line, "\"ringbuf\"")) /* TCP 10.0.0.3:50000 -> 10.0.0.2:23 */
            cr_assert(!strcmp(line, "{\"packet\":20,\"ringbuf\":\"bans\",\"data\":[10,0,0,3,10,0,0,2,80,195,23,0]}") ||
                          !strcmp(line, "{\"packet\":21,\"ringbuf\":\"bans\",\"data\":[10,0,0,4,192,0,2,50,81,195,23,"
                                        "0]}"),
                      "%s", line);
        if (strstr(line, "\"packet\":15,"))
            cr_assert_str_eq(line, "{\"packet\":15,\"len\":8,\"verdict\":\"refused\",\"error\":\"data_in has 8 bytes: "
                                   "less than an Ethernet header (14)\"}");
        if (strstr(line, "\"packet\":17,\"len\""))
            cr_assert_str_eq(line, "{\"packet\":17,\"len\":54,\"retval\":0,\"verdict\":\"TC_ACT_OK\",\"len_out\":54,"
                                   "\"changed\":true}");
        if (!strncmp(line, "{\"summary\":", 11)) {
            cr_assert_null(strtok_r(NULL, "\n", &save), "the summary is the last line");
            HAS(line, "{\"summary\":{\"packets\":26,\"bytes\":3983,\"duration\":");
            HAS(line, "\"verdicts\":[{\"verdict\":\"TC_ACT_UNSPEC\",\"retval\":4294967295,\"packets\":6,\"percent\":23.1,"
                      "\"bytes\":342,\"bytes_out\":342},{\"verdict\":\"TC_ACT_OK\",\"retval\":0,\"packets\":17,\"percent\":"
                      "65.4,\"bytes\":3525,\"bytes_out\":3525},{\"verdict\":\"TC_ACT_SHOT\",\"retval\":2,\"packets\":2,"
                      "\"percent\":7.7,\"bytes\":108,\"bytes_out\":108},{\"verdict\":\"refused\",\"packets\":1,"
                      "\"percent\":3.8,\"bytes\":8,\"bytes_out\":8}]}}");
            n = -1000; /* seen */
            break;
        }
    }
    cr_assert_lt(n, 0, "no summary line");
    out_free(&r);
    /* every line is a JSON document of its own */
    if (!system("command -v python3 >/dev/null 2>&1")) {
        r = cli_sh("%s -j prog run obj %s pcap examples/sample.pcap | python3 -c 'import json, sys\n"
                   "n = 0\nfor l in sys.stdin:\n    json.loads(l); n += 1\nprint(n)'",
                   cli_bin(), tc_obj());
        cr_assert_eq(r.status, 0, "%s", r.stderr_);
        cr_assert_str_eq(r.stdout_, "31\n"); /* 26 packets, 2 trace lines, 2 records, the summary */
        out_free(&r);
    }
    /* trace lines and perf event records of the firewall */
    r = cli_cmd("-j prog run obj %s pcap examples/sample.pcap", xdp_obj());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "\n{\"packet\":5,\"trace\":\"");
    HAS(r.stdout_, "bpf_trace_printk: drop DNS query from c0000207 port 33000, source blocked\"}\n"
                   "{\"packet\":5,\"perf_event\":\"drops\",\"cpu\":0,\"data\":[192,0,2,7,232,128,1,0,0,0,0,0]}\n"
                   "{\"packet\":6,\"len\":54,");
    HAS(r.stdout_, "{\"packet\":7,\"len\":74,\"retval\":3,\"verdict\":\"XDP_TX\",\"len_out\":74,\"changed\":true}\n");
    out_free(&r);
}

/* tc: the table's names (TC_ACT_UNSPEC is the u32 4294967295 a test run
 * reports), the translated packets' changed bytes, the ring buffer. */
Test(cli_pcap, tc_verdict_names)
{
    char d[64], row[256];
    struct out r;

    tmpdir(d);
    r = cli_cmd("prog run obj %s pcap examples/sample.pcap out %s", tc_obj(), d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "packet   10: len    58  retval 4294967295 (TC_ACT_UNSPEC)\n");
    /* 10.0.0.1 -> 198.51.100.1: the IP checksum, three address bytes, the TCP checksum */
    HAS(r.stdout_, "packet   17: len    54  retval 0 (TC_ACT_OK)  changed: 24-28 b3720a0000>933ec63364, 50-51 "
                   "ce22>adee\n");
    /* a UDP checksum of 0 stays 0 (BPF_F_MARK_MANGLED_0) */
    HAS(r.stdout_, "packet   19: len    53  retval 0 (TC_ACT_OK)  changed: 24-29 0a5a0a000008>ea2cc6336401\n");
    HAS(r.stdout_, "packet   20: len    54  retval 2 (TC_ACT_SHOT)\n    trace: ");
    HAS(r.stdout_, "telnet from a000003 to a000002 dropped\n"
                   "    ringbuf bans (12 bytes): 0a 00 00 03 0a 00 00 02 50 c3 17 00\n");
    snprintf(row, sizeof(row), "TC_ACT_UNSPEC              6   23.1%%         342  %s/unspec.pcap\n", d);
    HAS(r.stdout_, row);
    snprintf(row, sizeof(row), "TC_ACT_SHOT                2    7.7%%         108  %s/shot.pcap\n", d);
    HAS(r.stdout_, row);
    out_free(&r);
    cr_assert(exists(d, "ok.pcap") && exists(d, "shot.pcap") && exists(d, "unspec.pcap") &&
              exists(d, "refused.pcap") && !exists(d, "pass.pcap"));
    rm_rf(d);
}

Test(cli_pcap, errors)
{
    char d[64], f[128];
    struct out r;

    tmpdir(d);
    snprintf(f, sizeof(f), "%s/file", d);
    r = cli_sh("touch %s", f);
    out_free(&r);
    static const struct {
        const char *fmt, *msg;
    } errs[] = {
        {"prog run obj %s data_in examples/packet.bin out %s", "out DIR takes the packets of a pcap replay: it needs "
                                                               "pcap FILE"},
        {"prog run obj %s pcap examples/sample.pcap out %s", "output directory '%s' is not a directory"},
        {"prog run obj %s pcap /nonexistent.pcap out %s", "cannot read capture '/nonexistent.pcap'"},
        {"prog run obj %s pcap examples/packet.bin out %s", "cannot read capture 'examples/packet.bin'"},
        {"prog run obj %s pcap examples/sample.pcap repeat 5 out %s", "does not combine with data_in or repeat"},
    };
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        char msg[256];
        r = cli_cmd(errs[i].fmt, xdp_obj(), f);
        snprintf(msg, sizeof(msg), errs[i].msg, f);
        cr_expect_eq(r.status, 1, "'%s' should fail", errs[i].fmt);
        cr_expect(strstr(r.stderr_, msg) != NULL, "'%s': %s", errs[i].fmt, r.stderr_);
        cr_expect_str_eq(r.stdout_, "");
        out_free(&r);
    }
    rm_rf(d);
}

/* A long capture (4.5 MB, 3000 packets) draws a bar on stderr when it is a terminal
 * (script(1) gives the command one), never when it is not. */
Test(cli_pcap, progress_bar_on_a_terminal_only, .timeout = 120)
{
    char d[64], big[128];
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1};
    uint8_t rec[16 + 1514] = {0};
    FILE *f;
    struct out r;

    if (system("command -v script >/dev/null 2>&1"))
        cr_skip_test("script(1) (util-linux) is not installed: no terminal to give the command");
    tmpdir(d);
    snprintf(big, sizeof(big), "%s/big.pcap", d);
    f = fopen(big, "wb");
    cr_assert_not_null(f);
    fwrite(hdr, 1, sizeof(hdr), f);
    rec[8] = rec[12] = 1514 & 0xff;
    rec[9] = rec[13] = 1514 >> 8;
    rec[16 + 12] = 0x08; /* IPv4 ethertype, the rest zero: XDP_ABORTED (ihl 0) */
    for (int i = 0; i < 3000; i++)
        fwrite(rec, 1, sizeof(rec), f);
    fclose(f);
    r = cli_sh("script -qec '%s prog run obj %s pcap %s' /dev/null", cli_bin(), xdp_obj(), big);
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "\r[");
    HAS(r.stdout_, "] ");
    HAS(r.stdout_, " packets");
    HAS(r.stdout_, "\r\033[K");
    HAS(r.stdout_, "XDP_ABORTED             3000  100.0%");
    out_free(&r);
    r = cli_cmd("prog run obj %s pcap %s", xdp_obj(), big);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stderr_, "");
    HASNT(r.stdout_, "\r");
    out_free(&r);
    rm_rf(d);
}

/* Records a single test run left in a pinned ring buffer (a test run does
 * not read it) come before the replay's own, under "before the replay:". */
Test(cli_pcap, records_left_before_the_replay)
{
    char d[64], pkt[128];
    struct test_pkt *in;
    struct out r;
    FILE *f;
    int n = test_pcap_read("examples/sample.pcap", &in);

    cr_assert_gt(n, 20);
    tmpdir(d);
    snprintf(pkt, sizeof(pkt), "%s/telnet.bin", d); /* packet 20: 10.0.0.3:50000 -> 10.0.0.2:23 */
    f = fopen(pkt, "wb");
    cr_assert_not_null(f);
    fwrite(in[19].data, 1, in[19].len, f);
    fclose(f);
    test_pcap_free(in, n);
    r = cli_sh("export BPFRT_FS=%s; %s prog loadall %s %s/p pinmaps %s/m && %s prog run pinned %s/p/tc_nat data_in %s "
               "&& %s prog run pinned %s/p/tc_nat pcap examples/sample.pcap",
               d, cli_bin(), tc_obj(), d, d, cli_bin(), d, pkt, cli_bin(), d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "Return value: 2, duration: ");
    HAS(r.stdout_, "before the replay:\n    ringbuf bans (12 bytes): 0a 00 00 03 0a 00 00 02 50 c3 17 00\npacket    1: ");
    HAS(r.stdout_, "packet   20: len    54  retval 2 (TC_ACT_SHOT)\n");
    out_free(&r);
    rm_rf(d);
}

/* A run that writes more perf samples than the slot's ring holds (64 KiB;
 * 256 bytes a sample with its header): what fits is read, the rest is
 * counted lost, as PERF_RECORD_LOST reports it to a perf_buffer reader. */
Test(cli_pcap, perf_samples_lost)
{
    const char *o = test_bpf_build("tests/data/bpf/testrun_out.c", "build/tests/cli_pcap", "testrun_out", "");
    struct out r;
    char *p;
    int n = 0;

    r = cli_cmd("-j prog run obj %s prog flood pcap examples/sample.pcap", o);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    for (p = strstr(r.stdout_, "{\"packet\":1,\"perf_event\":\"samples\",\"cpu\":0,\"data\":["); p;
         p = strstr(p + 1, "{\"packet\":1,\"perf_event\":\"samples\",\"cpu\":0,\"data\":["))
        n++;
    /* 65536 / (8 + 4 + 252 = 264, the record) = 248 samples fit */
    cr_assert_eq(n, 248, "%d samples of packet 1 read", n);
    HAS(r.stdout_, "{\"packet\":1,\"perf_event\":\"samples\",\"cpu\":0,\"lost\":52}\n");
    out_free(&r);
    r = cli_cmd("prog run obj %s prog flood pcap examples/sample.pcap", o);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "    perf_event samples cpu 0: 52 samples lost\npacket    2: ");
    out_free(&r);
}
