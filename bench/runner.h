/* runner.h - what the packet-program runner's files share (runner.c: the
 * program table and main; packets.c: the packets; sides.c: bpfrt's two
 * engines, the kernel and native code on one program; report.c: the
 * table and JSON; replay.c: packets per second of a capture; compile.c:
 * JIT compile time beside the kernel's load time; kload.c: the
 * BPF_PROG_LOAD timer). */
#ifndef BENCH_RUNNER_H
#define BENCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_common.h"

#define PKT_LEN 1500   /* the timed packet of most programs */
#define PKT_BUF 2048   /* room for any packet in and out */
#define MAX_VARIANTS 40

enum { ST_OK, ST_UNAVAIL, ST_ERR };

/* The work function of a program compiled natively (progs/, BENCH_NATIVE):
 * may write the packet, as its BPF build does. */
typedef uint64_t (*native_fn)(uint8_t *data, size_t len);

/* Filling an object's maps before any run, the same entries on each side:
 * put() writes one element of the named map (per-CPU maps: the value for
 * every slot, the runner repeats it). */
struct fill_ops {
    int (*put)(void *side, const char *map, const void *key, size_t key_sz, const void *val, size_t val_sz);
    void *side;
    char *err;
    size_t err_size;
};
typedef int (*fill_fn)(const struct fill_ops *ops);

enum timed_pkt {
    PKT_STD = 0, /* 1,500 bytes: 802.1Q, TCP/IPv4 with a payload */
    PKT_SELFTEST_V4, /* the selftests' pkt_v4 (network_helpers.c), 54 bytes: l4lb's VIP */
};

struct bench_prog {
    const char *name;  /* the row */
    const char *obj;   /* object file: "NAME.bpf.o" in the objects' directory; "vcache:NAME.o" the
                          selftests' objects built by verify_progs.sh */
    const char *prog;  /* the program run */
    const char *what;
    native_fn native;      /* NULL: native_na says why there is no native column */
    const char *native_na;
    fill_fn fill;          /* maps to fill, or NULL */
    /* without native code: the retval every packet must give, or NULL (the kernel's is the reference) */
    uint32_t (*expect)(const uint8_t *pkt, size_t len);
    enum timed_pkt pkt;
    bool replay;           /* also in the pcap replay */
};

struct side {
    int st;
    double ns;
    uint32_t repeat;
    char err[512];
};

struct result {
    const struct bench_prog *b;
    size_t insns_static;  /* the program's instructions (bpfrt, xlated) */
    uint64_t insns_exec;  /* executed by one interpreter run (checked) */
    size_t jit_bytes;     /* bpfrt's image */
    struct side interp, jit, kern, nat;
    unsigned checked;     /* packets whose results were compared */
    unsigned mismatches;
    char mismatch[320];   /* the first */
};

/* The runner's options. */
struct runner_cfg {
    bool json;
    struct bench_timing t;
    int cpu;
    const char *objdir;
    const char *vcache;   /* the selftests' objects (verify_progs.sh's obj/) */
    const char *dump;     /* -w: write the timed packet here */
    const char *pcap;     /* the capture for the replay (written at start) */
    unsigned pcap_packets;
    unsigned compile_runs;
    bool no_replay, no_compile;
    bool wall;            /* -W: time bpfrt and native code by the wall clock */
};
extern struct runner_cfg cfg;

/* ---- packets.c ---- */
struct pkt {
    char name[48];
    uint8_t buf[PKT_BUF];
    size_t len;
};
extern struct pkt timed_std, timed_v4;
extern struct pkt variants[MAX_VARIANTS];
extern size_t nvariants;
void packets_build(void);
const struct pkt *timed_packet(const struct bench_prog *b);
/* Write a capture of n packets (a mix of flows and shapes, 60-1,000 bytes)
 * to path; 0 or -errno (err says why). */
int packets_write_pcap(const char *path, unsigned n, uint64_t *bytes, char *err, size_t errsz);
/* fn for every packet of a capture: 0, fn's first non-zero return, or
 * -EINVAL / -EIO (err says why) */
int packets_each(const char *path, int (*fn)(const uint8_t *data, uint32_t len, void *ctx), void *ctx, char *err,
                 size_t errsz);

/* ---- sides.c ---- */
struct bpf_object;
struct bpfrt_object;
struct bpfrt_prog;
/* The program's object loaded, its maps filled: by libbpf into the kernel
 * (*fd the program), or by bpfrt's loader with the engine asked for; NULL
 * with err set. */
struct bpf_object *kernel_open(const struct bench_prog *b, int *fd, char *err, size_t errsz);
struct bpfrt_object *bpfrt_open(const struct bench_prog *b, const char *engine, struct bpfrt_prog **progp, char *err,
                                size_t errsz);
extern int kernel_available;
extern char kernel_why[256];
void kernel_probe(void);
void run_native(struct result *r);
void run_kernel(struct result *r);
/* engine: "interp" or "jit" */
void run_bpfrt(struct result *r, const char *engine);
void obj_path(char *buf, size_t sz, const char *obj);
/* a selftests' object verify_progs.sh could not build (why says so) */
bool object_missing(const struct bench_prog *b, char *why, size_t whysz);
uint32_t fold32(uint64_t r);
/* the thread's CPU time, or with -W the wall time (see sides.c) */
uint64_t bench_clock_ns(void);

/* ---- report.c ---- */
const char *kernel_mode(void);
void report_table(const struct result *res, size_t n);
void report_json(const struct result *res, size_t n);
bool result_ok(const struct result *r);
/* the errors of the sides that failed, a line each */
void report_side_errors(const char *row, const struct side *interp, const struct side *jit, const struct side *kern);

/* ---- replay.c: packets per second of a capture on one worker ---- */
struct replay_row {
    const struct bench_prog *b;
    struct side interp, jit, kern; /* ns: wall time per packet */
    uint64_t packets;
    bool agree;
    char why[320];
};
void replay_run(const struct bench_prog *progs, size_t n, struct replay_row *rows, size_t *nrows);
void replay_report(const struct replay_row *rows, size_t n);
void replay_json(const struct replay_row *rows, size_t n);
extern uint64_t replay_bytes; /* of the capture */

/* ---- compile.c: JIT compile time of the largest programs ---- */
void compile_run(void);
void compile_report(void);
void compile_json(void);

#endif
