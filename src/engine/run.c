/* run.c - run-context utilities shared by the engines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "engine.h"
#include "run.h"

int rt_fail(struct rt_run *run, int err, uint32_t pc, const char *fmt, ...)
{
    va_list ap;

    run->err = err;
    run->err_pc = pc;
    va_start(ap, fmt);
    vsnprintf(run->errmsg, sizeof(run->errmsg), fmt, ap);
    va_end(ap);
    return err;
}

int rt_add_region(struct rt_run *run, uint64_t start, uint64_t size, uint32_t perm, const char *name)
{
    if (run->nregions >= RT_MAX_REGIONS)
        return -E2BIG;
    run->regions[run->nregions++] = (struct rt_region){start, size, perm, name, NULL, NULL};
    return 0;
}

int rt_add_region_checked(struct rt_run *run, uint64_t start, uint64_t size, uint32_t perm, const char *name,
                          rt_region_check_fn check, const void *owner)
{
    if (run->nregions >= RT_MAX_REGIONS)
        return -E2BIG;
    run->regions[run->nregions++] = (struct rt_region){start, size, perm, name, check, owner};
    return 0;
}

int rt_find_region(const struct rt_run *run, uint64_t start, const char *name)
{
    for (unsigned i = run->nregions; i-- > 0;)
        if (run->regions[i].start == start && run->regions[i].name == name)
            return (int)i;
    return -1;
}

void rt_del_region(struct rt_run *run, unsigned i)
{
    if (i >= run->nregions)
        return;
    for (; i + 1 < run->nregions; i++)
        run->regions[i] = run->regions[i + 1];
    run->nregions--;
}

int eng_log_fail(struct eng_log *log, int err, long insn, const char *fmt, ...)
{
    va_list ap;

    if (log) {
        log->err_insn = insn;
        if (log->buf && log->size) {
            va_start(ap, fmt);
            vsnprintf(log->buf, log->size, fmt, ap);
            va_end(ap);
        }
    }
    return err;
}
