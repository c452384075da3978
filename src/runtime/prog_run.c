/* prog_run.c - running a loaded program: the run context (one per
 * thread, kept between runs), the regions a checked run may touch, tail
 * calls between programs, and the choice of mode: a program the verifier
 * has not proven safe runs checked unless the caller asks for an
 * unchecked run in so many words. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/opts.h"
#include "../helpers/helpers.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "../progtypes/testrun.h"
#include "prog.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One run context per thread, kept between runs: allocating and clearing
 * its 4 KiB stack on every call was most of the fixed cost of a run.  The
 * stack is cleared when the context is made, not between runs (the kernel
 * does not clear it either; its verifier forbids reading it uninitialised).
 * A run started while the thread's context is in use (a trace callback
 * that runs a program) gets a context of its own. */
static pthread_key_t run_key;
static pthread_once_t run_key_once = PTHREAD_ONCE_INIT;
static __thread struct rt_run *run_cached;
static __thread int run_cached_busy;

static void run_key_init(void)
{
    pthread_key_create(&run_key, free);
}

static struct rt_run *run_new(void)
{
    struct rt_run *run = aligned_alloc(16, (sizeof(*run) + 15) & ~(size_t)15);
    if (run)
        memset(run, 0, sizeof(*run));
    return run;
}

static struct rt_run *run_get(int *owned)
{
    *owned = 0;
    if (run_cached_busy) {
        *owned = 1;
        return run_new();
    }
    if (!run_cached) {
        pthread_once(&run_key_once, run_key_init);
        run_cached = run_new();
        if (!run_cached)
            return NULL;
        pthread_setspecific(run_key, run_cached);
    }
    run_cached_busy = 1;
    return run_cached;
}

static void run_put(struct rt_run *run, int owned)
{
    if (owned)
        free(run);
    else
        run_cached_busy = 0;
}

/* bpf_tail_call(ctx, map, index) for the engine (rt_tail_call_fn): the
 * order of the checks is the kernel's (JMP_TAIL_CALL in kernel/bpf/core.c
 * and the x86 JIT): index in range, then the count (which counts a call to
 * an empty slot too), then the slot.  Failures, for r0: -E2BIG index out of
 * range, -ELOOP the 33 tail calls used up, -ENOENT empty slot.  map must
 * be a PROG_ARRAY (the kernel's verifier refuses anything else at load
 * time; here the run stops); in checked mode it must also be a live map.
 * On success the target's maps become the run's: in checked mode their
 * storage is added to the regions and map helpers accept them. */
static int64_t prog_tail_call(struct rt_run *run, uint64_t map, uint32_t index, const void **code)
{
    struct bpfrt_map *m = (struct bpfrt_map *)(uintptr_t)map;
    struct bpfrt_prog *p;
    int known = !run->checked;

    *code = NULL;
    for (unsigned i = 0; i < run->nmaps && !known; i++)
        known = run->maps[i] == m;
    if (!known && !map_registry_contains(m))
        return rt_fail(run, -EFAULT, 0, "helper bpf_tail_call: r2 = 0x%llx is not a map", (unsigned long long)map);
    if (m->type != BPF_MAP_TYPE_PROG_ARRAY)
        return rt_fail(run, -EINVAL, 0, "helper bpf_tail_call: r2 is map '%s' (id %u), not a prog_array", m->name,
                       m->id);
    if (index >= m->max_entries)
        return -E2BIG;
    if (run->tail_calls >= RT_MAX_TAIL_CALLS)
        return -ELOOP;
    run->tail_calls++;
    p = map_prog_array_lookup(m, index);
    if (!p)
        return -ENOENT;
    if ((const void *)p->engine != run->engine && p->pin_path) {
        /* a pinned program: the same one in the caller's engine */
        struct bpfrt_prog *t = prog_in_engine(p, run->engine);
        p = t ? t : p;
    }
    if (run->checked)
        for (unsigned k = 0; k < p->nmaps; k++)
            if (hlp_add_map_region(run, p->maps[k]))
                return rt_fail(run, -E2BIG, 0, "helper bpf_tail_call: too many maps in one checked run");
    if ((const void *)p->engine != run->engine)
        return rt_fail(run, -EINVAL, 0, "helper bpf_tail_call: program '%s' runs in engine %s, not %s", p->name,
                       p->engine->name, ((const struct eng_ops *)run->engine)->name);
    run->maps = p->maps;
    run->nmaps = p->nmaps;
    /* from a subprogram at depth d the target may call 8 deep from there
     * (RT_MAX_FRAMES, engine/run.h) */
    if (run->depth + ISA_MAX_FRAMES > run->frames_max)
        run->frames_max = run->depth + ISA_MAX_FRAMES < RT_MAX_FRAMES ? run->depth + ISA_MAX_FRAMES : RT_MAX_FRAMES;
    *code = p->image;
    return 0;
}

/* The cgroup storages of one test run (run->cg_storage, engine/run.h):
 * for each storage map type the program uses, a zeroed value of the
 * map's size, readable and writable in checked mode.  0 or -ENOMEM /
 * -E2BIG. */
static int cg_storages_alloc(const struct bpfrt_prog *prog, struct rt_run *run)
{
    for (unsigned k = 0; k < prog->nmaps; k++) {
        const struct bpfrt_map *m = prog->maps[k];
        int i = m->type == BPF_MAP_TYPE_CGROUP_STORAGE ? 0 : m->type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ? 1 : -1;
        if (i < 0 || run->cg_storage[i])
            continue;
        run->cg_storage[i] = calloc(1, ((size_t)m->value_size + 7) & ~(size_t)7);
        if (!run->cg_storage[i])
            return -ENOMEM;
        run->cg_storage_map[i] = m;
        if (rt_add_region(run, (uint64_t)(uintptr_t)run->cg_storage[i], m->value_size, RT_RW, "cgroup storage"))
            return -E2BIG;
    }
    return 0;
}

static void cg_storages_free(struct rt_run *run)
{
    for (int i = 0; i < 2; i++) {
        free(run->cg_storage[i]);
        run->cg_storage[i] = NULL;
        run->cg_storage_map[i] = NULL;
    }
}

/* Can prog run, and how?  0 with *checked set, or a negative errno with
 * the reason in the caller's err_buf. */
static int run_mode(const struct bpfrt_prog *prog, const struct bpfrt_run_opts *opts, int *checked)
{
    const struct pt_desc *pt = prog->pt;

    if (!pt_can_run(pt)) {
        if (opts->err_buf && opts->err_size)
            snprintf(opts->err_buf, opts->err_size,
                     "program '%s' is of type %s, whose context (struct %s) bpfrt does not build yet: only programs "
                     "of the raw convention (raw instruction files, SEC(\"raw\")) run",
                     prog->name, pt->name, pt->ctx_struct ? pt->ctx_struct : "of its own");
        return -EOPNOTSUPP;
    }
    if ((opts->flags & BPFRT_RUN_CHECKED) && (opts->flags & BPFRT_RUN_UNVERIFIED_UNCHECKED)) {
        if (opts->err_buf && opts->err_size)
            snprintf(opts->err_buf, opts->err_size, "a run cannot be both checked and unchecked");
        return -EINVAL;
    }
    *checked = (opts->flags & BPFRT_RUN_CHECKED) || (!prog->verified && !(opts->flags & BPFRT_RUN_UNVERIFIED_UNCHECKED));
    return 0;
}

static void run_err(const struct bpfrt_run_opts *opts, const char *msg)
{
    if (opts->err_buf && opts->err_size)
        snprintf(opts->err_buf, opts->err_size, "%s", msg);
}

/* A typed program's test run: its context built from the input as the
 * kernel's test run builds it for the type (src/progtypes/testrun.c).
 * 0 with *trp set, or the kernel's errno with the reason in err_buf. */
static int run_build_ctx(const struct bpfrt_prog *prog, const struct bpfrt_run_opts *opts, struct pt_testrun **trp)
{
    struct pt_testrun *tr = calloc(1, sizeof(*tr));
    int err;

    *trp = NULL;
    if (!tr)
        return -ENOMEM;
    tr->data_in = opts->data;
    tr->data_size_in = opts->data ? (uint32_t)opts->data_size : 0;
    if (opts->data_size > UINT32_MAX) {
        free(tr);
        run_err(opts, "data_in is larger than 4 GiB");
        return -EINVAL;
    }
    tr->ctx_in = CM_OPT(opts, ctx_in, NULL);
    tr->ctx_size_in = CM_OPT(opts, ctx_size_in, 0);
    tr->ctx_out_wanted = CM_OPT(opts, ctx_out, NULL) != NULL;
    /* bpf_prog_test_run (kernel/bpf/syscall.c): a context pointer and
     * its size come together */
    if (!tr->ctx_in != !tr->ctx_size_in || tr->ctx_out_wanted != !!CM_OPT(opts, ctx_size_out, 0)) {
        free(tr);
        run_err(opts, "ctx_in and ctx_size_in, ctx_out and ctx_size_out must be given together (a pointer and a "
                      "non-zero size, or neither)");
        return -EINVAL;
    }
    tr->test_flags = CM_OPT(opts, test_flags, 0);
    tr->attach = (int)prog->attach;
    tr->prog_flags = prog->prog_flags;
    err = prog->pt->build_ctx(tr);
    if (err) {
        run_err(opts, tr->err);
        pt_testrun_free(tr);
        free(tr);
        return err;
    }
    *trp = tr;
    return 0;
}

/* bpf_test_finish and bpf_ctx_finish: the packet out (clamped to a
 * non-zero data_size_out, -ENOSPC), its size, then the context out
 * (clamped to ctx_size_out, -ENOSPC) unless the packet did not fit. */
static int run_finish_ctx(const struct bpfrt_prog *prog, struct bpfrt_run_opts *opts, struct pt_testrun *tr)
{
    uint32_t room, n;
    void *out;
    int err = 0;

    prog->pt->finish_ctx(tr);
    if (tr->finish_err) {
        /* the kernel reports nothing of such a run (not even retval) */
        opts->retval = 0;
        run_err(opts, tr->err);
        return tr->finish_err;
    }
    if (!CM_OPT_HAS(opts, data_size_out))
        return 0;
    n = tr->data_size_out;
    room = opts->data_size_out;
    if (room && n > room) {
        n = room;
        err = -ENOSPC;
    }
    /* the kernel copies (room - fragments) bytes of the linear part, then
     * the fragments up to the room; when the fragments alone do not fit it
     * copies nothing and reports nothing (not even the size or retval) */
    if (n < tr->frags_size_out) {
        opts->retval = 0;
        run_err(opts, "data_out is smaller than the fragments of the packet out");
        return -ENOSPC;
    }
    if (opts->data_out && n) {
        uint32_t lin = n - tr->frags_size_out;
        memcpy(opts->data_out, tr->data_out, lin);
        if (tr->frags_size_out)
            memcpy((uint8_t *)opts->data_out + lin, tr->frags_out, n - lin);
    }
    opts->data_size_out = tr->data_size_out;
    if (err) {
        run_err(opts, "data_out is smaller than the packet out (data_size_out says its size)");
        return err;
    }
    out = opts->ctx_out;
    if (!tr->uctx_size || !out)
        return 0;
    n = tr->uctx_size;
    if (n > opts->ctx_size_out) {
        n = opts->ctx_size_out;
        err = -ENOSPC;
        run_err(opts, "ctx_out is smaller than the context (ctx_size_out says its size)");
    }
    memcpy(out, tr->uctx, n);
    opts->ctx_size_out = tr->uctx_size;
    return err;
}

int bpfrt_prog__run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts)
{
    return rt_prog_run(prog, opts, NULL);
}

int rt_prog_run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts, int *refused)
{
    int owned;
    struct rt_run *run;
    uint64_t args[5] = {0}, r0 = 0, t0, t1;
    uint32_t repeat, i;
    uint64_t per_run, total, used = 0;
    unsigned base_regions;
    struct pt_testrun *tr = NULL;
    int checked, err = 0;

    if (!prog || !opts || opts->sz < offsetof(struct bpfrt_run_opts, err_size) + sizeof(opts->err_size))
        return -EINVAL;
    if (!opts->data && opts->data_size)
        return -EINVAL;
    err = run_mode(prog, opts, &checked);
    if (err)
        return err;
    if (refused)
        *refused = 0;
    if (prog->pt->build_ctx) {
        err = run_build_ctx(prog, opts, &tr);
        if (err) {
            if (refused)
                *refused = err != -ENOMEM;
            return err;
        }
    } else if (CM_OPT(opts, ctx_in, NULL) || CM_OPT(opts, ctx_out, NULL) || CM_OPT(opts, test_flags, 0)) {
        run_err(opts, "programs of the raw convention take no context and no test-run flags (r1 is the data, r2 its "
                      "length)");
        return -EINVAL;
    }
    run = run_get(&owned);
    if (!run) {
        pt_testrun_free(tr);
        free(tr);
        return -ENOMEM;
    }
    repeat = opts->repeat ? opts->repeat : 1;
    if (tr) {
        args[0] = (uint64_t)(uintptr_t)pt_testrun_kctx(tr);
    } else {
        args[0] = (uint64_t)(uintptr_t)opts->data;
        args[1] = opts->data ? opts->data_size : 0;
    }
    t0 = now_ns();
    run->nregions = 0;
    run->err = 0;
    run->err_pc = 0;
    run->errmsg[0] = 0;
    run->checked = 0;
    run->depth = 0;
    run->worker = opts->worker;
    run->ctx = NULL;
    run->ctx_kind = RT_CTX_NONE;
    if (tr) {
        /* r1 is the context; LD_ABS/LD_IND read the skb's data */
        run->ctx = pt_testrun_kctx(tr);
        run->ctx_kind = tr->ctx_kind;
        run->pkt = NULL;
        run->pkt_len = 0;
        run->pkt_neg = NULL;
        if (tr->ctx_kind == RT_CTX_XDP) {
            tr->k.xdp.run = run;
        } else {
            tr->k.skb.run = run;
            run->pkt = tr->k.skb.data;
            run->pkt_len = tr->k.skb.len - tr->k.skb.data_len;
            run->pkt_neg = hlp_skb_ld_neg;
        }
        if (pt_testrun_add_regions(tr, run))
            err = -E2BIG;
    } else {
        run->pkt = opts->data;
        run->pkt_len = (uint32_t)opts->data_size;
        run->pkt_neg = NULL;
        if (opts->data && opts->data_size)
            rt_add_region(run, (uint64_t)(uintptr_t)opts->data, opts->data_size, RT_RW, "data");
    }
    /* the storage of every map the program names: values that lookups
     * return and global data live there */
    run->tail_call = prog_tail_call;
    run->engine = prog->engine;
    run->fib = CM_OPT(opts, fib, NULL);
    for (unsigned k = 0; k < prog->nmaps; k++) {
        if (err || hlp_add_map_region(run, prog->maps[k])) {
            run_put(run, owned);
            pt_testrun_free(tr);
            free(tr);
            if (opts->err_buf && opts->err_size)
                snprintf(opts->err_buf, opts->err_size, "program uses too many maps for a checked run");
            return -E2BIG;
        }
    }
    if (!err && (err = cg_storages_alloc(prog, run))) {
        cg_storages_free(run);
        run_put(run, owned);
        pt_testrun_free(tr);
        free(tr);
        if (opts->err_buf && opts->err_size)
            snprintf(opts->err_buf, opts->err_size, "cannot allocate the program's cgroup storage");
        return err;
    }
    base_regions = run->nregions;
    per_run = opts->budget ? opts->budget : BPFRT_DEFAULT_BUDGET;
    total = CM_OPT(opts, total_budget, 0);
    for (i = 0; i < repeat; i++) {
        uint64_t b = per_run;

        /* the last runs get what is left of the total budget */
        if (total && total - used < b)
            b = total - used;
        /* reset only what a run changes (the fixed cost shows on short programs) */
        run->nregions = base_regions;
        run->maps = prog->maps; /* a tail call switches to the target's */
        run->nmaps = prog->nmaps;
        run->budget = b;
        run->insn_cnt = 0;
        run->tail_calls = 0;
        memset(&run->redirect, 0, sizeof(run->redirect));
        if (prog->engine->run_many && !checked && !total && repeat - i > 1) {
            /* the engine's own loop while runs leave nothing to reset */
            uint32_t done = 0;
            err = prog->engine->run_many(prog->image, run, args, repeat - i, b, &done, &r0);
            if (done)
                i += done - 1;
        } else {
            err = prog->engine->run(prog->image, run, args, checked, &r0);
        }
        used += b - run->budget;
        if (err == -ELOOP && b < per_run && !strncmp(run->errmsg, "instruction budget exceeded", 27)) {
            snprintf(run->errmsg, sizeof(run->errmsg),
                     "total instruction budget of %llu instructions for all repeat runs spent in run %u of %u",
                     (unsigned long long)total, i + 1, repeat);
            err = run->err = -E2BIG;
        }
        if (hlp_spin_lock_release(run) && checked && !err)
            err = rt_fail(run, -EINVAL, run->err_pc, "the program ended holding a bpf_spin_lock (released now)");
        if (checked && hlp_ringbuf_release_all(run) && !err)
            err = rt_fail(run, -EINVAL, run->err_pc,
                          "the program ended holding a ringbuf record it reserved and neither submitted nor "
                          "discarded (discarded now)");
        if (err)
            break;
    }
    t1 = now_ns();
    if (err) {
        if (opts->err_buf && opts->err_size)
            snprintf(opts->err_buf, opts->err_size, "insn %u: %s", run->err_pc, run->errmsg);
    } else {
        /* a typed program's return value is the kernel's u32 */
        opts->retval = tr ? (uint32_t)r0 : r0;
        opts->duration_ns = (t1 - t0) / repeat;
        opts->insn_cnt = run->insn_cnt;
        if (CM_OPT_HAS(opts, redirect_flags)) {
            opts->redirect_ifindex = run->redirect.ifindex;
            opts->redirect_map_id = run->redirect.map ? run->redirect.map->id : 0;
            opts->redirect_key = run->redirect.map ? run->redirect.key : 0;
            opts->redirect_flags = run->redirect.flags;
        }
    }
    run->ctx = NULL;
    run->ctx_kind = RT_CTX_NONE;
    run->pkt = NULL;
    run->fib = NULL;
    cg_storages_free(run);
    run_put(run, owned);
    if (tr) {
        if (!err)
            err = run_finish_ctx(prog, opts, tr);
        pt_testrun_free(tr);
        free(tr);
    }
    return err;
}
