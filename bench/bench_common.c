/* bench_common.c - see bench_common.h. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

static unsigned long env_or(const char *name, unsigned long dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoul(s, NULL, 0) : dflt;
}

void bench_timing_env(struct bench_timing *t)
{
    t->repeat = (uint32_t)env_or("BENCH_REPEAT", 0);
    t->trials = (unsigned)env_or("BENCH_TRIALS", t->trials);
    t->target_ms = (unsigned)env_or("BENCH_TARGET_MS", t->target_ms);
}

void bench_timing_clamp(struct bench_timing *t)
{
    if (!t->trials)
        t->trials = 1;
    if (!t->target_ms)
        t->target_ms = 1;
    if (t->repeat > MAX_REPEAT)
        t->repeat = MAX_REPEAT;
}

int bench_best_of(const struct bench_timing *t, measure_fn fn, void *ctx, double *best, uint32_t *repeat_out)
{
    uint32_t repeat = t->repeat;
    double ns = 0;
    int err;

    if (!repeat) {
        /* grow until one measurement takes a tenth of the target, then
         * size the repeat count to the target */
        double target = t->target_ms * 1e6;

        for (repeat = 1;; repeat *= 4) {
            err = fn(ctx, repeat, &ns);
            if (err)
                return err;
            if (ns * repeat >= target / 10 || repeat >= MAX_REPEAT / 4)
                break;
        }
        if (ns < 0.5)
            ns = 0.5;
        double r = target / ns;
        repeat = r > MAX_REPEAT ? MAX_REPEAT : r < 1 ? 1 : (uint32_t)r;
    }
    *best = 0;
    for (unsigned i = 0; i < t->trials; i++) {
        err = fn(ctx, repeat, &ns);
        if (err)
            return err;
        if (i == 0 || ns < *best)
            *best = ns;
    }
    *repeat_out = repeat;
    return 0;
}

void bench_msg(char *buf, size_t sz, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sz, fmt, ap);
    va_end(ap);
}

static char libbpf_msgs[8192];
static bool libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    size_t used = strlen(libbpf_msgs);
    va_list ap2;

    va_copy(ap2, ap);
    if (libbpf_verbose || level == LIBBPF_WARN) {
        if (used > sizeof(libbpf_msgs) / 2) {
            libbpf_msgs[0] = 0;
            used = 0;
        }
        vsnprintf(libbpf_msgs + used, sizeof(libbpf_msgs) - used, fmt, ap2);
    }
    va_end(ap2);
    if (libbpf_verbose)
        vfprintf(stderr, fmt, ap);
    return 0;
}

void bench_libbpf_capture(bool verbose)
{
    libbpf_verbose = verbose;
    libbpf_set_print(libbpf_print);
}

void bench_libbpf_clear(void)
{
    libbpf_msgs[0] = 0;
}

const char *bench_libbpf_msgs(void)
{
    return libbpf_msgs;
}

void bench_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

bool bench_wanted(int argc, char **argv, int first, const char *name)
{
    if (first >= argc)
        return true;
    for (int a = first; a < argc; a++)
        if (!strcmp(argv[a], name))
            return true;
    return false;
}

void bench_pin_cpu(int cpu, const char *who)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set))
        fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", who, cpu, strerror(errno));
}

const char *bench_kernel_test_run_mode(void)
{
    FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
    int jit = -1;

    if (f) {
        if (fscanf(f, "%d", &jit) != 1)
            jit = -1;
        fclose(f);
    }
    return jit > 0 ? "BPF_PROG_TEST_RUN, JIT on" : jit == 0 ? "BPF_PROG_TEST_RUN, interpreter (JIT off)"
                                                            : "BPF_PROG_TEST_RUN";
}
