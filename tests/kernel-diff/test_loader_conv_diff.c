/* test_loader_conv_diff.c - objects that lean on their loader's
 * conventions (issue 9, part 8), loaded by libbpf into the running kernel
 * and by bpfrt, map by map: type, key and value size, max_entries, flags
 * and whether the map carries BTF key/value types must be equal.
 *
 *   tests/data/bpf/conv_maps.c  max_entries left 0 and set by the user
 *     (bpf_map__set_max_entries / the open option map_max_entries), a
 *     resized hash, perf event arrays filled with one slot per CPU
 *     (libbpf's map_set_def_max_entries; bpfrt's worker count is set to
 *     libbpf's possible-CPU count so that the two must agree), ring
 *     buffer sizes rounded up (libbpf's adjust_ringbuf_sz), key/value
 *     types dropped for devmap, cpumap, queue and perf event array
 *     (libbpf's bpf_object__create_map);
 *   tests/data/bpf/conv_net.c   sockmap, sockhash, sk_storage (BTF and
 *     BPF_F_NO_PREALLOC, the kernel's bpf_local_storage_map_alloc_check),
 *     reuseport_sockarray;
 *   tests/data/bpf/conv_bad.c   definitions the kernel refuses: both
 *     loaders must fail, with the same errno.
 *
 * Skips (saying so) where bpf() is unavailable. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "../unit/bpf_build.h"

#define OBJDIR "build/tests/loader_conv"

static const struct bpfrt_map_max_entries user_max[] = {
    {"arr0", 7}, {"pcpu0", 3}, {"resized", 100}, {"rb_set", 10000},
};
#define NR_USER_MAX (sizeof(user_max) / sizeof(user_max[0]))

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level, (void)fmt, (void)ap;
    return 0;
}

/* libbpf's load of obj into the kernel with the user's sizes; the object
 * (loaded) or NULL with *err set. */
static struct bpf_object *kernel_load(const char *path, int set_max, int *err)
{
    struct bpf_object *k;

    libbpf_set_print(quiet);
    k = bpf_object__open_file(path, NULL);
    cr_assert_not_null(k, "libbpf cannot open %s", path);
    for (size_t i = 0; set_max && i < NR_USER_MAX; i++) {
        struct bpf_map *m = bpf_object__find_map_by_name(k, user_max[i].name);
        cr_assert_not_null(m, "libbpf: no map %s", user_max[i].name);
        cr_assert_eq(bpf_map__set_max_entries(m, user_max[i].max_entries), 0);
    }
    *err = bpf_object__load(k);
    if (*err) {
        bpf_object__close(k);
        return NULL;
    }
    return k;
}

static struct bpfrt_object *bpfrt_load(const char *path, int set_max, int *err, char *log, size_t logsz)
{
    BPFRT_OPTS(bpfrt_object_open_opts, o, .log_buf = log, .log_size = logsz,
               .map_max_entries = set_max ? user_max : NULL, .nr_map_max_entries = set_max ? NR_USER_MAX : 0);
    struct bpfrt_object *b = NULL;

    *err = bpfrt_object__open_file(path, &o, &b);
    cr_assert_eq(*err, 0, "bpfrt cannot open %s: %s", path, log);
    *err = bpfrt_object__load(b);
    if (*err) {
        bpfrt_object__close(b);
        return NULL;
    }
    return b;
}

static int kernel_available(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* Every map of the kernel's object against bpfrt's of the same name;
 * returns how many were compared. */
static int compare_maps(struct bpf_object *k, struct bpfrt_object *b)
{
    struct bpf_map *km;
    int n = 0;

    bpf_object__for_each_map(km, k)
    {
        struct bpf_map_info info = {0};
        uint32_t len = sizeof(info);
        const char *name = bpf_map__name(km);
        struct bpfrt_map *bm = bpfrt_object__find_map_by_name(b, name);

        cr_assert_eq(bpf_obj_get_info_by_fd(bpf_map__fd(km), &info, &len), 0, "info of %s", name);
        cr_assert_not_null(bm, "bpfrt has no map '%s'", name);
        cr_expect_eq(bpfrt_map__type(bm), info.type, "%s: type %u, kernel %u", name, bpfrt_map__type(bm), info.type);
        cr_expect_eq(bpfrt_map__key_size(bm), info.key_size, "%s: key_size %u, kernel %u", name,
                     bpfrt_map__key_size(bm), info.key_size);
        cr_expect_eq(bpfrt_map__value_size(bm), info.value_size, "%s: value_size %u, kernel %u", name,
                     bpfrt_map__value_size(bm), info.value_size);
        cr_expect_eq(bpfrt_map__max_entries(bm), info.max_entries, "%s: max_entries %u, kernel %u", name,
                     bpfrt_map__max_entries(bm), info.max_entries);
        cr_expect_eq(bpfrt_map__map_flags(bm), info.map_flags, "%s: map_flags %#x, kernel %#x", name,
                     bpfrt_map__map_flags(bm), info.map_flags);
        cr_expect_eq(!!bpfrt_map__btf_key_type_id(bm), !!info.btf_key_type_id, "%s: BTF key type %u, kernel %u",
                     name, bpfrt_map__btf_key_type_id(bm), info.btf_key_type_id);
        cr_expect_eq(!!bpfrt_map__btf_value_type_id(bm), !!info.btf_value_type_id,
                     "%s: BTF value type %u, kernel %u", name, bpfrt_map__btf_value_type_id(bm),
                     info.btf_value_type_id);
        n++;
    }
    return n;
}

static void same_maps(const char *name, int nmaps)
{
    char src[128], log[4096] = "";
    const char *obj;
    struct bpf_object *k;
    struct bpfrt_object *b;
    int kerr, berr;

    if (!kernel_available())
        cr_skip("bpf() unavailable: %s not compared with the kernel", name);
    snprintf(src, sizeof(src), "tests/data/bpf/%s.c", name);
    obj = test_bpf_build(src, OBJDIR, name, "");
    /* one slot per CPU on both sides: bpfrt's workers as libbpf's CPUs */
    bpfrt_set_nr_workers((uint32_t)libbpf_num_possible_cpus());
    k = kernel_load(obj, !strcmp(name, "conv_maps"), &kerr);
    cr_assert_not_null(k, "the kernel refused %s: %d", name, kerr);
    b = bpfrt_load(obj, !strcmp(name, "conv_maps"), &berr, log, sizeof(log));
    cr_assert_not_null(b, "bpfrt refused %s: %d %s", name, berr, log);
    cr_expect_eq(compare_maps(k, b), nmaps);
    bpfrt_object__close(b);
    bpf_object__close(k);
    bpfrt_set_nr_workers(0);
}

/* libbpf's bpf_map__set_max_entries and the open option, max_entries 0
 * filled per CPU for perf event arrays, ring buffer sizes, BTF types
 * dropped (libbpf's bpf_object__create_map, the kernel's map_create). */
Test(loader_conv_diff, user_sizes_and_dropped_types_as_libbpf)
{
    same_maps("conv_maps", 10);
}

/* sockmap, sockhash, sk_storage (NO_PREALLOC, BTF key/value, max_entries
 * 0), reuseport_sockarray: the kernel's sock_map_alloc,
 * bpf_local_storage_map_alloc_check, reuseport_array_alloc_check. */
Test(loader_conv_diff, socket_maps_as_the_kernel)
{
    same_maps("conv_net", 4);
}

/* Without the user's sizes conv_maps is refused by both (arr0: the
 * kernel's array_map_alloc_check, max_entries 0 -> -EINVAL), and bpfrt's
 * message says how to set it. */
Test(loader_conv_diff, max_entries_zero_refused_as_the_kernel)
{
    char log[4096] = "";
    const char *obj;
    int kerr, berr;

    if (!kernel_available())
        cr_skip("bpf() unavailable: max_entries 0 not compared with the kernel");
    obj = test_bpf_build("tests/data/bpf/conv_maps.c", OBJDIR, "conv_maps", "");
    cr_assert_null(kernel_load(obj, 0, &kerr));
    cr_assert_null(bpfrt_load(obj, 0, &berr, log, sizeof(log)));
    cr_expect_eq(berr, kerr, "bpfrt %d, kernel %d", berr, kerr);
    cr_expect(strstr(log, "map 'arr0'") && strstr(log, "map name NAME max_entries N"), "log: %s", log);
}

static void both_refuse(const char *def, const char *why)
{
    char name[64], flag[64], log[4096] = "";
    const char *obj;
    int kerr, berr;

    if (!kernel_available())
        cr_skip("bpf() unavailable: %s not compared with the kernel", def);
    snprintf(name, sizeof(name), "conv_bad_%s", def);
    snprintf(flag, sizeof(flag), "-DBAD_%s", def);
    obj = test_bpf_build("tests/data/bpf/conv_bad.c", OBJDIR, name, flag);
    cr_assert_null(kernel_load(obj, 0, &kerr), "the kernel accepted %s", def);
    cr_assert_null(bpfrt_load(obj, 0, &berr, log, sizeof(log)), "bpfrt accepted %s", def);
    cr_expect_eq(berr, kerr, "%s: bpfrt %d, kernel %d (%s)", def, berr, kerr, log);
    cr_expect(strstr(log, "map 'bad'") != NULL, "%s: the message names the map: %s", def, log);
    if (why)
        cr_expect(strstr(log, why) != NULL, "%s: the message says '%s': %s", def, why, log);
}

/* The kernel's rules, whatever the loader does: max_entries 0 on a hash
 * (htab_map_alloc_check), a ring buffer with key and value types (libbpf
 * 1.1 passes their sizes; ringbuf_map_alloc wants 0), an 8-byte perf
 * event array key, sk_storage without BPF_F_NO_PREALLOC or with
 * max_entries, sockmap keys other than 4 bytes, sockhash values other than
 * 4 or 8, an sk_storage key that is not a 32-bit int
 * (bpf_local_storage_map_check_btf). */
Test(loader_conv_diff, refused_as_the_kernel)
{
    both_refuse("HASH0", "max_entries 0 is left for the loader");
    both_refuse("RB_KV", "a ring buffer has no key or value");
    both_refuse("PEA_KEY8", NULL);
    both_refuse("SK_PREALLOC", NULL);
    both_refuse("SK_ENTRIES", NULL);
    both_refuse("SK_KEY_STRUCT", NULL);
    both_refuse("SOCKMAP_KEY8", NULL);
    both_refuse("SOCKHASH_VAL2", NULL);
}
