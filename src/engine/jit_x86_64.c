/* jit_x86_64.c - the x86-64 JIT engine (eng_jit): image, runs, callbacks,
 * tail calls.
 *
 * prepare: the interpreter's image first (it checks every instruction and
 * runs the program's checked runs), then emission passes
 * (jit_x86_64_emit.c) until the layout of two passes is the same: jumps
 * sized from the previous pass can only shrink, so this converges (the
 * kernel's do_jit() loop in arch/x86/net/bpf_jit_comp.c works the same
 * way); after 64 passes the JIT falls back to every jump long, which
 * converges in two.  The code is written into an anonymous mapping that is
 * writable and not executable, then mprotect'ed read-only and executable
 * for the image's life: never both writable and executable.
 *
 * run: fast runs enter the machine code through the entry stub; checked
 * runs (unverified programs, BPFRT_RUN_CHECKED) run the interpreter's
 * image, with tail calls mapped to the target's interpreter image.
 */
#if defined(__x86_64__)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "jit_x86_64.h"

#define JIT_MAX_PASSES 64

/* ---- What the machine code calls ---- */

void jit_fail_budget(struct rt_run *run, uint32_t pc)
{
    rt_fail(run, -ELOOP, pc, "instruction budget exceeded");
}

void jit_fail_depth(struct rt_run *run, uint32_t pc, uint32_t target)
{
    rt_fail(run, -ELOOP, pc, "call depth exceeds %u frames (call to insn %u)", run->frames_max, target);
}

void jit_fail_end(struct rt_run *run, uint32_t pc)
{
    rt_fail(run, -EFAULT, pc, "internal error: ran past the last instruction");
}

/* bpf_tail_call(ctx, map, index): the interpreter's rules
 * (interp_tail_call): no hook -EOPNOTSUPP; else the runtime's hook.  From
 * a subprogram the jump into the target keeps the native frame: its
 * BPF_EXIT (ret) returns to the subprogram's caller, as in the kernel's
 * JIT.  a = r0, b = the target's body
 * (0: the call failed, the program goes on). */
struct jit_pair jit_tail_call(uint64_t r1, uint64_t map, uint64_t index, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    const void *t = NULL;
    int64_t ret;

    (void)r1;
    (void)r4;
    (void)r5;
    if (!run->tail_call)
        return (struct jit_pair){(uint64_t)(int64_t)-EOPNOTSUPP, 0};
    ret = run->tail_call(run, map, (uint32_t)index, &t);
    if (run->err || ret < 0 || !t)
        return (struct jit_pair){(uint64_t)ret, 0};
    {
        const struct jit_image *img = t;
        return (struct jit_pair){0, (uint64_t)(uintptr_t)(img->code + img->body_off)};
    }
}

/* LD_ABS / LD_IND's load (interp_body.inc LDPKT): a = the big-endian
 * value, b = 1 when [off, off + size) is outside the packet. */
struct jit_pair jit_ld_pkt(struct rt_run *run, int32_t off, uint32_t size)
{
    const uint8_t *p;
    uint64_t v = 0;

    if (off < 0 || (uint64_t)off + size > run->pkt_len || !run->pkt) {
        p = off < 0 && run->pkt_neg ? run->pkt_neg(run, off, size) : NULL;
        if (!p)
            return (struct jit_pair){0, 1};
    } else {
        p = run->pkt + off;
    }
    for (uint32_t k = 0; k < size; k++)
        v = v << 8 | p[k];
    return (struct jit_pair){v, 0};
}

static int jit_enter(const struct jit_image *img, struct rt_run *run, const void *target, const uint64_t args[5],
                     unsigned frame, uint64_t *r0)
{
    uint64_t regs[6];

    memcpy(regs, args, 5 * sizeof(*args));
    regs[5] = (uint64_t)(uintptr_t)(run->stack + sizeof(run->stack) - (size_t)frame * ISA_STACK);
    return ((jit_entry_fn)(uintptr_t)(img->code + img->entry_off))(run, target, regs, r0);
}

/* A callback for a helper (rt_callback_fn), the interpreter's rules
 * (interp_callback): fn must be an instruction's code in the running
 * image; one frame deeper; one unit of budget. */
int jit_callback(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0)
{
    const struct jit_image *img = run->image;
    const uint32_t depth = run->depth, pc = run->err_pc;
    size_t lo;
    int err;

    if (!img)
        return rt_fail(run, -EFAULT, pc, "internal error: callback outside a callback helper");
    lo = jit_insn_at(img, fn);
    if (lo >= img->cnt)
        return rt_fail(run, -EFAULT, pc, "callback 0x%llx is not an instruction of the program",
                       (unsigned long long)fn);
    if (depth + 1 >= run->frames_max)
        return rt_fail(run, -ELOOP, pc, "call depth exceeds %u frames (callback at insn %zu)", run->frames_max, lo);
    if (!run->budget)
        return rt_fail(run, -ELOOP, pc, "instruction budget exceeded");
    run->budget--;
    run->depth = depth + 1;
    err = jit_enter(img, run, (const void *)(uintptr_t)fn, args, depth + 1, r0);
    run->depth = depth;
    run->image = img;
    run->callback = jit_callback;
    if (!err)
        run->err_pc = pc;
    return err;
}

/* ---- Checked runs: the interpreter ---- */

/* The runtime's tail-call hook hands back images of this engine; a
 * checked run continues in the target's interpreter image.  The hook of
 * the run being delegated, per thread (runs nest through callbacks only
 * inside one engine's run). */
static _Thread_local rt_tail_call_fn jit_outer_tail_call;

static int64_t jit_checked_tail_call(struct rt_run *run, uint64_t map, uint32_t index, const void **image)
{
    int64_t ret = jit_outer_tail_call(run, map, index, image);

    if (!ret && *image)
        *image = ((const struct jit_image *)*image)->interp;
    return ret;
}

static int jit_run_checked(const struct jit_image *img, struct rt_run *run, const uint64_t args[5], uint64_t *r0)
{
    rt_tail_call_fn saved = jit_outer_tail_call, hook = run->tail_call;
    int err;

    jit_outer_tail_call = hook;
    run->tail_call = hook ? jit_checked_tail_call : NULL;
    err = eng_interp.run(img->interp, run, args, 1, r0);
    run->tail_call = hook;
    jit_outer_tail_call = saved;
    return err;
}

/* ---- The engine ---- */

static void jit_free(void *image)
{
    struct jit_image *img = image;

    if (!img)
        return;
    if (img->code)
        munmap(img->code, img->map_len);
    if (img->interp)
        eng_interp.free(img->interp);
    free(img->addrs);
    free(img);
}

static int jit_run(const void *image, struct rt_run *run, const uint64_t args[5], int checked, uint64_t *r0)
{
    const struct jit_image *img = image;

    if (checked)
        return jit_run_checked(img, run, args, r0);
    run->err = 0;
    run->checked = 0;
    run->depth = 0;
    run->frames_max = ISA_MAX_FRAMES;
    run->tail_calls = 0;
    run->redirect.map = NULL;
    return jit_enter(img, run, img->code + img->body_off, args, 0, r0);
}

/* eng_ops.run_many: the image's repeat loop (emit_many). */
static int jit_run_many(const void *image, struct rt_run *run, const uint64_t args[5], uint32_t n, uint64_t budget,
                        uint32_t *done, uint64_t *r0)
{
    const struct jit_image *img = image;
    uint64_t regs[7];
    int err;

    memcpy(regs, args, 5 * sizeof(*args));
    regs[5] = (uint64_t)(uintptr_t)(run->stack + sizeof(run->stack));
    regs[6] = (uint64_t)(uintptr_t)r0;
    run->err = 0;
    run->checked = 0;
    run->depth = 0;
    run->eng_budget = budget;
    run->eng_regs = regs;
    run->eng_left = n;
    run->eng_nregions = run->nregions;
    /* the count goes where the entry stub keeps r0's address (emit_many) */
    err = ((jit_entry_fn)(uintptr_t)(img->code + img->many_off))(run, NULL, regs, (uint64_t *)(uintptr_t)n);
    /* the runs left are stored back on the way out, not when a run fails */
    *done = err ? 0 : n - run->eng_left;
    run->eng_regs = NULL;
    if (!err && !*done) /* cannot happen: a run either completes or fails */
        err = rt_fail(run, -EFAULT, 0, "internal error: the JIT's repeat loop ran no run");
    return err;
}

/* Passes until two give the same layout (see the file's head). */
static int jit_passes(struct jit_image *img, struct jit_ctx *c, struct eng_log *log)
{
    const size_t n = img->cnt + 1;
    uint32_t *a = calloc(n, sizeof(*a)), *b = calloc(n, sizeof(*b));
    long page = sysconf(_SC_PAGESIZE);
    int err = -ENOMEM, done = 0;
    void *map;

    if (!a || !b)
        goto out;
    c->prev = NULL;
    c->cur = a;
    err = jit_emit_all(c, log);
    if (err)
        goto out;
    /* the first pass (every jump long) is the largest */
    img->map_len = (c->len + (size_t)page - 1) & ~((size_t)page - 1);
    map = mmap(NULL, img->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        err = -ENOMEM;
        goto out;
    }
    img->code = map;
    c->base = (uint64_t)(uintptr_t)map;
    for (img->passes = 1; img->passes < JIT_MAX_PASSES && !done; img->passes++) {
        uint32_t *t;
        c->prev = a;
        c->cur = b;
        err = jit_emit_all(c, log);
        if (err)
            goto out;
        done = !memcmp(a, b, n * sizeof(*a));
        t = a;
        a = b;
        b = t;
    }
    if (!done) /* cannot happen with shrinking jumps; kept finite anyway */
        err = -ELOOP;
    if (err)
        goto out;
    if (c->len > img->map_len) {
        err = -EFAULT;
        goto out;
    }
    memcpy(img->code, c->buf, c->len);
    img->code_len = c->len;
    img->body_off = a[0];
    img->entry_off = c->st.entry;
    img->many_off = c->st.many;
    img->addrs = a;
    a = NULL;
    if (mprotect(img->code, img->map_len, PROT_READ | PROT_EXEC))
        err = -errno;
out:
    if (err == -ENOMEM && log && log->buf && log->size && !log->buf[0])
        snprintf(log->buf, log->size, "the JIT is out of memory");
    if (err == -ELOOP && log && log->buf && log->size)
        snprintf(log->buf, log->size, "the JIT's jump sizes did not converge in %d passes", JIT_MAX_PASSES);
    free(a);
    free(b);
    return err;
}

/* Per instruction: bit 0 where control may arrive other than by falling
 * through (jump and call targets, callbacks: LD_IMM64 of a function,
 * instruction 0); bit 1 on the second slot of an LD_IMM64. */
static uint8_t *jit_entered(const struct eng_input *in)
{
    uint8_t *e = calloc(in->cnt, 1);

    if (!e)
        return NULL;
    e[0] = 1;
    for (size_t i = 0; i < in->cnt; i++) {
        int64_t t;
        if (isa_is_ldimm64(&in->insns[i])) {
            t = (int64_t)i + 1 + in->insns[i].imm;
            if (in->insns[i].src_reg == BPF_PSEUDO_FUNC && t >= 0 && (size_t)t < in->cnt)
                e[t] |= 1;
            if (++i < in->cnt)
                e[i] |= 2;
        } else if (isa_branch_target(in->insns, i, &t) && t >= 0 && (size_t)t < in->cnt) {
            e[t] |= 1;
        }
    }
    return e;
}

static int jit_prepare(const struct eng_input *in, void **imagep, struct eng_log *log)
{
    struct jit_image *img;
    struct jit_ctx c = {0};
    int err;

    if (log)
        log->err_insn = -1;
    if (!in || !in->insns || !in->cnt || !imagep || in->cnt > UINT32_MAX / 64)
        return -EINVAL;
    img = calloc(1, sizeof(*img));
    if (!img)
        return -ENOMEM;
    img->cnt = in->cnt;
    err = eng_interp.prepare(in, &img->interp, log);
    if (!err) {
        const char *b = getenv("BPFRT_JIT_BLIND");
        c.in = in;
        c.img = img;
        /* constant blinding, as the kernel's net.core.bpf_jit_harden */
        c.blind = b && !strcmp(b, "1");
        if (c.blind && getrandom(&c.key, sizeof(c.key), 0) != (ssize_t)sizeof(c.key))
            err = -EIO;
        img->blinded = c.blind;
    }
    if (!err && !(c.entered = jit_entered(in)))
        err = -ENOMEM;
    if (!err) {
        err = jit_passes(img, &c, log);
    }
    free((void *)c.entered);
    free(c.buf);
    if (err) {
        jit_free(img);
        return err;
    }
    *imagep = img;
    return 0;
}

static size_t jit_image_size(const void *image)
{
    return ((const struct jit_image *)image)->code_len;
}

static const uint8_t *jit_code(const void *image, const uint32_t **offs)
{
    const struct jit_image *img = image;

    *offs = img->addrs;
    return img->code;
}

const struct eng_ops eng_jit = {
    .name = "jit",
    .prepare = jit_prepare,
    .run = jit_run,
    .run_many = jit_run_many,
    .free = jit_free,
    .image_size = jit_image_size,
    .code = jit_code,
};

#endif /* __x86_64__ */
