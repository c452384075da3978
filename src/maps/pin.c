/* pin.c - pinned maps: a map's arena in a file, mapped shared by every
 * process that opens it (the bpffs analogue; see docs/ARCHITECTURE.md).
 *
 * File layout:
 *   [0, arena size)                the arena, byte for byte (its struct
 *                                  map_arena_hdr at offset 0)
 *   [arena size, + PIN_META_SIZE)  struct pin_meta: the attributes that
 *                                  are not in the arena, checksummed, and
 *                                  the shared frozen word
 *   [+ PIN_META_SIZE, + btf_len)   version 2: the raw BTF the map's type
 *                                  ids refer to (bpfrt_map__btf), when it
 *                                  has any; its length and FNV-1a checksum
 *                                  are in the metadata
 *
 * Version 1 files (no BTF, a metadata block without the two BTF fields)
 * are still read; they open without BTF.
 *
 * bpfrt_map__pin() reserves the file's blocks (posix_fallocate: all of
 * it but the arena's part past its committed mark, which arena_commit
 * reserves as NO_PREALLOC storage is carved), so that a full filesystem
 * fails the pin with -ENOSPC and removes the file rather than killing a
 * later store with SIGBUS; it writes the arena's current contents into the
 * new file, then moves a shared mapping of the file onto the arena's address
 * (mremap MREMAP_FIXED), so the pointers programs and callers hold into
 * the map stay valid and from then on every update goes to the file.
 * Pinning is not atomic with respect to updates made by other threads
 * while it runs: an update that lands between the copy and the remap is
 * lost, and a lock word taken or released in that window is left as it
 * was copied.  Pin a map before other threads use it (the loader and the
 * CLI do), or while they are quiet.
 *
 * bpfrt_map__open_pinned() checks the file (arena header, size, metadata
 * magic, version and checksum, the type's own layout through its reopen
 * op), maps it MAP_SHARED and builds a process-local struct bpfrt_map with
 * a fresh id.  What is checked is the shape of the file; the contents of
 * the map (chains, free lists) are trusted, as anyone who may write the
 * file may change the map anyway.
 *
 * Maps whose values are object ids: ids are per process, so a pinned
 * PROG_ARRAY or ARRAY_OF_MAPS refers to its programs and maps by their
 * pins instead (the type's pin_prepare / pin_done ops, fd_array.c), and
 * so does a HASH_OF_MAPS (per element).
 *
 * Closing a pinned map unmaps it and leaves the file; unlink() removes the
 * pin.
 *
 * Sharing: every type keeps its whole state in the arena (hash free lists,
 * LRU lists and the element count included; locks are pid-owner words or
 * process-shared robust mutexes), so processes sharing the file share one
 * map.  Limits: the per-CPU slot count (nr_workers) is the creator's, and
 * each process picks its slot as CPU % nr_workers; a lock word names its
 * owner by pid, so processes sharing a map must share a pid namespace for
 * the takeover of a dead owner's lock; the page size must be the
 * creator's.
 *
 * BTF: the blob is checked at open (length, checksum, libbpf's parser,
 * every type reference and the map's key/value type ids inside it); a
 * file whose BTF fails any of these is refused, naming the reason, as a
 * file with a bad metadata block is. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../btf/btf_check.h"
#include "../common/checksum.h"
#include "../common/fs.h"
#include "../common/log.h"
#include "../common/opts.h"
#include "map.h"
#include "registry.h"

#define PIN_MAGIC 0x4e49505452465042ull /* "BPFRTPIN" */
#define PIN_VERSION 2
#define PIN_META_SIZE 4096u
#define PIN_MAX_BTF (64u << 20) /* a map's BTF: an object's .BTF */

/* The attributes a map-in-map's inner prototype had (kept for a later
 * version that pins map-in-maps; zero today). */
struct pin_inner {
    uint32_t type, key_size, value_size, max_entries, map_flags, _pad;
};

struct pin_meta {
    uint64_t magic;
    uint32_t version, meta_size;
    uint64_t arena_size;
    uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers, btf_key_type_id, btf_value_type_id;
    int32_t spin_lock_off;
    char name[MAP_NAME_LEN];
    uint32_t has_inner, _pad;
    struct pin_inner inner;
    uint64_t btf_len, btf_checksum; /* version 2: the BTF after the block */
    uint64_t checksum;              /* FNV-1a of the bytes above */
    /* Shared, mutable: not in the checksum. */
    int frozen;
};

/* Version 1: the same without the BTF fields. */
struct pin_meta_v1 {
    uint64_t magic;
    uint32_t version, meta_size;
    uint64_t arena_size;
    uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers, btf_key_type_id, btf_value_type_id;
    int32_t spin_lock_off;
    char name[MAP_NAME_LEN];
    uint32_t has_inner, _pad;
    struct pin_inner inner;
    uint64_t checksum;
    int frozen;
};

_Static_assert(offsetof(struct pin_meta_v1, inner) == offsetof(struct pin_meta, inner), "v1 prefix");

_Static_assert(sizeof(struct pin_meta) <= PIN_META_SIZE, "pin metadata larger than its block");

struct map_pin {
    char *path;
    struct pin_meta *meta; /* the metadata block, mapped shared */
    int rdonly;            /* opened with BPF_F_RDONLY (bpfrt_pin_opts.file_flags) */
};

int map_pin_rdonly(const struct bpfrt_map *m)
{
    return m->pin && m->pin->rdonly;
}

/* ---- errors ------------------------------------------------------------------ */

static __thread char pin_err[512];

static int pin_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pin_fail(int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pin_err, sizeof(pin_err), fmt, ap);
    va_end(ap);
    return err;
}

const char *bpfrt_pin_error(void)
{
    return pin_err;
}

/* ---- helpers ----------------------------------------------------------------- */

static size_t page_size(void)
{
    long v = sysconf(_SC_PAGESIZE);
    return v > 0 ? (size_t)v : 4096;
}

static uint64_t meta_checksum(const struct pin_meta *m)
{
    return rt_fnv1a(RT_FNV1A_INIT, m, offsetof(struct pin_meta, checksum));
}


static int page_is_zero(const uint8_t *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)p;

    for (size_t i = 0; i < n / 8; i++)
        if (w[i])
            return 0;
    return 1;
}

/* Copy the arena's pages that hold anything into dst (a fresh, zero-filled
 * shared mapping of the file, reserved up to the committed mark).
 * /proc/self/pagemap tells which pages were ever touched (present or
 * swapped), so a large, mostly untouched arena is not read page by page;
 * without pagemap every page below the mark is looked at. */
static void copy_arena(const struct map_arena *a, uint8_t *dst)
{
    /* Past the committed mark nothing was ever written (arena_commit). */
    size_t ps = page_size(), npages = (arena_committed(a) + ps - 1) / ps, done = 0;
    uint64_t ent[512];
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

    while (done < npages) {
        size_t n = npages - done < 512 ? npages - done : 512;
        int known = 0;

        if (fd >= 0) {
            off_t off = (off_t)(((uintptr_t)a->base / ps + done) * sizeof(uint64_t));
            known = pread(fd, ent, n * sizeof(uint64_t), off) == (ssize_t)(n * sizeof(uint64_t));
        }
        for (size_t i = 0; i < n; i++) {
            const uint8_t *src = a->base + (done + i) * ps;
            if (known && !(ent[i] & (3ull << 62))) /* neither present nor swapped: never written */
                continue;
            if (!page_is_zero(src, ps))
                memcpy(dst + (done + i) * ps, src, ps);
        }
        done += n;
    }
    if (fd >= 0)
        close(fd);
}

/* ---- pin ------------------------------------------------------------------- */

/* "map 'NAME'", or "a map" when it has no name. */
static const char *label(const struct bpfrt_map *m, char buf[32])
{
    if (!m->name[0])
        return "a map";
    snprintf(buf, 32, "map '%.*s'", MAP_NAME_LEN, m->name);
    return buf;
}

static int pin_again(struct bpfrt_map *map, const char *path)
{
    char lb[32];

    if (link(map->pin->path, path))
        return pin_fail(-errno, "cannot pin %s at '%s' as a link to its pin '%s': %s", label(map, lb), path,
                        map->pin->path, strerror(errno));
    return 0;
}

int bpfrt_map__pin(struct bpfrt_map *map, const char *path)
{
    size_t asize, fsize, committed;
    struct pin_meta meta, *shm;
    struct map_pin *pin;
    uint8_t *fmap;
    char lb[32];
    int fd, err;

    pin_err[0] = 0;
    if (!map || !path || !*path)
        return pin_fail(-EINVAL, "bpfrt_map__pin: no map or no path");
    /* bpffs's rule, after what no path would change */
    err = cm_pin_path_check(path, pin_err, sizeof(pin_err));
    if (err)
        return err;
    if (map->pin)
        return pin_again(map, path);
    if (map->ops->pin_prepare) {
        char plog[sizeof(pin_err)] = "";
        err = map->ops->pin_prepare(map, plog, sizeof(plog));
        if (err)
            return pin_fail(err, "cannot pin %s at '%s': %s", label(map, lb), path, plog[0] ? plog : strerror(-err));
    }
    if (!map->arena.base)
        return pin_fail(-EOPNOTSUPP, "%s has no storage to pin", label(map, lb));
    asize = map->arena.size;
    if (asize % page_size())
        return pin_fail(-EINVAL, "%s: arena of %zu bytes is not page-aligned", label(map, lb), asize);
    if (map->btf_len > PIN_MAX_BTF)
        return pin_fail(-E2BIG, "%s: its BTF of %zu bytes is more than a pin holds (%u)", label(map, lb),
                        map->btf_len, PIN_MAX_BTF);
    fsize = asize + PIN_META_SIZE + (map->btf ? map->btf_len : 0);

    pin = calloc(1, sizeof(*pin));
    if (!pin || !(pin->path = strdup(path))) {
        free(pin);
        return pin_fail(-ENOMEM, "out of memory");
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = -errno;
        if (err == -EEXIST)
            pin_fail(err, "cannot pin %s at '%s': the file exists (unlink it to remove that pin)", label(map, lb),
                     path);
        else if (err == -ENOENT)
            pin_fail(err, "cannot pin %s at '%s': its directory does not exist", label(map, lb), path);
        else
            pin_fail(err, "cannot pin %s at '%s': %s", label(map, lb), path, strerror(-err));
        goto out_pin;
    }
    if (ftruncate(fd, (off_t)fsize)) {
        err = pin_fail(-errno, "cannot pin %s at '%s': cannot size the file to %zu bytes: %s", label(map, lb), path,
                       fsize, strerror(errno));
        goto out_unlink;
    }
    /* Reserve the blocks of everything but the arena's part backed on
     * demand (arena_commit) now: a store into a shared mapping of a file
     * the filesystem cannot back is a SIGBUS, so a full filesystem must
     * fail here, with nothing left behind. */
    committed = (size_t)arena_committed(&map->arena);
    err = posix_fallocate(fd, 0, (off_t)committed);
    if (!err)
        err = posix_fallocate(fd, (off_t)asize, (off_t)(fsize - asize));
    if (err == EOPNOTSUPP || err == ENOSYS) /* a filesystem that cannot reserve ahead */
        err = 0;
    if (err) {
        err = pin_fail(-err, "cannot pin %s at '%s': cannot reserve %zu bytes for the file: %s", label(map, lb), path,
                       committed + (fsize - asize), strerror(err));
        goto out_unlink;
    }
    memset(&meta, 0, sizeof(meta));
    meta.magic = PIN_MAGIC;
    meta.version = PIN_VERSION;
    meta.meta_size = PIN_META_SIZE;
    meta.arena_size = asize;
    meta.type = map->type;
    meta.key_size = map->key_size;
    meta.value_size = map->value_size;
    meta.max_entries = map->max_entries;
    meta.map_flags = map->map_flags;
    meta.numa_node = map->numa_node;
    meta.map_extra = map->map_extra;
    meta.nr_workers = map->nr_workers;
    meta.btf_key_type_id = map->btf_key_type_id;
    meta.btf_value_type_id = map->btf_value_type_id;
    meta.spin_lock_off = map->spin_lock_off;
    memcpy(meta.name, map->name, MAP_NAME_LEN);
    if (map->btf && map->btf_len) {
        meta.btf_len = map->btf_len;
        meta.btf_checksum = rt_fnv1a(RT_FNV1A_INIT, map->btf, map->btf_len);
    }
    meta.checksum = meta_checksum(&meta);
    meta.frozen = __atomic_load_n(map_frozen_word(map), __ATOMIC_ACQUIRE);
    if (pwrite(fd, &meta, sizeof(meta), (off_t)asize) != (ssize_t)sizeof(meta)) {
        err = pin_fail(errno ? -errno : -EIO, "cannot pin %s at '%s': cannot write its metadata: %s", label(map, lb),
                       path, strerror(errno ? errno : EIO));
        goto out_unlink;
    }
    if (meta.btf_len &&
        pwrite(fd, map->btf, map->btf_len, (off_t)(asize + PIN_META_SIZE)) != (ssize_t)map->btf_len) {
        err = pin_fail(errno ? -errno : -EIO, "cannot pin %s at '%s': cannot write its BTF: %s", label(map, lb), path,
                       strerror(errno ? errno : EIO));
        goto out_unlink;
    }
    shm = mmap(NULL, PIN_META_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)asize);
    if (shm == MAP_FAILED) {
        err = pin_fail(-errno, "cannot pin %s at '%s': cannot map the file: %s", label(map, lb), path, strerror(errno));
        goto out_unlink;
    }
    fmap = mmap(NULL, asize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fmap == MAP_FAILED) {
        err = pin_fail(-errno, "cannot pin %s at '%s': cannot map the file: %s", label(map, lb), path, strerror(errno));
        munmap(shm, PIN_META_SIZE);
        goto out_unlink;
    }
    copy_arena(&map->arena, fmap);
    /* Move the file's mapping onto the arena: the old pages go, the
     * address stays. */
    if (mremap(fmap, asize, asize, MREMAP_MAYMOVE | MREMAP_FIXED, map->arena.base) == MAP_FAILED) {
        err = pin_fail(-errno, "cannot pin %s at '%s': cannot move the file's mapping onto the map: %s", label(map, lb),
                       path, strerror(errno));
        munmap(fmap, asize);
        munmap(shm, PIN_META_SIZE);
        goto out_unlink;
    }
    if (committed < asize)
        map->arena.fd = fd; /* to reserve the rest as it is carved (arena_commit) */
    else
        close(fd);
    pin->meta = shm;
    map->pin = pin;
    map->frozen_shared = &shm->frozen;
    if (map->ops->pin_done)
        map->ops->pin_done(map);
    return 0;

out_unlink:
    unlink(path);
    close(fd);
out_pin:
    free(pin->path);
    free(pin);
    return err;
}

const char *bpfrt_map__pin_path(const struct bpfrt_map *map)
{
    return map && map->pin ? map->pin->path : NULL;
}

/* The reason of the last failure of this thread into the caller's log. */
static int to_log(int err, const struct bpfrt_pin_opts *opts)
{
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t size = CM_OPT(opts, log_size, 0);

    if (log && size)
        snprintf(log, size, "%s", err ? pin_err : "");
    return err;
}

int bpfrt_map__pin_opts(struct bpfrt_map *map, const char *path, const struct bpfrt_pin_opts *opts)
{
    return to_log(bpfrt_map__pin(map, path), opts);
}

int bpfrt_map__unpin(struct bpfrt_map *map)
{
    if (!map || !map->pin)
        return -EINVAL;
    if (unlink(map->pin->path) && errno != ENOENT)
        return -errno;
    /* the storage stays mapped (from a file no name leads to any more);
     * the frozen state goes back to the map's own word */
    map->frozen = __atomic_load_n(map_frozen_word(map), __ATOMIC_ACQUIRE);
    map_pin_release(map);
    return 0;
}

int bpfrt_map__is_frozen(const struct bpfrt_map *map)
{
    if (!map)
        return 0;
    return __atomic_load_n(map->frozen_shared ? map->frozen_shared : &map->frozen, __ATOMIC_ACQUIRE) != 0;
}

const char *map_pin_file_magic(void)
{
    /* the arena header's magic as the file holds it (host byte order:
     * "BPFRTMAP" on little-endian machines) */
    static const uint64_t magic = MAP_ARENA_MAGIC;
    return (const char *)&magic;
}

void map_pin_release(struct bpfrt_map *m)
{
    if (!m->pin)
        return;
    munmap(m->pin->meta, PIN_META_SIZE);
    free(m->pin->path);
    free(m->pin);
    m->pin = NULL;
    m->frozen_shared = NULL;
}

/* ---- open ------------------------------------------------------------------ */

static int bad(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *path, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return pin_fail(-EINVAL, "'%s' is not a usable pinned bpfrt map: %s", path, why);
}

/* Read the metadata block at asize: version 2 as is, version 1 converted
 * (no BTF); *frozen_off is where its shared frozen word is. */
static int read_meta(const char *path, int fd, size_t asize, struct pin_meta *meta, size_t *frozen_off)
{
    union {
        struct pin_meta v2;
        struct pin_meta_v1 v1;
    } u;

    memset(&u, 0, sizeof(u));
    if (pread(fd, &u, sizeof(u), (off_t)asize) != (ssize_t)sizeof(u))
        return bad(path, "cannot read the metadata block");
    if (u.v2.magic != PIN_MAGIC)
        return bad(path, "no metadata block after the map's %zu bytes (foreign or truncated file)", asize);
    if (u.v2.version == 1) {
        if (u.v1.checksum != rt_fnv1a(RT_FNV1A_INIT, &u.v1, offsetof(struct pin_meta_v1, checksum)))
            return bad(path, "metadata checksum mismatch (corrupt file)");
        memset(meta, 0, sizeof(*meta));
        memcpy(meta, &u.v1, offsetof(struct pin_meta_v1, checksum));
        meta->frozen = u.v1.frozen;
        *frozen_off = offsetof(struct pin_meta_v1, frozen);
        return 0;
    }
    if (u.v2.version != PIN_VERSION)
        return bad(path, "metadata version %u, this bpfrt reads 1 and %u", u.v2.version, PIN_VERSION);
    if (u.v2.checksum != meta_checksum(&u.v2))
        return bad(path, "metadata checksum mismatch (corrupt file)");
    *meta = u.v2;
    *frozen_off = offsetof(struct pin_meta, frozen);
    return 0;
}

/* Read and check the BTF after the metadata block into *rawp (malloc'd). */
static int read_btf(const char *path, int fd, size_t asize, const struct pin_meta *meta, void **rawp)
{
    libbpf_print_fn_t old;
    struct btf *btf;
    void *raw;
    long perr;
    int ok;

    *rawp = NULL;
    if (!meta->btf_len)
        return 0; /* version 1, or a map without BTF: untyped */
    raw = malloc((size_t)meta->btf_len);
    if (!raw)
        return pin_fail(-ENOMEM, "cannot open pinned map '%s': out of memory", path);
    if (pread(fd, raw, (size_t)meta->btf_len, (off_t)(asize + PIN_META_SIZE)) != (ssize_t)meta->btf_len) {
        free(raw);
        return bad(path, "cannot read its BTF (%llu bytes)", (unsigned long long)meta->btf_len);
    }
    if (rt_fnv1a(RT_FNV1A_INIT, raw, (size_t)meta->btf_len) != meta->btf_checksum) {
        free(raw);
        return bad(path, "BTF checksum mismatch (corrupt file)");
    }
    old = libbpf_set_print(NULL);
    btf = btf__new(raw, (uint32_t)meta->btf_len);
    libbpf_set_print(old);
    perr = libbpf_get_error(btf);
    if (perr) {
        free(raw);
        return bad(path, "its BTF does not parse (%s)", strerror((int)-perr));
    }
    ok = btf_first_bad_ref(btf) == 0;
    if (!ok) {
        btf__free(btf);
        free(raw);
        return bad(path, "its BTF refers to types it does not have (corrupt file)");
    }
    /* and no reference loop that typed dumps (libbpf's walkers) would
     * follow forever */
    {
        char why[192];

        if (btf_check_types(btf, why, sizeof(why))) {
            btf__free(btf);
            free(raw);
            return bad(path, "its BTF is corrupt: %s", why);
        }
    }
    if (meta->btf_key_type_id >= btf__type_cnt(btf) || meta->btf_value_type_id >= btf__type_cnt(btf)) {
        btf__free(btf);
        free(raw);
        return bad(path, "the map's BTF type ids (key %u, value %u) are not in its BTF", meta->btf_key_type_id,
                   meta->btf_value_type_id);
    }
    btf__free(btf);
    *rawp = raw;
    return 0;
}

/* Check the metadata against the arena header and the type. */
static int check_meta(const char *path, const struct pin_meta *meta, const struct map_arena_hdr *ah, size_t asize,
                      const struct map_ops **opsp)
{
    const struct map_ops *ops;
    struct map_attr attr;
    char log[256] = "";

    if (meta->meta_size != PIN_META_SIZE || meta->arena_size != asize)
        return bad(path, "metadata sizes (%u, %llu) do not match the file", meta->meta_size,
                   (unsigned long long)meta->arena_size);
    if (ah->type != meta->type || ah->key_size != meta->key_size || ah->value_size != meta->value_size ||
        ah->max_entries != meta->max_entries || ah->map_flags != meta->map_flags || ah->nr_workers != meta->nr_workers)
        return bad(path, "the map's header and its metadata disagree (corrupt file)");
    ops = map_ops_of(meta->type);
    if (!ops)
        return bad(path, "map type %u unknown to this bpfrt", meta->type);
    if (!meta->nr_workers)
        return bad(path, "0 workers");
    if (meta->name[MAP_NAME_LEN - 1])
        return bad(path, "map name not terminated");
    if (meta->spin_lock_off < -1 || (meta->spin_lock_off >= 0 && (uint64_t)meta->spin_lock_off + 4 > meta->value_size))
        return bad(path, "spin lock offset %d outside the value", meta->spin_lock_off);
    memset(&attr, 0, sizeof(attr));
    attr.type = meta->type;
    attr.key_size = meta->key_size;
    attr.value_size = meta->value_size;
    attr.max_entries = meta->max_entries;
    attr.map_flags = meta->map_flags;
    /* the flag devmap.c's alloc adds itself, as dev_map_init_map() does */
    if (attr.type == BPF_MAP_TYPE_DEVMAP || attr.type == BPF_MAP_TYPE_DEVMAP_HASH)
        attr.map_flags &= ~(uint32_t)BPF_F_RDONLY_PROG;
    attr.numa_node = meta->numa_node;
    attr.map_extra = meta->map_extra;
    attr.nr_workers = meta->nr_workers;
    attr.spin_lock_at = (uint32_t)(meta->spin_lock_off + 1);
    /* an array of maps keeps its inner prototype in its storage (checked
     * by its reopen op); the attribute check only needs one to be there */
    struct bpfrt_map proto_seen = {.type = BPF_MAP_TYPE_ARRAY};
    if (meta->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || meta->type == BPF_MAP_TYPE_HASH_OF_MAPS)
        attr.inner_map = &proto_seen;
    if (ops->check && ops->check(&attr, log, sizeof(log)))
        return bad(path, "attributes the map type refuses (%s)", log);
    *opsp = ops;
    return 0;
}

static int map_open_pinned(const char *path, uint32_t flags, struct bpfrt_map **mapp);

int bpfrt_map__open_pinned(const char *path, struct bpfrt_map **mapp)
{
    return map_open_pinned(path, 0, mapp);
}

static int map_open_pinned(const char *path, uint32_t flags, struct bpfrt_map **mapp)
{
    const int rdonly = !!(flags & BPF_F_RDONLY);
    struct map_arena_hdr ah;
    struct pin_meta meta, *shm = NULL;
    const struct map_ops *ops = NULL;
    struct bpfrt_map *m = NULL;
    struct stat st;
    size_t ps = page_size(), asize = 0;
    uint8_t *base = MAP_FAILED;
    size_t frozen_off = 0;
    void *btf = NULL;
    int fd, err;
    ssize_t n;

    pin_err[0] = 0;
    if (!path || !*path || !mapp)
        return pin_fail(-EINVAL, "bpfrt_map__open_pinned: no path or no result pointer");
    if (flags & ~(uint32_t)BPF_F_RDONLY)
        return pin_fail(-EINVAL, "cannot open pinned map '%s': flags 0x%x (only BPF_F_RDONLY)", path, flags);
    *mapp = NULL;
    fd = open(path, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0 && !rdonly && (errno == EACCES || errno == EROFS || errno == EPERM))
        return pin_fail(-errno,
                        "cannot open pinned map '%s' for writing: %s (the pin is read-only to this process; "
                        "commands that only read it open it read-only)",
                        path, strerror(errno));
    if (fd < 0)
        return pin_fail(-errno, "cannot open pinned map '%s': %s", path, strerror(errno));
    if (fstat(fd, &st)) {
        err = pin_fail(-errno, "cannot open pinned map '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = bad(path, "not a regular file");
        goto out;
    }
    n = pread(fd, &ah, sizeof(ah), 0);
    if (n != (ssize_t)sizeof(ah)) {
        err = bad(path, "%lld bytes, too short for a map", (long long)st.st_size);
        goto out;
    }
    if (ah.magic != MAP_ARENA_MAGIC) {
        err = bad(path, "no bpfrt map header (foreign file)");
        goto out;
    }
    if (ah.version != MAP_ARENA_VERSION) {
        err = bad(path, "map header version %u, this bpfrt reads %u", ah.version, MAP_ARENA_VERSION);
        goto out;
    }
    if (ah.size < MAP_ARENA_HDR_SIZE || ah.size % ps || ah.size > (uint64_t)st.st_size ||
        (uint64_t)st.st_size - ah.size < PIN_META_SIZE) {
        err = bad(path, "file of %lld bytes for a map of %llu bytes and %u of metadata (truncated or corrupt)",
                  (long long)st.st_size, (unsigned long long)ah.size, PIN_META_SIZE);
        goto out;
    }
    asize = (size_t)ah.size;
    if (ah.brk > asize || ah.committed > asize || ah.committed % ps) {
        err = bad(path, "allocation mark past the end of the map (corrupt file)");
        goto out;
    }
    err = read_meta(path, fd, asize, &meta, &frozen_off);
    if (err)
        goto out;
    if (meta.btf_len > PIN_MAX_BTF || (uint64_t)st.st_size - ah.size - PIN_META_SIZE != meta.btf_len) {
        err = bad(path, "file of %lld bytes for a map of %llu bytes, %u of metadata and %llu of BTF (truncated or "
                  "corrupt)",
                  (long long)st.st_size, (unsigned long long)ah.size, PIN_META_SIZE,
                  (unsigned long long)meta.btf_len);
        goto out;
    }
    err = check_meta(path, &meta, &ah, asize, &ops);
    if (err)
        goto out;
    err = read_btf(path, fd, asize, &meta, &btf);
    if (err)
        goto out;

    /* Read-only (the kernel's BPF_OBJ_GET with BPF_F_RDONLY): the file may
     * be another user's or on a read-only filesystem, so it is opened
     * O_RDONLY.  The metadata block is mapped PROT_READ (only freeze
     * writes it, and freeze is refused).  The storage is mapped private:
     * readers of some types take the map's lock (an LPM trie's walk, a
     * BPF_F_LOCK lookup), a write that must stay in this process; pages
     * this process never writes keep showing the file as others update it.
     * Every user-space write is refused with -EPERM (map.c's can_write). */
    if (rdonly) {
        base = mmap(NULL, asize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
        shm = mmap(NULL, PIN_META_SIZE, PROT_READ, MAP_SHARED, fd, (off_t)asize);
    } else {
        base = mmap(NULL, asize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        shm = mmap(NULL, PIN_META_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)asize);
    }
    m = calloc(1, sizeof(*m));
    if (m)
        m->pin = calloc(1, sizeof(*m->pin));
    if (base == MAP_FAILED || shm == MAP_FAILED || !m || !m->pin || !(m->pin->path = strdup(path))) {
        err = pin_fail(base == MAP_FAILED || shm == MAP_FAILED ? -errno : -ENOMEM, "cannot map pinned map '%s': %s",
                       path, base == MAP_FAILED || shm == MAP_FAILED ? strerror(errno) : "out of memory");
        goto out;
    }
    m->ops = ops;
    m->type = meta.type;
    memcpy(m->name, meta.name, MAP_NAME_LEN);
    m->key_size = meta.key_size;
    m->value_size = meta.value_size;
    m->max_entries = meta.max_entries;
    m->map_flags = meta.map_flags;
    m->numa_node = meta.numa_node;
    m->map_extra = meta.map_extra;
    m->nr_workers = meta.nr_workers;
    m->btf_key_type_id = meta.btf_key_type_id;
    m->btf_value_type_id = meta.btf_value_type_id;
    m->spin_lock_off = meta.spin_lock_off;
    m->arena.base = base;
    m->arena.size = asize;
    m->arena.fd = -1;
    m->pin->meta = shm;
    m->pin->rdonly = rdonly;
    m->frozen_shared = (int *)((uint8_t *)shm + frozen_off);
    m->frozen = __atomic_load_n(m->frozen_shared, __ATOMIC_ACQUIRE);
    m->btf = btf;
    m->btf_len = btf ? (size_t)meta.btf_len : 0;
    btf = NULL;
    if (ops->reopen) {
        err = ops->reopen(m);
        if (err) {
            if (err == -EINVAL)
                bad(path, "the map's storage does not have the layout of a %u-entry map of its type (corrupt file)",
                    m->max_entries);
            else
                pin_fail(err, "cannot open pinned map '%s': %s", path, strerror(-err));
            goto out;
        }
    }
    err = map_register(m);
    if (err) {
        pin_fail(err, "cannot open pinned map '%s': out of memory", path);
        if (ops->free)
            ops->free(m); /* priv; some types unmap the arena here too */
        if (!m->arena.base)
            base = MAP_FAILED;
        goto out;
    }
    if (arena_committed(&m->arena) < asize)
        m->arena.fd = fd; /* to reserve the part backed on demand as it is carved */
    else
        close(fd);
    *mapp = m;
    return 0;

out:
    if (base != MAP_FAILED)
        munmap(base, asize);
    if (shm && shm != MAP_FAILED)
        munmap(shm, PIN_META_SIZE);
    if (m) {
        if (m->pin)
            free(m->pin->path);
        free(m->pin);
        free(m->btf);
        free(m);
    }
    free(btf);
    close(fd);
    return err;
}

int bpfrt_map__open_pinned_opts(const char *path, const struct bpfrt_pin_opts *opts, struct bpfrt_map **mapp)
{
    return to_log(map_open_pinned(path, CM_OPT(opts, file_flags, 0), mapp), opts);
}

/* ---- pins made for what refers to a map -------------------------------- */

/* A file name for a map's pin: its name, with what a path cannot hold
 * replaced, or "map". */
static void map_file_name(const struct bpfrt_map *m, char *out, size_t sz)
{
    const char *n = bpfrt_map__name(m);
    size_t k = 0;

    for (; n && n[k] && k + 1 < sz; k++)
        out[k] = n[k] == '/' ? '_' : n[k];
    out[k] = 0;
    if (!k || !strcmp(out, ".") || !strcmp(out, ".."))
        snprintf(out, sz, "map");
}

/* map.h: m under <state dir>/maps/<map name>.<pid>.<map id>[.<n>]
 * (pinned programs and arrays need their maps pinned). */
int map_pin_unique(struct bpfrt_map *m, char *log, size_t logsz)
{
    const char *dir = bpfrt_fs_dir();
    char sub[PATH_MAX], path[PATH_MAX], name[32];
    int err = 0;

    if (!dir)
        return cm_log(log, logsz, -errno,
                       "map '%s' must be pinned and there is no state directory: %s "
                       "(set BPFRT_FS)",
                       bpfrt_map__name(m), strerror(errno));
    if ((size_t)snprintf(sub, sizeof(sub), "%s/maps", dir) >= sizeof(sub))
        return cm_log(log, logsz, -ENAMETOOLONG, "state directory path '%s' is too long", dir);
    if (mkdir(sub, 0700) && errno != EEXIST)
        return cm_log(log, logsz, -errno, "cannot create '%s': %s", sub, strerror(errno));
    map_file_name(m, name, sizeof(name));
    for (unsigned n = 0; n < 1000; n++) {
        int len = n ? snprintf(path, sizeof(path), "%s/%s.%ld.%u.%u", sub, name, (long)getpid(), bpfrt_map__id(m), n)
                    : snprintf(path, sizeof(path), "%s/%s.%ld.%u", sub, name, (long)getpid(), bpfrt_map__id(m));
        if (len < 0 || (size_t)len >= sizeof(path))
            return cm_log(log, logsz, -ENAMETOOLONG, "pin path for map '%s' under '%s' is too long",
                           bpfrt_map__name(m), sub);
        err = bpfrt_map__pin(m, path);
        if (err != -EEXIST)
            break;
    }
    /* bpfrt_pin_error() already says "cannot pin map 'x' at 'P': why" */
    if (err && !strncmp(bpfrt_pin_error(), "cannot pin ", 11))
        return cm_log(log, logsz, err, "%s", bpfrt_pin_error());
    if (err)
        return cm_log(log, logsz, err, "cannot pin map '%s' under '%s': %s", bpfrt_map__name(m), sub,
                       bpfrt_pin_error()[0] ? bpfrt_pin_error() : strerror(-err));
    return 0;
}

