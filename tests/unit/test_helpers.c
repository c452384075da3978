/* test_helpers.c - helpers beyond the ISA: bpf_trace_printk and the trace
 * buffer, the GPL-only rule, and map helpers in checked mode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#define MAXI 64

/* Build: fmt on the stack at r10-64, r1 = its address, r2 = fmt_size,
 * r3..r5 = args, call trace_printk, exit with its r0. */
static size_t trace_prog(struct bpf_insn *p, const char *fmt, size_t fmt_size, int64_t a1, int64_t a2, int64_t a3)
{
    char buf[64] = {0};
    size_t n = 0;

    memcpy(buf, fmt, strlen(fmt) + 1 < sizeof(buf) ? strlen(fmt) + 1 : sizeof(buf));
    for (int k = 0; k < 8; k++) {
        uint64_t v;
        memcpy(&v, buf + 8 * k, 8);
        struct bpf_insn ld[2] = {INSN_LDIMM64(1, v)};
        p[n++] = ld[0];
        p[n++] = ld[1];
        p[n++] = (struct bpf_insn)INSN_STX(BPF_DW, 10, 1, -64 + 8 * k);
    }
    p[n++] = (struct bpf_insn)INSN_MOV64_REG(1, 10);
    p[n++] = (struct bpf_insn)INSN_ALU64_IMM(BPF_ADD, 1, -64);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(2, (int32_t)fmt_size);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(3, (int32_t)a1);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(4, (int32_t)a2);
    p[n++] = (struct bpf_insn)INSN_MOV64_IMM(5, (int32_t)a3);
    p[n++] = (struct bpf_insn)INSN_CALL(BPF_FUNC_trace_printk);
    p[n++] = (struct bpf_insn)INSN_EXIT();
    return n;
}

static char last[1024];
static void keep(const char *line, void *ctx)
{
    (*(int *)ctx)++;
    snprintf(last, sizeof(last), "%s", line);
}

/* Run fmt with three args in both modes; returns r0, last line in `last`. */
static int64_t run_trace(const char *fmt, size_t fmt_size, int64_t a1, int64_t a2, int64_t a3, int mode)
{
    struct bpf_insn p[MAXI];
    struct bpfrt_prog *prog;
    char log[256], err[256];
    size_t n = trace_prog(p, fmt, fmt_size, a1, a2, a3);
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
    int lines = 0;

    cr_assert_eq(bpfrt_prog__load_insns(p, n, &lo, &prog), 0, "%s", log);
    bpfrt_trace_drain(NULL, NULL);
    last[0] = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .flags = mode ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(prog, &ro), 0, "%s", err);
    bpfrt_trace_drain(keep, &lines);
    cr_assert_leq(lines, 1);
    bpfrt_prog__free(prog);
    return (int64_t)ro.retval;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

Test(helpers, trace_printk_formats)
{
    static const struct {
        const char *fmt;
        int64_t a1, a2, a3;
        const char *want;
    } cases[] = {
        /* the kernel keeps a trailing newline (trace_pipe then shows an empty line) */
        {"x=%d y=%u z=%x\n", -5, 7, 255, "bpf_trace_printk: x=-5 y=7 z=ff\n"},
        {"%ld %lu %llx", -1, -1, -1, "bpf_trace_printk: -1 18446744073709551615 ffffffffffffffff"},
        {"%i%%%c", 42, 'A', 0, "bpf_trace_printk: 42%A"},
        {"[%5d] [%-3u]", 12, 4, 0, "bpf_trace_printk: [   12] [4  ]"},
        {"plain text", 0, 0, 0, "bpf_trace_printk: plain text"},
        {"%u", -1, 0, 0, "bpf_trace_printk: 4294967295"}, /* no l: the low 32 bits */
    };
    for (int mode = 0; mode < 2; mode++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            int64_t r0 = run_trace(cases[i].fmt, strlen(cases[i].fmt) + 1, cases[i].a1, cases[i].a2, cases[i].a3,
                                   mode);
            cr_expect(ends_with(last, cases[i].want), "'%s': got '%s'", cases[i].fmt, last);
            cr_expect_gt(r0, 0, "'%s': r0 %lld", cases[i].fmt, (long long)r0);
            cr_expect(strstr(last, " [000] ") != NULL, "cpu field: %s", last);
        }
}

Test(helpers, trace_printk_refuses_bad_formats)
{
    /* unknown conversion, four arguments, no NUL within fmt_size */
    cr_assert_eq(run_trace("%q", 3, 0, 0, 0, 0), -EINVAL);
    cr_assert_eq(run_trace("%d %d %d %d", 12, 1, 2, 3, 1), -EINVAL);
    cr_assert_eq(run_trace("abcdef", 3, 0, 0, 0, 0), -EINVAL);
    cr_assert_str_eq(last, "");
}

Test(helpers, trace_printk_checked_fmt_outside_memory)
{
    /* fmt_size runs past the stack top: checked mode stops the run */
    struct bpf_insn p[MAXI];
    struct bpfrt_prog *prog;
    char err[256];
    size_t n = trace_prog(p, "hi", 100, 0, 0, 0);

    cr_assert_eq(bpfrt_prog__load_insns(p, n, NULL, &prog), 0);
    BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED, .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(prog, &ro), -EFAULT);
    cr_assert(strstr(err, "helper bpf_trace_printk: fmt: invalid read of 100 bytes") != NULL, "%s", err);
    bpfrt_prog__free(prog);
}

Test(helpers, trace_callback_gets_lines_as_they_come)
{
    int lines = 0;
    bpfrt_trace_set_callback(keep, &lines);
    run_trace("cb %d", 6, 9, 0, 0, 0);
    bpfrt_trace_set_callback(NULL, NULL);
    cr_assert_eq(lines, 1);
    cr_assert(ends_with(last, "bpf_trace_printk: cb 9"), "%s", last);
}

Test(helpers, gpl_only_helpers_need_a_gpl_license)
{
    struct bpf_insn p[MAXI];
    struct bpfrt_prog *prog;
    char log[256];
    size_t n = trace_prog(p, "x", 2, 0, 0, 0);
    static const char *const gpl[] = {"GPL", "GPL v2", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
                                      "GPL and additional rights"};
    static const char *const other[] = {"", "Proprietary", "BSD", "gpl", "MIT"};

    for (size_t i = 0; i < sizeof(gpl) / sizeof(gpl[0]); i++) {
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .license = gpl[i], .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_prog__load_insns(p, n, &lo, &prog), 0, "%s: %s", gpl[i], log);
        bpfrt_prog__free(prog);
    }
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .license = other[i], .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_prog__load_insns(p, n, &lo, &prog), -EINVAL, "%s", other[i]);
        cr_assert(strstr(log, "cannot call GPL-restricted function bpf_trace_printk#6 from non-GPL compatible "
                              "program") != NULL,
                  "%s", log);
        cr_assert(strncmp(log, "insn ", 5) == 0, "%s", log);
    }
    /* helpers that are not GPL-only load under any license */
    struct bpf_insn k[] = {INSN_CALL(BPF_FUNC_ktime_get_ns), INSN_EXIT()};
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .license = "Proprietary");
    cr_assert_eq(bpfrt_prog__load_insns(k, 2, &lo, &prog), 0);
    bpfrt_prog__free(prog);
}

Test(helpers, map_helpers_checked_mode)
{
    struct bpfrt_map *m;
    struct bpfrt_prog *prog;
    char err[256];
    uint32_t key = 3;
    uint64_t val = 40;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "h", 4, 8, 8, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &key, 4, &val, 8, BPF_ANY), 0);
    uint32_t id = bpfrt_map__id(m);
    /* v = lookup(m, &key 3); if v: *v += 2; return *v */
    struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, 10, -4, 3),
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, id, 0),
        INSN_MOV64_REG(2, 10),
        INSN_ALU64_IMM(BPF_ADD, 2, -4),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JEQ, 0, 0, 3),
        INSN_LDX(BPF_DW, 1, 0, 0),
        INSN_ALU64_IMM(BPF_ADD, 1, 2),
        INSN_STX(BPF_DW, 0, 1, 0),
        INSN_EXIT(),
    };
    cr_assert_eq(bpfrt_prog__load_insns(p, sizeof(p) / sizeof(p[0]), NULL, &prog), 0);
    for (int mode = 0; mode < 2; mode++) {
        BPFRT_OPTS(bpfrt_run_opts, ro, .flags = mode ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, .err_buf = err, .err_size = 256);
        cr_assert_eq(bpfrt_prog__run(prog, &ro), 0, "%s", err);
    }
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &val, 8, 0), 0);
    cr_assert_eq(val, 44);
    bpfrt_prog__free(prog);

    /* a key pointer outside every region, and a forged map pointer */
    struct bpf_insn bad_key[] = {
        INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, id, 0),
        INSN_MOV64_IMM(2, 64),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_EXIT(),
    };
    cr_assert_eq(bpfrt_prog__load_insns(bad_key, 5, NULL, &prog), 0);
    BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED, .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(prog, &ro), -EFAULT);
    cr_assert(strstr(err, "insn 3: helper bpf_map_lookup_elem: key: invalid read of 4 bytes at 0x40") != NULL,
              "%s", err);
    bpfrt_prog__free(prog);
    struct bpf_insn forged[] = {
        INSN_MOV64_REG(1, 10),
        INSN_MOV64_REG(2, 10),
        INSN_ALU64_IMM(BPF_ADD, 2, -8),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_EXIT(),
    };
    cr_assert_eq(bpfrt_prog__load_insns(forged, 5, NULL, &prog), 0);
    cr_assert_eq(bpfrt_prog__run(prog, &ro), -EFAULT);
    cr_assert(strstr(err, "insn 3: helper bpf_map_lookup_elem: r1 = 0x") && strstr(err, "is not a map"), "%s", err);
    bpfrt_prog__free(prog);
    bpfrt_map__free(m);
}

/* Helpers about kernel stacks and cgroups fail the run that reaches them
 * with why; helpers that are only not written yet say just that. */
Test(helpers, meaningless_helpers_fail_the_run_with_reason)
{
    /* the programs load (a verifier would judge the calls as the kernel
     * does); a run that reaches the call stops and says why */
    struct bpf_insn st[] = {INSN_CALL(BPF_FUNC_get_stackid), INSN_EXIT()};
    struct bpf_insn cg[] = {INSN_CALL(BPF_FUNC_skb_under_cgroup), INSN_EXIT()};
    struct bpf_insn todo[] = {INSN_CALL(BPF_FUNC_lwt_push_encap), INSN_EXIT()};
    struct {
        struct bpf_insn *p;
        const char *want;
    } cases[] = {
        {st, "insn 0: helper bpf_get_stackid#27 has no implementation in bpfrt: kernel and user stack traces of the "
             "running task have no meaning here"},
        {cg, "helper bpf_skb_under_cgroup#33 has no implementation in bpfrt: there are no cgroups here"},
        {todo, "helper bpf_lwt_push_encap#73 has no implementation in bpfrt yet"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bpfrt_prog *prog = NULL;
        char err[256] = "";
        uint8_t data[4] = {0};
        BPFRT_OPTS(bpfrt_prog_load_opts, lo);
        cr_assert_eq(bpfrt_prog__load_insns(cases[i].p, 2, &lo, &prog), 0);
        BPFRT_OPTS(bpfrt_run_opts, r, .data = data, .data_size = sizeof(data), .err_buf = err, .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(prog, &r), -EOPNOTSUPP);
        cr_assert(strstr(err, cases[i].want), "%s", err);
        bpfrt_prog__free(prog);
    }
}
