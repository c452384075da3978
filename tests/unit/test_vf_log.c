/* test_vf_log.c - the verifier log (src/verifier/log.c) and the
 * explanation of a rejection (src/verifier/explain.c).
 *
 * The expected strings are lines the running 6.18 kernel printed for the
 * same instructions and states (BPF_PROG_LOAD with log_level 1, 2 and 4,
 * captured once): the instruction syntax of kernel/bpf/disasm.c, the
 * state syntax of print_verifier_state, the column the state starts at,
 * the statistics lines. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "common/diag.h"
#include "insns.h"
#include "maps/map.h"
#include "verifier/env.h"

struct fx {
    struct vf_env env;
    struct cm_diag diag;
    char log[1 << 16];
};

static struct fx *mk(const struct bpf_insn *insns, uint32_t cnt, uint32_t level)
{
    struct fx *f = calloc(1, sizeof(*f));

    cr_assert(f);
    f->env.insns = insns;
    f->env.cnt = cnt;
    f->env.priv = 1;
    f->env.log_level = level;
    f->env.log = f->log;
    f->env.log_size = sizeof(f->log);
    cm_diag_init(&f->diag, NULL, 0);
    f->env.diag = &f->diag;
    return f;
}

#define CNT(a) ((uint32_t)INSNS_CNT(a))

/* Every instruction class, as the kernel printed them (the index and the
 * opcode byte included). */
static const struct bpf_insn classes[] = {
    INSN_MOV64_REG(6, 1),
    INSN_MOV64_IMM(0, 0),
    INSN_MOV32_IMM(1, 5),
    INSN_ALU64_IMM(BPF_ADD, 2, 3),
    INSN_ALU32_REG(BPF_SUB, 2, 1),
    INSN_ALU64_IMM(BPF_LSH, 2, 2),
    INSN_ALU64_IMM(BPF_ARSH, 2, 1),
    INSN_ENDIAN(BPF_TO_BE, 2, 16),
    INSN_ENDIAN(BPF_TO_LE, 2, 32),
    INSN_BSWAP(2, 64),
    INSN_MOVSX64(3, 2, 8),
    INSN_MOVSX32(3, 2, 16),
    INSN_SALU64_IMM(BPF_DIV, 2, 3),
    INSN_SALU32_IMM(BPF_MOD, 2, 7),
    INSN_NEG64(3),
    INSN_NEG32(3),
    INSN_MOV32_REG(4, 3),
    INSN_ALU64_IMM(BPF_AND, 2, -1),
    INSN_ALU64_IMM(BPF_MOV, 7, -7),
    INSN_STX(BPF_DW, 10, 2, -8),
    INSN_ST_IMM(BPF_W, 10, -12, 7),
    INSN_ST_IMM(BPF_B, 10, -16, 0),
    INSN_LDX(BPF_DW, 4, 10, -8),
    INSN_LDXSX(BPF_H, 4, 10, -8),
    INSN_LDX(BPF_B, 5, 10, -16),
    INSN_ATOMIC(BPF_DW, BPF_ADD, 10, 2, -8),
    INSN_ATOMIC(BPF_W, BPF_OR | BPF_FETCH, 10, 1, -12),
    INSN_ATOMIC(BPF_DW, BPF_XCHG, 10, 2, -8),
    INSN_ATOMIC(BPF_DW, BPF_CMPXCHG, 10, 2, -8),
    INSN_ATOMIC(BPF_W, BPF_CMPXCHG, 10, 2, -12),
    INSN_ATOMIC(BPF_W, BPF_XCHG, 10, 2, -12),
    INSN_LOAD_ACQ(BPF_DW, 4, 10, -8),
    INSN_STORE_REL(BPF_W, 10, 4, -12),
    INSN_JMP_IMM(BPF_JGT, 2, 5, 1),
    INSN_JA(0),
    INSN_JMP32_REG(BPF_JSLT, 2, 3, 0),
    INSN_GOTOL(0),
    INSN_JMP_IMM(BPF_JEQ, 2, -1, 0),
    INSN_JMP32_IMM(BPF_JSET, 2, 0x10, 0),
    INSN_LDIMM64(5, 0x123456789ull),
    INSN_LDIMM64(5, -2),
    INSN_LD_ABS(BPF_B, 0),
    INSN_LD_IND(BPF_H, 2, 4),
    INSN_CALL(BPF_FUNC_get_prandom_u32),
    INSN_CALL(BPF_FUNC_map_lookup_elem),
    INSN_CALL_PSEUDO(1),
    INSN_JMP_IMM(BPF_JLT, 0, 3, -2),
    INSN_LDX(BPF_W, 2, 1, 0),
    INSN_ST_IMM(BPF_DW, 10, -8, 1),
    INSN_JMP_REG(BPF_JGT, 4, 3, 2),
    INSN_EXIT(),
};

static const char *const classes_kernel[] = {
    "0: (bf) r6 = r1",
    "1: (b7) r0 = 0",
    "2: (b4) w1 = 5",
    "3: (07) r2 += 3",
    "4: (1c) w2 -= w1",
    "5: (67) r2 <<= 2",
    "6: (c7) r2 s>>= 1",
    "7: (dc) r2 = be16 r2",
    "8: (d4) r2 = le32 r2",
    "9: (d7) r2 = bswap64 r2",
    "10: (bf) r3 = (s8)r2",
    "11: (bc) w3 = (s16)w2",
    "12: (37) r2 s/= 3",
    "13: (94) w2 s%= 7",
    "14: (87) r3 = -r3",
    "15: (84) w3 = -w3",
    "16: (bc) w4 = w3",
    "17: (57) r2 &= -1",
    "18: (b7) r7 = -7",
    "19: (7b) *(u64 *)(r10 -8) = r2",
    "20: (62) *(u32 *)(r10 -12) = 7",
    "21: (72) *(u8 *)(r10 -16) = 0",
    "22: (79) r4 = *(u64 *)(r10 -8)",
    "23: (89) r4 = *(s16 *)(r10 -8)",
    "24: (71) r5 = *(u8 *)(r10 -16)",
    "25: (db) lock *(u64 *)(r10 -8) += r2",
    "26: (c3) r1 = atomic_fetch_or((u32 *)(r10 -12), r1)",
    "27: (db) r2 = atomic64_xchg((u64 *)(r10 -8), r2)",
    "28: (db) r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r2)",
    "29: (c3) r0 = atomic_cmpxchg((u32 *)(r10 -12), r0, r2)",
    "30: (c3) r2 = atomic_xchg((u32 *)(r10 -12), r2)",
    "31: (db) r4 = load_acquire((u64 *)(r10 -8))",
    "32: (c3) store_release((u32 *)(r10 -12), r4)",
    "33: (25) if r2 > 0x5 goto pc+1",
    "34: (05) goto pc+0",
    "35: (ce) if w2 s< w3 goto pc+0",
    "36: (06) gotol pc+0",
    "37: (15) if r2 == 0xffffffff goto pc+0",
    "38: (46) if w2 & 0x10 goto pc+0",
    "39: (18) r5 = 0x123456789",
    NULL, /* second half */
    "41: (18) r5 = 0xfffffffffffffffe",
    NULL,
    "43: (30) r0 = *(u8 *)skb[0]",
    "44: (48) r0 = *(u16 *)skb[r2 + 4]",
    "45: (85) call bpf_get_prandom_u32#7",
    "46: (85) call bpf_map_lookup_elem#1",
    "47: (85) call pc+1",
    "48: (a5) if r0 < 0x3 goto pc-2",
    "49: (61) r2 = *(u32 *)(r1 +0)",
    "50: (7a) *(u64 *)(r10 -8) = 1",
    "51: (2d) if r4 > r3 goto pc+2",
    "52: (95) exit",
};

Test(vf_log, insn_syntax_per_class)
{
    /* print_bpf_insn (kernel/bpf/disasm.c, 6.18): one line per
     * instruction, "%d: (%02x) %s". */
    struct fx *f = mk(classes, CNT(classes), 2);
    uint32_t i;

    cr_assert_eq(INSNS_CNT(classes_kernel), CNT(classes));
    for (i = 0; i < CNT(classes); i++) {
        char want[128];
        uint64_t at = vf_log_pos(&f->env);

        if (!classes_kernel[i])
            continue;
        vf_log_insn(&f->env, i);
        snprintf(want, sizeof(want), "%s\n", classes_kernel[i]);
        cr_expect_str_eq(f->log + at, want);
    }
    free(f);
}

Test(vf_log, insn_str_without_index)
{
    /* The instruction alone, as the explanation quotes it. */
    struct fx *f = mk(classes, CNT(classes), 0);
    char buf[96];

    cr_expect_str_eq(vf_insn_str(&f->env, 22, buf, sizeof(buf)), "r4 = *(u64 *)(r10 -8)");
    cr_expect_str_eq(vf_insn_str(&f->env, 99, buf, sizeof(buf)), "");
    cr_expect_eq(f->env.log_len, 0, "level 0: nothing logged");
    free(f);
}

Test(vf_log, ldimm64_map_hidden_from_unprivileged)
{
    /* A map load prints the map's address to the privileged and 0x0 to
     * the unprivileged (print_bpf_insn's allow_ptr_leaks). */
    static const struct bpf_insn p[] = {INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, 3, 0), INSN_EXIT()};
    struct bpfrt_map m = {0};
    struct bpfrt_map *maps[3] = {&m, NULL, NULL};
    struct fx *f = mk(p, CNT(p), 1);
    char want[64];

    f->env.insn_map = maps;
    vf_log_insn(&f->env, 0);
    snprintf(want, sizeof(want), "0: (18) r1 = %#llx\n", (unsigned long long)(uintptr_t)&m);
    cr_expect_str_eq(f->log, want);
    f->env.priv = 0;
    vf_log_reset(&f->env, 0);
    vf_log_insn(&f->env, 0);
    cr_expect_str_eq(f->log, "0: (18) r1 = 0x0\n");
    free(f);
}

/* ---- states ---- */

static struct vf_reg scalar_unknown(void)
{
    struct vf_reg r = {.type = VF_SCALAR,
                       .var_off = {0, UINT64_MAX},
                       .smin = INT64_MIN,
                       .smax = INT64_MAX,
                       .umin = 0,
                       .umax = UINT64_MAX,
                       .s32_min = INT32_MIN,
                       .s32_max = INT32_MAX,
                       .u32_min = 0,
                       .u32_max = UINT32_MAX};
    return r;
}

static struct vf_reg konst(uint64_t v)
{
    struct vf_reg r = {.type = VF_SCALAR, .var_off = {v, 0}};
    r.smin = r.smax = (int64_t)v;
    r.umin = r.umax = v;
    r.s32_min = r.s32_max = (int32_t)v;
    r.u32_min = r.u32_max = (uint32_t)v;
    return r;
}

static struct vf_reg ptr(uint8_t type, int32_t off)
{
    struct vf_reg r = konst(0);
    r.type = type;
    r.off = off;
    return r;
}

static void expect_reg(const struct vf_reg *r, const char *want)
{
    char buf[256];

    vf_reg_str(buf, sizeof(buf), r, 0);
    cr_expect_str_eq(buf, want);
}

Test(vf_log, scalar_formats)
{
    /* print_reg_state / print_scalar_ranges: constants decimal within
     * 16 bits signed, else hex; equal bounds merged; unbounded ones left
     * out; precise scalars prefixed P. */
    struct vf_reg r;

    r = konst(1536);
    expect_reg(&r, "1536");
    r = konst(32768);
    expect_reg(&r, "0x8000");
    r = konst((uint64_t)-32768);
    expect_reg(&r, "-32768");
    r = konst((uint64_t)-32769);
    expect_reg(&r, "0xffffffffffff7fff");
    r = konst(0x6000000000000ull);
    expect_reg(&r, "0x6000000000000");
    r = konst((uint64_t)-2);
    expect_reg(&r, "-2");
    r = konst(0);
    r.precise = 1;
    expect_reg(&r, "P0");
    r = scalar_unknown();
    expect_reg(&r, "scalar()");
    r.id = 1;
    expect_reg(&r, "scalar(id=1)");

    /* r &= 7 style: [0, 5] after "if r2 > 0x5" */
    r = scalar_unknown();
    r.smin = r.umin = 0, r.smax = 5, r.umax = 5;
    r.s32_min = 0, r.s32_max = 5, r.u32_min = 0, r.u32_max = 5;
    r.var_off = (struct tnum){0, 7};
    expect_reg(&r, "scalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7))");
    r.precise = 1;
    expect_reg(&r, "Pscalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7))");

    /* a 32-bit unknown zero-extended */
    r = scalar_unknown();
    r.smin = 0, r.smax = 0xffffffff, r.umax = 0xffffffff;
    r.var_off = (struct tnum){0, 0xffffffff};
    expect_reg(&r, "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))");

    /* (r & 0xff) - 32768: negatives are not merged with positives; the
     * 32-bit unsigned bounds in hex */
    r = scalar_unknown();
    r.smin = -32768, r.smax = -32513, r.umin = 0xffffffffffff8000ull, r.umax = 0xffffffffffff80ffull;
    r.s32_min = -32768, r.s32_max = -32513, r.u32_min = 0xffff8000, r.u32_max = 0xffff80ff;
    r.var_off = (struct tnum){0xffffffffffff8000ull, 0xff};
    expect_reg(&r, "scalar(smin=smin32=-32768,smax=smax32=-32513,umin=0xffffffffffff8000,umax=0xffffffffffff80ff,"
                   "umin32=0xffff8000,umax32=0xffff80ff,var_off=(0xffffffffffff8000; 0xff))");

    /* r | 16: a hex 32-bit signed bound is the 32-bit pattern */
    r = scalar_unknown();
    r.smin = (int64_t)0x8000000000000010ull, r.umin = 16, r.u32_min = 16, r.s32_min = (int32_t)0x80000010;
    r.var_off = (struct tnum){0x10, 0xffffffffffffffefull};
    expect_reg(&r, "scalar(smin=0x8000000000000010,umin=umin32=16,smin32=0x80000010,var_off=(0x10; 0xffffffffffffffef))");

    /* (r << 32) s>> 32 */
    r = scalar_unknown();
    r.smin = INT32_MIN, r.smax = INT32_MAX;
    expect_reg(&r, "scalar(smin=0xffffffff80000000,smax=0x7fffffff)");
}

Test(vf_log, pointer_formats)
{
    /* reg_type_str and print_reg_state for pointers (6.18 lines). */
    struct bpfrt_map m = {0};
    struct vf_reg r;
    char buf[128];

    strcpy(m.name, "mymap");
    m.key_size = 4;
    m.value_size = 8;
    r = ptr(VF_PTR_TO_CTX, 0);
    expect_reg(&r, "ctx()");
    r = ptr(VF_PTR_TO_STACK, 0);
    expect_reg(&r, "fp0");
    r = ptr(VF_PTR_TO_STACK, -4);
    expect_reg(&r, "fp-4");
    r.frameno = 1; /* a caller's stack seen from frame 0... printed with its frame */
    expect_reg(&r, "fp[1]-4");
    r = ptr(VF_PTR_TO_PACKET, 0);
    expect_reg(&r, "pkt(r=0)");
    r = ptr(VF_PTR_TO_PACKET, 14);
    r.range = 14;
    expect_reg(&r, "pkt(off=14,r=14)");
    r = ptr(VF_PTR_TO_PACKET_END, 0);
    expect_reg(&r, "pkt_end()");
    r = ptr(VF_CONST_PTR_TO_MAP, 0);
    r.map = &m;
    expect_reg(&r, "map_ptr(map=mymap,ks=4,vs=8)");
    r = ptr(VF_PTR_TO_MAP_VALUE, 0);
    r.map = &m;
    r.flags = VF_MAYBE_NULL;
    r.id = 1;
    expect_reg(&r, "map_value_or_null(id=1,map=mymap,ks=4,vs=8)");
    r.flags = 0;
    r.id = 0;
    expect_reg(&r, "map_value(map=mymap,ks=4,vs=8)");
    r = ptr(VF_PTR_TO_MEM, 0);
    r.flags = VF_RINGBUF | VF_MAYBE_NULL;
    r.id = 2;
    r.ref_obj_id = 2;
    r.mem_size = 8;
    expect_reg(&r, "ringbuf_mem_or_null(id=2,ref_obj_id=2,sz=8)");
    /* a stack pointer with a variable offset */
    r = scalar_unknown();
    r.type = VF_PTR_TO_STACK;
    r.smin = r.umin = 0, r.smax = r.umax = 1023, r.s32_min = 0, r.s32_max = 1023, r.u32_min = 0, r.u32_max = 1023;
    r.var_off = (struct tnum){0, 0x3ff};
    expect_reg(&r, "fp(smin=smin32=0,smax=umax=smax32=umax32=1023,var_off=(0x0; 0x3ff))");
    cr_expect_str_eq(vf_type_name(&(struct vf_reg){.type = VF_PTR_TO_BTF_ID, .flags = VF_MAYBE_NULL}), "ptr_or_null_");
    cr_expect_str_eq(vf_type_name(&(struct vf_reg){.type = VF_PTR_TO_MEM, .flags = VF_RDONLY}), "rdonly_mem");
    vf_reg_str(buf, 4, &r, 0); /* cut, NUL-terminated */
    cr_expect_str_eq(buf, "fp(");
}

struct st {
    struct vf_state s;
    struct vf_frame f0, f1;
    struct vf_slot slots0[VF_SLOTS], slots1[VF_SLOTS]; /* the frames' stacks */
};

static void init_state(struct st *st)
{
    int i;

    memset(st, 0, sizeof(*st));
    st->s.frame[0] = &st->f0;
    st->f0.slots = st->slots0;
    st->f1.slots = st->slots1;
    st->f0.callsite = -1;
    for (i = 0; i < VF_MAX_REG; i++)
        st->f0.regs[i].type = VF_NOT_INIT;
    st->f0.regs[1] = ptr(VF_PTR_TO_CTX, 0);
    st->f0.regs[10] = ptr(VF_PTR_TO_STACK, 0);
}

static void set_slot(struct vf_frame *f, int spi, const char *kernel_chars)
{
    /* kernel order: highest address first */
    for (int j = 0; j < 8; j++) {
        char c = kernel_chars[j];
        f->slots[spi].type[7 - j] = c == 'm' ? VF_STACK_MISC : c == '0' ? VF_STACK_ZERO : c == 'r' ? VF_STACK_SPILL
                                                                                              : VF_STACK_INVALID;
    }
    if ((uint32_t)(spi + 1) * 8 > f->allocated)
        f->allocated = (uint32_t)(spi + 1) * 8;
}

Test(vf_log, state_lines)
{
    /* print_verifier_state: "0: R1=ctx() R10=fp0" at a path's start,
     * stack slots from the highest address down, spilled registers,
     * narrower spills, frames, references. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 2);
    struct st st;
    uint64_t at;

    init_state(&st);
    vf_log(&f->env, "0:");
    vf_log_state(&f->env, &st.s, 0);
    cr_expect_str_eq(f->log, "0: R1=ctx() R10=fp0\n");

    set_slot(&st.f0, 0, "mmmmmmmm");
    set_slot(&st.f0, 1, "mmmm???0");
    set_slot(&st.f0, 2, "0000????");
    set_slot(&st.f0, 3, "rrrrrrrr");
    st.f0.slots[3].spilled = ptr(VF_PTR_TO_CTX, 0);
    set_slot(&st.f0, 4, "????rrrr");
    st.f0.slots[4].spilled = scalar_unknown();
    set_slot(&st.f0, 5, "rrrrrrrr");
    st.f0.slots[5].spilled = ptr(VF_PTR_TO_STACK, -8);
    set_slot(&st.f0, 7, "rrrrrrrr"); /* slot 6 never written: not printed */
    st.f0.slots[7].spilled = konst(42);
    at = vf_log_pos(&f->env);
    vf_log_state(&f->env, &st.s, 0);
    cr_expect_str_eq(f->log + at, " R1=ctx() R10=fp0 fp-8=mmmmmmmm fp-16=mmmm???0 fp-24=0000???? fp-32=ctx() "
                                  "fp-40=????scalar() fp-48=fp-8 fp-64=42\n");

    /* a callee's frame, and a reference held */
    st.s.frame[1] = &st.f1;
    st.s.curframe = 1;
    st.f1.frameno = 1;
    st.f1.regs[1] = konst(3);
    st.f1.regs[10] = ptr(VF_PTR_TO_STACK, 0);
    st.f1.regs[10].frameno = 1;
    st.s.nrefs = 1;
    st.s.refs[0].id = 2;
    at = vf_log_pos(&f->env);
    vf_log_state(&f->env, &st.s, 1);
    cr_expect_str_eq(f->log + at, " frame1: R1=3 R10=fp0 refs=2\n");
    free(f);
}

Test(vf_log, state_after_insn_aligned)
{
    /* print_insn_state: the registers an instruction touched, after it on
     * the same line, at column 38 for a short line, 46 for a 36-character
     * one (vlog_alignment); on a line of its own "N: ..." when something
     * was printed in between. */
    /* at the kernel capture's indices: 0 and 26 */
    struct bpf_insn p[28];
    struct fx *f;
    struct st st;
    int i;

    for (i = 1; i < 26; i++)
        p[i] = (struct bpf_insn)INSN_MOV64_IMM(0, 0);
    p[0] = (struct bpf_insn)INSN_MOV64_REG(6, 1);
    p[26] = (struct bpf_insn)INSN_ATOMIC(BPF_DW, BPF_ADD, 10, 2, -8);
    p[27] = (struct bpf_insn)INSN_EXIT();
    f = mk(p, 28, 1);
    init_state(&st);
    st.f0.regs[6] = ptr(VF_PTR_TO_CTX, 0);
    st.f0.regs[2] = scalar_unknown();
    st.f0.regs[2].id = 1;
    set_slot(&st.f0, 0, "mmmmmmmm");
    f->env.cur = &st.s;

    vf_log_insn(&f->env, 0);
    vf_scratch_insn(&f->env, &p[0]);
    f->env.insn_idx = 26;
    vf_log_insn(&f->env, 26); /* prints the pending state of insn 0 first */
    vf_scratch_reg(&f->env, 2);
    vf_scratch_reg(&f->env, 10);
    vf_scratch_slot(&f->env, 0);
    f->env.insn_idx = 27;
    vf_log_insn(&f->env, 27);
    cr_expect_str_eq(f->log, "0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()\n"
                             "26: (db) lock *(u64 *)(r10 -8) += r2          ; R2=scalar(id=1) R10=fp0 fp-8=mmmmmmmm\n"
                             "27: (95) exit\n");

    /* something logged after the instruction: the state on its own line */
    vf_log(&f->env, "mark_precise: frame0: ...\n");
    vf_scratch_reg(&f->env, 6);
    vf_log_insn_state(&f->env, &st.s);
    cr_expect(strstr(f->log, "mark_precise: frame0: ...\n27: R6=ctx()\n") != NULL, "%s", f->log);
    free(f);
}

Test(vf_log, source_lines_before_insns)
{
    /* verbose_linfo (6.18): "; <line> @ <file>:<line>" before the first
     * instruction of each source line, leading blanks and the directory
     * dropped. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_MOV64_IMM(1, 0), INSN_EXIT()};
    struct btf *btf = btf__new_empty();
    int file, l1, l2;
    struct fx *f = mk(p, CNT(p), 1);

    cr_assert(btf);
    file = btf__add_str(btf, "/home/u/src/prog.c");
    l1 = btf__add_str(btf, "    int x = 0;");
    l2 = btf__add_str(btf, "return x;");
    struct bpf_line_info li[2] = {{0, (uint32_t)file, (uint32_t)l1, (10 << 10) | 5},
                                  {2, (uint32_t)file, (uint32_t)l2, 11 << 10}};
    f->env.btf = btf;
    f->env.line_info = li;
    f->env.nline_info = 2;
    vf_log_insn(&f->env, 0);
    vf_log_insn(&f->env, 1);
    vf_log_insn(&f->env, 2);
    cr_expect_str_eq(f->log, "; int x = 0; @ prog.c:10\n0: (b7) r0 = 0\n1: (b7) r1 = 0\n; return x; @ prog.c:11\n"
                             "2: (95) exit\n");
    cr_expect_eq(vf_find_linfo(&f->env, 1), &li[0]);
    free(f);
    btf__free(btf);
}

Test(vf_log, stats_lines)
{
    /* print_verification_stats: level 4 adds "verification time" and the
     * stack depth of each function ("8+16" for the 6.18 capture of a
     * main using 8 bytes calling a function using 16); every level ends
     * with the "processed" line. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 1);

    f->env.insn_processed = 45;
    f->env.total_states = 1;
    f->env.peak_states = 1;
    f->env.nsub = 2;
    f->env.sub[0].stack_depth = 8;
    f->env.sub[1].stack_depth = 16;
    vf_log_stats(&f->env, 50123);
    cr_expect_str_eq(f->log,
                     "processed 45 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0\n");
    vf_log_reset(&f->env, 0);
    f->env.log_level = 4;
    vf_log_stats(&f->env, 50999);
    cr_expect_str_eq(f->log, "verification time 50 usec\nstack depth 8+16\n"
                             "processed 45 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 "
                             "mark_read 0\n");
    free(f);
}

Test(vf_log, levels)
{
    /* Level 4 gets the messages (the kernel's verbose() logs at any level)
     * but no instruction trace; level 0 logs nothing. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 4);

    vf_log_insn(&f->env, 0);
    vf_log(&f->env, "R2 !read_ok\n");
    cr_expect_str_eq(f->log, "R2 !read_ok\n");
    f->env.log_level = 0;
    vf_log(&f->env, "more\n");
    cr_expect_str_eq(f->log, "R2 !read_ok\n");
    free(f);
}

Test(vf_log, reject_logs_and_keeps_first)
{
    /* vf_reject: a log line in the kernel's words, the first error kept
     * with its instruction, err returned. */
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(0, 0), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 1);

    cr_expect_eq(vf_reject(&f->env, -EACCES, 6, "R0 invalid mem access '%s'", "map_value_or_null"), -EACCES);
    cr_expect_eq(vf_reject(&f->env, -EINVAL, 7, "second\n"), -EINVAL);
    cr_expect_str_eq(f->log, "R0 invalid mem access 'map_value_or_null'\nsecond\n");
    cr_expect_eq(f->diag.err, -EACCES);
    cr_expect_eq(f->diag.insn, 6);
    cr_expect_str_eq(f->diag.msg, "R0 invalid mem access 'map_value_or_null'");
    free(f);
}

static void write_lines(struct vf_env *env, int n)
{
    for (int i = 0; i < n; i++)
        vf_log(env, "line %02d\n", i); /* 8 bytes each */
}

Test(vf_log, rotating_log_keeps_the_end)
{
    /* The kernel's default log (6.x) keeps the last bytes of an
     * overflowing log and reports -ENOSPC; the buffer reads in order after
     * finishing. */
    struct vf_env env = {0};
    char buf[20];

    env.log = buf;
    env.log_size = sizeof(buf);
    env.log_level = 1;
    write_lines(&env, 10); /* 80 bytes into 19 */
    cr_expect(env.log_truncated);
    cr_expect_eq(env.log_len, 19);
    cr_expect_eq(env.log_len_max, 81);
    cr_expect_eq(vf_log_finish(&env), -ENOSPC);
    cr_expect_str_eq(buf, "07\nline 08\nline 09\n");
}

Test(vf_log, fixed_log_keeps_the_start)
{
    /* BPF_LOG_FIXED: the first bytes, -ENOSPC. */
    struct vf_env env = {0};
    char buf[20];

    env.log = buf;
    env.log_size = sizeof(buf);
    env.log_level = 1 | VF_LOG_FIXED;
    write_lines(&env, 10);
    cr_expect(env.log_truncated);
    cr_expect_eq(vf_log_finish(&env), -ENOSPC);
    cr_expect_str_eq(buf, "line 00\nline 01\nlin");
}

Test(vf_log, reset_cuts_back_a_path)
{
    /* Level 1 shows the failing path alone: the walk cuts the log back to
     * where a branch was pushed when it pops it (bpf_vlog_reset), also
     * after the ring wrapped. */
    struct vf_env env = {0}, small = {0};
    char buf[64], sbuf[32];
    uint64_t pos;

    env.log = buf;
    env.log_size = sizeof(buf);
    env.log_level = 1;
    vf_log(&env, "0: (b7) r0 = 0\n");
    pos = vf_log_pos(&env);
    vf_log(&env, "1: (05) goto pc+0\n");
    vf_log_reset(&env, pos);
    cr_expect_eq(vf_log_finish(&env), 0);
    cr_expect_str_eq(buf, "0: (b7) r0 = 0\n");

    small.log = sbuf;
    small.log_size = sizeof(sbuf);
    small.log_level = 1;
    write_lines(&small, 6); /* wraps */
    pos = vf_log_pos(&small);
    write_lines(&small, 1);
    vf_log_reset(&small, pos);
    vf_log(&small, "end\n");
    cr_expect_eq(vf_log_finish(&small), -ENOSPC);
    /* the window never moves back: it starts where the discarded write
     * had pushed it */
    cr_expect_str_eq(sbuf, "ine 03\nline 04\nline 05\nend\n");
}

Test(vf_log, no_buffer_counts_only)
{
    /* A level without a buffer: nothing written, the size still counted. */
    struct vf_env env = {0};

    env.log_level = 1;
    write_lines(&env, 3);
    cr_expect_eq(env.log_len_max, 25);
    cr_expect_eq(env.log_len, 0);
    cr_expect_eq(vf_log_finish(&env), 0);
}

/* ---- explanations ---- */

static const struct bpf_insn nullmap[] = {
    INSN_ST_IMM(BPF_W, 10, -4, 0),
    INSN_MOV64_REG(2, 10),
    INSN_ALU64_IMM(BPF_ADD, 2, -4),
    INSN_LDIMM64_RAW(1, BPF_PSEUDO_MAP_FD, 0, 0),
    INSN_CALL(BPF_FUNC_map_lookup_elem),
    INSN_LDX(BPF_DW, 0, 0, 0),
    INSN_EXIT(),
};

Test(vf_explain, map_value_null)
{
    /* "R0 invalid mem access 'map_value_or_null'": the missing NULL check
     * after bpf_map_lookup_elem, with the C line from line info. */
    struct fx *f = mk(nullmap, CNT(nullmap), 1);
    struct btf *btf = btf__new_empty();
    char out[1024];
    size_t n;
    int file = btf__add_str(btf, "src/xdp_count.c"), l1 = btf__add_str(btf, "__u32 key = 0;"),
        l2 = btf__add_str(btf, "    return *val;");
    struct bpf_line_info li[2] = {{0, (uint32_t)file, (uint32_t)l1, 20 << 10}, {6, (uint32_t)file, (uint32_t)l2, 23 << 10}};

    f->env.btf = btf;
    f->env.line_info = li;
    f->env.nline_info = 2;
    vf_reject(&f->env, -EACCES, 6, "R0 invalid mem access 'map_value_or_null'");
    n = vf_explain(&f->env, out, sizeof(out));
    cr_expect_eq(n, strlen(out));
    cr_expect_str_eq(out, "rejected: the map value pointer may be NULL (the key may be missing) and is used without a "
                          "check\n"
                          "  kernel: R0 invalid mem access 'map_value_or_null'\n"
                          "  at insn 6: r0 = *(u64 *)(r0 +0)\n"
                          "  source: xdp_count.c:23: return *val;\n"
                          "  fix: check the pointer bpf_map_lookup_elem returned against NULL before using it (if "
                          "(!val) return ...)\n");
    free(f);
    btf__free(btf);
}

Test(vf_explain, packet_bounds_with_path)
{
    /* "invalid access to packet": compare against data_end; the path of
     * branch decisions recorded by the walk. */
    static const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, 2, 1, 0), INSN_LDX(BPF_W, 3, 1, 4), INSN_MOV64_REG(4, 2), INSN_ALU64_IMM(BPF_ADD, 4, 14),
        INSN_JMP_REG(BPF_JGT, 4, 3, 2), INSN_LDX(BPF_B, 0, 2, 12), INSN_LDX(BPF_B, 0, 2, 14), INSN_MOV64_IMM(0, 2),
        INSN_EXIT(),
    };
    struct fx *f = mk(p, CNT(p), 1);
    char out[1024];

    cr_assert_eq(vf_path_push(&f->env, 4, 0), 0);
    vf_reject(&f->env, -EACCES, 6, "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)");
    vf_log(&f->env, "R2 offset is outside of the packet\n");
    vf_explain(&f->env, out, sizeof(out));
    cr_expect_str_eq(out, "rejected: the program reads or writes packet bytes it has not proved are inside the packet\n"
                          "  kernel: invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\n"
                          "  at insn 6: r0 = *(u8 *)(r2 +14)\n"
                          "  path: insn 4 (if r4 > r3 goto pc+2) not taken\n"
                          "  fix: compare data + offset + size against data_end before the access (if (data + off + "
                          "size > data_end) return ...)\n");
    /* cutting the path back when the walk pops a branch */
    vf_path_push(&f->env, 5, 1);
    vf_path_cut(&f->env, 1);
    cr_expect_eq(f->env.path_len, 1);
    vf_path_free(&f->env);
    cr_expect_eq(f->env.path_len, 0);
    free(f);
}

static void expect_fix(const char *msg, long insn, const char *reason, const char *fix)
{
    static const struct bpf_insn p[] = {INSN_MOV64_IMM(1, 0), INSN_ALU64_REG(BPF_ADD, 0, 2), INSN_EXIT()};
    struct fx *f = mk(p, CNT(p), 1);
    char out[2048];

    vf_reject(&f->env, -EACCES, insn, "%s", msg);
    vf_explain(&f->env, out, sizeof(out));
    cr_expect(strstr(out, reason) != NULL, "%s: %s", msg, out);
    if (fix)
        cr_expect(strstr(out, fix) != NULL, "%s: %s", msg, out);
    else
        cr_expect(strstr(out, "  fix:") == NULL, "%s: %s", msg, out);
    free(f);
}

Test(vf_explain, known_patterns)
{
    /* The hint is keyed on the kernel's message. */
    expect_fix("infinite loop detected at insn 0", 1, "can run forever",
               "bound the loop with a constant trip count or use bpf_loop()");
    expect_fix("back-edge from insn 2 to 1", 1, "refuses every loop", "bound the loop");
    expect_fix("BPF program is too large. Processed 1000001 insn", 1, "gave up",
               "bound the loop with a constant trip count or use bpf_loop()");
    expect_fix("R2 !read_ok", 1, "read before anything was written", "initialise the variable");
    expect_fix("R0 !read_ok", 2, "returns without setting r0", "return a value on every path");
    expect_fix("R0 !read_ok", 1, "read before anything was written", "initialise"); /* not at exit */
    expect_fix("invalid indirect read from stack R2 off -8+0 size 8", 1, "never written", "initialise the buffer");
    expect_fix("invalid read from stack off -8+0 size 8", 1, "never written", "initialise the variable");
    expect_fix("Unreleased reference id=2 alloc_insn=4", 2, "never released", "release it on every path");
    expect_fix("invalid access to map value, value_size=8 off=4 size=8", 1, "outside the map value",
               "check a variable index");
    expect_fix("R0 leaks addr as return value", 2, "kernel pointer", "privileged verifier");
    expect_fix("div by zero", 1, "division or modulo by the constant zero", "non-zero");
    expect_fix("invalid bpf_context access off=76 size=4", 1, "context field", "natural size");
    expect_fix("combined stack size of 2 calls is 528. Too large", 1, "larger than 512", "per-CPU array map");
    expect_fix("some message no pattern knows", 1, "rejected: some message no pattern knows", NULL);
}

Test(vf_explain, nothing_to_explain_and_short_buffer)
{
    /* No rejection: empty.  A short buffer: cut, NUL-terminated, the
     * length needed returned (snprintf's convention). */
    struct fx *f = mk(nullmap, CNT(nullmap), 1);
    char out[16];
    size_t n;

    out[0] = 'x';
    cr_expect_eq(vf_explain(&f->env, out, sizeof(out)), 0);
    cr_expect_str_eq(out, "");
    vf_reject(&f->env, -EACCES, 6, "R0 invalid mem access 'map_value_or_null'");
    n = vf_explain(&f->env, out, sizeof(out));
    cr_expect_gt(n, sizeof(out));
    cr_expect_eq(strlen(out), sizeof(out) - 1);
    cr_expect_eq(vf_explain(&f->env, NULL, 0), n);
    free(f);
}
