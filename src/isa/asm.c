/* asm.c - text to eBPF instructions, the inverse of disasm.c.
 *
 * Reads the syntax disasm.c prints (llvm-objdump's for BPF with bpftool's
 * call and ld_imm64 forms) plus what llvm-mc accepts for the same
 * instructions: "w" or "r" registers for loads and stores narrower than 8
 * bytes, "call N", "call label", jump targets as "+3", "pc+3" or a label,
 * and an ignored "<...>" annotation after a jump target as llvm-objdump
 * prints it.  One instruction a line; "N:" index prefixes and "name:"
 * labels may precede it.  Labels are resolved after the last line.
 *
 * Every failure is -EINVAL with "line N: <what>" in err (-ENOMEM when
 * memory runs out); the first error stops the assembly and frees
 * everything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "asm_internal.h"
#include "isa.h"

/* Allocation failure: the one error that is not -EINVAL. */
static int oom(struct isa_asm *st)
{
    isa_perr(st, "out of memory");
    return -ENOMEM;
}

static int emit(struct isa_asm *st, struct bpf_insn in)
{
    if (st->cnt >= BPFRT_MAX_INSNS)
        return isa_perr(st, "program has more than %d instructions", BPFRT_MAX_INSNS);
    if (st->cnt == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 64;
        struct bpf_insn *p;
        p = realloc(st->insns, ncap * sizeof(*p));
        if (!p)
            return oom(st);
        st->insns = p;
        st->cap = ncap;
    }
    st->insns[st->cnt++] = in;
    return 0;
}

static char *tok_strdup(const struct isa_tok *t)
{
    char *s = malloc(t->len + 1);
    if (s) {
        memcpy(s, t->s, t->len);
        s[t->len] = '\0';
    }
    return s;
}

/* Remember that insns[insn] needs the position of label t. */
static int add_fixup(struct isa_asm *st, const struct isa_tok *t, size_t insn, enum fix_kind kind)
{
    char *name;
    if (st->nfix == st->fixcap) {
        size_t ncap = st->fixcap ? st->fixcap * 2 : 16;
        struct fixup *p = realloc(st->fixups, ncap * sizeof(*p));
        if (!p)
            return oom(st);
        st->fixups = p;
        st->fixcap = ncap;
    }
    name = tok_strdup(t);
    if (!name)
        return oom(st);
    st->fixups[st->nfix++] = (struct fixup){.name = name, .insn = insn, .line = st->line, .kind = kind};
    return 0;
}

/* FNV-1a: label names are short identifiers; any decent spread will do. */
static size_t label_hash(const char *name, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t i;
    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
    return (size_t)(h ^ (h >> 32));
}

static struct label *find_label(struct isa_asm *st, const char *name, size_t len)
{
    size_t mask, i;

    if (!st->labhcap)
        return NULL;
    mask = st->labhcap - 1;
    for (i = label_hash(name, len) & mask; st->labhash[i]; i = (i + 1) & mask) {
        struct label *l = &st->labels[st->labhash[i] - 1];
        if (l->len == len && memcmp(l->name, name, len) == 0)
            return l;
    }
    return NULL;
}

static void label_index_put(struct isa_asm *st, size_t li)
{
    size_t mask = st->labhcap - 1;
    size_t i = label_hash(st->labels[li].name, st->labels[li].len) & mask;
    while (st->labhash[i])
        i = (i + 1) & mask;
    st->labhash[i] = li + 1;
}

/* Make room in the index for one more label (grow at half full, rehash). */
static int label_index_reserve(struct isa_asm *st)
{
    size_t ncap, i;
    size_t *p;

    if ((st->nlabels + 1) * 2 <= st->labhcap)
        return 0;
    ncap = st->labhcap ? st->labhcap * 2 : 64;
    p = calloc(ncap, sizeof(*p));
    if (!p)
        return oom(st);
    free(st->labhash);
    st->labhash = p;
    st->labhcap = ncap;
    for (i = 0; i < st->nlabels; i++)
        label_index_put(st, i);
    return 0;
}

/* Jump target: "+3", "-2", "pc+3", "label"; then an optional llvm-objdump
 * annotation "<.text+0x110>".  Sets *rel, or adds a fixup on insn. */
static int parse_target(struct isa_asm *st, int wide, int32_t *rel, size_t insn, enum fix_kind kind)
{
    const struct isa_tok *t = isa_peek(st, 0);
    struct num v;
    int e;

    if (t->kind == ISA_TOK_IDENT && !isa_tok_is(t, ISA_TOK_IDENT, "pc")) {
        if (isa_reg_of(t, &(struct reg){0, 0}))
            return isa_expected(st, "a jump target");
        st->pos++;
        *rel = 0;
        if ((e = add_fixup(st, t, insn, kind)))
            return e;
    } else {
        if (isa_accept_ident(st, "pc") && !isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "+") &&
            !isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "-"))
            return isa_expected(st, "'+' or '-' after 'pc'");
        if (wide) {
            if ((e = isa_parse_rel32(st, "jump offset", rel)))
                return e;
        } else {
            int16_t off;
            if ((e = isa_parse_num(st, &v)) || (e = isa_check_off16(st, "jump offset", &v, &off)))
                return e;
            *rel = off;
        }
    }
    if (isa_accept(st, "<")) {
        while (isa_peek(st, 0)->kind != ISA_TOK_END && !isa_accept(st, ">"))
            st->pos++;
    }
    return 0;
}

/* ---- instructions ---- */

static struct bpf_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn in = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return in;
}

/* .insn b7 00 00 00 01 00 00 00  or  .insn b700000001000000 (memory order). */
static int parse_raw(struct isa_asm *st)
{
    uint8_t bytes[8];
    size_t nb = 0;

    while (isa_peek(st, 0)->kind == ISA_TOK_IDENT || isa_peek(st, 0)->kind == ISA_TOK_NUM) {
        const struct isa_tok *t = isa_next(st);
        size_t i;
        if (t->len % 2 || nb + t->len / 2 > 8)
            return isa_perr(st, ".insn takes 8 bytes as hex pairs, got '%.*s'", (int)(t->len < 40 ? t->len : 40), t->s);
        for (i = 0; i < t->len; i += 2) {
            char h[3] = {t->s[i], t->s[i + 1], 0};
            char *end;
            unsigned long b = strtoul(h, &end, 16);
            if (*end || h[0] == '+' || h[0] == '-' || h[0] == ' ')
                return isa_perr(st, "invalid hex byte '%s' in .insn", h);
            bytes[nb++] = (uint8_t)b;
        }
    }
    if (nb != 8)
        return isa_perr(st, ".insn takes 8 bytes, got %zu", nb);
    {
        struct bpf_insn in;
        memcpy(&in, bytes, sizeof(in));
        return emit(st, in);
    }
}

static int parse_cond_jump(struct isa_asm *st)
{
    struct reg d, s;
    const struct isa_tok *t;
    size_t k;
    int32_t rel = 0, imm = 0;
    uint8_t src = BPF_K, sreg = 0;
    int e;

    if ((e = isa_parse_reg(st, &d)))
        return e;
    t = isa_peek(st, 0);
    for (k = 0; k < 16; k++)
        if (isa_jmp_cond_names[k] && isa_tok_is(t, ISA_TOK_PUNCT, isa_jmp_cond_names[k]))
            break;
    if (k == 16)
        return isa_expected(st, "a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &)");
    st->pos++;
    if (isa_reg_of(isa_peek(st, 0), &s)) {
        if ((e = isa_parse_reg_as(st, &d, &s)))
            return e;
        src = BPF_X;
        sreg = s.n;
    } else if ((e = isa_parse_imm32(st, "immediate", &imm))) {
        return e;
    }
    if (!isa_accept_ident(st, "goto"))
        return isa_expected(st, "'goto'");
    if ((e = parse_target(st, 0, &rel, st->cnt, ISA_FIX_OFF)))
        return e;
    return emit(st, mk((uint8_t)((d.wide ? BPF_JMP : BPF_JMP32) | (k << 4) | src), d.n, sreg, (int16_t)rel, imm));
}

static int parse_call(struct isa_asm *st)
{
    const struct isa_tok *t = isa_peek(st, 0);
    int32_t imm;
    int e;

    if (t->kind == ISA_TOK_NUM || isa_tok_is(t, ISA_TOK_PUNCT, "-") || isa_tok_is(t, ISA_TOK_PUNCT, "+")) {
        if ((e = isa_parse_imm32(st, "helper id", &imm)))
            return e;
        return emit(st, mk(BPF_JMP | BPF_CALL, 0, 0, 0, imm));
    }
    if (t->kind != ISA_TOK_IDENT)
        return isa_expected(st, "a helper, 'pc+N', 'kernel-function#N' or a label");
    if (isa_tok_is(t, ISA_TOK_IDENT, "pc")) {
        st->pos++;
        if (!isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "+") && !isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "-"))
            return isa_expected(st, "'+' or '-' after 'pc'");
        if ((e = isa_parse_rel32(st, "call offset", &imm)))
            return e;
        return emit(st, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm));
    }
    st->pos++;
    if (isa_tok_is(t, ISA_TOK_IDENT, "kernel") && isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "-") &&
        isa_tok_is(isa_peek(st, 1), ISA_TOK_IDENT, "function")) { /* the kernel's and bpftool's kfunc form */
        st->pos += 2;
        if ((e = isa_expect(st, "#")) || (e = isa_parse_imm32(st, "kfunc id", &imm)))
            return e;
        return emit(st, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm));
    }
    if (isa_accept(st, "#")) {
        const char *name;
        if ((e = isa_parse_imm32(st, "call id", &imm)))
            return e;
        if (isa_tok_is(t, ISA_TOK_IDENT, "kfunc"))
            return emit(st, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm));
        name = imm > 0 ? bpfrt_helper_name((uint32_t)imm) : NULL;
        if (name &&
            !(t->len == strlen(name) + 4 && memcmp(t->s, "bpf_", 4) == 0 && memcmp(t->s + 4, name, t->len - 4) == 0))
            return isa_perr(st, "helper '%.*s' is not helper #%d (bpf_%s)", (int)(t->len < 40 ? t->len : 40), t->s, imm,
                            name);
        return emit(st, mk(BPF_JMP | BPF_CALL, 0, 0, 0, imm));
    }
    /* a label (bpf-to-bpf call) or a helper name, decided after the last line */
    if ((e = add_fixup(st, t, st->cnt, ISA_FIX_CALL)))
        return e;
    return emit(st, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
}

/* lock *(u64 *)(r1 + 0) += r2 */
static int parse_lock(struct isa_asm *st)
{
    static const char *const ops[] = {"+=", "|=", "&=", "^="};
    static const int32_t imms[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR};
    struct mem m;
    uint8_t size, src;
    size_t k;
    int e;

    if ((e = isa_expect(st, "*")) || (e = isa_parse_utype(st, &size)) || (e = isa_parse_addr(st, &m, 1)))
        return e;
    if (size != BPF_W && size != BPF_DW)
        return isa_perr(st, "atomic operations are 32 or 64 bits wide");
    for (k = 0; k < 4; k++)
        if (isa_accept(st, ops[k]))
            break;
    if (k == 4)
        return isa_expected(st, "an atomic operation (+=, |=, &=, ^=)");
    if ((e = isa_parse_val_reg(st, size, &src)))
        return e;
    return emit(st, mk(BPF_STX | BPF_ATOMIC | size, m.base, src, m.off, imms[k]));
}

/* *(u32 *)(r10 - 4) = r1  /  *(u64 *)(r10 - 8) = 5 */
static int parse_store(struct isa_asm *st)
{
    struct mem m;
    uint8_t size, src;
    int32_t imm;
    int e;

    if ((e = isa_parse_utype(st, &size)) || (e = isa_parse_addr(st, &m, 1)) || (e = isa_expect(st, "=")))
        return e;
    if (isa_reg_of(isa_peek(st, 0), &(struct reg){0, 0})) {
        if ((e = isa_parse_val_reg(st, size, &src)))
            return e;
        return emit(st, mk(BPF_STX | BPF_MEM | size, m.base, src, m.off, 0));
    }
    if ((e = isa_parse_imm32(st, "immediate", &imm)))
        return e;
    return emit(st, mk(BPF_ST | BPF_MEM | size, m.base, 0, m.off, imm));
}

/* store_release((u64 *)(r1 + 0), r2) */
static int parse_store_release(struct isa_asm *st)
{
    struct mem m;
    uint8_t size, src;
    int e;

    if ((e = isa_expect(st, "(")) || (e = isa_parse_utype(st, &size)) || (e = isa_parse_addr(st, &m, 1)) ||
        (e = isa_expect(st, ",")) || (e = isa_parse_val_reg(st, size, &src)) || (e = isa_expect(st, ")")))
        return e;
    return emit(st, mk(BPF_STX | BPF_ATOMIC | size, m.base, src, m.off, BPF_STORE_REL));
}

/* The source register of a fetching atomic must be the destination. */
static int same_reg(struct isa_asm *st, const struct reg *d, uint8_t n)
{
    if (d->n != n)
        return isa_perr(st, "the result register %c%u must be the source register r%u", d->wide ? 'r' : 'w', d->n, n);
    return 0;
}

/* rD = atomic_fetch_OP((u64 *)(rA + off), rD) and rD = load_acquire((u64 *)(rA + off)) */
static int parse_fetch(struct isa_asm *st, const struct reg *d, int32_t op)
{
    struct mem m;
    uint8_t size, src;
    int e;

    if ((e = isa_expect(st, "(")) || (e = isa_parse_utype(st, &size)) || (e = isa_parse_addr(st, &m, 1)))
        return e;
    if (size == BPF_DW && !d->wide)
        return isa_perr(st, "a 64-bit access needs a 64-bit register (r%u, not w%u)", d->n, d->n);
    if (op == BPF_LOAD_ACQ) {
        if ((e = isa_expect(st, ")")))
            return e;
        return emit(st, mk(BPF_STX | BPF_ATOMIC | size, d->n, m.base, m.off, op));
    }
    if (size != BPF_W && size != BPF_DW)
        return isa_perr(st, "atomic operations are 32 or 64 bits wide");
    if ((e = isa_expect(st, ",")) || (e = isa_parse_val_reg(st, size, &src)) || (e = isa_expect(st, ")")) ||
        (e = same_reg(st, d, src)))
        return e;
    return emit(st, mk(BPF_STX | BPF_ATOMIC | size, m.base, src, m.off, op));
}

/* rD = xchg_64(rA + off, rD)  /  r0 = cmpxchg_64(rA + off, r0, rS); 32-bit: xchg32_32, cmpxchg32_32 */
static int parse_xchg(struct isa_asm *st, const struct reg *d, int cmp, uint8_t size)
{
    struct mem m;
    uint8_t src;
    int e;

    if (size == BPF_DW && !d->wide)
        return isa_perr(st, "a 64-bit access needs a 64-bit register (r%u, not w%u)", d->n, d->n);
    if ((e = isa_expect(st, "(")) || (e = isa_parse_addr(st, &m, 0)) || (e = isa_expect(st, ",")))
        return e;
    if (cmp) {
        if (d->n != 0)
            return isa_perr(st, "cmpxchg compares and returns in r0, not %c%u", d->wide ? 'r' : 'w', d->n);
        if ((e = isa_parse_val_reg(st, size, &src)))
            return e;
        if (src != 0)
            return isa_perr(st, "cmpxchg compares with r0, not r%u", src);
        if ((e = isa_expect(st, ",")))
            return e;
    }
    if ((e = isa_parse_val_reg(st, size, &src)) || (e = isa_expect(st, ")")))
        return e;
    if (!cmp && (e = same_reg(st, d, src)))
        return e;
    return emit(st, mk(BPF_STX | BPF_ATOMIC | size, m.base, src, m.off, cmp ? BPF_CMPXCHG : BPF_XCHG));
}

/* rD = *(u32 *)(rS + off), rD = *(s8 *)(...), r0 = *(u8 *)skb[12], r0 = *(u16 *)skb[r1 + 4] */
static int parse_load(struct isa_asm *st, const struct reg *d)
{
    struct mem m;
    uint8_t size;
    int sign, e;

    if ((e = isa_parse_type(st, &size, &sign)))
        return e;
    if (isa_accept_ident(st, "skb")) {
        struct num v = {0, 0};
        int32_t imm = 0;
        uint8_t idx = 0, mode = BPF_ABS;
        char b[32];
        if (sign || size == BPF_DW)
            return isa_perr(st, "packet loads are u8, u16 or u32");
        if (d->n != 0)
            return isa_perr(st, "packet loads write r0, not %c%u", d->wide ? 'r' : 'w', d->n);
        if ((e = isa_expect(st, "[")))
            return e;
        if (isa_reg_of(isa_peek(st, 0), &(struct reg){0, 0})) {
            mode = BPF_IND;
            if ((e = isa_parse_addr_reg(st, &idx)))
                return e;
            int minus = 0, has = 0;
            if (isa_accept(st, "-"))
                minus = has = 1;
            else if (isa_accept(st, "+"))
                has = 1;
            if (has) {
                if ((e = isa_parse_num(st, &v)))
                    return e;
                if (minus)
                    v.neg = !v.neg;
                if (!isa_num_in(&v, INT32_MIN, UINT32_MAX))
                    return isa_perr(st, "immediate %s does not fit in 32 bits", isa_num_str(&v, b, sizeof(b)));
                imm = (int32_t)(uint32_t)isa_num_val(&v);
            }
        } else if ((e = isa_parse_imm32(st, "offset", &imm))) {
            return e;
        }
        if ((e = isa_expect(st, "]")))
            return e;
        return emit(st, mk(BPF_LD | mode | size, 0, idx, 0, imm));
    }
    if ((e = isa_parse_addr(st, &m, 1)))
        return e;
    if (size == BPF_DW && sign)
        return isa_perr(st, "there is no sign-extending 64-bit load: use u64");
    if (size == BPF_DW && !d->wide)
        return isa_perr(st, "a 64-bit access needs a 64-bit register (r%u, not w%u)", d->n, d->n);
    return emit(st, mk(BPF_LDX | (sign ? BPF_MEMSX : BPF_MEM) | size, d->n, m.base, m.off, 0));
}

static int emit_ldimm64(struct isa_asm *st, uint8_t dst, uint8_t kind, int32_t lo, int32_t hi)
{
    int e = emit(st, mk(BPF_LD | BPF_IMM | BPF_DW, dst, kind, 0, lo));
    return e ? e : emit(st, mk(0, 0, 0, 0, hi));
}

/* Optional "[hi:N]": the unused second imm of kinds 1, 4 and 5. */
static int parse_hi(struct isa_asm *st, int32_t *hi)
{
    int e;
    *hi = 0;
    if (!isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "["))
        return 0;
    st->pos++;
    if (!isa_accept_ident(st, "hi"))
        return isa_expected(st, "'hi'");
    if ((e = isa_expect(st, ":")) || (e = isa_parse_imm32(st, "immediate", hi)))
        return e;
    return isa_expect(st, "]");
}

/* map[fd:N], map[id:N], map[idx:N], then "[0]+OFF", "+OFF" or "[hi:N]". */
static int parse_map(struct isa_asm *st, const struct reg *d)
{
    int32_t imm, hi = 0;
    int idx, e;
    uint8_t kind;

    if ((e = isa_expect(st, "[")))
        return e;
    if (isa_accept_ident(st, "idx"))
        idx = 1;
    else if (isa_accept_ident(st, "fd") || isa_accept_ident(st, "id"))
        idx = 0;
    else
        return isa_expected(st, "'fd', 'id' or 'idx'");
    if ((e = isa_expect(st, ":")) || (e = isa_parse_imm32(st, "map", &imm)) || (e = isa_expect(st, "]")))
        return e;
    kind = idx ? BPF_PSEUDO_MAP_IDX : BPF_PSEUDO_MAP_FD;
    if (isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, "[") && isa_tok_is(isa_peek(st, 1), ISA_TOK_NUM, "0")) {
        st->pos += 2;
        if ((e = isa_expect(st, "]")) || (e = isa_expect(st, "+")) || (e = isa_parse_imm32(st, "value offset", &hi)))
            return e;
        kind = idx ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_VALUE;
    } else if (isa_accept(st, "+")) {
        if ((e = isa_parse_imm32(st, "value offset", &hi)))
            return e;
        kind = idx ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_VALUE;
    } else if ((e = parse_hi(st, &hi))) {
        return e;
    }
    return emit_ldimm64(st, d->n, kind, imm, hi);
}

/* btf_id[N] with optional [fd:M]; subprog[+N] or subprog[label] with optional [hi:M] */
static int parse_btf_or_subprog(struct isa_asm *st, const struct reg *d, int subprog)
{
    int32_t imm = 0, hi = 0;
    size_t at = st->cnt;
    int e;

    if ((e = isa_expect(st, "[")))
        return e;
    if (subprog && isa_peek(st, 0)->kind == ISA_TOK_IDENT) {
        if ((e = add_fixup(st, isa_next(st), at, ISA_FIX_FUNC)))
            return e;
    } else if ((e = subprog ? isa_parse_rel32(st, "subprog offset", &imm) : isa_parse_imm32(st, "btf id", &imm))) {
        return e;
    }
    if ((e = isa_expect(st, "]")))
        return e;
    if (subprog) {
        if ((e = parse_hi(st, &hi)))
            return e;
    } else if (isa_accept(st, "[")) {
        if (!isa_accept_ident(st, "fd"))
            return isa_expected(st, "'fd'");
        if ((e = isa_expect(st, ":")) || (e = isa_parse_imm32(st, "btf fd", &hi)) || (e = isa_expect(st, "]")))
            return e;
    }
    return emit_ldimm64(st, d->n, subprog ? BPF_PSEUDO_FUNC : BPF_PSEUDO_BTF_ID, imm, hi);
}

/* rD = ... : everything after "=". */
static int parse_assign(struct isa_asm *st, const struct reg *d)
{
    static const struct {
        const char *name;
        int32_t imm;
    } fetch[] = {{"atomic_fetch_add", BPF_ADD | BPF_FETCH},
                 {"atomic_fetch_or", BPF_OR | BPF_FETCH},
                 {"atomic_fetch_and", BPF_AND | BPF_FETCH},
                 {"atomic_fetch_xor", BPF_XOR | BPF_FETCH},
                 {"load_acquire", BPF_LOAD_ACQ}};
    static const struct {
        const char *name;
        uint8_t code;
    } swaps[] = {
        {"le", BPF_ALU | BPF_END | BPF_TO_LE}, {"be", BPF_ALU | BPF_END | BPF_TO_BE}, {"bswap", BPF_ALU64 | BPF_END}};
    const struct isa_tok *t = isa_peek(st, 0);
    uint8_t cls = d->wide ? BPF_ALU64 : BPF_ALU;
    struct reg s;
    size_t k;
    int e;

    if (isa_tok_is(t, ISA_TOK_PUNCT, "-") && isa_reg_of(isa_peek(st, 1), &s)) { /* rD = -rD */
        st->pos++;
        if ((e = isa_parse_reg_as(st, d, &s)))
            return e;
        if (s.n != d->n)
            return isa_perr(st, "negation works in place: %c%u = -%c%u", d->wide ? 'r' : 'w', d->n, d->wide ? 'r' : 'w',
                            d->n);
        return emit(st, mk(cls | BPF_NEG | BPF_K, d->n, 0, 0, 0));
    }
    if (t->kind == ISA_TOK_NUM || isa_tok_is(t, ISA_TOK_PUNCT, "-") || isa_tok_is(t, ISA_TOK_PUNCT, "+")) {
        struct num v;
        char b[32];
        int32_t imm;
        if (isa_tok_is(isa_peek(st, 1), ISA_TOK_IDENT, "ll") || isa_tok_is(isa_peek(st, 2), ISA_TOK_IDENT, "ll")) {
            uint64_t x;
            if ((e = isa_parse_num(st, &v)))
                return e;
            if (!isa_num_in(&v, INT64_MIN, UINT64_MAX))
                return isa_perr(st, "immediate %s does not fit in 64 bits", isa_num_str(&v, b, sizeof(b)));
            if (!isa_accept_ident(st, "ll"))
                return isa_expected(st, "'ll'");
            if (!d->wide)
                return isa_perr(st, "a 64-bit immediate needs a 64-bit register (r%u, not w%u)", d->n, d->n);
            x = (uint64_t)isa_num_val(&v);
            return emit_ldimm64(st, d->n, 0, (int32_t)(uint32_t)x, (int32_t)(uint32_t)(x >> 32));
        }
        if ((e = isa_parse_imm32(st, "immediate", &imm)))
            return e;
        return emit(st, mk(cls | BPF_MOV | BPF_K, d->n, 0, 0, imm));
    }
    if (isa_reg_of(t, &s)) { /* rD = rS */
        if ((e = isa_parse_reg_as(st, d, &s)))
            return e;
        return emit(st, mk(cls | BPF_MOV | BPF_X, d->n, s.n, 0, 0));
    }
    if (isa_tok_is(t, ISA_TOK_PUNCT, "(")) { /* rD = (s8)rS */
        const struct isa_tok *w = isa_peek(st, 1);
        int16_t bits = isa_tok_is(w, ISA_TOK_IDENT, "s8")    ? 8
                       : isa_tok_is(w, ISA_TOK_IDENT, "s16") ? 16
                       : isa_tok_is(w, ISA_TOK_IDENT, "s32") ? 32
                                                             : 0;
        st->pos++;
        if (!bits)
            return isa_expected(st, "s8, s16 or s32");
        st->pos++;
        if ((e = isa_expect(st, ")")) || (e = isa_parse_reg_as(st, d, &s)))
            return e;
        if (bits == 32 && !d->wide)
            return isa_perr(st, "(s32) sign extension is 64-bit only: use r registers");
        return emit(st, mk(cls | BPF_MOV | BPF_X, d->n, s.n, bits, 0));
    }
    if (isa_accept(st, "*"))
        return parse_load(st, d);
    if (t->kind != ISA_TOK_IDENT)
        return isa_expected(st, "a register, a number or an operation after '='");
    for (k = 0; k < sizeof(swaps) / sizeof(swaps[0]); k++) { /* rD = be16 rD */
        size_t nl = strlen(swaps[k].name);
        if (t->len > nl && memcmp(t->s, swaps[k].name, nl) == 0) {
            int32_t bits = 0;
            size_t rest = t->len - nl;
            if (rest == 2 && memcmp(t->s + nl, "16", 2) == 0)
                bits = 16;
            else if (rest == 2 && memcmp(t->s + nl, "32", 2) == 0)
                bits = 32;
            else if (rest == 2 && memcmp(t->s + nl, "64", 2) == 0)
                bits = 64;
            if (!bits)
                continue;
            st->pos++;
            if (!d->wide)
                return isa_perr(st, "byte swaps are written with r registers");
            if ((e = isa_parse_reg_as(st, d, &s)))
                return e;
            if (s.n != d->n)
                return isa_perr(st, "byte swap works in place: r%u = %.*s r%u", d->n, (int)t->len, t->s, d->n);
            return emit(st, mk(swaps[k].code, d->n, 0, 0, bits));
        }
    }
    for (k = 0; k < sizeof(fetch) / sizeof(fetch[0]); k++)
        if (isa_tok_is(t, ISA_TOK_IDENT, fetch[k].name)) {
            st->pos++;
            return parse_fetch(st, d, fetch[k].imm);
        }
    if (isa_accept_ident(st, "xchg_64"))
        return parse_xchg(st, d, 0, BPF_DW);
    if (isa_accept_ident(st, "xchg32_32"))
        return parse_xchg(st, d, 0, BPF_W);
    if (isa_accept_ident(st, "cmpxchg_64"))
        return parse_xchg(st, d, 1, BPF_DW);
    if (isa_accept_ident(st, "cmpxchg32_32"))
        return parse_xchg(st, d, 1, BPF_W);
    if (d->wide && isa_accept_ident(st, "map"))
        return parse_map(st, d);
    if (d->wide && isa_accept_ident(st, "btf_id"))
        return parse_btf_or_subprog(st, d, 0);
    if (d->wide && isa_accept_ident(st, "subprog"))
        return parse_btf_or_subprog(st, d, 1);
    return isa_expected(st, "a register, a number or an operation after '='");
}

/* rD OP= rS / imm, with "s/=" and "s%=" the signed division (off = 1). */
static int parse_alu(struct isa_asm *st, const struct reg *d)
{
    const struct isa_tok *t = isa_peek(st, 0);
    uint8_t cls = d->wide ? BPF_ALU64 : BPF_ALU, op = 0;
    int16_t off = 0;
    struct reg s;
    int32_t imm;
    size_t k;
    int e;

    if (isa_tok_is(t, ISA_TOK_PUNCT, "s/=") || isa_tok_is(t, ISA_TOK_PUNCT, "s%=")) {
        op = t->s[1] == '/' ? BPF_DIV : BPF_MOD;
        off = 1;
    } else {
        for (k = 0; k < 16; k++) {
            const char *n = isa_alu_op_names[k];
            size_t nl = n ? strlen(n) : 0;
            if (n && t->kind == ISA_TOK_PUNCT && t->len == nl + 1 && memcmp(t->s, n, nl) == 0 && t->s[nl] == '=')
                break;
        }
        if (k == 16)
            return isa_expected(st, "'=' or an operation (+=, -=, *=, /=, %=, |=, &=, ^=, <<=, >>=, s>>=, s/=, s%=)");
        op = (uint8_t)(k << 4);
    }
    st->pos++;
    if (isa_reg_of(isa_peek(st, 0), &s)) {
        if ((e = isa_parse_reg_as(st, d, &s)))
            return e;
        return emit(st, mk(cls | op | BPF_X, d->n, s.n, off, 0));
    }
    if ((e = isa_parse_imm32(st, "immediate", &imm)))
        return e;
    return emit(st, mk(cls | op | BPF_K, d->n, 0, off, imm));
}

static int parse_insn(struct isa_asm *st)
{
    const struct isa_tok *t = isa_peek(st, 0);
    struct reg d;
    int32_t rel = 0;
    int e;

    if (isa_accept_ident(st, ".insn"))
        return parse_raw(st);
    if (isa_accept_ident(st, "exit"))
        return emit(st, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    if (isa_accept_ident(st, "goto")) {
        if ((e = parse_target(st, 0, &rel, st->cnt, ISA_FIX_OFF)))
            return e;
        return emit(st, mk(BPF_JMP | BPF_JA, 0, 0, (int16_t)rel, 0));
    }
    if (isa_accept_ident(st, "gotol")) {
        if ((e = parse_target(st, 1, &rel, st->cnt, ISA_FIX_JA32)))
            return e;
        return emit(st, mk(BPF_JMP32 | BPF_JA, 0, 0, 0, rel));
    }
    if (isa_accept_ident(st, "if"))
        return parse_cond_jump(st);
    if (isa_accept_ident(st, "callx")) { /* llvm-objdump-19: "callx r3" (dst_reg) */
        struct reg x;
        if ((e = isa_parse_reg(st, &x)))
            return e;
        if (!x.wide)
            return isa_perr(st, "callx takes a 64-bit register (rN), not w%u", x.n);
        return emit(st, mk(BPF_JMP | BPF_CALL | BPF_X, x.n, 0, 0, 0));
    }
    if (isa_accept_ident(st, "call"))
        return parse_call(st);
    if (isa_accept_ident(st, "lock"))
        return parse_lock(st);
    if (isa_accept_ident(st, "store_release"))
        return parse_store_release(st);
    if (isa_accept(st, "*"))
        return parse_store(st);
    if (!isa_reg_of(t, &d)) {
        char desc[64];
        isa_tok_describe(t, desc, sizeof(desc));
        return isa_perr(st, "unknown instruction %s", desc);
    }
    if ((e = isa_parse_reg(st, &d)))
        return e;
    if (isa_accept(st, "="))
        return parse_assign(st, &d);
    return parse_alu(st, &d);
}

static int define_label(struct isa_asm *st, const struct isa_tok *t)
{
    struct label *l = find_label(st, t->s, t->len);
    struct reg r;
    int e;

    if (l)
        return isa_perr(st, "label '%.*s' is already defined on line %u", (int)(t->len < 40 ? t->len : 40), t->s,
                        l->line);
    if (isa_reg_of(t, &r))
        return isa_perr(st, "'%.*s' is a register, not a label name", (int)t->len, t->s);
    if (st->nlabels == st->labcap) {
        size_t ncap = st->labcap ? st->labcap * 2 : 16;
        struct label *p = realloc(st->labels, ncap * sizeof(*p));
        if (!p)
            return oom(st);
        st->labels = p;
        st->labcap = ncap;
    }
    if ((e = label_index_reserve(st)))
        return e;
    l = &st->labels[st->nlabels];
    if (!(l->name = tok_strdup(t)))
        return oom(st);
    l->len = t->len;
    l->idx = st->cnt;
    l->line = st->line;
    label_index_put(st, st->nlabels);
    st->nlabels++;
    return 0;
}

static int parse_line(struct isa_asm *st, const char *s, size_t len)
{
    char msg[96];
    int e;

    if (isa_lex_line(s, len, st->toks, ISA_MAX_TOKS, msg, sizeof(msg)) < 0)
        return isa_perr(st, "%s", msg);
    st->pos = 0;
    if (isa_peek(st, 0)->kind == ISA_TOK_NUM && isa_tok_is(isa_peek(st, 1), ISA_TOK_PUNCT, ":"))
        st->pos += 2; /* "  12:" index prefix */
    while (isa_peek(st, 0)->kind == ISA_TOK_IDENT && isa_tok_is(isa_peek(st, 1), ISA_TOK_PUNCT, ":")) {
        if ((e = define_label(st, isa_peek(st, 0))))
            return e;
        st->pos += 2;
    }
    if (isa_peek(st, 0)->kind == ISA_TOK_END)
        return 0;
    if ((e = parse_insn(st)))
        return e;
    if (isa_peek(st, 0)->kind != ISA_TOK_END) {
        char d[64];
        isa_tok_describe(isa_peek(st, 0), d, sizeof(d));
        return isa_perr(st, "unexpected %s after the instruction", d);
    }
    return 0;
}

/* Helper id of "bpf_NAME", or 0. */
static int32_t helper_by_name(const char *name)
{
    uint32_t id;
    if (strncmp(name, "bpf_", 4) != 0)
        return 0;
    for (id = 1; id < 4096; id++) {
        const char *n = bpfrt_helper_name(id);
        if (!n)
            break;
        if (strcmp(n, name + 4) == 0)
            return (int32_t)id;
    }
    return 0;
}

static int resolve(struct isa_asm *st)
{
    size_t i;

    for (i = 0; i < st->nfix; i++) {
        struct fixup *f = &st->fixups[i];
        struct label *l = find_label(st, f->name, strlen(f->name));
        struct bpf_insn *in = &st->insns[f->insn];
        int64_t rel;

        st->line = f->line;
        if (!l) {
            int32_t id = f->kind == ISA_FIX_CALL ? helper_by_name(f->name) : 0;
            if (!id)
                return isa_perr(st, "unknown %s '%.40s'", f->kind == ISA_FIX_CALL ? "label or helper" : "label",
                                f->name);
            in->src_reg = 0;
            in->imm = id;
            continue;
        }
        rel = (int64_t)l->idx - (int64_t)(f->insn + 1);
        if (f->kind == ISA_FIX_OFF) {
            if (rel < INT16_MIN || rel > INT16_MAX)
                return isa_perr(st, "jump offset %lld to '%.40s' does not fit in 16 bits (use gotol)", (long long)rel,
                                f->name);
            in->off = (int16_t)rel;
        } else {
            if (rel < INT32_MIN || rel > INT32_MAX)
                return isa_perr(st, "offset %lld to '%.40s' does not fit in 32 bits", (long long)rel, f->name);
            in->imm = (int32_t)rel;
        }
    }
    return 0;
}

static void state_free(struct isa_asm *st)
{
    size_t i;
    for (i = 0; i < st->nlabels; i++)
        free(st->labels[i].name);
    for (i = 0; i < st->nfix; i++)
        free(st->fixups[i].name);
    free(st->labels);
    free(st->labhash);
    free(st->fixups);
}

int bpfrt_asm(const char *text, struct bpf_insn **insnsp, size_t *cntp, char *err, size_t errsz)
{
    struct isa_asm *st;
    const char *p = text;
    int e = 0;

    if (err && errsz)
        err[0] = '\0';
    if (!text || !insnsp || !cntp) {
        if (err && errsz)
            snprintf(err, errsz, "invalid arguments");
        return -EINVAL;
    }
    *insnsp = NULL;
    *cntp = 0;
    st = calloc(1, sizeof(*st));
    if (!st) {
        if (err && errsz)
            snprintf(err, errsz, "out of memory");
        return -ENOMEM;
    }
    st->err = err;
    st->errsz = errsz;
    while (!e && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        st->line++;
        e = parse_line(st, p, len);
        p += len + (nl ? 1 : 0);
    }
    if (!e)
        e = resolve(st);
    if (!e && !st->insns) {
        st->insns = malloc(sizeof(struct bpf_insn)); /* an empty program is not NULL */
        if (!st->insns)
            e = oom(st);
    }
    if (e) {
        free(st->insns);
    } else {
        *insnsp = st->insns;
        *cntp = st->cnt;
    }
    state_free(st);
    free(st);
    return e;
}
