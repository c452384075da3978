/* arena.c - map storage: one anonymous mapping per map, addressed by
 * offsets, and the process-shared locks that live inside it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
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

void (*map_step_hook)(const char *step);

/* Map structure locks: process-shared robust mutexes.  When the owner of
 * one dies (kill -9, crash; zombie or reaped, in any pid namespace), the
 * kernel walks the dead thread's robust list at exit and marks the futex
 * word OWNER_DIED, so the next locker gets EOWNERDEAD with the lock held:
 * that is the only reliable death notice (probing a pid with kill(pid, 0)
 * takes a zombie for alive and a reused pid for the owner). */
int map_mutex_init(map_mutex_t *mu)
{
    pthread_mutexattr_t ma;
    int err;

    err = pthread_mutexattr_init(&ma);
    if (err)
        return -err;
    err = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    if (!err)
        err = pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    if (!err)
        err = pthread_mutex_init(mu, &ma);
    pthread_mutexattr_destroy(&ma);
    return -err;
}

/* Wait for a contended lock in bounded steps: a waiter that sleeps on the
 * futex re-reads the lock word every MAP_LOCK_RECHECK_NS, so a wake-up
 * lost when an owner dies (seen once in about a dozen runs of the kill -9
 * stress on a pinned LPM trie: the lock was free, or marked OWNER_DIED,
 * and the waiter slept on) costs that delay instead of a hang.  The
 * uncontended path is the plain trylock. */
#define MAP_LOCK_RECHECK_NS 100000000l

static int map_mutex_wait(map_mutex_t *mu)
{
    struct timespec ts;
    int err;

    do {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += MAP_LOCK_RECHECK_NS;
        if (ts.tv_nsec >= 1000000000l) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000l;
        }
        err = pthread_mutex_clocklock(mu, CLOCK_MONOTONIC, &ts);
    } while (err == ETIMEDOUT);
    return err;
}

int map_mutex_lock(map_mutex_t *mu)
{
    int err = pthread_mutex_trylock(mu);

    if (__builtin_expect(!err, 1))
        return 0;
    if (err == EBUSY)
        err = map_mutex_wait(mu);
    if (!err)
        return 0;
    if (err == EOWNERDEAD)
        return MAP_LOCK_OWNER_DIED;
    /* ENOTRECOVERABLE (someone unlocked without repairing: bpfrt never
     * does), EINVAL (the mutex bytes were overwritten from outside):
     * the caller fails its operation instead of touching the structure. */
    return -err;
}

void map_mutex_consistent(map_mutex_t *mu)
{
    pthread_mutex_consistent(mu);
}

void map_mutex_unlock(map_mutex_t *mu)
{
    pthread_mutex_unlock(mu);
}

/* glibc's futex word (first member of the mutex) carries the kernel's
 * FUTEX_OWNER_DIED bit once the owner's exit has released it. */
#define FUTEX_OWNER_DIED_BIT 0x40000000u
int map_mutex_owner_died(map_mutex_t *mu)
{
#ifdef __GLIBC__
    return !!(__atomic_load_n((unsigned *)&mu->__data.__lock, __ATOMIC_RELAXED) & FUTEX_OWNER_DIED_BIT);
#else
    (void)mu;
    return 0;
#endif
}

/* ---- value locks (struct bpf_spin_lock) ------------------------------------ */

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
uint32_t map_value_lock_self(void)
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

/* Is process pid gone or a zombie (dead, not yet reaped)?  kill(pid, 0)
 * succeeds on a zombie, so its state in /proc is read as well. */
static int pid_dead(uint32_t pid)
{
    char path[40], buf[256];
    const char *rp;
    ssize_t n;
    int fd;

    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return 1;
    snprintf(path, sizeof(path), "/proc/%u/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    rp = strrchr(buf, ')'); /* "pid (comm) S ...": comm may hold ')' */
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* Spin, then yield; every so often check whether the owner still exists,
 * and take over the lock of a process that died holding it (the value it
 * protected may be half-copied, but nothing of the map's structure). */
void map_value_lock_slow(uint32_t *lock)
{
    uint32_t self = map_value_lock_self();
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
        if ((spins & 0x3fff) == 0 && owner != self && pid_dead(owner)) {
            if (__atomic_compare_exchange_n(lock, &owner, self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                return;
        }
    }
}
