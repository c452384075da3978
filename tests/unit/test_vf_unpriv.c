/* test_vf_unpriv.c - the unprivileged verifier's rules (opts.unpriv) where
 * they differ from the privileged ones, each against what the running
 * kernel (6.18) decides for an unprivileged socket filter.  Every program
 * here has the shape of a case of the kernel's test_verifier suite (named
 * in each test); the suite's runner (tests/verifier/tv_runner.c) compares
 * those cases with the kernel itself, unprivileged.  Each test also
 * checks the privileged verdict, which these rules must leave alone. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "insns.h"

#define CNT(a) (INSNS_CNT(a))

/* A map load of bpfrt's map: the "fd" is the map's id. */
#define LD_MAP(DST, ID) INSN_LDIMM64_RAW(DST, BPF_PSEUDO_MAP_FD, (uint32_t)(ID), 0)

static struct bpfrt_map *array48(void)
{
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "vals", 4, 48, 1, NULL, &m);

    cr_assert_eq(err, 0, "array map: %s", strerror(-err));
    return m;
}

/* Verifies as a socket filter; returns 0 or the negative errno, with the
 * reason in d. */
static int verify(const struct bpf_insn *p, size_t cnt, int unpriv, struct bpfrt_diag *d)
{
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SOCKET_FILTER, .license = "GPL", .unpriv = unpriv,
               .diag = d);

    memset(d, 0, sizeof(*d));
    d->sz = sizeof(*d);
    return bpfrt_prog__verify_insns(p, cnt, &o);
}

static void expect_verdicts(const struct bpf_insn *p, size_t cnt, int priv_ok, int unpriv_ok, const char *unpriv_msg)
{
    struct bpfrt_diag d;
    int err = verify(p, cnt, 0, &d);

    if (priv_ok)
        cr_expect_eq(err, 0, "privileged: rejected at %ld: %s", d.insn, d.message);
    else
        cr_expect_neq(err, 0, "privileged: accepted");
    err = verify(p, cnt, 1, &d);
    if (unpriv_ok) {
        cr_expect_eq(err, 0, "unprivileged: rejected at %ld: %s", d.insn, d.message);
    } else {
        cr_expect_eq(err, -EACCES, "unprivileged: %d (%s), want -EACCES", err, d.message);
        cr_expect(strstr(d.message, unpriv_msg) != NULL, "unprivileged: \"%s\", want \"%s\"", d.message, unpriv_msg);
    }
}

Test(vf_unpriv, speculative_branch_not_judged)
{
    /* test_verifier "dead code: start": a jump always taken skips an
     * instruction that reads an uninitialised register.  The kernel walks
     * the skipped side as a speculative path for unprivileged programs,
     * and since 6.17 ("bpf: Fall back to nospec for Spectre v1") an error
     * there puts a barrier in instead of rejecting: 6.18 accepts. */
    static const struct bpf_insn p[] = {
        INSN_MOV64_IMM(BPF_REG_0, 0),
        INSN_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 1),
        INSN_MOV64_REG(BPF_REG_0, BPF_REG_9),
        INSN_EXIT(),
    };
    expect_verdicts(p, CNT(p), 1, 1, NULL);
}

/* r0 = a value of the 48-byte array (or exit) */
#define LOOKUP(ID)                                                                                                     \
    INSN_ST_IMM(BPF_W, BPF_REG_10, -4, 0), INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),                                      \
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -4), LD_MAP(BPF_REG_1, ID), INSN_CALL(BPF_FUNC_map_lookup_elem),            \
        INSN_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1), INSN_EXIT()

Test(vf_unpriv, value_pointer_moves_right_from_its_start)
{
    /* test_verifier "map access: value_ptr += known scalar, 1": a value
     * pointer at offset 0 plus a register holding 4.  retrieve_ptr_limit
     * measures a move to the right by the pointer's largest offset plus
     * its fixed offset (0 < 48): allowed, and masked. */
    struct bpfrt_map *m = array48();
    const struct bpf_insn p[] = {
        LOOKUP(bpfrt_map__id(m)),
        INSN_MOV64_IMM(BPF_REG_1, 4),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1),
        INSN_LDX(BPF_B, BPF_REG_1, BPF_REG_0, 0),
        INSN_MOV64_IMM(BPF_REG_0, 1),
        INSN_EXIT(),
    };
    expect_verdicts(p, CNT(p), 1, 1, NULL);
    bpfrt_map__free(m);
}

Test(vf_unpriv, value_pointer_masking_differs_between_paths)
{
    /* test_verifier "map access: known scalar += value_ptr unknown vs
     * const": the same "r1 += r0" moves the value pointer by 6 on one
     * path and by 3 on the other.  The kernel masks the offset with one
     * limit per instruction (update_alu_sanitation_state), so the second
     * path's different limit is refused (REASON_PATHS). */
    struct bpfrt_map *m = array48();
    const struct bpf_insn p[] = {
        LOOKUP(bpfrt_map__id(m)),
        INSN_LDX(BPF_B, BPF_REG_4, BPF_REG_0, 0),
        INSN_JMP_IMM(BPF_JEQ, BPF_REG_4, 1, 2),
        INSN_MOV64_IMM(BPF_REG_1, 6),
        INSN_JA(1),
        INSN_MOV64_IMM(BPF_REG_1, 3),
        INSN_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_0),
        INSN_LDX(BPF_B, BPF_REG_0, BPF_REG_1, 0),
        INSN_MOV64_IMM(BPF_REG_0, 1),
        INSN_EXIT(),
    };
    expect_verdicts(p, CNT(p), 1, 0, "R1 tried to add from different maps, paths or scalars");
    bpfrt_map__free(m);
}

Test(vf_unpriv, atomic_on_spilled_pointer_leaks_it)
{
    /* test_verifier "atomic dw/fetch and address leakage of (map ptr &
     * -1) via stack slot": an atomic AND on a stack slot holding a
     * spilled map pointer uses the pointer as a number.
     * check_stack_read_fixed_off (no destination register,
     * !allow_ptr_leaks): "leaking pointer from stack off -8". */
    struct bpfrt_map *m = array48();
    const struct bpf_insn p[] = {
        INSN_LDIMM64(BPF_REG_1, -1),
        LD_MAP(BPF_REG_9, bpfrt_map__id(m)),
        INSN_MOV64_REG(BPF_REG_2, BPF_REG_10),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
        INSN_STX(BPF_DW, BPF_REG_2, BPF_REG_9, 0),
        INSN_ATOMIC(BPF_DW, BPF_AND | BPF_FETCH, BPF_REG_2, BPF_REG_1, 0),
        INSN_MOV64_IMM(BPF_REG_0, 0),
        INSN_EXIT(),
    };
    expect_verdicts(p, CNT(p), 1, 0, "leaking pointer from stack off -8");
    bpfrt_map__free(m);
}

Test(vf_unpriv, released_pointer_copy_is_uninitialised)
{
    /* test_verifier "reference tracking: try to leak released ptr reg":
     * after bpf_ringbuf_discard, the copy r8 of the record is, for the
     * unprivileged verifier, an uninitialised register (mark_reg_invalid
     * without allow_ptr_leaks), so storing it is "R8 !read_ok"; for the
     * privileged one it is an unknown number and the store is allowed. */
    struct bpfrt_map *vals = array48(), *rb = NULL;
    int err = bpfrt_map__create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL, &rb);

    cr_assert_eq(err, 0, "ring buffer: %s", strerror(-err));
    {
        const struct bpf_insn p[] = {
            LOOKUP(bpfrt_map__id(vals)),
            INSN_MOV64_REG(BPF_REG_9, BPF_REG_0),
            LD_MAP(BPF_REG_1, bpfrt_map__id(rb)),
            INSN_MOV64_IMM(BPF_REG_2, 8),
            INSN_MOV64_IMM(BPF_REG_3, 0),
            INSN_CALL(BPF_FUNC_ringbuf_reserve),
            INSN_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1),
            INSN_EXIT(),
            INSN_MOV64_REG(BPF_REG_8, BPF_REG_0),
            INSN_MOV64_REG(BPF_REG_1, BPF_REG_8),
            INSN_MOV64_IMM(BPF_REG_2, 0),
            INSN_CALL(BPF_FUNC_ringbuf_discard),
            INSN_MOV64_IMM(BPF_REG_0, 0),
            INSN_STX(BPF_DW, BPF_REG_9, BPF_REG_8, 0),
            INSN_EXIT(),
        };
        expect_verdicts(p, CNT(p), 1, 0, "R8 !read_ok");
    }
    bpfrt_map__free(rb);
    bpfrt_map__free(vals);
}
