/* test_vf_cfg.c - the verifier's control-flow checks (src/verifier/cfg.c):
 * subprogram layout, the kernel's messages for bad jumps, unreachable
 * code, loops, func/line info, and the combined stack depth of call
 * chains.  Each test names the kernel behaviour it matches; the messages
 * were checked against the running 6.18 kernel (BPF_PROG_LOAD, log level
 * 1 and 2) where a privileged load can reach them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "common/diag.h"
#include "insns.h"
#include "verifier/env.h"

struct fx {
    struct vf_env env;
    struct cm_diag diag;
    char log[16384];
};

static struct fx *mk(const struct bpf_insn *insns, uint32_t cnt, int priv, uint32_t level)
{
    struct fx *f = calloc(1, sizeof(*f));

    cr_assert(f);
    f->env.insns = insns;
    f->env.cnt = cnt;
    f->env.priv = priv;
    f->env.aux = calloc(cnt, sizeof(*f->env.aux));
    cr_assert(f->env.aux);
    f->env.log_level = level;
    f->env.log = f->log;
    f->env.log_size = sizeof(f->log);
    cm_diag_init(&f->diag, NULL, 0);
    f->env.diag = &f->diag;
    return f;
}

static void done(struct fx *f)
{
    vf_log_finish(&f->env);
    free(f->env.aux);
    free(f);
}

/* Verify and expect a rejection with err and message (the whole log line,
 * the first error) at instruction insn (-1: none). */
static void expect_reject(const struct bpf_insn *insns, uint32_t cnt, int priv, int err, long insn, const char *msg)
{
    struct fx *f = mk(insns, cnt, priv, 1);
    int ret = vf_check_cfg(&f->env);

    cr_expect_eq(ret, err, "ret %d, want %d (%s)", ret, err, msg);
    cr_expect_str_eq(f->diag.msg, msg);
    cr_expect_eq(f->diag.insn, insn, "insn %ld, want %ld (%s)", f->diag.insn, insn, msg);
    vf_log_finish(&f->env);
    cr_expect(strstr(f->log, msg) != NULL, "log: %s", f->log);
    done(f);
}

#define CNT(a) ((uint32_t)INSNS_CNT(a))

Test(vf_cfg, one_function_layout)
{
    /* add_subprog_and_kfunc: the entry alone; the sentinel sub[1].start ==
     * len; level 2 prints "func#0 @0". */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 1, 2);

    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->log);
    cr_expect_eq(f->env.nsub, 1);
    cr_expect_eq(f->env.sub[0].start, 0);
    cr_expect_eq(f->env.sub[0].end, 2);
    cr_expect_eq(f->env.sub[1].start, 2);
    cr_expect_str_eq(f->log, "func#0 @0\n");
    cr_expect_eq(f->diag.err, 0);
    done(f);
}

Test(vf_cfg, subprograms_from_calls_and_callbacks_sorted)
{
    /* Subprograms start at every BPF_PSEUDO_CALL target and every
     * BPF_PSEUDO_FUNC LD_IMM64 target (a callback), sorted, whatever the
     * order they are named in; level 2 lists them as the kernel does. */
    static const struct bpf_insn p[] = {
        INSN_LDIMM64_RAW(2, BPF_PSEUDO_FUNC, 8, 0), /* 0: callback at 0+8+1 = 9 */
        INSN_CALL_PSEUDO(3),                        /* 2: call 6 */
        INSN_JMP_IMM(BPF_JEQ, 0, 0, 1),             /* 3: to 5 */
        INSN_EXIT(),                                /* 4 */
        INSN_EXIT(),                                /* 5 */
        INSN_MOV64_IMM(0, 1),                       /* 6: subprog 1 */
        INSN_JA(0),                                 /* 7 */
        INSN_EXIT(),                                /* 8 */
        INSN_MOV64_IMM(0, 0),                       /* 9: callback */
        INSN_EXIT(),                                /* 10 */
    };
    struct fx *f = mk(p, CNT(p), 1, 2);

    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->log);
    cr_expect_eq(f->env.nsub, 3);
    cr_expect_eq(f->env.sub[0].start, 0);
    cr_expect_eq(f->env.sub[1].start, 6);
    cr_expect_eq(f->env.sub[2].start, 9);
    cr_expect_eq(f->env.sub[3].start, 11, "sentinel");
    cr_expect_eq(f->env.sub[1].end, 9);
    cr_expect(!f->env.sub[1].is_cb);
    cr_expect(f->env.sub[2].is_cb, "an LD_IMM64 takes its address: a callback");
    cr_expect_eq(f->env.aux[4].subprog, 0);
    cr_expect_eq(f->env.aux[7].subprog, 1);
    cr_expect_eq(f->env.aux[10].subprog, 2);
    cr_expect_eq(vf_subprog_at(&f->env, 6), 1);
    cr_expect_eq(vf_subprog_at(&f->env, 7), -1);
    cr_expect_eq(vf_subprog_of(&f->env, 8), 1);
    cr_expect_str_eq(f->log, "func#0 @0\nfunc#1 @6\nfunc#2 @9\n");
    done(f);
}

Test(vf_cfg, call_to_invalid_destination)
{
    /* add_subprog: a pseudo call past the end or before the start.  The
     * kernel names no instruction in this message. */
    static const struct bpf_insn fwd[] = {INSN_MOV64_IMM(0, 0), INSN_CALL_PSEUDO(10), INSN_EXIT()};
    static const struct bpf_insn back[] = {INSN_MOV64_IMM(0, 0), INSN_CALL_PSEUDO(-5), INSN_EXIT()};
    static const struct bpf_insn func[] = {INSN_LDIMM64_RAW(1, BPF_PSEUDO_FUNC, 7, 0), INSN_MOV64_IMM(0, 0),
                                           INSN_EXIT()};

    expect_reject(fwd, CNT(fwd), 1, -EINVAL, -1, "call to invalid destination");
    expect_reject(back, CNT(back), 1, -EINVAL, -1, "call to invalid destination");
    expect_reject(func, CNT(func), 1, -EINVAL, -1, "call to invalid destination");
}

Test(vf_cfg, jump_out_of_range)
{
    /* check_subprogs: "jump out of range from insn 1 to 7" (6.18: a goto
     * past the end), to -1, a goto from a subprogram into the caller, and
     * a conditional jump whose fall-through target is the end. */
    static const struct bpf_insn past[] = {INSN_MOV64_IMM(0, 0), INSN_JA(5), INSN_EXIT()};
    static const struct bpf_insn neg[] = {INSN_MOV64_IMM(0, 0), INSN_JA(-3), INSN_EXIT()};
    static const struct bpf_insn sub[] = {INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_IMM(0, 0), INSN_JA(-3),
                                          INSN_EXIT()};
    static const struct bpf_insn end[] = {INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 0, 0, 0)};
    static const struct bpf_insn gotol[] = {INSN_MOV64_IMM(0, 0), INSN_GOTOL(100), INSN_EXIT()};

    expect_reject(past, CNT(past), 1, -EINVAL, 1, "jump out of range from insn 1 to 7");
    expect_reject(neg, CNT(neg), 1, -EINVAL, 1, "jump out of range from insn 1 to -1");
    expect_reject(sub, CNT(sub), 1, -EINVAL, 3, "jump out of range from insn 3 to 1");
    expect_reject(end, CNT(end), 1, -EINVAL, 1, "jump out of range from insn 1 to 2");
    expect_reject(gotol, CNT(gotol), 1, -EINVAL, 1, "jump out of range from insn 1 to 102");
}

Test(vf_cfg, last_insn_not_exit)
{
    /* check_subprogs: the program, or a subprogram, would run past its
     * last instruction. */
    static const struct bpf_insn main_[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT(), INSN_MOV64_IMM(0, 0)};
    static const struct bpf_insn sub[] = {INSN_CALL_PSEUDO(1), INSN_MOV64_IMM(0, 0), INSN_MOV64_IMM(0, 0),
                                          INSN_EXIT()};

    expect_reject(main_, CNT(main_), 1, -EINVAL, 2, "last insn is not an exit or jmp");
    expect_reject(sub, CNT(sub), 1, -EINVAL, 1, "last insn is not an exit or jmp");
}

Test(vf_cfg, jump_into_ldimm64)
{
    /* check_cfg: a jump landing on the second half of an LD_IMM64. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_JMP_IMM(BPF_JEQ, 0, 0, 1), INSN_LDIMM64(1, 5),
                                        INSN_EXIT()};

    expect_reject(p, CNT(p), 1, -EINVAL, 2, "jump into the middle of ldimm64 insn 2");
}

Test(vf_cfg, unreachable)
{
    /* check_cfg: dead code after exit; the instruction after a goto to
     * itself (the loop is accepted privileged, the exit is never reached);
     * a callback body no LD_IMM64 names is simply dead code. */
    static const struct bpf_insn dead[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT(), INSN_EXIT()};
    static const struct bpf_insn self[] = {INSN_MOV64_IMM(0, 0), INSN_JA(-1), INSN_EXIT()};
    static const struct bpf_insn sub[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT(), INSN_MOV64_IMM(0, 1), INSN_EXIT()};

    expect_reject(dead, CNT(dead), 1, -EINVAL, 2, "unreachable insn 2");
    expect_reject(self, CNT(self), 1, -EINVAL, 2, "unreachable insn 2");
    expect_reject(sub, CNT(sub), 1, -EINVAL, 2, "unreachable insn 2");
}

Test(vf_cfg, loops_privileged_and_not)
{
    /* Kernels >= 5.3: a back-edge is a bounded loop for the walk to prove
     * (privileged); the unprivileged verifier refuses it:
     * "back-edge from insn 2 to 1".  The loop head keeps a state on each
     * visit (force_checkpoint) and is a prune point. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_ALU64_IMM(BPF_ADD, 0, 1),
                                        INSN_JMP_IMM(BPF_JLT, 0, 3, -2), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 1, 1);

    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->log);
    cr_expect(f->env.aux[1].force_checkpoint);
    cr_expect(f->env.aux[1].prune_point);
    cr_expect(f->env.aux[1].jmp_point);
    cr_expect(f->env.aux[2].prune_point, "a conditional jump is a prune point");
    done(f);
    expect_reject(p, CNT(p), 0, -EINVAL, 2, "back-edge from insn 2 to 1");
}

Test(vf_cfg, unprivileged_calls_refused)
{
    /* add_subprog_and_kfunc: bpf-to-bpf calls and function pointers need
     * CAP_BPF. */
    static const struct bpf_insn p[] = {INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_IMM(0, 0), INSN_EXIT()};

    expect_reject(p, CNT(p), 0, -EPERM, 0,
                  "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN");
}

Test(vf_cfg, prune_points)
{
    /* visit_insn / visit_func_call_insn: a conditional jump and its
     * target, a goto's target, the instruction after a call (helper or
     * bpf-to-bpf) and the bpf-to-bpf call itself; bpf_loop's call site
     * also forces a checkpoint (the callback loops). */
    static const struct bpf_insn p[] = {
        INSN_MOV64_IMM(0, 0),            /* 0 */
        INSN_JMP_IMM(BPF_JEQ, 0, 1, 2),  /* 1: cond, target 4 */
        INSN_CALL(BPF_FUNC_get_prandom_u32), /* 2 */
        INSN_JA(0),                      /* 3: target 4 */
        INSN_CALL_PSEUDO(4),             /* 4: call 9 */
        INSN_MOV64_IMM(1, 1),            /* 5 */
        INSN_MOV64_IMM(3, 0),            /* 6 */
        INSN_CALL(BPF_FUNC_loop),        /* 7 */
        INSN_EXIT(),                     /* 8 */
        INSN_MOV64_IMM(0, 0),            /* 9 */
        INSN_EXIT(),                     /* 10 */
    };
    struct fx *f = mk(p, CNT(p), 1, 0);
    int want[11] = {0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0}, i;

    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->diag.msg);
    for (i = 0; i < 11; i++)
        cr_expect_eq(f->env.aux[i].prune_point, want[i], "insn %d prune_point %d", i, f->env.aux[i].prune_point);
    cr_expect(f->env.aux[7].force_checkpoint && f->env.aux[7].calls_callback);
    cr_expect(!f->env.aux[2].calls_callback);
    done(f);
}

Test(vf_cfg, ld_abs_and_tail_call_in_subprog_without_btf)
{
    /* check_abnormal_return: without func info, LD_ABS or a tail call in a
     * subprogram is refused (6.18: "tail_call is not allowed in subprogs
     * without BTF" for a privileged load). */
    static const struct bpf_insn ld[] = {INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_LD_ABS(BPF_B, 0), INSN_EXIT()};
    static const struct bpf_insn tc[] = {INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_CALL(BPF_FUNC_tail_call),
                                         INSN_EXIT()};

    expect_reject(ld, CNT(ld), 1, -EINVAL, 2, "LD_ABS is not allowed in subprogs without BTF");
    expect_reject(tc, CNT(tc), 1, -EINVAL, 2, "tail_call is not allowed in subprogs without BTF");
}

/* BTF with an int, a func proto returning it, and funcs "main" (static)
 * and "sub" (global); *ids gets [main, sub]. */
static struct btf *mk_btf(int ids[2])
{
    struct btf *btf = btf__new_empty();
    int i32, proto;

    cr_assert(btf);
    i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
    proto = btf__add_func_proto(btf, i32);
    cr_assert(i32 > 0 && proto > 0);
    ids[0] = btf__add_func(btf, "main", BTF_FUNC_STATIC, proto);
    ids[1] = btf__add_func(btf, "sub", BTF_FUNC_GLOBAL, proto);
    cr_assert(ids[0] > 0 && ids[1] > 0);
    return btf;
}

static const struct bpf_insn two_funcs[] = {INSN_CALL_PSEUDO(1), INSN_EXIT(), INSN_MOV64_IMM(0, 0), INSN_EXIT()};

Test(vf_cfg, func_info_marks_globals)
{
    /* check_btf_func: one record per subprogram at its start; the FUNC's
     * linkage BTF_FUNC_GLOBAL makes the subprogram global (verified once,
     * alone, against its signature). */
    int ids[2];
    struct btf *btf = mk_btf(ids);
    struct bpf_func_info fi[2] = {{0, (uint32_t)ids[0]}, {2, (uint32_t)ids[1]}};
    struct fx *f = mk(two_funcs, CNT(two_funcs), 1, 1);

    f->env.btf = btf;
    f->env.func_info = fi;
    f->env.nfunc_info = 2;
    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->log);
    cr_expect(!f->env.sub[0].is_global);
    cr_expect(f->env.sub[1].is_global);
    cr_expect_eq(f->env.sub[1].btf_func_id, (uint32_t)ids[1]);
    done(f);
    btf__free(btf);
}

static void func_info_reject(struct bpf_func_info *fi, uint32_t n, const char *msg)
{
    int ids[2];
    struct btf *btf = mk_btf(ids);
    struct fx *f = mk(two_funcs, CNT(two_funcs), 1, 1);

    for (uint32_t i = 0; i < n; i++) /* 0: the FUNC of the record's subprogram */
        if (!fi[i].type_id)
            fi[i].type_id = (uint32_t)ids[i % 2];
    f->env.btf = btf;
    f->env.func_info = fi;
    f->env.nfunc_info = n;
    cr_expect_eq(vf_check_cfg(&f->env), -EINVAL, "%s", msg);
    cr_expect_str_eq(f->diag.msg, msg);
    done(f);
    btf__free(btf);
}

Test(vf_cfg, func_info_layout_checks)
{
    /* check_btf_func's messages: record count, first offset, order, the
     * subprogram layout, the type id. */
    struct bpf_func_info one[1] = {{0, 0}};
    struct bpf_func_info first[2] = {{1, 0}, {2, 0}};
    struct bpf_func_info order[2] = {{0, 0}, {0, 0}};
    struct bpf_func_info layout[2] = {{0, 0}, {3, 0}};
    struct bpf_func_info type[2] = {{0, 0}, {2, 1000}};

    func_info_reject(one, 1, "number of funcs in func_info doesn't match number of subprogs");
    func_info_reject(first, 2, "nonzero insn_off 1 for the first func info record");
    func_info_reject(order, 2, "same or smaller insn offset (0) than previous func info record (0)");
    func_info_reject(layout, 2, "func_info BTF section doesn't match subprog layout in BPF program");
    func_info_reject(type, 2, "invalid type id 1000 in func info");
}

Test(vf_cfg, line_info_checks)
{
    /* check_btf_line: every subprogram's first instruction has a record;
     * records are sorted and inside the program. */
    int ids[2];
    struct btf *btf = mk_btf(ids);
    int file = btf__add_str(btf, "/src/prog.c"), line = btf__add_str(btf, "int x = 0;");
    struct bpf_line_info ok[2] = {{0, (uint32_t)file, (uint32_t)line, 10 << 10}, {2, (uint32_t)file, (uint32_t)line, 20 << 10}};
    struct bpf_line_info miss[1] = {{0, (uint32_t)file, (uint32_t)line, 10 << 10}};
    struct bpf_line_info skip[2] = {{0, (uint32_t)file, (uint32_t)line, 10 << 10}, {3, (uint32_t)file, (uint32_t)line, 20 << 10}};
    struct bpf_line_info past[2] = {{0, (uint32_t)file, (uint32_t)line, 10 << 10}, {9, (uint32_t)file, (uint32_t)line, 20 << 10}};
    struct {
        struct bpf_line_info *li;
        uint32_t n;
        const char *msg;
    } cases[] = {
        {ok, 2, ""},
        {miss, 1, "missing bpf_line_info for 1 funcs starting from func#1"},
        {skip, 2, "missing bpf_line_info for func#1"},
        {past, 2, "Invalid line_info[1].insn_off:9 (prev_offset:0 prog->len:4)"},
    };

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct fx *f = mk(two_funcs, CNT(two_funcs), 1, 1);
        int ret;
        f->env.btf = btf;
        f->env.line_info = cases[c].li;
        f->env.nline_info = cases[c].n;
        ret = vf_check_cfg(&f->env);
        cr_expect_eq(ret, cases[c].msg[0] ? -EINVAL : 0, "case %zu: %s", c, f->diag.msg);
        cr_expect_str_eq(f->diag.msg, cases[c].msg);
        done(f);
    }
    btf__free(btf);
}

Test(vf_cfg, too_many_subprograms)
{
    /* add_subprog: at most BPF_MAX_SUBPROGS (256) functions, -E2BIG. */
    enum { N = 256 };
    struct bpf_insn *p = calloc(2 * N + 1, sizeof(*p));
    struct fx *f;
    int i;

    cr_assert(p);
    /* main: N calls, then exit; then N one-instruction functions.  The
     * call at i lands on N + 1 + i: imm = (N + 1 + i) - i - 1 = N. */
    for (i = 0; i < N; i++)
        p[i] = (struct bpf_insn)INSN_CALL_PSEUDO(N);
    p[N] = (struct bpf_insn)INSN_EXIT();
    for (i = 0; i < N; i++)
        p[N + 1 + i] = (struct bpf_insn)INSN_EXIT();
    f = mk(p, 2 * N + 1, 1, 0);
    cr_expect_eq(vf_check_cfg(&f->env), -E2BIG);
    cr_expect_str_eq(f->diag.msg, "too many subprograms");
    done(f);
    free(p);
}

/* A main function calling sub 1, which calls sub 2 ... (depth calls),
 * each with the given stack depth. */
static struct fx *chain(struct bpf_insn *p, int nfunc, const uint32_t *depth)
{
    struct fx *f;
    int i;

    for (i = 0; i < nfunc; i++) {
        p[2 * i] = i + 1 < nfunc ? (struct bpf_insn)INSN_CALL_PSEUDO(1) : (struct bpf_insn)INSN_MOV64_IMM(0, 0);
        p[2 * i + 1] = (struct bpf_insn)INSN_EXIT();
    }
    f = mk(p, (uint32_t)(2 * nfunc), 1, 1);
    cr_assert_eq(vf_check_cfg(&f->env), 0, "%s", f->log);
    cr_assert_eq(f->env.nsub, (uint32_t)nfunc);
    for (i = 0; i < nfunc; i++)
        f->env.sub[i].stack_depth = depth[i];
    return f;
}

Test(vf_cfg, combined_stack_depth)
{
    /* check_max_stack_depth with the JIT's 16-byte rounding (6.18, JIT on):
     * 264 + 232 -> 272 + 240 = 512 is accepted by the running kernel,
     * 264 + 248 is refused "combined stack size of 2 calls is 528. Too
     * large". */
    struct bpf_insn p[4];
    uint32_t ok[2] = {264, 232}, bad[2] = {264, 248};
    struct fx *f = chain(p, 2, ok);

    cr_expect_eq(vf_check_max_stack_depth(&f->env), 0, "%s", f->diag.msg);
    done(f);
    f = chain(p, 2, bad);
    cr_expect_eq(vf_check_max_stack_depth(&f->env), -EACCES);
    cr_expect_str_eq(f->diag.msg, "combined stack size of 2 calls is 528. Too large");
    done(f);
}

Test(vf_cfg, call_chain_frames)
{
    /* check_max_stack_depth_subprog: more than 8 frames in a chain. */
    struct bpf_insn p[18];
    uint32_t d[9] = {0};
    struct fx *f = chain(p, 9, d);

    cr_expect_eq(vf_check_max_stack_depth(&f->env), -E2BIG);
    cr_expect_str_eq(f->diag.msg, "the call stack of 8 frames is too deep !");
    done(f);
}

Test(vf_cfg, tail_call_under_deep_stack)
{
    /* A subprogram with a tail call below callers using >= 256 bytes
     * (rounded) of stack is refused; 240 is fine.  tail_call_reachable is
     * set on the callers' subprograms. */
    struct bpf_insn p[4];
    uint32_t deep[2] = {248, 8}, shallow[2] = {240, 8};
    struct fx *f = chain(p, 2, deep);

    f->env.sub[1].has_tail_call = 1;
    cr_expect_eq(vf_check_max_stack_depth(&f->env), -EACCES);
    cr_expect_str_eq(f->diag.msg, "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large");
    done(f);
    f = chain(p, 2, shallow);
    f->env.sub[1].has_tail_call = 1;
    cr_expect_eq(vf_check_max_stack_depth(&f->env), 0, "%s", f->diag.msg);
    cr_expect(f->env.sub[0].tail_call_reachable);
    done(f);
}
