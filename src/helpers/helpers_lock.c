/* helpers_lock.c - bpf_spin_lock(lock) and bpf_spin_unlock(lock) at run
 * time (kernel/bpf/helpers.c __bpf_spin_lock_irqsave): the lock is the
 * struct bpf_spin_lock word inside a map value, the same word that
 * BPF_F_LOCK lookups and updates from user space take (map_value_lock in
 * src/maps/map.h: 0 free, else the owner's pid; a process that died
 * holding it is taken over), so a program and any process updating the
 * value with BPF_F_LOCK exclude each other, across processes for a pinned
 * map (tests/unit/test_core_helpers.c).
 *
 * The verifier proves for a verified program that the argument is the
 * lock of a map value, that one lock at most is held and that it is
 * released before exit (process_spin_lock).  A checked run (unverified
 * code) has the same rules checked here, failing the run otherwise: the
 * pointer must be the bpf_spin_lock of a value of a map of the run, no
 * second lock, unlock only of the held one.  A run that stops while
 * holding the lock (an error, the budget) has it released by the runtime
 * (hlp_spin_lock_release). */
#include <errno.h>
#include <string.h>

#include "../maps/map.h"
#include "helpers.h"
#include "helpers_internal.h"

/* Does the map's own rule call the byte at off (of its storage) a part of
 * a value's bpf_spin_lock?  (map_value_access names the lock when it
 * refuses an access that overlaps it.) */
static int lock_byte(const struct bpfrt_map *m, uint64_t off)
{
    char why[RT_ERRMSG];

    why[0] = 0;
    if (m->ops->prog_access(m, off, 1, RT_R, why, sizeof(why)))
        return 0;
    return strstr(why, "bpf_spin_lock") != NULL;
}

/* Checked runs: the map whose value's bpf_spin_lock starts at addr, or
 * NULL with the run failed. */
static const struct bpfrt_map *lock_owner(struct rt_run *run, uint64_t addr, const char *helper)
{
    for (unsigned i = 0; i < run->nregions; i++) {
        const struct rt_region *g = &run->regions[i];
        const struct bpfrt_map *m = g->owner;
        if (addr < g->start || addr - g->start >= g->size || !g->name || strcmp(g->name, "map") || !m ||
            m->spin_lock_off < 0 || !m->ops->prog_access || (addr & 3))
            continue;
        uint64_t off = addr - g->start;
        if (lock_byte(m, off) && lock_byte(m, off + 3) && (off == 0 || !lock_byte(m, off - 1)))
            return m;
    }
    rt_fail(run, -EFAULT, run->err_pc,
            "helper bpf_%s: r1 = 0x%llx is not the bpf_spin_lock of a map value (the kernel's verifier refuses it)",
            helper, (unsigned long long)addr);
    return NULL;
}

static uint64_t hlp_spin_lock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    (void)r2, (void)r3, (void)r4, (void)r5;
    if (run->checked) {
        if (run->spin_lock) {
            rt_fail(run, -EINVAL, run->err_pc,
                    "helper bpf_spin_lock: a bpf_spin_lock is already held (the kernel's verifier refuses a second "
                    "one: deadlock)");
            return 0;
        }
        if (!lock_owner(run, r1, "spin_lock"))
            return 0;
    }
    uint32_t *lock = (uint32_t *)(uintptr_t)r1;
    map_value_lock(lock);
    run->spin_lock = lock;
    return 0;
}

static uint64_t hlp_spin_unlock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, struct rt_run *run)
{
    uint32_t *lock = (uint32_t *)(uintptr_t)r1;

    (void)r2, (void)r3, (void)r4, (void)r5;
    if (run->checked && run->spin_lock != lock) {
        rt_fail(run, -EINVAL, run->err_pc,
                run->spin_lock ? "helper bpf_spin_unlock: r1 = 0x%llx is not the bpf_spin_lock held"
                               : "helper bpf_spin_unlock: r1 = 0x%llx: no bpf_spin_lock is held",
                (unsigned long long)r1);
        return 0;
    }
    run->spin_lock = NULL;
    map_value_unlock(lock);
    return 0;
}

int hlp_spin_lock_release(struct rt_run *run)
{
    uint32_t *lock = run->spin_lock;

    if (!lock)
        return 0;
    run->spin_lock = NULL;
    map_value_unlock(lock);
    return 1;
}

static const struct hlp_desc hlp_lock_table[] = {
    {BPF_FUNC_spin_lock, "spin_lock", hlp_spin_lock, 0},
    {BPF_FUNC_spin_unlock, "spin_unlock", hlp_spin_unlock, 0},
};
HLP_TABLE(hlp_lock_tab, hlp_lock_table);
