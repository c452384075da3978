/* test_tailcall.c - bpf_tail_call (helper 12) through a PROG_ARRAY: raw
 * programs whose LD_IMM64 BPF_PSEUDO_MAP_FD name the maps by id, and a
 * clang-built object whose prog array is filled from `values`
 * (tests/data/tail/tailcall.c).  Every test runs in the fast and the
 * checked mode. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "insns.h"

#define MAX_TAIL 33
#define OBJDIR "build/tests/data/tail"

/* r = map (by id), two slots */
#define LD_MAP(R, M) INSN_LDIMM64_RAW(R, BPF_PSEUDO_MAP_FD, bpfrt_map__id(M), 0)
#define TAIL_CALL() INSN_CALL(BPF_FUNC_tail_call)

static struct bpfrt_map *mk_map(enum bpf_map_type t, uint32_t vs, uint32_t max)
{
    struct bpfrt_map *m = NULL;
    BPFRT_OPTS(bpfrt_map_create_opts, o);
    cr_assert_eq(bpfrt_map__create(t, "t", 4, vs, max, &o, &m), 0);
    return m;
}

static struct bpfrt_prog *load(const struct bpf_insn *insns, size_t cnt)
{
    static char log[1024];
    struct bpfrt_prog *p = NULL;
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .license = "Dual BSD/GPL");
    int err = bpfrt_prog__load_insns(insns, cnt, &o, &p);

    cr_assert_eq(err, 0, "load: %d: %s", err, log);
    return p;
}
#define LOAD(a) load(a, sizeof(a) / sizeof((a)[0]))

static void set_slot(struct bpfrt_map *pa, uint32_t idx, const struct bpfrt_prog *p)
{
    uint32_t id = bpfrt_prog__id(p);
    cr_assert_eq(bpfrt_map__update_elem(pa, &idx, 4, &id, 4, BPF_ANY), 0);
}

static char errbuf[512];

/* Run with data; returns the run's error, *ret the return value. */
static int run_prog(struct bpfrt_prog *p, int checked, void *data, size_t len, uint64_t budget, uint64_t *ret,
                    uint64_t *insn_cnt)
{
    BPFRT_OPTS(bpfrt_run_opts, o, .data = data, .data_size = len, .flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED,
               .budget = budget, .err_buf = errbuf, .err_size = sizeof(errbuf));
    int err;

    errbuf[0] = 0;
    err = bpfrt_prog__run(p, &o);
    if (ret)
        *ret = o.retval;
    if (insn_cnt)
        *insn_cnt = o.insn_cnt;
    return err;
}

static uint64_t must_run(struct bpfrt_prog *p, int checked, void *data, size_t len)
{
    uint64_t r = 0;
    int err = run_prog(p, checked, data, len, 0, &r, NULL);
    cr_assert_eq(err, 0, "run (%s): %d: %s", checked ? "checked" : "fast", err, errbuf);
    return r;
}

/* The target: r0 = the caller's stack slot at r10 - 8 + data[0] (r1). */
static const struct bpf_insn target_insns[] = {
    INSN_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
    INSN_LDX(BPF_B, BPF_REG_2, BPF_REG_1, 0),
    INSN_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
    INSN_EXIT(),
};

Test(tailcall, replaces_program_shares_stack_and_ctx)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpfrt_prog *t = LOAD(target_insns), *c;
    struct bpf_insn caller[] = {
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 1000),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 0),
        TAIL_CALL(),
        INSN_ST_IMM(BPF_B, BPF_REG_1, 1, 0x55), /* never reached: would mark data[1] */
        INSN_MOV64_IMM(BPF_REG_0, 7),
        INSN_EXIT(),
    };
    uint8_t data[8] = {5};

    c = LOAD(caller);
    set_slot(pa, 0, t);
    for (int checked = 0; checked < 2; checked++) {
        cr_assert_eq(must_run(c, checked, data, sizeof(data)), 1005);
        cr_assert_eq(data[1], 0, "the caller resumed after a successful tail call");
    }
    bpfrt_prog__free(c);
    /* index is a u32: the high half of r3 is ignored, as in the kernel */
    {
        struct bpf_insn hi[] = {
            INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 2000),
            LD_MAP(BPF_REG_2, pa),
            INSN_LDIMM64(BPF_REG_3, 0x100000000ull),
            TAIL_CALL(),
            INSN_MOV64_IMM(BPF_REG_0, 7),
            INSN_EXIT(),
        };
        c = LOAD(hi);
        for (int checked = 0; checked < 2; checked++)
            cr_assert_eq(must_run(c, checked, data, sizeof(data)), 2005);
    }
    bpfrt_prog__free(c);
    bpfrt_prog__free(t);
    bpfrt_map__free(pa);
}

Test(tailcall, failures_continue_with_negative_r0)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpfrt_prog *t = LOAD(target_insns);
    static const struct {
        uint64_t index;
        int err;
    } cases[] = {{2, -ENOENT}, {4, -E2BIG}, {0xffffffffull, -E2BIG}, {0, 0}};

    set_slot(pa, 0, t);
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        /* r0 = (tail call's r0 << 32) | 0x77: the 0x77 shows the caller went on */
        struct bpf_insn caller[] = {
            INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 300),
            LD_MAP(BPF_REG_2, pa),
            INSN_LDIMM64(BPF_REG_3, cases[k].index),
            TAIL_CALL(),
            INSN_ALU64_IMM(BPF_LSH, BPF_REG_0, 32),
            INSN_ALU64_IMM(BPF_OR, BPF_REG_0, 0x77),
            INSN_EXIT(),
        };
        struct bpfrt_prog *c = LOAD(caller);
        uint8_t data[4] = {1};

        for (int checked = 0; checked < 2; checked++) {
            uint64_t r = must_run(c, checked, data, sizeof(data));
            if (cases[k].err) {
                cr_assert_eq(r & 0xffffffff, 0x77, "index %llu: the caller did not go on",
                             (unsigned long long)cases[k].index);
                cr_assert_eq((int32_t)(r >> 32), cases[k].err, "index %llu: r0 %d",
                             (unsigned long long)cases[k].index, (int32_t)(r >> 32));
            } else {
                cr_assert_eq(r, 301);
            }
        }
        bpfrt_prog__free(c);
    }
    /* the target freed: its slot reads as empty */
    bpfrt_prog__free(t);
    {
        struct bpf_insn caller[] = {
            LD_MAP(BPF_REG_2, pa), INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(), INSN_EXIT(),
        };
        struct bpfrt_prog *c = LOAD(caller);
        for (int checked = 0; checked < 2; checked++)
            cr_assert_eq((int64_t)must_run(c, checked, NULL, 0), -ENOENT);
        bpfrt_prog__free(c);
    }
    bpfrt_map__free(pa);
}

/* A program that counts its runs in cnt[0] and tail-calls slot 1 (itself);
 * returns the failed tail call's r0. */
static struct bpfrt_prog *load_self_counter(struct bpfrt_map *pa, struct bpfrt_map *cnt)
{
    struct bpf_insn self[] = {
        INSN_MOV64_REG(BPF_REG_6, BPF_REG_1),
        INSN_ST_IMM(BPF_W, BPF_REG_10, -4, 0),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -4),
        LD_MAP(BPF_REG_1, cnt),
        INSN_CALL(BPF_FUNC_map_lookup_elem),
        INSN_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 7),
        INSN_MOV64_IMM(BPF_REG_1, 1),
        INSN_ATOMIC(BPF_DW, BPF_ADD, BPF_REG_0, BPF_REG_1, 0),
        INSN_MOV64_REG(BPF_REG_1, BPF_REG_6),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 1),
        TAIL_CALL(),
        INSN_EXIT(),
        INSN_MOV64_IMM(BPF_REG_0, -1),
        INSN_EXIT(),
    };
    return LOAD(self);
}

static uint64_t counter(struct bpfrt_map *cnt)
{
    uint32_t k = 0;
    uint64_t v = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(cnt, &k, 4, &v, 8, 0), 0);
    return v;
}

Test(tailcall, limit_of_33_per_run)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4), *cnt = mk_map(BPF_MAP_TYPE_ARRAY, 8, 1);
    struct bpfrt_prog *self = load_self_counter(pa, cnt), *start;
    /* counting on the (shared) stack: start zeroes r10 - 8 and tail-calls
     * the counter, which adds one per run and calls itself */
    struct bpf_insn stack_counter[] = {
        INSN_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_0, -8),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 2),
        TAIL_CALL(),
        INSN_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, -8),
        INSN_EXIT(),
    };
    struct bpf_insn starter[] = {
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 0),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 2),
        TAIL_CALL(),
        INSN_MOV64_IMM(BPF_REG_0, -1),
        INSN_EXIT(),
    };
    struct bpfrt_prog *sc = LOAD(stack_counter);
    uint64_t expect = 0;

    start = LOAD(starter);
    set_slot(pa, 1, self);
    set_slot(pa, 2, sc);
    for (int checked = 0; checked < 2; checked++)
        for (int i = 0; i < 2; i++) {
            /* 1 run + 33 tail calls; the 34th fails with -ELOOP */
            cr_assert_eq((int64_t)must_run(self, checked, NULL, 0), -ELOOP);
            expect += MAX_TAIL + 1;
            cr_assert_eq(counter(cnt), expect, "run %d (%s): %llu", i, checked ? "checked" : "fast",
                         (unsigned long long)counter(cnt));
            /* starter -> counter is the first of the 33 */
            cr_assert_eq(must_run(start, checked, NULL, 0), MAX_TAIL);
        }
    /* repeat: each repetition is a run of its own */
    for (int checked = 0; checked < 2; checked++) {
        BPFRT_OPTS(bpfrt_run_opts, o, .repeat = 3, .flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED);
        cr_assert_eq(bpfrt_prog__run(self, &o), 0);
        expect += 3 * (MAX_TAIL + 1);
        cr_assert_eq(counter(cnt), expect);
    }
    bpfrt_prog__free(start);
    bpfrt_prog__free(sc);
    bpfrt_prog__free(self);
    bpfrt_map__free(cnt);
    bpfrt_map__free(pa);
}

Test(tailcall, target_maps_usable_in_checked_mode)
{
    /* the caller names only the prog array; the target's own map must be
     * usable after the tail call (helpers accept it, its values are a
     * region), and again on the next run */
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4), *cnt = mk_map(BPF_MAP_TYPE_ARRAY, 8, 1);
    struct bpfrt_prog *self = load_self_counter(pa, cnt), *c;
    struct bpf_insn caller[] = {
        LD_MAP(BPF_REG_2, pa), INSN_MOV64_IMM(BPF_REG_3, 1), TAIL_CALL(), INSN_EXIT(),
    };

    c = LOAD(caller);
    set_slot(pa, 1, self);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq((int64_t)must_run(c, 1, NULL, 0), -ELOOP);
        cr_assert_eq(counter(cnt), (uint64_t)MAX_TAIL * (i + 1));
    }
    bpfrt_prog__free(c);
    bpfrt_prog__free(self);
    bpfrt_map__free(cnt);
    bpfrt_map__free(pa);
}

Test(tailcall, forged_and_wrong_maps)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4), *arr = mk_map(BPF_MAP_TYPE_ARRAY, 8, 1);
    struct bpfrt_prog *t = LOAD(target_insns), *c;
    uint64_t r;

    set_slot(pa, 0, t);
    /* checked mode: r2 must be a live map; fast mode trusts it (as the map
     * helpers do), so only the checked run is tried */
    {
        struct bpf_insn forged[] = {
            LD_MAP(BPF_REG_4, pa), INSN_LDIMM64(BPF_REG_2, 0x1000), INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(),
            INSN_EXIT(),
        };
        c = LOAD(forged);
        cr_assert_eq(run_prog(c, 1, NULL, 0, 0, &r, NULL), -EFAULT);
        cr_assert(strstr(errbuf, "bpf_tail_call") && strstr(errbuf, "is not a map"), "%s", errbuf);
        cr_assert(strstr(errbuf, "insn 5:"), "%s", errbuf);
        bpfrt_prog__free(c);
    }
    {
        /* a pointer into the prog array's neighbourhood: the stack */
        struct bpf_insn stackptr[] = {
            LD_MAP(BPF_REG_4, pa), INSN_MOV64_REG(BPF_REG_2, BPF_REG_10), INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -64),
            INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(), INSN_EXIT(),
        };
        c = LOAD(stackptr);
        cr_assert_eq(run_prog(c, 1, NULL, 0, 0, &r, NULL), -EFAULT);
        cr_assert(strstr(errbuf, "is not a map"), "%s", errbuf);
        bpfrt_prog__free(c);
    }
    {
        /* a live map that is not a prog array: refused in both modes */
        struct bpf_insn wrong[] = {
            LD_MAP(BPF_REG_2, arr), INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(), INSN_EXIT(),
        };
        c = LOAD(wrong);
        for (int checked = 0; checked < 2; checked++) {
            cr_assert_eq(run_prog(c, checked, NULL, 0, 0, &r, NULL), -EINVAL);
            cr_assert(strstr(errbuf, "not a prog_array"), "%s", errbuf);
        }
        bpfrt_prog__free(c);
    }
    bpfrt_prog__free(t);
    bpfrt_map__free(arr);
    bpfrt_map__free(pa);
}

/* A tail call from a bpf-to-bpf subprogram: the target replaces the
 * subprogram and its r0 goes to the subprogram's caller, whose r6 is
 * kept (the kernel's x86-64 JIT, emit_bpf_tail_call_*, since 5.10;
 * tailcall_bpf2bpf3.c of the selftests returns 3 * skb->len through
 * two such calls).  Empty slot: the subprogram goes on with -ENOENT.
 * Both engines, fast and checked. */
Test(tailcall, from_subprogram_returns_to_caller)
{
    static const char *const engines[] = {"interp", "jit"};
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpfrt_prog *t, *c;
    /* main: r6 = 40; call sub; r0 += r6; exit.  sub: [r10 - 8] = 100,
     * tail call slot 0, else return r0 + 2. */
    struct bpf_insn prog[] = {
        INSN_MOV64_IMM(BPF_REG_6, 40),
        INSN_CALL_PSEUDO(2),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_6),
        INSN_EXIT(),
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 100),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 0),
        TAIL_CALL(),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_0, 2),
        INSN_EXIT(),
    };
    uint8_t data[4] = {9};

    for (int e = 0; e < 2; e++) {
        static char log[1024];
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .license = "Dual BSD/GPL",
                   .engine = engines[e]);
        cr_assert_eq(bpfrt_prog__load_insns(target_insns, sizeof(target_insns) / sizeof(target_insns[0]), &o, &t),
                     0, "%s", log);
        cr_assert_eq(bpfrt_prog__load_insns(prog, sizeof(prog) / sizeof(prog[0]), &o, &c), 0, "%s", log);
        cr_assert_str_eq(bpfrt_prog__engine(c), engines[e]);
        for (int checked = 0; checked < 2; checked++) {
            set_slot(pa, 0, t);
            cr_assert_eq(must_run(c, checked, data, sizeof(data)), 100 + 9 + 40, "%s checked %d", engines[e],
                         checked);
            cr_assert_eq(bpfrt_map__delete_elem(pa, &(uint32_t){0}, 4, 0), 0);
            cr_assert_eq((int64_t)must_run(c, checked, data, sizeof(data)), -ENOENT + 2 + 40);
        }
        bpfrt_prog__free(c);
        bpfrt_prog__free(t);
    }
    bpfrt_map__free(pa);
}

Test(tailcall, budget_stops_a_ping_pong_chain)
{
    /* a and b tail-call each other: 3 instructions each up to the call */
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpf_insn a_insns[] = {LD_MAP(BPF_REG_2, pa), INSN_MOV64_IMM(BPF_REG_3, 1), TAIL_CALL(), INSN_EXIT()};
    struct bpf_insn b_insns[] = {LD_MAP(BPF_REG_2, pa), INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(), INSN_EXIT()};
    struct bpfrt_prog *a = LOAD(a_insns), *b = LOAD(b_insns);
    uint64_t r = 0, n = 0;

    set_slot(pa, 0, a);
    set_slot(pa, 1, b);
    /* checked: a budget of 50 instructions stops it before the limit */
    cr_assert_eq(run_prog(a, 1, NULL, 0, 50, &r, NULL), -ELOOP);
    cr_assert(strstr(errbuf, "budget"), "%s", errbuf);
    /* fast: the budget is charged per call */
    cr_assert_eq(run_prog(a, 0, NULL, 0, 10, &r, NULL), -ELOOP);
    cr_assert(strstr(errbuf, "budget"), "%s", errbuf);
    /* with the default budget the 33 limit ends it; twice in a row, and
     * checked mode counts every instruction of the chain: 34 programs x 3
     * instructions + the final exit */
    for (int checked = 0; checked < 2; checked++)
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(run_prog(a, checked, NULL, 0, 0, &r, &n), 0, "%s", errbuf);
            cr_assert_eq((int64_t)r, -ELOOP);
            if (checked)
                cr_assert_eq(n, (MAX_TAIL + 1) * 3 + 1, "insn_cnt %llu", (unsigned long long)n);
        }
    bpfrt_prog__free(a);
    bpfrt_prog__free(b);
    bpfrt_map__free(pa);
}

Test(tailcall, checked_target_is_checked)
{
    /* the target writes past the data: refused in checked mode, with the
     * target's instruction index */
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpf_insn bad[] = {INSN_ST_IMM(BPF_W, BPF_REG_1, 64, 1), INSN_MOV64_IMM(BPF_REG_0, 0), INSN_EXIT()};
    struct bpf_insn caller[] = {LD_MAP(BPF_REG_2, pa), INSN_MOV64_IMM(BPF_REG_3, 3), TAIL_CALL(),
                                INSN_MOV64_IMM(BPF_REG_0, 1), INSN_EXIT()};
    struct bpfrt_prog *t = LOAD(bad), *c = LOAD(caller);
    uint8_t data[8] = {0};
    uint64_t r;

    set_slot(pa, 3, t);
    cr_assert_eq(run_prog(c, 1, data, sizeof(data), 0, &r, NULL), -EFAULT);
    cr_assert(strstr(errbuf, "insn 0:") && strstr(errbuf, "write"), "%s", errbuf);
    bpfrt_prog__free(c);
    bpfrt_prog__free(t);
    bpfrt_map__free(pa);
}

Test(tailcall, known_and_not_gpl_only)
{
    /* programs that call it load (it is known, not GPL-only) */
    struct bpf_insn p[] = {INSN_MOV64_IMM(BPF_REG_2, 0), INSN_MOV64_IMM(BPF_REG_3, 0), TAIL_CALL(), INSN_EXIT()};
    struct bpfrt_prog *prog = NULL;
    char log[256] = "";
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .license = "Proprietary", .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__load_insns(p, 4, &o, &prog), 0, "%s", log);
    bpfrt_prog__free(prog);
}

/* ---- the clang-built object ---- */

static void build_object(void)
{
    test_bpf_build("tests/data/tail/tailcall.c", OBJDIR, "tailcall", "-Wall");
}

Test(tailcall, object_with_values)
{
    static char log[16384];
    struct bpfrt_object *obj = NULL;
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_program *entry, *loop, *miss;
    struct bpfrt_map *hits;
    uint64_t expect = 0;

    build_object();
    cr_assert_eq(bpfrt_object__open_file(OBJDIR "/tailcall.o", &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    entry = bpfrt_object__find_program_by_name(obj, "entry");
    loop = bpfrt_object__find_program_by_name(obj, "loop");
    miss = bpfrt_object__find_program_by_name(obj, "miss");
    hits = bpfrt_object__find_map_by_name(obj, "hits");
    cr_assert(entry && loop && miss && hits);
    for (int checked = 0; checked < 2; checked++) {
        uint32_t data[2] = {0, 0};
        cr_assert_eq(must_run(bpfrt_program__prog(entry), checked, data, sizeof(data)), 111);
        cr_assert_eq(data[0], 11);
        cr_assert_eq(must_run(bpfrt_program__prog(miss), checked, data, sizeof(data)), 7);
        for (int i = 0; i < 2; i++) {
            cr_assert_eq(must_run(bpfrt_program__prog(loop), checked, data, sizeof(data)), 2);
            expect += MAX_TAIL + 1;
            cr_assert_eq(counter(hits), expect);
        }
    }
    bpfrt_object__close(obj);
}

/* Each tail call from a subprogram keeps the frames under it, and the
 * called program may call 8 deep from there (the kernel's x86-64 JIT has
 * no run-time frame limit; tailcall_bpf2bpf2.c of the selftests counts 33
 * such hops through subprog_tail -> classifier_0 -> subprog_tail ...).
 * Here: main calls sub, sub tail-calls main again through slot 0 until
 * the 33 calls are used up (r0 = -ELOOP in the last sub), which returns
 * 34 frames up, each adding 1.  Both engines, fast and checked. */
Test(tailcall, from_subprograms_nest_frames_past_eight)
{
    static const char *const engines[] = {"interp", "jit"};
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 4);
    struct bpf_insn prog[] = {
        INSN_CALL_PSEUDO(2),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_0, 1),
        INSN_EXIT(),
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, 0),
        TAIL_CALL(),
        INSN_EXIT(),
    };
    uint8_t data[4] = {0};

    for (int e = 0; e < 2; e++) {
        static char log[1024];
        struct bpfrt_prog *c;
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .license = "Dual BSD/GPL",
                   .engine = engines[e]);
        cr_assert_eq(bpfrt_prog__load_insns(prog, sizeof(prog) / sizeof(prog[0]), &o, &c), 0, "%s", log);
        set_slot(pa, 0, c);
        for (int checked = 0; checked < 2; checked++)
            cr_assert_eq((int64_t)must_run(c, checked, data, sizeof(data)), -ELOOP + MAX_TAIL + 1, "%s checked %d",
                         engines[e], checked);
        cr_assert_eq(bpfrt_map__delete_elem(pa, &(uint32_t){0}, 4, 0), 0);
        bpfrt_prog__free(c);
    }
    bpfrt_map__free(pa);
}

/* ---- The per-slot cache (maps/fd_array.c fd_prog_lookup): a tail call
 * still uses the slot's current program.  The kernel reads
 * prog_array->ptrs[index] on every bpf_tail_call (kernel/bpf/core.c
 * JMP_TAIL_CALL, arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect),
 * so an update or delete between two runs - from this thread or another
 * one - takes effect at the next run, and a program freed while stored is
 * not entered (bpfrt keeps no reference: its slot resolves to nothing, a
 * failed tail call). */

#define FALL_THROUGH 7 /* the caller's r0 when the tail call fails */

/* r0 = v */
static struct bpfrt_prog *load_ret_imm(int32_t v)
{
    struct bpf_insn t[] = {INSN_MOV64_IMM(BPF_REG_0, v), INSN_EXIT()};
    return LOAD(t);
}

/* tail-calls slot idx of pa, else returns FALL_THROUGH */
static struct bpfrt_prog *load_caller(struct bpfrt_map *pa, int32_t idx)
{
    struct bpf_insn c[] = {
        LD_MAP(BPF_REG_2, pa),
        INSN_MOV64_IMM(BPF_REG_3, idx),
        INSN_CALL(BPF_FUNC_tail_call),
        INSN_MOV64_IMM(BPF_REG_0, FALL_THROUGH),
        INSN_EXIT(),
    };
    return LOAD(c);
}

static void del_slot(struct bpfrt_map *pa, uint32_t idx)
{
    cr_assert_eq(bpfrt_map__delete_elem(pa, &idx, 4, 0), 0);
}

/* the return value of one run of p in both modes (they must agree) */
static uint64_t run_both(struct bpfrt_prog *p)
{
    uint64_t fast = must_run(p, 0, NULL, 0), checked = must_run(p, 1, NULL, 0);

    cr_assert_eq(fast, checked, "fast %llu, checked %llu", (unsigned long long)fast, (unsigned long long)checked);
    return fast;
}

Test(tailcall, update_and_delete_between_runs)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 2);
    struct bpfrt_prog *a = load_ret_imm(1), *b = load_ret_imm(2), *c0 = load_caller(pa, 0), *c1 = load_caller(pa, 1);

    cr_assert_eq(run_both(c0), FALL_THROUGH, "empty slot");
    set_slot(pa, 0, a);
    cr_assert_eq(run_both(c0), 1);
    cr_assert_eq(run_both(c0), 1, "the cached entry again");
    cr_assert_eq(run_both(c1), FALL_THROUGH, "slot 1 is still empty");
    set_slot(pa, 0, b);
    cr_assert_eq(run_both(c0), 2, "replaced: the new program");
    set_slot(pa, 1, a);
    cr_assert_eq(run_both(c1), 1);
    cr_assert_eq(run_both(c0), 2, "slots are cached apart");
    del_slot(pa, 0);
    cr_assert_eq(run_both(c0), FALL_THROUGH, "deleted: falls through");
    set_slot(pa, 0, a);
    cr_assert_eq(run_both(c0), 1, "the first program back");
    bpfrt_prog__free(c1);
    bpfrt_prog__free(c0);
    bpfrt_prog__free(b);
    bpfrt_prog__free(a);
    bpfrt_map__free(pa);
}

/* A program freed while its id is in a slot: the cached pointer must not
 * be entered (ASan build: a use after free if it were); ids are not
 * reused, so a program loaded afterwards does not take the slot over. */
Test(tailcall, program_freed_while_stored)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 1);
    struct bpfrt_prog *a = load_ret_imm(1), *c = load_caller(pa, 0), *b;

    set_slot(pa, 0, a);
    cr_assert_eq(run_both(c), 1);
    bpfrt_prog__free(a);
    cr_assert_eq(run_both(c), FALL_THROUGH, "the freed program is not entered");
    b = load_ret_imm(2);
    cr_assert_eq(run_both(c), FALL_THROUGH, "a new program has a new id");
    set_slot(pa, 0, b);
    cr_assert_eq(run_both(c), 2);
    bpfrt_prog__free(c);
    bpfrt_prog__free(b);
    bpfrt_map__free(pa);
}

/* Another thread updates and deletes a slot this thread has cached: the
 * next run sees it.  (Another process cannot: a PROG_ARRAY holds
 * per-process program ids, so bpfrt refuses to pin one - pin.c.) */
struct slot_set {
    struct bpfrt_map *pa;
    uint32_t id; /* 0: delete */
    int err;
};

static void *thread_sets(void *arg)
{
    struct slot_set *s = arg;
    uint32_t k = 0;

    s->err = s->id ? bpfrt_map__update_elem(s->pa, &k, 4, &s->id, 4, BPF_ANY) : bpfrt_map__delete_elem(s->pa, &k, 4, 0);
    return NULL;
}

static void other_thread_sets(struct bpfrt_map *pa, uint32_t id)
{
    struct slot_set s = {pa, id, -1};
    pthread_t t;

    cr_assert_eq(pthread_create(&t, NULL, thread_sets, &s), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    cr_assert_eq(s.err, 0, "the other thread's %s: %d", id ? "update" : "delete", s.err);
}

Test(tailcall, slot_updated_by_another_thread)
{
    struct bpfrt_map *pa = mk_map(BPF_MAP_TYPE_PROG_ARRAY, 4, 1);
    struct bpfrt_prog *a = load_ret_imm(1), *b = load_ret_imm(2), *c = load_caller(pa, 0);

    set_slot(pa, 0, a);
    cr_assert_eq(run_both(c), 1);
    other_thread_sets(pa, bpfrt_prog__id(b));
    cr_assert_eq(run_both(c), 2, "the other thread's update");
    other_thread_sets(pa, 0);
    cr_assert_eq(run_both(c), FALL_THROUGH, "the other thread's delete");
    other_thread_sets(pa, bpfrt_prog__id(a));
    cr_assert_eq(run_both(c), 1);
    bpfrt_prog__free(c);
    bpfrt_prog__free(b);
    bpfrt_prog__free(a);
    bpfrt_map__free(pa);
}
