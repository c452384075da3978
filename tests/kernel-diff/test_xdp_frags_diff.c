/* test_xdp_frags_diff.c - multi-buffer XDP test runs in the kernel and in
 * bpfrt (suite xdp_frags_diff).
 *
 * tests/data/testrun/frags.c is compiled at test time.  The kernel's
 * BPF_PROG_TEST_RUN (net/bpf/test_run.c bpf_prog_test_run_xdp) puts at
 * most a page less the headroom and struct skb_shared_info (3520 bytes,
 * or ctx_in's data_end) in the linear part and the rest in page
 * fragments, at most MAX_SKB_FRAGS (17) of them (-ENOMEM past), for
 * programs with and without BPF_F_XDP_HAS_FRAGS alike; data_out gets the
 * linear part then the fragments (bpf_test_finish, with its clamping when
 * data_size_out is short).  The programs call bpf_xdp_adjust_tail
 * (growing the last fragment, shrinking from the end and releasing
 * fragments, back to a linear packet), bpf_xdp_get_buff_len,
 * bpf_xdp_load_bytes / bpf_xdp_store_bytes across the fragments and
 * bpf_xdp_adjust_head, with offsets chosen around every boundary.
 * Compared: the error, the return value, the packet out with its
 * fragments, the context out.
 *
 * Skips with a message where bpf() is unavailable.  BPFRT_SEED=<n> changes
 * the random inputs. */
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <string.h>

#include "maps/perf_event_array.h"
#include "trdiff.h"

#define SRC "tests/data/testrun/frags.c"
#define OBJDIR "build/tests/data/testrun"
#define LINEAR_MAX 3520u /* 4096 - XDP_PACKET_HEADROOM - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define PAGE 4096u
#define LEN_MAX (LINEAR_MAX + 17 * PAGE)

/* As struct params of frags.c, at byte 16 of the packet. */
struct params {
    int32_t tail1, tail2;
    uint16_t load_off, store_off;
    uint8_t len;
    int8_t head;
    uint8_t pad[2];
};

static uint8_t pkt[LEN_MAX + 64];

static void random_bytes(uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        pkt[i] = (uint8_t)trd_rnd(256);
}

/* A tail offset for a packet of lin linear bytes and len in all: the
 * boundaries of bpf_xdp_frags_increase_tail and _shrink_tail (the last
 * fragment's room, each fragment emptied, the whole packet less an
 * Ethernet header), the linear ones, extremes and random ones. */
static int32_t tail_offset(uint32_t lin, uint32_t len)
{
    uint32_t frags = len - lin, last = frags ? frags - (frags - 1) / PAGE * PAGE : 0;
    int32_t d = (int32_t)trd_rnd(3) - 1;

    switch (trd_rnd(12)) {
    case 0: return 0;
    case 1: return (int32_t)(PAGE - last) + d;          /* fill the last fragment's page */
    case 2: return -(int32_t)last + d;                  /* release the last fragment */
    case 3: return -(int32_t)frags + d;                 /* release them all */
    case 4: return -(int32_t)(len - 14) + d;            /* keep an Ethernet header */
    case 5: return -(int32_t)(last + PAGE * trd_rnd(4)); /* several fragments */
    case 6: return trd_rnd(2) ? INT_MIN : INT_MAX;
    case 7: return (int32_t)trd_rnd(600) - 300;
    case 8: return -(int32_t)trd_rnd(len + 100);
    case 9: return (int32_t)(LINEAR_MAX + 256 + 320 - lin) + d; /* a linear packet's page */
    default: return (int32_t)trd_rnd(18000) - 9000;
    }
}

/* An offset for load/store_bytes of n bytes: across the linear end, a
 * fragment's end, the packet's end, the 0xffff limit, anywhere. */
static uint16_t byte_offset(uint32_t lin, uint32_t len, uint32_t n)
{
    uint32_t k = trd_rnd(1 + (len - lin + PAGE - 1) / PAGE), edge = lin + k * PAGE;
    int32_t at;

    switch (trd_rnd(6)) {
    case 0: at = (int32_t)edge - (int32_t)trd_rnd(n + 1); break;
    case 1: at = (int32_t)len - (int32_t)n + (int32_t)trd_rnd(3) - 1; break;
    case 2: at = 0xffff - (int32_t)trd_rnd(2); break;
    case 3: at = (int32_t)trd_rnd(64); break;
    default: at = (int32_t)trd_rnd(len + 64); break;
    }
    return (uint16_t)(at < 0 ? 0 : at);
}

static void put_params(uint32_t at, uint32_t lin, uint32_t len)
{
    struct params p = {0};

    p.len = (uint8_t)trd_rnd(256);
    p.tail1 = tail_offset(lin, len);
    p.tail2 = tail_offset(lin, len);
    p.load_off = byte_offset(lin, len, (p.len & 31) + 1u);
    p.store_off = byte_offset(lin, len, (p.len & 31) + 1u);
    p.head = trd_rnd(4) ? 0 : (int8_t)(trd_rnd(256) - 128);
    memcpy(pkt + at + 16, &p, sizeof(p));
}

static const char *const ops_progs[] = {"frags_ops", "linear_ops"};

/* Every length the test run takes, and the first it refuses: up to 9216
 * bytes one by one around the boundaries and with a stride elsewhere,
 * then the 17-fragment limit. */
Test(xdp_frags_diff, packet_sizes, .timeout = 240)
{
    struct trd_tally t = {0};
    uint32_t len;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "frags");
    for (len = 0; len <= 9216; len += (len < 64 || (len >= 3500 && len < 3540) || (len >= 7600 && len < 7630)) ? 1 : 37) {
        struct trd_input in = {.pkt = len ? pkt : NULL, .len = len};
        uint32_t lin = len < LINEAR_MAX ? len : LINEAR_MAX;

        random_bytes(len);
        trd_compare("frags_fields", &in, &t);
        if (len >= 32)
            put_params(0, lin, len);
        for (int i = 0; i < 2; i++)
            trd_compare(ops_progs[i], &in, &t);
    }
    for (unsigned k = 0; k < 4; k++) {
        static const uint32_t big[] = {LEN_MAX - 1, LEN_MAX, LEN_MAX + 1, LINEAR_MAX + 16 * PAGE + 1};
        struct trd_input in = {.pkt = pkt, .len = big[k]};
        random_bytes(big[k]);
        put_params(0, LINEAR_MAX, big[k]);
        trd_compare("frags_fields", &in, &t);
        trd_compare("frags_ops", &in, &t);
    }
    trd_report("packet_sizes", &t);
    trd_close();
}

/* bpf_xdp_adjust_tail, bpf_xdp_load_bytes / store_bytes and
 * bpf_xdp_get_buff_len on random multi-buffer packets (14 bytes to 9000
 * and beyond), the parameters around every boundary. */
Test(xdp_frags_diff, helpers_random, .timeout = 240)
{
    struct trd_tally t = {0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "frags");
    for (unsigned i = 0; i < 1500; i++) {
        uint32_t len = 32 + trd_rnd(i % 10 == 9 ? LEN_MAX - 31 : 9100);
        struct trd_input in = {.pkt = pkt, .len = len};

        random_bytes(len);
        put_params(0, len < LINEAR_MAX ? len : LINEAR_MAX, len);
        trd_compare(ops_progs[i & 1], &in, &t);
    }
    trd_report("helpers_random", &t);
    trd_close();
}

/* ctx_in: data_end short of data_in (a shorter linear part, the rest in
 * fragments), metadata before data, the loopback as ingress device; the
 * context out. */
Test(xdp_frags_diff, ctx_linear_size, .timeout = 240)
{
    struct trd_tally t = {0};
    struct xdp_md md;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "frags");
    for (unsigned i = 0; i < 800; i++) {
        uint32_t len = 14 + trd_rnd(9200), meta = trd_rnd(3) ? 0 : 4 * trd_rnd(20);
        struct trd_input in = {.pkt = pkt, .len = len, .ctx = &md, .ctx_len = sizeof(md), .ctx_out = 1,
                               .ctx_room = sizeof(md)};
        uint32_t lin;

        memset(&md, 0, sizeof(md));
        md.data = meta;
        md.data_end = trd_rnd(4) ? meta + trd_rnd(len - meta + 20) : len;
        md.ingress_ifindex = trd_rnd(6); /* the host's devices: no frag_size */
        random_bytes(len);
        lin = md.data_end > meta ? md.data_end - meta : 0;
        if (lin > LINEAR_MAX - meta)
            lin = LINEAR_MAX - meta;
        if (md.data_end <= len && meta + 32 <= md.data_end && len > meta)
            put_params(meta, lin, len - meta);
        trd_compare("frags_fields", &in, &t);
        trd_compare(ops_progs[i & 1], &in, &t);
    }
    trd_report("ctx_linear_size", &t);
    trd_close();
}

/* data_size_out short of the packet: bpf_test_finish copies room less the
 * fragments of the linear part and then the fragments, -ENOSPC; when the
 * fragments alone do not fit, nothing (not even the size or retval). */
Test(xdp_frags_diff, data_out_room, .timeout = 240)
{
    struct trd_tally t = {0};

    trd_seed_init();
    trd_open(SRC, OBJDIR, "frags");
    for (unsigned i = 0; i < 400; i++) {
        uint32_t len = 14 + trd_rnd(9200);
        struct trd_input in = {.pkt = pkt, .len = len};

        random_bytes(len);
        if (len >= 32)
            put_params(0, len < LINEAR_MAX ? len : LINEAR_MAX, len);
        in.data_room = 1 + trd_rnd(len + 200);
        if (i % 4 == 0 && len > LINEAR_MAX)
            in.data_room = len - LINEAR_MAX + trd_rnd(3) - 1; /* around the fragments' size */
        trd_compare(i % 3 ? ops_progs[i & 1] : "frags_fields", &in, &t);
    }
    trd_report("data_out_room", &t);
    trd_close();
}

/* ---- bpf_perf_event_output with the packet appended ---- */

struct samples {
    unsigned n;
    uint32_t size[4];
    uint8_t data[4][LEN_MAX + 64];
};

static void ksample(void *ctx, int cpu, void *data, __u32 size)
{
    struct samples *s = ctx;
    (void)cpu;
    if (s->n < 4) {
        s->size[s->n] = size;
        memcpy(s->data[s->n], data, size < sizeof(s->data[0]) ? size : sizeof(s->data[0]));
    }
    s->n++;
}

static void bsample(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    ksample(ctx, (int)slot, data, size);
}

/* bpf_xdp_event_output appends ctx-length bytes of the packet as
 * bpf_xdp_copy reads it (the linear part, then the fragments), -EFAULT
 * past xdp_get_buff_len, after the program changed the tail: the return
 * value and the samples' bytes (8 bytes of the program's, then the
 * packet's) equal to those the kernel's perf buffer receives. */
Test(xdp_frags_diff, perf_output_packet, .timeout = 240)
{
    static struct samples ks, bs;
    struct trd_tally t = {0};
    struct perf_buffer *pb;
    struct bpfrt_map *bpe;
    unsigned equal = 0, n = 0;
    uint32_t k = 0, one = 1;

    trd_seed_init();
    trd_open(SRC, OBJDIR, "frags");
    pb = perf_buffer__new(trd_kernel_map_fd("pe"), 64, ksample, NULL, &ks, NULL);
    cr_assert_not_null(pb, "perf_buffer__new: %s", strerror(errno));
    bpe = trd_bpfrt_map("pe");
    cr_assert_eq(bpfrt_map__update_elem(bpe, &k, 4, &one, 4, BPF_ANY), 0, "open bpfrt's slot 0 (worker 0)");
    for (unsigned i = 0; i < 300; i++) {
        uint32_t len = 24 + trd_rnd(9000), lin = len < LINEAR_MAX ? len : LINEAR_MAX, want;
        int32_t tail = trd_rnd(3) ? 0 : tail_offset(lin, len);
        struct trd_input in = {.pkt = pkt, .len = len};

        random_bytes(len);
        switch (trd_rnd(4)) {
        case 0: want = trd_rnd(lin + 1); break;
        case 1: want = len - trd_rnd(3); break;
        case 2: want = len + 1; break;
        default: want = trd_rnd(len + 1); break;
        }
        memcpy(pkt + 16, &want, 4);
        memcpy(pkt + 20, &tail, 4);
        memset(&ks, 0, sizeof(ks));
        memset(&bs, 0, sizeof(bs));
        trd_compare("frags_perf", &in, &t);
        perf_buffer__consume(pb);
        map_perf_event_array_read(bpe, 0, bsample, NULL, &bs);
        /* one sample per run: the kernel's one, bpfrt's fast and checked */
        n++;
        if (bs.n == 2 * ks.n && ks.n <= 1 &&
            (!ks.n || (ks.size[0] == bs.size[0] && ks.size[0] == bs.size[1] &&
                       !memcmp(ks.data[0], bs.data[0], 8 + want) && !memcmp(ks.data[0], bs.data[1], 8 + want))))
            equal++;
        else if (n - equal <= 3)
            fprintf(stderr, "perf_output_packet: len %u want %u tail %d: kernel %u samples (size %u), bpfrt %u (size %u)\n",
                    len, want, tail, ks.n, ks.size[0], bs.n, bs.size[0]);
    }
    fprintf(stderr, "xdp_frags_diff perf samples: %u/%u equal\n", equal, n);
    cr_expect_eq(equal, n, "%u of %u runs' perf samples differ from the kernel's", n - equal, n);
    trd_report("perf_output_packet", &t);
    perf_buffer__free(pb);
    trd_close();
}
