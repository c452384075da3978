/* kdiff.h - `prog run ... kernel_diff` (bpfrt): the same object loaded in
 * the running kernel with libbpf, the same inputs run there with
 * BPF_PROG_TEST_RUN (bpf_prog_test_run_opts), and every difference in
 * retval, data_out, ctx_out, ring buffer / perf event records (pcap) and
 * map contents printed (docs/CLI.md, "Comparing with the kernel").
 * kdiff.c loads and runs, kdiff_cmp.c keeps and prints the differences
 * and compares the maps, kdiff_pcap.c is the capture replay. */
#ifndef BPFRT_TOOL_KDIFF_H
#define BPFRT_TOOL_KDIFF_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

struct bpf_object;

/* Exit statuses besides 0 (agree) and 1 (a difference, or any error). */
#define KD_EXIT_NO_KERNEL 3 /* bpf() unavailable: ENOSYS, EPERM, ... */
#define KD_EXIT_REFUSED 4   /* the kernel refused to load the object */

/* What PROG names, as prog.c parsed it. */
enum kd_kind { KD_RAW, KD_OBJ, KD_PINNED };
struct kd_src {
    enum kd_kind kind;
    const char *file;
    const struct cli_obj_spec *obj; /* KD_OBJ */
    enum bpf_prog_type type;        /* KD_RAW: type TYPE (UNSPEC: none given) */
};

/* One difference.  Byte values (data_out, ctx_out, map values, records)
 * are kept as ranges: offset and the bytes each side has there. */
struct kd_diff {
    const char *what; /* "retval", "error", "data_out_size", "data_out", "ctx_out_size", "ctx_out", "map",
                         "map_entries", "records" */
    uint64_t packet;  /* pcap: from 1; 0 for a single run */
    char map[64];     /* what = map*, records: the map's name */
    uint8_t *key;     /* map: the key (NULL for queues, stacks, whole-map facts) */
    uint32_t key_len;
    int cpu;    /* per-CPU map slot, or -1 */
    int is_num; /* numbers: b_num, k_num (retval, error, sizes, counts) */
    int64_t b_num, k_num;
    uint32_t offset;
    uint8_t *b, *k; /* bytes (NULL: that side has none: the key is missing there) */
    uint32_t b_len, k_len;
    uint64_t index; /* records: the record's position among its packet's; queue/stack: the element's */
};

#define KD_DIFFS_MAX 64 /* kept in detail per scope (a run, a packet, the maps); the rest are counted */

struct kd {
    enum bpf_prog_type type;
    struct bpf_object *kobj; /* KD_OBJ */
    int kfd;                 /* the kernel's program */
    int raw_fd;              /* KD_RAW: the program loaded from instructions */
    uint32_t kcpu;           /* the CPU the kernel's runs are pinned to */
    uint32_t bworker;        /* the worker bpfrt's runs use: kcpu */
    int records;             /* ring buffer and perf event records are compared (a replay) */
    uint32_t ncpus;          /* the kernel's possible CPUs: per-CPU slots on both sides */
    char expected[256];      /* helpers called whose values bpfrt documents as its own ("" none) */
    /* the differences of the scope being reported */
    struct kd_diff diffs[KD_DIFFS_MAX];
    uint32_t nd;
    uint64_t scope_more; /* differences of the scope not kept */
    /* totals */
    uint64_t total, total_expected;
    uint64_t packets, packets_differing;
    uint32_t maps_compared;
    char not_compared[512]; /* "drops (perf_event_array), ..." */
};

/* Load the program src names in the running kernel (libbpf): 0 and *kdp,
 * or the exit status after reporting (KD_EXIT_NO_KERNEL, KD_EXIT_REFUSED,
 * 1).  Also sets bpfrt's per-CPU slots to the kernel's possible CPUs and
 * pins the calling thread to one CPU, so that per-CPU values and
 * bpf_get_smp_processor_id() are comparable.  Call before loading the
 * bpfrt side. */
int kd_open(const struct kd_src *src, struct kd **kdp);
/* Find the kernel's program matching the loaded bpfrt one (by name); 0 or
 * 1 after reporting. */
int kd_attach(struct kd *kd, const struct bpfrt_prog *prog, const struct bpfrt_object *obj);
/* The worker bpfrt's run must use to match the kernel's CPU. */
uint32_t kd_worker(const struct kd *kd);

/* One test run of the same input on the kernel side, compared with
 * bpfrt's outcome (err 0: retval, data_out, ctx_out set), then the maps. */
struct kd_run {
    const void *data;
    uint32_t data_len;
    const void *ctx_in;
    uint32_t ctx_len;
    int want_ctx_out; /* bpfrt was given a ctx_out buffer: so is the kernel */
    uint32_t repeat;
    /* bpfrt's outcome */
    int err;
    uint32_t retval;
    const uint8_t *data_out;
    uint32_t data_out_len;
    const uint8_t *ctx_out;
    uint32_t ctx_out_len;
};
void kd_run_single(struct kd *kd, const struct kd_run *r, struct bpfrt_object *obj);
/* Text lines after prog run's output, or the "kernel_diff" key in the
 * JSON object being written (cli.j). */
void kd_report_single(struct kd *kd, const struct kd_run *r);
/* prog run PROG pcap FILE [out DIR] kernel_diff: exit status. */
int kd_run_pcap(struct kd *kd, struct bpfrt_prog *prog, struct bpfrt_object *obj, const char *name, const char *path,
                const char *out_dir, uint32_t flags, uint64_t total_budget);
/* 0 when every difference was expected, else 1; frees kd. */
int kd_close(struct kd *kd);

/* ------------------------------------------------ kdiff_cmp.c */
/* Record a numeric difference. */
void kd_diff_num(struct kd *kd, const char *what, uint64_t packet, int64_t b, int64_t k);
/* Compare two byte strings over their common length: one difference per
 * run of differing bytes (at most a few per call, the rest counted). */
void kd_diff_bytes(struct kd *kd, const char *what, uint64_t packet, const char *map, const uint8_t *key,
                   uint32_t key_len, int cpu, const uint8_t *b, const uint8_t *k, uint32_t len);
/* A value one side has and the other has not (b or k NULL). */
void kd_diff_missing(struct kd *kd, const char *what, uint64_t packet, const char *map, const uint8_t *key,
                     uint32_t key_len, uint64_t index, const uint8_t *b, uint32_t b_len, const uint8_t *k,
                     uint32_t k_len);
/* Every map of the kernel's object against bpfrt's, by name. */
void kd_compare_maps(struct kd *kd, struct bpfrt_object *obj);
/* Print the scope's differences (text lines "kernel_diff: ...", or a JSON
 * array in cli.j) and forget them (the totals stay). */
void kd_print_diffs(struct kd *kd);
void kd_json_diffs(struct kd *kd);
/* Differences of the scope that were not expected. */
uint32_t kd_scope_unexpected(const struct kd *kd);
/* The closing line (text) or the summary keys (JSON, in an open object). */
void kd_print_verdict(const struct kd *kd, const char *what_ran);
void kd_json_verdict(const struct kd *kd);

#endif
