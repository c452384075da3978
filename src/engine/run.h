/* run.h - the run context shared by every engine (interpreter now, JIT
 * later): stack frames, call depth, tail-call count, worker id, the memory
 * regions a checked run may touch, and the error of a failed run. */
#ifndef BPFRT_RUN_H
#define BPFRT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "../isa/isa.h"

struct bpfrt_map;

#define RT_MAX_REGIONS 64
#define RT_ERRMSG 256
/* Tail calls in one run, as the kernel's MAX_TAIL_CALL_CNT: the 34th fails. */
#define RT_MAX_TAIL_CALLS 33
/* Frames of one run.  A program calls at most ISA_MAX_FRAMES deep (the
 * verifier's MAX_CALL_FRAMES), but a tail call from a subprogram keeps
 * the frames under it (the kernel's x86-64 JIT: the target returns to the
 * subprogram's caller), so each of the 33 tail calls may add up to
 * ISA_MAX_FRAMES - 1 more (tailcall_bpf2bpf2.c/4.c of the selftests). */
#define RT_MAX_FRAMES (ISA_MAX_FRAMES * (RT_MAX_TAIL_CALLS + 1))

struct rt_run;

/* A helper's body: r1..r5 in, r0 out; the run context for the checks of
 * checked runs and for what the helper leaves behind (errors, redirects). */
typedef uint64_t (*rt_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run);

/* bpf_tail_call(ctx, map, index) for the engine, supplied by the runtime:
 * resolves slot index of the PROG_ARRAY map (r2) to the engine image of
 * the program to continue with (an image of the same engine).  Returns 0
 * and sets *image, or a negative errno (the call failed, the program goes
 * on) with *image NULL; sets run->err to stop the run (checked mode: r2
 * is not a live map; r2 is not a PROG_ARRAY). */
typedef int64_t (*rt_tail_call_fn)(struct rt_run *run, uint64_t map, uint32_t index, const void **image);

/* Run a callback of the running program (bpf_loop, bpf_for_each_map_elem):
 * fn is what an LD_IMM64 with BPF_PSEUDO_FUNC loaded; r1..r5 = args; one
 * frame below the caller's, in the caller's mode and budget.  Returns 0
 * with the callback's r0 in *r0, or a negative errno with run->err set:
 * the helper must then return at once.  Set by the engine. */
typedef int (*rt_callback_fn)(struct rt_run *run, uint64_t fn, const uint64_t args[5], uint64_t *r0);

enum rt_ctx_kind { RT_CTX_NONE = 0, RT_CTX_XDP, RT_CTX_SKB };

enum rt_perm { RT_R = 1, RT_W = 2, RT_RW = 3 };

struct rt_region;

/* A region's own rule for the bytes inside it (a map's storage, where
 * only values are for programs): 1 when the access [addr, addr + size)
 * with perm is allowed, else 0, with the reason written into why (when
 * why is not NULL).  The engine calls it only for accesses that lie
 * inside the region and that its perm allows. */
typedef int (*rt_region_check_fn)(const struct rt_run *run, const struct rt_region *g, uint64_t addr, uint64_t size,
                                  uint32_t perm, char *why, size_t whysz);

/* A range of memory a checked run may access: [start, start + size),
 * all of it, or the parts check allows. */
struct rt_region {
    uint64_t start, size;
    uint32_t perm; /* enum rt_perm */
    const char *name; /* "stack", "packet", "context", "map value", ... */
    rt_region_check_fn check; /* NULL: every byte */
    const void *owner;        /* for check (the map) */
};

/* Where bpf_redirect_map sent the packet (the kernel's bpf_redirect_info):
 * map NULL when the last call found no target (or none was made). */
struct rt_redirect {
    struct bpfrt_map *map;
    const void *target; /* the map's value for key (struct bpf_devmap_val, ...) */
    uint32_t key;
    uint32_t map_type;
    uint64_t flags; /* BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS; bpf_redirect's BPF_F_INGRESS */
    /* bpf_redirect(ifindex, flags) (map NULL), or the ifindex of a device
     * map's entry: the device the packet goes to; 0 when none */
    uint32_t ifindex;
};

struct rt_run {
    uint64_t budget;    /* instructions left before the run is stopped */
    uint64_t insn_cnt;  /* instructions executed (exact in checked mode) */
    uint32_t worker;    /* bpf_get_smp_processor_id() */
    /* Tail calls made in this run (at most RT_MAX_TAIL_CALLS); interp_run
     * resets it. */
    uint32_t tail_calls;
    /* The context of a typed program's test run (r1 at entry: a struct
     * pt_xdp_kctx or pt_skb_kctx of src/helpers/kctx.h) and its kind, for
     * the helpers that take it in r1 (they check r1 against it); NULL and
     * RT_CTX_NONE for the raw convention. */
    void *ctx;
    uint32_t ctx_kind; /* enum rt_ctx_kind */
    /* The packet that legacy LD_ABS/LD_IND read (the skb's linear data). */
    const uint8_t *pkt;
    uint32_t pkt_len;
    /* LD_ABS/LD_IND at a negative offset (SKF_NET_OFF, SKF_LL_OFF: from
     * the network or the MAC header, the kernel's
     * bpf_internal_load_pointer_neg_helper): the size bytes there, or
     * NULL (the program then ends with r0 = 0).  Set by the runtime for an
     * skb's test run, NULL otherwise (every negative offset fails). */
    const uint8_t *(*pkt_neg)(struct rt_run *run, int32_t off, uint32_t size);
    /* Checked mode: the regions besides the stack (always allowed up to
     * the current frame). Helpers that return memory add a region. */
    struct rt_region regions[RT_MAX_REGIONS];
    unsigned nregions;
    /* Set by the engine before each helper call, for the helpers' own
     * checks: whether the run is checked, and the current call depth. */
    uint32_t checked;
    uint32_t depth;
    /* Frames this run may use: ISA_MAX_FRAMES, raised by a tail call from
     * a subprogram at depth d to d + ISA_MAX_FRAMES (at most
     * RT_MAX_FRAMES): the called program may use its 8 from there. */
    uint32_t frames_max;
    /* The maps the program uses (LD_IMM64 map references): helpers in
     * checked mode accept only these as map arguments. */
    struct bpfrt_map *const *maps;
    unsigned nmaps;
    /* How the engine resolves a tail call (NULL: every tail call fails
     * with -EOPNOTSUPP); set by the runtime.  tail_calls counts them. */
    rt_tail_call_fn tail_call;
    /* The engine running the program (its struct eng_ops), set by the
     * runtime: a tail call continues only in a program of the same engine. */
    const void *engine;
    /* The running engine image and how to call back into it, set by the
     * engine before a helper that takes a callback. */
    const void *image;
    rt_callback_fn callback;
    /* The redirect target of the last bpf_redirect_map (interp_run clears
     * it), for the datapath that acts on XDP_REDIRECT. */
    struct rt_redirect redirect;
    /* The cgroup storages of a test run (net/bpf/test_run.c
     * bpf_cgroup_storages_alloc: one per storage map type the program
     * uses, zeroed, kept for all the repeats, linked to no cgroup):
     * [0] CGROUP_STORAGE, [1] PERCPU_CGROUP_STORAGE (this worker's
     * slot), with the maps they are for.  NULL when the program uses
     * none (bpf_get_local_storage, helpers_cg_storage.c). */
    uint8_t *cg_storage[2];
    const struct bpfrt_map *cg_storage_map[2];
    /* The routing table bpf_fib_lookup() consults (a struct hlp_fib of
     * src/helpers/fib_table.h), NULL: none given; set by the runtime. */
    const void *fib;
    /* The struct bpf_spin_lock word the program holds (bpf_spin_lock), NULL
     * when none: the runtime releases it when a run stops holding it. */
    uint32_t *spin_lock;
    /* The JIT's native stack pointer at its innermost entry (a run or a
     * callback), where a failing run unwinds to (jit_x86_64.h). */
    uint64_t eng_sp;
    /* An engine's repeat loop (eng_ops.run_many): each run's budget, its
     * first registers (r1..r5, r10), the runs left, and the regions a run
     * that added none leaves. */
    uint64_t eng_budget;
    const uint64_t *eng_regs;
    uint32_t eng_left, eng_nregions;
    /* Failure: negative errno, index of the failing instruction, message. */
    int err;
    uint32_t err_pc;
    char errmsg[RT_ERRMSG];
    /* Frames: frame i owns stack[(RT_MAX_FRAMES - 1 - i) * 512, +512); r10
     * of frame i points at its top.  Aligned for 8-byte accesses. */
    _Alignas(16) uint8_t stack[RT_MAX_FRAMES * ISA_STACK];
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
/* The same with a rule for the bytes inside it (check, owner). */
int rt_add_region_checked(struct rt_run *run, uint64_t start, uint64_t size, uint32_t perm, const char *name,
                          rt_region_check_fn check, const void *owner);
/* The index of the last region starting at start named name (the same
 * pointer), or -1. */
int rt_find_region(const struct rt_run *run, uint64_t start, const char *name);
/* Remove region i (later ones move down). */
void rt_del_region(struct rt_run *run, unsigned i);

#endif
