/* drop.c - XDP drop: the program does nothing but return XDP_DROP (one
 * instruction and the exit), so what a run costs is the entry: building
 * the context, calling the program, taking its return value.  Natively, a
 * call of a function that returns a constant. */
#include "bench_compat.h"

static __always_inline u64 drop_work(const u8 *data, const u8 *end)
{
    (void)data;
    (void)end;
    return 1; /* XDP_DROP (linux/bpf.h enum xdp_action) */
}

BENCH_PROG(drop);
