/* trace.c - the trace buffer: lines that programs print with
 * bpf_trace_printk, in the layout of the kernel's trace_pipe
 * ("<comm>-<pid> [<cpu>] <flags> <secs>.<usecs>: bpf_trace_printk: <msg>",
 * the message as the helper formatted it, a trailing newline included),
 * kept in a bounded ring of this process until the library's user reads
 * them (bpfrt_trace_drain), or handed to a callback as they come; and
 * every line also goes to the state directory's trace pipe
 * (trace_shared.c), which `bpfrt prog tracelog` reads from any process. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "trace.h"

#define TRACE_RING 4096 /* lines kept; older ones are dropped, as a full trace buffer does */

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static char *ring[TRACE_RING];
static size_t head, count;
static uint64_t dropped;
static bpfrt_trace_fn trace_cb;
static void *trace_cb_ctx;

static char comm[32] = "bpfrt";

/* The task name trace_pipe shows, read once (it is a file read). */
static void read_comm(void)
{
    FILE *f = fopen("/proc/self/comm", "r");
    if (f) {
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = 0;
        fclose(f);
    }
}

void trace_emit(uint32_t worker, const char *msg)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    char line[1280]; /* the prefix and a message of up to 1023 bytes (MAX_BPRINTF_BUF) */
    struct timespec ts;

    pthread_once(&once, read_comm);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(line, sizeof(line), "%16s-%-7d [%03u] ..... %5lld.%06ld: bpf_trace_printk: %s", comm, (int)gettid(),
             worker, (long long)ts.tv_sec, ts.tv_nsec / 1000, msg);
    trace_shared_emit(worker, line);
    pthread_mutex_lock(&trace_lock);
    if (trace_cb) {
        bpfrt_trace_fn cb = trace_cb;
        void *ctx = trace_cb_ctx;
        pthread_mutex_unlock(&trace_lock);
        cb(line, ctx);
        return;
    }
    char *copy = strdup(line);
    if (copy) {
        size_t slot = (head + count) % TRACE_RING;
        if (count == TRACE_RING) {
            free(ring[head]);
            head = (head + 1) % TRACE_RING;
            count--;
            dropped++;
            slot = (head + count) % TRACE_RING;
        }
        ring[slot] = copy;
        count++;
    }
    pthread_mutex_unlock(&trace_lock);
}

void bpfrt_trace_set_callback(bpfrt_trace_fn fn, void *ctx)
{
    pthread_mutex_lock(&trace_lock);
    trace_cb = fn;
    trace_cb_ctx = ctx;
    pthread_mutex_unlock(&trace_lock);
}

size_t bpfrt_trace_drain(bpfrt_trace_fn fn, void *ctx)
{
    size_t n = 0;

    for (;;) {
        char *line = NULL;
        pthread_mutex_lock(&trace_lock);
        if (count) {
            line = ring[head];
            ring[head] = NULL;
            head = (head + 1) % TRACE_RING;
            count--;
        }
        pthread_mutex_unlock(&trace_lock);
        if (!line)
            return n;
        if (fn)
            fn(line, ctx);
        free(line);
        n++;
    }
}
