/* test_btf.c - .BTF.ext parsing, per-program line info, CO-RE relocation
 * and BTF listings.
 *
 * The BPF C sources in tests/data/btf are compiled at test time with
 * clang-19.  CO-RE results are checked two ways: against libbpf 1.1 as an
 * oracle (the object is loaded into the running kernel by libbpf and its
 * relocated instructions, bpf_program__insns() after load, compared
 * instruction by instruction with ours), and against values computed in
 * this file straight from /sys/kernel/btf/vmlinux. */
#include <criterion/criterion.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/btf_info.h"

#define DATA_DIR "tests/data/btf"
#define VMLINUX "/sys/kernel/btf/vmlinux"

/* ------------------------------------------------------------ helpers */

/* Compile tests/data/btf/<name>.c into a temporary object; returns its path
 * (static buffer per call site is not enough: caller frees). */
static char *compile_bpf(const char *name)
{
    char dir[] = "/tmp/bpfrt-btf-XXXXXX", cmd[1024], *out;

    cr_assert_not_null(mkdtemp(dir));
    cr_assert(asprintf(&out, "%s/%s.o", dir, name) > 0);
    snprintf(cmd, sizeof(cmd),
             "clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c %s/%s.c -o %s 2>%s/cc.log", DATA_DIR, name,
             out, dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof(cmd), "cat %s/cc.log >&2", dir);
        if (system(cmd)) {
        }
        cr_assert_fail("clang-19 failed on %s/%s.c", DATA_DIR, name);
    }
    return out;
}

static void remove_obj(char *path)
{
    char *slash = strrchr(path, '/'), cmd[600];

    if (slash) {
        *slash = 0;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
        if (system(cmd)) {
        }
    }
    free(path);
}

struct elfobj {
    Elf *elf;
    int fd;
    size_t shstrndx;
};

static void elf_open_(struct elfobj *o, const char *path)
{
    cr_assert_neq(elf_version(EV_CURRENT), EV_NONE);
    o->fd = open(path, O_RDONLY);
    cr_assert(o->fd >= 0, "open %s", path);
    o->elf = elf_begin(o->fd, ELF_C_READ, NULL);
    cr_assert_not_null(o->elf);
    cr_assert_eq(elf_getshdrstrndx(o->elf, &o->shstrndx), 0);
}

static void elf_close_(struct elfobj *o)
{
    elf_end(o->elf);
    close(o->fd);
}

/* Copy of section name's contents (NULL if absent); *idx its index. */
static void *elf_section(struct elfobj *o, const char *name, size_t *size, size_t *idx)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(o->elf, scn))) {
        GElf_Shdr sh;
        const char *n;
        Elf_Data *d;
        void *copy;

        gelf_getshdr(scn, &sh);
        n = elf_strptr(o->elf, o->shstrndx, sh.sh_name);
        if (!n || strcmp(n, name))
            continue;
        d = elf_getdata(scn, NULL);
        cr_assert_not_null(d);
        copy = malloc(d->d_size ? d->d_size : 1);
        memcpy(copy, d->d_buf, d->d_size);
        *size = d->d_size;
        if (idx)
            *idx = elf_ndxscn(scn);
        return copy;
    }
    return NULL;
}

/* Offset (in instructions) and length of function symbol fn; its section name into sec. */
static void elf_func(struct elfobj *o, const char *fn, char *sec, size_t secsz, size_t *off, size_t *cnt)
{
    Elf_Scn *scn = NULL;

    while ((scn = elf_nextscn(o->elf, scn))) {
        GElf_Shdr sh;
        Elf_Data *d;

        gelf_getshdr(scn, &sh);
        if (sh.sh_type != SHT_SYMTAB)
            continue;
        d = elf_getdata(scn, NULL);
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym s;
            const char *n;

            gelf_getsym(d, (int)i, &s);
            n = elf_strptr(o->elf, sh.sh_link, s.st_name);
            if (GELF_ST_TYPE(s.st_info) != STT_FUNC || !n || strcmp(n, fn))
                continue;
            GElf_Shdr ps;
            gelf_getshdr(elf_getscn(o->elf, s.st_shndx), &ps);
            snprintf(sec, secsz, "%s", elf_strptr(o->elf, o->shstrndx, ps.sh_name));
            *off = s.st_value / 8;
            *cnt = s.st_size / 8;
            return;
        }
    }
    cr_assert_fail("function %s not in object", fn);
}

struct loaded {
    struct elfobj o;
    struct btf *btf;
    struct btf_ext_info *ext;
    void *ext_data;
    size_t ext_size;
};

static void load_obj(struct loaded *l, const char *path)
{
    size_t sz;
    void *b;
    char log[512] = "";
    int err;

    elf_open_(&l->o, path);
    b = elf_section(&l->o, ".BTF", &sz, NULL);
    cr_assert_not_null(b, "no .BTF in %s", path);
    l->btf = btf__new(b, (uint32_t)sz);
    free(b);
    cr_assert_not_null(l->btf);
    l->ext_data = elf_section(&l->o, ".BTF.ext", &l->ext_size, NULL);
    cr_assert_not_null(l->ext_data);
    err = btf_ext_parse(l->ext_data, l->ext_size, l->btf, &l->ext, log, sizeof(log));
    cr_assert_eq(err, 0, "btf_ext_parse: %d %s", err, log);
}

static void unload_obj(struct loaded *l)
{
    btf_ext_free(l->ext);
    btf__free(l->btf);
    free(l->ext_data);
    elf_close_(&l->o);
}

static struct btf *vmlinux(void)
{
    static struct btf *v;
    char log[256] = "";

    if (!v) {
        if (access(VMLINUX, R_OK))
            cr_skip_test("no %s", VMLINUX);
        cr_assert_eq(core_target_btf_load(NULL, &v, log, sizeof(log)), 0, "%s", log);
    }
    return v;
}

/* Relocate the single program of section sec with our code. */
static struct bpf_insn *our_relocate(struct loaded *l, const char *sec, size_t *cnt, char *log, size_t logsz,
                                     int *poisoned)
{
    struct btf_prog_info pi = {0};
    struct bpf_insn *insns;
    size_t sz;

    insns = elf_section(&l->o, sec, &sz, NULL);
    cr_assert_not_null(insns);
    *cnt = sz / 8;
    cr_assert_eq(btf_prog_info_append(&pi, l->ext, sec, 0, *cnt, 0), 0);
    cr_assert_gt(pi.nr_relos, 0);
    *poisoned = core_relocate(insns, *cnt, l->btf, vmlinux(), pi.relos, pi.nr_relos, sec, log, logsz);
    cr_assert_geq(*poisoned, 0, "core_relocate: %d\n%s", *poisoned, log);
    btf_prog_info_free(&pi);
    return insns;
}

static int quiet(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
    (void)lvl;
    (void)fmt;
    (void)ap;
    return 0;
}

/* libbpf's relocated instructions of program prog (loaded into the kernel). */
static struct bpf_insn *libbpf_relocate(const char *path, const char *prog, size_t *cnt)
{
    struct bpf_object *obj;
    struct bpf_program *p;
    struct bpf_insn *copy;
    int err;

    libbpf_set_print(quiet);
    obj = bpf_object__open_file(path, NULL);
    cr_assert_not_null(obj, "libbpf cannot open %s", path);
    err = bpf_object__load(obj);
    if (err) {
        bpf_object__close(obj);
        cr_skip_test("libbpf cannot load %s into this kernel (%d): no oracle", path, err);
    }
    p = bpf_object__find_program_by_name(obj, prog);
    cr_assert_not_null(p);
    *cnt = bpf_program__insn_cnt(p);
    cr_assert_not_null(bpf_program__insns(p), "libbpf dropped the instructions after load");
    copy = malloc(*cnt * sizeof(*copy));
    memcpy(copy, bpf_program__insns(p), *cnt * sizeof(*copy));
    bpf_object__close(obj);
    return copy;
}

static void compare_with_libbpf(const char *name, const char *sec, const char *prog, int expect_poison)
{
    char *path = compile_bpf(name), log[8192] = "";
    struct loaded l;
    struct bpf_insn *ours, *theirs;
    size_t n1, n2;
    int poisoned;

    load_obj(&l, path);
    ours = our_relocate(&l, sec, &n1, log, sizeof(log), &poisoned);
    cr_assert_eq(poisoned, expect_poison, "poisoned %d, expected %d\n%s", poisoned, expect_poison, log);
    theirs = libbpf_relocate(path, prog, &n2);
    cr_assert_eq(n1, n2, "instruction count %zu vs libbpf %zu", n1, n2);
    for (size_t i = 0; i < n1; i++)
        cr_expect_eq(memcmp(&ours[i], &theirs[i], sizeof(ours[i])), 0,
                     "%s insn %zu: ours code=0x%02x dst=%u src=%u off=%d imm=%d, libbpf code=0x%02x dst=%u src=%u "
                     "off=%d imm=%d",
                     name, i, ours[i].code, ours[i].dst_reg, ours[i].src_reg, ours[i].off, ours[i].imm, theirs[i].code,
                     theirs[i].dst_reg, theirs[i].src_reg, theirs[i].off, theirs[i].imm);
    free(ours);
    free(theirs);
    unload_obj(&l);
    remove_obj(path);
}

/* ------------------------------------------------------------ BTF.ext */

Test(btf, ext_parse_lines_and_funcs)
{
    char *path = compile_bpf("lines");
    struct loaded l;
    const struct btf_ext_sec *s, *t;
    const struct btf_ext_line *first;
    size_t n;

    load_obj(&l, path);
    s = btf_ext_find_sec(l.ext, "socket");
    t = btf_ext_find_sec(l.ext, ".text");
    cr_assert_not_null(s);
    cr_assert_not_null(t);
    cr_assert_not_null(btf_ext_find_sec(l.ext, "xdp"));
    cr_assert_null(btf_ext_find_sec(l.ext, "nope"));
    cr_assert_eq(s->nr_funcs, 1);
    cr_assert_eq(s->funcs[0].insn_off, 0);
    cr_assert_str_eq(btf__name_by_offset(l.btf, btf__type_by_id(l.btf, s->funcs[0].type_id)->name_off), "lines_main");
    cr_assert_eq(t->nr_funcs, 2);
    cr_assert_gt(s->nr_lines, 2);
    for (size_t i = 0; i < s->nr_lines; i++) {
        cr_assert(strstr(s->lines[i].file, "lines.c"), "file %s", s->lines[i].file);
        cr_assert_gt(s->lines[i].line, 0);
    }
    cr_assert(strstr(s->lines[0].text, "helper_add(skb->len, 7)"), "first line '%s'", s->lines[0].text);
    cr_assert_eq(btf_ext_lines_for(l.ext, "socket", 0, 1000, &first, &n), 0);
    cr_assert_eq(n, s->nr_lines);
    cr_assert_eq(btf_ext_lines_for(l.ext, "socket", 1, 1, &first, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(btf_ext_lines_for(l.ext, "nope", 0, 10, &first, &n), -ENOENT);
    unload_obj(&l);
    remove_obj(path);
}

/* A program made of its section's function plus appended subprograms:
 * every instruction maps to the right source line. */
Test(btf, prog_info_with_subprograms)
{
    char *path = compile_bpf("lines"), sec[64];
    struct loaded l;
    struct btf_prog_info pi = {0};
    size_t main_off, main_cnt, h_off, h_cnt, g_off, g_cnt;
    const struct btf_ext_line *ln;

    load_obj(&l, path);
    elf_func(&l.o, "lines_main", sec, sizeof(sec), &main_off, &main_cnt);
    cr_assert_str_eq(sec, "socket");
    elf_func(&l.o, "helper_add", sec, sizeof(sec), &h_off, &h_cnt);
    cr_assert_str_eq(sec, ".text");
    elf_func(&l.o, "global_sub", sec, sizeof(sec), &g_off, &g_cnt);
    /* program = main, then global_sub, then helper_add (order of the loader's choosing) */
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, "socket", main_off, main_cnt, 0), 0);
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, ".text", g_off, g_cnt, main_cnt), 0);
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, ".text", h_off, h_cnt, main_cnt + g_cnt), 0);
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, "no-such-section", 0, 10, 100), 0);
    cr_assert_eq(pi.nr_funcs, 3);
    cr_assert_eq(pi.funcs[0].insn_off, 0);
    cr_assert_eq(pi.funcs[1].insn_off, main_cnt);
    cr_assert_eq(pi.funcs[2].insn_off, main_cnt + g_cnt);
    cr_assert_str_eq(btf__name_by_offset(l.btf, btf__type_by_id(l.btf, pi.funcs[1].type_id)->name_off), "global_sub");
    for (size_t i = 1; i < pi.nr_lines; i++)
        cr_assert_geq(pi.lines[i].insn_off, pi.lines[i - 1].insn_off);
    ln = btf_prog_info_line(&pi, 0);
    cr_assert_not_null(ln);
    cr_assert(strstr(ln->text, "helper_add(skb->len, 7)"), "'%s'", ln->text);
    ln = btf_prog_info_line(&pi, main_cnt);
    cr_assert(strstr(ln->text, "global_sub") || strstr(ln->text, "0x55"), "'%s'", ln->text);
    for (size_t i = main_cnt + g_cnt; i < main_cnt + g_cnt + h_cnt; i++) {
        ln = btf_prog_info_line(&pi, i);
        cr_assert_not_null(ln);
        cr_assert(strstr(ln->text, "helper_add") || strstr(ln->text, "a * 3") || strstr(ln->text, "c + b"),
                  "insn %zu: '%s'", i, ln->text);
    }
    cr_assert_not_null(btf_prog_info_line_at(&pi, main_cnt));
    /* an instruction inserted before global_sub shifts everything after it */
    btf_prog_info_shift(&pi, main_cnt, 2);
    cr_assert_eq(pi.funcs[1].insn_off, main_cnt + 2);
    cr_assert_null(btf_prog_info_line_at(&pi, main_cnt));
    btf_prog_info_free(&pi);
    unload_obj(&l);
    remove_obj(path);
}

/* A .BTF.ext built by hand: header + sections. */
struct extbuf {
    uint8_t b[4096];
    size_t n;
};

static void put32(struct extbuf *e, uint32_t v)
{
    memcpy(e->b + e->n, &v, 4);
    e->n += 4;
}

static int parse_hostile(const void *d, size_t n, const struct btf *btf, char *log, size_t logsz)
{
    struct btf_ext_info *ext = NULL;
    int err;

    log[0] = 0;
    err = btf_ext_parse(d, n, btf, &ext, log, logsz);
    if (!err)
        btf_ext_free(ext);
    else
        cr_assert_null(ext);
    return err;
}

/* A minimal BTF: [1] int, [2] func proto, [3] FUNC "f"; strings "f", "a.c", "x = 1;", "sec". */
static struct btf *tiny_btf(uint32_t *s_file, uint32_t *s_line, uint32_t *s_sec)
{
    struct btf *b = btf__new_empty();

    btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_func_proto(b, 1);
    btf__add_func(b, "f", BTF_FUNC_GLOBAL, 2);
    *s_file = (uint32_t)btf__add_str(b, "a.c");
    *s_line = (uint32_t)btf__add_str(b, "x = 1;");
    *s_sec = (uint32_t)btf__add_str(b, "sec");
    return b;
}

/* header (32 bytes) + func_info (rec 8, 1 rec) + line_info (rec 16, 1 rec) + core_relo (rec 16, 1 rec) */
static void good_ext(struct extbuf *e, uint32_t sf, uint32_t sl, uint32_t ss)
{
    e->n = 0;
    put32(e, 0xeB9F | (1u << 16)); /* magic, version 1, flags 0 */
    put32(e, 32);
    put32(e, 0), put32(e, 4 + 8 + 8);        /* func_info */
    put32(e, 20), put32(e, 4 + 8 + 16);      /* line_info */
    put32(e, 48), put32(e, 4 + 8 + 16);      /* core_relo */
    put32(e, 8), put32(e, ss), put32(e, 1);  /* func rec size, sec, num */
    put32(e, 0), put32(e, 3);                /* insn 0, FUNC */
    put32(e, 16), put32(e, ss), put32(e, 1); /* line */
    put32(e, 8), put32(e, sf), put32(e, sl), put32(e, (7u << 10) | 3);
    put32(e, 16), put32(e, ss), put32(e, 1); /* core */
    put32(e, 8), put32(e, 1), put32(e, 0), put32(e, BPF_CORE_TYPE_SIZE);
}

Test(btf, ext_handmade_and_hostile)
{
    uint32_t sf, sl, ss;
    struct btf *b = tiny_btf(&sf, &sl, &ss);
    struct extbuf e;
    struct btf_ext_info *ext = NULL;
    char log[256];
    uint32_t v;

    good_ext(&e, sf, sl, ss);
    cr_assert_eq(btf_ext_parse(e.b, e.n, b, &ext, log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(ext->nr_secs, 1);
    cr_assert_str_eq(ext->secs[0].name, "sec");
    cr_assert_eq(ext->secs[0].lines[0].insn_off, 1);
    cr_assert_eq(ext->secs[0].lines[0].line, 7);
    cr_assert_eq(ext->secs[0].lines[0].col, 3);
    cr_assert_str_eq(ext->secs[0].lines[0].file, "a.c");
    cr_assert_str_eq(ext->secs[0].lines[0].text, "x = 1;");
    cr_assert_eq(ext->secs[0].relos[0].kind, BPF_CORE_TYPE_SIZE);
    btf_ext_free(ext);

    /* every truncation is an error or a shorter valid section, never a crash */
    for (size_t n = 0; n < e.n; n++)
        (void)parse_hostile(e.b, n, b, log, sizeof(log));
    cr_assert_eq(parse_hostile(e.b, 7, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "too short"), "%s", log);

    /* bad magic, other byte order, version */
    good_ext(&e, sf, sl, ss);
    e.b[0] = 0x12;
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "magic"), "%s", log);
    good_ext(&e, sf, sl, ss);
    e.b[0] = 0xeB, e.b[1] = 0x9F;
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -ENOTSUP);
    good_ext(&e, sf, sl, ss);
    e.b[2] = 2;
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -ENOTSUP);

    /* header length beyond the data */
    good_ext(&e, sf, sl, ss);
    v = 4000;
    memcpy(e.b + 4, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "header length"), "%s", log);

    /* bad record sizes */
    good_ext(&e, sf, sl, ss);
    v = 4;
    memcpy(e.b + 32, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "func_info: record size 4"), "%s", log);
    good_ext(&e, sf, sl, ss);
    v = 0xfffffff0;
    memcpy(e.b + 52, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "line_info: record size"), "%s", log);

    /* huge record count */
    good_ext(&e, sf, sl, ss);
    v = 0x40000000;
    memcpy(e.b + 40, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "exceed"), "%s", log);

    /* sub-section outside the data, huge offset */
    good_ext(&e, sf, sl, ss);
    v = 0xfffffff0;
    memcpy(e.b + 8, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "outside"), "%s", log);

    /* string offsets out of range: section name, file, line text, access string */
    good_ext(&e, sf, sl, ss);
    v = 1u << 30;
    memcpy(e.b + 36, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "section name offset"), "%s", log);
    good_ext(&e, sf, sl, ss);
    memcpy(e.b + 68, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "file name offset"), "%s", log);
    good_ext(&e, sf, sl, ss);
    memcpy(e.b + 72, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "line offset"), "%s", log);
    good_ext(&e, sf, sl, ss);
    memcpy(e.b + 100, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "access string"), "%s", log);

    /* insn_off not a multiple of 8; func type not a FUNC; relo type id out of range; unknown kind */
    good_ext(&e, sf, sl, ss);
    v = 3;
    memcpy(e.b + 44, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "multiple of 8"), "%s", log);
    good_ext(&e, sf, sl, ss);
    v = 1;
    memcpy(e.b + 48, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "not a FUNC"), "%s", log);
    good_ext(&e, sf, sl, ss);
    v = 99;
    memcpy(e.b + 96, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "type id 99"), "%s", log);
    good_ext(&e, sf, sl, ss);
    v = 77;
    memcpy(e.b + 104, &v, 4);
    cr_assert_eq(parse_hostile(e.b, e.n, b, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "kind 77"), "%s", log);

    /* larger records than known are accepted (known prefix read) */
    good_ext(&e, sf, sl, ss);
    {
        struct extbuf f = {.n = 0};

        put32(&f, 0xeB9F | (1u << 16));
        put32(&f, 24);
        put32(&f, 0), put32(&f, 4 + 8 + 12);
        put32(&f, 0), put32(&f, 0);
        put32(&f, 12), put32(&f, ss), put32(&f, 1);
        put32(&f, 0), put32(&f, 3), put32(&f, 0xdeadbeef);
        cr_assert_eq(btf_ext_parse(f.b, f.n, b, &ext, log, sizeof(log)), 0, "%s", log);
        cr_assert_eq(ext->secs[0].funcs[0].type_id, 3);
        btf_ext_free(ext);
    }

    /* every single-byte corruption of a valid section: no crash */
    for (size_t i = 0; i < e.n; i++)
        for (int bit = 0; bit < 8; bit++) {
            good_ext(&e, sf, sl, ss);
            e.b[i] ^= (uint8_t)(1u << bit);
            (void)parse_hostile(e.b, e.n, b, log, sizeof(log));
        }
    btf__free(b);
}

/* ------------------------------------------------------------ CO-RE vs libbpf */

Test(btf, core_read_matches_libbpf)
{
    /* one poisoned instruction: the read of the missing field, dead code */
    compare_with_libbpf("core_read", "raw_tp/sys_enter", "core_read", 1);
}

Test(btf, core_types_match_libbpf)
{
    /* one poisoned: the value of the missing enumerator, dead code */
    compare_with_libbpf("core_types", "raw_tp/sys_enter", "core_types", 1);
}

Test(btf, core_direct_loads_match_libbpf)
{
    compare_with_libbpf("core_direct", "tp_btf/sched_switch", "core_direct", 0);
}

/* ------------------------------------------------------------ CO-RE vs vmlinux */

/* The value a relocation wrote into insns. */
static uint64_t insn_value(const struct bpf_insn *in)
{
    switch (in->code & 7) {
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: return (uint64_t)(int64_t)in->off;
    case BPF_LD: return (uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
    default: return (uint64_t)(uint32_t)in->imm;
    }
}

/* Bit offset of member name in named struct of vmlinux, through anonymous
 * members; -1 if absent. */
static long long vm_member_bits(const struct btf *v, const struct btf_type *t, const char *name, uint32_t *type)
{
    const struct btf_member *m = btf_members(t);

    for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
        const char *n = btf__name_by_offset(v, m->name_off);

        if (n && *n && !strcmp(n, name)) {
            *type = m->type;
            return btf_member_bit_offset(t, i);
        }
        if (!*n) {
            const struct btf_type *mt = btf__type_by_id(v, m->type);
            long long sub;

            if ((btf_is_struct(mt) || btf_is_union(mt)) && (sub = vm_member_bits(v, mt, name, type)) >= 0)
                return btf_member_bit_offset(t, i) + sub;
        }
    }
    return -1;
}

static long long vm_off(const char *st, const char *field, uint32_t *type)
{
    struct btf *v = vmlinux();
    int id = btf__find_by_name_kind(v, st, BTF_KIND_STRUCT);

    cr_assert_gt(id, 0);
    return vm_member_bits(v, btf__type_by_id(v, id), field, type);
}

Test(btf, core_values_from_vmlinux)
{
    char *path = compile_bpf("core_types"), log[4096] = "";
    struct loaded l;
    struct btf_prog_info pi = {0};
    struct bpf_insn *insns;
    size_t cnt, sz;
    struct btf *v = vmlinux();
    int ts = btf__find_by_name_kind(v, "task_struct", BTF_KIND_STRUCT);
    int lh = btf__find_by_name_kind(v, "list_head", BTF_KIND_STRUCT);
    int mt = btf__find_by_name_kind(v, "bpf_map_type", BTF_KIND_ENUM);
    int seen = 0;

    cr_assert_gt(ts, 0);
    load_obj(&l, path);
    insns = elf_section(&l.o, "raw_tp/sys_enter", &sz, NULL);
    cnt = sz / 8;
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, "raw_tp/sys_enter", 0, cnt, 0), 0);
    cr_assert_geq(core_relocate(insns, cnt, l.btf, v, pi.relos, pi.nr_relos, "core_types", log, sizeof(log)), 0, "%s",
                  log);
    for (size_t i = 0; i < pi.nr_relos; i++) {
        const struct core_relo *r = &pi.relos[i];
        const struct btf_type *t = btf__type_by_id(l.btf, r->type_id);
        const char *name = btf__name_by_offset(l.btf, t->name_off);
        uint64_t got = insn_value(&insns[r->insn_off]);

        if (!strcmp(name, "task_struct")) {
            seen++;
            if (r->kind == BPF_CORE_TYPE_SIZE)
                cr_expect_eq(got, (uint64_t)btf__resolve_size(v, ts));
            else if (r->kind == BPF_CORE_TYPE_ID_TARGET)
                cr_expect_eq(got, (uint64_t)ts);
            else if (r->kind == BPF_CORE_TYPE_ID_LOCAL)
                cr_expect_eq(got, r->type_id);
            else
                cr_expect_eq(got, 1);
        } else if (!strcmp(name, "bpfrt_not_in_kernel")) {
            seen++;
            cr_expect_eq(got, 0, "%s of a missing type: %llu", core_relo_kind_str(r->kind), (unsigned long long)got);
        } else if (!strcmp(name, "list_head___mine")) {
            seen++;
            if (r->kind == BPF_CORE_TYPE_SIZE)
                cr_expect_eq(got, (uint64_t)btf__resolve_size(v, lh));
            else if (r->kind == BPF_CORE_TYPE_ID_TARGET)
                cr_expect_eq(got, (uint64_t)lh);
            else
                cr_expect_eq(got, 1, "%s", core_relo_kind_str(r->kind));
        } else if (!strcmp(name, "bpf_map_type") && r->kind == BPF_CORE_ENUMVAL_VALUE) {
            const char *acc = btf__name_by_offset(l.btf, r->access_str_off);
            const struct btf_enum *le = btf_enum(t) + atoi(acc);
            const char *en = btf__name_by_offset(l.btf, le->name_off);
            const struct btf_type *vt = btf__type_by_id(v, mt);

            seen++;
            for (uint32_t k = 0; k < btf_vlen(vt); k++)
                if (!strcmp(btf__name_by_offset(v, btf_enum(vt)[k].name_off), en))
                    cr_expect_eq(got, (uint64_t)btf_enum(vt)[k].val, "%s", en);
        } else if (!strcmp(name, "bpf_map_type___local")) {
            seen++;
            if (r->kind == BPF_CORE_ENUMVAL_VALUE)
                cr_expect(core_insn_is_poison(&insns[r->insn_off]));
            else
                cr_expect_eq(got, 0);
        }
    }
    cr_assert_geq(seen, 14);
    free(insns);
    btf_prog_info_free(&pi);
    unload_obj(&l);
    remove_obj(path);
}

Test(btf, core_field_offsets_from_vmlinux)
{
    char *path = compile_bpf("core_direct"), log[4096] = "";
    struct loaded l;
    struct btf_prog_info pi = {0};
    struct bpf_insn *insns;
    size_t cnt, sz;
    uint32_t ty;
    long long pid = vm_off("task_struct", "pid", &ty), tgid = vm_off("task_struct", "tgid", &ty),
              flags = vm_off("task_struct", "flags", &ty);
    int npid = 0, ntgid = 0, nflags = 0;

    load_obj(&l, path);
    insns = elf_section(&l.o, "tp_btf/sched_switch", &sz, NULL);
    cnt = sz / 8;
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, "tp_btf/sched_switch", 0, cnt, 0), 0);
    cr_assert_eq(core_relocate(insns, cnt, l.btf, vmlinux(), pi.relos, pi.nr_relos, "core_direct", log, sizeof(log)), 0,
                 "%s", log);
    for (size_t i = 0; i < pi.nr_relos; i++) {
        const struct core_relo *r = &pi.relos[i];
        const char *acc = btf__name_by_offset(l.btf, r->access_str_off);
        const struct bpf_insn *in = &insns[r->insn_off];

        cr_assert_eq(r->kind, BPF_CORE_FIELD_BYTE_OFFSET);
        cr_assert_eq(in->code & 7, BPF_LDX);
        if (!strcmp(acc, "0:0")) {
            npid++;
            cr_expect_eq(in->off, pid / 8);
            cr_expect_eq(in->code & 0x18, BPF_W);
        } else if (!strcmp(acc, "0:1")) {
            ntgid++;
            cr_expect_eq(in->off, tgid / 8);
        } else if (!strcmp(acc, "0:2")) {
            nflags++;
            cr_expect_eq(in->off, flags / 8);
            cr_expect_eq(in->code & 0x18, BPF_W, "8-byte local load of a 4-byte kernel field resized");
        }
    }
    cr_assert(npid >= 1 && ntgid == 1 && nflags == 1);
    free(insns);
    btf_prog_info_free(&pi);
    unload_obj(&l);
    remove_obj(path);
}

/* The missing field of the ___local flavor: existence 0, the read poisoned,
 * and the log names program, instruction, access string and type. */
Test(btf, core_missing_field_poisoned)
{
    char *path = compile_bpf("core_read"), log[8192] = "", needle[64];
    struct loaded l;
    size_t cnt;
    int poisoned, npois = 0;
    struct bpf_insn *insns;

    load_obj(&l, path);
    insns = our_relocate(&l, "raw_tp/sys_enter", &cnt, log, sizeof(log), &poisoned);
    cr_assert_eq(poisoned, 1);
    for (size_t i = 0; i < cnt; i++)
        if (core_insn_is_poison(&insns[i])) {
            npois++;
            snprintf(needle, sizeof(needle), "insn %zu: byte_off", i);
            cr_assert(strstr(log, needle), "'%s' not in log:\n%s", needle, log);
        }
    cr_assert_eq(npois, 1);
    cr_assert(strstr(log, "prog 'raw_tp/sys_enter'"), "%s", log);
    cr_assert(strstr(log, "struct sk_buff___local.bpfrt_no_such_field"), "%s", log);
    cr_assert(strstr(log, "access 0:1"), "%s", log);
    cr_assert(strstr(log, "poisoned"), "%s", log);
    free(insns);
    unload_obj(&l);
    remove_obj(path);
}

/* Without a target BTF: field kinds are poisoned, existence kinds give 0,
 * the local type id is still known. */
Test(btf, core_without_target)
{
    char *path = compile_bpf("core_types"), log[8192] = "";
    struct loaded l;
    struct btf_prog_info pi = {0};
    struct bpf_insn *insns;
    size_t cnt, sz;
    int r;

    load_obj(&l, path);
    insns = elf_section(&l.o, "raw_tp/sys_enter", &sz, NULL);
    cnt = sz / 8;
    cr_assert_eq(btf_prog_info_append(&pi, l.ext, "raw_tp/sys_enter", 0, cnt, 0), 0);
    r = core_relocate(insns, cnt, l.btf, NULL, pi.relos, pi.nr_relos, "t", log, sizeof(log));
    cr_assert_gt(r, 0, "%d %s", r, log);
    for (size_t i = 0; i < pi.nr_relos; i++) {
        uint64_t got = insn_value(&insns[pi.relos[i].insn_off]);

        if (pi.relos[i].kind == BPF_CORE_ENUMVAL_VALUE)
            cr_expect(core_insn_is_poison(&insns[pi.relos[i].insn_off]));
        else if (pi.relos[i].kind == BPF_CORE_TYPE_ID_LOCAL)
            cr_expect_eq(got, pi.relos[i].type_id);
        else
            cr_expect_eq(got, 0, "%s", core_relo_kind_str(pi.relos[i].kind));
    }
    free(insns);
    btf_prog_info_free(&pi);
    unload_obj(&l);
    remove_obj(path);
}

/* Malformed relocations and looping BTF: errors, never crashes or hangs. */
Test(btf, core_hostile)
{
    struct btf *b = btf__new_empty(), *t = btf__new_empty();
    struct bpf_insn insns[4] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 4},
        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1, .off = 0},
        {.code = BPF_JMP | BPF_EXIT},
        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 1},
    };
    struct core_relo r;
    char log[1024];
    int s_root, s_bad, s_deep, loop, st, r_;

    btf__add_int(b, "int", 4, BTF_INT_SIGNED); /* 1 */
    st = btf__add_struct(b, "loopy", 4);       /* 2 */
    btf__add_field(b, "x", 3, 0, 0);           /* of type 3: a typedef loop */
    loop = btf__add_typedef(b, "lt", 4);       /* 3 -> 4 */
    btf__add_typedef(b, "lt2", 3);             /* 4 -> 3 */
    cr_assert_eq(st, 2);
    cr_assert_eq(loop, 3);
    s_root = btf__add_str(b, "0");
    s_bad = btf__add_str(b, "0:x:");
    s_deep = btf__add_str(b, "0:0:0:0");
    /* the target: the same loop */
    btf__add_int(t, "int", 4, BTF_INT_SIGNED);
    btf__add_struct(t, "loopy", 4);
    btf__add_field(t, "x", 3, 0, 0);
    btf__add_typedef(t, "lt", 4);
    btf__add_typedef(t, "lt2", 3);

    r = (struct core_relo){.insn_off = 9, .type_id = 2, .access_str_off = (uint32_t)s_root, .kind = 0};
    log[0] = 0;
    cr_assert_eq(core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "out of range"), "%s", log);

    r = (struct core_relo){.insn_off = 0, .type_id = 2, .access_str_off = (uint32_t)s_bad, .kind = 0};
    log[0] = 0;
    cr_assert_eq(core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "malformed access string"), "%s", log);

    r = (struct core_relo){.insn_off = 0, .type_id = 2, .access_str_off = (uint32_t)s_deep, .kind = 0};
    log[0] = 0;
    r_ = core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log));
    cr_assert_eq(r_, -EINVAL, "%d %s", r_, log);

    /* field through the typedef loop */
    {
        int s01 = btf__add_str(b, "0:0");

        r = (struct core_relo){
            .insn_off = 0, .type_id = 2, .access_str_off = (uint32_t)s01, .kind = BPF_CORE_FIELD_BYTE_SIZE};
        log[0] = 0;
        r_ = core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log));
        cr_assert_lt(r_, 0, "%s", log);
        r = (struct core_relo){
            .insn_off = 0, .type_id = 2, .access_str_off = (uint32_t)s01, .kind = BPF_CORE_FIELD_EXISTS};
        log[0] = 0;
        insns[0].imm = 1;
        r_ = core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log));
        cr_assert_lt(r_, 0, "%s", log);
        insns[0].imm = 4;
    }
    /* type relocations through loops */
    r = (struct core_relo){.insn_off = 0, .type_id = 3, .access_str_off = (uint32_t)s_root, .kind = BPF_CORE_TYPE_SIZE};
    log[0] = 0;
    r_ = core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log));
    cr_assert_lt(r_, 0, "%s", log);
    r.kind = BPF_CORE_TYPE_MATCHES;
    r.type_id = 2;
    insns[0].imm = 1;
    log[0] = 0;
    r_ = core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log));
    cr_assert_lt(r_, 0, "%s", log);

    /* relocation on the wrong kind of instruction */
    r = (struct core_relo){
        .insn_off = 3, .type_id = 1, .access_str_off = (uint32_t)s_root, .kind = BPF_CORE_TYPE_ID_LOCAL};
    log[0] = 0;
    cr_assert_eq(core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "register operand"), "%s", log);
    /* the instruction does not hold the local value */
    r = (struct core_relo){.insn_off = 0, .type_id = 1, .access_str_off = (uint32_t)s_root, .kind = BPF_CORE_TYPE_SIZE};
    insns[0].imm = 8;
    log[0] = 0;
    cr_assert_eq(core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "expected 4"), "%s", log);
    /* and when it does: int is 4 bytes in the target */
    insns[0].imm = 4;
    cr_assert_eq(core_relocate(insns, 4, b, t, &r, 1, "p", log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(insns[0].imm, 4);
    btf__free(b);
    btf__free(t);
}

/* Hostile target BTF that makes an unbounded CO-RE search exponential: a
 * chain of n anonymous structs, each with two anonymous members of the one
 * below, so searching a name that is absent visits 2^n members (n = 30:
 * hours before the bound).  Returns the id of the outer named struct. */
static int anon_ladder(struct btf *t, const char *name, int n)
{
    int below = btf__add_struct(t, NULL, 4), id;

    btf__add_field(t, "y", 1, 0, 0);
    for (int k = 0; k < n; k++) {
        id = btf__add_struct(t, NULL, 4);
        btf__add_field(t, NULL, below, 0, 0);
        btf__add_field(t, NULL, below, 0, 0);
        below = id;
    }
    id = btf__add_struct(t, name, 4);
    btf__add_field(t, NULL, below, 0, 0);
    return id;
}

/* A chain of n named structs each with two members of the one below
 * (types_match compares every member: 2^n before the bound). */
static int named_ladder(struct btf *b, const char *name, int n)
{
    int below = 1, id = 1;

    for (int k = 0; k < n; k++) {
        char nm[32];

        snprintf(nm, sizeof(nm), "%s%d", k + 1 == n ? name : "rung", k);
        id = btf__add_struct(b, k + 1 == n ? name : nm, 8);
        btf__add_field(b, "a", below, 0, 0);
        btf__add_field(b, "b", below, 32, 0);
        below = id;
    }
    return id;
}

Test(btf, core_hostile_anonymous_members_bounded, .timeout = 60)
{
    struct btf *b = btf__new_empty(), *t = btf__new_empty();
    struct bpf_insn insns[2] = {
        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1, .off = 0},
        {.code = BPF_JMP | BPF_EXIT},
    };
    struct core_relo r;
    char log[1024];
    int ls, lm, s00, s0, r_;

    btf__add_int(b, "int", 4, BTF_INT_SIGNED); /* 1 */
    ls = btf__add_struct(b, "victim", 4);
    btf__add_field(b, "x", 1, 0, 0);
    s00 = btf__add_str(b, "0:0");
    s0 = btf__add_str(b, "0");
    btf__add_int(t, "int", 4, BTF_INT_SIGNED);
    anon_ladder(t, "victim", 30);

    /* field x: searched through 2^30 anonymous paths, never found */
    r = (struct core_relo){.insn_off = 0, .type_id = (uint32_t)ls, .access_str_off = (uint32_t)s00,
                           .kind = BPF_CORE_FIELD_BYTE_OFFSET};
    log[0] = 0;
    r_ = core_relocate(insns, 2, b, t, &r, 1, "p", log, sizeof(log));
    cr_assert_eq(r_, -E2BIG, "%d %s", r_, log);
    cr_assert(strstr(log, "prog 'p': CO-RE relo #0: insn 0: byte_off of struct victim.x (access 0:0, type [2]): "
                          "target type ["),
              "%s", log);
    cr_assert(strstr(log, "matching needs more than 1048576 member visits"), "%s", log);

    /* nesting deeper than 32 anonymous levels (one path: linear) */
    {
        struct btf *d = btf__new_empty();
        int below, id;

        btf__add_int(d, "int", 4, BTF_INT_SIGNED);
        below = btf__add_struct(d, NULL, 4);
        btf__add_field(d, "x", 1, 0, 0);
        for (int k = 0; k < 40; k++) {
            id = btf__add_struct(d, NULL, 4);
            btf__add_field(d, NULL, below, 0, 0);
            below = id;
        }
        btf__add_struct(d, "victim", 4);
        btf__add_field(d, NULL, below, 0, 0);
        log[0] = 0;
        r_ = core_relocate(insns, 2, b, d, &r, 1, "p", log, sizeof(log));
        cr_assert_eq(r_, -E2BIG, "%d %s", r_, log);
        cr_assert(strstr(log, "anonymous members nested deeper than 32 levels"), "%s", log);
        btf__free(d);
    }

    /* type_matches over 2^28 member comparisons */
    lm = named_ladder(b, "ladder", 28);
    named_ladder(t, "ladder", 28);
    r = (struct core_relo){.insn_off = 0, .type_id = (uint32_t)lm, .access_str_off = (uint32_t)s0,
                           .kind = BPF_CORE_TYPE_MATCHES};
    insns[0] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 1};
    log[0] = 0;
    r_ = core_relocate(insns, 2, b, t, &r, 1, "p", log, sizeof(log));
    cr_assert_eq(r_, -E2BIG, "%d %s", r_, log);
    cr_assert(strstr(log, "matching needs more than 1048576 member visits"), "%s", log);
    /* a small ladder still matches */
    {
        struct btf *b2 = btf__new_empty(), *t2 = btf__new_empty();

        btf__add_int(b2, "int", 4, BTF_INT_SIGNED);
        btf__add_int(t2, "int", 4, BTF_INT_SIGNED);
        r.type_id = (uint32_t)named_ladder(b2, "ladder", 6);
        named_ladder(t2, "ladder", 6);
        r.access_str_off = (uint32_t)btf__add_str(b2, "0");
        insns[0].imm = 1;
        log[0] = 0;
        cr_assert_eq(core_relocate(insns, 2, b2, t2, &r, 1, "p", log, sizeof(log)), 0, "%s", log);
        cr_assert_eq(insns[0].imm, 1);
        btf__free(b2);
        btf__free(t2);
    }
    btf__free(b);
    btf__free(t);
}

/* ------------------------------------------------------------ dumping */

static char *run_capture(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char *buf = NULL;
    size_t cap = 0, n = 0, k;

    cr_assert_not_null(p);
    do {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap);
        }
        k = fread(buf + n, 1, cap - n - 1, p);
        n += k;
    } while (k);
    buf[n] = 0;
    pclose(p);
    return buf;
}

static char *dump_to_string(const char *path, const char *format, int json)
{
    char *buf = NULL, log[256] = "";
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    int err;

    err = btf_dump_file(path, format, json, f, log, sizeof(log));
    fclose(f);
    cr_assert_eq(err, 0, "btf_dump_file %s: %s", path, log);
    return buf;
}

static void compare_dump_(const char *path, const char *format, int json)
{
    char cmd[512], *ours, *theirs;

    snprintf(cmd, sizeof(cmd), "bpftool %s btf dump file %s format %s 2>/dev/null", json ? "-j" : "", path, format);
    theirs = run_capture(cmd);
    if (!*theirs) {
        free(theirs);
        cr_skip_test("bpftool not available");
    }
    ours = dump_to_string(path, format, json);
    if (strcmp(ours, theirs)) {
        size_t i = 0, line = 1;

        while (ours[i] && ours[i] == theirs[i]) {
            if (ours[i] == '\n')
                line++;
            i++;
        }
        cr_assert_fail("%s %s differs from bpftool at line %zu:\nours:   %.160s\nbpftool: %.160s", path, format, line,
                       ours + i, theirs + i);
    }
    free(ours);
    free(theirs);
}

static void compare_dump(const char *path, const char *format)
{
    compare_dump_(path, format, 0);
}

Test(btf, dump_raw_like_bpftool)
{
    char *p1 = compile_bpf("lines"), *p2 = compile_bpf("core_read");

    compare_dump(p1, "raw");
    compare_dump(p2, "raw");
    remove_obj(p1);
    remove_obj(p2);
}

Test(btf, dump_raw_vmlinux_like_bpftool, .timeout = 120)
{
    vmlinux();
    compare_dump(VMLINUX, "raw");
    compare_dump_(VMLINUX, "raw", 1);
}

Test(btf, dump_c_like_bpftool)
{
    char *p1 = compile_bpf("core_read");

    compare_dump(p1, "c");
    remove_obj(p1);
}

Test(btf, dump_json_and_errors)
{
    char *p1 = compile_bpf("lines"), *j, log[256] = "";
    FILE *f = fopen("/dev/null", "w");

    j = dump_to_string(p1, "raw", 1);
    cr_assert(!strncmp(j, "{\"types\":[", 10), "%.40s", j);
    cr_assert(strstr(j, "\"kind\":\"FUNC\""), "%.200s", j);
    cr_assert(strstr(j, "\"name\":\"lines_main\""));
    free(j);
    compare_dump_(p1, "raw", 1);
    cr_assert_lt(btf_dump_file("/nonexistent/x.o", NULL, 0, f, log, sizeof(log)), 0);
    cr_assert(strstr(log, "/nonexistent/x.o"), "%s", log);
    cr_assert_eq(btf_dump_file(p1, "yaml", 0, f, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "yaml"), "%s", log);
    fclose(f);
    remove_obj(p1);
}
