/* helpers.c - the helper table.  Names and ids are generated from the UAPI
 * header's __BPF_FUNC_MAPPER so they always match the kernel's numbering. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "bpfrt/bpfrt.h"
#include "helpers.h"

#define HLP_NAME(x) #x
static const char *const hlp_names[] = {__BPF_FUNC_MAPPER(HLP_NAME)};
#undef HLP_NAME

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

static const struct hlp_desc hlp_table[] = {
    {BPF_FUNC_tail_call, "tail_call", hlp_tail_call, 0},
    {BPF_FUNC_ktime_get_ns, "ktime_get_ns", hlp_ktime_get_ns, 0},
    {BPF_FUNC_get_prandom_u32, "get_prandom_u32", hlp_get_prandom_u32, 0},
    {BPF_FUNC_get_smp_processor_id, "get_smp_processor_id", hlp_get_smp_processor_id, 0},
    {BPF_FUNC_ktime_get_boot_ns, "ktime_get_boot_ns", hlp_ktime_get_boot_ns, 0},
};

extern const struct hlp_desc hlp_map_table[];
extern const unsigned hlp_map_table_cnt;
extern const struct hlp_desc hlp_trace_desc;

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
    for (unsigned i = 0; i < hlp_map_table_cnt; i++)
        if (hlp_map_table[i].id == id)
            return &hlp_map_table[i];
    if (id == hlp_trace_desc.id)
        return &hlp_trace_desc;
    return NULL;
}

uint32_t hlp_max_id(void)
{
    return __BPF_FUNC_MAX_ID;
}

const char *bpfrt_helper_name(uint32_t id)
{
    if (id == 0 || id >= __BPF_FUNC_MAX_ID)
        return NULL;
    return hlp_names[id];
}
