/* maps_runner.c - what a map lookup and a map update cost in bpfrt and in
 * the kernel, for HASH, ARRAY, LRU_HASH, LPM_TRIE and PERCPU_HASH.
 *
 * One object, build/maps.bpf.o (progs/maps.c, BTF-defined maps), is loaded
 * twice, unmodified:
 *
 *   bpfrt   bpfrt_object__open_file() + bpfrt_object__load(): bpfrt's own
 *           loader creates the maps and resolves the LD_IMM64 map
 *           references, its verifier proves each XDP entry safe; the runner
 *           prefills the maps with bpfrt_map__update_elem() and runs each
 *           xdp_<map>_<op> entry as a test run, bpfrt_prog__run(repeat)
 *           with the packet as data_in (duration_ns is the mean per run;
 *           verified: the fast engine); one more run in checked mode
 *           validates every access and counts the instructions;
 *   kernel  libbpf, maps prefilled with bpf_map_update_elem() on their
 *           fds, each xdp_<map>_<op> entry run with BPF_PROG_TEST_RUN(repeat)
 *           (the kernel reports the mean duration per run).
 *
 * Every run does MB_OPS operations on the keys of maps_common.h, so ns/op is
 * the time per run divided by MB_OPS; nothing is subtracted: the `loop` row
 * (the same loop without the map calls) is the share of the loop itself.
 * Both sides must return the expected result (the sum of the values looked
 * up, or the count of updates that succeeded) and, after the update
 * programs, hold the new values.  Exit status 1 when anything failed or
 * differed.
 *
 * Usage: maps_runner [-j] [-r repeat] [-t trials] [-T ms] [-c cpu] [-o objdir] [-v] [map...]
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_common.h"
#include "bpfrt/bpfrt.h"
#include "progs/maps_common.h"

#ifndef BENCH_OBJDIR
#define BENCH_OBJDIR "build"
#endif

#define OBJ_NAME "maps.bpf.o"
#define DATA_LEN 64 /* the XDP test run wants at least an Ethernet header */

enum kind { K_U32, K_LPM };

struct mapdef {
    const char *name;     /* row name, and the programs' infix */
    const char *map;      /* the map's name in the object */
    enum bpf_map_type type;
    enum kind kind;
    bool percpu;
};

static const struct mapdef mapdefs[] = {
    {"hash", "hash_map", BPF_MAP_TYPE_HASH, K_U32, false},
    {"array", "array_map", BPF_MAP_TYPE_ARRAY, K_U32, false},
    {"lru_hash", "lru_map", BPF_MAP_TYPE_LRU_HASH, K_U32, false},
    {"lpm_trie", "lpm_map", BPF_MAP_TYPE_LPM_TRIE, K_LPM, false},
    {"percpu_hash", "percpu_map", BPF_MAP_TYPE_PERCPU_HASH, K_U32, true},
};
#define NMAPS (sizeof(mapdefs) / sizeof(mapdefs[0]))

enum op { OP_LOOKUP, OP_UPDATE, OP_LOOP };
static const char *const op_names[] = {"lookup", "update", "-"};

enum { ST_OK, ST_UNAVAIL, ST_ERR, ST_SKIP };

struct row {
    const struct mapdef *m; /* NULL: the loop baseline */
    enum op op;
    char prog[64];          /* without the xdp_ prefix */
    uint64_t expect;        /* the expected 64-bit result */
    int bpfrt_st, kernel_st;
    double bpfrt_ns, kernel_ns; /* per run */
    uint32_t bpfrt_repeat, kernel_repeat;
    uint64_t bpfrt_ret, insns;
    uint32_t kernel_ret;
    bool agree;
    char err[512];          /* the first problem, either side */
};

static struct {
    bool json;
    struct bench_timing t;
    int cpu;
    const char *objdir;
} cfg = {.t = {.trials = 5, .target_ms = 100}, .cpu = -1, .objdir = BENCH_OBJDIR};
/* More, shorter trials than the packet runner's 3 x 200 ms: bpfrt's time is
 * wall time and counts any time the runner is preempted, while the kernel's
 * test-run timer stops while it reschedules; the best of more short trials
 * finds a quiet window more often on a busy machine. */

static uint8_t data_buf[DATA_LEN];

static void __attribute__((format(printf, 2, 3))) row_err(struct row *r, const char *fmt, ...)
{
    va_list ap;

    r->agree = false;
    if (r->err[0])
        return;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
}

/* ---- calibration and trials ---- */

/* ---- keys and values, as the programs derive them ---- */

static void key_of(const struct mapdef *m, unsigned k, void *key, size_t *key_sz)
{
    if (m->kind == K_LPM) {
        struct mb_lpm_key lk = {.prefixlen = MB_LPM_PREFIXLEN, .addr = mb_lpm_addr(k, 0)};
        memcpy(key, &lk, sizeof(lk));
        *key_sz = sizeof(lk);
    } else {
        uint32_t k32 = k;
        memcpy(key, &k32, sizeof(k32));
        *key_sz = sizeof(k32);
    }
}

static uint64_t expected(enum op op)
{
    uint64_t sum = 0;

    if (op == OP_UPDATE)
        return MB_OPS;
    for (unsigned i = 0; i < MB_OPS; i++)
        sum += op == OP_LOOKUP ? mb_value(mb_key(i)) : mb_key(i);
    return sum;
}

/* The values of one key as user space sees them: per-CPU maps one slot per
 * CPU (kernel: possible CPUs; bpfrt: its workers). */
static uint32_t kernel_ncpus = 1, bpfrt_nslots = 1;

static void fill_values(uint64_t *vals, uint32_t n, uint64_t v)
{
    for (uint32_t i = 0; i < n; i++)
        vals[i] = v;
}

/* After the update program: every slot holds the old or the new value, and
 * (per-CPU: at least one, the CPU or worker that ran) the new one. */
static int check_values(const struct mapdef *m, unsigned k, const uint64_t *vals, uint32_t n)
{
    bool seen_new = false;

    for (uint32_t i = 0; i < (m->percpu ? n : 1); i++) {
        if (vals[i] == mb_new_value(k))
            seen_new = true;
        else if (vals[i] != mb_value(k))
            return -1;
    }
    return seen_new ? 0 : -1;
}

/* ---- kernel ---- */

static struct {
    struct bpf_object *obj;
    int st;
    char why[512];
} kern = {NULL, ST_ERR, ""};

static const char *kernel_mode(void)
{
    return kern.st != ST_OK ? "unavailable" : bench_kernel_test_run_mode();
}

static void kernel_open(const char *path)
{
    int err;

    kern.obj = bpf_object__open_file(path, NULL);
    if (!kern.obj) {
        bench_msg(kern.why, sizeof(kern.why), "libbpf: open %s: %s", path, strerror(errno));
        return;
    }
    bench_libbpf_clear();
    err = bpf_object__load(kern.obj);
    if (err) {
        bench_msg(kern.why, sizeof(kern.why), "libbpf: load %s: %s%s%.300s", path, strerror(-err),
                 bench_libbpf_msgs()[0] ? "\n" : "", bench_libbpf_msgs());
        kern.st = errno == EPERM || err == -EPERM ? ST_UNAVAIL : ST_ERR;
        bpf_object__close(kern.obj);
        kern.obj = NULL;
        return;
    }
    kern.st = ST_OK;
}

static int kernel_prefill(const struct mapdef *m, char *err, size_t errsz)
{
    struct bpf_map *map = bpf_object__find_map_by_name(kern.obj, m->map);
    uint64_t *vals = calloc(kernel_ncpus, sizeof(*vals));
    uint8_t key[16];
    size_t key_sz;
    int fd, ret = 0;

    if (!map || !vals) {
        bench_msg(err, errsz, "kernel: no map %s", m->map);
        free(vals);
        return -ENOENT;
    }
    fd = bpf_map__fd(map);
    for (unsigned k = 0; k < MB_NKEYS && !ret; k++) {
        key_of(m, k, key, &key_sz);
        fill_values(vals, kernel_ncpus, mb_value(k));
        if (bpf_map_update_elem(fd, key, vals, BPF_ANY)) {
            ret = -errno;
            bench_msg(err, errsz, "kernel: prefill %s key %u: %s", m->map, k, strerror(errno));
        }
    }
    free(vals);
    return ret;
}

static int kernel_check(const struct mapdef *m, char *err, size_t errsz)
{
    int fd = bpf_map__fd(bpf_object__find_map_by_name(kern.obj, m->map));
    uint64_t *vals = calloc(kernel_ncpus, sizeof(*vals));
    uint8_t key[16];
    size_t key_sz;
    int ret = 0;

    if (!vals)
        return -ENOMEM;
    for (unsigned k = 0; k < MB_NKEYS && !ret; k++) {
        key_of(m, k, key, &key_sz);
        if (bpf_map_lookup_elem(fd, key, vals)) {
            ret = -errno;
            bench_msg(err, errsz, "kernel: after the updates, key %u of %s: %s", k, m->map, strerror(errno));
        } else if (check_values(m, k, vals, kernel_ncpus)) {
            ret = -EINVAL;
            bench_msg(err, errsz, "kernel: after the updates, key %u of %s holds 0x%016llx", k, m->map,
                     (unsigned long long)vals[0]);
        }
    }
    free(vals);
    return ret;
}

struct kernel_ctx {
    int fd;
    uint32_t retval;
};

static int kernel_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct kernel_ctx *c = vctx;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data_buf, .data_size_in = DATA_LEN, .repeat = repeat);

    if (bpf_prog_test_run_opts(c->fd, &o))
        return -errno;
    c->retval = o.retval;
    *ns = o.duration; /* the kernel's mean per run, in whole ns */
    return 0;
}

static void run_kernel(struct row *r)
{
    struct bpf_program *p;
    struct kernel_ctx c = {0};
    char name[80];
    int err;

    r->kernel_st = kern.st == ST_OK ? ST_ERR : kern.st;
    if (kern.st != ST_OK)
        return;
    bench_msg(name, sizeof(name), "xdp_%s", r->prog);
    p = bpf_object__find_program_by_name(kern.obj, name);
    if (!p) {
        row_err(r, "kernel: no program %s", name);
        return;
    }
    c.fd = bpf_program__fd(p);
    err = bench_best_of(&cfg.t, kernel_measure, &c, &r->kernel_ns, &r->kernel_repeat);
    if (err) {
        row_err(r, "kernel: BPF_PROG_TEST_RUN %s: %s", name, strerror(-err));
        return;
    }
    r->kernel_ret = c.retval;
    r->kernel_st = ST_OK;
    if (c.retval != mb_fold32(r->expect))
        row_err(r, "kernel: %s returned 0x%08x, expected 0x%08x", name, c.retval, mb_fold32(r->expect));
}

/* ---- bpfrt ---- */

static struct {
    struct bpfrt_object *obj;
    int st;
    char why[1024];
} rt = {NULL, ST_ERR, ""};

static char rt_log[4096];

static void bpfrt_open(const char *path)
{
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = rt_log, .log_size = sizeof(rt_log));
    int err;

    err = bpfrt_object__open_file(path, &oo, &rt.obj);
    if (err) {
        bench_msg(rt.why, sizeof(rt.why), "bpfrt_object__open_file %s: %s: %.900s", path, strerror(-err), rt_log);
        rt.obj = NULL;
        return;
    }
    err = bpfrt_object__load(rt.obj);
    if (err) {
        bench_msg(rt.why, sizeof(rt.why), "bpfrt_object__load %s: %s: %.900s", path, strerror(-err), rt_log);
        bpfrt_object__close(rt.obj);
        rt.obj = NULL;
        return;
    }
    rt.st = ST_OK;
}

static int bpfrt_prefill(const struct mapdef *m, char *err, size_t errsz)
{
    struct bpfrt_map *map = bpfrt_object__find_map_by_name(rt.obj, m->map);
    uint32_t n = m->percpu ? bpfrt_nslots : 1;
    uint64_t *vals = calloc(n, sizeof(*vals));
    uint8_t key[16];
    size_t key_sz;
    int ret = 0;

    if (!map || !vals) {
        bench_msg(err, errsz, "bpfrt: no map %s", m->map);
        free(vals);
        return -ENOENT;
    }
    if (bpfrt_map__type(map) != m->type) {
        bench_msg(err, errsz, "bpfrt: map %s has type %d, expected %d", m->map, bpfrt_map__type(map), m->type);
        free(vals);
        return -EINVAL;
    }
    for (unsigned k = 0; k < MB_NKEYS && !ret; k++) {
        key_of(m, k, key, &key_sz);
        fill_values(vals, n, mb_value(k));
        ret = bpfrt_map__update_elem(map, key, key_sz, vals, n * sizeof(*vals), BPF_ANY);
        if (ret)
            bench_msg(err, errsz, "bpfrt: prefill %s key %u: %s", m->map, k, strerror(-ret));
    }
    free(vals);
    return ret;
}

static int bpfrt_check(const struct mapdef *m, char *err, size_t errsz)
{
    struct bpfrt_map *map = bpfrt_object__find_map_by_name(rt.obj, m->map);
    uint32_t n = m->percpu ? bpfrt_nslots : 1;
    uint64_t *vals = calloc(n, sizeof(*vals));
    uint8_t key[16];
    size_t key_sz;
    int ret = 0;

    if (!vals)
        return -ENOMEM;
    for (unsigned k = 0; k < MB_NKEYS && !ret; k++) {
        key_of(m, k, key, &key_sz);
        ret = bpfrt_map__lookup_elem(map, key, key_sz, vals, n * sizeof(*vals), 0);
        if (ret) {
            bench_msg(err, errsz, "bpfrt: after the updates, key %u of %s: %s", k, m->map, strerror(-ret));
        } else if (check_values(m, k, vals, n)) {
            ret = -EINVAL;
            bench_msg(err, errsz, "bpfrt: after the updates, key %u of %s holds 0x%016llx", k, m->map,
                     (unsigned long long)vals[0]);
        }
    }
    free(vals);
    return ret;
}

struct bpfrt_ctx {
    struct bpfrt_prog *prog;
    char err[256];
};

static int bpfrt_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct bpfrt_ctx *c = vctx;
    /* verified XDP entries: the fast engine, a test run of the packet */
    BPFRT_OPTS(bpfrt_run_opts, o, .data = data_buf, .data_size = DATA_LEN, .repeat = repeat, .err_buf = c->err,
               .err_size = sizeof(c->err));
    int err;

    err = bpfrt_prog__run(c->prog, &o);
    if (err)
        return err;
    *ns = (double)o.duration_ns;
    return 0;
}

static void run_bpfrt(struct row *r)
{
    struct bpfrt_program *p;
    struct bpfrt_ctx c = {0};
    char name[80];
    int err;

    r->bpfrt_st = ST_ERR;
    if (rt.st != ST_OK)
        return;
    bench_msg(name, sizeof(name), "xdp_%s", r->prog);
    p = bpfrt_object__find_program_by_name(rt.obj, name);
    c.prog = p ? bpfrt_program__prog(p) : NULL;
    if (!c.prog) {
        row_err(r, "bpfrt: no loaded program %s", name);
        return;
    }

    /* one checked run: every access validated, instructions counted */
    BPFRT_OPTS(bpfrt_run_opts, o, .data = data_buf, .data_size = DATA_LEN, .flags = BPFRT_RUN_CHECKED,
               .err_buf = c.err, .err_size = sizeof(c.err));
    err = bpfrt_prog__run(c.prog, &o);
    if (err) {
        row_err(r, "bpfrt: checked run of %s: %s: %s", name, strerror(-err), c.err);
        return;
    }
    r->insns = o.insn_cnt;
    if (o.retval != mb_fold32(r->expect))
        row_err(r, "bpfrt: %s (checked) returned 0x%08llx, expected 0x%08x", name, (unsigned long long)o.retval,
                mb_fold32(r->expect));

    err = bench_best_of(&cfg.t, bpfrt_measure, &c, &r->bpfrt_ns, &r->bpfrt_repeat);
    if (err) {
        row_err(r, "bpfrt: run %s: %s: %s", name, strerror(-err), c.err);
        return;
    }
    /* the timed runs' result too (the last one's) */
    BPFRT_OPTS(bpfrt_run_opts, o2, .data = data_buf, .data_size = DATA_LEN, .err_buf = c.err,
               .err_size = sizeof(c.err));
    err = bpfrt_prog__run(c.prog, &o2);
    if (err) {
        row_err(r, "bpfrt: run %s: %s: %s", name, strerror(-err), c.err);
        return;
    }
    r->bpfrt_ret = o2.retval;
    r->bpfrt_st = ST_OK;
    if (o2.retval != mb_fold32(r->expect))
        row_err(r, "bpfrt: %s returned 0x%08llx, expected 0x%08x", name, (unsigned long long)o2.retval,
                mb_fold32(r->expect));
}

/* ---- output ---- */

static void fmt_ns(char *buf, size_t sz, int st, double ns)
{
    if (st == ST_OK)
        bench_msg(buf, sz, "%.2f", ns / MB_OPS);
    else
        bench_msg(buf, sz, "%s", st == ST_UNAVAIL ? "n/a" : "error");
}

static const char *row_name(const struct row *r)
{
    return r->m ? r->m->name : "loop";
}

static void print_table(const struct row *rows, size_t n)
{
    char b[32], k[32], q[32], ins[32];

    printf("maps: %d keys prefilled (u32; LPM: /24 prefixes), u64 values, %d operations a run "
           "(every key once, scattered)\n",
           MB_NKEYS, MB_OPS);
    printf("kernel: %s\n", kernel_mode());
    if (cfg.t.repeat)
        printf("best of %u trials of %u runs each\n\n", cfg.t.trials, cfg.t.repeat);
    else
        printf("best of %u trials; runs per trial calibrated per side to ~%u ms\n\n", cfg.t.trials, cfg.t.target_ms);
    printf("%-12s %-7s %13s %13s %11s %9s  %s\n", "map", "op", "bpfrt ns/op", "kernel ns/op", "bpfrt/kern",
           "insns/op", "results");
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];

        fmt_ns(b, sizeof(b), r->bpfrt_st, r->bpfrt_ns);
        fmt_ns(k, sizeof(k), r->kernel_st, r->kernel_ns);
        if (r->bpfrt_st == ST_OK && r->kernel_st == ST_OK && r->kernel_ns > 0)
            bench_msg(q, sizeof(q), "%.1fx", r->bpfrt_ns / r->kernel_ns);
        else
            bench_msg(q, sizeof(q), "-");
        if (r->insns)
            bench_msg(ins, sizeof(ins), "%.1f", (double)r->insns / MB_OPS);
        else
            bench_msg(ins, sizeof(ins), "-");
        printf("%-12s %-7s %13s %13s %11s %9s  %s\n", row_name(r), op_names[r->op], b, k, q, ins,
               r->agree ? "agree" : "MISMATCH");
    }
    printf("(loop: the same loop without the map calls; it is included in every other row)\n");
    if (kern.st != ST_OK)
        printf("kernel: %s\n", kern.why);
    if (rt.st != ST_OK)
        printf("bpfrt: %s\n", rt.why);
    for (size_t i = 0; i < n; i++)
        if (rows[i].err[0])
            printf("%s %s: %s\n", row_name(&rows[i]), op_names[rows[i].op], rows[i].err);
}

static void json_num(const char *key, bool ok, double v)
{
    printf("\"%s\": ", key);
    if (ok)
        printf("%.3f, ", v);
    else
        printf("null, ");
}

static void print_json(const struct row *rows, size_t n)
{
    printf("{\"keys\": %d, \"ops_per_run\": %d, \"trials\": %u, \"repeat\": %u, \"kernel_mode\": ", MB_NKEYS, MB_OPS,
           cfg.t.trials, cfg.t.repeat);
    bench_json_str(kernel_mode());
    if (kern.st != ST_OK) {
        printf(", \"kernel_error\": ");
        bench_json_str(kern.why);
    }
    if (rt.st != ST_OK) {
        printf(", \"bpfrt_error\": ");
        bench_json_str(rt.why);
    }
    printf(",\n \"rows\": [\n");
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        bool bok = r->bpfrt_st == ST_OK, kok = r->kernel_st == ST_OK;

        printf("  {\"map\": \"%s\", \"op\": \"%s\", ", row_name(r), r->m ? op_names[r->op] : "loop");
        json_num("bpfrt_ns_per_op", bok, r->bpfrt_ns / MB_OPS);
        json_num("kernel_ns_per_op", kok, r->kernel_ns / MB_OPS);
        json_num("bpfrt_kernel_ratio", bok && kok && r->kernel_ns > 0, r->bpfrt_ns / r->kernel_ns);
        json_num("bpfrt_insns_per_op", r->insns != 0, (double)r->insns / MB_OPS);
        printf("\"repeat\": {\"bpfrt\": %u, \"kernel\": %u}, ", r->bpfrt_repeat, r->kernel_repeat);
        printf("\"result\": {\"expected\": \"0x%016llx\", ", (unsigned long long)r->expect);
        if (bok)
            printf("\"bpfrt\": \"0x%016llx\", ", (unsigned long long)r->bpfrt_ret);
        else
            printf("\"bpfrt\": null, ");
        if (kok)
            printf("\"kernel\": \"0x%08x\"}, ", r->kernel_ret);
        else
            printf("\"kernel\": null}, ");
        printf("\"agree\": %s", r->agree ? "true" : "false");
        if (r->err[0]) {
            printf(", \"error\": ");
            bench_json_str(r->err);
        }
        printf("}%s\n", i + 1 < n ? "," : "");
    }
    printf(" ]}\n");
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: maps_runner [-j] [-r repeat] [-t trials] [-T ms] [-c cpu] [-o objdir] [-v] [map...]\n"
            "  -j         JSON output\n"
            "  -r N       runs per measurement (env BENCH_REPEAT); default: calibrated per side\n"
            "  -t N       trials, the best mean is kept (env BENCH_TRIALS; default 5)\n"
            "  -T ms      calibration target per measurement (env BENCH_TARGET_MS; default 100)\n"
            "  -c cpu     pin to this CPU first\n"
            "  -o dir     directory of %s (default %s)\n"
            "  -v         libbpf's messages on stderr\n"
            "  map        hash, array, lru_hash, lpm_trie, percpu_hash, loop (default: all)\n",
            OBJ_NAME, BENCH_OBJDIR);
}

static void row_init(struct row *r, const struct mapdef *m, enum op op)
{
    memset(r, 0, sizeof(*r));
    r->m = m;
    r->op = op;
    r->agree = true;
    if (m)
        bench_msg(r->prog, sizeof(r->prog), "%s_%s", m->name, op_names[op]);
    else
        bench_msg(r->prog, sizeof(r->prog), "loop");
    r->expect = expected(op);
}

int main(int argc, char **argv)
{
    struct row rows[2 * NMAPS + 1];
    char path[512];
    size_t n = 0;
    int opt, status = 0, ncpus;

    bench_timing_env(&cfg.t);
    while ((opt = getopt(argc, argv, "jr:t:T:c:o:vh")) != -1) {
        switch (opt) {
        case 'j': cfg.json = true; break;
        case 'r': cfg.t.repeat = (uint32_t)strtoul(optarg, NULL, 0); break;
        case 't': cfg.t.trials = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'T': cfg.t.target_ms = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'c': cfg.cpu = atoi(optarg); break;
        case 'o': cfg.objdir = optarg; break;
        case 'v': cfg.t.verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    for (int a = optind; a < argc; a++) {
        bool known = !strcmp(argv[a], "loop");

        for (size_t i = 0; i < NMAPS; i++)
            known |= !strcmp(argv[a], mapdefs[i].name);
        if (!known) {
            fprintf(stderr, "maps_runner: no such map benchmark: %s\n", argv[a]);
            usage(stderr);
            return 2;
        }
    }
    bench_timing_clamp(&cfg.t);
    if (cfg.cpu >= 0)
        bench_pin_cpu(cfg.cpu, "maps_runner");
    bench_libbpf_capture(cfg.t.verbose);
    ncpus = libbpf_num_possible_cpus();
    kernel_ncpus = ncpus > 0 ? (uint32_t)ncpus : 1;
    bpfrt_nslots = bpfrt_nr_workers();

    bench_msg(path, sizeof(path), "%s/%s", cfg.objdir, OBJ_NAME);
    kernel_open(path);
    bpfrt_open(path);

    for (size_t i = 0; i < NMAPS; i++) {
        const struct mapdef *m = &mapdefs[i];
        struct row *lk, *up;
        char err[512];

        if (!bench_wanted(argc, argv, optind, m->name))
            continue;
        lk = &rows[n++];
        up = &rows[n++];
        row_init(lk, m, OP_LOOKUP);
        row_init(up, m, OP_UPDATE);
        err[0] = 0;
        if (kern.st == ST_OK && kernel_prefill(m, err, sizeof(err)))
            row_err(lk, "%s", err), row_err(up, "%s", err);
        if (rt.st == ST_OK && bpfrt_prefill(m, err, sizeof(err)))
            row_err(lk, "%s", err), row_err(up, "%s", err);
        /* lookups first: they must find the prefilled values */
        run_kernel(lk);
        run_bpfrt(lk);
        run_kernel(up);
        run_bpfrt(up);
        if (up->kernel_st == ST_OK && kernel_check(m, err, sizeof(err)))
            row_err(up, "%s", err);
        if (up->bpfrt_st == ST_OK && bpfrt_check(m, err, sizeof(err)))
            row_err(up, "%s", err);
    }
    if (bench_wanted(argc, argv, optind, "loop")) {
        row_init(&rows[n], NULL, OP_LOOP);
        run_kernel(&rows[n]);
        run_bpfrt(&rows[n]);
        n++;
    }
    for (size_t i = 0; i < n; i++)
        if (!rows[i].agree || rows[i].bpfrt_st != ST_OK || rows[i].kernel_st == ST_ERR)
            status = 1;
    if (cfg.json)
        print_json(rows, n);
    else
        print_table(rows, n);
    if (kern.obj)
        bpf_object__close(kern.obj);
    if (rt.obj)
        bpfrt_object__close(rt.obj);
    return status;
}
