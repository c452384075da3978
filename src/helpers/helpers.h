/* helpers.h - helper functions callable with BPF_CALL (src_reg 0, imm = id).
 * Ids and names come from the UAPI header's __BPF_FUNC_MAPPER. */
#ifndef BPFRT_HELPERS_H
#define BPFRT_HELPERS_H

#include <stdint.h>

#include "../engine/run.h"

typedef rt_helper_fn hlp_fn;

struct hlp_desc {
    uint32_t id;
    const char *name; /* without the bpf_ prefix, as in the UAPI mapper */
    hlp_fn fn;        /* NULL: declared by the UAPI but not available here */
    int gpl_only;     /* callable only from GPL-compatible programs (kernel's gpl_only) */
};

/* The implementation of helper id, or NULL when it has none here. */
const struct hlp_desc *hlp_find(uint32_t id);
/* Is a license string GPL-compatible, by the kernel's list
 * (license_is_gpl_compatible in include/linux/license.h)? */
int hlp_license_is_gpl(const char *license);

/* Does helper id call back into the program (its fn uses
 * interp_callback())?  The engine gives such calls a handler of their own. */
int hlp_takes_callback(uint32_t id);

/* Checked runs: discard the ring buffer records the run reserved and
 * neither submitted nor discarded (their regions go); returns how many. */
int hlp_ringbuf_release_all(struct rt_run *run);
/* Release the bpf_spin_lock a run stopped holding (a failed run, or an
 * unverified program that exits inside its critical section); 1 when there
 * was one, else 0. */
int hlp_spin_lock_release(struct rt_run *run);
/* Is map m's storage a region of checked runs?  (Not a ring buffer's: the
 * program reaches it only through reservations.) */
struct bpfrt_map;
int hlp_map_storage_visible(const struct bpfrt_map *m);
/* Checked runs: add map m's storage as a region (once) whose bytes a
 * program may touch only where the map type allows (its values).  0, or
 * -E2BIG when the run has no room left. */
int hlp_add_map_region(struct rt_run *run, const struct bpfrt_map *m);

/* Why a helper has no meaning in user space (kernel stacks, cgroups,
 * sockets of the host, ...), for the load error; NULL when it is simply
 * not written yet. */
const char *hlp_unavailable_reason(uint32_t id);

/* A body for helper id that fails the run naming the helper (for the
 * helpers bpfrt has no implementation of: the program still loads). */
hlp_fn hlp_unavailable_fn(uint32_t id);

/* Number of helper ids the UAPI header defines (__BPF_FUNC_MAX_ID). */
uint32_t hlp_max_id(void);

/* LD_ABS/LD_IND at a negative offset in an skb's run (rt_run.pkt_neg):
 * the kernel's bpf_internal_load_pointer_neg_helper (net/core/filter.c):
 * off >= SKF_NET_OFF counts from the network header, off >= SKF_LL_OFF
 * from the MAC header (none set: NULL); the size bytes there when they lie
 * between the buffer's head and the linear data's tail, else NULL.  Test
 * suite: unit testrun/ld_abs_negative_offsets, test_verifier's ld_ind.c. */
const uint8_t *hlp_skb_ld_neg(struct rt_run *run, int32_t off, uint32_t size);

#endif
