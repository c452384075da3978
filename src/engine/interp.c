/* interp.c - the interpreter: decode once, run with threaded dispatch.
 *
 * interp_prepare() turns a checked program into struct interp_insn
 * (interp_ops.h); interp_run() runs it with one of two variants compiled
 * from the same loop (interp_body.inc): fast, or checked (every access
 * validated, every instruction counted).  Semantics follow RFC 9669 and,
 * where the RFC leaves a choice, the kernel (kernel/bpf/core.c and the
 * verifier's rewrites, e.g. division by zero).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "engine.h"
#include "interp_ops.h"

#define INTERP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define INTERP_LIKELY(x) __builtin_expect(!!(x), 1)

_Static_assert(sizeof(struct interp_insn) == 32, "decoded instruction should stay 32 bytes");

/* ---- Arithmetic with defined results for every input (RFC 9669 4.1) ---- */

static inline uint64_t interp_lsh64(uint64_t a, uint64_t s)
{
    return a << s;
}
static inline uint64_t interp_rsh64(uint64_t a, uint64_t s)
{
    return a >> s;
}
static inline uint64_t interp_arsh64(uint64_t a, uint64_t s)
{
    return (uint64_t)((int64_t)a >> s); /* gcc and clang: arithmetic shift */
}
static inline uint32_t interp_lsh32(uint32_t a, uint32_t s)
{
    return a << s;
}
static inline uint32_t interp_rsh32(uint32_t a, uint32_t s)
{
    return a >> s;
}
static inline uint32_t interp_arsh32(uint32_t a, uint32_t s)
{
    return (uint32_t)((int32_t)a >> s);
}

/* Division by zero gives 0; modulo by zero leaves the dividend (for 32
 * bits, zero-extended).  Signed forms truncate toward zero and the
 * remainder takes the dividend's sign; INT_MIN / -1 = INT_MIN and
 * INT_MIN % -1 = 0, computed without C's undefined overflow. */
static inline uint64_t interp_udiv64(uint64_t a, uint64_t b)
{
    return b ? a / b : 0;
}
static inline uint64_t interp_umod64(uint64_t a, uint64_t b)
{
    return b ? a % b : a;
}
static inline uint32_t interp_udiv32(uint32_t a, uint32_t b)
{
    return b ? a / b : 0;
}
static inline uint32_t interp_umod32(uint32_t a, uint32_t b)
{
    return b ? a % b : a;
}
static inline uint64_t interp_sdiv64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return 0;
    if ((int64_t)b == -1)
        return -a;
    return (uint64_t)((int64_t)a / (int64_t)b);
}
static inline uint64_t interp_smod64(uint64_t a, uint64_t b)
{
    if (b == 0)
        return a;
    if ((int64_t)b == -1)
        return 0;
    return (uint64_t)((int64_t)a % (int64_t)b);
}
static inline uint32_t interp_sdiv32(uint32_t a, uint32_t b)
{
    if (b == 0)
        return 0;
    if ((int32_t)b == -1)
        return -a;
    return (uint32_t)((int32_t)a / (int32_t)b);
}
static inline uint32_t interp_smod32(uint32_t a, uint32_t b)
{
    if (b == 0)
        return a;
    if ((int32_t)b == -1)
        return 0;
    return (uint32_t)((int32_t)a % (int32_t)b);
}

/* ---- Memory: byte copies so that any alignment is defined C ---- */

#define INTERP_MEM(N)                                                                                                  \
    static inline uint##N##_t interp_ld##N(uint64_t a)                                                                 \
    {                                                                                                                  \
        uint##N##_t v;                                                                                                 \
        __builtin_memcpy(&v, (const void *)(uintptr_t)a, sizeof(v));                                                   \
        return v;                                                                                                      \
    }                                                                                                                  \
    static inline void interp_st##N(uint64_t a, uint##N##_t v)                                                         \
    {                                                                                                                  \
        __builtin_memcpy((void *)(uintptr_t)a, &v, sizeof(v));                                                         \
    }
INTERP_MEM(8)
INTERP_MEM(16)
INTERP_MEM(32)
INTERP_MEM(64)
#undef INTERP_MEM

/* Network byte order loads for LD_ABS/LD_IND. */
static inline uint64_t interp_pkt8(const uint8_t *p)
{
    return p[0];
}
static inline uint64_t interp_pkt16(const uint8_t *p)
{
    return (uint64_t)p[0] << 8 | p[1];
}
static inline uint64_t interp_pkt32(const uint8_t *p)
{
    return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
}

/* ---- Checked mode: access validation (out of line, slow path) ---- */

static const char *const access_verb[] = {
    [IA_READ] = "read",        [IA_WRITE] = "write",       [IA_RMW] = "atomic update",
    [IA_ACQ] = "load-acquire", [IA_REL] = "store-release",
};

static inline uint32_t access_needs(enum interp_access kind)
{
    switch (kind) {
    case IA_READ:
    case IA_ACQ: return RT_R;
    case IA_RMW: return RT_RW;
    default: return RT_W;
    }
}

static const char *perm_text(uint32_t need)
{
    return need == RT_R ? "is not readable" : need == RT_W ? "is read-only" : "is not both readable and writable";
}

/* The common case, inline: the access is aligned when it must be and
 * lies inside the active stack or a region that allows it. */
static inline __attribute__((always_inline)) int interp_access_ok(const struct rt_run *run, unsigned depth,
                                                                  uint64_t addr, unsigned size, enum interp_access kind)
{
    uint64_t lo = (uint64_t)(uintptr_t)(run->stack + (RT_MAX_FRAMES - 1 - depth) * ISA_STACK);
    uint64_t hi = (uint64_t)(uintptr_t)(run->stack + sizeof(run->stack));
    uint32_t need = access_needs(kind);

    if (kind >= IA_RMW && (addr & (size - 1)))
        return 0;
    if (addr >= lo && addr <= hi - size)
        return 1;
    for (unsigned i = 0; i < run->nregions; i++) {
        const struct rt_region *g = &run->regions[i];
        if (addr >= g->start && addr - g->start <= g->size && g->size - (addr - g->start) >= size &&
            (g->perm & need) == need && (!g->check || g->check(run, g, addr, size, need, NULL, 0)))
            return 1;
    }
    return 0;
}

int interp_check_access(struct rt_run *run, unsigned depth, uint64_t addr, unsigned size, enum interp_access kind,
                        uint32_t pc)
{
    struct rt_region all[RT_MAX_REGIONS + 1];
    uint64_t end = addr + size;
    uint32_t need = access_needs(kind);
    const struct rt_region *denied = NULL, *near = NULL, *refused = NULL;
    char where[96], list[RT_ERRMSG], why[160];
    size_t n = 0, len = 0;

    snprintf(where, sizeof(where), "%s of %u byte%s at 0x%llx%s", access_verb[kind], size, size == 1 ? "" : "s",
             (unsigned long long)addr, addr < 4096 ? " (null pointer)" : "");
    if (kind >= IA_RMW && (addr & (size - 1)))
        return rt_fail(run, -EFAULT, pc, "misaligned %s: atomics must be naturally aligned", where);

    /* The stack of the active frames: current frame's bottom to frame 0's top. */
    all[n++] = (struct rt_region){
        .start = (uint64_t)(uintptr_t)(run->stack + (RT_MAX_FRAMES - 1 - depth) * ISA_STACK),
        .size = (uint64_t)(depth + 1) * ISA_STACK,
        .perm = RT_RW,
        .name = "stack",
    };
    for (unsigned i = 0; i < run->nregions && i < RT_MAX_REGIONS; i++)
        all[n++] = run->regions[i];

    for (size_t i = 0; i < n; i++) {
        const struct rt_region *g = &all[i];
        if (end < addr)
            break; /* wraps around: inside nothing */
        if (addr >= g->start && addr - g->start <= g->size && g->size - (addr - g->start) >= size) {
            if ((g->perm & need) == need) {
                if (!g->check || g->check(run, g, addr, size, need, refused ? NULL : why, sizeof(why)))
                    return 0;
                if (!refused)
                    refused = g;
                continue;
            }
            if (!denied)
                denied = g;
        } else if (!near && addr < g->start + g->size && end > g->start) {
            near = g; /* overlaps, not contained */
        }
    }
    if (refused)
        return rt_fail(run, -EFAULT, pc, "invalid %s: inside region '%s' [0x%llx, +%llu) but %s", where,
                       refused->name, (unsigned long long)refused->start, (unsigned long long)refused->size, why);
    if (denied)
        return rt_fail(run, -EFAULT, pc, "invalid %s: region '%s' [0x%llx, +%llu) %s", where, denied->name,
                       (unsigned long long)denied->start, (unsigned long long)denied->size, perm_text(need));
    if (near) {
        int past = addr >= near->start;
        uint64_t by = past ? end - (near->start + near->size) : near->start - addr;
        return rt_fail(run, -EFAULT, pc, "invalid %s: %llu byte%s %s region '%s' [0x%llx, +%llu)", where,
                       (unsigned long long)by, by == 1 ? "" : "s", past ? "past the end of" : "before the start of",
                       near->name, (unsigned long long)near->start, (unsigned long long)near->size);
    }
    list[0] = 0;
    for (size_t i = 0; i < n && len < sizeof(list); i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%s [0x%llx, +%llu)", i ? ", " : "", all[i].name,
                         (unsigned long long)all[i].start, (unsigned long long)all[i].size);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return rt_fail(run, -EFAULT, pc, "invalid %s: outside every region (%s)", where, list);
}

int rt_check_mem(struct rt_run *run, uint64_t addr, uint64_t size, uint32_t perm, const char *helper,
                 const char *what)
{
    enum interp_access kind = (perm & RT_W) ? IA_WRITE : IA_READ;
    char msg[RT_ERRMSG + 64];

    if (size <= UINT32_MAX && interp_access_ok(run, run->depth, addr, (unsigned)size, kind))
        return 0;
    if (size > UINT32_MAX)
        return rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: %s: size %llu is too large", helper, what,
                       (unsigned long long)size);
    interp_check_access(run, run->depth, addr, (unsigned)size, kind, run->err_pc);
    snprintf(msg, sizeof(msg), "helper bpf_%s: %s: %s", helper, what, run->errmsg);
    memcpy(run->errmsg, msg, sizeof(run->errmsg) - 1);
    run->errmsg[sizeof(run->errmsg) - 1] = 0;
    return run->err;
}

/* ---- Tail calls (out of line, slow path) ---- */

/* bpf_tail_call: the runtime resolves the slot (run->tail_call).  From a
 * bpf-to-bpf subprogram too: the target replaces the subprogram's frame
 * and its exit returns to the subprogram's caller, as the kernel's x86-64
 * JIT does since 5.10 (emit_bpf_tail_call_* unwinds the subprogram's
 * frame and jumps past the target's prologue; tailcall_bpf2bpf*.c of the
 * selftests, test_selftests_run_diff.c; test_tailcall.c
 * from_subprog_returns_to_caller).  The count of tail calls is the run's
 * (the x86 JIT's tail_call_cnt pointer, shared by the subprograms since
 * 6.10).  Returns r0: 0 with *code set (continue there), or a negative
 * errno. */
static __attribute__((noinline, cold)) uint64_t interp_tail_call(struct rt_run *run, uint64_t map, uint64_t index,
                                                                 const void **code)
{
    int64_t ret;

    *code = NULL;
    if (!run->tail_call)
        return (uint64_t)(int64_t)-EOPNOTSUPP;
    ret = run->tail_call(run, map, (uint32_t)index, code);
    if (run->err || ret < 0) {
        *code = NULL;
        return (uint64_t)ret;
    }
    return 0;
}

static int interp_callback(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0);

/* callx dst (BPF_JMP | BPF_CALL | BPF_X): the target, dst's value, must
 * be a function entry of the running program's code (base: after a tail
 * call, the target program's), which is what an LD_IMM64 BPF_PSEUDO_FUNC
 * of that program loads; anything else stops the run, in the fast mode
 * too (never a jump into the unknown).  tests/unit/test_callx.c. */
static __attribute__((noinline, cold)) const struct interp_insn *
interp_callx_target(struct rt_run *run, const struct interp_insn *base, uint64_t v, unsigned reg, uint32_t pc)
{
    const struct interp_code *code = (const void *)((const char *)base - offsetof(struct interp_code, insn));
    const uint64_t first = (uint64_t)(uintptr_t)base, off = v - first;

    if (v < first || off >= code->cnt * sizeof(struct interp_insn) || off % sizeof(struct interp_insn)) {
        rt_fail(run, -EFAULT, pc, "callx r%u: 0x%llx is not the address of a function of the program", reg,
                (unsigned long long)v);
        return NULL;
    }
    if (!code->fn[off / sizeof(struct interp_insn)]) {
        rt_fail(run, -EFAULT, pc, "callx r%u: insn %llu is not the first instruction of a function", reg,
                (unsigned long long)(off / sizeof(struct interp_insn)));
        return NULL;
    }
    return base + off / sizeof(struct interp_insn);
}

/* ---- The two run variants ---- */

#define INTERP_CHECKED 0
#define INTERP_FN interp_run_fast
#include "interp_body.inc"
#undef INTERP_CHECKED
#undef INTERP_FN

#define INTERP_CHECKED 1
#define INTERP_FN interp_run_checked
#include "interp_body.inc"
#undef INTERP_CHECKED
#undef INTERP_FN

/* ---- Decoding ---- */

/* Handlers by operation: [op >> 4][variant], variant = (32-bit ? 2 : 0) + (BPF_X ? 1 : 0). */
#define ROW4(N)                                                                                                        \
    {                                                                                                                  \
        IOP_##N##64_K, IOP_##N##64_X, IOP_##N##32_K, IOP_##N##32_X                                                     \
    }
static const uint8_t alu_ops[16][4] = {
    [BPF_ADD >> 4] = ROW4(ADD), [BPF_SUB >> 4] = ROW4(SUB), [BPF_MUL >> 4] = ROW4(MUL), [BPF_DIV >> 4] = ROW4(DIV),
    [BPF_OR >> 4] = ROW4(OR),   [BPF_AND >> 4] = ROW4(AND), [BPF_LSH >> 4] = ROW4(LSH), [BPF_RSH >> 4] = ROW4(RSH),
    [BPF_MOD >> 4] = ROW4(MOD), [BPF_XOR >> 4] = ROW4(XOR), [BPF_MOV >> 4] = ROW4(MOV), [BPF_ARSH >> 4] = ROW4(ARSH),
};
static const uint8_t salu_ops[2][4] = {ROW4(SDIV), ROW4(SMOD)}; /* off = 1: [BPF_MOD?] */
static const uint8_t jcc_ops[16][4] = {
    [BPF_JEQ >> 4] = ROW4(JEQ),   [BPF_JGT >> 4] = ROW4(JGT),   [BPF_JGE >> 4] = ROW4(JGE),
    [BPF_JSET >> 4] = ROW4(JSET), [BPF_JNE >> 4] = ROW4(JNE),   [BPF_JSGT >> 4] = ROW4(JSGT),
    [BPF_JSGE >> 4] = ROW4(JSGE), [BPF_JLT >> 4] = ROW4(JLT),   [BPF_JLE >> 4] = ROW4(JLE),
    [BPF_JSLT >> 4] = ROW4(JSLT), [BPF_JSLE >> 4] = ROW4(JSLE),
};
#undef ROW4

_Static_assert(IOP__COUNT <= 256, "decode tables hold handler numbers in a byte");

static unsigned size_index(uint8_t code) /* B, H, W, DW -> 0..3 */
{
    switch (ISA_SIZE(code)) {
    case BPF_B: return 0;
    case BPF_H: return 1;
    case BPF_W: return 2;
    default: return 3;
    }
}

static int decode_alu(const struct bpf_insn *in, int *op)
{
    uint8_t code = in->code, o = ISA_OP(code);
    int is64 = ISA_CLASS(code) == BPF_ALU64, x = ISA_SRC(code) == BPF_X;
    int le_host = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

    if (o == BPF_NEG) {
        *op = is64 ? IOP_NEG64 : IOP_NEG32;
    } else if (o == BPF_END) {
        /* ALU64: unconditional bswap.  ALU: to the named byte order, which
         * on a host of that order only truncates (le64 is a no-op). */
        int swap = is64 || (x ? le_host : !le_host); /* BPF_TO_BE is BPF_X */
        switch (in->imm) {
        case 16: *op = swap ? IOP_BSWAP16 : IOP_ZEXT16; break;
        case 32: *op = swap ? IOP_BSWAP32 : IOP_ZEXT32; break;
        default: *op = swap ? IOP_BSWAP64 : IOP_NOP; break;
        }
    } else if (o == BPF_MOV && in->off) {
        switch (in->off) {
        case 8: *op = is64 ? IOP_MOVSX64_8 : IOP_MOVSX32_8; break;
        case 16: *op = is64 ? IOP_MOVSX64_16 : IOP_MOVSX32_16; break;
        default: *op = IOP_MOVSX64_32; break;
        }
    } else if ((o == BPF_DIV || o == BPF_MOD) && in->off == 1) {
        *op = salu_ops[o == BPF_MOD][(is64 ? 0 : 2) + x];
    } else {
        *op = alu_ops[o >> 4][(is64 ? 0 : 2) + x];
    }
    return *op != IOP_UNREACH;
}

static int decode_mem(const struct bpf_insn *in, int *op)
{
    static const uint8_t ldx[4] = {IOP_LDX_B, IOP_LDX_H, IOP_LDX_W, IOP_LDX_DW};
    static const uint8_t ldxsx[4] = {IOP_LDXSX_B, IOP_LDXSX_H, IOP_LDXSX_W, IOP_UNREACH};
    static const uint8_t st[4] = {IOP_ST_B, IOP_ST_H, IOP_ST_W, IOP_ST_DW};
    static const uint8_t stx[4] = {IOP_STX_B, IOP_STX_H, IOP_STX_W, IOP_STX_DW};
    static const uint8_t ldacq[4] = {IOP_LDACQ_B, IOP_LDACQ_H, IOP_LDACQ_W, IOP_LDACQ_DW};
    static const uint8_t strel[4] = {IOP_STREL_B, IOP_STREL_H, IOP_STREL_W, IOP_STREL_DW};
    static const uint8_t ldabs[4] = {IOP_LDABS_B, IOP_LDABS_H, IOP_LDABS_W, IOP_UNREACH};
    static const uint8_t ldind[4] = {IOP_LDIND_B, IOP_LDIND_H, IOP_LDIND_W, IOP_UNREACH};
    uint8_t code = in->code, mode = ISA_MODE(code);
    unsigned s = size_index(code);

    switch (ISA_CLASS(code)) {
    case BPF_LDX: *op = mode == BPF_MEMSX ? ldxsx[s] : ldx[s]; break;
    case BPF_ST: *op = st[s]; break;
    case BPF_STX:
        if (mode == BPF_MEM) {
            *op = stx[s];
        } else if (in->imm == BPF_LOAD_ACQ) {
            *op = ldacq[s];
        } else if (in->imm == BPF_STORE_REL) {
            *op = strel[s];
        } else {
            int w64 = ISA_SIZE(code) == BPF_DW;
            switch (in->imm) {
            case BPF_ADD: *op = w64 ? IOP_AADD64 : IOP_AADD32; break;
            case BPF_OR: *op = w64 ? IOP_AOR64 : IOP_AOR32; break;
            case BPF_AND: *op = w64 ? IOP_AAND64 : IOP_AAND32; break;
            case BPF_XOR: *op = w64 ? IOP_AXOR64 : IOP_AXOR32; break;
            case BPF_ADD | BPF_FETCH: *op = w64 ? IOP_AFADD64 : IOP_AFADD32; break;
            case BPF_OR | BPF_FETCH: *op = w64 ? IOP_AFOR64 : IOP_AFOR32; break;
            case BPF_AND | BPF_FETCH: *op = w64 ? IOP_AFAND64 : IOP_AFAND32; break;
            case BPF_XOR | BPF_FETCH: *op = w64 ? IOP_AFXOR64 : IOP_AFXOR32; break;
            case BPF_XCHG: *op = w64 ? IOP_AXCHG64 : IOP_AXCHG32; break;
            case BPF_CMPXCHG: *op = w64 ? IOP_ACMPXCHG64 : IOP_ACMPXCHG32; break;
            default: *op = IOP_UNREACH; break;
            }
        }
        break;
    default: /* BPF_LD: LD_ABS / LD_IND (LD_IMM64 is decoded by the caller) */
        *op = mode == BPF_ABS ? ldabs[s] : mode == BPF_IND ? ldind[s] : IOP_UNREACH;
        break;
    }
    return *op != IOP_UNREACH;
}

/* Decode instruction i of the program: choose its handler and resolve
 * what it refers to.  Returns 0 or a negative errno with the reason in log. */
static int decode_one(const struct eng_input *prog, size_t i, struct interp_insn *out, struct interp_insn *base,
                      int *op, struct eng_log *log)
{
    const struct bpf_insn *insns = prog->insns, *in = &insns[i];
    const size_t cnt = prog->cnt;
    uint8_t cls = ISA_CLASS(in->code), o = ISA_OP(in->code);
    int64_t t;

    out->dst = in->dst_reg;
    out->src = in->src_reg;
    out->off = in->off;
    out->imm = in->imm;
    if (isa_is_ldimm64(in)) {
        if (in->src_reg == BPF_PSEUDO_FUNC) {
            /* The address of a callback: imm is relative to the next
             * instruction, as for a bpf-to-bpf call; the value is the
             * decoded instruction, which interp_callback() runs. */
            t = (int64_t)i + 1 + in->imm;
            if (t < 0 || (size_t)t >= cnt || (t > 0 && isa_is_ldimm64(&insns[t - 1])) || insns[i + 1].imm)
                return eng_log_fail(log, -EINVAL, (long)i,
                                    "LD_IMM64 with src_reg %u (callback): target %lld is outside the program "
                                    "(%zu instructions) or not an instruction's start",
                                    in->src_reg, (long long)t, cnt);
            *op = IOP_LDIMM64;
            out->u.imm64 = (uint64_t)(uintptr_t)(base + t);
            return 0;
        }
        if (in->src_reg != 0)
            return eng_log_fail(log, -EOPNOTSUPP, (long)i,
                                "LD_IMM64 with src_reg %u: an unresolved reference (program load resolves map "
                                "references)",
                                in->src_reg);
        *op = IOP_LDIMM64;
        out->u.imm64 = isa_imm64(in);
        return 0;
    }
    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (!decode_alu(in, op))
            break;
        return 0;
    case BPF_JMP:
    case BPF_JMP32:
        if (o == BPF_EXIT) {
            *op = IOP_EXIT;
            return 0;
        }
        if (o == BPF_CALL && ISA_SRC(in->code) == BPF_X) {
            *op = IOP_CALLX; /* the target is checked when it runs */
            return 0;
        }
        if (o == BPF_CALL && in->src_reg == 0) {
            const struct eng_call *c = prog->calls ? &prog->calls[i] : NULL;
            if (!c || c->kind == ENG_CALL_NONE || (c->kind != ENG_CALL_TAIL && !c->fn))
                return eng_log_fail(log, -EINVAL, (long)i, "call to helper #%d was not resolved by the fix-up stage",
                                    in->imm);
            if (c->kind == ENG_CALL_TAIL) {
                *op = IOP_TAIL_CALL;
                return 0;
            }
            *op = c->kind == ENG_CALL_CALLBACK ? IOP_CALL_CB : IOP_CALL_HELPER;
            out->u.fn = c->fn;
            return 0;
        }
        if (o == BPF_CALL && in->src_reg == BPF_PSEUDO_KFUNC_CALL)
            return eng_log_fail(log, -EOPNOTSUPP, (long)i, "call to kfunc (BTF id %d), which bpfrt does not support",
                                in->imm);
        if (!isa_branch_target(insns, i, &t))
            break;
        out->u.tgt = base + t;
        if (o == BPF_CALL)
            *op = IOP_CALL_PSEUDO;
        else if (o == BPF_JA)
            *op = IOP_JA;
        else
            *op = jcc_ops[o >> 4][(cls == BPF_JMP ? 0 : 2) + (ISA_SRC(in->code) == BPF_X)];
        if (*op == IOP_UNREACH)
            break;
        return 0;
    default:
        if (!decode_mem(in, op))
            break;
        return 0;
    }
    return eng_log_fail(log, -EINVAL, (long)i, "opcode 0x%02x has no interpreter handler", in->code);
}

static int interp_prepare(const struct eng_input *prog, void **imagep, struct eng_log *log)
{
    const void *const *fast, *const *checked;
    struct interp_code *code;
    const size_t cnt = prog ? prog->cnt : 0;
    size_t bytes = sizeof(*code) + (cnt + 1) * sizeof(struct interp_insn) + cnt;
    size_t i;

    if (log)
        log->err_insn = -1;
    if (!prog || !prog->insns || !cnt || !imagep)
        return -EINVAL;
    interp_run_fast(NULL, NULL, NULL, NULL, &fast, NULL, 0);
    interp_run_checked(NULL, NULL, NULL, NULL, &checked, NULL, 0);
    code = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!code)
        return -ENOMEM;
    memset(code, 0, bytes);
    code->cnt = cnt;
    code->fn = (const uint8_t *)(code->insn + cnt + 1);
    isa_mark_fn_entries(prog->insns, cnt, (uint8_t *)(code->insn + cnt + 1), 1);
    for (i = 0; i < cnt; i++) {
        struct interp_insn *out = &code->insn[i];
        int op = IOP_UNREACH, err;

        err = decode_one(prog, i, out, code->insn, &op, log);
        if (err) {
            free(code);
            return err;
        }
        out->lbl[0] = fast[op];
        out->lbl[1] = checked[op];
        if (op == IOP_LDIMM64) { /* its second slot: never executed */
            i++;
            code->insn[i].lbl[0] = fast[IOP_UNREACH];
            code->insn[i].lbl[1] = checked[IOP_UNREACH];
        }
    }
    code->insn[cnt].lbl[0] = fast[IOP_END];
    code->insn[cnt].lbl[1] = checked[IOP_END];
    *imagep = code;
    return 0;
}

static void interp_free(void *code)
{
    free(code);
}

static size_t interp_image_size(const void *image)
{
    const struct interp_code *code = image;
    return sizeof(*code) + (code->cnt + 1) * sizeof(struct interp_insn) + code->cnt;
}

static int interp_run(const void *image, struct rt_run *run, const uint64_t args[5], int checked, uint64_t *r0)
{
    const struct interp_code *code = image;

    run->err = 0;
    run->checked = !!checked;
    run->depth = 0;
    run->frames_max = ISA_MAX_FRAMES;
    run->tail_calls = 0;
    run->redirect.map = NULL;
    if (!checked)
        return interp_run_fast(code, run, args, r0, NULL, code->insn, 0);
    {
        const uint64_t budget = run->budget;
        int err = interp_run_checked(code, run, args, r0, NULL, code->insn, 0);

        /* A budget spent inside a callback (bpf_loop) is reported by the
         * callback's nested run, which only knows what was left when it
         * started ("(1 instructions)"): name the run's budget. */
        if (err == -ELOOP && !run->budget && !strncmp(run->errmsg, "instruction budget exceeded", 27))
            snprintf(run->errmsg, sizeof(run->errmsg), "instruction budget exceeded (%llu instructions)",
                     (unsigned long long)budget);
        return err;
    }
}

/* A callback for a helper: a nested run of the same code from the
 * callback's first instruction, on the frame below the caller's, in the
 * caller's mode, with what is left of the budget (the CALL_CB handler put
 * it in run->budget and charges what the callback used).  fn must be a
 * decoded instruction of the running program (what an LD_IMM64
 * BPF_PSEUDO_FUNC loads). */
static int interp_callback(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0)
{
    const struct interp_code *code = run->image;
    const uint32_t depth = run->depth, pc = run->err_pc;
    uint64_t first, off;
    int err;

    if (!code)
        return rt_fail(run, -EFAULT, pc, "internal error: callback outside a callback helper");
    first = (uint64_t)(uintptr_t)code->insn;
    off = fn - first;
    if (fn < first || off >= code->cnt * sizeof(struct interp_insn) || off % sizeof(struct interp_insn))
        return rt_fail(run, -EFAULT, pc, "callback 0x%llx is not an instruction of the program",
                       (unsigned long long)fn);
    if (depth + 1 >= run->frames_max)
        return rt_fail(run, -ELOOP, pc, "call depth exceeds %u frames (callback at insn %llu)", run->frames_max,
                       (unsigned long long)(off / sizeof(struct interp_insn)));
    if (!run->checked) { /* fast mode charges calls; a callback is one */
        if (!run->budget)
            return rt_fail(run, -ELOOP, pc, "instruction budget exceeded");
        run->budget--;
    }
    err = run->checked ? interp_run_checked(code, run, args, r0, NULL, code->insn + off / sizeof(struct interp_insn),
                                            depth + 1)
                       : interp_run_fast(code, run, args, r0, NULL, code->insn + off / sizeof(struct interp_insn),
                                         depth + 1);
    /* the callback's own helper calls moved these */
    run->depth = depth;
    run->image = code;
    run->callback = interp_callback;
    if (!err)
        run->err_pc = pc;
    return err;
}

const struct eng_ops eng_interp = {
    .name = "interp",
    .prepare = interp_prepare,
    .run = interp_run,
    .free = interp_free,
    .image_size = interp_image_size,
};
