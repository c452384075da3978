/* test_readme.c - the README's examples work as written: the command
 * block of "Using the command" runs with bash -e (the command under test
 * first on the PATH), and the embedder of "Using the library"
 * (examples/embed.c) builds against the library and runs. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_run.h"

/* The first ```sh block after heading, malloc'd. */
static char *readme_block(const char *heading)
{
    char *readme = cli_slurp("README.md"), *h, *b, *e, *out;

    h = strstr(readme, heading);
    cr_assert_not_null(h, "README has no '%s'", heading);
    b = strstr(h, "```sh\n");
    cr_assert_not_null(b, "no sh block after '%s'", heading);
    b += 6;
    e = strstr(b, "```");
    cr_assert_not_null(e);
    out = strndup(b, (size_t)(e - b));
    free(readme);
    return out;
}

static void bin_dir(char *dir, size_t sz)
{
    char path[PATH_MAX];

    cr_assert_not_null(realpath(cli_bin(), path), "no command at %s", cli_bin());
    snprintf(dir, sz, "%s", dirname(path));
}

Test(readme, command_examples)
{
    char script[] = "/tmp/bpfrt-readme-XXXXXX", dir[PATH_MAX];
    char *block = readme_block("## Using the command");
    int fd = mkstemp(script);
    struct out r;

    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, block, strlen(block)), (ssize_t)strlen(block));
    /* clean up the scratch directory the block makes */
    dprintf(fd, "\nrm -rf \"$W\"\n");
    close(fd);
    bin_dir(dir, sizeof(dir));
    r = cli_sh("PATH='%s':\"$PATH\" bash -e %s", dir, script);
    unlink(script);
    cr_assert_eq(r.status, 0, "the README's command block failed:\n%s\n%s", r.stdout_, r.stderr_);
    /* what the comments in the block promise */
    cr_assert(strstr(r.stdout_, "Return value: 25769803777"), "%s", r.stdout_);
    cr_assert(strstr(r.stdout_, "   0: (") && strstr(r.stdout_, "xdp  name xdp_fw  tag "), "%s", r.stdout_);
    cr_assert(strstr(r.stdout_, "retval 1 (XDP_DROP)") && strstr(r.stdout_, "retval 3 (XDP_TX)  changed: "),
              "pcap replay: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "    perf_event drops cpu 0 (12 bytes): "), "pcap replay: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "/out/tx.pcap\n"), "pcap replay: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "{\"packet\":20,\"ringbuf\":\"bans\",\"data\":[") &&
                  strstr(r.stdout_, "\n{\"summary\":{\"packets\":26,"),
              "pcap replay -j: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "\"packets\": "), "map dump: %s", r.stdout_);
    /* the test run's packet out, as bpftool prints it, before the result */
    cr_assert(strstr(r.stdout_, "0000000\t0200 0000 0002 0200 0000 0001 0800 4500 | ........ ......E.\n"),
              "data_out: %s", r.stdout_);
    /* prog verify: an accepted object program, a rejected raw one with
     * its explanation; the verified XDP program's run */
    cr_assert(strstr(r.stdout_, "accepted\nprocessed "), "prog verify: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "rejected: ") && strstr(r.stdout_, "R2 !read_ok"), "prog verify: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, "Return value: 2,"), "XDP run: %s", r.stdout_);
    out_free(&r);
    free(block);
}

Test(readme, embedder_example)
{
    char dir[PATH_MAX], w[] = "/tmp/bpfrt-embed-XXXXXX";
    const char *san = getenv("BPFRT_SANITIZED");
    struct out r;

    bin_dir(dir, sizeof(dir));
    cr_assert_not_null(mkdtemp(w));
    r = cli_sh("clang-19 -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c examples/xdp_fw.c -o %s/xdp_fw.o"
               " && %s -Iinclude examples/embed.c %s/libbpfrt.a -lpcap -lbpf -lelf -lz %s -o %s/embed"
               " && %s/embed %s/xdp_fw.o examples/packet.bin",
               w, san ? "clang-19" : "cc", dir, san ? "-fsanitize=address,undefined" : "", w, w, w);
    cr_assert_eq(r.status, 0, "examples/embed.c:\n%s\n%s", r.stdout_, r.stderr_);
    cr_assert(strstr(r.stdout_, "verdict XDP_PASS, "), "%s", r.stdout_);
    cr_assert(strstr(r.stdout_, "10.0.0.1: 1000 packets, 87000 bytes"), "%s", r.stdout_);
    out_free(&r);
    r = cli_sh("rm -rf %s", w);
    out_free(&r);
}
