/* prog_seal.c - the xlated program read-only for the program's life.
 *
 * Once the fix-up stage has built prog->xl (pipeline stage 4), nothing
 * changes it: the engines run their own images of it, and dumps, the tag
 * and pins only read it.  It is moved to pages of its own, mapped
 * read-only, so that a stray write into it faults instead of changing
 * what `prog dump xlated` shows (the kernel keeps prog->insnsi of a
 * loaded program read-only: bpf_prog_lock_ro() in include/linux/filter.h).
 * Tested in tests/unit/test_jit_harden.c (the mapping's permissions in
 * /proc/self/maps). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prog.h"

int prog_xl_seal(struct bpfrt_prog *prog)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), len;
    void *map;

    if (!prog->xl || !prog->xl_cnt || prog->xl_map_len)
        return 0;
    len = (prog->xl_cnt * sizeof(*prog->xl) + page - 1) & ~(page - 1);
    map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return -ENOMEM;
    memcpy(map, prog->xl, prog->xl_cnt * sizeof(*prog->xl));
    if (mprotect(map, len, PROT_READ)) {
        int err = -errno;
        munmap(map, len);
        return err;
    }
    free(prog->xl);
    prog->xl = map;
    prog->xl_map_len = len;
    return 0;
}

void prog_xl_release(struct bpfrt_prog *prog)
{
    if (prog->xl_map_len)
        munmap(prog->xl, prog->xl_map_len);
    else
        free(prog->xl);
    prog->xl = NULL;
    prog->xl_map_len = 0;
}
