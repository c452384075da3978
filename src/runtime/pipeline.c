/* pipeline.c - loading a program: the stages of prog.h in order, the
 * engine's image last, the program's id once it is complete. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/opts.h"
#include "../common/progid.h"
#include "../isa/isa.h"
#include "prog.h"

/* Stage 1: encodings and jumps. */
static int stage_check(const struct bpf_insn *insns, size_t cnt, int typed, struct cm_diag *d)
{
    char why[192];
    long bad;
    /* A typed program goes through the verifier, which judges r10 writes
     * on the paths that reach them; the raw convention has no verifier. */
    int err = isa_check_prog_flags(insns, cnt, typed ? ISA_CHECK_NO_FP_RULES : 0, &bad, why, sizeof(why));

    return err ? cm_diag_err(d, err, bad, "%s", why) : 0;
}

/* The engine of a program: the load option, else $BPFRT_ENGINE, else
 * the default.  Asked for by name, the JIT prepares every program; its
 * checked runs (an unverified program's, unless its caller asks for an
 * unchecked run in so many words) are the interpreter's: safe by
 * default. */
#define PIPE_DEFAULT_JIT 1 /* verified programs' default engine: the JIT */
static int pick_engine(const struct bpfrt_prog *prog, const char *want, const struct eng_ops **e, struct cm_diag *d)
{
    const char *from = "engine option";

    if (!want) {
        want = getenv("BPFRT_ENGINE");
        from = "BPFRT_ENGINE";
    }
    if (want && !*want)
        want = NULL;
    if (want && strcmp(want, "jit") && strcmp(want, "interp"))
        return cm_diag_err(d, -EINVAL, -1, "%s '%s': unknown engine (expected jit or interp)", from, want);
    *e = &eng_interp;
#ifdef ENG_HAVE_JIT
    if (want ? !strcmp(want, "jit") : PIPE_DEFAULT_JIT && prog->verified)
        *e = &eng_jit;
#else
    (void)prog;
    if (want && !strcmp(want, "jit"))
        return cm_diag_err(d, -EOPNOTSUPP, -1, "%s 'jit': this build has no JIT for its architecture", from);
#endif
    return 0;
}

/* Stage 5: the engine's image of the xlated program. */
static int stage_prepare(struct bpfrt_prog *prog, const char *want, const struct eng_call *calls, struct cm_diag *d)
{
    struct bpf_insn *exec = NULL;
    char msg[CM_DIAG_MSG] = "";
    struct eng_log elog = {msg, sizeof(msg), -1};
    struct eng_input in;
    int err = pick_engine(prog, want, &prog->engine, d);

    if (!err)
        err = prog_exec_copy(prog, &exec, d);
    if (err)
        return err;
    in = (struct eng_input){exec, prog->xl_cnt, calls};
    err = prog->engine->prepare(&in, &prog->image, &elog);
    free(exec);
    if (err)
        return cm_diag_err(d, err, elog.err_insn >= 0 ? (long)prog->xl_orig[elog.err_insn] : -1, "%s",
                           msg[0] ? msg : "the engine cannot prepare the program");
    return 0;
}

static void diag_out(const struct cm_diag *d, struct bpfrt_diag *out)
{
    if (!out || out->sz < sizeof(*out))
        return;
    out->err = d->err;
    out->insn = d->insn;
    snprintf(out->message, sizeof(out->message), "%s", d->msg);
}

/* The pipeline; verify_only stops after the verifier's stage and keeps
 * no program (bpfrt_prog__verify_insns). */
static int load_common(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts,
                       struct bpfrt_prog **progp, int verify_only)
{
    const char *name = CM_OPT(opts, name, NULL), *license = CM_OPT(opts, license, NULL);
    enum bpf_prog_type type = CM_OPT(opts, type, BPF_PROG_TYPE_UNSPEC);
    struct bpfrt_diag *dout = CM_OPT(opts, diag, NULL);
    struct eng_call *calls = NULL;
    struct bpfrt_prog *prog = NULL;
    struct cm_diag d;
    int err;

    cm_diag_init(&d, CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0));
    if (dout && dout->sz >= sizeof(*dout)) {
        dout->err = 0;
        dout->insn = -1;
        dout->message[0] = 0;
    }
    if ((!progp && !verify_only) || (!insns && cnt))
        return -EINVAL;
    if (cnt > BPFRT_MAX_INSNS) {
        err = cm_diag_err(&d, -E2BIG, -1, "program of %zu instructions exceeds the limit of %u", cnt,
                          BPFRT_MAX_INSNS);
        goto out;
    }
    err = stage_check(insns, cnt, type != BPF_PROG_TYPE_UNSPEC, &d);
    if (err)
        goto out;
    prog = calloc(1, sizeof(*prog));
    if (!prog || !(prog->insns = malloc(cnt * sizeof(*insns)))) {
        err = cm_diag_err(&d, -ENOMEM, -1, "out of memory");
        goto out;
    }
    memcpy(prog->insns, insns, cnt * sizeof(*insns));
    prog->cnt = cnt;
    prog->type = type;
    prog->pt = pt_by_type(type);
    if (!prog->pt) {
        err = cm_diag_err(&d, -EINVAL, -1, "unknown program type %u", (unsigned)type);
        goto out;
    }
    prog->attach = CM_OPT(opts, expected_attach_type, (enum bpf_attach_type)0);
    prog->prog_flags = CM_OPT(opts, prog_flags, 0);
    snprintf(prog->name, sizeof(prog->name), "%s", name ? name : "");
    snprintf(prog->license, sizeof(prog->license), "%s", license ? license : "GPL");
    prog->loaded_at = (uint64_t)time(NULL);
    prog->uid = (uint32_t)getuid();
    err = prog_stage_resolve(prog, &d);
    if (!err)
        err = prog_stage_verify(prog, opts, &d);
    if (!err && verify_only) {
        bpfrt_prog__free(prog);
        return 0;
    }
    if (!err)
        err = prog_stage_fixup(prog, &calls, &d);
    if (!err)
        err = stage_prepare(prog, CM_OPT(opts, engine, NULL), calls, &d);
    if (!err && (err = prog_xl_seal(prog)))
        err = cm_diag_err(&d, err, -1, "cannot map the xlated program read-only: %s", strerror(-err));
    if (!err && !(prog->id = cm_progid_add(prog, (uint32_t)prog->type)))
        err = cm_diag_err(&d, -ENOMEM, -1, "out of memory");
out:
    free(calls);
    if (err) {
        diag_out(&d, dout);
        bpfrt_prog__free(prog);
        return err;
    }
    *progp = prog;
    return 0;
}

int bpfrt_prog__load_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts,
                           struct bpfrt_prog **progp)
{
    return load_common(insns, cnt, opts, progp, 0);
}

int bpfrt_prog__verify_insns(const struct bpf_insn *insns, size_t cnt, const struct bpfrt_prog_load_opts *opts)
{
    return load_common(insns, cnt, opts, NULL, 1);
}
