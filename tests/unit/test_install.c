/* test_install.c - the installed library as an embedder gets it: `make
 * install DESTDIR=<tmp> PREFIX=/usr` of the plain build (build/), then a
 * small program written here is built with `pkg-config --cflags --libs
 * bpfrt` against the staged tree (PKG_CONFIG_SYSROOT_DIR), once with the
 * shared library and once statically, and run; and the libraries export
 * only the public API (bpfrt_ symbols declared in include/bpfrt/). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_run.h"

/* The soname and file name the Makefile gives the shared library. */
#define SONAME "libbpfrt.so.0"
#define SOFILE "libbpfrt.so.0.1"

/* make with none of the parent make's settings (make check runs this
 * binary: its MAKEFLAGS carry a jobserver and command-line variables). */
#define MAKE "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s O=build"

struct stage {
    char dir[64];    /* DESTDIR */
    char pc_env[256]; /* PKG_CONFIG_* settings pointing into it */
};

/* Install into a fresh staging directory.  Installs are serialised (a lock
 * file in build/): each builds what is out of date in build/ first, and two
 * makes must not build the same files at once. */
static void stage_install(struct stage *s)
{
    struct out r;
    int lock;

    strcpy(s->dir, "/tmp/bpfrt-install-XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir));
    mkdir("build", 0755);
    lock = open("build/.install.lock", O_CREAT | O_RDWR, 0644);
    cr_assert(lock >= 0);
    cr_assert_eq(flock(lock, LOCK_EX), 0);
    r = cli_sh(MAKE " install DESTDIR=%s PREFIX=/usr", s->dir);
    flock(lock, LOCK_UN);
    close(lock);
    cr_assert_eq(r.status, 0, "make install failed:\n%s%s", r.stdout_, r.stderr_);
    out_free(&r);
    snprintf(s->pc_env, sizeof(s->pc_env), "PKG_CONFIG_PATH=%s/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=%s", s->dir,
             s->dir);
}

static void stage_remove(struct stage *s)
{
    struct out r = cli_sh("rm -rf %s", s->dir);
    out_free(&r);
}

/* The embedder: a map, a program assembled from text that reads the first
 * byte of its data, adds it to the map's slot 0 and returns it times 3,
 * run twice (checked), then the map read back.  Prints "retval=21 value=14". */
static const char embedder_src[] =
    "#include <bpfrt/bpfrt.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "\n"
    "int main(void)\n"
    "{\n"
    "    struct bpfrt_map *map;\n"
    "    struct bpfrt_prog *prog;\n"
    "    struct bpf_insn *insns;\n"
    "    size_t cnt;\n"
    "    char text[1024], err[256] = \"\", log[1024] = \"\";\n"
    "    unsigned char pkt[4] = {7, 0, 0, 0};\n"
    "    unsigned int key = 0;\n"
    "    unsigned long long value = 0;\n"
    "    int e;\n"
    "\n"
    "    if ((e = bpfrt_map__create(BPF_MAP_TYPE_ARRAY, \"acc\", 4, 8, 4, NULL, &map))) {\n"
    "        fprintf(stderr, \"map create: %d\\n\", e);\n"
    "        return 1;\n"
    "    }\n"
    "    snprintf(text, sizeof(text),\n"
    "             \"    r6 = r1\\n\"\n"
    "             \"    r7 = *(u8 *)(r6 + 0)\\n\"\n"
    "             \"    *(u32 *)(r10 - 4) = 0\\n\"\n"
    "             \"    r1 = map[id:%u]\\n\"\n"
    "             \"    r2 = r10\\n\"\n"
    "             \"    r2 += -4\\n\"\n"
    "             \"    call bpf_map_lookup_elem\\n\"\n"
    "             \"    if r0 == 0 goto out\\n\"\n"
    "             \"    r1 = *(u64 *)(r0 + 0)\\n\"\n"
    "             \"    r1 += r7\\n\"\n"
    "             \"    *(u64 *)(r0 + 0) = r1\\n\"\n"
    "             \"out:\\n\"\n"
    "             \"    r0 = r7\\n\"\n"
    "             \"    r0 *= 3\\n\"\n"
    "             \"    exit\\n\",\n"
    "             bpfrt_map__id(map));\n"
    "    if ((e = bpfrt_asm(text, &insns, &cnt, err, sizeof(err)))) {\n"
    "        fprintf(stderr, \"asm: %d %s\\n\", e, err);\n"
    "        return 1;\n"
    "    }\n"
    "    BPFRT_OPTS(bpfrt_prog_load_opts, lo, .name = \"embed\", .log_buf = log, .log_size = sizeof(log));\n"
    "    if ((e = bpfrt_prog__load_insns(insns, cnt, &lo, &prog))) {\n"
    "        fprintf(stderr, \"load: %d %s\\n\", e, log);\n"
    "        return 1;\n"
    "    }\n"
    "    free(insns);\n"
    "    BPFRT_OPTS(bpfrt_run_opts, ro, .data = pkt, .data_size = sizeof(pkt), .flags = BPFRT_RUN_CHECKED,\n"
    "               .repeat = 2, .err_buf = err, .err_size = sizeof(err));\n"
    "    if ((e = bpfrt_prog__run(prog, &ro))) {\n"
    "        fprintf(stderr, \"run: %d %s\\n\", e, err);\n"
    "        return 1;\n"
    "    }\n"
    "    if ((e = bpfrt_map__lookup_elem(map, &key, sizeof(key), &value, sizeof(value), 0))) {\n"
    "        fprintf(stderr, \"lookup: %d\\n\", e);\n"
    "        return 1;\n"
    "    }\n"
    "    printf(\"retval=%llu value=%llu\\n\", (unsigned long long)ro.retval, value);\n"
    "    bpfrt_prog__free(prog);\n"
    "    bpfrt_map__free(map);\n"
    "    return 0;\n"
    "}\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}

/* Build the embedder in the stage with `pkg-config ARGS --cflags --libs
 * bpfrt` (sed_libs edits the libraries: how the static build asks for the
 * archive), then check what the binary needs and what it prints. */
static void build_and_run(const struct stage *s, const char *pc_args, const char *sed_libs, int want_shared)
{
    char src[128], bin[128];
    struct out r;

    snprintf(src, sizeof(src), "%s/embed.c", s->dir);
    snprintf(bin, sizeof(bin), "%s/embed", s->dir);
    write_file(src, embedder_src);
    r = cli_sh("%s pkg-config %s --cflags --libs bpfrt", s->pc_env, pc_args);
    cr_assert_eq(r.status, 0, "pkg-config: %s", r.stderr_);
    cr_assert(strstr(r.stdout_, "-lbpfrt"), "pkg-config --libs: %s", r.stdout_);
    cr_assert(strstr(r.stdout_, s->dir), "pkg-config does not point into the stage: %s", r.stdout_);
    if (*pc_args) /* --static: the library's own dependencies come along */
        cr_assert(strstr(r.stdout_, "-lbpf ") && strstr(r.stdout_, "-lelf") && strstr(r.stdout_, "-lz"),
                  "pkg-config --static --libs: %s", r.stdout_);
    out_free(&r);

    r = cli_sh("cc -std=c11 -Wall -Wextra -Werror -o %s %s $(%s pkg-config %s --cflags --libs bpfrt | sed '%s')", bin,
               src, s->pc_env, pc_args, sed_libs);
    cr_assert_eq(r.status, 0, "the embedder does not build:\n%s", r.stderr_);
    out_free(&r);

    r = cli_sh("readelf -d %s | grep NEEDED", bin);
    cr_assert_eq(r.status, 0);
    if (want_shared)
        cr_assert(strstr(r.stdout_, "[" SONAME "]"), "not linked against %s:\n%s", SONAME, r.stdout_);
    else
        cr_assert_null(strstr(r.stdout_, "libbpfrt"), "static build needs a shared libbpfrt:\n%s", r.stdout_);
    out_free(&r);

    /* Shared: found through LD_LIBRARY_PATH in the stage only (the soname
     * link is what the loader looks for). */
    r = cli_sh("LD_LIBRARY_PATH=%s/usr/lib %s", s->dir, bin);
    cr_assert_eq(r.status, 0, "the embedder failed: %s%s", r.stdout_, r.stderr_);
    cr_assert_str_eq(r.stdout_, "retval=21 value=14\n");
    out_free(&r);
    if (want_shared) { /* and the library it ran with is the staged one */
        r = cli_sh("LD_LIBRARY_PATH=%s/usr/lib ldd %s | grep libbpfrt", s->dir, bin);
        cr_assert(strstr(r.stdout_, s->dir), "libbpfrt resolved outside the stage: %s", r.stdout_);
        out_free(&r);
    }
}

Test(install, layout_and_uninstall, .timeout = 240)
{
    static const char *const files[] = {
        "usr/bin/bpfrt", "usr/lib/libbpfrt.a", ("usr/lib/" SOFILE), "usr/include/bpfrt/bpfrt.h",
        "usr/lib/pkgconfig/bpfrt.pc", "usr/share/man/man8/bpfrt.8",
    };
    struct stage s;
    char path[PATH_MAX], link[PATH_MAX];
    struct stat st;
    struct out r;
    ssize_t n;

    stage_install(&s);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", s.dir, files[i]);
        cr_assert_eq(lstat(path, &st), 0, "not installed: %s", files[i]);
        cr_assert(S_ISREG(st.st_mode), "%s is not a file", files[i]);
    }
    /* libbpfrt.so -> libbpfrt.so.0 -> libbpfrt.so.0.1 */
    snprintf(path, sizeof(path), "%s/usr/lib/libbpfrt.so", s.dir);
    n = readlink(path, link, sizeof(link) - 1);
    cr_assert_gt(n, 0, "libbpfrt.so is not a symlink");
    link[n] = 0;
    cr_assert_str_eq(link, SONAME);
    snprintf(path, sizeof(path), "%s/usr/lib/" SONAME, s.dir);
    n = readlink(path, link, sizeof(link) - 1);
    cr_assert_gt(n, 0, SONAME " is not a symlink");
    link[n] = 0;
    cr_assert_str_eq(link, SOFILE);
    r = cli_sh("readelf -d %s/usr/lib/" SOFILE, s.dir);
    cr_assert(strstr(r.stdout_, "Library soname: [" SONAME "]"), "%s", r.stdout_);
    out_free(&r);

    /* The .pc file carries the installed prefix, not the stage's. */
    r = cli_sh("grep -x 'prefix=/usr' %s/usr/lib/pkgconfig/bpfrt.pc && grep -x 'libdir=/usr/lib' "
               "%s/usr/lib/pkgconfig/bpfrt.pc",
               s.dir, s.dir);
    cr_assert_eq(r.status, 0, "bpfrt.pc: %s", r.stdout_);
    out_free(&r);

    /* The installed command runs (the library is linked into it). */
    r = cli_sh("%s/usr/bin/bpfrt --version", s.dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert(strstr(r.stdout_, "bpfrt v"), "%s", r.stdout_);
    out_free(&r);

    /* The man page renders without a warning. */
    r = cli_sh("groff -man -Tutf8 -ww -z %s/usr/share/man/man8/bpfrt.8", s.dir);
    cr_assert_eq(r.status, 0, "groff: %s", r.stderr_);
    cr_assert_str_empty(r.stderr_, "the man page has roff warnings:\n%s", r.stderr_);
    out_free(&r);

    /* uninstall leaves no file or link behind. */
    r = cli_sh(MAKE " uninstall DESTDIR=%s PREFIX=/usr && find %s ! -type d", s.dir, s.dir);
    cr_assert_eq(r.status, 0, "make uninstall: %s", r.stderr_);
    cr_assert_str_empty(r.stdout_, "left after uninstall:\n%s", r.stdout_);
    out_free(&r);
    stage_remove(&s);
}

Test(install, embedder_with_shared_library, .timeout = 240)
{
    struct stage s;

    stage_install(&s);
    build_and_run(&s, "", "", 1);
    stage_remove(&s);
}

/* pkg-config --static gives the private dependencies; -l:libbpfrt.a picks
 * the archive where the shared library sits beside it. */
Test(install, embedder_with_static_library, .timeout = 240)
{
    struct stage s;

    stage_install(&s);
    build_and_run(&s, "--static", "s/-lbpfrt/-l:libbpfrt.a/", 0);
    stage_remove(&s);
}

/* Every exported symbol is a bpfrt_ one that the public header declares:
 * the shared library's dynamic symbols, and the static library's globals
 * (its internal symbols are made local). */
static void check_exports(const struct stage *s, const char *nm_opts, const char *what)
{
    struct out r, h;
    char *line, *save = NULL;
    int count = 0;

    r = cli_sh("nm %s %s/usr/lib/%s | awk 'NF == 3'", nm_opts, s->dir, what);
    cr_assert_eq(r.status, 0, "nm: %s", r.stderr_);
    h = cli_sh("cat %s/usr/include/bpfrt/*.h", s->dir);
    for (line = strtok_r(r.stdout_, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *name = strrchr(line, ' ');
        char *p;
        size_t len;
        int declared = 0;

        cr_assert_not_null(name, "nm line: %s", line);
        name++;
        if (!*name || strchr(line, ':')) /* archive member headers */
            continue;
        cr_assert_eq(strncmp(name, "bpfrt_", 6), 0, "%s exports '%s', not a bpfrt_ symbol", what, name);
        len = strlen(name);
        for (p = strstr(h.stdout_, name); p && !declared; p = strstr(p + 1, name))
            declared = !(p[len] == '_' || (p[len] >= 'a' && p[len] <= 'z') || (p[len] >= '0' && p[len] <= '9'));
        cr_assert(declared, "%s exports '%s', which include/bpfrt/ does not declare", what, name);
        count++;
    }
    cr_assert_gt(count, 50, "%s exports only %d symbols", what, count);
    cr_log_info("%s: %d exported symbols", what, count);
    out_free(&r);
    out_free(&h);
}

Test(install, only_public_symbols_exported, .timeout = 240)
{
    struct stage s;

    stage_install(&s);
    check_exports(&s, "-D --defined-only", SOFILE);
    check_exports(&s, "--defined-only -g", "libbpfrt.a");
    stage_remove(&s);
}
