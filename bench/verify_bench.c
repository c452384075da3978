/* verify_bench.c - what verifying a program costs in bpfrt beside what
 * it costs in the kernel, for every program of the objects given: the
 * verifier's own time, the wall time of the whole load, the instructions
 * processed and, for bpfrt, the memory verification takes.
 *
 * Each program is judged as libbpf would load it alone from its object
 * (the object's other programs not loaded):
 *
 *   kernel  libbpf (bpf_object__open_file, autoload on for this program
 *           only, bpf_program__set_log_level(4), bpf_object__load): the
 *           log's last lines give "processed N insns ... total_states T
 *           peak_states P" and "verification time N usec" (the kernel's
 *           bpf_check, measured by itself); the wall time of the
 *           BPF_PROG_LOAD system call (verifier, fix-ups and JIT) is
 *           measured around the call: this program defines syscall(),
 *           which libbpf calls for bpf(), times the call and forwards it
 *           to the C library's.  A fresh open and load each run.
 *   bpfrt   in a child process per program (a crash or a pathological
 *           verification cannot take the benchmark down, and the memory
 *           figures are the program's alone): bpfrt_object__open_file,
 *           then bpfrt_program__verify: once untimed (it creates the
 *           object's maps and relocates the program; the RSS growth
 *           across it is reported), then K timed runs (the
 *           verification_time_ns it reports, and the wall time of the
 *           call), then one run with malloc counted: the peak of the
 *           bytes in use above those at its start (this program wraps
 *           malloc and friends around the C library's; the counting is
 *           on only for that run).
 *
 * Best (lowest) of K runs on each side.  Programs either side does not
 * accept are listed with both verdicts and not timed.  The ratios are
 * bpfrt / kernel; the totals give their geometric means and the ratio of
 * the summed times.  Exit status 1 when a program's verdicts differ or
 * bpfrt crashed or timed out, 0 otherwise.
 *
 * Usage: verify_bench [-j] [-k runs] [-t timeout_s] [-f substr] [-v] OBJ.o|DIR ...
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_common.h"
#include "kload.h"
#include "bpfrt/bpfrt.h"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread, the kernel's time in the system call included:
 * on a shared machine the wall time also counts the time other jobs had
 * the CPU */
static uint64_t cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------ the malloc counter */

/* Forwarded to the C library's allocator; while counting, the bytes in use
 * (malloc_usable_size) and their peak.  Only the child's measured run
 * counts. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static struct {
    bool on;
    long long live, peak;
} heap;

static void heap_add(void *p)
{
    if (heap.on && p) {
        heap.live += (long long)malloc_usable_size(p);
        if (heap.live > heap.peak)
            heap.peak = heap.live;
    }
}

static void heap_sub(void *p)
{
    if (heap.on && p)
        heap.live -= (long long)malloc_usable_size(p);
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);

    heap_add(p);
    return p;
}

void free(void *p)
{
    heap_sub(p);
    __libc_free(p);
}

void *calloc(size_t a, size_t b)
{
    void *p = __libc_calloc(a, b);

    heap_add(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    long long old = heap.on && p ? (long long)malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, n);

    if (heap.on && (q || !n)) {
        heap.live -= old;
        heap_add(q);
    }
    return q;
}

void *memalign(size_t al, size_t n)
{
    void *p = __libc_memalign(al, n);

    heap_add(p);
    return p;
}

void *aligned_alloc(size_t al, size_t n)
{
    return memalign(al, n);
}

int posix_memalign(void **pp, size_t al, size_t n)
{
    void *p;

    if (al < sizeof(void *) || (al & (al - 1)))
        return EINVAL;
    p = memalign(al, n);
    if (!p)
        return ENOMEM;
    *pp = p;
    return 0;
}

/* ------------------------------------------------------------- the rows */

enum kstat { K_OK, K_REJECTED, K_NA, K_ERROR };
enum bstat { B_OK, B_REJECTED, B_NOTVERIFIED, B_CRASH, B_TIMEOUT, B_ERROR };

struct kside {
    enum kstat st;
    int err;                       /* errno of the load when rejected */
    double vt_us, wall_us, cpu_us; /* best of K */
    uint64_t processed, total_states, peak_states;
    char reason[300];
};

struct bside {
    enum bstat st;
    int err;
    long insn;                     /* where it was rejected */
    double vt_us, wall_us, cpu_us; /* best of K */
    double first_wall_us;          /* the untimed first run: maps, relocation, verification */
    uint64_t processed, total_states, peak_states, max_states_per_insn;
    long long heap_peak;           /* bytes */
    long rss_kib;                  /* ru_maxrss growth across the first run */
    size_t insns;
    char reason[300];
};

struct row {
    char path[512];
    char obj[80];
    char prog[80];
    char type[32];
    size_t insns;
    enum bpf_prog_type override;   /* BPF_PROG_TYPE_UNSPEC: the section's */
    enum bpf_prog_type section_type; /* bpfrt's reading of the section */
    struct kside k;
    struct bside b;
};

static struct row *rows;
static size_t nrows, caprows;

static struct row *row_new(void)
{
    if (nrows == caprows) {
        size_t n = caprows ? caprows * 2 : 64;
        struct row *r = realloc(rows, n * sizeof(*r));

        if (!r) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        rows = r;
        caprows = n;
    }
    memset(&rows[nrows], 0, sizeof(rows[0]));
    return &rows[nrows++];
}

/* The program types prog_tests/bpf_verif_scale.c sets on the first program
 * of these objects (bpf_program__set_type before the load), so both sides
 * verify what the kernel's scale tests verify. */
static const struct {
    const char *obj;
    enum bpf_prog_type type;
} scale_types[] = {
    {"test_verif_scale1", BPF_PROG_TYPE_SCHED_CLS},
    {"test_verif_scale2", BPF_PROG_TYPE_SCHED_CLS},
    {"test_verif_scale3", BPF_PROG_TYPE_SCHED_CLS},
    {"pyperf_global", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf_subprogs", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf50", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf100", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf180", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf600", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf600_bpf_loop", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"pyperf600_nounroll", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"loop1", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"loop2", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"loop3", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"loop4", BPF_PROG_TYPE_SCHED_CLS},
    {"loop5", BPF_PROG_TYPE_SCHED_CLS},
    {"loop6", BPF_PROG_TYPE_KPROBE},
    {"strobemeta", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"strobemeta_bpf_loop", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"strobemeta_nounroll1", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"strobemeta_nounroll2", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"strobemeta_subprogs", BPF_PROG_TYPE_RAW_TRACEPOINT},
    {"test_sysctl_loop1", BPF_PROG_TYPE_CGROUP_SYSCTL},
    {"test_sysctl_loop2", BPF_PROG_TYPE_CGROUP_SYSCTL},
    {"test_xdp_loop", BPF_PROG_TYPE_XDP},
    {"test_seg6_loop", BPF_PROG_TYPE_LWT_SEG6LOCAL},
    {"twfw", BPF_PROG_TYPE_CGROUP_SKB},
};

static enum bpf_prog_type scale_type(const char *obj)
{
    for (size_t i = 0; i < sizeof(scale_types) / sizeof(scale_types[0]); i++)
        if (!strcmp(scale_types[i].obj, obj))
            return scale_types[i].type;
    return BPF_PROG_TYPE_UNSPEC;
}

/* Objects the selftests load with iproute2 (tc, ip route ... encap bpf,
 * ip link set xdp), whose sections name no type libbpf knows: the type
 * iproute2 gives them, by object and section name prefix ("" = any). */
static const struct {
    const char *obj, *sec;
    enum bpf_prog_type type;
} iproute2_types[] = {
    {"test_tc_tunnel", "", BPF_PROG_TYPE_SCHED_CLS},         /* test_tc_tunnel.sh: tc filter ... da obj */
    {"test_lwt_seg6local", "encap_srh", BPF_PROG_TYPE_LWT_IN}, /* ip route ... encap bpf in obj */
    {"test_lwt_seg6local", "", BPF_PROG_TYPE_LWT_SEG6LOCAL},  /* ... encap seg6local action End.BPF */
    {"test_xdp_vlan", "xdp", BPF_PROG_TYPE_XDP},              /* ip link set ... object */
    {"test_xdp_vlan", "tc", BPF_PROG_TYPE_SCHED_CLS},         /* tc filter ... da obj */
};

static enum bpf_prog_type iproute2_type(const char *obj, const char *sec)
{
    for (size_t i = 0; i < sizeof(iproute2_types) / sizeof(iproute2_types[0]); i++)
        if (!strcmp(iproute2_types[i].obj, obj) && !strncmp(sec, iproute2_types[i].sec, strlen(iproute2_types[i].sec)))
            return iproute2_types[i].type;
    return BPF_PROG_TYPE_UNSPEC;
}

static const char *type_str(enum bpf_prog_type t)
{
    const char *s = libbpf_bpf_prog_type_str(t);

    return s ? s : "?";
}

/* the object's name: the file's base name without ".o" / ".bpf.o" */
static void obj_name(const char *path, char *out, size_t sz)
{
    const char *b = strrchr(path, '/');
    size_t n;

    b = b ? b + 1 : path;
    snprintf(out, sz, "%s", b);
    n = strlen(out);
    if (n > 6 && !strcmp(out + n - 6, ".bpf.o"))
        out[n - 6] = 0;
    else if (n > 2 && !strcmp(out + n - 2, ".o"))
        out[n - 2] = 0;
}

/* ------------------------------------------------------------ the kernel */

static bool kernel_ok;
static char kernel_why[256];

/* Can this process load a BPF program at all?  (root, no seccomp filter,
 * a kernel with bpf()) */
static void kernel_probe(void)
{
    struct bpf_insn insns[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, NULL);

    if (fd < 0) {
        bench_msg(kernel_why, sizeof(kernel_why), "bpf(BPF_PROG_LOAD) unavailable: %s", strerror(errno));
        return;
    }
    close(fd);
    kernel_ok = true;
}

static bool parse_u64_after(const char *log, const char *key, uint64_t *out)
{
    const char *s = NULL, *p = log;

    /* the last occurrence: the statistics end the log */
    while ((p = strstr(p, key))) {
        s = p;
        p += strlen(key);
    }
    if (!s)
        return false;
    *out = strtoull(s + strlen(key), NULL, 10);
    return true;
}

/* The line the kernel's log names the error with: the last non-empty line
 * that is not one of the statistics. */
static void kernel_reason(const char *log, char *out, size_t sz)
{
    const char *end = log + strlen(log);

    out[0] = 0;
    while (end > log) {
        const char *ls = end;

        while (ls > log && ls[-1] != '\n')
            ls--;
        size_t n = (size_t)(end - ls);
        while (n && (ls[n - 1] == '\n' || ls[n - 1] == ' '))
            n--;
        if (n && strncmp(ls, "processed ", 10) && strncmp(ls, "verification time", 17) &&
            strncmp(ls, "stack depth", 11) && strncmp(ls, "-- END PROG LOAD LOG --", 23)) {
            snprintf(out, sz, "%.*s", (int)(n > 250 ? 250 : n), ls);
            return;
        }
        end = ls > log ? ls - 1 : log;
    }
}

/* libbpf's last warning that says something: not its closing "failed to
 * load" lines. */
static const char *libbpf_reason(const char *msgs)
{
    static char out[240];
    const char *p = msgs;

    out[0] = 0;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n && !memmem(p, n, "failed to load", 14) && !memmem(p, n, "failed to prepare load", 22))
            snprintf(out, sizeof(out), "%.*s", (int)n, p);
        p += n + (e ? 1 : 0);
    }
    return out;
}

/* One load of program `prog` of path through libbpf, alone from its
 * object.  Returns 0 when the kernel accepted it, 1 when it refused it
 * (k->err, log in log), -1 when the load failed before the program got
 * to the kernel (k->reason). */
static int kernel_once(const char *path, const char *prog, enum bpf_prog_type override, enum bpf_prog_type section_type,
                       uint32_t level, char *log, size_t logsz, struct kside *k, uint64_t *wall_ns, uint64_t *cpu)
{
    struct bpf_object *obj;
    struct bpf_program *p, *target = NULL;
    int err;

    bench_libbpf_clear();
    obj = bpf_object__open_file(path, NULL);
    if (!obj) {
        bench_msg(k->reason, sizeof(k->reason), "libbpf cannot open the object: %s", strerror(errno));
        return -1;
    }
    bpf_object__for_each_program(p, obj) {
        bool me = !strcmp(bpf_program__name(p), prog);

        bpf_program__set_autoload(p, me);
        if (me)
            target = p;
    }
    if (!target) {
        bpf_object__close(obj);
        bench_msg(k->reason, sizeof(k->reason), "libbpf finds no program '%s'", prog);
        return -1;
    }
    if (override)
        bpf_program__set_type(target, override);
    else if (bpf_program__type(target) == BPF_PROG_TYPE_UNSPEC && section_type != BPF_PROG_TYPE_UNSPEC)
        bpf_program__set_type(target, section_type);
    /* private maps: pinning by name would reuse or leave maps in bpffs */
    struct bpf_map *m;
    bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
    bpf_program__set_log_level(target, level);
    log[0] = 0;
    bpf_program__set_log_buf(target, log, logsz);
    bench_kload_arm(prog);
    err = bpf_object__load(obj);
    bench_kload.armed = false;
    bpf_object__close(obj);
    if (!bench_kload.seen) {
        bench_msg(k->reason, sizeof(k->reason), "libbpf failed before BPF_PROG_LOAD (%d): %s", err,
                  libbpf_reason(bench_libbpf_msgs()));
        return -1;
    }
    *wall_ns = bench_kload.ns;
    *cpu = bench_kload.cpu;
    if (bench_kload.ret < 0) {
        k->err = bench_kload.err;
        return 1;
    }
    return err ? -1 : 0;
}

#define KLOG_SZ (1u << 20)

static void kernel_side(const char *path, struct row *r, unsigned runs)
{
    static char log[KLOG_SZ];
    struct kside *k = &r->k;

    if (!kernel_ok) {
        k->st = K_NA;
        snprintf(k->reason, sizeof(k->reason), "%s", kernel_why);
        return;
    }
    for (unsigned i = 0; i < runs; i++) {
        uint64_t wall = 0, cpu = 0, vt = 0, proc = 0, ts = 0, ps = 0;
        int rc = kernel_once(path, r->prog, r->override, r->section_type, 4, log, KLOG_SZ, k, &wall, &cpu);

        if (rc < 0) {
            k->st = K_ERROR;
            return;
        }
        if (rc > 0) {
            /* level 4 logs the verifier's messages (the error among
             * them), only not every instruction */
            k->st = K_REJECTED;
            kernel_reason(log, k->reason, sizeof(k->reason));
            if (!k->reason[0])
                snprintf(k->reason, sizeof(k->reason), "%s", strerror(k->err));
            parse_u64_after(log, "processed ", &k->processed);
            return;
        }
        parse_u64_after(log, "verification time ", &vt);
        parse_u64_after(log, "processed ", &proc);
        parse_u64_after(log, "total_states ", &ts);
        parse_u64_after(log, "peak_states ", &ps);
        if (i == 0 || vt < k->vt_us)
            k->vt_us = (double)vt;
        if (i == 0 || wall / 1e3 < k->wall_us)
            k->wall_us = wall / 1e3;
        if (i == 0 || cpu / 1e3 < k->cpu_us)
            k->cpu_us = cpu / 1e3;
        k->processed = proc;
        k->total_states = ts;
        k->peak_states = ps;
    }
    k->st = K_OK;
}

/* ------------------------------------------------------------- bpfrt */

static void bpfrt_child(const char *path, const char *prog, enum bpf_prog_type override, unsigned runs, int out)
{
    static char log[8192];
    struct bside b = {.st = B_ERROR, .insn = -1};
    struct bpfrt_object *obj = NULL;
    struct bpfrt_program *p;
    struct bpfrt_verify_stats stats;
    struct bpfrt_diag diag = {.sz = sizeof(diag)};
    struct rusage ru;
    long rss0;
    uint64_t t0, t1, c0, c1;
    int err;

    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    err = bpfrt_object__open_file(path, &oo, &obj);
    if (err) {
        bench_msg(b.reason, sizeof(b.reason), "bpfrt cannot open the object (%d): %.200s", err, log);
        goto out;
    }
    p = bpfrt_object__find_program_by_name(obj, prog);
    if (!p) {
        bench_msg(b.reason, sizeof(b.reason), "bpfrt finds no program '%s'", prog);
        goto out;
    }
    if (override && (err = bpfrt_program__set_type(p, override))) {
        bench_msg(b.reason, sizeof(b.reason), "bpfrt_program__set_type: %d", err);
        goto out;
    }
    b.insns = bpfrt_program__insn_cnt(p);

    BPFRT_OPTS(bpfrt_verify_opts, vo, .log_buf = log, .log_size = sizeof(log), .stats = &stats, .diag = &diag);
    getrusage(RUSAGE_SELF, &ru);
    rss0 = ru.ru_maxrss;
    t0 = now_ns();
    err = bpfrt_program__verify(p, &vo);
    t1 = now_ns();
    getrusage(RUSAGE_SELF, &ru);
    b.rss_kib = ru.ru_maxrss - rss0;
    b.first_wall_us = (t1 - t0) / 1e3;
    b.processed = stats.processed_insns;
    b.err = err;
    if (vo.verdict == BPFRT_VERDICT_NONE) {
        size_t n = strlen(log);

        while (n && log[n - 1] == '\n')
            n--;
        b.st = B_NOTVERIFIED;
        bench_msg(b.reason, sizeof(b.reason), "not verified (%d): %.*s", err, (int)(n > 250 ? 250 : n), log);
        goto out;
    }
    if (vo.verdict == BPFRT_VERDICT_REJECTED) {
        b.st = B_REJECTED;
        b.insn = diag.insn;
        bench_msg(b.reason, sizeof(b.reason), "%s", diag.message[0] ? diag.message : strerror(-err));
        goto out;
    }
    for (unsigned i = 0; i < runs; i++) {
        vo.log_buf = NULL;
        vo.log_size = 0;
        c0 = cpu_ns();
        t0 = now_ns();
        err = bpfrt_program__verify(p, &vo);
        t1 = now_ns();
        c1 = cpu_ns();
        if (err) {
            b.st = B_ERROR;
            bench_msg(b.reason, sizeof(b.reason), "run %u of the same program failed (%d): %s", i + 2, err,
                      diag.message);
            goto out;
        }
        if (i == 0 || (t1 - t0) / 1e3 < b.wall_us)
            b.wall_us = (t1 - t0) / 1e3;
        if (i == 0 || (c1 - c0) / 1e3 < b.cpu_us)
            b.cpu_us = (c1 - c0) / 1e3;
        if (i == 0 || stats.verification_time_ns / 1e3 < b.vt_us)
            b.vt_us = stats.verification_time_ns / 1e3;
    }
    b.processed = stats.processed_insns;
    b.total_states = stats.total_states;
    b.peak_states = stats.peak_states;
    b.max_states_per_insn = stats.max_states_per_insn;
    heap.live = heap.peak = 0;
    heap.on = true;
    bpfrt_program__verify(p, &vo);
    heap.on = false;
    b.heap_peak = heap.peak;
    b.st = B_OK;
out:
    if (write(out, &b, sizeof(b)) != (ssize_t)sizeof(b))
        _exit(3);
    /* the object is left to _exit: nothing of it is needed any more */
    _exit(0);
}

static unsigned timeout_s = 600;

static void bpfrt_side(const char *path, struct row *r, unsigned runs)
{
    struct bside *b = &r->b;
    int fds[2], status;
    pid_t pid;
    ssize_t n;

    if (pipe(fds)) {
        b->st = B_ERROR;
        bench_msg(b->reason, sizeof(b->reason), "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        b->st = B_ERROR;
        bench_msg(b->reason, sizeof(b->reason), "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (!pid) {
        close(fds[0]);
        alarm(timeout_s);
        bpfrt_child(path, r->prog, r->override, runs, fds[1]);
    }
    close(fds[1]);
    n = read(fds[0], b, sizeof(*b));
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);

        memset(b, 0, sizeof(*b));
        b->st = sig == SIGALRM ? B_TIMEOUT : B_CRASH;
        if (sig == SIGALRM)
            bench_msg(b->reason, sizeof(b->reason), "no verdict after %u s (bpfrt verifier)", timeout_s);
        else
            bench_msg(b->reason, sizeof(b->reason), "bpfrt crashed: signal %d (%s)", sig, strsignal(sig));
        return;
    }
    if (n != (ssize_t)sizeof(*b)) {
        memset(b, 0, sizeof(*b));
        b->st = B_ERROR;
        bench_msg(b->reason, sizeof(b->reason), "the child gave no result (exit status %d)",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

/* ------------------------------------------------------ enumerating */

static const char *filter;

static bool wanted(const char *obj, const char *prog)
{
    return !filter || strstr(obj, filter) || strstr(prog, filter);
}

/* Every program of the object, in the object's order: bpfrt's listing
 * (what bpfrt verifies); libbpf's when bpfrt cannot open the object. */
static void add_object(const char *path)
{
    char name[80];
    struct bpfrt_object *obj = NULL;
    enum bpf_prog_type ov;
    bool first = true;

    obj_name(path, name, sizeof(name));
    ov = scale_type(name);
    if (!bpfrt_object__open_file(path, NULL, &obj)) {
        for (struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL); p;
             p = bpfrt_object__next_program(obj, p), first = false) {
            if (!wanted(name, bpfrt_program__name(p)))
                continue;
            struct row *r = row_new();
            snprintf(r->path, sizeof(r->path), "%s", path);
            snprintf(r->obj, sizeof(r->obj), "%s", name);
            snprintf(r->prog, sizeof(r->prog), "%s", bpfrt_program__name(p));
            r->override = first ? ov : BPF_PROG_TYPE_UNSPEC;
            if (!r->override && bpfrt_program__type(p) == BPF_PROG_TYPE_UNSPEC)
                r->override = iproute2_type(name, bpfrt_program__section_name(p));
            snprintf(r->type, sizeof(r->type), "%s", type_str(r->override ? r->override : bpfrt_program__type(p)));
            /* a type bpfrt reads from the section where libbpf 1.x
             * finds none (iproute2's lenient prefixes): both sides get it */
            r->section_type = bpfrt_program__type(p);
            r->insns = bpfrt_program__insn_cnt(p);
        }
        bpfrt_object__close(obj);
        return;
    }
    struct bpf_object *lo = bpf_object__open_file(path, NULL);
    struct bpf_program *p;

    if (!lo) {
        fprintf(stderr, "%s: neither bpfrt nor libbpf can open it, skipped\n", path);
        return;
    }
    bpf_object__for_each_program(p, lo) {
        if (!wanted(name, bpf_program__name(p))) {
            first = false;
            continue;
        }
        struct row *r = row_new();
        snprintf(r->path, sizeof(r->path), "%s", path);
        snprintf(r->obj, sizeof(r->obj), "%s", name);
        snprintf(r->prog, sizeof(r->prog), "%s", bpf_program__name(p));
        r->override = first ? ov : BPF_PROG_TYPE_UNSPEC;
        if (!r->override && bpf_program__type(p) == BPF_PROG_TYPE_UNSPEC)
            r->override = iproute2_type(name, bpf_program__section_name(p));
        snprintf(r->type, sizeof(r->type), "%s", type_str(r->override ? r->override : bpf_program__type(p)));
        r->insns = bpf_program__insn_cnt(p);
        first = false;
    }
    bpf_object__close(lo);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
    struct stat st;

    if (stat(path, &st)) {
        fprintf(stderr, "%s: %s, skipped\n", path, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        add_object(path);
        return;
    }
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    if (!d) {
        fprintf(stderr, "%s: %s, skipped\n", path, strerror(errno));
        return;
    }
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);

        if (l < 3 || strcmp(e->d_name + l - 2, ".o"))
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(*names));
        if (!nn)
            break;
        names = nn;
        if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        add_object(names[i]);
        free(names[i]);
    }
    free(names);
}

/* ------------------------------------------------------------ reporting */

static const char *kverdict(const struct kside *k)
{
    static const char *const s[] = {"accepted", "rejected", "n/a", "error"};
    return s[k->st];
}

static const char *bverdict(const struct bside *b)
{
    static const char *const s[] = {"accepted", "rejected", "not verified", "CRASH", "TIMEOUT", "error"};
    return s[b->st];
}

static bool timed(const struct row *r)
{
    return r->b.st == B_OK && (r->k.st == K_OK || r->k.st == K_NA);
}

static bool disagree(const struct row *r)
{
    return (r->k.st == K_OK && r->b.st == B_REJECTED) || (r->k.st == K_REJECTED && r->b.st == B_OK);
}

struct totals {
    unsigned programs, timed, both, ratio_n, kernel_rejected, bpfrt_rejected, disagree, crashes, timeouts, errors;
    double log_vt, log_wall, log_cpu, log_proc, sum_bvt, sum_kvt, sum_bwall, sum_kwall, sum_bcpu, sum_kcpu;
    unsigned proc_n, wall_n, cpu_n;
    long long max_heap;
    char max_heap_prog[170];
    double worst_ratio;
    char worst_prog[170];
};

static void totals(struct totals *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];

        t->programs++;
        t->kernel_rejected += r->k.st == K_REJECTED;
        t->bpfrt_rejected += r->b.st == B_REJECTED || r->b.st == B_NOTVERIFIED;
        t->disagree += disagree(r);
        t->crashes += r->b.st == B_CRASH;
        t->timeouts += r->b.st == B_TIMEOUT;
        t->errors += r->b.st == B_ERROR || r->k.st == K_ERROR;
        if (!timed(r))
            continue;
        t->timed++;
        if (r->b.heap_peak > t->max_heap) {
            t->max_heap = r->b.heap_peak;
            snprintf(t->max_heap_prog, sizeof(t->max_heap_prog), "%s/%s", r->obj, r->prog);
        }
        if (r->k.st != K_OK)
            continue;
        t->both++;
        t->sum_bvt += r->b.vt_us;
        t->sum_kvt += r->k.vt_us;
        t->sum_bwall += r->b.wall_us;
        t->sum_kwall += r->k.wall_us;
        t->sum_bcpu += r->b.cpu_us;
        t->sum_kcpu += r->k.cpu_us;
        /* the kernel's time is in whole microseconds: a ratio against 0 us
         * means nothing, so those programs stay out of the mean */
        if (r->k.vt_us > 0 && r->b.vt_us > 0) {
            double q = r->b.vt_us / r->k.vt_us;

            t->log_vt += log(q);
            t->ratio_n++;
            if (q > t->worst_ratio) {
                t->worst_ratio = q;
                snprintf(t->worst_prog, sizeof(t->worst_prog), "%s/%s", r->obj, r->prog);
            }
        }
        if (r->k.wall_us > 0 && r->b.wall_us > 0) {
            t->log_wall += log(r->b.wall_us / r->k.wall_us);
            t->wall_n++;
        }
        if (r->k.cpu_us > 0 && r->b.cpu_us > 0) {
            t->log_cpu += log(r->b.cpu_us / r->k.cpu_us);
            t->cpu_n++;
        }
        if (r->k.processed && r->b.processed) {
            t->log_proc += log((double)r->b.processed / (double)r->k.processed);
            t->proc_n++;
        }
    }
}

static double gmean(double logsum, unsigned n)
{
    return n ? exp(logsum / n) : 0;
}

static void ratio_cell(char *buf, size_t sz, double b, double k)
{
    if (k > 0 && b > 0)
        snprintf(buf, sz, "%.2fx", b / k);
    else
        snprintf(buf, sz, "-");
}

static void print_table(unsigned runs)
{
    struct totals t;
    char c1[16], c2[16], c3[16], c4[16];

    printf("verification: bpfrt_program__verify vs the kernel's BPF_PROG_LOAD (log_level 4), best of %u runs\n", runs);
    if (kernel_ok)
        printf("kernel: the running kernel's verifier (\"verification time\"), load = the BPF_PROG_LOAD syscall\n");
    else
        printf("kernel: n/a (%s)\n", kernel_why);
    printf("times in microseconds; ratios bpfrt/kernel (below 1: bpfrt faster)\n\n");
    printf("%-40s %-14s %6s | %7s %7s %5s | %8s %8s %6s | %8s %8s %6s | %8s %8s %6s | %6s %6s %6s %6s\n",
           "program", "type", "insns", "k.proc", "b.proc", "proc", "k.verif", "b.verif", "verif", "k.load", "b.wall",
           "wall", "k.cpu", "b.cpu", "cpu", "b.tot", "b.peak", "heapK", "rssK");
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        char name[170], kp[16], kv[16], kw[16], kc[16];

        if (!timed(r))
            continue;
        snprintf(name, sizeof(name), "%s/%s", r->obj, r->prog);
        if (r->k.st == K_OK) {
            snprintf(kp, sizeof(kp), "%llu", (unsigned long long)r->k.processed);
            snprintf(kv, sizeof(kv), "%.0f", r->k.vt_us);
            snprintf(kw, sizeof(kw), "%.0f", r->k.wall_us);
            snprintf(kc, sizeof(kc), "%.0f", r->k.cpu_us);
            ratio_cell(c1, sizeof(c1), (double)r->b.processed, (double)r->k.processed);
            ratio_cell(c2, sizeof(c2), r->b.vt_us, r->k.vt_us);
            ratio_cell(c3, sizeof(c3), r->b.wall_us, r->k.wall_us);
            ratio_cell(c4, sizeof(c4), r->b.cpu_us, r->k.cpu_us);
        } else {
            snprintf(kp, sizeof(kp), "n/a");
            snprintf(kv, sizeof(kv), "n/a");
            snprintf(kw, sizeof(kw), "n/a");
            snprintf(kc, sizeof(kc), "n/a");
            snprintf(c1, sizeof(c1), "-");
            snprintf(c2, sizeof(c2), "-");
            snprintf(c3, sizeof(c3), "-");
            snprintf(c4, sizeof(c4), "-");
        }
        printf("%-40.40s %-14.14s %6zu | %7s %7llu %5s | %8s %8.0f %6s | %8s %8.0f %6s | %8s %8.0f %6s | %6llu %6llu "
               "%6.0f %6ld\n",
               name, r->type, r->b.insns ? r->b.insns : r->insns, kp, (unsigned long long)r->b.processed, c1, kv,
               r->b.vt_us, c2, kw, r->b.wall_us, c3, kc, r->b.cpu_us, c4, (unsigned long long)r->b.total_states,
               (unsigned long long)r->b.peak_states, r->b.heap_peak / 1024.0, r->b.rss_kib);
    }
    totals(&t);
    printf("\n%u programs; %u timed on both sides", t.programs, t.both);
    if (t.timed > t.both)
        printf(", %u on bpfrt's only", t.timed - t.both);
    printf("\n");
    if (t.both) {
        printf("geometric mean bpfrt/kernel: verification time %.2fx (%u programs the kernel timed at >= 1 us), "
               "wall %.2fx, cpu %.2fx, processed insns %.2fx\n",
               gmean(t.log_vt, t.ratio_n), t.ratio_n, gmean(t.log_wall, t.wall_n), gmean(t.log_cpu, t.cpu_n),
               gmean(t.log_proc, t.proc_n));
        printf("summed over the programs: verification %.0f us bpfrt vs %.0f us kernel (%.2fx); wall %.0f us "
               "vs %.0f us (%.2fx); cpu %.0f us vs %.0f us (%.2fx)\n",
               t.sum_bvt, t.sum_kvt, t.sum_kvt > 0 ? t.sum_bvt / t.sum_kvt : 0, t.sum_bwall, t.sum_kwall,
               t.sum_kwall > 0 ? t.sum_bwall / t.sum_kwall : 0, t.sum_bcpu, t.sum_kcpu,
               t.sum_kcpu > 0 ? t.sum_bcpu / t.sum_kcpu : 0);
        if (t.ratio_n)
            printf("largest verification-time ratio: %.2fx (%s)\n", t.worst_ratio, t.worst_prog);
    }
    if (t.max_heap)
        printf("largest heap peak in bpfrt's verification: %.0f KiB (%s)\n", t.max_heap / 1024.0, t.max_heap_prog);
    printf("columns: proc = processed insns; verif = the verifier's own time (kernel: its log, in whole us; "
           "bpfrt: verification_time_ns); k.load = wall time of the BPF_PROG_LOAD syscall (verifier, fix-ups, JIT); "
           "b.wall = wall time of bpfrt_program__verify; cpu = this thread's CPU time over the same call; "
           "b.tot/b.peak = bpfrt's total_states/peak_states; heapK = peak KiB malloc'd during one verification; "
           "rssK = ru_maxrss growth (KiB) across the first verification (with the object's maps and relocation)\n");

    bool head = false;
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];

        if (timed(r))
            continue;
        if (!head) {
            printf("\nnot timed (a side did not accept):\n");
            printf("%-44s %-14s %-10s %-12s %s\n", "program", "type", "kernel", "bpfrt", "reasons");
            head = true;
        }
        char name[170];

        snprintf(name, sizeof(name), "%s/%s", r->obj, r->prog);
        printf("%-44.44s %-14.14s %-10s %-12s", name, r->type, kverdict(&r->k), bverdict(&r->b));
        if (r->k.st == K_OK)
            printf(" kernel: %llu insns processed, %.0f us", (unsigned long long)r->k.processed, r->k.vt_us);
        else
            printf(" kernel: %s%s%s", r->k.err ? strerror(r->k.err) : "", r->k.err ? ": " : "", r->k.reason);
        if (r->b.st == B_OK)
            printf("; bpfrt: %llu insns processed, %.0f us", (unsigned long long)r->b.processed, r->b.vt_us);
        if (r->b.st != B_OK) {
            printf("; bpfrt: ");
            if (r->b.st == B_REJECTED && r->b.insn >= 0)
                printf("insn %ld: ", r->b.insn);
            printf("%s", r->b.reason);
        }
        printf("%s\n", disagree(r) ? "  <== VERDICTS DIFFER" : "");
    }
    printf("\nsummary: {\"programs\":%u,\"timed\":%u,\"kernel_rejected\":%u,\"bpfrt_rejected\":%u,\"verdicts_differ\":%u,"
           "\"bpfrt_crashes\":%u,\"bpfrt_timeouts\":%u,\"errors\":%u,\"gmean_verif_ratio\":%.3f,\"verif_ratio_programs\":%u,"
           "\"gmean_wall_ratio\":%.3f,\"gmean_cpu_ratio\":%.3f,\"gmean_processed_ratio\":%.3f,\"sum_verif_ratio\":%.3f,"
           "\"max_heap_kib\":%.0f}\n",
           t.programs, t.both, t.kernel_rejected, t.bpfrt_rejected, t.disagree, t.crashes, t.timeouts, t.errors,
           gmean(t.log_vt, t.ratio_n), t.ratio_n, gmean(t.log_wall, t.wall_n), gmean(t.log_cpu, t.cpu_n),
           gmean(t.log_proc, t.proc_n),
           t.sum_kvt > 0 ? t.sum_bvt / t.sum_kvt : 0, t.max_heap / 1024.0);
}

static void print_json(unsigned runs)
{
    struct totals t;

    totals(&t);
    printf("{\"runs\":%u,\"kernel\":", runs);
    bench_json_str(kernel_ok ? "available" : kernel_why);
    printf(",\"programs\":[");
    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];

        printf("%s\n{\"object\":", i ? "," : "");
        bench_json_str(r->obj);
        printf(",\"program\":");
        bench_json_str(r->prog);
        printf(",\"type\":");
        bench_json_str(r->type);
        printf(",\"insns\":%zu,\"kernel\":{\"verdict\":\"%s\"", r->b.insns ? r->b.insns : r->insns, kverdict(&r->k));
        if (r->k.st == K_OK)
            printf(",\"processed_insns\":%llu,\"total_states\":%llu,\"peak_states\":%llu,\"verification_time_us\":%.0f,"
                   "\"load_wall_us\":%.1f,\"load_cpu_us\":%.1f",
                   (unsigned long long)r->k.processed, (unsigned long long)r->k.total_states,
                   (unsigned long long)r->k.peak_states, r->k.vt_us, r->k.wall_us, r->k.cpu_us);
        else {
            printf(",\"reason\":");
            bench_json_str(r->k.reason);
        }
        printf("},\"bpfrt\":{\"verdict\":\"%s\"", bverdict(&r->b));
        if (r->b.st == B_OK)
            printf(",\"processed_insns\":%llu,\"total_states\":%llu,\"peak_states\":%llu,\"max_states_per_insn\":%llu,"
                   "\"verification_time_us\":%.1f,\"wall_us\":%.1f,\"cpu_us\":%.1f,\"first_wall_us\":%.1f,"
                   "\"heap_peak_bytes\":%lld,\"rss_growth_kib\":%ld",
                   (unsigned long long)r->b.processed, (unsigned long long)r->b.total_states,
                   (unsigned long long)r->b.peak_states, (unsigned long long)r->b.max_states_per_insn, r->b.vt_us,
                   r->b.wall_us, r->b.cpu_us, r->b.first_wall_us, r->b.heap_peak, r->b.rss_kib);
        else {
            printf(",\"insn\":%ld,\"reason\":", r->b.insn);
            bench_json_str(r->b.reason);
        }
        printf("}");
        if (r->k.st == K_OK && r->b.st == B_OK && r->k.vt_us > 0)
            printf(",\"verif_ratio\":%.3f", r->b.vt_us / r->k.vt_us);
        if (r->k.st == K_OK && r->b.st == B_OK && r->k.cpu_us > 0)
            printf(",\"cpu_ratio\":%.3f", r->b.cpu_us / r->k.cpu_us);
        if (r->k.st == K_OK && r->b.st == B_OK && r->k.processed)
            printf(",\"processed_ratio\":%.3f", (double)r->b.processed / (double)r->k.processed);
        printf("}");
    }
    printf("],\n\"summary\":{\"programs\":%u,\"timed\":%u,\"kernel_rejected\":%u,\"bpfrt_rejected\":%u,"
           "\"verdicts_differ\":%u,\"bpfrt_crashes\":%u,\"bpfrt_timeouts\":%u,\"errors\":%u,\"gmean_verif_ratio\":%.3f,"
           "\"verif_ratio_programs\":%u,\"gmean_wall_ratio\":%.3f,\"gmean_cpu_ratio\":%.3f,"
           "\"gmean_processed_ratio\":%.3f,\"sum_verif_ratio\":%.3f,\"max_heap_kib\":%.0f}}\n",
           t.programs, t.both, t.kernel_rejected, t.bpfrt_rejected, t.disagree, t.crashes, t.timeouts, t.errors,
           gmean(t.log_vt, t.ratio_n), t.ratio_n, gmean(t.log_wall, t.wall_n), gmean(t.log_cpu, t.cpu_n),
           gmean(t.log_proc, t.proc_n),
           t.sum_kvt > 0 ? t.sum_bvt / t.sum_kvt : 0, t.max_heap / 1024.0);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: verify_bench [-j] [-k runs] [-t timeout_s] [-f substr] [-v] OBJ.o|DIR ...\n"
               "  -j          one JSON document instead of the table\n"
               "  -k runs     timed runs per side, the best kept (default 3; env BENCH_TRIALS)\n"
               "  -t seconds  bpfrt's verification of one program may take this long (default 600)\n"
               "  -f substr   only programs whose object or program name contains substr\n"
               "  -v          progress on stderr, libbpf's messages\n");
}

int main(int argc, char **argv)
{
    bool json = false, verbose = false;
    unsigned runs = 3;
    const char *env = getenv("BENCH_TRIALS");
    int c;

    if (env && *env)
        runs = (unsigned)strtoul(env, NULL, 0);
    while ((c = getopt(argc, argv, "jk:t:f:vh")) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'k': runs = (unsigned)strtoul(optarg, NULL, 0); break;
        case 't': timeout_s = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'f': filter = optarg; break;
        case 'v': verbose = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!runs)
        runs = 1;
    if (!timeout_s)
        timeout_s = 1;
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    bench_libbpf_capture(verbose);
    kernel_probe();
    for (int i = optind; i < argc; i++)
        add_path(argv[i]);
    if (!nrows) {
        fprintf(stderr, "no programs found\n");
        return 2;
    }
    for (size_t i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        uint64_t t0 = now_ns();

        if (verbose)
            fprintf(stderr, "[%zu/%zu] %s/%s (%s, %zu insns) ...", i + 1, nrows, r->obj, r->prog, r->type, r->insns);
        kernel_side(r->path, r, runs);
        bpfrt_side(r->path, r, runs);
        if (verbose)
            fprintf(stderr, " kernel %s, bpfrt %s (%.1f s)\n", kverdict(&r->k), bverdict(&r->b),
                    (now_ns() - t0) / 1e9);
    }
    if (json)
        print_json(runs);
    else
        print_table(runs);
    struct totals t;
    totals(&t);
    return t.disagree || t.crashes || t.timeouts ? 1 : 0;
}
