/* stage_fixup.c - pipeline stage 4: the xlated program.
 *
 * As the kernel's do_misc_fixups / convert_ctx_accesses: helper calls are
 * resolved to their bodies (the engines get a function per call, tail
 * calls and callback-taking helpers marked), and context accesses are
 * converted by the program type's table, one instruction becoming
 * several where needed, with the index map back to the original kept
 * exact.  Which instructions touch the context is a fact of the verifier;
 * until it exists no access is known to be one, so the xlated program is
 * the original with its calls resolved. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/helpers.h"
#include "../isa/isa.h"
#include "prog.h"

/* Is xl[i] a pc-relative jump or call, and where does its offset live? */
static int rel_target(const struct bpf_insn *xl, size_t i, int64_t *t)
{
    return isa_branch_target(xl, i, t);
}

static int set_target(struct bpf_insn *in, size_t i, int64_t t)
{
    int64_t rel = t - (int64_t)i - 1;
    uint8_t cls = ISA_CLASS(in->code), op = ISA_OP(in->code);

    if ((cls == BPF_JMP && op == BPF_CALL) || (cls == BPF_JMP32 && op == BPF_JA)) {
        if (rel < INT32_MIN || rel > INT32_MAX)
            return -ERANGE;
        in->imm = (int32_t)rel;
    } else {
        if (rel < INT16_MIN || rel > INT16_MAX)
            return -ERANGE;
        in->off = (int16_t)rel;
    }
    return 0;
}

int prog_xl_patch(struct bpf_insn **xlp, uint32_t **origp, size_t *cntp, size_t idx, const struct bpf_insn *repl,
                  size_t n)
{
    size_t cnt = *cntp, ncnt = cnt + n - 1;
    struct bpf_insn *x = *xlp, *nx;
    uint32_t *o = *origp, *no;
    int err = 0;

    if (!n || idx >= cnt)
        return -EINVAL;
    nx = malloc(ncnt * sizeof(*nx));
    no = malloc(ncnt * sizeof(*no));
    if (!nx || !no) {
        free(nx);
        free(no);
        return -ENOMEM;
    }
    /* Move the targets of the jumps outside the patch first, in the old
     * numbering: a target after idx moves by n - 1. */
    for (size_t i = 0; i < cnt && !err; i++) {
        int64_t t;
        size_t ni = i > idx ? i + n - 1 : i;
        if (i == idx)
            continue;
        nx[ni] = x[i];
        no[ni] = o[i];
        if (rel_target(x, i, &t))
            err = set_target(&nx[ni], ni, t > (int64_t)idx ? t + (int64_t)n - 1 : t);
    }
    if (err) {
        free(nx);
        free(no);
        return err;
    }
    memcpy(nx + idx, repl, n * sizeof(*repl));
    for (size_t k = 0; k < n; k++)
        no[idx + k] = o[idx];
    free(x);
    free(o);
    *xlp = nx;
    *origp = no;
    *cntp = ncnt;
    return 0;
}

static int resolve_calls(const struct bpfrt_prog *prog, struct eng_call *calls, struct cm_diag *d)
{
    for (size_t i = 0; i < prog->xl_cnt; i++) {
        const struct bpf_insn *in = &prog->xl[i];
        const struct hlp_desc *h;
        const char *name;

        if (isa_is_ldimm64(in)) {
            i++;
            continue;
        }
        if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != 0)
            continue;
        if (in->imm == BPF_FUNC_tail_call) {
            calls[i].kind = ENG_CALL_TAIL;
            continue;
        }
        h = hlp_find((uint32_t)in->imm);
        if (!h || !h->fn) {
            /* The verifier judged the call; a helper with no body here
             * fails the run that reaches it, not the load.  An id the
             * UAPI header does not define cannot be called at all. */
            hlp_fn fn = hlp_unavailable_fn((uint32_t)in->imm);
            name = bpfrt_helper_name((uint32_t)in->imm);
            if (!fn || !name)
                return cm_diag_err(d, -EINVAL, (long)prog->xl_orig[i], "call to unknown helper #%d", in->imm);
            calls[i].fn = fn;
            calls[i].kind = ENG_CALL_HELPER;
            continue;
        }
        calls[i].fn = h->fn;
        calls[i].kind = hlp_takes_callback(h->id) ? ENG_CALL_CALLBACK : ENG_CALL_HELPER;
    }
    return 0;
}

int prog_stage_fixup(struct bpfrt_prog *prog, struct eng_call **callsp, struct cm_diag *d)
{
    struct eng_call *calls;
    int err;

    prog->xl = malloc(prog->cnt * sizeof(*prog->xl));
    prog->xl_orig = malloc(prog->cnt * sizeof(*prog->xl_orig));
    if (!prog->xl || !prog->xl_orig)
        return cm_diag_err(d, -ENOMEM, -1, "out of memory");
    memcpy(prog->xl, prog->insns, prog->cnt * sizeof(*prog->xl));
    for (size_t i = 0; i < prog->cnt; i++)
        prog->xl_orig[i] = (uint32_t)i;
    prog->xl_cnt = prog->cnt;
    /* Context conversion: each access the verifier marked becomes the
     * type's rewrite (convert_access) through prog_xl_patch(), from the
     * last instruction back so that earlier indices stay put. */
    if (prog->facts && prog->pt->convert_access) {
        for (size_t i = prog->cnt; i-- > 0;) {
            struct bpf_insn repl[32];
            int n;
            if (!prog->facts[i].ctx_access)
                continue;
            n = prog->pt->convert_access(&prog->xl[i], prog->facts[i].ctx_field_size, repl, 32);
            if (n < 0)
                return cm_diag_err(d, n, (long)i, "cannot convert the context access of a %s program",
                                   prog->pt->name);
            if (n == 0)
                continue;
            err = prog_xl_patch(&prog->xl, &prog->xl_orig, &prog->xl_cnt, i, repl, (size_t)n);
            if (err)
                return cm_diag_err(d, err, (long)i, "cannot convert the context access: %s",
                                   err == -ERANGE ? "a jump across it no longer fits" : "out of memory");
        }
    }
    calls = calloc(prog->xl_cnt, sizeof(*calls));
    if (!calls)
        return cm_diag_err(d, -ENOMEM, -1, "out of memory");
    err = resolve_calls(prog, calls, d);
    if (err) {
        free(calls);
        return err;
    }
    prog_fixup_inline(prog, calls);
    *callsp = calls;
    return 0;
}
