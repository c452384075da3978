/* test_helpers2.c - callbacks (bpf_loop, bpf_for_each_map_elem), the ring
 * buffer helpers, bpf_perf_event_output, bpf_map_lookup_percpu_elem,
 * bpf_redirect_map, bpf_get_numa_node_id; each in fast and checked mode,
 * on tests/data/helpers/helpers2.c compiled at test time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "insns.h"
#include "maps/map.h"
#include "maps/perf_event_array.h"
#include "maps/ringbuf.h"

#define OBJDIR "build/tests/data/helpers"

static char logbuf[16384], errbuf[512];

static struct bpfrt_object *open_obj(void)
{
    struct bpfrt_object *obj = NULL;
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = logbuf, .log_size = sizeof(logbuf));
    const char *path = test_bpf_build("tests/data/helpers/helpers2.c", OBJDIR, "helpers2", "-Wall");

    cr_assert_eq(bpfrt_object__open_file(path, &oo, &obj), 0, "%s", logbuf);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", logbuf);
    return obj;
}

static struct bpfrt_prog *prog_of(struct bpfrt_object *obj, const char *name)
{
    struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, name);
    cr_assert_not_null(p, "program %s", name);
    return bpfrt_program__prog(p);
}

static struct bpfrt_map *map_of(struct bpfrt_object *obj, const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, name);
    cr_assert_not_null(m, "map %s", name);
    return m;
}

static int run(struct bpfrt_prog *p, int checked, void *data, size_t len, uint64_t *r0)
{
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = data, .data_size = len, .flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED,
               .err_buf = errbuf, .err_size = sizeof(errbuf));
    int err;

    errbuf[0] = 0;
    err = bpfrt_prog__run(p, &ro);
    if (!err && r0)
        *r0 = ro.retval;
    return err;
}

static uint64_t must_run(struct bpfrt_prog *p, int checked, void *data, size_t len)
{
    uint64_t r0 = 0;
    int err = run(p, checked, data, len, &r0);
    cr_assert_eq(err, 0, "run (%s): %d: %s", checked ? "checked" : "fast", err, errbuf);
    return r0;
}

/* ---- bpf_loop ---- */

struct loop_io {
    uint32_t n, stop;
    uint64_t sum;
    int64_t ret, einval, e2big;
};

Test(helpers2, loop_sum_stop_and_errors)
{
    struct bpfrt_object *obj = open_obj();
    struct bpfrt_prog *p = prog_of(obj, "loop_sum");

    for (int checked = 0; checked < 2; checked++) {
        struct loop_io io = {.n = 10, .stop = 100};
        cr_assert_eq(must_run(p, checked, &io, sizeof(io)), 7);
        cr_expect_eq(io.sum, 45);
        cr_expect_eq(io.ret, 10, "all iterations: %lld", (long long)io.ret);
        cr_expect_eq(io.einval, -EINVAL);
        cr_expect_eq((uint64_t)io.e2big, (uint32_t)-E2BIG, "as the kernel's inlined bpf_loop: %llx",
                     (unsigned long long)io.e2big);
        io = (struct loop_io){.n = 10, .stop = 3};
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.sum, 0 + 1 + 2 + 3);
        cr_expect_eq(io.ret, 4, "the stopping iteration counts: %lld", (long long)io.ret);
        io = (struct loop_io){.n = 0, .stop = 0};
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.ret, 0);
        cr_expect_eq(io.sum, 0);
    }
    bpfrt_object__close(obj);
}

Test(helpers2, loop_nested_keeps_callee_saved)
{
    struct bpfrt_object *obj = open_obj();
    struct bpfrt_prog *p = prog_of(obj, "loop_nested");

    for (int checked = 0; checked < 2; checked++) {
        uint64_t io[2] = {0, 0x1234567890ull};
        cr_expect_eq(must_run(p, checked, io, sizeof(io)), 1);
        cr_expect_eq(io[0], 10);
    }
    bpfrt_object__close(obj);
}

Test(helpers2, loop_callback_out_of_bounds_checked)
{
    struct bpfrt_object *obj = open_obj();
    struct bpfrt_prog *p = prog_of(obj, "loop_oob");
    uint8_t big[128] = {0}, small[64] = {0};

    cr_expect_eq(must_run(p, 0, big, sizeof(big)), 2);
    cr_expect_eq(big[64] + big[65], 2);
    cr_assert_eq(run(p, 1, small, sizeof(small), NULL), -EFAULT);
    cr_expect(strstr(errbuf, "invalid write of 1 byte") && strstr(errbuf, "data ["), "%s", errbuf);
    /* the index is the store's, inside the callback: after the entry's code */
    {
        const struct bpf_insn *in = bpfrt_program__insns(bpfrt_object__find_program_by_name(obj, "loop_oob"));
        unsigned pc = 0;
        cr_assert_eq(sscanf(errbuf, "insn %u:", &pc), 1, "%s", errbuf);
        cr_expect_eq(in[pc].code & 0x07, BPF_STX, "insn %u is a store: %s", pc, errbuf);
    }
    bpfrt_object__close(obj);
}

Test(helpers2, loop_budget_covers_callbacks)
{
    struct bpfrt_object *obj = open_obj();
    struct bpfrt_prog *p = prog_of(obj, "loop_sum");

    for (int checked = 0; checked < 2; checked++) {
        struct loop_io io = {.n = 1u << 22, .stop = ~0u};
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = &io, .data_size = sizeof(io),
                   .flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED, .budget = 100000, .err_buf = errbuf,
                   .err_size = sizeof(errbuf));
        cr_expect_eq(bpfrt_prog__run(p, &ro), -ELOOP, "%s", errbuf);
        cr_expect(strstr(errbuf, "budget"), "%s", errbuf);
    }
    bpfrt_object__close(obj);
}

/* a callback at the depth limit: entry -> 6 nested pseudo calls -> bpf_loop
 * from frame 7 cannot put its callback on an 8th */
Test(helpers2, loop_depth_limit)
{
    /* f(k): if r1 == 0 { bpf_loop(1, cb, 0, 0) } else { r1 -= 1; call f } */
    struct bpf_insn prog[] = {
        INSN_MOV64_IMM(1, 0),       /* 0: r1 = depth wanted - 1 (patched) */
        INSN_CALL_PSEUDO(1),        /* 1: call f (3) */
        INSN_EXIT(),                /* 2 */
        INSN_JMP_IMM(BPF_JEQ, 1, 0, 3), /* 3: f */
        INSN_ALU64_IMM(BPF_SUB, 1, 1),  /* 4 */
        INSN_CALL_PSEUDO(-3),           /* 5: call f (3) */
        INSN_EXIT(),                    /* 6 */
        INSN_MOV64_IMM(1, 1),           /* 7 */
        INSN_LDIMM64_RAW(2, BPF_PSEUDO_FUNC, 6, 0), /* 8: r2 = cb (15) */
        INSN_MOV64_IMM(3, 0),           /* 10 */
        INSN_MOV64_IMM(4, 0),           /* 11 */
        INSN_CALL(BPF_FUNC_loop),       /* 12 */
        INSN_EXIT(),                    /* 13 */
        INSN_EXIT(),                    /* 14 */
        INSN_MOV64_IMM(0, 0),           /* 15: cb */
        INSN_EXIT(),                    /* 16 */
    };
    char log[256];
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));

    for (int depth = 5; depth <= 6; depth++) {
        struct bpfrt_prog *p;
        prog[0].imm = depth; /* frames: entry, depth + 1 calls of f, callback */
        cr_assert_eq(bpfrt_prog__load_insns(prog, INSNS_CNT(prog), &lo, &p), 0, "%s", log);
        for (int checked = 0; checked < 2; checked++) {
            uint64_t r0 = 0;
            int err = run(p, checked, NULL, 0, &r0);
            if (depth == 5) {
                cr_expect_eq(err, 0, "%s", errbuf);
                cr_expect_eq(r0, 1);
            } else {
                cr_expect_eq(err, -ELOOP);
                cr_expect(strstr(errbuf, "insn 12:") && strstr(errbuf, "call depth exceeds 8 frames"), "%s",
                          errbuf);
            }
        }
        bpfrt_prog__free(p);
    }
}

Test(helpers2, callback_pointer_checked)
{
    /* r2 = a value that is not a callback: the run stops */
    struct bpf_insn prog[] = {
        INSN_MOV64_IMM(1, 1), INSN_MOV64_IMM(2, 12345), INSN_MOV64_IMM(3, 0), INSN_MOV64_IMM(4, 0),
        INSN_CALL(BPF_FUNC_loop), INSN_EXIT(),
    };
    struct bpfrt_prog *p;
    char log[256];
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__load_insns(prog, INSNS_CNT(prog), &lo, &p), 0, "%s", log);
    for (int checked = 0; checked < 2; checked++) {
        cr_expect_eq(run(p, checked, NULL, 0, NULL), -EFAULT);
        cr_expect(strstr(errbuf, "insn 4:") && strstr(errbuf, "is not an instruction of the program"), "%s", errbuf);
    }
    bpfrt_prog__free(p);
}

/* ---- bpf_for_each_map_elem ---- */

struct each_io {
    uint32_t stop_key, count;
    uint64_t keys, vals;
    int64_t ret, einval;
};

Test(helpers2, for_each_hash)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_prog *p = prog_of(obj, "each_hash");
        struct bpfrt_map *m = map_of(obj, "h");
        struct each_io io = {.stop_key = ~0u};
        uint64_t v;

        for (uint32_t k = 1; k <= 5; k++) {
            v = k * 10;
            cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
        }
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.ret, 5);
        cr_expect_eq(io.count, 5);
        cr_expect_eq(io.keys, 15);
        cr_expect_eq(io.vals, 150);
        cr_expect_eq(io.einval, -EINVAL);
        for (uint32_t k = 1; k <= 5; k++) {
            cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0);
            cr_expect_eq(v, k * 10 + 1000, "the callback wrote the map's value");
        }
        /* early stop: the stopping element counts */
        io = (struct each_io){.stop_key = 3};
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.ret, io.count);
        cr_expect_geq(io.count, 1);
        cr_expect_leq(io.count, 5);
        cr_expect_eq(io.keys % 1 + (io.count < 5 || io.keys == 15), 1);
        bpfrt_object__close(obj);
    }
}

Test(helpers2, for_each_array_and_percpu)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_prog *p = prog_of(obj, "each_array");
        struct bpfrt_map *m = map_of(obj, "a"), *pa = map_of(obj, "pa");
        struct each_io io = {.stop_key = ~0u};
        uint32_t nw = bpfrt_map__value_size(pa) ? bpfrt_nr_workers() : 1;
        uint64_t v, vals[512] = {0}, io2[2] = {0};

        for (uint32_t k = 0; k < 8; k++) {
            v = k + 1;
            cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
        }
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.ret, 8);
        cr_expect_eq(io.count, 8);
        cr_expect_eq(io.keys, 28);
        cr_expect_eq(io.vals, 36);
        cr_expect_eq(io.einval, -EINVAL);
        io = (struct each_io){.stop_key = 2};
        must_run(p, checked, &io, sizeof(io));
        cr_expect_eq(io.ret, 3, "keys 0, 1, 2: %lld", (long long)io.ret);
        cr_expect_eq(io.keys, 3);
        cr_expect_eq(io.vals, 6 + 3000, "values as the first run left them");
        /* per-CPU: worker 0's slots only */
        cr_assert_leq(nw, 512);
        for (uint32_t k = 0; k < 2; k++) {
            for (uint32_t w = 0; w < nw; w++)
                vals[w] = (k + 1) * 100 + w;
            cr_assert_eq(bpfrt_map__update_elem(pa, &k, 4, vals, 8 * nw, BPF_ANY), 0);
        }
        must_run(prog_of(obj, "each_percpu"), checked, io2, sizeof(io2));
        cr_expect_eq(io2[0], 100 + 200);
        cr_expect_eq(io2[1], 2);
        bpfrt_object__close(obj);
    }
}

/* ---- ring buffer ---- */

struct seen {
    int n;
    size_t len[8];
    uint64_t first[8];
};

static int rb_cb(void *ctx, void *data, size_t size)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        s->len[s->n] = size;
        memcpy(&s->first[s->n], data, 8);
    }
    s->n++;
    return 0;
}

Test(helpers2, ringbuf_reserve_submit_discard_output)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_map *rb = map_of(obj, "rb");
        uint64_t io[5] = {0};
        struct seen s = {0};

        cr_assert_eq(must_run(prog_of(obj, "ring"), checked, io, sizeof(io)), 0);
        cr_expect_eq(io[0], 0, "output: %lld", (long long)io[0]);
        cr_expect_eq((int64_t)io[1], -EINVAL);
        cr_expect_eq(io[2], 0, "a record larger than the ring is refused");
        cr_expect_eq(io[3], 4096);
        cr_expect_eq(io[4], 16 + 24 + 16, "three records in the ring (one discarded): %llu",
                     (unsigned long long)io[4]);
        cr_expect_eq(map_ringbuf_consume(rb, rb_cb, &s), 2);
        cr_expect_eq(s.n, 2);
        cr_expect_eq(s.len[0], 8);
        cr_expect_eq(s.first[0], 0x11);
        cr_expect_eq(s.len[1], 8);
        cr_expect_eq(s.first[1], 0x33);
        bpfrt_object__close(obj);
    }
}

Test(helpers2, ringbuf_checked_errors)
{
    struct bpfrt_object *obj = open_obj();
    struct bpfrt_map *rb = map_of(obj, "rb");
    struct seen s = {0};
    uint64_t io[1];

    /* a write inside the record, then past its end */
    io[0] = 0;
    cr_expect_eq(must_run(prog_of(obj, "ring_oob"), 1, io, sizeof(io)), 0);
    io[0] = 8;
    cr_expect_eq(run(prog_of(obj, "ring_oob"), 1, io, sizeof(io), NULL), -EFAULT);
    cr_expect(strstr(errbuf, "write of 8 bytes") && strstr(errbuf, "ringbuf record"), "%s", errbuf);
    /* a second submit of the same record, and a pointer inside one */
    for (int k = 0; k < 2; k++) {
        io[0] = k ? 4 : 0;
        cr_expect_eq(run(prog_of(obj, "ring_double"), 1, io, sizeof(io), NULL), -EFAULT);
        cr_expect(strstr(errbuf, "bpf_ringbuf_submit") && strstr(errbuf, "not a live ringbuf reservation"), "%s",
                  errbuf);
    }
    /* ending with a reservation held */
    cr_expect_eq(run(prog_of(obj, "ring_leak"), 1, io, sizeof(io), NULL), -EINVAL);
    cr_expect(strstr(errbuf, "neither submitted nor discarded"), "%s", errbuf);
    map_ringbuf_consume(rb, rb_cb, &s);
    cr_expect_eq(map_ringbuf_query(rb, BPF_RB_AVAIL_DATA), 0, "the held record was discarded: the ring is not stuck");
    bpfrt_object__close(obj);
}

/* ---- perf_event_output, lookup_percpu_elem, numa, redirect_map ---- */

struct pe_seen {
    int n;
    uint32_t size;
    uint64_t v;
};

static void pe_cb(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    struct pe_seen *s = ctx;
    (void)slot;
    s->n++;
    s->size = size;
    memcpy(&s->v, data, 8);
}

Test(helpers2, perf_event_output)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_map *pe = map_of(obj, "pe");
        uint64_t io[3] = {0};
        uint32_t k = 0, v = 1;
        struct pe_seen s = {0};

        cr_assert_eq(bpfrt_map__update_elem(pe, &k, 4, &v, 4, BPF_ANY), 0);
        must_run(prog_of(obj, "perf"), checked, io, sizeof(io));
        cr_expect_eq(io[0], 0);
        cr_expect_eq((int64_t)io[1], -ENOENT);
        cr_expect_eq((int64_t)io[2], -E2BIG);
        cr_expect_eq(map_perf_event_array_read(pe, 0, pe_cb, NULL, &s), 1);
        cr_expect_eq(s.size, 12, "8 bytes, the raw part padded as the kernel's: %u", s.size);
        cr_expect_eq(s.v, 0xabcdef);
        bpfrt_object__close(obj);
    }
}

Test(helpers2, lookup_percpu_elem_and_numa)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_map *pa = map_of(obj, "pa");
        uint32_t nw = bpfrt_nr_workers(), k = 1;
        uint64_t vals[512] = {0}, io[4] = {0};

        cr_assert_geq(nw, 2, "needs two workers");
        cr_assert_leq(nw, 512);
        for (uint32_t w = 0; w < nw; w++)
            vals[w] = 70 + w;
        cr_assert_eq(bpfrt_map__update_elem(pa, &k, 4, vals, 8 * nw, BPF_ANY), 0);
        must_run(prog_of(obj, "percpu"), checked, io, sizeof(io));
        cr_expect_eq(io[0], 70);
        cr_expect_eq(io[1], 71);
        cr_expect_eq(io[2], 0, "cpu past the workers: NULL");
        cr_expect_eq(io[3], 0);
        bpfrt_object__close(obj);
    }
}

Test(helpers2, redirect_map)
{
    for (int checked = 0; checked < 2; checked++) {
        struct bpfrt_object *obj = open_obj();
        struct bpfrt_map *dm = map_of(obj, "dm");
        uint32_t k = 1, ifindex = 5;
        uint64_t io[4] = {0};

        cr_assert_eq(bpfrt_map__update_elem(dm, &k, 4, &ifindex, 4, BPF_ANY), 0);
        cr_expect_eq(must_run(prog_of(obj, "redirect"), checked, io, sizeof(io)), XDP_REDIRECT);
        cr_expect_eq(io[0], XDP_REDIRECT);
        cr_expect_eq(io[1], XDP_PASS);
        cr_expect_eq(io[2], XDP_ABORTED);
        cr_expect_eq(io[3], XDP_ABORTED);
        bpfrt_object__close(obj);
    }
}

/* GPL-only as the kernel's protos */
Test(helpers2, gpl_only_flags)
{
    static const struct {
        int id, gpl;
    } cases[] = {
        {BPF_FUNC_loop, 0},           {BPF_FUNC_for_each_map_elem, 0}, {BPF_FUNC_ringbuf_output, 0},
        {BPF_FUNC_ringbuf_reserve, 0}, {BPF_FUNC_ringbuf_submit, 0},   {BPF_FUNC_ringbuf_discard, 0},
        {BPF_FUNC_ringbuf_query, 0},  {BPF_FUNC_perf_event_output, 1}, {BPF_FUNC_map_lookup_percpu_elem, 0},
        {BPF_FUNC_redirect_map, 0},   {BPF_FUNC_get_numa_node_id, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct bpf_insn prog[] = {INSN_CALL(cases[i].id), INSN_EXIT()};
        struct bpfrt_prog *p = NULL;
        char log[256];
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log), .license = "MIT");
        int err = bpfrt_prog__load_insns(prog, 2, &lo, &p);
        cr_expect_eq(err, cases[i].gpl ? -EINVAL : 0, "helper %d: %d %s", cases[i].id, err, log);
        if (!err)
            bpfrt_prog__free(p);
    }
}
