/* test_pcap_out.c - bpfrt_prog__run_pcap's outputs through the library:
 * the per-verdict captures hold exactly the packets single test runs
 * (bpfrt_prog__run, as the kernel's BPF_PROG_TEST_RUN of one packet) give
 * back for that verdict, in order; the verdicts' counts and bytes; the
 * ring buffer and perf event records with the packet that wrote them; an
 * options struct of the size before these fields still works. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "pcap_read.h"

static struct bpfrt_object *load(const char *src, const char *name, struct bpfrt_prog **progp)
{
    struct bpfrt_object *obj;
    char log[2048] = "";
    const char *o = test_bpf_build(src, "build/tests/pcap_out", name, "");
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_object__open_file(o, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    *progp = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, name));
    cr_assert_not_null(*progp);
    return obj;
}

/* The replay's captures against single test runs of every packet on a
 * second, fresh copy of the object (the maps see the same sequence). */
static void outputs_match_single_runs(const char *src, const char *name)
{
    char dir[] = "/tmp/bpfrt-pcap-out-XXXXXX", path[512], log[512] = "", err[512];
    struct bpfrt_prog *rp, *sp;
    struct bpfrt_object *robj = load(src, name, &rp), *sobj = load(src, name, &sp);
    struct test_pkt *in, *outp;
    uint32_t retval[64], out_len[64];
    uint8_t *out[64];
    int refused[64], n, nout;
    uint64_t bytes = 0;

    n = test_pcap_read("examples/sample.pcap", &in);
    cr_assert(n > 20 && n <= 64);
    for (int i = 0; i < n; i++) {
        out[i] = calloc(1, 8192);
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = in[i].data, .data_size = in[i].len, .data_out = out[i],
                   .data_size_out = 8192, .err_buf = err, .err_size = sizeof(err));
        int e = bpfrt_prog__run(sp, &ro);
        refused[i] = e != 0;
        /* net/bpf/test_run.c: a frame shorter than ETH_HLEN is -EINVAL */
        cr_assert(!e || (e == -EINVAL && in[i].len < 14), "packet %d: %d %s", i + 1, e, err);
        retval[i] = (uint32_t)ro.retval;
        out_len[i] = ro.data_size_out;
        bytes += in[i].len;
    }
    bpfrt_trace_drain(NULL, NULL);
    cr_assert_not_null(mkdtemp(dir));
    BPFRT_OPTS(bpfrt_pcap_run_opts, po, .out_dir = dir, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_prog__run_pcap(rp, "examples/sample.pcap", &po), 0, "%s", log);
    bpfrt_trace_drain(NULL, NULL);
    cr_assert_eq(po.packets, (uint64_t)n);
    cr_assert_eq(po.bytes, bytes);
    cr_assert_eq(po.refused, 1);
    cr_assert_gt(po.nr_verdicts, 2);
    uint64_t total = 0;
    for (uint32_t v = 0; v < po.nr_verdicts; v++) {
        const struct bpfrt_pcap_verdict *vd = &po.verdicts[v];
        int is_refused = !strcmp(vd->name, "refused"), j = 0;
        uint64_t vb = 0, vbo = 0;

        cr_assert_str_eq(vd->name, is_refused ? "refused" : bpfrt_prog_type_retval_name(bpfrt_prog__type(rp), vd->retval));
        snprintf(path, sizeof(path), "%s/%s", dir, vd->file_name);
        nout = test_pcap_read(path, &outp);
        cr_assert_eq((uint64_t)nout, vd->packets, "%s", path);
        for (int i = 0; i < n; i++) {
            if (refused[i] != is_refused || (!is_refused && retval[i] != (uint32_t)vd->retval))
                continue;
            const uint8_t *want = is_refused ? in[i].data : out[i];
            uint32_t wl = is_refused ? in[i].len : out_len[i];
            cr_assert_lt(j, nout);
            cr_assert_eq(outp[j].len, wl, "%s packet %d", path, j + 1);
            cr_assert_eq(memcmp(outp[j].data, want, wl), 0, "%s packet %d", path, j + 1);
            vb += in[i].len;
            vbo += wl;
            j++;
        }
        cr_assert_eq(j, nout, "%s", path);
        cr_assert_eq(vd->bytes, vb, "%s bytes", vd->name);
        cr_assert_eq(vd->bytes_out, vbo, "%s bytes out", vd->name);
        total += vd->packets;
        test_pcap_free(outp, nout);
    }
    cr_assert_eq(total, (uint64_t)n);
    for (int i = 0; i < n; i++)
        free(out[i]);
    test_pcap_free(in, n);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    cr_assert_eq(system(path), 0);
    bpfrt_object__close(robj);
    bpfrt_object__close(sobj);
}

Test(pcap_out, xdp_outputs_are_the_single_test_runs_packets)
{
    outputs_match_single_runs("examples/xdp_fw.c", "xdp_fw");
}

Test(pcap_out, tc_outputs_are_the_single_test_runs_packets)
{
    outputs_match_single_runs("examples/tc_nat.c", "tc_nat");
}

struct recs {
    int n;
    uint64_t packet[16];
    enum bpfrt_pcap_record_kind kind[16];
    uint8_t data[16][16];
    uint32_t size[16];
};

static int on_record(const struct bpfrt_pcap_record *r, void *ctx)
{
    struct recs *s = ctx;

    cr_assert_lt(s->n, 16);
    s->packet[s->n] = r->packet;
    s->kind[s->n] = r->kind;
    s->size[s->n] = r->size;
    memcpy(s->data[s->n], r->data, r->size < 16 ? r->size : 16);
    s->n++;
    return 0;
}

/* bpf_perf_event_output (xdp_fw: a 8-byte struct per drop, padded to 12
 * as the kernel pads a raw sample) and bpf_ringbuf_output (tc_nat: a
 * 12-byte struct per telnet packet), each with its packet. */
Test(pcap_out, records_come_with_their_packet)
{
    struct bpfrt_prog *p;
    struct bpfrt_object *obj = load("examples/xdp_fw.c", "xdp_fw", &p);
    struct recs s = {0};
    char log[512] = "";
    static const uint64_t drops[] = {5, 6, 11, 26};
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .record_fn = on_record, .ctx = &s, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o), 0, "%s", log);
    cr_assert_eq(s.n, 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(s.packet[i], drops[i]);
        cr_assert_eq(s.kind[i], BPFRT_PCAP_PERF);
        cr_assert_eq(s.size[i], 12);
    }
    /* 192.0.2.7 port 33000, reason 1 (a DNS query from outside) */
    cr_assert_eq(memcmp(s.data[0], "\xc0\x00\x02\x07\xe8\x80\x01\x00\x00\x00\x00\x00", 12), 0);
    /* without record_fn nothing is read: the samples stay in the ring */
    memset(&s, 0, sizeof(s));
    BPFRT_OPTS(bpfrt_pcap_run_opts, o2, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o2), 0, "%s", log);
    cr_assert_eq(s.n, 0);
    bpfrt_object__close(obj);

    obj = load("examples/tc_nat.c", "tc_nat", &p);
    memset(&s, 0, sizeof(s));
    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o), 0, "%s", log);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(s.packet[0], 20);
    cr_assert_eq(s.packet[1], 21);
    cr_assert_eq(s.kind[0], BPFRT_PCAP_RINGBUF);
    cr_assert_eq(s.size[0], 12);
    cr_assert_eq(memcmp(s.data[0], "\x0a\x00\x00\x03\x0a\x00\x00\x02\x50\xc3\x17\x00", 12), 0);
    /* a replay that reads no records leaves them in the ring buffer; the
     * next one that does reads them first, as packet 0 */
    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o2), 0, "%s", log);
    memset(&s, 0, sizeof(s));
    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o), 0, "%s", log);
    cr_assert_eq(s.n, 4);
    cr_assert(s.packet[0] == 0 && s.packet[1] == 0 && s.packet[2] == 20 && s.packet[3] == 21);
    cr_assert_eq(memcmp(s.data[1], "\x0a\x00\x00\x04\xc0\x00\x02\x32\x51\xc3\x17\x00", 12), 0);
    bpfrt_trace_drain(NULL, NULL);
    bpfrt_object__close(obj);
}

static int stop_at_first(const struct bpfrt_pcap_record *r, void *ctx)
{
    (void)r, (void)ctx;
    return -ECANCELED;
}

/* The record callback stops the replay as the packet callback does. */
Test(pcap_out, record_callback_stops_the_replay)
{
    struct bpfrt_prog *p;
    struct bpfrt_object *obj = load("examples/tc_nat.c", "tc_nat", &p);
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .record_fn = stop_at_first, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o), -ECANCELED);
    cr_assert_eq(o.failed_stage, BPFRT_PCAP_CALLBACK);
    cr_assert_eq(o.packets, 20);
    cr_assert(strstr(log, "packet 20 of 'examples/sample.pcap': stopped by the caller"), "%s", log);
    /* the verdicts so far are given after a failure too */
    cr_assert_gt(o.nr_verdicts, 0);
    bpfrt_trace_drain(NULL, NULL);
    bpfrt_object__close(obj);
}

/* A caller built before the output fields (sz ends at total_budget) gets
 * the replay it had: nothing written past its struct. */
Test(pcap_out, old_options_struct)
{
    struct bpfrt_prog *p;
    struct bpfrt_object *obj = load("examples/xdp_fw.c", "xdp_fw", &p);
    struct {
        struct bpfrt_pcap_run_opts o;
        uint8_t canary[8];
    } s;
    char log[512] = "";

    memset(&s, 0xa5, sizeof(s));
    memset(&s.o, 0, offsetof(struct bpfrt_pcap_run_opts, out_dir));
    s.o.sz = offsetof(struct bpfrt_pcap_run_opts, total_budget) + sizeof(s.o.total_budget);
    s.o.log_buf = log;
    s.o.log_size = sizeof(log);
    cr_assert_eq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &s.o), 0, "%s", log);
    cr_assert_eq(s.o.packets, 26);
    cr_assert_eq(s.o.retval_counts[XDP_DROP], 4);
    cr_assert_eq(s.o.retval_counts[XDP_TX], 2);
    for (size_t i = offsetof(struct bpfrt_pcap_run_opts, out_dir); i < sizeof(s); i++)
        cr_assert_eq(((uint8_t *)&s)[i], 0xa5, "byte %zu past the old struct written", i);
    bpfrt_trace_drain(NULL, NULL);
    bpfrt_object__close(obj);
}

/* An output capture that cannot be written stops the replay, named. */
Test(pcap_out, unwritable_output)
{
    struct bpfrt_prog *p;
    struct bpfrt_object *obj = load("examples/xdp_fw.c", "xdp_fw", &p);
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .out_dir = "/proc/self", .log_buf = log, .log_size = sizeof(log));

    cr_assert_neq(bpfrt_prog__run_pcap(p, "examples/sample.pcap", &o), 0);
    cr_assert(strstr(log, "/proc/self/"), "%s", log);
    bpfrt_trace_drain(NULL, NULL);
    bpfrt_object__close(obj);
}
