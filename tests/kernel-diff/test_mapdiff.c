/* test_mapdiff.c - bpfrt maps against kernel maps, the oracle.
 *
 * mapdiff/random_ops: random sequences of operations (update with every
 *   flag, lookup, delete, get_next_key, lookup_and_delete, the four batch
 *   commands, and full walks) applied to a kernel map (bpf() through
 *   libbpf) and to a bpfrt map of the same type and attributes; return
 *   codes, errno, values and, where the kernel defines it, the order must
 *   be the same:
 *   - arrays: get_next_key order and batch tokens are exact;
 *   - hash maps with BPF_F_ZERO_SEED: bpfrt hashes and buckets as the
 *     kernel does, so walks and bucket batches are compared exactly;
 *   - hash maps with a random seed: walks and batches are compared as sets;
 *   - LRU maps: eviction order is an approximation (see hashtab.c), so a
 *     key present in one map and not the other is an "eviction divergence"
 *     (counted, then the key is removed from both); what must hold is the
 *     rest: same results on keys both hold, an update never fails for lack
 *     of room, the key just written is present, no more than max_entries.
 * mapdiff/create: BPF_MAP_CREATE errno for a matrix of types, sizes, flags.
 *
 * The thread is pinned to CPU 0 so that per-CPU LRU lists match.
 * Environment: BPFRT_MAPDIFF_SEED (default: time), BPFRT_MAPDIFF_SEQS
 * (default 200), BPFRT_MAPDIFF_OPS (default 500).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

#ifndef BPF_F_LOCK
#define BPF_F_LOCK 4
#endif

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static void skip_if_no_bpf(void)
{
    int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
    if (fd < 0)
        cr_skip_test("kernel bpf() unavailable: %s", strerror(errno));
    close(fd);
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static int kerr(int rc)
{
    return rc < 0 ? -errno : rc;
}

/* ---- configurations ------------------------------------------------------- */

enum order { ORDER_EXACT, ORDER_SET, ORDER_LRU };

struct cfg {
    const char *name;
    enum bpf_map_type type;
    uint32_t ks, vs, me, flags;
    enum order order;
};

static const struct cfg cfgs[] = {
    {"array", BPF_MAP_TYPE_ARRAY, 4, 12, 16, 0, ORDER_EXACT},
    {"array_odd", BPF_MAP_TYPE_ARRAY, 4, 5, 7, BPF_F_MMAPABLE, ORDER_EXACT},
    {"percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 12, 8, 0, ORDER_EXACT},
    {"hash_zs", BPF_MAP_TYPE_HASH, 4, 8, 16, BPF_F_ZERO_SEED, ORDER_EXACT},
    {"hash_zs_odd", BPF_MAP_TYPE_HASH, 7, 5, 12, BPF_F_ZERO_SEED, ORDER_EXACT},
    {"hash_zs_noprealloc", BPF_MAP_TYPE_HASH, 12, 16, 10, BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC, ORDER_EXACT},
    {"hash", BPF_MAP_TYPE_HASH, 8, 8, 16, 0, ORDER_SET},
    {"hash_noprealloc", BPF_MAP_TYPE_HASH, 3, 20, 9, BPF_F_NO_PREALLOC, ORDER_SET},
    {"percpu_hash_zs", BPF_MAP_TYPE_PERCPU_HASH, 4, 12, 16, BPF_F_ZERO_SEED, ORDER_EXACT},
    {"percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 6, 4, 8, BPF_F_NO_PREALLOC, ORDER_SET},
    {"lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0, ORDER_LRU},
    {"lru_hash_nocommon", BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, BPF_F_NO_COMMON_LRU, ORDER_LRU},
    {"lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 8, 12, 16, BPF_F_NO_COMMON_LRU, ORDER_LRU},
    {"lru_percpu_hash_common", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 12, 0, ORDER_LRU},
};
#define NR_CFGS (sizeof(cfgs) / sizeof(cfgs[0]))

static int is_percpu(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int is_array(enum bpf_map_type t)
{
    return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

struct pair {
    const struct cfg *c;
    int fd;
    struct bpfrt_map *m;
    uint32_t me;  /* max_entries as created (the kernel may round it) */
    size_t uvs;   /* user value size */
    size_t cmpvs; /* bytes of a value to compare */
    uint32_t ncpu;
};

/* ---- counters and reports ---------------------------------------------------- */

static unsigned long mismatches, divergences, ops_done;
static uint64_t seed;

#define MISMATCH(p, seq, op, ...)                                                                                      \
    do {                                                                                                               \
        if (mismatches++ < 20) {                                                                                       \
            fprintf(stderr, "mapdiff: seed %" PRIu64 " seq %u op %u (%s): ", seed, seq, op, (p)->c->name);             \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

static void make_key(const struct pair *p, uint32_t id, uint8_t *key)
{
    for (uint32_t i = 0; i < p->c->ks; i++)
        key[i] = i < 4 ? (uint8_t)(id >> (8 * i)) : (uint8_t)(id * 31 + i);
}

static uint32_t rand_key_id(const struct pair *p)
{
    if (is_array(p->c->type))
        return rnd() % (p->me + 3);
    return rnd() % (2 * p->me + 2);
}

static void rand_bytes(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rnd();
}

static int present_k(struct pair *p, const uint8_t *key, uint8_t *buf)
{
    return bpf_map_lookup_elem(p->fd, key, buf) == 0;
}

static int present_b(struct pair *p, const uint8_t *key, uint8_t *buf)
{
    return bpfrt_map__lookup_elem(p->m, key, p->c->ks, buf, p->uvs, 0) == 0;
}

/* LRU: a result that differs because one side evicted the key is a
 * divergence, not a mismatch; the key is then removed from both. */
static int lru_explained(struct pair *p, const uint8_t *key)
{
    uint8_t *b1 = malloc(p->uvs), *b2 = malloc(p->uvs);
    int k = present_k(p, key, b1), b = present_b(p, key, b2), diverged = k != b;

    if (diverged) {
        divergences++;
        bpf_map_delete_elem(p->fd, key);
        bpfrt_map__delete_elem(p->m, key, p->c->ks, 0);
    }
    free(b1);
    free(b2);
    return diverged;
}

/* LRU: an update evicts before it looks the key up (the kernel's
 * prealloc_lru_pop() runs before the bucket is locked), so the victim may
 * be the very key being written: BPF_NOEXIST then succeeds, BPF_EXIST
 * fails.  Which key is the victim differs between the two LRUs; such a
 * pair of results is a divergence, and the key is resynchronised. */
static int lru_flag_race(struct pair *p, const uint8_t *key, int rk, int rb)
{
    int ok_k = rk == 0 || rk == -EEXIST || rk == -ENOENT, ok_b = rb == 0 || rb == -EEXIST || rb == -ENOENT;

    if (!ok_k || !ok_b)
        return 0;
    divergences++;
    bpf_map_delete_elem(p->fd, key);
    bpfrt_map__delete_elem(p->m, key, p->c->ks, 0);
    return 1;
}

/* LRU: before an operation on key, make both maps agree on whether they
 * hold it (a user-space lookup does not touch the reference bits). */
static void lru_sync(struct pair *p, const uint8_t *key)
{
    if (p->c->order == ORDER_LRU)
        lru_explained(p, key);
}

/* ---- walks ------------------------------------------------------------------------ */

struct walk {
    uint32_t n;
    uint8_t *keys; /* n * ks */
    uint8_t *vals; /* n * uvs */
};

static void walk_kernel(struct pair *p, struct walk *w)
{
    uint8_t *prev = NULL, *next = malloc(p->c->ks);
    uint32_t cap = 2 * p->me + 8;

    w->n = 0;
    w->keys = calloc(cap, p->c->ks);
    w->vals = calloc(cap, p->uvs);
    while (w->n < cap && bpf_map_get_next_key(p->fd, prev, next) == 0) {
        memcpy(w->keys + (size_t)w->n * p->c->ks, next, p->c->ks);
        bpf_map_lookup_elem(p->fd, next, w->vals + (size_t)w->n * p->uvs);
        prev = w->keys + (size_t)w->n * p->c->ks;
        w->n++;
    }
    free(next);
}

static void walk_bpfrt(struct pair *p, struct walk *w)
{
    uint8_t *prev = NULL, *next = malloc(p->c->ks);
    uint32_t cap = 2 * p->me + 8;

    w->n = 0;
    w->keys = calloc(cap, p->c->ks);
    w->vals = calloc(cap, p->uvs);
    while (w->n < cap && bpfrt_map__get_next_key(p->m, prev, next, p->c->ks) == 0) {
        memcpy(w->keys + (size_t)w->n * p->c->ks, next, p->c->ks);
        bpfrt_map__lookup_elem(p->m, next, p->c->ks, w->vals + (size_t)w->n * p->uvs, p->uvs, 0);
        prev = w->keys + (size_t)w->n * p->c->ks;
        w->n++;
    }
    free(next);
}

static void walk_free(struct walk *w)
{
    free(w->keys);
    free(w->vals);
}

static int find_in(const struct pair *p, const struct walk *w, const uint8_t *key)
{
    for (uint32_t i = 0; i < w->n; i++)
        if (!memcmp(w->keys + (size_t)i * p->c->ks, key, p->c->ks))
            return (int)i;
    return -1;
}

/* Compare whole contents: in order (exact), as sets, or LRU-tolerant. */
static void compare_walks(struct pair *p, unsigned seq, unsigned op)
{
    struct walk wk, wb;
    uint32_t i;

    walk_kernel(p, &wk);
    walk_bpfrt(p, &wb);
    if (p->c->order == ORDER_LRU) {
        if (wk.n > p->me || wb.n > p->me)
            MISMATCH(p, seq, op, "walk: %u (kernel) / %u (bpfrt) keys, max_entries %u", wk.n, wb.n, p->me);
        for (i = 0; i < wb.n; i++) {
            const uint8_t *key = wb.keys + (size_t)i * p->c->ks;
            int j = find_in(p, &wk, key);
            if (j < 0) {
                lru_explained(p, key);
                continue;
            }
            if (memcmp(wk.vals + (size_t)j * p->uvs, wb.vals + (size_t)i * p->uvs, p->cmpvs)) {
                MISMATCH(p, seq, op, "walk: values differ");
                bpf_map_delete_elem(p->fd, key);
                bpfrt_map__delete_elem(p->m, key, p->c->ks, 0);
            }
        }
        for (i = 0; i < wk.n; i++)
            if (find_in(p, &wb, wk.keys + (size_t)i * p->c->ks) < 0)
                lru_explained(p, wk.keys + (size_t)i * p->c->ks);
        goto out;
    }
    if (wk.n != wb.n) {
        MISMATCH(p, seq, op, "walk: %u keys (kernel) vs %u (bpfrt)", wk.n, wb.n);
        goto out;
    }
    for (i = 0; i < wk.n; i++) {
        const uint8_t *key = wk.keys + (size_t)i * p->c->ks;
        int j = p->c->order == ORDER_EXACT ? (int)i : find_in(p, &wb, key);
        if (j < 0 || memcmp(key, wb.keys + (size_t)j * p->c->ks, p->c->ks)) {
            MISMATCH(p, seq, op, "walk: key %u differs (%s)", i, p->c->order == ORDER_EXACT ? "order" : "set");
            break;
        }
        if (memcmp(wk.vals + (size_t)i * p->uvs, wb.vals + (size_t)j * p->uvs, p->cmpvs)) {
            MISMATCH(p, seq, op, "walk: value of key %u differs", i);
            break;
        }
    }
out:
    walk_free(&wk);
    walk_free(&wb);
}

/* ---- one operation ----------------------------------------------------------------- */

static const uint64_t upd_flags[] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK, 3, 8, BPF_ANY, BPF_ANY};

static void op_update(struct pair *p, unsigned seq, unsigned op)
{
    uint8_t key[64], *val = malloc(p->uvs), *chk = malloc(p->uvs);
    uint64_t fl = upd_flags[rnd() % 8];
    int rk, rb;

    make_key(p, rand_key_id(p), key);
    lru_sync(p, key);
    rand_bytes(val, p->uvs);
    rk = kerr(bpf_map_update_elem(p->fd, key, val, fl));
    rb = bpfrt_map__update_elem(p->m, key, p->c->ks, val, p->uvs, fl);
    if (rk != rb && p->c->order == ORDER_LRU && lru_flag_race(p, key, rk, rb))
        rk = rb = 1; /* the key itself was the victim on one side */
    if (rk != rb && !(p->c->order == ORDER_LRU && lru_explained(p, key)))
        MISMATCH(p, seq, op, "update flags %#" PRIx64 ": kernel %d, bpfrt %d", fl, rk, rb);
    if (p->c->order == ORDER_LRU && !rk && !rb) {
        /* the key just written is present in both */
        if (!present_k(p, key, chk) || !present_b(p, key, chk))
            MISMATCH(p, seq, op, "LRU: key just updated is missing");
    }
    if (p->c->order == ORDER_LRU && (rb == -E2BIG || rb == -ENOMEM))
        MISMATCH(p, seq, op, "LRU update failed with %d", rb);
    free(val);
    free(chk);
}

static void op_lookup(struct pair *p, unsigned seq, unsigned op, int and_delete)
{
    static const uint64_t fls[] = {0, 0, 0, BPF_F_LOCK, 1};
    uint8_t key[64], *vk = calloc(1, p->uvs), *vb = calloc(1, p->uvs);
    uint64_t fl = fls[rnd() % 5];
    int rk, rb;

    make_key(p, rand_key_id(p), key);
    lru_sync(p, key);
    if (and_delete) {
        rk = kerr(bpf_map_lookup_and_delete_elem_flags(p->fd, key, vk, fl));
        rb = bpfrt_map__lookup_and_delete_elem(p->m, key, p->c->ks, vb, p->uvs, fl);
    } else {
        rk = kerr(bpf_map_lookup_elem_flags(p->fd, key, vk, fl));
        rb = bpfrt_map__lookup_elem(p->m, key, p->c->ks, vb, p->uvs, fl);
    }
    if (rk != rb) {
        if (!(p->c->order == ORDER_LRU && lru_explained(p, key)))
            MISMATCH(p, seq, op, "%s flags %#" PRIx64 ": kernel %d, bpfrt %d",
                     and_delete ? "lookup_and_delete" : "lookup", fl, rk, rb);
    } else if (!rk && memcmp(vk, vb, p->cmpvs)) {
        MISMATCH(p, seq, op, "%s: values differ", and_delete ? "lookup_and_delete" : "lookup");
    }
    free(vk);
    free(vb);
}

static void op_delete(struct pair *p, unsigned seq, unsigned op)
{
    uint8_t key[64];
    int rk, rb;

    make_key(p, rand_key_id(p), key);
    lru_sync(p, key);
    rk = kerr(bpf_map_delete_elem(p->fd, key));
    rb = bpfrt_map__delete_elem(p->m, key, p->c->ks, 0);
    if (rk != rb && !(p->c->order == ORDER_LRU && lru_explained(p, key)))
        MISMATCH(p, seq, op, "delete: kernel %d, bpfrt %d", rk, rb);
}

static void op_next_key(struct pair *p, unsigned seq, unsigned op)
{
    uint8_t key[64], nk[64] = {0}, nb[64] = {0};
    int null = rnd() % 4 == 0, rk, rb;

    make_key(p, rand_key_id(p), key);
    rk = kerr(bpf_map_get_next_key(p->fd, null ? NULL : key, nk));
    rb = bpfrt_map__get_next_key(p->m, null ? NULL : key, nb, p->c->ks);
    if (p->c->order == ORDER_EXACT) {
        if (rk != rb || (!rk && memcmp(nk, nb, p->c->ks)))
            MISMATCH(p, seq, op, "get_next_key: kernel %d, bpfrt %d%s", rk, rb, rk == rb ? " (different keys)" : "");
    } else if (null && p->c->order == ORDER_SET && rk != rb) {
        MISMATCH(p, seq, op, "get_next_key(NULL): kernel %d, bpfrt %d", rk, rb);
    }
}

static int kernel_orders_batches(const struct pair *p)
{
    return p->c->order == ORDER_EXACT;
}

static void op_lookup_batch(struct pair *p, unsigned seq, unsigned op, int del, uint8_t *tok_k, uint8_t *tok_b,
                            int *have_tok)
{
    uint32_t max = 2 * p->me + 4, ck, cb, i;
    uint8_t *kk = calloc(max, p->c->ks), *kb = calloc(max, p->c->ks);
    uint8_t *vk = calloc(max, p->uvs), *vb = calloc(max, p->uvs);
    uint8_t outk[64] = {0}, outb[64] = {0};
    uint64_t ef = rnd() % 8 == 0 ? BPF_F_LOCK : 0;
    int exact = kernel_orders_batches(p), cont = exact && *have_tok && rnd() % 2, rk, rb;
    size_t tsz = is_array(p->c->type) ? p->c->ks : 4;
    LIBBPF_OPTS(bpf_map_batch_opts, ko, .elem_flags = ef);
    struct bpfrt_map_batch_opts bo = {.sz = sizeof(bo), .elem_flags = ef};

    ck = cb = exact ? rnd() % (p->me + 2) : max;
    if (del) {
        rk = kerr(bpf_map_lookup_and_delete_batch(p->fd, cont ? tok_k : NULL, outk, kk, vk, &ck, &ko));
        rb = bpfrt_map__lookup_and_delete_batch(p->m, cont ? tok_b : NULL, outb, kb, vb, &cb, &bo);
    } else {
        rk = kerr(bpf_map_lookup_batch(p->fd, cont ? tok_k : NULL, outk, kk, vk, &ck, &ko));
        rb = bpfrt_map__lookup_batch(p->m, cont ? tok_b : NULL, outb, kb, vb, &cb, &bo);
    }
    if (p->c->order == ORDER_LRU) {
        if (rk != rb && !(rk == -ENOENT || rb == -ENOENT))
            MISMATCH(p, seq, op, "LRU %s: kernel %d, bpfrt %d", del ? "lookup_and_delete_batch" : "lookup_batch", rk,
                     rb);
        if ((rb == 0 || rb == -ENOENT) && cb > p->me)
            MISMATCH(p, seq, op, "LRU batch: %u entries > max_entries", cb);
        goto out;
    }
    if (rk != rb || ck != cb) {
        MISMATCH(p, seq, op, "%s count %u: kernel %d (%u), bpfrt %d (%u)",
                 del ? "lookup_and_delete_batch" : "lookup_batch", exact ? ck : max, rk, ck, rb, cb);
        goto out;
    }
    for (i = 0; i < ck; i++) {
        int j = (int)i;
        if (!exact) {
            struct walk w = {.n = cb, .keys = kb};
            j = find_in(p, &w, kk + (size_t)i * p->c->ks);
        }
        if (j < 0 || memcmp(kk + (size_t)i * p->c->ks, kb + (size_t)j * p->c->ks, p->c->ks) ||
            memcmp(vk + (size_t)i * p->uvs, vb + (size_t)j * p->uvs, p->cmpvs)) {
            MISMATCH(p, seq, op, "batch element %u differs", i);
            break;
        }
    }
    if (exact && (rk == 0 || (rk == -ENOENT && ck)) && memcmp(outk, outb, tsz))
        MISMATCH(p, seq, op, "batch token differs");
    if (exact && (rk == 0 || rk == -ENOENT)) {
        memcpy(tok_k, outk, tsz);
        memcpy(tok_b, outb, tsz);
        *have_tok = rk == 0;
    }
out:
    free(kk), free(kb), free(vk), free(vb);
}

static void op_update_batch(struct pair *p, unsigned seq, unsigned op, int del)
{
    uint32_t n = 1 + rnd() % 4, ck = n, cb = n, i;
    uint8_t *keys = calloc(n, p->c->ks), *vals = calloc(n, p->uvs);
    static const uint64_t efs[] = {0, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK, 0};
    uint64_t ef = efs[rnd() % 5];
    LIBBPF_OPTS(bpf_map_batch_opts, ko, .elem_flags = del ? 0 : ef);
    struct bpfrt_map_batch_opts bo = {.sz = sizeof(bo), .elem_flags = del ? 0 : ef};
    int rk, rb;

    for (i = 0; i < n; i++) {
        make_key(p, rand_key_id(p), keys + (size_t)i * p->c->ks);
        lru_sync(p, keys + (size_t)i * p->c->ks);
    }
    rand_bytes(vals, (size_t)n * p->uvs);
    if (del) {
        rk = kerr(bpf_map_delete_batch(p->fd, keys, &ck, &ko));
        rb = bpfrt_map__delete_batch(p->m, keys, &cb, &bo);
    } else {
        rk = kerr(bpf_map_update_batch(p->fd, keys, vals, &ck, &ko));
        rb = bpfrt_map__update_batch(p->m, keys, vals, &cb, &bo);
    }
    if (rk != rb || ck != cb) {
        int explained = 0;
        if (p->c->order == ORDER_LRU) {
            /* an update of the batch may have evicted a later key of it */
            for (i = 0; i < n; i++)
                explained |= lru_explained(p, keys + (size_t)i * p->c->ks);
            if (!del && !explained && lru_flag_race(p, keys + (size_t)(ck < cb ? ck : cb) * p->c->ks, rk, rb))
                explained = 1;
        }
        if (!explained)
            MISMATCH(p, seq, op, "%s of %u, flags %#" PRIx64 ": kernel %d (%u), bpfrt %d (%u)",
                     del ? "delete_batch" : "update_batch", n, ef, rk, ck, rb, cb);
    }
    free(keys);
    free(vals);
}

/* ---- sequences --------------------------------------------------------------------- */

static int pair_open(struct pair *p, const struct cfg *c, uint32_t ncpu)
{
    LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = c->flags);
    struct bpfrt_map_create_opts bo = {.sz = sizeof(bo), .map_flags = c->flags, .nr_workers = ncpu};
    struct bpf_map_info info = {0};
    uint32_t len = sizeof(info);
    int err;

    memset(p, 0, sizeof(*p));
    p->c = c;
    p->ncpu = ncpu;
    p->fd = bpf_map_create(c->type, c->name[0] ? "mapdiff" : "", c->ks, c->vs, c->me, &ko);
    if (p->fd < 0)
        return -errno;
    err = bpfrt_map__create(c->type, "mapdiff", c->ks, c->vs, c->me, &bo, &p->m);
    if (err) {
        close(p->fd);
        return err;
    }
    bpf_obj_get_info_by_fd(p->fd, &info, &len);
    p->me = info.max_entries;
    p->uvs = is_percpu(c->type) ? (size_t)ncpu * ((c->vs + 7) & ~7u) : c->vs;
    p->cmpvs = p->uvs;
    return 0;
}

static void pair_close(struct pair *p)
{
    close(p->fd);
    bpfrt_map__free(p->m);
}

Test(mapdiff, random_ops, .timeout = 600)
{
    uint32_t nseq = (uint32_t)env_u64("BPFRT_MAPDIFF_SEQS", 200), nops = (uint32_t)env_u64("BPFRT_MAPDIFF_OPS", 500);
    int ncpu;
    cpu_set_t old, one;

    skip_if_no_bpf();
    seed = env_u64("BPFRT_MAPDIFF_SEED", (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20));
    rng_state = seed * 0x9e3779b97f4a7c15ull | 1;
    ncpu = libbpf_num_possible_cpus();
    cr_assert_gt(ncpu, 0);
    sched_getaffinity(0, sizeof(old), &old);
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof(one), &one);

    for (uint32_t s = 0; s < nseq; s++) {
        const struct cfg *c = &cfgs[s % NR_CFGS];
        uint8_t tok_k[64] = {0}, tok_b[64] = {0};
        int have_tok = 0;
        struct pair p;
        int err = pair_open(&p, c, (uint32_t)ncpu);

        cr_assert_eq(err, 0, "mapdiff: cannot create %s: %d", c->name, err);
        cr_assert_eq(p.me, bpfrt_map__max_entries(p.m), "%s: max_entries kernel %u, bpfrt %u", c->name, p.me,
                     bpfrt_map__max_entries(p.m));
        for (uint32_t o = 0; o < nops; o++) {
            unsigned r = rnd() % 100;
            if (r < 40)
                op_update(&p, s, o);
            else if (r < 55)
                op_lookup(&p, s, o, 0);
            else if (r < 65)
                op_delete(&p, s, o);
            else if (r < 75)
                op_next_key(&p, s, o);
            else if (r < 80)
                op_lookup(&p, s, o, 1);
            else if (r < 85)
                op_lookup_batch(&p, s, o, 0, tok_k, tok_b, &have_tok);
            else if (r < 87)
                op_lookup_batch(&p, s, o, 1, tok_k, tok_b, &have_tok);
            else if (r < 93)
                op_update_batch(&p, s, o, 0);
            else if (r < 96)
                op_update_batch(&p, s, o, 1);
            else
                compare_walks(&p, s, o);
            ops_done++;
        }
        compare_walks(&p, s, nops);
        pair_close(&p);
    }
    sched_setaffinity(0, sizeof(old), &old);
    printf("mapdiff: seed %" PRIu64 ", %u sequences x %u ops, %lu mismatches, %lu LRU eviction divergences\n", seed,
           nseq, nops, mismatches, divergences);
    fflush(stdout);
    cr_assert_eq(mismatches, 0, "mapdiff: %lu mismatches (seed %" PRIu64 ")", mismatches, seed);
}

/* ---- creation ---------------------------------------------------------------------- */

Test(mapdiff, create)
{
    static const enum bpf_map_type types[] = {BPF_MAP_TYPE_HASH,        BPF_MAP_TYPE_ARRAY,
                                              BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
                                              BPF_MAP_TYPE_LRU_HASH,    BPF_MAP_TYPE_LRU_PERCPU_HASH};
    static const struct {
        uint32_t ks, vs, me;
    } sizes[] = {{4, 8, 16},       {0, 8, 16},
                 {4, 0, 16},       {4, 8, 0},
                 {8, 8, 16},       {3, 1, 1},
                 {513, 8, 4},      {4, 32768, 2},
                 {4, 32769, 2},    {4, 4194251, 1},
                 {4, 4194252, 1},  {4, 8, 3},
                 {4, 8, 1u << 16}, {4, 8, (1u << 27) + 1}};
    uint32_t ncpu, n = 0, bad = 0;

    skip_if_no_bpf();
    ncpu = (uint32_t)libbpf_num_possible_cpus();
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
            for (int fb = -1; fb < 14; fb++) {
                uint32_t flags = fb < 0 ? 0 : 1u << fb, me = sizes[s].me;
                int prealloc_big = me > (1u << 20) && !(flags & BPF_F_NO_PREALLOC);
                if (prealloc_big && types[t] != BPF_MAP_TYPE_HASH)
                    continue; /* keep the kernel from allocating gigabytes */
                if (prealloc_big)
                    flags |= BPF_F_NO_PREALLOC;
                if (fb == 13)
                    flags = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
                if (fb == 12 && types[t] != BPF_MAP_TYPE_ARRAY)
                    flags = BPF_F_RDONLY | BPF_F_WRONLY;
                if (sizes[s].vs > 1000000 && types[t] == BPF_MAP_TYPE_ARRAY && fb > 0)
                    continue;
                LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = flags);
                struct bpfrt_map_create_opts bo = {.sz = sizeof(bo), .map_flags = flags, .nr_workers = ncpu};
                struct bpfrt_map *m = NULL;
                int fd = bpf_map_create(types[t], "c", sizes[s].ks, sizes[s].vs, me, &ko);
                int rk = fd < 0 ? -errno : 0;
                int rb = bpfrt_map__create(types[t], "c", sizes[s].ks, sizes[s].vs, me, &bo, &m);
                if (fd >= 0)
                    close(fd);
                bpfrt_map__free(m);
                n++;
                if (rk != rb) {
                    bad++;
                    fprintf(stderr, "mapdiff create: type %d ks %u vs %u me %u flags %#x: kernel %d, bpfrt %d\n",
                            types[t], sizes[s].ks, sizes[s].vs, me, flags, rk, rb);
                }
            }
    printf("mapdiff: create: %u attribute sets, %u mismatches\n", n, bad);
    cr_assert_eq(bad, 0);
}
