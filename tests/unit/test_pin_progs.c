/* test_pin_progs.c - pinned programs: bpfrt_prog__pin / open_pinned round
 * trips, maps shared with another process, damaged files, and the
 * command's `prog pin`, `prog load`, `prog loadall` and `pinned FILE`
 * across separate invocations.  Every test gets its own state directory
 * (BPFRT_FS = a mkdtemp directory); nothing under /run is touched.
 * Objects are compiled at test time from tests/data/bpf/run_maps.c and
 * the C files of tests/data/pin/. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"

#include "bpfrt/bpfrt.h"
#include "insns.h"
#include "runtime/prog_pin.h"

#define OBJDIR "build/cache/pin"

/* The object compiled from src (a path under tests/data), once; parallel
 * tests each write a private file and rename it into place. */
static const char *obj_of(const char *src, const char *name)
{
    static char paths[8][256];
    static int next;
    char *path = paths[next++ % 8], cmd[1024];
    struct stat st, s;

    snprintf(path, sizeof(paths[0]), OBJDIR "/%s.o", name);
    cr_assert_eq(stat(src, &s), 0, "no %s", src);
    if (stat(path, &st) == 0 && st.st_mtime >= s.st_mtime)
        return path;
    cr_assert_eq(system("mkdir -p " OBJDIR), 0);
    snprintf(cmd, sizeof(cmd),
             "clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c %s -o %s.%d && mv -f %s.%d %s", src, path,
             getpid(), path, getpid(), path);
    cr_assert_eq(system(cmd), 0, "cannot compile %s", src);
    return path;
}

static const char *run_maps_o(void)
{
    return obj_of("tests/data/bpf/run_maps.c", "run_maps");
}

/* A fresh state directory for this test, set as BPFRT_FS. */
static char fsdir[64];

static const char *fresh_fs(void)
{
    snprintf(fsdir, sizeof(fsdir), "/tmp/bpfrt-pinprog-XXXXXX");
    cr_assert_not_null(mkdtemp(fsdir));
    setenv("BPFRT_FS", fsdir, 1);
    return fsdir;
}

static void rm_rf(const char *dir)
{
    char cmd[256];
    if (dir && !strncmp(dir, "/tmp/bpfrt-pinprog-", 19)) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
    }
}

static struct bpfrt_object *load_obj(const char *path)
{
    char log[2048] = "";
    BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = log, .log_size = sizeof(log));
    struct bpfrt_object *obj;

    cr_assert_eq(bpfrt_object__open_file(path, &o, &obj), 0, "%s", log);
    cr_assert_eq(bpfrt_object__load(obj), 0, "%s", log);
    return obj;
}

static uint64_t run(struct bpfrt_prog *p)
{
    char err[256] = "";
    BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED, .err_buf = err, .err_size = sizeof(err));
    cr_assert_eq(bpfrt_prog__run(p, &ro), 0, "%s", err);
    return ro.retval;
}

static uint64_t lookup_u64(struct bpfrt_map *m, uint32_t key)
{
    uint64_t v = 0;
    cr_assert_eq(bpfrt_map__lookup_elem(m, &key, 4, &v, 8, 0), 0, "map %s key %u", bpfrt_map__name(m), key);
    return v;
}

static int is_map_ref(const struct bpf_insn *in)
{
    return in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
           (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE);
}

/* Same instructions, except that map references name the maps of each
 * program's own process (compared by the map they name: same name). */
static void assert_same_insns(struct bpfrt_prog *a, struct bpfrt_prog *b)
{
    const struct bpf_insn *x = bpfrt_prog__insns(a), *y = bpfrt_prog__insns(b);
    size_t n = bpfrt_prog__insn_cnt(a);

    cr_assert_eq(bpfrt_prog__insn_cnt(b), n);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && is_map_ref(&x[i])) {
            unsigned na, nb;
            struct bpfrt_map *const *ma = prog_used_maps(a, &na), *const *mb = prog_used_maps(b, &nb);
            const char *an = NULL, *bn = NULL;
            cr_assert_eq(x[i].src_reg, y[i].src_reg, "insn %zu", i);
            cr_assert_eq(x[i + 1].imm, y[i + 1].imm, "insn %zu: value offset", i);
            for (unsigned k = 0; k < na; k++)
                if (bpfrt_map__id(ma[k]) == (uint32_t)x[i].imm)
                    an = bpfrt_map__name(ma[k]);
            for (unsigned k = 0; k < nb; k++)
                if (bpfrt_map__id(mb[k]) == (uint32_t)y[i].imm)
                    bn = bpfrt_map__name(mb[k]);
            cr_assert(an && bn && !strcmp(an, bn), "insn %zu: map %s vs %s", i, an ? an : "?", bn ? bn : "?");
            i++;
            continue;
        }
        cr_assert_eq(memcmp(&x[i], &y[i], sizeof(x[i])), 0, "insn %zu differs", i);
    }
}

/* ------------------------------------------------------------ library */

Test(pin_progs, round_trip_same_program_shared_maps)
{
    const char *fs = fresh_fs();
    struct bpfrt_object *obj = load_obj(run_maps_o());
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "count")), *q = NULL;
    struct bpfrt_map *hits = bpfrt_object__find_map_by_name(obj, "hits");
    char path[256], log[512] = "";
    unsigned n;

    snprintf(path, sizeof(path), "%s/count", fs);
    cr_assert_eq(prog_pin_log(p, path, log, sizeof(log)), 0, "%s", log);
    /* its maps were pinned under <state dir>/maps/ */
    prog_used_maps(p, &n);
    cr_assert_eq(n, 3, "count uses hits, .bss and .rodata");
    for (unsigned k = 0; k < n; k++) {
        const char *mp = bpfrt_map__pin_path(prog_used_maps(p, &n)[k]);
        cr_assert_not_null(mp);
        cr_assert(!strncmp(mp, fs, strlen(fs)) && strstr(mp, "/maps/"), "%s", mp);
        cr_assert_eq(access(mp, F_OK), 0);
    }
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);

    cr_assert_eq(prog_open_pinned_log(path, &q, log, sizeof(log)), 0, "%s", log);
    cr_assert_str_eq(bpfrt_prog__name(q), "count");
    cr_assert_eq(bpfrt_prog__type(q), bpfrt_prog__type(p));
    cr_assert_str_eq(prog_license(q), "GPL");
    cr_assert_eq(prog_loaded_at(q), prog_loaded_at(p));
    cr_assert_eq(prog_uid(q), prog_uid(p));
    cr_assert_neq(bpfrt_prog__id(q), bpfrt_prog__id(p));
    assert_same_insns(p, q);
    /* both name the same storage: runs alternate and count on */
    cr_assert_eq(run(p), 3);
    cr_assert_eq(run(q), 6);
    cr_assert_eq(run(p), 9);
    cr_assert_eq(lookup_u64(hits, 5), 1 + 2 * 3);
    bpfrt_prog__free(q);
    bpfrt_object__close(obj);
    rm_rf(fs);
}

Test(pin_progs, raw_program_round_trip_runs_the_same)
{
    const char *fs = fresh_fs();
    /* r0 = r2 * 7 + 3 (r2 = data length) */
    struct bpf_insn insns[] = {
        INSN_MOV64_REG(BPF_REG_0, BPF_REG_2),
        INSN_ALU64_IMM(BPF_MUL, BPF_REG_0, 7),
        INSN_ALU64_IMM(BPF_ADD, BPF_REG_0, 3),
        INSN_EXIT(),
    };
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = BPF_PROG_TYPE_UNSPEC, .name = "mul7", .license = "Dual BSD/GPL");
    BPFRT_OPTS(bpfrt_prog_load_opts, so, .type = BPF_PROG_TYPE_SOCKET_FILTER, .name = "sock7");
    struct bpfrt_prog *p, *q, *s, *t;
    char path[256], spath[256];
    uint8_t data[5] = {0};

    cr_assert_eq(bpfrt_prog__load_insns(insns, INSNS_CNT(insns), &o, &p), 0);
    snprintf(path, sizeof(path), "%s/mul7", fs);
    cr_assert_eq(bpfrt_prog__pin(p, path), 0);
    cr_assert_eq(bpfrt_prog__open_pinned(path, &q), 0);
    cr_assert_eq(bpfrt_prog__insn_cnt(q), INSNS_CNT(insns));
    cr_assert_eq(memcmp(bpfrt_prog__insns(q), insns, sizeof(insns)), 0);
    cr_assert_eq(bpfrt_prog__type(q), BPF_PROG_TYPE_UNSPEC);
    /* a typed program keeps its type through a pin */
    {
        /* (a socket filter reads no r2: the verifier would refuse it) */
        static const struct bpf_insn sinsns[] = {INSN_MOV64_IMM(BPF_REG_0, 7), INSN_EXIT()};
        cr_assert_eq(bpfrt_prog__load_insns(sinsns, INSNS_CNT(sinsns), &so, &s), 0);
    }
    snprintf(spath, sizeof(spath), "%s/sock7", fs);
    cr_assert_eq(bpfrt_prog__pin(s, spath), 0);
    cr_assert_eq(bpfrt_prog__open_pinned(spath, &t), 0);
    cr_assert_eq(bpfrt_prog__type(t), BPF_PROG_TYPE_SOCKET_FILTER);
    {
        /* both copies run as socket filters (a test run's __sk_buff around
         * a packet of the minimum Ethernet length), with the same result */
        uint8_t pkt[14] = {0};
        char err[256] = "";
        BPFRT_OPTS(bpfrt_run_opts, ts, .data = pkt, .data_size = sizeof(pkt), .err_buf = err, .err_size = sizeof(err));
        BPFRT_OPTS(bpfrt_run_opts, tt, .data = pkt, .data_size = sizeof(pkt), .err_buf = err, .err_size = sizeof(err));
        cr_assert_eq(bpfrt_prog__run(s, &ts), 0, "%s", err);
        cr_assert_eq(bpfrt_prog__run(t, &tt), 0, "%s", err);
        cr_assert_eq(ts.retval, 7);
        cr_assert_eq(tt.retval, 7);
    }
    bpfrt_prog__free(t);
    bpfrt_prog__free(s);
    cr_assert_str_eq(bpfrt_prog__name(q), "mul7");
    cr_assert_str_eq(prog_license(q), "Dual BSD/GPL");
    for (size_t len = 0; len <= sizeof(data); len++) {
        BPFRT_OPTS(bpfrt_run_opts, a, .data = data, .data_size = len);
        BPFRT_OPTS(bpfrt_run_opts, b, .data = data, .data_size = len);
        cr_assert_eq(bpfrt_prog__run(p, &a), 0);
        cr_assert_eq(bpfrt_prog__run(q, &b), 0);
        cr_assert_eq(a.retval, b.retval);
        cr_assert_eq(b.retval, len * 7 + 3);
    }
    /* pinning the opened one elsewhere gives the same program again */
    char path2[256];
    struct bpfrt_prog *r;
    snprintf(path2, sizeof(path2), "%s/again", fs);
    cr_assert_eq(bpfrt_prog__pin(q, path2), 0);
    cr_assert_eq(bpfrt_prog__open_pinned(path2, &r), 0);
    cr_assert_eq(memcmp(bpfrt_prog__insns(r), insns, sizeof(insns)), 0);
    cr_assert_eq(prog_loaded_at(r), prog_loaded_at(p));
    bpfrt_prog__free(r);
    bpfrt_prog__free(q);
    bpfrt_prog__free(p);
    rm_rf(fs);
}

Test(pin_progs, child_process_runs_pinned_program_parent_sees_maps)
{
    const char *fs = fresh_fs();
    struct bpfrt_object *obj = load_obj(run_maps_o());
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "count"));
    struct bpfrt_map *hits = bpfrt_object__find_map_by_name(obj, "hits");
    struct bpfrt_map *bss = bpfrt_object__find_map_by_name(obj, "run_maps.bss");
    char path[256];
    int st;

    snprintf(path, sizeof(path), "%s/count", fs);
    cr_assert_eq(bpfrt_prog__pin(p, path), 0);
    cr_assert_eq(run(p), 3);
    for (int round = 0; round < 2; round++) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            /* a process of its own: only the file is shared */
            struct bpfrt_prog *q;
            int ok = bpfrt_prog__open_pinned(path, &q) == 0;
            if (ok) {
                BPFRT_OPTS(bpfrt_run_opts, ro, .flags = BPFRT_RUN_CHECKED);
                ok = bpfrt_prog__run(q, &ro) == 0 && bpfrt_prog__run(q, &ro) == 0 &&
                     ro.retval == 3u * (uint64_t)(3 + 3 * round);
                bpfrt_prog__free(q);
            }
            _exit(ok ? 0 : 1);
        }
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed in round %d", round);
        cr_assert_eq(lookup_u64(bss, 0), 3u * (uint64_t)(3 + 3 * round));
        cr_assert_eq(run(p), 3u * (uint64_t)(4 + 3 * round));
    }
    cr_assert_eq(lookup_u64(hits, 5), 1 + 6 * 3); /* 7 runs: 1 inserts, 6 add */
    bpfrt_object__close(obj);
    rm_rf(fs);
}

static struct bpfrt_prog *small_prog(void)
{
    struct bpf_insn insns[] = {INSN_MOV64_IMM(BPF_REG_0, 42), INSN_EXIT()};
    BPFRT_OPTS(bpfrt_prog_load_opts, o, .name = "small");
    struct bpfrt_prog *p;
    cr_assert_eq(bpfrt_prog__load_insns(insns, INSNS_CNT(insns), &o, &p), 0);
    return p;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(1 << 20);
    cr_assert(f && buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void write_all(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, len, f), len);
    fclose(f);
}

Test(pin_progs, exists_is_eexist_and_file_unchanged)
{
    const char *fs = fresh_fs();
    struct bpfrt_prog *p = small_prog();
    char path[256], log[512];
    size_t l1, l2;

    snprintf(path, sizeof(path), "%s/small", fs);
    cr_assert_eq(bpfrt_prog__pin(p, path), 0);
    uint8_t *a = read_all(path, &l1);
    cr_assert_eq(bpfrt_prog__pin(p, path), -EEXIST);
    cr_assert_eq(prog_pin_log(p, path, log, sizeof(log)), -EEXIST);
    cr_assert(strstr(log, path) && strstr(log, "exists"), "%s", log);
    uint8_t *b = read_all(path, &l2);
    cr_assert(l1 == l2 && !memcmp(a, b, l1));
    /* a non-program file in the way is not replaced either */
    snprintf(path, sizeof(path), "%s/other", fs);
    write_all(path, (const uint8_t *)"keep", 4);
    cr_assert_eq(bpfrt_prog__pin(p, path), -EEXIST);
    free(b);
    b = read_all(path, &l2);
    cr_assert(l2 == 4 && !memcmp(b, "keep", 4));
    /* no temporary files left behind */
    DIR *d = opendir(fs);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            n++;
            cr_assert(!strstr(e->d_name, ".pin-"), "left %s", e->d_name);
        }
    closedir(d);
    cr_assert_eq(n, 2);
    free(a);
    free(b);
    bpfrt_prog__free(p);
    rm_rf(fs);
}

static void expect_invalid(const char *path, const char *why)
{
    struct bpfrt_prog *q = NULL;
    char log[512] = "";
    cr_assert_eq(prog_open_pinned_log(path, &q, log, sizeof(log)), -EINVAL, "%s: %s", why, log);
    cr_assert_null(q);
    cr_assert(strstr(log, path), "%s: reason does not name the file: %s", why, log);
    cr_assert_eq(bpfrt_prog__open_pinned(path, &q), -EINVAL, "%s", why);
}

Test(pin_progs, corrupt_truncated_foreign_files_are_einval)
{
    const char *fs = fresh_fs();
    struct bpfrt_object *obj = load_obj(run_maps_o());
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "count")), *q = NULL;
    char path[256], bad[256], log[512];
    size_t len;

    snprintf(path, sizeof(path), "%s/count", fs);
    snprintf(bad, sizeof(bad), "%s/bad", fs);
    cr_assert_eq(bpfrt_prog__pin(p, path), 0);
    uint8_t *img = read_all(path, &len);
    cr_assert_gt(len, 96);
    /* every truncation, from nothing to one byte short */
    for (size_t cut = 0; cut < len; cut += (cut < 128 ? 1 : 37)) {
        write_all(bad, img, cut);
        unlink(bad);
        write_all(bad, img, cut);
        expect_invalid(bad, "truncated");
        unlink(bad);
    }
    /* a flipped bit anywhere */
    for (size_t at = 0; at < len; at += 7) {
        img[at] ^= 0x10;
        write_all(bad, img, len);
        expect_invalid(bad, "flipped bit");
        unlink(bad);
        img[at] ^= 0x10;
    }
    /* trailing bytes */
    uint8_t *longer = calloc(1, len + 8);
    memcpy(longer, img, len);
    write_all(bad, longer, len + 8);
    expect_invalid(bad, "trailing data");
    unlink(bad);
    free(longer);
    /* foreign: text, an ELF object, a pinned map */
    write_all(bad, (const uint8_t *)"hello, world\n", 13);
    expect_invalid(bad, "text");
    unlink(bad);
    cr_assert_eq(prog_open_pinned_log(run_maps_o(), &q, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "magic"), "%s", log);
    unsigned n;
    const char *mp = bpfrt_map__pin_path(prog_used_maps(p, &n)[0]);
    cr_assert_eq(prog_open_pinned_log(mp, &q, log, sizeof(log)), -EINVAL, "%s", log);
    /* a directory, a missing file */
    cr_assert_eq(bpfrt_prog__open_pinned(fs, &q), -EINVAL);
    cr_assert_eq(prog_open_pinned_log(bad, &q, log, sizeof(log)), -ENOENT);
    cr_assert(strstr(log, bad), "%s", log);
    /* the original is still fine */
    cr_assert_eq(bpfrt_prog__open_pinned(path, &q), 0);
    bpfrt_prog__free(q);
    free(img);
    bpfrt_object__close(obj);
    rm_rf(fs);
}

Test(pin_progs, missing_or_replaced_map_is_reported)
{
    const char *fs = fresh_fs();
    struct bpfrt_object *obj = load_obj(run_maps_o());
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "count")), *q = NULL;
    struct bpfrt_map *hits = bpfrt_object__find_map_by_name(obj, "hits"), *other;
    char path[256], log[512], mp[512];

    snprintf(path, sizeof(path), "%s/count", fs);
    cr_assert_eq(bpfrt_prog__pin(p, path), 0);
    snprintf(mp, sizeof(mp), "%s", bpfrt_map__pin_path(hits));
    cr_assert_eq(unlink(mp), 0);
    cr_assert_eq(prog_open_pinned_log(path, &q, log, sizeof(log)), -ENOENT);
    cr_assert(strstr(log, mp) && strstr(log, path), "%s", log);
    /* a different map pinned in its place */
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_ARRAY, "hits", 4, 8, 16, NULL, &other), 0);
    cr_assert_eq(bpfrt_map__pin(other, mp), 0);
    cr_assert_eq(prog_open_pinned_log(path, &q, log, sizeof(log)), -EINVAL);
    cr_assert(strstr(log, "not the one"), "%s", log);
    bpfrt_map__free(other);
    bpfrt_object__close(obj);
    rm_rf(fs);
}

/* A program using a prog array pins with it when the array's programs are
 * pinned: a program in a slot that is neither pinned nor being pinned is
 * refused, naming the array, the slot and the program; one using a hash
 * of maps pins (its elements refer to pins: test_pin_hom.c). */
Test(pin_progs, prog_array_user_pins_with_its_array)
{
    const char *fs = fresh_fs();
    struct bpfrt_object *obj = load_obj(obj_of("tests/data/pin/progarray.c", "progarray"));
    struct bpfrt_prog *p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "jump"));
    struct bpfrt_prog *plain = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "plain"));
    struct bpfrt_prog *byh = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "by_hash"));
    struct bpfrt_map *slots = bpfrt_object__find_map_by_name(obj, "slots");
    char path[256], pp[256], log[1024];
    uint32_t key = 1, id = bpfrt_prog__id(plain);

    cr_assert_eq(bpfrt_map__update_elem(slots, &key, 4, &id, 4, BPF_ANY), 0);
    snprintf(path, sizeof(path), "%s/jump", fs);
    cr_assert_eq(prog_pin_log(p, path, log, sizeof(log)), -EOPNOTSUPP);
    cr_assert(strstr(log, "'slots'") && strstr(log, "slot 1") && strstr(log, "'plain'"), "%s", log);
    cr_assert_neq(access(path, F_OK), 0);
    snprintf(pp, sizeof(pp), "%s/plain", fs);
    cr_assert_eq(prog_pin_log(plain, pp, log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(prog_pin_log(p, path, log, sizeof(log)), 0, "%s", log);
    snprintf(path, sizeof(path), "%s/by_hash", fs);
    cr_assert_eq(prog_pin_log(byh, path, log, sizeof(log)), 0, "%s", log);
    cr_assert_eq(access(path, F_OK), 0);
    bpfrt_object__close(obj);
    rm_rf(fs);
}

Test(pin_progs, no_state_dir_is_reported)
{
    struct bpfrt_object *obj;
    struct bpfrt_prog *p;
    char log[512];

    setenv("BPFRT_FS", "/proc/bpfrt-cannot-be-here", 1);
    obj = load_obj(run_maps_o());
    p = bpfrt_program__prog(bpfrt_object__find_program_by_name(obj, "count"));
    cr_assert_lt(prog_pin_log(p, "/tmp/bpfrt-pinprog-never", log, sizeof(log)), 0);
    cr_assert(strstr(log, "state directory"), "%s", log);
    cr_assert_neq(access("/tmp/bpfrt-pinprog-never", F_OK), 0);
    bpfrt_object__close(obj);
}

/* ---------------------------------------------------------- the command */

/* Run "$BPFRT <args>" with BPFRT_FS = the test's state directory, from
 * the repository (relative paths in args are relative to it). */
static struct out bpfrt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct out bpfrt(const char *fmt, ...)
{
    char args[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    return cli_sh("BPFRT_FS='%s' %s %s", fsdir, cli_bin(), args);
}

#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "missing <%s> in:\n%s", (sub), (s))
#define OK(r) cr_assert_eq((r).status, 0, "exit %d: %s", (r).status, (r).stderr_)
#define FAILS(r, sub)                                                                                                  \
    do {                                                                                                               \
        cr_assert_neq((r).status, 0, "should fail: %s", (r).stdout_);                                                  \
        HAS((r).stderr_, "Error: ");                                                                                   \
        HAS((r).stderr_, sub);                                                                                         \
    } while (0)

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

Test(pin_progs, cli_loadall_run_across_processes_map_dump)
{
    const char *fs = fresh_fs(), *o = run_maps_o();
    struct out r;

    r = bpfrt("prog loadall %s %s/progs pinmaps %s/maps", o, fs, fs);
    OK(r);
    cr_assert_str_eq(r.stdout_, "");
    out_free(&r);
    for (int i = 1; i <= 3; i++) {
        char want[64];
        r = bpfrt("prog run pinned %s/progs/count", fs);
        OK(r);
        snprintf(want, sizeof(want), "Return value: %d, duration", 3 * i);
        HAS(r.stdout_, want);
        out_free(&r);
    }
    r = bpfrt("-j map dump pinned %s/maps/hits", fs);
    OK(r);
    HAS(r.stdout_, "\"value\":[\"0x07\",\"0x00\"");
    out_free(&r);
    /* typed: the maps' BTF went into their pins */
    r = bpfrt("map dump pinned %s/maps/hits", fs);
    OK(r);
    cr_assert_str_eq(r.stdout_, "[{\n        \"key\": 5,\n        \"value\": 7\n    }\n]\n");
    out_free(&r);
    r = bpfrt("map dump pinned %s/maps/run_maps.bss", fs);
    OK(r);
    HAS(r.stdout_, "\".bss\": [{\n                    \"total\": 9\n");
    out_free(&r);
    /* the program without maps too; and -j run */
    r = bpfrt("-j prog run pinned %s/progs/target", fs);
    OK(r);
    HAS(r.stdout_, "{\"retval\":7,");
    out_free(&r);
    /* pinmaps pins prog arrays too (their slots refer to the programs' pins) */
    char p[512];
    snprintf(p, sizeof(p), "%s/maps/jumps", fs);
    cr_assert_eq(access(p, F_OK), 0);
    cr_assert_eq(count_entries(fs), 2, "only progs/ and maps/ in the state dir (no maps/ auto pins)");
    rm_rf(fs);
}

Test(pin_progs, cli_load_without_pinmaps_pins_maps_in_state_dir)
{
    const char *fs = fresh_fs(), *o = run_maps_o();
    char dir[512];
    struct out r;

    r = bpfrt("prog pin obj %s prog count %s/count", o, fs);
    OK(r);
    out_free(&r);
    snprintf(dir, sizeof(dir), "%s/maps", fs);
    cr_assert_eq(count_entries(dir), 3, "hits, .bss, .rodata under <state dir>/maps");
    r = bpfrt("prog run pinned %s/count", fs);
    OK(r);
    HAS(r.stdout_, "Return value: 3,");
    out_free(&r);
    r = bpfrt("prog run pinned %s/count repeat 4", fs);
    OK(r);
    HAS(r.stdout_, "Return value: 15,");
    out_free(&r);
    /* prog load: the first program (target, no maps), at PATH */
    r = bpfrt("prog load %s %s/first", o, fs);
    OK(r);
    out_free(&r);
    r = bpfrt("-j prog show pinned %s/first", fs);
    OK(r);
    HAS(r.stdout_, "\"name\":\"target\"");
    HAS(r.stdout_, "\"gpl_compatible\":true");
    out_free(&r);
    /* pin a pinned program again: same maps */
    r = bpfrt("prog pin pinned %s/count %s/count2", fs, fs);
    OK(r);
    out_free(&r);
    r = bpfrt("prog run pinned %s/count2", fs);
    OK(r);
    HAS(r.stdout_, "Return value: 18,");
    out_free(&r);
    cr_assert_eq(count_entries(dir), 3, "no new map pins");
    rm_rf(fs);
}

Test(pin_progs, cli_show_and_dump_match_the_object)
{
    const char *fs = fresh_fs(), *o = run_maps_o();
    struct out r, a, b;

    r = bpfrt("prog loadall %s %s/p pinmaps %s/m", o, fs, fs);
    OK(r);
    out_free(&r);
    /* the tag and the listing with source lines are those of the object */
    a = bpfrt("-j prog show obj %s prog count", o);
    b = bpfrt("-j prog show pinned %s/p/count", fs);
    OK(a);
    OK(b);
    char *t = strstr(a.stdout_, "\"tag\":");
    cr_assert_not_null(t);
    t[6 + 18] = 0;
    HAS(b.stdout_, t);
    HAS(b.stdout_, "\"name\":\"count\"");
    HAS(b.stdout_, "\"map_ids\":[");
    out_free(&a);
    out_free(&b);
    a = bpfrt("prog dump xlated obj %s prog count linum opcodes", o);
    b = bpfrt("prog dump xlated pinned %s/p/count linum opcodes", fs);
    OK(a);
    OK(b);
    HAS(b.stdout_, "int count(void * data):");
    HAS(b.stdout_, "; __u32 key = 5; [file:");
    HAS(b.stdout_, "call bpf_map_lookup_elem#1");
    /* same lines once map ids are set aside */
    cr_assert_eq(strlen(a.stdout_), strlen(b.stdout_), "obj:\n%s\npinned:\n%s", a.stdout_, b.stdout_);
    out_free(&a);
    out_free(&b);
    r = bpfrt("-j prog dump xlated pinned %s/p/count", fs);
    OK(r);
    HAS(r.stdout_, "\"src\":\"__u32 key = 5;\"");
    out_free(&r);
    rm_rf(fs);
}

Test(pin_progs, cli_errors_name_file_and_damage_nothing)
{
    const char *fs = fresh_fs(), *o = run_maps_o(), *pa = obj_of("tests/data/pin/progarray.c", "progarray");
    char path[512];
    struct out r;
    size_t l1, l2;

    r = bpfrt("prog load %s %s/p", o, fs);
    OK(r);
    out_free(&r);
    snprintf(path, sizeof(path), "%s/p", fs);
    uint8_t *before = read_all(path, &l1);
    /* PATH exists */
    r = bpfrt("prog load %s %s/p", o, fs);
    FAILS(r, "exists");
    HAS(r.stderr_, path);
    out_free(&r);
    r = bpfrt("prog pin obj %s prog count %s/p", o, fs);
    FAILS(r, "exists");
    out_free(&r);
    uint8_t *after = read_all(path, &l2);
    cr_assert(l1 == l2 && !memcmp(before, after, l1), "existing pin changed");
    free(before);
    free(after);
    /* missing and invalid files */
    r = bpfrt("prog run pinned %s/none", fs);
    FAILS(r, "/none");
    HAS(r.stderr_, "No such file");
    out_free(&r);
    r = bpfrt("prog show pinned %s", o);
    FAILS(r, "not a valid pinned program");
    HAS(r.stderr_, o);
    out_free(&r);
    r = bpfrt("prog dump xlated pinned %s", fs);
    FAILS(r, "not a regular file");
    out_free(&r);
    r = bpfrt("prog load %s/nothing.o %s/q", fs, fs);
    FAILS(r, "nothing.o");
    out_free(&r);
    r = bpfrt("prog load %s", o);
    FAILS(r, "needs OBJ and PATH");
    out_free(&r);
    r = bpfrt("prog load %s %s/q pinmaps", o, fs);
    FAILS(r, "'pinmaps' needs a value");
    out_free(&r);
    /* a program using a hash of maps pins (its elements refer to pins:
     * test_pin_hom.c) */
    r = bpfrt("prog pin obj %s prog by_hash %s/j", pa, fs);
    OK(r);
    out_free(&r);
    /* loadall failing on its last program (by_hash's path exists):
     * everything pinned before is taken back */
    snprintf(path, sizeof(path), "mkdir -p %s/all %s/all2 && touch %s/all/by_hash %s/all2/by_hash", fs, fs, fs, fs);
    cr_assert_eq(system(path), 0);
    snprintf(path, sizeof(path), "%s/maps", fs);
    int nmaps = count_entries(path); /* by_hash's, pinned just above */
    r = bpfrt("prog loadall %s %s/all", pa, fs);
    FAILS(r, "exists");
    out_free(&r);
    snprintf(path, sizeof(path), "%s/all", fs);
    cr_assert_eq(count_entries(path), 1, "loadall left pins in %s", path);
    snprintf(path, sizeof(path), "%s/maps", fs);
    cr_assert_eq(count_entries(path), nmaps, "loadall left map pins in %s", path);
    /* with pinmaps: the maps it pinned and the directory it made go too */
    r = bpfrt("prog loadall %s %s/all2 pinmaps %s/allmaps", pa, fs, fs);
    FAILS(r, "exists");
    out_free(&r);
    snprintf(path, sizeof(path), "%s/allmaps", fs);
    cr_assert_neq(access(path, F_OK), 0, "loadall left %s", path);
    /* loadall into a directory holding one of the names: nothing changes */
    r = bpfrt("prog loadall %s %s/d pinmaps %s/dm", o, fs, fs);
    OK(r);
    out_free(&r);
    r = bpfrt("prog loadall %s %s/d pinmaps %s/dm2", o, fs, fs);
    FAILS(r, "exists");
    out_free(&r);
    snprintf(path, sizeof(path), "%s/dm2", fs);
    cr_assert_neq(access(path, F_OK), 0);
    r = bpfrt("prog run pinned %s/d/count", fs);
    OK(r);
    HAS(r.stdout_, "Return value: 3,");
    out_free(&r);
    /* a corrupt pin */
    snprintf(path, sizeof(path), "%s/d/count", fs);
    cr_assert_eq(truncate(path, 100), 0);
    r = bpfrt("prog run pinned %s", path);
    FAILS(r, "truncated");
    HAS(r.stderr_, path);
    out_free(&r);
    rm_rf(fs);
}
