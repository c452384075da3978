/* test_vf_regress.c - verdicts of bpfrt's verifier that disagreed with
 * the running kernel's (6.18), found by the verdict-differential test
 * (tests/kernel-diff/test_vdiff.c, suite vdiff) and minimized by hand.
 * Each test asserts the KERNEL's verdict (checked with BPF_PROG_LOAD,
 * privileged, on the same instructions and maps) and names the kernel
 * rule.
 *
 * Every rejection or acceptance asserted here once disagreed with the
 * kernel (soundness suspects: bpfrt accepted what the kernel rejects;
 * precision gaps: bpfrt rejected what the kernel accepts) and was fixed
 * in the verifier.  The tests beside them pin the other side of each
 * rule (what the kernel accepts or rejects next to it), so that a fix
 * does not overreach.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/btf.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal errno, which bpf() returns as is */
#endif

#define N(a) (sizeof(a) / sizeof(a[0]))
#define EXIT0 INSN_MOV64_IMM(BPF_REG_0, 0), INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define CALL(id) INSN_RAW(BPF_JMP | BPF_CALL, 0, 0, 0, id)
/* LD_IMM64 of map SLOT (patched to the map's id below) */
#define LDMAP(r, slot) INSN_LDIMM64_RAW(r, BPF_PSEUDO_MAP_FD, slot, 0)
#define LDMAPVAL(r, slot, off) INSN_LDIMM64_RAW(r, BPF_PSEUDO_MAP_VALUE, slot, off)

/* The maps of the differential test (tests/kernel-diff/vdiff_gen.c). */
enum { M_ARRAY4, M_HASH, M_RO, M_ARRAY1, NM };
static const struct {
    enum bpf_map_type type;
    uint32_t key, value, max, flags;
} maps[NM] = {
    [M_ARRAY4] = {BPF_MAP_TYPE_ARRAY, 4, 48, 4, 0},
    [M_HASH] = {BPF_MAP_TYPE_HASH, 8, 16, 16, 0},
    [M_RO] = {BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG},
    [M_ARRAY1] = {BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0},
};

struct res {
    int err;
    struct bpfrt_diag diag;
};

/* Verify insns as a socket filter (or type), map slots in LD_IMM64
 * replaced by the ids of freshly created maps; BTF func_info as given. */
static struct res verify_btf(enum bpf_prog_type type, const struct bpf_insn *in, size_t cnt, const void *btf,
                             size_t btf_size, const struct bpf_func_info *fi, uint32_t nfi)
{
    struct bpfrt_map *m[NM] = {0};
    struct bpf_insn p[64];
    struct res r = {0};
    struct bpfrt_prog_load_opts opts = {.sz = sizeof(opts), .type = type, .diag = &r.diag};
    size_t i;

    cr_assert(cnt <= N(p));
    for (i = 0; i < NM; i++) {
        struct bpfrt_map_create_opts mo = {.sz = sizeof(mo), .map_flags = maps[i].flags};
        cr_assert_eq(bpfrt_map__create(maps[i].type, "vf_regress", maps[i].key, maps[i].value, maps[i].max, &mo, &m[i]),
                     0);
    }
    memcpy(p, in, cnt * sizeof(p[0]));
    for (i = 0; i + 1 < cnt; i++)
        if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
            (p[i].src_reg == BPF_PSEUDO_MAP_FD || p[i].src_reg == BPF_PSEUDO_MAP_VALUE))
            p[i].imm = (int32_t)bpfrt_map__id(m[p[i].imm]);
    r.diag.sz = sizeof(r.diag);
    opts.btf = btf;
    opts.btf_size = btf_size;
    opts.func_info = fi;
    opts.func_info_rec_size = fi ? sizeof(*fi) : 0;
    opts.func_info_cnt = nfi;
    r.err = bpfrt_prog__verify_insns(p, cnt, &opts);
    for (i = 0; i < NM; i++)
        bpfrt_map__free(m[i]);
    return r;
}

static struct res verify(const struct bpf_insn *in, size_t cnt)
{
    return verify_btf(BPF_PROG_TYPE_SOCKET_FILTER, in, cnt, NULL, 0, NULL, 0);
}

static void expect_reject(const struct bpf_insn *in, size_t cnt, int err, const char *msg)
{
    struct res r = verify(in, cnt);

    cr_expect_eq(r.err, err, "bpfrt: %d (%s), the kernel: %d (%s)", r.err, r.diag.message, err, msg);
    cr_expect(strstr(r.diag.message, msg) != NULL, "bpfrt's reason \"%s\", the kernel's \"%s\"", r.diag.message, msg);
}

static void expect_accept(const struct bpf_insn *in, size_t cnt)
{
    struct res r = verify(in, cnt);

    cr_expect_eq(r.err, 0, "bpfrt rejects (%d, insn %ld: %s); the kernel accepts", r.err, r.diag.insn,
                 r.diag.message);
}

/* ---- soundness suspects: bpfrt accepts, the kernel rejects ---------------- */

/* A BPF_F_RDONLY_PROG map may not be written by the program, through
 * helpers either: check_map_func_compatibility / check_helper_call refuse
 * map_update_elem and map_delete_elem on it ("write into map forbidden",
 * -EACCES), as they refuse a store into its value. */
Test(vf_regress, rdonly_prog_map_update_elem)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 0),
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -16, 0),
        LDMAP(BPF_REG_1, M_RO),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        INSN_MOV64_REG(BPF_REG_3, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_3, -16),
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(BPF_FUNC_map_update_elem),
        EXIT0,
    };
    expect_reject(p, N(p), -EACCES, "write into map forbidden");
}

Test(vf_regress, rdonly_prog_map_delete_elem)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 0),
        LDMAP(BPF_REG_1, M_RO),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_delete_elem),
        EXIT0,
    };
    expect_reject(p, N(p), -EACCES, "write into map forbidden");
}

/* Lookups (reads) of the read-only map stay allowed. */
Test(vf_regress, rdonly_prog_map_lookup_allowed)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 0),
        LDMAP(BPF_REG_1, M_RO),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_RAW(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0),
        INSN_LDX(BPF_DW, BPF_REG_0, BPF_REG_0, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

/* A direct value load (LD_IMM64 BPF_PSEUDO_MAP_VALUE) of an array needs
 * max_entries == 1: array_map_direct_value_addr returns -EOPNOTSUPP
 * otherwise, which resolve_pseudo_ldimm64 reports as "invalid access to
 * map value pointer, value_size=48 off=0" and bpf() returns as 524
 * (ENOTSUPP). */
Test(vf_regress, direct_value_of_multi_entry_array)
{
    const struct bpf_insn p[] = {
        LDMAPVAL(BPF_REG_1, M_ARRAY4, 0),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 0),
        EXIT0,
    };
    expect_reject(p, N(p), -ENOTSUPP, "invalid access to map value pointer, value_size=48 off=0");
}

/* The other side: one entry is fine, a hash map is refused with -EINVAL
 * (bpfrt's wording differs; the verdict and errno match). */
Test(vf_regress, direct_value_of_single_entry_array)
{
    const struct bpf_insn p[] = {
        LDMAPVAL(BPF_REG_1, M_ARRAY1, 8),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

Test(vf_regress, direct_value_of_hash_map)
{
    const struct bpf_insn p[] = {
        LDMAPVAL(BPF_REG_1, M_HASH, 0),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_1, 0),
        EXIT0,
    };
    struct res r = verify(p, N(p));

    cr_expect_eq(r.err, -EINVAL, "bpfrt: %d (%s); the kernel: -EINVAL (no direct value access support for this map "
                                 "type)",
                 r.err, r.diag.message);
}

/* A callback address (LD_IMM64 BPF_PSEUDO_FUNC) needs BTF func_info:
 * resolve_pseudo_ldimm64 / check_ld_imm refuse it without ("missing btf
 * func_info", -EINVAL), whether or not a helper is then called with it. */
Test(vf_regress, pseudo_func_without_func_info_bpf_loop)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(BPF_REG_1, 1),
        INSN_LDIMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 6, 0), /* the callback at insn 8 */
        INSN_MOV64_IMM(BPF_REG_3, 0),
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(BPF_FUNC_loop),
        EXIT0,
        EXIT0, /* callback: return 0 */
    };
    expect_reject(p, N(p), -EINVAL, "missing btf func_info");
}

Test(vf_regress, pseudo_func_without_func_info_unused)
{
    const struct bpf_insn p[] = {
        INSN_LDIMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 3, 0), /* insn 4 */
        EXIT0,
        EXIT0,
    };
    expect_reject(p, N(p), -EINVAL, "missing btf func_info");
}

/* With func_info (a static FUNC per subprogram) the callback program is
 * accepted by both. */
Test(vf_regress, pseudo_func_with_func_info)
{
    static const char strs[] = "\0int\0f";
    const uint32_t types[] = {
        1, BTF_KIND_INT << 24, 4, (1u << 24) | 32, /* [1] int */
        0, BTF_KIND_FUNC_PROTO << 24, 1,           /* [2] int (void) */
        5, BTF_KIND_FUNC << 24, 2,                 /* [3] static int f(void) */
    };
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};
    uint8_t btf[sizeof(h) + sizeof(types) + sizeof(strs)];
    const struct bpf_func_info fi[] = {{0, 3}, {8, 3}};
    const struct bpf_insn p[] = {
        INSN_MOV64_IMM(BPF_REG_1, 1),
        INSN_LDIMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 6, 0),
        INSN_MOV64_IMM(BPF_REG_3, 0),
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(BPF_FUNC_loop),
        EXIT0,
        EXIT0,
    };
    struct res r;

    h.type_len = sizeof(types);
    h.str_off = sizeof(types);
    h.str_len = sizeof(strs);
    memcpy(btf, &h, sizeof(h));
    memcpy(btf + sizeof(h), types, sizeof(types));
    memcpy(btf + sizeof(h) + sizeof(types), strs, sizeof(strs));
    r = verify_btf(BPF_PROG_TYPE_SOCKET_FILTER, p, N(p), btf, sizeof(btf), fi, N(fi));
    cr_expect_eq(r.err, 0, "bpfrt rejects (%d: %s); the kernel accepts", r.err, r.diag.message);
}

/* "w3 = w9" when r9 is known to fit in 32 bits links the two registers
 * (check_alu_op, 32-bit BPF_MOV: the id is kept when the source's upper
 * half is zero), so a bound learned on w3 holds for r9: on the w3 s< 0
 * branch r9 is in [2^31, 2^32), and adding it to a map value pointer
 * breaks check_reg_sane_offset's limit (BPF_MAX_VAR_OFF, 2^29): "value
 * 2147483648 makes map_value pointer be out of bounds" (-EINVAL).
 * bpfrt does not link on a 32-bit mov; with r9 in [0, 2^32) the addition
 * passes (the kernel's rule looks at the minimum).  A precision gap that
 * turns into an accept here; "r3 = r9" (64-bit) is right today (it
 * rejects, with -EACCES where the kernel says -EINVAL). */
Test(vf_regress, mov32_links_registers)
{
    const struct bpf_insn p[] = {
        CALL(BPF_FUNC_get_prandom_u32),
        INSN_MOV32_REG(BPF_REG_9, BPF_REG_0),
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 0),
        LDMAP(BPF_REG_1, M_ARRAY4),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_RAW(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 1, 0),
        INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        INSN_MOV32_REG(BPF_REG_3, BPF_REG_9),
        INSN_RAW(BPF_JMP32 | BPF_JSLT | BPF_K, BPF_REG_3, 0, 2, 0),
        EXIT0,
        INSN_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_9),
        EXIT0,
    };
    expect_reject(p, N(p), -EINVAL, "value 2147483648 makes map_value pointer be out of bounds");
}

/* A branch whose refinement contradicts what is known: after "r9 >=
 * 256", "r9 & ~0x12 == 0" cannot hold (vdiff found it with the bound
 * "w5 s>= 256" learned through a linked copy; the unsigned 64-bit bound
 * shows the same).  bpfrt treats the fall-through as dead and never checks it; 6.18
 * walks it with the bounds recomputed from the tnum alone (r9 in [0, 18])
 * and rejects the dereference of the scalar ("R1 invalid mem access
 * 'scalar'", -EACCES).  No run reaches that code, so bpfrt's accept is
 * not a memory-safety hole, but the verdicts differ: to match, a
 * contradicting refinement must reset the bounds as the kernel's
 * (reg_bounds_sanity_check) does, not prune the branch. */
Test(vf_regress, contradicting_jset_branch_is_walked)
{
    const struct bpf_insn p[] = {
        CALL(BPF_FUNC_get_prandom_u32),
        INSN_MOV64_REG(BPF_REG_9, BPF_REG_0),
        INSN_RAW(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_9, 0, 3, 256),
        INSN_RAW(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_9, 0, 2, -19),
        INSN_MOV64_REG(BPF_REG_1, BPF_REG_9),
        INSN_LDX(BPF_B, BPF_REG_0, BPF_REG_1, 0),
        EXIT0,
    };
    expect_reject(p, N(p), -EACCES, "R1 invalid mem access 'scalar'");
}

/* The same class with an unsigned bound: r0 has bits 0, 2, 4 known set
 * (var_off (0x15; 0x7fffffea)) and 41 <= r0 < 47 admits no such value.
 * 6.18 walks the fall-through with r0 collapsed to the constant 61
 * (tnum and bounds synced past the contradiction) and rejects the access
 * ("invalid access to map value, value_size=48 off=61 size=2", "R6 min
 * value is outside of the allowed memory range", -EACCES); bpfrt prunes
 * the branch. */
Test(vf_regress, contradicting_jge_branch_is_walked)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 0),
        LDMAP(BPF_REG_1, M_ARRAY4),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_RAW(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, 1, 0),
        INSN_RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
        INSN_MOV64_REG(BPF_REG_6, BPF_REG_0),
        CALL(BPF_FUNC_get_prandom_u32),
        INSN_ALU64_IMM(BPF_AND, BPF_REG_0, 0x7fffffea),
        INSN_ALU64_IMM(BPF_OR, BPF_REG_0, 0x15),
        INSN_RAW(BPF_JMP | BPF_JLT | BPF_K, BPF_REG_0, 0, 3, 41),
        INSN_RAW(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_0, 0, 2, 47),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_6, BPF_REG_0),
        INSN_LDX(BPF_H, BPF_REG_0, BPF_REG_6, 0),
        EXIT0,
    };
    expect_reject(p, N(p), -EACCES, "R6 min value is outside of the allowed memory range");
}

/* ---- precision gaps: bpfrt rejects, the kernel accepts --------------------- */

/* A lookup in an array map with a constant key below max_entries cannot
 * fail: 6.18's verifier (can_elide_value_nullness, kernels >= 6.13)
 * returns a map_value, not map_value_or_null, and the value may be read
 * without a null check. */
Test(vf_regress, array_lookup_constant_key_not_null)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 2),
        LDMAP(BPF_REG_1, M_ARRAY4),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_0, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

/* The other side: a key past max_entries may miss ("R0 invalid mem access
 * 'map_value_or_null'"). */
Test(vf_regress, array_lookup_key_out_of_range_may_be_null)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_W, BPF_REG_10, -8, 4),
        LDMAP(BPF_REG_1, M_ARRAY4),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        CALL(BPF_FUNC_map_lookup_elem),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_0, 0),
        EXIT0,
    };
    expect_reject(p, N(p), -EACCES, "R0 invalid mem access 'map_value_or_null'");
}

/* "w3 = w3" (the zero extension clang emits for a u32 cast) keeps what is
 * known of the low 32 bits: the kernel copies the register and
 * zero-extends it (zext_32_to_64), so r3 & 7 stays in [0, 7]; bpfrt makes
 * it unknown when source and destination are the same register ("w4 =
 * w3" is right). */
Test(vf_regress, mov32_self_keeps_bounds)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, BPF_REG_3, BPF_REG_1, 0), /* skb->len */
        INSN_ALU64_IMM(BPF_AND, BPF_REG_3, 7),
        INSN_MOV32_REG(BPF_REG_3, BPF_REG_3),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_3),
        INSN_ST_IMM(BPF_B, BPF_REG_2, 0, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

/* Same rule, the known bits: r3 = r9 & -2 then w3 = w3 keeps bit 0 clear,
 * so a 2-byte stack access at a bounded offset is aligned. */
Test(vf_regress, mov32_self_keeps_known_bits)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, BPF_REG_3, BPF_REG_1, 0),
        INSN_ALU64_IMM(BPF_AND, BPF_REG_3, -2),
        INSN_MOV32_REG(BPF_REG_3, BPF_REG_3),
        INSN_RAW(BPF_JMP | BPF_JGT | BPF_K, BPF_REG_3, 0, 4, 6),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -16),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_3),
        INSN_LDX(BPF_H, BPF_REG_0, BPF_REG_2, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

/* The other register: right today. */
Test(vf_regress, mov32_other_keeps_bounds)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, BPF_REG_3, BPF_REG_1, 0),
        INSN_ALU64_IMM(BPF_AND, BPF_REG_3, 7),
        INSN_MOV32_REG(BPF_REG_4, BPF_REG_3),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_4),
        INSN_ST_IMM(BPF_B, BPF_REG_2, 0, 0),
        EXIT0,
    };
    expect_accept(p, N(p));
}

/* Callbacks run an unknown number of times (6.6's iterative callback
 * verification): what a callback leaves behind in its context is what it
 * starts the next iteration with.  BTF with a static FUNC for the main
 * program and the callback, as clang emits it. */
static struct res verify_with_callback(const struct bpf_insn *p, size_t cnt, uint32_t cb_start)
{
    static const char strs[] = "\0int\0f";
    const uint32_t types[] = {
        1, BTF_KIND_INT << 24, 4, (1u << 24) | 32, /* [1] int */
        0, BTF_KIND_FUNC_PROTO << 24, 1,           /* [2] int (void) */
        5, BTF_KIND_FUNC << 24, 2,                 /* [3] static int f(void) */
    };
    struct btf_header h = {.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h)};
    static uint8_t btf[sizeof(h) + sizeof(types) + sizeof(strs)];
    const struct bpf_func_info fi[] = {{0, 3}, {cb_start, 3}};

    h.type_len = sizeof(types);
    h.str_off = sizeof(types);
    h.str_len = sizeof(strs);
    memcpy(btf, &h, sizeof(h));
    memcpy(btf + sizeof(h), types, sizeof(types));
    memcpy(btf + sizeof(h) + sizeof(types), strs, sizeof(strs));
    return verify_btf(BPF_PROG_TYPE_SOCKET_FILTER, p, cnt, btf, sizeof(btf), fi, N(fi));
}

/* A pointer kept in the callback's context moves by 16 bytes each
 * iteration: the first iteration's write (fp-24) is fine, the second
 * overwrites the stack slot that holds the pointer itself, and the third
 * dereferences what is then plain data.  The kernel (6.6 and later)
 * walks the iterations and rejects; a verifier that checks the callback
 * once would accept. */
Test(vf_regress, callback_iterations_are_verified_beyond_the_first)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_REG(BPF_REG_1, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_1, -24),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -8),   /* ctx.p = fp-24 */
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -16, 0),
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -24, 0),
        INSN_MOV64_IMM(BPF_REG_1, 4),                      /* 4 iterations */
        INSN_LDIMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 7, 0), /* -> insn 14 */
        INSN_MOV64_REG(BPF_REG_3, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),            /* &ctx */
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(BPF_FUNC_loop),
        EXIT0,                                              /* 12, 13 */
        /* 14: the callback (r1 index, r2 &ctx) */
        INSN_LDX(BPF_DW, BPF_REG_3, BPF_REG_2, 0),
        INSN_ST_IMM(BPF_B, BPF_REG_3, 0, 1),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_3, 16),
        INSN_STX(BPF_DW, BPF_REG_2, BPF_REG_3, 0),
        EXIT0,
    };
    struct res r;

    cr_assert_eq(p[14].code, BPF_LDX | BPF_MEM | BPF_DW, "the callback starts at insn 14");
    r = verify_with_callback(p, N(p), 14);
    cr_expect_neq(r.err, 0, "bpfrt accepts; the kernel rejects (the third iteration reads a clobbered pointer)");
}

/* A counter in the callback's context converges: its imprecise value is
 * widened after the first iteration (widen_imprecise_scalars), and the
 * kernel accepts with a handful of iterations walked. */
Test(vf_regress, callback_counter_converges)
{
    const struct bpf_insn p[] = {
        INSN_ST_IMM(BPF_DW, BPF_REG_10, -8, 0),           /* ctx.n = 0 */
        INSN_MOV64_IMM(BPF_REG_1, 1000),
        INSN_LDIMM64_RAW(BPF_REG_2, BPF_PSEUDO_FUNC, 7, 0), /* -> insn 10 */
        INSN_MOV64_REG(BPF_REG_3, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_3, -8),
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(BPF_FUNC_loop),
        EXIT0,                                              /* 8, 9 */
        /* 10: the callback */
        INSN_LDX(BPF_DW, BPF_REG_3, BPF_REG_2, 0),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_3, 1),
        INSN_STX(BPF_DW, BPF_REG_2, BPF_REG_3, 0),
        EXIT0,
    };
    struct res r;

    cr_assert_eq(p[10].code, BPF_LDX | BPF_MEM | BPF_DW, "the callback starts at insn 10");
    r = verify_with_callback(p, N(p), 10);
    cr_expect_eq(r.err, 0, "bpfrt rejects (%d: %s); the kernel accepts", r.err, r.diag.message);
}

/* Helpers that write their buffer (the kernel's MEM_WRITE: bpf_fib_lookup's
 * params, bpf_sysctl_get_name's name) leave it unknown after the call
 * (check_stack_range_initialized clobbers the slots for a BPF_WRITE
 * access): a byte read back from the zeroed buffer is no longer known to
 * be 0, so the branch on it is walked.  The running kernel rejects both
 * programs at the invalid context access in that branch (insn 18); bpfrt
 * took the bytes as still 0, pruned the branch and accepted (found by
 * bench/verify_bench: test_sysctl_loop1 processed 63 insns, the kernel
 * 1,387).  A helper that only reads (tcp_raw_gen_syncookie_ipv4's header)
 * leaves them known, as in the kernel, which accepts that one. */
static struct res verify_written_buffer(enum bpf_prog_type type, int32_t helper, int32_t size, int16_t ptr_arg_off)
{
    const struct bpf_insn p[] = {
        INSN_MOV64_REG(BPF_REG_6, BPF_REG_1),
        INSN_MOV64_IMM(BPF_REG_1, 0),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -8),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -16),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -24),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -32),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -40),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -48),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -56),
        INSN_STX(BPF_DW, BPF_REG_10, BPF_REG_1, -64),
        /* r1 = ctx or the buffer, r2 = the buffer, r3 = its size */
        INSN_MOV64_REG(BPF_REG_1, ptr_arg_off ? BPF_REG_10 : BPF_REG_6),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_1, ptr_arg_off),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -32),
        INSN_MOV64_IMM(BPF_REG_3, size),
        INSN_MOV64_IMM(BPF_REG_4, 0),
        CALL(helper),
        INSN_LDX(BPF_B, BPF_REG_0, BPF_REG_10, -32),
        INSN_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
        INSN_LDX(BPF_W, BPF_REG_0, BPF_REG_6, 10000), /* 19: invalid in every context */
        INSN_MOV64_IMM(BPF_REG_0, 2),
        INSN_EXIT(),
    };
    return verify_btf(type, p, N(p), NULL, 0, NULL, 0);
}

Test(vf_regress, helper_written_buffers_are_unknown_after_the_call)
{
    struct res r = verify_written_buffer(BPF_PROG_TYPE_XDP, BPF_FUNC_fib_lookup, 32, 0);

    cr_expect_eq(r.err, -EACCES, "fib_lookup: bpfrt %d (%s); the kernel rejects", r.err, r.diag.message);
    cr_expect(strstr(r.diag.message, "invalid bpf_context access off=10000"), "%s", r.diag.message);
    r = verify_written_buffer(BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_FUNC_sysctl_get_name, 32, 0);
    cr_expect_eq(r.err, -EACCES, "sysctl_get_name: bpfrt %d (%s); the kernel rejects", r.err, r.diag.message);
    cr_expect(strstr(r.diag.message, "invalid bpf_context access off=10000"), "%s", r.diag.message);
    /* read only: r1 = the 20-byte IP header at fp-64, r2 = the TCP header */
    r = verify_written_buffer(BPF_PROG_TYPE_XDP, BPF_FUNC_tcp_raw_gen_syncookie_ipv4, 20, -64);
    cr_expect_eq(r.err, 0, "tcp_raw_gen_syncookie_ipv4: bpfrt %d (%s); the kernel accepts", r.err, r.diag.message);
}

/* rX = rY; rX -= S32_MIN: the kernel does not link rX to rY (negating
 * S32_MIN would overflow; adjust_reg_min_max_vals clears the id), so a
 * bound learned on rX says nothing of rY.  bpfrt negated it anyway
 * (undefined behaviour, UBSan in vdiff, seed 27444492636).  The kernel
 * rejects the read at insn 9: r6 would be known <= 8 only through rX
 * (fp-16 + r6 then in the stack), which it must not be. */
Test(vf_regress, sub_of_s32_min_does_not_link)
{
    const struct bpf_insn p[] = {
        INSN_LDX(BPF_W, BPF_REG_6, BPF_REG_1, 0),         /* skb->len: a scalar */
        INSN_MOV64_REG(BPF_REG_7, BPF_REG_6),              /* same id */
        INSN_ALU64_IMM(BPF_SUB, BPF_REG_7, INT32_MIN),    /* no link */
        INSN_LDIMM64(BPF_REG_8, 0x80000008),
        INSN_JMP_REG(BPF_JGT, BPF_REG_7, BPF_REG_8, 4),    /* r7 <= 2^31 + 8 */
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -16),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_6),    /* fp-16 + r6: unbounded */
        INSN_LDX(BPF_B, BPF_REG_0, BPF_REG_2, 0),
        EXIT0,
    };
    struct res r = verify(p, N(p));

    cr_expect_neq(r.err, 0, "bpfrt accepts; the kernel rejects (r6 is unbounded)");
}
