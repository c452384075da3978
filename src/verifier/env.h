/* env.h - one verification: the program, the options, the facts learnt
 * per instruction and per subprogram, the log (the kernel's struct
 * bpf_verifier_env).  Shared by every file of src/verifier/. */
#ifndef BPFRT_VERIFIER_ENV_H
#define BPFRT_VERIFIER_ENV_H

#include <linux/bpf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"
#include "vstate.h"

struct pt_desc;
struct bpfrt_map;
struct btf;

#define VF_MAX_SUBPROGS 256
#define VF_COMPLEXITY_LIMIT_INSNS 1000000 /* BPF_COMPLEXITY_LIMIT_INSNS */
#define VF_COMPLEXITY_LIMIT_JMP_SEQ 8192  /* BPF_COMPLEXITY_LIMIT_JMP_SEQ */
#define VF_COMPLEXITY_LIMIT_STATES 64     /* BPF_COMPLEXITY_LIMIT_STATES */
#define VF_MAX_TAIL_CALL_CNT 33

/* A subprogram: instructions [start, end) (the kernel's bpf_subprog_info). */
struct vf_subprog {
    uint32_t start, end;
    uint32_t stack_depth;   /* bytes its frame uses (rounded up to 8 ... as the kernel) */
    uint8_t is_global;      /* BTF func info says BTF_FUNC_GLOBAL: verified once, alone */
    uint8_t has_tail_call;
    uint8_t tail_call_reachable;
    uint8_t has_ld_abs;
    uint8_t is_cb;          /* used as a callback */
    uint8_t is_async_cb;
    uint8_t verified;       /* global: done */
    uint8_t called;         /* global: a reachable call names it (verified after the main program) */
    uint8_t changes_pkt_data; /* it or a subprogram it calls may move packet data */
    uint32_t btf_func_id;   /* BTF FUNC type id from func info (0: none) */
};

/* Facts about one instruction, kept for the fix-up stage and the log
 * (the kernel's bpf_insn_aux_data). */
struct vf_insn_aux {
    uint8_t seen;           /* reached on some path */
    uint8_t prune_point;    /* states are compared here (cfg.c) */
    uint8_t jmp_point;      /* a jump lands here or leaves from here */
    uint8_t force_checkpoint;
    uint8_t ctx_access;     /* a load/store through the context: convert it */
    uint8_t ctx_access_type;/* enum pt_reg_kind the load gave (for the log) */
    uint32_t ctx_field_size;/* narrow access: the field's size */
    uint8_t ptr_type;       /* enum vf_type of the memory operand, first time seen */
    uint8_t mixed_ptr_types;/* seen with different pointer types on different paths */
    uint8_t is_tail_call;
    uint8_t stack_nonfp;    /* a stack fill through a pointer other than r10 (precision.c gives up there) */
    const struct bpfrt_map *map; /* a helper call's map argument (same on every path), or NULL */
    uint8_t map_poisoned;   /* different maps on different paths */
    uint8_t zext_dst;       /* a 32-bit result that is read as 64 bits */
    uint8_t needs_zext;
    uint32_t subprog;       /* the subprogram it belongs to */
    uint8_t alu_state;      /* unprivileged pointer add/sub: the masking's kind (alu.c, */
    uint32_t alu_limit;     /* the kernel's alu_state/alu_limit), the same on every path */
    /* States kept here for pruning (prune.c) */
    struct vf_state_list *states;
    uint32_t nstates;
    uint32_t miss_cnt, hit_cnt;
    /* cfg.c */
    uint8_t calls_callback; /* a helper that calls a callback synchronously
                             * (bpf_loop, for_each_map_elem, ...): the walk
                             * iterates the callback from here */
};

/* One verification. */
struct vf_env {
    /* Input */
    const struct bpf_insn *insns;
    uint32_t cnt;
    const struct pt_desc *pt;
    enum bpf_prog_type type;
    int attach;
    int priv;               /* privileged verifier (allow_ptr_leaks, bypass_spec, ...) */
    int gpl;                /* GPL-compatible license */
    uint32_t prog_flags;    /* BPF_F_STRICT_ALIGNMENT ... */
    int strict_alignment;
    /* Maps an LD_IMM64 at insn i names (NULL where none): resolved by the
     * pipeline before verification. */
    struct bpfrt_map **insn_map;
    /* BTF of the program and its func/line info (optional) */
    const struct btf *btf;
    const struct bpf_func_info *func_info;
    uint32_t nfunc_info;
    const struct bpf_line_info *line_info;
    uint32_t nline_info;

    /* Control flow (cfg.c) */
    struct vf_subprog sub[VF_MAX_SUBPROGS + 1]; /* sub[nsub].start == cnt: a sentinel */
    uint32_t nsub;
    struct vf_insn_aux *aux; /* cnt entries */
    uint16_t *live_in;       /* per instruction: registers some path may read (liveness.c) */

    /* The walk (check.c) */
    struct vf_state *cur;
    uint32_t insn_idx, prev_insn_idx;
    uint32_t last_insn;      /* the instruction the current path executed last (VF_NO_INSN at its start) */
    uint32_t last_insn_prev; /* the one before the current instruction (for history entries made during it) */
    struct vf_stack_elem *stack; /* paths still to explore */
    uint32_t stack_size;
    uint32_t id_gen;
    int pass_cnt;
    uint8_t seen_direct_write; /* the program writes packet data directly */
    uint8_t has_tail_call;
    uint8_t has_ld_abs;
    uint8_t changes_pkt_data;

    /* Statistics (the last line of the kernel's log) */
    uint64_t insn_processed;
    uint64_t prev_insn_processed;
    uint64_t total_states, peak_states, max_states_per_insn, mark_read;
    uint64_t explored_states;
    uint64_t jmps_processed, prev_jmps_processed;
    struct vf_state_list *evicted; /* states no longer compared, maybe still ancestors (prune.c) */

    /* Log (log.c): level as the kernel's (1, 2, 4 bits) */
    uint32_t log_level;
    char *log;
    size_t log_size, log_len;
    int log_truncated;
    /* The first error */
    struct cm_diag *diag;
    /* The branch decisions of the failing path (explain.c) */
    uint32_t *path;
    uint32_t path_len, path_cap;

    /* log.c: the kernel's struct bpf_verifier_log positions.  Positions
     * are absolute byte counts since the start of the log: the buffer
     * holds [log_start_pos, log_end_pos) (the kernel's rotating log keeps
     * the last bytes; with VF_LOG_FIXED the first).  log_len is the bytes
     * held, log_len_max the size a buffer would need (log_true_size). */
    uint64_t log_start_pos, log_end_pos, log_base;
    uint64_t log_len_max;
    uint64_t prev_log_pos;          /* end of the last instruction line */
    uint32_t prev_insn_print_pos;   /* its length */
    const struct bpf_line_info *prev_linfo; /* the source line printed last */
    /* Registers and stack slots of the current frame that the instruction
     * being verified read or wrote (the kernel's scratched_regs /
     * scratched_stack_slots): only these are printed after it. */
    uint32_t scratched_regs;
    uint64_t scratched_slots;
};

/* log.c: append to the verifier log when level has a bit in common with
 * env->log_level (the kernel's verbose() is level 1 or 2 alike: any bit). */
void vf_log(struct vf_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The kernel's "%d: (%02x) %s" line of instruction i, as do_check prints it. */
void vf_log_insn(struct vf_env *env, uint32_t i);
/* The registers and stack of the current frame (print_verifier_state). */
void vf_log_state(struct vf_env *env, const struct vf_state *st, uint32_t frameno);
/* Record the reason of a rejection: into the log in the kernel's words
 * and into env->diag with the instruction.  Returns err. */
int vf_reject(struct vf_env *env, int err, long insn, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* cfg.c: subprograms from the pseudo calls and func info, jump checks,
 * reachability (unreachable instructions refused), back-edges (allowed:
 * bounded loops are proved by the walk), prune points, "jump out of
 * range", "last insn is not an exit or jmp", "jump into the middle of
 * ldimm64", "call to invalid destination", "unreachable insn", the
 * kernel's messages.  0 or a rejection through vf_reject. */
int vf_check_cfg(struct vf_env *env);
/* The subprogram instruction i belongs to. */
uint32_t vf_subprog_of(const struct vf_env *env, uint32_t i);
/* The subprogram that starts at instruction i, or -1. */
int vf_subprog_at(const struct vf_env *env, uint32_t i);
/* liveness.c: env->live_in for every instruction (after vf_check_cfg). */
int vf_compute_liveness(struct vf_env *env);

/* cfg.c: after the walk filled sub[i].stack_depth: every call chain's
 * combined stack (frames rounded as the kernel JIT does) within 512
 * bytes, at most 8 frames, and no tail call below callers using 256 bytes
 * or more (the kernel's check_max_stack_depth, with its messages).
 * 0 or a rejection through vf_reject. */
int vf_check_max_stack_depth(struct vf_env *env);

/* log.c */
#define VF_LOG_LEVEL1 1  /* BPF_LOG_LEVEL1: the instructions of the path that failed */
#define VF_LOG_LEVEL2 2  /* BPF_LOG_LEVEL2: every instruction with the states */
#define VF_LOG_STATS 4   /* BPF_LOG_STATS: verification time and stack depth */
#define VF_LOG_FIXED 8   /* BPF_LOG_FIXED: keep the start of an overflowing log, not its end */
void vf_vlog(struct vf_env *env, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The log's end position, to cut it back to later (the kernel saves it
 * with each pushed branch and, at level 1, cuts the log back when it pops
 * the branch: level 1 shows the failing path alone). */
static inline uint64_t vf_log_pos(const struct vf_env *env)
{
    return env->log_end_pos;
}
void vf_log_reset(struct vf_env *env, uint64_t pos);
/* The kernel's verbose_linfo: at level 1 or 2, before an instruction
 * whose source line differs from the last printed: prefix, then
 * "<line text> @ <file>:<line>\n". */
void vf_log_linfo(struct vf_env *env, uint32_t insn, const char *prefix_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Mark what an instruction touched, for the state printed after it. */
static inline void vf_scratch_reg(struct vf_env *env, uint32_t regno)
{
    if (regno < 32)
        env->scratched_regs |= 1u << regno;
}
static inline void vf_scratch_slot(struct vf_env *env, uint32_t spi)
{
    if (spi < 64)
        env->scratched_slots |= 1ull << spi;
}
static inline void vf_scratch_all(struct vf_env *env)
{
    env->scratched_regs = ~0u;
    env->scratched_slots = ~0ull;
}
/* The registers an instruction reads or writes (for a walk that does not
 * mark them one by one as it checks them). */
void vf_scratch_insn(struct vf_env *env, const struct bpf_insn *in);
/* The kernel's print_insn_state: the scratched registers and slots of
 * frame st->curframe, after the last instruction line ("...  ; R0=0")
 * when nothing was printed since, else on a line of its own ("5: R0=0").
 * vf_log_insn calls it itself first when env->cur is set and something is
 * scratched; the walk calls it before leaving a path (exit, rejection). */
void vf_log_insn_state(struct vf_env *env, const struct vf_state *st);
/* print_verifier_state with print_all chosen (vf_log_state prints all). */
void vf_log_state_ex(struct vf_env *env, const struct vf_state *st, uint32_t frameno, int print_all);
/* One register as the state prints it ("scalar(smin=0,smax=5)", "fp-8",
 * "map_value(map=m,ks=4,vs=8)"); frameno is the frame holding it. */
void vf_reg_str(char *buf, size_t size, const struct vf_reg *r, uint32_t frameno);
/* The instruction's text as the kernel prints it, without index and
 * opcode ("r0 = *(u64 *)(r1 +0)").  Returns buf. */
const char *vf_insn_str(const struct vf_env *env, uint32_t i, char *buf, size_t size);
/* The last lines of the kernel's log: at level 4 "verification time N
 * usec" and "stack depth A+B", at any level "processed N insns (limit
 * 1000000) max_states_per_insn ... mark_read R". */
void vf_log_stats(struct vf_env *env, uint64_t time_ns);
/* End of verification: an overflowed rotating log is turned so the
 * buffer reads in order, NUL-terminated.  0, or -ENOSPC when bytes were
 * lost (the kernel's bpf_vlog_finalize). */
int vf_log_finish(struct vf_env *env);
/* The line info record of instruction i (the last one at or before it),
 * or NULL (the kernel's find_linfo). */
const struct bpf_line_info *vf_find_linfo(const struct vf_env *env, uint32_t i);

/* explain.c: the walk records the branch decisions of the path it is on:
 * vf_path_push at every conditional jump it follows (taken: the jump was
 * taken; both at once when it pushes the other branch for later), and
 * when it pops a saved branch it cuts the path back to the length saved
 * with that branch (vf_path_cut), then pushes the decision the popped
 * branch stands for.  On a rejection env->path holds the failing path:
 * entries are (insn << 1) | taken.  Returns 0 or -ENOMEM. */
int vf_path_push(struct vf_env *env, uint32_t insn, int taken);
static inline void vf_path_cut(struct vf_env *env, uint32_t len)
{
    if (len < env->path_len)
        env->path_len = len;
}
void vf_path_free(struct vf_env *env);
/* The plain-words explanation of the rejection in env->diag (empty when
 * none): reason, instruction, source line, path, fix.  Returns the length
 * it needed, as snprintf. */
size_t vf_explain(const struct vf_env *env, char *buf, size_t size);

#endif
