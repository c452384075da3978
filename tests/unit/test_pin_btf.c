/* test_pin_btf.c - pinned maps keep their BTF: the loader's DATASEC fixups
 * and map BTF (bpfrt_map__btf), the BTF in the pin file (version 2; version
 * 1 files still open), a corrupt BTF refused, typed `map dump|lookup
 * pinned` compared with bpftool on the same object loaded in the kernel,
 * and `prog show` / `map show` listing the pins of the state directory. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_run.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfrt/bpfrt.h"

#define OBJDIR "build/cache/pinbtf"
#define HAS(s, sub) cr_assert(strstr((s), (sub)) != NULL, "missing <%s> in:\n%s", (sub), (s))

static char fs[64];

static void setup(void)
{
    snprintf(fs, sizeof(fs), "/tmp/bpfrt-pinbtf-XXXXXX");
    cr_assert_not_null(mkdtemp(fs));
    /* pins must lie under the state directory (as under bpffs) */
    setenv("BPFRT_FS", fs, 1);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", fs);
    cr_assert_eq(system(cmd), 0);
}

/* Run a shell line in the test's directory fs, capturing both streams. */
static struct out sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct out sh(const char *fmt, ...)
{
    char line[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return cli_sh("cd %s && %s", fs, line);
}

/* The bpfrt command (absolute path: sh runs in fs) with the state
 * directory fs/state. */
static const char *bin(void)
{
    static char path[PATH_MAX];
    const char *b = getenv("BPFRT") ? getenv("BPFRT") : "build/bpfrt";
    cr_assert_not_null(realpath(b, path), "no %s", b);
    return path;
}

#define BPFRT(...) sh("BPFRT_FS=%s/state %s " __VA_ARGS__)
/* The same with fs itself as the state directory (pins at fs/...). */
#define BPFRT_HERE(...) sh("BPFRT_FS=%s %s " __VA_ARGS__)

/* tests/data/cli/<name>.c compiled once (private file, renamed in place). */
static const char *obj(const char *name)
{
    static char path[PATH_MAX];
    char rel[256], cmd[1024];
    struct stat st, src;

    snprintf(rel, sizeof(rel), OBJDIR "/%s.o", name);
    snprintf(cmd, sizeof(cmd), "tests/data/cli/%s.c", name);
    cr_assert_eq(stat(cmd, &src), 0);
    if (stat(rel, &st) || st.st_mtime < src.st_mtime) {
        cr_assert_eq(system("mkdir -p " OBJDIR), 0);
        snprintf(cmd, sizeof(cmd),
                 "clang-19 -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c tests/data/cli/%s.c -o %s.%d && "
                 "mv -f %s.%d %s",
                 name, rel, getpid(), rel, getpid(), rel);
        cr_assert_eq(system(cmd), 0);
    }
    cr_assert_not_null(realpath(rel, path));
    return path;
}

static const char *run_maps(void)
{
    static char path[PATH_MAX];
    cr_assert_eq(system("make -s -C tests/data/bpf >/dev/null"), 0);
    cr_assert_not_null(realpath("build/tests/data/bpf/run_maps.o", path));
    return path;
}

static int have_bpftool(void)
{
    return geteuid() == 0 && access("/usr/sbin/bpftool", X_OK) == 0 && access("/sys/fs/bpf", W_OK) == 0;
}

/* ------------------------------------------------------ loader and API */

Test(pin_btf, loader_fixes_datasec_and_maps_keep_btf)
{
    struct bpfrt_object *o;
    struct bpfrt_map *m;
    const struct btf_type *t;
    const void *raw;
    struct btf *btf;
    size_t len;

    cr_assert_eq(bpfrt_object__open_file(obj("globals"), NULL, &o), 0);
    cr_assert_eq(bpfrt_object__load(o), 0);
    /* a BTF-defined map: its key and value types */
    m = bpfrt_object__find_map_by_name(o, "flows");
    raw = bpfrt_map__btf(m, &len);
    cr_assert(raw && len > 24);
    btf = btf__new(raw, (uint32_t)len);
    cr_assert(!libbpf_get_error(btf));
    cr_assert_eq(btf__resolve_size(btf, bpfrt_map__btf_key_type_id(m)), 8);
    cr_assert_eq(btf__resolve_size(btf, bpfrt_map__btf_value_type_id(m)), 24);
    btf__free(btf);
    /* global data: keyless, its DATASEC with the section's size and the
     * variables' offsets (as libbpf fixes them) */
    m = bpfrt_object__find_map_by_name(o, "globals.data");
    raw = bpfrt_map__btf(m, &len);
    btf = btf__new(raw, (uint32_t)len);
    cr_assert(!libbpf_get_error(btf));
    cr_assert_eq(bpfrt_map__btf_key_type_id(m), 0);
    t = btf__type_by_id(btf, bpfrt_map__btf_value_type_id(m));
    cr_assert(t && btf_is_datasec(t));
    cr_assert_str_eq(btf__name_by_offset(btf, t->name_off), ".data");
    cr_assert_eq(t->size, bpfrt_map__value_size(m));
    cr_assert_eq(btf_vlen(t), 3);
    for (int i = 0; i < 3; i++) {
        const struct btf_var_secinfo *v = btf_var_secinfos(t) + i;
        const char *n = btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off);
        cr_assert_eq(v->offset, !strcmp(n, "limit") ? 0u : !strcmp(n, "defaults") ? 8u : 32u, "%s at %u", n,
                     v->offset);
    }
    btf__free(btf);
    bpfrt_object__close(o);
    /* a map without BTF */
    cr_assert_eq(bpfrt_map__create(BPF_MAP_TYPE_HASH, "plain", 4, 8, 4, NULL, &m), 0);
    cr_assert_null(bpfrt_map__btf(m, &len));
    cr_assert_eq(len, 0);
    bpfrt_map__free(m);
}

/* ------------------------------------------------ pin file: v1, corrupt */

/* The metadata block after the arena (src/maps/pin.c), version 2 and 1. */
struct meta2 {
    uint64_t magic;
    uint32_t version, meta_size;
    uint64_t arena_size;
    uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers, btf_key_type_id, btf_value_type_id;
    int32_t spin_lock_off;
    char name[16];
    uint32_t has_inner, _pad;
    uint32_t inner[6];
    uint64_t btf_len, btf_checksum;
    uint64_t checksum;
    int frozen;
};

struct meta1 {
    uint64_t magic;
    uint32_t version, meta_size;
    uint64_t arena_size;
    uint32_t type, key_size, value_size, max_entries, map_flags, numa_node;
    uint64_t map_extra;
    uint32_t nr_workers, btf_key_type_id, btf_value_type_id;
    int32_t spin_lock_off;
    char name[16];
    uint32_t has_inner, _pad;
    uint32_t inner[6];
    uint64_t checksum;
    int frozen;
};

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* Pin the map `flows` of globals.o with one element at path; returns the
 * arena size (where the metadata starts). */
static off_t pin_flows(const char *path)
{
    struct bpfrt_object *o;
    struct bpfrt_map *m;
    uint8_t key[8] = {1, 0, 0, 0, 80, 0, 6, 0}, val[24] = {5, 0, 0, 0, 0, 0, 0, 0, 9};
    struct meta2 meta;
    struct stat st;
    int fd;

    cr_assert_eq(bpfrt_object__open_file(obj("globals"), NULL, &o), 0);
    cr_assert_eq(bpfrt_object__load(o), 0);
    m = bpfrt_object__find_map_by_name(o, "flows");
    cr_assert_eq(bpfrt_map__update_elem(m, key, 8, val, 24, 0), 0);
    cr_assert_eq(bpfrt_map__pin(m, path), 0, "%s", bpfrt_pin_error());
    bpfrt_object__close(o);
    cr_assert_eq(stat(path, &st), 0);
    fd = open(path, O_RDONLY);
    for (off_t off = 4096; off < st.st_size; off += 4096) { /* the metadata: magic BPFRTPIN */
        cr_assert_eq(pread(fd, &meta, sizeof(meta), off), (ssize_t)sizeof(meta));
        if (meta.magic == 0x4e49505452465042ull) {
            close(fd);
            cr_assert_eq(meta.version, 2);
            cr_assert_gt(meta.btf_len, 0);
            cr_assert_eq((uint64_t)st.st_size, (uint64_t)off + 4096 + meta.btf_len);
            return off;
        }
    }
    cr_assert_fail("no metadata block");
    return 0;
}

static void rw(const char *path, off_t off, void *buf, size_t n, int write)
{
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    if (write)
        cr_assert_eq(pwrite(fd, buf, n, off), (ssize_t)n);
    else
        cr_assert_eq(pread(fd, buf, n, off), (ssize_t)n);
    close(fd);
}

Test(pin_btf, version1_file_opens_untyped, .init = setup, .fini = teardown)
{
    char path[128];
    struct meta2 m2;
    struct meta1 m1;
    struct bpfrt_map *m;
    uint8_t key[8] = {1, 0, 0, 0, 80, 0, 6, 0}, val[24];
    size_t len;
    off_t off;
    struct out r;

    snprintf(path, sizeof(path), "%s/flows", fs);
    off = pin_flows(path);
    /* rewrite it as bpfrt wrote it before: version 1, no BTF */
    rw(path, off, &m2, sizeof(m2), 0);
    memset(&m1, 0, sizeof(m1));
    memcpy(&m1, &m2, offsetof(struct meta1, checksum));
    m1.version = 1;
    m1.checksum = fnv(&m1, offsetof(struct meta1, checksum));
    m1.frozen = m2.frozen;
    {
        uint8_t block[4096] = {0};
        memcpy(block, &m1, sizeof(m1));
        rw(path, off, block, sizeof(block), 1);
    }
    cr_assert_eq(truncate(path, off + 4096), 0);
    cr_assert_eq(bpfrt_map__open_pinned(path, &m), 0, "%s", bpfrt_pin_error());
    cr_assert_null(bpfrt_map__btf(m, &len));
    cr_assert_eq(bpfrt_map__lookup_elem(m, key, 8, val, 24, 0), 0);
    cr_assert_eq(val[0], 5);
    cr_assert_eq(val[8], 9);
    bpfrt_map__free(m);
    /* the command prints it in hex */
    r = BPFRT("map dump pinned flows", fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "key:\n01 00 00 00 50 00 06 00\nvalue:\n05 00 00 00 00 00 00 00  09 00");
    HAS(r.stdout_, "Found 1 element\n");
    out_free(&r);
}

Test(pin_btf, corrupt_btf_is_refused, .init = setup, .fini = teardown)
{
    char path[128];
    struct meta2 m2;
    struct bpfrt_map *m;
    uint8_t b;
    off_t off;
    struct out r;

    snprintf(path, sizeof(path), "%s/flows", fs);
    off = pin_flows(path);
    rw(path, off, &m2, sizeof(m2), 0);
    /* a flipped byte: the checksum says so */
    rw(path, off + 4096 + 30, &b, 1, 0);
    b ^= 0xff;
    rw(path, off + 4096 + 30, &b, 1, 1);
    cr_assert_eq(bpfrt_map__open_pinned(path, &m), -EINVAL);
    HAS(bpfrt_pin_error(), "BTF checksum mismatch");
    r = BPFRT("map dump pinned flows", fs, bin());
    cr_assert_neq(r.status, 0);
    HAS(r.stderr_, "Error: 'flows' is not a usable pinned bpfrt map: BTF checksum mismatch (corrupt file)");
    out_free(&r);
    /* a BTF that does not parse, checksums made to agree: libbpf says no */
    {
        uint8_t *blob = malloc(m2.btf_len);
        rw(path, off + 4096, blob, m2.btf_len, 0);
        memset(blob + 4, 0xff, 4); /* hdr_len */
        rw(path, off + 4096, blob, m2.btf_len, 1);
        m2.btf_checksum = fnv(blob, m2.btf_len);
        m2.checksum = fnv(&m2, offsetof(struct meta2, checksum));
        rw(path, off, &m2, offsetof(struct meta2, frozen), 1);
        cr_assert_eq(bpfrt_map__open_pinned(path, &m), -EINVAL);
        HAS(bpfrt_pin_error(), "its BTF does not parse");
        /* a type id past the BTF's types */
        memcpy(blob + 4, (uint32_t[]){24}, 4);
        rw(path, off + 4096, blob, m2.btf_len, 1);
        m2.btf_checksum = fnv(blob, m2.btf_len);
        m2.btf_value_type_id = 100000;
        m2.checksum = fnv(&m2, offsetof(struct meta2, checksum));
        rw(path, off, &m2, offsetof(struct meta2, frozen), 1);
        cr_assert_eq(bpfrt_map__open_pinned(path, &m), -EINVAL);
        HAS(bpfrt_pin_error(), "are not in its BTF");
        free(blob);
    }
    /* BTF length and file size disagree */
    cr_assert_eq(truncate(path, off + 4096 + (off_t)m2.btf_len - 1), 0);
    cr_assert_eq(bpfrt_map__open_pinned(path, &m), -EINVAL);
    HAS(bpfrt_pin_error(), "of BTF (truncated or corrupt)");
}

/* --------------------------------------------------- typed, via the CLI */

Test(pin_btf, run_maps_typed_after_runs, .init = setup, .fini = teardown)
{
    const char *o = run_maps();
    struct out r;

    r = BPFRT_HERE("prog loadall %s progs pinmaps maps", fs, bin(), o);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    for (int i = 0; i < 3; i++) {
        r = BPFRT_HERE("prog run pinned progs/count", fs, bin());
        cr_assert_eq(r.status, 0, "%s", r.stderr_);
        out_free(&r);
    }
    r = BPFRT_HERE("map dump pinned maps/hits", fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "[{\n        \"key\": 5,\n        \"value\": 7\n    }\n]\n");
    out_free(&r);
    r = BPFRT_HERE("-j map dump pinned maps/hits", fs, bin());
    cr_assert_str_eq(r.stdout_, "[{\"key\":[\"0x05\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x07\",\"0x00\",\"0x00\","
                            "\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"formatted\":{\"key\":5,\"value\":7}}]\n");
    out_free(&r);
    r = BPFRT_HERE("map dump pinned maps/run_maps.bss", fs, bin());
    cr_assert_str_eq(r.stdout_, "[{\n        \"value\": {\n            \".bss\": [{\n                    \"total\": 9\n"
                            "                }\n            ]\n        }\n    }\n]\n");
    out_free(&r);
    r = BPFRT_HERE("-j map dump pinned maps/run_maps.bss", fs, bin());
    cr_assert_str_eq(r.stdout_, "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x09\",\"0x00\",\"0x00\","
                            "\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"formatted\":{\"value\":{\".bss\":[{"
                            "\"total\":9}]}}}]\n");
    out_free(&r);
    r = BPFRT_HERE("map lookup pinned maps/hits key 5 0 0 0", fs, bin());
    cr_assert_str_eq(r.stdout_, "{\n    \"key\": 5,\n    \"value\": 7\n}\n");
    out_free(&r);
}

/* The same object in the kernel (bpftool) and in bpfrt, the same updates:
 * the same dumps and lookups, text and -j. */
Test(pin_btf, typed_dumps_match_bpftool, .init = setup, .fini = teardown, .timeout = 60)
{
    static const char *const maps[][2] = {{"flows", "flows"},
                                          {"counts", "counts"},
                                          {"globals_data", "globals.data"},
                                          {"globals_bss", "globals.bss"},
                                          {"globals_rodata", "globals.rodata"}};
    static const char kv[] = "key 1 0 0 0 80 0 6 0 value 5 0 0 0 0 0 0 0 9 0 0 0 0 0 0 0 0x61 0x62 0x63 0 0xfe 0xff "
                             "0xff 0xff";
    const char *o = obj("globals");
    char kp[128];
    struct out r, w;

    r = BPFRT_HERE("prog loadall %s progs pinmaps maps", fs, bin(), o);
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    r = BPFRT_HERE("map update pinned maps/flows %s && %s map update pinned maps/globals.bss key 0 0 0 0 value 11 0 0 0 "
              "&& %s map update pinned maps/counts key 2 0 0 0 value 7 0 0 0 0 0 0 0",
              fs, bin(), kv, bin(), bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    /* what bpftool prints, asserted on its own */
    r = BPFRT_HERE("map lookup pinned maps/flows key 1 0 0 0 80 0 6 0", fs, bin());
    cr_assert_str_eq(r.stdout_, "{\n    \"key\": {\n        \"saddr\": 1,\n        \"port\": 80,\n        \"proto\": 6,\n"
                            "        \"pad\": 0\n    },\n    \"value\": {\n        \"packets\": 5,\n"
                            "        \"bytes\": 9,\n        \"tag\": \"abc\",\n        \"delta\": -2\n    }\n}\n");
    out_free(&r);
    r = BPFRT_HERE("-j map dump pinned maps/globals.bss", fs, bin());
    HAS(r.stdout_, "\"formatted\":{\"value\":{\".bss\":[{\"counter\":11}]}}}]");
    out_free(&r);
    if (!have_bpftool())
        cr_skip_test("needs root, bpftool and bpffs for the comparison");
    snprintf(kp, sizeof(kp), "/sys/fs/bpf/bpfrt-pinbtf-%d", getpid());
    w = sh("/usr/sbin/bpftool prog loadall %s %s pinmaps %sm && /usr/sbin/bpftool map update pinned %sm/flows %s && "
           "/usr/sbin/bpftool map update pinned %sm/globals_bss key 0 0 0 0 value 11 0 0 0 && "
           "/usr/sbin/bpftool map update pinned %sm/counts key 2 0 0 0 value 7 0 0 0 0 0 0 0",
           o, kp, kp, kp, kv, kp, kp);
    if (w.status) {
        out_free(&w);
        w = sh("rm -rf %s %sm", kp, kp);
        out_free(&w);
        cr_skip_test("the kernel refused %s", o);
    }
    out_free(&w);
    for (size_t k = 0; k < sizeof(maps) / sizeof(maps[0]); k++)
        for (int json = 0; json < 2; json++) {
            w = sh("/usr/sbin/bpftool %s map dump pinned %sm/%s", json ? "-j" : "", kp, maps[k][0]);
            r = BPFRT_HERE("%s map dump pinned maps/%s", fs, bin(), json ? "-j" : "", maps[k][1]);
            cr_assert_eq(w.status, 0, "%s", w.stderr_);
            cr_assert_eq(r.status, 0, "%s", r.stderr_);
            cr_assert_str_eq(r.stdout_, w.stdout_, "map %s (%s) differs from bpftool", maps[k][1], json ? "-j" : "text");
            out_free(&w);
            out_free(&r);
        }
    for (int json = 0; json < 2; json++) {
        w = sh("/usr/sbin/bpftool %s map lookup pinned %sm/flows key 1 0 0 0 80 0 6 0", json ? "-j" : "", kp);
        r = BPFRT_HERE("%s map lookup pinned maps/flows key 1 0 0 0 80 0 6 0", fs, bin(), json ? "-j" : "");
        cr_assert_str_eq(r.stdout_, w.stdout_, "lookup (%s) differs from bpftool", json ? "-j" : "text");
        out_free(&w);
        out_free(&r);
    }
    w = sh("rm -rf %s %sm", kp, kp);
    cr_assert_eq(w.status, 0);
    out_free(&w);
}

/* ------------------------------------------------------------- listing */

Test(pin_btf, show_lists_pins_of_state_dir, .init = setup, .fini = teardown)
{
    const char *o = obj("globals");
    char want[512];
    struct out r;

    r = BPFRT("-j map show", fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    cr_assert_str_eq(r.stdout_, "[]\n");
    out_free(&r);
    r = BPFRT("prog loadall %s state/progs pinmaps state/maps && BPFRT_FS=%s/state %s map pin pinned state/maps/flows "
              "state/flows2",
              fs, bin(), o, fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    out_free(&r);
    /* a stray file is not listed */
    r = sh("echo hello > %s/state/stray", fs);
    out_free(&r);
    r = BPFRT("prog show", fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    HAS(r.stdout_, "1: xdp  name count_packets  tag ");
    snprintf(want, sizeof(want), "map_ids 1,2,3,4,5,6,7\n\tpinned %s/state/progs/count_packets\n", fs);
    HAS(r.stdout_, want);
    out_free(&r);
    r = BPFRT("-j prog list", fs, bin());
    snprintf(want, sizeof(want), ",\"pinned\":[\"%s/state/progs/count_packets\"]}]\n", fs);
    HAS(r.stdout_, want);
    HAS(r.stdout_, "[{\"id\":1,\"type\":\"xdp\",\"name\":\"count_packets\",");
    out_free(&r);
    r = BPFRT("map show", fs, bin());
    cr_assert_eq(r.status, 0, "%s", r.stderr_);
    snprintf(want, sizeof(want),
             "1: hash  name flows  flags 0x0\n\tkey 8B  value 24B  max_entries 16\n\tpinned %s/state/flows2\n"
             "\tpinned %s/state/maps/flows\n",
             fs, fs);
    HAS(r.stdout_, want);
    snprintf(want, sizeof(want),
             ": array  name globals.rodata  flags 0x480\n\tkey 4B  value 6B  max_entries 1\n\tpinned "
             "%s/state/maps/globals.rodata\n\tfrozen\n",
             fs);
    HAS(r.stdout_, want);
    cr_assert_null(strstr(r.stdout_, "stray"));
    out_free(&r);
    r = BPFRT("-j map list", fs, bin());
    snprintf(want, sizeof(want),
             "[{\"id\":1,\"type\":\"hash\",\"name\":\"flows\",\"flags\":0,\"bytes_key\":8,\"bytes_value\":24,"
             "\"max_entries\":16,\"frozen\":0,\"pinned\":[\"%s/state/flows2\",\"%s/state/maps/flows\"]},",
             fs, fs);
    HAS(r.stdout_, want);
    out_free(&r);
}
