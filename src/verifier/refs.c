/* refs.c - references a program must give back: a socket a lookup
 * returned, a ring buffer record it reserved.  Acquired with a new id
 * that the pointer carries (ref_obj_id), released by the matching
 * helper, and none may be left at exit (the kernel's acquire_reference,
 * release_reference, check_reference_leak). */
#include <errno.h>

#include "state.h"

int vf_ref_acquire(struct vf_env *env, struct vf_state *st, uint32_t insn, uint8_t kind, uint32_t *id)
{
    if (st->nrefs >= VF_MAX_REFS)
        return vf_reject(env, -ENOMEM, insn, "too many references held (%u)", st->nrefs);
    *id = vf_new_id(env);
    st->refs[st->nrefs].id = *id;
    st->refs[st->nrefs].insn = insn;
    st->refs[st->nrefs].kind = kind;
    st->nrefs++;
    return 0;
}

void vf_ref_release_silently(struct vf_state *st, uint32_t id)
{
    for (uint32_t i = 0; i < st->nrefs; i++) {
        if (st->refs[i].id == id) {
            st->refs[i] = st->refs[--st->nrefs];
            return;
        }
    }
}

/* The unprivileged verifier's mark_reg_invalid: a copy of a released
 * pointer becomes uninitialised, so that any later use is refused (the
 * privileged one makes it an unknown number, vf_invalidate_ref). */
static void invalidate_unpriv(struct vf_state *st, uint32_t id)
{
    for (uint32_t fi = 0; fi <= st->curframe; fi++) {
        struct vf_frame *f = st->frame[fi];

        for (int r = 0; r < VF_MAX_REG; r++)
            if (f->regs[r].ref_obj_id == id && vf_is_ptr(&f->regs[r]))
                vf_mark_not_init(&f->regs[r]);
        for (uint32_t k = 0; k < f->allocated / 8; k++)
            if (f->slots[k].type[0] == VF_STACK_SPILL && f->slots[k].spilled.ref_obj_id == id &&
                vf_is_ptr(&f->slots[k].spilled))
                vf_mark_not_init(&f->slots[k].spilled);
    }
}

int vf_ref_release(struct vf_env *env, struct vf_state *st, uint32_t id)
{
    for (uint32_t i = 0; i < st->nrefs; i++) {
        if (st->refs[i].id == id) {
            st->refs[i] = st->refs[--st->nrefs];
            /* every copy of the pointer dies with the reference */
            if (!env->priv)
                invalidate_unpriv(st, id);
            else
                vf_invalidate_ref(env, st, id);
            return 0;
        }
    }
    return -EINVAL;
}

int vf_ref_check_leak(struct vf_env *env, const struct vf_state *st, int at_exit)
{
    if (!st->nrefs)
        return 0;
    if (at_exit)
        for (uint32_t i = 0; i < st->nrefs; i++)
            vf_reject(env, -EINVAL, env->insn_idx, "Unreleased reference id=%u alloc_insn=%u", st->refs[i].id,
                      st->refs[i].insn);
    return -EINVAL;
}

/* bpf_spin_lock / bpf_spin_unlock: one lock at a time, in a map value
 * whose BTF has a struct bpf_spin_lock at exactly this offset
 * (process_spin_lock). */
int vf_check_spin_lock_arg(struct vf_env *env, uint32_t regno, int is_lock)
{
    struct vf_reg *r = &env->cur->frame[env->cur->curframe]->regs[regno];
    struct vf_state *st = env->cur;
    const struct bpfrt_map *m = r->map;
    int64_t off;

    if (r->type != VF_PTR_TO_MAP_VALUE || (r->flags & VF_MAYBE_NULL))
        return vf_reject(env, -EACCES, env->insn_idx, "R%u type=%s expected=map_value", regno, vf_type_name(r));
    if (!tnum_is_const(r->var_off))
        return vf_reject(env, -EINVAL, env->insn_idx,
                         "R%u doesn't have constant offset. bpf_spin_lock has to be at the constant offset", regno);
    off = (int64_t)r->var_off.value + r->off;
    if (!vf_map_has_spin_lock(m))
        return vf_reject(env, -EINVAL, env->insn_idx, "map '%s' has no valid bpf_spin_lock", vf_map_name(m));
    if (off != vf_map_spin_lock_off(m))
        return vf_reject(env, -EINVAL, env->insn_idx,
                         "off %lld doesn't point to 'struct bpf_spin_lock' that is at %d", (long long)off,
                         vf_map_spin_lock_off(m));
    if (is_lock) {
        if (st->active_lock_id)
            return vf_reject(env, -EINVAL, env->insn_idx, "Locking two bpf_spin_locks are not allowed");
        st->active_lock_id = r->id ? r->id : vf_new_id(env);
        st->active_lock_map = m;
    } else {
        if (!st->active_lock_id)
            return vf_reject(env, -EINVAL, env->insn_idx, "bpf_spin_unlock without taking a lock");
        if (st->active_lock_map != m || (r->id && st->active_lock_id != r->id))
            return vf_reject(env, -EINVAL, env->insn_idx, "bpf_spin_unlock of different lock");
        st->active_lock_id = 0;
        st->active_lock_map = NULL;
    }
    return 0;
}
