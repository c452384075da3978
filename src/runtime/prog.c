/* prog.c - programs: load (check, copy, decode once) and run. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "../engine/engine.h"
#include "../isa/isa.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "../helpers/helpers.h"
#include "prog_pin.h"
#include "prog_registry.h"

struct bpfrt_prog {
    struct bpf_insn *insns;
    size_t cnt;
    enum bpf_prog_type type;
    char name[64];
    struct interp_code *code;
    struct bpfrt_map **maps; /* maps the program references, each once */
    unsigned nmaps;
    uint32_t id;             /* unique, from 1, as bpftool shows */
    /* What bpftool shows and a pin keeps (prog_pin.c). */
    char license[128];
    enum bpf_attach_type attach;
    uint64_t loaded_at; /* seconds since the epoch */
    uint32_t uid;
    uint8_t tag[8];
    int has_tag;
    struct prog_src_info src; /* func/line info, when the loader's caller gave it */
    /* Maps opened for this program (from a pin): freed with it. */
    struct bpfrt_map **owned;
    unsigned nowned;
};

/* ---- live programs by id ---- */

static pthread_mutex_t progs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bpfrt_prog **progs;
static size_t nprogs, progs_cap;
static uint32_t prog_next_id;

static int prog_register(struct bpfrt_prog *p)
{
    int err = 0;

    pthread_mutex_lock(&progs_lock);
    if (nprogs == progs_cap) {
        size_t cap = progs_cap ? progs_cap * 2 : 32;
        struct bpfrt_prog **n = realloc(progs, cap * sizeof(*n));
        if (!n)
            err = -ENOMEM;
        else
            progs = n, progs_cap = cap;
    }
    if (!err) {
        p->id = ++prog_next_id;
        progs[nprogs++] = p;
    }
    pthread_mutex_unlock(&progs_lock);
    return err;
}

static void prog_unregister(struct bpfrt_prog *p)
{
    pthread_mutex_lock(&progs_lock);
    for (size_t i = 0; i < nprogs; i++)
        if (progs[i] == p) {
            progs[i] = progs[--nprogs];
            break;
        }
    if (!nprogs) {
        free(progs);
        progs = NULL;
        progs_cap = 0;
    }
    pthread_mutex_unlock(&progs_lock);
}

struct bpfrt_prog *prog_get_by_id(uint32_t id)
{
    struct bpfrt_prog *p = NULL;

    pthread_mutex_lock(&progs_lock);
    for (size_t i = 0; i < nprogs && !p; i++)
        if (progs[i]->id == id)
            p = progs[i];
    pthread_mutex_unlock(&progs_lock);
    return p;
}

enum bpf_prog_type prog_get_type(const struct bpfrt_prog *p)
{
    return p->type;
}

uint32_t bpfrt_prog__id(const struct bpfrt_prog *prog)
{
    return prog->id;
}

enum bpf_prog_type bpfrt_prog__type(const struct bpfrt_prog *prog)
{
    return prog->type;
}

static int log_at(char *log, size_t logsz, int err, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int log_at(char *log, size_t logsz, int err, size_t i, const char *fmt, ...)
{
    if (log && logsz) {
        va_list ap;
        int n = snprintf(log, logsz, "insn %zu: ", i);
        va_start(ap, fmt);
        if (n > 0 && (size_t)n < logsz)
            vsnprintf(log + n, logsz - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return err;
}

static int add_used_map(struct bpfrt_prog *prog, struct bpfrt_map *m)
{
    struct bpfrt_map **n;

    for (unsigned i = 0; i < prog->nmaps; i++)
        if (prog->maps[i] == m)
            return 0;
    n = realloc(prog->maps, (prog->nmaps + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    prog->maps = n;
    prog->maps[prog->nmaps++] = m;
    return 0;
}

/* GPL-only helpers need a GPL-compatible license, as in the kernel
 * (check_helper_call: "cannot call GPL-restricted function from non-GPL
 * compatible program"). */
static int check_license(const struct bpf_insn *insns, size_t cnt, const char *license, char *log, size_t logsz)
{
    int gpl = hlp_license_is_gpl(license);

    for (size_t i = 0; i < cnt; i++) {
        const struct bpf_insn *in = &insns[i];
        const struct hlp_desc *h;
        if (isa_is_ldimm64(in)) {
            i++;
            continue;
        }
        if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != 0)
            continue;
        h = hlp_find((uint32_t)in->imm);
        if (h && h->gpl_only && !gpl)
            return log_at(log, logsz, -EINVAL, i,
                          "cannot call GPL-restricted function bpf_%s#%d from non-GPL compatible program "
                          "(license \"%s\")",
                          h->name, in->imm, license);
    }
    return 0;
}

/* Resolve map references: an LD_IMM64 with BPF_PSEUDO_MAP_FD names a map
 * by id (bpfrt's fd is the id bpftool shows) and loads its address; with
 * BPF_PSEUDO_MAP_VALUE it loads the address of byte imm2 of the array's
 * value (global data).  The executable copy gets plain constants; the
 * program's own instructions keep the references for dumps, as the
 * kernel's xlated form does. */
static int resolve_maps(struct bpfrt_prog *prog, struct bpf_insn *exec, char *log, size_t logsz)
{
    for (size_t i = 0; i + 1 < prog->cnt; i++) {
        struct bpf_insn *in = &exec[i];
        struct bpfrt_map *m;
        uint64_t addr;
        int err;

        if (!isa_is_ldimm64(in))
            continue;
        switch (in->src_reg) {
        case 0: i++; continue;
        case BPF_PSEUDO_MAP_FD:
        case BPF_PSEUDO_MAP_VALUE: break;
        case BPF_PSEUDO_MAP_IDX:
        case BPF_PSEUDO_MAP_IDX_VALUE:
            return log_at(log, logsz, -EINVAL, i, "map index %d needs an fd_array, which bpfrt does not take",
                          in->imm);
        case BPF_PSEUDO_BTF_ID:
            return log_at(log, logsz, -EOPNOTSUPP, i,
                          "kernel symbol (BTF id %d) has no meaning in user space", in->imm);
        default: i++; continue; /* BPF_PSEUDO_FUNC: the engine decides */
        }
        m = map_by_id((uint32_t)in->imm);
        if (!m)
            return log_at(log, logsz, -EBADF, i, "fd %d is not pointing to a valid map (no map with id %d)",
                          in->imm, in->imm);
        if (in->src_reg == BPF_PSEUDO_MAP_FD) {
            if (in[1].imm)
                return log_at(log, logsz, -EINVAL, i, "map reference with a non-zero second immediate");
            addr = (uint64_t)(uintptr_t)m;
        } else {
            uint32_t zero = 0, off = (uint32_t)in[1].imm;
            void *v;
            if (m->type != BPF_MAP_TYPE_ARRAY || !m->ops->lookup)
                return log_at(log, logsz, -EINVAL, i, "direct value access needs an array map; map '%s' is not",
                              m->name);
            if (off >= m->value_size)
                return log_at(log, logsz, -EINVAL, i,
                              "direct value offset %u is past the value of map '%s' (%u bytes)", off, m->name,
                              m->value_size);
            v = m->ops->lookup(m, &zero, 0);
            if (!v)
                return log_at(log, logsz, -EINVAL, i, "map '%s' has no element 0", m->name);
            addr = (uint64_t)(uintptr_t)v + off;
        }
        err = add_used_map(prog, m);
        if (err)
            return err;
        in[0].src_reg = 0;
        in[0].imm = (int32_t)(uint32_t)addr;
        in[1].imm = (int32_t)(uint32_t)(addr >> 32);
        i++;
    }
    return 0;
}

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
    prog->loaded_at = (uint64_t)time(NULL);
    prog->uid = (uint32_t)getuid();
    {
        struct bpf_insn *exec = malloc(cnt * sizeof(*insns));
        if (!exec) {
            bpfrt_prog__free(prog);
            return -ENOMEM;
        }
        memcpy(exec, insns, cnt * sizeof(*insns));
        const char *license = OPT(opts, license, NULL);
        snprintf(prog->license, sizeof(prog->license), "%s", license ? license : "GPL");
        err = check_license(insns, cnt, prog->license, log, logsz);
        if (!err)
            err = resolve_maps(prog, exec, log, logsz);
        if (!err)
            err = interp_prepare(exec, cnt, &prog->code, log, logsz);
        free(exec);
    }
    if (!err)
        err = prog_register(prog);
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
    if (prog->id)
        prog_unregister(prog);
    interp_free(prog->code);
    free(prog->maps);
    free(prog->insns);
    prog_src_info_free(&prog->src);
    for (unsigned k = prog->nowned; k-- > 0;)
        bpfrt_map__free(prog->owned[k]);
    free(prog->owned);
    free(prog);
}

/* ---- facts for pinning and introspection (prog_pin.h) ---- */

struct bpfrt_map *const *prog_used_maps(const struct bpfrt_prog *prog, unsigned *n)
{
    *n = prog->nmaps;
    return prog->maps;
}

const char *prog_license(const struct bpfrt_prog *prog)
{
    return prog->license;
}

enum bpf_attach_type prog_attach_type(const struct bpfrt_prog *prog)
{
    return prog->attach;
}

void prog_set_attach_type(struct bpfrt_prog *prog, enum bpf_attach_type t)
{
    prog->attach = t;
}

uint64_t prog_loaded_at(const struct bpfrt_prog *prog)
{
    return prog->loaded_at;
}

uint32_t prog_uid(const struct bpfrt_prog *prog)
{
    return prog->uid;
}

void prog_set_origin(struct bpfrt_prog *prog, uint64_t loaded_at, uint32_t uid)
{
    prog->loaded_at = loaded_at;
    prog->uid = uid;
}

const uint8_t *prog_tag(const struct bpfrt_prog *prog)
{
    return prog->has_tag ? prog->tag : NULL;
}

void prog_set_tag(struct bpfrt_prog *prog, const uint8_t tag[8])
{
    memcpy(prog->tag, tag, 8);
    prog->has_tag = 1;
}

const struct prog_src_info *prog_src(const struct bpfrt_prog *prog)
{
    return &prog->src;
}

int prog_set_src(struct bpfrt_prog *prog, const struct prog_src_info *src)
{
    struct prog_src_info copy;
    int err = prog_src_info_copy(&copy, src);

    if (err)
        return err;
    prog_src_info_free(&prog->src);
    prog->src = copy;
    return 0;
}

int prog_own_maps(struct bpfrt_prog *prog, struct bpfrt_map **maps, unsigned n)
{
    struct bpfrt_map **o = realloc(prog->owned, (prog->nowned + n) * sizeof(*o));

    if (!o && n)
        return -ENOMEM;
    prog->owned = o;
    memcpy(prog->owned + prog->nowned, maps, n * sizeof(*maps));
    prog->nowned += n;
    return 0;
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

/* Checked mode: may the run touch map m's storage?  Adds its region when
 * it is not there yet; 0, or -E2BIG when the run has no room left. */
static int run_add_map_region(struct rt_run *run, const struct bpfrt_map *m)
{
    uint64_t start = (uint64_t)(uintptr_t)m->arena.base;

    if (!hlp_map_storage_visible(m))
        return 0;
    for (unsigned i = 0; i < run->nregions; i++)
        if (run->regions[i].start == start)
            return 0;
    return rt_add_region(run, start, m->arena.size, (m->map_flags & BPF_F_RDONLY_PROG) ? RT_R : RT_RW, "map");
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
static int64_t prog_tail_call(struct rt_run *run, uint64_t map, uint32_t index, const struct interp_code **code)
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
    p = m->ops->lookup(m, &index, run->worker);
    if (!p)
        return -ENOENT;
    if (run->checked)
        for (unsigned k = 0; k < p->nmaps; k++)
            if (run_add_map_region(run, p->maps[k]))
                return rt_fail(run, -E2BIG, 0, "helper bpf_tail_call: too many maps in one checked run");
    run->maps = p->maps;
    run->nmaps = p->nmaps;
    *code = p->code;
    return 0;
}

int bpfrt_prog__run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts)
{
    int owned;
    struct rt_run *run;
    uint64_t args[5] = {0}, r0 = 0, t0, t1;
    uint32_t repeat, i;
    uint64_t per_run, total, used = 0;
    unsigned base_regions;
    int checked, err = 0;

    if (!prog || !opts || opts->sz < offsetof(struct bpfrt_run_opts, err_size) + sizeof(opts->err_size))
        return -EINVAL;
    if (!opts->data && opts->data_size)
        return -EINVAL;
    run = run_get(&owned);
    if (!run)
        return -ENOMEM;
    checked = !!(opts->flags & BPFRT_RUN_CHECKED);
    repeat = opts->repeat ? opts->repeat : 1;
    args[0] = (uint64_t)(uintptr_t)opts->data;
    args[1] = opts->data ? opts->data_size : 0;
    t0 = now_ns();
    run->nregions = 0;
    run->err = 0;
    run->err_pc = 0;
    run->errmsg[0] = 0;
    run->checked = 0;
    run->depth = 0;
    run->worker = opts->worker;
    run->pkt = opts->data;
    run->pkt_len = (uint32_t)opts->data_size;
    if (opts->data && opts->data_size)
        rt_add_region(run, (uint64_t)(uintptr_t)opts->data, opts->data_size, RT_RW, "data");
    /* the storage of every map the program names: values that lookups
     * return and global data live there */
    run->tail_call = prog_tail_call;
    for (unsigned k = 0; k < prog->nmaps; k++) {
        const struct bpfrt_map *m = prog->maps[k];
        if (!hlp_map_storage_visible(m))
            continue; /* a ring buffer: reached through reservations only */
        if (rt_add_region(run, (uint64_t)(uintptr_t)m->arena.base, m->arena.size,
                          (m->map_flags & BPF_F_RDONLY_PROG) ? RT_R : RT_RW, "map")) {
            run_put(run, owned);
            if (opts->err_buf && opts->err_size)
                snprintf(opts->err_buf, opts->err_size, "program uses too many maps for a checked run");
            return -E2BIG;
        }
    }
    base_regions = run->nregions;
    per_run = opts->budget ? opts->budget : BPFRT_DEFAULT_BUDGET;
    total = OPT(opts, total_budget, 0);
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
        err = interp_run(prog->code, run, args, checked, &r0);
        used += b - run->budget;
        if (err == -ELOOP && b < per_run && !strncmp(run->errmsg, "instruction budget exceeded", 27)) {
            snprintf(run->errmsg, sizeof(run->errmsg),
                     "total instruction budget of %llu instructions for all repeat runs spent in run %u of %u",
                     (unsigned long long)total, i + 1, repeat);
            err = run->err = -E2BIG;
        }
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
        opts->retval = r0;
        opts->duration_ns = (t1 - t0) / repeat;
        opts->insn_cnt = run->insn_cnt;
    }
    run_put(run, owned);
    return err;
}
