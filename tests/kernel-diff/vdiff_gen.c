/* vdiff_gen.c - random plausible programs for the verdict-differential
 * test (see vdiff.h).
 *
 * Register conventions of every program: r6 = the context, r7/r8 = data
 * and data_end (XDP and sched_cls; socket filters: the packet length and
 * 0), r9 = an unknown scalar every block folds its results into.  Blocks
 * use r0..r5 as temporaries that they define before reading (helpers and
 * calls clobber them), so a block is valid wherever it lands; the right
 * form of each block is what clang emits for the matching C.  Forward
 * branches skip blocks, so the verifier meets the joins the kernel's
 * pruning and precision tracking work on.  Subprograms and callbacks are
 * appended after the main program's exit, each once if used.
 */
#include <linux/btf.h>
#include <string.h>

#include "vdiff.h"

#define INS(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5
#define R6 6
#define R7 7
#define R8 8
#define R9 9
#define FP 10

/* Stack layout of main programs: [-64, 0) scalars, [-128, -64) pointer
 * spills, [-136, -128) map keys, [-200, -136) helper buffers. */
#define ST_SCALAR (-64)
#define ST_SPILL (-128)
#define ST_KEY (-136)
#define ST_BUF (-200)

const struct vd_map_def vd_maps[VD_NMAPS] = {
    [VD_MAP_ARRAY] = {BPF_MAP_TYPE_ARRAY, 4, 48, 4, 0},
    [VD_MAP_HASH] = {BPF_MAP_TYPE_HASH, 8, 16, 16, 0},
    [VD_MAP_RO] = {BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG},
    [VD_MAP_DATA] = {BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0},
};

const char *vd_type_name(enum bpf_prog_type t)
{
    switch (t) {
    case BPF_PROG_TYPE_XDP: return "xdp";
    case BPF_PROG_TYPE_SCHED_CLS: return "sched_cls";
    case BPF_PROG_TYPE_SOCKET_FILTER: return "socket_filter";
    default: return "?";
    }
}

/* ---- assembler with labels -------------------------------------------- */

#define MAXL 256
#define MAXF 512

enum sub_kind { SUB_SCALAR, SUB_CTX, SUB_STACKW, SUB_PKT, SUB_MAPV, SUB_LOOP, CB_LOOP, CB_LOOP_BAD, NSUBK };

struct vg {
    struct kd_rng *r;
    struct vd_case *c;
    struct bpf_insn *out;
    unsigned n;
    int lab[MAXL];
    unsigned nlab;
    struct {
        unsigned at;
        int lab, in_imm;
    } fix[MAXF];
    unsigned nfix;
    unsigned mist;
    int sub_lab[NSUBK];
    unsigned depth, loops, calls;
    int pkt; /* r7/r8 hold valid packet pointers */
};

static unsigned rnd(struct kd_rng *r, unsigned n)
{
    return n ? (unsigned)(kd_rand(r) % n) : 0;
}

static int chance(struct kd_rng *r, unsigned pct)
{
    return rnd(r, 100) < pct;
}

/* A deviation from the right form, with the configured probability. */
static int oops(struct vg *g)
{
    if (!chance(g->r, g->mist))
        return 0;
    g->c->mistakes++;
    return 1;
}

static void emit(struct vg *g, struct bpf_insn in)
{
    if (g->n < VD_MAX)
        g->out[g->n] = in;
    g->n++;
}

static int label(struct vg *g)
{
    if (g->nlab >= MAXL)
        return -1;
    g->lab[g->nlab] = -1;
    return (int)g->nlab++;
}

static void place(struct vg *g, int l)
{
    if (l >= 0)
        g->lab[l] = (int)g->n;
}

static void fixup(struct vg *g, int l, int in_imm)
{
    if (g->nfix < MAXF && l >= 0)
        g->fix[g->nfix++] = (typeof(g->fix[0])){g->n, l, in_imm};
}

/* Conditional (or, with op BPF_JA, unconditional) jump to label l. */
static void jmp_k(struct vg *g, uint8_t cls, uint8_t op, uint8_t dst, int32_t imm, int l)
{
    fixup(g, l, 0);
    emit(g, INS(cls | op | BPF_K, dst, 0, 0, imm));
}

static void jmp_x(struct vg *g, uint8_t cls, uint8_t op, uint8_t dst, uint8_t src, int l)
{
    fixup(g, l, 0);
    emit(g, INS(cls | op | BPF_X, dst, src, 0, 0));
}

static void jmp_a(struct vg *g, int l)
{
    fixup(g, l, 0);
    emit(g, INS(BPF_JMP | BPF_JA, 0, 0, 0, 0));
}

static void call_helper(struct vg *g, int32_t id)
{
    emit(g, INS(BPF_JMP | BPF_CALL, 0, 0, 0, id));
}

static void call_sub(struct vg *g, enum sub_kind k)
{
    if (g->sub_lab[k] < 0)
        g->sub_lab[k] = label(g);
    fixup(g, g->sub_lab[k], 1);
    emit(g, INS(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
}

static void ld_func(struct vg *g, uint8_t dst, enum sub_kind k)
{
    if (g->sub_lab[k] < 0)
        g->sub_lab[k] = label(g);
    fixup(g, g->sub_lab[k], 1);
    emit(g, INS(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_FUNC, 0, 0));
    emit(g, INS(0, 0, 0, 0, 0));
}

static void ld_map(struct vg *g, uint8_t dst, enum vd_map m)
{
    emit(g, INS(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_MAP_FD, 0, (int32_t)m));
    emit(g, INS(0, 0, 0, 0, 0));
}

static void ld_map_value(struct vg *g, uint8_t dst, enum vd_map m, int32_t off)
{
    emit(g, INS(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_MAP_VALUE, 0, (int32_t)m));
    emit(g, INS(0, 0, 0, 0, off));
}

#define MOV64(d, s) emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0))
#define MOV64I(d, i) emit(g, INS(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i))
#define ALU64I(op, d, i) emit(g, INS(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i))
#define ALU64X(op, d, s) emit(g, INS(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0))
#define ALU32I(op, d, i) emit(g, INS(BPF_ALU | (op) | BPF_K, d, 0, 0, i))
#define ALU32X(op, d, s) emit(g, INS(BPF_ALU | (op) | BPF_X, d, s, 0, 0))
#define LDX(sz, d, s, o) emit(g, INS(BPF_LDX | BPF_MEM | (sz), d, s, o, 0))
#define STX(sz, d, s, o) emit(g, INS(BPF_STX | BPF_MEM | (sz), d, s, o, 0))
#define STI(sz, d, o, i) emit(g, INS(BPF_ST | BPF_MEM | (sz), d, 0, o, i))
#define EXIT() emit(g, INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0))

/* ---- values ------------------------------------------------------------- */

static const int32_t imm_pool[] = {0,      1,     -1,     2,          3,          4,          7,         8,
                                   15,     16,    31,     32,         63,         64,         0x7f,      0x80,
                                   0xff,   0x100, 0xffff, 0x10000,    INT32_MAX,  INT32_MIN,  -128,      -32768,
                                   -4096,  48,    47,     0x7ffffffe, 0x55555555, 0x12345678, -0x7fffffff};

static int32_t any_imm(struct kd_rng *r)
{
    switch (rnd(r, 4)) {
    case 0:
    case 1: return imm_pool[rnd(r, sizeof(imm_pool) / sizeof(imm_pool[0]))];
    case 2: return (int32_t)rnd(r, 41) - 20;
    default: return (int32_t)(uint32_t)kd_rand(r);
    }
}

static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};

static unsigned bytes_of(uint8_t sz)
{
    return sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8;
}

static uint8_t any_size(struct kd_rng *r)
{
    return sizes[rnd(r, 4)];
}

static const uint8_t jops[] = {BPF_JEQ, BPF_JGT, BPF_JGE,  BPF_JSET, BPF_JNE,  BPF_JSGT,
                               BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};

static uint8_t any_jop(struct kd_rng *r)
{
    return jops[rnd(r, sizeof(jops))];
}

static uint8_t jcls(struct kd_rng *r)
{
    return chance(r, 35) ? BPF_JMP32 : BPF_JMP;
}

/* A temporary (r0..r5). */
static uint8_t tmp(struct vg *g)
{
    return (uint8_t)rnd(g->r, 6);
}

/* Fold scalar register t into r9 (a use of t, as clang would leave it). */
static void fold(struct vg *g, uint8_t t)
{
    static const uint8_t ops[] = {BPF_ADD, BPF_XOR, BPF_OR, BPF_SUB};
    uint8_t op = ops[rnd(g->r, 4)];
    if (chance(g->r, 25))
        ALU32X(op, R9, t);
    else
        ALU64X(op, R9, t);
}

/* t = an unknown scalar, from r9 with some shaping. */
static void unknown_into(struct vg *g, uint8_t t)
{
    switch (rnd(g->r, 5)) {
    case 0: ALU32X(BPF_MOV, t, R9); break;
    case 1:
        MOV64(t, R9);
        ALU64I(BPF_RSH, t, (int32_t)rnd(g->r, 40));
        break;
    default: MOV64(t, R9); break;
    }
}

/* ---- blocks -------------------------------------------------------------- */

static void gen_blocks(struct vg *g, unsigned budget);
static int16_t ctx_scalar_field(struct vg *g);

static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND, BPF_LSH,
                                  BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};

/* One ALU instruction on scalar dst (src: scalar s or an immediate). */
static void alu_one(struct vg *g, uint8_t d, uint8_t s)
{
    struct kd_rng *r = g->r;
    int is64 = chance(r, 55);
    uint8_t cls = is64 ? BPF_ALU64 : BPF_ALU;
    uint8_t op = alu_ops[rnd(r, sizeof(alu_ops))];
    int16_t off = 0;
    int32_t imm;

    if (op == BPF_NEG) {
        emit(g, INS(cls | BPF_NEG | BPF_K, d, 0, 0, 0));
        return;
    }
    if (op == BPF_END) {
        static const int32_t w[] = {16, 32, 64};
        if (chance(r, 30)) /* bswap; ALU64 with TO_BE is no instruction ("unknown opcode df") */
            emit(g, INS(BPF_ALU64 | BPF_END | (oops(g) ? BPF_TO_BE : BPF_TO_LE), d, 0, 0, w[rnd(r, 3)]));
        else
            emit(g, INS(BPF_ALU | BPF_END | (chance(r, 50) ? BPF_TO_BE : BPF_TO_LE), d, 0, 0, w[rnd(r, 3)]));
        return;
    }
    if ((op == BPF_DIV || op == BPF_MOD) && chance(r, 40))
        off = 1; /* sdiv, smod */
    if (chance(r, 50)) {
        if (op == BPF_MOV && chance(r, 40)) {
            static const int16_t sx64[] = {8, 16, 32}, sx32[] = {8, 16};
            off = is64 ? sx64[rnd(r, 3)] : sx32[rnd(r, 2)];
        }
        emit(g, INS(cls | op | BPF_X, d, s, off, 0));
        return;
    }
    imm = any_imm(r);
    if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
        imm = (int32_t)rnd(r, is64 ? 64 : 32) + (oops(g) ? (is64 ? 64 : 32) : 0); /* "invalid shift" */
    if ((op == BPF_DIV || op == BPF_MOD) && imm == 0 && !oops(g))
        imm = 7; /* "division by zero" otherwise */
    emit(g, INS(cls | op | BPF_K, d, 0, off, imm));
}

/* Scalar arithmetic on temporaries seeded from r9 and constants; the
 * result folded into r9.  A mistake reads a temporary never written on
 * this path or does arithmetic on a pointer. */
static void blk_alu(struct vg *g)
{
    struct kd_rng *r = g->r;
    uint8_t a = (uint8_t)(1 + rnd(r, 5)), b = (uint8_t)rnd(r, 6);
    unsigned k, n = 2 + rnd(r, 6);

    if (b == a)
        b = 0;
    unknown_into(g, a);
    if (!oops(g)) {
        if (chance(r, 30)) {
            uint64_t v = ((uint64_t)(uint32_t)any_imm(r) << 32) | (uint32_t)any_imm(r);
            emit(g, INS(BPF_LD | BPF_IMM | BPF_DW, b, 0, 0, (int32_t)(uint32_t)v));
            emit(g, INS(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
        } else {
            MOV64I(b, any_imm(r));
        }
    }
    if (chance(r, 10) && oops(g)) { /* pointer arithmetic: some legal, some not */
        static const uint8_t pops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_LSH, BPF_NEG};
        uint8_t p = chance(r, 50) ? R6 : R7, op = pops[rnd(r, sizeof(pops))];
        MOV64(b, p);
        if (op == BPF_NEG)
            ALU64I(BPF_NEG, b, 0);
        else if (chance(r, 50))
            ALU64X(op, b, a);
        else
            emit(g, INS((chance(r, 50) ? BPF_ALU64 : BPF_ALU) | op | BPF_K, b, 0, 0, (int32_t)rnd(r, 16)));
        if (chance(r, 50))
            LDX(BPF_W, a, b, 0);
        fold(g, a);
        return;
    }
    for (k = 0; k < n; k++) {
        if (chance(r, 50))
            alu_one(g, a, chance(r, 70) ? b : R9);
        else
            alu_one(g, b, chance(r, 70) ? a : R9);
    }
    fold(g, chance(r, 50) ? a : b);
}

/* if (cond) skip { blocks }, or if/else. */
static void blk_branch(struct vg *g, unsigned budget)
{
    struct kd_rng *r = g->r;
    int skip = label(g), end = label(g);
    uint8_t cls = jcls(r), op = any_jop(r), t = tmp(g);
    int ifelse = chance(r, 30);

    if (chance(r, 40)) {
        jmp_k(g, cls, op, R9, any_imm(r), skip);
    } else {
        unknown_into(g, t);
        if (chance(r, 50))
            ALU64I(BPF_AND, t, (int32_t)imm_pool[rnd(r, 20)]);
        if (chance(r, 50))
            jmp_x(g, cls, op, t, R9, skip);
        else
            jmp_k(g, cls, op, t, any_imm(r), skip);
    }
    g->depth++;
    gen_blocks(g, budget / 2);
    if (ifelse) {
        jmp_a(g, end);
        place(g, skip);
        gen_blocks(g, budget / 2);
        place(g, end);
    } else {
        place(g, skip);
    }
    g->depth--;
}

/* Stack: scalar stores and loads (partial, overlapping, misaligned),
 * pointer spills and fills, variable-offset accesses, out of the frame. */
static void blk_stack(struct vg *g)
{
    struct kd_rng *r = g->r;
    uint8_t t = tmp(g), u = tmp(g);
    unsigned k = rnd(r, 100);

    if (k < 35) { /* scalar store, then a load of the same or another size */
        uint8_t sz = any_size(r), lz = chance(r, 60) ? sz : any_size(r);
        unsigned nb = bytes_of(sz), lb = bytes_of(lz);
        int16_t off = (int16_t)(ST_SCALAR + (int)(nb * rnd(r, 64 / nb)));
        int16_t loff = chance(r, 60) ? off : (int16_t)(ST_SCALAR + (int)(lb * rnd(r, 64 / lb)));
        if (oops(g))
            off = (int16_t)(off + (chance(r, 50) ? 1 + (int)rnd(r, nb) : -(int)nb * 64));
        if (chance(r, 50)) {
            unknown_into(g, u);
            STX(sz, FP, u, off);
        } else {
            STI(sz, FP, off, any_imm(r));
        }
        if (chance(r, 15))
            emit(g, INS(BPF_LDX | BPF_MEMSX | (lz == BPF_DW ? BPF_W : lz), t, FP, loff, 0));
        else
            LDX(lz, t, FP, loff);
        fold(g, t);
        return;
    }
    if (k < 65) { /* spill a pointer, fill it, use it */
        uint8_t p = g->pkt && chance(r, 40) ? R7 : R6, lz = BPF_DW;
        int16_t slot = (int16_t)(ST_SPILL + 8 * (int)rnd(r, 8));
        int bad = oops(g);
        if (bad) {
            switch (rnd(r, 4)) {
            case 0: slot = (int16_t)(slot + 4); break; /* misaligned spill */
            case 1: lz = BPF_W; break;                 /* partial fill */
            case 2: break;                             /* clobbered below */
            default: p = R9; break;                    /* a scalar, used as a pointer */
            }
        }
        STX(BPF_DW, FP, p, slot);
        if (bad && lz == BPF_DW && p != R9 && chance(r, 50))
            STI(BPF_B, FP, (int16_t)(slot + (int)rnd(r, 8)), 0);
        LDX(lz, t, FP, slot);
        if (p == R7 && g->pkt) {
            int l = label(g);
            MOV64(u, t);
            ALU64I(BPF_ADD, u, 8);
            jmp_x(g, BPF_JMP, BPF_JGT, u, R8, l);
            uint8_t sz = any_size(r);
            LDX(sz, u, t, (int16_t)rnd(r, 9 - bytes_of(sz)));
            fold(g, u);
            place(g, l);
        } else {
            LDX(BPF_W, u, t, ctx_scalar_field(g));
            fold(g, u);
        }
        return;
    }
    if (k < 90) { /* variable offset: r10 - 64 + (r9 & mask) or bounded by a branch */
        static const int32_t masks[] = {0x7, 0x18, 0x38, 0x30, 0x3f, 0x1f, 0x8};
        uint8_t sz = any_size(r), v = (uint8_t)(1 + rnd(r, 5)), p = t;
        int l = label(g);
        if (p == v)
            p = p == R1 ? R2 : R1;
        unknown_into(g, v);
        if (chance(r, 60)) { /* stack accesses are always strictly aligned: so is the mask */
            int32_t m = masks[rnd(r, sizeof(masks) / sizeof(masks[0]))] & ~(int32_t)(bytes_of(sz) - 1);
            if (oops(g))
                m = chance(r, 50) ? 0xff : m | 1;
            ALU64I(BPF_AND, v, m);
        } else {
            int32_t lim = (int32_t)(64 - bytes_of(sz)) + (oops(g) ? 1 + (int)rnd(r, 8) : -(int)rnd(r, 8));
            uint8_t cls = chance(r, 30) ? BPF_JMP32 : BPF_JMP;
            if (!oops(g))
                ALU64I(BPF_AND, v, -(int32_t)bytes_of(sz));
            if (cls == BPF_JMP32 && !oops(g))
                ALU32X(BPF_MOV, v, v); /* a 32-bit bound needs the upper half known */
            if (chance(r, 50)) {
                jmp_k(g, cls, BPF_JGT, v, lim, l);
            } else { /* signed: both ends needed, in the same width */
                jmp_k(g, cls, BPF_JSGT, v, lim, l);
                if (!oops(g))
                    jmp_k(g, chance(r, 80) ? cls : BPF_JMP, BPF_JSLT, v, 0, l);
            }
        }
        MOV64(p, FP);
        ALU64I(BPF_ADD, p, ST_SCALAR);
        ALU64X(BPF_ADD, p, v);
        if (chance(r, 50)) {
            LDX(sz, t == p ? u : t, p, 0);
            fold(g, t == p ? u : t);
        } else if (chance(r, 70)) {
            STI(sz, p, 0, any_imm(r));
        } else {
            STX(sz, p, R9, 0);
        }
        place(g, l);
        return;
    }
    /* out of the frame, or the frame's last byte */
    if (oops(g))
        STI(any_size(r), FP, chance(r, 50) ? 0 : -520, 1);
    else
        STI(BPF_B, FP, -1, 1);
    LDX(BPF_B, t, FP, -1);
    fold(g, t);
}

/* Direct packet access behind a check against data_end in one of the
 * forms clang emits; mistakes: no check, off by one, the wrong side of
 * the branch, a 32-bit comparison, a scalar instead of data_end, an
 * unbounded variable offset. */
static void blk_pkt(struct vg *g)
{
    struct kd_rng *r = g->r;
    uint8_t p = R1, e = R2, t = R3, v = R4;
    unsigned n = 1 + rnd(r, chance(r, 50) ? 16 : 64), k, nacc = 1 + rnd(r, 3);
    int skip = label(g), ok = label(g), wrongside = 0;
    uint8_t end = R8;
    unsigned form = rnd(r, 8);

    if (!g->pkt || chance(r, 15)) { /* reload data and data_end from the context */
        int tc = g->c->type != BPF_PROG_TYPE_XDP;
        LDX(BPF_W, p, R6, tc ? 76 : 0);
        LDX(BPF_W, R5, R6, tc ? 80 : 4);
        end = R5;
    } else {
        MOV64(p, R7);
    }
    if (chance(r, 30))
        ALU64I(BPF_ADD, p, (int32_t)(chance(r, 50) ? 14 : rnd(r, 40)));
    if (chance(r, 25)) { /* variable offset */
        static const int32_t masks[] = {0x3f, 0xff, 0x7, 0xfff, 0x1e};
        unknown_into(g, v);
        if (!oops(g))
            ALU64I(BPF_AND, v, masks[rnd(r, 5)]);
        ALU64X(BPF_ADD, p, v);
    }
    MOV64(e, p);
    ALU64I(BPF_ADD, e, (int32_t)n);
    if (oops(g)) {
        switch (rnd(r, 5)) {
        case 0: form = 100; break;         /* no check */
        case 1: n++; break;                /* off by one */
        case 2: wrongside = 1; break;      /* access on the wrong side */
        case 3: form += 200; break;        /* JMP32 comparison */
        default: end = R9; break;          /* compared with a scalar */
        }
    }
    {
        uint8_t cls = form >= 200 ? BPF_JMP32 : BPF_JMP;
        switch (form % 100) {
        case 0: jmp_x(g, cls, BPF_JGT, e, end, wrongside ? ok : skip); break;   /* if (p + n > end) */
        case 1: jmp_x(g, cls, BPF_JLT, end, e, wrongside ? ok : skip); break;   /* if (end < p + n) */
        case 2: jmp_x(g, cls, BPF_JGE, e, end, wrongside ? ok : skip); break;   /* if (p + n >= end): one less */
        case 3: jmp_x(g, cls, BPF_JLE, end, e, wrongside ? ok : skip); break;   /* if (end <= p + n) */
        case 4: /* if (p + n <= end) { access } */
            jmp_x(g, cls, BPF_JLE, e, end, wrongside ? skip : ok);
            jmp_a(g, wrongside ? ok : skip);
            break;
        case 5:
            jmp_x(g, cls, BPF_JGE, end, e, wrongside ? skip : ok);
            jmp_a(g, wrongside ? ok : skip);
            break;
        case 6:
            jmp_x(g, cls, BPF_JLT, e, end, wrongside ? skip : ok);
            jmp_a(g, wrongside ? ok : skip);
            break;
        case 7:
            jmp_x(g, cls, BPF_JGT, end, e, wrongside ? skip : ok);
            jmp_a(g, wrongside ? ok : skip);
            break;
        default: break; /* 100: none */
        }
    }
    place(g, ok);
    if (form % 100 == 2 || form % 100 == 3)
        n = n > 1 ? n - 1 : n; /* p + n < end proves n + 1 bytes; stay plausible */
    for (k = 0; k < nacc; k++) {
        uint8_t sz = any_size(r);
        unsigned nb = bytes_of(sz);
        int off;
        if (nb > n)
            sz = BPF_B, nb = 1;
        off = (int)rnd(r, n - nb + 1);
        if (chance(r, 5) && oops(g))
            off = chance(r, 50) ? -1 : (int)n;
        if (g->c->type != BPF_PROG_TYPE_SOCKET_FILTER && chance(r, 30)) {
            if (chance(r, 50))
                STI(sz, p, (int16_t)off, any_imm(r));
            else
                STX(sz, p, R9, (int16_t)off);
        } else {
            LDX(sz, t, p, (int16_t)off);
            fold(g, t);
        }
    }
    place(g, skip);
}

/* Socket filters: LD_ABS / LD_IND (r6 = ctx), or a direct access the type
 * may not make. */
static void blk_skb_abs(struct vg *g)
{
    static const uint8_t lsz[] = {BPF_B, BPF_H, BPF_W};
    struct kd_rng *r = g->r;

    if (oops(g)) {
        LDX(BPF_W, R1, R6, 76); /* data: not for socket filters */
        LDX(BPF_B, R0, R1, 0);
    } else if (chance(r, 50)) {
        emit(g, INS(BPF_LD | BPF_ABS | lsz[rnd(r, 3)], 0, 0, 0, (int32_t)rnd(r, 64)));
    } else {
        MOV64(R1, R9);
        ALU64I(BPF_AND, R1, 31);
        emit(g, INS(BPF_LD | BPF_IND | lsz[rnd(r, 3)], 0, R1, 0, (int32_t)rnd(r, 32)));
    }
    fold(g, R0);
}

/* Map lookup, null check, accesses to the value. */
static void blk_map(struct vg *g)
{
    struct kd_rng *r = g->r;
    unsigned k = rnd(r, 100);
    enum vd_map m = k < 50 ? VD_MAP_ARRAY : k < 85 ? VD_MAP_HASH : VD_MAP_RO;
    unsigned vs = vd_maps[m].value_size, nacc = 1 + rnd(r, 3), i;
    int skip = label(g), ok = label(g), spill = chance(r, 15);
    uint8_t base = chance(r, 50) ? R0 : R5;

    if (chance(r, 12)) { /* direct value access: ld_imm64 map value + off */
        uint8_t sz = any_size(r), p = R1;
        int32_t off;
        int var;
        /* direct values: arrays of one entry (the kernel's
         * array_map_direct_value_addr); a hash map or the 4-entry array
         * is the mistake */
        if (m != VD_MAP_RO && !oops(g))
            m = VD_MAP_DATA;
        vs = vd_maps[m].value_size;
        off = (int32_t)rnd(r, vs);
        if (off + (int)bytes_of(sz) > (int)vs && !oops(g))
            off = (int32_t)(vs - bytes_of(sz));
        if (off < 0)
            off = 0;
        var = chance(r, 35) && (int)vs >= (int)bytes_of(sz) + 7;
        if (var && off + (int)bytes_of(sz) + 7 > (int)vs)
            off = (int32_t)vs - (int32_t)bytes_of(sz) - 7;
        if (off < 0)
            off = 0;
        ld_map_value(g, p, m, off);
        if (var) { /* and a variable offset from there */
            MOV64(R3, R9);
            ALU64I(BPF_AND, R3, oops(g) ? 63 : 7);
            ALU64X(BPF_ADD, p, R3);
        }
        if (chance(r, 30) && (m != VD_MAP_RO || oops(g))) {
            STX(sz, p, R9, 0);
        } else {
            LDX(sz, R2, p, 0);
            fold(g, R2);
        }
        return;
    }
    /* the key */
    if (!oops(g))
        STI(vd_maps[m].key_size == 8 ? BPF_DW : BPF_W, FP, ST_KEY, (int32_t)rnd(r, 5));
    if (oops(g))
        MOV64(R1, chance(r, 50) ? R9 : R6);
    else
        ld_map(g, R1, m);
    MOV64(R2, FP);
    if (oops(g))
        ALU64I(BPF_ADD, R2, chance(r, 50) ? -4 : ST_KEY + 2);
    else
        ALU64I(BPF_ADD, R2, ST_KEY);
    if (chance(r, 5) && oops(g))
        MOV64(R2, R6);
    call_helper(g, BPF_FUNC_map_lookup_elem);
    if (spill) {
        STX(BPF_DW, FP, R0, ST_SPILL);
        LDX(BPF_DW, R0, FP, ST_SPILL);
    }
    if (base != R0)
        MOV64(base, R0);
    if (!oops(g)) {
        switch (rnd(r, 3)) {
        case 0: jmp_k(g, BPF_JMP, BPF_JEQ, base, 0, skip); break;
        case 1:
            jmp_k(g, BPF_JMP, BPF_JNE, base, 0, ok);
            jmp_a(g, skip);
            break;
        default: /* check the other copy: ids carry the result */
            jmp_k(g, BPF_JMP, BPF_JEQ, base == R0 ? R0 : R5, 0, skip);
            break;
        }
    } else if (chance(r, 40)) {
        jmp_k(g, BPF_JMP32, BPF_JEQ, base, 0, skip);
    } else if (chance(r, 40)) {
        jmp_k(g, BPF_JMP, BPF_JEQ, base, 1, skip); /* not a null check */
    }
    place(g, ok);
    for (i = 0; i < nacc; i++) {
        uint8_t sz = any_size(r), p = base, v = R3, t = R4;
        unsigned nb = bytes_of(sz), how = rnd(r, 3);
        int32_t off = (int32_t)rnd(r, vs - nb + 1);
        int inner = label(g), aligned = 1;
        uint8_t cls;
        if (how > 0) { /* variable offset: masked or bounded by a branch */
            p = R1;
            MOV64(p, base);
            unknown_into(g, v);
            if (how == 1) {
                int32_t m2 = (int32_t)(vs - nb);
                int32_t mask = m2 >= 32 ? 31 : m2 >= 16 ? 15 : m2 >= 8 ? 7 : m2 >= 4 ? 3 : m2 >= 2 ? 1 : 0;
                if (oops(g))
                    mask = mask * 2 + 1;
                else if (chance(r, 50))
                    mask &= ~(int32_t)(nb - 1);
                ALU64I(BPF_AND, v, mask);
                aligned = !(mask & (int32_t)(nb - 1));
            } else {
                int32_t lim = (int32_t)(vs - nb) + (oops(g) ? 1 : 0);
                switch (rnd(r, 4)) {
                case 0: jmp_k(g, BPF_JMP, BPF_JGT, v, lim, inner); break;
                case 1: jmp_k(g, BPF_JMP, BPF_JGE, v, lim + 1, inner); break;
                case 2: /* 32-bit bound: sound only if the upper half is known 0 */
                    if (!oops(g))
                        ALU32X(BPF_MOV, v, v);
                    jmp_k(g, BPF_JMP32, BPF_JGT, v, lim, inner);
                    break;
                default: /* signed bounds */
                    cls = BPF_JMP;
                    if (chance(r, 30)) {
                        if (!oops(g))
                            ALU32X(BPF_MOV, v, v);
                        cls = BPF_JMP32;
                    }
                    jmp_k(g, cls, BPF_JSGT, v, lim, inner);
                    if (!oops(g)) /* the lower end in the same width (else 32-bit negatives pass) */
                        jmp_k(g, chance(r, 80) ? cls : BPF_JMP, BPF_JSLT, v, 0, inner);
                    break;
                }
            }
            if (how == 2)
                aligned = 0;
            ALU64X(BPF_ADD, p, v);
            off = 0;
        }
        if (oops(g))
            off = chance(r, 50) ? (int32_t)(vs - nb + 1) : -1;
        if (chance(r, 35) && (m != VD_MAP_RO || oops(g))) {
            if (chance(r, 50))
                STI(sz, p, (int16_t)off, any_imm(r));
            else
                STX(sz, p, R9, (int16_t)off);
        } else if (chance(r, 10) && (sz == BPF_W || sz == BPF_DW) && m != VD_MAP_RO &&
                   (aligned || oops(g))) { /* atomics are strictly aligned */
            emit(g, INS(BPF_STX | BPF_ATOMIC | sz, p, R9, (int16_t)(off & ~(int32_t)(nb - 1)), BPF_ADD));
        } else {
            LDX(sz, t, p, (int16_t)off);
            fold(g, t);
        }
        place(g, inner);
    }
    if (chance(r, 15) && (m != VD_MAP_RO || oops(g))) { /* the value as a helper argument */
        ld_map(g, R1, m);
        MOV64(R2, FP);
        ALU64I(BPF_ADD, R2, ST_KEY);
        MOV64(R3, base);
        MOV64I(R4, 0);
        call_helper(g, BPF_FUNC_map_update_elem);
        fold(g, R0);
    }
    place(g, skip);
}

/* Context fields that are scalars: xdp_md's ingress_ifindex and
 * rx_queue_index (egress_ifindex needs the devmap attach type), and
 * __sk_buff's len .. hash, which sched_cls and socket filters may read;
 * then what sched_cls alone may read (tc_classid, napi_id, tstamp,
 * wire_len, gso_segs, gso_size, tstamp_type, hwtstamp). */
static const int16_t skb_common[] = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68};
static const struct {
    int16_t off;
    uint8_t size;
} skb_tc[] = {{72, BPF_W},  {84, BPF_W},  {152, BPF_DW}, {160, BPF_W},
              {164, BPF_W}, {176, BPF_W}, {180, BPF_B},  {184, BPF_DW}};

static int16_t ctx_scalar_field(struct vg *g)
{
    if (g->c->type == BPF_PROG_TYPE_XDP)
        return (int16_t)(chance(g->r, 50) ? 12 : 16);
    return skb_common[rnd(g->r, sizeof(skb_common) / sizeof(skb_common[0]))];
}

/* Context reads (and writes) of fields and of offsets the type refuses. */
static void blk_ctx(struct vg *g)
{
    struct kd_rng *r = g->r;
    enum bpf_prog_type ty = g->c->type;
    int xdp = ty == BPF_PROG_TYPE_XDP;
    uint8_t t = tmp(g), sz = BPF_W;
    int16_t off = ctx_scalar_field(g);

    if (ty == BPF_PROG_TYPE_SCHED_CLS && chance(r, 30)) {
        unsigned k = rnd(r, sizeof(skb_tc) / sizeof(skb_tc[0]));
        off = skb_tc[k].off;
        sz = skb_tc[k].size;
    }
    if (chance(r, 30)) { /* a write: cb[] (both skb types), mark, priority, ... (sched_cls) */
        static const int16_t wr_tc[] = {48, 52, 56, 60, 64, 8, 32, 44, 72, 12};
        int bad = xdp || oops(g);
        if (!bad)
            off = ty == BPF_PROG_TYPE_SCHED_CLS ? wr_tc[rnd(r, sizeof(wr_tc) / sizeof(wr_tc[0]))]
                                                : (int16_t)(48 + 4 * (int)rnd(r, 5));
        else if (!xdp)
            off = (int16_t)(4 * rnd(r, 48));
        if (!xdp || oops(g)) {
            if (chance(r, 50))
                STX(BPF_W, R6, R9, off);
            else
                STI(BPF_W, R6, off, any_imm(r));
        }
        return;
    }
    if (oops(g)) {
        switch (rnd(r, 4)) {
        case 0: sz = any_size(r); break;                              /* narrow or wide */
        case 1: off = (int16_t)(off + 1 + (int)rnd(r, 3)); break;     /* misaligned */
        case 2: off = (int16_t)(xdp ? 20 + 4 * (int)rnd(r, 4) : 72 + 4 * (int)rnd(r, 32)); break;
        default: { /* through a modified context pointer */
            uint8_t p = t == R1 ? R2 : R1;
            MOV64(p, R6);
            ALU64I(BPF_ADD, p, off);
            LDX(sz, t, p, 0);
            fold(g, t);
            return;
        }
        }
    }
    LDX(sz, t, R6, off);
    if (sz == BPF_DW && off == 168) /* sk: a pointer, not for folding */
        return;
    fold(g, t);
}

/* Loops: bounded counting loops (JMP and JMP32), mask-bounded down
 * counters; mistakes: an unknown counter that never changes the state
 * ("infinite loop detected"). */
static void blk_loop(struct vg *g)
{
    struct kd_rng *r = g->r;
    uint8_t i = R4, t = R3;
    int head = label(g);

    g->loops++;
    if (oops(g)) { /* the exit test reads a counter the body never changes */
        unknown_into(g, i);
        place(g, head);
        MOV64(t, i);
        ALU64I(BPF_AND, t, 7);
        jmp_k(g, BPF_JMP, chance(r, 50) ? BPF_JNE : BPF_JGT, i, (int32_t)rnd(r, 6), head);
        fold(g, t);
        return;
    }
    if (chance(r, 30)) { /* i = r9 & 7; do { ... } while (--i > 0) */
        MOV64(i, R9);
        ALU64I(BPF_AND, i, 7);
        place(g, head);
        ALU64X(BPF_ADD, R9, i);
        ALU64I(BPF_SUB, i, 1);
        jmp_k(g, jcls(r), BPF_JSGT, i, 0, head);
        return;
    }
    {
        int32_t n = 1 + (int32_t)rnd(r, 8), step = 1 + (int32_t)rnd(r, 2);
        uint8_t cls = jcls(r);
        MOV64I(i, 0);
        place(g, head);
        if (chance(r, 50)) { /* a stack access indexed by the counter */
            MOV64(t, i);
            ALU64I(BPF_AND, t, 7);
            ALU64I(BPF_LSH, t, 3);
            MOV64(R5, FP);
            ALU64I(BPF_ADD, R5, ST_SCALAR);
            ALU64X(BPF_ADD, R5, t);
            STX(BPF_DW, R5, i, 0);
        } else {
            ALU64X(BPF_XOR, R9, i);
        }
        ALU64I(BPF_ADD, i, step);
        jmp_k(g, cls, chance(r, 50) ? BPF_JLT : BPF_JSLT, i, n, head);
    }
}

/* bpf-to-bpf calls, with the arguments each subprogram wants (or not). */
static void blk_call(struct vg *g)
{
    struct kd_rng *r = g->r;
    unsigned k = rnd(r, 6);
    int bad = oops(g);

    g->calls++;
    switch (k) {
    case 0:
        MOV64(R1, R9);
        if (!bad)
            MOV64I(R2, any_imm(r));
        call_sub(g, SUB_SCALAR);
        break;
    case 1:
        MOV64(R1, bad ? R9 : R6);
        call_sub(g, SUB_CTX);
        break;
    case 2:
        MOV64(R1, FP);
        ALU64I(BPF_ADD, R1, bad ? -4 : -16);
        MOV64(R2, R9);
        call_sub(g, SUB_STACKW);
        LDX(BPF_DW, R3, FP, -16);
        fold(g, R3);
        break;
    case 3:
        if (g->c->type == BPF_PROG_TYPE_SOCKET_FILTER || !g->pkt) {
            MOV64(R1, R9);
            call_sub(g, SUB_LOOP);
            break;
        }
        MOV64(R1, R7);
        MOV64(R2, bad ? R9 : R8);
        call_sub(g, SUB_PKT);
        break;
    case 4: {
        int l = label(g);
        STI(BPF_W, FP, ST_KEY, 0);
        ld_map(g, R1, VD_MAP_ARRAY);
        MOV64(R2, FP);
        ALU64I(BPF_ADD, R2, ST_KEY);
        call_helper(g, BPF_FUNC_map_lookup_elem);
        if (!bad)
            jmp_k(g, BPF_JMP, BPF_JEQ, R0, 0, l);
        MOV64(R1, R0);
        call_sub(g, SUB_MAPV);
        fold(g, R0);
        place(g, l);
        return;
    }
    default:
        MOV64(R1, R9);
        call_sub(g, SUB_LOOP);
        break;
    }
    fold(g, R0);
    if (chance(r, 5) && oops(g))
        fold(g, (uint8_t)(1 + rnd(r, 5))); /* clobbered by the call */
}

/* Helper calls: right and wrong arguments, helpers of another type,
 * packet-invalidating helpers, callbacks. */
static void blk_helper(struct vg *g)
{
    struct kd_rng *r = g->r;
    enum bpf_prog_type ty = g->c->type;
    unsigned k = rnd(r, 10);

    switch (k) {
    case 0:
        call_helper(g, BPF_FUNC_get_prandom_u32);
        break;
    case 1:
        call_helper(g, chance(r, 50) ? BPF_FUNC_ktime_get_ns : BPF_FUNC_get_smp_processor_id);
        break;
    case 2: { /* skb_load_bytes(ctx, off, buf, len) */
        int32_t len = 1 + (int32_t)rnd(r, 64);
        MOV64(R1, oops(g) ? R9 : R6);
        if (chance(r, 50)) {
            MOV64I(R2, (int32_t)rnd(r, 60));
        } else {
            MOV64(R2, R9);
            ALU64I(BPF_AND, R2, 63);
        }
        MOV64(R3, FP);
        ALU64I(BPF_ADD, R3, -64);
        if (chance(r, 30)) { /* a variable length, bounded */
            MOV64(R4, R9);
            ALU64I(BPF_AND, R4, 63);
            if (!oops(g))
                ALU64I(BPF_ADD, R4, 1); /* never 0 */
        } else {
            MOV64I(R4, oops(g) ? (chance(r, 50) ? 0 : 65) : len);
        }
        call_helper(g, ty == BPF_PROG_TYPE_XDP && !oops(g) ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes);
        LDX(BPF_B, R1, FP, -64);
        fold(g, R1);
        break;
    }
    case 3: /* packet-invalidating helpers, then data and data_end again (or not) */
        MOV64(R1, R6);
        MOV64I(R2, chance(r, 50) ? 0 : (int32_t)rnd(r, 16));
        if (ty == BPF_PROG_TYPE_XDP) {
            call_helper(g, chance(r, 50) ? BPF_FUNC_xdp_adjust_head : BPF_FUNC_xdp_adjust_tail);
        } else if (ty == BPF_PROG_TYPE_SCHED_CLS) {
            call_helper(g, BPF_FUNC_skb_pull_data);
        } else {
            call_helper(g, BPF_FUNC_get_socket_cookie);
            break;
        }
        if (!oops(g)) {
            int tc = ty != BPF_PROG_TYPE_XDP;
            LDX(BPF_W, R7, R6, tc ? 76 : 0);
            LDX(BPF_W, R8, R6, tc ? 80 : 4);
        }
        break;
    case 4: /* trace_printk(fmt on the stack, size, arg) */
        STI(BPF_W, FP, -8, 0x000a6968); /* "hi\n" */
        MOV64(R1, FP);
        ALU64I(BPF_ADD, R1, -8);
        MOV64I(R2, oops(g) ? 9 : 4);
        MOV64(R3, R9);
        call_helper(g, BPF_FUNC_trace_printk);
        break;
    case 5: /* map_update_elem(map, key, value on the stack, 0) */
        STI(BPF_W, FP, ST_KEY, 1);
        ld_map(g, R1, VD_MAP_ARRAY);
        MOV64(R2, FP);
        ALU64I(BPF_ADD, R2, ST_KEY);
        MOV64(R3, FP);
        ALU64I(BPF_ADD, R3, oops(g) ? -40 : -64); /* 48 bytes from r10-40 leave the frame */
        MOV64I(R4, 0);
        call_helper(g, BPF_FUNC_map_update_elem);
        break;
    case 6: /* probe_read_kernel(buf, size, unsafe) */
        MOV64(R1, FP);
        ALU64I(BPF_ADD, R1, ST_BUF);
        MOV64I(R2, oops(g) ? 80 : 8);
        MOV64(R3, R9);
        call_helper(g, BPF_FUNC_probe_read_kernel);
        LDX(BPF_DW, R1, FP, ST_BUF);
        fold(g, R1);
        break;
    case 7: /* bpf_loop(n, callback, ctx, 0) */
        if (chance(r, 50)) {
            MOV64I(R1, 1 + (int32_t)rnd(r, 8));
        } else {
            MOV64(R1, R9);
            ALU64I(BPF_AND, R1, 15);
        }
        ld_func(g, R2, oops(g) ? CB_LOOP_BAD : CB_LOOP);
        MOV64(R3, FP);
        ALU64I(BPF_ADD, R3, -16);
        STI(BPF_DW, FP, -16, 0);
        MOV64I(R4, 0);
        call_helper(g, BPF_FUNC_loop);
        LDX(BPF_DW, R1, FP, -16);
        fold(g, R1);
        break;
    case 8: /* a helper of another program type, or no helper at all */
        if (oops(g)) {
            MOV64(R1, R6);
            MOV64I(R2, 0);
            call_helper(g, ty == BPF_PROG_TYPE_XDP ? BPF_FUNC_skb_pull_data : BPF_FUNC_xdp_adjust_head);
        } else {
            MOV64(R1, R6);
            call_helper(g, ty == BPF_PROG_TYPE_XDP         ? BPF_FUNC_get_smp_processor_id
                           : ty == BPF_PROG_TYPE_SCHED_CLS ? BPF_FUNC_get_hash_recalc
                                                           : BPF_FUNC_get_socket_uid);
        }
        break;
    default: /* map_delete_elem(map, key) */
        STI(BPF_DW, FP, ST_KEY, 3);
        ld_map(g, R1, oops(g) ? VD_MAP_RO : VD_MAP_HASH);
        MOV64(R2, FP);
        ALU64I(BPF_ADD, R2, ST_KEY);
        call_helper(g, BPF_FUNC_map_delete_elem);
        break;
    }
    fold(g, R0);
}

static void gen_blocks(struct vg *g, unsigned budget)
{
    struct kd_rng *r = g->r;
    unsigned start = g->n;

    while (g->n - start < budget && g->n + 80 < VD_MAX - 200) {
        unsigned k = rnd(r, 100);
        if (k < 18)
            blk_alu(g);
        else if (k < 28 && g->depth < 2)
            blk_branch(g, 6 + rnd(r, 20));
        else if (k < 42)
            blk_stack(g);
        else if (k < 58) {
            if (g->c->type == BPF_PROG_TYPE_SOCKET_FILTER)
                blk_skb_abs(g);
            else
                blk_pkt(g);
        } else if (k < 73)
            blk_map(g);
        else if (k < 82)
            blk_ctx(g);
        else if (k < 86 && g->loops < 2)
            blk_loop(g);
        else if (k < 91 && g->calls < 3)
            blk_call(g);
        else
            blk_helper(g);
    }
}

/* ---- subprograms ---------------------------------------------------------- */

static void gen_sub(struct vg *g, enum sub_kind k)
{
    struct kd_rng *r = g->r;

    place(g, g->sub_lab[k]);
    switch (k) {
    case SUB_SCALAR: /* r0 = f(r1, r2) */
        MOV64(R0, R1);
        alu_one(g, R0, R2);
        alu_one(g, R0, R1);
        break;
    case SUB_CTX:
        LDX(BPF_W, R0, R1, ctx_scalar_field(g));
        break;
    case SUB_STACKW: /* *(u64 *)r1 = r2 */
        STX(BPF_DW, R1, R2, 0);
        MOV64I(R0, 0);
        break;
    case SUB_PKT: { /* r1 = data, r2 = data_end */
        int out = label(g);
        MOV64I(R0, 0);
        MOV64(R3, R1);
        ALU64I(BPF_ADD, R3, 4);
        jmp_x(g, BPF_JMP, BPF_JGT, R3, R2, out);
        LDX(BPF_W, R0, R1, 0);
        place(g, out);
        break;
    }
    case SUB_MAPV:
        LDX(BPF_DW, R0, R1, (int16_t)(8 * rnd(r, 6)));
        break;
    case SUB_LOOP: { /* for (i = 0; i < (r1 & 7); i++) r0 += i */
        int head = label(g), done = label(g);
        MOV64I(R0, 0);
        ALU64I(BPF_AND, R1, 7);
        MOV64I(R2, 0);
        place(g, head);
        jmp_x(g, BPF_JMP, BPF_JGE, R2, R1, done);
        ALU64X(BPF_ADD, R0, R2);
        ALU64I(BPF_ADD, R2, 1);
        jmp_a(g, head);
        place(g, done);
        break;
    }
    case CB_LOOP: /* (index, ctx): *(u64 *)ctx += index; return 0 or 1 */
        LDX(BPF_DW, R3, R2, 0);
        ALU64X(BPF_ADD, R3, R1);
        STX(BPF_DW, R2, R3, 0);
        MOV64I(R0, (int32_t)rnd(r, 2));
        break;
    case CB_LOOP_BAD: /* returns a value bpf_loop does not allow, or reads past ctx */
        if (chance(r, 50)) {
            MOV64I(R0, 2);
        } else {
            LDX(BPF_DW, R0, R2, 16);
            MOV64I(R0, 0);
        }
        break;
    default: break;
    }
    EXIT();
}

/* Subprogram starts (call and callback targets); BTF for every program
 * with a callback (leaving it out is a mistake: "missing btf func_info"),
 * for half of the others with subprograms. */
static void find_funcs(struct vd_case *c, struct vg *g)
{
    unsigned starts[16], n = 1, i, j, k;
    int func = 0;

    starts[0] = 0;
    for (i = 0; i < c->len; i++) {
        const struct bpf_insn *in = &c->insns[i];
        int pcall = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
        int pfunc = in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC;
        if (pcall || pfunc) {
            unsigned t = (unsigned)((int)i + 1 + in->imm);
            func |= pfunc;
            for (k = 0; k < n && starts[k] != t; k++)
                ;
            if (k == n && n < 16)
                starts[n++] = t;
        }
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW))
            i++;
    }
    for (i = 1; i < n; i++) /* sort */
        for (j = i; j > 0 && starts[j - 1] > starts[j]; j--) {
            unsigned t = starts[j];
            starts[j] = starts[j - 1];
            starts[j - 1] = t;
        }
    if (func)
        c->has_btf = !oops(g);
    else if (n > 1)
        c->has_btf = chance(g->r, 50);
    if (!c->has_btf)
        return;
    for (i = 0; i < n; i++)
        c->func_info[i] = (struct bpf_func_info){.insn_off = starts[i], .type_id = 3};
    c->nfunc = n;
}

unsigned vd_btf(void *buf)
{
    static const char strs[] = "\0int\0f";
    uint32_t types[] = {
        1, BTF_KIND_INT << 24, 4, (1u << 24) | 32, /* [1] int: signed, 32 bits */
        0, BTF_KIND_FUNC_PROTO << 24, 1,             /* [2] int (void) */
        5, BTF_KIND_FUNC << 24, 2,                   /* [3] static int f(void) */
    };
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};
    uint8_t *p = buf;

    h.type_off = 0;
    h.type_len = sizeof(types);
    h.str_off = sizeof(types);
    h.str_len = sizeof(strs);
    memcpy(p, &h, sizeof(h));
    memcpy(p + sizeof(h), types, sizeof(types));
    memcpy(p + sizeof(h) + sizeof(types), strs, sizeof(strs));
    return (unsigned)(sizeof(h) + sizeof(types) + sizeof(strs));
}

void vd_gen_case(struct vd_case *c, uint64_t seed, uint64_t index, unsigned mistake_pct)
{
    static const enum bpf_prog_type types[] = {BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS,
                                               BPF_PROG_TYPE_SOCKET_FILTER};
    struct kd_rng rs, *r = &rs;
    struct vg gs, *g = &gs;
    unsigned i, k;

    memset(c, 0, sizeof(*c));
    kd_rng_init(r, seed ^ 0x7664696666ull, index);
    c->seed = seed;
    c->index = index;
    c->type = types[rnd(r, 3)];

    memset(g, 0, sizeof(*g));
    g->r = r;
    g->c = c;
    g->out = c->insns;
    g->mist = mistake_pct;
    for (k = 0; k < NSUBK; k++)
        g->sub_lab[k] = -1;

    /* prologue */
    MOV64(R6, R1);
    if (c->type == BPF_PROG_TYPE_SOCKET_FILTER) {
        LDX(BPF_W, R7, R6, 0);
        MOV64I(R8, 0);
    } else {
        int tc = c->type == BPF_PROG_TYPE_SCHED_CLS;
        LDX(BPF_W, R7, R6, tc ? 76 : 0);
        LDX(BPF_W, R8, R6, tc ? 80 : 4);
        g->pkt = 1;
    }
    if (chance(r, 50)) {
        call_helper(g, BPF_FUNC_get_prandom_u32);
        MOV64(R9, R0);
    } else {
        LDX(BPF_W, R9, R6, c->type == BPF_PROG_TYPE_XDP ? 12 : 0);
    }
    gen_blocks(g, 8 + rnd(r, chance(r, 20) ? 150 : 60));
    /* epilogue: a return value in the type's range (or not) */
    if (oops(g) && chance(r, 50))
        MOV64(R0, chance(r, 50) ? R7 : R6);
    else if (chance(r, 50))
        MOV64I(R0, c->type == BPF_PROG_TYPE_XDP ? XDP_PASS : 0);
    else {
        MOV64(R0, R9);
        ALU64I(BPF_AND, R0, c->type == BPF_PROG_TYPE_XDP ? 3 : 1);
    }
    EXIT();
    for (k = 0; k < NSUBK; k++)
        if (g->sub_lab[k] >= 0)
            gen_sub(g, (enum sub_kind)k);

    if (g->n > VD_MAX) /* never: budgets leave room; keep what fits */
        g->n = VD_MAX;
    for (i = 0; i < g->nfix; i++) {
        unsigned at = g->fix[i].at;
        int to = g->lab[g->fix[i].lab];
        if (at >= g->n || to < 0)
            continue;
        if (g->fix[i].in_imm)
            c->insns[at].imm = to - (int)at - 1;
        else
            c->insns[at].off = (int16_t)(to - (int)at - 1);
    }
    c->len = g->n;
    find_funcs(c, g);
}

void vd_patch_maps(const struct vd_case *c, const int ids[VD_NMAPS], struct bpf_insn *out)
{
    unsigned i;

    memcpy(out, c->insns, c->len * sizeof(out[0]));
    for (i = 0; i + 1 < c->len; i++) {
        struct bpf_insn *in = &out[i];
        if (in->code != (BPF_LD | BPF_IMM | BPF_DW))
            continue;
        if ((in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE) && in->imm >= 0 &&
            in->imm < VD_NMAPS)
            in->imm = ids[in->imm];
        i++;
    }
}
