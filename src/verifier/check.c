/* check.c - the walk over every path of the program (the kernel's
 * do_check): one instruction at a time with the abstract state, the
 * other side of each undecided branch kept for later, paths cut short
 * where a state already proven safe covers the current one (prune.c).
 * Instruction classes go to their rooms: alu.c, mem.c, jmp.c, calls.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../isa/isa.h"
#include "check.h"

struct vf_stack_elem {
    struct vf_state *st;
    uint32_t insn, prev_insn;
    uint32_t path_len;  /* the branch record's length at the fork */
    uint64_t log_pos;   /* the log's end at the fork (level 1 shows one path) */
};

/* Resuming the path saved at fork_insn: the record of branch decisions
 * goes back to the fork and takes the other direction. */
static void path_resume(struct vf_env *env, const struct vf_stack_elem *e)
{
    int taken = 1;

    if (e->path_len < env->path_len && env->path[e->path_len] >> 1 == e->prev_insn)
        taken = !(env->path[e->path_len] & 1);
    vf_path_cut(env, e->path_len);
    vf_path_push(env, e->prev_insn, taken);
}

int vf_check_reg_read(struct vf_env *env, uint32_t regno)
{
    struct vf_reg *r;

    if (regno >= VF_MAX_REG)
        return vf_reject(env, -EINVAL, env->insn_idx, "R%u is invalid", regno);
    r = &vf_regs(env)[regno];
    if (r->type == VF_NOT_INIT)
        return vf_reject(env, -EACCES, env->insn_idx, "R%u !read_ok", regno);
    r->live |= VF_LIVE_READ64;
    return 0;
}

int vf_check_reg_write_keep(struct vf_env *env, uint32_t regno)
{
    if (regno >= VF_MAX_REG)
        return vf_reject(env, -EINVAL, env->insn_idx, "R%u is invalid", regno);
    if (regno == BPF_REG_10)
        return vf_reject(env, -EACCES, env->insn_idx, "frame pointer is read only");
    vf_regs(env)[regno].live |= VF_LIVE_WRITTEN;
    return 0;
}

int vf_check_reg_write(struct vf_env *env, uint32_t regno)
{
    int err = vf_check_reg_write_keep(env, regno);

    if (!err)
        vf_reg_unknown(env, &vf_regs(env)[regno]);
    return err;
}

void vf_copy_reg(struct vf_reg *dst, const struct vf_reg *src)
{
    struct vf_reg *parent = dst->parent;
    uint8_t live = dst->live;

    *dst = *src;
    dst->parent = parent;
    dst->live = live | VF_LIVE_WRITTEN;
}

int vf_is_ptr_leak(struct vf_env *env, const struct vf_reg *r)
{
    return !env->priv && vf_is_ptr(r);
}

struct vf_state *vf_push_branch(struct vf_env *env, uint32_t insn, uint32_t prev_insn, int *err)
{
    struct vf_stack_elem *e;
    struct vf_state *st;

    if (env->stack_size >= VF_COMPLEXITY_LIMIT_JMP_SEQ) {
        *err = vf_reject(env, -E2BIG, env->insn_idx, "The sequence of %d jumps is too complex.", env->stack_size);
        return NULL;
    }
    if (!(env->stack_size & (env->stack_size - 1)) || !env->stack) {
        size_t cap = env->stack_size ? env->stack_size * 2 : 16;
        void *n = realloc(env->stack, cap * sizeof(struct vf_stack_elem));
        if (!n)
            goto nomem;
        env->stack = n;
    }
    st = vf_state_dup(env->cur);
    if (!st)
        goto nomem;
    if (st->parent)
        st->parent->branches++;
    e = &((struct vf_stack_elem *)env->stack)[env->stack_size++];
    e->st = st;
    e->insn = insn;
    e->prev_insn = prev_insn;
    e->path_len = env->path_len;
    e->log_pos = vf_log_pos(env);
    return st;
nomem:
    *err = vf_reject(env, -ENOMEM, env->insn_idx, "out of memory");
    return NULL;
}

void vf_drop_branch(struct vf_env *env, int take)
{
    struct vf_stack_elem *e = &((struct vf_stack_elem *)env->stack)[--env->stack_size];

    if (e->st->parent && e->st->parent->branches)
        e->st->parent->branches--;
    if (take) {
        e->st->parent = env->cur->parent;
        env->cur->parent = NULL;
        vf_state_free(env->cur);
        env->cur = e->st;
    } else {
        e->st->parent = NULL;
        vf_state_free(e->st);
    }
    if (env->path_len)
        env->path_len--;
}

/* A path ended (exit or pruned): its checkpoints have one live path
 * less (update_branch_counts). */
static void path_done(struct vf_state *st)
{
    for (struct vf_state *p = st->parent; p; p = p->parent) {
        if (p->branches)
            p->branches--;
        if (p->branches)
            break;
    }
    st->parent = NULL;
}

/* The next path to walk: 1 with env->cur replaced, 0 when none is left. */
static int pop_branch(struct vf_env *env)
{
    struct vf_stack_elem *e;

    if (!env->stack_size)
        return 0;
    e = &((struct vf_stack_elem *)env->stack)[--env->stack_size];
    vf_state_free(env->cur);
    env->cur = e->st;
    env->insn_idx = e->insn;
    env->prev_insn_idx = e->prev_insn;
    env->last_insn = e->prev_insn;
    path_resume(env, e);
    if ((env->log_level & VF_LOG_LEVEL1) && !(env->log_level & VF_LOG_LEVEL2))
        vf_log_reset(env, e->log_pos);
    return 1;
}

static int check_ld_imm64(struct vf_env *env, const struct bpf_insn *in)
{
    uint32_t i = env->insn_idx;
    struct vf_reg *dst;
    int err;

    if ((err = vf_check_reg_write(env, in->dst_reg)))
        return err;
    dst = &vf_regs(env)[in->dst_reg];
    switch (in->src_reg) {
    case 0: vf_mark_known(dst, isa_imm64(in)); return 0;
    case BPF_PSEUDO_MAP_FD:
    case BPF_PSEUDO_MAP_VALUE: {
        const struct bpfrt_map *m = env->insn_map ? env->insn_map[i] : NULL;
        if (!m)
            return vf_reject(env, -EINVAL, i, "fd %d is not pointing to valid bpf_map", in->imm);
        memset(dst, 0, offsetof(struct vf_reg, parent));
        dst->map = m;
        dst->var_off = tnum_const(0);
        if (in->src_reg == BPF_PSEUDO_MAP_FD) {
            dst->type = VF_CONST_PTR_TO_MAP;
        } else {
            dst->type = VF_PTR_TO_MAP_VALUE;
            dst->off = in[1].imm;
        }
        return 0;
    }
    case BPF_PSEUDO_FUNC: {
        int sub = vf_subprog_at(env, (uint32_t)((int64_t)i + in->imm + 1));
        if (sub < 0)
            return vf_reject(env, -EINVAL, i, "callback function target %d is not a subprogram",
                             (int)((int64_t)i + in->imm + 1));
        if (sub == 0)
            return vf_reject(env, -EINVAL, i, "callback function cannot be the main program");
        if (env->sub[sub].is_global)
            return vf_reject(env, -EINVAL, i, "callback function not static");
        memset(dst, 0, offsetof(struct vf_reg, parent));
        dst->type = VF_PTR_TO_FUNC;
        dst->subprog = (uint32_t)sub;
        dst->var_off = tnum_const(0);
        return 0;
    }
    case BPF_PSEUDO_BTF_ID:
        return vf_reject(env, -EINVAL, i, "ld_imm64 of a kernel variable (BTF id %d): bpfrt has no kernel symbols",
                         in->imm);
    default: return vf_reject(env, -EINVAL, i, "invalid BPF_LD_IMM insn");
    }
}

static int do_check(struct vf_env *env)
{
    int print_state = 0;

    for (;;) {
        const struct bpf_insn *in;
        uint8_t cls;
        int err;

        if (env->insn_idx >= env->cnt)
            return vf_reject(env, -EFAULT, env->insn_idx, "invalid insn idx %u insn_cnt %u", env->insn_idx,
                             env->cnt);
        in = &env->insns[env->insn_idx];
        cls = BPF_CLASS(in->code);
        if (++env->insn_processed > VF_COMPLEXITY_LIMIT_INSNS)
            return vf_reject(env, -E2BIG, env->insn_idx, "BPF program is too large. Processed %llu insn",
                             (unsigned long long)env->insn_processed);
        /* the previous instruction of this path, for the checkpoint's
         * segment and the out-of-order history (precision.c) */
        env->cur->last_insn_idx = env->last_insn;
        err = vf_is_state_visited(env, env->insn_idx);
        if (err < 0)
            return err;
        if (err != 1 && env->last_insn != VF_NO_INSN &&
            env->insn_idx != env->last_insn + (isa_is_ldimm64(&env->insns[env->last_insn]) ? 2u : 1u) &&
            (err = vf_hist_push(env, env->cur, env->insn_idx, env->last_insn, 0, 0)))
            return err;
        if (err == 1)
            goto pruned;
        env->last_insn_prev = env->last_insn;
        env->last_insn = env->insn_idx;
        if (0) {
        pruned:
            if (env->log_level & 3) {
                if (print_state)
                    vf_log(env, "\nfrom %u to %u: safe\n", env->prev_insn_idx, env->insn_idx);
                else
                    vf_log(env, "%u: safe\n", env->insn_idx);
            }
            goto process_exit;
        }
        if ((env->log_level & 2) && print_state) {
            vf_log(env, "\nfrom %u to %u:", env->prev_insn_idx, env->insn_idx);
            vf_log_state(env, env->cur, env->cur->curframe);
            print_state = 0;
        }
        if (env->log_level & 3)
            vf_log_insn(env, env->insn_idx);
        env->aux[env->insn_idx].seen = 1;

        switch (cls) {
        case BPF_ALU:
        case BPF_ALU64: err = vf_check_alu(env, in); break;
        case BPF_LDX: err = vf_check_load(env, in); break;
        case BPF_STX:
            err = BPF_MODE(in->code) == BPF_ATOMIC ? vf_check_atomic(env, in) : vf_check_store(env, in);
            break;
        case BPF_ST: err = vf_check_store(env, in); break;
        case BPF_LD:
            if (BPF_MODE(in->code) == BPF_IMM) {
                err = check_ld_imm64(env, in);
                if (!err)
                    env->insn_idx++; /* the second half */
            } else {
                err = vf_check_ld_abs(env, in);
            }
            break;
        case BPF_JMP:
        case BPF_JMP32: {
            uint8_t op = BPF_OP(in->code);
            env->jmps_processed++;
            if (op == BPF_CALL) {
                if (env->cur->active_lock_id &&
                    (in->src_reg != 0 || in->imm != BPF_FUNC_spin_unlock))
                    return vf_reject(env, -EINVAL, env->insn_idx,
                                     "function calls are not allowed while holding a lock");
                if (in->src_reg == BPF_PSEUDO_CALL) {
                    err = vf_check_func_call(env, in, &env->insn_idx);
                    if (err)
                        return err;
                    print_state = 1;
                    continue; /* insn_idx is the callee's first */
                }
                if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
                    return vf_reject(env, -EOPNOTSUPP, env->insn_idx,
                                     "call to kfunc (BTF id %d): kernel functions do not exist in user space, and "
                                     "bpfrt does not support them",
                                     in->imm);
                err = vf_check_helper_call(env, in, &env->insn_idx);
                break;
            }
            if (op == BPF_JA) {
                int32_t off = cls == BPF_JMP32 ? in->imm : in->off;
                env->insn_idx = (uint32_t)((int64_t)env->insn_idx + off + 1);
                continue;
            }
            if (op == BPF_EXIT) {
                /* a lock may be held across a subprogram's return (6.18
                 * checks it at the main program's exit only) */
                if (env->cur->active_lock_id && !env->cur->curframe)
                    return vf_reject(env, -EINVAL, env->insn_idx,
                                     "bpf_spin_unlock is missing: BPF_EXIT instruction in main prog cannot be used "
                                     "inside bpf_spin_lock-ed region");
                if (env->cur->curframe) {
                    /* return from a bpf-to-bpf call or callback */
                    err = vf_prepare_func_exit(env, &env->insn_idx);
                    if (err)
                        return err;
                    print_state = 1;
                    continue;
                }
                if ((err = vf_ref_check_leak(env, env->cur, 1)))
                    return err;
                if ((err = vf_check_return_code(env)))
                    return err;
                goto process_exit;
            }
            err = vf_check_cond_jmp(env, in, &env->insn_idx);
            break;
        }
        default: err = vf_reject(env, -EINVAL, env->insn_idx, "unknown insn class %d", cls); break;
        }
        if (err)
            return err;
        if (env->log_level & 3)
            vf_scratch_insn(env, in); /* the state after it is printed with the next line */
        env->insn_idx++;
        continue;
    process_exit:
        path_done(env->cur);
        if (!pop_branch(env))
            return 0;
        print_state = 1;
    }
}

/* The initial state of the main program (or of a global function
 * verified alone): r1 the context, r10 the frame. */
static int init_state(struct vf_env *env, uint32_t subprog)
{
    struct vf_state *st = vf_state_new();
    struct vf_frame *f;

    if (!st || !(st->frame[0] = vf_frame_new(0, -1, subprog))) {
        vf_state_free(st);
        return vf_reject(env, -ENOMEM, -1, "out of memory");
    }
    f = st->frame[0];
    env->cur = st;
    int got = subprog ? vf_global_func_args(env, subprog, f) : 0;
    if (got < 0) {
        vf_state_free(st);
        env->cur = NULL;
        return got;
    }
    if (!got) {
        struct vf_reg *r1 = &f->regs[BPF_REG_1];
        memset(r1, 0, offsetof(struct vf_reg, parent));
        r1->type = VF_PTR_TO_CTX;
        r1->var_off = tnum_const(0);
    }
    env->cur = st;
    env->insn_idx = env->sub[subprog].start;
    st->first_insn_idx = env->insn_idx;
    st->last_insn_idx = VF_NO_INSN;
    env->last_insn = VF_NO_INSN;
    return 0;
}

static int walk_from(struct vf_env *env, uint32_t subprog)
{
    int err = init_state(env, subprog);

    if (err)
        return err;
    err = do_check(env);
    vf_state_free(env->cur);
    env->cur = NULL;
    while (env->stack_size)
        vf_state_free(((struct vf_stack_elem *)env->stack)[--env->stack_size].st);
    vf_free_explored(env);
    return err;
}

int vf_do_check_all(struct vf_env *env)
{
    int err, more;

    /* The main program first; then each global function some verified
     * path calls, once, against its BTF signature, until no new one is
     * called (6.18's do_check_main, then do_check_subprogs: a global
     * function nothing reachable calls is never verified). */
    err = walk_from(env, 0);
    do {
        more = 0;
        for (uint32_t s = 1; !err && s < env->nsub; s++) {
            if (!env->sub[s].is_global || !env->sub[s].called || env->sub[s].verified)
                continue;
            if (env->log_level & 3)
                vf_log(env, "Validating %s() func#%u...\n", vf_subprog_name(env, s), s);
            err = walk_from(env, s);
            if (err)
                break;
            env->sub[s].verified = 1;
            more = 1;
            if (env->log_level & 3)
                vf_log(env, "Func#%u is safe for any args that match its prototype\n", s);
        }
    } while (more && !err);
    free(env->stack);
    env->stack = NULL;
    return err;
}
