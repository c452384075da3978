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

/* A fresh directory under /tmp for one test; its path (static per call). */
static const char *tmpdir(char *buf)
{
    strcpy(buf, "/tmp/bpfrt-hostile-XXXXXX");
    cr_assert_not_null(mkdtemp(buf));
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
