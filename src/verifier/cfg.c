/* cfg.c - the verifier's control-flow checks before the walk: where the
 * subprograms start, that jumps stay inside their subprogram, that every
 * instruction is reachable, where loops are, and where the walk compares
 * states (prune points).  After the walk, the combined stack depth along
 * every call chain.
 *
 * The kernel does this in kernel/bpf/verifier.c: add_subprog_and_kfunc,
 * check_subprogs, check_btf_func / check_btf_line, check_cfg (a
 * depth-first search that finds back-edges), check_max_stack_depth.  The
 * messages are the kernel's, word for word: test_verifier's errstr
 * matches them.  Where 6.1 and the running 6.18 kernel differ, 6.18 is
 * followed (noted where it matters). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "../helpers/protos.h"
#include "env.h"
#include "isa/isa.h"

#ifndef BPF_JCOND
#define BPF_JCOND 0xe0 /* may_goto (kernel 6.9) */
#endif

/* The kernel's DFS marks (check_cfg): an instruction is DISCOVERED while
 * it is on the stack, EXPLORED once all its edges are; the low bits say
 * which edge of it was followed last. */
enum { CFG_FALLTHROUGH = 1, CFG_BRANCH = 2 };
#define CFG_DISCOVERED 0x10
#define CFG_EXPLORED 0x20

static int is_pseudo_call(const struct bpf_insn *in)
{
    return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
}

static int is_pseudo_func(const struct bpf_insn *in)
{
    return isa_is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC;
}

static int is_helper_call(const struct bpf_insn *in)
{
    return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0;
}

int vf_subprog_at(const struct vf_env *env, uint32_t i)
{
    uint32_t lo = 0, hi = env->nsub;

    while (lo < hi) { /* sub[] is sorted by start (find_subprog's bsearch) */
        uint32_t mid = lo + (hi - lo) / 2;
        if (env->sub[mid].start == i)
            return (int)mid;
        if (env->sub[mid].start < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

uint32_t vf_subprog_of(const struct vf_env *env, uint32_t i)
{
    uint32_t lo = 0, hi = env->nsub;

    if (env->aux && i < env->cnt && env->nsub)
        return env->aux[i].subprog;
    /* The last subprogram whose start is <= i. */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (env->sub[mid].start <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* add_subprog: a subprogram starts at off (kept sorted, no duplicates). */
static int add_subprog(struct vf_env *env, long off)
{
    uint32_t j;

    if (off < 0 || off >= (long)env->cnt)
        return vf_reject(env, -EINVAL, -1, "call to invalid destination");
    if (vf_subprog_at(env, (uint32_t)off) >= 0)
        return 0;
    if (env->nsub >= VF_MAX_SUBPROGS)
        return vf_reject(env, -E2BIG, -1, "too many subprograms");
    j = env->nsub++;
    while (j > 0 && env->sub[j - 1].start > (uint32_t)off) {
        env->sub[j] = env->sub[j - 1];
        j--;
    }
    memset(&env->sub[j], 0, sizeof(env->sub[j]));
    env->sub[j].start = (uint32_t)off;
    return 0;
}

/* add_subprog_and_kfunc: the entry, every bpf-to-bpf call target and
 * every function whose address an LD_IMM64 takes (a callback). */
static int find_subprogs(struct vf_env *env)
{
    uint32_t i;
    int err;

    env->nsub = 0;
    if ((err = add_subprog(env, 0)))
        return err;
    for (i = 0; i < env->cnt; i++) {
        const struct bpf_insn *in = &env->insns[i];

        if (!is_pseudo_call(in) && !is_pseudo_func(in))
            continue;
        /* The kernel asks for CAP_BPF before any pseudo call or function
         * pointer (add_subprog_and_kfunc). */
        if (!env->priv)
            return vf_reject(env, -EPERM, i,
                             "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN");
        if ((err = add_subprog(env, (long)i + in->imm + 1)))
            return err;
        if (is_pseudo_func(in))
            i++; /* the second half */
    }
    /* The sentinel: sub[nsub].start == cnt simplifies "the end of i". */
    memset(&env->sub[env->nsub], 0, sizeof(env->sub[env->nsub]));
    env->sub[env->nsub].start = env->cnt;
    for (i = 0; i < env->nsub; i++)
        env->sub[i].end = env->sub[i + 1].start;
    if (env->log_level & 2)
        for (i = 0; i < env->nsub; i++)
            vf_log(env, "func#%u @%u\n", i, env->sub[i].start);
    /* Callback targets: marked so the walk knows they are entered by a
     * helper (the kernel learns it at the helper call; we know it here). */
    for (i = 0; i + 1 < env->cnt; i++)
        if (is_pseudo_func(&env->insns[i])) {
            int s = vf_subprog_at(env, (uint32_t)((long)i + env->insns[i].imm + 1));
            if (s >= 0)
                env->sub[s].is_cb = 1;
            i++;
        }
    return 0;
}

/* check_subprogs: jumps stay inside their subprogram; no subprogram falls
 * through into the next (its last instruction is an exit or a goto). */
static int check_subprogs(struct vf_env *env)
{
    uint32_t cur = 0, start = env->sub[0].start, end = env->sub[1].start, i;

    for (i = 0; i < env->cnt; i++) {
        const struct bpf_insn *in = &env->insns[i];
        uint8_t code = in->code, cls = ISA_CLASS(code);

        env->aux[i].subprog = cur;
        if (is_helper_call(in) && in->imm == BPF_FUNC_tail_call)
            env->sub[cur].has_tail_call = 1;
        if (cls == BPF_LD && (ISA_MODE(code) == BPF_ABS || ISA_MODE(code) == BPF_IND))
            env->sub[cur].has_ld_abs = 1;
        if ((cls == BPF_JMP || cls == BPF_JMP32) && ISA_OP(code) != BPF_EXIT && ISA_OP(code) != BPF_CALL) {
            long off = code == (BPF_JMP32 | BPF_JA) ? (long)i + in->imm + 1 : (long)i + in->off + 1;
            if (off < (long)start || off >= (long)end)
                return vf_reject(env, -EINVAL, i, "jump out of range from insn %u to %ld", i, off);
        }
        if (i == end - 1) {
            if (code != (BPF_JMP | BPF_EXIT) && code != (BPF_JMP32 | BPF_JA) && code != (BPF_JMP | BPF_JA))
                return vf_reject(env, -EINVAL, i, "last insn is not an exit or jmp");
            start = end;
            cur++;
            if (cur < env->nsub)
                end = env->sub[cur + 1].start;
        }
    }
    for (i = 0; i < env->nsub; i++)
        if (env->sub[i].has_tail_call)
            env->has_tail_call = 1;
    return 0;
}

/* btf_type_skip_modifiers: through typedefs and qualifiers. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id)
{
    const struct btf_type *t = btf__type_by_id(btf, id);
    int guard = 0;

    while (t && (btf_is_mod(t) || btf_is_typedef(t)) && guard++ < 64)
        t = btf__type_by_id(btf, t->type);
    return t;
}

/* check_btf_func: one func info record per subprogram, starting where the
 * subprogram starts; the BTF FUNC's linkage says which are global. */
static int check_func_info(struct vf_env *env)
{
    uint32_t i, prev = 0;

    if (!env->nfunc_info) {
        /* check_abnormal_return: without BTF a subprogram's return type is
         * unknown, and LD_ABS or a tail call may end it with a value the
         * caller does not expect. */
        for (i = 1; i < env->nsub; i++) {
            if (env->sub[i].has_ld_abs)
                return vf_reject(env, -EINVAL, env->sub[i].start, "LD_ABS is not allowed in subprogs without BTF");
            if (env->sub[i].has_tail_call)
                return vf_reject(env, -EINVAL, env->sub[i].start, "tail_call is not allowed in subprogs without BTF");
        }
        return 0;
    }
    if (!env->func_info)
        return vf_reject(env, -EINVAL, -1, "func_info count %u without records", env->nfunc_info);
    if (env->nfunc_info != env->nsub)
        return vf_reject(env, -EINVAL, -1, "number of funcs in func_info doesn't match number of subprogs");
    for (i = 0; i < env->nfunc_info; i++) {
        const struct bpf_func_info *fi = &env->func_info[i];

        if (i == 0 && fi->insn_off)
            return vf_reject(env, -EINVAL, -1, "nonzero insn_off %u for the first func info record", fi->insn_off);
        if (i && fi->insn_off <= prev)
            return vf_reject(env, -EINVAL, -1,
                             "same or smaller insn offset (%u) than previous func info record (%u)", fi->insn_off,
                             prev);
        if (env->sub[i].start != fi->insn_off)
            return vf_reject(env, -EINVAL, -1, "func_info BTF section doesn't match subprog layout in BPF program");
        if (env->btf) {
            const struct btf_type *t = btf__type_by_id(env->btf, fi->type_id), *proto, *ret;
            int scalar_ret;

            if (!t || !btf_is_func(t))
                return vf_reject(env, -EINVAL, -1, "invalid type id %d in func info", (int)fi->type_id);
            proto = btf__type_by_id(env->btf, t->type);
            if (!proto || !btf_is_func_proto(proto))
                return vf_reject(env, -EINVAL, -1, "invalid type id %d in func info", (int)fi->type_id);
            env->sub[i].is_global = btf_vlen(t) == BTF_FUNC_GLOBAL;
            env->sub[i].btf_func_id = fi->type_id;
            /* A subprogram left by LD_ABS or a tail call returns what the
             * program would: an int (btf_type_is_small_int / enum). */
            ret = proto->type ? skip_mods(env->btf, proto->type) : NULL;
            scalar_ret = ret && ((btf_is_int(ret) && ret->size <= 8) || btf_is_any_enum(ret));
            if (i && !scalar_ret && env->sub[i].has_ld_abs)
                return vf_reject(env, -EINVAL, env->sub[i].start,
                                 "LD_ABS is only allowed in functions that return 'int'.");
            if (i && !scalar_ret && env->sub[i].has_tail_call)
                return vf_reject(env, -EINVAL, env->sub[i].start,
                                 "tail_call is only allowed in functions that return 'int'.");
        }
        prev = fi->insn_off;
    }
    return 0;
}

/* check_btf_line: line info sorted, inside the program, on real
 * instructions, naming strings of the BTF, and the first record of every
 * subprogram at its start. */
static int check_line_info(struct vf_env *env)
{
    uint32_t i, s = 0, prev = 0;

    if (!env->nline_info)
        return 0;
    if (!env->line_info)
        return vf_reject(env, -EINVAL, -1, "line_info count %u without records", env->nline_info);
    for (i = 0; i < env->nline_info; i++) {
        const struct bpf_line_info *li = &env->line_info[i];

        if ((i && li->insn_off <= prev) || li->insn_off >= env->cnt)
            return vf_reject(env, -EINVAL, -1, "Invalid line_info[%u].insn_off:%u (prev_offset:%u prog->len:%u)", i,
                             li->insn_off, prev, env->cnt);
        if (!env->insns[li->insn_off].code)
            return vf_reject(env, -EINVAL, -1, "Invalid insn code at line_info[%u].insn_off", i);
        if (env->btf && (!btf__name_by_offset(env->btf, li->line_off) ||
                         !btf__name_by_offset(env->btf, li->file_name_off)))
            return vf_reject(env, -EINVAL, -1, "Invalid line_info[%u].line_off or .file_name_off", i);
        if (s != env->nsub) {
            if (li->insn_off == env->sub[s].start)
                s++;
            else if (env->sub[s].start < li->insn_off)
                return vf_reject(env, -EINVAL, -1, "missing bpf_line_info for func#%u", s);
        }
        prev = li->insn_off;
    }
    if (s != env->nsub)
        return vf_reject(env, -EINVAL, -1, "missing bpf_line_info for %u funcs starting from func#%u", env->nsub - s,
                         s);
    return 0;
}

static void mark_prune(struct vf_env *env, uint32_t i)
{
    env->aux[i].prune_point = 1;
}

static void mark_jmp(struct vf_env *env, uint32_t i)
{
    env->aux[i].jmp_point = 1;
}

struct cfg_dfs {
    uint8_t *state;
    uint32_t *stack;
    uint32_t sp;
};

/* push_insn: follow edge e from t to w.  1: w pushed (keep exploring t
 * after w), 0: nothing to do, < 0: a rejection. */
static int push_insn(struct vf_env *env, struct cfg_dfs *d, uint32_t t, long w, int e)
{
    if (e == CFG_FALLTHROUGH && d->state[t] >= (CFG_DISCOVERED | CFG_FALLTHROUGH))
        return 0;
    if (e == CFG_BRANCH && d->state[t] >= (CFG_DISCOVERED | CFG_BRANCH))
        return 0;
    if (w < 0 || w >= (long)env->cnt) {
        vf_log_linfo(env, t, "%u: ", t);
        return vf_reject(env, -EINVAL, t, "jump out of range from insn %u to %ld", t, w);
    }
    if (e == CFG_BRANCH) {
        mark_prune(env, (uint32_t)w);
        mark_jmp(env, (uint32_t)w);
    }
    if (d->state[w] == 0) { /* tree edge */
        d->state[t] = CFG_DISCOVERED | e;
        d->state[w] = CFG_DISCOVERED;
        if (d->sp >= env->cnt)
            return vf_reject(env, -E2BIG, t, "control flow stack overflow at insn %u", t);
        d->stack[d->sp++] = (uint32_t)w;
        return 1;
    }
    if ((d->state[w] & 0xf0) == CFG_DISCOVERED) {
        /* A back-edge: a loop.  Kernels >= 5.3 let privileged programs
         * loop (the walk proves that each loop ends, or gives up at the
         * complexity limits); the running 6.18 kernel also lets a call go
         * back (recursion is refused by the walk's frame limit).  The
         * unprivileged verifier refuses every loop. */
        if (env->priv) {
            /* bpfrt: the loop head keeps a state on every visit, so the
             * walk can tell an iteration that changes nothing (the kernel
             * forces checkpoints the same way at may_goto and iterator
             * loops, mark_force_checkpoint). */
            env->aux[w].force_checkpoint = 1;
            mark_prune(env, (uint32_t)w);
            return 0;
        }
        vf_log_linfo(env, t, "%u: ", t);
        vf_log_linfo(env, (uint32_t)w, "%ld: ", w);
        return vf_reject(env, -EINVAL, t, "back-edge from insn %u to %ld", t, w);
    }
    d->state[t] = CFG_DISCOVERED | e; /* forward or cross edge */
    return 0;
}

/* Helpers that call a callback synchronously, any number of times
 * (is_sync_callback_calling_insn), and the one that registers an
 * asynchronous one (is_async_callback_calling_insn). */
static int calls_sync_callback(int32_t id)
{
    return id == BPF_FUNC_for_each_map_elem || id == BPF_FUNC_find_vma || id == BPF_FUNC_loop ||
           id == BPF_FUNC_user_ringbuf_drain;
}

/* visit_func_call_insn: the return lands after the call (a prune point:
 * states from the callee's exits meet there); the callee is an edge. */
static int visit_call(struct vf_env *env, struct cfg_dfs *d, uint32_t t, int visit_callee)
{
    uint32_t sz = isa_is_ldimm64(&env->insns[t]) ? 2 : 1;
    int ret = push_insn(env, d, t, (long)t + sz, CFG_FALLTHROUGH);

    if (ret)
        return ret;
    mark_prune(env, t + sz);
    mark_jmp(env, t + sz);
    if (visit_callee) {
        mark_prune(env, t);
        ret = push_insn(env, d, t, (long)t + env->insns[t].imm + 1, CFG_BRANCH);
    }
    return ret;
}

/* visit_insn: 0 when t is fully explored, 1 when an edge was pushed. */
static int visit_insn(struct vf_env *env, struct cfg_dfs *d, uint32_t t)
{
    const struct bpf_insn *in = &env->insns[t];
    uint8_t cls = ISA_CLASS(in->code);
    int ret;

    if (is_pseudo_func(in))
        return visit_call(env, d, t, 1);
    if (cls != BPF_JMP && cls != BPF_JMP32)
        return push_insn(env, d, t, (long)t + (isa_is_ldimm64(in) ? 2 : 1), CFG_FALLTHROUGH);

    switch (ISA_OP(in->code)) {
    case BPF_EXIT: return 0;
    case BPF_CALL:
        if (is_helper_call(in)) {
            if (in->imm == BPF_FUNC_timer_set_callback)
                mark_prune(env, t); /* compare before the async state is pushed */
            if (calls_sync_callback(in->imm)) {
                /* The callback runs an unknown number of times: the walk
                 * loops over it and needs a checkpoint at the call. */
                env->aux[t].calls_callback = 1;
                env->aux[t].force_checkpoint = 1;
                mark_prune(env, t);
                mark_jmp(env, t);
            }
        }
        return visit_call(env, d, t, is_pseudo_call(in));
    case BPF_JA: {
        long w = (long)t + (cls == BPF_JMP32 ? in->imm : in->off) + 1;
        ret = push_insn(env, d, t, w, CFG_FALLTHROUGH);
        if (ret)
            return ret;
        mark_prune(env, (uint32_t)w);
        mark_jmp(env, (uint32_t)w);
        return 0;
    }
    case BPF_JCOND: /* may_goto: a loop bound the kernel counts for you */
        mark_prune(env, t);
        env->aux[t].force_checkpoint = 1;
        ret = push_insn(env, d, t, (long)t + 1, CFG_FALLTHROUGH);
        if (ret)
            return ret;
        return push_insn(env, d, t, (long)t + in->off + 1, CFG_BRANCH);
    default: /* conditional: two edges */
        mark_prune(env, t);
        ret = push_insn(env, d, t, (long)t + 1, CFG_FALLTHROUGH);
        if (ret)
            return ret;
        return push_insn(env, d, t, (long)t + in->off + 1, CFG_BRANCH);
    }
}

/* check_cfg: depth-first from instruction 0; every instruction must be
 * reached (also through a callback's LD_IMM64), none in the middle of an
 * LD_IMM64. */
static int walk_cfg(struct vf_env *env)
{
    struct cfg_dfs d = {0};
    uint32_t i;
    int ret = 0;

    d.state = calloc(env->cnt, 1);
    d.stack = calloc(env->cnt, sizeof(*d.stack));
    if (!d.state || !d.stack) {
        ret = vf_reject(env, -ENOMEM, -1, "out of memory for the control flow graph of %u insns", env->cnt);
        goto out;
    }
    d.state[0] = CFG_DISCOVERED;
    d.stack[0] = 0;
    d.sp = 1;
    while (d.sp > 0) {
        uint32_t t = d.stack[d.sp - 1];

        ret = visit_insn(env, &d, t);
        if (ret < 0)
            goto out;
        if (ret == 0) {
            d.state[t] = CFG_EXPLORED;
            d.sp--;
        }
    }
    ret = 0;
    for (i = 0; i < env->cnt; i++) {
        if (d.state[i] != CFG_EXPLORED) {
            ret = vf_reject(env, -EINVAL, i, "unreachable insn %u", i);
            goto out;
        }
        if (isa_is_ldimm64(&env->insns[i])) {
            if (i + 1 < env->cnt && d.state[i + 1] != 0) {
                ret = vf_reject(env, -EINVAL, i, "jump into the middle of ldimm64 insn %u", i);
                goto out;
            }
            i++;
        }
    }
out:
    free(d.state);
    free(d.stack);
    return ret;
}

/* Which subprograms may move packet data: those that call a helper that
 * does (bpf_helper_changes_pkt_data), and their callers (6.13's
 * mark_subprog_changes_pkt_data and merge_callee_effects).  A call of a
 * global subprogram that may invalidates the caller's packet pointers
 * (calls.c), as its walk is not the caller's. */
static void mark_changes_pkt_data(struct vf_env *env)
{
    int changed = 1;

    for (uint32_t i = 0; i < env->cnt; i++) {
        const struct bpf_insn *in = &env->insns[i];
        const struct hlp_proto *fn;
        if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 && (fn = hlp_proto((uint32_t)in->imm)) &&
            fn->changes_pkt_data)
            env->sub[vf_subprog_of(env, i)].changes_pkt_data = 1;
    }
    while (changed) { /* callers inherit it, through any depth of calls */
        changed = 0;
        for (uint32_t i = 0; i < env->cnt; i++) {
            const struct bpf_insn *in = &env->insns[i];
            long next = (long)i + in->imm + 1;
            int callee;
            uint32_t caller;
            if (!is_pseudo_call(in) || next < 0 || next >= (long)env->cnt ||
                (callee = vf_subprog_at(env, (uint32_t)next)) < 0)
                continue;
            caller = vf_subprog_of(env, i);
            if (env->sub[callee].changes_pkt_data && !env->sub[caller].changes_pkt_data) {
                env->sub[caller].changes_pkt_data = 1;
                changed = 1;
            }
        }
    }
}

/* resolve_pseudo_ldimm64's sanity check (bpf_opcode_in_insntable), after
 * the subprograms and the BTF info as in bpf_check: callx (BPF_JMP |
 * BPF_CALL | BPF_X), which the encoding checks accept for raw programs,
 * is not in the kernel's table; the running 6.18 kernel answers "unknown
 * opcode 8d" with nothing processed (test_vf_cfg.c callx_unknown_opcode,
 * test_callx.c verifier_refuses_callx_as_the_kernel). */
static int check_opcodes(struct vf_env *env)
{
    for (uint32_t i = 0; i < env->cnt; i++) {
        const struct bpf_insn *in = &env->insns[i];
        if (isa_is_ldimm64(in))
            i++;
        else if (in->code == (BPF_JMP | BPF_CALL | BPF_X))
            return vf_reject(env, -EINVAL, i, "unknown opcode %02x", in->code);
    }
    return 0;
}

int vf_check_cfg(struct vf_env *env)
{
    int err;

    if (!env || !env->insns || !env->cnt || !env->aux) {
        if (env)
            return vf_reject(env, -EINVAL, -1, "empty program");
        return -EINVAL;
    }
    if ((err = find_subprogs(env)))
        return err;
    if ((err = check_subprogs(env)))
        return err;
    if ((err = check_func_info(env)))
        return err;
    if ((err = check_line_info(env)))
        return err;
    if ((err = check_opcodes(env)))
        return err;
    mark_changes_pkt_data(env);
    return walk_cfg(env);
}

/* The kernel rounds each frame for the combined limit: to 16 bytes when
 * the program is JITed (the running 6.18 kernel JITs everything,
 * round_up_stack_depth), to 32 with at least 1 byte for the interpreter. */
static uint32_t frame_bytes(uint32_t depth)
{
    return (depth + 15) & ~15u;
}

/* check_max_stack_depth_subprog: from subprogram idx, every call chain,
 * without recursion (a call chain deeper than 8 frames stops it). */
static int max_depth_from(struct vf_env *env, uint32_t idx)
{
    uint32_t ret_insn[VF_MAX_FRAMES], ret_prog[VF_MAX_FRAMES];
    uint32_t depth = 0, frame = 0, i = env->sub[idx].start, j;
    int tail_call_reachable = 0;

process_func:
    /* A tail call replaces the current frame but keeps the callers'; with
     * bpf-to-bpf calls in the mix the kernel caps the callers' stack at
     * 256 bytes so that 33 chained programs stay within 8 KiB. */
    if (idx && env->sub[idx].has_tail_call && depth >= 256)
        return vf_reject(env, -EACCES, env->sub[idx].start,
                         "tail_calls are not allowed when call stack of previous frames is %u bytes. Too large",
                         depth);
    depth += frame_bytes(env->sub[idx].stack_depth);
    if (depth > VF_STACK_SIZE)
        return vf_reject(env, -EACCES, env->sub[idx].start, "combined stack size of %u calls is %u. Too large",
                         frame + 1, depth);
continue_func:
    for (; i < env->sub[idx + 1].start; i++) {
        const struct bpf_insn *in = &env->insns[i];
        long next;
        int sidx;

        if (!is_pseudo_call(in) && !is_pseudo_func(in))
            continue;
        next = (long)i + in->imm + 1;
        sidx = next >= 0 && next < (long)env->cnt ? vf_subprog_at(env, (uint32_t)next) : -1;
        if (sidx < 0)
            return vf_reject(env, -EFAULT, i, "verifier bug. No program starts at insn %ld", next);
        if (env->sub[sidx].is_async_cb) {
            if (env->sub[sidx].has_tail_call)
                return vf_reject(env, -EFAULT, i, "verifier bug. subprog has tail_call and async cb");
            /* An async callback runs later, on its own stack. */
            if (!is_pseudo_call(in))
                continue;
        }
        ret_insn[frame] = i + 1;
        ret_prog[frame] = idx;
        i = (uint32_t)next;
        idx = (uint32_t)sidx;
        if (env->sub[idx].has_tail_call)
            tail_call_reachable = 1;
        frame++;
        if (frame >= VF_MAX_FRAMES)
            return vf_reject(env, -E2BIG, i, "the call stack of %u frames is too deep !", frame);
        goto process_func;
    }
    /* The JIT keeps the tail call counter across the frames that can
     * reach a tail call. */
    if (tail_call_reachable)
        for (j = 0; j < frame; j++)
            env->sub[ret_prog[j]].tail_call_reachable = 1;
    if (frame == 0)
        return 0;
    depth -= frame_bytes(env->sub[idx].stack_depth);
    frame--;
    i = ret_insn[frame];
    idx = ret_prog[frame];
    goto continue_func;
}

int vf_check_max_stack_depth(struct vf_env *env)
{
    uint32_t i;
    int err;

    for (i = 0; i < env->nsub; i++) {
        if (i && !env->sub[i].is_async_cb)
            continue;
        if ((err = max_depth_from(env, i)))
            return err;
    }
    return 0;
}
