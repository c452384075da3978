/* test_asm.c - the disassembler and the assembler: bytes -> text -> bytes
 * exact for every encoding (valid ones in their syntax, invalid ones
 * through ".insn"), agreement with llvm-mc-19 / llvm-objdump-19, every
 * error message with its line number, and robustness on arbitrary input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "isa/isa.h"

/* ---- helpers ---- */

static struct bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    struct bpf_insn in = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return in;
}

/* Disassemble all of v (with or without indexes) into a malloc'd string. */
static char *
disasm_all(const struct bpf_insn *v, size_t n, int with_index)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    cr_assert_not_null(f);
    cr_assert_eq(bpfrt_disasm(v, n, f, with_index), 0);
    fclose(f);
    return text;
}

/* Assert that text assembles to exactly v[0..n). */
static void assert_asm_eq(const char *text, const struct bpf_insn *v, size_t n)
{
    struct bpf_insn *out = NULL;
    size_t cnt = 0, i;
    char err[256];
    int e = bpfrt_asm(text, &out, &cnt, err, sizeof(err));

    cr_assert_eq(e, 0, "assembling failed: %s", err);
    for (i = 0; i < n && i < cnt; i++) {
        if (memcmp(&out[i], &v[i], sizeof(v[i])) != 0) {
            char line[320];
            const uint8_t *a = (const uint8_t *)&v[i], *b = (const uint8_t *)&out[i];
            /* the text of the first slot of the instruction that holds i */
            bpfrt_disasm_insn(v, n, i && isa_is_ldimm64(&v[i - 1]) ? i - 1 : i, line, sizeof(line));
            free(out);
            cr_assert_fail("slot %zu: %02x %02x %02x %02x %02x %02x %02x %02x -> \"%s\" -> "
                           "%02x %02x %02x %02x %02x %02x %02x %02x",
                           i, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], line, b[0], b[1], b[2], b[3], b[4], b[5],
                           b[6], b[7]);
        }
    }
    free(out);
    cr_assert_eq(cnt, n, "assembled %zu slots, expected %zu", cnt, n);
}

/* bytes -> text -> bytes; alternately with and without index prefixes. */
static void roundtrip(const struct bpf_insn *v, size_t n, int with_index)
{
    char *text = disasm_all(v, n, with_index);
    assert_asm_eq(text, v, n);
    free(text);
}

/* Text of one instruction; asserts it is valid and returns slots. */
static int dis1(const struct bpf_insn *v, size_t n, char *buf, size_t sz)
{
    int k = bpfrt_disasm_insn(v, n, 0, buf, sz);
    cr_assert_gt(k, 0);
    return k;
}

/* ---- the sweep over encodings ---- */

struct sweep_stats {
    size_t total, valid;
};

/* Append one instruction (and a second half for code 0x18) to the batch,
 * checking that valid ones print in the syntax and invalid ones raw. */
static void add_insn(struct bpf_insn *batch, size_t *n, struct bpf_insn in, struct bpf_insn hi, struct sweep_stats *st)
{
    struct bpf_insn pair[2] = {in, hi};
    char text[320], why[160];
    size_t cnt = in.code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
    int valid = isa_check_insn(pair, cnt, 0, why, sizeof(why)) == 0;
    int k = bpfrt_disasm_insn(pair, cnt, 0, text, sizeof(text));

    cr_assert_gt(k, 0);
    cr_assert_lt(strlen(text), 256, "callers print into 256-byte buffers: %s", text);
    st->total++;
    if (valid) {
        st->valid++;
        cr_assert(strncmp(text, ".insn", 5) != 0, "valid encoding printed raw: %s", text);
        cr_assert_eq((size_t)k, cnt);
    } else {
        cr_assert(strncmp(text, ".insn", 5) == 0 && strstr(text, why), "invalid encoding not raw: %s (%s)", text, why);
        cr_assert_eq(k, 1);
    }
    batch[(*n)++] = in;
    if (cnt == 2)
        batch[(*n)++] = hi;
}

static const uint8_t all_regs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t few_regs[] = {0, 1, 10, 11};
static const int16_t all_offs[] = {0, 1, -1, 2, 8, 16, 32, 64, INT16_MIN, INT16_MAX};
static const int16_t few_offs[] = {0, 1, 8, -1, INT16_MIN};
static const int32_t all_imms[] = {0,         1,    -1,   2,    3,    5,    8,    16,   32,   64,    12345, INT32_MIN,
                                   INT32_MAX, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x101, 0x110};
static const int32_t few_imms[] = {0, 1, -1, 16, 0x100, INT32_MIN};
static const int32_t his[] = {0, 1, -1, INT32_MIN, INT32_MAX};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct sweep_set {
    const uint8_t *dsts, *srcs;
    size_t ndst, nsrc;
    const int16_t *offs;
    size_t noff;
    const int32_t *imms;
    size_t nimm;
};

static void sweep(const struct sweep_set *s, struct sweep_stats *st)
{
    size_t max = s->ndst * s->nsrc * s->noff * s->nimm * 2 * (NELEM(his) + 4) + 16;
    struct bpf_insn *batch = malloc(max * sizeof(*batch));
    unsigned code;

    cr_assert_not_null(batch);
    for (code = 0; code < 256; code++) {
        size_t n = 0, a, b, c, d, h;
        for (a = 0; a < s->ndst; a++)
            for (b = 0; b < s->nsrc; b++)
                for (c = 0; c < s->noff; c++)
                    for (d = 0; d < s->nimm; d++) {
                        struct bpf_insn in = I((uint8_t)code, s->dsts[a], s->srcs[b], s->offs[c], s->imms[d]);
                        if (code != (BPF_LD | BPF_IMM | BPF_DW)) {
                            add_insn(batch, &n, in, I(0, 0, 0, 0, 0), st);
                            continue;
                        }
                        for (h = 0; h < NELEM(his); h++)
                            add_insn(batch, &n, in, I(0, 0, 0, 0, his[h]), st);
                        /* second halves with reserved fields set */
                        add_insn(batch, &n, in, I(0x18, 0, 0, 0, 7), st);
                        add_insn(batch, &n, in, I(0, 1, 0, 0, 0), st);
                        add_insn(batch, &n, in, I(0, 0, 2, 0, 0), st);
                        add_insn(batch, &n, in, I(0, 0, 0, 3, 0), st);
                    }
        roundtrip(batch, n, code & 1);
    }
    free(batch);
}

Test(asm, sweep_all_registers, .timeout = 300)
{
    struct sweep_set s = {all_regs, all_regs,        NELEM(all_regs), NELEM(all_regs),
                          few_offs, NELEM(few_offs), few_imms,        NELEM(few_imms)};
    struct sweep_stats st = {0, 0};
    sweep(&s, &st);
    cr_log_info("register sweep: %zu encodings, %zu valid", st.total, st.valid);
    cr_assert_gt(st.valid, 40000);
}

Test(asm, sweep_all_offsets_and_immediates, .timeout = 300)
{
    struct sweep_set s = {few_regs, few_regs,        NELEM(few_regs), NELEM(few_regs),
                          all_offs, NELEM(all_offs), all_imms,        NELEM(all_imms)};
    struct sweep_stats st = {0, 0};
    sweep(&s, &st);
    cr_log_info("field sweep: %zu encodings, %zu valid", st.total, st.valid);
    cr_assert_gt(st.valid, 25000);
}

/* Every valid encoding whose fields are all "meaningful": for each opcode,
 * each register pair, each off and imm the opcode gives a meaning to. */
Test(asm, sweep_every_valid_shape, .timeout = 300)
{
    static const int16_t offs[] = {0, 1, 8, 16, 32, -32768, 32767};
    static const int32_t imms[] = {0,    16,   32,   64,   BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, 0x01,      0x41,
                                   0x51, 0xa1, 0xe1, 0xf1, 0x100,   0x110,  1,       -1,      INT32_MIN, INT32_MAX};
    struct bpf_insn *batch = malloc(16 * 16 * NELEM(offs) * NELEM(imms) * 2 * sizeof(*batch));
    size_t valid = 0;
    unsigned code;

    cr_assert_not_null(batch);
    for (code = 0; code < 256; code++) {
        size_t n = 0, a, b, c, d;
        for (a = 0; a <= ISA_REG_FP; a++)
            for (b = 0; b <= ISA_REG_FP; b++)
                for (c = 0; c < NELEM(offs); c++)
                    for (d = 0; d < NELEM(imms); d++) {
                        struct bpf_insn p[2] = {I((uint8_t)code, (uint8_t)a, (uint8_t)b, offs[c], imms[d]),
                                                I(0, 0, 0, 0, imms[d])};
                        size_t cnt = code == 0x18 ? 2 : 1;
                        if (isa_check_insn(p, cnt, 0, NULL, 0))
                            continue;
                        valid++;
                        batch[n++] = p[0];
                        if (cnt == 2)
                            batch[n++] = p[1];
                    }
        if (n)
            roundtrip(batch, n, 0);
    }
    free(batch);
    cr_log_info("valid shapes: %zu", valid);
    cr_assert_gt(valid, 50000);
}

/* Random encodings, half of them biased towards valid ones. */
Test(asm, sweep_random, .timeout = 300)
{
    enum { N = 4096, ROUNDS = 64 };
    struct bpf_insn *batch = malloc(N * sizeof(*batch));
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int r;

    cr_assert_not_null(batch);
    for (r = 0; r < ROUNDS; r++) {
        size_t i;
        for (i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            memcpy(&batch[i], &x, sizeof(x));
            if (i & 1) {
                batch[i].dst_reg &= 7;
                batch[i].src_reg &= 7;
                if (x & 0x100000000ull)
                    batch[i].off = (int16_t)(batch[i].off & 0x21);
                if (x & 0x200000000ull)
                    batch[i].imm &= 0x1f1;
            }
        }
        roundtrip(batch, N, r & 1);
    }
    free(batch);
}

/* ---- forms ---- */

struct form {
    const char *text;
    struct bpf_insn in[2];
};

/* What the disassembler prints for each kind of instruction (and the
 * assembler reads back). */
static const struct form forms[] = {
    {"r0 = 1", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1}}},
    {"w0 = -1", {{BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, -1}}},
    {"r0 += r1", {{BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0}}},
    {"w1 -= 5", {{BPF_ALU | BPF_SUB | BPF_K, 1, 0, 0, 5}}},
    {"r0 = -r0", {{BPF_ALU64 | BPF_NEG, 0, 0, 0, 0}}},
    {"w3 = -w3", {{BPF_ALU | BPF_NEG, 3, 0, 0, 0}}},
    {"r0 s/= r1", {{BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 1, 0}}},
    {"w0 s%= 3", {{BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, 3}}},
    {"r0 s>>= 3", {{BPF_ALU64 | BPF_ARSH | BPF_K, 0, 0, 0, 3}}},
    {"r0 = (s8)r1", {{BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 8, 0}}},
    {"r0 = (s32)r1", {{BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 32, 0}}},
    {"w0 = (s16)w1", {{BPF_ALU | BPF_MOV | BPF_X, 0, 1, 16, 0}}},
    {"r0 = be16 r0", {{BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 0, 16}}},
    {"r0 = le64 r0", {{BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, 64}}},
    {"r0 = bswap32 r0", {{BPF_ALU64 | BPF_END, 0, 0, 0, 32}}},
    {"r0 = *(u32 *)(r1 + 4)", {{BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0}}},
    {"r0 = *(s16 *)(r1 - 2)", {{BPF_LDX | BPF_MEMSX | BPF_H, 0, 1, -2, 0}}},
    {"r0 = *(u64 *)(r1 - 32768)", {{BPF_LDX | BPF_MEM | BPF_DW, 0, 1, -32768, 0}}},
    {"*(u32 *)(r10 - 4) = r1", {{BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0}}},
    {"*(u64 *)(r10 - 8) = 5", {{BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 5}}},
    {"*(u8 *)(r1 + 32767) = -2147483648", {{BPF_ST | BPF_MEM | BPF_B, 1, 0, 32767, INT32_MIN}}},
    {"lock *(u64 *)(r1 + 0) += r2", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD}}},
    {"lock *(u32 *)(r1 + 0) |= w2", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_OR}}},
    {"lock *(u32 *)(r1 + 8) &= w2", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 8, BPF_AND}}},
    {"lock *(u64 *)(r1 - 8) ^= r2", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, -8, BPF_XOR}}},
    {"r2 = atomic_fetch_add((u64 *)(r1 + 0), r2)", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD | BPF_FETCH}}},
    {"w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_AND | BPF_FETCH}}},
    {"r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_OR | BPF_FETCH}}},
    {"w2 = atomic_fetch_xor((u32 *)(r1 + 0), w2)", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_XOR | BPF_FETCH}}},
    {"r2 = xchg_64(r1 + 0, r2)", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_XCHG}}},
    {"w2 = xchg32_32(r1 + 0, w2)", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_XCHG}}},
    {"r0 = cmpxchg_64(r1 + 0, r0, r2)", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_CMPXCHG}}},
    {"w0 = cmpxchg32_32(r1 + 0, w0, w2)", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_CMPXCHG}}},
    {"r0 = load_acquire((u64 *)(r1 + 0))", {{BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_LOAD_ACQ}}},
    {"w3 = load_acquire((u8 *)(r1 + 2))", {{BPF_STX | BPF_ATOMIC | BPF_B, 3, 1, 2, BPF_LOAD_ACQ}}},
    {"store_release((u64 *)(r1 + 0), r2)", {{BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_STORE_REL}}},
    {"store_release((u16 *)(r1 - 4), w2)", {{BPF_STX | BPF_ATOMIC | BPF_H, 1, 2, -4, BPF_STORE_REL}}},
    {"goto +3", {{BPF_JMP | BPF_JA, 0, 0, 3, 0}}},
    {"goto -1", {{BPF_JMP | BPF_JA, 0, 0, -1, 0}}},
    {"goto +0", {{BPF_JMP | BPF_JA, 0, 0, 0, 0}}},
    {"gotol +3", {{BPF_JMP32 | BPF_JA, 0, 0, 0, 3}}},
    {"gotol -2147483648", {{BPF_JMP32 | BPF_JA, 0, 0, 0, INT32_MIN}}},
    {"if r1 > r2 goto +3", {{BPF_JMP | BPF_JGT | BPF_X, 1, 2, 3, 0}}},
    {"if w1 s< -5 goto -2", {{BPF_JMP32 | BPF_JSLT | BPF_K, 1, 0, -2, -5}}},
    {"if r1 & 16 goto +1", {{BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1, 16}}},
    {"if w1 != w2 goto +1", {{BPF_JMP32 | BPF_JNE | BPF_X, 1, 2, 1, 0}}},
    {"call bpf_ktime_get_ns#5", {{BPF_JMP | BPF_CALL, 0, 0, 0, 5}}},
    {"call bpf_map_lookup_elem#1", {{BPF_JMP | BPF_CALL, 0, 0, 0, 1}}},
    {"call 100000", {{BPF_JMP | BPF_CALL, 0, 0, 0, 100000}}},
    {"call -1", {{BPF_JMP | BPF_CALL, 0, 0, 0, -1}}},
    {"call pc+3", {{BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 3}}},
    {"call pc-1", {{BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1}}},
    {"call kernel-function#123", {{BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 123}}},
    {"exit", {{BPF_JMP | BPF_EXIT, 0, 0, 0, 0}}},
    {"r1 = 4886718345 ll", {{BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0x23456789}, {0, 0, 0, 0, 1}}},
    {"r1 = -1 ll", {{BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, -1}, {0, 0, 0, 0, -1}}},
    {"r1 = map[fd:3]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3}, {0}}},
    {"r1 = map[fd:3][0]+8", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_VALUE, 0, 3}, {0, 0, 0, 0, 8}}},
    {"r1 = btf_id[77]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_BTF_ID, 0, 77}, {0}}},
    {"r1 = btf_id[77][fd:4]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_BTF_ID, 0, 77}, {0, 0, 0, 0, 4}}},
    {"r1 = subprog[+5]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_FUNC, 0, 5}, {0}}},
    {"r1 = map[idx:3]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 3}, {0}}},
    {"r1 = map[idx:3][0]+8", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 3}, {0, 0, 0, 0, 8}}},
    {"r1 = map[fd:3][hi:9]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3}, {0, 0, 0, 0, 9}}},
    {"r0 = *(u8 *)skb[12]", {{BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 12}}},
    {"r0 = *(u16 *)skb[r1]", {{BPF_LD | BPF_IND | BPF_H, 0, 1, 0, 0}}},
    {"r0 = *(u32 *)skb[r1 - 4]", {{BPF_LD | BPF_IND | BPF_W, 0, 1, 0, -4}}},
    {"callx r1", {{0x8d, 1, 0, 0, 0}}},
    {".insn 8d 01 00 00 05 00 00 00  # invalid: callx uses reserved fields (src_reg, off and imm must be 0)",
     {{0x8d, 1, 0, 0, 5}}},
};

Test(asm, forms_print_and_read_back)
{
    size_t i;
    for (i = 0; i < NELEM(forms); i++) {
        const struct form *f = &forms[i];
        size_t n = f->in[0].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
        char buf[320];
        int k = dis1(f->in, n, buf, sizeof(buf));
        cr_expect_str_eq(buf, f->text, "form %zu", i);
        cr_expect_eq((size_t)k, f->in[0].code == 0x8d ? 1 : n);
        assert_asm_eq(f->text, f->in, n);
    }
}

/* Other spellings the assembler accepts for the same encodings. */
static const struct form accepted[] = {
    {"r0 = 0x10", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 16}}},
    {"r0 = -0x10", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -16}}},
    {"r0 = 0xffffffff", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1}}},
    {"r0 = 4294967295", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1}}},
    {"r0 = +7", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7}}},
    {"w0 = *(u32 *)(r1 + 0x10)", {{BPF_LDX | BPF_MEM | BPF_W, 0, 1, 16, 0}}},
    {"r0 = *(u8 *)(r1)", {{BPF_LDX | BPF_MEM | BPF_B, 0, 1, 0, 0}}},
    {"r0 = *(u8 *)(r1 + -3)", {{BPF_LDX | BPF_MEM | BPF_B, 0, 1, -3, 0}}},
    {"r0 = *(u8 *)(r1 - -3)", {{BPF_LDX | BPF_MEM | BPF_B, 0, 1, 3, 0}}},
    {"*(u16 *)(r10 - 2) = w3", {{BPF_STX | BPF_MEM | BPF_H, 10, 3, -2, 0}}},
    {"lock *(u32 *)(r1 + 0) += r2", {{BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 0, BPF_ADD}}},
    {"r3 = load_acquire((u32 *)(r1 + 0))", {{BPF_STX | BPF_ATOMIC | BPF_W, 3, 1, 0, BPF_LOAD_ACQ}}},
    {"store_release((u8 *)(r1 + 0), r2)", {{BPF_STX | BPF_ATOMIC | BPF_B, 1, 2, 0, BPF_STORE_REL}}},
    {"goto 3", {{BPF_JMP | BPF_JA, 0, 0, 3, 0}}},
    {"goto pc+3", {{BPF_JMP | BPF_JA, 0, 0, 3, 0}}},
    {"goto pc-3", {{BPF_JMP | BPF_JA, 0, 0, -3, 0}}},
    {"goto +3 <.text+0x110>", {{BPF_JMP | BPF_JA, 0, 0, 3, 0}}},
    {"if r1 == 0xff goto -2 <foo>", {{BPF_JMP | BPF_JEQ | BPF_K, 1, 0, -2, 255}}},
    {"call 5", {{BPF_JMP | BPF_CALL, 0, 0, 0, 5}}},
    {"call kfunc#-7", {{BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, -7}}},
    {"call bpf_ktime_get_ns", {{BPF_JMP | BPF_CALL, 0, 0, 0, 5}}},
    {"call bpf_some_newer_helper#300", {{BPF_JMP | BPF_CALL, 0, 0, 0, 300}}},
    {"r1 = 0x123456789 ll", {{BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0x23456789}, {0, 0, 0, 0, 1}}},
    {"r1 = 0xffffffffffffffff ll", {{BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, -1}, {0, 0, 0, 0, -1}}},
    {"r1 = -9223372036854775808 ll", {{BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0}, {0, 0, 0, 0, INT32_MIN}}},
    {"r1 = map[id:3]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 3}, {0}}},
    {"r1 = map[id:3][0]+8", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_VALUE, 0, 3}, {0, 0, 0, 0, 8}}},
    {"r1 = map[idx:3]+8", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 3}, {0, 0, 0, 0, 8}}},
    {"r1 = subprog[3]", {{BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_FUNC, 0, 3}, {0}}},
    {"r0 = *(u32 *)skb[r1 + 0]", {{BPF_LD | BPF_IND | BPF_W, 0, 1, 0, 0}}},
    {".insn b700000001000000", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1}}},
    {"  \tr0   =  1   ", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1}}},
    {"r0=1", {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1}}},
    {"if r1>r2 goto+3", {{BPF_JMP | BPF_JGT | BPF_X, 1, 2, 3, 0}}},
    {"r0 s>>=r1", {{BPF_ALU64 | BPF_ARSH | BPF_X, 0, 1, 0, 0}}},
};

Test(asm, accepted_spellings)
{
    size_t i;
    for (i = 0; i < NELEM(accepted); i++) {
        const struct form *f = &accepted[i];
        assert_asm_eq(f->text, f->in, f->in[0].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1);
    }
}

Test(asm, program_with_labels_comments_and_indexes)
{
    const char *text = "# a comment line\n"
                       "; another\n"
                       "// and another\n"
                       "\n"
                       "start:  r0 = 0          # trailing comment\n"
                       "   1: r1 = 10 ; comment\n"
                       "loop:\n"
                       "   2: r0 += r1 // comment\n"
                       "      r1 -= 1\n"
                       "      if r1 > 0 goto loop\n"
                       "      if w1 s> 2 goto done\n"
                       "      call sub\n"
                       "      call bpf_ktime_get_ns\n"
                       "      r2 = subprog[sub]\n"
                       "      gotol done\n"
                       "done: exit\r\n"
                       "sub: a.b: r0 = 1\n"
                       "      exit";
    const struct bpf_insn want[] = {
        I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
        I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 10),
        I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
        I(BPF_ALU64 | BPF_SUB | BPF_K, 1, 0, 0, 1),
        I(BPF_JMP | BPF_JGT | BPF_K, 1, 0, -3, 0),
        I(BPF_JMP32 | BPF_JSGT | BPF_K, 1, 0, 5, 2),
        I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 5),
        I(BPF_JMP | BPF_CALL, 0, 0, 0, 5),
        I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 3),
        I(0, 0, 0, 0, 0),
        I(BPF_JMP32 | BPF_JA, 0, 0, 0, 0),
        I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
        I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
    assert_asm_eq(text, want, NELEM(want));
    /* and a disassembly with indexes reads back as well */
    roundtrip(want, NELEM(want), 1);
}

Test(asm, label_named_like_a_helper_wins)
{
    const char *text = "call bpf_ktime_get_ns\nexit\nbpf_ktime_get_ns: exit\n";
    const struct bpf_insn want[] = {I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1), I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
                                    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    assert_asm_eq(text, want, NELEM(want));
}

Test(asm, empty_text_is_an_empty_program)
{
    struct bpf_insn *out = NULL;
    size_t cnt = 99;
    char err[64];
    cr_assert_eq(bpfrt_asm("\n# nothing\n\n", &out, &cnt, err, sizeof(err)), 0);
    cr_assert_eq(cnt, 0);
    cr_assert_not_null(out);
    free(out);
    cr_assert_eq(bpfrt_asm("", &out, &cnt, err, sizeof(err)), 0);
    cr_assert_eq(cnt, 0);
    free(out);
}

/* ---- the disassembler's API ---- */

Test(asm, disasm_insn_api)
{
    struct bpf_insn ld[2] = {I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0, 0, 0, 0, 0)};
    char buf[160], tiny[4];

    cr_assert_eq(bpfrt_disasm_insn(ld, 2, 0, buf, sizeof(buf)), 2);
    cr_assert_str_eq(buf, "r1 = 1 ll");
    /* an LD_IMM64 without its second half is printed raw, one slot */
    cr_assert_eq(bpfrt_disasm_insn(ld, 1, 0, buf, sizeof(buf)), 1);
    cr_assert(strncmp(buf, ".insn 18 01 00 00 01 00 00 00  # invalid: ", 42) == 0, "%s", buf);
    cr_assert_eq(bpfrt_disasm_insn(ld, 2, 2, buf, sizeof(buf)), -EINVAL);
    cr_assert_eq(bpfrt_disasm_insn(NULL, 2, 0, buf, sizeof(buf)), -EINVAL);
    cr_assert_eq(bpfrt_disasm_insn(ld, 2, 0, NULL, 0), -EINVAL);
    cr_assert_eq(bpfrt_disasm_insn(ld, 2, 0, tiny, sizeof(tiny)), -ENOSPC);
}

Test(asm, disasm_program_with_indexes)
{
    const struct bpf_insn p[] = {I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0, 0, 0, 0, 0),
                                 I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
    char *text = disasm_all(p, NELEM(p), 1);
    cr_assert_str_eq(text, "   0: r1 = 1 ll\n   2: exit\n");
    free(text);
    text = disasm_all(p, NELEM(p), 0);
    cr_assert_str_eq(text, "r1 = 1 ll\nexit\n");
    free(text);
}

/* ---- errors ---- */

struct bad {
    const char *text;
    const char *msg; /* the whole message, line number included */
};

static const struct bad bads[] = {
    {"r0 = 1\nexit\nr11 = 1", "line 3: unknown register 'r11'"},
    {"r0 = r12", "line 1: unknown register 'r12'"},
    {"r0 = r01", "line 1: unknown register 'r01'"},
    {"\n\n\n\nr0 = *(u32 *)(r1 + 40000)", "line 5: offset 40000 does not fit in 16 bits"},
    {"r0 = *(u32 *)(r1 - 32769)", "line 1: offset -32769 does not fit in 16 bits"},
    {"goto +32768", "line 1: jump offset 32768 does not fit in 16 bits"},
    {"if r1 > 2 goto -40000", "line 1: jump offset -40000 does not fit in 16 bits"},
    {"gotol +2147483648", "line 1: jump offset 2147483648 does not fit in 32 bits"},
    {"r0 = 4294967296", "line 1: immediate 4294967296 does not fit in 32 bits"},
    {"r0 += -2147483649", "line 1: immediate -2147483649 does not fit in 32 bits"},
    {"r0 = 18446744073709551616 ll", "line 1: number '18446744073709551616' does not fit in 64 bits"},
    {"r0 = -9223372036854775809 ll", "line 1: immediate -9223372036854775809 does not fit in 64 bits"},
    {"r0 = 0x", "line 1: invalid number '0x'"},
    {"r0 = 12ab", "line 1: invalid number '12ab'"},
    {"r0 = 1 $", "line 1: unexpected character '$'"},
    {"r0 = \x01", "line 1: unexpected character '\\x01'"},
    {"r0 = 1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1 +1",
     "line 1: too many tokens (more than 63)"},
    {"mov r0, 1", "line 1: unknown instruction 'mov'"},
    {"r0 = 1 2", "line 1: unexpected '2' after the instruction"},
    {"r0 ~ 1", "line 1: unexpected character '~'"},
    {"r0 == 1", "line 1: expected '=' or an operation (+=, -=, *=, /=, %=, |=, &=, ^=, <<=, >>=, s>>=, s/=, s%=), got "
                "'=='"},
    {"r0 +=", "line 1: expected a number, got end of line"},
    {"r0 += w1", "line 1: register 'w1' does not match the width of 'r0'"},
    {"if w1 > r2 goto +1", "line 1: register 'r2' does not match the width of 'w1'"},
    {"if r1 = r2 goto +1", "line 1: expected a comparison (==, !=, >, >=, <, <=, s>, s>=, s<, s<=, &), got '='"},
    {"if r1 > r2 +1", "line 1: expected 'goto', got '+'"},
    {"r0 = *(u32 *)(w1 + 0)", "line 1: address register must be 64-bit (r1, not w1)"},
    {"w0 = *(u64 *)(r1 + 0)", "line 1: a 64-bit access needs a 64-bit register (r0, not w0)"},
    {"*(u64 *)(r1 + 0) = w2", "line 1: a 64-bit access needs a 64-bit register (r2, not w2)"},
    {"r0 = *(u128 *)(r1 + 0)", "line 1: expected an access type (u8, u16, u32, u64, s8, s16, s32), got 'u128'"},
    {"r0 = *(s64 *)(r1 + 0)", "line 1: there is no sign-extending 64-bit load: use u64"},
    {"*(s32 *)(r1 + 0) = r2", "line 1: only loads sign-extend: use u32"},
    {"r0 = *(u32 *)(r1 + 0", "line 1: expected ')', got end of line"},
    {"lock *(u16 *)(r1 + 0) += r2", "line 1: atomic operations are 32 or 64 bits wide"},
    {"lock *(u64 *)(r1 + 0) -= r2", "line 1: expected an atomic operation (+=, |=, &=, ^=), got '-='"},
    {"r3 = atomic_fetch_add((u64 *)(r1 + 0), r2)", "line 1: the result register r3 must be the source register r2"},
    {"r3 = xchg_64(r1 + 0, r2)", "line 1: the result register r3 must be the source register r2"},
    {"r1 = cmpxchg_64(r1 + 0, r0, r2)", "line 1: cmpxchg compares and returns in r0, not r1"},
    {"r0 = cmpxchg_64(r1 + 0, r1, r2)", "line 1: cmpxchg compares with r0, not r1"},
    {"r0 = -r1", "line 1: negation works in place: r0 = -r0"},
    {"r0 = be16 r1", "line 1: byte swap works in place: r0 = be16 r0"},
    {"w0 = be16 w0", "line 1: byte swaps are written with r registers"},
    {"w0 = (s32)w1", "line 1: (s32) sign extension is 64-bit only: use r registers"},
    {"r0 = (u8)r1", "line 1: expected s8, s16 or s32, got 'u8'"},
    {"w1 = 1 ll", "line 1: a 64-bit immediate needs a 64-bit register (r1, not w1)"},
    {"r1 = *(u64 *)skb[0]", "line 1: packet loads are u8, u16 or u32"},
    {"r1 = *(u32 *)skb[0]", "line 1: packet loads write r0, not r1"},
    {"r1 = map[foo:1]", "line 1: expected 'fd', 'id' or 'idx', got 'foo'"},
    {"r1 = map[fd:1][hi]", "line 1: expected ':', got ']'"},
    {"r1 = nothing", "line 1: expected a register, a number or an operation after '=', got 'nothing'"},
    {"a: exit\na: exit", "line 2: label 'a' is already defined on line 1"},
    {"r1: exit", "line 1: 'r1' is a register, not a label name"},
    {"exit\ngoto nowhere", "line 2: unknown label 'nowhere'"},
    {"call nowhere", "line 1: unknown label or helper 'nowhere'"},
    {"call bpf_map_lookup_elem#5", "line 1: helper 'bpf_map_lookup_elem' is not helper #5 (bpf_ktime_get_ns)"},
    {"call pc", "line 1: expected '+' or '-' after 'pc', got end of line"},
    {"call (", "line 1: expected a helper, 'pc+N', 'kernel-function#N' or a label, got '('"},
    {"goto r1", "line 1: expected a jump target, got 'r1'"},
    {".insn 00 00", "line 1: .insn takes 8 bytes, got 2"},
    {".insn 0g 00 00 00 00 00 00 00", "line 1: invalid hex byte '0g' in .insn"},
    {".insn 000", "line 1: .insn takes 8 bytes as hex pairs, got '000'"},
    {"r0 = 1\nexit\nx:\ngoto x\n", NULL}, /* fine: a label at the end */
};

Test(asm, error_messages)
{
    size_t i;
    for (i = 0; i < NELEM(bads); i++) {
        struct bpf_insn *out = (struct bpf_insn *)1;
        size_t cnt = 7;
        char err[256];
        int e = bpfrt_asm(bads[i].text, &out, &cnt, err, sizeof(err));
        if (!bads[i].msg) {
            cr_expect_eq(e, 0, "case %zu: %s", i, err);
            free(out);
            continue;
        }
        cr_expect_eq(e, -EINVAL, "case %zu (%s) assembled", i, bads[i].text);
        cr_expect_null(out);
        cr_expect_eq(cnt, 0);
        cr_expect_str_eq(err, bads[i].msg, "case %zu", i);
    }
}

Test(asm, long_jump_to_label_out_of_range)
{
    size_t n = 40000, i, len = 0;
    char *text = malloc(n * 8 + 64), err[256];
    struct bpf_insn *out;
    size_t cnt;

    cr_assert_not_null(text);
    len += (size_t)sprintf(text + len, "goto far\n");
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "r0 = 1\n");
    sprintf(text + len, "far: exit\n");
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "line 1: jump offset 40000 to 'far' does not fit in 16 bits (use gotol)");
    text[0] = 'g'; /* the same program with gotol assembles */
    memcpy(text, "gotol far", 9);
    len = 9;
    text[len++] = '\n';
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "r0 = 1\n");
    sprintf(text + len, "far: exit\n");
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(out[0].imm, 40000);
    free(out);
    free(text);
}

Test(asm, null_arguments_and_small_error_buffers)
{
    struct bpf_insn *out;
    size_t cnt;
    char err[8];
    cr_assert_eq(bpfrt_asm(NULL, &out, &cnt, err, sizeof(err)), -EINVAL);
    cr_assert_eq(bpfrt_asm("r0 = 1", NULL, &cnt, NULL, 0), -EINVAL);
    cr_assert_eq(bpfrt_asm("r99 = 1", &out, &cnt, NULL, 0), -EINVAL);
    cr_assert_eq(bpfrt_asm("r99 = 1", &out, &cnt, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "line 1:");
}

/* ---- robustness: arbitrary input gives 0 or -EINVAL ---- */

Test(asm, arbitrary_input_never_crashes, .timeout = 300)
{
    static const char *const pieces[] = {
        "r0",
        "w1",
        "r10",
        "r11",
        "=",
        "+=",
        "s>>=",
        "*",
        "(",
        ")",
        "[",
        "]",
        "u32",
        "s8",
        "+",
        "-",
        "0x",
        "0x7fffffff",
        "-2147483648",
        "99999999999999999999",
        "goto",
        "if",
        "call",
        "#",
        "#5",
        "ll",
        "map",
        "fd",
        ":",
        ",",
        "lock",
        "exit",
        "skb",
        "\n",
        " ",
        "\t",
        "//",
        ";",
        ".insn",
        "ff",
        "00",
        "<",
        ">",
        "label",
        "pc",
        "load_acquire",
        "xchg_64",
        "cmpxchg_64",
        "atomic_fetch_add",
        "btf_id",
        "subprog",
        "hi",
        "\x80",
        "\xff",
        "be16",
        "bswap64",
    };
    uint64_t x = 88172645463325252ull;
    char text[512];
    int r;

    for (r = 0; r < 60000; r++) {
        size_t len = 0, k, pieces_n;
        struct bpf_insn *out = NULL;
        size_t cnt;
        char err[128];
        int e;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        pieces_n = 1 + x % 24;
        for (k = 0; k < pieces_n; k++) {
            const char *p;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if ((x >> 20) % 8 == 0) { /* a raw byte */
                text[len++] = (char)(1 + (x >> 32) % 255);
                continue;
            }
            p = pieces[(x >> 32) % NELEM(pieces)];
            if (len + strlen(p) + 2 >= sizeof(text))
                break;
            memcpy(text + len, p, strlen(p));
            len += strlen(p);
            if (x & 1)
                text[len++] = ' ';
        }
        text[len] = '\0';
        e = bpfrt_asm(text, &out, &cnt, err, sizeof(err));
        cr_assert(e == 0 || e == -EINVAL, "input \"%s\" gave %d", text, e);
        if (e == 0) {
            char *back = disasm_all(out, cnt, 0);
            assert_asm_eq(back, out, cnt);
            free(back);
            free(out);
        } else {
            cr_assert(strncmp(err, "line ", 5) == 0, "message \"%s\"", err);
        }
    }
}

/* ---- agreement with llvm-mc-19 and llvm-objdump-19 ---- */

#define LLVM_MC "/usr/bin/llvm-mc-19"
#define LLVM_OBJDUMP "/usr/bin/llvm-objdump-19"
#define LLVM_OBJCOPY "/usr/bin/llvm-objcopy-19"

/* A line of the corpus: our text, and llvm's when it differs (printed by
 * llvm-objdump-19 --mcpu=v4 --no-print-imm-hex and accepted by llvm-mc). */
struct llvm_case {
    char ours[96];
    char llvm[96];
};

struct corpus {
    struct llvm_case *c;
    size_t n, cap;
};

static void add_case(struct corpus *k, const char *ours, const char *llvm)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 256;
        k->c = realloc(k->c, k->cap * sizeof(*k->c));
        cr_assert_not_null(k->c);
    }
    snprintf(k->c[k->n].ours, sizeof(k->c[k->n].ours), "%s", ours);
    snprintf(k->c[k->n].llvm, sizeof(k->c[k->n].llvm), "%s", llvm ? llvm : ours);
    k->n++;
}

/* Every form llvm 19 has, generated from the operation lists. */
static void build_corpus(struct corpus *k)
{
    static const char *const alu[] = {
        "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "%=", "^=", "s>>=", "s/=", "s%="};
    static const char *const conds[] = {"==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&"};
    static const char *const imms[] = {"5", "-7", "-2147483648", "2147483647", "0"};
    static const char *const sizes[] = {"8", "16", "32", "64"};
    static const char *const fetch[] = {"add", "or", "and", "xor"};
    static const char *const lockops[] = {"+=", "|=", "&=", "^="};
    char a[96], b[96];
    size_t i, j, w;

    for (w = 0; w < 2; w++) {
        char r = w ? 'w' : 'r';
        for (i = 0; i < NELEM(alu); i++) {
            snprintf(a, sizeof(a), "%c1 %s %c2", r, alu[i], r);
            add_case(k, a, NULL);
            for (j = 0; j < NELEM(imms); j++) {
                snprintf(a, sizeof(a), "%c3 %s %s", r, alu[i], imms[j]);
                add_case(k, a, NULL);
            }
        }
        for (j = 0; j < NELEM(imms); j++) {
            snprintf(a, sizeof(a), "%c4 = %s", r, imms[j]);
            add_case(k, a, NULL);
        }
        snprintf(a, sizeof(a), "%c4 = %c5", r, r);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "%c6 = -%c6", r, r);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "%c7 = (s8)%c8", r, r);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "%c7 = (s16)%c8", r, r);
        add_case(k, a, NULL);
        for (i = 0; i < NELEM(conds); i++) {
            snprintf(a, sizeof(a), "if %c1 %s %c2 goto +3", r, conds[i], r);
            add_case(k, a, NULL);
            snprintf(a, sizeof(a), "if %c1 %s -5 goto -2", r, conds[i]);
            add_case(k, a, NULL);
            snprintf(a, sizeof(a), "if %c9 %s 2147483647 goto +32767", r, conds[i]);
            add_case(k, a, NULL);
        }
    }
    add_case(k, "r7 = (s32)r8", NULL);
    for (i = 0; i < 3; i++) {
        static const char *const bits[] = {"16", "32", "64"};
        snprintf(a, sizeof(a), "r1 = le%s r1", bits[i]);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "r2 = be%s r2", bits[i]);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "r3 = bswap%s r3", bits[i]);
        add_case(k, a, NULL);
    }
    for (i = 0; i < NELEM(sizes); i++) {
        int is64 = i == 3;
        snprintf(a, sizeof(a), "r1 = *(u%s *)(r2 + 4)", sizes[i]);
        snprintf(b, sizeof(b), "%c1 = *(u%s *)(r2 + 4)", is64 ? 'r' : 'w', sizes[i]);
        add_case(k, a, b);
        snprintf(a, sizeof(a), "*(u%s *)(r10 - 32768) = r3", sizes[i]);
        snprintf(b, sizeof(b), "*(u%s *)(r10 - 32768) = %c3", sizes[i], is64 ? 'r' : 'w');
        add_case(k, a, b);
        snprintf(a, sizeof(a), "*(u%s *)(r1 + 32767) = -5", sizes[i]);
        add_case(k, a, NULL);
        if (!is64) {
            snprintf(a, sizeof(a), "r1 = *(s%s *)(r2 - 4)", sizes[i]);
            add_case(k, a, NULL);
            snprintf(a, sizeof(a), "r0 = *(u%s *)skb[12]", sizes[i]);
            add_case(k, a, NULL);
            snprintf(a, sizeof(a), "r0 = *(u%s *)skb[r3]", sizes[i]);
            add_case(k, a, NULL);
        } else {
            continue;
        }
    }
    for (w = 0; w < 2; w++) {
        const char *sz = w ? "32" : "64";
        char r = w ? 'w' : 'r';
        for (i = 0; i < 4; i++) {
            snprintf(a, sizeof(a), "lock *(u%s *)(r1 - 8) %s %c2", sz, lockops[i], r);
            add_case(k, a, NULL);
            snprintf(a, sizeof(a), "%c2 = atomic_fetch_%s((u%s *)(r1 + 8), %c2)", r, fetch[i], sz, r);
            add_case(k, a, NULL);
        }
        snprintf(a, sizeof(a), "%c2 = %s(r1 + 16, %c2)", r, w ? "xchg32_32" : "xchg_64", r);
        add_case(k, a, NULL);
        snprintf(a, sizeof(a), "%c0 = %s(r1 + 16, %c0, %c2)", r, w ? "cmpxchg32_32" : "cmpxchg_64", r, r);
        add_case(k, a, NULL);
    }
    add_case(k, "goto +3", NULL);
    add_case(k, "goto -32768", NULL);
    add_case(k, "gotol +32767", NULL); /* llvm-mc 19 takes only 16-bit literals here */
    add_case(k, "gotol -1", NULL);
    add_case(k, "exit", NULL);
    add_case(k, "r0 = *(u32 *)skb[-1]", NULL);
    add_case(k, "r1 = 4886718345 ll", NULL);
    add_case(k, "r1 = -1 ll", NULL);
    add_case(k, "r9 = -9223372036854775808 ll", NULL);
    /* bpftool's call form: llvm prints the bare id */
    add_case(k, "call bpf_ktime_get_ns#5", "call 5");
    add_case(k, "call bpf_map_lookup_elem#1", "call 1");
    add_case(k, "call 100000", NULL);
}

static char *slurp_file(const char *path, size_t *lenp)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    if (lenp)
        *lenp = (size_t)n;
    return buf;
}

/* Collapse whitespace runs to one space, trim, drop an objdump "<...>". */
static void normalize(const char *in, char *out, size_t sz)
{
    size_t o = 0;
    int space = 0;
    const char *lt = strstr(in, " <");

    for (; *in && (!lt || in < lt) && o + 1 < sz; in++) {
        if (*in == ' ' || *in == '\t') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < sz)
            out[o++] = ' ';
        space = 0;
        out[o++] = *in;
    }
    out[o] = '\0';
}

Test(asm, agrees_with_llvm, .timeout = 120)
{
    char dir[] = "/tmp/bpfrt-asm-llvmXXXXXX", cmd[1024], path[256];
    struct corpus k = {0};
    struct bpf_insn *ours = NULL, *theirs_by_us = NULL;
    size_t n_ours, n_theirs, bin_len, i, slot;
    char err[256], *bin, *dump, *line, *save = NULL;
    FILE *f;

    if (access(LLVM_MC, X_OK) || access(LLVM_OBJDUMP, X_OK) || access(LLVM_OBJCOPY, X_OK))
        cr_skip_test("llvm-mc-19, llvm-objdump-19 or llvm-objcopy-19 not installed: skipping the llvm comparison");
    cr_assert_not_null(mkdtemp(dir));
    build_corpus(&k);

    /* llvm's spelling of every line, assembled by llvm-mc */
    snprintf(path, sizeof(path), "%s/l.s", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    for (i = 0; i < k.n; i++)
        fprintf(f, "%s\n", k.c[i].llvm);
    fclose(f);
    snprintf(cmd, sizeof(cmd),
             LLVM_MC " -triple bpfel -mcpu=v4 -filetype=obj %s/l.s -o %s/l.o 2>%s/mc.err && " LLVM_OBJCOPY
                     " -O binary --only-section=.text %s/l.o %s/l.bin && " LLVM_OBJDUMP
                     " -d --mcpu=v4 --no-print-imm-hex --no-show-raw-insn %s/l.o >%s/l.txt",
             dir, dir, dir, dir, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "llvm failed: %s", slurp_file(strcat(strcpy(path, dir), "/mc.err"), NULL));
    snprintf(path, sizeof(path), "%s/l.bin", dir);
    bin = slurp_file(path, &bin_len);

    /* 1. our assembler on our text and on llvm's text gives llvm's bytes */
    {
        size_t len = 0, lcap = k.n * 100 + 1;
        char *ot = malloc(lcap), *lt = malloc(lcap), *p = lt;
        cr_assert(ot && lt);
        for (i = 0; i < k.n; i++)
            len += (size_t)sprintf(ot + len, "%s\n", k.c[i].ours);
        for (i = 0; i < k.n; i++)
            p += sprintf(p, "%s\n", k.c[i].llvm);
        cr_assert_eq(bpfrt_asm(ot, &ours, &n_ours, err, sizeof(err)), 0, "ours: %s", err);
        cr_assert_eq(bpfrt_asm(lt, &theirs_by_us, &n_theirs, err, sizeof(err)), 0, "llvm text: %s", err);
        free(ot);
        free(lt);
    }
    cr_assert_eq(n_ours * 8, bin_len, "%zu slots from us, %zu bytes from llvm-mc", n_ours, bin_len);
    cr_assert_eq(n_theirs, n_ours);
    for (i = 0, slot = 0; i < k.n; i++) {
        size_t w = ours[slot].code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
        cr_expect(memcmp(&ours[slot], bin + slot * 8, w * 8) == 0, "\"%s\": our bytes differ from llvm-mc's",
                  k.c[i].ours);
        cr_expect(memcmp(&theirs_by_us[slot], bin + slot * 8, w * 8) == 0,
                  "\"%s\": our bytes for llvm's spelling differ from llvm-mc's", k.c[i].llvm);
        slot += w;
    }

    /* 2. our disassembly of llvm's bytes is our text; llvm-objdump's is llvm's */
    snprintf(path, sizeof(path), "%s/l.txt", dir);
    dump = slurp_file(path, NULL);
    i = 0;
    slot = 0;
    for (line = strtok_r(dump, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab, *q = line, got[160], want[160], mine[320];
        int w;
        while (*q == ' ')
            q++;
        if (*q < '0' || *q > '9')
            continue; /* headers */
        while (*q >= '0' && *q <= '9')
            q++;
        if (q[0] != ':' || q[1] != '\t')
            continue;
        tab = q + 1;
        cr_assert_lt(i, k.n, "llvm-objdump printed more lines than the corpus has");
        normalize(tab + 1, got, sizeof(got));
        normalize(k.c[i].llvm, want, sizeof(want));
        cr_expect_str_eq(got, want, "llvm-objdump prints \"%s\" for \"%s\"", got, k.c[i].llvm);
        w = bpfrt_disasm_insn((const struct bpf_insn *)bin, bin_len / 8, slot, mine, sizeof(mine));
        cr_assert_gt(w, 0);
        normalize(mine, got, sizeof(got));
        normalize(k.c[i].ours, want, sizeof(want));
        cr_expect_str_eq(got, want, "we print \"%s\" for llvm's \"%s\"", got, k.c[i].llvm);
        slot += (size_t)w;
        i++;
    }
    cr_expect_eq(i, k.n, "llvm-objdump printed %zu of %zu lines", i, k.n);
    cr_log_info("llvm comparison: %zu instructions (helper calls compared by bytes, text differs by design)", k.n);

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    free(dump);
    free(bin);
    free(ours);
    free(theirs_by_us);
    free(k.c);
}

Test(asm, program_size_limit, .timeout = 120)
{
    size_t n = BPFRT_MAX_INSNS + 1, i;
    char *text = malloc(n * 5 + 1), err[128];
    struct bpf_insn *out = NULL;
    size_t cnt;

    cr_assert_not_null(text);
    for (i = 0; i < n; i++)
        memcpy(text + i * 5, "exit\n", 5);
    text[n * 5] = '\0';
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "line 1000001: program has more than 1000000 instructions");
    text[(n - 1) * 5] = '\0'; /* exactly the limit */
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cnt, BPFRT_MAX_INSNS);
    free(out);
    free(text);
}

/* 200k labels, each referenced by a forward jump, a backward gotol and a
 * bpf-to-bpf call, plus labels that differ only in their last character and
 * a duplicate at the end: every reference resolves to its own label.  Label
 * lookup was a linear scan (quadratic: 100k labels took 30 s, 200k under
 * ASan 7 minutes); with the hash index this runs in well under a second.
 * The timeout only bounds a regression; no timing is asserted. */
Test(asm, many_labels_resolve, .timeout = 120)
{
    size_t n = 200000, i, len = 0, cap = n * 96 + 256, cnt = 0;
    char *text = malloc(cap), err[256];
    struct bpf_insn *out = NULL;

    cr_assert_not_null(text);
    for (i = 0; i < n; i++) {
        size_t fwd = i + 1000 < n ? i + 1000 : n - 1;
        size_t back = (i * 7919) % n;
        /* label i is at slot 3i: "if", "gotol", "call" */
        len += (size_t)snprintf(text + len, cap - len, "L%zu:\n if r1 > %zu goto L%zu\n gotol L%zu\n call L%zu\n", i,
                                i % 100, fwd, back, (i * 31) % n);
    }
    len += (size_t)snprintf(text + len, cap - len, "L%zu:\n exit\n", n);
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cnt, 3 * n + 1);
    for (i = 0; i < n; i++) {
        size_t fwd = i + 1000 < n ? i + 1000 : n - 1;
        int64_t pc = (int64_t)(3 * i);
        if (out[3 * i].off != (int64_t)(3 * fwd) - (pc + 1) || out[3 * i + 1].imm != (int64_t)(3 * ((i * 7919) % n)) - (pc + 2) ||
            out[3 * i + 2].imm != (int64_t)(3 * ((i * 31) % n)) - (pc + 3) || out[3 * i + 2].src_reg != BPF_PSEUDO_CALL)
            cr_assert_fail("label L%zu: wrong offsets %d %d %d", i, out[3 * i].off, out[3 * i + 1].imm,
                           out[3 * i + 2].imm);
    }
    free(out);
    /* a duplicate among them still names the first definition's line */
    snprintf(text + len, cap - len, "L123456:\n exit\n");
    cr_assert_eq(bpfrt_asm(text, &out, &cnt, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "line 800003: label 'L123456' is already defined on line 493825");
    free(text);
}
