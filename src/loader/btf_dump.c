/* btf_dump.c - BTF listings for `bpfrt btf dump file OBJ [format raw|c]`.
 *
 * The raw form is bpftool's (`bpftool btf dump file X`), line for line,
 * one entry per type kind in a table; the JSON form carries bpftool's keys.
 * The C form is libbpf's btf_dump API inside the same preamble bpftool
 * writes.  A test compares each with bpftool's own output. */
#include "bpfrt/bpfrt.h"
#include "common/log.h"
#include "common/opts.h"
#include "loader/btf_info.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const kind_str[] = {
    [BTF_KIND_UNKN] = "UNKNOWN",      [BTF_KIND_INT] = "INT",
    [BTF_KIND_PTR] = "PTR",           [BTF_KIND_ARRAY] = "ARRAY",
    [BTF_KIND_STRUCT] = "STRUCT",     [BTF_KIND_UNION] = "UNION",
    [BTF_KIND_ENUM] = "ENUM",         [BTF_KIND_FWD] = "FWD",
    [BTF_KIND_TYPEDEF] = "TYPEDEF",   [BTF_KIND_VOLATILE] = "VOLATILE",
    [BTF_KIND_CONST] = "CONST",       [BTF_KIND_RESTRICT] = "RESTRICT",
    [BTF_KIND_FUNC] = "FUNC",         [BTF_KIND_FUNC_PROTO] = "FUNC_PROTO",
    [BTF_KIND_VAR] = "VAR",           [BTF_KIND_DATASEC] = "DATASEC",
    [BTF_KIND_FLOAT] = "FLOAT",       [BTF_KIND_DECL_TAG] = "DECL_TAG",
    [BTF_KIND_TYPE_TAG] = "TYPE_TAG", [BTF_KIND_ENUM64] = "ENUM64",
};

static const char *kind_name(unsigned k)
{
    return k < sizeof(kind_str) / sizeof(kind_str[0]) && kind_str[k] ? kind_str[k] : "UNKNOWN";
}

static const char *int_enc(uint8_t enc)
{
    switch (enc) {
    case 0: return "(none)";
    case BTF_INT_SIGNED: return "SIGNED";
    case BTF_INT_CHAR: return "CHAR";
    case BTF_INT_BOOL: return "BOOL";
    default: return "UNKN";
    }
}

static const char *linkage(unsigned l)
{
    switch (l) {
    case 0: return "static";
    case 1: return "global";
    case 2: return "extern";
    default: return "(unknown)";
    }
}

static const char *name_of(const struct btf *btf, uint32_t off)
{
    const char *s = btf__name_by_offset(btf, off);

    return s && *s ? s : "(anon)";
}

/* An output sink: text (bpftool's lines) or JSON (bpftool -j). */
struct sink {
    FILE *f;
    bool json;
    bool first_field; /* JSON: inside an object, no field written yet */
};

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* key=value in text ("size=4"), "key":value in JSON; fmt is the value. */
static void kv(struct sink *s, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void kv(struct sink *s, const char *key, const char *fmt, ...)
{
    va_list ap;

    if (s->json) {
        fprintf(s->f, "%s\"%s\":", s->first_field ? "" : ",", key);
        s->first_field = false;
    } else {
        fprintf(s->f, " %s=", key);
    }
    va_start(ap, fmt);
    vfprintf(s->f, fmt, ap);
    va_end(ap);
}

/* A string value: bare in text, quoted in JSON. */
static void kvs(struct sink *s, const char *key, const char *val)
{
    if (s->json) {
        fprintf(s->f, "%s\"%s\":", s->first_field ? "" : ",", key);
        s->first_field = false;
        jstr(s->f, val);
    } else {
        fprintf(s->f, " %s=%s", key, val);
    }
}

static void list_open(struct sink *s, const char *key)
{
    if (s->json)
        fprintf(s->f, ",\"%s\":[", key);
}

static void list_close(struct sink *s)
{
    if (s->json)
        fputc(']', s->f);
}

/* Start list element i: "\n\t'name'" in text, {"name":...} in JSON. */
static void elem_open(struct sink *s, uint32_t i, const char *name)
{
    if (s->json) {
        fprintf(s->f, "%s{", i ? "," : "");
        s->first_field = true;
        if (name)
            kvs(s, "name", name);
    } else {
        fprintf(s->f, "\n\t");
        if (name)
            fprintf(s->f, "'%s'", name);
    }
}

static void elem_close(struct sink *s)
{
    if (s->json)
        fputc('}', s->f);
}

static void dump_one(const struct btf *btf, uint32_t id, const struct btf_type *t, struct sink *s)
{
    unsigned k = btf_kind(t);
    uint16_t vlen = btf_vlen(t);

    if (s->json) {
        fprintf(s->f, "{\"id\":%u,\"kind\":\"%s\",\"name\":", id, kind_name(k));
        jstr(s->f, name_of(btf, t->name_off));
        s->first_field = false;
    } else {
        fprintf(s->f, "[%u] %s '%s'", id, kind_name(k), name_of(btf, t->name_off));
    }
    switch (k) {
    case BTF_KIND_INT: {
        uint32_t v = *(const uint32_t *)(t + 1);

        kv(s, "size", "%u", t->size);
        kv(s, "bits_offset", "%u", BTF_INT_OFFSET(v));
        kv(s, "nr_bits", "%u", BTF_INT_BITS(v));
        kvs(s, "encoding", int_enc(BTF_INT_ENCODING(v)));
        break;
    }
    case BTF_KIND_PTR:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_TYPE_TAG: kv(s, "type_id", "%u", t->type); break;
    case BTF_KIND_ARRAY: {
        const struct btf_array *a = btf_array(t);

        kv(s, "type_id", "%u", a->type);
        kv(s, "index_type_id", "%u", a->index_type);
        kv(s, "nr_elems", "%u", a->nelems);
        break;
    }
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
        const struct btf_member *m = btf_members(t);

        kv(s, "size", "%u", t->size);
        kv(s, "vlen", "%u", vlen);
        list_open(s, "members");
        for (uint16_t i = 0; i < vlen; i++, m++) {
            uint32_t bf = btf_member_bitfield_size(t, i);

            elem_open(s, i, name_of(btf, m->name_off));
            kv(s, "type_id", "%u", m->type);
            kv(s, "bits_offset", "%u", btf_member_bit_offset(t, i));
            if (bf)
                kv(s, "bitfield_size", "%u", bf);
            elem_close(s);
        }
        list_close(s);
        break;
    }
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64: {
        bool sgn = btf_kflag(t);

        kvs(s, "encoding", sgn ? "SIGNED" : "UNSIGNED");
        kv(s, "size", "%u", t->size);
        kv(s, "vlen", "%u", vlen);
        list_open(s, "values");
        for (uint16_t i = 0; i < vlen; i++) {
            if (k == BTF_KIND_ENUM) {
                const struct btf_enum *e = btf_enum(t) + i;

                elem_open(s, i, name_of(btf, e->name_off));
                if (sgn)
                    kv(s, "val", "%d", e->val);
                else if (s->json) /* bpftool 7.1 widens the signed field: match it */
                    kv(s, "val", "%" PRIu64, (uint64_t)(int64_t)e->val);
                else
                    kv(s, "val", "%u", (uint32_t)e->val);
            } else {
                const struct btf_enum64 *e = btf_enum64(t) + i;
                uint64_t v = btf_enum64_value(e);

                elem_open(s, i, name_of(btf, e->name_off));
                if (s->json)
                    kv(s, "val", sgn ? "%" PRId64 : "%" PRIu64, v);
                else if (sgn)
                    kv(s, "val", "%" PRId64 "LL", (int64_t)v);
                else
                    kv(s, "val", "%" PRIu64 "ULL", v);
            }
            elem_close(s);
        }
        list_close(s);
        break;
    }
    case BTF_KIND_FWD: kvs(s, "fwd_kind", btf_kflag(t) ? "union" : "struct"); break;
    case BTF_KIND_FUNC:
        kv(s, "type_id", "%u", t->type);
        kvs(s, "linkage", linkage(vlen));
        break;
    case BTF_KIND_FUNC_PROTO: {
        const struct btf_param *p = btf_params(t);

        kv(s, "ret_type_id", "%u", t->type);
        kv(s, "vlen", "%u", vlen);
        list_open(s, "params");
        for (uint16_t i = 0; i < vlen; i++, p++) {
            elem_open(s, i, name_of(btf, p->name_off));
            kv(s, "type_id", "%u", p->type);
            elem_close(s);
        }
        list_close(s);
        break;
    }
    case BTF_KIND_VAR:
        kv(s, "type_id", "%u", t->type);
        if (s->json)
            kvs(s, "linkage", linkage(btf_var(t)->linkage));
        else
            fprintf(s->f, ", linkage=%s", linkage(btf_var(t)->linkage));
        break;
    case BTF_KIND_DATASEC: {
        const struct btf_var_secinfo *v = btf_var_secinfos(t);

        kv(s, "size", "%u", t->size);
        kv(s, "vlen", "%u", vlen);
        list_open(s, "vars");
        for (uint16_t i = 0; i < vlen; i++, v++) {
            const struct btf_type *vt = btf__type_by_id(btf, v->type);

            elem_open(s, i, NULL);
            if (s->json) {
                kv(s, "type_id", "%u", v->type);
            } else {
                fprintf(s->f, "type_id=%u", v->type);
            }
            kv(s, "offset", "%u", v->offset);
            kv(s, "size", "%u", v->size);
            if (!s->json && vt)
                fprintf(s->f, " (%s '%s')", kind_name(btf_kind(vt)), name_of(btf, vt->name_off));
            elem_close(s);
        }
        list_close(s);
        break;
    }
    case BTF_KIND_FLOAT: kv(s, "size", "%u", t->size); break;
    case BTF_KIND_DECL_TAG:
        kv(s, "type_id", "%u", t->type);
        kv(s, "component_idx", "%d", btf_decl_tag(t)->component_idx);
        break;
    default: break;
    }
    if (s->json)
        fputc('}', s->f);
    else
        fputc('\n', s->f);
}

static uint32_t first_id(const struct btf *btf)
{
    const struct btf *base = btf__base_btf(btf);

    return base ? btf__type_cnt(base) : 1;
}

static int dump_raw(const struct btf *btf, FILE *out, bool json)
{
    struct sink s = {.f = out, .json = json};
    uint32_t n = btf__type_cnt(btf);

    if (json)
        fputs("{\"types\":[", out);
    for (uint32_t id = first_id(btf); id < n; id++) {
        const struct btf_type *t = btf__type_by_id(btf, id);

        if (!t)
            return -EINVAL;
        if (json && id > first_id(btf))
            fputc(',', out);
        dump_one(btf, id, t, &s);
    }
    if (json)
        fputs("]}\n", out);
    return ferror(out) ? -EIO : 0;
}

int btf_dump_raw(const struct btf *btf, FILE *out)
{
    return dump_raw(btf, out, false);
}

int btf_dump_raw_json(const struct btf *btf, FILE *out)
{
    return dump_raw(btf, out, true);
}

static void c_printf(void *ctx, const char *fmt, va_list args)
{
    vfprintf(ctx, fmt, args);
}

/* Copy text to out, writing a prototype without parameters, "()", as
 * "(void)": libbpf 1.1.0's btf_dump leaves it empty, later libbpf (and so
 * bpftool) writes void; in a C type listing "()" occurs nowhere else. */
static void put_c(FILE *out, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '(' && i + 1 < n && text[i + 1] == ')') {
            fputs("(void)", out);
            i++;
        } else {
            fputc(text[i], out);
        }
    }
}

int btf_dump_c(const struct btf *btf, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    struct btf_dump *d;
    uint32_t n = btf__type_cnt(btf);
    int err = 0;

    if (!mem)
        return -ENOMEM;
    d = btf_dump__new(btf, c_printf, mem, NULL);
    if (!d) {
        err = errno ? -errno : -EINVAL;
        fclose(mem);
        free(buf);
        return err;
    }
    fputs("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
          "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
          "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
          "#endif\n\n",
          out);
    for (uint32_t id = first_id(btf); id < n && !err; id++)
        err = btf_dump__dump_type(d, id);
    btf_dump__free(d);
    fclose(mem);
    put_c(out, buf, len);
    free(buf);
    fputs("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
          "#endif /* __VMLINUX_H__ */\n",
          out);
    if (!err && ferror(out))
        err = -EIO;
    return err;
}

/* Why btf__parse failed on path, in words: libbpf's own codes
 * (LIBBPF_ERRNO__*, above 4000) are not errno values, and strerror() calls
 * them "Unknown error 4001". */
static void parse_error(const char *path, int err, char *log, size_t logsz)
{
    struct stat st;
    char buf[128];

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(log, logsz, "%s: is a directory, not an ELF object or a raw BTF file", path);
        return;
    }
    if (err == -LIBBPF_ERRNO__FORMAT || err == -EPROTO) {
        snprintf(log, logsz, "%s: neither an ELF object nor a raw BTF file (no ELF header, no BTF magic)", path);
        return;
    }
    if (err == -ENOENT && stat(path, &st) == 0) {
        snprintf(log, logsz, "%s: the ELF object has no .BTF section", path);
        return;
    }
    if (err == -EIO && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 64) {
        snprintf(log, logsz, "%s: too short (%lld bytes) for an ELF object or a raw BTF file", path,
                 (long long)st.st_size);
        return;
    }
    if (-err >= __LIBBPF_ERRNO__START && -err < __LIBBPF_ERRNO__END && !libbpf_strerror(err, buf, sizeof(buf)))
        snprintf(log, logsz, "%s: no BTF could be read (%s)", path, buf);
    else
        snprintf(log, logsz, "%s: no BTF could be read (%s)", path, strerror(-err));
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    (void)level;
    (void)fmt;
    (void)ap;
    return 0;
}

int btf_dump_file(const char *path, const char *format, int json, FILE *out, char *log, size_t logsz)
{
    libbpf_print_fn_t old;
    struct btf *btf;
    char why[256];
    int err;

    if (format && strcmp(format, "raw") && strcmp(format, "c")) {
        snprintf(log, logsz, "unknown BTF dump format '%s' (raw or c)", format);
        return -EINVAL;
    }
    /* libbpf would print its own reasons to stderr as well: the error is
     * reported once, by the caller, in the words below */
    old = libbpf_set_print(quiet);
    errno = 0;
    btf = btf__parse(path, NULL);
    err = btf ? 0 : errno ? -errno : -EINVAL;
    libbpf_set_print(old);
    if (!btf) {
        parse_error(path, err, log, logsz);
        return err;
    }
    if (format && !strcmp(format, "c")) {
        /* libbpf's C dumper trusts the BTF: a reference loop without a
         * named struct recurses until the stack overflows (bpftool crashes
         * the same way), a type contained in itself fails obscurely.  The
         * raw listing follows no reference and shows corrupt BTF as is,
         * as bpftool's does. */
        err = btf_check_types(btf, why, sizeof(why));
        if (err) {
            snprintf(log, logsz, "%s: corrupt BTF, not dumped as C: %s", path, why);
            btf__free(btf);
            return err;
        }
        err = btf_dump_c(btf, out);
    } else {
        err = dump_raw(btf, out, json);
    }
    if (err)
        snprintf(log, logsz, "%s: dumping BTF failed (%s)", path, strerror(-err));
    btf__free(btf);
    return err;
}

int bpfrt_btf__dump_file(const char *path, FILE *out, const struct bpfrt_btf_dump_opts *opts)
{
    enum bpfrt_btf_format format = CM_OPT(opts, format, BPFRT_BTF_RAW);
    char *log = CM_OPT(opts, log_buf, NULL);
    size_t logsz = CM_OPT(opts, log_size, 0);
    char none[1];

    if (!log || !logsz)
        log = none, logsz = sizeof(none);
    log[0] = 0;
    if (!path || !out)
        return cm_log(log, logsz, -EINVAL, "no path or no output");
    if (format != BPFRT_BTF_RAW && format != BPFRT_BTF_C)
        return cm_log(log, logsz, -EINVAL, "unknown BTF dump format %d (raw or c)", (int)format);
    if (format == BPFRT_BTF_C && CM_OPT(opts, json, 0))
        return cm_log(log, logsz, -EINVAL, "JSON output for C-syntax dump is not supported");
    return btf_dump_file(path, format == BPFRT_BTF_C ? "c" : "raw", CM_OPT(opts, json, 0), out, log, logsz);
}
