/* obj_pair.h - one BPF object, compiled at test time, loaded in the
 * kernel (libbpf) and in bpfrt side by side, and the repeatable random
 * numbers of the test-run differential suites (test_testrun_diff.c,
 * test_skb_helpers_diff.c).  Header-only: each suite has its own pair. */
#ifndef BPFRT_TEST_OBJ_PAIR_H
#define BPFRT_TEST_OBJ_PAIR_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "../unit/bpf_build.h"
#include "trdiff.h"

/* xorshift64*, seeded from BPFRT_SEED or the suite's default. */
static uint64_t rng_state;

static void pair_seed(uint64_t dflt)
{
    const char *s = getenv("BPFRT_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : dflt;
    rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
}

/* A number below n (0 for n 0). */
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return n ? (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n : 0;
}

/* n bytes in hex, 16 a line, into buf */
static void hex(char *buf, size_t bufsz, const uint8_t *p, uint32_t n)
{
    size_t k = 0;
    for (uint32_t i = 0; i < n && k + 4 < bufsz; i++)
        k += (size_t)snprintf(buf + k, bufsz - k, "%02x%s", p[i], i % 16 == 15 ? "\n" : " ");
    buf[k] = 0;
}

/* The object on both sides (trdiff.c): compile src into objdir/name.o and
 * load it; skips the test (saying what is not compared) where bpf() is
 * unavailable. */
static void pair_open(const char *src, const char *objdir, const char *name, const char *what)
{
    trd_open_obj(test_bpf_build(src, objdir, name, ""), what);
}

static void pair_close(void)
{
    trd_close();
}

#endif
