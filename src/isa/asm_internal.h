/* asm_internal.h - tables shared by the disassembler (disasm.c) and the
 * assembler (asm.c, asm_lex.c), so that both sides of the text syntax are
 * written once.  The syntax is llvm-objdump's for BPF (llvm 19, immediates
 * in decimal as with --no-print-imm-hex) plus bpftool's forms for calls and
 * LD_IMM64 pseudo sources; see the comment at the top of disasm.c.
 */
#ifndef BPFRT_ISA_ASM_INTERNAL_H
#define BPFRT_ISA_ASM_INTERNAL_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

/* Compound-assignment operator of an ALU operation, indexed by
 * ISA_OP(code) >> 4, without the trailing '=' ("+" for BPF_ADD); NULL for
 * the operations with their own form (BPF_NEG, BPF_MOV, BPF_END). */
extern const char *const isa_alu_op_names[16];

/* Comparison of a conditional jump, indexed by ISA_OP(code) >> 4 ("==" for
 * BPF_JEQ); NULL for BPF_JA, BPF_CALL, BPF_EXIT and unused values. */
extern const char *const isa_jmp_cond_names[16];

/* The bitwise atomic operations (RFC 9669 5.3.1), by imm without
 * BPF_FETCH: "add", "or", "and", "xor" for BPF_ADD, BPF_OR, BPF_AND,
 * BPF_XOR; NULL otherwise.  Indexed by imm >> 4 (imm < 0x100). */
extern const char *const isa_atomic_names[16];

/* The ld_imm64 source kinds (src_reg 0..6) print as:
 *   0  r1 = -1 ll                  plain 64-bit constant
 *   1  r1 = map[fd:3]              BPF_PSEUDO_MAP_FD
 *   2  r1 = map[fd:3][0]+8         BPF_PSEUDO_MAP_VALUE (imm2 = value offset)
 *   3  r1 = btf_id[7]              BPF_PSEUDO_BTF_ID (imm2 = module BTF fd,
 *                                   printed "[fd:N]" when not 0)
 *   4  r1 = subprog[+3]            BPF_PSEUDO_FUNC (bpftool: imm relative)
 *   5  r1 = map[idx:3]             BPF_PSEUDO_MAP_IDX
 *   6  r1 = map[idx:3][0]+8        BPF_PSEUDO_MAP_IDX_VALUE
 * Kinds 1, 4 and 5 do not use imm2; a non-zero one prints as "[hi:N]"
 * after the form so that every valid encoding reads back exactly. */

/* Assembler tokens.  A token points into the source line. */
enum isa_tok_kind {
    ISA_TOK_END,   /* end of the line (or a comment) */
    ISA_TOK_IDENT, /* [A-Za-z_.][A-Za-z0-9_.]* */
    ISA_TOK_NUM,   /* [0-9][A-Za-z0-9_]*, converted by the parser */
    ISA_TOK_PUNCT, /* an operator or delimiter, longest match ("s>>=", "(") */
};

struct isa_tok {
    enum isa_tok_kind kind;
    const char *s;
    size_t len;
};

#define ISA_MAX_TOKS 64

/* Split line[0..len) into tokens; the last one is ISA_TOK_END.  '#' (unless
 * it joins a name to a number, as in "bpf_map_lookup_elem#1"), ';' and "//"
 * start a comment.  Returns the number of tokens including the end, or -1
 * with a message in err (without the line number). */
int isa_lex_line(const char *line, size_t len, struct isa_tok *toks, size_t maxtoks, char *err, size_t errsz);

/* Does the token spell exactly s? */
int isa_tok_is(const struct isa_tok *t, enum isa_tok_kind kind, const char *s);

/* "'text'" (shortened, non-printable bytes escaped) or "end of line". */
void isa_tok_describe(const struct isa_tok *t, char *buf, size_t bufsz);

/* ---- the assembler's state and its operand layer ----
 * asm_lex.c reads operands (registers, numbers, addresses, access types)
 * from the tokens of the current line; asm.c reads instructions.  Every
 * isa_parse_* returns 0 and advances past what it read, or -EINVAL with
 * "line N: ..." in the state's err (isa_perr). */

enum fix_kind {
    ISA_FIX_OFF,  /* jump: off = target - (insn + 1) */
    ISA_FIX_JA32, /* gotol: imm */
    ISA_FIX_CALL, /* call name: a label (pseudo call) or else a helper name */
    ISA_FIX_FUNC, /* ld_imm64 subprog[label]: imm */
};

struct label {
    char *name;
    size_t len; /* strlen(name) */
    size_t idx;
    unsigned line;
};

struct fixup {
    char *name;
    size_t insn;
    unsigned line;
    enum fix_kind kind;
};

struct isa_asm {
    struct bpf_insn *insns;
    size_t cnt, cap;
    struct label *labels;
    size_t nlabels, labcap;
    /* Open-addressing index of labels by name: slot = label index + 1, 0 =
     * empty; a power of two, at most half full.  Lookups are O(1) expected,
     * so a file with n labels and m references assembles in O(n + m). */
    size_t *labhash;
    size_t labhcap;
    struct fixup *fixups;
    size_t nfix, fixcap;
    unsigned line;
    char *err;
    size_t errsz;
    struct isa_tok toks[ISA_MAX_TOKS];
    size_t pos;
};

/* A parsed number: sign and magnitude, so that both -2^63 and 2^64-1 fit. */
struct num {
    int neg;
    uint64_t mag;
};

struct reg {
    uint8_t n;
    int wide; /* 'r' (1) or 'w' (0) */
};

/* Memory operand "(rN + off)" and the access type "(u32 *)". */
struct mem {
    uint8_t base;
    int16_t off;
};

int isa_perr(struct isa_asm *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct isa_tok *isa_peek(struct isa_asm *st, size_t ahead);
const struct isa_tok *isa_next(struct isa_asm *st);
int isa_accept(struct isa_asm *st, const char *p);
int isa_accept_ident(struct isa_asm *st, const char *s);
int isa_expected(struct isa_asm *st, const char *what);
int isa_expect(struct isa_asm *st, const char *p);
int isa_reg_of(const struct isa_tok *t, struct reg *r);
int isa_parse_reg(struct isa_asm *st, struct reg *r);
int isa_parse_reg_as(struct isa_asm *st, const struct reg *like, struct reg *r);
int isa_parse_addr_reg(struct isa_asm *st, uint8_t *n);
int isa_parse_num(struct isa_asm *st, struct num *v);
const char *isa_num_str(const struct num *v, char *buf, size_t n);
int isa_num_in(const struct num *v, int64_t lo, uint64_t hi);
int64_t isa_num_val(const struct num *v);
int isa_parse_imm32(struct isa_asm *st, const char *what, int32_t *out);
int isa_parse_rel32(struct isa_asm *st, const char *what, int32_t *out);
int isa_check_off16(struct isa_asm *st, const char *what, const struct num *v, int16_t *out);
int isa_parse_addr(struct isa_asm *st, struct mem *m, int with_parens);
int isa_parse_type(struct isa_asm *st, uint8_t *size, int *sign);
int isa_parse_utype(struct isa_asm *st, uint8_t *size);
int isa_parse_val_reg(struct isa_asm *st, uint8_t size, uint8_t *n);

#endif
