/* test_cli_testrun.c - `prog run PROG data_in F [data_out -] [ctx_in F
 * [ctx_out -]] [repeat N]` prints what bpftool prints for the same test
 * run in the kernel (bpftool's do_run: the bytes out first, as its
 * hex_print in text and as byte arrays in JSON, then retval and duration),
 * checked against bpftool itself when it and the kernel are at hand; and
 * duration is the mean of the repeat runs (the kernel's bpf_test_timer). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "expected \"%s\" in:\n%s", (sub), (s))

static const char *obj(void)
{
    return test_bpf_build("tests/data/bpf/testrun_out.c", "build/tests/cli_testrun", "testrun_out", "");
}

/* "duration: 123ns" / "\"duration\":123" -> "duration: Nns" / "\"duration\":N", in place */
static void mask_duration(char *s)
{
    static const char *keys[] = {"duration: ", "duration (average): ", "\"duration\":", "\"duration\": "};
    for (size_t k = 0; k < 4; k++)
        for (char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
            char *d = p + strlen(keys[k]), *e = d;
            while (*e >= '0' && *e <= '9')
                e++;
            if (e == d)
                continue;
            *d = 'N';
            memmove(d + 1, e, strlen(e) + 1);
        }
}

Test(cli_testrun, bpftool_layout)
{
    struct out r;

    /* packet.bin is 87 bytes; flip: byte 0 ^= 0xff, byte 1 = 0x42, XDP_TX */
    r = cli_sh("%s prog run obj %s prog flip data_in examples/packet.bin data_out -", cli_bin(), obj());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(!strncmp(r.stdout_,
                       "0000000\tfd42 0000 0002 0200 0000 0001 0800 4500 | .B...... ......E.\n"
                       "0000010\t0049 0001 4000 4006 26ac 0a00 0001 0a00 | .I..@.@. &.......\n",
                       136),
              "%s", r.stdout_);
    /* the last line: 7 bytes, padded to the ASCII column */
    HAS(r.stdout_, "\n0000050\t706c 650d 0a0d 0a                       | ple....\nReturn value: 3, duration: ");
    out_free(&r);
    r = cli_sh("%s -j prog run obj %s prog flip data_in examples/packet.bin data_out - repeat 3", cli_bin(), obj());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    /* three runs on one context, as the kernel's repeat: byte 0 flipped three times */
    cr_assert(!strncmp(r.stdout_, "{\"data_out\":[253,66,0,0,0,2,2,0,", 32), "%s", r.stdout_);
    HAS(r.stdout_, "],\"retval\":3,\"duration\":");
    HAS(r.stdout_, ",\"trace\":[]}\n");
    out_free(&r);
}

/* The same runs through bpftool in the kernel: the same text and JSON but
 * for the duration. */
Test(cli_testrun, same_as_bpftool_in_the_kernel)
{
    char pin[64], ctx[64];
    static const unsigned char md[24] = {0, 0, 0, 0, 87}; /* xdp_md: data 0, data_end 87 */
    static const char *cases[] = {
        "data_in examples/packet.bin data_out -",
        "data_in examples/packet.bin data_out - repeat 5",
        "-j data_in examples/packet.bin data_out -",
        "-p data_in examples/packet.bin data_out -",
        "data_in examples/packet.bin data_out - ctx_in %s ctx_out -",
        "-j data_in examples/packet.bin data_out - ctx_in %s ctx_out -",
    };
    struct out r;
    FILE *f;

    snprintf(pin, sizeof(pin), "/sys/fs/bpf/bpfrt-cli-testrun-%d", getpid());
    r = cli_sh("bpftool prog load %s %s type xdp 2>&1 && bpftool prog show pinned %s >/dev/null", obj(), pin, pin);
    if (r.status) {
        out_free(&r);
        r = cli_sh("rm -f %s", pin);
        out_free(&r);
        cr_skip_test("bpftool cannot load into the kernel (bpf() or bpffs unavailable)");
    }
    out_free(&r);
    snprintf(ctx, sizeof(ctx), "/tmp/bpfrt-cli-testrun-ctx-%d", getpid());
    f = fopen(ctx, "wb");
    cr_assert_not_null(f);
    fwrite(md, 1, sizeof(md), f);
    fclose(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char args[256], opt[8] = "";
        const char *a = cases[i];
        struct out k, b;

        if (a[0] == '-') {
            snprintf(opt, sizeof(opt), "%.2s", a);
            a += 3;
        }
        snprintf(args, sizeof(args), a, ctx);
        /* bpftool runs the first program of the object: flip */
        k = cli_sh("bpftool %s prog run pinned %s %s", opt, pin, args);
        b = cli_sh("%s %s prog run obj %s prog flip %s", cli_bin(), opt, obj(), args);
        cr_assert_eq(k.status, 0, "bpftool %s: %s", args, k.stderr_);
        cr_assert_eq(b.status, 0, "bpfrt %s: %s", args, b.stderr_);
        /* bpfrt adds its trace lines in JSON */
        char *t = strstr(b.stdout_, opt[1] == 'p' ? ",\n    \"trace\": []" : ",\"trace\":[]");
        if (opt[0])
            cr_assert_not_null(t, "%s", b.stdout_);
        if (t)
            memmove(t, t + strlen(opt[1] == 'p' ? ",\n    \"trace\": []" : ",\"trace\":[]"),
                    strlen(t + strlen(opt[1] == 'p' ? ",\n    \"trace\": []" : ",\"trace\":[]")) + 1);
        mask_duration(k.stdout_);
        mask_duration(b.stdout_);
        cr_assert_str_eq(b.stdout_, k.stdout_, "%s %s: bpftool\n%s\nbpfrt\n%s", opt, args, k.stdout_, b.stdout_);
        out_free(&k);
        out_free(&b);
    }
    unlink(ctx);
    r = cli_sh("rm -f %s", pin);
    out_free(&r);
}

/* repeat N: duration is the mean ns per run.  The program stamps its
 * first and last run (bpf_ktime_get_ns, CLOCK_MONOTONIC): N x duration
 * covers what lies between them and fits in the wall time of the call;
 * a total instead of a mean would not fit. */
Test(cli_testrun, repeat_reports_the_mean)
{
    struct bpfrt_object *o;
    struct bpfrt_prog *p;
    struct timespec t0, t1;
    uint64_t times[2], wall;
    uint32_t k;
    uint8_t pkt[64] = {0};
    const uint32_t repeat = 20000;

    cr_assert_eq(bpfrt_object__open_file(obj(), NULL, &o), 0);
    cr_assert_eq(bpfrt_object__load(o), 0);
    p = bpfrt_program__prog(bpfrt_object__find_program_by_name(o, "stamp"));
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .repeat = repeat);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(bpfrt_prog__run(p, &ro), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    wall = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
    for (k = 0; k < 2; k++)
        cr_assert_eq(bpfrt_map__lookup_elem(bpfrt_object__find_map_by_name(o, "times"), &k, 4, &times[k], 8, 0), 0);
    cr_assert_gt(times[1], times[0]);
    /* duration is rounded down: N x (duration + 1) covers the runs */
    cr_assert_geq((ro.duration_ns + 1) * repeat, times[1] - times[0], "mean %llu ns x %u < %llu ns between runs",
                  (unsigned long long)ro.duration_ns, repeat, (unsigned long long)(times[1] - times[0]));
    cr_assert_leq(ro.duration_ns * repeat, wall, "mean %llu ns x %u > %llu ns of wall time",
                  (unsigned long long)ro.duration_ns, repeat, (unsigned long long)wall);
    bpfrt_object__close(o);
}
