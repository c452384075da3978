/* state.h - the abstract state's life (state.c) and the facts shared
 * through ids.  Stack slot bytes: slots[i] covers fp-8(i+1) ..
 * fp-8i-1 and type[b] is the byte at fp-8(i+1)+b (b = 0 the lowest
 * address).  A spilled register starts at the slot's lowest address
 * (the kernel keeps only aligned spills): type[0] == VF_STACK_SPILL says
 * slots[i].spilled is meaningful, for spill_size bytes. */
#ifndef BPFRT_VERIFIER_STATE_H
#define BPFRT_VERIFIER_STATE_H

#include "env.h"
#include "vstate.h"

struct vf_frame *vf_frame_new(uint32_t frameno, int32_t callsite, uint32_t subprog);
struct vf_state *vf_state_new(void);
void vf_frame_free(struct vf_frame *f);
/* Make room for bytes of stack (slots zeroed: never written). */
int vf_frame_grow(struct vf_frame *f, uint32_t bytes);
void vf_state_free(struct vf_state *st);
int vf_state_copy(struct vf_state *dst, const struct vf_state *src);
struct vf_state *vf_state_dup(const struct vf_state *src);

/* A scalar of any value, precise for the unprivileged verifier. */
void vf_reg_unknown(struct vf_env *env, struct vf_reg *r);
void vf_reg_const(struct vf_reg *r, uint64_t v);
uint32_t vf_new_id(struct vf_env *env);

/* A null check of pointers of id: NULL on this branch (is_null) or not. */
void vf_mark_ptr_or_null(struct vf_env *env, struct vf_state *st, uint32_t id, int is_null);
/* dst (a packet pointer of type) was compared with data_end and found
 * inside: every pointer of its id gets range dst->off (+1 when the
 * comparison left the end open). */
void vf_find_good_pkt_pointers(struct vf_state *st, const struct vf_reg *dst, uint8_t type, int range_right_open);
/* A helper that changes packet data invalidates every packet pointer. */
void vf_clear_pkt_pointers(struct vf_env *env, struct vf_state *st);
/* Pointers of a released reference become unknown scalars. */
void vf_invalidate_ref(struct vf_env *env, struct vf_state *st, uint32_t ref_obj_id);
/* Copy the bounds of known to every scalar of its id. */
void vf_sync_scalar_ids(struct vf_state *st, const struct vf_reg *known);

/* Stack liveness: slot spi of frame was read (before this segment wrote
 * it: its checkpoints learn it was read), or was fully written. */
void vf_slot_read(struct vf_env *env, uint32_t frame, uint32_t spi);
void vf_slot_written(struct vf_env *env, uint32_t frame, uint32_t spi);

/* refs.c */
enum vf_ref_kind { VF_REF_SOCKET = 1, VF_REF_RINGBUF, VF_REF_OTHER };
int vf_ref_acquire(struct vf_env *env, struct vf_state *st, uint32_t insn, uint8_t kind, uint32_t *id);
int vf_ref_release(struct vf_env *env, struct vf_state *st, uint32_t id);
void vf_ref_release_silently(struct vf_state *st, uint32_t id);
int vf_ref_check_leak(struct vf_env *env, const struct vf_state *st, int at_exit);

/* maps: facts the verifier asks of a map */
int vf_map_has_spin_lock(const struct bpfrt_map *m);

#endif

/* refs.c: locks */
int vf_check_spin_lock_arg(struct vf_env *env, uint32_t regno, int is_lock);
/* mem.c: map facts */
const char *vf_map_name(const struct bpfrt_map *m);
int vf_map_spin_lock_off(const struct bpfrt_map *m);
/* The bytes [off, off + size) of a read-only (frozen, BPF_F_RDONLY_PROG)
 * array map's value as a constant: 1 with *val, 0 when not known. */
int vf_map_read_const(struct bpfrt_map *m, int64_t off, int size, uint64_t *val);
/* May a program read size bytes at off of a struct bpf_sock (or
 * tcp_sock, xdp_sock) pointer of type?  1 when the type's rules were
 * applied (with *ok the verdict). */
int vf_sock_field_ok(uint8_t type, int32_t off, int size, int *ok);
int vf_may_write_pkt(struct vf_env *env);

/* btf_func.c: global functions */
const char *vf_subprog_name(struct vf_env *env, uint32_t sub);
/* The registers a global function starts with, from its BTF signature
 * (0 when it has none usable: r1 is then the context). */
int vf_global_func_args(struct vf_env *env, uint32_t sub, struct vf_frame *f);
/* Does the caller's r1..r5 match the global function's signature? */
int vf_global_func_check_args(struct vf_env *env, uint32_t sub);
/* calls.c */
int vf_check_const_str(struct vf_env *env, uint32_t regno, const struct bpfrt_map *m, int64_t off);
