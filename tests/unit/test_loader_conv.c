/* test_loader_conv.c - the loader's conventions (issue 9, part 8), without
 * the kernel: max_entries set before load (the API, the open option and
 * `prog load ... map name NAME max_entries N`), perf event arrays filled
 * with the worker count, ring buffer sizes rounded up, BTF types dropped
 * as libbpf drops them, iproute2's numbered tail-call sections.  The
 * kernel-differential side is tests/kernel-diff/test_loader_conv_diff.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"
#include "fs_fixture.h"

#define OBJDIR "build/tests/loader_conv"

static void setup(void)
{
    fs_fixture_setup("bpfrt-conv");
}

TestSuite(loader_conv, .init = setup, .fini = fs_fixture_teardown, .timeout = 120);

static const char *conv_obj(const char *name)
{
    char src[128];
    snprintf(src, sizeof(src), "tests/data/bpf/%s.c", name);
    return test_bpf_build_once(src, OBJDIR, name);
}

static struct bpfrt_object *open_obj(const char *path, const struct bpfrt_map_max_entries *mx, size_t n, char *log,
                                     size_t logsz, int *err)
{
    BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = log, .log_size = logsz, .map_max_entries = mx,
               .nr_map_max_entries = n);
    struct bpfrt_object *obj = NULL;

    *err = bpfrt_object__open_file(path, &o, &obj);
    return obj;
}

static struct bpfrt_map *map_of(struct bpfrt_object *obj, const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, name);
    cr_assert_not_null(m, "no map %s", name);
    return m;
}

/* libbpf's bpf_map__set_max_entries before load: arrays left at 0 for the
 * loader, a hash resized; -ENOENT for a name no map has, -EINVAL for
 * global data, -EBUSY once the maps exist. */
Test(loader_conv, set_max_entries_api)
{
    char log[4096] = "";
    int err;
    struct bpfrt_object *obj = open_obj(conv_obj("conv_maps"), NULL, 0, log, sizeof(log), &err);

    cr_assert_eq(err, 0, "%s", log);
    cr_assert_eq(bpfrt_object__set_map_max_entries(obj, "nosuch", 4), -ENOENT);
    cr_expect(strstr(log, "no map named 'nosuch'"), "%s", log);
    cr_assert_eq(bpfrt_object__set_map_max_entries(obj, "arr0", 7), 0);
    cr_assert_eq(bpfrt_object__set_map_max_entries(obj, "pcpu0", 3), 0);
    cr_assert_eq(bpfrt_object__set_map_max_entries(obj, "resized", 100), 0);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "arr0")), 7);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "pcpu0")), 3);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "resized")), 100);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "rb_set")), 4096, "untouched: already a page multiple");
    cr_assert_eq(bpfrt_object__set_map_max_entries(obj, "arr0", 9), -EBUSY);
    bpfrt_object__close(obj);
}

/* libbpf's map_set_def_max_entries (one slot per CPU: here per worker),
 * adjust_ringbuf_sz (5000 -> 8192, 10000 -> 16384), and the BTF key/value
 * types bpf_object__create_map drops for perf event arrays, devmaps,
 * cpumaps and queues (an array keeps its own). */
Test(loader_conv, loader_fills_and_strips)
{
    static const struct bpfrt_map_max_entries mx[] = {
        {"arr0", 7}, {"pcpu0", 3}, {"resized", 100}, {"rb_set", 10000}};
    char log[4096] = "";
    int err;
    struct bpfrt_object *obj;

    bpfrt_set_nr_workers(5);
    obj = open_obj(conv_obj("conv_maps"), mx, 4, log, sizeof(log), &err);
    cr_assert_eq(err, 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "pea")), 5);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "pea3")), 3);
    cr_expect_eq(bpfrt_map__key_size(map_of(obj, "pea")), 4);
    cr_expect_eq(bpfrt_map__value_size(map_of(obj, "pea")), 4);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "rb_odd")), 8192);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "rb_set")), 16384);
    cr_expect(strstr(log, "ring buffer size 5000 rounded up to 8192"), "%s", log);
    cr_expect_eq(bpfrt_map__max_entries(map_of(obj, "arr0")), 7);
    for (const char *const *n = (const char *const[]){"pea", "devm", "cpum", "q", NULL}; *n; n++) {
        cr_expect_eq(bpfrt_map__btf_key_type_id(map_of(obj, *n)), 0, "%s keeps a key type", *n);
        cr_expect_eq(bpfrt_map__btf_value_type_id(map_of(obj, *n)), 0, "%s keeps a value type", *n);
    }
    cr_expect_neq(bpfrt_map__btf_value_type_id(map_of(obj, "arr0")), 0);
    /* the kernel's dev_map_init_map makes a devmap read-only to programs */
    cr_expect_eq(bpfrt_map__map_flags(map_of(obj, "devm")), BPF_F_RDONLY_PROG);
    bpfrt_object__close(obj);
    bpfrt_set_nr_workers(0);
}

/* A name in the open option that no map has fails the open, naming it. */
Test(loader_conv, open_option_unknown_name)
{
    static const struct bpfrt_map_max_entries mx[] = {{"arr0", 7}, {"nosuch", 3}};
    char log[4096] = "";
    int err;
    struct bpfrt_object *obj = open_obj(conv_obj("conv_maps"), mx, 2, log, sizeof(log), &err);

    cr_assert_null(obj);
    cr_assert_eq(err, -ENOENT);
    cr_expect(strstr(log, "'nosuch'"), "%s", log);
}

/* `prog loadall OBJ DIR map name NAME max_entries N ... pinmaps DIR2`: the
 * pinned maps have the sizes given; without them the load is refused
 * with the way to set them; bad words are named. */
Test(loader_conv, cli_map_max_entries)
{
    const char *obj = conv_obj("conv_maps");
    struct out r;

    r = cli_sh("%s prog loadall %s %s/p map name arr0 max_entries 7 map name pcpu0 max_entries 3 map name resized "
               "max_entries 100 map name rb_set max_entries 10000 pinmaps %s/m && %s map show pinned %s/m/arr0 && "
               "%s map show pinned %s/m/rb_set && %s map show pinned %s/m/resized",
               cli_bin(), obj, fs, fs, cli_bin(), fs, cli_bin(), fs, cli_bin(), fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "name arr0") && strstr(r.stdout_, "key 4B  value 8B  max_entries 7"), "%s",
              r.stdout_);
    cr_expect(strstr(r.stdout_, "max_entries 16384"), "%s", r.stdout_);
    cr_expect(strstr(r.stdout_, "max_entries 100"), "%s", r.stdout_);
    out_free(&r);

    r = cli_sh("%s prog loadall %s %s/q", cli_bin(), obj, fs);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.stderr_, "map 'arr0'") && strstr(r.stderr_, "map name NAME max_entries N"), "%s", r.stderr_);
    out_free(&r);

    r = cli_sh("%s prog load %s %s/r map name arr0 max_entries lots", cli_bin(), obj, fs);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.stderr_, "max_entries 'lots' of map 'arr0'"), "%s", r.stderr_);
    out_free(&r);

    r = cli_sh("%s prog load %s %s/r map idx 0 pinned /x", cli_bin(), obj, fs);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.stderr_, "'map idx IDX MAP' (reusing a map) is not supported"), "%s", r.stderr_);
    out_free(&r);

    r = cli_sh("%s prog load %s %s/r map name arr0 entries 3", cli_bin(), obj, fs);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.stderr_, "'map' needs 'name NAME max_entries N'"), "%s", r.stderr_);
    out_free(&r);
}

static uint64_t run_len(struct bpfrt_prog *p, size_t len)
{
    static uint8_t pkt[256];
    char err[256] = "";
    BPFRT_OPTS(bpfrt_run_opts, o, .data = pkt, .data_size = len, .err_buf = err, .err_size = sizeof(err));

    memset(pkt, 0, sizeof(pkt));
    pkt[12] = 0x08; /* IPv4 */
    cr_assert_eq(bpfrt_prog__run(p, &o), 0, "run: %s", err);
    return o.retval;
}

/* iproute2's bpf_fill_prog_arrays: sections "ID/KEY" ("1/0", "0x1/1")
 * land at KEY of the PROG_ARRAY whose bpf_elf_map id is ID, with the type
 * the object's programs have ("classifier": sched_cls); "2/0" names no map
 * and is loaded, not placed.  The entry tail-calls slot 0 for short
 * packets and 1 for long ones. */
Test(loader_conv, iproute2_numbered_tail_sections)
{
    char log[8192] = "";
    int err;
    struct bpfrt_object *obj = open_obj(conv_obj("iproute2_tail"), NULL, 0, log, sizeof(log), &err);
    struct bpfrt_program *entry, *small, *big, *orphan;
    uint32_t key, id;

    cr_assert_eq(err, 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    entry = bpfrt_object__find_program_by_name(obj, "cls_entry");
    small = bpfrt_object__find_program_by_name(obj, "tail_small");
    big = bpfrt_object__find_program_by_name(obj, "tail_big");
    orphan = bpfrt_object__find_program_by_name(obj, "tail_orphan");
    cr_assert(entry && small && big && orphan);
    cr_expect_eq(bpfrt_program__type(small), BPF_PROG_TYPE_SCHED_CLS);
    cr_expect_eq(bpfrt_program__type(orphan), BPF_PROG_TYPE_SCHED_CLS);
    key = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(map_of(obj, "jmp_tc"), &key, 4, &id, 4, 0), 0);
    cr_expect_eq(id, bpfrt_prog__id(bpfrt_program__prog(small)));
    key = 1;
    cr_assert_eq(bpfrt_map__lookup_elem(map_of(obj, "jmp_tc"), &key, 4, &id, 4, 0), 0);
    cr_expect_eq(id, bpfrt_prog__id(bpfrt_program__prog(big)));
    cr_expect(strstr(log, "no prog array with iproute2 id 2"), "%s", log);
    cr_expect_eq(run_len(bpfrt_program__prog(entry), 64), 2 /* TC_ACT_SHOT from 1/0 */);
    cr_expect_eq(run_len(bpfrt_program__prog(entry), 200), 3 /* TC_ACT_PIPE from 0x1/1 */);
    bpfrt_object__close(obj);
}

/* `prog run` of the entry of an object with numbered sections: the slots
 * are filled before the run (TC_ACT_PIPE from "0x1/1" for 200 bytes), with
 * the type given on the command line as tc gives it. */
Test(loader_conv, iproute2_tail_sections_cli)
{
    const char *obj = conv_obj("iproute2_tail");
    struct out r;

    r = cli_sh("head -c 200 /dev/zero > %s/pkt && %s prog run obj %s type classifier prog cls_entry data_in %s/pkt",
               fs, cli_bin(), obj, fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "Return value: 3,"), "%s", r.stdout_);
    out_free(&r);
}
