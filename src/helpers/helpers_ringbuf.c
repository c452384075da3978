/* helpers_ringbuf.c - the BPF_MAP_TYPE_RINGBUF helpers (bpf-helpers(7)):
 * bpf_ringbuf_output, _reserve, _submit, _discard, _query, on the ring's
 * producer API (src/maps/ringbuf.h).
 *
 * Checked mode: the program reaches a ring's storage only through a
 * reservation (the arena itself is no region); a reserved record is a
 * writable region of its size until submitted or discarded, and submitting
 * or discarding anything but a live reservation stops the run.  The
 * kernel's verifier guarantees every reservation is released on every
 * path; a checked run that ends holding one fails (prog.c), and the record
 * is discarded so the ring does not stall.  Fast mode trusts the program
 * as the kernel trusts verified code. */
#include <errno.h>
#include <string.h>

#include "../maps/map.h"
#include "../maps/ringbuf.h"
#include "helpers.h"
#include "helpers_internal.h"

const char hlp_ringbuf_record[] = "ringbuf record";

/* r (argument argno) as a ring buffer; fails the run if it is not one
 * (the kernel's verifier refuses such a program). */
static struct bpfrt_map *arg_ringbuf(struct rt_run *run, uint64_t r, const char *helper)
{
    struct bpfrt_map *m = hlp_arg_map(run, r, 1, helper);

    if (m && m->type != BPF_MAP_TYPE_RINGBUF) {
        rt_fail(run, -EINVAL, run->err_pc, "helper bpf_%s: map '%s' is not a ringbuf", helper, m->name);
        return NULL;
    }
    return m;
}

/* bpf_ringbuf_output(ringbuf, data, size, flags): copy size bytes into a
 * new record.  0, -EINVAL (flags other than the wakeup ones), -EAGAIN (no
 * room, or a record larger than the ring). */
static uint64_t hlp_ringbuf_output(uint64_t r1, uint64_t data, uint64_t size, uint64_t flags, uint64_t e,
                                   struct rt_run *run)
{
    struct bpfrt_map *m = arg_ringbuf(run, r1, "ringbuf_output");
    (void)e;
    if (!m || hlp_arg_mem(run, data, size, 0, "ringbuf_output", "data"))
        return 0;
    return (uint64_t)(int64_t)map_ringbuf_output(m, (const void *)(uintptr_t)data, size, flags);
}

/* bpf_ringbuf_reserve(ringbuf, size, flags): a record of size bytes to
 * fill, or NULL (flags not 0, too large for the ring, no room now). */
static uint64_t hlp_ringbuf_reserve(uint64_t r1, uint64_t size, uint64_t flags, uint64_t d, uint64_t e,
                                    struct rt_run *run)
{
    struct bpfrt_map *m = arg_ringbuf(run, r1, "ringbuf_reserve");
    void *rec;
    (void)d, (void)e;
    if (!m)
        return 0;
    rec = map_ringbuf_reserve(m, size, flags);
    if (rec && run->checked && rt_add_region(run, (uint64_t)(uintptr_t)rec, size, RT_RW, hlp_ringbuf_record)) {
        map_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
        rt_fail(run, -E2BIG, run->err_pc, "helper bpf_ringbuf_reserve: too many regions in one checked run");
        return 0;
    }
    return (uint64_t)(uintptr_t)rec;
}

/* Checked mode: is sample a live reservation?  Ends it (the region goes). */
static int release(struct rt_run *run, uint64_t sample, const char *helper)
{
    int i;

    if (!run->checked)
        return 0;
    i = rt_find_region(run, sample, hlp_ringbuf_record);
    if (i < 0)
        return rt_fail(run, -EFAULT, run->err_pc,
                       "helper bpf_%s: r1 = 0x%llx is not a live ringbuf reservation (not returned by "
                       "bpf_ringbuf_reserve, or already submitted or discarded)",
                       helper, (unsigned long long)sample);
    rt_del_region(run, (unsigned)i);
    return 0;
}

static uint64_t hlp_ringbuf_submit(uint64_t sample, uint64_t flags, uint64_t c, uint64_t d, uint64_t e,
                                   struct rt_run *run)
{
    (void)c, (void)d, (void)e;
    if (!release(run, sample, "ringbuf_submit"))
        map_ringbuf_submit((void *)(uintptr_t)sample, flags);
    return 0;
}

static uint64_t hlp_ringbuf_discard(uint64_t sample, uint64_t flags, uint64_t c, uint64_t d, uint64_t e,
                                    struct rt_run *run)
{
    (void)c, (void)d, (void)e;
    if (!release(run, sample, "ringbuf_discard"))
        map_ringbuf_discard((void *)(uintptr_t)sample, flags);
    return 0;
}

/* bpf_ringbuf_query(ringbuf, flags): BPF_RB_AVAIL_DATA, _RING_SIZE,
 * _CONS_POS, _PROD_POS; 0 for anything else. */
static uint64_t hlp_ringbuf_query(uint64_t r1, uint64_t flags, uint64_t c, uint64_t d, uint64_t e,
                                  struct rt_run *run)
{
    struct bpfrt_map *m = arg_ringbuf(run, r1, "ringbuf_query");
    (void)c, (void)d, (void)e;
    return m ? map_ringbuf_query(m, flags) : 0;
}

int hlp_ringbuf_release_all(struct rt_run *run)
{
    int n = 0;

    for (unsigned i = run->nregions; i-- > 0;)
        if (run->regions[i].name == hlp_ringbuf_record) {
            map_ringbuf_discard((void *)(uintptr_t)run->regions[i].start, BPF_RB_NO_WAKEUP);
            rt_del_region(run, i);
            n++;
        }
    return n;
}

static const struct hlp_desc hlp_ringbuf_table[] = {
    {BPF_FUNC_ringbuf_output, "ringbuf_output", hlp_ringbuf_output, 0},
    {BPF_FUNC_ringbuf_reserve, "ringbuf_reserve", hlp_ringbuf_reserve, 0},
    {BPF_FUNC_ringbuf_submit, "ringbuf_submit", hlp_ringbuf_submit, 0},
    {BPF_FUNC_ringbuf_discard, "ringbuf_discard", hlp_ringbuf_discard, 0},
    {BPF_FUNC_ringbuf_query, "ringbuf_query", hlp_ringbuf_query, 0},
};
HLP_TABLE(hlp_ringbuf_tab, hlp_ringbuf_table);
