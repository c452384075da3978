/* test_cli.c - the bpfrt command as a user runs it: output formats, exit
 * status and error messages.  The binary is $BPFRT (set by make check). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf_build.h"
#include "cli_run.h"

/* Run "$BPFRT <args>" through the shell, capturing both streams. */
static struct out run(const char *args)
{
    return cli_sh("%s %s", cli_bin(), args);
}

/* Assemble text into a temporary raw file; returns its path (static). */
static const char *assemble(const char *text, char *path)
{
    char src[] = "/tmp/bpfrt-cli-srcXXXXXX", args[512];
    int fd = mkstemp(src);
    struct out r;

    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    strcpy(path, "/tmp/bpfrt-cli-binXXXXXX");
    fd = mkstemp(path);
    close(fd);
    snprintf(args, sizeof(args), "asm %s -o %s", src, path);
    r = run(args);
    cr_assert_eq(r.status, 0, "asm failed: %s", r.stderr_);
    out_free(&r);
    unlink(src);
    return path;
}

Test(cli, example_program_checks_ipv4_header)
{
    char args[256];
    struct out r;

    r = run("asm examples/ipv4.s -o /tmp/bpfrt-cli-ipv4.bin");
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(args, sizeof(args), "prog run raw /tmp/bpfrt-cli-ipv4.bin data_in examples/packet.bin");
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    /* protocol 6 (TCP) << 32 | checksum valid */
    cr_assert(strstr(r.stdout_, "Return value: 25769803777, duration: ") != NULL, "got: %s", r.stdout_);
    out_free(&r);
    r = run("-j prog run raw /tmp/bpfrt-cli-ipv4.bin data_in examples/packet.bin repeat 10");
    cr_assert_eq(r.status, 0);
    cr_assert(strncmp(r.stdout_, "{\"retval\":25769803777,\"duration\":", 33) == 0, "got: %s", r.stdout_);
    out_free(&r);
    r = run("prog run raw /tmp/bpfrt-cli-ipv4.bin data_in examples/packet.bin repeat 3");
    cr_assert(strstr(r.stdout_, "duration (average): ") != NULL, "got: %s", r.stdout_);
    out_free(&r);
}

Test(cli, empty_assembly_is_an_error_or_empty_program_refused)
{
    char src[] = "/tmp/bpfrt-cli-emptyXXXXXX";
    int fd = mkstemp(src);
    char args[256];
    struct out r;

    close(fd);
    snprintf(args, sizeof(args), "asm %s -o /dev/null", src);
    r = run(args);
    /* either the assembler refuses it, or it yields no instructions which run refuses */
    if (r.status == 0) {
        out_free(&r);
        snprintf(args, sizeof(args), "prog run raw %s", src);
        r = run(args);
    }
    cr_assert_neq(r.status, 0);
    cr_assert(strncmp(r.stderr_, "Error: ", 7) == 0, "stderr: %s", r.stderr_);
    out_free(&r);
    unlink(src);
}

Test(cli, data_out_text_and_json)
{
    char bin[64], args[256];
    struct out r;

    /* store 0xab at data[1], return the length */
    assemble("r3 = 0xab\n*(u8 *)(r1 + 1) = r3\nr0 = r2\nexit\n", bin);
    snprintf(args, sizeof(args), "prog run raw %s data_in examples/packet.bin data_out -", bin);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    /* bpftool's layout: the hex dump first, then the result */
    cr_assert(strncmp(r.stdout_, "0000000\t02ab 0000 0002 0200 0000 0001 0800 4500 | ........ ......E.\n", 68) == 0,
              "%s", r.stdout_);
    cr_assert(strstr(r.stdout_, "\nReturn value: 87,") != NULL, "%s", r.stdout_);
    out_free(&r);
    snprintf(args, sizeof(args), "-j prog run raw %s data_in examples/packet.bin data_out -", bin);
    r = run(args);
    cr_assert(strncmp(r.stdout_, "{\"data_out\":[2,171,0,0,0,2,2,0,", 30) == 0, "%s", r.stdout_);
    out_free(&r);
    unlink(bin);
}

Test(cli, no_data_gives_null_r1_and_zero_r2)
{
    char bin[64], args[256];
    struct out r;

    assemble("r0 = r1\nr0 += r2\nexit\n", bin);
    snprintf(args, sizeof(args), "-j prog run raw %s", bin);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strncmp(r.stdout_, "{\"retval\":0,", 12) == 0, "%s", r.stdout_);
    out_free(&r);
    unlink(bin);
}

Test(cli, checked_mode_stops_out_of_bounds_read)
{
    char bin[64], args[256];
    struct out r;

    assemble("r0 = *(u64 *)(r1 + 84)\nexit\n", bin); /* packet is 87 bytes */
    snprintf(args, sizeof(args), "prog run raw %s data_in examples/packet.bin", bin);
    r = run(args);
    cr_assert_neq(r.status, 0);
    cr_assert(strncmp(r.stderr_, "Error: ", 7) == 0, "%s", r.stderr_);
    cr_assert(strstr(r.stderr_, "insn 0") != NULL, "%s", r.stderr_);
    cr_assert(strstr(r.stderr_, "data") != NULL, "%s", r.stderr_);
    out_free(&r);
    snprintf(args, sizeof(args), "-j prog run raw %s data_in examples/packet.bin", bin);
    r = run(args);
    cr_assert_neq(r.status, 0);
    cr_assert(strncmp(r.stdout_, "{\"error\":\"", 10) == 0, "%s", r.stdout_);
    out_free(&r);
    unlink(bin);
}

Test(cli, bad_encoding_names_the_instruction)
{
    char path[] = "/tmp/bpfrt-cli-badXXXXXX", args[256];
    /* r0 = 1; a reserved-field violation (ALU64 add imm with src_reg 3); exit */
    const unsigned char bytes[] = {0xb7, 0x00, 0, 0, 1, 0, 0, 0, 0x07, 0x30, 0, 0, 1, 0, 0, 0,
                                   0x95, 0, 0, 0, 0, 0, 0, 0};
    int fd = mkstemp(path);
    struct out r;

    cr_assert_eq(write(fd, bytes, sizeof(bytes)), (ssize_t)sizeof(bytes));
    close(fd);
    snprintf(args, sizeof(args), "prog run raw %s", path);
    r = run(args);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.stderr_, "insn 1: ") != NULL, "%s", r.stderr_);
    cr_assert(strstr(r.stderr_, "src_reg") != NULL, "%s", r.stderr_);
    out_free(&r);
    unlink(path);
}

Test(cli, raw_file_not_multiple_of_eight)
{
    char path[] = "/tmp/bpfrt-cli-oddXXXXXX", args[256];
    int fd = mkstemp(path);
    struct out r;

    cr_assert_eq(write(fd, "abcdefghij", 10), 10);
    close(fd);
    snprintf(args, sizeof(args), "prog run raw %s", path);
    r = run(args);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.stderr_, "10 bytes is not a whole number of 8-byte instructions") != NULL, "%s", r.stderr_);
    out_free(&r);
    unlink(path);
}

Test(cli, usage_errors)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"prog run raw /nonexistent/file", "cannot read '/nonexistent/file'"},
        {"prog run", "expected a PROG"},
        {"prog run raw", "needs a FILE"},
        {"prog run raw examples/packet.bin repeat 0", "repeat '0'"},
        {"prog run raw examples/packet.bin repeat", "'repeat' needs a value"},
        {"prog run raw examples/packet.bin bogus 1", "unknown keyword 'bogus'"},
        {"prog frob", "unknown command 'prog frob'"},
        {"frobnicate", "unknown object 'frobnicate'"},
        {"--engine llvm prog run raw x", "unknown engine 'llvm' (expected jit or interp)"},
        {"--bogus", "unknown option '--bogus'"},
        {"disasm", "usage: bpfrt disasm FILE"},
        {"asm", "usage: bpfrt asm FILE"},
        {"prog tracelog bogus", "unknown keyword 'bogus'"},
        {"prog tracelog idle 0", "idle '0'"},
        {"prog verify raw /nonexistent/x", "cannot read '/nonexistent/x'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct out r = run(cases[i].args);
        cr_expect_neq(r.status, 0, "'%s' should fail", cases[i].args);
        cr_expect(strncmp(r.stderr_, "Error: ", 7) == 0, "'%s': stderr %s", cases[i].args, r.stderr_);
        cr_expect(strstr(r.stderr_, cases[i].msg) != NULL, "'%s': expected '%s' in %s", cases[i].args, cases[i].msg,
                  r.stderr_);
        out_free(&r);
    }
}

Test(cli, disasm_then_asm_gives_same_bytes)
{
    const char *bin = getenv("BPFRT") ? getenv("BPFRT") : "build/bpfrt";
    char cmd[1024];
    struct out r = run("asm examples/ipv4.s -o /tmp/bpfrt-cli-rt1.bin");
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(cmd, sizeof(cmd),
             "disasm /tmp/bpfrt-cli-rt1.bin > /tmp/bpfrt-cli-rt.s && %s asm /tmp/bpfrt-cli-rt.s -o "
             "/tmp/bpfrt-cli-rt2.bin && cmp /tmp/bpfrt-cli-rt1.bin /tmp/bpfrt-cli-rt2.bin && echo same",
             bin);
    r = run(cmd);
    /* the first command's stdout went to the redirect; 'same' is in our capture */
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strstr(r.stdout_, "same") != NULL);
    out_free(&r);
    r = run("prog dump xlated raw /tmp/bpfrt-cli-rt1.bin");
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strstr(r.stdout_, "   0: (b7) r0 = 0\n") != NULL, "%s", r.stdout_);
    out_free(&r);
    r = run("-j prog dump xlated raw /tmp/bpfrt-cli-rt1.bin");
    const char *want = "[{\"pc\":0,\"disasm\":\"r0 = 0\"},{\"pc\":1,";
    cr_assert(strncmp(r.stdout_, want, strlen(want)) == 0, "%s", r.stdout_);
    out_free(&r);
}

Test(cli, single_run_prints_trace_lines)
{
    char bin[64], args[256];
    struct out r;

    /* "hi %d\n" on the stack, trace_printk(fmt, 8, 42) */
    assemble("r1 = 0x000a6425206968 ll\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 42\n"
             "call bpf_trace_printk#6\nr0 = 0\nexit\n",
             bin);
    snprintf(args, sizeof(args), "prog run raw %s", bin);
    r = run(args);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strstr(r.stdout_, "bpf_trace_printk: hi 42\n") != NULL, "%s", r.stdout_);
    out_free(&r);
    snprintf(args, sizeof(args), "-j prog run raw %s", bin);
    r = run(args);
    /* the message keeps its newline, as the kernel's trace event does */
    cr_assert(strstr(r.stdout_, "\"trace\":[\"") != NULL && strstr(r.stdout_, "bpf_trace_printk: hi 42\\n\"]}"),
              "%s", r.stdout_);
    out_free(&r);
    unlink(bin);
}
