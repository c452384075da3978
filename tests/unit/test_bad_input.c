/* test_bad_input.c - bad input to the pcap replay, through the library
 * (bpfrt_prog__run_pcap) and the command (`bpfrt prog run OBJ pcap F`,
 * `prog run OBJ data_in F [ctx_in F]`): each gives the kernel's error or
 * a clear message naming the file and the packet, never a crash (suite
 * bad_input).
 *
 *  - Packets the kernel's test run refuses, inside a capture: empty,
 *    shorter than an Ethernet header, an IPv4 packet shorter than its
 *    header (tc), longer than the test run's buffer (tc), longer than an
 *    XDP packet's first buffer and 17 page fragments
 *    (net/bpf/test_run.c: bpf_test_init, bpf_prog_test_run_xdp,
 *    bpf_prog_test_run_skb).  Each packet's outcome is compared with the
 *    running kernel's BPF_PROG_TEST_RUN of the same program on the same
 *    bytes (libbpf's bpf_prog_test_run_opts), and through the command's
 *    kernel_diff with the demo's programs; skipped where bpf() is
 *    unavailable.
 *  - Truncated captures (file header cut, record header cut, record cut
 *    mid-packet) and corrupt ones (bad magic, snaplen 0, caplen larger
 *    than the snaplen and than libpcap's maximum, pcapng blocks whose
 *    length is not a multiple of 4, shorter than a block, longer than the
 *    file): libpcap's verdict (pcap_open_offline, pcap_next_ex: the
 *    reader tcpdump uses), with the file and the packet named.
 *  - The command: the same captures and a data_in shorter than an
 *    Ethernet header, empty, oversized, a ctx_in with a field the kernel
 *    refuses: exit status 1 and the reason, never a signal.
 *
 * The test run's rules for single runs without a capture are compared
 * with the kernel in tests/kernel-diff/test_testrun_diff.c and
 * test_skb_ctx_diff.c (sizes_and_errors, ctx_in_every_byte). */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"
#include "insns.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "expected \"%s\" in:\n%s", (sub), (s))

/* ------------------------------------------------------------ captures */

struct buf {
    uint8_t *p;
    size_t n;
};

static void put(struct buf *b, const void *d, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    cr_assert_not_null(b->p);
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
    put(b, &v, 4); /* little endian: the host's (x86-64, arm64) */
}

/* pcap file header (libpcap's savefile format, version 2.4, Ethernet) */
static void pcap_hdr_link(struct buf *b, uint32_t magic, uint32_t snaplen, uint32_t linktype)
{
    uint16_t ver[2] = {2, 4};
    put32(b, magic);
    put(b, ver, 4);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, linktype);
}

static void pcap_hdr(struct buf *b, uint32_t magic, uint32_t snaplen)
{
    pcap_hdr_link(b, magic, snaplen, 1);
}

/* An IPv4/UDP packet of len bytes (its first min(len, 42) bytes are
 * headers, the rest a pattern). */
static void packet(uint8_t *p, uint32_t len)
{
    static const uint8_t hdr[42] = {2, 0,  0,  0, 0, 2,  2, 0, 0, 0,  0, 1, 8, 0,    0x45, 0, 0,  28, 0, 0, 0x40,
                                    0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0,  8, 0, 0};
    for (uint32_t i = 0; i < len; i++)
        p[i] = i < sizeof(hdr) ? hdr[i] : (uint8_t)(i * 7);
}

/* One record: caplen bytes of a packet, len on the wire. */
static void pcap_rec(struct buf *b, uint32_t caplen, uint32_t len)
{
    uint8_t *p = malloc(caplen + 1);
    cr_assert_not_null(p);
    put32(b, 1700000000);
    put32(b, 0);
    put32(b, caplen);
    put32(b, len);
    packet(p, caplen);
    put(b, p, caplen);
    free(p);
}

/* pcapng: a block of type t with body (padded to 4), its length at both
 * ends (total_len: the length written in the header, 0 for the true one) */
static void ng_block(struct buf *b, uint32_t t, const void *body, uint32_t n, uint32_t total_len)
{
    static const uint8_t pad[4];
    uint32_t len = 12 + ((n + 3) & ~3u);

    put32(b, t);
    put32(b, total_len ? total_len : len);
    put(b, body, n);
    put(b, pad, ((n + 3) & ~3u) - n);
    put32(b, len);
}

static void ng_head(struct buf *b)
{
    uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t idb[8] = {1, 0, 0, 0, 0xff, 0xff, 0, 0}; /* Ethernet, snaplen 65535 */
    ng_block(b, 0x0a0d0d0a, shb, sizeof(shb), 0);
    ng_block(b, 1, idb, sizeof(idb), 0);
}

/* An enhanced packet block of a len-byte packet. */
static void ng_epb(struct buf *b, uint32_t len, uint32_t total_len)
{
    uint8_t *body = calloc(1, 20 + len + 1);
    cr_assert_not_null(body);
    memcpy(body + 12, &len, 4);
    memcpy(body + 16, &len, 4);
    packet(body + 20, len);
    ng_block(b, 6, body, 20 + len, total_len);
    free(body);
}

static char tmpd[64];

static void setup(void)
{
    strcpy(tmpd, "/tmp/bpfrt-badin-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpd));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpd);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(bad_input, .init = setup, .fini = teardown, .timeout = 120);

/* Write b to tmpd/name; returns the path (one static buffer per slot). */
static const char *save(const struct buf *b, const char *name)
{
    static char paths[4][160];
    static int next;
    char *path = paths[next++ % 4];
    FILE *f;

    snprintf(path, 160, "%s/%s", tmpd, name);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b->p, 1, b->n, f), b->n);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* ------------------------------------------------------------ programs */

static const struct bpf_insn xdp_insns[] = {INSN_MOV64_IMM(0, XDP_PASS), INSN_EXIT()};
static const struct bpf_insn tc_insns[] = {INSN_MOV64_IMM(0, 0 /* TC_ACT_OK */), INSN_EXIT()};

struct ptype {
    const char *name;
    enum bpf_prog_type type;
    uint32_t flags;
    const struct bpf_insn *insns;
};

static const struct ptype ptypes[] = {
    {"xdp", BPF_PROG_TYPE_XDP, 0, xdp_insns},
    {"xdp.frags", BPF_PROG_TYPE_XDP, BPF_F_XDP_HAS_FRAGS, xdp_insns},
    {"tc", BPF_PROG_TYPE_SCHED_CLS, 0, tc_insns},
};

static struct bpfrt_prog *load(const struct ptype *t)
{
    struct bpfrt_prog *prog = NULL;
    char log[512] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = t->type, .name = "bad", .license = "GPL", .log_buf = log,
               .log_size = sizeof(log), .prog_flags = t->flags);
    cr_assert_eq(bpfrt_prog__load_insns(t->insns, 2, &o, &prog), 0, "%s: %s", t->name, log);
    return prog;
}

/* ------------------------------------------------- refused packets */

/* Packet lengths around each limit of the kernel's test run: an Ethernet
 * header (14), an IPv4 header after it (34, tc), one buffer (XDP: 4096
 * less XDP_PACKET_HEADROOM and skb_shared_info, 3520; skb: 4096 less
 * NET_SKB_PAD and skb_shared_info, 3712), 17 page fragments after the
 * buffer (xdp.frags: 3520 + 17 * 4096 = 73152). */
static const uint32_t lens[] = {0, 1, 13, 14, 20, 33, 34, 60, 3520, 3521, 3712, 3713, 9000, 73152, 73153};
#define NLENS (sizeof(lens) / sizeof(lens[0]))

struct seen {
    uint32_t n;
    int err[NLENS];
    uint32_t len_out[NLENS];
    char msg[NLENS][160];
};

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct seen *s = ctx;

    cr_assert_lt(s->n, NLENS);
    cr_assert_eq(pkt->nr, s->n + 1);
    cr_assert_eq(pkt->len_in, lens[s->n]);
    s->err[s->n] = pkt->err;
    s->len_out[s->n] = pkt->len;
    snprintf(s->msg[s->n], sizeof(s->msg[0]), "%s", pkt->err_msg ? pkt->err_msg : "");
    s->n++;
    return 0;
}

/* Replay lens[] (as from packet i on, when the replay stops at one) through
 * type t; returns the replay's error, its log in log. */
static int replay_lens(const struct ptype *t, struct seen *s, char *log, size_t logsz)
{
    struct buf b = {0};
    struct bpfrt_prog *prog = load(t);
    int err;

    pcap_hdr(&b, 0xa1b2c3d4, 262144);
    for (size_t i = 0; i < NLENS; i++)
        pcap_rec(&b, lens[i], lens[i]);
    memset(s, 0, sizeof(*s));
    {
        BPFRT_OPTS(bpfrt_pcap_run_opts, o, .packet_fn = on_packet, .ctx = s, .log_buf = log, .log_size = logsz);
        err = bpfrt_prog__run_pcap(prog, save(&b, "lens.pcap"), &o);
        cr_assert_eq(o.packets, s->n);
        {
            uint64_t refused = 0;
            for (uint32_t i = 0; i < s->n; i++)
                refused += s->err[i] != 0;
            cr_assert_eq(o.refused, refused);
        }
    }
    bpfrt_prog__free(prog);
    free(b.p);
    return err;
}

/* The kernel's outcome for one packet through the same instructions:
 * 0 or -errno. */
static int kernel_run(int fd, uint32_t len)
{
    static uint8_t in[80000], out[80000 + 8192];
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = len ? in : NULL, .data_size_in = len, .data_out = out,
                .data_size_out = sizeof(out));
    packet(in, len);
    return bpf_prog_test_run_opts(fd, &o) ? -errno : 0;
}

static int kernel_load(const struct ptype *t)
{
    LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_flags = t->flags);
    int fd = bpf_prog_load(t->type, "bad", "GPL", (const struct bpf_insn *)t->insns, 2, &o);

    if (fd < 0)
        cr_skip_test("kernel bpf() unavailable (%s): no kernel to compare the refusals with", strerror(errno));
    return fd;
}

/* Every packet of the capture through XDP, multi-buffer XDP and tc: the
 * packets the running kernel's test run refuses are the ones bpfrt
 * refuses, with the kernel's errno; the replay goes on after them
 * (-EINVAL), and stops at the first packet the kernel fails with -ENOMEM
 * (more fragments than MAX_SKB_FRAGS: bpf_prog_test_run_xdp), naming the
 * packet and the file. */
Test(bad_input, refused_packets_as_the_kernel)
{
    for (size_t k = 0; k < sizeof(ptypes) / sizeof(ptypes[0]); k++) {
        const struct ptype *t = &ptypes[k];
        int fd = kernel_load(t);
        struct seen s;
        char log[512] = "";
        int err = replay_lens(t, &s, log, sizeof(log));
        size_t i;

        for (i = 0; i < NLENS; i++) {
            int kerr = kernel_run(fd, lens[i]);
            if (i >= s.n) {
                /* the replay stopped here: the kernel's error for it */
                cr_expect_eq(err, kerr, "%s, %u bytes: replay %d, kernel %d (%s)", t->name, lens[i], err, kerr, log);
                cr_expect_neq(kerr, -EINVAL, "%s: stopped at a packet the kernel refuses with -EINVAL", t->name);
                break;
            }
            cr_expect_eq(s.err[i], kerr, "%s, %u bytes: bpfrt %d (%s), kernel %d", t->name, lens[i], s.err[i], s.msg[i],
                         kerr);
            if (s.err[i]) /* refused: the packet comes back as it came, with the reason */
                cr_expect(s.len_out[i] == lens[i] && s.msg[i][0], "%s, %u bytes", t->name, lens[i]);
        }
        if (i == NLENS)
            cr_expect_eq(err, 0, "%s: %s", t->name, log);
        close(fd);
    }
}

/* The same without a kernel, from the rules of net/bpf/test_run.c: what
 * each type refuses, the reason given, and an XDP replay (with or without
 * BPF_F_XDP_HAS_FRAGS: bpf_prog_test_run_xdp does not look at the flag)
 * stopping at the 73,153-byte packet (-ENOMEM: more than MAX_SKB_FRAGS
 * fragments) with the packet and the file named. */
Test(bad_input, refused_packets_and_reasons)
{
    char log[512];
    struct seen s;

    /* XDP: shorter than an Ethernet header; past the first buffer the
     * packet goes on in page fragments, 17 of them at most */
    for (size_t k = 0; k < 2; k++) {
        cr_assert_eq(replay_lens(&ptypes[k], &s, log, sizeof(log)), -ENOMEM, "%s: %s", ptypes[k].name, log);
        cr_assert_eq(s.n, NLENS - 1);
        for (size_t i = 0; i + 1 < NLENS; i++)
            cr_expect_eq(s.err[i], lens[i] < 14 ? -EINVAL : 0, "%s, %u bytes: %d", ptypes[k].name, lens[i], s.err[i]);
        HAS(s.msg[0], "less than an Ethernet header");
        HAS(log, "packet 15 of '");
        HAS(log, "/lens.pcap'");
        HAS(log, "73153 bytes");
    }
    /* tc: an IPv4 packet needs its header too; at most 3712 bytes */
    cr_assert_eq(replay_lens(&ptypes[2], &s, log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(s.n, NLENS);
    for (size_t i = 0; i < NLENS; i++)
        cr_expect_eq(s.err[i], lens[i] < 34 || lens[i] > 3712 ? -EINVAL : 0, "tc, %u bytes: %d", lens[i], s.err[i]);
    HAS(s.msg[NLENS - 1], "3712");
}

/* -------------------------------------------- truncated and corrupt files */

enum { OPEN_FAILS, READ_FAILS, READS };

struct capcase {
    const char *name;
    int outcome;
    uint64_t packets;   /* that ran before the failure (READS: in all) */
    const char *reason; /* in the message (libpcap's words) */
    uint32_t len_first; /* READS: the first packet's captured bytes */
};

/* Each case's file. */
static void build(const char *name, struct buf *b)
{
    if (!strcmp(name, "empty_file")) {
        put(b, "", 0);
    } else if (!strcmp(name, "header_cut")) {
        pcap_hdr(b, 0xa1b2c3d4, 65535);
        b->n = 13;
    } else if (!strcmp(name, "bad_magic")) {
        pcap_hdr(b, 0xdeadbeef, 65535);
        pcap_rec(b, 60, 60);
    } else if (!strcmp(name, "record_header_cut")) {
        pcap_hdr(b, 0xa1b2c3d4, 65535);
        pcap_rec(b, 60, 60);
        pcap_rec(b, 60, 60);
        pcap_rec(b, 60, 60);
        b->n -= 60 + 9; /* 7 bytes of the third record's header */
    } else if (!strcmp(name, "record_cut_mid_packet")) {
        pcap_hdr(b, 0xa1b2c3d4, 65535);
        pcap_rec(b, 60, 60);
        pcap_rec(b, 60, 60);
        b->n -= 25;
    } else if (!strcmp(name, "snaplen_0")) {
        pcap_hdr(b, 0xa1b2c3d4, 0);
        pcap_rec(b, 60, 60);
        pcap_rec(b, 60, 60);
    } else if (!strcmp(name, "caplen_over_snaplen")) {
        pcap_hdr(b, 0xa1b2c3d4, 64);
        pcap_rec(b, 100, 100);
        pcap_rec(b, 60, 60);
    } else if (!strcmp(name, "caplen_over_maximum")) {
        pcap_hdr(b, 0xa1b2c3d4, 65535);
        pcap_rec(b, 60, 60);
        put32(b, 1700000000), put32(b, 0), put32(b, 0x7ffffff0), put32(b, 0x7ffffff0);
        put(b, "0123456789", 10);
    } else if (!strcmp(name, "pcapng_shb_length_not_multiple_of_4")) {
        ng_head(b);
        ng_epb(b, 60, 0);
        b->p[4] += 1;
    } else if (!strcmp(name, "pcapng_epb_length_not_multiple_of_4")) {
        ng_head(b);
        ng_epb(b, 60, 0);
        ng_epb(b, 60, 12 + 20 + 60 + 2);
    } else if (!strcmp(name, "pcapng_epb_length_shorter_than_a_block")) {
        ng_head(b);
        ng_epb(b, 60, 0);
        ng_epb(b, 60, 8);
    } else if (!strcmp(name, "pcapng_epb_length_past_the_file")) {
        ng_head(b);
        ng_epb(b, 60, 0);
        ng_epb(b, 60, 4096);
    } else if (!strcmp(name, "pcapng_cut")) {
        ng_head(b);
        ng_epb(b, 60, 0);
        ng_epb(b, 60, 0);
        b->n -= 30;
    } else {
        cr_assert_fail("no case %s", name);
    }
}

static const struct capcase capcases[] = {
    {"empty_file", OPEN_FAILS, 0, "truncated dump file", 0},
    {"header_cut", OPEN_FAILS, 0, "truncated dump file", 0},
    {"bad_magic", OPEN_FAILS, 0, "unknown file format", 0},
    {"record_header_cut", READ_FAILS, 2, "truncated dump file; tried to read 16 header bytes, only got 7", 0},
    {"record_cut_mid_packet", READ_FAILS, 1, "truncated dump file; tried to read 60 captured bytes, only got 35", 0},
    /* libpcap takes snaplen 0 as the link type's maximum (sf-pcap.c:
     * pcap_check_header), as tcpdump reads such files */
    {"snaplen_0", READS, 2, NULL, 60},
    /* a record longer than the snap length, within the maximum: libpcap
     * keeps snaplen bytes and skips the rest (sf-pcap.c: pcap_next_packet) */
    {"caplen_over_snaplen", READS, 2, NULL, 64},
    /* a record longer than libpcap's maximum (262144): refused with the
     * snap length in the message (sf-pcap.c: pcap_next_packet) */
    {"caplen_over_maximum", READ_FAILS, 1, "invalid packet capture length 2147483632, bigger than snaplen of 65535", 0},
    /* libpcap reads an odd section header length as a truncated file
     * (sf-pcapng.c: pcap_ng_check_header) */
    {"pcapng_shb_length_not_multiple_of_4", OPEN_FAILS, 0, "truncated pcapng dump file", 0},
    {"pcapng_epb_length_not_multiple_of_4", READ_FAILS, 1,
     "block in pcapng dump file has a length of 94 that is not a multiple of 4", 0},
    {"pcapng_epb_length_shorter_than_a_block", READ_FAILS, 1, "block in pcapng dump file has a length of 8 < 12", 0},
    {"pcapng_epb_length_past_the_file", READ_FAILS, 1, "truncated", 0},
    {"pcapng_cut", READ_FAILS, 1, "truncated", 0},
};

/* Through the library: the packets before the damage run; the error is
 * -EINVAL when the capture cannot be opened (the file named), -EIO when a
 * packet cannot be read (the file and the packet's number named), with
 * libpcap's reason. */
Test(bad_input, truncated_and_corrupt_captures_library)
{
    struct bpfrt_prog *prog = load(&ptypes[0]);

    for (size_t i = 0; i < sizeof(capcases) / sizeof(capcases[0]); i++) {
        const struct capcase *c = &capcases[i];
        struct buf b = {0};
        char log[512] = "", want[256];
        const char *path;
        int err;
        BPFRT_OPTS(bpfrt_pcap_run_opts, o, .log_buf = log, .log_size = sizeof(log));

        build(c->name, &b);
        path = save(&b, c->name);
        err = bpfrt_prog__run_pcap(prog, path, &o);
        switch (c->outcome) {
        case OPEN_FAILS:
            cr_expect_eq(err, -EINVAL, "%s: %d %s", c->name, err, log);
            cr_expect_eq(o.failed_stage, BPFRT_PCAP_OPEN, "%s", c->name);
            snprintf(want, sizeof(want), "cannot read capture '%s': ", path);
            break;
        case READ_FAILS:
            cr_expect_eq(err, -EIO, "%s: %d %s", c->name, err, log);
            cr_expect_eq(o.failed_stage, BPFRT_PCAP_READ, "%s", c->name);
            snprintf(want, sizeof(want), "capture '%s': packet %llu cannot be read: ", path,
                     (unsigned long long)c->packets + 1);
            break;
        default:
            cr_expect_eq(err, 0, "%s: %d %s", c->name, err, log);
            cr_expect_eq(o.verdicts[0].bytes, c->len_first + 60ull, "%s", c->name);
            want[0] = 0;
        }
        cr_expect_eq(o.packets, c->packets, "%s: %llu packets", c->name, (unsigned long long)o.packets);
        cr_expect(strstr(log, want) != NULL, "%s: expected \"%s\" in \"%s\"", c->name, want, log);
        if (c->reason)
            cr_expect(strstr(log, c->reason) != NULL, "%s: expected \"%s\" in \"%s\"", c->name, c->reason, log);
        free(b.p);
    }
    bpfrt_prog__free(prog);
}

/* A link type libpcap reads but cannot write (1025): with an output
 * directory the first packet runs and its output cannot be written; the
 * message named the output file only (tests/fuzz/fuzz_pcap.c found it),
 * now the packet and the capture too. */
Test(bad_input, unwritable_link_type_names_packet_and_capture)
{
    struct bpfrt_prog *prog = load(&ptypes[0]);
    struct buf b = {0};
    char log[1024] = "", want[256], out[128];
    const char *path;
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .log_buf = log, .log_size = sizeof(log), .out_dir = out);

    snprintf(out, sizeof(out), "%s/out", tmpd);
    pcap_hdr_link(&b, 0xa1b2c3d4, 65535, 1025);
    pcap_rec(&b, 60, 60);
    pcap_rec(&b, 60, 60);
    path = save(&b, "link1025.pcap");
    cr_assert_eq(bpfrt_prog__run_pcap(prog, path, &o), -EIO, "%s", log);
    cr_expect_eq(o.failed_stage, BPFRT_PCAP_WRITE);
    cr_expect_eq(o.packets, 1);
    snprintf(want, sizeof(want), "packet 1 of '%s': cannot write '%s/pass.pcap': ", path, out);
    HAS(log, want);
    HAS(log, "1025");
    free(b.p);
    bpfrt_prog__free(prog);
}

/* ------------------------------------------------------------ the command */

static const char *xdp_obj(void)
{
    return test_bpf_build("examples/xdp_fw.c", "build/tests/bad_input", "xdp_fw", "");
}

/* `prog run OBJ pcap F` on every damaged capture, with the demo's
 * firewall: status 1 (never a signal), the file and the packet named on
 * stderr, the packets before the damage printed; the readable ones run. */
Test(bad_input, truncated_and_corrupt_captures_command)
{
    const char *obj = xdp_obj();

    for (size_t i = 0; i < sizeof(capcases) / sizeof(capcases[0]); i++) {
        const struct capcase *c = &capcases[i];
        struct buf b = {0};
        char want[256];
        const char *path;
        struct out r;

        build(c->name, &b);
        path = save(&b, c->name);
        r = cli_sh("%s prog run obj %s pcap %s", cli_bin(), obj, path);
        if (c->outcome == READS) {
            cr_expect_eq(r.status, 0, "%s: %s", c->name, r.stderr_);
            cr_expect(strstr(r.stdout_, "packet    2:") != NULL, "%s: %s", c->name, r.stdout_);
        } else {
            cr_expect_eq(r.status, 1, "%s: status %d\n%s", c->name, r.status, r.stderr_);
            if (c->outcome == OPEN_FAILS)
                snprintf(want, sizeof(want), "cannot read capture '%s': ", path);
            else
                snprintf(want, sizeof(want), "capture '%s': packet %llu cannot be read: %s", path,
                         (unsigned long long)c->packets + 1, c->reason);
            cr_expect(strstr(r.stderr_, want) != NULL, "%s: expected \"%s\" in:\n%s", c->name, want, r.stderr_);
            for (uint64_t p = 1; p <= c->packets; p++) {
                char line[32];
                snprintf(line, sizeof(line), "packet %4llu:", (unsigned long long)p);
                cr_expect(strstr(r.stdout_, line) != NULL, "%s: %s missing:\n%s", c->name, line, r.stdout_);
            }
        }
        out_free(&r);
        free(b.p);
    }
}

/* `prog run OBJ data_in F`: a packet shorter than an Ethernet header, an
 * empty one, one longer than the test run takes (XDP: the first buffer of
 * 3520 bytes and 17 page fragments, -ENOMEM past them; tc: 3712), a ctx_in with a field the kernel refuses in a test
 * run (xdp_convert_md_to_buff: egress_ifindex; convert___skb_to_skb: len): status 1 with the reason, for the demo's XDP
 * and tc programs. */
Test(bad_input, data_in_and_ctx_in_command)
{
    const char *objs[2];
    static uint8_t pkt[80000];
    struct xdp_md md = {.data_end = 60, .egress_ifindex = 1};
    struct __sk_buff skb = {.len = 60};
    static const struct {
        int tc;
        const char *file;
        uint32_t len;
        const char *ctx, *msg;
    } cases[] = {
        {0, "runt.bin", 13, NULL, "Ethernet"},
        {1, "runt.bin", 13, NULL, "Ethernet"},
        {0, "empty.bin", 0, NULL, "Ethernet"},
        {1, "empty.bin", 0, NULL, "Ethernet"},
        {0, "huge.bin", 73153, NULL, "17 page fragments"},
        {1, "big.bin", 3713, NULL, "3713"},
        {0, "ok.bin", 60, "md.bin", "egress_ifindex"},
        {1, "ok.bin", 60, "skb.bin", "len"},
    };
    struct buf m = {0};

    objs[0] = strdup(xdp_obj());
    objs[1] = strdup(test_bpf_build("examples/tc_nat.c", "build/tests/bad_input", "tc_nat", ""));
    packet(pkt, sizeof(pkt));
    put(&m, &md, sizeof(md));
    save(&m, "md.bin");
    m.n = 0;
    put(&m, &skb, sizeof(skb));
    save(&m, "skb.bin");
    free(m.p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *obj = objs[cases[i].tc];
        struct buf b = {0};
        struct out r;

        put(&b, pkt, cases[i].len);
        save(&b, cases[i].file);
        free(b.p);
        if (cases[i].ctx)
            r = cli_sh("%s prog run obj %s data_in %s/%s ctx_in %s/%s", cli_bin(), obj, tmpd, cases[i].file, tmpd,
                       cases[i].ctx);
        else
            r = cli_sh("%s prog run obj %s data_in %s/%s", cli_bin(), obj, tmpd, cases[i].file);
        cr_expect_eq(r.status, 1, "%s: status %d\n%s", cases[i].file, r.status, r.stderr_);
        cr_expect(strstr(r.stderr_, cases[i].msg) != NULL, "%s: expected \"%s\" in:\n%s", cases[i].file, cases[i].msg,
                  r.stderr_);
        out_free(&r);
    }
    free((void *)objs[0]);
    free((void *)objs[1]);
}

/* `prog run OBJ pcap F kernel_diff` over the packets of every size above
 * (up to the largest an XDP test run takes), for the demo's XDP and tc
 * programs: the running kernel's test run refuses the same packets and
 * gives the same results for the others.  Skipped where bpf() is
 * unavailable. */
Test(bad_input, refused_packets_kernel_diff_command)
{
    const char *objs[2];
    struct buf b = {0};
    const char *path;

    close(kernel_load(&ptypes[0]));
    objs[0] = strdup(xdp_obj());
    objs[1] = strdup(test_bpf_build("examples/tc_nat.c", "build/tests/bad_input", "tc_nat", ""));
    pcap_hdr(&b, 0xa1b2c3d4, 262144);
    for (size_t i = 0; i + 1 < NLENS; i++)
        pcap_rec(&b, lens[i], lens[i]);
    path = save(&b, "kdiff.pcap");
    for (int k = 0; k < 2; k++) {
        struct out r = cli_sh("%s prog run obj %s pcap %s kernel_diff", cli_bin(), objs[k], path);
        cr_expect_eq(r.status, 0, "%s: status %d\n%s", objs[k], r.status, r.stderr_);
        cr_expect(strstr(r.stdout_, "kernel_diff: bpfrt and the kernel agree (14 packets") != NULL, "%s:\n%s%s",
                  objs[k], r.stdout_, r.stderr_);
        out_free(&r);
    }
    free(b.p);
    free((void *)objs[0]);
    free((void *)objs[1]);
}
