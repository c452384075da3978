/* kdiff.h - differential testing of bpfrt against the running kernel.
 *
 * A case is a random valid BODY of instructions wrapped twice: once in a
 * prologue/epilogue the kernel accepts (an XDP program run with
 * BPF_PROG_TEST_RUN, or a socket filter for LD_ABS/LD_IND), once in the
 * raw bpfrt convention (r1 = data, r2 = its length, result in r0).  Both
 * load r0..r9 and a stack scratch area from the packet, run the same body,
 * and store r0..r9 and the scratch area back into the packet.
 */
#ifndef BPFRT_KDIFF_H
#define BPFRT_KDIFF_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif

/* Deterministic generator state (splitmix64 seeded per program). */
struct kd_rng {
    uint64_t s;
};
uint64_t kd_rand(struct kd_rng *r);
void kd_rng_init(struct kd_rng *r, uint64_t seed, uint64_t index);

enum kd_kind {
    KD_XDP, /* ALU, jumps, stack memory, atomics, bpf-to-bpf calls */
    KD_SKF, /* socket filter: legacy LD_ABS / LD_IND */
};

/* XDP case layout.  Packet: r0..r9 (80 bytes), then the scratch area.
 * Stack: r10-8 the spilled data pointer, r10-16 a temporary, the scratch
 * area at [r10-144, r10-16). */
#define KD_NREGS 10
#define KD_SCRATCH_OFF (-144)
#define KD_SCRATCH 128
#define KD_XDP_PKT (KD_NREGS * 8 + KD_SCRATCH)
/* The top 32 bytes of the scratch area, [r10-48, r10-16), are the atomic
 * area: atomics go only there and plain stores never do, and the prologue
 * makes it plain data for the verifier with an atomic "or 0".  Works
 * around a kernel 6.18 verifier bug: a fetching atomic (fetch_*, xchg,
 * cmpxchg) on a slot holding a spilled scalar gives the loaded register
 * the spilled register's bounds, but precision backtracking treats the
 * instruction as a plain store and never marks the slot (or the register
 * spilled there) precise; a path with other bounds is then pruned as
 * equivalent and a branch on the loaded value is hard-wired, its other
 * side removed as dead code. */
#define KD_ATOMIC_OFF (-48)
#define KD_ATOMIC 32
#define KD_ETH 14 /* socket filters see the packet after the Ethernet header */

#define KD_BODY_MAX 256
#define KD_SUBS_MAX 128
#define KD_PROG_MAX 640
#define KD_PKT_MAX 256

struct kd_case {
    enum kd_kind kind;
    uint64_t seed, index;
    struct bpf_insn body[KD_BODY_MAX]; /* calls: imm = subprogram number */
    unsigned body_len;
    struct bpf_insn subs[KD_SUBS_MAX]; /* subprograms, each ends with exit */
    unsigned subs_len, nsubs, sub_start[4];
    /* Assembled programs: for the kernel, for bpfrt; body_at: where the
     * body starts in each. */
    struct bpf_insn kern[KD_PROG_MAX];
    unsigned kern_len, kern_body_at;
    struct bpf_insn rt[KD_PROG_MAX];
    unsigned rt_len, rt_body_at;
    /* Input packet (data_in); bpfrt gets pkt + rt_data_off. */
    uint8_t pkt[KD_PKT_MAX];
    unsigned pkt_len, rt_data_off;
};

/* Fill c with program number index of the stream seed. */
void kd_gen_case(struct kd_case *c, enum kd_kind kind, uint64_t seed, uint64_t index);
/* Re-assemble kern[] and rt[] from body/subs (after editing the body). */
void kd_assemble(struct kd_case *c);

/* One line of disassembly of insns[i]; returns the slots used (1 or 2). */
int kd_disasm_insn(const struct bpf_insn *insns, unsigned cnt, unsigned i, char *buf, size_t sz);
void kd_dump_prog(FILE *f, const struct bpf_insn *insns, unsigned cnt, unsigned mark_from, unsigned mark_to);
void kd_hexdump(FILE *f, const char *title, const uint8_t *p, unsigned len);

/* Kernel side. */
int kd_kernel_probe(char *why, size_t whysz);             /* 0: bpf() works */
int kd_kernel_load(const struct kd_case *c, char *log, size_t logsz); /* fd or -errno */
/* Run fd on c's packet: out receives data_out (size *out_len), *retval. */
int kd_kernel_run(int fd, const struct kd_case *c, uint8_t *out, unsigned *out_len, uint32_t *retval);

#endif
