/* kload.h - the BPF_PROG_LOAD timer: the wall and CPU time of the kernel's
 * load of one named program, taken around the bpf() system call libbpf
 * makes (kload.c defines syscall(); link with -rdynamic -ldl). */
#ifndef BENCH_KLOAD_H
#define BENCH_KLOAD_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

struct bench_kload {
    bool armed;
    char name[BPF_OBJ_NAME_LEN];
    bool seen;   /* a BPF_PROG_LOAD of that name was made */
    long ret;    /* its result */
    int err;     /* its errno */
    uint64_t ns, cpu; /* its wall and thread CPU time */
};
extern struct bench_kload bench_kload;

/* Time the next BPF_PROG_LOAD of the program named prog (its first
 * BPF_OBJ_NAME_LEN - 1 characters, what the kernel keeps); disarm with
 * bench_kload.armed = false. */
void bench_kload_arm(const char *prog);

#endif
