/* test_sockmaps.c - the socket and cgroup map types (src/maps/sockmaps.c):
 * created with the kernel's attribute checks so that objects declaring
 * them load and their programs verify (test_real_objects.c: 50 selftest
 * programs were "cannot verify" before), always empty because bpfrt has
 * no sockets or cgroups.  Creation is compared with the running kernel's
 * BPF_MAP_CREATE where bpf() is available. */
#include <bpf/bpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

#define ENOTSUPP 524

struct attrs {
    enum bpf_map_type type;
    uint32_t key, value, max, flags;
    int btf; /* sk_storage: needs BTF key/value ids (bpfrt: any nonzero id) */
};

static int rt_create(const struct attrs *a, struct bpfrt_map **m)
{
    static char log[256];
    BPFRT_OPTS(bpfrt_map_create_opts, o, .map_flags = a->flags, .log_buf = log, .log_size = sizeof(log));

    if (a->btf)
        o.btf_key_type_id = o.btf_value_type_id = 1;
    *m = NULL;
    return bpfrt_map__create(a->type, "s", a->key, a->value, a->max, &o, m);
}

/* The kernel's verdict on the same attributes (without BTF: not for
 * sk_storage), or 1 when there is no kernel to ask. */
static int kernel_create(const struct attrs *a)
{
    LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = a->flags);
    int fd;

    if (a->btf)
        return 1;
    fd = bpf_map_create(a->type, NULL, a->key, a->value, a->max, &o);
    if (fd < 0)
        return errno == EPERM ? 1 : -errno;
    close(fd);
    return 0;
}

/* sock_map_alloc, sock_hash_alloc, reuseport_array_alloc_check,
 * bpf_local_storage_map_alloc_check, cgroup_storage_map_alloc */
static const struct {
    struct attrs a;
    int err;
} creations[] = {
    {{BPF_MAP_TYPE_SOCKMAP, 4, 4, 8, 0, 0}, 0},
    {{BPF_MAP_TYPE_SOCKMAP, 4, 8, 8, 0, 0}, 0},
    {{BPF_MAP_TYPE_SOCKMAP, 4, 16, 8, 0, 0}, -EINVAL}, /* value: a u32 fd or a u64 cookie */
    {{BPF_MAP_TYPE_SOCKMAP, 8, 4, 8, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_SOCKMAP, 4, 4, 0, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_SOCKMAP, 4, 4, 8, BPF_F_NO_PREALLOC, 0}, -EINVAL},
    {{BPF_MAP_TYPE_SOCKHASH, 16, 8, 8, 0, 0}, 0},
    {{BPF_MAP_TYPE_SOCKHASH, 0, 8, 8, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_SOCKHASH, 16, 2, 8, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 8, 8, 0, 0}, 0},
    {{BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 2, 8, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 16, 64, 0, 0, 0}, 0},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 8, 64, 0, 0, 0}, 0},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 12, 64, 0, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 16, 0, 0, 0, 0}, -EINVAL},
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 16, 64, 1, 0, 0}, -EINVAL}, /* max_entries must be 0 */
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 16, 65279, 0, 0, 0}, 0},     /* netcnt_prog.c's value */
    {{BPF_MAP_TYPE_CGROUP_STORAGE, 16, 65535, 0, 0, 0}, -E2BIG},
    {{BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, 16, 32768, 0, 0, 0}, 0},
    {{BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, 16, 32769, 0, 0, 0}, -E2BIG},
    {{BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, 1}, 0},
    {{BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, 0, 1}, -EINVAL},                 /* BPF_F_NO_PREALLOC required */
    {{BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, 0}, -EINVAL}, /* BTF required */
    {{BPF_MAP_TYPE_SK_STORAGE, 4, 8, 1, BPF_F_NO_PREALLOC, 1}, -EINVAL},
    {{BPF_MAP_TYPE_SK_STORAGE, 8, 8, 0, BPF_F_NO_PREALLOC, 1}, -EINVAL},
};

Test(sockmaps, creation_checks_as_the_kernel)
{
    size_t i;

    for (i = 0; i < sizeof(creations) / sizeof(creations[0]); i++) {
        const struct attrs *a = &creations[i].a;
        struct bpfrt_map *m;
        int err = rt_create(a, &m), k = kernel_create(a);

        cr_expect_eq(err, creations[i].err, "case %zu (type %d key %u value %u max %u flags 0x%x): %d, expected %d",
                     i, a->type, a->key, a->value, a->max, a->flags, err, creations[i].err);
        if (k != 1)
            cr_expect_eq(err, k, "case %zu (type %d key %u value %u max %u): bpfrt %d, kernel %d", i, a->type, a->key,
                         a->value, a->max, err, k);
        bpfrt_map__free(m);
    }
}

/* Empty maps answer as the kernel's empty maps; storing needs a socket (or
 * a cgroup storage made by attaching), which bpfrt does not have. */
Test(sockmaps, always_empty)
{
    struct bpfrt_map *m;
    uint32_t k = 0, nk = 7, v32 = 0;
    uint64_t v = 0;
    uint8_t ck[16] = {0};
    const struct attrs sm = {BPF_MAP_TYPE_SOCKMAP, 4, 8, 2, 0, 0}, sh = {BPF_MAP_TYPE_SOCKHASH, 4, 8, 2, 0, 0},
                       st = {BPF_MAP_TYPE_SK_STORAGE, 4, 8, 0, BPF_F_NO_PREALLOC, 1},
                       cg = {BPF_MAP_TYPE_CGROUP_STORAGE, 16, 8, 0, 0, 0};

    /* sockmap: indexes walk (sock_map_get_next_key), slots are empty */
    cr_assert_eq(rt_create(&sm, &m), 0);
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &nk, 4), 0);
    cr_expect_eq(nk, 0);
    cr_expect_eq(bpfrt_map__get_next_key(m, &nk, &nk, 4), 0);
    cr_expect_eq(nk, 1);
    cr_expect_eq(bpfrt_map__get_next_key(m, &nk, &nk, 4), -ENOENT);
    cr_expect_eq(bpfrt_map__update_elem(m, &k, 4, &v, 8, BPF_ANY), -EOPNOTSUPP, "needs a socket fd");
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -EINVAL); /* __sock_map_delete: no socket there */
    bpfrt_map__free(m);
    /* sock_map_lookup_sys: the cookie needs an 8-byte value */
    {
        const struct attrs sm4 = {BPF_MAP_TYPE_SOCKMAP, 4, 4, 2, 0, 0};
        cr_assert_eq(rt_create(&sm4, &m), 0);
        cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &v32, 4, 0), -ENOSPC);
        bpfrt_map__free(m);
    }

    cr_assert_eq(rt_create(&sh, &m), 0);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &nk, 4), -ENOENT);
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), -ENOENT);
    cr_expect_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -ENOENT);
    bpfrt_map__free(m);

    cr_assert_eq(rt_create(&st, &m), 0);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, &nk, 4), -ENOTSUPP); /* notsupp_get_next_key */
    cr_expect_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 0), -EOPNOTSUPP, "the key is a socket's fd");
    bpfrt_map__free(m);

    cr_assert_eq(rt_create(&cg, &m), 0);
    cr_expect_eq(bpfrt_map__get_next_key(m, NULL, ck, 16), -ENOENT);
    cr_expect_eq(bpfrt_map__update_elem(m, ck, 16, &v, 8, BPF_ANY), -ENOENT); /* no storage for that cgroup */
    bpfrt_map__free(m);
}
