/* arena.c - map storage: one anonymous mapping per map, addressed by
 * offsets, and the process-shared locks that live inside it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map.h"

static size_t page_size(void)
{
    static size_t ps;
    if (!ps) {
        long v = sysconf(_SC_PAGESIZE);
        ps = v > 0 ? (size_t)v : 4096;
    }
    return ps;
}

/* Reserve address space without committing memory: the kernel's
 * preallocated maps commit everything at creation, but a lazily touched
 * mapping behaves the same from the outside and lets NO_PREALLOC maps and
 * large sparse arrays cost only what they use. */
int arena_alloc(struct map_arena *a, size_t size)
{
    size_t ps = page_size();
    struct map_arena_hdr *h;
    void *p;

    if (size < MAP_ARENA_HDR_SIZE)
        size = MAP_ARENA_HDR_SIZE;
    if (size > SIZE_MAX - ps)
        return -ENOMEM;
    size = (size + ps - 1) & ~(ps - 1);
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    a->base = p;
    a->size = size;
    a->fd = -1;
    h = arena_hdr(a);
    h->magic = MAP_ARENA_MAGIC;
    h->version = MAP_ARENA_VERSION;
    h->size = size;
    h->brk = MAP_ARENA_HDR_SIZE;
    h->committed = size;
    return 0;
}

void arena_free(struct map_arena *a)
{
    if (a->base) {
        munmap(a->base, a->size);
        if (a->fd >= 0)
            close(a->fd);
    }
    a->base = NULL;
    a->size = 0;
    a->fd = -1;
}

void arena_lazy(struct map_arena *a, size_t fixed)
{
    size_t ps = page_size();

    fixed = (fixed + ps - 1) & ~(ps - 1);
    arena_hdr(a)->committed = fixed < a->size ? fixed : a->size;
}

uint64_t arena_committed(const struct map_arena *a)
{
    uint64_t c = __atomic_load_n(&arena_hdr(a)->committed, __ATOMIC_ACQUIRE);

    return c && c < a->size ? c : a->size;
}

/* Reserve the file's blocks for [from, to): fallocate, which never writes
 * (the range may already be in use by another process that committed it
 * first).  A filesystem without fallocate cannot reserve ahead: the range
 * is taken as is (stores may then fail as they did before, with SIGBUS,
 * when that filesystem is full). */
static int reserve(int fd, uint64_t from, uint64_t to)
{
    if (fallocate(fd, 0, (off_t)from, (off_t)(to - from)) == 0)
        return 0;
    if (errno == EOPNOTSUPP || errno == ENOSYS)
        return 0;
    return -errno;
}

int arena_commit(struct map_arena *a, uint64_t end)
{
    struct map_arena_hdr *h = arena_hdr(a);
    uint64_t ps = page_size(), cur = arena_committed(a), want, need;
    int err;

    if (end <= cur)
        return 0;
    if (end > a->size)
        return -ENOMEM;
    need = (end + ps - 1) & ~(ps - 1);
    want = (end + ARENA_COMMIT_STEP - 1) & ~(uint64_t)(ARENA_COMMIT_STEP - 1);
    if (want > a->size)
        want = a->size;
    if (a->fd >= 0) {
        /* A step at a time; when the step does not fit, just what is
         * needed, so a nearly full filesystem is used to its last page. */
        err = reserve(a->fd, cur, want);
        if (err && want > need) {
            want = need;
            err = reserve(a->fd, cur, want);
        }
        if (err)
            return err;
    }
    while (cur < want && !__atomic_compare_exchange_n(&h->committed, &cur, want, 1, __ATOMIC_RELEASE,
                                                      __ATOMIC_ACQUIRE))
        ;
    return 0;
}

map_off_t arena_bump(struct map_arena *a, size_t size, size_t align)
{
    struct map_arena_hdr *h = arena_hdr(a);
    uint64_t cur = __atomic_load_n(&h->brk, __ATOMIC_RELAXED), start;

    do {
        start = (cur + align - 1) & ~(uint64_t)(align - 1);
        if (start + size > a->size || start + size < start)
            return 0;
        /* Backing first: a range committed and then lost to another
         * carver stays committed for the next one. */
        if (arena_commit(a, start + size))
            return 0;
    } while (!__atomic_compare_exchange_n(&h->brk, &cur, start + size, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return start;
}

/* ---- locks ---------------------------------------------------------------- */

static uint32_t self_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void reset_pid(void)
{
    __atomic_store_n(&self_pid, 0, __ATOMIC_RELAXED);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, reset_pid);
}

/* The lock owner id: this process's pid (cached; reset in a forked child). */
uint32_t map_lock_self(void)
{
    uint32_t pid = __atomic_load_n(&self_pid, __ATOMIC_RELAXED);
    if (__builtin_expect(!pid, 0)) {
        pthread_once(&atfork_once, register_atfork);
        pid = (uint32_t)getpid();
        __atomic_store_n(&self_pid, pid, __ATOMIC_RELAXED);
    }
    return pid;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spin, then yield; every so often check whether the owner still exists,
 * and take over the lock of a process that died holding it (the state it
 * protected may be half-updated, but the map stays usable). */
void map_lock_slow(uint32_t *lock)
{
    uint32_t self = map_lock_self();
    unsigned spins = 0;

    for (;;) {
        uint32_t owner = __atomic_load_n(lock, __ATOMIC_RELAXED);
        if (!owner) {
            if (__atomic_compare_exchange_n(lock, &owner, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return;
            continue;
        }
        if (++spins < 128) {
            cpu_relax();
            continue;
        }
        sched_yield();
        if ((spins & 0xffff) == 0 && owner != self && kill((pid_t)owner, 0) < 0 && errno == ESRCH) {
            if (__atomic_compare_exchange_n(lock, &owner, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return;
        }
    }
}
