/* test_vf_sound.c - the verifier's soundness (suite vf_sound): a program
 * the verifier accepts must run in checked mode without a memory-safety
 * violation, as the kernel's verifier guarantees for the programs it
 * accepts (Documentation/bpf/verifier.rst: "the verifier ... checks that
 * the program ... does not access invalid memory").
 *
 * Findings of tests/fuzz/fuzz_verifier.c are kept here, minimized, in the
 * fuzz target's setting (the same maps, BTF func info, packets and stack
 * poison), each asserting: the verifier rejects the program, or every
 * checked run of it is free of violations.  A finding the verifier still
 * accepts is marked .disabled = true until it is fixed.
 *
 * The first tests pin the harness's own footing: what fuzz_verifier calls a
 * violation (a run error raised while the program runs, "insn N: ...",
 * -EFAULT or -EINVAL) is what checked mode reports for an unsafe access,
 * and accepted programs of the patterns the fuzzer starts from run clean. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bpfrt/bpfrt.h"

/* The fuzz target's maps: 0 array 4 x 48, 1 hash (8-byte keys, 16-byte
 * values), 2 a frozen BPF_F_RDONLY_PROG array of one 32-byte value, 3 a
 * ring buffer, 4 an array of one 20-byte value.  Programs name them
 * map[fd:N], N the index. */
enum { M_ARRAY, M_HASH, M_RODATA, M_RINGBUF, M_SMALL, NMAPS };

static void make_maps(struct bpfrt_map **m)
{
    BPFRT_OPTS(bpfrt_map_create_opts, plain);
    BPFRT_OPTS(bpfrt_map_create_opts, ro, .map_flags = BPF_F_RDONLY_PROG);
    uint8_t val[32];
    uint32_t zero = 0;
    uint64_t k = 1;
    uint8_t hv[16] = {1, 2, 3, 4};

    memset(val, 7, sizeof(val));
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "array", 4, 48, 4, &plain, &m[M_ARRAY]), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "hash", 8, 16, 8, &plain, &m[M_HASH]), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "rodata", 4, 32, 1, &ro, &m[M_RODATA]), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_RINGBUF, "ringbuf", 0, 0, 4096, &plain, &m[M_RINGBUF]), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "small", 4, 20, 1, &plain, &m[M_SMALL]), 0);
    cr_assert_eq(bpfrt_map__update_elem(m[M_RODATA], &zero, 4, val, sizeof(val), BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__freeze(m[M_RODATA]), 0);
    cr_assert_eq(bpfrt_map__update_elem(m[M_HASH], &k, 8, hv, sizeof(hv), BPF_ANY), 0);
}

/* int, int f(void), f static: func info for every subprogram, as clang
 * emits it (a callback's address needs it, as in the kernel). */
static const struct {
    struct btf_header hdr;
    uint32_t types[10];
    char strs[8];
} btf_blob = {
    .hdr = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header), .type_off = 0,
            .type_len = 40, .str_off = 40, .str_len = 7},
    .types = {1, BTF_KIND_INT << 24, 4, (BTF_INT_SIGNED << 24) | 32, 0, BTF_KIND_FUNC_PROTO << 24, 1, 5,
              BTF_KIND_FUNC << 24, 2},
    .strs = "\0int\0f",
};

static uint32_t func_infos(const struct bpf_insn *insns, size_t n, struct bpf_func_info *fi, size_t room)
{
    uint32_t cnt = 0;

    for (size_t i = 0; i < n && cnt < room; i++) {
        int start = i == 0;
        for (size_t j = 0; j < n && !start; j++) {
            int pseudo = (insns[j].code == (BPF_JMP | BPF_CALL) && insns[j].src_reg == BPF_PSEUDO_CALL) ||
                         (insns[j].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[j].src_reg == BPF_PSEUDO_FUNC);
            if (pseudo && (int64_t)j + 1 + insns[j].imm == (int64_t)i)
                start = 1;
        }
        if (start)
            fi[cnt++] = (struct bpf_func_info){.insn_off = (uint32_t)i, .type_id = 3};
    }
    return cnt;
}

/* The stack of all 8 frames filled with a pattern before each run (the
 * run context, and its stack, is kept per thread between runs): a slot the
 * verifier wrongly takes for initialised then holds a wild value. */
static void poison_stack(uint64_t pattern)
{
    static const char src[] = "r1 = *(u64 *)(r1 + 0)\n r2 = 6\n r3 = r10\n r3 += -512\n"
                              "top: *(u64 *)(r3 + 0) = r1\n r3 += 8\n if r3 < r10 goto top\n call fill\n r0 = 0\n exit\n"
                              "fill: r3 = r10\n r3 += -512\n"
                              "more: *(u64 *)(r3 + 0) = r1\n r3 += 8\n if r3 < r10 goto more\n"
                              " if r2 == 0 goto done\n r2 += -1\n call fill\n"
                              "done: exit\n";
    struct bpf_insn *insns;
    struct bpfrt_prog *prog;
    size_t cnt;
    char err[256];
    BPFRT_OPTS(bpfrt_prog_load_opts, lo);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = &pattern, .data_size = sizeof(pattern), .flags = BPFRT_RUN_CHECKED,
               .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_asm(src, &insns, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(bpfrt_prog__load_insns(insns, cnt, &lo, &prog), 0);
    cr_assert_eq(bpfrt_prog__run(prog, &ro), 0, "%s", err);
    bpfrt_prog__free(prog);
    free(insns);
}

/* What fuzz_verifier calls a violation: an error raised while the program
 * runs ("insn N: ...", not a refusal of the input) that is -EFAULT (an
 * access outside the run's regions, a helper argument that is not the
 * memory or the pointer it must be) or -EINVAL (a map of the wrong kind
 * handed to a helper, a ring buffer record left held). */
static int is_violation(int err, const char *msg)
{
    return !strncmp(msg, "insn ", 5) && (err == -EFAULT || err == -EINVAL);
}

/* Verify text (assembly, maps as map[fd:N]) as type; when accepted, run it
 * checked on packets of 0, 14, 60 and 1500 bytes (an IPv4/TCP packet, its
 * tail repeated) after poisoning the stack with each of two patterns.
 * Returns 1 when the verifier accepted it; fails the test on a
 * violation, naming the run. */
static int verify_and_run(enum bpf_prog_type type, int unpriv, const char *text)
{
    static const size_t sizes[] = {0, 14, 60, 1500};
    static const uint8_t head[34] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8, 0, 0x45, 0, 0, 46,
                                     0,    1,    0,    0,    64,   6,    0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    static uint8_t pkt[1500];
    struct bpfrt_map *m[NMAPS];
    struct bpf_insn *insns;
    struct bpf_func_info fi[16];
    struct bpfrt_prog *prog;
    struct bpfrt_diag diag = {.sz = sizeof(diag)};
    size_t cnt;
    uint32_t nfi;
    char err[512];
    int rc;

    cr_assert_eq(bpfrt_asm(text, &insns, &cnt, err, sizeof(err)), 0, "%s", err);
    make_maps(m);
    for (size_t i = 0; i + 1 < cnt; i++)
        if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
            if (insns[i].src_reg == BPF_PSEUDO_MAP_FD || insns[i].src_reg == BPF_PSEUDO_MAP_VALUE)
                insns[i].imm = (int32_t)bpfrt_map__id(m[insns[i].imm]);
            i++;
        }
    nfi = func_infos(insns, cnt, fi, 16);
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = type, .unpriv = unpriv, .diag = &diag, .btf = &btf_blob,
               .btf_size = sizeof(btf_blob), .func_info = fi, .func_info_rec_size = sizeof(fi[0]),
               .func_info_cnt = nfi);
    rc = bpfrt_prog__load_insns(insns, cnt, &lo, &prog);
    if (rc == 0) {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int p = 0; p < 2; p++) {
                BPFRT_OPTS(bpfrt_run_opts, ro, .data = sizes[s] ? pkt : NULL, .data_size = sizes[s],
                           .flags = BPFRT_RUN_CHECKED, .budget = 200000, .err_buf = err, .err_size = sizeof(err));
                int e;

                for (size_t i = 0; i < sizes[s]; i++)
                    pkt[i] = i < sizeof(head) ? head[i] : (uint8_t)i;
                poison_stack(p ? 0xdedededededededeull : 0x2121212121212121ull);
                err[0] = 0;
                e = bpfrt_prog__run(prog, &ro);
                cr_expect(!is_violation(e, err),
                          "accepted program violates memory safety on a %zu-byte packet (poison %d): %d %s", sizes[s],
                          p, e, err);
            }
        bpfrt_prog__free(prog);
    }
    for (int i = NMAPS - 1; i >= 0; i--)
        bpfrt_map__free(m[i]);
    free(insns);
    return rc == 0;
}

TestSuite(vf_sound, .timeout = 60);

/* The footing: checked mode reports an access past the packet as -EFAULT
 * raised at the instruction ("insn N: invalid read ..."), which is what
 * fuzz_verifier and is_violation() take for a violation.  A raw program
 * (no program type: never verified, always checked) does it here. */
Test(vf_sound, checked_mode_reports_a_violation_at_the_insn)
{
    static const char text[] = "r0 = *(u8 *)(r1 + 64)\n exit\n";
    struct bpf_insn *insns;
    struct bpfrt_prog *prog;
    uint8_t data[60] = {0};
    size_t cnt;
    char err[512] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, lo);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = data, .data_size = sizeof(data), .flags = BPFRT_RUN_CHECKED,
               .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_asm(text, &insns, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(bpfrt_prog__load_insns(insns, cnt, &lo, &prog), 0);
    cr_assert_eq(bpfrt_prog__run(prog, &ro), -EFAULT);
    cr_assert(is_violation(-EFAULT, err), "%s", err);
    cr_assert(strstr(err, "insn 0:") != NULL, "%s", err);
    bpfrt_prog__free(prog);
    free(insns);
}

/* The test run's refusal of an input (an XDP packet shorter than an
 * Ethernet header, as the kernel's bpf_prog_test_run_xdp refuses it) is no
 * violation: it comes before the program runs and names no instruction. */
Test(vf_sound, input_refusal_is_not_a_violation)
{
    cr_assert_eq(verify_and_run(BPF_PROG_TYPE_XDP, 0, "r0 = 2\n exit\n"), 1);
    {
        static const char text[] = "r0 = 2\n exit\n";
        struct bpf_insn *insns;
        struct bpfrt_prog *prog;
        size_t cnt;
        char err[512] = "";
        int e;
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = BPF_PROG_TYPE_XDP);
        BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED, .err_buf = err, .err_size = sizeof(err));

        cr_assert_eq(bpfrt_asm(text, &insns, &cnt, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(bpfrt_prog__load_insns(insns, cnt, &lo, &prog), 0);
        e = bpfrt_prog__run(prog, &ro);
        cr_assert_eq(e, -EINVAL, "%d %s", e, err);
        cr_assert(!is_violation(e, err), "%s", err);
        bpfrt_prog__free(prog);
        free(insns);
    }
}

/* Patterns the fuzzer starts from (tests/fuzz/seeds/fuzz_verifier/), each
 * accepted by the kernel's rules and run clean: a packet offset bounded
 * by a constant of the frozen read-only map (the kernel reads .rodata
 * values as constants); a stack write at a bounded variable offset
 * (check_stack_write_var_off); a map value at a variable offset below the
 * value size; the packet pointers re-read after bpf_xdp_adjust_head (the
 * helper invalidates them: clear_all_pkt_pointers); a bpf_loop callback
 * writing the caller's stack through its context argument. */
Test(vf_sound, accepted_patterns_run_clean)
{
    cr_expect(verify_and_run(BPF_PROG_TYPE_XDP, 0,
                             "r6 = r1\n r1 = map[fd:2][0]+0\n r7 = *(u8 *)(r1 + 3)\n r7 &= 15\n"
                             "r2 = *(u32 *)(r6 + 0)\n r3 = *(u32 *)(r6 + 4)\n r2 += r7\n r4 = r2\n r4 += 4\n"
                             "r0 = 2\n if r4 > r3 goto out\n r0 = *(u32 *)(r2 + 0)\n r0 &= 1\nout: exit\n"),
              "rodata offset");
    cr_expect(verify_and_run(BPF_PROG_TYPE_XDP, 0,
                             "r2 = *(u32 *)(r1 + 0)\n r3 = *(u32 *)(r1 + 4)\n r4 = r2\n r4 += 1\n r0 = 2\n"
                             "if r4 > r3 goto out\n r5 = *(u8 *)(r2 + 0)\n r5 &= 0x38\n r6 = 0\n"
                             "*(u64 *)(r10 - 64) = r6\n *(u64 *)(r10 - 56) = r6\n *(u64 *)(r10 - 48) = r6\n"
                             "*(u64 *)(r10 - 40) = r6\n *(u64 *)(r10 - 32) = r6\n *(u64 *)(r10 - 24) = r6\n"
                             "*(u64 *)(r10 - 16) = r6\n *(u64 *)(r10 - 8) = r6\n r7 = r10\n r7 += -64\n r7 += r5\n"
                             "r6 = 9\n *(u64 *)(r7 + 0) = r6\n r0 = *(u64 *)(r10 - 64)\n r0 &= 1\nout: exit\n"),
              "variable stack offset");
    cr_expect(verify_and_run(BPF_PROG_TYPE_XDP, 0,
                             "r6 = r1\n *(u32 *)(r10 - 4) = 1\n r1 = map[fd:0]\n r2 = r10\n r2 += -4\n"
                             "call bpf_map_lookup_elem\n if r0 == 0 goto out\n r2 = *(u32 *)(r6 + 0)\n"
                             "r3 = *(u32 *)(r6 + 4)\n r4 = r2\n r4 += 1\n if r4 > r3 goto out\n"
                             "r5 = *(u8 *)(r2 + 0)\n if r5 > 40 goto out\n r0 += r5\n r1 = *(u8 *)(r0 + 7)\n"
                             "*(u8 *)(r0 + 0) = r1\nout: r0 = 2\n exit\n"),
              "map value at a variable offset");
    cr_expect(verify_and_run(BPF_PROG_TYPE_XDP, 0,
                             "r6 = r1\n r2 = -4\n call bpf_xdp_adjust_head\n if r0 != 0 goto out\n"
                             "r2 = *(u32 *)(r6 + 0)\n r3 = *(u32 *)(r6 + 4)\n r4 = r2\n r4 += 18\n"
                             "if r4 > r3 goto out\n r5 = *(u32 *)(r2 + 4)\n *(u32 *)(r2 + 0) = r5\nout: r0 = 2\n exit\n"),
              "xdp_adjust_head");
    cr_expect(verify_and_run(BPF_PROG_TYPE_XDP, 0,
                             "r1 = 0\n *(u64 *)(r10 - 8) = r1\n r1 = 10\n r2 = subprog[cb]\n r3 = r10\n r3 += -8\n"
                             "r4 = 0\n call bpf_loop\n r0 = *(u64 *)(r10 - 8)\n r0 &= 3\n exit\n"
                             "cb: r3 = *(u64 *)(r2 + 0)\n r3 += r1\n *(u64 *)(r2 + 0) = r3\n r0 = 0\n exit\n"),
              "bpf_loop callback");
}

/* Peak resident memory of this process so far, in KiB (Criterion runs each
 * test in a process of its own). */
static long peak_rss_kib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The memory bound of the two tests below: 256 MB, the 10 GB of the bugs
 * they pin far above it and a fixed verifier far below (under 25 MB).
 * Under AddressSanitizer (BPFRT_SANITIZED, set by make test-san) freed
 * memory stays in ASan's quarantine (256 MB by default) and its shadow
 * adds an eighth, so the peak there is bounded by 768 MB instead. */
static long rss_bound_kib(void)
{
    return (getenv("BPFRT_SANITIZED") ? 768 : 256) * 1024L;
}

/* fuzz_verifier finding 1 (out of memory inside the verifier; libFuzzer's
 * -minimize_crash took it from 16 instructions to these 12): a loop whose
 * back edge (insn 9 to insn 3) the verifier pushes as the other branch at
 * every iteration, the packet offset growing by 8962 each time, until the
 * kernel's limit of pending branches (BPF_COMPLEXITY_LIMIT_JMP_SEQ, 8192).
 * The running kernel (6.18) rejects it with "The sequence of 8193 jumps is
 * too complex." in 0.3 s (peak_states 605).  bpfrt gives the same verdict
 * but takes 4.3 GB and 9 s without sanitizers (the fuzzer's 2 GB limit
 * stopped it under ASan): every pushed state carries a copy of the whole
 * jump history of its path, and the path of the back edge never reaches a
 * checkpoint (the loop head's checkpoints are kept sparse while the loop
 * is walked; the checkpoints at the fall-through reset only the walking
 * path's history), so the history grows by an entry per iteration and each
 * push copies it: memory quadratic in the iterations.  The kernel keeps
 * one instruction history for the whole walk (env->insn_hist; a state
 * holds a range of it) and copies none.  Asserted: rejected, in less than
 * 256 MB. */
Test(vf_sound, fuzz1_loop_push_history_is_not_quadratic)
{
    static const char text[] = "r2 = *(u32 *)(r1 + 0)\n r3 = *(u32 *)(r1 + 4)\n"
                               "r4 = r2\n"                   /* 2 */
                               "r4 += 8962\n"                /* 3: the loop's head */
                               "r0 = 2\n"
                               "if r4 > r3 goto +3\n"        /* 5: to exit */
                               "r5 = *(u8 *)(r2 + 0)\n"
                               "r6 = r5\n r7 = r6\n"         /* 7 */
                               "if r7 > r3 goto -7\n"        /* 9: back to 3 */
                               "if w5 > 1345925122 goto -4\n" /* never taken */
                               "exit\n";
    long before = peak_rss_kib();

    cr_assert_eq(verify_and_run(BPF_PROG_TYPE_XDP, 0, text), 0, "the kernel rejects it (too many pending jumps)");
    cr_expect_lt(peak_rss_kib() - before, rss_bound_kib(), "verifying 12 instructions took %ld MiB",
                 (peak_rss_kib() - before) / 1024);
}

/* fuzz_verifier finding 2 (out of memory inside the verifier, same root
 * cause as finding 1; minimized from 19 instructions to these 11): the
 * back edge (insn 5 to insn 3) is the taken side of a comparison of the
 * context pointer with a constant, which the verifier cannot decide, so
 * it pushes it at every iteration with the whole history of the loop's
 * path (3001 copies of {idx 3, prev 5} at the 3001st push); here only the
 * 1,000,000-instruction limit ends the walk.  The running kernel (6.18)
 * rejects it with "BPF program is too large. Processed 1000001 insn" in
 * 1.1 s; bpfrt had passed 10 GB and 30 s (without sanitizers) when it was
 * stopped.  Asserted: rejected, in less than 256 MB. */
Test(vf_sound, fuzz2_ctx_compare_back_edge_history_is_not_quadratic)
{
    static const char text[] = "r6 = r1\n"
                               "r0 = 576460760893358080 ll\n"
                               "r0 += 951\n"                 /* 3: the loop's head */
                               "r0 += 131\n"
                               "if r1 == 616038144 goto -3\n" /* 5: ctx == constant: back to 3 */
                               "if w0 s<= w0 goto +4\n"
                               "w0 *= w0\n w0 <<= 0\n r0 += 18153472\n"
                               "w4 *= w7\n" /* r4, r7 never written: refused when reached */
                               "exit\n";
    long before = peak_rss_kib();

    cr_assert_eq(verify_and_run(BPF_PROG_TYPE_XDP, 0, text), 0, "the kernel rejects it (program too large)");
    cr_expect_lt(peak_rss_kib() - before, rss_bound_kib(), "verifying 11 instructions took %ld MiB",
                 (peak_rss_kib() - before) / 1024);
}
