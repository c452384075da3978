/* ringbuf.h - BPF_MAP_TYPE_RINGBUF: the producer side the helpers call
 * (bpf_ringbuf_reserve/submit/discard/output/query) and the consumer side
 * for user space (what libbpf's ring_buffer__consume does on the kernel's).
 *
 * Records are laid out as the kernel lays them out (linux/bpf.h): an
 * 8-byte header { u32 len; u32 pg_off; } where len carries
 * BPF_RINGBUF_BUSY_BIT while the record is reserved and
 * BPF_RINGBUF_DISCARD_BIT once discarded, then the data, the whole record
 * rounded up to 8 bytes.  Positions count bytes since creation (they wrap
 * only at 2^64); the data area is max_entries bytes.
 *
 * One difference: the kernel maps its data area twice so a record may
 * straddle the end; a bpfrt arena is mapped once, so a record that would
 * straddle is preceded by a discarded padding record up to the end.
 * Consumers skip discarded records, so they see the same samples. */
#ifndef BPFRT_RINGBUF_H
#define BPFRT_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"

/* bpf_ringbuf_reserve: size bytes of record data, or NULL when flags are
 * not 0, the record cannot fit the ring, or there is no room now. */
void *map_ringbuf_reserve(struct bpfrt_map *m, uint64_t size, uint64_t flags);
/* bpf_ringbuf_submit / bpf_ringbuf_discard on a reserved sample (only the
 * sample is needed, as the kernel's helpers take only the sample). */
void map_ringbuf_submit(void *sample, uint64_t flags);
void map_ringbuf_discard(void *sample, uint64_t flags);
/* bpf_ringbuf_output: 0, -EINVAL (flags other than BPF_RB_NO_WAKEUP /
 * BPF_RB_FORCE_WAKEUP), -EAGAIN (no room). */
long map_ringbuf_output(struct bpfrt_map *m, const void *data, uint64_t size, uint64_t flags);
/* bpf_ringbuf_query: BPF_RB_AVAIL_DATA, _RING_SIZE, _CONS_POS, _PROD_POS;
 * 0 for other flags. */
uint64_t map_ringbuf_query(struct bpfrt_map *m, uint64_t flags);

/* Consumer: call fn on every submitted record from the consumer position
 * on, skipping discarded ones, stopping at a record still reserved; the
 * consumer position then moves past what was read.  Returns the number of
 * samples passed to fn, or fn's negative return (which stops the walk
 * after that record, as libbpf does). */
typedef int (*ringbuf_sample_fn)(void *ctx, void *data, size_t size);
int map_ringbuf_consume(struct bpfrt_map *m, ringbuf_sample_fn fn, void *ctx);
/* Notifications the producers asked for (adaptive or forced) since the
 * last call; a poller may sleep while this stays 0. */
uint64_t map_ringbuf_take_wakeups(struct bpfrt_map *m);

#endif
