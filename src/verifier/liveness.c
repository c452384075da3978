/* liveness.c - which registers may still be read at each instruction: a
 * backward data-flow pass over each subprogram's control flow before the
 * walk (the kernel's compute_live_registers, 6.15 and later).  Pruning
 * compares only the live registers: a register no path reads again before
 * writing it cannot make a difference, whatever it holds.  The sets are
 * over-approximations (every path of the control-flow graph counts, and a
 * call reads every argument register), which is what soundness needs. */
#include <errno.h>
#include <stdlib.h>

#include "../helpers/protos.h"
#include "../isa/isa.h"
#include "../progtypes/progtypes.h"
#include "check.h"

#define R(n) ((uint16_t)(1u << (n)))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))
#define CALLER_SAVED (R(0) | ARGS)

/* The argument registers helper id reads, from its prototype for the
 * program's type (all of r1-r5 when it has none). */
static uint16_t helper_args(const struct vf_env *env, int32_t id)
{
    const struct hlp_proto *fn = id >= 0 ? pt_func_proto(env->pt, (uint32_t)id, env->attach, env->priv) : NULL;
    uint16_t u = 0;

    if (!fn)
        return ARGS;
    for (int a = 0; a < 5; a++)
        if (fn->arg[a] != HA_NONE)
            u |= R(a + 1);
    return u;
}

/* What instruction i reads (use) and writes (def). */
static void use_def(const struct vf_env *env, const struct bpf_insn *in, uint16_t *use, uint16_t *def)
{
    uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

    *use = 0;
    *def = 0;
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (op == BPF_MOV) {
            if (BPF_SRC(in->code) == BPF_X)
                *use = R(in->src_reg);
        } else {
            *use = R(in->dst_reg);
            if (BPF_SRC(in->code) == BPF_X && op != BPF_NEG && op != BPF_END)
                *use |= R(in->src_reg);
        }
        *def = R(in->dst_reg);
        break;
    case BPF_LDX:
        *use = R(in->src_reg);
        *def = R(in->dst_reg);
        break;
    case BPF_ST: *use = R(in->dst_reg); break;
    case BPF_STX:
        *use = R(in->dst_reg) | R(in->src_reg);
        if (BPF_MODE(in->code) == BPF_ATOMIC) {
            if (in->imm == BPF_CMPXCHG) {
                *use |= R(0);
                *def = R(0);
            } else if (in->imm & BPF_FETCH) {
                *def = R(in->src_reg);
            }
        }
        break;
    case BPF_LD:
        if (BPF_MODE(in->code) == BPF_IMM) {
            *def = R(in->dst_reg);
        } else {
            *use = R(6) | (BPF_MODE(in->code) == BPF_IND ? R(in->src_reg) : 0);
            *def = CALLER_SAVED;
        }
        break;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_CALL) {
            *use = in->src_reg == 0 ? helper_args(env, in->imm) : ARGS;
            *def = CALLER_SAVED;
        } else if (op == BPF_EXIT) {
            *use = R(0);
        } else if (op != BPF_JA) {
            *use = R(in->dst_reg);
            if (BPF_SRC(in->code) == BPF_X)
                *use |= R(in->src_reg);
        }
        break;
    }
    *use &= (uint16_t)~R(10);
    *def &= (uint16_t)~R(10);
}

int vf_compute_liveness(struct vf_env *env)
{
    uint32_t n = env->cnt;
    uint16_t *use, *def;
    int changed;

    env->live_in = calloc(n ? n : 1, sizeof(*env->live_in));
    use = calloc(n ? n : 1, sizeof(*use));
    def = calloc(n ? n : 1, sizeof(*def));
    if (!env->live_in || !use || !def) {
        free(use);
        free(def);
        return vf_reject(env, -ENOMEM, -1, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        use_def(env, &env->insns[i], &use[i], &def[i]);
        if (isa_is_ldimm64(&env->insns[i]) && i + 1 < n)
            i++;
    }
    /* to a fixed point, from the end (most flow goes forward) */
    do {
        changed = 0;
        for (uint32_t k = n; k-- > 0;) {
            const struct bpf_insn *in = &env->insns[k];
            uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
            uint16_t out = 0, live;
            uint32_t sub_end;

            if (k > 0 && isa_is_ldimm64(&env->insns[k - 1]))
                continue; /* the second half of an LD_IMM64 */
            sub_end = env->sub[vf_subprog_of(env, k)].end;
            if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
                out = 0;
            } else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_JA) {
                int64_t t = (int64_t)k + (cls == BPF_JMP32 ? in->imm : in->off) + 1;
                if (t >= 0 && (uint64_t)t < n)
                    out = env->live_in[t];
            } else {
                uint32_t next = k + (isa_is_ldimm64(in) ? 2 : 1);
                if (next < sub_end && next < n)
                    out = env->live_in[next];
                if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL) {
                    int64_t t = (int64_t)k + in->off + 1;
                    if (t >= 0 && (uint64_t)t < n)
                        out |= env->live_in[t];
                }
            }
            if ((cls == BPF_JMP) && op == BPF_CALL && in->src_reg == BPF_PSEUDO_CALL) {
                /* a static call reads the arguments its callee reads */
                int64_t t = (int64_t)k + in->imm + 1;
                if (t >= 0 && (uint64_t)t < n)
                    use[k] = (uint16_t)(env->live_in[t] & ARGS);
            }
            live = (uint16_t)(use[k] | (out & (uint16_t)~def[k]));
            if (live != env->live_in[k]) {
                env->live_in[k] = live;
                changed = 1;
            }
        }
    } while (changed);
    free(use);
    free(def);
    return 0;
}
