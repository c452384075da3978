/* vstate.h - the verifier's abstract state: what is known of every
 * register and stack slot at one instruction of one path, as the kernel
 * tracks it (kernel/bpf/verifier.c, include/linux/bpf_verifier.h;
 * Documentation/bpf/verifier.rst).  Every file of src/verifier/ shares
 * these types; the functions live by concern:
 *   tnum.c        known bits (struct tnum)
 *   scalar.c      scalar ranges and arithmetic on them
 *   branch.c      what a conditional jump proves on each branch
 *   cfg.c         control flow: subprograms, jumps, loops, reachability
 *   check.c       the walk over every path (the kernel's do_check)
 *   mem.c         memory accesses: context, stack, packet, map values
 *   alu.c         ALU instructions and pointer arithmetic
 *   calls.c       helper calls, bpf-to-bpf calls, callbacks, tail calls
 *   refs.c        references that must be released (acquire/release)
 *   prune.c       state equivalence and pruning
 *   precision.c   precision tracking (which scalars must match)
 *   liveness.c    register liveness
 *   btf_kern.c    kernel objects through the kernel's BTF
 *   log.c         the kernel-format verifier log
 *   explain.c     the plain-words explanation of a rejection */
#ifndef BPFRT_VERIFIER_VSTATE_H
#define BPFRT_VERIFIER_VSTATE_H

#include <linux/bpf.h>
#include <stdint.h>

#include "tnum.h"

#define VF_MAX_REG 11       /* r0..r10 */
#define VF_STACK_SIZE 512   /* MAX_BPF_STACK */
#define VF_SLOTS (VF_STACK_SIZE / 8)
#define VF_MAX_FRAMES 8     /* MAX_CALL_FRAMES */
#define VF_MAX_REFS 64
#define VF_BEYOND_PKT_END (-1) /* a packet pointer proved past data_end by one byte at least */
#define VF_AT_PKT_END (-2)     /* ... proved at data_end or past it */

/* What a register holds (the kernel's enum bpf_reg_type, base part).  The
 * flags below modify it (the kernel's PTR_MAYBE_NULL, MEM_RDONLY, ...). */
enum vf_type {
    VF_NOT_INIT = 0,
    VF_SCALAR,
    VF_PTR_TO_CTX,
    VF_CONST_PTR_TO_MAP,   /* the map itself (LD_IMM64 map fd) */
    VF_PTR_TO_MAP_VALUE,
    VF_PTR_TO_MAP_KEY,     /* a callback's key argument */
    VF_PTR_TO_STACK,
    VF_PTR_TO_PACKET_META,
    VF_PTR_TO_PACKET,
    VF_PTR_TO_PACKET_END,
    VF_PTR_TO_FLOW_KEYS,
    VF_PTR_TO_SOCKET,
    VF_PTR_TO_SOCK_COMMON,
    VF_PTR_TO_TCP_SOCK,
    VF_PTR_TO_TP_BUFFER,
    VF_PTR_TO_XDP_SOCK,
    VF_PTR_TO_BTF_ID,
    VF_PTR_TO_MEM,         /* mem_size bytes a helper returned (ring buffer record, ...) */
    VF_PTR_TO_BUF,
    VF_PTR_TO_FUNC,        /* a static subprogram (LD_IMM64 BPF_PSEUDO_FUNC) */
    VF_TYPE_MAX
};

/* Modifiers (the kernel's type flags). */
#define VF_MAYBE_NULL 0x1   /* PTR_MAYBE_NULL: must be compared with 0 first */
#define VF_RDONLY 0x2       /* MEM_RDONLY */
#define VF_RINGBUF 0x4      /* MEM_RINGBUF: a ring buffer reservation */
#define VF_ALLOC 0x8        /* MEM_ALLOC */
#define VF_UNTRUSTED 0x10   /* PTR_UNTRUSTED */

/* Liveness marks (the kernel's REG_LIVE_*), for pruning. */
#define VF_LIVE_READ32 0x1
#define VF_LIVE_READ64 0x2
#define VF_LIVE_WRITTEN 0x4
#define VF_LIVE_DONE 0x8

struct bpfrt_map;

#define VF_LINK64 1
#define VF_LINK32 2

struct vf_reg {
    uint8_t type;   /* enum vf_type */
    uint8_t flags;  /* VF_MAYBE_NULL ... */
    uint8_t frameno; /* PTR_TO_STACK: the frame whose stack it points into */
    uint8_t precise; /* a scalar whose exact range decided something */
    uint8_t live;    /* VF_LIVE_* */
    /* A scalar linked to the others of its id with a constant delta
     * (6.18's BPF_ADD_CONST: rX = rY; rX += K): this one is the id's
     * value + link_off, computed in 64 (VF_LINK64) or 32 bits (VF_LINK32). */
    uint8_t link;
    /* Fixed part of a pointer's offset (the variable part is var_off and
     * the ranges below, as for a scalar). */
    int32_t off;
    int32_t link_off; /* the delta of a linked scalar (link) */
    /* Pointers: what they point to */
    const struct bpfrt_map *map; /* CONST_PTR_TO_MAP, PTR_TO_MAP_VALUE, PTR_TO_MAP_KEY */
    int32_t range;     /* PTR_TO_PACKET(_META): bytes past off proved inside data_end; VF_BEYOND_PKT_END / VF_AT_PKT_END */
    uint32_t mem_size; /* PTR_TO_MEM, PTR_TO_BUF, PTR_TO_MAP_KEY/VALUE of a callback */
    uint32_t subprog;  /* PTR_TO_FUNC */
    uint32_t btf_id;   /* PTR_TO_BTF_ID */
    /* Identity: pointers from one lookup (null checks), packet pointers of
     * one derivation (range sharing), scalars copied from one another
     * (bounds sharing).  0: none. */
    uint32_t id;
    /* The reference (refs.c) this pointer keeps alive, 0 when none. */
    uint32_t ref_obj_id;
    /* Known bits and ranges: of the value for a scalar, of the variable
     * offset for a pointer. */
    struct tnum var_off;
    int64_t smin, smax;
    uint64_t umin, umax;
    int32_t s32_min, s32_max;
    uint32_t u32_min, u32_max;
    /* The state this register's liveness chain continues in (prune.c). */
    struct vf_reg *parent;
};

/* One byte of a stack slot (the kernel's STACK_*). */
enum vf_slot_type {
    VF_STACK_INVALID = 0, /* never written: reading it is an error */
    VF_STACK_SPILL,       /* part of a spilled register (spilled holds it) */
    VF_STACK_MISC,        /* written with something unknown */
    VF_STACK_ZERO,        /* written with zero */
};

struct vf_slot {
    uint8_t type[8];      /* enum vf_slot_type, per byte; byte 0 is the lowest address */
    struct vf_reg spilled; /* the register spilled here (meaningful when type[0] is SPILL) */
    uint8_t spill_size;    /* bytes of the spill (8, or 1/2/4 for a scalar) */
};

struct vf_frame {
    struct vf_reg regs[VF_MAX_REG];
    /* Slots from the top: slots[0] covers fp-8..fp-1, slots[i] fp-8(i+1)..;
     * allocated / 8 of them (grown by vf_frame_grow) */
    struct vf_slot *slots;
    uint32_t allocated; /* bytes of stack seen in use (a multiple of 8) */
    int32_t callsite;   /* instruction of the call that made this frame, -1 for frame 0 */
    uint32_t frameno;
    uint32_t subprog;
    /* Callbacks: the frame runs a callback (bpf_loop, for_each_map_elem) */
    uint8_t in_callback;
    uint8_t in_async_callback;
    /* The range the callback's r0 must lie in (callback_ret_range) */
    int64_t cb_ret_min, cb_ret_max;
};

struct vf_ref {
    uint32_t id;
    uint32_t insn; /* where it was acquired */
    uint8_t kind;  /* enum vf_ref_kind (refs.c) */
};

/* The state of one path at one instruction. */
struct vf_state {
    struct vf_frame *frame[VF_MAX_FRAMES];
    uint32_t curframe;
    struct vf_ref refs[VF_MAX_REFS];
    uint32_t nrefs;
    uint32_t active_lock_id; /* bpf_spin_lock held: the map value's id; 0 none */
    const struct bpfrt_map *active_lock_map;
    uint8_t speculative;
    uint8_t in_loop_cb; /* walking a callback body that may run again (bpf_loop...) */
    /* Pruning bookkeeping (prune.c) */
    struct vf_state *parent;
    uint32_t branches;       /* paths from here not yet explored */
    uint32_t insn_idx;
    uint32_t first_insn_idx, last_insn_idx;
    /* The instructions this state's segment (from first_insn_idx to
     * last_insn_idx) went through out of order, for precision
     * backtracking (precision.c); also the scalars a conditional jump
     * refined together. */
    struct vf_hist *hist;
    uint32_t nhist, hist_cap;
    /* Stack liveness (prune.c, the kernel's REG_LIVE_READ/WRITTEN for
     * stack slots): per frame, the slots some continuation of this
     * checkpoint read before writing them, and the slots fully written in
     * the segment that ends at this state (for the current state: since
     * its segment began). */
    uint64_t slot_read[VF_MAX_FRAMES], slot_written[VF_MAX_FRAMES];
    /* A checkpoint whose scalars, and all its ancestors', are all precise
     * (precision.c stops its "everything precise" walk there). */
    uint8_t all_precise;
    /* How many times this path entered a callback's body again (6.6's
     * callback_unroll_depth): equal states at different depths are
     * iterations, not an infinite loop. */
    uint32_t cb_unroll;
};

struct vf_hist {
    uint32_t idx, prev;  /* instruction idx was reached from prev */
    uint16_t linked_regs; /* registers sharing bounds with the jump's operands (a jump at idx) */
    uint64_t linked_slots;
    /* a spill or fill at idx through a pointer other than r10: the frame
     * and slot it touched (precision follows it there) */
    uint8_t stack_access, stack_frame, stack_spi;
};

/* The registers' type names as the kernel's log prints them ("scalar",
 * "ctx", "map_value", "pkt", "pkt_end", "fp", ...). */
const char *vf_type_name(const struct vf_reg *r);

/* Is the register a pointer of any kind (not scalar, not uninitialised)? */
static inline int vf_is_ptr(const struct vf_reg *r)
{
    return r->type != VF_NOT_INIT && r->type != VF_SCALAR;
}
static inline int vf_is_pkt(const struct vf_reg *r)
{
    return (r->type == VF_PTR_TO_PACKET || r->type == VF_PTR_TO_PACKET_META) && !(r->flags & VF_MAYBE_NULL);
}

/* scalar.c: the kernel's helpers on a register's ranges. */
void vf_mark_unknown(struct vf_reg *r);           /* __mark_reg_unknown: a scalar, anything */
void vf_mark_known(struct vf_reg *r, uint64_t v); /* __mark_reg_known: a scalar constant v */
/* clear_scalar_id: no longer a copy of anything, nor linked */
static inline void vf_clear_scalar_id(struct vf_reg *r)
{
    r->id = 0;
    r->link = 0;
    r->link_off = 0;
}
void vf_mark_known_zero(struct vf_reg *r);
void vf_mark_not_init(struct vf_reg *r);
void vf_reg_bounds_sync(struct vf_reg *r);        /* reg_bounds_sync: ranges <-> tnum, 32 <-> 64 */
void vf_reset_var_off(struct vf_reg *r);          /* ranges to unbounded, var_off unknown */
int vf_reg_is_const(const struct vf_reg *r);      /* tnum_is_const(var_off) */
int vf_reg_is_const32(const struct vf_reg *r);    /* tnum_subreg_is_const */
/* Zero-extend the low 32 bits (a 32-bit operation's result): the 64-bit
 * ranges from the 32-bit ones (zext_32_to_64 + bounds sync). */
void vf_zext_32_to_64(struct vf_reg *r);
/* Sign-extend from size bytes (1, 2, 4) in place (BPF_MOVSX, LDSX). */
void vf_sext(struct vf_reg *r, int size);
/* Sign-extend the low 32 bits to 64 (MOVSX 32->64 variant helper). */
void vf_sext_32_to_64(struct vf_reg *r);
/* dst = dst op src on scalars, the kernel's adjust_scalar_min_max_vals:
 * op is BPF_OP(code) of an ALU/ALU64 instruction (ADD, SUB, MUL, DIV,
 * MOD, AND, OR, XOR, LSH, RSH, ARSH), alu32 the 32-bit class.  src is a
 * scalar (a constant for BPF_K).  Division and modulo by a value that may
 * be zero are allowed (the result is the kernel's: x/0 = 0, x%0 = x);
 * the caller has checked constant-zero divisors.  Shifts by an amount
 * that may be out of range make dst unknown, as the kernel does. */
void vf_scalar_alu(struct vf_reg *dst, const struct vf_reg *src, uint8_t op, int alu32);
/* NEG, and BPF_END (bswap/to-le/to-be of 16/32/64 bits). */
void vf_scalar_neg(struct vf_reg *dst, int alu32);
void vf_scalar_end(struct vf_reg *dst, uint8_t code, int32_t imm);
/* Truncate a register to size bytes (a load or a 32-bit move). */
void vf_coerce_to_size(struct vf_reg *r, int size);

/* branch.c: conditional jumps.  op is BPF_OP of a JMP/JMP32 code.
 * vf_branch_taken: 1 when the jump is always taken, 0 never, -1 unknown
 * (the kernel's is_branch_taken) for scalar operands.
 * vf_branch_refine: given that "dst op src" is true (taken) or false,
 * narrow both scalars (the kernel's reg_set_min_max /
 * reg_combine_min_max, JMP32 on the low halves).  src may be a constant
 * register (BPF_K). */
int vf_branch_taken(const struct vf_reg *dst, const struct vf_reg *src, uint8_t op, int jmp32);
void vf_branch_refine(struct vf_reg *true_dst, struct vf_reg *true_src, struct vf_reg *false_dst,
                      struct vf_reg *false_src, uint8_t op, int jmp32);
/* Are the bounds of r consistent (min <= max everywhere, tnum inside)?
 * A branch whose refinement makes them inconsistent cannot be taken. */
int vf_reg_bounds_sane(const struct vf_reg *r);

/* scalar.c additions */
/* __mark_reg_unbounded: the six ranges unbounded, var_off kept. */
void vf_mark_unbounded(struct vf_reg *r);
/* The kernel's is_safe_to_compute_dst_reg_range (6.18): 1 when
 * vf_scalar_alu tracks "dst op src" (ADD SUB MUL AND OR XOR NEG always;
 * LSH RSH ARSH when src is a constant below the width), 0 when it makes
 * dst entirely unknown instead (DIV and MOD, signed or not: 6.18 does not
 * track them, even for a constant divisor; shifts by a non-constant or
 * too large amount).  The unknown result is 64-bit even for a 32-bit
 * operation, as the kernel's; vf_scalar_alu then behaves as
 * vf_mark_unknown (id, off cleared; precise 0: set it in unprivileged
 * mode, as the kernel's __mark_reg_unknown does).  For BPF_K the caller
 * passes src = vf_mark_known((uint64_t)(int64_t)imm), as the kernel's
 * fake register, also for 32-bit operations.  vf_scalar_alu leaves id and
 * off alone otherwise: resetting id (or the 6.18 BPF_ADD_CONST link) is
 * the caller's, as in the kernel's adjust_reg_min_max_vals. */
int vf_scalar_alu_safe(const struct vf_reg *src, uint8_t op, int alu32);
/* The 32-bit sign extensions w = (s8)w, w = (s16)w (BPF_ALU | BPF_MOV |
 * BPF_X, off 8 or 16; size 1 or 2): the kernel's coerce_subreg_to_size_sx,
 * then the zero extension to 64 bits and bounds sync. */
void vf_sext32(struct vf_reg *r, int size);

#endif
