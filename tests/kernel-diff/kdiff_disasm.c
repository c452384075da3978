/* kdiff_disasm.c - a small disassembler for failure reports, independent of
 * the library's (so a report never depends on the code under test). */
#include <inttypes.h>
#include <string.h>

#include "kdiff.h"

static const char *alu_sym(unsigned op, int off)
{
    switch (op) {
    case BPF_ADD: return "+=";
    case BPF_SUB: return "-=";
    case BPF_MUL: return "*=";
    case BPF_DIV: return off ? "s/=" : "/=";
    case BPF_OR: return "|=";
    case BPF_AND: return "&=";
    case BPF_LSH: return "<<=";
    case BPF_RSH: return ">>=";
    case BPF_MOD: return off ? "s%=" : "%=";
    case BPF_XOR: return "^=";
    case BPF_MOV: return "=";
    case BPF_ARSH: return "s>>=";
    default: return "?=";
    }
}

static const char *jmp_sym(unsigned op)
{
    switch (op) {
    case BPF_JEQ: return "==";
    case BPF_JGT: return ">";
    case BPF_JGE: return ">=";
    case BPF_JSET: return "&";
    case BPF_JNE: return "!=";
    case BPF_JSGT: return "s>";
    case BPF_JSGE: return "s>=";
    case BPF_JLT: return "<";
    case BPF_JLE: return "<=";
    case BPF_JSLT: return "s<";
    case BPF_JSLE: return "s<=";
    default: return "?";
    }
}

static const char *sz_name(unsigned code)
{
    switch (code & 0x18) {
    case BPF_B: return "u8";
    case BPF_H: return "u16";
    case BPF_W: return "u32";
    default: return "u64";
    }
}

static const char *ssz_name(unsigned code)
{
    switch (code & 0x18) {
    case BPF_B: return "s8";
    case BPF_H: return "s16";
    case BPF_W: return "s32";
    default: return "s64";
    }
}

int kd_disasm_insn(const struct bpf_insn *insns, unsigned cnt, unsigned i, char *buf, size_t sz)
{
    const struct bpf_insn *in = &insns[i];
    unsigned cls = in->code & 7, op = in->code & 0xf0;
    int x = (in->code & BPF_X) != 0;
    char src[24];

    if (x)
        snprintf(src, sizeof(src), "%c%u", cls == BPF_ALU || cls == BPF_JMP32 ? 'w' : 'r', in->src_reg);
    else
        snprintf(src, sizeof(src), "%d", in->imm);

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
        char p = cls == BPF_ALU64 ? 'r' : 'w';
        if (op == BPF_NEG) {
            snprintf(buf, sz, "%c%u = -%c%u", p, in->dst_reg, p, in->dst_reg);
        } else if (op == BPF_END) {
            if (cls == BPF_ALU64)
                snprintf(buf, sz, "r%u = bswap%d r%u", in->dst_reg, in->imm, in->dst_reg);
            else
                snprintf(buf, sz, "r%u = %s%d r%u", in->dst_reg, x ? "be" : "le", in->imm, in->dst_reg);
        } else if (op == BPF_MOV && x && in->off) {
            snprintf(buf, sz, "%c%u = (s%d)%c%u", p, in->dst_reg, in->off, p, in->src_reg);
        } else {
            snprintf(buf, sz, "%c%u %s %s", p, in->dst_reg, alu_sym(op, in->off), src);
        }
        break;
    }
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_EXIT)
            snprintf(buf, sz, "exit");
        else if (op == BPF_CALL)
            snprintf(buf, sz, in->src_reg == BPF_PSEUDO_CALL ? "call pc%+d" : "call %d", in->imm);
        else if (op == BPF_JA)
            snprintf(buf, sz, cls == BPF_JMP ? "goto %+d" : "gotol %+d", cls == BPF_JMP ? in->off : in->imm);
        else
            snprintf(buf, sz, "if %c%u %s %s goto %+d", cls == BPF_JMP ? 'r' : 'w', in->dst_reg, jmp_sym(op), src,
                     in->off);
        break;
    case BPF_LD:
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < cnt) {
            uint64_t v = (uint64_t)(uint32_t)in->imm | (uint64_t)(uint32_t)insns[i + 1].imm << 32;
            snprintf(buf, sz, "r%u = 0x%" PRIx64 " ll", in->dst_reg, v);
            return 2;
        }
        if ((in->code & 0xe0) == BPF_ABS)
            snprintf(buf, sz, "r0 = *(%s *)skb[%d]", sz_name(in->code), in->imm);
        else if ((in->code & 0xe0) == BPF_IND)
            snprintf(buf, sz, "r0 = *(%s *)skb[r%u + %d]", sz_name(in->code), in->src_reg, in->imm);
        else
            snprintf(buf, sz, "ld? code 0x%02x", in->code);
        break;
    case BPF_LDX:
        snprintf(buf, sz, "r%u = *(%s *)(r%u %+d)", in->dst_reg,
                 (in->code & 0xe0) == BPF_MEMSX ? ssz_name(in->code) : sz_name(in->code), in->src_reg, in->off);
        break;
    case BPF_ST:
        snprintf(buf, sz, "*(%s *)(r%u %+d) = %d", sz_name(in->code), in->dst_reg, in->off, in->imm);
        break;
    case BPF_STX:
        if ((in->code & 0xe0) == BPF_ATOMIC) {
            const char *w = (in->code & 0x18) == BPF_DW ? "u64" : "u32";
            char r = (in->code & 0x18) == BPF_DW ? 'r' : 'w';
            int aop = in->imm & ~BPF_FETCH;
            if (in->imm == BPF_XCHG)
                snprintf(buf, sz, "%c%u = xchg_%s(r%u %+d, %c%u)", r, in->src_reg, w, in->dst_reg, in->off, r,
                         in->src_reg);
            else if (in->imm == BPF_CMPXCHG)
                snprintf(buf, sz, "%c0 = cmpxchg_%s(r%u %+d, %c0, %c%u)", r, w, in->dst_reg, in->off, r, r,
                         in->src_reg);
            else if (in->imm & BPF_FETCH)
                snprintf(buf, sz, "%c%u = atomic_fetch_%s((%s *)(r%u %+d), %c%u)", r, in->src_reg,
                         aop == BPF_ADD ? "add" : aop == BPF_OR ? "or" : aop == BPF_AND ? "and" : "xor", w,
                         in->dst_reg, in->off, r, in->src_reg);
            else
                snprintf(buf, sz, "lock *(%s *)(r%u %+d) %s %c%u", w, in->dst_reg, in->off, alu_sym((unsigned)aop, 0),
                         r, in->src_reg);
        } else {
            snprintf(buf, sz, "*(%s *)(r%u %+d) = r%u", sz_name(in->code), in->dst_reg, in->off, in->src_reg);
        }
        break;
    default: snprintf(buf, sz, "? code 0x%02x", in->code);
    }
    return 1;
}

void kd_dump_prog(FILE *f, const struct bpf_insn *insns, unsigned cnt, unsigned mark_from, unsigned mark_to)
{
    unsigned i = 0;
    char line[128];

    while (i < cnt) {
        const struct bpf_insn *in = &insns[i];
        int n = kd_disasm_insn(insns, cnt, i, line, sizeof(line));
        fprintf(f, "%c%4u: %02x %x %x %6d %11d  %s\n", i >= mark_from && i < mark_to ? '*' : ' ', i, in->code,
                in->dst_reg, in->src_reg, in->off, in->imm, line);
        i += (unsigned)n;
    }
}

void kd_hexdump(FILE *f, const char *title, const uint8_t *p, unsigned len)
{
    unsigned i;

    fprintf(f, "%s (%u bytes):\n", title, len);
    for (i = 0; i < len; i++)
        fprintf(f, "%s%02x%s", i % 16 == 0 ? "  " : "", p[i], i % 16 == 15 || i + 1 == len ? "\n" : " ");
}
