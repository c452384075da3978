/* disasm.c - eBPF instructions to text.
 *
 * The syntax is llvm-objdump's for BPF (llvm 19 with --no-print-imm-hex:
 * immediates and offsets in signed decimal), with bpftool's forms where
 * llvm has none or an ambiguous one:
 *   - helper calls print "call bpf_map_lookup_elem#1" (llvm: "call 1"); an
 *     id without a known name prints "call 12345";
 *   - bpf-to-bpf calls print "call pc+3" (llvm prints "call 3", which
 *     cannot be told apart from a helper call); kfunc calls print
 *     "call kernel-function#N" as the kernel's and bpftool's printer does;
 *   - ld_imm64 pseudo sources print "map[fd:3]", "map[fd:3][0]+8", ... as
 *     listed in asm_internal.h.
 *   - plain loads and stores of 1, 2 and 4 bytes use r registers, as
 *     llvm-objdump without -mattr=alu32 and bpftool do; 32-bit atomics, and
 *     load-acquire/store-release narrower than 8 bytes, use w registers as
 *     llvm prints them.
 *   - load-acquire (imm 0x100) and store-release (imm 0x110), which llvm 19
 *     does not know, print as llvm 21 does:
 *     "r0 = load_acquire((u64 *)(r1 + 0))", "store_release((u64 *)(r1 + 0), r2)".
 *   - LD_IND with a non-zero imm prints "skb[r1 + 4]" (llvm only has imm 0,
 *     printed "skb[r1]").
 * An encoding isa_check_insn rejects prints as a raw directive that the
 * assembler reads back to the same bytes:
 *   .insn b7 00 00 00 01 00 00 00  # invalid: <reason>
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "asm_internal.h"
#include "isa.h"

const char *const isa_alu_op_names[16] = {
    [BPF_ADD >> 4] = "+", [BPF_SUB >> 4] = "-", [BPF_MUL >> 4] = "*",    [BPF_DIV >> 4] = "/",
    [BPF_OR >> 4] = "|",  [BPF_AND >> 4] = "&", [BPF_LSH >> 4] = "<<",   [BPF_RSH >> 4] = ">>",
    [BPF_MOD >> 4] = "%", [BPF_XOR >> 4] = "^", [BPF_ARSH >> 4] = "s>>",
};

const char *const isa_jmp_cond_names[16] = {
    [BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">",   [BPF_JGE >> 4] = ">=",   [BPF_JSET >> 4] = "&",
    [BPF_JNE >> 4] = "!=", [BPF_JSGT >> 4] = "s>", [BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<",
    [BPF_JLE >> 4] = "<=", [BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

const char *const isa_atomic_names[16] = {
    [BPF_ADD >> 4] = "add",
    [BPF_OR >> 4] = "or",
    [BPF_AND >> 4] = "and",
    [BPF_XOR >> 4] = "xor",
};

/* Append-only text buffer; overflow is remembered, not silently cut. */
struct dis_buf {
    char *s;
    size_t size, len;
    int overflow;
};

static void put(struct dis_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct dis_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->overflow)
        return;
    va_start(ap, fmt);
    n = vsnprintf(b->s + b->len, b->size - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->size - b->len)
        b->overflow = 1;
    else
        b->len += (size_t)n;
}

/* "(r1 + 4)" / "(r1 - 2)": llvm's memory operand. */
static void put_addr(struct dis_buf *b, unsigned reg, int16_t off)
{
    if (off < 0)
        put(b, "r%u - %d", reg, -(int)off);
    else
        put(b, "r%u + %d", reg, (int)off);
}

static unsigned size_bits(uint8_t code)
{
    return isa_size_bytes(code) * 8;
}

static void dis_alu(const struct bpf_insn *in, struct dis_buf *b)
{
    uint8_t code = in->code, op = ISA_OP(code);
    int is64 = ISA_CLASS(code) == BPF_ALU64;
    char r = is64 ? 'r' : 'w';

    switch (op) {
    case BPF_END: /* RFC 9669 4.2: le/be in BPF_ALU, unconditional bswap in BPF_ALU64 */
        put(b, "r%u = %s%d r%u", in->dst_reg,
            is64                         ? "bswap"
            : ISA_SRC(code) == BPF_TO_BE ? "be"
                                         : "le",
            in->imm, in->dst_reg);
        return;
    case BPF_NEG: put(b, "%c%u = -%c%u", r, in->dst_reg, r, in->dst_reg); return;
    case BPF_MOV:
        if (ISA_SRC(code) == BPF_K)
            put(b, "%c%u = %d", r, in->dst_reg, in->imm);
        else if (in->off)
            put(b, "%c%u = (s%d)%c%u", r, in->dst_reg, in->off, r, in->src_reg);
        else
            put(b, "%c%u = %c%u", r, in->dst_reg, r, in->src_reg);
        return;
    default: {
        const char *sgn = (op == BPF_DIV || op == BPF_MOD) && in->off == 1 ? "s" : "";
        if (ISA_SRC(code) == BPF_K)
            put(b, "%c%u %s%s= %d", r, in->dst_reg, sgn, isa_alu_op_names[op >> 4], in->imm);
        else
            put(b, "%c%u %s%s= %c%u", r, in->dst_reg, sgn, isa_alu_op_names[op >> 4], r, in->src_reg);
        return;
    }
    }
}

static void dis_jmp(const struct bpf_insn *in, struct dis_buf *b)
{
    uint8_t code = in->code, op = ISA_OP(code);
    int is32 = ISA_CLASS(code) == BPF_JMP32;
    char r = is32 ? 'w' : 'r';

    switch (op) {
    case BPF_JA:
        if (is32)
            put(b, "gotol %+d", in->imm);
        else
            put(b, "goto %+d", in->off);
        return;
    case BPF_CALL:
        if (ISA_SRC(code) == BPF_X) {
            put(b, "callx r%u", in->dst_reg); /* llvm-objdump-19's syntax */
        } else if (in->src_reg == BPF_PSEUDO_CALL) {
            put(b, "call pc%+d", in->imm);
        } else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
            put(b, "call kernel-function#%d", in->imm);
        } else {
            const char *name = in->imm > 0 ? bpfrt_helper_name((uint32_t)in->imm) : NULL;
            if (name)
                put(b, "call bpf_%s#%d", name, in->imm);
            else
                put(b, "call %d", in->imm);
        }
        return;
    case BPF_EXIT: put(b, "exit"); return;
    default:
        if (ISA_SRC(code) == BPF_K)
            put(b, "if %c%u %s %d goto %+d", r, in->dst_reg, isa_jmp_cond_names[op >> 4], in->imm, in->off);
        else
            put(b, "if %c%u %s %c%u goto %+d", r, in->dst_reg, isa_jmp_cond_names[op >> 4], r, in->src_reg, in->off);
        return;
    }
}

static void dis_atomic(const struct bpf_insn *in, struct dis_buf *b)
{
    unsigned bits = size_bits(in->code);
    char r = bits == 64 ? 'r' : 'w';
    int32_t imm = in->imm;

    switch (imm) {
    case BPF_XCHG:
        put(b, "%c%u = %s(", r, in->src_reg, bits == 64 ? "xchg_64" : "xchg32_32");
        put_addr(b, in->dst_reg, in->off);
        put(b, ", %c%u)", r, in->src_reg);
        return;
    case BPF_CMPXCHG:
        put(b, "%c0 = %s(", r, bits == 64 ? "cmpxchg_64" : "cmpxchg32_32");
        put_addr(b, in->dst_reg, in->off);
        put(b, ", %c0, %c%u)", r, r, in->src_reg);
        return;
    case BPF_LOAD_ACQ: /* dst = *(src + off) */
        put(b, "%c%u = load_acquire((u%u *)(", r, in->dst_reg, bits);
        put_addr(b, in->src_reg, in->off);
        put(b, "))");
        return;
    case BPF_STORE_REL: /* *(dst + off) = src */
        put(b, "store_release((u%u *)(", bits);
        put_addr(b, in->dst_reg, in->off);
        put(b, "), %c%u)", r, in->src_reg);
        return;
    default: /* add/or/and/xor, with or without fetch (isa_check_insn passed) */
        if (imm & BPF_FETCH) {
            put(b, "%c%u = atomic_fetch_%s((u%u *)(", r, in->src_reg, isa_atomic_names[imm >> 4], bits);
            put_addr(b, in->dst_reg, in->off);
            put(b, "), %c%u)", r, in->src_reg);
        } else {
            put(b, "lock *(u%u *)(", bits);
            put_addr(b, in->dst_reg, in->off);
            put(b, ") %s= %c%u", isa_alu_op_names[imm >> 4], r, in->src_reg);
        }
        return;
    }
}

/* The imm2 of kinds that do not use it, when it is not zero. */
static void put_hi(struct dis_buf *b, int32_t hi)
{
    if (hi)
        put(b, "[hi:%u]", (uint32_t)hi);
}

static void dis_ldimm64(const struct bpf_insn *in, struct dis_buf *b)
{
    int32_t hi = in[1].imm;

    put(b, "r%u = ", in->dst_reg);
    switch (in->src_reg) {
    case 0: put(b, "%lld ll", (long long)(int64_t)isa_imm64(in)); return;
    case BPF_PSEUDO_MAP_FD:
        put(b, "map[fd:%u]", (uint32_t)in->imm);
        put_hi(b, hi);
        return;
    case BPF_PSEUDO_MAP_VALUE: put(b, "map[fd:%u][0]+%u", (uint32_t)in->imm, (uint32_t)hi); return;
    case BPF_PSEUDO_BTF_ID:
        put(b, "btf_id[%u]", (uint32_t)in->imm);
        if (hi)
            put(b, "[fd:%u]", (uint32_t)hi);
        return;
    case BPF_PSEUDO_FUNC:
        put(b, "subprog[%+d]", in->imm);
        put_hi(b, hi);
        return;
    case BPF_PSEUDO_MAP_IDX:
        put(b, "map[idx:%u]", (uint32_t)in->imm);
        put_hi(b, hi);
        return;
    default: /* BPF_PSEUDO_MAP_IDX_VALUE */ put(b, "map[idx:%u][0]+%u", (uint32_t)in->imm, (uint32_t)hi); return;
    }
}

static void dis_mem(const struct bpf_insn *in, struct dis_buf *b)
{
    uint8_t code = in->code;
    unsigned bits = size_bits(code);

    switch (ISA_CLASS(code)) {
    case BPF_LDX:
        put(b, "r%u = *(%c%u *)(", in->dst_reg, ISA_MODE(code) == BPF_MEMSX ? 's' : 'u', bits);
        put_addr(b, in->src_reg, in->off);
        put(b, ")");
        return;
    case BPF_ST:
        put(b, "*(u%u *)(", bits);
        put_addr(b, in->dst_reg, in->off);
        put(b, ") = %d", in->imm);
        return;
    case BPF_STX:
        if (ISA_MODE(code) == BPF_ATOMIC) {
            dis_atomic(in, b);
            return;
        }
        put(b, "*(u%u *)(", bits);
        put_addr(b, in->dst_reg, in->off);
        put(b, ") = r%u", in->src_reg);
        return;
    default: /* BPF_LD: legacy packet access (RFC 9669 5.5); r0 is implicit */
        if (ISA_MODE(code) == BPF_ABS)
            put(b, "r0 = *(u%u *)skb[%d]", bits, in->imm);
        else if (in->imm == 0)
            put(b, "r0 = *(u%u *)skb[r%u]", bits, in->src_reg);
        else
            put(b, "r0 = *(u%u *)skb[r%u %c %lld]", bits, in->src_reg, in->imm < 0 ? '-' : '+',
                in->imm < 0 ? -(long long)in->imm : (long long)in->imm);
        return;
    }
}

int bpfrt_disasm_insn(const struct bpf_insn *insns, size_t cnt, size_t i, char *buf, size_t bufsz)
{
    struct dis_buf b = {.s = buf, .size = bufsz};
    const struct bpf_insn *in;
    char why[160];
    int slots = 1;

    if (!insns || i >= cnt || !buf || bufsz == 0)
        return -EINVAL;
    in = &insns[i];
    buf[0] = '\0';
    if (isa_check_insn(insns, cnt, i, why, sizeof(why))) {
        const uint8_t *p = (const uint8_t *)in;
        put(&b, ".insn %02x %02x %02x %02x %02x %02x %02x %02x  # invalid: %s", p[0], p[1], p[2], p[3], p[4], p[5],
            p[6], p[7], why);
    } else if (isa_is_ldimm64(in)) {
        dis_ldimm64(in, &b);
        slots = 2;
    } else {
        switch (ISA_CLASS(in->code)) {
        case BPF_ALU:
        case BPF_ALU64: dis_alu(in, &b); break;
        case BPF_JMP:
        case BPF_JMP32: dis_jmp(in, &b); break;
        default: dis_mem(in, &b); break;
        }
    }
    return b.overflow ? -ENOSPC : slots;
}

int bpfrt_disasm(const struct bpf_insn *insns, size_t cnt, FILE *out, int with_index)
{
    char line[320];
    size_t i = 0;

    if ((!insns && cnt) || !out)
        return -EINVAL;
    while (i < cnt) {
        int n = bpfrt_disasm_insn(insns, cnt, i, line, sizeof(line));
        if (n < 0)
            return n;
        if (with_index)
            fprintf(out, "%4zu: %s\n", i, line);
        else
            fprintf(out, "%s\n", line);
        i += (size_t)n;
    }
    return ferror(out) ? -EIO : 0;
}
