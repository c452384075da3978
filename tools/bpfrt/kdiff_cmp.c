/* kdiff_cmp.c - kernel_diff's differences: kept per scope (a run, a
 * packet, the maps), printed as text lines or JSON, and the maps of the
 * two objects compared after the runs, key by key (docs/CLI.md,
 * "Comparing with the kernel"; tests/unit/test_cli_kdiff.c). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrt/bpfrt.h"
#include "kdiff.h"

#define RANGES_PER_CALL 8 /* runs of differing bytes kept per compared value */
#define HEX_SHOWN 32      /* bytes of a value shown in a text line */

static void *dup_bytes(const void *p, uint32_t n)
{
    void *q;

    if (!p)
        return NULL;
    q = malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

/* A new difference of the scope, or NULL when it is only counted. */
static struct kd_diff *add(struct kd *kd, const char *what, uint64_t packet)
{
    struct kd_diff *d;

    kd->total++;
    if (kd->expected[0])
        kd->total_expected++;
    if (kd->nd == KD_DIFFS_MAX) {
        kd->scope_more++;
        return NULL;
    }
    d = &kd->diffs[kd->nd++];
    memset(d, 0, sizeof(*d));
    d->what = what;
    d->packet = packet;
    d->cpu = -1;
    return d;
}

void kd_diff_num(struct kd *kd, const char *what, uint64_t packet, int64_t b, int64_t k)
{
    struct kd_diff *d = add(kd, what, packet);

    if (!d)
        return;
    d->is_num = 1;
    d->b_num = b;
    d->k_num = k;
}

static void set_map(struct kd_diff *d, const char *map, const uint8_t *key, uint32_t key_len, int cpu)
{
    if (map)
        snprintf(d->map, sizeof(d->map), "%s", map);
    d->key = dup_bytes(key, key_len);
    d->key_len = key ? key_len : 0;
    d->cpu = cpu;
}

void kd_diff_bytes(struct kd *kd, const char *what, uint64_t packet, const char *map, const uint8_t *key,
                   uint32_t key_len, int cpu, const uint8_t *b, const uint8_t *k, uint32_t len)
{
    uint32_t ranges = 0;

    for (uint32_t i = 0; i < len; i++) {
        uint32_t end = i;
        struct kd_diff *d;

        if (b[i] == k[i])
            continue;
        while (end + 1 < len && b[end + 1] != k[end + 1])
            end++;
        if (ranges++ == RANGES_PER_CALL) {
            /* counted, not kept: the rest of this value */
            for (; i < len; i++)
                if (b[i] != k[i] && (i == 0 || b[i - 1] == k[i - 1]))
                    kd->total++, kd->total_expected += kd->expected[0] != 0, kd->scope_more++;
            return;
        }
        d = add(kd, what, packet);
        if (d) {
            set_map(d, map, key, key_len, cpu);
            d->offset = i;
            d->b = dup_bytes(b + i, end - i + 1);
            d->k = dup_bytes(k + i, end - i + 1);
            d->b_len = d->k_len = end - i + 1;
        }
        i = end;
    }
}

void kd_diff_missing(struct kd *kd, const char *what, uint64_t packet, const char *map, const uint8_t *key,
                     uint32_t key_len, uint64_t index, const uint8_t *b, uint32_t b_len, const uint8_t *k,
                     uint32_t k_len)
{
    struct kd_diff *d = add(kd, what, packet);

    if (!d)
        return;
    set_map(d, map, key, key_len, -1);
    d->index = index;
    d->b = dup_bytes(b, b_len);
    d->k = dup_bytes(k, k_len);
    d->b_len = b ? b_len : 0;
    d->k_len = k ? k_len : 0;
}

/* ------------------------------------------------------------ printing */

static void hex(char *buf, size_t sz, const uint8_t *p, uint32_t n)
{
    size_t len = 0;

    buf[0] = 0;
    for (uint32_t i = 0; i < n && i < HEX_SHOWN; i++)
        len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0, "%02x", p[i]);
    if (n > HEX_SHOWN)
        snprintf(buf + len, len < sz ? sz - len : 0, "... (%u bytes)", n);
}

static const char *num_text(const struct kd *kd, const struct kd_diff *d, int64_t v, char *buf, size_t sz)
{
    if (!strcmp(d->what, "error")) {
        snprintf(buf, sz, v ? "%" PRId64 " (%s)" : "0 (the run succeeded)", v, strerror((int)-v));
    } else if (!strcmp(d->what, "retval")) {
        const char *name = bpfrt_prog_type_retval_name(kd->type, (uint64_t)v);
        snprintf(buf, sz, "%" PRId64 "%s%s%s", v, name ? " (" : "", name ? name : "", name ? ")" : "");
    } else {
        snprintf(buf, sz, "%" PRId64, v);
    }
    return buf;
}

static void print_one(const struct kd *kd, const struct kd_diff *d)
{
    char where[256] = "", b[128], k[128];
    size_t len = 0;

#define PUT(...) (len += (size_t)snprintf(where + len, len < sizeof(where) ? sizeof(where) - len : 0, __VA_ARGS__))
    if (d->packet)
        PUT("packet %" PRIu64 ": ", d->packet);
    if (!strcmp(d->what, "map") || !strcmp(d->what, "map_entries"))
        PUT("map %s", d->map);
    else if (!strcmp(d->what, "records"))
        PUT("records of %s", d->map);
    else
        PUT("%s", d->what);
    if (d->key) {
        hex(b, sizeof(b), d->key, d->key_len);
        PUT(" key %s", b);
    } else if (!strcmp(d->what, "map") || !strcmp(d->what, "records")) {
        PUT(" %s %" PRIu64, !strcmp(d->what, "map") ? "element" : "record", d->index + 1);
    }
    if (d->cpu >= 0)
        PUT(" cpu %d", d->cpu);
#undef PUT
    if (d->is_num)
        printf("kernel_diff: %s: bpfrt %s, kernel %s", where, num_text(kd, d, d->b_num, b, sizeof(b)),
               num_text(kd, d, d->k_num, k, sizeof(k)));
    else if (!d->b || !d->k) {
        hex(b, sizeof(b), d->b ? d->b : d->k, d->b ? d->b_len : d->k_len);
        printf("kernel_diff: %s: only in %s%s%s%s", where, d->b ? "bpfrt" : "the kernel", b[0] ? " (" : "", b,
               b[0] ? ")" : "");
    } else if (!strcmp(d->what, "records")) {
        hex(b, sizeof(b), d->b, d->b_len);
        hex(k, sizeof(k), d->k, d->k_len);
        printf("kernel_diff: %s: bpfrt %s (%u bytes), kernel %s (%u bytes)", where, b, d->b_len, k, d->k_len);
    } else {
        hex(b, sizeof(b), d->b, d->b_len);
        hex(k, sizeof(k), d->k, d->k_len);
        if (d->b_len == 1)
            printf("kernel_diff: %s byte %u: bpfrt %s, kernel %s", where, d->offset, b, k);
        else
            printf("kernel_diff: %s bytes %u-%u: bpfrt %s, kernel %s", where, d->offset, d->offset + d->b_len - 1, b,
                   k);
    }
    printf("%s\n", kd->expected[0] ? " (expected)" : "");
}

static void forget(struct kd *kd)
{
    for (uint32_t i = 0; i < kd->nd; i++)
        free(kd->diffs[i].key), free(kd->diffs[i].b), free(kd->diffs[i].k);
    kd->nd = 0;
    kd->scope_more = 0;
}

void kd_print_diffs(struct kd *kd)
{
    for (uint32_t i = 0; i < kd->nd; i++)
        print_one(kd, &kd->diffs[i]);
    if (kd->scope_more)
        printf("kernel_diff: ... %" PRIu64 " more differences\n", kd->scope_more);
    forget(kd);
}

static void json_bytes_or_null(const char *key, const uint8_t *p, uint32_t n)
{
    json_key(&cli.j, key);
    if (!p) {
        json_null(&cli.j);
        return;
    }
    json_arr_open(&cli.j);
    for (uint32_t i = 0; i < n; i++)
        json_u64(&cli.j, p[i]);
    json_arr_close(&cli.j);
}

uint32_t kd_scope_unexpected(const struct kd *kd)
{
    return kd->expected[0] ? 0 : kd->nd + (uint32_t)kd->scope_more;
}

void kd_json_diffs(struct kd *kd)
{
    json_key(&cli.j, "differences");
    json_arr_open(&cli.j);
    for (uint32_t i = 0; i < kd->nd; i++) {
        const struct kd_diff *d = &kd->diffs[i];
        json_obj_open(&cli.j);
        json_kv_str(&cli.j, "what", d->what);
        if (d->map[0])
            json_kv_str(&cli.j, "map", d->map);
        if (d->key)
            json_bytes_or_null("key", d->key, d->key_len);
        else if (!strcmp(d->what, "map") || !strcmp(d->what, "records"))
            json_kv_u64(&cli.j, "index", d->index);
        if (d->cpu >= 0)
            json_kv_u64(&cli.j, "cpu", (uint64_t)d->cpu);
        if (d->is_num) {
            json_key(&cli.j, "bpfrt");
            json_i64(&cli.j, d->b_num);
            json_key(&cli.j, "kernel");
            json_i64(&cli.j, d->k_num);
        } else {
            if (d->b && d->k && strcmp(d->what, "records"))
                json_kv_u64(&cli.j, "offset", d->offset);
            json_bytes_or_null("bpfrt", d->b, d->b_len);
            json_bytes_or_null("kernel", d->k, d->k_len);
        }
        json_key(&cli.j, "expected");
        json_bool(&cli.j, kd->expected[0] != 0);
        json_obj_close(&cli.j);
    }
    json_arr_close(&cli.j);
    if (kd->scope_more)
        json_kv_u64(&cli.j, "more", kd->scope_more);
    forget(kd);
}

void kd_print_verdict(const struct kd *kd, const char *what_ran)
{
    char maps[600];

    snprintf(maps, sizeof(maps), "%u map%s%s%s", kd->maps_compared, kd->maps_compared == 1 ? "" : "s",
             kd->not_compared[0] ? "; not compared: " : "", kd->not_compared);
    if (!kd->total)
        printf("kernel_diff: bpfrt and the kernel agree (%s, %s)\n", what_ran, maps);
    else if (kd->total == kd->total_expected)
        printf("kernel_diff: bpfrt and the kernel agree but for %" PRIu64 " expected difference%s: the program calls "
               "%s, whose values bpfrt documents as its own (%s, %s)\n",
               kd->total, kd->total == 1 ? "" : "s", kd->expected, what_ran, maps);
    else
        printf("kernel_diff: bpfrt and the kernel differ: %" PRIu64 " difference%s (%s, %s)\n", kd->total,
               kd->total == 1 ? "" : "s", what_ran, maps);
}

void kd_json_verdict(const struct kd *kd)
{
    json_key(&cli.j, "agree");
    json_bool(&cli.j, kd->total == kd->total_expected);
    json_kv_u64(&cli.j, "runs", kd->packets);
    json_kv_u64(&cli.j, "maps", kd->maps_compared);
    json_kv_u64(&cli.j, "total", kd->total);
    json_kv_u64(&cli.j, "expected", kd->total_expected);
    if (kd->expected[0])
        json_kv_str(&cli.j, "expected_because", kd->expected);
    if (kd->not_compared[0])
        json_kv_str(&cli.j, "not_compared", kd->not_compared);
}

/* ---------------------------------------------------------------- maps */

static const char *type_name(enum bpf_map_type t)
{
    const char *n = libbpf_bpf_map_type_str(t);
    return n ? n : "unknown";
}

static void not_compared(struct kd *kd, const char *name, const char *why)
{
    size_t len = strlen(kd->not_compared);
    snprintf(kd->not_compared + len, sizeof(kd->not_compared) - len, "%s%s (%s)", len ? ", " : "", name, why);
}

/* bpfrt's map of the kernel's map's name; global data by section
 * (".bss", ".rodata.str1.1"): both prefix it with the object's name,
 * which each may shorten its own way. */
static struct bpfrt_map *match(struct bpfrt_object *obj, const char *name)
{
    struct bpfrt_map *m = bpfrt_object__find_map_by_name(obj, name), *c = NULL;
    const char *sec = strchr(name, '.');

    if (m || !sec)
        return m;
    while ((c = bpfrt_object__next_map(obj, c))) {
        const char *cs = strchr(bpfrt_map__name(c), '.');
        if (cs && !strcmp(cs, sec))
            return c;
    }
    return NULL;
}

/* Values of one key: whole, or slot by slot for per-CPU maps. */
static void cmp_value(struct kd *kd, const char *name, const uint8_t *key, uint32_t ks, const uint8_t *bv,
                      const uint8_t *kv, uint32_t vs, int percpu, uint32_t slots)
{
    uint32_t stride = (vs + 7) & ~7u;

    if (!percpu) {
        kd_diff_bytes(kd, "map", 0, name, key, ks, -1, bv, kv, vs);
        return;
    }
    for (uint32_t w = 0; w < slots; w++)
        kd_diff_bytes(kd, "map", 0, name, key, ks, (int)w, bv + (size_t)w * stride, kv + (size_t)w * stride, vs);
}

/* Keys and values of a map that get_next_key walks. */
static void cmp_keyed(struct kd *kd, int kfd, struct bpfrt_map *m, const char *name, int percpu, int values)
{
    uint32_t ks = bpfrt_map__key_size(m), vs = bpfrt_map__value_size(m);
    uint32_t slots = percpu ? kd->ncpus : 1, vlen = percpu ? slots * ((vs + 7) & ~7u) : vs;
    uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *kv = calloc(1, vlen + 8), *bv = calloc(1, vlen + 8);
    void *prev = NULL;

    if (!key || !next || !kv || !bv)
        goto out;
    if (percpu && bpfrt_map__nr_workers(m) != kd->ncpus) {
        /* per-CPU slots (kdiff.c makes them the kernel's possible CPUs) */
        struct kd_diff *d = add(kd, "map_entries", 0);
        if (d) {
            d->is_num = 1;
            d->b_num = bpfrt_map__nr_workers(m);
            d->k_num = kd->ncpus;
            snprintf(d->map, sizeof(d->map), "%s", name);
        }
        goto out;
    }
    /* every key of the kernel's, looked up in bpfrt's */
    while (bpf_map_get_next_key(kfd, prev, next) == 0) {
        int kerr, berr;
        memcpy(key, next, ks);
        prev = key;
        kerr = bpf_map_lookup_elem(kfd, key, kv);
        berr = bpfrt_map__lookup_elem(m, key, ks, bv, vlen, 0);
        if (kerr && berr)
            continue;
        if (kerr || berr)
            kd_diff_missing(kd, "map", 0, name, key, ks, 0, berr ? NULL : bv, values ? vlen : 0, kerr ? NULL : kv,
                            values ? vlen : 0);
        else if (values)
            cmp_value(kd, name, key, ks, bv, kv, vs, percpu, slots);
    }
    /* and bpfrt's keys the kernel has not */
    prev = NULL;
    while (bpfrt_map__get_next_key(m, prev, next, ks) == 0) {
        memcpy(key, next, ks);
        prev = key;
        if (bpf_map_lookup_elem(kfd, key, kv) && !bpfrt_map__lookup_elem(m, key, ks, bv, vlen, 0))
            kd_diff_missing(kd, "map", 0, name, key, ks, 0, bv, values ? vlen : 0, NULL, 0);
    }
out:
    free(key), free(next), free(kv), free(bv);
}

/* Queues and stacks: popped on both sides (the maps are not used after)
 * and the elements compared in order. */
static void cmp_popped(struct kd *kd, int kfd, struct bpfrt_map *m, const char *name)
{
    uint32_t vs = bpfrt_map__value_size(m);
    uint8_t *kv = calloc(1, vs + 1), *bv = calloc(1, vs + 1);

    for (uint64_t i = 0; kv && bv; i++) {
        int kerr = bpf_map_lookup_and_delete_elem(kfd, NULL, kv);
        int berr = bpfrt_map__lookup_and_delete_elem(m, NULL, 0, bv, vs, 0);
        if (kerr && berr)
            break;
        if (kerr || berr || memcmp(bv, kv, vs))
            kd_diff_missing(kd, "map", 0, name, NULL, 0, i, berr ? NULL : bv, vs, kerr ? NULL : kv, vs);
    }
    free(kv), free(bv);
}

/* The kernel's map of bpfrt's map's name (as match(), the other way). */
static int in_kernel(const struct kd *kd, const char *name)
{
    const char *sec = strchr(name, '.');
    struct bpf_map *km;

    if (bpf_object__find_map_by_name(kd->kobj, name))
        return 1;
    bpf_object__for_each_map(km, kd->kobj)
    {
        const char *ks = strchr(bpf_map__name(km), '.');
        if (sec && ks && !strcmp(sec, ks))
            return 1;
    }
    return 0;
}

void kd_compare_maps(struct kd *kd, struct bpfrt_object *obj)
{
    struct bpf_map *km;
    struct bpfrt_map *bm = NULL;

    if (!kd->kobj || !obj)
        return;
    while ((bm = bpfrt_object__next_map(obj, bm)))
        if (!in_kernel(kd, bpfrt_map__name(bm)))
            kd_diff_missing(kd, "map_entries", 0, bpfrt_map__name(bm), NULL, 0, 0, (const uint8_t *)"", 0, NULL, 0);
    bpf_object__for_each_map(km, kd->kobj)
    {
        const char *name = bpf_map__name(km);
        struct bpfrt_map *m = match(obj, name);
        enum bpf_map_type t = bpf_map__type(km);
        int kfd = bpf_map__fd(km);

        if (kfd < 0)
            continue;
        if (!m) {
            kd_diff_missing(kd, "map_entries", 0, name, NULL, 0, 0, NULL, 0, (const uint8_t *)"", 0);
            continue;
        }
        switch (t) {
        case BPF_MAP_TYPE_HASH:
        case BPF_MAP_TYPE_ARRAY:
        case BPF_MAP_TYPE_LRU_HASH:
        case BPF_MAP_TYPE_LPM_TRIE:
        case BPF_MAP_TYPE_DEVMAP:
        case BPF_MAP_TYPE_DEVMAP_HASH:
        case BPF_MAP_TYPE_CPUMAP: cmp_keyed(kd, kfd, m, name, 0, 1); break;
        case BPF_MAP_TYPE_PERCPU_HASH:
        case BPF_MAP_TYPE_PERCPU_ARRAY:
        case BPF_MAP_TYPE_LRU_PERCPU_HASH: cmp_keyed(kd, kfd, m, name, 1, 1); break;
        case BPF_MAP_TYPE_PROG_ARRAY:
        case BPF_MAP_TYPE_ARRAY_OF_MAPS:
        case BPF_MAP_TYPE_HASH_OF_MAPS:
            /* values are ids, each side's own: which slots are set */
            cmp_keyed(kd, kfd, m, name, 0, 0);
            break;
        case BPF_MAP_TYPE_QUEUE:
        case BPF_MAP_TYPE_STACK: cmp_popped(kd, kfd, m, name); break;
        case BPF_MAP_TYPE_RINGBUF:
        case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
            if (!kd->records) {
                not_compared(kd, name,
                             t == BPF_MAP_TYPE_RINGBUF ? "ringbuf: records, compared in a pcap replay"
                                                       : "perf_event_array: records, compared in a pcap "
                                                         "replay");
                continue;
            }
            break; /* records: compared packet by packet */
        default: not_compared(kd, name, type_name(t)); continue;
        }
        kd->maps_compared++;
    }
}
