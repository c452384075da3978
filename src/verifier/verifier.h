/* verifier.h - the verifier as the load pipeline calls it (its stage 3):
 * one program in, the kernel's verdict out, with the log, the
 * statistics and the facts the later stages need (which instructions
 * touch the context, and how; stack depths).  Everything else of
 * src/verifier/ is internal to it. */
#ifndef BPFRT_VERIFIER_H
#define BPFRT_VERIFIER_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/diag.h"

struct pt_desc;
struct bpfrt_map;

struct vf_opts {
    const struct bpf_insn *insns;
    uint32_t cnt;
    const struct pt_desc *pt;
    enum bpf_prog_type type;
    int attach;
    int priv;                   /* the privileged verifier */
    int gpl;                    /* GPL-compatible license */
    uint32_t prog_flags;        /* BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT, ... */
    uint32_t log_level;         /* 0, or the kernel's 1 | 2 | 4 */
    uint64_t log_size;          /* the caller's buffer: a log larger than 16 MiB is kept when it
                                 * can hold it (up to the kernel's UINT_MAX >> 2) */
    struct bpfrt_map **insn_map; /* per instruction: the map an LD_IMM64 names, or NULL */
    /* BTF and its func/line info (optional) */
    const void *btf_raw;
    size_t btf_size;
    const void *func_info;
    uint32_t func_info_rec_size, func_info_cnt;
    const void *line_info;
    uint32_t line_info_rec_size, line_info_cnt;
};

/* Per original instruction, what the fix-up stage must know. */
struct vf_insn_fact {
    uint8_t ctx_access;      /* a context load/store to convert */
    uint8_t seen;            /* reached on some path (else dead code) */
    uint32_t ctx_field_size; /* narrow access: the whole field's size */
    const struct bpfrt_map *map; /* a helper call's map argument, the same on every path (else NULL) */
    uint8_t alu_state;           /* unprivileged pointer add/sub with a register: the masking */
    uint32_t alu_limit;          /* (the kernel's insn_aux_data alu_state, alu_limit) */
};

struct vf_result {
    int accepted;
    uint64_t processed_insns, total_states, peak_states, max_states_per_insn, mark_read;
    uint64_t time_ns;
    struct vf_insn_fact *facts; /* cnt entries (malloc'd; vf_result_free) */
    uint32_t stack_depth;       /* of the main program's frame */
    char *log;                  /* the kernel-format log (log_level > 0), NUL-terminated, malloc'd */
    size_t log_len;
    char *explain;              /* the plain-words explanation of a rejection, malloc'd, or NULL */
};

/* Verify: 0 when accepted; when rejected the kernel's errno with the
 * first error in d (instruction and message; d's own log is not
 * written: the caller composes it from res->log and res->explain). */
int vf_verify(const struct vf_opts *o, struct vf_result *res, struct cm_diag *d);
void vf_result_free(struct vf_result *res);

#endif
