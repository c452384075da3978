/* test_pipeline.c - the load pipeline (src/runtime/pipeline.c and its
 * stages), the program-type tables (src/progtypes/) and the safe default
 * of runs: structured errors, the xlated copy and its index map, the
 * patching of an xlated program, section names as libbpf reads them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "progtypes/progtypes.h"
#include "runtime/prog.h"
#include "common/log.h"
#include "bpf_build.h"
#include "insns.h"

#define N(a) (sizeof(a) / sizeof(a[0]))

static int load(const struct bpf_insn *insns, size_t cnt, enum bpf_prog_type type, struct bpfrt_diag *diag,
                char *log, size_t logsz, struct bpfrt_prog **p)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = type, .name = "t", .log_buf = log, .log_size = logsz,
               .diag = diag);
    return bpfrt_prog__load_insns(insns, cnt, &o, p);
}

/* ---- structured errors: each stage reports the instruction it is about */

Test(pipeline, check_stage_error_is_structured)
{
    /* insn 1 writes r10: the kernel's "frame pointer is read only" */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_MOV64_IMM(10, 1), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;
    char log[256];

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_UNSPEC, &d, log, sizeof(log), &prog), -EINVAL);
    cr_assert_null(prog);
    cr_assert_eq(d.err, -EINVAL);
    cr_assert_eq(d.insn, 1);
    cr_assert_str_eq(d.message, "frame pointer r10 is read only");
    cr_assert_str_eq(log, "insn 1: frame pointer r10 is read only");
}

Test(pipeline, resolve_stage_names_the_map_reference)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, 999999, 0),
                                        INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;
    char log[256];

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_UNSPEC, &d, log, sizeof(log), &prog), -EBADF);
    cr_assert_eq(d.insn, 1);
    cr_assert(strstr(d.message, "no map with id 999999"), "%s", d.message);
    cr_assert(!strncmp(log, "insn 1: fd 999999", 17), "%s", log);
}

Test(pipeline, verify_stage_applies_the_type_helper_set)
{
    /* bpf_redirect_map is XDP's (xdp_func_proto); a socket filter may not
     * call it: the kernel says "unknown func bpf_redirect_map#51" */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(1, 0), INSN_MOV64_IMM(2, 0), INSN_MOV64_IMM(3, 0),
                                        INSN_CALL(BPF_FUNC_redirect_map), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;
    char log[256];

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_SOCKET_FILTER, &d, log, sizeof(log), &prog), -EINVAL);
    cr_assert_eq(d.insn, 3);
    cr_assert(strstr(d.message, "unknown func bpf_redirect_map#51") && strstr(d.message, "socket_filter"), "%s",
              d.message);
    /* XDP may call it: the verifier then checks its arguments (r1 must be
     * a map, check_func_arg's "R1 type=scalar expected=map_ptr"); the raw
     * convention has no verifier */
    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_XDP, &d, log, sizeof(log), &prog), -EACCES, "%s", log);
    cr_assert(strstr(d.message, "R1 type=scalar expected=map_ptr"), "%s", d.message);
    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_UNSPEC, &d, log, sizeof(log), &prog), 0, "%s", log);
    cr_assert_eq(d.err, 0);
    cr_assert_eq(d.insn, -1);
    bpfrt_prog__free(prog);
}

Test(pipeline, verify_stage_refuses_kfuncs_by_name)
{
    static const struct bpf_insn p[] = {INSN_CALL_KFUNC(1234), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_XDP, &d, NULL, 0, &prog), -EOPNOTSUPP);
    cr_assert_eq(d.insn, 0);
    cr_assert(strstr(d.message, "kfunc (BTF id 1234)"), "%s", d.message);
}

Test(pipeline, helper_without_a_body_fails_the_run_not_the_load)
{
    /* bpf_get_stackid has no meaning in user space: the program loads
     * (its verdict is the kernel's), and a run that reaches the call
     * stops, naming the helper and why */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_CALL(BPF_FUNC_get_stackid), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;
    char err[256] = "";
    uint8_t data[4] = {0};

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_UNSPEC, &d, NULL, 0, &prog), 0);
    BPFRT_OPTS(bpfrt_run_opts, o, .data = data, .data_size = sizeof(data), .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(prog, &o), -EOPNOTSUPP);
    cr_assert(strstr(err, "bpf_get_stackid#27 has no implementation in bpfrt: kernel and user stack traces"), "%s",
              err);
    bpfrt_prog__free(prog);
}

Test(pipeline, unknown_program_type_is_refused)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct bpfrt_diag d = {.sz = sizeof(d)};
    struct bpfrt_prog *prog = NULL;

    cr_assert_eq(load(p, N(p), (enum bpf_prog_type)999, &d, NULL, 0, &prog), -EINVAL);
    cr_assert_str_eq(d.message, "unknown program type 999");
}

/* ---- the program object: original, xlated, index map, engine */

Test(pipeline, program_keeps_original_and_xlated)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(1, 0), INSN_MOV64_IMM(2, 0), INSN_MOV64_IMM(3, 0),
                                        INSN_CALL(BPF_FUNC_ktime_get_ns), INSN_LDIMM64(0, 7), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_XDP, NULL, NULL, 0, &prog), 0);
    cr_assert_eq(bpfrt_prog__insn_cnt(prog), N(p));
    cr_assert_eq(bpfrt_prog__xlated_cnt(prog), N(p));
    cr_assert_eq(memcmp(bpfrt_prog__xlated_insns(prog), p, sizeof(p)), 0);
    for (size_t i = 0; i < N(p); i++)
        cr_assert_eq(bpfrt_prog__xlated_orig_idx(prog, i), (long)i);
    cr_assert_eq(bpfrt_prog__xlated_orig_idx(prog, N(p)), -1);
    /* an XDP program the verifier accepts is verified (it runs unchecked,
     * in the JIT where there is one, unless BPFRT_ENGINE names another) */
    cr_assert_eq(bpfrt_prog__is_verified(prog), 1);
#if defined(__x86_64__)
    if (!getenv("BPFRT_ENGINE"))
        cr_assert_str_eq(bpfrt_prog__engine(prog), "jit");
#else
    cr_assert_str_eq(bpfrt_prog__engine(prog), "interp");
#endif
    cr_assert_eq(bpfrt_prog__type(prog), BPF_PROG_TYPE_XDP);
    bpfrt_prog__free(prog);
}

/* prog_xl_patch: one instruction becomes several; every jump across the
 * patch and the index map stay right (the kernel's bpf_patch_insn_data). */
Test(pipeline, xlated_patch_keeps_jumps_and_index_map)
{
    const struct bpf_insn orig[] = {
        INSN_JMP_IMM(BPF_JEQ, 1, 0, 3), /* 0 -> 4 */
        INSN_MOV64_IMM(0, 1),           /* 1 */
        INSN_LDX(BPF_W, 0, 1, 0),       /* 2: patched into 3 */
        INSN_JA(-4),                    /* 3 -> 0 */
        INSN_CALL_PSEUDO(1),            /* 4 -> 6 */
        INSN_EXIT(),                    /* 5 */
        INSN_EXIT(),                    /* 6 */
    };
    const struct bpf_insn repl[] = {INSN_LDX(BPF_DW, 0, 1, 8), INSN_LDX(BPF_W, 0, 0, 0), INSN_MOV32_REG(0, 0)};
    struct bpf_insn *xl = malloc(sizeof(orig));
    uint32_t *o = malloc(N(orig) * sizeof(*o));
    size_t cnt = N(orig);
    int64_t t;

    memcpy(xl, orig, sizeof(orig));
    for (size_t i = 0; i < cnt; i++)
        o[i] = (uint32_t)i;
    cr_assert_eq(prog_xl_patch(&xl, &o, &cnt, 2, repl, N(repl)), 0);
    cr_assert_eq(cnt, N(orig) + 2);
    cr_assert_eq(memcmp(&xl[2], repl, sizeof(repl)), 0);
    cr_assert(isa_branch_target(xl, 0, &t) && t == 6, "forward jump over the patch now lands on %lld", (long long)t);
    cr_assert(isa_branch_target(xl, 5, &t) && t == 0, "backward jump now lands on %lld", (long long)t);
    cr_assert(isa_branch_target(xl, 6, &t) && t == 8, "call after the patch now lands on %lld", (long long)t);
    {
        const uint32_t want[] = {0, 1, 2, 2, 2, 3, 4, 5, 6};
        cr_assert_eq(memcmp(o, want, sizeof(want)), 0);
    }
    cr_assert_eq(isa_check_prog(xl, cnt, NULL, 0), 0);
    /* a jump that would no longer fit in 16 bits: -ERANGE, nothing changed */
    {
        struct bpf_insn *big = calloc(3, sizeof(*big)), *fill = calloc(40000, sizeof(*fill));
        uint32_t *bo = calloc(3, sizeof(*bo));
        size_t bc = 3;
        big[0] = (struct bpf_insn)INSN_JA(1);
        big[1] = (struct bpf_insn)INSN_MOV64_IMM(0, 0);
        big[2] = (struct bpf_insn)INSN_EXIT();
        for (size_t i = 0; i < 40000; i++)
            fill[i] = (struct bpf_insn)INSN_MOV64_IMM(0, 0);
        cr_assert_eq(prog_xl_patch(&big, &bo, &bc, 1, fill, 40000), -ERANGE);
        cr_assert_eq(bc, 3);
        free(big);
        free(bo);
        free(fill);
    }
    free(xl);
    free(o);
}

/* ---- safe by default */

Test(pipeline, unverified_program_runs_checked_by_default)
{
    /* r0 = *(u64 *)(r1 + 64) on 8 bytes of data: outside the data */
    static const struct bpf_insn p[] = {INSN_LDX(BPF_DW, 0, 1, 64), INSN_EXIT()};
    static const struct bpf_insn q[] = {INSN_MOV64_IMM(0, 1), INSN_ALU64_IMM(BPF_ADD, 0, 2), INSN_EXIT()};
    uint8_t data[8] = {0};
    char err[256];
    struct bpfrt_prog *prog;

    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_UNSPEC, NULL, NULL, 0, &prog), 0);
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .data = data, .data_size = sizeof(data), .err_buf = err,
                   .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(prog, &r), -EFAULT);
        cr_assert(strstr(err, "insn 0: invalid read of 8 bytes"), "%s", err);
    }
    bpfrt_prog__free(prog);
    /* the mode shows in the instruction count, exact only when checked */
    cr_assert_eq(load(q, N(q), BPF_PROG_TYPE_UNSPEC, NULL, NULL, 0, &prog), 0);
    {
        BPFRT_OPTS(bpfrt_run_opts, r);
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0);
        cr_assert_eq(r.retval, 3);
        cr_assert_eq(r.insn_cnt, 3);
    }
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED);
        cr_assert_eq(bpfrt_prog__run(prog, &r), 0);
        cr_assert_eq(r.retval, 3);
        cr_assert_eq(r.insn_cnt, 0);
    }
    {
        BPFRT_OPTS(bpfrt_run_opts, r, .flags = BPFRT_RUN_UNVERIFIED_UNCHECKED | BPFRT_RUN_CHECKED, .err_buf = err,
                   .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(prog, &r), -EINVAL);
        cr_assert_str_eq(err, "a run cannot be both checked and unchecked");
    }
    bpfrt_prog__free(prog);
}

Test(pipeline, typed_program_without_context_is_refused_at_run)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct bpfrt_prog *prog;
    char err[256];
    BPFRT_OPTS(bpfrt_run_opts, r, .err_buf = err, .err_size = sizeof(err));

    /* kprobe: a type bpfrt verifies but has no test-run context for */
    cr_assert_eq(load(p, N(p), BPF_PROG_TYPE_KPROBE, NULL, NULL, 0, &prog), 0);
    cr_assert_eq(bpfrt_prog__run(prog, &r), -EOPNOTSUPP);
    cr_assert(strstr(err, "of type kprobe, whose context") && strstr(err, "bpfrt does not build yet"), "%s", err);
    bpfrt_prog__free(prog);
}

/* ---- program types: names, sections, return codes */

Test(progtypes, section_names_as_libbpf_reads_them)
{
    static const struct {
        const char *sec;
        enum bpf_prog_type type;
        int attach;
    } cases[] = {
        {"xdp", BPF_PROG_TYPE_XDP, BPF_XDP},
        {"xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP}, /* exact beats the xdp+ pattern */
        {"xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP},
        {"xdp/anything", BPF_PROG_TYPE_XDP, BPF_XDP},
        {"xdp_prog", BPF_PROG_TYPE_XDP, BPF_XDP}, /* libbpf < 1.0 bare prefix */
        {"tc", BPF_PROG_TYPE_SCHED_CLS, 0},
        {"tc/ingress", BPF_PROG_TYPE_SCHED_CLS, PT_ATTACH_TCX_INGRESS},
        {"classifier/x", BPF_PROG_TYPE_SCHED_CLS, 0},
        {"action", BPF_PROG_TYPE_SCHED_ACT, 0},
        {"ingress", BPF_PROG_TYPE_SCHED_CLS, 0}, /* iproute2 */
        {"socket", BPF_PROG_TYPE_SOCKET_FILTER, 0},
        {"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS},
        {"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE},
        {"cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE},
        {"sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE},
        {"kprobe/sys_write", BPF_PROG_TYPE_KPROBE, 0},
        {"kprobe.multi/x", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI},
        {"raw_tp/sys_enter", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
        {"raw_tp.w/x", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0},
        {"fentry/f", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
        {"raw", BPF_PROG_TYPE_UNSPEC, 0},
    };
    for (size_t i = 0; i < N(cases); i++) {
        enum bpf_prog_type t = 12345;
        enum bpf_attach_type a = 12345;
        cr_assert_eq(bpfrt_prog_type_from_section(cases[i].sec, &t, &a), 0, "%s", cases[i].sec);
        cr_assert_eq(t, cases[i].type, "%s: type %d", cases[i].sec, t);
        cr_assert_eq((int)a, cases[i].attach, "%s: attach %d", cases[i].sec, a);
    }
    cr_assert_eq(bpfrt_prog_type_from_section("license", NULL, NULL), -ENOENT);
    cr_assert_eq(bpfrt_prog_type_from_section("foo/bar", NULL, NULL), -ENOENT);
    cr_assert_eq(bpfrt_prog_type_from_section("rawx", NULL, NULL), -ENOENT); /* raw has no legacy prefix */
}

Test(progtypes, names_return_codes_and_runnability)
{
    enum bpf_prog_type t;

    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_SCHED_CLS), "sched_cls");
    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_CGROUP_SOCK_ADDR), "cgroup_sock_addr");
    cr_assert_null(bpfrt_prog_type_name((enum bpf_prog_type)999));
    cr_assert_eq(bpfrt_prog_type_from_name("xdp", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_XDP);
    cr_assert_eq(bpfrt_prog_type_from_name("classifier", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_SCHED_CLS);
    cr_assert_eq(bpfrt_prog_type_from_name("socket", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_SOCKET_FILTER);
    cr_assert_eq(bpfrt_prog_type_from_name("nonsense", &t), -ENOENT);
    cr_assert_str_eq(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_XDP, XDP_REDIRECT), "XDP_REDIRECT");
    cr_assert_str_eq(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_SCHED_CLS, 2), "TC_ACT_SHOT");
    cr_assert_str_eq(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_SCHED_ACT, (uint64_t)-1), "TC_ACT_UNSPEC");
    cr_assert_null(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_XDP, 5));
    cr_assert_null(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_SOCKET_FILTER, 0)); /* a length, not a code */
    cr_assert_eq(bpfrt_prog_type_can_run(BPF_PROG_TYPE_UNSPEC), 1);
    cr_assert_eq(bpfrt_prog_type_can_run(BPF_PROG_TYPE_XDP), 1);
    cr_assert_eq(bpfrt_prog_type_can_run(BPF_PROG_TYPE_KPROBE), 0);
    /* every row: a name, a helper set, and its sections lead back to it */
    for (int ty = 0; ty < 40; ty++) {
        const struct pt_desc *d = pt_by_type((enum bpf_prog_type)ty);
        if (!d)
            continue;
        cr_assert(d->name && d->func_proto, "type %d", ty);
        cr_assert(pt_func_proto(d, BPF_FUNC_map_lookup_elem, d->nr_secs ? d->secs[0].attach : 0, 1),
                  "%s: base helpers", d->name);
        for (unsigned k = 0; k < d->nr_secs; k++) {
            char sec[64];
            size_t len = strlen(d->secs[k].sec);
            snprintf(sec, sizeof(sec), "%.*s", (int)(len - (d->secs[k].sec[len - 1] == '+')), d->secs[k].sec);
            if (sec[strlen(sec) - 1] == '/')
                cm_log_append(sec, sizeof(sec), "x");
            cr_assert_eq(pt_by_section(sec, NULL), d, "section '%s' should give %s", sec, d->name);
        }
    }
}

/* ---- objects: a section that names no type */

Test(pipeline, object_section_without_type_needs_one)
{
    char dir[] = "/tmp/bpfrt-pipe-XXXXXX", src[300], log[1024];
    const char *obj_path;
    struct bpfrt_object *obj;
    struct bpfrt_program *p;
    FILE *f;

    cr_assert(mkdtemp(dir));
    snprintf(src, sizeof(src), "%s/untyped.c", dir);
    f = fopen(src, "w");
    cr_assert(f);
    fputs("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
          "SEC(\"mystery\") int untyped(void *ctx) { return 3; }\n"
          "char LICENSE[] SEC(\"license\") = \"GPL\";\n",
          f);
    fclose(f);
    obj_path = test_bpf_build(src, dir, "untyped", "");
    {
        BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_object__open_file(obj_path, &oo, &obj), 0, "%s", log);
    }
    cr_assert_eq(bpfrt_object__load(obj), -EINVAL);
    cr_assert(strstr(log, "section 'mystery': program 'untyped': the section name gives no program type"), "%s",
              log);
    bpfrt_object__close(obj);
    /* with a type given it loads; as raw it runs */
    {
        BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_object__open_file(obj_path, &oo, &obj), 0, "%s", log);
    }
    p = bpfrt_object__find_program_by_name(obj, "untyped");
    cr_assert_eq(bpfrt_program__set_type(p, BPF_PROG_TYPE_UNSPEC), 0);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    cr_assert_eq(bpfrt_program__set_type(p, BPF_PROG_TYPE_XDP), -EBUSY);
    {
        BPFRT_OPTS(bpfrt_run_opts, r);
        cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(p), &r), 0);
        cr_assert_eq(r.retval, 3);
    }
    bpfrt_object__close(obj);
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        cr_assert_eq(system(cmd), 0);
    }
}

Test(pipeline, used_maps_in_order_of_first_reference_and_license)
{
    struct bpfrt_map *a, *b;
    struct bpfrt_prog *prog;
    uint32_t ids[4] = {0};

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 8, 1, NULL, &a), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "b", 4, 8, 4, NULL, &b), 0);
    {
        const struct bpf_insn p[] = {INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, (int32_t)bpfrt_map__id(b), 0),
                                     INSN_LDIMM64_RAW(2, BPF_PSEUDO_MAP_FD, (int32_t)bpfrt_map__id(a), 0),
                                     INSN_LDIMM64_RAW(3, BPF_PSEUDO_MAP_FD, (int32_t)bpfrt_map__id(b), 0),
                                     INSN_MOV64_IMM(0, 0), INSN_EXIT()};
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .license = "Dual MIT/GPL");
        BPFRT_OPTS(bpfrt_prog_load_opts, o2, .license = "Proprietary");
        cr_assert_eq(bpfrt_prog__load_insns(p, N(p), &o, &prog), 0);
        cr_assert_eq(bpfrt_prog__map_ids(prog, ids, 4), 2);
        cr_assert_eq(ids[0], bpfrt_map__id(b));
        cr_assert_eq(ids[1], bpfrt_map__id(a));
        cr_assert_eq(bpfrt_prog__map_ids(prog, ids, 1), 2); /* the count, whatever fits */
        cr_assert_eq(bpfrt_prog__gpl_compatible(prog), 1);
        bpfrt_prog__free(prog);
        cr_assert_eq(bpfrt_prog__load_insns(p, N(p), &o2, &prog), 0);
        cr_assert_eq(bpfrt_prog__gpl_compatible(prog), 0);
        cr_assert_str_eq(bpfrt_prog__license(prog), "Proprietary");
        bpfrt_prog__free(prog);
    }
    bpfrt_map__free(a);
    bpfrt_map__free(b);
}
