/* prog.c - programs: load (check, copy, decode once) and run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfrt/bpfrt.h"
#include "../engine/engine.h"
#include "../isa/isa.h"

struct bpfrt_prog {
    struct bpf_insn *insns;
    size_t cnt;
    enum bpf_prog_type type;
    char name[64];
    struct interp_code *code;
};

#define OPT(opts, field, dflt) \
    ((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field) ? (opts)->field : (dflt))

int bpfrt_prog__load_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts,
                           struct bpfrt_prog **progp)
{
    char *log = OPT(opts, log_buf, NULL);
    size_t logsz = OPT(opts, log_size, 0);
    const char *name = OPT(opts, name, NULL);
    struct bpfrt_prog *prog;
    int err;

    if (log && logsz)
        log[0] = 0;
    if (!progp || (!insns && cnt))
        return -EINVAL;
    if (cnt > BPFRT_MAX_INSNS) {
        if (log && logsz)
            snprintf(log, logsz, "program of %zu instructions exceeds the limit of %u", cnt, BPFRT_MAX_INSNS);
        return -E2BIG;
    }
    err = isa_check_prog(insns, cnt, log, logsz);
    if (err)
        return err;
    prog = calloc(1, sizeof(*prog));
    if (!prog)
        return -ENOMEM;
    prog->insns = malloc(cnt * sizeof(*insns));
    if (!prog->insns) {
        free(prog);
        return -ENOMEM;
    }
    memcpy(prog->insns, insns, cnt * sizeof(*insns));
    prog->cnt = cnt;
    prog->type = OPT(opts, type, BPF_PROG_TYPE_UNSPEC);
    snprintf(prog->name, sizeof(prog->name), "%s", name ? name : "");
    err = interp_prepare(prog->insns, cnt, &prog->code, log, logsz);
    if (err) {
        bpfrt_prog__free(prog);
        return err;
    }
    *progp = prog;
    return 0;
}

void bpfrt_prog__free(struct bpfrt_prog *prog)
{
    if (!prog)
        return;
    interp_free(prog->code);
    free(prog->insns);
    free(prog);
}

size_t bpfrt_prog__insn_cnt(const struct bpfrt_prog *prog)
{
    return prog->cnt;
}

const struct bpf_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog)
{
    return prog->insns;
}

const char *bpfrt_prog__name(const struct bpfrt_prog *prog)
{
    return prog->name;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bpfrt_prog__run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts)
{
    struct rt_run *run;
    uint64_t args[5] = {0}, r0 = 0, t0, t1;
    uint32_t repeat, i;
    unsigned base_regions;
    int checked, err = 0;

    if (!prog || !opts || opts->sz < offsetof(struct bpfrt_run_opts, err_size) + sizeof(opts->err_size))
        return -EINVAL;
    if (!opts->data && opts->data_size)
        return -EINVAL;
    run = aligned_alloc(16, (sizeof(*run) + 15) & ~(size_t)15);
    if (!run)
        return -ENOMEM;
    memset(run->stack, 0, sizeof(run->stack));
    checked = !!(opts->flags & BPFRT_RUN_CHECKED);
    repeat = opts->repeat ? opts->repeat : 1;
    args[0] = (uint64_t)(uintptr_t)opts->data;
    args[1] = opts->data ? opts->data_size : 0;
    t0 = now_ns();
    memset(run, 0, offsetof(struct rt_run, stack));
    run->worker = opts->worker;
    run->pkt = opts->data;
    run->pkt_len = (uint32_t)opts->data_size;
    if (opts->data && opts->data_size)
        rt_add_region(run, (uint64_t)(uintptr_t)opts->data, opts->data_size, RT_RW, "data");
    base_regions = run->nregions;
    for (i = 0; i < repeat; i++) {
        /* reset only what a run changes (the fixed cost shows on short programs) */
        run->nregions = base_regions;
        run->budget = opts->budget ? opts->budget : BPFRT_DEFAULT_BUDGET;
        run->insn_cnt = 0;
        run->tail_calls = 0;
        err = interp_run(prog->code, run, args, checked, &r0);
        if (err)
            break;
    }
    t1 = now_ns();
    if (err) {
        if (opts->err_buf && opts->err_size)
            snprintf(opts->err_buf, opts->err_size, "insn %u: %s", run->err_pc, run->errmsg);
    } else {
        opts->retval = r0;
        opts->duration_ns = (t1 - t0) / repeat;
        opts->insn_cnt = run->insn_cnt;
    }
    free(run);
    return err;
}
