/* btf_ext.c - the .BTF.ext section: func_info, line_info, CO-RE relocations.
 *
 * Layout (kernel Documentation/bpf/btf.rst "4.2 .BTF.ext section"; LLVM
 * include/llvm/DebugInfo/BTF/BTF.h):
 *
 *   header   u16 magic 0xeB9F, u8 version 1, u8 flags, u32 hdr_len,
 *            u32 func_info_off, func_info_len, line_info_off, line_info_len,
 *            [u32 core_relo_off, core_relo_len]      (when hdr_len >= 32)
 *   each info subsection (offsets from the end of the header):
 *            u32 rec_size, then per ELF section
 *            u32 sec_name_off, u32 num_info, num_info records of rec_size
 *   func_info  u32 insn_off, u32 type_id
 *   line_info  u32 insn_off, file_name_off, line_off, line_col
 *              (line = line_col >> 10, column = line_col & 0x3ff)
 *   core_relo  struct bpf_core_relo (linux/bpf.h)
 *
 * In an ELF object insn_off is a byte offset within the section; here it
 * becomes an instruction index.  Nothing in the section is trusted: every
 * length, count, record size, string offset and type id is checked.
 */
#include "loader/btf_info.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BTF_EXT_MAGIC 0xeB9F
#define BTF_EXT_HDR_MIN 24  /* up to line_info_len */
#define BTF_EXT_HDR_CORE 32 /* with core_relo_off/len */

enum ext_kind { EXT_FUNC, EXT_LINE, EXT_CORE };

static const struct {
    const char *name;
    uint32_t min_rec; /* the fields this code reads */
} ext_kinds[] = {
    [EXT_FUNC] = {"func_info", 8},
    [EXT_LINE] = {"line_info", 16},
    [EXT_CORE] = {"core_relo", 16},
};

static void logf_(char *log, size_t logsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logf_(char *log, size_t logsz, const char *fmt, ...)
{
    va_list ap;

    if (!log || !logsz)
        return;
    va_start(ap, fmt);
    vsnprintf(log, logsz, fmt, ap);
    va_end(ap);
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/* Grow *arr (of *cap elements of size esz) to hold need elements. */
static int grow(void **arr, size_t *cap, size_t need, size_t esz)
{
    size_t ncap;
    void *p;

    if (need <= *cap)
        return 0;
    ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / esz)
            return -ENOMEM;
        ncap *= 2;
    }
    p = realloc(*arr, ncap * esz);
    if (!p)
        return -ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

void btf_ext_free(struct btf_ext_info *ext)
{
    if (!ext)
        return;
    for (size_t i = 0; i < ext->nr_secs; i++) {
        free(ext->secs[i].funcs);
        free(ext->secs[i].lines);
        free(ext->secs[i].relos);
    }
    free(ext->secs);
    free(ext);
}

const struct btf_ext_sec *btf_ext_find_sec(const struct btf_ext_info *ext, const char *secname)
{
    if (!ext || !secname)
        return NULL;
    for (size_t i = 0; i < ext->nr_secs; i++)
        if (!strcmp(ext->secs[i].name, secname))
            return &ext->secs[i];
    return NULL;
}

static struct btf_ext_sec *sec_get(struct btf_ext_info *ext, size_t *cap, const char *name)
{
    for (size_t i = 0; i < ext->nr_secs; i++)
        if (!strcmp(ext->secs[i].name, name))
            return &ext->secs[i];
    if (grow((void **)&ext->secs, cap, ext->nr_secs + 1, sizeof(*ext->secs)))
        return NULL;
    memset(&ext->secs[ext->nr_secs], 0, sizeof(*ext->secs));
    ext->secs[ext->nr_secs].name = name;
    return &ext->secs[ext->nr_secs++];
}

/* A string of the object's BTF, or NULL if off is outside its table. */
static const char *btf_str(const struct btf *btf, uint32_t off)
{
    return btf__name_by_offset(btf, off);
}

static int parse_rec(enum ext_kind k, const uint8_t *r, const struct btf *btf, struct btf_ext_sec *sec, size_t idx,
                     char *log, size_t logsz)
{
    uint32_t insn_off = rd32(r), nr_types = btf__type_cnt(btf);

    if (insn_off % 8) {
        logf_(log, logsz, ".BTF.ext %s: section '%s' record %zu: insn_off %u is not a multiple of 8", ext_kinds[k].name,
              sec->name, idx, insn_off);
        return -EINVAL;
    }
    insn_off /= 8;
    if (k == EXT_FUNC) {
        struct btf_ext_func *f = &sec->funcs[idx];
        const struct btf_type *t;

        f->insn_off = insn_off;
        f->type_id = rd32(r + 4);
        t = f->type_id && f->type_id < nr_types ? btf__type_by_id(btf, f->type_id) : NULL;
        if (!t || btf_kind(t) != BTF_KIND_FUNC) {
            logf_(log, logsz, ".BTF.ext func_info: section '%s' record %zu: type id %u is not a FUNC", sec->name, idx,
                  f->type_id);
            return -EINVAL;
        }
        if (idx && f->insn_off <= sec->funcs[idx - 1].insn_off) {
            logf_(log, logsz, ".BTF.ext func_info: section '%s' record %zu: insn %u not after the previous (%u)",
                  sec->name, idx, f->insn_off, sec->funcs[idx - 1].insn_off);
            return -EINVAL;
        }
    } else if (k == EXT_LINE) {
        struct btf_ext_line *l = &sec->lines[idx];
        uint32_t lc;

        l->insn_off = insn_off;
        l->file_name_off = rd32(r + 4);
        l->line_off = rd32(r + 8);
        lc = rd32(r + 12);
        l->line = lc >> 10;
        l->col = lc & 0x3ff;
        l->file = btf_str(btf, l->file_name_off);
        l->text = btf_str(btf, l->line_off);
        if (!l->file || !l->text) {
            logf_(log, logsz, ".BTF.ext line_info: section '%s' record %zu: %s offset %u outside the string table",
                  sec->name, idx, !l->file ? "file name" : "line", !l->file ? l->file_name_off : l->line_off);
            return -EINVAL;
        }
        if (idx && l->insn_off < sec->lines[idx - 1].insn_off) {
            logf_(log, logsz, ".BTF.ext line_info: section '%s' record %zu: insn %u before the previous (%u)",
                  sec->name, idx, l->insn_off, sec->lines[idx - 1].insn_off);
            return -EINVAL;
        }
    } else {
        struct core_relo *c = &sec->relos[idx];

        c->insn_off = insn_off;
        c->type_id = rd32(r + 4);
        c->access_str_off = rd32(r + 8);
        c->kind = rd32(r + 12);
        if (!c->type_id || c->type_id >= nr_types) {
            logf_(log, logsz, ".BTF.ext core_relo: section '%s' record %zu: type id %u out of range (%u types)",
                  sec->name, idx, c->type_id, nr_types);
            return -EINVAL;
        }
        if (!btf_str(btf, c->access_str_off)) {
            logf_(log, logsz,
                  ".BTF.ext core_relo: section '%s' record %zu: access string offset %u outside the "
                  "string table",
                  sec->name, idx, c->access_str_off);
            return -EINVAL;
        }
        if (c->kind > BPF_CORE_TYPE_MATCHES) {
            logf_(log, logsz, ".BTF.ext core_relo: section '%s' record %zu: unknown relocation kind %u", sec->name, idx,
                  c->kind);
            return -EINVAL;
        }
    }
    return 0;
}

static int cmp_relo(const void *a, const void *b)
{
    const struct core_relo *x = a, *y = b;

    return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

/* One info subsection: p[0..len). */
static int parse_info(enum ext_kind k, const uint8_t *p, uint32_t len, const struct btf *btf, struct btf_ext_info *ext,
                      size_t *seccap, char *log, size_t logsz)
{
    const char *kn = ext_kinds[k].name;
    uint32_t rec_size, pos = 4;

    if (len == 0)
        return 0;
    if (len < 4) {
        logf_(log, logsz, ".BTF.ext %s: %u bytes, too short for the record size", kn, len);
        return -EINVAL;
    }
    rec_size = rd32(p);
    if (rec_size < ext_kinds[k].min_rec || rec_size % 4 || rec_size > 4096) {
        logf_(log, logsz, ".BTF.ext %s: record size %u invalid (at least %u, multiple of 4)", kn, rec_size,
              ext_kinds[k].min_rec);
        return -EINVAL;
    }
    while (pos < len) {
        uint32_t name_off, num;
        const char *name;
        struct btf_ext_sec *sec;
        void **arr;
        size_t *nr, esz, cap;
        int err;

        if (len - pos < 8) {
            logf_(log, logsz, ".BTF.ext %s: truncated section header at offset %u", kn, pos);
            return -EINVAL;
        }
        name_off = rd32(p + pos);
        num = rd32(p + pos + 4);
        pos += 8;
        name = btf_str(btf, name_off);
        if (!name || !*name) {
            logf_(log, logsz, ".BTF.ext %s: section name offset %u %s", kn, name_off,
                  name ? "is empty" : "outside the string table");
            return -EINVAL;
        }
        if (num == 0) {
            logf_(log, logsz, ".BTF.ext %s: section '%s' has no records", kn, name);
            return -EINVAL;
        }
        if ((uint64_t)num * rec_size > len - pos) {
            logf_(log, logsz, ".BTF.ext %s: section '%s': %u records of %u bytes exceed the %u bytes left", kn, name,
                  num, rec_size, len - pos);
            return -EINVAL;
        }
        sec = sec_get(ext, seccap, name);
        if (!sec)
            return -ENOMEM;
        switch (k) {
        case EXT_FUNC: arr = (void **)&sec->funcs, nr = &sec->nr_funcs, esz = sizeof(*sec->funcs); break;
        case EXT_LINE: arr = (void **)&sec->lines, nr = &sec->nr_lines, esz = sizeof(*sec->lines); break;
        default: arr = (void **)&sec->relos, nr = &sec->nr_relos, esz = sizeof(*sec->relos); break;
        }
        if (*nr) {
            logf_(log, logsz, ".BTF.ext %s: section '%s' appears twice", kn, name);
            return -EINVAL;
        }
        cap = 0;
        if (grow(arr, &cap, num, esz))
            return -ENOMEM;
        for (uint32_t i = 0; i < num; i++) {
            err = parse_rec(k, p + pos + (size_t)i * rec_size, btf, sec, i, log, logsz);
            if (err)
                return err;
            *nr = i + 1;
        }
        pos += num * rec_size;
        if (k == EXT_CORE)
            qsort(sec->relos, sec->nr_relos, sizeof(*sec->relos), cmp_relo);
    }
    return 0;
}

int btf_ext_parse(const void *data, size_t size, const struct btf *btf, struct btf_ext_info **out, char *log,
                  size_t logsz)
{
    const uint8_t *d = data;
    struct btf_ext_info *ext;
    uint32_t hdr_len, body;
    size_t seccap = 0;
    uint16_t magic;
    int err = 0;

    *out = NULL;
    if (!data || !btf) {
        logf_(log, logsz, ".BTF.ext: %s", !data ? "no data" : "no .BTF to resolve it against");
        return -EINVAL;
    }
    if (size < 8) {
        logf_(log, logsz, ".BTF.ext: %zu bytes, too short for a header", size);
        return -EINVAL;
    }
    memcpy(&magic, d, 2);
    if (magic != BTF_EXT_MAGIC) {
        logf_(log, logsz, ".BTF.ext: bad magic 0x%04x%s", magic,
              magic == 0x9FeB ? " (other byte order: not supported)" : "");
        return magic == 0x9FeB ? -ENOTSUP : -EINVAL;
    }
    if (d[2] != 1) {
        logf_(log, logsz, ".BTF.ext: unsupported version %u", d[2]);
        return -ENOTSUP;
    }
    hdr_len = rd32(d + 4);
    if (hdr_len < BTF_EXT_HDR_MIN || hdr_len > size || hdr_len % 4) {
        logf_(log, logsz, ".BTF.ext: header length %u invalid (section of %zu bytes)", hdr_len, size);
        return -EINVAL;
    }
    if (size - hdr_len > UINT32_MAX) {
        logf_(log, logsz, ".BTF.ext: section of %zu bytes too large", size);
        return -EINVAL;
    }
    body = (uint32_t)(size - hdr_len);
    ext = calloc(1, sizeof(*ext));
    if (!ext)
        return -ENOMEM;
    for (int k = EXT_FUNC; k <= EXT_CORE && !err; k++) {
        uint32_t off, len;

        if (k == EXT_CORE && hdr_len < BTF_EXT_HDR_CORE)
            break;
        off = rd32(d + 8 + 8 * k);
        len = rd32(d + 12 + 8 * k);
        if (len && (off > body || len > body - off || off % 4)) {
            logf_(log, logsz, ".BTF.ext %s: offset %u length %u outside the %u bytes after the header",
                  ext_kinds[k].name, off, len, body);
            err = -EINVAL;
            break;
        }
        err = parse_info(k, d + hdr_len + off, len, btf, ext, &seccap, log, logsz);
    }
    if (err) {
        btf_ext_free(ext);
        return err;
    }
    *out = ext;
    return 0;
}

/* First index in a sorted array (element size esz, insn_off first) whose
 * insn_off >= v. */
static size_t lower_bound(const void *arr, size_t n, size_t esz, size_t v)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t off;

        memcpy(&off, (const char *)arr + mid * esz, sizeof(off));
        if (off < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int btf_ext_lines_for(const struct btf_ext_info *ext, const char *secname, size_t start, size_t end,
                      const struct btf_ext_line **first, size_t *n)
{
    const struct btf_ext_sec *sec = btf_ext_find_sec(ext, secname);
    size_t a, b;

    *first = NULL;
    *n = 0;
    if (!sec || !sec->nr_lines)
        return -ENOENT;
    if (end <= start)
        return 0;
    a = lower_bound(sec->lines, sec->nr_lines, sizeof(*sec->lines), start);
    b = lower_bound(sec->lines, sec->nr_lines, sizeof(*sec->lines), end);
    if (b > a) {
        *first = &sec->lines[a];
        *n = b - a;
    }
    return 0;
}

/* ------------------------------------------------------------ per program */

static int cmp_func(const void *a, const void *b)
{
    const struct btf_ext_func *x = a, *y = b;

    return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

static int cmp_line(const void *a, const void *b)
{
    const struct btf_ext_line *x = a, *y = b;

    return x->insn_off < y->insn_off ? -1 : x->insn_off > y->insn_off;
}

/* Append src[a..b) (esz bytes each, insn_off first member) to *dst (count *dn),
 * shifting insn_off by shift. */
static int append_slice(void **dst, size_t *dn, const void *src, size_t a, size_t b, size_t esz, long long shift)
{
    size_t add = b - a;
    char *p;

    if (!add)
        return 0;
    if (*dn > SIZE_MAX / esz - add)
        return -ENOMEM;
    p = realloc(*dst, (*dn + add) * esz);
    if (!p)
        return -ENOMEM;
    memcpy(p + *dn * esz, (const char *)src + a * esz, add * esz);
    for (size_t i = 0; i < add; i++) {
        uint32_t off;

        memcpy(&off, p + (*dn + i) * esz, sizeof(off));
        off = (uint32_t)((long long)off + shift);
        memcpy(p + (*dn + i) * esz, &off, sizeof(off));
    }
    *dst = p;
    *dn += add;
    return 0;
}

int btf_prog_info_append(struct btf_prog_info *pi, const struct btf_ext_info *ext, const char *secname,
                         size_t sec_start, size_t cnt, size_t prog_off)
{
    const struct btf_ext_sec *sec = btf_ext_find_sec(ext, secname);
    long long shift = (long long)prog_off - (long long)sec_start;
    size_t end = sec_start + cnt, a, b;
    int err;

    if (!sec || !cnt)
        return 0;

    a = lower_bound(sec->funcs, sec->nr_funcs, sizeof(*sec->funcs), sec_start);
    b = lower_bound(sec->funcs, sec->nr_funcs, sizeof(*sec->funcs), end);
    err = append_slice((void **)&pi->funcs, &pi->nr_funcs, sec->funcs, a, b, sizeof(*sec->funcs), shift);
    if (err)
        return err;
    if (b > a)
        qsort(pi->funcs, pi->nr_funcs, sizeof(*pi->funcs), cmp_func);

    a = lower_bound(sec->lines, sec->nr_lines, sizeof(*sec->lines), sec_start);
    b = lower_bound(sec->lines, sec->nr_lines, sizeof(*sec->lines), end);
    err = append_slice((void **)&pi->lines, &pi->nr_lines, sec->lines, a, b, sizeof(*sec->lines), shift);
    if (err)
        return err;
    if (b > a)
        qsort(pi->lines, pi->nr_lines, sizeof(*pi->lines), cmp_line);

    a = lower_bound(sec->relos, sec->nr_relos, sizeof(*sec->relos), sec_start);
    b = lower_bound(sec->relos, sec->nr_relos, sizeof(*sec->relos), end);
    err = append_slice((void **)&pi->relos, &pi->nr_relos, sec->relos, a, b, sizeof(*sec->relos), shift);
    if (err)
        return err;
    if (b > a)
        qsort(pi->relos, pi->nr_relos, sizeof(*pi->relos), cmp_relo);
    return 0;
}

void btf_prog_info_shift(struct btf_prog_info *pi, size_t at, long delta)
{
    for (size_t i = 0; i < pi->nr_funcs; i++)
        if (pi->funcs[i].insn_off >= at)
            pi->funcs[i].insn_off = (uint32_t)((long)pi->funcs[i].insn_off + delta);
    for (size_t i = 0; i < pi->nr_lines; i++)
        if (pi->lines[i].insn_off >= at)
            pi->lines[i].insn_off = (uint32_t)((long)pi->lines[i].insn_off + delta);
    for (size_t i = 0; i < pi->nr_relos; i++)
        if (pi->relos[i].insn_off >= at)
            pi->relos[i].insn_off = (uint32_t)((long)pi->relos[i].insn_off + delta);
}

void btf_prog_info_free(struct btf_prog_info *pi)
{
    if (!pi)
        return;
    free(pi->funcs);
    free(pi->lines);
    free(pi->relos);
    memset(pi, 0, sizeof(*pi));
}

const struct btf_ext_line *btf_prog_info_line(const struct btf_prog_info *pi, size_t idx)
{
    size_t i;

    if (!pi || !pi->nr_lines)
        return NULL;
    i = lower_bound(pi->lines, pi->nr_lines, sizeof(*pi->lines), idx + 1);
    return i ? &pi->lines[i - 1] : NULL;
}

const struct btf_ext_line *btf_prog_info_line_at(const struct btf_prog_info *pi, size_t idx)
{
    size_t i;

    if (!pi || !pi->nr_lines)
        return NULL;
    i = lower_bound(pi->lines, pi->nr_lines, sizeof(*pi->lines), idx);
    return i < pi->nr_lines && pi->lines[i].insn_off == idx ? &pi->lines[i] : NULL;
}
