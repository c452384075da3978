/* test_lpm_lazy.c - an LPM trie allocates its nodes on demand, as the
 * kernel's (issue 7, item 5): creating one with max_entries 2^32-1 costs
 * next to nothing in memory and in its pin's blocks, it works (inserts,
 * longest-prefix lookups, deletes, reuse of freed nodes), and a pin of it
 * is shared and grows from either side.  Before the fix the creation
 * touched every node (21 GB resident for 2^32-1 entries). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/bpfrt-lpm-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("BPFRT_FS", dir, 1); /* pins live under the state directory */
}

static void teardown(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
}

TestSuite(maps_lpm_lazy, .init = setup, .fini = teardown, .timeout = 60);

/* Resident bytes of this process (/proc/self/statm, second field). */
static uint64_t resident(void)
{
    unsigned long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%lu %lu", &size, &res), 2);
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

struct key4 {
    uint32_t plen;
    uint8_t data[4];
};

static struct key4 k4(uint32_t plen, uint32_t addr)
{
    struct key4 k = {plen, {addr >> 24, addr >> 16, addr >> 8, addr}};
    return k;
}

static struct bpfrt_map *huge_trie(void)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = BPF_F_NO_PREALLOC, .nr_workers = 2};
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(BPF_MAP_TYPE_LPM_TRIE, "huge", sizeof(struct key4), 8, UINT32_MAX, &o, &m);

    cr_assert_eq(err, 0, "create: %d", err);
    return m;
}

Test(maps_lpm_lazy, huge_max_entries_is_small_and_works)
{
    uint64_t before = resident(), after, v, got;
    struct bpfrt_map *m = huge_trie();
    struct key4 k;

    after = resident();
    cr_assert_lt(after - before, 4u << 20, "creating grew resident memory by %llu bytes",
                 (unsigned long long)(after - before));
    cr_assert_eq(bpfrt_map__max_entries(m), UINT32_MAX);

    /* 20000 /24s under 10.0.0.0/8, and the /8 itself */
    k = k4(8, 0x0a000000);
    v = 8;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, sizeof(k), &v, 8, BPF_NOEXIST), 0);
    for (uint32_t i = 0; i < 20000; i++) {
        k = k4(24, 0x0a000000 | i << 8);
        v = i;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, sizeof(k), &v, 8, BPF_NOEXIST), 0, "insert %u", i);
    }
    for (uint32_t i = 0; i < 20000; i += 13) {
        k = k4(32, 0x0a000000 | i << 8 | 77);
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, sizeof(k), &got, 8, 0), 0);
        cr_assert_eq(got, i);
    }
    k = k4(32, 0x0aff0001); /* past the /24s: the /8 */
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, sizeof(k), &got, 8, 0), 0);
    cr_assert_eq(got, 8);

    /* churn on one prefix reuses freed nodes: memory stays flat */
    before = resident();
    for (uint32_t i = 0; i < 200000; i++) {
        k = k4(32, 0xc0a80001);
        v = i;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, sizeof(k), &v, 8, 0), 0);
        cr_assert_eq(bpfrt_map__delete_elem(m, &k, sizeof(k), 0), 0);
    }
    after = resident();
    cr_assert_lt(after > before ? after - before : 0, 1u << 20, "churn grew resident memory by %llu bytes",
                 (unsigned long long)(after - before));
    bpfrt_map__free(m);
}

Test(maps_lpm_lazy, huge_pin_is_small_shared_and_grows)
{
    struct bpfrt_map *m = huge_trie(), *q = NULL;
    char path[300];
    struct stat st;
    struct key4 k;
    uint64_t v, got;

    for (uint32_t i = 0; i < 1000; i++) {
        k = k4(32, 0x01000000 + i);
        v = i;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, sizeof(k), &v, 8, 0), 0);
    }
    snprintf(path, sizeof(path), "%s/huge", dir);
    cr_assert_eq(bpfrt_map__pin(m, path), 0, "%s", bpfrt_pin_error());
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_lt((uint64_t)st.st_blocks * 512, 2u << 20, "pin uses %lld bytes", (long long)st.st_blocks * 512);

    cr_assert_eq(bpfrt_map__open_pinned(path, &q), 0, "%s", bpfrt_pin_error());
    /* the other opener inserts past what was carved at pin time */
    for (uint32_t i = 1000; i < 30000; i++) {
        k = k4(32, 0x01000000 + i);
        v = i;
        cr_assert_eq(bpfrt_map__update_elem(q, &k, sizeof(k), &v, 8, 0), 0, "insert %u", i);
    }
    for (uint32_t i = 0; i < 30000; i += 11) {
        k = k4(32, 0x01000000 + i);
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, sizeof(k), &got, 8, 0), 0, "lookup %u", i);
        cr_assert_eq(got, i);
    }
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_lt((uint64_t)st.st_blocks * 512, 8u << 20, "pin uses %lld bytes", (long long)st.st_blocks * 512);
    bpfrt_map__free(q);
    bpfrt_map__free(m);
}
