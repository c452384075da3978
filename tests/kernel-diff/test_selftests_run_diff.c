/* test_selftests_run_diff.c - the kernel selftests' networking programs
 * (progs/ of linux-source-6.1, compiled by tests/data/bpf/selftests.sh)
 * and Debian's xdp-tools objects, run in the running kernel
 * (BPF_PROG_TEST_RUN through libbpf's bpf_prog_test_run_opts) and in
 * bpfrt (bpfrt_prog__run, fast and checked, each on its own copy of the
 * object) on the same inputs: the packets and contexts the selftests'
 * prog_tests/ *.c feed them (pkt_access.c, pkt_md_access.c, l4lb_all.c,
 * xdp.c, xdp_noinline.c, xdp_adjust_tail.c, skb_ctx.c,
 * xdp_context_test_run.c, tailcalls.c: their inputs rebuilt here, with
 * the maps they pre-fill filled the same on every side) and the standard
 * packet set of st_pkts.c.  Compared per run: the error, retval,
 * data_size_out and the packet out, ctx_size_out and the context out;
 * per program, after its runs, every map of the object key by key
 * (per-CPU maps slot by slot: the test runs here on CPU 0, bpfrt's on
 * worker 0).  One line per program: cases compared, equal; the kernel's
 * refusals (to load, to test-run) are counted and printed, not skipped.
 *
 * Skips with the reason where bpf() is unavailable, and the selftests
 * part where linux-source-6.1 is not installed. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "st_pkts.h"

#define XDP_TOOLS_DIR "/usr/lib/x86_64-linux-gnu/bpf"
#define SELFTESTS_OBJ "build/cache/selftests/obj"
#define ROOM 100000u /* data_out: the largest case (90,001 B, frags) fits */
#define CTX_ROOM 256u
#define NB 2 /* bpfrt sides: fast (the JIT), checked (the interpreter) */
#define MAX_PROGS 64

static const char *const mode_name[NB] = {"fast", "checked"};

/* ------------------------------------------------------------- one object */

struct prog_tally {
    char name[96];
    unsigned n, eq[NB], krefused_run, maps_n, maps_eq[NB];
    unsigned kernel_only[NB]; /* runs bpfrt refuses by design (kernel_only_why) */
    const char *kernel_only_why;
};

/* Objects whose programs use what has no meaning outside a kernel, which
 * bpfrt refuses at run time by design (-EOPNOTSUPP naming the helper,
 * src/helpers/helpers.c): counted apart, each run checked to be that
 * refusal where the kernel runs it. */
static const char *kernel_only_why(const char *base)
{
    if (!strcmp(base, "test_skb_helpers.o"))
        return "reads the kernel's task_struct (bpf_get_current_task + bpf_probe_read_kernel): bpfrt refuses "
               "bpf_get_current_task (there is no kernel task here)";
    return NULL;
}

static unsigned tot_kernel_only;

struct pair {
    const char *path, *base;
    struct bpf_object *k;
    struct bpfrt_object *b[NB];
    uint32_t flags; /* BPF_F_XDP_HAS_FRAGS for the frags variants */
};

/* Totals over the suite. */
static unsigned tot_progs, tot_cases, tot_eq, tot_mism, tot_kload_refused, tot_krun_refused, tot_objs;
static unsigned printed; /* per program */
#define PRINT_MAX 3

/* libbpf's warnings of the load in progress: which program the kernel
 * refused ("prog 'NAME': BPF program load failed"). */
static char lbmsg[4096];
static size_t lblen;

static int keep_warnings(enum libbpf_print_level l, const char *f, va_list ap)
{
    int n;

    if (l == LIBBPF_DEBUG || lblen >= sizeof(lbmsg) - 1)
        return 0;
    n = vsnprintf(lbmsg + lblen, sizeof(lbmsg) - lblen, f, ap);
    if (n > 0)
        lblen = lblen + (size_t)n < sizeof(lbmsg) ? lblen + (size_t)n : sizeof(lbmsg) - 1;
    return 0;
}

/* The kernel's verifier log of a program, at BPF_LOG_STATS only: with a
 * buffer of its own libbpf does not load a refused program a second time
 * at log level 1 (which took 20 s for xdp_synproxy_kern.o's 1M
 * instructions). */
static char vlog[4096];

static int runnable(enum bpf_prog_type t)
{
    return t == BPF_PROG_TYPE_XDP || t == BPF_PROG_TYPE_SCHED_CLS || t == BPF_PROG_TYPE_SCHED_ACT ||
           t == BPF_PROG_TYPE_SOCKET_FILTER || t == BPF_PROG_TYPE_CGROUP_SKB;
}

/* Types the kernel's BPF_PROG_TEST_RUN also runs (net/bpf/test_run.c:
 * the lwt hooks through bpf_prog_test_run_skb, the flow dissector,
 * sk_lookup) but bpfrt builds no context for (issue 9 covers xdp, tc,
 * socket filters and cgroup skb): counted and named, not compared. */
static int kernel_only_runnable(enum bpf_prog_type t)
{
    return t == BPF_PROG_TYPE_LWT_IN || t == BPF_PROG_TYPE_LWT_OUT || t == BPF_PROG_TYPE_LWT_XMIT ||
           t == BPF_PROG_TYPE_LWT_SEG6LOCAL || t == BPF_PROG_TYPE_FLOW_DISSECTOR || t == BPF_PROG_TYPE_SK_LOOKUP;
}

static unsigned tot_other_types, tot_not_runnable;

/* Sections libbpf does not know, loaded by the selftests' shell scripts
 * through iproute2 with the type given here (as test_real_objects.c's
 * table): test_xdp_meta.sh (`tc ... bpf da obj test_xdp_meta.o sec t`,
 * `ip link ... xdp obj ... sec x`), test_xdp_vlan.sh (xdp_* and tc_*
 * sections), test_xdp_redirect.sh, test_tc_tunnel.sh, test_tc_edt.sh,
 * test_skb_cgroup_id.sh, test_lwt_ip_encap.sh, test_lwt_seg6local.sh.  NULL
 * section: every program of the object. */
static enum bpf_prog_type legacy_type(const char *obj, const char *sec)
{
    static const struct {
        const char *obj, *sec;
        enum bpf_prog_type t;
    } tab[] = {
        {"test_xdp_meta.o", "t", BPF_PROG_TYPE_SCHED_CLS},   {"test_xdp_meta.o", "x", BPF_PROG_TYPE_XDP},
        {"test_xdp_vlan.o", "tc_", BPF_PROG_TYPE_SCHED_CLS}, {"test_xdp_vlan.o", "xdp_", BPF_PROG_TYPE_XDP},
        {"test_xdp_redirect.o", NULL, BPF_PROG_TYPE_XDP},    {"xdp_redirect_map.o", NULL, BPF_PROG_TYPE_XDP},
        {"test_tc_tunnel.o", NULL, BPF_PROG_TYPE_SCHED_CLS}, {"test_tc_edt.o", NULL, BPF_PROG_TYPE_SCHED_CLS},
        {"test_skb_cgroup_id_kern.o", NULL, BPF_PROG_TYPE_SCHED_CLS},
        /* test_lwt_ip_encap.sh (encap bpf xmit), test_lwt_seg6local.sh */
        {"test_lwt_ip_encap.o", NULL, BPF_PROG_TYPE_LWT_XMIT},
        {"test_lwt_seg6local.o", "encap_srh", BPF_PROG_TYPE_LWT_IN},
        {"test_lwt_seg6local.o", NULL, BPF_PROG_TYPE_LWT_SEG6LOCAL},
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        size_t l;
        if (strcmp(tab[i].obj, obj))
            continue;
        if (!tab[i].sec)
            return tab[i].t;
        l = strlen(tab[i].sec);
        if (tab[i].sec[l - 1] == '_' ? !strncmp(sec, tab[i].sec, l) : !strcmp(sec, tab[i].sec))
            return tab[i].t;
    }
    return BPF_PROG_TYPE_UNSPEC;
}

/* The type the selftests load prog with: the legacy table, else
 * bpf_prog_test_load's type (the prog_tests of pkt_access, pkt_md_access,
 * l4lb_all, skb_ctx load as SCHED_CLS, whatever the section), else the
 * section's. */
static enum bpf_prog_type prog_type_of(const char *base, struct bpf_program *p)
{
    enum bpf_prog_type t = legacy_type(base, bpf_program__section_name(p));
    return t != BPF_PROG_TYPE_UNSPEC ? t : bpf_program__type(p);
}

/* ---------------------------------------------------------------- runs */

struct run_in {
    const char *what;
    const uint8_t *pkt;
    uint32_t len;
    const void *ctx;
    uint32_t ctx_len;
    uint32_t ctx_room; /* ctx_out's size (0: no ctx_out) */
    uint32_t data_room; /* data_out's size (0: no data_out) */
    uint32_t repeat;
};

struct outcome {
    int err;
    uint32_t retval, size_out, ctx_size_out;
    uint8_t ctx[CTX_ROOM];
    uint8_t data[ROOM];
};

static void krun(int fd, const struct run_in *in, struct outcome *o)
{
    LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = in->len ? in->pkt : NULL, .data_size_in = in->len,
                .data_out = in->data_room ? o->data : NULL, .data_size_out = in->data_room, .ctx_in = in->ctx,
                .ctx_size_in = in->ctx_len, .ctx_out = in->ctx_room ? o->ctx : NULL, .ctx_size_out = in->ctx_room,
                .repeat = in->repeat ? in->repeat : 1);
    o->err = bpf_prog_test_run_opts(fd, &ko) ? -errno : 0;
    o->retval = ko.retval;
    o->size_out = ko.data_size_out;
    o->ctx_size_out = ko.ctx_size_out;
}

static void brun(struct bpfrt_prog *p, int checked, const struct run_in *in, struct outcome *o, char *err,
                 size_t errsz)
{
    uint8_t *copy = malloc(in->len + 1);

    cr_assert_not_null(copy);
    memcpy(copy, in->pkt, in->len);
    err[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = in->len ? copy : NULL, .data_size = in->len,
               .flags = checked ? BPFRT_RUN_CHECKED : 0, .repeat = in->repeat, .err_buf = err, .err_size = errsz,
               .data_out = in->data_room ? o->data : NULL, .data_size_out = in->data_room, .ctx_in = in->ctx,
               .ctx_size_in = in->ctx_len, .ctx_out = in->ctx_room ? o->ctx : NULL, .ctx_size_out = in->ctx_room);
    o->err = bpfrt_prog__run(p, &ro);
    o->retval = (uint32_t)ro.retval;
    o->size_out = ro.data_size_out;
    o->ctx_size_out = ro.ctx_size_out;
    free(copy);
}

static void hexdump(const char *label, const uint8_t *p, uint32_t n)
{
    fprintf(stderr, "  %s:", label);
    for (uint32_t i = 0; i < n && i < 96; i++)
        fprintf(stderr, "%s%02x", i % 32 ? " " : "\n    ", p[i]);
    fprintf(stderr, "\n");
}

/* 1 when bpfrt's outcome is the kernel's; else the difference, printed
 * for the first PRINT_MAX. */
static int same(const char *prog, int mode, const struct run_in *in, const struct outcome *k, const struct outcome *b,
                const char *berr)
{
    char what[256] = "";
    uint32_t n;

    if (k->err != b->err)
        snprintf(what, sizeof(what), "error: kernel %d, bpfrt %d (%s)", k->err, b->err, berr);
    else if (k->err && k->err != -ENOSPC)
        return 1;
    else if (k->retval != b->retval)
        snprintf(what, sizeof(what), "retval: kernel %u, bpfrt %u", k->retval, b->retval);
    else if (in->data_room && k->size_out != b->size_out)
        snprintf(what, sizeof(what), "data_size_out: kernel %u, bpfrt %u", k->size_out, b->size_out);
    else if (in->ctx_room && k->ctx_size_out != b->ctx_size_out)
        snprintf(what, sizeof(what), "ctx_size_out: kernel %u, bpfrt %u", k->ctx_size_out, b->ctx_size_out);
    else if (in->data_room &&
             memcmp(k->data, b->data, (n = k->size_out < in->data_room ? k->size_out : in->data_room))) {
        uint32_t at = 0;
        while (k->data[at] == b->data[at])
            at++;
        snprintf(what, sizeof(what), "data_out bytes (first difference at %u)", at);
        if (printed < PRINT_MAX) {
            hexdump("kernel data_out", k->data + (at & ~31u), n - (at & ~31u));
            hexdump("bpfrt data_out", b->data + (at & ~31u), n - (at & ~31u));
        }
    } else if (in->ctx_room && !k->err &&
               memcmp(k->ctx, b->ctx, (n = k->ctx_size_out < in->ctx_room ? k->ctx_size_out : in->ctx_room))) {
        snprintf(what, sizeof(what), "ctx_out bytes");
        if (printed < PRINT_MAX) {
            hexdump("kernel ctx_out", k->ctx, n);
            hexdump("bpfrt ctx_out", b->ctx, n);
        }
    }
    if (!what[0])
        return 1;
    if (printed++ < PRINT_MAX)
        fprintf(stderr, "selftests_run MISMATCH %s (%s) on %s (%u B, ctx_in %u B): %s\n", prog, mode_name[mode],
                in->what, in->len, in->ctx ? in->ctx_len : 0, what);
    return 0;
}

static struct outcome ko_, bo_;

static void compare(struct pair *pr, const char *prog, const struct run_in *in, struct prog_tally *t)
{
    struct bpf_program *kp = bpf_object__find_program_by_name(pr->k, prog);
    char err[512];

    cr_assert_not_null(kp);
    krun(bpf_program__fd(kp), in, &ko_);
    t->n++;
    t->krefused_run += ko_.err == -EINVAL;
    for (int m = 0; m < NB; m++) {
        struct bpfrt_prog *bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(pr->b[m], prog));
        cr_assert_not_null(bp, "bpfrt program %s", prog);
        brun(bp, m, in, &bo_, err, sizeof(err));
        if (t->kernel_only_why && !ko_.err && bo_.err == -EOPNOTSUPP && strstr(err, "no kernel task here")) {
            t->kernel_only[m]++;
            continue;
        }
        t->eq[m] += same(t->name, m, in, &ko_, &bo_, err);
    }
}

/* ---------------------------------------------------------------- maps */

static int compared_map(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
           t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
           t == BPF_MAP_TYPE_LPM_TRIE;
}

static int percpu(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Every key of the kernel's map in bpfrt's with the same value, and as
 * many keys; per-CPU values slot by slot, the slots only one side has
 * zero.  1 when equal, else the difference printed. */
static int map_equal(const char *prog, int mode, struct bpf_map *km, struct bpfrt_map *bm)
{
    enum bpf_map_type t = bpf_map__type(km);
    uint32_t ks = bpf_map__key_size(km), vs = bpf_map__value_size(km), slot = (vs + 7) & ~7u;
    uint32_t kn = percpu(t) ? (uint32_t)libbpf_num_possible_cpus() : 1, bn = percpu(t) ? bpfrt_map__nr_workers(bm) : 1;
    uint32_t ksz = percpu(t) ? slot * kn : vs, bsz = percpu(t) ? slot * bn : vs;
    uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *kv = calloc(1, ksz), *bv = calloc(1, bsz);
    int fd = bpf_map__fd(km), nk = 0, nb = 0, ok = 1, first = 1;
    const char *why = NULL;

    cr_assert(key && next && kv && bv);
    while (ok && bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
        first = 0;
        memcpy(key, next, ks);
        nk++;
        if (bpf_map_lookup_elem(fd, key, kv))
            continue; /* gone meanwhile (LRU): not compared */
        if (bpfrt_map__lookup_elem(bm, key, ks, bv, bsz, 0)) {
            why = "a key of the kernel's map is missing in bpfrt's";
            ok = 0;
            break;
        }
        if (!percpu(t)) {
            ok = !memcmp(kv, bv, vs);
        } else {
            for (uint32_t c = 0; ok && c < (kn > bn ? kn : bn); c++) {
                static const uint8_t zero[256];
                const uint8_t *a = c < kn ? kv + c * slot : zero, *b = c < bn ? bv + c * slot : zero;
                ok = vs > sizeof(zero) ? (c < kn && c < bn && !memcmp(a, b, vs)) : !memcmp(a, b, vs);
            }
        }
        if (!ok)
            why = "values differ";
    }
    if (ok) {
        first = 1;
        while (bpfrt_map__get_next_key(bm, first ? NULL : key, next, ks) == 0) {
            first = 0;
            memcpy(key, next, ks);
            nb++;
        }
        if (nb != nk) {
            ok = 0;
            why = "numbers of keys differ";
        }
    }
    if (!ok && printed++ < PRINT_MAX) {
        fprintf(stderr, "selftests_run MISMATCH %s (%s): map %s: %s (kernel %d keys, bpfrt %d)\n", prog,
                mode_name[mode], bpf_map__name(km), why, nk, nb);
        hexdump("key", key, ks);
        hexdump("kernel value", kv, vs);
        hexdump("bpfrt value", bv, vs);
    }
    free(key), free(next), free(kv), free(bv);
    return ok;
}

static void compare_maps(struct pair *pr, struct prog_tally *t)
{
    struct bpf_map *km;

    bpf_object__for_each_map(km, pr->k) {
        /* .rodata.str1.1 (clang's merged strings): libbpf makes it a map
         * of its own, frozen; bpfrt's loader keeps those constants with
         * the program; nothing writes them */
        if (!compared_map(bpf_map__type(km)) || !strncmp(bpf_map__name(km), ".rodata.str", 11))
            continue;
        t->maps_n++;
        for (int m = 0; m < NB; m++) {
            struct bpfrt_map *bm = bpfrt_object__find_map_by_name(pr->b[m], bpf_map__name(km));
            cr_assert_not_null(bm, "bpfrt has no map '%s'", bpf_map__name(km));
            t->maps_eq[m] += map_equal(t->name, m, km, bm);
        }
    }
}

/* Write key -> value (each zero-padded to the map's sizes) on every side. */
static void fill(struct pair *pr, const char *map, const void *key, size_t kl, const void *val, size_t vl)
{
    struct bpf_map *km = bpf_object__find_map_by_name(pr->k, map);
    uint8_t k[64] = {0}, v[64] = {0};

    cr_assert_not_null(km, "%s: no map %s", pr->base, map);
    cr_assert(bpf_map__key_size(km) <= sizeof(k) && bpf_map__value_size(km) <= sizeof(v));
    memcpy(k, key, kl);
    memcpy(v, val, vl);
    cr_assert_eq(bpf_map_update_elem(bpf_map__fd(km), k, v, 0), 0, "kernel: %s: %s", map, strerror(errno));
    for (int m = 0; m < NB; m++) {
        /* libbpf finds ".bss" by its section; bpfrt by libbpf's map name */
        struct bpfrt_map *bm = bpfrt_object__find_map_by_name(pr->b[m], bpf_map__name(km));
        cr_assert_not_null(bm, "bpfrt has no map %s", bpf_map__name(km));
        cr_assert_eq(bpfrt_map__update_elem(bm, k, bpf_map__key_size(km), v, bpf_map__value_size(km), 0), 0,
                     "bpfrt: %s", map);
    }
}

/* Prog arrays as tailcalls.c fills jmp_table: slot i <- classifier_<i>. */
static void fill_prog_arrays(struct pair *pr)
{
    struct bpf_map *km;

    bpf_object__for_each_map(km, pr->k) {
        if (bpf_map__type(km) != BPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (uint32_t i = 0; i < bpf_map__max_entries(km); i++) {
            char name[32];
            struct bpf_program *kp;
            snprintf(name, sizeof(name), "classifier_%u", i);
            kp = bpf_object__find_program_by_name(pr->k, name);
            if (!kp || bpf_program__fd(kp) < 0)
                continue;
            int fd = bpf_program__fd(kp);
            cr_assert_eq(bpf_map_update_elem(bpf_map__fd(km), &i, &fd, 0), 0);
            for (int m = 0; m < NB; m++) {
                struct bpfrt_map *bm = bpfrt_object__find_map_by_name(pr->b[m], bpf_map__name(km));
                struct bpfrt_prog *bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(pr->b[m], name));
                uint32_t id;
                cr_assert(bm && bp);
                id = bpfrt_prog__id(bp);
                cr_assert_eq(bpfrt_map__update_elem(bm, &i, 4, &id, 4, 0), 0);
            }
        }
    }
}

/* ------------------------------------------- the prog_tests' own inputs */

/* l4lb_all.c, xdp_noinline.c: the VIP {protocol TCP} (struct vip /
 * struct vip_definition: protocol at offset 20), its vip_meta {vip_num
 * VIP_NUM 5}, ch_rings[11] = 3, reals[3] = {dst MAGIC_VAL 0x1234}. */
static void prefill_l4lb(struct pair *pr)
{
    uint8_t vip[24] = {0};
    uint32_t meta[2] = {0, 5}, ch = 11, real = 3, dst = 0x1234;

    vip[20] = 6;
    fill(pr, "vip_map", vip, sizeof(vip), meta, sizeof(meta));
    fill(pr, "ch_rings", &ch, 4, &real, 4);
    fill(pr, "reals", &real, 4, &dst, 4);
}

/* xdp.c: vip2tnl {family AF_INET, protocol TCP} -> {family AF_INET} and
 * the same for AF_INET6 (struct vip: family at 18, protocol at 20;
 * struct iptnl_info: family at 32). */
static void prefill_xdp(struct pair *pr)
{
    for (int fam = 2; fam <= 10; fam += 8) {
        uint8_t key[24] = {0}, val[40] = {0};
        key[18] = (uint8_t)fam, key[20] = 6;
        val[32] = (uint8_t)fam;
        fill(pr, "vip2tnl", key, sizeof(key), val, sizeof(val));
    }
}

/* What a prog_test asserts of the kernel's run of pkt_v4 / pkt_v6: the
 * proof that the inputs and the pre-filled maps here are its inputs
 * (checked on the kernel's outcome; bpfrt's is compared with it).
 * retval -1: not asserted; size 0: not asserted. */
struct v46_expect {
    int64_t ret[2];
    uint32_t size[2];
    int magic; /* the first 4 bytes out are MAGIC_VAL 0x1234 (the real's address as MAC) */
};

static const struct v46_expect NO_EXPECT = {{-1, -1}, {0, 0}, 0};

static void run_v4_v6(struct pair *pr, const char *prog, struct prog_tally *t, uint32_t room, uint32_t repeat,
                      const struct v46_expect *x)
{
    uint8_t v4[STP_V4_LEN], v6[STP_V6_LEN];
    struct run_in in = {.what = "pkt_v4", .pkt = v4, .len = sizeof(v4), .data_room = room, .repeat = repeat};

    stp_pkt_v4(v4);
    stp_pkt_v6(v6);
    for (int k = 0; k < 2; k++) {
        uint32_t magic;
        if (k)
            in = (struct run_in){.what = "pkt_v6", .pkt = v6, .len = sizeof(v6), .data_room = room, .repeat = repeat};
        compare(pr, prog, &in, t);
        if (x->ret[k] < 0)
            continue;
        cr_expect_eq(ko_.err, 0, "%s on %s: the kernel's test run failed (%d)", t->name, in.what, ko_.err);
        cr_expect_eq(ko_.retval, (uint32_t)x->ret[k], "%s on %s: the kernel returns %u, its prog_test expects %lld",
                     t->name, in.what, ko_.retval, (long long)x->ret[k]);
        if (x->size[k])
            cr_expect_eq(ko_.size_out, x->size[k], "%s on %s: %u bytes out, its prog_test expects %u", t->name,
                         in.what, ko_.size_out, x->size[k]);
        memcpy(&magic, ko_.data, 4);
        if (x->magic)
            cr_expect_eq(magic, 0x1234u, "%s on %s: no MAGIC_VAL out", t->name, in.what);
    }
}

/* skb_ctx.c: the __sk_buff it passes in and out, then the fields the
 * kernel refuses there (len, tc_index, hash, sk), ctx_size_in 0 and
 * ctx_size_out 0. */
static void cases_skb_ctx(struct pair *pr, const char *prog, struct prog_tally *t)
{
    uint8_t v4[STP_V4_LEN];
    struct __sk_buff skb = {.cb = {1, 2, 3, 4, 5}, .priority = 6, .ingress_ifindex = 11, .ifindex = 1, .tstamp = 7,
                            .wire_len = 100, .gso_segs = 8, .mark = 9, .gso_size = 10, .hwtstamp = 11};
    struct __sk_buff bad;
    struct run_in in = {.what = "skb_ctx", .pkt = v4, .len = sizeof(v4), .ctx = &skb, .ctx_len = sizeof(skb),
                        .ctx_room = sizeof(skb), .data_room = ROOM};

    stp_pkt_v4(v4);
    compare(pr, prog, &in, t);
    in.ctx_len = 0;
    in.what = "skb_ctx ctx_size_in 0";
    compare(pr, prog, &in, t);
    in.ctx_len = sizeof(skb);
    in.ctx_room = 0;
    in.what = "skb_ctx ctx_size_out 0";
    compare(pr, prog, &in, t);
    in.ctx_room = sizeof(skb);
    for (int i = 0; i < 4; i++) {
        static const char *const names[] = {"skb_ctx len 1", "skb_ctx tc_index 1", "skb_ctx hash 1", "skb_ctx sk 1"};
        bad = skb;
        if (i == 0)
            bad.len = 1;
        else if (i == 1)
            bad.tc_index = 1;
        else if (i == 2)
            bad.hash = 1;
        else
            bad.sk = (struct bpf_sock *)1;
        in.ctx = &bad;
        in.what = names[i];
        compare(pr, prog, &in, t);
    }
}

/* xdp_context_test_run.c: a valid xdp_md (4 bytes of metadata before
 * pkt_v4) and the ones it expects refused. */
static void cases_xdp_ctx(struct pair *pr, const char *prog, struct prog_tally *t)
{
    uint8_t data[4 + STP_V4_LEN];
    static const struct {
        const char *what;
        uint32_t meta, data, end, ifindex, rxq, egress;
    } c[] = {
        {"xdp_md valid", 0, 4, 4 + STP_V4_LEN, 0, 0, 0},
        {"xdp_md meta after data", 4, 0, 4 + STP_V4_LEN, 0, 0, 0},
        {"xdp_md data_end short", 0, 4, 4 + STP_V4_LEN - 1, 0, 0, 0},
        {"xdp_md data_end past", 0, 4, 4 + STP_V4_LEN + 1, 0, 0, 0},
        {"xdp_md meta 4", 4, 4, 4 + STP_V4_LEN, 0, 0, 0},
        {"xdp_md egress_ifindex", 0, 4, 4 + STP_V4_LEN, 0, 0, 1},
        {"xdp_md ingress lo", 0, 4, 4 + STP_V4_LEN, 1, 0, 0},
        {"xdp_md ingress lo rxq 1", 0, 4, 4 + STP_V4_LEN, 1, 1, 0},
        {"xdp_md rxq without ifindex", 0, 4, 4 + STP_V4_LEN, 0, 1, 0},
        {"xdp_md ingress 0x7fff", 0, 4, 4 + STP_V4_LEN, 0x7fff, 0, 0},
    };

    memset(data, 0, 4);
    stp_pkt_v4(data + 4);
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct xdp_md md = {.data_meta = c[i].meta, .data = c[i].data, .data_end = c[i].end,
                            .ingress_ifindex = c[i].ifindex, .rx_queue_index = c[i].rxq,
                            .egress_ifindex = c[i].egress};
        struct run_in in = {.what = c[i].what, .pkt = data, .len = sizeof(data), .ctx = &md, .ctx_len = sizeof(md),
                            .ctx_room = sizeof(md), .data_room = ROOM};
        compare(pr, prog, &in, t);
    }
}

/* xdp_adjust_tail.c: the grow program's case-64 and case-128 (buffers of
 * 1s and 2s, data_out limited to 128 and 4096 bytes); with
 * BPF_F_XDP_HAS_FRAGS the multi-buffer cases (9,000 B of 0s whose first
 * byte picks the shrink case; 9,000/9,001/90,000/90,001 B of 1s to
 * grow). */
static void cases_adjust_tail(struct pair *pr, const char *prog, struct prog_tally *t, int grow)
{
    static uint8_t buf[90001];
    struct run_in in = {.pkt = buf};

    /* xdp_adjust_tail.c: pkt_v4 dropped; pkt_v6 sent back 20 bytes
     * shorter (shrink) or 40 longer (grow) */
    const struct v46_expect x_tail = {{1 /* XDP_DROP */, 3 /* XDP_TX */}, {0, grow ? STP_V6_LEN + 40 : STP_V6_LEN - 20}, 0};

    if (!pr->flags) {
        run_v4_v6(pr, prog, t, 128, 1, &x_tail);
        if (!grow)
            return;
        memset(buf, 1, 64);
        in = (struct run_in){.what = "grow case-64", .pkt = buf, .len = 64, .data_room = 128};
        compare(pr, prog, &in, t);
        memset(buf, 2, 128);
        in = (struct run_in){.what = "grow case-128", .pkt = buf, .len = 128, .data_room = 4096};
        compare(pr, prog, &in, t);
        return;
    }
    if (!grow) {
        for (int c = 0; c < 3; c++) {
            static const char *const w[] = {"frags shrink 10", "frags shrink 4100", "frags shrink 8200"};
            memset(buf, 0, 9000);
            buf[0] = (uint8_t)c;
            in = (struct run_in){.what = w[c], .pkt = buf, .len = 9000, .data_room = 9000};
            compare(pr, prog, &in, t);
        }
        return;
    }
    static const uint32_t sizes[] = {9000, 9001, 90000, 90001};
    for (int c = 0; c < 4; c++) {
        static const char *const w[] = {"frags grow 9000", "frags grow 9001", "frags grow 90000", "frags grow 90001"};
        memset(buf, 1, sizes[c]);
        in = (struct run_in){.what = w[c], .pkt = buf, .len = sizes[c], .data_room = ROOM};
        compare(pr, prog, &in, t);
    }
}

/* tailcalls.c: the entry program on pkt_v4 with the prog array's slots
 * emptied one after the other (each run falls through one more slot),
 * then filled again for the next runs. */
static void cases_tailcall_slots(struct pair *pr, const char *prog, struct prog_tally *t)
{
    struct bpf_map *km;
    uint8_t v4[STP_V4_LEN];
    struct run_in in = {.what = "pkt_v4, prog array slots emptied", .pkt = v4, .len = sizeof(v4), .data_room = ROOM};

    stp_pkt_v4(v4);
    bpf_object__for_each_map(km, pr->k) {
        if (bpf_map__type(km) != BPF_MAP_TYPE_PROG_ARRAY)
            continue;
        for (uint32_t i = 0; i < bpf_map__max_entries(km); i++) {
            compare(pr, prog, &in, t);
            bpf_map_delete_elem(bpf_map__fd(km), &i);
            for (int m = 0; m < NB; m++)
                bpfrt_map__delete_elem(bpfrt_object__find_map_by_name(pr->b[m], bpf_map__name(km)), &i, 4, 0);
        }
        compare(pr, prog, &in, t);
    }
    fill_prog_arrays(pr);
}

/* skb_load_bytes.c: pkt_v4 with a zeroed __sk_buff in, the offset
 * (.bss load_offset) -1 and 10, then the bytes around the packet's end;
 * bpf_skb_load_bytes's result lands in .bss test_result, compared with
 * the maps. */
static void cases_skb_load_bytes(struct pair *pr, const char *prog, struct prog_tally *t)
{
    static const uint32_t offs[] = {UINT32_MAX, 10, 0, 43, 44, 45, 54, 0x7fffffff};
    uint8_t v4[STP_V4_LEN];
    struct __sk_buff skb = {0};
    struct run_in in = {.what = "skb_load_bytes", .pkt = v4, .len = sizeof(v4), .ctx = &skb, .ctx_len = sizeof(skb),
                        .data_room = ROOM};
    uint32_t zero = 0;

    stp_pkt_v4(v4);
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        uint32_t bss[2] = {offs[i], 0};
        fill(pr, ".bss", &zero, 4, bss, sizeof(bss));
        compare(pr, prog, &in, t);
        compare_maps(pr, t);
    }
}

/* empty_skb.c: bpf_clone_redirect of an empty, an ETH_HLEN and an
 * ETH_HLEN + 1 packet (-EINVAL, -ERANGE, success), to a device of the
 * test run (the loopback: empty_skb.c's veth and ipip devices are not
 * bpfrt's) and to none, in and out (.bss ifindex; its ret compared with
 * the maps). */
static void cases_empty_skb(struct pair *pr, const char *prog, struct prog_tally *t)
{
    static const uint32_t sizes[] = {0, 14, 15, 60}, ifindexes[] = {1, 0, 0x7fff0000};
    static const char *const whats[] = {"empty_skb 0 B", "empty_skb 14 B", "empty_skb 15 B", "empty_skb 60 B"};
    uint8_t pkt[60];
    uint32_t zero = 0;

    for (size_t i = 0; i < sizeof(pkt); i++)
        pkt[i] = (uint8_t)(i + 1);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (size_t d = 0; d < sizeof(ifindexes) / sizeof(ifindexes[0]); d++) {
            int32_t bss[2] = {(int32_t)ifindexes[d], 0};
            struct run_in in = {.what = whats[s], .pkt = pkt, .len = sizes[s]};
            fill(pr, ".bss", &zero, 4, bss, sizeof(bss));
            compare(pr, prog, &in, t);
            compare_maps(pr, t);
        }
}

/* xdp_adjust_frags.c: test_xdp_update_frags's packets, whose first word
 * is the offset of two 0xaa markers 15 bytes apart that the program turns
 * into 0xbb: in the head, in the first fragment, across the head and a
 * fragment, across two fragments; then one byte more than the linear 4,096
 * bytes and max_skb_frags + 1 pages hold (the kernel refuses it). */
static void cases_update_frags(struct pair *pr, const char *prog, struct prog_tally *t)
{
    static const struct {
        const char *what;
        uint32_t size, off;
    } c[] = {{"update_frags head", 128, 16},
             {"update_frags frag0", 9000, 5000},
             {"update_frags head+frag0", 9000, 3510},
             {"update_frags frag0+frag1", 9000, 7606}};
    static uint8_t buf[ROOM];
    unsigned max_frags = 17;
    FILE *f = fopen("/proc/sys/net/core/max_skb_frags", "r");
    struct run_in in;

    if (f) {
        if (fscanf(f, "%u", &max_frags) != 1)
            max_frags = 17;
        fclose(f);
    }
    for (size_t i = 0; i <= sizeof(c) / sizeof(c[0]); i++) {
        uint32_t size = i < 4 ? c[i].size : 4096 + (max_frags + 1) * 4096, off = i < 4 ? c[i].off : 16;
        if (size > sizeof(buf))
            continue;
        memset(buf, 0, size);
        memcpy(buf, &off, 4);
        buf[off] = buf[off + 15] = 0xaa;
        in = (struct run_in){.what = i < 4 ? c[i].what : "update_frags past max_skb_frags", .pkt = buf, .len = size,
                             .data_room = size};
        compare(pr, prog, &in, t);
        if (pr->flags && i < 4)
            cr_expect(!ko_.err && ko_.retval == 2 /* XDP_PASS */ && ko_.data[off] == 0xbb && ko_.data[off + 15] == 0xbb,
                      "%s on %s: not what xdp_adjust_frags.c expects (err %d, retval %u)", t->name, in.what, ko_.err,
                      ko_.retval);
    }
}

/* The prog_tests' inputs of prog (of object base); the maps they fill
 * are filled by prefill() before. */
static void prog_tests_cases(struct pair *pr, const char *prog, enum bpf_prog_type type, struct prog_tally *t)
{
    const char *b = pr->base;

    /* pkt_access.c, pkt_md_access.c: 0 for both */
    static const struct v46_expect x_ok = {{0, 0}, {0, 0}, 0};
    /* l4lb_all.c: TC_ACT_REDIRECT, 54 and 74 bytes, MAGIC_VAL */
    static const struct v46_expect x_l4lb = {{7, 7}, {STP_V4_LEN, STP_V6_LEN}, 1};
    /* xdp_noinline.c: balancer_ingress_v4 on pkt_v4, _v6 on pkt_v6: 1 (XDP_DROP) */
    static const struct v46_expect x_noinl4 = {{1, -1}, {STP_V4_LEN, 0}, 1}, x_noinl6 = {{-1, 1}, {0, STP_V6_LEN}, 1};
    /* xdp.c: XDP_TX, encapsulated in IPIP (74 bytes) and IPv6 (114) */
    static const struct v46_expect x_xdp = {{3, 3}, {74, 114}, 0};

    if (!strcmp(b, "test_pkt_access.o"))
        run_v4_v6(pr, prog, t, 0, 100, &x_ok); /* no data_out, repeat (100,000 there) */
    else if (!strcmp(b, "test_pkt_md_access.o"))
        run_v4_v6(pr, prog, t, 0, 10, &x_ok); /* repeat 10 */
    else if (!strcmp(b, "test_l4lb.o") || !strcmp(b, "test_l4lb_noinline.o"))
        run_v4_v6(pr, prog, t, 128, 1000, &x_l4lb); /* 128 B out, NUM_ITER runs there */
    else if (!strcmp(b, "test_xdp_noinline.o"))
        run_v4_v6(pr, prog, t, 128, 1000, strstr(prog, "v6") ? &x_noinl6 : &x_noinl4);
    else if (!strcmp(b, "test_xdp.o") || !strcmp(b, "test_xdp_loop.o"))
        run_v4_v6(pr, prog, t, 128, 1, &x_xdp);
    else if (!strcmp(b, "test_xdp_adjust_tail_shrink.o"))
        cases_adjust_tail(pr, prog, t, 0);
    else if (!strcmp(b, "test_xdp_adjust_tail_grow.o"))
        cases_adjust_tail(pr, prog, t, 1);
    else if (!strcmp(b, "empty_skb.o"))
        cases_empty_skb(pr, prog, t);
    else if (!strcmp(b, "skb_load_bytes.o"))
        cases_skb_load_bytes(pr, prog, t);
    else if (!strcmp(b, "test_xdp_update_frags.o"))
        cases_update_frags(pr, prog, t);
    else if (!strcmp(b, "test_skb_ctx.o"))
        cases_skb_ctx(pr, prog, t);
    else if (!strcmp(b, "test_xdp_context_test_run.o"))
        cases_xdp_ctx(pr, prog, t);
    else if (!strncmp(b, "tailcall", 8) && !strcmp(prog, "entry")) {
        run_v4_v6(pr, prog, t, ROOM, 1, &NO_EXPECT);
        cases_tailcall_slots(pr, prog, t);
    } else if (!strncmp(b, "tailcall", 8) || !strcmp(b, "test_skb_helpers.o") ||
             !strcmp(b, "test_skb_pkt_end.o") || !strcmp(b, "skb_pkt_end.o") || !strcmp(b, "test_tc_bpf.o"))
        run_v4_v6(pr, prog, t, ROOM, 1, &NO_EXPECT); /* tailcalls.c, skb_helpers.c, skb_load_bytes.c, ...: pkt_v4 */
    (void)type;
}

static void prefill(struct pair *pr)
{
    if (!strcmp(pr->base, "test_l4lb.o") || !strcmp(pr->base, "test_l4lb_noinline.o") ||
        !strcmp(pr->base, "test_xdp_noinline.o"))
        prefill_l4lb(pr);
    else if (!strcmp(pr->base, "test_xdp.o") || !strcmp(pr->base, "test_xdp_loop.o"))
        prefill_xdp(pr);
    fill_prog_arrays(pr);
}

/* ------------------------------------------------------------- objects */

static struct stp_packet *std_pkts;
static unsigned n_std;

/* Open path in libbpf with the programs of `only` (or every runnable
 * one when NULL) set to load, typed as the selftests load them. */
static struct bpf_object *kopen(const char *path, const char *base, const char *only, uint32_t flags)
{
    struct bpf_object *o = bpf_object__open_file(path, NULL);
    struct bpf_program *p;

    struct bpf_map *m;

    if (!o)
        return NULL;
    /* No pinning (xdp-tools' maps are LIBBPF_PIN_BY_NAME): libbpf would
     * reuse a map another process left in /sys/fs/bpf, with its state. */
    bpf_object__for_each_map(m, o)
        bpf_map__set_pin_path(m, NULL);
    bpf_object__for_each_program(p, o) {
        enum bpf_prog_type t = prog_type_of(base, p);
        int load = runnable(t) && (!only || !strcmp(only, bpf_program__name(p)));
        if (t != bpf_program__type(p) && runnable(t))
            bpf_program__set_type(p, t);
        bpf_program__set_autoload(p, load);
        if (load && flags)
            bpf_program__set_flags(p, bpf_program__flags(p) | flags);
        if (load) {
            bpf_program__set_log_level(p, 4);
            bpf_program__set_log_buf(p, vlog, sizeof(vlog));
        }
    }
    return o;
}

static int bopen(struct pair *pr, int m)
{
    char log[8192] = "";
    struct bpf_program *kp;
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log), .prog_flags = pr->flags);

    if (bpfrt_object__open_file(pr->path, &oo, &pr->b[m])) {
        cr_expect_fail("bpfrt cannot open %s: %s", pr->path, log);
        return -1;
    }
    bpf_object__for_each_program(kp, pr->k) {
        struct bpfrt_program *bp = bpfrt_object__find_program_by_name(pr->b[m], bpf_program__name(kp));
        cr_assert_not_null(bp, "%s: bpfrt has no program %s", pr->base, bpf_program__name(kp));
        if (bpf_program__autoload(kp) && bpfrt_program__type(bp) != bpf_program__type(kp))
            bpfrt_program__set_type(bp, bpf_program__type(kp));
        bpfrt_program__set_autoload(bp, bpf_program__autoload(kp));
    }
    if (bpfrt_object__load(pr->b[m])) {
        cr_expect_fail("%s: the kernel loads it, bpfrt does not: %s", pr->base, log);
        return -1;
    }
    return 0;
}

static void run_programs(struct pair *pr)
{
    struct bpf_program *kp;

    prefill(pr);
    bpf_object__for_each_program(kp, pr->k) {
        struct prog_tally t = {0};
        const char *name = bpf_program__name(kp);
        enum bpf_prog_type type = bpf_program__type(kp);
        uint32_t ctx_room = type == BPF_PROG_TYPE_XDP ? sizeof(struct xdp_md) : sizeof(struct __sk_buff);

        if (!bpf_program__autoload(kp))
            continue;
        printed = 0;
        snprintf(t.name, sizeof(t.name), "%.40s:%.40s%s", pr->base, name, pr->flags ? "+frags" : "");
        t.kernel_only_why = kernel_only_why(pr->base);
        prog_tests_cases(pr, name, type, &t);
        for (unsigned i = 0; i < n_std; i++) {
            struct run_in in = {.what = std_pkts[i].name, .pkt = std_pkts[i].data, .len = std_pkts[i].len,
                                .data_room = ROOM, .ctx_room = ctx_room};
            compare(pr, name, &in, &t);
        }
        compare_maps(pr, &t);
        unsigned eq = t.eq[0] < t.eq[1] ? t.eq[0] : t.eq[1];
        unsigned meq = t.maps_eq[0] < t.maps_eq[1] ? t.maps_eq[0] : t.maps_eq[1];
        printf("selftests_run %-58s %4u cases, %4u equal (fast %u, checked %u), %u refused by the kernel's test run; "
               "%u maps, %u equal\n",
               t.name, t.n, eq, t.eq[0], t.eq[1], t.krefused_run, t.maps_n, meq);
        if (t.kernel_only_why) {
            printf("selftests_run %-58s %4u of them refused by bpfrt by design: %s\n", t.name, t.kernel_only[0],
                   t.kernel_only_why);
            cr_expect_gt(t.kernel_only[0], 0, "%s: expected bpfrt's refusal", t.name);
            tot_kernel_only += t.kernel_only[0];
            eq += t.kernel_only[0] == t.kernel_only[1] ? t.kernel_only[0] : 0;
            t.eq[0] += t.kernel_only[0];
            t.eq[1] += t.kernel_only[1];
        }
        cr_expect_eq(t.eq[0], t.n, "%s: %u of %u fast runs differ from the kernel's", t.name, t.n - t.eq[0], t.n);
        cr_expect_eq(t.eq[1], t.n, "%s: %u of %u checked runs differ from the kernel's", t.name, t.n - t.eq[1], t.n);
        cr_expect_eq(meq, t.maps_n, "%s: maps differ from the kernel's", t.name);
        tot_progs++;
        tot_cases += t.n + t.maps_n;
        tot_eq += eq + meq - t.kernel_only[0]; /* refused by design: neither equal nor a mismatch */
        tot_mism += (t.n - eq) + (t.maps_n - meq);
        tot_krun_refused += t.krefused_run;
    }
}

static void pair_close(struct pair *pr)
{
    for (int m = 0; m < NB; m++)
        bpfrt_object__close(pr->b[m]), pr->b[m] = NULL;
    bpf_object__close(pr->k);
    pr->k = NULL;
}

/* Load path's runnable programs together (their maps shared, as their
 * prog_tests load them) and run them; where the kernel refuses the whole
 * object, each program alone; what it still refuses is counted. */
static void do_object(const char *path, uint32_t flags)
{
    struct pair pr = {.path = path, .flags = flags};
    struct bpf_program *p;
    char names[MAX_PROGS][64];
    int n = 0;

    pr.base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    pr.k = kopen(path, pr.base, NULL, flags);
    if (!pr.k) {
        printf("selftests_run %s: libbpf cannot open it (%s)\n", pr.base, strerror(errno));
        return;
    }
    bpf_object__for_each_program(p, pr.k) {
        enum bpf_prog_type t = legacy_type(pr.base, bpf_program__section_name(p));
        if (t == BPF_PROG_TYPE_UNSPEC)
            t = bpf_program__type(p);
        if (kernel_only_runnable(t) && !flags) {
            printf("selftests_run %s:%s: type %s, which the kernel test-runs and bpfrt does not run: not compared\n",
                   pr.base, bpf_program__name(p), libbpf_bpf_prog_type_str(t));
            tot_other_types++;
        } else if (!runnable(t) && !flags) {
            tot_not_runnable++; /* sockops, sk_msg, sk_skb, cgroup sock hooks, tracing: no test run */
        }
        if (bpf_program__autoload(p) && n < MAX_PROGS)
            snprintf(names[n++], sizeof(names[0]), "%s", bpf_program__name(p));
    }
    if (!n) {
        bpf_object__close(pr.k);
        return;
    }
    tot_objs++;
    lblen = 0;
    lbmsg[0] = 0;
    if (bpf_object__load(pr.k) == 0) {
        if (bopen(&pr, 0) == 0 && bopen(&pr, 1) == 0)
            run_programs(&pr);
        pair_close(&pr);
        return;
    }
    bpf_object__close(pr.k);
    for (int i = 0; i < n; i++) {
        char refused[128];
        int err;
        /* the program whose refusal failed the whole object is not
         * loaded again (its verification can take seconds) */
        snprintf(refused, sizeof(refused), "prog '%.63s': BPF program load failed", names[i]);
        if (strstr(lbmsg, refused)) {
            const char *why = strstr(lbmsg, refused) + strlen(refused);
            printf("selftests_run %s:%s%s: the kernel refuses to load it%.*s: not compared\n", pr.base, names[i],
                   flags ? "+frags" : "", (int)strcspn(why, "\n"), why);
            tot_kload_refused++;
            continue;
        }
        pr.k = kopen(path, pr.base, names[i], flags);
        err = pr.k ? bpf_object__load(pr.k) : -errno;
        if (err) {
            printf("selftests_run %s:%s%s: the kernel refuses to load it (%s): not compared\n", pr.base, names[i],
                   flags ? "+frags" : "", strerror(-err > 0 ? -err : EINVAL));
            tot_kload_refused++;
            bpf_object__close(pr.k);
            continue;
        }
        if (bopen(&pr, 0) == 0 && bopen(&pr, 1) == 0)
            run_programs(&pr);
        pair_close(&pr);
    }
}

/* The frags variants: the objects xdp_adjust_tail.c and xdp_adjust_frags.c
 * load with BPF_F_XDP_HAS_FRAGS. */
static int frags_variant(const char *base)
{
    return !strcmp(base, "test_xdp_adjust_tail_shrink.o") || !strcmp(base, "test_xdp_adjust_tail_grow.o") ||
           !strcmp(base, "test_xdp_update_frags.o");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int do_dir(const char *dir, int selftests)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, by_name);

    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        const char *d = ents[i]->d_name;
        size_t l = strlen(d);
        char path[1024];

        /* test_verif_scale*: verifier scale tests (1M instructions), not
         * run by any prog_test */
        if (l > 2 && !strcmp(d + l - 2, ".o") && !(selftests && !strncmp(d, "test_verif_scale", 16))) {
            snprintf(path, sizeof(path), "%s/%s", dir, d);
            do_object(path, 0);
            if (selftests && frags_variant(d))
                do_object(path, BPF_F_XDP_HAS_FRAGS);
        }
        free(ents[i]);
    }
    free(ents);
    return n;
}

static cpu_set_t saved_cpus;

static void setup(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
    cpu_set_t one;

    if (fd < 0)
        cr_skip_test("kernel bpf() unavailable (%s): the selftests' programs are not compared with the kernel",
                     strerror(errno));
    close(fd);
    libbpf_set_print(keep_warnings);
    std_pkts = stp_standard(&n_std);
    /* The kernel's test run uses the CPU it runs on for per-CPU maps:
     * keep it on CPU 0, bpfrt's worker 0. */
    cr_assert_eq(sched_getaffinity(0, sizeof(saved_cpus), &saved_cpus), 0);
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
}

static void teardown_(void)
{
    sched_setaffinity(0, sizeof(saved_cpus), &saved_cpus);
    stp_free(std_pkts, n_std);
    printf("selftests_run: %u objects, %u programs, %u cases (runs and maps), %u equal, %u mismatches, %u runs "
           "bpfrt refuses by design (a kernel-only helper); %u programs the kernel refuses to load, %u runs it "
           "refuses (-EINVAL, the same in bpfrt); %u programs of types bpfrt does not run (lwt, flow dissector, "
           "sk_lookup); %u programs of types without a packet test run (socket hooks, tracing)\n",
           tot_objs, tot_progs, tot_cases, tot_eq, tot_mism, tot_kernel_only, tot_kload_refused, tot_krun_refused,
           tot_other_types, tot_not_runnable);
}

Test(selftests_run_diff, kernel_selftests, .timeout = 300)
{
    int rc;

    setup();
    rc = system("tests/data/bpf/selftests.sh build/cache/selftests");
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) == 77) {
        teardown_();
        cr_skip_test("kernel selftests unavailable (see the line above): not compared");
    }
    cr_assert_eq(WEXITSTATUS(rc), 0, "tests/data/bpf/selftests.sh failed");
    printf("selftests_run: test_parse_tcp_hdr_opt is not in linux-source-6.1 (added in 6.2): not compared\n");
    cr_assert_gt(do_dir(SELFTESTS_OBJ, 1), 0);
    cr_expect_gt(tot_progs, 40, "the selftests' runnable programs were not found");
    teardown_();
}

Test(selftests_run_diff, xdp_tools, .timeout = 120)
{
    setup();
    if (do_dir(XDP_TOOLS_DIR, 0) < 0) {
        teardown_();
        cr_skip_test("no " XDP_TOOLS_DIR " (apt package xdp-tools): not compared");
    }
    cr_expect_gt(tot_progs, 5);
    teardown_();
}
