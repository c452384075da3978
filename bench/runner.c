/* runner.c - runs each benchmark program three ways on the same packet and
 * prints what each costs:
 *
 *   bpfrt   the program's raw entry (r1 = packet, r2 = length), taken from
 *           the BPF object without loading it in the kernel, loaded with
 *           bpfrt_prog__load_insns() and run with bpfrt_prog__run(repeat):
 *           duration_ns is the mean; one more run in checked mode counts the
 *           instructions executed;
 *   kernel  the program's XDP entry, loaded with libbpf and run with
 *           BPF_PROG_TEST_RUN(repeat): the kernel reports the mean duration
 *           (JIT-compiled when net.core.bpf_jit_enable is 1);
 *   native  the same work function compiled with the host compiler, called
 *           in a timed loop.
 *
 * The three results must agree (the XDP entry returns the 64-bit result
 * folded to 32 bits, the kernel's retval width), on the timed packet and on
 * a set of untimed variants (the packet cut at each header boundary, QinQ,
 * IPv6 with extension headers, fragments, ...).  Each side runs `trials`
 * times and the best mean is kept.  Without bpf() the kernel column is
 * reported as unavailable.  Exit status 1 when anything failed or differed.
 *
 * Usage: runner [-j] [-r repeat] [-t trials] [-T ms] [-c cpu] [-o objdir] [-w file] [-v] [prog...]
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_common.h"
#include "bpfrt/bpfrt.h"

#ifndef BENCH_OBJDIR
#define BENCH_OBJDIR "build"
#endif

#define PKT_LEN 1500

/* The work functions compiled natively from the same sources (progs/). */
uint64_t bench_native_csum(const uint8_t *data, size_t len);
uint64_t bench_native_fnv1a(const uint8_t *data, size_t len);
uint64_t bench_native_parse(const uint8_t *data, size_t len);

struct bench {
    const char *name;
    const char *what;
    uint64_t (*native)(const uint8_t *data, size_t len);
};

static const struct bench benches[] = {
    {"csum", "internet checksum (RFC 1071), 16 bits a step", bench_native_csum},
    {"fnv1a", "FNV-1a 64-bit hash, a byte a step", bench_native_fnv1a},
    {"parse", "Ethernet/VLAN/IPv4|IPv6/TCP|UDP parser, rules, flow hash", bench_native_parse},
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

enum { ST_OK, ST_UNAVAIL, ST_ERR };

struct result {
    const struct bench *b;
    size_t insns_static; /* instructions of the raw entry */
    uint64_t insns_exec; /* executed by one bpfrt run */
    double bpfrt_ns, kernel_ns, native_ns, jit_ns;
    uint32_t bpfrt_repeat, kernel_repeat, native_repeat;
    int bpfrt_st, kernel_st, jit_st;
    uint32_t jit_repeat;
    uint64_t bpfrt_ret, native_ret;
    uint32_t kernel_ret;
    bool agree;
    unsigned mismatches; /* on the packet variants */
    char mismatch[256];  /* the first one */
    char bpfrt_err[512], kernel_err[512], jit_err[512];
};

static struct {
    bool json;
    struct bench_timing t;
    int cpu;
    const char *objdir;
    const char *dump; /* -w: write the packet here */
} cfg = {.t = {.trials = 3, .target_ms = 200}, .cpu = -1, .objdir = BENCH_OBJDIR};

static uint8_t packet[PKT_LEN];

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t fold32(uint64_t r)
{
    return (uint32_t)(r ^ (r >> 32));
}

/* ---- the packet: 802.1Q-tagged TCP/IPv4, 1500 bytes on the wire ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t fold16(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void build_packet(uint8_t *pkt)
{
    static const uint8_t dst[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};
    static const uint8_t src[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    uint8_t *ip = pkt + 18, *tcp = ip + 20, *payload = tcp + 32;
    size_t ip_len = PKT_LEN - 18, tcp_len = ip_len - 20;
    uint32_t x = 0x2545f491u, sum;

    memset(pkt, 0, PKT_LEN);
    /* Ethernet, then an 802.1Q tag: PCP 0, VLAN 100 */
    memcpy(pkt, dst, 6);
    memcpy(pkt + 6, src, 6);
    put16(pkt + 12, 0x8100);
    put16(pkt + 14, 100);
    put16(pkt + 16, 0x0800);
    /* IPv4: 10.1.0.1 -> 10.2.0.2, DF, TTL 64, TCP */
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)ip_len);
    put16(ip + 4, 0x1c46);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, 0x0a010001);
    put32(ip + 16, 0x0a020002);
    put16(ip + 10, fold16(sum16(ip, 20, 0)));
    /* TCP: 43210 -> 443, ACK|PSH, 12 bytes of options (NOP NOP timestamps) */
    put16(tcp, 43210);
    put16(tcp + 2, 443);
    put32(tcp + 4, 0x3b9aca07);
    put32(tcp + 8, 0x0bebc201);
    tcp[12] = 8 << 4;
    tcp[13] = 0x18;
    put16(tcp + 14, 502);
    tcp[20] = 1;
    tcp[21] = 1;
    tcp[22] = 8;
    tcp[23] = 10;
    put32(tcp + 24, 0x00c0ffee);
    put32(tcp + 28, 0x00decade);
    /* payload: a fixed xorshift sequence */
    for (uint8_t *p = payload; p < pkt + PKT_LEN; p++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *p = (uint8_t)x;
    }
    /* TCP checksum over the pseudo header and the segment */
    sum = sum16(ip + 12, 8, 0) + 6 + (uint32_t)tcp_len;
    put16(tcp + 16, fold16(sum16(tcp, tcp_len, sum)));
}

/* ---- packet variants: the timed packet cut short at every header
 * boundary, and other shapes that take the parser's other branches.  Each
 * is run once on every side (not timed) and the results must agree. ---- */

#define MAX_VARIANTS 32

struct variant {
    char name[40];
    uint8_t buf[PKT_LEN];
    size_t len;
};

static struct variant variants[MAX_VARIANTS];
static size_t nvariants;

static uint8_t *l2_header(uint8_t *p, uint16_t outer_tpid, uint16_t outer_tci, uint16_t inner_tci, uint16_t type)
{
    memcpy(p, packet, 12); /* the MAC addresses */
    p += 12;
    if (outer_tpid) {
        put16(p, outer_tpid);
        put16(p + 2, outer_tci);
        p += 4;
    }
    if (inner_tci) {
        put16(p, 0x8100);
        put16(p + 2, inner_tci);
        p += 4;
    }
    put16(p, type);
    return p + 2;
}

static uint8_t *ipv4_header(uint8_t *p, unsigned ihl_words, uint16_t frag, uint8_t proto)
{
    memset(p, 0, ihl_words * 4);
    p[0] = 0x40 | ihl_words;
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, 0xc0a80101);
    put32(p + 16, 0xc0a80202);
    for (unsigned i = 20; i < ihl_words * 4; i++)
        p[i] = 1; /* NOP options */
    return p + ihl_words * 4;
}

static uint8_t *ipv6_header(uint8_t *p, uint8_t nexthdr)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    p[6] = nexthdr;
    p[7] = 64;
    for (int i = 8; i < 40; i++)
        p[i] = (uint8_t)(0x20 + i);
    return p + 40;
}

static uint8_t *l4_ports(uint8_t *p, uint8_t proto, uint16_t sport, uint16_t dport, uint8_t tcpflags)
{
    memset(p, 0, proto == 6 ? 20 : 8);
    put16(p, sport);
    put16(p + 2, dport);
    if (proto == 6) {
        p[12] = 5 << 4;
        p[13] = tcpflags;
        return p + 20;
    }
    put16(p + 4, 8 + 32);
    return p + 8;
}

static void add_variant(const char *name, const uint8_t *buf, size_t len)
{
    struct variant *v;

    if (nvariants >= MAX_VARIANTS || len > PKT_LEN)
        return;
    v = &variants[nvariants++];
    bench_msg(v->name, sizeof(v->name), "%s", name);
    memcpy(v->buf, buf, len);
    v->len = len;
}

/* finish a built packet: a payload of 32 bytes, then record it */
static void add_built(const char *name, uint8_t *buf, uint8_t *end)
{
    for (int i = 0; i < 32; i++)
        *end++ = (uint8_t)(i * 7);
    add_variant(name, buf, (size_t)(end - buf));
}

static void build_variants(void)
{
    static const size_t cuts[] = {14, 17, 18, 37, 38, 57, 58, 69, 70, 101, 1499};
    uint8_t b[PKT_LEN], *p;
    char name[40];

    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        bench_msg(name, sizeof(name), "timed packet cut to %zu", cuts[i]);
        add_variant(name, packet, cuts[i]);
    }
    p = l2_header(b, 0x88a8, 7, 100, 0x0800); /* QinQ, UDP from port 53 on VLAN 100: dropped */
    p = l4_ports(ipv4_header(p, 5, 0, 17), 17, 53, 40000, 0);
    add_built("QinQ UDP/IPv4 DNS reply", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* IPv4 options, UDP */
    p = l4_ports(ipv4_header(p, 7, 0x4000, 17), 17, 5000, 4789, 0);
    add_built("UDP/IPv4 with options", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* a later fragment */
    p = ipv4_header(p, 5, 0x00b9, 6);
    add_built("IPv4 later fragment", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* SYN+FIN */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 80, 0x03);
    add_built("TCP/IPv4 SYN+FIN", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* telnet */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 23, 0x02);
    add_built("TCP/IPv4 to port 23", b, p);
    p = l2_header(b, 0, 0, 0, 0x0800); /* ICMP echo */
    p = ipv4_header(p, 5, 0, 1);
    memset(p, 0, 8);
    p[0] = 8;
    add_built("ICMP/IPv4 echo", b, p + 8);
    p = l2_header(b, 0, 0, 0xfff, 0x0800); /* VLAN 4095 */
    p = l4_ports(ipv4_header(p, 5, 0, 6), 6, 1234, 443, 0x10);
    add_built("VLAN 4095", b, p);
    p = l2_header(b, 0, 0, 0, 0x86dd); /* IPv6, hop-by-hop and destination options, TCP */
    p = ipv6_header(p, 0);
    memset(p, 0, 24);
    p[0] = 60; /* hop-by-hop (8 bytes) -> dstopts (16 bytes) -> TCP */
    p[8] = 6;
    p[9] = 1;
    p = l4_ports(p + 24, 6, 40001, 8080, 0x18);
    add_built("TCP/IPv6 with 2 ext headers", b, p);
    p = l2_header(b, 0, 0, 42, 0x86dd); /* IPv6 UDP on VLAN 42 */
    p = l4_ports(ipv6_header(p, 17), 17, 1900, 5353, 0);
    add_built("UDP/IPv6 SSDP on VLAN 42", b, p);
    p = l2_header(b, 0, 0, 0, 0x86dd); /* IPv6 non-first fragment */
    p = ipv6_header(p, 44);
    memset(p, 0, 8);
    p[0] = 17;
    put16(p + 2, 0x0100);
    add_built("IPv6 later fragment", b, p + 8);
    p = l2_header(b, 0, 0, 0, 0x0806); /* ARP */
    memset(p, 0, 28);
    add_built("ARP", b, p + 28);
}

static void variant_mismatch(struct result *res, const char *side, const struct variant *v, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void variant_mismatch(struct result *res, const char *side, const struct variant *v, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    if (!res->mismatches++) {
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        bench_msg(res->mismatch, sizeof(res->mismatch), "%s on \"%s\" (%zu bytes): %s", side, v->name, v->len, what);
    }
}

static void obj_path(char *buf, size_t sz, const struct bench *b)
{
    snprintf(buf, sz, "%s/%s.bpf.o", cfg.objdir, b->name);
}

/* ---- calibration and trials, shared by the three sides ---- */

/* ---- native ---- */

struct native_ctx {
    const struct bench *b;
    uint8_t *buf;
    uint64_t ret;
};

static int native_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct native_ctx *c = vctx;
    uint64_t (*fn)(const uint8_t *, size_t) = c->b->native;
    uint8_t *buf = c->buf;
    uint64_t r = 0, t0, t1;

    t0 = now_ns();
    for (uint32_t i = 0; i < repeat; i++) {
        /* the packet may have changed: the call cannot be hoisted */
        __asm__ volatile("" : "+r"(buf) : : "memory");
        r = fn(buf, PKT_LEN);
        __asm__ volatile("" : "+r"(r));
    }
    t1 = now_ns();
    c->ret = r;
    *ns = (double)(t1 - t0) / repeat;
    return 0;
}

static void run_native(struct result *res)
{
    static uint8_t buf[PKT_LEN];
    struct native_ctx c = {res->b, buf, 0};

    memcpy(buf, packet, PKT_LEN);
    bench_best_of(&cfg.t, native_measure, &c, &res->native_ns, &res->native_repeat);
    res->native_ret = c.ret;
}

/* ---- kernel ---- */

static int kernel_available = -1; /* -1 unknown, 0 no, 1 yes */
static char kernel_why[256];

static const struct bpf_insn empty_prog[] = {
    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 2},
    {.code = BPF_JMP | BPF_EXIT},
};

/* Can we load and test-run an XDP program at all? */
static void probe_kernel(void)
{
    int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_probe", "GPL", empty_prog, 2, NULL);

    if (fd >= 0) {
        close(fd);
        kernel_available = 1;
        return;
    }
    kernel_available = 0;
    bench_msg(kernel_why, sizeof(kernel_why), "unavailable, bpf(BPF_PROG_LOAD) failed: %s (bpfrt and native columns only)",
        strerror(errno));
}

struct kernel_ctx {
    int fd;
    uint8_t buf[PKT_LEN];
    uint32_t retval;
};

static int kernel_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct kernel_ctx *c = vctx;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->buf, .data_size_in = PKT_LEN, .repeat = repeat);
    int err;

    err = bpf_prog_test_run_opts(c->fd, &o);
    if (err)
        return -errno;
    c->retval = o.retval;
    *ns = o.duration; /* the kernel's mean, in whole ns */
    return 0;
}

static void run_kernel(struct result *res)
{
    struct bpf_object *obj;
    struct bpf_program *xdp, *raw;
    struct kernel_ctx c;
    char path[512], name[64];
    int err;

    if (!kernel_available) {
        res->kernel_st = ST_UNAVAIL;
        bench_msg(res->kernel_err, sizeof(res->kernel_err), "%s", kernel_why);
        return;
    }
    res->kernel_st = ST_ERR;
    obj_path(path, sizeof(path), res->b);
    obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        bench_msg(res->kernel_err, sizeof(res->kernel_err), "open %s: %s", path, strerror(errno));
        return;
    }
    snprintf(name, sizeof(name), "xdp_%s", res->b->name);
    xdp = bpf_object__find_program_by_name(obj, name);
    snprintf(name, sizeof(name), "raw_%s", res->b->name);
    raw = bpf_object__find_program_by_name(obj, name);
    if (!xdp) {
        bench_msg(res->kernel_err, sizeof(res->kernel_err), "%s: no program xdp_%s", path, res->b->name);
        goto out;
    }
    if (raw) /* the raw entry is for bpfrt; the kernel would refuse it */
        bpf_program__set_autoload(raw, false);
    bench_libbpf_clear();
    err = bpf_object__load(obj);
    if (err) {
        bench_msg(res->kernel_err, sizeof(res->kernel_err), "load %s: %s%s%.300s", path, strerror(-err),
                 bench_libbpf_msgs()[0] ? "\n" : "", bench_libbpf_msgs());
        goto out;
    }
    c.fd = bpf_program__fd(xdp);
    memcpy(c.buf, packet, PKT_LEN);
    err = bench_best_of(&cfg.t, kernel_measure, &c, &res->kernel_ns, &res->kernel_repeat);
    if (err) {
        bench_msg(res->kernel_err, sizeof(res->kernel_err), "BPF_PROG_TEST_RUN: %s", strerror(-err));
        goto out;
    }
    res->kernel_ret = c.retval;
    res->kernel_st = ST_OK;
    for (size_t i = 0; i < nvariants; i++) {
        const struct variant *v = &variants[i];
        uint32_t want = fold32(res->b->native(v->buf, v->len));
        LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = v->buf, .data_size_in = (uint32_t)v->len, .repeat = 1);

        if (bpf_prog_test_run_opts(c.fd, &o))
            variant_mismatch(res, "kernel", v, "BPF_PROG_TEST_RUN: %s", strerror(errno));
        else if (o.retval != want)
            variant_mismatch(res, "kernel", v, "retval 0x%08x, native 0x%08x", o.retval, want);
    }
out:
    bpf_object__close(obj);
}

/* ---- bpfrt ---- */

struct bpfrt_ctx {
    struct bpfrt_prog *prog;
    uint8_t buf[PKT_LEN];
    char err[256];
};

static int bpfrt_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct bpfrt_ctx *c = vctx;
    /* The fast engine: the benchmark's own programs, trusted, and run
     * once checked first; bpfrt has no verifier yet to prove them. */
    BPFRT_OPTS(bpfrt_run_opts, o, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED, .data = c->buf, .data_size = PKT_LEN, .repeat = repeat, .err_buf = c->err,
               .err_size = sizeof(c->err));
    int err;

    err = bpfrt_prog__run(c->prog, &o);
    if (err)
        return err;
    *ns = (double)o.duration_ns;
    return 0;
}

/* The raw entry's instructions straight from the object: open only, no
 * load, so nothing goes to the kernel.  The programs use no maps, global
 * data or subprograms; refuse anything that would need a relocation. */
static int raw_insns(const struct bench *b, struct bpf_insn **insnsp, size_t *cntp, char *err, size_t errsz)
{
    struct bpf_object *obj;
    struct bpf_program *prog;
    const struct bpf_insn *insns;
    char path[512], name[64];
    size_t cnt;
    int ret = 0;

    obj_path(path, sizeof(path), b);
    obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        bench_msg(err, errsz, "open %s: %s", path, strerror(errno));
        return -errno;
    }
    snprintf(name, sizeof(name), "raw_%s", b->name);
    prog = bpf_object__find_program_by_name(obj, name);
    if (!prog) {
        bench_msg(err, errsz, "%s: no program %s", path, name);
        ret = -ENOENT;
        goto out;
    }
    insns = bpf_program__insns(prog);
    cnt = bpf_program__insn_cnt(prog);
    for (size_t i = 0; i < cnt; i++) {
        uint8_t code = insns[i].code;
        if ((code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].src_reg) ||
            (code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL)) {
            bench_msg(err, errsz, "%s: %s insn %zu needs a relocation (maps, global data or subprograms)", path,
                     name, i);
            ret = -EOPNOTSUPP;
            goto out;
        }
    }
    *insnsp = malloc(cnt * sizeof(**insnsp));
    if (!*insnsp) {
        ret = -ENOMEM;
        goto out;
    }
    memcpy(*insnsp, insns, cnt * sizeof(**insnsp));
    *cntp = cnt;
out:
    bpf_object__close(obj);
    return ret;
}

/* The same raw entry in bpfrt's JIT (the engine option "jit"): timed
 * unchecked like the interpreter's runs, and its result held to the
 * native one on the timed packet and every variant. */
static void run_jit(struct result *res, const struct bpf_insn *insns, size_t cnt)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = BPF_PROG_TYPE_UNSPEC, .name = res->b->name, .engine = "jit");
    struct bpfrt_ctx c = {0};
    char log[512] = "";
    int err;

    res->jit_st = ST_ERR;
    lo.log_buf = log;
    lo.log_size = sizeof(log);
    err = bpfrt_prog__load_insns(insns, cnt, &lo, &c.prog);
    if (err) {
        bench_msg(res->jit_err, sizeof(res->jit_err), "bpfrt_prog__load_insns (jit): %s: %s", strerror(-err), log);
        return;
    }
    if (strcmp(bpfrt_prog__engine(c.prog), "jit")) {
        bench_msg(res->jit_err, sizeof(res->jit_err), "no JIT in this build (engine %s)", bpfrt_prog__engine(c.prog));
        res->jit_st = ST_UNAVAIL;
        goto out;
    }
    memcpy(c.buf, packet, PKT_LEN);
    err = bench_best_of(&cfg.t, bpfrt_measure, &c, &res->jit_ns, &res->jit_repeat);
    if (err) {
        bench_msg(res->jit_err, sizeof(res->jit_err), "run: %s: %s", strerror(-err), c.err);
        goto out;
    }
    res->jit_st = ST_OK;
    for (size_t i = 0; i <= nvariants; i++) {
        /* the variants, then the timed packet (as a variant of its own) */
        static const struct variant timed = {.name = "timed packet", .len = PKT_LEN};
        const struct variant *v = i < nvariants ? &variants[i] : &timed;
        const uint8_t *buf = i < nvariants ? v->buf : packet;
        uint64_t want = res->b->native(buf, v->len);

        memcpy(c.buf, buf, v->len);
        BPFRT_OPTS(bpfrt_run_opts, vo, .data = c.buf, .data_size = v->len, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED,
                   .err_buf = c.err, .err_size = sizeof(c.err));
        err = bpfrt_prog__run(c.prog, &vo);
        if (err)
            variant_mismatch(res, "jit", v, "%s: %s", strerror(-err), c.err);
        else if (vo.retval != want)
            variant_mismatch(res, "jit", v, "r0 0x%016llx, native 0x%016llx", (unsigned long long)vo.retval,
                             (unsigned long long)want);
    }
out:
    bpfrt_prog__free(c.prog);
}

static void run_bpfrt(struct result *res)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = BPF_PROG_TYPE_UNSPEC, .name = res->b->name);
    struct bpfrt_ctx c = {0};
    struct bpf_insn *insns = NULL;
    size_t cnt = 0;
    char log[512] = "";
    int err;

    res->bpfrt_st = ST_ERR;
    err = raw_insns(res->b, &insns, &cnt, res->bpfrt_err, sizeof(res->bpfrt_err));
    if (err)
        return;
    res->insns_static = cnt;
    lo.log_buf = log;
    lo.log_size = sizeof(log);
    err = bpfrt_prog__load_insns(insns, cnt, &lo, &c.prog);
    if (!err)
        run_jit(res, insns, cnt);
    free(insns);
    if (err) {
        bench_msg(res->bpfrt_err, sizeof(res->bpfrt_err), "bpfrt_prog__load_insns: %s: %s", strerror(-err), log);
        return;
    }
    memcpy(c.buf, packet, PKT_LEN);

    /* one checked run: every access validated, instructions counted */
    BPFRT_OPTS(bpfrt_run_opts, o, .data = c.buf, .data_size = PKT_LEN, .flags = BPFRT_RUN_CHECKED, .repeat = 1,
               .err_buf = c.err, .err_size = sizeof(c.err));
    err = bpfrt_prog__run(c.prog, &o);
    if (err) {
        bench_msg(res->bpfrt_err, sizeof(res->bpfrt_err), "checked run: %s: %s", strerror(-err), c.err);
        goto out;
    }
    res->insns_exec = o.insn_cnt;
    res->bpfrt_ret = o.retval;

    err = bench_best_of(&cfg.t, bpfrt_measure, &c, &res->bpfrt_ns, &res->bpfrt_repeat);
    if (err) {
        bench_msg(res->bpfrt_err, sizeof(res->bpfrt_err), "run: %s: %s", strerror(-err), c.err);
        goto out;
    }
    res->bpfrt_st = ST_OK;
    for (size_t i = 0; i < nvariants; i++) {
        const struct variant *v = &variants[i];
        uint64_t want = res->b->native(v->buf, v->len);

        memcpy(c.buf, v->buf, v->len);
        BPFRT_OPTS(bpfrt_run_opts, vo, .data = c.buf, .data_size = v->len, .flags = BPFRT_RUN_CHECKED,
                   .err_buf = c.err, .err_size = sizeof(c.err));
        err = bpfrt_prog__run(c.prog, &vo);
        if (err)
            variant_mismatch(res, "bpfrt", v, "%s: %s", strerror(-err), c.err);
        else if (vo.retval != want)
            variant_mismatch(res, "bpfrt", v, "r0 0x%016llx, native 0x%016llx", (unsigned long long)vo.retval,
                             (unsigned long long)want);
    }
out:
    bpfrt_prog__free(c.prog);
}

/* ---- per-run overhead: an empty program (r0 = XDP_PASS; exit) ---- */

static struct {
    int bpfrt_st, kernel_st, jit_st;
    double bpfrt_ns, kernel_ns, jit_ns;
} empty = {ST_ERR, ST_ERR, ST_ERR, 0, 0, 0};

static void run_empty(void)
{
    struct kernel_ctx kc;
    struct bpfrt_ctx bc = {0};
    uint32_t repeat;

    if (!kernel_available) {
        empty.kernel_st = ST_UNAVAIL;
    } else {
        kc.fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_empty", "GPL", empty_prog, 2, NULL);
        if (kc.fd >= 0) {
            memcpy(kc.buf, packet, PKT_LEN);
            if (!bench_best_of(&cfg.t, kernel_measure, &kc, &empty.kernel_ns, &repeat))
                empty.kernel_st = ST_OK;
            close(kc.fd);
        }
    }
    if (!bpfrt_prog__load_insns(empty_prog, 2, NULL, &bc.prog)) {
        memcpy(bc.buf, packet, PKT_LEN);
        if (!bench_best_of(&cfg.t, bpfrt_measure, &bc, &empty.bpfrt_ns, &repeat))
            empty.bpfrt_st = ST_OK;
        bpfrt_prog__free(bc.prog);
    }
    {
        BPFRT_OPTS(bpfrt_prog_load_opts, jo, .engine = "jit");
        if (!bpfrt_prog__load_insns(empty_prog, 2, &jo, &bc.prog)) {
            if (!strcmp(bpfrt_prog__engine(bc.prog), "jit") &&
                !bench_best_of(&cfg.t, bpfrt_measure, &bc, &empty.jit_ns, &repeat))
                empty.jit_st = ST_OK;
            bpfrt_prog__free(bc.prog);
        }
    }
}

/* ---- output ---- */

static void check(struct result *r)
{
    r->agree = true;
    if (r->bpfrt_st == ST_OK && r->bpfrt_ret != r->native_ret)
        r->agree = false;
    if (r->kernel_st == ST_OK && r->kernel_ret != fold32(r->native_ret))
        r->agree = false;
    if (r->mismatches)
        r->agree = false;
}

static void fmt_ns(char *buf, size_t sz, int st, double ns)
{
    if (st == ST_OK)
        snprintf(buf, sz, "%.1f", ns);
    else
        snprintf(buf, sz, "%s", st == ST_UNAVAIL ? "n/a" : "error");
}

static void fmt_ratio(char *buf, size_t sz, bool ok, double a, double b)
{
    if (ok && b > 0)
        snprintf(buf, sz, "%.1fx", a / b);
    else
        snprintf(buf, sz, "-");
}

/* How the kernel runs the programs. */
static const char *kernel_mode(void)
{
    FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
    int jit = -1;

    if (!kernel_available)
        return kernel_why;
    if (f) {
        if (fscanf(f, "%d", &jit) != 1)
            jit = -1;
        fclose(f);
    }
    return jit > 0 ? "BPF_PROG_TEST_RUN, JIT on" : jit == 0 ? "BPF_PROG_TEST_RUN, interpreter (JIT off)"
                                                            : "BPF_PROG_TEST_RUN";
}

static void print_table(struct result *res, size_t n)
{
    char c[9][32];

    printf("packet: %d bytes, 802.1Q VLAN 100, TCP/IPv4 10.1.0.1:43210 -> 10.2.0.2:443\n", PKT_LEN);
    printf("kernel: %s\n", kernel_mode());
    if (cfg.t.repeat)
        printf("best of %u trials of %u runs each\n\n", cfg.t.trials, cfg.t.repeat);
    else
        printf("best of %u trials; runs per trial calibrated per side to ~%u ms\n\n", cfg.t.trials, cfg.t.target_ms);
    printf("%-8s %8s %10s %10s %10s %10s %10s %10s %10s %10s %8s  %s\n", "program", "insns", "interp ns", "jit ns",
           "kernel ns", "native ns", "interp/kern", "jit/kern", "interp/nat", "jit/nat", "ns/insn", "results");
    for (size_t i = 0; i < n; i++) {
        struct result *r = &res[i];
        bool bok = r->bpfrt_st == ST_OK, kok = r->kernel_st == ST_OK;

        bool jok = r->jit_st == ST_OK;

        fmt_ns(c[0], sizeof(c[0]), r->bpfrt_st, r->bpfrt_ns);
        fmt_ns(c[6], sizeof(c[6]), r->jit_st, r->jit_ns);
        fmt_ns(c[1], sizeof(c[1]), r->kernel_st, r->kernel_ns);
        fmt_ns(c[2], sizeof(c[2]), ST_OK, r->native_ns);
        fmt_ratio(c[3], sizeof(c[3]), bok && kok, r->bpfrt_ns, r->kernel_ns);
        fmt_ratio(c[7], sizeof(c[7]), jok && kok, r->jit_ns, r->kernel_ns);
        fmt_ratio(c[4], sizeof(c[4]), bok, r->bpfrt_ns, r->native_ns);
        fmt_ratio(c[8], sizeof(c[8]), jok, r->jit_ns, r->native_ns);
        if (bok && r->insns_exec)
            snprintf(c[5], sizeof(c[5]), "%.2f", r->bpfrt_ns / (double)r->insns_exec);
        else
            snprintf(c[5], sizeof(c[5]), "-");
        printf("%-8s %8llu %10s %10s %10s %10s %10s %10s %10s %10s %8s  %s\n", r->b->name,
               (unsigned long long)(bok ? r->insns_exec : 0), c[0], c[6], c[1], c[2], c[3], c[7], c[4], c[8], c[5],
               r->agree ? "agree" : "MISMATCH");
    }
    fmt_ns(c[0], sizeof(c[0]), empty.bpfrt_st, empty.bpfrt_ns);
    fmt_ns(c[6], sizeof(c[6]), empty.jit_st, empty.jit_ns);
    fmt_ns(c[1], sizeof(c[1]), empty.kernel_st, empty.kernel_ns);
    fmt_ratio(c[3], sizeof(c[3]), empty.bpfrt_st == ST_OK && empty.kernel_st == ST_OK, empty.bpfrt_ns, empty.kernel_ns);
    fmt_ratio(c[7], sizeof(c[7]), empty.jit_st == ST_OK && empty.kernel_st == ST_OK, empty.jit_ns, empty.kernel_ns);
    printf("%-8s %8d %10s %10s %10s %10s %10s %10s   (per-run overhead: an empty program, r0 = 2; exit)\n", "empty", 2,
           c[0], c[6], c[1], "-", c[3], c[7]);
    printf("(results: the timed packet and %zu variants, on every side available)\n", nvariants);
    for (size_t i = 0; i < n; i++) {
        struct result *r = &res[i];

        if (r->mismatches)
            printf("%s: %u packet variant result(s) differ; first: %s\n", r->b->name, r->mismatches, r->mismatch);
        if (!r->agree && !r->mismatches)
            printf("%s: results differ: native 0x%016llx (fold 0x%08x), bpfrt 0x%016llx, kernel 0x%08x\n",
                   r->b->name, (unsigned long long)r->native_ret, fold32(r->native_ret),
                   (unsigned long long)r->bpfrt_ret, r->kernel_ret);
        if (r->bpfrt_st == ST_ERR)
            printf("%s: bpfrt: %s\n", r->b->name, r->bpfrt_err);
        if (r->jit_st != ST_OK)
            printf("%s: jit: %s\n", r->b->name, r->jit_err);
        if (r->kernel_st == ST_ERR)
            printf("%s: kernel: %s\n", r->b->name, r->kernel_err);
    }
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static void json_num(const char *key, bool ok, double v, const char *sep)
{
    printf("\"%s\": ", key);
    if (ok)
        printf("%.3f", v);
    else
        printf("null");
    printf("%s", sep);
}

static void print_json(struct result *res, size_t n)
{
    printf("{\"packet_len\": %d, \"trials\": %u, \"repeat\": %u, \"kernel_available\": %s", PKT_LEN, cfg.t.trials,
           cfg.t.repeat, kernel_available ? "true" : "false");
    printf(", \"kernel_mode\": ");
    json_str(kernel_mode());
    printf(",\n \"empty\": {");
    json_num("bpfrt_ns", empty.bpfrt_st == ST_OK, empty.bpfrt_ns, ", ");
    json_num("jit_ns", empty.jit_st == ST_OK, empty.jit_ns, ", ");
    json_num("kernel_ns", empty.kernel_st == ST_OK, empty.kernel_ns, "}");
    printf(",\n \"programs\": [\n");
    for (size_t i = 0; i < n; i++) {
        struct result *r = &res[i];
        bool bok = r->bpfrt_st == ST_OK, kok = r->kernel_st == ST_OK;

        printf("  {\"name\": \"%s\", \"insns_static\": %zu, \"insns_executed\": %llu, ", r->b->name,
               r->insns_static, (unsigned long long)r->insns_exec);
        json_num("bpfrt_ns", bok, r->bpfrt_ns, ", ");
        json_num("jit_ns", r->jit_st == ST_OK, r->jit_ns, ", ");
        json_num("kernel_ns", kok, r->kernel_ns, ", ");
        json_num("native_ns", true, r->native_ns, ", ");
        json_num("bpfrt_kernel_ratio", bok && kok && r->kernel_ns > 0, r->bpfrt_ns / r->kernel_ns, ", ");
        json_num("bpfrt_native_ratio", bok && r->native_ns > 0, r->bpfrt_ns / r->native_ns, ", ");
        json_num("bpfrt_ns_per_insn", bok && r->insns_exec, r->bpfrt_ns / (double)r->insns_exec, ", ");
        printf("\"repeat\": {\"bpfrt\": %u, \"kernel\": %u, \"native\": %u}, ", r->bpfrt_repeat, r->kernel_repeat,
               r->native_repeat);
        printf("\"result\": {\"native\": \"0x%016llx\", ", (unsigned long long)r->native_ret);
        if (bok)
            printf("\"bpfrt\": \"0x%016llx\", ", (unsigned long long)r->bpfrt_ret);
        else
            printf("\"bpfrt\": null, ");
        if (kok)
            printf("\"kernel\": \"0x%08x\"}, ", r->kernel_ret);
        else
            printf("\"kernel\": null}, ");
        printf("\"agree\": %s, \"packets_checked\": %zu, \"mismatches\": %u", r->agree ? "true" : "false",
               nvariants + 1, r->mismatches);
        if (r->mismatches) {
            printf(", \"first_mismatch\": ");
            json_str(r->mismatch);
        }
        if (r->bpfrt_st == ST_ERR) {
            printf(", \"bpfrt_error\": ");
            json_str(r->bpfrt_err);
        }
        if (r->kernel_st == ST_ERR) {
            printf(", \"kernel_error\": ");
            json_str(r->kernel_err);
        }
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf(" ]}\n");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: runner [-j] [-r repeat] [-t trials] [-T ms] [-c cpu] [-o objdir] [-w file] [-v] [prog...]\n"
            "  -j         JSON output\n"
            "  -r N       runs per measurement (env BENCH_REPEAT); default: calibrated per side\n"
            "  -t N       trials, the best mean is kept (env BENCH_TRIALS; default 3)\n"
            "  -T ms      calibration target per measurement (env BENCH_TARGET_MS; default 200)\n"
            "  -c cpu     pin to this CPU first\n"
            "  -o dir     directory of the BPF objects (default %s)\n"
            "  -w file    also write the packet (raw bytes) to file\n"
            "  -v         libbpf's messages on stderr\n"
            "  prog       csum, fnv1a, parse (default: all)\n",
            BENCH_OBJDIR);
}

int main(int argc, char **argv)
{
    struct result res[NBENCH];
    size_t n = 0;
    int opt, status = 0;

    bench_timing_env(&cfg.t);
    while ((opt = getopt(argc, argv, "jr:t:T:c:o:w:vh")) != -1) {
        switch (opt) {
        case 'j': cfg.json = true; break;
        case 'r': cfg.t.repeat = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 't': cfg.t.trials = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'T': cfg.t.target_ms = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'c': cfg.cpu = atoi(optarg); break;
        case 'o': cfg.objdir = optarg; break;
        case 'v': cfg.t.verbose = true; break;
        case 'w': cfg.dump = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    bench_timing_clamp(&cfg.t);
    if (cfg.cpu >= 0) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cfg.cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set))
            fprintf(stderr, "runner: cannot pin to CPU %d: %s\n", cfg.cpu, strerror(errno));
    }

    bench_libbpf_capture(cfg.t.verbose);
    build_packet(packet);
    build_variants();
    if (cfg.dump) {
        FILE *f = fopen(cfg.dump, "wb");

        if (!f || fwrite(packet, 1, PKT_LEN, f) != PKT_LEN || fclose(f)) {
            fprintf(stderr, "runner: %s: %s\n", cfg.dump, strerror(errno));
            return 1;
        }
    }
    probe_kernel();

    for (size_t i = 0; i < NBENCH; i++) {
        bool want = optind >= argc;

        for (int a = optind; a < argc; a++)
            want |= !strcmp(argv[a], benches[i].name);
        if (!want)
            continue;
        memset(&res[n], 0, sizeof(res[n]));
        res[n].b = &benches[i];
        run_native(&res[n]);
        for (size_t v = 0; cfg.t.verbose && v < nvariants; v++)
            fprintf(stderr, "%s: native on %s (%zu bytes): 0x%016llx\n", benches[i].name, variants[v].name,
                    variants[v].len, (unsigned long long)benches[i].native(variants[v].buf, variants[v].len));
        run_kernel(&res[n]);
        run_bpfrt(&res[n]);
        check(&res[n]);
        if (!res[n].agree || res[n].bpfrt_st == ST_ERR || res[n].kernel_st == ST_ERR)
            status = 1;
        n++;
    }
    if (!n) {
        fprintf(stderr, "runner: no such program\n");
        usage(stderr);
        return 2;
    }
    run_empty();
    if (cfg.json)
        print_json(res, n);
    else
        print_table(res, n);
    return status;
}
