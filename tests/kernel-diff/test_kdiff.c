/* test_kdiff.c - bpfrt against the running kernel, the oracle.
 *
 * kdiff/xdp_random: random valid programs (ALU/ALU64 incl. cpu v4 sdiv,
 *   smod, movsx, bswap; JMP/JMP32 of every condition; ja/gotol; LD_IMM64;
 *   stack loads/stores incl. sign-extending loads; atomics; bpf-to-bpf
 *   calls) run as XDP programs with BPF_PROG_TEST_RUN and in bpfrt (fast
 *   and checked mode); output packets and r0 must be identical.
 * kdiff/skf_ld_abs: legacy LD_ABS/LD_IND in socket filters.
 * kdiff/alu_pairs, kdiff/jmp_pairs: every ALU op / jump condition on every
 *   pair of a pool of edge values.
 * kdiff/kernel_bug_patterns: two patterns the 6.18 kernel gets wrong (see
 *   kdiff.h and kdiff_gen.c), which the generator avoids; bpfrt is checked
 *   there against the RFC 9669 result computed by hand.
 *
 * Environment: BPFRT_KDIFF_SEED (default: time), BPFRT_KDIFF_N (random
 * programs; default 3000, 500 when BPFRT_SANITIZED=1), BPFRT_KDIFF_ONLY=i
 * (run only program i and print it).  Skips when bpf() is unavailable.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "kdiff.h"

#define INS(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define NOP INS(BPF_ALU64 | BPF_MOV | BPF_X, 0, 0, 0, 0) /* r0 = r0 */

static uint64_t env_u64(const char *name, uint64_t dflt, int *set)
{
    const char *s = getenv(name);
    if (set)
        *set = s && *s;
    if (!s || !*s)
        return dflt;
    return strtoull(s, NULL, 0);
}

static void skip_if_no_bpf(void)
{
    char why[256];
    if (kd_kernel_probe(why, sizeof(why)))
        cr_skip_test("kernel bpf() unavailable: %s", why);
}

/* ---- one comparison ----------------------------------------------------- */

struct outcome {
    int err;          /* 0, or negative errno (load or run failure) */
    char msg[512];
    uint8_t data[KD_PKT_MAX];
    unsigned len;
    uint64_t ret;
};

struct kresult {
    int err;
    uint8_t data[KD_PKT_MAX];
    unsigned len;
    uint32_t ret;
};

/* Kernel: load and run c; err = -errno of the load (rejected) or run. */
static void kernel_side(const struct kd_case *c, struct kresult *k, int *rejected)
{
    int fd = kd_kernel_load(c, NULL, 0);

    memset(k, 0, sizeof(*k));
    *rejected = fd < 0;
    if (fd < 0) {
        k->err = fd;
        return;
    }
    k->len = sizeof(k->data);
    k->err = kd_kernel_run(fd, c, k->data, &k->len, &k->ret);
    close(fd);
}

static void bpfrt_side(const struct kd_case *c, struct bpfrt_prog *p, uint32_t flags, struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->len = c->pkt_len - c->rt_data_off;
    memcpy(o->data, c->pkt + c->rt_data_off, o->len);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = o->data, .data_size = o->len, .flags = flags, .err_buf = o->msg,
               .err_size = sizeof(o->msg));
    o->err = bpfrt_prog__run(p, &ro);
    o->ret = ro.retval;
}

/* Does bpfrt's outcome equal the kernel's?  XDP: the whole packet, and the
 * full r0 the kernel stored at offset 0.  Socket filter: the 32-bit
 * return value. */
static int same(const struct kd_case *c, const struct kresult *k, const struct outcome *o)
{
    uint64_t kr0;

    if (o->err)
        return 0;
    if (c->kind == KD_SKF)
        return (uint32_t)o->ret == k->ret;
    if (k->len != o->len || memcmp(k->data, o->data, o->len))
        return 0;
    memcpy(&kr0, k->data, 8);
    return o->ret == kr0;
}

/* 0: both modes agree with the kernel; else bit 0 fast, bit 1 checked
 * mismatch; -1: the kernel rejected or failed; -2: bpfrt refused to load. */
static int compare_case(const struct kd_case *c, struct kresult *k, struct outcome *fast, struct outcome *chk,
                        char *loadlog, size_t loadlogsz)
{
    struct bpfrt_prog *p = NULL;
    int rejected, bad = 0, err;

    kernel_side(c, k, &rejected);
    if (rejected || k->err)
        return -1;
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = BPF_PROG_TYPE_UNSPEC, .name = "kdiff", .log_buf = loadlog,
               .log_size = loadlogsz);
    err = bpfrt_prog__load_insns(c->rt, c->rt_len, &lo, &p);
    if (err) {
        memset(fast, 0, sizeof(*fast));
        memset(chk, 0, sizeof(*chk));
        fast->err = chk->err = err;
        return -2;
    }
    bpfrt_side(c, p, BPFRT_RUN_UNVERIFIED_UNCHECKED, fast);
    bpfrt_side(c, p, BPFRT_RUN_CHECKED, chk);
    bpfrt_prog__free(p);
    if (!same(c, k, fast))
        bad |= 1;
    if (!same(c, k, chk))
        bad |= 2;
    return bad;
}

/* ---- reporting and reduction -------------------------------------------- */

static int is_nop(const struct bpf_insn *in)
{
    return in->code == (BPF_ALU64 | BPF_MOV | BPF_X) && in->dst_reg == 0 && in->src_reg == 0 && in->off == 0;
}

static int still_bad(const struct kd_case *c)
{
    static struct kresult k;
    static struct outcome f, o;
    char log[256];
    int r = compare_case(c, &k, &f, &o, log, sizeof(log));
    return r > 0 || r == -2;
}

/* Remove the nops, re-aiming the jumps (a jump to a removed instruction
 * goes to the next kept one). */
static void compact(struct kd_case *c)
{
    unsigned newidx[KD_BODY_MAX + 1], i, n = 0;
    struct bpf_insn out[KD_BODY_MAX];

    for (i = 0; i < c->body_len; i++) {
        newidx[i] = n;
        if (!is_nop(&c->body[i]))
            n++;
    }
    newidx[c->body_len] = n;
    for (i = 0; i < c->body_len; i++) {
        struct bpf_insn in = c->body[i];
        unsigned cls = in.code & 7, op = in.code & 0xf0;
        if (is_nop(&in))
            continue;
        if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT) {
            int gotol = in.code == (BPF_JMP32 | BPF_JA);
            unsigned t = i + 1 + (unsigned)(gotol ? in.imm : in.off);
            int noff = (int)newidx[t] - (int)newidx[i] - 1;
            if (gotol)
                in.imm = noff;
            else
                in.off = (int16_t)noff;
        }
        out[newidx[i]] = in;
    }
    memcpy(c->body, out, n * sizeof(out[0]));
    c->body_len = n;
    kd_assemble(c);
}

/* Replace body instructions by nops while the case still fails, then drop
 * the nops. */
static void reduce(struct kd_case *c)
{
    struct kd_case *t = malloc(sizeof(*t));
    int changed = 1, i;

    if (!t)
        return;
    while (changed) {
        changed = 0;
        for (i = (int)c->body_len - 1; i >= 0; i--) {
            int two = c->body[i].code == (BPF_LD | BPF_IMM | BPF_DW);
            if (is_nop(&c->body[i]) || (i > 0 && c->body[i - 1].code == (BPF_LD | BPF_IMM | BPF_DW)))
                continue;
            *t = *c;
            t->body[i] = NOP;
            if (two)
                t->body[i + 1] = NOP;
            kd_assemble(t);
            if (still_bad(t)) {
                *c = *t;
                changed = 1;
            }
        }
    }
    *t = *c;
    compact(t);
    if (still_bad(t))
        *c = *t;
    free(t);
}

static void print_regs_diff(const uint8_t *a, const uint8_t *b, unsigned len)
{
    unsigned i;

    for (i = 0; i + 8 <= len; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x == y)
            continue;
        if (i < KD_NREGS * 8)
            fprintf(stderr, "    r%u: kernel 0x%016" PRIx64 "  bpfrt 0x%016" PRIx64 "\n", i / 8, x, y);
        else
            fprintf(stderr, "    stack r10%+d: kernel 0x%016" PRIx64 "  bpfrt 0x%016" PRIx64 "\n",
                    KD_SCRATCH_OFF + (int)(i - KD_NREGS * 8), x, y);
    }
}

static void print_input(const struct kd_case *c)
{
    unsigned i;

    if (c->kind == KD_SKF) {
        kd_hexdump(stderr, "input packet (bpfrt data = packet + 14, as skb->data)", c->pkt, c->pkt_len);
        return;
    }
    fprintf(stderr, "input:\n");
    for (i = 0; i < KD_XDP_PKT; i += 8) {
        uint64_t v;
        memcpy(&v, c->pkt + i, 8);
        if (i < KD_NREGS * 8)
            fprintf(stderr, "    r%u = 0x%016" PRIx64 "\n", i / 8, v);
        else
            fprintf(stderr, "    *(u64 *)(r10 %d) = 0x%016" PRIx64 "\n", KD_SCRATCH_OFF + (int)(i - KD_NREGS * 8), v);
    }
}

/* full: the whole bpfrt program and hex dumps; else the body only. */
static void report(const struct kd_case *c, const struct kresult *k, const struct outcome *o, const char *mode,
                   int full)
{
    fprintf(stderr, "---- kdiff MISMATCH (%s): seed %" PRIu64 ", program %" PRIu64 " (%s); replay with "
                    "BPFRT_KDIFF_SEED=%" PRIu64 " BPFRT_KDIFF_ONLY=%" PRIu64 "\n",
            mode, c->seed, c->index, c->kind == KD_SKF ? "socket filter" : "xdp", c->seed, c->index);
    if (full) {
        fprintf(stderr, "bpfrt program (body marked *):\n");
        kd_dump_prog(stderr, c->rt, c->rt_len, c->rt_body_at, c->rt_body_at + c->body_len);
        kd_hexdump(stderr, "input packet", c->pkt, c->pkt_len);
    } else {
        fprintf(stderr, "body (%s; calls name the subprogram number):\n",
                c->kind == KD_SKF ? "after r6 = ctx, r7..r9 and r0 loaded with LD_ABS; then r0 folded from r0, r7..r9"
                                  : "r0..r9 and the stack r10-144..r10-16 set from the input before it, stored after");
        kd_dump_prog(stderr, c->body, c->body_len, 0, 0);
        if (c->subs_len) {
            fprintf(stderr, "subprograms:\n");
            kd_dump_prog(stderr, c->subs, c->subs_len, 0, 0);
        }
        print_input(c);
    }
    if (o->err) {
        fprintf(stderr, "bpfrt failed: %d (%s): %s\n", o->err, strerror(-o->err), o->msg);
        return;
    }
    if (c->kind == KD_SKF) {
        fprintf(stderr, "return value: kernel 0x%08x, bpfrt 0x%08x (full 0x%016" PRIx64 ")\n", k->ret,
                (uint32_t)o->ret, o->ret);
        return;
    }
    if (full) {
        kd_hexdump(stderr, "kernel output", k->data, k->len);
        kd_hexdump(stderr, "bpfrt output", o->data, o->len);
    }
    fprintf(stderr, "  differences (kernel vs bpfrt):\n");
    print_regs_diff(k->data, o->data, o->len < k->len ? o->len : k->len);
    {
        uint64_t kr0;
        memcpy(&kr0, k->data, 8);
        if (kr0 != o->ret)
            fprintf(stderr, "    return value: kernel r0 0x%016" PRIx64 ", bpfrt retval 0x%016" PRIx64 "\n", kr0,
                    o->ret);
    }
}

/* ---- the random test ---------------------------------------------------- */

struct tally {
    unsigned n, rejected, kfail, refused, bad_fast, bad_checked, reported;
    unsigned with_calls, ret_zero, insns;
};

static void run_random(enum kd_kind kind, unsigned dflt_n)
{
    static struct kd_case c, r;
    static struct kresult k;
    static struct outcome f, o;
    static char log[1 << 16];
    struct tally t = {0};
    int seed_set, only_set;
    uint64_t seed = env_u64("BPFRT_KDIFF_SEED", (uint64_t)time(NULL) ^ (uint64_t)getpid(), &seed_set);
    int san = getenv("BPFRT_SANITIZED") && !strcmp(getenv("BPFRT_SANITIZED"), "1");
    unsigned n = (unsigned)env_u64("BPFRT_KDIFF_N", san ? dflt_n / 6 : dflt_n, NULL);
    uint64_t only = env_u64("BPFRT_KDIFF_ONLY", 0, &only_set);
    const char *what = kind == KD_SKF ? "socket filter (LD_ABS/LD_IND)" : "xdp";
    struct timespec t0, t1;
    uint64_t i;

    skip_if_no_bpf();
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fprintf(stderr, "kdiff: seed %" PRIu64 ", %u %s programs\n", seed, only_set ? 1u : n, what);
    for (i = only_set ? only : 0; i < (only_set ? only + 1 : n); i++) {
        int res;
        kd_gen_case(&c, kind, seed, i);
        t.n++;
        t.with_calls += c.nsubs > 0;
        t.insns += c.body_len + c.subs_len;
        if (only_set) {
            fprintf(stderr, "program %" PRIu64 ":\n", i);
            kd_dump_prog(stderr, c.kern, c.kern_len, c.kern_body_at, c.kern_body_at + c.body_len);
            kd_hexdump(stderr, "input", c.pkt, c.pkt_len);
        }
        res = compare_case(&c, &k, &f, &o, log, sizeof(log));
        if (res == -1) {
            if (k.err && kd_kernel_load(&c, NULL, 0) >= 0) {
                t.kfail++; /* loaded but the test run failed */
                fprintf(stderr, "kdiff: program %" PRIu64 ": kernel test run failed: %d\n", i, k.err);
                continue;
            }
            if (++t.rejected <= 3) {
                size_t len;
                int fd = kd_kernel_load(&c, log, sizeof(log));
                if (fd >= 0)
                    close(fd);
                len = strlen(log);
                fprintf(stderr, "kdiff: program %" PRIu64 " REJECTED by the kernel (%d); verifier log tail:\n%s\n", i,
                        fd, len > 4000 ? log + len - 4000 : log);
                kd_dump_prog(stderr, c.kern, c.kern_len, c.kern_body_at, c.kern_body_at + c.body_len);
            }
            continue;
        }
        if (res == -2) {
            t.refused++;
            if (t.reported++ < 3)
                fprintf(stderr, "kdiff: seed %" PRIu64 " program %" PRIu64 ": bpfrt refused to load: %d: %s\n", seed,
                        i, f.err, log);
            if (t.reported <= 3)
                kd_dump_prog(stderr, c.rt, c.rt_len, c.rt_body_at, c.rt_body_at + c.body_len);
            continue;
        }
        t.ret_zero += k.ret == 0;
        if (res & 1)
            t.bad_fast++;
        if (res & 2)
            t.bad_checked++;
        if (res && t.reported++ < 3) {
            report(&c, &k, (res & 1) ? &f : &o, (res & 1) ? "fast" : "checked", t.reported == 1);
            r = c;
            reduce(&r);
            compare_case(&r, &k, &f, &o, log, sizeof(log));
            fprintf(stderr, "---- reduced to %u body instructions:\n", r.body_len);
            report(&r, &k, (res & 1) ? &f : &o, (res & 1) ? "fast" : "checked", 0);
        } else if (res) {
            fprintf(stderr, "kdiff: seed %" PRIu64 " program %" PRIu64 ": mismatch (%s)\n", seed, i,
                    res == 3 ? "fast and checked" : res == 1 ? "fast" : "checked");
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr,
            "kdiff: %u %s programs, %u rejected by the kernel, %u kernel run failures, %u refused by bpfrt, "
            "%u mismatches (fast), %u mismatches (checked); seed %" PRIu64 ", %.1f s\n",
            t.n, what, t.rejected, t.kfail, t.refused, t.bad_fast, t.bad_checked, seed,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (kind == KD_SKF)
        fprintf(stderr, "kdiff: coverage: %u body instructions in all, %u programs stopped by an out-of-bounds or "
                        "returned 0\n", t.insns, t.ret_zero);
    else
        fprintf(stderr, "kdiff: coverage: %u body instructions in all, %u programs with bpf-to-bpf calls\n", t.insns,
                t.with_calls);
    cr_expect(t.rejected * 100 <= t.n, "%u of %u generated programs rejected by the kernel (generator bug)",
              t.rejected, t.n);
    cr_expect(t.kfail == 0, "%u kernel test runs failed", t.kfail);
    cr_expect(t.refused == 0, "bpfrt refused %u programs the kernel accepted (seed %" PRIu64 ")", t.refused, seed);
    cr_expect(t.bad_fast == 0 && t.bad_checked == 0,
              "%u mismatches (fast), %u (checked) against the kernel (seed %" PRIu64 ")", t.bad_fast, t.bad_checked,
              seed);
}

Test(kdiff, xdp_random, .timeout = 600)
{
    run_random(KD_XDP, 3000);
}

Test(kdiff, skf_ld_abs, .timeout = 600)
{
    run_random(KD_SKF, 1000);
}

/* ---- directed tests: every op on every pair of edge values -------------- */

static const uint64_t edge_vals[] = {
    0, 1, 2, 3, ~0ull, ~1ull, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 31, 32, 63, 64,
    0x7fffffffull, 0x80000000ull, 0xffffffffull, 0x100000000ull, 0x1ffffffffull, 0x8000000000000000ull,
    0x7fffffffffffffffull, 0xffffffff80000000ull, 0xffffffff7fffffffull, 0x0123456789abcdefull,
    0xfedcba9876543210ull, 0x00000000ffff8000ull,
};
#define N_EDGE (sizeof(edge_vals) / sizeof(edge_vals[0]))

static const int32_t edge_imms[] = {0, 1, 2, -1, -2, 3, 7, 31, 32, 63, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
                                    0xffff, INT32_MAX, INT32_MIN, (int32_t)0x80000001u, -128, -32768, 0x12345678};
#define N_IMMS (sizeof(edge_imms) / sizeof(edge_imms[0]))

struct directed {
    unsigned programs, runs, rejected, refused, bad, reported;
};

/* Run body (dst r1, src r2) on every input where r1 = a and r2 = b for
 * a in edge_vals and b in edge_vals (or only a when pairs is 0); the other
 * registers hold fixed values. */
static void run_directed(struct directed *d, const struct bpf_insn *body, unsigned body_len, int pairs)
{
    static struct kd_case c;
    static struct kresult k;
    static struct outcome f, o;
    char log[512];
    struct bpfrt_prog *p = NULL;
    unsigned a, b, i;
    int fd, err;

    memset(&c, 0, sizeof(c));
    c.kind = KD_XDP;
    c.pkt_len = KD_XDP_PKT;
    memcpy(c.body, body, body_len * sizeof(body[0]));
    c.body_len = body_len;
    kd_assemble(&c);
    for (i = 0; i < KD_XDP_PKT / 8; i++) {
        uint64_t v = 0x1111111111111111ull * i;
        memcpy(c.pkt + 8 * i, &v, 8);
    }
    d->programs++;
    fd = kd_kernel_load(&c, NULL, 0);
    if (fd < 0) {
        if (d->rejected++ < 3) {
            int fd2 = kd_kernel_load(&c, log, sizeof(log));
            if (fd2 >= 0)
                close(fd2);
            fprintf(stderr, "kdiff: directed program REJECTED by the kernel: %s\n", log);
            kd_dump_prog(stderr, c.body, c.body_len, 0, 0);
        }
        return;
    }
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = "kdiff", .log_buf = log, .log_size = sizeof(log));
    err = bpfrt_prog__load_insns(c.rt, c.rt_len, &lo, &p);
    if (err) {
        if (d->refused++ < 3) {
            fprintf(stderr, "kdiff: bpfrt refused a directed program: %d: %s\n", err, log);
            kd_dump_prog(stderr, c.body, c.body_len, 0, 0);
        }
        close(fd);
        return;
    }
    for (a = 0; a < N_EDGE; a++) {
        for (b = 0; b < (pairs ? N_EDGE : 1); b++) {
            memcpy(c.pkt + 8, &edge_vals[a], 8);
            memcpy(c.pkt + 16, &edge_vals[b], 8);
            k.len = sizeof(k.data);
            k.err = kd_kernel_run(fd, &c, k.data, &k.len, &k.ret);
            d->runs++;
            if (k.err) {
                d->bad++;
                fprintf(stderr, "kdiff: kernel test run failed: %d\n", k.err);
                continue;
            }
            bpfrt_side(&c, p, BPFRT_RUN_UNVERIFIED_UNCHECKED, &f);
            bpfrt_side(&c, p, BPFRT_RUN_CHECKED, &o);
            if (same(&c, &k, &f) && same(&c, &k, &o))
                continue;
            d->bad++;
            if (d->reported++ < 5) {
                report(&c, &k, same(&c, &k, &f) ? &o : &f, same(&c, &k, &f) ? "checked" : "fast", 0);
                fprintf(stderr, "  (directed test: r1 = 0x%016" PRIx64 ", r2 = 0x%016" PRIx64 ")\n", edge_vals[a],
                        edge_vals[b]);
            }
        }
    }
    bpfrt_prog__free(p);
    close(fd);
}

static void directed_summary(const char *what, const struct directed *d)
{
    fprintf(stderr, "kdiff: %s: %u programs, %u runs, %u rejected by the kernel, %u refused by bpfrt, %u mismatches\n",
            what, d->programs, d->runs, d->rejected, d->refused, d->bad);
    cr_expect(d->rejected == 0, "%u directed programs rejected by the kernel", d->rejected);
    cr_expect(d->refused == 0, "%u directed programs refused by bpfrt", d->refused);
    cr_expect(d->bad == 0, "%s: %u mismatches against the kernel", what, d->bad);
}

Test(kdiff, alu_pairs, .timeout = 600)
{
    static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
                                  BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
    static const int32_t widths[] = {16, 32, 64};
    struct directed d = {0};
    unsigned cl, i, j;

    skip_if_no_bpf();
    for (cl = 0; cl < 2; cl++) {
        uint8_t cls = cl ? BPF_ALU64 : BPF_ALU;
        unsigned shmax = cl ? 64 : 32;
        for (i = 0; i < sizeof(ops); i++) {
            int16_t offs[3] = {0, 0, 0};
            unsigned noffs = 1, v;
            if (ops[i] == BPF_DIV || ops[i] == BPF_MOD) {
                offs[1] = 1;
                noffs = 2;
            }
            for (v = 0; v < noffs; v++) {
                struct bpf_insn x = INS(cls | ops[i] | BPF_X, 1, 2, offs[v], 0);
                run_directed(&d, &x, 1, 1);
                for (j = 0; j < N_IMMS; j++) {
                    int32_t imm = edge_imms[j];
                    struct bpf_insn kk;
                    if ((ops[i] == BPF_LSH || ops[i] == BPF_RSH || ops[i] == BPF_ARSH) && (uint32_t)imm >= shmax)
                        continue;
                    if ((ops[i] == BPF_DIV || ops[i] == BPF_MOD) && imm == 0)
                        continue;
                    kk = INS(cls | ops[i] | BPF_K, 1, 0, offs[v], imm);
                    run_directed(&d, &kk, 1, 0);
                }
            }
        }
        { /* movsx */
            static const int16_t sx[] = {8, 16, 32};
            for (j = 0; j < (cl ? 3u : 2u); j++) {
                struct bpf_insn x = INS(cls | BPF_MOV | BPF_X, 1, 2, sx[j], 0);
                run_directed(&d, &x, 1, 1);
            }
        }
        { /* neg */
            struct bpf_insn x = INS(cls | BPF_NEG | BPF_K, 1, 0, 0, 0);
            run_directed(&d, &x, 1, 0);
        }
    }
    for (j = 0; j < 3; j++) { /* byte swaps */
        struct bpf_insn le = INS(BPF_ALU | BPF_END | BPF_TO_LE, 1, 0, 0, widths[j]);
        struct bpf_insn be = INS(BPF_ALU | BPF_END | BPF_TO_BE, 1, 0, 0, widths[j]);
        struct bpf_insn sw = INS(BPF_ALU64 | BPF_END | BPF_TO_LE, 1, 0, 0, widths[j]);
        run_directed(&d, &le, 1, 0);
        run_directed(&d, &be, 1, 0);
        run_directed(&d, &sw, 1, 0);
    }
    directed_summary("alu_pairs", &d);
}

Test(kdiff, jmp_pairs, .timeout = 600)
{
    static const uint8_t jops[] = {BPF_JEQ, BPF_JGT,  BPF_JGE, BPF_JSET, BPF_JNE,  BPF_JSGT,
                                   BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
    struct directed d = {0};
    unsigned cl, i, j;

    skip_if_no_bpf();
    for (cl = 0; cl < 2; cl++) {
        uint8_t cls = cl ? BPF_JMP : BPF_JMP32;
        for (i = 0; i < sizeof(jops); i++) {
            struct bpf_insn body[2] = {
                INS(cls | jops[i] | BPF_X, 1, 2, 1, 0),
                INS(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 1), /* r3 = 1 when not taken */
            };
            run_directed(&d, body, 2, 1);
            for (j = 0; j < N_IMMS; j++) {
                body[0] = INS(cls | jops[i] | BPF_K, 1, 0, 1, edge_imms[j]);
                run_directed(&d, body, 2, 0);
            }
        }
    }
    directed_summary("jmp_pairs", &d);
}

/* ---- kernel bugs the generator steers around ---------------------------- */

/* Packet offset of the stack slot at r10 + off. */
#define SLOT(off) (KD_NREGS * 8 + (off) - KD_SCRATCH_OFF)

static uint64_t get64(const uint8_t *p, unsigned at)
{
    uint64_t v;
    memcpy(&v, p + at, 8);
    return v;
}

static void put64(uint8_t *p, unsigned at, uint64_t v)
{
    memcpy(p + at, &v, 8);
}

/* Run body on input in the kernel and in bpfrt (both modes); check bpfrt
 * with want(); say whether the kernel (the JIT here) gets it right. */
static void check_pattern(const char *name, const struct bpf_insn *body, unsigned n, const uint8_t *input,
                          int (*want)(const uint8_t *out, uint64_t ret))
{
    static struct kd_case c;
    static struct kresult k;
    static struct outcome f, o;
    char log[512];
    int res;

    memset(&c, 0, sizeof(c));
    c.kind = KD_XDP;
    c.pkt_len = KD_XDP_PKT;
    memcpy(c.pkt, input, KD_XDP_PKT);
    memcpy(c.body, body, n * sizeof(body[0]));
    c.body_len = n;
    kd_assemble(&c);
    res = compare_case(&c, &k, &f, &o, log, sizeof(log));
    cr_assert(res != -1, "%s: the kernel rejected the program", name);
    cr_assert(res != -2, "%s: bpfrt refused the program: %s", name, log);
    fprintf(stderr, "kdiff: %s: kernel %s\n", name,
            want(k.data, get64(k.data, 0)) ? "correct" : "WRONG (known kernel bug; bpfrt checked against RFC 9669)");
    if (!want(f.data, f.ret) || !want(o.data, o.ret)) {
        report(&c, &k, want(f.data, f.ret) ? &o : &f, want(f.data, f.ret) ? "checked" : "fast", 0);
        cr_expect(0, "%s: bpfrt differs from the RFC 9669 result", name);
    }
}

/* 32-bit cmpxchg whose comparison succeeds: r0 = zero-extended old value.
 * The 6.18 x86 JIT leaves rax's upper half when the verifier did not
 * insert its zero-extension (the 64-bit read of r0 is on a pruned path). */
static int want_cmpxchg(const uint8_t *out, uint64_t ret)
{
    return get64(out, 0) == 0 && ret == 0;
}

/* Fetching atomic on a slot holding a spilled scalar: the fetched value
 * is negative, so the store at the end must happen.  The 6.18 verifier
 * hard-wires the branch and removes the store. */
static int want_fetch(const uint8_t *out, uint64_t ret)
{
    (void)ret;
    return get64(out, 6 * 8) == 0x0123456789abcdefull && get64(out, SLOT(-40)) == ~0ull &&
           (get64(out, SLOT(-136)) & 0xffff) == 0x40;
}

Test(kdiff, kernel_bug_patterns)
{
    const struct bpf_insn cmpxchg[] = {
        INS(BPF_STX | BPF_ATOMIC | BPF_W, BPF_REG_10, BPF_REG_6, -100, BPF_CMPXCHG), /* w0 = cmpxchg(r10-100, w0, w6) */
        INS(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_7, BPF_REG_3, 2, 0),                  /* if r7 != r3 goto +2 */
        INS(BPF_ALU | BPF_DIV | BPF_X, BPF_REG_0, BPF_REG_0, 1, 0),                  /* w0 s/= w0 */
        INS(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_8, 0, 0, 64),                         /* if w8 == 64 goto +0 */
    };
    const struct bpf_insn fetch[] = {
        INS(BPF_JMP | BPF_JLT | BPF_X, BPF_REG_9, BPF_REG_4, 2, 0),                 /* if r9 < r4 goto +2 */
        INS(BPF_ALU | BPF_ARSH | BPF_K, BPF_REG_9, 0, 0, 11),                       /* w9 s>>= 11 */
        INS(BPF_ALU64 | BPF_END | BPF_TO_LE, BPF_REG_9, 0, 0, 64),                  /* r9 = bswap64 r9 */
        INS(BPF_JMP32 | BPF_JNE | BPF_X, BPF_REG_5, BPF_REG_9, 0, 0),               /* if w5 != w9 goto +0 */
        INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_5, -40, 0),             /* *(u64 *)(r10 -40) = r5 */
        INS(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_6, -40, BPF_ADD | BPF_FETCH),
        INS(BPF_JMP32 | BPF_JSGE | BPF_K, BPF_REG_6, 0, 1, 0),                      /* if w6 s>= 0 goto +1 */
        INS(BPF_ST | BPF_MEM | BPF_H, BPF_REG_10, 0, -136, 64),                     /* *(u16 *)(r10 -136) = 64 */
    };
    uint8_t in[KD_XDP_PKT] = {0};

    skip_if_no_bpf();
    put64(in, 0, 0xffffffff00000000ull); /* r0; the u32 at r10-100 is 0 */
    put64(in, 3 * 8, 0);
    put64(in, 7 * 8, 1);
    check_pattern("cmpxchg32 zero-extension", cmpxchg, sizeof(cmpxchg) / sizeof(cmpxchg[0]), in, want_cmpxchg);

    memset(in, 0, sizeof(in));
    put64(in, 4 * 8, 0x0123456789abcdefull);
    put64(in, 5 * 8, 0x0123456789abcdefull);
    put64(in, 6 * 8, 0xfedcba9876543210ull);
    put64(in, 9 * 8, 0x1a);
    check_pattern("atomic fetch from a spilled slot", fetch, sizeof(fetch) / sizeof(fetch[0]), in, want_fetch);
}
