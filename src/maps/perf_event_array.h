/* perf_event_array.h - BPF_MAP_TYPE_PERF_EVENT_ARRAY in bpfrt.
 *
 * In the kernel a slot (key = CPU index) holds a perf event fd and
 * bpf_perf_event_output writes a PERF_RECORD_SAMPLE into that event's ring.
 * bpfrt has no perf events: storing any 4-byte value into a slot from user
 * space opens that slot's output buffer (deleting closes it), and the
 * helper writes into it.  Records are the perf ring's: struct
 * perf_event_header { type = PERF_RECORD_SAMPLE, misc = 0, size }, u32 raw
 * size, raw data, padded to 8 bytes; samples that find no room are counted
 * and reported as lost (PERF_RECORD_LOST in the kernel). */
#ifndef BPFRT_PERF_EVENT_ARRAY_H
#define BPFRT_PERF_EVENT_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "map.h"

/* Bytes of ring per slot. */
#define PERF_EVENT_ARRAY_BUF (64u * 1024)

/* bpf_perf_event_output: flags as the helper's (BPF_F_INDEX_MASK: the slot,
 * BPF_F_CURRENT_CPU: the worker's; BPF_F_CTXLEN_MASK: bytes of ctx_data to
 * append).  0, -EINVAL (flags), -E2BIG (index >= max_entries), -ENOENT (slot
 * not open), -ENOSPC (no room: counted as lost), -EFAULT (ctx length over
 * ctx_len). */
long map_perf_event_array_output(struct bpfrt_map *m, uint64_t flags, uint32_t worker, const void *data, uint64_t size,
                             const void *ctx_data, uint64_t ctx_len);

/* Reader: fn for each sample of slot (the raw data only, as libbpf's
 * perf_buffer sample callback), then lost_fn with the number lost since
 * the last read when > 0.  Returns the number of samples, -ENOENT if the
 * slot is not open, -E2BIG when slot >= max_entries. */
typedef void (*perf_sample_fn)(void *ctx, uint32_t slot, void *data, uint32_t size);
typedef void (*perf_lost_fn)(void *ctx, uint32_t slot, uint64_t lost);
int map_perf_event_array_read(struct bpfrt_map *m, uint32_t slot, perf_sample_fn fn, perf_lost_fn lost_fn, void *ctx);

#endif
