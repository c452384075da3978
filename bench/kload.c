/* kload.c - see kload.h.
 *
 * libbpf issues bpf() through syscall(); this definition in the executable
 * comes first in the dynamic symbol lookup, so libbpf's calls land here.
 * When armed, the wall time and result of the BPF_PROG_LOAD that names the
 * program (attr.prog_name: its first 15 characters) are kept; libbpf's
 * feature probes load other names. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "kload.h"

struct bench_kload bench_kload;

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_kload_arm(const char *prog)
{
    size_t nl = strlen(prog);

    memset(&bench_kload, 0, sizeof(bench_kload));
    if (nl > sizeof(bench_kload.name) - 1)
        nl = sizeof(bench_kload.name) - 1;
    memcpy(bench_kload.name, prog, nl);
    bench_kload.armed = true;
}

typedef long (*syscall_fn)(long, ...);

long syscall(long nr, ...)
{
    static syscall_fn real;
    va_list ap;
    long a[6];
    long r;

    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (!real)
        real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
    if (nr == __NR_bpf && a[0] == BPF_PROG_LOAD && bench_kload.armed && a[1]) {
        const union bpf_attr *attr = (const union bpf_attr *)a[1];
        /* the thread's CPU time counts the kernel's time in the call; the
         * wall time also the time other jobs had the CPU */
        uint64_t c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID), t0 = clock_ns(CLOCK_MONOTONIC), t1, c1;
        int saved;

        r = real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        saved = errno;
        t1 = clock_ns(CLOCK_MONOTONIC);
        c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        if (!strncmp(attr->prog_name, bench_kload.name, BPF_OBJ_NAME_LEN - 1)) {
            bench_kload.seen = true;
            bench_kload.ret = r;
            bench_kload.err = r < 0 ? saved : 0;
            bench_kload.ns = t1 - t0;
            bench_kload.cpu = c1 - c0;
        }
        errno = saved;
        return r;
    }
    return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
