/* bpfrt.h - public API of libbpfrt, the eBPF system in user space.
 *
 * Conventions (libbpf's habits): names read object__verb; functions return
 * 0 or a negative errno; options are structs whose first field is their
 * size (use BPFRT_OPTS), so fields can be added without breaking callers.
 * The library never prints and never exits: messages go to a log buffer
 * the caller supplies.
 */
#ifndef BPFRT_BPFRT_H
#define BPFRT_BPFRT_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Declare and zero an options struct, setting its size field. */
#define BPFRT_OPTS(type, name, ...) struct type name = {.sz = sizeof(struct type), __VA_ARGS__}

struct bpfrt_prog;

struct bpfrt_prog_load_opts {
    size_t sz;
    enum bpf_prog_type type; /* BPF_PROG_TYPE_UNSPEC: a raw program */
    const char *name;
    char *log_buf; /* receives the reason when loading fails */
    size_t log_size;
};

/* Load cnt instructions: check every encoding and jump, decode once for
 * the interpreter.  On success *progp owns a copy of insns.  Errors:
 * -EINVAL (bad encoding; log names the instruction index and the reason),
 * -E2BIG (over BPFRT_MAX_INSNS), -ENOMEM, -EOPNOTSUPP (a construct this
 * engine cannot run, named in the log). */
int bpfrt_prog__load_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts,
                           struct bpfrt_prog **progp);
void bpfrt_prog__free(struct bpfrt_prog *prog);
size_t bpfrt_prog__insn_cnt(const struct bpfrt_prog *prog);
const struct bpf_insn *bpfrt_prog__insns(const struct bpfrt_prog *prog);
const char *bpfrt_prog__name(const struct bpfrt_prog *prog);

#define BPFRT_MAX_INSNS 1000000 /* BPF_COMPLEXITY_LIMIT_INSNS */

enum bpfrt_run_flags {
    /* Validate every memory access against the regions the program may
     * touch; a violation stops the run with an error naming the
     * instruction, the address and the region.  Also counts instructions. */
    BPFRT_RUN_CHECKED = 1u << 0,
};

struct bpfrt_run_opts {
    size_t sz;
    /* Input: the raw conformance convention for now: r1 = address of
     * data (0 when data is NULL), r2 = data_size.  The data is read and
     * written in place: pass a copy to keep the original. */
    void *data;
    size_t data_size;
    uint32_t flags;    /* enum bpfrt_run_flags */
    uint32_t repeat;   /* runs; 0 means 1.  duration is the mean */
    uint64_t budget;   /* instruction budget per run; 0: BPFRT_DEFAULT_BUDGET */
    uint32_t worker;   /* worker (CPU) index seen by the program */
    /* Output */
    uint64_t retval;      /* full 64-bit r0 of the last run */
    uint64_t duration_ns; /* mean wall time per run */
    uint64_t insn_cnt;    /* instructions executed by the last run (checked mode) */
    char *err_buf;        /* receives the reason when a run fails */
    size_t err_size;
};

#define BPFRT_DEFAULT_BUDGET 100000000ull

/* Run prog.  Returns 0 with opts->retval set, or a negative errno:
 * -EFAULT (checked mode: access outside every region), -ELOOP (budget or
 * call depth exceeded), -EINVAL (bad arguments), -ENOTSUP (helper without
 * meaning here); err_buf then says which instruction and why. */
int bpfrt_prog__run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts);

/* Disassembly in the llvm-objdump / bpftool syntax ("r0 = 1",
 * "if r1 > r2 goto +3", "lock *(u64 *)(r1 + 0) += r2").  Writes the text
 * of insns[i] (two slots for LD_IMM64) to buf and returns the number of
 * slots consumed (1 or 2), or a negative errno. */
int bpfrt_disasm_insn(const struct bpf_insn *insns, size_t cnt, size_t i, char *buf, size_t bufsz);

/* Disassemble a whole program, one instruction a line, each prefixed with
 * its index ("   0: r0 = 1") when with_index is set. */
int bpfrt_disasm(const struct bpf_insn *insns, size_t cnt, FILE *out, int with_index);

/* Assemble text in the same syntax (one instruction a line; '#', ';' and
 * '//' start comments; an optional "N:" index prefix and labels "name:" are
 * accepted).  On success *insnsp is malloc'd, *cntp its length.  On error
 * returns -EINVAL and err names the line and the reason. */
int bpfrt_asm(const char *text, struct bpf_insn **insnsp, size_t *cntp, char *err, size_t errsz);

/* Name of helper id as the UAPI header lists it ("map_lookup_elem"), or
 * NULL when the id is unknown. */
const char *bpfrt_helper_name(uint32_t id);

#ifdef __cplusplus
}
#endif
#endif
