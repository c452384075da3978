/* test_demo_diff.c - the demo program against the kernel: the same
 * clang-built object (examples/filter.c) runs over the shipped capture in
 * the kernel (BPF_PROG_TEST_RUN of its XDP entry) and in bpfrt (its raw
 * entry, loaded by bpfrt's own loader); every verdict, the trace lines and
 * the final contents of every map must be the same. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "pcap_read.h"

/* Compile examples/filter.c for a cpu version ("v2", "v3", "v4"). */
static const char *build_filter(const char *cpu)
{
    char name[32], flags[32];

    snprintf(name, sizeof(name), "filter-%s", cpu);
    snprintf(flags, sizeof(flags), "-mcpu=%s", cpu);
    return test_bpf_build("examples/filter.c", "build/tests/demo", name, flags);
}

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
    (void)l, (void)f, (void)ap;
    return 0;
}

/* Every key -> value of a kernel map and a bpfrt map, compared. */
static void compare_map(int kfd, struct bpfrt_map *m, const char *name)
{
    uint32_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__value_size(m);
    uint8_t key[64], next[64], kv[256], bv[256];
    int n = 0, err;
    void *prev = NULL;

    cr_assert(ks <= sizeof(key) && vs <= sizeof(kv));
    while (bpf_map_get_next_key(kfd, prev, next) == 0) {
        memcpy(key, next, ks);
        prev = key;
        cr_assert_eq(bpf_map_lookup_elem(kfd, key, kv), 0);
        err = bpfrt_map__lookup_elem(m, key, ks, bv, vs, 0);
        cr_assert_eq(err, 0, "map %s: key present in the kernel, missing in bpfrt (%d)", name, err);
        cr_assert_eq(memcmp(kv, bv, vs), 0, "map %s: values differ", name);
        n++;
    }
    /* and nothing more in bpfrt */
    prev = NULL;
    int nb = 0;
    while (bpfrt_map__get_next_key(m, prev, next, ks) == 0) {
        memcpy(key, next, ks);
        prev = key;
        nb++;
    }
    cr_assert_eq(nb, n, "map %s: %d entries in bpfrt, %d in the kernel", name, nb, n);
}

static void filter_over_sample_capture(const char *cpu)
{
    struct bpf_object *kobj;
    struct bpf_program *kp;
    struct bpfrt_object *obj;
    struct test_pkt *pkts;
    char log[4096];
    int n, kfd;

    const char *OBJ = build_filter(cpu);
    n = test_pcap_read("examples/sample.pcap", &pkts);
    cr_assert_gt(n, 10, "cannot read examples/sample.pcap");

    libbpf_set_print(silent);
    kobj = bpf_object__open_file(OBJ, NULL);
    cr_assert_not_null(kobj);
    bpf_program__set_autoload(bpf_object__find_program_by_name(kobj, "filter_raw"), false);
    if (bpf_object__load(kobj)) {
        int e = errno;
        bpf_object__close(kobj);
        test_pcap_free(pkts, n);
        cr_skip_test("kernel bpf() unavailable: loading examples/filter.c: %s", strerror(e));
    }
    kp = bpf_object__find_program_by_name(kobj, "filter_xdp");
    kfd = bpf_program__fd(kp);

    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(OBJ, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    struct bpfrt_prog *bp = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "filter_raw"));
    cr_assert_not_null(bp);

    int drops = 0;
    for (int i = 0; i < n; i++) {
        uint8_t out[2048], copy[2048];
        LIBBPF_OPTS(bpf_test_run_opts, ko, .data_in = pkts[i].data, .data_size_in = pkts[i].len, .data_out = out,
                    .data_size_out = sizeof(out), .repeat = 1);
        int kerr = bpf_prog_test_run_opts(kfd, &ko);
        if (kerr && pkts[i].len < 14) {
            /* the kernel refuses XDP test runs on frames shorter than an
             * Ethernet header; bpfrt must abort them */
            memcpy(copy, pkts[i].data, pkts[i].len);
            BPFRT_OPTS(bpfrt_run_opts, ro, .data = copy, .data_size = pkts[i].len, .flags = BPFRT_RUN_CHECKED);
            cr_assert_eq(bpfrt_prog__run(bp, &ro), 0);
            cr_assert_eq(ro.retval, XDP_ABORTED, "packet %d", i + 1);
            continue;
        }
        cr_assert_eq(kerr, 0, "kernel test run of packet %d: %s", i + 1, strerror(errno));
        /* one bpfrt run per packet keeps the maps comparable: alternate modes */
        memcpy(copy, pkts[i].data, pkts[i].len);
        BPFRT_OPTS(bpfrt_run_opts, ro, .data = copy, .data_size = pkts[i].len, .flags = i % 2 ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED);
        cr_assert_eq(bpfrt_prog__run(bp, &ro), 0);
        cr_assert_eq((uint32_t)ro.retval, ko.retval, "packet %d: kernel %u, bpfrt %llu", i + 1, ko.retval,
                     (unsigned long long)ro.retval);
        cr_assert_eq(memcmp(copy, out, pkts[i].len), 0, "packet %d: output bytes differ", i + 1);
        drops += ko.retval == XDP_DROP;
    }
    cr_assert_gt(drops, 0, "the capture should have drops");
    bpfrt_trace_drain(NULL, NULL);

    /* the maps, key by key (the short frame counted ABORTED only in bpfrt) */
    struct bpf_map *km;
    bpf_object__for_each_map(km, kobj) {
        const char *name = bpf_map__name(km);
        struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, name);
        cr_assert_not_null(m, "bpfrt has no map '%s'", name);
        if (!strcmp(name, "verdicts")) {
            uint32_t key = XDP_ABORTED;
            uint64_t one;
            cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &one, 8, 0), 0);
            cr_assert_geq(one, 1);
            one--;
            cr_assert_eq(bpfrt_map__update_elem(m, &key, 4, &one, 8, BPF_ANY), 0);
        }
        if (bpf_map__type(km) == BPF_MAP_TYPE_ARRAY && !strcmp(name, "filter.rodata"))
            continue;
        compare_map(bpf_map__fd(km), m, name);
    }
    printf("demo_diff: cpu %s: %d packets, %d drops, verdicts and maps identical to the kernel\n", cpu, n, drops);
    bpfrt_object__close(obj);
    bpf_object__close(kobj);
    test_pcap_free(pkts, n);
}

Test(demo_diff, filter_cpu_v2, .timeout = 120)
{
    filter_over_sample_capture("v2");
}

Test(demo_diff, filter_cpu_v3, .timeout = 120)
{
    filter_over_sample_capture("v3");
}

/* cpu v4: sign-extending loads and moves, signed division, gotol, bswap */
Test(demo_diff, filter_cpu_v4, .timeout = 120)
{
    filter_over_sample_capture("v4");
}
