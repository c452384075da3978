/* sides.c - one program on every side: native code, the kernel
 * (BPF_PROG_TEST_RUN), bpfrt's interpreter and bpfrt's JIT.  Each side is
 * timed on the program's timed packet (best of the trials), then run once
 * on that packet and on every variant, each a fresh copy, and what it gave
 * (the 32-bit retval, the packet out and its size, or the error) is held
 * to the reference: native code where the program has it (its result
 * folded to 32 bits, the buffer as it left it), else the kernel's, else
 * the interpreter's; and to the program's expected retval where it has
 * one. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"
#include "runner.h"

/* The clock the runner times bpfrt and native code with: the thread's CPU
 * time, unless -W asks for wall time.  The kernel's test-run timer stops
 * while the test run yields the CPU (bpf_test_timer_continue() in
 * net/bpf/test_run.c calls cond_resched() with the timer stopped), so on a
 * shared machine the time other jobs have the CPU is left out there too. */
uint64_t bench_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(cfg.wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint32_t fold32(uint64_t r)
{
    return (uint32_t)(r ^ (r >> 32));
}

void obj_path(char *buf, size_t sz, const char *obj)
{
    if (!strncmp(obj, "vcache:", 7))
        snprintf(buf, sz, "%s/%s", cfg.vcache, obj + 7);
    else
        snprintf(buf, sz, "%s/%s", cfg.objdir, obj);
}

bool object_missing(const struct bench_prog *b, char *why, size_t whysz)
{
    char path[512];

    if (strncmp(b->obj, "vcache:", 7))
        return false;
    obj_path(path, sizeof(path), b->obj);
    if (!access(path, R_OK))
        return false;
    bench_msg(why, whysz, "%s: %s (the selftests' objects: bench/verify_progs.sh, which needs linux-source-6.1 and bpftool)",
              path, strerror(errno));
    return true;
}

/* ---- what one run on one packet gave, and the reference ---- */

struct outcome {
    int err; /* 0, or the run's negative errno */
    uint32_t retval;
    uint32_t len;
    uint8_t data[PKT_BUF];
};

#define NPKTS (MAX_VARIANTS + 1) /* the timed packet, then the variants */
static struct outcome ref[NPKTS];
static const char *ref_side[NPKTS];

static const struct pkt *pkt_at(const struct result *r, size_t i)
{
    return i == 0 ? timed_packet(r->b) : &variants[i - 1];
}

static size_t npkts(void)
{
    return nvariants + 1;
}

static void mismatch(struct result *r, const char *side, const struct pkt *p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void mismatch(struct result *r, const char *side, const struct pkt *p, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    if (r->mismatches++)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    bench_msg(r->mismatch, sizeof(r->mismatch), "%s on \"%s\" (%zu bytes): %s", side, p->name, p->len, what);
}

static void check_outcome(struct result *r, const char *side, size_t i, const struct outcome *o)
{
    const struct pkt *p = pkt_at(r, i);
    const struct outcome *f = &ref[i];

    r->checked++;
    if (r->b->expect && !o->err && o->retval != r->b->expect(p->buf, p->len))
        mismatch(r, side, p, "retval 0x%08x, expected 0x%08x", o->retval, r->b->expect(p->buf, p->len));
    if (!ref_side[i]) {
        ref[i] = *o;
        ref_side[i] = side;
        return;
    }
    if (o->err != f->err)
        mismatch(r, side, p, "error %d, %s %d", o->err, ref_side[i], f->err);
    else if (o->err)
        return;
    else if (o->retval != f->retval)
        mismatch(r, side, p, "retval 0x%08x, %s 0x%08x", o->retval, ref_side[i], f->retval);
    else if (o->len != f->len)
        mismatch(r, side, p, "packet out %u bytes, %s %u", o->len, ref_side[i], f->len);
    else if (memcmp(o->data, f->data, o->len)) {
        uint32_t at = 0;

        while (o->data[at] == f->data[at])
            at++;
        mismatch(r, side, p, "packet out differs from byte %u: 0x%02x, %s 0x%02x", at, o->data[at], ref_side[i],
                 f->data[at]);
    }
}

static void ref_reset(void)
{
    memset(ref_side, 0, sizeof(ref_side));
}

/* ---- native ---- */

struct native_ctx {
    native_fn fn;
    uint8_t buf[PKT_BUF];
    size_t len;
    uint64_t ret;
};

static int native_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct native_ctx *c = vctx;
    native_fn fn = c->fn;
    uint8_t *buf = c->buf;
    size_t len = c->len;
    uint64_t r = 0, t0, t1;

    t0 = bench_clock_ns();
    for (uint32_t i = 0; i < repeat; i++) {
        /* the packet may have changed: the call cannot be hoisted */
        __asm__ volatile("" : "+r"(buf) : : "memory");
        r = fn(buf, len);
        __asm__ volatile("" : "+r"(r));
    }
    t1 = bench_clock_ns();
    c->ret = r;
    *ns = (double)(t1 - t0) / repeat;
    return 0;
}

void run_native(struct result *r)
{
    static struct native_ctx c;
    static struct outcome o;
    const struct pkt *tp = timed_packet(r->b);

    ref_reset();
    if (!r->b->native) {
        r->nat.st = ST_UNAVAIL;
        bench_msg(r->nat.err, sizeof(r->nat.err), "%s", r->b->native_na);
        return;
    }
    c.fn = r->b->native;
    memcpy(c.buf, tp->buf, tp->len);
    c.len = tp->len;
    bench_best_of(&cfg.t, native_measure, &c, &r->nat.ns, &r->nat.repeat);
    r->nat.st = ST_OK;
    for (size_t i = 0; i < npkts(); i++) {
        const struct pkt *p = pkt_at(r, i);

        memset(&o, 0, sizeof(o));
        memcpy(o.data, p->buf, p->len);
        o.retval = fold32(r->b->native(o.data, p->len));
        o.len = (uint32_t)p->len;
        check_outcome(r, "native", i, &o);
    }
}

/* ---- kernel ---- */

int kernel_available = -1; /* -1 unknown, 0 no, 1 yes */
char kernel_why[256];

/* Can we load and test-run an XDP program at all? */
void kernel_probe(void)
{
    static const struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 2},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_probe", "GPL", prog, 2, NULL);

    if (fd >= 0) {
        close(fd);
        kernel_available = 1;
        return;
    }
    kernel_available = 0;
    bench_msg(kernel_why, sizeof(kernel_why), "unavailable, bpf(BPF_PROG_LOAD) failed: %s (bpfrt and native columns only)",
              strerror(errno));
}

static bool percpu_type(int type)
{
    return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* value repeated for n per-CPU slots of round_up(val_sz, 8) bytes */
static void *percpu_value(const void *val, size_t val_sz, unsigned n, size_t *total)
{
    size_t slot = (val_sz + 7) & ~(size_t)7;
    uint8_t *v = calloc(n, slot);

    for (unsigned i = 0; v && i < n; i++)
        memcpy(v + i * slot, val, val_sz);
    *total = n * slot;
    return v;
}

static int kernel_put(void *side, const char *name, const void *key, size_t key_sz, const void *val, size_t val_sz)
{
    struct bpf_map *m = bpf_object__find_map_by_name(side, name);
    void *pv = NULL;
    size_t total;
    int err;

    if (!m)
        return -ENOENT;
    (void)key_sz;
    if (percpu_type(bpf_map__type(m))) {
        pv = percpu_value(val, val_sz, (unsigned)libbpf_num_possible_cpus(), &total);
        if (!pv)
            return -ENOMEM;
        val = pv;
    }
    err = bpf_map_update_elem(bpf_map__fd(m), key, val, BPF_ANY) ? -errno : 0;
    free(pv);
    return err;
}

/* the program's maps filled through put; 0, or -errno with err set */
static int fill(const struct bench_prog *b, int (*put)(void *, const char *, const void *, size_t, const void *, size_t),
                void *side, char *err, size_t errsz)
{
    char ferr[256] = "";
    struct fill_ops ops = {put, side, ferr, sizeof(ferr)};
    int e = b->fill ? b->fill(&ops) : 0;

    if (e)
        bench_msg(err, errsz, "filling the maps: %s: %s", ferr, strerror(-e));
    return e;
}

struct kernel_ctx {
    int fd;
    uint8_t buf[PKT_BUF];
    size_t len;
};

static int kernel_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct kernel_ctx *c = vctx;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->buf, .data_size_in = (uint32_t)c->len, .repeat = repeat);

    if (bpf_prog_test_run_opts(c->fd, &o))
        return -errno;
    *ns = o.duration; /* the kernel's mean, in whole ns */
    return 0;
}

/* One test run of packet i, the packet out kept. */
static void kernel_once(int fd, const struct pkt *p, struct outcome *o)
{
    LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->buf, .data_size_in = (uint32_t)p->len, .data_out = o->data,
                .data_size_out = sizeof(o->data), .repeat = 1);

    memset(o, 0, sizeof(*o));
    if (bpf_prog_test_run_opts(fd, &t)) {
        o->err = -errno;
        return;
    }
    o->retval = t.retval;
    o->len = t.data_size_out;
}

/* The object through libbpf with its maps filled; NULL with err set. */
struct bpf_object *kernel_open(const struct bench_prog *b, int *fd, char *err, size_t errsz)
{
    struct bpf_object *obj;
    struct bpf_program *p;
    struct bpf_map *m;
    char path[512];
    int e;

    obj_path(path, sizeof(path), b->obj);
    obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        bench_msg(err, errsz, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
    bench_libbpf_clear();
    e = bpf_object__load(obj);
    if (e) {
        bench_msg(err, errsz, "load %s: %s%s%.300s", path, strerror(-e), bench_libbpf_msgs()[0] ? "\n" : "",
                  bench_libbpf_msgs());
        goto fail;
    }
    p = bpf_object__find_program_by_name(obj, b->prog);
    if (!p) {
        bench_msg(err, errsz, "%s: no program %s", path, b->prog);
        goto fail;
    }
    if (fill(b, kernel_put, obj, err, errsz))
        goto fail;
    *fd = bpf_program__fd(p);
    return obj;
fail:
    bpf_object__close(obj);
    return NULL;
}

void run_kernel(struct result *r)
{
    struct kernel_ctx *c;
    struct bpf_object *obj;
    const struct pkt *tp = timed_packet(r->b);
    struct outcome *o;
    int err;

    if (!kernel_available) {
        r->kern.st = ST_UNAVAIL;
        bench_msg(r->kern.err, sizeof(r->kern.err), "%s", kernel_why);
        return;
    }
    r->kern.st = ST_ERR;
    c = calloc(1, sizeof(*c));
    o = calloc(1, sizeof(*o));
    if (!c || !o)
        goto out;
    obj = kernel_open(r->b, &c->fd, r->kern.err, sizeof(r->kern.err));
    if (!obj)
        goto out;
    memcpy(c->buf, tp->buf, tp->len);
    c->len = tp->len;
    err = bench_best_of(&cfg.t, kernel_measure, c, &r->kern.ns, &r->kern.repeat);
    if (err) {
        bench_msg(r->kern.err, sizeof(r->kern.err), "BPF_PROG_TEST_RUN: %s", strerror(-err));
    } else {
        r->kern.st = ST_OK;
        for (size_t i = 0; i < npkts(); i++) {
            kernel_once(c->fd, pkt_at(r, i), o);
            check_outcome(r, "kernel", i, o);
        }
    }
    bpf_object__close(obj);
out:
    free(c);
    free(o);
}

/* ---- bpfrt, with either engine ---- */

static int bpfrt_put(void *side, const char *name, const void *key, size_t key_sz, const void *val, size_t val_sz)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(side, name);
    void *pv = NULL;
    size_t total = val_sz;
    int err;

    if (!m)
        return -ENOENT;
    if (percpu_type(bpfrt_map__type(m))) {
        pv = percpu_value(val, val_sz, bpfrt_map__nr_workers(m), &total);
        if (!pv)
            return -ENOMEM;
        val = pv;
    }
    err = bpfrt_map__update_elem(m, key, key_sz, val, total, BPF_ANY);
    free(pv);
    return err;
}

struct bpfrt_ctx {
    struct bpfrt_prog *prog;
    uint8_t buf[PKT_BUF];
    size_t len;
    char err[256];
};

static int bpfrt_measure(void *vctx, uint32_t repeat, double *ns)
{
    struct bpfrt_ctx *c = vctx;
    /* a verified typed program: unchecked, a test run of the packet */
    BPFRT_OPTS(bpfrt_run_opts, o, .data = c->buf, .data_size = c->len, .repeat = repeat, .err_buf = c->err,
               .err_size = sizeof(c->err));
    uint64_t t0 = bench_clock_ns();
    int err = bpfrt_prog__run(c->prog, &o);

    if (err)
        return err;
    /* the call's time over the runs: duration_ns's measure (the mean wall
     * time of the runs, in whole ns) on bench_clock_ns() and with a
     * fraction of a ns; the call's setup (the context built once) is
     * spread over repeat */
    *ns = (double)(bench_clock_ns() - t0) / (repeat ? repeat : 1);
    return 0;
}

static void bpfrt_once(struct bpfrt_prog *prog, const struct pkt *p, struct outcome *o)
{
    char err[64];
    BPFRT_OPTS(bpfrt_run_opts, t, .data = (void *)p->buf, .data_size = p->len, .data_out = o->data,
               .data_size_out = sizeof(o->data), .err_buf = err, .err_size = sizeof(err));
    int e;

    memset(o, 0, sizeof(*o));
    e = bpfrt_prog__run(prog, &t);
    if (e) {
        o->err = e;
        return;
    }
    o->retval = (uint32_t)t.retval;
    o->len = t.data_size_out;
}

/* The object through bpfrt's loader with the engine asked for, its maps
 * filled; NULL with err set. */
struct bpfrt_object *bpfrt_open(const struct bench_prog *b, const char *engine, struct bpfrt_prog **progp, char *err,
                                size_t errsz)
{
    struct bpfrt_object *obj = NULL;
    struct bpfrt_program *p;
    char path[512], log[1024] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log), .engine = engine);
    int e;

    obj_path(path, sizeof(path), b->obj);
    e = bpfrt_object__open_file(path, &oo, &obj);
    if (!e)
        e = bpfrt_object__load(obj);
    if (e) {
        bench_msg(err, errsz, "load %s: %s: %s", path, strerror(-e), log);
        goto fail;
    }
    p = bpfrt_object__find_program_by_name(obj, b->prog);
    *progp = p ? bpfrt_program__prog(p) : NULL;
    if (!*progp || !bpfrt_prog__is_verified(*progp)) {
        bench_msg(err, errsz, "%s: no verified program %s", path, b->prog);
        goto fail;
    }
    if (strcmp(bpfrt_prog__engine(*progp), engine)) {
        bench_msg(err, errsz, "%s runs in the %s engine, not %s", b->prog, bpfrt_prog__engine(*progp), engine);
        goto fail;
    }
    if (fill(b, bpfrt_put, obj, err, errsz))
        goto fail;
    return obj;
fail:
    bpfrt_object__close(obj);
    return NULL;
}

void run_bpfrt(struct result *r, const char *engine)
{
    bool jit = !strcmp(engine, "jit");
    struct side *s = jit ? &r->jit : &r->interp;
    const struct pkt *tp = timed_packet(r->b);
    struct bpfrt_object *obj;
    struct bpfrt_ctx *c;
    struct outcome *o;
    int err;

    s->st = ST_ERR;
    c = calloc(1, sizeof(*c));
    o = calloc(1, sizeof(*o));
    if (!c || !o)
        goto out;
    obj = bpfrt_open(r->b, engine, &c->prog, s->err, sizeof(s->err));
    if (!obj)
        goto out;
    memcpy(c->buf, tp->buf, tp->len);
    c->len = tp->len;
    if (jit) {
        const uint8_t *code;
        const uint32_t *off;

        r->jit_bytes = bpfrt_prog__jited(c->prog, &code, &off);
    } else {
        /* one checked run: every access validated, instructions counted */
        BPFRT_OPTS(bpfrt_run_opts, co, .data = c->buf, .data_size = c->len, .flags = BPFRT_RUN_CHECKED,
                   .err_buf = c->err, .err_size = sizeof(c->err));

        r->insns_static = bpfrt_prog__xlated_cnt(c->prog);
        err = bpfrt_prog__run(c->prog, &co);
        if (err) {
            bench_msg(s->err, sizeof(s->err), "checked run: %s: %s", strerror(-err), c->err);
            goto close;
        }
        r->insns_exec = co.insn_cnt;
    }
    err = bench_best_of(&cfg.t, bpfrt_measure, c, &s->ns, &s->repeat);
    if (err) {
        bench_msg(s->err, sizeof(s->err), "run: %s: %s", strerror(-err), c->err);
        goto close;
    }
    s->st = ST_OK;
    for (size_t i = 0; i < npkts(); i++) {
        bpfrt_once(c->prog, pkt_at(r, i), o);
        check_outcome(r, jit ? "jit" : "interp", i, o);
    }
close:
    bpfrt_object__close(obj);
out:
    free(c);
    free(o);
}
