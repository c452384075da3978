/* compile.c - what the JIT costs at load time, for the largest programs at
 * hand (the kernel selftests' objects verify_progs.sh builds), beside the
 * kernel's load time.
 *
 *   bpfrt   bpfrt_object__load() of the object with only this program to
 *           load, once with the engine "interp" and once with "jit": the
 *           same loader, maps, verifier and fix-ups, and the JIT's prepare
 *           builds the interpreter's image first (for checked runs,
 *           src/engine/jit_x86_64.c), so the difference is the JIT's
 *           emission passes; the thread's
 *           CPU time, best of -k runs each or more (about 150 ms of loads a
 *           program, at most 200 runs), interleaved after one untimed
 *           load of each;
 *   kernel  libbpf's load of the same object and program, the
 *           BPF_PROG_LOAD system call timed (kload.c: its wall time, as
 *           the kernel's own figure below; verifier, fix-ups, JIT); with
 *           log level 4, whose last line gives the verifier's
 *           own time ("verification time N usec"), so load - verification
 *           is the rest: mostly the JIT (and its passes), with the
 *           kernel's fix-ups.
 *
 * Also the machine code each JIT made: bpfrt_prog__jited() and the
 * kernel's jited_prog_len (bpf_prog_get_info_by_fd). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"
#include "kload.h"
#include "runner.h"

struct cprog {
    const char *obj; /* in the selftests' objects */
    const char *prog;
    enum bpf_prog_type type; /* as prog_tests/bpf_verif_scale.c sets it; UNSPEC: the section's */
};

static const struct cprog cprogs[] = {
    {"test_verif_scale2.o", "balancer_ingress", BPF_PROG_TYPE_SCHED_CLS},
    {"pyperf180.o", "on_event", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"strobemeta.o", "on_event", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"test_cls_redirect.o", "cls_redirect", BPF_PROG_TYPE_UNSPEC},
    {"test_xdp_noinline.o", "balancer_ingress_v4", BPF_PROG_TYPE_UNSPEC},
    {"test_l4lb_noinline.o", "balancer_ingress", BPF_PROG_TYPE_UNSPEC},
    {"test_l4lb.o", "balancer_ingress", BPF_PROG_TYPE_UNSPEC},
    {"bpf_flow.o", "_dissect", BPF_PROG_TYPE_UNSPEC},
};
#define NC (sizeof(cprogs) / sizeof(cprogs[0]))

#define LOAD_BUDGET_NS 150000000ull /* per engine */
#define MAX_RUNS 200u

struct crow {
    int st;           /* ST_OK: both bpfrt loads timed */
    unsigned runs;    /* bpfrt's loads of each engine */
    size_t insns;     /* bpfrt's xlated instructions */
    size_t b_bytes;   /* bpfrt's image */
    uint64_t b_interp, b_jit; /* ns, best of */
    int kst;
    uint32_t k_bytes; /* the kernel's jited_prog_len */
    uint64_t k_load, k_verif; /* ns */
    char err[256], kerr[256];
};
static struct crow crows[NC];

/* the thread's CPU time: on this shared machine the wall time also counts
 * the time other jobs had the CPU, and the differences measured here are
 * small beside the verifier's time */
static uint64_t cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One bpfrt load of the object with this program alone; ns or 0 (err set). */
static uint64_t bpfrt_load_once(const struct cprog *c, const char *engine, struct crow *row)
{
    char path[512], log[512] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log), .engine = engine);
    struct bpfrt_object *obj = NULL;
    struct bpfrt_program *p, *target = NULL;
    struct bpfrt_prog *prog;
    uint64_t t0, ns = 0;
    int e;

    snprintf(path, sizeof(path), "%s/%s", cfg.vcache, c->obj);
    e = bpfrt_object__open_file(path, &oo, &obj);
    if (e) {
        bench_msg(row->err, sizeof(row->err), "open %s: %s: %s", path, strerror(-e), log);
        return 0;
    }
    for (p = bpfrt_object__next_program(obj, NULL); p; p = bpfrt_object__next_program(obj, p)) {
        bool me = !strcmp(bpfrt_program__name(p), c->prog);

        bpfrt_program__set_autoload(p, me);
        if (me)
            target = p;
    }
    if (!target) {
        bench_msg(row->err, sizeof(row->err), "%s: no program %s", path, c->prog);
        goto out;
    }
    if (c->type)
        bpfrt_program__set_type(target, c->type);
    t0 = cpu_now();
    e = bpfrt_object__load(obj);
    ns = cpu_now() - t0;
    prog = e ? NULL : bpfrt_program__prog(target);
    if (!prog) {
        bench_msg(row->err, sizeof(row->err), "load (%s): %s: %.200s", engine, strerror(e ? -e : ENOENT), log);
        ns = 0;
        goto out;
    }
    if (strcmp(bpfrt_prog__engine(prog), engine)) {
        bench_msg(row->err, sizeof(row->err), "runs in the %s engine, not %s", bpfrt_prog__engine(prog), engine);
        ns = 0;
        goto out;
    }
    row->insns = bpfrt_prog__xlated_cnt(prog);
    if (!strcmp(engine, "jit")) {
        const uint8_t *code;
        const uint32_t *off;

        row->b_bytes = bpfrt_prog__jited(prog, &code, &off);
    }
out:
    bpfrt_object__close(obj);
    return ns;
}

#define KLOG_SZ (1u << 20)

static bool verif_usec(const char *log, uint64_t *us)
{
    const char *s = strstr(log, "verification time ");

    if (!s)
        return false;
    *us = strtoull(s + strlen("verification time "), NULL, 10);
    return true;
}

/* One kernel load; 0 when timed (k_load/k_verif of this run in *load,
 * *verif). */
static int kernel_load_once(const struct cprog *c, struct crow *row, char *log, uint64_t *load, uint64_t *verif)
{
    char path[512];
    struct bpf_object *obj;
    struct bpf_program *p, *target = NULL;
    struct bpf_map *m;
    uint64_t us;
    int e, ret = -1;

    snprintf(path, sizeof(path), "%s/%s", cfg.vcache, c->obj);
    bench_libbpf_clear();
    obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        bench_msg(row->kerr, sizeof(row->kerr), "open %s: %s", path, strerror(errno));
        return -1;
    }
    bpf_object__for_each_program(p, obj) {
        bool me = !strcmp(bpf_program__name(p), c->prog);

        bpf_program__set_autoload(p, me);
        if (me)
            target = p;
    }
    if (!target) {
        bench_msg(row->kerr, sizeof(row->kerr), "%s: no program %s", path, c->prog);
        goto out;
    }
    if (c->type)
        bpf_program__set_type(target, c->type);
    bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
    log[0] = 0;
    bpf_program__set_log_level(target, 4);
    bpf_program__set_log_buf(target, log, KLOG_SZ);
    bench_kload_arm(c->prog);
    e = bpf_object__load(obj);
    bench_kload.armed = false;
    if (e || !bench_kload.seen) {
        bench_msg(row->kerr, sizeof(row->kerr), "load: %s: %.200s", strerror(-e), bench_libbpf_msgs());
        goto out;
    }
    *load = bench_kload.ns; /* wall, as the verification time it is compared with */
    *verif = verif_usec(log, &us) ? us * 1000 : 0;
    {
        struct bpf_prog_info info;
        uint32_t len = sizeof(info);

        memset(&info, 0, sizeof(info));
        if (!bpf_obj_get_info_by_fd(bpf_program__fd(target), &info, &len))
            row->k_bytes = info.jited_prog_len;
    }
    ret = 0;
out:
    bpf_object__close(obj);
    return ret;
}

void compile_run(void)
{
    char *klog = kernel_available ? malloc(KLOG_SZ) : NULL;

    for (size_t i = 0; i < NC; i++) {
        const struct cprog *c = &cprogs[i];
        struct crow *row = &crows[i];

        char path[512];

        row->st = ST_ERR;
        row->kst = kernel_available ? ST_ERR : ST_UNAVAIL;
        if (!kernel_available)
            bench_msg(row->kerr, sizeof(row->kerr), "%s", kernel_why);
        snprintf(path, sizeof(path), "%s/%s", cfg.vcache, c->obj);
        if (access(path, R_OK)) { /* verify_progs.sh could not build it */
            row->st = row->kst = ST_UNAVAIL;
            bench_msg(row->err, sizeof(row->err), "%s: %s", path, strerror(errno));
            continue;
        }
        /* one untimed load of each first (page cache, the vmlinux BTF
         * CO-RE reads, the allocator), then the timed ones interleaved */
        uint64_t warm = bpfrt_load_once(c, "interp", row);

        if (!warm || !bpfrt_load_once(c, "jit", row))
            continue;
        /* small programs load in a millisecond or less, where the JIT's
         * share is tens of microseconds: more runs, about LOAD_BUDGET_NS
         * of loads a program, for a best-of that holds still */
        row->runs = (unsigned)(LOAD_BUDGET_NS / warm);
        if (row->runs < cfg.compile_runs)
            row->runs = cfg.compile_runs;
        if (row->runs > MAX_RUNS)
            row->runs = MAX_RUNS;
        for (unsigned k = 0; k < row->runs; k++) {
            uint64_t ni = bpfrt_load_once(c, "interp", row), nj = ni ? bpfrt_load_once(c, "jit", row) : 0;
            uint64_t load, verif;

            if (!ni || !nj)
                break;
            if (!k || ni < row->b_interp)
                row->b_interp = ni;
            if (!k || nj < row->b_jit)
                row->b_jit = nj;
            if (k == row->runs - 1)
                row->st = ST_OK;
            if (k >= cfg.compile_runs || !klog || row->kst == ST_UNAVAIL || (k && row->kst != ST_OK))
                continue;
            if (kernel_load_once(c, row, klog, &load, &verif))
                continue;
            if (row->kst != ST_OK || load < row->k_load) {
                row->k_load = load;
                row->k_verif = verif;
            }
            row->kst = ST_OK;
        }
    }
    free(klog);
}

static void us_cell(char *buf, size_t sz, bool ok, double ns)
{
    if (ok)
        snprintf(buf, sz, "%.0f", ns / 1e3);
    else
        snprintf(buf, sz, "-");
}

void compile_report(void)
{
    char c[10][32];

    printf("load and JIT compile time: the largest selftests programs (%s), microseconds; bpfrt: CPU time, best of "
           "`runs` loads of each engine; kernel: wall time (as its verification time), best of %u\n",
           cfg.vcache, cfg.compile_runs);
    printf("b.jit = bpfrt load with the JIT - load with the interpreter; k.rest = the kernel's BPF_PROG_LOAD - its "
           "verification time (the JIT, the fix-ups)\n\n");
    printf("%-40s %5s %7s %8s %8s %9s %9s %8s %9s %9s %8s %9s %9s\n", "program", "runs", "insns", "b.bytes", "k.bytes",
           "b.interp", "b.load", "b.jit", "k.load", "k.verif", "k.rest", "jit/rest", "load/load");
    for (size_t i = 0; i < NC; i++) {
        const struct crow *r = &crows[i];
        char name[96];
        bool b = r->st == ST_OK, k = r->kst == ST_OK;
        double bjit = b ? (double)r->b_jit - (double)r->b_interp : 0;
        double krest = k ? (double)r->k_load - (double)r->k_verif : 0;

        snprintf(name, sizeof(name), "%.*s/%s", (int)(strlen(cprogs[i].obj) - 2), cprogs[i].obj, cprogs[i].prog);
        snprintf(c[0], sizeof(c[0]), b ? "%zu" : "-", r->b_bytes);
        snprintf(c[1], sizeof(c[1]), k ? "%u" : "-", r->k_bytes);
        us_cell(c[2], sizeof(c[2]), b, (double)r->b_interp);
        us_cell(c[3], sizeof(c[3]), b, (double)r->b_jit);
        us_cell(c[4], sizeof(c[4]), b, bjit);
        if (b && bjit <= 0)
            snprintf(c[4], sizeof(c[4]), "<noise");
        us_cell(c[5], sizeof(c[5]), k, (double)r->k_load);
        us_cell(c[6], sizeof(c[6]), k, (double)r->k_verif);
        us_cell(c[7], sizeof(c[7]), k, krest);
        if (k && krest <= 0)
            snprintf(c[7], sizeof(c[7]), "<noise");
        if (b && k && krest > 0 && bjit > 0)
            snprintf(c[8], sizeof(c[8]), "%.2fx", bjit / krest);
        else
            snprintf(c[8], sizeof(c[8]), "-");
        if (b && k && r->k_load)
            snprintf(c[9], sizeof(c[9]), "%.2fx", (double)r->b_jit / (double)r->k_load);
        else
            snprintf(c[9], sizeof(c[9]), "-");
        printf("%-40s %5u %7zu %8s %8s %9s %9s %8s %9s %9s %8s %9s %9s\n", name, r->runs, r->insns, c[0], c[1], c[2],
               c[3], c[4],
               c[5], c[6], c[7], c[8], c[9]);
    }
    for (size_t i = 0; i < NC; i++) {
        if (crows[i].st == ST_ERR)
            printf("%s/%s: bpfrt: %s\n", cprogs[i].obj, cprogs[i].prog, crows[i].err);
        else if (crows[i].st == ST_UNAVAIL)
            printf("%s/%s: n/a: %s\n", cprogs[i].obj, cprogs[i].prog, crows[i].err);
        if (crows[i].kst == ST_ERR)
            printf("%s/%s: kernel: %s\n", cprogs[i].obj, cprogs[i].prog, crows[i].kerr);
    }
}

void compile_json(void)
{
    printf("{\"runs\": %u, \"rows\": [\n", cfg.compile_runs);
    for (size_t i = 0; i < NC; i++) {
        const struct crow *r = &crows[i];

        printf("  {\"object\": \"%s\", \"program\": \"%s\", \"insns\": %zu, ", cprogs[i].obj, cprogs[i].prog,
               r->insns);
        if (r->st == ST_OK)
            printf("\"bpfrt_bytes\": %zu, \"bpfrt_load_interp_ns\": %llu, \"bpfrt_load_jit_ns\": %llu, ", r->b_bytes,
                   (unsigned long long)r->b_interp, (unsigned long long)r->b_jit);
        if (r->kst == ST_OK)
            printf("\"kernel_bytes\": %u, \"kernel_load_ns\": %llu, \"kernel_verification_ns\": %llu, ", r->k_bytes,
                   (unsigned long long)r->k_load, (unsigned long long)r->k_verif);
        printf("\"ok\": %s}%s\n", r->st == ST_OK && r->kst != ST_ERR ? "true" : "false", i + 1 < NC ? "," : "");
    }
    printf(" ]}");
}
