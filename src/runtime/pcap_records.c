/* pcap_records.c - the ring buffer and perf event array records a pcap
 * replay's runs write, read after each packet from the maps the program
 * uses, as a user-space consumer would read them: libbpf's
 * ring_buffer__consume (src/maps/ringbuf.h: submitted records in order,
 * discarded ones skipped) and perf_buffer__consume (every open slot's
 * samples, then how many were lost). */
#include <errno.h>

#include "../maps/map.h"
#include "../maps/perf_event_array.h"
#include "../maps/ringbuf.h"
#include "pcap_out.h"

struct rec_walk {
    struct bpfrt_pcap_record rec;
    bpfrt_pcap_record_fn fn;
    void *ctx;
    int err; /* the callback's first non-zero return */
};

static int on_ringbuf(void *ctx, void *data, size_t size)
{
    struct rec_walk *w = ctx;

    w->rec.kind = BPFRT_PCAP_RINGBUF;
    w->rec.cpu = 0;
    w->rec.data = data;
    w->rec.size = (uint32_t)size;
    w->rec.lost = 0;
    w->err = w->fn(&w->rec, w->ctx);
    return w->err ? -1 : 0; /* a negative return stops the walk after this record */
}

static void on_perf(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    struct rec_walk *w = ctx;

    if (w->err)
        return; /* stopped: the rest is read and dropped */
    w->rec.kind = BPFRT_PCAP_PERF;
    w->rec.cpu = slot;
    w->rec.data = data;
    w->rec.size = size;
    w->rec.lost = 0;
    w->err = w->fn(&w->rec, w->ctx);
}

static void on_lost(void *ctx, uint32_t slot, uint64_t lost)
{
    struct rec_walk *w = ctx;

    if (w->err)
        return;
    w->rec.kind = BPFRT_PCAP_PERF_LOST;
    w->rec.cpu = slot;
    w->rec.data = NULL;
    w->rec.size = 0;
    w->rec.lost = lost;
    w->err = w->fn(&w->rec, w->ctx);
}

int pcap_records_drain(struct bpfrt_prog *prog, uint64_t packet, bpfrt_pcap_record_fn fn, void *ctx)
{
    struct rec_walk w = {.rec = {.packet = packet}, .fn = fn, .ctx = ctx};

    for (unsigned i = 0; i < prog->nmaps && !w.err; i++) {
        struct bpfrt_map *m = prog->maps[i];

        w.rec.map = m;
        if (m->type == BPF_MAP_TYPE_RINGBUF)
            map_ringbuf_consume(m, on_ringbuf, &w);
        else if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
            for (uint32_t slot = 0; slot < m->max_entries && !w.err; slot++)
                map_perf_event_array_read(m, slot, on_perf, on_lost, &w); /* -ENOENT: not open */
    }
    return w.err;
}

int pcap_records_open(struct bpfrt_prog *prog, bpfrt_pcap_record_fn fn, void *ctx)
{
    int err = pcap_records_drain(prog, 0, fn, ctx);

    for (unsigned i = 0; i < prog->nmaps && !err; i++) {
        struct bpfrt_map *m = prog->maps[i];
        uint32_t n = bpfrt_nr_workers();

        if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
            continue;
        /* a slot per worker, as perf_buffer__new opens an event per CPU;
         * the value is the slot (the kernel's would be an event's fd) */
        for (uint32_t slot = 0; slot < n && slot < m->max_entries; slot++)
            if (map_perf_event_array_read(m, slot, NULL, NULL, NULL) == -ENOENT)
                bpfrt_map__update_elem(m, &slot, sizeof(slot), &slot, sizeof(slot), BPF_ANY);
    }
    return err;
}
