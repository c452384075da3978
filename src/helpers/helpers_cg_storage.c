/* helpers_cg_storage.c - bpf_get_local_storage(map, flags) in a test run:
 * the kernel's BPF_PROG_TEST_RUN allocates a fresh storage for each
 * cgroup storage map type the program uses (net/bpf/test_run.c:
 * bpf_cgroup_storages_alloc, zeroed, __GFP_ZERO), sets it for every
 * repeat of the run and frees it after; the helper returns it
 * (kernel/bpf/helpers.c bpf_get_local_storage: the storage of the map's
 * type; the per-CPU one's slot of the running CPU).  The run side
 * allocates them (run->cg_storage, src/runtime/prog_run.c); the map
 * itself stays empty, as the kernel's (the storage is linked to no
 * cgroup).  Tests: tests/kernel-diff/test_skb_tun_diff.c
 * cgroup_storage_fresh_per_run, tests/kernel-diff/test_selftests_run_diff.c
 * (netcnt_prog.c, a cgroup_skb program counting in its storage). */
#include <errno.h>
#include <linux/bpf.h>

#include "helpers.h"
#include "helpers_internal.h"

static uint64_t hlp_get_local_storage(uint64_t map, uint64_t flags, uint64_t c, uint64_t d, uint64_t e,
                                      struct rt_run *run)
{
    (void)flags, (void)c, (void)d, (void)e;
    for (int i = 0; i < 2; i++)
        if (run->cg_storage[i] && (uint64_t)(uintptr_t)run->cg_storage_map[i] == map)
            return (uint64_t)(uintptr_t)run->cg_storage[i];
    return (uint64_t)rt_fail(run, -EINVAL, run->err_pc,
                             "helper bpf_get_local_storage: r1 = 0x%llx is not a cgroup storage map of the program",
                             (unsigned long long)map);
}

static const struct hlp_desc hlp_cg_storage_table[] = {
    {BPF_FUNC_get_local_storage, "get_local_storage", hlp_get_local_storage, 0},
};
HLP_TABLE(hlp_cg_storage_tab, hlp_cg_storage_table);
