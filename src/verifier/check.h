/* check.h - what the walk's files share (check.c, alu.c, mem.c, jmp.c,
 * calls.c, prune.c): the current registers, operand checks, the paths
 * still to walk. */
#ifndef BPFRT_VERIFIER_CHECK_H
#define BPFRT_VERIFIER_CHECK_H

#include "env.h"
#include "state.h"

static inline struct vf_frame *vf_cur_frame(struct vf_env *env)
{
    return env->cur->frame[env->cur->curframe];
}
static inline struct vf_reg *vf_regs(struct vf_env *env)
{
    return vf_cur_frame(env)->regs;
}

/* Operands (the kernel's check_reg_arg): a source must be initialised
 * ("R%d !read_ok"); a destination may not be r10 ("frame pointer is read
 * only").  vf_check_reg_write makes the destination an unknown scalar
 * (DST_OP); _keep leaves it for the instruction to set (DST_OP_NO_MARK). */
int vf_check_reg_read(struct vf_env *env, uint32_t regno);
int vf_check_reg_write(struct vf_env *env, uint32_t regno);
int vf_check_reg_write_keep(struct vf_env *env, uint32_t regno);
/* Copy a register's value (not its liveness links). */
void vf_copy_reg(struct vf_reg *dst, const struct vf_reg *src);
/* precision.c */
int vf_mark_chain_precision(struct vf_env *env, uint32_t regno);
int vf_mark_chain_precision_stack(struct vf_env *env, uint32_t spi);
void vf_mark_all_precise(struct vf_env *env);
void vf_forget_precision(struct vf_env *env, struct vf_state *st);
int vf_propagate_precision(struct vf_env *env, const struct vf_state *old);
/* Record in st's history that idx was reached from prev (and which
 * registers and slots a jump at idx refined together). */
int vf_hist_push(struct vf_env *env, struct vf_state *st, uint32_t idx, uint32_t prev, uint16_t linked_regs,
                 uint64_t linked_slots);
/* The current instruction spilled to or filled from slot spi of frame
 * through a pointer other than r10. */
int vf_hist_stack_access(struct vf_env *env, uint32_t frame, uint32_t spi);
#define VF_NO_INSN 0xffffffffu

/* Is the register a pointer the unprivileged verifier must not leak? */
int vf_is_ptr_leak(struct vf_env *env, const struct vf_reg *r);

/* A path to walk later from insn with a copy of the current state;
 * returns that copy (for the caller to refine), or NULL with the error
 * set (out of memory, too many paths). */
struct vf_state *vf_push_branch(struct vf_env *env, uint32_t insn, uint32_t prev_insn, int *err);

/* Undo the last vf_push_branch: the saved path is dropped, or (take 1)
 * becomes the current one (its instruction is the caller's to set). */
void vf_drop_branch(struct vf_env *env, int take);
static inline int vf_is_pkt_any(const struct vf_reg *r)
{
    return r->type == VF_PTR_TO_PACKET || r->type == VF_PTR_TO_PACKET_META || r->type == VF_PTR_TO_PACKET_END;
}

/* check.c: every path of the main program and of each global function */
int vf_do_check_all(struct vf_env *env);

/* alu.c */
int vf_check_alu(struct vf_env *env, const struct bpf_insn *in);
/* mem.c: LDX, STX, ST, atomics, LD_ABS/LD_IND */
int vf_check_load(struct vf_env *env, const struct bpf_insn *in);
int vf_check_store(struct vf_env *env, const struct bpf_insn *in);
int vf_check_atomic(struct vf_env *env, const struct bpf_insn *in);
int vf_check_ld_abs(struct vf_env *env, const struct bpf_insn *in);
/* Access of size bytes at off from register regno (the kernel's
 * check_mem_access); value_regno receives a load (-1: none). */
enum vf_access { VF_READ, VF_WRITE };
int vf_check_mem_access(struct vf_env *env, uint32_t insn, uint32_t regno, int32_t off, int size, enum vf_access t,
                        int value_regno, int strict_align_once, int is_ldsx);
/* Memory a helper reads or writes through register regno for size
 * bytes given by a register (check_helper_mem_access): the range
 * [0, size_reg max]. */
int vf_check_helper_mem(struct vf_env *env, uint32_t regno, int64_t size, int zero_ok, int write, int uninit_ok);
/* Stack bytes [off, off + size) of frame f: initialised? */
int vf_stack_range_init(struct vf_env *env, uint32_t regno, int64_t off, int size, int uninit_ok, int write);
/* A helper's aligned fixed-size argument (strict alignment). */
int vf_check_arg_align(struct vf_env *env, uint32_t regno, int size);
/* A map key the stack holds as a known constant (-1 when not known). */
int64_t vf_stack_const_key(struct vf_env *env, const struct vf_reg *r, uint32_t key_size);
uint32_t vf_map_value_size(const struct bpfrt_map *m);
enum bpf_map_type vf_map_type(const struct bpfrt_map *m);
/* btf_kern.c: kernel objects described by the kernel's BTF
 * (/sys/kernel/btf/vmlinux): a struct's id by name (0: unknown or no
 * BTF), a map pointer's struct, and a read of [off, off + size) of one
 * (the kernel's btf_struct_access): the value register gets a scalar or a
 * pointer to the member's struct. */
uint32_t vf_kbtf_struct_id(const char *name);
uint32_t vf_kbtf_map_struct_id(const struct bpfrt_map *m);
int vf_kbtf_access(struct vf_env *env, uint32_t regno, uint32_t struct_id, int64_t off, int size, int write,
                   int value_regno, const char *what);
uint32_t vf_map_key_size(const struct bpfrt_map *m);

/* jmp.c: conditional jumps */
int vf_check_cond_jmp(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx);

/* calls.c */
int vf_check_helper_call(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx);
int vf_check_func_call(struct vf_env *env, const struct bpf_insn *in, uint32_t *insn_idx);
int vf_prepare_func_exit(struct vf_env *env, uint32_t *insn_idx);
int vf_check_return_code(struct vf_env *env);

/* prune.c: 1 when an equivalent state was seen at insn (prune), 0 when
 * not (the current one is kept if it is a prune point), < 0 error. */
int vf_is_state_visited(struct vf_env *env, uint32_t insn);
void vf_free_explored(struct vf_env *env);
/* Back at the call of a callback: imprecise scalars that changed since
 * the earlier visit become unknown (widen_imprecise_scalars). */
void vf_widen_imprecise(struct vf_env *env, uint32_t insn);

#endif
