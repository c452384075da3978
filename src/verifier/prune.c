/* prune.c - pruning: at chosen instructions the walk keeps a copy of
 * its state; a later path that reaches the same instruction with a
 * state that an explored, finished one covers is safe without walking
 * on (the kernel's is_state_visited, states_equal, regsafe, stacksafe,
 * refsafe).  "Covers": every register the old path had initialised is
 * at least as general in the old state (ranges containing the new
 * ranges, the same pointer kinds and offsets, ids mapping one to one);
 * a register or stack byte the old path never initialised cannot have
 * been read by its continuation, so anything goes there.  A state still
 * being explored (an ancestor of the current path) is never used to
 * prune; equal to the current one, it is an infinite loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../isa/isa.h"
#include "check.h"

struct vf_state_list {
    struct vf_state *st;
    struct vf_state_list *next;
    uint32_t miss, hit;
};

#define IDMAP_SIZE (VF_MAX_REG * VF_MAX_FRAMES + VF_SLOTS * VF_MAX_FRAMES + VF_MAX_REFS)

struct idmap {
    uint32_t old[IDMAP_SIZE], cur[IDMAP_SIZE];
    uint32_t n;
    uint32_t tmp_gen;
};

static int check_ids(struct idmap *m, uint32_t old_id, uint32_t cur_id)
{
    if (!!old_id != !!cur_id)
        return 0;
    if (!old_id)
        return 1;
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->old[i] == old_id)
            return m->cur[i] == cur_id;
        if (m->cur[i] == cur_id)
            return 0; /* two old ids for one current id */
    }
    if (m->n == IDMAP_SIZE)
        return 0;
    m->old[m->n] = old_id;
    m->cur[m->n] = cur_id;
    m->n++;
    return 1;
}

/* Scalars: an id of 0 gets a fresh one, so that a relation the old
 * state relied on (two registers sharing bounds) must exist in the
 * current state too. */
static int check_scalar_ids(struct idmap *m, uint32_t old_id, uint32_t cur_id)
{
    if (!old_id)
        old_id = 0x80000000u + ++m->tmp_gen;
    if (!cur_id)
        cur_id = 0x80000000u + ++m->tmp_gen;
    return check_ids(m, old_id, cur_id);
}

static int range_within(const struct vf_reg *o, const struct vf_reg *c)
{
    return o->umin <= c->umin && o->umax >= c->umax && o->smin <= c->smin && o->smax >= c->smax &&
           o->u32_min <= c->u32_min && o->u32_max >= c->u32_max && o->s32_min <= c->s32_min &&
           o->s32_max >= c->s32_max;
}

static int regsafe(const struct vf_reg *o, const struct vf_reg *c, struct idmap *m, int priv, int ranges)
{
    if (o->type == VF_NOT_INIT)
        return 1;
    if (c->type == VF_NOT_INIT)
        return 0;
    if (o->type != c->type)
        return 0;
    switch (o->type) {
    case VF_SCALAR:
        /* a scalar whose exact value never mattered matches any scalar
         * (precision.c); the unprivileged verifier compares them all */
        if (!o->precise && priv && !ranges)
            return 1;
        /* a linked scalar matches one linked the same way */
        if (o->link != c->link || (o->link && o->link_off != c->link_off))
            return 0;
        if (!range_within(o, c) || !tnum_in(o->var_off, c->var_off))
            return 0;
        return check_scalar_ids(m, o->id, c->id);
    case VF_PTR_TO_MAP_KEY:
    case VF_PTR_TO_MAP_VALUE:
    case VF_CONST_PTR_TO_MAP:
        if (o->map != c->map || o->flags != c->flags || o->off != c->off || o->mem_size != c->mem_size)
            return 0;
        return range_within(o, c) && tnum_in(o->var_off, c->var_off) && check_ids(m, o->id, c->id) &&
               check_ids(m, o->ref_obj_id, c->ref_obj_id);
    case VF_PTR_TO_PACKET:
    case VF_PTR_TO_PACKET_META:
        /* the current pointer must have at least the range the old one
         * had proven, at the same offset */
        if (o->range > c->range || o->off != c->off)
            return 0;
        if (o->range < 0 && o->range != c->range)
            return 0;
        return check_ids(m, o->id, c->id) && range_within(o, c) && tnum_in(o->var_off, c->var_off);
    case VF_PTR_TO_STACK:
        if (o->frameno != c->frameno)
            return 0;
        /* fall through */
    default:
        return o->flags == c->flags && o->off == c->off && o->mem_size == c->mem_size && o->subprog == c->subprog &&
               o->btf_id == c->btf_id && o->map == c->map && range_within(o, c) && tnum_in(o->var_off, c->var_off) &&
               check_ids(m, o->id, c->id) && check_ids(m, o->ref_obj_id, c->ref_obj_id);
    }
}

/* A slot as the scalar a load of all 8 bytes gives (scalar_reg_for_stack):
 * a 64-bit spilled scalar, or any value when every byte is unknown data
 * (or, for a privileged program, never written: allow_uninit_stack). */
static const struct vf_reg *slot_scalar(const struct vf_slot *sl, int priv)
{
    static const struct vf_reg unbound = {
        .type = VF_SCALAR,
        .smin = INT64_MIN, .smax = INT64_MAX, .umin = 0, .umax = UINT64_MAX,
        .s32_min = INT32_MIN, .s32_max = INT32_MAX, .u32_min = 0, .u32_max = UINT32_MAX,
        .var_off = {.value = 0, .mask = UINT64_MAX},
    };
    int spill = 1, misc = 1;

    for (int b = 0; b < 8; b++) {
        spill &= sl->type[b] == VF_STACK_SPILL;
        misc &= sl->type[b] == VF_STACK_MISC || (sl->type[b] == VF_STACK_INVALID && priv);
    }
    if (spill && sl->spilled.type == VF_SCALAR)
        return &sl->spilled;
    return misc ? &unbound : NULL;
}

/* stacksafe: every slot the old state's continuation read is at least as
 * general in the old state as in the current one. */
static int stacksafe(const struct vf_frame *o, const struct vf_frame *c, struct idmap *m, int priv, uint64_t read,
                     int ranges)
{
    for (uint32_t i = 0; i < o->allocated; i++) {
        uint32_t spi = i / 8, b = 7 - i % 8; /* bytes from the top of the frame down */
        uint8_t ot = o->slots[spi].type[b], ct;
        const struct vf_reg *os, *cs;

        if (spi < 64 && !(read & (1ull << spi))) {
            i += 7 - i % 8; /* no continuation of old read this slot: anything goes */
            continue;
        }
        if (ot == VF_STACK_INVALID)
            continue;
        if (priv && ot == VF_STACK_MISC)
            continue; /* reading unknown or uninitialised bytes gives the same (allow_uninit_stack) */
        if (i >= c->allocated)
            return 0;
        /* a 64-bit spilled scalar against a slot of unknown bytes, either
         * way round: compared as the registers a load would give */
        if ((os = slot_scalar(&o->slots[spi], priv)) && (cs = slot_scalar(&c->slots[spi], priv))) {
            if (!regsafe(os, cs, m, priv, ranges))
                return 0;
            i += 7 - i % 8;
            continue;
        }
        ct = c->slots[spi].type[b];
        if (ot == VF_STACK_MISC && ct == VF_STACK_ZERO)
            continue;
        if (ot != ct)
            return 0;
        if (b != 0 || ot != VF_STACK_SPILL)
            continue;
        /* both spilled at the slot's lowest byte: the registers decide,
         * whatever the spills' sizes (the bytes above were compared) */
        if (!regsafe(&o->slots[spi].spilled, &c->slots[spi].spilled, m, priv, ranges))
            return 0;
    }
    return 1;
}

/* ranges: compare every scalar's range, precise or not (6.6's
 * RANGE_WITHIN, for states still being explored) */
static int states_equal(const struct vf_env *env, uint32_t insn, const struct vf_state *o, const struct vf_state *c,
                        int ranges)
{
    static __thread struct idmap m;

    if (o->curframe != c->curframe)
        return 0;
    if (o->speculative && !c->speculative)
        return 0;
    if (!!o->active_lock_id != !!c->active_lock_id || o->active_lock_map != c->active_lock_map)
        return 0;
    m.n = 0;
    m.tmp_gen = 0;
    if (o->active_lock_id && !check_ids(&m, o->active_lock_id, c->active_lock_id))
        return 0;
    if (o->nrefs != c->nrefs)
        return 0;
    for (uint32_t i = 0; i < o->nrefs; i++)
        if (!check_ids(&m, o->refs[i].id, c->refs[i].id))
            return 0;
    for (uint32_t f = 0; f <= o->curframe; f++) {
        const struct vf_frame *of = o->frame[f], *cf = c->frame[f];
        if (of->callsite != cf->callsite || of->in_callback != cf->in_callback)
            return 0;
        /* only registers a path from here may read (liveness.c): in the
         * current frame those live at insn, in a caller's frame those live
         * where the call returns */
        uint16_t live = 0xffff;
        if (f == o->curframe)
            live = env->live_in[insn];
        else if (o->frame[f + 1]->callsite >= 0 && (uint32_t)o->frame[f + 1]->callsite + 1 < env->cnt)
            live = env->live_in[o->frame[f + 1]->callsite + 1]; /* where the callee returns to */
        for (int r = 0; r < VF_MAX_REG; r++) {
            if (r != BPF_REG_10 && !(live & (1u << r)))
                continue;
            if (!regsafe(&of->regs[r], &cf->regs[r], &m, env->priv, ranges))
                return 0;
        }
        if (!stacksafe(of, cf, &m, env->priv, o->slot_read[f], ranges))
            return 0;
    }
    return 1;
}

/* The registers of the current frame are the same, bit for bit
 * (states_maybe_looping). */
static int same_regs(const struct vf_reg *a, const struct vf_reg *b)
{
    return a->type == b->type && a->flags == b->flags && a->off == b->off && a->map == b->map &&
           a->range == b->range && a->mem_size == b->mem_size && a->subprog == b->subprog && a->id == b->id &&
           a->ref_obj_id == b->ref_obj_id && tnum_eq(a->var_off, b->var_off) && a->smin == b->smin &&
           a->smax == b->smax && a->umin == b->umin && a->umax == b->umax && a->s32_min == b->s32_min &&
           a->s32_max == b->s32_max && a->u32_min == b->u32_min && a->u32_max == b->u32_max &&
           a->frameno == b->frameno && a->link == b->link && a->link_off == b->link_off;
}

static int maybe_looping(const struct vf_state *o, const struct vf_state *c)
{
    if (o->curframe != c->curframe)
        return 0;
    for (int r = 0; r < VF_MAX_REG; r++)
        if (!same_regs(&o->frame[c->curframe]->regs[r], &c->frame[c->curframe]->regs[r]))
            return 0;
    return 1;
}

int vf_is_state_visited(struct vf_env *env, uint32_t insn)
{
    struct vf_insn_aux *aux = &env->aux[insn];
    struct vf_state_list **pp, *sl, *n;
    struct vf_state *cur = env->cur, *copy;
    int add = 0;

    if (!aux->prune_point)
        return 0;
    if (aux->force_checkpoint || cur->nhist > 40 /* a long history is costly to walk back: checkpoint */ ||
        (env->jmps_processed - env->prev_jmps_processed >= 2 && env->insn_processed - env->prev_insn_processed >= 8))
        add = 1;
    /* The kernel keeps the states of an instruction apart by the current
     * frame's call site (explored_state hashes insn ^ callsite): a state
     * reached through another call of the same subprogram is never
     * compared, and its misses do not count against it (every call of a
     * subprogram verified in its caller's context keeps its own states). */
    int32_t cs = cur->frame[cur->curframe]->callsite;
    uint32_t cnt = 0;
    for (pp = &aux->states; (sl = *pp);) {
        if (sl->st->frame[sl->st->curframe]->callsite != cs) {
            pp = &sl->next;
            continue;
        }
        cnt++;
        if (sl->st->branches && aux->calls_callback) {
            /* the call of a callback reached again from inside it: the
             * callback has converged when this state is within an earlier
             * one (no infinite-loop check: the call itself decides) */
            if (states_equal(env, insn, sl->st, cur, 1))
                goto hit;
            goto miss;
        }
        if (sl->st->branches) {
            if (sl->st->cb_unroll == cur->cb_unroll && maybe_looping(sl->st, cur) && states_equal(env, insn, sl->st, cur, 0))
                return vf_reject(env, -EINVAL, insn, "infinite loop detected at insn %u", insn);
            /* walking a loop: keep checkpoints sparse, unless the path's
             * history has grown long (every branch pushed copies it: a
             * checkpoint starts a new, empty one) */
            if (env->jmps_processed - env->prev_jmps_processed < 20 &&
                env->insn_processed - env->prev_insn_processed < 100 && cur->nhist <= 40)
                add = 0;
            goto miss;
        }
        if (states_equal(env, insn, sl->st, cur, 0)) {
        hit:
            sl->hit++;
            /* reached by a jump: the history says so before the walk back
             * (is_state_visited's push_jmp_history on a jump point) */
            if (env->last_insn != VF_NO_INSN &&
                insn != env->last_insn + (isa_is_ldimm64(&env->insns[env->last_insn]) ? 2u : 1u)) {
                int err = vf_hist_push(env, cur, insn, env->last_insn, 0, 0);
                if (err)
                    return err;
            }
            /* what the old path read and needed exact, this one does too */
            for (uint32_t f = 0; f <= sl->st->curframe; f++)
                for (uint64_t b = sl->st->slot_read[f]; b; b &= b - 1)
                    vf_slot_read(env, f, (uint32_t)__builtin_ctzll(b));
            vf_propagate_precision(env, sl->st);
            return 1;
        }
    miss:
        if (add)
            sl->miss++;
        if (sl->miss > sl->hit * 3 + 3) {
            *pp = sl->next;
            aux->nstates--;
            if (!sl->st->branches) {
                /* fully explored: no path still being walked has it for an
                 * ancestor, so nothing will follow a pointer to it */
                vf_state_free(sl->st);
                free(sl);
                env->explored_states--;
            } else {
                sl->next = env->evicted; /* an ancestor of the current path: freed at the end */
                env->evicted = sl;
            }
            continue;
        }
        pp = &sl->next;
    }
    if (cnt > env->max_states_per_insn)
        env->max_states_per_insn = cnt;
    /* unprivileged programs keep at most 64 states per instruction
     * (BPF_COMPLEXITY_LIMIT_STATES) */
    if (!env->priv && cnt > VF_COMPLEXITY_LIMIT_STATES)
        return 0;
    if (!add)
        return 0;
    env->total_states++;
    env->explored_states++;
    if (env->explored_states > env->peak_states)
        env->peak_states = env->explored_states;
    env->prev_insn_processed = env->insn_processed;
    env->prev_jmps_processed = env->jmps_processed;
    vf_forget_precision(env, cur);
    copy = vf_state_dup(cur);
    n = calloc(1, sizeof(*n));
    if (!copy || !n) {
        vf_state_free(copy);
        free(n);
        return vf_reject(env, -ENOMEM, insn, "out of memory");
    }
    copy->branches = 1;
    copy->parent = cur->parent;
    copy->insn_idx = insn;
    cur->parent = copy;
    /* the current path's new segment starts here */
    cur->first_insn_idx = insn;
    cur->nhist = 0;
    memset(copy->slot_read, 0, sizeof(copy->slot_read));
    memset(cur->slot_written, 0, sizeof(cur->slot_written));
    n->st = copy;
    n->next = aux->states;
    aux->states = n;
    aux->nstates++;
    return 0;
}

static void free_list(struct vf_state_list *sl)
{
    while (sl) {
        struct vf_state_list *n = sl->next;
        vf_state_free(sl->st);
        free(sl);
        sl = n;
    }
}

void vf_free_explored(struct vf_env *env)
{
    for (uint32_t i = 0; i < env->cnt; i++) {
        free_list(env->aux[i].states);
        env->aux[i].states = NULL;
        env->aux[i].nstates = 0;
    }
    free_list(env->evicted);
    env->evicted = NULL;
    env->explored_states = 0;
}

void vf_widen_imprecise(struct vf_env *env, uint32_t insn)
{
    struct vf_state *cur = env->cur, *prev = NULL;

    /* the latest visit of the call this path is coming back to (an
     * ancestor: still being explored, in the same frame) */
    for (struct vf_state_list *sl = env->aux[insn].states; sl; sl = sl->next)
        if (sl->st->branches && sl->st->curframe == cur->curframe) {
            prev = sl->st;
            break;
        }
    if (!prev || !env->priv)
        return;
    /* widen_imprecise_scalars: a scalar that changed between the visits
     * and whose exact value never mattered becomes unknown, so that the
     * iterations converge (a counter in the callback's context) */
    for (uint32_t f = 0; f <= cur->curframe; f++) {
        struct vf_frame *pf = prev->frame[f], *cf = cur->frame[f];
        for (int r = 0; r < BPF_REG_10; r++) {
            struct vf_reg *o = &pf->regs[r], *c = &cf->regs[r];
            if (o->type == VF_SCALAR && c->type == VF_SCALAR && !o->precise && !c->precise &&
                !(tnum_eq(o->var_off, c->var_off) && o->smin == c->smin && o->smax == c->smax && o->umin == c->umin &&
                  o->umax == c->umax))
                vf_reg_unknown(env, c);
        }
        for (uint32_t k = 0; k < pf->allocated / 8 && k < cf->allocated / 8; k++) {
            struct vf_reg *o = &pf->slots[k].spilled, *c = &cf->slots[k].spilled;
            if (pf->slots[k].type[0] != VF_STACK_SPILL || cf->slots[k].type[0] != VF_STACK_SPILL)
                continue;
            if (o->type == VF_SCALAR && c->type == VF_SCALAR && !o->precise && !c->precise &&
                !(tnum_eq(o->var_off, c->var_off) && o->smin == c->smin && o->smax == c->smax && o->umin == c->umin &&
                  o->umax == c->umax))
                vf_reg_unknown(env, c);
        }
    }
}
