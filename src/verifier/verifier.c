/* verifier.c - one verification from start to end (the kernel's
 * bpf_check): the environment set up from the options, the control
 * flow checked (cfg.c), every path walked (check.c), the combined stack
 * depth checked across calls, the statistics and the log's last lines,
 * and the facts the fix-up stage needs. */
#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../isa/isa.h"
#include "../progtypes/progtypes.h"
#include "check.h"
#include "state.h"
#include "verifier.h"

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Records of rec_size bytes, of which the first sizeof(T) are T: packed
 * copies (the kernel accepts larger records from newer user space). */
static void *unpack(const void *recs, uint32_t rec_size, uint32_t cnt, size_t elem)
{
    char *out;

    if (!recs || !cnt || rec_size < elem)
        return NULL;
    out = malloc(cnt * elem);
    if (!out)
        return NULL;
    for (uint32_t i = 0; i < cnt; i++)
        memcpy(out + i * elem, (const char *)recs + (size_t)i * rec_size, elem);
    return out;
}

int vf_verify(const struct vf_opts *o, struct vf_result *res, struct cm_diag *d)
{
    struct vf_env *env;
    struct btf *btf = NULL;
    uint64_t t0 = now_ns();
    int err;

    memset(res, 0, sizeof(*res));
    env = calloc(1, sizeof(*env));
    if (!env)
        return cm_diag_err(d, -ENOMEM, -1, "out of memory");
    env->insns = o->insns;
    env->cnt = o->cnt;
    env->pt = o->pt;
    env->type = o->type;
    env->attach = o->attach;
    env->priv = o->priv;
    env->gpl = o->gpl;
    env->prog_flags = o->prog_flags;
    env->strict_alignment = (o->prog_flags & BPF_F_STRICT_ALIGNMENT) && !(o->prog_flags & BPF_F_ANY_ALIGNMENT);
    env->insn_map = o->insn_map;
    env->log_level = o->log_level;
    env->diag = d;
    if (o->btf_raw && o->btf_size) {
        btf = btf__new(o->btf_raw, (uint32_t)o->btf_size);
        if (!btf)
            btf = NULL; /* without usable BTF the program is verified without it */
    }
    env->btf = btf;
    env->func_info = unpack(o->func_info, o->func_info_rec_size, o->func_info_cnt, sizeof(struct bpf_func_info));
    env->nfunc_info = env->func_info ? o->func_info_cnt : 0;
    env->line_info = unpack(o->line_info, o->line_info_rec_size, o->line_info_cnt, sizeof(struct bpf_line_info));
    env->nline_info = env->line_info ? o->line_info_cnt : 0;
    if (o->log_level) {
        env->log_size = o->log_size > (1u << 24) ? o->log_size : 1u << 24;
        if (env->log_size > (UINT32_MAX >> 2))
            env->log_size = UINT32_MAX >> 2;
        env->log = malloc(env->log_size);
        if (env->log)
            env->log[0] = 0;
        else
            env->log_size = 0;
    }
    env->aux = calloc(o->cnt ? o->cnt : 1, sizeof(*env->aux));
    if (!env->aux) {
        err = cm_diag_err(d, -ENOMEM, -1, "out of memory");
        goto out;
    }
    err = vf_check_cfg(env);
    for (uint32_t i = 0; !err && i + 1 < env->cnt; i++) {
        /* check_map_prog_compatibility: spin locks only where a program
         * type may hold them */
        if (isa_is_ldimm64(&env->insns[i]) && env->insn_map && env->insn_map[i] &&
            vf_map_has_spin_lock(env->insn_map[i])) {
            if (env->type == BPF_PROG_TYPE_SOCKET_FILTER)
                err = vf_reject(env, -EINVAL, i, "socket filter progs cannot use bpf_spin_lock yet");
            else if (env->type == BPF_PROG_TYPE_KPROBE || env->type == BPF_PROG_TYPE_TRACEPOINT ||
                     env->type == BPF_PROG_TYPE_PERF_EVENT || env->type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
                     env->type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)
                err = vf_reject(env, -EINVAL, i, "tracing progs cannot use bpf_spin_lock yet");
            if (err)
                break;
        }
        /* a callback's address needs the BTF func info (check_ld_imm) */
        if (isa_is_ldimm64(&env->insns[i]) && env->insns[i].src_reg == BPF_PSEUDO_FUNC && !env->nfunc_info)
            err = vf_reject(env, -EINVAL, i, "missing btf func_info");
        if (isa_is_ldimm64(&env->insns[i]))
            i++;
    }
    if (!err)
        err = vf_compute_liveness(env);
    if (!err)
        err = vf_do_check_all(env);
    if (!err)
        err = vf_check_max_stack_depth(env);
    res->accepted = !err;
    res->processed_insns = env->insn_processed;
    res->total_states = env->total_states;
    res->peak_states = env->peak_states;
    res->max_states_per_insn = env->max_states_per_insn;
    res->mark_read = env->mark_read;
    res->time_ns = now_ns() - t0;
    res->stack_depth = env->nsub ? env->sub[0].stack_depth : 0;
    if (err) {
        char buf[4096];
        if (vf_explain(env, buf, sizeof(buf)) > 0 && buf[0])
            res->explain = strdup(buf);
    }
    if (env->log_level && env->log) {
        vf_log_stats(env, res->time_ns);
        vf_log_finish(env);
        res->log = env->log;
        res->log_len = env->log_len;
        env->log = NULL;
    }
    res->facts = calloc(o->cnt ? o->cnt : 1, sizeof(*res->facts));
    if (res->facts)
        for (uint32_t i = 0; i < o->cnt; i++) {
            res->facts[i].ctx_access = env->aux[i].ctx_access;
            res->facts[i].seen = env->aux[i].seen;
            res->facts[i].ctx_field_size = env->aux[i].ctx_field_size;
            res->facts[i].map = env->aux[i].map_poisoned ? NULL : env->aux[i].map;
            res->facts[i].alu_state = env->aux[i].alu_state;
            res->facts[i].alu_limit = env->aux[i].alu_limit;
        }
    else if (!err)
        err = cm_diag_err(d, -ENOMEM, -1, "out of memory");
out:
    free(env->aux);
    free(env->live_in);
    free(env->log);
    vf_path_free(env);
    free((void *)env->func_info);
    free((void *)env->line_info);
    btf__free(btf);
    free(env);
    return err;
}

void vf_result_free(struct vf_result *res)
{
    free(res->facts);
    free(res->log);
    free(res->explain);
    memset(res, 0, sizeof(*res));
}
