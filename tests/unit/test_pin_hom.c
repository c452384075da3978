/* test_pin_hom.c - pinned hashes of maps (issue 9, part 8): an element
 * refers to the pin of its inner map, so the kernel's one map shared by
 * every process holds here too: a program's lookup through the outer map
 * (bpf_map_lookup_elem on it, then on the inner map) and the command's
 * `map lookup/dump pinned` find the inner map by its pin in any process,
 * an update or delete in one process is what the others see, and an
 * element whose inner pin is gone reads as absent (the kernel's inner map
 * lives while referenced; here a process that never opened it can only
 * reach it through its pin).  Also: a program opened from a prog array's
 * pin runs in the engine of the program that tail-calls it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"
#include "fs_fixture.h"
#include "pin_child.h"

#define OBJDIR "build/tests/pin_hom"

static void setup(void)
{
    fs_fixture_setup("bpfrt-pinhom");
}

TestSuite(pin_hom, .init = setup, .fini = fs_fixture_teardown, .timeout = 120);

static char path_buf[4][256];

/* fs/<name> (four rotating buffers) */
static const char *at(const char *name)
{
    static int k;
    char *p = path_buf[k++ & 3];
    snprintf(p, 256, "%s/%s", fs, name);
    return p;
}

/* An inner array (one u32, value v) pinned at fs/<name>. */
static struct bpfrt_map *inner_at(const char *name, uint32_t v)
{
    BPFRT_OPTS(bpfrt_map_create_opts, o, .nr_workers = 1);
    struct bpfrt_map *m = NULL;
    uint32_t k = 0;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "in", 4, 4, 1, &o, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 4, BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__pin(m, at(name)), 0, "%s", bpfrt_pin_error());
    return m;
}

/* A hash of maps of 4 u32 keys, its inner prototype (an array of one
 * u32) in *proto. */
static struct bpfrt_map *new_hom(struct bpfrt_map **proto)
{
    BPFRT_OPTS(bpfrt_map_create_opts, po, .nr_workers = 1);
    BPFRT_OPTS(bpfrt_map_create_opts, o, .nr_workers = 1);
    struct bpfrt_map *outer = NULL;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "proto", 4, 4, 1, &po, proto), 0);
    o.inner_map = *proto;
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "outer", 4, 4, 4, &o, &outer), 0);
    return outer;
}

/* another process: `get` from its pin finds key 1's inner map (7); key 1
 * := the map pinned at fs/b (9), through this process's own id of it */
static int child_replaces(void)
{
    struct bpfrt_prog *get = NULL;
    struct bpfrt_map *outer = NULL, *b = NULL;
    uint32_t k = 1, id = 0;

    if (bpfrt_prog__open_pinned(at("progs/get"), &get) || bpfrt_map__open_pinned(at("maps/outer"), &outer) ||
        bpfrt_map__open_pinned(at("b"), &b))
        return 1;
    if (run_raw(get) != 7)
        return 2;
    if (bpfrt_map__lookup_elem(outer, &k, 4, &id, 4, 0) || !id)
        return 3;
    id = bpfrt_map__id(b);
    if (bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_EXIST))
        return 4;
    if (run_raw(get) != 9)
        return 5;
    bpfrt_prog__free(get);
    bpfrt_map__free(outer);
    bpfrt_map__free(b);
    return 0;
}

static int child_deletes(void)
{
    struct bpfrt_map *outer = NULL;
    uint32_t k = 1;

    if (bpfrt_map__open_pinned(at("maps/outer"), &outer))
        return 1;
    return bpfrt_map__delete_elem(outer, &k, 4, 0) ? 2 : 0;
}

/* tests/data/pin/progarray.c pinned with its maps (bpfrt_object__pin_programs
 * with maps_dir): the inner map stored before the pin is pinned under the
 * state directory for the element to refer to; another process's program
 * reads through it, replaces it (this process's program then reads the
 * new inner map, opened from its pin) and deletes it (1000: absent, as
 * the kernel's lookup of a deleted key); `get` reads key 1. */
Test(pin_hom, hash_of_maps_shared_between_processes)
{
    static char log[4096];
    BPFRT_OPTS(bpfrt_object_open_opts, oo, .log_buf = log, .log_size = sizeof(log));
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .log_buf = log, .log_size = sizeof(log), .maps_dir = at("maps"));
    const char *objf = test_bpf_build_once("tests/data/pin/progarray.c", OBJDIR, "progarray");
    struct bpfrt_object *obj = NULL;
    struct bpfrt_map *a, *b, *outer;
    struct bpfrt_prog *get;
    uint32_t k = 1, id;

    cr_assert_eq(bpfrt_object__open_file(objf, &oo, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    get = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "get"));
    outer = bpfrt_object__find_map_by_name(obj, "outer");
    {
        BPFRT_OPTS(bpfrt_map_create_opts, o, .nr_workers = 1);
        uint32_t z = 0, v = 7;
        a = NULL;
        cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "a", 4, 4, 1, &o, &a), 0);
        cr_assert_eq(bpfrt_map__update_elem(a, &z, 4, &v, 4, BPF_ANY), 0);
    }
    id = bpfrt_map__id(a);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    cr_assert_eq(run_raw(get), 7);
    cr_assert_eq(bpfrt_object__pin_programs(obj, at("progs"), &po), 0, "%s", log);
    cr_assert_not_null(bpfrt_map__pin_path(a), "the inner map is pinned for the element to refer to");
    cr_assert_eq(run_raw(get), 7, "the same inner map after the pin");
    b = inner_at("b", 9);

    cr_assert_eq(in_child(child_replaces), 0, "another process through the pinned hash of maps");
    cr_assert_eq(run_raw(get), 9, "key 1 replaced by another process: the map pinned at fs/b");
    cr_assert_eq(bpfrt_map__lookup_elem(outer, &k, 4, &id, 4, 0), 0);
    cr_assert_neq(id, bpfrt_map__id(a));
    cr_assert_eq(in_child(child_deletes), 0);
    cr_assert_eq(run_raw(get), 1000, "key 1 deleted by another process");
    cr_assert_eq(bpfrt_map__lookup_elem(outer, &k, 4, &id, 4, 0), -ENOENT);
    bpfrt_map__free(a);
    bpfrt_map__free(b);
    bpfrt_object__close(obj);
}

/* The command on a pinned hash of maps, each command its own process:
 * lookup and dump resolve the inner maps by their pins; an element whose
 * inner pin was removed reads as absent (lookup fails, dump leaves it
 * out); the kernel refuses an update with a map of another shape
 * (-EINVAL, map_meta_equal) and so does the pinned map. */
Test(pin_hom, command_lookup_dump_and_a_removed_inner_pin)
{
    struct bpfrt_map *proto = NULL, *outer = new_hom(&proto), *a, *c, *odd = NULL;
    uint32_t k, id;
    struct out r;

    a = inner_at("a", 5);
    c = inner_at("c", 6);
    k = 1, id = bpfrt_map__id(a);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__pin(outer, at("outer")), 0, "%s", bpfrt_pin_error());
    k = 3, id = bpfrt_map__id(c);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_NOEXIST), 0, "an update after the pin");
    {
        BPFRT_OPTS(bpfrt_map_create_opts, oo, .nr_workers = 1);
        cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "odd", 4, 8, 1, &oo, &odd), 0);
        cr_assert_eq(bpfrt_map__pin(odd, at("odd")), 0);
        k = 2, id = bpfrt_map__id(odd);
        cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), -EINVAL);
    }

    r = cli_sh("%s map show pinned %s && %s map dump pinned %s && %s map lookup pinned %s key 3 0 0 0", cli_bin(),
               at("outer"), cli_bin(), at("outer"), cli_bin(), at("outer"));
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "hash_of_maps  name outer"), "%s", r.stdout_);
    cr_expect(strstr(r.stdout_, "Found 2 elements"), "%s", r.stdout_);
    out_free(&r);

    cr_assert_eq(unlink(at("c")), 0);
    r = cli_sh("%s map dump pinned %s", cli_bin(), at("outer"));
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "Found 1 element"), "key 3's inner pin is gone: %s", r.stdout_);
    out_free(&r);
    r = cli_sh("%s map lookup pinned %s key 3 0 0 0", cli_bin(), at("outer"));
    cr_assert_neq(r.status, 0, "%s", r.stdout_);
    out_free(&r);
    bpfrt_map__free(odd);
    bpfrt_map__free(a);
    bpfrt_map__free(c);
    bpfrt_map__free(outer);
    bpfrt_map__free(proto);
}

/* `prog loadall OBJ DIR pinmaps DIR2` of tests/data/pin/progarray.c (a
 * prog array and a hash of maps): everything pins; an inner map this
 * process pins and stores is what `prog run pinned` of `by_hash` finds in
 * another process (1), and once its pin is gone it does not (0). */
Test(pin_hom, cli_loadall_pinmaps_with_a_hash_of_maps)
{
    const char *pa = test_bpf_build_once("tests/data/pin/progarray.c", OBJDIR, "progarray");
    struct bpfrt_map *outer = NULL, *in;
    uint32_t k = 0, id;
    struct out r;

    r = cli_sh("head -c 4 /dev/zero > %s/p4 && %s prog loadall %s %s/p pinmaps %s/m && %s map show pinned %s/m/outer "
               "&& %s prog run pinned %s/p/by_hash data_in %s/p4",
               fs, cli_bin(), pa, fs, fs, cli_bin(), fs, cli_bin(), fs, fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "hash_of_maps  name outer"), "%s", r.stdout_);
    cr_expect(strstr(r.stdout_, "Return value: 0,"), "empty: %s", r.stdout_);
    out_free(&r);

    cr_assert_eq(bpfrt_map__open_pinned(at("m/outer"), &outer), 0, "%s", bpfrt_pin_error());
    in = inner_at("in", 1);
    id = bpfrt_map__id(in);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    r = cli_sh("%s prog run pinned %s/p/by_hash data_in %s/p4 && %s map dump pinned %s/m/outer && rm %s && "
               "%s prog run pinned %s/p/by_hash data_in %s/p4",
               cli_bin(), fs, fs, cli_bin(), fs, at("in"), cli_bin(), fs, fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    {
        const char *first = strstr(r.stdout_, "Return value: 1,");
        cr_expect(first, "the inner map found through the pinned outer map: %s", r.stdout_);
        cr_expect(first && strstr(first, "Found 1 element") && strstr(first, "Return value: 0,"),
                  "its pin removed: absent: %s", r.stdout_);
    }
    out_free(&r);
    bpfrt_map__free(in);
    bpfrt_map__free(outer);
}

/* A tail call from a program opened in the interpreter (`--engine interp
 * prog run pinned`) into programs a pinned prog array opens from their
 * pins (in the default engine, the JIT): they run in the caller's engine,
 * as the kernel runs a tail call whatever loaded its target
 * (tests/data/bpf/iproute2_tail.c: TC_ACT_PIPE for 200 bytes, TC_ACT_SHOT
 * for 64, as test_pin_tail.c's cli_loadall_pinmaps_with_tail_calls). */
Test(pin_hom, tail_call_from_interp_program_into_pinned_slot)
{
    const char *tail = test_bpf_build_once("tests/data/bpf/iproute2_tail.c", OBJDIR, "iproute2_tail");
    struct out r;

    r = cli_sh("head -c 200 /dev/zero > %s/p200 && head -c 64 /dev/zero > %s/p64 && "
               "%s prog loadall %s %s/t type classifier pinmaps %s/tm && "
               "%s --engine interp prog run pinned %s/t/cls_entry data_in %s/p200 && "
               "%s --engine interp prog run pinned %s/t/cls_entry data_in %s/p64 && "
               "%s --engine jit prog run pinned %s/t/cls_entry data_in %s/p64",
               fs, fs, cli_bin(), tail, fs, fs, cli_bin(), fs, fs, cli_bin(), fs, fs, cli_bin(), fs, fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    {
        const char *pipe = strstr(r.stdout_, "Return value: 3,");
        const char *shot = pipe ? strstr(pipe, "Return value: 2,") : NULL;
        cr_expect(pipe && shot && strstr(shot + 1, "Return value: 2,"), "%s", r.stdout_);
    }
    out_free(&r);
}

/* Copy fs/<from> to fs/<to> with the 4 bytes at delta from the first
 * occurrence of needle replaced by v. */
static void damaged_copy(const char *from, const char *to, const char *needle, long delta, uint32_t v)
{
    struct stat st;
    char *buf, *hit;
    FILE *f;
    size_t n;

    cr_assert_eq(stat(at(from), &st), 0);
    n = (size_t)st.st_size;
    buf = cli_slurp(at(from));
    hit = memmem(buf, n, needle, strlen(needle));
    cr_assert_not_null(hit, "no '%s' in the pinned file", needle);
    memcpy(hit + delta, &v, 4);
    f = fopen(at(to), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, n, f), n);
    fclose(f);
    free(buf);
}

/* A pinned hash of maps whose ref of an element is damaged in its file (a
 * length past the path buffer, a sequence number that is not the
 * element's, a path naming no pin): the element reads as absent (the
 * lookup -ENOENT, the other element still found), never a crash; the refs
 * are struct fd_ref {seq, len, path} (src/maps/fd_array.c). */
Test(pin_hom, damaged_ref_reads_absent)
{
    struct bpfrt_map *proto = NULL, *outer = new_hom(&proto), *a, *b;
    const struct {
        long delta;
        uint32_t v;
        const char *what;
    } dmg[] = {{-4, 0xffffffffu, "length"}, {-8, 0x7fff1234u, "sequence number"}, {0, 0x656e6f6eu, "path"}};
    uint32_t k, id;

    a = inner_at("inner_aaaa", 5);
    b = inner_at("inner_bbbb", 6);
    k = 1, id = bpfrt_map__id(a);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    k = 2, id = bpfrt_map__id(b);
    cr_assert_eq(bpfrt_map__update_elem(outer, &k, 4, &id, 4, BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__pin(outer, at("outer")), 0, "%s", bpfrt_pin_error());
    for (size_t i = 0; i < sizeof(dmg) / sizeof(dmg[0]); i++) {
        struct bpfrt_map *bad = NULL;
        char name[32], needle[256];
        snprintf(name, sizeof(name), "bad%zu", i);
        snprintf(needle, sizeof(needle), "%s", at("inner_aaaa"));
        damaged_copy("outer", name, needle, dmg[i].delta, dmg[i].v);
        cr_assert_eq(bpfrt_map__open_pinned(at(name), &bad), 0, "%s", bpfrt_pin_error());
        k = 1;
        cr_expect_eq(bpfrt_map__lookup_elem(bad, &k, 4, &id, 4, 0), -ENOENT, "damaged %s", dmg[i].what);
        k = 2;
        cr_expect_eq(bpfrt_map__lookup_elem(bad, &k, 4, &id, 4, 0), 0, "the other element (%s)", dmg[i].what);
        bpfrt_map__free(bad);
    }
    bpfrt_map__free(a);
    bpfrt_map__free(b);
    bpfrt_map__free(outer);
    bpfrt_map__free(proto);
}
