/* prog_pin.c - pinned programs: a program written to a file under the
 * state directory (the bpffs analogue) that any process can open and run,
 * sharing the pinned maps it uses.
 *
 * A pinned program is self-describing, not a handle: the kernel keeps the
 * program alive in memory, bpfrt has no daemon, so the file holds what is
 * needed to load it again.  The layout (version 1, host byte order, every
 * field naturally aligned):
 *
 *   struct pin_hdr                     magic "BPFRTPRG", version, sizes,
 *                                      checksum, type, attach type,
 *                                      loaded_at, uid, tag, counts, strings
 *   struct bpf_insn    [insn_cnt]      map references (LD_IMM64 with
 *                                      BPF_PSEUDO_MAP_FD / _VALUE) hold an
 *                                      index into the map table, not an id
 *   struct pin_map     [nr_maps]       per used map: the absolute path of
 *                                      its pin and what it must be (type,
 *                                      key/value size, entries)
 *   struct pin_func    [nr_funcs]      BTF func info as text (name, proto)
 *   struct pin_line    [nr_lines]      BTF line info as text (file, line,
 *                                      column, source line)
 *   char strtab[strtab_size]           NUL-terminated strings; offsets
 *                                      into it; ends with a NUL
 *
 * The checksum (FNV-1a, 64 bits, over the whole file with the checksum
 * field zero) and the recorded file size turn a torn or damaged file into
 * a clean -EINVAL instead of a wrong program. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfrt/bpfrt.h"
#include "../common/checksum.h"
#include "../common/log.h"
#include "../common/opts.h"
#include "../common/pinref.h"
#include "../common/progid.h"
#include "../isa/isa.h"
#include "../common/fs.h"
#include "../maps/map.h"
#include "prog.h"
#include "prog_pin.h"

#define PIN_MAGIC "BPFRTPRG"
#define PIN_VERSION 1u
#define PIN_MAX_MAPS 64u /* the kernel's MAX_USED_MAPS */
#define PIN_MAX_FILE (1ull << 30)
#define PIN_F_TAG 1u /* tag[] holds the kernel's tag */

struct pin_hdr {
    char magic[8];
    uint32_t version, hdr_size;
    uint64_t file_size;
    uint64_t checksum;
    uint32_t prog_type, attach_type;
    uint64_t loaded_at;
    uint32_t uid, flags;
    uint8_t tag[8];
    uint32_t insn_cnt, nr_maps, nr_funcs, nr_lines;
    uint32_t strtab_size, name_off, license_off, _pad;
};

struct pin_map {
    uint32_t path_off;
    uint32_t type, key_size, value_size, max_entries, map_flags;
};

struct pin_func {
    uint32_t insn_off, name_off, proto_off;
};

struct pin_line {
    uint32_t insn_off, line, col, file_off, text_off;
};

_Static_assert(sizeof(struct pin_hdr) == 96, "pin_hdr layout");
_Static_assert(sizeof(struct pin_map) == 24, "pin_map layout");

static uint64_t file_checksum(const uint8_t *buf, size_t n)
{
    struct pin_hdr h;
    uint64_t sum;

    memcpy(&h, buf, sizeof(h));
    h.checksum = 0;
    sum = rt_fnv1a(RT_FNV1A_INIT, &h, sizeof(h));
    return rt_fnv1a(sum, buf + sizeof(h), n - sizeof(h)); /* the same hash over the rest */
}

static int is_map_ref(const struct bpf_insn *in)
{
    return isa_is_ldimm64(in) && (in->src_reg == BPF_PSEUDO_MAP_FD || in->src_reg == BPF_PSEUDO_MAP_VALUE);
}

/* ------------------------------------------------------- source info */

int prog_src_info_copy(struct prog_src_info *dst, const struct prog_src_info *src)
{
    struct prog_src_info d = {0};
    int ok = 1;

    if (src->nr_funcs) {
        d.funcs = calloc(src->nr_funcs, sizeof(*d.funcs));
        ok = d.funcs != NULL;
    }
    for (size_t i = 0; ok && i < src->nr_funcs; i++, d.nr_funcs++) {
        d.funcs[i].insn_off = src->funcs[i].insn_off;
        d.funcs[i].name = strdup(src->funcs[i].name ? src->funcs[i].name : "");
        d.funcs[i].proto = strdup(src->funcs[i].proto ? src->funcs[i].proto : "");
        ok = d.funcs[i].name && d.funcs[i].proto;
    }
    if (ok && src->nr_lines) {
        d.lines = calloc(src->nr_lines, sizeof(*d.lines));
        ok = d.lines != NULL;
    }
    for (size_t i = 0; ok && i < src->nr_lines; i++, d.nr_lines++) {
        d.lines[i] = src->lines[i];
        d.lines[i].file = strdup(src->lines[i].file ? src->lines[i].file : "");
        d.lines[i].text = strdup(src->lines[i].text ? src->lines[i].text : "");
        ok = d.lines[i].file && d.lines[i].text;
    }
    if (!ok) {
        prog_src_info_free(&d);
        return -ENOMEM;
    }
    *dst = d;
    return 0;
}

void prog_src_info_free(struct prog_src_info *si)
{
    for (size_t i = 0; i < si->nr_funcs; i++) {
        free(si->funcs[i].name);
        free(si->funcs[i].proto);
    }
    for (size_t i = 0; i < si->nr_lines; i++) {
        free(si->lines[i].file);
        free(si->lines[i].text);
    }
    free(si->funcs);
    free(si->lines);
    memset(si, 0, sizeof(*si));
}

const struct prog_src_func *prog_src_func_at(const struct prog_src_info *si, size_t idx)
{
    for (size_t i = 0; i < si->nr_funcs; i++)
        if (si->funcs[i].insn_off == idx)
            return &si->funcs[i];
    return NULL;
}

const struct prog_src_line *prog_src_line_at(const struct prog_src_info *si, size_t idx)
{
    size_t lo = 0, hi = si->nr_lines;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (si->lines[mid].insn_off < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < si->nr_lines && si->lines[lo].insn_off == idx ? &si->lines[lo] : NULL;
}

/* -------------------------------------------------------------- write */

/* A growing buffer: the file is assembled in memory, then written once. */
struct wbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
};

static size_t wb_put(struct wbuf *b, const void *data, size_t n)
{
    size_t at = b->len;

    if (b->oom)
        return 0;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        uint8_t *np;
        while (cap < b->len + n)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return 0;
        }
        b->p = np, b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return at;
}

/* Strings go to their own buffer; the offset of s in it. */
static uint32_t str_add(struct wbuf *strs, const char *s)
{
    return (uint32_t)wb_put(strs, s ? s : "", strlen(s ? s : "") + 1);
}

/* The absolute form of a pin path (a map pinned at a relative path is
 * found from anywhere). */
static int abs_path(const char *p, char *out, size_t sz)
{
    char cwd[PATH_MAX];

    if (p[0] == '/')
        return (size_t)snprintf(out, sz, "%s", p) < sz ? 0 : -ENAMETOOLONG;
    if (!getcwd(cwd, sizeof(cwd)))
        return -errno;
    return (size_t)snprintf(out, sz, "%s/%s", cwd, p) < sz ? 0 : -ENAMETOOLONG;
}

/* The file image of prog; its maps must all be pinned.  0 or -errno. */
static int build_image(struct bpfrt_prog *prog, struct wbuf *out, char *log, size_t logsz)
{
    unsigned nmaps;
    struct bpfrt_map *const *maps = prog_used_maps(prog, &nmaps);
    const struct prog_src_info *si = prog_src(prog);
    const struct bpf_insn *insns = bpfrt_prog__insns(prog);
    size_t cnt = bpfrt_prog__insn_cnt(prog);
    struct wbuf strs = {0}, body = {0};
    struct pin_hdr h;
    struct bpf_insn *code;
    int err = 0;

    memset(&h, 0, sizeof(h));
    code = malloc(cnt * sizeof(*code));
    if (!code)
        return -ENOMEM;
    memcpy(code, insns, cnt * sizeof(*code));
    for (size_t i = 0; i + 1 < cnt; i++) {
        unsigned k;
        if (!is_map_ref(&code[i]))
            continue;
        for (k = 0; k < nmaps && bpfrt_map__id(maps[k]) != (uint32_t)code[i].imm; k++)
            ;
        if (k == nmaps) {
            err = cm_log(log, logsz, -EINVAL, "insn %zu: map id %d is not among the program's maps", i, code[i].imm);
            goto out;
        }
        code[i].imm = (int32_t)k;
        i++;
    }
    str_add(&strs, ""); /* offset 0: the empty string */
    h.name_off = str_add(&strs, bpfrt_prog__name(prog));
    h.license_off = str_add(&strs, prog_license(prog));
    wb_put(&body, code, cnt * sizeof(*code));
    for (unsigned k = 0; k < nmaps; k++) {
        char path[PATH_MAX];
        struct pin_map pm = {0};
        err = abs_path(bpfrt_map__pin_path(maps[k]), path, sizeof(path));
        if (err) {
            err = cm_log(log, logsz, err, "map '%s': pin path '%s': %s", bpfrt_map__name(maps[k]),
                          bpfrt_map__pin_path(maps[k]), strerror(-err));
            goto out;
        }
        pm.path_off = str_add(&strs, path);
        pm.type = bpfrt_map__type(maps[k]);
        pm.key_size = bpfrt_map__key_size(maps[k]);
        pm.value_size = bpfrt_map__value_size(maps[k]);
        pm.max_entries = bpfrt_map__max_entries(maps[k]);
        pm.map_flags = bpfrt_map__map_flags(maps[k]);
        wb_put(&body, &pm, sizeof(pm));
    }
    for (size_t k = 0; k < si->nr_funcs; k++) {
        struct pin_func pf = {si->funcs[k].insn_off, str_add(&strs, si->funcs[k].name),
                              str_add(&strs, si->funcs[k].proto)};
        wb_put(&body, &pf, sizeof(pf));
    }
    for (size_t k = 0; k < si->nr_lines; k++) {
        struct pin_line pl = {si->lines[k].insn_off, si->lines[k].line, si->lines[k].col,
                              str_add(&strs, si->lines[k].file), str_add(&strs, si->lines[k].text)};
        wb_put(&body, &pl, sizeof(pl));
    }
    if (strs.oom || body.oom) {
        err = -ENOMEM;
        goto out;
    }
    memcpy(h.magic, PIN_MAGIC, 8);
    h.version = PIN_VERSION;
    h.hdr_size = sizeof(h);
    h.prog_type = bpfrt_prog__type(prog);
    h.attach_type = prog_attach_type(prog);
    h.loaded_at = prog_loaded_at(prog);
    h.uid = prog_uid(prog);
    /* the tag as the pinning kernel computes it, kept by the pin (a
     * program's identity does not change with the machine that opens it) */
    if (!bpfrt_prog__tag(prog, h.tag))
        h.flags |= PIN_F_TAG;
    h.insn_cnt = (uint32_t)cnt;
    h.nr_maps = nmaps;
    h.nr_funcs = (uint32_t)si->nr_funcs;
    h.nr_lines = (uint32_t)si->nr_lines;
    h.strtab_size = (uint32_t)strs.len;
    h.file_size = sizeof(h) + body.len + strs.len;
    wb_put(out, &h, sizeof(h));
    wb_put(out, body.p, body.len);
    wb_put(out, strs.p, strs.len);
    if (out->oom) {
        err = -ENOMEM;
        goto out;
    }
    h.checksum = file_checksum(out->p, out->len);
    memcpy(out->p, &h, sizeof(h));
out:
    free(code);
    free(strs.p);
    free(body.p);
    return err;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* Publish buf at path atomically and only if path does not exist: write a
 * private file next to it (mkstemp: O_CREAT|O_EXCL, 0600), then link() it
 * at path (fails with EEXIST, never replaces), then drop the private name.
 * A reader never sees a half-written program. */
static int publish(const char *path, const uint8_t *buf, size_t len, char *log, size_t logsz)
{
    char tmp[PATH_MAX];
    int fd, err;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.pin-XXXXXX", path) >= sizeof(tmp))
        return cm_log(log, logsz, -ENAMETOOLONG, "'%s': path too long", path);
    fd = mkstemp(tmp);
    if (fd < 0)
        return cm_log(log, logsz, -errno, "cannot create '%s': %s", path, strerror(errno));
    err = write_all(fd, buf, len);
    if (!err && fsync(fd))
        err = -errno;
    if (close(fd) && !err)
        err = -errno;
    if (err) {
        unlink(tmp);
        return cm_log(log, logsz, err, "cannot write '%s': %s", path, strerror(-err));
    }
    if (link(tmp, path)) {
        err = -errno;
        unlink(tmp);
        if (err == -EEXIST)
            return cm_log(log, logsz, err, "'%s' exists", path);
        return cm_log(log, logsz, err, "cannot create '%s': %s", path, strerror(-err));
    }
    unlink(tmp);
    return 0;
}

/* ---------------------------------------- what pinned prog arrays use */

static const char *ref_prog_path(uint32_t id)
{
    struct bpfrt_prog *p = cm_progid_get(id, NULL);
    return p ? prog_pin_path(p) : NULL;
}

static const char *ref_prog_name(uint32_t id)
{
    struct bpfrt_prog *p = cm_progid_get(id, NULL);
    return p ? bpfrt_prog__name(p) : "";
}

static int ref_prog_open(const char *path, void **prog, uint32_t *id, char *log, size_t logsz)
{
    struct bpfrt_prog *p = NULL;
    int err = prog_open_pinned_log(path, &p, log, logsz);

    if (err)
        return err;
    *prog = p;
    *id = bpfrt_prog__id(p);
    return 0;
}

static void ref_prog_free(void *prog)
{
    bpfrt_prog__free(prog);
}

static int pinned_at(void *prog, const void *path)
{
    const char *p = prog_pin_path(prog);
    return p && !strcmp(p, path);
}

static void *ref_prog_find(const char *path, uint32_t *id)
{
    return cm_progid_find(pinned_at, path, id);
}

static const struct cm_pinref_ops ref_ops = {
    .prog_path = ref_prog_path,
    .prog_name = ref_prog_name,
    .prog_open = ref_prog_open,
    .prog_free = ref_prog_free,
    .prog_find = ref_prog_find,
};

/* A pinned prog array opened by a process that never pins or opens a
 * program itself still reaches its programs. */
__attribute__((constructor)) static void ref_register(void)
{
    cm_pinref_register(&ref_ops);
}

int prog_pin_log(struct bpfrt_prog *prog, const char *path, char *log, size_t logsz)
{
    struct bpfrt_map *pinned_here[PIN_MAX_MAPS];
    unsigned nmaps, nhere = 0;
    struct bpfrt_map *const *maps;
    struct wbuf img = {0};
    struct stat st;
    int err = 0, planned = 0;

    cm_pinref_register(&ref_ops);
    if (log && logsz)
        log[0] = 0;
    if (!prog || !path || !*path)
        return cm_log(log, logsz, -EINVAL, "no program or no path");
    if (lstat(path, &st) == 0)
        return cm_log(log, logsz, -EEXIST, "'%s' exists", path);
    err = cm_pin_path_check(path, log, logsz);
    if (err)
        return err;
    maps = prog_used_maps(prog, &nmaps);
    if (nmaps > PIN_MAX_MAPS)
        return cm_log(log, logsz, -E2BIG, "program '%s' uses %u maps, more than %u", bpfrt_prog__name(prog), nmaps,
                       PIN_MAX_MAPS);
    /* A prog array it uses (pinned below) may hold it: it refers to this
     * pin, so plan it first. */
    if (!prog_pin_path(prog)) {
        char abs[PATH_MAX];
        if (abs_path(path, abs, sizeof(abs)))
            return cm_log(log, logsz, -ENAMETOOLONG, "'%s': path too long", path);
        if (prog_pin_plan(prog, abs))
            return -ENOMEM;
        planned = 1;
    }
    for (unsigned k = 0; k < nmaps && !err; k++) {
        if (bpfrt_map__pin_path(maps[k]))
            continue;
        err = map_pin_unique(maps[k], log, logsz);
        if (!err)
            pinned_here[nhere++] = maps[k];
    }
    if (!err)
        err = build_image(prog, &img, log, logsz);
    if (!err && img.oom)
        err = -ENOMEM;
    if (!err)
        err = publish(path, img.p, img.len, log, logsz);
    free(img.p);
    if (err) {
        /* leave no map pinned by this call behind (their storage stays
         * mapped in this process) */
        for (unsigned k = 0; k < nhere; k++)
            bpfrt_map__unpin(pinned_here[k]); /* forgotten too: a later pin pins it afresh */
        if (planned)
            prog_pin_plan(prog, NULL);
        if (log && logsz && !log[0])
            cm_log(log, logsz, err, "cannot pin program at '%s': %s", path, strerror(-err));
    }
    return err;
}

int bpfrt_prog__pin(struct bpfrt_prog *prog, const char *path)
{
    return prog_pin_log(prog, path, NULL, 0);
}

int bpfrt_prog__pin_opts(struct bpfrt_prog *prog, const char *path, const struct bpfrt_pin_opts *opts)
{
    return prog_pin_log(prog, path, CM_OPT(opts, log_buf, NULL), CM_OPT(opts, log_size, 0));
}

const char *prog_pin_file_magic(void)
{
    return PIN_MAGIC;
}

/* --------------------------------------------------------------- read */

static int read_file(const char *path, uint8_t **bufp, size_t *lenp, char *log, size_t logsz)
{
    struct stat st;
    uint8_t *buf;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

    if (fd < 0)
        return cm_log(log, logsz, -errno, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, &st)) {
        err = -errno;
    } else if (!S_ISREG(st.st_mode)) {
        err = -EINVAL;
    } else if ((uint64_t)st.st_size > PIN_MAX_FILE) {
        err = -EFBIG;
    }
    if (err) {
        close(fd);
        return cm_log(log, logsz, err, "'%s': %s", path,
                       err == -EINVAL ? "not a regular file, so not a pinned program" : strerror(-err));
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            err = r < 0 ? -errno : 0;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    if (err) {
        free(buf);
        return cm_log(log, logsz, err, "cannot read '%s': %s", path, strerror(-err));
    }
    *bufp = buf;
    *lenp = len;
    return 0;
}

/* The parsed, checked view of a file image. */
struct pin_view {
    const struct pin_hdr *h;
    const struct bpf_insn *insns;
    const struct pin_map *maps;
    const struct pin_func *funcs;
    const struct pin_line *lines;
    const char *strs;
};

static int bad(char *log, size_t logsz, const char *path, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(char *log, size_t logsz, const char *path, const char *fmt, ...)
{
    char why[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return cm_log(log, logsz, -EINVAL, "'%s' is not a valid pinned program: %s", path, why);
}

static int check_str(const struct pin_hdr *h, uint32_t off)
{
    return off < h->strtab_size;
}

/* Validate everything before anything is trusted: sizes add up, checksum
 * matches, every string offset, map index and instruction offset is in
 * range. */
static int parse_image(const char *path, const uint8_t *buf, size_t len, struct pin_view *v, char *log, size_t logsz)
{
    struct pin_hdr h; /* an aligned copy */
    uint64_t need;

    if (len < 8 || memcmp(buf, PIN_MAGIC, 8))
        return bad(log, logsz, path, "no BPFRTPRG magic (not written by bpfrt prog pin)");
    if (len < sizeof(h))
        return bad(log, logsz, path, "truncated: %zu bytes, shorter than the %zu-byte header", len, sizeof(h));
    memcpy(&h, buf, sizeof(h));
    if (h.version != PIN_VERSION)
        return bad(log, logsz, path, "format version %u, this bpfrt reads version %u", h.version, PIN_VERSION);
    if (h.hdr_size != sizeof(h))
        return bad(log, logsz, path, "header size %u, expected %zu", h.hdr_size, sizeof(h));
    if (h.file_size != len)
        return bad(log, logsz, path, "%s: %zu bytes, the header says %llu",
                   len < h.file_size ? "truncated" : "trailing data", len, (unsigned long long)h.file_size);
    if (file_checksum(buf, len) != h.checksum)
        return bad(log, logsz, path, "checksum mismatch (the file is damaged)");
    if (!h.insn_cnt || h.insn_cnt > BPFRT_MAX_INSNS)
        return bad(log, logsz, path, "%u instructions", h.insn_cnt);
    if (h.nr_maps > PIN_MAX_MAPS)
        return bad(log, logsz, path, "%u maps, more than %u", h.nr_maps, PIN_MAX_MAPS);
    need = sizeof(h) + (uint64_t)h.insn_cnt * sizeof(struct bpf_insn) + (uint64_t)h.nr_maps * sizeof(struct pin_map) +
           (uint64_t)h.nr_funcs * sizeof(struct pin_func) + (uint64_t)h.nr_lines * sizeof(struct pin_line) +
           h.strtab_size;
    if (need != len)
        return bad(log, logsz, path, "section sizes add up to %llu bytes, the file has %zu", (unsigned long long)need,
                   len);
    v->h = (const struct pin_hdr *)buf;
    v->insns = (const struct bpf_insn *)(buf + sizeof(h));
    v->maps = (const struct pin_map *)(v->insns + h.insn_cnt);
    v->funcs = (const struct pin_func *)(v->maps + h.nr_maps);
    v->lines = (const struct pin_line *)(v->funcs + h.nr_funcs);
    v->strs = (const char *)(v->lines + h.nr_lines);
    if (!h.strtab_size || v->strs[h.strtab_size - 1])
        return bad(log, logsz, path, "string table not terminated");
    if (!check_str(&h, h.name_off) || !check_str(&h, h.license_off))
        return bad(log, logsz, path, "name or license outside the string table");
    for (uint32_t k = 0; k < h.nr_maps; k++)
        if (!check_str(&h, v->maps[k].path_off) || v->strs[v->maps[k].path_off] != '/')
            return bad(log, logsz, path, "map %u: bad pin path", k);
    for (uint32_t k = 0; k < h.nr_funcs; k++)
        if (v->funcs[k].insn_off >= h.insn_cnt || !check_str(&h, v->funcs[k].name_off) ||
            !check_str(&h, v->funcs[k].proto_off))
            return bad(log, logsz, path, "func info record %u out of range", k);
    for (uint32_t k = 0; k < h.nr_lines; k++)
        if (v->lines[k].insn_off >= h.insn_cnt || !check_str(&h, v->lines[k].file_off) ||
            !check_str(&h, v->lines[k].text_off) || (k && v->lines[k].insn_off < v->lines[k - 1].insn_off))
            return bad(log, logsz, path, "line info record %u out of range or order", k);
    for (uint32_t i = 0; i + 1 < h.insn_cnt; i++) {
        if (!is_map_ref(&v->insns[i]))
            continue;
        if ((uint32_t)v->insns[i].imm >= h.nr_maps)
            return bad(log, logsz, path, "insn %u: map index %d, the table has %u maps", i, v->insns[i].imm, h.nr_maps);
        i++;
    }
    return 0;
}

static int src_from_view(const struct pin_view *v, struct prog_src_info *si)
{
    const struct pin_hdr *h = v->h;

    memset(si, 0, sizeof(*si));
    si->funcs = calloc(h->nr_funcs ? h->nr_funcs : 1, sizeof(*si->funcs));
    si->lines = calloc(h->nr_lines ? h->nr_lines : 1, sizeof(*si->lines));
    if (!si->funcs || !si->lines) {
        free(si->funcs);
        free(si->lines);
        return -ENOMEM;
    }
    /* borrowed strings: prog_set_src copies them */
    for (uint32_t k = 0; k < h->nr_funcs; k++) {
        si->funcs[k].insn_off = v->funcs[k].insn_off;
        si->funcs[k].name = (char *)v->strs + v->funcs[k].name_off;
        si->funcs[k].proto = (char *)v->strs + v->funcs[k].proto_off;
    }
    for (uint32_t k = 0; k < h->nr_lines; k++) {
        si->lines[k].insn_off = v->lines[k].insn_off;
        si->lines[k].line = v->lines[k].line;
        si->lines[k].col = v->lines[k].col;
        si->lines[k].file = (char *)v->strs + v->lines[k].file_off;
        si->lines[k].text = (char *)v->strs + v->lines[k].text_off;
    }
    si->nr_funcs = h->nr_funcs;
    si->nr_lines = h->nr_lines;
    return 0;
}

static int open_pinned(const char *path, const char *engine, struct bpfrt_prog **progp, char *log, size_t logsz)
{
    struct bpfrt_map *maps[PIN_MAX_MAPS];
    struct bpf_insn *code = NULL;
    struct bpfrt_prog *prog = NULL;
    struct prog_src_info si;
    struct pin_view v = {0};
    uint8_t *buf = NULL;
    unsigned nmaps = 0;
    size_t len = 0;
    char msg[1024] = "";
    int err;

    cm_pinref_register(&ref_ops);
    if (log && logsz)
        log[0] = 0;
    if (!path || !progp)
        return cm_log(log, logsz, -EINVAL, "no path");
    err = read_file(path, &buf, &len, log, logsz);
    if (err)
        return err;
    err = parse_image(path, buf, len, &v, log, logsz);
    if (err)
        goto out;
    code = malloc(v.h->insn_cnt * sizeof(*code));
    if (!code) {
        err = -ENOMEM;
        goto out;
    }
    memcpy(code, v.insns, v.h->insn_cnt * sizeof(*code));
    for (; nmaps < v.h->nr_maps; nmaps++) {
        const struct pin_map *pm = &v.maps[nmaps];
        const char *mp = v.strs + pm->path_off;
        struct bpfrt_map *m;
        err = bpfrt_map__open_pinned(mp, &m);
        if (err) {
            err = cm_log(log, logsz, err, "'%s': cannot open its map %u pinned at '%s': %s", path, nmaps, mp,
                          bpfrt_pin_error()[0] ? bpfrt_pin_error() : strerror(-err));
            goto out;
        }
        maps[nmaps] = m;
        if (bpfrt_map__type(m) != pm->type || bpfrt_map__key_size(m) != pm->key_size ||
            bpfrt_map__value_size(m) != pm->value_size || bpfrt_map__max_entries(m) != pm->max_entries) {
            err = cm_log(log, logsz, -EINVAL,
                          "'%s': the map pinned at '%s' is not the one the program was pinned with (type %u key %u "
                          "value %u entries %u, expected type %u key %u value %u entries %u)",
                          path, mp, bpfrt_map__type(m), bpfrt_map__key_size(m), bpfrt_map__value_size(m),
                          bpfrt_map__max_entries(m), pm->type, pm->key_size, pm->value_size, pm->max_entries);
            nmaps++;
            goto out;
        }
    }
    /* map index -> this process's id of the opened map */
    for (uint32_t i = 0; i + 1 < v.h->insn_cnt; i++)
        if (is_map_ref(&code[i])) {
            code[i].imm = (int32_t)bpfrt_map__id(maps[code[i].imm]);
            i++;
        }
    {
        BPFRT_OPTS(bpfrt_prog_load_opts, o, .type = (enum bpf_prog_type)v.h->prog_type, .name = v.strs + v.h->name_off,
                   .license = v.strs + v.h->license_off, .log_buf = msg, .log_size = sizeof(msg), .engine = engine);
        err = bpfrt_prog__load_insns(code, v.h->insn_cnt, &o, &prog);
    }
    if (err) {
        cm_log(log, logsz, err, "'%s': cannot load program '%s': %s", path, v.strs + v.h->name_off,
                msg[0] ? msg : strerror(-err));
        goto out;
    }
    err = prog_own_maps(prog, maps, nmaps);
    if (err)
        goto out;
    nmaps = 0; /* the program owns them now */
    prog_set_attach_type(prog, (enum bpf_attach_type)v.h->attach_type);
    prog_set_origin(prog, v.h->loaded_at, v.h->uid);
    if (v.h->flags & PIN_F_TAG)
        prog_set_tag(prog, v.h->tag);
    err = src_from_view(&v, &si);
    if (!err) {
        err = prog_set_src(prog, &si);
        free(si.funcs);
        free(si.lines);
    }
    if (!err) {
        char abs[PATH_MAX];
        if (!abs_path(path, abs, sizeof(abs)))
            err = prog_pin_plan(prog, abs); /* a prog array that holds it refers to this pin */
    }
    if (!err) {
        *progp = prog;
        prog = NULL;
    }
out:
    bpfrt_prog__free(prog);
    while (nmaps)
        bpfrt_map__free(maps[--nmaps]);
    free(code);
    free(buf);
    if (err == -ENOMEM && log && logsz && !log[0])
        cm_log(log, logsz, err, "'%s': out of memory", path);
    return err;
}

int prog_open_pinned_log(const char *path, struct bpfrt_prog **progp, char *log, size_t logsz)
{
    return open_pinned(path, NULL, progp, log, logsz);
}

int bpfrt_prog__open_pinned(const char *path, struct bpfrt_prog **progp)
{
    return open_pinned(path, NULL, progp, NULL, 0);
}

int bpfrt_prog__open_pinned_opts(const char *path, const struct bpfrt_pin_opts *opts, struct bpfrt_prog **progp)
{
    return open_pinned(path, CM_OPT(opts, engine, NULL), progp, CM_OPT(opts, log_buf, NULL),
                       CM_OPT(opts, log_size, 0));
}

/* prog_pin.h.  A pinned prog array opens its programs in the default
 * engine; a program of the other engine tail-calling one gets it opened
 * again in its own (engines run only their own images: prog_tail_call).
 * Done once, under a tail call: the first such call pays for the load.
 * test_pin_hom.c tail_call_from_interp_program_into_pinned_slot. */
struct bpfrt_prog *prog_in_engine(struct bpfrt_prog *prog, const struct eng_ops *e)
{
    struct bpfrt_prog *t, *none = NULL;

    if (prog->engine == e)
        return prog;
    t = __atomic_load_n(&prog->twin, __ATOMIC_ACQUIRE);
    if (t)
        return t->engine == e ? t : NULL;
    if (!prog->pin_path || open_pinned(prog->pin_path, e->name, &t, NULL, 0))
        return NULL;
    if (t->engine != e || t->type != prog->type) {
        bpfrt_prog__free(t);
        return NULL;
    }
    if (!__atomic_compare_exchange_n(&prog->twin, &none, t, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        bpfrt_prog__free(t); /* another thread's came first */
        t = none;
    }
    return t->engine == e ? t : NULL;
}
