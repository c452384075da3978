/* stage_verify.c - pipeline stage 3: the verifier (src/verifier/).
 *
 * A program of a kernel program type is verified as the kernel would
 * (privileged unless the caller asks for the unprivileged rules); an
 * accepted one is marked verified (it runs in the fast engine) and its
 * context accesses are recorded for the fix-up stage to convert.  A
 * refused one fails the load with the kernel's errno, the reason and
 * the plain-words explanation in the log.  The raw convention (no
 * program type: bpfrt's own r1 = data, r2 = length) has no kernel
 * verdict: it keeps the checks that need no abstract interpretation and
 * runs checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/opts.h"
#include "../helpers/helpers.h"
#include "../isa/isa.h"
#include "../maps/registry.h"
#include "../verifier/verifier.h"
#include "prog.h"

static int raw_checks(struct bpfrt_prog *prog, struct cm_diag *d)
{
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

/* Append text to the caller's log (as much as fits). */
static void log_append(struct cm_diag *d, const char *text)
{
    size_t n;

    if (!d->log || !d->log_size || !text)
        return;
    if (d->log_len >= d->log_size - 1)
        return;
    n = strlen(text);
    if (n > d->log_size - 1 - d->log_len)
        n = d->log_size - 1 - d->log_len;
    memcpy(d->log + d->log_len, text, n);
    d->log_len += n;
    d->log[d->log_len] = 0;
}

int prog_stage_verify(struct bpfrt_prog *prog, const struct bpfrt_prog_load_opts *opts, struct cm_diag *d)
{
    struct bpfrt_verify_stats *stats = CM_OPT(opts, stats, NULL);
    struct bpfrt_map **insn_map = NULL;
    struct vf_opts vo;
    struct vf_result res;
    struct cm_diag vd;
    int err;

    if (prog->pt->raw_convention)
        return raw_checks(prog, d);
    insn_map = calloc(prog->cnt ? prog->cnt : 1, sizeof(*insn_map));
    if (!insn_map)
        return cm_diag_err(d, -ENOMEM, -1, "out of memory");
    for (size_t i = 0; i + 1 < prog->cnt; i++) {
        const struct bpf_insn *in = &prog->insns[i];
        if (!isa_is_ldimm64(in))
            continue;
        if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)
            insn_map[i] = map_by_id((uint32_t)in->imm);
        i++;
    }
    memset(&vo, 0, sizeof(vo));
    vo.insns = prog->insns;
    vo.cnt = (uint32_t)prog->cnt;
    vo.pt = prog->pt;
    vo.type = prog->type;
    vo.attach = (int)prog->attach;
    vo.priv = !CM_OPT(opts, unpriv, 0);
    vo.gpl = hlp_license_is_gpl(prog->license);
    vo.prog_flags = CM_OPT(opts, prog_flags, 0);
    vo.log_level = CM_OPT(opts, log_level, 0);
    vo.log_size = d->log_size; /* the caller's buffer: keep as much as it can hold */
    vo.insn_map = insn_map;
    vo.btf_raw = CM_OPT(opts, btf, NULL);
    vo.btf_size = CM_OPT(opts, btf_size, 0);
    vo.func_info = CM_OPT(opts, func_info, NULL);
    vo.func_info_rec_size = CM_OPT(opts, func_info_rec_size, 0);
    vo.func_info_cnt = CM_OPT(opts, func_info_cnt, 0);
    vo.line_info = CM_OPT(opts, line_info, NULL);
    vo.line_info_rec_size = CM_OPT(opts, line_info_rec_size, 0);
    vo.line_info_cnt = CM_OPT(opts, line_info_cnt, 0);
    cm_diag_init(&vd, NULL, 0);
    err = vf_verify(&vo, &res, &vd);
    free(insn_map);
    if (stats) {
        stats->processed_insns = res.processed_insns;
        stats->max_states_per_insn = res.max_states_per_insn;
        stats->total_states = res.total_states;
        stats->peak_states = res.peak_states;
        stats->mark_read = res.mark_read;
        stats->verification_time_ns = res.time_ns;
    }
    if (res.log)
        log_append(d, res.log);
    if (err) {
        /* The structured error, then the explanation a person reads. */
        if (!d->err) {
            d->err = vd.err ? vd.err : err;
            d->insn = vd.insn;
            memcpy(d->msg, vd.msg, sizeof(d->msg));
        }
        if (!res.log) {
            char line[CM_DIAG_MSG + 32];
            if (vd.insn >= 0)
                snprintf(line, sizeof(line), "insn %ld: %s\n", vd.insn, vd.msg);
            else
                snprintf(line, sizeof(line), "%s\n", vd.msg);
            log_append(d, line);
        }
        if (res.explain)
            log_append(d, res.explain);
        vf_result_free(&res);
        return err;
    }
    prog->verified = 1;
    prog->unpriv = !vo.priv;
    prog->stack_depth = res.stack_depth;
    prog->facts = res.facts;
    res.facts = NULL;
    vf_result_free(&res);
    return 0;
}
