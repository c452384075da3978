/* fault.c - fault injection, SQLite's habit: the Nth allocation, file write,
 * file sizing/reservation or mapping made by libbpfrt fails, for every N a
 * scenario reaches, and each failure must end in an error (or a success
 * that is whole), with nothing leaked (run under ASan: LeakSanitizer checks
 * after every injected failure), no partial pin file left, and the pins
 * that were there before byte for byte unchanged.
 *
 * Mechanism: this binary is linked against the static library with
 * -Wl,--wrap=malloc,... (see the Makefile's `fault` target), so every call
 * the library's objects make to these functions comes here first; the
 * library's sources are not changed.  Calls made inside shared libraries
 * (libelf's and libbpf's own allocations, glibc's internal ones such as
 * fopen's buffer or vsnprintf's) are not wrapped that way and are not
 * swept.
 *
 * Scenarios: object load (examples/xdp_fw.c and objects of tests/data:
 * BTF-defined maps pinned by name, legacy maps, subprograms, tail calls,
 * ring buffers; compiled here with clang-19), map create (one map of each
 * main type), map pin (preallocated, NO_PREALLOC, LRU and LPM maps), open
 * of a pinned map, map update (pinned and not: NO_PREALLOC hash and LPM,
 * whose inserts reserve file blocks), program pin, open of a pinned
 * program.
 *
 * Usage: bpfrt-fault [-v] [scenario...]   (exit status 0 when all hold) */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"

/* ---- the wrappers ---------------------------------------------------------- */

enum { F_ALLOC, F_WRITE, F_SIZE, F_MMAP, F_KINDS };
static const char *const kind_name[F_KINDS] = {"alloc", "write", "size", "mmap"};

static int armed;        /* count (and fail) only while the operation under test runs */
static long fail_at;     /* fail the fail_at-th call counted (1-based); 0: none */
static int persistent;   /* and every call after it (a resource that stays exhausted) */
static long calls;       /* calls counted since arming */
static int hit_kind = -1; /* the kind of the call failed, or -1 */
static void *hit_caller;  /* who made it (-v prints it for failures absorbed) */

static int fail_at_call(int kind, void *caller)
{
    if (!armed)
        return 0;
    ++calls;
    if (calls < fail_at || (calls > fail_at && !persistent))
        return 0;
    if (calls == fail_at) {
        hit_kind = kind;
        hit_caller = caller;
    }
    return 1;
}

#define fail_now(kind) fail_at_call(kind, __builtin_return_address(0))

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
char *__real_strdup(const char *);
void *__real_aligned_alloc(size_t, size_t);
int __real_posix_memalign(void **, size_t, size_t);
ssize_t __real_write(int, const void *, size_t);
ssize_t __real_pwrite(int, const void *, size_t, off_t);
size_t __real_fwrite(const void *, size_t, size_t, FILE *);
int __real_ftruncate(int, off_t);
int __real_fallocate(int, int, off_t, off_t);
int __real_posix_fallocate(int, off_t, off_t);
void *__real_mmap(void *, size_t, int, int, int, off_t);
void *__real_mremap(void *, size_t, size_t, int, ...);

void *__wrap_malloc(size_t n)
{
    if (fail_now(F_ALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
    if (fail_now(F_ALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
    if (fail_now(F_ALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    if (fail_now(F_ALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_strdup(s);
}

void *__wrap_aligned_alloc(size_t al, size_t n)
{
    if (fail_now(F_ALLOC)) {
        errno = ENOMEM;
        return NULL;
    }
    return __real_aligned_alloc(al, n);
}

int __wrap_posix_memalign(void **p, size_t al, size_t n)
{
    if (fail_now(F_ALLOC))
        return ENOMEM;
    return __real_posix_memalign(p, al, n);
}

ssize_t __wrap_write(int fd, const void *b, size_t n)
{
    if (fail_now(F_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return __real_write(fd, b, n);
}

ssize_t __wrap_pwrite(int fd, const void *b, size_t n, off_t off)
{
    if (fail_now(F_WRITE)) {
        errno = ENOSPC;
        return -1;
    }
    return __real_pwrite(fd, b, n, off);
}

size_t __wrap_fwrite(const void *b, size_t sz, size_t n, FILE *f)
{
    if (fail_now(F_WRITE)) {
        errno = ENOSPC;
        return 0;
    }
    return __real_fwrite(b, sz, n, f);
}

int __wrap_ftruncate(int fd, off_t len)
{
    if (fail_now(F_SIZE)) {
        errno = EFBIG;
        return -1;
    }
    return __real_ftruncate(fd, len);
}

int __wrap_fallocate(int fd, int mode, off_t off, off_t len)
{
    if (fail_now(F_SIZE)) {
        errno = ENOSPC;
        return -1;
    }
    return __real_fallocate(fd, mode, off, len);
}

int __wrap_posix_fallocate(int fd, off_t off, off_t len)
{
    if (fail_now(F_SIZE))
        return ENOSPC;
    return __real_posix_fallocate(fd, off, len);
}

void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    if (fail_now(F_MMAP)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return __real_mmap(a, n, prot, flags, fd, off);
}

void *__wrap_mremap(void *old, size_t oldn, size_t n, int flags, ...)
{
    void *fixed = NULL;
    va_list ap;

    va_start(ap, flags);
    if (flags & MREMAP_FIXED)
        fixed = va_arg(ap, void *);
    va_end(ap);
    if (fail_now(F_MMAP)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    return __real_mremap(old, oldn, n, flags, fixed);
}

/* LeakSanitizer's check that may run many times (ASan builds only). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* ---- the state directory and its pins --------------------------------------- */

static char dir[256];
static int verbose;
static long failures;

#define MAX_FILES 64
struct snap {
    int n;
    char *path[MAX_FILES];
    char *bytes[MAX_FILES];
    size_t len[MAX_FILES];
};

static char *slurp(const char *path, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *b;

    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    b = malloc((size_t)st.st_size + 1);
    if (b && read(fd, b, (size_t)st.st_size) != st.st_size) {
        free(b);
        b = NULL;
    }
    close(fd);
    *lenp = (size_t)st.st_size;
    return b;
}

/* Every file under d (one level of subdirectories: the state directory's
 * maps/), with its bytes. */
static void snap_dir(const char *d, struct snap *s, int depth)
{
    DIR *dd = opendir(d);
    struct dirent *e;

    if (!dd)
        return;
    while ((e = readdir(dd))) {
        char p[600];
        struct stat st;

        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
        if (lstat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < 2)
                snap_dir(p, s, depth + 1);
            continue;
        }
        if (s->n == MAX_FILES)
            break;
        s->path[s->n] = strdup(p);
        s->bytes[s->n] = slurp(p, &s->len[s->n]);
        s->n++;
    }
    closedir(dd);
}

static void snap_free(struct snap *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->path[i]);
        free(s->bytes[i]);
    }
    s->n = 0;
}

static int snap_find(const struct snap *s, const char *p)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->path[i], p))
            return i;
    return -1;
}

static struct snap baseline;

static void fail(const char *scen, long n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(const char *scen, long n, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "FAIL %s, failing call %ld%s (%s): ", scen, n, persistent ? " and later" : "",
            hit_kind >= 0 ? kind_name[hit_kind] : "none");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures++;
}

/* After an iteration: the pins there before are byte for byte the same;
 * after a failure nothing else is there, after a success what the
 * operation created is removed (so the next iteration starts the same). */
static void check_dir(const char *scen, long n, int failed)
{
    struct snap now = {0};

    snap_dir(dir, &now, 0);
    for (int i = 0; i < baseline.n; i++) {
        int j = snap_find(&now, baseline.path[i]);
        if (j < 0)
            fail(scen, n, "existing pin %s is gone", baseline.path[i]);
        else if (now.len[j] != baseline.len[i] || !now.bytes[j] ||
                 memcmp(now.bytes[j], baseline.bytes[i], baseline.len[i]))
            fail(scen, n, "existing pin %s changed", baseline.path[i]);
    }
    for (int j = 0; j < now.n; j++) {
        if (snap_find(&baseline, now.path[j]) >= 0)
            continue;
        if (failed)
            fail(scen, n, "the failed operation left %s behind", now.path[j]);
        unlink(now.path[j]);
    }
    snap_free(&now);
}

/* What a scenario's prepare pinned goes before the check. */
static void remove_new_files(void)
{
    struct snap now = {0};

    snap_dir(dir, &now, 0);
    for (int j = 0; j < now.n; j++)
        if (snap_find(&baseline, now.path[j]) < 0)
            unlink(now.path[j]);
    snap_free(&now);
}

/* ---- scenarios ------------------------------------------------------------ */

/* One scenario: prepare (not swept), run (swept: returns 0 or -errno and
 * must then have left nothing), check a success is whole, clean up. */
struct scenario {
    const char *name;
    void *(*prepare)(void);
    int (*run)(void *ctx);
    int (*check)(void *ctx); /* after a success: 0 when the result is whole */
    void (*cleanup)(void *ctx, int err);
};

static char obj_filter[512];

/* The objects the load sweep opens and loads (compiled in main). */
static const struct {
    const char *src, *name;
} objects[] = {
    {"examples/xdp_fw.c", "xdp_fw"},           {"tests/data/bpf/btf_maps.c", "btf_maps"},
    {"tests/data/bpf/subprogs.c", "subprogs"}, {"tests/data/bpf/legacy_maps.c", "legacy_maps"},
    {"tests/data/tail/tailcall.c", "tailcall"}, {"tests/data/helpers/helpers2.c", "helpers2"},
};
#define NOBJ (sizeof(objects) / sizeof(objects[0]))
static char obj_path[NOBJ][512];

static void build_obj(const char *src, char *out, size_t outsz, const char *name)
{
    char cmd[4096];

    snprintf(out, outsz, "%s-objs/%s.o", dir, name);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s-objs && clang-19 -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c %s -o %s", dir,
             src, out);
    if (system(cmd)) {
        fprintf(stderr, "fault: cannot compile %s\n", src);
        exit(2);
    }
}

/* object load */
struct load_ctx {
    const char *path;
    struct bpfrt_object *obj;
};

static struct load_ctx load_ctx;

static void *prep_load(void)
{
    return &load_ctx;
}

static int run_load(void *p)
{
    struct load_ctx *c = p;
    int err;

    c->obj = NULL;
    err = bpfrt_object__open_file(c->path, NULL, &c->obj);
    if (err)
        return err;
    return bpfrt_object__load(c->obj);
}

static int check_load(void *p)
{
    struct load_ctx *c = p;
    struct bpfrt_program *pg = bpfrt_object__next_program(c->obj, NULL);
    uint32_t line = 0;

    /* loaded, and whole: the objects are built with -g, so the program
     * has its source lines (.BTF.ext) */
    if (!pg || !bpfrt_program__prog(pg))
        return -1;
    return bpfrt_program__source_line(pg, 0, &line, NULL) ? 0 : -1;
}

static void cleanup_load(void *p, int err)
{
    struct load_ctx *c = p;

    (void)err;
    bpfrt_object__close(c->obj);
    c->obj = NULL;
}

/* map create */
static struct bpfrt_map *created[16];
static int ncreated;

static void *prep_none(void)
{
    return NULL;
}

static int run_create(void *p)
{
    static const struct {
        enum bpf_map_type t;
        uint32_t k, v, n, flags;
    } defs[] = {
        {BPF_MAP_TYPE_HASH, 4, 8, 64, 0},
        {BPF_MAP_TYPE_HASH, 4, 8, 64, BPF_F_NO_PREALLOC},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 64, 0},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 64, 0},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 64, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 64, BPF_F_NO_PREALLOC},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 8, 64, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 64, 0},
        {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, 0},
    };
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .nr_workers = 2};

    (void)p;
    ncreated = 0;
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        struct bpfrt_map *m = NULL;
        int err;

        o.map_flags = defs[i].flags;
        err = bpfrt_map__create(defs[i].t, "m", defs[i].k, defs[i].v, defs[i].n, &o, &m);
        if (err)
            return err;
        created[ncreated++] = m;
    }
    return 0;
}

static int check_created(void *p)
{
    uint32_t k = 1;
    uint64_t v = 5, got = 0;

    (void)p;
    if (bpfrt_map__update_elem(created[0], &k, 4, &v, 8, 0) || bpfrt_map__lookup_elem(created[0], &k, 4, &got, 8, 0) ||
        got != 5)
        return -1;
    return 0;
}

static void cleanup_create(void *p, int err)
{
    (void)p;
    (void)err;
    for (int i = 0; i < ncreated; i++)
        bpfrt_map__free(created[i]);
    ncreated = 0;
}

/* map pin: several maps with contents */
struct pin_ctx {
    struct bpfrt_map *m[5];
    int n;
};
static struct pin_ctx pin_ctx;

struct lpm_key {
    uint32_t plen;
    uint8_t d[4];
};

static struct bpfrt_map *mk(enum bpf_map_type t, uint32_t k, uint32_t v, uint32_t n, uint32_t flags)
{
    struct bpfrt_map_create_opts o = {.sz = sizeof(o), .map_flags = flags, .nr_workers = 2};
    struct bpfrt_map *m = NULL;

    if (bpfrt_map__create(t, "p", k, v, n, &o, &m)) {
        fprintf(stderr, "fault: cannot create a map of type %d\n", t);
        exit(2);
    }
    return m;
}

static void fill(struct bpfrt_map *m, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = i * 3 + 1;
        if (bpfrt_map__type(m) == BPF_MAP_TYPE_LPM_TRIE) {
            struct lpm_key k = {32, {10, 0, (uint8_t)(i >> 8), (uint8_t)i}};
            bpfrt_map__update_elem(m, &k, sizeof(k), &v, 8, 0);
        } else {
            bpfrt_map__update_elem(m, &i, 4, &v, 8, 0);
        }
    }
}

static void *prep_pin(void)
{
    pin_ctx.n = 0;
    pin_ctx.m[pin_ctx.n++] = mk(BPF_MAP_TYPE_HASH, 4, 8, 256, 0);
    pin_ctx.m[pin_ctx.n++] = mk(BPF_MAP_TYPE_HASH, 4, 8, 4096, BPF_F_NO_PREALLOC);
    pin_ctx.m[pin_ctx.n++] = mk(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct lpm_key), 8, 100000, BPF_F_NO_PREALLOC);
    pin_ctx.m[pin_ctx.n++] = mk(BPF_MAP_TYPE_ARRAY, 4, 8, 64, 0);
    pin_ctx.m[pin_ctx.n++] = mk(BPF_MAP_TYPE_LRU_HASH, 4, 8, 256, 0);
    for (int i = 0; i < pin_ctx.n; i++)
        fill(pin_ctx.m[i], 50);
    return &pin_ctx;
}

static int run_pin(void *p)
{
    struct pin_ctx *c = p;
    char path[600];

    for (int i = 0; i < c->n; i++) {
        int err;

        snprintf(path, sizeof(path), "%s/pin%d", dir, i);
        err = bpfrt_map__pin(c->m[i], path);
        if (err) {
            /* the pins made by the calls that succeeded are not the
             * failed call's to remove */
            int saved = armed;
            armed = 0;
            while (i-- > 0) {
                snprintf(path, sizeof(path), "%s/pin%d", dir, i);
                unlink(path);
            }
            armed = saved;
            return err;
        }
    }
    return 0;
}

/* Every map has its contents, pinned or not, and still takes updates. */
static int check_maps(struct bpfrt_map *const *m, int n)
{
    for (int i = 0; i < n; i++) {
        for (uint32_t j = 0; j < 50; j++) {
            uint64_t got = 0;
            int err;
            if (bpfrt_map__type(m[i]) == BPF_MAP_TYPE_LPM_TRIE) {
                struct lpm_key k = {32, {10, 0, (uint8_t)(j >> 8), (uint8_t)j}};
                err = bpfrt_map__lookup_elem(m[i], &k, sizeof(k), &got, 8, 0);
            } else {
                err = bpfrt_map__lookup_elem(m[i], &j, 4, &got, 8, 0);
            }
            if (err || got != j * 3 + 1)
                return -1;
        }
        fill(m[i], 60);
    }
    return 0;
}

static int check_pin(void *p)
{
    struct pin_ctx *c = p;

    return check_maps(c->m, c->n);
}

static void cleanup_pin(void *p, int err)
{
    struct pin_ctx *c = p;

    /* whatever pinned or not, the maps keep working */
    if (err && check_maps(c->m, c->n))
        fail("map pin", fail_at, "a map lost its contents after a failed pin");
    for (int i = 0; i < c->n; i++)
        bpfrt_map__free(c->m[i]);
    c->n = 0;
}

/* open of a pinned map (the pins are made in prepare, removed in cleanup) */
static struct bpfrt_map *opened[5];
static int nopened;

static void *prep_open(void)
{
    prep_pin();
    if (run_pin(&pin_ctx)) {
        fprintf(stderr, "fault: cannot pin: %s\n", bpfrt_pin_error());
        exit(2);
    }
    return &pin_ctx;
}

static int run_open(void *p)
{
    struct pin_ctx *c = p;
    char path[600];

    nopened = 0;
    for (int i = 0; i < c->n; i++) {
        int err;

        snprintf(path, sizeof(path), "%s/pin%d", dir, i);
        err = bpfrt_map__open_pinned(path, &opened[nopened]);
        if (err)
            return err;
        nopened++;
    }
    return 0;
}

static int check_open(void *p)
{
    (void)p;
    return check_maps(opened, nopened);
}

static void cleanup_open(void *p, int err)
{
    char path[600];

    (void)err;
    for (int i = 0; i < nopened; i++)
        bpfrt_map__free(opened[i]);
    nopened = 0;
    for (int i = 0; i < pin_ctx.n; i++) {
        snprintf(path, sizeof(path), "%s/pin%d", dir, i);
        unlink(path);
    }
    cleanup_pin(p, 0);
}

/* map update: new keys into pinned and unpinned NO_PREALLOC hash and LPM
 * maps, past the part their files had at pin time (so inserts reserve). */
static struct bpfrt_map *upd[4];

static void *prep_update(void)
{
    char path[600];

    upd[0] = mk(BPF_MAP_TYPE_HASH, 4, 64, 65536, BPF_F_NO_PREALLOC);
    upd[1] = mk(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct lpm_key), 64, 65536, BPF_F_NO_PREALLOC);
    upd[2] = mk(BPF_MAP_TYPE_HASH, 4, 64, 65536, BPF_F_NO_PREALLOC);
    upd[3] = mk(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct lpm_key), 64, 65536, BPF_F_NO_PREALLOC);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/upd%d", dir, i);
        if (bpfrt_map__pin(upd[i], path)) {
            fprintf(stderr, "fault: cannot pin: %s\n", bpfrt_pin_error());
            exit(2);
        }
    }
    return upd;
}

/* 8000 inserts: 64 + 40 bytes per hash element, two LPM nodes of 112
 * bytes per prefix: several commit steps of 256 KiB each. */
#define UPD_N 8000

static int run_update(void *p)
{
    struct bpfrt_map **m = p;
    uint8_t v[64] = {0};

    for (uint32_t i = 0; i < UPD_N; i++) {
        struct lpm_key k = {32, {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
        int err;

        memcpy(v, &i, 4);
        for (int j = 0; j < 4; j++) {
            err = (j & 1) ? bpfrt_map__update_elem(m[j], &k, sizeof(k), v, 64, 0)
                          : bpfrt_map__update_elem(m[j], &i, 4, v, 64, 0);
            if (err)
                return err;
        }
    }
    return 0;
}

static int check_update(void *p)
{
    struct bpfrt_map **m = p;

    for (uint32_t i = 0; i < UPD_N; i += 97) {
        struct lpm_key k = {32, {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
        uint8_t got[64];
        for (int j = 0; j < 4; j++) {
            int err = (j & 1) ? bpfrt_map__lookup_elem(m[j], &k, sizeof(k), got, 64, 0)
                              : bpfrt_map__lookup_elem(m[j], &i, 4, got, 64, 0);
            if (err || memcmp(got, &i, 4))
                return -1;
        }
    }
    return 0;
}

static void cleanup_update(void *p, int err)
{
    struct bpfrt_map **m = p;
    char path[600];

    /* after a failed insert the maps still take the rest */
    if (err && (run_update(p) || check_update(p)))
        fail("map update", fail_at, "the maps do not take updates after a failed one");
    for (int i = 0; i < 4; i++)
        bpfrt_map__free(m[i]);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/upd%d", dir, i);
        unlink(path);
    }
}

/* program pin: xdp_fw.c loaded, pinned with its maps */
static struct bpfrt_object *pp_obj;

static void *prep_prog_pin(void)
{
    if (bpfrt_object__open_file(obj_filter, NULL, &pp_obj) || bpfrt_object__load(pp_obj)) {
        fprintf(stderr, "fault: cannot load %s\n", obj_filter);
        exit(2);
    }
    return pp_obj;
}

static struct bpfrt_prog *first_prog(struct bpfrt_object *o)
{
    return bpfrt_program__prog(bpfrt_object__next_program(o, NULL));
}

static int run_prog_pin(void *p)
{
    char path[600];

    snprintf(path, sizeof(path), "%s/prog", dir);
    return bpfrt_prog__pin(first_prog(p), path);
}

static int check_prog_pin(void *p)
{
    struct bpfrt_prog *q = NULL;
    char path[600];
    int err;

    (void)p;
    snprintf(path, sizeof(path), "%s/prog", dir);
    err = bpfrt_prog__open_pinned(path, &q);
    if (!err)
        bpfrt_prog__free(q);
    return err;
}

static void cleanup_prog_pin(void *p, int err)
{
    (void)err;
    bpfrt_object__close(p);
    pp_obj = NULL;
}

/* open of a pinned program (pinned in prepare with its maps; cleanup
 * removes them) */
static struct bpfrt_prog *opened_prog;

static void *prep_prog_open(void)
{
    char path[600];

    prep_prog_pin();
    snprintf(path, sizeof(path), "%s/prog", dir);
    if (bpfrt_prog__pin(first_prog(pp_obj), path)) {
        fprintf(stderr, "fault: cannot pin a program\n");
        exit(2);
    }
    return pp_obj;
}

static int run_prog_open(void *p)
{
    char path[600];

    (void)p;
    opened_prog = NULL;
    snprintf(path, sizeof(path), "%s/prog", dir);
    return bpfrt_prog__open_pinned(path, &opened_prog);
}

static int check_prog_open(void *p)
{
    (void)p;
    return opened_prog ? 0 : -1;
}

static void remove_new_files(void);

static void cleanup_prog_open(void *p, int err)
{
    bpfrt_prog__free(opened_prog);
    opened_prog = NULL;
    cleanup_prog_pin(p, err);
    remove_new_files();
}

static const struct scenario scenarios[] = {
    {"object load", prep_load, run_load, check_load, cleanup_load},
    {"map create", prep_none, run_create, check_created, cleanup_create},
    {"map pin", prep_pin, run_pin, check_pin, cleanup_pin},
    {"map open pinned", prep_open, run_open, check_open, cleanup_open},
    {"map update", prep_update, run_update, check_update, cleanup_update},
    {"prog pin", prep_prog_pin, run_prog_pin, check_prog_pin, cleanup_prog_pin},
    {"prog open pinned", prep_prog_open, run_prog_open, check_prog_open, cleanup_prog_open},
};

/* ---- the sweep --------------------------------------------------------------- */

static long sweep(const struct scenario *s, const char *label)
{
    long n, points = 0, errors = 0, kinds[F_KINDS] = {0};

    for (n = 1;; n++) {
        void *ctx = s->prepare();
        int err;

        fail_at = n;
        calls = 0;
        hit_kind = -1;
        if (verbose)
            fprintf(stderr, "%s: failing call %ld\n", label, n);
        armed = 1;
        err = s->run(ctx);
        armed = 0;
        if (hit_kind < 0) { /* fewer than n calls: every point swept */
            if (err)
                fail(label, n, "fails without an injected failure: %s", strerror(-err));
            else if (s->check(ctx))
                fail(label, n, "result wrong without an injected failure");
            s->cleanup(ctx, err);
            check_dir(label, n, 0);
            break;
        }
        points++;
        kinds[hit_kind]++;
        if (err > 0)
            fail(label, n, "returned %d, not a negative errno", err);
        if (err)
            errors++;
        if (!err && verbose) {
            Dl_info di;
            if (dladdr(hit_caller, &di) && di.dli_fname)
                fprintf(stderr, "%s: failing call %ld (%s) absorbed, made at %s+%#lx\n", label, n,
                        kind_name[hit_kind], di.dli_fname, (unsigned long)((char *)hit_caller - (char *)di.dli_fbase));
        }
        if (!err && s->check(ctx))
            fail(label, n, "succeeded, but the result is not whole");
        s->cleanup(ctx, err);
        check_dir(label, n, err != 0);
        if (__lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check()) {
            fail(label, n, "leak (above)");
            exit(1);
        }
    }
    printf("%-16s %-10s %5ld points (alloc %ld, write %ld, size %ld, mmap %ld): %ld errors returned, %ld absorbed\n",
           label, persistent ? "from N on" : "Nth only", points, kinds[F_ALLOC], kinds[F_WRITE], kinds[F_SIZE],
           kinds[F_MMAP], errors, points - errors);
    return points;
}

static int wanted(int argc, char **argv, const char *name)
{
    if (optind >= argc)
        return 1;
    for (int a = optind; a < argc; a++)
        if (strstr(name, argv[a]))
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct bpfrt_map *keep;
    char path[600], cmd[700];
    long total = 0;
    int c;

    while ((c = getopt(argc, argv, "v")) != -1) {
        if (c == 'v')
            verbose = 1;
        else
            return 2;
    }
    snprintf(dir, sizeof(dir), "/tmp/bpfrt-fault-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    setenv("BPFRT_FS", dir, 1);
    for (size_t k = 0; k < NOBJ; k++)
        build_obj(objects[k].src, obj_path[k], sizeof(obj_path[k]), objects[k].name);
    snprintf(obj_filter, sizeof(obj_filter), "%s", obj_path[0]);

    /* The pins that must survive every failure: a map and a program (with
     * its maps under maps/). */
    keep = mk(BPF_MAP_TYPE_HASH, 4, 8, 64, 0);
    fill(keep, 20);
    snprintf(path, sizeof(path), "%s/keep", dir);
    if (bpfrt_map__pin(keep, path))
        return 2;
    bpfrt_map__free(keep);
    prep_prog_pin();
    snprintf(path, sizeof(path), "%s/keep_prog", dir);
    if (bpfrt_prog__pin(first_prog(pp_obj), path))
        return 2;
    bpfrt_object__close(pp_obj);
    snap_dir(dir, &baseline, 0);

    /* Each scenario twice: only the Nth call fails (a transient failure),
     * then the Nth and every later one (an exhausted resource: the error
     * paths' own cleanup calls fail too). */
    for (persistent = 0; persistent < 2; persistent++)
        for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
            if (!wanted(argc, argv, scenarios[i].name))
                continue;
            if (scenarios[i].run != run_load) {
                total += sweep(&scenarios[i], scenarios[i].name);
                continue;
            }
            for (size_t k = 0; k < NOBJ; k++) {
                char label[64];
                snprintf(label, sizeof(label), "load %s", objects[k].name);
                load_ctx.path = obj_path[k];
                total += sweep(&scenarios[i], label);
            }
        }
    printf("fault: %ld injection points swept, %ld failures\n", total, failures);

    snap_free(&baseline);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s-objs'", dir, dir);
    if (system(cmd)) {
    }
    return failures ? 1 : 0;
}
