/* test_helpers_diff.c - bpf_loop, bpf_for_each_map_elem, the ring buffer
 * helpers and bpf_map_lookup_percpu_elem against the running kernel.
 *
 * tests/data/helpers/helpers_diff.c is compiled at test time; each case has
 * an XDP entry the kernel runs (BPF_PROG_TEST_RUN) and a raw entry bpfrt
 * runs (r1 = packet, r2 = its length) around the same work function.  Over
 * random packets (random bytes and lengths) the return values, the output
 * packets, the results the program leaves in its `out` map and the records
 * the two ring buffers hold (libbpf's ring_buffer__consume on the kernel's,
 * bpfrt's ringbuf_consume on bpfrt's) must be the same; at the end every
 * map is compared key by key.  bpfrt runs alternate fast and checked mode.
 *
 * Hash maps iterate in an order of their own on each side: the hash walk
 * compares order-independent results (counts, sums, max, xor) exactly and
 * the early stop by its invariants.
 *
 * BPFRT_SEED=<n> replays a run; the seed is printed. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "maps/ringbuf.h"

#define SRC "tests/data/helpers/helpers_diff.c"
#define OBJDIR "build/tests/data/helpers"
#define OBJ OBJDIR "/helpers_diff.o"

#define INPUTS 400     /* random packets per case */
#define FILL_INPUTS 24 /* the ring-fill case loads fresh objects per packet */
#define MAXPKT 1500
#define NOUT 24 /* words of results (the map `out`) */

/* ----------------------------------------------------------- utilities */

static uint64_t rng_state, seed;

static void seed_init(const char *what)
{
    const char *s = getenv("BPFRT_SEED");
    seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
    fprintf(stderr, "helpers_diff %s: seed %llu (BPFRT_SEED=%llu to replay)\n", what, (unsigned long long)seed,
            (unsigned long long)seed);
}

static uint64_t rnd64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(rnd64() >> 32) % n;
}

/* A random packet: 14..MAXPKT bytes (short ones more often); the bytes
 * uniform, or from a small alphabet (zeros and small values make the
 * early stops and the hash collisions likelier). */
static size_t rnd_packet(uint8_t *p)
{
    size_t len = rnd(3) ? 14 + rnd(300) : 14 + rnd(MAXPKT - 13);
    int style = rnd(4);

    for (size_t i = 0; i < len; i++)
        p[i] = style == 0 ? (uint8_t)(rnd(4) * rnd(3)) : (uint8_t)rnd(256);
    return len;
}

static char kmsg[8192];
static size_t kmsg_len;

/* libbpf's messages, the last sizeof(kmsg) bytes kept for a failure report */
static int keep_msg(enum libbpf_print_level l, const char *f, va_list ap)
{
    char *line = NULL;
    int n;

    (void)l;
    n = vasprintf(&line, f, ap);
    if (n <= 0) {
        free(line);
        return 0;
    }
    if ((size_t)n >= sizeof(kmsg)) {
        memcpy(kmsg, line + n - (sizeof(kmsg) - 1), sizeof(kmsg) - 1);
        kmsg_len = sizeof(kmsg) - 1;
    } else {
        if (kmsg_len + (size_t)n >= sizeof(kmsg)) {
            size_t drop = kmsg_len + (size_t)n - (sizeof(kmsg) - 1);
            memmove(kmsg, kmsg + drop, kmsg_len - drop);
            kmsg_len -= drop;
        }
        memcpy(kmsg + kmsg_len, line, (size_t)n);
        kmsg_len += (size_t)n;
    }
    kmsg[kmsg_len] = 0;
    free(line);
    return 0;
}

static void build_obj(void)
{
    struct stat ss, so;
    int fd, rc = 0;

    if (system("mkdir -p " OBJDIR) != 0)
        cr_assert_fail("mkdir " OBJDIR);
    fd = open(OBJDIR ".lock", O_CREAT | O_RDWR, 0644);
    cr_assert(fd >= 0);
    flock(fd, LOCK_EX);
    if (stat(SRC, &ss) || stat(OBJ, &so) || so.st_mtime <= ss.st_mtime)
        rc = system("clang-19 -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -Wall -c " SRC " -o " OBJ
                    ".tmp.$$ && mv " OBJ ".tmp.$$ " OBJ);
    flock(fd, LOCK_UN);
    close(fd);
    cr_assert_eq(rc, 0, "clang-19 " SRC " failed");
}

/* One case on both sides: the kernel object with only <name>_xdp loaded,
 * the bpfrt object and its <name>_raw. */
struct pair {
    struct bpf_object *kobj;
    int kfd;
    struct bpfrt_object *bobj;
    struct bpfrt_prog *bp;
};

static void open_pair(struct pair *p, const char *name)
{
    char xdp[64], raw[64], log[16384];
    struct bpf_program *prog;
    int err;

    snprintf(xdp, sizeof(xdp), "%s_xdp", name);
    snprintf(raw, sizeof(raw), "%s_raw", name);
    kmsg_len = 0;
    kmsg[0] = 0;
    libbpf_set_print(keep_msg);
    p->kobj = bpf_object__open_file(OBJ, NULL);
    cr_assert_not_null(p->kobj, "libbpf cannot open " OBJ);
    bpf_object__for_each_program(prog, p->kobj) bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), xdp));
    err = bpf_object__load(p->kobj);
    if (err) {
        int e = errno;
        bpf_object__close(p->kobj);
        if (err == -EPERM || err == -ENOSYS || e == EPERM || e == ENOSYS)
            cr_skip_test("kernel bpf() unavailable: loading %s: %s", xdp, strerror(err == -ENOSYS ? ENOSYS : EPERM));
        cr_assert_fail("the kernel refused %s (%d):\n%s", xdp, err, kmsg);
    }
    p->kfd = bpf_program__fd(bpf_object__find_program_by_name(p->kobj, xdp));
    cr_assert_geq(p->kfd, 0);

    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(OBJ, &oo, &p->bobj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(p->bobj), 0, "%s", log);
    p->bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(p->bobj, raw));
    cr_assert_not_null(p->bp, "bpfrt has no %s", raw);
}

static void close_pair(struct pair *p)
{
    bpfrt_object__close(p->bobj);
    bpf_object__close(p->kobj);
}

static int kmap_fd(struct pair *p, const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(p->kobj, name);
    cr_assert_not_null(m, "kernel map %s", name);
    return bpf_map__fd(m);
}

static struct bpfrt_map *bmap(struct pair *p, const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(p->bobj, name);
    cr_assert_not_null(m, "bpfrt map %s", name);
    return m;
}

static unsigned long mismatches, inputs;

#define MISMATCH(...)                                                                                                  \
    do {                                                                                                               \
        mismatches++;                                                                                                  \
        fprintf(stderr, "helpers_diff MISMATCH (seed %llu): ", (unsigned long long)seed);                              \
        fprintf(stderr, __VA_ARGS__);                                                                                  \
        fputc('\n', stderr);                                                                                           \
    } while (0)

/* The results of one run on each side. */
struct result {
    uint64_t ret;
    size_t len;
    uint8_t pkt[MAXPKT];
    uint64_t out[NOUT];
};

/* Run the packet in the kernel and in bpfrt; 0 when both ran. */
static int run_both(struct pair *p, const char *what, int idx, const uint8_t *pkt, size_t len, int checked,
                    struct result *k, struct result *b)
{
    char err[512] = "";
    uint32_t zero = 0;
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = pkt, .data_size_in = (uint32_t)len, .data_out = k->pkt,
                .data_size_out = sizeof(k->pkt), .repeat = 1);
    int rc;

    inputs++;
    rc = bpf_prog_test_run_opts(p->kfd, &ko);
    cr_assert_eq(rc, 0, "%s: kernel test run of input %d (%zu bytes): %s", what, idx, len, strerror(errno));
    k->ret = ko.retval;
    k->len = ko.data_size_out;
    cr_assert_eq(bpf_map_lookup_elem(kmap_fd(p, "out"), &zero, k->out), 0);

    memcpy(b->pkt, pkt, len);
    b->len = len;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = b->pkt, .data_size = len, .flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED,
               .err_buf = err, .err_size = sizeof(err));
    rc = bpfrt_prog__run(p->bp, &ro);
    if (rc) {
        MISMATCH("%s input %d (%zu bytes, %s): bpfrt run failed: %d: %s", what, idx, len, checked ? "checked" : "fast",
                 rc, err);
        return -1;
    }
    b->ret = ro.retval;
    cr_assert_eq(bpfrt_map__lookup_elem(bmap(p, "out"), &zero, 4, b->out, sizeof(b->out), 0), 0);
    return 0;
}

/* Return values and output packets; then out[] words from..to exactly. */
static int compare_common(const char *what, int idx, int checked, const struct result *k, const struct result *b,
                          int from, int to)
{
    int bad = 0;
    const char *mode = checked ? "checked" : "fast";

    if ((uint32_t)b->ret != k->ret) {
        MISMATCH("%s input %d (%s): return kernel %llu, bpfrt %llu", what, idx, mode, (unsigned long long)k->ret,
                 (unsigned long long)b->ret);
        bad = 1;
    }
    if (k->len != b->len || memcmp(k->pkt, b->pkt, k->len)) {
        MISMATCH("%s input %d (%s): output packets differ (%zu / %zu bytes)", what, idx, mode, k->len, b->len);
        bad = 1;
    }
    for (int i = from; i < to; i++)
        if (k->out[i] != b->out[i]) {
            MISMATCH("%s input %d (%s): out[%d]: kernel %lld (0x%llx), bpfrt %lld (0x%llx)", what, idx, mode, i,
                     (long long)k->out[i], (unsigned long long)k->out[i], (long long)b->out[i],
                     (unsigned long long)b->out[i]);
            bad = 1;
        }
    return bad;
}

/* Every key -> value of a kernel map and a bpfrt map.  Per-CPU values:
 * the kernel's CPU 0 slot against bpfrt's worker 0, and every other slot
 * zero on both sides (the kernel runs pinned to CPU 0). */
static void compare_map(struct pair *p, const char *name)
{
    int kfd = kmap_fd(p, name);
    struct bpfrt_map *m = bmap(p, name);
    uint32_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__value_size(m);
    int percpu = bpfrt_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY;
    size_t kslots = percpu ? (size_t)libbpf_num_possible_cpus() : 1, bslots = percpu ? bpfrt_nr_workers() : 1;
    size_t kvs = percpu ? kslots * ((vs + 7) & ~7u) : vs, bvs = percpu ? bslots * ((vs + 7) & ~7u) : vs;
    uint8_t key[64], next[64], *kv = calloc(1, kvs), *bv = calloc(1, bvs);
    int n = 0, nb = 0, err;
    void *prev = NULL;

    cr_assert(ks <= sizeof(key) && kv && bv);
    while (bpf_map_get_next_key(kfd, prev, next) == 0) {
        memcpy(key, next, ks);
        prev = key;
        n++;
        cr_assert_eq(bpf_map_lookup_elem(kfd, key, kv), 0);
        err = bpfrt_map__lookup_elem(m, key, ks, bv, bvs, 0);
        if (err) {
            MISMATCH("map %s: key 0x%x present in the kernel, missing in bpfrt (%d)", name, *(uint32_t *)key, err);
            continue;
        }
        if (memcmp(kv, bv, vs)) {
            MISMATCH("map %s: key 0x%x: values differ (kernel 0x%llx, bpfrt 0x%llx)", name, *(uint32_t *)key,
                     (unsigned long long)*(uint64_t *)kv, (unsigned long long)*(uint64_t *)bv);
            continue;
        }
        for (size_t i = (vs + 7) & ~7u; percpu && i < kvs; i++)
            if (kv[i]) {
                MISMATCH("map %s: key 0x%x: the kernel wrote a CPU other than 0 (byte %zu)", name, *(uint32_t *)key, i);
                break;
            }
        for (size_t i = (vs + 7) & ~7u; percpu && i < bvs; i++)
            if (bv[i]) {
                MISMATCH("map %s: key 0x%x: bpfrt wrote a worker other than 0 (byte %zu)", name, *(uint32_t *)key, i);
                break;
            }
    }
    prev = NULL;
    while (bpfrt_map__get_next_key(m, prev, next, ks) == 0) {
        memcpy(key, next, ks);
        prev = key;
        nb++;
    }
    if (nb != n)
        MISMATCH("map %s: %d entries in bpfrt, %d in the kernel", name, nb, n);
    free(kv);
    free(bv);
}

static void report(const char *what, int cases)
{
    printf("helpers_diff %s: seed %llu, %d case(s), %lu inputs, %lu mismatches\n", what, (unsigned long long)seed,
           cases, inputs, mismatches);
    cr_expect_eq(mismatches, 0, "%s: %lu mismatches against the kernel (seed %llu)", what, mismatches,
                 (unsigned long long)seed);
}

/* ------------------------------------------------------------ the cases */

static struct result K, B;

/* Every word compared exactly, -E2BIG's width included (the kernel
 * inlines bpf_loop with flags 0 and returns it as a u32). */
Test(helpers_diff, bpf_loop, .timeout = 60)
{
    struct pair p;
    uint8_t pkt[MAXPKT];
    int early = 0;

    build_obj();
    seed_init("bpf_loop");
    open_pair(&p, "loop");
    for (int i = 0; i < INPUTS; i++) {
        size_t len = rnd_packet(pkt);
        if (run_both(&p, "bpf_loop", i, pkt, len, i & 1, &K, &B))
            continue;
        compare_common("bpf_loop", i, i & 1, &K, &B, 0, NOUT);
        early += K.out[0] < K.out[4];
    }
    cr_expect(early > 0 && early < INPUTS, "bpf_loop stopped early on %d of %d inputs", early, INPUTS);
    close_pair(&p);
    report("bpf_loop", 1);
}

/* bpf_for_each_map_elem over an ARRAY filled from the packet: the whole
 * walk (the callback adds to every value), an early stop, bad flags */
Test(helpers_diff, for_each_array, .timeout = 60)
{
    struct pair p;
    uint8_t pkt[MAXPKT];
    int early = 0;

    build_obj();
    seed_init("for_each_array");
    open_pair(&p, "each_array");
    for (int i = 0; i < INPUTS; i++) {
        size_t len = rnd_packet(pkt);
        if (run_both(&p, "for_each_array", i, pkt, len, i & 1, &K, &B) == 0 &&
            compare_common("for_each_array", i, i & 1, &K, &B, 0, NOUT) == 0)
            early += K.out[6] < 16;
    }
    cr_expect(early > 0 && early < INPUTS, "the array walk stopped early on %d of %d inputs", early, INPUTS);
    compare_map(&p, "arr");
    compare_map(&p, "out");
    close_pair(&p);
    report("for_each_array", 1);
}

/* bpf_for_each_map_elem over a HASH the packet updates and deletes in
 * (the update/delete errors compared too, the map fills up): order-free
 * results exactly; the early stop at a key: both find it or neither, the
 * callbacks made equal the return, and without a find it walked all. */
Test(helpers_diff, for_each_hash, .timeout = 60)
{
    struct pair p;
    uint8_t pkt[MAXPKT];
    int stops = 0, full = 0;

    build_obj();
    seed_init("for_each_hash");
    open_pair(&p, "each_hash");
    for (int i = 0; i < INPUTS; i++) {
        size_t len = rnd_packet(pkt);
        const char *mode = i & 1 ? "checked" : "fast";
        if (run_both(&p, "for_each_hash", i, pkt, len, i & 1, &K, &B))
            continue;
        compare_common("for_each_hash", i, i & 1, &K, &B, 0, 16);
        int kf = K.out[18] != ~0ull, bf = B.out[18] != ~0ull;
        if (kf != bf) {
            MISMATCH("for_each_hash input %d (%s): stop key found: kernel %d, bpfrt %d", i, mode, kf, bf);
            continue;
        }
        stops += kf;
        for (int op = 0; op < 24; op++)
            full += (K.out[8] >> (2 * op) & 3) == 2;
        for (int s = 0; s < 2; s++) {
            const struct result *r = s ? &B : &K;
            const char *side = s ? "bpfrt" : "kernel";
            /* the map after the first walk has out[1] elements */
            if (r->out[16] != r->out[17])
                MISMATCH("for_each_hash input %d (%s): %s: early stop returned %lld after %llu callbacks", i, mode,
                         side, (long long)r->out[16], (unsigned long long)r->out[17]);
            else if (kf && (r->out[16] < 1 || r->out[16] > r->out[1]))
                MISMATCH("for_each_hash input %d (%s): %s: stopped after %lld of %llu elements", i, mode, side,
                         (long long)r->out[16], (unsigned long long)r->out[1]);
            else if (!kf && r->out[16] != r->out[1])
                MISMATCH("for_each_hash input %d (%s): %s: no stop, %lld callbacks for %llu elements", i, mode, side,
                         (long long)r->out[16], (unsigned long long)r->out[1]);
        }
        if (kf && K.out[18] != B.out[18])
            MISMATCH("for_each_hash input %d (%s): value at the stop key: kernel 0x%llx, bpfrt 0x%llx", i, mode,
                     (unsigned long long)K.out[18], (unsigned long long)B.out[18]);
    }
    cr_expect_gt(stops, 0, "no input stopped the hash walk early");
    cr_expect_lt(stops, INPUTS, "every input stopped the hash walk early");
    cr_expect_gt(full, 0, "no update found the hash map full");
    printf("helpers_diff for_each_hash: %d early stops, %d updates refused with -E2BIG\n", stops, full);
    compare_map(&p, "h");
    close_pair(&p);
    report("for_each_hash", 1);
}

/* ---- ring buffer ---- */

#define MAXREC 1100

struct records {
    int n;
    uint32_t len[MAXREC];
    uint8_t data[MAXREC][80];
};

static int collect(void *ctx, void *data, size_t size)
{
    struct records *r = ctx;
    if (r->n < MAXREC) {
        r->len[r->n] = (uint32_t)size;
        memcpy(r->data[r->n], data, size < sizeof(r->data[0]) ? size : sizeof(r->data[0]));
    }
    r->n++;
    return 0;
}

static struct records KR, BR;

/* Drain both rings and compare the records: count, order, lengths, bytes. */
static void compare_rings(const char *what, int idx, struct ring_buffer *krb, struct bpfrt_map *brb, int *total)
{
    int kn, bn;

    KR.n = BR.n = 0;
    kn = ring_buffer__consume(krb);
    bn = map_ringbuf_consume(brb, collect, &BR);
    if (kn < 0 || kn != KR.n)
        MISMATCH("%s input %d: ring_buffer__consume returned %d for %d records", what, idx, kn, KR.n);
    if (bn != BR.n)
        MISMATCH("%s input %d: ringbuf_consume returned %d for %d records", what, idx, bn, BR.n);
    if (KR.n != BR.n) {
        MISMATCH("%s input %d: %d records in the kernel's ring, %d in bpfrt's", what, idx, KR.n, BR.n);
        return;
    }
    for (int i = 0; i < KR.n && i < MAXREC; i++) {
        if (KR.len[i] != BR.len[i]) {
            MISMATCH("%s input %d: record %d: %u bytes in the kernel's ring, %u in bpfrt's", what, idx, i, KR.len[i],
                     BR.len[i]);
            return;
        }
        if (memcmp(KR.data[i], BR.data[i], KR.len[i] < 80 ? KR.len[i] : 80)) {
            MISMATCH("%s input %d: record %d (%u bytes): contents differ", what, idx, i, KR.len[i]);
            return;
        }
    }
    *total += KR.n;
}

/* reserve/submit/discard of 32- and 5-byte records, output from the stack
 * and from the packet, bad flags; the rings drained after every packet */
Test(helpers_diff, ringbuf, .timeout = 60)
{
    struct pair p;
    uint8_t pkt[MAXPKT];
    struct ring_buffer *krb;
    int records = 0;

    build_obj();
    seed_init("ringbuf");
    open_pair(&p, "ring");
    krb = ring_buffer__new(kmap_fd(&p, "rb"), collect, &KR, NULL);
    cr_assert_not_null(krb, "ring_buffer__new: %s", strerror(errno));
    for (int i = 0; i < INPUTS; i++) {
        size_t len = rnd_packet(pkt);
        if (run_both(&p, "ringbuf", i, pkt, len, i & 1, &K, &B) == 0)
            compare_common("ringbuf", i, i & 1, &K, &B, 0, NOUT);
        compare_rings("ringbuf", i, krb, bmap(&p, "rb"), &records);
    }
    cr_expect_gt(records, INPUTS, "too few records to tell anything: %d", records);
    printf("helpers_diff ringbuf: %d records compared\n", records);
    ring_buffer__free(krb);
    close_pair(&p);
    report("ringbuf", 1);
}

/* A fresh ring filled by bpf_loop with outputs until one fails: the same
 * number of records must fit (the kernel keeps the producer less than the
 * ring's size ahead of the consumer), the same error, the same records. */
Test(helpers_diff, ringbuf_fill, .timeout = 60)
{
    uint8_t pkt[MAXPKT];
    int records = 0;

    build_obj();
    seed_init("ringbuf_fill");
    for (int i = 0; i < FILL_INPUTS; i++) {
        struct pair p;
        struct ring_buffer *krb;
        size_t len = rnd_packet(pkt);

        pkt[0] = (uint8_t)((pkt[0] & ~1) | (i & 1)); /* odd: 8-byte records only */
        open_pair(&p, "ring_fill");
        krb = ring_buffer__new(kmap_fd(&p, "rb"), collect, &KR, NULL);
        cr_assert_not_null(krb, "ring_buffer__new: %s", strerror(errno));
        if (run_both(&p, "ringbuf_fill", i, pkt, len, i & 2, &K, &B) == 0)
            compare_common("ringbuf_fill", i, i & 2, &K, &B, 0, NOUT);
        compare_rings("ringbuf_fill", i, krb, bmap(&p, "rb"), &records);
        ring_buffer__free(krb);
        close_pair(&p);
    }
    printf("helpers_diff ringbuf_fill: %d records compared\n", records);
    report("ringbuf_fill", 1);
}

/* bpf_map_lookup_percpu_elem: written through bpf_map_lookup_elem, read for
 * cpu 0 (the kernel's test run pinned there, bpfrt's worker 0), for cpus
 * past the last (NULL), for an absent key (NULL); a write through it */
Test(helpers_diff, lookup_percpu_elem, .timeout = 60)
{
    struct pair p;
    uint8_t pkt[MAXPKT];
    cpu_set_t old, cpu0;

    build_obj();
    seed_init("lookup_percpu_elem");
    cr_assert_eq(sched_getaffinity(0, sizeof(old), &old), 0);
    if (!CPU_ISSET(0, &old))
        cr_skip_test("CPU 0 is not available to this process: the kernel's test run cannot be put there");
    CPU_ZERO(&cpu0);
    CPU_SET(0, &cpu0);
    cr_assert_eq(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0, "sched_setaffinity: %s", strerror(errno));
    open_pair(&p, "percpu");
    for (int i = 0; i < INPUTS; i++) {
        size_t len = rnd_packet(pkt);
        if (run_both(&p, "lookup_percpu_elem", i, pkt, len, i & 1, &K, &B) == 0)
            compare_common("lookup_percpu_elem", i, i & 1, &K, &B, 0, NOUT);
    }
    cr_expect_eq(K.out[2], 1, "cpu 0 is a CPU of the kernel's");
    compare_map(&p, "pa");
    compare_map(&p, "out");
    close_pair(&p);
    sched_setaffinity(0, sizeof(old), &old);
    report("lookup_percpu_elem", 1);
}
