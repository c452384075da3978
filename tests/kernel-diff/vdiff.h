/* vdiff.h - verdict-differential testing of bpfrt's verifier against the
 * running kernel's.
 *
 * vdiff_gen.c builds random but plausible XDP, sched_cls and socket
 * filter programs: scalar ALU of every op and width, JMP/JMP32 branches,
 * stack spills and fills of scalars and pointers (aligned, misaligned,
 * partial, variable-offset), packet accesses behind every form of
 * data_end check clang emits (and without one, or off by one), map value
 * accesses after bpf_map_lookup_elem (with and without the null check,
 * constant, masked and branch-bounded offsets), context reads and writes
 * of valid and invalid offsets, bounded and unbounded loops, bpf-to-bpf
 * calls and callbacks, helper calls with right and wrong argument types.
 * Each construct is written right or, with a tunable probability, with
 * one of the mistakes programmers make, so that about half the programs
 * are accepted by the kernel.  The kernel's verdict decides; the
 * generator's notion of a mistake only steers the mix.
 */
#ifndef BPFRT_VDIFF_H
#define BPFRT_VDIFF_H

#include <linux/bpf.h>
#include <stdint.h>

#include "kdiff.h"

#define VD_MAX 1024 /* instructions of one program */

/* The maps a program may reference.  An LD_IMM64 with src_reg
 * BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE carries the map's SLOT in
 * imm; vd_patch_maps() replaces it with the kernel's fd or bpfrt's map
 * id. */
enum vd_map {
    VD_MAP_ARRAY, /* array, key 4, value 48, 4 entries */
    VD_MAP_HASH,  /* hash, key 8, value 16, 16 entries */
    VD_MAP_RO,    /* array, key 4, value 8, 1 entry, BPF_F_RDONLY_PROG */
    VD_MAP_DATA,  /* array, key 4, value 64, 1 entry: direct value access (.bss) */
    VD_NMAPS,
};

struct vd_map_def {
    enum bpf_map_type type;
    uint32_t key_size, value_size, max_entries, flags;
};
extern const struct vd_map_def vd_maps[VD_NMAPS];

struct vd_case {
    enum bpf_prog_type type; /* XDP, SCHED_CLS or SOCKET_FILTER */
    uint64_t seed, index;
    struct bpf_insn insns[VD_MAX];
    unsigned len;
    unsigned mistakes; /* deliberate deviations the generator made */
    /* BTF func_info (one record per subprogram, type: vd_btf()'s FUNC),
     * given with the program when has_btf: the kernel wants it for
     * callbacks (an LD_IMM64 BPF_PSEUDO_FUNC). */
    int has_btf;
    struct bpf_func_info func_info[16];
    unsigned nfunc;
};

/* A raw .BTF blob: [1] int, [2] int (void), [3] static FUNC "f" of [2].
 * Returns its size; buf must hold 128 bytes. */
unsigned vd_btf(void *buf);

/* Program number index of the stream seed; mistake_pct: the chance (in
 * percent) that a construct is written wrong. */
void vd_gen_case(struct vd_case *c, uint64_t seed, uint64_t index, unsigned mistake_pct);
/* Copy c's instructions into out, map slots replaced by ids[slot]. */
void vd_patch_maps(const struct vd_case *c, const int ids[VD_NMAPS], struct bpf_insn *out);
const char *vd_type_name(enum bpf_prog_type t);

#endif
