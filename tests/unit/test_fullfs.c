/* test_fullfs.c - pins on a full filesystem (issue 7, item 4): a small
 * tmpfs as the state directory.  Pinning a map the filesystem cannot back
 * fails with -ENOSPC, naming the file and the reason, leaves no file and
 * leaves the pins already there intact; a pinned BPF_F_NO_PREALLOC map
 * that fills the filesystem fails its updates with an error.  Before the
 * fix each of these died of SIGBUS (a store into a shared mapping of a
 * file the filesystem could not back).  Needs root for the mount; skips
 * with a message otherwise. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_run.h"
#include "map_fixture.h"

#include "bpfrt/bpfrt.h"

static char dir[256];
static int mounted;

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/bpfrt-fullfs-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    mounted = mount("none", dir, "tmpfs", 0, "size=256k,mode=0700") == 0;
    setenv("BPFRT_FS", dir, 1);
}

static void teardown(void)
{
    if (mounted)
        umount2(dir, MNT_DETACH);
    mounted = 0;
    rmdir(dir);
}

TestSuite(fullfs, .init = setup, .fini = teardown, .timeout = 60);

#define NEED_TMPFS()                                                                                                   \
    do {                                                                                                               \
        if (!mounted)                                                                                                  \
            cr_skip_test("cannot mount a 256 KiB tmpfs on %s (%s): needs root", dir, strerror(errno));                 \
    } while (0)

static const char *pth(const char *name)
{
    return fx_path(dir, name);
}

#define mk fx_map

/* Names in the state directory, space-separated and sorted by readdir. */
static void listing(char *buf, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    cr_assert_not_null(d);
    buf[0] = 0;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            snprintf(buf + strlen(buf), n - strlen(buf), "%s ", e->d_name);
    closedir(d);
}

/* A small pinned array "keep" with known values, and a copy of its bytes. */
static struct bpfrt_map *pin_keep(char **bytes)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, "keep", 4, 8, 8, 0);

    for (uint32_t k = 0; k < 8; k++) {
        uint64_t v = 1000 + k;
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, 0), 0);
    }
    cr_assert_eq(bpfrt_map__pin(m, pth("keep")), 0, "%s", bpfrt_pin_error());
    *bytes = cli_slurp(pth("keep"));
    return m;
}

/* "keep" opens from its file, holds its values, and its bytes are as before. */
static void check_keep(const char *before)
{
    struct bpfrt_map *q = NULL;
    struct stat st;
    char *now;

    cr_assert_eq(bpfrt_map__open_pinned(pth("keep"), &q), 0, "%s", bpfrt_pin_error());
    for (uint32_t k = 0; k < 8; k++) {
        uint64_t v = 0;
        cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, &v, 8, 0), 0);
        cr_assert_eq(v, 1000 + k);
    }
    bpfrt_map__free(q);
    cr_assert_eq(stat(pth("keep"), &st), 0);
    now = cli_slurp(pth("keep"));
    cr_assert_eq(memcmp(now, before, (size_t)st.st_size), 0, "the existing pin's bytes changed");
    free(now);
}

Test(fullfs, pin_too_large_fails_enospc_leaving_nothing)
{
    static const struct {
        enum bpf_map_type type;
        uint32_t key, value, entries, flags;
    } big[] = {
        {BPF_MAP_TYPE_ARRAY, 4, 8, 1u << 16, 0},          /* 512 KiB of values */
        {BPF_MAP_TYPE_HASH, 4, 8, 1u << 14, 0},           /* preallocated elements */
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 64, 1u << 12, 0},  /* 2 workers x 256 KiB */
        {BPF_MAP_TYPE_HASH, 4, 8, 1u << 16, BPF_F_NO_PREALLOC}, /* 1 MiB of buckets */
    };
    struct bpfrt_map *keep;
    char *before, names[512];

    NEED_TMPFS();
    keep = pin_keep(&before);
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        struct bpfrt_map *m = mk(big[i].type, "big", big[i].key, big[i].value, big[i].entries, big[i].flags);
        uint32_t k = big[i].entries - 1;
        uint8_t v[256] = {7};
        int err;

        /* touch the far end, so the copy into the file reaches it */
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, big[i].type == BPF_MAP_TYPE_PERCPU_ARRAY ? 128 : big[i].value,
                                            0),
                     0);
        err = bpfrt_map__pin(m, pth("big"));
        cr_assert_eq(err, -ENOSPC, "map %zu: pin gave %d (%s)", i, err, bpfrt_pin_error());
        cr_assert(strstr(bpfrt_pin_error(), pth("big")), "message names the file: %s", bpfrt_pin_error());
        cr_assert(strstr(bpfrt_pin_error(), strerror(ENOSPC)), "message gives the reason: %s", bpfrt_pin_error());
        listing(names, sizeof(names));
        cr_assert_str_eq(names, "keep ", "files left behind: %s", names);
        /* the map itself is still usable, unpinned */
        cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, big[i].type == BPF_MAP_TYPE_PERCPU_ARRAY ? 128 : big[i].value,
                                            0),
                     0);
        bpfrt_map__free(m);
    }
    check_keep(before);
    bpfrt_map__free(keep);
    free(before);
}

/* A pinned NO_PREALLOC hash gets file blocks as elements are carved: when
 * the filesystem is full an insert fails (-ENOMEM, as the kernel's failed
 * element allocation), everything inserted stays, and a freed element is
 * reused without new blocks. */
Test(fullfs, nopalloc_hash_filling_fs_fails_updates)
{
    struct bpfrt_map *keep, *m, *q = NULL;
    uint8_t v[64];
    uint32_t k, n = 0;
    char *before;
    int err = 0;

    NEED_TMPFS();
    keep = pin_keep(&before);
    m = mk(BPF_MAP_TYPE_HASH, "grow", 4, sizeof(v), 4096, BPF_F_NO_PREALLOC); /* 450 KiB of elements */
    cr_assert_eq(bpfrt_map__pin(m, pth("grow")), 0, "%s", bpfrt_pin_error());
    for (k = 0; k < 4096; k++) {
        memset(v, (int)k, sizeof(v));
        err = bpfrt_map__update_elem(m, &k, 4, v, sizeof(v), 0);
        if (err)
            break;
        n++;
    }
    cr_assert_eq(err, -ENOMEM, "insert %u of a full filesystem gave %d", k, err);
    cr_assert_gt(n, 100, "only %u inserts before the filesystem was full", n);
    /* what was inserted is there, from another opener too */
    cr_assert_eq(bpfrt_map__open_pinned(pth("grow"), &q), 0, "%s", bpfrt_pin_error());
    for (k = 0; k < n; k++) {
        uint8_t got[64];
        cr_assert_eq(bpfrt_map__lookup_elem(q, &k, 4, got, sizeof(got), 0), 0, "key %u", k);
        cr_assert_eq(got[63], (uint8_t)k);
    }
    k = n;
    cr_assert_eq(bpfrt_map__update_elem(q, &k, 4, v, sizeof(v), 0), -ENOMEM);
    /* a deleted element makes room again */
    k = 0;
    cr_assert_eq(bpfrt_map__delete_elem(q, &k, 4, 0), 0);
    k = n;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, v, sizeof(v), 0), 0);
    bpfrt_map__free(q);
    bpfrt_map__free(m);
    check_keep(before);
    bpfrt_map__free(keep);
    free(before);
}

/* The same for an LPM trie, whose nodes are carved on demand. */
Test(fullfs, lpm_filling_fs_fails_updates)
{
    struct {
        uint32_t plen;
        uint8_t data[4];
    } key = {32, {0}};
    struct bpfrt_map *m;
    uint64_t v[8] = {0}, got[8];
    uint32_t i, n = 0;
    int err = 0;

    NEED_TMPFS();
    m = mk(BPF_MAP_TYPE_LPM_TRIE, "lpm", sizeof(key), sizeof(v), 1u << 20, BPF_F_NO_PREALLOC);
    cr_assert_eq(bpfrt_map__pin(m, pth("lpm")), 0, "%s", bpfrt_pin_error());
    for (i = 0; i < (1u << 20); i++) {
        memcpy(key.data, &i, 4);
        v[0] = i;
        err = bpfrt_map__update_elem(m, &key, sizeof(key), v, sizeof(v), 0);
        if (err)
            break;
        n++;
    }
    cr_assert_eq(err, -ENOMEM, "insert %u of a full filesystem gave %d", i, err);
    cr_assert_gt(n, 100);
    for (i = 0; i < n; i += 7) {
        memcpy(key.data, &i, 4);
        cr_assert_eq(bpfrt_map__lookup_elem(m, &key, sizeof(key), got, sizeof(got), 0), 0, "prefix %u", i);
        cr_assert_eq(got[0], i);
    }
    bpfrt_map__free(m);
}

/* The command: `map create` on a full state directory says Error: naming
 * the file and the reason, exits non-zero, leaves no file. */
Test(fullfs, cli_map_create_on_full_fs)
{
    struct out r;
    char names[512];

    NEED_TMPFS();
    r = cli_sh("BPFRT_FS='%s' %s map create %s/big type array key 4 value 8 entries 100000 name big", dir, cli_bin(),
               dir);
    cr_assert_neq(r.status, 0, "stdout: %s\nstderr: %s", r.stdout_, r.stderr_);
    cr_assert(strstr(r.stderr_, "Error:"), "%s", r.stderr_);
    cr_assert(strstr(r.stderr_, "No space left on device"), "%s", r.stderr_);
    cr_assert(strstr(r.stderr_, "/big"), "%s", r.stderr_);
    listing(names, sizeof(names));
    cr_assert_str_eq(names, "", "files left behind: %s", names);
    free(r.stdout_);
    free(r.stderr_);
    /* a map that fits still works */
    r = cli_sh("BPFRT_FS='%s' %s map create %s/small type hash key 4 value 8 entries 16 name small", dir, cli_bin(),
               dir);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    free(r.stdout_);
    free(r.stderr_);
}
