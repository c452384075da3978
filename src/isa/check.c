/* check.c - encoding checks for eBPF instructions.
 *
 * What is a valid encoding follows RFC 9669 (sections 3-5) and the kernel's
 * check of reserved fields in kernel/bpf/verifier.c (do_check: "BPF_ALU uses
 * reserved fields", "invalid BPF_LD_IMM insn", ...): a field an instruction
 * does not use must be zero.  Semantic limits that the verifier enforces
 * (constant shift out of range, division by constant zero) are not encoding
 * errors: the ISA defines a result for them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "isa.h"

static int fail(char *why, size_t whysz, const char *fmt, ...)
{
    if (why && whysz) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whysz, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static int check_alu(const struct bpf_insn *in, char *why, size_t whysz)
{
    uint8_t code = in->code, op = ISA_OP(code);
    int is64 = ISA_CLASS(code) == BPF_ALU64;

    if (op > BPF_END)
        return fail(why, whysz, "unknown ALU operation 0x%02x", op);
    if (op == BPF_END) {
        if (is64 && ISA_SRC(code) == BPF_X)
            return fail(why, whysz, "BPF_ALU64|BPF_END with BPF_X is not a valid encoding");
        if (in->src_reg || in->off)
            return fail(why, whysz, "byte swap uses reserved fields (src_reg/off must be 0)");
        if (in->imm != 16 && in->imm != 32 && in->imm != 64)
            return fail(why, whysz, "byte swap width %d is not 16, 32 or 64", in->imm);
        return 0;
    }
    if (op == BPF_NEG) {
        if (ISA_SRC(code) != BPF_K || in->src_reg || in->off || in->imm)
            return fail(why, whysz, "BPF_NEG uses reserved fields (source, src_reg, off, imm must be 0)");
        return 0;
    }
    if (ISA_SRC(code) == BPF_K) {
        if (in->src_reg)
            return fail(why, whysz, "ALU with immediate uses reserved field src_reg");
    } else if (in->imm) {
        return fail(why, whysz, "ALU with register source uses reserved field imm");
    }
    switch (op) {
    case BPF_DIV:
    case BPF_MOD: /* off = 1: signed (sdiv/smod, cpu v4) */
        if (in->off != 0 && in->off != 1)
            return fail(why, whysz, "division offset %d is not 0 (unsigned) or 1 (signed)", in->off);
        return 0;
    case BPF_MOV: /* off = 8/16/32: movsx (cpu v4), register source only */
        if (in->off == 0)
            return 0;
        if (ISA_SRC(code) == BPF_X && (in->off == 8 || in->off == 16 || (is64 && in->off == 32)))
            return 0;
        return fail(why, whysz, "mov offset %d is not a valid sign-extension width", in->off);
    default:
        if (in->off)
            return fail(why, whysz, "ALU uses reserved field off");
        return 0;
    }
}

static int check_jmp(const struct bpf_insn *in, char *why, size_t whysz)
{
    uint8_t code = in->code, op = ISA_OP(code);
    int is32 = ISA_CLASS(code) == BPF_JMP32;

    switch (op) {
    case BPF_JA:
        if (ISA_SRC(code) != BPF_K || in->src_reg || in->dst_reg)
            return fail(why, whysz, "BPF_JA uses reserved fields");
        if (is32 ? in->off != 0 : in->imm != 0)
            return fail(why, whysz, is32 ? "gotol uses reserved field off" : "BPF_JA uses reserved field imm");
        return 0;
    case BPF_CALL:
        if (is32)
            return fail(why, whysz, "BPF_JMP32|BPF_CALL is not a valid encoding");
        if (ISA_SRC(code) == BPF_X) {
            /* callx dst (LLVM >= 19, Documentation/bpf/standardization:
             * an indirect call of the function whose address is in dst);
             * the kernel's table has no such opcode ("unknown opcode 8d"),
             * bpfrt runs it in unverified programs only */
            if (in->src_reg || in->off || in->imm)
                return fail(why, whysz, "callx uses reserved fields (src_reg, off and imm must be 0)");
            return 0;
        }
        if (in->off || in->dst_reg)
            return fail(why, whysz, "BPF_CALL uses reserved fields");
        if (in->src_reg > BPF_PSEUDO_KFUNC_CALL)
            return fail(why, whysz, "BPF_CALL with unknown src_reg %u", in->src_reg);
        return 0;
    case BPF_EXIT:
        if (is32)
            return fail(why, whysz, "BPF_JMP32|BPF_EXIT is not a valid encoding");
        if (ISA_SRC(code) != BPF_K || in->src_reg || in->dst_reg || in->off || in->imm)
            return fail(why, whysz, "BPF_EXIT uses reserved fields");
        return 0;
    case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET: case BPF_JNE:
    case BPF_JSGT: case BPF_JSGE: case BPF_JLT: case BPF_JLE: case BPF_JSLT: case BPF_JSLE:
        if (ISA_SRC(code) == BPF_K ? in->src_reg != 0 : in->imm != 0)
            return fail(why, whysz, ISA_SRC(code) == BPF_K ? "conditional jump with immediate uses reserved field src_reg"
                                                           : "conditional jump with register uses reserved field imm");
        return 0;
    default:
        return fail(why, whysz, "unknown jump operation 0x%02x", op);
    }
}

static int check_mem(const struct bpf_insn *in, char *why, size_t whysz)
{
    uint8_t code = in->code, mode = ISA_MODE(code), cls = ISA_CLASS(code);

    switch (cls) {
    case BPF_LDX:
        if (mode != BPF_MEM && !(mode == BPF_MEMSX && ISA_SIZE(code) != BPF_DW))
            return fail(why, whysz, "unknown BPF_LDX mode 0x%02x for size %u", mode, isa_size_bytes(code));
        if (in->imm)
            return fail(why, whysz, "BPF_LDX uses reserved field imm");
        return 0;
    case BPF_ST:
        if (mode != BPF_MEM)
            return fail(why, whysz, "unknown BPF_ST mode 0x%02x", mode);
        if (in->src_reg)
            return fail(why, whysz, "BPF_ST uses reserved field src_reg");
        return 0;
    case BPF_STX:
        if (mode == BPF_MEM) {
            if (in->imm)
                return fail(why, whysz, "BPF_STX uses reserved field imm");
            return 0;
        }
        if (mode != BPF_ATOMIC)
            return fail(why, whysz, "unknown BPF_STX mode 0x%02x", mode);
        switch (in->imm) {
        case BPF_ADD: case BPF_OR: case BPF_AND: case BPF_XOR:
        case BPF_ADD | BPF_FETCH: case BPF_OR | BPF_FETCH: case BPF_AND | BPF_FETCH:
        case BPF_XOR | BPF_FETCH: case BPF_XCHG: case BPF_CMPXCHG:
            if (ISA_SIZE(code) != BPF_W && ISA_SIZE(code) != BPF_DW)
                return fail(why, whysz, "atomic operation of %u bytes (only 4 and 8)", isa_size_bytes(code));
            return 0;
        case BPF_LOAD_ACQ:
        case BPF_STORE_REL:
            return 0;
        default:
            return fail(why, whysz, "unknown atomic operation 0x%x", (unsigned)in->imm);
        }
    default: /* BPF_LD */
        if (mode == BPF_ABS || mode == BPF_IND) {
            if (ISA_SIZE(code) == BPF_DW)
                return fail(why, whysz, "BPF_LD_%s of 8 bytes is not a valid encoding", mode == BPF_ABS ? "ABS" : "IND");
            if (in->dst_reg || in->off || (mode == BPF_ABS && in->src_reg))
                return fail(why, whysz, "BPF_LD_%s uses reserved fields", mode == BPF_ABS ? "ABS" : "IND");
            return 0;
        }
        return fail(why, whysz, "unknown BPF_LD opcode 0x%02x", code);
    }
}

int isa_check_insn(const struct bpf_insn *insns, size_t cnt, size_t i, char *why, size_t whysz)
{
    const struct bpf_insn *in = &insns[i];

    if (in->dst_reg > ISA_REG_FP || in->src_reg > ISA_REG_FP)
        return fail(why, whysz, "register r%u out of range (r0-r10)", in->dst_reg > ISA_REG_FP ? in->dst_reg : in->src_reg);
    if (isa_is_ldimm64(in)) {
        const struct bpf_insn *hi = in + 1;
        if (i + 1 >= cnt)
            return fail(why, whysz, "LD_IMM64 is missing its second half");
        if (in->off || in->src_reg > BPF_PSEUDO_MAP_IDX_VALUE)
            return fail(why, whysz, "invalid BPF_LD_IMM insn (off %d, src_reg %u)", in->off, in->src_reg);
        if (hi->code || hi->dst_reg || hi->src_reg || hi->off)
            return fail(why, whysz, "invalid second half of LD_IMM64 (reserved fields must be 0)");
        return 0;
    }
    switch (ISA_CLASS(in->code)) {
    case BPF_ALU:
    case BPF_ALU64: return check_alu(in, why, whysz);
    case BPF_JMP:
    case BPF_JMP32: return check_jmp(in, why, whysz);
    default: return check_mem(in, why, whysz);
    }
}

int isa_branch_target(const struct bpf_insn *insns, size_t i, int64_t *target)
{
    const struct bpf_insn *in = &insns[i];
    uint8_t cls = ISA_CLASS(in->code), op = ISA_OP(in->code);

    if (cls != BPF_JMP && cls != BPF_JMP32)
        return 0;
    if (op == BPF_EXIT)
        return 0;
    if (op == BPF_CALL) {
        if (in->src_reg != BPF_PSEUDO_CALL)
            return 0;
        *target = (int64_t)i + 1 + in->imm;
        return 1;
    }
    if (op == BPF_JA && cls == BPF_JMP32)
        *target = (int64_t)i + 1 + in->imm;
    else
        *target = (int64_t)i + 1 + in->off;
    return 1;
}

void isa_mark_fn_entries(const struct bpf_insn *insns, size_t cnt, uint8_t *e, uint8_t bit)
{
    if (!cnt)
        return;
    e[0] |= bit;
    for (size_t i = 0; i < cnt; i++) {
        const struct bpf_insn *in = &insns[i];
        int64_t t;

        if (isa_is_ldimm64(in)) {
            t = (int64_t)i + 1 + in->imm;
            if (in->src_reg == BPF_PSEUDO_FUNC && t >= 0 && (size_t)t < cnt)
                e[t] |= bit;
            i++;
        } else if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL &&
                   isa_branch_target(insns, i, &t) && t >= 0 && (size_t)t < cnt) {
            e[t] |= bit;
        }
    }
}

/* Does insns[i] write register dst?  (Stores and jumps do not.) */
static int writes_dst(const struct bpf_insn *in)
{
    switch (ISA_CLASS(in->code)) {
    case BPF_ALU:
    case BPF_ALU64:
    case BPF_LDX: return 1;
    case BPF_LD: return isa_is_ldimm64(in);
    default: return 0;
    }
}

/* Record the failing instruction and the reason; -EINVAL. */
static int fail_at(long *bad, char *why, size_t whysz, size_t i, const char *what)
{
    *bad = (long)i;
    if (why != what && why && whysz)
        snprintf(why, whysz, "%s", what);
    return -EINVAL;
}

int isa_check_prog_at(const struct bpf_insn *insns, size_t cnt, long *bad, char *why, size_t whysz)
{
    return isa_check_prog_flags(insns, cnt, 0, bad, why, whysz);
}

int isa_check_prog_flags(const struct bpf_insn *insns, size_t cnt, unsigned flags, long *bad, char *why,
                         size_t whysz)
{
    size_t i;
    int fp_rules = !(flags & ISA_CHECK_NO_FP_RULES);

    *bad = -1;
    if (why && whysz)
        why[0] = 0;

    if (cnt == 0)
        return fail_at(bad, why, whysz, 0, "program has no instructions");
    for (i = 0; i < cnt; i++) {
        const struct bpf_insn *in = &insns[i];
        int64_t t;

        if (isa_check_insn(insns, cnt, i, why, whysz))
            return fail_at(bad, why, whysz, i, why);
        if (fp_rules && writes_dst(in) && in->dst_reg == ISA_REG_FP)
            return fail_at(bad, why, whysz, i, "frame pointer r10 is read only");
        if (fp_rules && ISA_CLASS(in->code) == BPF_STX && ISA_MODE(in->code) == BPF_ATOMIC &&
            (in->imm & BPF_FETCH) && in->imm != BPF_CMPXCHG && in->src_reg == ISA_REG_FP)
            return fail_at(bad, why, whysz, i, "atomic fetch would write the frame pointer r10");
        if (fp_rules && ISA_CLASS(in->code) == BPF_STX && ISA_MODE(in->code) == BPF_ATOMIC &&
            in->imm == BPF_LOAD_ACQ && in->dst_reg == ISA_REG_FP)
            return fail_at(bad, why, whysz, i, "frame pointer r10 is read only");
        if (isa_branch_target(insns, i, &t)) {
            if (t < 0 || (size_t)t >= cnt) {
                snprintf(why, whysz, "jump out of range to %lld (program has %zu instructions)", (long long)t, cnt);
                return fail_at(bad, why, whysz, i, why);
            }
            if (t > 0 && isa_is_ldimm64(&insns[t - 1])) {
                snprintf(why, whysz, "jump into the middle of the LD_IMM64 at insn %lld", (long long)t - 1);
                return fail_at(bad, why, whysz, i, why);
            }
        }
        if (isa_is_ldimm64(in))
            i++;
    }
    {
        /* the last instruction must end the flow (kernel: "last insn is not an exit or jmp") */
        size_t last = cnt - 1;
        const struct bpf_insn *in = &insns[last];
        uint8_t cls = ISA_CLASS(in->code), op = ISA_OP(in->code);
        if (cnt >= 2 && isa_is_ldimm64(&insns[cnt - 2]))
            return fail_at(bad, why, whysz, last, "last insn is not an exit or jmp");
        if (!((cls == BPF_JMP && (op == BPF_EXIT || op == BPF_JA)) || (cls == BPF_JMP32 && op == BPF_JA)))
            return fail_at(bad, why, whysz, last, "last insn is not an exit or jmp");
    }
    return 0;
}

int isa_check_prog(const struct bpf_insn *insns, size_t cnt, char *log, size_t logsz)
{
    char why[160];
    long bad;
    int err = isa_check_prog_at(insns, cnt, &bad, why, sizeof(why));

    if (err && log && logsz)
        snprintf(log, logsz, "insn %ld: %s", bad < 0 ? 0 : bad, why);
    return err;
}
