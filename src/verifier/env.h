/* env.h - one verification: the program, the options, the facts learnt
 * per instruction and per subprogram, the log (the kernel's struct
 * bpf_verifier_env).  Shared by every file of src/verifier/. */
#ifndef BPFRT_VERIFIER_ENV_H
#define BPFRT_VERIFIER_ENV_H

#include <linux/bpf.h>
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
    const struct bpfrt_map *map; /* a helper call's map argument (same on every path), or NULL */
    uint8_t map_poisoned;   /* different maps on different paths */
    uint8_t zext_dst;       /* a 32-bit result that is read as 64 bits */
    uint8_t needs_zext;
    uint32_t subprog;       /* the subprogram it belongs to */
    /* States kept here for pruning (prune.c) */
    struct vf_state_list *states;
    uint32_t nstates;
    uint32_t miss_cnt, hit_cnt;
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

    /* The walk (check.c) */
    struct vf_state *cur;
    uint32_t insn_idx, prev_insn_idx;
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

#endif
