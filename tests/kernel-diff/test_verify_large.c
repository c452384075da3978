/* test_verify_large.c - the benchmark's large program (bench/progs/
 * verify_big.c: an XDP parser with a TCP option loop, flow state in a hash
 * map, atomics) verified by the running kernel and by bpfrt.  Both must
 * accept it, and bpfrt must walk about as many instructions as the kernel.
 *
 * It keeps a pruning bug from coming back: a path pruned as soon as it
 * was popped, at the target of a jump placed right after an exit, walked
 * its precision back as if the exit had led there, gave up and made every
 * scalar precise; the program then reached the 1,000,000-instruction
 * limit where the kernel needs 99,036. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "../unit/bpf_build.h"

#define SRC "bench/progs/verify_big.c"
#define PROG "xdp_verify_big"

static long kernel_processed(const char *obj, char *why, size_t whysz)
{
    static char log[1 << 20];
    struct bpf_object *o = bpf_object__open_file(obj, NULL);
    struct bpf_program *p;
    const char *s;
    int err;

    if (!o) {
        snprintf(why, whysz, "libbpf cannot open %s", obj);
        return -1;
    }
    p = bpf_object__find_program_by_name(o, PROG);
    cr_assert(p, "no program %s", PROG);
    log[0] = 0;
    bpf_program__set_log_buf(p, log, sizeof(log));
    bpf_program__set_log_level(p, 4);
    err = bpf_object__load(o);
    bpf_object__close(o);
    if (err) {
        snprintf(why, whysz, "the kernel's load failed (%d): %.200s", err, log);
        return err == -EPERM ? -2 : -1;
    }
    s = strstr(log, "processed ");
    cr_assert(s, "no statistics in the kernel's log");
    return strtol(s + 10, NULL, 10);
}

Test(verify_large, bench_program_as_the_kernel, .timeout = 300)
{
    const char *obj = test_bpf_build(SRC, "build/cache/verify_large", "verify_big", "-mcpu=v4");
    char why[300] = "";
    long k = kernel_processed(obj, why, sizeof(why));
    struct bpfrt_object *bo;
    struct bpfrt_program *bp;
    struct bpfrt_verify_stats st = {0};
    struct bpfrt_diag d = {.sz = sizeof(d), .insn = -1};
    static char blog[4096];
    BPFRT_OPTS(bpfrt_verify_opts, vo, .log_buf = blog, .log_size = sizeof(blog), .stats = &st, .diag = &d);

    if (k == -2)
        cr_skip("the kernel's bpf() is not available here: %s", why);
    cr_assert_geq(k, 0, "%s", why);
    cr_assert_eq(bpfrt_object__open_file(obj, NULL, &bo), 0, "bpfrt cannot open %s", obj);
    bp = bpfrt_object__find_program_by_name(bo, PROG);
    cr_assert(bp, "bpfrt finds no program %s", PROG);
    bpfrt_program__verify(bp, &vo);
    cr_log_info("verify_large: the kernel processed %ld insns, bpfrt %llu", k,
                (unsigned long long)st.processed_insns);
    printf("verify_large: %s: the kernel processed %ld instructions, bpfrt %llu (%.2fx)\n", PROG, k,
           (unsigned long long)st.processed_insns, (double)st.processed_insns / (double)k);
    cr_expect_eq(vo.verdict, BPFRT_VERDICT_ACCEPTED, "bpfrt rejects what the kernel accepts: insn %ld: %s", d.insn,
                 d.message);
    cr_expect_leq((double)st.processed_insns, 1.1 * (double)k, "bpfrt walked %llu instructions, the kernel %ld",
                  (unsigned long long)st.processed_insns, k);
    bpfrt_object__close(bo);
}
