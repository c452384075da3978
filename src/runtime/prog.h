/* prog.h - inside libbpfrt: the program object and the load pipeline.
 *
 * A program is loaded by one pipeline (pipeline.c), each stage its own
 * file, in this order:
 *   1. check     encodings and jumps (src/isa/check.c)
 *   2. resolve   map references: LD_IMM64 with BPF_PSEUDO_MAP_FD/_VALUE
 *                name live maps; the program's used maps (stage_resolve.c)
 *   3. verify    the verifier's place: today it checks what exists (kfuncs,
 *                helper ids, the type's helper set, GPL-only helpers) and
 *                marks the program unverified (stage_verify.c)
 *   4. fix-up    helper calls resolved to their bodies; context accesses
 *                converted by the type's table; the xlated copy and its
 *                index map to the original (stage_fixup.c)
 *   5. prepare   the engine's image of the xlated program (pipeline.c,
 *                through the engine's ops table)
 * Errors are structured (struct cm_diag: errno, instruction, message) and
 * appended to the caller's log; no stage parses another's text. */
#ifndef BPFRT_RUNTIME_PROG_H
#define BPFRT_RUNTIME_PROG_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"
#include "../common/diag.h"
#include "../engine/engine.h"
#include "../progtypes/progtypes.h"
#include "../verifier/verifier.h"
#include "prog_pin.h"

struct bpfrt_prog {
    /* The program as loaded (what the tag, pins and `dump xlated` of the
     * original start from). */
    struct bpf_insn *insns;
    size_t cnt;
    /* The translated ("xlated") program: after fix-up, what the engine
     * runs (map references kept as references, for dumps), and for each
     * of its instructions the index of the original one it came from. */
    struct bpf_insn *xl;
    size_t xl_cnt;
    uint32_t *xl_orig;
    size_t xl_map_len; /* xl sealed read-only in a mapping of this size (prog_seal.c), else 0 */
    enum bpf_prog_type type;
    const struct pt_desc *pt;
    enum bpf_attach_type attach;
    uint32_t prog_flags; /* the load's BPF_F_* (BPF_F_XDP_HAS_FRAGS: multi-buffer test runs) */
    char name[64];
    char license[128];
    /* Proven safe by the verifier (never yet: it is the next work); an
     * unverified program runs checked unless the caller asks otherwise. */
    int verified;
    int unpriv; /* verified with the unprivileged rules (bpfrt_prog_load_opts.unpriv) */
    /* What the verifier learnt per original instruction (context
     * accesses to convert; reached or dead), and the main frame's stack
     * depth.  NULL / 0 for unverified programs. */
    struct vf_insn_fact *facts;
    uint32_t stack_depth;
    /* The engine and its image of the xlated program. */
    const struct eng_ops *engine;
    void *image;
    struct bpfrt_map **maps; /* maps the program references, each once */
    unsigned nmaps;
    uint32_t id;             /* unique, from 1, as bpftool shows */
    uint64_t loaded_at;      /* seconds since the epoch */
    uint32_t uid;
    uint8_t tag[8];
    int has_tag;
    struct prog_src_info src; /* func/line info, when the caller gave it */
    /* Where it is pinned (absolute; the first pin, the pin it was opened
     * from, or a pin planned by a pin of its whole object), or NULL: what
     * a pinned prog array holding it refers to (common/pinref.h). */
    char *pin_path;
    /* The same pinned program opened in the other engine (prog_in_engine,
     * prog_pin.c), or NULL. */
    struct bpfrt_prog *twin;
    /* Maps opened for this program (from a pin): freed with it. */
    struct bpfrt_map **owned;
    unsigned nowned;
};

/* Stage 2: check every map reference of prog->insns and record the used
 * maps in prog->maps. */
int prog_stage_resolve(struct bpfrt_prog *prog, struct cm_diag *d);
/* Stage 3: the verifier's place (see above). */
int prog_stage_verify(struct bpfrt_prog *prog, const struct bpfrt_prog_load_opts *opts, struct cm_diag *d);
/* Stage 4: build prog->xl, prog->xl_orig and the per-instruction helper
 * resolution (*callsp, xl_cnt entries, malloc'd) the engine needs. */
int prog_stage_fixup(struct bpfrt_prog *prog, struct eng_call **callsp, struct cm_diag *d);
/* Move prog->xl to read-only pages of its own after the fix-up stage
 * (0 or -errno), and release it however it is held (prog_seal.c). */
int prog_xl_seal(struct bpfrt_prog *prog);
void prog_xl_release(struct bpfrt_prog *prog);
/* Mark in calls the helper calls an engine may inline (fixup_inline.c). */
void prog_fixup_inline(const struct bpfrt_prog *prog, struct eng_call *calls);
/* The engine's input of an xlated program: a copy whose map references
 * are the maps' addresses (malloc'd into *execp). */
int prog_exec_copy(const struct bpfrt_prog *prog, struct bpf_insn **execp, struct cm_diag *d);

/* Replace instruction idx of an xlated program with n instructions
 * (n >= 1), keeping jumps, calls and the index map right: every relative
 * target that crosses the patch is moved by n - 1.  The index map gives
 * the new instructions idx's original index.  0 or -ENOMEM / -ERANGE (a
 * jump offset no longer fits in 16 bits). */
int prog_xl_patch(struct bpf_insn **xl, uint32_t **orig, size_t *cnt, size_t idx, const struct bpf_insn *repl,
                  size_t n);

/* The program type's row (never NULL for a loaded program). */
const struct pt_desc *prog_ptype(const struct bpfrt_prog *prog);

/* bpfrt_prog__run, telling (*refused, when not NULL) whether a typed
 * program's test run refused its input before running it (the context
 * builder's errors: a packet shorter than an Ethernet header or longer than
 * the test run's buffer, a bad ctx_in), for the pcap replay. */
int rt_prog_run(struct bpfrt_prog *prog, struct bpfrt_run_opts *opts, int *refused);

#endif
