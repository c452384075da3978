/* bench_common.h - what both runners share: the timing options,
 * calibration and best-of-N trials, and libbpf's messages kept for
 * errors. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_REPEAT 10000000u

struct bench_timing {
    uint32_t repeat;    /* 0: calibrate each side to target_ms per trial */
    unsigned trials;
    unsigned target_ms;
    bool verbose;
};

/* Apply BENCH_REPEAT, BENCH_TRIALS, BENCH_TARGET_MS from the environment. */
void bench_timing_env(struct bench_timing *t);
/* After option parsing: at least one trial and 1 ms, repeat <= MAX_REPEAT. */
void bench_timing_clamp(struct bench_timing *t);

/* Measure repeat runs, return the mean ns/run, or a negative errno. */
typedef int (*measure_fn)(void *ctx, uint32_t repeat, double *ns);

/* The best mean ns/run over t->trials trials of fn, the repeat count
 * calibrated to t->target_ms unless t->repeat fixes it. */
int bench_best_of(const struct bench_timing *t, measure_fn fn, void *ctx, double *best, uint32_t *repeat_out);

/* snprintf for messages, which may be cut short. */
void bench_msg(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* libbpf: quiet unless verbose; the last warnings kept for error messages. */
void bench_libbpf_capture(bool verbose);
void bench_libbpf_clear(void);
const char *bench_libbpf_msgs(void);

/* How the kernel runs programs in a test run, from
 * net.core.bpf_jit_enable: "BPF_PROG_TEST_RUN, JIT on", ... */
const char *bench_kernel_test_run_mode(void);

/* Pin this thread to a CPU (a message naming who on failure). */
void bench_pin_cpu(int cpu, const char *who);

/* s as a JSON string, quoted and escaped, on stdout. */
void bench_json_str(const char *s);

/* Whether name is among the arguments from argv[first] on (all are when
 * there are none). */
bool bench_wanted(int argc, char **argv, int first, const char *name);

#endif
