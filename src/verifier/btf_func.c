/* btf_func.c - global functions: verified once, alone, against the
 * signature their BTF gives, and every call checked against the same
 * signature (the kernel's btf_prepare_func_args and
 * btf_check_subprog_arg_match): an integer or enum argument is any
 * scalar, a pointer to the program type's context struct is the
 * context, a pointer to another sized type is memory of that size (or
 * NULL); the function returns a scalar. */
#include <bpf/btf.h>
#include <errno.h>
#include <string.h>

#include "../progtypes/progtypes.h"
#include "check.h"

enum arg_kind { ARG_SCALAR = 1, ARG_CTX, ARG_MEM, ARG_BAD };

static const struct btf_type *func_proto_of(struct vf_env *env, uint32_t sub)
{
    const struct btf_type *t;

    if (!env->btf || !env->sub[sub].btf_func_id)
        return NULL;
    t = btf__type_by_id(env->btf, env->sub[sub].btf_func_id);
    if (!t || !btf_is_func(t))
        return NULL;
    t = btf__type_by_id(env->btf, t->type);
    return t && btf_is_func_proto(t) ? t : NULL;
}

const char *vf_subprog_name(struct vf_env *env, uint32_t sub)
{
    const struct btf_type *t;
    const char *n;

    if (!env->btf || !env->sub[sub].btf_func_id)
        return "?";
    t = btf__type_by_id(env->btf, env->sub[sub].btf_func_id);
    n = t ? btf__name_by_offset(env->btf, t->name_off) : NULL;
    return n && *n ? n : "?";
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
    const struct btf_type *t = btf__type_by_id(btf, id);

    while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
        id = t->type;
        t = btf__type_by_id(btf, id);
    }
    if (res_id)
        *res_id = id;
    return t;
}

static enum arg_kind arg_kind(struct vf_env *env, uint32_t type_id, uint32_t *mem_size)
{
    const struct btf_type *t = skip_mods(env->btf, type_id, NULL), *pt;
    uint32_t pid;

    if (!t)
        return ARG_BAD;
    if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t))
        return ARG_SCALAR;
    if (!btf_is_ptr(t))
        return ARG_BAD;
    pt = skip_mods(env->btf, t->type, &pid);
    if (pt && btf_is_struct(pt) && env->pt->ctx_struct) {
        const char *n = btf__name_by_offset(env->btf, pt->name_off);
        if (n && !strcmp(n, env->pt->ctx_struct))
            return ARG_CTX;
    }
    if (!pt || btf_is_void(pt))
        return ARG_BAD;
    {
        long sz = btf__resolve_size(env->btf, pid);
        if (sz <= 0)
            return ARG_BAD;
        *mem_size = (uint32_t)sz;
    }
    return ARG_MEM;
}

int vf_global_func_args(struct vf_env *env, uint32_t sub, struct vf_frame *f)
{
    const struct btf_type *proto = func_proto_of(env, sub);
    const struct btf_param *p;
    const struct btf_type *rt;
    uint32_t n;

    if (!proto)
        return 0;
    rt = skip_mods(env->btf, proto->type, NULL);
    if (!rt || !(btf_is_int(rt) || btf_is_enum(rt) || btf_is_enum64(rt)))
        return vf_reject(env, -EINVAL, env->sub[sub].start,
                         "Global function %s() doesn't return scalar. Only those are supported.",
                         vf_subprog_name(env, sub));
    n = btf_vlen(proto);
    if (n > 5)
        return vf_reject(env, -EINVAL, env->sub[sub].start, "Global function %s() with %u > 5 args. Not supported.",
                         vf_subprog_name(env, sub), n);
    p = btf_params(proto);
    for (uint32_t i = 0; i < n; i++) {
        struct vf_reg *r = &f->regs[BPF_REG_1 + i];
        uint32_t size = 0;
        switch (arg_kind(env, p[i].type, &size)) {
        case ARG_SCALAR: vf_reg_unknown(env, r); break;
        case ARG_CTX:
            memset(r, 0, offsetof(struct vf_reg, parent));
            r->type = VF_PTR_TO_CTX;
            r->var_off = tnum_const(0);
            break;
        case ARG_MEM:
            memset(r, 0, offsetof(struct vf_reg, parent));
            r->type = VF_PTR_TO_MEM;
            r->flags = VF_MAYBE_NULL;
            r->mem_size = size;
            r->var_off = tnum_const(0);
            r->id = vf_new_id(env);
            break;
        default:
            return vf_reject(env, -EINVAL, env->sub[sub].start, "Arg#%u type %s in %s() is not supported yet.", i,
                             "?", vf_subprog_name(env, sub));
        }
    }
    return 1;
}

int vf_global_func_check_args(struct vf_env *env, uint32_t sub)
{
    const struct btf_type *proto = func_proto_of(env, sub);
    const struct btf_param *p;
    struct vf_reg *regs = vf_regs(env);
    uint32_t n;
    int err;

    if (!proto)
        return vf_reject(env, -EFAULT, env->insn_idx, "Caller passes invalid args into func#%u", sub);
    n = btf_vlen(proto);
    p = btf_params(proto);
    for (uint32_t i = 0; i < n && i < 5; i++) {
        uint32_t regno = BPF_REG_1 + i, size = 0;
        struct vf_reg *r = &regs[regno];
        if ((err = vf_check_reg_read(env, regno)))
            return err;
        switch (arg_kind(env, p[i].type, &size)) {
        case ARG_SCALAR:
            if (r->type != VF_SCALAR)
                return vf_reject(env, -EINVAL, env->insn_idx, "R%u is not a scalar", regno);
            break;
        case ARG_CTX:
            if (r->type != VF_PTR_TO_CTX)
                return vf_reject(env, -EINVAL, env->insn_idx, "arg#%u expected pointer to ctx, but got %s", i,
                                 vf_type_name(r));
            break;
        case ARG_MEM:
            if (r->type == VF_SCALAR && tnum_equals_const(r->var_off, 0))
                break;
            if ((err = vf_check_helper_mem(env, regno, size, 0, 0, 0)))
                return err;
            break;
        default: return vf_reject(env, -EINVAL, env->insn_idx, "Caller passes invalid args into func#%u", sub);
        }
    }
    return 0;
}
