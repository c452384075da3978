/* isa.h - the eBPF instruction format, defined once.
 *
 * Opcode constants come from the UAPI headers (linux/bpf_common.h,
 * linux/bpf.h).  The cpu v4 additions (RFC 9669: BPF_MEMSX, signed
 * division through off = 1, movsx through off = 8/16/32, BPF_ALU64|BPF_END
 * bswap, BPF_JMP32|BPF_JA "gotol") postdate the 6.1 UAPI headers Debian 12
 * ships, so they are defined here under #ifndef with their RFC values.
 */
#ifndef BPFRT_ISA_H
#define BPFRT_ISA_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80 /* RFC 9669 5.2: sign-extending load mode */
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100 /* not in RFC 9669; kernel 6.15 atomic load */
#endif
#ifndef BPF_STORE_REL
#define BPF_STORE_REL 0x110
#endif

#define ISA_NREGS 11     /* r0..r10 */
#define ISA_REG_FP 10    /* r10: read-only frame pointer */
#define ISA_STACK 512    /* bytes per frame (MAX_BPF_STACK) */
#define ISA_MAX_FRAMES 8 /* MAX_CALL_FRAMES */

/* Field access: one definition (lopcodes.h habit). */
#define ISA_CLASS(op) ((op) & 0x07)
#define ISA_SIZE(op) ((op) & 0x18)
#define ISA_MODE(op) ((op) & 0xe0)
#define ISA_OP(op) ((op) & 0xf0)
#define ISA_SRC(op) ((op) & 0x08)

/* Bytes accessed by a BPF_SIZE value. */
static inline unsigned isa_size_bytes(uint8_t code)
{
    switch (ISA_SIZE(code)) {
    case BPF_B: return 1;
    case BPF_H: return 2;
    case BPF_W: return 4;
    default: return 8;
    }
}

static inline int isa_is_ldimm64(const struct bpf_insn *in)
{
    return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Full 64-bit immediate of an LD_IMM64 pair. */
static inline uint64_t isa_imm64(const struct bpf_insn *in)
{
    return (uint64_t)(uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
}

/* Is the jump/call at insns[i] a jump with a pc-relative target, and where to.
 * Returns 1 and sets *target for JA/conditional jumps (off or, for gotol,
 * imm) and for pseudo calls (imm); 0 otherwise. */
int isa_branch_target(const struct bpf_insn *insns, size_t i, int64_t *target);

/* The function entries of a program, where a call may arrive (a
 * bpf-to-bpf call, callx, a callback): instruction 0, the targets of
 * BPF_PSEUDO_CALL calls and of LD_IMM64 BPF_PSEUDO_FUNC loads.  Sets bit
 * in e[i] (cnt bytes) for each; targets outside the program are skipped
 * (the encoding checks refuse them). */
void isa_mark_fn_entries(const struct bpf_insn *insns, size_t cnt, uint8_t *e, uint8_t bit);

/* Check the encoding of insns[i] (and its second half for LD_IMM64) as
 * RFC 9669 and the kernel define it: known opcode, registers in range,
 * reserved fields zero.  Returns 0, or -EINVAL with a reason in why. */
int isa_check_insn(const struct bpf_insn *insns, size_t cnt, size_t i, char *why, size_t whysz);

/* Check a whole program: every encoding, every jump target inside the
 * program and not into the second half of an LD_IMM64, no write to r10,
 * the last instruction an exit or unconditional jump.  On failure the
 * message names the instruction index.  Returns 0 or -EINVAL. */
int isa_check_prog(const struct bpf_insn *insns, size_t cnt, char *log, size_t logsz);
/* The same, structured: the failing instruction's index in *bad (-1 when
 * none) and the reason alone (no "insn N: " prefix) in why. */
int isa_check_prog_at(const struct bpf_insn *insns, size_t cnt, long *bad, char *why, size_t whysz);
/* The same with flags: ISA_CHECK_NO_FP_RULES leaves writes to r10 to the
 * verifier, which refuses them only where a path reaches them (the
 * kernel's check_reg_arg). */
#define ISA_CHECK_NO_FP_RULES 0x1
int isa_check_prog_flags(const struct bpf_insn *insns, size_t cnt, unsigned flags, long *bad, char *why,
                         size_t whysz);

#endif
