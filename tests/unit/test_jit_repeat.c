/* test_jit_repeat.c - repeated test runs in the JIT's own loop
 * (eng_ops.run_many, jit_x86_64_emit.c emit_many) against the
 * interpreter's runs one by one: each repetition is a run of its own (the
 * kernel's bpf_test_run() loop over repeat in net/bpf/test_run.c runs the
 * program repeat times and reports the last run's retval), so the number
 * of runs, the last run's results and what a run leaves behind (a
 * redirect) must be the same in both engines.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#define LD_MAP(R, M) INSN_LDIMM64_RAW(R, BPF_PSEUDO_MAP_FD, bpfrt_map__id(M), 0)

/* value[0] += 1 (the runs made); the 1st, 3rd, ... run (the count before
 * the add even) returns bpf_redirect(7, 0) (XDP_REDIRECT), the others
 * XDP_PASS with no redirect. */
static struct bpfrt_prog *load_counter(struct bpfrt_map *m, const char *engine)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, 10, -4, 0),
        LD_MAP(1, m),
        INSN_MOV64_REG(2, 10),
        INSN_ALU64_IMM(BPF_ADD, 2, -4),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JNE, 0, 0, 2),
        INSN_MOV64_IMM(0, XDP_ABORTED),
        INSN_EXIT(),
        INSN_MOV64_IMM(1, 1),
        INSN_ATOMIC(BPF_DW, BPF_ADD | BPF_FETCH, 0, 1, 0),
        INSN_ALU64_IMM(BPF_AND, 1, 1),
        INSN_JMP_IMM(BPF_JEQ, 1, 0, 2),
        INSN_MOV64_IMM(0, XDP_PASS),
        INSN_EXIT(),
        INSN_MOV64_IMM(1, 7),
        INSN_MOV64_IMM(2, 0),
        INSN_CALL(BPF_FUNC_redirect),
        INSN_EXIT(),
    };
    char log[4096] = "";
    struct bpfrt_prog *prog = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_XDP, .engine = engine, .log_buf = log,
               .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__load_insns(p, sizeof(p) / sizeof(p[0]), &o, &prog), 0, "%s", log);
    return prog;
}

Test(jit_repeat, runs_counted_and_last_run_reported)
{
    static const uint32_t reps[] = {1, 2, 3, 7, 1000, 1001};
    static const char *const engines[] = {"interp", "jit"};

    for (int e = 0; e < 2; e++)
        for (size_t k = 0; k < sizeof(reps) / sizeof(reps[0]); k++) {
            struct bpfrt_map *m = NULL;
            struct bpfrt_prog *prog;
            uint8_t pkt[64] = {0};
            char err[256] = "";
            uint32_t key = 0;
            uint64_t runs = 0;
            BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .repeat = reps[k], .err_buf = err,
                       .err_size = sizeof(err), .redirect_flags = 0);

            cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "cnt", 4, 8, 1, NULL, &m), 0);
            prog = load_counter(m, engines[e]);
            cr_assert_eq(bpfrt_prog__run(prog, &r), 0, "%s: %s", engines[e], err);
            cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &runs, 8, 0), 0);
            cr_assert_eq(runs, reps[k], "%s repeat %u: %llu runs", engines[e], reps[k], (unsigned long long)runs);
            /* the last run's verdict and redirect only */
            if (reps[k] % 2 == 1) {
                cr_assert_eq(r.retval, XDP_REDIRECT, "%s repeat %u", engines[e], reps[k]);
                cr_assert_eq(r.redirect_ifindex, 7);
            } else {
                cr_assert_eq(r.retval, XDP_PASS, "%s repeat %u", engines[e], reps[k]);
                cr_assert_eq(r.redirect_ifindex, 0, "%s repeat %u: a redirect of an earlier run", engines[e],
                             reps[k]);
            }
            bpfrt_prog__free(prog);
            bpfrt_map__free(m);
        }
}

/* A run that fails stops the repetitions with its error, in both engines
 * the same (budget of a bounded loop; bpfrt's own budget option). */
Test(jit_repeat, failing_run_stops_the_loop)
{
    /* r0 = 0; loop 100 times; a budget of 50 per run stops it */
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(0, 0),
        INSN_MOV64_IMM(1, 100),
        INSN_ALU64_IMM(BPF_ADD, 0, 1),
        INSN_ALU64_IMM(BPF_SUB, 1, 1),
        INSN_JMP_IMM(BPF_JNE, 1, 0, -3),
        INSN_EXIT(),
    };
    static const char *const engines[] = {"interp", "jit"};
    char msgs[2][256];

    for (int e = 0; e < 2; e++) {
        struct bpfrt_prog *prog = NULL;
        uint8_t pkt[64] = {0};
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_XDP, .engine = engines[e]);
        BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .repeat = 5, .budget = 50,
                   .err_buf = msgs[e], .err_size = sizeof(msgs[e]));

        cr_assert_eq(bpfrt_prog__load_insns(p, sizeof(p) / sizeof(p[0]), &o, &prog), 0);
        cr_assert_eq(bpfrt_prog__run(prog, &r), -ELOOP, "%s: %s", engines[e], msgs[e]);
        r.budget = 0; /* the default budget: every run completes */
        r.err_buf = NULL;
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0);
        cr_assert_eq(r.retval, 100);
        bpfrt_prog__free(prog);
    }
    cr_assert_str_eq(msgs[0], msgs[1]);
    cr_assert(strstr(msgs[0], "instruction budget exceeded"), "%s", msgs[0]);
}

/* LD_ABS out of the packet ends the run with r0 = 0 (the kernel's
 * bpf_skb_load_helper failing in the interpreter's LD_ABS: "return 0"),
 * from the JIT's repeat loop as from a single run; the next repetition
 * runs as usual (found by fuzz_jit: the end of a run went to the single
 * run's exit and took the loop's count for r0's address). */
Test(jit_repeat, ld_abs_out_of_packet_ends_each_run)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_REG(6, 1),
        INSN_LD_ABS(BPF_W, 100),
        INSN_MOV64_IMM(0, 5),
        INSN_EXIT(),
    };
    static const char *const engines[] = {"interp", "jit"};

    for (int e = 0; e < 2; e++)
        for (uint32_t rep = 1; rep <= 3; rep++) {
            struct bpfrt_prog *prog = NULL;
            uint8_t pkt[60] = {0};
            char err[256] = "";
            BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SOCKET_FILTER, .engine = engines[e]);
            BPFRT_OPTS(bpfrt_run_opts, r, .data = pkt, .data_size = sizeof(pkt), .repeat = rep, .err_buf = err,
                       .err_size = sizeof(err));

            cr_assert_eq(bpfrt_prog__load_insns(p, sizeof(p) / sizeof(p[0]), &o, &prog), 0);
            cr_assert_eq(bpfrt_prog__run(prog, &r), 0, "%s: %s", engines[e], err);
            cr_assert_eq(r.retval, 0, "%s repeat %u: %llu", engines[e], rep, (unsigned long long)r.retval);
            bpfrt_prog__free(prog);
        }
}
