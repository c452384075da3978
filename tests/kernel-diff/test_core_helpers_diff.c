/* test_core_helpers_diff.c - bpf_trace_printk, bpf_trace_vprintk,
 * bpf_snprintf, bpf_strtol, bpf_strtoul, bpf_strncmp and bpf_jiffies64
 * against the running kernel.
 *
 * tests/data/helpers/core_helpers.c is compiled at test time; each case
 * loads one of its XDP programs alone on both sides, writes the same
 * struct cs into the map `cases`, runs it (the kernel with
 * BPF_PROG_TEST_RUN, bpfrt with bpfrt_prog__run) and compares what the
 * program left in the map: the helper's return value, the parsed number,
 * the bpf_snprintf output bytes.  For the trace helpers the message of the
 * line is compared too: bpfrt's from its trace callback, the kernel's
 * from a tracefs instance of this test's own (the bpf_trace_printk event
 * enabled there; lines of this thread only) when tracefs is mounted, else
 * the return values alone with a message saying so.  bpf_snprintf formats
 * the kernel's verifier refuses must be refused by bpfrt's too. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/bpf_build.h"
#include "bpfrt/bpfrt.h"

#define SRC "tests/data/helpers/core_helpers.c"
#define OBJDIR "build/tests/data/helpers"

struct cs {
    char fmt[256];
    uint64_t a[12];
    uint32_t data_len;
    uint32_t size;
    int64_t ret;
    int64_t res;
    uint64_t flags;
    char strs[4][128];
    char out[1100];
};

#define S(k) (0xfeed0000ull + (k)) /* an argument pointing at strs[k] */

static const char *obj_path(void)
{
    static const char *p;
    if (!p)
        p = test_bpf_build(SRC, OBJDIR, "core_helpers", "-Wall");
    return p;
}

struct pair {
    struct bpf_object *kobj;
    int kfd, kmap, kerr;
    struct bpfrt_object *bobj;
    struct bpfrt_prog *bp;
    struct bpfrt_map *bmap;
    int berr;
    char blog[4096];
};

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
    (void)l, (void)f, (void)ap;
    return 0;
}

/* Load program name alone on both sides; kerr / berr: 0 or the errno. */
static void open_pair(struct pair *p, const char *name)
{
    struct bpf_program *prog;
    struct bpfrt_program *bprog = NULL;

    memset(p, 0, sizeof(*p));
    libbpf_set_print(quiet);
    p->kobj = bpf_object__open_file(obj_path(), NULL);
    cr_assert_not_null(p->kobj, "libbpf cannot open the object");
    bpf_object__for_each_program(prog, p->kobj) bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), name));
    p->kerr = -bpf_object__load(p->kobj);
    if (p->kerr == EPERM || p->kerr == ENOSYS) {
        bpf_object__close(p->kobj);
        cr_skip_test("kernel bpf() unavailable: loading %s: %s", name, strerror(p->kerr));
    }
    if (!p->kerr) {
        p->kfd = bpf_program__fd(bpf_object__find_program_by_name(p->kobj, name));
        p->kmap = bpf_map__fd(bpf_object__find_map_by_name(p->kobj, "cases"));
    }
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = p->blog, .log_size = sizeof(p->blog));
    cr_assert_eq(bpfrt_object__open_file(obj_path(), &oo, &p->bobj), 0, "%s", p->blog);
    while ((bprog = bpfrt_object__next_program(p->bobj, bprog)))
        bpfrt_program__set_autoload(bprog, !strcmp(bpfrt_program__name(bprog), name));
    p->berr = -bpfrt_object__load(p->bobj);
    if (!p->berr) {
        p->bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(p->bobj, name));
        p->bmap = bpfrt_object__find_map_by_name(p->bobj, "cases");
    }
}

static void close_pair(struct pair *p)
{
    bpfrt_object__close(p->bobj);
    bpf_object__close(p->kobj);
}

/* ---------------------------------------------- the kernel's trace lines */

static char inst[128];
static int tracefs_ok = -1;

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    int ok = fd >= 0 && write(fd, s, strlen(s)) == (ssize_t)strlen(s);
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A tracefs instance of this process with the bpf_trace_printk event on. */
static int tracefs_setup(void)
{
    static const char *roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
    char path[256];

    if (tracefs_ok >= 0)
        return tracefs_ok;
    tracefs_ok = 0;
    for (size_t i = 0; i < 2 && !tracefs_ok; i++) {
        snprintf(path, sizeof(path), "%s/instances", roots[i]);
        if (access(path, W_OK))
            continue;
        snprintf(inst, sizeof(inst), "%s/instances/bpfrt_core_diff_%d", roots[i], (int)getpid());
        mkdir(inst, 0755);
        snprintf(path, sizeof(path), "%s/events/bpf_trace/bpf_trace_printk/enable", inst);
        tracefs_ok = write_file(path, "1");
    }
    if (!tracefs_ok)
        fprintf(stderr, "core_helpers_diff: tracefs is not mounted (or not writable): trace lines are not compared "
                        "with the kernel's, only return values\n");
    return tracefs_ok;
}

static void tracefs_teardown(void)
{
    if (tracefs_ok > 0)
        rmdir(inst);
}

/* The message of this thread's last bpf_trace_printk line, "" if none. */
static void kernel_line(char *msg, size_t n)
{
    char path[256], tag[32], *buf, *line, *save = NULL;
    size_t cap = 1 << 20, len;
    FILE *f;

    msg[0] = 0;
    snprintf(path, sizeof(path), "%s/trace", inst);
    f = fopen(path, "r");
    if (!f)
        return;
    buf = malloc(cap + 1);
    len = fread(buf, 1, cap, f);
    fclose(f);
    buf[len] = 0;
    snprintf(tag, sizeof(tag), "-%d ", (int)gettid());
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *m = strstr(line, ": bpf_trace_printk: ");
        if (line[0] != '#' && strstr(line, tag) && m)
            snprintf(msg, n, "%s", m + 20);
    }
    free(buf);
}

static char bline[2048];
static void keep_line(const char *line, void *ctx)
{
    const char *m = strstr(line, ": bpf_trace_printk: ");
    (void)ctx;
    snprintf(bline, sizeof(bline), "%s", m ? m + 20 : line);
}

/* --------------------------------------------------------------- runs */

/* Run the pair on in; the program's struct cs after the run on each side. */
static void run_pair(struct pair *p, const struct cs *in, struct cs *kout, struct cs *bout, char *kmsg, size_t kn)
{
    uint8_t pkt[64] = {0};
    uint32_t key = 0;
    char err[256];

    if (tracefs_ok > 0) {
        char path[256];
        snprintf(path, sizeof(path), "%s/trace", inst);
        write_file(path, "");
    }
    cr_assert_eq(bpf_map_update_elem(p->kmap, &key, in, 0), 0);
    LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
    cr_assert_eq(bpf_prog_test_run_opts(p->kfd, &t), 0);
    cr_assert_eq(t.retval, 2, "kernel: the program returned %u", t.retval);
    cr_assert_eq(bpf_map_lookup_elem(p->kmap, &key, kout), 0);
    if (kmsg)
        kernel_line(kmsg, kn);

    cr_assert_eq(bpfrt_map__update_elem(p->bmap, &key, 4, in, sizeof(*in), 0), 0);
    bline[0] = 0;
    bpfrt_trace_set_callback(keep_line, NULL);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .err_buf = err, .err_size = sizeof(err));
    int rc = bpfrt_prog__run(p->bp, &ro);
    bpfrt_trace_set_callback(NULL, NULL);
    cr_assert_eq(rc, 0, "bpfrt: %s", err);
    cr_assert_eq(ro.retval, 2);
    cr_assert_eq(bpfrt_map__lookup_elem(p->bmap, &key, 4, bout, sizeof(*bout), 0), 0);
}

static unsigned compared, equal;

/* ------------------------------------------------------- trace helpers */

struct pcase {
    const char *fmt;
    uint64_t a[12];
    uint32_t nargs; /* vprintk: data_len / 8 */
};

static void strs_init(struct cs *c)
{
    static const uint8_t ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0, 1};
    memset(c->strs, 0, sizeof(c->strs));
    strcpy(c->strs[0], "hello");
    memset(c->strs[1], 'b', 127);
    memcpy(c->strs[2], ip6, 16);
    strcpy(c->strs[3], "");
}

static void trace_cases(const char *prog, const struct pcase *cases, size_t n)
{
    struct pair p;
    struct cs in, k, b;
    char kmsg[2048];
    int lines = tracefs_setup();

    open_pair(&p, prog);
    cr_assert_eq(p.kerr, 0, "kernel refused %s", prog);
    cr_assert_eq(p.berr, 0, "bpfrt refused %s: %s", prog, p.blog);
    for (size_t i = 0; i < n; i++) {
        memset(&in, 0, sizeof(in));
        strs_init(&in);
        strcpy(in.fmt, cases[i].fmt);
        in.size = (uint32_t)strlen(cases[i].fmt) + 1;
        memcpy(in.a, cases[i].a, sizeof(in.a));
        in.data_len = cases[i].nargs * 8;
        run_pair(&p, &in, &k, &b, kmsg, sizeof(kmsg));
        compared++;
        cr_expect_eq(b.ret, k.ret, "%s '%s': bpfrt returned %lld, the kernel %lld", prog, cases[i].fmt,
                     (long long)b.ret, (long long)k.ret);
        int same = b.ret == k.ret;
        if (lines && k.ret >= 0) {
            /* %p hashes with a key of its own on each side: compare the shape */
            int hashed = strstr(cases[i].fmt, "%p ") || strstr(cases[i].fmt, "%pK");
            int msg_eq = hashed ? strlen(kmsg) == strlen(bline) : !strcmp(kmsg, bline);
            cr_expect(msg_eq, "%s '%s': bpfrt printed %zu bytes '%.300s', the kernel %zu '%.300s'", prog, cases[i].fmt,
                      strlen(bline), bline, strlen(kmsg), kmsg);
            same &= msg_eq;
        }
        equal += same;
    }
    close_pair(&p);
    fprintf(stderr, "core_helpers_diff %s: %u cases compared, %u equal\n", prog, compared, equal);
}

Test(core_helpers_diff, trace_printk_formats, .fini = tracefs_teardown)
{
    static const struct pcase cases[] = {
        {"%d %i %u", {(uint64_t)-1, 42, (uint64_t)-1}, 0},
        {"%x %X %d", {0x1ffffffffull, 0xabcdef, 0x1ffffffffull}, 0},
        {"%ld %lu %lx", {(uint64_t)-1, (uint64_t)-1, (uint64_t)-1}, 0},
        {"%lld %llu %llX", {(uint64_t)-5, 1ull << 63, 0xdeadbeefcafeull}, 0},
        {"%li %lli %llx", {(uint64_t)-7, (uint64_t)-8, 0}, 0},
        {"[%5d|%-5d|%05d]", {42, 42, 42}, 0},
        {"[%+d|% d|%+u]", {42, 42, 42}, 0},
        {"[%+-6d|%0-6d|% 05d]", {42, (uint64_t)-42, 42}, 0},
        {"[%  +d|%010d|%-010x]", {1, (uint64_t)-1, 255}, 0},
        {"[%c|%3c|%-3c]", {'A', 'B', 'C'}, 0},
        {"x%c%cy", {0, 'A'}, 0},
        {"%c", {0x141}, 0},
        {"[%s|%8s|%-8s]", {S(0), S(0), S(0)}, 0},
        {"[%pks|%pus|%08s]", {S(0), S(0), S(0)}, 0},
        {"[%10pks]", {S(0)}, 0},
        {"[%s]", {0x10}, 0},
        {"[%s.]", {0}, 0},
        {"%s%%", {S(3)}, 0},
        {"%pI4 %pi4 %pI4", {S(2), S(2), 0x10}, 0},
        {"%pI6|%pi6|%pI6c", {S(2), S(2), S(2)}, 0},
        {"%pI4abc|%10pI4|", {S(2), S(2)}, 0},
        {"%p %p %px", {0, (uint64_t)-14, 0x1234}, 0},
        {"[%20p|%-20p|%020p]", {0, 0, 0}, 0},
        {"%pK|%px", {0, 0xffff888012345678ull}, 0},
        {"%ps %pS %pB", {0x1234, 0x1234, 0x1234}, 0},
        {"%p %s", {0x1234, S(0)}, 0},
        {"caf\xc3\xa9 %d", {1}, 0},
        {"%1000d%100d", {1, 2}, 0},
        {"%8388607d|", {5}, 0},
        {"%8388608d|", {5}, 0},
        {"%4294967297d|", {5}, 0},
        {"%2147483648d|", {5}, 0},
        {"plain text", {0}, 0},
        {"100%%", {0}, 0},
        /* refused: -EINVAL */
        {"%#x", {1}, 0},
        {"%.3d", {1}, 0},
        {"%hd", {1}, 0},
        {"%lc", {1}, 0},
        {"%pa", {1}, 0},
        {"%d %d %d %d", {1, 2, 3}, 0},
        {"x%", {1}, 0},
        {"%p%", {1}, 0},
        {"%sa", {S(0)}, 0},
        {"%llld", {1}, 0},
        {"%Lx", {1}, 0},
        {"%5.d", {1}, 0},
        {"%\xc3\xa9", {1}, 0},
        {"bell\x07", {1}, 0},
        {"%zd", {1}, 0},
        {"%*d", {1, 2}, 0},
        {"%-", {1}, 0},
        {"%pi5", {S(2)}, 0},
    };
    trace_cases("tp", cases, sizeof(cases) / sizeof(cases[0]));
}

Test(core_helpers_diff, trace_vprintk_args_and_capture_limit, .fini = tracefs_teardown)
{
    static const struct pcase cases[] = {
        {"%d %d %d %d %d %d %d %d %d %d %d %d", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 12},
        {"%d %d", {1, 2, 3}, 3},
        {"%d %d %d", {1, 2}, 2},
        {"no args", {0}, 0},
        /* the 512-byte capture buffer: 4 strings of 127 fill it */
        {"%s%s%s%s|", {S(1), S(1), S(1), S(1)}, 4},
        {"%s%s%s%s%s|", {S(1), S(1), S(1), S(1), S(1)}, 5},
        {"%d%s%s%s%s|", {1, S(1), S(1), S(1), S(1)}, 5},
        {"%c%d%s%s%s%s", {1, 1, S(1), S(1), S(1), S(1)}, 6},
        {"%s%s%s%s%c", {S(1), S(1), S(1), S(1), 'x'}, 5},
        {"%s%s%s%s%d", {S(1), S(1), S(1), S(1), 7}, 5},
        {"%s%s%s%pI4", {S(1), S(1), S(1), S(2)}, 4},
        {"%s%s%s%s %pI6 %c", {S(1), S(1), S(1), S(0), S(2), 'q'}, 6},
    };
    trace_cases("tv", cases, sizeof(cases) / sizeof(cases[0]));
}

/* --------------------------------------------------------- bpf_snprintf */

struct scase {
    const char *prog;
    uint64_t a[12];
    uint32_t size;
};

Test(core_helpers_diff, snprintf_outputs_and_refusals)
{
    static const struct scase cases[] = {
        {"snp_ints",
         {(uint64_t)-1, 7, (uint64_t)-1, 0xbeef, 0xbeef, (uint64_t)-2, (uint64_t)-2, 0xabc, 1ull << 63, 255},
         256},
        {"snp_ints", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 10},
        {"snp_ints", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0},
        {"snp_width", {42, 42, 42, 42, 42, (uint64_t)-42, 42, 0xff}, 256},
        {"snp_chars", {'a', 0, 'c', 'd'}, 64},
        {"snp_strs", {S(0), S(0), S(0), S(0), S(0)}, 256},
        {"snp_strs", {0, 0x10, S(3), 0, S(0)}, 256},
        {"snp_strs", {S(0), S(0), S(0), S(0), S(0)}, 7},
        {"snp_ips", {S(2), S(2), S(2), S(2), S(2)}, 256},
        {"snp_ptrs", {0, 0x1234, 0, 0x1234, 0x1234, 0x1234, 0, 0x99}, 256},
        {"snp_plain", {0}, 256},
        {"snp_plain", {0}, 1},
        {"snp_many", {S(1), S(1), S(1), S(1), S(1)}, 1024},
        {"snp_num_after", {S(1), S(1), S(1), S(1), 9}, 1024},
        {"snp_utf8", {5}, 64},
        {"snp_wide", {3, S(0)}, 1024},
        {"snp_wide", {3, S(0)}, 100},
        {"snp_bad_conv", {0}, 64},
        {"snp_bad_prec", {0}, 64},
        {"snp_bad_hash", {0}, 64},
        {"snp_bad_count", {0}, 64},
        {"snp_bad_sfollow", {0}, 64},
        {"snp_bad_pa", {0}, 64},
        {"snp_bad_ctrl", {0}, 64},
        {"snp_bad_h", {0}, 64},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pair p;
        struct cs in, k, b;

        open_pair(&p, cases[i].prog);
        compared++;
        cr_expect_eq(!p.berr, !p.kerr, "%s: the kernel %s it (%s), bpfrt %s it: %s", cases[i].prog,
                     p.kerr ? "refuses" : "loads", strerror(p.kerr), p.berr ? "refuses" : "loads", p.blog);
        if (p.kerr || p.berr) {
            equal += !p.berr == !p.kerr && p.berr == p.kerr;
            cr_expect_eq(p.berr, p.kerr, "%s: errno %d, the kernel's %d", cases[i].prog, p.berr, p.kerr);
            close_pair(&p);
            continue;
        }
        memset(&in, 0, sizeof(in));
        strs_init(&in);
        memcpy(in.a, cases[i].a, sizeof(in.a));
        in.size = cases[i].size;
        memset(in.out, '#', sizeof(in.out));
        run_pair(&p, &in, &k, &b, NULL, 0);
        int hashed = !strcmp(cases[i].prog, "snp_ptrs");
        int same = b.ret == k.ret && (hashed || !memcmp(b.out, k.out, sizeof(b.out)));
        if (hashed) /* %p's hash: the shape, "%p " of 0 and %px exactly */
            same = same && !strncmp(b.out, k.out, 16 + 1 + 16);
        cr_expect(same, "%s (size %u): bpfrt %lld '%.200s', the kernel %lld '%.200s'", cases[i].prog, in.size,
                  (long long)b.ret, b.out, (long long)k.ret, k.out);
        equal += same;
        close_pair(&p);
    }
    fprintf(stderr, "core_helpers_diff: %u cases compared so far, %u equal\n", compared, equal);
}

/* ------------------------------------------------- strtol/strtoul/strncmp */

struct ncase {
    const char *s;
    uint32_t len; /* 0: strlen + 1 */
    uint64_t flags;
};

Test(core_helpers_diff, strtol_strtoul_strncmp)
{
    static const struct ncase cases[] = {
        {"123", 0, 0},
        {"  -42xyz", 0, 0},
        {"0x1f", 0, 0},
        {"0x1f", 0, 16},
        {"0x", 0, 16},
        {"0xg", 0, 0},
        {"0777", 0, 0},
        {"0777", 0, 10},
        {"089", 0, 0},
        {"z", 0, 0},
        {"", 0, 0},
        {"   ", 3, 0},
        {"-", 1, 0},
        {"12", 0, 7},
        {"12", 0, 0x20},
        {"ff", 0, 16},
        {"FF", 0, 16},
        {"-0", 0, 0},
        {"+5", 0, 0},
        {"123456", 3, 0},
        {"9223372036854775807", 0, 0},
        {"9223372036854775808", 0, 0},
        {"-9223372036854775808", 0, 0},
        {"-9223372036854775809", 0, 0},
        {"18446744073709551615", 0, 0},
        {"18446744073709551616", 0, 0},
        {"0xffffffffffffffff", 0, 0},
        {"00000000000000000000000000000000000000000000000000000000000000000012", 0, 0},
        {"\xa0"
         "7",
         0, 0},
        {"\t\n\v\f\r 9", 0, 0},
        {"-x", 0, 0},
        {"0X1A", 0, 0},
        {"1a", 0, 16},
        {"12", 0, 8},
        {"8", 0, 8},
        {"abc", 2, 0},
    };
    static const char *const progs[] = {"stol", "stoul", "cmp_abc", "cmp_empty", "cmp_high"};
    static const char *const cmps[] = {"abc", "abd", "ab", "abcd", "", "a\xff", "a\x01", "ABC"};

    for (size_t pi = 0; pi < sizeof(progs) / sizeof(progs[0]); pi++) {
        struct pair p;
        struct cs in, k, b;
        int cmp = !strncmp(progs[pi], "cmp", 3);
        size_t n = cmp ? sizeof(cmps) / sizeof(cmps[0]) * 5 : sizeof(cases) / sizeof(cases[0]);

        open_pair(&p, progs[pi]);
        cr_assert_eq(p.kerr, 0, "kernel refused %s", progs[pi]);
        cr_assert_eq(p.berr, 0, "bpfrt refused %s: %s", progs[pi], p.blog);
        for (size_t i = 0; i < n; i++) {
            memset(&in, 0, sizeof(in));
            if (cmp) {
                strcpy(in.strs[0], cmps[i / 5]);
                in.size = (uint32_t)(i % 5) + 1;
            } else {
                memcpy(in.strs[0], cases[i].s, strlen(cases[i].s));
                in.size = cases[i].len ? cases[i].len : (uint32_t)strlen(cases[i].s) + 1;
                in.flags = cases[i].flags;
            }
            run_pair(&p, &in, &k, &b, NULL, 0);
            compared++;
            int same = k.ret == b.ret && k.res == b.res;
            cr_expect(same, "%s('%s', %u, %#llx): bpfrt %lld res %lld, the kernel %lld res %lld", progs[pi], in.strs[0],
                      in.size, (unsigned long long)in.flags, (long long)b.ret, (long long)b.res, (long long)k.ret,
                      (long long)k.res);
            equal += same;
        }
        close_pair(&p);
    }
    fprintf(stderr, "core_helpers_diff: %u cases compared so far, %u equal\n", compared, equal);
}

/* ------------------------------------------------------------- clocks */

Test(core_helpers_diff, clocks_read_the_kernels_clocks)
{
    /* the kernel's run, then bpfrt's right after: jiffies64 within a few
     * ticks (bpfrt derives it from CLOCK_MONOTONIC and the kernel's HZ), the
     * coarse, TAI and boot clocks within 100 ms, TAI minus monotonic (the
     * TAI offset) the same to 100 ms */
    struct pair p;
    struct cs in, k, b;

    open_pair(&p, "clocks");
    cr_assert_eq(p.kerr, 0, "kernel refused clocks");
    cr_assert_eq(p.berr, 0, "bpfrt refused clocks: %s", p.blog);
    memset(&in, 0, sizeof(in));
    run_pair(&p, &in, &k, &b, NULL, 0);
    int64_t dj = (int64_t)(b.a[0] - k.a[0]);
    fprintf(stderr, "core_helpers_diff clocks: jiffies64 bpfrt - kernel = %lld (taken after it)\n", (long long)dj);
    cr_expect(dj >= -2 && dj <= 30, "jiffies64: bpfrt %llu, the kernel %llu", (unsigned long long)b.a[0],
              (unsigned long long)k.a[0]);
    for (int i = 1; i <= 4; i++) {
        int64_t d = (int64_t)(b.a[i] - k.a[i]);
        cr_expect(d >= -20000000 && d <= 100000000, "clock %d: bpfrt %llu, the kernel %llu", i,
                  (unsigned long long)b.a[i], (unsigned long long)k.a[i]);
    }
    int64_t off_k = (int64_t)(k.a[2] - k.a[3]), off_b = (int64_t)(b.a[2] - b.a[3]);
    cr_expect(llabs(off_k - off_b) < 100000000, "TAI offset: bpfrt %lld, the kernel %lld", (long long)off_b,
              (long long)off_k);
    close_pair(&p);
}

/* -------------------------------------------- perf_event_output + packet */

#include "maps/perf_event_array.h"

struct samples {
    uint8_t b[8][128];
    uint32_t n[8];
    unsigned cnt;
};

static void ksample(void *ctx, int cpu, void *data, uint32_t size)
{
    struct samples *s = ctx;
    (void)cpu;
    if (s->cnt < 8) {
        s->n[s->cnt] = size;
        memcpy(s->b[s->cnt], data, size < 128 ? size : 128);
    }
    s->cnt++;
}

static void bsample(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    ksample(ctx, (int)slot, data, size);
}

Test(core_helpers_diff, perf_event_output_packet_bytes)
{
    /* bpf_xdp_event_output / bpf_skb_event_output: the record the kernel's
     * perf buffer gets (libbpf's perf_buffer on PERF_COUNT_SW_BPF_OUTPUT
     * events) and bpfrt's, for BPF_F_CTXLEN_MASK lengths, after
     * bpf_xdp_adjust_head, and the errors */
    static const struct {
        const char *prog;
        uint64_t flags, strip;
    } cases[] = {
        {"perf_xdp", BPF_F_CURRENT_CPU, 0},
        {"perf_xdp", BPF_F_CURRENT_CPU | (20ull << 32), 0},
        {"perf_xdp", BPF_F_CURRENT_CPU | (64ull << 32), 0},
        {"perf_xdp", BPF_F_CURRENT_CPU | (65ull << 32), 0},
        {"perf_xdp", BPF_F_CURRENT_CPU | (9ull << 32), 14},
        {"perf_xdp", BPF_F_CURRENT_CPU | (51ull << 32), 14},
        {"perf_xdp", (1ull << 60) | BPF_F_CURRENT_CPU, 0},
        {"perf_xdp", 4096 | (1ull << 32), 0},
        {"perf_skb", BPF_F_CURRENT_CPU | (3ull << 32), 0},
        {"perf_skb", BPF_F_CURRENT_CPU | (64ull << 32), 0},
        {"perf_skb", BPF_F_CURRENT_CPU | (65ull << 32), 0},
        {"perf_skb", (1ull << 55) | BPF_F_CURRENT_CPU, 0},
    };
    const char *path = test_bpf_build("tests/data/helpers/core_unit.c", OBJDIR, "core_unit", "");
    uint8_t pkt[64];
    unsigned cmp = 0, eq = 0;
    char log[4096], err[256];

    for (int i = 0; i < 64; i++)
        pkt[i] = (uint8_t)(0x30 + i);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bpf_object *ko = bpf_object__open_file(path, NULL);
        struct bpf_program *kp;
        struct bpfrt_object *bo;
        struct samples ks = {0}, bs = {0};
        uint32_t key, one = 1;
        uint64_t v, kret = 0, bret = 0;

        cr_assert_not_null(ko);
        libbpf_set_print(quiet);
        bpf_object__for_each_program(kp, ko)
            bpf_program__set_autoload(kp, !strcmp(bpf_program__name(kp), cases[i].prog));
        int e = bpf_object__load(ko);
        if (e == -EPERM || e == -ENOSYS) {
            bpf_object__close(ko);
            cr_skip_test("kernel bpf() unavailable: %s", strerror(-e));
        }
        cr_assert_eq(e, 0, "kernel refused %s", cases[i].prog);
        int cfg = bpf_map__fd(bpf_object__find_map_by_name(ko, "cfg"));
        struct perf_buffer *pb =
            perf_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(ko, "pea")), 8, ksample, NULL, &ks, NULL);
        if (!pb) {
            bpf_object__close(ko);
            cr_skip_test("perf_buffer__new: %s (perf events unavailable)", strerror(errno));
        }
        key = 0, v = cases[i].flags;
        bpf_map_update_elem(cfg, &key, &v, 0);
        key = 1, v = cases[i].strip;
        bpf_map_update_elem(cfg, &key, &v, 0);
        LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = sizeof(pkt));
        cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(bpf_object__find_program_by_name(ko, cases[i].prog)), &t),
                     0);
        key = 2;
        bpf_map_lookup_elem(cfg, &key, &kret);
        perf_buffer__consume(pb);
        perf_buffer__free(pb);
        bpf_object__close(ko);

        BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_object__open_file(path, &oo, &bo), 0, "%s", log);
        cr_assert_eq(bpfrt_object__load(bo), 0, "%s", log);
        struct bpfrt_map *bcfg = bpfrt_object__find_map_by_name(bo, "cfg"),
                         *bpea = bpfrt_object__find_map_by_name(bo, "pea");
        key = 0;
        cr_assert_eq(bpfrt_map__update_elem(bpea, &key, 4, &one, 4, 0), 0); /* bpfrt's slot 0: the worker's */
        v = cases[i].flags;
        bpfrt_map__update_elem(bcfg, &key, 4, &v, 8, 0);
        key = 1, v = cases[i].strip;
        bpfrt_map__update_elem(bcfg, &key, 4, &v, 8, 0);
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .err_buf = err, .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(bpfrt_object__find_program_by_name(bo, cases[i].prog)), &ro),
                     0, "%s", err);
        key = 2;
        bpfrt_map__lookup_elem(bcfg, &key, 4, &bret, 8, 0);
        map_perf_event_array_read(bpea, 0, bsample, NULL, &bs);
        bpfrt_object__close(bo);

        int same = kret == bret && ks.cnt == bs.cnt &&
                   (!ks.cnt || (ks.n[0] == bs.n[0] && !memcmp(ks.b[0], bs.b[0], ks.n[0] < 128 ? ks.n[0] : 128)));
        cr_expect(same, "%s flags %#llx strip %llu: bpfrt %lld (%u records, %u bytes), the kernel %lld (%u, %u)",
                  cases[i].prog, (unsigned long long)cases[i].flags, (unsigned long long)cases[i].strip,
                  (long long)bret, bs.cnt, bs.n[0], (long long)kret, ks.cnt, ks.n[0]);
        cmp++;
        eq += same;
    }
    fprintf(stderr, "core_helpers_diff perf_event_output: %u cases compared, %u equal\n", cmp, eq);
}
