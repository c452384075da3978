/* fuzz_verifier.c - libFuzzer target for the verifier's soundness (issue 8,
 * Tests, "Soundness"): every program the verifier accepts must run in the
 * checked interpreter without a memory-safety violation.  A violation on
 * an accepted program is a verifier bug (or a bug of the helpers or the
 * context code): the target aborts with the program's disassembly and the
 * verifier's log at level 2 on stderr, so that libFuzzer keeps the input.
 * A crash or sanitizer error inside the verifier itself is a finding too.
 *
 * Input layout (tests/fuzz/mkseeds_verifier.sh writes seeds in it):
 *   byte 0   bits 0-1: program type (xdp, sched_cls, socket_filter,
 *            cgroup_skb); bit 2: also verify (and run) with the
 *            unprivileged rules; bits 3-7: the stack poison pattern
 *   byte 1   number of instructions (0: as many as the input holds, at
 *            most 255)
 *   byte 2-3 contents of the read-only map (repeated)
 *   then     8-byte instructions, then the packet's bytes (repeated to
 *            fill each packet size; zeros when there are none)
 *
 * The instructions are normalised so that most mutations stay plausible
 * (and a valid program stays itself): an opcode that is no instruction
 * becomes one from the table of valid opcodes, registers are brought into
 * r0-r10, jump and call targets into the program, helper ids into a list
 * of helpers the fuzzed types can call, and map references (the imm of
 * an LD_IMM64 with src_reg 1 or 2) name one of the fixed maps by index.
 *
 * The maps are made fresh for every input (a crash reproduces from its
 * input alone): 0 an array of 4 values of 48 bytes, 1 a hash (8-byte
 * keys, 16-byte values, 8 entries), 2 an array of 1 value of 32 bytes,
 * BPF_F_RDONLY_PROG and frozen (the verifier knows its contents as
 * constants, as the kernel does for .rodata), 3 a ring buffer, 4 an array
 * of 1 value of 20 bytes (checked mode sees a map value's bytes, not which
 * value a pointer came from: past the end of one of the 4 adjacent values
 * of map 0 is the next value, but past this one is padding or nothing).
 *
 * Each accepted program runs checked on packets of 0, 14, 60 and 1500
 * bytes, after a raw program has filled the stack of all 8 frames with
 * the input's poison pattern (an uninitialised stack slot the verifier
 * wrongly trusts then holds a wild value that checked mode catches). */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/btf.h>

#include "bpfrt/bpfrt.h"

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80 /* cpu v4 sign-extending load (RFC 9669 5.2); older UAPI headers lack it */
#endif

#define MAX_INSNS 255

enum { M_ARRAY, M_HASH, M_RODATA, M_RINGBUF, M_SMALL, NMAPS };

static const enum bpf_prog_type types[4] = {BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS,
                                            BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_CGROUP_SKB};

/* Helpers the fuzzed types may call (the verifier refuses the others per
 * type: xdp_adjust_* in an skb program, skb_* in XDP, which is fine). */
static const int32_t helpers[] = {
    BPF_FUNC_map_lookup_elem, BPF_FUNC_map_update_elem, BPF_FUNC_map_delete_elem,  BPF_FUNC_loop,
    BPF_FUNC_ktime_get_ns,    BPF_FUNC_get_prandom_u32, BPF_FUNC_xdp_adjust_head,  BPF_FUNC_xdp_adjust_tail,
    BPF_FUNC_skb_load_bytes,  BPF_FUNC_csum_diff,       BPF_FUNC_ringbuf_reserve,  BPF_FUNC_ringbuf_submit,
    BPF_FUNC_ringbuf_discard, BPF_FUNC_ringbuf_output,  BPF_FUNC_xdp_load_bytes,   BPF_FUNC_xdp_store_bytes,
    BPF_FUNC_skb_store_bytes, BPF_FUNC_xdp_adjust_meta, BPF_FUNC_for_each_map_elem, BPF_FUNC_get_smp_processor_id,
    BPF_FUNC_l3_csum_replace, BPF_FUNC_skb_pull_data,   BPF_FUNC_xdp_get_buff_len, BPF_FUNC_map_lookup_percpu_elem,
};
#define NHELPERS (sizeof(helpers) / sizeof(helpers[0]))

static uint8_t valid_code[256]; /* is the opcode an instruction? */
static uint8_t codes[256];      /* the valid opcodes */
static unsigned ncodes;
static struct bpfrt_prog *poison_prog;
static char *vlog; /* the verifier's log for a finding */
static int verbose; /* FUZZ_VERIFIER_VERBOSE=1: each program, verdict and run on stderr (seeds, findings) */

/* Figures, printed at exit ("fuzz_verifier stat: ..."): how much of the
 * fuzzing reaches the runs, by type and rules. */
static struct {
    unsigned long long inputs, verified[4][2], accepted[4][2], runs, run_ok, run_refused, run_budget, run_other, diffs;
} st;

static void print_stats(void)
{
    static const char *const tn[4] = {"xdp", "sched_cls", "socket_filter", "cgroup_skb"};
    unsigned long long v = 0, a = 0;

    for (int t = 0; t < 4; t++)
        for (int u = 0; u < 2; u++) {
            v += st.verified[t][u];
            a += st.accepted[t][u];
            fprintf(stderr, "fuzz_verifier stat: %s %s: %llu verified, %llu accepted\n", tn[t], u ? "unpriv" : "priv",
                    st.verified[t][u], st.accepted[t][u]);
        }
    fprintf(stderr,
            "fuzz_verifier stat: %llu inputs, %llu verifications, %llu accepted (%.1f%%); %llu checked runs: %llu "
            "ok, %llu input refused by the test run, %llu out of budget, %llu other legitimate errors; %llu differential runs (uninitialised stack)\n",
            st.inputs, v, a, v ? 100.0 * (double)a / (double)v : 0.0, st.runs, st.run_ok, st.run_refused,
            st.run_budget, st.run_other, st.diffs);
}
#define VLOG_SIZE (16u << 20)

static void add_code(uint8_t c)
{
    if (!valid_code[c]) {
        valid_code[c] = 1;
        codes[ncodes++] = c;
    }
}

static void init_codes(void)
{
    static const uint8_t alu[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,  BPF_AND,
                                  BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
    static const uint8_t jcc[] = {BPF_JEQ, BPF_JGT, BPF_JGE,  BPF_JSET, BPF_JNE, BPF_JSGT,
                                  BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
    static const uint8_t sz[] = {BPF_B, BPF_H, BPF_W, BPF_DW};

    for (unsigned i = 0; i < sizeof(alu); i++)
        for (unsigned s = 0; s < 2; s++) {
            add_code(BPF_ALU64 | alu[i] | (s ? BPF_X : BPF_K));
            add_code(BPF_ALU | alu[i] | (s ? BPF_X : BPF_K));
        }
    add_code(BPF_ALU64 | BPF_NEG);
    add_code(BPF_ALU | BPF_NEG);
    add_code(BPF_ALU | BPF_END | BPF_TO_LE);
    add_code(BPF_ALU | BPF_END | BPF_TO_BE);
    add_code(BPF_ALU64 | BPF_END | BPF_TO_LE); /* bswap (cpu v4) */
    for (unsigned i = 0; i < sizeof(jcc); i++)
        for (unsigned s = 0; s < 2; s++) {
            add_code(BPF_JMP | jcc[i] | (s ? BPF_X : BPF_K));
            add_code(BPF_JMP32 | jcc[i] | (s ? BPF_X : BPF_K));
        }
    add_code(BPF_JMP | BPF_JA);
    add_code(BPF_JMP32 | BPF_JA);
    add_code(BPF_JMP | BPF_CALL);
    add_code(BPF_JMP | BPF_EXIT);
    for (unsigned i = 0; i < 4; i++) {
        add_code(BPF_LDX | BPF_MEM | sz[i]);
        add_code(BPF_ST | BPF_MEM | sz[i]);
        add_code(BPF_STX | BPF_MEM | sz[i]);
        if (sz[i] != BPF_DW) {
            add_code(BPF_LDX | BPF_MEMSX | sz[i]);
            add_code(BPF_LD | BPF_ABS | sz[i]);
            add_code(BPF_LD | BPF_IND | sz[i]);
        }
    }
    add_code(BPF_STX | BPF_ATOMIC | BPF_W);
    add_code(BPF_STX | BPF_ATOMIC | BPF_DW);
    add_code(BPF_LD | BPF_IMM | BPF_DW);
}

/* Fills the stack of every frame (main and 7 nested calls, 512 bytes
 * each) with the 8 bytes at r1: a raw program, run checked. */
static const char poison_src[] = "    r1 = *(u64 *)(r1 + 0)\n"
                                 "    r2 = 6\n"
                                 "    r3 = r10\n"
                                 "    r3 += -512\n"
                                 "top:\n"
                                 "    *(u64 *)(r3 + 0) = r1\n"
                                 "    r3 += 8\n"
                                 "    if r3 < r10 goto top\n"
                                 "    call fill\n"
                                 "    r0 = 0\n"
                                 "    exit\n"
                                 "fill:\n"
                                 "    r3 = r10\n"
                                 "    r3 += -512\n"
                                 "more:\n"
                                 "    *(u64 *)(r3 + 0) = r1\n"
                                 "    r3 += 8\n"
                                 "    if r3 < r10 goto more\n"
                                 "    if r2 == 0 goto done\n"
                                 "    r2 += -1\n"
                                 "    call fill\n"
                                 "done:\n"
                                 "    exit\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = NULL);
    struct bpf_insn *insns;
    size_t cnt;
    char err[256];

    (void)argc, (void)argv;
    init_codes();
    lo.log_buf = err;
    lo.log_size = sizeof(err);
    if (bpfrt_asm(poison_src, &insns, &cnt, err, sizeof(err)) || bpfrt_prog__load_insns(insns, cnt, &lo, &poison_prog)) {
        fprintf(stderr, "fuzz_verifier: poison program: %s\n", err);
        abort();
    }
    free(insns);
    verbose = getenv("FUZZ_VERIFIER_VERBOSE") != NULL;
    atexit(print_stats);
    vlog = malloc(VLOG_SIZE);
    if (!vlog)
        abort();
    return 0;
}

static int make_maps(struct bpfrt_map **m, const uint8_t fill[2])
{
    BPFRT_OPTS(bpfrt_map_create_opts, plain);
    BPFRT_OPTS(bpfrt_map_create_opts, ro, .map_flags = BPF_F_RDONLY_PROG);
    uint8_t val[32];
    uint32_t zero = 0;
    uint64_t k = 1;
    uint8_t hv[16] = {1, 2, 3, 4};

    memset(m, 0, NMAPS * sizeof(*m));
    for (unsigned i = 0; i < sizeof(val); i++)
        val[i] = fill[i & 1];
    if (bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "array", 4, 48, 4, &plain, &m[M_ARRAY]) ||
        bpfrt_map__create(BPF_MAP_TYPE_HASH, "hash", 8, 16, 8, &plain, &m[M_HASH]) ||
        bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "rodata", 4, 32, 1, &ro, &m[M_RODATA]) ||
        bpfrt_map__create(BPF_MAP_TYPE_RINGBUF, "ringbuf", 0, 0, 4096, &plain, &m[M_RINGBUF]) ||
        bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "small", 4, 20, 1, &plain, &m[M_SMALL]))
        return -1;
    if (bpfrt_map__update_elem(m[M_RODATA], &zero, 4, val, sizeof(val), BPF_ANY) ||
        bpfrt_map__freeze(m[M_RODATA]) || bpfrt_map__update_elem(m[M_HASH], &k, 8, hv, sizeof(hv), BPF_ANY))
        return -1;
    return 0;
}

static void free_maps(struct bpfrt_map **m)
{
    for (int i = NMAPS - 1; i >= 0; i--)
        if (m[i])
            bpfrt_map__free(m[i]);
}

/* BTF for the func info every program gets (clang always emits it): int,
 * int f(void), f static.  A callback's address (LD_IMM64 of a function,
 * bpf_loop's argument) needs func info, as in the kernel. */
static const struct {
    struct btf_header hdr;
    uint32_t types[3 + 1 + 3 + 3];
    char strs[8];
} btf_blob = {
    .hdr = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header),
            .type_off = 0, .type_len = 10 * 4, .str_off = 10 * 4, .str_len = 7},
    .types = {
        1, BTF_KIND_INT << 24, 4, (BTF_INT_SIGNED << 24) | 32, /* [1] int */
        0, BTF_KIND_FUNC_PROTO << 24, 1,                       /* [2] int (void) */
        5, BTF_KIND_FUNC << 24, 2,                             /* [3] static int f(void) */
    },
    .strs = "\0int\0f",
};

/* One func info record per subprogram: instruction 0 and every target of
 * a bpf-to-bpf call or of a function's address, in order. */
static size_t func_infos(const struct bpf_insn *insns, size_t n, struct bpf_func_info *fi)
{
    uint8_t *start = calloc(n, 1);
    size_t cnt = 0;

    if (!start)
        return 0;
    start[0] = 1;
    for (size_t i = 0; i < n; i++) {
        int64_t t = -1;

        if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL)
            t = (int64_t)i + 1 + insns[i].imm;
        else if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].src_reg == BPF_PSEUDO_FUNC)
            t = (int64_t)i + 1 + insns[i].imm;
        if (t >= 0 && t < (int64_t)n)
            start[t] = 1;
        if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
            i++;
    }
    for (size_t i = 0; i < n; i++)
        if (start[i])
            fi[cnt++] = (struct bpf_func_info){.insn_off = (uint32_t)i, .type_id = 3};
    free(start);
    return cnt;
}

static struct bpf_func_info *cur_fi; /* the input's, for report() */
static size_t cur_nfi;

static int in_list(int32_t id)
{
    for (size_t i = 0; i < NHELPERS; i++)
        if (helpers[i] == id)
            return 1;
    return 0;
}

/* Bring a relative target (from instruction at, +1) into [0, n). */
static int32_t fix_rel(int64_t rel, size_t at, size_t n)
{
    int64_t t = (int64_t)at + 1 + rel;

    if (t >= 0 && t < (int64_t)n)
        return (int32_t)rel;
    t = (int64_t)((uint64_t)(rel < 0 ? -rel : rel) % n);
    return (int32_t)(t - (int64_t)at - 1);
}

/* Clear the fields an instruction's class leaves reserved (the kernel's
 * check of reserved fields refuses them: most rejections of raw mutations
 * were that), keeping every valid instruction as it is. */
static void clear_reserved(struct bpf_insn *in)
{
    uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
    int x = BPF_SRC(in->code) == BPF_X;

    switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
        if (op == BPF_NEG) {
            in->src_reg = 0, in->off = 0, in->imm = 0;
        } else if (op == BPF_END) {
            in->src_reg = 0, in->off = 0;
            if (in->imm != 16 && in->imm != 32 && in->imm != 64)
                in->imm = 16 << ((uint32_t)in->imm % 3);
        } else {
            if (x)
                in->imm = 0;
            else
                in->src_reg = 0;
            if (op == BPF_DIV || op == BPF_MOD)
                in->off = in->off == 1 ? 1 : 0;
            else if (op == BPF_MOV && x && (in->off == 8 || in->off == 16 || (in->off == 32 && cls == BPF_ALU64)))
                ; /* movsx */
            else
                in->off = 0;
        }
        break;
    case BPF_JMP:
    case BPF_JMP32:
        if (op == BPF_EXIT) {
            in->dst_reg = in->src_reg = 0, in->off = 0, in->imm = 0;
        } else if (op == BPF_CALL) {
            in->dst_reg = 0, in->off = 0;
        } else if (op == BPF_JA) {
            in->dst_reg = in->src_reg = 0;
            if (cls == BPF_JMP)
                in->imm = 0;
            else
                in->off = 0;
        } else if (x) {
            in->imm = 0;
        } else {
            in->src_reg = 0;
        }
        break;
    case BPF_LDX:
        in->imm = 0;
        break;
    case BPF_ST:
        in->src_reg = 0;
        break;
    case BPF_STX:
        if (BPF_MODE(in->code) == BPF_MEM)
            in->imm = 0;
        break;
    case BPF_LD:
        if (BPF_MODE(in->code) == BPF_ABS)
            in->dst_reg = in->src_reg = 0, in->off = 0;
        else if (BPF_MODE(in->code) == BPF_IND)
            in->dst_reg = 0, in->off = 0;
        else
            in->off = 0; /* LD_IMM64 */
        break;
    }
}

static void normalise(struct bpf_insn *insns, size_t n, struct bpfrt_map **maps)
{
    static const uint8_t ld_srcs[] = {0, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_FUNC};
    static const int32_t atomics[] = {BPF_ADD,   BPF_OR,    BPF_AND,   BPF_XOR,   BPF_ADD | BPF_FETCH,
                                      BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
                                      BPF_XCHG,  BPF_CMPXCHG};
    size_t last = 0; /* the last instruction (an LD_IMM64 takes two slots) */

    for (size_t i = 0; i < n; i++) {
        struct bpf_insn *in = &insns[i];
        uint8_t cls;

        last = i;
        if (!valid_code[in->code])
            in->code = codes[in->code % ncodes];
        if (in->dst_reg > 10)
            in->dst_reg %= 11;
        if (in->src_reg > 10)
            in->src_reg %= 11;
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 >= n) {
            in->code = BPF_ALU64 | BPF_MOV | BPF_K;
            in->src_reg = 0;
        }
        clear_reserved(in);
        cls = BPF_CLASS(in->code);
        if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
            if (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_MAP_FD && in->src_reg != BPF_PSEUDO_MAP_VALUE &&
                in->src_reg != BPF_PSEUDO_FUNC)
                in->src_reg = ld_srcs[in->src_reg % 4];
            if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE)
                in->imm = (int32_t)bpfrt_map__id(maps[(uint32_t)in->imm % NMAPS]);
            else if (in->src_reg == BPF_PSEUDO_FUNC)
                in->imm = fix_rel(in->imm, i, n);
            if (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_FUNC)
                in[1].imm = 0;
            in[1].code = 0;
            in[1].dst_reg = in[1].src_reg = 0;
            in[1].off = 0;
            i++;
            continue;
        }
        if (cls == BPF_JMP || cls == BPF_JMP32) {
            uint8_t op = BPF_OP(in->code);

            if (op == BPF_EXIT)
                continue;
            if (op == BPF_CALL) {
                if (in->src_reg == BPF_PSEUDO_CALL) {
                    in->imm = fix_rel(in->imm, i, n);
                } else {
                    in->src_reg = 0;
                    if (!in_list(in->imm))
                        in->imm = helpers[(uint32_t)in->imm % NHELPERS];
                }
                continue;
            }
            if (cls == BPF_JMP32 && op == BPF_JA)
                in->imm = fix_rel(in->imm, i, n);
            else
                in->off = (int16_t)fix_rel(in->off, i, n);
            continue;
        }
        if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
            int ok = 0;
            for (size_t k = 0; k < sizeof(atomics) / sizeof(atomics[0]); k++)
                ok |= in->imm == atomics[k];
            if (!ok)
                in->imm = atomics[(uint32_t)in->imm % (sizeof(atomics) / sizeof(atomics[0]))];
        }
    }
    /* every path must end in exit: the last instruction is an exit or a
     * jump back (the kernel's "last insn is not an exit or jmp") */
    {
        struct bpf_insn *in = &insns[last];
        uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

        if (!((cls == BPF_JMP || cls == BPF_JMP32) && (op == BPF_EXIT || op == BPF_JA))) {
            if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
                /* two slots: a 64-bit move of the low half, then exit */
                in->code = BPF_ALU64 | BPF_MOV | BPF_K;
                in->src_reg = 0;
                in = &insns[last + 1];
            }
            *in = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
        }
    }
}

/* A run error that is a memory-safety failure on a verified program: the
 * checked run's -EFAULT (an access outside the regions, a helper argument
 * that is not the memory it must be, a pointer that is not the context)
 * and -EINVAL raised while running (a map of the wrong type handed to a
 * helper, a ring buffer record not released).  Not failures: the budget
 * (-ELOOP "instruction budget exceeded"), a helper bpfrt cannot run
 * (-EOPNOTSUPP), too many regions for one checked run (-E2BIG), and the
 * test run's refusals of the input before the program runs (a packet
 * shorter than an Ethernet header: -EINVAL without "insn N:"). */
static int is_violation(int err, const char *msg)
{
    if (strncmp(msg, "insn ", 5))
        return 0; /* refused before the program ran */
    if (err == -EFAULT || err == -EINVAL)
        return 1;
    if (err == -ELOOP && strstr(msg, "call depth"))
        return 1; /* the verifier bounds frames, callbacks included */
    return 0;
}

static void report(const char *what, const struct bpf_insn *insns, size_t n, enum bpf_prog_type type, int unpriv,
                   const char *detail)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, vo, .type = type, .log_buf = vlog, .log_size = VLOG_SIZE, .log_level = 2,
               .unpriv = unpriv, .btf = &btf_blob, .btf_size = sizeof(btf_blob), .func_info = cur_fi,
               .func_info_rec_size = sizeof(*cur_fi), .func_info_cnt = (uint32_t)cur_nfi);
    int err;

    fprintf(stderr, "\n=== fuzz_verifier: %s: %s program (%s verifier) of %zu insns\n%s\n", what,
            bpfrt_prog_type_name(type), unpriv ? "unprivileged" : "privileged", n, detail);
    fprintf(stderr, "--- program:\n");
    bpfrt_disasm(insns, n, stderr, 1);
    vlog[0] = 0;
    err = bpfrt_prog__verify_insns(insns, n, &vo);
    fprintf(stderr, "--- verifier log (level 2, verdict %d):\n%s\n", err, vlog);
    abort();
}

static void run_all(struct bpfrt_prog *prog, const struct bpf_insn *insns, size_t n, enum bpf_prog_type type,
                    int unpriv, const uint8_t *pkt, size_t pktlen, uint64_t poison)
{
    static const size_t sizes[] = {0, 14, 60, 1500};
    static uint8_t buf[1500];
    char errbuf[512], detail[700];

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        BPFRT_OPTS(bpfrt_run_opts, po, .data = &poison, .data_size = sizeof(poison), .flags = BPFRT_RUN_CHECKED,
                   .err_buf = errbuf, .err_size = sizeof(errbuf));
        int err;

        /* the stack of every frame holds the poison (the run context, and
         * so its stack, is kept per thread between runs) */
        if (bpfrt_prog__run(poison_prog, &po)) {
            fprintf(stderr, "fuzz_verifier: poison program: %s\n", errbuf);
            abort();
        }
        for (size_t i = 0; i < sizes[s]; i++)
            buf[i] = pktlen ? pkt[i % pktlen] : 0;
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = sizes[s] ? buf : NULL, .data_size = sizes[s],
                   .flags = BPFRT_RUN_CHECKED, .budget = 200000, .err_buf = errbuf, .err_size = sizeof(errbuf));
        errbuf[0] = 0;
        err = bpfrt_prog__run(prog, &ro);
        if (verbose)
            fprintf(stderr, "  run %4zu bytes: %d retval %llu %s\n", sizes[s], err, (unsigned long long)ro.retval,
                    err ? errbuf : "");
        st.runs++;
        if (!err)
            st.run_ok++;
        else if (strncmp(errbuf, "insn ", 5))
            st.run_refused++;
        else if (err == -ELOOP)
            st.run_budget++;
        else
            st.run_other++;
        if (err && is_violation(err, errbuf)) {
            snprintf(detail, sizeof(detail), "checked run on a %zu-byte packet failed with %d: %s", sizes[s], err,
                     errbuf);
            report("checked-mode violation on an accepted program", insns, n, type, unpriv, detail);
        }
    }
}


/* Uninitialised reads, which checked mode does not see: a program the
 * unprivileged verifier accepts can leak no pointer (into the return
 * value, the packet or a map), so when it calls no helper whose result
 * varies (time, random numbers) its every output is a function of its
 * inputs alone.  It runs twice, on two copies of fresh maps, with the
 * stack of every frame poisoned differently; a difference in the return
 * value, the packet out or the maps' contents means it read stack the
 * verifier should have refused to let it read (the kernel's "invalid read
 * from stack", check_stack_read). */
static int deterministic(const struct bpf_insn *insns, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == 0 &&
            (insns[i].imm == BPF_FUNC_ktime_get_ns || insns[i].imm == BPF_FUNC_get_prandom_u32))
            return 0;
        if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
            i++;
    }
    return 1;
}

struct outcome {
    int err;
    uint64_t retval;
    uint32_t size_out;
    uint8_t out[1500 + 256];
};

static void poison_stack(uint64_t pattern)
{
    char errbuf[256];
    BPFRT_OPTS(bpfrt_run_opts, po, .data = &pattern, .data_size = sizeof(pattern), .flags = BPFRT_RUN_CHECKED,
               .err_buf = errbuf, .err_size = sizeof(errbuf));

    if (bpfrt_prog__run(poison_prog, &po)) {
        fprintf(stderr, "fuzz_verifier: poison program: %s\n", errbuf);
        abort();
    }
}

static void run_one(struct bpfrt_prog *prog, const uint8_t *pkt, size_t len, uint64_t pattern, struct outcome *o)
{
    static uint8_t buf[1500];
    char errbuf[256];

    memcpy(buf, pkt, len);
    memset(o, 0, sizeof(*o));
    poison_stack(pattern);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = len ? buf : NULL, .data_size = len, .flags = BPFRT_RUN_CHECKED,
               .budget = 200000, .err_buf = errbuf, .err_size = sizeof(errbuf), .data_out = o->out,
               .data_size_out = sizeof(o->out));
    o->err = bpfrt_prog__run(prog, &ro);
    o->retval = ro.retval;
    o->size_out = ro.data_size_out;
}

static int cmp24(const void *a, const void *b)
{
    return memcmp(a, b, 24);
}

/* The contents of the array and the hash (its elements sorted: each map
 * has its own hash seed, so its walk order is its own), as one byte
 * string. */
static size_t map_contents(struct bpfrt_map **m, uint8_t *out, size_t room)
{
    size_t len = 0;
    uint64_t key, next;
    int first = 1;

    for (uint32_t k = 0; k < 4 && len + 48 <= room; k++, len += 48)
        if (bpfrt_map__lookup_elem(m[M_ARRAY], &k, 4, out + len, 48, 0))
            memset(out + len, 0xee, 48);
    while (len + 24 <= room && !bpfrt_map__get_next_key(m[M_HASH], first ? NULL : &key, &next, 8)) {
        first = 0;
        key = next;
        memcpy(out + len, &key, 8);
        if (bpfrt_map__lookup_elem(m[M_HASH], &key, 8, out + len + 8, 16, 0))
            memset(out + len + 8, 0xee, 16);
        len += 24;
    }
    qsort(out + 4 * 48, (len - 4 * 48) / 24, 24, cmp24);
    return len;
}

/* insns with its map references moved from the maps "from" to "to". */
static struct bpf_insn *remap(const struct bpf_insn *insns, size_t n, struct bpfrt_map **from, struct bpfrt_map **to)
{
    struct bpf_insn *p = malloc(n * sizeof(*p));

    if (!p)
        return NULL;
    memcpy(p, insns, n * sizeof(*p));
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
            if (p[i].src_reg == BPF_PSEUDO_MAP_FD || p[i].src_reg == BPF_PSEUDO_MAP_VALUE)
                for (int k = 0; k < NMAPS; k++)
                    if ((uint32_t)p[i].imm == bpfrt_map__id(from[k])) {
                        p[i].imm = (int32_t)bpfrt_map__id(to[k]);
                        break;
                    }
            i++;
        }
    return p;
}

static void differential(const struct bpf_insn *insns, size_t n, struct bpfrt_map **maps, enum bpf_prog_type type,
                         const uint8_t fill[2], const uint8_t *pkt, size_t pktlen, uint64_t poison)
{
    static const size_t sizes[] = {14, 60, 1500};
    static uint8_t buf[1500], ca[4096], cb[4096];
    static struct outcome oa, ob;
    struct bpfrt_map *ma[NMAPS], *mb[NMAPS];
    struct bpf_insn *ia = NULL, *ib = NULL;
    struct bpfrt_prog *pa = NULL, *pb = NULL;
    char detail[700];
    size_t la, lb;
    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = type, .unpriv = 1, .btf = &btf_blob, .btf_size = sizeof(btf_blob),
               .func_info = cur_fi, .func_info_rec_size = sizeof(*cur_fi), .func_info_cnt = (uint32_t)cur_nfi);

    if (make_maps(ma, fill) || make_maps(mb, fill))
        abort(); /* the fixed maps must always be creatable */
    ia = remap(insns, n, maps, ma);
    ib = remap(insns, n, maps, mb);
    if (!ia || !ib || bpfrt_prog__load_insns(ia, n, &lo, &pa) || bpfrt_prog__load_insns(ib, n, &lo, &pb))
        goto out; /* accepted once already: only a resource failure */
    st.diffs++;
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (size_t i = 0; i < sizes[s]; i++)
            buf[i] = pktlen ? pkt[i % pktlen] : 0;
        run_one(pa, buf, sizes[s], poison, &oa);
        run_one(pb, buf, sizes[s], ~poison, &ob);
        if (oa.err != ob.err || oa.retval != ob.retval || oa.size_out != ob.size_out ||
            memcmp(oa.out, ob.out, oa.size_out < sizeof(oa.out) ? oa.size_out : sizeof(oa.out))) {
            snprintf(detail, sizeof(detail),
                     "on a %zu-byte packet, stack poisoned with 0x%016llx then 0x%016llx: error %d / %d, retval "
                     "%llu / %llu, packet out of %u / %u bytes%s",
                     sizes[s], (unsigned long long)poison, (unsigned long long)~poison, oa.err, ob.err,
                     (unsigned long long)oa.retval, (unsigned long long)ob.retval, oa.size_out, ob.size_out,
                     oa.size_out == ob.size_out ? " (contents differ)" : "");
            report("an accepted program's output depends on uninitialised stack", insns, n, type, 1, detail);
        }
    }
    la = map_contents(ma, ca, sizeof(ca));
    lb = map_contents(mb, cb, sizeof(cb));
    if (la != lb || memcmp(ca, cb, la)) {
        snprintf(detail, sizeof(detail),
                 "stack poisoned with 0x%016llx then 0x%016llx: the maps' contents differ after the runs",
                 (unsigned long long)poison, (unsigned long long)~poison);
        report("an accepted program's output depends on uninitialised stack", insns, n, type, 1, detail);
    }
out:
    if (pa)
        bpfrt_prog__free(pa);
    if (pb)
        bpfrt_prog__free(pb);
    free_maps(mb);
    free_maps(ma);
    free(ia);
    free(ib);
}

/* One input taken apart (see the layout at the top): the program,
 * normalised against fresh maps, its type, the poison pattern and the
 * func info; NULL when the input holds no program.  Shared with
 * fuzz_jit.c. */
struct fv_input {
    struct bpfrt_map *maps[NMAPS];
    struct bpf_insn *insns;
    size_t n;
    enum bpf_prog_type type;
    uint64_t poison;
    struct bpf_func_info *fi;
    size_t nfi;
    const uint8_t *pkt;
    size_t pktlen;
};

static struct fv_input *fv_parse(const uint8_t *data, size_t size, struct fv_input *in)
{
    size_t n;

    if (size < 4)
        return NULL;
    in->type = types[data[0] & 3];
    in->poison = 0x0101010101010101ull * (uint64_t)((data[0] >> 3) * 8 + 1); /* 0x01..0xf9 in every byte */
    n = data[1] ? data[1] : MAX_INSNS;
    if (n * 8 > size - 4)
        n = (size - 4) / 8;
    if (!n)
        return NULL;
    in->n = n;
    in->insns = malloc(n * sizeof(*in->insns));
    if (!in->insns)
        return NULL;
    memcpy(in->insns, data + 4, n * sizeof(*in->insns));
    if (make_maps(in->maps, data + 2)) {
        free_maps(in->maps);
        free(in->insns);
        abort(); /* the fixed maps must always be creatable */
    }
    normalise(in->insns, n, in->maps);
    in->fi = malloc(n * sizeof(*in->fi));
    in->nfi = in->fi ? func_infos(in->insns, n, in->fi) : 0;
    cur_fi = in->fi;
    cur_nfi = in->nfi;
    in->pkt = data + 4 + n * 8;
    in->pktlen = size - 4 - n * 8;
    return in;
}

static void fv_release(struct fv_input *in)
{
    free_maps(in->maps);
    free(in->fi);
    free(in->insns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fv_input in;
    int unpriv_too;

    if (size >= 4)
        st.inputs++;
    if (!fv_parse(data, size, &in))
        return 0;
    unpriv_too = !!(data[0] & 4);
    if (verbose)
        bpfrt_disasm(in.insns, in.n, stderr, 1);
    for (int unpriv = 0; unpriv <= unpriv_too; unpriv++) {
        struct bpfrt_diag diag = {.sz = sizeof(diag)};
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .type = in.type, .unpriv = unpriv, .diag = &diag, .btf = &btf_blob,
                   .btf_size = sizeof(btf_blob), .func_info = in.fi, .func_info_rec_size = sizeof(*in.fi),
                   .func_info_cnt = (uint32_t)in.nfi);
        struct bpfrt_prog *prog;
        int err = bpfrt_prog__load_insns(in.insns, in.n, &lo, &prog);

        st.verified[data[0] & 3][unpriv]++;
        st.accepted[data[0] & 3][unpriv] += !err;
        if (verbose)
            fprintf(stderr, "%s %s, %zu insns: %s%s (insn %ld) %s\n", bpfrt_prog_type_name(in.type),
                    unpriv ? "unpriv" : "priv", in.n, err ? "rejected " : "accepted", err ? strerror(-err) : "",
                    err ? diag.insn : -1L, err ? diag.message : "");
        if (err)
            continue;
        run_all(prog, in.insns, in.n, in.type, unpriv, in.pkt, in.pktlen, in.poison);
        bpfrt_prog__free(prog);
        if (unpriv && deterministic(in.insns, in.n))
            differential(in.insns, in.n, in.maps, in.type, data + 2, in.pkt, in.pktlen, in.poison);
    }
    fv_release(&in);
    return 0;
}
