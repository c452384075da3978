/* test_vdiff.c - bpfrt's verifier against the running kernel's, verdict
 * by verdict, on random plausible programs (vdiff_gen.c).
 *
 * vdiff/verdicts: N programs (XDP, sched_cls, socket_filter) are loaded
 *   into the kernel (BPF_PROG_LOAD, privileged, maps created with
 *   bpf(BPF_MAP_CREATE)) and verified by bpfrt_prog__verify_insns() (the
 *   same maps created with bpfrt_map__create; an LD_IMM64 map "fd" is the
 *   bpfrt map's id).  Reported: programs, kernel accepts/rejects,
 *   agreement, and both directions of disagreement.  An accept where the
 *   kernel rejects is a SOUNDNESS SUSPECT: each is printed with its
 *   disassembly, the kernel's last log lines and bpfrt's verdict.  A
 *   reject where the kernel accepts is a precision gap: counted, a few
 *   printed.
 *
 * Asserted: no soundness suspect, agreement >= VDIFF_MIN_AGREE percent
 * (see the default below), and that the generator's mix is useful (each
 * verdict at least a quarter of the programs).
 *
 * Environment: BPFRT_SEED (the stream to replay; default: time and pid,
 * printed), BPFRT_VDIFF_N (programs; default 20000, 6000 under
 * BPFRT_SANITIZED=1: about 5 s of the kernel's and bpfrt's verification
 * on this machine), BPFRT_VDIFF_SECONDS (stop after this many seconds
 * even before N, on a loaded machine; default 25; no timing is
 * asserted), BPFRT_VDIFF_ONLY=i (program i alone, printed with both logs
 * at BPFRT_VDIFF_LOG_LEVEL), BPFRT_VDIFF_MISTAKES (percent; default 7:
 * the kernel accepts about half), BPFRT_VDIFF_SHOW (precision gaps
 * printed in full; default 5), BPFRT_VDIFF_SHOW_SUSPECTS (suspects
 * printed in full, the others in one line each; default 20),
 * BPFRT_VDIFF_REASONS=1 (tally the kernel's reasons for its rejections),
 * VDIFF_MIN_AGREE (default below).  Skips when bpf() is unavailable.
 *
 * Known disagreements when this test was written, each minimized into
 * tests/unit/test_vf_regress.c (disabled until the verifier is fixed):
 * suspects from BPF_F_RDONLY_PROG maps written by helpers, direct value
 * loads of multi-entry arrays, callbacks without BTF func_info, 32-bit
 * mov register links, and branches whose refinement contradicts what is
 * known (the kernel walks them, bpfrt prunes them); precision gaps from
 * array lookups with a constant key (not null on 6.18) and "wX = wX".
 */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "vdiff.h"

/* Agreement reached when this test was written: 97.16% to 97.44% on
 * seeds 1, 2, 5, 11, 12, 13 (10000 to 20000 programs each); nearly all
 * of the rest are the known disagreements listed above (the two
 * precision gaps alone are 2.0 to 2.3 points).  The floor sits below the
 * worst seed; raise it as they are fixed. */
#define VDIFF_MIN_AGREE_DEFAULT 96.5

/* The level of the logs asked for (1; BPFRT_VDIFF_LOG_LEVEL with
 * BPFRT_VDIFF_ONLY). */
static unsigned log_level = 1;

static uint64_t env_u64(const char *name, uint64_t dflt, int *set)
{
    const char *s = getenv(name);
    if (set)
        *set = s && *s;
    if (!s || !*s)
        return dflt;
    return strtoull(s, NULL, 0);
}

struct maps {
    int btf_fd;
    uint8_t btf[128];
    unsigned btf_size;
    int kfd[VD_NMAPS];
    int rtid[VD_NMAPS];
    struct bpfrt_map *rt[VD_NMAPS];
};

static int maps_create(struct maps *m, char *why, size_t whysz)
{
    unsigned i;

    m->btf_size = vd_btf(m->btf);
    m->btf_fd = bpf_btf_load(m->btf, m->btf_size, NULL);
    if (m->btf_fd < 0) {
        snprintf(why, whysz, "loading BTF: %s", strerror(errno));
        return -1;
    }
    for (i = 0; i < VD_NMAPS; i++) {
        const struct vd_map_def *d = &vd_maps[i];
        LIBBPF_OPTS(bpf_map_create_opts, kopts, .map_flags = d->flags);
        struct bpfrt_map_create_opts ropts = {.sz = sizeof(ropts), .map_flags = d->flags};
        int err;

        m->kfd[i] = bpf_map_create(d->type, "vdiff", d->key_size, d->value_size, d->max_entries, &kopts);
        if (m->kfd[i] < 0) {
            snprintf(why, whysz, "kernel map %u: %s", i, strerror(errno));
            return -1;
        }
        err = bpfrt_map__create(d->type, "vdiff", d->key_size, d->value_size, d->max_entries, &ropts, &m->rt[i]);
        cr_assert_eq(err, 0, "bpfrt_map__create(map %u): %d", i, err);
        m->rtid[i] = (int)bpfrt_map__id(m->rt[i]);
    }
    return 0;
}

static void maps_free(struct maps *m)
{
    unsigned i;

    if (m->btf_fd >= 0)
        close(m->btf_fd);
    for (i = 0; i < VD_NMAPS; i++) {
        if (m->kfd[i] >= 0)
            close(m->kfd[i]);
        if (m->rt[i])
            bpfrt_map__free(m->rt[i]);
    }
}

/* The kernel's verdict: 0 accepted, else -errno.  With log: level 1, the
 * rotating log keeps the tail (where the reason is). */
static int kernel_verify(const struct vd_case *c, const struct maps *m, char *log, size_t logsz)
{
    struct bpf_insn insns[VD_MAX];
    LIBBPF_OPTS(bpf_prog_load_opts, opts);
    int fd;

    vd_patch_maps(c, m->kfd, insns);
    if (c->has_btf) {
        opts.prog_btf_fd = m->btf_fd;
        opts.func_info = c->func_info;
        opts.func_info_rec_size = sizeof(c->func_info[0]);
        opts.func_info_cnt = c->nfunc;
    }
    if (log && logsz) {
        log[0] = 0;
        opts.log_buf = log;
        opts.log_size = (unsigned)logsz;
        opts.log_level = log_level;
    }
    fd = bpf_prog_load(c->type, "vdiff", "GPL", insns, c->len, &opts);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return errno ? -errno : -EINVAL;
}

static int bpfrt_verify(const struct vd_case *c, const struct maps *m, struct bpfrt_diag *diag, char *log,
                        size_t logsz)
{
    struct bpf_insn insns[VD_MAX];
    struct bpfrt_prog_load_opts opts = {.sz = sizeof(opts), .type = c->type, .diag = diag};

    if (c->has_btf) {
        opts.btf = m->btf;
        opts.btf_size = m->btf_size;
        opts.func_info = c->func_info;
        opts.func_info_rec_size = sizeof(c->func_info[0]);
        opts.func_info_cnt = c->nfunc;
    }
    memset(diag, 0, sizeof(*diag));
    diag->sz = sizeof(*diag);
    if (log && logsz) {
        log[0] = 0;
        opts.log_buf = log;
        opts.log_size = logsz;
        opts.log_level = log_level;
    }
    vd_patch_maps(c, m->rtid, insns);
    return bpfrt_prog__verify_insns(insns, c->len, &opts);
}

/* The reason in a kernel log: its last two lines that are not the
 * statistics ("processed N insns ...", "verification time ..."). */
static void last_lines(const char *log, char *out, size_t outsz)
{
    const char *p = log, *keep[2] = {NULL, NULL};
    int lens[2] = {0, 0};

    while (*p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);
        if (len && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17)) {
            keep[0] = keep[1], lens[0] = lens[1];
            keep[1] = p, lens[1] = len;
        }
        p += len + (nl ? 1 : 0);
    }
    snprintf(out, outsz, "%.*s%s%.*s", keep[0] ? lens[0] : 0, keep[0] ? keep[0] : "", keep[0] ? "\n" : "",
             keep[1] ? lens[1] : 0, keep[1] ? keep[1] : "");
}

/* Reasons tallied, digits blanked: the kernel's for its rejections
 * (BPFRT_VDIFF_REASONS=1, to tune the generator's mix) and for the
 * soundness suspects, bpfrt's for the precision gaps. */
#define NREASONS 64
struct tally {
    struct {
        char text[96];
        unsigned n;
        uint64_t example;
    } r[NREASONS];
};

static void tally_add(struct tally *t, const char *text, uint64_t index)
{
    char buf[96], *q;
    unsigned i;

    snprintf(buf, sizeof(buf), "%s", text);
    for (q = buf; *q; q++)
        if (*q >= '0' && *q <= '9')
            *q = '#';
    for (i = 0; i < NREASONS && t->r[i].n; i++)
        if (!strcmp(t->r[i].text, buf))
            break;
    if (i == NREASONS)
        return;
    memcpy(t->r[i].text, buf, sizeof(buf));
    if (!t->r[i].n++)
        t->r[i].example = index;
}

static void tally_print(const struct tally *t, const char *what)
{
    unsigned i;

    for (i = 0; i < NREASONS && t->r[i].n; i++)
        fprintf(stderr, "vdiff: %s %5u (e.g. program %" PRIu64 "): %s\n", what, t->r[i].n, t->r[i].example,
                t->r[i].text);
}

/* The kernel's reason: the last line of its log. */
static void kernel_reason(const struct vd_case *c, const struct maps *m, char *out, size_t outsz)
{
    static char klog[1 << 16];
    char tail[2048], *p;

    kernel_verify(c, m, klog, sizeof(klog));
    last_lines(klog, tail, sizeof(tail));
    p = strrchr(tail, '\n');
    snprintf(out, outsz, "%.400s", p ? p + 1 : tail);
}

/* Did the kernel fail with its own "verifier bug" message? */
static int kernel_bug(const struct vd_case *c, const struct maps *m)
{
    static char klog[1 << 16];

    kernel_verify(c, m, klog, sizeof(klog));
    return strstr(klog, "verifier bug") != NULL;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void dump(const struct vd_case *c, const struct maps *m)
{
    struct bpf_insn insns[VD_MAX];

    vd_patch_maps(c, m->rtid, insns);
    bpfrt_disasm(insns, c->len, stderr, 1);
}

static void report_one(const char *what, const struct vd_case *c, const struct maps *m, int kerr, int rerr,
                       const struct bpfrt_diag *d)
{
    static char klog[1 << 16];
    char tail[2048];

    kernel_verify(c, m, klog, sizeof(klog));
    last_lines(klog, tail, sizeof(tail));
    fprintf(stderr, "---- %s: program %" PRIu64 " (BPFRT_SEED=%" PRIu64 " BPFRT_VDIFF_ONLY=%" PRIu64 "), %s, %u insns\n",
            what, c->index, c->seed, c->index, vd_type_name(c->type), c->len);
    if (c->has_btf) {
        unsigned i;
        fprintf(stderr, "(with BTF func_info:");
        for (i = 0; i < c->nfunc; i++)
            fprintf(stderr, " insn %u", c->func_info[i].insn_off);
        fprintf(stderr, ")\n");
    }
    dump(c, m);
    fprintf(stderr, "kernel: %s (%d); log ends:\n%s\n", kerr ? "rejected" : "accepted", kerr, tail);
    if (rerr)
        fprintf(stderr, "bpfrt:  rejected (%d) at insn %ld: %s\n", rerr, d->insn, d->message);
    else
        fprintf(stderr, "bpfrt:  accepted\n");
}

Test(vdiff, verdicts, .timeout = 600)
{
    int seed_set, only_set;
    uint64_t seed = env_u64("BPFRT_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20), &seed_set);
    int san = getenv("BPFRT_SANITIZED") && !strcmp(getenv("BPFRT_SANITIZED"), "1");
    uint64_t n = env_u64("BPFRT_VDIFF_N", san ? 6000 : 20000, NULL);
    uint64_t budget_ns = env_u64("BPFRT_VDIFF_SECONDS", 25, NULL) * 1000000000ull, start = now_ns();
    uint64_t only = env_u64("BPFRT_VDIFF_ONLY", 0, &only_set);
    unsigned mist = (unsigned)env_u64("BPFRT_VDIFF_MISTAKES", 7, NULL);
    unsigned show = (unsigned)env_u64("BPFRT_VDIFF_SHOW", 5, NULL);
    const char *floor_s = getenv("VDIFF_MIN_AGREE");
    double floor = floor_s && *floor_s ? strtod(floor_s, NULL) : VDIFF_MIN_AGREE_DEFAULT;
    uint64_t i, progs = 0, kacc = 0, krej = 0, agree = 0, acc_krej = 0, rej_kacc = 0, insns = 0;
    uint64_t kns = 0, rns = 0, kbugs = 0;
    static struct tally krej_why, suspect_why, gap_why;
    unsigned show_suspects = (unsigned)env_u64("BPFRT_VDIFF_SHOW_SUSPECTS", 20, NULL);
    uint64_t per_type[3][4] = {{0}}; /* [type][kacc, krej, acc_krej, rej_kacc] */
    struct vd_case *c = malloc(sizeof(*c));
    struct maps m;
    char why[512];
    double pct;

    cr_assert(c);
    memset(&m, 0, sizeof(m));
    m.btf_fd = -1;
    for (i = 0; i < VD_NMAPS; i++)
        m.kfd[i] = -1;
    if (kd_kernel_probe(why, sizeof(why))) {
        free(c);
        cr_skip_test("kernel bpf() unavailable: %s", why);
    }
    if (maps_create(&m, why, sizeof(why))) {
        maps_free(&m);
        free(c);
        cr_skip_test("kernel bpf() unavailable: %s", why);
    }
    fprintf(stderr, "vdiff: BPFRT_SEED=%" PRIu64 "%s, %" PRIu64 " programs, mistakes %u%%\n", seed,
            seed_set ? "" : " (chosen)", only_set ? 1 : n, mist);

    for (i = only_set ? only : 0; i < (only_set ? only + 1 : n); i++) {
        struct bpfrt_diag d;
        int kerr, rerr, t;
        uint64_t t0, t1, t2;

        if (!only_set && now_ns() - start > budget_ns) { /* a loaded machine: stop, say so */
            fprintf(stderr, "vdiff: stopped after %" PRIu64 " programs: BPFRT_VDIFF_SECONDS spent\n", i);
            break;
        }
        vd_gen_case(c, seed, i, mist);
        t = c->type == BPF_PROG_TYPE_XDP ? 0 : c->type == BPF_PROG_TYPE_SCHED_CLS ? 1 : 2;
        t0 = now_ns();
        kerr = kernel_verify(c, &m, NULL, 0);
        t1 = now_ns();
        rerr = bpfrt_verify(c, &m, &d, NULL, 0);
        t2 = now_ns();
        kns += t1 - t0;
        rns += t2 - t1;
        if (t2 - t0 > 100000000ull) /* informative only: which programs cost time */
            fprintf(stderr, "vdiff: program %" PRIu64 " (%s, %u insns) took kernel %.1f ms, bpfrt %.1f ms\n", i,
                    vd_type_name(c->type), c->len, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
        if (kerr == -EFAULT && kernel_bug(c, &m)) {
            /* The kernel's own "verifier bug" (-EFAULT): no verdict to
             * compare with.  Seen on 6.18: "No program to jit at insn N
             * (subprog < 0)" after bpf_loop with a constant 0 count (its
             * inlining); counted and printed, never compared. */
            kbugs++;
            if (kbugs <= show)
                report_one("kernel internal error (not compared)", c, &m, kerr, rerr, &d);
            continue;
        }
        progs++;
        insns += c->len;
        if (!kerr) {
            kacc++;
            per_type[t][0]++;
        } else {
            krej++;
            per_type[t][1]++;
            if (getenv("BPFRT_VDIFF_REASONS")) {
                kernel_reason(c, &m, why, sizeof(why));
                tally_add(&krej_why, why, i);
            }
        }
        if (!kerr == !rerr) {
            agree++;
        } else if (!rerr) {
            acc_krej++;
            per_type[t][2]++;
            kernel_reason(c, &m, why, sizeof(why));
            tally_add(&suspect_why, why, i);
            if (acc_krej <= show_suspects)
                report_one("SOUNDNESS SUSPECT (bpfrt accepts, the kernel rejects)", c, &m, kerr, rerr, &d);
            else
                fprintf(stderr, "---- SOUNDNESS SUSPECT: program %" PRIu64 " (%s): the kernel: %s\n", i,
                        vd_type_name(c->type), why);
        } else {
            rej_kacc++;
            per_type[t][3]++;
            tally_add(&gap_why, d.message, i);
            if (rej_kacc <= show)
                report_one("precision gap (bpfrt rejects, the kernel accepts)", c, &m, kerr, rerr, &d);
        }
        if (only_set) { /* both logs in full, at BPFRT_VDIFF_LOG_LEVEL */
            static char klog[1 << 20], rlog[1 << 20];
            report_one("program", c, &m, kerr, rerr, &d);
            log_level = (unsigned)env_u64("BPFRT_VDIFF_LOG_LEVEL", 1, NULL);
            kernel_verify(c, &m, klog, sizeof(klog));
            bpfrt_verify(c, &m, &d, rlog, sizeof(rlog));
            fprintf(stderr, "kernel's log:\n%s\nbpfrt's log:\n%s\n", klog, rlog);
        }
    }

    pct = progs ? 100.0 * (double)agree / (double)progs : 0;
    fprintf(stderr,
            "vdiff: %" PRIu64 " programs (%" PRIu64 " insns), kernel accepts %" PRIu64 " rejects %" PRIu64
            "; agreement %" PRIu64 "/%" PRIu64 " = %.2f%%; bpfrt accepts where the kernel rejects (soundness "
            "suspects): %" PRIu64 "; bpfrt rejects where the kernel accepts: %" PRIu64 "\n",
            progs, insns, kacc, krej, agree, progs, pct, acc_krej, rej_kacc);
    if (kbugs)
        fprintf(stderr, "vdiff: %" PRIu64 " more programs not compared: the kernel failed with \"verifier bug\"\n",
                kbugs);
    fprintf(stderr, "vdiff: verification time: kernel %.2f s, bpfrt %.2f s\n", (double)kns / 1e9, (double)rns / 1e9);
    for (i = 0; i < 3; i++)
        fprintf(stderr, "vdiff:   %-13s kernel accepts %" PRIu64 " rejects %" PRIu64 "; suspects %" PRIu64
                        ", precision gaps %" PRIu64 "\n",
                vd_type_name(i == 0   ? BPF_PROG_TYPE_XDP
                             : i == 1 ? BPF_PROG_TYPE_SCHED_CLS
                                      : BPF_PROG_TYPE_SOCKET_FILTER),
                per_type[i][0], per_type[i][1], per_type[i][2], per_type[i][3]);
    tally_print(&suspect_why, "suspects, the kernel's reason:");
    tally_print(&gap_why, "precision gaps, bpfrt's reason:");
    tally_print(&krej_why, "kernel rejects:");
    maps_free(&m);
    free(c);

    cr_expect_eq(acc_krej, 0, "%" PRIu64 " soundness suspects (bpfrt accepts programs the kernel rejects; printed "
                              "above; replay with BPFRT_SEED=%" PRIu64 ")",
                 acc_krej, seed);
    cr_expect(pct >= floor, "agreement %.2f%% is below %.2f%% (BPFRT_SEED=%" PRIu64 ")", pct, floor, seed);
    if (!only_set && progs >= 200) {
        cr_expect(kacc * 4 >= progs && krej * 4 >= progs,
                  "the generator's mix is off: the kernel accepted %" PRIu64 " of %" PRIu64 " programs", kacc, progs);
    }
}
