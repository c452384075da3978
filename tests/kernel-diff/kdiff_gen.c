/* kdiff_gen.c - random valid programs for the kernel differential test.
 *
 * The generator emits straight-line code with forward jumps only, so every
 * instruction is reachable by falling through (unconditional jumps come
 * behind a conditional jump that skips them) and the verifier explores a
 * bounded number of paths.  Memory accesses go to the initialised stack
 * scratch area with natural alignment; shifts by immediate stay below the
 * width; no division by an immediate 0.
 */
#include <string.h>

#include "kdiff.h"

#define INS(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

uint64_t kd_rand(struct kd_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void kd_rng_init(struct kd_rng *r, uint64_t seed, uint64_t index)
{
    r->s = seed * 0x2545f4914f6cdd1dull ^ (index + 1) * 0x9e3779b97f4a7c15ull;
    kd_rand(r);
}

static unsigned rnd(struct kd_rng *r, unsigned n)
{
    return n ? (unsigned)(kd_rand(r) % n) : 0;
}

static int chance(struct kd_rng *r, unsigned pct)
{
    return rnd(r, 100) < pct;
}

static const int32_t imm_pool[] = {
    0,      1,      -1,      2,         -2,         INT32_MIN, INT32_MAX, 0x7f,        0x80,        0xff,
    0x100,  0x7fff, 0x8000,  0xffff,    0x10000,    31,        32,        63,          64,          3,
    7,      -128,   -32768,  0x55555555, (int32_t)0xaaaaaaaau, (int32_t)0x80000001u, 0x7ffffffe, -0x7f, 0x12345678,
};

static int32_t gen_imm(struct kd_rng *r)
{
    switch (rnd(r, 4)) {
    case 0:
    case 1: return imm_pool[rnd(r, sizeof(imm_pool) / sizeof(imm_pool[0]))];
    case 2: return (int32_t)rnd(r, 41) - 20;
    default: return (int32_t)(uint32_t)kd_rand(r);
    }
}

static uint64_t gen_val64(struct kd_rng *r)
{
    static const uint64_t pool[] = {
        0, 1, ~0ull, 0x80000000ull, 0x7fffffffull, 0xffffffffull, 0x100000000ull, 0x8000000000000000ull,
        0x7fffffffffffffffull, 0xffffffff80000000ull, 0xffffffff00000000ull, 0x00000000ffff8000ull, 0x80ull,
        0xff80ull, 0x8000ull, 0x0123456789abcdefull, 0xfedcba9876543210ull, 0xffffffff7fffffffull,
    };
    switch (rnd(r, 6)) {
    case 0:
    case 1: return pool[rnd(r, sizeof(pool) / sizeof(pool[0]))];
    case 2: return (uint64_t)(int64_t)((int)rnd(r, 65) - 32);
    case 3: return (uint64_t)(int64_t)(int32_t)(uint32_t)kd_rand(r);
    case 4: return (uint32_t)kd_rand(r);
    default: return kd_rand(r);
    }
}

/* ---- body generator ---------------------------------------------------- */

enum gen_mode { M_MAIN, M_SUB, M_SKF };

struct pending {
    unsigned pos, dist;
};

struct gen {
    struct kd_rng *r;
    enum gen_mode mode;
    struct bpf_insn *out;
    unsigned len, cap;
    uint8_t noland[KD_BODY_MAX + 1]; /* not a valid jump target */
    struct pending pend[64];
    unsigned npend;
    const uint8_t *regs;
    unsigned nregs;
    unsigned njumps, maxjumps, ncalls, nsubs;
};

static unsigned emit(struct gen *g, struct bpf_insn in)
{
    g->noland[g->len] = 0;
    g->out[g->len] = in;
    return g->len++;
}

static uint8_t reg(struct gen *g)
{
    return g->regs[rnd(g->r, g->nregs)];
}

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
                                  BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};

static void gen_alu(struct gen *g)
{
    struct kd_rng *r = g->r;
    int is64 = chance(r, 55);
    uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
    uint8_t op = alu_ops[rnd(r, sizeof(alu_ops))];
    uint8_t dst = reg(g);
    int16_t off = 0;
    int32_t imm;

    if (op == BPF_NEG) {
        emit(g, INS(cls | BPF_NEG | BPF_K, dst, 0, 0, 0));
        return;
    }
    if ((op == BPF_DIV || op == BPF_MOD) && chance(r, 50))
        off = 1; /* sdiv / smod */
    if (chance(r, 50)) { /* register source */
        uint8_t src = reg(g);
        if (op == BPF_MOV && chance(r, 40)) {
            static const int16_t sx64[] = {8, 16, 32}, sx32[] = {8, 16};
            off = is64 ? sx64[rnd(r, 3)] : sx32[rnd(r, 2)];
        }
        emit(g, INS(cls | op | BPF_X, dst, src, off, 0));
        return;
    }
    imm = gen_imm(r);
    if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
        imm = (int32_t)rnd(r, is64 ? 64 : 32);
    if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
        imm = chance(r, 50) ? -1 : 3;
    emit(g, INS(cls | op | BPF_K, dst, 0, off, imm));
}

static void gen_end(struct gen *g)
{
    static const int32_t widths[] = {16, 32, 64};
    struct kd_rng *r = g->r;
    int32_t w = widths[rnd(r, 3)];
    uint8_t dst = reg(g);

    switch (rnd(r, 3)) {
    case 0: emit(g, INS(BPF_ALU | BPF_END | BPF_TO_LE, dst, 0, 0, w)); break;
    case 1: emit(g, INS(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, w)); break;
    default: emit(g, INS(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, w)); break; /* bswap */
    }
}

static void gen_ldimm64(struct gen *g)
{
    uint64_t v = gen_val64(g->r);
    emit(g, INS(BPF_LD | BPF_IMM | BPF_DW, reg(g), 0, 0, (int32_t)(uint32_t)v));
    g->noland[emit(g, INS(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)))] = 1;
}

static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};

/* Loads: anywhere in the scratch area.  Plain stores: below the atomic
 * area.  Atomics: only in the atomic area. */
static int16_t scratch_off(struct gen *g, unsigned bytes)
{
    return (int16_t)(KD_SCRATCH_OFF + (int)(bytes * rnd(g->r, KD_SCRATCH / bytes)));
}

static int16_t store_off(struct gen *g, unsigned bytes)
{
    return (int16_t)(KD_SCRATCH_OFF + (int)(bytes * rnd(g->r, (unsigned)(KD_ATOMIC_OFF - KD_SCRATCH_OFF) / bytes)));
}

static int16_t atomic_off(struct gen *g, unsigned bytes)
{
    return (int16_t)(KD_ATOMIC_OFF + (int)(bytes * rnd(g->r, KD_ATOMIC / bytes)));
}

static void gen_mem(struct gen *g)
{
    struct kd_rng *r = g->r;
    unsigned k = rnd(r, 100);

    if (k < 30) { /* load, sign-extending sometimes */
        uint8_t sz = sizes[rnd(r, 4)];
        uint8_t mode = (sz != BPF_DW && chance(r, 45)) ? BPF_MEMSX : BPF_MEM;
        unsigned bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
        emit(g, INS(BPF_LDX | mode | sz, reg(g), BPF_REG_10, scratch_off(g, bytes), 0));
    } else if (k < 55) { /* store register */
        uint8_t sz = sizes[rnd(r, 4)];
        unsigned bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
        emit(g, INS(BPF_STX | BPF_MEM | sz, BPF_REG_10, reg(g), store_off(g, bytes), 0));
    } else if (k < 68) { /* store immediate */
        uint8_t sz = sizes[rnd(r, 4)];
        unsigned bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
        emit(g, INS(BPF_ST | BPF_MEM | sz, BPF_REG_10, 0, store_off(g, bytes), gen_imm(r)));
    } else { /* atomic */
        static const int32_t ops[] = {BPF_ADD, BPF_OR, BPF_AND, BPF_XOR};
        int dw = chance(r, 50);
        int32_t imm;
        unsigned j = rnd(r, 10);
        if (j < 8)
            imm = ops[j / 2] | (j % 2 ? BPF_FETCH : 0);
        else if (j == 8)
            imm = BPF_XCHG;
        else
            imm = BPF_CMPXCHG;
        emit(g, INS(BPF_STX | BPF_ATOMIC | (dw ? BPF_DW : BPF_W), BPF_REG_10, reg(g), atomic_off(g, dw ? 8 : 4), imm));
        /* Kernel 6.18 bug worked around: the x86 JIT's 32-bit cmpxchg
         * leaves the upper half of rax alone when the comparison succeeds
         * and relies on the verifier to insert "w0 = w0" after it; the
         * verifier inserts it only if it saw a 64-bit read of r0 on a path
         * it walked, and loses that read when the reading path is pruned
         * (then r0 keeps its old upper 32 bits).  A 64-bit read of r0 right
         * after the cmpxchg, where no jump can land, makes the kernel
         * correct and still exposes the full r0 to the comparison. */
        if (imm == BPF_CMPXCHG && !dw)
            g->noland[emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_X, reg(g), BPF_REG_0, 0, 0))] = 1;
    }
}

/* Subprograms: loads and stores on their own frame, [r10-32, r10), which
 * the subprogram initialises on entry. */
static void gen_sub_mem(struct gen *g)
{
    struct kd_rng *r = g->r;
    uint8_t sz = sizes[rnd(r, 4)];
    unsigned bytes = sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
    int16_t off = (int16_t)(-32 + (int)(bytes * rnd(r, 32 / bytes)));

    switch (rnd(r, 3)) {
    case 0: {
        uint8_t mode = (sz != BPF_DW && chance(r, 45)) ? BPF_MEMSX : BPF_MEM;
        emit(g, INS(BPF_LDX | mode | sz, reg(g), BPF_REG_10, off, 0));
        break;
    }
    case 1: emit(g, INS(BPF_STX | BPF_MEM | sz, BPF_REG_10, reg(g), off, 0)); break;
    default: emit(g, INS(BPF_ST | BPF_MEM | sz, BPF_REG_10, 0, off, gen_imm(r))); break;
    }
}

static const uint8_t jops[] = {BPF_JEQ, BPF_JGT, BPF_JGE,  BPF_JSET, BPF_JNE,  BPF_JSGT,
                               BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};

static struct bpf_insn jcond(struct gen *g, int16_t off)
{
    struct kd_rng *r = g->r;
    uint8_t cls = chance(r, 50) ? BPF_JMP : BPF_JMP32;
    uint8_t op = jops[rnd(r, sizeof(jops))];
    if (chance(r, 50))
        return INS(cls | op | BPF_X, reg(g), reg(g), off, 0);
    return INS(cls | op | BPF_K, reg(g), 0, off, gen_imm(r));
}

static void pend_jump(struct gen *g, unsigned pos)
{
    if (g->npend < sizeof(g->pend) / sizeof(g->pend[0]))
        g->pend[g->npend++] = (struct pending){pos, rnd(g->r, 14)};
    /* (never full: njumps bounds it) */
}

static void gen_jump(struct gen *g)
{
    g->njumps++;
    if (chance(g->r, 80)) {
        pend_jump(g, emit(g, jcond(g, 0)));
        return;
    }
    /* if cond goto +1; ja/gotol +N: the jump is skipped on one path so
     * that what it jumps over stays reachable. */
    emit(g, jcond(g, 1));
    if (chance(g->r, 50))
        pend_jump(g, emit(g, INS(BPF_JMP | BPF_JA, 0, 0, 0, 0)));
    else
        pend_jump(g, emit(g, INS(BPF_JMP32 | BPF_JA, 0, 0, 0, 0))); /* gotol */
}

static void gen_call(struct gen *g)
{
    static const uint8_t from[] = {0, 6, 7, 8, 9};
    unsigned i;

    g->ncalls++;
    emit(g, INS(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, (int32_t)rnd(g->r, g->nsubs)));
    /* r1..r5 are clobbered by the call: give them defined values again. */
    for (i = 1; i <= 5; i++) {
        unsigned p;
        if (chance(g->r, 30))
            p = emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_K, (uint8_t)i, 0, 0, gen_imm(g->r)));
        else
            p = emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_X, (uint8_t)i, from[rnd(g->r, 5)], 0, 0));
        g->noland[p] = 1;
    }
}

static void gen_ldabs(struct gen *g, unsigned datalen)
{
    static const uint8_t lsz[] = {BPF_B, BPF_H, BPF_W};
    struct kd_rng *r = g->r;
    uint8_t sz = lsz[rnd(r, 3)];
    int32_t off = chance(r, 2) ? (int32_t)(datalen + rnd(r, 8) - 3) : (int32_t)rnd(r, datalen);

    if (chance(r, 50)) {
        emit(g, INS(BPF_LD | BPF_ABS | sz, 0, 0, 0, off));
        return;
    }
    /* r1 = rX & 63; r0 = load [r1 + imm] */
    emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_X, 1, reg(g), 0, 0));
    g->noland[emit(g, INS(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 31))] = 1;
    off = chance(r, 2) ? (int32_t)(datalen + rnd(r, 8) - 35) : (int32_t)rnd(r, datalen > 31 ? datalen - 31 : 1);
    g->noland[emit(g, INS(BPF_LD | BPF_IND | sz, 0, 1, 0, off))] = 1;
}

/* Resolve the pending forward jumps: targets in [pos + 1, end], never on
 * an instruction marked noland (second half of LD_IMM64, inside a
 * sequence). */
static void fix_jumps(struct gen *g, unsigned end)
{
    unsigned k;

    g->noland[end] = 0;
    for (k = 0; k < g->npend; k++) {
        unsigned p = g->pend[k].pos, t = p + 1 + g->pend[k].dist;
        struct bpf_insn *in = &g->out[p];
        if (t > end)
            t = end;
        while (t > p + 1 && g->noland[t])
            t--;
        if (in->code == (BPF_JMP32 | BPF_JA))
            in->imm = (int32_t)(t - p - 1);
        else
            in->off = (int16_t)(t - p - 1);
    }
    g->npend = 0;
}

static void gen_block(struct gen *g, unsigned target, unsigned datalen)
{
    while (g->len < target && g->len + 8 < g->cap) {
        unsigned k = rnd(g->r, 100);
        if (g->mode == M_SKF) {
            if (k < 45)
                gen_alu(g);
            else if (k < 55)
                gen_end(g);
            else if (k < 60)
                gen_ldimm64(g);
            else if (k < 70 && g->njumps < g->maxjumps)
                gen_jump(g);
            else
                gen_ldabs(g, datalen);
            continue;
        }
        if (k < 40)
            gen_alu(g);
        else if (k < 48)
            gen_end(g);
        else if (k < 53)
            gen_ldimm64(g);
        else if (k < 65 && g->njumps < g->maxjumps)
            gen_jump(g);
        else if (k < 68 && g->mode == M_MAIN && g->nsubs && g->ncalls < 3)
            gen_call(g);
        else if (g->mode == M_MAIN)
            gen_mem(g);
        else
            gen_sub_mem(g);
    }
}

/* ---- assembly ----------------------------------------------------------- */

static void put(struct bpf_insn *p, unsigned *n, struct bpf_insn in)
{
    if (*n < KD_PROG_MAX)
        p[*n] = in;
    (*n)++;
}

/* r1 = data: spill it, copy the scratch area in, load r0..r9. */
static void xdp_common_prologue(struct bpf_insn *p, unsigned *n)
{
    unsigned j, i;

    put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -8, 0));
    for (j = 0; j < KD_SCRATCH / 8; j++) {
        put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_1, (int16_t)(KD_NREGS * 8 + 8 * j), 0));
        put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_0, (int16_t)(KD_SCRATCH_OFF + 8 * (int)j), 0));
    }
    /* Make the atomic area plain data for the verifier ("or" with 0):
     * see KD_ATOMIC_OFF. */
    put(p, n, INS(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
    for (j = 0; j < KD_ATOMIC / 8; j++)
        put(p, n, INS(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_10, BPF_REG_0, (int16_t)(KD_ATOMIC_OFF + 8 * (int)j),
                      BPF_OR));
    for (i = 0; i < KD_NREGS; i++)
        if (i != 1)
            put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, (uint8_t)i, BPF_REG_1, (int16_t)(8 * i), 0));
    put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_1, 8, 0));
}

/* Store r0..r9 and the scratch area into the packet; r0 is kept. */
static void xdp_common_epilogue(struct bpf_insn *p, unsigned *n)
{
    unsigned i, j;

    put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_1, -16, 0));
    put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_10, -8, 0));
    for (i = 0; i < KD_NREGS; i++)
        if (i != 1)
            put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_1, (uint8_t)i, (int16_t)(8 * i), 0));
    put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_10, -16, 0));
    put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_2, 8, 0));
    for (j = 0; j < KD_SCRATCH / 8; j++) {
        put(p, n, INS(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_10, (int16_t)(KD_SCRATCH_OFF + 8 * (int)j), 0));
        put(p, n, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_2, (int16_t)(KD_NREGS * 8 + 8 * j), 0));
    }
}

/* Socket filter: r6 = ctx (the kernel wants it there for LD_ABS); r7..r9
 * and r0 from the packet through LD_ABS itself. */
static void skf_prologue(struct bpf_insn *p, unsigned *n)
{
    unsigned i;

    put(p, n, INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0));
    for (i = 0; i < 3; i++) {
        uint8_t d = (uint8_t)(7 + i);
        put(p, n, INS(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, (int32_t)(8 * i)));
        put(p, n, INS(BPF_ALU64 | BPF_MOV | BPF_X, d, BPF_REG_0, 0, 0));
        put(p, n, INS(BPF_ALU64 | BPF_LSH | BPF_K, d, 0, 0, 32));
        put(p, n, INS(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, (int32_t)(8 * i + 4)));
        put(p, n, INS(BPF_ALU64 | BPF_OR | BPF_X, d, BPF_REG_0, 0, 0));
    }
    put(p, n, INS(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 24));
}

/* r0 ^= r7 ^ r8 ^ r9, folded to 32 bits. */
static void skf_epilogue(struct bpf_insn *p, unsigned *n)
{
    put(p, n, INS(BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, BPF_REG_7, 0, 0));
    put(p, n, INS(BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_0, BPF_REG_8, 0, 0));
    put(p, n, INS(BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, BPF_REG_9, 0, 0));
    put(p, n, INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0));
    put(p, n, INS(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_1, 0, 0, 32));
    put(p, n, INS(BPF_ALU64 | BPF_XOR | BPF_X, BPF_REG_0, BPF_REG_1, 0, 0));
    put(p, n, INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* Body, epilogue, subprograms; calls in the body get their offsets. */
static void finish(const struct kd_case *c, struct bpf_insn *p, unsigned *n, unsigned body_at, int kernel)
{
    unsigned i, subs_at;

    for (i = 0; i < c->body_len; i++)
        put(p, n, c->body[i]);
    if (c->kind == KD_SKF) {
        skf_epilogue(p, n);
        return;
    }
    xdp_common_epilogue(p, n);
    if (kernel)
        put(p, n, INS(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS));
    put(p, n, INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    subs_at = *n;
    for (i = 0; i < c->subs_len; i++)
        put(p, n, c->subs[i]);
    for (i = 0; i < c->body_len && body_at + i < KD_PROG_MAX; i++) {
        struct bpf_insn *in = &p[body_at + i];
        if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL)
            in->imm = (int32_t)(subs_at + c->sub_start[c->body[i].imm] - (body_at + i) - 1);
    }
}

void kd_assemble(struct kd_case *c)
{
    unsigned n = 0;

    if (c->kind == KD_SKF) {
        skf_prologue(c->kern, &n);
        c->kern_body_at = n;
        finish(c, c->kern, &n, c->kern_body_at, 1);
        c->kern_len = n;
        memcpy(c->rt, c->kern, sizeof(c->rt));
        c->rt_len = c->kern_len;
        c->rt_body_at = c->kern_body_at;
        return;
    }
    /* Kernel: r1 = xdp_md; check the packet holds KD_XDP_PKT bytes. */
    put(c->kern, &n, INS(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
    put(c->kern, &n, INS(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0));
    put(c->kern, &n, INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0));
    put(c->kern, &n, INS(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, KD_XDP_PKT));
    put(c->kern, &n, INS(BPF_JMP | BPF_JLE | BPF_X, BPF_REG_4, BPF_REG_3, 2, 0));
    put(c->kern, &n, INS(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_ABORTED));
    put(c->kern, &n, INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    put(c->kern, &n, INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0));
    xdp_common_prologue(c->kern, &n);
    c->kern_body_at = n;
    finish(c, c->kern, &n, c->kern_body_at, 1);
    c->kern_len = n;

    n = 0;
    xdp_common_prologue(c->rt, &n);
    c->rt_body_at = n;
    finish(c, c->rt, &n, c->rt_body_at, 0);
    c->rt_len = n;
}

/* The kernel rejects unreachable code: keep only the subprograms the body
 * calls, renumbered. */
static void drop_uncalled(struct kd_case *c)
{
    struct bpf_insn subs[KD_SUBS_MAX];
    unsigned map[4], start[4], n = 0, len = 0, i, k;
    int called[4] = {0};

    for (i = 0; i < c->body_len; i++)
        if (c->body[i].code == (BPF_JMP | BPF_CALL) && c->body[i].src_reg == BPF_PSEUDO_CALL)
            called[c->body[i].imm] = 1;
    for (k = 0; k < c->nsubs; k++) {
        unsigned end = k + 1 < c->nsubs ? c->sub_start[k + 1] : c->subs_len;
        if (!called[k])
            continue;
        map[k] = n;
        start[n++] = len;
        memcpy(subs + len, c->subs + c->sub_start[k], (end - c->sub_start[k]) * sizeof(subs[0]));
        len += end - c->sub_start[k];
    }
    for (i = 0; i < c->body_len; i++)
        if (c->body[i].code == (BPF_JMP | BPF_CALL) && c->body[i].src_reg == BPF_PSEUDO_CALL)
            c->body[i].imm = (int32_t)map[c->body[i].imm];
    memcpy(c->subs, subs, len * sizeof(subs[0]));
    memcpy(c->sub_start, start, sizeof(start));
    c->subs_len = len;
    c->nsubs = n;
}

void kd_gen_case(struct kd_case *c, enum kd_kind kind, uint64_t seed, uint64_t index)
{
    static const uint8_t main_regs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const uint8_t sub_regs[] = {0, 1, 2, 3, 4, 5};
    static const uint8_t skf_regs[] = {0, 7, 8, 9};
    struct kd_rng r;
    struct gen g;
    unsigned i, k;

    memset(c, 0, sizeof(*c));
    kd_rng_init(&r, seed, index);
    c->kind = kind;
    c->seed = seed;
    c->index = index;

    if (kind == KD_SKF) {
        c->pkt_len = KD_ETH + 32 + rnd(&r, 65);
        c->rt_data_off = KD_ETH;
        for (i = 0; i < c->pkt_len; i += 8) {
            uint64_t v = gen_val64(&r);
            memcpy(c->pkt + i, &v, c->pkt_len - i < 8 ? c->pkt_len - i : 8);
        }
        c->pkt[12] = 0x08; /* an IPv4 ethertype, for appearance */
        c->pkt[13] = 0x00;
        memset(&g, 0, sizeof(g));
        g.r = &r;
        g.mode = M_SKF;
        g.out = c->body;
        g.cap = KD_BODY_MAX;
        g.regs = skf_regs;
        g.nregs = sizeof(skf_regs);
        g.maxjumps = 6;
        gen_block(&g, 8 + rnd(&r, 50), c->pkt_len - KD_ETH);
        fix_jumps(&g, g.len);
        c->body_len = g.len;
        kd_assemble(c);
        return;
    }

    c->pkt_len = KD_XDP_PKT;
    c->rt_data_off = 0;
    for (i = 0; i < KD_XDP_PKT / 8; i++) {
        uint64_t v = gen_val64(&r);
        if (i > 0 && i < KD_NREGS && chance(&r, 12)) /* equal registers make jumps interesting */
            memcpy(&v, c->pkt + 8 * rnd(&r, i), 8);
        memcpy(c->pkt + 8 * i, &v, 8);
    }

    /* Subprograms: ALU work on r1..r5 returning r0. */
    c->nsubs = chance(&r, 35) ? 1 + rnd(&r, 2) : 0;
    for (i = 0; i < c->nsubs; i++) {
        memset(&g, 0, sizeof(g));
        g.r = &r;
        g.mode = M_SUB;
        g.out = c->subs + c->subs_len;
        g.cap = KD_SUBS_MAX / 2 - 1;
        g.regs = sub_regs;
        g.nregs = sizeof(sub_regs);
        g.maxjumps = 2;
        c->sub_start[i] = c->subs_len;
        emit(&g, INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, (uint8_t)(1 + rnd(&r, 5)), 0, 0));
        for (k = 0; k < 4; k++) /* the frame's scratch: r10-32..r10-8 from r1..r4 */
            emit(&g, INS(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, (uint8_t)(1 + k), (int16_t)(-8 * (int)(k + 1)), 0));
        gen_block(&g, 6 + rnd(&r, 16), 0);
        fix_jumps(&g, g.len);
        emit(&g, INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        c->subs_len += g.len;
    }

    memset(&g, 0, sizeof(g));
    g.r = &r;
    g.mode = M_MAIN;
    g.out = c->body;
    g.cap = KD_BODY_MAX - 8;
    g.regs = main_regs;
    g.nregs = sizeof(main_regs);
    g.nsubs = c->nsubs;
    if (chance(&r, 10)) { /* now and then a long one */
        g.maxjumps = 14;
        gen_block(&g, 80 + rnd(&r, 140), 0);
    } else {
        g.maxjumps = 8;
        gen_block(&g, 6 + rnd(&r, 70), 0);
    }
    fix_jumps(&g, g.len);
    c->body_len = g.len;
    drop_uncalled(c);
    kd_assemble(c);
}
