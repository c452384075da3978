/* test_pin_maps.c - pinned maps: the state directory, pin and reopen in one
 * process (addresses kept), sharing between processes (fork) for the main
 * map types with concurrent updates, a lock whose owner died, refusal of
 * corrupt, truncated and foreign files, and the command's `pinned FILE`
 * across invocations.  Every test points BPFRT_FS at a mkdtemp directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"
#include "map_fixture.h"

#include "bpfrt/bpfrt.h"
#include "maps/map.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/bpfrt-pin-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("BPFRT_FS", dir, 1);
}

static void teardown(void)
{
    char cmd[512];

    if (dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd)) {
        }
    }
}

TestSuite(pin_maps, .init = setup, .fini = teardown, .timeout = 120);

static const char *pth(const char *name)
{
    return fx_path(dir, name);
}

#define mk fx_map

static struct bpfrt_map *reopen(const char *path)
{
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__open_pinned(path, &m);
    cr_assert_eq(err, 0, "open_pinned %s: %d %s", path, err, bpfrt_pin_error());
    cr_assert_not_null(m);
    return m;
}

/* Run fn in a child process; its exit status (0 = ok). */
static int in_child(int (*fn)(const char *), const char *arg)
{
    pid_t pid = fork();
    int st;

    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(fn(arg));
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static pid_t spawn(int (*fn)(const char *), const char *arg)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

static int reap(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------ fs dir */

Test(pin_maps, fs_dir_from_env_created_0700)
{
    struct stat st;
    const char *d;

    setenv("BPFRT_FS", pth("a/b/state"), 1);
    d = bpfrt_fs_dir();
    cr_assert_not_null(d);
    cr_assert_str_eq(d, pth("a/b/state"));
    cr_assert_eq(stat(d, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0700);
    cr_assert_eq(bpfrt_fs_dir(), d, "computed once");
}

Test(pin_maps, fs_dir_impossible_is_null_with_errno)
{
    int fd = open(pth("file"), O_CREAT | O_WRONLY, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    setenv("BPFRT_FS", pth("file/sub"), 1);
    errno = 0;
    cr_assert_null(bpfrt_fs_dir());
    cr_assert_eq(errno, ENOTDIR);
}

/* -------------------------------------------------- in-process pinning */

Test(pin_maps, pin_keeps_addresses_and_reopens)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, "flows", 4, 8, 64, 0), *q;
    uint32_t k = 7;
    uint64_t v = 70, got = 0, *p;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    p = m->ops->lookup(m, &k, 0);
    cr_assert_not_null(p);
    cr_assert_null(bpfrt_map__pin_path(m));
    cr_assert_eq(bpfrt_map__pin(m, pth("flows")), 0, "%s", bpfrt_pin_error());
    cr_assert_str_eq(bpfrt_map__pin_path(m), pth("flows"));
    /* the pointer a program holds is still the element */
    cr_assert_eq(m->ops->lookup(m, &k, 0), p);
    cr_assert_eq(*p, 70);
    *p = 71;

    q = reopen(pth("flows"));
    cr_assert_neq(q->id, m->id, "a fresh id");
    cr_assert_str_eq(bpfrt_map__name(q), "flows");
    cr_assert_eq(bpfrt_map__type(q), BPF_MAP_TYPE_HASH);
    cr_assert_eq(bpfrt_map__key_size(q), 4);
    cr_assert_eq(bpfrt_map__value_size(q), 8);
    cr_assert_eq(bpfrt_map__max_entries(q), 64);
    cr_assert_str_eq(bpfrt_map__pin_path(q), pth("flows"));
    cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &got, 8, 0), 0);
    cr_assert_eq(got, 71);
    /* and back: updates through either view land in the same file */
    k = 8, v = 80;
    cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, &v, 8, BPF_NOEXIST), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &got, 8, 0), 0);
    cr_assert_eq(got, 80);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_NOEXIST), -EEXIST);
    k = 7;
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &got, 8, 0), -ENOENT);
    bpfrt_map__free(m);
    bpfrt_map__free(q);

    /* closing leaves the file: the map outlives its maps */
    q = reopen(pth("flows"));
    k = 8;
    cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &got, 8, 0), 0);
    cr_assert_eq(got, 80);
    cr_assert_eq(bpfrt_map__get_next_key(q, NULL, &k, 4), 0);
    cr_assert_eq(k, 8);
    cr_assert_eq(bpfrt_map__get_next_key(q, &k, &k, 4), -ENOENT);
    bpfrt_map__free(q);
    /* unlink removes the pin */
    cr_assert_eq(unlink(pth("flows")), 0);
    cr_assert_eq(bpfrt_map__open_pinned(pth("flows"), &q), -ENOENT);
    cr_assert_neq(bpfrt_pin_error()[0], 0);
}

Test(pin_maps, pin_each_simple_type_in_process)
{
    static const struct {
        enum bpf_map_type t;
        uint32_t ks, vs, me, flags;
    } types[] = {
        {BPF_MAP_TYPE_ARRAY, 4, 8, 8, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 8, BPF_F_MMAPABLE},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 8, 0},
        {BPF_MAP_TYPE_HASH, 8, 16, 100, BPF_F_NO_PREALLOC},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 16, 0},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, BPF_F_NO_PREALLOC},
        {BPF_MAP_TYPE_QUEUE, 0, 8, 16, 0},
        {BPF_MAP_TYPE_STACK, 0, 8, 16, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 16, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0},
    };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        char name[16];
        struct bpfrt_map *m, *q;

        snprintf(name, sizeof(name), "m%zu", i);
        m = mk(types[i].t, name, types[i].ks, types[i].vs, types[i].me, types[i].flags);
        cr_assert_eq(bpfrt_map__pin(m, pth(name)), 0, "type %d: %s", types[i].t, bpfrt_pin_error());
        q = reopen(pth(name));
        cr_assert_eq(bpfrt_map__type(q), types[i].t);
        cr_assert_eq(bpfrt_map__max_entries(q), bpfrt_map__max_entries(m));
        /* a devmap carries BPF_F_RDONLY_PROG as the kernel's dev_map_init_map adds it */
        cr_assert_eq(bpfrt_map__map_flags(q), types[i].flags | (types[i].t == BPF_MAP_TYPE_DEVMAP ? BPF_F_RDONLY_PROG : 0));
        if (types[i].t == BPF_MAP_TYPE_ARRAY || types[i].t == BPF_MAP_TYPE_QUEUE || types[i].t == BPF_MAP_TYPE_STACK) {
            uint32_t k = 3;
            uint64_t v = 33 + i, got = 0;
            const void *key = types[i].ks ? &k : NULL;
            cr_assert_eq(bpfrt_map__update_elem(m, key, types[i].ks, &v, 8, 0), 0);
            cr_assert_eq(bpfrt_map__lookup_elem(q, key, types[i].ks, &got, 8, 0), 0);
            cr_assert_eq(got, v);
        }
        if (types[i].flags & BPF_F_MMAPABLE) {
            size_t sz = 0;
            uint64_t *a = bpfrt_map__mmap(q, &sz), *b = bpfrt_map__mmap(m, NULL);
            cr_assert_not_null(a);
            cr_assert_geq(sz, 64);
            a[5] = 555;
            cr_assert_eq(b[5], 555);
        }
        bpfrt_map__free(q);
        bpfrt_map__free(m);
    }
}

Test(pin_maps, pin_errors)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, "a", 4, 4, 2, 0), *pa, *q;
    uint32_t k = 1, v = 11, got;
    int fd;

    fd = open(pth("taken"), O_CREAT | O_WRONLY, 0600);
    close(fd);
    cr_assert_eq(bpfrt_map__pin(m, pth("taken")), -EEXIST);
    cr_assert(strstr(bpfrt_pin_error(), "exists"), "%s", bpfrt_pin_error());
    cr_assert_eq(bpfrt_map__pin(m, pth("nodir/x")), -ENOENT);
    cr_assert(strstr(bpfrt_pin_error(), "directory does not exist"), "%s", bpfrt_pin_error());
    cr_assert_null(bpfrt_map__pin_path(m), "a failed pin leaves the map unpinned");
    cr_assert_eq(bpfrt_map__pin(m, NULL), -EINVAL);
    cr_assert_eq(bpfrt_map__pin(NULL, pth("x")), -EINVAL);

    /* pinned twice: a second name for the same file */
    cr_assert_eq(bpfrt_map__pin(m, pth("one")), 0, "%s", bpfrt_pin_error());
    cr_assert_eq(bpfrt_map__pin(m, pth("two")), 0, "%s", bpfrt_pin_error());
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 4, 0), 0);
    q = reopen(pth("two"));
    cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &got, 4, 0), 0);
    cr_assert_eq(got, 11);
    bpfrt_map__free(q);
    cr_assert_eq(bpfrt_map__pin(m, pth("one")), -EEXIST);

    /* maps holding per-process ids: a prog array or an array of maps pins
     * (its slots refer to pins: test_pin_tail.c), and so does a hash of
     * maps (its elements do: test_pin_hom.c) */
    pa = mk(BPF_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 4, 0);
    cr_assert_eq(bpfrt_map__pin(pa, pth("pa")), 0, "%s", bpfrt_pin_error());
    {
        struct bpfrt_map_create_opts o = {.sz = sizeof(o), .inner_map = m, .nr_workers = 1};
        struct bpfrt_map *mm = NULL;
        cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH_OF_MAPS, "hom", 4, 4, 2, &o, &mm), 0);
        cr_assert_eq(bpfrt_map__pin(mm, pth("hom")), 0, "%s", bpfrt_pin_error());
        cr_assert_eq(access(pth("hom"), F_OK), 0);
        bpfrt_map__free(mm);
    }
    bpfrt_map__free(pa);
    bpfrt_map__free(m);
}

/* A pinned file damaged in various ways: -EINVAL with a reason, no crash. */
static int open_err(const char *path)
{
    struct bpfrt_map *m = (struct bpfrt_map *)1;
    int err = bpfrt_map__open_pinned(path, &m);
    cr_assert_null(m);
    if (err)
        cr_assert_neq(bpfrt_pin_error()[0], 0, "a failed open says why");
    return err;
}

static void copy_file(const char *from, const char *to)
{
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
    cr_assert_eq(system(cmd), 0);
}

static void poke(const char *path, off_t off, const void *b, size_t n)
{
    int fd = open(path, O_WRONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, b, n, off), (ssize_t)n);
    close(fd);
}

Test(pin_maps, corrupt_truncated_foreign_files)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, "h", 4, 8, 32, 0);
    char good[512], bad[512];
    struct stat st;
    uint32_t w;
    uint64_t d;
    int fd;

    snprintf(good, sizeof(good), "%s", pth("good"));
    snprintf(bad, sizeof(bad), "%s", pth("bad"));
    cr_assert_eq(bpfrt_map__pin(m, good), 0);
    bpfrt_map__free(m);
    cr_assert_eq(stat(good, &st), 0);

    cr_assert_eq(open_err(pth("missing")), -ENOENT);
    cr_assert_eq(open_err(dir), -EISDIR);
    fd = open(pth("empty"), O_CREAT | O_WRONLY, 0600);
    close(fd);
    cr_assert_eq(open_err(pth("empty")), -EINVAL);
    cr_assert(strstr(bpfrt_pin_error(), "too short"), "%s", bpfrt_pin_error());
    cr_assert_eq(open_err("/etc/passwd"), -EINVAL);
    cr_assert(strstr(bpfrt_pin_error(), "foreign"), "%s", bpfrt_pin_error());

    /* truncated: without its metadata block, and cut inside the arena */
    copy_file(good, bad);
    cr_assert_eq(truncate(bad, st.st_size - 4096), 0);
    cr_assert_eq(open_err(bad), -EINVAL);
    cr_assert(strstr(bpfrt_pin_error(), "truncated"), "%s", bpfrt_pin_error());
    cr_assert_eq(truncate(bad, 100), 0);
    cr_assert_eq(open_err(bad), -EINVAL);
    /* grown */
    copy_file(good, bad);
    cr_assert_eq(truncate(bad, st.st_size + 4096), 0);
    cr_assert_eq(open_err(bad), -EINVAL);

    /* a metadata byte changed: checksum */
    copy_file(good, bad);
    w = 0x12345;
    poke(bad, st.st_size - 4096 + 28, &w, 4); /* key_size */
    cr_assert_eq(open_err(bad), -EINVAL);
    cr_assert(strstr(bpfrt_pin_error(), "checksum"), "%s", bpfrt_pin_error());

    /* the arena header disagrees with the metadata */
    copy_file(good, bad);
    w = 999;
    poke(bad, offsetof(struct map_arena_hdr, max_entries), &w, 4);
    cr_assert_eq(open_err(bad), -EINVAL);

    /* the arena header's size */
    copy_file(good, bad);
    d = 1ull << 40;
    poke(bad, offsetof(struct map_arena_hdr, size), &d, 8);
    cr_assert_eq(open_err(bad), -EINVAL);

    /* the hash table's own header (n_buckets, at arena offset 64) */
    copy_file(good, bad);
    w = 1u << 20;
    poke(bad, MAP_ARENA_HDR_SIZE, &w, 4);
    cr_assert_eq(open_err(bad), -EINVAL);
    cr_assert(strstr(bpfrt_pin_error(), "layout"), "%s", bpfrt_pin_error());

    /* the magic */
    copy_file(good, bad);
    d = 0;
    poke(bad, 0, &d, 8);
    cr_assert_eq(open_err(bad), -EINVAL);

    /* and the good one still opens */
    m = reopen(good);
    bpfrt_map__free(m);
}

Test(pin_maps, freeze_is_shared)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, "f", 4, 4, 2, 0), *q;
    uint32_t k = 0, v = 1;

    cr_assert_eq(bpfrt_map__pin(m, pth("f")), 0);
    q = reopen(pth("f"));
    cr_assert_eq(bpfrt_map__freeze(q), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 4, 0), -EPERM, "the other view sees the freeze");
    cr_assert_eq(bpfrt_map__freeze(m), -EPERM);
    bpfrt_map__free(q);
    q = reopen(pth("f"));
    cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, &v, 4, 0), -EPERM);
    bpfrt_map__free(q);
    bpfrt_map__free(m);
}

/* ------------------------------------------------ between processes */

#define N 2000

/* ARRAY: the child sees the parent's value, writes its own, then both add
 * to one counter through the pointer a program would use. */
static int array_child(const char *path)
{
    struct bpfrt_map *m = NULL;
    uint32_t k = 1;
    uint64_t v = 0, *ctr;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    if (bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0) || v != 100)
        return 2;
    v = 200;
    k = 2;
    if (bpfrt_map__update_elem(m, &k, 4, &v, 8, 0))
        return 3;
    k = 0;
    ctr = m->ops->lookup(m, &k, 0);
    for (int i = 0; i < N; i++)
        __atomic_fetch_add(ctr, 1, __ATOMIC_RELAXED);
    bpfrt_map__free(m);
    return 0;
}

Test(pin_maps, array_shared_between_processes)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 4, 0);
    uint32_t k = 1;
    uint64_t v = 100, *ctr;
    pid_t pid;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("arr")), 0);
    k = 0;
    ctr = m->ops->lookup(m, &k, 0);
    pid = spawn(array_child, pth("arr"));
    for (int i = 0; i < N; i++)
        __atomic_fetch_add(ctr, 1, __ATOMIC_RELAXED);
    cr_assert_eq(reap(pid), 0);
    cr_assert_eq(*ctr, 2 * N);
    k = 2;
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(v, 200);
    bpfrt_map__free(m);
}

/* HASH family: parent and child insert disjoint keys at once (even /
 * odd), delete a third of their own, and bump a shared key under
 * BPF_F_LOCK-free update races; the map must hold exactly the survivors. */
static int hash_worker(struct bpfrt_map *m, uint32_t parity, int percpu)
{
    uint32_t nw = m->nr_workers, vlen = percpu ? 8 * nw : 8;
    uint64_t v[64], got[64];

    for (uint32_t i = parity; i < N; i += 2) {
        for (uint32_t s = 0; s < nw; s++)
            v[s] = (uint64_t)i * 10 + s;
        if (bpfrt_map__update_elem(m, &i, 4, v, vlen, BPF_NOEXIST))
            return 10;
        if (bpfrt_map__lookup_elem(m, &i, 4, got, vlen, 0) || got[0] != (uint64_t)i * 10)
            return 11;
        if (i % 3 == 0 && bpfrt_map__delete_elem(m, &i, 4, 0))
            return 12;
    }
    return 0;
}

static enum bpf_map_type child_type;

static int hash_child(const char *path)
{
    struct bpfrt_map *m = NULL;
    int r;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    if (bpfrt_map__type(m) != child_type)
        return 2;
    r = hash_worker(m, 1, child_type == BPF_MAP_TYPE_PERCPU_HASH);
    bpfrt_map__free(m);
    return r;
}

static void hash_shared(enum bpf_map_type t)
{
    struct bpfrt_map *m = mk(t, "h", 4, 8, N, 0);
    int percpu = t == BPF_MAP_TYPE_PERCPU_HASH;
    uint32_t k, cnt = 0, vlen = percpu ? 16 : 8;
    uint64_t v[2];
    pid_t pid;
    int err;

    cr_assert_eq(bpfrt_map__pin(m, pth("h")), 0, "%s", bpfrt_pin_error());
    child_type = t;
    pid = spawn(hash_child, pth("h"));
    cr_assert_eq(hash_worker(m, 0, percpu), 0);
    cr_assert_eq(reap(pid), 0);
    for (err = bpfrt_map__get_next_key(m, NULL, &k, 4); !err; err = bpfrt_map__get_next_key(m, &k, &k, 4)) {
        cr_assert_neq(k % 3, 0, "key %u was deleted", k);
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, v, vlen, 0), 0);
        cr_assert_eq(v[0], (uint64_t)k * 10);
        if (percpu)
            cr_assert_eq(v[1], (uint64_t)k * 10 + 1);
        cnt++;
    }
    cr_assert_eq(err, -ENOENT);
    cr_assert_eq(cnt, N - (N + 2) / 3);
    /* the free lists and the count are shared: the map fills to exactly
     * max_entries from here */
    for (k = 0; k < N; k += 3) {
        v[0] = v[1] = 1;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, vlen, BPF_NOEXIST), 0, "key %u", k);
    }
    k = N;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, vlen, BPF_NOEXIST), -E2BIG);
    bpfrt_map__free(m);
}

Test(pin_maps, hash_shared_between_processes)
{
    hash_shared(BPF_MAP_TYPE_HASH);
}

Test(pin_maps, percpu_hash_shared_between_processes)
{
    hash_shared(BPF_MAP_TYPE_PERCPU_HASH);
}

/* LRU: both processes insert many more keys than fit; the map never holds
 * more than max_entries, every key it holds has its value, and eviction
 * still works afterwards. */
#define LRU_MAX 128
static int lru_worker(struct bpfrt_map *m, uint32_t base)
{
    uint64_t v, got;

    for (uint32_t i = 0; i < 20 * LRU_MAX; i++) {
        uint32_t k = base + i;
        v = k;
        if (bpfrt_map__update_elem(m, &k, 4, &v, 8, 0))
            return 20;
        if (bpfrt_map__lookup_elem(m, &k, 4, &got, 8, 0) == 0 && got != k)
            return 21;
    }
    return 0;
}

static int lru_child(const char *path)
{
    struct bpfrt_map *m = NULL;
    int r;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    r = lru_worker(m, 1000000);
    bpfrt_map__free(m);
    return r;
}

Test(pin_maps, lru_hash_shared_between_processes)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LRU_HASH, "lru", 4, 8, LRU_MAX, 0);
    uint32_t k, cnt = 0;
    uint64_t v;
    pid_t pid;
    int err;

    cr_assert_eq(bpfrt_map__pin(m, pth("lru")), 0);
    pid = spawn(lru_child, pth("lru"));
    cr_assert_eq(lru_worker(m, 0), 0);
    cr_assert_eq(reap(pid), 0);
    for (err = bpfrt_map__get_next_key(m, NULL, &k, 4); !err; err = bpfrt_map__get_next_key(m, &k, &k, 4)) {
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0);
        cr_assert_eq(v, k);
        cnt++;
    }
    cr_assert_leq(cnt, LRU_MAX);
    cr_assert_gt(cnt, 0);
    /* a key added now is there (an element was reclaimed for it) */
    k = 5000000, v = k;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), 0);
    bpfrt_map__free(m);
}

/* LPM trie: the child inserts /24 prefixes while the parent inserts /16
 * ones; longest-prefix lookups see both. */
struct lpm_key {
    uint32_t prefixlen;
    uint8_t addr[4];
};

static int lpm_worker(struct bpfrt_map *m, uint32_t plen, uint8_t first)
{
    for (uint32_t i = 0; i < 200; i++) {
        struct lpm_key k = {plen, {first, (uint8_t)i, plen == 24 ? 7 : 0, 0}};
        uint64_t v = plen * 1000 + i;
        if (bpfrt_map__update_elem(m, &k, 8, &v, 8, 0))
            return 30;
    }
    return 0;
}

static int lpm_child(const char *path)
{
    struct bpfrt_map *m = NULL;
    int r;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    r = lpm_worker(m, 24, 10);
    bpfrt_map__free(m);
    return r;
}

Test(pin_maps, lpm_trie_shared_between_processes)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LPM_TRIE, "lpm", 8, 8, 512, BPF_F_NO_PREALLOC);
    pid_t pid;

    cr_assert_eq(bpfrt_map__pin(m, pth("lpm")), 0);
    pid = spawn(lpm_child, pth("lpm"));
    cr_assert_eq(lpm_worker(m, 16, 10), 0);
    cr_assert_eq(reap(pid), 0);
    for (uint32_t i = 0; i < 200; i++) {
        struct lpm_key a = {32, {10, (uint8_t)i, 7, 9}}, b = {32, {10, (uint8_t)i, 8, 9}};
        uint64_t v = 0;
        cr_assert_eq(bpfrt_map__lookup_elem(m, &a, 8, &v, 8, 0), 0);
        cr_assert_eq(v, 24000 + i, "the child's /24 wins");
        cr_assert_eq(bpfrt_map__lookup_elem(m, &b, 8, &v, 8, 0), 0);
        cr_assert_eq(v, 16000 + i, "the parent's /16");
    }
    bpfrt_map__free(m);
}

/* QUEUE: the child pushes 1..N while the parent pops; every value arrives
 * once, in order. */
static int queue_child(const char *path)
{
    struct bpfrt_map *m = NULL;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    for (uint64_t i = 1; i <= N; i++) {
        int err;
        while ((err = bpfrt_map__update_elem(m, NULL, 0, &i, 8, 0)) == -E2BIG)
            usleep(10);
        if (err)
            return 40;
    }
    bpfrt_map__free(m);
    return 0;
}

Test(pin_maps, queue_shared_between_processes)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_QUEUE, "q", 0, 8, 64, 0);
    uint64_t next = 1, v;
    pid_t pid;

    cr_assert_eq(bpfrt_map__pin(m, pth("q")), 0);
    pid = spawn(queue_child, pth("q"));
    while (next <= N) {
        int err = bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, 0);
        if (err == -ENOENT) {
            usleep(10);
            continue;
        }
        cr_assert_eq(err, 0);
        cr_assert_eq(v, next, "in order");
        next++;
    }
    cr_assert_eq(reap(pid), 0);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, NULL, 0, &v, 8, 0), -ENOENT);
    bpfrt_map__free(m);
}

/* A process killed while it holds a lock in the map (here the
 * bpf_spin_lock word of a value, the same protocol as the bucket locks)
 * does not block the other process for ever. */
static int die_holding_lock(const char *path)
{
    struct bpfrt_map *m = NULL;
    uint32_t k = 0;
    uint8_t *val;

    if (bpfrt_map__open_pinned(path, &m))
        return 1;
    val = m->ops->lookup(m, &k, 0);
    map_value_lock((uint32_t *)val);
    _exit(0); /* never unlocks */
}

Test(pin_maps, dead_lock_owner_does_not_block)
{
    struct map_attr attr = {.type = BPF_MAP_TYPE_ARRAY,
                            .key_size = 4,
                            .value_size = 16,
                            .max_entries = 2,
                            .nr_workers = 1,
                            .spin_lock_at = 1 /* offset 0 */};
    struct bpfrt_map *m = NULL;
    uint32_t k = 0;
    uint32_t v[4] = {0, 5, 6, 7}, got[4];

    cr_assert_eq(map_create(&attr, "locked", NULL, 0, &m), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("locked")), 0);
    cr_assert_eq(in_child(die_holding_lock, pth("locked")), 0);
    cr_assert_neq(*(uint32_t *)m->ops->lookup(m, &k, 0), 0, "the dead child's lock is held");
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, 16, BPF_F_LOCK), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, got, 16, BPF_F_LOCK), 0);
    cr_assert_eq(got[1], 5);
    cr_assert_eq(got[3], 7);
    bpfrt_map__free(m);
}

/* A big sparse map pins quickly and its file stays sparse. */
/* A preallocated map's pin has all its blocks reserved when it is pinned
 * (a full filesystem fails the pin instead of a later store with SIGBUS),
 * as the kernel charges a preallocated map's memory at creation. */
Test(pin_maps, prealloc_arena_pin_reserved)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, "arr", 4, 8, 1u << 17, 0), *q; /* 1 MiB */
    uint32_t k = (1u << 17) - 1;
    uint64_t v = 9, got = 0;
    struct stat st;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("arr")), 0);
    cr_assert_eq(stat(pth("arr"), &st), 0);
    cr_assert_geq((uint64_t)st.st_blocks * 512, 1u << 20, "%lld blocks", (long long)st.st_blocks);
    q = reopen(pth("arr"));
    cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &got, 8, 0), 0);
    cr_assert_eq(got, 9);
    bpfrt_map__free(q);
    bpfrt_map__free(m);
}

/* A BPF_F_NO_PREALLOC map's elements get file blocks as they are carved:
 * a large, nearly empty one pins small, and grows in the file as either
 * process inserts. */
Test(pin_maps, lazy_arena_pins_sparse)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, "big", 4, 8, 1u << 20, BPF_F_NO_PREALLOC), *q;
    uint64_t v = 9, got = 0;
    struct stat st;
    uint32_t k;

    for (k = 0; k < 100; k++)
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(bpfrt_map__pin(m, pth("big")), 0);
    cr_assert_eq(stat(pth("big"), &st), 0);
    /* buckets (1 M of 48 B, each with its robust mutex: 48 MiB) are fixed
     * storage; the 1 M elements (64 B each: 64 MiB more) are not */
    cr_assert_lt((uint64_t)st.st_blocks * 512, 56u << 20, "%lld blocks", (long long)st.st_blocks);
    q = reopen(pth("big"));
    for (k = 100; k < 20000; k++)
        cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, &v, 8, 0), 0);
    for (k = 0; k < 20000; k += 997) {
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &got, 8, 0), 0, "key %u", k);
        cr_assert_eq(got, 9);
    }
    bpfrt_map__free(q);
    bpfrt_map__free(m);
}

/* --------------------------------------------------------------- CLI */

/* Run "$BPFRT <args>" with the test's state directory, both streams captured. */
static struct out cli(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct out cli(const char *fmt, ...)
{
    char args[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    return cli_sh("BPFRT_FS='%s' %s %s", dir, cli_bin(), args);
}

#define HAS(s, sub) cr_assert(strstr((s), (sub)), "expected '%s' in:\n%s", (sub), (s))

Test(pin_maps, cli_create_update_dump_across_invocations)
{
    struct out r;

    r = cli("map create %s/m type hash key 4 value 8 entries 16 name flows", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map update pinned %s/m key 1 0 0 0 value 2 0 0 0 0 0 0 0", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map update pinned %s/m key 3 0 0 0 value hex ff 00 00 00 00 00 00 01", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map dump pinned %s/m", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "key: 01 00 00 00  value: 02 00 00 00 00 00 00 00\n");
    HAS(r.stdout_, "key: 03 00 00 00  value: ff 00 00 00 00 00 00 01\n");
    HAS(r.stdout_, "Found 2 elements\n");
    out_free(&r);
    r = cli("map delete pinned %s/m key 3 0 0 0", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("-j map lookup pinned %s/m key 1 0 0 0", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"]");
    out_free(&r);
    r = cli("map lookup pinned %s/m key 3 0 0 0", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "key not found in map 'flows'");
    out_free(&r);
    r = cli("map getnext pinned %s/m", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "next key:\n01 00 00 00");
    out_free(&r);
    r = cli("map show pinned %s/m", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "hash  name flows  flags 0x0\n\tkey 4B  value 8B  max_entries 16\n\tpinned ");
    out_free(&r);
    r = cli("-j map show pinned %s/m", dir);
    HAS(r.stdout_, "\"frozen\":0,\"pinned\":[\"");
    out_free(&r);
    /* a second pin of the same map, then freeze: seen through both */
    r = cli("map pin pinned %s/m %s/m2", dir, dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map freeze pinned %s/m2", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map update pinned %s/m key 1 0 0 0 value 2 0 0 0 0 0 0 0", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Operation not permitted");
    out_free(&r);
    r = cli("map show pinned %s/m", dir);
    HAS(r.stdout_, "\tfrozen\n");
    out_free(&r);
}

Test(pin_maps, cli_queue_across_invocations)
{
    struct out r;

    r = cli("-j map create %s/q type queue key 0 value 4 entries 8", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "null\n");
    out_free(&r);
    for (int i = 1; i <= 3; i++) {
        r = cli("map push pinned %s/q value %d 0 0 0", dir, i);
        cr_assert_eq(r.status, 0, "%s", r.stderr_);
        out_free(&r);
    }
    r = cli("map peek pinned %s/q", dir);
    HAS(r.stdout_, "value: 01 00 00 00");
    out_free(&r);
    r = cli("map pop pinned %s/q", dir);
    HAS(r.stdout_, "value: 01 00 00 00");
    out_free(&r);
    r = cli("map pop pinned %s/q", dir);
    HAS(r.stdout_, "value: 02 00 00 00");
    out_free(&r);
}

Test(pin_maps, cli_errors)
{
    struct out r;
    int fd;

    r = cli("map create %s/nodir/m type hash key 4 value 8 entries 16", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "but not pinned: cannot pin a map at '");
    HAS(r.stderr_, "its directory does not exist");
    out_free(&r);
    /* the kernel's errors first */
    r = cli("map create %s/m type array key 8 value 8 entries 4", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: map create failed: Invalid argument");
    out_free(&r);
    cr_assert_eq(access(pth("m"), F_OK), -1);
    r = cli("map create %s/m type array key 4 value 8 entries 4", dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = cli("map create %s/m type array key 4 value 8 entries 4", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "the file exists");
    out_free(&r);
    r = cli("map create %s/pa type prog_array key 4 value 4 entries 4", dir);
    cr_assert_eq(r.status, 0, "a prog array pins: %s", r.stderr_);
    out_free(&r);
    r = cli("map dump pinned %s/none", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "cannot open pinned map");
    out_free(&r);
    fd = open(pth("junk"), O_CREAT | O_WRONLY, 0600);
    cr_assert_eq(write(fd, "hello, world, this is not a map at all; not at all, no, not at all. nope nope\n", 78), 78);
    close(fd);
    r = cli("-j map dump pinned %s/junk", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stdout_, "{\"error\":\"'");
    HAS(r.stdout_, "is not a usable pinned bpfrt map");
    out_free(&r);
    r = cli("map dump pinned");
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs the FILE");
    out_free(&r);
    r = cli("map pin pinned %s/m", dir);
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "needs MAP then FILE");
    out_free(&r);
}
