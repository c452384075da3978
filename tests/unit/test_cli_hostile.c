/* test_cli_hostile.c - the command on hostile or careless input (issue 7):
 * corrupt BTF, empty packets in a capture, huge repeat counts, typed
 * programs, directories and read-only pins.  Each case gets one clear
 * "Error: ..." line and a non-zero status, never a crash or a hang. */
#include <bpf/btf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "maps/map.h"
#include "bpf_build.h"
#include "cli_run.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "expected \"%s\" in:\n%s", (sub), (s))

static struct out run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct out run(const char *fmt, ...)
{
    char args[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    return cli_sh("%s %s", cli_bin(), args);
}

/* A fresh directory under /tmp for one test, made its state directory
 * (pins must lie under it); its path. */
static const char *tmpdir(char *buf)
{
    strcpy(buf, "/tmp/bpfrt-hostile-XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
    setenv("BPFRT_FS", buf, 1);
    return buf;
}

static void rm_rf(const char *dir)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Raw BTF with a reference loop libbpf's C dumper recurses on forever:
 * kind "ptr" (a pointer to itself), "typedef" (a -> b -> a), "proto" (a
 * pointer to a prototype returning that pointer), "struct" (a struct that
 * contains itself). */
static void hostile_btf(const char *kind, const char *path)
{
    struct btf *b = btf__new_empty();
    const void *raw;
    uint32_t sz;

    cr_assert_not_null(b);
    btf__add_int(b, "int", 4, BTF_INT_SIGNED); /* 1 */
    if (!strcmp(kind, "ptr")) {
        btf__add_ptr(b, 2); /* 2 -> 2 */
    } else if (!strcmp(kind, "typedef")) {
        btf__add_typedef(b, "a", 3); /* 2 -> 3 -> 2 */
        btf__add_typedef(b, "b", 2);
    } else if (!strcmp(kind, "proto")) {
        btf__add_ptr(b, 3); /* 2 -> 3 -> 2 */
        btf__add_func_proto(b, 2);
    } else {
        btf__add_struct(b, "s", 4); /* 2 contains 2 */
        btf__add_field(b, "x", 2, 0, 0);
    }
    raw = btf__raw_data(b, &sz);
    cr_assert_not_null(raw);
    write_file(path, raw, sz);
    btf__free(b);
}

/* ------------------------------------------------------------ btf dump */

Test(cli_hostile, btf_dump_c_refuses_reference_loops)
{
    static const char *const kinds[] = {"ptr", "typedef", "proto", "struct"};
    static const char *const why[] = {
        "corrupt BTF, not dumped as C: type [2] ptr '(anon)' refers to itself through a loop that passes no named "
        "struct or union",
        "corrupt BTF, not dumped as C: type [2] typedef 'a' refers to itself through a loop that passes no named "
        "struct or union",
        "corrupt BTF, not dumped as C: type [2] ptr '(anon)' refers to itself through a loop that passes no named "
        "struct or union",
        "corrupt BTF, not dumped as C: type [2] struct 's' contains itself (a reference loop without a pointer)",
    };
    char d[64], path[128], expect[512];

    tmpdir(d);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct out r;

        snprintf(path, sizeof(path), "%s/%s.btf", d, kinds[i]);
        hostile_btf(kinds[i], path);
        r = run("btf dump file %s format c", path);
        cr_assert_eq(r.status, 1, "%s: status %d (a crash is 128)\n%s", kinds[i], r.status, r.stderr_);
        snprintf(expect, sizeof(expect), "Error: failed to dump BTF of '%s': %s\n", path, why[i]);
        cr_assert_str_eq(r.stderr_, expect);
        cr_assert_str_eq(r.stdout_, "");
        out_free(&r);
        /* the raw listing follows no reference: it shows the BTF as is */
        r = run("btf dump file %s", path);
        cr_assert_eq(r.status, 0, "%s", r.stderr_);
        HAS(r.stdout_, "[2] ");
        out_free(&r);
    }
    rm_rf(d);
}

/* An object whose .BTF was replaced by a looping one (as a corrupted or
 * malicious object would carry): refused, not a segfault in libbpf. */
Test(cli_hostile, btf_dump_c_of_corrupt_object)
{
    const char *src = "build/tests/cli_hostile/tiny.c";
    const char *obj;
    char d[64], btf[128], bad[160], cmd[1024];
    struct out r;

    cr_assert_eq(system("mkdir -p build/tests/cli_hostile"), 0);
    write_file(src,
               "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
               "struct node { struct node *next; int v; };\n"
               "SEC(\"raw\") int entry(struct node *n) { return n ? n->v : 0; }\n",
               strlen("#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                      "struct node { struct node *next; int v; };\n"
                      "SEC(\"raw\") int entry(struct node *n) { return n ? n->v : 0; }\n"));
    obj = test_bpf_build(src, "build/tests/cli_hostile", "tiny", "");
    /* the good object dumps, with its self-referencing struct */
    r = run("btf dump file %s format c", obj);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "struct node *next;");
    out_free(&r);
    tmpdir(d);
    snprintf(btf, sizeof(btf), "%s/loop.btf", d);
    snprintf(bad, sizeof(bad), "%s/corrupt.o", d);
    hostile_btf("typedef", btf);
    snprintf(cmd, sizeof(cmd), "llvm-objcopy-19 --update-section .BTF=%s %s %s", btf, obj, bad);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    r = run("btf dump file %s format c", bad);
    cr_assert_eq(r.status, 1, "status %d (a crash is 128)\n%s", r.status, r.stderr_);
    HAS(r.stderr_, "corrupt BTF, not dumped as C: type [2] typedef 'a' refers to itself");
    out_free(&r);
    rm_rf(d);
}

/* libbpf's own error codes are not errno values: "Unknown error 4001"
 * became words; a directory says so. */
Test(cli_hostile, btf_dump_file_errors_in_words)
{
    char d[64], path[128];
    struct out r;

    tmpdir(d);
    snprintf(path, sizeof(path), "%s/text", d);
    write_file(path, "hello, world\n", 13);
    r = run("btf dump file %s", path);
    cr_assert_eq(r.status, 1);
    cr_assert(!strstr(r.stderr_, "Unknown error"), "%s", r.stderr_);
    cr_assert(!strstr(r.stderr_, "libbpf:"), "%s", r.stderr_);
    HAS(r.stderr_, "Error: failed to dump BTF of '");
    HAS(r.stderr_, "/text': neither an ELF object nor a raw BTF file (no ELF header, no BTF magic)\n");
    out_free(&r);
    r = run("btf dump file %s", d);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "': is a directory, not an ELF object or a raw BTF file\n");
    out_free(&r);
    snprintf(path, sizeof(path), "%s/empty", d);
    write_file(path, "", 0);
    r = run("btf dump file %s", path);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "/empty': too short (0 bytes) for an ELF object or a raw BTF file\n");
    out_free(&r);
    r = run("btf dump file /bin/sh");
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Error: failed to dump BTF of '/bin/sh': the ELF object has no .BTF section\n");
    out_free(&r);
    rm_rf(d);
}

/* ------------------------------------------------------------ pcap */

/* A capture whose first packet is empty (caplen 0): the replay copied it
 * with memcpy(NULL, ..., 0), undefined behaviour that UBSan aborts on (the
 * sanitized suite runs this through the sanitized command). */
Test(cli_hostile, pcap_with_empty_first_packet)
{
    /* little-endian pcap header: magic, v2.4, zone 0, sigfigs 0, snaplen
     * 65535, linktype 1 (Ethernet); then records (ts, caplen, len, data) */
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0,
                                    1,    0,    0,    0};
    static const uint8_t rec0[16] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t rec1[16 + 3] = {2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0xaa, 0xbb, 0xcc};
    char d[64], pcap[128], prog[128], src[128];
    uint8_t file[24 + 16 + 16 + 19];
    struct out r;

    tmpdir(d);
    memcpy(file, hdr, 24);
    memcpy(file + 24, rec0, 16);
    memcpy(file + 40, rec0, 16); /* two empty packets, then one of 3 bytes */
    memcpy(file + 56, rec1, 19);
    snprintf(pcap, sizeof(pcap), "%s/empty-first.pcap", d);
    write_file(pcap, file, sizeof(file));
    snprintf(src, sizeof(src), "%s/len.s", d);
    write_file(src, "r0 = r2\nexit\n", 13); /* the packet's length */
    snprintf(prog, sizeof(prog), "%s/len.bin", d);
    r = run("asm %s -o %s", src, prog);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = run("prog run raw %s pcap %s", prog, pcap);
    cr_assert_eq(r.status, 0, "status %d\n%s", r.status, r.stderr_);
    HAS(r.stdout_, "packet    1: len     0  retval 0 (XDP_ABORTED)\n");
    HAS(r.stdout_, "packet    2: len     0  retval 0 (XDP_ABORTED)\n");
    HAS(r.stdout_, "packet    3: len     3  retval 3 (XDP_TX)\n");
    HAS(r.stdout_, "Packets: 3,");
    out_free(&r);
    rm_rf(d);
}

/* ------------------------------------------------------------ prog run */

/* Assemble text into dir/name.bin; returns the path (static per call). */
static const char *asm_to(const char *dir, const char *name, const char *text, char *bin)
{
    char src[160];
    struct out r;

    snprintf(src, sizeof(src), "%s/%s.s", dir, name);
    write_file(src, text, strlen(text));
    snprintf(bin, 160, "%s/%s.bin", dir, name);
    r = run("asm %s -o %s", src, bin);
    cr_assert_eq(r.status, 0, "asm %s: %s", name, r.stderr_);
    out_free(&r);
    return bin;
}

/* repeat took any u32 and the budget was per run: 4294967295 runs of a
 * loop ran for years.  One command now has a total budget (BPFRT_TOTAL_BUDGET
 * here, so that the test is short); the runs stop exactly when it is spent. */
Test(cli_hostile, repeat_has_a_total_budget)
{
    char d[64], bin[160], pcap[160];
    struct out r;

    tmpdir(d);
    /* 3 + 3 * 1000 = 3003 instructions a run */
    asm_to(d, "loop", "r0 = 0\nr1 = 1000\nl:\nr0 += 1\nr1 -= 1\nif r1 != 0 goto l\nexit\n", bin);
    r = cli_sh("BPFRT_TOTAL_BUDGET=1000000 %s prog run raw %s repeat 4294967295", cli_bin(), bin);
    cr_assert_eq(r.status, 1, "%s", r.stdout_);
    cr_assert_str_eq(r.stdout_, "");
    HAS(r.stderr_, "Error: run of '");
    HAS(r.stderr_, ": total instruction budget of 1000000 instructions for all repeat runs spent in run 334 of "
                   "4294967295 (the cap of one prog run command; BPFRT_TOTAL_BUDGET sets it)\n");
    out_free(&r);
    /* 333 runs fit exactly (999999 instructions) */
    r = cli_sh("BPFRT_TOTAL_BUDGET=1000000 %s prog run raw %s repeat 333", cli_bin(), bin);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "Return value: 1000, duration (average): ");
    out_free(&r);
    /* repeat's range is the kernel's (u32) */
    r = run("prog run raw %s repeat 4294967296", bin);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Error: repeat '4294967296' is not a number from 1 to 4294967295\n");
    out_free(&r);
    r = cli_sh("BPFRT_TOTAL_BUDGET=lots %s prog run raw %s", cli_bin(), bin);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Error: BPFRT_TOTAL_BUDGET 'lots' is not a number of instructions from 1 to ");
    out_free(&r);
    /* the packets of a capture share the budget as well: 26 packets */
    snprintf(pcap, sizeof(pcap), "examples/sample.pcap");
    r = cli_sh("BPFRT_TOTAL_BUDGET=10000 %s prog run raw %s pcap %s", cli_bin(), bin, pcap);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "packet 4 of 'examples/sample.pcap': the instruction budget of 10000 instructions for "
                   "all packets is spent (the cap of one prog run command; BPFRT_TOTAL_BUDGET sets it)\n");
    out_free(&r);
    r = run("prog run raw %s pcap %s", bin, pcap);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "Packets: 26,");
    out_free(&r);
    rm_rf(d);
}

/* `type xdp` on a raw file ran it with the raw convention (r1 = data);
 * now it runs with the context of the kernel's test run (r1 = xdp_md),
 * and a typed program without data_in gets the kernel's -EINVAL. */
Test(cli_hostile, typed_raw_program_runs_with_its_context)
{
    char d[64], bin[160];
    struct out r;

    tmpdir(d);
    asm_to(d, "ret", "r0 = 2\nexit\n", bin);
    r = run("prog run raw %s type xdp data_in examples/packet.bin", bin);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "Return value: 2,");
    out_free(&r);
    r = run("prog run raw %s type tc", bin);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "data_in has 0 bytes: less than an Ethernet header (14)");
    out_free(&r);
    r = run("prog run raw %s", bin); /* untyped: runs */
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "Return value: 2,");
    out_free(&r);
    rm_rf(d);
}

/* A directory gave "Input/output error". */
Test(cli_hostile, raw_directory_says_so)
{
    char d[64], expect[256];
    struct out r;

    tmpdir(d);
    r = run("prog run raw %s", d);
    cr_assert_eq(r.status, 1);
    snprintf(expect, sizeof(expect), "Error: cannot read '%s': Is a directory\n", d);
    cr_assert_str_eq(r.stderr_, expect);
    out_free(&r);
    r = run("asm %s -o %s/x", d, d);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "Is a directory");
    out_free(&r);
    rm_rf(d);
}

/* A budget spent inside a bpf_loop callback named what the callback had
 * left ("(1 instructions)"), not the run's budget. */
Test(cli_hostile, budget_in_callback_names_the_budget, .timeout = 120)
{
    char d[64], bin[160];
    struct out r;

    tmpdir(d);
    /* 2^23 iterations of a 14-instruction callback: over 10^8 */
    asm_to(d, "cb",
           "r1 = 8388608\nr2 = subprog[cb]\nr3 = 0\nr4 = 0\ncall bpf_loop\nexit\n"
           "cb:\nr0 = 0\nr1 = 6\nspin:\nr1 -= 1\nif r1 != 0 goto spin\nexit\n",
           bin);
    r = run("prog run raw %s", bin);
    cr_assert_eq(r.status, 1, "%s", r.stdout_);
    HAS(r.stderr_, ": instruction budget exceeded (100000000 instructions)\n");
    out_free(&r);
    rm_rf(d);
}

/* "cannot pin map 'x' at 'P': cannot pin map 'x' at 'P': why": the pin's
 * own message was prefixed with the same words.  A file size limit makes
 * pinning fail without root (SIGXFSZ ignored: ftruncate says EFBIG). */
Test(cli_hostile, pin_failure_said_once)
{
    char d[64], maps[96];
    const char *obj = test_bpf_build("examples/xdp_fw.c", "build/tests/cli_hostile", "xdp_fw", "");
    struct out r;
    const char *p;

    tmpdir(d);
    snprintf(maps, sizeof(maps), "%s/maps", d);
    cr_assert_eq(mkdir(maps, 0700), 0);
    r = cli_sh("trap '' XFSZ; ulimit -f 2; BPFRT_FS=%s %s prog loadall %s %s/progs pinmaps %s", d, cli_bin(), obj, d,
               maps);
    cr_assert_eq(r.status, 1, "%s", r.stderr_);
    p = strstr(r.stderr_, "cannot pin map '");
    cr_assert_not_null(p, "%s", r.stderr_);
    cr_assert_null(strstr(p + 1, "cannot pin map '"), "said twice: %s", r.stderr_);
    HAS(r.stderr_, "cannot size the file to ");
    HAS(r.stderr_, "File too large\n");
    out_free(&r);
    /* maps pinned for a program under the state directory */
    r = cli_sh("trap '' XFSZ; ulimit -f 2; BPFRT_FS=%s %s prog load %s %s/p1", d, cli_bin(), obj, d);
    cr_assert_eq(r.status, 1, "%s", r.stderr_);
    HAS(r.stderr_, "Error: cannot pin program 'xdp_fw' of '");
    p = strstr(r.stderr_, "cannot pin map '");
    cr_assert_not_null(p, "%s", r.stderr_);
    cr_assert_null(strstr(p + 1, "cannot pin map '"), "said twice: %s", r.stderr_);
    cr_assert_null(strstr(r.stderr_, " under '"), "%s", r.stderr_);
    out_free(&r);
    rm_rf(d);
}

/* ------------------------------------------------------------ read-only pins */

/* Run the command as a user who may read the pins but not write them:
 * as root, user nobody on 0644 pins (another user's pin); otherwise the
 * owner on 0444 pins. */
static struct out run_as_reader(const char *bin, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static struct out run_as_reader(const char *bin, const char *fmt, ...)
{
    char args[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    if (geteuid() == 0)
        return cli_sh("setpriv --reuid=65534 --regid=65534 --clear-groups %s %s", bin, args);
    return cli_sh("%s %s", bin, args);
}

/* A pin the caller may only read was opened read-write by every command:
 * not even a dump worked.  The reading commands open it read-only now
 * (every type: a hash, an LRU hash, an LPM trie whose walk takes its lock,
 * a queue, an array), writes are refused with a clear message, and the
 * file is never written. */
Test(cli_hostile, read_only_pin_can_be_read, .timeout = 60)
{
    static const char *const creates[] = {
        "h type hash key 4 value 8 entries 16",     "lru type lru_hash key 4 value 4 entries 16",
        "lpm type lpm_trie key 8 value 8 entries 16 flags 1", "q type queue key 0 value 4 entries 4",
        "a type array key 4 value 4 entries 2",
    };
    char d[64], bin[160], path[160], cmd[512];
    struct out r;
    char *before, *after;

    /* as root the reader is user nobody: that needs CAP_SETUID (a root
     * without capabilities, as in a container that drops them, has none) */
    if (geteuid() == 0 && system("setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null") != 0)
        cr_skip("cannot run a command as user nobody here (setpriv needs CAP_SETUID)");
    tmpdir(d);
    cr_assert_eq(chmod(d, 0755), 0);
    /* a copy of the command that user nobody can run */
    snprintf(bin, sizeof(bin), "%s/bpfrt", d);
    snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s", cli_bin(), bin, bin);
    cr_assert_eq(system(cmd), 0);
    for (size_t i = 0; i < sizeof(creates) / sizeof(creates[0]); i++) {
        r = cli_sh("BPFRT_FS=%s %s map create %s/%s", d, bin, d, creates[i]);
        cr_assert_eq(r.status, 0, "%s: %s", creates[i], r.stderr_);
        out_free(&r);
    }
    r = cli_sh("cd %s && ./bpfrt map update pinned h key 1 0 0 0 value 2 0 0 0 0 0 0 0 && "
               "./bpfrt map update pinned lru key 3 0 0 0 value 4 0 0 0 && "
               "./bpfrt map update pinned lpm key 24 0 0 0 10 0 0 0 value 7 0 0 0 0 0 0 0 && "
               "./bpfrt map push pinned q value 9 0 0 0 && chmod %s h lru lpm q a",
               d, geteuid() == 0 ? "0644" : "0444");
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(path, sizeof(path), "%s/lpm", d);
    before = cli_slurp(path);

    r = run_as_reader(bin, "map dump pinned %s/h", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00\nFound 1 element\n");
    out_free(&r);
    r = run_as_reader(bin, "map dump pinned %s/lru", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: 03 00 00 00  value: 04 00 00 00\nFound 1 element\n");
    out_free(&r);
    r = run_as_reader(bin, "map dump pinned %s/lpm", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: 18 00 00 00 0a 00 00 00  value: 07 00 00 00 00 00 00 00\nFound 1 element\n");
    out_free(&r);
    r = run_as_reader(bin, "map getnext pinned %s/lpm", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "18 00 00 00 0a 00 00 00");
    out_free(&r);
    r = run_as_reader(bin, "map lookup pinned %s/h key 1 0 0 0", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "value: 02 00 00 00 00 00 00 00");
    out_free(&r);
    r = run_as_reader(bin, "map peek pinned %s/q", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "value: 09 00 00 00");
    out_free(&r);
    r = run_as_reader(bin, "-j map show pinned %s/a", d);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "\"type\":\"array\"");
    out_free(&r);
    /* writing commands open the pin for writing and say why they cannot */
    r = run_as_reader(bin, "map update pinned %s/h key 1 0 0 0 value 3 0 0 0 0 0 0 0", d);
    cr_assert_eq(r.status, 1);
    snprintf(cmd, sizeof(cmd),
             "Error: cannot open pinned map '%s/h' for writing: Permission denied (the pin is read-only to this "
             "process; commands that only read it open it read-only)\n",
             d);
    cr_assert_str_eq(r.stderr_, cmd);
    out_free(&r);
    r = run_as_reader(bin, "map pop pinned %s/q", d);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "for writing: Permission denied");
    out_free(&r);
    /* nothing was written: not even the LPM trie's lock word */
    after = cli_slurp(path);
    {
        struct stat st;

        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(memcmp(before, after, (size_t)st.st_size), 0, "the read-only reader changed the pin");
    }
    free(before);
    free(after);

    /* the library: BPF_F_RDONLY gives -EPERM for every write */
    {
        struct bpfrt_map *m;
        uint32_t k = 1, nk;
        uint64_t v = 5;
        BPFRT_OPTS(bpfrt_pin_opts, ro, .file_flags = BPF_F_RDONLY);
        BPFRT_OPTS(bpfrt_pin_opts, wo, .file_flags = BPF_F_WRONLY);

        snprintf(path, sizeof(path), "%s/h", d);
        cr_assert_eq(bpfrt_map__open_pinned_opts(path, &ro, &m), 0, "%s", bpfrt_pin_error());
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0);
        cr_assert_eq(v, 2);
        cr_assert_eq(bpfrt_map__get_next_key(m, NULL, &nk, 4), 0);
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), -EPERM);
        cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -EPERM);
        cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &v, 8, 0), -EPERM);
        cr_assert_eq(bpfrt_map__freeze(m), -EPERM);
        bpfrt_map__free(m);
        cr_assert_eq(bpfrt_map__open_pinned_opts(path, &wo, &m), -EINVAL);
        HAS(bpfrt_pin_error(), "only BPF_F_RDONLY");
    }
    rm_rf(d);
}

/* ------------------------------------------------------------ fuzz findings */

/* fuzz_prog with maps: an array lookup with its key at an odd stack
 * address read the key as a uint32_t through a misaligned pointer
 * (undefined behaviour: UBSan aborts the sanitized suite). */
Test(fuzz_findings, array_key_at_odd_stack_address)
{
    struct bpfrt_map *m;
    struct bpfrt_prog *p;
    char log[256], errbuf[256];
    uint32_t k = 1, id;
    uint64_t v = 0x1122;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 8, 4, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), 0);
    id = bpfrt_map__id(m);
    {
        /* key 1 at r10 - 7; r0 = *(u64 *)lookup(...) */
        const struct bpf_insn insns[] = {
            {.code = BPF_ST | BPF_MEM | BPF_B, .dst_reg = 10, .off = -7, .imm = 1},
            {.code = BPF_ST | BPF_MEM | BPF_B, .dst_reg = 10, .off = -6, .imm = 0},
            {.code = BPF_ST | BPF_MEM | BPF_H, .dst_reg = 10, .off = -5, .imm = 0},
            {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10},
            {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -7},
            {.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = (int32_t)id},
            {0},
            {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem},
            {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 1, .imm = 0},
            {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 0, .src_reg = 0},
            {.code = BPF_JMP | BPF_EXIT},
        };
        BPFRT_OPTS(bpfrt_prog_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
        cr_assert_eq(bpfrt_prog__load_insns(insns, sizeof(insns) / sizeof(insns[0]), &lo, &p), 0, "%s", log);
    }
    for (int checked = 0; checked < 2; checked++) {
        BPFRT_OPTS(bpfrt_run_opts, ro, .flags = checked ? BPFRT_RUN_CHECKED : 0, .err_buf = errbuf,
                   .err_size = sizeof(errbuf));
        cr_assert_eq(bpfrt_prog__run(p, &ro), 0, "%s", errbuf);
        cr_assert_eq(ro.retval, 0x1122);
    }
    bpfrt_prog__free(p);
    bpfrt_map__free(m);
}

/* A pinned map whose BTF holds a reference loop (a typedef naming itself
 * through another) is refused at open like any corrupt BTF, before a typed
 * dump follows the loop. */
Test(cli_hostile, pin_with_looping_btf_refused)
{
    struct btf *b = btf__new_empty();
    struct bpfrt_map *m;
    const void *raw;
    uint32_t sz;
    char d[64], path[128];
    struct out r;

    tmpdir(d);
    snprintf(path, sizeof(path), "%s/m", d);
    btf__add_int(b, "int", 4, BTF_INT_SIGNED); /* 1 */
    btf__add_typedef(b, "a", 3);                 /* 2 -> 3 -> 2 */
    btf__add_typedef(b, "b", 2);
    raw = btf__raw_data(b, &sz);
    {
        BPFRT_OPTS(bpfrt_map_create_opts, o, .btf_key_type_id = 1, .btf_value_type_id = 2);
        cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "m", 4, 4, 4, &o, &m), 0);
    }
    cr_assert_eq(map_set_btf(m, raw, sz), 0);
    cr_assert_eq(bpfrt_map__pin(m, path), 0, "%s", bpfrt_pin_error());
    bpfrt_map__free(m);
    btf__free(b);
    r = run("map dump pinned %s", path);
    cr_assert_eq(r.status, 1, "status %d (a crash is 128)\n%s", r.status, r.stderr_);
    HAS(r.stderr_, "is not a usable pinned bpfrt map: its BTF is corrupt: type [2] typedef 'a' refers to itself");
    out_free(&r);
    rm_rf(d);
}
