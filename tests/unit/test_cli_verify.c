/* test_cli_verify.c - `bpfrt prog verify` (the verdict, the reason with its
 * instruction and C source line, the statistics, the log, exit status 0 /
 * 1 / 2), programs of objects judged as libbpf would load them alone (CO-RE
 * poisoning, '?' sections, prog array initialisers naming programs not
 * loaded), the explanation `prog load` and `prog run` print when the
 * verifier refuses, and `--checked`.  Objects are compiled from
 * tests/data/verify/ at test time.
 *
 * Rejections used here are ones the verify stage makes before the
 * verifier's abstract interpretation exists (a helper outside the type's
 * set, as the kernel's check_helper_call says "unknown func"); checks
 * that need reachability (a poisoned CO-RE instruction in live code) are
 * skipped, saying so, until the verifier refuses a program that reads an
 * uninitialised r0 ("R0 !read_ok"). */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"

#define OBJDIR "build/cache/cli_verify"
#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "missing <%s> in:\n%s", (sub), (s))
#define HASNT(s, sub) cr_assert(strstr((s), (sub)) == NULL, "unexpected <%s> in:\n%s", (sub), (s))

static const char *build(const char *name)
{
    char src[128];

    snprintf(src, sizeof(src), "tests/data/verify/%s.c", name);
    return test_bpf_build(src, OBJDIR, name, "-Wall");
}

static struct out run(const char *fmt, const char *a, const char *b)
{
    char args[2048];

    snprintf(args, sizeof(args), fmt, a, b);
    return cli_sh("%s %s", cli_bin(), args);
}

/* The number after "key": in a JSON text; fails when absent or not a
 * number. */
static int64_t json_num(const char *s, const char *key)
{
    char k[64];
    const char *p;
    char *end;
    long long v;

    snprintf(k, sizeof(k), "\"%s\":", key);
    p = strstr(s, k);
    cr_assert_not_null(p, "no %s in %s", k, s);
    p += strlen(k);
    v = strtoll(p, &end, 10);
    cr_assert(end != p, "%s is not a number in %s", k, s);
    return v;
}

/* The line (from 1) of the first line of tests/data/verify/<file> that
 * contains needle. */
static unsigned line_of(const char *file, const char *needle)
{
    char path[128], buf[512];
    unsigned n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "tests/data/verify/%s", file);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    while (fgets(buf, sizeof(buf), f)) {
        n++;
        if (strstr(buf, needle)) {
            fclose(f);
            return n;
        }
    }
    fclose(f);
    cr_assert_fail("no '%s' in %s", needle, path);
    return 0;
}

/* The index of the first call of helper id in program prog of object o. */
static long call_index(const char *o, const char *prog, int id)
{
    struct bpfrt_object *obj;
    const struct bpfrt_program *p;
    long at = -1;

    cr_assert_eq(bpfrt_object__open_file(o, NULL, &obj), 0);
    p = bpfrt_object__find_program_by_name(obj, prog);
    cr_assert_not_null(p);
    for (size_t i = 0; i < bpfrt_program__insn_cnt(p) && at < 0; i++) {
        const struct bpf_insn *in = &bpfrt_program__insns(p)[i];
        if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 && in->imm == id)
            at = (long)i;
    }
    bpfrt_object__close(obj);
    cr_assert_geq(at, 0, "no call of helper %d in %s", id, prog);
    return at;
}

/* Does the verifier judge reachability yet?  The kernel refuses a lone
 * exit (r0 never written: "R0 !read_ok"); the verify stage without the
 * abstract interpretation accepts it. */
static int verifier_walks(void)
{
    struct bpf_insn exit_only = {.code = BPF_JMP | BPF_EXIT};
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_SOCKET_FILTER);

    return bpfrt_prog__verify_insns(&exit_only, 1, &o) != 0;
}

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

/* ------------------------------------------------------------- verdicts */

/* An accepted program: exit 0, bpfrt's JSON with every statistic a
 * number, no error, no log without log_level; the text form says
 * "accepted" and ends with the kernel's statistics line and the time. */
Test(cli_verify, accepted)
{
    const char *o = build("verify_ok");
    struct out r = run("-j prog verify %s prog pass%s", o, "");

    cr_assert_eq(r.status, 0, "status %d\n%s%s", r.status, r.stdout_, r.stderr_);
    cr_assert(!strncmp(r.stdout_, "{\"accepted\":true,\"processed_insns\":", 35), "%s", r.stdout_);
    cr_assert_geq(json_num(r.stdout_, "processed_insns"), 0);
    cr_assert_geq(json_num(r.stdout_, "total_states"), 0);
    cr_assert_geq(json_num(r.stdout_, "peak_states"), 0);
    cr_assert_geq(json_num(r.stdout_, "max_states_per_insn"), 0);
    cr_assert_geq(json_num(r.stdout_, "verification_time_ns"), 0);
    HASNT(r.stdout_, "\"error\"");
    HASNT(r.stdout_, "\"log\"");
    out_free(&r);
    /* the same with the object given as in `prog load OBJ`, and obj FILE */
    r = run("prog verify obj %s prog pass%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "accepted\n");
    HAS(r.stdout_, "insns (limit 1000000) max_states_per_insn ");
    HAS(r.stdout_, " total_states ");
    HAS(r.stdout_, " peak_states ");
    HAS(r.stdout_, " mark_read ");
    HAS(r.stdout_, "\nverification time ");
    out_free(&r);
}

/* A program the verifier refuses (a helper outside XDP's set, the
 * kernel's "unknown func bpf_skb_load_bytes#26"): exit 1, the error's
 * instruction is the call's index and its source the line of the call in
 * the C file. */
Test(cli_verify, rejected_names_insn_and_source)
{
    const char *o = build("verify_ok");
    long at = call_index(o, "wrong_helper", BPF_FUNC_skb_load_bytes);
    unsigned line = line_of("verify_ok.c", "if (bpf_skb_load_bytes(");
    char want[128];
    struct out r = run("-j prog verify %s prog wrong_helper%s", o, "");

    cr_assert_eq(r.status, 1, "status %d\n%s%s", r.status, r.stdout_, r.stderr_);
    HAS(r.stdout_, "{\"accepted\":false,");
    cr_assert_eq(json_num(r.stdout_, "insn"), at, "%s", r.stdout_);
    snprintf(want, sizeof(want), "verify_ok.c:%u\",\"message\":\"", line);
    HAS(r.stdout_, want);
    HAS(r.stdout_, "bpf_skb_load_bytes#26");
    HASNT(r.stdout_, "\"log\"");
    out_free(&r);
    r = run("prog verify %s prog wrong_helper%s", o, "");
    cr_assert_eq(r.status, 1);
    HAS(r.stdout_, "rejected\n");
    snprintf(want, sizeof(want), "insn %ld: unknown func bpf_skb_load_bytes#26", at);
    HAS(r.stdout_, want);
    snprintf(want, sizeof(want), "verify_ok.c:%u: ", line);
    HAS(r.stdout_, want);
    HAS(r.stdout_, "bpf_skb_load_bytes(ctx, 0, buf, sizeof(buf))");
    out_free(&r);
}

/* log_level puts the verifier's log in the JSON ("log"), and before the
 * verdict in text; unpriv is accepted. */
Test(cli_verify, log_level_gives_log)
{
    const char *o = build("verify_ok");
    struct out r = run("-j prog verify %s prog wrong_helper log_level 2%s", o, "");

    cr_assert_eq(r.status, 1, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, ",\"log\":\"");
    HAS(r.stdout_, "\"error\":{");
    out_free(&r);
    r = run("-j prog verify %s prog pass unpriv log_level 1%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, ",\"log\":\"");
    out_free(&r);
}

/* Input that cannot be verified at all: exit 2 and a message naming what
 * is wrong, in text and in JSON; never a crash. */
Test(cli_verify, bad_input_exit_2)
{
    const char *o = build("verify_ok");
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"prog verify /nonexistent/x.o", "cannot open object '/nonexistent/x.o'"},
        {"prog verify tests/data/verify/verify_ok.c", "not an ELF"},
        {"prog verify /tmp", "not a readable regular file"},
        {"prog verify %s prog no_such_prog", "has no program 'no_such_prog' (programs: pass, wrong_helper)"},
        {"prog verify %s", "has 2 programs (pass, wrong_helper)"},
        {"prog verify %s prog pass log_level 8", "log_level '8' is not a level from 0 to 7"},
        {"prog verify %s prog pass log_level", "'log_level' needs a value"},
        {"prog verify %s prog pass bogus", "unknown keyword 'bogus'"},
        {"prog verify %s prog pass type nosuchtype", "unknown program type 'nosuchtype'"},
        {"prog verify", "needs a PROG"},
        {"prog verify raw", "'raw' needs a FILE"},
        {"prog verify raw /nonexistent", "cannot read '/nonexistent'"},
        {"prog verify id 3", "needs the object store"},
        {"prog verify pinned /nonexistent/p", "/nonexistent/p"},
    };
    char args[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct out r;
        snprintf(args, sizeof(args), cases[i].args, o);
        r = run("%s%s", args, "");
        cr_assert_eq(r.status, 2, "'%s': status %d (a crash is 128)\n%s%s", args, r.status, r.stdout_, r.stderr_);
        HAS(r.stderr_, "Error: ");
        HAS(r.stderr_, cases[i].msg);
        cr_assert_eq(r.stdout_[0], 0, "%s", r.stdout_);
        out_free(&r);
        r = run("-j %s%s", args, "");
        cr_assert_eq(r.status, 2, "'-j %s': status %d", args, r.status);
        HAS(r.stdout_, "{\"error\":\"");
        out_free(&r);
    }
}

/* Raw instruction files: of a type given, verified as that type (a
 * helper XDP may not call: rejected, exit 1, the instruction named, no
 * source); of no type, bpfrt's raw convention (which allows it).  Bad
 * files: exit 2. */
Test(cli_verify, raw_files)
{
    /* r1 = 0; call bpf_skb_load_bytes; r0 = 2; exit */
    const struct bpf_insn prog[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1},
        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_skb_load_bytes},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 2},
        {.code = BPF_JMP | BPF_EXIT},
    };
    char dir[] = "/tmp/bpfrt-verify-XXXXXX", f[128], odd[128], empty[128];
    struct out r;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(f, sizeof(f), "%s/p.bin", dir);
    snprintf(odd, sizeof(odd), "%s/odd.bin", dir);
    snprintf(empty, sizeof(empty), "%s/empty.bin", dir);
    write_file(f, prog, sizeof(prog));
    write_file(odd, prog, 5);
    write_file(empty, prog, 0);
    r = run("-j prog verify raw %s type xdp%s", f, "");
    cr_assert_eq(r.status, 1, "%s%s", r.stdout_, r.stderr_);
    cr_assert_eq(json_num(r.stdout_, "insn"), 1);
    HAS(r.stdout_, "\"source\":null");
    HAS(r.stdout_, "bpf_skb_load_bytes#26");
    out_free(&r);
    r = run("prog verify raw %s%s", f, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    out_free(&r);
    /* prog run raw FILE type xdp verifies first and says why not */
    r = run("prog run raw %s type xdp%s", f, "");
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "insn 1: unknown func bpf_skb_load_bytes#26: programs of type xdp may not call it");
    out_free(&r);
    r = run("prog verify raw %s%s", odd, "");
    cr_assert_eq(r.status, 2);
    HAS(r.stderr_, "5 bytes is not a whole number of 8-byte instructions");
    out_free(&r);
    r = run("prog verify raw %s%s", empty, "");
    cr_assert_eq(r.status, 2);
    HAS(r.stderr_, "no instructions");
    out_free(&r);
    cr_assert_eq(cli_sh("rm -rf %s", dir).status, 0);
}

/* ------------------------------------------------------------ CO-RE */

/* A CO-RE relocation that finds no match poisons its instruction (as
 * libbpf's bpf_core_poison_insn): in a branch bpf_core_field_exists
 * proves dead, the program is accepted (the kernel removes dead code);
 * reached, it is refused and the refusal names the relocation, its
 * instruction and its source line.  Loading the object (prog dump,
 * run, load) refuses it the same way. */
Test(cli_verify, core_poison)
{
    const char *o = build("verify_core");
    unsigned line = line_of("verify_core.c", "return (int)ctx->bpfrt_no_such_arg;");
    char want[160];
    struct out r = run("-j prog verify %s prog core_guarded%s", o, "");

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "{\"accepted\":true,");
    out_free(&r);
    /* the loader's side, today and with the verifier: the load refuses
     * the reached poison with the relocation's name and source line */
    r = run("prog dump xlated obj %s prog core_reached%s", o, "");
    cr_assert_eq(r.status, 1, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stderr_, "program 'core_reached': CO-RE relocation failed at insn ");
    HAS(r.stderr_, "byte_off of struct bpf_raw_tracepoint_args___bpfrt.bpfrt_no_such_arg");
    snprintf(want, sizeof(want), "verify_core.c:%u: ", line);
    HAS(r.stderr_, want);
    out_free(&r);
    cr_assert(verifier_walks(), "the verifier must judge which instructions are reached");
    r = run("-j prog verify %s prog core_reached%s", o, "");
    cr_assert_eq(r.status, 1, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "\"message\":\"CO-RE relocation failed at insn ");
    HAS(r.stdout_, "bpfrt_no_such_arg");
    snprintf(want, sizeof(want), "verify_core.c:%u\"", line);
    HAS(r.stdout_, want);
    out_free(&r);
}

/* ------------------------------------------ '?' sections and prog arrays */

/* A '?' section's program is not loaded with the object (libbpf's
 * autoload off) but verifies and runs when named (prog NAME or sec
 * ?SECTION); the prog array initialiser naming it does not stop the rest
 * of the object from loading (its slot stays empty); listings leave it
 * out. */
Test(cli_verify, optional_section)
{
    const char *o = build("verify_opt");
    struct out r = run("prog verify %s prog optional%s", o, "");

    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    out_free(&r);
    r = run("prog verify %s sec ?raw%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    out_free(&r);
    r = run("prog run obj %s prog optional%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 7,");
    out_free(&r);
    r = run("prog run obj %s prog entry%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "Return value: 0,");
    out_free(&r);
    r = run("-j prog show obj %s%s", o, "");
    cr_assert_eq(r.status, 0, "%s%s", r.stdout_, r.stderr_);
    HAS(r.stdout_, "\"name\":\"entry\"");
    HASNT(r.stdout_, "\"name\":\"optional\"");
    out_free(&r);
}

/* --checked runs the program in the checked interpreter: the same result
 * as the default run (and the executed instructions counted). */
Test(cli_verify, checked_run_same_result)
{
    const char *o = build("verify_opt");
    char dir[] = "/tmp/bpfrt-verify-XXXXXX", d[128];
    struct out a, b;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(d, sizeof(d), "%s/data", dir);
    write_file(d, "abc", 3);
    a = run("-j prog run obj %s prog entry data_in %s", o, d);
    b = run("-j --checked prog run obj %s prog entry data_in %s", o, d);
    cr_assert_eq(a.status, 0, "%s%s", a.stdout_, a.stderr_);
    cr_assert_eq(b.status, 0, "%s%s", b.stdout_, b.stderr_);
    cr_assert_eq(json_num(a.stdout_, "retval"), 'a' + 'b' + 'c');
    cr_assert_eq(json_num(b.stdout_, "retval"), json_num(a.stdout_, "retval"));
    out_free(&a);
    out_free(&b);
    b = run("-d --checked prog run obj %s prog entry data_in %s", o, d);
    cr_assert_eq(b.status, 0, "%s", b.stderr_);
    HAS(b.stdout_, "Return value: 294,");
    HAS(b.stdout_, "Instructions executed: ");
    out_free(&b);
    cr_assert_eq(cli_sh("rm -rf %s", dir).status, 0);
}

/* ------------------------------------------- load, loadall: the reason */

/* prog load and loadall verify every program first: a refused one stops
 * them with the reason, the instruction and the C line; log_level prints
 * the verifier's log (per program) before the error. */
Test(cli_verify, load_refusal_explained)
{
    const char *o = build("verify_ok");
    long at = call_index(o, "wrong_helper", BPF_FUNC_skb_load_bytes);
    unsigned line = line_of("verify_ok.c", "if (bpf_skb_load_bytes(");
    char dir[] = "/tmp/bpfrt-verify-XXXXXX", want[160], cmd[512];
    struct out r;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(want, sizeof(want), "program 'wrong_helper': insn %ld: unknown func bpf_skb_load_bytes#26", at);
    snprintf(cmd, sizeof(cmd), "BPFRT_FS=%s %s prog load %s %s/p", dir, cli_bin(), o, dir);
    r = cli_sh("%s", cmd);
    cr_assert_eq(r.status, 1, "%s", r.stderr_);
    HAS(r.stderr_, want);
    snprintf(want, sizeof(want), "verify_ok.c:%u: ", line);
    HAS(r.stderr_, want);
    out_free(&r);
    snprintf(cmd, sizeof(cmd), "BPFRT_FS=%s %s prog loadall %s %s/all log_level 1", dir, cli_bin(), o, dir);
    r = cli_sh("%s", cmd);
    cr_assert_eq(r.status, 1, "%s", r.stderr_);
    HAS(r.stderr_, "program 'wrong_helper':\n");
    HAS(r.stderr_, "Error: cannot load object");
    out_free(&r);
    snprintf(cmd, sizeof(cmd), "BPFRT_FS=%s %s prog load %s %s/q log_level 99", dir, cli_bin(), o, dir);
    r = cli_sh("%s", cmd);
    cr_assert_eq(r.status, 1);
    HAS(r.stderr_, "log_level '99' is not a level");
    out_free(&r);
    /* nothing pinned by the refused loads */
    snprintf(want, sizeof(want), "%s/p", dir);
    cr_assert_eq(access(want, F_OK), -1);
    snprintf(want, sizeof(want), "%s/all/pass", dir);
    cr_assert_eq(access(want, F_OK), -1);
    cr_assert_eq(cli_sh("rm -rf %s", dir).status, 0);
}

/* ------------------------------------------------------------- library */

/* bpfrt_program__verify on an opened object leaves it loadable: the
 * maps it created and the program it relocated are those the load uses;
 * on a loaded object it verifies again. */
Test(cli_verify, library_verify_then_load)
{
    const char *o = build("verify_opt");
    struct bpfrt_object *obj;
    struct bpfrt_program *p;
    struct bpfrt_verify_stats st;
    struct bpfrt_diag d = {.sz = sizeof(d)};
    char log[1024];
    BPFRT_OPTS(bpfrt_verify_opts, vo, .log_buf = log, .log_size = sizeof(log), .stats = &st, .diag = &d);

    cr_assert_eq(bpfrt_object__open_file(o, NULL, &obj), 0);
    p = bpfrt_object__find_program_by_name(obj, "entry");
    cr_assert_eq(bpfrt_program__autoload(p), 1);
    cr_assert_eq(bpfrt_program__autoload(bpfrt_object__find_program_by_name(obj, "optional")), 0);
    cr_assert_eq(bpfrt_program__verify(p, &vo), 0, "%s", log);
    cr_assert_eq(vo.verdict, BPFRT_VERDICT_ACCEPTED);
    cr_assert_eq(bpfrt_object__load(obj), 0);
    cr_assert_not_null(bpfrt_program__prog(p));
    cr_assert_null(bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "optional")));
    cr_assert_eq(bpfrt_program__set_autoload(p, 0), -EBUSY);
    vo.verdict = BPFRT_VERDICT_NONE;
    cr_assert_eq(bpfrt_program__verify(p, &vo), 0, "%s", log);
    cr_assert_eq(vo.verdict, BPFRT_VERDICT_ACCEPTED);
    cr_assert_eq(bpfrt_program__verify(NULL, &vo), -EINVAL);
    cr_assert_eq(bpfrt_program__verify(p, NULL), -EINVAL);
    bpfrt_object__close(obj);
}
