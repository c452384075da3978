/* test_loader.c - the ELF object loader: objects compiled here from
 * tests/data/bpf/ (C sources) (make -C tests/data/bpf), Debian's xdp-tools objects
 * and the kernel selftests' XDP and tc programs (tests/data/bpf/selftests.sh),
 * plus hostile input.  Relocation is checked with provisional map ids
 * (ld_object_relocate) so that it does not depend on map creation. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "loader/loader.h"

#define OBJDIR "build/tests/data/bpf"

/* Build the test objects once; concurrent test processes wait on a lock. */
static void build_objects(void)
{
    static int done;
    int fd, rc;

    if (done)
        return;
    if (system("mkdir -p " OBJDIR) != 0)
        cr_assert_fail("mkdir " OBJDIR);
    fd = open("build/tests/data/bpf.lock", O_CREAT | O_RDWR, 0644);
    cr_assert(fd >= 0);
    flock(fd, LOCK_EX);
    rc = system("make -s -C tests/data/bpf O=$PWD/" OBJDIR " >/dev/null");
    flock(fd, LOCK_UN);
    close(fd);
    cr_assert_eq(rc, 0, "make -C tests/data/bpf failed");
    done = 1;
}

static char logbuf[16384];

static int open_obj(const char *name, struct bpfrt_object **obj, const struct bpfrt_object_open_opts *extra)
{
    char path[256];
    struct bpfrt_object_open_opts o = {.sz = sizeof(o)};

    build_objects();
    if (extra)
        o = *extra;
    o.log_buf = logbuf;
    o.log_size = sizeof(logbuf);
    snprintf(path, sizeof(path), OBJDIR "/%s", name);
    return bpfrt_object__open_file(path, &o, obj);
}

static struct bpfrt_object *must_open(const char *name)
{
    struct bpfrt_object *obj = NULL;
    int err = open_obj(name, &obj, NULL);

    cr_assert_eq(err, 0, "open %s: %d: %s", name, err, logbuf);
    return obj;
}

static struct ld_map *def(struct bpfrt_object *obj, const char *name)
{
    size_t i;

    for (i = 0; i < obj->nr_maps; i++)
        if (!strcmp(obj->maps[i].name, name))
            return &obj->maps[i];
    cr_assert_fail("no map '%s'", name);
    return NULL;
}

/* Provisional ids 100 + index, then link every program. */
static int relocate(struct bpfrt_object *obj)
{
    size_t i;

    for (i = 0; i < obj->nr_maps; i++)
        obj->maps[i].rt_id = 100 + (uint32_t)i;
    return ld_object_relocate(obj);
}

/* Every pseudo call and callback of a linked program lands inside it, on
 * an instruction that is not the second half of an ld_imm64; returns the
 * number of such references. */
static int check_calls(const struct bpfrt_program *p)
{
    const struct bpf_insn *in = bpfrt_program__insns(p);
    size_t n = bpfrt_program__insn_cnt(p), i;
    int calls = 0;

    for (i = 0; i < n; i++) {
        int64_t t = (int64_t)i + in[i].imm + 1;
        if ((in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL) ||
            (in[i].code == (BPF_LD | BPF_IMM | BPF_DW) && in[i].src_reg == BPF_PSEUDO_FUNC)) {
            cr_assert(t >= 0 && (size_t)t < n, "program %s: insn %zu: target %lld outside 0..%zu",
                      bpfrt_program__name(p), i, (long long)t, n);
            cr_assert(t == 0 || in[t - 1].code != (BPF_LD | BPF_IMM | BPF_DW) || in[t - 1].src_reg > 6);
            calls++;
        }
        if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW))
            i++;
    }
    return calls;
}

/* The ld_imm64 of a program's k-th map reference. */
static const struct bpf_insn *nth_ldimm(const struct bpfrt_program *p, int k)
{
    const struct bpf_insn *in = bpfrt_program__insns(p);
    size_t i;

    for (i = 0; i + 1 < bpfrt_program__insn_cnt(p); i++)
        if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW)) {
            if (in[i].src_reg && k-- == 0)
                return &in[i];
            i++;
        }
    return NULL;
}

Test(loader, btf_maps)
{
    struct bpfrt_object *obj = must_open("btf_maps.o");
    struct ld_map *m;
    struct bpfrt_program *p;

    cr_assert_str_eq(bpfrt_object__name(obj), "btf_maps");
    cr_assert_str_eq(bpfrt_object__license(obj), "GPL");
    m = def(obj, "counters");
    cr_assert_eq(m->type, BPF_MAP_TYPE_HASH);
    cr_assert_eq(m->key_size, 4);
    cr_assert_eq(m->value_size, 16);
    cr_assert_eq(m->max_entries, 128);
    cr_assert_eq(m->map_flags, BPF_F_NO_PREALLOC);
    cr_assert_eq(m->pinning, 1); /* LIBBPF_PIN_BY_NAME */
    cr_assert_neq(m->btf_key_type_id, 0);
    m = def(obj, "sized");
    cr_assert(m->key_size == 4 && m->value_size == 8 && m->max_entries == 4);
    m = def(obj, "events"); /* max_entries 0: one per CPU */
    cr_assert_eq(m->type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    cr_assert_eq(m->max_entries, bpfrt_nr_workers());
    m = def(obj, "outer");
    cr_assert_eq(m->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    cr_assert_eq(m->value_size, 4); /* value_size 0 for map-in-map */
    cr_assert_geq(m->inner, 0);
    cr_assert_str_eq(obj->maps[m->inner].name, "outer.inner");
    cr_assert_eq(obj->maps[m->inner].max_entries, 2);
    cr_assert_eq(m->nr_inits, 2);
    cr_assert_eq(m->inits[0].slot, 0);
    cr_assert_str_eq(obj->maps[m->inits[0].map_idx].name, "inner_a");
    cr_assert_eq(m->inits[1].slot, 2);
    cr_assert_str_eq(obj->maps[m->inits[1].map_idx].name, "inner_b");
    m = def(obj, "outer_hash");
    cr_assert_eq(m->key_size, 8);
    cr_assert_eq(obj->maps[m->inner].type, BPF_MAP_TYPE_HASH);
    cr_assert_eq(obj->maps[m->inner].value_size, 8);
    m = def(obj, "jmp_table");
    cr_assert_eq(m->type, BPF_MAP_TYPE_PROG_ARRAY);
    cr_assert_eq(m->nr_inits, 1);
    cr_assert_eq(m->inits[0].slot, 1);
    cr_assert_str_eq(obj->progs[m->inits[0].prog_idx].name, "tail_a");
    /* global data, named as bpftool shows them */
    cr_assert_eq(def(obj, "btf_maps.data")->value_size, 4);
    cr_assert_eq(def(obj, "btf_maps.bss")->value_size, 32);
    cr_assert_eq(def(obj, "btf_maps.rodata")->map_flags & BPF_F_RDONLY_PROG, BPF_F_RDONLY_PROG);
    cr_assert_eq(def(obj, "b.rodata.str1.1")->kind, LD_MAP_RODATA);

    p = bpfrt_object__find_program_by_name(obj, "count");
    cr_assert_not_null(p);
    cr_assert_eq(bpfrt_program__type(p), BPF_PROG_TYPE_XDP);
    cr_assert_eq(bpfrt_program__expected_attach_type(p), BPF_XDP);
    cr_assert_str_eq(bpfrt_program__section_name(p), "xdp");
    p = bpfrt_object__find_program_by_name(obj, "tc_prog");
    cr_assert_eq(bpfrt_program__type(p), BPF_PROG_TYPE_SCHED_CLS);

    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    p = bpfrt_object__find_program_by_name(obj, "count");
    {
        const struct bpf_insn *in = nth_ldimm(p, 0);
        cr_assert_eq(in->src_reg, BPF_PSEUDO_MAP_FD);
        cr_assert_eq((uint32_t)in->imm, def(obj, "counters")->rt_id);
        in = nth_ldimm(p, 2); /* limit, in .rodata */
        cr_assert_eq(in->src_reg, BPF_PSEUDO_MAP_VALUE);
        cr_assert_eq((uint32_t)in->imm, def(obj, "btf_maps.rodata")->rt_id);
        cr_assert_eq(in[1].imm, 0);
        in = nth_ldimm(p, 3); /* zeroes[1], in .bss */
        cr_assert_eq((uint32_t)in->imm, def(obj, "btf_maps.bss")->rt_id);
    }
    bpfrt_object__close(obj);
}

Test(loader, internal_map_names)
{
    char n[32];

    ld_internal_map_name("hello", ".bss", n, sizeof(n));
    cr_assert_str_eq(n, "hello.bss");
    ld_internal_map_name("a_long_object_name", ".rodata", n, sizeof(n));
    cr_assert_str_eq(n, "a_long_o.rodata");
    ld_internal_map_name("a_long_object_name", ".kconfig", n, sizeof(n));
    cr_assert_str_eq(n, "a_long_.kconfig");
    ld_internal_map_name("x-y", ".data", n, sizeof(n));
    cr_assert_str_eq(n, "x_y.data");
}

Test(loader, legacy_maps_20_bytes)
{
    struct bpfrt_object *obj = must_open("legacy_maps.o");
    struct ld_map *m = def(obj, "flows");

    cr_assert_eq(obj->nr_maps, 2);
    cr_assert(m->type == BPF_MAP_TYPE_HASH && m->key_size == 8 && m->value_size == 4 && m->max_entries == 1024);
    cr_assert_eq(m->map_flags, BPF_F_NO_PREALLOC);
    cr_assert_str_eq(bpfrt_object__license(obj), "Dual BSD/GPL");
    cr_assert_eq(bpfrt_object__kversion(obj), 0x060100);
    cr_assert_eq(bpfrt_program__type(bpfrt_object__next_program(obj, NULL)), BPF_PROG_TYPE_SOCKET_FILTER);
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    cr_assert_eq((uint32_t)nth_ldimm(bpfrt_object__next_program(obj, NULL), 0)->imm, def(obj, "hits")->rt_id);
    bpfrt_object__close(obj);
}

Test(loader, iproute2_bpf_elf_map)
{
    struct bpfrt_object *obj = must_open("iproute2_maps.o");
    struct ld_map *in = def(obj, "map_inner"), *out = def(obj, "map_outer");
    BPFRT_OPTS(bpfrt_object_open_opts, o, .prog_type = BPF_PROG_TYPE_SCHED_ACT);
    struct bpfrt_program *p;

    cr_assert_eq(in->id, 42);
    cr_assert_eq(in->pinning, 2); /* PIN_GLOBAL_NS */
    cr_assert_eq(out->pinning, 1);
    cr_assert_eq(out->inner_id, 42);
    cr_assert_eq(&obj->maps[out->inner], in);
    cr_assert_eq(out->nr_inits, 1);
    cr_assert_eq(out->inits[0].slot, 0);
    cr_assert_eq(&obj->maps[out->inits[0].map_idx], in);
    cr_assert_eq(bpfrt_program__type(bpfrt_object__find_program_by_name(obj, "cls_main")), BPF_PROG_TYPE_SCHED_CLS);
    cr_assert_eq(bpfrt_program__type(bpfrt_object__find_program_by_name(obj, "act_main")), BPF_PROG_TYPE_SCHED_ACT);
    cr_assert_eq(bpfrt_program__type(bpfrt_object__find_program_by_name(obj, "ing")), BPF_PROG_TYPE_SCHED_CLS);
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    bpfrt_object__close(obj);

    /* tc's way: the type comes from the command line, whatever the section */
    cr_assert_eq(open_obj("iproute2_maps.o", &obj, &o), 0, "%s", logbuf);
    for (p = bpfrt_object__next_program(obj, NULL); p; p = bpfrt_object__next_program(obj, p))
        cr_assert_eq(bpfrt_program__type(p), BPF_PROG_TYPE_SCHED_ACT);
    bpfrt_object__close(obj);
}

Test(loader, legacy_28_byte_records)
{
    struct bpfrt_object *obj = must_open("legacy28.o");
    BPFRT_OPTS(bpfrt_object_open_opts, o, .legacy_maps = BPFRT_LEGACY_MAPS_KERNEL);
    struct ld_map *m;

    /* STT_NOTYPE symbols of size 0: record = section size / symbols */
    m = def(obj, "pinned_map");
    cr_assert(m->type == BPF_MAP_TYPE_HASH && m->key_size == 4 && m->value_size == 8 && m->max_entries == 64);
    cr_assert_eq(m->id, 7);
    cr_assert_eq(m->pinning, 2);
    cr_assert_not_null(strstr(logbuf, "iproute2"), "%s", logbuf);
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    bpfrt_object__close(obj);

    cr_assert_eq(open_obj("legacy28.o", &obj, &o), 0, "%s", logbuf);
    m = def(obj, "pinned_map");
    cr_assert_eq(m->pinning, 0);
    cr_assert_eq(m->numa_node, 2);
    bpfrt_object__close(obj);

    obj = must_open("legacy28_kernel.o");
    m = def(obj, "outer_m");
    cr_assert_eq(m->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    cr_assert_str_eq(obj->maps[m->inner].name, "proto");
    cr_assert_not_null(strstr(logbuf, "kernel"), "%s", logbuf);
    cr_assert_eq(bpfrt_program__type(bpfrt_object__next_program(obj, NULL)), BPF_PROG_TYPE_KPROBE);
    bpfrt_object__close(obj);
}

Test(loader, kconfig)
{
    struct bpfrt_object *obj = must_open("kconfig.o");
    struct ld_map *m = def(obj, "kconfig.kconfig");
    uint8_t val[64];
    uint32_t ver;
    struct utsname u;
    unsigned a = 0, b = 0, c = 0;
    size_t i;

    cr_assert_eq(obj->nr_kcfg, 5);
    cr_assert(m->value_size >= 16 && m->value_size <= sizeof(val));
    cr_assert_eq(ld_kconfig_fill(obj, val, m->value_size), 0, "%s", logbuf);
    for (i = 0; i < obj->nr_kcfg; i++) {
        const struct ld_kcfg *k = &obj->kcfg[i];
        if (!strcmp(k->name, "LINUX_KERNEL_VERSION")) {
            memcpy(&ver, val + k->off, 4);
            uname(&u);
            sscanf(u.release, "%u.%u.%u", &a, &b, &c);
            cr_assert_eq(ver, (a << 16) + (b << 8) + (c > 255 ? 255 : c));
        }
        if (!strcmp(k->name, "CONFIG_BPF_SYSCALL") && access("/proc/config.gz", R_OK) == 0)
            cr_assert_eq(val[k->off], 1);
        if (!strcmp(k->name, "CONFIG_BPFRT_SURELY_ABSENT"))
            cr_assert_eq(val[k->off], 0);
    }
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    cr_assert_eq(nth_ldimm(bpfrt_object__next_program(obj, NULL), 0)->src_reg, BPF_PSEUDO_MAP_VALUE);
    cr_assert_eq((uint32_t)nth_ldimm(bpfrt_object__next_program(obj, NULL), 0)->imm, m->rt_id);
    bpfrt_object__close(obj);
}

Test(loader, subprograms)
{
    struct bpfrt_object *obj = must_open("subprogs.o");
    struct bpfrt_program *p;
    int n = 0;

    for (p = bpfrt_object__next_program(obj, NULL); p; p = bpfrt_object__next_program(obj, p))
        n++;
    cr_assert_eq(n, 6); /* three in "xdp" (one static), two in "tc", one in "tc/helper"; .text: subprograms */
    cr_assert_not_null(bpfrt_object__find_program_by_name(obj, "hidden_entry"));
    cr_assert_null(bpfrt_object__find_program_by_name(obj, "add3"));
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    p = bpfrt_object__find_program_by_name(obj, "first"); /* first -> twice_plus3 -> add3 */
    cr_assert_eq(check_calls(p), 2);
    cr_assert_eq(p->nr_parts, 3);
    p = bpfrt_object__find_program_by_name(obj, "other_section"); /* square, twice_plus3, add3 */
    cr_assert_eq(check_calls(p), 3);
    cr_assert_eq(p->nr_parts, 4);
    p = bpfrt_object__find_program_by_name(obj, "cross_caller"); /* into another program section */
    cr_assert_eq(check_calls(p), 1);
    cr_assert_eq(p->nr_parts, 2);
    cr_assert_str_eq(bpfrt_program__section_name(bpfrt_object__find_program_by_name(obj, "cross_helper")),
                     "tc/helper");
    p = bpfrt_object__find_program_by_name(obj, "hidden_entry"); /* callback through bpf_loop */
    cr_assert_eq(check_calls(p), 1);
    cr_assert_eq(nth_ldimm(p, 0)->src_reg, BPF_PSEUDO_FUNC);
    bpfrt_object__close(obj);
}

Test(loader, section_without_symbols)
{
    struct bpfrt_object *obj = must_open("nosym_stripped.o");
    struct bpfrt_program *p = bpfrt_object__next_program(obj, NULL);

    cr_assert_not_null(p);
    cr_assert_str_eq(bpfrt_program__name(p), "xdp/nosym");
    cr_assert_eq(bpfrt_program__type(p), BPF_PROG_TYPE_XDP);
    cr_assert_null(bpfrt_object__next_program(obj, p));
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    bpfrt_object__close(obj);
}

Test(loader, undefined_call_refused)
{
    struct bpfrt_object *obj = must_open("undef_call.o");

    cr_assert_eq(relocate(obj), -ENOTSUP);
    cr_assert_not_null(strstr(logbuf, "call to undefined function 'not_defined_anywhere'"), "%s", logbuf);
    cr_assert_not_null(strstr(logbuf, "section 'xdp': insn 1"), "%s", logbuf);
    cr_assert_not_null(strstr(logbuf, "undef_call.o"), "%s", logbuf);
    bpfrt_object__close(obj);
}

Test(loader, big_endian_refused)
{
    struct bpfrt_object *obj = NULL;

    cr_assert_eq(open_obj("legacy_maps_eb.o", &obj, NULL), -ENOTSUP);
    cr_assert_not_null(strstr(logbuf, "big-endian"), "%s", logbuf);
}

static uint8_t *slurp(const char *name, size_t *size)
{
    char path[256];
    FILE *f;
    uint8_t *buf;
    long n;

    build_objects();
    snprintf(path, sizeof(path), OBJDIR "/%s", name);
    f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static int open_buf(const uint8_t *buf, size_t size, struct bpfrt_object **obj)
{
    BPFRT_OPTS(bpfrt_object_open_opts, o, .object_name = "mem.o", .log_buf = logbuf, .log_size = sizeof(logbuf));
    return bpfrt_object__open_mem(buf, size, &o, obj);
}

/* Objects of clang before EM_BPF: e_machine EM_NONE, relocation sections
 * of type 0.  Made here by patching an object. */
Test(loader, em_none_and_untyped_relocations)
{
    size_t size, i;
    uint8_t *buf = slurp("legacy_maps.o", &size);
    Elf64_Ehdr eh;
    struct bpfrt_object *obj;
    int patched = 0;

    memcpy(&eh, buf, sizeof(eh));
    eh.e_machine = EM_NONE;
    memcpy(buf, &eh, sizeof(eh));
    for (i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, buf + eh.e_shoff + i * sizeof(sh), sizeof(sh));
        if (sh.sh_type == SHT_REL) {
            sh.sh_type = SHT_NULL;
            memcpy(buf + eh.e_shoff + i * sizeof(sh), &sh, sizeof(sh));
            patched++;
        }
    }
    cr_assert_gt(patched, 0);
    cr_assert_eq(open_buf(buf, size, &obj), 0, "%s", logbuf);
    cr_assert_eq(relocate(obj), 0, "%s", logbuf);
    cr_assert_eq(nth_ldimm(bpfrt_object__next_program(obj, NULL), 0)->src_reg, BPF_PSEUDO_MAP_FD);
    cr_assert_str_eq(bpfrt_object__name(obj), "mem"); /* object_name, up to its first dot */
    bpfrt_object__close(obj);

    eh.e_machine = EM_X86_64;
    memcpy(buf, &eh, sizeof(eh));
    cr_assert_eq(open_buf(buf, size, &obj), -EINVAL);
    cr_assert_not_null(strstr(logbuf, "e_machine 62 is not BPF"), "%s", logbuf);
    free(buf);
}

/* Truncations and byte flips must fail cleanly or succeed, never crash
 * (ASan/UBSan runs make "cleanly" strict). */
Test(loader, hostile_input)
{
    static const char *const names[] = {"btf_maps.o", "subprogs.o", "iproute2_maps.o", "legacy28.o", "kconfig.o"};
    size_t k, size, i;
    uint32_t rnd = 12345;

    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        uint8_t *orig = slurp(names[k], &size), *buf = malloc(size);
        for (i = 0; i < size; i += (size / 200) + 1) {
            struct bpfrt_object *obj;
            if (open_buf(orig, i, &obj) == 0) {
                relocate(obj);
                bpfrt_object__close(obj);
            } else {
                cr_assert_not_null(strstr(logbuf, "mem.o"), "error without the file name: %s", logbuf);
            }
        }
        for (i = 0; i < 400; i++) {
            struct bpfrt_object *obj;
            int flips = 1 + (int)(i % 4), f;
            memcpy(buf, orig, size);
            for (f = 0; f < flips; f++) {
                rnd = rnd * 1103515245u + 12345u;
                buf[(rnd >> 8) % size] ^= (uint8_t)(1u << ((rnd >> 4) & 7));
            }
            if (open_buf(buf, size, &obj) == 0) {
                relocate(obj);
                bpfrt_object__close(obj);
            }
        }
        free(buf);
        free(orig);
    }
}

/* Open and relocate every object in dir; print what was found.  Returns
 * the number of objects, or -1 when the directory is missing. */
static int corpus(const char *dir, const char *label, int *nprogs, int *nfail, char *fails, size_t fsz)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int nobj = 0;

    *nprogs = *nfail = 0;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        char path[1024];
        struct bpfrt_object *obj;
        struct bpfrt_program *p;
        BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = logbuf, .log_size = sizeof(logbuf));
        size_t len = strlen(e->d_name);
        int err, n = 0;

        if (len < 3 || strcmp(e->d_name + len - 2, ".o"))
            continue;
        nobj++;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        err = bpfrt_object__open_file(path, &o, &obj);
        if (!err) {
            err = relocate(obj);
            for (p = bpfrt_object__next_program(obj, NULL); p; p = bpfrt_object__next_program(obj, p)) {
                n++;
                if (!err)
                    check_calls(p);
            }
            printf("%s: %-40s %2d programs %2zu maps%s\n", label, e->d_name, n, obj->nr_maps,
                   err ? "  RELOC FAILED" : "");
            bpfrt_object__close(obj);
        }
        if (err) {
            size_t fl = strlen(fails);
            (*nfail)++;
            snprintf(fails + fl, fsz - fl, "%s: %s\n", e->d_name, logbuf);
        } else {
            *nprogs += n;
        }
    }
    closedir(d);
    return nobj;
}

Test(loader, xdp_tools_objects)
{
    static char fails[65536];
    int nprogs, nfail, n;

    n = corpus("/usr/lib/x86_64-linux-gnu/bpf", "xdp-tools", &nprogs, &nfail, fails, sizeof(fails));
    if (n <= 0)
        cr_skip_test("no xdp-tools objects in /usr/lib/x86_64-linux-gnu/bpf (apt package xdp-tools)");
    printf("xdp-tools: %d objects, %d programs opened and relocated, %d failed\n%s", n, nprogs, nfail, fails);
    cr_assert_eq(nfail, 0, "%s", fails);
}

Test(loader, kernel_selftests_xdp_tc, .timeout = 900)
{
    static char fails[262144];
    int nprogs, nfail, n, rc;

    rc = system("tests/data/bpf/selftests.sh build/cache/selftests");
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) == 77)
        cr_skip_test("kernel selftests unavailable (see the line above)");
    cr_assert_eq(WEXITSTATUS(rc), 0);
    n = corpus("build/cache/selftests/obj", "selftests", &nprogs, &nfail, fails, sizeof(fails));
    if (n <= 0)
        cr_skip_test("no selftest object compiled");
    printf("selftests: %d objects, %d programs opened and relocated, %d failed\n%s", n, nprogs, nfail, fails);
    /* kfuncs (extern __ksym functions) are the one known reason */
    {
        int other = 0;
        char *line;
        for (line = fails; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (strncmp(strstr(line, ": ") ? strstr(line, ": ") : line, ": ", 2) == 0 &&
                !(strstr(line, "(kfunc)") &&
                  strstr(line, "(kfunc)") < (strchr(line, '\n') ? strchr(line, '\n') : line + strlen(line))))
                other++;
        cr_assert_eq(other, 0, "%s", fails);
    }
}

/* Did bpfrt_object__load stop while loading a program (after the maps)? */
static int prog_stage(void)
{
    return strstr(logbuf, ": section '") && strstr(logbuf, "': program '") && !strstr(logbuf, "cannot create");
}

/* Load: maps created with bpftool's names and initial values; programs
 * without map references load and run with their subprograms linked. */
Test(loader, load_creates_maps)
{
    struct bpfrt_object *obj = must_open("btf_maps.o");
    struct bpfrt_map *m, *ia;
    uint32_t key = 0, v32 = 0;
    int err = bpfrt_object__load(obj);

    /* a program may stop at a helper bpfrt does not provide yet: the maps
     * exist either way */
    cr_assert(err == 0 || prog_stage(), "%d: %s", err, logbuf);
    m = bpfrt_object__find_map_by_name(obj, "btf_maps.data");
    cr_assert_not_null(m, "%s", logbuf);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v32, 4, 0), 0);
    cr_assert_eq(v32, 3);
    m = bpfrt_object__find_map_by_name(obj, "btf_maps.rodata");
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v32, 4, 0), 0);
    cr_assert_eq(v32, 1500);
    cr_assert_neq(bpfrt_map__update_elem(m, &key, 4, &v32, 4, 0), 0); /* frozen */
    m = bpfrt_object__find_map_by_name(obj, "events");
    cr_assert_eq(bpfrt_map__max_entries(m), bpfrt_nr_workers());
    m = bpfrt_object__find_map_by_name(obj, "outer");
    ia = bpfrt_object__find_map_by_name(obj, "inner_a");
    cr_assert_not_null(m);
    cr_assert_not_null(ia);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v32, 4, 0), 0, "%s", logbuf);
    cr_assert_eq(v32, bpfrt_map__id(ia));
    cr_assert_null(bpfrt_object__find_map_by_name(obj, "outer.inner")); /* prototypes are not listed */
    bpfrt_object__close(obj);
}

Test(loader, load_runs_linked_subprograms)
{
    struct bpfrt_object *obj = must_open("subprogs.o");
    struct bpfrt_program *p;
    uint8_t ctx[32] = {0};
    BPFRT_OPTS(bpfrt_run_opts, r, .data = ctx, .data_size = sizeof(ctx));
    int err;

    /* XDP programs cannot run until their context exists: run them with
     * the raw convention, the data standing in for the xdp_md */
    for (p = bpfrt_object__next_program(obj, NULL); p; p = bpfrt_object__next_program(obj, p))
        cr_assert_eq(bpfrt_program__set_type(p, BPF_PROG_TYPE_UNSPEC), 0);
    err = bpfrt_object__load(obj);

    cr_assert(err == 0 || prog_stage(), "%d: %s", err, logbuf);
    p = bpfrt_object__find_program_by_name(obj, "first");
    cr_assert_not_null(bpfrt_program__prog(p), "%s", logbuf);
    ctx[12] = 6; /* ingress_ifindex: twice_plus3(6) & 3 = 18 & 3 */
    cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(p), &r), 0);
    cr_assert_eq(r.retval, 2);
    p = bpfrt_object__find_program_by_name(obj, "second");
    ctx[16] = 3; /* rx_queue_index: (9 + 4) & 3 */
    cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(p), &r), 0);
    cr_assert_eq(r.retval, 1);
    /* hidden_entry: bpf_loop(4, loop_cb, &sum, 0), sum = 0 + 1 + 2 + 3 */
    p = bpfrt_object__find_program_by_name(obj, "hidden_entry");
    cr_assert_not_null(bpfrt_program__prog(p), "%s", logbuf);
    for (int checked = 0; checked < 2; checked++) {
        r.flags = checked ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED;
        cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(p), &r), 0);
        cr_assert_eq(r.retval, 6 & 3);
    }
    if (err)
        printf("loader: subprogs.o load stopped at: %s\n", logbuf);
    bpfrt_object__close(obj);
}

Test(loader, load_kconfig_and_legacy)
{
    static const char *const names[] = {"kconfig.o", "legacy_maps.o", "iproute2_maps.o", "legacy28_kernel.o"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct bpfrt_object *obj = must_open(names[i]);
        int err = bpfrt_object__load(obj);
        cr_assert(err == 0 || prog_stage(), "%s: %d: %s", names[i], err, logbuf);
        cr_assert_not_null(bpfrt_object__next_map(obj, NULL), "%s: %s", names[i], logbuf);
        if (err)
            printf("loader: %s: maps created; program load stopped: %s\n", names[i], logbuf);
        bpfrt_object__close(obj);
    }
}

Test(loader, load_global_data)
{
    struct bpfrt_object *obj = must_open("hello.o");
    struct bpfrt_map *m;
    uint32_t key = 0, v32 = 0, seen[8];
    uint64_t v64 = 0;
    char str[16] = "";
    int err = bpfrt_object__load(obj);

    cr_assert(err == 0 || prog_stage(), "%d: %s", err, logbuf);
    if (err)
        printf("loader: hello.o: maps created; program load stopped: %s\n", logbuf);
    m = bpfrt_object__find_map_by_name(obj, "hello.data");
    cr_assert_not_null(m, "%s", logbuf);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v32, 4, 0), 0);
    cr_assert_eq(v32, 7);
    m = bpfrt_object__find_map_by_name(obj, "hello.rodata");
    cr_assert_not_null(m);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v64, 8, 0), 0);
    cr_assert_eq(v64, 0x1122334455667788ull);
    cr_assert_eq(bpfrt_map__map_flags(m) & BPF_F_RDONLY_PROG, BPF_F_RDONLY_PROG);
    cr_assert_neq(bpfrt_map__update_elem(m, &key, 4, &v64, 8, 0), 0, "rodata must be frozen");
    m = bpfrt_object__find_map_by_name(obj, "hello.bss");
    cr_assert_not_null(m);
    cr_assert_eq(bpfrt_map__value_size(m), sizeof(seen));
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, seen, sizeof(seen), 0), 0);
    cr_assert_eq(seen[3], 0);
    m = bpfrt_object__find_map_by_name(obj, "h.rodata.str1.1");
    cr_assert_not_null(m);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, str, bpfrt_map__value_size(m), 0), 0);
    cr_assert_str_eq(str, "hello %d\n");
    bpfrt_object__close(obj);
}

/* Load an object, fill its prog array from `values`, run a program that
 * uses a hash map and global data, and read the maps back. */
Test(loader, load_and_run_with_maps)
{
    struct bpfrt_object *obj;
    struct bpfrt_program *count, *target;
    struct bpfrt_map *jumps, *hits, *bss;
    uint32_t key = 2, id = 0;
    uint64_t val = 0;

    cr_assert_eq(open_obj("run_maps.o", &obj, NULL), 0, "%s", logbuf);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", logbuf);
    count = bpfrt_object__find_program_by_name(obj, "count");
    target = bpfrt_object__find_program_by_name(obj, "target");
    cr_assert(count && target && bpfrt_program__prog(count) && bpfrt_program__prog(target));
    jumps = bpfrt_object__find_map_by_name(obj, "jumps");
    cr_assert_not_null(jumps);
    cr_assert_eq(bpfrt_map__lookup_elem(jumps, &key, 4, &id, 4, 0), 0);
    cr_assert_eq(id, bpfrt_prog__id(bpfrt_program__prog(target)));
    key = 1;
    cr_assert_eq(bpfrt_map__lookup_elem(jumps, &key, 4, &id, 4, 0), -ENOENT);

    for (int mode = 0; mode < 2; mode++)
        for (int i = 0; i < 3; i++) {
            BPFRT_OPTS(bpfrt_run_opts, ro, .flags = mode ? BPFRT_RUN_CHECKED : BPFRT_RUN_UNVERIFIED_UNCHECKED);
            cr_assert_eq(bpfrt_prog__run(bpfrt_program__prog(count), &ro), 0);
            cr_assert_eq(ro.retval, 3u * (uint64_t)(mode * 3 + i + 1));
        }
    hits = bpfrt_object__find_map_by_name(obj, "hits");
    key = 5;
    cr_assert_eq(bpfrt_map__lookup_elem(hits, &key, 4, &val, 8, 0), 0);
    cr_assert_eq(val, 1 + 5 * 3); /* first run inserts 1, five more add step */
    bss = bpfrt_object__find_map_by_name(obj, "run_maps.bss");
    cr_assert_not_null(bss);
    key = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(bss, &key, 4, &val, 8, 0), 0);
    cr_assert_eq(val, 18);
    bpfrt_object__close(obj);
}
