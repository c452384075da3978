/* test_maps.c - the map core and the hash, array and LRU families: creation
 * checks, every flag and errno of the user-space commands, program-side
 * ops (pointers into values, per-CPU slots), LRU eviction, batches, ids,
 * mmap, freeze, and a multi-threaded stress test checking invariants. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "maps/map.h"

#define ENOTSUPP_K 524

static struct bpfrt_map *mk(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags,
                            uint32_t workers)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = flags, .nr_workers = workers};
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(t, "t", ks, vs, me, &o, &m);
    cr_assert_eq(err, 0, "create type %d: %d", t, err);
    cr_assert_not_null(m);
    return m;
}

static int create_err(enum bpf_map_type t, uint32_t ks, uint32_t vs, uint32_t me, uint32_t flags)
{
    char log[128] = "";
    struct bpfrt_map_create_opts o = {
        .sz = sizeof(o), .map_flags = flags, .nr_workers = 2, .log_buf = log, .log_size = sizeof(log)};
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(t, "t", ks, vs, me, &o, &m);
    if (!err)
        bpfrt_map__free(m);
    else
        cr_assert_neq(log[0], 0, "a failed creation says why");
    return err;
}

static int upd(struct bpfrt_map *m, uint32_t k, uint64_t v, uint64_t fl)
{
    return bpfrt_map__update_elem(m, &k, 4, &v, 8, fl);
}

static int get(struct bpfrt_map *m, uint32_t k, uint64_t *v)
{
    return bpfrt_map__lookup_elem(m, &k, 4, v, 8, 0);
}

/* ---- creation ------------------------------------------------------------- */

Test(maps, create_errors)
{
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 0, 8, 4, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 0, 4, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 0, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, 1u << 20), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 4194252, 1, 0), -E2BIG);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, (1u << 27) + 1, BPF_F_NO_PREALLOC), -E2BIG);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_MMAPABLE), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 4, 0), -E2BIG);
    cr_assert_eq(create_err(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, BPF_F_NUMA_NODE), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_PREALLOC), -ENOTSUPP_K);
    cr_assert_eq(create_err(BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 8, 8, 4, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 0, 0), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_NO_PREALLOC), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_ZERO_SEED), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_PRESERVE_ELEMS), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, BPF_F_MMAPABLE), -EINVAL);
    cr_assert_eq(create_err(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 4, 0), -E2BIG);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG), 0);
    cr_assert_eq(create_err(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP), 0);
    cr_assert_eq(create_err(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC), 0);
    cr_assert_eq(create_err((enum bpf_map_type)99, 4, 8, 4, 0), -EINVAL);
}

Test(maps, create_name_and_extra)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_extra = 1};
    struct bpfrt_map *m = NULL;

    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "bad-name", 4, 4, 4, NULL, &m), -EINVAL);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "x", 4, 4, 4, &o, &m), -EINVAL);
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "a.b_C9", 4, 4, 4, NULL, &m), 0);
    cr_assert_str_eq(bpfrt_map__name(m), "a.b_C9");
    cr_assert_eq(bpfrt_map__type(m), BPF_MAP_TYPE_HASH);
    cr_assert_eq(bpfrt_map__key_size(m), 4);
    cr_assert_eq(bpfrt_map__value_size(m), 4);
    cr_assert_eq(bpfrt_map__max_entries(m), 4);
    bpfrt_map__free(m);
}

Test(maps, ids_unique_from_1)
{
    struct bpfrt_map *a = mk(BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 1), *b = mk(BPF_MAP_TYPE_HASH, 4, 4, 1, 0, 1);
    cr_assert_geq(bpfrt_map__id(a), 1);
    cr_assert_neq(bpfrt_map__id(a), bpfrt_map__id(b));
    cr_assert_gt(bpfrt_map__id(b), bpfrt_map__id(a));
    bpfrt_map__free(a);
    bpfrt_map__free(b);
}

Test(maps, nr_workers_default_and_set)
{
    struct bpfrt_map *m;
    uint32_t def = bpfrt_nr_workers();

    cr_assert_eq(def, (uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
    bpfrt_set_nr_workers(3);
    cr_assert_eq(bpfrt_nr_workers(), 3);
    m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2, 0, 0);
    {
        uint64_t v[3];
        uint32_t k = 0;
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, v, sizeof(v), 0), 0);
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, v, 16, 0), -EINVAL);
    }
    bpfrt_map__free(m);
    bpfrt_set_nr_workers(0);
    cr_assert_eq(bpfrt_nr_workers(), def);
}

Test(maps, unavailable_type_is_eopnotsupp_or_works)
{
    struct bpfrt_map *m = NULL;
    int err = bpfrt_map__create(BPF_MAP_TYPE_SOCKMAP, "s", 4, 4, 4, NULL, &m);
    cr_assert(err == -EOPNOTSUPP || err == 0 || err == -EINVAL);
    bpfrt_map__free(m);
}

/* ---- arrays ---------------------------------------------------------------- */

Test(maps, array_semantics)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 2);
    uint64_t v = 0;
    uint32_t k = 0, nk;

    cr_assert_eq(get(m, 2, &v), 0);
    cr_assert_eq(v, 0, "arrays start zeroed");
    cr_assert_eq(upd(m, 2, 42, BPF_ANY), 0);
    cr_assert_eq(upd(m, 2, 43, BPF_EXIST), 0);
    cr_assert_eq(upd(m, 2, 44, BPF_NOEXIST), -EEXIST);
    cr_assert_eq(upd(m, 4, 1, BPF_ANY), -E2BIG);
    cr_assert_eq(upd(m, 1, 1, 3), -EINVAL);
    cr_assert_eq(upd(m, 1, 1, BPF_F_LOCK), -EINVAL, "no spin lock without BTF");
    cr_assert_eq(get(m, 2, &v), 0);
    cr_assert_eq(v, 43);
    cr_assert_eq(get(m, 4, &v), -ENOENT);
    k = 2;
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -EINVAL);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &v, 8, 0), -ENOTSUPP_K);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 8, 1), -EINVAL);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 3, &v, 8, 0), -EINVAL, "wrong key size");
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, &v, 4, 0), -EINVAL, "wrong value size");
    /* get_next_key: NULL or out of range -> 0, then 1.., -ENOENT after the last */
    cr_assert_eq(bpfrt_map__get_next_key(m, NULL, &nk, 4), 0);
    cr_assert_eq(nk, 0);
    k = 1;
    cr_assert_eq(bpfrt_map__get_next_key(m, &k, &nk, 4), 0);
    cr_assert_eq(nk, 2);
    k = 3;
    cr_assert_eq(bpfrt_map__get_next_key(m, &k, &nk, 4), -ENOENT);
    k = 100;
    cr_assert_eq(bpfrt_map__get_next_key(m, &k, &nk, 4), 0);
    cr_assert_eq(nk, 0);
    cr_assert_null(bpfrt_map__mmap(m, NULL), "not mmapable");
    bpfrt_map__free(m);
}

Test(maps, array_program_side)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 2);
    uint32_t k = 1;
    uint64_t v = 7, out;
    uint64_t *p;

    p = m->ops->lookup(m, &k, 0);
    cr_assert_not_null(p);
    *p = 99; /* a program writes through the pointer */
    cr_assert_eq(get(m, 1, &out), 0);
    cr_assert_eq(out, 99);
    cr_assert_eq(m->ops->update(m, &k, &v, BPF_ANY, 1), 0);
    cr_assert_eq(*p, 7);
    k = 9;
    cr_assert_null(m->ops->lookup(m, &k, 0));
    cr_assert_eq(m->ops->delete (m, &k, 0), -EINVAL);
    bpfrt_map__free(m);
}

Test(maps, percpu_array_layout)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 2, 0, 3);
    uint8_t buf[3 * 16], out[3 * 16];
    uint32_t k = 1;
    uint8_t v[12] = {0xcd, 0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    uint8_t *slot;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, buf, sizeof(buf), BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, buf, sizeof(buf), BPF_NOEXIST), -EEXIST);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, buf, 36, BPF_ANY), -EINVAL, "value is 3 x round_up(12, 8)");
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(memcmp(buf, out, sizeof(buf)), 0, "slots of 16 bytes, padding kept as the kernel does");
    slot = m->ops->lookup(m, &k, 2);
    cr_assert_eq(slot, (uint8_t *)m->ops->lookup(m, &k, 0) + 32, "worker 2's slot");
    cr_assert_eq(m->ops->update(m, &k, v, BPF_ANY, 1), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(memcmp(out + 16, v, 12), 0, "program update writes its worker's slot only");
    cr_assert_eq(memcmp(out, buf, 16), 0);
    cr_assert_eq(memcmp(out + 32, buf + 32, 16), 0);
    k = 2;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, buf, sizeof(buf), BPF_ANY), -E2BIG);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), -ENOENT);
    bpfrt_map__free(m);
}

Test(maps, array_mmap_and_freeze)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 12, 5, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG, 1);
    size_t sz = 0;
    uint8_t *area = bpfrt_map__mmap(m, &sz), val[12] = {1, 2, 3}, out[12];
    uint32_t k = 3;

    cr_assert_not_null(area);
    cr_assert_eq(((uintptr_t)area) & 4095, 0, "page aligned");
    cr_assert_geq(sz, 5 * 16);
    cr_assert_eq(sz % 4096, 0);
    area[3 * 16 + 1] = 77; /* values are round_up(12, 8) apart, as the kernel maps them */
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, 12, 0), 0);
    cr_assert_eq(out[1], 77);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 12, 0), 0);
    cr_assert_eq(area[3 * 16 + 1], 2);
    cr_assert_eq(bpfrt_map__freeze(m), 0);
    cr_assert_eq(bpfrt_map__freeze(m), -EPERM, "frozen: no write access left, as the kernel");
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 12, 0), -EPERM);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, 12, 0), 0);
    cr_assert(bpfrt_map__map_flags(m) & BPF_F_RDONLY_PROG, "kept for the verifier");
    /* programs still write a frozen map unless RDONLY_PROG (the verifier's business) */
    cr_assert_eq(m->ops->update(m, &k, val, 0, 0), 0);
    bpfrt_map__free(m);
}

Test(maps, rdonly_wronly)
{
    struct bpfrt_map *r = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RDONLY, 1);
    struct bpfrt_map *w = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_WRONLY, 1);
    uint32_t k = 1, nk;
    uint64_t v = 1;

    cr_assert_eq(upd(r, 1, 1, 0), -EPERM);
    cr_assert_eq(bpfrt_map__delete_elem(r, &k, 4, 0), -EPERM);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(r, &k, 4, &v, 8, 0), -EPERM);
    cr_assert_eq(get(r, 1, &v), -ENOENT);
    cr_assert_eq(bpfrt_map__freeze(r), -EPERM);
    cr_assert_eq(r->ops->update(r, &k, &v, BPF_ANY, 0), 0, "programs may write a BPF_F_RDONLY map");
    cr_assert_eq(upd(w, 1, 1, 0), 0);
    cr_assert_eq(get(w, 1, &v), -EPERM);
    cr_assert_eq(bpfrt_map__lookup_elem(w, &k, 4, &v, 8, BPF_F_LOCK), -EPERM, "EPERM before the lock check");
    cr_assert_eq(bpfrt_map__get_next_key(w, NULL, &nk, 4), -EPERM);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(w, &k, 4, &v, 8, 0), -EPERM);
    cr_assert_eq(bpfrt_map__delete_elem(w, &k, 4, 0), 0);
    bpfrt_map__free(r);
    bpfrt_map__free(w);
}

/* ---- hash maps -------------------------------------------------------------- */

static void hash_basics(uint32_t flags)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, flags, 2);
    uint64_t v = 0;
    uint32_t k, nk, seen = 0, n = 0;

    cr_assert_eq(upd(m, 1, 10, BPF_EXIST), -ENOENT);
    cr_assert_eq(upd(m, 1, 10, BPF_NOEXIST), 0);
    cr_assert_eq(upd(m, 1, 11, BPF_NOEXIST), -EEXIST);
    cr_assert_eq(upd(m, 1, 12, BPF_EXIST), 0);
    cr_assert_eq(upd(m, 1, 12, 3), -EINVAL);
    cr_assert_eq(upd(m, 1, 12, BPF_F_LOCK), -EINVAL);
    cr_assert_eq(get(m, 1, &v), 0);
    cr_assert_eq(v, 12);
    cr_assert_eq(upd(m, 2, 20, BPF_ANY), 0);
    cr_assert_eq(upd(m, 3, 30, BPF_ANY), 0);
    cr_assert_eq(upd(m, 4, 40, BPF_ANY), 0);
    cr_assert_eq(upd(m, 5, 50, BPF_ANY), -E2BIG, "full");
    cr_assert_eq(upd(m, 4, 41, BPF_ANY), 0, "a full map still replaces");
    cr_assert_eq(upd(m, 4, 42, BPF_EXIST), 0);
    cr_assert_eq(get(m, 4, &v), 0);
    cr_assert_eq(v, 42);
    /* walk: NULL -> first; each key once; -ENOENT after the last */
    for (int rc = bpfrt_map__get_next_key(m, NULL, &nk, 4); !rc; rc = bpfrt_map__get_next_key(m, &k, &nk, 4)) {
        cr_assert(nk >= 1 && nk <= 4);
        cr_assert_eq(seen & (1u << nk), 0, "key %u twice", nk);
        seen |= 1u << nk;
        k = nk;
        n++;
    }
    cr_assert_eq(n, 4);
    k = 77; /* missing key -> the first key */
    cr_assert_eq(bpfrt_map__get_next_key(m, &k, &nk, 4), 0);
    cr_assert_eq(bpfrt_map__get_next_key(m, NULL, &k, 4), 0);
    cr_assert_eq(nk, k);
    k = 2;
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), 0);
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 0), -ENOENT);
    cr_assert_eq(bpfrt_map__delete_elem(m, &k, 4, 1), -EINVAL);
    k = 3;
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &v, 8, 0), 0);
    cr_assert_eq(v, 30);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &v, 8, 0), -ENOENT);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, &v, 8, BPF_F_LOCK), -EINVAL);
    cr_assert_eq(upd(m, 5, 50, BPF_ANY), 0, "room again");
    cr_assert_eq(upd(m, 6, 60, BPF_ANY), 0);
    cr_assert_eq(upd(m, 7, 70, BPF_ANY), -E2BIG);
    bpfrt_map__free(m);
}

Test(maps, hash_semantics)
{
    hash_basics(0);
}

Test(maps, hash_no_prealloc)
{
    hash_basics(BPF_F_NO_PREALLOC);
}

Test(maps, hash_zero_seed_and_odd_keys)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, 7, 3, 64, BPF_F_ZERO_SEED, 1);
    uint8_t key[7], val[3], out[3];

    for (int i = 0; i < 64; i++) {
        memset(key, i, sizeof(key));
        memset(val, i + 1, sizeof(val));
        cr_assert_eq(bpfrt_map__update_elem(m, key, 7, val, 3, BPF_NOEXIST), 0);
    }
    for (int i = 0; i < 64; i++) {
        memset(key, i, sizeof(key));
        cr_assert_eq(bpfrt_map__lookup_elem(m, key, 7, out, 3, 0), 0);
        cr_assert_eq(out[2], i + 1);
    }
    bpfrt_map__free(m);
}

Test(maps, hash_program_side)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 2);
    uint32_t k = 5;
    uint64_t v = 1, *p, out;

    cr_assert_null(m->ops->lookup(m, &k, 0));
    cr_assert_eq(m->ops->update(m, &k, &v, BPF_NOEXIST, 1), 0);
    p = m->ops->lookup(m, &k, 0);
    cr_assert_not_null(p);
    __atomic_fetch_add(p, 5, __ATOMIC_RELAXED); /* bpf_map_lookup_elem + atomic add */
    cr_assert_eq(get(m, 5, &out), 0);
    cr_assert_eq(out, 6);
    cr_assert_eq(m->ops->delete (m, &k, 0), 0);
    cr_assert_eq(m->ops->delete (m, &k, 0), -ENOENT);
    bpfrt_map__free(m);
}

Test(maps, percpu_hash_layout)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0, 3);
    uint64_t all[3] = {1, 2, 3}, out[3];
    uint32_t k = 1, v = 9;
    uint32_t *slot;

    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, all, sizeof(all), BPF_ANY), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(memcmp(all, out, sizeof(all)), 0);
    slot = m->ops->lookup(m, &k, 2);
    cr_assert_eq(*slot, 3, "worker 2 sees its slot");
    cr_assert_eq(m->ops->update(m, &k, &v, BPF_EXIST, 1), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(out[0], 1);
    cr_assert_eq(out[1], 9);
    cr_assert_eq(out[2], 3);
    k = 2; /* a new element from a program: the other slots are zero */
    cr_assert_eq(m->ops->update(m, &k, &v, BPF_ANY, 2), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[1], 0);
    cr_assert_eq(out[2], 9);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, sizeof(out), BPF_F_LOCK), -EINVAL);
    cr_assert_eq(bpfrt_map__lookup_and_delete_elem(m, &k, 4, out, sizeof(out), 0), 0);
    cr_assert_eq(out[2], 9);
    bpfrt_map__free(m);
}

/* BPF_F_LOCK needs a struct bpf_spin_lock in the value, which only BTF can
 * say (the loader passes spin_lock_off to map_create). */
Test(maps, spin_lock_flag)
{
    struct map_attr attr = {.type = BPF_MAP_TYPE_HASH,
                            .key_size = 4,
                            .value_size = 16,
                            .max_entries = 4,
                            .nr_workers = 2,
                            .spin_lock_at = 1};
    struct bpfrt_map *m = NULL;
    uint32_t k = 1;
    uint32_t val[4] = {0xdead, 1, 2, 3}, out[4];

    cr_assert_eq(map_create(&attr, "locked", NULL, 0, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 16, BPF_F_LOCK), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 16, BPF_F_LOCK | BPF_NOEXIST), -EEXIST);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, 16, BPF_F_LOCK), 0);
    cr_assert_eq(out[0], 0, "the lock word reads as 0 in user space");
    cr_assert_eq(out[3], 3);
    val[3] = 33;
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 16, BPF_F_LOCK | BPF_EXIST), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, 16, 0), 0);
    cr_assert_eq(out[3], 33);
    cr_assert_eq(((uint32_t *)m->ops->lookup(m, &k, 0))[0], 0, "the lock is free afterwards");
    bpfrt_map__free(m);

    attr.type = BPF_MAP_TYPE_ARRAY;
    cr_assert_eq(map_create(&attr, "locked_arr", NULL, 0, &m), 0);
    cr_assert_eq(bpfrt_map__update_elem(m, &k, 4, val, 16, BPF_F_LOCK), 0);
    cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, out, 16, BPF_F_LOCK), 0);
    cr_assert_eq(out[3], 33);
    bpfrt_map__free(m);
}

/* ---- LRU ---------------------------------------------------------------------- */

Test(maps, lru_evicts_and_keeps_referenced)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0, 1);
    uint64_t v;
    uint32_t k, n = 0, nk;

    for (k = 0; k < 16; k++)
        cr_assert_eq(upd(m, k, k, BPF_NOEXIST), 0);
    /* a program looks up keys 0..3: referenced, they must survive */
    for (k = 0; k < 4; k++)
        cr_assert_not_null(m->ops->lookup(m, &k, 0));
    for (k = 100; k < 108; k++) {
        cr_assert_eq(upd(m, k, k, BPF_ANY), 0, "an LRU map is never full");
        cr_assert_eq(get(m, k, &v), 0, "the key just written is present");
    }
    for (k = 0; k < 4; k++)
        cr_assert_eq(get(m, k, &v), 0, "referenced key %u evicted", k);
    cr_assert_eq(get(m, 4, &v), -ENOENT, "least recently used key 4 survived");
    for (int rc = bpfrt_map__get_next_key(m, NULL, &nk, 4); !rc; rc = bpfrt_map__get_next_key(m, &k, &nk, 4)) {
        k = nk;
        n++;
    }
    cr_assert_eq(n, 16, "size stays max_entries");
    bpfrt_map__free(m);
}

Test(maps, lru_percpu_lists)
{
    struct bpfrt_map *m;
    uint64_t v = 1;
    uint32_t k;

    /* NO_COMMON_LRU rounds max_entries to a multiple of the workers */
    m = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 3, BPF_F_NO_COMMON_LRU, 2);
    cr_assert_eq(bpfrt_map__max_entries(m), 4);
    /* worker 1's list holds 2 elements: a third update from it evicts */
    for (k = 0; k < 3; k++)
        cr_assert_eq(m->ops->update(m, &k, &v, BPF_ANY, 1), 0);
    k = 0;
    cr_assert_null(m->ops->lookup(m, &k, 1), "evicted from worker 1's list");
    k = 2;
    cr_assert_not_null(m->ops->lookup(m, &k, 1));
    bpfrt_map__free(m);

    m = mk(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 8, 0, 2);
    k = 1;
    cr_assert_eq(m->ops->update(m, &k, &v, BPF_ANY, 1), 0);
    {
        uint64_t all[2];
        cr_assert_eq(bpfrt_map__lookup_elem(m, &k, 4, all, sizeof(all), 0), 0);
        cr_assert_eq(all[0], 0);
        cr_assert_eq(all[1], 1);
    }
    bpfrt_map__free(m);
}

/* ---- batches --------------------------------------------------------------------- */

Test(maps, batch_array)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 5, 0, 1);
    uint32_t keys[5] = {0, 1, 2, 3, 4}, out_keys[5], count, tok;
    uint64_t vals[5] = {10, 11, 12, 13, 14}, out_vals[5];

    count = 5;
    cr_assert_eq(bpfrt_map__update_batch(m, keys, vals, &count, NULL), 0);
    cr_assert_eq(count, 5);
    count = 3;
    cr_assert_eq(bpfrt_map__lookup_batch(m, NULL, &tok, out_keys, out_vals, &count, NULL), 0);
    cr_assert_eq(count, 3);
    cr_assert_eq(tok, 2, "token = last key");
    cr_assert_eq(out_vals[2], 12);
    count = 3;
    cr_assert_eq(bpfrt_map__lookup_batch(m, &tok, &tok, out_keys, out_vals, &count, NULL), -ENOENT);
    cr_assert_eq(count, 2);
    cr_assert_eq(out_keys[1], 4);
    count = 1;
    cr_assert_eq(bpfrt_map__delete_batch(m, keys, &count, NULL), -ENOTSUPP_K);
    cr_assert_eq(bpfrt_map__lookup_and_delete_batch(m, NULL, &tok, out_keys, out_vals, &count, NULL), -ENOTSUPP_K);
    keys[1] = 9; /* update stops at the first error */
    count = 5;
    cr_assert_eq(bpfrt_map__update_batch(m, keys, vals, &count, NULL), -E2BIG);
    cr_assert_eq(count, 1);
    bpfrt_map__free(m);
}

Test(maps, batch_hash)
{
    struct bpfrt_map *m = mk(BPF_MAP_TYPE_HASH, 4, 8, 64, 0, 1);
    uint32_t keys[40], out_keys[64], count, tok, total = 0, seen[40] = {0};
    uint64_t vals[40], out_vals[64];
    struct bpfrt_map_batch_opts bad = {.sz = sizeof(bad), .flags = 1};
    int rc;

    for (uint32_t i = 0; i < 40; i++)
        keys[i] = i, vals[i] = 1000 + i;
    count = 40;
    cr_assert_eq(bpfrt_map__update_batch(m, keys, vals, &count, NULL), 0);
    count = 8;
    cr_assert_eq(bpfrt_map__lookup_batch(m, NULL, &tok, out_keys, out_vals, &count, &bad), -EINVAL);
    /* walk in chunks: buckets are never split */
    rc = 0;
    for (int first = 1; rc == 0; first = 0) {
        count = 8;
        rc = bpfrt_map__lookup_batch(m, first ? NULL : &tok, &tok, out_keys, out_vals, &count, NULL);
        cr_assert(rc == 0 || rc == -ENOENT, "rc %d", rc);
        for (uint32_t i = 0; i < count; i++) {
            cr_assert_lt(out_keys[i], 40);
            cr_assert_eq(out_vals[i], 1000 + out_keys[i]);
            seen[out_keys[i]]++;
        }
        total += count;
    }
    cr_assert_eq(total, 40);
    for (int i = 0; i < 40; i++)
        cr_assert_eq(seen[i], 1);
    count = 64;
    cr_assert_eq(bpfrt_map__lookup_and_delete_batch(m, NULL, &tok, out_keys, out_vals, &count, NULL), -ENOENT);
    cr_assert_eq(count, 40);
    cr_assert_eq(bpfrt_map__get_next_key(m, NULL, &tok, 4), -ENOENT, "all deleted");
    count = 2;
    cr_assert_eq(bpfrt_map__delete_batch(m, keys, &count, NULL), -ENOENT);
    cr_assert_eq(count, 0);
    bpfrt_map__free(m);
}

/* ---- concurrency ------------------------------------------------------------------- */

#define NKEYS 512
#define ITERS 200000

struct stress {
    struct bpfrt_map *m;
    int id;
    volatile int stop;
    unsigned long walks, bad, recycled;
};

/* value = key * 3 + generation: a lookup must always see a value of its key */
static void *writer(void *arg)
{
    struct stress *s = arg;
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(s->id + 1);

    for (int i = 0; i < ITERS; i++) {
        uint32_t k, r;
        uint64_t v, *p;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        k = (uint32_t)(x % NKEYS), r = (uint32_t)(x >> 40) % 10;
        v = (uint64_t)k << 32 | (uint32_t)i;
        if (r < 4) {
            long rc = s->m->ops->update(s->m, &k, &v, BPF_ANY, (uint32_t)s->id);
            if (rc && rc != -E2BIG)
                s->bad++;
        } else if (r < 7) {
            /* The value is the key's, unless the element was deleted and
             * recycled for another key after the lookup found it: the
             * kernel's preallocated maps behave the same.  Never garbage. */
            p = s->m->ops->lookup(s->m, &k, (uint32_t)s->id);
            if (p && (*(volatile uint64_t *)p >> 32) >= NKEYS)
                s->bad++;
            else if (p && (*(volatile uint64_t *)p >> 32) != k)
                s->recycled++;
        } else if (r < 9) {
            long rc = s->m->ops->delete (s->m, &k, (uint32_t)s->id);
            if (rc && rc != -ENOENT)
                s->bad++;
        } else {
            int rc = bpfrt_map__update_elem(s->m, &k, 4, &v, 8, BPF_NOEXIST);
            if (rc && rc != -EEXIST && rc != -E2BIG)
                s->bad++;
        }
    }
    return NULL;
}

static void *walker(void *arg)
{
    struct stress *s = arg;
    uint32_t k, nk;

    do {
        unsigned n = 0;
        int rc;
        for (rc = bpfrt_map__get_next_key(s->m, NULL, &nk, 4); !rc && n < 4 * NKEYS;
             rc = bpfrt_map__get_next_key(s->m, &k, &nk, 4)) {
            if (nk >= NKEYS)
                s->bad++;
            k = nk;
            n++;
        }
        if (rc != -ENOENT && n < 4 * NKEYS)
            s->bad++;
        s->walks++;
    } while (!s->stop);
    return NULL;
}

static void stress(enum bpf_map_type type, uint32_t max, uint32_t flags)
{
    struct bpfrt_map *m = mk(type, 4, 8, max, flags, 4);
    struct stress w[4], wk = {.m = m, .id = 4};
    pthread_t th[5];
    uint32_t k, nk, n = 0;
    uint64_t v;

    for (int i = 0; i < 4; i++) {
        w[i] = (struct stress){.m = m, .id = i};
        pthread_create(&th[i], NULL, writer, &w[i]);
    }
    pthread_create(&th[4], NULL, walker, &wk);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    wk.stop = 1;
    pthread_join(th[4], NULL);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w[i].bad, 0, "thread %d saw %lu bad results", i, w[i].bad);
    cr_assert_eq(wk.bad, 0, "walker saw %lu bad results", wk.bad);
    cr_assert_gt(wk.walks, 0);
    /* quiescent: every key once, values belong to their keys, within max */
    for (int rc = bpfrt_map__get_next_key(m, NULL, &nk, 4); !rc; rc = bpfrt_map__get_next_key(m, &k, &nk, 4)) {
        cr_assert_eq(get(m, nk, &v), 0);
        cr_assert_eq(v >> 32, nk);
        k = nk;
        n++;
        cr_assert_leq(n, max);
    }
    /* the map is still consistent: fill to the limit, then -E2BIG */
    if (type == BPF_MAP_TYPE_HASH) {
        uint32_t added = 0;
        for (k = NKEYS; k < NKEYS + max + 8; k++)
            added += upd(m, k, (uint64_t)k << 32, BPF_NOEXIST) == 0;
        cr_assert_eq(n + added, max);
    }
    bpfrt_map__free(m);
}

Test(maps, threads_hash, .timeout = 120)
{
    stress(BPF_MAP_TYPE_HASH, 256, 0);
}

Test(maps, threads_hash_no_prealloc, .timeout = 120)
{
    stress(BPF_MAP_TYPE_HASH, 300, BPF_F_NO_PREALLOC);
}

Test(maps, threads_lru, .timeout = 120)
{
    stress(BPF_MAP_TYPE_LRU_HASH, 128, 0);
}

Test(maps, threads_lru_percpu_lists, .timeout = 120)
{
    stress(BPF_MAP_TYPE_LRU_HASH, 128, BPF_F_NO_COMMON_LRU);
}
