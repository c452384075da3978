/* test_cli_obj.c - the bpfrt command on ELF objects: `btf dump file`,
 * `prog dump xlated / show` with `obj FILE`, `map ...` with `obj FILE name
 * NAME`, `map create`.  Objects are compiled from tests/data/cli/ (C) at
 * test time; where bpftool is installed and bpf() works, outputs are
 * compared with bpftool's on the same object loaded in the kernel. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"

#define OBJDIR "build/cache/cli"

/* Run a shell command line, capturing both streams. */
static struct out sh(const char *line)
{
    return cli_sh("%s", line);
}

/* Run "$BPFRT <args>". */
static struct out run(const char *args)
{
    return cli_sh("%s %s", cli_bin(), args);
}

/* The object of tests/data/cli/<name>.c (compiled once; concurrent tests
 * each write a private file and rename it into place). */
static const char *obj(const char *name)
{
    static char paths[8][256];
    static int next;
    char *path = paths[next++ % 8], cmd[1024];
    struct stat st, src;

    snprintf(path, sizeof(paths[0]), OBJDIR "/%s.o", name);
    snprintf(cmd, sizeof(cmd), "tests/data/cli/%s.c", name);
    cr_assert_eq(stat(cmd, &src), 0, "no %s", cmd);
    if (stat(path, &st) == 0 && st.st_mtime >= src.st_mtime)
        return path; /* up to date */
    cr_assert_eq(system("mkdir -p " OBJDIR), 0);
    snprintf(cmd, sizeof(cmd),
             "clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c tests/data/cli/%s.c -o %s.%d && "
             "mv -f %s.%d %s",
             name, path, getpid(), path, getpid(), path);
    cr_assert_eq(system(cmd), 0, "cannot compile tests/data/cli/%s.c", name);
    return path;
}

static int have_bpftool(void)
{
    return geteuid() == 0 && access("/usr/sbin/bpftool", X_OK) == 0 && access("/sys/fs/bpf", W_OK) == 0;
}

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "missing <%s> in:\n%s", (sub), (s))

/* --------------------------------------------------------------- btf dump */

Test(cli_obj, btf_dump_raw_json_and_c_match_bpftool)
{
    const char *o = obj("globals");
    static const char *const forms[][2] = {{"", ""}, {"-j", ""}, {"", "format c"}, {"", "format raw"}};
    char a[512], b[512];

    if (access("/usr/sbin/bpftool", X_OK))
        cr_skip_test("bpftool not installed");
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        snprintf(a, sizeof(a), "%s btf dump file %s %s", forms[k][0], o, forms[k][1]);
        snprintf(b, sizeof(b), "/usr/sbin/bpftool %s btf dump file %s %s", forms[k][0], o, forms[k][1]);
        struct out r = run(a), w = sh(b);
        cr_assert_eq(r.status, 0, "%s: %s", a, r.stderr_);
        cr_assert_eq(w.status, 0);
        cr_assert_str_eq(r.stdout_, w.stdout_, "bpfrt %s differs from bpftool", a);
        out_free(&r);
        out_free(&w);
    }
    struct out r = run("btf dump file tests/data/cli/nonexistent.o");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: ");
    HAS(r.stderr_, "tests/data/cli/nonexistent.o");
    out_free(&r);
}

Test(cli_obj, btf_dump_errors)
{
    char a[512];
    const char *o = obj("globals");
    struct out r;

    snprintf(a, sizeof(a), "btf dump file %s format xml", o);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: unrecognized format specifier: 'xml', possible values: raw, c");
    out_free(&r);
    snprintf(a, sizeof(a), "-j btf dump file %s format c", o);
    r = run(a);
    cr_assert_neq(r.status, 0);
    cr_assert_str_eq(r.stdout_, "{\"error\":\"JSON output for C-syntax dump is not supported\"}\n");
    out_free(&r);
    r = run("btf dump id 3");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs the object store");
    out_free(&r);
    r = run("btf dump file");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: 'file' needs a path");
    out_free(&r);
    r = run("btf dump file tests/data/cli/globals.c"); /* not BTF */
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: failed to dump BTF of 'tests/data/cli/globals.c'");
    out_free(&r);
}

/* ------------------------------------------------------- prog dump jited */

/* The JIT's code in bpftool's layout (capstone, AT&T syntax): each BPF
 * instruction's code under its text, after the source line. */
Test(cli_obj, prog_dump_jited_annotated)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "prog dump jited obj %s prog entry opcodes linum", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "_entry:\n; [0x0, 0x");
    HAS(r.stdout_, "int entry(struct xdp_md * ctx):\n; int v = clamp((int)ctx->rx_queue_index); [file:");
    HAS(r.stdout_, "line_col:13]\n; insn 0: r1 = *(u32 *)(r1 + 40)\n");
    HAS(r.stdout_, ":\tmovl   0x28(%rdi), %edi\n\t8b 7f 28\n");
    HAS(r.stdout_, "; insn 18: exit\n");
    HAS(r.stdout_, ":\tretq");
    out_free(&r);
    snprintf(a, sizeof(a), "--engine interp prog dump jited obj %s prog entry", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "runs in engine 'interp', not the JIT");
    out_free(&r);
}

/* ------------------------------------------------------ prog dump xlated */

Test(cli_obj, prog_dump_xlated_with_line_info_and_subprograms)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "prog dump xlated obj %s prog entry linum", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    /* bpftool's layout: prototype, source line before its instructions */
    cr_assert(strncmp(r.stdout_,
                      "int entry(struct xdp_md * ctx):\n; int v = clamp((int)ctx->rx_queue_index); [file:", 80) == 0,
              "got:\n%s", r.stdout_);
    /* the xlated program reads the converted context: xdp_md.rx_queue_index
     * (offset 16) is bpfrt's run-time context's field at 40, as the kernel
     * converts it to its struct xdp_buff */
    HAS(r.stdout_, "lines.c line_num:20 line_col:13]\n   0: (61) r1 = *(u32 *)(r1 + 40)\n");
    HAS(r.stdout_, "   1: (85) call pc+6#bpf_prog_");
    HAS(r.stdout_, "_clamp\n");
    HAS(r.stdout_, "int clamp(int x):\n; __attribute__((noinline)) int clamp(int x) [file:");
    HAS(r.stdout_, "int scale(int x):\n");
    HAS(r.stdout_, "; return x * 3 + 1; [file:");
    HAS(r.stdout_, "  18: (95) exit\n");
    out_free(&r);

    /* without linum: the source line alone */
    snprintf(a, sizeof(a), "prog dump xlated obj %s sec xdp opcodes", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "; return v & 1 ? XDP_PASS : XDP_DROP;\n   3: (57) r1 &= 1\n       57 01 00 00 01 00 00 00\n");
    cr_assert_null(strstr(r.stdout_, "[file:"));
    out_free(&r);
}

Test(cli_obj, prog_dump_xlated_json_keys_as_bpftool)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "-j prog dump xlated obj %s prog entry opcodes", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    const char *want =
        "[{\"proto\":\"int entry(struct xdp_md * ctx)\",\"src\":\"int v = clamp((int)ctx->rx_queue_index);"
        "\",\"disasm\":\"(61) r1 = *(u32 *)(r1 + 40)\",\"opcodes\":{\"code\":\"0x61\",\"src_reg\":\"0x1\","
        "\"dst_reg\":\"0x1\",\"off\":[\"0x28\",\"0x00\"],\"imm\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"]}},";
    cr_assert(strncmp(r.stdout_, want, strlen(want)) == 0, "got:\n%s", r.stdout_);
    out_free(&r);
    snprintf(a, sizeof(a), "-j prog dump xlated obj %s prog entry linum", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "\"line_num\":20,\"line_col\":13,\"disasm\":\"(61) r1 = *(u32 *)(r1 + 40)\"}");
    HAS(r.stdout_, "\"file\":\"");
    out_free(&r);
    /* maps named by id, as bpftool shows a loaded program */
    snprintf(a, sizeof(a), "prog dump xlated obj %s", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, " = map[id:1]\n");
    HAS(r.stdout_, " = map[id:5][0]+0\n");
    out_free(&r);
}

Test(cli_obj, prog_selection_errors)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "prog dump xlated obj %s", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "has 2 programs (entry, other): choose one with 'prog NAME' or 'sec SECTION'");
    out_free(&r);
    snprintf(a, sizeof(a), "prog dump xlated obj %s prog nope", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "has no program 'nope' (programs: entry, other)");
    out_free(&r);
    snprintf(a, sizeof(a), "-j prog dump xlated obj %s sec kprobe/x", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stdout_, "{\"error\":\"object '");
    HAS(r.stdout_, "has no program in section 'kprobe/x'\"}");
    out_free(&r);
    r = run("prog dump xlated obj /nonexistent/x.o");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: cannot open object '/nonexistent/x.o'");
    out_free(&r);
    snprintf(a, sizeof(a), "prog dump xlated obj %s prog entry sec xdp", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "not both");
    out_free(&r);
    snprintf(a, sizeof(a), "prog show obj %s type nosuchtype", obj("lines"));
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "unknown program type 'nosuchtype'");
    out_free(&r);
}

/* ----------------------------------------------------------- prog show */

Test(cli_obj, prog_show_text_json_and_type_override)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "prog show obj %s", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "1: xdp  name count_packets  tag ");
    HAS(r.stdout_, "  gpl\n\tloaded_at ");
    HAS(r.stdout_, "  uid ");
    HAS(r.stdout_, "\txlated ");
    /* verified: it runs in the JIT (bpftool's "jited 120B") */
    HAS(r.stdout_, "B  jited ");
    HAS(r.stdout_, "B  map_ids 1,2,3,4,"); /* in order of first reference, as the kernel's */
    out_free(&r);
    snprintf(a, sizeof(a), "--engine interp prog show obj %s", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "B  not jited  map_ids 1,2,3,4,");
    out_free(&r);
    snprintf(a, sizeof(a), "-j prog list obj %s", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "[{\"id\":1,\"type\":\"xdp\",\"name\":\"entry\",\"tag\":\"");
    HAS(r.stdout_, "\"gpl_compatible\":true,\"loaded_at\":");
    HAS(r.stdout_, "\"bytes_xlated\":152,\"jited\":true,\"bytes_jited\":");
    HAS(r.stdout_, "{\"id\":2,\"type\":\"sched_cls\",\"name\":\"other\"");
    out_free(&r);
    /* `type` sets the type of every program, as iproute2 does */
    snprintf(a, sizeof(a), "-j prog show obj %s prog other type socket", obj("lines"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strncmp(r.stdout_, "{\"id\":2,\"type\":\"socket_filter\",\"name\":\"other\"", 45) == 0, "%s", r.stdout_);
    out_free(&r);
    /* without PROG: the programs pinned under the state directory (none
     * in an empty one), as bpftool lists the loaded ones */
    char fs[] = "/tmp/bpfrt-cliobj-fsXXXXXX";
    cr_assert_not_null(mkdtemp(fs));
    snprintf(a, sizeof(a), "BPFRT_FS=%s %s -j prog show", fs, getenv("BPFRT") ? getenv("BPFRT") : "build/bpfrt");
    r = sh(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "[]\n");
    out_free(&r);
    snprintf(a, sizeof(a), "rm -rf %s", fs);
    cr_assert_eq(system(a), 0);
}

/* The tag is the kernel's: load the same object with bpftool and compare. */
Test(cli_obj, prog_tag_matches_kernel)
{
    static const char *const objs[] = {"globals", "lines", "legacy"};
    char a[1024], pin[128];

    if (!have_bpftool())
        cr_skip_test("needs root, bpftool and bpffs");
    for (size_t k = 0; k < sizeof(objs) / sizeof(objs[0]); k++) {
        const char *o = obj(objs[k]);
        struct out w, r;
        if (!strcmp(objs[k], "legacy"))
            continue; /* libbpf 1.x refuses legacy maps: tags checked on the others */
        snprintf(pin, sizeof(pin), "/sys/fs/bpf/bpfrt-cliobj-%d-%zu", getpid(), k);
        snprintf(a, sizeof(a), "/usr/sbin/bpftool prog loadall %s %s && /usr/sbin/bpftool prog show pinned %s/%s", o,
                 pin, pin, !strcmp(objs[k], "lines") ? "entry" : "count_packets");
        w = sh(a);
        snprintf(a, sizeof(a), "rm -rf %s", pin);
        cr_assert_eq(system(a), 0);
        if (w.status) {
            out_free(&w);
            cr_skip_test("the kernel refused %s", o);
        }
        const char *t = strstr(w.stdout_, "tag ");
        cr_assert_not_null(t);
        char tag[17];
        memcpy(tag, t + 4, 16);
        tag[16] = 0;
        snprintf(a, sizeof(a), "prog show obj %s prog %s", o, !strcmp(objs[k], "lines") ? "entry" : "count_packets");
        r = run(a);
        cr_assert_eq(r.status, 0, "%s", r.stderr_);
        HAS(r.stdout_, tag);
        out_free(&r);
        out_free(&w);
    }
}

/* ------------------------------------------------------------------ maps */

Test(cli_obj, map_show_and_list)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "map list obj %s", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "1: array  name counts  flags 0x0\n\tkey 4B  value 8B  max_entries 4\n");
    HAS(r.stdout_, "2: hash  name flows  flags 0x0\n\tkey 8B  value 24B  max_entries 16\n");
    HAS(r.stdout_, ": percpu_array  name pcpu  flags 0x0\n");
    HAS(r.stdout_, ": queue  name fifo  flags 0x0\n\tkey 0B  value 4B  max_entries 8\n");
    HAS(r.stdout_, ": array  name globals.rodata  flags 0x480\n\tkey 4B  value 6B  max_entries 1\n\tfrozen\n");
    HAS(r.stdout_, ": array  name globals.bss  flags 0x400\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map show obj %s name flows", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "{\"id\":2,\"type\":\"hash\",\"name\":\"flows\",\"flags\":0,\"bytes_key\":8,"
                                "\"bytes_value\":24,\"max_entries\":16,\"frozen\":0}\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map list obj %s", obj("legacy"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "[{\"id\":1,\"type\":\"array\",\"name\":\"hits\",");
    HAS(r.stdout_, "{\"id\":2,\"type\":\"hash\",\"name\":\"peers\",");
    out_free(&r);
}

/* Typed dumps of global data, identical to bpftool's on the same object. */
Test(cli_obj, map_dump_global_data_matches_bpftool)
{
    static const char *const maps[] = {"globals.data", "globals.bss", "globals.rodata", "counts"};
    const char *o = obj("globals");
    char a[1024], pin[128];

    if (!have_bpftool())
        cr_skip_test("needs root, bpftool and bpffs");
    snprintf(pin, sizeof(pin), "/sys/fs/bpf/bpfrt-cliobj-maps-%d", getpid());
    snprintf(a, sizeof(a), "/usr/sbin/bpftool prog loadall %s %s", o, pin);
    struct out l = sh(a);
    if (l.status) {
        out_free(&l);
        cr_skip_test("the kernel refused %s", o);
    }
    out_free(&l);
    for (size_t k = 0; k < sizeof(maps) / sizeof(maps[0]); k++)
        for (int json = 0; json < 2; json++) {
            struct out w, r;
            /* bpftool by the pinned program's map ids: names may clash with other objects */
            snprintf(a, sizeof(a),
                     "for id in $(/usr/sbin/bpftool prog show pinned %s/count_packets | sed -n 's/.*map_ids //p' | "
                     "tr , ' '); do /usr/sbin/bpftool map show id $id | grep -q ' name %s ' && "
                     "/usr/sbin/bpftool %s map dump id $id; done",
                     pin, maps[k], json ? "-j" : "");
            w = sh(a);
            snprintf(a, sizeof(a), "%s map dump obj %s name %s", json ? "-j" : "", o, maps[k]);
            r = run(a);
            cr_assert_eq(r.status, 0, "%s", r.stderr_);
            cr_assert_str_eq(r.stdout_, w.stdout_, "map %s (%s) differs from bpftool", maps[k], json ? "json" : "text");
            out_free(&w);
            out_free(&r);
        }
    snprintf(a, sizeof(a), "rm -rf %s", pin);
    cr_assert_eq(system(a), 0);
}

Test(cli_obj, map_dump_typed_text_and_json)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "map dump obj %s name globals.data", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_,
                     "[{\n        \"value\": {\n            \".data\": [{\n                    \"limit\": 42\n"
                     "                },{\n                    \"defaults\": {\n"
                     "                        \"packets\": 1,\n                        \"bytes\": 2,\n"
                     "                        \"tag\": \"ab\",\n                        \"delta\": -1\n"
                     "                    }\n                },{\n                    \"mode\": \"MODE_ON\"\n"
                     "                }\n            ]\n        }\n    }\n]\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map dump obj %s name globals.bss", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x00\",\"0x00\",\"0x00\","
                                "\"0x00\"],\"formatted\":{\"value\":{\".bss\":[{\"counter\":0}]}}}]\n");
    out_free(&r);
    snprintf(a, sizeof(a), "map dump obj %s name flows", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "[]\n");
    out_free(&r);
    /* per-CPU: one value per CPU */
    snprintf(a, sizeof(a), "-j map dump obj %s name pcpu", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_,
        "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"values\":[{\"cpu\":0,\"value\":[\"0x00\",\"0x00\","
        "\"0x00\",\"0x00\"]}");
    HAS(r.stdout_, "\"formatted\":{\"key\":0,\"values\":[{\"cpu\":0,\"value\":0}");
    out_free(&r);
    snprintf(a, sizeof(a), "map dump obj %s name pcpu", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "[{\n        \"key\": 0,\n        \"values\": [{\n                \"cpu\": 0,\n");
    out_free(&r);
}

Test(cli_obj, map_dump_hex_without_btf)
{
    char a[512];
    struct out r;

    snprintf(a, sizeof(a), "map dump obj %s name hits", obj("legacy"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: 00 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                                "key: 01 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                                "key: 02 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                                "key: 03 00 00 00  value: 00 00 00 00 00 00 00 00\n"
                                "Found 4 elements\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map dump obj %s name hits", obj("legacy"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x00\",");
    cr_assert_null(strstr(r.stdout_, "formatted"));
    out_free(&r);
    snprintf(a, sizeof(a), "map dump obj %s name peers", obj("legacy"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "Found 0 elements\n");
    out_free(&r);
    /* a queue carries no BTF in the kernel either: hex, empty */
    snprintf(a, sizeof(a), "map dump obj %s name fifo", obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "Found 0 elements\n");
    out_free(&r);
}

Test(cli_obj, map_lookup_and_getnext)
{
    char a[512];
    struct out r;
    const char *g = obj("globals"), *l = obj("legacy");

    snprintf(a, sizeof(a), "map lookup obj %s name counts key 1 0 0 0", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "{\n    \"key\": 1,\n    \"value\": 0\n}\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map lookup obj %s name counts key hex 02 00 00 00", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_,
                     "{\"key\":[\"0x02\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x00\",\"0x00\",\"0x00\","
                     "\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"formatted\":{\"key\":2,\"value\":0}}\n");
    out_free(&r);
    snprintf(a, sizeof(a), "map lookup obj %s name hits key 0x03 0 0 0", l);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: 03 00 00 00  value: 00 00 00 00 00 00 00 00\n");
    out_free(&r);
    snprintf(a, sizeof(a), "map lookup obj %s name hits key 9 0 0 0", l);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: key not found in map 'hits'");
    out_free(&r);
    snprintf(a, sizeof(a), "map getnext obj %s name counts key 1 0 0 0", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key:\n01 00 00 00\nnext key:\n02 00 00 00\n");
    out_free(&r);
    snprintf(a, sizeof(a), "map getnext obj %s name counts", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "key: None\nnext key:\n00 00 00 00\n");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map getnext obj %s name counts", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "{\"key\":null,\"next_key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"]}\n");
    out_free(&r);
    snprintf(a, sizeof(a), "map getnext obj %s name counts key 3 0 0 0", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: can't get next key: No such file or directory");
    out_free(&r);
}

Test(cli_obj, map_update_delete_freeze)
{
    char a[512];
    struct out r;
    const char *g = obj("globals");

    snprintf(a, sizeof(a), "map update obj %s name counts key 1 0 0 0 value 1 0 0 0 0 0 0 0", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map update obj %s name flows key 1 0 0 0 80 0 6 0 value %s noexist", g,
             "1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0 97 98 0 0 255 255 255 255");
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "null\n");
    out_free(&r);
    /* the kernel's errors: .rodata is frozen, array slots cannot be deleted */
    snprintf(a, sizeof(a), "map update obj %s name globals.rodata key 0 0 0 0 value 0 0 0 0 0 0", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: update in map 'globals.rodata' of '");
    HAS(r.stderr_, "failed: Operation not permitted");
    out_free(&r);
    snprintf(a, sizeof(a), "map delete obj %s name counts key 0 0 0 0", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "failed: Invalid argument");
    out_free(&r);
    snprintf(a, sizeof(a), "map delete obj %s name flows key 0 0 0 0 0 0 0 0", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "failed: No such file or directory");
    out_free(&r);
    snprintf(a, sizeof(a), "map update obj %s name counts key 4 0 0 0 value 1 0 0 0 0 0 0 0 exist", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "failed: ");
    out_free(&r);
    snprintf(a, sizeof(a), "map update obj %s name counts key 1 0 0 0 value 1 0", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: value expected 8 bytes got 2");
    out_free(&r);
    snprintf(a, sizeof(a), "map lookup obj %s name counts key 1 0 0 zz", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: can't parse 'zz' as a byte of key");
    out_free(&r);
    snprintf(a, sizeof(a), "map freeze obj %s name counts", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(a, sizeof(a), "map freeze obj %s name globals.rodata", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "freeze in map 'globals.rodata'");
    out_free(&r);
}

Test(cli_obj, map_queue_push_peek_pop)
{
    char a[512];
    struct out r;
    const char *g = obj("globals");

    snprintf(a, sizeof(a), "map push obj %s name fifo value 7 0 0 0", g);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(a, sizeof(a), "map peek obj %s name fifo", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: empty map");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map pop obj %s name fifo", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stdout_, "{\"error\":\"empty map");
    out_free(&r);
    snprintf(a, sizeof(a), "map pop obj %s name counts", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs a queue or stack map");
    out_free(&r);
}

Test(cli_obj, map_errors)
{
    char a[512];
    struct out r;
    const char *g = obj("globals");

    snprintf(a, sizeof(a), "map dump obj %s name nosuch", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "has no map 'nosuch' (maps: counts, flows, pcpu, fifo, globals.data, globals.rodata, globals.bss)");
    out_free(&r);
    snprintf(a, sizeof(a), "map dump obj %s", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs 'name NAME'");
    out_free(&r);
    r = run("map dump id 1");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs the object store");
    out_free(&r);
    r = run("-j map show obj /nonexistent.o");
    cr_assert_neq(r.status, 0);
    HAS(r.stdout_, "{\"error\":\"cannot open object '/nonexistent.o'");
    out_free(&r);
    snprintf(a, sizeof(a), "map lookup obj %s name counts", g);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs 'key BYTES' (4 bytes)");
    out_free(&r);
    r = run("map frobnicate");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "unknown command 'map frobnicate'");
    out_free(&r);
}

Test(cli_obj, map_create_validates_then_pins)
{
    char a[512];
    struct out r;

    /* pinning itself: tests/unit/test_pin_maps.c; here its error */
    char fs[] = "/tmp/bpfrt-cliobj-fsXXXXXX", want[256];
    cr_assert_not_null(mkdtemp(fs));
    setenv("BPFRT_FS", fs, 1); /* for the commands run below */
    snprintf(a, sizeof(a), "map create %s/nonexistent/x type hash key 4 value 8 entries 16 name flows", fs);
    r = run(a);
    cr_assert_neq(r.status, 0);
    snprintf(want, sizeof(want),
             "Error: map created (hash key 4 value 8 entries 16) but not pinned: cannot pin map 'flows' at "
             "'%s/nonexistent/x': its directory does not exist",
             fs);
    HAS(r.stderr_, want);
    out_free(&r);
    /* outside the state directory: refused, naming it (bpffs's rule) */
    r = run("map create /nonexistent/x type hash key 4 value 8 entries 16 name flows");
    cr_assert_neq(r.status, 0);
    snprintf(want, sizeof(want),
             "but not pinned: cannot pin at '/nonexistent/x': it is outside the state directory '%s'", fs);
    HAS(r.stderr_, want);
    out_free(&r);
    /* the kernel's errors come first */
    r = run("map create /sys/fs/bpf/x type array key 8 value 8 entries 4");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: map create failed: Invalid argument");
    out_free(&r);
    r = run("map create /sys/fs/bpf/x type hash key 0 value 8 entries 4");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: map create failed: Invalid argument");
    out_free(&r);
    r = run("map create /sys/fs/bpf/x type hashmap key 4 value 8 entries 4");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: invalid map type 'hashmap'");
    out_free(&r);
    r = run("map create /sys/fs/bpf/x type hash key 4 value 8");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: max entries not specified");
    out_free(&r);
    r = run("map create /sys/fs/bpf/x type hash key four value 8 entries 1");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: can't parse key 'four'");
    out_free(&r);
    snprintf(a, sizeof(a), "-j map create %s/nonexistent/x type queue key 0 value 4 entries 8", fs);
    r = run(a);
    cr_assert_neq(r.status, 0);
    HAS(r.stdout_, "{\"error\":\"map created (queue key 0 value 4 entries 8) but not pinned");
    out_free(&r);
    /* map-in-map with an inner map from an object: a hash of maps pins
     * (its elements refer to pins: test_pin_hom.c) */
    snprintf(a, sizeof(a), "map create %s/hom type hash_of_maps key 4 value 4 entries 2 inner_map obj %s name counts",
             fs, obj("globals"));
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    snprintf(a, sizeof(a), "map show pinned %s/hom", fs);
    r = run(a);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "hash_of_maps");
    out_free(&r);
    snprintf(a, sizeof(a), "rm -rf %s", fs);
    cr_assert_eq(system(a), 0);
}
