/* tv_runner.c - the kernel's test_verifier cases against bpfrt's verifier
 * and the running kernel, side by side.
 *
 * Built at test time (tests/kernel-diff/test_verifier_suite.c) with
 *   -DTV_CASES='"CACHE/tv_cases.h"' -iquote CACHE/src/.../selftests/bpf
 *   -iquote CACHE/src/linux-source-6.1/tools/include/linux
 * after tests/verifier/tv_prepare.sh CACHE extracted the cases from
 * Debian's linux-source-6.1.  The case files (verifier/ *.c) are bare
 * initializers, "{ "name", .insns = {...}, .result = ACCEPT, ... },":
 * they are #included inside this file's own array, each file preceded
 * by a marker entry naming it (tv_cases.h), so every case knows its file.
 *
 * For every case, as the kernel's test_verifier does it (read there, not
 * copied): the maps its fixup arrays ask for are created in the kernel
 * (bpf(BPF_MAP_CREATE)) and in bpfrt (bpfrt_map__create; bpfrt's "fd" in
 * a map load is the map's id), the instructions patched, then
 *   the privileged variant: BPF_PROG_LOAD with CAP_BPF, CAP_PERFMON and
 *     CAP_NET_ADMIN but without CAP_SYS_ADMIN (test_verifier drops it),
 *     and bpfrt_prog__verify_insns();
 *   the unprivileged variant (socket filters and cgroup_skb only, as
 *     test_verifier's test_as_unpriv): BPF_PROG_LOAD in a forked child
 *     that has dropped CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON and
 *     CAP_NET_ADMIN and become uid/gid 65534 (the program comes back to
 *     the runner over a socket, for the runs), and bpfrt with
 *     opts.unpriv.  The kernel refuses every unprivileged load while the
 *     sysctl kernel.unprivileged_bpf_disabled is not 0; see "The sysctl"
 *     below for what the runner does about it (in short: 2, the
 *     reversible "disabled", is lowered to 0 around each unprivileged
 *     load when the runner is root, unless TV_NO_SYSCTL=1; it is never
 *     set to 1, which could not be undone before a reboot);
 *   the runs: a program the kernel accepted is run with
 *     BPF_PROG_TEST_RUN on each of the case's inputs, and in bpfrt when
 *     bpfrt accepted it and can run its type; the return values compared.
 *
 * Output: one line per case file and per variant, the accepts where the
 * kernel rejects (soundness suspects: always listed, with the kernel's
 * reason), the not-measurable reasons with counts, and machine-readable
 * summary lines "TV priv ...", "TV unpriv ...", "TV total ...".
 *
 * Usage: tv_runner [-v] [--priv-only|--unpriv-only] [--no-kernel]
 *                  [--file FILE.c] [NAME_SUBSTRING]
 * Environment: TV_NO_SYSCTL=1 never touches the sysctl (the kernel's
 * unprivileged verdicts are then unmeasured unless it is 0 already);
 * TV_LOG_LEVEL=N prints bpfrt's verifier log of each case on stderr.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <linux/bpf_perf_event.h>
#include <linux/btf.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpfrt/bpfrt.h>

/* The BPF_* instruction macros of the kernel's tools/include/linux/filter.h
 * (BPF_MOV64_IMM, BPF_LD_MAP_FD, BPF_EMIT_CALL, ...), which the case
 * files are written in, and the BTF encoding macros of the selftests'
 * test_btf.h (BTF_TYPE_INT_ENC, BTF_FUNC_ENC, ..., BTF_END_RAW). */
#include "filter.h"
#include "test_btf.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported" */
#endif

/* ------------------------------------------------------------ the case */

/* Sizes of test_verifier's struct: the case files index these arrays. */
#define TV_MAX_INSNS 4096 /* BPF_MAXINSNS */
#define TV_MAX_XLATED 32
#define TV_MAX_FIXUPS 8
#define TV_MAX_RUNS 8
#define TV_MAX_FUNC_INFOS 8
#define TV_MAX_BTF_STRINGS 256
#define TV_MAX_BTF_TYPES 256
#define TV_MAX_FILL 1000000 /* fill helpers write up to the complexity limit */

/* Names the case files use. */
#define TEST_DATA_LEN 64
#define POINTER_VALUE 0xcafe4all /* "any return value" */
#define MAX_ENTRIES 11
#define INSN_OFF_MASK ((__s16)0xFFFF)
#define INSN_IMM_MASK ((__s32)0xFFFFFFFF)
#define SKIP_INSNS() BPF_RAW_INSN(0xde, 0xa, 0xd, 0xbeef, 0xdeadbeef)
#define F_NEEDS_EFFICIENT_UNALIGNED_ACCESS (1 << 0)
#define F_LOAD_WITH_STRICT_ALIGNMENT (1 << 1)
/* The offset just past a field. */
#define offsetofend(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))

/* Map value layouts the cases' offsets are computed from. */
struct test_val {
    unsigned int index;
    int foo[MAX_ENTRIES];
};
struct other_val {
    long long foo;
    long long bar;
};

/* Instruction sequences several case files share. */

/* A socket lookup helper call on an all-zero struct bpf_sock_tuple on
 * the stack (13 instructions). */
#define BPF_SK_LOOKUP(func)                                                                                            \
    BPF_MOV64_IMM(BPF_REG_2, 0), BPF_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2, -8),                                        \
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -16), BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -24),              \
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -32), BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -40),              \
        BPF_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_2, -48), BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),                         \
        BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -48), BPF_MOV64_IMM(BPF_REG_3, sizeof(struct bpf_sock_tuple)),               \
        BPF_MOV64_IMM(BPF_REG_4, 0), BPF_MOV64_IMM(BPF_REG_5, 0), BPF_EMIT_CALL(BPF_FUNC_##func)

/* r0 = 0; r2 = skb->data with 8 bytes proved below skb->data_end, else
 * return 0 (7 instructions). */
#define BPF_DIRECT_PKT_R2                                                                                              \
    BPF_MOV64_IMM(BPF_REG_0, 0), BPF_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, offsetof(struct __sk_buff, data)),           \
        BPF_LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_1, offsetof(struct __sk_buff, data_end)),                                \
        BPF_MOV64_REG(BPF_REG_4, BPF_REG_2), BPF_ALU64_IMM(BPF_ADD, BPF_REG_4, 8),                                     \
        BPF_JMP_REG(BPF_JLE, BPF_REG_4, BPF_REG_3, 1), BPF_EXIT_INSN()

/* r7 = a random non-negative 31-bit value, zero-extended (4 insns). */
#define BPF_RAND_UEXT_R7                                                                                               \
    BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32), BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),         \
        BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 33), BPF_ALU64_IMM(BPF_RSH, BPF_REG_7, 33)

/* r7 = a random negative 32-bit value, sign-extended (5 insns). */
#define BPF_RAND_SEXT_R7                                                                                               \
    BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32), BPF_MOV64_REG(BPF_REG_7, BPF_REG_0),         \
        BPF_ALU64_IMM(BPF_OR, BPF_REG_7, 0x80000000), BPF_ALU64_IMM(BPF_LSH, BPF_REG_7, 32),                          \
        BPF_ALU64_IMM(BPF_ARSH, BPF_REG_7, 32)

struct kfunc_btf_id_pair {
    const char *kfunc;
    int insn_idx;
};

/* One run's input and expected result. */
#define TV_RUN_FIELDS                                                                                                  \
    struct {                                                                                                           \
        uint32_t retval, retval_unpriv;                                                                                \
        union {                                                                                                        \
            __u8 data[TEST_DATA_LEN];                                                                                  \
            __u64 data64[TEST_DATA_LEN / 8];                                                                           \
        };                                                                                                             \
    }

enum tv_result { UNDEF, ACCEPT, REJECT, VERBOSE_ACCEPT };

/* The field names are the case files' (test_verifier.c's struct
 * bpf_test; descr first: the cases give it without its name); tv_file is
 * this runner's marker: an entry with only tv_file set starts the cases
 * of that file. */
struct tv_case {
    const char *descr;
    struct bpf_insn insns[TV_MAX_INSNS];
    struct bpf_insn *fill_insns;
    struct bpf_insn expected_insns[TV_MAX_XLATED];   /* xlated checks: not compared here */
    struct bpf_insn unexpected_insns[TV_MAX_XLATED];
    int fixup_map_hash_8b[TV_MAX_FIXUPS];
    int fixup_map_hash_48b[TV_MAX_FIXUPS];
    int fixup_map_hash_16b[TV_MAX_FIXUPS];
    int fixup_map_array_48b[TV_MAX_FIXUPS];
    int fixup_map_sockmap[TV_MAX_FIXUPS];
    int fixup_map_sockhash[TV_MAX_FIXUPS];
    int fixup_map_xskmap[TV_MAX_FIXUPS];
    int fixup_map_stacktrace[TV_MAX_FIXUPS];
    int fixup_prog1[TV_MAX_FIXUPS];
    int fixup_prog2[TV_MAX_FIXUPS];
    int fixup_map_in_map[TV_MAX_FIXUPS];
    int fixup_cgroup_storage[TV_MAX_FIXUPS];
    int fixup_percpu_cgroup_storage[TV_MAX_FIXUPS];
    int fixup_map_spin_lock[TV_MAX_FIXUPS];
    int fixup_map_array_ro[TV_MAX_FIXUPS];
    int fixup_map_array_wo[TV_MAX_FIXUPS];
    int fixup_map_array_small[TV_MAX_FIXUPS];
    int fixup_sk_storage_map[TV_MAX_FIXUPS];
    int fixup_map_event_output[TV_MAX_FIXUPS];
    int fixup_map_reuseport_array[TV_MAX_FIXUPS];
    int fixup_map_ringbuf[TV_MAX_FIXUPS];
    int fixup_map_timer[TV_MAX_FIXUPS];
    int fixup_map_kptr[TV_MAX_FIXUPS];
    struct kfunc_btf_id_pair fixup_kfunc_btf_id[TV_MAX_FIXUPS];
    const char *errstr;        /* tab-separated pieces expected in the log, in order */
    const char *errstr_unpriv;
    uint32_t insn_processed;
    int prog_len;              /* set by a fill helper */
    enum tv_result result, result_unpriv;
    enum bpf_prog_type prog_type; /* 0: socket filter */
    uint8_t flags;             /* F_* above; other bits are BPF_F_* load flags */
    void (*fill_helper)(struct tv_case *self);
    int runs;                  /* 0: one run (retval/data); < 0: none; else retvals[0..runs) */
    union {
        TV_RUN_FIELDS;
        TV_RUN_FIELDS retvals[TV_MAX_RUNS];
    };
    enum bpf_attach_type expected_attach_type;
    const char *kfunc;         /* tracing / LSM target */
    struct bpf_func_info func_info[TV_MAX_FUNC_INFOS];
    int func_info_cnt;
    char btf_strings[TV_MAX_BTF_STRINGS];
    __u32 btf_types[TV_MAX_BTF_TYPES]; /* ends with BTF_END_RAW */
    const char *tv_file;
};

/* --------------------------------------------------------- fill helpers */

/* The case files name generators for programs too big to write out; these
 * are this runner's own, building programs of the shapes the cases
 * describe (their expected retval depends on them). */

static uint64_t tv_rand_state = 0x9e3779b97f4a7c15ull;
static uint32_t tv_rand(void)
{
    /* xorshift64*: any values do; deterministic from run to run */
    tv_rand_state ^= tv_rand_state >> 12;
    tv_rand_state ^= tv_rand_state << 25;
    tv_rand_state ^= tv_rand_state >> 27;
    return (uint32_t)((tv_rand_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* skb->data[0] checked and a vlan pushed, 51 times, then the same with
 * vlan pops, the whole five times; every failed check jumps to an error
 * exit at the end; the rest is filled with "r0 = 0xbef" (retval 0xbef).
 * The length keeps every jump inside the 16-bit offset once the kernel
 * has expanded each LD_ABS into several instructions. */
static void bpf_fill_ld_abs_vlan_push_pop(struct tv_case *self)
{
    const int reps = 51;
    const int len = (1 << 15) - reps * 2 * 5 * 6;
    struct bpf_insn *p = self->fill_insns;
    int i = 0;

    p[i++] = BPF_MOV64_REG(BPF_REG_6, BPF_REG_1);
    for (int round = 0; round < 5; round++) {
        for (int push = 1; push >= 0; push--) {
            for (int r = 0; r < reps; r++) {
                p[i++] = BPF_LD_ABS(BPF_B, 0);
                p[i] = BPF_JMP32_IMM(BPF_JNE, BPF_REG_0, 0x34, len - i - 3);
                i++;
                p[i++] = BPF_MOV64_REG(BPF_REG_1, BPF_REG_6);
                if (push) {
                    p[i++] = BPF_MOV64_IMM(BPF_REG_2, 1);
                    p[i++] = BPF_MOV64_IMM(BPF_REG_3, 2);
                    p[i++] = BPF_EMIT_CALL(BPF_FUNC_skb_vlan_push);
                } else {
                    p[i++] = BPF_EMIT_CALL(BPF_FUNC_skb_vlan_pop);
                }
                p[i] = BPF_JMP_IMM(BPF_JNE, BPF_REG_0, 0, len - i - 3);
                i++;
            }
        }
    }
    while (i < len - 3)
        p[i++] = BPF_MOV64_IMM(BPF_REG_0, 0xbef);
    p[i++] = BPF_JMP_A(1);
    p[i++] = BPF_MOV32_IMM(BPF_REG_0, 0); /* the error exit */
    p[i++] = BPF_EXIT_INSN();
    self->prog_len = i;
}

/* One LD_ABS, a jump over all the rest when it read 10, then LD_ABS after
 * LD_ABS: the jump's offset must stay in range after the kernel expands
 * each LD_ABS (up to 7 instructions on some architectures). */
static void bpf_fill_jump_around_ld_abs(struct tv_case *self)
{
    const int len = (1 << 15) / 7;
    struct bpf_insn *p = self->fill_insns;
    int i = 0;

    p[i++] = BPF_MOV64_REG(BPF_REG_6, BPF_REG_1);
    p[i++] = BPF_LD_ABS(BPF_B, 0);
    p[i] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, 10, len - i - 2);
    i++;
    while (i < len - 1)
        p[i++] = BPF_LD_ABS(BPF_B, 1);
    p[i++] = BPF_EXIT_INSN();
    self->prog_len = i;
}

/* r0 ^= LD_IMM64 constants until retval instructions, then the upper half
 * folded into the lower: the case's retval is replaced by the result. */
static void bpf_fill_rand_ld_dw(struct tv_case *self)
{
    struct bpf_insn *p = self->fill_insns;
    uint64_t acc = 0;
    int i = 0;

    p[i++] = BPF_MOV32_IMM(BPF_REG_0, 0);
    while (i < (int)self->retval) {
        uint64_t v = ((uint64_t)tv_rand() << 32) | tv_rand();
        struct bpf_insn ld[2] = {BPF_LD_IMM64(BPF_REG_1, v)};

        acc ^= v;
        p[i++] = ld[0];
        p[i++] = ld[1];
        p[i++] = BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1);
    }
    p[i++] = BPF_MOV64_REG(BPF_REG_1, BPF_REG_0);
    p[i++] = BPF_ALU64_IMM(BPF_RSH, BPF_REG_1, 32);
    p[i++] = BPF_ALU64_REG(BPF_XOR, BPF_REG_0, BPF_REG_1);
    p[i++] = BPF_EXIT_INSN();
    self->prog_len = i;
    self->retval = (uint32_t)(acc ^ (acc >> 32));
}

/* 8192 times: a random number compared with a constant, and on one side a
 * store of the context pointer to a stack slot; then "r0 = 42" up to the
 * instruction limit less four instructions per jump (room the kernel's
 * state pruning heuristics need).  retval 1: in the main program; 2: in
 * the innermost of 8 nested calls (stack slots shared by the frames). */
static void bpf_fill_scale(struct tv_case *self)
{
    const int jumps = 8192, nest = 7;
    struct bpf_insn *p = self->fill_insns;
    int i = 0, slots = 64;

    if (self->retval != 1 && self->retval != 2) {
        self->prog_len = 0;
        return;
    }
    if (self->retval == 2) {
        for (int k = 0; k < nest; k++) {
            p[i++] = BPF_CALL_REL(1);
            p[i++] = BPF_EXIT_INSN();
        }
        slots = 64 - 4 * nest;
    }
    p[i++] = BPF_MOV64_REG(BPF_REG_6, BPF_REG_1);
    for (int k = 1; k <= jumps; k++) {
        p[i++] = BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32);
        p[i++] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, (int32_t)tv_rand(), 2);
        p[i++] = BPF_MOV64_REG(BPF_REG_1, BPF_REG_10);
        p[i++] = BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, -8 * (k % slots + 1));
    }
    while (i < TV_MAX_FILL - jumps * 4)
        p[i++] = BPF_MOV64_IMM(BPF_REG_0, 42);
    p[i++] = BPF_EXIT_INSN();
    self->prog_len = i;
    self->retval = 42;
}

/* 128 conditional jumps forward into a ladder of 128 unconditional jumps
 * that all land on "r0 = 1; exit" (259 instructions). */
static int torture_ladder(struct bpf_insn *p)
{
    const int half = 128, len = 259;

    p[0] = BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32);
    for (int k = 1; k <= half; k++) {
        p[k] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, k, half);
        p[k + half] = BPF_JMP_A(half - k);
    }
    p[len - 2] = BPF_MOV64_IMM(BPF_REG_0, 1);
    p[len - 1] = BPF_EXIT_INSN();
    return len;
}

/* 2048 conditional jumps of 2048, then 2049 unconditional jumps in blocks
 * of 16 each falling to its block's end, ending "r0 = 2; exit" (4100). */
static int torture_blocks(struct bpf_insn *p)
{
    const int jmp = 2048, len = 4100;
    int k = 0;

    p[k++] = BPF_EMIT_CALL(BPF_FUNC_get_prandom_u32);
    while (k <= jmp) {
        p[k] = BPF_JMP_IMM(BPF_JEQ, BPF_REG_0, k, jmp);
        k++;
    }
    p[k++] = BPF_JMP_A(jmp);
    for (; k <= jmp * 2 + 1; k += 16)
        for (int j = 0; j < 16; j++)
            p[k + j] = BPF_JMP_A(16 - j - 1);
    p[len - 2] = BPF_MOV64_IMM(BPF_REG_0, 2);
    p[len - 1] = BPF_EXIT_INSN();
    return len;
}

/* retval 1 and 2: one of the two shapes above; 3: a main program calling
 * both as subprograms (and touching its stack), returning 3. */
static void bpf_fill_torturous_jumps(struct tv_case *self)
{
    struct bpf_insn *p = self->fill_insns;
    int i = 0;

    switch (self->retval) {
    case 1:
        self->prog_len = torture_ladder(p);
        return;
    case 2:
        self->prog_len = torture_blocks(p);
        return;
    case 3:
        p[i++] = BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4);
        p[i++] = BPF_RAW_INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 262);
        p[i++] = BPF_ST_MEM(BPF_B, BPF_REG_10, -32, 0);
        p[i++] = BPF_MOV64_IMM(BPF_REG_0, 3);
        p[i++] = BPF_EXIT_INSN();
        i += torture_ladder(p + i);
        i += torture_blocks(p + i);
        self->prog_len = i;
        return;
    default:
        self->prog_len = 0;
    }
}

/* bpf_loop() with a callback placed after a page's worth of filler, so
 * that the kernel's inlining of bpf_loop reallocates the program across a
 * page boundary; func_info[1] is the callback. */
static void bpf_fill_big_prog_with_loop_1(struct tv_case *self)
{
    const int len = (int)sysconf(_SC_PAGESIZE) - 25;
    struct bpf_insn *p = self->fill_insns;
    int i = 0, ld, cb;

    p[i++] = BPF_MOV64_IMM(BPF_REG_1, 1);
    ld = i;
    p[i++] = BPF_RAW_INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_2, BPF_PSEUDO_FUNC, 0, 0);
    p[i++] = BPF_RAW_INSN(0, 0, 0, 0, 0);
    p[i++] = BPF_MOV64_IMM(BPF_REG_3, 0);
    p[i++] = BPF_MOV64_IMM(BPF_REG_4, 0);
    p[i++] = BPF_EMIT_CALL(BPF_FUNC_loop);
    while (i < len - 3)
        p[i++] = BPF_MOV64_IMM(BPF_REG_0, 0);
    p[i++] = BPF_EXIT_INSN();
    cb = i;
    p[i++] = BPF_MOV64_IMM(BPF_REG_0, 0);
    p[i++] = BPF_EXIT_INSN();
    p[ld].imm = cb - ld - 1;
    self->func_info[1].insn_off = (uint32_t)cb;
    self->prog_len = i;
}

/* ------------------------------------------------------------ the cases */

#define TV_FILE(f) {.tv_file = f},
static struct tv_case tv_cases[] = {
#include TV_CASES
};
#undef TV_FILE
#define TV_NCASES (sizeof(tv_cases) / sizeof(tv_cases[0]))

/* ------------------------------------------------------------ the maps */

/* What each fixup array asks for (test_verifier's do_test_fixup). */
enum mk_special { MK_PLAIN, MK_PROG_ARRAY, MK_MAP_IN_MAP };
struct map_kind {
    const char *name;
    size_t fixup_off;
    enum mk_special special;
    enum bpf_map_type type;
    uint32_t key_size, value_size, max_entries, flags;
    uint32_t btf_value_type; /* 0: no BTF; else the value's type in tv_btf (key: type 1) */
    int init;                /* index 0 written with a struct test_val */
    uint32_t prog_max, prog_keys[3];
};

/* Type ids of tv_btf(), the BTF the spin lock, timer and kptr maps and the
 * socket storage are described by. */
enum { BT_INT = 1, BT_SPIN_LOCK, BT_VAL, BT_TIMER, BT_TIMER_WRAP, BT_REF_KFUNC, BT_MEMBER, BT_KPTR_TAG,
       BT_KPTR_REF_TAG, BT_KPTR_REF_TAG2, BT_PTR1, BT_PTR2, BT_PTR3, BT_BTF_PTR };

#define FX(f) offsetof(struct tv_case, fixup_##f)
static const struct map_kind map_kinds[] = {
    {"hash_8b", FX(map_hash_8b), MK_PLAIN, BPF_MAP_TYPE_HASH, 8, 8, 1, BPF_F_NO_PREALLOC, 0, 0, 0, {0}},
    {"hash_48b", FX(map_hash_48b), MK_PLAIN, BPF_MAP_TYPE_HASH, 8, sizeof(struct test_val), 1, BPF_F_NO_PREALLOC, 0,
     0, 0, {0}},
    {"hash_16b", FX(map_hash_16b), MK_PLAIN, BPF_MAP_TYPE_HASH, 8, sizeof(struct other_val), 1, BPF_F_NO_PREALLOC, 0,
     0, 0, {0}},
    {"array_48b", FX(map_array_48b), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct test_val), 1, 0, 0, 1, 0, {0}},
    {"prog1", FX(prog1), MK_PROG_ARRAY, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, 0, 4, {0, 1, 2}},
    {"prog2", FX(prog2), MK_PROG_ARRAY, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, 0, 0, 0, 8, {7, 1, 2}},
    {"map_in_map", FX(map_in_map), MK_MAP_IN_MAP, BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, 0, 0, 0, 0, {0}},
    {"cgroup_storage", FX(cgroup_storage), MK_PLAIN, BPF_MAP_TYPE_CGROUP_STORAGE,
     sizeof(struct bpf_cgroup_storage_key), TEST_DATA_LEN, 0, 0, 0, 0, 0, {0}},
    {"percpu_cgroup_storage", FX(percpu_cgroup_storage), MK_PLAIN, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
     sizeof(struct bpf_cgroup_storage_key), TEST_DATA_LEN, 0, 0, 0, 0, 0, {0}},
    {"sockmap", FX(map_sockmap), MK_PLAIN, BPF_MAP_TYPE_SOCKMAP, 4, 4, 1, 0, 0, 0, 0, {0}},
    {"sockhash", FX(map_sockhash), MK_PLAIN, BPF_MAP_TYPE_SOCKHASH, 4, 4, 1, 0, 0, 0, 0, {0}},
    {"xskmap", FX(map_xskmap), MK_PLAIN, BPF_MAP_TYPE_XSKMAP, 4, 4, 1, 0, 0, 0, 0, {0}},
    {"stacktrace", FX(map_stacktrace), MK_PLAIN, BPF_MAP_TYPE_STACK_TRACE, 4, 8, 1, 0, 0, 0, 0, {0}},
    {"spin_lock", FX(map_spin_lock), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, BT_VAL, 0, 0, {0}},
    {"array_ro", FX(map_array_ro), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct test_val), 1, BPF_F_RDONLY_PROG, 0,
     1, 0, {0}},
    {"array_wo", FX(map_array_wo), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct test_val), 1, BPF_F_WRONLY_PROG, 0,
     1, 0, {0}},
    {"array_small", FX(map_array_small), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, 1, 1, 0, 0, 1, 0, {0}},
    {"sk_storage", FX(sk_storage_map), MK_PLAIN, BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, BT_VAL, 0, 0,
     {0}},
    {"event_output", FX(map_event_output), MK_PLAIN, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0, 0, 0, 0, {0}},
    {"reuseport_array", FX(map_reuseport_array), MK_PLAIN, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, 1, 0, 0, 0, 0,
     {0}},
    {"ringbuf", FX(map_ringbuf), MK_PLAIN, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, 0, 0, {0}},
    {"timer", FX(map_timer), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, BT_TIMER_WRAP, 0, 0, {0}},
    {"kptr", FX(map_kptr), MK_PLAIN, BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0, BT_BTF_PTR, 0, 0, {0}},
};
#undef FX
#define NKINDS (sizeof(map_kinds) / sizeof(map_kinds[0]))

static const int *kind_fixups(const struct tv_case *c, const struct map_kind *k)
{
    return (const int *)((const char *)c + k->fixup_off);
}

/* The value index 0 of the arrays gets (test_verifier's update_map): an
 * index pointing past foo[6], and foo[6] set; a smaller value gets its
 * first value_size bytes, as the kernel copies them. */
static void test_val_init(struct test_val *v)
{
    memset(v, 0, sizeof(*v));
    v->index = (6 + 1) * sizeof(int);
    v->foo[6] = (int)0xabcdef12;
}

/* A tiny BTF builder: the types of the maps with special fields (int,
 * struct bpf_spin_lock, struct val { int cnt; struct bpf_spin_lock l; },
 * struct bpf_timer, struct timer { struct bpf_timer t; }, and a struct of
 * three kernel pointers tagged "kptr" / "kptr_ref"), in the order of the
 * BT_* ids. */
struct btf_buf {
    uint32_t types[128];
    size_t nt;
    char strs[256];
    size_t ns;
};

static uint32_t bb_str(struct btf_buf *b, const char *s)
{
    uint32_t off = (uint32_t)b->ns;
    size_t n = strlen(s) + 1;

    if (!*s)
        return 0;
    memcpy(b->strs + b->ns, s, n);
    b->ns += n;
    return off;
}

static void bb_u32(struct btf_buf *b, uint32_t v)
{
    b->types[b->nt++] = v;
}

static void bb_type(struct btf_buf *b, const char *name, uint32_t kind, uint32_t vlen, uint32_t size_or_type)
{
    bb_u32(b, bb_str(b, name));
    bb_u32(b, BTF_INFO_ENC(kind, 0, vlen));
    bb_u32(b, size_or_type);
}

static void bb_member(struct btf_buf *b, const char *name, uint32_t type, uint32_t bit_off)
{
    bb_u32(b, bb_str(b, name));
    bb_u32(b, type);
    bb_u32(b, bit_off);
}

/* Raw .BTF of those types: header, types, strings (malloc'ed).  The
 * kernel 6.3 renamed the tags ("kptr" became "kptr_untrusted", "kptr_ref"
 * became "kptr") and since then refuses a whole BTF with a struct holding
 * an unknown tag: new_tags selects the names of the running kernel for
 * the same meaning (untrusted, referenced). */
static void *tv_btf(size_t *len, int new_tags)
{
    const char *untrusted = new_tags ? "kptr_untrusted" : "kptr", *ref = new_tags ? "kptr" : "kptr_ref";
    static struct btf_buf b;
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};
    char *raw;

    memset(&b, 0, sizeof(b));
    b.ns = 1; /* the empty name at offset 0 */
    bb_type(&b, "int", BTF_KIND_INT, 0, 4);
    bb_u32(&b, BTF_INT_ENC(BTF_INT_SIGNED, 0, 32));
    bb_type(&b, "bpf_spin_lock", BTF_KIND_STRUCT, 1, 4);
    bb_member(&b, "val", BT_INT, 0);
    bb_type(&b, "val", BTF_KIND_STRUCT, 2, 8);
    bb_member(&b, "cnt", BT_INT, 0);
    bb_member(&b, "l", BT_SPIN_LOCK, 32);
    bb_type(&b, "bpf_timer", BTF_KIND_STRUCT, 0, 16);
    bb_type(&b, "timer", BTF_KIND_STRUCT, 1, 16);
    bb_member(&b, "t", BT_TIMER, 0);
    bb_type(&b, "prog_test_ref_kfunc", BTF_KIND_STRUCT, 0, 0);
    bb_type(&b, "prog_test_member", BTF_KIND_STRUCT, 0, 0);
    bb_type(&b, untrusted, BTF_KIND_TYPE_TAG, 0, BT_REF_KFUNC);
    bb_type(&b, ref, BTF_KIND_TYPE_TAG, 0, BT_REF_KFUNC);
    bb_type(&b, ref, BTF_KIND_TYPE_TAG, 0, BT_MEMBER);
    bb_type(&b, "", BTF_KIND_PTR, 0, BT_KPTR_TAG);
    bb_type(&b, "", BTF_KIND_PTR, 0, BT_KPTR_REF_TAG);
    bb_type(&b, "", BTF_KIND_PTR, 0, BT_KPTR_REF_TAG2);
    bb_type(&b, "btf_ptr", BTF_KIND_STRUCT, 3, 24);
    bb_member(&b, "ptr", BT_PTR1, 0);
    bb_member(&b, "ptr", BT_PTR2, 64);
    bb_member(&b, "ptr", BT_PTR3, 128);
    h.type_len = (uint32_t)(b.nt * 4);
    h.str_off = h.type_len;
    h.str_len = (uint32_t)b.ns;
    *len = sizeof(h) + h.type_len + h.str_len;
    raw = malloc(*len);
    if (!raw)
        return NULL;
    memcpy(raw, &h, sizeof(h));
    memcpy(raw + sizeof(h), b.types, h.type_len);
    memcpy(raw + sizeof(h) + h.type_len, b.strs, h.str_len);
    return raw;
}

/* The case's own BTF (btf_types up to BTF_END_RAW, btf_strings whole),
 * as test_verifier loads it for func_info. */
static void *case_btf(const struct tv_case *c, size_t *len)
{
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};
    size_t n = 0;
    char *raw;

    while (n < TV_MAX_BTF_TYPES && c->btf_types[n] != BTF_END_RAW)
        n++;
    h.type_len = (uint32_t)(n * 4);
    h.str_off = h.type_len;
    h.str_len = sizeof(c->btf_strings);
    *len = sizeof(h) + h.type_len + h.str_len;
    raw = malloc(*len);
    if (!raw)
        return NULL;
    memcpy(raw, &h, sizeof(h));
    memcpy(raw + sizeof(h), c->btf_types, h.type_len);
    memcpy(raw + sizeof(h) + h.type_len, c->btf_strings, h.str_len);
    return raw;
}

/* --------------------------------------------------------- the verdicts */

enum { V_PRIV, V_UNPRIV, NV };
static const char *const vname[NV] = {"priv", "unpriv"};

/* Why a comparison could not be made: counted by reason, per variant. */
#define MAX_REASONS 64
struct reason {
    char text[160];
    unsigned long count[NV];
};
static struct reason reasons[MAX_REASONS];
static size_t nreasons;

static void count_reason(int v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void count_reason(int v, const char *fmt, ...)
{
    char text[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < nreasons; i++)
        if (!strcmp(reasons[i].text, text)) {
            reasons[i].count[v]++;
            return;
        }
    if (nreasons < MAX_REASONS) {
        snprintf(reasons[nreasons].text, sizeof(reasons[nreasons].text), "%s", text);
        reasons[nreasons++].count[v] = 1;
    }
}

struct tally {
    unsigned long cases;       /* variants judged */
    unsigned long rt_n;        /* bpfrt gave a verdict */
    unsigned long exp_eq;      /* bpfrt's verdict == the suite's expectation */
    unsigned long k_n;         /* the kernel gave a verdict */
    unsigned long k_exp_eq;    /* the kernel's verdict == the expectation (6.18 vs 6.1's suite) */
    unsigned long both_n;      /* both gave one */
    unsigned long k_eq;        /* bpfrt's == the kernel's */
    unsigned long acc_krej;    /* bpfrt accepts, the kernel rejects: soundness suspects */
    unsigned long rej_kacc;    /* bpfrt rejects, the kernel accepts */
    unsigned long acc_exprej;  /* bpfrt accepts, the expectation is a rejection */
    unsigned long krun_n;      /* kernel test runs made */
    unsigned long kret_eq;     /* kernel retval == the expected one */
    unsigned long ret_n;       /* runs made in both */
    unsigned long ret_eq;      /* bpfrt's retval == the kernel's */
    unsigned long nm;          /* variants with some comparison not measurable */
};

struct file_tally {
    const char *file;
    struct tally t[NV];
};

static struct file_tally *files;
static size_t nfiles;
static struct tally total[NV];

/* Disagreements with the kernel, listed after the table: soundness
 * suspects (bpfrt accepts, the kernel rejects; msg: the kernel's reason)
 * and false rejections (bpfrt rejects, the kernel accepts; msg: bpfrt's). */
struct suspect {
    const char *file, *name;
    int variant;
    char msg[200];
};
struct suspects {
    struct suspect *v;
    size_t n, cap;
};
static struct suspects unsafe_acc, false_rej;

static void add_suspect(struct suspects *s, const char *file, const char *name, int variant, const char *msg)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof(*s->v));
        if (!s->v) {
            fprintf(stderr, "tv_runner: out of memory\n");
            exit(2);
        }
    }
    s->v[s->n].file = file;
    s->v[s->n].name = name;
    s->v[s->n].variant = variant;
    snprintf(s->v[s->n].msg, sizeof(s->v[s->n].msg), "%.190s", msg);
    s->n++;
}

/* -------------------------------------------------------------- options */

static int opt_verbose, opt_variants = (1 << V_PRIV) | (1 << V_UNPRIV), opt_no_kernel;
static const char *opt_filter, *opt_file;

/* The kernel side: usable at all, and how its unprivileged verdicts are
 * obtained (see "The sysctl" below). */
static int kern_ok, unpriv_sysctl = -1;
enum { KU_NONE, KU_OPEN, KU_LOWER } kern_unpriv; /* none; the sysctl is 0; lowered from 2 per load */
static char kern_why[200], kern_unpriv_why[200];

static char *klog;           /* the kernel's verifier log */
#define KLOG_SIZE (16u << 20) /* a too short log fails the load with ENOSPC */
static char rtlog[1 << 16];  /* bpfrt's */

/* ------------------------------------------------------- capabilities */

/* test_verifier loads its privileged variant with CAP_BPF, CAP_PERFMON and
 * CAP_NET_ADMIN, without CAP_SYS_ADMIN, and its unprivileged one with
 * those three dropped too: only the effective set changes, so they can be
 * raised again from the permitted set. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define ADMIN_CAPS ((1ull << CAP_NET_ADMIN) | (1ull << CAP_PERFMON) | (1ull << CAP_BPF))

static int caps_effective(uint64_t mask, int on)
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    uint64_t eff, perm;

    if (syscall(SYS_capget, &h, d))
        return -errno;
    eff = d[0].effective | ((uint64_t)d[1].effective << 32);
    perm = d[0].permitted | ((uint64_t)d[1].permitted << 32);
    if (on && (perm & mask) != mask)
        return -EPERM;
    eff = on ? eff | mask : eff & ~mask;
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    if (syscall(SYS_capset, &h, d))
        return -errno;
    return 0;
}

/* ------------------------------------------------------ kernel helpers */

/* strerror, with the kernel's internal ENOTSUPP named. */
static const char *errname(int err)
{
    return err == ENOTSUPP ? "ENOTSUPP" : strerror(err);
}

static int kfd_close(int fd)
{
    return fd >= 0 ? close(fd) : 0;
}

/* The kernel's reason: the last line of its log that is not one of the
 * statistics lines it ends with. */
static void log_reason(const char *log, char *out, size_t outsz)
{
    const char *best = NULL, *p = log;
    size_t blen = 0;

    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
            strncmp(p, "stack depth", 11)) {
            best = p;
            blen = n;
        }
        p = e ? e + 1 : NULL;
    }
    if (!best) {
        snprintf(out, outsz, "(empty log)");
        return;
    }
    if (blen >= outsz)
        blen = outsz - 1;
    memcpy(out, best, blen);
    out[blen] = 0;
}

/* ---------------------------------------------------------- the sysctl */

/* The kernel's unprivileged verdicts need unprivileged loads, and the
 * kernel refuses every one of them (EPERM, before its verifier runs)
 * while kernel.unprivileged_bpf_disabled is not 0.  Its values
 * (Documentation/admin-guide/sysctl/kernel.rst; kernel/bpf/syscall.c's
 * bpf_unpriv_handler): 0 allowed; 1 disabled, and the handler refuses
 * any later write other than 1 until a reboot; 2 disabled, but root
 * (CAP_SYS_ADMIN) may write 0 or 1.  Distributions ship 2.
 *
 * What the runner does to the machine, and only when the sysctl reads 2,
 * the runner is root and TV_NO_SYSCTL is not 1: around each unprivileged
 * load of the kernel (one BPF_PROG_LOAD in a child, milliseconds) it
 * writes 0, and writes 2 back as soon as the child has answered.  The
 * window is that short so that the machine spends as little time as
 * possible open to unprivileged BPF (any local user could load socket
 * filters during it).  It never writes 1 (irreversible); it writes only
 * "0" and "2" (the value it found).  The 2 is written back on every path
 * out of the window: normally, on an error, from a SIGINT/SIGTERM/SIGHUP/
 * SIGQUIT handler (which then lets the signal kill the runner), and from
 * an atexit hook.  Only SIGKILL (or a crash) inside the window can leave
 * 0 behind; the lock file below records that, and the next runner puts 2
 * back.
 *
 * Several runners may share a machine: each window is taken under an
 * exclusive flock of SYSCTL_LOCK, and the lock file holds "2" while a
 * window is open (truncated when it closes).  A runner that finds the
 * file non-empty under the lock knows a runner died inside its window
 * and restores 2.  Without the lock, one runner's restore would make
 * another's unprivileged loads fail with EPERM, counted as rejections. */
#define UNPRIV_SYSCTL "/proc/sys/kernel/unprivileged_bpf_disabled"
#define SYSCTL_LOCK "/run/bpfrt-tv-unpriv-sysctl.lock"
#define UNPRIV_UID 65534 /* nobody */

static volatile sig_atomic_t sysctl_lowered; /* 0 written, 2 not yet back */
static pid_t runner_pid;                     /* children must not restore */
static int sysctl_lock_fd = -1;

static int sysctl_read(void)
{
    FILE *f = fopen(UNPRIV_SYSCTL, "r");
    int v = -1;

    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Writes value, 0 or 2 (the only values the runner ever writes: 1 is
 * refused here, whatever the caller asks).  Only
 * async-signal-safe calls: the signal handler uses it.  The handler of
 * the sysctl checks CAP_SYS_ADMIN at the write, and the runner keeps it
 * out of its effective set (test_verifier's privileged rights), so it is
 * raised for the write and dropped again. */
static int sysctl_write(int value)
{
    int fd, err = 0;

    if (value != 0 && value != 2)
        return -EINVAL;
    caps_effective(1ull << CAP_SYS_ADMIN, 1);
    fd = open(UNPRIV_SYSCTL, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        err = -errno;
    else if (write(fd, value == 0 ? "0\n" : "2\n", 2) != 2)
        err = -errno;
    if (fd >= 0)
        close(fd);
    caps_effective(1ull << CAP_SYS_ADMIN, 0);
    return err;
}

/* Back to 2 if a window is open (every exit path; async-signal-safe). */
static void sysctl_restore(void)
{
    if (!sysctl_lowered || getpid() != runner_pid)
        return;
    sysctl_write(2);
    if (sysctl_lock_fd >= 0 && ftruncate(sysctl_lock_fd, 0)) {
        /* the next runner would restore 2 again: harmless */
    }
    sysctl_lowered = 0;
}

static void sysctl_on_signal(int sig)
{
    sysctl_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Under the lock: a non-empty lock file means a runner died inside its
 * window; the sysctl is put back to 2 if it is still 0.  Returns the
 * sysctl's value after that. */
static int sysctl_recover_locked(void)
{
    struct stat st;
    int v = sysctl_read();

    if (!fstat(sysctl_lock_fd, &st) && st.st_size > 0) {
        if (v == 0) {
            fprintf(stderr, "tv_runner: %s says a runner died with kernel.unprivileged_bpf_disabled lowered "
                            "from 2: restoring 2\n", SYSCTL_LOCK);
            if (!sysctl_write(2))
                v = 2;
        }
        if (ftruncate(sysctl_lock_fd, 0))
            fprintf(stderr, "tv_runner: %s: %s\n", SYSCTL_LOCK, strerror(errno));
    }
    return v;
}

/* Decides kern_unpriv (startup, after the privileged rights are set). */
static void sysctl_setup(void)
{
    const char *no = getenv("TV_NO_SYSCTL");
    int touch = !(no && !strcmp(no, "1")) && geteuid() == 0;

    /* a runner killed inside its window first: its 0 is not the
     * machine's setting */
    if (touch) {
        sysctl_lock_fd = open(SYSCTL_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (sysctl_lock_fd >= 0 && !flock(sysctl_lock_fd, LOCK_EX)) {
            sysctl_recover_locked();
            flock(sysctl_lock_fd, LOCK_UN);
        }
    }
    unpriv_sysctl = sysctl_read();
    kern_unpriv = KU_NONE;
    if (unpriv_sysctl == 0)
        kern_unpriv = KU_OPEN;
    else if (unpriv_sysctl != 2)
        snprintf(kern_unpriv_why, sizeof(kern_unpriv_why),
                 "kernel: unprivileged BPF disabled (sysctl kernel.unprivileged_bpf_disabled=%d, not lowered: only 2 "
                 "may be)", unpriv_sysctl);
    else if (no && !strcmp(no, "1"))
        snprintf(kern_unpriv_why, sizeof(kern_unpriv_why),
                 "kernel: unprivileged BPF disabled (sysctl kernel.unprivileged_bpf_disabled=2; TV_NO_SYSCTL=1)");
    else if (!touch)
        snprintf(kern_unpriv_why, sizeof(kern_unpriv_why),
                 "kernel: unprivileged BPF disabled (sysctl kernel.unprivileged_bpf_disabled=2; only root lowers it)");
    else if (sysctl_lock_fd < 0)
        snprintf(kern_unpriv_why, sizeof(kern_unpriv_why),
                 "kernel: unprivileged BPF disabled (sysctl =2; lock file %s: %s)", SYSCTL_LOCK, strerror(errno));
    else
        kern_unpriv = KU_LOWER;
    if (kern_unpriv != KU_LOWER)
        return;
    runner_pid = getpid();
    {
        struct sigaction sa = {.sa_handler = sysctl_on_signal};
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            sigaction(sigs[i], &sa, NULL);
    }
    atexit(sysctl_restore);
}

/* Opens a window: under the lock, 2 -> 0.  0 when the loads may go on
 * (the sysctl is 0 now), else -errno with the lock released. */
static int sysctl_lower(void)
{
    int v, err;

    if (flock(sysctl_lock_fd, LOCK_EX))
        return -errno;
    v = sysctl_recover_locked();
    if (v == 0)
        return 0; /* someone (an administrator) opened it: not ours to restore */
    if (v != 2) {
        flock(sysctl_lock_fd, LOCK_UN);
        return -EPERM;
    }
    /* The marker first: a death between the two writes leaves a file
     * saying 2 and a sysctl still 2, which the next runner just clears. */
    if (pwrite(sysctl_lock_fd, "2\n", 2, 0) != 2) {
        err = -errno;
        flock(sysctl_lock_fd, LOCK_UN);
        return err;
    }
    sysctl_lowered = 1;
    err = sysctl_write(0);
    if (err) {
        sysctl_restore();
        flock(sysctl_lock_fd, LOCK_UN);
        return err;
    }
    return 0;
}

/* Closes the window. */
static void sysctl_raise(void)
{
    sysctl_restore();
    flock(sysctl_lock_fd, LOCK_UN);
}

/* ------------------------------------------------- unprivileged loads */

/* What the child answers. */
struct unpriv_answer {
    int stage;    /* 0: loaded or refused by the kernel; 1: could not drop privileges */
    int err;      /* errno of the load (0: loaded, the fd comes along) */
    char msg[300];
};

/* The child: no CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN (in no
 * set: effective, permitted, inheritable), then uid and gid 65534 with no
 * supplementary groups, so that the kernel's bpf_capable(),
 * perfmon_capable() and capable() checks all fail as for any user.
 * test_verifier itself only drops those capabilities from the effective
 * set and stays uid 0; the verifier consults capabilities only, so the
 * verdicts are the same, and the uid change makes sure of it (a root
 * process without capabilities still passes file-permission checks a
 * user would not).  Setting the uid of a root process drops all its
 * capabilities anyway (no SECBIT_KEEP_CAPS); the capset first makes the
 * drop explicit and effective also when the runner is not root. */
static int drop_privileges(void)
{
    const uint64_t drop = ADMIN_CAPS | (1ull << CAP_SYS_ADMIN);
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];

    if (syscall(SYS_capget, &h, d))
        return -errno;
    for (int i = 0; i < 2; i++) {
        uint32_t m = (uint32_t)(drop >> (32 * i));
        d[i].effective &= ~m;
        d[i].permitted &= ~m;
        d[i].inheritable &= ~m;
    }
    if (syscall(SYS_capset, &h, d))
        return -errno;
    if (geteuid() == 0) {
        if (setgroups(0, NULL) || setresgid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID) ||
            setresuid(UNPRIV_UID, UNPRIV_UID, UNPRIV_UID))
            return -errno;
    }
    return 0;
}

/* BPF_PROG_LOAD as an unprivileged user (see drop_privileges).  Returns
 * the program's fd, or -errno of the refusal with the kernel's reason in
 * msg; -ECHILD (msg set) when the child could not be made or could not
 * drop its privileges: no verdict. */
static int kern_load_unpriv(enum bpf_prog_type pt, const struct bpf_insn *kin, size_t len,
                            const struct bpf_prog_load_opts *o, char *msg, size_t msgsz)
{
    struct unpriv_answer a = {0};
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &a, .iov_len = sizeof(a)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    int sv[2], fd = -1, status;
    ssize_t n;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
        snprintf(msg, msgsz, "socketpair: %s", strerror(errno));
        return -ECHILD;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        snprintf(msg, msgsz, "fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -ECHILD;
    }
    if (pid == 0) {
        int e;

        close(sv[0]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        memset(cbuf, 0, sizeof(cbuf));
        mh.msg_control = NULL;
        mh.msg_controllen = 0;
        e = drop_privileges();
        if (e) {
            a.stage = 1;
            a.err = -e;
            snprintf(a.msg, sizeof(a.msg), "dropping privileges: %s", strerror(-e));
        } else {
            klog[0] = 0;
            fd = bpf_prog_load(pt, NULL, "GPL", kin, len, o);
            a.err = fd < 0 ? errno : 0;
            if (fd < 0)
                log_reason(klog, a.msg, sizeof(a.msg));
            else {
                mh.msg_control = cbuf;
                mh.msg_controllen = sizeof(cbuf);
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
            }
        }
        _exit(sendmsg(sv[1], &mh, 0) == (ssize_t)sizeof(a) ? 0 : 3);
    }
    close(sv[1]);
    n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
    close(sv[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(a)) {
        snprintf(msg, msgsz, "the unprivileged child gave no answer (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -ECHILD;
    }
    a.msg[sizeof(a.msg) - 1] = 0;
    snprintf(msg, msgsz, "%s", a.msg);
    if (a.stage)
        return -ECHILD;
    if (a.err)
        return -a.err;
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    if (fd < 0) {
        snprintf(msg, msgsz, "the unprivileged child loaded the program but its fd did not arrive");
        return -ECHILD;
    }
    return fd;
}

/* Program types the kernel knows at all (a load failing for this reason
 * gives no verdict). */
static int kern_type_known(enum bpf_prog_type t)
{
    static signed char known[256];

    if ((unsigned)t >= sizeof(known))
        return 0;
    if (!known[t])
        known[t] = libbpf_probe_bpf_prog_type(t, NULL) == 1 ? 1 : -1;
    return known[t] == 1;
}

static struct btf *vmlinux_btf;
static int kfunc_btf_id(const char *name)
{
    int id;

    if (!vmlinux_btf)
        vmlinux_btf = btf__load_vmlinux_btf();
    if (!vmlinux_btf)
        return 0;
    id = btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_FUNC);
    return id < 0 ? 0 : id;
}

static int kern_btf_load(const void *raw, size_t len)
{
    static char log[4096];
    LIBBPF_OPTS(bpf_btf_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
    int fd = bpf_btf_load(raw, len, &o), err = errno;

    if (fd < 0 && opt_verbose)
        printf("BTF load: %s\n%s\n", strerror(err), log);
    return fd < 0 ? -err : fd;
}

/* ------------------------------------------------------ one case's maps */

struct case_maps {
    int kfd[NKINDS];                 /* -1: none */
    struct bpfrt_map *rt[NKINDS];
    struct bpfrt_map *rt_inner;
    struct bpfrt_prog *rt_progs[NKINDS][3];
    int kbtf_fd;
    char kern_why[160];              /* why the kernel side is not measurable, "" when it is */
    char rt_why[160];                /* same for bpfrt */
};

static int kern_prog_dummy(enum bpf_prog_type t, int map_fd, int key, int ret)
{
    struct bpf_insn simple[] = {BPF_MOV64_IMM(BPF_REG_0, ret), BPF_EXIT_INSN()};
    struct bpf_insn loop[] = {BPF_MOV64_IMM(BPF_REG_3, key), BPF_LD_MAP_FD(BPF_REG_2, map_fd),
                              BPF_EMIT_CALL(BPF_FUNC_tail_call), BPF_MOV64_IMM(BPF_REG_0, ret), BPF_EXIT_INSN()};
    int fd = map_fd < 0 ? bpf_prog_load(t, NULL, "GPL", simple, 2, NULL) : bpf_prog_load(t, NULL, "GPL", loop, 6, NULL);
    return fd < 0 ? -errno : fd;
}

static int rt_prog_dummy(enum bpf_prog_type t, uint32_t map_id, int key, int ret, struct bpfrt_prog **pp)
{
    struct bpf_insn simple[] = {BPF_MOV64_IMM(BPF_REG_0, ret), BPF_EXIT_INSN()};
    struct bpf_insn loop[] = {BPF_MOV64_IMM(BPF_REG_3, key), BPF_LD_MAP_FD(BPF_REG_2, (int)map_id),
                              BPF_EMIT_CALL(BPF_FUNC_tail_call), BPF_MOV64_IMM(BPF_REG_0, ret), BPF_EXIT_INSN()};
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = t, .license = "GPL");
    return map_id ? bpfrt_prog__load_insns(loop, 6, &o, pp) : bpfrt_prog__load_insns(simple, 2, &o, pp);
}

/* The kernel's map of kind k (test_verifier's create_* functions). */
static void kern_map(const struct map_kind *k, enum bpf_prog_type pt, struct case_maps *m, size_t ki)
{
    LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = k->flags);
    int fd, err;

    if (k->btf_value_type) {
        if (m->kbtf_fd < 0) {
            for (int new_tags = 1; new_tags >= 0 && m->kbtf_fd < 0; new_tags--) {
                size_t len;
                void *raw = tv_btf(&len, new_tags);
                m->kbtf_fd = raw ? kern_btf_load(raw, len) : -ENOMEM;
                free(raw);
            }
            if (m->kbtf_fd < 0) {
                snprintf(m->kern_why, sizeof(m->kern_why), "kernel: map %s: BTF load failed (%s)", k->name,
                         strerror(-m->kbtf_fd));
                return;
            }
        }
        o.btf_fd = (uint32_t)m->kbtf_fd;
        o.btf_key_type_id = BT_INT;
        o.btf_value_type_id = k->btf_value_type;
    }
    if (k->special == MK_MAP_IN_MAP) {
        int inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
        if (inner < 0) {
            snprintf(m->kern_why, sizeof(m->kern_why), "kernel: map %s: inner array (%s)", k->name, strerror(errno));
            return;
        }
        o.inner_map_fd = (uint32_t)inner;
        fd = bpf_map_create(k->type, NULL, k->key_size, k->value_size, k->max_entries, &o);
        err = errno;
        close(inner);
    } else {
        fd = bpf_map_create(k->type, NULL, k->key_size, k->value_size, k->max_entries, &o);
        err = errno;
    }
    if (fd < 0) {
        snprintf(m->kern_why, sizeof(m->kern_why), "kernel: cannot create map %s (%s)", k->name, strerror(err));
        return;
    }
    m->kfd[ki] = fd;
    if (k->init) {
        struct test_val v; /* the kernel reads value_size bytes of it */
        int key = 0;

        test_val_init(&v);
        if (bpf_map_update_elem(fd, &key, &v, 0))
            snprintf(m->kern_why, sizeof(m->kern_why), "kernel: map %s: update (%s)", k->name, strerror(errno));
    }
    if (k->special == MK_PROG_ARRAY) {
        /* Programs of the case's type at the case's keys: "return 42", a
         * tail call to the second key then "return 41", "return 24". */
        int rets[3] = {42, 41, 24};
        for (int j = 0; j < 3; j++) {
            int pfd = kern_prog_dummy(pt, j == 1 ? fd : -1, (int)k->prog_keys[1], rets[j]);
            int key = (int)k->prog_keys[j];
            if (pfd < 0 || bpf_map_update_elem(fd, &key, &pfd, BPF_ANY)) {
                snprintf(m->kern_why, sizeof(m->kern_why), "kernel: map %s: programs of type %d (%s)", k->name, pt,
                         strerror(pfd < 0 ? -pfd : errno));
                kfd_close(pfd);
                return;
            }
            close(pfd);
        }
    }
}

/* bpfrt's map of kind k. */
static void rt_map(const struct map_kind *k, enum bpf_prog_type pt, struct case_maps *m, size_t ki)
{
    char log[256] = "";
    BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = k->flags, .log_buf = log, .log_size = sizeof(log));
    const char *tn = libbpf_bpf_map_type_str(k->type);
    int err;

    void *raw = NULL;

    if (k->btf_value_type && k->btf_value_type != BT_VAL) {
        /* a bpf_timer or kptr field: bpfrt's maps do not know them */
        snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: map %s: no bpf_timer/kptr fields in bpfrt's maps", k->name);
        return;
    }
    if (k->btf_value_type == BT_VAL) {
        /* struct val { int cnt; struct bpf_spin_lock l; }: the map finds
         * its spin lock in the BTF, as the kernel does */
        size_t len;
        raw = tv_btf(&len, 1);
        if (!raw) {
            snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: map %s: out of memory", k->name);
            return;
        }
        o.btf = raw;
        o.btf_size = len;
        o.btf_value_type_id = k->btf_value_type;
        o.btf_key_type_id = BT_INT; /* sk_storage needs both, as the kernel does */
    }
    if (k->special == MK_MAP_IN_MAP) {
        err = bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "tv_inner", 4, 4, 1, NULL, &m->rt_inner);
        if (err) {
            snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: map %s: inner array (%s)", k->name, strerror(-err));
            return;
        }
        o.inner_map = m->rt_inner;
    }
    err = bpfrt_map__create(k->type, "tv_map", k->key_size, k->value_size, k->max_entries, &o, &m->rt[ki]);
    free(raw);
    if (err) {
        if (err == -EOPNOTSUPP)
            snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: no map type %s (fixup %s)", tn ? tn : "?", k->name);
        else
            snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: cannot create map %s (%s: %.80s)", k->name, strerror(-err),
                     log);
        return;
    }
    if (k->init) {
        struct test_val v;
        int key = 0;

        test_val_init(&v);
        err = bpfrt_map__update_elem(m->rt[ki], &key, 4, &v, k->value_size, 0);
        if (err)
            snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: map %s: update (%s)", k->name, strerror(-err));
    }
    if (k->special == MK_PROG_ARRAY) {
        int rets[3] = {42, 41, 24};
        for (int j = 0; j < 3; j++) {
            uint32_t id;
            int key = (int)k->prog_keys[j];

            err = rt_prog_dummy(pt, j == 1 ? bpfrt_map__id(m->rt[ki]) : 0, (int)k->prog_keys[1], rets[j],
                                &m->rt_progs[ki][j]);
            if (!err) {
                id = bpfrt_prog__id(m->rt_progs[ki][j]);
                err = bpfrt_map__update_elem(m->rt[ki], &key, 4, &id, 4, BPF_ANY);
            }
            if (err) {
                snprintf(m->rt_why, sizeof(m->rt_why), "bpfrt: map %s: programs of type %s (%s)", k->name,
                         libbpf_bpf_prog_type_str(pt) ? libbpf_bpf_prog_type_str(pt) : "?", strerror(-err));
                return;
            }
        }
    }
}

static void maps_free(struct case_maps *m)
{
    for (size_t i = 0; i < NKINDS; i++) {
        kfd_close(m->kfd[i]);
        for (int j = 0; j < 3; j++)
            bpfrt_prog__free(m->rt_progs[i][j]);
        bpfrt_map__free(m->rt[i]);
    }
    bpfrt_map__free(m->rt_inner);
    kfd_close(m->kbtf_fd);
}

/* ---------------------------------------------------------- one case */

static int expected_accept(const struct tv_case *c, int v)
{
    enum tv_result r = v == V_UNPRIV && c->result_unpriv != UNDEF ? c->result_unpriv : c->result;
    return r == ACCEPT || r == VERBOSE_ACCEPT;
}

/* The program's length when no fill helper made it: up to the last
 * instruction that is not all zero in code and imm. */
static int case_len(const struct tv_case *c)
{
    int n = TV_MAX_INSNS;

    while (n > 1 && !c->insns[n - 1].code && !c->insns[n - 1].imm)
        n--;
    return n;
}

struct verdict {
    int have;       /* a verdict was given */
    int accept;
    int err;        /* errno of a rejection */
    char msg[300];  /* the reason */
    int fd;         /* kernel: the loaded program */
};

/* One run of the kernel's program on input i. */
static int kern_run(int fd, const void *data, uint32_t *retval)
{
    unsigned char out[TEST_DATA_LEN * 4];
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = TEST_DATA_LEN, .data_out = out,
                .data_size_out = sizeof(out), .repeat = 1);
    if (bpf_prog_test_run_opts(fd, &o))
        return -errno;
    *retval = o.retval;
    return 0;
}

static void judge(struct tv_case *c, const char *file, int v, const struct bpf_insn *kin, const struct bpf_insn *rin,
                  int len, enum bpf_prog_type pt, struct case_maps *m, const void *btf, size_t btf_len, int kbtf_fd,
                  struct tally *ft)
{
    struct tally *t[2] = {ft, &total[v]};
    struct verdict kv = {.fd = -1}, rv = {0};
    int exp = expected_accept(c, v), nm = 0;
    uint32_t pflags = BPF_F_TEST_RND_HI32;

    if (c->flags & F_LOAD_WITH_STRICT_ALIGNMENT)
        pflags |= BPF_F_STRICT_ALIGNMENT;
    if (c->flags & F_NEEDS_EFFICIENT_UNALIGNED_ACCESS)
        pflags |= BPF_F_ANY_ALIGNMENT;
    if (c->flags & ~3)
        pflags |= c->flags;

    /* The kernel. */
    if (!kern_ok) {
        count_reason(v, "kernel: bpf() unavailable");
        nm = 1;
    } else if (v == V_UNPRIV && kern_unpriv == KU_NONE) {
        count_reason(v, "%s", kern_unpriv_why);
        nm = 1;
    } else if (m->kern_why[0]) {
        count_reason(v, "%s", m->kern_why);
        nm = 1;
    } else {
        LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = c->expected_attach_type, .prog_flags = pflags,
                    .log_buf = klog, .log_size = KLOG_SIZE,
                    .log_level = c->result == VERBOSE_ACCEPT || c->result_unpriv == VERBOSE_ACCEPT ? 2 : 4);
        int ok = 1, err;

        if ((pt == BPF_PROG_TYPE_TRACING || pt == BPF_PROG_TYPE_LSM) && c->kfunc) {
            int id = libbpf_find_vmlinux_btf_id(c->kfunc, c->expected_attach_type);
            if (id < 0) {
                count_reason(v, "kernel: no BTF id for the attach target");
                ok = 0;
                nm = 1;
            }
            o.attach_btf_id = (uint32_t)id;
        }
        if (kbtf_fd >= 0)
            o.prog_btf_fd = (uint32_t)kbtf_fd;
        if (c->func_info_cnt) {
            o.func_info = c->func_info;
            o.func_info_cnt = (uint32_t)c->func_info_cnt;
            o.func_info_rec_size = sizeof(c->func_info[0]);
        }
        if (ok) {
            klog[0] = 0;
            if (v == V_UNPRIV) {
                /* in a child without privileges, the sysctl lowered
                 * around it when that is how it is done (above) */
                char umsg[sizeof(kv.msg)] = "";
                int r = kern_unpriv == KU_LOWER ? sysctl_lower() : 0;

                if (r) {
                    count_reason(v, "kernel: could not lower kernel.unprivileged_bpf_disabled (%s)", strerror(-r));
                    nm = 1;
                    ok = 0;
                } else {
                    r = kern_load_unpriv(pt, kin, (size_t)len, &o, umsg, sizeof(umsg));
                    if (kern_unpriv == KU_LOWER)
                        sysctl_raise();
                    if (r == -ECHILD) {
                        count_reason(v, "kernel: unprivileged load not made (%.120s)", umsg);
                        nm = 1;
                        ok = 0;
                    }
                    kv.fd = r >= 0 ? r : -1;
                    err = r >= 0 ? 0 : -r;
                    /* the child's reason, where log_reason finds it */
                    snprintf(klog, KLOG_SIZE, "%s\n", umsg);
                }
            } else {
                kv.fd = bpf_prog_load(pt, NULL, "GPL", kin, (size_t)len, &o);
                err = errno;
            }
        }
        if (ok) {
            if (kv.fd >= 0) {
                kv.have = kv.accept = 1;
            } else if (err == ENOTSUPP) {
                count_reason(v, "kernel: ENOTSUPP (a feature the kernel lacks)");
                nm = 1;
            } else if (pt != BPF_PROG_TYPE_TRACING && !kern_type_known(pt)) {
                /* (test_verifier: tracing programs need an attach target
                 * the type probe lacks, so their failures are verdicts) */
                count_reason(v, "kernel: program type %s unsupported", libbpf_bpf_prog_type_str(pt));
                nm = 1;
            } else if (err == ENOSPC) {
                count_reason(v, "kernel: verifier log too long");
                nm = 1;
            } else {
                kv.have = 1;
                kv.err = err;
                log_reason(klog, kv.msg, sizeof(kv.msg));
            }
        }
    }

    /* bpfrt. */
    if (m->rt_why[0]) {
        count_reason(v, "%s", m->rt_why);
        nm = 1;
    } else if ((pt == BPF_PROG_TYPE_TRACING || pt == BPF_PROG_TYPE_LSM) && c->kfunc) {
        count_reason(v, "bpfrt: no attach target (attach_btf_id) in its load options (tracing/LSM)");
        nm = 1;
    } else {
        struct bpfrt_diag d = {.sz = sizeof(d)};
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = pt, .license = "GPL", .log_buf = rtlog, .log_size = sizeof(rtlog),
                   .expected_attach_type = c->expected_attach_type, .diag = &d, .unpriv = v == V_UNPRIV,
                   .prog_flags = pflags, .btf = btf, .btf_size = btf_len);
        int err;

        if (c->func_info_cnt) {
            o.func_info = c->func_info;
            o.func_info_cnt = (uint32_t)c->func_info_cnt;
            o.func_info_rec_size = sizeof(c->func_info[0]);
        }
        rtlog[0] = 0;
        if (getenv("TV_LOG_LEVEL"))
            o.log_level = (uint32_t)atoi(getenv("TV_LOG_LEVEL"));
        err = bpfrt_prog__verify_insns(rin, (size_t)len, &o);
        if (getenv("TV_LOG_LEVEL"))
            fprintf(stderr, "--- bpfrt log of %s (%s):\n%s\n---\n", c->descr, v == V_UNPRIV ? "unpriv" : "priv",
                    rtlog);
        rv.have = 1;
        rv.accept = !err;
        rv.err = -err;
        if (err)
            snprintf(rv.msg, sizeof(rv.msg), "insn %ld: %.270s", d.insn, d.message[0] ? d.message : strerror(-err));
    }

    for (int i = 0; i < 2; i++) {
        t[i]->cases++;
        t[i]->nm += nm;
        if (rv.have) {
            t[i]->rt_n++;
            t[i]->exp_eq += rv.accept == exp;
            t[i]->acc_exprej += rv.accept && !exp;
        }
        if (kv.have) {
            t[i]->k_n++;
            t[i]->k_exp_eq += kv.accept == exp;
        }
        if (kv.have && rv.have) {
            t[i]->both_n++;
            t[i]->k_eq += kv.accept == rv.accept;
            t[i]->acc_krej += rv.accept && !kv.accept;
            t[i]->rej_kacc += !rv.accept && kv.accept;
        }
    }
    if (kv.have && rv.have && rv.accept && !kv.accept)
        add_suspect(&unsafe_acc, file, c->descr, v, kv.msg);
    if (kv.have && rv.have && !rv.accept && kv.accept)
        add_suspect(&false_rej, file, c->descr, v, rv.msg);
    if (opt_verbose && ((kv.have && rv.have && kv.accept != rv.accept) || (rv.have && rv.accept != exp))) {
        printf("MISMATCH %s %s/%s: expected %s, kernel %s, bpfrt %s\n", vname[v], file, c->descr,
               exp ? "accept" : "reject", !kv.have ? "n/a" : kv.accept ? "accept" : "reject",
               rv.accept ? "accept" : "reject");
        if (kv.have && !kv.accept)
            printf("    kernel (%s): %s\n", strerror(kv.err), kv.msg);
        if (!rv.accept)
            printf("    bpfrt: %s\n", rv.msg);
    }

    /* The runs (test_verifier runs what the kernel accepted unless runs < 0). */
    if (kv.have && kv.accept && c->runs >= 0) {
        int runs = c->runs ? c->runs : 1, can = bpfrt_prog_type_can_run(pt);
        struct bpfrt_prog *rp = NULL;
        int rerr = 0;

        if (rv.have && rv.accept && can) {
            BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = pt, .license = "GPL", .expected_attach_type = c->expected_attach_type,
                       .unpriv = v == V_UNPRIV, .prog_flags = pflags, .btf = btf, .btf_size = btf_len);
            if (c->func_info_cnt) {
                o.func_info = c->func_info;
                o.func_info_cnt = (uint32_t)c->func_info_cnt;
                o.func_info_rec_size = sizeof(c->func_info[0]);
            }
            rerr = bpfrt_prog__load_insns(rin, (size_t)len, &o, &rp);
        }
        for (int r = 0; r < runs && r < TV_MAX_RUNS; r++) {
            uint32_t want = v == V_UNPRIV && c->retvals[r].retval_unpriv ? c->retvals[r].retval_unpriv
                                                                          : c->retvals[r].retval;
            uint32_t kret = 0;
            int kerr = kern_run(kv.fd, c->retvals[r].data, &kret);

            if (kerr) {
                count_reason(v, "run: kernel test run refused (%s)", errname(-kerr));
                continue;
            }
            for (int i = 0; i < 2; i++) {
                t[i]->krun_n++;
                t[i]->kret_eq += want == POINTER_VALUE || kret == want;
            }
            if (opt_verbose && want != POINTER_VALUE && kret != want)
                printf("KRETVAL %s %s/%s run %d: expected %u, kernel %u\n", vname[v], file, c->descr, r, want, kret);
            if (!rv.have || !rv.accept)
                continue; /* counted as a verdict mismatch already */
            if (!can) {
                count_reason(v, "run: bpfrt cannot run type %s yet", libbpf_bpf_prog_type_str(pt));
                continue;
            }
            if (rerr) {
                count_reason(v, "run: bpfrt load failed after its verifier accepted (%s)", strerror(-rerr));
                continue;
            }
            {
                unsigned char data[TEST_DATA_LEN];
                char ebuf[256] = "";
                BPFRT_OPTS(bpfrt_run_opts, ro, .data = data, .data_size = sizeof(data), .err_buf = ebuf,
                           .err_size = sizeof(ebuf));
                int e;

                memcpy(data, c->retvals[r].data, sizeof(data));
                e = bpfrt_prog__run(rp, &ro);
                if (e) {
                    count_reason(v, "run: bpfrt run failed (%s)", strerror(-e));
                    if (opt_verbose)
                        printf("RUNFAIL %s %s/%s: %s\n", vname[v], file, c->descr, ebuf);
                    continue;
                }
                for (int i = 0; i < 2; i++) {
                    t[i]->ret_n++;
                    t[i]->ret_eq += (uint32_t)ro.retval == kret;
                }
                if (opt_verbose && (uint32_t)ro.retval != kret)
                    printf("RETVAL %s %s/%s run %d: kernel %u, bpfrt %u\n", vname[v], file, c->descr, r, kret,
                           (uint32_t)ro.retval);
            }
        }
        bpfrt_prog__free(rp);
    }
    kfd_close(kv.fd);
}

static void run_case(struct tv_case *c, const char *file, struct file_tally *ft)
{
    enum bpf_prog_type pt = c->prog_type ? c->prog_type : BPF_PROG_TYPE_SOCKET_FILTER;
    struct case_maps m = {.kbtf_fd = -1};
    struct bpf_insn *kin = NULL, *rin = NULL, *src = c->insns;
    void *btf = NULL;
    size_t btf_len = 0;
    int len, kbtf_fd = -1, unpriv_too;

    for (size_t i = 0; i < NKINDS; i++)
        m.kfd[i] = -1;
    if (c->fill_helper) {
        c->fill_insns = calloc(TV_MAX_FILL, sizeof(struct bpf_insn));
        if (!c->fill_insns) {
            fprintf(stderr, "tv_runner: out of memory\n");
            exit(2);
        }
        c->fill_helper(c);
        src = c->fill_insns;
        len = c->prog_len;
    } else {
        len = case_len(c);
    }
    kin = malloc((size_t)(len ? len : 1) * sizeof(*kin));
    rin = malloc((size_t)(len ? len : 1) * sizeof(*rin));
    if (!kin || !rin) {
        fprintf(stderr, "tv_runner: out of memory\n");
        exit(2);
    }
    memcpy(kin, src, (size_t)len * sizeof(*kin));
    memcpy(rin, src, (size_t)len * sizeof(*rin));

    for (size_t ki = 0; ki < NKINDS; ki++) {
        const struct map_kind *k = &map_kinds[ki];
        const int *fx = kind_fixups(c, k);

        if (!fx[0])
            continue;
        if (kern_ok && !m.kern_why[0])
            kern_map(k, pt, &m, ki);
        if (!m.rt_why[0])
            rt_map(k, pt, &m, ki);
        for (int j = 0; j < TV_MAX_FIXUPS && fx[j]; j++) {
            if (fx[j] >= len)
                continue;
            kin[fx[j]].imm = m.kfd[ki];
            rin[fx[j]].imm = m.rt[ki] ? (int32_t)bpfrt_map__id(m.rt[ki]) : 0;
        }
    }
    for (int j = 0; j < TV_MAX_FIXUPS && c->fixup_kfunc_btf_id[j].kfunc; j++) {
        int idx = c->fixup_kfunc_btf_id[j].insn_idx;
        if (idx < len)
            kin[idx].imm = rin[idx].imm = kern_ok ? kfunc_btf_id(c->fixup_kfunc_btf_id[j].kfunc) : 0;
    }
    if (c->btf_types[0]) {
        btf = case_btf(c, &btf_len);
        if (kern_ok && btf) {
            kbtf_fd = kern_btf_load(btf, btf_len);
            if (kbtf_fd < 0 && !m.kern_why[0])
                snprintf(m.kern_why, sizeof(m.kern_why), "kernel: the case's BTF was refused (%s)",
                         strerror(-kbtf_fd));
        }
    }

    /* test_verifier's test_as_unpriv: socket filters and cgroup_skb only
     * (x86 has efficient unaligned access, so no case is excluded for
     * F_NEEDS_EFFICIENT_UNALIGNED_ACCESS). */
    unpriv_too = !c->prog_type || c->prog_type == BPF_PROG_TYPE_SOCKET_FILTER ||
                 c->prog_type == BPF_PROG_TYPE_CGROUP_SKB;
    if (len <= 0) {
        for (int v = 0; v < NV; v++)
            if ((opt_variants & (1 << v)) && (v == V_PRIV || unpriv_too)) {
                count_reason(v, "fill helper made no program");
                ft->t[v].cases++, ft->t[v].nm++, total[v].cases++, total[v].nm++;
            }
    } else {
        for (int v = 0; v < NV; v++)
            if ((opt_variants & (1 << v)) && (v == V_PRIV || unpriv_too))
                judge(c, file, v, kin, rin, len, pt, &m, btf, btf_len, kbtf_fd, &ft->t[v]);
    }

    kfd_close(kbtf_fd);
    free(btf);
    maps_free(&m);
    free(kin);
    free(rin);
    free(c->fill_insns);
    c->fill_insns = NULL;
}

/* ---------------------------------------------------------- reporting */

static double pct(unsigned long a, unsigned long b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void print_tally_short(const struct tally *t)
{
    printf(" %4lu %4lu/%-4lu %4lu/%-4lu %4lu/%-4lu %4lu %4lu %4lu/%-4lu %4lu", t->cases, t->exp_eq, t->rt_n, t->k_eq,
           t->both_n, t->k_exp_eq, t->k_n, t->acc_krej, t->rej_kacc, t->ret_eq, t->ret_n, t->nm);
}

static void print_summary(int v)
{
    const struct tally *t = &total[v];

    printf("TV %s cases=%lu kernel_verdicts=%lu kernel_agree=%lu/%lu kernel_agree_pct=%.2f exp_agree=%lu/%lu "
           "exp_agree_pct=%.2f kernel_exp_agree=%lu/%lu accepts_kernel_rejects=%lu rejects_kernel_accepts=%lu "
           "accepts_exp_rejects=%lu kernel_retval_ok=%lu/%lu retvals_equal=%lu/%lu not_measurable=%lu\n",
           vname[v], t->cases, t->k_n, t->k_eq, t->both_n, pct(t->k_eq, t->both_n), t->exp_eq, t->rt_n,
           pct(t->exp_eq, t->rt_n), t->k_exp_eq, t->k_n, t->acc_krej, t->rej_kacc, t->acc_exprej, t->kret_eq,
           t->krun_n, t->ret_eq, t->ret_n, t->nm);
}

static void usage(void)
{
    fprintf(stderr, "usage: tv_runner [-v] [--priv-only|--unpriv-only] [--no-kernel] [--file FILE.c] [NAME_SUBSTRING]\n"
                    "  -v             print each mismatch: bpfrt's reason and the kernel's log's last line\n"
                    "  --file FILE.c  only the cases of that verifier/ file\n"
                    "  --no-kernel    compare bpfrt with the suite's expectations only\n");
}

int main(int argc, char **argv)
{
    const char *file = "?";
    size_t ncases = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            opt_verbose = 1;
        else if (!strcmp(argv[i], "--priv-only"))
            opt_variants = 1 << V_PRIV;
        else if (!strcmp(argv[i], "--unpriv-only"))
            opt_variants = 1 << V_UNPRIV;
        else if (!strcmp(argv[i], "--no-kernel"))
            opt_no_kernel = 1;
        else if (!strcmp(argv[i], "--file")) {
            if (i + 1 == argc) {
                fprintf(stderr, "tv_runner: --file needs a case file name (e.g. --file calls.c)\n");
                return 2;
            }
            opt_file = argv[++i];
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "tv_runner: unknown option %s\n", argv[i]);
            usage();
            return 2;
        } else if (!opt_filter)
            opt_filter = argv[i];
        else {
            fprintf(stderr, "tv_runner: one name filter only (got \"%s\" and \"%s\")\n", opt_filter, argv[i]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    libbpf_set_print(NULL);
    klog = malloc(KLOG_SIZE);
    files = calloc(TV_NCASES, sizeof(*files));
    if (!klog || !files) {
        fprintf(stderr, "tv_runner: out of memory\n");
        return 2;
    }

    /* The kernel: usable when a small array can be created. */
    if (opt_no_kernel) {
        snprintf(kern_why, sizeof(kern_why), "--no-kernel");
    } else {
        int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
        if (fd < 0) {
            snprintf(kern_why, sizeof(kern_why), "bpf(BPF_MAP_CREATE): %s", strerror(errno));
        } else {
            close(fd);
            kern_ok = 1;
            /* test_verifier's privileged rights: CAP_SYS_ADMIN dropped */
            caps_effective(1ull << CAP_SYS_ADMIN, 0);
            if (opt_variants & (1 << V_UNPRIV))
                sysctl_setup();
        }
    }
    printf("tv_runner: %zu entries (case files and their cases); kernel: %s; unprivileged kernel loads: %s\n", TV_NCASES,
           kern_ok ? "yes" : kern_why,
           !kern_ok || !(opt_variants & (1 << V_UNPRIV)) ? "no"
           : kern_unpriv == KU_OPEN  ? "yes (kernel.unprivileged_bpf_disabled=0)"
           : kern_unpriv == KU_LOWER ? "yes (kernel.unprivileged_bpf_disabled lowered from 2 to 0 around each one, "
                                       "TV_NO_SYSCTL=1 to prevent)"
                                     : kern_unpriv_why);

    for (size_t i = 0; i < TV_NCASES; i++) {
        struct tv_case *c = &tv_cases[i];

        if (c->tv_file) {
            file = c->tv_file;
            files[nfiles++].file = file;
            continue;
        }
        if (!c->descr)
            continue;
        if (opt_filter && !strstr(c->descr, opt_filter))
            continue;
        if (opt_file && strcmp(opt_file, file))
            continue;
        ncases++;
        run_case(c, file, &files[nfiles - 1]);
    }

    if (!ncases) {
        fprintf(stderr, "tv_runner: no case matches%s%s%s%s\n", opt_file ? " file " : "", opt_file ? opt_file : "",
                opt_filter ? " name containing " : "", opt_filter ? opt_filter : "");
        return 1;
    }
    printf("\n%-37s %s\n", "", "cases bpfrt=exp  bpfrt=kern kern=exp   acc! rej! retvals   n/m");
    for (size_t i = 0; i < nfiles; i++)
        for (int v = 0; v < NV; v++) {
            if (!files[i].t[v].cases)
                continue;
            printf("%-30s %-6s", files[i].file, vname[v]);
            print_tally_short(&files[i].t[v]);
            printf("\n");
        }
    printf("  (acc!: bpfrt accepts where the kernel rejects; rej!: bpfrt rejects where the kernel accepts;\n"
           "   n/m: variants with something not measurable, reasons below)\n");
    for (int v = 0; v < NV; v++)
        if (total[v].cases) {
            printf("%-30s %-6s", "TOTAL", vname[v]);
            print_tally_short(&total[v]);
            printf("\n");
        }

    printf("\nAccepted by bpfrt, rejected by the running kernel (soundness suspects): %zu\n", unsafe_acc.n);
    for (size_t i = 0; i < unsafe_acc.n; i++)
        printf("TV-SUSPECT %s %s: %s | kernel: %s\n", vname[unsafe_acc.v[i].variant], unsafe_acc.v[i].file,
               unsafe_acc.v[i].name, unsafe_acc.v[i].msg);
    printf("\nRejected by bpfrt, accepted by the running kernel: %zu\n", false_rej.n);
    for (size_t i = 0; i < false_rej.n; i++)
        printf("TV-FALSE-REJECT %s %s: %s | bpfrt: %s\n", vname[false_rej.v[i].variant], false_rej.v[i].file,
               false_rej.v[i].name, false_rej.v[i].msg);

    printf("\nNot measurable (variants; a variant may count under several reasons):\n");
    for (size_t i = 0; i < nreasons; i++)
        printf("TV-NM priv=%lu unpriv=%lu %s\n", reasons[i].count[V_PRIV], reasons[i].count[V_UNPRIV],
               reasons[i].text);
    printf("\n");
    printf("TV cases=%zu files=%zu kernel=%s unpriv_kernel=%s\n", ncases, nfiles, kern_ok ? "yes" : "no",
           kern_ok && kern_unpriv != KU_NONE ? "yes" : "no");
    for (int v = 0; v < NV; v++)
        print_summary(v);

    free(unsafe_acc.v);
    free(false_rej.v);
    free(files);
    free(klog);
    btf__free(vmlinux_btf);
    return 0;
}
