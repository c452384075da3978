/* stage_verify.c - pipeline stage 3: the verifier's place.
 *
 * The verifier (the next work, src/verifier/) will prove each program
 * safe here and leave its facts for the fix-up and the engines.  Until it
 * exists this stage checks what can be checked without the abstract
 * interpretation, with the kernel's words where the kernel has them
 * (check_helper_call, check_kfunc_call), and marks the program
 * unverified: such a program runs checked unless its runner asks, in so
 * many words, for an unchecked run (BPFRT_RUN_UNVERIFIED_UNCHECKED). */
#include <errno.h>

#include "../helpers/helpers.h"
#include "../isa/isa.h"
#include "prog.h"

int prog_stage_verify(struct bpfrt_prog *prog, const struct bpfrt_prog_load_opts *opts, struct cm_diag *d)
{
    (void)opts;
    const struct pt_desc *pt = prog->pt;
    int gpl = hlp_license_is_gpl(prog->license);

    for (size_t i = 0; i < prog->cnt; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        const char *name;
        uint32_t id;

        if (isa_is_ldimm64(in)) {
            i++;
            continue;
        }
        if (in->code != (BPF_JMP | BPF_CALL))
            continue;
        if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
            return cm_diag_err(d, -EOPNOTSUPP, (long)i, "call to kfunc (BTF id %d), which bpfrt does not support",
                               in->imm);
        if (in->src_reg != 0)
            continue;
        id = (uint32_t)in->imm;
        name = bpfrt_helper_name(id);
        /* the type's func_proto, privileged (the verifier's default) */
        if (name && !pt_func_proto(pt, id, (int)prog->attach, 1))
            return cm_diag_err(d, -EINVAL, (long)i, "unknown func bpf_%s#%d: programs of type %s may not call it",
                               name, in->imm, pt->name);
        {
            /* GPL-only helpers need a GPL-compatible license ("cannot call
             * GPL-restricted function from non-GPL compatible program"). */
            const struct hlp_desc *h = hlp_find(id);
            if (h && h->gpl_only && !gpl)
                return cm_diag_err(d, -EINVAL, (long)i,
                                   "cannot call GPL-restricted function bpf_%s#%d from non-GPL compatible program "
                                   "(license \"%s\")",
                                   h->name, in->imm, prog->license);
        }
    }
    prog->verified = 0;
    return 0;
}
