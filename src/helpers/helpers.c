/* helpers.c - the helper table.  Names and ids are generated from the UAPI
 * header's __BPF_FUNC_MAPPER so they always match the kernel's numbering. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bpfrt/bpfrt.h"
#include "../maps/map.h"
#include "../maps/registry.h"
#include "helpers.h"
#include "helpers_internal.h"


static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* bpf_ktime_get_ns(): CLOCK_MONOTONIC, as the kernel's ktime_get_mono_fast_ns. */
static uint64_t hlp_ktime_get_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    return clock_ns(CLOCK_MONOTONIC);
}

/* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME (counts suspend, as the kernel's). */
static uint64_t hlp_ktime_get_boot_ns(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                      struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    return clock_ns(CLOCK_BOOTTIME);
}

/* bpf_get_smp_processor_id(): the worker index. */
static uint64_t hlp_get_smp_processor_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                         struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return run->worker;
}

/* bpf_get_prandom_u32(): a per-thread xorshift generator. */
static uint64_t hlp_get_prandom_u32(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    static __thread uint64_t s;
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    if (!s) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = ((uint64_t)ts.tv_nsec << 1) | 1;
    }
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return (uint32_t)(s >> 16);
}

/* bpf_tail_call(): the engine decodes it into a handler of its own (it
 * replaces the running program, which no function can do), so this entry
 * only makes it known, not GPL-only as in the kernel.  Never reached. */
static uint64_t hlp_tail_call(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e;
    return (uint64_t)rt_fail(run, -EFAULT, 0, "internal error: bpf_tail_call called as a plain helper");
}

/* bpf_get_numa_node_id(): bpfrt's workers share one node. */
static uint64_t hlp_get_numa_node_id(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, struct rt_run *run)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)run;
    return 0;
}

static const struct hlp_desc hlp_table[] = {
    {BPF_FUNC_get_numa_node_id, "get_numa_node_id", hlp_get_numa_node_id, 0},
    {BPF_FUNC_tail_call, "tail_call", hlp_tail_call, 0},
    {BPF_FUNC_ktime_get_ns, "ktime_get_ns", hlp_ktime_get_ns, 0},
    {BPF_FUNC_get_prandom_u32, "get_prandom_u32", hlp_get_prandom_u32, 0},
    {BPF_FUNC_get_smp_processor_id, "get_smp_processor_id", hlp_get_smp_processor_id, 0},
    {BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", hlp_ktime_get_boot_ns, 0},
};

int hlp_map_storage_visible(const struct bpfrt_map *m)
{
    return m->type != BPF_MAP_TYPE_RINGBUF;
}

/* The rule for the bytes of a map's storage region: only what the map
 * type says a program may reach (map_ops.prog_access: values), never its
 * links, locks, free lists, headers or keys. */
static int map_region_check(const struct rt_run *run, const struct rt_region *g, uint64_t addr, uint64_t size,
                            uint32_t perm, char *why, size_t whysz)
{
    const struct bpfrt_map *m = g->owner;

    (void)run;
    if (!m->ops->prog_access)
        return map_access_refused(m, why, whysz, "a program reaches this map's contents through helpers only");
    return m->ops->prog_access(m, addr - g->start, size, perm, why, whysz);
}

int hlp_add_map_region(struct rt_run *run, const struct bpfrt_map *m)
{
    uint64_t start = (uint64_t)(uintptr_t)m->arena.base;

    if (!hlp_map_storage_visible(m))
        return 0; /* a ring buffer: reached through reservations only */
    for (unsigned i = 0; i < run->nregions; i++)
        if (run->regions[i].start == start)
            return 0;
    return rt_add_region_checked(run, start, m->arena.size, (m->map_flags & BPF_F_RDONLY_PROG) ? RT_R : RT_RW, "map",
                                 map_region_check, m);
}

struct bpfrt_map *hlp_arg_map(struct rt_run *run, uint64_t r, unsigned argno, const char *helper)
{
    struct bpfrt_map *m = (struct bpfrt_map *)(uintptr_t)r;

    if (!run->checked)
        return m;
    for (unsigned i = 0; i < run->nmaps; i++)
        if (run->maps[i] == m)
            return m;
    if (!map_registry_contains(m)) {
        rt_fail(run, -EFAULT, run->err_pc, "helper bpf_%s: r%u = 0x%llx is not a map", helper, argno,
                (unsigned long long)r);
        return NULL;
    }
    if (hlp_add_map_region(run, m)) {
        rt_fail(run, -E2BIG, run->err_pc, "helper bpf_%s: too many maps in one checked run", helper);
        return NULL;
    }
    return m;
}

int hlp_arg_mem(struct rt_run *run, uint64_t addr, uint64_t size, int write, const char *helper, const char *what)
{
    if (!run->checked || !size)
        return 0;
    return rt_check_mem(run, addr, size, write ? RT_W : RT_R, helper, what);
}

int hlp_takes_callback(uint32_t id)
{
    return id == BPF_FUNC_loop || id == BPF_FUNC_for_each_map_elem;
}

int hlp_license_is_gpl(const char *license)
{
    static const char *const ok[] = {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL",
                                     "Dual MPL/GPL"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!strcmp(license, ok[i]))
            return 1;
    return 0;
}

const struct hlp_desc *hlp_find(uint32_t id)
{
    for (size_t i = 0; i < sizeof(hlp_table) / sizeof(hlp_table[0]); i++)
        if (hlp_table[i].id == id)
            return &hlp_table[i];
    static const struct hlp_table *const tabs[] = {&hlp_map_tab, &hlp_cb_tab, &hlp_ringbuf_tab, &hlp_perf_tab,
                                                   &hlp_xdp_tab, &hlp_skb_tab, &hlp_sock_tab, &hlp_skb_room_tab,
                                                   &hlp_skb_vlan_tab, &hlp_skb_hdr_tab,
                                                   &hlp_redirect_tab, &hlp_fib_tab, &hlp_skb_meta_tab, &hlp_hash_tab,
                                                   &hlp_trace_tab, &hlp_str_tab, &hlp_time_tab, &hlp_lock_tab,
                                                   &hlp_skb_tun_tab, &hlp_sk_lookup_tab, &hlp_cg_storage_tab};
    for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
        for (unsigned i = 0; i < tabs[t]->cnt; i++)
            if (tabs[t]->desc[i].id == id)
                return &tabs[t]->desc[i];
    return NULL;
}

uint32_t hlp_max_id(void)
{
    return __BPF_FUNC_MAX_ID;
}


/* Helpers whose subject does not exist for a program run in user space. */
static const struct {
    uint32_t id;
    const char *why;
} hlp_meaningless[] = {
    {BPF_FUNC_get_stackid, "kernel and user stack traces of the running task have no meaning here"},
    {BPF_FUNC_get_stack, "kernel and user stack traces of the running task have no meaning here"},
    {BPF_FUNC_get_task_stack, "kernel stack traces have no meaning here"},
    {BPF_FUNC_current_task_under_cgroup, "there is no current task in a cgroup here"},
    {BPF_FUNC_skb_under_cgroup, "there are no cgroups here"},
    {BPF_FUNC_get_current_cgroup_id, "there are no cgroups here"},
    {BPF_FUNC_get_current_ancestor_cgroup_id, "there are no cgroups here"},
    {BPF_FUNC_get_current_task, "there is no kernel task here"},
    {BPF_FUNC_get_current_task_btf, "there is no kernel task here"},
    {BPF_FUNC_probe_read, "reading kernel memory has no meaning here"},
    {BPF_FUNC_probe_read_kernel, "reading kernel memory has no meaning here"},
    {BPF_FUNC_probe_read_kernel_str, "reading kernel memory has no meaning here"},
    {BPF_FUNC_override_return, "there is no kernel function to override here"},
    {BPF_FUNC_send_signal, "there is no current task to signal here"},
};

const char *hlp_unavailable_reason(uint32_t id)
{
    for (size_t i = 0; i < sizeof(hlp_meaningless) / sizeof(hlp_meaningless[0]); i++)
        if (hlp_meaningless[i].id == id)
            return hlp_meaningless[i].why;
    return NULL;
}

/* Helpers without a body here still load (the verifier judged them as
 * the kernel would); a run that reaches one stops, naming it.  One
 * trampoline per UAPI helper id, so that the message knows which. */
static uint64_t unavailable(uint32_t id, struct rt_run *run)
{
    const char *name = bpfrt_helper_name(id), *why = hlp_unavailable_reason(id);

    return (uint64_t)rt_fail(run, -EOPNOTSUPP, 0, "helper bpf_%s#%u has no implementation in bpfrt%s%s",
                             name ? name : "unknown", id, why ? ": " : "", why ? why : " yet");
}

/* unavail_ABCD for the id A*64 + B*16 + C*4 + D, every id in 0..255 (ids
 * past the UAPI header's count are never resolved to one:
 * bpfrt_helper_name is NULL for them) */
#define UA(a, b, c, d)                                                                                                 \
    static uint64_t unavail_##a##b##c##d(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,           \
                                         struct rt_run *run)                                                           \
    {                                                                                                                  \
        (void)r1, (void)r2, (void)r3, (void)r4, (void)r5;                                                              \
        return unavailable(a * 64 + b * 16 + c * 4 + d, run);                                                          \
    }
#define UA4(a, b, c) UA(a, b, c, 0) UA(a, b, c, 1) UA(a, b, c, 2) UA(a, b, c, 3)
#define UA16(a, b) UA4(a, b, 0) UA4(a, b, 1) UA4(a, b, 2) UA4(a, b, 3)
#define UA64(a) UA16(a, 0) UA16(a, 1) UA16(a, 2) UA16(a, 3)
UA64(0) UA64(1) UA64(2) UA64(3)
#define UN(a, b, c, d) unavail_##a##b##c##d,
#define UN4(a, b, c) UN(a, b, c, 0) UN(a, b, c, 1) UN(a, b, c, 2) UN(a, b, c, 3)
#define UN16(a, b) UN4(a, b, 0) UN4(a, b, 1) UN4(a, b, 2) UN4(a, b, 3)
#define UN64(a) UN16(a, 0) UN16(a, 1) UN16(a, 2) UN16(a, 3)
static const hlp_fn unavail_fns[] = {UN64(0) UN64(1) UN64(2) UN64(3)};

hlp_fn hlp_unavailable_fn(uint32_t id)
{
    return id < sizeof(unavail_fns) / sizeof(unavail_fns[0]) ? unavail_fns[id] : NULL;
}
