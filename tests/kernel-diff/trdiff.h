/* trdiff.h - what the test-run differential suites share
 * (test_testrun_diff.c, test_xdp_frags_diff.c, test_skb_ctx_diff.c): one
 * BPF object compiled at test time and loaded in the kernel (libbpf) and
 * in bpfrt, a run of one of its programs on both sides with the same
 * data_in / ctx_in (BPF_PROG_TEST_RUN through bpf_prog_test_run_opts,
 * bpfrt_prog__run fast and checked), and the comparison of the outcomes:
 * the error, the return value, data_size_out and the packet out,
 * ctx_size_out and the context out, byte for byte. */
#ifndef BPFRT_TRDIFF_H
#define BPFRT_TRDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "bpfrt/bpfrt.h"

struct bpf_object;

#define TRD_DATA_MAX 81920u /* the packet out: 17 page fragments after the first page */
#define TRD_CTX_MAX 4096u

/* Random inputs: BPFRT_SEED=<n> changes them (the default is fixed). */
void trd_seed_init(void);
uint32_t trd_rnd(uint32_t n);

/* Compile src (tests/data/...) into build/tests/data/<dir>/<name>.o and
 * load it on both sides; skips the test when bpf() is unavailable. */
void trd_open(const char *src, const char *objdir, const char *name);
/* The same for a built object: what (e.g. "the helpers") names, in the
 * skip message, what is then not compared with the kernel. */
void trd_open_obj(const char *obj, const char *what);
void trd_close(void);
/* The objects trd_open loaded: libbpf's in the kernel, bpfrt's. */
struct bpf_object *trd_kernel_obj(void);
struct bpfrt_object *trd_bpfrt_obj(void);
/* The loaded objects' map of that name: the kernel's fd, bpfrt's map. */
int trd_kernel_map_fd(const char *name);
struct bpfrt_map *trd_bpfrt_map(const char *name);

struct trd_outcome {
    int err;
    uint32_t retval;
    uint32_t size_out;
    uint32_t ctx_size_out;
    uint8_t data[TRD_DATA_MAX];
    uint8_t ctx[TRD_CTX_MAX];
};

struct trd_input {
    const uint8_t *pkt;
    uint32_t len;
    const void *ctx; /* NULL: none */
    uint32_t ctx_len;
    int ctx_out;        /* ask for the context out */
    uint32_t data_room; /* data_size_out (0: the whole buffer) */
    uint32_t ctx_room;  /* ctx_size_out when ctx_out */
};

struct trd_tally {
    unsigned n, eq_fast, eq_checked;
};

/* Run program name on both sides (bpfrt twice: fast and checked) and
 * count the runs equal to the kernel's; the first mismatches are
 * printed in full. */
void trd_compare(const char *name, const struct trd_input *in, struct trd_tally *t);
/* The kernel's outcome alone (for tests that check what it does). */
void trd_kernel_run(const char *name, const struct trd_input *in, struct trd_outcome *o);
/* Print a tally and expect every run equal. */
void trd_report(const char *name, const struct trd_tally *t);

/* A packet of one of the standard shapes (kind % 9: IPv4/IPv6 with
 * TCP/UDP/ICMP, VLAN, ARP, 802.3, random) with random fields and payload
 * bytes; returns its length. */
uint32_t trd_make_packet(uint8_t *p, unsigned kind, uint32_t payload);

#endif
