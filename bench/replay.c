/* replay.c - packets per second of a pcap replay on one worker: the
 * capture (packets.c, written at bench time) through the program with
 * bpfrt_prog__run_pcap() -- what `bpfrt prog run PROG pcap FILE` runs:
 * every packet read from the file and run as a test run of it on worker
 * 0, the packet out handed to the callback -- with the interpreter and
 * with the JIT; beside the kernel, one BPF_PROG_TEST_RUN per packet of
 * the same capture (read with libpcap, the packet out copied back).  The
 * time is the whole replay's on bench_clock_ns() (the thread's CPU time,
 * the system calls included; -W: wall time), best of the trials; the
 * verdicts (how many packets gave each retval) must be the same on every
 * side. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"
#include "runner.h"

uint64_t replay_bytes;

#define NCOUNT (BPFRT_PCAP_RETVALS + 1) /* retvals 0..7, then the others */

struct counts {
    uint64_t n[NCOUNT];
    uint64_t refused; /* test runs refused (their errno) */
};

static int keep_going(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    (void)pkt;
    (void)ctx;
    return 0;
}

/* one replay in bpfrt: wall ns, the packets and their verdicts */
static int bpfrt_replay(struct bpfrt_prog *prog, uint64_t *ns, uint64_t *packets, struct counts *cnt, char *err,
                        size_t errsz)
{
    char log[256] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .packet_fn = keep_going, .log_buf = log, .log_size = sizeof(log));
    uint64_t t0 = bench_clock_ns();
    int e = bpfrt_prog__run_pcap(prog, cfg.pcap, &o);

    *ns = bench_clock_ns() - t0;
    if (e) {
        bench_msg(err, errsz, "bpfrt_prog__run_pcap: %s: %s", strerror(-e), log);
        return e;
    }
    *packets = o.packets;
    memset(cnt, 0, sizeof(*cnt));
    for (int i = 0; i < BPFRT_PCAP_RETVALS; i++)
        cnt->n[i] = o.retval_counts[i];
    cnt->n[BPFRT_PCAP_RETVALS] = o.retval_other;
    cnt->refused = o.refused; /* not in retval_counts (src/runtime/pcap_run.c) */
    return 0;
}

struct kreplay {
    int fd;
    uint64_t packets;
    struct counts *cnt;
};

static int kernel_packet(const uint8_t *data, uint32_t len, void *vctx)
{
    static uint8_t out[65536];
    struct kreplay *k = vctx;
    LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = len, .data_out = out,
                .data_size_out = sizeof(out), .repeat = 1);

    k->packets++;
    if (bpf_prog_test_run_opts(k->fd, &t))
        k->cnt->refused++;
    else
        k->cnt->n[t.retval < BPFRT_PCAP_RETVALS ? t.retval : BPFRT_PCAP_RETVALS]++;
    return 0;
}

static int kernel_replay(int fd, uint64_t *ns, uint64_t *packets, struct counts *cnt, char *err, size_t errsz)
{
    struct kreplay k = {fd, 0, cnt};
    uint64_t t0 = bench_clock_ns();
    int e;

    memset(cnt, 0, sizeof(*cnt));
    e = packets_each(cfg.pcap, kernel_packet, &k, err, errsz);
    *ns = bench_clock_ns() - t0;
    *packets = k.packets;
    return e;
}

static void side_done(struct side *s, uint64_t best, uint64_t packets)
{
    s->st = ST_OK;
    s->ns = packets ? (double)best / (double)packets : 0;
}

static bool same_counts(const struct counts *a, const struct counts *b)
{
    return !memcmp(a, b, sizeof(*a));
}

static void counts_str(char *buf, size_t sz, const struct counts *c)
{
    size_t used = 0;

    buf[0] = 0;
    for (int i = 0; i < NCOUNT && used < sz; i++)
        if (c->n[i])
            used += (size_t)snprintf(buf + used, sz - used, "%s%s%d:%llu", used ? " " : "",
                                     i == BPFRT_PCAP_RETVALS ? ">" : "", i == BPFRT_PCAP_RETVALS ? i - 1 : i,
                                     (unsigned long long)c->n[i]);
    if (used < sz && c->refused)
        snprintf(buf + used, sz - used, " refused:%llu", (unsigned long long)c->refused);
}

static void replay_one(const struct bench_prog *b, struct replay_row *row)
{
    static const char *const engines[] = {"interp", "jit"};
    struct counts cnt[3], c;
    bool have[3] = {false, false, false};
    char a[120], k[120];

    memset(row, 0, sizeof(*row));
    row->b = b;
    row->agree = true;
    for (int e = 0; e < 2; e++) {
        struct side *s = e ? &row->jit : &row->interp;
        struct bpfrt_prog *prog;
        struct bpfrt_object *obj = bpfrt_open(b, engines[e], &prog, s->err, sizeof(s->err));
        uint64_t best = 0, ns, packets = 0;

        s->st = ST_ERR;
        if (!obj)
            continue;
        for (unsigned t = 0; t < cfg.t.trials; t++) {
            if (bpfrt_replay(prog, &ns, &packets, &c, s->err, sizeof(s->err)))
                break;
            if (!t || ns < best)
                best = ns;
            if (t == cfg.t.trials - 1) {
                side_done(s, best, packets);
                cnt[e] = c;
                have[e] = true;
                row->packets = packets;
            }
        }
        bpfrt_object__close(obj);
    }
    if (!kernel_available) {
        row->kern.st = ST_UNAVAIL;
        bench_msg(row->kern.err, sizeof(row->kern.err), "%s", kernel_why);
    } else {
        int fd;
        struct bpf_object *obj = kernel_open(b, &fd, row->kern.err, sizeof(row->kern.err));
        uint64_t best = 0, ns, packets = 0;

        row->kern.st = ST_ERR;
        for (unsigned t = 0; obj && t < cfg.t.trials; t++) {
            if (kernel_replay(fd, &ns, &packets, &c, row->kern.err, sizeof(row->kern.err)))
                break;
            if (!t || ns < best)
                best = ns;
            if (t == cfg.t.trials - 1) {
                side_done(&row->kern, best, packets);
                cnt[2] = c;
                have[2] = true;
            }
        }
        bpf_object__close(obj);
    }
    /* every side that ran must have given the same verdicts */
    for (int s = 1; s < 3; s++)
        for (int r = 0; r < s; r++)
            if (have[s] && have[r] && !same_counts(&cnt[s], &cnt[r]) && row->agree) {
                static const char *const names[] = {"interp", "jit", "kernel"};

                counts_str(a, sizeof(a), &cnt[s]);
                counts_str(k, sizeof(k), &cnt[r]);
                row->agree = false;
                bench_msg(row->why, sizeof(row->why), "verdicts differ: %s {%s}, %s {%s}", names[s], a, names[r],
                          k);
            }
    for (int s = 0; s < 3 && row->agree; s++)
        if (have[s]) {
            counts_str(a, sizeof(a), &cnt[s]);
            bench_msg(row->why, sizeof(row->why), "retval:packets %s", a);
            break;
        }
}

void replay_run(const struct bench_prog *progs, size_t n, struct replay_row *rows, size_t *nrows)
{
    char err[256];

    *nrows = 0;
    if (packets_write_pcap(cfg.pcap, cfg.pcap_packets, &replay_bytes, err, sizeof(err))) {
        fprintf(stderr, "runner: the capture for the replay: %s\n", err);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (progs[i].replay && !object_missing(&progs[i], err, sizeof(err)))
            replay_one(&progs[i], &rows[(*nrows)++]);
}

static void fmt_pps(char *buf, size_t sz, const struct side *s)
{
    if (s->st == ST_OK && s->ns > 0)
        snprintf(buf, sz, "%.2f M", 1e3 / s->ns);
    else
        snprintf(buf, sz, "%s", s->st == ST_UNAVAIL ? "n/a" : "error");
}

void replay_report(const struct replay_row *rows, size_t n)
{
    char c[5][32];

    printf("pcap replay: %s, %u packets, %llu bytes (60-1,000 bytes; TCP/IPv4 flows, the selftests' pkt_v4/v6, the "
           "variants); one worker, best of %u\n",
           cfg.pcap, cfg.pcap_packets, (unsigned long long)replay_bytes, cfg.t.trials);
    printf("bpfrt: bpfrt_prog__run_pcap (bpfrt prog run PROG pcap FILE); kernel: one BPF_PROG_TEST_RUN per packet "
           "(libpcap read, packet out copied)\n\n");
    printf("%-10s %12s %12s %12s %9s %9s  %s\n", "program", "interp pps", "jit pps", "kernel pps", "jit/kern",
           "ns/pkt jit", "verdicts");
    for (size_t i = 0; i < n; i++) {
        const struct replay_row *r = &rows[i];

        fmt_pps(c[0], sizeof(c[0]), &r->interp);
        fmt_pps(c[1], sizeof(c[1]), &r->jit);
        fmt_pps(c[2], sizeof(c[2]), &r->kern);
        if (r->jit.st == ST_OK && r->kern.st == ST_OK)
            snprintf(c[3], sizeof(c[3]), "%.2fx", r->kern.ns / r->jit.ns);
        else
            snprintf(c[3], sizeof(c[3]), "-");
        snprintf(c[4], sizeof(c[4]), r->jit.st == ST_OK ? "%.0f" : "-", r->jit.ns);
        printf("%-10s %12s %12s %12s %9s %9s  %s%s\n", r->b->name, c[0], c[1], c[2], c[3], c[4],
               r->agree ? "agree; " : "MISMATCH: ", r->why);
    }
    printf("(jit/kern here: packets per second of the JIT over the kernel's, higher is better)\n");
    for (size_t i = 0; i < n; i++)
        report_side_errors(rows[i].b->name, &rows[i].interp, &rows[i].jit, &rows[i].kern);
}

static void json_pps(const char *key, const struct side *s, const char *sep)
{
    if (s->st == ST_OK && s->ns > 0)
        printf("\"%s\": %.0f%s", key, 1e9 / s->ns, sep);
    else
        printf("\"%s\": null%s", key, sep);
}

void replay_json(const struct replay_row *rows, size_t n)
{
    printf("{\"capture\": \"%s\", \"packets\": %u, \"bytes\": %llu, \"rows\": [\n", cfg.pcap, cfg.pcap_packets,
           (unsigned long long)replay_bytes);
    for (size_t i = 0; i < n; i++) {
        const struct replay_row *r = &rows[i];

        printf("  {\"name\": \"%s\", ", r->b->name);
        json_pps("interp_pps", &r->interp, ", ");
        json_pps("jit_pps", &r->jit, ", ");
        json_pps("kernel_pps", &r->kern, ", ");
        printf("\"agree\": %s}%s\n", r->agree ? "true" : "false", i + 1 < n ? "," : "");
    }
    printf(" ]}");
}
