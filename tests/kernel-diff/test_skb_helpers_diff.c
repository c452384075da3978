/* test_skb_helpers_diff.c - the skb helpers that move or rewrite packet
 * data against the running kernel (suite skb_helpers_diff).
 *
 * tests/data/helpers/skb_helpers.c is compiled at test time; its tc
 * program runs a list of operations (bpf_skb_change_proto, _change_type,
 * _change_head, _change_tail, _adjust_room, _vlan_push, _vlan_pop,
 * _load_bytes_relative, _ecn_set_ce, bpf_csum_update, bpf_csum_level,
 * LD_ABS and bpf_skb_store_bytes in between) given in its `params` map,
 * recording each helper's return value and the skb's fields after it in
 * `results`.  The same object is loaded in the kernel and in bpfrt; over
 * many packets (IPv4/IPv6, TCP/UDP, one or two VLAN tags, ARP, 802.3,
 * random bytes, cut at random lengths), ctx_in (none, or with GSO sizes)
 * and operation lists (valid and invalid lengths, modes, flags,
 * protocols), the kernel's BPF_PROG_TEST_RUN and bpfrt's test run (fast
 * and checked) must give the same error, return value, packet out (size
 * and bytes), context out and `results`.  A sched_act program does the
 * same as the sched_cls one; the cgroup_skb and socket filter programs
 * with the helpers their types may call.
 *
 * Skips with a message where bpf() is unavailable.  BPFRT_SEED=<n>
 * changes the random inputs (the default is fixed). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "obj_pair.h"
#include "../data/helpers/skb_helpers.h"

#define SRC "tests/data/helpers/skb_helpers.c"
#define OBJDIR "build/tests/data/helpers"
#define BUFSZ (128u << 10)
#define CASES 20000

static const char *const op_names[OP_COUNT] = {"none",
                                               "skb_change_proto",
                                               "skb_change_type",
                                               "skb_change_head",
                                               "skb_change_tail",
                                               "skb_adjust_room",
                                               "skb_vlan_push",
                                               "skb_vlan_pop",
                                               "skb_load_bytes_relative",
                                               "skb_ecn_set_ce",
                                               "csum_update",
                                               "csum_level",
                                               "ld_abs",
                                               "skb_store_bytes",
                                               "l4_csum_replace"};

/* ----------------------------------------------------------- utilities */

static void seed_init(void)
{
    pair_seed(20261203);
}

static uint32_t rnd32(void)
{
    return rnd(0xffffffffu) ^ (rnd(2) << 31);
}

static int kmap(const char *name)
{
    struct bpf_map *m = bpf_object__find_map_by_name(trd_kernel_obj(), name);
    cr_assert_not_null(m, "kernel map %s", name);
    return bpf_map__fd(m);
}

static struct bpfrt_map *bmap(const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(trd_bpfrt_obj(), name);
    cr_assert_not_null(m, "bpfrt map %s", name);
    return m;
}

/* ------------------------------------------------------------- packets */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A packet of a random shape; returns its length. */
static uint32_t make_packet(uint8_t *p)
{
    uint32_t off = 12, len, payload = rnd(5) == 0 ? rnd(1400) : rnd(80);
    unsigned kind = rnd(10), tags = rnd(4) == 0 ? 1 + rnd(2) : 0;
    int ip6 = 0;

    for (int i = 0; i < 12; i++)
        p[i] = (uint8_t)rnd(256);
    for (unsigned t = 0; t < tags; t++, off += 4) {
        put16(p + off, t == 0 && tags == 2 && rnd(2) ? 0x88a8 : 0x8100);
        put16(p + off + 2, (uint16_t)rnd(0x10000));
    }
    switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3: /* IPv4: TCP, UDP, ICMP or another protocol; ECN bits random */
        put16(p + off, 0x0800);
        off += 2;
        p[off] = rnd(4) ? 0x45 : (uint8_t)(0x40 | (5 + rnd(11)));
        for (int i = 1; i < 20; i++)
            p[off + i] = (uint8_t)rnd(256);
        p[off + 9] = kind == 0 ? 6 : kind == 1 ? 17 : kind == 2 ? 1 : (uint8_t)rnd(256);
        len = off + 20 + 20 + payload;
        break;
    case 4:
    case 5:
    case 6: /* IPv6: traffic class random */
        ip6 = 1;
        put16(p + off, 0x86dd);
        off += 2;
        p[off] = (uint8_t)(0x60 | rnd(16));
        for (int i = 1; i < 40; i++)
            p[off + i] = (uint8_t)rnd(256);
        p[off + 6] = kind == 4 ? 6 : kind == 5 ? 17 : 58;
        len = off + 40 + 20 + payload;
        break;
    case 7: /* ARP */
        put16(p + off, 0x0806);
        len = off + 2 + 28 + payload;
        break;
    case 8: /* 802.3 length field, IPX's 0xffff or LLC after it */
        put16(p + off, (uint16_t)(46 + payload));
        len = off + 2 + 46 + payload;
        for (uint32_t i = off + 2; i < len; i++)
            p[i] = (uint8_t)rnd(256);
        if (rnd(2))
            p[off + 2] = p[off + 3] = 0xff;
        goto cut;
    default: /* random bytes */
        len = 14 + rnd(120);
        for (uint32_t i = 12; i < len; i++)
            p[i] = (uint8_t)rnd(256);
        goto cut;
    }
    for (uint32_t i = off + (ip6 ? 40 : 20); i < len; i++)
        p[i] = (uint8_t)rnd(256);
cut:
    if (rnd(6) == 0) /* cut anywhere from an Ethernet header on */
        len = 14 + rnd(len - 13);
    return len;
}

/* ---------------------------------------------------------- operations */

static uint32_t pick(const uint32_t *v, size_t n)
{
    return v[rnd((uint32_t)n)];
}
#define PICK(...) pick((const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

static uint32_t be16(uint16_t v)
{
    return (uint32_t)(uint16_t)(v >> 8 | v << 8);
}

/* ADJ_ROOM flags: single ones, the encapsulation combinations, the
 * inner MAC length, unknown bits. */
static uint64_t adj_flags(void)
{
    uint64_t f = 0;

    switch (rnd(6)) {
    case 0: return 0;
    case 1: return 1ull << rnd(9); /* one of FIXED_GSO .. DECAP_L3_IPV6 */
    case 2: return 1ull << rnd(64);
    case 3: /* encapsulation */
        f = rnd(4) ? (rnd(2) ? 2 : 4) : 6;
        if (rnd(2))
            f |= rnd(4) ? (rnd(2) ? 8 : 16) : 24;
        if (rnd(3) == 0)
            f |= 64 | ((uint64_t)PICK(0, 13, 14, 18, 255) << 56);
        else if (rnd(3) == 0)
            f |= (uint64_t)PICK(0, 4, 14, 40) << 56;
        if (rnd(4) == 0)
            f |= 32 | (rnd(2) ? 1 : 0);
        return f;
    case 4: /* decapsulation */
        return (rnd(4) ? (rnd(2) ? 128 : 256) : 384) | (rnd(2) ? 32 : 0) | (rnd(3) == 0 ? 1 : 0);
    default: return 32 | (rnd(2) ? 1 : 0); /* NO_CSUM_RESET, FIXED_GSO */
    }
}

static void make_op(struct op *o, int gso)
{
    memset(o, 0, sizeof(*o));
    o->op = 1 + rnd(OP_COUNT - 1);
    switch (o->op) {
    case OP_CHANGE_PROTO:
        o->a = rnd(8) ? PICK(be16(0x0800), be16(0x86dd)) : PICK(be16(0x0806), be16(0x8100), rnd(0x10000), 0x0800);
        o->b = rnd(10) ? 0 : 1ull << rnd(64);
        break;
    case OP_CHANGE_TYPE: o->a = rnd(4) ? rnd(5) : PICK(7, 8, 255, rnd32()); break;
    case OP_CHANGE_HEAD:
        o->a = rnd(4) ? PICK(0, 1, 4, 14, 18, 20, 40, 60, 64, 65, 128, 200) : rnd(3000);
        if (rnd(10) == 0)
            o->a = gso ? 16064 + rnd(20000) : PICK(16064, 16100, 0x7fffffffu, 0x80000000u, 0xffffffffu);
        o->b = rnd(12) ? 0 : 1ull << rnd(64);
        break;
    case OP_CHANGE_TAIL:
        o->a = rnd(3) ? PICK(0, 1, 13, 14, 15, 18, 33, 34, 35, 54, 60, 64, 100, 1500) : rnd(4000);
        if (rnd(12) == 0)
            o->a = PICK(16063, 16064, 16065, 0xffffffffu);
        o->b = rnd(12) ? 0 : 1ull << rnd(64);
        break;
    case OP_ADJUST_ROOM:
        o->a = (uint32_t)(int32_t)(rnd(4) ? (int32_t)PICK(0, 4, 8, 14, 20, 28, 40, 60, 100) * (rnd(2) ? 1 : -1)
                                          : (int32_t)PICK(0xfff, 0x1000, (uint32_t)-0xfff, (uint32_t)-0x1000,
                                                          0x80000000u, rnd(0x2000) - 0x1000));
        o->b = rnd(8) ? rnd(2) : PICK(2, 3, rnd32());
        o->c = adj_flags();
        break;
    case OP_VLAN_PUSH:
        o->a = rnd(4) ? PICK(be16(0x8100), be16(0x88a8)) : PICK(0, be16(0x0800), 0x8100, rnd(0x10000));
        o->b = rnd(2) ? rnd(0x10000) : PICK(0, 1, 0xfff, 0xffff);
        break;
    case OP_LOAD_REL:
        o->a = rnd(3) ? rnd(64) : PICK(0xffff, 0x10000, rnd32(), 100 + rnd(2000));
        o->b = rnd(64);
        o->c = rnd(6) ? rnd(2) : PICK(2, 3, rnd32());
        break;
    case OP_CSUM_UPDATE: o->a = rnd32(); break;
    case OP_CSUM_LEVEL: o->b = rnd(6) ? rnd(4) : PICK(4, 5, 0xffffffffu); break;
    case OP_LD_ABS: o->a = rnd(64); break;
    case OP_STORE_BYTES:
        o->a = rnd(60);
        o->b = rnd32();
        o->c = rnd(3) ? (rnd(2) ? BPF_F_RECOMPUTE_CSUM : 0) : PICK(BPF_F_INVALIDATE_HASH, 3, 4);
        break;
    case OP_L4_CSUM: /* offset | flags << 16: size 0, 2, 4 (or bad), pseudo header, mangled 0, IPv6 */
        o->a = (rnd(4) ? 2 * rnd(40) : rnd(80)) |
               (uint32_t)((rnd(8) ? PICK(0, 2, 4) : PICK(1, 3, 8)) | (rnd(2) ? BPF_F_PSEUDO_HDR : 0) |
                          (rnd(4) ? 0 : BPF_F_MARK_MANGLED_0) | (rnd(8) ? 0 : BPF_F_MARK_ENFORCE) |
                          (rnd(6) ? 0 : 1u << 7 /* BPF_F_IPV6 */))
                   << 16;
        o->b = (o->a >> 16 & 0xf) == 0 && rnd(4) ? 0 : rnd32();
        o->c = rnd32();
        break;
    default: break;
    }
}

/* ------------------------------------------------------------------ runs */

struct outcome {
    int err;
    uint32_t retval;
    uint32_t size_out;
    uint32_t ctx_size_out;
    uint8_t data[BUFSZ];
    uint8_t ctx[sizeof(struct __sk_buff)];
    struct res res[NOPS];
};

struct input {
    const uint8_t *pkt;
    uint32_t len;
    const struct __sk_buff *ctx; /* NULL: none */
    int ctx_out;
    const struct params *prm;
    uint32_t test_flags; /* BPF_F_TEST_SKB_CHECKSUM_COMPLETE or 0 */
};

static void krun(int fd, const struct input *in, struct outcome *o)
{
    static const struct res zero_res;
    uint32_t zero = 0;
    int rfd = kmap("results");

    memset(o, 0, offsetof(struct outcome, data));
    cr_assert_eq(bpf_map_update_elem(kmap("params"), &zero, in->prm, 0), 0);
    for (uint32_t i = 0; i < NOPS; i++)
        cr_assert_eq(bpf_map_update_elem(rfd, &i, &zero_res, 0), 0);
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = in->pkt, .data_size_in = in->len, .data_out = o->data,
                .data_size_out = BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx ? sizeof(*in->ctx) : 0,
                .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? sizeof(o->ctx) : 0, .repeat = 1,
                .flags = in->test_flags);
    o->err = bpf_prog_test_run_opts(fd, &ko) ? -errno : 0;
    o->retval = ko.retval;
    o->size_out = ko.data_size_out;
    o->ctx_size_out = ko.ctx_size_out;
    for (uint32_t i = 0; i < NOPS; i++)
        cr_assert_eq(bpf_map_lookup_elem(rfd, &i, &o->res[i]), 0);
}

static void brun(struct bpfrt_prog *p, const struct input *in, int checked, struct outcome *o, char *err, size_t errsz)
{
    static const struct res zero_res;
    struct bpfrt_map *rm = bmap("results");
    uint32_t zero = 0;

    memset(o, 0, offsetof(struct outcome, data));
    err[0] = 0;
    cr_assert_eq(bpfrt_map__update_elem(bmap("params"), &zero, 4, in->prm, sizeof(*in->prm), 0), 0);
    for (uint32_t i = 0; i < NOPS; i++)
        cr_assert_eq(bpfrt_map__update_elem(rm, &i, 4, &zero_res, sizeof(zero_res), 0), 0);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)in->pkt, .data_size = in->len,
               .flags = checked ? BPFRT_RUN_CHECKED : 0, .err_buf = err, .err_size = errsz, .data_out = o->data,
               .data_size_out = BUFSZ, .ctx_in = in->ctx, .ctx_size_in = in->ctx ? sizeof(*in->ctx) : 0,
               .ctx_out = in->ctx_out ? o->ctx : NULL, .ctx_size_out = in->ctx_out ? sizeof(o->ctx) : 0,
               .test_flags = in->test_flags);
    o->err = bpfrt_prog__run(p, &ro);
    o->retval = (uint32_t)ro.retval;
    o->size_out = ro.data_size_out;
    o->ctx_size_out = ro.ctx_size_out;
    for (uint32_t i = 0; i < NOPS; i++)
        cr_assert_eq(bpfrt_map__lookup_elem(rm, &i, 4, &o->res[i], sizeof(o->res[i]), 0), 0);
}

static unsigned printed;
#define PRINT_MAX 8

static void describe(const struct input *in)
{
    char h[600];

    hex(h, sizeof(h), in->pkt, in->len < 80 ? in->len : 80);
    fprintf(stderr, "  input: %u bytes%s%s:\n%s\n  ops:", in->len, in->ctx ? ", ctx_in" : "", in->ctx ? "" : "", h);
    if (in->ctx)
        fprintf(stderr, " [gso_size %u gso_segs %u]", in->ctx->gso_size, in->ctx->gso_segs);
    for (uint32_t i = 0; i < in->prm->nops; i++) {
        const struct op *o = &in->prm->ops[i];
        fprintf(stderr, " %s(0x%x, 0x%llx, 0x%llx)", op_names[o->op], o->a, (unsigned long long)o->b,
                (unsigned long long)o->c);
    }
    fprintf(stderr, "\n");
}

/* 1 when equal; else the first difference printed (a few times). */
static int same(const char *prog, const char *mode, const struct input *in, const struct outcome *k,
                const struct outcome *b, const char *berr)
{
    char what[300] = "";

    if (k->err != b->err)
        snprintf(what, sizeof(what), "error: kernel %d, bpfrt %d (%s)", k->err, b->err, berr);
    else if (k->retval != b->retval)
        snprintf(what, sizeof(what), "retval: kernel %u, bpfrt %u", k->retval, b->retval);
    else if (k->size_out != b->size_out)
        snprintf(what, sizeof(what), "data_size_out: kernel %u, bpfrt %u", k->size_out, b->size_out);
    else if (!k->err && memcmp(k->data, b->data, k->size_out < BUFSZ ? k->size_out : BUFSZ)) {
        uint32_t i = 0;
        while (k->data[i] == b->data[i])
            i++;
        snprintf(what, sizeof(what), "data_out byte %u: kernel 0x%02x, bpfrt 0x%02x", i, k->data[i], b->data[i]);
    } else if (in->ctx_out && (k->ctx_size_out != b->ctx_size_out || memcmp(k->ctx, b->ctx, sizeof(k->ctx))))
        snprintf(what, sizeof(what), "ctx_out");
    else
        for (uint32_t i = 0; i < NOPS && !what[0]; i++)
            if (memcmp(&k->res[i], &b->res[i], sizeof(k->res[i]))) {
                const struct res *x = &k->res[i], *y = &b->res[i];
                snprintf(what, sizeof(what),
                         "results[%u] (%s): ret %lld/%lld len %u/%u proto 0x%x/0x%x vlan %u,%u,0x%x/%u,%u,0x%x "
                         "type %u/%u gso %u,%u/%u,%u d14 0x%x/0x%x d60 0x%x/0x%x buf%s",
                         i, op_names[in->prm->ops[i].op], (long long)x->ret, (long long)y->ret, x->len, y->len,
                         x->protocol, y->protocol, x->vlan_present, x->vlan_tci, x->vlan_proto, y->vlan_present,
                         y->vlan_tci, y->vlan_proto, x->pkt_type, y->pkt_type, x->gso_size, x->gso_segs, y->gso_size,
                         y->gso_segs, x->direct14, y->direct14, x->direct60, y->direct60,
                         memcmp(x->buf, y->buf, sizeof(x->buf)) ? " differs" : " equal");
            }
    if (!what[0])
        return 1;
    if (printed++ >= PRINT_MAX)
        return 0;
    fprintf(stderr, "skb_helpers_diff MISMATCH %s (%s): %s\n", prog, mode, what);
    describe(in);
    fprintf(stderr, "  returns (kernel/bpfrt):");
    for (uint32_t i = 0; i < in->prm->nops; i++)
        fprintf(stderr, " %lld/%lld", (long long)k->res[i].ret, (long long)b->res[i].ret);
    fprintf(stderr, "\n");
    return 0;
}

#define NCODES 10
struct tally {
    unsigned n, eq_fast, eq_checked;
    unsigned complete, ebadmsg; /* runs with BPF_F_TEST_SKB_CHECKSUM_COMPLETE, and the kernel's -EBADMSG */
    unsigned calls[OP_COUNT], ok[OP_COUNT], failed[OP_COUNT]; /* the kernel's answers per helper */
    int64_t code[OP_COUNT][NCODES];                           /* the distinct errors it gave, with counts */
    unsigned code_n[OP_COUNT][NCODES];
};

static void count_code(struct tally *t, uint32_t op, int64_t ret)
{
    for (int i = 0; i < NCODES; i++) {
        if (t->code_n[op][i] && t->code[op][i] == ret) {
            t->code_n[op][i]++;
            return;
        }
        if (!t->code_n[op][i]) {
            t->code[op][i] = ret;
            t->code_n[op][i] = 1;
            return;
        }
    }
}

static void run_compare(const char *name, const struct input *in, struct tally *t)
{
    static struct outcome k, b;
    char err[512];
    struct bpf_program *kp = bpf_object__find_program_by_name(trd_kernel_obj(), name);
    struct bpfrt_prog *bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(trd_bpfrt_obj(), name));

    cr_assert_not_null(kp, "kernel program %s", name);
    cr_assert_not_null(bp, "bpfrt program %s", name);
    krun(bpf_program__fd(kp), in, &k);
    t->n++;
    t->complete += in->test_flags != 0;
    t->ebadmsg += k.err == -EBADMSG;
    for (uint32_t i = 0; i < in->prm->nops; i++)
        if (k.res[i].done && k.res[i].ret != -999) {
            t->calls[in->prm->ops[i].op]++;
            if (k.res[i].ret < 0) {
                t->failed[in->prm->ops[i].op]++;
                count_code(t, in->prm->ops[i].op, k.res[i].ret);
            } else {
                t->ok[in->prm->ops[i].op]++;
                if (in->prm->ops[i].op != OP_LD_ABS)
                    count_code(t, in->prm->ops[i].op, k.res[i].ret);
            }
        }
    brun(bp, in, 0, &b, err, sizeof(err));
    t->eq_fast += same(name, "fast", in, &k, &b, err);
    brun(bp, in, 1, &b, err, sizeof(err));
    t->eq_checked += same(name, "checked", in, &k, &b, err);
}

static void report(const char *name, const struct tally *t)
{
    fprintf(stderr,
            "skb_helpers_diff %-7s %u cases: %u equal (fast), %u equal (checked); %u CHECKSUM_COMPLETE runs, %u of "
            "them -EBADMSG in the kernel\n",
            name, t->n, t->eq_fast, t->eq_checked, t->complete, t->ebadmsg);
    for (int op = 1; op < OP_COUNT; op++)
        if (t->calls[op]) {
            fprintf(stderr, "    %-24s %6u calls in the kernel: %6u >= 0, %6u errors; returns", op_names[op],
                    t->calls[op], t->ok[op], t->failed[op]);
            for (int i = 0; i < NCODES && t->code_n[op][i]; i++)
                fprintf(stderr, " %lld:%u", (long long)t->code[op][i], t->code_n[op][i]);
            fprintf(stderr, "\n");
        }
}

/* CASES random runs of prog; ops limited to allowed (NULL: all). */
static void random_runs(const char *name, const uint32_t *allowed, size_t nallowed, struct tally *t)
{
    static uint8_t pkt[4096];
    static struct __sk_buff ctx;
    static struct params prm;

    for (unsigned c = 0; c < CASES; c++) {
        struct input in = {.pkt = pkt, .prm = &prm, .test_flags = rnd(2) ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE : 0};
        int gso = 0, same_helper = rnd(4) == 0;

        in.len = make_packet(pkt);
        if (rnd(3) == 0) {
            memset(&ctx, 0, sizeof(ctx));
            if (rnd(3) == 0) {
                ctx.gso_size = rnd(2) ? 1 + rnd(1500) : PICK(1, 0xffff, 0x10000 + rnd(10));
                ctx.gso_segs = rnd(3) ? 0 : rnd(100);
                gso = (uint16_t)ctx.gso_size != 0;
            }
            ctx.mark = rnd32();
            in.ctx = &ctx;
            in.ctx_out = rnd(2);
        }
        memset(&prm, 0, sizeof(prm));
        prm.nops = 1 + rnd(NOPS);
        for (uint32_t i = 0; i < prm.nops; i++) {
            make_op(&prm.ops[i], gso);
            /* a quarter of the lists repeat one helper (a second
             * encapsulation, tags pushed and popped in turn, ...) */
            while (!allowed && i && same_helper && prm.ops[i].op != prm.ops[0].op)
                make_op(&prm.ops[i], gso);
            if (allowed)
                prm.ops[i].op = allowed[rnd((uint32_t)nallowed)];
        }
        run_compare(name, &in, t);
    }
    report(name, t);
}

TestSuite(skb_helpers_diff, .init = seed_init);

Test(skb_helpers_diff, tc_every_helper, .timeout = 300)
{
    static struct tally t;

    pair_open(SRC, OBJDIR, "skb_helpers", "the skb helpers");
    random_runs("tc_ops", NULL, 0, &t);
    pair_close();
    cr_expect_eq(t.eq_fast, t.n, "%u of %u cases differ from the kernel (fast)", t.n - t.eq_fast, t.n);
    cr_expect_eq(t.eq_checked, t.n, "%u of %u cases differ from the kernel (checked)", t.n - t.eq_checked, t.n);
    /* the cases reach the helpers' successes, and their errors where they have some here */
    for (int op = 1; op < OP_COUNT; op++) {
        int errs = op != OP_VLAN_PUSH && op != OP_VLAN_POP && op != OP_ECN_SET_CE && op != OP_LD_ABS;
        cr_expect(op == OP_CSUM_UPDATE || t.ok[op], "%s: no success among %u calls", op_names[op], t.calls[op]);
        cr_expect(!errs || t.failed[op], "%s: no error among %u calls", op_names[op], t.calls[op]);
    }
}

Test(skb_helpers_diff, sched_act, .timeout = 300)
{
    static struct tally t;

    pair_open(SRC, OBJDIR, "skb_helpers", "the skb helpers");
    random_runs("act_ops", NULL, 0, &t);
    pair_close();
    cr_expect_eq(t.eq_fast + t.eq_checked, 2 * t.n, "sched_act: %u and %u of %u cases differ", t.n - t.eq_fast,
                 t.n - t.eq_checked, t.n);
}

Test(skb_helpers_diff, cgroup_skb_and_socket_filter, .timeout = 300)
{
    static const uint32_t cg[] = {OP_LOAD_REL, OP_ECN_SET_CE}, sf[] = {OP_LOAD_REL};
    static struct tally tc, ts;

    pair_open(SRC, OBJDIR, "skb_helpers", "the skb helpers");
    random_runs("cg_ops", cg, 2, &tc);
    random_runs("sf_ops", sf, 1, &ts);
    pair_close();
    cr_expect_eq(tc.eq_fast + tc.eq_checked, 2 * tc.n, "cgroup_skb: %u and %u of %u cases differ", tc.n - tc.eq_fast,
                 tc.n - tc.eq_checked, tc.n);
    cr_expect_eq(ts.eq_fast + ts.eq_checked, 2 * ts.n, "socket filter: %u and %u of %u cases differ", ts.n - ts.eq_fast,
                 ts.n - ts.eq_checked, ts.n);
}
