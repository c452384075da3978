/* test_demo_diff.c - the demo against the kernel: the shipped capture
 * (examples/sample.pcap) through the demo's programs (examples/xdp_fw.c,
 * SEC("xdp"), and examples/tc_nat.c, SEC("tc")) in the kernel, one
 * BPF_PROG_TEST_RUN per packet (bpf_prog_test_run_opts, with data_out),
 * and in bpfrt, one pcap replay (bpfrt_prog__run_pcap with an output
 * directory and a record callback).  Per packet the verdict (or the test
 * run's refusal), the packet out, the perf event and ring buffer records
 * the run wrote (read in the kernel with libbpf's perf_buffer and
 * ring_buffer after each run); per verdict the output capture against the
 * kernel's packets out; at the end every map, key by key. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/bpf_build.h"
#include "../unit/pcap_read.h"
#include "bpfrt/bpfrt.h"

#define MAX_PKTS 64
#define MAX_RECS 64

struct rec {
    uint64_t packet;
    uint32_t size;
    uint8_t data[64];
};

/* What one side saw. */
struct side {
    int refused[MAX_PKTS];
    uint32_t retval[MAX_PKTS];
    uint8_t *out[MAX_PKTS];
    uint32_t out_len[MAX_PKTS];
    struct rec recs[MAX_RECS];
    int nrecs;
    uint64_t cur; /* the packet running (kernel side) */
};

static void add_rec(struct side *s, uint64_t packet, const void *data, uint32_t size)
{
    cr_assert_lt(s->nrecs, MAX_RECS);
    cr_assert_leq(size, sizeof(s->recs[0].data));
    s->recs[s->nrecs].packet = packet;
    s->recs[s->nrecs].size = size;
    memcpy(s->recs[s->nrecs].data, data, size);
    s->nrecs++;
}

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
    (void)l, (void)f, (void)ap;
    return 0;
}

/* kernel: libbpf's consumers */
static void k_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
    struct side *s = ctx;
    (void)cpu; /* the CPU the test run ran on; bpfrt's worker is 0 */
    add_rec(s, s->cur, data, size);
}

static void k_perf_lost(void *ctx, int cpu, __u64 cnt)
{
    (void)ctx, (void)cpu;
    cr_assert_fail("kernel: %llu perf samples lost", (unsigned long long)cnt);
}

static int k_ringbuf_sample(void *ctx, void *data, size_t size)
{
    struct side *s = ctx;
    add_rec(s, s->cur, data, (uint32_t)size);
    return 0;
}

/* bpfrt: the replay's callbacks */
static int b_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct side *s = ctx;
    uint64_t i = pkt->nr - 1;

    cr_assert_lt(i, MAX_PKTS);
    s->refused[i] = pkt->err != 0;
    s->retval[i] = (uint32_t)pkt->retval;
    s->out_len[i] = pkt->len;
    s->out[i] = malloc(pkt->len + 1);
    if (pkt->len)
        memcpy(s->out[i], pkt->data, pkt->len);
    return 0;
}

static int b_record(const struct bpfrt_pcap_record *rec, void *ctx)
{
    cr_assert_neq(rec->kind, BPFRT_PCAP_PERF_LOST, "bpfrt: perf samples lost");
    add_rec(ctx, rec->packet, rec->data, rec->size);
    return 0;
}

/* Every key -> value of a kernel map and a bpfrt map, compared. */
static void compare_map(int kfd, struct bpfrt_map *m, const char *name)
{
    uint32_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__value_size(m);
    uint8_t key[64], next[64], kv[256], bv[256];
    void *prev = NULL;
    int n = 0, nb = 0, err;

    cr_assert(ks <= sizeof(key) && vs <= sizeof(kv));
    while (bpf_map_get_next_key(kfd, prev, next) == 0) {
        memcpy(key, next, ks);
        prev = key;
        cr_assert_eq(bpf_map_lookup_elem(kfd, key, kv), 0);
        err = bpfrt_map__lookup_elem(m, key, ks, bv, vs, 0);
        cr_assert_eq(err, 0, "map %s: key present in the kernel, missing in bpfrt (%d)", name, err);
        cr_assert_eq(memcmp(kv, bv, vs), 0, "map %s: values differ", name);
        n++;
    }
    prev = NULL;
    while (bpfrt_map__get_next_key(m, prev, next, ks) == 0) {
        memcpy(key, next, ks);
        prev = key;
        nb++;
    }
    cr_assert_eq(nb, n, "map %s: %d entries in bpfrt, %d in the kernel", name, nb, n);
}

static void demo_over_sample_capture(const char *src, const char *prog_name, const char *cpu, int min_changed)
{
    struct side *k = calloc(1, sizeof(*k)), *b = calloc(1, sizeof(*b));
    char name[64], flags[32], log[4096], dir[] = "/tmp/bpfrt-demo-diff-XXXXXX", path[512];
    struct perf_buffer *pb = NULL;
    struct ring_buffer *rb = NULL;
    struct bpf_object *kobj;
    struct bpf_map *km;
    struct bpfrt_object *obj;
    struct test_pkt *pkts, *outp;
    int n, kfd, changed = 0, nout;

    snprintf(name, sizeof(name), "%s-%s", prog_name, cpu);
    snprintf(flags, sizeof(flags), "-mcpu=%s", cpu);
    const char *OBJ = test_bpf_build(src, "build/tests/demo", name, flags);
    n = test_pcap_read("examples/sample.pcap", &pkts);
    cr_assert_gt(n, 20, "cannot read examples/sample.pcap");
    cr_assert_leq(n, MAX_PKTS);

    /* the kernel, packet by packet */
    libbpf_set_print(silent);
    kobj = bpf_object__open_file(OBJ, NULL);
    cr_assert_not_null(kobj);
    if (bpf_object__load(kobj)) {
        int e = errno;
        bpf_object__close(kobj);
        test_pcap_free(pkts, n);
        cr_skip_test("kernel bpf() unavailable: loading %s: %s", src, strerror(e));
    }
    kfd = bpf_program__fd(bpf_object__find_program_by_name(kobj, prog_name));
    bpf_object__for_each_map(km, kobj) {
        if (bpf_map__type(km) == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
            pb = perf_buffer__new(bpf_map__fd(km), 8, k_perf_sample, k_perf_lost, k, NULL);
        if (bpf_map__type(km) == BPF_MAP_TYPE_RINGBUF)
            rb = ring_buffer__new(bpf_map__fd(km), k_ringbuf_sample, k, NULL);
    }
    for (int i = 0; i < n; i++) {
        uint8_t out[8192];
        LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = pkts[i].data, .data_size_in = pkts[i].len, .data_out = out,
                    .data_size_out = sizeof(out), .repeat = 1);
        int err = bpf_prog_test_run_opts(kfd, &ko);

        k->cur = (uint64_t)i + 1;
        k->refused[i] = err != 0;
        if (err) {
            cr_assert_eq(errno, EINVAL, "kernel test run of packet %d: %s", i + 1, strerror(errno));
        } else {
            k->retval[i] = ko.retval;
            k->out_len[i] = ko.data_size_out;
            k->out[i] = malloc(ko.data_size_out + 1);
            memcpy(k->out[i], out, ko.data_size_out);
        }
        if (pb)
            cr_assert_geq(perf_buffer__consume(pb), 0);
        if (rb)
            cr_assert_geq(ring_buffer__consume(rb), 0);
    }

    /* bpfrt: one replay */
    cr_assert_not_null(mkdtemp(dir));
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(OBJ, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    struct bpfrt_prog *bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, prog_name));
    cr_assert_not_null(bp);
    cr_assert(bpfrt_prog__is_verified(bp));
    BPFRT_OPTS(bpfrt_pcap_run_opts, ro, .packet_fn = b_packet, .record_fn = b_record, .ctx = b, .out_dir = dir,
               .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_prog__run_pcap(bp, "examples/sample.pcap", &ro), 0, "%s", log);
    cr_assert_eq(ro.packets, (uint64_t)n);
    bpfrt_trace_drain(NULL, NULL);

    /* packet by packet */
    for (int i = 0; i < n; i++) {
        cr_assert_eq(b->refused[i], k->refused[i], "packet %d: refused by the kernel %d, by bpfrt %d", i + 1,
                     k->refused[i], b->refused[i]);
        if (k->refused[i])
            continue;
        cr_assert_eq(b->retval[i], k->retval[i], "packet %d: kernel %u, bpfrt %u", i + 1, k->retval[i], b->retval[i]);
        cr_assert_eq(b->out_len[i], k->out_len[i], "packet %d: %u bytes out in the kernel, %u in bpfrt", i + 1,
                     k->out_len[i], b->out_len[i]);
        cr_assert_eq(memcmp(b->out[i], k->out[i], k->out_len[i]), 0, "packet %d: bytes out differ", i + 1);
        changed += k->out_len[i] != pkts[i].len || memcmp(k->out[i], pkts[i].data, pkts[i].len);
    }
    cr_assert_geq(changed, min_changed, "%d packets changed, expected %d at least", changed, min_changed);
    /* the records, in order, with the packet that wrote them */
    cr_assert_gt(k->nrecs, 0, "the capture should make records");
    cr_assert_eq(b->nrecs, k->nrecs, "%d records in the kernel, %d in bpfrt", k->nrecs, b->nrecs);
    for (int i = 0; i < k->nrecs; i++) {
        cr_assert_eq(b->recs[i].packet, k->recs[i].packet, "record %d", i);
        cr_assert_eq(b->recs[i].size, k->recs[i].size, "record %d", i);
        cr_assert_eq(memcmp(b->recs[i].data, k->recs[i].data, k->recs[i].size), 0, "record %d differs", i);
    }
    /* each verdict's capture holds the kernel's packets out of that verdict, in order */
    uint64_t total = 0;
    for (uint32_t v = 0; v < ro.nr_verdicts; v++) {
        const struct bpfrt_pcap_verdict *vd = &ro.verdicts[v];
        int refused = !strcmp(vd->name, "refused"), j = 0;

        cr_assert_str_neq(vd->name, "other");
        snprintf(path, sizeof(path), "%s/%s", dir, vd->file_name);
        nout = test_pcap_read(path, &outp);
        cr_assert_eq((uint64_t)nout, vd->packets, "%s: %d packets, summary %llu", path, nout,
                     (unsigned long long)vd->packets);
        for (int i = 0; i < n; i++) {
            const uint8_t *want = refused ? pkts[i].data : k->out[i];
            uint32_t want_len = refused ? pkts[i].len : k->out_len[i];
            if (k->refused[i] != refused || (!refused && k->retval[i] != (uint32_t)vd->retval))
                continue;
            cr_assert_lt(j, nout);
            cr_assert_eq(outp[j].len, want_len, "%s: packet %d", path, j + 1);
            cr_assert_eq(memcmp(outp[j].data, want, want_len), 0, "%s: packet %d differs", path, j + 1);
            j++;
        }
        cr_assert_eq(j, nout);
        total += vd->packets;
        test_pcap_free(outp, nout);
    }
    cr_assert_eq(total, (uint64_t)n);

    /* the maps, key by key (the perf event array holds fds in the kernel,
     * the ring buffer has no keys, .rodata is constant) */
    bpf_object__for_each_map(km, kobj) {
        const char *mname = bpf_map__name(km);
        struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, mname);
        enum bpf_map_type t = bpf_map__type(km);

        cr_assert_not_null(m, "bpfrt has no map '%s'", mname);
        if (t == BPF_MAP_TYPE_PERF_EVENT_ARRAY || t == BPF_MAP_TYPE_RINGBUF || strstr(mname, ".rodata"))
            continue;
        compare_map(bpf_map__fd(km), m, mname);
    }
    printf("demo_diff: %s cpu %s: %d packets, %u verdicts, %d changed, %d records; verdicts, packets out, records, "
           "output captures and maps identical to the kernel\n",
           prog_name, cpu, n, ro.nr_verdicts, changed, k->nrecs);
    perf_buffer__free(pb);
    ring_buffer__free(rb);
    bpfrt_object__close(obj);
    bpf_object__close(kobj);
    for (int i = 0; i < n; i++)
        free(k->out[i]), free(b->out[i]);
    free(k);
    free(b);
    test_pcap_free(pkts, n);
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    cr_assert_eq(system(path), 0);
}

/* the firewall: pings answered (XDP_TX, 2 packets changed), drops with perf events */
Test(demo_diff, xdp_firewall_cpu_v2, .timeout = 120)
{
    demo_over_sample_capture("examples/xdp_fw.c", "xdp_fw", "v2", 2);
}

Test(demo_diff, xdp_firewall_cpu_v3, .timeout = 120)
{
    demo_over_sample_capture("examples/xdp_fw.c", "xdp_fw", "v3", 2);
}

/* cpu v4: sign-extending loads and moves, gotol, bswap where clang uses them */
Test(demo_diff, xdp_firewall_cpu_v4, .timeout = 120)
{
    demo_over_sample_capture("examples/xdp_fw.c", "xdp_fw", "v4", 2);
}

/* the NAT: 3 packets rewritten with their checksums, telnet dropped with ring buffer records */
Test(demo_diff, tc_nat_cpu_v3, .timeout = 120)
{
    demo_over_sample_capture("examples/tc_nat.c", "tc_nat", "v3", 3);
}

Test(demo_diff, tc_nat_cpu_v4, .timeout = 120)
{
    demo_over_sample_capture("examples/tc_nat.c", "tc_nat", "v4", 3);
}
