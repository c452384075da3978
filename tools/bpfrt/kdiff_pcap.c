/* kdiff_pcap.c - `prog run PROG pcap FILE [out DIR] kernel_diff` (bpfrt):
 * the library replays the capture (bpfrt_prog__run_pcap); after each of
 * its packets the same packet runs in the kernel (bpf_prog_test_run_opts,
 * as test_demo_diff.c does), and the two are compared: the test run's
 * refusal, retval, the packet out, and the ring buffer and perf event
 * records the run wrote (read in the kernel with libbpf's ring_buffer and
 * perf_buffer consumers); the maps after the last packet.  docs/CLI.md,
 * "Comparing with the kernel"; tests/unit/test_cli_kdiff.c. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "kdiff.h"

#define KP_DATA_OUT_MAX (18u * 4096)
#define KP_MAX_READERS 16 /* ring buffer and perf event array maps read in the kernel */

struct kp_rec {
    char map[64];
    uint8_t *data; /* lost samples: the count, 8 bytes */
    uint32_t size;
    int lost;
};

struct kp_recs {
    struct kp_rec *r;
    uint32_t n, cap;
};

struct kp;
struct kp_reader {
    struct kp *kp;
    const char *map;
};

struct kp {
    struct kd *kd;
    uint8_t *kout;
    struct kp_reader readers[KP_MAX_READERS];
    uint32_t nreaders;
    struct perf_buffer *pb[KP_MAX_READERS];
    struct ring_buffer *rb;
    struct kp_recs b, k; /* records of the pending packet */
    /* the pending packet: compared but for its records, not reported yet */
    int pending;
    uint64_t nr;
    uint32_t len_in, len_out;
    uint64_t retval;
    const char *verdict;
    char err_msg[256];
    int refused;
    uint64_t total_before; /* kd->total when the packet began */
    uint64_t bytes;
};

static void add_rec(struct kp_recs *l, const char *map, const void *data, uint32_t size, int lost)
{
    struct kp_rec *r;

    if (l->n == l->cap) {
        uint32_t cap = l->cap ? 2 * l->cap : 16;
        struct kp_rec *nr = realloc(l->r, cap * sizeof(*nr));
        if (!nr)
            return;
        l->r = nr;
        l->cap = cap;
    }
    r = &l->r[l->n];
    snprintf(r->map, sizeof(r->map), "%s", map);
    r->data = malloc(size ? size : 1);
    if (!r->data)
        return;
    memcpy(r->data, data, size);
    r->size = size;
    r->lost = lost;
    l->n++;
}

static void clear_recs(struct kp_recs *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->r[i].data);
    l->n = 0;
}

/* kernel: libbpf's consumers */
static int k_ringbuf(void *ctx, void *data, size_t size)
{
    struct kp_reader *rd = ctx;
    add_rec(&rd->kp->k, rd->map, data, (uint32_t)size, 0);
    return 0;
}

static void k_perf(void *ctx, int cpu, void *data, __u32 size)
{
    struct kp_reader *rd = ctx;
    (void)cpu;
    add_rec(&rd->kp->k, rd->map, data, size, 0);
}

static void k_perf_lost(void *ctx, int cpu, __u64 cnt)
{
    struct kp_reader *rd = ctx;
    uint64_t n = cnt;
    (void)cpu;
    add_rec(&rd->kp->k, rd->map, &n, sizeof(n), 1);
}

/* bpfrt: the replay's record callback */
static int b_record(const struct bpfrt_pcap_record *rec, void *ctx)
{
    struct kp *kp = ctx;

    if (rec->kind == BPFRT_PCAP_PERF_LOST) {
        uint64_t n = rec->lost;
        add_rec(&kp->b, bpfrt_map__name(rec->map), &n, sizeof(n), 1);
    } else {
        add_rec(&kp->b, bpfrt_map__name(rec->map), rec->data, rec->size, 0);
    }
    return 0;
}

static int open_readers(struct kp *kp)
{
    struct bpf_map *m;

    bpf_object__for_each_map(m, kp->kd->kobj)
    {
        enum bpf_map_type t = bpf_map__type(m);
        struct kp_reader *rd;
        int fd = bpf_map__fd(m);

        if ((t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY) || fd < 0)
            continue;
        if (kp->nreaders == KP_MAX_READERS)
            return cli_err("kernel_diff: more than %d ring buffer and perf event array maps", KP_MAX_READERS);
        rd = &kp->readers[kp->nreaders];
        rd->kp = kp;
        rd->map = bpf_map__name(m);
        if (t == BPF_MAP_TYPE_RINGBUF) {
            int err = kp->rb ? ring_buffer__add(kp->rb, fd, k_ringbuf, rd) : 0;
            if (!kp->rb && !(kp->rb = ring_buffer__new(fd, k_ringbuf, rd, NULL)))
                err = -errno;
            if (err)
                return cli_err("kernel_diff: cannot read the kernel's ring buffer '%s': %s", rd->map, strerror(-err));
        } else {
            kp->pb[kp->nreaders] = perf_buffer__new(fd, 8, k_perf, k_perf_lost, rd, NULL);
            if (!kp->pb[kp->nreaders])
                return cli_err("kernel_diff: cannot read the kernel's perf event array '%s': %s", rd->map,
                               strerror(errno));
        }
        kp->nreaders++;
    }
    return 0;
}

static void consume_kernel(struct kp *kp)
{
    for (uint32_t i = 0; i < kp->nreaders; i++)
        if (kp->pb[i])
            perf_buffer__consume(kp->pb[i]);
    if (kp->rb)
        ring_buffer__consume(kp->rb);
}

/* The pending packet's records, then its report. */
static void finish(struct kp *kp)
{
    struct kd *kd = kp->kd;
    uint32_t n = kp->b.n > kp->k.n ? kp->b.n : kp->k.n;

    if (!kp->pending && !kp->b.n && !kp->k.n)
        return;
    for (uint32_t i = 0; i < n; i++) {
        const struct kp_rec *b = i < kp->b.n ? &kp->b.r[i] : NULL, *k = i < kp->k.n ? &kp->k.r[i] : NULL;
        if (b && k && b->lost == k->lost && b->size == k->size && !strcmp(b->map, k->map) &&
            !memcmp(b->data, k->data, b->size))
            continue;
        kd_diff_missing(kd, "records", kp->nr, b ? b->map : k->map, NULL, 0, i, b ? b->data : NULL, b ? b->size : 0,
                        k ? k->data : NULL, k ? k->size : 0);
    }
    clear_recs(&kp->b);
    clear_recs(&kp->k);
    if (kd->total > kp->total_before)
        kd->packets_differing++;
    if (cli.json) {
        json_init(&cli.j, stdout, 0); /* JSON lines */
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "packet", kp->nr);
        json_kv_u64(&cli.j, "len", kp->len_in);
        if (kp->refused) {
            json_kv_str(&cli.j, "verdict", "refused");
            json_kv_str(&cli.j, "error", kp->err_msg);
        } else {
            json_kv_u64(&cli.j, "retval", kp->retval);
            json_kv_str(&cli.j, "verdict", kp->verdict);
            json_kv_u64(&cli.j, "len_out", kp->len_out);
        }
        json_key(&cli.j, "kernel_diff");
        json_obj_open(&cli.j);
        json_key(&cli.j, "agree");
        json_bool(&cli.j, kd_scope_unexpected(kd) == 0);
        kd_json_diffs(kd);
        json_obj_close(&cli.j);
        json_obj_close(&cli.j);
        json_end(&cli.j);
    } else {
        kd_print_diffs(kd);
    }
    kp->pending = 0;
}

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct kp *kp = ctx;
    struct kd *kd = kp->kd;
    int kerr;

    finish(kp);
    bpfrt_trace_drain(NULL, NULL);
    kp->pending = 1;
    kp->nr = pkt->nr;
    kp->len_in = pkt->len_in;
    kp->len_out = pkt->len;
    kp->retval = pkt->retval;
    kp->verdict = pkt->verdict;
    kp->refused = pkt->err != 0;
    snprintf(kp->err_msg, sizeof(kp->err_msg), "%s", pkt->err_msg ? pkt->err_msg : strerror(-pkt->err));
    kp->total_before = kd->total;
    kd->packets++;

    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = pkt->data_in, .data_size_in = pkt->len_in, .data_out = kp->kout,
                .data_size_out = KP_DATA_OUT_MAX, .repeat = 1);
    kerr = bpf_prog_test_run_opts(kd->kfd, &ko) ? -errno : 0;
    consume_kernel(kp);
    if (kerr != pkt->err) {
        kd_diff_num(kd, "error", pkt->nr, pkt->err, kerr);
        return 0;
    }
    if (kerr)
        return 0;
    if (ko.retval != (uint32_t)pkt->retval)
        kd_diff_num(kd, "retval", pkt->nr, (int64_t)(uint32_t)pkt->retval, ko.retval);
    if (ko.data_size_out != pkt->len)
        kd_diff_num(kd, "data_out_size", pkt->nr, pkt->len, ko.data_size_out);
    if (pkt->data)
        kd_diff_bytes(kd, "data_out", pkt->nr, NULL, NULL, 0, -1, pkt->data, kp->kout,
                      ko.data_size_out < pkt->len ? ko.data_size_out : pkt->len);
    return 0;
}

int kd_run_pcap(struct kd *kd, struct bpfrt_prog *prog, struct bpfrt_object *obj, const char *name, const char *path,
                const char *out_dir, uint32_t flags, uint64_t total_budget)
{
    struct kp kp = {.kd = kd};
    char log[1024] = "", ran[160];
    int err, rc = 0;
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = flags, .packet_fn = on_packet, .record_fn = b_record, .ctx = &kp,
               .log_buf = log, .log_size = sizeof(log), .total_budget = total_budget, .out_dir = out_dir);

    /* the replay's runs as the worker of the CPU the kernel's run on
     * (kdiff.c pins the command there) */
    o.worker = kd->bworker;
    kd->records = 1;
    kp.kout = calloc(1, KP_DATA_OUT_MAX);
    if (!kp.kout)
        return cli_err("out of memory");
    if (open_readers(&kp)) {
        rc = 1;
        goto out;
    }
    bpfrt_trace_drain(NULL, NULL);
    err = bpfrt_prog__run_pcap(prog, path, &o);
    finish(&kp);
    bpfrt_trace_drain(NULL, NULL);
    if (err) {
        fflush(stdout);
        rc = o.failed_stage == BPFRT_PCAP_RUN ? cli_err("'%s': %s", name, log)
                                              : cli_err("%s", log[0] ? log : strerror(-err));
        goto out;
    }
    kd_compare_maps(kd, obj);
    snprintf(ran, sizeof(ran), "%" PRIu64 " packet%s: %s", o.packets, o.packets == 1 ? "" : "s",
             "test-run refusals, retval, data_out, records");
    if (cli.json) {
        json_init(&cli.j, stdout, 0);
        json_obj_open(&cli.j);
        json_key(&cli.j, "summary");
        json_obj_open(&cli.j);
        json_kv_u64(&cli.j, "packets", o.packets);
        json_kv_u64(&cli.j, "bytes", o.bytes);
        json_kv_u64(&cli.j, "duration", o.duration_ns);
        json_key(&cli.j, "kernel_diff");
        json_obj_open(&cli.j);
        kd_json_verdict(kd);
        json_kv_u64(&cli.j, "packets_differing", kd->packets_differing);
        kd_json_diffs(kd); /* the maps' */
        json_obj_close(&cli.j);
        json_obj_close(&cli.j);
        json_obj_close(&cli.j);
        json_end(&cli.j);
    } else {
        kd_print_diffs(kd);
        kd_print_verdict(kd, ran);
    }
out:
    for (uint32_t i = 0; i < kp.nreaders; i++)
        perf_buffer__free(kp.pb[i]);
    ring_buffer__free(kp.rb);
    clear_recs(&kp.b);
    clear_recs(&kp.k);
    free(kp.b.r);
    free(kp.k.r);
    free(kp.kout);
    return rc;
}
