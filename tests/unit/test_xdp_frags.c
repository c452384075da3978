/* test_xdp_frags.c - multi-buffer XDP test runs without a kernel (suite
 * xdp_frags): fixed cases of what the kernel does (net/bpf/test_run.c
 * bpf_prog_test_run_xdp, net/core/filter.c bpf_xdp_adjust_tail with
 * bpf_xdp_frags_increase_tail / _shrink_tail), each value here the one
 * the running kernel gives (tests/kernel-diff/test_xdp_frags_diff.c
 * compares random cases with it).  The program is frags_ops of
 * tests/data/testrun/frags.c: two bpf_xdp_adjust_tail calls with
 * bpf_xdp_get_buff_len after each, its results written at byte 32. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "bpf_build.h"
#include "cli_run.h"

#define LINEAR 3520u /* 4096 - 256 of headroom - 320 of skb_shared_info */

static struct bpfrt_object *obj;
static uint8_t in[80000], out[80000];

static struct bpfrt_prog *frags_prog(void)
{
    const char *path = test_bpf_build("tests/data/testrun/frags.c", "build/tests/data/testrun", "frags", "");
    char log[8192] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_object__open_file(path, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    return bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "frags_ops"));
}

struct res {
    int err;
    uint32_t size_out;
    int32_t tail1, len1, tail2, len2, linear;
};

/* A run on len bytes with the two tail offsets (loads and stores at
 * offset 0, no head move). */
static struct res run(struct bpfrt_prog *p, uint32_t len, int32_t tail1, int32_t tail2)
{
    struct res r = {0};
    uint32_t v[10];
    char err[256] = "";

    for (uint32_t i = 0; i < len; i++)
        in[i] = (uint8_t)(i * 13 + 1);
    memset(in + 16, 0, 16);
    memcpy(in + 16, &tail1, 4);
    memcpy(in + 20, &tail2, 4);
    BPFRT_OPTS(bpfrt_run_opts, ro, .data = in, .data_size = len, .data_out = out, .data_size_out = sizeof(out),
               .err_buf = err, .err_size = sizeof(err));
    r.err = bpfrt_prog__run(p, &ro);
    cr_assert(r.err == 0 || r.err == -ENOMEM || r.err == -EINVAL, "%s", err);
    r.size_out = (uint32_t)ro.data_size_out;
    if (r.err || r.size_out < 72)
        return r;
    memcpy(v, out + 32, sizeof(v));
    r.tail1 = (int32_t)v[0], r.len1 = (int32_t)v[1], r.tail2 = (int32_t)v[5], r.len2 = (int32_t)v[6];
    r.linear = (int32_t)v[8];
    return r;
}

Test(xdp_frags, building_the_fragments)
{
    struct bpfrt_prog *p = frags_prog();
    struct res r;

    /* 3520 bytes fit the linear part; 17 fragments of a page follow at
     * most (MAX_SKB_FRAGS): one byte more is -ENOMEM */
    r = run(p, LINEAR, 0, 0);
    cr_expect_eq(r.linear, LINEAR);
    r = run(p, LINEAR + 17 * 4096, 0, 0);
    cr_expect_eq(r.err, 0);
    cr_expect_eq(r.len1, LINEAR + 17 * 4096);
    cr_expect_eq(r.size_out, LINEAR + 17 * 4096);
    cr_expect_eq(memcmp(out + 80, in + 80, LINEAR + 17 * 4096 - 80), 0, "data_out: the linear part, then the frags");
    r = run(p, LINEAR + 17 * 4096 + 1, 0, 0);
    cr_expect_eq(r.err, -ENOMEM);
    bpfrt_object__close(obj);
}

Test(xdp_frags, adjust_tail_grows_the_last_fragment)
{
    struct bpfrt_prog *p = frags_prog();
    struct res r;

    /* 5000 bytes: 1480 in one fragment, 2616 bytes of its page left */
    r = run(p, 5000, 2616, 0);
    cr_expect_eq(r.tail1, 0);
    cr_expect_eq(r.len1, 7616);
    cr_expect_eq(r.size_out, 7616);
    cr_expect_eq(out[7615], 0, "grown bytes are zeroed");
    r = run(p, 5000, 2617, 0);
    cr_expect_eq(r.tail1, -EINVAL, "past the fragment's page");
    cr_expect_eq(r.len1, 5000);
    /* a full last fragment has no room: +1 fails, +0 succeeds */
    r = run(p, LINEAR + 4096, 1, 0);
    cr_expect_eq(r.tail1, -EINVAL);
    r = run(p, LINEAR + 4096, 0, 0);
    cr_expect_eq(r.tail1, 0);
    bpfrt_object__close(obj);
}

Test(xdp_frags, adjust_tail_shrinks_and_releases_fragments)
{
    struct bpfrt_prog *p = frags_prog();
    struct res r;

    /* 9000 bytes: fragments of 4096 and 1384 */
    r = run(p, 9000, -1384, 0);
    cr_expect_eq(r.tail1, 0);
    cr_expect_eq(r.len1, 9000 - 1384, "the last fragment released");
    r = run(p, 9000, -1384, 1);
    cr_expect_eq(r.tail2, -EINVAL, "the new last fragment is full");
    r = run(p, 9000, -1385, 1);
    cr_expect_eq(r.tail2, 0, "one byte of room again");
    /* every fragment released, the rest from the linear part: the packet
     * is linear again, and grows as a linear one */
    r = run(p, 9000, -(9000 - 100), 8);
    cr_expect_eq(r.tail1, 0);
    cr_expect_eq(r.len1, 100);
    cr_expect_eq(r.linear, 108);
    cr_expect_eq(r.len2, 108);
    cr_expect_eq(r.size_out, 108);
    /* at most the packet less an Ethernet header */
    r = run(p, 9000, -(9000 - 14), 0);
    cr_expect_eq(r.tail1, 0);
    cr_expect_eq(r.size_out, 14);
    r = run(p, 9000, -(9000 - 13), 0);
    cr_expect_eq(r.tail1, -EINVAL);
    cr_expect_eq(r.len1, 9000);
    /* INT_MIN negated is INT_MIN, below every limit: nothing moves */
    r = run(p, 9000, INT_MIN, 0);
    cr_expect_eq(r.tail1, 0);
    cr_expect_eq(r.len1, 9000);
    bpfrt_object__close(obj);
}

/* The command gives back the whole packet out, fragments included: a
 * 9000-byte data_in through an XDP program comes out 9000 bytes, the
 * bytes after the program's writes unchanged. */
Test(xdp_frags, command_data_out_has_the_fragments)
{
    const char *obj_path = test_bpf_build("tests/data/testrun/frags.c", "build/tests/data/testrun", "frags", "");
    char dir[] = "/tmp/bpfrt-frags-XXXXXX";
    struct out r;
    char *got;
    FILE *f;

    cr_assert_not_null(mkdtemp(dir));
    for (uint32_t i = 0; i < 9000; i++)
        in[i] = (uint8_t)(i * 7 + 3);
    f = fopen(strcat(strcpy((char *)out, dir), "/in.bin"), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(in, 1, 9000, f), 9000);
    fclose(f);
    r = cli_sh("%s prog run obj %s prog frags_fields data_in %s/in.bin data_out %s/out.bin && wc -c < %s/out.bin",
               cli_bin(), obj_path, dir, dir, dir);
    cr_expect_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "Return value: 2") && strstr(r.stdout_, "9000"), "%s", r.stdout_);
    out_free(&r);
    got = cli_slurp(strcat(strcpy((char *)out, dir), "/out.bin"));
    cr_assert_not_null(got);
    cr_expect_eq(memcmp(got + 30, in + 30, 9000 - 30), 0, "the packet past the program's writes, fragments included");
    free(got);
    r = cli_sh("rm -rf %s", dir);
    out_free(&r);
}
