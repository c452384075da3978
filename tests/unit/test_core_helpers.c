/* test_core_helpers.c - the core helpers' edge cases, each against the
 * kernel behaviour it matches (the kernel-differential suite
 * core_helpers_diff compares the same helpers with the running kernel):
 * bpf_spin_lock at run time and BPF_F_LOCK, bpf_perf_event_output's
 * packet bytes (BPF_F_CTXLEN_MASK), the format engine's rules where the
 * kernel is not at hand, bpf_strtol/strtoul/strncmp, the clocks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "engine/run.h"
#include "helpers/bprintf.h"
#include "helpers/helpers.h"
#include "maps/perf_event_array.h"

#define OBJDIR "build/tests/data/helpers"

static struct bpfrt_object *obj;

static void obj_open(void)
{
    const char *path = test_bpf_build("tests/data/helpers/core_unit.c", OBJDIR, "core_unit", "");
    char log[4096];
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    cr_assert_eq(bpfrt_object__open_file(path, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
}

static void obj_close(void)
{
    bpfrt_object__close(obj);
}

static struct bpfrt_prog *prog(const char *name)
{
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, name));
    cr_assert_not_null(p, "no program %s", name);
    return p;
}

static struct bpfrt_map *map(const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, name);
    cr_assert_not_null(m, "no map %s", name);
    return m;
}

struct locked {
    uint32_t l, pad;
    uint64_t a, b;
};

/* ------------------------------------------------------------ spin lock */

static void *runner(void *arg)
{
    uint8_t pkt[64] = {0};
    char err[256];
    (void)arg;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .repeat = 20000, .err_buf = err,
               .err_size = sizeof(err));
    return (void *)(intptr_t)bpfrt_prog__run(prog("lock_inc"), &ro);
}

Test(core_helpers, spin_lock_excludes_bpf_f_lock_lookups, .init = obj_open, .fini = obj_close)
{
    /* kernel: bpf_spin_lock and a BPF_F_LOCK lookup take the same lock
     * (copy_map_value_locked), so user space never sees a half update */
    pthread_t t[2];
    struct locked v;
    uint32_t key = 0;
    unsigned torn = 0, looks = 0;
    void *rc;

    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, runner, NULL), 0);
    for (; looks < 200000; looks++) {
        cr_assert_eq(bpfrt_map__lookup_elem(map("lk"), &key, 4, &v, sizeof(v), BPF_F_LOCK), 0);
        torn += v.a != v.b;
        if (v.a == 40000)
            break;
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], &rc);
        cr_assert_eq((intptr_t)rc, 0);
    }
    cr_assert_eq(torn, 0, "%u of %u BPF_F_LOCK lookups saw a != b", torn, looks);
    cr_assert_eq(bpfrt_map__lookup_elem(map("lk"), &key, 4, &v, sizeof(v), BPF_F_LOCK), 0);
    cr_assert_eq(v.a, 40000, "increments lost: a = %llu", (unsigned long long)v.a);
    cr_assert_eq(v.b, 40000);
    cr_assert_eq(v.l, 0, "the lock word reads as 0 from user space (check_and_init_map_value)");
}

Test(core_helpers, spin_lock_held_at_exit_is_released, .init = obj_open, .fini = obj_close)
{
    /* the kernel's verifier refuses an exit inside the critical section;
     * bpfrt's checked run of unverified code fails, and the lock is
     * released so that BPF_F_LOCK users do not wait forever */
    char err[256];
    struct locked v;
    uint32_t key = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_prog__run(prog("lock_leak"), &ro), -EINVAL);
    cr_assert(strstr(err, "ended holding a bpf_spin_lock") != NULL, "%s", err);
    alarm(10);
    cr_assert_eq(bpfrt_map__lookup_elem(map("lk"), &key, 4, &v, sizeof(v), BPF_F_LOCK), 0);
    alarm(0);
    cr_assert_eq(v.a, 1);
}

Test(core_helpers, spin_lock_must_be_a_values_lock_word, .init = obj_open, .fini = obj_close)
{
    /* kernel: process_spin_lock refuses a pointer that is not the value's
     * bpf_spin_lock ("off %d doesn't point to 'struct bpf_spin_lock'") */
    char err[256];
    BPFRT_OPTS(bpfrt_run_opts, ro, .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_prog__run(prog("lock_bad"), &ro), -EFAULT);
    cr_assert(strstr(err, "is not the bpf_spin_lock of a map value") != NULL, "%s", err);
}

/* ---------------------------------------------------- perf event output */

struct rec {
    uint8_t b[256];
    uint32_t n, cnt;
};

static void keep_rec(void *ctx, uint32_t slot, void *data, uint32_t size)
{
    struct rec *r = ctx;
    (void)slot;
    r->cnt++;
    r->n = size < sizeof(r->b) ? size : sizeof(r->b);
    memcpy(r->b, data, r->n);
}

static int64_t perf_run(const char *name, uint64_t flags, uint64_t strip, const uint8_t *pkt, size_t len)
{
    uint32_t k;
    uint64_t v, ret = 0;
    char err[256];

    k = 0, v = flags;
    cr_assert_eq(bpfrt_map__update_elem(map("cfg"), &k, 4, &v, 8, 0), 0);
    k = 1, v = strip;
    cr_assert_eq(bpfrt_map__update_elem(map("cfg"), &k, 4, &v, 8, 0), 0);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = (void *)pkt, .data_size = len, .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(prog(name), &ro), 0, "%s", err);
    k = 2;
    cr_assert_eq(bpfrt_map__lookup_elem(map("cfg"), &k, 4, &ret, 8, 0), 0);
    return (int64_t)ret;
}

Test(core_helpers, perf_event_output_appends_packet_bytes, .init = obj_open, .fini = obj_close)
{
    /* bpf_xdp_event_output / bpf_skb_event_output: flags' upper 32 bits
     * (BPF_F_CTXLEN_MASK) append that many packet bytes after the data,
     * from the packet's current start; errors in the kernel's order */
    uint8_t pkt[64];
    uint32_t k = 0, one = 1;
    struct rec r;
    const uint64_t d = 0x1122334455667788ull;

    for (int i = 0; i < 64; i++)
        pkt[i] = (uint8_t)(0xa0 + i);
    cr_assert_eq(bpfrt_map__update_elem(map("pea"), &k, 4, &one, 4, 0), 0); /* slot 0 open */
    struct bpfrt_map *pe = map("pea");

    for (int tc = 0; tc < 2; tc++) {
        const char *name = tc ? "perf_skb" : "perf_xdp";
        memset(&r, 0, sizeof(r));
        cr_assert_eq(perf_run(name, BPF_F_CURRENT_CPU | (20ull << 32), 0, pkt, sizeof(pkt)), 0);
        cr_assert_eq(map_perf_event_array_read(pe, 0, keep_rec, NULL, &r), 1);
        cr_assert_geq(r.n, 28, "%s: %u bytes", name, r.n);
        cr_assert_eq(memcmp(r.b, &d, 8), 0);
        cr_assert_eq(memcmp(r.b + 8, pkt, 20), 0, "%s: the packet's first 20 bytes follow the data", name);
        /* more than the packet has: -EFAULT, nothing written */
        cr_assert_eq(perf_run(name, BPF_F_CURRENT_CPU | (65ull << 32), 0, pkt, sizeof(pkt)), -EFAULT);
        /* a flag outside BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK: -EINVAL first */
        cr_assert_eq(perf_run(name, (1ull << 60) | (65ull << 32), 0, pkt, sizeof(pkt)), -EINVAL);
        /* then the index: past max_entries -E2BIG, a closed slot -ENOENT */
        cr_assert_eq(perf_run(name, 9 | (4ull << 32), 0, pkt, sizeof(pkt)), -E2BIG);
        cr_assert_eq(perf_run(name, 1 | (4ull << 32), 0, pkt, sizeof(pkt)), -ENOENT);
        cr_assert_eq(map_perf_event_array_read(pe, 0, keep_rec, NULL, &r), 0);
    }
    /* XDP: from the data pointer after bpf_xdp_adjust_head */
    memset(&r, 0, sizeof(r));
    cr_assert_eq(perf_run("perf_xdp", BPF_F_CURRENT_CPU | (8ull << 32), 14, pkt, sizeof(pkt)), 0);
    cr_assert_eq(map_perf_event_array_read(pe, 0, keep_rec, NULL, &r), 1);
    cr_assert_eq(memcmp(r.b + 8, pkt + 14, 8), 0);
    /* the packet is 50 bytes now */
    cr_assert_eq(perf_run("perf_xdp", BPF_F_CURRENT_CPU | (51ull << 32), 14, pkt, sizeof(pkt)), -EFAULT);
}

/* ------------------------------------------------------- format engine */

static int fmt(char *out, size_t n, struct rt_run *run, const char *f, uint64_t a0, uint64_t a1, uint64_t a2)
{
    const uint64_t args[3] = {a0, a1, a2};
    return hlp_bprintf(run, out, n, f, (uint32_t)strlen(f) + 1, args, 3);
}

Test(core_helpers, bprintf_unreadable_strings_print_empty)
{
    /* kernel: bpf_trace_copy_string fails (strncpy_from_kernel_nofault)
     * and the argument becomes "" without an error; %pI4 of an unreadable
     * address prints 0.0.0.0 (copy_from_kernel_nofault zeroes it) */
    char out[128];

    cr_assert_eq(fmt(out, sizeof(out), NULL, "[%s|%pks]", 8, 0, 0), 3);
    cr_assert_str_eq(out, "[|]");
    cr_assert_eq(fmt(out, sizeof(out), NULL, "%pI4", 16, 0, 0), 7);
    cr_assert_str_eq(out, "0.0.0.0");
    /* a checked run: only the run's regions are readable, and the probe
     * does not fail the run */
    struct rt_run *run = calloc(1, sizeof(*run));
    static char visible[] = "seen";
    char hidden[] = "hidden";
    run->checked = 1;
    run->budget = 1;
    cr_assert_eq(rt_add_region(run, (uint64_t)(uintptr_t)visible, sizeof(visible), RT_R, "map value"), 0);
    cr_assert_eq(fmt(out, sizeof(out), run, "%s %s|", (uint64_t)(uintptr_t)visible, (uint64_t)(uintptr_t)hidden, 0), 6);
    cr_assert_str_eq(out, "seen |");
    cr_assert_eq(run->err, 0, "%s", run->errmsg);
    free(run);
}

Test(core_helpers, bprintf_pus_reads_no_user_memory)
{
    /* kernel: %pus reads user memory (strncpy_from_user_nofault); a BPF
     * program's pointers are kernel ones, so it prints "" (shown by
     * core_helpers_diff: "[%pks|%pus|...]" gives "[hello||...]") */
    char out[64];
    static char s[] = "hello";

    cr_assert_eq(fmt(out, sizeof(out), NULL, "[%pus]", (uint64_t)(uintptr_t)s, 0, 0), 2);
    cr_assert_str_eq(out, "[]");
}

Test(core_helpers, bprintf_check_counts_arguments_and_refuses_what_the_kernel_refuses)
{
    /* check_bpf_snprintf_call: bpf_bprintf_prepare with no arguments */
    cr_assert_eq(hlp_bprintf_check("%d", 3, 1), 0);
    cr_assert_eq(hlp_bprintf_check("%d", 3, 0), -EINVAL);
    cr_assert_eq(hlp_bprintf_check("%d %s", 6, 1), -EINVAL);
    cr_assert_eq(hlp_bprintf_check("100%%", 6, 0), 0);
    cr_assert_eq(hlp_bprintf_check("%.2d", 5, 1), -EINVAL);
    cr_assert_eq(hlp_bprintf_check("%pi6 %pI4", 10, 2), 0);
    cr_assert_eq(hlp_bprintf_check("%pe", 4, 1), -EINVAL);
    cr_assert_eq(hlp_bprintf_check("tab\there", 9, 0), 0); /* white space is printable here */
    cr_assert_eq(hlp_bprintf_check("nul", 3, 0), -EINVAL); /* no NUL within fmt_size */
}

Test(core_helpers, bprintf_truncates_and_returns_the_full_length)
{
    /* bstr_printf: the return value is what the whole output needs; the
     * buffer holds size - 1 bytes and a NUL */
    char out[8];

    cr_assert_eq(fmt(out, sizeof(out), NULL, "%d-%d-%d", 1111, 2222, 3333), 14);
    cr_assert_str_eq(out, "1111-22");
    cr_assert_eq(fmt(out, 0, NULL, "%05d", 7, 0, 0), 5);
    /* a NUL from %c stays in the output and counts */
    memset(out, 'z', sizeof(out));
    cr_assert_eq(fmt(out, sizeof(out), NULL, "a%cb", 0, 0, 0), 3);
    cr_assert_eq(memcmp(out, "a\0b\0", 4), 0);
}

/* ---------------------------------------------------- strtol / strncmp */

static int64_t call(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4)
{
    struct rt_run *run = calloc(1, sizeof(*run));
    const struct hlp_desc *d = hlp_find(id);
    cr_assert(d && d->fn);
    int64_t r = (int64_t)d->fn(r1, r2, r3, r4, 0, run);
    free(run);
    return r;
}

Test(core_helpers, strtol_strtoul_follow_kernel_rules)
{
    /* __bpf_strtoull / __bpf_strtoll (kernel/bpf/helpers.c) and
     * _parse_integer_fixup_radix (lib/kstrtox.c) */
    static const struct {
        const char *s;
        uint64_t flags;
        int64_t l_ret, l_res, u_ret;
        uint64_t u_res;
    } cases[] = {
        {" \t-12x", 0, 5, -12, -EINVAL, 0},                     /* '-' for strtoul: -EINVAL */
        {"0x1fz", 0, 4, 31, 4, 31},                             /* base 0: 0x + a hex digit is 16 */
        {"0xz", 0, 1, 0, 1, 0},                                 /* 0x without a hex digit: octal "0" */
        {"0xz", 16, -EINVAL, 0, -EINVAL, 0},                    /* base 16 skips "0x", then no digit */
        {"0789", 0, 2, 7, 2, 7},                                /* a leading 0 is octal */
        {"12", 2, -EINVAL, 0, -EINVAL, 0},                      /* only bases 0, 8, 10, 16 */
        {"12", 32 | 10, -EINVAL, 0, -EINVAL, 0},                /* no flag beyond the base */
        {"9223372036854775808", 0, -ERANGE, 0, 19, 1ull << 63}, /* over LLONG_MAX */
        {"-9223372036854775808", 0, 20, INT64_MIN, -EINVAL, 0},
        {"18446744073709551616", 0, -ERANGE, 0, -ERANGE, 0}, /* _parse_integer overflow */
        {"\xa0"
         "5",
         0, 2, 5, 2, 5}, /* the kernel's isspace has 0xa0 */
        {"   ", 0, -EINVAL, 0, -EINVAL, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t res = 77;
        size_t len = strlen(cases[i].s);
        int64_t r =
            call(BPF_FUNC_strtol, (uint64_t)(uintptr_t)cases[i].s, len, cases[i].flags, (uint64_t)(uintptr_t)&res);
        cr_expect_eq(r, cases[i].l_ret, "strtol('%s', %#llx) = %lld", cases[i].s, (unsigned long long)cases[i].flags,
                     (long long)r);
        cr_expect_eq(res, cases[i].l_res, "strtol('%s') res %lld", cases[i].s, (long long)res);
        uint64_t ures = 77;
        r = call(BPF_FUNC_strtoul, (uint64_t)(uintptr_t)cases[i].s, len, cases[i].flags, (uint64_t)(uintptr_t)&ures);
        cr_expect_eq(r, cases[i].u_ret, "strtoul('%s') = %lld", cases[i].s, (long long)r);
        cr_expect_eq(ures, cases[i].u_res, "strtoul('%s') res %llu", cases[i].s, (unsigned long long)ures);
    }
    /* at most 63 characters after the sign are looked at (char str[64]) */
    char z[80];
    memset(z, '0', 70);
    z[69] = '7';
    z[70] = 0;
    int64_t res;
    cr_expect_eq(call(BPF_FUNC_strtol, (uint64_t)(uintptr_t)z, 70, 0, (uint64_t)(uintptr_t)&res), 63);
    cr_expect_eq(res, 0);
}

Test(core_helpers, strncmp_returns_the_sign_of_unsigned_bytes)
{
    /* lib/string.c strncmp: -1 / 0 / 1, bytes compared unsigned, stops at
     * s1_sz or a NUL */
    cr_expect_eq(call(BPF_FUNC_strncmp, (uint64_t)(uintptr_t) "abc", 3, (uint64_t)(uintptr_t) "abd", 0), -1);
    cr_expect_eq(call(BPF_FUNC_strncmp, (uint64_t)(uintptr_t) "abz", 2, (uint64_t)(uintptr_t) "abd", 0), 0);
    cr_expect_eq(call(BPF_FUNC_strncmp, (uint64_t)(uintptr_t) "a\xff", 2, (uint64_t)(uintptr_t) "a\x01", 0), 1);
    cr_expect_eq(call(BPF_FUNC_strncmp, (uint64_t)(uintptr_t) "", 1, (uint64_t)(uintptr_t) "", 0), 0);
}

Test(core_helpers, clocks_are_the_kernels_clocks)
{
    /* ktime_get_coarse_ns: CLOCK_MONOTONIC_COARSE; ktime_get_tai_ns:
     * CLOCK_TAI; jiffies64: grows by HZ a second */
    struct timespec a, b;
    clock_gettime(CLOCK_TAI, &a);
    int64_t tai = call(BPF_FUNC_ktime_get_tai_ns, 0, 0, 0, 0);
    clock_gettime(CLOCK_TAI, &b);
    cr_expect_geq(tai, a.tv_sec * 1000000000ll + a.tv_nsec);
    cr_expect_leq(tai, b.tv_sec * 1000000000ll + b.tv_nsec);
    clock_gettime(CLOCK_MONOTONIC_COARSE, &a);
    int64_t coarse = call(BPF_FUNC_ktime_get_coarse_ns, 0, 0, 0, 0);
    cr_expect_geq(coarse, a.tv_sec * 1000000000ll + a.tv_nsec);
    cr_expect_lt(coarse, a.tv_sec * 1000000000ll + a.tv_nsec + 100000000ll);
    int64_t j0 = call(BPF_FUNC_jiffies64, 0, 0, 0, 0);
    usleep(200000);
    int64_t j1 = call(BPF_FUNC_jiffies64, 0, 0, 0, 0);
    cr_expect(j1 - j0 >= 200 * 24 / 1000 && j1 - j0 <= 400 * 10000 / 1000, "jiffies %lld -> %lld", (long long)j0,
              (long long)j1);
}

Test(core_helpers, spin_lock_in_a_checked_run_of_verified_code, .init = obj_open, .fini = obj_close)
{
    /* --checked: the same program, every lock argument validated against
     * the map's own rule for its bytes (the value's bpf_spin_lock) */
    uint8_t pkt[64] = {0};
    char err[256];
    struct locked v;
    uint32_t key = 0;
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .repeat = 10, .flags = BPFRT_RUN_CHECKED,
               .err_buf = err, .err_size = sizeof(err));

    cr_assert_eq(bpfrt_prog__run(prog("lock_inc"), &ro), 0, "%s", err);
    cr_assert_eq(bpfrt_map__lookup_elem(map("lk"), &key, 4, &v, sizeof(v), BPF_F_LOCK), 0);
    cr_assert_eq(v.a, 10);
    cr_assert_eq(v.b, 10);
}
