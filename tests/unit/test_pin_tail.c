/* test_pin_tail.c - pinned prog arrays and arrays of maps (issue 9, part
 * 8): their slots refer to the pins of their programs and maps, so a
 * pinned object with tail calls runs in any process as it runs in the one
 * that loaded it, and an update of a slot in one process is what every
 * process's tail call takes (the kernel's prog array is one object all
 * processes share).  The kernel's limits hold across pins: 33 tail calls
 * (a program that tail-calls itself runs 34 times), an empty slot falls
 * through. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf_build.h"
#include "bpfrt/bpfrt.h"
#include "cli_run.h"
#include "fs_fixture.h"
#include "pin_child.h"

#define OBJDIR "build/tests/pin_tail"

static void setup(void)
{
    fs_fixture_setup("bpfrt-pintail");
}

TestSuite(pin_tail, .init = setup, .fini = fs_fixture_teardown, .timeout = 120);

static struct bpfrt_object *load(const char *src, const char *name, enum bpf_prog_type type)
{
    static char log[4096];
    BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = log, .log_size = sizeof(log), .prog_type = type);
    struct bpfrt_object *obj = NULL;
    const char *path = test_bpf_build_once(src, OBJDIR, name);

    cr_assert_eq(bpfrt_object__open_file(path, &o, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    return obj;
}

static void pin_all(struct bpfrt_object *obj)
{
    char log[2048] = "", progs[128], maps[128];
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .log_buf = log, .log_size = sizeof(log), .maps_dir = maps);

    snprintf(progs, sizeof(progs), "%s/progs", fs);
    snprintf(maps, sizeof(maps), "%s/maps", fs);
    cr_assert_eq(bpfrt_object__pin_programs(obj, progs, &po), 0, "%s", log);
}

static struct bpfrt_prog *open_prog(const char *name)
{
    char path[256];
    struct bpfrt_prog *p = NULL;

    snprintf(path, sizeof(path), "%s/progs/%s", fs, name);
    return bpfrt_prog__open_pinned(path, &p) ? NULL : p;
}

static struct bpfrt_map *open_map(const char *name)
{
    char path[256];
    struct bpfrt_map *m = NULL;

    snprintf(path, sizeof(path), "%s/maps/%s", fs, name);
    return bpfrt_map__open_pinned(path, &m) ? NULL : m;
}

/* another process: entry tail-calls `second` (11 + 100); `loop` calls
 * itself through slot 1 until the 33 tail calls are used up: 34 runs
 * counted in the pinned `hits` (the kernel's MAX_TAIL_CALL_CNT). */
static int child_runs(void)
{
    struct bpfrt_prog *entry = open_prog("entry"), *loop = open_prog("loop");
    struct bpfrt_map *hits = open_map("hits");
    uint32_t k = 0;
    uint64_t before = 0, after = 0;

    if (!entry || !loop || !hits)
        return 1;
    if (run_raw(entry) != 111)
        return 2;
    if (bpfrt_map__lookup_elem(hits, &k, 4, &before, 8, 0))
        return 3;
    if (run_raw(loop) != 2)
        return 4;
    if (bpfrt_map__lookup_elem(hits, &k, 4, &after, 8, 0) || after - before != 34)
        return 5;
    if (run_raw(loop) != 2 || bpfrt_map__lookup_elem(hits, &k, 4, &after, 8, 0) || after - before != 68)
        return 6; /* again, with the programs already opened */
    bpfrt_prog__free(entry);
    bpfrt_prog__free(loop);
    bpfrt_map__free(hits);
    return 0;
}

/* another process: slot 0 of the pinned `jumps` := the pinned `miss` */
static int child_sets_slot(void)
{
    struct bpfrt_map *jumps = open_map("jumps");
    struct bpfrt_prog *miss = open_prog("miss");
    uint32_t k = 0, id;

    if (!jumps || !miss)
        return 1;
    id = bpfrt_prog__id(miss);
    if (bpfrt_map__update_elem(jumps, &k, 4, &id, 4, BPF_ANY))
        return 2;
    return 0;
}

/* another process: slot 0 emptied */
static int child_clears_slot(void)
{
    struct bpfrt_map *jumps = open_map("jumps");
    uint32_t k = 0;

    return !jumps || bpfrt_map__delete_elem(jumps, &k, 4, 0);
}

/* tests/data/tail/tailcall.c: a prog array filled from BTF `values`,
 * pinned with its programs (bpfrt_object__pin_programs with maps_dir):
 * its tail calls run in another process, and a slot changed by another
 * process is the one this process's tail call takes; emptied, the call
 * falls through (entry returns 1). */
Test(pin_tail, prog_array_entries_across_processes)
{
    struct bpfrt_object *obj = load("tests/data/tail/tailcall.c", "tailcall", BPF_PROG_TYPE_UNSPEC);
    struct bpfrt_prog *entry = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "entry"));

    pin_all(obj);
    cr_assert_eq(run_raw(entry), 111);
    cr_assert_eq(in_child(child_runs), 0, "the pinned programs ran differently in another process");
    cr_assert_eq(in_child(child_sets_slot), 0);
    cr_assert_eq(run_raw(entry), 7, "slot 0 now holds `miss` (slots 3 and 9 miss: 1 + 2 + 4)");
    cr_assert_eq(in_child(child_clears_slot), 0);
    cr_assert_eq(run_raw(entry), 1, "slot 0 emptied by the other process: the tail call falls through");
    bpfrt_object__close(obj);
}

/* bpfrt_object__pin_maps alone: the prog array is pinned and the programs
 * it holds are pinned under <state dir>/progs/ for it to refer to; another
 * process reads its slots as its own ids of those programs. */
static int child_reads_jmp(void)
{
    struct bpfrt_map *jmp = open_map("jmp_tc");
    uint32_t k, id;

    if (!jmp)
        return 1;
    for (k = 0; k < 2; k++)
        if (bpfrt_map__lookup_elem(jmp, &k, 4, &id, 4, 0) || !id)
            return 2 + (int)k;
    return 0;
}

Test(pin_tail, pin_maps_pins_the_programs_its_arrays_hold)
{
    struct bpfrt_object *obj = load("tests/data/bpf/iproute2_tail.c", "iproute2_tail", BPF_PROG_TYPE_SCHED_CLS);
    char log[2048] = "", dir[128];
    BPFRT_OPTS(bpfrt_object_pin_opts, po, .log_buf = log, .log_size = sizeof(log));
    struct out r;

    snprintf(dir, sizeof(dir), "%s/maps", fs);
    cr_assert_eq(bpfrt_object__pin_maps(obj, dir, &po), 0, "%s", log);
    r = cli_sh("ls %s/progs", fs);
    cr_assert(strstr(r.stdout_, "tail_small.") && strstr(r.stdout_, "tail_big."), "%s", r.stdout_);
    cr_expect_null(strstr(r.stdout_, "cls_entry"), "only what the array holds: %s", r.stdout_);
    out_free(&r);
    cr_assert_eq(in_child(child_reads_jmp), 0);
    bpfrt_object__close(obj);
}

/* The command: `prog loadall OBJ DIR type classifier pinmaps DIR2` of an
 * iproute2 object with numbered tail-call sections, then `prog run pinned`
 * in other processes (TC_ACT_PIPE from 0x1/1 for 200 bytes, TC_ACT_SHOT
 * from 1/0 for 64); an array of maps pinned with its inner map
 * (iproute2_maps.c: cls_main finds the inner map through the outer one,
 * TC_ACT_SHOT). */
Test(pin_tail, cli_loadall_pinmaps_with_tail_calls)
{
    char tail[256], mim[256]; /* test_bpf_build_once returns one static buffer */
    struct out r;

    snprintf(tail, sizeof(tail), "%s", test_bpf_build_once("tests/data/bpf/iproute2_tail.c", OBJDIR, "iproute2_tail"));
    snprintf(mim, sizeof(mim), "%s", test_bpf_build_once("tests/data/bpf/iproute2_maps.c", OBJDIR, "iproute2_maps"));

    r = cli_sh("head -c 200 /dev/zero > %s/p200 && head -c 64 /dev/zero > %s/p64 && "
               "%s prog loadall %s %s/t type classifier pinmaps %s/tm && "
               "%s prog run pinned %s/t/cls_entry data_in %s/p200 && %s prog run pinned %s/t/cls_entry data_in %s/p64 "
               "&& %s map dump pinned %s/tm/jmp_tc",
               fs, fs, cli_bin(), tail, fs, fs, cli_bin(), fs, fs, cli_bin(), fs, fs, cli_bin(), fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "Return value: 3,") && strstr(r.stdout_, "Return value: 2,"), "%s", r.stdout_);
    cr_expect(strstr(r.stdout_, "Found 2 elements"), "%s", r.stdout_);
    out_free(&r);

    r = cli_sh("%s prog loadall %s %s/i pinmaps %s/im && %s map show pinned %s/im/map_outer && "
               "%s prog run pinned %s/i/cls_main data_in %s/p64",
               cli_bin(), mim, fs, fs, cli_bin(), fs, cli_bin(), fs, fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "array_of_maps  name map_outer"), "%s", r.stdout_);
    cr_expect(strstr(r.stdout_, "Return value: 2,"), "the inner map through the pinned outer one: %s", r.stdout_);
    out_free(&r);
}

/* A pinned array's pin file damaged where its refs live: the map opens
 * or is refused cleanly, and a slot whose ref names no pin reads as
 * empty (the tail call falls through), never a crash. */
Test(pin_tail, slot_naming_a_missing_pin_reads_empty)
{
    const char *tail = test_bpf_build_once("tests/data/bpf/iproute2_tail.c", OBJDIR, "iproute2_tail");
    struct out r;

    r = cli_sh("head -c 64 /dev/zero > %s/p64 && %s prog loadall %s %s/t type classifier pinmaps %s/tm && "
               "rm %s/t/tail_small && %s prog run pinned %s/t/cls_entry data_in %s/p64 && "
               "%s map dump pinned %s/tm/jmp_tc",
               fs, cli_bin(), tail, fs, fs, fs, cli_bin(), fs, fs, cli_bin(), fs);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_expect(strstr(r.stdout_, "Return value: 0,"), "slot 0's pin is gone: TC_ACT_OK: %s", r.stdout_);
    cr_expect(strstr(r.stdout_, "Found 1 element"), "%s", r.stdout_);
    out_free(&r);
}
