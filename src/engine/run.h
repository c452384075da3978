/* run.h - the run context shared by every engine (interpreter now, JIT
 * later): stack frames, call depth, tail-call count, worker id, the memory
 * regions a checked run may touch, and the error of a failed run. */
#ifndef BPFRT_RUN_H
#define BPFRT_RUN_H

#include <stdint.h>

#include "../isa/isa.h"

struct bpfrt_map;

#define RT_MAX_REGIONS 64
#define RT_ERRMSG 256

enum rt_perm { RT_R = 1, RT_W = 2, RT_RW = 3 };

/* A range of memory a checked run may access: [start, start + size). */
struct rt_region {
    uint64_t start, size;
    uint32_t perm; /* enum rt_perm */
    const char *name; /* "stack", "packet", "context", "map value", ... */
};

struct rt_run {
    uint64_t budget;    /* instructions left before the run is stopped */
    uint64_t insn_cnt;  /* instructions executed (exact in checked mode) */
    uint32_t worker;    /* bpf_get_smp_processor_id() */
    uint32_t tail_calls;
    /* The packet that legacy LD_ABS/LD_IND read (the skb's linear data). */
    const uint8_t *pkt;
    uint32_t pkt_len;
    /* Checked mode: the regions besides the stack (always allowed up to
     * the current frame). Helpers that return memory add a region. */
    struct rt_region regions[RT_MAX_REGIONS];
    unsigned nregions;
    /* Set by the engine before each helper call, for the helpers' own
     * checks: whether the run is checked, and the current call depth. */
    uint32_t checked;
    uint32_t depth;
    /* The maps the program uses (LD_IMM64 map references): helpers in
     * checked mode accept only these as map arguments. */
    struct bpfrt_map *const *maps;
    unsigned nmaps;
    /* Failure: negative errno, index of the failing instruction, message. */
    int err;
    uint32_t err_pc;
    char errmsg[RT_ERRMSG];
    /* Frames: frame i owns stack[(ISA_MAX_FRAMES - 1 - i) * 512, +512); r10
     * of frame i points at its top.  Aligned for 8-byte accesses. */
    _Alignas(16) uint8_t stack[ISA_MAX_FRAMES * ISA_STACK];
};

/* Set a failure with a formatted message; returns err. */
int rt_fail(struct rt_run *run, int err, uint32_t pc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Checked mode, for helpers: may the program access size bytes at addr
 * with perm (RT_R / RT_W)?  0, or -EFAULT with the run's error set to a
 * message naming the helper and the argument (what). */
int rt_check_mem(struct rt_run *run, uint64_t addr, uint64_t size, uint32_t perm, const char *helper,
                 const char *what);

/* Add a region for checked mode; returns 0 or -E2BIG when full. */
int rt_add_region(struct rt_run *run, uint64_t start, uint64_t size, uint32_t perm, const char *name);

#endif
