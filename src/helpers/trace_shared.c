/* trace_shared.c - the trace pipe shared by every bpfrt process of a state
 * directory (the kernel's trace_pipe analogue that `bpfrt prog tracelog`
 * reads): a file ".trace_pipe" in the state directory, mapped shared by
 * writers and readers.
 *
 * Layout: a header (magic, a process-shared robust mutex, head = lines
 * written, tail = next line to read, lost = lines overwritten before a
 * reader took them, a futex word that changes with every line, the count
 * of sleeping readers) and a ring of TS_SLOTS fixed-size slots, each one
 * whole trace_pipe line.  Writers (any process, any thread) take the
 * mutex, write the slot head % TS_SLOTS and advance head; when the ring is
 * full the oldest unread line is overwritten and counted as lost, as the
 * kernel's ring buffer does in its default overwrite mode.  Readers
 * consume (tail advances), as reads of trace_pipe do; one that fell behind
 * gets the kernel's "CPU:N [LOST M EVENTS]" line before the lines that
 * remain.  A reader with nothing to read sleeps on the futex word until a
 * writer wakes it (or its timeout passes).
 *
 * The file is made complete under a temporary name and linked into place,
 * so no process maps a half-initialised ring; a writer that dies holding
 * the mutex leaves at most its slot half-written (the next locker gets
 * EOWNERDEAD and goes on).  tests/unit/test_trace_shared.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "../maps/map.h"
#include "trace.h"

#define TS_MAGIC 0x62707274747031ull /* "bprttp1" */
#define TS_SLOTS 2048u
#define TS_TEXT 1200u /* a trace_pipe prefix and a 1023-byte message */
#define TS_NAME ".trace_pipe"

struct ts_slot {
    uint32_t len;
    uint32_t cpu;
    char text[TS_TEXT];
};

struct ts_hdr {
    uint64_t magic;
    map_mutex_t lock;
    uint64_t head, tail, lost;
    uint32_t seq;     /* futex word: changes with every line */
    uint32_t waiters; /* readers asleep on seq */
    uint32_t slots;
    uint32_t slot_size;
    struct ts_slot slot[];
};

#define TS_SIZE (sizeof(struct ts_hdr) + (size_t)TS_SLOTS * sizeof(struct ts_slot))

struct bpfrt_trace_pipe {
    struct ts_hdr *h;
};

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* Map the state directory's trace pipe, creating it when missing; NULL
 * with errno set when there is no state directory or it is not usable. */
static struct ts_hdr *ts_map(void)
{
    const char *dir = bpfrt_fs_dir();
    char path[PATH_MAX], tmp[PATH_MAX];
    struct ts_hdr *h;
    struct stat st;
    int fd;

    if (!dir)
        return NULL;
    if (snprintf(path, sizeof(path), "%s/" TS_NAME, dir) >= (int)sizeof(path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            if (fstat(fd, &st) || (size_t)st.st_size < TS_SIZE) {
                close(fd);
                errno = EINVAL; /* not ours: refuse rather than map a short file */
                return NULL;
            }
            h = mmap(NULL, TS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            close(fd);
            if (h == MAP_FAILED)
                return NULL;
            if (h->magic != TS_MAGIC || h->slots != TS_SLOTS || h->slot_size != sizeof(struct ts_slot)) {
                munmap(h, TS_SIZE);
                errno = EINVAL;
                return NULL;
            }
            return h;
        }
        if (errno != ENOENT)
            return NULL;
        /* build it complete under a temporary name, then link it in */
        snprintf(tmp, sizeof(tmp), "%s/.trace_pipe.XXXXXX", dir);
        fd = mkstemp(tmp);
        if (fd < 0)
            return NULL;
        if (ftruncate(fd, (off_t)TS_SIZE)) {
            close(fd), unlink(tmp);
            return NULL;
        }
        h = mmap(NULL, TS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (h == MAP_FAILED) {
            unlink(tmp);
            return NULL;
        }
        h->slots = TS_SLOTS;
        h->slot_size = sizeof(struct ts_slot);
        if (map_mutex_init(&h->lock)) {
            munmap(h, TS_SIZE), unlink(tmp);
            return NULL;
        }
        h->magic = TS_MAGIC;
        msync(h, sizeof(*h), MS_SYNC);
        int linked = link(tmp, path);
        unlink(tmp);
        if (!linked)
            return h;
        munmap(h, TS_SIZE);
        if (errno != EEXIST)
            return NULL;
        /* another process linked its own first: use that one */
    }
    errno = EAGAIN;
    return NULL;
}

static int ts_lock(struct ts_hdr *h)
{
    int r = map_mutex_lock(&h->lock);
    if (r == MAP_LOCK_OWNER_DIED) {
        /* a writer died inside: head/tail are whole words, at most its
         * slot is half written (its length is clamped on read) */
        if (h->head - h->tail > TS_SLOTS)
            h->tail = h->head - TS_SLOTS;
        map_mutex_consistent(&h->lock);
        r = 0;
    }
    return r;
}

/* ---- the writer side (trace.c calls it for every line) ---- */

static pthread_once_t w_once = PTHREAD_ONCE_INIT;
static struct ts_hdr *w_hdr;

static void w_init(void)
{
    w_hdr = ts_map();
}

void trace_shared_emit(uint32_t cpu, const char *line)
{
    struct ts_hdr *h;
    size_t len = strlen(line);

    pthread_once(&w_once, w_init);
    h = w_hdr;
    if (!h || ts_lock(h))
        return; /* no usable state directory: the process-local lines remain */
    if (h->head - h->tail >= TS_SLOTS) {
        h->tail++;
        h->lost++;
    }
    struct ts_slot *s = &h->slot[h->head % TS_SLOTS];
    if (len >= TS_TEXT)
        len = TS_TEXT - 1;
    memcpy(s->text, line, len);
    s->text[len] = 0;
    s->len = (uint32_t)len;
    s->cpu = cpu;
    h->head++;
    __atomic_add_fetch(&h->seq, 1, __ATOMIC_RELEASE);
    int wake = __atomic_load_n(&h->waiters, __ATOMIC_ACQUIRE) != 0;
    map_mutex_unlock(&h->lock);
    if (wake)
        futex(&h->seq, FUTEX_WAKE, INT_MAX, NULL);
}

/* ---- the reader side (public: bpfrt prog tracelog) ---- */

int bpfrt_trace_pipe__open(struct bpfrt_trace_pipe **pp)
{
    struct bpfrt_trace_pipe *p;

    *pp = NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->h = ts_map();
    if (!p->h) {
        int err = errno ? -errno : -EINVAL;
        free(p);
        return err;
    }
    *pp = p;
    return 0;
}

void bpfrt_trace_pipe__close(struct bpfrt_trace_pipe *p)
{
    if (!p)
        return;
    munmap(p->h, TS_SIZE);
    free(p);
}

#define TS_BATCH 256

int bpfrt_trace_pipe__read(struct bpfrt_trace_pipe *p, int timeout_ms, bpfrt_trace_fn fn, void *ctx)
{
    struct ts_hdr *h = p->h;
    struct ts_slot *batch;
    uint64_t lost;
    uint32_t lost_cpu = 0, n = 0, seq;
    int err;

    batch = malloc(TS_BATCH * sizeof(*batch));
    if (!batch)
        return -ENOMEM;
    for (;;) {
        seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
        if ((err = ts_lock(h))) {
            free(batch);
            return err;
        }
        lost = h->lost;
        h->lost = 0;
        while (h->tail != h->head && n < TS_BATCH) {
            batch[n] = h->slot[h->tail % TS_SLOTS];
            if (batch[n].len >= TS_TEXT)
                batch[n].len = TS_TEXT - 1;
            batch[n].text[batch[n].len] = 0;
            h->tail++;
            n++;
        }
        if (lost && n)
            lost_cpu = batch[0].cpu;
        if (n || lost || timeout_ms == 0) {
            map_mutex_unlock(&h->lock);
            break;
        }
        __atomic_add_fetch(&h->waiters, 1, __ATOMIC_ACQ_REL);
        map_mutex_unlock(&h->lock);
        struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000l};
        long r = futex(&h->seq, FUTEX_WAIT, seq, timeout_ms < 0 ? NULL : &ts);
        __atomic_sub_fetch(&h->waiters, 1, __ATOMIC_ACQ_REL);
        if (r && errno == ETIMEDOUT) {
            timeout_ms = 0; /* one last look */
            continue;
        }
        if (r && errno == EINTR) {
            free(batch);
            return -EINTR;
        }
    }
    if (lost) {
        /* the kernel's words for a ring that overwrote unread events */
        char msg[64];
        snprintf(msg, sizeof(msg), "CPU:%u [LOST %llu EVENTS]", lost_cpu, (unsigned long long)lost);
        if (fn)
            fn(msg, ctx);
    }
    for (uint32_t i = 0; i < n; i++)
        if (fn)
            fn(batch[i].text, ctx);
    free(batch);
    return (int)(n + (lost ? 1 : 0));
}
