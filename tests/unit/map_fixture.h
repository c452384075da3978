/* map_fixture.h - what the map and pin tests share: a path under the
 * test's state directory, and a map created (or the test fails).
 * Header-only. */
#ifndef BPFRT_TEST_MAP_FIXTURE_H
#define BPFRT_TEST_MAP_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "bpfrt/bpfrt.h"

/* dir/name, in one of four rotating buffers (so a call may use several). */
static inline const char *fx_path(const char *dir, const char *name)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 512, "%s/%.200s", dir, name);
    return b;
}

/* A map with two workers (per-CPU maps: two slots). */
static inline struct bpfrt_map *fx_map(enum bpf_map_type t, const char *name, uint32_t ks, uint32_t vs, uint32_t me,
                                       uint32_t flags)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = flags, .nr_workers = 2};
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(t, name, ks, vs, me, &o, &m);
    cr_assert_eq(err, 0, "create %s (type %d): %d", name, t, err);
    return m;
}

#endif
