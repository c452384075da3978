/* test_api.c - the public API the command lives on, called as an embedder
 * calls it (bpfrt/bpfrt.h only): the program tag, source facts, type
 * names, pins with a log and bffs's path rule, pin listing, object pins
 * with rollback, map facts, the pcap replay and BTF dumps.  Every test
 * points BPFRT_FS at a fresh mkdtemp directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "missing <%s> in:\n%s", (sub), (s))

static char fs[64];

static void setup(void)
{
    snprintf(fs, sizeof(fs), "/tmp/bpfrt-api-XXXXXX");
    cr_assert_not_null(mkdtemp(fs));
    setenv("BPFRT_FS", fs, 1); /* before the library first asks (once per test process) */
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s /tmp/bpfrt-api-out-%d", fs, (int)getpid());
    cr_assert_eq(system(cmd), 0);
}

static const char *pth(const char *rel)
{
    static char b[4][PATH_MAX];
    static int n;
    char *p = b[n++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", fs, rel);
    return p;
}

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

/* A loaded object of tests/data/cli/<name>.c. */
static struct bpfrt_object *load_obj(const char *name)
{
    char src[128];
    struct bpfrt_object *obj;
    char log[1024] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = log, .log_size = sizeof(log));

    snprintf(src, sizeof(src), "tests/data/cli/%s.c", name);
    cr_assert_eq(bpfrt_object__open_file(test_bpf_build(src, "build/cache/api", name, ""), &o, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    return obj;
}

static struct bpfrt_prog *load_asm(const char *text)
{
    struct bpf_insn *insns;
    struct bpfrt_prog *prog;
    size_t cnt;
    char err[256] = "";

    cr_assert_eq(bpfrt_asm(text, &insns, &cnt, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(bpfrt_prog__load_insns(insns, cnt, NULL, &prog), 0);
    free(insns);
    return prog;
}

static void hex8(const uint8_t t[8], char out[17])
{
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", t[i]);
}

/* ------------------------------------------------------------------- tag */

/* Expected values: Python's hashlib over the same 16 bytes. */
Test(api, tag_is_sha1_of_the_insns, .init = setup, .fini = teardown)
{
    struct bpf_insn insns[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K}, {.code = BPF_JMP | BPF_EXIT}};
    uint8_t t[8];
    char hex[17];

    setenv("BPFRT_TAG_HASH", "sha1", 1);
    cr_assert_eq(bpfrt_prog_calc_tag(insns, 2, t), 0);
    hex8(t, hex);
    cr_assert_str_eq(hex, "a04f5eef06a7f555");
    cr_assert_eq(bpfrt_prog_calc_tag(NULL, 2, t), -EINVAL);
}

Test(api, tag_is_sha256_from_linux_6_18, .init = setup, .fini = teardown)
{
    struct bpf_insn insns[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K}, {.code = BPF_JMP | BPF_EXIT}};
    uint8_t t[8];
    char hex[17];

    setenv("BPFRT_TAG_HASH", "sha256", 1);
    cr_assert_eq(bpfrt_prog_calc_tag(insns, 2, t), 0);
    hex8(t, hex);
    cr_assert_str_eq(hex, "59f4a931744dcdc6");
}

/* As bpf_prog_calc_tag: the map of a map load is not part of the tag. */
Test(api, tag_ignores_the_map_of_a_map_load, .init = setup, .fini = teardown)
{
    struct bpf_insn a[3] = {{.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = 3},
                            {.imm = 0},
                            {.code = BPF_JMP | BPF_EXIT}};
    struct bpf_insn b[3];
    uint8_t ta[8], tb[8];
    struct bpfrt_prog *prog;

    memcpy(b, a, sizeof(a));
    b[0].imm = 7;
    b[1].imm = 5; /* a map value's offset is the map's too */
    b[0].src_reg = BPF_PSEUDO_MAP_VALUE;
    a[0].src_reg = BPF_PSEUDO_MAP_VALUE;
    cr_assert_eq(bpfrt_prog_calc_tag(a, 3, ta), 0);
    cr_assert_eq(bpfrt_prog_calc_tag(b, 3, tb), 0);
    cr_assert_eq(memcmp(ta, tb, 8), 0);
    b[2].imm = 1; /* anything else is */
    cr_assert_eq(bpfrt_prog_calc_tag(b, 3, tb), 0);
    cr_assert_neq(memcmp(ta, tb, 8), 0);
    /* a program's tag is that of its instructions */
    prog = load_asm("r0 = 2\nexit");
    cr_assert_eq(bpfrt_prog__tag(prog, ta), 0);
    cr_assert_eq(bpfrt_prog_calc_tag(bpfrt_prog__insns(prog), bpfrt_prog__insn_cnt(prog), tb), 0);
    cr_assert_eq(memcmp(ta, tb, 8), 0);
    bpfrt_prog__free(prog);
}

/* A pin keeps the tag of the kernel it was pinned under. */
Test(api, pinned_program_keeps_its_tag, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *prog = load_asm("r0 = 2\nexit"), *back;
    uint8_t t1[8], t2[8];

    setenv("BPFRT_TAG_HASH", "sha1", 1);
    cr_assert_eq(bpfrt_prog__tag(prog, t1), 0);
    cr_assert_eq(bpfrt_prog__pin(prog, pth("p")), 0);
    cr_assert_eq(bpfrt_prog__open_pinned(pth("p"), &back), 0);
    cr_assert_eq(bpfrt_prog__tag(back, t2), 0);
    cr_assert_eq(memcmp(t1, t2, 8), 0);
    bpfrt_prog__free(back);
    bpfrt_prog__free(prog);
}

/* ------------------------------------------------------------ type names */

Test(api, prog_type_names_are_bpftools)
{
    enum bpf_prog_type t;

    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_XDP), "xdp");
    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_SCHED_CLS), "sched_cls");
    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_SOCKET_FILTER), "socket_filter");
    cr_assert_str_eq(bpfrt_prog_type_name(BPF_PROG_TYPE_UNSPEC), "unspec");
    cr_assert_null(bpfrt_prog_type_name((enum bpf_prog_type)1000));
    for (int k = 1; k <= BPF_PROG_TYPE_SYSCALL; k++) {
        const char *n = bpfrt_prog_type_name((enum bpf_prog_type)k);
        cr_assert_not_null(n, "type %d has no name", k);
        cr_assert_eq(bpfrt_prog_type_from_name(n, &t), 0, "%s", n);
        cr_assert_eq((int)t, k, "%s", n);
    }
    cr_assert_eq(bpfrt_prog_type_from_name("socket", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_SOCKET_FILTER);
    cr_assert_eq(bpfrt_prog_type_from_name("classifier", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_SCHED_CLS);
    cr_assert_eq(bpfrt_prog_type_from_name("action", &t), 0);
    cr_assert_eq(t, BPF_PROG_TYPE_SCHED_ACT);
    cr_assert_eq(bpfrt_prog_type_from_name("nosuchtype", &t), -ENOENT);
    cr_assert_eq(bpfrt_prog_type_from_name("unspec", &t), -ENOENT);
    cr_assert_str_eq(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_XDP, XDP_PASS), "XDP_PASS");
    cr_assert_str_eq(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_UNSPEC, XDP_DROP), "XDP_DROP");
    cr_assert_null(bpfrt_prog_type_retval_name(BPF_PROG_TYPE_XDP, 7));
}

/* ---------------------------------------------------------- source facts */

Test(api, source_facts_of_a_program_and_of_its_pin, .init = setup, .fini = teardown)
{
    struct bpfrt_object *obj = load_obj("lines");
    struct bpfrt_program *p = bpfrt_object__find_program_by_name(obj, "entry");
    struct bpfrt_prog *prog = bpfrt_program__prog(p), *back;
    struct bpfrt_func_info fi, fb;
    struct bpfrt_line_info li, lb;
    size_t clamp_at = 0;

    cr_assert_not_null(bpfrt_object__btf(obj));
    cr_assert_eq(bpfrt_prog__func_at(prog, 0, &fi), 0);
    cr_assert_str_eq(fi.name, "entry");
    cr_assert_str_eq(fi.proto, "int entry(struct xdp_md * ctx)");
    for (size_t i = 1; i < bpfrt_prog__insn_cnt(prog) && !clamp_at; i++)
        if (!bpfrt_prog__func_at(prog, i, &fi) && !strcmp(fi.name, "clamp"))
            clamp_at = i;
    cr_assert_gt(clamp_at, 0, "no subprogram clamp");
    cr_assert_str_eq(fi.proto, "int clamp(int x)");
    cr_assert_eq(bpfrt_prog__func_at(prog, 1, &fi), -ENOENT);
    cr_assert_eq(bpfrt_prog__line_at(prog, 0, &li), 0);
    cr_assert_eq(li.insn_off, 0);
    HAS(li.text, "int v = clamp((int)ctx->rx_queue_index);");
    HAS(li.file, "lines.c");
    cr_assert_gt(li.line_nr, 0);
    /* the line an instruction comes from, where no record starts */
    cr_assert_eq(bpfrt_prog__source_line(prog, bpfrt_prog__insn_cnt(prog) - 1, &li), 0);
    cr_assert_eq(bpfrt_prog__source_line(prog, bpfrt_prog__insn_cnt(prog), &li), -ENOENT);
    cr_assert_eq(bpfrt_prog__expected_attach_type(prog), bpfrt_program__expected_attach_type(p));
    /* a pin keeps them */
    cr_assert_eq(bpfrt_prog__pin(prog, pth("entry")), 0);
    cr_assert_eq(bpfrt_prog__open_pinned(pth("entry"), &back), 0);
    cr_assert_eq(bpfrt_prog__func_at(back, clamp_at, &fb), 0);
    cr_assert_str_eq(fb.proto, "int clamp(int x)");
    cr_assert_eq(bpfrt_prog__line_at(prog, 0, &li), 0);
    cr_assert_eq(bpfrt_prog__line_at(back, 0, &lb), 0);
    cr_assert_str_eq(lb.text, li.text);
    cr_assert_str_eq(lb.file, li.file);
    cr_assert_eq(lb.line_nr, li.line_nr);
    cr_assert_eq(lb.col, li.col);
    cr_assert_str_eq(bpfrt_prog__license(back), bpfrt_object__license(obj));
    cr_assert_eq(bpfrt_prog__uid(back), (uint32_t)getuid());
    cr_assert_gt(bpfrt_prog__load_time(back), 0);
    bpfrt_prog__free(back);
    bpfrt_object__close(obj);
    /* raw instructions have none */
    prog = load_asm("r0 = 0\nexit");
    cr_assert_eq(bpfrt_prog__func_at(prog, 0, &fi), -ENOENT);
    cr_assert_eq(bpfrt_prog__line_at(prog, 0, &li), -ENOENT);
    bpfrt_prog__free(prog);
}

/* ------------------------------------------------------ pins with a log */

Test(api, pins_give_their_reason_in_the_log, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *prog = load_asm("r0 = 0\nexit"), *back;
    struct bpfrt_map *m, *mb;
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    int fd;

    cr_assert_eq(bpfrt_prog__pin_opts(prog, pth("p"), &po), 0);
    cr_assert_str_eq(log, "");
    cr_assert_eq(bpfrt_prog__pin_opts(prog, pth("p"), &po), -EEXIST);
    HAS(log, pth("p"));
    HAS(log, "exists");
    cr_assert_eq(bpfrt_prog__pin_opts(prog, pth("nodir/p"), &po), -ENOENT);
    HAS(log, pth("nodir/p"));
    cr_assert_eq(bpfrt_prog__open_pinned_opts(pth("p"), &po, &back), 0);
    bpfrt_prog__free(back);
    fd = open(pth("junk"), O_CREAT | O_WRONLY, 0600);
    cr_assert_eq(write(fd, "not a program at all, not even close", 36), 36);
    close(fd);
    cr_assert_eq(bpfrt_prog__open_pinned_opts(pth("junk"), &po, &back), -EINVAL);
    HAS(log, pth("junk"));
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__pin_opts(m, pth("m"), &po), 0);
    cr_assert_eq(bpfrt_map__pin_opts(m, pth("nodir/m"), &po), -ENOENT);
    HAS(log, "nodir/m");
    cr_assert_eq(bpfrt_map__open_pinned_opts(pth("junk"), &po, &mb), -EINVAL);
    HAS(log, pth("junk"));
    cr_assert_eq(bpfrt_map__open_pinned_opts(pth("m"), &po, &mb), 0);
    cr_assert_str_eq(log, "");
    bpfrt_map__free(mb);
    bpfrt_map__free(m);
    bpfrt_prog__free(prog);
}

/* bpffs's rule: a pin outside the state directory is refused (-EPERM),
 * the message naming the state directory; relative paths count from the
 * current directory; links and ".." do not lead out. */
Test(api, pins_outside_the_state_dir_are_refused, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *prog = load_asm("r0 = 0\nexit");
    struct bpfrt_map *m;
    char log[512] = "", out[64], cwd[PATH_MAX], want[128];
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));

    snprintf(out, sizeof(out), "/tmp/bpfrt-api-out-%d", (int)getpid());
    cr_assert_eq(mkdir(out, 0700), 0);
    snprintf(want, sizeof(want), "outside the state directory '%s'", fs);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "h", 4, 4, 8, NULL, &m), 0);
    cr_assert_eq(bpfrt_prog__pin_opts(prog, "/tmp/bpfrt-api-nowhere", &po), -EPERM);
    HAS(log, want);
    HAS(log, "/tmp/bpfrt-api-nowhere");
    cr_assert_eq(bpfrt_map__pin_opts(m, "/tmp/bpfrt-api-nowhere", &po), -EPERM);
    HAS(log, want);
    cr_assert_eq(bpfrt_map__pin(m, "/tmp/bpfrt-api-nowhere"), -EPERM);
    HAS(bpfrt_pin_error(), want);
    /* ".." out of it, a link out of it */
    cr_assert_eq(bpfrt_map__pin_opts(m, pth("../x"), &po), -EPERM);
    cr_assert_eq(bpfrt_map__pin_opts(m, pth("missing/../../x"), &po), -EPERM);
    cr_assert_eq(symlink(out, pth("link")), 0);
    cr_assert_eq(bpfrt_map__pin_opts(m, pth("link/x"), &po), -EPERM);
    cr_assert_eq(bpfrt_prog__pin_opts(prog, pth("link/x"), &po), -EPERM);
    cr_assert(!exists(pth("link/x")));
    /* relative: from the current directory */
    cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
    cr_assert_eq(chdir(out), 0);
    cr_assert_eq(bpfrt_map__pin_opts(m, "rel", &po), -EPERM);
    cr_assert_eq(chdir(fs), 0);
    cr_assert_eq(bpfrt_map__pin_opts(m, "rel", &po), 0, "%s", log);
    cr_assert_eq(bpfrt_prog__pin_opts(prog, "./relp", &po), 0, "%s", log);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert(exists(pth("rel")) && exists(pth("relp")));
    /* a path naming no file */
    cr_assert_eq(bpfrt_prog__pin_opts(prog, pth("x/"), &po), -EINVAL);
    HAS(log, "names no file");
    bpfrt_map__free(m);
    bpfrt_prog__free(prog);
}

/* Regression: a program pin that failed after pinning its maps left them
 * with a pin path whose file it had removed, so the next pin recorded
 * that missing file and the pinned program did not open. */
Test(api, failed_program_pin_forgets_its_map_pins, .init = setup, .fini = teardown)
{
    struct bpfrt_object *obj = load_obj("globals");
    struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL);
    struct bpfrt_prog *back;
    struct bpfrt_map *m = NULL;
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pin_opts, po, .log_buf = log, .log_size = sizeof(log));

    cr_assert_neq(bpfrt_prog__pin_opts(bpfrt_program__prog(p), pth("nodir/p"), &po), 0);
    while ((m = bpfrt_object__next_map(obj, m)))
        cr_assert_null(bpfrt_map__pin_path(m), "map %s still names a removed pin", bpfrt_map__name(m));
    cr_assert_eq(bpfrt_prog__pin_opts(bpfrt_program__prog(p), pth("p"), &po), 0, "%s", log);
    cr_assert_eq(bpfrt_prog__open_pinned_opts(pth("p"), &po, &back), 0, "%s", log);
    bpfrt_prog__free(back);
    bpfrt_object__close(obj);
}

Test(api, map_unpin_removes_the_file_and_keeps_the_map, .init = setup, .fini = teardown)
{
    struct bpfrt_map *m;
    uint32_t k = 1;
    uint64_t v = 42, got = 0;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__unpin(m), -EINVAL);
    cr_assert_eq(bpfrt_map__pin(m, pth("a")), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(bpfrt_map__unpin(m), 0);
    cr_assert(!exists(pth("a")));
    cr_assert_null(bpfrt_map__pin_path(m));
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &got, 8, 0), 0);
    cr_assert_eq(got, 42);
    cr_assert_eq(bpfrt_map__pin(m, pth("b")), 0); /* pinned afresh */
    cr_assert_str_eq(bpfrt_map__pin_path(m), pth("b"));
    bpfrt_map__free(m);
}

/* ------------------------------------------------------------- map facts */

Test(api, frozen_state_and_workers_of_a_map, .init = setup, .fini = teardown)
{
    BPFRT_OPTS(bpfrt_map_create_opts, o, .nr_workers = 3);
    struct bpfrt_map *m, *back;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 4, 2, &o, &m), 0);
    cr_assert_eq(bpfrt_map__nr_workers(m), 3);
    cr_assert_eq(bpfrt_map__is_frozen(m), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("pc")), 0);
    cr_assert_eq(bpfrt_map__freeze(m), 0);
    cr_assert_eq(bpfrt_map__is_frozen(m), 1);
    /* the pin shares it, and the creator's workers */
    cr_assert_eq(bpfrt_map__open_pinned(pth("pc"), &back), 0);
    cr_assert_eq(bpfrt_map__is_frozen(back), 1);
    cr_assert_eq(bpfrt_map__nr_workers(back), 3);
    bpfrt_map__free(back);
    bpfrt_map__free(m);
}

/* --------------------------------------------------------------- listing */

Test(api, pin_listing_groups_links_and_skips_strays, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *prog = load_asm("r0 = 0\nexit");
    struct bpfrt_map *m;
    struct bpfrt_pin_entry *pins;
    size_t n;
    int fd;

    cr_assert_eq(bpfrt_pin_list(BPFRT_PIN_PROG, NULL, &pins, &n), 0);
    cr_assert_eq(n, 0);
    bpfrt_pin_list_free(pins, n);
    cr_assert_eq(mkdir(pth("sub"), 0700), 0);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "h", 4, 4, 8, NULL, &m), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("sub/m2")), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("m1")), 0); /* a second name: a hard link */
    cr_assert_eq(bpfrt_prog__pin(prog, pth("p")), 0);
    fd = open(pth("stray"), O_CREAT | O_WRONLY, 0600);
    cr_assert_eq(write(fd, "BPFRTPR", 7), 7);
    close(fd);
    cr_assert_eq(bpfrt_pin_list(BPFRT_PIN_MAP, NULL, &pins, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(pins[0].nr_paths, 2);
    cr_assert_str_eq(pins[0].paths[0], pth("m1"));
    cr_assert_str_eq(pins[0].paths[1], pth("sub/m2"));
    bpfrt_pin_list_free(pins, n);
    cr_assert_eq(bpfrt_pin_list(BPFRT_PIN_PROG, NULL, &pins, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(pins[0].nr_paths, 1);
    cr_assert_str_eq(pins[0].paths[0], pth("p"));
    bpfrt_pin_list_free(pins, n);
    cr_assert_eq(bpfrt_pin_list((enum bpfrt_pin_kind)9, NULL, &pins, &n), -EINVAL);
    bpfrt_map__free(m);
    bpfrt_prog__free(prog);
}

/* ----------------------------------------------------------- object pins */

static int count_entries(const char *dir)
{
    char cmd[PATH_MAX + 64];
    FILE *f;
    int n = -1;

    snprintf(cmd, sizeof(cmd), "find %s -mindepth 1 | wc -l", dir);
    f = popen(cmd, "r");
    cr_assert_not_null(f);
    cr_assert_eq(fscanf(f, "%d", &n), 1);
    pclose(f);
    return n;
}

Test(api, object_pins_programs_and_maps, .init = setup, .fini = teardown)
{
    struct bpfrt_object *obj = load_obj("lines");
    struct bpfrt_prog *back;
    char log[1024] = "", maps[PATH_MAX];
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .maps_dir = maps, .log_buf = log, .log_size = sizeof(log));

    snprintf(maps, sizeof(maps), "%s", pth("maps"));
    cr_assert_eq(bpfrt_object__pin_programs(obj, pth("progs/deep"), &po), 0, "%s", log);
    cr_assert(exists(pth("progs/deep/entry")) && exists(pth("progs/deep/other")));
    cr_assert_eq(bpfrt_prog__open_pinned(pth("progs/deep/other"), &back), 0);
    cr_assert_eq(bpfrt_prog__type(back), BPF_PROG_TYPE_SCHED_CLS);
    bpfrt_prog__free(back);
    bpfrt_object__close(obj);

    obj = load_obj("globals");
    cr_assert_eq(bpfrt_object__pin_maps(obj, pth("gmaps"), &po), 0, "%s", log);
    cr_assert(exists(pth("gmaps/flows")) && exists(pth("gmaps/counts")));
    cr_assert_eq(bpfrt_program__pin(bpfrt_object__next_program(obj, NULL), pth("one"), &po), 0, "%s", log);
    cr_assert(exists(pth("one")));
    bpfrt_object__close(obj);
}

/* All or nothing: a failure takes back what the call made, and what was
 * there stays. */
Test(api, object_pin_failure_leaves_nothing_behind, .init = setup, .fini = teardown)
{
    struct bpfrt_object *obj = load_obj("lines");
    char log[1024] = "", maps[PATH_MAX];
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .maps_dir = maps, .log_buf = log, .log_size = sizeof(log));
    int fd;

    snprintf(maps, sizeof(maps), "%s", pth("m/n"));
    /* the second program's name is taken */
    cr_assert_eq(mkdir(pth("d"), 0700), 0);
    fd = open(pth("d/other"), O_CREAT | O_WRONLY, 0600);
    close(fd);
    cr_assert_eq(bpfrt_object__pin_programs(obj, pth("d"), &po), -EEXIST);
    HAS(log, "cannot pin program 'other' at '");
    cr_assert_eq(count_entries(pth("d")), 1);
    cr_assert(exists(pth("d/other")));
    cr_assert(!exists(pth("m")));
    /* outside the state directory: nothing made at all */
    cr_assert_eq(bpfrt_object__pin_programs(obj, "/tmp/bpfrt-api-nowhere/x", &po), -EPERM);
    HAS(log, fs);
    cr_assert(!exists("/tmp/bpfrt-api-nowhere"));
    po.maps_dir = "/tmp/bpfrt-api-nowhere-maps";
    cr_assert_eq(bpfrt_object__pin_programs(obj, pth("ok"), &po), -EPERM);
    cr_assert(!exists(pth("ok")) && !exists("/tmp/bpfrt-api-nowhere-maps"));
    bpfrt_object__close(obj);

    /* a program pin that fails after the maps and the first program went in */
    obj = load_obj("globals");
    snprintf(maps, sizeof(maps), "%s", pth("gm"));
    po.maps_dir = maps;
    fd = open(pth("taken"), O_CREAT | O_WRONLY, 0600);
    close(fd);
    cr_assert_eq(bpfrt_program__pin(bpfrt_object__next_program(obj, NULL), pth("taken"), &po), -EEXIST);
    cr_assert(!exists(pth("gm")));
    cr_assert_eq(count_entries(fs), 3, "left behind in %s", fs); /* d, d/other, taken */
    bpfrt_object__close(obj);
}

/* ------------------------------------------------------------ pcap replay */

struct seen {
    uint64_t n, bytes, stop_at;
};

static int on_packet(const struct bpfrt_pcap_packet *pkt, void *ctx)
{
    struct seen *s = ctx;

    s->n++;
    cr_assert_eq(pkt->nr, s->n);
    cr_assert_eq(pkt->retval, pkt->len); /* the program returns r2, the length */
    s->bytes += pkt->len;
    return s->stop_at && pkt->nr == s->stop_at ? -ECANCELED : 0;
}

Test(api, pcap_replay_runs_every_packet, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *prog = load_asm("r0 = r2\nexit");
    struct seen s = {0};
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = BPFRT_RUN_CHECKED, .packet_fn = on_packet, .ctx = &s, .log_buf = log,
               .log_size = sizeof(log));
    uint64_t counted = 0;

    cr_assert_eq(bpfrt_prog__run_pcap(prog, "examples/sample.pcap", &o), 0, "%s", log);
    cr_assert_eq(o.failed_stage, BPFRT_PCAP_OK);
    cr_assert_eq(o.packets, 26);
    cr_assert_eq(s.n, 26);
    for (int v = 0; v < BPFRT_PCAP_RETVALS; v++)
        counted += o.retval_counts[v];
    cr_assert_eq(counted + o.retval_other, 26);
    cr_assert_eq(o.retval_other, 26); /* every packet is longer than 7 bytes */
    /* the callback stops it */
    memset(&s, 0, sizeof(s));
    s.stop_at = 3;
    cr_assert_eq(bpfrt_prog__run_pcap(prog, "examples/sample.pcap", &o), -ECANCELED);
    cr_assert_eq(o.failed_stage, BPFRT_PCAP_CALLBACK);
    cr_assert_eq(o.packets, 3);
    /* no capture */
    cr_assert_eq(bpfrt_prog__run_pcap(prog, "examples/no-such.pcap", &o), -EINVAL);
    cr_assert_eq(o.failed_stage, BPFRT_PCAP_OPEN);
    HAS(log, "cannot read capture 'examples/no-such.pcap'");
    bpfrt_prog__free(prog);
}

Test(api, pcap_replay_counts_verdicts_and_reports_a_failed_run, .init = setup, .fini = teardown)
{
    struct bpfrt_prog *pass = load_asm("r0 = 2\nexit");
    struct bpfrt_prog *bad = load_asm("r0 = *(u64 *)(r1 + 30000)\nexit");
    char log[512] = "";
    BPFRT_OPTS(bpfrt_pcap_run_opts, o, .flags = BPFRT_RUN_CHECKED, .log_buf = log, .log_size = sizeof(log));

    cr_assert_eq(bpfrt_prog__run_pcap(pass, "examples/sample.pcap", &o), 0, "%s", log);
    cr_assert_eq(o.retval_counts[XDP_PASS], 26);
    cr_assert_eq(o.retval_other, 0);
    cr_assert_eq(bpfrt_prog__run_pcap(bad, "examples/sample.pcap", &o), -EFAULT);
    cr_assert_eq(o.failed_stage, BPFRT_PCAP_RUN);
    cr_assert_eq(o.packets, 0);
    HAS(log, "packet 1 of 'examples/sample.pcap': ");
    /* the results need the whole struct */
    o.sz = 8;
    cr_assert_eq(bpfrt_prog__run_pcap(pass, "examples/sample.pcap", &o), -EINVAL);
    bpfrt_prog__free(bad);
    bpfrt_prog__free(pass);
}

/* -------------------------------------------------------------------- BTF */

Test(api, btf_dump_file_raw_and_c)
{
    const char *o = test_bpf_build("tests/data/cli/globals.c", "build/cache/api", "globals", "");
    char log[256] = "", *buf = NULL;
    size_t len = 0;
    FILE *f;
    BPFRT_OPTS(bpfrt_btf_dump_opts, opts, .log_buf = log, .log_size = sizeof(log));

    f = open_memstream(&buf, &len);
    cr_assert_eq(bpfrt_btf__dump_file(o, f, &opts), 0, "%s", log);
    fclose(f);
    HAS(buf, "STRUCT 'flow' size=8 vlen=4");
    free(buf);
    opts.format = BPFRT_BTF_C;
    f = open_memstream(&buf, &len);
    cr_assert_eq(bpfrt_btf__dump_file(o, f, &opts), 0, "%s", log);
    fclose(f);
    HAS(buf, "struct flow {");
    free(buf);
    opts.json = 1;
    cr_assert_eq(bpfrt_btf__dump_file(o, stdout, &opts), -EINVAL);
    HAS(log, "JSON");
    opts.json = 0;
    cr_assert_lt(bpfrt_btf__dump_file("examples/no-such.o", stdout, &opts), 0);
    HAS(log, "examples/no-such.o");
}
