/* state.c - the abstract state's life: frames and states created,
 * copied and freed; registers initialised and marked; the facts a null
 * check or a packet comparison proves spread to every register and
 * stack slot that shares the pointer's id (the kernel's
 * mark_ptr_or_null_regs, find_good_pkt_pointers,
 * clear_all_pkt_pointers, release_reference's invalidation). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

struct vf_frame *vf_frame_new(uint32_t frameno, int32_t callsite, uint32_t subprog)
{
    struct vf_frame *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    for (int i = 0; i < VF_MAX_REG; i++)
        vf_mark_not_init(&f->regs[i]);
    /* r10: the frame pointer, read-only (init_reg_state) */
    f->regs[BPF_REG_10].type = VF_PTR_TO_STACK;
    f->regs[BPF_REG_10].frameno = (uint8_t)frameno;
    f->regs[BPF_REG_10].var_off = tnum_const(0);
    f->regs[BPF_REG_10].smin = f->regs[BPF_REG_10].smax = 0;
    f->regs[BPF_REG_10].umin = f->regs[BPF_REG_10].umax = 0;
    f->regs[BPF_REG_10].s32_min = f->regs[BPF_REG_10].s32_max = 0;
    f->regs[BPF_REG_10].u32_min = f->regs[BPF_REG_10].u32_max = 0;
    f->frameno = frameno;
    f->callsite = callsite;
    f->subprog = subprog;
    return f;
}

struct vf_state *vf_state_new(void)
{
    return calloc(1, sizeof(struct vf_state));
}

void vf_state_free(struct vf_state *st)
{
    if (!st)
        return;
    for (int i = 0; i < VF_MAX_FRAMES; i++)
        vf_frame_free(st->frame[i]);
    free(st->hist);
    free(st);
}

void vf_frame_free(struct vf_frame *f)
{
    if (f) {
        free(f->slots);
        free(f);
    }
}

int vf_frame_grow(struct vf_frame *f, uint32_t bytes)
{
    uint32_t n = (bytes + 7) / 8, old = f->allocated / 8;
    struct vf_slot *s;

    if (n <= old)
        return 0;
    s = realloc(f->slots, n * sizeof(*s));
    if (!s)
        return -ENOMEM;
    memset(&s[old], 0, (n - old) * sizeof(*s));
    f->slots = s;
    f->allocated = n * 8;
    return 0;
}

static int frame_copy(struct vf_frame *df, const struct vf_frame *sf)
{
    struct vf_slot *keep = df->slots;
    uint32_t n = sf->allocated / 8, have = df->allocated / 8;

    if (n > have || !keep) {
        struct vf_slot *s = realloc(keep, (n ? n : 1) * sizeof(*s));
        if (!s)
            return -ENOMEM;
        keep = s;
    }
    *df = *sf;
    df->slots = keep;
    if (n)
        memcpy(df->slots, sf->slots, n * sizeof(struct vf_slot));
    return 0;
}

/* Copy src into dst (dst's frames reused or allocated, extra ones freed). */
int vf_state_copy(struct vf_state *dst, const struct vf_state *src)
{
    for (uint32_t i = 0; i < VF_MAX_FRAMES; i++) {
        if (i <= src->curframe && src->frame[i]) {
            if (!dst->frame[i] && !(dst->frame[i] = calloc(1, sizeof(struct vf_frame))))
                return -ENOMEM;
            if (frame_copy(dst->frame[i], src->frame[i]))
                return -ENOMEM;
        } else if (dst->frame[i]) {
            vf_frame_free(dst->frame[i]);
            dst->frame[i] = NULL;
        }
    }
    dst->curframe = src->curframe;
    memcpy(dst->refs, src->refs, src->nrefs * sizeof(src->refs[0]));
    dst->nrefs = src->nrefs;
    dst->active_lock_id = src->active_lock_id;
    dst->active_lock_map = src->active_lock_map;
    dst->speculative = src->speculative;
    dst->parent = src->parent;
    dst->branches = src->branches;
    dst->insn_idx = src->insn_idx;
    dst->first_insn_idx = src->first_insn_idx;
    dst->last_insn_idx = src->last_insn_idx;
    if (src->nhist > dst->hist_cap) {
        struct vf_hist *h = realloc(dst->hist, src->nhist * sizeof(*h));
        if (!h)
            return -ENOMEM;
        dst->hist = h;
        dst->hist_cap = src->nhist;
    }
    if (src->nhist)
        memcpy(dst->hist, src->hist, src->nhist * sizeof(*dst->hist));
    dst->nhist = src->nhist;
    memcpy(dst->slot_read, src->slot_read, sizeof(dst->slot_read));
    memcpy(dst->slot_written, src->slot_written, sizeof(dst->slot_written));
    dst->in_loop_cb = src->in_loop_cb;
    dst->all_precise = 0;
    dst->cb_unroll = src->cb_unroll;
    return 0;
}

struct vf_state *vf_state_dup(const struct vf_state *src)
{
    struct vf_state *st = vf_state_new();

    if (!st)
        return NULL;
    if (vf_state_copy(st, src)) {
        vf_state_free(st);
        return NULL;
    }
    return st;
}

void vf_reg_unknown(struct vf_env *env, struct vf_reg *r)
{
    vf_mark_unknown(r);
    /* __mark_reg_unknown: an unprivileged verifier treats every scalar as
     * precise (no precision tracking without bpf_capable). */
    r->precise = !env->priv;
}

void vf_reg_const(struct vf_reg *r, uint64_t v)
{
    vf_mark_known(r, v);
}

/* Every register and spilled register of every frame of st, in turn. */
#define FOR_EACH_REG(st, f, r, body)                                                                                  \
    for (uint32_t f##_i = 0; f##_i <= (st)->curframe; f##_i++) {                                                      \
        struct vf_frame *f = (st)->frame[f##_i];                                                                      \
        for (int r##_j = 0; r##_j < VF_MAX_REG; r##_j++) {                                                            \
            struct vf_reg *r = &f->regs[r##_j];                                                                       \
            body                                                                                                      \
        }                                                                                                             \
        for (uint32_t r##_k = 0; r##_k < f->allocated / 8; r##_k++) {                                                 \
            if (f->slots[r##_k].type[0] != VF_STACK_SPILL)               \
                continue;                                                                                             \
            struct vf_reg *r = &f->slots[r##_k].spilled;                                                              \
            body                                                                                                      \
        }                                                                                                             \
    }

void vf_mark_ptr_or_null(struct vf_env *env, struct vf_state *st, uint32_t id, int is_null)
{
    uint32_t ref_obj_id = 0;
    int release = 0;

    FOR_EACH_REG(st, f, r, {
        if (r->id == id && (r->flags & VF_MAYBE_NULL) && vf_is_ptr(r)) {
            if (!ref_obj_id)
                ref_obj_id = r->ref_obj_id;
            /* the acquired pointer itself (its id is its reference's) */
            if (r->ref_obj_id && r->ref_obj_id == id)
                release = 1;
            if (is_null) {
                /* The pointer is NULL here: a known zero scalar
                 * (mark_ptr_or_null_reg).  Its copies too. */
                vf_mark_known_zero(r);
                r->type = VF_SCALAR;
                r->id = 0;
                r->ref_obj_id = 0;
                r->precise = !env->priv;
            } else {
                r->flags &= (uint8_t)~VF_MAYBE_NULL;
                /* A map value pointer keeps its id only if the value has
                 * a spin lock (the kernel keeps it for lock pairing);
                 * socket pointers keep it with their reference. */
                if (r->type == VF_PTR_TO_MAP_VALUE && !(r->map && vf_map_has_spin_lock(r->map)))
                    r->id = 0;
            }
        }
    })
    /* A NULL reference owns nothing: drop it (release_reference_state). */
    if (is_null && release)
        vf_ref_release_silently(st, ref_obj_id);
}

void vf_find_good_pkt_pointers(struct vf_state *st, const struct vf_reg *dst, uint8_t type, int range_right_open)
{
    int new_range;

    if (dst->off < 0 || (dst->off == 0 && range_right_open))
        /* A pointer before data proves nothing (find_good_pkt_pointers). */
        return;
    if (dst->umax > 0xffff || dst->umax + (uint64_t)dst->off > 0xffff)
        /* Past MAX_PACKET_OFF: a comparison of such a pointer proves no
         * range (the kernel's check on umax_value + off). */
        return;
    new_range = dst->off;
    if (range_right_open)
        new_range++;
    FOR_EACH_REG(st, f, r, {
        if (r->type == type && r->id == dst->id && !(r->flags & VF_MAYBE_NULL))
            if (r->range < new_range)
                r->range = new_range;
    })
}

void vf_clear_pkt_pointers(struct vf_env *env, struct vf_state *st)
{
    FOR_EACH_REG(st, f, r, {
        if (r->type == VF_PTR_TO_PACKET || r->type == VF_PTR_TO_PACKET_META || r->type == VF_PTR_TO_PACKET_END) {
            /* clear_all_pkt_pointers: __mark_reg_unknown */
            vf_reg_unknown(env, r);
        }
    })
}

void vf_invalidate_ref(struct vf_env *env, struct vf_state *st, uint32_t ref_obj_id)
{
    FOR_EACH_REG(st, f, r, {
        if (r->ref_obj_id == ref_obj_id && vf_is_ptr(r))
            vf_reg_unknown(env, r);
    })
}

void vf_sync_scalar_ids(struct vf_state *st, const struct vf_reg *known)
{
    if (known->type != VF_SCALAR || !known->id)
        return;
    FOR_EACH_REG(st, f, r, {
        if (r != known && r->type == VF_SCALAR && r->id == known->id &&
            !(r->link && known->link && r->link != known->link)) { /* not across 32/64-bit links */
            struct vf_reg *parent = r->parent;
            uint8_t live = r->live;
            if ((!r->link && !known->link) || r->link_off == known->link_off) {
                *r = *known; /* the same value */
            } else {
                /* sync_linked_regs: r = known + (r's delta - known's) */
                uint8_t link = r->link;
                int32_t link_off = r->link_off;
                struct vf_reg delta;
                memset(&delta, 0, sizeof(delta));
                vf_mark_known(&delta, (uint64_t)((int64_t)link_off - (int64_t)known->link_off));
                *r = *known;
                vf_scalar_alu(r, &delta, BPF_ADD, 0);
                if (link == VF_LINK32)
                    vf_zext_32_to_64(r);
                vf_reg_bounds_sync(r);
                r->id = known->id;
                r->link = link;
                r->link_off = link_off;
            }
            r->parent = parent;
            r->live = live;
        }
    })
}

uint32_t vf_new_id(struct vf_env *env)
{
    return ++env->id_gen;
}

void vf_slot_read(struct vf_env *env, uint32_t frame, uint32_t spi)
{
    struct vf_state *cur = env->cur;
    uint64_t bit;

    if (spi >= 64 || frame >= VF_MAX_FRAMES)
        return;
    bit = 1ull << spi;
    if (cur->slot_written[frame] & bit)
        return; /* this segment wrote it: the value comes from here */
    for (struct vf_state *p = cur->parent; p; p = p->parent) {
        if (p->curframe < frame || (p->slot_read[frame] & bit))
            break;
        p->slot_read[frame] |= bit;
        env->mark_read++;
        if (p->slot_written[frame] & bit)
            break; /* written before that checkpoint: older ones never saw this value */
    }
}

void vf_slot_written(struct vf_env *env, uint32_t frame, uint32_t spi)
{
    if (spi < 64 && frame < VF_MAX_FRAMES)
        env->cur->slot_written[frame] |= 1ull << spi;
}
