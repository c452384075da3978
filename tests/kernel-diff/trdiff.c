/* trdiff.c - the machinery of the test-run differential suites
 * (trdiff.h). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/bpf_build.h"
#include "trdiff.h"

static uint64_t rng_state;

void trd_seed_init(void)
{
    const char *s = getenv("BPFRT_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : 20240917;
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

uint32_t trd_rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

static char kmsg[16384];
static size_t kmsg_len;

static int keep_msg(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    if (kmsg_len < sizeof(kmsg) - 1) {
        int n = vsnprintf(kmsg + kmsg_len, sizeof(kmsg) - kmsg_len, fmt, ap);
        if (n > 0)
            kmsg_len += (size_t)n;
        if (kmsg_len >= sizeof(kmsg))
            kmsg_len = sizeof(kmsg) - 1;
    }
    return 0;
}

/* The object, loaded on both sides. */
static struct bpf_object *kobj;
static struct bpfrt_object *bobj;

void trd_open_obj(const char *obj, const char *what)
{
    char log[16384] = "";
    int err;

    kmsg_len = 0;
    libbpf_set_print(keep_msg);
    kobj = bpf_object__open_file(obj, NULL);
    cr_assert_not_null(kobj, "libbpf cannot open %s", obj);
    err = bpf_object__load(kobj);
    if (err) {
        int e = errno;
        bpf_object__close(kobj);
        kobj = NULL;
        if (err == -EPERM || err == -ENOSYS || e == EPERM || e == ENOSYS)
            cr_skip_test("kernel bpf() unavailable (%s): %s are not compared with the kernel",
                         strerror(err == -ENOSYS || e == ENOSYS ? ENOSYS : EPERM), what);
        cr_assert_fail("the kernel refused %s (%d):\n%s", obj, err, kmsg);
    }
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(obj, &oo, &bobj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(bobj), 0, "%s", log);
}

void trd_open(const char *src, const char *objdir, const char *name)
{
    trd_open_obj(test_bpf_build(src, objdir, name, ""), "the test runs");
}

struct bpf_object *trd_kernel_obj(void)
{
    return kobj;
}

struct bpfrt_object *trd_bpfrt_obj(void)
{
    return bobj;
}

void trd_close(void)
{
    bpfrt_object__close(bobj);
    bpf_object__close(kobj);
    bobj = NULL;
    kobj = NULL;
}

static int kfd(const char *name)
{
    struct bpf_program *p = bpf_object__find_program_by_name(kobj, name);
    cr_assert_not_null(p, "kernel program %s", name);
    return bpf_program__fd(p);
}

static struct bpfrt_prog *bprog(const char *name)
{
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(bobj, name));
    cr_assert_not_null(p, "bpfrt program %s", name);
    return p;
}

static void krun(int fd, const struct trd_input *in, struct trd_outcome *o)
{
    memset(o, 0, sizeof(*o));
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = in->pkt, .data_size_in = in->len, .data_out = o->data,
                .data_size_out = in->data_room ? in->data_room : TRD_DATA_MAX, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
                .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? in->ctx_room : 0,
                .repeat = 1);
    o->err = bpf_prog_test_run_opts(fd, &ko) ? -errno : 0;
    o->retval = ko.retval;
    o->size_out = ko.data_size_out;
    o->ctx_size_out = ko.ctx_size_out;
}

static void brun(struct bpfrt_prog *p, const struct trd_input *in, int checked, struct trd_outcome *o, char *err,
                 size_t errsz)
{
    memset(o, 0, sizeof(*o));
    err[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)in->pkt, .data_size = in->len,
               .flags = checked ? BPFRT_RUN_CHECKED : 0, .err_buf = err, .err_size = errsz, .data_out = o->data,
               .data_size_out = in->data_room ? in->data_room : TRD_DATA_MAX, .ctx_in = in->ctx, .ctx_size_in = in->ctx_len,
               .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? in->ctx_room : 0);
    o->err = bpfrt_prog__run(p, &ro);
    o->retval = (uint32_t)ro.retval;
    o->size_out = ro.data_size_out;
    o->ctx_size_out = ro.ctx_size_out;
}

static void hex(char *buf, size_t bufsz, const uint8_t *p, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n && k + 4 < bufsz; i++)
        k += (size_t)snprintf(buf + k, bufsz - k, "%02x%s", p[i], i % 16 == 15 ? "\n" : " ");
    buf[k] = 0;
}

/* Mismatches printed in full (the rest are counted). */
static unsigned printed;
#define PRINT_MAX 6

/* Compare; on a difference say where. 1 when equal. */
static int same(const char *prog, const char *mode, const struct trd_input *in, const struct trd_outcome *k,
                const struct trd_outcome *b, const char *berr)
{
    char what[200] = "", h1[2048], h2[2048];
    uint32_t n;

    if (k->err != b->err)
        snprintf(what, sizeof(what), "error: kernel %d (%s), bpfrt %d (%s)", k->err, strerror(-k->err), b->err,
                 berr);
    else if (k->err && k->err != -ENOSPC)
        return 1;
    else if (k->retval != b->retval)
        snprintf(what, sizeof(what), "retval: kernel %u (0x%x), bpfrt %u (0x%x)", k->retval, k->retval, b->retval,
                 b->retval);
    else if (k->size_out != b->size_out)
        snprintf(what, sizeof(what), "data_size_out: kernel %u, bpfrt %u", k->size_out, b->size_out);
    else if (in->ctx_out && k->ctx_size_out != b->ctx_size_out)
        snprintf(what, sizeof(what), "ctx_size_out: kernel %u, bpfrt %u", k->ctx_size_out, b->ctx_size_out);
    else {
        n = k->size_out < TRD_DATA_MAX ? k->size_out : TRD_DATA_MAX;
        if (in->data_room && n > in->data_room)
            n = in->data_room;
        if (memcmp(k->data, b->data, n)) {
            if (printed >= PRINT_MAX)
                return 0;
            hex(h1, sizeof(h1), k->data, n < 128 ? n : 128);
            hex(h2, sizeof(h2), b->data, n < 128 ? n : 128);
            fprintf(stderr, "trdiff %s (%s): packet out differs:\nkernel:\n%s\nbpfrt:\n%s\n", prog, mode, h1,
                    h2);
            snprintf(what, sizeof(what), "data_out bytes");
        } else if (in->ctx_out && !k->err) {
            n = k->ctx_size_out < in->ctx_room ? k->ctx_size_out : in->ctx_room;
            if (memcmp(k->ctx, b->ctx, n)) {
                if (printed >= PRINT_MAX)
                    return 0;
                hex(h1, sizeof(h1), k->ctx, n);
                hex(h2, sizeof(h2), b->ctx, n);
                fprintf(stderr, "trdiff %s (%s): ctx_out differs:\nkernel:\n%s\nbpfrt:\n%s\n", prog, mode, h1,
                        h2);
                snprintf(what, sizeof(what), "ctx_out bytes");
            }
        }
    }
    if (!what[0])
        return 1;
    if (printed++ >= PRINT_MAX)
        return 0;
    hex(h1, sizeof(h1), in->pkt, in->len < 64 ? in->len : 64);
    fprintf(stderr, "trdiff MISMATCH %s (%s): %s\n  input: %u bytes, ctx_in %u bytes%s:\n%s\n", prog, mode, what,
            in->len, in->ctx ? in->ctx_len : 0, in->ctx_out ? ", ctx_out" : "", h1);
    return 0;
}

void trd_compare(const char *name, const struct trd_input *in, struct trd_tally *t)
{
    static struct trd_outcome k, b;
    char err[512];
    int fd = kfd(name);
    struct bpfrt_prog *p = bprog(name);

    krun(fd, in, &k);
    t->n++;
    brun(p, in, 0, &b, err, sizeof(err));
    t->eq_fast += same(name, "fast", in, &k, &b, err);
    brun(p, in, 1, &b, err, sizeof(err));
    t->eq_checked += same(name, "checked", in, &k, &b, err);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A packet of one of the standard shapes (kind) with random fields;
 * returns its length (before any cut). */
uint32_t trd_make_packet(uint8_t *p, unsigned kind, uint32_t payload)
{
    static const uint8_t dests[4][6] = {
        {0, 0, 0, 0, 0, 0}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0, 0, 1}, {2, 0, 0, 0, 0, 9}};
    uint32_t off = 14, l4;
    uint8_t proto = 0;
    int ip6 = 0;

    memcpy(p, dests[trd_rnd(4)], 6);
    for (int i = 6; i < 12; i++)
        p[i] = (uint8_t)trd_rnd(256);
    p[6] &= 0xfe;
    switch (kind % 9) {
    case 0: proto = 6; break;                          /* IPv4 TCP */
    case 1: proto = 17; break;                         /* IPv4 UDP */
    case 2: proto = 1; break;                          /* IPv4 ICMP */
    case 3: proto = 6, ip6 = 1; break;                 /* IPv6 TCP */
    case 4: proto = 17, ip6 = 1; break;                /* IPv6 UDP */
    case 5: /* VLAN + IPv4 UDP */
        put16(p + 12, 0x8100);
        put16(p + 14, (uint16_t)trd_rnd(4096));
        off = 18;
        proto = 17;
        break;
    case 6: /* ARP */
        put16(p + 12, 0x0806);
        for (uint32_t i = 14; i < 42 + payload; i++)
            p[i] = (uint8_t)trd_rnd(256);
        return 42 + payload;
    case 7: /* 802.3 length field, with IPX's 0xffff or LLC after it */
        put16(p + 12, (uint16_t)(46 + payload));
        p[14] = trd_rnd(2) ? 0xff : 0x42;
        p[15] = p[14];
        for (uint32_t i = 16; i < 60 + payload; i++)
            p[i] = (uint8_t)trd_rnd(256);
        return 60 + payload;
    default: /* random bytes after a random EtherType */
        for (uint32_t i = 12; i < 14 + payload + 20; i++)
            p[i] = (uint8_t)trd_rnd(256);
        return 14 + payload + 20;
    }
    if (kind % 9 != 5)
        put16(p + 12, ip6 ? 0x86dd : 0x0800);
    else
        put16(p + 16, 0x0800);
    if (ip6) {
        p[off] = 0x60;
        for (int i = 1; i < 40; i++)
            p[off + i] = (uint8_t)trd_rnd(256);
        p[off + 6] = proto;
        l4 = off + 40;
    } else {
        p[off] = 0x45;
        for (int i = 1; i < 20; i++)
            p[off + i] = (uint8_t)trd_rnd(256);
        p[off + 9] = proto;
        put16(p + off + 6, trd_rnd(4) ? 0x4000 : (uint16_t)trd_rnd(0x10000)); /* fragments sometimes */
        l4 = off + 20;
    }
    for (uint32_t i = 0; i < 20 + payload; i++)
        p[l4 + i] = (uint8_t)trd_rnd(256);
    if (proto == 6 || proto == 17) {
        static const uint16_t ports[] = {53, 22, 80, 443, 8080};
        put16(p + l4 + 2, trd_rnd(2) ? ports[trd_rnd(5)] : (uint16_t)trd_rnd(0x10000));
        if (proto == 17 && trd_rnd(4) == 0)
            put16(p + l4 + 6, 0); /* no UDP checksum */
    }
    return l4 + 20 + payload;
}


void trd_kernel_run(const char *name, const struct trd_input *in, struct trd_outcome *o)
{
    krun(kfd(name), in, o);
}

void trd_report(const char *name, const struct trd_tally *t)
{
    fprintf(stderr, "trdiff %-24s %u/%u equal (fast), %u/%u equal (checked)\n", name, t->eq_fast, t->n, t->eq_checked,
            t->n);
    cr_expect_eq(t->eq_fast, t->n, "%s: %u of %u fast runs differ from the kernel's", name, t->n - t->eq_fast, t->n);
    cr_expect_eq(t->eq_checked, t->n, "%s: %u of %u checked runs differ from the kernel's", name,
                 t->n - t->eq_checked, t->n);
}

int trd_kernel_map_fd(const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(kobj, name);
    cr_assert_not_null(m, "kernel map %s", name);
    return bpf_map__fd(m);
}

struct bpfrt_map *trd_bpfrt_map(const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(bobj, name);
    cr_assert_not_null(m, "bpfrt map %s", name);
    return m;
}
