/* asm_lex.c - the lower layer of the assembler: the tokenizer (one line
 * at a time into identifiers, numbers and operators) and the operands
 * built from tokens (registers, numbers with their range checks, memory
 * addresses, access types).  Any byte string is accepted as input: an
 * unexpected byte is an error, never undefined behaviour.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm_internal.h"
#include "isa.h"

/* Longest first, so that "s>>=" wins over "s>" and "<<=" over "<". */
static const char *const puncts[] = {
    "s>>=", "<<=", ">>=", "s/=", "s%=", "s>=", "s<=", "s>", "s<", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "==",
    "!=",   ">=",  "<=",  "<",   ">",   "=",   "+",   "-",  "*",  "(",  ")",  "[",  "]",  ",",  ":",  "#",  "&",
};

static int is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_char(unsigned char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int isa_tok_is(const struct isa_tok *t, enum isa_tok_kind kind, const char *s)
{
    size_t n = strlen(s);
    return t->kind == kind && t->len == n && memcmp(t->s, s, n) == 0;
}

void isa_tok_describe(const struct isa_tok *t, char *buf, size_t bufsz)
{
    size_t i, o = 0, max = t->len < 40 ? t->len : 40;

    if (bufsz == 0)
        return;
    if (t->kind == ISA_TOK_END) {
        snprintf(buf, bufsz, "end of line");
        return;
    }
    buf[0] = '\0';
    if (o + 1 < bufsz)
        buf[o++] = '\'';
    for (i = 0; i < max && o + 5 < bufsz; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c >= 0x20 && c < 0x7f)
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", c);
    }
    if (i < t->len && o + 4 < bufsz) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    if (o + 1 < bufsz)
        buf[o++] = '\'';
    buf[o < bufsz ? o : bufsz - 1] = '\0';
}

int isa_lex_line(const char *line, size_t len, struct isa_tok *toks, size_t maxtoks, char *err, size_t errsz)
{
    size_t i = 0, n = 0;

    for (;;) {
        struct isa_tok t = {.kind = ISA_TOK_END, .s = line + i, .len = 0};
        unsigned char c;
        size_t k;

        while (i < len && is_space((unsigned char)line[i]))
            i++;
        t.s = line + i;
        c = i < len ? (unsigned char)line[i] : 0;
        if (i >= len || c == ';' || (c == '/' && i + 1 < len && line[i + 1] == '/')) {
            t.kind = ISA_TOK_END;
        } else if (c == '#' && !(i > 0 && is_ident_char((unsigned char)line[i - 1]) && i + 1 < len &&
                                 (is_digit((unsigned char)line[i + 1]) || line[i + 1] == '-'))) {
            t.kind = ISA_TOK_END; /* a comment; "name#5" keeps its '#' */
        } else if (is_digit(c)) {
            t.kind = ISA_TOK_NUM;
            while (i < len && is_ident_char((unsigned char)line[i]) && line[i] != '.')
                i++;
        } else {
            t.kind = ISA_TOK_PUNCT;
            for (k = 0; k < sizeof(puncts) / sizeof(puncts[0]); k++) {
                size_t pl = strlen(puncts[k]);
                if (pl <= len - i && memcmp(line + i, puncts[k], pl) == 0) {
                    i += pl;
                    break;
                }
            }
            if (k == sizeof(puncts) / sizeof(puncts[0])) {
                if (is_ident_start(c)) {
                    t.kind = ISA_TOK_IDENT;
                    while (i < len && is_ident_char((unsigned char)line[i]))
                        i++;
                } else {
                    if (c >= 0x20 && c < 0x7f)
                        snprintf(err, errsz, "unexpected character '%c'", c);
                    else
                        snprintf(err, errsz, "unexpected character '\\x%02x'", c);
                    return -1;
                }
            }
        }
        t.len = (size_t)(line + i - t.s);
        if (n >= maxtoks || (t.kind != ISA_TOK_END && n + 1 >= maxtoks)) {
            snprintf(err, errsz, "too many tokens (more than %zu)", maxtoks - 1);
            return -1;
        }
        toks[n++] = t;
        if (t.kind == ISA_TOK_END)
            return (int)n;
    }
}

/* ---- the token cursor and messages ---- */

int isa_perr(struct isa_asm *st, const char *fmt, ...)
{
    if (st->err && st->errsz) {
        int n = snprintf(st->err, st->errsz, "line %u: ", st->line);
        if (n >= 0 && (size_t)n < st->errsz) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(st->err + n, st->errsz - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

const struct isa_tok *isa_peek(struct isa_asm *st, size_t ahead)
{
    size_t i = st->pos;
    while (ahead-- && st->toks[i].kind != ISA_TOK_END)
        i++;
    return &st->toks[i];
}

const struct isa_tok *isa_next(struct isa_asm *st)
{
    const struct isa_tok *t = &st->toks[st->pos];
    if (t->kind != ISA_TOK_END)
        st->pos++;
    return t;
}

int isa_accept(struct isa_asm *st, const char *p)
{
    if (!isa_tok_is(isa_peek(st, 0), ISA_TOK_PUNCT, p))
        return 0;
    st->pos++;
    return 1;
}

int isa_accept_ident(struct isa_asm *st, const char *s)
{
    if (!isa_tok_is(isa_peek(st, 0), ISA_TOK_IDENT, s))
        return 0;
    st->pos++;
    return 1;
}

/* "expected X, got 'tok'" for the next token. */
int isa_expected(struct isa_asm *st, const char *what)
{
    char d[64];
    isa_tok_describe(isa_peek(st, 0), d, sizeof(d));
    return isa_perr(st, "expected %s, got %s", what, d);
}

int isa_expect(struct isa_asm *st, const char *p)
{
    char what[16];
    if (isa_accept(st, p))
        return 0;
    snprintf(what, sizeof(what), "'%s'", p);
    return isa_expected(st, what);
}

/* ---- operands ---- */

/* Is t a register name ("r0".."r10", "w0".."w10")?  Returns 1 and fills r,
 * 0 when t does not look like one, -1 for "r11" and the like. */
int isa_reg_of(const struct isa_tok *t, struct reg *r)
{
    unsigned v = 0;
    size_t i;

    if (t->kind != ISA_TOK_IDENT || t->len < 2 || (t->s[0] != 'r' && t->s[0] != 'w'))
        return 0;
    for (i = 1; i < t->len; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return 0;
        if (v < 1000)
            v = v * 10 + (unsigned)(t->s[i] - '0');
    }
    if (v > ISA_REG_FP || (t->len > 2 && t->s[1] == '0'))
        return -1;
    r->n = (uint8_t)v;
    r->wide = t->s[0] == 'r';
    return 1;
}

int isa_parse_reg(struct isa_asm *st, struct reg *r)
{
    const struct isa_tok *t = isa_peek(st, 0);
    char d[64];
    int k = isa_reg_of(t, r);

    if (k == 1) {
        st->pos++;
        return 0;
    }
    if (k < 0) {
        isa_tok_describe(t, d, sizeof(d));
        return isa_perr(st, "unknown register %s", d);
    }
    return isa_expected(st, "a register");
}

/* A register of the width of `like` (both r or both w). */
int isa_parse_reg_as(struct isa_asm *st, const struct reg *like, struct reg *r)
{
    const struct isa_tok *t = isa_peek(st, 0);
    int e = isa_parse_reg(st, r);
    if (e)
        return e;
    if (r->wide != like->wide)
        return isa_perr(st, "register '%.*s' does not match the width of '%c%u'", (int)t->len, t->s,
                        like->wide ? 'r' : 'w', like->n);
    return 0;
}

/* An address register: always 64-bit. */
int isa_parse_addr_reg(struct isa_asm *st, uint8_t *n)
{
    struct reg r;
    int e = isa_parse_reg(st, &r);
    if (e)
        return e;
    if (!r.wide)
        return isa_perr(st, "address register must be 64-bit (r%u, not w%u)", r.n, r.n);
    *n = r.n;
    return 0;
}

/* [+|-] decimal or 0x hex. */
int isa_parse_num(struct isa_asm *st, struct num *v)
{
    const struct isa_tok *t;
    uint64_t m = 0;
    size_t i = 0;
    unsigned base = 10;

    v->neg = 0;
    if (isa_accept(st, "-"))
        v->neg = 1;
    else
        isa_accept(st, "+");
    t = isa_peek(st, 0);
    if (t->kind != ISA_TOK_NUM)
        return isa_expected(st, "a number");
    if (t->len > 2 && t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    for (; i < t->len; i++) {
        char c = t->s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return isa_perr(st, "invalid number '%.*s'", (int)(t->len < 40 ? t->len : 40), t->s);
        if (m > (UINT64_MAX - d) / base)
            return isa_perr(st, "number '%.*s' does not fit in 64 bits", (int)(t->len < 40 ? t->len : 40), t->s);
        m = m * base + d;
    }
    v->mag = m;
    st->pos++;
    return 0;
}

/* The value as text for messages ("-40000"). */
const char *isa_num_str(const struct num *v, char *buf, size_t n)
{
    snprintf(buf, n, "%s%llu", v->neg && v->mag ? "-" : "", (unsigned long long)v->mag);
    return buf;
}

/* Does v lie in [lo, hi]?  lo <= 0 <= hi. */
int isa_num_in(const struct num *v, int64_t lo, uint64_t hi)
{
    if (v->neg)
        return v->mag <= (uint64_t)(-(lo + 1)) + 1;
    return v->mag <= hi;
}

int64_t isa_num_val(const struct num *v)
{
    return v->neg ? (int64_t)(0 - v->mag) : (int64_t)v->mag;
}

/* An immediate for a 32-bit field: signed or unsigned 32-bit values. */
int isa_parse_imm32(struct isa_asm *st, const char *what, int32_t *out)
{
    struct num v;
    char b[32];
    int e = isa_parse_num(st, &v);
    if (e)
        return e;
    if (!isa_num_in(&v, INT32_MIN, UINT32_MAX))
        return isa_perr(st, "%s %s does not fit in 32 bits", what, isa_num_str(&v, b, sizeof(b)));
    *out = (int32_t)(uint32_t)isa_num_val(&v);
    return 0;
}

/* A signed 32-bit value: relative jumps and calls. */
int isa_parse_rel32(struct isa_asm *st, const char *what, int32_t *out)
{
    struct num v;
    char b[32];
    int e = isa_parse_num(st, &v);
    if (e)
        return e;
    if (!isa_num_in(&v, INT32_MIN, INT32_MAX))
        return isa_perr(st, "%s %s does not fit in 32 bits", what, isa_num_str(&v, b, sizeof(b)));
    *out = (int32_t)isa_num_val(&v);
    return 0;
}

int isa_check_off16(struct isa_asm *st, const char *what, const struct num *v, int16_t *out)
{
    char b[32];
    if (!isa_num_in(v, INT16_MIN, INT16_MAX))
        return isa_perr(st, "%s %s does not fit in 16 bits", what, isa_num_str(v, b, sizeof(b)));
    *out = (int16_t)isa_num_val(v);
    return 0;
}

/* "(r1 + 4)", "(r1 - 4)", "(r1 + -4)", "(r1)"; with_parens 0 for the
 * "r1 + 4" inside xchg/cmpxchg. */
int isa_parse_addr(struct isa_asm *st, struct mem *m, int with_parens)
{
    struct num v = {0, 0};
    int e, minus = 0;

    if (with_parens && (e = isa_expect(st, "(")))
        return e;
    if ((e = isa_parse_addr_reg(st, &m->base)))
        return e;
    if (isa_accept(st, "-"))
        minus = 1;
    else if (!isa_accept(st, "+"))
        goto close;
    if ((e = isa_parse_num(st, &v)))
        return e;
    if (minus)
        v.neg = !v.neg;
close:
    if ((e = isa_check_off16(st, "offset", &v, &m->off)))
        return e;
    return with_parens ? isa_expect(st, ")") : 0;
}

/* "(u32 *)" / "(s16 *)": sets *size (BPF_B..BPF_DW) and *sign. */
int isa_parse_type(struct isa_asm *st, uint8_t *size, int *sign)
{
    const struct {
        const char *name;
        uint8_t size;
    } types[] = {{"8", BPF_B}, {"16", BPF_H}, {"32", BPF_W}, {"64", BPF_DW}};
    const struct isa_tok *t;
    size_t k;
    int e;

    if ((e = isa_expect(st, "(")))
        return e;
    t = isa_peek(st, 0);
    if (t->kind == ISA_TOK_IDENT && t->len >= 2 && (t->s[0] == 'u' || t->s[0] == 's')) {
        for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
            if (t->len - 1 == strlen(types[k].name) && memcmp(t->s + 1, types[k].name, t->len - 1) == 0) {
                *size = types[k].size;
                *sign = t->s[0] == 's';
                st->pos++;
                if ((e = isa_expect(st, "*")))
                    return e;
                return isa_expect(st, ")");
            }
        }
    }
    return isa_expected(st, "an access type (u8, u16, u32, u64, s8, s16, s32)");
}

int isa_parse_utype(struct isa_asm *st, uint8_t *size)
{
    int sign, e = isa_parse_type(st, size, &sign);
    if (e)
        return e;
    if (sign)
        return isa_perr(st, "only loads sign-extend: use u%u", isa_size_bytes(*size) * 8);
    return 0;
}

/* A value register for an access of `size`: any width below 8 bytes, r for 8. */
int isa_parse_val_reg(struct isa_asm *st, uint8_t size, uint8_t *n)
{
    struct reg r;
    int e = isa_parse_reg(st, &r);
    if (e)
        return e;
    if (size == BPF_DW && !r.wide)
        return isa_perr(st, "a 64-bit access needs a 64-bit register (r%u, not w%u)", r.n, r.n);
    *n = r.n;
    return 0;
}
